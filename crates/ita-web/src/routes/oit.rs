//! The agency's side of the OIT (แบบวัดการเปิดเผยข้อมูลสาธารณะ): the answer form (มี/ไม่มี, the pages that show
//! each item, a note) with drafts and submission inside the round's answering window, progress per
//! sub-indicator and what each item is worth in the total; snapshots of every evidence URL fetched once on
//! submission; the assessors' verdicts once the review window has ended, with a dispute per failed item in the
//! clarification window; the stored snapshots served without running them; and the live indicator 9/10
//! summary of the agency's round page.
//!
//! Who may do what: whoever may read the agency (its people, the province's analyst, an assigned assessor, the
//! national administrator) reads the page and the snapshots; the agency's administrator and editors and the
//! national administrator answer and dispute. The agency's people see verdicts only after the review window.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::StreamExt as _;
use ita_domain::Lang;
use ita_domain::methodology::Methodology;
use ita_domain::oit_review::{item_points, item_points_text, oit_scores, progress_by_sub_indicator};
use ita_domain::platform::{Invalid, Role};
use ita_store::{
    Agency, OitAnswer, OitAnswerDraft, OitDispute, OitSnapshot, OitVerdict, Round, RoundWindows,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::{conflict_problem, render};
use crate::page::{Page, iso_date, local_time};
use crate::routes::agencies::{actor, readable_agency};
use crate::routes::surveys::{WindowState, today};
use crate::scoring::methodology_of;
use crate::snapshot::{fetch_snapshot, outside_domain_warning, parse_evidence_url};
use crate::{AppState, WebError};

/// Evidence URLs one item takes.
pub const MAX_URLS: usize = 20;
/// The longest explanation or dispute statement (characters).
pub const MAX_TEXT: usize = 5000;
/// Snapshots fetched at once after a submission.
const FETCHES_AT_ONCE: usize = 4;
/// What a stored snapshot may do in a browser: nothing (no script, no form, no plug-in, its own origin).
pub const SNAPSHOT_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/agencies/{id}/rounds/{round_id}/oit", get(agency_page).post(save_answers))
        .route("/agencies/{id}/rounds/{round_id}/oit/dispute", post(file_dispute))
        .route("/oit/snapshots/{id}", get(snapshot_file))
}

// Rights and windows.

/// Whether the viewer answers for the agency (its administrator and editors, the national administrator).
fn can_answer(viewer: &Viewer, agency: &Agency) -> bool {
    match viewer.principal.role {
        Role::NationalAdmin => true,
        Role::AgencyAdmin | Role::AgencyEditor => viewer.principal.agency_id == Some(agency.id),
        Role::ProvincialAnalyst | Role::Assessor => false,
    }
}

use ita_domain::platform::window_phase as window;

fn answer_window(windows: &RoundWindows, today: &str) -> WindowState {
    window(windows.oit_answer_from.as_deref(), windows.oit_answer_to.as_deref(), today)
}

fn clarification_window(windows: &RoundWindows, today: &str) -> WindowState {
    window(windows.clarification_from.as_deref(), windows.clarification_to.as_deref(), today)
}

/// Whether the review is over: the agency's people see verdicts only from the day after `oit_review_to`.
fn review_over(windows: &RoundWindows, today: &str) -> bool {
    windows.oit_review_to.as_deref().is_some_and(|to| today > to)
}

/// Whether this viewer sees the verdicts now: the national administrator and assessors as they come in,
/// everyone else once the review is over.
pub fn verdicts_visible(viewer: &Viewer, windows: &RoundWindows, today: &str) -> bool {
    matches!(viewer.principal.role, Role::NationalAdmin | Role::Assessor) || review_over(windows, today)
}

fn dates(lang: Lang, from: &Option<String>, to: &Option<String>) -> String {
    match (from, to) {
        (Some(from), Some(to)) => format!("{} – {}", iso_date(lang, from), iso_date(lang, to)),
        _ => lang.pick("ยังไม่ได้กำหนด", "not set yet").to_string(),
    }
}

fn state_text(lang: Lang, state: WindowState) -> &'static str {
    match state {
        WindowState::Unset => lang.pick("ยังไม่ได้กำหนด", "not set"),
        WindowState::Before => lang.pick("ยังไม่เริ่ม", "not begun"),
        WindowState::Open => lang.pick("อยู่ในช่วงนี้", "under way"),
        WindowState::Closed => lang.pick("สิ้นสุดแล้ว", "over"),
    }
}

