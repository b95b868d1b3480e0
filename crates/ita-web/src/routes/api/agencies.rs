//! Agencies through the API: the list (search, filters, paging, each with its result in a round), one agency,
//! creating and changing one. The body is read into the same form the pages use, so the rules are the same.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ita_domain::Lang;
use ita_domain::platform::{AgencyKind, FiscalYear, Invalid};
use ita_store::{Agency, AgencyDraft, AgencyQuery, Round};
use serde::Serialize;
use uuid::Uuid;

use super::input::{Fields, Ids, JsonObject, QueryParams};
use super::{ApiError, Problem, actor, readable_agency, writable_agency};
use crate::auth::ApiCaller;
use crate::routes::agencies::AgencyForm;
use crate::scoring::{level_name, methodology_of};
use crate::{AppState, WebError};

/// An agency as the API shows it: the kind by its stable code, with its names in both languages.
#[derive(Debug, Serialize)]
pub struct AgencyOut {
    id: Uuid,
    code: String,
    name_th: String,
    name_en: Option<String>,
    kind: &'static str,
    kind_th: &'static str,
    kind_en: &'static str,
    province: String,
    district: Option<String>,
    parent_id: Option<Uuid>,
    /// The parent's code, in answers about one agency (lists leave it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_code: Option<String>,
    website: Option<String>,
    contact: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl AgencyOut {
    pub fn new(agency: Agency, parent_code: Option<String>) -> AgencyOut {
        AgencyOut {
            id: agency.id,
            code: agency.code.to_string(),
            name_th: agency.name_th,
            name_en: agency.name_en,
            kind: agency.kind.code(),
            kind_th: agency.kind.thai(),
            kind_en: agency.kind.english(),
            province: agency.province,
            district: agency.district,
            parent_id: agency.parent_id,
            parent_code,
            website: agency.website,
            contact: agency.contact,
            created_at: agency.created_at,
            updated_at: agency.updated_at,
        }
    }
}

async fn with_parent_code(state: &AppState, agency: Agency) -> Result<AgencyOut, ApiError> {
    let parent_code = match agency.parent_id {
        Some(parent) => state.store.agency(parent).await.map_err(WebError::from)?.map(|parent| parent.code),
        None => None,
    };
    Ok(AgencyOut::new(agency, parent_code.map(|code| code.to_string())))
}

// The list.

#[derive(Debug, Serialize)]
pub struct ListItem {
    agency: AgencyOut,
    total: Option<ita_domain::Hundredths>,
    level_code: Option<String>,
    level: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ListBody {
    items: Vec<ListItem>,
    total: i64,
    offset: i64,
    limit: i64,
    /// The round whose result stands beside each agency: the one asked for, or the newest.
    round: Option<Round>,
}

/// How a `round` parameter names a round: by its id or by its fiscal year.
#[derive(Debug, Clone, Copy)]
enum RoundName {
    Id(Uuid),
    Year(FiscalYear),
}

fn round_name(text: &str) -> Result<RoundName, Invalid> {
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(RoundName::Id(id));
    }
    let year = text.parse::<i64>().map_err(|_| {
        Invalid::new(
            format!("พารามิเตอร์ round ต้องเป็นรหัสอ้างอิงของรอบ หรือปีงบประมาณ เช่น 2568 (ได้ \"{text}\")"),
            format!("parameter round must be a round's id or a fiscal year such as 2568 (got \"{text}\")"),
        )
    })?;
    FiscalYear::new(year).map(RoundName::Year)
}

pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    mut params: QueryParams,
) -> Result<Json<ListBody>, ApiError> {
    let rounds = state.store.rounds().await.map_err(WebError::from)?;
    let search = params.text("q");
    let province = params.text("province");
    let kind = params.text("kind").and_then(|text| match AgencyKind::parse(&text) {
        Ok(kind) => Some(kind),
        Err(invalid) => {
            params.problems.push(Problem::at("kind", invalid));
            None
        }
    });
    let named = params.text("round").and_then(|text| match round_name(&text) {
        Ok(name) => Some((text, name)),
        Err(invalid) => {
            params.problems.push(Problem::at("round", invalid));
            None
        }
    });
    let (offset, limit) = params.paging();
    params.finish()?;
    // A well-formed round that does not exist is a record not found, as it would be in the path.
    let round = match named {
        Some((text, name)) => Some(
            rounds
                .iter()
                .find(|round| match name {
                    RoundName::Id(id) => round.id == id,
                    RoundName::Year(year) => round.fiscal_year == year,
                })
                .ok_or_else(|| ApiError::Input {
                    status: StatusCode::NOT_FOUND,
                    problems: vec![Problem::at(
                        "round",
                        Invalid::new(
                            format!("ไม่พบรอบการประเมิน \"{text}\""),
                            format!("no assessment round \"{text}\""),
                        ),
                    )],
                })?,
        ),
        None => rounds.first(),
    };
    let found = state
        .store
        .list_agencies(&AgencyQuery {
            search,
            province,
            kind,
            visible: caller.principal.visibility(),
            round_id: round.map(|round| round.id),
            offset,
            limit,
        })
        .await
        .map_err(WebError::from)?;
    let methodology = round.map(|round| methodology_of(&state, round)).transpose()?;
    let items = found
        .items
        .into_iter()
        .map(|item| ListItem {
            level: match (&item.level_code, methodology) {
                (Some(code), Some(methodology)) => Some(level_name(methodology, code, Lang::Th)),
                _ => None,
            },
            agency: AgencyOut::new(item.agency, None),
            total: item.total,
            level_code: item.level_code,
        })
        .collect();
    Ok(Json(ListBody { items, total: found.total, offset, limit, round: round.cloned() }))
}

