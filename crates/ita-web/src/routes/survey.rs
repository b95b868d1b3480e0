//! The respondent's side of the IIT and EIT surveys (`/s/...`): no account, no cookie of ours, nothing that
//! says who answered. A form view carries a signed single-use token; a submission is checked (address rate
//! limit, size, token, window, answers) and handed to the group commit, and the respondent is thanked only once
//! it is durable. Nothing here logs an address or anything else about a respondent. What a request looks up (the
//! agency, the round, the IIT code and headcount) and the form's markup are kept in memory (`survey_cache`), so a
//! view of a form asks the store nothing and only fills in its own token, name and links.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ita_domain::Lang;
use ita_domain::platform::AgencyCode;
use ita_domain::questionnaire::{AnswerIssue, Questionnaire, RELATION_FIELD};
use ita_domain::thai::CalendarDate;
use ita_store::{
    Agency, GroupCommit, GroupCommitSettings, Round, Store, StoreError, Submission, SubmissionOutcome,
};
use serde::Deserialize;

use crate::page::{iso_date, url_encode};
use crate::survey_cache::{Prerendered, Site, Slot, SurveyCache};
use crate::survey_limiter::SurveyLimiter;
use crate::survey_token::{SECRET_NAME, SurveyInstrument, TokenError, TokenKey};
use crate::{AppState, Settings, WebError};

/// The largest survey form taken: a form of a few hundred answers is a few kilobytes.
pub const SURVEY_BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/s/{agency}/{year}/{instrument}", get(open_form).post(submit))
        .route("/s/{agency}/{year}/{instrument}/thanks", get(thanks))
}

/// What the survey routes keep while the server runs: the group-commit writer, the token key (read from the
/// store on first use), the per-address limits, what they look up and render (`survey_cache`), and the clock.
#[derive(Debug, Clone)]
pub struct SurveyRuntime {
    commit: GroupCommit,
    key: Arc<tokio::sync::OnceCell<TokenKey>>,
    limiter: Arc<SurveyLimiter>,
    cache: Arc<SurveyCache>,
    clock: fn() -> i64,
}

impl SurveyRuntime {
    /// Starts the group-commit writer on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>, settings: &Settings) -> SurveyRuntime {
        SurveyRuntime {
            commit: GroupCommit::start(store, GroupCommitSettings::default()),
            key: Arc::new(tokio::sync::OnceCell::new()),
            limiter: Arc::new(SurveyLimiter::new(settings.survey_submissions_per_minute)),
            cache: Arc::new(SurveyCache::default()),
            clock: crate::auth::now,
        }
    }

    /// What the public survey routes keep in memory.
    pub(crate) fn cache(&self) -> &SurveyCache {
        &self.cache
    }

    /// Forgets the agencies, rounds, access codes and headcounts the public survey routes looked up: for a write
    /// that did not go through this server's staff routes (those forget by themselves), such as a test's or
    /// another process's writing the store directly.
    pub fn forget_cached(&self) {
        self.cache.forget();
    }

    /// How many times the looked-up surveys were dropped since the server started (by the staff writes that can
    /// change a survey, see `survey_cache::leaves_surveys_alone`).
    pub fn cache_generation(&self) -> u64 {
        self.cache.generation()
    }

    /// The one source of time of the survey routes: Unix seconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Today in Thailand (UTC+7), which decides whether a window is open and is the day a response keeps.
    pub fn today(&self) -> CalendarDate {
        CalendarDate::from_days_since_1970((self.now() + 7 * 3600).div_euclid(86_400))
    }

    async fn key(&self, store: &dyn Store) -> Result<&TokenKey, WebError> {
        self.key
            .get_or_try_init(|| async { store.secret(SECRET_NAME).await.map(TokenKey::new) })
            .await
            .map_err(WebError::from)
    }

    fn questionnaire(
        &self,
        state: &AppState,
        round: &Round,
        instrument: SurveyInstrument,
    ) -> Result<Arc<Questionnaire>, WebError> {
        let key = (round.methodology_year, round.methodology_variant.clone(), instrument);
        self.cache.questionnaire(key, || {
            let methodology = crate::scoring::methodology_of(state, round)?;
            Questionnaire::new(methodology, instrument.code())
                .map_err(|error| WebError::Internal(anyhow::Error::new(error)))
        })
    }

    /// The form of `round`'s `instrument` in `lang`, rendered once with a marker for each per-view part.
    fn prerendered_form(
        &self,
        state: &AppState,
        round: &Round,
        instrument: SurveyInstrument,
        lang: Lang,
    ) -> Result<Arc<Prerendered>, WebError> {
        let key = (round.methodology_year, round.methodology_variant.clone(), instrument, lang);
        self.cache.form(key, || {
            let questionnaire = self.questionnaire(state, round, instrument)?;
            let page =
                form_page(&questionnaire, instrument, lang, &FormParts::markers(), &HashMap::new(), &[]);
            let html = page.render().map_err(anyhow::Error::new)?;
            Prerendered::split(&html).map_err(|problem| {
                WebError::Internal(anyhow::anyhow!(
                    "the survey form template cannot be rendered once: {problem}"
                ))
            })
        })
    }
}

