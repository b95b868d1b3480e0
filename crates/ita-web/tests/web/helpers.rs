//! `spawn_app` and the actions a person takes (sign in, open a page, send a form), named for those actions.

use std::collections::BTreeMap;
use std::sync::Arc;

use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role};
use ita_store::{Actor, Agency, AgencyDraft, Round, RoundDraft, RoundWindows, Store, User, UserDraft};
use ita_web::{AppState, Settings};

pub const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The running app, its store (for arranging data directly), and what keeps its database alive.
pub struct TestApp {
    pub address: String,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    _folder: tempfile::TempDir,
    _scratch: Option<ita_store::ScratchDatabase>,
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// [`spawn_app`] with settings changed first (an allow list for the snapshot fetcher, say).
pub async fn spawn_app_with(db: Db, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let folder = tempfile::tempdir().unwrap();
    let (url, scratch) = match db {
        Db::Sqlite => (format!("sqlite://{}", folder.path().join("ita.db").display()), None),
        Db::Postgres => {
            let scratch = ita_store::ScratchDatabase::create(POSTGRES_ADMIN_URL)
                .await
                .expect("PostgreSQL must run at 127.0.0.1:5432 with trust auth");
            (scratch.url().to_string(), Some(scratch))
        }
    };
    let store = ita_store::open(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let listen = listener.local_addr().unwrap();
    let mut settings = Settings::for_listen(listen, folder.path().to_path_buf());
    configure(&mut settings);
    let state = AppState::new(store.clone(), settings, ita_report::FontSet::default()).unwrap();
    tokio::spawn(ita_web::serve(listener, state.clone()));
    TestApp { address: format!("http://{listen}"), store, state, _folder: folder, _scratch: scratch }
}

impl TestApp {
    pub fn admin_actor() -> Actor {
        Actor::system("test")
    }

    pub async fn create_agency(&self, code: &str, name: &str, province: &str) -> Agency {
        let draft = AgencyDraft {
            code: AgencyCode::parse(code).unwrap(),
            name_th: name.to_string(),
            name_en: None,
            kind: AgencyKind::SubdistrictAdministration,
            province: province.to_string(),
            district: None,
            parent_id: None,
            website: None,
            contact: None,
        };
        self.store.create_agency(&TestApp::admin_actor(), &draft).await.unwrap()
    }

    pub async fn create_round(&self, fiscal_year: i64, methodology_year: u16) -> Round {
        let draft = RoundDraft {
            fiscal_year: FiscalYear::new(fiscal_year).unwrap(),
            methodology_year,
            methodology_variant: "nacc".into(),
            windows: RoundWindows::default(),
        };
        self.store.create_round(&TestApp::admin_actor(), &draft).await.unwrap()
    }

    /// An account with [`PASSWORD`].
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        agency: Option<&Agency>,
        province: Option<&str>,
    ) -> User {
        let hash = ita_web::hash_password(PASSWORD.to_string()).await.unwrap();
        let draft = UserDraft {
            username: username.to_string(),
            display_name: format!("คุณ {username}"),
            role,
            agency_id: agency.map(|agency| agency.id),
            province: province.map(str::to_string),
            active: true,
        };
        self.store.create_user(&TestApp::admin_actor(), &draft, &hash).await.unwrap()
    }

    /// A browser-like client with no cookies yet.
    pub fn client(&self) -> Client {
        Client { address: self.address.clone(), http: http_client(), cookies: BTreeMap::new() }
    }

    /// A client signed in as `username` (with [`PASSWORD`]).
    pub async fn signed_in(&self, username: &str) -> Client {
        let mut client = self.client();
        let response = client.post_sign_in(username, PASSWORD).await;
        assert_eq!(response.status, 303, "sign-in of {username} failed: {}", response.body);
        client
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|value| value.to_str().ok()).unwrap_or("")
    }
}

/// A client that keeps cookies the way a browser does for one site (by hand, to see every attribute).
pub struct Client {
    pub address: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for value in headers.get_all("set-cookie") {
            let line = value.to_str().unwrap();
            let (pair, attributes) = line.split_once(';').unwrap_or((line, ""));
            let (name, value) = pair.split_once('=').unwrap();
            assert!(attributes.contains("HttpOnly"), "cookie {name} must be HttpOnly: {line}");
            assert!(attributes.contains("SameSite=Lax"), "cookie {name} must be SameSite: {line}");
            assert!(attributes.contains("Secure"), "cookie {name} must be Secure on loopback: {line}");
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = response.bytes().await.unwrap().to_vec();
        let body = String::from_utf8_lossy(&bytes).to_string();
        Reply { status, headers, body, bytes }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let response = self
            .http
            .get(format!("{}{path}", self.address))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Sends a form as a browser would, with the CSRF token the page gave.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let response = self
            .http
            .post(format!("{}{path}", self.address))
            .header("cookie", self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Reply {
        let response = self
            .http
            .post(format!("{}{path}", self.address))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Opens a page and reads the CSRF token of its form.
    pub async fn csrf_from(&mut self, path: &str) -> String {
        let reply = self.get(path).await;
        csrf_in(&reply.body).unwrap_or_else(|| panic!("no csrf field on {path}: {}", reply.body))
    }

    pub async fn post_sign_in(&mut self, username: &str, password: &str) -> Reply {
        let csrf = self.csrf_from("/sign-in").await;
        self.post_form("/sign-in", &[("csrf", &csrf), ("username", username), ("password", password)]).await
    }

    /// Opens `form_page`, then sends its form to `action` with `fields` and the page's token.
    pub async fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.csrf_from(form_page).await;
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Published indicator scores of a methodology-2565 agency (the reference agency: total 78.35, level B), as the
/// fields of the result form.
pub const REFERENCE_SCORES: [(&str, &str); 10] = [
    ("indicator_1", "100"),
    ("indicator_2", "100"),
    ("indicator_3", "100"),
    ("indicator_4", "99.34"),
    ("indicator_5", "97.77"),
    ("indicator_6", "89.70"),
    ("indicator_7", "88.91"),
    ("indicator_8", "86.09"),
    ("indicator_9", "85.29"),
    ("indicator_10", "25.00"),
];
