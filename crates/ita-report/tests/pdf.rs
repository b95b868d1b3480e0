//! The PDF renderer, checked with real tools: the reference agency's report is typeset by typst and its text is
//! extracted with poppler's `pdftotext` (Debian package `poppler-utils`; the tests fail when it is missing), so
//! that numbers, digits, whole Thai words (no doubled clusters such as ซึ่ซึ่ง), lines that break between Thai
//! words only, and the page margins are what a reader copying from the PDF gets.

use std::path::{Path, PathBuf};
use std::process::Command;

use ita_domain::Lang;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::report::{self, Library, MeasureInput, ReportModel, ReportRequest};
use ita_domain::thai::CalendarDate;
use ita_report::{FontSet, Format, RenderOptions};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The model of the reference agency (examples/khaothong-2565.toml), with a fixed date and extra measures.
fn reference_model(measures: Vec<MeasureInput>) -> ReportModel {
    model_of("examples/khaothong-2565.toml", measures)
}

/// The model of an example input, with a fixed date and extra measures.
fn model_of(input: &str, measures: Vec<MeasureInput>) -> ReportModel {
    let catalog = Catalog::builtin().unwrap();
    let library = Library::builtin().unwrap();
    let path = repo().join(input);
    let text = std::fs::read_to_string(&path).unwrap();
    let folder = path.parent().unwrap().to_path_buf();
    let load =
        move |name: &str| std::fs::read_to_string(folder.join(name)).map_err(|error| error.to_string());
    let document = ScoreDocument::parse(input, &text, &catalog, &load).unwrap();
    let (methodology, result) = document.score(&catalog).unwrap();
    let mut all_measures = document.report.measures.clone();
    all_measures.extend(measures);
    report::build(&ReportRequest {
        methodology,
        result: &result,
        previous: None,
        agency: &document.agency,
        measures_year: document.report.measures_year,
        measures: all_measures,
        propose_measures: document.report.propose_measures,
        date: Some(CalendarDate { year: 2026, month: 11, day: 25 }),
        signer: document.report.signer.clone(),
        library: &library,
        assessor_notes: document.report.assessor_notes.clone(),
    })
    .unwrap()
}

fn measure(measure: &str, how: &str) -> MeasureInput {
    MeasureInput {
        measure: measure.into(),
        how: how.into(),
        owner: "สำนักปลัด".into(),
        period: "ตลอดปี".into(),
        follow_up: "รายงานผลผ่านเว็บไซต์".into(),
        answers: Some("10".into()),
    }
}

fn pdf(model: &ReportModel, options: RenderOptions, fonts: &FontSet) -> Vec<u8> {
    let bytes = ita_report::render(model, Format::Pdf, options, fonts).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    bytes
}

