//! The DOCX renderer with real tools: the reference agency's report is written as DOCX, its package is read back
//! (fonts for complex scripts, heading styles, A4 margins, repeated table headers, the chart as a PNG with its
//! alternative text), and LibreOffice converts it to PDF, whose text (through pdftotext) must carry the agency,
//! the total in Thai digits and the measures table, and whose images (through pdfimages) the chart.
//! The tools are required: a machine without them fails here, naming the package to install.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ita_domain::Lang;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::report::{self, Library, ReportModel, ReportRequest};
use ita_domain::thai::CalendarDate;
use ita_report::{FontSet, Format, RenderOptions};
use resvg::tiny_skia;

const THAI: RenderOptions = RenderOptions { lang: Lang::Th, thai_digits: true };
const ENGLISH: RenderOptions = RenderOptions { lang: Lang::En, thai_digits: false };

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The model of an example input, dated 25 November 2026.
fn model_of(input: &str) -> ReportModel {
    let catalog = Catalog::builtin().unwrap();
    let library = Library::builtin().unwrap();
    let path = crate_dir().join("../..").join(input);
    let text = std::fs::read_to_string(&path).unwrap();
    let folder = path.parent().unwrap().to_path_buf();
    let load =
        move |name: &str| std::fs::read_to_string(folder.join(name)).map_err(|error| error.to_string());
    let document = ScoreDocument::parse(input, &text, &catalog, &load).unwrap();
    let (methodology, result) = document.score(&catalog).unwrap();
    report::build(&ReportRequest {
        methodology,
        result: &result,
        previous: None,
        agency: &document.agency,
        measures_year: document.report.measures_year,
        measures: document.report.measures.clone(),
        propose_measures: document.report.propose_measures,
        date: Some(CalendarDate { year: 2026, month: 11, day: 25 }),
        signer: document.report.signer.clone(),
        library: &library,
        assessor_notes: document.report.assessor_notes.clone(),
    })
    .unwrap()
}

fn docx(input: &str, options: RenderOptions) -> Vec<u8> {
    ita_report::render(&model_of(input), Format::Docx, options, &FontSet::default()).unwrap()
}

/// One part of the package, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut file = archive.by_name(name).unwrap_or_else(|error| panic!("the DOCX has no {name}: {error}"));
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

/// The files of the package under `folder` whose names end with `extension`, with their bytes.
fn files(bytes: &[u8], folder: &str, extension: &str) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .filter(|name| name.starts_with(folder) && name.ends_with(extension))
        .map(str::to_string)
        .collect();
    names
        .into_iter()
        .map(|name| {
            let mut content = Vec::new();
            archive.by_name(&name).unwrap().read_to_end(&mut content).unwrap();
            (name, content)
        })
        .collect()
}

/// How many pixels of the image are within a small distance of `colour` (opaque RGB).
fn pixels_like(image: &tiny_skia::Pixmap, colour: [u8; 3]) -> usize {
    image
        .pixels()
        .iter()
        .map(|pixel| pixel.demultiply())
        .filter(|pixel| {
            pixel.alpha() == 255
                && [pixel.red(), pixel.green(), pixel.blue()]
                    .iter()
                    .zip(colour)
                    .all(|(&have, want)| have.abs_diff(want) <= 8)
        })
        .count()
}

