//! The web platform: server-rendered pages (Thai first, English on request) and a JSON API over the store.
//! Handlers extract and parse, ask the policy in `ita_domain::platform`, call the store, and render a template.

mod auth;
pub mod demo;
mod error;
mod import;
pub mod oit_bulk;
mod page;
mod round_result;
mod routes;
mod scoring;
mod security;
mod settings;
pub mod snapshot;
mod survey_cache;
pub mod survey_compute;
pub mod survey_export;
mod survey_limiter;
mod survey_token;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use ita_domain::methodology::Catalog;
use ita_domain::report::Library;
use ita_report::FontSet;
use ita_store::Store;

pub use auth::{check_password, hash_password, random_token, token_hash};
pub use error::WebError;
pub use routes::survey::SurveyRuntime;
pub use settings::{DEFAULT_SURVEY_SUBMISSIONS_PER_MINUTE, Settings};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub catalog: Arc<Catalog>,
    pub library: Arc<Library>,
    pub fonts: FontSet,
    pub settings: Arc<Settings>,
    pub limiter: Arc<auth::LoginLimiter>,
    /// The respondent side of the surveys: group commit, token key, per-address limits.
    pub survey: SurveyRuntime,
    /// The OIT evidence fetcher and its bounds (with the allow list of `Settings::snapshot_allow`).
    pub snapshot_client: snapshot::SnapshotClient,
    pub snapshot_policy: Arc<snapshot::FetchPolicy>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings, fonts: FontSet) -> anyhow::Result<AppState> {
        let survey = SurveyRuntime::start(store.clone(), &settings);
        let snapshot_policy = snapshot::FetchPolicy::allowing(&settings.snapshot_allow)?;
        Ok(AppState {
            survey,
            snapshot_client: snapshot::SnapshotClient::new(),
            snapshot_policy: Arc::new(snapshot_policy),
            store,
            catalog: Arc::new(Catalog::builtin()?),
            library: Arc::new(Library::builtin()?),
            fonts,
            settings: Arc::new(settings),
            limiter: Arc::new(auth::LoginLimiter::default()),
        })
    }
}

/// The whole application: pages, API, static files, and the layers every request passes.
pub fn app(state: AppState) -> Router {
    routes::router()
        // Innermost, so that it sees the status a handler answered with.
        .layer(axum::middleware::from_fn_with_state(state.clone(), survey_cache::forget_after_staff_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::csrf_guard))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::extract::DefaultBodyLimit::max(security::BODY_LIMIT))
        .with_state(state)
}

/// Creates a one-time set-up link while there is no account; returns the path to open.
pub async fn setup_link(state: &AppState) -> anyhow::Result<Option<String>> {
    if state.store.user_count().await? > 0 {
        return Ok(None);
    }
    let token = auth::random_token();
    state.store.put_setup_token(&auth::token_hash(&token)).await?;
    Ok(Some(format!("/setup/{token}")))
}

/// Serves until Ctrl-C or SIGTERM (finishing the requests under way), on an already bound listener (tests bind port 0 and read the port back).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM as `docker stop` and systemd send it.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
