//! Assessment rounds: the list everyone signed in sees, and creating and editing a round (its fiscal year,
//! methodology and windows), which only a national administrator may do.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ita_domain::Lang;
use ita_domain::methodology::MethodologyId;
use ita_domain::platform::{FiscalYear, Invalid};
use ita_store::{Round, RoundDraft, RoundWindows};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{conflict_problem, render};
use crate::page::{Page, iso_date};
use crate::routes::agencies::actor;
use crate::{AppState, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rounds", get(list).post(create))
        .route("/rounds/new", get(new_form))
        .route("/rounds/{id}", post(update))
        .route("/rounds/{id}/edit", get(edit_form))
}

fn require_admin(viewer: &Viewer) -> Result<(), WebError> {
    if viewer.principal.can_manage_platform() { Ok(()) } else { Err(WebError::Forbidden) }
}

/// The periods of a round in the order they happen, each with its Thai and English name and its form fields.
const WINDOWS: [(&str, &str, &str, &str); 4] = [
    ("ช่วงหน่วยงานตอบแบบ OIT", "OIT answering", "oit_answer_from", "oit_answer_to"),
    ("ช่วงเก็บข้อมูล IIT และ EIT", "IIT and EIT collection", "survey_from", "survey_to"),
    ("ช่วงผู้ประเมินตรวจ OIT", "OIT review", "oit_review_from", "oit_review_to"),
    ("ช่วงหน่วยงานชี้แจงผล", "Clarification", "clarification_from", "clarification_to"),
];

// The list.

struct RoundRow {
    id: Uuid,
    fiscal_year: String,
    methodology: String,
    windows: Vec<(String, String)>,
    results_on: String,
}

#[derive(Template)]
#[template(path = "rounds/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<RoundRow>,
    can_manage: bool,
    /// National administrators and provincial analysts follow survey progress across agencies.
    can_follow_surveys: bool,
}

/// A period as dates a person reads, or nothing when it is not set yet.
fn period(lang: Lang, from: &Option<String>, to: &Option<String>) -> String {
    match (from, to) {
        (Some(from), Some(to)) => format!("{} – {}", iso_date(lang, from), iso_date(lang, to)),
        (Some(day), None) | (None, Some(day)) => iso_date(lang, day),
        (None, None) => "-".to_string(),
    }
}

fn window_pairs(windows: &RoundWindows) -> [(&Option<String>, &Option<String>); 4] {
    [
        (&windows.oit_answer_from, &windows.oit_answer_to),
        (&windows.survey_from, &windows.survey_to),
        (&windows.oit_review_from, &windows.oit_review_to),
        (&windows.clarification_from, &windows.clarification_to),
    ]
}

fn methodology_label(state: &AppState, lang: Lang, year: u16, variant: &str) -> String {
    let id = MethodologyId { year, variant: variant.to_string() };
    match state.catalog.get(&id) {
        Ok(methodology) => format!("{id} · {}", methodology.title(lang)),
        Err(_) => id.to_string(),
    }
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    let lang = viewer.lang;
    let rows = state
        .store
        .rounds()
        .await?
        .iter()
        .map(|round: &Round| RoundRow {
            id: round.id,
            fiscal_year: round.fiscal_year.to_string(),
            methodology: methodology_label(&state, lang, round.methodology_year, &round.methodology_variant),
            windows: WINDOWS
                .iter()
                .zip(window_pairs(&round.windows))
                .map(|((th, en, _, _), (from, to))| (lang.pick(th, en).to_string(), period(lang, from, to)))
                .collect(),
            results_on: round
                .windows
                .results_on
                .as_deref()
                .map(|day| iso_date(lang, day))
                .unwrap_or("-".into()),
        })
        .collect();
    let page = ListPage {
        page: viewer.page(viewer.t("รอบการประเมิน", "Assessment rounds")),
        rows,
        can_manage: viewer.principal.can_manage_platform(),
        can_follow_surveys: viewer.principal.is_national_admin()
            || viewer.principal.role == ita_domain::platform::Role::ProvincialAnalyst,
    };
    render(&page)
}

// Creating and editing.

#[derive(Debug, Default, Deserialize)]
struct RoundForm {
    #[serde(default)]
    fiscal_year: String,
    #[serde(default)]
    methodology: String,
    #[serde(default)]
    oit_answer_from: String,
    #[serde(default)]
    oit_answer_to: String,
    #[serde(default)]
    survey_from: String,
    #[serde(default)]
    survey_to: String,
    #[serde(default)]
    oit_review_from: String,
    #[serde(default)]
    oit_review_to: String,
    #[serde(default)]
    clarification_from: String,
    #[serde(default)]
    clarification_to: String,
    #[serde(default)]
    results_on: String,
}

/// Whether a text is a real Gregorian date written `YYYY-MM-DD` (what `<input type="date">` sends).
fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(at, byte)| at == 4 || at == 7 || byte.is_ascii_digit());
    if !shape {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) =
        (text[0..4].parse::<u32>(), text[5..7].parse::<u32>(), text[8..10].parse::<u32>())
    else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&year) && (1..=days).contains(&day)
}

