//! The staff side of the surveys: sample targets, progress against the year's minimum, live scores equal to
//! hand-computed ones, small-group suppression, CSV and XLSX exports, the national list and export, and computing
//! every agency's scores at the close. Responses are arranged through the store directly.

use std::io::Cursor;

use calamine::{Reader as _, Xlsx};
use ita_domain::Hundredths;
use ita_domain::platform::{FiscalYear, Role};
use ita_store::{Agency, Round, RoundDraft, RoundWindows, Submission, SubmissionOutcome};
use rand::RngCore as _;

use crate::helpers::{Client, Db, TestApp, spawn_app};

/// IIT of methodology 2565 has 51 sub-questions, EIT 19.
const IIT_COLUMNS: usize = 51;
const EIT_COLUMNS: usize = 19;

/// A round of fiscal year `year` with methodology `year`, whose survey window is open today or closed.
async fn round(app: &TestApp, year: i64, open: bool) -> Round {
    let (from, to) = if open { ("2020-01-01", "2099-12-31") } else { ("2020-01-01", "2020-01-31") };
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(year).unwrap(),
        methodology_year: u16::try_from(year).unwrap(),
        methodology_variant: "nacc".into(),
        windows: RoundWindows {
            survey_from: Some(from.into()),
            survey_to: Some(to.into()),
            ..RoundWindows::default()
        },
    };
    app.store.create_round(&TestApp::admin_actor(), &draft).await.unwrap()
}

/// Stores `answers` (one encoded string per respondent) as responses of `agency`.
async fn respond(
    app: &TestApp,
    agency: &Agency,
    round: &Round,
    instrument: &str,
    answers: &[(&str, String)],
) {
    let batch: Vec<Submission> = answers
        .iter()
        .map(|(relation, encoded)| {
            let mut nonce = [0u8; 16];
            rand::rng().fill_bytes(&mut nonce);
            Submission {
                agency_id: agency.id,
                round_id: round.id,
                instrument: instrument.to_string(),
                relation: (!relation.is_empty()).then(|| relation.to_string()),
                answers: encoded.clone(),
                day: "2025-03-01".into(),
                nonce,
                nonce_expires_at: 4_000_000_000,
                cap: None,
            }
        })
        .collect();
    let outcomes = app.store.submit_responses(&batch).await.unwrap();
    assert!(outcomes.iter().all(|outcome| *outcome == SubmissionOutcome::Stored), "{outcomes:?}");
}

/// `count` IIT respondents: the first answers every question with its first option, the others with the second.
fn iit_answers(count: usize) -> Vec<(&'static str, String)> {
    (0..count).map(|index| ("", if index == 0 { "0" } else { "1" }.repeat(IIT_COLUMNS))).collect()
}

struct Staff {
    app: TestApp,
    agency: Agency,
    round: Round,
    admin: Client,
}

/// An agency of อ่างทอง, a round of 2565 open for answers, and the agency's administrator signed in.
async fn staff(db: Db) -> Staff {
    let app = spawn_app(db).await;
    let agency = app.create_agency("5150101", "องค์การบริหารส่วนตำบลเขาทอง", "อ่างทอง").await;
    let round = round(&app, 2565, true).await;
    app.create_user("agency.admin", Role::AgencyAdmin, Some(&agency), None).await;
    let admin = app.signed_in("agency.admin").await;
    Staff { app, agency, round, admin }
}

impl Staff {
    fn page(&self) -> String {
        format!("/agencies/{}/rounds/{}/surveys", self.agency.id, self.round.id)
    }

    async fn post_targets(&mut self, iit: &str, eit: &str) -> crate::helpers::Reply {
        let page = self.page();
        let action = format!("{page}/targets");
        self.admin.submit(&page, &action, &[("iit_population", iit), ("eit_population", eit)]).await
    }
}