/// Runs a poppler tool on the PDF and returns what it prints.
fn poppler(tool: &str, arguments: &[&str], pdf: &[u8], name: &str) -> String {
    let file = std::env::temp_dir().join(format!("ita-report-test-{}-{name}.pdf", std::process::id()));
    std::fs::write(&file, pdf).unwrap();
    let output = Command::new(tool).args(arguments).arg(&file).arg("-").output();
    let _ = std::fs::remove_file(&file);
    let output = output.unwrap_or_else(|error| {
        panic!("cannot run {tool} ({error}): install the Debian package poppler-utils (apt-get install poppler-utils)")
    });
    assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn text_of(pdf: &[u8], name: &str) -> String {
    poppler("pdftotext", &["-raw"], pdf, name)
}

fn without_spaces(text: &str) -> String {
    text.chars().filter(|character| !character.is_whitespace()).collect()
}

const THAI: RenderOptions = RenderOptions { lang: Lang::Th, thai_digits: true };

#[test]
fn the_reference_report_has_its_title_agency_and_total_in_thai_digits() {
    let model = reference_model(Vec::new());
    let text = text_of(&pdf(&model, THAI, &FontSet::default()), "thai-digits");
    let joined = without_spaces(&text);
    for expected in [
        "รายงานการวิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใส",
        "องค์การบริหารส่วนตำบลเขาทอง",
        "๗๘.๓๕",
        "ประเด็นที่ต้องแก้ไข/ปรับปรุง",
        "ผู้บริหารสูงสุดของหน่วยงาน",
    ] {
        assert!(joined.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains("78.35"), "Thai digits were asked for:\n{text}");

    let arabic = text_of(
        &pdf(&model, RenderOptions { lang: Lang::Th, thai_digits: false }, &FontSet::default()),
        "arabic",
    );
    assert!(arabic.contains("78.35"), "{arabic}");
    assert!(!arabic.contains("๗๘.๓๕"), "{arabic}");

    let english = text_of(
        &pdf(&model, RenderOptions { lang: Lang::En, thai_digits: false }, &FontSet::default()),
        "english",
    );
    assert!(english.contains("Integrity and Transparency Assessment"), "{english}");
    assert!(english.contains("78.35"), "{english}");
}

#[test]
fn copied_thai_text_has_whole_words_and_no_doubled_clusters() {
    let model = reference_model(vec![measure("เพิ่มช่องทางการเปิดเผยข้อมูล", "ซึ่งทั้งสองเรื่องต้องเพิ่มการเปิดเผยข้อมูล")]);
    let text = text_of(&pdf(&model, THAI, &FontSet::default()), "copy");
    for whole in ["ซึ่งทั้งสอง", "เพิ่ม", "ทั้ง", "ซึ่ง"] {
        assert!(text.contains(whole), "missing {whole:?} in:\n{text}");
    }
    assert!(without_spaces(&text).contains("เพิ่มช่องทางการเปิดเผยข้อมูล"), "{text}");
    for doubled in ["ซึ่ซึ่ง", "ทั้ทั้ง", "เพิ่พิ่ม", "ที่ที่", "ผู้ผู้"]
    {
        assert!(!text.contains(doubled), "doubled cluster {doubled:?} in:\n{text}");
    }
    // The measures header: every word whole, and the whole header in order once line breaks are taken out.
    for word in ["มาตรการ", "แนวทาง", "วิธีการ", "ดำเนินการ", "ผู้รับผิดชอบ", "ระยะเวลา", "การติดตามผล"]
    {
        assert!(text.contains(word), "missing {word:?} in:\n{text}");
    }
    assert!(
        without_spaces(&text).contains("มาตรการ/แนวทางวิธีการดำเนินการผู้รับผิดชอบระยะเวลาดำเนินการการติดตามผล"),
        "the measures header:\n{text}"
    );
}

#[test]
fn user_text_is_never_typst_markup() {
    let hostile = r#"#panic("boom") $x^n$ *ตัวหนา* ]) [ \ "quote" // comment <label> @ref"#;
    let model = reference_model(vec![measure(hostile, "a & b < c")]);
    let text = text_of(&pdf(&model, THAI, &FontSet::default()), "hostile");
    let joined = without_spaces(&text);
    assert!(joined.contains(&without_spaces(hostile)), "the text as written:\n{text}");
    assert!(text.contains("a & b < c"), "{text}");
}

#[test]
fn every_word_lies_within_the_page_margins() {
    let model = reference_model(Vec::new());
    let bytes = pdf(&model, THAI, &FontSet::default());
    let boxes = poppler("pdftotext", &["-bbox"], &bytes, "bbox");
    // A4 is 595.28 pt wide; the margins are 3 cm (85.04 pt) on the left and 2 cm (56.69 pt) on the right.
    let (left, right) = (85.04 - 1.0, 595.28 - 56.69 + 1.0);
    let attribute = |line: &str, name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut words = 0;
    for line in boxes.lines().filter(|line| line.trim_start().starts_with("<word ")) {
        words += 1;
        let (x_min, x_max) = (attribute(line, "xMin"), attribute(line, "xMax"));
        assert!(x_min >= left && x_max <= right, "outside the margins: {line}");
    }
    assert!(words > 300, "the report has its words ({words})");
    let pages = boxes.matches("<page ").count();
    assert!((2..=8).contains(&pages), "{pages} pages");
}

#[test]
fn fonts_load_from_a_folder_and_a_missing_folder_is_an_error() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    let fonts = FontSet::load(Some(&folder)).unwrap();
    assert!(format!("{fonts:?}").contains("Sarabun"), "{fonts:?}");
    let text = text_of(&pdf(&reference_model(Vec::new()), THAI, &fonts), "folder");
    assert!(without_spaces(&text).contains("องค์การบริหารส่วนตำบลเขาทอง"), "{text}");

    let missing = FontSet::load(Some(&folder.join("no-such-folder"))).unwrap_err();
    assert!(missing.to_string().contains("no-such-folder"), "{missing}");
}

#[test]
fn the_assessors_guidance_is_a_line_of_its_own_under_the_failed_item() {
    let model = model_of("examples/raw-2565/assessed.toml", Vec::new());
    let text = text_of(&pdf(&model, RenderOptions::default(), &FontSet::default()), "assessed");
    let lines: Vec<String> = text.lines().map(without_spaces).collect();
    let guidance = lines
        .iter()
        .position(|line| line.starts_with("–ข้อแนะนำของผู้ประเมิน:เผยแพร่รายงานการกำกับติดตาม"))
        .unwrap_or_else(|| panic!("no line of the assessor's guidance in:\n{text}"));
    let reason = lines[..guidance].iter().rposition(|line| line.starts_with("–เหตุผล:รายงานที่เผยแพร่"));
    let item = lines[..guidance].iter().rposition(|line| line.starts_with("•O11"));
    assert!(item.is_some() && reason > item, "O11, then its reason, then the guidance:\n{text}");
}

#[test]
fn a_measure_longer_than_a_page_goes_on_over_the_page_break_and_stays_inside_the_pages() {
    // The template keeps a measure's row whole on one page unless a text of it is too long for that; this one
    // would run off the page if it were kept whole.
    let sentence = "ทบทวนกระบวนงานบริการทุกงานและกำหนดขั้นตอน ระยะเวลา และเอกสารที่ต้องใช้ให้ชัดเจน ";
    let how = format!("{}ตรวจสอบทุกไตรมาส", sentence.repeat(40));
    let model = reference_model(vec![measure("มาตรการที่ยาวมาก", &how)]);
    let bytes = pdf(&model, THAI, &FontSet::default());
    let boxes = poppler("pdftotext", &["-bbox"], &bytes, "long-measure");
    // A4 is 841.89 pt high; the bottom margin is 2 cm (56.69 pt).
    let bottom = 841.89 - 56.69 + 1.0;
    let attribute = |line: &str, name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    for line in boxes.lines().filter(|line| line.trim_start().starts_with("<word ")) {
        assert!(attribute(line, "yMax") <= bottom, "below the bottom margin: {line}");
    }
    // The table's header, repeated on each page, and the row's other cells come between the pieces of the text.
    let text = without_spaces(&text_of(&bytes, "long-measure-text"))
        .replace("มาตรการ/แนวทางวิธีการดำเนินการผู้รับผิดชอบระยะเวลาดำเนินการการติดตามผล", "")
        .replace("สำนักปลัดตลอดปีรายงานผลผ่านเว็บไซต์", "");
    assert!(text.contains(&without_spaces(&how)), "the whole text, in order:\n{text}");
    assert!(boxes.matches("<page ").count() >= 6, "the text goes on over pages");
}

#[test]
fn thai_lines_break_between_words_only() {
    // Thai has no spaces between words: the line breaker must find the words (ICU's dictionary segmenter, see
    // vendor/typst-layout/PATCH.md) and break only between them, never inside a word or a cluster.
    let words = [
        "การ",
        "ประเมิน",
        "คุณ",
        "ธรรม",
        "และ",
        "ความ",
        "โปร่งใส",
        "ใน",
        "การ",
        "ดำเนิน",
        "งาน",
        "ของ",
        "หน่วย",
        "งาน",
        "ภาค",
        "รัฐ",
    ];
    let sentence: String = words.concat();
    let mut boundaries = std::collections::BTreeSet::new();
    let mut at = 0;
    for word in words {
        at += word.chars().count();
        boundaries.insert(at % sentence.chars().count());
    }
    let how = sentence.repeat(6);
    let model = reference_model(vec![measure("ทดสอบการตัดบรรทัด", &how)]);
    let text = text_of(&pdf(&model, THAI, &FontSet::default()), "line-breaks");
    let lines: Vec<String> = text.lines().map(without_spaces).collect();
    let first = lines
        .iter()
        .position(|line| line.chars().count() >= 5 && how.starts_with(line.as_str()))
        .unwrap_or_else(|| panic!("the measure's text is not in:\n{text}"));
    let mut read = String::new();
    let mut breaks = Vec::new();
    for line in &lines[first..] {
        read.push_str(line);
        assert!(how.starts_with(&read), "the text goes on with something else after {read:?}:\n{text}");
        if read.len() == how.len() {
            break;
        }
        breaks.push(read.chars().count());
    }
    assert_eq!(read, how, "the whole text, in order");
    assert!(breaks.len() >= 3, "the text takes several lines of its column: {breaks:?}");
    for position in breaks {
        let in_sentence = position % sentence.chars().count();
        assert!(
            boundaries.contains(&in_sentence),
            "a line breaks inside a word, after {:?}",
            how.chars().take(position).collect::<String>()
        );
    }
}

#[test]
#[cfg_attr(not(debug_assertions), ignore = "typst-layout checks its line breaks in debug builds only")]
fn mixed_thai_latin_digits_and_punctuation_break_as_upstream_typst_would() {
    // The line breaker's segmentation is memoised per run of Thai letters (vendor/typst-layout/PATCH.md); in a
    // debug build, as here, it checks every new paragraph against upstream's segmenter and panics on any
    // difference. So these texts, built to put Thai runs next to everything else a line can hold, must render.
    let pieces: Vec<&str> = concat!(
        "การประเมิน|คุณธรรม|โปร่งใส|ๆ|ฯลฯ|ITA|No Gift Policy|O42|๗๘.๓๕|78.35|(|)|\"|'|,|.|:|;|/|-|–| |  |\u{a0}|",
        "เว็บไซต์|https://www.example.go.th/ita|ก.พ.|พ.ศ. ๒๕๖๕|ผู้บริหาร|ซึ่งทั้งสอง|ร้อยละ 80|e-Service|",
        "ภาษาไทยEnglishภาษาไทย|๑)",
    )
    .split('|')
    .collect();
    let mut state: u64 = 2565;
    let mut next = |bound: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).unwrap() % bound
    };
    let texts: Vec<String> =
        (0..12).map(|_| (0..40).map(|_| pieces[next(pieces.len())]).collect::<String>()).collect();
    let measures = texts.iter().map(|text| measure("ทดสอบข้อความผสม", text)).collect();
    let model = reference_model(measures);
    let arabic_digits = RenderOptions { lang: Lang::Th, thai_digits: false };
    let text = without_spaces(&text_of(&pdf(&model, arabic_digits, &FontSet::default()), "mixed"));
    let read: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
    for written in &texts {
        let start: String = written.chars().filter(|c| c.is_alphanumeric()).take(30).collect();
        assert!(read.contains(&start), "missing the start of {written:?} in:\n{text}");
    }
}
