//! Every page route against every role, from one table: who gets which status, that nobody but a national
//! administrator ever sees a word of another agency's data, and that every refused form wrote nothing.

use ita_domain::platform::Role;
use ita_store::{Agency, AuditQuery, OitSnapshot, Round, RoundDraft, RoundWindows, Submission, User};
use uuid::Uuid;

use crate::helpers::{Client, Db, REFERENCE_SCORES, TestApp, csrf_in, spawn_app};

/// Who asks, in the order of each row's expected statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    NationalAdmin,
    /// A provincial analyst of our agency's province (the other agency is in another province).
    Analyst,
    /// An assessor assigned to our agency only.
    Assessor,
    /// Our agency's administrator.
    AgencyAdmin,
    /// Our agency's editor.
    Editor,
}

const EVERYONE: [Who; 6] =
    [Who::Anonymous, Who::NationalAdmin, Who::Analyst, Who::Assessor, Who::AgencyAdmin, Who::Editor];

/// The other agency's name: no reply to anyone but a national administrator may contain it.
const THEIR_NAME: &str = "องค์การบริหารส่วนตำบลห่างไกลลับ";
const THEIR_CLERK: &str = "their.clerk";

const RESULTS_CSV: &str = "code,indicator_1,indicator_2,indicator_3,indicator_4,indicator_5,indicator_6,\
indicator_7,indicator_8,indicator_9,indicator_10\nours-1001,100,100,100,99.34,97.77,89.70,88.91,86.09,85.29,25.00\n";

#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    Form(&'static [(&'static str, &'static str)]),
    /// A file upload (field `file`), as the import forms send it.
    Upload(&'static str, &'static str),
}

/// One route: the method and path (with `{ours}`, `{theirs}`, `{round}`, `{our_clerk}`, `{their_clerk}`,
/// `{assessor}`, `{me}`, `{nobody}` filled in), what a form sends, and the status each of [`EVERYONE`] gets.
struct Row {
    post: bool,
    path: &'static str,
    body: Body,
    expect: [u16; 6],
    /// Whether an accepted post writes an audit entry (everything but signing out and set-up does).
    audited: bool,
}

const fn get(path: &'static str, expect: [u16; 6]) -> Row {
    Row { post: false, path, body: Body::None, expect, audited: false }
}

const fn post(path: &'static str, fields: &'static [(&'static str, &'static str)], expect: [u16; 6]) -> Row {
    Row { post: true, path, body: Body::Form(fields), expect, audited: true }
}

const fn upload(path: &'static str, file_name: &'static str, content: &'static str, expect: [u16; 6]) -> Row {
    Row { post: true, path, body: Body::Upload(file_name, content), expect, audited: true }
}

const fn post_unaudited(
    path: &'static str,
    fields: &'static [(&'static str, &'static str)],
    expect: [u16; 6],
) -> Row {
    Row { post: true, path, body: Body::Form(fields), expect, audited: false }
}

const OUR_AGENCY: &[(&str, &str)] = &[
    ("code", "ours-1001"),
    ("name_th", "องค์การบริหารส่วนตำบลบ้านเรา"),
    ("kind", "sao"),
    ("province", "อ่างทอง"),
];
const THEIR_AGENCY: &[(&str, &str)] =
    &[("code", "theirs-2002"), ("name_th", THEIR_NAME), ("kind", "sao"), ("province", "ลพบุรี")];
const NEW_AGENCY: &[(&str, &str)] =
    &[("code", "new-3003"), ("name_th", "อบต.ใหม่"), ("kind", "sao"), ("province", "อ่างทอง")];
const ROUND_2566: &[(&str, &str)] = &[("fiscal_year", "2566"), ("methodology", "2566")];
const ROUND_2565: &[(&str, &str)] =
    &[("fiscal_year", "2565"), ("methodology", "2565"), ("results_on", "2022-09-30")];
