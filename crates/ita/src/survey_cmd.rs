//! `ita survey prepare-load`: readies a database for the survey load benchmark and the crash test. Through the
//! store, as the pages would: N agencies (`LOAD00001`, ...), the round of the current fiscal year (made, or the
//! one there, its survey window widened to hold today), each agency's declared IIT headcount and IIT access
//! code; then a JSON file of the forms to load (paths without the server's address), which `ita-load` reads.

use std::path::PathBuf;

use ita_domain::methodology::{Catalog, Methodology, MethodologyId};
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear};
use ita_domain::thai::CalendarDate;
use ita_store::{Actor, Agency, AgencyDraft, Round, RoundDraft, RoundWindows, Store, StoreError};
use serde::Serialize;

use crate::config::{Config, StoreFlags};

/// Agencies made per transaction.
const BATCH: usize = 500;
/// The code prefix of the load agencies.
const PREFIX: &str = "LOAD";
/// Thai time is UTC+7: the survey window's dates are Thai dates.
const THAI_OFFSET_SECONDS: u64 = 7 * 3600;

#[derive(Debug, clap::Args)]
pub struct PrepareLoadArgs {
    /// How many agencies (LOAD00001, LOAD00002, ...); those there already are reused.
    #[arg(long, default_value_t = 100)]
    pub agencies: usize,
    /// The IIT headcount each agency declares (the cap of its IIT responses).
    #[arg(long, default_value_t = 1_000_000)]
    pub population: u32,
    /// The JSON file of the forms to load.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub store: StoreFlags,
}

/// The file written: the same shape `ita_load::TargetsFile` reads.
#[derive(Debug, Serialize)]
struct TargetsFile {
    fiscal_year: u16,
    round_id: String,
    methodology: String,
    targets: Vec<Target>,
}

#[derive(Debug, Serialize)]
struct Target {
    path: String,
    agency_code: String,
    fiscal_year: u16,
    iit_code: String,
}

fn invalid(th: &str, en: &str) -> anyhow::Error {
    anyhow::anyhow!("ข้อผิดพลาด: {th}\nerror: {en}")
}

pub fn prepare_load(args: &PrepareLoadArgs, catalog: &Catalog) -> anyhow::Result<()> {
    if args.agencies == 0 || args.agencies > 99_999 {
        return Err(invalid("จำนวนหน่วยงานต้องอยู่ระหว่าง 1 ถึง 99999", "--agencies must be from 1 to 99999"));
    }
    if args.population == 0 {
        return Err(invalid("จำนวนบุคลากรต้องมากกว่า 0", "--population must be above 0"));
    }
    let config = Config::load(args.store.config.as_deref(), args.store.layer())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let file = runtime.block_on(async {
        let store = config.open_store().await?;
        let actor = Actor::system("ita survey prepare-load");
        let today = thai_today();
        let round = current_round(store.as_ref(), catalog, &actor, today).await?;
        let agencies = load_agencies(store.as_ref(), &actor, args.agencies).await?;
        let fiscal_year = round.fiscal_year.get();
        let mut targets = Vec::with_capacity(agencies.len());
        for agency in &agencies {
            store.put_survey_target(&actor, agency.id, round.id, Some(args.population), None).await?;
            let iit_code = match store.survey_link(agency.id, round.id).await? {
                Some(link) => link.iit_code,
                None => store.put_survey_link(&actor, agency.id, round.id, &access_code()).await?.iit_code,
            };
            targets.push(Target {
                path: format!("/s/{}/{fiscal_year}/iit", agency.code.as_str()),
                agency_code: agency.code.as_str().to_string(),
                fiscal_year,
                iit_code,
            });
        }
        let methodology =
            MethodologyId { year: round.methodology_year, variant: round.methodology_variant.clone() };
        anyhow::Ok(TargetsFile {
            fiscal_year,
            round_id: round.id.to_string(),
            methodology: methodology.to_string(),
            targets,
        })
    })?;
    let json = serde_json::to_string_pretty(&file)?;
    std::fs::write(&args.out, json + "\n").map_err(|error| {
        anyhow::anyhow!("ข้อผิดพลาด: เขียนแฟ้ม {0} ไม่ได้\nerror: cannot write {0}: {error}", args.out.display())
    })?;
    println!(
        "เตรียม {agencies} หน่วยงาน ปีงบประมาณ {year} (บุคลากร {population} คนต่อหน่วยงาน) ใน {database} แล้ว \
         รายการแบบสอบถามอยู่ที่ {out}\n\
         prepared {agencies} agencies for fiscal year {year} (headcount {population} each) in {database}; \
         the forms to load are in {out}",
        agencies = file.targets.len(),
        year = file.fiscal_year,
        population = args.population,
        database = config.database_label(),
        out = args.out.display(),
    );
    Ok(())
}