/// Why the answers cannot be changed now, for those who could change them in the window.
fn closed_message(lang: Lang, windows: &RoundWindows, state: WindowState) -> Option<String> {
    let period = dates(lang, &windows.oit_answer_from, &windows.oit_answer_to);
    let (th, en) = match state {
        WindowState::Open => return None,
        WindowState::Unset => (
            "ยังไม่ได้กำหนดช่วงเวลาให้หน่วยงานตอบแบบวัด OIT จึงยังบันทึกคำตอบไม่ได้ ผู้ดูแลระบบระดับประเทศกำหนดได้ที่หน้ารอบการประเมิน"
                .to_string(),
            "the OIT answering period is not set, so answers cannot be saved yet: the national administrator sets it on the round's page"
                .to_string(),
        ),
        WindowState::Before => (
            format!("ยังไม่ถึงช่วงเวลาตอบแบบวัด OIT ({period}) จึงยังบันทึกคำตอบไม่ได้"),
            format!("the OIT answering period ({period}) has not begun: answers cannot be saved yet"),
        ),
        WindowState::Closed => (
            format!("พ้นช่วงเวลาตอบแบบวัด OIT ({period}) แล้ว คำตอบแสดงไว้เพื่ออ่านเท่านั้น และไม่สามารถแก้ไขหรือส่งเพิ่มได้"),
            format!("the OIT answering period ({period}) is over: the answers are shown read-only and cannot be changed"),
        ),
    };
    Some(lang.pick(&th, &en).to_string())
}

async fn round_of(state: &AppState, round_id: Uuid) -> Result<Round, WebError> {
    state.store.round(round_id).await?.ok_or(WebError::NotFound)
}

// The posted answer form.

/// One item as typed: `has.<code>` (`yes` or `no`), `urls.<code>` (one URL a line), `explanation.<code>`.
#[derive(Debug, Clone, Default)]
struct ItemInput {
    has: Option<String>,
    urls: String,
    explanation: String,
}

impl ItemInput {
    fn from_answer(answer: &OitAnswer) -> ItemInput {
        ItemInput {
            has: Some(if answer.has { "yes" } else { "no" }.to_string()),
            urls: answer.urls.join("\n"),
            explanation: answer.explanation.clone(),
        }
    }

    fn is_blank(&self) -> bool {
        self.has.as_deref().is_none_or(str::is_empty)
            && self.urls.trim().is_empty()
            && self.explanation.trim().is_empty()
    }
}

/// The items of the year as posted (unknown fields are ignored).
fn read_inputs(methodology: &Methodology, fields: &[(String, String)]) -> BTreeMap<String, ItemInput> {
    let mut inputs: BTreeMap<String, ItemInput> =
        methodology.oit_items.iter().map(|item| (item.code.clone(), ItemInput::default())).collect();
    for (name, value) in fields {
        let Some((kind, code)) = name.split_once('.') else { continue };
        let Some(input) = inputs.get_mut(code) else { continue };
        match kind {
            "has" => input.has = Some(value.trim().to_string()),
            "urls" => input.urls = value.clone(),
            "explanation" => input.explanation = value.clone(),
            _ => {}
        }
    }
    inputs
}

/// The answers to save, or the problems per item. A blank item is left out of a draft; a submission needs every
/// item answered, and a "มี" with at least one URL.
fn check_inputs(
    methodology: &Methodology,
    inputs: &BTreeMap<String, ItemInput>,
    submit: bool,
) -> Result<Vec<OitAnswerDraft>, BTreeMap<String, Vec<Invalid>>> {
    let mut drafts = Vec::new();
    let mut problems: BTreeMap<String, Vec<Invalid>> = BTreeMap::new();
    for item in &methodology.oit_items {
        let Some(input) = inputs.get(&item.code) else { continue };
        let mut issues = Vec::new();
        if input.is_blank() {
            if submit {
                issues.push(Invalid::new(
                    "ยังไม่ได้ตอบข้อนี้ กรุณาเลือก \"มี\" หรือ \"ไม่มี\" ก่อนส่งคำตอบ",
                    "this item is not answered: choose \"yes\" or \"no\" before submitting",
                ));
                problems.insert(item.code.clone(), issues);
            }
            continue;
        }
        let has = match input.has.as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => {
                issues.push(Invalid::new(
                    "กรุณาเลือก \"มี\" หรือ \"ไม่มี\" สำหรับข้อนี้",
                    "choose \"yes\" or \"no\" for this item",
                ));
                None
            }
        };
        let mut urls: Vec<String> = Vec::new();
        for (number, line) in input.urls.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match parse_evidence_url(line) {
                Ok(url) => {
                    let url = url.to_string();
                    if !urls.contains(&url) {
                        urls.push(url);
                    }
                }
                Err(problem) => issues.push(Invalid::new(
                    format!("ที่อยู่เว็บไซต์บรรทัดที่ {} ({line}): {}", number + 1, problem.message(Lang::Th)),
                    format!("URL on line {} ({line}): {}", number + 1, problem.message(Lang::En)),
                )),
            }
        }
        if urls.len() > MAX_URLS {
            issues.push(Invalid::new(
                format!("ระบุที่อยู่เว็บไซต์ได้ไม่เกิน {MAX_URLS} รายการต่อข้อ"),
                format!("at most {MAX_URLS} URLs per item"),
            ));
        }
        if input.explanation.chars().count() > MAX_TEXT {
            issues.push(Invalid::new(
                format!("คำอธิบายยาวเกิน {MAX_TEXT} ตัวอักษร"),
                format!("the explanation is longer than {MAX_TEXT} characters"),
            ));
        }
        if submit && has == Some(true) && urls.is_empty() && issues.is_empty() {
            issues.push(Invalid::new(
                "ตอบว่า \"มี\" ต้องระบุที่อยู่เว็บไซต์ (URL) ของหน้าที่แสดงข้อมูลอย่างน้อยหนึ่งรายการ",
                "a \"yes\" needs at least one URL of the page that shows it",
            ));
        }
        match (has, issues.is_empty()) {
            (Some(has), true) => drafts.push(OitAnswerDraft {
                item_code: item.code.clone(),
                has,
                urls,
                explanation: input.explanation.trim().to_string(),
            }),
            _ => {
                problems.insert(item.code.clone(), issues);
            }
        }
    }
    if problems.is_empty() { Ok(drafts) } else { Err(problems) }
}

