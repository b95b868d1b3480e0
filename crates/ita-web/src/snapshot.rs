//! Evidence snapshots (OIT): when an agency submits an evidence URL, the server fetches it once, within
//! bounds of size, time and redirects, and keeps the bytes, their SHA-256, the HTTP status, the content type
//! and the time, so that assessors see what the page said on the day beside the live link.
//!
//! Server-side request forgery: a URL is only fetched when every address its host resolves to is public, or
//! is allowed by the policy's allow list (tests and on-premises deployments). The fetcher resolves the host
//! itself, vets the addresses, and then connects to exactly those addresses (reqwest's DNS overrides, with a
//! resolver behind them that refuses every other lookup), so a DNS answer that changes between the check and
//! the connection cannot slip through. Redirects are followed by hand, each hop vetted the same way.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ita_domain::lang::Lang;
use ita_domain::platform::Invalid;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use sha2::{Digest, Sha256};
use url::{Host, Url};

/// What the fetcher says it is, in every request.
pub const USER_AGENT: &str = concat!("open-ita evidence snapshot/", env!("CARGO_PKG_VERSION"));

/// The longest evidence URL accepted (characters).
pub const MAX_URL_CHARS: usize = 2048;

/// The bounds of one fetch.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Bytes of the body kept; the rest is not read and the snapshot is marked truncated.
    pub max_bytes: usize,
    /// The whole fetch: name lookups, every redirect hop and the body.
    pub timeout: Duration,
    /// Each TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Redirects followed; one more is a failure.
    pub max_redirects: u8,
    /// Hosts and networks fetched even though their addresses are not public.
    pub allow: Vec<AllowRule>,
}

impl Default for FetchPolicy {
    fn default() -> FetchPolicy {
        FetchPolicy {
            max_bytes: 5 * 1024 * 1024,
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_redirects: 5,
            allow: Vec::new(),
        }
    }
}

impl FetchPolicy {
    /// The default policy with an allow list read from text such as `["127.0.0.1/32", "localhost"]`.
    pub fn allowing<S: AsRef<str>>(rules: &[S]) -> Result<FetchPolicy, Invalid> {
        let allow = rules.iter().map(|rule| rule.as_ref().parse()).collect::<Result<Vec<AllowRule>, _>>()?;
        Ok(FetchPolicy { allow, ..FetchPolicy::default() })
    }

    fn allows(&self, host: &str, addr: IpAddr) -> bool {
        self.allow.iter().any(|rule| rule.allows(host, addr))
    }
}

/// One entry of the allow list: a network (`10.0.0.0/8`, `::1/128`, a bare address) or a host name
/// (`localhost`), which allows whatever that exact name resolves to (not its subdomains, and not other names
/// for the same address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowRule {
    Net { addr: IpAddr, prefix: u8 },
    Host(String),
}

impl AllowRule {
    pub fn allows(&self, host: &str, addr: IpAddr) -> bool {
        match self {
            AllowRule::Host(name) => normal_host(host) == *name,
            AllowRule::Net { addr: net, prefix } => match (net.to_canonical(), addr.to_canonical()) {
                (IpAddr::V4(net), IpAddr::V4(addr)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                    u32::from(net) & mask == u32::from(addr) & mask
                }
                (IpAddr::V6(net), IpAddr::V6(addr)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                    u128::from(net) & mask == u128::from(addr) & mask
                }
                _ => false,
            },
        }
    }
}

impl FromStr for AllowRule {
    type Err = Invalid;

    fn from_str(text: &str) -> Result<AllowRule, Invalid> {
        let text = text.trim();
        let invalid = || {
            Invalid::new(
                format!("รายการที่อนุญาต {text:?} ไม่ถูกต้อง: ใช้เครือข่าย เช่น 127.0.0.1/32 หรือชื่อเครื่อง เช่น localhost"),
                format!(
                    "allow-list entry {text:?} is invalid: use a network (10.0.0.0/8) or a host (localhost)"
                ),
            )
        };
        if let Some((addr, prefix)) = text.split_once('/') {
            let addr = parse_ip(addr).ok_or_else(invalid)?;
            let prefix: u8 = prefix.parse().map_err(|_| invalid())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if prefix > max {
                return Err(invalid());
            }
            return Ok(AllowRule::Net { addr, prefix });
        }
        if let Some(addr) = parse_ip(text) {
            let prefix = if addr.is_ipv4() { 32 } else { 128 };
            return Ok(AllowRule::Net { addr, prefix });
        }
        let host = normal_host(text);
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
            return Err(invalid());
        }
        Ok(AllowRule::Host(host))
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
    text.parse().ok()
}

