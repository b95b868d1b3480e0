//! The assessor's side of the OIT: only assigned agencies, verdicts with reasons (a failure without one
//! writes nothing), the review window, answering disputes in the clarification window (audited, stage
//! `clarification`), importing verdicts row by row, the checklist as CSV and XLSX, and live indicator 9/10
//! scores equal to the domain's scoring of the stored verdicts. Answers, snapshots and disputes are arranged
//! through the store.

use std::io::Cursor;

use calamine::{Reader as _, Xlsx};
use ita_domain::Exact;
use ita_domain::methodology::Catalog;
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role};
use ita_domain::scoring::oit::score_indicator;
use ita_domain::scoring::{Verdict, VerdictSet};
use ita_store::{
    Agency, AgencyDraft, AuditQuery, OitAnswerDraft, OitSnapshot, OitVerdictDraft, Round, RoundDraft,
    RoundWindows, User,
};
use uuid::Uuid;

use crate::helpers::{Client, Db, Reply, TestApp, spawn_app};

/// Windows relative to today: over long ago, open now, or not yet begun.
#[derive(Debug, Clone, Copy)]
enum When {
    Past,
    Now,
    Future,
}

impl When {
    fn dates(self) -> (Option<String>, Option<String>) {
        let (from, to) = match self {
            When::Past => ("2020-01-01", "2020-01-31"),
            When::Now => ("2020-01-01", "2099-12-31"),
            When::Future => ("2099-01-01", "2099-12-31"),
        };
        (Some(from.to_string()), Some(to.to_string()))
    }
}

fn windows(review: When, clarification: When) -> RoundWindows {
    let (oit_review_from, oit_review_to) = review.dates();
    let (clarification_from, clarification_to) = clarification.dates();
    RoundWindows {
        oit_review_from,
        oit_review_to,
        clarification_from,
        clarification_to,
        ..RoundWindows::default()
    }
}

struct World {
    app: TestApp,
    ours: Agency,
    theirs: Agency,
    round: Round,
    assessor: User,
    client: Client,
    csrf: String,
}

async fn agency(app: &TestApp, code: &str, name: &str, province: &str, website: &str) -> Agency {
    let draft = AgencyDraft {
        code: AgencyCode::parse(code).unwrap(),
        name_th: name.to_string(),
        name_en: None,
        kind: AgencyKind::SubdistrictAdministration,
        province: province.to_string(),
        district: None,
        parent_id: None,
        website: Some(website.to_string()),
        contact: None,
    };
    app.store.create_agency(&TestApp::admin_actor(), &draft).await.unwrap()
}

/// Two agencies (ours assigned to the assessor, theirs not), a 2565 round with the windows given, the
/// assessor signed in.
async fn world(db: Db, review: When, clarification: When) -> World {
    let app = spawn_app(db).await;
    let ours =
        agency(&app, "5150101", "องค์การบริหารส่วนตำบลเขาทอง", "อ่างทอง", "https://www.khaothong.go.th").await;
    let theirs = agency(&app, "6150202", "องค์การบริหารส่วนตำบลห่างไกล", "ลพบุรี", "https://far.go.th").await;
    let round = app
        .store
        .create_round(
            &TestApp::admin_actor(),
            &RoundDraft {
                fiscal_year: FiscalYear::new(2565).unwrap(),
                methodology_year: 2565,
                methodology_variant: "nacc".into(),
                windows: windows(review, clarification),
            },
        )
        .await
        .unwrap();
    let assessor = app.create_user("assessor", Role::Assessor, None, None).await;
    app.store.set_assignment(&TestApp::admin_actor(), assessor.id, ours.id, true).await.unwrap();
    let mut client = app.signed_in("assessor").await;
    let csrf = client.csrf_from("/review").await;
    World { app, ours, theirs, round, assessor, client, csrf }
}

impl World {
    fn page(&self, agency: &Agency) -> String {
        format!("/review/{}/{}", agency.id, self.round.id)
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client.post_form(path, &all).await
    }

