//! Group commit for logged touches on a SQLite server: touches logged at the same moment
//! share one write transaction.
//!
//! Logging a touch is the most frequent write, and SQLite admits one writer at a time, so
//! under load touches queue for the writer connection. Every statement on that connection
//! is handed to sqlx's SQLite thread and back, and a touch alone pays for `BEGIN`, the
//! data-version bump and `COMMIT` besides its own statements. Here one task takes whatever
//! touches are waiting, logs them in one transaction (their audit rows in one statement)
//! and answers each after the commit: a touch is still acknowledged only once it is durable,
//! and each is still all or nothing — if one of them is refused or fails, the transaction is
//! rolled back, the others go again together, and that one is logged on its own, failing
//! with the error it has alone.
//! When touches arrive one at a time, each is its own group: nothing waits for company.

use jiff::Timestamp;
use rapport_core::NextTouch;
use rapport_core::model::{ContactId, TouchId, UserId};
use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};
use crate::{NewTouch, Store, audit};

/// The most touches one transaction takes: enough to spread its fixed cost thin, few enough
/// that the writer connection is soon free for other writes waiting their turn.
const MOST_PER_GROUP: usize = 64;

/// Touches waiting for the writer beyond this make their senders wait too (back-pressure).
const MOST_WAITING: usize = 1024;

type Logged = Result<(TouchId, NextTouch)>;

struct Request {
    author: UserId,
    contact: ContactId,
    touch: NewTouch,
    now: Timestamp,
    answer: oneshot::Sender<Logged>,
}

/// Where a server's touches queue for the group committer.
#[derive(Debug, Clone)]
pub(crate) struct TouchQueue(mpsc::Sender<Request>);

impl TouchQueue {
    /// Starts the committer on the current Tokio runtime. `store` must not hold a queue
    /// itself: the committer stops when the last queue is dropped with the last store that
    /// holds it.
    pub(crate) fn start(store: Store) -> TouchQueue {
        let (sender, requests) = mpsc::channel(MOST_WAITING);
        tokio::spawn(commit_in_groups(store, requests));
        TouchQueue(sender)
    }

    /// Logs the touch in the next group and waits for its commit. `Err` gives the touch back
    /// when the committer is gone (its runtime has shut down), for the caller to log alone.
    pub(crate) async fn log(
        &self,
        author: UserId,
        contact: ContactId,
        touch: NewTouch,
        now: Timestamp,
    ) -> std::result::Result<Logged, NewTouch> {
        let (answer, answered) = oneshot::channel();
        let request = Request {
            author,
            contact,
            touch,
            now,
            answer,
        };
        if let Err(refused) = self.0.send(request).await {
            return Err(refused.0.touch);
        }
        // A committer that stops without answering was torn down mid-group; its transaction
        // was rolled back with it unless the commit had finished, so the outcome is unknown.
        Ok(answered
            .await
            .unwrap_or(Err(StoreError::Database(sqlx::Error::WorkerCrashed))))
    }
}

async fn commit_in_groups(store: Store, mut requests: mpsc::Receiver<Request>) {
    let mut group = Vec::with_capacity(MOST_PER_GROUP);
    while requests.recv_many(&mut group, MOST_PER_GROUP).await > 0 {
        store.commit_group(std::mem::take(&mut group)).await;
    }
}

impl Store {
    async fn commit_group(&self, mut group: Vec<Request>) {
        // A touch that fails in the group (an archived contact, say) rolls the others back
        // with it: it is taken out to be logged on its own, after the rest have gone again
        // together, so it gets the answer it would have had alone.
        let mut alone = Vec::new();
        while group.len() > 1 {
            match self.log_together(&group).await {
                Ok(logged) => {
                    for (request, logged) in group.drain(..).zip(logged) {
                        // A requester that has gone away (its client disconnected) still has
                        // its touch: it was received and is committed, as alone.
                        let _ = request.answer.send(Ok(logged));
                    }
                }
                Err(Some(failed)) => alone.push(group.remove(failed)),
                Err(None) => alone.append(&mut group),
            }
        }
        alone.append(&mut group);
        for request in alone {
            let logged = self
                .log_touch_alone(request.author, request.contact, &request.touch, request.now)
                .await;
            let _ = request.answer.send(logged);
        }
    }

    /// Logs the group in one transaction. On failure, which of its touches failed, or `None`
    /// when the transaction itself could not begin or commit.
    async fn log_together(
        &self,
        group: &[Request],
    ) -> std::result::Result<Vec<(TouchId, NextTouch)>, Option<usize>> {
        let mut tx = self.write().await.map_err(|_| None)?;
        let mut logged = Vec::with_capacity(group.len());
        let mut audited = Vec::with_capacity(group.len());
        for (position, request) in group.iter().enumerate() {
            let (touch, change) = self
                .insert_touch_unaudited(
                    &mut tx,
                    request.author,
                    request.contact,
                    &request.touch,
                    request.now,
                )
                .await
                .map_err(|_| Some(position))?;
            logged.push(touch);
            audited.push((request.author, request.now, change));
        }
        audit::record_all(&mut tx, audited)
            .await
            .map_err(|_| None)?;
        tx.commit().await.map_err(|_| None)?;
        Ok(logged)
    }
}