/// One date field: empty is "not set yet", anything else must be a real date.
fn date_field(th: &str, en: &str, text: &str, problems: &mut Vec<Invalid>) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if is_iso_date(text) {
        Some(text.to_string())
    } else {
        problems.push(Invalid::new(
            format!("{th}: \"{text}\" ไม่ใช่วันที่ที่ถูกต้อง (ปี ค.ศ.-เดือน-วัน เช่น 2025-01-31)"),
            format!("{en}: \"{text}\" is not a valid date (YYYY-MM-DD, e.g. 2025-01-31)"),
        ));
        None
    }
}

/// A period: both ends or neither, and the start not after the end.
fn period_fields(
    (th, en): (&str, &str),
    from: &str,
    to: &str,
    problems: &mut Vec<Invalid>,
) -> (Option<String>, Option<String>) {
    let from_text = from.trim();
    let to_text = to.trim();
    let from = date_field(&format!("{th} (วันเริ่ม)"), &format!("{en} (from)"), from_text, problems);
    let to = date_field(&format!("{th} (วันสิ้นสุด)"), &format!("{en} (to)"), to_text, problems);
    if from_text.is_empty() != to_text.is_empty() {
        problems.push(Invalid::new(
            format!("{th}: ต้องระบุทั้งวันเริ่มและวันสิ้นสุด หรือเว้นว่างทั้งคู่"),
            format!("{en}: give both the first and the last day, or neither"),
        ));
    }
    if let (Some(first), Some(last)) = (&from, &to) {
        // ISO dates compare correctly as text.
        if first > last {
            problems.push(Invalid::new(
                format!("{th}: วันเริ่ม ({first}) อยู่หลังวันสิ้นสุด ({last})"),
                format!("{en}: the first day ({first}) is after the last day ({last})"),
            ));
        }
    }
    (from, to)
}

impl RoundForm {
    fn from_round(round: &Round) -> RoundForm {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let windows = &round.windows;
        RoundForm {
            fiscal_year: round.fiscal_year.to_string(),
            methodology: MethodologyId {
                year: round.methodology_year,
                variant: round.methodology_variant.clone(),
            }
            .to_string(),
            oit_answer_from: text(&windows.oit_answer_from),
            oit_answer_to: text(&windows.oit_answer_to),
            survey_from: text(&windows.survey_from),
            survey_to: text(&windows.survey_to),
            oit_review_from: text(&windows.oit_review_from),
            oit_review_to: text(&windows.oit_review_to),
            clarification_from: text(&windows.clarification_from),
            clarification_to: text(&windows.clarification_to),
            results_on: text(&windows.results_on),
        }
    }

    fn field(&self, name: &str) -> &str {
        match name {
            "oit_answer_from" => &self.oit_answer_from,
            "oit_answer_to" => &self.oit_answer_to,
            "survey_from" => &self.survey_from,
            "survey_to" => &self.survey_to,
            "oit_review_from" => &self.oit_review_from,
            "oit_review_to" => &self.oit_review_to,
            "clarification_from" => &self.clarification_from,
            "clarification_to" => &self.clarification_to,
            "results_on" => &self.results_on,
            _ => "",
        }
    }

