//! The kill -9 crash test of survey submissions: `ita serve` on SQLite under load is killed with SIGKILL in the
//! middle of it, started again on the same data folder, and the stored responses are read back through the
//! store: every acknowledged submission is there exactly once, nothing is there that was not sent, the agencies'
//! tallies agree with the rows, and every row is a complete response of the round's questionnaire.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use ita_domain::methodology::{Catalog, MethodologyId};
use ita_domain::scoring::ResponseSet;
use ita_load::{Control, LoadSettings, Outcome, TargetsFile, Workload};
use ita_store::ResponseQuery;

/// Long enough for a debug build to start (and recover its database) on a busy machine.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the first server is loaded at least before it is killed.
const LOAD_BEFORE_KILL: Duration = Duration::from_secs(3);
/// How many acknowledged submissions the first server must have given before it is killed, so that the test
/// always has something to check (a slow machine waits longer rather than checking nothing).
const ACKNOWLEDGED_BEFORE_KILL: u64 = 100;

/// A running `ita serve`; killed (SIGKILL) when dropped, so a failing test leaves no process behind.
struct Server {
    child: Child,
    address: SocketAddr,
    /// What it prints, read on: a closed pipe would end the server at its next line.
    _stdout: Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `ita serve` on `data` and a free port, once it says it is running.
    fn start(folder: &Path) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut command = ita(folder, &["serve", "--data-dir", "data", "--listen", &address.to_string()]);
        // One address sends everything here: the per-address limit would refuse most of it.
        command.env("ITA_SURVEY_SUBMISSIONS_PER_MINUTE", "100000000");
        // The log goes to a file: a pipe nobody reads would stall the server once full.
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(folder.join("server.log")).unwrap();
        let mut child = command.stdout(Stdio::piped()).stderr(log).spawn().unwrap();
        let lines = read_lines(child.stdout.take().unwrap());
        let mut server = Server { child, address, _stdout: channel().1 };
        server.wait_for(&lines, "is running at", folder);
        server._stdout = lines;
        server
    }

    fn wait_for(&mut self, lines: &Receiver<String>, wanted: &str, folder: &Path) {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut printed = Vec::new();
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(wanted) => return,
                Ok(line) => printed.push(line),
                Err(RecvTimeoutError::Timeout) => panic!("no line with {wanted:?}; printed: {printed:#?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    let _ = self.child.wait();
                    let log = std::fs::read_to_string(folder.join("server.log")).unwrap_or_default();
                    panic!("the server ended before printing {wanted:?}; printed: {printed:#?}\n{log}")
                }
            }
        }
    }

    /// kill -9: no shutdown, no flush, nothing the process could still do.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn read_lines(pipe: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (sender, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// `ita` in `folder`, with none of the caller's ITA_* settings leaking in.
