//! The server's settings: defaults, then `ita.toml`, then `ITA_*` environment variables, then flags, each later
//! layer overriding the earlier ones key by key. The database URL may hold a password, so it lives in a type
//! that never shows it (in `Debug`, in messages, in logs).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use serde::Deserialize;

pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_SESSION_HOURS: i64 = 8;
/// The settings file read from the working folder when no other is named.
pub const CONFIG_FILE: &str = "ita.toml";
/// The SQLite file inside the data folder.
pub const DATABASE_FILE: &str = "ita.db";
/// The longest sign-in: thirty days.
const MAX_SESSION_HOURS: i64 = 720;

/// The example `ita config example` prints: every key, with what it does in Thai and English.
pub const EXAMPLE: &str = r#"# ita.toml: การตั้งค่าของ open-ita / settings of open-ita
# ลำดับความสำคัญ: ค่าเริ่มต้น < แฟ้มนี้ < ตัวแปรสภาพแวดล้อม ITA_* < ตัวเลือกบรรทัดคำสั่ง
# Precedence: defaults < this file < ITA_* environment variables < command-line flags.
# คีย์ที่ไม่รู้จักถือเป็นข้อผิดพลาด / An unknown key is an error.

# ที่อยู่และพอร์ตที่เซิร์ฟเวอร์รับการเชื่อมต่อ (ITA_LISTEN, --listen)
# The address and port the server listens on. Use 0.0.0.0:8080 to accept other machines of the network.
listen = "127.0.0.1:8080"

# โฟลเดอร์ข้อมูล: ฐานข้อมูล SQLite อยู่ที่ <data_dir>/ita.db สร้างให้หากยังไม่มี (ITA_DATA_DIR, --data-dir)
# The data folder: the SQLite database is <data_dir>/ita.db; created when missing.
data_dir = "data"

# ใช้ PostgreSQL แทน SQLite (ITA_DATABASE_URL, --database-url) รหัสผ่านในที่อยู่นี้จะไม่ถูกแสดงหรือบันทึก
# แนะนำให้ตั้งผ่านตัวแปรสภาพแวดล้อมแทนการเขียนลงแฟ้ม
# Run on PostgreSQL instead of SQLite. A password in this URL is never shown or logged; prefer setting it
# through the environment to writing it in this file.
# database_url = "postgres://ita@db.example.go.th:5432/ita"

# ที่อยู่ที่ผู้ใช้เปิดในเบราว์เซอร์ ใช้ในลิงก์ที่พิมพ์ออกมา หากขึ้นต้นด้วย https คุกกี้จะมีแอตทริบิวต์ Secure
# (ITA_PUBLIC_URL, --public-url) ค่าเริ่มต้นคือ http:// ตามด้วยที่อยู่ listen
# The address people open in their browsers, used in printed links; with https, cookies are marked Secure.
# By default http:// and the listen address.
# public_url = "https://ita.example.go.th"

# การเข้าสู่ระบบหนึ่งครั้งมีอายุกี่ชั่วโมง (1 ถึง 720) (ITA_SESSION_HOURS, --session-hours)
# How many hours a sign-in lasts (1 to 720).
session_hours = 8

# จำนวนแบบวัด (IIT/EIT) ที่ส่งได้ต่อนาทีจากที่อยู่เครือข่ายเดียวกัน (ITA_SURVEY_SUBMISSIONS_PER_MINUTE)
# เกินกว่านี้ระบบจะตอบ 429 ให้รอสักครู่ ค่าเริ่มต้น 120 ควรเพิ่มเมื่อผู้ตอบจำนวนมากออกอินเทอร์เน็ตผ่านที่อยู่เดียวกัน
# How many survey forms (IIT/EIT) one network address may send a minute; beyond it the server answers 429
# and asks to wait. Raise it when many respondents reach the internet through one address.
survey_submissions_per_minute = 120

