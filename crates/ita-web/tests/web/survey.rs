//! The respondent's side of the IIT and EIT surveys, as a respondent meets it: open the link, answer, send, and
//! every way that can go wrong (replayed or forged form, closed window, wrong access code, missing or
//! out-of-scale answer, headcount reached, body too large, a flood from one address); each checked against what
//! the store then holds.

use std::net::IpAddr;

use futures_util::StreamExt as _;
use ita_domain::methodology::{Catalog, MethodologyId};
use ita_domain::platform::FiscalYear;
use ita_domain::questionnaire::Questionnaire;
use ita_domain::thai::CalendarDate;
use ita_store::{Agency, ResponseQuery, Round, RoundDraft, RoundWindows, StoredResponse};

use crate::helpers::{Db, TestApp, spawn_app};

const FISCAL_YEAR: i64 = 2565;
const ACCESS_CODE: &str = "K7P4Q9";

/// Today in Thailand, `days` days from now, as `YYYY-MM-DD`.
fn thai_day(days: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let date = CalendarDate::from_days_since_1970((now + 7 * 3600).div_euclid(86_400) + days);
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

fn questionnaire(instrument: &str) -> Questionnaire {
    let catalog = Catalog::builtin().unwrap();
    Questionnaire::new(catalog.get(&MethodologyId::nacc(2565)).unwrap(), instrument).unwrap()
}

/// An agency and a 2565 round whose survey window runs from `from` to `to` days around today.
async fn agency_and_round(app: &TestApp, from: i64, to: i64) -> (Agency, Round) {
    let agency = app.create_agency("5150101", "องค์การบริหารส่วนตำบลบ้านกลาง", "ลำพูน").await;
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(FISCAL_YEAR).unwrap(),
        methodology_year: 2565,
        methodology_variant: "nacc".into(),
        windows: RoundWindows {
            survey_from: Some(thai_day(from)),
            survey_to: Some(thai_day(to)),
            ..RoundWindows::default()
        },
    };
    let round = app.store.create_round(&TestApp::admin_actor(), &draft).await.unwrap();
    (agency, round)
}

/// The agency admin's side, done directly: the IIT link with its access code, and the declared headcount.
async fn open_iit(app: &TestApp, agency: &Agency, round: &Round, headcount: Option<u32>) {
    app.store.put_survey_link(&TestApp::admin_actor(), agency.id, round.id, ACCESS_CODE).await.unwrap();
    if headcount.is_some() {
        app.store
            .put_survey_target(&TestApp::admin_actor(), agency.id, round.id, headcount, None)
            .await
            .unwrap();
    }
}

async fn stored(app: &TestApp, round: &Round) -> Vec<StoredResponse> {
    let query = ResponseQuery { round_id: round.id, ..ResponseQuery::default() };
    app.store.responses(query).map(|row| row.unwrap()).collect().await
}

async fn count(app: &TestApp, agency: &Agency, round: &Round, instrument: &str) -> i64 {
    app.store.survey_counts(agency.id, round.id).await.unwrap().get(instrument).copied().unwrap_or(0)
}

