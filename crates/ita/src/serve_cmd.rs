//! `ita serve` and `ita demo`: open the store the settings name, bind the address, say (Thai, then English)
//! where to go, with the one-time set-up link on a first start or the demonstration accounts with `--demo`,
//! and serve until Ctrl-C; or fill a database with the demonstration data at any size, for benchmarks.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use ita_domain::methodology::Catalog;
use ita_domain::platform::Visibility;
use ita_store::{AgencyQuery, Store};
use ita_web::demo::{DemoAccount, DemoData, DemoSize};
use ita_web::{AppState, Settings};

use crate::config::Config;

/// Runs the server in the foreground.
pub fn serve(config: Config, catalog: Catalog, demo: bool) -> anyhow::Result<()> {
    init_logging();
    runtime()?.block_on(serve_async(config, catalog, demo))
}

/// Loads the demonstration data of `size` into the configured database, which must have no agency yet.
pub fn demo(config: &Config, catalog: &Catalog, size: DemoSize) -> anyhow::Result<()> {
    init_logging();
    runtime()?.block_on(async {
        let store = config.open_store().await?;
        if has_agencies(store.as_ref()).await? {
            anyhow::bail!(
                "ข้อผิดพลาด: ฐานข้อมูล {0} มีหน่วยงานอยู่แล้ว ข้อมูลสาธิตใส่ได้เฉพาะฐานข้อมูลที่ยังไม่มีหน่วยงาน\n\
                 error: the database {0} has agencies already: demonstration data goes only into one without",
                config.database_label()
            );
        }
        let started = Instant::now();
        let data = ita_web::demo::load_demo(store.as_ref(), catalog, size).await?;
        let elapsed = started.elapsed().as_secs_f64();
        let accounts = ita_web::demo::create_demo_accounts(store.as_ref(), &data).await?;
        let mut out = std::io::stdout().lock();
        print_demo(&mut out, &data, &accounts)?;
        writeln!(
            out,
            "ใช้เวลา {elapsed:.1} วินาที ใน {0}\ntook {elapsed:.1} s into {0}",
            config.database_label()
        )?;
        Ok(())
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Logs go to standard error, filtered by `RUST_LOG` (info by default); standard output is for people.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn serve_async(config: Config, catalog: Catalog, demo: bool) -> anyhow::Result<()> {
    let store = config.open_store().await?;
    let listener = bind(config.listen).await?;
    let bound = listener.local_addr()?;
    let settings: Settings = config.settings(bound);
    let public_url = settings.public_url.clone();
    let mut state = AppState::new(store.clone(), settings, ita_report::FontSet::default())?;
    // The catalogue with any --methodology-dir years, rather than the built-in one alone.
    state.catalog = Arc::new(catalog);
    tracing::info!(database = %config.database_label(), dialect = store.dialect(), %bound, "starting");

    let mut out = std::io::stdout().lock();
    if demo {
        if has_agencies(store.as_ref()).await? {
            writeln!(
                out,
                "ฐานข้อมูลมีหน่วยงานอยู่แล้ว จึงไม่ใส่ข้อมูลสาธิต\n\
                 The database has agencies already, so no demonstration data was loaded."
            )?;
        } else {
            writeln!(out, "กำลังสร้างข้อมูลสาธิต...\nLoading the demonstration data...")?;
            out.flush()?;
            let data = ita_web::demo::load_demo(store.as_ref(), &state.catalog, DemoSize::default()).await?;
            let accounts = ita_web::demo::create_demo_accounts(store.as_ref(), &data).await?;
            print_demo(&mut out, &data, &accounts)?;
        }
    }
    writeln!(out, "open-ita พร้อมใช้งานที่ {public_url}\nopen-ita is running at {public_url}")?;
    if let Some(path) = ita_web::setup_link(&state).await? {
        let link = format!("{public_url}{path}");
        writeln!(
            out,
            "ยังไม่มีบัญชีผู้ใช้: สร้างผู้ดูแลระบบคนแรกที่ลิงก์นี้ (ใช้ได้ครั้งเดียว) {link}\n\
             No account yet: create the first administrator at this link (it works once) {link}"
        )?;
    }
    writeln!(out, "กด Ctrl-C เพื่อหยุด / Press Ctrl-C to stop.")?;
    out.flush()?;
    drop(out);
    ita_web::serve(listener, state).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Binds the address, saying plainly what to do when it is taken.
async fn bind(address: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await.map_err(|error| match error.kind() {
        std::io::ErrorKind::AddrInUse => anyhow::anyhow!(
            "ข้อผิดพลาด: เปิดรับการเชื่อมต่อที่ {address} ไม่ได้ เพราะมีโปรแกรมอื่นใช้พอร์ตนี้อยู่ \
             (เลือกพอร์ตอื่นด้วย --listen หรือ ITA_LISTEN)\n\
             error: cannot listen on {address}: another program is using that port \
             (choose another with --listen or ITA_LISTEN)"
        ),
        std::io::ErrorKind::PermissionDenied => anyhow::anyhow!(
            "ข้อผิดพลาด: ไม่มีสิทธิ์เปิดรับการเชื่อมต่อที่ {address} (พอร์ตต่ำกว่า 1024 ต้องใช้สิทธิ์ผู้ดูแลเครื่อง)\n\
             error: not allowed to listen on {address} (ports below 1024 need administrator rights)"
        ),
        _ => anyhow::anyhow!(
            "ข้อผิดพลาด: เปิดรับการเชื่อมต่อที่ {address} ไม่ได้\nerror: cannot listen on {address}: {error}"
        ),
    })
}

async fn has_agencies(store: &dyn Store) -> anyhow::Result<bool> {
    let query = AgencyQuery {
        search: None,
        province: None,
        kind: None,
        visible: Visibility::All,
        round_id: None,
        offset: 0,
        limit: 1,
    };
    Ok(!store.list_agencies(&query).await?.items.is_empty())
}

/// What was loaded, and each account with its password, which is shown this once and kept nowhere.
fn print_demo(
    out: &mut impl std::io::Write,
    data: &DemoData,
    accounts: &[DemoAccount],
) -> anyhow::Result<()> {
    let first = data.rounds.first().map(|round| round.fiscal_year.to_string()).unwrap_or_default();
    let last = data.rounds.last().map(|round| round.fiscal_year.to_string()).unwrap_or_default();
    writeln!(
        out,
        "ข้อมูลสาธิต: {agencies} หน่วยงาน {provinces} จังหวัด ปีงบประมาณ {first}-{last} ผลการประเมิน {results} รายการ\n\
         Demonstration data: {agencies} agencies in {provinces} province(s), fiscal years {first}-{last}, \
         {results} results",
        agencies = data.agencies,
        provinces = data.provinces,
        results = data.results,
    )?;
    if accounts.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "บัญชีสาธิต (รหัสผ่านแสดงครั้งนี้ครั้งเดียว ไม่ได้เก็บไว้ที่ใด) / \
         Demonstration accounts (passwords are shown this once and kept nowhere):"
    )?;
    for account in accounts {
        let scope = account.scope.as_deref().map(|scope| format!(" {scope}")).unwrap_or_default();
        writeln!(
            out,
            "  {username}  {password}  {thai}{scope} / {english}",
            username = account.username,
            password = account.password,
            thai = account.role.thai(),
            english = account.role.english(),
        )?;
    }
    Ok(())
}
