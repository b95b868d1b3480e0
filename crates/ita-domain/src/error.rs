//! The domain's one error type: what went wrong, where (file, line, field), in Thai and in English.

use std::fmt;

/// Which kind of input was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A methodology year file (its syntax or its content).
    Methodology,
    /// An agency's score input: indicator scores, responses, verdicts.
    Input,
    /// A request the methodology cannot answer (an unknown year, a label for a year without labels).
    Request,
}

/// A problem found in a file or a request, told so that a person can fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    pub kind: ErrorKind,
    /// The file (or other source) the problem is in, as the user named it.
    pub file: String,
    /// The 1-based line, when the problem sits at one.
    pub line: Option<usize>,
    /// The field, as a path: `indicators.4`, `items[3].scale`.
    pub field: String,
    pub message_th: String,
    pub message_en: String,
}

impl Error {
    pub fn new(
        kind: ErrorKind,
        file: &str,
        field: impl Into<String>,
        th: impl Into<String>,
        en: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            file: file.to_string(),
            line: None,
            field: field.into(),
            message_th: th.into(),
            message_en: en.into(),
        }
    }

    pub fn with_line(mut self, line: usize) -> Error {
        self.line = Some(line);
        self
    }

    fn location(&self) -> String {
        let mut location = self.file.clone();
        if let Some(line) = self.line {
            location.push_str(&format!(":{line}"));
        }
        location
    }
}

impl fmt::Display for Error {
    /// Two lines, Thai first: `ข้อผิดพลาด: FILE:LINE ช่อง FIELD: ...` then `error: FILE:LINE field FIELD: ...`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location();
        let (field_th, field_en) = if self.field.is_empty() {
            (String::new(), String::new())
        } else {
            (format!(" ช่อง {}", self.field), format!(" field {}", self.field))
        };
        write!(
            formatter,
            "ข้อผิดพลาด: {location}{field_th}: {}\nerror: {location}{field_en}: {}",
            self.message_th, self.message_en
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// 1-based line of a byte offset in a text.
pub fn line_of(text: &str, byte_offset: usize) -> usize {
    text.as_bytes()[..byte_offset.min(text.len())].iter().filter(|&&byte| byte == b'\n').count() + 1
}
