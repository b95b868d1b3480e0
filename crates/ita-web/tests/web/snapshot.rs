//! The evidence snapshot fetcher against real HTTP servers on 127.0.0.1: what is stored, how a dead, slow,
//! huge or redirecting page is recorded, and that private addresses are refused unless allowed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ita_domain::lang::Lang;
use ita_web::snapshot::{
    AddressKind, AllowRule, FailureKind, FetchPolicy, Refusal, Snapshot, SnapshotClient, SnapshotOutcome,
    UrlProblem, address_kind, fetch_snapshot, outside_domain, outside_domain_warning, parse_evidence_url,
};
use sha2::{Digest, Sha256};
use url::Url;

const PAGE: &str =
    "<!doctype html><html lang=\"th\"><title>การเปิดเผยข้อมูลสาธารณะ</title><p>แผนปฏิบัติราชการประจำปี</p></html>";
const BIG: usize = 10 * 1024 * 1024;

fn big_body() -> Vec<u8> {
    (0..BIG).map(|i| (i % 251) as u8).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A test server: the pages an agency's website might have, and a count of the requests it answered.
struct Site {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct SiteState {
    port: u16,
    requests: Arc<AtomicUsize>,
}

async fn site() -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let state = SiteState { port: addr.port(), requests: requests.clone() };
    let app = Router::new()
        .route("/page", get(page))
        .route("/missing", get(|| async { (StatusCode::NOT_FOUND, "ไม่พบหน้านี้") }))
        .route("/big", get(|| async { ([(header::CONTENT_TYPE, "application/pdf")], big_body()) }))
        .route("/exact", get(|| async { PAGE }))
        .route("/hop/{n}", get(hop))
        .route(
            "/to-metadata",
            get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
        )
        .route("/to-ftp", get(|| async { Redirect::permanent("ftp://files.example.org/plan.pdf") }))
        .route("/to-literal", get(to_literal))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Site { addr, requests }
}

async fn count(
    State(state): State<SiteState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}

async fn page() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE)
}

/// `/hop/n` redirects to `/hop/n-1`, and `/hop/0` is the page: a chain of n redirects.
async fn hop(Path(n): Path<u32>) -> Response {
    if n == 0 {
        page().await.into_response()
    } else {
        Redirect::temporary(&format!("/hop/{}", n - 1)).into_response()
    }
}

/// Redirects to this very server by its IP address.
async fn to_literal(State(state): State<SiteState>) -> Redirect {
    Redirect::temporary(&format!("http://127.0.0.1:{}/page", state.port))
}

fn local() -> FetchPolicy {
    FetchPolicy::allowing(&["127.0.0.1/32"]).unwrap()
}

async fn fetch(url: &str, policy: &FetchPolicy) -> Snapshot {
    fetch_snapshot(&SnapshotClient::new(), url, policy).await.unwrap()
}

fn refused_kind(snapshot: &Snapshot) -> Option<AddressKind> {
    match &snapshot.outcome {
        SnapshotOutcome::Refused(Refusal::Address { kind, .. }) => Some(*kind),
        _ => None,
    }
}

#[tokio::test]
async fn snapshot_stores_the_bytes_their_hash_the_status_and_the_content_type() {
    let site = site().await;
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let snapshot = fetch(&site.url("/page"), &local()).await;
    let after = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;

    assert_eq!(snapshot.outcome, SnapshotOutcome::Fetched);
    assert_eq!(snapshot.status, Some(200));
    assert_eq!(snapshot.content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(snapshot.body, PAGE.as_bytes());
    assert_eq!(snapshot.sha256, sha256_hex(PAGE.as_bytes()));
    assert!(!snapshot.truncated);
    assert_eq!(snapshot.requested_url, site.url("/page"));
    assert_eq!(snapshot.final_url.as_deref(), Some(site.url("/page").as_str()));
    assert!(
        (before..=after).contains(&snapshot.fetched_at),
        "{} not in {before}..={after}",
        snapshot.fetched_at
    );
    assert_eq!(site.requests(), 1);
}

#[tokio::test]
async fn a_missing_page_is_recorded_with_its_status() {
    let site = site().await;
    let snapshot = fetch(&site.url("/missing"), &local()).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Fetched);
    assert_eq!(snapshot.status, Some(404));
    assert_eq!(snapshot.body, "ไม่พบหน้านี้".as_bytes());
    assert_eq!(snapshot.sha256, sha256_hex("ไม่พบหน้านี้".as_bytes()));
}

