//! The staff side of the IIT and EIT surveys: an agency's survey page in a round (links, the IIT access code,
//! posters, sample targets, progress against the minimum, live scores), its exports, the national and provincial
//! list of agencies still short of their sample, the national export, and computing every agency's scores.
//!
//! No page shows a figure over fewer than [`MIN_GROUP`] respondents: scores of a smaller group are withheld, and a
//! count of 1 to 4 reads "fewer than 5" (with the shortfall as "at least").

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ita_domain::Lang;
use ita_domain::methodology::{InstrumentKind, Methodology};
use ita_domain::platform::{Invalid, Role, Visibility};
use ita_domain::questionnaire::{
    MIN_GROUP, Questionnaire, SampleProgress, SurveyScores, suppressed, survey_scores,
};
use ita_domain::scoring::ResponseSet;
use ita_store::{Agency, ResponseQuery, Round, RoundWindows, SurveyOverviewRow};
use rand::Rng as _;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::render;
use crate::page::{Page, iso_date, url_encode};
use crate::routes::agencies::{actor, readable_agency};
use crate::scoring::methodology_of;
use crate::survey_export::{ExportLayout, Groups, csv_body, file_body, xlsx_file};
use crate::{AppState, WebError};

pub const PAGE_SIZE: usize = 50;

/// The letters of an access code: no 0/O or 1/I/L to misread off a poster.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LENGTH: usize = 8;
/// The largest population a form takes (more is a typing slip).
const MAX_POPULATION: u32 = 10_000_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{id}/rounds/{round_id}/surveys", get(agency_page))
        .route("/agencies/{id}/rounds/{round_id}/surveys/targets", post(save_targets))
        .route("/agencies/{id}/rounds/{round_id}/surveys/code", post(new_code))
        .route("/agencies/{id}/rounds/{round_id}/surveys/poster-iit.pdf", get(poster_iit))
        .route("/agencies/{id}/rounds/{round_id}/surveys/poster-eit.pdf", get(poster_eit))
        .route("/agencies/{id}/rounds/{round_id}/surveys/responses.csv", get(agency_csv))
        .route("/agencies/{id}/rounds/{round_id}/surveys/responses.xlsx", get(agency_xlsx))
        .route("/rounds/{id}/surveys", get(round_list))
        .route("/rounds/{id}/surveys/responses.csv", get(round_csv))
        .route("/rounds/{id}/surveys/compute", post(compute))
}

/// A random IIT access code of [`CODE_LENGTH`] letters and digits from [`CODE_ALPHABET`].
pub fn new_access_code() -> String {
    let mut random = rand::rng();
    (0..CODE_LENGTH).map(|_| char::from(CODE_ALPHABET[random.random_range(0..CODE_ALPHABET.len())])).collect()
}

// Who may do what. Reading follows the agency rules (another agency's surveys are not found), except that an
// assessor has nothing to do with surveys; the IIT code is for the agency's own people and the national
// administrator; only an agency administrator and the national administrator change anything.

#[derive(Debug, Clone, Copy)]
struct Rights {
    see_code: bool,
    write: bool,
    export: bool,
}