const NEW_OUR_USER: &[(&str, &str)] = &[
    ("username", "made.by.{who}"),
    ("display_name", "ผู้ใช้ใหม่"),
    ("role", "agency_editor"),
    ("agency_code", "ours-1001"),
    ("active", "on"),
    ("password", "a long enough password"),
];
const NEW_THEIR_USER: &[(&str, &str)] = &[
    ("username", "theirs.by.{who}"),
    ("display_name", "ผู้ใช้ใหม่"),
    ("role", "agency_editor"),
    ("agency_code", "theirs-2002"),
    ("active", "on"),
    ("password", "a long enough password"),
];
const NEW_NATIONAL_ADMIN: &[(&str, &str)] = &[
    ("username", "boss.by.{who}"),
    ("display_name", "ผู้ดูแลใหม่"),
    ("role", "national_admin"),
    ("active", "on"),
    ("password", "a long enough password"),
];
const OUR_CLERK_FORM: &[(&str, &str)] = &[
    ("username", "our.clerk"),
    ("display_name", "เจ้าหน้าที่ของเรา"),
    ("role", "agency_editor"),
    ("agency_code", "ours-1001"),
    ("active", "on"),
];
const THEIR_CLERK_FORM: &[(&str, &str)] = &[
    ("username", THEIR_CLERK),
    ("display_name", "เจ้าหน้าที่ของเขา"),
    ("role", "agency_editor"),
    ("agency_code", "theirs-2002"),
    ("active", "on"),
];
/// Making oneself an inactive national administrator: an agency administrator may not give itself that role, and
/// a national administrator may not switch itself off.
const MYSELF_AS_INACTIVE_NATIONAL_ADMIN: &[(&str, &str)] =
    &[("username", "promoted"), ("display_name", "ผู้ได้เลื่อนขั้น"), ("role", "national_admin")];
const NEW_PASSWORD: &[(&str, &str)] = &[("password", "another long password")];
const ASSIGN_OURS: &[(&str, &str)] = &[("agency_code", "ours-1001"), ("change", "add")];
const TOKEN: &[(&str, &str)] = &[("name", "access test")];
const SETUP: &[(&str, &str)] =
    &[("username", "intruder"), ("display_name", "ผู้บุกรุก"), ("password", "a long enough password")];
const WRONG_SIGN_IN: &[(&str, &str)] = &[("username", "admin"), ("password", "not the password")];
const NOTHING: &[(&str, &str)] = &[];
const TARGETS: &[(&str, &str)] = &[("iit_population", "120"), ("eit_population", "1000")];
/// An OIT draft of one item (each writer's differs, so that each writes).
const OIT_DRAFT: &[(&str, &str)] =
    &[("has.O1", "no"), ("explanation.O1", "บันทึกโดย {who}"), ("action", "draft")];
const OIT_DISPUTE: &[(&str, &str)] = &[("item", "O1"), ("statement", "ข้อมูลอยู่ที่หน้าแรก")];
/// An assessor's verdict (each judge's reason differs, so that each writes), and an answer to a dispute.
const OIT_VERDICT: &[(&str, &str)] =
    &[("verdict.O1", "fail"), ("reason.O1", "ตรวจโดย {who}"), ("guidance.O1", "ให้เผยแพร่")];
const OIT_DISPUTE_ANSWER: &[(&str, &str)] = &[("item", "O1"), ("decision", "confirm"), ("reason", "ยืนยัน")];
const OIT_VERDICTS_CSV: &str = "agency_code,item_code,verdict\nours-1001,O2,pass\ntheirs-2002,O3,pass\n";

