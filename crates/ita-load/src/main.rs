//! `ita-load`: the command line of the survey load generator (see the library for what a run does).
//!
//! ```text
//! ita survey prepare-load --data-dir D --agencies 100 --population 1000000 --out targets.json
//! ITA_SURVEY_SUBMISSIONS_PER_MINUTE=100000000 ita serve --data-dir D --listen 127.0.0.1:8080 &
//! ita-load --targets targets.json --clients 1000 --rate 2000 --duration 20
//! ita-load --targets targets.json --clients 1000 --rate 0 --duration 20
//! ita-load --targets targets.json --instrument eit --clients 1000 --rate 2000 --duration 20
//! ita-load --static --clients 1000 --rate 0 --duration 20
//! ```

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use ita_load::{Control, LoadSettings, TargetsFile, Workload};

#[derive(Debug, Parser)]
#[command(name = "ita-load", about = "เครื่องสร้างภาระทดสอบแบบสอบถาม / load generator of the survey forms")]
struct Args {
    /// The server's address (loopback only in benchmarks).
    #[arg(long, default_value = "127.0.0.1:8080")]
    server: SocketAddr,
    /// The file `ita survey prepare-load` wrote.
    #[arg(long, required_unless_present = "static_path")]
    targets: Option<PathBuf>,
    /// Which form of the agencies to answer: `iit` (with each agency's access code) or `eit` (the public link).
    #[arg(long, default_value = "iit", value_parser = ["iit", "eit"])]
    instrument: String,
    /// Fetch this static path over and over instead of submitting forms (the machine's ceiling).
    #[arg(long = "static", value_name = "PATH", num_args = 0..=1, default_missing_value = "/static/site.css")]
    static_path: Option<String>,
    /// Concurrent clients, each on its own connection.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Offered submissions (or static requests) per second in total, on one schedule shared by the clients;
    /// 0: every client without pause.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Seconds of load.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Appends the answer string of every acknowledged submission, one a line.
    #[arg(long, value_name = "FILE")]
    ack_log: Option<PathBuf>,
    /// Worker threads of the generator [default: one per core].
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let workload = match (&args.static_path, &args.targets) {
        (Some(path), _) => Workload::Static(path.clone()),
        (None, Some(targets)) if args.instrument == "eit" => {
            Workload::SurveyEit(TargetsFile::read(targets)?.targets)
        }
        (None, Some(targets)) => Workload::Survey(TargetsFile::read(targets)?.targets),
        (None, None) => unreachable!("clap requires --targets or --static"),
    };
    let settings = LoadSettings {
        server: args.server,
        clients: args.clients,
        rate: args.rate,
        duration: Duration::from_secs_f64(args.duration),
        first_sequence: LoadSettings::clock_sequence(),
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = args.threads {
        runtime.worker_threads(threads);
    }
    let runtime = runtime.enable_all().build()?;
    let outcome = runtime.block_on(ita_load::run(settings.clone(), workload.clone(), Control::new()))?;
    println!("{}", ita_load::describe(&settings, &workload, &outcome));
    if let Some(path) = &args.ack_log {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|error| anyhow::anyhow!("cannot open {}: {error}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        for answers in &outcome.acknowledged {
            writeln!(out, "{answers}")?;
        }
        out.flush()?;
    }
    Ok(())
}
