//! The records the store keeps and the drafts it is given: plain values, already parsed into domain types.

use std::collections::BTreeMap;
use std::fmt;

use ita_domain::Hundredths;
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role, Visibility};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who made a change, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub name: String,
}

impl Actor {
    /// Changes made by the program itself (set-up, demo data, the command line).
    pub fn system(name: &str) -> Actor {
        Actor { id: None, name: name.to_string() }
    }
}

/// หน่วยงาน: an assessed agency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agency {
    pub id: Uuid,
    pub code: AgencyCode,
    pub name_th: String,
    pub name_en: Option<String>,
    pub kind: AgencyKind,
    pub province: String,
    pub district: Option<String>,
    pub parent_id: Option<Uuid>,
    pub website: Option<String>,
    pub contact: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a person gives to create or change an agency.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AgencyDraft {
    pub code: AgencyCode,
    pub name_th: String,
    pub name_en: Option<String>,
    pub kind: AgencyKind,
    pub province: String,
    pub district: Option<String>,
    pub parent_id: Option<Uuid>,
    pub website: Option<String>,
    pub contact: Option<String>,
}

/// One line of the agency list: the agency and its result in the chosen round, if any.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyListItem {
    pub agency: Agency,
    pub total: Option<Hundredths>,
    pub level_code: Option<String>,
}

/// A search over agencies, limited to what the asker may see.
#[derive(Debug, Clone)]
pub struct AgencyQuery {
    pub search: Option<String>,
    pub province: Option<String>,
    pub kind: Option<AgencyKind>,
    pub visible: Visibility,
    /// The round whose result is shown beside each agency.
    pub round_id: Option<Uuid>,
    pub offset: i64,
    pub limit: i64,
}

/// One page of a longer list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// รอบการประเมิน: one fiscal year's assessment, with its methodology and windows (ISO dates).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    pub id: Uuid,
    pub fiscal_year: FiscalYear,
    pub methodology_year: u16,
    pub methodology_variant: String,
    pub windows: RoundWindows,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The periods of a round; each date is `YYYY-MM-DD` (Gregorian), checked at the boundary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundWindows {
    pub oit_answer_from: Option<String>,
    pub oit_answer_to: Option<String>,
    pub survey_from: Option<String>,
    pub survey_to: Option<String>,
    pub oit_review_from: Option<String>,
    pub oit_review_to: Option<String>,
    pub clarification_from: Option<String>,
    pub clarification_to: Option<String>,
    pub results_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoundDraft {
    pub fiscal_year: FiscalYear,
    pub methodology_year: u16,
    pub methodology_variant: String,
    pub windows: RoundWindows,
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultSource {
    /// Indicator scores as published (ITAS), entered or imported.
    Official,
    /// Computed here from responses and verdicts.
    Computed,
}

impl ResultSource {
    pub fn code(self) -> &'static str {
        match self {
            ResultSource::Official => "official",
            ResultSource::Computed => "computed",
        }
    }

    pub fn parse(code: &str) -> Option<ResultSource> {
        match code {
            "official" => Some(ResultSource::Official),
            "computed" => Some(ResultSource::Computed),
            _ => None,
        }
    }
}

/// An agency's result in a round: its indicator scores (hundredths), with the total and level they give, which
/// the caller computes with the round's methodology before storing (so lists need no scoring).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRecord {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub source: ResultSource,
    pub indicators: BTreeMap<u8, Hundredths>,
    pub total: Hundredths,
    pub level_code: Option<String>,
    pub updated_at: i64,
    pub updated_by: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResultDraft {
    pub source: ResultSource,
    pub indicators: BTreeMap<u8, Hundredths>,
    pub total: Hundredths,
    pub level_code: Option<String>,
}

/// An account. The password hash is never part of it; see [`crate::Store::login_record`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<Uuid>,
    pub province: Option<String>,
    pub active: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserDraft {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<Uuid>,
    pub province: Option<String>,
    pub active: bool,
}

/// An account with its password hash, for signing in only.
pub struct LoginRecord {
    pub user: User,
    pub password_hash: String,
}

impl fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRecord").field("user", &self.user).field("password_hash", &"[redacted]").finish()
    }
}

/// A signed-in session, found by the hash of its cookie.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: User,
    pub csrf: String,
    pub expires_at: i64,
}

/// One entry of the append-only audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub agency_id: Option<Uuid>,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// Only entries about these agencies (an agency administrator's view); `None` for all.
    pub agency_id: Option<Uuid>,
    pub offset: i64,
    pub limit: i64,
}

/// The survey links of an agency in a round: the private IIT access code (the EIT link is public and needs none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyLink {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    /// Given to staff with the IIT link; never stored with a response.
    pub iit_code: String,
    pub updated_at: i64,
}

