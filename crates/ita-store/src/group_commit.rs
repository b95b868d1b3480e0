//! Group commit of survey submissions: one writer task gathers submissions into batches and stores each batch
//! in one transaction, answering every submitter only after its batch is durable.
//!
//! One commit (one fsync) per submission caps SQLite at a few thousand a second with long stalls; one commit per
//! batch of up to `max_batch` gives three to four times that with a steady latency (see
//! `/work/shared/notes/durable-writes-and-load-tests.md` and BENCHMARKS.md). The queue in front of the writer is
//! bounded, so that an overload makes submitters wait rather than fill memory.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::{Result, Store, StoreError, Submission, SubmissionOutcome};

/// How many submissions may wait for the writer; further submitters wait for a place.
const QUEUE_CAPACITY: usize = 10_000;

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

/// A handle to the writer task; cheap to clone. The task ends once every handle is dropped and the submissions
/// already queued are stored.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

/// A submission waiting for its batch, with the way back to its submitter.
#[derive(Debug)]
struct Pending {
    submission: Submission,
    answer: oneshot::Sender<Result<SubmissionOutcome>>,
}

impl GroupCommit {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>, settings: GroupCommitSettings) -> GroupCommit {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_batches(store, settings, receiver));
        GroupCommit { queue }
    }

    /// Stores one submission; returns once it is durable (or refused). If the caller gives up waiting, the
    /// submission is still stored or refused with its batch.
    pub async fn submit(&self, submission: Submission) -> Result<SubmissionOutcome> {
        let (answer, outcome) = oneshot::channel();
        self.queue
            .send(Pending { submission, answer })
            .await
            .map_err(|_| StoreError::Unavailable("the survey writer has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Unavailable("the survey writer stopped before answering".into()))?
    }
}

/// The writer: takes the first waiting submission, gathers more until the batch is full or `max_wait` has passed
/// since the first, stores them, answers each, and starts again.
async fn write_batches(
    store: Arc<dyn Store>,
    settings: GroupCommitSettings,
    mut receiver: mpsc::Receiver<Pending>,
) {
    let max_batch = settings.max_batch.max(1);
    let mut batch: Vec<Pending> = Vec::with_capacity(max_batch);
    while let Some(first) = receiver.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + settings.max_wait;
        while batch.len() < max_batch {
            let room = max_batch - batch.len();
            match tokio::time::timeout_at(deadline, receiver.recv_many(&mut batch, room)).await {
                // Closed (every handle dropped): store what there is; the outer loop then ends.
                Ok(0) => break,
                Ok(_) => {}
                Err(_elapsed) => break,
            }
        }
        commit(store.as_ref(), std::mem::take(&mut batch)).await;
    }
}

/// Stores one batch and answers its submitters. Should a statement fail (a submission the database refuses,
/// which the web layer's checks should make impossible), each submission is tried on its own, so that one bad
/// submission costs the others nothing; should the database be unreachable, everyone hears so at once.
async fn commit(store: &dyn Store, batch: Vec<Pending>) {
    let (submissions, answers): (Vec<Submission>, Vec<oneshot::Sender<Result<SubmissionOutcome>>>) =
        batch.into_iter().map(|pending| (pending.submission, pending.answer)).unzip();
    match store.submit_responses(&submissions).await {
        Ok(outcomes) => {
            for (answer, outcome) in answers.into_iter().zip(outcomes) {
                // A submitter that stopped waiting is no reason to stop: its submission is stored all the same.
                let _ = answer.send(Ok(outcome));
            }
        }
        Err(StoreError::Database(sqlx::Error::Database(error))) if submissions.len() > 1 => {
            tracing::warn!(%error, batch = submissions.len(), "a survey batch failed; storing its submissions one by one");
            for (submission, answer) in submissions.iter().zip(answers) {
                let outcome =
                    store.submit_responses(std::slice::from_ref(submission)).await.and_then(|outcomes| {
                        outcomes.first().copied().ok_or_else(|| StoreError::Unavailable("no outcome".into()))
                    });
                if let Err(error) = &outcome {
                    tracing::error!(error = ?error, "a survey submission could not be stored");
                }
                let _ = answer.send(outcome);
            }
        }
        Err(error) => {
            tracing::error!(error = ?error, batch = submissions.len(), "a survey batch could not be stored");
            let message = error.to_string();
            for answer in answers {
                let _ = answer.send(Err(StoreError::Unavailable(message.clone())));
            }
        }
    }
}