#[tokio::test]
async fn a_closed_port_is_recorded_as_a_connection_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let snapshot = fetch(&format!("http://{addr}/page"), &local()).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Failed(FailureKind::Connect));
    assert_eq!(snapshot.status, None);
    assert_eq!(snapshot.final_url, None);
    assert!(snapshot.body.is_empty());
    assert_eq!(snapshot.sha256, sha256_hex(b""));
    assert_eq!(snapshot.outcome.code(), "failed:connect");
}

#[tokio::test]
async fn a_server_that_never_answers_is_recorded_as_a_timeout() {
    // Accepts connections and reads nothing, answers nothing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let policy = FetchPolicy { timeout: Duration::from_millis(300), ..local() };
    let snapshot = fetch(&format!("http://{addr}/slow"), &policy).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Failed(FailureKind::Timeout));
    assert_eq!(snapshot.status, None);
}

#[tokio::test]
async fn a_too_large_page_is_cut_at_the_limit() {
    let site = site().await;
    let policy = FetchPolicy { max_bytes: 1024 * 1024, ..local() };
    let snapshot = fetch(&site.url("/big"), &policy).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Fetched);
    assert!(snapshot.truncated);
    assert_eq!(snapshot.body.len(), 1024 * 1024);
    let served = big_body();
    assert!(snapshot.body == served[..1024 * 1024], "the stored bytes are the first MiB served");
    assert_eq!(snapshot.sha256, sha256_hex(&served[..1024 * 1024]));
    assert_eq!(snapshot.content_type.as_deref(), Some("application/pdf"));

    // A page exactly as long as the limit is whole, not truncated; one byte less of room and it is cut.
    let exact = FetchPolicy { max_bytes: PAGE.len(), ..local() };
    let snapshot = fetch(&site.url("/exact"), &exact).await;
    assert!(!snapshot.truncated);
    assert_eq!(snapshot.body, PAGE.as_bytes());
    let short = FetchPolicy { max_bytes: PAGE.len() - 1, ..local() };
    let snapshot = fetch(&site.url("/exact"), &short).await;
    assert!(snapshot.truncated);
    assert_eq!(snapshot.body, &PAGE.as_bytes()[..PAGE.len() - 1]);
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let site = site().await;
    let snapshot = fetch(&site.url("/hop/3"), &local()).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Fetched);
    assert_eq!(snapshot.status, Some(200));
    assert_eq!(snapshot.requested_url, site.url("/hop/3"));
    assert_eq!(snapshot.final_url.as_deref(), Some(site.url("/hop/0").as_str()));
    assert_eq!(snapshot.body, PAGE.as_bytes());

    // The default limit is 5: five redirects are followed, the sixth is not requested.
    let snapshot = fetch(&site.url("/hop/5"), &local()).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Fetched);
    let before = site.requests();
    let snapshot = fetch(&site.url("/hop/10"), &local()).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Failed(FailureKind::TooManyRedirects));
    assert_eq!(snapshot.status, Some(307));
    assert_eq!(snapshot.final_url.as_deref(), Some(site.url("/hop/5").as_str()));
    assert!(snapshot.body.is_empty());
    assert_eq!(site.requests() - before, 6);
}

