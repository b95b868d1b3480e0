//! The agency's side of the OIT: drafts and submission inside the answering window, malformed URLs refused with
//! nothing written, URLs outside the agency's website saved with a warning, snapshots fetched once from a local
//! site (status and hash kept, served sandboxed to those who may read the agency), verdicts hidden from the agency
//! until the review ends, disputes only on failed items and only in the clarification window, and the live
//! indicator 9 and 10 scores on the round page.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role};
use ita_domain::thai::CalendarDate;
use ita_store::{
    Agency, AgencyDraft, OitAnswer, OitSnapshot, OitVerdictDraft, Round, RoundDraft, RoundWindows,
};
use sha2::{Digest, Sha256};

use crate::helpers::{Client, Db, Reply, TestApp, spawn_app_with};

const PAGE: &str = "<!doctype html><html lang=\"th\"><title>แผนดำเนินงาน</title><script>alert(1)</script>\
<p>แผนดำเนินงานประจำปี</p></html>";
const NOTE: &str = "ประกาศเจตจำนงสุจริตของผู้บริหาร";
/// Methodology 2565 has 43 OIT items, O1 to O43.
const ITEMS: usize = 43;

/// Today in Thailand, moved by `days`, as the ISO date round windows hold.
fn thai_day(days: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let date = CalendarDate::from_days_since_1970((now + 7 * 3600).div_euclid(86_400) + days);
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The agency's website on 127.0.0.1: two pages, and how often each path was asked for.
struct Site {
    addr: SocketAddr,
    hits: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn serve_site(State(hits): State<Arc<Mutex<BTreeMap<String, usize>>>>, uri: Uri) -> Response {
    *hits.lock().unwrap().entry(uri.path().to_string()).or_default() += 1;
    match uri.path() {
        "/page" => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response(),
        _ => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], NOTE).into_response(),
    }
}

async fn site() -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(Mutex::new(BTreeMap::new()));
    let app = Router::new().route("/{*path}", get(serve_site)).with_state(hits.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Site { addr, hits }
}

/// An agency whose website is the local site, a 2565 round open for OIT answers, its people and the others who
/// may read it, each signed in.
struct World {
    app: TestApp,
    site: Site,
    agency: Agency,
    round: Round,
    admin: Client,
    national: Client,
    analyst: Client,
    assessor: Client,
    stranger: Client,
}

async fn world(db: Db) -> World {
    let app = spawn_app_with(db, |settings| settings.snapshot_allow = vec!["127.0.0.1/32".into()]).await;
    let site = site().await;
    let draft = AgencyDraft {
        code: AgencyCode::parse("5150101").unwrap(),
        name_th: "องค์การบริหารส่วนตำบลเขาทอง".into(),
        name_en: None,
        kind: AgencyKind::SubdistrictAdministration,
        province: "อ่างทอง".into(),
        district: None,
        parent_id: None,
        website: Some(format!("http://{}", site.addr.ip())),
        contact: None,
    };
    let agency = app.store.create_agency(&TestApp::admin_actor(), &draft).await.unwrap();
    let other = app.create_agency("9999999", "องค์การบริหารส่วนตำบลอื่น", "ลพบุรี").await;
    let round = app
        .store
        .create_round(
            &TestApp::admin_actor(),
            &RoundDraft {
                fiscal_year: FiscalYear::new(2565).unwrap(),
                methodology_year: 2565,
                methodology_variant: "nacc".into(),
                windows: RoundWindows {
                    oit_answer_from: Some(thai_day(-5)),
                    oit_answer_to: Some(thai_day(5)),
                    oit_review_from: Some(thai_day(6)),
                    oit_review_to: Some(thai_day(10)),
                    clarification_from: Some(thai_day(11)),
                    clarification_to: Some(thai_day(15)),
                    ..RoundWindows::default()
                },
            },
        )
        .await
        .unwrap();
    app.create_user("agency.admin", Role::AgencyAdmin, Some(&agency), None).await;
    app.create_user("national", Role::NationalAdmin, None, None).await;
    app.create_user("analyst", Role::ProvincialAnalyst, None, Some("อ่างทอง")).await;
    let assessor = app.create_user("assessor", Role::Assessor, None, None).await;
    app.store.set_assignment(&TestApp::admin_actor(), assessor.id, agency.id, true).await.unwrap();
    app.create_user("stranger", Role::AgencyAdmin, Some(&other), None).await;
    World {
        admin: app.signed_in("agency.admin").await,
        national: app.signed_in("national").await,
        analyst: app.signed_in("analyst").await,
        assessor: app.signed_in("assessor").await,
        stranger: app.signed_in("stranger").await,
        app,
        site,
        agency,
        round,
    }
}

