//! Keyboard and labels: the skip link and Tab reach the search field of the agency list, focus is visible, and
//! every field of the sign-in, agency and import forms has a label a screen reader can read out.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use ita_domain::platform::Role;
use serde_json::Value;

use crate::harness::{Browser, DESKTOP, PHONE, Viewport};
use crate::helpers::{Db, spawn_app};
use crate::tour::UNLABELLED;

/// What has the focus: its tag, name, class, whether it lies inside `main`, whether it is on screen, and
/// whether it shows an outline.
const FOCUSED: &str = "const element = document.activeElement; const box = element.getBoundingClientRect();
return { tag: element.tagName.toLowerCase(), name: element.getAttribute('name') || '',
         class: element.className || '', in_main: !!element.closest('main'),
         on_screen: box.width > 0 && box.left >= 0 && box.top >= 0 && box.right <= window.innerWidth,
         outline: getComputedStyle(element).outlineStyle };";

async fn focused(browser: &Browser) -> Value {
    browser.script(FOCUSED).await
}

async fn keyboard_reaches_the_search_field(viewport: Viewport) {
    let app = spawn_app(Db::Sqlite).await;
    app.create_agency("5150101", "องค์การบริหารส่วนตำบลบ้านกลาง", "ลำพูน").await;
    app.create_user("national", Role::NationalAdmin, None, None).await;
    let browser = Browser::open(&app.address, viewport).await;
    browser.sign_in("national").await;

    // The skip link comes first, shows itself when focused, and leads past the menu into the page's content.
    browser.open_page("/agencies").await;
    browser.press(Key::Tab).await;
    let first = focused(&browser).await;
    assert_eq!(first["class"], "skip", "the first Tab stop is the skip link: {first}");
    assert_eq!(first["on_screen"], true, "the focused skip link is on screen: {first}");
    assert_ne!(first["outline"], "none", "the focus is visible: {first}");
    browser.screenshot("keyboard-skip-link").await;
    browser.press(Key::Enter).await;
    let started = Instant::now();
    while !browser.path().await.ends_with("/agencies")
        || browser.script("return location.hash;").await != "#main"
    {
        assert!(started.elapsed() < Duration::from_secs(10), "the skip link did not go to #main");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser.press(Key::Tab).await;
    let after_skip = focused(&browser).await;
    assert_eq!(after_skip["name"], "q", "after the skip link, Tab lands on the search field: {after_skip}");
    assert_eq!(after_skip["in_main"], true);

    // Without the skip link, Tab goes through the menu and still reaches the search field.
    browser.open_page("/agencies").await;
    let mut stops = Vec::new();
    loop {
        browser.press(Key::Tab).await;
        let now = focused(&browser).await;
        stops.push(format!("{}.{}[{}]", now["tag"], now["class"], now["name"]));
        if now["name"] == "q" {
            assert_ne!(now["outline"], "none", "the search field shows its focus: {now}");
            browser.screenshot("keyboard-search-focused").await;
            break;
        }
        assert!(stops.len() < 20, "Tab never reached the search field: {stops:?}");
    }
    browser.type_into("input[name=q]", &format!("บ้านกลาง{}", char::from(Key::Enter))).await;
    browser.wait_for_text("5150101").await;
    browser.screenshot("keyboard-search").await;
    browser.close().await;
}

async fn every_field_has_a_label(viewport: Viewport) {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("5150101", "องค์การบริหารส่วนตำบลบ้านกลาง", "ลำพูน").await;
    let round = app.create_round(2565, 2565).await;
    app.create_user("national", Role::NationalAdmin, None, None).await;
    let browser = Browser::open(&app.address, viewport).await;

    browser.open_page("/sign-in").await;
    browser.find("#username").await;
    let unlabelled = browser.script(UNLABELLED).await;
    assert_eq!(unlabelled, Value::Array(Vec::new()), "fields without a label on /sign-in");

    browser.sign_in("national").await;
    let pages = [
        ("/agencies", "agency-list-search"),
        ("/agencies/new", "agency-form"),
        (&format!("/agencies/{}/edit", agency.id), "agency-edit-form"),
        (&format!("/agencies/{}/rounds/{}/result", agency.id, round.id), "result-form"),
        ("/agencies/import", "agency-import-page"),
    ];
    for (path, name) in pages {
        browser.open_page(path).await;
        browser.find("main form").await;
        let unlabelled = browser.script(UNLABELLED).await;
        assert_eq!(unlabelled, Value::Array(Vec::new()), "fields without a label on {path}");
        browser.screenshot(name).await;
    }
    browser.close().await;
}

#[tokio::test]
async fn tab_and_the_skip_link_reach_the_search_field_on_a_desktop() {
    keyboard_reaches_the_search_field(DESKTOP).await;
}

#[tokio::test]
async fn tab_and_the_skip_link_reach_the_search_field_on_a_phone() {
    keyboard_reaches_the_search_field(PHONE).await;
}

#[tokio::test]
async fn every_field_of_the_sign_in_agency_result_and_import_forms_has_a_label_on_a_desktop() {
    every_field_has_a_label(DESKTOP).await;
}

#[tokio::test]
async fn every_field_of_the_sign_in_agency_result_and_import_forms_has_a_label_on_a_phone() {
    every_field_has_a_label(PHONE).await;
}
