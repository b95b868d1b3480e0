//! The survey load generator: many concurrent respondents, each on its own keep-alive HTTP/1.1 connection,
//! opening an IIT form (`GET .../iit?code=`) or an EIT form (`GET .../eit`) and posting it completed; or one
//! static file fetched over and over, for the machine's ceiling. A library so that the crash test (`crates/ita/tests/crash.rs`) drives the
//! same loop in-process; `main.rs` is its command line.
//!
//! Pacing: with a rate, every iteration (form, then submission) takes the next slot of one schedule shared by
//! all clients (slot k at k / rate seconds), so the offered rate is the rate asked for whatever the number of
//! clients, and a client that fell behind takes the next free slot at once. With rate 0 the clients run
//! without pause. Only a `303 See Other` counts as an acknowledged submission.
//!
//! The generator runs on the same cores as the server, so it spends little per iteration: each agency's form
//! is read whole (every radio group) the first time only; after that only the token is searched for in the
//! page (`memchr::memmem`), and the page is read whole again only if that search fails.

pub mod form;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

pub use form::{Filled, Form, RadioGroup};

/// The file `ita survey prepare-load` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetsFile {
    pub fiscal_year: u16,
    pub round_id: String,
    /// The round's methodology, `2570` or `2570-variant`.
    pub methodology: String,
    pub targets: Vec<Target>,
}

/// One agency's IIT form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// `/s/{agency_code}/{fiscal_year}/iit`, without the server's address.
    pub path: String,
    pub agency_code: String,
    pub fiscal_year: u16,
    pub iit_code: String,
}

impl TargetsFile {
    pub fn read(path: &std::path::Path) -> anyhow::Result<TargetsFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", path.display()))?;
        let file: TargetsFile = serde_json::from_str(&text)
            .map_err(|error| anyhow::anyhow!("{} is not a targets file: {error}", path.display()))?;
        anyhow::ensure!(!file.targets.is_empty(), "{} lists no target", path.display());
        Ok(file)
    }
}

/// What the clients do.
#[derive(Debug, Clone)]
pub enum Workload {
    /// Open an IIT form (with the access code) and submit it, over and over, spread over these agencies.
    Survey(Vec<Target>),
    /// The same with the EIT form of these agencies (the public link, no access code).
    SurveyEit(Vec<Target>),
    /// `GET` this path over and over (a static file: the ceiling of the machine).
    Static(String),
}

impl Workload {
    /// The agencies and the instrument (`iit` or `eit`) of a survey workload.
    fn survey(&self) -> Option<(&[Target], &'static str)> {
        match self {
            Workload::Survey(targets) => Some((targets, "iit")),
            Workload::SurveyEit(targets) => Some((targets, "eit")),
            Workload::Static(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoadSettings {
    pub server: SocketAddr,
    pub clients: usize,
    /// Offered iterations per second in total (a submission each, or a request in static mode); 0: no pause.
    pub rate: f64,
    pub duration: Duration,
    /// The first sequence number; the answers of submission n are the digits of `first_sequence + n`, so runs
    /// with different starts post different answers.
    pub first_sequence: u64,
}

impl LoadSettings {
    /// A first sequence number from the clock, so that runs one after the other post different answers.
    pub fn clock_sequence() -> u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0);
        // Spread far apart: a run posts far fewer than 2^32 submissions.
        (nanos >> 10).wrapping_mul(0x9E37_79B9) & ((1 << 52) - 1)
    }
}

/// Latencies of one kind of request, in microseconds.
#[derive(Debug, Clone, Default)]
pub struct Latencies(Vec<u32>);

impl Latencies {
    fn push(&mut self, elapsed: Duration) {
        self.0.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
    }

    fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// `(p50, p90, p99, max)` in milliseconds, or `None` without samples.
    pub fn summary(&self) -> Option<[f64; 4]> {
        if self.0.is_empty() {
            return None;
        }
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let at = |fraction: f64| {
            let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            f64::from(sorted[rank - 1]) / 1000.0
        };
        Some([at(0.50), at(0.90), at(0.99), f64::from(sorted[sorted.len() - 1]) / 1000.0])
    }
}

/// What a run gave.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// From the start to the last answer.
    pub elapsed: Duration,
    /// Answer strings of the acknowledged submissions (303), in no particular order.
    pub acknowledged: Vec<String>,
    /// Static mode: the requests answered 200.
    pub static_ok: u64,
    /// Answer strings of submissions sent whose answer never came (the connection broke): stored or not.
    pub unanswered: Vec<String>,
    /// Submissions answered with another status: status, count.
    pub refused: BTreeMap<u16, u64>,
    /// Form (or static) requests answered with a status other than 200.
    pub get_statuses: BTreeMap<u16, u64>,
    /// Failures without an HTTP answer, by what was being done.
    pub errors: BTreeMap<&'static str, u64>,
    pub get_latency: Latencies,
    pub post_latency: Latencies,
    /// How late iterations started against their slot of the schedule (rate > 0 only).
    pub lag: Latencies,
    /// The first refused answer's body (start), to say why.
    pub first_refusal: Option<String>,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.acknowledged.extend(other.acknowledged);
        self.static_ok += other.static_ok;
        self.unanswered.extend(other.unanswered);
        for (status, count) in other.refused {
            *self.refused.entry(status).or_default() += count;
        }
        for (status, count) in other.get_statuses {
            *self.get_statuses.entry(status).or_default() += count;
        }
        for (what, count) in other.errors {
            *self.errors.entry(what).or_default() += count;
        }
        self.get_latency.merge(other.get_latency);
        self.post_latency.merge(other.post_latency);
        self.lag.merge(other.lag);
        if self.first_refusal.is_none() {
            self.first_refusal = other.first_refusal;
        }
    }
}

