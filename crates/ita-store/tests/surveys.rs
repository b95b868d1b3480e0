//! Survey storage, run on both databases: what a stored response holds (and does not), replayed tokens, the
//! headcount cap, the running tallies, the streamed responses, the progress overview, targets and links with
//! their audit entries, the server secret, the group-commit writer and the purge of spent nonces.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::StreamExt as _;
use ita_domain::Hundredths;
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear};
use ita_store::{
    Actor, Agency, AgencyDraft, AuditQuery, GroupCommit, GroupCommitSettings, ResponseQuery, Round,
    RoundDraft, RoundWindows, Store, StoreError, StoredResponse, Submission, SubmissionOutcome,
    SurveyScoreRecord,
};
use uuid::Uuid;

use SubmissionOutcome::{OverCap, Replayed, Stored};

/// PostgreSQL that these machines run; each test gets a database of its own, dropped at the end.
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A store, a second connection that reads its tables directly (as someone with the database file would), and
/// whatever keeps the database alive.
struct Harness {
    store: Arc<dyn Store>,
    raw: Raw,
    url: String,
    /// The temporary folder or scratch database, held for its `Drop`.
    _keep: Box<dyn std::any::Any + Send>,
}

enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool `$raw` holds (the same SQL for both).
macro_rules! on_pool {
    ($raw:expr, $pool:ident => $body:expr) => {
        match $raw {
            Raw::Sqlite($pool) => $body,
            Raw::Postgres($pool) => $body,
        }
    };
}

impl Harness {
    async fn sqlite() -> Harness {
        let folder = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", folder.path().join("ita.db").display());
        let store = ita_store::open(&url).await.unwrap();
        let raw = Raw::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap());
        Harness { store, raw, url, _keep: Box::new(folder) }
    }

    async fn postgres() -> Harness {
        let scratch = ita_store::ScratchDatabase::create(POSTGRES_ADMIN_URL)
            .await
            .expect("PostgreSQL must run at 127.0.0.1:5432 with trust auth (see README)");
        let url = scratch.url().to_string();
        let store = ita_store::open(&url).await.unwrap();
        let raw = Raw::Postgres(sqlx::PgPool::connect(&url).await.unwrap());
        Harness { store, raw, url, _keep: Box::new(scratch) }
    }

    fn is_sqlite(&self) -> bool {
        matches!(self.raw, Raw::Sqlite(_))
    }

    /// The columns of a table, in their order.
    async fn columns(&self, table: &str) -> Vec<String> {
        let rows: Vec<(String,)> = match &self.raw {
            Raw::Sqlite(pool) => sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap(),
            Raw::Postgres(pool) => sqlx::query_as(
                "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1 \
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(pool)
            .await
            .unwrap(),
        };
        rows.into_iter().map(|(name,)| name).collect()
    }

    /// Every stored response row, whole.
    async fn response_rows(&self) -> Vec<RawResponse> {
        on_pool!(&self.raw, pool => sqlx::query_as(
            "SELECT id, agency_id, round_id, instrument, relation, answers, day FROM survey_responses ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .unwrap())
    }

    /// The answers in the order `sql` reads them.
    async fn answers(&self, sql: &str) -> Vec<String> {
        let rows: Vec<(String,)> =
            on_pool!(&self.raw, pool => sqlx::query_as(sql).fetch_all(pool).await.unwrap());
        rows.into_iter().map(|(answers,)| answers).collect()
    }

    /// Responses counted by hand, per agency and instrument.
    async fn counted(&self) -> BTreeMap<(Uuid, String), i64> {
        let rows: Vec<(Uuid, String, i64)> = on_pool!(&self.raw, pool => sqlx::query_as(
            "SELECT agency_id, instrument, COUNT(*) FROM survey_responses GROUP BY agency_id, instrument",
        )
        .fetch_all(pool)
        .await
        .unwrap());
        rows.into_iter().map(|(agency, instrument, count)| ((agency, instrument), count)).collect()
    }

    async fn nonce_count(&self) -> i64 {
        let (count,): (i64,) = on_pool!(&self.raw, pool =>
            sqlx::query_as("SELECT COUNT(*) FROM survey_used_nonces").fetch_one(pool).await.unwrap());
        count
    }
}

#[derive(Debug, sqlx::FromRow)]
struct RawResponse {
    id: Uuid,
    agency_id: Uuid,
    round_id: Uuid,
    instrument: String,
    relation: Option<String>,
    answers: String,
    day: String,
}

fn admin() -> Actor {
    Actor { id: None, name: "ผู้ดูแลระบบ".to_string() }
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
        website: None,
        contact: None,
    };
    store.create_agency(&admin(), &draft).await.unwrap()
}

async fn round(store: &dyn Store, fiscal_year: i64) -> Round {
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(fiscal_year).unwrap(),
        methodology_year: 2565,
        methodology_variant: "nacc".into(),
        windows: RoundWindows {
            survey_from: Some("2026-05-01".into()),
            survey_to: Some("2026-06-30".into()),
            ..RoundWindows::default()
        },
    };
    store.create_round(&admin(), &draft).await.unwrap()
}

