//! OIT storage, run on both databases: answers (drafts, replacement, submission), evidence snapshots with their
//! bytes (newest per URL), verdicts replaced with before and after in the audit log, disputes (one per item, on
//! failures only) and their answers (confirm, or change to a pass in the same transaction), progress counts, and
//! failing writes that leave nothing behind, not even an audit entry.

use std::sync::Arc;

use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear};
use ita_store::{
    Actor, Agency, AgencyDraft, AuditEntry, AuditQuery, OitAnswerDraft, OitProgressRow, OitSnapshot,
    OitVerdictDraft, Round, RoundDraft, RoundWindows, Store, StoreError,
};
use uuid::Uuid;

/// PostgreSQL that these machines run; each test gets a database of its own, dropped at the end.
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

struct Harness {
    store: Arc<dyn Store>,
    /// The temporary folder or scratch database, held for its `Drop`.
    _keep: Box<dyn std::any::Any + Send>,
}

impl Harness {
    async fn sqlite() -> Harness {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("ita.db").display());
        let store = ita_store::open(&url).await.unwrap();
        Harness { store, _keep: Box::new(folder) }
    }

    async fn postgres() -> Harness {
        let scratch = ita_store::ScratchDatabase::create(POSTGRES_ADMIN_URL)
            .await
            .expect("PostgreSQL must run at 127.0.0.1:5432 with trust auth (see README)");
        let store = ita_store::open(scratch.url()).await.unwrap();
        Harness { store, _keep: Box::new(scratch) }
    }
}

fn admin() -> Actor {
    Actor { id: None, name: "ผู้ดูแลระบบ".to_string() }
}

fn agency_officer() -> Actor {
    Actor {
        id: Some(Uuid::new_v4()), name: "เจ้าหน้าที่หน่วยงาน".to_string()
    }
}

fn assessor() -> Actor {
    Actor { id: Some(Uuid::new_v4()), name: "ผู้ประเมิน ก".to_string() }
}

async fn agency(store: &dyn Store, code: &str, province: &str) -> Agency {
    let draft = AgencyDraft {
        code: AgencyCode::parse(code).unwrap(),
        name_th: format!("หน่วยงาน {code}"),
        name_en: None,
        kind: AgencyKind::SubdistrictAdministration,
        province: province.to_string(),
        district: None,
        parent_id: None,
        website: Some("https://www.example.go.th".to_string()),
        contact: None,
    };
    store.create_agency(&admin(), &draft).await.unwrap()
}

async fn round(store: &dyn Store, fiscal_year: i64) -> Round {
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(fiscal_year).unwrap(),
        methodology_year: 2568,
        methodology_variant: "nacc".into(),
        windows: RoundWindows::default(),
    };
    store.create_round(&admin(), &draft).await.unwrap()
}

fn answer(item_code: &str, has: bool, urls: &[&str], explanation: &str) -> OitAnswerDraft {
    OitAnswerDraft {
        item_code: item_code.to_string(),
        has,
        urls: urls.iter().map(|url| url.to_string()).collect(),
        explanation: explanation.to_string(),
    }
}

fn pass(item_code: &str) -> OitVerdictDraft {
    OitVerdictDraft {
        item_code: item_code.to_string(),
        passed: true,
        reason: String::new(),
        guidance: String::new(),
    }
}

fn fail(item_code: &str, reason: &str) -> OitVerdictDraft {
    OitVerdictDraft {
        item_code: item_code.to_string(),
        passed: false,
        reason: reason.to_string(),
        guidance: format!("แก้ไขตาม {reason}"),
    }
}

/// The audit entries about an agency, oldest first.
async fn audit_of(store: &dyn Store, agency_id: Uuid) -> Vec<AuditEntry> {
    let query = AuditQuery { agency_id: Some(agency_id), offset: 0, limit: 1_000 };
    let mut entries = store.audit(&query).await.unwrap().items;
    entries.reverse();
    entries
}

async fn audit_total(store: &dyn Store) -> i64 {
    store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1 }).await.unwrap().total
}

fn actions(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.action.as_str()).collect()
}

fn codes<T>(rows: &[T], code: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|row| code(row).to_string()).collect()
}