// One agency.

/// The body of a create or update, read into the pages' form and parsed by the same rules; every problem.
async fn draft_of(state: &AppState, body: JsonObject) -> Result<AgencyDraft, ApiError> {
    let mut fields = Fields::new(body);
    let form = AgencyForm {
        code: fields.text("code"),
        name_th: fields.text("name_th"),
        name_en: fields.text("name_en"),
        kind: fields.text("kind"),
        province: fields.text("province"),
        district: fields.text("district"),
        parent_code: fields.text("parent_code"),
        website: fields.text("website"),
        contact: fields.text("contact"),
    };
    let mut problems = fields.finish();
    match form.parse(state).await {
        Ok(draft) if problems.is_empty() => Ok(draft),
        Ok(_) => Err(ApiError::invalid(problems)),
        Err(invalid) => {
            problems.extend(invalid.into_iter().map(Problem::general));
            Err(ApiError::invalid(problems))
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: JsonObject,
) -> Result<Response, ApiError> {
    if !caller.principal.can_manage_platform() {
        return Err(WebError::Forbidden.into());
    }
    let draft = draft_of(&state, body).await?;
    let agency = state.store.create_agency(&actor(&caller), &draft).await.map_err(WebError::from)?;
    let location = format!("/api/agencies/{}", agency.id);
    let body = with_parent_code(&state, agency).await?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(body)).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    Ids(id): Ids<Uuid>,
) -> Result<Json<AgencyOut>, ApiError> {
    let agency = readable_agency(&state, &caller.principal, id).await?;
    Ok(Json(with_parent_code(&state, agency).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    Ids(id): Ids<Uuid>,
    body: JsonObject,
) -> Result<Json<AgencyOut>, ApiError> {
    let agency = writable_agency(&state, &caller.principal, id).await?;
    let draft = draft_of(&state, body).await?;
    // Only a national administrator may move an agency to another code or province, as on the pages.
    if !caller.principal.can_manage_platform()
        && (draft.code != agency.code || draft.province != agency.province)
    {
        return Err(ApiError::invalid(vec![Problem::general(Invalid::new(
            "เฉพาะผู้ดูแลระบบระดับประเทศเท่านั้นที่เปลี่ยนรหัสหรือจังหวัดของหน่วยงานได้",
            "only a national administrator may change an agency's code or province",
        ))]));
    }
    let updated = state.store.update_agency(&actor(&caller), id, &draft).await.map_err(WebError::from)?;
    Ok(Json(with_parent_code(&state, updated).await?))
}
