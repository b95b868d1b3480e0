//! The JSON API (bearer tokens): the same resources and the same access rules as the pages, described by the
//! OpenAPI document served at `/api/openapi.json`. The router is built from one list of operations, which a
//! test holds to the document, so that neither gains a route the other lacks.

mod agencies;
mod audit;
mod input;
mod results;
mod rounds;

use axum::Json;
use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use ita_domain::platform::{AgencyScope, Invalid, Principal};
use ita_store::{Actor, Agency, Round};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::ApiCaller;
use crate::{AppState, WebError};

/// The OpenAPI 3.1 document, written by hand and kept beside `Cargo.toml`.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The largest page a list gives at once.
pub const MAX_LIMIT: i64 = 500;
/// The page size when the caller names none.
pub const DEFAULT_LIMIT: i64 = 50;

/// One operation: its method, its path under `/api`, and its handler.
#[derive(Debug)]
struct Operation {
    // Read by the test that holds the OpenAPI document to this list.
    #[cfg_attr(not(test), allow(dead_code))]
    method: Method,
    path: &'static str,
    handler: MethodRouter<AppState>,
}

fn operation<H, T>(method: Method, path: &'static str, handler: H) -> Operation
where
    H: Handler<T, AppState>,
    T: 'static,
{
    // Every method used below is a standard one, which always has a filter.
    let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
    Operation { method, path, handler: on(filter, handler) }
}

/// Every operation of the API, in the order the document lists them.
fn operations() -> Vec<Operation> {
    vec![
        operation(Method::GET, "/openapi.json", openapi),
        operation(Method::GET, "/agencies", agencies::list),
        operation(Method::POST, "/agencies", agencies::create),
        operation(Method::GET, "/agencies/{id}", agencies::show),
        operation(Method::PUT, "/agencies/{id}", agencies::update),
        operation(Method::GET, "/agencies/{id}/results", results::history),
        operation(Method::GET, "/agencies/{id}/rounds/{round_id}/result", results::show),
        operation(Method::PUT, "/agencies/{id}/rounds/{round_id}/result", results::put),
        operation(Method::GET, "/rounds", rounds::list),
        operation(Method::POST, "/rounds", rounds::create),
        operation(Method::GET, "/rounds/{id}", rounds::show),
        operation(Method::GET, "/audit", audit::list),
    ]
}

pub fn router() -> Router<AppState> {
    operations()
        .into_iter()
        .fold(Router::new(), |router, operation| router.route(operation.path, operation.handler))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::Web(WebError::NotFound) })
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

// What the handlers share.

/// The audit log's name for a change made through the API.
fn actor(caller: &ApiCaller) -> Actor {
    Actor { id: Some(caller.user.id), name: format!("{} (API)", caller.user.display_name) }
}

fn scope(agency: &Agency) -> AgencyScope<'_> {
    AgencyScope { id: agency.id, province: &agency.province }
}

/// The agency, if this caller may read it; not found otherwise (so ids of others' agencies tell nothing).
async fn readable_agency(state: &AppState, principal: &Principal, id: Uuid) -> Result<Agency, ApiError> {
    let agency = state.store.agency(id).await.map_err(WebError::from)?.ok_or(WebError::NotFound)?;
    if !principal.can_read_agency(scope(&agency)) {
        return Err(WebError::NotFound.into());
    }
    Ok(agency)
}

/// The agency, if this caller may change it.
async fn writable_agency(state: &AppState, principal: &Principal, id: Uuid) -> Result<Agency, ApiError> {
    let agency = readable_agency(state, principal, id).await?;
    if !principal.can_write_agency(scope(&agency)) {
        return Err(WebError::Forbidden.into());
    }
    Ok(agency)
}

async fn round_of(state: &AppState, id: Uuid) -> Result<Round, ApiError> {
    Ok(state.store.round(id).await.map_err(WebError::from)?.ok_or(WebError::NotFound)?)
}

// Errors.

/// One thing wrong with a request, and where (a field of the body or a query parameter) when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message_th: String,
    pub message_en: String,
}

impl Problem {
    pub fn at(field: impl Into<String>, invalid: Invalid) -> Problem {
        Problem { field: Some(field.into()), message_th: invalid.th, message_en: invalid.en }
    }

    pub fn general(invalid: Invalid) -> Problem {
        Problem { field: None, message_th: invalid.th, message_en: invalid.en }
    }
}

/// An API error: the status, and a JSON body with a stable code and the Thai and English message.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    /// A request that cannot be read or whose values cannot be taken: every problem found, with 400 (unreadable),
    /// 422 (readable, but wrong values) or 404 (it names a record that does not exist). Nothing was written.
    Input {
        status: StatusCode,
        problems: Vec<Problem>,
    },
    /// The body is not JSON (`Content-Type`).
    UnsupportedMediaType,
    MethodNotAllowed,
    Web(WebError),
}

impl ApiError {
    /// Wrong values (422).
    pub fn invalid(problems: Vec<Problem>) -> ApiError {
        ApiError::Input { status: StatusCode::UNPROCESSABLE_ENTITY, problems }
    }

    /// A request that cannot be read at all (400).
    pub fn unreadable(problem: Problem) -> ApiError {
        ApiError::Input { status: StatusCode::BAD_REQUEST, problems: vec![problem] }
    }
}