/// Drafts are saved and replaced item by item, kept in item order (O2 before O10), with their URLs exactly;
/// submitting marks every answer of the agency in the round; a later change makes that answer a draft again.
async fn answers_round_trip_and_submission(harness: Harness) {
    let store = harness.store.as_ref();
    let (mine, other) =
        (agency(store, "6150101", "นครสวรรค์").await, agency(store, "6150102", "นครสวรรค์").await);
    let (this_year, last_year) = (round(store, 2569).await, round(store, 2568).await);
    let officer = agency_officer();
    let tricky = "https://www.example.go.th/ข่าว?q=\"a,b\"&x=1";

    let saved = store
        .put_oit_answers(
            &officer,
            mine.id,
            this_year.id,
            &[
                answer("O10", true, &["https://www.example.go.th/o10"], "หน้าเว็บไซต์"),
                answer("O1", true, &["https://www.example.go.th/about", tricky], "โครงสร้าง"),
                answer("O2", false, &[], ""),
            ],
            false,
        )
        .await
        .unwrap();
    assert_eq!(codes(&saved, |answer| &answer.item_code), ["O1", "O2", "O10"]);
    assert!(saved.iter().all(|answer| answer.submitted_at.is_none()), "a draft: {saved:?}");
    assert_eq!(saved[0].urls, ["https://www.example.go.th/about", tricky]);
    assert!(saved[0].has && !saved[1].has);
    assert_eq!(saved[0].explanation, "โครงสร้าง");
    assert_eq!(store.oit_answers(mine.id, this_year.id).await.unwrap(), saved);

    // Replacing one item leaves the others as they were.
    let replaced = store
        .put_oit_answers(&officer, mine.id, this_year.id, &[answer("O1", false, &[], "ยังไม่มี")], false)
        .await
        .unwrap();
    assert_eq!(replaced.len(), 3);
    assert_eq!(
        (replaced[0].has, replaced[0].urls.len(), replaced[0].explanation.as_str()),
        (false, 0, "ยังไม่มี")
    );
    assert_eq!(replaced[1..], saved[1..]);

    // Other agencies and rounds are untouched.
    assert!(store.oit_answers(other.id, this_year.id).await.unwrap().is_empty());
    assert!(store.oit_answers(mine.id, last_year.id).await.unwrap().is_empty());
    store
        .put_oit_answers(&officer, other.id, this_year.id, &[answer("O1", true, &[], "อื่น")], false)
        .await
        .unwrap();

    // Submitting with one more draft: the draft is saved first, then every answer is submitted.
    let submitted = store
        .put_oit_answers(
            &officer,
            mine.id,
            this_year.id,
            &[answer("O3", true, &["https://x.go.th/o3"], "")],
            true,
        )
        .await
        .unwrap();
    assert_eq!(codes(&submitted, |answer| &answer.item_code), ["O1", "O2", "O3", "O10"]);
    let at = submitted[0].submitted_at.expect("submitted");
    assert!(submitted.iter().all(|answer| answer.submitted_at == Some(at)), "{submitted:?}");
    assert_eq!(
        store.oit_answers(other.id, this_year.id).await.unwrap()[0].submitted_at,
        None,
        "another agency's answers stay drafts"
    );

    // A change after submission is a draft again, until the next submission.
    let changed = store
        .put_oit_answers(
            &officer,
            mine.id,
            this_year.id,
            &[answer("O2", true, &["https://x.go.th/o2"], "")],
            false,
        )
        .await
        .unwrap();
    assert_eq!(changed[1].submitted_at, None);
    assert!(
        changed
            .iter()
            .filter(|answer| answer.item_code != "O2")
            .all(|answer| answer.submitted_at == Some(at))
    );
    let progress = store.oit_progress(this_year.id, Some(&[mine.id])).await.unwrap();
    assert_eq!((progress[0].answered, progress[0].submitted), (4, false));

    let entries = audit_of(store, mine.id).await;
    assert_eq!(
        actions(&entries),
        [
            "agency.create",
            "oit_answers.save",
            "oit_answers.save",
            "oit_answers.save",
            "oit_answers.submit",
            "oit_answers.save"
        ]
    );
    let first_save = &entries[1];
    assert_eq!(first_save.actor_id, officer.id);
    assert_eq!(first_save.subject, this_year.id.to_string());
    assert_eq!(first_save.detail["answers"].as_array().unwrap().len(), 3);
    assert_eq!(first_save.detail["answers"][1]["urls"][1], tricky);
    assert_eq!(entries[4].detail["answers"], 4, "the submission counts every answer");
    assert_eq!(entries[4].detail["submitted_at"], at);

    // Submitting with nothing new and nothing stored writes nothing.
    let total = audit_total(store).await;
    assert!(store.put_oit_answers(&officer, mine.id, last_year.id, &[], true).await.unwrap().is_empty());
    assert_eq!(audit_total(store).await, total);
}