async fn survey_agency(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<(Agency, Rights), WebError> {
    let agency = readable_agency(state, viewer, id).await?;
    let rights = match viewer.principal.role {
        Role::NationalAdmin => Rights { see_code: true, write: true, export: true },
        Role::ProvincialAnalyst => Rights { see_code: false, write: false, export: true },
        Role::AgencyAdmin => Rights { see_code: true, write: true, export: true },
        Role::AgencyEditor => Rights { see_code: true, write: false, export: false },
        Role::Assessor => return Err(WebError::Forbidden),
    };
    Ok((agency, rights))
}

async fn round_of(state: &AppState, round_id: Uuid) -> Result<Round, WebError> {
    state.store.round(round_id).await?.ok_or(WebError::NotFound)
}

/// The survey instruments of a year (IIT, EIT), as questionnaires.
fn questionnaires(methodology: &Methodology) -> Result<Vec<Questionnaire>, WebError> {
    methodology
        .instruments
        .iter()
        .filter(|instrument| instrument.kind == InstrumentKind::Survey)
        .map(|instrument| {
            Questionnaire::new(methodology, &instrument.code)
                .map_err(|error| anyhow::Error::new(error).into())
        })
        .collect()
}

fn questionnaire(methodology: &Methodology, instrument: &str) -> Result<Questionnaire, WebError> {
    questionnaires(methodology)?
        .into_iter()
        .find(|each| each.instrument() == instrument)
        .ok_or(WebError::NotFound)
}

// The answering window.

/// Where today (in Thailand) stands against a round's window.
pub use ita_domain::platform::WindowPhase as WindowState;

/// Today's date in Thailand (UTC+7), `YYYY-MM-DD`.
pub fn today() -> String {
    let days = (crate::auth::now() + 7 * 3600).div_euclid(86_400);
    let date = ita_domain::thai::CalendarDate::from_days_since_1970(days);
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// The window's state on `today` (ISO dates compare as text; both ends are inclusive).
pub fn window_state(windows: &RoundWindows, today: &str) -> WindowState {
    ita_domain::platform::window_phase(windows.survey_from.as_deref(), windows.survey_to.as_deref(), today)
}

fn window_text(lang: Lang, windows: &RoundWindows) -> String {
    match (&windows.survey_from, &windows.survey_to) {
        (Some(from), Some(to)) => format!("{} – {}", iso_date(lang, from), iso_date(lang, to)),
        _ => lang.pick("ยังไม่ได้กำหนด", "not set yet").to_string(),
    }
}

fn window_status(lang: Lang, state: WindowState) -> &'static str {
    match state {
        WindowState::Unset => lang.pick(
            "ยังไม่ได้กำหนดช่วงเปิดตอบ ผู้ดูแลระบบระดับประเทศกำหนดได้ที่หน้ารอบการประเมิน",
            "the answering period is not set: the national administrator sets it on the round's page",
        ),
        WindowState::Before => lang.pick("ยังไม่เปิดให้ตอบ", "not open yet"),
        WindowState::Open => lang.pick("เปิดให้ตอบอยู่", "open for answers"),
        WindowState::Closed => lang.pick("ปิดการตอบแล้ว", "closed"),
    }
}

// Counts as a page may show them.

/// A number of respondents as shown: 1 to 4 read "fewer than 5".
fn count_text(lang: Lang, count: i64) -> String {
    if suppressed(usize::try_from(count).unwrap_or(0)) {
        match lang {
            Lang::Th => format!("น้อยกว่า {MIN_GROUP}"),
            Lang::En => format!("fewer than {MIN_GROUP}"),
        }
    } else {
        count.to_string()
    }
}

/// Progress towards the minimum, as shown.
struct ProgressView {
    population: String,
    minimum: String,
    responses: String,
    /// The bar's percentage; none while the minimum is unknown or the count is withheld.
    percent: Option<u32>,
    status: String,
    reached: bool,
}

fn progress_view(lang: Lang, progress: &SampleProgress, population_word: (&str, &str)) -> ProgressView {
    let withheld = suppressed(usize::try_from(progress.responses).unwrap_or(0));
    let status = match (progress.population, progress.minimum, progress.short_by()) {
        (None, _, _) => match lang {
            Lang::Th => format!("ยังไม่ได้ระบุ{} จึงยังคำนวณจำนวนขั้นต่ำไม่ได้", population_word.0),
            Lang::En => format!("the {} is not declared yet, so the minimum is not known", population_word.1),
        },
        (Some(_), None, _) | (Some(_), Some(_), None) => {
            lang.pick("ปีนี้ไม่มีเกณฑ์จำนวนขั้นต่ำ", "this year has no minimum sample rule").to_string()
        }
        (Some(_), Some(_), Some(0)) => lang.pick("ครบตามจำนวนขั้นต่ำแล้ว", "the minimum is reached").to_string(),
        (Some(_), Some(minimum), Some(short)) if withheld => {
            // The shortfall would give the withheld count away: say the least it can be.
            let at_least = minimum.saturating_sub(MIN_GROUP as u32 - 1).clamp(1, short);
            match lang {
                Lang::Th => format!("ขาดอีกอย่างน้อย {at_least} คน"),
                Lang::En => format!("at least {at_least} more needed"),
            }
        }
        (Some(_), Some(_), Some(short)) => match lang {
            Lang::Th => format!("ขาดอีก {short} คน"),
            Lang::En => format!("{short} more needed"),
        },
    };
    ProgressView {
        population: progress.population.map(|value| value.to_string()).unwrap_or_else(|| "-".into()),
        minimum: progress.minimum.map(|value| value.to_string()).unwrap_or_else(|| "-".into()),
        responses: count_text(lang, progress.responses),
        percent: if withheld { None } else { progress.percent() },
        status,
        reached: progress.reached(),
    }
}

// Scores.

struct IndicatorRow {
    label: String,
    score: String,
}

struct ItemRow {
    code: String,
    text: String,
    score: String,
    answered: String,
}

/// One instrument's scores as shown, or why they are not.
struct ScoresView {
    /// "คะแนนชั่วคราว (ระหว่างเปิดตอบ)" or "คะแนนเมื่อปิดการตอบ".
    label: String,
    respondents: String,
    /// Why no score is shown (no response yet, or too few to show).
    withheld: Option<String>,
    indicators: Vec<IndicatorRow>,
    items: Vec<ItemRow>,
}

fn scores_view(
    lang: Lang,
    methodology: &Methodology,
    window: WindowState,
    respondents: i64,
    scores: Option<&SurveyScores>,
) -> ScoresView {
    let label = match window {
        WindowState::Closed => lang.pick("คะแนนเมื่อปิดการตอบ", "Scores at the close of answering"),
        _ => lang.pick("คะแนนชั่วคราว (ระหว่างเปิดตอบ)", "Provisional scores (answering still open)"),
    }
    .to_string();
    let mut view = ScoresView {
        label,
        respondents: count_text(lang, respondents),
        withheld: None,
        indicators: Vec::new(),
        items: Vec::new(),
    };
    let scores = match scores {
        Some(scores) if scores.respondents >= MIN_GROUP => scores,
        _ if respondents == 0 => {
            view.withheld = Some(lang.pick("ยังไม่มีผู้ตอบ", "nobody has answered yet").to_string());
            return view;
        }
        _ => {
            view.withheld = Some(match lang {
                Lang::Th => format!(
                    "มีผู้ตอบน้อยกว่า {MIN_GROUP} คน จึงยังไม่แสดงคะแนน เพื่อไม่ให้ระบุได้ว่าผู้ใดตอบอย่างไร \
                     คะแนนจะแสดงเมื่อมีผู้ตอบตั้งแต่ {MIN_GROUP} คนขึ้นไป"
                ),
                Lang::En => format!(
                    "fewer than {MIN_GROUP} people have answered, so no score is shown (it could tell who answered \
                     what); scores appear from {MIN_GROUP} respondents"
                ),
            });
            return view;
        }
    };
    view.indicators = methodology
        .indicators
        .iter()
        .filter_map(|indicator| {
            scores.indicators.get(&indicator.number).map(|score| IndicatorRow {
                label: format!("{}. {}", indicator.number, lang.pick(&indicator.name_th, &indicator.name_en)),
                score: score.round_hundredths().to_string(),
            })
        })
        .collect();
    view.items = scores
        .items
        .iter()
        .map(|item| {
            let shown = item.answered >= MIN_GROUP;
            ItemRow {
                code: item.code.clone(),
                text: lang.pick(&item.text_th, &item.text_en).to_string(),
                score: match (&item.score, shown) {
                    (Some(score), true) => score.round_hundredths().to_string(),
                    _ => "-".to_string(),
                },
                answered: count_text(lang, item.answered as i64),
            }
        })
        .collect();
    view
}

/// Every instrument's scores from an agency's responses in a round (only instruments with enough respondents to
/// show are read).
async fn live_scores(
    state: &AppState,
    methodology: &Methodology,
    agency_id: Uuid,
    round_id: Uuid,
    counts: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, SurveyScores>, WebError> {
    let mut scores = BTreeMap::new();
    for (instrument, count) in counts {
        if *count < MIN_GROUP as i64 {
            continue;
        }
        let query = ResponseQuery {
            round_id,
            agency_id: Some(agency_id),
            province: None,
            instrument: Some(instrument.clone()),
        };
        let mut set = match ResponseSet::new(methodology, instrument) {
            Ok(set) => set,
            Err(_) => continue,
        };
        let mut groups = Groups::new(state.store.responses(query));
        while let Some(group) = groups.next_group().await? {
            for response in group.responses {
                if let Err(problem) = set.push_encoded(&response.answers, response.relation) {
                    tracing::warn!(?problem, "a stored response does not fit the questionnaire");
                }
            }
        }
        let computed = survey_scores(methodology, &set).map_err(anyhow::Error::new)?;
        scores.insert(instrument.clone(), computed);
    }
    Ok(scores)
}

// The agency's survey page.

/// What the targets form sends: the declared populations, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct TargetsForm {
    #[serde(default)]
    pub iit_population: String,
    #[serde(default)]
    pub eit_population: String,
}

/// What the population fields are called, Thai and English, per instrument.
fn population_words(instrument: &str) -> (&'static str, &'static str) {
    match instrument {
        "IIT" => ("จำนวนบุคลากรที่ปฏิบัติงานมาไม่น้อยกว่า 1 ปี", "number of staff with at least one year of service"),
        _ => ("จำนวนผู้รับบริการหรือผู้มาติดต่อโดยประมาณ", "estimated number of service users and contacts"),
    }
}

/// A declared population: blank is "not declared"; otherwise a whole number from 1 (Thai digits and thousands
/// separators are taken).
fn parse_population(instrument: &str, text: &str) -> Result<Option<u32>, Invalid> {
    let (label_th, label_en) = population_words(instrument);
    let label_en = format!("{instrument}: {label_en}");
    let label_th = format!("{instrument}: {label_th}");
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .map(|c| match c {
            '๐'..='๙' => char::from_digit(c as u32 - '๐' as u32, 10).unwrap_or(c),
            other => other,
        })
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    let shown = text.trim();
    let Ok(value) = cleaned.parse::<i64>() else {
        return Err(Invalid::new(
            format!("{label_th}: \"{shown}\" ไม่ใช่จำนวนเต็ม กรุณากรอกเป็นตัวเลข เช่น 120"),
            format!("{label_en}: \"{shown}\" is not a whole number: type digits such as 120"),
        ));
    };
    if value < 0 {
        return Err(Invalid::new(
            format!("{label_th}: จำนวนต้องไม่ติดลบ"),
            format!("{label_en}: the number cannot be negative"),
        ));
    }
    if value == 0 {
        return Err(Invalid::new(
            format!("{label_th}: ต้องมีอย่างน้อย 1 คน หากยังไม่ทราบให้เว้นว่างไว้"),
            format!("{label_en}: give at least 1, or leave it blank while it is not known"),
        ));
    }
    if value > i64::from(MAX_POPULATION) {
        return Err(Invalid::new(
            format!("{label_th}: จำนวน {value} มากเกินไป (ไม่เกิน {MAX_POPULATION})"),
            format!("{label_en}: {value} is too many (at most {MAX_POPULATION})"),
        ));
    }
    Ok(Some(u32::try_from(value).unwrap_or(MAX_POPULATION)))
}

/// One instrument on the agency's page.
struct InstrumentView {
    code: String,
    name: String,
    link: String,
    poster: Option<String>,
    population_label: String,
    progress: ProgressView,
    rule: String,
    scores: ScoresView,
    exports: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "surveys/agency.html")]
