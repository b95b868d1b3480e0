//! Agencies: the searchable list, creating and editing one, its page across rounds, its result for a round
//! (scores, explanation, chart), entering that result, computing it from the round's own data (responses and
//! verdicts, `crate::round_result`), and downloading its analysis report.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ita_domain::Hundredths;
use ita_domain::platform::{AgencyCode, AgencyKind, AgencyScope, Invalid, parse_score};
use ita_domain::report::{self, ReportModel, ReportRequest};
use ita_domain::scoring::view::ResultView;
use ita_report::{Format, RenderOptions};
use ita_store::{
    Actor, Agency, AgencyDraft, AgencyListItem, AgencyQuery, ResultRecord, ResultSource, Round, StoreError,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{conflict_message, conflict_problem, render};
use crate::page::Page;
use crate::round_result::{
    AgencyResult, PlatformData, agency_result, combine, computed_draft, verdicts_visible_now,
};
use crate::scoring::{agency_info, draft_from_indicators, level_name, methodology_of, score_record};
use crate::{AppState, WebError};

pub const PAGE_SIZE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies", get(list).post(create))
        .route("/agencies/new", get(new_form))
        .route("/agencies/{id}", get(show).post(update))
        .route("/agencies/{id}/edit", get(edit_form))
        .route("/agencies/{id}/rounds/{round_id}", get(round_page))
        .route("/agencies/{id}/rounds/{round_id}/result", get(result_form).post(save_result))
        .route("/agencies/{id}/rounds/{round_id}/result/compute", post(compute_result))
        .route("/agencies/{id}/rounds/{round_id}/report/{format}", get(download_report))
}

pub fn actor(viewer: &Viewer) -> Actor {
    Actor { id: Some(viewer.user.id), name: viewer.user.display_name.clone() }
}

fn scope(agency: &Agency) -> AgencyScope<'_> {
    AgencyScope { id: agency.id, province: &agency.province }
}