fn normal_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressKind {
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    /// 100.64.0.0/10, the carriers' shared address space (CGNAT).
    Shared,
    Unspecified,
    Multicast,
    Broadcast,
    Documentation,
    /// Benchmarking, protocol assignments, "this network", future use, discard-only and the like.
    Reserved,
}

impl AddressKind {
    /// A stable name, for storage and logs.
    pub fn code(self) -> &'static str {
        match self {
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private",
            AddressKind::LinkLocal => "link-local",
            AddressKind::UniqueLocal => "unique-local",
            AddressKind::Shared => "shared",
            AddressKind::Unspecified => "unspecified",
            AddressKind::Multicast => "multicast",
            AddressKind::Broadcast => "broadcast",
            AddressKind::Documentation => "documentation",
            AddressKind::Reserved => "reserved",
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        let (th, en) = match self {
            AddressKind::Loopback => ("ที่อยู่ภายในเครื่อง (loopback)", "loopback"),
            AddressKind::Private => ("ที่อยู่เครือข่ายภายใน (private)", "private"),
            AddressKind::LinkLocal => ("ที่อยู่เฉพาะเครือข่ายย่อย (link-local)", "link-local"),
            AddressKind::UniqueLocal => ("ที่อยู่เครือข่ายภายในแบบ IPv6 (unique local)", "unique local"),
            AddressKind::Shared => ("ที่อยู่ใช้ร่วมของผู้ให้บริการ (carrier-grade NAT)", "carrier-grade NAT"),
            AddressKind::Unspecified => ("ที่อยู่ที่ไม่ระบุ (unspecified)", "unspecified"),
            AddressKind::Multicast => ("ที่อยู่แบบกลุ่ม (multicast)", "multicast"),
            AddressKind::Broadcast => ("ที่อยู่แบบกระจาย (broadcast)", "broadcast"),
            AddressKind::Documentation => ("ที่อยู่สำหรับเอกสารตัวอย่าง (documentation)", "documentation"),
            AddressKind::Reserved => ("ที่อยู่ที่สงวนไว้ (reserved)", "reserved"),
        };
        lang.pick(th, en)
    }
}

