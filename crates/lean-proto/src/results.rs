//! The results registry: which `results_id`s calls are waiting for, and which `results.ready`
//! webhooks arrived before anyone waited.
//!
//! Shared by all calls of a client and by the webhook intake. A webhook can beat the PENDING
//! response it belongs to (Lean sends it as soon as the bank answers); the registry holds such
//! early arrivals for a bounded time and count, then drops and counts them. A deployment with
//! several instances implements [`ResultsRegistry`] over a shared store (see
//! `docs/webhooks.md`); [`InMemoryResults`] is the default.
//!
//! The registry stores facts; it wakes nobody. Whoever marks a `results_id` ready (the webhook
//! intake, another instance) tells the driver, which wakes the one call waiting for it.

use crate::ids::ResultsId;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// What a `results.ready` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// A call was waiting; it can fetch now.
    Woke,
    /// Nobody waits yet: held until a call registers (early webhook).
    Held,
    /// Already known ready (a duplicate): nothing changes.
    Duplicate,
}

/// Storage of pending results, shared by every call of a client and by the webhook intake.
///
/// Methods take `&self`: an implementation synchronises itself (a mutex, a shared store), so
/// that calls on many threads or tasks use one registry without a lock around it. Each method
/// is one quick decision; an implementation over a network store keeps a local view and
/// never blocks a caller for long (a slow registry slows every call step).
pub trait ResultsRegistry: Send + Sync {
    /// A call now waits for `results_id`. Returns true if its `results.ready` already came.
    fn register(&self, results_id: &ResultsId, now: Instant) -> bool;
    /// Whether `results_id` is ready; the readiness stays until [`ResultsRegistry::unregister`].
    fn is_ready(&self, results_id: &ResultsId) -> bool;
    /// The call is done with `results_id`.
    fn unregister(&self, results_id: &ResultsId);
    /// A verified `results.ready` arrived.
    fn mark_ready(&self, results_id: &ResultsId, now: Instant) -> Readiness;

    /// A client that uses this registry hands over how to wake its calls: a registry that
    /// learns of a readiness by itself (from another instance, after a restart) marks it, then
    /// calls `notify` with the `results_id`. Called once per client; keep every one that is
    /// still alive (`notify` is weak: it dies with its client, and its entry should go then, so
    /// a service that builds clients per tenant does not grow the list forever). The default
    /// ignores it: a registry that only hears of readiness through
    /// [`ResultsRegistry::mark_ready`] needs nobody to tell.
    fn attach(&self, notify: Notify) {
        let _ = notify;
    }

    /// What keeps this registry from doing its job now, in a sentence (say, its shared store
    /// cannot be reached: readiness from other instances is not heard, calls fall back to
    /// polling). Asked once, when a client is built, to say so then rather than be merely
    /// slow; it may take a short network round trip. `None`, the default: nothing known.
    fn problem(&self) -> Option<String> {
        None
    }
}

/// How a registry wakes the calls of one client that wait for a `results_id`. Held weakly:
/// the client owns it, and it cannot be upgraded once the client is gone.
pub type Notify = std::sync::Weak<dyn Fn(&ResultsId) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Waiting,
    Ready,
    Early(Instant),
}

/// The in-memory registry: O(1) lookups, bounded memory for early webhooks, one short lock.
#[derive(Debug)]
pub struct InMemoryResults {
    inner: std::sync::Mutex<Entries>,
}

#[derive(Debug)]
struct Entries {
    entries: HashMap<ResultsId, Entry, IdHash>,
    early: VecDeque<(ResultsId, Instant)>,
    max_early: usize,
    early_ttl: Duration,
    dropped_early: u64,
}

/// Hashing for `results_id` keys. They are random UUIDs that Lean chose (in its answers, and in
/// webhooks whose signature was verified), so a cheap multiplicative hash spreads them as well
/// as SipHash does, and SipHash's defence against chosen keys buys nothing. A third of the cost
/// of a webhook's intake was hashing the same id three times.
#[derive(Debug, Clone, Copy, Default)]
struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = MulHasher;
    fn build_hasher(&self) -> MulHasher {
        MulHasher(0)
    }
}