    /// Both agencies answer O1 and O2 and submit.
    async fn answers_submitted(&self) {
        for agency in [&self.ours, &self.theirs] {
            let drafts = [
                OitAnswerDraft {
                    item_code: "O1".into(),
                    has: true,
                    urls: vec![
                        "https://www.khaothong.go.th/structure".into(),
                        "https://facebook.com/kt".into(),
                    ],
                    explanation: "แผนผังโครงสร้างอยู่หน้าเกี่ยวกับเรา".into(),
                },
                OitAnswerDraft {
                    item_code: "O2".into(),
                    has: true,
                    urls: vec!["https://www.khaothong.go.th/executives".into()],
                    explanation: String::new(),
                },
            ];
            self.app
                .store
                .put_oit_answers(&TestApp::admin_actor(), agency.id, self.round.id, &drafts, true)
                .await
                .unwrap();
        }
    }

    async fn verdicts_of(&self, agency: &Agency) -> Vec<ita_store::OitVerdict> {
        self.app.store.oit_verdicts(agency.id, self.round.id).await.unwrap()
    }

    async fn audit_actions(&self) -> Vec<String> {
        let page =
            self.app.store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1000 }).await.unwrap();
        page.items.into_iter().map(|entry| entry.action).collect()
    }
}

macro_rules! on_both {
    ($name:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $name(Db::Sqlite).await;
        }

        #[tokio::test]
        async fn $postgres() {
            $name(Db::Postgres).await;
        }
    };
}

async fn an_assessor_sees_and_judges_only_assigned_agencies(db: Db) {
    let mut world = world(db, When::Now, When::Future).await;
    world.answers_submitted().await;
    let list = world.client.get(&format!("/review?round={}", world.round.id)).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&world.ours.name_th), "{}", list.body);
    assert!(!list.body.contains(&world.theirs.name_th), "another agency is not listed");
    assert!(list.body.contains("2 / 43"), "the answered count of 43 items: {}", list.body);
    let theirs = world.page(&world.theirs.clone());
    assert_eq!(world.client.get(&theirs).await.status, 404);
    let posted = world.post(&theirs, &[("verdict.O1", "pass")]).await;
    assert_eq!(posted.status, 404);
    assert!(world.verdicts_of(&world.theirs.clone()).await.is_empty(), "nothing written for theirs");
    let dispute = world
        .post(&format!("{theirs}/dispute"), &[("item", "O1"), ("decision", "confirm"), ("reason", "x")])
        .await;
    assert_eq!(dispute.status, 404);
    // The agency's own people use their own page; the review is not theirs.
    world.app.create_user("clerk", Role::AgencyAdmin, Some(&world.ours), None).await;
    let mut clerk = world.app.signed_in("clerk").await;
    assert_eq!(clerk.get(&world.page(&world.ours.clone())).await.status, 403);
    assert_eq!(clerk.get("/review").await.status, 403);
}

on_both!(
    an_assessor_sees_and_judges_only_assigned_agencies,
    an_assessor_sees_and_judges_only_assigned_agencies_on_sqlite,
    an_assessor_sees_and_judges_only_assigned_agencies_on_postgres
);