/// Statuses in the order of [`EVERYONE`]: anonymous, national admin, analyst, assessor, agency admin, editor.
#[rustfmt::skip]
const ROUTES: &[Row] = &[
    // The frame and signing in.
    get("/",                                             [303, 303, 303, 303, 303, 303]),
    get("/static/site.css",                              [200, 200, 200, 200, 200, 200]),
    get("/sign-in",                                      [200, 303, 303, 303, 303, 303]),
    post_unaudited("/sign-in", WRONG_SIGN_IN,            [401, 401, 401, 401, 401, 401]),
    get("/lang/th?next=/sign-in",                        [303, 303, 303, 303, 303, 303]),
    get("/setup/not-a-token",                            [404, 404, 404, 404, 404, 404]),
    post_unaudited("/setup/not-a-token", SETUP,          [404, 404, 404, 404, 404, 404]),
    // Agencies: ours is readable by every role, theirs only by the national administrator; an id nobody has
    // answers exactly as theirs does.
    get("/agencies",                                     [303, 200, 200, 200, 200, 200]),
    get("/agencies/new",                                 [303, 200, 403, 403, 403, 403]),
    post("/agencies", NEW_AGENCY,                        [303, 303, 403, 403, 403, 403]),
    get("/agencies/{ours}",                              [303, 200, 200, 200, 200, 200]),
    get("/agencies/{theirs}",                            [303, 200, 404, 404, 404, 404]),
    get("/agencies/{nobody}",                            [303, 404, 404, 404, 404, 404]),
    get("/agencies/{ours}/edit",                         [303, 200, 403, 403, 200, 200]),
    get("/agencies/{theirs}/edit",                       [303, 200, 404, 404, 404, 404]),
    post("/agencies/{ours}", OUR_AGENCY,                 [303, 303, 403, 403, 303, 303]),
    post("/agencies/{theirs}", THEIR_AGENCY,             [303, 303, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}",               [303, 200, 200, 200, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}",             [303, 200, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}/result",        [303, 200, 403, 403, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}/result",      [303, 200, 404, 404, 404, 404]),
    post("/agencies/{ours}/rounds/{round}/result", &REFERENCE_SCORES, [303, 303, 403, 403, 303, 303]),
    post("/agencies/{theirs}/rounds/{round}/result", &REFERENCE_SCORES, [303, 303, 404, 404, 404, 404]),
    // Computing over the official results both agencies have is refused, and writes nothing.
    post("/agencies/{ours}/rounds/{round}/result/compute", NOTHING, [303, 409, 403, 403, 409, 409]),
    post("/agencies/{theirs}/rounds/{round}/result/compute", NOTHING, [303, 409, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}/report/md",     [303, 200, 200, 200, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}/report/md",   [303, 200, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}/report/docx",   [303, 200, 200, 200, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}/report/docx", [303, 200, 404, 404, 404, 404]),
    // Surveys: the agency's people and the province's analyst read them, an assessor has no part in them; only
    // the agency's administrator and the national administrator change anything; the IIT code and its poster are
    // the agency's own; exports are for the administrators and the analyst.
    get("/agencies/{ours}/rounds/{round}/surveys",       [303, 200, 200, 403, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}/surveys",     [303, 200, 404, 404, 404, 404]),
    post("/agencies/{ours}/rounds/{round}/surveys/targets", TARGETS, [303, 303, 403, 403, 303, 403]),
    post("/agencies/{theirs}/rounds/{round}/surveys/targets", TARGETS, [303, 303, 404, 404, 404, 404]),
    post("/agencies/{ours}/rounds/{round}/surveys/code", NOTHING, [303, 303, 403, 403, 303, 403]),
    post("/agencies/{theirs}/rounds/{round}/surveys/code", NOTHING, [303, 303, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}/surveys/poster-iit.pdf", [303, 200, 403, 403, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}/surveys/poster-iit.pdf", [303, 200, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}/surveys/responses.csv?instrument=IIT", [303, 200, 200, 403, 200, 403]),
    get("/agencies/{theirs}/rounds/{round}/surveys/responses.csv?instrument=IIT", [303, 200, 404, 404, 404, 404]),
    get("/agencies/{ours}/rounds/{round}/surveys/responses.xlsx?instrument=IIT", [303, 200, 200, 403, 200, 403]),
    get("/rounds/{round}/surveys",                       [303, 200, 200, 403, 403, 403]),
    get("/rounds/{round}/surveys/responses.csv?instrument=IIT", [303, 200, 200, 403, 403, 403]),
    post_unaudited("/rounds/{round}/surveys/compute", NOTHING, [303, 303, 403, 403, 403, 403]),
    // OIT: whoever reads the agency reads its answers and evidence snapshots; its administrator and editors and the
    // national administrator answer (the round's answering window is open); nobody disputes outside the
    // clarification window.
    get("/agencies/{ours}/rounds/{round}/oit",           [303, 200, 200, 200, 200, 200]),
    get("/agencies/{theirs}/rounds/{round}/oit",         [303, 200, 404, 404, 404, 404]),
    post("/agencies/{ours}/rounds/{round}/oit", OIT_DRAFT, [303, 303, 403, 403, 303, 303]),
    post("/agencies/{theirs}/rounds/{round}/oit", OIT_DRAFT, [303, 303, 404, 404, 404, 404]),
    post("/agencies/{ours}/rounds/{round}/oit/dispute", OIT_DISPUTE, [303, 403, 403, 403, 403, 403]),
    post("/agencies/{theirs}/rounds/{round}/oit/dispute", OIT_DISPUTE, [303, 403, 404, 404, 404, 404]),
    get("/oit/snapshots/{our_snapshot}",                 [303, 200, 200, 200, 200, 200]),
    get("/oit/snapshots/{their_snapshot}",               [303, 200, 404, 404, 404, 404]),
    get("/oit/snapshots/{nobody}",                       [303, 404, 404, 404, 404, 404]),
    // OIT review: an assessor judges the agency assigned to it, the national administrator any agency, the
    // province's analyst reads; an agency's own people have their OIT page instead. The review window is open; a
    // dispute is answered only where there is one (404 here for those who may answer). An assessor's import
    // writes its agency's row and refuses the other's.
    get("/review",                                       [303, 200, 200, 200, 403, 403]),
    get("/review/{ours}/{round}",                        [303, 200, 200, 200, 403, 403]),
    get("/review/{theirs}/{round}",                      [303, 200, 404, 404, 404, 404]),
    post("/review/{ours}/{round}", OIT_VERDICT,          [303, 303, 403, 303, 403, 403]),
    post("/review/{theirs}/{round}", OIT_VERDICT,        [303, 303, 404, 404, 404, 404]),
    post("/review/{ours}/{round}/dispute", OIT_DISPUTE_ANSWER, [303, 404, 403, 404, 403, 403]),
    post("/review/{theirs}/{round}/dispute", OIT_DISPUTE_ANSWER, [303, 404, 404, 404, 404, 404]),
    get("/rounds/{round}/oit/checklist.csv",             [303, 200, 200, 200, 403, 403]),
    get("/rounds/{round}/oit/checklist.xlsx",            [303, 200, 200, 200, 403, 403]),
    get("/rounds/{round}/oit/verdicts/import",           [303, 200, 403, 200, 403, 403]),
    upload("/rounds/{round}/oit/verdicts/import", "verdicts.csv", OIT_VERDICTS_CSV,
                                                         [303, 200, 403, 200, 403, 403]),
    // Imports: the national administrator's alone.
    get("/agencies/import",                              [303, 200, 403, 403, 403, 403]),
    get("/agencies/import/template.csv",                 [303, 200, 403, 403, 403, 403]),
    upload("/agencies/import", "agencies.csv",
        "code,name_th,kind,province\nimported-4004,อบต.นำเข้า,sao,สระบุรี\n",
                                                         [303, 200, 403, 403, 403, 403]),
    get("/rounds/{round}/results/import",                [303, 200, 403, 403, 403, 403]),
    get("/rounds/{round}/results/import/template.csv",   [303, 200, 403, 403, 403, 403]),
    upload("/rounds/{round}/results/import", "results.csv", RESULTS_CSV,
                                                         [303, 200, 403, 403, 403, 403]),
    // Rounds.
    get("/rounds",                                       [303, 200, 200, 200, 200, 200]),
    get("/rounds/new",                                   [303, 200, 403, 403, 403, 403]),
    post("/rounds", ROUND_2566,                          [303, 303, 403, 403, 403, 403]),
    get("/rounds/{round}/edit",                          [303, 200, 403, 403, 403, 403]),
    post("/rounds/{round}", ROUND_2565,                  [303, 303, 403, 403, 403, 403]),
    // Accounts: an agency administrator manages its own agency's, and another agency's are not found.
    get("/users",                                        [303, 200, 403, 403, 200, 403]),
    get("/users/new",                                    [303, 200, 403, 403, 200, 403]),
    post("/users", NEW_OUR_USER,                         [303, 303, 403, 403, 303, 403]),
    post("/users", NEW_THEIR_USER,                       [303, 303, 403, 403, 403, 403]),
    post("/users", NEW_NATIONAL_ADMIN,                   [303, 303, 403, 403, 403, 403]),
    get("/users/{our_clerk}/edit",                       [303, 200, 403, 403, 200, 403]),
    get("/users/{their_clerk}/edit",                     [303, 200, 403, 403, 404, 403]),
    get("/users/{nobody}/edit",                          [303, 404, 403, 403, 404, 403]),
    post("/users/{our_clerk}", OUR_CLERK_FORM,           [303, 303, 403, 403, 303, 403]),
    post("/users/{me}", MYSELF_AS_INACTIVE_NATIONAL_ADMIN, [303, 422, 403, 403, 403, 403]),
    post("/users/{their_clerk}", THEIR_CLERK_FORM,       [303, 303, 403, 403, 404, 403]),
    post("/users/{our_clerk}/password", NEW_PASSWORD,    [303, 303, 403, 403, 303, 403]),
    post("/users/{their_clerk}/password", NEW_PASSWORD,  [303, 303, 403, 403, 404, 403]),
    post("/users/{assessor}/assignments", ASSIGN_OURS,   [303, 303, 403, 403, 404, 403]),
    get("/users/{me}/tokens",                            [303, 200, 200, 200, 200, 200]),
    post("/users/{me}/tokens", TOKEN,                    [303, 200, 200, 200, 200, 200]),
    get("/users/{our_clerk}/tokens",                     [303, 200, 403, 403, 403, 403]),
    post("/users/{our_clerk}/tokens", TOKEN,             [303, 200, 403, 403, 403, 403]),
    // The audit log.
    get("/audit",                                        [303, 200, 403, 403, 200, 403]),
    get("/audit?page=2",                                 [303, 200, 403, 403, 200, 403]),
    // The API answers bearer tokens only: a page session opens nothing there.
    get("/api/agencies",                                 [401, 401, 401, 401, 401, 401]),
    // Last, as it ends each session.
    post_unaudited("/sign-out", NOTHING,                 [303, 303, 303, 303, 303, 303]),
];

/// The data the table's paths and forms refer to, and one client per role.
struct World {
    app: TestApp,
    ours: Agency,
    theirs: Agency,
    round: Round,
    our_clerk: User,
    their_clerk: User,
    assessor: User,
    /// An evidence snapshot of each agency.
    our_snapshot: Uuid,
    their_snapshot: Uuid,
    sessions: Vec<Session>,
}

/// One role's browser: its account (none when anonymous) and the token its forms carry.
struct Session {
    who: Who,
    client: Client,
    user: Option<User>,
    csrf: String,
}

async fn world(db: Db) -> World {
    let app = spawn_app(db).await;
    let ours = app.create_agency("ours-1001", "องค์การบริหารส่วนตำบลบ้านเรา", "อ่างทอง").await;
    let theirs = app.create_agency("theirs-2002", THEIR_NAME, "ลพบุรี").await;
    let round = app.create_round(2565, 2565).await;
    // The OIT answering and review windows are open today (whatever the date), so that the OIT rows test rights,
    // not dates.
    let open = RoundDraft {
        fiscal_year: round.fiscal_year,
        methodology_year: round.methodology_year,
        methodology_variant: round.methodology_variant.clone(),
        windows: RoundWindows {
            oit_answer_from: Some("2000-01-01".into()),
            oit_answer_to: Some("2999-12-31".into()),
            oit_review_from: Some("2000-01-01".into()),
            oit_review_to: Some("2999-12-31".into()),
            ..RoundWindows::default()
        },
    };
    app.store.update_round(&TestApp::admin_actor(), round.id, &open).await.unwrap();
    let mut snapshots = Vec::new();
    for agency in [&ours, &theirs] {
        let snapshot = OitSnapshot {
            id: Uuid::new_v4(),
            agency_id: agency.id,
            round_id: round.id,
            item_code: "O1".into(),
            requested_url: "https://example.org/".into(),
            final_url: Some("https://example.org/".into()),
            status: Some(200),
            content_type: Some("text/plain".into()),
            sha256: String::new(),
            size: 0,
            truncated: false,
            outcome: "fetched".into(),
            fetched_at: 1_700_000_000,
        };
        app.store.put_oit_snapshot(&snapshot, b"").await.unwrap();
        snapshots.push(snapshot.id);
    }
    let admin = app.create_user("admin", Role::NationalAdmin, None, None).await;
    let analyst = app.create_user("analyst", Role::ProvincialAnalyst, None, Some("อ่างทอง")).await;
    let assessor = app.create_user("assessor", Role::Assessor, None, None).await;
    app.store.set_assignment(&TestApp::admin_actor(), assessor.id, ours.id, true).await.unwrap();
    let agency_admin = app.create_user("agency.admin", Role::AgencyAdmin, Some(&ours), None).await;
    let editor = app.create_user("editor", Role::AgencyEditor, Some(&ours), None).await;
    let our_clerk = app.create_user("our.clerk", Role::AgencyEditor, Some(&ours), None).await;
    let their_clerk = app.create_user(THEIR_CLERK, Role::AgencyEditor, Some(&theirs), None).await;
    // Before signing in, forms carry the pre-session token the sign-in page hands out.
    let mut anonymous = app.client();
    let sign_in = anonymous.get("/sign-in").await;
    let csrf = csrf_in(&sign_in.body).expect("the sign-in form has a token");
    let mut sessions = vec![Session { who: Who::Anonymous, client: anonymous, user: None, csrf }];
    for (who, user) in [
        (Who::NationalAdmin, admin),
        (Who::Analyst, analyst),
        (Who::Assessor, assessor.clone()),
        (Who::AgencyAdmin, agency_admin),
        (Who::Editor, editor),
    ] {
        let mut client = app.signed_in(&user.username).await;
        let csrf = client.csrf_from("/rounds").await;
        sessions.push(Session { who, client, user: Some(user), csrf });
    }
    // Both agencies have a result, so that result pages and reports have something to show (or to hide).
    let admin = &mut sessions[1];
    for agency in [&ours, &theirs] {
        let path = format!("/agencies/{}/rounds/{}/result", agency.id, round.id);
        let mut fields = vec![("csrf", admin.csrf.as_str())];
        fields.extend_from_slice(&REFERENCE_SCORES);
        assert_eq!(admin.client.post_form(&path, &fields).await.status, 303);
    }
    // Five IIT responses each (the fewest an export shows), so that every allowed export has rows.
    for agency in [&ours, &theirs] {
        let batch: Vec<Submission> = (0..5u8)
            .map(|index| {
                let mut nonce = *agency.id.as_bytes();
                nonce[15] ^= index + 1;
                Submission {
                    agency_id: agency.id,
                    round_id: round.id,
                    instrument: "IIT".into(),
                    relation: None,
                    answers: "1".repeat(51),
                    day: "2022-03-01".into(),
                    nonce,
                    nonce_expires_at: 4_000_000_000,
                    cap: None,
                }
            })
            .collect();
        app.store.submit_responses(&batch).await.unwrap();
    }
    World {
        app,
        ours,
        theirs,
        round,
        our_clerk,
        their_clerk,
        assessor,
        our_snapshot: snapshots[0],
        their_snapshot: snapshots[1],
        sessions,
    }
}

impl World {
    fn fill(&self, template: &str, session: &Session) -> String {
        let me = session.user.as_ref().map(|user| user.id).unwrap_or_else(Uuid::nil);
        template
            .replace("{ours}", &self.ours.id.to_string())
            .replace("{theirs}", &self.theirs.id.to_string())
            .replace("{round}", &self.round.id.to_string())
            .replace("{our_clerk}", &self.our_clerk.id.to_string())
            .replace("{their_clerk}", &self.their_clerk.id.to_string())
            .replace("{assessor}", &self.assessor.id.to_string())
            .replace("{our_snapshot}", &self.our_snapshot.to_string())
            .replace("{their_snapshot}", &self.their_snapshot.to_string())
            .replace("{me}", &me.to_string())
            .replace("{nobody}", &Uuid::from_u128(0xdead_beef).to_string())
            .replace("{who}", &format!("{:?}", session.who))
    }

    async fn audit_entries(&self) -> i64 {
        self.app.store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1 }).await.unwrap().total
    }
}