/// Why `addr` is not a public address, or `None` when it is. IPv6 forms that carry an IPv4 address (mapped,
/// NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address.
pub fn address_kind(addr: IpAddr) -> Option<AddressKind> {
    match addr {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn v4_kind(addr: Ipv4Addr) -> Option<AddressKind> {
    let [a, b, c, _] = addr.octets();
    let kind = if addr.is_unspecified() {
        AddressKind::Unspecified
    } else if addr.is_broadcast() {
        AddressKind::Broadcast
    } else if a == 127 {
        AddressKind::Loopback
    } else if a == 10 || (a == 172 && (16..32).contains(&b)) || (a == 192 && b == 168) {
        AddressKind::Private
    } else if a == 169 && b == 254 {
        AddressKind::LinkLocal
    } else if a == 100 && (64..128).contains(&b) {
        AddressKind::Shared
    } else if (224..240).contains(&a) {
        AddressKind::Multicast
    } else if (a == 192 && b == 0 && c == 2)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
    {
        AddressKind::Documentation
    } else if a == 0 || a >= 240 || (a == 192 && b == 0 && c == 0) || (a == 198 && (b == 18 || b == 19)) {
        AddressKind::Reserved
    } else {
        return None;
    };
    Some(kind)
}

fn v6_kind(addr: Ipv6Addr) -> Option<AddressKind> {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    let bits = u128::from(addr);
    let segments = addr.segments();
    let in_net = |net: u128, prefix: u32| bits >> (128 - prefix) == net >> (128 - prefix);
    let kind = if addr.is_unspecified() {
        AddressKind::Unspecified
    } else if addr.is_loopback() {
        AddressKind::Loopback
    } else if in_net(0x64_ff9b << 96, 96) {
        // NAT64: the last 32 bits are the IPv4 address reached.
        return v4_kind(Ipv4Addr::from(bits as u32));
    } else if segments[0] == 0x2002 {
        // 6to4: bits 16..48 are the IPv4 address reached.
        return v4_kind(Ipv4Addr::from((bits >> 80) as u32));
    } else if in_net(0xfe80 << 112, 10) {
        AddressKind::LinkLocal
    } else if in_net(0xfec0 << 112, 10) {
        AddressKind::Private
    } else if in_net(0xfc00 << 112, 7) {
        AddressKind::UniqueLocal
    } else if segments[0] >> 8 == 0xff {
        AddressKind::Multicast
    } else if in_net(0x2001_0db8 << 96, 32) || in_net(0x3fff << 112, 20) {
        AddressKind::Documentation
    } else if in_net(0, 96)
        || in_net(0x0100 << 112, 64)
        || in_net(0x2001 << 112, 23)
        || in_net(0x2001 << 112, 32)
    {
        // IPv4-compatible, discard-only, IETF protocol assignments (with Teredo 2001::/32).
        AddressKind::Reserved
    } else {
        return None;
    };
    Some(kind)
}

/// What is wrong with an evidence URL as typed: the submission is refused with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("the evidence URL is empty")]
    Empty,
    #[error("the URL is longer than {MAX_URL_CHARS} characters")]
    TooLong,
    #[error("the URL has no http:// or https://")]
    MissingScheme,
    #[error("the URL is malformed")]
    Malformed,
    #[error("the URL's scheme {0}: is not http or https")]
    NotHttp(String),
    #[error("the URL carries a user name or password")]
    UserInfo,
    #[error("the URL has no host")]
    NoHost,
}

impl UrlProblem {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (UrlProblem::Empty, Lang::Th) => "ต้องระบุที่อยู่เว็บไซต์ (URL) ของหลักฐาน".into(),
            (UrlProblem::Empty, Lang::En) => "the evidence URL is required".into(),
            (UrlProblem::TooLong, Lang::Th) => {
                "ที่อยู่เว็บไซต์ยาวเกิน 2,048 ตัวอักษร โปรดใช้ที่อยู่ของหน้าที่แสดงหลักฐานโดยตรง".into()
            }
            (UrlProblem::TooLong, Lang::En) => {
                "the URL is longer than 2,048 characters: use the address of the page that shows the evidence"
                    .into()
            }
            (UrlProblem::MissingScheme, Lang::Th) => {
                "ที่อยู่เว็บไซต์ต้องขึ้นต้นด้วย https:// หรือ http:// โปรดคัดลอกจากแถบที่อยู่ของเบราว์เซอร์".into()
            }
            (UrlProblem::MissingScheme, Lang::En) => {
                "the URL must start with https:// or http://: copy it from the browser's address bar".into()
            }
            (UrlProblem::Malformed, Lang::Th) => {
                "ที่อยู่เว็บไซต์ไม่ถูกต้อง โปรดคัดลอกจากแถบที่อยู่ของเบราว์เซอร์อีกครั้ง".into()
            }
            (UrlProblem::Malformed, Lang::En) => {
                "the URL is malformed: copy it again from the browser's address bar".into()
            }
            (UrlProblem::NotHttp(scheme), Lang::Th) => {
                format!("รับเฉพาะที่อยู่ที่ขึ้นต้นด้วย https:// หรือ http:// (ที่ระบุขึ้นต้นด้วย {scheme}:)")
            }
            (UrlProblem::NotHttp(scheme), Lang::En) => {
                format!("only https:// and http:// addresses are accepted (this one starts with {scheme}:)")
            }
            (UrlProblem::UserInfo, Lang::Th) => {
                "ที่อยู่เว็บไซต์ต้องไม่มีชื่อผู้ใช้หรือรหัสผ่าน โปรดลบส่วนที่อยู่ก่อนเครื่องหมาย @ ออก".into()
            }
            (UrlProblem::UserInfo, Lang::En) => {
                "the URL must not carry a user name or password: remove the part before @".into()
            }
            (UrlProblem::NoHost, Lang::Th) => "ที่อยู่เว็บไซต์ไม่มีชื่อโดเมน".into(),
            (UrlProblem::NoHost, Lang::En) => "the URL has no host name".into(),
        }
    }

    /// Both languages, as the web layer shows a problem.
    pub fn invalid(&self) -> Invalid {
        Invalid::new(self.message(Lang::Th), self.message(Lang::En))
    }
}

/// Parses an evidence URL as typed: http or https, a host, no user name or password. Any port is accepted.
pub fn parse_evidence_url(text: &str) -> Result<Url, UrlProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(UrlProblem::Empty);
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Err(UrlProblem::TooLong);
    }
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => return Err(UrlProblem::MissingScheme),
        Err(url::ParseError::EmptyHost) => return Err(UrlProblem::NoHost),
        Err(_) => return Err(UrlProblem::Malformed),
    };
    check_url(&url)?;
    Ok(url)
}

