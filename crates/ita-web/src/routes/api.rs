//! The JSON API (bearer tokens): the same resources as the pages, described at `/api/openapi.json`.

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
}

/// An API error: the status, and a JSON body with a code and the Thai and English message.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    Web(WebError),
}

impl From<WebError> for ApiError {
    fn from(error: WebError) -> ApiError {
        ApiError::Web(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                Json(serde_json::json!({
                    "error": "unauthorized",
                    "message_th": "ต้องระบุโทเค็น API ที่ถูกต้องในส่วนหัว Authorization: Bearer",
                    "message_en": "a valid API token is required in Authorization: Bearer",
                })),
            )
                .into_response(),
            ApiError::Web(error) => {
                if let WebError::Internal(inner) = &error {
                    tracing::error!(error = format!("{inner:#}"), "api request failed");
                }
                let (th, en) = error.message();
                let status = match &error {
                    WebError::SignIn { .. } => StatusCode::UNAUTHORIZED,
                    other => other.status(),
                };
                (
                    status,
                    Json(serde_json::json!({ "error": status.as_u16(), "message_th": th, "message_en": en })),
                )
                    .into_response()
            }
        }
    }
}
