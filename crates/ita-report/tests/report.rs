//! The report model and its text renderers, data-driven: each example input is built into a model and rendered
//! as Markdown (the model as text) and compared with its snapshot in `tests/snapshots/`; the HTML is checked for
//! being self-contained and escaped.

use std::path::{Path, PathBuf};

use expect_test::expect_file;
use ita_domain::Lang;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::report::{self, Library, MeasureInput, ReportModel, ReportRequest};
use ita_domain::thai::CalendarDate;
use ita_report::{FontSet, Format, RenderOptions};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The model of an input file, with a fixed date and optional extra measures.
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

fn markdown(model: &ReportModel, options: RenderOptions) -> String {
    String::from_utf8(ita_report::render(model, Format::Markdown, options, &FontSet::default()).unwrap())
        .unwrap()
}

fn check(input: &str, snapshot: &str, options: RenderOptions) {
    let actual = markdown(&model_of(input, Vec::new()), options);
    expect_file![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(snapshot)]
        .assert_eq(&actual);
}

#[test]
fn reference_agency_report_in_thai_with_thai_digits() {
    check(
        "examples/khaothong-2565.toml",
        "khaothong-2565.th.md",
        RenderOptions { lang: Lang::Th, thai_digits: true },
    );
}

#[test]
fn reference_agency_report_in_english() {
    check(
        "examples/khaothong-2565.toml",
        "khaothong-2565.en.md",
        RenderOptions { lang: Lang::En, thai_digits: false },
    );
}

#[test]
fn raw_input_report_names_the_weakest_items_and_failed_oit_items() {
    check("examples/raw-2565/agency.toml", "raw-2565.th.md", RenderOptions::default());
}

#[test]
fn the_assessors_reason_and_guidance_stand_under_each_failed_item() {
    check("examples/raw-2565/assessed.toml", "assessed-2565.th.md", RenderOptions::default());
}

#[test]
fn the_assessors_notes_reach_every_format_and_only_for_failed_items() {
    let model = model_of("examples/raw-2565/assessed.toml", Vec::new());
    let o11 =
        model.indicators().flat_map(|indicator| &indicator.failed_items).find(|item| item.code == "O11");
    let note =
        o11.and_then(|item| item.assessor.as_ref()).expect("O11 failed and carries the assessor's note");
    assert!(note.reason.starts_with("รายงานที่เผยแพร่เป็นรายงานรอบ 6 เดือน"), "{note:?}");
    assert!(o11.unwrap().guidance.is_some(), "the library's advice is kept beside the assessor's");
    // O1 passed: its note is not an issue, and O16 failed without a note.
    assert!(model.indicators().flat_map(|indicator| &indicator.failed_items).all(|item| item.code != "O1"));
    let o16 =
        model.indicators().flat_map(|indicator| &indicator.failed_items).find(|item| item.code == "O16");
    assert!(o16.is_some_and(|item| item.assessor.is_none()));
    let guidance = "ข้อแนะนำของผู้ประเมิน: เผยแพร่รายงานการกำกับติดตามการดำเนินงานรอบ 6 เดือนแรก";
    let html = String::from_utf8(
        ita_report::render(&model, Format::Html, RenderOptions::default(), &FontSet::default()).unwrap(),
    )
    .unwrap();
    assert!(html.contains(guidance) && html.contains("เหตุผล: ลิงก์ที่ระบุเปิดไม่ได้"), "HTML");
    let docx =
        ita_report::render(&model, Format::Docx, RenderOptions::default(), &FontSet::default()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut document = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut document).unwrap();
    assert!(document.contains(guidance), "DOCX");
    let english = RenderOptions { lang: Lang::En, thai_digits: false };
    let text = markdown(&model, english);
    assert!(text.contains("  - Assessor's guidance: เผยแพร่รายงาน"), "the assessor's words, as written");
}

#[test]
fn the_2569_report_is_the_o25_document_with_one_chosen_indicator() {
    check("examples/agency-2569.toml", "agency-2569.th.md", RenderOptions::default());
}