struct AgencyPage {
    page: Page,
    agency: Agency,
    round: Round,
    base: String,
    window: String,
    window_status: String,
    iit_code: Option<String>,
    rights_see_code: bool,
    can_write: bool,
    can_export: bool,
    form: TargetsForm,
    messages: Vec<String>,
    instruments: Vec<InstrumentView>,
}

async fn build_page(
    state: &AppState,
    viewer: &Viewer,
    agency: Agency,
    round: Round,
    rights: Rights,
    form: Option<TargetsForm>,
    problems: &[Invalid],
) -> Result<AgencyPage, WebError> {
    let lang = viewer.lang;
    let methodology = methodology_of(state, &round)?;
    let link = state.store.survey_link(agency.id, round.id).await?;
    let target = state.store.survey_target(agency.id, round.id).await?.unwrap_or_default();
    let counts = state.store.survey_counts(agency.id, round.id).await?;
    let window = window_state(&round.windows, &today());
    let scores = live_scores(state, methodology, agency.id, round.id, &counts).await?;
    let base = format!("/agencies/{}/rounds/{}/surveys", agency.id, round.id);
    let public = state.settings.public_url.trim_end_matches('/').to_string();
    let mut instruments = Vec::new();
    for questionnaire in questionnaires(methodology)? {
        let code = questionnaire.instrument().to_string();
        let population = if code == "IIT" { target.iit_population } else { target.eit_population };
        let responses = counts.get(&code).copied().unwrap_or(0);
        let rule = methodology.sample.get(&code);
        let progress = SampleProgress::new(rule, population, responses);
        let words = population_words(&code);
        let poster = match code.as_str() {
            "IIT" if rights.see_code && link.is_some() => Some(format!("{base}/poster-iit.pdf")),
            "IIT" => None,
            _ => Some(format!("{base}/poster-{}.pdf", code.to_lowercase())),
        };
        instruments.push(InstrumentView {
            name: questionnaire.name(lang).to_string(),
            link: format!("{public}/s/{}/{}/{}", agency.code, round.fiscal_year, code.to_lowercase()),
            poster,
            population_label: lang.pick(words.0, words.1).to_string(),
            progress: progress_view(lang, &progress, words),
            rule: rule.map(|rule| rule.describe(lang)).unwrap_or_else(|| "-".into()),
            scores: scores_view(lang, methodology, window, responses, scores.get(&code)),
            exports: if rights.export && responses >= MIN_GROUP as i64 {
                vec![
                    ("CSV".to_string(), format!("{base}/responses.csv?instrument={code}")),
                    ("XLSX".to_string(), format!("{base}/responses.xlsx?instrument={code}")),
                ]
            } else {
                Vec::new()
            },
            code,
        });
    }
    let form = form.unwrap_or_else(|| TargetsForm {
        iit_population: target.iit_population.map(|value| value.to_string()).unwrap_or_default(),
        eit_population: target.eit_population.map(|value| value.to_string()).unwrap_or_default(),
    });
    Ok(AgencyPage {
        page: viewer.page(format!(
            "{} · {} {}",
            agency.name_th,
            viewer.t("แบบวัด IIT/EIT", "IIT/EIT surveys"),
            round.fiscal_year
        )),
        base,
        window: window_text(lang, &round.windows),
        window_status: window_status(lang, window).to_string(),
        iit_code: if rights.see_code { link.map(|link| link.iit_code) } else { None },
        rights_see_code: rights.see_code,
        can_write: rights.write,
        can_export: rights.export,
        form,
        messages: problems.iter().map(|invalid| viewer.t(&invalid.th, &invalid.en).to_string()).collect(),
        instruments,
        agency,
        round,
    })
}

