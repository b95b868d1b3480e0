//! An agency's results through the API: every round, one round's stored result with the domain's whole view of
//! it (total, level, explanation, what the next level needs), and storing published indicator scores exactly.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use ita_domain::Hundredths;
use ita_domain::Lang;
use ita_domain::methodology::Methodology;
use ita_domain::platform::{FiscalYear, Invalid, parse_score};
use ita_domain::scoring::view::ResultView;
use ita_store::{Agency, ResultRecord, ResultSource, Round};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::input::{Fields, Ids, JsonObject};
use super::{ApiError, Problem, actor, readable_agency, round_of, writable_agency};
use crate::auth::ApiCaller;
use crate::scoring::{agency_info, draft_from_indicators, level_name, methodology_of, score_record};
use crate::{AppState, WebError};

/// A stored result: its indicator scores, total and level code as kept, and the level's name.
#[derive(Debug, Serialize)]
pub struct StoredResult {
    #[serde(flatten)]
    record: ResultRecord,
    fiscal_year: FiscalYear,
    level: Option<String>,
}

impl StoredResult {
    fn new(methodology: &Methodology, round: &Round, record: ResultRecord) -> StoredResult {
        StoredResult {
            level: record.level_code.as_deref().map(|code| level_name(methodology, code, Lang::Th)),
            fiscal_year: round.fiscal_year,
            record,
        }
    }
}

/// One round's result with the domain's view of it.
#[derive(Debug, Serialize)]
pub struct ResultBody {
    #[serde(flatten)]
    stored: StoredResult,
    view: ResultView,
}

fn result_body(
    state: &AppState,
    agency: &Agency,
    round: &Round,
    record: ResultRecord,
) -> Result<ResultBody, ApiError> {
    let methodology = methodology_of(state, round)?;
    let result = score_record(methodology, &record)?;
    let view = ResultView::new(methodology, &result, &agency_info(agency));
    Ok(ResultBody { stored: StoredResult::new(methodology, round, record), view })
}

#[derive(Debug, Serialize)]
pub struct HistoryItem {
    round: Round,
    result: Option<StoredResult>,
}

#[derive(Debug, Serialize)]
pub struct History {
    agency_id: Uuid,
    /// Every round, newest first, with the agency's result in it or `null`.
    items: Vec<HistoryItem>,
}

pub async fn history(
    State(state): State<AppState>,
    caller: ApiCaller,
    Ids(id): Ids<Uuid>,
) -> Result<Json<History>, ApiError> {
    let agency = readable_agency(&state, &caller.principal, id).await?;
    let mut results: BTreeMap<Uuid, ResultRecord> = state
        .store
        .results_of_agency(agency.id)
        .await
        .map_err(WebError::from)?
        .into_iter()
        .map(|(round, record)| (round.id, record))
        .collect();
    let mut items = Vec::new();
    for round in state.store.rounds().await.map_err(WebError::from)? {
        let methodology = methodology_of(&state, &round)?;
        let result = results.remove(&round.id).map(|record| StoredResult::new(methodology, &round, record));
        items.push(HistoryItem { round, result });
    }
    Ok(Json(History { agency_id: agency.id, items }))
}

pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    Ids((id, round_id)): Ids<(Uuid, Uuid)>,
) -> Result<Json<ResultBody>, ApiError> {
    let agency = readable_agency(&state, &caller.principal, id).await?;
    let round = round_of(&state, round_id).await?;
    let record =
        state.store.result(agency.id, round.id).await.map_err(WebError::from)?.ok_or(WebError::NotFound)?;
    Ok(Json(result_body(&state, &agency, &round, record)?))
}