/// Sends one row's request as one role and says what was wrong with the answer, if anything.
async fn check(world: &mut World, row: &Row, index: usize, expected: u16) -> Vec<String> {
    let path = world.fill(row.path, &world.sessions[index]);
    let before = world.audit_entries().await;
    let filled: Vec<(String, String)> = match row.body {
        Body::Form(fields) => fields
            .iter()
            .map(|(key, value)| (key.to_string(), world.fill(value, &world.sessions[index])))
            .collect(),
        _ => Vec::new(),
    };
    let session = &mut world.sessions[index];
    let who = session.who;
    let reply = match row.body {
        _ if !row.post => session.client.get(&path).await,
        Body::Upload(file_name, content) => {
            let file = reqwest::multipart::Part::bytes(content.as_bytes().to_vec()).file_name(file_name);
            let form = reqwest::multipart::Form::new().text("csrf", session.csrf.clone()).part("file", file);
            session.client.post_multipart(&path, form).await
        }
        _ => {
            let mut fields = vec![("csrf", session.csrf.as_str())];
            fields.extend(filled.iter().map(|(key, value)| (key.as_str(), value.as_str())));
            session.client.post_form(&path, &fields).await
        }
    };
    let method = if row.post { "POST" } else { "GET" };
    let mut wrong = Vec::new();
    if reply.status != expected {
        let start: String = reply.body.chars().take(300).collect();
        wrong.push(format!(
            "{method} {} as {who:?}: {} instead of {expected}: {start}",
            row.path, reply.status
        ));
    }
    if who == Who::Anonymous && reply.status == 303 && !reply.location().starts_with("/sign-in") {
        wrong.push(format!(
            "{method} {} as anonymous went to {}, not to sign in",
            row.path,
            reply.location()
        ));
    }
    if who != Who::NationalAdmin && (reply.body.contains(THEIR_NAME) || reply.body.contains(THEIR_CLERK)) {
        wrong.push(format!("{method} {} as {who:?} shows the other agency's data", row.path));
    }
    if row.post {
        let after = world.audit_entries().await;
        let refused = who == Who::Anonymous || expected >= 400;
        if refused && after != before {
            wrong.push(format!(
                "{method} {} as {who:?} was refused but wrote {} entries",
                row.path,
                after - before
            ));
        }
        if !refused && row.audited && after == before {
            wrong.push(format!("{method} {} as {who:?} was accepted but wrote nothing", row.path));
        }
    }
    wrong
}