/// What an agency declared for its sample targets: staff with at least one year of service (IIT) and an
/// estimate of its service users (EIT). `None` where not declared yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SurveyTarget {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub iit_population: Option<u32>,
    pub eit_population: Option<u32>,
    pub updated_at: i64,
}

/// One respondent's completed form, as the web layer hands it over after checking it. Nothing in it says who
/// answered: no account, address, access code, device or time finer than the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    /// `IIT` or `EIT` (the methodology's instrument code).
    pub instrument: String,
    /// The EIT relation code (`service_user`, ...); `None` for IIT.
    pub relation: Option<String>,
    /// One character per sub-question in form order: the option's index as a digit or letter, see
    /// `ita_domain::questionnaire`.
    pub answers: String,
    /// The day of submission, `YYYY-MM-DD`.
    pub day: String,
    /// The single-use token's nonce: stored (apart from the response) so that a replay is refused.
    pub nonce: [u8; 16],
    /// When the nonce may be forgotten (Unix seconds, the token's own expiry); stored rounded up to the whole
    /// day (UTC), so that the spent nonce tells nothing finer than the day.
    pub nonce_expires_at: i64,
    /// At most this many responses of this agency, round and instrument (the IIT headcount); `None`: no cap.
    pub cap: Option<u32>,
}

/// What became of one submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionOutcome {
    /// Stored, durably, before this was returned.
    Stored,
    /// Its token was used already: nothing stored.
    Replayed,
    /// The agency's declared headcount is reached: nothing stored.
    OverCap,
}

/// A stored response as scoring and exports read it: no id, no day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub agency_id: Uuid,
    pub instrument: String,
    pub relation: Option<String>,
    pub answers: String,
}

/// One agency's survey state in a round, for progress lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyOverviewRow {
    pub agency_id: Uuid,
    pub code: AgencyCode,
    pub name_th: String,
    pub province: String,
    pub iit_population: Option<u32>,
    pub eit_population: Option<u32>,
    pub iit_responses: i64,
    pub eit_responses: i64,
}

/// Which responses to read: one round, and optionally one agency, one province, one instrument.
#[derive(Debug, Clone, Default)]
pub struct ResponseQuery {
    pub round_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub province: Option<String>,
    pub instrument: Option<String>,
}

/// Indicator scores computed from an agency's responses (hundredths, indicators 1-8), kept at a round's close.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyScoreRecord {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub indicators: BTreeMap<u8, Hundredths>,
    pub iit_respondents: i64,
    pub eit_respondents: i64,
    pub computed_at: i64,
}

/// An agency's answer to one OIT item in a round: มี/ไม่มี, the pages on its website that show it, and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OitAnswer {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    /// The methodology's item code (`O1`...).
    pub item_code: String,
    /// มี (`true`) or ไม่มี (`false`).
    pub has: bool,
    pub urls: Vec<String>,
    pub explanation: String,
    /// When the agency submitted its answers (Unix seconds); `None` while a draft.
    pub submitted_at: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OitAnswerDraft {
    pub item_code: String,
    pub has: bool,
    pub urls: Vec<String>,
    pub explanation: String,
}

/// What the server saw at an evidence URL when the agency submitted (the bytes are read apart, by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OitSnapshot {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub item_code: String,
    pub requested_url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// Lowercase hex SHA-256 of the stored bytes.
    pub sha256: String,
    pub size: i64,
    pub truncated: bool,
    /// `fetched`, `refused:...` or `failed:...` (see `ita_web::snapshot`).
    pub outcome: String,
    pub fetched_at: i64,
}

/// An assessor's verdict on one item. A failure carries a reason and guidance (checked by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OitVerdict {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub item_code: String,
    pub passed: bool,
    pub reason: String,
    pub guidance: String,
    pub assessor_id: Option<Uuid>,
    pub assessor_name: String,
    pub decided_at: i64,
    /// `review`, or `clarification` once the verdict was confirmed or changed on a dispute.
    pub stage: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OitVerdictDraft {
    pub item_code: String,
    pub passed: bool,
    pub reason: String,
    pub guidance: String,
}

/// An agency's dispute of a failed item in the clarification window, and the assessor's answer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OitDispute {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub item_code: String,
    pub statement: String,
    pub filed_at: i64,
    /// `None` while open; `Some(true)` when the failure was confirmed, `Some(false)` when changed to a pass.
    pub confirmed: Option<bool>,
    pub resolution_reason: Option<String>,
    pub resolved_at: Option<i64>,
}

/// One agency's OIT state in a round, for progress lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OitProgressRow {
    pub agency_id: Uuid,
    pub answered: i64,
    pub submitted: bool,
    pub judged: i64,
    pub passed: i64,
    pub open_disputes: i64,
}