pub async fn put(
    State(state): State<AppState>,
    caller: ApiCaller,
    Ids((id, round_id)): Ids<(Uuid, Uuid)>,
    body: JsonObject,
) -> Result<Json<ResultBody>, ApiError> {
    let agency = writable_agency(&state, &caller.principal, id).await?;
    let round = round_of(&state, round_id).await?;
    let methodology = methodology_of(&state, &round)?;
    let mut fields = Fields::new(body);
    let given = fields.raw("indicators");
    let mut problems = fields.finish();
    let indicators = indicators_of(methodology, given, &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let draft = draft_from_indicators(methodology, indicators, ResultSource::Official)
        .map_err(|invalid| ApiError::invalid(vec![Problem::general(invalid)]))?;
    let record =
        state.store.put_result(&actor(&caller), agency.id, round.id, &draft).await.map_err(WebError::from)?;
    Ok(Json(result_body(&state, &agency, &round, record)?))
}

/// The indicator scores of a body: every indicator of the methodology, each a number or a decimal text from 0
/// to 100 with at most two decimals. A JSON number is read through its shortest decimal text, so `99.34` is
/// exactly 9934 hundredths and never the float just below it.
fn indicators_of(
    methodology: &Methodology,
    given: Option<Value>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<u8, Hundredths> {
    let mut indicators = BTreeMap::new();
    let map = match given {
        Some(Value::Object(map)) => map,
        None => {
            problems.push(Problem::at(
                "indicators",
                Invalid::new(
                    "ต้องระบุคะแนนตัวชี้วัด เช่น {\"indicators\": {\"1\": 100, \"2\": 99.34}}",
                    "indicator scores are required, such as {\"indicators\": {\"1\": 100, \"2\": 99.34}}",
                ),
            ));
            return indicators;
        }
        Some(_) => {
            problems.push(Problem::at(
                "indicators",
                Invalid::new(
                    "ช่อง indicators ต้องเป็นออบเจกต์ที่มีเลขตัวชี้วัดเป็นคีย์",
                    "indicators must be an object keyed by indicator number",
                ),
            ));
            return indicators;
        }
    };
    for (key, value) in map {
        let field = format!("indicators.{key}");
        let Some(number) =
            key.trim().parse::<u8>().ok().filter(|number| methodology.indicator(*number).is_some())
        else {
            problems.push(Problem::at(
                field,
                Invalid::new(
                    format!("วิธีการประเมินปี {} ไม่มีตัวชี้วัดที่ \"{key}\"", methodology.year),
                    format!("methodology {} has no indicator \"{key}\"", methodology.year),
                ),
            ));
            continue;
        };
        let text = match &value {
            Value::Number(number) => number.to_string(),
            Value::String(text) => text.clone(),
            _ => {
                problems.push(Problem::at(
                    field,
                    Invalid::new(
                        format!("ตัวชี้วัดที่ {number}: คะแนนต้องเป็นตัวเลข"),
                        format!("indicator {number}: the score must be a number"),
                    ),
                ));
                continue;
            }
        };
        // The same check in each language, so that each message names the indicator in its own words.
        let thai = parse_score(&format!("ตัวชี้วัดที่ {number}"), &text);
        let english = parse_score(&format!("indicator {number}"), &text);
        match (thai, english) {
            (Ok(score), _) => {
                indicators.insert(number, score);
            }
            (Err(thai), Err(english)) => problems.push(Problem::at(field, Invalid::new(thai.th, english.en))),
            (Err(thai), Ok(_)) => problems.push(Problem::at(field, thai)),
        }
    }
    for indicator in &methodology.indicators {
        if !indicators.contains_key(&indicator.number)
            && !problems
                .iter()
                .any(|problem| problem.field.as_deref() == Some(&format!("indicators.{}", indicator.number)))
        {
            problems.push(Problem::at(
                format!("indicators.{}", indicator.number),
                Invalid::new(
                    format!("ตัวชี้วัดที่ {}: ยังไม่ได้ระบุคะแนน", indicator.number),
                    format!("indicator {}: no score given", indicator.number),
                ),
            ));
        }
    }
    indicators
}
