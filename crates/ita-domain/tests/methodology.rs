//! Methodology files: every built-in year loads, a year written as data scores with no code change, and each
//! kind of broken file is refused with its file, line and field (one `check`, snapshots in `errors.snap`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use expect_test::expect_file;
use ita_domain::input::ScoreDocument;
use ita_domain::methodology::{Catalog, ItemChange, Methodology, MethodologyDiff, MethodologyId};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/methodology")
}

fn tiny() -> String {
    std::fs::read_to_string(data_dir().join("tiny-2599.toml")).unwrap()
}

#[test]
fn every_built_in_year_loads_with_ten_indicators_and_complete_lists() {
    let catalog = Catalog::builtin().unwrap();
    let years: Vec<String> = catalog.list().iter().map(|methodology| methodology.id().to_string()).collect();
    for year in ["2562", "2563", "2564", "2565"] {
        assert!(years.contains(&year.to_string()), "{year} missing from {years:?}");
    }
    for methodology in catalog.list() {
        assert_eq!(methodology.indicators.len(), 10, "{}", methodology.id());
        assert_eq!(
            methodology.items.iter().filter(|item| item.instrument == "IIT").count(),
            30,
            "{}",
            methodology.id()
        );
        assert_eq!(
            methodology.items.iter().filter(|item| item.instrument == "EIT").count(),
            15,
            "{}",
            methodology.id()
        );
        let answers: usize = methodology
            .items
            .iter()
            .filter(|item| item.instrument == "IIT")
            .map(|item| item.sub_questions.len())
            .sum();
        assert_eq!(answers, 51, "{}: the IIT form has 51 answers", methodology.id());
        for item in &methodology.items {
            for sub in &item.sub_questions {
                assert!(
                    !item.text_th.trim().is_empty()
                        && (item.sub_questions.len() == 1 || !sub.text_th.trim().is_empty()),
                    "{} has a question without Thai text",
                    sub.code
                );
            }
        }
        if methodology.year <= 2565 {
            assert_eq!(methodology.oit_items.len(), 43, "{}", methodology.id());
        }
    }
}

#[test]
fn a_year_written_as_data_loads_and_scores_without_code_changes() {
    let mut catalog = Catalog::builtin().unwrap();
    catalog.insert(Methodology::parse("tiny-2599.toml", &tiny()).unwrap());
    let input = std::fs::read_to_string(data_dir().join("tiny-2599-input.toml")).unwrap();
    let no_files = |_: &str| Err("no files".to_string());
    let document = ScoreDocument::parse("tiny-2599-input.toml", &input, &catalog, &no_files).unwrap();
    let (_, result) = document.score(&catalog).unwrap();
    assert_eq!(result.total_rounded().to_string(), "70.83");
    assert_eq!(result.level.decided(), Some("fail"));
    assert_eq!(document.methodology, MethodologyId { year: 2599, variant: "tiny".into() });
}

#[test]
fn an_administrators_file_replaces_the_built_in_year() {
    let mut catalog = Catalog::builtin().unwrap();
    let corrected =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../methodology/2565.toml"))
            .unwrap()
            .replace(
                "title_en = \"Integrity and Transparency Assessment (ITA), fiscal year 2565 BE (2022)\"",
                "title_en = \"Corrected\"",
            );
    let before = catalog.list().len();
    catalog.insert(Methodology::parse("corrected-2565.toml", &corrected).unwrap());
    assert_eq!(catalog.list().len(), before);
    assert_eq!(catalog.get(&MethodologyId::nacc(2565)).unwrap().title_en, "Corrected");
}

