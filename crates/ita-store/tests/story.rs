//! The storage story, told once and run on both databases: an administrator creates an agency and a round,
//! records a result, corrects it, and every step reads back and shows in the audit log.

use std::collections::BTreeMap;
use std::sync::Arc;

use ita_domain::Hundredths;
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role, Visibility};
use ita_store::{
    Actor, AgencyDraft, AgencyQuery, AuditQuery, ResultDraft, ResultSource, RoundDraft, RoundWindows, Store,
    StoreError, UserDraft,
};

/// PostgreSQL that these machines run; each test gets a database of its own, dropped at the end.
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

async fn sqlite_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", folder.path().join("ita.db").display());
    (ita_store::open(&url).await.unwrap(), folder)
}

async fn postgres_store() -> (Arc<dyn Store>, ita_store::ScratchDatabase) {
    let scratch = ita_store::ScratchDatabase::create(POSTGRES_ADMIN_URL)
        .await
        .expect("PostgreSQL must run at 127.0.0.1:5432 with trust auth (see README)");
    (ita_store::open(scratch.url()).await.unwrap(), scratch)
}

fn draft_agency(code: &str, name: &str, province: &str) -> AgencyDraft {
    AgencyDraft {
        code: AgencyCode::parse(code).unwrap(),
        name_th: name.to_string(),
        name_en: None,
        kind: AgencyKind::SubdistrictAdministration,
        province: province.to_string(),
        district: Some("โพธิ์ทอง".to_string()),
        parent_id: None,
        website: Some("https://www.khaothong.go.th".to_string()),
        contact: None,
    }
}

