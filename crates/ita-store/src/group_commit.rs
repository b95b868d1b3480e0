//! Group commit of survey submissions: one writer task gathers submissions into batches and stores each batch
//! in one transaction, answering every submitter only after its batch is durable.

use std::sync::Arc;
use std::time::Duration;

use crate::{Result, Store, Submission, SubmissionOutcome};

/// How batches are formed.
#[derive(Debug, Clone, Copy)]
pub struct GroupCommitSettings {
    /// At most this many submissions per transaction.
    pub max_batch: usize,
    /// How long the first submission of a batch waits for others.
    pub max_wait: Duration,
}

impl Default for GroupCommitSettings {
    fn default() -> GroupCommitSettings {
        GroupCommitSettings { max_batch: 500, max_wait: Duration::from_millis(2) }
    }
}

/// A handle to the writer task; cheap to clone.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    store: Arc<dyn Store>,
}

impl GroupCommit {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>, _settings: GroupCommitSettings) -> GroupCommit {
        // SKELETON: stores one by one; replaced by the batching writer.
        GroupCommit { store }
    }

    /// Stores one submission; returns once it is durable (or refused).
    pub async fn submit(&self, submission: Submission) -> Result<SubmissionOutcome> {
        let outcomes = self.store.submit_responses(std::slice::from_ref(&submission)).await?;
        Ok(outcomes[0])
    }
}