# เครื่องหรือเครือข่ายภายในที่ระบบดึงสำเนาหน้าเว็บหลักฐาน OIT ได้ แม้ไม่ใช่ที่อยู่สาธารณะ (ITA_SNAPSHOT_ALLOW คั่นด้วยจุลภาค)
# ค่าเริ่มต้นคือไม่อนุญาตที่อยู่ภายในและ loopback ทั้งหมด ใช้เมื่อเว็บไซต์ของหน่วยงานอยู่ในเครือข่ายภายในเท่านั้น
# Hosts or networks the OIT evidence fetcher may reach although they are not public (ITA_SNAPSHOT_ALLOW,
# comma-separated). By default every private and loopback address is refused.
# snapshot_allow = ["10.20.0.0/16", "intranet.example.go.th"]
"#;

/// A database URL, which may carry a password: `Debug` and `Display` show it with the password replaced.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Takes any text; [`DatabaseUrl::check`] says whether it names a database this program can open. The two
    /// steps are apart so that a parser's error message (clap's, toml's) never quotes the password.
    pub fn new(text: &str) -> DatabaseUrl {
        DatabaseUrl(text.trim().to_string())
    }

    pub fn check(&self) -> anyhow::Result<()> {
        let url = &self.0;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:") {
            Ok(())
        } else {
            anyhow::bail!(
                "ข้อผิดพลาด: ที่อยู่ฐานข้อมูล {self} ต้องขึ้นต้นด้วย postgres:// postgresql:// หรือ sqlite:\n\
                 error: the database URL {self} must start with postgres://, postgresql:// or sqlite:"
            )
        }
    }

    /// The URL itself, password included: only for opening the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password (`user:PASSWORD@`, `password=...`) replaced by `****`.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some((scheme, rest)) = url.split_once("://") else { return url.clone() };
        // The user information ends at the last `@`, wherever it is: a password may hold `/`, `?` or `#`
        // unescaped, and hiding too much is better than showing any of it.
        let rest = match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:****@{host}"),
                None => format!("{userinfo}@{host}"),
            },
            None => rest.to_string(),
        };
        let rest = match rest.split_once('?') {
            Some((path, query)) => {
                let query: Vec<String> = query
                    .split('&')
                    .map(|pair| match pair.split_once('=') {
                        Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=****"),
                        _ => pair.to_string(),
                    })
                    .collect();
                format!("{path}?{}", query.join("&"))
            }
            None => rest,
        };
        format!("{scheme}://{rest}")
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<DatabaseUrl, D::Error> {
        String::deserialize(deserializer).map(|text| DatabaseUrl::new(&text))
    }
}

/// One layer of settings: a key left out leaves the value of the layers below.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<DatabaseUrl>,
    pub public_url: Option<String>,
    pub session_hours: Option<i64>,
    pub survey_submissions_per_minute: Option<u32>,
    pub snapshot_allow: Option<Vec<String>>,
}