/// A checked submission with a fresh token nonce and no cap.
fn submission(agency: &Agency, round: &Round, instrument: &str, answers: &str) -> Submission {
    Submission {
        agency_id: agency.id,
        round_id: round.id,
        instrument: instrument.to_string(),
        relation: (instrument == "EIT").then(|| "service_user".to_string()),
        answers: answers.to_string(),
        day: "2026-05-02".to_string(),
        nonce: rand::random(),
        nonce_expires_at: 2_000_000_000,
        cap: None,
    }
}

fn capped(mut submission: Submission, cap: u32) -> Submission {
    submission.cap = Some(cap);
    submission
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

async fn collect(store: &dyn Store, query: ResponseQuery) -> Vec<StoredResponse> {
    store.responses(query).map(|item| item.unwrap()).collect().await
}

/// A stored response holds exactly the agreed columns, none of them the token or the access code, a date
/// without time, under a random (v4) key; neither the key order nor SQLite's table order is the order of arrival.
async fn a_stored_response_says_nothing_of_who_or_when(harness: Harness) {
    let store = harness.store.as_ref();
    let (agency, round) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let code = "K7Q2X9MB";
    store.put_survey_link(&admin(), agency.id, round.id, code).await.unwrap();

    // 200 submissions one after another, each its own batch (as at a quiet hour), answers numbered in order.
    let mut sent = Vec::new();
    for number in 0..200 {
        let instrument = if number % 2 == 0 { "IIT" } else { "EIT" };
        let one = submission(&agency, &round, instrument, &format!("{number:03}1234"));
        assert_eq!(store.submit_responses(std::slice::from_ref(&one)).await.unwrap(), [Stored]);
        sent.push(one);
    }
    let order: Vec<String> = sent.iter().map(|one| one.answers.clone()).collect();

    assert_eq!(
        harness.columns("survey_responses").await,
        ["id", "agency_id", "round_id", "instrument", "relation", "answers", "day"]
    );
    assert_eq!(harness.columns("survey_used_nonces").await, ["nonce", "expires_at"]);
    assert_eq!(harness.columns("survey_tallies").await, ["agency_id", "round_id", "instrument", "responses"]);

    let rows = harness.response_rows().await;
    assert_eq!(rows.len(), 200);
    let nonces: Vec<[u8; 16]> = sent.iter().map(|one| one.nonce).collect();
    for row in &rows {
        assert_eq!(row.id.get_version_num(), 4, "a random key: {row:?}");
        assert_eq!((row.agency_id, row.round_id), (agency.id, round.id));
        for key in [row.id, row.agency_id, row.round_id] {
            assert!(!nonces.contains(key.as_bytes()), "a key is a token nonce: {row:?}");
        }
        let texts = [row.instrument.as_str(), row.relation.as_deref().unwrap_or(""), &row.answers, &row.day];
        for text in texts {
            assert!(!text.contains(code), "the access code is stored: {row:?}");
            assert!(!nonces.iter().any(|nonce| text.contains(&hex(nonce))), "a nonce is stored: {row:?}");
        }
        let day = row.day.as_bytes();
        assert!(
            day.len() == 10
                && day[4] == b'-'
                && day[7] == b'-'
                && day.iter().enumerate().all(|(at, byte)| at == 4 || at == 7 || byte.is_ascii_digit()),
            "a day and nothing finer: {:?}",
            row.day
        );
    }

    // Each of these fails by chance with probability 1/200! (all 200 in arrival order).
    let by_key = harness.answers("SELECT answers FROM survey_responses ORDER BY id").await;
    assert_ne!(by_key, order, "the key order is the arrival order");
    let mut sorted = by_key.clone();
    sorted.sort();
    assert_eq!(sorted, order, "every response is there once");
    if harness.is_sqlite() {
        let scanned = harness.answers("SELECT answers FROM survey_responses").await;
        assert_ne!(scanned, order, "the table order is the arrival order");
        // (On PostgreSQL the heap keeps rows in the order transactions wrote them; see the migration.)
    }

    // A batch is written in a random order too: 100 at once, then their keys say nothing of their order.
    let batch: Vec<Submission> =
        (200..300).map(|number| submission(&agency, &round, "IIT", &format!("{number:03}1234"))).collect();
    assert!(store.submit_responses(&batch).await.unwrap().iter().all(|outcome| *outcome == Stored));
    let batch_order: Vec<String> = batch.iter().map(|one| one.answers.clone()).collect();
    let stored: Vec<String> = harness
        .answers("SELECT answers FROM survey_responses ORDER BY id")
        .await
        .into_iter()
        .filter(|answers| answers.as_str() >= "200")
        .collect();
    assert_ne!(stored, batch_order);
    let scanned: Vec<String> = harness
        .answers("SELECT answers FROM survey_responses")
        .await
        .into_iter()
        .filter(|answers| answers.as_str() >= "200")
        .collect();
    assert_ne!(scanned, batch_order, "a batch is written in the order it came");
}

/// A token is good once: a second use, in a later batch or in the same batch, stores nothing.
async fn a_replayed_token_stores_nothing(harness: Harness) {
    let store = harness.store.as_ref();
    let (agency, round) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let first = submission(&agency, &round, "EIT", "0123");
    assert_eq!(store.submit_responses(std::slice::from_ref(&first)).await.unwrap(), [Stored]);

    let mut again = first.clone();
    again.answers = "3333".into();
    let other = submission(&agency, &round, "EIT", "1111");
    let mut twin = other.clone();
    twin.answers = "2222".into();
    let outcomes = store.submit_responses(&[again, other, twin]).await.unwrap();
    assert_eq!(outcomes, [Replayed, Stored, Replayed]);

    assert_eq!(
        harness.answers("SELECT answers FROM survey_responses ORDER BY answers").await,
        ["0123", "1111"]
    );
    assert_eq!(store.survey_counts(agency.id, round.id).await.unwrap(), BTreeMap::from([("EIT".into(), 2)]));
    assert_eq!(harness.nonce_count().await, 2);
}

/// With a headcount of 3, five submissions store three; the two refused keep their tokens, so that they can be
/// sent again once the agency corrects its headcount, and then only once.
async fn the_headcount_caps_iit_responses(harness: Harness) {
    let store = harness.store.as_ref();
    let (agency, round) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let five: Vec<Submission> =
        (0..5).map(|number| capped(submission(&agency, &round, "IIT", &format!("{number}")), 3)).collect();
    let outcomes = store.submit_responses(&five).await.unwrap();
    assert_eq!(outcomes, [Stored, Stored, Stored, OverCap, OverCap], "the first to come get the places");
    assert_eq!(
        harness.answers("SELECT answers FROM survey_responses ORDER BY answers").await,
        ["0", "1", "2"]
    );
    assert_eq!(store.survey_counts(agency.id, round.id).await.unwrap(), BTreeMap::from([("IIT".into(), 3)]));
    assert_eq!(harness.nonce_count().await, 3, "a refused submission spends no token");

    // The cap holds against what earlier batches stored, and does not touch the uncapped EIT.
    let late = capped(submission(&agency, &round, "IIT", "9"), 3);
    let eit = submission(&agency, &round, "EIT", "8");
    assert_eq!(store.submit_responses(&[late, eit]).await.unwrap(), [OverCap, Stored]);
    assert_eq!(store.submit_responses(&[five[3].clone()]).await.unwrap(), [OverCap]);

    // The headcount is corrected to 4: the fourth form goes through with its own token, once.
    let fourth = capped(five[3].clone(), 4);
    assert_eq!(
        store.submit_responses(&[fourth.clone(), capped(five[4].clone(), 4)]).await.unwrap(),
        [Stored, OverCap]
    );
    assert_eq!(store.submit_responses(&[fourth]).await.unwrap(), [Replayed]);
    assert_eq!(
        store.survey_counts(agency.id, round.id).await.unwrap(),
        BTreeMap::from([("EIT".into(), 1), ("IIT".into(), 4)])
    );
    assert_eq!(harness.counted().await[&(agency.id, "IIT".to_string())], 4);
}

/// The tallies kept beside the responses equal a count of the rows, whatever mix of agencies, instruments,
/// batches and refusals came; another round's responses are counted apart.
async fn the_tallies_equal_the_rows(harness: Harness) {
    let store = harness.store.as_ref();
    let agencies = [
        agency(store, "6150101", "นครสวรรค์").await,
        agency(store, "6150102", "นครสวรรค์").await,
        agency(store, "1500101", "อ่างทอง").await,
    ];
    let (round, other_round) = (round(store, 2569).await, round(store, 2570).await);
    let mut replay = None;
    for batch_number in 0..12usize {
        let mut batch = Vec::new();
        for number in 0..(batch_number * 7 % 23 + 1) {
            let agency = &agencies[(batch_number + number) % 3];
            let instrument = if (batch_number * number) % 3 == 0 { "EIT" } else { "IIT" };
            let chosen = if batch_number % 5 == 4 { &other_round } else { &round };
            let mut one = submission(agency, chosen, instrument, "01");
            if instrument == "IIT" {
                one.cap = Some(20);
            }
            batch.push(one);
        }
        if let Some(replayed) = replay.take() {
            batch.push(replayed);
        }
        replay = batch.first().cloned();
        store.submit_responses(&batch).await.unwrap();
    }
    let counted = harness.counted().await;
    let mut tallied = BTreeMap::new();
    for agency in &agencies {
        let mut both = BTreeMap::new();
        for chosen in [&round, &other_round] {
            for (instrument, count) in store.survey_counts(agency.id, chosen.id).await.unwrap() {
                *both.entry(instrument).or_insert(0) += count;
            }
        }
        for (instrument, count) in both {
            tallied.insert((agency.id, instrument), count);
        }
    }
    assert_eq!(tallied, counted);
    assert!(counted.values().sum::<i64>() > 50);
}

/// The responses stream in agency, instrument and key order, filtered by round, agency, province and
/// instrument, and carry neither key nor day.
async fn responses_stream_in_order_and_filtered(harness: Harness) {
    let store = harness.store.as_ref();
    let north = agency(store, "6150101", "นครสวรรค์").await;
    let north_two = agency(store, "6150102", "นครสวรรค์").await;
    let centre = agency(store, "1500101", "อ่างทอง").await;
    let (round, other_round) = (round(store, 2569).await, round(store, 2570).await);
    let mut batch = Vec::new();
    for (agency, count) in [(&north, 7), (&north_two, 5), (&centre, 6)] {
        for number in 0..count {
            batch.push(submission(agency, &round, "IIT", &format!("i{number}")));
            batch.push(submission(agency, &round, "EIT", &format!("e{number}")));
        }
    }
    batch.push(submission(&north, &other_round, "IIT", "other"));
    store.submit_responses(&batch).await.unwrap();

    let everything = collect(store, ResponseQuery { round_id: round.id, ..ResponseQuery::default() }).await;
    assert_eq!(everything.len(), 36, "another round's response is left out");
    let keys: Vec<(Uuid, &str)> =
        everything.iter().map(|response| (response.agency_id, response.instrument.as_str())).collect();
    assert!(keys.windows(2).all(|pair| pair[0] <= pair[1]), "ordered by agency and instrument: {keys:?}");
    // Within an agency and instrument, by the random key, as the table itself has it.
    let by_key = harness
        .answers("SELECT answers FROM survey_responses WHERE answers <> 'other' ORDER BY agency_id, instrument, id")
        .await;
    assert_eq!(everything.iter().map(|response| response.answers.clone()).collect::<Vec<_>>(), by_key);
    let eit: Vec<&StoredResponse> =
        everything.iter().filter(|response| response.instrument == "EIT").collect();
    assert!(eit.iter().all(|response| response.relation.as_deref() == Some("service_user")));

    let one_agency =
        ResponseQuery { round_id: round.id, agency_id: Some(north.id), ..ResponseQuery::default() };
    let north_only = collect(store, one_agency).await;
    assert_eq!(north_only.len(), 14);
    assert!(north_only.iter().all(|response| response.agency_id == north.id));

    let province =
        ResponseQuery {
            round_id: round.id, province: Some("นครสวรรค์".into()), ..ResponseQuery::default()
        };
    let province = collect(store, province).await;
    assert_eq!(province.len(), 24);
    assert!(province.iter().all(|response| response.agency_id != centre.id));

    let iit_of_centre = ResponseQuery {
        round_id: round.id,
        agency_id: Some(centre.id),
        province: Some("อ่างทอง".into()),
        instrument: Some("IIT".into()),
    };
    let iit_of_centre = collect(store, iit_of_centre).await;
    assert_eq!(iit_of_centre.len(), 6);
    assert!(iit_of_centre.iter().all(|response| response.instrument == "IIT" && response.relation.is_none()));

    // A reader that stops early leaves the store usable.
    let mut stream = store.responses(ResponseQuery { round_id: round.id, ..ResponseQuery::default() });
    assert!(stream.next().await.unwrap().is_ok());
    drop(stream);
    assert_eq!(
        collect(store, ResponseQuery { round_id: other_round.id, ..ResponseQuery::default() }).await.len(),
        1
    );
}

/// The progress overview lists every agency (of a province, or all) with its targets and counts.
async fn the_overview_counts_every_agency(harness: Harness) {
    let store = harness.store.as_ref();
    let centre = agency(store, "1500101", "อ่างทอง").await;
    let north = agency(store, "6150101", "นครสวรรค์").await;
    let quiet = agency(store, "6150102", "นครสวรรค์").await;
    let (round, other_round) = (round(store, 2569).await, round(store, 2570).await);
    store.put_survey_target(&admin(), north.id, round.id, Some(40), Some(120)).await.unwrap();
    store.put_survey_target(&admin(), centre.id, other_round.id, Some(9), None).await.unwrap();
    let mut batch = Vec::new();
    for _ in 0..3 {
        batch.push(submission(&north, &round, "IIT", "1"));
    }
    for _ in 0..2 {
        batch.push(submission(&north, &round, "EIT", "1"));
        batch.push(submission(&centre, &round, "EIT", "1"));
    }
    batch.push(submission(&centre, &other_round, "IIT", "1"));
    store.submit_responses(&batch).await.unwrap();

    let rows = store.survey_overview(round.id, None).await.unwrap();
    let summary: Vec<_> = rows
        .iter()
        .map(|row| {
            (row.code.as_str(), row.iit_population, row.eit_population, row.iit_responses, row.eit_responses)
        })
        .collect();
    // Ordered by province (Thai order: นครสวรรค์ before อ่างทอง), then code.
    assert_eq!(
        summary,
        [
            ("6150101", Some(40), Some(120), 3, 2),
            ("6150102", None, None, 0, 0),
            ("1500101", None, None, 0, 2),
        ]
    );
    assert_eq!(rows[0].name_th, north.name_th);
    assert_eq!(rows[1].agency_id, quiet.id);

    let province = store.survey_overview(round.id, Some("อ่างทอง")).await.unwrap();
    assert_eq!(province.len(), 1);
    assert_eq!((province[0].agency_id, province[0].eit_responses), (centre.id, 2));
    let other = store.survey_overview(other_round.id, Some("อ่างทอง")).await.unwrap();
    assert_eq!((other[0].iit_population, other[0].iit_responses, other[0].eit_responses), (Some(9), 1, 0));
}

/// Targets and links read back as written, and each change is in the audit log, without the access code.
async fn targets_and_links_round_trip_with_audit(harness: Harness) {
    let store = harness.store.as_ref();
    let (agency, round) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    assert_eq!(store.survey_target(agency.id, round.id).await.unwrap(), None);
    assert_eq!(store.survey_link(agency.id, round.id).await.unwrap(), None);

    let target = store.put_survey_target(&admin(), agency.id, round.id, Some(35), None).await.unwrap();
    assert_eq!((target.iit_population, target.eit_population), (Some(35), None));
    let target = store.put_survey_target(&admin(), agency.id, round.id, Some(36), Some(4_000)).await.unwrap();
    assert_eq!(store.survey_target(agency.id, round.id).await.unwrap(), Some(target));

    let link = store.put_survey_link(&admin(), agency.id, round.id, "FIRSTCODE").await.unwrap();
    assert_eq!(store.survey_link(agency.id, round.id).await.unwrap(), Some(link));
    let link = store.put_survey_link(&admin(), agency.id, round.id, "SECONDCODE").await.unwrap();
    assert_eq!(link.iit_code, "SECONDCODE");
    assert_eq!(store.survey_link(agency.id, round.id).await.unwrap(), Some(link));

    let audit = store.audit(&AuditQuery { agency_id: Some(agency.id), offset: 0, limit: 50 }).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "survey_link.update",
            "survey_link.create",
            "survey_target.update",
            "survey_target.create",
            "agency.create"
        ]
    );
    assert!(audit.items[..4].iter().all(|entry| entry.subject == round.id.to_string()));
    assert_eq!(audit.items[2].detail["before"]["iit_population"], serde_json::json!(35));
    assert_eq!(audit.items[2].detail["after"]["iit_population"], serde_json::json!(36));
    assert_eq!(audit.items[2].detail["after"]["eit_population"], serde_json::json!(4_000));
    for entry in &audit.items[..2] {
        let detail = entry.detail.to_string();
        assert!(!detail.contains("FIRSTCODE") && !detail.contains("SECONDCODE"), "{detail}");
        assert_eq!(entry.detail["iit_code"], "code changed");
    }
}