async fn agency_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
) -> Result<Html<String>, WebError> {
    let (agency, rights) = survey_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    render(&build_page(&state, &viewer, agency, round, rights, None, &[]).await?)
}

async fn save_targets(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<TargetsForm>,
) -> Result<Response, WebError> {
    let (agency, rights) = survey_agency(&state, &viewer, id).await?;
    if !rights.write {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, round_id).await?;
    let iit = parse_population("IIT", &form.iit_population);
    let eit = parse_population("EIT", &form.eit_population);
    match (iit, eit) {
        (Ok(iit), Ok(eit)) => {
            state.store.put_survey_target(&actor(&viewer), agency.id, round.id, iit, eit).await?;
            Ok(Redirect::to(&format!("/agencies/{id}/rounds/{round_id}/surveys#targets")).into_response())
        }
        (iit, eit) => {
            let problems: Vec<Invalid> = [iit.err(), eit.err()].into_iter().flatten().collect();
            let page = build_page(&state, &viewer, agency, round, rights, Some(form), &problems).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

async fn new_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, WebError> {
    let (agency, rights) = survey_agency(&state, &viewer, id).await?;
    if !rights.write {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, round_id).await?;
    state.store.put_survey_link(&actor(&viewer), agency.id, round.id, &new_access_code()).await?;
    Ok(Redirect::to(&format!("/agencies/{id}/rounds/{round_id}/surveys#iit")).into_response())
}

// Posters.

async fn poster(
    state: AppState,
    viewer: Viewer,
    id: Uuid,
    round_id: Uuid,
    instrument: &str,
) -> Result<Response, WebError> {
    let (agency, rights) = survey_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    let methodology = methodology_of(&state, &round)?;
    let questionnaire = questionnaire(methodology, instrument)?;
    let access_code = if instrument == "IIT" {
        if !rights.see_code {
            return Err(WebError::Forbidden);
        }
        let link = state.store.survey_link(agency.id, round.id).await?;
        let Some(link) = link else {
            return Err(WebError::Conflict(Invalid::new(
                "ยังไม่ได้สร้างรหัสเข้าตอบแบบวัด IIT กรุณาให้ผู้ดูแลหน่วยงานกด \"สร้างรหัสเข้าตอบ\" ก่อน แล้วจึงพิมพ์โปสเตอร์",
                "there is no IIT access code yet: the agency administrator creates one first, then the poster can be printed",
            )));
        };
        Some(link.iit_code)
    } else {
        None
    };
    let lang = viewer.lang;
    let slug = instrument.to_lowercase();
    let public = state.settings.public_url.trim_end_matches('/').to_string();
    let windows = &round.windows;
    let poster = ita_report::Poster {
        lang,
        instrument: if instrument == "IIT" {
            ita_report::PosterInstrument::Iit
        } else {
            ita_report::PosterInstrument::Eit
        },
        title: questionnaire.name(lang).to_string(),
        agency_name: match lang {
            Lang::Th => agency.name_th.clone(),
            Lang::En => agency.name_en.clone().unwrap_or_else(|| agency.name_th.clone()),
        },
        url: format!("{public}/s/{}/{}/{slug}", agency.code, round.fiscal_year),
        access_code,
        window: windows
            .survey_from
            .as_deref()
            .zip(windows.survey_to.as_deref())
            .map(|(from, to)| (iso_date(lang, from), iso_date(lang, to))),
        fiscal_year: round.fiscal_year.get(),
    };
    let fonts = state.fonts.clone();
    let bytes = tokio::task::spawn_blocking(move || ita_report::poster_pdf(&fonts, &poster))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(anyhow::Error::new)?;
    let file_name = format!("poster-{slug}-{}-{}.pdf", agency.code, round.fiscal_year);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        bytes,
    )
        .into_response())
}

async fn poster_iit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, WebError> {
    poster(state, viewer, id, round_id, "IIT").await
}

async fn poster_eit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, WebError> {
    poster(state, viewer, id, round_id, "EIT").await
}

// Exports.

#[derive(Debug, Default, Deserialize)]
struct ExportQuery {
    instrument: Option<String>,
    province: Option<String>,
}

/// The instrument an export asks for, checked against the year.
fn export_layout(methodology: &Methodology, asked: Option<&str>) -> Result<ExportLayout, WebError> {
    let asked = asked.map(|text| text.trim().to_uppercase()).unwrap_or_default();
    questionnaires(methodology)?
        .iter()
        .find(|questionnaire| questionnaire.instrument() == asked)
        .map(ExportLayout::new)
        .ok_or_else(|| {
            WebError::Invalid(Invalid::new(
                "กรุณาระบุแบบวัดที่จะส่งออก: instrument=IIT หรือ instrument=EIT",
                "say which survey to export: instrument=IIT or instrument=EIT",
            ))
        })
}

/// An agency's export, after the checks both formats share: the layout and the agency's code.
async fn agency_export(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    round_id: Uuid,
    query: &ExportQuery,
) -> Result<(Agency, Round, ExportLayout, ResponseQuery), WebError> {
    let (agency, rights) = survey_agency(state, viewer, id).await?;
    if !rights.export {
        return Err(WebError::Forbidden);
    }
    let round = round_of(state, round_id).await?;
    let layout = export_layout(methodology_of(state, &round)?, query.instrument.as_deref())?;
    let counts = state.store.survey_counts(agency.id, round.id).await?;
    if counts.get(layout.instrument()).copied().unwrap_or(0) < MIN_GROUP as i64 {
        return Err(WebError::Conflict(Invalid::new(
            format!(
                "แบบวัด {} ของหน่วยงานนี้มีผู้ตอบน้อยกว่า {MIN_GROUP} คน จึงยังส่งออกคำตอบไม่ได้ เพื่อไม่ให้ระบุได้ว่าผู้ใดตอบอย่างไร",
                layout.instrument()
            ),
            format!(
                "fewer than {MIN_GROUP} people have answered this agency's {}, so there is nothing to export yet \
                 (so few answers could tell who answered what)",
                layout.instrument()
            ),
        )));
    }
    let response_query = ResponseQuery {
        round_id: round.id,
        agency_id: Some(agency.id),
        province: None,
        instrument: Some(layout.instrument().to_string()),
    };
    Ok((agency, round, layout, response_query))
}

fn attachment(content_type: &str, file_name: &str) -> [(header::HeaderName, String); 2] {
    [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
    ]
}

async fn agency_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let (agency, round, layout, response_query) =
        agency_export(&state, &viewer, id, round_id, &query).await?;
    let file_name = format!("responses-{}-{}-{}.csv", agency.code, round.fiscal_year, layout.instrument());
    let codes = HashMap::from([(agency.id, agency.code.to_string())]);
    let body = csv_body(state.store.as_ref(), response_query, layout, codes);
    Ok((attachment("text/csv; charset=utf-8", &file_name), body).into_response())
}

