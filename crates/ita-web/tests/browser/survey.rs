//! A staff member answers the IIT on a 360 px phone as a person does: the access code, the first questions by
//! keyboard, the rest by tapping; leaves and comes back to find the answers kept in the browser; sends, and
//! reaches the thank-you page, where the draft is forgotten. Screenshots of each step are kept.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use ita_domain::platform::FiscalYear;
use ita_domain::thai::CalendarDate;
use ita_store::{RoundDraft, RoundWindows};
use serde_json::Value;

use crate::harness::{Browser, DESKTOP, PHONE};
use crate::helpers::{Db, TestApp, spawn_app};
use crate::tour::UNLABELLED;

const DRAFT_KEY: &str = "ita-survey:5150101:2565:iit";

fn thai_day(days: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let date = CalendarDate::from_days_since_1970((now + 7 * 3600).div_euclid(86_400) + days);
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// The radio groups of the form, in order, and which of them are answered.
const QUESTIONS: &str = "const names = [...new Set([...document.querySelectorAll('form input[type=radio]')]
  .map(input => input.name))];
return { names, answered: names.filter(name => document.querySelector(`input[name='${name}']:checked`)) };";

/// What has the focus.
const FOCUSED: &str = "const element = document.activeElement;
return { type: element.type || '', name: element.name || '', checked: !!element.checked,
         outline: getComputedStyle(element).outlineStyle };";

async fn questions(browser: &Browser) -> (Vec<String>, Vec<String>) {
    let found = browser.script(QUESTIONS).await;
    let list = |key: &str| -> Vec<String> {
        found[key].as_array().unwrap().iter().map(|name| name.as_str().unwrap().to_string()).collect()
    };
    (list("names"), list("answered"))
}

/// Taps the label of option `index` of the question `field`, as a thumb does (scrolled to the middle of the
/// screen first, so that the sticky progress bar is not in the way).
async fn tap_answer(browser: &Browser, field: &str, index: usize) {
    let id = format!("{}-{index}", field.replace('.', "-"));
    browser
        .script(&format!(
            "document.querySelector(\"label[for='{id}']\").scrollIntoView({{block: 'center'}});"
        ))
        .await;
    browser.click(&format!("label[for='{id}']")).await;
}

async fn progress_text(browser: &Browser) -> String {
    browser.find("#survey-progress-text").await.text().await.unwrap()
}

