//! The report as PDF, typeset by typst used as a library: a small [`World`] serves the template
//! (`templates/report.typ`, compiled into the binary), one virtual JSON file with the already-rendered texts, and
//! the fonts of a [`FontSet`]. Nothing is read from the network or the system: the Sarabun fonts are compiled in,
//! and a user's font folder is read only when named.
//!
//! The data never passes through typst markup (the template reads it with `json`), so no text of the model can
//! break out of its place. The template turns off the `mark` and `mkmk` OpenType features, so that text extracted
//! from the PDF has whole Thai words: with them, `pdftotext` and every copy and paste give ซึ่ซึ่ง for ซึ่ง (typst
//! issues 4225 and 7610); Sarabun draws its marks in place without them. `tests/pdf.rs` checks the extracted text.
//!
//! Speed (BENCHMARKS.md, "Reports"): most of a report's time is typst's line breaking of Thai, ICU's LSTM word
//! segmenter at about 7 µs a character, paid each time a text is laid out anew. typst memoises layout across the
//! compilations of a process, so the template lays its table and list texts out as units whose layout the next
//! reports reuse wherever they fall (see the comment in `report.typ`); a report of a batch then breaks only its
//! new text (the agency's name, the sentences that carry its scores).

use std::fmt;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use ita_domain::Lang;
use ita_domain::report::ReportModel;
use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use crate::{RenderError, RenderOptions};

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("../templates/report.typ");

/// The fonts compiled into the binary: Sarabun, SIL Open Font License 1.1 (`fonts/OFL-Sarabun.txt`). The DOCX
/// chart is drawn with them too.
pub(crate) const BUILTIN_FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/Sarabun-Regular.ttf"),
    include_bytes!("../fonts/Sarabun-Bold.ttf"),
    include_bytes!("../fonts/Sarabun-Italic.ttf"),
    include_bytes!("../fonts/Sarabun-BoldItalic.ttf"),
];

/// The families the template asks for after the user's own: the government's TH Sarabun New when the user has
/// it, else the compiled-in Sarabun.
const DEFAULT_FAMILIES: [&str; 2] = ["TH Sarabun New", "Sarabun"];

fn file_id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("a valid virtual path")).intern()
}

static MAIN_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/report.typ"));
static DATA_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/data.json"));
/// The standard library, built once per process.
pub(crate) static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));
/// The template, parsed once per process.
static MAIN: LazyLock<Source> = LazyLock::new(|| Source::new(*MAIN_ID, TEMPLATE.to_string()));
/// The compiled-in fonts, parsed once per process.
static BUILTIN: LazyLock<FontSet> = LazyLock::new(|| {
    FontSet::from_fonts(
        BUILTIN_FONTS.iter().flat_map(|data| Font::iter(Bytes::new(*data))).collect(),
        Vec::new(),
    )
});

/// The fonts of the PDF, parsed once and shared (cloning is cheap): a user's fonts first, then Sarabun.
#[derive(Clone)]
pub struct FontSet {
    inner: Arc<FontSetInner>,
}

struct FontSetInner {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    /// The families of the user's fonts, preferred over the default ones.
    user_families: Vec<String>,
}

