//! The assessor's side of the OIT: the agencies to review with their progress (`/review`), one agency's
//! review in a round (its answers, each evidence URL as a live link beside the server's snapshot, a warning
//! for URLs outside its website, pass or fail with a reason and guidance, the live indicator 9 and 10
//! scores), the answers to its disputes in the clarification window, importing verdicts from a spreadsheet,
//! and the round's checklist as CSV or XLSX.
//!
//! Who: an assessor judges the agencies assigned to it (any other agency is not found); the national
//! administrator judges any; a provincial analyst reads its province's reviews; an agency's own people use
//! the agency's OIT page, not these. When: verdicts are given only inside the review window and disputes
//! answered only inside the clarification window (Thai dates, both ends inclusive); outside, the page is
//! read-only and a post is refused with 403, writing nothing.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ita_domain::Exact;
use ita_domain::Lang;
use ita_domain::methodology::Methodology;
use ita_domain::oit_review::oit_scores;
use ita_domain::platform::{AgencyCode, Invalid, Role, Visibility};
use ita_store::{
    Agency, AgencyQuery, OitAnswer, OitDispute, OitSnapshot, OitVerdict, OitVerdictDraft, Round, RoundWindows,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::render;
use crate::import;
use crate::oit_bulk::{
    self, ChecklistAgency, RowOutcome, VERDICT_COLUMNS, VerdictColumns, check_verdict, resolution_text,
    verdict_word,
};
use crate::page::{Page, iso_date, local_time, url_encode};
use crate::routes::agencies::{actor, readable_agency};
use crate::routes::surveys::today;
use crate::scoring::methodology_of;
use crate::snapshot::{self, AddressKind, FailureKind};
use crate::survey_export::file_body;
use crate::{AppState, WebError};

pub const PAGE_SIZE: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/review", get(list))
        .route("/review/{agency_id}/{round_id}", get(review_page).post(save_verdicts))
        .route("/review/{agency_id}/{round_id}/dispute", post(resolve_dispute))
        .route("/rounds/{id}/oit/verdicts/import", get(import_page).post(import_verdicts))
        .route("/rounds/{id}/oit/checklist.csv", get(checklist_csv))
        .route("/rounds/{id}/oit/checklist.xlsx", get(checklist_xlsx))
}

// Windows.

/// Where today (in Thailand) stands against one of a round's windows.
pub use ita_domain::platform::{WindowPhase as Phase, window_phase as phase};

fn review_phase(windows: &RoundWindows) -> Phase {
    phase(windows.oit_review_from.as_deref(), windows.oit_review_to.as_deref(), &today())
}

fn clarification_phase(windows: &RoundWindows) -> Phase {
    phase(windows.clarification_from.as_deref(), windows.clarification_to.as_deref(), &today())
}

fn window_text(lang: Lang, from: Option<&String>, to: Option<&String>, phase: Phase) -> String {
    let dates = match (from, to) {
        (Some(from), Some(to)) => format!("{} – {}", iso_date(lang, from), iso_date(lang, to)),
        _ => return lang.pick("ยังไม่ได้กำหนด", "not set yet").to_string(),
    };
    let state = match phase {
        Phase::Unset => "",
        Phase::Before => lang.pick("ยังไม่เริ่ม", "not started"),
        Phase::Open => lang.pick("อยู่ในช่วงนี้", "open now"),
        Phase::Closed => lang.pick("สิ้นสุดแล้ว", "over"),
    };
    format!("{dates} ({state})")
}

/// What a person reads when a verdict is sent outside the review window.
fn review_closed(windows: &RoundWindows) -> Invalid {
    let dates = |lang| {
        window_text(
            lang,
            windows.oit_review_from.as_ref(),
            windows.oit_review_to.as_ref(),
            review_phase(windows),
        )
    };
    Invalid::new(
        format!("บันทึกผลการตรวจได้เฉพาะในช่วงผู้ประเมินตรวจ OIT ({}) ผลที่ส่งมาจึงยังไม่ถูกบันทึก", dates(Lang::Th)),
        format!("verdicts are saved only in the OIT review period ({}); nothing was saved", dates(Lang::En)),
    )
}

fn clarification_closed(windows: &RoundWindows) -> Invalid {
    let dates = |lang| {
        window_text(
            lang,
            windows.clarification_from.as_ref(),
            windows.clarification_to.as_ref(),
            clarification_phase(windows),
        )
    };
    Invalid::new(
        format!("พิจารณาข้อโต้แย้งได้เฉพาะในช่วงชี้แจงข้อโต้แย้ง ({}) จึงยังไม่ได้บันทึก", dates(Lang::Th)),
        format!(
            "disputes are answered only in the clarification period ({}); nothing was saved",
            dates(Lang::En)
        ),
    )
}

// Who may do what.

/// The agency, and whether this viewer judges it (an assessor assigned to it, or the national administrator)
/// or only reads (the province's analyst). Another agency is not found; an agency's own people are refused.
async fn review_agency(state: &AppState, viewer: &Viewer, id: Uuid) -> Result<(Agency, bool), WebError> {
    let agency = readable_agency(state, viewer, id).await?;
    match viewer.principal.role {
        Role::Assessor | Role::NationalAdmin => Ok((agency, true)),
        Role::ProvincialAnalyst => Ok((agency, false)),
        Role::AgencyAdmin | Role::AgencyEditor => Err(WebError::Forbidden),
    }
}

fn judges(viewer: &Viewer) -> bool {
    matches!(viewer.principal.role, Role::Assessor | Role::NationalAdmin)
}

async fn round_of(state: &AppState, round_id: Uuid) -> Result<Round, WebError> {
    state.store.round(round_id).await?.ok_or(WebError::NotFound)
}

/// The agencies this viewer's lists and exports cover (all, a province's, or those assigned), by code order.
async fn covered_agencies(state: &AppState, viewer: &Viewer) -> Result<Vec<Agency>, WebError> {
    let found = state
        .store
        .list_agencies(&AgencyQuery {
            search: None,
            province: None,
            kind: None,
            visible: viewer.principal.visibility(),
            round_id: None,
            offset: 0,
            limit: i64::MAX,
        })
        .await?;
    let mut agencies: Vec<Agency> = found.items.into_iter().map(|item| item.agency).collect();
    agencies.sort_by(|left, right| left.code.as_str().cmp(right.code.as_str()));
    Ok(agencies)
}