/// Today in Thailand, from the system clock.
fn thai_today() -> CalendarDate {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    CalendarDate::from_days_since_1970(i64::try_from((seconds + THAI_OFFSET_SECONDS) / 86_400).unwrap_or(0))
}

fn iso(date: CalendarDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// The round of today's fiscal year, its survey window holding today: the one there (widened if need be), or a
/// new one on the newest methodology of that year or before, its survey window the whole fiscal year.
async fn current_round(
    store: &dyn Store,
    catalog: &Catalog,
    actor: &Actor,
    today: CalendarDate,
) -> anyhow::Result<Round> {
    let fiscal_year = today.fiscal_year();
    let today = iso(today);
    let gregorian = i32::from(fiscal_year) - 543;
    let (year_start, year_end) = (format!("{}-10-01", gregorian - 1), format!("{gregorian}-09-30"));
    if let Some(round) =
        store.rounds().await?.into_iter().find(|round| round.fiscal_year.get() == fiscal_year)
    {
        let windows = &round.windows;
        let from = windows.survey_from.clone().filter(|from| *from <= today).unwrap_or(year_start);
        let to = windows.survey_to.clone().filter(|to| *to >= today).unwrap_or(year_end);
        if windows.survey_from.as_ref() == Some(&from) && windows.survey_to.as_ref() == Some(&to) {
            return Ok(round);
        }
        println!(
            "ขยายช่วงเวลาตอบแบบสอบถามของรอบ {fiscal_year} เป็น {from} ถึง {to}\n\
             widened the survey window of round {fiscal_year} to {from} - {to}"
        );
        let draft = RoundDraft {
            fiscal_year: round.fiscal_year,
            methodology_year: round.methodology_year,
            methodology_variant: round.methodology_variant.clone(),
            windows: RoundWindows { survey_from: Some(from), survey_to: Some(to), ..round.windows.clone() },
        };
        return Ok(store.update_round(actor, round.id, &draft).await?);
    }
    let methodology = newest_methodology(catalog, fiscal_year)?;
    let draft = RoundDraft {
        fiscal_year: FiscalYear::new(i64::from(fiscal_year))
            .map_err(|error| invalid(&error.th, &error.en))?,
        methodology_year: methodology.year,
        methodology_variant: methodology.variant.clone(),
        windows: RoundWindows {
            survey_from: Some(year_start),
            survey_to: Some(year_end),
            ..RoundWindows::default()
        },
    };
    Ok(store.create_round(actor, &draft).await?)
}

fn newest_methodology(catalog: &Catalog, fiscal_year: u16) -> anyhow::Result<&Methodology> {
    catalog
        .list()
        .iter()
        .filter(|methodology| {
            methodology.variant == MethodologyId::DEFAULT_VARIANT && methodology.year <= fiscal_year
        })
        .max_by_key(|methodology| methodology.year)
        .ok_or_else(|| {
            invalid(
                &format!("ไม่มีหลักเกณฑ์การประเมินของปีงบประมาณ {fiscal_year} หรือก่อนหน้า"),
                &format!("no methodology for fiscal year {fiscal_year} or before"),
            )
        })
}

/// `LOAD00001` ... `LOADnnnnn`: made in batches, those there already looked up.
async fn load_agencies(store: &dyn Store, actor: &Actor, count: usize) -> anyhow::Result<Vec<Agency>> {
    let codes: Vec<AgencyCode> = (1..=count)
        .map(|number| {
            AgencyCode::parse(&format!("{PREFIX}{number:05}")).map_err(|error| invalid(&error.th, &error.en))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut agencies = Vec::with_capacity(count);
    for chunk in codes.chunks(BATCH) {
        let drafts: Vec<AgencyDraft> = chunk
            .iter()
            .map(|code| AgencyDraft {
                code: code.clone(),
                name_th: format!("หน่วยงานทดสอบภาระ {}", code.as_str()),
                name_en: Some(format!("Load test agency {}", code.as_str())),
                kind: AgencyKind::Other,
                province: "กรุงเทพมหานคร".to_string(),
                district: None,
                parent_id: None,
                website: None,
                contact: None,
            })
            .collect();
        for (code, outcome) in chunk.iter().zip(store.create_agencies(actor, &drafts).await?) {
            match outcome {
                Ok(agency) => agencies.push(agency),
                Err(StoreError::Conflict { .. }) => agencies.push(
                    store
                        .agency_by_code(code)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("agency {} taken yet not found", code.as_str()))?,
                ),
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(agencies)
}

/// An IIT access code: 8 characters that are not mistaken for each other, from a random UUID's bytes.
fn access_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uuid::Uuid::new_v4().as_bytes()[..8]
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(*byte) % ALPHABET.len()]))
        .collect()
}
