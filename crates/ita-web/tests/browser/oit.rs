//! The OIT from answer to clarification in a real browser: the agency's administrator answers two items (the
//! other 41 were saved as drafts before) and submits; the server keeps snapshots of the evidence (from a
//! small local web server, allowed by the fetcher's allow list); the assessor passes one item and fails the
//! other, first without a reason (refused, nothing saved) and then with a reason and guidance; after the
//! review the agency sees the failure and disputes it; the assessor confirms it. The round's windows are
//! moved through the store between steps, as the calendar would move them. Screenshots of every step are
//! kept.

use std::time::{Duration, Instant};

use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role};
use ita_store::{AgencyDraft, OitAnswerDraft, Round, RoundDraft, RoundWindows};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::harness::{Browser, DESKTOP, PHONE, Viewport};
use crate::helpers::{Db, TestApp, spawn_app_with};
use crate::tour::UNLABELLED;

/// A window over long ago, open now, or not begun.
#[derive(Debug, Clone, Copy)]
enum When {
    Past,
    Now,
    Future,
}

fn dates(when: When) -> (Option<String>, Option<String>) {
    let (from, to) = match when {
        When::Past => ("2020-01-01", "2020-01-31"),
        When::Now => ("2020-02-01", "2099-12-31"),
        When::Future => ("2099-01-01", "2099-12-31"),
    };
    (Some(from.into()), Some(to.into()))
}

/// Moves the round's answering, review and clarification windows.
async fn set_windows(app: &TestApp, round: &Round, answer: When, review: When, clarification: When) {
    let (oit_answer_from, oit_answer_to) = dates(answer);
    let (oit_review_from, oit_review_to) = dates(review);
    let (clarification_from, clarification_to) = dates(clarification);
    let draft = RoundDraft {
        fiscal_year: round.fiscal_year,
        methodology_year: round.methodology_year,
        methodology_variant: round.methodology_variant.clone(),
        windows: RoundWindows {
            oit_answer_from,
            oit_answer_to,
            oit_review_from,
            oit_review_to,
            clarification_from,
            clarification_to,
            ..RoundWindows::default()
        },
    };
    app.store.update_round(&TestApp::admin_actor(), round.id, &draft).await.unwrap();
}

/// The agency's website on loopback: every path answers a small Thai page.
async fn evidence_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") && request.len() < 16_384 {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                }
                let body = "<!DOCTYPE html><html lang=\"th\"><body><h1>แผนผังโครงสร้างองค์การบริหารส่วนตำบล</h1></body></html>";
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

/// Scrolls what the CSS selector finds to the middle of the screen (away from the sticky save bar) and clicks
/// it.
async fn click_centered(browser: &Browser, css: &str) {
    browser.find(css).await;
    browser
        .script(&format!(
            "document.querySelector({}).scrollIntoView({{block: 'center'}});",
            serde_json::to_string(css).unwrap()
        ))
        .await;
    browser.click(css).await;
}

