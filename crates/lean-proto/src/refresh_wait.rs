//! Waiting for a data refresh to finish: Lean's recommended flow for fresh connections.
//!
//! After `entity.created` (or a manual `POST /data/v2/refreshes`), Lean pulls the bank's data
//! into its store and announces the refresh with `entity.data.refresh.updated`: PENDING, then
//! FINISHED. Reads made after FINISHED are synchronous and come from Lean's store; Lean
//! advises this over `async=true`. This module owns that wait: the refresh webhook ends it at
//! once, and when the webhook is late or lost, polling the refresh status ends it anyway.
//!
//! Sans-IO like [`crate::call`]: inputs are `handle_*(.., now)`, the poll it wants sent comes
//! out of [`RefreshWait::poll_request`] as an *endpoint* (the driver sends it as an ordinary
//! call, with tokens and retries), the outcome out of [`RefreshWait::poll_outcome`], and
//! [`RefreshWait::poll_timeout`] is the one instant to wake up at. It never reads a clock.
//!
//! ```
//! use lean_proto::refresh_wait::{RefreshWait, RefreshWaitConfig, RefreshPoll};
//! use lean_proto::{EntityId, Refresh, RefreshList, RefreshStatus};
//! use std::time::{Duration, Instant};
//!
//! let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
//! let t0 = Instant::now();
//! let mut wait = RefreshWait::new(entity.clone(), None, RefreshWaitConfig::default(), t0);
//! // No webhook yet: nothing to send until the grace period ends...
//! assert!(wait.poll_request(t0).is_none());
//! // ...then the status is polled.
//! let later = wait.poll_timeout().unwrap();
//! let Some(RefreshPoll::List(list)) = wait.poll_request(later) else { panic!() };
//! assert_eq!(list.entity_id, entity);
//! // Lean says the refresh finished: the wait is over.
//! let finished: Refresh = serde_json::from_str(&format!(
//!     r#"{{"refresh_id":"721d6010-828f-4b30-9039-4c72ad6906a8","entity_id":"{entity}","status":"FINISHED"}}"#))?;
//! let mut list = RefreshList::default();
//! list.content.push(finished);
//! wait.handle_list(Ok(list), later);
//! assert_eq!(wait.poll_outcome().unwrap()?.status, Some(RefreshStatus::Finished));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::call::{CallError, CallErrorKind};
use crate::enums::RefreshStatus;
use crate::ids::{EntityId, RefreshId};
use crate::model::refresh::{Refresh, RefreshList};
use crate::request::{GetRefresh, ListRefreshes};
use crate::wait::Patience;
use std::time::Instant;

/// How patient a refresh wait is: the one [`WaitConfig`](crate::wait::WaitConfig) every wait
/// takes.
pub type RefreshWaitConfig = crate::wait::WaitConfig;

/// The status poll the wait wants sent now: the refresh itself when its id is known, else
/// the entity's list (newest first is not promised, so the wait picks the newest itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshPoll {
    /// `GET /data/v2/refreshes/{refresh_id}?entity_id=…`; answer with
    /// [`RefreshWait::handle_refresh`].
    Get(GetRefresh),
    /// `GET /data/v2/refreshes?entity_id=…`; answer with [`RefreshWait::handle_list`].
    List(ListRefreshes),
}

/// Whether `incoming` takes the place of `seen` as an entity's latest refresh, for a board
/// that keeps one refresh per entity (the driver's, fed by `entity.data.refresh.updated`).
///
/// Lean's webhook retries can reorder events: a late PENDING never undoes the settled status
/// of the same refresh, and an event of a refresh created before the one on the board never
/// replaces it. Anything else (a newer refresh, a new status) does.
///
/// ```
/// use lean_proto::refresh_wait::supersedes;
/// use lean_proto::Refresh;
/// let refresh = |status: &str| -> Refresh { serde_json::from_str(&format!(
///     r#"{{"refresh_id":"721d6010-828f-4b30-9039-4c72ad6906a8","status":"{status}"}}"#)).unwrap() };
/// assert!(supersedes(&refresh("PENDING"), &refresh("FINISHED")));
/// assert!(!supersedes(&refresh("FINISHED"), &refresh("PENDING")));
/// ```
pub fn supersedes(seen: &Refresh, incoming: &Refresh) -> bool {
    if seen.refresh_id == incoming.refresh_id {
        let settled = !matches!(seen.status, None | Some(RefreshStatus::Pending));
        return !(settled && incoming.status == Some(RefreshStatus::Pending));
    }
    match (seen.created_at, incoming.created_at) {
        (Some(seen_at), Some(incoming_at)) => incoming_at >= seen_at,
        // Without both creation times, the newest to arrive wins.
        _ => true,
    }
}

/// One wait for an entity's refresh to finish. See the module docs.
#[derive(Debug)]
pub struct RefreshWait {
    entity_id: EntityId,
    refresh_id: Option<RefreshId>,
    patience: Patience,
    outcome: Option<Result<Refresh, CallError>>,
}

