//! What each running call waits for, for progress displays (the CLI's spinner).

use super::{CallInfo, CallWatch, Observer};
use lean_proto::ResultsId;
use lean_proto::call::{Event, Waiting};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// What one call is doing now.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Progress {
    /// The call's number in its client.
    pub number: u64,
    /// The endpoint.
    pub endpoint: &'static str,
    /// What it waits for.
    pub waiting: Waiting,
    /// Its `results_id`, once Lean gave one.
    pub results_id: Option<ResultsId>,
    /// Requests sent so far, tokens included.
    pub requests: u32,
    /// When the call started, by the client's clock.
    pub started: Instant,
}

/// An [`Observer`] that keeps the progress of every running call; a call leaves the board
/// when it ends. Cheap to clone (clones share the board).
///
/// ```
/// use lean_client::observe::ProgressBoard;
/// let board = ProgressBoard::default();
/// // ClientBuilder::observer(std::sync::Arc::new(board.clone())); then, from a display loop:
/// for call in board.running() {
///     println!("{} waits for {:?} ({} requests)", call.endpoint, call.waiting, call.requests);
/// }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProgressBoard(Arc<Mutex<BTreeMap<u64, Progress>>>);

fn lock(m: &Mutex<BTreeMap<u64, Progress>>) -> MutexGuard<'_, BTreeMap<u64, Progress>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ProgressBoard {
    /// The running calls, oldest first.
    pub fn running(&self) -> Vec<Progress> {
        lock(&self.0).values().cloned().collect()
    }

    /// The most recently started running call.
    pub fn latest(&self) -> Option<Progress> {
        lock(&self.0).values().next_back().cloned()
    }
}

impl Observer for ProgressBoard {
    fn start(&self, call: &CallInfo) -> Option<Box<dyn CallWatch>> {
        lock(&self.0).insert(
            call.number,
            Progress {
                number: call.number,
                endpoint: call.endpoint,
                waiting: Waiting::Nothing,
                results_id: call.results_id.clone(),
                requests: 0,
                started: call.started,
            },
        );
        Some(Box::new(Entry {
            board: self.clone(),
            number: call.number,
        }))
    }
}

/// One call's line on the board; rubbed out when the call ends.
struct Entry {
    board: ProgressBoard,
    number: u64,
}

impl CallWatch for Entry {
    fn on_event(&mut self, call: &CallInfo, event: &Event, _at: Instant) {
        let mut board = lock(&self.board.0);
        let Some(p) = board.get_mut(&self.number) else {
            return;
        };
        p.results_id.clone_from(&call.results_id);
        match event {
            Event::RequestSent { .. } => {
                p.requests += 1;
                p.waiting = Waiting::Response;
            }
            Event::PollScheduled { results_id, .. } | Event::Pending { results_id } => {
                p.waiting = Waiting::Results(results_id.clone())
            }
            Event::RetryScheduled { .. } | Event::DuplicateWait { .. } => {
                p.waiting = Waiting::Backoff
            }
            Event::TokenWait { .. } => p.waiting = Waiting::Token,
            Event::Finished { .. } => {
                board.remove(&self.number);
            }
            _ => {}
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        lock(&self.board.0).remove(&self.number);
    }
}
