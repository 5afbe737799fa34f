//! Shutting a client down: stop taking calls, let running ones finish within a grace period,
//! then end the rest and hand back what resumes them.
//!
//! This module owns the phases and their deadlines, for every flavour; a flavour only waits
//! (a thread parks, a future awaits the runtime's timer) until the next deadline or the next
//! call that ends.

use crate::client::Client;
use crate::shared::Shared;
use lean_proto::pending::PendingHandle;
use std::time::{Duration, Instant};

/// A shutdown, with its grace period: `.send()` it on a blocking client, `.await` it on an
/// async one. It ends with the [`PendingHandle`]s of the calls that were still waiting for
/// Lean's results when the grace ran out: persist them and resume them in a new client (or
/// after the restart).
#[must_use = "a shutdown does nothing until it is sent (`.send()`) or awaited"]
pub struct ShutdownRequest<T> {
    pub(crate) client: Client<T>,
    grace: Duration,
}

/// Where a shutdown stands.
pub(crate) struct Phases {
    /// Until when running calls may finish on their own.
    grace_until: Instant,
    /// Set once they were told to end: until when they may take to do so.
    stop_until: Option<Instant>,
    grace: Duration,
}

impl<T> ShutdownRequest<T> {
    /// Stops taking calls (a new one fails with [`lean_proto::client::Error::Shutdown`]) and
    /// starts the grace period.
    pub(crate) fn begin(&self) -> Phases {
        let shared = &self.client.shared;
        shared.close();
        Phases {
            grace_until: shared.clock.now() + self.grace,
            stop_until: None,
            grace: self.grace,
        }
    }
}

impl Phases {
    /// What to wait for next: `Some(until)` (wait until then or until a call ends), or `None`
    /// when the shutdown is over. After the grace period, the calls still running are told to
    /// end (parked ones wake at once), and get as long again to do so: a call in the middle of
    /// an HTTP exchange ends after it.
    pub(crate) fn next(&mut self, shared: &Shared) -> Option<Instant> {
        if shared.live() == 0 {
            return None;
        }
        let now = shared.clock.now();
        match self.stop_until {
            None if now < self.grace_until => Some(self.grace_until),
            None => {
                shared.stop();
                let until = now + self.grace;
                self.stop_until = Some(until);
                Some(until)
            }
            Some(until) => (now < until).then_some(until),
        }
    }
}

impl<T> Client<T> {
    /// Shuts the client (and its clones) down: no new call is taken; calls running now have
    /// `grace` to finish (webhooks are still taken in, so a `results.ready` still ends a parked
    /// call); then the rest end with [`lean_proto::client::Error::Shutdown`], and the handles
    /// of those that held a `results_id` are returned, to be persisted and resumed later.
    /// Parked calls (waiting for results, a token or a refresh) end at once; a call in the
    /// middle of an HTTP exchange or a retry backoff ends when that does, within a second
    /// grace, or later on its own (its caller still gets `Error::Shutdown` with its handle,
    /// and observers a `CallAbandoned`).
    pub fn shutdown(&self, grace: Duration) -> ShutdownRequest<T> {
        ShutdownRequest {
            client: self.clone(),
            grace,
        }
    }
}

/// The handles the shutdown collected.
pub(crate) fn handles(shared: &Shared) -> Vec<PendingHandle> {
    shared.take_stopped()
}
