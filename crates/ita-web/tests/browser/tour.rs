//! A national administrator's tour of every page the menu leads to: each one fits a phone without sideways
//! scrolling (checked when its screenshot is taken), labels every field, speaks Thai first, and switches to English.

use ita_domain::platform::Role;
use serde_json::Value;

use crate::harness::{Browser, DESKTOP, PHONE, Viewport};
use crate::helpers::{Db, spawn_app};

/// Every form field shown to people that has no label with text (nor an ARIA name).
pub const UNLABELLED: &str = "return [...document.querySelectorAll('input, select, textarea')]
  .filter(field => field.type !== 'hidden')
  .filter(field => ![...field.labels].some(label => label.textContent.trim() !== '')
                   && !field.getAttribute('aria-label') && !field.getAttribute('aria-labelledby'))
  .map(field => field.outerHTML);";

/// What a page says about itself: its language, whether it is an app page (error pages have no menu), its heading.
const PAGE: &str =
    "return { lang: document.documentElement.lang, app: !!document.querySelector('header.top'),
  heading: (document.querySelector('h1') || {}).textContent || '' };";

async fn tour(viewport: Viewport) {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("5150101", "องค์การบริหารส่วนตำบลบ้านกลาง", "ลำพูน").await;
    let round = app.create_round(2565, 2565).await;
    app.create_user("national", Role::NationalAdmin, None, None).await;
    let officer = app.create_user("officer", Role::AgencyEditor, Some(&agency), None).await;
    let browser = Browser::open(&app.address, viewport).await;
    browser.sign_in("national").await;

    let pages = [
        (format!("/agencies/{}", agency.id), "agency"),
        ("/rounds".to_string(), "rounds"),
        ("/rounds/new".to_string(), "round-form"),
        (format!("/rounds/{}/edit", round.id), "round-edit-form"),
        (format!("/rounds/{}/results/import", round.id), "results-import-page"),
        ("/users".to_string(), "users"),
        ("/users/new".to_string(), "user-form"),
        (format!("/users/{}/edit", officer.id), "user-edit-form"),
        (format!("/users/{}/tokens", officer.id), "user-tokens"),
        ("/audit".to_string(), "audit"),
    ];
    for (path, name) in &pages {
        browser.open_page(path).await;
        let page = browser.script(PAGE).await;
        assert_eq!(page["app"], true, "{path} shows an error page: {page}");
        assert_eq!(page["lang"], "th", "{path} is in Thai first");
        let unlabelled = browser.script(UNLABELLED).await;
        assert_eq!(unlabelled, Value::Array(Vec::new()), "fields without a label on {path}");
        browser.screenshot(&format!("tour-{name}")).await;
    }

    // The language link in the menu switches the whole interface to English and back.
    browser.open_page("/agencies").await;
    browser.click("header.top a[lang=en]").await;
    browser.wait_for_text("Agencies").await;
    let page = browser.script(PAGE).await;
    assert_eq!(page["lang"], "en", "the page says it is in English: {page}");
    assert_eq!(page["heading"], "Agencies");
    browser.screenshot("tour-agencies-english").await;
    browser.click("header.top a[lang=th]").await;
    browser.wait_for_text("หน่วยงาน").await;
    assert_eq!(browser.script(PAGE).await["lang"], "th");
    browser.close().await;
}

#[tokio::test]
async fn every_page_of_the_menu_fits_a_desktop_labels_its_fields_and_switches_to_english() {
    tour(DESKTOP).await;
}

#[tokio::test]
async fn every_page_of_the_menu_fits_a_phone_labels_its_fields_and_switches_to_english() {
    tour(PHONE).await;
}