/// A verdict replaces the earlier one of its item; each is audited with the verdict before and after.
async fn verdicts_replace_with_before_and_after(harness: Harness) {
    let store = harness.store.as_ref();
    let (mine, this_year) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let (first, second) = (assessor(), Actor { id: Some(Uuid::new_v4()), name: "ผู้ประเมิน ข".to_string() });

    let stored = store
        .put_oit_verdicts(
            &first,
            mine.id,
            this_year.id,
            &[fail("O10", "ไม่พบข้อมูลปีปัจจุบัน"), pass("O2"), fail("O1", "ลิงก์เสีย")],
            "review",
        )
        .await
        .unwrap();
    assert_eq!(codes(&stored, |verdict| &verdict.item_code), ["O10", "O2", "O1"], "in the order given");
    assert!(
        stored.iter().all(|verdict| verdict.assessor_id == first.id && verdict.assessor_name == first.name)
    );
    assert!(stored.iter().all(|verdict| verdict.stage == "review"));
    let listed = store.oit_verdicts(mine.id, this_year.id).await.unwrap();
    assert_eq!(codes(&listed, |verdict| &verdict.item_code), ["O1", "O2", "O10"], "in item order");
    assert_eq!(listed[0], stored[2]);
    assert_eq!((listed[2].passed, listed[2].reason.as_str()), (false, "ไม่พบข้อมูลปีปัจจุบัน"));
    assert_eq!(listed[2].guidance, "แก้ไขตาม ไม่พบข้อมูลปีปัจจุบัน");

    let changed =
        store.put_oit_verdicts(&second, mine.id, this_year.id, &[pass("O1")], "review").await.unwrap();
    let listed = store.oit_verdicts(mine.id, this_year.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0], changed[0]);
    assert!(listed[0].passed && listed[0].reason.is_empty() && listed[0].assessor_id == second.id);

    let entries: Vec<AuditEntry> = audit_of(store, mine.id)
        .await
        .into_iter()
        .filter(|entry| entry.action == "oit_verdict.set" && entry.subject == "O1")
        .collect();
    assert_eq!(entries.len(), 2);
    assert!(entries[0].detail["before"].is_null());
    assert_eq!(entries[0].detail["after"]["passed"], false);
    assert_eq!(entries[0].detail["after"]["reason"], "ลิงก์เสีย");
    assert_eq!(entries[1].actor_id, second.id);
    assert_eq!(entries[1].detail["round_id"], this_year.id.to_string());
    assert_eq!(entries[1].detail["before"]["passed"], false);
    assert_eq!(entries[1].detail["before"]["reason"], "ลิงก์เสีย");
    assert_eq!(entries[1].detail["after"]["passed"], true);
}

fn snapshot(
    agency: &Agency,
    round: &Round,
    item_code: &str,
    url: &str,
    fetched_at: i64,
    body: &[u8],
) -> OitSnapshot {
    OitSnapshot {
        id: Uuid::new_v4(),
        agency_id: agency.id,
        round_id: round.id,
        item_code: item_code.to_string(),
        requested_url: url.to_string(),
        final_url: Some(format!("{url}/")),
        status: Some(200),
        content_type: Some("text/html; charset=utf-8".to_string()),
        sha256: format!("{:064x}", body.len()),
        size: body.len() as i64,
        truncated: false,
        outcome: "fetched".to_string(),
        fetched_at,
    }
}