/// The agency, if this viewer may read it; not found otherwise (so ids of others' agencies tell nothing).
pub async fn readable_agency(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<Agency, WebError> {
    let agency = state.store.agency(id).await?.ok_or(WebError::NotFound)?;
    if !viewer.principal.can_read_agency(scope(&agency)) {
        return Err(WebError::NotFound);
    }
    Ok(agency)
}

/// The agency, if this viewer may change it.
pub async fn writable_agency(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<Agency, WebError> {
    let agency = readable_agency(state, viewer, id).await?;
    if !viewer.principal.can_write_agency(scope(&agency)) {
        return Err(WebError::Forbidden);
    }
    Ok(agency)
}

// The list.

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    province: Option<String>,
    kind: Option<String>,
    round: Option<String>,
    page: Option<i64>,
}

struct ListRow {
    id: Uuid,
    code: String,
    name: String,
    kind: String,
    province: String,
    total: String,
    level: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "agencies/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<ListRow>,
    total: i64,
    search: String,
    provinces: Vec<Choice>,
    kinds: Vec<Choice>,
    rounds: Vec<Choice>,
    round_label: String,
    page_number: i64,
    page_count: i64,
    previous_link: Option<String>,
    next_link: Option<String>,
    can_create: bool,
}

fn non_empty(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|text| !text.is_empty()).map(str::to_string)
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let rounds = state.store.rounds().await?;
    let round = match non_empty(query.round.as_deref()) {
        Some(id) => rounds.iter().find(|round| round.id.to_string() == id),
        None => rounds.first(),
    };
    let kind = non_empty(query.kind.as_deref()).and_then(|kind| AgencyKind::parse(&kind).ok());
    let page_number = query.page.unwrap_or(1).max(1);
    let search = non_empty(query.q.as_deref());
    let province = non_empty(query.province.as_deref());
    let found = state
        .store
        .list_agencies(&AgencyQuery {
            search: search.clone(),
            province: province.clone(),
            kind,
            visible: viewer.principal.visibility(),
            round_id: round.map(|round| round.id),
            offset: (page_number - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        })
        .await?;
    let methodology = match round {
        Some(round) => Some(methodology_of(&state, round)?),
        None => None,
    };
    let lang = viewer.lang;
    let rows = found
        .items
        .iter()
        .map(|item: &AgencyListItem| ListRow {
            id: item.agency.id,
            code: item.agency.code.to_string(),
            name: item.agency.name_th.clone(),
            kind: lang.pick(item.agency.kind.thai(), item.agency.kind.english()).to_string(),
            province: item.agency.province.clone(),
            total: item.total.map(|total| total.to_string()).unwrap_or_else(|| "-".to_string()),
            level: match (&item.level_code, methodology) {
                (Some(code), Some(methodology)) => level_name(methodology, code, lang),
                _ => "-".to_string(),
            },
        })
        .collect();
    let page_count = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |number: i64| {
        let mut parts = vec![format!("page={number}")];
        for (key, value) in
            [("q", &search), ("province", &province), ("kind", &query.kind), ("round", &query.round)]
        {
            if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
                parts.push(format!("{key}={}", crate::page::url_encode(value)));
            }
        }
        format!("/agencies?{}", parts.join("&"))
    };
    let provinces = match &viewer.principal.visibility() {
        ita_domain::platform::Visibility::All => state.store.provinces().await?,
        ita_domain::platform::Visibility::Province(province) => vec![province.clone()],
        ita_domain::platform::Visibility::Agencies(_) => Vec::new(),
    };
    let page = ListPage {
        page: viewer.page(viewer.t("หน่วยงาน", "Agencies")),
        rows,
        total: found.total,
        search: search.clone().unwrap_or_default(),
        provinces: provinces
            .into_iter()
            .map(|name| Choice {
                selected: province.as_deref() == Some(&name),
                value: name.clone(),
                label: name,
            })
            .collect(),
        kinds: AgencyKind::ALL
            .into_iter()
            .map(|each| Choice {
                value: each.code().to_string(),
                label: lang.pick(each.thai(), each.english()).to_string(),
                selected: kind == Some(each),
            })
            .collect(),
        rounds: rounds
            .iter()
            .map(|each| Choice {
                value: each.id.to_string(),
                label: each.fiscal_year.to_string(),
                selected: round.is_some_and(|round| round.id == each.id),
            })
            .collect(),
        round_label: round.map(|round| round.fiscal_year.to_string()).unwrap_or_default(),
        page_number,
        page_count,
        previous_link: (page_number > 1).then(|| link(page_number - 1)),
        next_link: (page_number < page_count).then(|| link(page_number + 1)),
        can_create: viewer.principal.can_manage_platform(),
    };
    render(&page)
}

// Creating and editing.

#[derive(Debug, Default, Deserialize)]
pub struct AgencyForm {
    pub code: String,
    pub name_th: String,
    #[serde(default)]
    pub name_en: String,
    pub kind: String,
    pub province: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub parent_code: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub contact: String,
}

fn optional(text: &str) -> Option<String> {
    non_empty(Some(text))
}

impl AgencyForm {
    fn from_agency(agency: &Agency, parent_code: Option<String>) -> AgencyForm {
        AgencyForm {
            code: agency.code.to_string(),
            name_th: agency.name_th.clone(),
            name_en: agency.name_en.clone().unwrap_or_default(),
            kind: agency.kind.code().to_string(),
            province: agency.province.clone(),
            district: agency.district.clone().unwrap_or_default(),
            parent_code: parent_code.unwrap_or_default(),
            website: agency.website.clone().unwrap_or_default(),
            contact: agency.contact.clone().unwrap_or_default(),
        }
    }