async fn a_failure_without_reason_writes_nothing_at_all(db: Db) {
    let mut world = world(db, When::Now, When::Future).await;
    world.answers_submitted().await;
    let page = world.page(&world.ours.clone());
    let reply = world
        .post(
            &page,
            &[
                ("verdict.O1", "pass"),
                ("reason.O1", ""),
                ("guidance.O1", ""),
                ("verdict.O2", "fail"),
                ("reason.O2", "   "),
                ("guidance.O2", "ให้เพิ่มรูปถ่ายผู้บริหาร"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let item = &reply.body[reply.body.find("id=\"item-O2\"").expect("item O2 on the page")..];
    let item = &item[..item.find("</article>").unwrap()];
    assert!(item.contains("ผลไม่ผ่านต้องระบุเหตุผล"), "the message is beside the item: {item}");
    assert!(item.contains("ให้เพิ่มรูปถ่ายผู้บริหาร"), "what was typed is kept");
    assert!(reply.body.contains("ยังไม่ได้บันทึก"), "the summary says nothing was saved");
    assert!(world.verdicts_of(&world.ours.clone()).await.is_empty(), "not even the good O1 was written");
    assert!(!world.audit_actions().await.iter().any(|action| action == "oit_verdict.set"));
}

on_both!(
    a_failure_without_reason_writes_nothing_at_all,
    a_failure_without_reason_writes_nothing_at_all_on_sqlite,
    a_failure_without_reason_writes_nothing_at_all_on_postgres
);

async fn verdicts_are_saved_and_shown_beside_the_evidence(db: Db) {
    let mut world = world(db, When::Now, When::Future).await;
    world.answers_submitted().await;
    let ours = world.ours.clone();
    let snapshot = OitSnapshot {
        id: Uuid::new_v4(),
        agency_id: ours.id,
        round_id: world.round.id,
        item_code: "O1".into(),
        requested_url: "https://www.khaothong.go.th/structure".into(),
        final_url: Some("https://www.khaothong.go.th/structure".into()),
        status: Some(200),
        content_type: Some("text/html; charset=utf-8".into()),
        sha256: "ab12cd34ef56".repeat(5) + "abcd",
        size: 2048,
        truncated: false,
        outcome: "fetched".into(),
        fetched_at: 1_700_000_000,
    };
    world.app.store.put_oit_snapshot(&snapshot, b"<html>structure</html>").await.unwrap();
    let page = world.page(&ours);
    let before = world.client.get(&page).await;
    assert_eq!(before.status, 200);
    let body = &before.body;
    assert!(
        body.contains(
            "<a href=\"https://www.khaothong.go.th/structure\" target=\"_blank\" rel=\"noopener noreferrer\""
        ),
        "the live link opens apart: {body}"
    );
    assert!(body.contains(&format!("/oit/snapshots/{}", snapshot.id)), "the snapshot is linked");
    assert!(body.contains("SHA-256 ab12cd34ef56<"), "the hash is shown short");
    assert!(body.contains("2.0 KB"));
    let warnings = body.matches("class=\"warning outside-domain\"").count();
    assert_eq!(warnings, 1, "only facebook.com is outside khaothong.go.th");
    assert!(body.contains("facebook.com ไม่อยู่ภายใต้ khaothong.go.th"), "{body}");
    assert!(body.contains("name=\"verdict.O1\""), "the form is open in the review window");

    let saved = world
        .post(
            &page,
            &[
                ("verdict.O1", "pass"),
                ("verdict.O2", "fail"),
                ("reason.O2", "ไม่มีรูปถ่ายของผู้บริหาร"),
                ("guidance.O2", "ให้เพิ่มรูปถ่ายและช่องทางติดต่อของผู้บริหารทุกคน"),
                ("verdict.O3", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let verdicts = world.verdicts_of(&ours).await;
    let summary: Vec<(&str, bool, &str, &str)> = verdicts
        .iter()
        .map(|verdict| {
            (verdict.item_code.as_str(), verdict.passed, verdict.reason.as_str(), verdict.stage.as_str())
        })
        .collect();
    assert_eq!(summary, [("O1", true, "", "review"), ("O2", false, "ไม่มีรูปถ่ายของผู้บริหาร", "review")]);
    assert_eq!(verdicts[1].assessor_id, Some(world.assessor.id));
    let after = world.client.get(saved.location()).await;
    assert!(after.body.contains("บันทึกผลการตรวจแล้ว 2 ข้อ"), "{}", after.body);
    assert!(after.body.contains("ให้เพิ่มรูปถ่ายและช่องทางติดต่อของผู้บริหารทุกคน"));
    assert!(after.body.contains("value=\"fail\" checked"), "the stored failure is chosen in the form");
    assert_eq!(world.audit_actions().await.iter().filter(|action| *action == "oit_verdict.set").count(), 2);
    // Sending the same again changes nothing and writes nothing.
    let again = world
        .post(
            &page,
            &[
                ("verdict.O1", "pass"),
                ("verdict.O2", "fail"),
                ("reason.O2", "ไม่มีรูปถ่ายของผู้บริหาร"),
                ("guidance.O2", "ให้เพิ่มรูปถ่ายและช่องทางติดต่อของผู้บริหารทุกคน"),
            ],
        )
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(world.audit_actions().await.iter().filter(|action| *action == "oit_verdict.set").count(), 2);
    let unchanged = world.client.get(again.location()).await;
    assert!(unchanged.body.contains("ไม่มีผลการตรวจที่เปลี่ยนแปลง"), "{}", unchanged.body);
    // The list shows the progress.
    let list = world.client.get(&format!("/review?round={}", world.round.id)).await;
    assert!(list.body.contains("รอตรวจ อีก 41 ข้อ"), "{}", list.body);
}

on_both!(
    verdicts_are_saved_and_shown_beside_the_evidence,
    verdicts_are_saved_and_shown_beside_the_evidence_on_sqlite,
    verdicts_are_saved_and_shown_beside_the_evidence_on_postgres
);

async fn outside_the_review_window_the_page_is_read_only(db: Db) {
    for when in [When::Past, When::Future] {
        let mut world = world(db, when, When::Future).await;
        world.answers_submitted().await;
        let page = world.page(&world.ours.clone());
        let shown = world.client.get(&page).await;
        assert_eq!(shown.status, 200);
        assert!(!shown.body.contains("name=\"verdict.O1\""), "no verdict form when {when:?}");
        assert!(shown.body.contains("id=\"review-read-only\""));
        let posted = world.post(&page, &[("verdict.O1", "pass")]).await;
        assert_eq!(posted.status, 403, "a verdict {when:?} the window is refused");
        assert!(posted.body.contains("ยังไม่ถูกบันทึก"), "{}", posted.body);
        assert!(world.verdicts_of(&world.ours.clone()).await.is_empty());
        let file =
            reqwest::multipart::Part::bytes(b"agency_code,item_code,verdict\n5150101,O1,pass\n".to_vec())
                .file_name("verdicts.csv");
        let form = reqwest::multipart::Form::new().text("csrf", world.csrf.clone()).part("file", file);
        let import = world
            .client
            .post_multipart(&format!("/rounds/{}/oit/verdicts/import", world.round.id), form)
            .await;
        assert_eq!(import.status, 403);
        assert!(world.verdicts_of(&world.ours.clone()).await.is_empty());
    }
}

on_both!(
    outside_the_review_window_the_page_is_read_only,
    outside_the_review_window_the_page_is_read_only_on_sqlite,
    outside_the_review_window_the_page_is_read_only_on_postgres
);

async fn disputes_are_confirmed_or_changed_with_a_reason(db: Db) {
    let mut world = world(db, When::Past, When::Now).await;
    world.answers_submitted().await;
    let ours = world.ours.clone();
    let actor = TestApp::admin_actor();
    let failures: Vec<OitVerdictDraft> = ["O1", "O2"]
        .iter()
        .map(|code| OitVerdictDraft {
            item_code: code.to_string(),
            passed: false,
            reason: format!("{code} ไม่ครบ"),
            guidance: format!("{code} ให้เพิ่ม"),
        })
        .collect();
    world.app.store.put_oit_verdicts(&actor, ours.id, world.round.id, &failures, "review").await.unwrap();
    for code in ["O1", "O2"] {
        let statement = format!("ข้อ {code} มีแสดงที่ https://www.khaothong.go.th/structure ตามที่ส่งไว้เดิม");
        world.app.store.put_oit_dispute(&actor, ours.id, world.round.id, code, &statement).await.unwrap();
    }
    let page = world.page(&ours);
    let shown = world.client.get(&page).await;
    assert!(shown.body.contains("ตามที่ส่งไว้เดิม"), "the agency's statement is shown");
    assert!(shown.body.contains("id=\"dispute-O1\""));
    assert!(!shown.body.contains("name=\"verdict.O1\""), "verdicts themselves are closed after the review");
    let action = format!("{page}/dispute");

    let no_reason = world.post(&action, &[("item", "O1"), ("decision", "confirm"), ("reason", " ")]).await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("กรุณาระบุเหตุผลของการพิจารณาข้อโต้แย้ง"), "{}", no_reason.body);
    let open = world.app.store.oit_disputes(ours.id, world.round.id).await.unwrap();
    assert!(open.iter().all(|dispute| dispute.confirmed.is_none()), "nothing was answered");

    let confirmed =
        world.post(&action, &[("item", "O1"), ("decision", "confirm"), ("reason", "หน้าที่อ้างไม่มีแผนผัง")]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let changed =
        world.post(&action, &[("item", "O2"), ("decision", "change"), ("reason", "พบข้อมูลครบถ้วน")]).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let disputes = world.app.store.oit_disputes(ours.id, world.round.id).await.unwrap();
    let answered: Vec<(&str, Option<bool>, Option<&str>)> = disputes
        .iter()
        .map(|dispute| (dispute.item_code.as_str(), dispute.confirmed, dispute.resolution_reason.as_deref()))
        .collect();
    assert_eq!(
        answered,
        [("O1", Some(true), Some("หน้าที่อ้างไม่มีแผนผัง")), ("O2", Some(false), Some("พบข้อมูลครบถ้วน"))]
    );
    let verdicts = world.verdicts_of(&ours).await;
    let stages: Vec<(&str, bool, &str)> = verdicts
        .iter()
        .map(|verdict| (verdict.item_code.as_str(), verdict.passed, verdict.stage.as_str()))
        .collect();
    assert_eq!(stages, [("O1", false, "clarification"), ("O2", true, "clarification")]);
    let actions = world.audit_actions().await;
    assert!(actions.contains(&"oit_dispute.confirm".to_string()), "{actions:?}");
    assert!(actions.contains(&"oit_dispute.change".to_string()), "{actions:?}");
    let again = world.post(&action, &[("item", "O1"), ("decision", "change"), ("reason", "เปลี่ยนใจ")]).await;
    assert_eq!(again.status, 409, "an answered dispute is not answered twice");
    let shown = world.client.get(&page).await;
    assert!(shown.body.contains("ยืนยันผลไม่ผ่าน: หน้าที่อ้างไม่มีแผนผัง"), "{}", shown.body);

    // After the clarification window, nothing more is answered.
    let mut closed = world.round.clone();
    closed.windows = windows(When::Past, When::Past);
    let draft = RoundDraft {
        fiscal_year: closed.fiscal_year,
        methodology_year: closed.methodology_year,
        methodology_variant: closed.methodology_variant.clone(),
        windows: closed.windows.clone(),
    };
    world.app.store.update_round(&actor, closed.id, &draft).await.unwrap();
    let late = world.post(&action, &[("item", "O1"), ("decision", "change"), ("reason", "ช้าไป")]).await;
    assert_eq!(late.status, 403);
}

on_both!(
    disputes_are_confirmed_or_changed_with_a_reason,
    disputes_are_confirmed_or_changed_with_a_reason_on_sqlite,
    disputes_are_confirmed_or_changed_with_a_reason_on_postgres
);

async fn import_writes_the_good_rows_and_names_the_bad_ones(db: Db) {
    let mut world = world(db, When::Now, When::Future).await;
    let csv = "รหัสหน่วยงาน,รหัสข้อ,ผลการพิจารณา,เหตุผล,ข้อแนะนำ\n\
               5150101,O1,ผ่าน,,\n\
               5150101,O2,ไม่ผ่าน,ไม่มีรูปถ่าย,ให้เพิ่มรูปถ่าย\n\
               9999999,O3,pass,,\n\
               5150101,O999,pass,,\n\
               5150101,O4,fail,,ให้เพิ่ม\n\
               6150202,O5,pass,,\n\
               5150101,O6,,,\n";
    let file = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("verdicts.csv");
    let form = reqwest::multipart::Form::new().text("csrf", world.csrf.clone()).part("file", file);
    let path = format!("/rounds/{}/oit/verdicts/import", world.round.id);
    let reply = world.client.post_multipart(&path, form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("id=\"import-written\">2<"), "{}", reply.body);
    assert!(reply.body.contains("id=\"import-refused\">4<"));
    assert!(reply.body.contains("id=\"import-skipped\">1<"));
    for (row, message) in [
        (4, "หน่วยงานรหัส 9999999 ไม่อยู่ในรายชื่อหน่วยงานที่ท่านได้รับมอบหมาย"),
        (5, "ไม่มีข้อ O999"),
        (6, "ผลไม่ผ่านต้องระบุเหตุผล"),
        (7, "หน่วยงานรหัส 6150202 ไม่อยู่ในรายชื่อหน่วยงานที่ท่านได้รับมอบหมาย"),
    ] {
        let start = reply.body.find(&format!("id=\"row-{row}\" class=\"refused\"")).unwrap_or_else(|| {
            panic!("row {row} is reported refused: {}", reply.body);
        });
        let report = &reply.body[start..];
        let report = &report[..report.find("</tr>").unwrap()];
        assert!(report.contains(message), "row {row}: {report}");
    }
    assert!(!reply.body.contains("องค์การบริหารส่วนตำบลห่างไกล"), "the unassigned agency is not named");
    let ours = world.verdicts_of(&world.ours.clone()).await;
    let written: Vec<(&str, bool)> =
        ours.iter().map(|verdict| (verdict.item_code.as_str(), verdict.passed)).collect();
    assert_eq!(written, [("O1", true), ("O2", false)]);
    assert!(world.verdicts_of(&world.theirs.clone()).await.is_empty(), "nothing for the unassigned agency");

    // The national administrator imports for any agency, from a workbook.
    world.app.create_user("national", Role::NationalAdmin, None, None).await;
    let mut national = world.app.signed_in("national").await;
    let csrf = national.csrf_from(&path).await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in [
        ["agency_code", "item_code", "verdict", "reason", "guidance"],
        ["6150202", "O5", "pass", "", ""],
        ["6150202", "O6", "fail", "", ""],
        ["1234567", "O7", "pass", "", ""],
    ]
    .iter()
    .enumerate()
    {
        for (column, cell) in cells.iter().enumerate() {
            sheet.write_string(row as u32, column as u16, *cell).unwrap();
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let file = reqwest::multipart::Part::bytes(bytes).file_name("verdicts.xlsx");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part("file", file);
    let reply = national.post_multipart(&path, form).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("ไม่พบหน่วยงานรหัส 1234567 ในระบบ"), "{}", reply.body);
    let theirs = world.verdicts_of(&world.theirs.clone()).await;
    assert_eq!(theirs.iter().map(|verdict| verdict.item_code.as_str()).collect::<Vec<_>>(), ["O5"]);
    // A file without the verdict column writes nothing and says what is missing.
    let csrf = national.csrf_from(&path).await;
    let file =
        reqwest::multipart::Part::bytes(b"agency_code,item_code\n5150101,O9\n".to_vec()).file_name("v.csv");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part("file", file);
    let reply = national.post_multipart(&path, form).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ไม่พบคอลัมน์ที่จำเป็น: ผลการพิจารณา"), "{}", reply.body);
}

on_both!(
    import_writes_the_good_rows_and_names_the_bad_ones,
    import_writes_the_good_rows_and_names_the_bad_ones_on_sqlite,
    import_writes_the_good_rows_and_names_the_bad_ones_on_postgres
);

async fn the_checklist_exports_as_csv_and_xlsx(db: Db) {
    let mut world = world(db, When::Now, When::Future).await;
    world.answers_submitted().await;
    let page = world.page(&world.ours.clone());
    let saved = world
        .post(&page, &[("verdict.O1", "fail"), ("reason.O1", "ไม่มีแผนผัง"), ("guidance.O1", "ให้เผยแพร่แผนผัง")])
        .await;
    assert_eq!(saved.status, 303);
    let csv = world.client.get(&format!("/rounds/{}/oit/checklist.csv", world.round.id)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a byte-order mark");
    assert!(csv.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let mut reader = csv::ReaderBuilder::new().from_reader(&csv.bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "รหัสหน่วยงาน",
            "ชื่อหน่วยงาน",
            "รหัสข้อ",
            "ชื่อข้อ",
            "คำตอบ",
            "URL",
            "ผลการพิจารณา",
            "เหตุผล",
            "ข้อแนะนำ",
            "ข้อโต้แย้ง",
            "ผลการพิจารณาข้อโต้แย้ง"
        ]
    );
    let rows: Vec<Vec<String>> =
        reader.records().map(|record| record.unwrap().iter().map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 43, "one row per item of the one assigned agency");
    assert!(rows.iter().all(|row| row[0] == "5150101"));
    assert_eq!(
        rows[0][2..9],
        [
            "O1",
            "โครงสร้าง",
            "มี",
            "https://www.khaothong.go.th/structure\nhttps://facebook.com/kt",
            "ไม่ผ่าน",
            "ไม่มีแผนผัง",
            "ให้เผยแพร่แผนผัง"
        ]
        .map(String::from)
    );
    assert_eq!(rows[2][4], "", "an unanswered item has no answer");

    let xlsx = world.client.get(&format!("/rounds/{}/oit/checklist.xlsx", world.round.id)).await;
    assert_eq!(xlsx.status, 200);
    let mut workbook = Xlsx::new(Cursor::new(xlsx.bytes)).expect("the export opens as a workbook");
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<Vec<String>> =
        range.rows().map(|row| row.iter().map(|cell| cell.to_string()).collect()).collect();
    assert_eq!(cells[0], header);
    assert_eq!(cells[1..], rows[..], "the workbook holds the same rows as the CSV");

    // The national administrator's checklist covers both agencies; a provincial analyst's only its
    // province's.
    world.app.create_user("national", Role::NationalAdmin, None, None).await;
    let mut national = world.app.signed_in("national").await;
    let all = national.get(&format!("/rounds/{}/oit/checklist.csv", world.round.id)).await;
    let codes: Vec<String> = csv::Reader::from_reader(&all.bytes[3..])
        .records()
        .map(|record| record.unwrap()[0].to_string())
        .collect();
    assert_eq!(codes.len(), 2 * 43, "both agencies, every item");
    assert_eq!(codes.iter().filter(|code| *code == "6150202").count(), 43);
    world.app.create_user("analyst", Role::ProvincialAnalyst, None, Some("ลพบุรี")).await;
    let mut analyst = world.app.signed_in("analyst").await;
    let province = analyst.get(&format!("/rounds/{}/oit/checklist.csv", world.round.id)).await;
    assert_eq!(province.status, 200);
    assert!(province.body.contains("6150202") && !province.body.contains("5150101"));
    world.app.create_user("clerk", Role::AgencyAdmin, Some(&world.ours), None).await;
    let mut clerk = world.app.signed_in("clerk").await;
    assert_eq!(clerk.get(&format!("/rounds/{}/oit/checklist.csv", world.round.id)).await.status, 403);
}

on_both!(
    the_checklist_exports_as_csv_and_xlsx,
    the_checklist_exports_as_csv_and_xlsx_on_sqlite,
    the_checklist_exports_as_csv_and_xlsx_on_postgres
);

/// The text of the element with `id`, up to its next tag.
fn text_of<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let end = rest[open..].find('<').unwrap() + open;
    &rest[open..end]
}

async fn live_scores_equal_the_domain_s_scoring_of_the_stored_verdicts(db: Db) {
    let mut world = world(db, When::Now, When::Future).await;
    let page = world.page(&world.ours.clone());
    let empty = world.client.get(&page).await;
    assert_eq!(text_of(&empty.body, "indicator-9-score"), "-", "no verdict, no score");
    // Some of every sub-indicator, some failing, as an assessor would save them over two visits.
    let passes = ["O1", "O2", "O3", "O10", "O11", "O18", "O25", "O29", "O34", "O35", "O36", "O42"];
    let failures = ["O4", "O12", "O19", "O30", "O37", "O43"];
    for batch in [&passes[..6], &passes[6..]] {
        let fields: Vec<(String, String)> =
            batch.iter().map(|code| (format!("verdict.{code}"), "pass".to_string())).collect();
        let borrowed: Vec<(&str, &str)> =
            fields.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
        assert_eq!(world.post(&page, &borrowed).await.status, 303);
    }
    let mut fields = Vec::new();
    for code in failures {
        fields.push((format!("verdict.{code}"), "fail".to_string()));
        fields.push((format!("reason.{code}"), "ไม่ครบ".to_string()));
        fields.push((format!("guidance.{code}"), "ให้เพิ่ม".to_string()));
    }
    let borrowed: Vec<(&str, &str)> =
        fields.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    assert_eq!(world.post(&page, &borrowed).await.status, 303);

    let methodology = Catalog::builtin().unwrap().get(&"2565".parse().unwrap()).unwrap().clone();
    let mut set = VerdictSet::new();
    for verdict in world.verdicts_of(&world.ours.clone()).await {
        let given = if verdict.passed { Verdict::Pass } else { Verdict::Fail };
        set.insert(&methodology, &verdict.item_code, given, "test", "verdicts").unwrap();
    }
    assert_eq!(set.len(), passes.len() + failures.len());
    let shown = world.client.get(&page).await;
    for indicator in [9u8, 10] {
        let subs = score_indicator(&methodology, indicator, &set);
        let expected = Exact::mean(subs.iter().filter_map(|sub| sub.score.as_ref())).unwrap();
        assert_eq!(
            text_of(&shown.body, &format!("indicator-{indicator}-score")),
            expected.round_hundredths().to_string(),
            "indicator {indicator}"
        );
    }
    // By hand for indicator 10: 10.1 (O34-O41) has 3 of 4 judged passing (75), 10.2 (O42, O43) 1 of 2 (50).
    assert_eq!(text_of(&shown.body, "indicator-10-score"), "62.50");
}

on_both!(
    live_scores_equal_the_domain_s_scoring_of_the_stored_verdicts,
    live_scores_equal_the_domain_s_scoring_of_the_stored_verdicts_on_sqlite,
    live_scores_equal_the_domain_s_scoring_of_the_stored_verdicts_on_postgres
);