/// Computed survey scores read back as written and are replaced by the next computation.
async fn survey_scores_round_trip(harness: Harness) {
    let store = harness.store.as_ref();
    let (agency, round) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    assert_eq!(store.survey_scores(agency.id, round.id).await.unwrap(), None);
    let mut record = SurveyScoreRecord {
        agency_id: agency.id,
        round_id: round.id,
        indicators: BTreeMap::from([(1, Hundredths(9785)), (8, Hundredths(10000))]),
        iit_respondents: 31,
        eit_respondents: 204,
        computed_at: 1_780_000_000,
    };
    let analyst = Actor { id: None, name: "นักวิเคราะห์".into() };
    store.put_survey_scores(&analyst, std::slice::from_ref(&record)).await.unwrap();
    assert_eq!(store.survey_scores(agency.id, round.id).await.unwrap().as_ref(), Some(&record));
    record.indicators.insert(1, Hundredths(9001));
    record.eit_respondents = 210;
    store.put_survey_scores(&analyst, std::slice::from_ref(&record)).await.unwrap();
    assert_eq!(store.survey_scores(agency.id, round.id).await.unwrap(), Some(record));
    // Every compute is in the audit log, by whom and for which round, in the transaction of its write.
    let entries = store.audit(&AuditQuery { agency_id: None, offset: 0, limit: 100 }).await.unwrap().items;
    let computes: Vec<_> = entries.iter().filter(|entry| entry.action == "survey_scores.compute").collect();
    assert_eq!(computes.len(), 2);
    for entry in computes {
        assert_eq!(entry.actor_name, "นักวิเคราะห์");
        assert_eq!(entry.subject, round.id.to_string());
        assert_eq!(entry.detail, serde_json::json!({ "agencies": 1 }));
    }
}