/// What came back to a respondent.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get("location").and_then(|value| value.to_str().ok()).unwrap_or("")
    }

    /// The form's single-use token.
    fn token(&self) -> String {
        let marker = "name=\"token\" value=\"";
        let start = self.body.find(marker).unwrap_or_else(|| panic!("no token on the page: {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }
}

/// A person with a phone: no account and no cookie, from one network address.
struct Respondent {
    http: reqwest::Client,
    base: String,
}

impl Respondent {
    fn new(app: &TestApp) -> Respondent {
        Respondent::from_address(app, "127.0.0.1".parse().unwrap())
    }

    /// A respondent whose connections come from `address` (any 127.x.y.z reaches the app on Linux).
    fn from_address(app: &TestApp, address: IpAddr) -> Respondent {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(address)
            .build()
            .unwrap();
        Respondent { http, base: app.address.clone() }
    }

    async fn finish(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Reply { status, headers, body }
    }

    async fn get(&self, path: &str) -> Reply {
        Respondent::finish(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    /// Opens the form's link (for IIT, the code page).
    async fn open_survey_form(&self, instrument: &str) -> Reply {
        self.get(&format!("/s/5150101/{FISCAL_YEAR}/{instrument}")).await
    }

    /// Types the access code on the IIT code page and sends it.
    async fn enter_access_code(&self, code: &str) -> Reply {
        self.get(&format!("/s/5150101/{FISCAL_YEAR}/iit?code={code}")).await
    }

    async fn submit_survey(&self, instrument: &str, fields: &[(String, String)]) -> Reply {
        let response = self
            .http
            .post(format!("{}/s/5150101/{FISCAL_YEAR}/{instrument}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        Respondent::finish(response).await
    }
}

/// Every question of the form answered (the option of each sub-question picked by its position, so that the
/// answers differ from one question to the next), the relation first for EIT; and the answer string the store
/// must then hold.
fn answer_every_question(questionnaire: &Questionnaire, token: &str) -> (Vec<(String, String)>, String) {
    let mut fields = vec![("token".to_string(), token.to_string())];
    if let Some(relation) = questionnaire.relations().get(1) {
        fields.push(("relation".to_string(), relation.code.clone()));
    }
    let mut expected = String::new();
    for (column, (_, sub)) in questionnaire.columns().enumerate() {
        let index = column % sub.options.len();
        fields.push((sub.field.clone(), sub.options[index].code.clone()));
        expected.push(ita_domain::questionnaire::option_char(index).unwrap());
    }
    (fields, expected)
}

fn without(fields: &[(String, String)], name: &str) -> Vec<(String, String)> {
    fields.iter().filter(|(key, _)| key != name).cloned().collect()
}

fn replaced(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(key, old)| (key.clone(), if key == name { value.to_string() } else { old.clone() }))
        .collect()
}

async fn an_eit_and_an_iit_response_are_stored_with_nothing_else(db: Db) {
    let app = spawn_app(db).await;
    let (agency, round) = agency_and_round(&app, -3, 3).await;
    open_iit(&app, &agency, &round, None).await;
    let respondent = Respondent::new(&app);

    // EIT: the public link shows the whole form, the relation first, with the promise of anonymity on top.
    let eit = questionnaire("EIT");
    let form = respondent.open_survey_form("eit").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("ระบบไม่เก็บชื่อ ที่อยู่ไอพี รหัสเข้าตอบ หรือเวลาที่ตอบ"), "{}", form.body);
    assert!(form.body.contains("องค์การบริหารส่วนตำบลบ้านกลาง"));
    assert!(form.body.contains("<script src=\"/static/survey.js\""), "the draft-keeping script is linked");
    let relation_at = form.body.find("name=\"relation\"").expect("EIT asks the relation");
    for (_, sub) in eit.columns() {
        let at = form.body.find(&format!("name=\"{}\"", sub.field));
        assert!(at.is_some_and(|at| at > relation_at), "{} is on the form, after the relation", sub.field);
    }
    let (fields, expected_eit) = answer_every_question(&eit, &form.token());
    let sent = respondent.submit_survey("eit", &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(sent.location(), format!("/s/5150101/{FISCAL_YEAR}/eit/thanks"));
    let thanks = respondent.get(sent.location()).await;
    assert_eq!(thanks.status, 200);
    assert!(
        thanks.body.contains("ขอบคุณ")
            && thanks.body.contains("data-survey-done=\"ita-survey:5150101:2565:eit\"")
    );

    // IIT: the code page first; the right code (typed in small letters, with a space) opens the form.
    let iit = questionnaire("IIT");
    let code_page = respondent.open_survey_form("iit").await;
    assert_eq!(code_page.status, 200);
    assert!(code_page.body.contains("รหัสเข้าตอบ") && !code_page.body.contains("name=\"token\""));
    let form = respondent.enter_access_code("k7p4%20q9").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(!form.body.contains("name=\"relation\""), "IIT asks no relation");
    let (fields, expected_iit) = answer_every_question(&iit, &form.token());
    let sent = respondent.submit_survey("iit", &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);

    let mut rows = stored(&app, &round).await;
    rows.sort_by(|left, right| left.instrument.cmp(&right.instrument));
    let relation = eit.relations()[1].code.clone();
    assert_eq!(
        rows,
        vec![
            StoredResponse {
                agency_id: agency.id,
                instrument: "EIT".into(),
                relation: Some(relation),
                answers: expected_eit
            },
            StoredResponse {
                agency_id: agency.id,
                instrument: "IIT".into(),
                relation: None,
                answers: expected_iit
            },
        ]
    );
    assert_eq!(count(&app, &agency, &round, "EIT").await, 1);
    assert_eq!(count(&app, &agency, &round, "IIT").await, 1);
}

#[tokio::test]
async fn an_eit_and_an_iit_response_are_stored_with_nothing_else_on_sqlite() {
    an_eit_and_an_iit_response_are_stored_with_nothing_else(Db::Sqlite).await;
}

#[tokio::test]
async fn an_eit_and_an_iit_response_are_stored_with_nothing_else_on_postgres() {
    an_eit_and_an_iit_response_are_stored_with_nothing_else(Db::Postgres).await;
}

async fn a_form_is_taken_once_and_a_forged_or_foreign_token_never(db: Db) {
    let app = spawn_app(db).await;
    let (agency, round) = agency_and_round(&app, 0, 0).await;
    let other = app.create_agency("5150102", "องค์การบริหารส่วนตำบลบ้านเหนือ", "ลำพูน").await;
    let respondent = Respondent::new(&app);
    let eit = questionnaire("EIT");
    let form = respondent.open_survey_form("eit").await;
    let (fields, _) = answer_every_question(&eit, &form.token());

    // A forged token: the form's own with its signature changed; and no token at all.
    let token = form.token();
    let forged = format!("{}x", &token[..token.len() - 1]);
    for fields in [replaced(&fields, "token", &forged), without(&fields, "token")] {
        let refused = respondent.submit_survey("eit", &fields).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(refused.body.contains("กรุณาเปิดแบบวัดอีกครั้ง") && refused.body.contains("nothing was stored"));
    }

    // The token of another agency's form does not open this one.
    let foreign = respondent.get(&format!("/s/5150102/{FISCAL_YEAR}/eit")).await;
    assert_eq!(foreign.status, 200);
    let refused = respondent.submit_survey("eit", &replaced(&fields, "token", &foreign.token())).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(count(&app, &other, &round, "EIT").await, 0);
    assert_eq!(count(&app, &agency, &round, "EIT").await, 0, "nothing stored by a refused token");

    // The real token once, then its replay.
    assert_eq!(respondent.submit_survey("eit", &fields).await.status, 303);
    let replay = respondent.submit_survey("eit", &fields).await;
    assert_eq!(replay.status, 409, "{}", replay.body);
    assert!(replay.body.contains("แบบวัดนี้ถูกส่งแล้ว") && replay.body.contains("sent already"));
    assert!(replay.body.contains("data-survey-done"), "the draft of a stored form is forgotten");
    assert_eq!(count(&app, &agency, &round, "EIT").await, 1, "stored once");
    assert_eq!(stored(&app, &round).await.len(), 1);
}

#[tokio::test]
async fn a_form_is_taken_once_and_a_forged_or_foreign_token_never_on_sqlite() {
    a_form_is_taken_once_and_a_forged_or_foreign_token_never(Db::Sqlite).await;
}

#[tokio::test]
async fn a_form_is_taken_once_and_a_forged_or_foreign_token_never_on_postgres() {
    a_form_is_taken_once_and_a_forged_or_foreign_token_never(Db::Postgres).await;
}

#[tokio::test]
async fn outside_the_window_the_survey_says_when_it_opens_or_closed_and_stores_nothing() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, 1, 5).await;
    open_iit(&app, &agency, &round, None).await;
    let respondent = Respondent::new(&app);
    let date = |days: i64| {
        let iso = thai_day(days);
        let parts: Vec<u8> = iso.split('-').skip(1).map(|part| part.parse().unwrap()).collect();
        let year: i32 = iso[..4].parse().unwrap();
        CalendarDate { year, month: parts[0], day: parts[1] }.thai()
    };

    for instrument in ["eit", "iit"] {
        let early = respondent.open_survey_form(instrument).await;
        assert_eq!(early.status, 403, "{}", early.body);
        assert!(early.body.contains("ยังไม่เปิดให้ตอบ") && early.body.contains(&date(1)), "{}", early.body);
        assert!(early.body.contains("not open yet"), "English second");
    }

    // A form opened while the window was open, sent after it closed.
    let mut draft = RoundDraft {
        fiscal_year: round.fiscal_year,
        methodology_year: round.methodology_year,
        methodology_variant: round.methodology_variant.clone(),
        windows: RoundWindows {
            survey_from: Some(thai_day(-5)),
            survey_to: Some(thai_day(0)),
            ..RoundWindows::default()
        },
    };
    // Written to the store directly, as another process would: the server is told (a staff page's write is
    // seen by itself, see `a_staff_change_is_on_the_public_pages_at_once`).
    app.store.update_round(&TestApp::admin_actor(), round.id, &draft).await.unwrap();
    app.state.survey.forget_cached();
    let form = respondent.open_survey_form("eit").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let (fields, _) = answer_every_question(&questionnaire("EIT"), &form.token());
    draft.windows.survey_to = Some(thai_day(-1));
    app.store.update_round(&TestApp::admin_actor(), round.id, &draft).await.unwrap();
    app.state.survey.forget_cached();
    let late = respondent.submit_survey("eit", &fields).await;
    assert_eq!(late.status, 403, "{}", late.body);
    assert!(late.body.contains("ปิดรับคำตอบแล้ว") && late.body.contains(&date(-1)), "{}", late.body);
    assert!(late.body.contains("has closed"));
    assert_eq!(respondent.enter_access_code(ACCESS_CODE).await.status, 403, "the IIT is closed too");
    assert_eq!(count(&app, &agency, &round, "EIT").await, 0);
    assert!(stored(&app, &round).await.is_empty());
}

#[tokio::test]
async fn an_unknown_agency_or_year_or_an_unopened_iit_is_a_page_saying_so() {
    let app = spawn_app(Db::Sqlite).await;
    agency_and_round(&app, -1, 1).await;
    let respondent = Respondent::new(&app);
    for path in
        ["/s/9999999/2565/eit", "/s/5150101/2599/eit", "/s/5150101/2565/oit", "/s/5150101/2565/eit/thanks/x"]
    {
        let reply = respondent.get(path).await;
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
    }
    let unknown = respondent.get("/s/9999999/2565/eit").await;
    assert!(unknown.body.contains("ไม่พบแบบวัด") && unknown.body.contains("9999999"), "{}", unknown.body);
    let unopened = respondent.open_survey_form("iit").await;
    assert_eq!(unopened.status, 404);
    assert!(
        unopened.body.contains("ยังไม่ได้เปิดแบบวัด") && unopened.body.contains("access code"),
        "{}",
        unopened.body
    );
}

#[tokio::test]
async fn a_wrong_access_code_is_refused_and_ten_of_them_close_the_door_for_that_address() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, -1, 1).await;
    open_iit(&app, &agency, &round, None).await;
    let guesser = Respondent::new(&app);
    let wrong = guesser.enter_access_code("AAAAAA").await;
    assert_eq!(wrong.status, 403);
    assert!(
        wrong.body.contains("รหัสเข้าตอบไม่ถูกต้อง") && !wrong.body.contains("name=\"token\""),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    for _ in 1..10 {
        assert_eq!(guesser.enter_access_code("AAAAAA").await.status, 403);
    }
    let locked = guesser.enter_access_code(ACCESS_CODE).await;
    assert_eq!(locked.status, 429, "even the right code waits now: {}", locked.body);
    assert!(locked.body.contains("15 นาที") && locked.body.contains("15 minutes"));
    assert!(locked.headers.contains_key("retry-after"));

    let colleague = Respondent::from_address(&app, "127.0.0.2".parse().unwrap());
    assert_eq!(colleague.enter_access_code(ACCESS_CODE).await.status, 200, "another address is served");
}

async fn a_missing_or_out_of_scale_answer_is_shown_by_its_question_and_nothing_is_stored(db: Db) {
    let app = spawn_app(db).await;
    let (agency, round) = agency_and_round(&app, -1, 1).await;
    open_iit(&app, &agency, &round, None).await;
    let respondent = Respondent::new(&app);
    let iit = questionnaire("IIT");
    let form = respondent.enter_access_code(ACCESS_CODE).await;
    let token = form.token();
    let (fields, expected) = answer_every_question(&iit, &token);
    let (_, missing) = iit.columns().nth(1).unwrap();
    let (_, tampered) = iit.columns().nth(4).unwrap();
    let broken = replaced(&without(&fields, &missing.field), &tampered.field, "99");

    let refused = respondent.submit_survey("iit", &broken).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = &refused.body;
    assert!(body.contains(&format!("กรุณาตอบข้อ {}", missing.code)), "the message names the question: {body}");
    assert!(body.contains(&format!("คำตอบข้อ {} ไม่ตรงกับตัวเลือกที่กำหนด", tampered.code)), "{body}");
    // The summary links to each question; each question says what is wrong, for a screen reader too.
    let id = missing.field.replace('.', "-");
    assert!(body.contains(&format!("href=\"#{id}-0\"")), "{body}");
    assert!(
        body.contains(&format!("aria-describedby=\"{id}-error\"")) && body.contains("aria-invalid=\"true\"")
    );
    // What was answered is still checked, and the same token comes back (nothing was used up).
    let (_, kept) = iit.columns().next().unwrap();
    let kept_id = format!("{}-0", kept.field.replace('.', "-"));
    assert!(body.contains(&format!(
        "id=\"{kept_id}\" name=\"{}\" value=\"{}\" checked",
        kept.field, kept.options[0].code
    )));
    assert_eq!(refused.token(), token);
    assert_eq!(count(&app, &agency, &round, "IIT").await, 0, "nothing stored");

    // Corrected, the same form goes through.
    let sent = respondent.submit_survey("iit", &fields).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(stored(&app, &round).await[0].answers, expected);

    // EIT without the relation is refused too.
    let form = respondent.open_survey_form("eit").await;
    let (fields, _) = answer_every_question(&questionnaire("EIT"), &form.token());
    let refused = respondent.submit_survey("eit", &without(&fields, "relation")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("กรุณาระบุความเกี่ยวข้องของท่านกับหน่วยงาน"));
    assert_eq!(count(&app, &agency, &round, "EIT").await, 0);
}

#[tokio::test]
async fn a_missing_or_out_of_scale_answer_is_shown_by_its_question_and_nothing_is_stored_on_sqlite() {
    a_missing_or_out_of_scale_answer_is_shown_by_its_question_and_nothing_is_stored(Db::Sqlite).await;
}

#[tokio::test]
async fn a_missing_or_out_of_scale_answer_is_shown_by_its_question_and_nothing_is_stored_on_postgres() {
    a_missing_or_out_of_scale_answer_is_shown_by_its_question_and_nothing_is_stored(Db::Postgres).await;
}

async fn the_iit_takes_no_more_responses_than_the_declared_headcount(db: Db) {
    let app = spawn_app(db).await;
    let (agency, round) = agency_and_round(&app, -1, 1).await;
    open_iit(&app, &agency, &round, Some(2)).await;
    let iit = questionnaire("IIT");
    let respondent = Respondent::new(&app);
    for _ in 0..2 {
        let form = respondent.enter_access_code(ACCESS_CODE).await;
        let (fields, _) = answer_every_question(&iit, &form.token());
        assert_eq!(respondent.submit_survey("iit", &fields).await.status, 303);
    }
    let form = respondent.enter_access_code(ACCESS_CODE).await;
    let (fields, _) = answer_every_question(&iit, &form.token());
    let over = respondent.submit_survey("iit", &fields).await;
    assert_eq!(over.status, 409, "{}", over.body);
    assert!(over.body.contains("ครบตามจำนวนบุคลากรที่หน่วยงานแจ้งไว้แล้ว") && over.body.contains("headcount"));
    assert_eq!(count(&app, &agency, &round, "IIT").await, 2);
    assert_eq!(stored(&app, &round).await.len(), 2);
}

#[tokio::test]
async fn the_iit_takes_no_more_responses_than_the_declared_headcount_on_sqlite() {
    the_iit_takes_no_more_responses_than_the_declared_headcount(Db::Sqlite).await;
}

#[tokio::test]
async fn the_iit_takes_no_more_responses_than_the_declared_headcount_on_postgres() {
    the_iit_takes_no_more_responses_than_the_declared_headcount(Db::Postgres).await;
}

#[tokio::test]
async fn a_body_larger_than_64_kb_is_refused_with_413_and_nothing_is_stored() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, -1, 1).await;
    let respondent = Respondent::new(&app);
    let form = respondent.open_survey_form("eit").await;
    let (mut fields, _) = answer_every_question(&questionnaire("EIT"), &form.token());
    fields.push(("padding".to_string(), "x".repeat(70 * 1024)));
    let refused = respondent.submit_survey("eit", &fields).await;
    assert_eq!(refused.status, 413, "{}", refused.body);
    assert!(refused.body.contains("64 KB") && refused.body.contains("nothing was stored"));
    assert_eq!(count(&app, &agency, &round, "EIT").await, 0);
}

