//! How fast the pages people open most answer with the national amount of data (8,300 agencies x 5 fiscal
//! years): the agency list (first page, a search, a late page), an agency's page and its result in a round,
//! through the real router on a real listener, on SQLite and on PostgreSQL. Prints mean, p50, p99 and max.
//!
//! `cargo bench -p ita-web --bench pages`; `ITA_BENCH_AGENCIES`, `ITA_BENCH_REQUESTS` and
//! `ITA_BENCH_POSTGRES` (an admin URL, or `off`) change the size, the samples and the PostgreSQL server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ita_domain::methodology::Catalog;
use ita_domain::platform::Role;
use ita_store::{Actor, Store, UserDraft};
use ita_web::demo::{DemoSize, load_demo};
use ita_web::{AppState, Settings};

const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PASSWORD: &str = "benchmark password";
const WARM_UP: usize = 10;

fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; a filter word, if given, picks the databases to run (sqlite, postgres).
    let filter: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|word| name.contains(word.as_str()));
    let agencies = setting("ITA_BENCH_AGENCIES").map(|text| text.parse()).transpose()?.unwrap_or(8_300);
    let requests = setting("ITA_BENCH_REQUESTS").map(|text| text.parse()).transpose()?.unwrap_or(200);
    let size = DemoSize { agencies, years: DemoSize::NATIONAL.years };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        if wanted("sqlite") {
            let folder = tempfile::tempdir()?;
            let url = format!("sqlite://{}", folder.path().join("ita.db").display());
            run("SQLite", &url, size, requests).await?;
        }
        let postgres = setting("ITA_BENCH_POSTGRES").unwrap_or_else(|| POSTGRES_ADMIN_URL.to_string());
        if wanted("postgres") && postgres != "off" {
            match ita_store::ScratchDatabase::create(&postgres).await {
                Ok(scratch) => run("PostgreSQL", scratch.url(), size, requests).await?,
                Err(error) => println!("PostgreSQL skipped: cannot create a scratch database ({error})"),
            }
        }
        anyhow::Ok(())
    })
}

async fn run(label: &str, url: &str, size: DemoSize, requests: usize) -> anyhow::Result<()> {
    let store = ita_store::open(url).await?;
    let catalog = Catalog::builtin()?;
    let started = Instant::now();
    let data = load_demo(store.as_ref(), &catalog, size).await?;
    println!(
        "\n{label}: {} agencies x {} rounds = {} results generated in {:.1} s",
        data.agencies,
        data.rounds.len(),
        data.results,
        started.elapsed().as_secs_f64()
    );
    let app = start(store.clone()).await?;
    let cookie = sign_in(&app, "bench").await?;
    let reference = &data.reference;
    let first_round = &data.rounds[0];
    let last_page = (data.agencies as i64 + 49) / 50;
    let late_page = (last_page - 5).max(1);
    // (what, the route as people read it, the path requested)
    let pages = [
        ("agency list, first page", "/agencies".to_string(), "/agencies".to_string()),
        (
            "agency list, search \"หนอง\"",
            "/agencies?q=หนอง".to_string(),
            "/agencies?q=%E0%B8%AB%E0%B8%99%E0%B8%AD%E0%B8%87".to_string(),
        ),
        ("agency list, search by code", "/agencies?q=6810".to_string(), "/agencies?q=6810".to_string()),
        (
            "agency list, one province",
            "/agencies?province=กระบี่".to_string(),
            "/agencies?province=%E0%B8%81%E0%B8%A3%E0%B8%B0%E0%B8%9A%E0%B8%B5%E0%B9%88".to_string(),
        ),
        (
            "agency list, late page",
            format!("/agencies?page={late_page}"),
            format!("/agencies?page={late_page}"),
        ),
        ("agency page (5 rounds)", "/agencies/{id}".to_string(), format!("/agencies/{}", reference.id)),
        (
            "agency round page (result)",
            "/agencies/{id}/rounds/{round}".to_string(),
            format!("/agencies/{}/rounds/{}", reference.id, first_round.id),
        ),
    ];
    println!("| page ({label}) | route | mean ms | p50 ms | p99 ms | max ms |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, route, path) in &pages {
        let times = measure(&app, &cookie, path, requests).await?;
        let stats = Stats::of(times);
        println!(
            "| {name} | `{route}` | {:.2} | {:.2} | {:.2} | {:.2} |",
            stats.mean, stats.p50, stats.p99, stats.max
        );
    }
    Ok(())
}

struct App {
    base: String,
    http: reqwest::Client,
}

/// The real application on a loopback listener, with an administrator to sign in as.
async fn start(store: Arc<dyn Store>) -> anyhow::Result<App> {
    let hash = ita_web::hash_password(PASSWORD.to_string()).await?;
    let draft = UserDraft {
        username: "bench".into(),
        display_name: "ผู้วัดความเร็ว".into(),
        role: Role::NationalAdmin,
        agency_id: None,
        province: None,
        active: true,
    };
    store.create_user(&Actor::system("bench"), &draft, &hash).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let folder = std::env::temp_dir();
    let state = AppState::new(store, Settings::for_listen(address, folder), ita_report::FontSet::default())?;
    tokio::spawn(ita_web::serve(listener, state));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    Ok(App { base: format!("http://{address}"), http })
}

fn cookies_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn sign_in(app: &App, username: &str) -> anyhow::Result<String> {
    let form = app.http.get(format!("{}/sign-in", app.base)).send().await?;
    let pre_session = cookies_of(&form);
    let html = form.text().await?;
    let start = html.find("name=\"csrf\" value=\"").ok_or_else(|| anyhow::anyhow!("no csrf field"))? + 19;
    let csrf = &html[start..start + html[start..].find('"').unwrap_or(0)];
    let reply = app
        .http
        .post(format!("{}/sign-in", app.base))
        .header("cookie", pre_session)
        .form(&[("csrf", csrf), ("username", username), ("password", PASSWORD)])
        .send()
        .await?;
    anyhow::ensure!(reply.status() == 303, "sign-in failed: {}", reply.status());
    Ok(cookies_of(&reply))
}

/// Times `requests` sequential requests of one page (after a warm-up), each read to its last byte.
async fn measure(app: &App, cookie: &str, path: &str, requests: usize) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(requests);
    for round in 0..WARM_UP + requests {
        let started = Instant::now();
        let reply = app.http.get(format!("{}{path}", app.base)).header("cookie", cookie).send().await?;
        let status = reply.status();
        let body = reply.bytes().await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(status == 200, "{path}: {status}: {}", String::from_utf8_lossy(&body));
        if round >= WARM_UP {
            times.push(elapsed);
        }
    }
    Ok(times)
}

struct Stats {
    mean: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Stats {
        times.sort();
        let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
        let at =
            |share: f64| ms(times[((times.len() as f64 * share).ceil() as usize).clamp(1, times.len()) - 1]);
        Stats {
            mean: times.iter().map(|time| ms(*time)).sum::<f64>() / times.len() as f64,
            p50: at(0.50),
            p99: at(0.99),
            max: ms(times[times.len() - 1]),
        }
    }
}
