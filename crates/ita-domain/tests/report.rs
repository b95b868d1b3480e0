//! The assessors' notes in the report model: the verdicts file's `reason` and `guidance` columns become notes by
//! item (an item judged element by element has its rows' words joined, blank cells add nothing), and the report
//! shows a note only under an item that failed, beside the recommendation library's advice.

use std::collections::BTreeMap;

use ita_domain::input::ScoreDocument;
use ita_domain::methodology::Catalog;
use ita_domain::report::{self, AssessorNote, FailedItem, Library, ReportModel, ReportRequest};

const INPUT: &str = r#"
methodology = 2565
[indicators]
1 = 100
2 = 100
3 = 100
4 = 100
5 = 100
6 = 100
7 = 100
8 = 100
[verdicts]
csv = "oit.csv"
"#;

/// Every 2565 item passes but O2 (judged by element: element 3 fails) and O36; O1 passes with a remark.
fn verdicts_csv() -> String {
    let mut csv = String::from("item,element,verdict,reason,guidance\n");
    for number in 1..=43 {
        let row = match number {
            1 => "O1,,pass,ครบถ้วน,\n".to_string(),
            2 => "O2,1,pass,,\nO2,2,pass,,\nO2,3,fail,ไม่มีหมายเลขโทรศัพท์,เพิ่มหมายเลขโทรศัพท์\n\
                  O2,4,fail,ไม่มีอีเมล,\"เพิ่มอีเมล, และแผนที่\"\n"
                .to_string(),
            36 => "O36,,fail,,ระบุระดับความเสี่ยง\n".to_string(),
            other => format!("O{other},,pass,,\n"),
        };
        csv.push_str(&row);
    }
    csv
}

fn document() -> (Catalog, ScoreDocument) {
    let catalog = Catalog::builtin().unwrap();
    let csv = verdicts_csv();
    let load = move |name: &str| if name == "oit.csv" { Ok(csv.clone()) } else { Err("no such file".into()) };
    let document = ScoreDocument::parse("input.toml", INPUT, &catalog, &load).unwrap();
    (catalog, document)
}

fn model(notes: BTreeMap<String, AssessorNote>) -> ReportModel {
    let (catalog, document) = document();
    let library = Library::builtin().unwrap();
    let (methodology, result) = document.score(&catalog).unwrap();
    report::build(&ReportRequest {
        methodology,
        result: &result,
        previous: None,
        agency: &document.agency,
        measures_year: None,
        measures: Vec::new(),
        propose_measures: false,
        date: None,
        signer: None,
        library: &library,
        assessor_notes: notes,
    })
    .unwrap()
}

fn failed(model: &ReportModel, code: &str) -> Option<FailedItem> {
    model.indicators().flat_map(|indicator| &indicator.failed_items).find(|item| item.code == code).cloned()
}

#[test]
fn the_verdicts_file_gives_the_assessors_words_by_item() {
    let (_, document) = document();
    let notes = &document.report.assessor_notes;
    let note =
        |reason: &str, guidance: &str| AssessorNote { reason: reason.into(), guidance: guidance.into() };
    assert_eq!(notes.get("O1"), Some(&note("ครบถ้วน", "")));
    assert_eq!(
        notes.get("O2"),
        Some(&note("ไม่มีหมายเลขโทรศัพท์ ไม่มีอีเมล", "เพิ่มหมายเลขโทรศัพท์ เพิ่มอีเมล, และแผนที่")),
        "the failed elements' words, joined in file order"
    );
    assert_eq!(notes.get("O36"), Some(&note("", "ระบุระดับความเสี่ยง")));
    assert_eq!(notes.len(), 3, "items without a word have no note: {notes:?}");
}

#[test]
fn only_failed_items_carry_the_assessors_note_beside_the_librarys_advice() {
    let (_, document) = document();
    let with_notes = model(document.report.assessor_notes);
    let o2 =
        failed(&with_notes, "O2").expect("O2 fails: one of its elements failed (all or nothing in 2565)");
    let note = o2.assessor.expect("O2's note");
    assert_eq!(note.guidance, "เพิ่มหมายเลขโทรศัพท์ เพิ่มอีเมล, และแผนที่");
    assert!(o2.guidance.is_some(), "the library's advice (or the item's requirement) is kept");
    let o36 = failed(&with_notes, "O36").unwrap();
    assert_eq!(o36.assessor.map(|note| note.reason), Some(String::new()), "a guidance alone is a note");
    assert!(failed(&with_notes, "O1").is_none(), "O1 passed: its remark is not an issue");
    // Without notes (a result known only as verdicts), the failed items are as before.
    let bare = model(BTreeMap::new());
    assert!(failed(&bare, "O2").is_some_and(|item| item.assessor.is_none()));
    // A blank note is no note.
    let blank =
        BTreeMap::from([("O36".to_string(), AssessorNote { reason: " ".into(), guidance: String::new() })]);
    assert!(failed(&model(blank), "O36").is_some_and(|item| item.assessor.is_none()));
}