/// The text of the cell after the first cell reading exactly `label` (a score beside its item or indicator).
fn score_beside(html: &str, label: &str) -> Option<String> {
    let start = html.find(&format!(">{label}</td>"))?;
    let rest = &html[start..];
    let cell = rest.find("class=\"number\">")? + "class=\"number\">".len();
    let end = rest[cell..].find('<')? + cell;
    Some(rest[cell..end].to_string())
}

/// The score beside the first cell that begins with `prefix` (an indicator's row: "1. ...").
fn score_beside_prefix(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(&format!(">{prefix}"))?;
    let rest = &html[start..];
    let cell = rest.find("class=\"number\">")? + "class=\"number\">".len();
    let end = rest[cell..].find('<')? + cell;
    Some(rest[cell..end].to_string())
}

/// The part of a page about one instrument's scores.
fn scores_of<'a>(html: &'a str, instrument: &str) -> &'a str {
    let start = html.find("id=\"scores\"").expect("a scores section");
    let section = &html[start..];
    let begin = section.find(&format!("<h3>{instrument}:")).expect("the instrument's scores");
    let section = &section[begin..];
    let end = section[4..]
        .find("<h3>")
        .map(|end| end + 4)
        .or_else(|| section.find("id=\"exports\""))
        .unwrap_or(section.len());
    &section[..end]
}

async fn targets_are_checked_and_saved(db: Db) {
    let mut staff = staff(db).await;
    let negative = staff.post_targets("-5", "1000").await;
    assert_eq!(negative.status, 422);
    assert!(negative.body.contains("จำนวนต้องไม่ติดลบ"), "{}", negative.body);
    assert!(negative.body.contains("value=\"-5\""), "the form keeps what was typed");
    let not_a_number = staff.post_targets("120", "หนึ่งพัน").await;
    assert_eq!(not_a_number.status, 422);
    assert!(not_a_number.body.contains("ไม่ใช่จำนวนเต็ม"), "{}", not_a_number.body);
    let stored = staff.app.store.survey_target(staff.agency.id, staff.round.id).await.unwrap();
    assert!(stored.is_none_or(|target| target.iit_population.is_none() && target.eit_population.is_none()));
    let saved = staff.post_targets("120", "1,000").await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let target = staff.app.store.survey_target(staff.agency.id, staff.round.id).await.unwrap().unwrap();
    assert_eq!((target.iit_population, target.eit_population), (Some(120), Some(1000)));
}

#[tokio::test]
async fn targets_are_checked_and_saved_on_sqlite() {
    targets_are_checked_and_saved(Db::Sqlite).await;
}

#[tokio::test]
async fn targets_are_checked_and_saved_on_postgres() {
    targets_are_checked_and_saved(Db::Postgres).await;
}

