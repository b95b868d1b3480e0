//! `ita report` as a user runs it: one agency's report in each text format, measures from the input, atomic
//! writes, and a batch whose bad rows are reported while the good ones still render.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ita(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ita")).args(args).current_dir(repo()).output().expect("ita runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ita-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_markdown_report_with_thai_digits_and_the_agencys_own_measure() {
    let dir = scratch("md");
    let out = dir.join("khaothong.md");
    let output = ita(&[
        "report",
        "examples/khaothong-2565-report.toml",
        "--format",
        "md",
        "--thai-digits",
        "--date",
        "2026-11-25",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("๗๘.๓๕") && text.contains("ระดับ B"), "{text}");
    assert!(text.contains("ประจำปีงบประมาณ พ.ศ.\u{a0}๒๕๖๖"), "the measures year from [report]");
    assert!(text.contains("| ๑. ปรับปรุงเว็บไซต์หน่วยงานเพื่อเปิดเผยข้อมูลข่าวสาร"), "the agency's own measure first");
    assert!(text.contains("วันที่ ๒๕ พฤศจิกายน ๒๕๖๙"), "a Buddhist-era date in Thai");
}

#[test]
fn an_html_report_in_english() {
    let dir = scratch("html");
    let out = dir.join("report.html");
    let output = ita(&[
        "report",
        "examples/khaothong-2565.toml",
        "--format",
        "html",
        "--lang",
        "en",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Analysis of the 2565"), "{html}");
}

#[test]
fn a_measure_without_an_owner_is_refused_naming_the_field() {
    let dir = scratch("owner");
    let input = dir.join("input.toml");
    std::fs::write(
        &input,
        "methodology = 2565\n[indicators]\n1 = 100\n2 = 100\n3 = 100\n4 = 100\n5 = 100\n6 = 100\n7 = 100\n8 = 100\n9 = 100\n10 = 100\n[[measures]]\nmeasure = \"x\"\nperiod = \"ตลอดปี\"\n",
    )
    .unwrap();
    let out = dir.join("out.md");
    let output = ita(&["report", input.to_str().unwrap(), "--format", "md", "-o", out.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("measures[0].owner") && message.contains("ผู้รับผิดชอบ"), "{message}");
    assert!(!out.exists(), "nothing is written for a refused input");
}

#[test]
fn an_unwritable_output_fails_cleanly_and_leaves_nothing_behind() {
    let dir = scratch("unwritable");
    let out = dir.join("no-such-folder").join("report.md");
    let output =
        ita(&["report", "examples/khaothong-2565.toml", "--format", "md", "-o", out.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("error:"), "{}", stderr(&output));
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no temporary file is left");
}

#[test]
fn a_batch_renders_the_good_rows_and_lists_the_bad_ones() {
    let dir = scratch("batch");
    let batch = dir.join("batch.csv");
    let mut text = std::fs::read_to_string(repo().join("examples/batch-2565.csv")).unwrap();
    text.push_str("6281004,หน่วยงานที่ข้อมูลผิด,อบต.,เมืองกระบี่,กระบี่,2565,100,100,100,100,100,100,100,100,100,120\n");
    text.push_str("6281005,หน่วยงานที่ไม่มีปี,อบต.,เมืองกระบี่,กระบี่,2555,100,100,100,100,100,100,100,100,100,100\n");
    std::fs::write(&batch, text).unwrap();
    let out = dir.join("out");
    let output =
        ita(&["report", "--batch", batch.to_str().unwrap(), "--format", "md", "-o", out.to_str().unwrap()]);
    assert!(!output.status.success(), "bad rows make the exit non-zero");
    let message = stderr(&output);
    assert!(message.contains("row 5 (6281004)") && message.contains("indicators.10"), "{message}");
    assert!(message.contains("row 6 (6281005)") && message.contains("methodology"), "{message}");
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, vec!["00002-6281001.md", "00003-6281002.md", "00004-6281003.md"]);
}

#[test]
fn last_years_result_shows_the_change() {
    let dir = scratch("previous");
    let previous = dir.join("2564.toml");
    std::fs::write(
        &previous,
        "methodology = 2564\n[indicators]\n1 = 95\n2 = 95\n3 = 95\n4 = 95\n5 = 95\n6 = 85\n7 = 85\n8 = 85\n9 = 70\n10 = 20\n",
    )
    .unwrap();
    let out = dir.join("report.md");
    let output = ita(&[
        "report",
        "examples/khaothong-2565.toml",
        "--previous",
        previous.to_str().unwrap(),
        "--format",
        "md",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&out).unwrap();
    // 2564: 0.3 × 95 + 0.3 × 85 + 0.4 × 45 = 72.00; 2565: 78.35, up 6.35.
    assert!(text.contains("เพิ่มขึ้นจากปีงบประมาณ พ.ศ.\u{a0}2564 ซึ่งได้ 72.00 คะแนน จำนวน 6.35 คะแนน"), "{text}");
    assert!(text.contains("| 10. การป้องกันการทุจริต | 25.00 (ปีก่อน 20.00) |"), "{text}");
}