    /// The draft, or every problem with the form (all of them at once, not the first only).
    pub async fn parse(&self, state: &AppState) -> Result<AgencyDraft, Vec<Invalid>> {
        let mut problems = Vec::new();
        let code = AgencyCode::parse(&self.code).map_err(|invalid| problems.push(invalid)).ok();
        let kind = AgencyKind::parse(&self.kind).map_err(|invalid| problems.push(invalid)).ok();
        if self.name_th.trim().is_empty() {
            problems.push(Invalid::new("ต้องระบุชื่อหน่วยงาน (ภาษาไทย)", "the agency's Thai name is required"));
        }
        if self.province.trim().is_empty() {
            problems.push(Invalid::new("ต้องระบุจังหวัด", "the province is required"));
        }
        let website = optional(&self.website);
        if let Some(website) = &website {
            if !(website.starts_with("https://") || website.starts_with("http://")) {
                problems.push(Invalid::new(
                    format!("เว็บไซต์ \"{website}\" ต้องขึ้นต้นด้วย https:// หรือ http://"),
                    format!("website \"{website}\" must start with https:// or http://"),
                ));
            }
        }
        let mut parent_id = None;
        if let Some(parent_code) = optional(&self.parent_code) {
            let parent = match AgencyCode::parse(&parent_code) {
                Ok(parsed) => state.store.agency_by_code(&parsed).await.ok().flatten(),
                Err(_) => None,
            };
            match parent {
                Some(parent) => parent_id = Some(parent.id),
                None => problems.push(Invalid::new(
                    format!("ไม่พบหน่วยงานต้นสังกัดรหัส {parent_code}"),
                    format!("no parent agency with code {parent_code}"),
                )),
            }
        }
        match (code, kind) {
            (Some(code), Some(kind)) if problems.is_empty() => Ok(AgencyDraft {
                code,
                name_th: self.name_th.trim().to_string(),
                name_en: optional(&self.name_en),
                kind,
                province: self.province.trim().to_string(),
                district: optional(&self.district),
                parent_id,
                website,
                contact: optional(&self.contact),
            }),
            _ => Err(problems),
        }
    }
}

#[derive(Template)]
#[template(path = "agencies/form.html")]
struct FormPage {
    page: Page,
    action: String,
    form: AgencyForm,
    kinds: Vec<Choice>,
    messages: Vec<String>,
}

fn form_page(
    viewer: &Viewer,
    title: &str,
    action: String,
    form: AgencyForm,
    problems: &[Invalid],
) -> FormPage {
    let kinds = AgencyKind::ALL
        .into_iter()
        .map(|kind| Choice {
            value: kind.code().to_string(),
            label: viewer.t(kind.thai(), kind.english()).to_string(),
            selected: form.kind == kind.code(),
        })
        .collect();
    FormPage {
        page: viewer.page(title),
        action,
        form,
        kinds,
        messages: problems.iter().map(|invalid| viewer.t(&invalid.th, &invalid.en).to_string()).collect(),
    }
}