/// The ids to ask progress for: all (`None`) for the national administrator, else the covered ones.
fn progress_scope<'a>(viewer: &Viewer, agencies: &'a [Uuid]) -> Option<&'a [Uuid]> {
    match viewer.principal.visibility() {
        Visibility::All => None,
        _ => Some(agencies),
    }
}

// The list.

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    round: Option<String>,
    page: Option<usize>,
}

struct ListRow {
    id: Uuid,
    code: String,
    name: String,
    province: String,
    answered: String,
    submitted: bool,
    judged: String,
    passed: i64,
    open_disputes: i64,
    status: String,
    /// 0: disputes to answer; 1: submitted, not all judged; 2: not submitted; 3: all judged.
    priority: u8,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "review/list.html")]
struct ListPage {
    page: Page,
    round: Option<Round>,
    rounds: Vec<Choice>,
    review_window: String,
    clarification_window: String,
    item_count: usize,
    agencies: usize,
    submitted: usize,
    complete: usize,
    open_disputes: i64,
    rows: Vec<ListRow>,
    page_number: usize,
    page_count: usize,
    previous_link: Option<String>,
    next_link: Option<String>,
    can_import: bool,
}

/// The round a list opens on: the one asked for, else the newest whose review or clarification is under way,
/// else the newest.
fn chosen_round(rounds: &[Round], asked: Option<&str>) -> Option<Round> {
    if let Some(asked) = asked.map(str::trim).filter(|text| !text.is_empty()) {
        if let Some(found) = rounds.iter().find(|round| round.id.to_string() == asked) {
            return Some(found.clone());
        }
    }
    rounds
        .iter()
        .find(|round| {
            review_phase(&round.windows) == Phase::Open || clarification_phase(&round.windows) == Phase::Open
        })
        .or_else(|| rounds.first())
        .cloned()
}

fn progress_status(lang: Lang, row: &ita_store::OitProgressRow, total: i64) -> (String, u8) {
    if row.open_disputes > 0 {
        let text = match lang {
            Lang::Th => format!("มีข้อโต้แย้งรอพิจารณา {} ข้อ", row.open_disputes),
            Lang::En => format!("{} dispute(s) to answer", row.open_disputes),
        };
        return (text, 0);
    }
    if row.judged >= total {
        return (lang.pick("ตรวจครบทุกข้อแล้ว", "every item judged").to_string(), 3);
    }
    if row.submitted {
        let text = match lang {
            Lang::Th => format!("รอตรวจ อีก {} ข้อ", total - row.judged),
            Lang::En => format!("{} item(s) left to judge", total - row.judged),
        };
        return (text, 1);
    }
    let text = if row.answered > 0 {
        lang.pick("หน่วยงานยังไม่ได้ส่งคำตอบ (มีร่างบางข้อ)", "the agency has not submitted yet (some drafts)")
    } else {
        lang.pick("หน่วยงานยังไม่ได้เริ่มตอบ", "the agency has not started")
    };
    (text.to_string(), 2)
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    if !matches!(viewer.principal.role, Role::Assessor | Role::NationalAdmin | Role::ProvincialAnalyst) {
        return Err(WebError::Forbidden);
    }
    let lang = viewer.lang;
    let rounds = state.store.rounds().await?;
    let round = chosen_round(&rounds, query.round.as_deref());
    let title = viewer.t("ตรวจประเมิน OIT", "OIT review").to_string();
    let mut page = ListPage {
        page: viewer.page(title.clone()),
        rounds: rounds
            .iter()
            .map(|each| Choice {
                value: each.id.to_string(),
                label: format!("{} {}", viewer.t("ปีงบประมาณ", "fiscal year"), each.fiscal_year),
                selected: round.as_ref().is_some_and(|round| round.id == each.id),
            })
            .collect(),
        round: None,
        review_window: String::new(),
        clarification_window: String::new(),
        item_count: 0,
        agencies: 0,
        submitted: 0,
        complete: 0,
        open_disputes: 0,
        rows: Vec::new(),
        page_number: 1,
        page_count: 1,
        previous_link: None,
        next_link: None,
        can_import: judges(&viewer),
    };
    let Some(round) = round else {
        return render(&page);
    };
    let methodology = methodology_of(&state, &round)?;
    let total = methodology.oit_items.len() as i64;
    let agencies = covered_agencies(&state, &viewer).await?;
    let ids: Vec<Uuid> = agencies.iter().map(|agency| agency.id).collect();
    let progress: HashMap<Uuid, ita_store::OitProgressRow> = state
        .store
        .oit_progress(round.id, progress_scope(&viewer, &ids))
        .await?
        .into_iter()
        .map(|row| (row.agency_id, row))
        .collect();
    let mut rows: Vec<ListRow> = agencies
        .iter()
        .map(|agency| {
            let row = progress.get(&agency.id).cloned().unwrap_or(ita_store::OitProgressRow {
                agency_id: agency.id,
                answered: 0,
                submitted: false,
                judged: 0,
                passed: 0,
                open_disputes: 0,
            });
            let (status, priority) = progress_status(lang, &row, total);
            ListRow {
                id: agency.id,
                code: agency.code.to_string(),
                name: agency.name_th.clone(),
                province: agency.province.clone(),
                answered: format!("{} / {total}", row.answered),
                submitted: row.submitted,
                judged: format!("{} / {total}", row.judged),
                passed: row.passed,
                open_disputes: row.open_disputes,
                status,
                priority,
            }
        })
        .collect();
    // What needs work first; within each group, the order of codes.
    rows.sort_by_key(|row| row.priority);
    page.agencies = rows.len();
    page.submitted = rows.iter().filter(|row| row.submitted).count();
    page.complete = rows.iter().filter(|row| row.priority == 3).count();
    page.open_disputes = rows.iter().map(|row| row.open_disputes).sum();
    let page_count = rows.len().div_ceil(PAGE_SIZE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, page_count);
    let link = |number: usize| format!("/review?round={}&page={number}", round.id);
    page.rows = rows.into_iter().skip((page_number - 1) * PAGE_SIZE).take(PAGE_SIZE).collect();
    page.page_number = page_number;
    page.page_count = page_count;
    page.previous_link = (page_number > 1).then(|| link(page_number - 1));
    page.next_link = (page_number < page_count).then(|| link(page_number + 1));
    page.item_count = methodology.oit_items.len();
    let windows = &round.windows;
    page.review_window = window_text(
        lang,
        windows.oit_review_from.as_ref(),
        windows.oit_review_to.as_ref(),
        review_phase(windows),
    );
    page.clarification_window = window_text(
        lang,
        windows.clarification_from.as_ref(),
        windows.clarification_to.as_ref(),
        clarification_phase(windows),
    );
    page.page.title = format!("{title} {} {}", viewer.t("ปีงบประมาณ", "fiscal year"), round.fiscal_year);
    page.round = Some(round);
    render(&page)
}

