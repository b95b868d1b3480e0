//! Reading what an API caller sent, at the boundary: the JSON body, ids in the path, and query parameters, each
//! with its own bilingual problems (never axum's English-only rejection text), collected rather than stopped at.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use ita_domain::platform::Invalid;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{ApiError, DEFAULT_LIMIT, MAX_LIMIT, Problem};
use crate::WebError;

/// A JSON object sent as the body, its fields to be read one by one.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<JsonObject, ApiError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
        if !content_type.is_some_and(is_json) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::Web(WebError::TooLarge)
            } else {
                ApiError::unreadable(Problem::general(Invalid::new(
                    "อ่านข้อมูลที่ส่งมาไม่ครบ กรุณาส่งใหม่",
                    "the body could not be read in full; send it again",
                )))
            }
        })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::unreadable(Problem::general(Invalid::new(
                "ข้อมูลที่ส่งต้องเป็นออบเจกต์ JSON ({ ... })",
                "the body must be a JSON object ({ ... })",
            )))),
            Err(error) => Err(ApiError::unreadable(Problem::general(Invalid::new(
                format!("อ่าน JSON ไม่ได้ ที่บรรทัด {} ตำแหน่ง {}", error.line(), error.column()),
                format!("the body is not valid JSON (line {}, column {})", error.line(), error.column()),
            )))),
        }
    }
}

/// Ids in the path; one that is not a UUID names no record, so it is a 404 that says why.
#[derive(Debug)]
pub struct Ids<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Ids<T>, ApiError> {
        Path::<T>::from_request_parts(parts, state).await.map(|Path(ids)| Ids(ids)).map_err(|_| {
            ApiError::Input {
                status: StatusCode::NOT_FOUND,
                problems: vec![Problem::general(Invalid::new(
                    "ไม่พบข้อมูล: รหัสอ้างอิงในที่อยู่ไม่ใช่ UUID",
                    "not found: an id in the address is not a UUID",
                ))],
            }
        })
    }
}

/// The query parameters, read by name; unknown names are problems too, so a misspelt filter is not silently
/// ignored.
#[derive(Debug, Default)]
pub struct QueryParams {
    values: BTreeMap<String, String>,
    pub problems: Vec<Problem>,
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<QueryParams, ApiError> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state).await.unwrap_or(RawQuery(None));
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
            .map_err(|_| {
                ApiError::unreadable(Problem::general(Invalid::new(
                    "อ่านพารามิเตอร์ในที่อยู่ (query string) ไม่ได้",
                    "the query string could not be read",
                )))
            })?;
        let mut params = QueryParams::default();
        for (name, value) in pairs {
            if params.values.insert(name.clone(), value).is_some() {
                params.problems.push(Problem::at(
                    name.clone(),
                    Invalid::new(
                        format!("ระบุพารามิเตอร์ {name} ซ้ำ"),
                        format!("parameter {name} is given twice"),
                    ),
                ));
            }
        }
        Ok(params)
    }
}

impl QueryParams {
    /// A parameter's text, trimmed; empty counts as absent.
    pub fn text(&mut self, name: &str) -> Option<String> {
        self.values.remove(name).map(|value| value.trim().to_string()).filter(|value| !value.is_empty())
    }

    fn number(&mut self, name: &str, low: i64, high: i64) -> Option<i64> {
        let text = self.text(name)?;
        match text.parse::<i64>() {
            Ok(value) if (low..=high).contains(&value) => Some(value),
            _ => {
                self.problems.push(Problem::at(
                    name,
                    Invalid::new(
                        format!("พารามิเตอร์ {name} ต้องเป็นจำนวนเต็มตั้งแต่ {low} ถึง {high} (ได้ \"{text}\")"),
                        format!(
                            "parameter {name} must be a whole number from {low} to {high} (got \"{text}\")"
                        ),
                    ),
                ));
                None
            }
        }
    }

    /// `offset` (0 or more) and `limit` (1 to [`MAX_LIMIT`]).
    pub fn paging(&mut self) -> (i64, i64) {
        let offset = self.number("offset", 0, i64::from(i32::MAX)).unwrap_or(0);
        let limit = self.number("limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
        (offset, limit)
    }

    /// Every problem, the unknown parameters included, or nothing.
    pub fn finish(mut self) -> Result<(), ApiError> {
        for name in self.values.keys() {
            self.problems.push(Problem::at(
                name.clone(),
                Invalid::new(format!("ไม่รู้จักพารามิเตอร์ \"{name}\""), format!("unknown parameter \"{name}\"")),
            ));
        }
        if self.problems.is_empty() { Ok(()) } else { Err(ApiError::invalid(self.problems)) }
    }
}

/// A JSON number that is a whole number, also when written with a fraction of zero (`2565.0`), within the range
/// where floats are exact.
fn whole(number: &serde_json::Number) -> Option<i64> {
    if let Some(value) = number.as_i64() {
        return Some(value);
    }
    let value = number.as_f64()?;
    (value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0).then_some(value as i64)
}

/// The fields of a body object, taken one by one; what is wrong with each is collected.
#[derive(Debug)]
pub struct Fields {
    map: Map<String, Value>,
    pub problems: Vec<Problem>,
}

impl Fields {
    pub fn new(JsonObject(map): JsonObject) -> Fields {
        Fields { map, problems: Vec::new() }
    }

    /// A text field: absent or `null` is empty. A whole number (`6150101`, or `6150101.0` as JSON Schema counts
    /// it) is taken as its digits, since agency codes are digits; a fraction is no code.
    pub fn text(&mut self, name: &str) -> String {
        let value = self.map.remove(name);
        let text = match &value {
            None | Some(Value::Null) => Some(String::new()),
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => {
                whole(number).filter(|value| *value >= 0).map(|value| value.to_string())
            }
            Some(_) => None,
        };
        text.unwrap_or_else(|| {
            self.problems.push(Problem::at(
                name,
                Invalid::new(format!("ช่อง {name} ต้องเป็นข้อความ"), format!("{name} must be a string")),
            ));
            String::new()
        })
    }

    /// A field as it came, for the caller to read.
    pub fn raw(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|value| !value.is_null())
    }

    /// A whole number, given as a JSON number or as text.
    pub fn integer(&mut self, name: &str) -> Option<i64> {
        let value = self.raw(name)?;
        let parsed = match &value {
            Value::Number(number) => whole(number),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.problems.push(Problem::at(
                name,
                Invalid::new(
                    format!("ช่อง {name} ต้องเป็นจำนวนเต็ม (ได้ {value})"),
                    format!("{name} must be a whole number (got {value})"),
                ),
            ));
        }
        parsed
    }

    /// Every problem, unknown fields included, or nothing.
    pub fn finish(mut self) -> Vec<Problem> {
        for name in self.map.keys() {
            self.problems.push(Problem::at(
                name.clone(),
                Invalid::new(format!("ไม่รู้จักช่อง \"{name}\""), format!("unknown field \"{name}\"")),
            ));
        }
        self.problems
    }
}
