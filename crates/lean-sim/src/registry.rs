//! A results registry shared by several simulated instances, the way `lean-redis` shares one:
//! a readiness marked through any instance wakes the calls waiting for it on every instance.

use lean_proto::ResultsId;
use lean_proto::results::{InMemoryResults, Notify, Readiness, ResultsRegistry};
use std::sync::Mutex;
use std::time::Instant;

/// One registry, many instances: `mark_ready` tells every attached client.
#[derive(Default)]
pub struct SharedResults {
    inner: InMemoryResults,
    clients: Mutex<Vec<Notify>>,
}

impl SharedResults {
    /// `results_id`s registered and not yet unregistered (nothing may stay once calls end).
    pub fn waiting(&self) -> usize {
        self.inner.waiting()
    }
}

impl ResultsRegistry for SharedResults {
    fn register(&self, results_id: &ResultsId, now: Instant) -> bool {
        self.inner.register(results_id, now)
    }
    fn is_ready(&self, results_id: &ResultsId) -> bool {
        self.inner.is_ready(results_id)
    }
    fn unregister(&self, results_id: &ResultsId) {
        self.inner.unregister(results_id)
    }
    fn mark_ready(&self, results_id: &ResultsId, now: Instant) -> Readiness {
        let readiness = self.inner.mark_ready(results_id, now);
        // Like a pub/sub message to every instance (the one that took the webhook wakes its
        // own calls as well; waking twice is harmless).
        let clients: Vec<Notify> = self
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for c in clients {
            if let Some(notify) = c.upgrade() {
                notify(results_id);
            }
        }
        readiness
    }
    fn attach(&self, notify: Notify) {
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notify);
    }
}