#[tokio::test]
async fn a_flood_from_one_address_is_stopped_with_429_while_another_address_is_still_served() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, -1, 1).await;
    let eit = questionnaire("EIT");
    let flooder = Respondent::from_address(&app, "127.0.0.3".parse().unwrap());
    let per_minute = app.state.settings.survey_submissions_per_minute as usize;
    let junk = vec![("token".to_string(), "junk".to_string())];
    // The allowance refills as time passes, so count how many were answered before the first 429.
    let mut answered = 0;
    let stopped = loop {
        let reply = flooder.submit_survey("eit", &junk).await;
        if reply.status == 429 {
            break reply;
        }
        assert_eq!(reply.status, 400, "a junk form within the allowance is refused as forged");
        answered += 1;
        assert!(answered <= 3 * per_minute, "the flood was never stopped");
    };
    assert!(answered >= per_minute, "the whole allowance of {per_minute} was answered, not {answered}");
    assert!(stopped.body.contains("ถี่เกินไป") && stopped.body.contains("Too many"), "{}", stopped.body);
    let retry: u64 = stopped.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);

    // Someone else, from another address, answers as usual meanwhile.
    let neighbour = Respondent::from_address(&app, "127.0.0.4".parse().unwrap());
    let form = neighbour.open_survey_form("eit").await;
    let (fields, _) = answer_every_question(&eit, &form.token());
    assert_eq!(neighbour.submit_survey("eit", &fields).await.status, 303);
    assert_eq!(count(&app, &agency, &round, "EIT").await, 1);
}

