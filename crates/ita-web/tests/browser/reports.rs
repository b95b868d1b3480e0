//! The round page of an agency with the reference result, and its DOCX and PDF reports downloaded by clicking
//! their links, then opened with the real tools (pdftotext, LibreOffice).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use ita_domain::Hundredths;
use ita_domain::platform::Role;
use ita_store::{ResultDraft, ResultSource};

use crate::harness::{Browser, DESKTOP, PHONE, Viewport};
use crate::helpers::{Db, TestApp, spawn_app};

const AGENCY: &str = "องค์การบริหารส่วนตำบลเขาทอง";

/// The published indicator scores of the reference result (total 78.35, level B).
const INDICATORS: [i64; 10] = [10_000, 10_000, 10_000, 9_934, 9_777, 8_970, 8_891, 8_609, 8_529, 2_500];

async fn download_the_reports(viewport: Viewport) {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("6600101", AGENCY, "นครสวรรค์").await;
    let round = app.create_round(2565, 2565).await;
    let draft = ResultDraft {
        source: ResultSource::Official,
        indicators: (1..=10).zip(INDICATORS.map(Hundredths)).collect::<BTreeMap<u8, Hundredths>>(),
        total: Hundredths(7835),
        level_code: Some("B".to_string()),
    };
    app.store.put_result(&TestApp::admin_actor(), agency.id, round.id, &draft).await.unwrap();
    app.create_user("national", Role::NationalAdmin, None, None).await;

    let browser = Browser::open(&app.address, viewport).await;
    browser.sign_in("national").await;
    browser.open_page(&format!("/agencies/{}/rounds/{}", agency.id, round.id)).await;
    let score = browser.find(".score").await.text().await.unwrap();
    assert_eq!(score, "78.35", "the total is shown as published");
    assert!(browser.main_text().await.contains(AGENCY));
    browser.screenshot("round-result").await;

    browser.click("a[href$='/report/docx']").await;
    let docx = browser.wait_for_download("docx").await;
    browser.click("a[href$='/report/pdf']").await;
    let pdf = browser.wait_for_download("pdf").await;

    let pdf_text = pdf_text(&pdf);
    assert!(shows(&pdf_text, AGENCY), "the PDF names the agency:\n{pdf_text}");
    assert!(pdf_text.contains("78.35"), "the PDF gives the total:\n{pdf_text}");
    let docx_text = docx_text(&docx);
    assert!(shows(&docx_text, AGENCY), "the DOCX names the agency:\n{docx_text}");
    assert!(docx_text.contains("78.35"), "the DOCX gives the total:\n{docx_text}");
    // Closed last: the downloads folder goes with the browser.
    browser.close().await;
}

/// The PDF's text as poppler's pdftotext reads it.
fn pdf_text(pdf: &Path) -> String {
    let output =
        Command::new("pdftotext").arg(pdf).arg("-").output().expect("pdftotext (poppler-utils) runs");
    assert!(
        output.status.success(),
        "pdftotext could not read the PDF: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The DOCX's text as LibreOffice opens it and saves it as plain text.
fn docx_text(docx: &Path) -> String {
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new("libreoffice")
        .arg(format!("-env:UserInstallation=file://{}", folder.path().join("profile").display()))
        .args(["--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir"])
        .arg(folder.path())
        .arg(docx)
        .output()
        .expect("LibreOffice (libreoffice-writer) runs");
    let text_file = folder.path().join(docx.with_extension("txt").file_name().unwrap());
    assert!(
        text_file.is_file(),
        "LibreOffice could not open the DOCX: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(text_file).unwrap()
}

/// A line without spaces and Thai marks above and below: text extraction sometimes moves a mark past the next
/// letter or splits a word there, though the page shows it right.
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

#[tokio::test]
async fn the_round_page_shows_78_35_and_its_docx_and_pdf_download_and_open_on_a_desktop() {
    download_the_reports(DESKTOP).await;
}

#[tokio::test]
async fn the_round_page_shows_78_35_and_its_docx_and_pdf_download_and_open_on_a_phone() {
    download_the_reports(PHONE).await;
}