// One agency's review.

struct SnapshotView {
    link: String,
    fetched: bool,
    outcome: String,
    status: String,
    content_type: String,
    size: String,
    sha: String,
    sha_full: String,
    time: String,
    final_url: Option<String>,
}

struct UrlView {
    text: String,
    /// Only an http(s) address becomes a link.
    link: Option<String>,
    problem: Option<String>,
    warning: Option<String>,
    snapshot: Option<SnapshotView>,
}

struct AnswerView {
    has: bool,
    explanation: String,
    urls: Vec<UrlView>,
    submitted: String,
}

struct VerdictView {
    passed: bool,
    word: String,
    reason: String,
    guidance: String,
    by: String,
    stage: String,
}

struct ItemView {
    code: String,
    name: String,
    requires: String,
    period: String,
    elements: Vec<String>,
    answer: Option<AnswerView>,
    /// The agency saved a draft of this item without submitting it.
    draft_only: bool,
    verdict: Option<VerdictView>,
    /// The form's values: `pass`, `fail` or empty.
    choice: String,
    reason: String,
    guidance: String,
    problems: Vec<String>,
    disputed: bool,
}

struct GroupView {
    code: String,
    name: String,
    items: Vec<ItemView>,
}

struct SubScoreView {
    code: String,
    name: String,
    judged: usize,
    total: usize,
    passed: usize,
    score: String,
}

struct IndicatorView {
    number: u8,
    name: String,
    score: String,
    subs: Vec<SubScoreView>,
}

struct DisputeView {
    code: String,
    name: String,
    statement: String,
    filed: String,
    verdict_reason: String,
    verdict_guidance: String,
    urls: Vec<UrlView>,
    resolution: Option<String>,
    decision: String,
    reason: String,
    problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "review/agency.html")]
struct ReviewPage {
    page: Page,
    agency: Agency,
    round: Round,
    base: String,
    website: String,
    review_window: String,
    clarification_window: String,
    can_judge: bool,
    editable: bool,
    can_resolve: bool,
    /// Why the form is read-only, when it is and the viewer judges.
    read_only: Option<String>,
    messages: Vec<String>,
    saved: Option<String>,
    submitted: bool,
    answered: usize,
    judged: usize,
    item_count: usize,
    indicators: Vec<IndicatorView>,
    groups: Vec<GroupView>,
    disputes: Vec<DisputeView>,
}

/// What was posted, to show again beside its problems.
#[derive(Debug, Default)]
struct Posted {
    choice: HashMap<String, String>,
    reason: HashMap<String, String>,
    guidance: HashMap<String, String>,
    problems: HashMap<String, Vec<Invalid>>,
    /// A dispute form: its item, decision, reason and problems.
    dispute: Option<(String, String, String, Vec<Invalid>)>,
}

/// A stored snapshot's outcome in words.
fn outcome_text(lang: Lang, outcome: &str) -> String {
    if outcome == "fetched" {
        return lang.pick("ดึงข้อมูลแล้ว", "fetched").to_string();
    }
    if let Some(code) = outcome.strip_prefix("failed:") {
        let kinds = [
            FailureKind::Dns,
            FailureKind::Connect,
            FailureKind::Timeout,
            FailureKind::Tls,
            FailureKind::TooManyRedirects,
            FailureKind::Protocol,
        ];
        if let Some(kind) = kinds.iter().find(|kind| kind.code() == code) {
            return format!("{}: {}", lang.pick("ดึงข้อมูลไม่สำเร็จ", "not fetched"), kind.message(lang));
        }
        return lang.pick("ดึงข้อมูลไม่สำเร็จ", "not fetched").to_string();
    }
    if let Some(code) = outcome.strip_prefix("refused:") {
        let kinds = [
            AddressKind::Loopback,
            AddressKind::Private,
            AddressKind::LinkLocal,
            AddressKind::UniqueLocal,
            AddressKind::Shared,
            AddressKind::Unspecified,
            AddressKind::Multicast,
            AddressKind::Broadcast,
            AddressKind::Documentation,
            AddressKind::Reserved,
        ];
        let what = match kinds.iter().find(|kind| kind.code() == code) {
            Some(kind) => kind.name(lang).to_string(),
            None if code == "redirect" => {
                lang.pick("การเปลี่ยนเส้นทางไปยังที่อยู่ที่ไม่อนุญาต", "a redirect to a refused address").into()
            }
            None => code.to_string(),
        };
        return match lang {
            Lang::Th => format!("ระบบไม่ดึงข้อมูล เพราะปลายทางเป็น{what} ซึ่งไม่ใช่ที่อยู่สาธารณะ"),
            Lang::En => format!("not fetched: the address is {what}, not public"),
        };
    }
    outcome.to_string()
}

