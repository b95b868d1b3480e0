//! The SQL both databases share, and the one implementation of [`crate::Store`] stamped out for each by
//! `impl_store!`. The statements keep to the subset SQLite and PostgreSQL both speak (`$1` parameters,
//! `ON CONFLICT`, `RETURNING`, `LIMIT/OFFSET`); a macro rather than generics because sqlx's generic bounds
//! would have to be repeated on every function, which reads worse than the SQL itself.

use std::collections::{BTreeMap, HashMap, HashSet};

use ita_domain::Hundredths;
use ita_domain::platform::{AgencyCode, AgencyKind, FiscalYear, Role};
use uuid::Uuid;

use crate::{
    Agency, AuditEntry, OitAnswer, OitDispute, OitProgressRow, OitSnapshot, OitVerdict, Result, ResultRecord,
    ResultSource, Round, RoundWindows, StoreError, StoredResponse, Submission, SubmissionOutcome,
    SurveyOverviewRow, SurveyScoreRecord, SurveyTarget, User,
};

pub(crate) const AGENCY_COLUMNS: &str = "a.id, a.code, a.name_th, a.name_en, a.kind, a.province, a.district, \
     a.parent_id, a.website, a.contact, a.created_at, a.updated_at";

pub(crate) const ROUND_COLUMNS: &str = "ro.id, ro.fiscal_year, ro.methodology_year, ro.methodology_variant, \
     ro.oit_answer_from, ro.oit_answer_to, ro.survey_from, ro.survey_to, ro.oit_review_from, ro.oit_review_to, \
     ro.clarification_from, ro.clarification_to, ro.results_on, ro.created_at, ro.updated_at";

