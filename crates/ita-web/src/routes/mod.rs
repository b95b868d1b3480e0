//! Every route, one module per resource, each with its `router()`.

pub mod agencies;
pub mod api;
mod audit;
mod imports;
pub mod oit;
pub mod review;
mod rounds;
mod session;
pub mod survey;
pub mod surveys;
mod users;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/static/site.css", get(stylesheet))
        .route("/static/survey.js", get(survey_script))
        .merge(session::router())
        .merge(agencies::router())
        .merge(rounds::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(imports::router())
        .merge(survey::router())
        .merge(surveys::router())
        .merge(oit::router())
        .merge(review::router())
        .nest("/api", api::router())
        .fallback(|| async { crate::WebError::NotFound })
}

async fn home(visitor: crate::auth::Visitor) -> Redirect {
    if visitor.signed_in { Redirect::to("/agencies") } else { Redirect::to("/sign-in") }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/site.css"),
    )
}

async fn survey_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/survey.js"),
    )
}