#[tokio::test]
async fn the_default_policy_refuses_private_addresses_without_connecting() {
    let site = site().await;
    let port = site.addr.port();
    let cases = [
        (format!("http://127.0.0.1:{port}/page"), AddressKind::Loopback),
        (format!("http://localhost:{port}/page"), AddressKind::Loopback),
        (format!("http://2130706433:{port}/page"), AddressKind::Loopback),
        (format!("http://[::ffff:127.0.0.1]:{port}/page"), AddressKind::Loopback),
        (format!("http://[::1]:{port}/page"), AddressKind::Loopback),
        ("http://10.0.0.1/".to_string(), AddressKind::Private),
        ("https://192.168.1.1/admin".to_string(), AddressKind::Private),
        ("http://169.254.169.254/latest/meta-data/".to_string(), AddressKind::LinkLocal),
        ("http://100.64.0.1/".to_string(), AddressKind::Shared),
        ("http://0.0.0.0/".to_string(), AddressKind::Unspecified),
    ];
    for (url, kind) in &cases {
        let snapshot = fetch(url, &FetchPolicy::default()).await;
        assert_eq!(refused_kind(&snapshot), Some(*kind), "{url}: {:?}", snapshot.outcome);
        assert_eq!(snapshot.status, None, "{url}");
        assert_eq!(snapshot.final_url, None, "{url}");
        let thai = snapshot.outcome.message(Lang::Th);
        assert!(thai.contains("ไม่ใช่ที่อยู่สาธารณะ"), "{thai}");
    }
    assert_eq!(site.requests(), 0, "nothing reached the server");
}

#[tokio::test]
async fn an_allow_list_admits_exactly_what_it_names() {
    let site = site().await;
    let port = site.addr.port();
    assert!(fetch(&format!("http://127.0.0.1:{port}/page"), &local()).await.fetched());
    let by_name = FetchPolicy::allowing(&["localhost"]).unwrap();
    assert!(fetch(&format!("http://localhost:{port}/page"), &by_name).await.fetched());
    assert_eq!(site.requests(), 2);

    // Allowing 127.0.0.1 does not allow ::1; allowing the name does not allow the address written out.
    let v6 = fetch(&format!("http://[::1]:{port}/page"), &local()).await;
    assert_eq!(refused_kind(&v6), Some(AddressKind::Loopback));
    let literal = fetch(&format!("http://127.0.0.1:{port}/page"), &by_name).await;
    assert_eq!(refused_kind(&literal), Some(AddressKind::Loopback));
    // A network allows the addresses inside it, and only those.
    let network = FetchPolicy::allowing(&["10.0.0.0/8"]).unwrap();
    let outside = fetch(&format!("http://127.0.0.1:{port}/page"), &network).await;
    assert_eq!(refused_kind(&outside), Some(AddressKind::Loopback));
    assert_eq!(site.requests(), 2);
}