/// Sends a form to `path` as `client` with `fields` (and the session's token).
async fn post(client: &mut Client, path: &str, fields: &[(String, String)]) -> Reply {
    let csrf = client.csrf_from("/rounds").await;
    let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    all.extend(fields.iter().map(|(name, value)| (name.as_str(), value.as_str())));
    client.post_form(path, &all).await
}

fn field(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

/// Every item answered "no", except those given.
fn every_item(yes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for number in 1..=ITEMS {
        let code = format!("O{number}");
        match yes.iter().find(|(item, _)| *item == code) {
            Some((_, urls)) => {
                fields.push(field(&format!("has.{code}"), "yes"));
                fields.push(field(&format!("urls.{code}"), urls));
            }
            None => fields.push(field(&format!("has.{code}"), "no")),
        }
    }
    fields
}

impl World {
    fn page(&self) -> String {
        format!("/agencies/{}/rounds/{}/oit", self.agency.id, self.round.id)
    }

    fn dispute_path(&self) -> String {
        format!("{}/dispute", self.page())
    }

    fn round_page(&self) -> String {
        format!("/agencies/{}/rounds/{}", self.agency.id, self.round.id)
    }

    async fn answers(&self) -> Vec<OitAnswer> {
        self.app.store.oit_answers(self.agency.id, self.round.id).await.unwrap()
    }

    async fn set_windows(&self, change: impl FnOnce(&mut RoundWindows)) {
        let mut windows = self.round.windows.clone();
        change(&mut windows);
        let draft = RoundDraft {
            fiscal_year: self.round.fiscal_year,
            methodology_year: self.round.methodology_year,
            methodology_variant: self.round.methodology_variant.clone(),
            windows,
        };
        self.app.store.update_round(&TestApp::admin_actor(), self.round.id, &draft).await.unwrap();
    }

    /// Waits (without a deadline in the assertion's sense: the fetch runs in the background) until `count`
    /// snapshots are kept.
    async fn snapshots(&self, count: usize) -> Vec<OitSnapshot> {
        for _ in 0..300 {
            let snapshots = self.app.store.oit_snapshots(self.agency.id, self.round.id).await.unwrap();
            if snapshots.len() >= count {
                return snapshots;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{count} snapshots were never kept");
    }

    /// The reference agency's verdicts of 2565 (85.29 and 25.00), as an assessor gives them.
    async fn give_reference_verdicts(&self) {
        let csv = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../ita-domain/tests/data/scoring/khaothong-oit-2565.csv"),
        )
        .unwrap();
        let verdicts: Vec<OitVerdictDraft> = csv
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(','))
            .map(|(code, verdict)| {
                let passed = verdict.trim() == "pass";
                OitVerdictDraft {
                    item_code: code.to_string(),
                    passed,
                    reason: if passed {
                        String::new()
                    } else {
                        format!("ไม่พบข้อมูลข้อ {code} ในหน้าที่ระบุ")
                    },
                    guidance: if passed {
                        String::new()
                    } else {
                        format!("เผยแพร่ข้อมูลข้อ {code} ให้ครบ")
                    },
                }
            })
            .collect();
        assert_eq!(verdicts.len(), ITEMS);
        let actor = ita_store::Actor::system("assessor");
        self.app
            .store
            .put_oit_verdicts(&actor, self.agency.id, self.round.id, &verdicts, "review")
            .await
            .unwrap();
    }
}

/// The part of a page about one item (its fieldset).
fn item_part<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html.find(&format!("id=\"item-{code}\"")).unwrap_or_else(|| panic!("no item {code}"));
    let rest = &html[start..];
    &rest[..rest.find("</fieldset>").unwrap_or(rest.len())]
}

