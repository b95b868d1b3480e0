//! Storage of the ITA platform: one [`Store`] trait, implemented for SQLite (embedded, the default) and
//! PostgreSQL, chosen by the database URL. Every change that the audit log must show is written in the same
//! transaction as its audit entry; write transactions are retried when the database reports a conflict.

mod group_commit;
mod model;
mod postgres;
mod sql;
mod sqlite;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use ita_domain::platform::AgencyCode;
use uuid::Uuid;

pub use group_commit::{GroupCommit, GroupCommitSettings};
pub use model::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// The store's one error type. `Conflict` and `NotFound` are for people; the rest is logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value is taken already: `field` is `agency_code`, `username` or `fiscal_year`; or, with
    /// `field` `oit_dispute` (the value is the item code), an item was disputed or its dispute answered already.
    #[error("{field} \"{value}\" is taken already")]
    Conflict { field: &'static str, value: String },
    #[error("not found")]
    NotFound,
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value that no longer parses (a code changed by hand, say).
    #[error("stored value not readable: {0}")]
    Corrupt(String),
    /// The survey writer ([`GroupCommit`]) could not store the batch a submission was in (the cause is logged
    /// once, there), or has stopped: nothing of that submission was stored, and it may be sent again.
    #[error("survey storage unavailable: {0}")]
    Unavailable(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything the platform keeps. Implementations share their SQL (see `sql.rs`); only connection set-up,
/// migrations and the reading of database errors differ.
#[async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// `sqlite` or `postgres`.
    fn dialect(&self) -> &'static str;

    // Agencies.
    async fn create_agency(&self, actor: &Actor, draft: &AgencyDraft) -> Result<Agency>;
    /// Creates many agencies in one transaction (an import), in order, each with its own audit entry. A code
    /// that is taken already is that draft's `Conflict` and the others are still created; a draft may name as
    /// its parent only an agency that exists before the call. The outer error means nothing was written.
    async fn create_agencies(&self, actor: &Actor, drafts: &[AgencyDraft]) -> Result<Vec<Result<Agency>>>;
    async fn update_agency(&self, actor: &Actor, id: Uuid, draft: &AgencyDraft) -> Result<Agency>;
    async fn agency(&self, id: Uuid) -> Result<Option<Agency>>;
    async fn agency_by_code(&self, code: &AgencyCode) -> Result<Option<Agency>>;
    async fn list_agencies(&self, query: &AgencyQuery) -> Result<Page<AgencyListItem>>;
    /// The provinces that have at least one agency, sorted.
    async fn provinces(&self) -> Result<Vec<String>>;

    // Assessment rounds.
    async fn create_round(&self, actor: &Actor, draft: &RoundDraft) -> Result<Round>;
    async fn update_round(&self, actor: &Actor, id: Uuid, draft: &RoundDraft) -> Result<Round>;
    async fn round(&self, id: Uuid) -> Result<Option<Round>>;
    /// Every round, newest fiscal year first.
    async fn rounds(&self) -> Result<Vec<Round>>;

    // Results.
    /// Creates or replaces an agency's result for a round. A `Computed` draft never replaces an `Official`
    /// record: that is `Conflict { field: "official_result" }` and nothing is written (checked by the write
    /// itself, so also against an official result stored in the meantime).
    async fn put_result(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        draft: &ResultDraft,
    ) -> Result<ResultRecord>;
    /// Several results in one transaction: all are stored, or none (none when a `Computed` one would replace an
    /// `Official` one, as in [`Store::put_result`]).
    async fn put_results(&self, actor: &Actor, results: &[(Uuid, Uuid, ResultDraft)]) -> Result<()>;
    async fn result(&self, agency_id: Uuid, round_id: Uuid) -> Result<Option<ResultRecord>>;
    /// An agency's results in every round, newest fiscal year first.
    async fn results_of_agency(&self, agency_id: Uuid) -> Result<Vec<(Round, ResultRecord)>>;

    // Accounts.
    async fn user_count(&self) -> Result<i64>;
    async fn create_user(&self, actor: &Actor, draft: &UserDraft, password_hash: &str) -> Result<User>;
    async fn update_user(&self, actor: &Actor, id: Uuid, draft: &UserDraft) -> Result<User>;
    async fn set_password(&self, actor: &Actor, id: Uuid, password_hash: &str) -> Result<()>;
    async fn user(&self, id: Uuid) -> Result<Option<User>>;
    async fn login_record(&self, username: &str) -> Result<Option<LoginRecord>>;
    /// Accounts, all or those of one agency.
    async fn list_users(&self, agency_id: Option<Uuid>) -> Result<Vec<User>>;
    async fn set_assignment(
        &self,
        actor: &Actor,
        user_id: Uuid,
        agency_id: Uuid,
        assigned: bool,
    ) -> Result<()>;
    async fn assignments(&self, user_id: Uuid) -> Result<Vec<Uuid>>;

    // Sessions and tokens (stored as hashes only).
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: Uuid,
        csrf: &str,
        expires_at: i64,
    ) -> Result<()>;
    /// The session and its active account, if the session has not expired at `now`.
    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRecord>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: Uuid,
        name: &str,
        token_hash: &str,
    ) -> Result<()>;
    async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>>;
    async fn put_setup_token(&self, token_hash: &str) -> Result<()>;
    /// Consumes a one-time set-up token and creates the first administrator, only while there is no account.
    async fn complete_setup(
        &self,
        token_hash: &str,
        draft: &UserDraft,
        password_hash: &str,
    ) -> Result<Option<User>>;

    // Audit.
    async fn audit(&self, query: &AuditQuery) -> Result<Page<AuditEntry>>;

    // Surveys (IIT and EIT). Responses are never audited: the audit log names people.
    async fn survey_link(&self, agency_id: Uuid, round_id: Uuid) -> Result<Option<SurveyLink>>;
    /// Sets (or replaces) the IIT access code; audited without the code itself.
    async fn put_survey_link(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        iit_code: &str,
    ) -> Result<SurveyLink>;
    async fn survey_target(&self, agency_id: Uuid, round_id: Uuid) -> Result<Option<SurveyTarget>>;
    async fn put_survey_target(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        iit_population: Option<u32>,
        eit_population: Option<u32>,
    ) -> Result<SurveyTarget>;
    /// Stores a batch of submissions in one transaction, in a random order under random keys, and says what
    /// became of each (in the order given). A replayed nonce or a reached cap stores nothing for that one; the
    /// outer error means nothing of the batch was stored.
    async fn submit_responses(&self, batch: &[Submission]) -> Result<Vec<SubmissionOutcome>>;
    /// How many responses an agency has in a round, per instrument code.
    async fn survey_counts(&self, agency_id: Uuid, round_id: Uuid) -> Result<BTreeMap<String, i64>>;
    /// Every agency (of one province, or all) with its declared populations and response counts in a round,
    /// ordered by province and code.
    async fn survey_overview(&self, round_id: Uuid, province: Option<&str>)
    -> Result<Vec<SurveyOverviewRow>>;
    /// The responses a query names, ordered by agency and instrument, and within those by their random key
    /// (never by when they came). Streamed: a national year does not fit in one `Vec` comfortably.
    fn responses(
        &self,
        query: ResponseQuery,
    ) -> futures_core::stream::BoxStream<'static, Result<StoredResponse>>;
    /// Replaces the computed survey scores of the agencies given, in one transaction.
    /// Stores (or replaces) computed survey scores; each call writes one audit entry per round (how many agencies)
    /// in the same transaction.
    async fn put_survey_scores(&self, actor: &Actor, scores: &[SurveyScoreRecord]) -> Result<()>;
    async fn survey_scores(&self, agency_id: Uuid, round_id: Uuid) -> Result<Option<SurveyScoreRecord>>;
    /// Forgets used token nonces that expired before `now` (their expiry is kept to the whole day, so a nonce
    /// may stay up to a day longer than its token); returns how many.
    async fn purge_used_nonces(&self, now: i64) -> Result<u64>;
    /// A server secret by name (32 random bytes), created on first use and kept in the database.
    async fn secret(&self, name: &str) -> Result<Vec<u8>>;

    // OIT evidence and review. Every write is audited in its transaction.
    async fn oit_answers(&self, agency_id: Uuid, round_id: Uuid) -> Result<Vec<OitAnswer>>;
    /// Saves answers (a draft), replacing those of the same items (a replaced answer is a draft again); with
    /// `submit`, then marks every answer of the agency in the round submitted at the current time. Returns all
    /// the agency's answers in the round, in item order.
    async fn put_oit_answers(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        drafts: &[OitAnswerDraft],
        submit: bool,
    ) -> Result<Vec<OitAnswer>>;
    /// Keeps one snapshot and its bytes (the caller fetched them).
    async fn put_oit_snapshot(&self, snapshot: &OitSnapshot, body: &[u8]) -> Result<()>;
    /// The newest snapshot of each URL of each item of an agency in a round (no bytes).
    async fn oit_snapshots(&self, agency_id: Uuid, round_id: Uuid) -> Result<Vec<OitSnapshot>>;
    async fn oit_snapshot_body(&self, id: Uuid) -> Result<Option<(OitSnapshot, Vec<u8>)>>;
    /// Sets verdicts (replacing earlier ones of the same items) at `stage` (`review` or `clarification`), each
    /// audited with the verdict before and after; returns them as stored, in the order given.
    async fn put_oit_verdicts(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        verdicts: &[OitVerdictDraft],
        stage: &str,
    ) -> Result<Vec<OitVerdict>>;
    async fn oit_verdicts(&self, agency_id: Uuid, round_id: Uuid) -> Result<Vec<OitVerdict>>;
    /// Files a dispute (one per item and round: a second is `Conflict { field: "oit_dispute" }`). Only a failed
    /// item can be disputed: without a failing verdict it is `NotFound` and nothing is written.
    async fn put_oit_dispute(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        item_code: &str,
        statement: &str,
    ) -> Result<OitDispute>;
    /// Answers a dispute: confirms the failure, or changes the verdict to a pass, with a reason; the verdict
    /// change (stage `clarification`) is written in the same transaction. An unknown dispute is `NotFound`, one
    /// answered already `Conflict { field: "oit_dispute" }`.
    async fn resolve_oit_dispute(
        &self,
        actor: &Actor,
        agency_id: Uuid,
        round_id: Uuid,
        item_code: &str,
        confirmed: bool,
        reason: &str,
    ) -> Result<OitDispute>;
    async fn oit_disputes(&self, agency_id: Uuid, round_id: Uuid) -> Result<Vec<OitDispute>>;
    /// Progress of the agencies given (one row each, in the order given, nought where nothing is stored), or of
    /// every agency with any OIT data in the round when `None` (ordered by province and code).
    async fn oit_progress(&self, round_id: Uuid, agency_ids: Option<&[Uuid]>) -> Result<Vec<OitProgressRow>>;
}

/// Opens (creating and migrating) the store a URL names: `sqlite://PATH` or `postgres://...`.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::open(url).await?))
    }
}

/// The current time in Unix seconds (the store stamps its rows; the domain never reads a clock).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// A PostgreSQL database made for one test or benchmark and dropped when this value is dropped.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates an empty database beside the one `admin_url` names.
    pub async fn create(admin_url: &str) -> Result<ScratchDatabase> {
        use sqlx::Connection as _;
        let name = format!("ita_scratch_{}", uuid::Uuid::new_v4().simple());
        let mut connection = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut connection).await?;
        let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(admin_url);
        Ok(ScratchDatabase { admin_url: admin_url.to_string(), url: format!("{base}/{name}"), name })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        // Dropping needs a connection of its own, outside whatever runtime the test ran on.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                use sqlx::Connection as _;
                let mut connection = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut connection)
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}