fn check_url(url: &Url) -> Result<(), UrlProblem> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlProblem::NotHttp(url.scheme().to_string()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::UserInfo);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlProblem::NoHost);
    }
    Ok(())
}

/// Whether the URL's host is outside the agency's website (neither its host nor a subdomain of it); a leading
/// `www.` of the website is ignored, so `agency.go.th` and `docs.agency.go.th` are inside `www.agency.go.th`.
/// The assessor decides: this only warns. A website that names no host gives `false` (nothing to compare).
pub fn outside_domain(url: &Url, website: &str) -> bool {
    let Some(domain) = website_domain(website) else { return false };
    let Some(host) = url.host_str() else { return true };
    let host = normal_host(host.trim_start_matches('[').trim_end_matches(']'));
    !(host == domain || host.ends_with(&format!(".{domain}")))
}

/// The warning shown beside an evidence URL outside the agency's website, if it is.
pub fn outside_domain_warning(url: &Url, website: &str) -> Option<Invalid> {
    if !outside_domain(url, website) {
        return None;
    }
    let host = url.host_str().unwrap_or_default();
    let domain = website_domain(website).unwrap_or_default();
    Some(Invalid::new(
        format!("ที่อยู่นี้อยู่นอกเว็บไซต์ของหน่วยงาน ({host} ไม่อยู่ภายใต้ {domain}) ผู้ประเมินจะพิจารณาว่ารับได้หรือไม่"),
        format!(
            "this address is outside the agency's website ({host} is not under {domain}): assessors decide"
        ),
    ))
}

fn website_domain(website: &str) -> Option<String> {
    let website = website.trim();
    if website.is_empty() {
        return None;
    }
    let parsed =
        if website.contains("://") { Url::parse(website) } else { Url::parse(&format!("http://{website}")) };
    let host = parsed.ok()?.host_str()?.to_string();
    let host = normal_host(host.trim_start_matches('[').trim_end_matches(']'));
    let domain = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!domain.is_empty()).then_some(domain)
}

/// Why a URL was not fetched at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The host is, or resolves to, an address that is not public and is not on the allow list.
    Address { host: String, addr: IpAddr, kind: AddressKind },
    /// A redirect pointed somewhere no evidence URL may point.
    Redirect { location: String, problem: UrlProblem },
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Refusal::Address { host, addr, kind }, Lang::Th) => {
                format!("ระบบไม่ดึงข้อมูลจาก {host} เพราะชี้ไปยัง{} ({addr}) ซึ่งไม่ใช่ที่อยู่สาธารณะ", kind.name(Lang::Th))
            }
            (Refusal::Address { host, addr, kind }, Lang::En) => {
                format!(
                    "not fetched: {host} points to a {} address ({addr}), which is not public",
                    kind.name(lang)
                )
            }
            (Refusal::Redirect { location, problem }, Lang::Th) => {
                format!("ระบบไม่ติดตามการเปลี่ยนเส้นทางไปยัง {location}: {}", problem.message(lang))
            }
            (Refusal::Redirect { location, problem }, Lang::En) => {
                format!("redirect to {location} not followed: {}", problem.message(lang))
            }
        }
    }
}

/// Why a fetch that was attempted did not give a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    Dns,
    Connect,
    Timeout,
    Tls,
    TooManyRedirects,
    /// The answer was malformed or cut off.
    Protocol,
}

impl FailureKind {
    /// A stable name, for storage and logs.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Dns => "dns",
            FailureKind::Connect => "connect",
            FailureKind::Timeout => "timeout",
            FailureKind::Tls => "tls",
            FailureKind::TooManyRedirects => "too-many-redirects",
            FailureKind::Protocol => "protocol",
        }
    }

    pub fn message(self, lang: Lang) -> &'static str {
        let (th, en) = match self {
            FailureKind::Dns => ("ไม่พบชื่อโดเมนของที่อยู่นี้ (DNS)", "the host name could not be found (DNS)"),
            FailureKind::Connect => ("เชื่อมต่อกับเว็บไซต์ไม่ได้", "could not connect to the website"),
            FailureKind::Timeout => ("เว็บไซต์ไม่ตอบกลับภายในเวลาที่กำหนด", "the website did not answer in time"),
            FailureKind::Tls => (
                "การเชื่อมต่อแบบปลอดภัย (TLS) ล้มเหลว เช่น ใบรับรองไม่ถูกต้องหรือหมดอายุ",
                "the secure connection (TLS) failed, for example an invalid or expired certificate",
            ),
            FailureKind::TooManyRedirects => {
                ("เว็บไซต์เปลี่ยนเส้นทาง (redirect) เกินจำนวนครั้งที่กำหนด", "the website redirected too many times")
            }
            FailureKind::Protocol => {
                ("เว็บไซต์ตอบกลับไม่สมบูรณ์หรือผิดรูปแบบ", "the website's answer was incomplete or malformed")
            }
        };
        lang.pick(th, en)
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How a fetch ended. A dead or refused URL is a snapshot too: the record says what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// A final answer came (whatever its status: a 404 is a fetched, dead page).
    Fetched,
    /// Not fetched: nothing was sent to the refused address.
    Refused(Refusal),
    Failed(FailureKind),
}