#[tokio::test]
async fn a_staff_member_answers_the_whole_iit_on_a_phone_leaves_comes_back_and_sends() {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("5150101", "องค์การบริหารส่วนตำบลบ้านกลาง", "ลำพูน").await;
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(2565).unwrap(),
        methodology_year: 2565,
        methodology_variant: "nacc".into(),
        windows: RoundWindows {
            survey_from: Some(thai_day(-7)),
            survey_to: Some(thai_day(7)),
            ..RoundWindows::default()
        },
    };
    let round = app.store.create_round(&TestApp::admin_actor(), &draft).await.unwrap();
    app.store.put_survey_link(&TestApp::admin_actor(), agency.id, round.id, "K7P4Q9").await.unwrap();
    let browser = Browser::open(&app.address, PHONE).await;

    // The link from the poster asks for the access code.
    browser.open_page("/s/5150101/2565/iit").await;
    browser.find("#code").await;
    browser.screenshot("survey-iit-code").await;
    browser.type_into("#code", &format!("k7p4q9{}", char::from(Key::Enter))).await;
    browser.find("form[data-survey-draft]").await;
    let unlabelled = browser.script(UNLABELLED).await;
    assert_eq!(unlabelled, Value::Array(Vec::new()), "every answer has a label");
    let main = browser.main_text().await;
    assert!(main.contains("ระบบไม่เก็บชื่อ ที่อยู่ไอพี รหัสเข้าตอบ หรือเวลาที่ตอบ"), "{main}");
    browser.screenshot("survey-iit-form-top").await;

    // Every answer is a comfortable target for a thumb.
    let smallest = browser
        .script("return Math.min(...[...document.querySelectorAll('label.choice')].map(label => label.getBoundingClientRect().height));")
        .await;
    assert!(smallest.as_f64().unwrap() >= 44.0, "answers are at least 44 px high: {smallest}");

    let (names, answered) = questions(&browser).await;
    assert!(names.len() > 20, "the whole IIT is on the form: {names:?}");
    assert!(answered.is_empty());
    assert_eq!(progress_text(&browser).await, format!("ตอบแล้ว 0 จาก {} ข้อ", names.len()));

    // The first question by tapping, the next three by keyboard: Tab reaches the next question, Space answers.
    tap_answer(&browser, &names[0], 0).await;
    for name in &names[1..4] {
        browser.press(Key::Tab).await;
        let focused = browser.script(FOCUSED).await;
        assert_eq!(focused["name"], name.as_str(), "Tab goes to the next question: {focused}");
        assert_ne!(focused["outline"], "none", "the focus is visible: {focused}");
        browser.press(Key::Space).await;
    }
    // Arrow keys move within a question and answer it.
    browser.press(Key::Down).await;
    let focused = browser.script(FOCUSED).await;
    assert_eq!(focused["name"], names[3].as_str());
    assert_eq!(focused["checked"], true, "the arrow chose the next option: {focused}");
    // Half of the rest by tapping.
    let half = names.len() / 2;
    for (index, name) in names.iter().enumerate().take(half).skip(4) {
        tap_answer(&browser, name, index % 2).await;
    }
    let (_, answered) = questions(&browser).await;
    assert_eq!(answered, names[..half].to_vec());
    assert_eq!(progress_text(&browser).await, format!("ตอบแล้ว {half} จาก {} ข้อ", names.len()));
    browser.screenshot("survey-iit-form-half").await;

    // Leave, come back to the same link: the answers are where they were.
    browser.open_page("/s/5150101/2565/eit").await;
    browser.find("form[data-survey-draft]").await;
    browser.open_page("/s/5150101/2565/iit?code=K7P4Q9").await;
    browser.find("form[data-survey-draft]").await;
    let notice = browser.find("#survey-restored").await;
    assert!(notice.is_displayed().await.unwrap(), "the page says the answers came back");
    let (_, answered) = questions(&browser).await;
    assert_eq!(answered, names[..half].to_vec(), "the draft is restored");
    browser.screenshot("survey-iit-form-restored").await;

    // Sent half-answered: the page comes back with every missing question listed on top (with the focus, for a
    // screen reader), each marked where it is, and the answers given still chosen.
    browser.script("document.querySelector('button.survey-send').scrollIntoView({block: 'center'});").await;
    browser.click("button.survey-send").await;
    let problems = browser.find("#problems").await.text().await.unwrap();
    assert!(problems.contains(&format!("กรุณาตอบข้อ {}", names[half].trim_start_matches("q."))), "{problems}");
    let focused = browser.script("return document.activeElement.id;").await;
    assert_eq!(focused, "problems", "the summary of problems has the focus");
    let (_, answered) = questions(&browser).await;
    assert_eq!(answered, names[..half].to_vec(), "the answers given are kept");
    browser.screenshot("survey-iit-form-problems").await;
    // A problem's link leads to its question.
    browser.click("#problems a").await;
    let target = browser.script("return location.hash;").await;
    assert_eq!(target, format!("#{}-0", names[half].replace('.', "-")).as_str());

    for (index, name) in names.iter().enumerate().skip(half) {
        tap_answer(&browser, name, index % 2).await;
    }
    let count = names.len();
    assert_eq!(progress_text(&browser).await, format!("ตอบแล้ว {count} จาก {count} ข้อ"));
    browser.script("document.querySelector('button.survey-send').scrollIntoView({block: 'center'});").await;
    browser.screenshot("survey-iit-form-complete").await;
    browser.click("button.survey-send").await;
    browser.wait_for_path("/s/5150101/2565/iit/thanks").await;
    browser.wait_for_text("ขอบคุณ").await;
    browser.screenshot("survey-iit-thanks").await;

    // The draft is gone from the browser, and one response is stored.
    let started = Instant::now();
    while browser.script(&format!("return localStorage.getItem('{DRAFT_KEY}');")).await != Value::Null {
        assert!(started.elapsed() < Duration::from_secs(10), "the draft was never forgotten");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let counts = app.store.survey_counts(agency.id, round.id).await.unwrap();
    assert_eq!(counts.get("IIT"), Some(&1));

    // A round whose window has closed says so, with its dates.
    let closed = RoundDraft {
        fiscal_year: FiscalYear::new(2566).unwrap(),
        windows: RoundWindows {
            survey_from: Some(thai_day(-30)),
            survey_to: Some(thai_day(-1)),
            ..RoundWindows::default()
        },
        ..draft
    };
    app.store.create_round(&TestApp::admin_actor(), &closed).await.unwrap();
    browser.open_page("/s/5150101/2566/eit").await;
    browser.wait_for_text("ปิดรับคำตอบแล้ว").await;
    browser.screenshot("survey-closed").await;
    browser.close().await;
}

#[tokio::test]
async fn the_eit_asks_the_relation_first_and_switches_to_english_on_a_desktop() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_agency("5150101", "องค์การบริหารส่วนตำบลบ้านกลาง", "ลำพูน").await;
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(2565).unwrap(),
        methodology_year: 2565,
        methodology_variant: "nacc".into(),
        windows: RoundWindows {
            survey_from: Some(thai_day(-1)),
            survey_to: Some(thai_day(1)),
            ..RoundWindows::default()
        },
    };
    app.store.create_round(&TestApp::admin_actor(), &draft).await.unwrap();
    let browser = Browser::open(&app.address, DESKTOP).await;
    browser.open_page("/s/5150101/2565/eit").await;
    let (names, _) = questions(&browser).await;
    assert_eq!(names[0], "relation", "the relation comes first");
    browser.screenshot("survey-eit-form").await;
    browser.click("header.top a[lang=en]").await;
    browser.wait_for_text("How are you related to this agency?").await;
    let lang = browser.script("return document.documentElement.lang;").await;
    assert_eq!(lang, "en");
    let unlabelled = browser.script(UNLABELLED).await;
    assert_eq!(unlabelled, Value::Array(Vec::new()));
    browser.screenshot("survey-eit-form-english").await;
    browser.close().await;
}