/// Waits until the page shown says `words`; read by a script, so that a page replaced while it is read (a
/// form sent, its answer arriving) is simply read again.
async fn wait_for_words(browser: &Browser, words: &str) {
    let started = Instant::now();
    loop {
        let text = browser.script("return document.body ? document.body.innerText : '';").await;
        if text.as_str().is_some_and(|text| text.contains(words)) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the page never said {words}: {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_out(browser: &Browser) {
    browser.click("form[action='/sign-out'] button").await;
    browser.wait_for_path("/sign-in").await;
}

async fn answer_review_dispute_confirm(viewport: Viewport) {
    let port = evidence_server().await;
    let app =
        spawn_app_with(Db::Sqlite, |settings| settings.snapshot_allow = vec!["127.0.0.1/32".into()]).await;
    let website = format!("http://127.0.0.1:{port}");
    let agency = app
        .store
        .create_agency(
            &TestApp::admin_actor(),
            &AgencyDraft {
                code: AgencyCode::parse("5150101").unwrap(),
                name_th: "องค์การบริหารส่วนตำบลเขาทอง".into(),
                name_en: Some("Khao Thong Subdistrict Administrative Organization".into()),
                kind: AgencyKind::SubdistrictAdministration,
                province: "นครสวรรค์".into(),
                district: Some("พยุหะคีรี".into()),
                parent_id: None,
                website: Some(website.clone()),
                contact: None,
            },
        )
        .await
        .unwrap();
    let round = app
        .store
        .create_round(
            &TestApp::admin_actor(),
            &RoundDraft {
                fiscal_year: FiscalYear::new(2565).unwrap(),
                methodology_year: 2565,
                methodology_variant: "nacc".into(),
                windows: RoundWindows::default(),
            },
        )
        .await
        .unwrap();
    set_windows(&app, &round, When::Now, When::Future, When::Future).await;
    app.create_user("clerk", Role::AgencyAdmin, Some(&agency), None).await;
    let assessor = app.create_user("assessor", Role::Assessor, None, None).await;
    app.store.set_assignment(&TestApp::admin_actor(), assessor.id, agency.id, true).await.unwrap();
    // Items O3 to O43 were answered earlier, as drafts ("ไม่มี").
    let earlier: Vec<OitAnswerDraft> = (3..=43)
        .map(|number| OitAnswerDraft {
            item_code: format!("O{number}"),
            has: false,
            urls: Vec::new(),
            explanation: "อยู่ระหว่างจัดทำ".into(),
        })
        .collect();
    let clerk_actor = ita_store::Actor::system("clerk");
    app.store.put_oit_answers(&clerk_actor, agency.id, round.id, &earlier, false).await.unwrap();
    let agency_page = format!("/agencies/{}/rounds/{}/oit", agency.id, round.id);
    let review_page = format!("/review/{}/{}", agency.id, round.id);
    let browser = Browser::open(&app.address, viewport).await;

    // 1. The agency answers O1 and O2 and submits everything.
    browser.sign_in("clerk").await;
    browser.open_page(&agency_page).await;
    click_centered(&browser, "input[name='has.O1'][value='yes']").await;
    browser.type_into("#urls-O1", &format!("{website}/structure")).await;
    browser.type_into("#explanation-O1", "แผนผังโครงสร้างอยู่ที่หน้าเกี่ยวกับเรา").await;
    click_centered(&browser, "input[name='has.O2'][value='yes']").await;
    // The executives' page is given by another name of the host: outside the website, as the assessor is
    // warned.
    browser.type_into("#urls-O2", &format!("http://localhost:{port}/executives")).await;
    browser.screenshot("oit-agency-answers").await;
    click_centered(&browser, "button[name='action'][value='submit']").await;
    // The page comes back to itself, saying so.
    let started = Instant::now();
    while !browser.path().await.ends_with("saved=submitted") {
        assert!(started.elapsed() < Duration::from_secs(20), "no submission: {}", browser.main_text().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let submitted = app.store.oit_answers(agency.id, round.id).await.unwrap();
    assert_eq!(submitted.len(), 43);
    assert!(submitted.iter().all(|answer| answer.submitted_at.is_some()), "every item is submitted");
    // Each URL is fetched once, in the background.
    let started = Instant::now();
    while app.store.oit_snapshots(agency.id, round.id).await.unwrap().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(30), "the evidence was never fetched");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.screenshot("oit-agency-submitted").await;
    sign_out(&browser).await;

    // 2. The review opens; the assessor finds the agency in its list.
    set_windows(&app, &round, When::Past, When::Now, When::Future).await;
    browser.sign_in("assessor").await;
    browser.click("header.top a[href='/review']").await;
    browser.wait_for_path("/review").await;
    let list = browser.find("#review-list").await.text().await.unwrap();
    assert!(list.contains("องค์การบริหารส่วนตำบลเขาทอง") && list.contains("43 / 43"), "{list}");
    browser.screenshot("oit-review-list").await;
    click_centered(&browser, &format!("a[href='{review_page}']")).await;
    browser.wait_for_path(&review_page).await;
    let evidence = browser.find("#item-O1 .snapshot").await.text().await.unwrap();
    assert!(evidence.contains("ดึงข้อมูลแล้ว") && evidence.contains("200"), "the snapshot beside O1: {evidence}");
    let link = browser
        .script("const a = document.querySelector('#item-O1 a.live'); return [a.target, a.rel];")
        .await;
    assert_eq!(link, serde_json::json!(["_blank", "noopener noreferrer"]));
    let warning = browser.find("#item-O2 .outside-domain").await.text().await.unwrap();
    assert!(warning.contains("localhost"), "O2 is outside the website: {warning}");
    assert_eq!(browser.script(UNLABELLED).await, Value::Array(Vec::new()), "every field has a label");

    // A failure without a reason is refused, and nothing at all is saved.
    click_centered(&browser, "input[name='verdict.O1'][value='pass']").await;
    click_centered(&browser, "input[name='verdict.O2'][value='fail']").await;
    click_centered(&browser, "#save-verdicts").await;
    let problem = browser.find("#item-O2 .field-error").await.text().await.unwrap();
    assert!(problem.contains("ผลไม่ผ่านต้องระบุเหตุผล"), "{problem}");
    assert!(app.store.oit_verdicts(agency.id, round.id).await.unwrap().is_empty());
    browser.screenshot("oit-review-refused").await;
    browser.type_into("#reason-O2", "หน้าผู้บริหารไม่มีรูปถ่ายและช่องทางการติดต่อ").await;
    browser.type_into("#guidance-O2", "ให้เพิ่มรูปถ่าย ตำแหน่ง และช่องทางการติดต่อของผู้บริหารทุกคน").await;
    click_centered(&browser, "#save-verdicts").await;
    wait_for_words(&browser, "บันทึกผลการตรวจแล้ว 2 ข้อ").await;
    let nine = browser.find("#indicator-9-score").await.text().await.unwrap();
    // 9.1 has one of two judged items passing (50), no other sub-indicator has a verdict.
    assert_eq!(nine, "50.00");
    browser.screenshot("oit-review-saved").await;
    sign_out(&browser).await;

    // 3. The review is over: the agency sees the failure with its guidance and disputes it.
    set_windows(&app, &round, When::Past, When::Past, When::Now).await;
    browser.sign_in("clerk").await;
    browser.open_page(&agency_page).await;
    let failure = browser.find("#verdict-O2").await.text().await.unwrap();
    assert!(failure.contains("ให้เพิ่มรูปถ่าย ตำแหน่ง และช่องทางการติดต่อของผู้บริหารทุกคน"), "{failure}");
    browser
        .type_into("#statement-O2", &format!("รูปถ่ายและช่องทางติดต่ออยู่ท้ายหน้า http://localhost:{port}/executives"))
        .await;
    click_centered(&browser, "#verdict-O2 form button[type='submit']").await;
    let started = Instant::now();
    while app.store.oit_disputes(agency.id, round.id).await.unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(20), "the dispute was never filed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for_words(&browser, "รูปถ่ายและช่องทางติดต่ออยู่ท้ายหน้า").await;
    browser.screenshot("oit-agency-dispute").await;
    sign_out(&browser).await;

    // 4. The assessor reads the statement and confirms the failure, with a reason.
    browser.sign_in("assessor").await;
    browser.open_page(&review_page).await;
    let dispute = browser.find("#dispute-O2").await.text().await.unwrap();
    assert!(dispute.contains("รูปถ่ายและช่องทางติดต่ออยู่ท้ายหน้า"), "{dispute}");
    browser.screenshot("oit-review-dispute").await;
    click_centered(&browser, "#dispute-O2 input[name='decision'][value='confirm']").await;
    browser.type_into("#dispute-reason-O2", "ท้ายหน้ามีเพียงหมายเลขโทรศัพท์กลาง ไม่มีรูปถ่ายของผู้บริหาร").await;
    click_centered(&browser, "#dispute-O2 button[type='submit']").await;
    wait_for_words(&browser, "บันทึกผลการพิจารณาข้อโต้แย้งข้อ O2 แล้ว").await;
    let resolution = browser.find("#dispute-O2 .resolution").await.text().await.unwrap();
    assert!(resolution.contains("ยืนยันผลไม่ผ่าน"), "{resolution}");
    browser.screenshot("oit-review-confirmed").await;
    let disputes = app.store.oit_disputes(agency.id, round.id).await.unwrap();
    assert_eq!(disputes[0].confirmed, Some(true));
    let verdicts = app.store.oit_verdicts(agency.id, round.id).await.unwrap();
    let o2 = verdicts.iter().find(|verdict| verdict.item_code == "O2").unwrap();
    assert_eq!((o2.passed, o2.stage.as_str()), (false, "clarification"));
    browser.close().await;
}

#[tokio::test]
async fn an_answer_is_reviewed_disputed_and_confirmed_on_a_desktop() {
    answer_review_dispute_confirm(DESKTOP).await;
}

#[tokio::test]
async fn an_answer_is_reviewed_disputed_and_confirmed_on_a_phone() {
    answer_review_dispute_confirm(PHONE).await;
}