#[test]
fn the_package_has_thai_fonts_heading_styles_and_a4_margins() {
    let bytes = docx("examples/khaothong-2565.toml", THAI);
    assert!(bytes.starts_with(b"PK"), "a DOCX is a ZIP archive");
    let document = part(&bytes, "word/document.xml");
    let styles = part(&bytes, "word/styles.xml");
    assert!(
        document.contains(r#"w:cs="TH Sarabun New""#),
        "every run names the font for complex scripts (Thai)"
    );
    assert!(document.contains("<w:szCs "), "runs carry the complex-script size");
    for style in ["Heading1", "Heading2", "Title"] {
        assert!(
            document.contains(&format!(r#"<w:pStyle w:val="{style}" />"#)),
            "the document uses the style {style}"
        );
        assert!(styles.contains(&format!(r#"w:styleId="{style}""#)), "styles.xml defines {style}");
    }
    assert!(
        styles.contains(r#"<w:name w:val="heading 1" />"#),
        "Word knows the heading by its built-in name"
    );
    assert!(styles.contains(r#"w:bidi="th-TH""#), "the complex-script language is Thai");
    assert!(styles.contains(r#"w:cs="TH Sarabun New""#), "the document defaults name the Thai font");
    assert!(document.contains(r#"<w:pgSz w:w="11906" w:h="16838""#), "A4");
    let margins = document.split("<w:pgMar ").nth(1).and_then(|rest| rest.split("/>").next()).unwrap();
    for expected in [r#"w:left="1701""#, r#"w:right="1134""#, r#"w:top="1134""#, r#"w:bottom="1134""#] {
        assert!(margins.contains(expected), "margins {margins} lack {expected}");
    }
    assert_eq!(document.matches("<w:tblHeader />").count(), 3, "each table repeats its header row");
    for header in [
        "ตัวชี้วัดของการประเมิน ITA",
        "มาตรการ/แนวทาง",
        "วิธีการดำเนินการ",
        "ผู้รับผิดชอบ",
        "ระยะเวลาดำเนินการ",
        "การติดตามผล",
    ] {
        assert!(document.contains(header), "the document lacks the column {header}");
    }
    assert!(document.contains("๗๘.๓๕"), "numbers in Thai digits");
    assert!(document.contains(r#"<w:jc w:val="right" />"#), "numbers are right-aligned");
    // Every table's grid fills the text width (A4 less the margins) exactly.
    for grid in document.split("<w:tblGrid>").skip(1) {
        let grid = grid.split("</w:tblGrid>").next().unwrap();
        let width: usize = grid
            .split(r#"w:w=""#)
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().parse::<usize>().unwrap())
            .sum();
        assert_eq!(width, 11906 - 1701 - 1134, "a table grid {grid}");
    }
}

#[test]
fn the_chart_is_a_png_drawn_at_twice_its_size_shown_at_the_text_width_with_alternative_text() {
    let bytes = docx("examples/khaothong-2565.toml", THAI);
    let media = files(&bytes, "word/media/", ".png");
    assert_eq!(
        media.len(),
        1,
        "one picture, the chart: {:?}",
        media.iter().map(|(name, _)| name).collect::<Vec<_>>()
    );
    let (name, png) = &media[0];
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
    let image =
        tiny_skia::Pixmap::decode_png(png).unwrap_or_else(|error| panic!("{name} does not decode: {error}"));
    assert_eq!((image.width(), image.height()), (1280, 560), "twice the SVG's 640 × 280");
    assert!(pixels_like(&image, [0xff, 0xff, 0xff]) > 1280 * 560 / 2, "a white background");
    assert!(pixels_like(&image, [0x2e, 0x7d, 0x32]) > 10_000, "green bars for the indicators that pass");
    assert!(pixels_like(&image, [0xc0, 0x39, 0x2b]) > 1_000, "a red bar for the one below the pass mark");
    // The tick labels are the only text in this grey: if no font had been found, there would be none.
    assert!(pixels_like(&image, [0x55, 0x55, 0x55]) > 50, "the axis numbers are drawn");

    let document = part(&bytes, "word/document.xml");
    let relationships = part(&bytes, "word/_rels/document.xml.rels");
    let file = name.trim_start_matches("word/");
    let relationship = relationships
        .split("<Relationship ")
        .find(|relationship| relationship.contains(&format!(r#"Target="{file}""#)))
        .unwrap_or_else(|| panic!("no relationship names {file}:\n{relationships}"));
    let id = relationship.split(r#"Id=""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap();
    assert!(document.contains(&format!(r#"<a:blip r:embed="{id}" />"#)), "the document shows {file}");
    assert!(
        document.contains(r#"descr="คะแนนรายตัวชี้วัดเทียบกับเกณฑ์ผ่าน ๘๕.๐๐ คะแนน (เส้นประ)""#),
        "the chart's alternative text, in the report's language and digits"
    );
    // 9,071 twips (16 cm, the text width) by 560/1280 of that, in English Metric Units.
    assert!(
        document.contains(r#"<wp:extent cx="5760085" cy="2520037" />"#),
        "the chart fills the text width"
    );
    let drawing = document.find("<w:drawing>").unwrap();
    let paragraph_start =
        ["<w:p>", "<w:p "].iter().filter_map(|start| document[..drawing].rfind(start)).max().unwrap();
    assert!(
        document[paragraph_start..drawing].contains(r#"<w:jc w:val="center" />"#),
        "the chart is centred"
    );
    let instruments = document.find("คะแนนถ่วงน้ำหนัก").unwrap();
    let indicators = document.find("ผลการวิเคราะห์รายตัวชี้วัด").unwrap();
    assert!(
        instruments < drawing && drawing < indicators,
        "the chart follows the instruments table, as in the HTML and the PDF"
    );

    let english = part(&docx("examples/khaothong-2565.toml", ENGLISH), "word/document.xml");
    assert!(english.contains(r#"descr="Indicator scores against the pass mark of 85.00 (dashed line)""#));
}

#[test]
fn the_english_report_and_a_report_with_item_details_render_too() {
    let english = part(&docx("examples/khaothong-2565.toml", ENGLISH), "word/document.xml");
    for expected in ["Measure", "Responsible", "Follow-up", "78.35", "Head of the agency"] {
        assert!(english.contains(expected), "the English DOCX lacks {expected}");
    }
    assert!(!english.contains('๗'), "no Thai digits unless asked");
    let raw = part(&docx("examples/raw-2565/agency.toml", RenderOptions::default()), "word/document.xml");
    assert!(
        raw.contains(r#"<w:pStyle w:val="Heading3" />"#),
        "each indicator with item details has its heading"
    );
    assert!(raw.contains("ข้อที่ได้คะแนนต่ำและข้อที่ไม่ผ่าน"));
}

/// Runs a tool to the end (at most `limit`), its output kept in `log`, failing with the package to install if the
/// tool is not there.
fn run_tool(command: &mut Command, tool: &str, package: &str, log: &Path, limit: Duration) {
    let output = std::fs::File::create(log).unwrap();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .unwrap_or_else(|error| {
            panic!("{tool} cannot be run ({error}): install it with `apt-get install -y {package}`")
        });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{tool} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(log).unwrap_or_default();
    assert!(status.success(), "{tool} failed with {status}:\n{output}");
}

/// Sarabun at the size of TH Sarabun New: the same outlines on a larger em (1450 font units instead of 1000),
/// so that a 16-point run in the conversion is as small as TH Sarabun New's and the tables wrap as in Word.
fn sarabun_at_th_sarabun_size(font: &[u8]) -> Vec<u8> {
    let mut font = font.to_vec();
    let tables = usize::from(u16::from_be_bytes([font[4], font[5]]));
    let head = (0..tables)
        .map(|index| 12 + 16 * index)
        .find(|&record| &font[record..record + 4] == b"head")
        .map(|record| u32::from_be_bytes(font[record + 8..record + 12].try_into().unwrap()) as usize)
        .expect("a TrueType font has a head table");
    assert_eq!(u16::from_be_bytes([font[head + 18], font[head + 19]]), 1000, "Sarabun's em is 1000 units");
    font[head + 18..head + 20].copy_from_slice(&1450u16.to_be_bytes());
    font
}

/// A fontconfig file that offers only the crate's Sarabun (at TH Sarabun New's size) and stands it in for
/// "TH Sarabun New", so that the conversion shapes Thai the same on every machine, whatever fonts it has.
fn fontconfig(folder: &Path) -> PathBuf {
    let fonts = folder.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    for entry in std::fs::read_dir(crate_dir().join("fonts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|extension| extension == "ttf") {
            let font = sarabun_at_th_sarabun_size(&std::fs::read(&path).unwrap());
            std::fs::write(fonts.join(path.file_name().unwrap()), font).unwrap();
        }
    }
    let config = folder.join("fonts.conf");
    std::fs::write(
        &config,
        format!(
            r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{}</dir>
  <cachedir>{}</cachedir>
  <alias binding="same"><family>TH Sarabun New</family><prefer><family>Sarabun</family></prefer></alias>
</fontconfig>
"#,
            fonts.display(),
            folder.join("fontconfig-cache").display()
        ),
    )
    .unwrap();
    config
}

/// A line without spaces and Thai marks (vowels above and below, tone marks): pdftotext sometimes moves a mark
/// after the next letter and splits the word there ("ผู้รบั ผิดชอบ" for "ผู้รับผิดชอบ"), though the PDF shows it
/// right.
fn skeleton(line: &str) -> String {
    line.chars()
        .filter(|&c| {
            !c.is_whitespace() && !matches!(c, '\u{0e31}' | '\u{0e34}'..='\u{0e3a}' | '\u{0e47}'..='\u{0e4e}')
        })
        .collect()
}

/// Whether the text has `expected` as it is, or on one line once spaces and marks are set aside.
fn shows(text: &str, expected: &str) -> bool {
    text.contains(expected) || text.lines().any(|line| skeleton(line).contains(&skeleton(expected)))
}

#[test]
fn libreoffice_converts_the_docx_and_the_pdf_carries_the_report() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("khaothong-2565.docx");
    std::fs::write(&file, docx("examples/khaothong-2565.toml", THAI)).unwrap();
    let profile = folder.path().join("libreoffice-profile");
    run_tool(
        Command::new("libreoffice")
            .arg(format!("-env:UserInstallation=file://{}", profile.display()))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(folder.path())
            .arg(&file)
            .env("FONTCONFIG_FILE", fontconfig(folder.path())),
        "libreoffice",
        "libreoffice-writer",
        &folder.path().join("libreoffice.log"),
        Duration::from_secs(300),
    );
    let pdf = folder.path().join("khaothong-2565.pdf");
    assert!(pdf.is_file(), "LibreOffice wrote no PDF");
    let text_file = folder.path().join("khaothong-2565.txt");
    run_tool(
        Command::new("pdftotext").arg("-layout").arg(&pdf).arg(&text_file),
        "pdftotext",
        "poppler-utils",
        &folder.path().join("pdftotext.log"),
        Duration::from_secs(60),
    );
    let text = std::fs::read_to_string(&text_file).unwrap();
    for expected in ["องค์การบริหารส่วนตำบลเขาทอง", "๗๘.๓๕", "มาตรการ/แนวทาง", "ผู้รับผิดชอบ", "การติดตามผล"]
    {
        assert!(shows(&text, expected), "the PDF's text lacks {expected}:\n{text}");
    }
    let images_file = folder.path().join("pdfimages.txt");
    run_tool(
        Command::new("pdfimages").arg("-list").arg(&pdf),
        "pdfimages",
        "poppler-utils",
        &images_file,
        Duration::from_secs(60),
    );
    // Two header lines, then one line per image: page, number, type ("image", or "smask" for a transparency
    // mask), width, height, ...
    let list = std::fs::read_to_string(&images_file).unwrap();
    let images: Vec<Vec<&str>> = list.lines().skip(2).map(|line| line.split_whitespace().collect()).collect();
    assert_eq!(images.len(), 1, "the chart is the PDF's one image:\n{list}");
    assert_eq!(&images[0][2..5], ["image", "1280", "560"], "the chart at full resolution:\n{list}");
}