impl SnapshotOutcome {
    /// `fetched`, `refused:<address kind>`, `refused:redirect` or `failed:<kind>`: for storage and logs.
    pub fn code(&self) -> String {
        match self {
            SnapshotOutcome::Fetched => "fetched".into(),
            SnapshotOutcome::Refused(Refusal::Address { kind, .. }) => format!("refused:{}", kind.code()),
            SnapshotOutcome::Refused(Refusal::Redirect { .. }) => "refused:redirect".into(),
            SnapshotOutcome::Failed(kind) => format!("failed:{}", kind.code()),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            SnapshotOutcome::Fetched => lang.pick("ดึงข้อมูลแล้ว", "fetched").into(),
            SnapshotOutcome::Refused(refusal) => refusal.message(lang),
            SnapshotOutcome::Failed(kind) => kind.message(lang).into(),
        }
    }
}

/// What the server kept of one evidence URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub requested_url: String,
    /// The last address an answer came from (after redirects); `None` when nothing answered.
    pub final_url: Option<String>,
    /// The status of that answer.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// The body as received (no decompression), at most `max_bytes`.
    pub body: Vec<u8>,
    /// The body was longer than `max_bytes` and was cut there.
    pub truncated: bool,
    /// SHA-256 of `body`, lowercase hex.
    pub sha256: String,
    /// When the fetch started, in seconds since 1970 (UTC).
    pub fetched_at: i64,
    pub outcome: SnapshotOutcome,
}

impl Snapshot {
    pub fn fetched(&self) -> bool {
        self.outcome == SnapshotOutcome::Fetched
    }
}

/// The fetcher. Each hop gets its own connection pinned to the vetted addresses, so the client holds only
/// what every fetch shares.
#[derive(Debug, Clone)]
pub struct SnapshotClient {
    user_agent: String,
}

impl Default for SnapshotClient {
    fn default() -> SnapshotClient {
        SnapshotClient { user_agent: USER_AGENT.to_string() }
    }
}

impl SnapshotClient {
    pub fn new() -> SnapshotClient {
        SnapshotClient::default()
    }

    /// A client for one hop: no proxy, no redirects, and name lookups only for the vetted host, to the vetted
    /// addresses; any other lookup fails.
    fn hop_client(
        &self,
        url: &Url,
        addrs: &[SocketAddr],
        policy: &FetchPolicy,
    ) -> reqwest::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(&self.user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .no_proxy()
            .connect_timeout(policy.connect_timeout)
            .pool_max_idle_per_host(0)
            .dns_resolver(Arc::new(NoLookup));
        if let Some(Host::Domain(domain)) = url.host() {
            builder = builder.resolve_to_addrs(domain, addrs);
        }
        builder.build()
    }
}

/// The resolver behind the overrides: every lookup that was not vetted fails.
#[derive(Debug)]
struct NoLookup;

impl reqwest::dns::Resolve for NoLookup {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let message = format!("{} was not vetted", name.as_str());
        Box::pin(async move { Err(message.into()) })
    }
}

/// Fetches `url` once under `policy`. A URL that cannot be an evidence URL is an `Err`; everything else,
/// including a refused or dead URL, is a `Snapshot` that says what happened.
pub async fn fetch_snapshot(
    client: &SnapshotClient,
    url: &str,
    policy: &FetchPolicy,
) -> Result<Snapshot, UrlProblem> {
    let url = parse_evidence_url(url)?;
    let fetched_at = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let mut snapshot = Snapshot {
        requested_url: url.to_string(),
        final_url: None,
        status: None,
        content_type: None,
        body: Vec::new(),
        truncated: false,
        sha256: String::new(),
        fetched_at,
        outcome: SnapshotOutcome::Fetched,
    };
    // What the fetch wrote into the snapshot before the deadline stays (status, type, a partial body).
    let outcome = tokio::time::timeout(policy.timeout, fetch_into(client, url, policy, &mut snapshot))
        .await
        .unwrap_or(SnapshotOutcome::Failed(FailureKind::Timeout));
    snapshot.outcome = outcome;
    snapshot.sha256 = hex(&Sha256::digest(&snapshot.body));
    Ok(snapshot)
}