async fn new_form(viewer: Viewer) -> Result<Html<String>, WebError> {
    if !viewer.principal.can_manage_platform() {
        return Err(WebError::Forbidden);
    }
    let title = viewer.t("เพิ่มหน่วยงาน", "New agency");
    render(&form_page(&viewer, title, "/agencies".into(), AgencyForm::default(), &[]))
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<AgencyForm>,
) -> Result<Response, WebError> {
    if !viewer.principal.can_manage_platform() {
        return Err(WebError::Forbidden);
    }
    let title = viewer.t("เพิ่มหน่วยงาน", "New agency");
    let problems = match form.parse(&state).await {
        Ok(draft) => match state.store.create_agency(&actor(&viewer), &draft).await {
            Ok(agency) => return Ok(Redirect::to(&format!("/agencies/{}", agency.id)).into_response()),
            Err(error) => vec![conflict_problem(error)?],
        },
        Err(problems) => problems,
    };
    let page = form_page(&viewer, title, "/agencies".into(), form, &problems);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, WebError> {
    let agency = writable_agency(&state, &viewer, id).await?;
    let parent_code = match agency.parent_id {
        Some(parent) => state.store.agency(parent).await?.map(|parent| parent.code.to_string()),
        None => None,
    };
    let title = viewer.t("แก้ไขข้อมูลหน่วยงาน", "Edit agency");
    let form = AgencyForm::from_agency(&agency, parent_code);
    render(&form_page(&viewer, title, format!("/agencies/{id}"), form, &[]))
}

async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<AgencyForm>,
) -> Result<Response, WebError> {
    let agency = writable_agency(&state, &viewer, id).await?;
    let title = viewer.t("แก้ไขข้อมูลหน่วยงาน", "Edit agency");
    let problems = match form.parse(&state).await {
        // Only a national administrator may move an agency to another code or province.
        Ok(draft)
            if !viewer.principal.can_manage_platform()
                && (draft.code != agency.code || draft.province != agency.province) =>
        {
            vec![Invalid::new(
                "เฉพาะผู้ดูแลระบบระดับประเทศเท่านั้นที่เปลี่ยนรหัสหรือจังหวัดของหน่วยงานได้",
                "only a national administrator may change an agency's code or province",
            )]
        }
        Ok(draft) => match state.store.update_agency(&actor(&viewer), id, &draft).await {
            Ok(_) => return Ok(Redirect::to(&format!("/agencies/{id}")).into_response()),
            Err(error) => vec![conflict_problem(error)?],
        },
        Err(problems) => problems,
    };
    let page = form_page(&viewer, title, format!("/agencies/{id}"), form, &problems);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

// An agency's page.

struct HistoryRow {
    round_id: Uuid,
    year: String,
    total: String,
    level: String,
    source: String,
    has_result: bool,
}

#[derive(Template)]
#[template(path = "agencies/show.html")]
struct ShowPage {
    page: Page,
    agency: Agency,
    kind: String,
    parent: Option<Agency>,
    history: Vec<HistoryRow>,
    can_write: bool,
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, WebError> {
    let agency = readable_agency(&state, &viewer, id).await?;
    let parent = match agency.parent_id {
        Some(parent) => state.store.agency(parent).await?,
        None => None,
    };
    let results: BTreeMap<Uuid, ResultRecord> = state
        .store
        .results_of_agency(id)
        .await?
        .into_iter()
        .map(|(round, record)| (round.id, record))
        .collect();
    let mut history = Vec::new();
    for round in state.store.rounds().await? {
        let methodology = methodology_of(&state, &round)?;
        let record = results.get(&round.id);
        history.push(HistoryRow {
            round_id: round.id,
            year: round.fiscal_year.to_string(),
            total: record.map(|record| record.total.to_string()).unwrap_or_else(|| "-".into()),
            level: record
                .and_then(|record| record.level_code.as_deref())
                .map(|code| level_name(methodology, code, viewer.lang))
                .unwrap_or_else(|| "-".into()),
            source: match record.map(|record| record.source) {
                Some(ResultSource::Official) => viewer.t("ผลทางการ (ITAS)", "official (ITAS)").into(),
                Some(ResultSource::Computed) => viewer.t("คำนวณในระบบ", "computed here").into(),
                None => String::new(),
            },
            has_result: record.is_some(),
        });
    }
    let page = ShowPage {
        page: viewer.page(agency.name_th.clone()),
        kind: viewer.t(agency.kind.thai(), agency.kind.english()).to_string(),
        can_write: viewer.principal.can_write_agency(scope(&agency)),
        agency,
        parent,
        history,
    };
    render(&page)
}

// An agency's result in a round.

async fn round_of(state: &AppState, round_id: Uuid) -> Result<Round, WebError> {
    state.store.round(round_id).await?.ok_or(WebError::NotFound)
}

/// The report model of an agency's result (from `crate::round_result`: with the weakest survey items and the
/// failed OIT items with the assessors' notes when they came from the round's own data), with last year's result
/// when there is one.
pub async fn report_model(
    state: &AppState,
    agency: &Agency,
    round: &Round,
    scored: &AgencyResult,
) -> Result<ReportModel, WebError> {
    let methodology = methodology_of(state, round)?;
    let result = &scored.result;
    let history = state.store.results_of_agency(agency.id).await?;
    let previous = history
        .iter()
        .find(|(other, _)| other.fiscal_year.get() + 1 == round.fiscal_year.get())
        .map(|(other, record)| {
            methodology_of(state, other).and_then(|methodology| score_record(methodology, record))
        })
        .transpose()?;
    let info = agency_info(agency);
    let request = ReportRequest {
        methodology,
        result,
        previous: previous.as_ref(),
        agency: &info,
        measures_year: Some(round.fiscal_year.get() + 1),
        measures: Vec::new(),
        propose_measures: true,
        date: None,
        signer: None,
        library: &state.library,
        assessor_notes: scored.notes.clone(),
    };
    report::build(&request).map_err(|error| WebError::Internal(anyhow::Error::new(error)))
}

struct ScoreRow {
    label: String,
    score: String,
    points_lost: String,
    below: bool,
}

#[derive(Template)]
#[template(path = "agencies/round.html")]
struct RoundPage {
    page: Page,
    agency: Agency,
    round: Round,
    methodology_title: String,
    view: Option<ResultView>,
    level: String,
    level_reason: String,
    rows: Vec<ScoreRow>,
    instruments: Vec<ScoreRow>,
    explanation: Vec<String>,
    next_levels: Vec<String>,
    chart_svg: String,
    can_write: bool,
    surveys: Option<crate::routes::surveys::SurveySummary>,
    oit: crate::routes::oit::OitSummary,
    /// Where the numbers shown come from.
    source: String,
    /// The "compute the result from this round's data" part, for those who may write the result.
    compute: Option<ComputeView>,
    /// Why the last press of the button was refused, or that it stored the result.
    messages: Vec<String>,
    computed: bool,
    /// The stored computed result's total and the one the round's data gives now, when they differ (verdicts or
    /// responses changed since it was computed): lists and dashboards show the stored one.
    stale: Option<(String, String)>,
}

/// The compute button and what it still lacks.
struct ComputeView {
    action: String,
    /// What keeps the result from being computed now (the button is then disabled).
    missing: Vec<String>,
    /// An official result is stored: nothing is computed over it.
    official: bool,
}

#[derive(Debug, Default, Deserialize)]
struct RoundQuery {
    computed: Option<String>,
}

async fn round_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<RoundQuery>,
) -> Result<Html<String>, WebError> {
    let page = build_round_page(&state, &viewer, id, round_id, Vec::new()).await?;
    render(&RoundPage { computed: query.computed.is_some(), ..page })
}

/// The agency's round page, with `messages` (why a compute was refused) on top.
async fn build_round_page(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    round_id: Uuid,
    messages: Vec<Invalid>,
) -> Result<RoundPage, WebError> {
    let agency = readable_agency(state, viewer, id).await?;
    let round = round_of(state, round_id).await?;
    let methodology = methodology_of(state, &round)?;
    let lang = viewer.lang;
    let record = state.store.result(id, round_id).await?;
    let can_write = viewer.principal.can_write_agency(scope(&agency));
    let official = record.as_ref().is_some_and(|record| record.source == ResultSource::Official);
    // The platform data is read once: for the result shown and for what the compute button still lacks.
    let data = if official {
        PlatformData::default()
    } else {
        PlatformData::read(state, methodology, id, &round, verdicts_visible_now(viewer, &round)).await?
    };
    let compute = can_write.then(|| ComputeView {
        action: format!("/agencies/{id}/rounds/{round_id}/result/compute"),
        missing: if official {
            Vec::new()
        } else {
            data.missing().iter().map(|invalid| lang.pick(&invalid.th, &invalid.en).to_string()).collect()
        },
        official,
    });
    let scored = combine(methodology, data, record.as_ref())?;
    let stale = match (&record, &scored) {
        (Some(record), Some(scored))
            if record.source == ResultSource::Computed && scored.from_record.is_empty() =>
        {
            let now = computed_draft(&scored.result);
            (now.indicators != record.indicators || now.total != record.total)
                .then(|| (record.total.to_string(), now.total.to_string()))
        }
        _ => None,
    };
    let surveys = crate::routes::surveys::round_summary(state, viewer, &agency, &round).await?;
    let oit = crate::routes::oit::round_summary(state, viewer, &agency, &round).await?;
    let mut page = RoundPage {
        page: viewer.page(format!("{} · {}", agency.name_th, round.fiscal_year)),
        methodology_title: lang.pick(&methodology.title_th, &methodology.title_en).to_string(),
        view: None,
        level: String::new(),
        level_reason: String::new(),
        rows: Vec::new(),
        instruments: Vec::new(),
        explanation: Vec::new(),
        next_levels: Vec::new(),
        chart_svg: String::new(),
        can_write,
        surveys,
        oit,
        source: scored.as_ref().map(|scored| scored.source_text(lang)).unwrap_or_default(),
        compute,
        messages: messages.iter().map(|invalid| lang.pick(&invalid.th, &invalid.en).to_string()).collect(),
        computed: false,
        stale,
        agency,
        round,
    };
    if let Some(scored) = scored {
        let view = ResultView::new(methodology, &scored.result, &agency_info(&page.agency));
        let pass_mark = view.pass_mark;
        page.level = match (&view.level, &view.possible_levels) {
            (Some(level), _) => level.clone(),
            (None, Some(levels)) => levels.join(" / "),
            (None, None) => "-".into(),
        };
        page.level_reason = lang.pick(&view.level_reason_th, &view.level_reason_en).to_string();
        // In the methodology's order (IIT, EIT, OIT), as ITAS shows them, not alphabetically.
        page.instruments = methodology
            .instruments
            .iter()
            .filter_map(|instrument| view.instruments.get_key_value(&instrument.code))
            .map(|(code, instrument)| ScoreRow {
                label: format!("{code} {}", lang.pick(&instrument.name_th, &instrument.name_en)),
                score: format!("{:.2}", instrument.score),
                points_lost: format!("{:.0}%", instrument.weight * 100.0),
                below: instrument.score < pass_mark,
            })
            .collect();
        let mut indicators: Vec<(u8, &ita_domain::scoring::view::IndicatorView)> = view
            .indicators
            .iter()
            .filter_map(|(number, indicator)| number.parse::<u8>().ok().map(|number| (number, indicator)))
            .collect();
        indicators.sort_by_key(|(number, _)| *number);
        page.rows = indicators
            .iter()
            .map(|(number, indicator)| ScoreRow {
                label: format!("{number}. {}", lang.pick(&indicator.name_th, &indicator.name_en)),
                score: format!("{:.2}", indicator.score),
                points_lost: format!("{:.2}", indicator.points_lost),
                below: indicator.score < pass_mark,
            })
            .collect();
        page.explanation = view
            .explanation
            .summary
            .iter()
            .chain(&view.explanation.indicators)
            .map(|line| lang.pick(&line.th, &line.en).to_string())
            .collect();
        page.next_levels = view
            .next_levels
            .iter()
            .map(|step| match lang {
                ita_domain::Lang::Th => {
                    format!("{}: คะแนนรวมต้องเพิ่มอีก {:.2} คะแนน", step.level, step.total_gap)
                }
                ita_domain::Lang::En => {
                    format!("{}: the total needs {:.2} more points", step.level, step.total_gap)
                }
            })
            .collect();
        let model = report_model(state, &page.agency, &page.round, &scored).await?;
        page.chart_svg = ita_report::indicator_chart_svg(&model, RenderOptions { lang, thai_digits: false });
        page.view = Some(view);
    }
    Ok(page)
}

// Computing the result from the round's own data.

/// Computes the agency's result from the round's responses and final verdicts and stores it as a `Computed`
/// result (audited by the store); refused, with what is missing, while a survey instrument has fewer than
/// `MIN_GROUP` respondents or an OIT item is unjudged (or its verdicts are not shown to this viewer yet), and
/// refused over an official result.
async fn compute_result(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, WebError> {
    let agency = writable_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    let methodology = methodology_of(&state, &round)?;
    let record = state.store.result(id, round_id).await?;
    let refuse = |status: StatusCode, problems: Vec<Invalid>| {
        let state = state.clone();
        let viewer = &viewer;
        async move {
            let page = build_round_page(&state, viewer, id, round_id, problems).await?;
            Ok::<Response, WebError>((status, render(&page)?).into_response())
        }
    };
    let over_official = || vec![conflict_message("official_result", &round_id.to_string())];
    if record.as_ref().is_some_and(|record| record.source == ResultSource::Official) {
        return refuse(StatusCode::CONFLICT, over_official()).await;
    }
    let data =
        PlatformData::read(&state, methodology, agency.id, &round, verdicts_visible_now(&viewer, &round))
            .await?;
    let missing = data.missing();
    if !missing.is_empty() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, missing).await;
    }
    // With nothing missing, every indicator comes from the data: the stored computed record is not needed.
    let scored = combine(methodology, data, None)?
        .ok_or_else(|| anyhow::anyhow!("complete platform data did not give every indicator"))?;
    // An official result stored since the check above still wins: the store refuses to replace it.
    match state.store.put_result(&actor(&viewer), id, round_id, &computed_draft(&scored.result)).await {
        Ok(_) => Ok(Redirect::to(&format!("/agencies/{id}/rounds/{round_id}?computed=1")).into_response()),
        Err(StoreError::Conflict { field: "official_result", .. }) => {
            refuse(StatusCode::CONFLICT, over_official()).await
        }
        Err(other) => Err(other.into()),
    }
}