fn size_text(lang: Lang, size: i64, truncated: bool) -> String {
    let text = if size >= 1024 * 1024 {
        format!("{:.1} MB", size as f64 / (1024.0 * 1024.0))
    } else if size >= 1024 {
        format!("{:.1} KB", size as f64 / 1024.0)
    } else {
        format!("{size} {}", lang.pick("ไบต์", "bytes"))
    };
    if truncated {
        format!("{text} ({})", lang.pick("ตัดเก็บเพียงบางส่วน", "cut short"))
    } else {
        text
    }
}

fn snapshot_view(lang: Lang, snapshot: &OitSnapshot) -> SnapshotView {
    SnapshotView {
        link: format!("/oit/snapshots/{}", snapshot.id),
        fetched: snapshot.outcome == "fetched",
        outcome: outcome_text(lang, &snapshot.outcome),
        status: snapshot.status.map(|status| status.to_string()).unwrap_or_else(|| "-".into()),
        content_type: snapshot.content_type.clone().unwrap_or_else(|| "-".into()),
        size: size_text(lang, snapshot.size, snapshot.truncated),
        sha: snapshot.sha256.chars().take(12).collect(),
        sha_full: snapshot.sha256.clone(),
        time: local_time(lang, snapshot.fetched_at),
        final_url: snapshot.final_url.clone().filter(|url| *url != snapshot.requested_url),
    }
}

fn url_view(
    lang: Lang,
    website: &str,
    text: &str,
    snapshots: &HashMap<(&str, &str), &OitSnapshot>,
    item: &str,
) -> UrlView {
    let parsed = snapshot::parse_evidence_url(text);
    UrlView {
        text: text.to_string(),
        link: parsed.as_ref().ok().map(|url| url.to_string()),
        problem: parsed.as_ref().err().map(|problem| problem.message(lang)),
        warning: parsed
            .as_ref()
            .ok()
            .and_then(|url| snapshot::outside_domain_warning(url, website))
            .map(|invalid| lang.pick(&invalid.th, &invalid.en).to_string()),
        snapshot: snapshots.get(&(item, text)).map(|snapshot| snapshot_view(lang, snapshot)),
    }
}

/// Indicators 9 and 10 (every checklist indicator of the year) from the verdicts so far, scored by the domain
/// (`oit_review::oit_scores`); a stored verdict of an item the year does not have is left out.
fn indicator_views(
    lang: Lang,
    methodology: &Methodology,
    verdicts: &[OitVerdict],
) -> Result<Vec<IndicatorView>, WebError> {
    let given: Vec<(&str, bool)> = verdicts
        .iter()
        .filter(|verdict| methodology.oit_item(&verdict.item_code).is_some())
        .map(|verdict| (verdict.item_code.as_str(), verdict.passed))
        .collect();
    let scores = oit_scores(methodology, &given).map_err(anyhow::Error::new)?;
    let hundredths = |score: Option<&Exact>| {
        score.map(|score| score.round_hundredths().to_string()).unwrap_or_else(|| "-".into())
    };
    Ok(scores
        .iter()
        .map(|indicator| IndicatorView {
            number: indicator.number,
            name: methodology
                .indicator(indicator.number)
                .map(|found| lang.pick(&found.name_th, &found.name_en).to_string())
                .unwrap_or_default(),
            score: hundredths(indicator.score.as_ref()),
            subs: indicator
                .sub_indicators
                .iter()
                .map(|sub| SubScoreView {
                    name: methodology
                        .sub_indicators
                        .iter()
                        .find(|each| each.code == sub.code)
                        .map(|each| lang.pick(&each.name_th, &each.name_en).to_string())
                        .unwrap_or_default(),
                    code: sub.code.clone(),
                    judged: sub.judged(),
                    total: sub.items.len(),
                    passed: sub.passed(),
                    score: hundredths(sub.score.as_ref()),
                })
                .collect(),
        })
        .collect())
}

fn texts(lang: Lang, problems: &[Invalid]) -> Vec<String> {
    problems.iter().map(|problem| lang.pick(&problem.th, &problem.en).to_string()).collect()
}

/// What a page shows besides the stored state: the form as posted with its problems, messages at the top, and
/// what was just saved.
#[derive(Debug, Default)]
struct Extras {
    posted: Option<Posted>,
    messages: Vec<Invalid>,
    saved: Option<String>,
}

impl Extras {
    fn message(message: Invalid) -> Extras {
        Extras { messages: vec![message], ..Extras::default() }
    }
}