    /// The draft, or every problem with the form at once.
    fn parse(&self, state: &AppState) -> Result<RoundDraft, Vec<Invalid>> {
        let mut problems = Vec::new();
        let fiscal_year = FiscalYear::parse(&self.fiscal_year).map_err(|invalid| problems.push(invalid)).ok();
        let methodology = self
            .methodology
            .parse::<MethodologyId>()
            .ok()
            .and_then(|id| state.catalog.get(&id).ok().map(|_| id));
        if methodology.is_none() {
            let given = self.methodology.trim();
            problems.push(Invalid::new(
                format!("ไม่รู้จักวิธีการประเมิน \"{given}\" กรุณาเลือกจากรายการ"),
                format!("unknown methodology \"{given}\": choose one from the list"),
            ));
        }
        let [oit_answer, survey, oit_review, clarification] = WINDOWS.map(|(th, en, from, to)| {
            period_fields((th, en), self.field(from), self.field(to), &mut problems)
        });
        let results_on = date_field("วันประกาศผล", "Results date", &self.results_on, &mut problems);
        match (fiscal_year, methodology) {
            (Some(fiscal_year), Some(methodology)) if problems.is_empty() => Ok(RoundDraft {
                fiscal_year,
                methodology_year: methodology.year,
                methodology_variant: methodology.variant,
                windows: RoundWindows {
                    oit_answer_from: oit_answer.0,
                    oit_answer_to: oit_answer.1,
                    survey_from: survey.0,
                    survey_to: survey.1,
                    oit_review_from: oit_review.0,
                    oit_review_to: oit_review.1,
                    clarification_from: clarification.0,
                    clarification_to: clarification.1,
                    results_on,
                },
            }),
            _ => Err(problems),
        }
    }
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct WindowField {
    label: String,
    from_name: &'static str,
    from_value: String,
    to_name: &'static str,
    to_value: String,
}

#[derive(Template)]
#[template(path = "rounds/form.html")]
struct FormPage {
    page: Page,
    action: String,
    fiscal_year: String,
    methodologies: Vec<Choice>,
    windows: Vec<WindowField>,
    results_on: String,
    messages: Vec<String>,
}

fn form_page(
    state: &AppState,
    viewer: &Viewer,
    title: &str,
    action: String,
    form: &RoundForm,
    problems: &[Invalid],
) -> FormPage {
    let lang = viewer.lang;
    let methodologies = state
        .catalog
        .list()
        .iter()
        .rev()
        .map(|methodology| {
            let id = methodology.id().to_string();
            Choice {
                selected: form.methodology.trim() == id,
                label: format!("{id} · {}", methodology.title(lang)),
                value: id,
            }
        })
        .collect();
    FormPage {
        page: viewer.page(title),
        action,
        fiscal_year: form.fiscal_year.clone(),
        methodologies,
        windows: WINDOWS
            .iter()
            .map(|(th, en, from, to)| WindowField {
                label: lang.pick(th, en).to_string(),
                from_name: from,
                from_value: form.field(from).to_string(),
                to_name: to,
                to_value: form.field(to).to_string(),
            })
            .collect(),
        results_on: form.results_on.clone(),
        messages: problems.iter().map(|invalid| viewer.t(&invalid.th, &invalid.en).to_string()).collect(),
    }
}

async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, WebError> {
    require_admin(&viewer)?;
    // A new round defaults to the newest NACC methodology and the year after the newest round.
    let rounds = state.store.rounds().await?;
    let form = RoundForm {
        fiscal_year: rounds
            .first()
            .map(|round| (round.fiscal_year.get() + 1).to_string())
            .unwrap_or_default(),
        methodology: state
            .catalog
            .newest()
            .map(|methodology| methodology.id().to_string())
            .unwrap_or_default(),
        ..RoundForm::default()
    };
    let title = viewer.t("เพิ่มรอบการประเมิน", "New assessment round");
    render(&form_page(&state, &viewer, title, "/rounds".into(), &form, &[]))
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<RoundForm>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    let problems = match form.parse(&state) {
        Ok(draft) => match state.store.create_round(&actor(&viewer), &draft).await {
            Ok(_) => return Ok(Redirect::to("/rounds").into_response()),
            Err(error) => vec![conflict_problem(error)?],
        },
        Err(problems) => problems,
    };
    let title = viewer.t("เพิ่มรอบการประเมิน", "New assessment round");
    let page = form_page(&state, &viewer, title, "/rounds".into(), &form, &problems);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, WebError> {
    require_admin(&viewer)?;
    let round = state.store.round(id).await?.ok_or(WebError::NotFound)?;
    let title = viewer.t("แก้ไขรอบการประเมิน", "Edit assessment round");
    render(&form_page(&state, &viewer, title, format!("/rounds/{id}"), &RoundForm::from_round(&round), &[]))
}

async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    Form(form): Form<RoundForm>,
) -> Result<Response, WebError> {
    require_admin(&viewer)?;
    state.store.round(id).await?.ok_or(WebError::NotFound)?;
    let problems = match form.parse(&state) {
        Ok(draft) => match state.store.update_round(&actor(&viewer), id, &draft).await {
            Ok(_) => return Ok(Redirect::to("/rounds").into_response()),
            Err(error) => vec![conflict_problem(error)?],
        },
        Err(problems) => problems,
    };
    let title = viewer.t("แก้ไขรอบการประเมิน", "Edit assessment round");
    let page = form_page(&state, &viewer, title, format!("/rounds/{id}"), &form, &problems);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_dates_in_iso_form_are_dates() {
        assert!(is_iso_date("2024-02-29"));
        assert!(!is_iso_date("2023-02-29"), "2023 is not a leap year");
        assert!(!is_iso_date("2025-13-01"));
        assert!(!is_iso_date("2025-04-31"));
        assert!(!is_iso_date("31/01/2025"));
        assert!(!is_iso_date("2025-1-31"));
        assert!(!is_iso_date("2568-01-31"), "a Buddhist-era year typed by mistake");
    }

    #[test]
    fn a_period_needs_both_ends_in_order() {
        let mut problems = Vec::new();
        period_fields(("ช่วง", "Period"), "2025-03-01", "2025-02-01", &mut problems);
        assert!(problems[0].en.contains("after the last day"), "{problems:?}");
        problems.clear();
        period_fields(("ช่วง", "Period"), "2025-03-01", "", &mut problems);
        assert!(problems[0].en.contains("both"), "{problems:?}");
        problems.clear();
        assert_eq!(period_fields(("ช่วง", "Period"), "", "", &mut problems), (None, None));
        assert!(problems.is_empty());
    }
}