async fn draft_then_submit(db: Db) {
    let mut world = world(db).await;
    let page_path = world.page();
    let page = world.admin.get(&page_path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("บันทึกร่าง") && page.body.contains("ส่งคำตอบ"), "the form is open");
    // 10.1 has eight items in 2565: each is worth 20 / 2 / 8 = 1.25 points of the total.
    assert!(item_part(&page.body, "O34").contains("ข้อนี้มีค่า 1.25 คะแนนของคะแนนรวม"), "{}", page.body);
    assert!(item_part(&page.body, "O43").contains("ข้อนี้มีค่า 5.00 คะแนนของคะแนนรวม"));

    // A draft of two items.
    let page_url = world.site.url("/page");
    let draft = [
        field("has.O1", "yes"),
        field("urls.O1", &format!("  {page_url}\n\n{page_url}\n")),
        field("explanation.O1", "หน้าแผนดำเนินงาน"),
        field("has.O2", "no"),
        field("action", "draft"),
    ];
    let saved = post(&mut world.admin, &page_path, &draft).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.location(), format!("{page_path}?saved=draft"));
    let answers = world.answers().await;
    assert_eq!(answers.len(), 2);
    let o1 = answers.iter().find(|answer| answer.item_code == "O1").unwrap();
    assert_eq!(o1.urls, std::slice::from_ref(&page_url), "trimmed, one line kept once");
    assert!(o1.has && o1.explanation == "หน้าแผนดำเนินงาน");
    assert!(answers.iter().all(|answer| answer.submitted_at.is_none()), "a draft is not submitted");
    let page = world.admin.get(&format!("{page_path}?saved=draft")).await;
    assert!(page.body.contains("บันทึกร่างแล้ว"), "{}", page.body);
    assert!(page.body.contains(">9.1 ") && page.body.contains("2 / 9"), "progress of 9.1: {}", page.body);
    assert!(page.body.contains("ยังไม่ได้ส่งคำตอบ"));

    // Submitting with items left is refused, item by item, and changes nothing.
    let mut partial = draft.to_vec();
    partial.retain(|(name, _)| name != "action");
    partial.push(field("action", "submit"));
    let refused = post(&mut world.admin, &page_path, &partial).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(item_part(&refused.body, "O3").contains("ยังไม่ได้ตอบข้อนี้"), "{}", refused.body);
    assert!(world.answers().await.iter().all(|answer| answer.submitted_at.is_none()));
    assert_eq!(world.answers().await.len(), 2);

    // Every item: submitted, and the one URL fetched once.
    let mut all = every_item(&[("O1", &page_url)]);
    all.push(field("explanation.O1", "หน้าแผนดำเนินงาน"));
    all.push(field("action", "submit"));
    let submitted = post(&mut world.admin, &page_path, &all).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    assert_eq!(submitted.location(), format!("{page_path}?saved=submitted"));
    let answers = world.answers().await;
    assert_eq!(answers.len(), ITEMS);
    assert!(answers.iter().all(|answer| answer.submitted_at.is_some()));
    let snapshots = world.snapshots(1).await;
    let snapshot = &snapshots[0];
    assert_eq!((snapshot.item_code.as_str(), snapshot.requested_url.as_str()), ("O1", page_url.as_str()));
    assert_eq!(snapshot.status, Some(200));
    assert_eq!(snapshot.outcome, "fetched");
    assert_eq!(snapshot.sha256, sha256_hex(PAGE.as_bytes()));
    assert_eq!(snapshot.size, PAGE.len() as i64);
    assert_eq!(snapshot.content_type.as_deref(), Some("text/html; charset=utf-8"));
    let page = world.admin.get(&page_path).await;
    assert!(page.body.contains("ส่งคำตอบแล้วเมื่อ"), "{}", page.body);
    let o1 = item_part(&page.body, "O1");
    assert!(o1.contains("HTTP 200") && o1.contains(&snapshot.sha256), "{o1}");
    assert!(o1.contains(&format!("/oit/snapshots/{}", snapshot.id)), "{o1}");
    assert!(o1.contains("rel=\"noopener noreferrer\""), "the live link opens nothing of ours");
    assert!(!o1.contains("อยู่นอกเว็บไซต์ของหน่วยงาน"), "inside the agency's website: no warning");

    // Submitting again with one more URL fetches only the new one.
    let note_url = world.site.url("/note");
    let mut again = every_item(&[("O1", &page_url), ("O34", &note_url)]);
    again.push(field("explanation.O1", "หน้าแผนดำเนินงาน"));
    again.push(field("action", "submit"));
    assert_eq!(post(&mut world.admin, &page_path, &again).await.status, 303);
    let snapshots = world.snapshots(2).await;
    assert_eq!(snapshots.len(), 2);
    assert_eq!(world.site.hits("/page"), 1, "each URL is fetched once");
    assert_eq!(world.site.hits("/note"), 1);

    // The kept bytes, never as a page of this site; for those who may read the agency only.
    let path = format!("/oit/snapshots/{}", snapshot.id);
    let file = world.admin.get(&path).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.bytes, PAGE.as_bytes());
    let header = |reply: &Reply, name: &str| reply.headers.get(name).unwrap().to_str().unwrap().to_string();
    assert!(header(&file, "content-security-policy").starts_with("sandbox"), "{:?}", file.headers);
    assert_eq!(header(&file, "x-content-type-options"), "nosniff");
    assert!(header(&file, "content-disposition").starts_with("attachment"), "HTML is downloaded, not shown");
    assert_eq!(header(&file, "content-type"), "text/html");
    for (who, client) in [
        ("national", &mut world.national),
        ("analyst", &mut world.analyst),
        ("assessor", &mut world.assessor),
    ] {
        assert_eq!(client.get(&path).await.status, 200, "{who}");
    }
    let stranger = world.stranger.get(&path).await;
    assert_eq!(stranger.status, 404, "another agency's people do not learn it exists");
    assert!(!stranger.body.contains("แผนดำเนินงาน"));
    assert_eq!(world.admin.get(&format!("/oit/snapshots/{}", uuid::Uuid::nil())).await.status, 404);

    // The agency's round page shows the progress and the submission.
    let round_page = world.admin.get(&world.round_page()).await;
    assert!(round_page.body.contains("43 / 43") && round_page.body.contains("ส่งคำตอบแล้วเมื่อ"));
}

