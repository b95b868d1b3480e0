//! How fast the group-commit writer stores survey submissions, without the web layer: 1,000 clients each send
//! 20 submissions one after another (20,000 in all, 51 answers each, half IIT with a headcount cap, half EIT,
//! spread over 1,000 agencies) and the time until the last is durable is printed.
//!
//! `cargo run --release -p ita-store --example group_commit_load` (SQLite in a temporary folder), or with
//! `-- postgres` for a scratch database at postgres://postgres@127.0.0.1:5432/postgres.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear};
use ita_store::{
    Actor, AgencyDraft, GroupCommit, GroupCommitSettings, RoundDraft, RoundWindows, Store, Submission,
    SubmissionOutcome,
};

const CLIENTS: usize = 1_000;
const PER_CLIENT: usize = 20;
const AGENCIES: usize = 1_000;

#[tokio::main]
async fn main() {
    let postgres = std::env::args().any(|argument| argument == "postgres");
    let folder = tempfile::tempdir().unwrap();
    let scratch;
    let store: Arc<dyn Store> = if postgres {
        scratch =
            ita_store::ScratchDatabase::create("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
        ita_store::open(scratch.url()).await.unwrap()
    } else {
        ita_store::open(&format!("sqlite://{}", folder.path().join("ita.db").display())).await.unwrap()
    };

    let actor = Actor::system("load");
    let drafts: Vec<AgencyDraft> = (0..AGENCIES)
        .map(|number| AgencyDraft {
            code: AgencyCode::parse(&format!("{:07}", 1_000_000 + number)).unwrap(),
            name_th: format!("หน่วยงาน {number}"),
            name_en: None,
            kind: AgencyKind::SubdistrictAdministration,
            province: "นครสวรรค์".into(),
            district: None,
            parent_id: None,
            website: None,
            contact: None,
        })
        .collect();
    let agencies: Vec<_> = store
        .create_agencies(&actor, &drafts)
        .await
        .unwrap()
        .into_iter()
        .map(|agency| agency.unwrap().id)
        .collect();
    let round = store
        .create_round(
            &actor,
            &RoundDraft {
                fiscal_year: FiscalYear::new(2569).unwrap(),
                methodology_year: 2565,
                methodology_variant: "nacc".into(),
                windows: RoundWindows::default(),
            },
        )
        .await
        .unwrap();

    let writer = GroupCommit::start(Arc::clone(&store), GroupCommitSettings::default());
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..CLIENTS {
        let writer = writer.clone();
        let agency_id = agencies[client % AGENCIES];
        let round_id = round.id;
        clients.spawn(async move {
            let mut latencies = Vec::with_capacity(PER_CLIENT);
            for number in 0..PER_CLIENT {
                let iit = number % 2 == 0;
                let submission = Submission {
                    agency_id,
                    round_id,
                    instrument: if iit { "IIT" } else { "EIT" }.into(),
                    relation: (!iit).then(|| "service_user".into()),
                    answers: "012345".repeat(9)[..51].to_string(),
                    day: "2026-05-02".into(),
                    nonce: rand::random(),
                    nonce_expires_at: 2_000_000_000,
                    cap: iit.then_some(1_000),
                };
                let sent = Instant::now();
                let outcome = writer.submit(submission).await.unwrap();
                assert_eq!(outcome, SubmissionOutcome::Stored);
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(CLIENTS * PER_CLIENT);
    while let Some(joined) = clients.join_next().await {
        latencies.extend(joined.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let total = latencies.len();
    let percentile = |share: f64| latencies[((total as f64 * share) as usize).min(total - 1)];
    println!(
        "{}: {total} submissions stored in {:.2} s = {:.0}/s; latency p50 {:.1} ms, p99 {:.1} ms \
         ({CLIENTS} clients sending without pause)",
        store.dialect(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        percentile(0.50).as_secs_f64() * 1e3,
        percentile(0.99).as_secs_f64() * 1e3,
    );
}
