//! The administrators' pages: assessment rounds, accounts (creating, deactivating, passwords, assignments,
//! API tokens) and the audit log, each through the forms a person fills in.

use ita_domain::platform::Role;
use ita_store::AuditQuery;

use crate::helpers::{Db, PASSWORD, spawn_app};

/// A page's text with the quotes templates escape put back, to compare with messages as people read them.
fn unescaped(html: &str) -> String {
    html.replace("&#34;", "\"").replace("&quot;", "\"")
}

async fn audit_entries(app: &crate::helpers::TestApp) -> i64 {
    app.store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1 }).await.unwrap().total
}

#[tokio::test]
async fn a_round_with_impossible_or_reversed_dates_is_refused_with_every_problem_listed_and_nothing_stored() {
    let app = spawn_app(Db::Sqlite).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut admin = app.signed_in("admin").await;
    let before = audit_entries(&app).await;
    let reply = admin
        .submit(
            "/rounds/new",
            "/rounds",
            &[
                ("fiscal_year", "2568"),
                ("methodology", "2568"),
                ("oit_answer_from", "2025-02-30"),
                ("oit_answer_to", "2025-03-31"),
                ("survey_from", "2025-06-30"),
                ("survey_to", "2025-05-01"),
                ("oit_review_from", "2025-07-01"),
                ("results_on", "30/09/2025"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let body = unescaped(&reply.body);
    for expected in [
        "\"2025-02-30\" ไม่ใช่วันที่ที่ถูกต้อง",
        "ช่วงเก็บข้อมูล IIT และ EIT: วันเริ่ม (2025-06-30) อยู่หลังวันสิ้นสุด (2025-05-01)",
        "ช่วงผู้ประเมินตรวจ OIT: ต้องระบุทั้งวันเริ่มและวันสิ้นสุด",
        "วันประกาศผล: \"30/09/2025\" ไม่ใช่วันที่ที่ถูกต้อง",
    ] {
        assert!(body.contains(expected), "missing {expected:?}: {body}");
    }
    assert!(body.contains("value=\"2025-03-31\""), "what was typed stays on the form");
    assert!(app.store.rounds().await.unwrap().is_empty(), "no round was stored");
    assert_eq!(audit_entries(&app).await, before, "and nothing was logged");
    let reply =
        admin.submit("/rounds/new", "/rounds", &[("fiscal_year", "2400"), ("methodology", "1999")]).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ปีงบประมาณ 2400 ไม่ถูกต้อง") && reply.body.contains("ไม่รู้จักวิธีการประเมิน"));
}

#[tokio::test]
async fn a_new_round_shows_its_methodology_and_windows_as_thai_dates_to_everyone() {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("1001", "อบต.ทดสอบ", "อ่างทอง").await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    app.create_user("editor", Role::AgencyEditor, Some(&agency), None).await;
    let mut admin = app.signed_in("admin").await;
    let form = admin.get("/rounds/new").await;
    assert!(form.body.contains("<option value=\"2570\" selected>"), "the newest methodology is the default");
    let reply = admin
        .submit(
            "/rounds/new",
            "/rounds",
            &[
                ("fiscal_year", "2568"),
                ("methodology", "2568"),
                ("oit_answer_from", "2025-01-06"),
                ("oit_answer_to", "2025-03-31"),
                ("results_on", "2025-09-30"),
            ],
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let mut editor = app.signed_in("editor").await;
    let list = editor.get("/rounds").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("6 มกราคม 2568 – 31 มีนาคม 2568"), "{}", list.body);
    assert!(list.body.contains("30 กันยายน 2568"));
    assert!(!list.body.contains("/results/import"), "only administrators get the import link");
    let round = app.store.rounds().await.unwrap().remove(0);
    assert_eq!(round.windows.oit_answer_from.as_deref(), Some("2025-01-06"));
    assert!(admin.get("/rounds").await.body.contains(&format!("/rounds/{}/results/import", round.id)));
}

async fn duplicate_year_story(db: Db) {
    let app = spawn_app(db).await;
    let round = app.create_round(2567, 2567).await;
    app.create_round(2566, 2566).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut admin = app.signed_in("admin").await;
    let reply =
        admin.submit("/rounds/new", "/rounds", &[("fiscal_year", "2567"), ("methodology", "2567")]).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("รอบการประเมินปีงบประมาณ 2567 มีอยู่แล้ว"), "{}", reply.body);
    let edit = format!("/rounds/{}/edit", round.id);
    let action = format!("/rounds/{}", round.id);
    let reply = admin.submit(&edit, &action, &[("fiscal_year", "2566"), ("methodology", "2567")]).await;
    assert_eq!(reply.status, 422, "moving a round onto another's year: {}", reply.body);
    assert!(reply.body.contains("รอบการประเมินปีงบประมาณ 2566 มีอยู่แล้ว"));
    assert_eq!(app.store.rounds().await.unwrap().len(), 2);
    assert_eq!(app.store.round(round.id).await.unwrap().unwrap().fiscal_year.get(), 2567);
}

#[tokio::test]
async fn a_second_round_for_the_same_fiscal_year_is_refused_on_sqlite() {
    duplicate_year_story(Db::Sqlite).await;
}

#[tokio::test]
async fn a_second_round_for_the_same_fiscal_year_is_refused_on_postgres() {
    duplicate_year_story(Db::Postgres).await;
}

#[tokio::test]
async fn an_agency_administrator_manages_only_its_own_agency_accounts() {
    let app = spawn_app(Db::Sqlite).await;
    let ours = app.create_agency("1001", "อบต.บ้านเรา", "อ่างทอง").await;
    let theirs = app.create_agency("2002", "อบต.บ้านเขา", "ลพบุรี").await;
    app.create_user("boss", Role::AgencyAdmin, Some(&ours), None).await;
    app.create_user("their.clerk", Role::AgencyEditor, Some(&theirs), None).await;
    let mut boss = app.signed_in("boss").await;
    let new_form = boss.get("/users/new").await;
    assert!(new_form.body.contains("value=\"1001\""), "its own agency is filled in");
    assert!(!new_form.body.contains("national_admin"), "it is offered only the agency roles");
    let account = |username: &'static str, code: &'static str| {
        [
            ("username", username),
            ("display_name", "เจ้าหน้าที่ใหม่"),
            ("role", "agency_editor"),
            ("agency_code", code),
            ("active", "on"),
            ("password", "a long enough password"),
        ]
    };
    let refused = boss.submit("/users/new", "/users", &account("planted", "2002")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(app.store.login_record("planted").await.unwrap().is_none(), "no account was made");
    let made = boss.submit("/users/new", "/users", &account("new.clerk", "1001")).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let user = app.store.login_record("new.clerk").await.unwrap().unwrap().user;
    assert_eq!((user.role, user.agency_id), (Role::AgencyEditor, Some(ours.id)));
    let list = boss.get("/users").await;
    assert!(list.body.contains("new.clerk") && !list.body.contains("their.clerk"), "{}", list.body);
    let short = boss
        .submit(
            "/users/new",
            "/users",
            &[("username", "x"), ("role", "agency_editor"), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    let body = unescaped(&short.body);
    for expected in ["ชื่อผู้ใช้ \"x\"", "ต้องระบุชื่อ-นามสกุล", "ต้องระบุรหัสหน่วยงาน", "อย่างน้อย 10 ตัวอักษร"]
    {
        assert!(body.contains(expected), "missing {expected:?}: {body}");
    }
    let taken = boss.submit("/users/new", "/users", &account("new.clerk", "1001")).await;
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("ชื่อผู้ใช้ new.clerk มีผู้ใช้แล้ว"));
}

async fn deactivation_story(db: Db) {
    let app = spawn_app(db).await;
    let agency = app.create_agency("1001", "อบต.ทดสอบ", "อ่างทอง").await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let clerk = app.create_user("clerk", Role::AgencyEditor, Some(&agency), None).await;
    let mut admin = app.signed_in("admin").await;
    let mut clerk_browser = app.signed_in("clerk").await;
    assert_eq!(clerk_browser.get("/agencies").await.status, 200);
    let edit = format!("/users/{}/edit", clerk.id);
    let fields = [
        ("username", "clerk"),
        ("display_name", "คุณ clerk"),
        ("role", "agency_editor"),
        ("agency_code", "1001"),
    ];
    let reply = admin.submit(&edit, &format!("/users/{}", clerk.id), &fields).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(!app.store.user(clerk.id).await.unwrap().unwrap().active);
    let reply = clerk_browser.get("/agencies").await;
    assert_eq!(reply.status, 303, "the open session ended");
    assert!(reply.location().starts_with("/sign-in"));
    assert_eq!(app.client().post_sign_in("clerk", PASSWORD).await.status, 401, "and it cannot sign in again");
    let list = admin.get("/users").await;
    assert!(list.body.contains("ปิดใช้งาน"), "the list says so");
}

#[tokio::test]
async fn a_deactivated_account_cannot_sign_in_and_its_open_session_ends_on_sqlite() {
    deactivation_story(Db::Sqlite).await;
}

#[tokio::test]
async fn a_deactivated_account_cannot_sign_in_and_its_open_session_ends_on_postgres() {
    deactivation_story(Db::Postgres).await;
}

#[tokio::test]
async fn nobody_may_deactivate_their_own_account_by_mistake() {
    let app = spawn_app(Db::Sqlite).await;
    let admin_user = app.create_user("admin", Role::NationalAdmin, None, None).await;
    let mut admin = app.signed_in("admin").await;
    let edit = format!("/users/{}/edit", admin_user.id);
    let fields = [("username", "admin"), ("display_name", "คุณ admin"), ("role", "national_admin")];
    let reply = admin.submit(&edit, &format!("/users/{}", admin_user.id), &fields).await;
    assert_eq!(reply.status, 422);
    assert!(reply.body.contains("ไม่สามารถปิดบัญชีหรือเปลี่ยนบทบาทของบัญชีตนเองได้"));
    assert!(app.store.user(admin_user.id).await.unwrap().unwrap().active);
}

#[tokio::test]
async fn a_password_reset_replaces_the_old_password_and_ends_the_account_sessions() {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("1001", "อบต.ทดสอบ", "อ่างทอง").await;
    app.create_user("boss", Role::AgencyAdmin, Some(&agency), None).await;
    let clerk = app.create_user("clerk", Role::AgencyEditor, Some(&agency), None).await;
    let mut boss = app.signed_in("boss").await;
    let mut clerk_browser = app.signed_in("clerk").await;
    let edit = format!("/users/{}/edit", clerk.id);
    let action = format!("/users/{}/password", clerk.id);
    let short = boss.submit(&edit, &action, &[("password", "short")]).await;
    assert_eq!(short.status, 422);
    assert!(short.body.contains("อย่างน้อย 10 ตัวอักษร"));
    let reply = boss.submit(&edit, &action, &[("password", "a brand new password")]).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(boss.get(reply.location()).await.body.contains("ตั้งรหัสผ่านใหม่แล้ว"));
    assert_eq!(clerk_browser.get("/agencies").await.status, 303, "the old session ended");
    assert_eq!(app.client().post_sign_in("clerk", PASSWORD).await.status, 401);
    assert_eq!(app.client().post_sign_in("clerk", "a brand new password").await.status, 303);
}

#[tokio::test]
async fn an_assessor_reads_an_agency_while_it_is_assigned_and_not_after() {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("1001", "อบต.ทดสอบ", "อ่างทอง").await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    let assessor = app.create_user("assessor", Role::Assessor, None, None).await;
    let mut admin = app.signed_in("admin").await;
    let mut assessor_browser = app.signed_in("assessor").await;
    let page = format!("/agencies/{}", agency.id);
    assert_eq!(assessor_browser.get(&page).await.status, 404);
    let edit = format!("/users/{}/edit", assessor.id);
    let action = format!("/users/{}/assignments", assessor.id);
    let unknown = admin.submit(&edit, &action, &[("agency_code", "9999"), ("change", "add")]).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("ไม่พบหน่วยงานรหัส 9999"));
    let added = admin.submit(&edit, &action, &[("agency_code", "1001"), ("change", "add")]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(admin.get(&edit).await.body.contains("อบต.ทดสอบ"), "the edit page lists the assigned agency");
    assert_eq!(assessor_browser.get(&page).await.status, 200);
    let removed = admin.submit(&edit, &action, &[("agency_code", "1001"), ("change", "remove")]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(assessor_browser.get(&page).await.status, 404);
}

#[tokio::test]
async fn an_api_token_is_shown_once_and_then_works_as_its_account() {
    let app = spawn_app(Db::Sqlite).await;
    let agency = app.create_agency("1001", "อบต.ทดสอบ", "อ่างทอง").await;
    let editor = app.create_user("editor", Role::AgencyEditor, Some(&agency), None).await;
    let mut browser = app.signed_in("editor").await;
    let tokens = format!("/users/{}/tokens", editor.id);
    let empty = browser.submit(&tokens, &tokens, &[("name", " ")]).await;
    assert_eq!(empty.status, 422);
    let reply = browser.submit(&tokens, &tokens, &[("name", "ระบบรายงาน")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.headers.get("cache-control").unwrap(), "no-store");
    let start = reply.body.find("id=\"new-token\"").expect("the token is on the page");
    let value_at = reply.body[..start].rfind("value=\"").unwrap() + "value=\"".len();
    let token = &reply.body[value_at..value_at + reply.body[value_at..].find('"').unwrap()];
    assert!(token.len() >= 40, "{token}");
    assert!(!browser.get(&tokens).await.body.contains(token), "it is shown once");
    let api = reqwest::Client::new()
        .get(format!("{}/api/agencies", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert!(api.text().await.unwrap().contains("1001"));
}

#[tokio::test]
async fn the_audit_log_shows_a_result_change_with_its_before_and_after_to_the_right_people() {
    let app = spawn_app(Db::Sqlite).await;
    let ours = app.create_agency("1001", "อบต.บ้านเรา", "อ่างทอง").await;
    let theirs = app.create_agency("2002", "อบต.บ้านเขา", "ลพบุรี").await;
    let round = app.create_round(2565, 2565).await;
    app.create_user("admin", Role::NationalAdmin, None, None).await;
    app.create_user("boss", Role::AgencyAdmin, Some(&ours), None).await;
    app.create_user("editor", Role::AgencyEditor, Some(&ours), None).await;
    let mut editor = app.signed_in("editor").await;
    let form = format!("/agencies/{}/rounds/{}/result", ours.id, round.id);
    let mut scores = crate::helpers::REFERENCE_SCORES.to_vec();
    assert_eq!(editor.submit(&form, &form, &scores).await.status, 303);
    scores[9].1 = "60.00";
    assert_eq!(editor.submit(&form, &form, &scores).await.status, 303);
    let mut admin = app.signed_in("admin").await;
    let theirs_form = format!("/agencies/{}/rounds/{}/result", theirs.id, round.id);
    assert_eq!(admin.submit(&theirs_form, &theirs_form, &scores).await.status, 303);
    let log = admin.get("/audit").await;
    assert_eq!(log.status, 200);
    for expected in [
        "แก้ไขผลคะแนน",
        "บันทึกผลคะแนน",
        "1001 อบต.บ้านเรา · ปีงบประมาณ 2565",
        "ตัวชี้วัดที่ 10: 25.00 → 60.00",
        "คะแนนรวม: 78.35 → ",
        "คุณ editor",
        "2002 อบต.บ้านเขา",
    ] {
        assert!(log.body.contains(expected), "missing {expected:?}: {}", log.body);
    }
    assert!(!log.body.contains("ตัวชี้วัดที่ 1: "), "unchanged indicators are not listed");
    let changed = log.body.find("ตัวชี้วัดที่ 10: 25.00").unwrap();
    assert!(log.body.find("2002 อบต.บ้านเขา").unwrap() < changed, "newest first");
    let mut boss = app.signed_in("boss").await;
    let theirs_hidden = boss.get("/audit").await;
    assert_eq!(theirs_hidden.status, 200);
    assert!(theirs_hidden.body.contains("ตัวชี้วัดที่ 10: 25.00 → 60.00"));
    assert!(!theirs_hidden.body.contains("บ้านเขา"), "another agency's entries are not shown");
    assert_eq!(editor.get("/audit").await.status, 403);
}
