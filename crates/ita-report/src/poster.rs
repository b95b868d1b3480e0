//! The survey poster: one A4 page, black on white, that invites people to answer an agency's IIT or EIT survey
//! with a large QR code of its link, the link in full, the IIT access code, the answering window, three steps and
//! the promise that nobody can tell who answered what.
//!
//! Typeset by typst like the report (`pdf.rs`): `templates/poster.typ` is compiled into the binary and reads every
//! text, already in the poster's language, from a virtual JSON file, so no text of the caller passes through typst
//! markup. The QR code goes in as an SVG path drawn here from the `qrcode` crate's modules (error correction Q,
//! a quiet zone of four modules); the template prints it 10 cm wide (9 cm when long texts need the room). `mark`
//! and `mkmk` are off as in the report, so that the Thai text extracted from the PDF has whole words.

use std::fmt::Write as _;
use std::sync::LazyLock;

use ita_domain::Lang;
use qrcode::{Color, EcLevel, QrCode};
use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};
use typst_layout::PagedDocument;

use crate::{FontSet, RenderError};

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("../templates/poster.typ");

/// The modules of white around the code that readers need (the QR standard's four).
const QUIET_ZONE: usize = 4;

fn file_id(path: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(path).expect("a valid virtual path")).intern()
}

static MAIN_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/poster.typ"));
static DATA_ID: LazyLock<FileId> = LazyLock::new(|| file_id("/poster.json"));
/// The template, parsed once per process.
static MAIN: LazyLock<Source> = LazyLock::new(|| Source::new(*MAIN_ID, TEMPLATE.to_string()));

/// Which survey the poster invites people to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterInstrument {
    /// The internal stakeholders' survey: the agency's own staff, with an access code.
    Iit,
    /// The external stakeholders' survey: the agency's service users and contacts, a public link.
    Eit,
}

impl PosterInstrument {
    /// The methodology's code: `IIT` or `EIT`.
    pub fn code(self) -> &'static str {
        match self {
            PosterInstrument::Iit => "IIT",
            PosterInstrument::Eit => "EIT",
        }
    }

    /// The instrument's usual name (as the methodology names it), for a caller that has no methodology at hand.
    pub fn default_title(self, lang: Lang) -> &'static str {
        match self {
            PosterInstrument::Iit => {
                lang.pick("แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน", "Internal stakeholders' perception survey")
            }
            PosterInstrument::Eit => {
                lang.pick("แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก", "External stakeholders' perception survey")
            }
        }
    }
}

/// What one poster says. Every text is in the poster's language already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    pub lang: Lang,
    pub instrument: PosterInstrument,
    /// The instrument's name as the methodology gives it, e.g. แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก: the
    /// heading reads "ร่วมตอบ{title} (EIT)" ("Please answer the {title} (EIT)"). Empty: the usual name
    /// ([`PosterInstrument::default_title`]).
    pub title: String,
    pub agency_name: String,
    /// The survey's address in full: the QR code holds exactly this text.
    pub url: String,
    /// The IIT access code (printed large); `None` for EIT.
    pub access_code: Option<String>,
    /// The first and last day of answering, formatted (e.g. `1 มีนาคม 2570`); `None` prints no window.
    pub window: Option<(String, String)>,
    /// The fiscal year of the assessment, Buddhist era (2570).
    pub fiscal_year: u16,
}

/// Typesets the poster as a one-page A4 PDF. A poster whose texts (a long agency name, title or address) push it
/// onto a second page is typeset again compact: type 12% smaller and the QR code 9 cm wide.
pub fn poster_pdf(fonts: &FontSet, poster: &Poster) -> Result<Vec<u8>, RenderError> {
    let mut data = PosterData::new(poster, fonts)?;
    let mut document = typeset(fonts, &data)?;
    if document.pages().len() > 1 {
        data.size *= COMPACT_SCALE;
        data.qr_cm = COMPACT_QR_CM;
        document = typeset(fonts, &data)?;
    }
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        let world = PosterWorld { fonts, data: Bytes::new(Vec::new()) };
        RenderError::Pdf(describe(&world, &errors))
    });
    // As for the reports: typst's memoised layout stays bounded across many posters.
    typst::comemo::evict(10);
    pdf
}

/// The type of a compact poster, relative to the usual one.
const COMPACT_SCALE: f64 = 0.88;
/// The QR code's width on a compact poster, in centimetres (10 on the usual one).
const COMPACT_QR_CM: f64 = 9.0;

fn typeset(fonts: &FontSet, data: &PosterData) -> Result<PagedDocument, RenderError> {
    let json =
        serde_json::to_vec(data).map_err(|error| RenderError::Pdf(format!("the poster data: {error}")))?;
    let world = PosterWorld { fonts, data: Bytes::new(json) };
    typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| RenderError::Pdf(describe(&world, &errors)))
}