/// Shared with whoever started a run: a way to end it early, and its progress so far.
#[derive(Debug, Default)]
pub struct Control {
    stop: AtomicBool,
    acknowledged: AtomicU64,
}

impl Control {
    pub fn new() -> Arc<Control> {
        Arc::new(Control::default())
    }

    /// Clients take no new turn after this; what is under way finishes or fails.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Acknowledged submissions (or static requests answered 200) so far.
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged.load(Ordering::Relaxed)
    }
}

struct Shared {
    settings: LoadSettings,
    workload: Workload,
    start: Instant,
    end: Instant,
    next_slot: AtomicU64,
    next_sequence: AtomicU64,
    control: Arc<Control>,
    /// The form of each target (by index) once read whole; the token is then all a page is searched for.
    forms: std::sync::Mutex<KnownForms>,
}

/// Runs the clients until the duration is over or `control` says stop; requests under way are finished (or
/// fail) before this returns.
pub async fn run(
    settings: LoadSettings,
    workload: Workload,
    control: Arc<Control>,
) -> anyhow::Result<Outcome> {
    anyhow::ensure!(settings.clients > 0, "at least one client");
    anyhow::ensure!(settings.rate >= 0.0 && settings.rate.is_finite(), "the rate must be 0 or more");
    if let Some((targets, _)) = workload.survey() {
        anyhow::ensure!(!targets.is_empty(), "no target to load");
    }
    let start = Instant::now();
    let shared = Arc::new(Shared {
        end: start + settings.duration,
        start,
        next_slot: AtomicU64::new(0),
        next_sequence: AtomicU64::new(settings.first_sequence),
        settings,
        workload,
        control,
        forms: std::sync::Mutex::new(KnownForms::default()),
    });
    let clients: Vec<_> =
        (0..shared.settings.clients).map(|_| tokio::spawn(client(Arc::clone(&shared)))).collect();
    let mut outcome = Outcome::default();
    for handle in clients {
        outcome.merge(handle.await?);
    }
    outcome.elapsed = start.elapsed();
    Ok(outcome)
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(server: SocketAddr) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(server).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// A ready connection: the one kept, or a new one when the server closed it.
async fn ready(slot: &mut Option<Sender>, server: SocketAddr) -> anyhow::Result<&mut Sender> {
    if let Some(sender) = slot.as_mut()
        && sender.ready().await.is_err()
    {
        *slot = None;
    }
    if slot.is_none() {
        *slot = Some(connect(server).await?);
    }
    Ok(slot.as_mut().expect("set just above"))
}

struct Answer {
    status: StatusCode,
    body: Bytes,
    cookies: Vec<String>,
}

async fn exchange(sender: &mut Sender, request: Request<Full<Bytes>>) -> anyhow::Result<Answer> {
    let response = sender.send_request(request).await?;
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(hyper::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_string))
        .collect();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Answer { status, body, cookies })
}

fn request(
    method: Method,
    server: SocketAddr,
    path: &str,
    cookies: &[String],
    body: Option<String>,
) -> Request<Full<Bytes>> {
    let mut builder =
        Request::builder().method(method).uri(path).header(hyper::header::HOST, server.to_string());
    if !cookies.is_empty() {
        builder = builder.header(hyper::header::COOKIE, cookies.join("; "));
    }
    let body = match body {
        Some(body) => {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Full::new(Bytes::from(body))
        }
        None => Full::new(Bytes::new()),
    };
    builder.body(body).expect("a request built from checked parts")
}