async fn agency_xlsx(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let (agency, round, layout, response_query) =
        agency_export(&state, &viewer, id, round_id, &query).await?;
    let file_name = format!("responses-{}-{}-{}.xlsx", agency.code, round.fiscal_year, layout.instrument());
    let codes = HashMap::from([(agency.id, agency.code.to_string())]);
    let (file, length) = xlsx_file(state.store.as_ref(), response_query, layout, codes).await?;
    let mut headers =
        attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &file_name).to_vec();
    headers.push((header::CONTENT_LENGTH, length.to_string()));
    let mut response = file_body(file).into_response();
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

// The national and provincial list.

/// The province a list or export covers: a provincial analyst's own, whatever was asked; a national
/// administrator's choice (all when none); nobody else has one.
fn covered_province(viewer: &Viewer, asked: Option<&str>) -> Result<Option<String>, WebError> {
    match viewer.principal.visibility() {
        Visibility::All if viewer.principal.is_national_admin() => {
            Ok(asked.map(str::trim).filter(|text| !text.is_empty()).map(str::to_string))
        }
        Visibility::Province(province) if viewer.principal.role == Role::ProvincialAnalyst => {
            Ok(Some(province))
        }
        _ => Err(WebError::Forbidden),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    province: Option<String>,
    show: Option<String>,
    page: Option<usize>,
    computed: Option<usize>,
    scored: Option<u64>,
}

struct ListRow {
    id: Uuid,
    code: String,
    name: String,
    province: String,
    iit: String,
    iit_status: String,
    iit_reached: bool,
    eit: String,
    eit_status: String,
    eit_reached: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "surveys/round.html")]