#[tokio::test]
async fn draft_then_submit_fetches_each_url_once_on_sqlite() {
    draft_then_submit(Db::Sqlite).await;
}

#[tokio::test]
async fn draft_then_submit_fetches_each_url_once_on_postgres() {
    draft_then_submit(Db::Postgres).await;
}

async fn bad_urls(db: Db) {
    let mut world = world(db).await;
    let page_path = world.page();
    // A URL without its scheme: refused next to the item, the form kept as typed, nothing written.
    let malformed = [
        field("has.O1", "yes"),
        field("urls.O1", "www.khaothong.go.th/plan"),
        field("has.O2", "no"),
        field("action", "draft"),
    ];
    let refused = post(&mut world.admin, &page_path, &malformed).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let o1 = item_part(&refused.body, "O1");
    assert!(o1.contains("ต้องขึ้นต้นด้วย https://"), "the problem is told beside its item: {o1}");
    assert!(o1.contains("www.khaothong.go.th/plan"), "what was typed is kept");
    assert!(refused.body.contains("ข้อมูลยังไม่ถูกบันทึก"));
    assert!(world.answers().await.is_empty(), "nothing of the rejected form is written, not even O2");
    let other_scheme =
        [field("has.O1", "yes"), field("urls.O1", "javascript:alert(1)"), field("action", "draft")];
    let refused = post(&mut world.admin, &page_path, &other_scheme).await;
    assert_eq!(refused.status, 422);
    assert!(item_part(&refused.body, "O1").contains("https://"), "{}", refused.body);
    assert!(world.answers().await.is_empty());
    // "มี" without a URL may wait in a draft, not in a submission.
    let no_url = every_item(&[("O5", "")]);
    let mut submit = no_url.clone();
    submit.push(field("action", "submit"));
    let refused = post(&mut world.admin, &page_path, &submit).await;
    assert_eq!(refused.status, 422);
    assert!(item_part(&refused.body, "O5").contains("อย่างน้อยหนึ่งรายการ"), "{}", refused.body);
    assert!(world.answers().await.is_empty());

    // Outside the agency's website: saved, with a warning for the assessor to weigh.
    let outside = [
        field("has.O1", "yes"),
        field("urls.O1", "https://elsewhere.example.org/plan"),
        field("action", "draft"),
    ];
    let saved = post(&mut world.admin, &page_path, &outside).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(world.answers().await[0].urls, ["https://elsewhere.example.org/plan"]);
    let page = world.admin.get(&page_path).await;
    let o1 = item_part(&page.body, "O1");
    assert!(o1.contains("อยู่นอกเว็บไซต์ของหน่วยงาน") && o1.contains("elsewhere.example.org"), "{o1}");
}