#[derive(Debug)]
struct MulHasher(u64);

impl std::hash::Hasher for MulHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.0 =
                (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl Default for InMemoryResults {
    fn default() -> Self {
        Self::new(10_000, Duration::from_secs(15 * 60))
    }
}

impl InMemoryResults {
    /// Holds at most `max_early` early webhooks, each for at most `early_ttl`.
    pub fn new(max_early: usize, early_ttl: Duration) -> Self {
        InMemoryResults {
            inner: std::sync::Mutex::new(Entries {
                entries: HashMap::with_hasher(IdHash),
                early: VecDeque::new(),
                max_early: max_early.max(1),
                early_ttl,
                dropped_early: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Each critical section leaves the maps consistent, so a poisoned lock is still sound.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Early webhooks dropped (expired or over the bound) since creation.
    pub fn dropped_early(&self) -> u64 {
        self.lock().dropped_early
    }

    /// Early webhooks held now.
    pub fn held_early(&self) -> usize {
        let e = self.lock();
        e.early
            .iter()
            .filter(|(id, at)| e.entries.get(id) == Some(&Entry::Early(*at)))
            .count()
    }

    /// The `results_id`s calls wait for now (for a shared registry that must ask its store
    /// again after it lost touch).
    pub fn waiting_ids(&self) -> Vec<ResultsId> {
        self.lock()
            .entries
            .iter()
            .filter(|(_, e)| **e == Entry::Waiting)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Calls waiting now.
    pub fn waiting(&self) -> usize {
        self.lock()
            .entries
            .values()
            .filter(|e| **e == Entry::Waiting)
            .count()
    }
}

impl Entries {
    fn expire(&mut self, now: Instant) {
        while let Some((id, at)) = self.early.front().cloned() {
            let over = self.early.len() > self.max_early;
            if !over && at.checked_add(self.early_ttl).is_none_or(|end| now < end) {
                break;
            }
            self.early.pop_front();
            // Only drop it if it is still the same early arrival (not claimed since).
            if self.entries.get(&id) == Some(&Entry::Early(at)) {
                self.entries.remove(&id);
                self.dropped_early += 1;
            }
        }
    }
}

impl ResultsRegistry for InMemoryResults {
    fn register(&self, results_id: &ResultsId, now: Instant) -> bool {
        let mut e = self.lock();
        e.expire(now);
        match e.entries.get_mut(results_id) {
            Some(entry @ (Entry::Early(_) | Entry::Ready)) => {
                *entry = Entry::Ready;
                true
            }
            Some(Entry::Waiting) => false,
            None => {
                e.entries.insert(results_id.clone(), Entry::Waiting);
                false
            }
        }
    }

    fn is_ready(&self, results_id: &ResultsId) -> bool {
        self.lock().entries.get(results_id) == Some(&Entry::Ready)
    }

    fn unregister(&self, results_id: &ResultsId) {
        let mut e = self.lock();
        if matches!(
            e.entries.get(results_id),
            Some(Entry::Waiting | Entry::Ready)
        ) {
            e.entries.remove(results_id);
        }
    }

    fn mark_ready(&self, results_id: &ResultsId, now: Instant) -> Readiness {
        let mut e = self.lock();
        e.expire(now);
        match e.entries.get_mut(results_id) {
            Some(entry @ Entry::Waiting) => {
                *entry = Entry::Ready;
                Readiness::Woke
            }
            Some(Entry::Ready) | Some(Entry::Early(_)) => Readiness::Duplicate,
            None => {
                e.entries.insert(results_id.clone(), Entry::Early(now));
                e.early.push_back((results_id.clone(), now));
                e.expire(now);
                Readiness::Held
            }
        }
    }
}