// Entering a result.

struct IndicatorField {
    number: u8,
    name: String,
    value: String,
}

#[derive(Template)]
#[template(path = "agencies/result_form.html")]
struct ResultFormPage {
    page: Page,
    agency: Agency,
    round: Round,
    fields: Vec<IndicatorField>,
    messages: Vec<String>,
}

fn result_fields(
    methodology: &ita_domain::methodology::Methodology,
    lang: ita_domain::Lang,
    values: &BTreeMap<String, String>,
) -> Vec<IndicatorField> {
    methodology
        .indicators
        .iter()
        .map(|indicator| IndicatorField {
            number: indicator.number,
            name: lang.pick(&indicator.name_th, &indicator.name_en).to_string(),
            value: values.get(&format!("indicator_{}", indicator.number)).cloned().unwrap_or_default(),
        })
        .collect()
}

async fn result_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
) -> Result<Html<String>, WebError> {
    let agency = writable_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    let methodology = methodology_of(&state, &round)?;
    let values: BTreeMap<String, String> = match state.store.result(id, round_id).await? {
        Some(record) => record
            .indicators
            .iter()
            .map(|(number, score)| (format!("indicator_{number}"), score.to_string()))
            .collect(),
        None => BTreeMap::new(),
    };
    let page = ResultFormPage {
        page: viewer.page(viewer.t("บันทึกผลคะแนน", "Enter the result")),
        fields: result_fields(methodology, viewer.lang, &values),
        agency,
        round,
        messages: Vec::new(),
    };
    render(&page)
}