impl FontSet {
    /// The compiled-in Sarabun, preceded by every `.ttf`, `.otf`, `.ttc` and `.otc` font in `folder` when given.
    /// The template prefers the user's fonts (in file-name order), then TH Sarabun New, then Sarabun.
    pub fn load(folder: Option<&Path>) -> Result<FontSet, RenderError> {
        let Some(folder) = folder else { return Ok(FontSet::default()) };
        let shown = folder.display();
        let entries = std::fs::read_dir(folder).map_err(|error| {
            RenderError::Pdf(format!(
                "ข้อผิดพลาด: อ่านโฟลเดอร์แบบอักษร {shown} ไม่ได้ / cannot read the font folder {shown}: {error}"
            ))
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension().and_then(|extension| extension.to_str()).is_some_and(|extension| {
                    matches!(extension.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc")
                })
            })
            .collect();
        paths.sort();
        let mut fonts = Vec::new();
        for path in &paths {
            let data = std::fs::read(path).map_err(|error| {
                RenderError::Pdf(format!(
                    "ข้อผิดพลาด: อ่านแฟ้มแบบอักษร {0} ไม่ได้ / cannot read the font {0}: {error}",
                    path.display()
                ))
            })?;
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(data)));
            if fonts.len() == before {
                return Err(RenderError::Pdf(format!(
                    "ข้อผิดพลาด: แฟ้ม {0} ไม่ใช่แบบอักษรที่ใช้ได้ / {0} is not a usable font",
                    path.display()
                )));
            }
        }
        let mut user_families: Vec<String> = Vec::new();
        for font in &fonts {
            let family = &font.info().family;
            if !user_families.iter().any(|known| known.eq_ignore_ascii_case(family)) {
                user_families.push(family.clone());
            }
        }
        fonts.extend(BUILTIN.inner.fonts.iter().cloned());
        Ok(FontSet::from_fonts(fonts, user_families))
    }

    fn from_fonts(fonts: Vec<Font>, user_families: Vec<String>) -> FontSet {
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        FontSet { inner: Arc::new(FontSetInner { fonts, book, user_families }) }
    }

    /// The families the template asks for, in order of preference.
    pub(crate) fn families(&self) -> Vec<String> {
        let mut families = self.inner.user_families.clone();
        for family in DEFAULT_FAMILIES {
            if !families.iter().any(|known| known.eq_ignore_ascii_case(family)) {
                families.push(family.to_string());
            }
        }
        families
    }

    /// The body size in points: 16 pt for the small-eyed Thai government fonts ("TH Sarabun New", "TH SarabunPSK"
    /// and their kin, sized as in official documents), 12 pt (the same apparent size) for Sarabun and others.
    pub(crate) fn body_size(&self) -> f64 {
        let primary = self.families().into_iter().find(|family| self.inner.book.contains_family(family));
        match primary {
            Some(family) if family.to_ascii_uppercase().starts_with("TH ") => 16.0,
            _ => 12.0,
        }
    }
}

impl FontSet {
    /// The index of the fonts, for a typst [`World`] (the poster's too).
    pub(crate) fn book(&self) -> &LazyHash<FontBook> {
        &self.inner.book
    }

    /// One font by its index in the book.
    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        self.inner.fonts.get(index).cloned()
    }
}

impl Default for FontSet {
    /// The compiled-in Sarabun alone.
    fn default() -> FontSet {
        BUILTIN.clone()
    }
}

impl fmt::Debug for FontSet {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FontSet")
            .field("fonts", &self.inner.fonts.len())
            .field("families", &self.families())
            .finish()
    }
}