/// The QR code of `text` as an SVG: one unit per module, the quiet zone included, dark modules as one path of
/// horizontal runs on a white square.
fn qr_svg(text: &str) -> Result<String, RenderError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::Q).map_err(|error| {
        RenderError::Pdf(format!(
            "ข้อผิดพลาด: ที่อยู่ยาวเกินกว่าจะทำเป็น QR code ได้ / the address is too long for a QR code: {error}"
        ))
    })?;
    let width = code.width();
    let colors = code.to_colors();
    let side = width + 2 * QUIET_ZONE;
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let start = x;
                while x < width && row[x] == Color::Dark {
                    x += 1;
                }
                let _ = write!(
                    path,
                    "M{} {}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                );
            } else {
                x += 1;
            }
        }
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{side}" height="{side}" shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
    ))
}

/// What the template reads.
#[derive(Debug, Serialize)]
struct PosterData {
    lang: &'static str,
    fonts: Vec<String>,
    /// The body size in points.
    size: f64,
    /// The QR code's width in centimetres, its quiet zone included.
    qr_cm: f64,
    document_title: String,
    heading: String,
    agency_name: String,
    assessment: String,
    year: String,
    audience: String,
    qr_svg: String,
    qr_alt: String,
    url: String,
    code_label: Option<String>,
    code: Option<String>,
    code_note: Option<String>,
    window: Option<String>,
    steps_title: String,
    steps: [[String; 2]; 3],
    privacy_title: String,
    privacy: String,
    footer: String,
}

impl PosterData {
    fn new(poster: &Poster, fonts: &FontSet) -> Result<PosterData, RenderError> {
        let lang = poster.lang;
        let pick = |thai: &str, english: &str| lang.pick(thai, english).to_string();
        let code = poster.instrument.code();
        let title = if poster.title.trim().is_empty() {
            poster.instrument.default_title(lang).to_string()
        } else {
            poster.title.trim().to_string()
        };
        let year = poster.fiscal_year;
        let iit = poster.instrument == PosterInstrument::Iit;
        let access_code = poster.access_code.as_ref().map(|code| code.trim()).filter(|code| !code.is_empty());
        Ok(PosterData {
            lang: match lang {
                Lang::Th => "th",
                Lang::En => "en",
            },
            fonts: fonts.families(),
            size: fonts.body_size(),
            qr_cm: 10.0,
            document_title: format!("{title} ({code}) {}", poster.agency_name),
            heading: match lang {
                Lang::Th => format!("ร่วมตอบ{title}\u{a0}({code})"),
                Lang::En => format!("Please answer the {title}\u{a0}({code})"),
            },
            agency_name: poster.agency_name.clone(),
            assessment: pick(
                "การประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ (ITA)",
                "Integrity and Transparency Assessment of public agencies (ITA)",
            ),
            year: match lang {
                Lang::Th => format!("ประจำปีงบประมาณ พ.ศ.\u{a0}{year}"),
                Lang::En => format!("Fiscal year B.E.\u{a0}{year}"),
            },
            audience: if iit {
                pick(
                    "สำหรับบุคลากรที่ปฏิบัติงานในหน่วยงานไม่น้อยกว่า 1\u{a0}ปี",
                    "For staff who have worked at the agency for at least one year",
                )
            } else {
                pick(
                    "สำหรับผู้รับบริการหรือผู้ติดต่อราชการกับหน่วยงานในปีงบประมาณนี้",
                    "For people who used the agency's services or dealt with it this fiscal year",
                )
            },
            qr_svg: qr_svg(&poster.url)?,
            qr_alt: match lang {
                Lang::Th => format!("QR code ของแบบวัด: {}", poster.url),
                Lang::En => format!("QR code of the survey: {}", poster.url),
            },
            url: poster.url.clone(),
            code_label: access_code.map(|_| pick("รหัสเข้าตอบ", "Access code")),
            code: access_code.map(str::to_string),
            code_note: access_code.map(|_| {
                pick(
                    "ใช้รหัสเดียวกันทั้งหน่วยงาน ไม่ใช่รหัสประจำตัว จึงไม่ระบุว่าผู้ใดเป็นผู้ตอบ",
                    "The same code for the whole agency, not a personal one: it does not tell who answered",
                )
            }),
            window: poster.window.as_ref().map(|(from, to)| match lang {
                Lang::Th => format!("เปิดให้ตอบตั้งแต่วันที่ {from} ถึงวันที่ {to}"),
                Lang::En => format!("Open from {from} to {to}"),
            }),
            steps_title: pick("ขั้นตอนการตอบ", "How to answer"),
            steps: [
                [
                    pick("สแกน QR code", "Scan the QR code"),
                    if access_code.is_some() {
                        pick(
                            "ด้วยกล้องโทรศัพท์มือถือ แล้วกรอกรหัสเข้าตอบ",
                            "with a phone's camera, then enter the access code",
                        )
                    } else {
                        pick(
                            "ด้วยกล้องโทรศัพท์มือถือ หรือพิมพ์ที่อยู่ด้านล่าง",
                            "with a phone's camera, or type the address below",
                        )
                    },
                ],
                [
                    pick("ตอบแบบวัด", "Answer"),
                    pick(
                        "ให้ครบทุกข้อ ออกแล้วกลับมาตอบต่อ ในเครื่องเดิมได้",
                        "every question; you can leave and carry on later on the same device",
                    ),
                ],
                [
                    pick("กดส่ง", "Press Send"),
                    pick("เมื่อส่งสำเร็จจะเห็นหน้าขอบคุณ", "a thank-you page confirms your answers arrived"),
                ],
            ],
            privacy_title: pick("ตอบได้อย่างสบายใจ ไม่มีการระบุตัวผู้ตอบ", "Your answers are anonymous"),
            privacy: if iit {
                pick(
                    "ไม่มีการเก็บชื่อ ตำแหน่ง รหัสเข้าตอบ หรือข้อมูลใดที่ระบุตัวผู้ตอบ ผลแสดงเป็นภาพรวมเท่านั้น และไม่แสดงผลของกลุ่มที่มีผู้ตอบน้อยกว่า 5\u{a0}คน ผู้บริหาร ผู้บังคับบัญชา และผู้ใดก็ไม่สามารถทราบได้ว่าท่านตอบอย่างไร",
                    "No name, position, access code or anything else that identifies you is kept. Results are shown only as totals, never for a group of fewer than 5\u{a0}people. Nobody, not even your superiors, can find out how you answered.",
                )
            } else {
                pick(
                    "ไม่มีการเก็บชื่อ เลขประจำตัวประชาชน หมายเลขโทรศัพท์ หรือข้อมูลใดที่ระบุตัวผู้ตอบ ผลแสดงเป็นภาพรวมเท่านั้น และไม่แสดงผลของกลุ่มที่มีผู้ตอบน้อยกว่า 5\u{a0}คน เจ้าหน้าที่ของหน่วยงาน และผู้ใดก็ไม่สามารถทราบได้ว่าท่านตอบอย่างไร",
                    "No name, ID number, phone number or anything else that identifies you is kept. Results are shown only as totals, never for a group of fewer than 5\u{a0}people. Nobody, not even the agency's staff, can find out how you answered.",
                )
            },
            footer: pick(
                "คำตอบของท่านช่วยให้หน่วยงานปรับปรุงการให้บริการและการดำเนินงานให้โปร่งใสยิ่งขึ้น ขอขอบคุณที่ร่วมตอบ",
                "Your answers help the agency improve its services and work more openly. Thank you for taking part.",
            ),
        })
    }
}