impl RefreshWait {
    /// Waits for `refresh_id` of `entity_id` to finish; with no `refresh_id`, for the
    /// entity's newest refresh (the one Lean starts after `entity.created`, or the one you
    /// triggered) to finish. A refresh that has not appeared yet is waited for.
    pub fn new(
        entity_id: EntityId,
        refresh_id: Option<RefreshId>,
        config: RefreshWaitConfig,
        now: Instant,
    ) -> Self {
        RefreshWait {
            patience: Patience::new(config, now),
            entity_id,
            refresh_id,
            outcome: None,
        }
    }

    /// The entity waited for.
    pub fn entity_id(&self) -> &EntityId {
        &self.entity_id
    }

    /// The refresh waited for, once known (given, or learnt from Lean).
    pub fn refresh_id(&self) -> Option<&RefreshId> {
        self.refresh_id.as_ref()
    }

    /// Whether the outcome is decided.
    pub fn is_done(&self) -> bool {
        self.patience.is_done()
    }

    /// The outcome, once: the finished refresh, or why the wait ended without one.
    pub fn poll_outcome(&mut self) -> Option<Result<Refresh, CallError>> {
        self.outcome.take()
    }

    /// When to call [`RefreshWait::handle_timeout`]; `None` while a poll is out or once done.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.patience.poll_timeout()
    }

    /// The status poll to send now, if it is time.
    pub fn poll_request(&mut self, now: Instant) -> Option<RefreshPoll> {
        self.handle_timeout(now);
        if !self.patience.start_poll(now) {
            return None;
        }
        Some(match &self.refresh_id {
            Some(id) => RefreshPoll::Get(GetRefresh {
                entity_id: self.entity_id.clone(),
                refresh_id: id.clone(),
            }),
            None => RefreshPoll::List(ListRefreshes {
                entity_id: self.entity_id.clone(),
                page: None,
                size: Some(100),
            }),
        })
    }

    /// Time passed: ends the wait at the deadline.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.patience.expired(now) {
            self.fail(CallErrorKind::DeadlineExceeded);
        }
    }

    /// A verified `entity.data.refresh.updated` payload (or one learnt elsewhere).
    pub fn handle_event(&mut self, refresh: &Refresh, now: Instant) {
        if self.is_done() {
            return;
        }
        self.consider(refresh);
        self.handle_timeout(now);
    }

    /// The answer to a [`RefreshPoll::Get`].
    pub fn handle_refresh(&mut self, answer: Result<Refresh, CallError>, now: Instant) {
        match answer {
            Ok(r) => {
                self.consider(&r);
                self.after_poll(now);
            }
            Err(e) => self.poll_failed(e, now),
        }
    }

    /// The answer to a [`RefreshPoll::List`].
    pub fn handle_list(&mut self, answer: Result<RefreshList, CallError>, now: Instant) {
        match answer {
            Ok(list) => {
                // Newest by creation; a refresh without a creation time counts as oldest.
                let newest = list
                    .content
                    .iter()
                    .filter(|r| r.entity_id.as_ref().is_none_or(|e| *e == self.entity_id))
                    .max_by_key(|r| r.created_at);
                if let Some(r) = newest {
                    self.consider(r);
                }
                self.after_poll(now);
            }
            Err(e) => self.poll_failed(e, now),
        }
    }

    /// Is this the refresh waited for, and is it over?
    fn consider(&mut self, r: &Refresh) {
        if r.entity_id.as_ref().is_some_and(|e| *e != self.entity_id) {
            return;
        }
        match &self.refresh_id {
            Some(id) if *id != r.refresh_id => return,
            Some(_) => {}
            // The first refresh seen becomes the one waited for.
            None => self.refresh_id = Some(r.refresh_id.clone()),
        }
        match &r.status {
            // One of Lean's UAE samples says OK where the others say FINISHED.
            Some(RefreshStatus::Finished) | Some(RefreshStatus::Ok) => self.finish(Ok(r.clone())),
            Some(RefreshStatus::Failed) => self.fail(CallErrorKind::RefreshFailed {
                refresh_id: r.refresh_id.clone(),
                status: RefreshStatus::Failed,
            }),
            _ => {}
        }
    }

    fn after_poll(&mut self, now: Instant) {
        self.patience.after_poll(now);
        self.handle_timeout(now);
    }

    fn poll_failed(&mut self, e: CallError, now: Instant) {
        if self.patience.poll_failed(&e, now) {
            self.finish(Err(e));
        } else {
            self.handle_timeout(now);
        }
    }

    fn fail(&mut self, kind: CallErrorKind) {
        let e = self.patience.error(kind);
        self.finish(Err(e));
    }

    fn finish(&mut self, outcome: Result<Refresh, CallError>) {
        if self.patience.finish() {
            self.outcome = Some(outcome);
        }
    }
}