/// One compilation's world: the template, the data file and the fonts.
struct ReportWorld<'a> {
    fonts: &'a FontSet,
    data: Bytes,
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.inner.book
    }

    fn main(&self) -> FileId {
        *MAIN_ID
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *MAIN_ID { Ok(MAIN.clone()) } else { Err(not_found(id)) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATA_ID { Ok(self.data.clone()) } else { Err(not_found(id)) }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.inner.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The report's date comes from the model; the template never asks for today.
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}

/// typst's diagnostics as one message: each with its line in the template and its hints.
fn describe(world: &ReportWorld<'_>, diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let line = match diagnostic.span.id() {
                Some(id) if id == *MAIN_ID => world
                    .range(diagnostic.span)
                    .and_then(|range| MAIN.lines().byte_to_line(range.start))
                    .map(|line| format!("report.typ:{}: ", line + 1))
                    .unwrap_or_default(),
                Some(id) => format!("{}: ", id.vpath().get_without_slash()),
                None => String::new(),
            };
            let hints: String = diagnostic.hints.iter().map(|hint| format!(" (hint: {})", hint.v)).collect();
            format!("{line}{}{hints}", diagnostic.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders the model as PDF bytes.
pub fn render(model: &ReportModel, options: RenderOptions, fonts: &FontSet) -> Result<Vec<u8>, RenderError> {
    let data = ReportData::new(model, options, fonts);
    let json =
        serde_json::to_vec(&data).map_err(|error| RenderError::Pdf(format!("the report data: {error}")))?;
    let world = ReportWorld { fonts, data: Bytes::new(json) };
    let compiled = typst::compile::<PagedDocument>(&world).output;
    let document = compiled.map_err(|errors| RenderError::Pdf(describe(&world, &errors)));
    let pdf = document.and_then(|document| {
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|errors| RenderError::Pdf(describe(&world, &errors)))
    });
    // typst memoises layout across compilations (a batch reuses the texts its reports share); entries unused by
    // the last ten compilations go (with two threads, the last five of each), so that a long batch stays bounded.
    typst::comemo::evict(10);
    pdf
}

/// What the template reads: every text already in the chosen language and digits.
#[derive(Debug, Serialize)]
struct ReportData {
    lang: &'static str,
    fonts: Vec<String>,
    /// The body size in points.
    size: f64,
    title: String,
    agency_name: String,
    agency_place: String,
    evidence: Option<String>,
    heading_analysis: String,
    summary: String,
    level_reason: String,
    heading_instruments: String,
    instruments_header: [String; 4],
    instruments: Vec<[String; 4]>,
    total: [String; 2],
    heading_indicators: String,
    chart_svg: String,
    chart_caption: String,
    indicators_header: [String; 4],
    indicator_groups: Vec<IndicatorGroup>,
    heading_detailed: String,
    detailed: Vec<Detailed>,
    heading_improvements: String,
    improvements: Vec<String>,
    item_improvements_label: String,
    item_improvements: Vec<String>,
    paths: Vec<PathData>,
    heading_measures: String,
    measures_header: [String; 5],
    measures: Vec<MeasureData>,
    heading_notices: String,
    notices: Vec<String>,
    signature: Signature,
}

#[derive(Debug, Serialize)]
struct IndicatorGroup {
    name: String,
    rows: Vec<IndicatorData>,
}

#[derive(Debug, Serialize)]
struct IndicatorData {
    name: String,
    score: String,
    status: String,
    below: bool,
    issues: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Detailed {
    title: String,
    items: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PathData {
    title: String,
    steps: Vec<String>,
    outcome: String,
}

#[derive(Debug, Serialize)]
struct MeasureData {
    measure: String,
    answers: String,
    how: String,
    owner: String,
    period: String,
    follow_up: String,
}

#[derive(Debug, Serialize)]
struct Signature {
    line: String,
    name: String,
    position: String,
    date: Option<String>,
}

fn split<const N: usize>(joined: &str) -> [String; N] {
    let mut parts = joined.split(" | ").map(str::to_string);
    std::array::from_fn(|_| parts.next().unwrap_or_default())
}

impl ReportData {
    /// The same content, in the same order and words, as the Markdown renderer.
    fn new(model: &ReportModel, o: RenderOptions, fonts: &FontSet) -> ReportData {
        let evidence = model.evidence_item.as_ref().map(|item| {
            o.pick(
                &format!("เอกสารประกอบการเปิดเผยข้อมูลสาธารณะ ข้อ {item}"),
                &format!("Evidence for OIT item {item}"),
            )
        });
        let instruments = model
            .instruments
            .iter()
            .map(|instrument| {
                [
                    format!("{} ({})", o.text(&instrument.name), instrument.code),
                    o.number(instrument.score),
                    o.digits(&format!("{}%", instrument.weight_percent)),
                    o.number(instrument.weighted),
                ]
            })
            .collect();
        let indicator_groups = model
            .instruments
            .iter()
            .map(|instrument| IndicatorGroup {
                name: format!("{} ({})", o.text(&instrument.name), instrument.code),
                rows: instrument
                    .indicators
                    .iter()
                    .map(|indicator| {
                        let previous = indicator
                            .previous
                            .map(|previous| {
                                o.pick(&format!(" (ปีก่อน {previous})"), &format!(" (last year {previous})"))
                            })
                            .unwrap_or_default();
                        IndicatorData {
                            name: format!(
                                "{} {}",
                                o.digits(&format!("{}.", indicator.number)),
                                o.text(&indicator.name)
                            ),
                            score: format!("{}{previous}", o.number(indicator.score)),
                            status: o.text(&indicator.status.text()),
                            below: indicator.status == ita_domain::report::IndicatorStatus::Below,
                            issues: indicator.issues.iter().map(|issue| o.text(issue)).collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        let detailed = model
            .indicators()
            .filter(|indicator| !indicator.weak_items.is_empty() || !indicator.failed_items.is_empty())
            .map(|indicator| {
                let weak = indicator.weak_items.iter().map(|item| {
                    let issue =
                        item.issue.as_ref().map(|issue| format!(" {}", o.text(issue))).unwrap_or_default();
                    format!(
                        "{} {} ({}){issue}",
                        item.code,
                        o.text(&item.question),
                        o.pick(&format!("{} คะแนน", item.score), &format!("{} points", item.score))
                    )
                });
                let failed = indicator.failed_items.iter().map(|item| {
                    let guidance = item
                        .guidance
                        .as_ref()
                        .map(|guidance| format!(" {}", o.text(guidance)))
                        .unwrap_or_default();
                    // The assessor's notes go on lines of their own under the item (typst breaks a line at
                    // a newline of a string).
                    let notes: String =
                        crate::assessor_lines(o, item).iter().map(|line| format!("\n– {line}")).collect();
                    format!(
                        "{} {} ({}){guidance}{notes}",
                        item.code,
                        o.text(&item.name),
                        o.pick(
                            &format!("ไม่ผ่าน ทำให้คะแนนรวมลดลง {} คะแนน", item.points_lost),
                            &format!("failed, cost {} points of the total", item.points_lost)
                        )
                    )
                });
                Detailed {
                    title: o.pick(
                        &format!("ตัวชี้วัดที่ {} {}", indicator.number, indicator.name.th),
                        &format!("Indicator {} {}", indicator.number, indicator.name.en),
                    ),
                    items: weak.chain(failed).collect(),
                }
            })
            .collect();
        let improvements = model
            .improvements
            .iter()
            .enumerate()
            .map(|(index, improvement)| {
                format!(
                    "{} {}: {}",
                    o.digits(&format!("{}.", index + 1)),
                    o.text(&improvement.target),
                    o.pick(
                        &format!("หากได้คะแนนเต็ม คะแนนรวมจะเพิ่มขึ้นสูงสุด {} คะแนน", improvement.points),
                        &format!("full marks would add up to {} points to the total", improvement.points)
                    )
                )
            })
            .collect();
        let paths = model
            .paths
            .iter()
            .map(|path| PathData {
                title: o.pick(&format!("แนวทางสู่{}", path.target.th), &format!("Path to {}", path.target.en)),
                steps: path
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(index, step)| {
                        format!(
                            "{} {} (+{})",
                            o.digits(&format!("{}.", index + 1)),
                            o.pick(
                                &format!("ยก{}ให้ได้คะแนนเต็ม", step.target.th),
                                &format!("raise {} to full marks", step.target.en)
                            ),
                            o.number(step.points)
                        )
                    })
                    .collect(),
                outcome: crate::path_outcome(o, path),
            })
            .collect();
        let measures = model
            .measures
            .iter()
            .enumerate()
            .map(|(index, measure)| MeasureData {
                measure: format!("{} {}", o.digits(&format!("{}.", index + 1)), o.text(&measure.measure)),
                answers: o.pick(
                    &format!("ตอบประเด็น: {}", measure.answers.th),
                    &format!("answers: {}", measure.answers.en),
                ),
                how: o.text(&measure.how),
                owner: o.text(&measure.owner),
                period: o.text(&measure.period),
                follow_up: o.text(&measure.follow_up),
            })
            .collect();
        let (name, position) = match &model.signer {
            Some((name, position)) => (format!("({name})"), position.clone()),
            None => (
                "(........................................)".to_string(),
                o.pick("ผู้บริหารสูงสุดของหน่วยงาน", "Head of the agency"),
            ),
        };
        ReportData {
            lang: match o.lang {
                Lang::Th => "th",
                Lang::En => "en",
            },
            fonts: fonts.families(),
            size: fonts.body_size(),
            title: o.text(&model.title),
            agency_name: o.text(&model.agency_name),
            agency_place: o.text(&model.agency_place),
            evidence,
            heading_analysis: format!(
                "{} {}",
                o.digits("1."),
                o.pick(
                    &format!("การวิเคราะห์ผลการประเมิน ITA ปีงบประมาณ พ.ศ. {}", model.assessment_year),
                    &format!("Analysis of the {} ITA result", model.assessment_year)
                )
            ),
            summary: o.text(&model.summary),
            level_reason: o.text(&model.level_reason),
            heading_instruments: o.pick("ผลคะแนนรายแบบวัด", "Scores by instrument"),
            instruments_header: split(
                &o.pick("แบบวัด | คะแนน | น้ำหนัก | คะแนนถ่วงน้ำหนัก", "Instrument | Score | Weight | Weighted"),
            ),
            instruments,
            total: [o.pick("คะแนนรวม", "Total"), o.number(model.total)],
            heading_indicators: o.pick("ผลการวิเคราะห์รายตัวชี้วัด", "Analysis by indicator"),
            chart_svg: crate::indicator_chart_svg(model, o),
            chart_caption: crate::chart::chart_caption(model, o),
            indicators_header: split(&o.pick(
                "ตัวชี้วัดของการประเมิน ITA | คะแนน | สถานะ | ประเด็นที่ต้องแก้ไข/ปรับปรุง",
                "ITA indicator | Score | Status | What must be improved",
            )),
            indicator_groups,
            heading_detailed: o.pick("ข้อที่ได้คะแนนต่ำและข้อที่ไม่ผ่าน", "Weakest items and failed items"),
            detailed,
            heading_improvements: format!(
                "{} {}",
                o.digits("2."),
                o.pick("ลำดับความสำคัญของการปรับปรุง", "Improvements in order of priority")
            ),
            improvements,
            item_improvements_label: o.pick("รายข้อที่ส่งผลต่อคะแนนรวมมากที่สุด:", "The items that cost the most:"),
            item_improvements: model
                .item_improvements
                .iter()
                .map(|improvement| o.text(&improvement.target))
                .collect(),
            paths,
            heading_measures: format!("{} {}", o.digits("3."), o.text(&model.measures_title)),
            measures_header: split(&o.pick(
                "มาตรการ/แนวทาง | วิธีการดำเนินการ | ผู้รับผิดชอบ | ระยะเวลาดำเนินการ | การติดตามผล",
                "Measure | How | Responsible | When | Follow-up",
            )),
            measures,
            heading_notices: o.pick("ข้อสังเกตเกี่ยวกับข้อมูล", "Notes on the data"),
            notices: model.notices.iter().map(|notice| o.text(notice)).collect(),
            signature: Signature {
                line: o.pick(
                    "ลงชื่อ ........................................",
                    "Signed ........................................",
                ),
                name,
                position,
                date: model
                    .date
                    .as_ref()
                    .map(|date| o.pick(&format!("วันที่ {}", o.text(date)), &format!("Date: {}", o.text(date)))),
            },
        }
    }
}