/// Waits for this iteration's slot; `false` when the run is over.
async fn next_turn(shared: &Shared, outcome: &mut Outcome) -> bool {
    if shared.control.stop.load(Ordering::Relaxed) {
        return false;
    }
    let rate = shared.settings.rate;
    if rate == 0.0 {
        return Instant::now() < shared.end;
    }
    let slot = shared.next_slot.fetch_add(1, Ordering::Relaxed);
    let at = shared.start + Duration::from_secs_f64(slot as f64 / rate);
    if at >= shared.end {
        return false;
    }
    tokio::time::sleep_until(at).await;
    if shared.control.stop.load(Ordering::Relaxed) {
        return false;
    }
    outcome.lag.push(Instant::now().saturating_duration_since(at));
    true
}

/// After a failure without an answer: a short pause, so that a dead server is not spun against.
async fn back_off(outcome: &mut Outcome, what: &'static str, connection: &mut Option<Sender>) {
    *outcome.errors.entry(what).or_default() += 1;
    *connection = None;
    tokio::time::sleep(Duration::from_millis(20)).await;
}

async fn client(shared: Arc<Shared>) -> Outcome {
    let mut outcome = Outcome::default();
    let mut connection: Option<Sender> = None;
    let server = shared.settings.server;
    while next_turn(&shared, &mut outcome).await {
        match &shared.workload {
            Workload::Static(path) => {
                let Ok(sender) = ready(&mut connection, server).await else {
                    back_off(&mut outcome, "connect", &mut connection).await;
                    continue;
                };
                let sent = Instant::now();
                match exchange(sender, request(Method::GET, server, path, &[], None)).await {
                    Ok(answer) => {
                        outcome.get_latency.push(sent.elapsed());
                        if answer.status == StatusCode::OK {
                            outcome.static_ok += 1;
                            shared.control.acknowledged.fetch_add(1, Ordering::Relaxed);
                        } else {
                            *outcome.get_statuses.entry(answer.status.as_u16()).or_default() += 1;
                        }
                    }
                    Err(_) => back_off(&mut outcome, "get", &mut connection).await,
                }
            }
            Workload::Survey(_) | Workload::SurveyEit(_) => {
                survey_iteration(&shared, &mut connection, &mut outcome).await
            }
        }
    }
    outcome
}

/// One respondent: opens the form of the next agency in turn, fills it with the next sequence number, posts it.
async fn survey_iteration(shared: &Shared, connection: &mut Option<Sender>, outcome: &mut Outcome) {
    let Some((targets, instrument)) = shared.workload.survey() else { return };
    let server = shared.settings.server;
    let sequence = shared.next_sequence.fetch_add(1, Ordering::Relaxed);
    let index = (sequence % targets.len() as u64) as usize;
    let target = &targets[index];
    let Ok(sender) = ready(connection, server).await else {
        return back_off(outcome, "connect", connection).await;
    };
    let (post_path, form_path) = if instrument == "eit" {
        let path = format!("/s/{}/{}/eit", target.agency_code, target.fiscal_year);
        (path.clone(), path)
    } else {
        (target.path.clone(), format!("{}?code={}", target.path, target.iit_code))
    };
    let sent = Instant::now();
    let page = match exchange(sender, request(Method::GET, server, &form_path, &[], None)).await {
        Ok(page) => page,
        Err(_) => return back_off(outcome, "get", connection).await,
    };
    outcome.get_latency.push(sent.elapsed());
    if page.status != StatusCode::OK {
        *outcome.get_statuses.entry(page.status.as_u16()).or_default() += 1;
        remember_refusal(outcome, page.status, &page.body);
        return;
    }
    let Some(filled) = fill_page(shared, index, &page.body, sequence) else {
        *outcome.errors.entry("form without token or questions").or_default() += 1;
        remember_refusal(outcome, page.status, &page.body);
        return;
    };
    let Ok(sender) = ready(connection, server).await else {
        return back_off(outcome, "connect", connection).await;
    };
    let sent = Instant::now();
    let posted = request(Method::POST, server, &post_path, &page.cookies, Some(filled.body));
    match exchange(sender, posted).await {
        Ok(answer) => {
            outcome.post_latency.push(sent.elapsed());
            if answer.status == StatusCode::SEE_OTHER {
                outcome.acknowledged.push(filled.answers);
                shared.control.acknowledged.fetch_add(1, Ordering::Relaxed);
            } else {
                *outcome.refused.entry(answer.status.as_u16()).or_default() += 1;
                remember_refusal(outcome, answer.status, &answer.body);
            }
        }
        Err(_) => {
            outcome.unanswered.push(filled.answers);
            back_off(outcome, "post", connection).await;
        }
    }
}