impl Layer {
    /// Reads a settings file; an unknown key or a value of the wrong kind is an error naming it.
    pub fn from_file(path: &Path) -> anyhow::Result<Layer> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            anyhow::anyhow!(
                "ข้อผิดพลาด: อ่านแฟ้มตั้งค่า {0} ไม่ได้\nerror: cannot read the settings file {0}: {error}",
                path.display()
            )
        })?;
        Layer::from_toml(&text).map_err(|error| {
            anyhow::anyhow!(
                "ข้อผิดพลาด: แฟ้มตั้งค่า {0} ไม่ถูกต้อง: {1}\nerror: the settings file {0} is not valid: {2}",
                path.display(),
                error.th,
                error.en
            )
        })
    }

    fn from_toml(text: &str) -> Result<Layer, ita_domain::platform::Invalid> {
        toml::from_str(text).map_err(|error: toml::de::Error| {
            let message = error.message().to_string();
            let place = error
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
                .map(|line| format!(" (บรรทัด {line})"))
                .unwrap_or_default();
            let place_en = place.replace("บรรทัด", "line");
            // The message of a wrong key names it; say so in Thai too.
            let thai = match message.strip_prefix("unknown field `").and_then(|rest| rest.split_once('`')) {
                Some((key, _)) => format!(
                    "ไม่รู้จักคีย์ \"{key}\"{place} (คีย์ที่ใช้ได้: listen, data_dir, database_url, public_url, \
                     session_hours, survey_submissions_per_minute, snapshot_allow)"
                ),
                None => format!("{message}{place}"),
            };
            ita_domain::platform::Invalid::new(thai, format!("{message}{place_en}"))
        })
    }

    /// Reads the `ITA_*` variables through `var` (the process environment, or a map in tests). An empty
    /// variable counts as unset, as container tools often pass them so.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Layer> {
        let get =
            |name: &str| var(name).map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
        Ok(Layer {
            listen: get("ITA_LISTEN").map(|value| parse_listen(&value, "ITA_LISTEN")).transpose()?,
            data_dir: get("ITA_DATA_DIR").map(PathBuf::from),
            database_url: get("ITA_DATABASE_URL").map(|value| DatabaseUrl::new(&value)),
            public_url: get("ITA_PUBLIC_URL"),
            session_hours: get("ITA_SESSION_HOURS")
                .map(|value| parse_hours(&value, "ITA_SESSION_HOURS"))
                .transpose()?,
            survey_submissions_per_minute: get("ITA_SURVEY_SUBMISSIONS_PER_MINUTE")
                .map(|value| parse_per_minute(&value, "ITA_SURVEY_SUBMISSIONS_PER_MINUTE"))
                .transpose()?,
            snapshot_allow: get("ITA_SNAPSHOT_ALLOW").map(|value| {
                value.split(',').map(str::trim).filter(|rule| !rule.is_empty()).map(str::to_string).collect()
            }),
        })
    }

    /// This layer with `upper`'s values wherever `upper` has one.
    pub fn under(self, upper: Layer) -> Layer {
        Layer {
            listen: upper.listen.or(self.listen),
            data_dir: upper.data_dir.or(self.data_dir),
            database_url: upper.database_url.or(self.database_url),
            public_url: upper.public_url.or(self.public_url),
            session_hours: upper.session_hours.or(self.session_hours),
            survey_submissions_per_minute: upper
                .survey_submissions_per_minute
                .or(self.survey_submissions_per_minute),
            snapshot_allow: upper.snapshot_allow.or(self.snapshot_allow),
        }
    }
}

fn parse_listen(text: &str, source: &str) -> anyhow::Result<SocketAddr> {
    text.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "ข้อผิดพลาด: {source} \"{text}\" ไม่ใช่ที่อยู่และพอร์ต เช่น 127.0.0.1:8080\n\
             error: {source} \"{text}\" is not an address and port such as 127.0.0.1:8080"
        )
    })
}

fn parse_hours(text: &str, source: &str) -> anyhow::Result<i64> {
    text.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "ข้อผิดพลาด: {source} \"{text}\" ต้องเป็นจำนวนชั่วโมง เช่น 8\n\
             error: {source} \"{text}\" must be a number of hours such as 8"
        )
    })
}

fn parse_per_minute(text: &str, source: &str) -> anyhow::Result<u32> {
    text.trim().parse().ok().filter(|count| *count > 0).ok_or_else(|| {
        anyhow::anyhow!(
            "ข้อผิดพลาด: {source} \"{text}\" ต้องเป็นจำนวนเต็มบวก เช่น 120\n\
             error: {source} \"{text}\" must be a positive whole number such as 120"
        )
    })
}

/// The flags every command that opens the database takes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreFlags {
    /// The settings file (default: ita.toml in the working folder, when there is one) [env: ITA_CONFIG].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data folder; the SQLite database is DIR/ita.db [default: data] [env: ITA_DATA_DIR].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run on PostgreSQL: postgres://USER:PASSWORD@HOST:PORT/DATABASE [env: ITA_DATABASE_URL].
    #[arg(long, value_name = "URL", value_parser = |text: &str| Ok::<_, std::convert::Infallible>(DatabaseUrl::new(text)))]
    pub database_url: Option<DatabaseUrl>,
}