/// Where the agency's submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Submission {
    NotYet,
    /// Every item submitted; the time of the last submission.
    Submitted(i64),
    /// Submitted once, then changed: the changed items are drafts until the agency submits again.
    ChangedSince,
}

fn submission(answers: &[OitAnswer], total: usize) -> Submission {
    let last = answers.iter().filter_map(|answer| answer.submitted_at).max();
    match last {
        None => Submission::NotYet,
        Some(at) if answers.len() >= total && answers.iter().all(|answer| answer.submitted_at.is_some()) => {
            Submission::Submitted(at)
        }
        Some(_) => Submission::ChangedSince,
    }
}

fn submission_text(lang: Lang, submission: Submission) -> String {
    match (submission, lang) {
        (Submission::NotYet, _) => lang.pick("ยังไม่ได้ส่งคำตอบ", "not submitted yet").to_string(),
        (Submission::Submitted(at), Lang::Th) => format!("ส่งคำตอบแล้วเมื่อ {}", local_time(lang, at)),
        (Submission::Submitted(at), Lang::En) => format!("submitted on {}", local_time(lang, at)),
        (Submission::ChangedSince, _) => lang
            .pick(
                "มีการแก้ไขคำตอบหลังส่ง ข้อที่แก้ไขเป็นร่างจนกว่าจะกด “ส่งคำตอบ” อีกครั้ง",
                "changed after submission: the changed items are drafts until submitted again",
            )
            .to_string(),
    }
}

// The page.

struct SnapshotView {
    link: Option<String>,
    outcome: String,
    status: String,
    sha256: String,
    time: String,
    ok: bool,
}

struct UrlView {
    url: String,
    warning: Option<String>,
    snapshot: Option<SnapshotView>,
}

struct ItemView {
    code: String,
    name: String,
    requires: String,
    period: String,
    elements: Vec<String>,
    points: String,
    has: String,
    urls_text: String,
    urls: Vec<UrlView>,
    explanation: String,
    issues: Vec<String>,
}

struct GroupView {
    code: String,
    name: String,
    answered: usize,
    total: usize,
    percent: u32,
    items: Vec<ItemView>,
}

struct DisputeView {
    statement: String,
    filed: String,
    status: String,
    reason: Option<String>,
}

struct VerdictView {
    code: String,
    name: String,
    passed: bool,
    reason: String,
    guidance: String,
    points: String,
    stage: String,
    /// The URLs the agency gave for the item, which a dispute points at.
    urls: Vec<String>,
    dispute: Option<DisputeView>,
    can_dispute: bool,
    statement: String,
    issue: Option<String>,
}

struct ScoreRow {
    label: String,
    score: String,
    judged: String,
    provisional: bool,
}

#[derive(Template)]
#[template(path = "oit/agency.html")]
struct OitPage {
    page: Page,
    agency: Agency,
    round: Round,
    base: String,
    windows: Vec<(String, String, String)>,
    editable: bool,
    closed: Option<String>,
    notice: Option<String>,
    messages: Vec<String>,
    submitted: String,
    answered: usize,
    total: usize,
    groups: Vec<GroupView>,
    verdicts_shown: bool,
    verdicts_note: String,
    scores: Vec<ScoreRow>,
    verdicts: Vec<VerdictView>,
    clarification_open: bool,
    clarification: String,
    website: String,
}

/// What a failed dispute form brings back to the page.
struct DisputeForm {
    item: String,
    statement: String,
    problem: Invalid,
}

/// What the page shows besides the stored data: the form as posted with its problems, a notice, a dispute.
#[derive(Default)]
struct Extras {
    posted: Option<BTreeMap<String, ItemInput>>,
    problems: BTreeMap<String, Vec<Invalid>>,
    notice: Option<String>,
    top: Vec<String>,
    dispute: Option<DisputeForm>,
}

fn snapshot_view(lang: Lang, snapshot: &OitSnapshot) -> SnapshotView {
    let ok = snapshot.outcome == "fetched";
    let outcome = if ok {
        lang.pick("เก็บสำเนาแล้ว", "copy kept").to_string()
    } else if let Some(kind) = snapshot.outcome.strip_prefix("refused:") {
        match lang {
            Lang::Th => format!("ระบบไม่ดึงข้อมูลจากที่อยู่นี้ ({kind})"),
            Lang::En => format!("not fetched ({kind})"),
        }
    } else {
        let kind = snapshot.outcome.strip_prefix("failed:").unwrap_or(&snapshot.outcome);
        match lang {
            Lang::Th => format!("ดึงข้อมูลไม่สำเร็จ ({kind})"),
            Lang::En => format!("fetch failed ({kind})"),
        }
    };
    SnapshotView {
        link: ok.then(|| format!("/oit/snapshots/{}", snapshot.id)),
        outcome,
        status: snapshot.status.map(|status| format!("HTTP {status}")).unwrap_or_default(),
        sha256: snapshot.sha256.clone(),
        time: local_time(lang, snapshot.fetched_at),
        ok,
    }
}

