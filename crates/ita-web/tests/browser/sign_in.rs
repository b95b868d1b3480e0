//! Signing in as a person does: from the home page to the form, typing, sending with Enter.

use fantoccini::key::Key;
use ita_domain::platform::Role;

use crate::harness::{Browser, DESKTOP, PHONE, Viewport};
use crate::helpers::{Db, spawn_app};

async fn sign_in_with_the_keyboard(viewport: Viewport) {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("somchai", Role::NationalAdmin, None, None).await;
    let browser = Browser::open(&app.address, viewport).await;

    browser.open_page("/").await;
    browser.wait_for_path("/sign-in").await;
    browser.find("#username").await;
    browser.screenshot("sign-in-form").await;

    browser.type_into("#username", "somchai").await;
    browser.type_into("#password", &format!("not the password{}", char::from(Key::Enter))).await;
    let alert = browser.find("[role=alert]").await.text().await.unwrap();
    assert!(alert.contains("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"), "the Thai error is shown: {alert}");
    assert_eq!(browser.path().await, "/sign-in", "a wrong password stays on the form");
    let kept = browser.find("#username").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("somchai"), "the name typed is kept");
    browser.screenshot("sign-in-wrong-password").await;

    browser.type_into("#password", &format!("{}{}", crate::helpers::PASSWORD, char::from(Key::Enter))).await;
    browser.wait_for_path("/agencies").await;
    let header = browser.find("header.top").await.text().await.unwrap();
    assert!(header.contains("คุณ somchai"), "the account's name is shown: {header}");
    browser.wait_for_text("หน่วยงาน").await;
    browser.screenshot("sign-in").await;
    browser.close().await;
}

#[tokio::test]
async fn a_person_signs_in_with_the_keyboard_and_a_wrong_password_shows_the_thai_error_on_a_desktop() {
    sign_in_with_the_keyboard(DESKTOP).await;
}

#[tokio::test]
async fn a_person_signs_in_with_the_keyboard_and_a_wrong_password_shows_the_thai_error_on_a_phone() {
    sign_in_with_the_keyboard(PHONE).await;
}
