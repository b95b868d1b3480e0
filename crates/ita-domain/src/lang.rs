//! The two languages of every screen and document: Thai first, English second.

use std::str::FromStr;

/// ภาษา: Thai or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    Th,
    En,
}

impl Lang {
    /// The Thai or the English of a pair.
    pub fn pick<'a>(self, thai: &'a str, english: &'a str) -> &'a str {
        match self {
            Lang::Th => thai,
            Lang::En => english,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Th => "th",
            Lang::En => "en",
        }
    }
}

impl FromStr for Lang {
    type Err = String;

    fn from_str(text: &str) -> Result<Lang, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "th" | "thai" | "ไทย" => Ok(Lang::Th),
            "en" | "english" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?}: use th or en")),
        }
    }
}