fn dispute_view(lang: Lang, dispute: &OitDispute) -> DisputeView {
    let status = match dispute.confirmed {
        None => lang.pick("รอผู้ประเมินพิจารณา", "awaiting the assessor"),
        Some(true) => lang.pick("ผู้ประเมินยืนยันผลไม่ผ่าน", "the assessor confirmed the failure"),
        Some(false) => lang.pick("ผู้ประเมินเปลี่ยนผลเป็นผ่าน", "the assessor changed the verdict to a pass"),
    };
    DisputeView {
        statement: dispute.statement.clone(),
        filed: local_time(lang, dispute.filed_at),
        status: status.to_string(),
        reason: dispute.resolution_reason.clone(),
    }
}

async fn build_page(
    state: &AppState,
    viewer: &Viewer,
    agency: Agency,
    round: Round,
    extras: Extras,
) -> Result<OitPage, WebError> {
    let lang = viewer.lang;
    let methodology = methodology_of(state, &round)?;
    let today = today();
    let windows = &round.windows;
    let answer_state = answer_window(windows, &today);
    let clarification_state = clarification_window(windows, &today);
    let writer = can_answer(viewer, &agency);
    let answers = state.store.oit_answers(agency.id, round.id).await?;
    let snapshots = state.store.oit_snapshots(agency.id, round.id).await?;
    let stored: BTreeMap<&str, &OitAnswer> =
        answers.iter().map(|answer| (answer.item_code.as_str(), answer)).collect();
    let website = agency.website.clone().unwrap_or_default();
    let progress =
        progress_by_sub_indicator(methodology, answers.iter().map(|answer| answer.item_code.as_str()));
    let mut groups = Vec::new();
    for sub in progress {
        let items = methodology
            .oit_items_of(&sub.code)
            .map(|item| {
                let input = match &extras.posted {
                    Some(posted) => posted.get(&item.code).cloned().unwrap_or_default(),
                    None => stored
                        .get(item.code.as_str())
                        .map(|answer| ItemInput::from_answer(answer))
                        .unwrap_or_default(),
                };
                let urls = stored
                    .get(item.code.as_str())
                    .map(|answer| {
                        answer
                            .urls
                            .iter()
                            .map(|url| UrlView {
                                url: url.clone(),
                                warning: parse_evidence_url(url)
                                    .ok()
                                    .and_then(|parsed| outside_domain_warning(&parsed, &website))
                                    .map(|warning| lang.pick(&warning.th, &warning.en).to_string()),
                                snapshot: snapshots
                                    .iter()
                                    .filter(|snapshot| {
                                        snapshot.item_code == item.code && snapshot.requested_url == *url
                                    })
                                    .max_by_key(|snapshot| snapshot.fetched_at)
                                    .map(|snapshot| snapshot_view(lang, snapshot)),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ItemView {
                    code: item.code.clone(),
                    name: item.name(lang).to_string(),
                    requires: lang.pick(&item.requires_th, &item.requires_en).to_string(),
                    period: item.period.label(lang).to_string(),
                    elements: item
                        .elements
                        .iter()
                        .map(|element| {
                            format!("{}. {}", element.number, lang.pick(&element.text_th, &element.text_en))
                        })
                        .collect(),
                    points: item_points(methodology, &item.code)
                        .map(|points| item_points_text(&points, lang))
                        .unwrap_or_default(),
                    has: input.has.unwrap_or_default(),
                    urls_text: input.urls,
                    urls,
                    explanation: input.explanation,
                    issues: extras
                        .problems
                        .get(&item.code)
                        .map(|issues| {
                            issues.iter().map(|issue| lang.pick(&issue.th, &issue.en).to_string()).collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        groups.push(GroupView {
            name: sub.name(lang).to_string(),
            answered: sub.answered,
            total: sub.total,
            percent: sub.percent(),
            code: sub.code,
            items,
        });
    }
    let submitted = submission_text(lang, submission(&answers, methodology.oit_items.len()));
    let shown = verdicts_visible(viewer, windows, &today);
    let (scores, verdicts) = if shown {
        let verdicts = state.store.oit_verdicts(agency.id, round.id).await?;
        let disputes = state.store.oit_disputes(agency.id, round.id).await?;
        let disputable = writer && clarification_state == WindowState::Open && review_over(windows, &today);
        (
            score_rows(lang, methodology, &verdicts),
            verdict_views(lang, methodology, &verdicts, &disputes, &stored, disputable, &extras),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let verdicts_note = if shown {
        String::new()
    } else {
        match (&windows.oit_review_to, lang) {
            (Some(to), Lang::Th) => {
                format!("ผลการพิจารณาของผู้ประเมินจะแสดงหลังสิ้นสุดช่วงการตรวจ ({})", iso_date(lang, to))
            }
            (Some(to), Lang::En) => {
                format!("the assessors' verdicts are shown once the review ends ({})", iso_date(lang, to))
            }
            (None, _) => lang
                .pick(
                    "ผลการพิจารณาของผู้ประเมินจะแสดงหลังสิ้นสุดช่วงการตรวจ",
                    "the assessors' verdicts are shown once the review ends",
                )
                .to_string(),
        }
    };
    let mut top = extras.top;
    if !extras.problems.is_empty() {
        for item in &methodology.oit_items {
            if let Some(issues) = extras.problems.get(&item.code) {
                for issue in issues {
                    top.push(format!("{}: {}", item.code, lang.pick(&issue.th, &issue.en)));
                }
            }
        }
    }
    let window_rows = vec![
        (
            lang.pick("ช่วงหน่วยงานตอบแบบวัด OIT", "OIT answering").to_string(),
            dates(lang, &windows.oit_answer_from, &windows.oit_answer_to),
            state_text(lang, answer_state).to_string(),
        ),
        (
            lang.pick("ช่วงผู้ประเมินตรวจ", "Review").to_string(),
            dates(lang, &windows.oit_review_from, &windows.oit_review_to),
            state_text(
                lang,
                window(windows.oit_review_from.as_deref(), windows.oit_review_to.as_deref(), &today),
            )
            .to_string(),
        ),
        (
            lang.pick("ช่วงชี้แจงข้อที่ไม่ผ่าน", "Clarification").to_string(),
            dates(lang, &windows.clarification_from, &windows.clarification_to),
            state_text(lang, clarification_state).to_string(),
        ),
    ];
    Ok(OitPage {
        page: viewer.page(format!(
            "{} · {} {}",
            agency.name_th,
            viewer.t("แบบวัด OIT", "OIT"),
            round.fiscal_year
        )),
        base: format!("/agencies/{}/rounds/{}/oit", agency.id, round.id),
        windows: window_rows,
        editable: writer && answer_state == WindowState::Open,
        closed: if writer { closed_message(lang, windows, answer_state) } else { None },
        notice: extras.notice,
        messages: top,
        submitted,
        answered: answers.len(),
        total: methodology.oit_items.len(),
        groups,
        verdicts_shown: shown,
        verdicts_note,
        scores,
        verdicts,
        clarification_open: clarification_state == WindowState::Open,
        clarification: dates(lang, &windows.clarification_from, &windows.clarification_to),
        website,
        agency,
        round,
    })
}

/// The checklist indicators from the verdicts so far (provisional while items are unjudged).
fn score_rows(lang: Lang, methodology: &Methodology, verdicts: &[OitVerdict]) -> Vec<ScoreRow> {
    let pairs: Vec<(&str, bool)> = verdicts
        .iter()
        .filter(|verdict| methodology.oit_item(&verdict.item_code).is_some())
        .map(|verdict| (verdict.item_code.as_str(), verdict.passed))
        .collect();
    if pairs.is_empty() {
        return Vec::new();
    }
    let scores = match oit_scores(methodology, &pairs) {
        Ok(scores) => scores,
        Err(error) => {
            tracing::error!(%error, "stored OIT verdicts do not score");
            return Vec::new();
        }
    };
    scores
        .iter()
        .map(|score| {
            let name = methodology
                .indicator(score.number)
                .map(|indicator| lang.pick(&indicator.name_th, &indicator.name_en).to_string())
                .unwrap_or_default();
            ScoreRow {
                label: format!("{}. {name}", score.number),
                score: score
                    .score
                    .as_ref()
                    .map(|score| score.round_hundredths().to_string())
                    .unwrap_or_else(|| "-".into()),
                judged: match lang {
                    Lang::Th => format!("พิจารณาแล้ว {} จาก {} ข้อ", score.judged, score.items),
                    Lang::En => format!("{} of {} items judged", score.judged, score.items),
                },
                provisional: !score.complete(),
            }
        })
        .collect()
}

fn verdict_views(
    lang: Lang,
    methodology: &Methodology,
    verdicts: &[OitVerdict],
    disputes: &[OitDispute],
    stored: &BTreeMap<&str, &OitAnswer>,
    disputable: bool,
    extras: &Extras,
) -> Vec<VerdictView> {
    methodology
        .oit_items
        .iter()
        .filter_map(|item| {
            let verdict = verdicts.iter().find(|verdict| verdict.item_code == item.code)?;
            let dispute = disputes.iter().find(|dispute| dispute.item_code == item.code);
            let form = extras.dispute.as_ref().filter(|form| form.item == item.code);
            Some(VerdictView {
                code: item.code.clone(),
                name: item.name(lang).to_string(),
                passed: verdict.passed,
                reason: verdict.reason.clone(),
                guidance: verdict.guidance.clone(),
                points: item_points(methodology, &item.code)
                    .map(|points| item_points_text(&points, lang))
                    .unwrap_or_default(),
                stage: match verdict.stage.as_str() {
                    "clarification" => lang.pick("หลังการชี้แจง", "after clarification").to_string(),
                    _ => String::new(),
                },
                urls: stored.get(item.code.as_str()).map(|answer| answer.urls.clone()).unwrap_or_default(),
                dispute: dispute.map(|dispute| dispute_view(lang, dispute)),
                can_dispute: disputable && !verdict.passed && dispute.is_none(),
                statement: form.map(|form| form.statement.clone()).unwrap_or_default(),
                issue: form.map(|form| lang.pick(&form.problem.th, &form.problem.en).to_string()),
            })
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    saved: Option<String>,
    disputed: Option<String>,
}

async fn agency_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let agency = readable_agency(&state, &viewer, id).await?;
    let round = round_of(&state, round_id).await?;
    let notice = match (query.saved.as_deref(), query.disputed.as_deref()) {
        (Some("draft"), _) => Some(viewer.t("บันทึกร่างแล้ว ยังไม่ได้ส่งคำตอบ", "Draft saved; the answers are not submitted yet")),
        (Some("submitted"), _) => Some(viewer.t(
            "ส่งคำตอบแล้ว ระบบกำลังเก็บสำเนาหน้าเว็บของทุกที่อยู่ที่ระบุ (ผลการเก็บสำเนาแสดงใต้แต่ละที่อยู่เมื่อเสร็จ)",
            "Answers submitted; the server is keeping a copy of every page given (shown under each URL when done)",
        )),
        (_, Some(_)) => Some(viewer.t("ยื่นคำชี้แจงแล้ว ผู้ประเมินจะพิจารณาและแจ้งผล", "Dispute filed; the assessor will answer it")),
        _ => None,
    }
    .map(str::to_string);
    let extras = Extras { notice, ..Extras::default() };
    render(&build_page(&state, &viewer, agency, round, extras).await?)
}

async fn save_answers(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let agency = readable_agency(&state, &viewer, id).await?;
    if !can_answer(&viewer, &agency) {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, round_id).await?;
    if answer_window(&round.windows, &today()) != WindowState::Open {
        let page = build_page(&state, &viewer, agency, round, Extras::default()).await?;
        return Ok((StatusCode::FORBIDDEN, render(&page)?).into_response());
    }
    let methodology = methodology_of(&state, &round)?;
    let submit = fields.iter().any(|(name, value)| name == "action" && value == "submit");
    let inputs = read_inputs(methodology, &fields);
    let drafts = match check_inputs(methodology, &inputs, submit) {
        Ok(drafts) => drafts,
        Err(problems) => {
            let extras = Extras { posted: Some(inputs), problems, ..Extras::default() };
            let page = build_page(&state, &viewer, agency, round, extras).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
    };
    let drafts = if submit {
        drafts
    } else {
        // A draft writes only what changed: an unchanged item stays as it was (submitted, if it was).
        let stored = state.store.oit_answers(agency.id, round.id).await?;
        drafts
            .into_iter()
            .filter(|draft| {
                !stored.iter().any(|answer| {
                    answer.item_code == draft.item_code
                        && answer.has == draft.has
                        && answer.urls == draft.urls
                        && answer.explanation == draft.explanation
                })
            })
            .collect()
    };
    let saved = state.store.put_oit_answers(&actor(&viewer), agency.id, round.id, &drafts, submit).await?;
    if submit {
        fetch_snapshots(&state, agency.id, round.id, &saved).await?;
    }
    let outcome = if submit { "submitted" } else { "draft" };
    Ok(Redirect::to(&format!("/agencies/{id}/rounds/{round_id}/oit?saved={outcome}")).into_response())
}

/// Fetches, in the background, every submitted URL that has no snapshot yet (each once), and keeps what came.
async fn fetch_snapshots(
    state: &AppState,
    agency_id: Uuid,
    round_id: Uuid,
    answers: &[OitAnswer],
) -> Result<(), WebError> {
    let taken: BTreeSet<(String, String)> = state
        .store
        .oit_snapshots(agency_id, round_id)
        .await?
        .into_iter()
        .map(|snapshot| (snapshot.item_code, snapshot.requested_url))
        .collect();
    let jobs: Vec<(String, String)> = answers
        .iter()
        .flat_map(|answer| answer.urls.iter().map(|url| (answer.item_code.clone(), url.clone())))
        .filter(|job| !taken.contains(job))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if jobs.is_empty() {
        return Ok(());
    }
    let store = state.store.clone();
    let client = state.snapshot_client.clone();
    let policy = state.snapshot_policy.clone();
    tokio::spawn(async move {
        futures_util::stream::iter(jobs)
            .for_each_concurrent(FETCHES_AT_ONCE, |(item_code, url)| {
                let (store, client, policy) = (&store, &client, &policy);
                async move {
                    let snapshot = match fetch_snapshot(client, &url, policy).await {
                        Ok(snapshot) => snapshot,
                        Err(problem) => {
                            tracing::warn!(%problem, %url, "a stored evidence URL does not parse");
                            return;
                        }
                    };
                    let record = OitSnapshot {
                        id: Uuid::new_v4(),
                        agency_id,
                        round_id,
                        item_code,
                        requested_url: url,
                        final_url: snapshot.final_url.clone(),
                        status: snapshot.status,
                        content_type: snapshot.content_type.clone(),
                        sha256: snapshot.sha256.clone(),
                        size: i64::try_from(snapshot.body.len()).unwrap_or(i64::MAX),
                        truncated: snapshot.truncated,
                        outcome: snapshot.outcome.code(),
                        fetched_at: snapshot.fetched_at,
                    };
                    if let Err(error) = store.put_oit_snapshot(&record, &snapshot.body).await {
                        tracing::error!(%error, url = %record.requested_url, "keeping an evidence snapshot failed");
                    }
                }
            })
            .await;
    });
    Ok(())
}

// Disputes.

#[derive(Debug, Default, Deserialize)]
struct DisputeFields {
    #[serde(default)]
    item: String,
    #[serde(default)]
    statement: String,
}

async fn file_dispute(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, round_id)): Path<(Uuid, Uuid)>,
    Form(form): Form<DisputeFields>,
) -> Result<Response, WebError> {
    let agency = readable_agency(&state, &viewer, id).await?;
    if !can_answer(&viewer, &agency) {
        return Err(WebError::Forbidden);
    }
    let round = round_of(&state, round_id).await?;
    let today = today();
    let windows = &round.windows;
    if clarification_window(windows, &today) != WindowState::Open || !review_over(windows, &today) {
        let period = dates(viewer.lang, &windows.clarification_from, &windows.clarification_to);
        let problem = Invalid::new(
            format!("ยื่นคำชี้แจงได้เฉพาะในช่วงชี้แจงข้อที่ไม่ผ่าน ({period}) ขณะนี้ไม่อยู่ในช่วงดังกล่าว คำชี้แจงจึงไม่ถูกบันทึก"),
            format!(
                "disputes are taken only in the clarification period ({period}), which this is not: nothing was saved"
            ),
        );
        return dispute_refused(&state, &viewer, agency, round, form, problem, StatusCode::FORBIDDEN).await;
    }
    let methodology = methodology_of(&state, &round)?;
    let item = form.item.trim().to_string();
    if methodology.oit_item(&item).is_none() {
        let problem = Invalid::new(
            format!("ไม่มีข้อ {item} ในแบบวัด OIT ของปีนี้"),
            format!("there is no OIT item {item} this year"),
        );
        return dispute_refused(
            &state,
            &viewer,
            agency,
            round,
            form,
            problem,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let verdicts = state.store.oit_verdicts(agency.id, round.id).await?;
    match verdicts.iter().find(|verdict| verdict.item_code == item) {
        Some(verdict) if !verdict.passed => {}
        Some(_) => {
            let problem = Invalid::new(
                format!("ข้อ {item} ผ่านการพิจารณาแล้ว ยื่นคำชี้แจงได้เฉพาะข้อที่ไม่ผ่าน"),
                format!("item {item} passed: only failed items can be disputed"),
            );
            return dispute_refused(&state, &viewer, agency, round, form, problem, StatusCode::CONFLICT)
                .await;
        }
        None => {
            let problem = Invalid::new(
                format!("ข้อ {item} ยังไม่มีผลการพิจารณา ยื่นคำชี้แจงได้เฉพาะข้อที่ไม่ผ่าน"),
                format!("item {item} has no verdict: only failed items can be disputed"),
            );
            return dispute_refused(&state, &viewer, agency, round, form, problem, StatusCode::CONFLICT)
                .await;
        }
    }
    let statement = form.statement.trim().to_string();
    if statement.is_empty() || statement.chars().count() > MAX_TEXT {
        let problem = if statement.is_empty() {
            Invalid::new(
                "กรุณาเขียนคำชี้แจง โดยระบุว่าข้อมูลอยู่ที่ใดในที่อยู่เว็บไซต์ที่ส่งไว้เดิม",
                "write the statement: say where on the URL given before the information is",
            )
        } else {
            Invalid::new(
                format!("คำชี้แจงยาวเกิน {MAX_TEXT} ตัวอักษร"),
                format!("the statement is longer than {MAX_TEXT} characters"),
            )
        };
        return dispute_refused(
            &state,
            &viewer,
            agency,
            round,
            form,
            problem,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state.store.put_oit_dispute(&actor(&viewer), agency.id, round.id, &item, &statement).await {
        Ok(_) => Ok(Redirect::to(&format!("/agencies/{id}/rounds/{round_id}/oit?disputed={item}#verdicts"))
            .into_response()),
        Err(error) => {
            let mut problem = conflict_problem(error)?;
            problem = Invalid::new(
                format!("ข้อ {item} ยื่นคำชี้แจงไปแล้ว ยื่นได้ข้อละหนึ่งครั้ง ({})", problem.th),
                format!("item {item} was disputed already; one dispute per item ({})", problem.en),
            );
            dispute_refused(&state, &viewer, agency, round, form, problem, StatusCode::CONFLICT).await
        }
    }
}

async fn dispute_refused(
    state: &AppState,
    viewer: &Viewer,
    agency: Agency,
    round: Round,
    form: DisputeFields,
    problem: Invalid,
    status: StatusCode,
) -> Result<Response, WebError> {
    let extras = Extras {
        top: vec![viewer.t(&problem.th, &problem.en).to_string()],
        dispute: Some(DisputeForm { item: form.item.trim().to_string(), statement: form.statement, problem }),
        ..Extras::default()
    };
    let page = build_page(state, viewer, agency, round, extras).await?;
    Ok((status, render(&page)?).into_response())
}

// Snapshots.

/// Content types shown in the browser (still sandboxed); everything else is a download.
const INLINE_TYPES: [&str; 5] = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];

/// The stored type's essence (`text/html`) when it is a plain `type/subtype`, else none.
fn essence(content_type: Option<&str>) -> Option<String> {
    let essence = content_type?.split(';').next()?.trim().to_ascii_lowercase();
    let plain = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
    };
    let (kind, sub) = essence.split_once('/')?;
    (plain(kind) && plain(sub)).then_some(essence)
}

fn extension(essence: &str) -> &'static str {
    match essence {
        "text/html" | "application/xhtml+xml" => "html",
        "text/plain" => "txt",
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/json" => "json",
        "text/xml" | "application/xml" => "xml",
        "text/csv" => "csv",
        _ => "bin",
    }
}

/// The bytes the server kept of an evidence URL: never as a page of this site. Every answer is sandboxed and
/// unsniffed; images and PDFs are shown, everything else (HTML above all) is downloaded.
async fn snapshot_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<Uuid>,
) -> Result<Response, WebError> {
    let Some((snapshot, body)) = state.store.oit_snapshot_body(id).await? else {
        return Err(WebError::NotFound);
    };
    readable_agency(&state, &viewer, snapshot.agency_id).await?;
    let essence = essence(snapshot.content_type.as_deref());
    let inline = essence.as_deref().is_some_and(|essence| INLINE_TYPES.contains(&essence));
    let shown_type = essence.unwrap_or_else(|| "application/octet-stream".to_string());
    let file_name = format!(
        "snapshot-{}-{}.{}",
        snapshot.item_code.chars().filter(char::is_ascii_alphanumeric).collect::<String>(),
        &snapshot.sha256.get(..12).unwrap_or("0"),
        extension(&shown_type)
    );
    let disposition = if inline {
        format!("inline; filename=\"{file_name}\"")
    } else {
        format!("attachment; filename=\"{file_name}\"")
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let value = |text: &str| HeaderValue::from_str(text).map_err(anyhow::Error::new);
    headers.insert(header::CONTENT_TYPE, value(&shown_type)?);
    headers.insert(header::CONTENT_DISPOSITION, value(&disposition)?);
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SNAPSHOT_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

// The agency's round page.

pub struct OitScoreSummary {
    pub label: String,
    pub score: String,
    pub judged: String,
    pub provisional: bool,
}

/// The OIT section of an agency's round page: answering progress, submission, and indicators 9 and 10 from the
/// verdicts once this viewer may see them.
pub struct OitSummary {
    pub link: String,
    pub window: String,
    pub answered: usize,
    pub total: usize,
    pub percent: u32,
    pub submitted: String,
    pub scores: Vec<OitScoreSummary>,
    pub note: Option<String>,
}

pub async fn round_summary(
    state: &AppState,
    viewer: &Viewer,
    agency: &Agency,
    round: &Round,
) -> Result<OitSummary, WebError> {
    let lang = viewer.lang;
    let methodology = methodology_of(state, round)?;
    let today = today();
    let answers = state.store.oit_answers(agency.id, round.id).await?;
    let total = methodology.oit_items.len();
    let answered = answers.len();
    let submitted = submission_text(lang, submission(&answers, total));
    let (scores, note) = if verdicts_visible(viewer, &round.windows, &today) {
        let verdicts = state.store.oit_verdicts(agency.id, round.id).await?;
        let rows = score_rows(lang, methodology, &verdicts);
        let note = rows.is_empty().then(|| lang.pick("ยังไม่มีผลการพิจารณา", "no verdict yet").to_string());
        let rows = rows
            .into_iter()
            .map(|row| OitScoreSummary {
                label: row.label,
                score: row.score,
                judged: row.judged,
                provisional: row.provisional,
            })
            .collect();
        (rows, note)
    } else {
        (
            Vec::new(),
            Some(
                lang.pick(
                    "คะแนนจากผลการพิจารณาจะแสดงหลังสิ้นสุดช่วงการตรวจ",
                    "scores from the verdicts are shown once the review ends",
                )
                .to_string(),
            ),
        )
    };
    Ok(OitSummary {
        link: format!("/agencies/{}/rounds/{}/oit", agency.id, round.id),
        window: format!(
            "{} ({})",
            dates(lang, &round.windows.oit_answer_from, &round.windows.oit_answer_to),
            state_text(lang, answer_window(&round.windows, &today))
        ),
        answered,
        total,
        percent: (answered * 100)
            .checked_div(total)
            .map_or(0, |percent| u32::try_from(percent).unwrap_or(100)),
        submitted,
        scores,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_content_types_are_passed_on() {
        assert_eq!(essence(Some("text/html; charset=utf-8")).as_deref(), Some("text/html"));
        assert_eq!(essence(Some("Image/PNG")).as_deref(), Some("image/png"));
        assert_eq!(essence(Some("text/html\r\nX-Evil: 1")), None);
        assert_eq!(essence(Some("nonsense")), None);
        assert_eq!(essence(None), None);
        assert_eq!(extension("text/html"), "html");
        assert_eq!(extension("image/svg+xml"), "bin", "SVG can carry script: never inline, never .svg");
    }
}
