//! The `ita` binary as a user runs it: the README's example, JSON output, methodology commands, and bad input
//! that must fail loudly in Thai and English with nothing printed as if valid.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ita(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ita")).args(args).current_dir(repo()).output().expect("ita runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ita-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn scoring_the_reference_agency_prints_78_35_level_b_with_the_explanation() {
    let output = ita(&["score", "examples/khaothong-2565.toml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("คะแนนรวม 78.35  ระดับ B"), "{text}");
    assert!(text.contains("องค์การบริหารส่วนตำบลเขาทอง"), "{text}");
    assert!(text.contains("ตัวชี้วัดที่ 10 การป้องกันการทุจริต ได้ 25.00"), "{text}");
    assert!(text.contains("ทำให้คะแนนรวมลดลง 15.00 คะแนน"), "{text}");
    assert!(text.contains("ต้องเพิ่มอีก 6.65 คะแนน"), "{text}");
}

#[test]
fn json_output_gives_total_level_instruments_and_indicators() {
    let output = ita(&["score", "examples/khaothong-2565.toml", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["total"], serde_json::json!(78.35));
    assert_eq!(json["level"], "B");
    assert_eq!(json["instruments"]["OIT"]["score"], serde_json::json!(55.15));
    assert_eq!(json["indicators"]["10"]["points_lost"], serde_json::json!(15.0));
    assert_eq!(json["indicators"]["4"]["points_lost"], serde_json::json!(0.04));
    assert!(json.get("possible_levels").is_none());
}

#[test]
fn english_table_on_request() {
    let output = ita(&["score", "examples/khaothong-2565.toml", "--lang", "en"]);
    let text = stdout(&output);
    assert!(text.contains("Total 78.35  Level B"), "{text}");
    assert!(text.contains("indicator 10 Corruption prevention scored 25.00"), "{text}");
}

#[test]
fn raw_input_example_scores_from_csv_files() {
    let output = ita(&["score", "examples/raw-2565/agency.toml", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["indicators"]["1"]["source"], "responses");
    assert_eq!(json["indicators"]["10"]["source"], "verdicts");
    assert_eq!(json["indicators"]["1"]["items"].as_array().unwrap().len(), 6);
    let total = json["total"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&total));
}

#[test]
fn bad_input_fails_in_thai_and_english_and_prints_no_score() {
    let dir = scratch("bad");
    let cases = [
        ("out-of-range.toml", "methodology = 2565\n[indicators]\n1 = 101\n", "indicators.1"),
        ("unknown-year.toml", "methodology = 2540\n[indicators]\n1 = 100\n", "methodology"),
        ("missing.toml", "methodology = 2565\n[indicators]\n1 = 100\n", "indicators.2"),
        (
            "unknown-item.toml",
            "methodology = 2565\n[verdicts]\nitems = { O99 = \"pass\" }\n",
            "verdicts.items.O99",
        ),
    ];
    for (name, text, field) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let output = ita(&["score", path.to_str().unwrap()]);
        assert!(!output.status.success(), "{name} should fail");
        assert!(stdout(&output).is_empty(), "{name} printed a score: {}", stdout(&output));
        let message = stderr(&output);
        assert!(message.contains("ข้อผิดพลาด:") && message.contains("error:"), "{name}: {message}");
        assert!(message.contains(name), "{name}: the message names the file: {message}");
        assert!(message.contains(field), "{name}: the message names {field}: {message}");
    }
}

#[test]
fn methodology_list_shows_every_year() {
    let output = ita(&["methodology", "list"]);
    let text = stdout(&output);
    for year in ["2562", "2563", "2564", "2565"] {
        assert!(text.lines().any(|line| line.starts_with(year)), "{year} missing: {text}");
    }
}

#[test]
fn methodology_show_lists_the_questions_and_the_assumed_parts() {
    let text = stdout(&ita(&["methodology", "show", "2565"]));
    assert!(text.contains("I30"), "{text}");
    assert!(text.contains("O43"), "{text}");
    assert!(text.contains("ส่วนที่สันนิษฐาน"), "{text}");
    assert!(text.contains("sample.IIT"), "{text}");
}

#[test]
fn methodology_check_accepts_a_good_file_and_rejects_a_broken_one_precisely() {
    let good = ita(&["methodology", "check", "methodology/2565.toml"]);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(stdout(&good).contains("ok:"));

    let dir = scratch("check");
    let broken = std::fs::read_to_string(repo().join("methodology/2565.toml")).unwrap().replacen(
        "weight = 0.40",
        "weight = 0.35",
        1,
    );
    let path = dir.join("broken-2565.toml");
    std::fs::write(&path, broken).unwrap();
    let output = ita(&["methodology", "check", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("broken-2565.toml"), "{message}");
    assert!(message.contains("instruments.weight"), "{message}");
    assert!(message.contains("must sum to 1") && message.contains("ต้องเท่ากับ 1"), "{message}");
}

#[test]
fn a_methodology_folder_adds_a_variant_without_a_new_build() {
    let dir = scratch("variant");
    let tiny = repo().join("crates/ita-domain/tests/data/methodology/tiny-2599.toml");
    std::fs::copy(&tiny, dir.join("2599-tiny.toml")).unwrap();
    let listed = ita(&["--methodology-dir", dir.to_str().unwrap(), "methodology", "list"]);
    assert!(stdout(&listed).contains("2599-tiny"), "{}", stdout(&listed));
    let input = repo().join("crates/ita-domain/tests/data/methodology/tiny-2599-input.toml");
    let scored = ita(&[
        "--methodology-dir",
        dir.to_str().unwrap(),
        "score",
        input.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(scored.status.success(), "{}", stderr(&scored));
    let json: serde_json::Value = serde_json::from_str(&stdout(&scored)).unwrap();
    assert_eq!(json["total"], serde_json::json!(70.83));
    assert_eq!(json["level"], "ไม่ผ่าน");
}

#[test]
fn methodology_list_shows_2562_to_2570_with_labels_from_2566() {
    let text = stdout(&ita(&["methodology", "list"]));
    for year in 2562..=2570 {
        assert!(text.lines().any(|line| line.starts_with(&year.to_string())), "{year} missing: {text}");
    }
    let line_2569 = text.lines().find(|line| line.starts_with("2569")).unwrap();
    assert!(line_2569.contains("ผ่านดีเยี่ยม") && line_2569.contains(" 26 "), "{line_2569}");
}

#[test]
fn the_2569_example_prints_its_label_with_the_reason_and_what_it_takes() {
    let output = ita(&["score", "examples/agency-2569.toml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("ผลการประเมิน ผ่านดี"), "{text}");
    assert!(text.contains("ทุกแบบวัดผ่านเกณฑ์ (IIT ≥ 85.00, EIT ≥ 85.00, OIT ≥ 85.00)"), "{text}");
    assert!(text.contains("ผ่านดีเยี่ยม: ยก IIT จาก 94.30 ให้ถึง 95.00"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&ita(&["score", "examples/agency-2569.toml", "--format", "json"])))
            .unwrap();
    assert_eq!(json["level"], "ผ่านดี");
    assert_eq!(json["total"], serde_json::json!(90.75));
}

#[test]
fn a_total_alone_prints_the_possible_labels() {
    let output = ita(&["score", "examples/total-only-2566.toml", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["level"], serde_json::Value::Null);
    assert_eq!(json["possible_levels"], serde_json::json!(["ผ่านดีเยี่ยม", "ผ่านดี"]));
    let table = stdout(&ita(&["score", "examples/total-only-2566.toml"]));
    assert!(table.contains("ผลที่เป็นไปได้ ผ่านดีเยี่ยม หรือ ผ่านดี"), "{table}");
    assert!(table.contains("ไม่อาจเป็น ผ่าน ได้"), "{table}");
}

#[test]
fn diff_2568_2569_does_not_match_items_by_number() {
    let text = stdout(&ita(&["methodology", "diff", "2568", "2569"]));
    // O11 was service statistics in 2568 and is the monthly procurement summary in 2569: two items, not one.
    assert!(
        text.lines().any(|line| line.starts_with("- ")
            && line.contains("O11")
            && line.contains("[service-statistics]")),
        "{text}"
    );
    assert!(
        text.lines().any(|line| line.starts_with("+ ")
            && line.contains("O11")
            && line.contains("[procurement-monthly-summary]")),
        "{text}"
    );
    assert!(
        text.lines().any(|line| line.contains("O13 → O12") && line.contains("[procurement-annual-report]")),
        "{text}"
    );
}

#[test]
fn show_2570_says_it_is_assumed() {
    let text = stdout(&ita(&["methodology", "show", "2570"]));
    assert!(text.contains("(file): the whole year file"), "{text}");
}