fn iso(date: CalendarDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// A request that ends early: with a page made for it, or with an error.
enum Stop {
    /// Boxed: a response is large, and this travels in every `Result` of the module.
    Page(Box<Response>),
    Error(WebError),
}

impl From<WebError> for Stop {
    fn from(error: WebError) -> Stop {
        Stop::Error(error)
    }
}

impl From<StoreError> for Stop {
    fn from(error: StoreError) -> Stop {
        Stop::Error(error.into())
    }
}

impl IntoResponse for Stop {
    fn into_response(self) -> Response {
        match self {
            Stop::Page(response) => *response,
            Stop::Error(error) => error.into_response(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Pages.

/// The frame of every respondent page: no menu, no account; the agency's name and the language switch.
struct Frame {
    lang: Lang,
    title: String,
    agency: String,
    /// The same page in the other language; `None` on the answer to a submission (which shows both).
    switch: Option<String>,
}

impl Frame {
    fn t<'a>(&self, thai: &'a str, english: &'a str) -> &'a str {
        self.lang.pick(thai, english)
    }

    fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    fn other_code(&self) -> &'static str {
        if self.lang == Lang::Th { "en" } else { "th" }
    }
}

#[derive(Template)]
#[template(path = "survey/message.html")]
struct MessagePage {
    frame: Frame,
    status: u16,
    heading: String,
    body: String,
    /// The same in the other language.
    other_heading: String,
    other_body: String,
    action: Option<(String, String)>,
    /// The draft to forget (the answers are stored already).
    clear_draft: Option<String>,
}

/// A refusal or an outcome, in Thai and English.
struct Notice {
    status: StatusCode,
    heading: (String, String),
    body: (String, String),
    /// Where to go next, and the words of the link (Thai, English).
    action: Option<(String, String, String)>,
    retry_after: Option<u64>,
    clear_draft: Option<String>,
}

impl Notice {
    fn new(status: StatusCode, heading: (&str, &str), body: (String, String)) -> Notice {
        Notice {
            status,
            heading: (heading.0.to_string(), heading.1.to_string()),
            body,
            action: None,
            retry_after: None,
            clear_draft: None,
        }
    }

    fn action(mut self, href: String, thai: &str, english: &str) -> Notice {
        self.action = Some((href, thai.to_string(), english.to_string()));
        self
    }

    fn render(self, lang: Lang, agency: &str, switch: Option<String>) -> Response {
        let pick = |pair: &(String, String)| match lang {
            Lang::Th => (pair.0.clone(), pair.1.clone()),
            Lang::En => (pair.1.clone(), pair.0.clone()),
        };
        let (heading, other_heading) = pick(&self.heading);
        let (body, other_body) = pick(&self.body);
        let page = MessagePage {
            frame: Frame { lang, title: heading.clone(), agency: agency.to_string(), switch },
            status: self.status.as_u16(),
            heading,
            body,
            other_heading,
            other_body,
            action: self.action.map(|(href, thai, english)| (href, lang.pick(&thai, &english).to_string())),
            clear_draft: self.clear_draft,
        };
        match crate::error::render(&page) {
            Ok(html) => {
                let mut response = (self.status, html).into_response();
                if let Some(seconds) = self.retry_after
                    && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
                {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            Err(error) => error.into_response(),
        }
    }
}

#[derive(Template)]
#[template(path = "survey/code.html")]
struct CodePage {
    frame: Frame,
    instrument_name: String,
    fiscal_year: String,
    action: String,
    wrong: bool,
}

#[derive(Template)]
#[template(path = "survey/thanks.html")]
struct ThanksPage {
    frame: Frame,
    instrument_name: String,
    draft_key: String,
}

#[derive(Template)]
#[template(path = "survey/form.html")]
struct FormPage {
    frame: Frame,
    instrument_name: String,
    fiscal_year: String,
    closes_on: String,
    action: String,
    token: String,
    draft_key: String,
    question_count: usize,
    relation: Option<QuestionView>,
    groups: Vec<GroupView>,
    /// Every problem of a refused submission: the input to go to and what to do.
    problems: Vec<(String, String)>,
}

impl FormPage {
    fn progress_text(&self) -> String {
        match self.frame.lang {
            Lang::Th => format!("ตอบแล้ว {{answered}} จาก {} ข้อ", self.question_count),
            Lang::En => format!("{{answered}} of {} questions answered", self.question_count),
        }
    }
}

/// ตัวชี้วัด: a heading and its items.
struct GroupView {
    heading: String,
    items: Vec<ItemView>,
}

/// One item: asked as a whole (one question under the item's own text) or as several sub-questions.
struct ItemView {
    code: String,
    text: String,
    whole: bool,
    questions: Vec<QuestionView>,
}

/// One radio group.
struct QuestionView {
    field: String,
    id: String,
    legend: String,
    error: Option<String>,
    choices: Vec<ChoiceView>,
}

impl QuestionView {
    fn error_id(&self) -> String {
        format!("{}-error", self.id)
    }
}

struct ChoiceView {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

/// `q.I1.1` as an HTML id: `q-I1-1`.
fn field_id(field: &str) -> String {
    field.chars().map(|character| if character.is_ascii_alphanumeric() { character } else { '-' }).collect()
}

fn question_view(
    field: &str,
    legend: String,
    options: impl Iterator<Item = (String, String)>,
    posted: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> QuestionView {
    let id = field_id(field);
    let chosen = posted.get(field).map(|value| value.trim());
    let choices = options
        .enumerate()
        .map(|(index, (value, label))| ChoiceView {
            id: format!("{id}-{index}"),
            checked: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect();
    QuestionView { field: field.to_string(), id, legend, error: errors.get(field).cloned(), choices }
}

/// The form's questions, grouped by indicator, with what was posted checked and each problem by its question.
fn form_views(
    questionnaire: &Questionnaire,
    lang: Lang,
    posted: &HashMap<String, String>,
    issues: &[AnswerIssue],
) -> (Option<QuestionView>, Vec<GroupView>, Vec<(String, String)>) {
    let mut errors: HashMap<String, String> = HashMap::new();
    for issue in issues {
        errors.entry(issue.field().to_string()).or_insert_with(|| issue.message(lang));
    }
    let relation = questionnaire.asks_relation().then(|| {
        question_view(
            RELATION_FIELD,
            lang.pick("ท่านมีความเกี่ยวข้องกับหน่วยงานนี้ในฐานะใด", "How are you related to this agency?").to_string(),
            questionnaire.relations().iter().map(|relation| {
                (relation.code.clone(), lang.pick(&relation.name_th, &relation.name_en).to_string())
            }),
            posted,
            &errors,
        )
    });
    let groups = questionnaire
        .groups()
        .iter()
        .map(|group| GroupView {
            heading: match lang {
                Lang::Th => format!("ตัวชี้วัดที่ {} {}", group.indicator, group.name_th),
                Lang::En => format!("Indicator {}: {}", group.indicator, group.name_en),
            },
            items: group
                .items
                .iter()
                .map(|item| {
                    let whole = item.sub_questions.len() == 1
                        && item.sub_questions[0].text_th.is_empty()
                        && item.sub_questions[0].text_en.is_empty();
                    let text = lang.pick(&item.text_th, &item.text_en).to_string();
                    let questions = item
                        .sub_questions
                        .iter()
                        .map(|sub| {
                            let legend = if whole {
                                format!("{}. {text}", sub.code)
                            } else {
                                format!("{} {}", sub.code, lang.pick(&sub.text_th, &sub.text_en))
                            };
                            question_view(
                                &sub.field,
                                legend,
                                sub.options.iter().map(|option| {
                                    (
                                        option.code.clone(),
                                        lang.pick(&option.name_th, &option.name_en).to_string(),
                                    )
                                }),
                                posted,
                                &errors,
                            )
                        })
                        .collect();
                    ItemView { code: item.item_code.clone(), text, whole, questions }
                })
                .collect(),
        })
        .collect();
    let problems =
        issues.iter().map(|issue| (format!("{}-0", field_id(issue.field())), issue.message(lang))).collect();
    (relation, groups, problems)
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the survey.

/// The agency, round and instrument a `/s/` path names, with what its pages show.
struct Target {
    site: Arc<Site>,
    instrument: SurveyInstrument,
    lang: Lang,
}

impl Target {
    fn agency(&self) -> &Agency {
        &self.site.agency
    }

    fn round(&self) -> &Round {
        &self.site.round
    }

    fn base(&self) -> String {
        format!("/s/{}/{}/{}", self.agency().code, self.round().fiscal_year, self.instrument.slug())
    }

    fn agency_name(&self) -> String {
        match (&self.agency().name_en, self.lang) {
            (Some(english), Lang::En) if !english.trim().is_empty() => english.clone(),
            _ => self.agency().name_th.clone(),
        }
    }

    fn draft_key(&self) -> String {
        format!("ita-survey:{}:{}:{}", self.agency().code, self.round().fiscal_year, self.instrument.slug())
    }

    fn instrument_name(&self) -> String {
        instrument_name(self.instrument, self.lang).to_string()
    }

    fn fiscal_year(&self) -> String {
        match self.lang {
            Lang::Th => format!("ปีงบประมาณ พ.ศ. {}", self.round().fiscal_year),
            Lang::En => format!("fiscal year {}", self.round().fiscal_year),
        }
    }

    /// A page of this survey in `lang`.
    fn notice(&self, notice: Notice, switch: Option<String>) -> Stop {
        let agency = self.agency_name();
        Stop::Page(Box::new(notice.render(self.lang, &agency, switch)))
    }
}

fn instrument_name(instrument: SurveyInstrument, lang: Lang) -> &'static str {
    match instrument {
        SurveyInstrument::Iit => lang.pick(
            "แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน (IIT)",
            "Internal Integrity and Transparency Assessment (IIT)",
        ),
        SurveyInstrument::Eit => lang.pick(
            "แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก (EIT)",
            "External Integrity and Transparency Assessment (EIT)",
        ),
    }
}

/// The language a respondent asked for: `?lang=` (or the form's `lang` field), else the site's cookie, else Thai.
fn lang_of(asked: Option<&str>, headers: &HeaderMap) -> Lang {
    asked.and_then(|code| code.parse().ok()).unwrap_or_else(|| crate::auth::request_lang(headers))
}

fn not_found(lang: Lang, code: &str, year: &str) -> Stop {
    let notice = Notice::new(
        StatusCode::NOT_FOUND,
        ("ไม่พบแบบวัดที่ต้องการ", "Survey not found"),
        (
            format!(
                "ไม่พบแบบวัดของหน่วยงานรหัส {code} ปีงบประมาณ {year} กรุณาตรวจสอบลิงก์ \
                 หรือสแกนคิวอาร์โค้ดจากประกาศของหน่วยงานอีกครั้ง"
            ),
            format!(
                "There is no survey of agency {code} for fiscal year {year}: check the link, or scan the QR code \
                 on the agency's poster again."
            ),
        ),
    );
    Stop::Page(Box::new(notice.render(lang, "", None)))
}

async fn find_target(
    state: &AppState,
    (code, year, slug): &(String, String, String),
    lang: Lang,
) -> Result<Target, Stop> {
    let Some(instrument) = SurveyInstrument::from_slug(slug) else {
        return Err(not_found(lang, code, year));
    };
    let Ok(agency_code) = AgencyCode::parse(code) else {
        return Err(not_found(lang, code, year));
    };
    let Some(site) = state.survey.cache.site(state.store.as_ref(), &agency_code, year).await? else {
        return Err(not_found(lang, code, year));
    };
    Ok(Target { site, instrument, lang })
}

/// Refuses with a 403 page unless today (Thai time) is inside the round's survey window; gives the closing day.
fn check_window(state: &AppState, target: &Target, switch: Option<String>) -> Result<String, Stop> {
    let windows = &target.round().windows;
    let today = iso(state.survey.today());
    let lang = target.lang;
    let (from, to) = match (&windows.survey_from, &windows.survey_to) {
        (Some(from), Some(to)) => (from, to),
        _ => {
            let notice = Notice::new(
                StatusCode::FORBIDDEN,
                ("แบบวัดยังไม่เปิดให้ตอบ", "The survey is not open"),
                (
                    "ยังไม่ได้กำหนดช่วงเวลาตอบแบบวัดของรอบการประเมินนี้ กรุณาติดต่อหน่วยงาน".to_string(),
                    "No answering period has been set for this assessment round yet: please contact the agency."
                        .to_string(),
                ),
            );
            return Err(target.notice(notice, switch));
        }
    };
    // The dates of a refusal, in both languages.
    let dates = || {
        let dates = |lang: Lang| (iso_date(lang, from), iso_date(lang, to));
        (dates(Lang::Th), dates(Lang::En))
    };
    if today.as_str() < from.as_str() {
        let ((from_th, to_th), (from_en, to_en)) = dates();
        let notice = Notice::new(
            StatusCode::FORBIDDEN,
            ("แบบวัดยังไม่เปิดให้ตอบ", "The survey is not open yet"),
            (
                format!(
                    "แบบวัดนี้เปิดให้ตอบตั้งแต่วันที่ {from_th} ถึงวันที่ {to_th} (เวลาประเทศไทย) \
                     กรุณากลับมาตอบอีกครั้งตั้งแต่วันที่ {from_th}"
                ),
                format!(
                    "This survey is open from {from_en} to {to_en} (Thailand time): please come back on or \
                     after {from_en}."
                ),
            ),
        );
        return Err(target.notice(notice, switch));
    }
    if today.as_str() > to.as_str() {
        let ((from_th, to_th), (from_en, to_en)) = dates();
        let notice = Notice::new(
            StatusCode::FORBIDDEN,
            ("แบบวัดปิดรับคำตอบแล้ว", "The survey has closed"),
            (
                format!(
                    "แบบวัดนี้เปิดให้ตอบตั้งแต่วันที่ {from_th} ถึงวันที่ {to_th} (เวลาประเทศไทย) \
                     และปิดรับคำตอบแล้ว ขอบคุณที่สละเวลา"
                ),
                format!(
                    "This survey was open from {from_en} to {to_en} (Thailand time) and takes no more answers. \
                     Thank you for your time."
                ),
            ),
        );
        return Err(target.notice(notice, switch));
    }
    Ok(iso_date(lang, to))
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers.

#[derive(Debug, Deserialize)]
struct FormQuery {
    lang: Option<String>,
    code: Option<String>,
}

/// `GET /s/{agency}/{year}/{iit|eit}`: the EIT form; for IIT, the access-code page and, with the right code,
/// the form.
async fn open_form(
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
    Query(query): Query<FormQuery>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, Stop> {
    let lang = lang_of(query.lang.as_deref(), &headers);
    let target = find_target(&state, &path, lang).await?;
    let switch_with = |code: Option<&str>| match code {
        Some(code) => format!("{}?code={}&lang={}", target.base(), url_encode(code), other(lang)),
        None => format!("{}?lang={}", target.base(), other(lang)),
    };
    let closes_on = check_window(&state, &target, Some(switch_with(None)))?;
    if target.instrument == SurveyInstrument::Iit {
        let Some(iit_code) = &target.site.iit_code else {
            let notice = Notice::new(
                StatusCode::NOT_FOUND,
                ("หน่วยงานยังไม่ได้เปิดแบบวัด IIT", "The agency has not opened its IIT yet"),
                (
                    "หน่วยงานนี้ยังไม่ได้เปิดแบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน (IIT) ของรอบการประเมินนี้ \
                     กรุณาติดต่อผู้ดูแลระบบของหน่วยงานเพื่อขอลิงก์และรหัสเข้าตอบ"
                        .to_string(),
                    "This agency has not opened its internal survey (IIT) for this round yet: ask the agency's \
                     administrator for the link and the access code."
                        .to_string(),
                ),
            );
            return Err(target.notice(notice, Some(switch_with(None))));
        };
        let given = query.code.as_deref().map(normalise_code).unwrap_or_default();
        if given.is_empty() {
            return Ok(code_page(&target, false, switch_with(None))?);
        }
        let address = peer.ip();
        if !state.survey.limiter.allows_code(address) {
            let mut notice = Notice::new(
                StatusCode::TOO_MANY_REQUESTS,
                ("ใส่รหัสเข้าตอบผิดหลายครั้งเกินไป", "Too many wrong access codes"),
                (
                    "มีการใส่รหัสเข้าตอบผิดจากเครือข่ายนี้หลายครั้งเกินไป กรุณารอ 15 นาทีแล้วลองใหม่ \
                     และตรวจสอบรหัสกับผู้ดูแลระบบของหน่วยงาน"
                        .to_string(),
                    "Too many wrong access codes came from this network: wait 15 minutes and try again, and check \
                     the code with the agency's administrator."
                        .to_string(),
                ),
            );
            notice.retry_after = Some(state.survey.limiter.code_retry_after(address));
            return Err(target.notice(notice, None));
        }
        if !codes_match(&given, &normalise_code(iit_code)) {
            state.survey.limiter.record_wrong_code(address);
            let mut response = code_page(&target, true, switch_with(None))?;
            *response.status_mut() = StatusCode::FORBIDDEN;
            return Ok(response);
        }
        let switch = switch_with(query.code.as_deref());
        return form_response(&state, &target, closes_on, None, Vec::new(), &[], switch).await;
    }
    form_response(&state, &target, closes_on, None, Vec::new(), &[], switch_with(None)).await
}

fn other(lang: Lang) -> &'static str {
    if lang == Lang::Th { "en" } else { "th" }
}

/// An access code as people type it: spaces and dashes left out, letters in capitals.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|character| !character.is_whitespace() && *character != '-')
        .collect::<String>()
        .to_uppercase()
}

/// Compares two codes in time that does not depend on where they differ.
fn codes_match(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn code_page(target: &Target, wrong: bool, switch: String) -> Result<Response, WebError> {
    let page = CodePage {
        frame: Frame {
            lang: target.lang,
            title: target.instrument_name(),
            agency: target.agency_name(),
            switch: Some(switch),
        },
        instrument_name: target.instrument_name(),
        fiscal_year: target.fiscal_year(),
        action: target.base(),
        wrong,
    };
    Ok(crate::error::render(&page)?.into_response())
}

/// The parts of a form page that differ from one view to the next; or, to render a form once, their markers.
struct FormParts {
    agency: String,
    switch: String,
    fiscal_year: String,
    closes_on: String,
    action: String,
    draft_key: String,
    token: String,
}

impl FormParts {
    fn markers() -> FormParts {
        FormParts {
            agency: Slot::Agency.marker(),
            switch: Slot::Switch.marker(),
            fiscal_year: Slot::FiscalYear.marker(),
            closes_on: Slot::ClosesOn.marker(),
            action: Slot::Action.marker(),
            draft_key: Slot::DraftKey.marker(),
            token: Slot::Token.marker(),
        }
    }

    /// What goes in `slot` of a form rendered once, as the template prints it.
    fn get(&self, slot: Slot) -> &str {
        match slot {
            // The frame prints the site's name where there is no agency's.
            Slot::Agency if self.agency.is_empty() => "open-ita",
            Slot::Agency => &self.agency,
            Slot::Switch => &self.switch,
            Slot::FiscalYear => &self.fiscal_year,
            Slot::ClosesOn => &self.closes_on,
            Slot::Action => &self.action,
            Slot::DraftKey => &self.draft_key,
            Slot::Token => &self.token,
        }
    }
}

/// The form page: `questionnaire` in `lang` with `parts`, what was `posted` checked and each of `issues` shown.
fn form_page(
    questionnaire: &Questionnaire,
    instrument: SurveyInstrument,
    lang: Lang,
    parts: &FormParts,
    posted: &HashMap<String, String>,
    issues: &[AnswerIssue],
) -> FormPage {
    let (relation, groups, problems) = form_views(questionnaire, lang, posted, issues);
    FormPage {
        frame: Frame {
            lang,
            title: instrument_name(instrument, lang).to_string(),
            agency: parts.agency.clone(),
            switch: Some(parts.switch.clone()),
        },
        instrument_name: instrument_name(instrument, lang).to_string(),
        fiscal_year: parts.fiscal_year.clone(),
        closes_on: parts.closes_on.clone(),
        action: parts.action.clone(),
        token: parts.token.clone(),
        draft_key: parts.draft_key.clone(),
        question_count: questionnaire.column_count() + usize::from(questionnaire.asks_relation()),
        relation,
        groups,
        problems,
    }
}

/// The form with a fresh token (the form rendered once, its per-view parts filled in), or (after a refused
/// submission) with the same token, what was posted checked, and the problems shown (rendered whole).
async fn form_response(
    state: &AppState,
    target: &Target,
    closes_on: String,
    token: Option<String>,
    posted: Vec<(String, String)>,
    issues: &[AnswerIssue],
    switch: String,
) -> Result<Response, Stop> {
    let fresh = token.is_none();
    let token = match token {
        Some(token) => token,
        None => state.survey.key(state.store.as_ref()).await?.issue(
            target.agency().id,
            target.round().id,
            target.instrument,
            state.survey.now(),
        ),
    };
    let parts = FormParts {
        agency: target.agency_name(),
        switch,
        fiscal_year: target.fiscal_year(),
        closes_on,
        action: target.base(),
        draft_key: target.draft_key(),
        token,
    };
    if fresh && posted.is_empty() && issues.is_empty() {
        let form = state.survey.prerendered_form(state, target.round(), target.instrument, target.lang)?;
        let body = form.body(|slot| parts.get(slot));
        return Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response());
    }
    let questionnaire = state.survey.questionnaire(state, target.round(), target.instrument)?;
    let posted: HashMap<String, String> = posted.into_iter().collect();
    let page = form_page(&questionnaire, target.instrument, target.lang, &parts, &posted, issues);
    let html = crate::error::render(&page)?;
    let status = if issues.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, html).into_response())
}

/// `POST /s/{agency}/{year}/{iit|eit}`: one respondent's answers.
async fn submit(
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Stop> {
    let cookie_lang = crate::auth::request_lang(&headers);
    if let Err(seconds) = state.survey.limiter.take_submission(peer.ip()) {
        let mut notice = Notice::new(
            StatusCode::TOO_MANY_REQUESTS,
            ("ส่งแบบวัดถี่เกินไป", "Too many submissions"),
            (
                format!(
                    "มีการส่งแบบวัดจากเครือข่ายนี้ถี่เกินไป คำตอบยังไม่ถูกบันทึก กรุณารอประมาณ {seconds} วินาที \
                     แล้วกดย้อนกลับและส่งอีกครั้ง คำตอบที่เลือกไว้ยังอยู่ในเบราว์เซอร์ของท่าน"
                ),
                format!(
                    "Too many forms came from this network: nothing was stored. Wait about {seconds} seconds, go \
                     back and send again; your answers are still in your browser."
                ),
            ),
        );
        notice.retry_after = Some(seconds);
        return Err(Stop::Page(Box::new(notice.render(cookie_lang, "", None))));
    }
    let Ok(bytes) = axum::body::to_bytes(body, SURVEY_BODY_LIMIT).await else {
        let notice = Notice::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ("ข้อมูลที่ส่งมีขนาดใหญ่เกินกำหนด", "The form sent is too large"),
            (
                "แบบวัดที่ส่งมีขนาดเกิน 64 KB ซึ่งแบบวัดปกติไม่ถึง คำตอบยังไม่ถูกบันทึก กรุณาเปิดแบบวัดใหม่จากลิงก์ของหน่วยงาน \
                 แล้วส่งอีกครั้ง"
                    .to_string(),
                "The form sent is larger than 64 KB, which no real answer sheet is: nothing was stored. Open the \
                 survey again from the agency's link and send it again."
                    .to_string(),
            ),
        );
        return Err(Stop::Page(Box::new(notice.render(cookie_lang, "", None))));
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let lang = lang_of(field("lang"), &headers);
    let target = find_target(&state, &path, lang).await?;
    let now = state.survey.now();
    let reopen = match target.instrument {
        SurveyInstrument::Eit => (target.base(), "เปิดแบบวัดอีกครั้ง", "Open the survey again"),
        SurveyInstrument::Iit => (target.base(), "ใส่รหัสเข้าตอบอีกครั้ง", "Enter the access code again"),
    };
    let key = state.survey.key(state.store.as_ref()).await?;
    let token = field("token").unwrap_or_default().to_string();
    let claims = match key.verify(&token, target.agency().id, target.round().id, target.instrument, now) {
        Ok(claims) => claims,
        Err(error) => {
            let (th, en) = match error {
                TokenError::Expired => (
                    "แบบวัดที่เปิดไว้หมดอายุแล้ว (เปิดไว้นานกว่า 24 ชั่วโมง) คำตอบยังไม่ถูกบันทึก \
                     กรุณาเปิดแบบวัดอีกครั้งแล้วส่งใหม่ คำตอบที่เลือกไว้จะกลับมาหากใช้เบราว์เซอร์เดิม",
                    "The form was open for more than 24 hours and has expired: nothing was stored. Open the survey \
                     again and send it; the answers you chose come back if you use the same browser.",
                ),
                TokenError::Forged | TokenError::OtherForm => (
                    "แบบวัดที่ส่งมาไม่ถูกต้องหรือไม่ได้มาจากหน้านี้ คำตอบยังไม่ถูกบันทึก กรุณาเปิดแบบวัดอีกครั้งจากลิงก์ของหน่วยงาน \
                     แล้วส่งใหม่ คำตอบที่เลือกไว้จะกลับมาหากใช้เบราว์เซอร์เดิม",
                    "The form sent is not valid or did not come from this page: nothing was stored. Open the survey \
                     again from the agency's link and send it; the answers you chose come back if you use the same \
                     browser.",
                ),
            };
            let notice = Notice::new(
                StatusCode::BAD_REQUEST,
                ("กรุณาเปิดแบบวัดอีกครั้ง", "Please open the survey again"),
                (th.to_string(), en.to_string()),
            )
            .action(reopen.0.clone(), reopen.1, reopen.2);
            return Err(target.notice(notice, None));
        }
    };
    let closes_on = check_window(&state, &target, None)?;
    let questionnaire = state.survey.questionnaire(&state, target.round(), target.instrument)?;
    let answers = match questionnaire.parse(&fields) {
        Ok(answers) => answers,
        Err(issues) => {
            let answered: Vec<(String, String)> = fields
                .into_iter()
                .filter(|(name, _)| name.starts_with("q.") || name == RELATION_FIELD)
                .collect();
            let switch = format!("{}?lang={}", target.base(), other(lang));
            return form_response(&state, &target, closes_on, Some(token), answered, &issues, switch).await;
        }
    };
    // The declared headcount; the store counts against it inside the transaction that stores the response.
    let cap = match target.instrument {
        SurveyInstrument::Iit => target.site.iit_cap,
        SurveyInstrument::Eit => None,
    };
    let submission = Submission {
        agency_id: target.agency().id,
        round_id: target.round().id,
        instrument: target.instrument.code().to_string(),
        relation: answers.relation,
        answers: answers.encoded,
        day: iso(state.survey.today()),
        nonce: claims.nonce,
        nonce_expires_at: claims.expires_at,
        cap,
    };
    match state.survey.commit.submit(submission).await? {
        SubmissionOutcome::Stored => {
            let query = if lang == Lang::En { "?lang=en" } else { "" };
            Ok(Redirect::to(&format!("{}/thanks{query}", target.base())).into_response())
        }
        SubmissionOutcome::Replayed => {
            let mut notice = Notice::new(
                StatusCode::CONFLICT,
                ("แบบวัดนี้ถูกส่งแล้ว", "This form was sent already"),
                (
                    "แบบวัดนี้ถูกส่งแล้ว ระบบรับคำตอบจากแบบวัดที่เปิดแต่ละครั้งได้เพียงครั้งเดียว คำตอบที่ส่งครั้งแรกได้รับการบันทึกไว้แล้ว \
                     ท่านไม่ต้องส่งซ้ำ"
                        .to_string(),
                    "This form was sent already: each opened form is taken once, and the answers sent first are \
                     stored. There is no need to send them again."
                        .to_string(),
                ),
            );
            notice.clear_draft = Some(target.draft_key());
            Err(target.notice(notice, None))
        }
        SubmissionOutcome::OverCap => {
            let notice = Notice::new(
                StatusCode::CONFLICT,
                ("จำนวนผู้ตอบครบตามที่หน่วยงานแจ้งไว้แล้ว", "The agency's headcount is reached"),
                (
                    "จำนวนผู้ตอบแบบวัด IIT ของหน่วยงานนี้ครบตามจำนวนบุคลากรที่หน่วยงานแจ้งไว้แล้ว ระบบจึงไม่บันทึกคำตอบนี้ \
                     หากท่านเป็นบุคลากรของหน่วยงานและยังไม่เคยตอบ กรุณาแจ้งผู้ดูแลระบบของหน่วยงานให้ตรวจสอบจำนวนบุคลากรที่แจ้งไว้"
                        .to_string(),
                    "As many staff have answered this agency's IIT as the agency declared, so this answer was not \
                     stored. If you are on its staff and have not answered before, ask the agency's administrator to \
                     check the declared headcount."
                        .to_string(),
                ),
            );
            Err(target.notice(notice, None))
        }
    }
}

/// `GET /s/{agency}/{year}/{iit|eit}/thanks`: after a stored submission; the script forgets the draft here.
async fn thanks(
    State(state): State<AppState>,
    Path(path): Path<(String, String, String)>,
    Query(query): Query<FormQuery>,
    headers: HeaderMap,
) -> Result<Response, Stop> {
    let lang = lang_of(query.lang.as_deref(), &headers);
    let target = find_target(&state, &path, lang).await?;
    let page = ThanksPage {
        frame: Frame {
            lang,
            title: lang.pick("ขอบคุณที่ตอบแบบวัด", "Thank you").to_string(),
            agency: target.agency_name(),
            switch: Some(format!("{}/thanks?lang={}", target.base(), other(lang))),
        },
        instrument_name: target.instrument_name(),
        draft_key: target.draft_key(),
    };
    Ok(crate::error::render(&page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_compare_as_people_type_them() {
        assert!(codes_match(&normalise_code(" ab12-cd34 "), &normalise_code("AB12CD34")));
        assert!(!codes_match(&normalise_code("AB12CD35"), &normalise_code("AB12CD34")));
        assert!(!codes_match(&normalise_code("AB12CD3"), &normalise_code("AB12CD34")));
        assert_eq!(field_id("q.I1.1"), "q-I1-1");
    }

    /// The form rendered once and filled in is, byte for byte, the form rendered whole: whatever the template
    /// prints, the pages a respondent gets stay the template's.
    #[test]
    fn a_form_rendered_once_and_filled_in_is_the_form_rendered_whole() {
        let catalog = ita_domain::methodology::Catalog::builtin().unwrap();
        let methodology = catalog.get(&ita_domain::methodology::MethodologyId::nacc(2565)).unwrap();
        let nothing = HashMap::new();
        for instrument in [SurveyInstrument::Iit, SurveyInstrument::Eit] {
            let questionnaire = Questionnaire::new(methodology, instrument.code()).unwrap();
            for lang in [Lang::Th, Lang::En] {
                let markers = FormParts::markers();
                let once =
                    form_page(&questionnaire, instrument, lang, &markers, &nothing, &[]).render().unwrap();
                let once = Prerendered::split(&once).unwrap();
                for agency in ["อบต. \"บ้าน<กลาง>\" & 'ลำพูน'", ""] {
                    let parts = FormParts {
                        agency: agency.into(),
                        switch: "/s/5150101/2565/iit?code=K7%20P4&lang=en".into(),
                        fiscal_year: "ปีงบประมาณ พ.ศ. 2565".into(),
                        closes_on: "3 มีนาคม 2568".into(),
                        action: "/s/5150101/2565/iit".into(),
                        draft_key: "ita-survey:5150101:2565:iit".into(),
                        token: "abc.DEF-_".into(),
                    };
                    let whole =
                        form_page(&questionnaire, instrument, lang, &parts, &nothing, &[]).render().unwrap();
                    assert_eq!(
                        once.text(|slot| parts.get(slot)),
                        whole,
                        "{instrument:?} {lang:?} {agency:?}"
                    );
                }
            }
        }
    }
}