/// Snapshots keep their bytes exactly; the list holds the newest of each URL of each item, without bytes, and
/// taking a snapshot is not audited (nobody decided anything).
async fn snapshots_keep_bytes_and_list_the_newest(harness: Harness) {
    let store = harness.store.as_ref();
    let (mine, other) =
        (agency(store, "6150101", "นครสวรรค์").await, agency(store, "6150102", "นครสวรรค์").await);
    let this_year = round(store, 2569).await;
    let total = audit_total(store).await;
    let url = "https://www.example.go.th/o1";
    let binary: Vec<u8> = (0..=255).chain([0, 0, 255]).collect();

    let old = snapshot(&mine, &this_year, "O1", url, 1_000, b"<html>old</html>");
    let new = snapshot(&mine, &this_year, "O1", url, 2_000, &binary);
    let refused = OitSnapshot {
        final_url: None,
        status: None,
        content_type: None,
        outcome: "refused:private".to_string(),
        truncated: true,
        ..snapshot(&mine, &this_year, "O1", "http://127.0.0.1/x", 1_500, b"")
    };
    let same_url_other_item = snapshot(&mine, &this_year, "O10", url, 500, b"o10");
    let of_other_agency = snapshot(&other, &this_year, "O1", url, 3_000, b"other");
    store.put_oit_snapshot(&new, &binary).await.unwrap();
    store.put_oit_snapshot(&old, b"<html>old</html>").await.unwrap();
    store.put_oit_snapshot(&refused, b"").await.unwrap();
    store.put_oit_snapshot(&same_url_other_item, b"o10").await.unwrap();
    store.put_oit_snapshot(&of_other_agency, b"other").await.unwrap();

    let listed = store.oit_snapshots(mine.id, this_year.id).await.unwrap();
    assert_eq!(listed, [refused.clone(), new.clone(), same_url_other_item.clone()]);
    assert_eq!(store.oit_snapshots(other.id, this_year.id).await.unwrap(), [of_other_agency]);

    assert_eq!(store.oit_snapshot_body(new.id).await.unwrap(), Some((new, binary)));
    assert_eq!(
        store.oit_snapshot_body(old.id).await.unwrap(),
        Some((old, b"<html>old</html>".to_vec())),
        "older snapshots stay readable"
    );
    assert_eq!(store.oit_snapshot_body(refused.id).await.unwrap(), Some((refused, Vec::new())));
    assert_eq!(store.oit_snapshot_body(Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(audit_total(store).await, total);
}

/// A failed item may be disputed once; a passed one not at all. The assessor answers each dispute once:
/// confirming keeps the failure, changing makes it a pass; either way the verdict's stage is `clarification`.
async fn disputes_are_filed_once_and_answered_once(harness: Harness) {
    let store = harness.store.as_ref();
    let (mine, this_year) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let (officer, assessor) = (agency_officer(), assessor());
    store
        .put_oit_verdicts(
            &assessor,
            mine.id,
            this_year.id,
            &[fail("O1", "ลิงก์เสีย"), pass("O2"), fail("O4", "ไม่ครบองค์ประกอบ")],
            "review",
        )
        .await
        .unwrap();
    let before = audit_total(store).await;

    for item in ["O2", "O3"] {
        let refused = store.put_oit_dispute(&officer, mine.id, this_year.id, item, "ขอทบทวน").await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{item}: {refused:?}");
    }
    assert!(store.oit_disputes(mine.id, this_year.id).await.unwrap().is_empty());
    assert_eq!(audit_total(store).await, before, "a refused dispute leaves no entry");

    let statement = "ข้อมูลอยู่ที่ https://www.example.go.th/o1 ตามที่ส่งไว้เดิม";
    let filed = store.put_oit_dispute(&officer, mine.id, this_year.id, "O1", statement).await.unwrap();
    assert_eq!(
        (filed.item_code.as_str(), filed.statement.as_str(), filed.confirmed),
        ("O1", statement, None)
    );
    let again = store.put_oit_dispute(&officer, mine.id, this_year.id, "O1", "อีกครั้ง").await;
    assert!(
        matches!(&again, Err(StoreError::Conflict { field: "oit_dispute", value }) if value == "O1"),
        "{again:?}"
    );
    store.put_oit_dispute(&officer, mine.id, this_year.id, "O4", "มีครบแล้ว").await.unwrap();
    let open = store.oit_disputes(mine.id, this_year.id).await.unwrap();
    assert_eq!(codes(&open, |dispute| &dispute.item_code), ["O1", "O4"]);
    assert_eq!(open[0], filed);
    assert_eq!((open[1].statement.as_str(), open[1].confirmed), ("มีครบแล้ว", None));
    assert_eq!(store.oit_progress(this_year.id, Some(&[mine.id])).await.unwrap()[0].open_disputes, 2);

    // Confirmed: the failure stands with its reason and guidance.
    let confirmed =
        store.resolve_oit_dispute(&assessor, mine.id, this_year.id, "O1", true, "ลิงก์ยังเสียอยู่").await.unwrap();
    assert_eq!(confirmed.confirmed, Some(true));
    assert_eq!(confirmed.resolution_reason.as_deref(), Some("ลิงก์ยังเสียอยู่"));
    assert!(confirmed.resolved_at.is_some());
    assert_eq!((confirmed.statement.as_str(), confirmed.filed_at), (statement, filed.filed_at));
    let verdicts = store.oit_verdicts(mine.id, this_year.id).await.unwrap();
    let o1 = &verdicts[0];
    assert_eq!((o1.passed, o1.reason.as_str(), o1.stage.as_str()), (false, "ลิงก์เสีย", "clarification"));
    assert_eq!(o1.guidance, "แก้ไขตาม ลิงก์เสีย");

    // Changed: a pass with the assessor's reason, in the same transaction.
    let changed =
        store.resolve_oit_dispute(&assessor, mine.id, this_year.id, "O4", false, "พบครบแล้ว").await.unwrap();
    assert_eq!(changed.confirmed, Some(false));
    let verdicts = store.oit_verdicts(mine.id, this_year.id).await.unwrap();
    let o4 = &verdicts[2];
    assert_eq!((o4.item_code.as_str(), o4.passed, o4.stage.as_str()), ("O4", true, "clarification"));
    assert_eq!((o4.reason.as_str(), o4.assessor_id), ("พบครบแล้ว", assessor.id));
    assert_eq!(verdicts[1].stage, "review", "an undisputed verdict stays as it was");

    // Each is answered once; an unknown dispute is not found.
    let total = audit_total(store).await;
    for (item, confirm) in [("O1", false), ("O4", true)] {
        let twice = store.resolve_oit_dispute(&assessor, mine.id, this_year.id, item, confirm, "อีกครั้ง").await;
        assert!(matches!(twice, Err(StoreError::Conflict { field: "oit_dispute", .. })), "{item}: {twice:?}");
    }
    let unknown =
        store.resolve_oit_dispute(&assessor, mine.id, this_year.id, "O2", false, "ไม่มีคำโต้แย้ง").await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    assert_eq!(audit_total(store).await, total, "refused answers leave no entry");
    assert!(store.oit_verdicts(mine.id, this_year.id).await.unwrap()[0].reason == "ลิงก์เสีย");
    let disputes = store.oit_disputes(mine.id, this_year.id).await.unwrap();
    assert_eq!(disputes[0], confirmed);
    assert_eq!(disputes[1], changed);
    assert_eq!(store.oit_progress(this_year.id, Some(&[mine.id])).await.unwrap()[0].open_disputes, 0);

    let entries = audit_of(store, mine.id).await;
    let steps: Vec<&str> =
        actions(&entries).into_iter().filter(|action| action.starts_with("oit_dispute")).collect();
    assert_eq!(steps, ["oit_dispute.file", "oit_dispute.file", "oit_dispute.confirm", "oit_dispute.change"]);
    let change = entries.iter().find(|entry| entry.action == "oit_dispute.change").unwrap();
    assert_eq!((change.subject.as_str(), change.actor_id), ("O4", assessor.id));
    assert_eq!(change.detail["reason"], "พบครบแล้ว");
    assert_eq!(change.detail["before"]["passed"], false);
    assert_eq!(change.detail["after"]["passed"], true);
    assert_eq!(change.detail["after"]["stage"], "clarification");
    let file = entries.iter().find(|entry| entry.action == "oit_dispute.file").unwrap();
    assert_eq!((file.detail["statement"].as_str(), file.actor_id), (Some(statement), officer.id));
}

/// Progress counts per agency: answers, whether all are submitted, verdicts, passes and open disputes, for the
/// round asked about only; the agencies asked about in the order asked, those without data at nought.
async fn progress_counts_per_agency(harness: Harness) {
    let store = harness.store.as_ref();
    let a = agency(store, "6150101", "นครสวรรค์").await;
    let b = agency(store, "1100101", "กรุงเทพมหานคร").await;
    let silent = agency(store, "6150103", "นครสวรรค์").await;
    let (this_year, last_year) = (round(store, 2569).await, round(store, 2568).await);
    let (officer, assessor) = (agency_officer(), assessor());
    let answers = [answer("O1", true, &[], ""), answer("O2", true, &[], ""), answer("O3", false, &[], "")];
    store.put_oit_answers(&officer, a.id, this_year.id, &answers, true).await.unwrap();
    store
        .put_oit_verdicts(&assessor, a.id, this_year.id, &[pass("O1"), fail("O2", "ไม่พบ")], "review")
        .await
        .unwrap();
    store.put_oit_dispute(&officer, a.id, this_year.id, "O2", "มีแล้ว").await.unwrap();
    store.put_oit_answers(&officer, b.id, this_year.id, &answers[..2], false).await.unwrap();
    // Last year's data counts for last year only.
    store.put_oit_answers(&officer, silent.id, last_year.id, &answers, true).await.unwrap();
    store.put_oit_verdicts(&assessor, b.id, last_year.id, &[pass("O1")], "review").await.unwrap();

    let row = |agency: &Agency, answered, submitted, judged, passed, open_disputes| OitProgressRow {
        agency_id: agency.id,
        answered,
        submitted,
        judged,
        passed,
        open_disputes,
    };
    let expected_a = row(&a, 3, true, 2, 1, 1);
    let expected_b = row(&b, 2, false, 0, 0, 0);
    assert_eq!(
        store.oit_progress(this_year.id, None).await.unwrap(),
        [expected_b.clone(), expected_a.clone()],
        "every agency with data, by province and code"
    );
    assert_eq!(
        store.oit_progress(this_year.id, Some(&[silent.id, a.id, silent.id])).await.unwrap(),
        [row(&silent, 0, false, 0, 0, 0), expected_a.clone()]
    );
    assert!(store.oit_progress(this_year.id, Some(&[])).await.unwrap().is_empty());
    assert_eq!(
        store.oit_progress(last_year.id, None).await.unwrap(),
        [row(&b, 0, false, 1, 1, 0), row(&silent, 3, true, 0, 0, 0)]
    );

    // More agencies than one statement takes (the list is read in parts).
    let mut many: Vec<Uuid> = (0..2_500).map(|_| Uuid::new_v4()).collect();
    many[1_700] = a.id;
    let rows = store.oit_progress(this_year.id, Some(&many)).await.unwrap();
    assert_eq!(rows.len(), 2_500);
    assert_eq!(rows[1_700], expected_a);
    assert_eq!(rows.iter().filter(|row| row.answered > 0).count(), 1);
}

/// A write that fails part of the way leaves nothing: no rows and no audit entry.
async fn a_failing_write_leaves_nothing(harness: Harness) {
    let store = harness.store.as_ref();
    let (mine, this_year) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let (officer, assessor) = (agency_officer(), assessor());
    let total = audit_total(store).await;
    let unknown = Uuid::new_v4();

    let drafts = [answer("O1", true, &[], "")];
    assert!(store.put_oit_answers(&officer, unknown, this_year.id, &drafts, true).await.is_err());
    assert!(store.put_oit_answers(&officer, mine.id, unknown, &drafts, false).await.is_err());
    // The second answer breaks a rule after the first was written in the transaction.
    let broken = [answer("O1", true, &[], ""), answer("", true, &[], "")];
    assert!(store.put_oit_answers(&officer, mine.id, this_year.id, &broken, true).await.is_err());
    assert!(store.oit_answers(mine.id, this_year.id).await.unwrap().is_empty());

    assert!(store.put_oit_verdicts(&assessor, unknown, this_year.id, &[pass("O1")], "review").await.is_err());
    assert!(
        store
            .put_oit_verdicts(&assessor, mine.id, this_year.id, &[pass("O1"), pass("")], "review")
            .await
            .is_err()
    );
    assert!(store.put_oit_verdicts(&assessor, mine.id, this_year.id, &[pass("O1")], "final").await.is_err());
    assert!(store.oit_verdicts(mine.id, this_year.id).await.unwrap().is_empty());

    assert!(store.put_oit_dispute(&officer, unknown, this_year.id, "O1", "ขอทบทวน").await.is_err());
    let stray = Agency { id: unknown, ..mine.clone() };
    assert!(
        store
            .put_oit_snapshot(&snapshot(&stray, &this_year, "O1", "https://x.go.th", 1, b"x"), b"x")
            .await
            .is_err()
    );
    assert!(store.oit_snapshots(unknown, this_year.id).await.unwrap().is_empty());

    assert_eq!(audit_total(store).await, total, "no audit entry of a write that failed");
    assert!(audit_of(store, unknown).await.is_empty());
    assert!(store.oit_progress(this_year.id, None).await.unwrap().is_empty());
}

/// Each scenario as two tests, one per database.
macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Harness::sqlite().await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Harness::postgres().await).await;
            })*
        }
    };
}

on_both_databases!(
    answers_round_trip_and_submission,
    verdicts_replace_with_before_and_after,
    snapshots_keep_bytes_and_list_the_newest,
    disputes_are_filed_once_and_answered_once,
    progress_counts_per_agency,
    a_failing_write_leaves_nothing,
);
