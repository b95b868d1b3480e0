//! The server's settings, after defaults, `ita.toml`, `ITA_*` variables and flags have been merged (the
//! binary does the merging); nothing secret lives here.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Survey forms one address may send a minute, unless set otherwise.
pub const DEFAULT_SURVEY_SUBMISSIONS_PER_MINUTE: u32 = 120;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Shown in printed links; `http://127.0.0.1:8080` by default.
    pub public_url: String,
    /// Whether cookies carry `Secure`: on when the public URL is https or the server listens on loopback
    /// (browsers treat http://127.0.0.1 as secure), off for plain http on a LAN address.
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_hours: i64,
    /// How many survey forms one network address may send a minute (in bursts of as many); 120 by default, raised
    /// for a load test whose clients all come from one address.
    pub survey_submissions_per_minute: u32,
    /// Hosts and networks the OIT evidence fetcher may reach although they are not public (`127.0.0.1/32`,
    /// `intranet.example`); empty by default, so that private and loopback addresses are refused.
    pub snapshot_allow: Vec<String>,
}

impl Settings {
    pub fn for_listen(listen: SocketAddr, data_dir: PathBuf) -> Settings {
        let public_url = format!("http://{listen}");
        Settings {
            listen,
            data_dir,
            secure_cookies: listen.ip().is_loopback(),
            public_url,
            session_hours: 8,
            survey_submissions_per_minute: DEFAULT_SURVEY_SUBMISSIONS_PER_MINUTE,
            snapshot_allow: Vec::new(),
        }
    }
}