/// The server secret is made once and then the same for every server and after a restart.
async fn the_secret_is_stable(harness: Harness) {
    let first = harness.store.secret("survey-token").await.unwrap();
    assert_eq!(first.len(), 32);
    assert_eq!(harness.store.secret("survey-token").await.unwrap(), first);
    assert_ne!(harness.store.secret("something-else").await.unwrap(), first);
    let url = harness.url.clone();
    drop(harness.store);
    let reopened = ita_store::open(&url).await.unwrap();
    assert_eq!(reopened.secret("survey-token").await.unwrap(), first);
}

/// 2,000 concurrent submitters through the group-commit writer: each hears Stored once its batch is stored,
/// and each response is counted exactly once; with a cap, exactly the cap's worth get through.
async fn group_commit_stores_each_submission_once(harness: Harness) {
    let store = Arc::clone(&harness.store);
    let (agency, round) =
        (agency(store.as_ref(), "6150101", "นครสวรรค์").await, round(store.as_ref(), 2569).await);
    let writer = GroupCommit::start(Arc::clone(&store), GroupCommitSettings::default());
    let mut tasks = tokio::task::JoinSet::new();
    for number in 0..2_000 {
        let writer = writer.clone();
        let one = if number % 2 == 0 {
            capped(submission(&agency, &round, "IIT", "0"), 700)
        } else {
            submission(&agency, &round, "EIT", "0")
        };
        tasks.spawn(async move {
            let instrument = one.instrument.clone();
            format!("{instrument} {:?}", writer.submit(one).await.unwrap())
        });
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        *outcomes.entry(joined.unwrap()).or_insert(0) += 1;
    }
    let expected = [("EIT Stored", 1_000), ("IIT OverCap", 300), ("IIT Stored", 700)];
    assert_eq!(outcomes, expected.map(|(outcome, count)| (outcome.to_string(), count)).into());
    let counts = store.survey_counts(agency.id, round.id).await.unwrap();
    assert_eq!(counts, BTreeMap::from([("EIT".into(), 1_000), ("IIT".into(), 700)]));
    assert_eq!(harness.counted().await.values().sum::<i64>(), 1_700);
    assert_eq!(harness.nonce_count().await, 1_700);

    // A submission the database refuses (an agency that does not exist) fails alone; its batch is stored.
    let mut tasks = tokio::task::JoinSet::new();
    for number in 0..50 {
        let writer = writer.clone();
        let mut one = submission(&agency, &round, "EIT", "1");
        if number == 25 {
            one.agency_id = Uuid::new_v4();
        }
        tasks.spawn(async move { writer.submit(one).await });
    }
    let (mut stored, mut failed) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok(Stored) => stored += 1,
            Err(StoreError::Database(_)) => failed += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((stored, failed), (49, 1));
    assert_eq!(store.survey_counts(agency.id, round.id).await.unwrap()["EIT"], 1_049);
}