#[tokio::test]
async fn progress_follows_the_minimum_sample_rule_of_the_round_s_year() {
    let mut staff = staff(Db::Sqlite).await;
    // 2565: everyone up to 30, else 10% but at least 30, at most 400.
    assert_eq!(staff.post_targets("120", "1000").await.status, 303);
    respond(&staff.app, &staff.agency, &staff.round, "IIT", &iit_answers(6)).await;
    let page = staff.admin.get(&staff.page()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<dd>30 <span"), "IIT minimum 30 of 120: {}", page.body);
    assert!(page.body.contains("<dd>100 <span"), "EIT minimum 100 of 1000");
    assert!(page.body.contains("ขาดอีก 24 คน"), "30 - 6");
    assert!(page.body.contains("ขาดอีก 100 คน"));
    assert!(page.body.contains("<progress max=\"100\" value=\"20\""), "6 of 30 is 20%");
    // 2568: a small agency answers in full, a large one stops at 400.
    let round_2568 = round(&staff.app, 2568, true).await;
    let path = format!("/agencies/{}/rounds/{}/surveys", staff.agency.id, round_2568.id);
    let action = format!("{path}/targets");
    let saved =
        staff.admin.submit(&path, &action, &[("iit_population", "25"), ("eit_population", "5000")]).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = staff.admin.get(&path).await;
    assert!(page.body.contains("<dd>25 <span") && page.body.contains("ขาดอีก 25 คน"), "{}", page.body);
    assert!(page.body.contains("<dd>400 <span") && page.body.contains("ขาดอีก 400 คน"));
}

async fn live_scores_equal_hand_computed_ones(db: Db) {
    let mut staff = staff(db).await;
    respond(&staff.app, &staff.agency, &staff.round, "IIT", &iit_answers(5)).await;
    let page = staff.admin.get(&staff.page()).await;
    assert_eq!(page.status, 200);
    let iit = scores_of(&page.body, "IIT");
    assert!(iit.contains("คะแนนชั่วคราว (ระหว่างเปิดตอบ)"), "{iit}");
    // One respondent gives every first option, four every second: four_positive 0 and 100/3, so (4 x 100/3) / 5;
    // four_negative 100 and 200/3; yes_no_bad "yes" 0 and "no" 100; I11 mixes a positive and a negative
    // sub-question, 50 for everyone.
    assert_eq!(score_beside(iit, "I1").as_deref(), Some("26.67"));
    assert_eq!(score_beside(iit, "I4").as_deref(), Some("80.00"));
    assert_eq!(score_beside(iit, "I9").as_deref(), Some("73.33"));
    assert_eq!(score_beside(iit, "I11").as_deref(), Some("50.00"));
    // Indicator 1: I1-I3 at 80/3 and I4-I6 at 80, mean of items = 160/3.
    assert_eq!(score_beside_prefix(iit, "1. ").as_deref(), Some("53.33"), "{iit}");
    // Indicator 4: two four_negative items at 220/3 and four four_positive at 80/3: 760/18.
    assert_eq!(score_beside_prefix(iit, "4. ").as_deref(), Some("42.22"));
    // Once the window has closed, the same scores are the final ones.
    let closed = round(&staff.app, 2566, false).await;
    let closed_page =
        staff.admin.get(&format!("/agencies/{}/rounds/{}/surveys", staff.agency.id, closed.id)).await;
    assert!(closed_page.body.contains("คะแนนเมื่อปิดการตอบ"), "{}", closed_page.body);
}

#[tokio::test]
async fn live_scores_equal_hand_computed_ones_on_sqlite() {
    live_scores_equal_hand_computed_ones(Db::Sqlite).await;
}

#[tokio::test]
async fn live_scores_equal_hand_computed_ones_on_postgres() {
    live_scores_equal_hand_computed_ones(Db::Postgres).await;
}

#[tokio::test]
async fn four_respondents_show_no_score_and_no_count_and_five_do() {
    let mut staff = staff(Db::Sqlite).await;
    assert_eq!(staff.post_targets("120", "1000").await.status, 303);
    respond(&staff.app, &staff.agency, &staff.round, "IIT", &iit_answers(4)).await;
    let page = staff.admin.get(&staff.page()).await;
    let iit = scores_of(&page.body, "IIT");
    assert!(iit.contains("มีผู้ตอบน้อยกว่า 5 คน จึงยังไม่แสดงคะแนน"), "{iit}");
    assert!(iit.contains("จำนวนผู้ตอบ: น้อยกว่า 5"), "{iit}");
    assert!(score_beside(iit, "I1").is_none() && !iit.contains("<table"), "no score of four people: {iit}");
    assert!(page.body.contains("<dd>น้อยกว่า 5</dd>"), "the progress says fewer than 5, not 4");
    assert!(page.body.contains("ขาดอีกอย่างน้อย 26 คน") && !page.body.contains("ขาดอีก 26 คน"));
    assert!(!page.body.contains("value=\"13\""), "no bar that gives the count away");
    let csv = staff.admin.get(&format!("{}/responses.csv?instrument=IIT", staff.page())).await;
    assert_eq!(csv.status, 409, "four responses are too few to export");
    assert!(csv.body.contains("น้อยกว่า 5 คน"), "{}", csv.body);

    respond(&staff.app, &staff.agency, &staff.round, "IIT", &iit_answers(1)).await;
    let page = staff.admin.get(&staff.page()).await;
    let iit = scores_of(&page.body, "IIT");
    assert!(iit.contains("จำนวนผู้ตอบ: 5"), "{iit}");
    assert!(score_beside(iit, "I1").is_some(), "five respondents are shown: {iit}");
}

/// Nine EIT respondents: six service users (all second options) and three contacts (all first options).
fn eit_answers() -> Vec<(&'static str, String)> {
    let mut answers: Vec<(&str, String)> =
        (0..6).map(|_| ("service_user", "1".repeat(EIT_COLUMNS))).collect();
    answers.extend((0..3).map(|_| ("contact", "0".repeat(EIT_COLUMNS))));
    answers
}

async fn exports_blank_small_relations_and_open_as_the_same_rows(db: Db) {
    let mut staff = staff(db).await;
    respond(&staff.app, &staff.agency, &staff.round, "EIT", &eit_answers()).await;
    let csv = staff.admin.get(&format!("{}/responses.csv?instrument=EIT", staff.page())).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a byte-order mark");
    let text = std::str::from_utf8(&csv.bytes[3..]).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[..5], ["agency_code", "instrument", "relation", "E1.1", "E1.2"]);
    assert_eq!(header.len(), 3 + EIT_COLUMNS);
    let rows: Vec<Vec<String>> =
        reader.records().map(|record| record.unwrap().iter().map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 9);
    let service_users: Vec<&Vec<String>> = rows.iter().filter(|row| row[2] == "service_user").collect();
    let blank: Vec<&Vec<String>> = rows.iter().filter(|row| row[2].is_empty()).collect();
    assert_eq!(
        (service_users.len(), blank.len()),
        (6, 3),
        "three contacts are too few to name their relation"
    );
    assert!(rows.iter().all(|row| row[0] == "5150101" && row[1] == "EIT"));
    // Answers as option codes: E1.1 is four_positive (second option "1"), E4.1 yes_no_bad ("no").
    let e4 = header.iter().position(|name| name == "E4.1").unwrap();
    assert_eq!((service_users[0][3].as_str(), service_users[0][e4].as_str()), ("1", "no"));
    assert_eq!((blank[0][3].as_str(), blank[0][e4].as_str()), ("0", "yes"));

    let xlsx = staff.admin.get(&format!("{}/responses.xlsx?instrument=EIT", staff.page())).await;
    assert_eq!(xlsx.status, 200);
    let mut workbook = Xlsx::new(Cursor::new(xlsx.bytes)).expect("the export opens as a workbook");
    let range = workbook.worksheet_range("responses").unwrap();
    let sheet: Vec<Vec<String>> =
        range.rows().map(|row| row.iter().map(|cell| cell.to_string()).collect()).collect();
    assert_eq!(sheet[0], header);
    assert_eq!(sheet[1..], rows[..], "the workbook holds the CSV's rows");
}

