//! Imports from CSV and XLSX files: the agency list and a round's official results, row by row, with the rows
//! that fail reported under the numbers Excel shows and nothing written for them.

use std::time::Instant;

use ita_domain::platform::{AgencyCode, Role};
use ita_store::{Agency, AuditQuery};
use reqwest::multipart::{Form, Part};

use crate::helpers::{Client, Db, Reply, TestApp, spawn_app};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Opens the import page, chooses a file and presses the import button, as a person would.
async fn upload(client: &mut Client, page: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
    let csrf = client.csrf_from(page).await;
    let form =
        Form::new().text("csrf", csrf).part("file", Part::bytes(bytes).file_name(file_name.to_string()));
    client.post_multipart(page, form).await
}

/// The report's line for one row of the file.
fn report_row(body: &str, number: usize) -> &str {
    let report = &body[body.find("id=\"import-report\"").expect("a report table")..];
    let start =
        report.find(&format!("id=\"row-{number}\"")).unwrap_or_else(|| panic!("no row {number}: {body}"));
    let end = report[start..].find("</tr>").unwrap() + start;
    &report[start..end]
}

async fn agency(app: &TestApp, code: &str) -> Option<Agency> {
    app.store.agency_by_code(&AgencyCode::parse(code).unwrap()).await.unwrap()
}

async fn audit_entries(app: &TestApp) -> i64 {
    app.store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1 }).await.unwrap().total
}