impl From<WebError> for ApiError {
    fn from(error: WebError) -> ApiError {
        match error {
            WebError::Invalid(invalid) => ApiError::invalid(vec![Problem::general(invalid)]),
            other => ApiError::Web(other),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message_th: String,
    message_en: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<Problem>,
}

fn error_response(status: StatusCode, body: &ErrorBody<'_>) -> Response {
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let simple = |status: StatusCode, code: &str, th: &str, en: &str| {
            let body =
                ErrorBody { error: code, message_th: th.into(), message_en: en.into(), problems: Vec::new() };
            error_response(status, &body)
        };
        match self {
            ApiError::Unauthorized => simple(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "ต้องระบุโทเค็น API ที่ถูกต้องในส่วนหัว Authorization: Bearer",
                "a valid API token is required in Authorization: Bearer",
            ),
            ApiError::UnsupportedMediaType => simple(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "ต้องส่งข้อมูลเป็น JSON พร้อมส่วนหัว Content-Type: application/json ข้อมูลยังไม่ถูกบันทึก",
                "send the body as JSON with Content-Type: application/json; nothing was saved",
            ),
            ApiError::MethodNotAllowed => simple(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "ที่อยู่นี้ไม่รองรับเมธอด HTTP ที่ใช้ ดูเอกสาร /api/openapi.json",
                "this address does not take that HTTP method; see /api/openapi.json",
            ),
            ApiError::Input { status, problems } => {
                // The message alone says everything, for callers that show only it; `problems` is for those
                // that point at fields.
                let lines_th: Vec<&str> =
                    problems.iter().map(|problem| problem.message_th.as_str()).collect();
                let lines_en: Vec<&str> =
                    problems.iter().map(|problem| problem.message_en.as_str()).collect();
                let (error, message_th, message_en) = match status {
                    StatusCode::NOT_FOUND => ("not_found", lines_th.join("; "), lines_en.join("; ")),
                    StatusCode::BAD_REQUEST => (
                        "bad_request",
                        format!("อ่านคำขอไม่ได้ ยังไม่มีการบันทึก: {}", lines_th.join("; ")),
                        format!("the request could not be read, nothing was saved: {}", lines_en.join("; ")),
                    ),
                    _ => (
                        "invalid",
                        format!("ข้อมูลที่ส่งมาไม่ถูกต้อง ยังไม่มีการบันทึก: {}", lines_th.join("; ")),
                        format!("the request was not accepted, nothing was saved: {}", lines_en.join("; ")),
                    ),
                };
                let body = ErrorBody { error, message_th, message_en, problems };
                error_response(status, &body)
            }
            ApiError::Web(error) => {
                if let WebError::Internal(inner) = &error {
                    tracing::error!(error = format!("{inner:#}"), "api request failed");
                }
                let (th, en) = error.message();
                let code = match &error {
                    WebError::NotFound => "not_found",
                    WebError::Forbidden | WebError::Csrf => "forbidden",
                    WebError::SignIn { .. } => "unauthorized",
                    WebError::Invalid(_) => "invalid",
                    WebError::Conflict(_) => "conflict",
                    WebError::TooLarge => "too_large",
                    WebError::TooMany => "too_many_requests",
                    WebError::Internal(_) => "internal",
                };
                let body = ErrorBody { error: code, message_th: th, message_en: en, problems: Vec::new() };
                error_response(error.status(), &body)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::*;

    fn document() -> Value {
        serde_json::from_str(OPENAPI).expect("openapi.json is JSON")
    }

    #[test]
    fn the_document_lists_exactly_the_operations_the_router_serves() {
        let document = document();
        let documented: BTreeSet<(String, String)> = document["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .expect("a path item")
                    .keys()
                    .filter(|key| {
                        matches!(
                            key.as_str(),
                            "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
                        )
                    })
                    .map(move |method| (method.to_uppercase(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> = operations()
            .iter()
            .map(|operation| (operation.method.to_string(), format!("/api{}", operation.path)))
            .collect();
        assert_eq!(documented, served);
    }

    #[test]
    fn the_document_is_openapi_3_1_with_bearer_security_and_no_dangling_references() {
        let document = document();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1."));
        assert_eq!(document["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
        assert_eq!(document["security"][0]["bearerAuth"], serde_json::json!([]));
        assert_eq!(document["paths"]["/api/openapi.json"]["get"]["security"], serde_json::json!([]));
        let mut references = Vec::new();
        collect_references(&document, &mut references);
        assert!(!references.is_empty());
        for reference in references {
            let pointer = reference.strip_prefix('#').expect("local references only");
            assert!(document.pointer(pointer).is_some(), "{reference} points at nothing");
        }
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                assert!(operation["operationId"].is_string(), "{method} {path} has an operationId");
                assert!(operation["responses"].is_object(), "{method} {path} has responses");
            }
        }
    }

    #[test]
    fn the_documents_lists_of_kinds_and_methodology_years_are_the_domains() {
        let document = document();
        let schemas = &document["components"]["schemas"];
        let kinds: Vec<&str> = ita_domain::platform::AgencyKind::ALL.iter().map(|kind| kind.code()).collect();
        assert_eq!(schemas["AgencyKind"]["enum"], serde_json::json!(kinds));
        let catalog = ita_domain::methodology::Catalog::builtin().unwrap();
        let years: BTreeSet<u16> = catalog.list().iter().map(|methodology| methodology.year).collect();
        let variants: BTreeSet<&str> =
            catalog.list().iter().map(|methodology| methodology.variant.as_str()).collect();
        let input = &schemas["RoundInput"]["properties"];
        assert_eq!(input["methodology_year"]["enum"], serde_json::json!(years));
        assert_eq!(input["methodology_variant"]["enum"], serde_json::json!(variants));
    }

    fn collect_references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    found.push(reference.clone());
                }
                map.values().for_each(|each| collect_references(each, found));
            }
            Value::Array(items) => items.iter().for_each(|each| collect_references(each, found)),
            _ => {}
        }
    }
}