#[tokio::test]
async fn exports_blank_small_relations_and_open_as_the_same_rows_on_sqlite() {
    exports_blank_small_relations_and_open_as_the_same_rows(Db::Sqlite).await;
}

#[tokio::test]
async fn exports_blank_small_relations_and_open_as_the_same_rows_on_postgres() {
    exports_blank_small_relations_and_open_as_the_same_rows(Db::Postgres).await;
}

#[tokio::test]
async fn the_iit_code_is_eight_clear_characters_and_a_new_one_replaces_it() {
    let mut staff = staff(Db::Sqlite).await;
    let page = staff.admin.get(&staff.page()).await;
    assert!(page.body.contains("สร้างรหัสเข้าตอบ") && !page.body.contains("poster-iit.pdf"));
    let action = format!("{}/code", staff.page());
    let page_path = staff.page();
    assert_eq!(staff.admin.submit(&page_path, &action, &[]).await.status, 303);
    let first = staff.app.store.survey_link(staff.agency.id, staff.round.id).await.unwrap().unwrap().iit_code;
    assert_eq!(first.len(), 8);
    assert!(first.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    assert!(!first.contains(['0', 'O', '1', 'I']));
    let page = staff.admin.get(&staff.page()).await;
    assert!(page.body.contains(&first) && page.body.contains("poster-iit.pdf"));
    assert!(page.body.contains("/s/5150101/2565/iit") && page.body.contains("/s/5150101/2565/eit"));
    assert_eq!(staff.admin.submit(&page_path, &action, &[]).await.status, 303);
    let second =
        staff.app.store.survey_link(staff.agency.id, staff.round.id).await.unwrap().unwrap().iit_code;
    assert_ne!(first, second);
    // An analyst of the province reads the page but not the code.
    staff.app.create_user("analyst", Role::ProvincialAnalyst, None, Some("อ่างทอง")).await;
    let mut analyst = staff.app.signed_in("analyst").await;
    let page = analyst.get(&staff.page()).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(&second));
    assert_eq!(analyst.get(&format!("{}/poster-iit.pdf", staff.page())).await.status, 403);
}