/// The same rows as `agencies.csv`, as an Excel workbook with English headers and the codes typed as numbers.
fn agencies_workbook() -> Vec<u8> {
    let rows: [[&str; 9]; 8] = [
        ["code", "name_th", "name_en", "kind", "province", "district", "parent_code", "website", "contact"],
        ["6150101", "องค์การบริหารส่วนตำบลเขาทอง", "Khao Thong SAO", "อบต.", "นครสวรรค์", "พยุหะคีรี", "", "", ""],
        ["6150102", "เทศบาลตำบลพยุหะ", "", "เทศบาลตำบล", "นครสวรรค์", "พยุหะคีรี", "6150101", "", ""],
        ["6150101", "องค์การบริหารส่วนตำบลเขาทอง (ซ้ำ)", "", "อบต.", "นครสวรรค์", "", "", "", ""],
        ["6150103", "ร้านค้าเขาทอง", "", "ร้านค้า", "นครสวรรค์", "", "", "", ""],
        ["6150104", "", "", "อบต.", "นครสวรรค์", "", "", "", ""],
        ["1500101", "องค์การบริหารส่วนตำบลที่มีอยู่แล้ว", "", "อบต.", "อ่างทอง", "", "", "", ""],
        ["6150105", "องค์การบริหารส่วนตำบลท่าน้ำอ้อย", "Tha Nam Oi SAO", "sao", "นครสวรรค์", "", "", "", ""],
    ];
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in rows.iter().enumerate() {
        for (column, text) in cells.iter().enumerate() {
            let (row, column) = (row as u32, column as u16);
            match text.parse::<f64>() {
                Ok(number) if row > 0 => sheet.write_number(row, column, number).map(|_| ()),
                _ if text.is_empty() => Ok(()),
                _ => sheet.write_string(row, column, *text).map(|_| ()),
            }
            .unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// Imports the agency file with its good and bad rows, and checks what was created and what the report says.
async fn agency_import_story(db: Db, file_name: &str, bytes: Vec<u8>) {
    let app = spawn_app(db).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let existing = app.create_agency("1500101", "อบต.เดิม", "อ่างทอง").await;
    let audit_before = audit_entries(&app).await;
    let mut browser = app.signed_in("admin").await;
    let reply = upload(&mut browser, "/agencies/import", file_name, bytes).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // The good rows exist, the child with its parent from an earlier row of the same file.
    let khaothong = agency(&app, "6150101").await.expect("row 2 created");
    assert_eq!(khaothong.name_th, "องค์การบริหารส่วนตำบลเขาทอง", "the first of the two rows with this code");
    assert_eq!(khaothong.name_en.as_deref(), Some("Khao Thong SAO"));
    assert_eq!(khaothong.district.as_deref(), Some("พยุหะคีรี"));
    let phayuha = agency(&app, "6150102").await.expect("row 3 created");
    assert_eq!(phayuha.parent_id, Some(khaothong.id));
    assert_eq!(phayuha.kind.code(), "municipality");
    assert!(agency(&app, "6150105").await.is_some(), "row 8 created");
    // The bad ones do not, and the agency that existed is as it was.
    assert!(agency(&app, "6150103").await.is_none(), "row 5 has an unknown kind");
    assert!(agency(&app, "6150104").await.is_none(), "row 6 has no name");
    assert_eq!(agency(&app, "1500101").await.unwrap(), existing);
    assert_eq!(audit_entries(&app).await, audit_before + 3, "one audit entry per agency created");

    assert!(reply.body.contains("id=\"import-created\">3<"), "3 created: {}", reply.body);
    assert!(reply.body.contains("id=\"import-rejected\">4<"), "4 rejected: {}", reply.body);
    for number in [2, 3, 8] {
        assert!(report_row(&reply.body, number).contains("class=\"created\""), "row {number}");
    }
    let duplicate = report_row(&reply.body, 4);
    assert!(duplicate.contains("ซ้ำกับแถวที่ 2 ในแฟ้มนี้") && duplicate.contains("repeats row 2"), "{duplicate}");
    let kind = report_row(&reply.body, 5);
    assert!(kind.contains("ไม่รู้จักประเภทหน่วยงาน") && kind.contains("unknown agency type"), "{kind}");
    let name = report_row(&reply.body, 6);
    assert!(name.contains("ต้องระบุชื่อหน่วยงาน") && name.contains("Thai name is required"), "{name}");
    let taken = report_row(&reply.body, 7);
    assert!(taken.contains("มีอยู่ในระบบแล้ว") && taken.contains("exists already"), "{taken}");
    let first_rejected = reply.body.find("id=\"row-4\"").unwrap();
    assert!(first_rejected < reply.body.find("id=\"row-2\"").unwrap(), "the rows to correct come first");
}

#[tokio::test]
async fn an_administrator_imports_agencies_from_csv_and_each_bad_row_is_reported_on_sqlite() {
    agency_import_story(Db::Sqlite, "agencies.csv", fixture("agencies.csv")).await;
}

#[tokio::test]
async fn an_administrator_imports_agencies_from_csv_and_each_bad_row_is_reported_on_postgres() {
    agency_import_story(Db::Postgres, "agencies.csv", fixture("agencies.csv")).await;
}

#[tokio::test]
async fn the_same_agencies_import_from_an_xlsx_workbook_with_english_headers() {
    // Named .bin: the workbook is known by its bytes, not by what the browser called it.
    agency_import_story(Db::Sqlite, "agencies.bin", agencies_workbook()).await;
}

#[tokio::test]
async fn the_import_page_has_the_file_field_the_token_first_and_a_template_excel_reads_as_thai() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut browser = app.signed_in("admin").await;
    let page = browser.get("/agencies/import").await;
    assert_eq!(page.status, 200);
    let form = &page.body[page.body.find("enctype=\"multipart/form-data\"").expect("a multipart form")..];
    let csrf = form.find("name=\"csrf\"").unwrap();
    assert!(
        csrf < form.find("<input type=\"file\" name=\"file\" id=\"file\" accept=\".csv,.xlsx\"").unwrap()
    );
    assert!(form.contains("id=\"import-submit\""));
    assert!(page.body.contains("รหัสต้นสังกัด") && page.body.contains("parent_code"));

    let template = browser.get("/agencies/import/template.csv").await;
    assert_eq!(template.status, 200);
    assert!(template.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM, so that Excel reads UTF-8");
    assert!(template.body.contains("รหัสหน่วยงาน,ชื่อหน่วยงาน"), "{}", template.body);
    // The template as it is has no rows yet: refused, and nothing written.
    let empty = upload(&mut browser, "/agencies/import", "template.csv", template.bytes.clone()).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("no rows below"), "{}", empty.body);
    assert_eq!(app.store.provinces().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_file_without_a_code_column_or_that_is_no_table_is_refused_with_422_and_nothing_is_written() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut browser = app.signed_in("admin").await;
    let reply = upload(&mut browser, "/agencies/import", "no-code.csv", fixture("no-code.csv")).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ไม่พบคอลัมน์ที่จำเป็น: รหัสหน่วยงาน (code)"), "{}", reply.body);
    assert!(reply.body.contains("required columns are missing: code"), "{}", reply.body);
    let pdf = upload(&mut browser, "/agencies/import", "list.pdf", b"%PDF-1.7 ...".to_vec()).await;
    assert_eq!(pdf.status, 422);
    assert!(pdf.body.contains("not a CSV or XLSX file"), "{}", pdf.body);
    let empty = upload(&mut browser, "/agencies/import", "empty.csv", Vec::new()).await;
    assert_eq!(empty.status, 422);
    assert_eq!(app.store.provinces().await.unwrap().len(), 0, "no agency was created");
}

#[tokio::test]
async fn only_a_national_administrator_may_import_and_others_write_nothing() {
    let app = spawn_app(Db::Sqlite).await;
    let khaothong = app.create_agency("6150101", "อบต.เขาทอง", "นครสวรรค์").await;
    let round = app.create_round(2565, 2565).await;
    app.create_user("editor", Role::AgencyAdmin, Some(&khaothong), None).await;
    let mut editor = app.signed_in("editor").await;
    assert_eq!(editor.get("/agencies/import").await.status, 403);
    assert_eq!(editor.get(&format!("/rounds/{}/results/import", round.id)).await.status, 403);
    let csrf = editor.csrf_from("/agencies").await;
    let form = Form::new()
        .text("csrf", csrf.clone())
        .part("file", Part::bytes(fixture("agencies.csv")).file_name("agencies.csv"));
    assert_eq!(editor.post_multipart("/agencies/import", form).await.status, 403);
    let form = Form::new()
        .text("csrf", csrf)
        .part("file", Part::bytes(fixture("results-2565.csv")).file_name("results-2565.csv"));
    let path = format!("/rounds/{}/results/import", round.id);
    assert_eq!(editor.post_multipart(&path, form).await.status, 403);
    assert_eq!(app.store.provinces().await.unwrap(), vec!["นครสวรรค์".to_string()], "no agency was created");
    assert!(app.store.result(khaothong.id, round.id).await.unwrap().is_none(), "no result was stored");
}

#[tokio::test]
async fn results_import_reproduces_the_reference_agency_and_rejects_a_score_of_101() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let khaothong = app.create_agency("6150101", "องค์การบริหารส่วนตำบลเขาทอง", "นครสวรรค์").await;
    let thanamoi = app.create_agency("6150105", "องค์การบริหารส่วนตำบลท่าน้ำอ้อย", "นครสวรรค์").await;
    let phayuha = app.create_agency("6150102", "เทศบาลตำบลพยุหะ", "นครสวรรค์").await;
    let round = app.create_round(2565, 2565).await;
    let mut browser = app.signed_in("admin").await;
    let page = format!("/rounds/{}/results/import", round.id);
    let form = browser.get(&page).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("id=\"import-submit\""));
    let template = browser.get(&format!("{page}/template.csv")).await;
    assert!(template.body.contains("รหัสหน่วยงาน,ตัวชี้วัดที่ 1,") && template.body.contains("ตัวชี้วัดที่ 10"));

    let reply = upload(&mut browser, &page, "results-2565.csv", fixture("results-2565.csv")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stored = app.store.result(khaothong.id, round.id).await.unwrap().expect("the reference agency");
    assert_eq!(stored.total.to_string(), "78.35");
    assert_eq!(stored.level_code.as_deref(), Some("B"));
    assert_eq!(stored.source, ita_store::ResultSource::Official);
    assert!(report_row(&reply.body, 2).contains("78.35"), "{}", reply.body);
    assert!(app.store.result(thanamoi.id, round.id).await.unwrap().is_none(), "101 is refused");
    let over = report_row(&reply.body, 3);
    assert!(over.contains("ตัวชี้วัดที่ 4: คะแนน 101 อยู่นอกช่วง 0 ถึง 100"), "{over}");
    assert!(over.contains("indicator 4: score 101 is outside 0 to 100"), "{over}");
    let unknown = report_row(&reply.body, 4);
    assert!(unknown.contains("ไม่พบหน่วยงานรหัส 9999999") && unknown.contains("no agency with code 9999999"));
    assert!(app.store.result(phayuha.id, round.id).await.unwrap().is_none());
    let incomplete = report_row(&reply.body, 5);
    assert!(incomplete.contains("ตัวชี้วัดที่ 6: ยังไม่ได้กรอกคะแนน"), "{incomplete}");
    assert!(
        incomplete.contains("indicator 10") && incomplete.contains("more than two decimals"),
        "{incomplete}"
    );
    assert!(
        reply.body.contains("id=\"import-created\">1<") && reply.body.contains("id=\"import-rejected\">3<")
    );

    // A file for another methodology's indicators is refused whole.
    let wrong = "code,1,2,3,4,5,6,7,8,9,10,11\n6150101,1,1,1,1,1,1,1,1,1,1,1\n".as_bytes().to_vec();
    let refused = upload(&mut browser, &page, "wrong.csv", wrong).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("has no indicator 11"), "{}", refused.body);
}

#[tokio::test]
async fn results_import_reads_scores_typed_as_numbers_in_an_xlsx_workbook() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let khaothong = app.create_agency("6150101", "องค์การบริหารส่วนตำบลเขาทอง", "นครสวรรค์").await;
    let round = app.create_round(2565, 2565).await;
    let scores = [100.0, 100.0, 100.0, 99.34, 97.77, 89.70, 88.91, 86.09, 85.29, 25.00];
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "รหัสหน่วยงาน").unwrap();
    sheet.write_number(1, 0, 6_150_101.0).unwrap();
    for (index, score) in scores.iter().enumerate() {
        let column = index as u16 + 1;
        sheet.write_string(0, column, format!("ตัวชี้วัดที่ {}", index + 1)).unwrap();
        sheet.write_number(1, column, *score).unwrap();
    }
    // A score a formula left with binary noise reads as the 85.29 that Excel shows.
    sheet.write_number(2, 0, 6_150_101.0).unwrap();
    let mut browser = app.signed_in("admin").await;
    let page = format!("/rounds/{}/results/import", round.id);
    let reply = upload(&mut browser, &page, "results.xlsx", workbook.save_to_buffer().unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stored = app.store.result(khaothong.id, round.id).await.unwrap().expect("stored");
    assert_eq!(stored.total.to_string(), "78.35");
    assert!(report_row(&reply.body, 3).contains("repeats row 2"), "{}", reply.body);
}

#[tokio::test]
async fn eight_thousand_three_hundred_agencies_import_in_seconds() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut csv = String::from("code,name_th,kind,province,parent_code\n");
    csv.push_str("9000000,จังหวัดทดสอบ,จังหวัด,นครสวรรค์,\n");
    for number in 1..8_300 {
        csv.push_str(&format!(
            "{},องค์การบริหารส่วนตำบลทดสอบ {number},อบต.,นครสวรรค์,9000000\n",
            9_000_000 + number
        ));
    }
    let mut browser = app.signed_in("admin").await;
    let started = Instant::now();
    let reply = upload(&mut browser, "/agencies/import", "national.csv", csv.into_bytes()).await;
    let elapsed = started.elapsed();
    eprintln!("8,300 agencies imported in {elapsed:.2?}");
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("id=\"import-created\">8300<"), "all created");
    let last = agency(&app, "9008299").await.unwrap();
    assert_eq!(last.parent_id, Some(agency(&app, "9000000").await.unwrap().id));
    assert!(elapsed.as_secs() < 60, "8,300 rows took {elapsed:.2?}");
}