#[test]
fn the_reference_report_carries_what_the_reference_document_carries() {
    let model = model_of("examples/khaothong-2565.toml", Vec::new());
    let text = markdown(&model, RenderOptions { lang: Lang::Th, thai_digits: true });
    for expected in [
        "รายงานการวิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใส",
        "องค์การบริหารส่วนตำบลเขาทอง",
        "จังหวัดกระบี่",
        "พ.ศ.\u{a0}๒๕๖๕",
        "๗๘.๓๕",
        "ระดับ B",
        "ประเด็นที่ต้องแก้ไข/ปรับปรุง",
        "มาตรการ/แนวทาง | วิธีการดำเนินการ | ผู้รับผิดชอบ | ระยะเวลาดำเนินการ | การติดตามผล",
        "๑๐. การป้องกันการทุจริต | ๒๕.๐๐",
        "คะแนนรวมจะเพิ่มขึ้นสูงสุด ๑๕.๐๐ คะแนน",
        "สูงสุด ๐.๐๔ คะแนน",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    assert!(!text.contains("78.35"), "Thai digits were asked for");
    assert_eq!(model.addressed_indicators, vec![10]);
    assert!(model.measures.iter().all(|measure| !measure.owner.th.is_empty()));
}

#[test]
fn the_agencys_own_measures_come_first_and_name_the_issue_they_answer() {
    let own = MeasureInput {
        measure: "ปรับปรุงเว็บไซต์หน่วยงานเพื่อเปิดเผยข้อมูลข่าวสาร".into(),
        how: "ปรับปรุงข้อมูลผู้บริหารให้ครบถ้วน".into(),
        owner: "สำนักปลัด".into(),
        period: "ตลอดปี".into(),
        follow_up: "รายงานผลผ่านเว็บไซต์".into(),
        answers: Some("O36".into()),
    };
    let model = model_of("examples/khaothong-2565.toml", vec![own]);
    assert!(!model.measures[0].proposed);
    assert_eq!(model.measures[0].answers.th, "ข้อ O36 การประเมินความเสี่ยงการทุจริตประจำปี");
    assert!(model.measures[1..].iter().all(|measure| measure.proposed));
}

#[test]
fn html_is_self_contained_escaped_and_holds_the_chart() {
    let hostile = MeasureInput {
        measure: "<script>alert(1)</script>".into(),
        how: "a & b".into(),
        owner: "สำนักปลัด".into(),
        period: "ตลอดปี".into(),
        follow_up: "-".into(),
        answers: None,
    };
    let model = model_of("examples/khaothong-2565.toml", vec![hostile]);
    let html = String::from_utf8(
        ita_report::render(&model, Format::Html, RenderOptions::default(), &FontSet::default()).unwrap(),
    )
    .unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"th\">"));
    assert!(html.contains("<svg"), "the chart is inline");
    let escaped = html.contains("&lt;script&gt;alert(1)") || html.contains("&#60;script&#62;alert(1)");
    assert!(
        escaped,
        "user text is escaped: {}",
        &html[html.find("alert(1)").map_or(0, |at| at.saturating_sub(40))..]
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("a &amp; b") || html.contains("a &#38; b"));
    // Nothing is fetched: no external stylesheet, script, font or image.
    for forbidden in ["<link", "<script", "src=\"http", "url(http", "@import"] {
        assert!(!html.contains(forbidden), "found {forbidden}");
    }
    assert!(html.contains("@page { size: A4"), "print CSS");
}

#[test]
fn the_chart_draws_ten_bars_and_the_pass_mark() {
    let model = model_of("examples/khaothong-2565.toml", Vec::new());
    let svg = ita_report::indicator_chart_svg(&model, RenderOptions::default());
    assert_eq!(svg.matches("<rect").count(), 11, "a background and ten bars");
    assert!(svg.contains("stroke-dasharray"), "the pass mark line");
    assert!(svg.contains(">25.00<") && svg.contains(">85.00<"));
    assert_eq!(svg.matches("#c0392b").count(), 1, "one indicator below the pass mark");
}
