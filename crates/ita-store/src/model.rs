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