async fn build_review(
    state: &AppState,
    viewer: &Viewer,
    agency: Agency,
    round: Round,
    can_judge: bool,
    extras: Extras,
) -> Result<ReviewPage, WebError> {
    let Extras { posted, messages, saved } = extras;
    let posted = posted.as_ref();
    let lang = viewer.lang;
    let methodology = methodology_of(state, &round)?;
    let answers = state.store.oit_answers(agency.id, round.id).await?;
    let snapshots = state.store.oit_snapshots(agency.id, round.id).await?;
    let verdicts = state.store.oit_verdicts(agency.id, round.id).await?;
    let disputes = state.store.oit_disputes(agency.id, round.id).await?;
    let website = agency.website.clone().unwrap_or_default();
    let answer_of: HashMap<&str, &OitAnswer> =
        answers.iter().map(|answer| (answer.item_code.as_str(), answer)).collect();
    let verdict_of: HashMap<&str, &OitVerdict> =
        verdicts.iter().map(|verdict| (verdict.item_code.as_str(), verdict)).collect();
    let dispute_of: HashMap<&str, &OitDispute> =
        disputes.iter().map(|dispute| (dispute.item_code.as_str(), dispute)).collect();
    let snapshot_of: HashMap<(&str, &str), &OitSnapshot> = snapshots
        .iter()
        .map(|snapshot| ((snapshot.item_code.as_str(), snapshot.requested_url.as_str()), snapshot))
        .collect();
    let review = review_phase(&round.windows);
    let clarification = clarification_phase(&round.windows);
    let editable = can_judge && review == Phase::Open;
    let can_resolve = can_judge && clarification == Phase::Open;
    let answer_view = |answer: &OitAnswer| AnswerView {
        has: answer.has,
        explanation: answer.explanation.clone(),
        urls: answer
            .urls
            .iter()
            .map(|url| url_view(lang, &website, url, &snapshot_of, &answer.item_code))
            .collect(),
        submitted: answer.submitted_at.map(|at| local_time(lang, at)).unwrap_or_default(),
    };
    let groups = methodology
        .sub_indicators
        .iter()
        .filter(|sub| methodology.oit_items_of(&sub.code).next().is_some())
        .map(|sub| GroupView {
            code: sub.code.clone(),
            name: lang.pick(&sub.name_th, &sub.name_en).to_string(),
            items: methodology
                .oit_items_of(&sub.code)
                .map(|item| {
                    let code = item.code.as_str();
                    let answer = answer_of.get(code).copied();
                    let submitted = answer.filter(|answer| answer.submitted_at.is_some());
                    let verdict = verdict_of.get(code).copied();
                    let stored_choice = verdict
                        .map(|verdict| if verdict.passed { "pass" } else { "fail" }.to_string())
                        .unwrap_or_default();
                    let field = |map: Option<&HashMap<String, String>>, stored: String| match map {
                        Some(map) => map.get(code).cloned().unwrap_or_default(),
                        None => stored,
                    };
                    ItemView {
                        code: item.code.clone(),
                        name: item.name(lang).to_string(),
                        requires: lang.pick(&item.requires_th, &item.requires_en).to_string(),
                        period: item.period.label(lang).to_string(),
                        elements: item
                            .elements
                            .iter()
                            .map(|element| {
                                format!(
                                    "{}. {}",
                                    element.number,
                                    lang.pick(&element.text_th, &element.text_en)
                                )
                            })
                            .collect(),
                        answer: submitted.map(answer_view),
                        draft_only: answer.is_some() && submitted.is_none(),
                        verdict: verdict.map(|verdict| VerdictView {
                            passed: verdict.passed,
                            word: verdict_word(lang, verdict.passed).to_string(),
                            reason: verdict.reason.clone(),
                            guidance: verdict.guidance.clone(),
                            by: format!(
                                "{} · {}",
                                verdict.assessor_name,
                                local_time(lang, verdict.decided_at)
                            ),
                            stage: if verdict.stage == "clarification" {
                                lang.pick("ผลหลังพิจารณาข้อโต้แย้ง", "after the dispute").to_string()
                            } else {
                                String::new()
                            },
                        }),
                        choice: field(posted.map(|posted| &posted.choice), stored_choice),
                        reason: field(
                            posted.map(|posted| &posted.reason),
                            verdict.map(|verdict| verdict.reason.clone()).unwrap_or_default(),
                        ),
                        guidance: field(
                            posted.map(|posted| &posted.guidance),
                            verdict.map(|verdict| verdict.guidance.clone()).unwrap_or_default(),
                        ),
                        problems: posted
                            .and_then(|posted| posted.problems.get(code))
                            .map(|problems| texts(lang, problems))
                            .unwrap_or_default(),
                        disputed: dispute_of.contains_key(code),
                    }
                })
                .collect(),
        })
        .collect();
    let dispute_views = methodology
        .oit_items
        .iter()
        .filter_map(|item| dispute_of.get(item.code.as_str()).map(|dispute| (item, *dispute)))
        .map(|(item, dispute)| {
            let verdict = verdict_of.get(item.code.as_str());
            let posted_here =
                posted.and_then(|posted| posted.dispute.as_ref()).filter(|(code, ..)| *code == item.code);
            DisputeView {
                code: item.code.clone(),
                name: item.name(lang).to_string(),
                statement: dispute.statement.clone(),
                filed: local_time(lang, dispute.filed_at),
                verdict_reason: verdict.map(|verdict| verdict.reason.clone()).unwrap_or_default(),
                verdict_guidance: verdict.map(|verdict| verdict.guidance.clone()).unwrap_or_default(),
                urls: answer_of
                    .get(item.code.as_str())
                    .map(|answer| {
                        answer
                            .urls
                            .iter()
                            .map(|url| url_view(lang, &website, url, &snapshot_of, &item.code))
                            .collect()
                    })
                    .unwrap_or_default(),
                resolution: dispute.confirmed.is_some().then(|| {
                    let when = dispute.resolved_at.map(|at| local_time(lang, at)).unwrap_or_default();
                    format!("{} ({when})", resolution_text(lang, dispute))
                }),
                decision: posted_here.map(|(_, decision, ..)| decision.clone()).unwrap_or_default(),
                reason: posted_here.map(|(_, _, reason, _)| reason.clone()).unwrap_or_default(),
                problems: posted_here.map(|(.., problems)| texts(lang, problems)).unwrap_or_default(),
            }
        })
        .collect();
    let read_only = match (can_judge, review) {
        (false, _) | (true, Phase::Open) => None,
        (true, Phase::Unset) => Some(viewer.t(
            "ยังไม่ได้กำหนดช่วงผู้ประเมินตรวจ OIT ของรอบนี้ จึงยังบันทึกผลไม่ได้ ผู้ดูแลระบบระดับประเทศกำหนดได้ที่หน้ารอบการประเมิน",
            "the OIT review period of this round is not set, so verdicts cannot be saved yet: the national administrator sets it on the round's page",
        )),
        (true, Phase::Before) => Some(viewer.t(
            "ยังไม่ถึงช่วงผู้ประเมินตรวจ OIT จึงยังบันทึกผลไม่ได้",
            "the OIT review period has not started: verdicts cannot be saved yet",
        )),
        (true, Phase::Closed) => Some(viewer.t(
            "ช่วงผู้ประเมินตรวจ OIT สิ้นสุดแล้ว ผลการตรวจแก้ไขได้เฉพาะผ่านการพิจารณาข้อโต้แย้งในช่วงชี้แจง",
            "the OIT review period is over: a verdict changes now only through a dispute in the clarification period",
        )),
    }
    .map(str::to_string);
    let submitted = answers.iter().any(|answer| answer.submitted_at.is_some());
    let windows = &round.windows;
    Ok(ReviewPage {
        page: viewer.page(format!(
            "{} · {} {}",
            agency.name_th,
            viewer.t("ตรวจประเมิน OIT ปีงบประมาณ", "OIT review, fiscal year"),
            round.fiscal_year
        )),
        base: format!("/review/{}/{}", agency.id, round.id),
        website,
        review_window: window_text(
            lang,
            windows.oit_review_from.as_ref(),
            windows.oit_review_to.as_ref(),
            review,
        ),
        clarification_window: window_text(
            lang,
            windows.clarification_from.as_ref(),
            windows.clarification_to.as_ref(),
            clarification,
        ),
        can_judge,
        editable,
        can_resolve,
        read_only,
        messages: texts(lang, &messages),
        saved,
        submitted,
        answered: answers.iter().filter(|answer| answer.submitted_at.is_some()).count(),
        judged: verdicts.len(),
        item_count: methodology.oit_items.len(),
        indicators: indicator_views(lang, methodology, &verdicts)?,
        groups,
        disputes: dispute_views,
        agency,
        round,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ReviewQuery {
    saved: Option<usize>,
    resolved: Option<String>,
}

async fn review_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((agency_id, round_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<ReviewQuery>,
) -> Result<Html<String>, WebError> {
    let (agency, can_judge) = review_agency(&state, &viewer, agency_id).await?;
    let round = round_of(&state, round_id).await?;
    let saved = match (query.saved, query.resolved) {
        (Some(0), _) => Some(
            viewer
                .t("ไม่มีผลการตรวจที่เปลี่ยนแปลง จึงไม่มีสิ่งใดต้องบันทึก", "no verdict changed: nothing to save")
                .to_string(),
        ),
        (Some(count), _) => Some(match viewer.lang {
            Lang::Th => format!("บันทึกผลการตรวจแล้ว {count} ข้อ"),
            Lang::En => format!("{count} verdict(s) saved"),
        }),
        (None, Some(code)) => Some(match viewer.lang {
            Lang::Th => format!("บันทึกผลการพิจารณาข้อโต้แย้งข้อ {code} แล้ว"),
            Lang::En => format!("the answer to the dispute on {code} is saved"),
        }),
        (None, None) => None,
    };
    let extras = Extras { saved, ..Extras::default() };
    render(&build_review(&state, &viewer, agency, round, can_judge, extras).await?)
}

/// Reads the posted verdicts: per item, `verdict.<code>` (`pass`, `fail` or empty: not judged),
/// `reason.<code>` and `guidance.<code>`. Returns the drafts that change something, or every problem by item.
fn parse_verdicts(
    methodology: &Methodology,
    fields: &[(String, String)],
    stored: &[OitVerdict],
) -> (Posted, Vec<OitVerdictDraft>) {
    let mut posted = Posted::default();
    for (name, value) in fields {
        let Some((kind, code)) = name.split_once('.') else { continue };
        let target = match kind {
            "verdict" => &mut posted.choice,
            "reason" => &mut posted.reason,
            "guidance" => &mut posted.guidance,
            _ => continue,
        };
        target.insert(code.to_string(), value.clone());
    }
    let stored: HashMap<&str, &OitVerdict> =
        stored.iter().map(|verdict| (verdict.item_code.as_str(), verdict)).collect();
    let mut drafts = Vec::new();
    for item in &methodology.oit_items {
        let code = item.code.as_str();
        let choice = posted.choice.get(code).map(|text| text.trim()).unwrap_or("");
        let reason = posted.reason.get(code).map(|text| text.trim()).unwrap_or("").to_string();
        let guidance = posted.guidance.get(code).map(|text| text.trim()).unwrap_or("").to_string();
        let passed = match choice {
            "" => continue,
            "pass" => true,
            "fail" => false,
            _ => {
                posted
                    .problems
                    .entry(code.to_string())
                    .or_default()
                    .push(Invalid::new("กรุณาเลือก ผ่าน หรือ ไม่ผ่าน", "choose pass or fail"));
                continue;
            }
        };
        let problems = check_verdict(passed, &reason, &guidance);
        if !problems.is_empty() {
            posted.problems.entry(code.to_string()).or_default().extend(problems);
            continue;
        }
        let unchanged = stored.get(code).is_some_and(|verdict| {
            verdict.passed == passed && verdict.reason == reason && verdict.guidance == guidance
        });
        if !unchanged {
            drafts.push(OitVerdictDraft { item_code: item.code.clone(), passed, reason, guidance });
        }
    }
    (posted, drafts)
}

async fn save_verdicts(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((agency_id, round_id)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (agency, can_judge) = review_agency(&state, &viewer, agency_id).await?;
    if !can_judge {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, round_id).await?;
    if review_phase(&round.windows) != Phase::Open {
        let message = review_closed(&round.windows);
        let page = build_review(&state, &viewer, agency, round, can_judge, Extras::message(message)).await?;
        return Ok((StatusCode::FORBIDDEN, render(&page)?).into_response());
    }
    let methodology = methodology_of(&state, &round)?;
    let stored = state.store.oit_verdicts(agency.id, round.id).await?;
    let (posted, drafts) = parse_verdicts(methodology, &fields, &stored);
    if !posted.problems.is_empty() {
        let count = posted.problems.len();
        let message = Invalid::new(
            format!("ยังไม่ได้บันทึก: มี {count} ข้อที่ต้องแก้ไข (ดูข้อความที่แต่ละข้อ) ผลการตรวจทุกข้อในหน้านี้ยังไม่ถูกบันทึก"),
            format!(
                "not saved: {count} item(s) need correcting (see each item); nothing on this page was saved"
            ),
        );
        let page = build_review(
            &state,
            &viewer,
            agency,
            round,
            can_judge,
            Extras { posted: Some(posted), ..Extras::message(message) },
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    if !drafts.is_empty() {
        state
            .store
            .put_oit_verdicts(&actor(&viewer), agency.id, round.id, &drafts, oit_bulk::REVIEW_STAGE)
            .await?;
    }
    Ok(Redirect::to(&format!("/review/{}/{}?saved={}", agency.id, round.id, drafts.len())).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct DisputeForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn resolve_dispute(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((agency_id, round_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<DisputeForm>,
) -> Result<Response, WebError> {
    let (agency, can_judge) = review_agency(&state, &viewer, agency_id).await?;
    if !can_judge {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, round_id).await?;
    let methodology = methodology_of(&state, &round)?;
    let code = oit_bulk::item_code(methodology, &form.item).ok_or(WebError::NotFound)?.to_string();
    let disputes = state.store.oit_disputes(agency.id, round.id).await?;
    let dispute = disputes.iter().find(|dispute| dispute.item_code == code).ok_or(WebError::NotFound)?;
    if clarification_phase(&round.windows) != Phase::Open {
        let message = clarification_closed(&round.windows);
        let page = build_review(&state, &viewer, agency, round, can_judge, Extras::message(message)).await?;
        return Ok((StatusCode::FORBIDDEN, render(&page)?).into_response());
    }
    let answered_already = || {
        WebError::Conflict(Invalid::new(
            format!("ข้อโต้แย้งข้อ {code} ได้รับการพิจารณาไปแล้ว ผลการพิจารณาเดิมยังคงอยู่"),
            format!("the dispute on {code} has been answered already; that answer stands"),
        ))
    };
    if dispute.confirmed.is_some() {
        return Err(answered_already());
    }
    let reason = form.reason.trim().to_string();
    let mut problems = Vec::new();
    let confirmed = match form.decision.as_str() {
        "confirm" => Some(true),
        "change" => Some(false),
        _ => {
            problems.push(Invalid::new(
                "กรุณาเลือกว่าจะยืนยันผลไม่ผ่าน หรือเปลี่ยนเป็นผ่าน",
                "choose whether to confirm the failure or change it to a pass",
            ));
            None
        }
    };
    if reason.is_empty() {
        problems.push(Invalid::new(
            "กรุณาระบุเหตุผลของการพิจารณาข้อโต้แย้ง หน่วยงานจะเห็นเหตุผลนี้",
            "give the reason for the answer: the agency sees it",
        ));
    } else if reason.chars().count() > oit_bulk::MAX_TEXT_CHARS {
        problems.push(oit_bulk::too_long("เหตุผล", "reason"));
    }
    let Some(confirmed) = confirmed.filter(|_| problems.is_empty()) else {
        let posted = Posted {
            dispute: Some((code, form.decision.clone(), form.reason.clone(), problems)),
            ..Posted::default()
        };
        let message =
            Invalid::new("ยังไม่ได้บันทึก กรุณาแก้ไขตามข้อความ", "not saved: please correct what is marked");
        let page = build_review(
            &state,
            &viewer,
            agency,
            round,
            can_judge,
            Extras { posted: Some(posted), ..Extras::message(message) },
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    };
    // Of two answers at once, the second finds the dispute answered (the store checks in its transaction).
    match state
        .store
        .resolve_oit_dispute(&actor(&viewer), agency.id, round.id, &code, confirmed, &reason)
        .await
    {
        Ok(_) => {}
        Err(ita_store::StoreError::Conflict { .. }) => return Err(answered_already()),
        Err(other) => return Err(other.into()),
    }
    Ok(Redirect::to(&format!("/review/{}/{}?resolved={code}#disputes", agency.id, round.id)).into_response())
}

// Import.

struct ColumnHelp {
    key: &'static str,
    thai: &'static str,
    required: bool,
    note: &'static str,
}

#[derive(Template)]
#[template(path = "review/import.html")]
struct ImportPage {
    page: Page,
    round: Round,
    columns: Vec<ColumnHelp>,
    messages: Vec<Invalid>,
    review_window: String,
}

fn import_page_for(viewer: &Viewer, round: Round, messages: Vec<Invalid>) -> ImportPage {
    let windows = &round.windows;
    ImportPage {
        page: viewer.page(format!(
            "{} {}",
            viewer.t("นำเข้าผลการตรวจ OIT ปีงบประมาณ", "Import OIT verdicts, fiscal year"),
            round.fiscal_year
        )),
        columns: VERDICT_COLUMNS
            .iter()
            .map(|column| ColumnHelp {
                key: column.key,
                thai: column.thai,
                required: column.required,
                note: viewer.t(column.note_th, column.note_en),
            })
            .collect(),
        messages,
        review_window: window_text(
            viewer.lang,
            windows.oit_review_from.as_ref(),
            windows.oit_review_to.as_ref(),
            review_phase(windows),
        ),
        round,
    }
}

async fn import_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, WebError> {
    if !judges(&viewer) {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, id).await?;
    render(&import_page_for(&viewer, round, Vec::new()))
}

struct ReportRow {
    number: usize,
    agency_code: String,
    agency: String,
    link: Option<String>,
    item: String,
    verdict: String,
    outcome: RowOutcome,
    problems: Vec<Invalid>,
}

#[derive(Template)]
#[template(path = "review/import_report.html")]
struct ReportPage {
    page: Page,
    round: Round,
    file_name: String,
    written: usize,
    refused: usize,
    skipped: usize,
    rows: Vec<ReportRow>,
}

use crate::routes::imports::read_upload;

async fn import_verdicts(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    if !judges(&viewer) {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, id).await?;
    if review_phase(&round.windows) != Phase::Open {
        let message = review_closed(&round.windows);
        let page = import_page_for(&viewer, round, vec![message]);
        return Ok((StatusCode::FORBIDDEN, render(&page)?).into_response());
    }
    let methodology = methodology_of(&state, &round)?;
    let read = match read_upload(multipart).await {
        Ok(upload) => import::read_table(&upload.file_name, &upload.bytes)
            .and_then(|table| Ok((VerdictColumns::locate(&table.headers)?, table)))
            .map(|(columns, table)| (upload.file_name, columns, table)),
        Err(invalid) => Err(invalid),
    };
    let (file_name, columns, table) = match read {
        Ok(read) => read,
        Err(invalid) => {
            let page = import_page_for(&viewer, round, vec![invalid]);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let national = viewer.principal.is_national_admin();
    let agencies: HashMap<AgencyCode, Agency> = covered_agencies(&state, &viewer)
        .await?
        .into_iter()
        .map(|agency| (agency.code.clone(), agency))
        .collect();
    let mut checked = oit_bulk::check_rows(&table, &columns, methodology, &agencies, national, viewer.lang);
    oit_bulk::write_checked(state.store.as_ref(), &actor(&viewer), &round, &mut checked).await;
    let mut rows: Vec<ReportRow> = checked
        .rows
        .into_iter()
        .map(|row| ReportRow {
            number: row.number,
            agency_code: row.agency_code,
            link: row
                .agency
                .as_ref()
                .filter(|_| row.outcome == RowOutcome::Written)
                .map(|(id, _)| format!("/review/{id}/{}", round.id)),
            agency: row.agency.map(|(_, name)| name).unwrap_or_default(),
            item: [row.item_code, row.item_name]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            verdict: row
                .verdict
                .map(|passed| verdict_word(viewer.lang, passed).to_string())
                .unwrap_or_default(),
            outcome: row.outcome,
            problems: row.problems,
        })
        .collect();
    // Refused rows first, so that the few to correct in a long file are on top; each group in file order.
    rows.sort_by_key(|row| (row.outcome != RowOutcome::Refused, row.number));
    let count = |outcome| rows.iter().filter(|row| row.outcome == outcome).count();
    let (written, refused, skipped) =
        (count(RowOutcome::Written), count(RowOutcome::Refused), count(RowOutcome::Skipped));
    tracing::info!(file = file_name, written, refused, skipped, by = %viewer.user.username, "verdict import");
    let page = ReportPage {
        page: viewer.page(format!(
            "{} {}",
            viewer.t("ผลการนำเข้าผลการตรวจ OIT ปีงบประมาณ", "OIT verdict import report, fiscal year"),
            round.fiscal_year
        )),
        round,
        file_name,
        written,
        refused,
        skipped,
        rows,
    };
    Ok(render(&page)?.into_response())
}

// The checklist.

/// The agencies a checklist covers for this viewer (agency people have none: they see their own page), each
/// with whether it has any OIT data in the round.
async fn checklist_agencies(
    state: &AppState,
    viewer: &Viewer,
    round: &Round,
) -> Result<Vec<ChecklistAgency>, WebError> {
    if !matches!(viewer.principal.role, Role::Assessor | Role::NationalAdmin | Role::ProvincialAnalyst) {
        return Err(WebError::Forbidden);
    }
    let agencies = covered_agencies(state, viewer).await?;
    let ids: Vec<Uuid> = agencies.iter().map(|agency| agency.id).collect();
    let with_data: std::collections::HashSet<Uuid> = state
        .store
        .oit_progress(round.id, progress_scope(viewer, &ids))
        .await?
        .into_iter()
        .map(|row| row.agency_id)
        .collect();
    Ok(agencies
        .into_iter()
        .map(|agency| ChecklistAgency { has_data: with_data.contains(&agency.id), agency })
        .collect())
}

fn attachment(content_type: &str, file_name: &str) -> [(header::HeaderName, String); 2] {
    [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", url_encode(file_name))),
    ]
}

async fn checklist_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let round = round_of(&state, id).await?;
    let agencies = checklist_agencies(&state, &viewer, &round).await?;
    let methodology = Arc::new(methodology_of(&state, &round)?.clone());
    let body = oit_bulk::checklist_csv(state.store.clone(), round.id, methodology, agencies, viewer.lang);
    let file_name = format!("oit-checklist-{}.csv", round.fiscal_year);
    Ok((attachment("text/csv; charset=utf-8", &file_name), body).into_response())
}

async fn checklist_xlsx(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let round = round_of(&state, id).await?;
    let agencies = checklist_agencies(&state, &viewer, &round).await?;
    let methodology = Arc::new(methodology_of(&state, &round)?.clone());
    let (file, length) =
        oit_bulk::checklist_xlsx(state.store.clone(), round.id, methodology, agencies, viewer.lang).await?;
    let file_name = format!("oit-checklist-{}.xlsx", round.fiscal_year);
    let mut response = file_body(file).into_response();
    let mut headers =
        attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &file_name).to_vec();
    headers.push((header::CONTENT_LENGTH, length.to_string()));
    for (name, value) in headers {
        if let Ok(value) = value.parse() {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_outcomes_read_in_words() {
        assert_eq!(outcome_text(Lang::En, "fetched"), "fetched");
        assert!(outcome_text(Lang::En, "failed:timeout").contains("did not answer in time"));
        assert!(outcome_text(Lang::Th, "refused:loopback").contains("loopback"));
        assert_eq!(size_text(Lang::En, 2048, false), "2.0 KB");
    }

    #[test]
    fn a_failure_without_reason_is_a_problem_and_unchanged_verdicts_are_not_written_again() {
        let methodology = ita_domain::methodology::Catalog::builtin()
            .unwrap()
            .get(&"2565".parse().unwrap())
            .unwrap()
            .clone();
        let fields: Vec<(String, String)> = [
            ("verdict.O1", "pass"),
            ("reason.O1", ""),
            ("verdict.O2", "fail"),
            ("reason.O2", "  "),
            ("guidance.O2", "ให้เผยแพร่"),
            ("verdict.O3", "maybe"),
            ("verdict.O4", ""),
        ]
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
        let (posted, drafts) = parse_verdicts(&methodology, &fields, &[]);
        assert_eq!(posted.problems.len(), 2, "{posted:?}");
        assert!(posted.problems["O2"][0].en.contains("needs a reason"));
        assert!(posted.problems["O3"][0].en.contains("choose pass or fail"));
        assert_eq!(drafts.iter().map(|draft| draft.item_code.as_str()).collect::<Vec<_>>(), ["O1"]);
        let stored = OitVerdict {
            agency_id: Uuid::nil(),
            round_id: Uuid::nil(),
            item_code: "O1".into(),
            passed: true,
            reason: String::new(),
            guidance: String::new(),
            assessor_id: None,
            assessor_name: String::new(),
            decided_at: 0,
            stage: "review".into(),
        };
        let (_, drafts) = parse_verdicts(&methodology, &fields[..2], &[stored]);
        assert!(drafts.is_empty());
    }
}
