//! Importing agencies from a CSV file through the page's file field, as a national administrator does.

use ita_domain::platform::Role;

use crate::harness::{Browser, DESKTOP, PHONE, Viewport};
use crate::helpers::{Db, spawn_app};

/// Three good rows and one bad one (row 4 as Excel numbers it: an agency type nobody has).
const AGENCIES_CSV: &str = "code,name_th,kind,province\n\
5150101,องค์การบริหารส่วนตำบลบ้านกลาง,อบต.,ลำพูน\n\
5150102,องค์การบริหารส่วนตำบลเหมืองง่า,อบต.,ลำพูน\n\
BAD-ROW,หน่วยงานที่ไม่มีประเภท,ดาวอังคาร,ลำพูน\n\
5150103,เทศบาลตำบลอุโมงค์,เทศบาล,ลำพูน\n";

async fn import_agencies_from_a_csv_file(viewport: Viewport) {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("national", Role::NationalAdmin, None, None).await;
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("agencies.csv");
    std::fs::write(&file, AGENCIES_CSV).unwrap();
    let browser = Browser::open(&app.address, viewport).await;
    browser.sign_in("national").await;

    browser.open_page("/agencies/import").await;
    browser.find("input#file").await.send_keys(file.to_str().unwrap()).await.unwrap();
    browser.screenshot("agency-import-form").await;
    browser.click("#import-submit").await;

    let report = browser.find("#import-report").await;
    let text = report.text().await.unwrap();
    assert!(text.contains("BAD-ROW") || text.contains("ดาวอังคาร"), "the report names the bad row: {text}");
    let bad_row = browser
        .script(
            "return [...document.querySelectorAll('#import-report tbody tr')]\
             .filter(row => row.textContent.includes('BAD-ROW'))\
             .map(row => [...row.cells].map(cell => cell.textContent.trim()));",
        )
        .await;
    let bad_row = bad_row[0].as_array().unwrap_or_else(|| panic!("no report row for the bad row: {text}"));
    assert_eq!(bad_row[0], "4", "the bad row is named by its number as Excel shows it: {bad_row:?}");
    let why = bad_row.iter().filter_map(|cell| cell.as_str()).collect::<Vec<_>>().join(" ");
    assert!(why.contains("ไม่รู้จักประเภทหน่วยงาน"), "the report says in Thai what is wrong: {why}");
    browser.screenshot("agency-import").await;

    browser.open_page("/agencies").await;
    let list = browser.main_text().await;
    for name in ["องค์การบริหารส่วนตำบลบ้านกลาง", "องค์การบริหารส่วนตำบลเหมืองง่า", "เทศบาลตำบลอุโมงค์"]
    {
        assert!(list.contains(name), "{name} was imported:\n{list}");
    }
    assert!(!list.contains("หน่วยงานที่ไม่มีประเภท"), "the bad row was not imported:\n{list}");
    browser.screenshot("agency-list").await;
    browser.close().await;
}

#[tokio::test]
async fn a_national_administrator_imports_a_csv_and_sees_the_bad_row_named_on_a_desktop() {
    import_agencies_from_a_csv_file(DESKTOP).await;
}

#[tokio::test]
async fn a_national_administrator_imports_a_csv_and_sees_the_bad_row_named_on_a_phone() {
    import_agencies_from_a_csv_file(PHONE).await;
}
