//! Renderers of the ITA analysis report: one model (`ita_domain::report::ReportModel`), four outputs.
//!
//! Every renderer takes the model and [`RenderOptions`] (language, Thai digits) and returns bytes; writing them
//! to disk (atomically) is the caller's business.

mod chart;
mod docx;
mod html;
mod markdown;
mod pdf;
mod poster;

use ita_domain::Lang;
use ita_domain::exact::Hundredths;
use ita_domain::report::{ReportModel, Text};
use ita_domain::thai::thai_digits;

pub use chart::indicator_chart_svg;
pub use pdf::FontSet;
pub use poster::{Poster, PosterInstrument, poster_pdf};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
    Html,
    Markdown,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Markdown => "md",
        }
    }
}

/// How to render: the language of the text, and whether numbers use Thai digits (๐-๙).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderOptions {
    pub lang: Lang,
    pub thai_digits: bool,
}

impl RenderOptions {
    /// A text in the chosen language, with Thai digits if asked.
    pub fn text(&self, text: &Text) -> String {
        self.digits(text.get(self.lang))
    }

    /// One of two literal strings (Thai, English), with Thai digits if asked.
    pub fn pick(&self, thai: &str, english: &str) -> String {
        self.digits(self.lang.pick(thai, english))
    }

    /// A two-decimal number, with Thai digits if asked.
    pub fn number(&self, value: Hundredths) -> String {
        self.digits(&value.to_string())
    }

    /// Thai digits if asked; and "พ.ศ. 2565" is kept on one line (a no-break space after the era).
    pub fn digits(&self, text: &str) -> String {
        let text = text.replace("พ.ศ. ", "พ.ศ.\u{a0}");
        if self.thai_digits { thai_digits(&text) } else { text }
    }
}

/// A rendering failure: only the PDF engine can fail on a valid model.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the PDF could not be typeset: {0}")]
    Pdf(String),
    #[error("the DOCX could not be written: {0}")]
    Docx(String),
    #[error("the HTML could not be rendered: {0}")]
    Html(#[from] askama::Error),
}

/// The sentence that closes a path to a target: where the steps lead, or that they cannot get there.
/// One wording for every renderer.
pub(crate) fn path_outcome(o: RenderOptions, path: &ita_domain::report::PathToTarget) -> String {
    if path.reachable {
        o.pick(
            &format!(
                "เมื่อดำเนินการครบ {} รายการ คะแนนรวมจะเป็น {} ({})",
                path.steps.len(),
                path.total_after,
                path.level_after.th
            ),
            &format!(
                "after {} steps the total would be {} ({})",
                path.steps.len(),
                path.total_after,
                path.level_after.en
            ),
        )
    } else {
        o.pick(
            "แม้ปรับปรุงทุกตัวชี้วัดให้ได้คะแนนเต็มก็ยังไม่ถึงเป้าหมายนี้",
            "even full marks on every indicator would not reach this target",
        )
    }
}

/// The lines printed under a failed OIT item: the assessor's reason and guidance, labelled, in the assessor's
/// own words. Empty when the assessor's notes are not known (a result entered as scores). One wording for every
/// renderer.
pub(crate) fn assessor_lines(o: RenderOptions, item: &ita_domain::report::FailedItem) -> Vec<String> {
    let Some(note) = &item.assessor else { return Vec::new() };
    let mut lines = Vec::new();
    if !note.reason.is_empty() {
        lines.push(format!("{}: {}", o.pick("เหตุผล", "Reason"), o.digits(&note.reason)));
    }
    if !note.guidance.is_empty() {
        lines.push(format!(
            "{}: {}",
            o.pick("ข้อแนะนำของผู้ประเมิน", "Assessor's guidance"),
            o.digits(&note.guidance)
        ));
    }
    lines
}

/// Renders the model in one format.
pub fn render(
    model: &ReportModel,
    format: Format,
    options: RenderOptions,
    fonts: &FontSet,
) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Markdown => Ok(markdown::render(model, options).into_bytes()),
        Format::Html => Ok(html::render(model, options)?.into_bytes()),
        Format::Docx => docx::render(model, options),
        Format::Pdf => pdf::render(model, options, fonts),
    }
}