#[tokio::test]
async fn malformed_urls_write_nothing_and_outside_ones_warn_on_sqlite() {
    bad_urls(Db::Sqlite).await;
}

#[tokio::test]
async fn malformed_urls_write_nothing_and_outside_ones_warn_on_postgres() {
    bad_urls(Db::Postgres).await;
}

async fn outside_the_window(db: Db) {
    let mut world = world(db).await;
    let page_path = world.page();
    let form = [field("has.O1", "no"), field("action", "draft")];
    // Those who only read may not answer even while the window is open.
    for client in [&mut world.analyst, &mut world.assessor] {
        assert_eq!(post(client, &page_path, &form).await.status, 403);
    }
    assert_eq!(post(&mut world.stranger, &page_path, &form).await.status, 404);
    assert!(world.answers().await.is_empty());

    // Closed since yesterday: read-only, with the reason; a post is refused and writes nothing.
    world.set_windows(|windows| windows.oit_answer_to = Some(thai_day(-1))).await;
    let page = world.admin.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("พ้นช่วงเวลาตอบแบบวัด OIT"), "{}", page.body);
    assert!(!page.body.contains("name=\"action\""), "no buttons to save or submit");
    let refused = post(&mut world.admin, &page_path, &form).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("พ้นช่วงเวลาตอบแบบวัด OIT"));
    // Not begun yet, and not set at all.
    world.set_windows(|windows| windows.oit_answer_from = Some(thai_day(1))).await;
    let early = post(&mut world.admin, &page_path, &form).await;
    assert_eq!(early.status, 403);
    assert!(early.body.contains("ยังไม่ถึงช่วงเวลาตอบ"), "{}", early.body);
    world.set_windows(|windows| windows.oit_answer_from = None).await;
    assert_eq!(post(&mut world.national, &page_path, &form).await.status, 403);
    assert!(world.answers().await.is_empty());
}

#[tokio::test]
async fn answers_outside_the_window_are_refused_on_sqlite() {
    outside_the_window(Db::Sqlite).await;
}

#[tokio::test]
async fn answers_outside_the_window_are_refused_on_postgres() {
    outside_the_window(Db::Postgres).await;
}

/// The score beside an indicator's label in a table (`9. ...`).
fn score_of(html: &str, number: u8) -> Option<String> {
    let start = html.find(&format!(">{number}. "))?;
    let rest = &html[start..];
    let cell = rest.find("class=\"number\">")? + "class=\"number\">".len();
    let end = rest[cell..].find('<')? + cell;
    Some(rest[cell..end].to_string())
}