#[tokio::test]
async fn the_posters_are_pdf_files_with_the_link() {
    let mut staff = staff(Db::Sqlite).await;
    let page_path = staff.page();
    assert_eq!(staff.admin.submit(&page_path, &format!("{page_path}/code"), &[]).await.status, 303);
    for instrument in ["iit", "eit"] {
        let poster = staff.admin.get(&format!("{page_path}/poster-{instrument}.pdf")).await;
        assert_eq!(poster.status, 200, "{}", poster.body);
        assert!(poster.bytes.starts_with(b"%PDF"), "{instrument}");
        assert_eq!(poster.headers["content-type"], "application/pdf");
    }
}

async fn the_national_list_export_and_compute(db: Db) {
    let app = spawn_app(db).await;
    let ours = app.create_agency("ours-1001", "อบต.บ้านเรา", "อ่างทอง").await;
    let near = app.create_agency("near-1002", "อบต.ใกล้เคียง", "อ่างทอง").await;
    let far = app.create_agency("far-2001", "อบต.ไกลออกไป", "ลพบุรี").await;
    let round = round(&app, 2565, false).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    app.create_user("analyst", Role::ProvincialAnalyst, None, Some("อ่างทอง")).await;
    app.store
        .put_survey_target(&TestApp::admin_actor(), ours.id, round.id, Some(20), Some(10))
        .await
        .unwrap();
    respond(&app, &ours, &round, "IIT", &iit_answers(20)).await;
    respond(&app, &ours, &round, "EIT", &eit_answers()).await;
    respond(&app, &ours, &round, "EIT", &[("service_user", "1".repeat(EIT_COLUMNS))]).await;
    respond(&app, &near, &round, "IIT", &iit_answers(3)).await;
    respond(&app, &far, &round, "IIT", &iit_answers(5)).await;

    let mut analyst = app.signed_in("analyst").await;
    let list = analyst.get(&format!("/rounds/{}/surveys", round.id)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("near-1002"), "near has declared nothing: still listed");
    assert!(!list.body.contains("ours-1001"), "ours reached both minimums (20 of 20, 10 of 10)");
    assert!(!list.body.contains("far-2001"), "another province");
    let all = analyst.get(&format!("/rounds/{}/surveys?show=all&province=ลพบุรี", round.id)).await;
    assert!(all.body.contains("ours-1001") && !all.body.contains("far-2001"), "an analyst sees only theirs");
    assert!(all.body.contains("น้อยกว่า 5 / -"), "near's three responses read fewer than 5");
    let csv = analyst.get(&format!("/rounds/{}/surveys/responses.csv?instrument=IIT", round.id)).await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8_lossy(&csv.bytes[3..]).to_string();
    assert_eq!(text.lines().count(), 1 + 20, "ours only: near has too few, far is elsewhere");
    assert!(text.lines().skip(1).all(|line| line.starts_with("ours-1001,IIT,,")));

    let mut admin = app.signed_in("admin").await;
    let csv = admin.get(&format!("/rounds/{}/surveys/responses.csv?instrument=IIT", round.id)).await;
    let text = String::from_utf8_lossy(&csv.bytes[3..]).to_string();
    assert_eq!(text.lines().count(), 1 + 20 + 5, "ours and far; near's three are left out");
    let path = format!("/rounds/{}/surveys", round.id);
    let computed = admin.submit(&path, &format!("{path}/compute"), &[]).await;
    assert_eq!(computed.status, 303, "{}", computed.body);
    let scores = app.store.survey_scores(ours.id, round.id).await.unwrap().expect("ours has scores");
    assert_eq!((scores.iit_respondents, scores.eit_respondents), (20, 10));
    // IIT: one first-option and nineteen second-option respondents; indicator 1 is the mean of I1-I3
    // (19 x 100/3 / 20 = 95/3) and I4-I6 (19 x 100 / 20 = 95): 190/3.
    assert_eq!(scores.indicators.get(&1), Some(&Hundredths(6333)));
    // EIT indicator 8 (E11-E15, four_positive): seven second options of ten: 7 x 100/3 / 10 = 23.33.
    assert_eq!(scores.indicators.get(&8), Some(&Hundredths(2333)));
    let far_scores = app.store.survey_scores(far.id, round.id).await.unwrap().expect("far has scores");
    assert_eq!(far_scores.iit_respondents, 5);
    let page = admin.get(computed.location()).await;
    assert!(page.body.contains("คำนวณและบันทึกคะแนนแบบวัดแล้ว 3 หน่วยงาน"), "{}", page.body);
    // The compute is in the audit log under the administrator's name.
    let audit =
        app.store.audit(&ita_store::AuditQuery { agency_id: None, offset: 0, limit: 50 }).await.unwrap();
    let entry = audit.items.iter().find(|entry| entry.action == "survey_scores.compute").expect("audited");
    assert_eq!((entry.actor_name.as_str(), entry.subject.clone()), ("คุณ admin", round.id.to_string()));
    assert_eq!(entry.detail, serde_json::json!({ "agencies": 3 }));
}