#[test]
fn the_diff_matches_items_by_stable_key_not_by_number() {
    let base = Methodology::parse("tiny-2599.toml", &tiny()).unwrap();
    let moved = tiny()
        .replace("year = 2599", "year = 2600")
        .replace("code = \"O1\"", "code = \"OX\"")
        .replace("code = \"O2\"", "code = \"O1\"")
        .replace("code = \"OX\"", "code = \"O2\"")
        .replace("name_th = \"ข้อมูลการติดต่อ\"", "name_th = \"ข้อมูลการติดต่อและช่องทางการสอบถาม\"");
    let moved = Methodology::parse("moved.toml", &moved).unwrap();
    let diff = MethodologyDiff::between(&base, &moved);
    assert_eq!(diff.carried_over, vec!["structure".to_string(), "contact".to_string()]);
    assert!(diff.changes.contains(&ItemChange::Renumbered {
        key: "contact".into(),
        old_code: "O2".into(),
        new_code: "O1".into(),
        name_th: "ข้อมูลการติดต่อและช่องทางการสอบถาม".into(),
    }));
    assert!(diff.changes.contains(&ItemChange::Renamed {
        key: "contact".into(),
        code: "O1".into(),
        old_name_th: "ข้อมูลการติดต่อ".into(),
        new_name_th: "ข้อมูลการติดต่อและช่องทางการสอบถาม".into(),
    }));
    assert!(
        !diff
            .changes
            .iter()
            .any(|change| matches!(change, ItemChange::Added { .. } | ItemChange::Removed { .. })),
        "{:?}",
        diff.changes
    );
}

/// Each case breaks the tiny file in one way: (name, text to find, its replacement).
const BROKEN: &[(&str, &str, &str)] = &[
    (
        "weights do not sum to 1",
        "weight = 0.5\nname_th = \"แบบวัดภายใน\"",
        "weight = 0.4\nname_th = \"แบบวัดภายใน\"",
    ),
    (
        "a gate names an unknown instrument",
        "gates = { IIT = 80, OIT = 80 }",
        "gates = { IIT = 80, XIT = 80 }",
    ),
    ("overlapping levels", "min = 0.0\nbelow = 80.0", "min = 0.0\nbelow = 90.0"),
    ("a gap between levels", "min = 0.0\nbelow = 80.0", "min = 0.0\nbelow = 70.0"),
    (
        "a gated level that can never be given",
        "[[levels]]\ncode = \"fail\"",
        "[[levels]]\ncode = \"late\"\nname_th = \"x\"\nname_en = \"x\"\nmin = 90.0\ngates = { IIT = 90 }\n\n[[levels]]\ncode = \"fail\"",
    ),
    ("an item without a data period", "period = \"current_fy\"\n", ""),
    ("an unknown data period", "period = \"current_fy\"", "period = \"next_year\""),
    ("a duplicate stable key", "key = \"contact\"", "key = \"structure\""),
    (
        "a question on an unknown scale",
        "scale = \"yes_no_good\"\ntext_th",
        "scale = \"five_levels\"\ntext_th",
    ),
    ("a question in another instrument's indicator", "indicator = 1\nscale", "indicator = 2\nscale"),
    (
        "per-element credit without elements",
        "  { number = \"1\", text_th = \"ที่อยู่\", text_en = \"Address\" },\n",
        "",
    ),
    ("a score outside 0..100", "score = 100 }", "score = 120 }"),
    ("a misspelt field", "weight = 0.5\nname_th = \"แบบวัดภายใน\"", "wieght = 0.5\nname_th = \"แบบวัดภายใน\""),
    ("a TOML syntax error", "variant = \"tiny\"", "variant = \"tiny"),
    (
        "an unknown sub-indicator",
        "sub_indicator = \"2.1\"\nname_th = \"ข้อมูลการติดต่อ\"",
        "sub_indicator = \"2.9\"\nname_th = \"ข้อมูลการติดต่อ\"",
    ),
];

#[test]
fn broken_files_are_refused_with_file_line_and_field() {
    let mut out = String::new();
    for (name, find, replace) in BROKEN {
        let original = tiny();
        assert!(original.contains(find), "case {name:?}: {find:?} is not in the tiny file");
        let broken = original.replacen(find, replace, 1);
        writeln!(out, "## {name}").unwrap();
        match Methodology::parse("tiny-2599.toml", &broken) {
            Ok(_) => writeln!(out, "ACCEPTED (should have been refused)").unwrap(),
            Err(error) => writeln!(out, "{error}").unwrap(),
        }
        writeln!(out).unwrap();
    }
    expect_file![data_dir().join("errors.snap")].assert_eq(&out);
    assert!(!out.contains("ACCEPTED"), "{out}");
}