/// One poster's world: the template, its data file and the fonts.
struct PosterWorld<'a> {
    fonts: &'a FontSet,
    data: Bytes,
}

impl World for PosterWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &crate::pdf::LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
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
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The poster's dates come from the caller.
        None
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.vpath().get_without_slash().into())
}

/// typst's diagnostics as one message, each with its line in the template.
fn describe(world: &PosterWorld<'_>, diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let line = match diagnostic.span.id() {
                Some(id) if id == *MAIN_ID => world
                    .range(diagnostic.span)
                    .and_then(|range| MAIN.lines().byte_to_line(range.start))
                    .map(|line| format!("poster.typ:{}: ", line + 1))
                    .unwrap_or_default(),
                Some(id) => format!("{}: ", id.vpath().get_without_slash()),
                None => String::new(),
            };
            format!("{line}{}", diagnostic.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_svg_has_a_quiet_zone_and_only_whole_modules() {
        let svg = qr_svg("https://ita.example.go.th/s/0001/2570/eit").unwrap();
        // Version 4 at level Q holds this address: 33 modules, 41 with the quiet zone.
        assert!(svg.contains(r#"viewBox="0 0 41 41""#), "{svg}");
        // No dark module in the quiet zone: every run starts at 4 or beyond and ends by 37.
        let path = svg.split(r#"d=""#).nth(1).unwrap();
        for run in path.split('M').filter(|run| !run.is_empty()) {
            let (x, rest) = run.split_once(' ').unwrap();
            let (y, rest) = rest.split_once('h').unwrap();
            let length: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((4..37).contains(&x) && (4..37).contains(&y) && x + length <= 37, "{run}");
        }
    }
}
