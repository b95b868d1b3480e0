//! The national recompute of survey scores: a round with 8,300 agencies and 1.4 million responses (IIT and EIT,
//! stored through `Store::submit_responses` in large batches, each with its nonce, as the server stores them),
//! then `compute_round_survey_scores` timed over all of it, with the peak memory of that step.
//!
//! `cargo bench -p ita-web --bench survey_compute` (SQLite in a temporary folder; `postgres` as a filter word
//! for a scratch PostgreSQL database instead, `ITA_BENCH_POSTGRES` naming its admin URL). `ITA_BENCH_AGENCIES`,
//! `ITA_BENCH_RESPONSES` change the size; `ITA_BENCH_SQLITE=FILE` keeps the SQLite database in FILE and, when
//! it is filled already, reuses it (so that the computation alone can be repeated); `ITA_BENCH_RUNS` repeats
//! the computation (best and every run shown). Run it under `/usr/bin/time -v` for the peak of the process.

use std::time::Instant;

use ita_domain::methodology::{Catalog, Methodology, MethodologyId};
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear};
use ita_domain::questionnaire::Questionnaire;
use ita_store::{Actor, AgencyDraft, Round, RoundDraft, RoundWindows, Store, Submission, SubmissionOutcome};

const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const FISCAL_YEAR: u16 = 2569;
/// Submissions per `submit_responses` call.
const SUBMIT_BATCH: usize = 10_000;
/// Agencies per `create_agencies` call.
const AGENCY_BATCH: usize = 500;
/// Of every three responses, one is IIT and two are EIT (an agency has fewer staff than service users).
const IIT_SHARE: (usize, usize) = (1, 3);

fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

fn main() -> anyhow::Result<()> {
    let filter: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let agencies: usize =
        setting("ITA_BENCH_AGENCIES").map(|text| text.parse()).transpose()?.unwrap_or(8_300);
    let responses: usize =
        setting("ITA_BENCH_RESPONSES").map(|text| text.parse()).transpose()?.unwrap_or(1_400_000);
    let runs: usize = setting("ITA_BENCH_RUNS").map(|text| text.parse()).transpose()?.unwrap_or(1).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        if filter.iter().any(|word| word == "postgres") {
            let admin = setting("ITA_BENCH_POSTGRES").unwrap_or_else(|| POSTGRES_ADMIN_URL.to_string());
            let scratch = ita_store::ScratchDatabase::create(&admin).await?;
            run("PostgreSQL", scratch.url(), agencies, responses, runs).await
        } else {
            let folder = tempfile::tempdir()?;
            let path = setting("ITA_BENCH_SQLITE")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| folder.path().join("ita.db"));
            run("SQLite", &format!("sqlite://{}", path.display()), agencies, responses, runs).await
        }
    })
}

async fn run(label: &str, url: &str, agencies: usize, responses: usize, runs: usize) -> anyhow::Result<()> {
    let store = ita_store::open(url).await?;
    let catalog = Catalog::builtin()?;
    let round = match existing_round(store.as_ref()).await? {
        Some(round) => {
            println!("{label}: reusing the round {FISCAL_YEAR} already filled in {url}");
            round
        }
        None => fill(store.as_ref(), &catalog, label, agencies, responses).await?,
    };
    let mut seconds = Vec::new();
    for run in 1..=runs {
        reset_peak_memory();
        let before = memory_kib("VmRSS");
        let started = Instant::now();
        let summary = ita_web::survey_compute::compute_round_survey_scores(
            store.as_ref(),
            &catalog,
            &ita_store::Actor::system("bench"),
            &round,
        )
        .await
        .map_err(|error| anyhow::anyhow!("{error:?}"))?;
        let elapsed = started.elapsed().as_secs_f64();
        seconds.push(elapsed);
        println!(
            "{label} run {run}: computed {} agencies from {} responses ({} unreadable) in {elapsed:.2} s \
             ({:.0} responses/s); memory before {} MiB, peak during {} MiB",
            summary.agencies,
            summary.responses,
            summary.unreadable,
            summary.responses as f64 / elapsed,
            before.map_or("?".to_string(), |kib| format!("{:.0}", kib as f64 / 1024.0)),
            memory_kib("VmHWM").map_or("?".to_string(), |kib| format!("{:.0}", kib as f64 / 1024.0)),
        );
    }
    let best = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    println!("{label}: best of {runs}: {best:.2} s");
    Ok(())
}

async fn existing_round(store: &dyn Store) -> anyhow::Result<Option<Round>> {
    let Some(round) = store.rounds().await?.into_iter().find(|round| round.fiscal_year.get() == FISCAL_YEAR)
    else {
        return Ok(None);
    };
    let overview = store.survey_overview(round.id, None).await?;
    let filled = overview.iter().any(|row| row.iit_responses + row.eit_responses > 0);
    Ok(filled.then_some(round))
}