#[tokio::test]
async fn the_national_list_export_and_compute_on_sqlite() {
    the_national_list_export_and_compute(Db::Sqlite).await;
}

#[tokio::test]
async fn the_national_list_export_and_compute_on_postgres() {
    the_national_list_export_and_compute(Db::Postgres).await;
}

#[tokio::test]
async fn only_those_the_rules_name_may_export_or_change_anything() {
    let mut staff = staff(Db::Sqlite).await;
    respond(&staff.app, &staff.agency, &staff.round, "IIT", &iit_answers(5)).await;
    staff.app.create_user("editor", Role::AgencyEditor, Some(&staff.agency), None).await;
    let mut editor = staff.app.signed_in("editor").await;
    let page = editor.get(&staff.page()).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("responses.csv") && !page.body.contains("name=\"iit_population\""));
    assert_eq!(editor.get(&format!("{}/responses.csv?instrument=IIT", staff.page())).await.status, 403);
    let refused =
        editor.submit(&staff.page(), &format!("{}/targets", staff.page()), &[("iit_population", "10")]).await;
    assert_eq!(refused.status, 403);
    assert!(staff.app.store.survey_target(staff.agency.id, staff.round.id).await.unwrap().is_none());
    let wrong = staff.admin.get(&format!("{}/responses.csv?instrument=OIT", staff.page())).await;
    assert_eq!(wrong.status, 422, "OIT is no survey");
    let list = staff.admin.get(&format!("/rounds/{}/surveys", staff.round.id)).await;
    assert_eq!(list.status, 403, "the national list is not an agency's");
}