/// The forms read whole so far, by target; targets with the same form share one.
#[derive(Debug, Default)]
struct KnownForms {
    by_target: HashMap<usize, Arc<Form>>,
    distinct: Vec<Arc<Form>>,
}

/// The page's form filled in with `sequence`: the form of target `index` as read whole before, with this page's
/// token; or, the first time (or if the token is not where it was), the page read whole.
fn fill_page(shared: &Shared, index: usize, page: &[u8], sequence: u64) -> Option<Filled> {
    let known =
        shared.forms.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).by_target.get(&index).cloned();
    if let Some(form) = known
        && let Some(token) = form::find_token(page)
    {
        return Some(form.fill_with_token(token, sequence));
    }
    let form = Form::scan(&String::from_utf8_lossy(page));
    if form.questions().next().is_none() || !form.hidden.iter().any(|(name, _)| name == "token") {
        return None;
    }
    let filled = form.fill(sequence);
    let shape = form.without_token();
    let mut known = shared.forms.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let shared_shape = match known.distinct.iter().find(|seen| ***seen == shape) {
        Some(seen) => seen.clone(),
        None => {
            let shape = Arc::new(shape);
            known.distinct.push(shape.clone());
            shape
        }
    };
    known.by_target.insert(index, shared_shape);
    Some(filled)
}

fn remember_refusal(outcome: &mut Outcome, status: StatusCode, body: &[u8]) {
    if outcome.first_refusal.is_none() {
        let text = String::from_utf8_lossy(body);
        let start: String = text.chars().take(600).collect();
        outcome.first_refusal = Some(format!("{status}: {start}"));
    }
}

/// The run as a person reads it, Thai first.
pub fn describe(settings: &LoadSettings, workload: &Workload, outcome: &Outcome) -> String {
    let seconds = outcome.elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    let mut lines = Vec::new();
    let offered = if settings.rate > 0.0 {
        format!("{:.0}/s", settings.rate)
    } else {
        "ไม่หยุดพัก / non-stop".to_string()
    };
    lines.push(format!(
        "ผู้ใช้พร้อมกัน / clients: {}   อัตราที่เสนอ / offered: {offered}   เวลา / elapsed: {seconds:.2} s",
        settings.clients
    ));
    match workload {
        Workload::Static(path) => lines.push(format!(
            "GET {path} ตอบ 200 / answered 200: {} ({:.0}/s)",
            outcome.static_ok,
            outcome.static_ok as f64 / seconds
        )),
        Workload::Survey(targets) | Workload::SurveyEit(targets) => lines.push(format!(
            "แบบสอบถามที่รับแล้ว (303) / acknowledged submissions (303): {} ({:.1}/s) over {} agencies ({})",
            outcome.acknowledged.len(),
            outcome.acknowledged.len() as f64 / seconds,
            targets.len(),
            workload.survey().map_or("", |(_, instrument)| instrument).to_uppercase()
        )),
    }
    let latency = |label: &str, latencies: &Latencies| match latencies.summary() {
        Some([p50, p90, p99, max]) => format!(
            "{label}: n={} p50 {p50:.2} ms  p90 {p90:.2} ms  p99 {p99:.2} ms  max {max:.2} ms",
            latencies.count()
        ),
        None => format!("{label}: -"),
    };
    if workload.survey().is_some() {
        lines.push(latency("ส่งแบบสอบถาม / POST", &outcome.post_latency));
        lines.push(latency("เปิดแบบสอบถาม / GET form", &outcome.get_latency));
    } else {
        lines.push(latency("GET", &outcome.get_latency));
    }
    if settings.rate > 0.0 {
        lines.push(latency("ช้ากว่ากำหนด / start lag behind schedule", &outcome.lag));
    }
    if !outcome.refused.is_empty() {
        lines.push(format!("ส่งแล้วถูกปฏิเสธ / submissions refused (status: count): {:?}", outcome.refused));
    }
    if !outcome.get_statuses.is_empty() {
        lines.push(format!("GET ไม่ใช่ 200 / GET not 200 (status: count): {:?}", outcome.get_statuses));
    }
    if !outcome.errors.is_empty() {
        lines.push(format!("ไม่ได้คำตอบ / no answer (what: count): {:?}", outcome.errors));
    }
    if !outcome.unanswered.is_empty() {
        lines.push(format!("ส่งแล้วไม่ได้คำตอบ / submissions without answer: {}", outcome.unanswered.len()));
    }
    if let Some(refusal) = &outcome.first_refusal {
        lines.push(format!("คำตอบแรกที่ปฏิเสธ / first refusal: {refusal}"));
    }
    lines.join("\n")
}
