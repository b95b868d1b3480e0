//! Sign-in, set-up, agencies and results through the pages, with the checks every page must pass.

use ita_domain::platform::Role;

use crate::helpers::{Db, spawn_app};

#[tokio::test]
async fn the_first_start_offers_a_one_time_setup_link_that_creates_the_administrator() {
    let app = spawn_app(Db::Sqlite).await;
    let link = ita_web::setup_link(&app.state).await.unwrap().expect("no account yet: a link");
    let mut browser = app.client();
    let reply = browser
        .submit(&link, &link, &[("username", "admin"), ("display_name", "ผู้ดูแล"), ("password", "short")])
        .await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("อย่างน้อย 10 ตัวอักษร"), "{}", reply.body);
    let reply = browser
        .submit(
            &link,
            &link,
            &[("username", "admin"), ("display_name", "ผู้ดูแล"), ("password", "long enough pass")],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(browser.get(&link).await.status, 404, "the link works once");
    assert!(ita_web::setup_link(&app.state).await.unwrap().is_none());
    assert_eq!(browser.post_sign_in("admin", "long enough pass").await.status, 303);
    let list = browser.get("/agencies").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("ผู้ดูแลระบบระดับประเทศ"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_ten_failures_lock_that_name_from_that_address() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("officer", Role::NationalAdmin, None, None).await;
    let mut browser = app.client();
    let reply = browser.post_sign_in("officer", "wrong password").await;
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"));
    for _ in 0..9 {
        browser.post_sign_in("officer", "wrong password").await;
    }
    let reply = browser.post_sign_in("officer", crate::helpers::PASSWORD).await;
    assert_eq!(reply.status, 429, "even the right password waits now");
    assert!(reply.body.contains("15 นาที") && reply.body.contains("15 minutes"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_nothing_is_written() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut browser = app.signed_in("admin").await;
    let fields = [("code", "1234"), ("name_th", "อบต.ปลอม"), ("kind", "sao"), ("province", "อ่างทอง")];
    let forged = browser.post_form("/agencies", &[&[("csrf", "forged")], &fields[..]].concat()).await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("แบบฟอร์มหมดอายุ") && forged.body.contains("nothing was saved"));
    let missing = browser.post_form("/agencies", &fields).await;
    assert_eq!(missing.status, 403);
    assert_eq!(app.store.provinces().await.unwrap().len(), 0, "no agency was created");
    let sent = browser.submit("/agencies/new", "/agencies", &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
}

#[tokio::test]
async fn an_expired_or_unknown_session_goes_back_to_sign_in() {
    let app = spawn_app(Db::Sqlite).await;
    let mut browser = app.client();
    browser.cookies.insert("ita_session".into(), "not-a-session".into());
    let reply = browser.get("/agencies?q=x").await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.location(), "/sign-in?next=/agencies%3Fq%3Dx");
}

#[tokio::test]
async fn every_page_carries_a_strict_content_security_policy() {
    let app = spawn_app(Db::Sqlite).await;
    let reply = app.client().get("/sign-in").await;
    let policy = reply.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"));
    assert!(!policy.contains("unsafe-inline"));
    assert_eq!(reply.headers.get("x-content-type-options").unwrap(), "nosniff");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut browser = app.signed_in("admin").await;
    let huge = "x".repeat(17 * 1024 * 1024);
    let reply = browser.post_form("/agencies", &[("name_th", huge.as_str())]).await;
    assert_eq!(reply.status, 413);
    assert!(reply.body.contains("16 MB"));
}

async fn results_story(db: Db) {
    let app = spawn_app(db).await;
    let khaothong = app.create_agency("6150101", "องค์การบริหารส่วนตำบลเขาทอง", "นครสวรรค์").await;
    let round = app.create_round(2565, 2565).await;
    app.create_user("officer", Role::AgencyEditor, Some(&khaothong), None).await;
    let mut officer = app.signed_in("officer").await;
    let form = format!("/agencies/{}/rounds/{}/result", khaothong.id, round.id);
    // The reference agency's published indicators (score 78.35, level B).
    let scores = ["100", "100.00", "100", "99.34", "97.77", "89.70", "88.91", "86.09", "85.29", "25.00"];
    let mut fields: Vec<(String, String)> = scores
        .iter()
        .enumerate()
        .map(|(index, score)| (format!("indicator_{}", index + 1), score.to_string()))
        .collect();
    fields[3].1 = "101".into();
    let borrowed: Vec<(&str, &str)> =
        fields.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    let refused = officer.submit(&form, &form, &borrowed).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("อยู่นอกช่วง 0 ถึง 100"), "{}", refused.body);
    assert!(app.store.result(khaothong.id, round.id).await.unwrap().is_none(), "nothing stored");
    fields[3].1 = "99.34".into();
    let borrowed: Vec<(&str, &str)> =
        fields.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    let saved = officer.submit(&form, &form, &borrowed).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = officer.get(saved.location()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("78.35"), "the total: {}", page.body);
    assert!(page.body.contains("<svg"), "the chart");
    assert!(page.body.contains(">30%<") && page.body.contains(">40%<"), "instrument weights in percent");
    let iit = page.body.find("IIT แบบวัด").unwrap();
    assert!(iit < page.body.find("EIT แบบวัด").unwrap(), "IIT first, as the methodology orders them");
    let docx = officer.get(&format!("/agencies/{}/rounds/{}/report/docx", khaothong.id, round.id)).await;
    assert_eq!(docx.status, 200);
    assert!(docx.bytes.starts_with(b"PK"), "a DOCX is a zip");
    let stored = app.store.result(khaothong.id, round.id).await.unwrap().unwrap();
    assert_eq!(stored.total.to_string(), "78.35");
    assert_eq!(stored.level_code.as_deref(), Some("B"));
}

#[tokio::test]
async fn an_agency_editor_enters_published_scores_and_sees_the_total_on_sqlite() {
    results_story(Db::Sqlite).await;
}

#[tokio::test]
async fn an_agency_editor_enters_published_scores_and_sees_the_total_on_postgres() {
    results_story(Db::Postgres).await;
}