/// Spent nonces are forgotten once their tokens have expired (kept to the whole day, UTC, so that they say
/// nothing finer than the day); the others still refuse a replay.
async fn expired_nonces_are_purged(harness: Harness) {
    const DAY: i64 = 86_400;
    let store = harness.store.as_ref();
    let (agency, round) = (agency(store, "6150101", "นครสวรรค์").await, round(store, 2569).await);
    let batch: Vec<Submission> = [100, DAY + 5, 2 * DAY + 7]
        .into_iter()
        .map(|expires_at| Submission {
            nonce_expires_at: expires_at,
            ..submission(&agency, &round, "EIT", "0")
        })
        .collect();
    store.submit_responses(&batch).await.unwrap();
    let expiries: Vec<(i64,)> = on_pool!(&harness.raw, pool =>
        sqlx::query_as("SELECT expires_at FROM survey_used_nonces ORDER BY expires_at").fetch_all(pool).await.unwrap());
    assert_eq!(expiries, [(DAY,), (2 * DAY,), (3 * DAY,)]);

    assert_eq!(store.purge_used_nonces(DAY).await.unwrap(), 0, "not before its day is over");
    assert_eq!(store.purge_used_nonces(2 * DAY + 1).await.unwrap(), 2);
    assert_eq!(store.purge_used_nonces(2 * DAY + 1).await.unwrap(), 0);
    assert_eq!(harness.nonce_count().await, 1);
    assert_eq!(store.submit_responses(&batch[2..]).await.unwrap(), [Replayed]);
    assert_eq!(store.survey_counts(agency.id, round.id).await.unwrap()["EIT"], 3, "responses stay");
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
    a_stored_response_says_nothing_of_who_or_when,
    a_replayed_token_stores_nothing,
    the_headcount_caps_iit_responses,
    the_tallies_equal_the_rows,
    responses_stream_in_order_and_filtered,
    the_overview_counts_every_agency,
    targets_and_links_round_trip_with_audit,
    survey_scores_round_trip,
    the_secret_is_stable,
    group_commit_stores_each_submission_once,
    expired_nonces_are_purged,
);