async fn save_result(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Form(values): Form<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let agency = writable_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    let methodology = methodology_of(&state, &round)?;
    let mut problems = Vec::new();
    let mut indicators: BTreeMap<u8, Hundredths> = BTreeMap::new();
    for indicator in &methodology.indicators {
        let text = values.get(&format!("indicator_{}", indicator.number)).map(String::as_str).unwrap_or("");
        let label = format!("{} {}", viewer.t("ตัวชี้วัดที่", "indicator"), indicator.number);
        if text.trim().is_empty() {
            problems
                .push(Invalid::new(format!("{label}: ยังไม่ได้กรอกคะแนน"), format!("{label}: no score given")));
            continue;
        }
        match parse_score(&label, text) {
            Ok(score) => {
                indicators.insert(indicator.number, score);
            }
            Err(invalid) => problems.push(invalid),
        }
    }
    if problems.is_empty() {
        match draft_from_indicators(methodology, indicators, ResultSource::Official) {
            Ok(draft) => {
                state.store.put_result(&actor(&viewer), id, round_id, &draft).await?;
                return Ok(Redirect::to(&format!("/agencies/{id}/rounds/{round_id}")).into_response());
            }
            Err(invalid) => problems.push(invalid),
        }
    }
    let page = ResultFormPage {
        page: viewer.page(viewer.t("บันทึกผลคะแนน", "Enter the result")),
        fields: result_fields(methodology, viewer.lang, &values),
        agency,
        round,
        messages: problems.iter().map(|invalid| viewer.t(&invalid.th, &invalid.en).to_string()).collect(),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

// The report.

async fn download_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id, format)): Path<(Uuid, Uuid, String)>,
) -> Result<Response, WebError> {
    let agency = readable_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    let format = match format.as_str() {
        "docx" => Format::Docx,
        "pdf" => Format::Pdf,
        "html" => Format::Html,
        "md" => Format::Markdown,
        _ => return Err(WebError::NotFound),
    };
    let record = state.store.result(id, round_id).await?;
    // Without a stored result, the report needs the round's own data complete.
    let scored =
        agency_result(&state, &viewer, id, &round, record.as_ref()).await?.ok_or(WebError::NotFound)?;
    let model = report_model(&state, &agency, &round, &scored).await?;
    let options = RenderOptions { lang: viewer.lang, thai_digits: false };
    let fonts = state.fonts.clone();
    // PDF layout takes a while: off the async threads.
    let bytes = tokio::task::spawn_blocking(move || ita_report::render(&model, format, options, &fonts))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(anyhow::Error::new)?;
    let content_type = match format {
        Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Format::Pdf => "application/pdf",
        Format::Html => "text/html; charset=utf-8",
        Format::Markdown => "text/markdown; charset=utf-8",
    };
    let file_name = format!("ita-{}-{}.{}", agency.code, round.fiscal_year, format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response())
}