/// The flags of `ita serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeFlags {
    #[command(flatten)]
    pub store: StoreFlags,
    /// The address and port to listen on [default: 127.0.0.1:8080] [env: ITA_LISTEN].
    #[arg(long, value_name = "ADDR", value_parser = |text: &str| parse_listen(text, "--listen"))]
    pub listen: Option<SocketAddr>,
    /// The address people open, for printed links [default: http://LISTEN] [env: ITA_PUBLIC_URL].
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// How many hours a sign-in lasts [default: 8] [env: ITA_SESSION_HOURS].
    #[arg(long, value_name = "HOURS", value_parser = |text: &str| parse_hours(text, "--session-hours"))]
    pub session_hours: Option<i64>,
}

impl StoreFlags {
    pub fn layer(&self) -> Layer {
        Layer { data_dir: self.data_dir.clone(), database_url: self.database_url.clone(), ..Layer::default() }
    }
}

impl ServeFlags {
    pub fn layer(&self) -> Layer {
        Layer {
            listen: self.listen,
            public_url: self.public_url.clone(),
            session_hours: self.session_hours,
            ..self.store.layer()
        }
    }
}

/// The settings after every layer is applied and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<DatabaseUrl>,
    /// Without a trailing `/`; `None` means `http://` and the address actually bound.
    pub public_url: Option<String>,
    pub session_hours: i64,
    /// Survey forms one network address may send a minute.
    pub survey_submissions_per_minute: u32,
    /// What the OIT evidence fetcher may reach although it is not public (checked entries).
    pub snapshot_allow: Vec<String>,
    /// The settings file that was read, if any.
    pub file: Option<PathBuf>,
}

impl Config {
    /// Merges the layers: the file named by `--config` (or `ITA_CONFIG`), else `ita.toml` in `folder` if it is
    /// there; then the environment read through `var`; then `flags`.
    pub fn resolve(
        config_flag: Option<&Path>,
        folder: &Path,
        var: &dyn Fn(&str) -> Option<String>,
        flags: Layer,
    ) -> anyhow::Result<Config> {
        let named = config_flag
            .map(Path::to_path_buf)
            .or_else(|| var("ITA_CONFIG").filter(|value| !value.trim().is_empty()).map(PathBuf::from));
        let file = match named {
            Some(path) => Some(path),
            None => Some(folder.join(CONFIG_FILE)).filter(|path| path.is_file()),
        };
        let from_file = match &file {
            Some(path) => Layer::from_file(path)?,
            None => Layer::default(),
        };
        let merged = from_file.under(Layer::from_env(var)?).under(flags);
        Config::from_layer(merged, file)
    }

    /// The settings from the process's environment and working folder.
    pub fn load(config_flag: Option<&Path>, flags: Layer) -> anyhow::Result<Config> {
        let folder = std::env::current_dir().context("the working folder")?;
        Config::resolve(config_flag, &folder, &|name| std::env::var(name).ok(), flags)
    }