/// The agencies, the round and the responses, timed.
async fn fill(
    store: &dyn Store,
    catalog: &Catalog,
    label: &str,
    agency_count: usize,
    response_count: usize,
) -> anyhow::Result<Round> {
    let actor = Actor::system("benchmark");
    let started = Instant::now();
    let methodology = catalog.get(&MethodologyId::nacc(FISCAL_YEAR))?;
    let year = i32::from(FISCAL_YEAR) - 543;
    let round = store
        .create_round(
            &actor,
            &RoundDraft {
                fiscal_year: FiscalYear::new(i64::from(FISCAL_YEAR))
                    .map_err(|error| anyhow::anyhow!("{error}"))?,
                methodology_year: methodology.year,
                methodology_variant: methodology.variant.clone(),
                windows: RoundWindows {
                    survey_from: Some(format!("{}-10-01", year - 1)),
                    survey_to: Some(format!("{year}-09-30")),
                    ..RoundWindows::default()
                },
            },
        )
        .await?;
    let mut agency_ids = Vec::with_capacity(agency_count);
    let numbers: Vec<usize> = (1..=agency_count).collect();
    for chunk in numbers.chunks(AGENCY_BATCH) {
        let drafts: Vec<AgencyDraft> = chunk
            .iter()
            .map(|number| {
                Ok(AgencyDraft {
                    code: AgencyCode::parse(&format!("BENCH{number:05}"))
                        .map_err(|error| anyhow::anyhow!("{error}"))?,
                    name_th: format!("หน่วยงานทดสอบ {number}"),
                    name_en: None,
                    kind: AgencyKind::SubdistrictAdministration,
                    province: format!("จังหวัด {}", number % 76),
                    district: None,
                    parent_id: None,
                    website: None,
                    contact: None,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        for agency in store.create_agencies(&actor, &drafts).await? {
            agency_ids.push(agency?.id);
        }
    }
    println!("{label}: {agency_count} agencies in {:.1} s", started.elapsed().as_secs_f64());

    let iit = Shape::new(methodology, "IIT")?;
    let eit = Shape::new(methodology, "EIT")?;
    let mut random = Seeded(0x5EED_1234_ABCD_0001);
    let expires =
        i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs())?
            + 86_400;
    let mut batch = Vec::with_capacity(SUBMIT_BATCH);
    let mut stored = 0usize;
    let filling = Instant::now();
    for index in 0..response_count {
        // Agencies in turn, so that each has about the same number; the instrument by the share.
        let agency_id = agency_ids[index % agency_ids.len()];
        let round_of_agency = index / agency_ids.len();
        let shape = if round_of_agency % IIT_SHARE.1 < IIT_SHARE.0 { &iit } else { &eit };
        batch.push(Submission {
            agency_id,
            round_id: round.id,
            instrument: shape.instrument.clone(),
            relation: shape.relation(&mut random),
            answers: shape.answers(&mut random),
            day: format!("{year}-06-15"),
            nonce: random.nonce(),
            nonce_expires_at: expires,
            cap: None,
        });
        if batch.len() == SUBMIT_BATCH || index + 1 == response_count {
            let outcomes = store.submit_responses(&batch).await?;
            stored += outcomes.iter().filter(|outcome| **outcome == SubmissionOutcome::Stored).count();
            batch.clear();
        }
    }
    anyhow::ensure!(stored == response_count, "stored {stored} of {response_count}");
    let seconds = filling.elapsed().as_secs_f64();
    println!(
        "{label}: {stored} responses stored in {seconds:.1} s ({:.0}/s, batches of {SUBMIT_BATCH})",
        stored as f64 / seconds
    );
    Ok(round)
}

/// What an instrument's stored answers look like: the option count of each column, and the relations.
struct Shape {
    instrument: String,
    options: Vec<u8>,
    relations: Vec<String>,
}

impl Shape {
    fn new(methodology: &Methodology, instrument: &str) -> anyhow::Result<Shape> {
        let questionnaire = Questionnaire::new(methodology, instrument)?;
        Ok(Shape {
            instrument: instrument.to_string(),
            options: questionnaire.columns().map(|(_, column)| column.options.len() as u8).collect(),
            relations: questionnaire.relations().iter().map(|relation| relation.code.clone()).collect(),
        })
    }

    /// Answers leaning to the better options, as real ones do: each column's index drawn from a skewed spread.
    fn answers(&self, random: &mut Seeded) -> String {
        self.options
            .iter()
            .map(|&count| {
                let index = (random.below(u64::from(count)) + random.below(u64::from(count))) / 2
                    + u64::from(random.below(3) == 0);
                char::from_digit(index.min(u64::from(count) - 1) as u32, 36).unwrap_or('0')
            })
            .collect()
    }

    fn relation(&self, random: &mut Seeded) -> Option<String> {
        (!self.relations.is_empty())
            .then(|| self.relations[random.below(self.relations.len() as u64) as usize].clone())
    }
}

/// A small deterministic generator (xorshift64*): the same data every run.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn nonce(&mut self) -> [u8; 16] {
        let mut nonce = [0; 16];
        nonce[..8].copy_from_slice(&self.next().to_le_bytes());
        nonce[8..].copy_from_slice(&self.next().to_le_bytes());
        nonce
    }
}

/// Resets the process's peak resident memory (Linux: `5` to `/proc/self/clear_refs`), so that the next reading
/// of `VmHWM` is the peak of what follows.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A `/proc/self/status` figure in KiB.
fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