#[tokio::test]
async fn the_form_speaks_english_on_request_and_keeps_it_through_a_refusal() {
    let app = spawn_app(Db::Sqlite).await;
    agency_and_round(&app, -1, 1).await;
    let respondent = Respondent::new(&app);
    let thai = respondent.open_survey_form("eit").await;
    assert!(
        thai.body.contains("<html lang=\"th\">")
            && thai.body.contains("href=\"/s/5150101/2565/eit?lang=en\"")
    );
    let english = respondent.get(&format!("/s/5150101/{FISCAL_YEAR}/eit?lang=en")).await;
    assert!(
        english.body.contains("<html lang=\"en\">") && english.body.contains("Send the survey"),
        "{}",
        english.body
    );
    assert!(english.body.contains("name=\"lang\" value=\"en\""));
    let refused = respondent
        .submit_survey("eit", &[("token".into(), english.token()), ("lang".into(), "en".into())])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("<html lang=\"en\">") && refused.body.contains("Please answer question"));
}

#[tokio::test]
async fn the_draft_script_is_served_from_the_binary_and_the_pages_run_no_inline_script() {
    let app = spawn_app(Db::Sqlite).await;
    agency_and_round(&app, -1, 1).await;
    let respondent = Respondent::new(&app);
    let script = respondent.get("/static/survey.js").await;
    assert_eq!(script.status, 200);
    assert!(script.headers["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.body.contains("localStorage") && script.body.contains("data-survey-done"));
    let form = respondent.open_survey_form("eit").await;
    assert!(form.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert_eq!(form.headers["cache-control"], "no-store", "a form with a token is never cached");
    assert_eq!(form.body.matches("<script").count(), 1);
    assert!(!form.body.contains("onclick") && !form.body.contains("onchange"));
}

/// What the public pages keep in memory (the agency, the round's window, the IIT access code, the headcount) is
/// forgotten by every staff write: each change made on the staff pages is on the public pages at once.
#[tokio::test]
async fn a_staff_change_is_on_the_public_pages_at_once() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, -3, 3).await;
    open_iit(&app, &agency, &round, None).await;
    app.create_user("national.admin", ita_domain::platform::Role::NationalAdmin, None, None).await;
    let mut staff = app.signed_in("national.admin").await;
    let respondent = Respondent::new(&app);
    let iit = questionnaire("IIT");
    // Looked up once: the form opens with the code, and a submission is taken.
    assert_eq!(respondent.enter_access_code(ACCESS_CODE).await.status, 200);
    let form = respondent.enter_access_code(ACCESS_CODE).await;
    let (fields, _) = answer_every_question(&iit, &form.token());
    assert_eq!(respondent.submit_survey("iit", &fields).await.status, 303);

    // A new access code: the old one is refused at once, the new one opens the form.
    let surveys = format!("/agencies/{}/rounds/{}/surveys", agency.id, round.id);
    assert_eq!(staff.submit(&surveys, &format!("{surveys}/code"), &[]).await.status, 303);
    let new_code = app.store.survey_link(agency.id, round.id).await.unwrap().unwrap().iit_code;
    let old = respondent.enter_access_code(ACCESS_CODE).await;
    assert_eq!(old.status, 403, "the old code is refused: {}", old.body);
    assert!(old.body.contains("รหัสเข้าตอบไม่ถูกต้อง"));
    assert_eq!(respondent.enter_access_code(&new_code).await.status, 200);

    // A headcount of 1 declared, with one response stored already: the next one is over it.
    let targets = format!("{surveys}/targets");
    let reply = staff.submit(&surveys, &targets, &[("iit_population", "1"), ("eit_population", "")]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(app.store.survey_target(agency.id, round.id).await.unwrap().unwrap().iit_population, Some(1));
    let form = respondent.enter_access_code(&new_code).await;
    let (fields, _) = answer_every_question(&iit, &form.token());
    assert_eq!(respondent.submit_survey("iit", &fields).await.status, 409, "the new headcount holds");

    // The window closed yesterday: both forms say so, and a form opened before is not taken.
    let eit_form = respondent.open_survey_form("eit").await;
    assert_eq!(eit_form.status, 200);
    let (eit_fields, _) = answer_every_question(&questionnaire("EIT"), &eit_form.token());
    let edit = format!("/rounds/{}/edit", round.id);
    let (from, to) = (thai_day(-5), thai_day(-1));
    let reply = staff
        .submit(
            &edit,
            &format!("/rounds/{}", round.id),
            &[("fiscal_year", "2565"), ("methodology", "2565"), ("survey_from", &from), ("survey_to", &to)],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let closed = respondent.open_survey_form("eit").await;
    assert_eq!(closed.status, 403, "{}", closed.body);
    assert!(closed.body.contains("ปิดรับคำตอบแล้ว"));
    assert_eq!(respondent.enter_access_code(&new_code).await.status, 403);
    assert_eq!(respondent.submit_survey("eit", &eit_fields).await.status, 403);
    assert_eq!(count(&app, &agency, &round, "IIT").await, 1);
    assert_eq!(count(&app, &agency, &round, "EIT").await, 0);
}

/// Signing in, reviewing the OIT and entering results are frequent while surveys run and cannot change what the
/// public pages keep: they leave it in memory; a change of the survey's own settings empties it.
#[tokio::test]
async fn writes_that_cannot_change_a_survey_leave_the_public_pages_cached() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, -3, 3).await;
    open_iit(&app, &agency, &round, None).await;
    app.create_user("national.admin", ita_domain::platform::Role::NationalAdmin, None, None).await;
    let respondent = Respondent::new(&app);
    assert_eq!(respondent.enter_access_code(ACCESS_CODE).await.status, 200);
    let before = app.state.survey.cache_generation();

    let mut staff = app.signed_in("national.admin").await;
    let result = format!("/agencies/{}/rounds/{}/result", agency.id, round.id);
    assert_eq!(staff.submit(&result, &result, &crate::helpers::REFERENCE_SCORES).await.status, 303);
    assert_eq!(
        app.state.survey.cache_generation(),
        before,
        "signing in and entering a result keep the cache"
    );

    let surveys = format!("/agencies/{}/rounds/{}/surveys", agency.id, round.id);
    assert_eq!(staff.submit(&surveys, &format!("{surveys}/code"), &[]).await.status, 303);
    assert_eq!(app.state.survey.cache_generation(), before + 1, "a new access code empties it");
}

/// The form is rendered once, but every view has a token of its own, each taken once; the rest of the page is
/// the same from one view to the next, and says how long it is.
#[tokio::test]
async fn every_view_of_the_form_has_its_own_single_use_token() {
    let app = spawn_app(Db::Sqlite).await;
    let (agency, round) = agency_and_round(&app, -1, 1).await;
    open_iit(&app, &agency, &round, None).await;
    let respondent = Respondent::new(&app);
    for (instrument, questionnaire) in [("eit", questionnaire("EIT")), ("iit", questionnaire("IIT"))] {
        let open = || async {
            match instrument {
                "iit" => respondent.enter_access_code(ACCESS_CODE).await,
                _ => respondent.open_survey_form(instrument).await,
            }
        };
        let (first, second) = (open().await, open().await);
        assert_eq!((first.status, second.status), (200, 200));
        assert_ne!(first.token(), second.token(), "two views, two tokens");
        assert_eq!(first.body.replace(&first.token(), ""), second.body.replace(&second.token(), ""));
        assert_eq!(first.headers["content-length"].to_str().unwrap(), first.body.len().to_string());
        assert!(first.headers["content-type"].to_str().unwrap().starts_with("text/html"));
        for view in [&first, &second] {
            let (fields, _) = answer_every_question(&questionnaire, &view.token());
            assert_eq!(respondent.submit_survey(instrument, &fields).await.status, 303);
            assert_eq!(respondent.submit_survey(instrument, &fields).await.status, 409, "taken once");
        }
    }
    assert_eq!(count(&app, &agency, &round, "EIT").await, 2);
    assert_eq!(count(&app, &agency, &round, "IIT").await, 2);
}