fn ita(folder: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ita"));
    command.args(args).current_dir(folder);
    for (name, _) in std::env::vars() {
        if name.starts_with("ITA_") {
            command.env_remove(name);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

fn load(
    server: &Server,
    targets: &TargetsFile,
    clients: usize,
    control: &std::sync::Arc<Control>,
) -> LoadRun {
    let settings = LoadSettings {
        server: server.address,
        clients,
        rate: 0.0,
        duration: Duration::from_secs(60),
        first_sequence: LoadSettings::clock_sequence(),
    };
    let run = ita_load::run(settings, Workload::Survey(targets.targets.clone()), control.clone());
    LoadRun(tokio::spawn(run))
}

struct LoadRun(tokio::task::JoinHandle<anyhow::Result<Outcome>>);

impl LoadRun {
    async fn finish(self, control: &Control) -> Outcome {
        control.stop();
        self.0.await.unwrap().unwrap()
    }
}

/// Waits until `control` has seen `count` acknowledgements (and at least `at_least` has passed); if they do not
/// come, stops the run and fails with what the clients saw.
async fn wait_for_acknowledged(
    running: LoadRun,
    control: &Control,
    count: u64,
    at_least: Duration,
) -> LoadRun {
    let started = Instant::now();
    while control.acknowledged() < count || started.elapsed() < at_least {
        if started.elapsed() > START_TIMEOUT || running.0.is_finished() {
            let acknowledged = control.acknowledged();
            let outcome = running.finish(control).await;
            panic!(
                "only {acknowledged} acknowledged submissions in {:?}: {:?} {:?} {:?} {:?}",
                started.elapsed(),
                outcome.refused,
                outcome.get_statuses,
                outcome.errors,
                outcome.first_refusal
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_load_keeps_every_acknowledged_response_once_and_no_half_stored_one() {
    let folder = tempfile::tempdir().unwrap();
    let prepared = ita(
        folder.path(),
        &["survey", "prepare-load", "--data-dir", "data", "--agencies", "12", "--out", "targets.json"],
    )
    .output()
    .unwrap();
    assert!(prepared.status.success(), "prepare-load: {}", String::from_utf8_lossy(&prepared.stderr));
    let targets = TargetsFile::read(&folder.path().join("targets.json")).unwrap();
    assert_eq!(targets.targets.len(), 12);

    // Load, then kill -9 in the middle of it.
    let server = Server::start(folder.path());
    let control = Control::new();
    let running = load(&server, &targets, 24, &control);
    let running = wait_for_acknowledged(running, &control, ACKNOWLEDGED_BEFORE_KILL, LOAD_BEFORE_KILL).await;
    server.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = running.finish(&control).await;
    assert!(
        before.refused.is_empty(),
        "no submission is refused: {:?} {:?}",
        before.refused,
        before.first_refusal
    );

    // The same data folder again: it opens, and takes submissions.
    let server = Server::start(folder.path());
    let control = Control::new();
    let running = load(&server, &targets, 8, &control);
    let running = wait_for_acknowledged(running, &control, 20, Duration::from_millis(500)).await;
    let after = running.finish(&control).await;
    assert!(after.unanswered.is_empty() && after.refused.is_empty(), "{after:?}");
    server.kill();

    // Read back through the store.
    let store =
        ita_store::open(&format!("sqlite://{}", folder.path().join("data/ita.db").display())).await.unwrap();
    let round_id = targets.round_id.parse().unwrap();
    let round = store.round(round_id).await.unwrap().unwrap();
    let catalog = Catalog::builtin().unwrap();
    let methodology = catalog
        .get(&MethodologyId { year: round.methodology_year, variant: round.methodology_variant.clone() })
        .unwrap();
    let mut rows = ResponseSet::new(methodology, "IIT").unwrap();
    let mut stored: HashMap<String, usize> = HashMap::new();
    let mut per_agency: BTreeMap<uuid::Uuid, i64> = BTreeMap::new();
    let mut responses = store.responses(ResponseQuery { round_id, ..ResponseQuery::default() });
    while let Some(response) = responses.next().await {
        let response = response.unwrap();
        assert_eq!((response.instrument.as_str(), response.relation.as_deref()), ("IIT", None));
        rows.push_encoded(&response.answers, None).unwrap_or_else(|problem| {
            panic!("a half-stored or broken row {:?}: {problem:?}", response.answers)
        });
        *per_agency.entry(response.agency_id).or_default() += 1;
        *stored.entry(response.answers).or_default() += 1;
    }

    let acknowledged: Vec<&String> = before.acknowledged.iter().chain(&after.acknowledged).collect();
    let unanswered: HashSet<&String> = before.unanswered.iter().collect();
    assert!(before.acknowledged.len() as u64 >= ACKNOWLEDGED_BEFORE_KILL);
    for answers in &acknowledged {
        assert_eq!(
            stored.get(*answers),
            Some(&1),
            "an acknowledged response is stored exactly once: {answers}"
        );
    }
    let sent: HashSet<&String> = acknowledged.iter().copied().chain(unanswered.iter().copied()).collect();
    for (answers, count) in &stored {
        assert_eq!(*count, 1, "no response is stored twice: {answers}");
        assert!(sent.contains(answers), "every stored response was sent: {answers}");
    }
    let total: usize = stored.values().sum();
    assert!(
        total <= acknowledged.len() + unanswered.len(),
        "stored {total} > acknowledged {} + in flight {}",
        acknowledged.len(),
        unanswered.len()
    );
    assert_eq!(rows.respondent_count(), total);
    // The tallies (written in the transaction of the rows) agree with the rows.
    for target in &targets.targets {
        let code = ita_domain::platform::AgencyCode::parse(&target.agency_code).unwrap();
        let agency = store.agency_by_code(&code).await.unwrap().unwrap();
        let counts = store.survey_counts(agency.id, round_id).await.unwrap();
        let rows = per_agency.get(&agency.id).copied().unwrap_or(0);
        assert_eq!(counts.get("IIT").copied().unwrap_or(0), rows, "the tally of {}", target.agency_code);
    }
    println!(
        "acknowledged {} before the kill and {} after; {} in flight at the kill; {total} stored",
        before.acknowledged.len(),
        after.acknowledged.len(),
        unanswered.len()
    );
}