pub(crate) const RESULT_COLUMNS: &str =
    "r.agency_id, r.round_id, r.source, r.indicators, r.total, r.level_code, r.updated_at, r.updated_by";

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.role, u.agency_id, u.province, u.active, u.created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct AgencyRow {
    pub(crate) id: Uuid,
    pub(crate) code: String,
    pub(crate) name_th: String,
    pub(crate) name_en: Option<String>,
    pub(crate) kind: String,
    pub(crate) province: String,
    pub(crate) district: Option<String>,
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) website: Option<String>,
    pub(crate) contact: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl TryFrom<AgencyRow> for Agency {
    type Error = StoreError;
    fn try_from(row: AgencyRow) -> Result<Agency> {
        Ok(Agency {
            id: row.id,
            code: AgencyCode::parse(&row.code).map_err(|error| StoreError::Corrupt(error.en))?,
            name_th: row.name_th,
            name_en: row.name_en,
            kind: AgencyKind::parse(&row.kind).map_err(|error| StoreError::Corrupt(error.en))?,
            province: row.province,
            district: row.district,
            parent_id: row.parent_id,
            website: row.website,
            contact: row.contact,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AgencyListRow {
    #[sqlx(flatten)]
    pub(crate) agency: AgencyRow,
    pub(crate) total: Option<i64>,
    pub(crate) level_code: Option<String>,
}

impl TryFrom<AgencyListRow> for crate::AgencyListItem {
    type Error = StoreError;
    fn try_from(row: AgencyListRow) -> Result<crate::AgencyListItem> {
        Ok(crate::AgencyListItem {
            agency: row.agency.try_into()?,
            total: row.total.map(Hundredths),
            level_code: row.level_code,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoundRow {
    pub(crate) id: Uuid,
    pub(crate) fiscal_year: i64,
    pub(crate) methodology_year: i64,
    pub(crate) methodology_variant: String,
    pub(crate) oit_answer_from: Option<String>,
    pub(crate) oit_answer_to: Option<String>,
    pub(crate) survey_from: Option<String>,
    pub(crate) survey_to: Option<String>,
    pub(crate) oit_review_from: Option<String>,
    pub(crate) oit_review_to: Option<String>,
    pub(crate) clarification_from: Option<String>,
    pub(crate) clarification_to: Option<String>,
    pub(crate) results_on: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl TryFrom<RoundRow> for Round {
    type Error = StoreError;
    fn try_from(row: RoundRow) -> Result<Round> {
        Ok(Round {
            id: row.id,
            fiscal_year: FiscalYear::new(row.fiscal_year).map_err(|error| StoreError::Corrupt(error.en))?,
            methodology_year: u16::try_from(row.methodology_year)
                .map_err(|_| StoreError::Corrupt(format!("methodology year {}", row.methodology_year)))?,
            methodology_variant: row.methodology_variant,
            windows: RoundWindows {
                oit_answer_from: row.oit_answer_from,
                oit_answer_to: row.oit_answer_to,
                survey_from: row.survey_from,
                survey_to: row.survey_to,
                oit_review_from: row.oit_review_from,
                oit_review_to: row.oit_review_to,
                clarification_from: row.clarification_from,
                clarification_to: row.clarification_to,
                results_on: row.results_on,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResultRow {
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) source: String,
    pub(crate) indicators: String,
    pub(crate) total: i64,
    pub(crate) level_code: Option<String>,
    pub(crate) updated_at: i64,
    pub(crate) updated_by: Option<Uuid>,
}

impl TryFrom<ResultRow> for ResultRecord {
    type Error = StoreError;
    fn try_from(row: ResultRow) -> Result<ResultRecord> {
        Ok(ResultRecord {
            agency_id: row.agency_id,
            round_id: row.round_id,
            source: ResultSource::parse(&row.source)
                .ok_or_else(|| StoreError::Corrupt(format!("result source {}", row.source)))?,
            indicators: decode_indicators(&row.indicators)?,
            total: Hundredths(row.total),
            level_code: row.level_code,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoundResultRow {
    #[sqlx(flatten)]
    pub(crate) round: RoundRow,
    #[sqlx(flatten)]
    pub(crate) result: ResultRow,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: Uuid,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) agency_id: Option<Uuid>,
    pub(crate) province: Option<String>,
    pub(crate) active: bool,
    pub(crate) created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<User> {
        Ok(User {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: Role::parse(&row.role).map_err(|error| StoreError::Corrupt(error.en))?,
            agency_id: row.agency_id,
            province: row.province,
            active: row.active,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LoginRow {
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) password_hash: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    #[sqlx(flatten)]
    pub(crate) user: UserRow,
    pub(crate) csrf: String,
    pub(crate) expires_at: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub(crate) seq: i64,
    pub(crate) at: i64,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) actor_name: String,
    pub(crate) agency_id: Option<Uuid>,
    pub(crate) action: String,
    pub(crate) subject: String,
    pub(crate) detail: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> AuditEntry {
        AuditEntry {
            seq: row.seq,
            at: row.at,
            actor_id: row.actor_id,
            actor_name: row.actor_name,
            agency_id: row.agency_id,
            action: row.action,
            subject: row.subject,
            detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::String(row.detail)),
        }
    }
}

pub(crate) fn encode_indicators(indicators: &BTreeMap<u8, Hundredths>) -> String {
    let map: BTreeMap<String, i64> =
        indicators.iter().map(|(number, score)| (number.to_string(), score.0)).collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_string())
}

pub(crate) fn decode_indicators(text: &str) -> Result<BTreeMap<u8, Hundredths>> {
    let map: BTreeMap<String, i64> =
        serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("indicators: {error}")))?;
    map.into_iter()
        .map(|(number, score)| {
            let number = number
                .parse::<u8>()
                .map_err(|_| StoreError::Corrupt(format!("indicator number {number}")))?;
            Ok((number, Hundredths(score)))
        })
        .collect()
}

/// The tally a survey response counts in: agency, round and instrument.
pub(crate) type TallyKey<'a> = (Uuid, Uuid, &'a str);

pub(crate) fn tally_key(submission: &Submission) -> TallyKey<'_> {
    (submission.agency_id, submission.round_id, submission.instrument.as_str())
}

/// The tallies a batch must read before deciding (those with a cap), sorted, so that concurrent batches on
/// PostgreSQL lock them in one order.
pub(crate) fn capped_keys(batch: &[Submission]) -> Vec<TallyKey<'_>> {
    let mut keys: Vec<TallyKey<'_>> =
        batch.iter().filter(|submission| submission.cap.is_some()).map(tally_key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The submissions whose nonces a batch marks used: the first with each nonce, in the order they came.
pub(crate) fn distinct_nonces(batch: &[Submission]) -> Vec<&Submission> {
    let mut seen = HashSet::with_capacity(batch.len());
    batch.iter().filter(|submission| seen.insert(submission.nonce)).collect()
}

/// When a spent nonce may be forgotten, as stored: the token's expiry rounded up to a whole day (UTC), so that
/// the nonce table, written in the same transaction as the responses, tells nothing finer than the day either.
/// Keeping a nonce longer than its token lives costs nothing: the token is refused as expired anyway.
pub(crate) fn nonce_expiry(expires_at: i64) -> i64 {
    const DAY: i64 = 86_400;
    expires_at.div_euclid(DAY) * DAY + if expires_at.rem_euclid(DAY) == 0 { 0 } else { DAY }
}

/// What a batch does, decided once its capped tallies are read and its nonces inserted.
#[derive(Debug)]
pub(crate) struct BatchPlan<'a> {
    /// One per submission, in the order given.
    pub(crate) outcomes: Vec<SubmissionOutcome>,
    /// The submissions to store, in a random order: the order rows are written in must not follow the order
    /// people sent them in.
    pub(crate) stored: Vec<&'a Submission>,
    /// Nonces inserted for submissions that the cap then refused: given back, so that the token stays usable.
    pub(crate) released: Vec<&'a [u8; 16]>,
    /// Responses added per tally, in key order.
    pub(crate) added: BTreeMap<TallyKey<'a>, i64>,
}

/// Decides each submission of a batch in the order they came (the first to come get the last places under a
/// cap). `counted` holds the capped tallies before the batch; `fresh` the nonces that were not used before. A
/// second use of a nonce within the batch is refused as the first was: `Replayed` unless the first was refused
/// for the cap (then `OverCap`, and the token stays usable).
pub(crate) fn plan_batch<'a>(
    batch: &'a [Submission],
    counted: &HashMap<TallyKey<'a>, i64>,
    fresh: &HashSet<[u8; 16]>,
) -> BatchPlan<'a> {
    let mut plan = BatchPlan {
        outcomes: Vec::with_capacity(batch.len()),
        stored: Vec::new(),
        released: Vec::new(),
        added: BTreeMap::new(),
    };
    let mut first_use: HashMap<&[u8; 16], SubmissionOutcome> = HashMap::with_capacity(batch.len());
    for submission in batch {
        let outcome = match first_use.get(&submission.nonce) {
            Some(SubmissionOutcome::OverCap) => SubmissionOutcome::OverCap,
            Some(_) => SubmissionOutcome::Replayed,
            None if !fresh.contains(&submission.nonce) => SubmissionOutcome::Replayed,
            None => {
                let key = tally_key(submission);
                let taken =
                    counted.get(&key).copied().unwrap_or(0) + plan.added.get(&key).copied().unwrap_or(0);
                if submission.cap.is_some_and(|cap| taken >= i64::from(cap)) {
                    plan.released.push(&submission.nonce);
                    SubmissionOutcome::OverCap
                } else {
                    *plan.added.entry(key).or_insert(0) += 1;
                    plan.stored.push(submission);
                    SubmissionOutcome::Stored
                }
            }
        };
        first_use.entry(&submission.nonce).or_insert(outcome);
        plan.outcomes.push(outcome);
    }
    {
        use rand::seq::SliceRandom as _;
        plan.stored.shuffle(&mut rand::rng());
    }
    plan
}

/// Splits rows into multi-row statements of 64, 16, 4 and 1 rows: few statements per batch, and few distinct
/// statement texts for the prepared-statement cache.
pub(crate) fn statement_chunks<T>(mut rows: &[T]) -> Vec<&[T]> {
    let mut chunks = Vec::new();
    for size in [64, 16, 4, 1] {
        while rows.len() >= size {
            let (chunk, rest) = rows.split_at(size);
            chunks.push(chunk);
            rows = rest;
        }
    }
    chunks
}

/// A declared population read back; a value that does not fit a `u32` was not written by this store.
fn population(value: Option<i64>) -> Result<Option<u32>> {
    value
        .map(|value| u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("population {value}"))))
        .transpose()
}

pub(crate) const SURVEY_TARGET_COLUMNS: &str =
    "t.agency_id, t.round_id, t.iit_population, t.eit_population, t.updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct SurveyTargetRow {
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) iit_population: Option<i64>,
    pub(crate) eit_population: Option<i64>,
    pub(crate) updated_at: i64,
}

impl TryFrom<SurveyTargetRow> for SurveyTarget {
    type Error = StoreError;
    fn try_from(row: SurveyTargetRow) -> Result<SurveyTarget> {
        Ok(SurveyTarget {
            agency_id: row.agency_id,
            round_id: row.round_id,
            iit_population: population(row.iit_population)?,
            eit_population: population(row.eit_population)?,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct StoredResponseRow {
    pub(crate) agency_id: Uuid,
    pub(crate) instrument: String,
    pub(crate) relation: Option<String>,
    pub(crate) answers: String,
}

impl From<StoredResponseRow> for StoredResponse {
    fn from(row: StoredResponseRow) -> StoredResponse {
        StoredResponse {
            agency_id: row.agency_id,
            instrument: row.instrument,
            relation: row.relation,
            answers: row.answers,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SurveyOverviewDbRow {
    pub(crate) agency_id: Uuid,
    pub(crate) code: String,
    pub(crate) name_th: String,
    pub(crate) province: String,
    pub(crate) iit_population: Option<i64>,
    pub(crate) eit_population: Option<i64>,
    pub(crate) iit_responses: i64,
    pub(crate) eit_responses: i64,
}

impl TryFrom<SurveyOverviewDbRow> for SurveyOverviewRow {
    type Error = StoreError;
    fn try_from(row: SurveyOverviewDbRow) -> Result<SurveyOverviewRow> {
        Ok(SurveyOverviewRow {
            agency_id: row.agency_id,
            code: AgencyCode::parse(&row.code).map_err(|error| StoreError::Corrupt(error.en))?,
            name_th: row.name_th,
            province: row.province,
            iit_population: population(row.iit_population)?,
            eit_population: population(row.eit_population)?,
            iit_responses: row.iit_responses,
            eit_responses: row.eit_responses,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SurveyScoreRow {
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) indicators: String,
    pub(crate) iit_respondents: i64,
    pub(crate) eit_respondents: i64,
    pub(crate) computed_at: i64,
}

impl TryFrom<SurveyScoreRow> for SurveyScoreRecord {
    type Error = StoreError;
    fn try_from(row: SurveyScoreRow) -> Result<SurveyScoreRecord> {
        Ok(SurveyScoreRecord {
            agency_id: row.agency_id,
            round_id: row.round_id,
            indicators: decode_indicators(&row.indicators)?,
            iit_respondents: row.iit_respondents,
            eit_respondents: row.eit_respondents,
            computed_at: row.computed_at,
        })
    }
}

/// `LIKE` pattern for a search text, with `%`, `_` and `\` taken literally (`ESCAPE '\'`).
pub(crate) fn like_pattern(search: &str) -> String {
    let mut pattern = String::from("%");
    for character in search.trim().to_lowercase().chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// Retries `operation` while the database reports a conflict between transactions (PostgreSQL's
/// serialization failure or deadlock, SQLite's busy or locked), at most five times with a growing pause.
pub(crate) async fn retry<T, F, Fut>(mut operation: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0u32;
    loop {
        match operation().await {
            Err(StoreError::Database(error)) if attempt < 5 && is_transient(&error) => {
                attempt += 1;
                tracing::debug!(attempt, %error, "retrying a write transaction");
                tokio::time::sleep(std::time::Duration::from_millis(5 << attempt)).await;
            }
            outcome => return outcome,
        }
    }
}

fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database) => {
            matches!(database.code().as_deref(), Some("40001" | "40P01" | "5" | "6" | "517" | "261"))
        }
        sqlx::Error::PoolTimedOut => true,
        _ => false,
    }
}

/// Reads a unique-constraint violation as a [`StoreError::Conflict`] on a field people know.
pub(crate) fn conflict(error: sqlx::Error, value: &str) -> StoreError {
    if let sqlx::Error::Database(database) = &error {
        if database.is_unique_violation() {
            // PostgreSQL names the constraint; SQLite names the column in its message.
            let name =
                database.constraint().map(str::to_string).unwrap_or_else(|| database.message().to_string());
            let field = if name.contains("agencies_code") || name.contains("agencies.code") {
                Some("agency_code")
            } else if name.contains("users_username") || name.contains("users.username") {
                Some("username")
            } else if name.contains("rounds_fiscal_year") || name.contains("rounds.fiscal_year") {
                Some("fiscal_year")
            } else if name.contains("oit_disputes") {
                Some("oit_dispute")
            } else {
                None
            };
            if let Some(field) = field {
                return StoreError::Conflict { field, value: value.to_string() };
            }
        }
    }
    StoreError::Database(error)
}

/// The whole implementation, for one pool type. `$store` has `read` and `write` pools of the same database.
macro_rules! impl_store {
    ($store:ty, $db:ty, $dialect:literal) => {
        impl $store {
            async fn audit_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &$crate::Actor,
                agency_id: Option<uuid::Uuid>,
                action: &str,
                subject: &str,
                detail: serde_json::Value,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_id, actor_name, agency_id, action, subject, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind($crate::now())
                .bind(actor.id)
                .bind(&actor.name)
                .bind(agency_id)
                .bind(action)
                .bind(subject)
                .bind(detail.to_string())
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn agency_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: uuid::Uuid,
            ) -> $crate::Result<Option<$crate::Agency>> {
                let sql = format!("SELECT {} FROM agencies a WHERE a.id = $1", $crate::sql::AGENCY_COLUMNS);
                let row: Option<$crate::sql::AgencyRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&mut **tx).await?;
                row.map($crate::Agency::try_from).transpose()
            }

            async fn create_agency_once(
                &self,
                actor: &$crate::Actor,
                draft: &$crate::AgencyDraft,
            ) -> $crate::Result<$crate::Agency> {
                let mut tx = self.write.begin().await?;
                let id = uuid::Uuid::new_v4();
                let now = $crate::now();
                sqlx::query(
                    "INSERT INTO agencies (id, code, name_th, name_en, kind, province, district, parent_id, \
                     website, contact, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                )
                .bind(id)
                .bind(draft.code.as_str())
                .bind(&draft.name_th)
                .bind(&draft.name_en)
                .bind(draft.kind.code())
                .bind(&draft.province)
                .bind(&draft.district)
                .bind(draft.parent_id)
                .bind(&draft.website)
                .bind(&draft.contact)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|error| $crate::sql::conflict(error, draft.code.as_str()))?;
                let agency = Self::agency_in(&mut tx, id).await?.ok_or($crate::StoreError::NotFound)?;
                Self::audit_in(
                    &mut tx,
                    actor,
                    Some(id),
                    "agency.create",
                    agency.code.as_str(),
                    serde_json::to_value(&agency).unwrap_or_default(),
                )
                .await?;
                tx.commit().await?;
                Ok(agency)
            }

            async fn create_agencies_once(
                &self,
                actor: &$crate::Actor,
                drafts: &[$crate::AgencyDraft],
            ) -> $crate::Result<Vec<$crate::Result<$crate::Agency>>> {
                let mut tx = self.write.begin().await?;
                let now = $crate::now();
                let mut outcomes = Vec::with_capacity(drafts.len());
                for draft in drafts {
                    let id = uuid::Uuid::new_v4();
                    // `DO NOTHING` rather than an error, so that a taken code leaves the transaction usable for
                    // the rest of the batch on PostgreSQL too.
                    let inserted: Option<(uuid::Uuid,)> = sqlx::query_as(
                        "INSERT INTO agencies (id, code, name_th, name_en, kind, province, district, parent_id, \
                         website, contact, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
                         ON CONFLICT (code) DO NOTHING RETURNING id",
                    )
                    .bind(id)
                    .bind(draft.code.as_str())
                    .bind(&draft.name_th)
                    .bind(&draft.name_en)
                    .bind(draft.kind.code())
                    .bind(&draft.province)
                    .bind(&draft.district)
                    .bind(draft.parent_id)
                    .bind(&draft.website)
                    .bind(&draft.contact)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if inserted.is_none() {
                        outcomes.push(Err($crate::StoreError::Conflict {
                            field: "agency_code",
                            value: draft.code.to_string(),
                        }));
                        continue;
                    }
                    // The row holds exactly the draft's values, so reading it back would only cost a query.
                    let agency = $crate::Agency {
                        id,
                        code: draft.code.clone(),
                        name_th: draft.name_th.clone(),
                        name_en: draft.name_en.clone(),
                        kind: draft.kind,
                        province: draft.province.clone(),
                        district: draft.district.clone(),
                        parent_id: draft.parent_id,
                        website: draft.website.clone(),
                        contact: draft.contact.clone(),
                        created_at: now,
                        updated_at: now,
                    };
                    Self::audit_in(
                        &mut tx,
                        actor,
                        Some(id),
                        "agency.create",
                        agency.code.as_str(),
                        serde_json::to_value(&agency).unwrap_or_default(),
                    )
                    .await?;
                    outcomes.push(Ok(agency));
                }
                tx.commit().await?;
                Ok(outcomes)
            }

            async fn update_agency_once(
                &self,
                actor: &$crate::Actor,
                id: uuid::Uuid,
                draft: &$crate::AgencyDraft,
            ) -> $crate::Result<$crate::Agency> {
                let mut tx = self.write.begin().await?;
                let before = Self::agency_in(&mut tx, id).await?.ok_or($crate::StoreError::NotFound)?;
                sqlx::query(
                    "UPDATE agencies SET code = $2, name_th = $3, name_en = $4, kind = $5, province = $6, \
                     district = $7, parent_id = $8, website = $9, contact = $10, updated_at = $11 WHERE id = $1",
                )
                .bind(id)
                .bind(draft.code.as_str())
                .bind(&draft.name_th)
                .bind(&draft.name_en)
                .bind(draft.kind.code())
                .bind(&draft.province)
                .bind(&draft.district)
                .bind(draft.parent_id)
                .bind(&draft.website)
                .bind(&draft.contact)
                .bind($crate::now())
                .execute(&mut *tx)
                .await
                .map_err(|error| $crate::sql::conflict(error, draft.code.as_str()))?;
                let after = Self::agency_in(&mut tx, id).await?.ok_or($crate::StoreError::NotFound)?;
                Self::audit_in(
                    &mut tx,
                    actor,
                    Some(id),
                    "agency.update",
                    after.code.as_str(),
                    serde_json::json!({ "before": before, "after": after }),
                )
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn round_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: uuid::Uuid,
            ) -> $crate::Result<Option<$crate::Round>> {
                let sql = format!("SELECT {} FROM rounds ro WHERE ro.id = $1", $crate::sql::ROUND_COLUMNS);
                let row: Option<$crate::sql::RoundRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&mut **tx).await?;
                row.map($crate::Round::try_from).transpose()
            }

            async fn write_round_once(
                &self,
                actor: &$crate::Actor,
                id: Option<uuid::Uuid>,
                draft: &$crate::RoundDraft,
            ) -> $crate::Result<$crate::Round> {
                let mut tx = self.write.begin().await?;
                let now = $crate::now();
                let (round_id, action, before) = match id {
                    Some(id) => {
                        let before = Self::round_in(&mut tx, id).await?.ok_or($crate::StoreError::NotFound)?;
                        (id, "round.update", Some(before))
                    }
                    None => {
                        let id = uuid::Uuid::new_v4();
                        sqlx::query(
                            "INSERT INTO rounds (id, fiscal_year, methodology_year, methodology_variant, \
                             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                        )
                        .bind(id)
                        .bind(i64::from(draft.fiscal_year))
                        .bind(i64::from(draft.methodology_year))
                        .bind(&draft.methodology_variant)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(|error| $crate::sql::conflict(error, &draft.fiscal_year.to_string()))?;
                        (id, "round.create", None)
                    }
                };
                let windows = &draft.windows;
                sqlx::query(
                    "UPDATE rounds SET fiscal_year = $2, methodology_year = $3, methodology_variant = $4, \
                     oit_answer_from = $5, oit_answer_to = $6, survey_from = $7, survey_to = $8, \
                     oit_review_from = $9, oit_review_to = $10, clarification_from = $11, \
                     clarification_to = $12, results_on = $13, updated_at = $14 WHERE id = $1",
                )
                .bind(round_id)
                .bind(i64::from(draft.fiscal_year))
                .bind(i64::from(draft.methodology_year))
                .bind(&draft.methodology_variant)
                .bind(&windows.oit_answer_from)
                .bind(&windows.oit_answer_to)
                .bind(&windows.survey_from)
                .bind(&windows.survey_to)
                .bind(&windows.oit_review_from)
                .bind(&windows.oit_review_to)
                .bind(&windows.clarification_from)
                .bind(&windows.clarification_to)
                .bind(&windows.results_on)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|error| $crate::sql::conflict(error, &draft.fiscal_year.to_string()))?;
                let after = Self::round_in(&mut tx, round_id).await?.ok_or($crate::StoreError::NotFound)?;
                Self::audit_in(
                    &mut tx,
                    actor,
                    None,
                    action,
                    &after.fiscal_year.to_string(),
                    serde_json::json!({ "before": before, "after": after }),
                )
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn put_result_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                draft: &$crate::ResultDraft,
            ) -> $crate::Result<$crate::ResultRecord> {
                let select = format!(
                    "SELECT {} FROM results r WHERE r.agency_id = $1 AND r.round_id = $2",
                    $crate::sql::RESULT_COLUMNS
                );
                let before: Option<$crate::sql::ResultRow> =
                    sqlx::query_as(&select).bind(agency_id).bind(round_id).fetch_optional(&mut **tx).await?;
                let before = before.map($crate::ResultRecord::try_from).transpose()?;
                // A computed result never replaces an official one; decided by the upsert itself, so that an
                // official result stored by someone else since `before` was read still wins.
                let written = sqlx::query(
                    "INSERT INTO results (agency_id, round_id, source, indicators, total, level_code, \
                     updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (agency_id, round_id) DO UPDATE SET source = excluded.source, \
                     indicators = excluded.indicators, total = excluded.total, \
                     level_code = excluded.level_code, updated_at = excluded.updated_at, \
                     updated_by = excluded.updated_by \
                     WHERE NOT (results.source = 'official' AND excluded.source = 'computed')",
                )
                .bind(agency_id)
                .bind(round_id)
                .bind(draft.source.code())
                .bind($crate::sql::encode_indicators(&draft.indicators))
                .bind(draft.total.0)
                .bind(&draft.level_code)
                .bind($crate::now())
                .bind(actor.id)
                .execute(&mut **tx)
                .await?;
                if written.rows_affected() == 0 {
                    return Err($crate::StoreError::Conflict {
                        field: "official_result",
                        value: round_id.to_string(),
                    });
                }
                let after: $crate::sql::ResultRow =
                    sqlx::query_as(&select).bind(agency_id).bind(round_id).fetch_one(&mut **tx).await?;
                let after = $crate::ResultRecord::try_from(after)?;
                let action = if before.is_some() { "result.update" } else { "result.create" };
                Self::audit_in(
                    tx,
                    actor,
                    Some(agency_id),
                    action,
                    &round_id.to_string(),
                    serde_json::json!({ "before": before, "after": after }),
                )
                .await?;
                Ok(after)
            }

            async fn put_results_once(
                &self,
                actor: &$crate::Actor,
                results: &[(uuid::Uuid, uuid::Uuid, $crate::ResultDraft)],
            ) -> $crate::Result<Vec<$crate::ResultRecord>> {
                let mut tx = self.write.begin().await?;
                let mut stored = Vec::with_capacity(results.len());
                for (agency_id, round_id, draft) in results {
                    stored.push(Self::put_result_in(&mut tx, actor, *agency_id, *round_id, draft).await?);
                }
                tx.commit().await?;
                Ok(stored)
            }

            async fn write_user_once(
                &self,
                actor: &$crate::Actor,
                id: Option<uuid::Uuid>,
                draft: &$crate::UserDraft,
                password_hash: Option<&str>,
            ) -> $crate::Result<$crate::User> {
                let mut tx = self.write.begin().await?;
                let user_id = match id {
                    Some(id) => {
                        let done = sqlx::query(
                            "UPDATE users SET username = $2, display_name = $3, role = $4, agency_id = $5, \
                             province = $6, active = $7 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&draft.username)
                        .bind(&draft.display_name)
                        .bind(draft.role.code())
                        .bind(draft.agency_id)
                        .bind(&draft.province)
                        .bind(draft.active)
                        .execute(&mut *tx)
                        .await
                        .map_err(|error| $crate::sql::conflict(error, &draft.username))?;
                        if done.rows_affected() == 0 {
                            return Err($crate::StoreError::NotFound);
                        }
                        if !draft.active {
                            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        id
                    }
                    None => {
                        let id = uuid::Uuid::new_v4();
                        sqlx::query(
                            "INSERT INTO users (id, username, display_name, password_hash, role, agency_id, \
                             province, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(id)
                        .bind(&draft.username)
                        .bind(&draft.display_name)
                        .bind(password_hash.unwrap_or(""))
                        .bind(draft.role.code())
                        .bind(draft.agency_id)
                        .bind(&draft.province)
                        .bind(draft.active)
                        .bind($crate::now())
                        .execute(&mut *tx)
                        .await
                        .map_err(|error| $crate::sql::conflict(error, &draft.username))?;
                        id
                    }
                };
                let sql = format!("SELECT {} FROM users u WHERE u.id = $1", $crate::sql::USER_COLUMNS);
                let row: $crate::sql::UserRow = sqlx::query_as(&sql).bind(user_id).fetch_one(&mut *tx).await?;
                let user = $crate::User::try_from(row)?;
                let action = if id.is_some() { "user.update" } else { "user.create" };
                Self::audit_in(
                    &mut tx,
                    actor,
                    user.agency_id,
                    action,
                    &user.username,
                    serde_json::to_value(&user).unwrap_or_default(),
                )
                .await?;
                tx.commit().await?;
                Ok(user)
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn dialect(&self) -> &'static str {
                $dialect
            }

            async fn create_agency(
                &self,
                actor: &$crate::Actor,
                draft: &$crate::AgencyDraft,
            ) -> $crate::Result<$crate::Agency> {
                $crate::sql::retry(|| self.create_agency_once(actor, draft)).await
            }

            async fn create_agencies(
                &self,
                actor: &$crate::Actor,
                drafts: &[$crate::AgencyDraft],
            ) -> $crate::Result<Vec<$crate::Result<$crate::Agency>>> {
                $crate::sql::retry(|| self.create_agencies_once(actor, drafts)).await
            }

            async fn update_agency(
                &self,
                actor: &$crate::Actor,
                id: uuid::Uuid,
                draft: &$crate::AgencyDraft,
            ) -> $crate::Result<$crate::Agency> {
                $crate::sql::retry(|| self.update_agency_once(actor, id, draft)).await
            }

            async fn agency(&self, id: uuid::Uuid) -> $crate::Result<Option<$crate::Agency>> {
                let sql = format!("SELECT {} FROM agencies a WHERE a.id = $1", $crate::sql::AGENCY_COLUMNS);
                let row: Option<$crate::sql::AgencyRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.read).await?;
                row.map($crate::Agency::try_from).transpose()
            }

            async fn agency_by_code(
                &self,
                code: &ita_domain::platform::AgencyCode,
            ) -> $crate::Result<Option<$crate::Agency>> {
                let sql = format!("SELECT {} FROM agencies a WHERE a.code = $1", $crate::sql::AGENCY_COLUMNS);
                let row: Option<$crate::sql::AgencyRow> =
                    sqlx::query_as(&sql).bind(code.as_str()).fetch_optional(&self.read).await?;
                row.map($crate::Agency::try_from).transpose()
            }

            async fn list_agencies(
                &self,
                query: &$crate::AgencyQuery,
            ) -> $crate::Result<$crate::Page<$crate::AgencyListItem>> {
                fn filters<'q>(builder: &mut sqlx::QueryBuilder<'q, $db>, query: &'q $crate::AgencyQuery) {
                    builder.push(" WHERE 1 = 1");
                    match &query.visible {
                        ita_domain::platform::Visibility::All => {}
                        ita_domain::platform::Visibility::Province(province) => {
                            builder.push(" AND a.province = ").push_bind(province);
                        }
                        ita_domain::platform::Visibility::Agencies(ids) => {
                            if ids.is_empty() {
                                builder.push(" AND 1 = 0");
                            } else {
                                builder.push(" AND a.id IN (");
                                let mut separated = builder.separated(", ");
                                for id in ids {
                                    separated.push_bind(*id);
                                }
                                builder.push(")");
                            }
                        }
                    }
                    if let Some(province) = &query.province {
                        builder.push(" AND a.province = ").push_bind(province);
                    }
                    if let Some(kind) = query.kind {
                        builder.push(" AND a.kind = ").push_bind(kind.code());
                    }
                    if let Some(search) = query.search.as_deref().filter(|search| !search.trim().is_empty()) {
                        let pattern = $crate::sql::like_pattern(search);
                        builder
                            .push(" AND (LOWER(a.code) LIKE ")
                            .push_bind(pattern.clone())
                            .push(" ESCAPE '\\' OR LOWER(a.name_th) LIKE ")
                            .push_bind(pattern.clone())
                            .push(" ESCAPE '\\' OR LOWER(COALESCE(a.name_en, '')) LIKE ")
                            .push_bind(pattern)
                            .push(" ESCAPE '\\')");
                    }
                }
                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM agencies a");
                filters(&mut count, query);
                let (total,): (i64,) = count.build_query_as().fetch_one(&self.read).await?;

                // The page of agencies is chosen first and only its rows are joined to their results: joining
                // before paging would look up the results of every skipped row (late pages were 20x slower).
                let mut select = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {}, r.total, r.level_code FROM (SELECT * FROM agencies a",
                    $crate::sql::AGENCY_COLUMNS
                ));
                filters(&mut select, query);
                select
                    .push(" ORDER BY a.province, a.code LIMIT ")
                    .push_bind(query.limit)
                    .push(" OFFSET ")
                    .push_bind(query.offset)
                    .push(") a LEFT JOIN results r ON r.agency_id = a.id AND r.round_id = ")
                    .push_bind(query.round_id.unwrap_or_else(uuid::Uuid::nil))
                    .push(" ORDER BY a.province, a.code");
                let rows: Vec<$crate::sql::AgencyListRow> = select.build_query_as().fetch_all(&self.read).await?;
                let items =
                    rows.into_iter().map($crate::AgencyListItem::try_from).collect::<$crate::Result<Vec<_>>>()?;
                Ok($crate::Page { items, total, offset: query.offset, limit: query.limit })
            }

            async fn provinces(&self) -> $crate::Result<Vec<String>> {
                let rows: Vec<(String,)> =
                    sqlx::query_as("SELECT DISTINCT province FROM agencies ORDER BY province")
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.into_iter().map(|(province,)| province).collect())
            }

            async fn create_round(
                &self,
                actor: &$crate::Actor,
                draft: &$crate::RoundDraft,
            ) -> $crate::Result<$crate::Round> {
                $crate::sql::retry(|| self.write_round_once(actor, None, draft)).await
            }

            async fn update_round(
                &self,
                actor: &$crate::Actor,
                id: uuid::Uuid,
                draft: &$crate::RoundDraft,
            ) -> $crate::Result<$crate::Round> {
                $crate::sql::retry(|| self.write_round_once(actor, Some(id), draft)).await
            }

            async fn round(&self, id: uuid::Uuid) -> $crate::Result<Option<$crate::Round>> {
                let sql = format!("SELECT {} FROM rounds ro WHERE ro.id = $1", $crate::sql::ROUND_COLUMNS);
                let row: Option<$crate::sql::RoundRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.read).await?;
                row.map($crate::Round::try_from).transpose()
            }

            async fn rounds(&self) -> $crate::Result<Vec<$crate::Round>> {
                let sql =
                    format!("SELECT {} FROM rounds ro ORDER BY ro.fiscal_year DESC", $crate::sql::ROUND_COLUMNS);
                let rows: Vec<$crate::sql::RoundRow> = sqlx::query_as(&sql).fetch_all(&self.read).await?;
                rows.into_iter().map($crate::Round::try_from).collect()
            }

            async fn put_result(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                draft: &$crate::ResultDraft,
            ) -> $crate::Result<$crate::ResultRecord> {
                let one = [(agency_id, round_id, draft.clone())];
                let mut stored = $crate::sql::retry(|| self.put_results_once(actor, &one)).await?;
                stored.pop().ok_or($crate::StoreError::NotFound)
            }

            async fn put_results(
                &self,
                actor: &$crate::Actor,
                results: &[(uuid::Uuid, uuid::Uuid, $crate::ResultDraft)],
            ) -> $crate::Result<()> {
                $crate::sql::retry(|| self.put_results_once(actor, results)).await.map(|_| ())
            }

            async fn result(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Option<$crate::ResultRecord>> {
                let sql = format!(
                    "SELECT {} FROM results r WHERE r.agency_id = $1 AND r.round_id = $2",
                    $crate::sql::RESULT_COLUMNS
                );
                let row: Option<$crate::sql::ResultRow> =
                    sqlx::query_as(&sql).bind(agency_id).bind(round_id).fetch_optional(&self.read).await?;
                row.map($crate::ResultRecord::try_from).transpose()
            }

            async fn results_of_agency(
                &self,
                agency_id: uuid::Uuid,
            ) -> $crate::Result<Vec<($crate::Round, $crate::ResultRecord)>> {
                let sql = format!(
                    "SELECT {}, {} FROM results r JOIN rounds ro ON ro.id = r.round_id \
                     WHERE r.agency_id = $1 ORDER BY ro.fiscal_year DESC",
                    $crate::sql::ROUND_COLUMNS,
                    $crate::sql::RESULT_COLUMNS
                );
                let rows: Vec<$crate::sql::RoundResultRow> =
                    sqlx::query_as(&sql).bind(agency_id).fetch_all(&self.read).await?;
                rows.into_iter()
                    .map(|row| Ok(($crate::Round::try_from(row.round)?, $crate::ResultRecord::try_from(row.result)?)))
                    .collect()
            }

            async fn user_count(&self) -> $crate::Result<i64> {
                let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&self.read).await?;
                Ok(count)
            }

            async fn create_user(
                &self,
                actor: &$crate::Actor,
                draft: &$crate::UserDraft,
                password_hash: &str,
            ) -> $crate::Result<$crate::User> {
                $crate::sql::retry(|| self.write_user_once(actor, None, draft, Some(password_hash))).await
            }

            async fn update_user(
                &self,
                actor: &$crate::Actor,
                id: uuid::Uuid,
                draft: &$crate::UserDraft,
            ) -> $crate::Result<$crate::User> {
                $crate::sql::retry(|| self.write_user_once(actor, Some(id), draft, None)).await
            }

            async fn set_password(
                &self,
                actor: &$crate::Actor,
                id: uuid::Uuid,
                password_hash: &str,
            ) -> $crate::Result<()> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                        .bind(id)
                        .bind(password_hash)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err($crate::StoreError::NotFound);
                    }
                    // A new password ends every session of the account.
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                    // The entry names the account's agency, so that its agency administrator sees it too.
                    let (agency_id,): (Option<uuid::Uuid>,) =
                        sqlx::query_as("SELECT agency_id FROM users WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    Self::audit_in(&mut tx, actor, agency_id, "user.password", &id.to_string(), serde_json::json!({}))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn user(&self, id: uuid::Uuid) -> $crate::Result<Option<$crate::User>> {
                let sql = format!("SELECT {} FROM users u WHERE u.id = $1", $crate::sql::USER_COLUMNS);
                let row: Option<$crate::sql::UserRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.read).await?;
                row.map($crate::User::try_from).transpose()
            }

            async fn login_record(&self, username: &str) -> $crate::Result<Option<$crate::LoginRecord>> {
                let sql = format!(
                    "SELECT {}, u.password_hash FROM users u WHERE u.username = $1",
                    $crate::sql::USER_COLUMNS
                );
                let row: Option<$crate::sql::LoginRow> =
                    sqlx::query_as(&sql).bind(username).fetch_optional(&self.read).await?;
                row.map(|row| {
                    Ok($crate::LoginRecord { user: row.user.try_into()?, password_hash: row.password_hash })
                })
                .transpose()
            }

            async fn list_users(&self, agency_id: Option<uuid::Uuid>) -> $crate::Result<Vec<$crate::User>> {
                let rows: Vec<$crate::sql::UserRow> = match agency_id {
                    Some(agency_id) => {
                        let sql = format!(
                            "SELECT {} FROM users u WHERE u.agency_id = $1 ORDER BY u.username",
                            $crate::sql::USER_COLUMNS
                        );
                        sqlx::query_as(&sql).bind(agency_id).fetch_all(&self.read).await?
                    }
                    None => {
                        let sql = format!("SELECT {} FROM users u ORDER BY u.username", $crate::sql::USER_COLUMNS);
                        sqlx::query_as(&sql).fetch_all(&self.read).await?
                    }
                };
                rows.into_iter().map($crate::User::try_from).collect()
            }

            async fn set_assignment(
                &self,
                actor: &$crate::Actor,
                user_id: uuid::Uuid,
                agency_id: uuid::Uuid,
                assigned: bool,
            ) -> $crate::Result<()> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    let (sql, action) = if assigned {
                        (
                            "INSERT INTO assessor_assignments (agency_id, user_id) VALUES ($1, $2) \
                             ON CONFLICT (agency_id, user_id) DO NOTHING",
                            "assignment.add",
                        )
                    } else {
                        (
                            "DELETE FROM assessor_assignments WHERE agency_id = $1 AND user_id = $2",
                            "assignment.remove",
                        )
                    };
                    sqlx::query(sql).bind(agency_id).bind(user_id).execute(&mut *tx).await?;
                    Self::audit_in(&mut tx, actor, Some(agency_id), action, &user_id.to_string(), serde_json::json!({}))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn assignments(&self, user_id: uuid::Uuid) -> $crate::Result<Vec<uuid::Uuid>> {
                let rows: Vec<(uuid::Uuid,)> =
                    sqlx::query_as("SELECT agency_id FROM assessor_assignments WHERE user_id = $1")
                        .bind(user_id)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user_id: uuid::Uuid,
                csrf: &str,
                expires_at: i64,
            ) -> $crate::Result<()> {
                $crate::sql::retry(|| async {
                    let now = $crate::now();
                    let mut tx = self.write.begin().await?;
                    // Expired sessions go whenever a new one is made, so the table never grows without bound.
                    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(csrf)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn session(&self, token_hash: &str, now: i64) -> $crate::Result<Option<$crate::SessionRecord>> {
                let sql = format!(
                    "SELECT {}, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
                    $crate::sql::USER_COLUMNS
                );
                let row: Option<$crate::sql::SessionRow> =
                    sqlx::query_as(&sql).bind(token_hash).bind(now).fetch_optional(&self.read).await?;
                row.map(|row| {
                    Ok($crate::SessionRecord { user: row.user.try_into()?, csrf: row.csrf, expires_at: row.expires_at })
                })
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> $crate::Result<()> {
                $crate::sql::retry(|| async {
                    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&self.write)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn create_api_token(
                &self,
                actor: &$crate::Actor,
                user_id: uuid::Uuid,
                name: &str,
                token_hash: &str,
            ) -> $crate::Result<()> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    sqlx::query(
                        "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(name)
                    .bind($crate::now())
                    .execute(&mut *tx)
                    .await?;
                    let (agency_id,): (Option<uuid::Uuid>,) = sqlx::query_as("SELECT agency_id FROM users WHERE id = $1")
                        .bind(user_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    Self::audit_in(
                        &mut tx,
                        actor,
                        agency_id,
                        "token.create",
                        name,
                        serde_json::json!({ "user": user_id }),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn api_token_user(&self, token_hash: &str) -> $crate::Result<Option<$crate::User>> {
                let sql = format!(
                    "SELECT {} FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1 AND u.active",
                    $crate::sql::USER_COLUMNS
                );
                let row: Option<$crate::sql::UserRow> =
                    sqlx::query_as(&sql).bind(token_hash).fetch_optional(&self.read).await?;
                row.map($crate::User::try_from).transpose()
            }

            async fn put_setup_token(&self, token_hash: &str) -> $crate::Result<()> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
                        .bind(token_hash)
                        .bind($crate::now())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn complete_setup(
                &self,
                token_hash: &str,
                draft: &$crate::UserDraft,
                password_hash: &str,
            ) -> $crate::Result<Option<$crate::User>> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    let taken = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await?;
                    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&mut *tx).await?;
                    if taken.rows_affected() == 0 || users > 0 {
                        return Ok(None);
                    }
                    tx.commit().await?;
                    let actor = $crate::Actor::system("setup");
                    Ok(Some(self.write_user_once(&actor, None, draft, Some(password_hash)).await?))
                })
                .await
            }

            async fn audit(
                &self,
                query: &$crate::AuditQuery,
            ) -> $crate::Result<$crate::Page<$crate::AuditEntry>> {
                const COLUMNS: &str = "seq, at, actor_id, actor_name, agency_id, action, subject, detail";
                let (total, rows): (i64, Vec<$crate::sql::AuditRow>) = match query.agency_id {
                    Some(agency_id) => {
                        let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE agency_id = $1")
                            .bind(agency_id)
                            .fetch_one(&self.read)
                            .await?;
                        let sql = format!(
                            "SELECT {COLUMNS} FROM audit_log WHERE agency_id = $1 ORDER BY seq DESC \
                             LIMIT $2 OFFSET $3"
                        );
                        let rows = sqlx::query_as(&sql)
                            .bind(agency_id)
                            .bind(query.limit)
                            .bind(query.offset)
                            .fetch_all(&self.read)
                            .await?;
                        (total, rows)
                    }
                    None => {
                        let (total,): (i64,) =
                            sqlx::query_as("SELECT COUNT(*) FROM audit_log").fetch_one(&self.read).await?;
                        let sql = format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT $1 OFFSET $2");
                        let rows =
                            sqlx::query_as(&sql).bind(query.limit).bind(query.offset).fetch_all(&self.read).await?;
                        (total, rows)
                    }
                };
                Ok($crate::Page {
                    items: rows.into_iter().map($crate::AuditEntry::from).collect(),
                    total,
                    offset: query.offset,
                    limit: query.limit,
                })
            }

            // Surveys.
            async fn survey_link(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Option<$crate::SurveyLink>> {
                let row: Option<(String, i64)> = sqlx::query_as(
                    "SELECT iit_code, updated_at FROM survey_links WHERE agency_id = $1 AND round_id = $2",
                )
                .bind(agency_id)
                .bind(round_id)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(iit_code, updated_at)| $crate::SurveyLink { agency_id, round_id, iit_code, updated_at }))
            }

            async fn put_survey_link(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                iit_code: &str,
            ) -> $crate::Result<$crate::SurveyLink> {
                $crate::sql::retry(|| async {
                    let now = $crate::now();
                    let mut tx = self.write.begin().await?;
                    let before: Option<(i64,)> =
                        sqlx::query_as("SELECT updated_at FROM survey_links WHERE agency_id = $1 AND round_id = $2")
                            .bind(agency_id)
                            .bind(round_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    sqlx::query(
                        "INSERT INTO survey_links (agency_id, round_id, iit_code, updated_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (agency_id, round_id) DO UPDATE SET iit_code = excluded.iit_code, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(iit_code)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    // The code opens the IIT form: whoever reads the audit log must not learn it from there.
                    let action = if before.is_some() { "survey_link.update" } else { "survey_link.create" };
                    Self::audit_in(
                        &mut tx,
                        actor,
                        Some(agency_id),
                        action,
                        &round_id.to_string(),
                        serde_json::json!({ "iit_code": "code changed" }),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok($crate::SurveyLink { agency_id, round_id, iit_code: iit_code.to_string(), updated_at: now })
                })
                .await
            }

            async fn survey_target(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Option<$crate::SurveyTarget>> {
                let sql = format!(
                    "SELECT {} FROM survey_targets t WHERE t.agency_id = $1 AND t.round_id = $2",
                    $crate::sql::SURVEY_TARGET_COLUMNS
                );
                let row: Option<$crate::sql::SurveyTargetRow> =
                    sqlx::query_as(&sql).bind(agency_id).bind(round_id).fetch_optional(&self.read).await?;
                row.map($crate::SurveyTarget::try_from).transpose()
            }

            async fn put_survey_target(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                iit_population: Option<u32>,
                eit_population: Option<u32>,
            ) -> $crate::Result<$crate::SurveyTarget> {
                let select = format!(
                    "SELECT {} FROM survey_targets t WHERE t.agency_id = $1 AND t.round_id = $2",
                    $crate::sql::SURVEY_TARGET_COLUMNS
                );
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    let before: Option<$crate::sql::SurveyTargetRow> =
                        sqlx::query_as(&select).bind(agency_id).bind(round_id).fetch_optional(&mut *tx).await?;
                    let before = before.map($crate::SurveyTarget::try_from).transpose()?;
                    sqlx::query(
                        "INSERT INTO survey_targets (agency_id, round_id, iit_population, eit_population, \
                         updated_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (agency_id, round_id) DO UPDATE SET iit_population = excluded.iit_population, \
                         eit_population = excluded.eit_population, updated_at = excluded.updated_at",
                    )
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(iit_population.map(i64::from))
                    .bind(eit_population.map(i64::from))
                    .bind($crate::now())
                    .execute(&mut *tx)
                    .await?;
                    let after: $crate::sql::SurveyTargetRow =
                        sqlx::query_as(&select).bind(agency_id).bind(round_id).fetch_one(&mut *tx).await?;
                    let after = $crate::SurveyTarget::try_from(after)?;
                    let action = if before.is_some() { "survey_target.update" } else { "survey_target.create" };
                    Self::audit_in(
                        &mut tx,
                        actor,
                        Some(agency_id),
                        action,
                        &round_id.to_string(),
                        serde_json::json!({ "before": before, "after": after }),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(after)
                })
                .await
            }

            async fn submit_responses(
                &self,
                batch: &[$crate::Submission],
            ) -> $crate::Result<Vec<$crate::SubmissionOutcome>> {
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                let capped = $crate::sql::capped_keys(batch);
                let nonces = $crate::sql::distinct_nonces(batch);
                // Multi-row statements throughout: a batch of 500 is a few dozen statements, not a thousand.
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    // The capped tallies first, each read by an upsert that changes nothing: on PostgreSQL that
                    // locks the row until the commit, so that two batches cannot both take the last places.
                    let mut counted = std::collections::HashMap::with_capacity(capped.len());
                    for chunk in $crate::sql::statement_chunks(&capped) {
                        let mut lock = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO survey_tallies (agency_id, round_id, instrument, responses) ",
                        );
                        lock.push_values(chunk, |mut row, key| {
                            row.push_bind(key.0).push_bind(key.1).push_bind(key.2).push_bind(0_i64);
                        });
                        lock.push(
                            " ON CONFLICT (agency_id, round_id, instrument) \
                             DO UPDATE SET responses = survey_tallies.responses \
                             RETURNING agency_id, round_id, instrument, responses",
                        );
                        let rows: Vec<(uuid::Uuid, uuid::Uuid, String, i64)> =
                            lock.build_query_as().fetch_all(&mut *tx).await?;
                        for (agency_id, round_id, instrument, responses) in rows {
                            if let Some(key) =
                                chunk.iter().find(|key| (key.0, key.1, key.2) == (agency_id, round_id, &instrument))
                            {
                                counted.insert(*key, responses);
                            }
                        }
                    }
                    // Then the nonces: those that come back were not used before. A nonce row is not linked to
                    // the response it lets through.
                    let mut fresh = std::collections::HashSet::with_capacity(nonces.len());
                    for chunk in $crate::sql::statement_chunks(&nonces) {
                        let mut insert =
                            sqlx::QueryBuilder::<$db>::new("INSERT INTO survey_used_nonces (nonce, expires_at) ");
                        insert.push_values(chunk, |mut row, submission| {
                            row.push_bind(&submission.nonce[..])
                                .push_bind($crate::sql::nonce_expiry(submission.nonce_expires_at));
                        });
                        insert.push(" ON CONFLICT (nonce) DO NOTHING RETURNING nonce");
                        let rows: Vec<(Vec<u8>,)> = insert.build_query_as().fetch_all(&mut *tx).await?;
                        fresh.extend(rows.into_iter().filter_map(|(nonce,)| <[u8; 16]>::try_from(nonce).ok()));
                    }
                    let plan = $crate::sql::plan_batch(batch, &counted, &fresh);
                    for nonce in &plan.released {
                        sqlx::query("DELETE FROM survey_used_nonces WHERE nonce = $1")
                            .bind(&nonce[..])
                            .execute(&mut *tx)
                            .await?;
                    }
                    // The responses, in the plan's random order, under random keys.
                    for chunk in $crate::sql::statement_chunks(&plan.stored) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO survey_responses (id, agency_id, round_id, instrument, relation, answers, \
                             day) ",
                        );
                        insert.push_values(chunk, |mut row, submission| {
                            row.push_bind(uuid::Uuid::new_v4())
                                .push_bind(submission.agency_id)
                                .push_bind(submission.round_id)
                                .push_bind(&submission.instrument)
                                .push_bind(&submission.relation)
                                .push_bind(&submission.answers)
                                .push_bind(&submission.day);
                        });
                        insert.build().execute(&mut *tx).await?;
                    }
                    let added: Vec<_> = plan.added.iter().collect();
                    for chunk in $crate::sql::statement_chunks(&added) {
                        let mut upsert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO survey_tallies (agency_id, round_id, instrument, responses) ",
                        );
                        upsert.push_values(chunk, |mut row, (key, responses)| {
                            row.push_bind(key.0).push_bind(key.1).push_bind(key.2).push_bind(**responses);
                        });
                        upsert.push(
                            " ON CONFLICT (agency_id, round_id, instrument) \
                             DO UPDATE SET responses = survey_tallies.responses + excluded.responses",
                        );
                        upsert.build().execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                    Ok(plan.outcomes)
                })
                .await
            }

            async fn survey_counts(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<std::collections::BTreeMap<String, i64>> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT instrument, responses FROM survey_tallies \
                     WHERE agency_id = $1 AND round_id = $2 AND responses > 0",
                )
                .bind(agency_id)
                .bind(round_id)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().collect())
            }

            async fn survey_overview(
                &self,
                round_id: uuid::Uuid,
                province: Option<&str>,
            ) -> $crate::Result<Vec<$crate::SurveyOverviewRow>> {
                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT a.id AS agency_id, a.code, a.name_th, a.province, t.iit_population, t.eit_population, \
                     COALESCE(iit.responses, 0) AS iit_responses, COALESCE(eit.responses, 0) AS eit_responses \
                     FROM agencies a LEFT JOIN survey_targets t ON t.agency_id = a.id AND t.round_id = ",
                );
                select
                    .push_bind(round_id)
                    .push(
                        " LEFT JOIN survey_tallies iit ON iit.agency_id = a.id AND iit.instrument = 'IIT' \
                         AND iit.round_id = ",
                    )
                    .push_bind(round_id)
                    .push(
                        " LEFT JOIN survey_tallies eit ON eit.agency_id = a.id AND eit.instrument = 'EIT' \
                         AND eit.round_id = ",
                    )
                    .push_bind(round_id);
                if let Some(province) = province {
                    select.push(" WHERE a.province = ").push_bind(province);
                }
                select.push(" ORDER BY a.province, a.code");
                let rows: Vec<$crate::sql::SurveyOverviewDbRow> =
                    select.build_query_as().fetch_all(&self.read).await?;
                rows.into_iter().map($crate::SurveyOverviewRow::try_from).collect()
            }

            fn responses(
                &self,
                query: $crate::ResponseQuery,
            ) -> futures_core::stream::BoxStream<'static, $crate::Result<$crate::StoredResponse>> {
                // The rows are read by a task of their own, which owns a clone of the pool and hands them over
                // through a small queue: the stream owes nothing to `self`, and a slow reader slows the query
                // rather than filling memory. The task starts at the first poll and ends when the stream is
                // dropped.
                enum State {
                    Ready(sqlx::Pool<$db>, $crate::ResponseQuery),
                    Reading(tokio::sync::mpsc::Receiver<$crate::Result<$crate::StoredResponse>>),
                }
                async fn read(
                    pool: sqlx::Pool<$db>,
                    query: $crate::ResponseQuery,
                    sender: tokio::sync::mpsc::Sender<$crate::Result<$crate::StoredResponse>>,
                ) {
                    use futures_util::StreamExt as _;
                    let mut select = sqlx::QueryBuilder::<$db>::new(
                        "SELECT r.agency_id, r.instrument, r.relation, r.answers FROM survey_responses r",
                    );
                    if query.province.is_some() {
                        select.push(" JOIN agencies a ON a.id = r.agency_id");
                    }
                    select.push(" WHERE r.round_id = ").push_bind(query.round_id);
                    if let Some(agency_id) = query.agency_id {
                        select.push(" AND r.agency_id = ").push_bind(agency_id);
                    }
                    if let Some(province) = query.province {
                        select.push(" AND a.province = ").push_bind(province);
                    }
                    if let Some(instrument) = query.instrument {
                        select.push(" AND r.instrument = ").push_bind(instrument);
                    }
                    select.push(" ORDER BY r.agency_id, r.instrument, r.id");
                    let mut rows = select.build_query_as::<$crate::sql::StoredResponseRow>().fetch(&pool);
                    while let Some(row) = rows.next().await {
                        let failed = row.is_err();
                        let item = row.map($crate::StoredResponse::from).map_err($crate::StoreError::from);
                        if sender.send(item).await.is_err() || failed {
                            return;
                        }
                    }
                }
                let start = State::Ready(self.read.clone(), query);
                Box::pin(futures_util::stream::unfold(start, |state| async move {
                    let mut receiver = match state {
                        State::Reading(receiver) => receiver,
                        State::Ready(pool, query) => {
                            let (sender, receiver) = tokio::sync::mpsc::channel(256);
                            tokio::spawn(read(pool, query, sender));
                            receiver
                        }
                    };
                    let item = receiver.recv().await?;
                    Some((item, State::Reading(receiver)))
                }))
            }

            async fn put_survey_scores(
                &self,
                actor: &$crate::Actor,
                scores: &[$crate::SurveyScoreRecord],
            ) -> $crate::Result<()> {
                let mut rounds: std::collections::BTreeMap<uuid::Uuid, usize> = std::collections::BTreeMap::new();
                for score in scores {
                    *rounds.entry(score.round_id).or_default() += 1;
                }
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    for score in scores {
                        sqlx::query(
                            "INSERT INTO survey_scores (agency_id, round_id, indicators, iit_respondents, \
                             eit_respondents, computed_at) VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (agency_id, round_id) DO UPDATE SET indicators = excluded.indicators, \
                             iit_respondents = excluded.iit_respondents, \
                             eit_respondents = excluded.eit_respondents, computed_at = excluded.computed_at",
                        )
                        .bind(score.agency_id)
                        .bind(score.round_id)
                        .bind($crate::sql::encode_indicators(&score.indicators))
                        .bind(score.iit_respondents)
                        .bind(score.eit_respondents)
                        .bind(score.computed_at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for (round_id, agencies) in &rounds {
                        let detail = serde_json::json!({ "agencies": agencies });
                        Self::audit_in(&mut tx, actor, None, "survey_scores.compute", &round_id.to_string(), detail)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn survey_scores(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Option<$crate::SurveyScoreRecord>> {
                let row: Option<$crate::sql::SurveyScoreRow> = sqlx::query_as(
                    "SELECT agency_id, round_id, indicators, iit_respondents, eit_respondents, computed_at \
                     FROM survey_scores WHERE agency_id = $1 AND round_id = $2",
                )
                .bind(agency_id)
                .bind(round_id)
                .fetch_optional(&self.read)
                .await?;
                row.map($crate::SurveyScoreRecord::try_from).transpose()
            }

            async fn purge_used_nonces(&self, now: i64) -> $crate::Result<u64> {
                $crate::sql::retry(|| async {
                    let done = sqlx::query("DELETE FROM survey_used_nonces WHERE expires_at < $1")
                        .bind(now)
                        .execute(&self.write)
                        .await?;
                    Ok(done.rows_affected())
                })
                .await
            }

            async fn secret(&self, name: &str) -> $crate::Result<Vec<u8>> {
                $crate::sql::retry(|| async {
                    // Whoever comes first writes it; every server then reads the same value.
                    let fresh: [u8; 32] = rand::random();
                    let mut tx = self.write.begin().await?;
                    sqlx::query("INSERT INTO app_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                        .bind(name)
                        .bind(&fresh[..])
                        .execute(&mut *tx)
                        .await?;
                    let (value,): (Vec<u8>,) = sqlx::query_as("SELECT value FROM app_secrets WHERE name = $1")
                        .bind(name)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(value)
                })
                .await
            }

            // OIT evidence and review.
            async fn oit_answers(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Vec<$crate::OitAnswer>> {
                Self::oit_answers_of(&self.read, agency_id, round_id).await
            }

            async fn put_oit_answers(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                drafts: &[$crate::OitAnswerDraft],
                submit: bool,
            ) -> $crate::Result<Vec<$crate::OitAnswer>> {
                $crate::sql::retry(|| self.put_oit_answers_once(actor, agency_id, round_id, drafts, submit)).await
            }

            async fn put_oit_snapshot(&self, snapshot: &$crate::OitSnapshot, body: &[u8]) -> $crate::Result<()> {
                // Not audited: the server took it, nobody decided anything.
                $crate::sql::retry(|| async {
                    let sql = format!(
                        "INSERT INTO oit_snapshots ({}, body) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                        $crate::sql::OIT_SNAPSHOT_COLUMNS
                    );
                    sqlx::query(&sql)
                        .bind(snapshot.id)
                        .bind(snapshot.agency_id)
                        .bind(snapshot.round_id)
                        .bind(&snapshot.item_code)
                        .bind(&snapshot.requested_url)
                        .bind(&snapshot.final_url)
                        .bind(snapshot.status.map(i64::from))
                        .bind(&snapshot.content_type)
                        .bind(&snapshot.sha256)
                        .bind(snapshot.size)
                        .bind(snapshot.truncated)
                        .bind(&snapshot.outcome)
                        .bind(snapshot.fetched_at)
                        .bind(body)
                        .execute(&self.write)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn oit_snapshots(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Vec<$crate::OitSnapshot>> {
                // The newest of each (item, URL); two fetched in the same second are told apart by id.
                let sql = format!(
                    "SELECT {columns} FROM (SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY item_code, \
                     requested_url ORDER BY fetched_at DESC, id DESC) AS newest FROM oit_snapshots \
                     WHERE agency_id = $1 AND round_id = $2) s WHERE newest = 1",
                    columns = $crate::sql::OIT_SNAPSHOT_COLUMNS
                );
                let rows: Vec<$crate::sql::OitSnapshotRow> =
                    sqlx::query_as(&sql).bind(agency_id).bind(round_id).fetch_all(&self.read).await?;
                let mut snapshots =
                    rows.into_iter().map($crate::OitSnapshot::try_from).collect::<$crate::Result<Vec<_>>>()?;
                snapshots.sort_by_cached_key(|snapshot| {
                    ($crate::sql::natural_key(&snapshot.item_code), snapshot.requested_url.clone())
                });
                Ok(snapshots)
            }

            async fn oit_snapshot_body(
                &self,
                id: uuid::Uuid,
            ) -> $crate::Result<Option<($crate::OitSnapshot, Vec<u8>)>> {
                let sql = format!(
                    "SELECT {}, body FROM oit_snapshots WHERE id = $1",
                    $crate::sql::OIT_SNAPSHOT_COLUMNS
                );
                let row: Option<$crate::sql::OitSnapshotBodyRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.read).await?;
                row.map(|row| Ok(($crate::OitSnapshot::try_from(row.snapshot)?, row.body))).transpose()
            }

            async fn put_oit_verdicts(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                verdicts: &[$crate::OitVerdictDraft],
                stage: &str,
            ) -> $crate::Result<Vec<$crate::OitVerdict>> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    let now = $crate::now();
                    let mut stored = Vec::with_capacity(verdicts.len());
                    for draft in verdicts {
                        let after = $crate::OitVerdict {
                            agency_id,
                            round_id,
                            item_code: draft.item_code.clone(),
                            passed: draft.passed,
                            reason: draft.reason.clone(),
                            guidance: draft.guidance.clone(),
                            assessor_id: actor.id,
                            assessor_name: actor.name.clone(),
                            decided_at: now,
                            stage: stage.to_string(),
                        };
                        let before = Self::oit_verdict_in(&mut tx, agency_id, round_id, &draft.item_code).await?;
                        Self::upsert_oit_verdict_in(&mut tx, &after).await?;
                        Self::audit_in(
                            &mut tx,
                            actor,
                            Some(agency_id),
                            "oit_verdict.set",
                            &draft.item_code,
                            serde_json::json!({
                                "round_id": round_id,
                                "item_code": draft.item_code,
                                "before": before,
                                "after": after,
                            }),
                        )
                        .await?;
                        stored.push(after);
                    }
                    tx.commit().await?;
                    Ok(stored)
                })
                .await
            }

            async fn oit_verdicts(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Vec<$crate::OitVerdict>> {
                let sql = format!(
                    "SELECT {} FROM oit_verdicts WHERE agency_id = $1 AND round_id = $2",
                    $crate::sql::OIT_VERDICT_COLUMNS
                );
                let rows: Vec<$crate::sql::OitVerdictRow> =
                    sqlx::query_as(&sql).bind(agency_id).bind(round_id).fetch_all(&self.read).await?;
                let mut verdicts: Vec<$crate::OitVerdict> = rows.into_iter().map(Into::into).collect();
                verdicts.sort_by_cached_key(|verdict| $crate::sql::natural_key(&verdict.item_code));
                Ok(verdicts)
            }

            async fn put_oit_dispute(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                item_code: &str,
                statement: &str,
            ) -> $crate::Result<$crate::OitDispute> {
                $crate::sql::retry(|| async {
                    let mut tx = self.write.begin().await?;
                    let now = $crate::now();
                    sqlx::query(
                        "INSERT INTO oit_disputes (agency_id, round_id, item_code, statement, filed_at, filed_by) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(item_code)
                    .bind(statement)
                    .bind(now)
                    .bind(actor.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|error| $crate::sql::conflict(error, item_code))?;
                    // Only a failure can be disputed: checked here too, in the transaction that files it.
                    let verdict = Self::oit_verdict_in(&mut tx, agency_id, round_id, item_code).await?;
                    if !verdict.is_some_and(|verdict| !verdict.passed) {
                        return Err($crate::StoreError::NotFound);
                    }
                    Self::audit_in(
                        &mut tx,
                        actor,
                        Some(agency_id),
                        "oit_dispute.file",
                        item_code,
                        serde_json::json!({ "round_id": round_id, "item_code": item_code, "statement": statement }),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok($crate::OitDispute {
                        agency_id,
                        round_id,
                        item_code: item_code.to_string(),
                        statement: statement.to_string(),
                        filed_at: now,
                        confirmed: None,
                        resolution_reason: None,
                        resolved_at: None,
                    })
                })
                .await
            }

            async fn resolve_oit_dispute(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                item_code: &str,
                confirmed: bool,
                reason: &str,
            ) -> $crate::Result<$crate::OitDispute> {
                $crate::sql::retry(|| self.resolve_oit_dispute_once(actor, agency_id, round_id, item_code, confirmed, reason))
                    .await
            }

            async fn oit_disputes(
                &self,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Vec<$crate::OitDispute>> {
                let sql = format!(
                    "SELECT {} FROM oit_disputes WHERE agency_id = $1 AND round_id = $2",
                    $crate::sql::OIT_DISPUTE_COLUMNS
                );
                let rows: Vec<$crate::sql::OitDisputeRow> =
                    sqlx::query_as(&sql).bind(agency_id).bind(round_id).fetch_all(&self.read).await?;
                let mut disputes: Vec<$crate::OitDispute> = rows.into_iter().map(Into::into).collect();
                disputes.sort_by_cached_key(|dispute| $crate::sql::natural_key(&dispute.item_code));
                Ok(disputes)
            }

            async fn oit_progress(
                &self,
                round_id: uuid::Uuid,
                agency_ids: Option<&[uuid::Uuid]>,
            ) -> $crate::Result<Vec<$crate::OitProgressRow>> {
                // A short list (an assessor's agencies) is read by key; a long one with the whole round, which
                // costs the same for 8,300 agencies and keeps under SQLite's 32,766 parameters.
                fn within(builder: &mut sqlx::QueryBuilder<'_, $db>, round_id: uuid::Uuid, ids: Option<&[uuid::Uuid]>) {
                    builder.push(" WHERE round_id = ").push_bind(round_id);
                    if let Some(ids) = ids {
                        builder.push(" AND agency_id IN (");
                        let mut separated = builder.separated(", ");
                        for id in ids {
                            separated.push_bind(*id);
                        }
                        builder.push(")");
                    }
                }
                async fn read(
                    pool: &sqlx::Pool<$db>,
                    round_id: uuid::Uuid,
                    ids: Option<&[uuid::Uuid]>,
                ) -> $crate::Result<Vec<$crate::OitProgressRow>> {
                    let mut select = sqlx::QueryBuilder::<$db>::new(
                        "SELECT t.agency_id, CAST(SUM(t.answered) AS BIGINT) AS answered, \
                         CAST(SUM(t.submitted) AS BIGINT) AS submitted, CAST(SUM(t.judged) AS BIGINT) AS judged, \
                         CAST(SUM(t.passed) AS BIGINT) AS passed, \
                         CAST(SUM(t.open_disputes) AS BIGINT) AS open_disputes FROM (\
                         SELECT agency_id, COUNT(*) AS answered, COUNT(submitted_at) AS submitted, 0 AS judged, \
                         0 AS passed, 0 AS open_disputes FROM oit_answers",
                    );
                    within(&mut select, round_id, ids);
                    select.push(
                        " GROUP BY agency_id UNION ALL SELECT agency_id, 0, 0, COUNT(*), \
                         SUM(CASE WHEN passed THEN 1 ELSE 0 END), 0 FROM oit_verdicts",
                    );
                    within(&mut select, round_id, ids);
                    select.push(" GROUP BY agency_id UNION ALL SELECT agency_id, 0, 0, 0, 0, COUNT(*) FROM oit_disputes");
                    within(&mut select, round_id, ids);
                    select.push(
                        " AND confirmed IS NULL GROUP BY agency_id) t JOIN agencies a ON a.id = t.agency_id \
                         GROUP BY t.agency_id, a.province, a.code ORDER BY a.province, a.code",
                    );
                    let rows: Vec<$crate::sql::OitProgressDbRow> = select.build_query_as().fetch_all(pool).await?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }
                let Some(ids) = agency_ids else {
                    return read(&self.read, round_id, None).await;
                };
                // The agencies given, in the order given, each once; those without any OIT data at nought.
                let mut seen = std::collections::HashSet::with_capacity(ids.len());
                let ids: Vec<uuid::Uuid> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = read(&self.read, round_id, (ids.len() <= 1_000).then_some(&ids[..])).await?;
                let mut found: std::collections::HashMap<uuid::Uuid, $crate::OitProgressRow> =
                    rows.into_iter().map(|row| (row.agency_id, row)).collect();
                Ok(ids
                    .into_iter()
                    .map(|agency_id| {
                        found.remove(&agency_id).unwrap_or($crate::OitProgressRow {
                            agency_id,
                            answered: 0,
                            submitted: false,
                            judged: 0,
                            passed: 0,
                            open_disputes: 0,
                        })
                    })
                    .collect())
            }
        }

        impl $store {
            async fn oit_answers_of<'e, E>(
                executor: E,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
            ) -> $crate::Result<Vec<$crate::OitAnswer>>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let sql = format!(
                    "SELECT {} FROM oit_answers WHERE agency_id = $1 AND round_id = $2",
                    $crate::sql::OIT_ANSWER_COLUMNS
                );
                let rows: Vec<$crate::sql::OitAnswerRow> =
                    sqlx::query_as(&sql).bind(agency_id).bind(round_id).fetch_all(executor).await?;
                let mut answers =
                    rows.into_iter().map($crate::OitAnswer::try_from).collect::<$crate::Result<Vec<_>>>()?;
                answers.sort_by_cached_key(|answer| $crate::sql::natural_key(&answer.item_code));
                Ok(answers)
            }

            async fn put_oit_answers_once(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                drafts: &[$crate::OitAnswerDraft],
                submit: bool,
            ) -> $crate::Result<Vec<$crate::OitAnswer>> {
                let mut tx = self.write.begin().await?;
                let now = $crate::now();
                for draft in drafts {
                    // A changed answer is a draft again until the agency submits.
                    sqlx::query(
                        "INSERT INTO oit_answers (agency_id, round_id, item_code, has, urls, explanation, \
                         submitted_at, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8) \
                         ON CONFLICT (agency_id, round_id, item_code) DO UPDATE SET has = excluded.has, \
                         urls = excluded.urls, explanation = excluded.explanation, submitted_at = NULL, \
                         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                    )
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(&draft.item_code)
                    .bind(draft.has)
                    .bind($crate::sql::encode_urls(&draft.urls))
                    .bind(&draft.explanation)
                    .bind(now)
                    .bind(actor.id)
                    .execute(&mut *tx)
                    .await?;
                }
                if !drafts.is_empty() {
                    let answers: Vec<serde_json::Value> = drafts
                        .iter()
                        .map(|draft| {
                            serde_json::json!({
                                "item_code": draft.item_code,
                                "has": draft.has,
                                "urls": draft.urls,
                                "explanation": draft.explanation,
                            })
                        })
                        .collect();
                    Self::audit_in(
                        &mut tx,
                        actor,
                        Some(agency_id),
                        "oit_answers.save",
                        &round_id.to_string(),
                        serde_json::json!({ "round_id": round_id, "answers": answers }),
                    )
                    .await?;
                }
                if submit {
                    let done = sqlx::query(
                        "UPDATE oit_answers SET submitted_at = $3 WHERE agency_id = $1 AND round_id = $2",
                    )
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() > 0 {
                        Self::audit_in(
                            &mut tx,
                            actor,
                            Some(agency_id),
                            "oit_answers.submit",
                            &round_id.to_string(),
                            serde_json::json!({
                                "round_id": round_id,
                                "submitted_at": now,
                                "answers": done.rows_affected(),
                            }),
                        )
                        .await?;
                    }
                }
                let answers = Self::oit_answers_of(&mut *tx, agency_id, round_id).await?;
                tx.commit().await?;
                Ok(answers)
            }

            async fn oit_verdict_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                item_code: &str,
            ) -> $crate::Result<Option<$crate::OitVerdict>> {
                let sql = format!(
                    "SELECT {} FROM oit_verdicts WHERE agency_id = $1 AND round_id = $2 AND item_code = $3",
                    $crate::sql::OIT_VERDICT_COLUMNS
                );
                let row: Option<$crate::sql::OitVerdictRow> = sqlx::query_as(&sql)
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(item_code)
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(row.map(Into::into))
            }

            async fn upsert_oit_verdict_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                verdict: &$crate::OitVerdict,
            ) -> $crate::Result<()> {
                let sql = format!(
                    "INSERT INTO oit_verdicts ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (agency_id, round_id, item_code) DO UPDATE SET passed = excluded.passed, \
                     reason = excluded.reason, guidance = excluded.guidance, assessor_id = excluded.assessor_id, \
                     assessor_name = excluded.assessor_name, decided_at = excluded.decided_at, \
                     stage = excluded.stage",
                    $crate::sql::OIT_VERDICT_COLUMNS
                );
                sqlx::query(&sql)
                    .bind(verdict.agency_id)
                    .bind(verdict.round_id)
                    .bind(&verdict.item_code)
                    .bind(verdict.passed)
                    .bind(&verdict.reason)
                    .bind(&verdict.guidance)
                    .bind(verdict.assessor_id)
                    .bind(&verdict.assessor_name)
                    .bind(verdict.decided_at)
                    .bind(&verdict.stage)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            async fn resolve_oit_dispute_once(
                &self,
                actor: &$crate::Actor,
                agency_id: uuid::Uuid,
                round_id: uuid::Uuid,
                item_code: &str,
                confirmed: bool,
                reason: &str,
            ) -> $crate::Result<$crate::OitDispute> {
                let mut tx = self.write.begin().await?;
                let now = $crate::now();
                // Only an open dispute is answered: of two assessors answering at once, the second finds it closed.
                let done = sqlx::query(
                    "UPDATE oit_disputes SET confirmed = $4, resolution_reason = $5, resolved_at = $6, \
                     resolved_by = $7 WHERE agency_id = $1 AND round_id = $2 AND item_code = $3 \
                     AND confirmed IS NULL",
                )
                .bind(agency_id)
                .bind(round_id)
                .bind(item_code)
                .bind(confirmed)
                .bind(reason)
                .bind(now)
                .bind(actor.id)
                .execute(&mut *tx)
                .await?;
                let select = format!(
                    "SELECT {} FROM oit_disputes WHERE agency_id = $1 AND round_id = $2 AND item_code = $3",
                    $crate::sql::OIT_DISPUTE_COLUMNS
                );
                let dispute: Option<$crate::sql::OitDisputeRow> = sqlx::query_as(&select)
                    .bind(agency_id)
                    .bind(round_id)
                    .bind(item_code)
                    .fetch_optional(&mut *tx)
                    .await?;
                let dispute: $crate::OitDispute = dispute.ok_or($crate::StoreError::NotFound)?.into();
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::Conflict { field: "oit_dispute", value: item_code.to_string() });
                }
                let before = Self::oit_verdict_in(&mut tx, agency_id, round_id, item_code).await?;
                let after = match (&before, confirmed) {
                    // The failure stands, with its reason and guidance; the verdict now dates from the answer.
                    (Some(before), true) => Some($crate::OitVerdict {
                        assessor_id: actor.id,
                        assessor_name: actor.name.clone(),
                        decided_at: now,
                        stage: "clarification".to_string(),
                        ..before.clone()
                    }),
                    (None, true) => None,
                    (_, false) => Some($crate::OitVerdict {
                        agency_id,
                        round_id,
                        item_code: item_code.to_string(),
                        passed: true,
                        reason: reason.to_string(),
                        guidance: String::new(),
                        assessor_id: actor.id,
                        assessor_name: actor.name.clone(),
                        decided_at: now,
                        stage: "clarification".to_string(),
                    }),
                };
                if let Some(after) = &after {
                    Self::upsert_oit_verdict_in(&mut tx, after).await?;
                }
                let action = if confirmed { "oit_dispute.confirm" } else { "oit_dispute.change" };
                Self::audit_in(
                    &mut tx,
                    actor,
                    Some(agency_id),
                    action,
                    item_code,
                    serde_json::json!({
                        "round_id": round_id,
                        "item_code": item_code,
                        "reason": reason,
                        "before": before,
                        "after": after,
                    }),
                )
                .await?;
                tx.commit().await?;
                Ok(dispute)
            }
        }
    };
}

pub(crate) use impl_store;

/// A part of an item code for ordering: `O2` before `O10`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NaturalPart {
    Number(u64),
    Text(String),
}

/// The key that orders item codes as people number them (`O1`, `O2`, ..., `O10`), not as text.
pub(crate) fn natural_key(code: &str) -> Vec<NaturalPart> {
    let mut parts = Vec::new();
    let mut rest = code;
    while let Some(first) = rest.chars().next() {
        let digits = first.is_ascii_digit();
        let end = rest.find(|character: char| character.is_ascii_digit() != digits).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        parts.push(match run.parse::<u64>() {
            Ok(number) if digits => NaturalPart::Number(number),
            _ => NaturalPart::Text(run.to_string()),
        });
        rest = tail;
    }
    parts
}

pub(crate) fn encode_urls(urls: &[String]) -> String {
    serde_json::to_string(urls).unwrap_or_else(|_| "[]".to_string())
}

pub(crate) const OIT_ANSWER_COLUMNS: &str =
    "agency_id, round_id, item_code, has, urls, explanation, submitted_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OitAnswerRow {
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) item_code: String,
    pub(crate) has: bool,
    pub(crate) urls: String,
    pub(crate) explanation: String,
    pub(crate) submitted_at: Option<i64>,
    pub(crate) updated_at: i64,
}

impl TryFrom<OitAnswerRow> for OitAnswer {
    type Error = StoreError;
    fn try_from(row: OitAnswerRow) -> Result<OitAnswer> {
        Ok(OitAnswer {
            agency_id: row.agency_id,
            round_id: row.round_id,
            urls: serde_json::from_str(&row.urls).map_err(|error| {
                StoreError::Corrupt(format!("OIT answer URLs of {}: {error}", row.item_code))
            })?,
            item_code: row.item_code,
            has: row.has,
            explanation: row.explanation,
            submitted_at: row.submitted_at,
            updated_at: row.updated_at,
        })
    }
}

pub(crate) const OIT_SNAPSHOT_COLUMNS: &str = "id, agency_id, round_id, item_code, requested_url, final_url, \
     status, content_type, sha256, size, truncated, outcome, fetched_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OitSnapshotRow {
    pub(crate) id: Uuid,
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) item_code: String,
    pub(crate) requested_url: String,
    pub(crate) final_url: Option<String>,
    pub(crate) status: Option<i64>,
    pub(crate) content_type: Option<String>,
    pub(crate) sha256: String,
    pub(crate) size: i64,
    pub(crate) truncated: bool,
    pub(crate) outcome: String,
    pub(crate) fetched_at: i64,
}

impl TryFrom<OitSnapshotRow> for OitSnapshot {
    type Error = StoreError;
    fn try_from(row: OitSnapshotRow) -> Result<OitSnapshot> {
        let status = row
            .status
            .map(|status| {
                u16::try_from(status).map_err(|_| StoreError::Corrupt(format!("HTTP status {status}")))
            })
            .transpose()?;
        Ok(OitSnapshot {
            id: row.id,
            agency_id: row.agency_id,
            round_id: row.round_id,
            item_code: row.item_code,
            requested_url: row.requested_url,
            final_url: row.final_url,
            status,
            content_type: row.content_type,
            sha256: row.sha256,
            size: row.size,
            truncated: row.truncated,
            outcome: row.outcome,
            fetched_at: row.fetched_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OitSnapshotBodyRow {
    #[sqlx(flatten)]
    pub(crate) snapshot: OitSnapshotRow,
    pub(crate) body: Vec<u8>,
}

pub(crate) const OIT_VERDICT_COLUMNS: &str =
    "agency_id, round_id, item_code, passed, reason, guidance, assessor_id, assessor_name, decided_at, stage";

#[derive(sqlx::FromRow)]
pub(crate) struct OitVerdictRow {
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) item_code: String,
    pub(crate) passed: bool,
    pub(crate) reason: String,
    pub(crate) guidance: String,
    pub(crate) assessor_id: Option<Uuid>,
    pub(crate) assessor_name: String,
    pub(crate) decided_at: i64,
    pub(crate) stage: String,
}

impl From<OitVerdictRow> for OitVerdict {
    fn from(row: OitVerdictRow) -> OitVerdict {
        OitVerdict {
            agency_id: row.agency_id,
            round_id: row.round_id,
            item_code: row.item_code,
            passed: row.passed,
            reason: row.reason,
            guidance: row.guidance,
            assessor_id: row.assessor_id,
            assessor_name: row.assessor_name,
            decided_at: row.decided_at,
            stage: row.stage,
        }
    }
}

pub(crate) const OIT_DISPUTE_COLUMNS: &str =
    "agency_id, round_id, item_code, statement, filed_at, confirmed, resolution_reason, resolved_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OitDisputeRow {
    pub(crate) agency_id: Uuid,
    pub(crate) round_id: Uuid,
    pub(crate) item_code: String,
    pub(crate) statement: String,
    pub(crate) filed_at: i64,
    pub(crate) confirmed: Option<bool>,
    pub(crate) resolution_reason: Option<String>,
    pub(crate) resolved_at: Option<i64>,
}

impl From<OitDisputeRow> for OitDispute {
    fn from(row: OitDisputeRow) -> OitDispute {
        OitDispute {
            agency_id: row.agency_id,
            round_id: row.round_id,
            item_code: row.item_code,
            statement: row.statement,
            filed_at: row.filed_at,
            confirmed: row.confirmed,
            resolution_reason: row.resolution_reason,
            resolved_at: row.resolved_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OitProgressDbRow {
    pub(crate) agency_id: Uuid,
    pub(crate) answered: i64,
    pub(crate) submitted: i64,
    pub(crate) judged: i64,
    pub(crate) passed: i64,
    pub(crate) open_disputes: i64,
}

impl From<OitProgressDbRow> for OitProgressRow {
    fn from(row: OitProgressDbRow) -> OitProgressRow {
        OitProgressRow {
            agency_id: row.agency_id,
            answered: row.answered,
            // Submitted when every answer was, and there is one at least.
            submitted: row.answered > 0 && row.submitted == row.answered,
            judged: row.judged,
            passed: row.passed,
            open_disputes: row.open_disputes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(nonce: u8, cap: Option<u32>) -> Submission {
        Submission {
            agency_id: Uuid::nil(),
            round_id: Uuid::nil(),
            instrument: "IIT".into(),
            relation: None,
            answers: "0".into(),
            day: "2026-05-02".into(),
            nonce: [nonce; 16],
            nonce_expires_at: 0,
            cap,
        }
    }

    #[test]
    fn a_batch_is_decided_in_the_order_it_came() {
        use SubmissionOutcome::{OverCap, Replayed, Stored};
        // Two places left under a cap of 3; nonce 9 was used in an earlier batch.
        let batch = [1, 2, 2, 9, 3, 3, 4].map(|nonce| submission(nonce, Some(3)));
        let counted = HashMap::from([(tally_key(&batch[0]), 1)]);
        let fresh: HashSet<[u8; 16]> = [1, 2, 3, 4].map(|nonce| [nonce; 16]).into();
        let plan = plan_batch(&batch, &counted, &fresh);
        assert_eq!(plan.outcomes, [Stored, Stored, Replayed, Replayed, OverCap, OverCap, OverCap]);
        assert_eq!(plan.released, [&[3; 16], &[4; 16]], "the tokens refused for the cap stay usable");
        assert_eq!(plan.added, BTreeMap::from([(tally_key(&batch[0]), 2)]));
        let mut stored: Vec<u8> = plan.stored.iter().map(|submission| submission.nonce[0]).collect();
        stored.sort_unstable();
        assert_eq!(stored, [1, 2]);
    }

    #[test]
    fn nonce_expiries_are_kept_to_the_day() {
        assert_eq!(nonce_expiry(0), 0);
        assert_eq!(nonce_expiry(1), 86_400);
        assert_eq!(nonce_expiry(86_400), 86_400);
        assert_eq!(nonce_expiry(1_780_000_123), 1_780_012_800);
        assert_eq!(nonce_expiry(-5), 0);
    }

    #[test]
    fn item_codes_sort_as_numbered() {
        let mut codes = ["O10", "O2", "O1.10", "O1", "O1.2", "P1", "O33"];
        codes.sort_by_key(|code| natural_key(code));
        assert_eq!(codes, ["O1", "O1.2", "O1.10", "O2", "O10", "O33", "P1"]);
    }

    #[test]
    fn rows_are_split_into_few_statement_shapes() {
        let rows: Vec<u32> = (0..155).collect();
        let sizes: Vec<usize> = statement_chunks(&rows).iter().map(|chunk| chunk.len()).collect();
        assert_eq!(sizes, [64, 64, 16, 4, 4, 1, 1, 1]);
        assert_eq!(statement_chunks(&rows).concat(), rows);
        assert!(statement_chunks::<u32>(&[]).is_empty());
    }
}
