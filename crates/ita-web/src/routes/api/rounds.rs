//! Assessment rounds through the API: the list, one round, and creating one (a national administrator's task),
//! with its methodology year checked against the catalogue and its windows as real Gregorian dates.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ita_domain::methodology::MethodologyId;
use ita_domain::platform::{FiscalYear, Invalid};
use ita_store::{Round, RoundDraft, RoundWindows};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::input::{Fields, Ids, JsonObject};
use super::{ApiError, Problem, actor, round_of};
use crate::auth::ApiCaller;
use crate::{AppState, WebError};

#[derive(Debug, Serialize)]
pub struct RoundList {
    items: Vec<Round>,
}

pub async fn list(State(state): State<AppState>, _caller: ApiCaller) -> Result<Json<RoundList>, ApiError> {
    Ok(Json(RoundList { items: state.store.rounds().await.map_err(WebError::from)? }))
}

pub async fn show(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Ids(id): Ids<Uuid>,
) -> Result<Json<Round>, ApiError> {
    Ok(Json(round_of(&state, id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: JsonObject,
) -> Result<Response, ApiError> {
    if !caller.principal.can_manage_platform() {
        return Err(WebError::Forbidden.into());
    }
    let draft = draft_of(&state, body)?;
    let round = state.store.create_round(&actor(&caller), &draft).await.map_err(WebError::from)?;
    let location = format!("/api/rounds/{}", round.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(round)).into_response())
}

fn draft_of(state: &AppState, body: JsonObject) -> Result<RoundDraft, ApiError> {
    let mut fields = Fields::new(body);
    let fiscal_year = match fields.integer("fiscal_year") {
        Some(year) => FiscalYear::new(year)
            .map_err(|invalid| fields.problems.push(Problem::at("fiscal_year", invalid)))
            .ok(),
        None => {
            if !fields.problems.iter().any(|problem| problem.field.as_deref() == Some("fiscal_year")) {
                fields.problems.push(Problem::at(
                    "fiscal_year",
                    Invalid::new("ต้องระบุปีงบประมาณ (พ.ศ.)", "the fiscal year (Buddhist era) is required"),
                ));
            }
            None
        }
    };
    let variant = match fields.text("methodology_variant").trim() {
        "" => MethodologyId::DEFAULT_VARIANT.to_string(),
        text => text.to_string(),
    };
    // A round is assessed with its own year's methodology unless told otherwise, or with the newest one while its
    // own is not published yet.
    let methodology_year = fields.integer("methodology_year").or_else(|| {
        let year = fiscal_year?.get();
        let own = state.catalog.get(&MethodologyId { year, variant: variant.clone() }).is_ok();
        let newest = state.catalog.newest().map(|methodology| methodology.year);
        Some(i64::from(if own { year } else { newest.unwrap_or(year) }))
    });
    let methodology_year = methodology_year.and_then(|year| {
        let found = u16::try_from(year)
            .map_err(|_| {
                Invalid::new(format!("ไม่รู้จักวิธีการประเมินปี {year}"), format!("unknown methodology year {year}"))
            })
            .and_then(|year| {
                let id = MethodologyId { year, variant: variant.clone() };
                state
                    .catalog
                    .get(&id)
                    .map(|_| year)
                    .map_err(|error| Invalid::new(error.message_th, error.message_en))
            });
        found.map_err(|invalid| fields.problems.push(Problem::at("methodology_year", invalid))).ok()
    });
    let windows = match fields.raw("windows") {
        None => RoundWindows::default(),
        Some(Value::Object(map)) => windows_of(map, &mut fields.problems),
        Some(_) => {
            fields.problems.push(Problem::at(
                "windows",
                Invalid::new("ช่อง windows ต้องเป็นออบเจกต์", "windows must be an object"),
            ));
            RoundWindows::default()
        }
    };
    let problems = fields.finish();
    match (fiscal_year, methodology_year) {
        (Some(fiscal_year), Some(methodology_year)) if problems.is_empty() => {
            Ok(RoundDraft { fiscal_year, methodology_year, methodology_variant: variant, windows })
        }
        _ => Err(ApiError::invalid(problems)),
    }
}

/// The windows of a round: every date a real `YYYY-MM-DD`, and no period ending before it starts.
fn windows_of(map: serde_json::Map<String, Value>, problems: &mut Vec<Problem>) -> RoundWindows {
    let mut fields = Fields::new(JsonObject(map));
    let mut date = |name: &str| {
        let text = fields.text(name);
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match check_date(text) {
            Ok(()) => Some(text.to_string()),
            Err(invalid) => {
                fields.problems.push(Problem::at(format!("windows.{name}"), invalid));
                None
            }
        }
    };
    let windows = RoundWindows {
        oit_answer_from: date("oit_answer_from"),
        oit_answer_to: date("oit_answer_to"),
        survey_from: date("survey_from"),
        survey_to: date("survey_to"),
        oit_review_from: date("oit_review_from"),
        oit_review_to: date("oit_review_to"),
        clarification_from: date("clarification_from"),
        clarification_to: date("clarification_to"),
        results_on: date("results_on"),
    };
    for problem in fields.finish() {
        let field = problem.field.as_deref().unwrap_or("");
        // Unknown keys come back bare; name them under `windows`.
        let field =
            if field.starts_with("windows.") { field.to_string() } else { format!("windows.{field}") };
        problems.push(Problem { field: Some(field), ..problem });
    }
    let pairs = [
        ("oit_answer", &windows.oit_answer_from, &windows.oit_answer_to),
        ("survey", &windows.survey_from, &windows.survey_to),
        ("oit_review", &windows.oit_review_from, &windows.oit_review_to),
        ("clarification", &windows.clarification_from, &windows.clarification_to),
    ];
    for (name, from, to) in pairs {
        if let (Some(from), Some(to)) = (from, to) {
            // ISO dates compare as text.
            if to < from {
                problems.push(Problem::at(
                    format!("windows.{name}_to"),
                    Invalid::new(
                        format!("ช่วง {name} สิ้นสุด ({to}) ก่อนวันเริ่ม ({from})"),
                        format!("period {name} ends ({to}) before it starts ({from})"),
                    ),
                ));
            }
        }
    }
    windows
}

/// A Gregorian date `YYYY-MM-DD` that exists.
fn check_date(text: &str) -> Result<(), Invalid> {
    let wrong = || {
        Invalid::new(
            format!("วันที่ \"{text}\" ต้องอยู่ในรูป ปปปป-ดด-วว แบบคริสต์ศักราช เช่น 2025-01-31"),
            format!("date \"{text}\" must be YYYY-MM-DD (Gregorian), such as 2025-01-31"),
        )
    };
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else { return Err(wrong()) };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return Err(wrong());
    }
    let (Ok(year), Ok(month), Ok(day)) = (year.parse::<u32>(), month.parse::<u32>(), day.parse::<u32>())
    else {
        return Err(wrong());
    };
    if year >= 2400 {
        return Err(Invalid::new(
            format!("วันที่ \"{text}\" ดูเป็นปี พ.ศ. กรุณาใช้ปีคริสต์ศักราช (ลบ 543)"),
            format!("date \"{text}\" looks like a Buddhist-era year: use the Gregorian year (subtract 543)"),
        ));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(wrong()),
    };
    if year < 1900 || day == 0 || day > days {
        return Err(wrong());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_date;

    #[test]
    fn dates_must_exist_and_be_gregorian() {
        assert!(check_date("2024-02-29").is_ok());
        assert!(check_date("2023-02-29").is_err());
        assert!(check_date("2025-13-01").is_err());
        assert!(check_date("25-01-01").is_err());
        assert!(check_date("2568-01-01").unwrap_err().en.contains("Buddhist-era"));
    }
}