    fn from_layer(layer: Layer, file: Option<PathBuf>) -> anyhow::Result<Config> {
        if let Some(url) = &layer.database_url {
            url.check()?;
        }
        let public_url = match layer.public_url {
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_string();
                if !(url.starts_with("http://") || url.starts_with("https://"))
                    || url.contains(char::is_whitespace)
                {
                    anyhow::bail!(
                        "ข้อผิดพลาด: public_url \"{url}\" ต้องขึ้นต้นด้วย http:// หรือ https://\n\
                         error: public_url \"{url}\" must start with http:// or https://"
                    );
                }
                Some(url)
            }
            None => None,
        };
        let session_hours = layer.session_hours.unwrap_or(DEFAULT_SESSION_HOURS);
        if !(1..=MAX_SESSION_HOURS).contains(&session_hours) {
            anyhow::bail!(
                "ข้อผิดพลาด: session_hours ต้องอยู่ระหว่าง 1 ถึง {MAX_SESSION_HOURS} (ได้ {session_hours})\n\
                 error: session_hours must be from 1 to {MAX_SESSION_HOURS} (got {session_hours})"
            );
        }
        let survey_submissions_per_minute =
            layer.survey_submissions_per_minute.unwrap_or(ita_web::DEFAULT_SURVEY_SUBMISSIONS_PER_MINUTE);
        if survey_submissions_per_minute == 0 {
            anyhow::bail!(
                "ข้อผิดพลาด: survey_submissions_per_minute ต้องมากกว่า 0\n\
                 error: survey_submissions_per_minute must be more than 0"
            );
        }
        let snapshot_allow = layer.snapshot_allow.unwrap_or_default();
        if let Err(invalid) = ita_web::snapshot::FetchPolicy::allowing(&snapshot_allow) {
            anyhow::bail!("ข้อผิดพลาด: snapshot_allow: {}\nerror: snapshot_allow: {}", invalid.th, invalid.en);
        }
        Ok(Config {
            listen: layer.listen.unwrap_or(DEFAULT_LISTEN),
            data_dir: layer.data_dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            database_url: layer.database_url,
            public_url,
            session_hours,
            survey_submissions_per_minute,
            snapshot_allow,
            file,
        })
    }

    /// What the database is, for messages: the PostgreSQL URL without its password, or the SQLite file.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => url.redacted(),
            None => self.data_dir.join(DATABASE_FILE).display().to_string(),
        }
    }

    /// Opens and migrates the database: PostgreSQL when a URL is set, else SQLite in the data folder (created
    /// when missing).
    pub async fn open_store(&self) -> anyhow::Result<Arc<dyn ita_store::Store>> {
        std::fs::create_dir_all(&self.data_dir).map_err(|error| {
            anyhow::anyhow!(
                "ข้อผิดพลาด: สร้างโฟลเดอร์ข้อมูล {0} ไม่ได้\nerror: cannot create the data folder {0}: {error}",
                self.data_dir.display()
            )
        })?;
        let url = match &self.database_url {
            Some(url) => url.expose().to_string(),
            None => format!("sqlite://{}", self.data_dir.join(DATABASE_FILE).display()),
        };
        ita_store::open(&url).await.map_err(|error| {
            // The store's own message may not say why; its source does (and never holds the URL).
            let cause =
                std::error::Error::source(&error).map(|source| format!(": {source}")).unwrap_or_default();
            anyhow::anyhow!(
                "ข้อผิดพลาด: เปิดฐานข้อมูล {0} ไม่ได้\nerror: cannot open the database {0}: {error}{cause}",
                self.database_label()
            )
        })
    }

    /// The web settings, once the listener is bound (its port may have been 0).
    pub fn settings(&self, bound: SocketAddr) -> ita_web::Settings {
        let mut settings = ita_web::Settings::for_listen(bound, self.data_dir.clone());
        settings.public_url = match &self.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", browsable(bound)),
        };
        settings.secure_cookies = settings.public_url.starts_with("https://") || bound.ip().is_loopback();
        settings.session_hours = self.session_hours;
        settings.survey_submissions_per_minute = self.survey_submissions_per_minute;
        settings.snapshot_allow = self.snapshot_allow.clone();
        settings
    }
}