struct RoundListPage {
    page: Page,
    round: Round,
    window: String,
    window_status: String,
    total: usize,
    without_targets: usize,
    short_iit: usize,
    short_eit: usize,
    complete: usize,
    listed: usize,
    show_all: bool,
    provinces: Vec<Choice>,
    province: String,
    rows: Vec<ListRow>,
    page_number: usize,
    page_count: usize,
    previous_link: Option<String>,
    next_link: Option<String>,
    exports: Vec<(String, String)>,
    can_compute: bool,
    computed: Option<String>,
}

/// An agency's progress on one instrument, for the list.
fn list_progress(
    lang: Lang,
    rule: Option<&ita_domain::methodology::SampleRule>,
    population: Option<u32>,
    responses: i64,
) -> (String, String, bool) {
    let progress = SampleProgress::new(rule, population, responses);
    let view = progress_view(lang, &progress, ("จำนวนประชากร", "population"));
    (format!("{} / {}", view.responses, view.minimum), view.status, view.reached)
}

async fn round_list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let province = covered_province(&viewer, query.province.as_deref())?;
    let round = round_of(&state, id).await?;
    let methodology = methodology_of(&state, &round)?;
    let lang = viewer.lang;
    let overview = state.store.survey_overview(round.id, province.as_deref()).await?;
    let iit_rule = methodology.sample.get("IIT");
    let eit_rule = methodology.sample.get("EIT");
    let progress_of = |row: &SurveyOverviewRow| {
        (
            SampleProgress::new(iit_rule, row.iit_population, row.iit_responses),
            SampleProgress::new(eit_rule, row.eit_population, row.eit_responses),
        )
    };
    let mut without_targets = 0;
    let mut short_iit = 0;
    let mut short_eit = 0;
    let mut complete = 0;
    let mut short_rows: Vec<&SurveyOverviewRow> = Vec::new();
    for row in &overview {
        let (iit, eit) = progress_of(row);
        let declared = row.iit_population.is_some() && row.eit_population.is_some();
        if !declared {
            without_targets += 1;
        }
        if row.iit_population.is_some() && !iit.reached() {
            short_iit += 1;
        }
        if row.eit_population.is_some() && !eit.reached() {
            short_eit += 1;
        }
        if iit.reached() && eit.reached() {
            complete += 1;
        } else {
            short_rows.push(row);
        }
    }
    let show_all = query.show.as_deref() == Some("all");
    let listed: Vec<&SurveyOverviewRow> = if show_all { overview.iter().collect() } else { short_rows };
    let page_count = listed.len().div_ceil(PAGE_SIZE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, page_count);
    let rows = listed
        .iter()
        .skip((page_number - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|row| {
            let (iit, iit_status, iit_reached) =
                list_progress(lang, iit_rule, row.iit_population, row.iit_responses);
            let (eit, eit_status, eit_reached) =
                list_progress(lang, eit_rule, row.eit_population, row.eit_responses);
            ListRow {
                id: row.agency_id,
                code: row.code.to_string(),
                name: row.name_th.clone(),
                province: row.province.clone(),
                iit,
                iit_status,
                iit_reached,
                eit,
                eit_status,
                eit_reached,
            }
        })
        .collect();
    let link = |number: usize| {
        let mut parts = vec![format!("page={number}")];
        if let Some(province) = province.as_deref().filter(|_| viewer.principal.is_national_admin()) {
            parts.push(format!("province={}", url_encode(province)));
        }
        if show_all {
            parts.push("show=all".into());
        }
        format!("/rounds/{}/surveys?{}", round.id, parts.join("&"))
    };
    let provinces = if viewer.principal.is_national_admin() {
        state
            .store
            .provinces()
            .await?
            .into_iter()
            .map(|name| Choice {
                selected: province.as_deref() == Some(&name),
                value: name.clone(),
                label: name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let province_part = match province.as_deref().filter(|_| viewer.principal.is_national_admin()) {
        Some(province) => format!("&province={}", url_encode(province)),
        None => String::new(),
    };
    let exports = questionnaires(methodology)?
        .iter()
        .map(|questionnaire| {
            let code = questionnaire.instrument();
            (
                format!("CSV {code}"),
                format!("/rounds/{}/surveys/responses.csv?instrument={code}{province_part}", round.id),
            )
        })
        .collect();
    let window = window_state(&round.windows, &today());
    let computed = query.computed.map(|agencies| match lang {
        Lang::Th => {
            format!("คำนวณและบันทึกคะแนนแบบวัดแล้ว {agencies} หน่วยงาน จากคำตอบ {} ชุด", query.scored.unwrap_or(0))
        }
        Lang::En => format!(
            "survey scores computed and kept for {agencies} agencies from {} responses",
            query.scored.unwrap_or(0)
        ),
    });
    let page = RoundListPage {
        page: viewer.page(format!(
            "{} {}",
            viewer.t("ความคืบหน้าแบบวัด IIT/EIT ปีงบประมาณ", "IIT/EIT progress, fiscal year"),
            round.fiscal_year
        )),
        window: window_text(lang, &round.windows),
        window_status: window_status(lang, window).to_string(),
        total: overview.len(),
        without_targets,
        short_iit,
        short_eit,
        complete,
        listed: listed.len(),
        show_all,
        provinces,
        province: province.clone().unwrap_or_default(),
        rows,
        page_number,
        page_count,
        previous_link: (page_number > 1).then(|| link(page_number - 1)),
        next_link: (page_number < page_count).then(|| link(page_number + 1)),
        exports,
        can_compute: viewer.principal.is_national_admin(),
        computed,
        round,
    };
    render(&page)
}

async fn round_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let province = covered_province(&viewer, query.province.as_deref())?;
    let round = round_of(&state, id).await?;
    let layout = export_layout(methodology_of(&state, &round)?, query.instrument.as_deref())?;
    // The agencies the export covers, by id: a response carries only its agency's id.
    let codes: HashMap<Uuid, String> = state
        .store
        .survey_overview(round.id, province.as_deref())
        .await?
        .into_iter()
        .map(|row| (row.agency_id, row.code.to_string()))
        .collect();
    let response_query = ResponseQuery {
        round_id: round.id,
        agency_id: None,
        province,
        instrument: Some(layout.instrument().to_string()),
    };
    let file_name = format!("responses-{}-{}.csv", round.fiscal_year, layout.instrument());
    let body = csv_body(state.store.as_ref(), response_query, layout, codes);
    Ok((attachment("text/csv; charset=utf-8", &file_name), body).into_response())
}

async fn compute(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    if !viewer.principal.is_national_admin() {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, id).await?;
    let summary = crate::survey_compute::compute_round_survey_scores(
        state.store.as_ref(),
        &state.catalog,
        &actor(&viewer),
        &round,
    )
    .await?;
    tracing::info!(
        round = %round.id,
        agencies = summary.agencies,
        responses = summary.responses,
        unreadable = summary.unreadable,
        by = %viewer.user.username,
        "survey scores computed"
    );
    Ok(Redirect::to(&format!(
        "/rounds/{}/surveys?computed={}&scored={}",
        round.id, summary.agencies, summary.responses
    ))
    .into_response())
}

// The section on the agency's round page.

/// One instrument's line in the section.
pub struct SummaryRow {
    pub name: String,
    pub responses: String,
    pub minimum: String,
    pub percent: Option<u32>,
    pub status: String,
}

/// The IIT/EIT section of an agency's round page: progress, and the link to the survey page.
pub struct SurveySummary {
    pub link: String,
    pub window: String,
    pub rows: Vec<SummaryRow>,
}

/// The section for this viewer, or `None` when the viewer has no part in surveys (an assessor).
pub async fn round_summary(
    state: &AppState,
    viewer: &Viewer,
    agency: &Agency,
    round: &Round,
) -> Result<Option<SurveySummary>, WebError> {
    if viewer.principal.role == Role::Assessor {
        return Ok(None);
    }
    let lang = viewer.lang;
    let methodology = methodology_of(state, round)?;
    let target = state.store.survey_target(agency.id, round.id).await?.unwrap_or_default();
    let counts = state.store.survey_counts(agency.id, round.id).await?;
    let rows = questionnaires(methodology)?
        .iter()
        .map(|questionnaire| {
            let code = questionnaire.instrument();
            let population = if code == "IIT" { target.iit_population } else { target.eit_population };
            let progress = SampleProgress::new(
                methodology.sample.get(code),
                population,
                counts.get(code).copied().unwrap_or(0),
            );
            let view = progress_view(lang, &progress, population_words(code));
            SummaryRow {
                name: format!("{code} {}", questionnaire.name(lang)),
                responses: view.responses,
                minimum: view.minimum,
                percent: view.percent,
                status: view.status,
            }
        })
        .collect();
    Ok(Some(SurveySummary {
        link: format!("/agencies/{}/rounds/{}/surveys", agency.id, round.id),
        window: format!(
            "{} ({})",
            window_text(lang, &round.windows),
            window_status(lang, window_state(&round.windows, &today()))
        ),
        rows,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_eight_unambiguous_characters() {
        for _ in 0..200 {
            let code = new_access_code();
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|byte| CODE_ALPHABET.contains(&byte)), "{code}");
            assert!(!code.contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        assert_ne!(new_access_code(), new_access_code());
    }

    #[test]
    fn populations_take_thai_digits_and_refuse_what_is_not_a_count() {
        assert_eq!(parse_population("IIT", " 1,250 "), Ok(Some(1250)));
        assert_eq!(parse_population("IIT", "๑๒๐"), Ok(Some(120)));
        assert_eq!(parse_population("EIT", ""), Ok(None));
        assert!(parse_population("IIT", "-3").unwrap_err().en.contains("negative"));
        assert!(parse_population("IIT", "abc").unwrap_err().th.contains("ไม่ใช่จำนวนเต็ม"));
        assert!(parse_population("IIT", "12.5").is_err());
        assert!(parse_population("IIT", "0").is_err());
        assert!(parse_population("IIT", "99999999999").is_err());
    }

    #[test]
    fn the_window_is_inclusive_at_both_ends() {
        let windows = RoundWindows {
            survey_from: Some("2025-03-01".into()),
            survey_to: Some("2025-03-31".into()),
            ..RoundWindows::default()
        };
        assert_eq!(window_state(&windows, "2025-02-28"), WindowState::Before);
        assert_eq!(window_state(&windows, "2025-03-01"), WindowState::Open);
        assert_eq!(window_state(&windows, "2025-03-31"), WindowState::Open);
        assert_eq!(window_state(&windows, "2025-04-01"), WindowState::Closed);
        assert_eq!(window_state(&RoundWindows::default(), "2025-04-01"), WindowState::Unset);
    }

    #[test]
    fn counts_of_one_to_four_are_not_shown() {
        assert_eq!(count_text(Lang::Th, 0), "0");
        assert_eq!(count_text(Lang::En, 3), "fewer than 5");
        assert_eq!(count_text(Lang::En, 5), "5");
        let progress = SampleProgress { population: Some(100), minimum: Some(30), responses: 3 };
        let view = progress_view(Lang::En, &progress, population_words("IIT"));
        assert_eq!(view.status, "at least 26 more needed");
        assert_eq!(view.percent, None);
    }
}