async fn verdicts_and_disputes(db: Db) {
    let mut world = world(db).await;
    let page_path = world.page();
    let mut all = every_item(&[]);
    all.push(field("action", "submit"));
    assert_eq!(post(&mut world.admin, &page_path, &all).await.status, 303);
    // The review is under way: the assessor's verdicts come in.
    world
        .set_windows(|windows| {
            windows.oit_answer_to = Some(thai_day(-3));
            windows.oit_review_from = Some(thai_day(-2));
            windows.oit_review_to = Some(thai_day(2));
        })
        .await;
    world.give_reference_verdicts().await;
    let page = world.admin.get(&page_path).await;
    assert!(!page.body.contains("ไม่พบข้อมูลข้อ O43") && !page.body.contains("85.29"), "{}", page.body);
    assert!(page.body.contains("ผลการพิจารณาของผู้ประเมินจะแสดงหลังสิ้นสุดช่วงการตรวจ"));
    let round_page = world.admin.get(&world.round_page()).await;
    assert!(!round_page.body.contains("85.29") && !round_page.body.contains("25.00"), "{}", round_page.body);
    // The national administrator follows them live on the round page.
    let live = world.national.get(&world.round_page()).await;
    assert_eq!(score_of(&live.body, 9).as_deref(), Some("85.29"), "{}", live.body);
    assert_eq!(score_of(&live.body, 10).as_deref(), Some("25.00"));

    // The review is over and the clarification under way: the agency sees its verdicts and may dispute.
    world
        .set_windows(|windows| {
            windows.oit_answer_to = Some(thai_day(-5));
            windows.oit_review_from = Some(thai_day(-4));
            windows.oit_review_to = Some(thai_day(-1));
            windows.clarification_from = Some(thai_day(0));
            windows.clarification_to = Some(thai_day(3));
        })
        .await;
    let page = world.admin.get(&page_path).await;
    assert!(page.body.contains("ไม่พบข้อมูลข้อ O43") && page.body.contains("เผยแพร่ข้อมูลข้อ O43 ให้ครบ"));
    assert_eq!(score_of(&page.body, 9).as_deref(), Some("85.29"), "{}", page.body);
    assert_eq!(score_of(&page.body, 10).as_deref(), Some("25.00"));
    assert!(page.body.contains("name=\"item\" value=\"O43\""), "a dispute form on a failed item");
    assert!(!page.body.contains("name=\"item\" value=\"O1\""), "none on a passed one");
    let round_page = world.admin.get(&world.round_page()).await;
    assert_eq!(score_of(&round_page.body, 9).as_deref(), Some("85.29"), "{}", round_page.body);

    let dispute_path = world.dispute_path();
    let disputes = |world: &World| {
        let (store, agency, round) = (world.app.store.clone(), world.agency.id, world.round.id);
        async move { store.oit_disputes(agency, round).await.unwrap() }
    };
    let passed = [field("item", "O1"), field("statement", "ข้อมูลอยู่ที่หน้าแรก")];
    let refused = post(&mut world.admin, &dispute_path, &passed).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("ยื่นคำชี้แจงได้เฉพาะข้อที่ไม่ผ่าน"), "{}", refused.body);
    let empty = [field("item", "O43"), field("statement", "  ")];
    assert_eq!(post(&mut world.admin, &dispute_path, &empty).await.status, 422);
    let unknown = [field("item", "O99"), field("statement", "ข้อมูลอยู่ที่หน้าแรก")];
    assert_eq!(post(&mut world.admin, &dispute_path, &unknown).await.status, 422);
    assert_eq!(post(&mut world.analyst, &dispute_path, &passed).await.status, 403);
    assert!(disputes(&world).await.is_empty());
    let statement = "แผนอยู่ที่ลิงก์เดิม หัวข้อที่ 3 ของหน้า";
    let filed =
        post(&mut world.admin, &dispute_path, &[field("item", "O43"), field("statement", statement)]).await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let stored = disputes(&world).await;
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].item_code.as_str(), stored[0].statement.as_str()), ("O43", statement));
    let page = world.admin.get(&page_path).await;
    assert!(page.body.contains(statement) && page.body.contains("รอผู้ประเมินพิจารณา"), "{}", page.body);
    let again =
        post(&mut world.admin, &dispute_path, &[field("item", "O43"), field("statement", "อีกครั้ง")]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("ยื่นได้ข้อละหนึ่งครั้ง"));

    // After the clarification window: refused, nothing written.
    world
        .set_windows(|windows| {
            windows.oit_answer_to = Some(thai_day(-9));
            windows.oit_review_from = Some(thai_day(-8));
            windows.oit_review_to = Some(thai_day(-5));
            windows.clarification_from = Some(thai_day(-4));
            windows.clarification_to = Some(thai_day(-1));
        })
        .await;
    let late =
        post(&mut world.admin, &dispute_path, &[field("item", "O34"), field("statement", statement)]).await;
    assert_eq!(late.status, 403, "{}", late.body);
    assert!(late.body.contains("ยื่นคำชี้แจงได้เฉพาะในช่วงชี้แจง"), "{}", late.body);
    assert_eq!(disputes(&world).await.len(), 1);
    let page = world.admin.get(&page_path).await;
    assert!(!page.body.contains("name=\"item\""), "no dispute form after the window");
}

#[tokio::test]
async fn verdicts_show_after_the_review_and_disputes_only_on_failures_on_sqlite() {
    verdicts_and_disputes(Db::Sqlite).await;
}

#[tokio::test]
async fn verdicts_show_after_the_review_and_disputes_only_on_failures_on_postgres() {
    verdicts_and_disputes(Db::Postgres).await;
}