async fn every_route_against_every_role(db: Db) {
    let mut world = world(db).await;
    let their_result = world.app.store.result(world.theirs.id, world.round.id).await.unwrap();
    let mut wrong = Vec::new();
    for row in ROUTES {
        for (index, expected) in row.expect.iter().enumerate() {
            assert_eq!(world.sessions[index].who, EVERYONE[index]);
            wrong.extend(check(&mut world, row, index, *expected).await);
        }
    }
    assert!(wrong.is_empty(), "{} answers were wrong:\n{}", wrong.len(), wrong.join("\n"));
    // What only the national administrator changed is as it was (it sent the same values).
    let theirs = world.app.store.agency(world.theirs.id).await.unwrap().unwrap();
    assert_eq!((theirs.name_th.as_str(), theirs.province.as_str()), (THEIR_NAME, "ลพบุรี"));
    let result = world.app.store.result(world.theirs.id, world.round.id).await.unwrap();
    assert_eq!(result.map(|record| record.indicators), their_result.map(|record| record.indicators));
    let their_accounts = world.app.store.list_users(Some(world.theirs.id)).await.unwrap();
    let names: Vec<&str> = their_accounts.iter().map(|user| user.username.as_str()).collect();
    assert_eq!(names, [THEIR_CLERK, "theirs.by.NationalAdmin"], "no one else made accounts of their agency");
    assert!(
        world.app.store.login_record("boss.by.AgencyAdmin").await.unwrap().is_none(),
        "an agency administrator made no national administrator"
    );
    // Signing out ended every session.
    for session in &mut world.sessions[1..] {
        assert_eq!(session.client.get("/agencies").await.status, 303);
    }
}

#[tokio::test]
async fn every_page_route_answers_every_role_as_the_rules_say_on_sqlite() {
    every_route_against_every_role(Db::Sqlite).await;
}

#[tokio::test]
async fn every_page_route_answers_every_role_as_the_rules_say_on_postgres() {
    every_route_against_every_role(Db::Postgres).await;
}