async fn fetch_into(
    client: &SnapshotClient,
    mut url: Url,
    policy: &FetchPolicy,
    snapshot: &mut Snapshot,
) -> SnapshotOutcome {
    let mut redirects = 0u8;
    loop {
        let addrs = match vet(&url, policy).await {
            Ok(addrs) => addrs,
            Err(outcome) => return outcome,
        };
        let http = match client.hop_client(&url, &addrs, policy) {
            Ok(http) => http,
            Err(error) => {
                tracing::error!(error = %error, "building the snapshot client failed");
                return SnapshotOutcome::Failed(FailureKind::Tls);
            }
        };
        let mut response = match http.get(url.clone()).send().await {
            Ok(response) => response,
            Err(error) => return SnapshotOutcome::Failed(classify(&error)),
        };
        let status = response.status();
        snapshot.final_url = Some(url.to_string());
        snapshot.status = Some(status.as_u16());
        snapshot.content_type =
            response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string());
        let location =
            response.headers().get(LOCATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if let (true, Some(location)) = (matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308), location) {
            let next = match url.join(location.trim()) {
                Ok(next) => next,
                Err(_) => {
                    return SnapshotOutcome::Refused(Refusal::Redirect {
                        location,
                        problem: UrlProblem::Malformed,
                    });
                }
            };
            if let Err(problem) = check_url(&next) {
                return SnapshotOutcome::Refused(Refusal::Redirect { location: next.to_string(), problem });
            }
            if redirects >= policy.max_redirects {
                return SnapshotOutcome::Failed(FailureKind::TooManyRedirects);
            }
            redirects += 1;
            url = next;
            continue;
        }
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = policy.max_bytes - snapshot.body.len();
                    if chunk.len() > room {
                        snapshot.body.extend_from_slice(&chunk[..room]);
                        snapshot.truncated = true;
                        return SnapshotOutcome::Fetched;
                    }
                    snapshot.body.extend_from_slice(&chunk);
                }
                Ok(None) => return SnapshotOutcome::Fetched,
                Err(error) => return SnapshotOutcome::Failed(classify(&error)),
            }
        }
    }
}

/// The addresses the URL's host stands for, every one of them public or allowed; otherwise the refusal.
async fn vet(url: &Url, policy: &FetchPolicy) -> Result<Vec<SocketAddr>, SnapshotOutcome> {
    let port = url.port_or_known_default().unwrap_or(80);
    let (host, addrs): (String, Vec<SocketAddr>) = match url.host() {
        Some(Host::Ipv4(ip)) => (ip.to_string(), vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(Host::Ipv6(ip)) => (ip.to_string(), vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(Host::Domain(domain)) => match tokio::net::lookup_host((domain, port)).await {
            Ok(found) => (domain.to_string(), found.collect()),
            Err(_) => return Err(SnapshotOutcome::Failed(FailureKind::Dns)),
        },
        None => {
            return Err(SnapshotOutcome::Refused(Refusal::Redirect {
                location: url.to_string(),
                problem: UrlProblem::NoHost,
            }));
        }
    };
    if addrs.is_empty() {
        return Err(SnapshotOutcome::Failed(FailureKind::Dns));
    }
    for addr in &addrs {
        let ip = addr.ip().to_canonical();
        if let Some(kind) = address_kind(ip) {
            if !policy.allows(&host, ip) {
                return Err(SnapshotOutcome::Refused(Refusal::Address { host, addr: ip, kind }));
            }
        }
    }
    Ok(addrs)
}

fn classify(error: &reqwest::Error) -> FailureKind {
    if error.is_timeout() {
        FailureKind::Timeout
    } else if is_tls(error) {
        FailureKind::Tls
    } else if error.is_connect() {
        FailureKind::Connect
    } else {
        FailureKind::Protocol
    }
}

/// Whether a rustls error is anywhere in the cause chain (an `io::Error` hides its inner error from
/// `source`).
fn is_tls(error: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = error.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            if inner.is::<rustls::Error>() || is_tls(inner) {
                return true;
            }
        }
        cause = error.source();
    }
    false
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    text
}