#[tokio::test]
async fn a_redirect_from_an_allowed_host_to_a_private_address_is_refused() {
    let site = site().await;
    let snapshot = fetch(&site.url("/to-metadata"), &local()).await;
    match &snapshot.outcome {
        SnapshotOutcome::Refused(Refusal::Address { host, addr, kind }) => {
            assert_eq!(host, "169.254.169.254");
            assert_eq!(*addr, "169.254.169.254".parse::<IpAddr>().unwrap());
            assert_eq!(*kind, AddressKind::LinkLocal);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(snapshot.status, Some(307), "the last answer that came is the redirect");
    assert_eq!(snapshot.final_url.as_deref(), Some(site.url("/to-metadata").as_str()));

    // Allowed by name, the site redirects to itself by address: that hop is vetted on its own and refused.
    let by_name = FetchPolicy::allowing(&["localhost"]).unwrap();
    let port = site.addr.port();
    let snapshot = fetch(&format!("http://localhost:{port}/to-literal"), &by_name).await;
    assert_eq!(refused_kind(&snapshot), Some(AddressKind::Loopback));
    assert_eq!(site.requests(), 2, "/to-metadata and /to-literal, not /page");

    // A redirect to another scheme is not followed either.
    let snapshot = fetch(&site.url("/to-ftp"), &local()).await;
    assert_eq!(
        snapshot.outcome,
        SnapshotOutcome::Refused(Refusal::Redirect {
            location: "ftp://files.example.org/plan.pdf".into(),
            problem: UrlProblem::NotHttp("ftp".into()),
        })
    );
    assert_eq!(snapshot.outcome.code(), "refused:redirect");
}

#[tokio::test]
async fn https_to_a_server_that_speaks_plain_http_is_a_tls_failure() {
    let site = site().await;
    let snapshot = fetch(&format!("https://{}/page", site.addr), &local()).await;
    assert_eq!(snapshot.outcome, SnapshotOutcome::Failed(FailureKind::Tls));
    assert_eq!(snapshot.status, None);
}

#[tokio::test]
async fn a_bad_url_is_refused_with_a_message_in_thai_and_english() {
    let cases = [
        ("", UrlProblem::Empty),
        ("   ", UrlProblem::Empty),
        ("www.agency.go.th/oit/o1", UrlProblem::MissingScheme),
        ("http://exa mple.go.th/", UrlProblem::Malformed),
        ("http://[::1/", UrlProblem::Malformed),
        ("ftp://agency.go.th/plan.pdf", UrlProblem::NotHttp("ftp".into())),
        ("file:///etc/passwd", UrlProblem::NotHttp("file".into())),
        ("javascript:alert(1)", UrlProblem::NotHttp("javascript".into())),
        ("https://admin:secret@agency.go.th/", UrlProblem::UserInfo),
        ("https://admin@agency.go.th/", UrlProblem::UserInfo),
    ];
    for (text, expected) in &cases {
        let problem = parse_evidence_url(text).expect_err(text);
        assert_eq!(&problem, expected, "{text:?}");
        let thai = problem.message(Lang::Th);
        let english = problem.message(Lang::En);
        assert!(thai.chars().any(|c| ('\u{0E00}'..='\u{0E7F}').contains(&c)), "{text:?}: {thai}");
        assert!(english.is_ascii() && !english.is_empty(), "{text:?}: {english}");
        assert_eq!(problem.invalid().th, thai);
    }
    let too_long = format!("https://agency.go.th/{}", "a".repeat(2048));
    assert_eq!(parse_evidence_url(&too_long), Err(UrlProblem::TooLong));
    // fetch_snapshot refuses the same way, before doing anything.
    let error = fetch_snapshot(&SnapshotClient::new(), "ftp://agency.go.th/", &FetchPolicy::default()).await;
    assert_eq!(error, Err(UrlProblem::NotHttp("ftp".into())));

    // Ports other than 80 and 443 are fine, and so are Thai domain names (kept in punycode).
    let url = parse_evidence_url(" https://www.agency.go.th:8443/oit?year=2568#o1 ").unwrap();
    assert_eq!(url.port(), Some(8443));
    let url = parse_evidence_url("https://ตัวอย่าง.ไทย/").unwrap();
    let host = url.host_str().unwrap();
    assert!(host.split('.').all(|label| label.starts_with("xn--")), "{host}");
}

#[test]
fn outside_domain_warns_about_hosts_outside_the_agency_website() {
    let website = "https://www.agency.go.th/";
    let url = |text: &str| Url::parse(text).unwrap();
    for inside in [
        "https://www.agency.go.th/oit/o1",
        "http://agency.go.th/plan.pdf",
        "https://docs.agency.go.th/2568/report.pdf",
        "HTTPS://WWW.AGENCY.GO.TH/X",
        "https://agency.go.th./x",
    ] {
        assert!(!outside_domain(&url(inside), website), "{inside}");
        assert!(outside_domain_warning(&url(inside), website).is_none(), "{inside}");
    }
    for outside in [
        "https://drive.google.com/file/d/1",
        "https://evilagency.go.th/",
        "https://agency.go.th.evil.example/",
        "https://go.th/",
        "http://203.0.113.5/",
    ] {
        assert!(outside_domain(&url(outside), website), "{outside}");
        let warning = outside_domain_warning(&url(outside), website).unwrap();
        assert!(warning.th.contains("นอกเว็บไซต์ของหน่วยงาน"), "{}", warning.th);
    }
    // The website may be written without a scheme; a subdomain website does not cover its parent.
    assert!(!outside_domain(&url("https://www.agency.go.th/a"), "agency.go.th"));
    assert!(outside_domain(&url("https://agency.go.th/a"), "https://sub.agency.go.th"));
    assert!(!outside_domain(&url("https://x.sub.agency.go.th/a"), "https://sub.agency.go.th"));
    // No website on record: nothing to warn about.
    assert!(!outside_domain(&url("https://drive.google.com/"), ""));
}

#[test]
fn allow_rules_parse_networks_addresses_and_host_names() {
    let ip = |text: &str| text.parse::<IpAddr>().unwrap();
    let rule = |text: &str| text.parse::<AllowRule>().unwrap();
    assert!(rule("127.0.0.1/32").allows("any", ip("127.0.0.1")));
    assert!(!rule("127.0.0.1/32").allows("any", ip("127.0.0.2")));
    assert!(rule("10.0.0.0/8").allows("any", ip("10.200.3.4")));
    assert!(!rule("10.0.0.0/8").allows("any", ip("11.0.0.1")));
    assert!(rule("10.0.0.0/8").allows("any", ip("::ffff:10.1.1.1")), "mapped IPv6 is judged as IPv4");
    assert!(rule("::1/128").allows("any", ip("::1")));
    assert!(rule("[::1]").allows("any", ip("::1")));
    assert!(rule("fd00::/8").allows("any", ip("fd12::1")));
    assert!(rule("0.0.0.0/0").allows("any", ip("192.168.0.1")));
    assert!(rule("LocalHost.").allows("localhost", ip("127.0.0.1")));
    assert!(!rule("localhost").allows("sub.localhost", ip("127.0.0.1")));
    for bad in ["10.0.0.0/33", "::1/129", "10.0.0.0/x", "not a host", "", "-bad.example", "a..b"] {
        let error = bad.parse::<AllowRule>().expect_err(bad);
        assert!(error.th.contains("ไม่ถูกต้อง"), "{bad}: {}", error.th);
    }
    assert!(FetchPolicy::allowing(&["127.0.0.1/32", "nope nope"]).is_err());
}

#[test]
fn address_kinds_cover_the_ranges_a_server_must_not_reach() {
    let kind = |text: &str| address_kind(text.parse().unwrap());
    let cases = [
        ("8.8.8.8", None),
        ("203.150.0.1", None),
        ("172.15.255.255", None),
        ("172.16.0.1", Some(AddressKind::Private)),
        ("172.31.255.255", Some(AddressKind::Private)),
        ("172.32.0.1", None),
        ("192.168.0.1", Some(AddressKind::Private)),
        ("127.8.8.8", Some(AddressKind::Loopback)),
        ("169.254.169.254", Some(AddressKind::LinkLocal)),
        ("100.64.0.1", Some(AddressKind::Shared)),
        ("100.127.255.255", Some(AddressKind::Shared)),
        ("100.128.0.1", None),
        ("0.0.0.0", Some(AddressKind::Unspecified)),
        ("0.1.2.3", Some(AddressKind::Reserved)),
        ("224.0.0.1", Some(AddressKind::Multicast)),
        ("255.255.255.255", Some(AddressKind::Broadcast)),
        ("240.0.0.1", Some(AddressKind::Reserved)),
        ("192.0.2.10", Some(AddressKind::Documentation)),
        ("198.51.100.10", Some(AddressKind::Documentation)),
        ("203.0.113.10", Some(AddressKind::Documentation)),
        ("198.18.0.1", Some(AddressKind::Reserved)),
        ("2606:4700:4700::1111", None),
        ("2001:4860:4860::8888", None),
        ("::", Some(AddressKind::Unspecified)),
        ("::1", Some(AddressKind::Loopback)),
        ("fe80::1", Some(AddressKind::LinkLocal)),
        ("fd00::1", Some(AddressKind::UniqueLocal)),
        ("fc00::1", Some(AddressKind::UniqueLocal)),
        ("ff02::1", Some(AddressKind::Multicast)),
        ("2001:db8::1", Some(AddressKind::Documentation)),
        ("::ffff:10.0.0.1", Some(AddressKind::Private)),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::a9fe:a9fe", Some(AddressKind::LinkLocal)),
        ("64:ff9b::808:808", None),
        ("2002:c0a8:0101::1", Some(AddressKind::Private)),
        ("2002:0808:0808::1", None),
        ("::10.0.0.1", Some(AddressKind::Reserved)),
    ];
    for (text, expected) in cases {
        assert_eq!(kind(text), expected, "{text}");
    }
}