async fn story(store: Arc<dyn Store>) {
    let admin = Actor { id: None, name: "ผู้ดูแลระบบ".to_string() };

    // An agency, and a second one whose code clashes.
    let agency =
        store.create_agency(&admin, &draft_agency("6150101", "อบต.เขาทอง", "นครสวรรค์")).await.unwrap();
    let clash = store.create_agency(&admin, &draft_agency("6150101", "ซ้ำ", "นครสวรรค์")).await.unwrap_err();
    assert!(matches!(clash, StoreError::Conflict { field: "agency_code", .. }), "{clash:?}");
    let other = store.create_agency(&admin, &draft_agency("1500101", "อบต.อื่น", "อ่างทอง")).await.unwrap();
    assert_eq!(store.agency(agency.id).await.unwrap().unwrap(), agency);
    assert_eq!(store.agency_by_code(&agency.code).await.unwrap().unwrap().id, agency.id);

    // A round.
    let windows = RoundWindows { survey_from: Some("2022-05-01".into()), ..RoundWindows::default() };
    let draft_round = RoundDraft {
        fiscal_year: FiscalYear::new(2565).unwrap(),
        methodology_year: 2565,
        methodology_variant: "nacc".into(),
        windows,
    };
    let round = store.create_round(&admin, &draft_round).await.unwrap();
    assert!(matches!(
        store.create_round(&admin, &draft_round).await.unwrap_err(),
        StoreError::Conflict { field: "fiscal_year", .. }
    ));
    assert_eq!(store.rounds().await.unwrap(), vec![round.clone()]);

    // A result, then a correction.
    let mut indicators = BTreeMap::new();
    indicators.insert(1u8, Hundredths(9785));
    indicators.insert(10u8, Hundredths(2500));
    let first = ResultDraft {
        source: ResultSource::Official,
        indicators: indicators.clone(),
        total: Hundredths(7835),
        level_code: Some("B".into()),
    };
    store.put_result(&admin, agency.id, round.id, &first).await.unwrap();
    indicators.insert(10u8, Hundredths(3000));
    let corrected = ResultDraft { indicators, total: Hundredths(7900), ..first.clone() };
    store.put_result(&admin, agency.id, round.id, &corrected).await.unwrap();
    let stored = store.result(agency.id, round.id).await.unwrap().unwrap();
    assert_eq!(stored.indicators, corrected.indicators);
    assert_eq!(stored.total, Hundredths(7900));
    // A computed result never replaces the official one: refused, nothing written, nothing audited.
    let audited = store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1 }).await.unwrap().total;
    let computed =
        ResultDraft { source: ResultSource::Computed, total: Hundredths(5628), ..corrected.clone() };
    assert!(matches!(
        store.put_result(&admin, agency.id, round.id, &computed).await.unwrap_err(),
        StoreError::Conflict { field: "official_result", .. }
    ));
    let batch = [(agency.id, round.id, computed.clone())];
    assert!(matches!(
        store.put_results(&admin, &batch).await.unwrap_err(),
        StoreError::Conflict { field: "official_result", .. }
    ));
    assert_eq!(store.result(agency.id, round.id).await.unwrap().unwrap(), stored);
    assert_eq!(
        store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 1 }).await.unwrap().total,
        audited
    );
    let history = store.results_of_agency(agency.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].0.id, round.id);

    // The list, as a national administrator and as a provincial analyst.
    let mut query = AgencyQuery {
        search: None,
        province: None,
        kind: None,
        visible: Visibility::All,
        round_id: Some(round.id),
        offset: 0,
        limit: 50,
    };
    let everyone = store.list_agencies(&query).await.unwrap();
    assert_eq!(everyone.total, 2);
    query.visible = Visibility::Province("อ่างทอง".into());
    let province = store.list_agencies(&query).await.unwrap();
    assert_eq!(province.items.iter().map(|item| item.agency.id).collect::<Vec<_>>(), vec![other.id]);
    query.visible = Visibility::All;
    query.search = Some("เขาทอง".into());
    let found = store.list_agencies(&query).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].total, Some(Hundredths(7900)));
    // Pages: one agency each, in province order, each with its own result (or none).
    query.search = None;
    query.limit = 1;
    let first = store.list_agencies(&query).await.unwrap();
    assert_eq!((first.total, first.items.len()), (2, 1));
    assert_eq!((first.items[0].agency.id, first.items[0].total), (agency.id, Some(Hundredths(7900))));
    query.offset = 1;
    let second = store.list_agencies(&query).await.unwrap();
    assert_eq!((second.items[0].agency.id, second.items[0].total), (other.id, None));
    query.offset = 0;
    query.limit = 50;
    query.search = Some("100%".into());
    assert_eq!(store.list_agencies(&query).await.unwrap().total, 0, "% is taken literally");

    // An account, a session, and the audit log.
    let user = store
        .create_user(
            &admin,
            &UserDraft {
                username: "officer".into(),
                display_name: "เจ้าหน้าที่".into(),
                role: Role::AgencyEditor,
                agency_id: Some(agency.id),
                province: None,
                active: true,
            },
            "hash",
        )
        .await
        .unwrap();
    assert_eq!(store.login_record("officer").await.unwrap().unwrap().password_hash, "hash");
    store.create_session("token-hash", user.id, "csrf", 2_000_000_000).await.unwrap();
    assert_eq!(store.session("token-hash", 1_000).await.unwrap().unwrap().user.id, user.id);
    assert!(store.session("token-hash", 2_000_000_001).await.unwrap().is_none(), "expired");

    let audit = store.audit(&AuditQuery { agency_id: Some(agency.id), offset: 0, limit: 50 }).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, ["user.create", "result.update", "result.create", "agency.create"]);
    assert_eq!(audit.items[1].detail["before"]["indicators"]["10"], serde_json::json!(25.0));
    assert_eq!(audit.items[1].detail["after"]["indicators"]["10"], serde_json::json!(30.0));
    assert!(audit.items.iter().all(|entry| entry.actor_name == "ผู้ดูแลระบบ"));
}

#[tokio::test]
async fn the_storage_story_holds_on_sqlite() {
    let (store, _folder) = sqlite_store().await;
    assert_eq!(store.dialect(), "sqlite");
    story(store).await;
}

#[tokio::test]
async fn the_storage_story_holds_on_postgres() {
    let (store, _scratch) = postgres_store().await;
    assert_eq!(store.dialect(), "postgres");
    story(store).await;
}