/// An address a browser can open: "every address" (0.0.0.0, ::) becomes the loopback one.
fn browsable(bound: SocketAddr) -> SocketAddr {
    match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), bound.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), bound.port())
        }
        _ => bound,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn environment(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> =
            pairs.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_defaults() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(
            folder.path().join(CONFIG_FILE),
            "listen = \"127.0.0.1:7001\"\ndata_dir = \"from-file\"\nsession_hours = 4\n",
        )
        .unwrap();
        let env = environment(&[("ITA_LISTEN", "127.0.0.1:7002"), ("ITA_DATA_DIR", "from-env")]);
        let flags = Layer { listen: Some("127.0.0.1:7003".parse().unwrap()), ..Layer::default() };
        let config = Config::resolve(None, folder.path(), &env, flags).unwrap();
        assert_eq!(config.listen, "127.0.0.1:7003".parse().unwrap(), "the flag wins");
        assert_eq!(config.data_dir, PathBuf::from("from-env"), "the environment beats the file");
        assert_eq!(config.session_hours, 4, "the file beats the default");
        assert_eq!(config.public_url, None, "nothing set it: the default");
        assert_eq!(config.file, Some(folder.path().join(CONFIG_FILE)));

        let without_file =
            Config::resolve(None, &folder.path().join("elsewhere"), &environment(&[]), Layer::default())
                .unwrap();
        assert_eq!(without_file.listen, DEFAULT_LISTEN);
        assert_eq!(without_file.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert_eq!(without_file.file, None);
    }

    #[test]
    fn a_file_named_by_flag_or_ita_config_is_read_instead_and_must_exist() {
        let folder = tempfile::tempdir().unwrap();
        let named = folder.path().join("server.toml");
        std::fs::write(&named, "session_hours = 12\n").unwrap();
        std::fs::write(folder.path().join(CONFIG_FILE), "session_hours = 3\n").unwrap();
        let env = environment(&[("ITA_CONFIG", named.to_str().unwrap())]);
        assert_eq!(Config::resolve(None, folder.path(), &env, Layer::default()).unwrap().session_hours, 12);
        let missing = folder.path().join("missing.toml");
        let error = Config::resolve(Some(&missing), folder.path(), &env, Layer::default()).unwrap_err();
        assert!(error.to_string().contains("อ่านแฟ้มตั้งค่า") && error.to_string().contains("cannot read"));
    }

    #[test]
    fn the_survey_rate_limit_comes_from_the_file_or_the_environment_and_must_be_positive() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join(CONFIG_FILE), "survey_submissions_per_minute = 500\n").unwrap();
        let from_file = Config::resolve(None, folder.path(), &environment(&[]), Layer::default()).unwrap();
        assert_eq!(from_file.survey_submissions_per_minute, 500);
        let env = environment(&[("ITA_SURVEY_SUBMISSIONS_PER_MINUTE", "200000")]);
        let config = Config::resolve(None, folder.path(), &env, Layer::default()).unwrap();
        assert_eq!(config.settings("127.0.0.1:8080".parse().unwrap()).survey_submissions_per_minute, 200_000);
        let zero = environment(&[("ITA_SURVEY_SUBMISSIONS_PER_MINUTE", "0")]);
        let error = Config::resolve(None, folder.path(), &zero, Layer::default()).unwrap_err().to_string();
        assert!(error.contains("จำนวนเต็มบวก") && error.contains("positive whole number"), "{error}");
    }

    #[test]
    fn the_snapshot_allow_list_comes_from_the_file_or_the_environment_and_is_checked() {
        let folder = tempfile::tempdir().unwrap();
        let none = Config::resolve(None, folder.path(), &environment(&[]), Layer::default()).unwrap();
        assert!(none.snapshot_allow.is_empty(), "private addresses are refused unless allowed");
        std::fs::write(folder.path().join(CONFIG_FILE), "snapshot_allow = [\"10.20.0.0/16\"]\n").unwrap();
        let from_file = Config::resolve(None, folder.path(), &environment(&[]), Layer::default()).unwrap();
        assert_eq!(from_file.snapshot_allow, ["10.20.0.0/16"]);
        let env = environment(&[("ITA_SNAPSHOT_ALLOW", "127.0.0.1/32, localhost")]);
        let config = Config::resolve(None, folder.path(), &env, Layer::default()).unwrap();
        let settings = config.settings("127.0.0.1:8080".parse().unwrap());
        assert_eq!(settings.snapshot_allow, ["127.0.0.1/32", "localhost"], "the environment beats the file");
        let bad = environment(&[("ITA_SNAPSHOT_ALLOW", "127.0.0.1/33")]);
        let error = Config::resolve(None, folder.path(), &bad, Layer::default()).unwrap_err().to_string();
        assert!(error.contains("snapshot_allow") && error.contains("127.0.0.1/33"), "{error}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_naming_the_key() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join(CONFIG_FILE), "listen = \"127.0.0.1:8080\"\nlisten_port = 9\n")
            .unwrap();
        let error = Config::resolve(None, folder.path(), &environment(&[]), Layer::default()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("ไม่รู้จักคีย์ \"listen_port\""), "{message}");
        assert!(message.contains("unknown field `listen_port`"), "{message}");
        assert!(message.contains("บรรทัด 2") && message.contains("line 2"), "{message}");
    }

    #[test]
    fn the_example_file_parses_and_gives_the_defaults() {
        let layer = Layer::from_toml(EXAMPLE).unwrap();
        let config = Config::from_layer(layer, None).unwrap();
        let defaults = Config::from_layer(Layer::default(), None).unwrap();
        assert_eq!(config, defaults);
        // The commented keys are real keys too: uncommented, they parse.
        let uncommented: String = EXAMPLE
            .lines()
            .map(|line| line.strip_prefix("# ").filter(|rest| rest.contains(" = \"")).unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n");
        let layer = Layer::from_toml(&uncommented).unwrap();
        assert!(layer.database_url.is_some() && layer.public_url.is_some());
    }

    #[test]
    fn the_database_password_never_shows() {
        let url =
            DatabaseUrl::new("postgres://ita:s3cr%2Fet@db.example:5432/ita?sslmode=require&password=also");
        for shown in [
            format!("{url}"),
            format!("{url:?}"),
            format!("{:?}", Layer { database_url: Some(url), ..Layer::default() }),
        ] {
            assert!(!shown.contains("s3cr") && !shown.contains("also"), "{shown}");
            assert!(shown.contains("postgres://ita:****@db.example:5432/ita"), "{shown}");
        }
        let raw = DatabaseUrl::new("postgres://ita:pa/ss@word@db/ita");
        assert_eq!(raw.redacted(), "postgres://ita:****@db/ita");
        let error = DatabaseUrl::new("mysql://root:hunter2@db/ita").check().unwrap_err().to_string();
        assert!(!error.contains("hunter2") && error.contains("postgres://"), "{error}");
        assert_eq!(
            DatabaseUrl::new("postgres://postgres@127.0.0.1/ita").redacted(),
            "postgres://postgres@127.0.0.1/ita"
        );
    }

    #[test]
    fn bad_values_from_the_environment_are_named() {
        let error = Layer::from_env(&environment(&[("ITA_SESSION_HOURS", "eight")])).unwrap_err().to_string();
        assert!(error.contains("ITA_SESSION_HOURS") && error.contains("ชั่วโมง"), "{error}");
        let layer = Layer { session_hours: Some(0), ..Layer::default() };
        assert!(Config::from_layer(layer, None).unwrap_err().to_string().contains("from 1 to 720"));
        let layer = Layer { public_url: Some("ita.example.go.th".into()), ..Layer::default() };
        assert!(Config::from_layer(layer, None).unwrap_err().to_string().contains("http://"));
    }

    #[test]
    fn printed_links_use_the_public_url_or_a_browsable_bound_address() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let config = Config::from_layer(Layer::default(), None).unwrap();
        let settings = config.settings(any);
        assert_eq!(settings.public_url, "http://127.0.0.1:8080");
        assert!(
            !settings.secure_cookies,
            "plain http on every address: browsers on the network need the cookie"
        );
        let https = Layer { public_url: Some("https://ita.example.go.th/".into()), ..Layer::default() };
        let settings = Config::from_layer(https, None).unwrap().settings(any);
        assert_eq!(settings.public_url, "https://ita.example.go.th");
        assert!(settings.secure_cookies);
    }
}
