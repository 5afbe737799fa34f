//! Which events were seen: the [`DedupeStore`] trait, the in-process [`Dedupe`], and the
//! [`Claim`] an at-least-once intake hands the application.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// What a claim on an event key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claimed {
    /// This delivery is the first: it is the caller's to act on.
    First,
    /// The event was seen (and, under at-least-once, confirmed): a duplicate.
    Seen,
    /// Another delivery holds an unexpired claim on it and is being processed.
    Held,
}

/// A [`DedupeStore`]'s answer, later: what an async store returns.
pub type DedupeFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, DedupeUnavailable>> + Send + 'a>>;

/// Where the webhook intake remembers which events it has seen, shared by every thread that
/// receives webhooks (and, over a shared store, by every instance).
///
/// At most once (the default intake): an event is claimed for good when it arrives (`lease`
/// `None`). At least once: it is claimed for a lease; the application confirms it after acting
/// on it, or releases it when it could not, and a claim that lapses (a crash) lets Lean's
/// redelivery through. A store that does IO (Redis) implements the `_async` methods without
/// blocking the caller's thread; the defaults run the blocking ones at once, which is right for
/// an in-memory store.
pub trait DedupeStore: Send + Sync {
    /// Claims `key` at `now`: for good without a lease, else until `now + lease`. `Err` when
    /// the store cannot tell (the intake then answers 503 and Lean retries later).
    fn claim(
        &self,
        key: &str,
        lease: Option<Duration>,
        now: Instant,
    ) -> Result<Claimed, DedupeUnavailable>;

    /// The event claimed with a lease was acted on: it is seen for good.
    fn confirm(&self, key: &str, now: Instant) -> Result<(), DedupeUnavailable>;

    /// The event claimed with a lease could not be acted on: the claim is dropped, so Lean's
    /// next delivery is processed.
    fn release(&self, key: &str) -> Result<(), DedupeUnavailable>;

    /// [`DedupeStore::claim`], without blocking the caller's thread.
    fn claim_async<'a>(
        &'a self,
        key: &'a str,
        lease: Option<Duration>,
        now: Instant,
    ) -> DedupeFuture<'a, Claimed> {
        Box::pin(std::future::ready(self.claim(key, lease, now)))
    }

    /// [`DedupeStore::confirm`], without blocking the caller's thread.
    fn confirm_async<'a>(&'a self, key: &'a str, now: Instant) -> DedupeFuture<'a, ()> {
        Box::pin(std::future::ready(self.confirm(key, now)))
    }

    /// [`DedupeStore::release`], without blocking the caller's thread.
    fn release_async<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        Box::pin(std::future::ready(self.release(key)))
    }
}

/// A [`DedupeStore`] could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupeUnavailable;

/// An event claimed under at-least-once delivery, handed to the application with the event:
/// confirm it once the event was acted on, release it when it could not be (then answer Lean
/// with an error, and its redelivery is processed). One that is neither lapses after its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "confirm the claim once the event was acted on, or release it"]
pub struct Claim {
    key: String,
}

impl Claim {
    pub(crate) fn new(key: &str) -> Self {
        Claim {
            key: key.to_owned(),
        }
    }

    /// The event key claimed (its `event_id`, or a digest for events without one).
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The in-process store: a bounded [`Dedupe`] behind a mutex.
impl DedupeStore for std::sync::Mutex<Dedupe> {
    fn claim(
        &self,
        key: &str,
        lease: Option<Duration>,
        now: Instant,
    ) -> Result<Claimed, DedupeUnavailable> {
        Ok(lock(self).claim(key, lease, now))
    }

    fn confirm(&self, key: &str, _now: Instant) -> Result<(), DedupeUnavailable> {
        lock(self).confirm(key);
        Ok(())
    }

    fn release(&self, key: &str) -> Result<(), DedupeUnavailable> {
        lock(self).release(key);
        Ok(())
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Remembers the last `capacity` event keys, so a redelivered webhook is seen as a duplicate.
/// Memory is bounded: the oldest key is forgotten first.
///
/// Keys are kept as 128-bit fingerprints (two independently keyed SipHash-1-3 values), not as
/// strings: 16 bytes and no allocation per event. Two different keys share a fingerprint with
/// probability about n² / 2¹²⁹ (below 10⁻³⁰ for 10,000 keys), the keys are random per
/// process, and a false "duplicate" would only leave the call to its polling fallback.
#[derive(Debug, Clone)]
pub struct Dedupe {
    capacity: usize,
    seen: HashSet<u128, Fingerprinted>,
    order: VecDeque<u128>,
    /// Claims in progress (at-least-once), with when they lapse; at most `capacity`.
    leases: HashMap<u128, Instant, Fingerprinted>,
    hashers: (std::hash::RandomState, std::hash::RandomState),
}

/// Fingerprints are keyed hashes already: the set uses their low bits as they are instead of
/// hashing them a second time.
#[derive(Debug, Clone, Copy, Default)]
struct Fingerprinted;

impl std::hash::BuildHasher for Fingerprinted {
    type Hasher = LowBits;
    fn build_hasher(&self) -> LowBits {
        LowBits(0)
    }
}

#[derive(Debug, Default)]
struct LowBits(u64);

impl std::hash::Hasher for LowBits {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u128 fingerprints are hashed here; any other input still spreads.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

impl Dedupe {
    /// Remembers up to `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedupe {
            capacity,
            seen: HashSet::with_capacity_and_hasher(capacity, Fingerprinted),
            order: VecDeque::with_capacity(capacity),
            leases: HashMap::with_hasher(Fingerprinted),
            hashers: (std::hash::RandomState::new(), std::hash::RandomState::new()),
        }
    }

    fn fingerprint(&self, key: &str) -> u128 {
        use std::hash::BuildHasher;
        (u128::from(self.hashers.0.hash_one(key)) << 64) | u128::from(self.hashers.1.hash_one(key))
    }

    /// Records `key` for good; true if it is new, false if it was seen (a duplicate) or is
    /// claimed.
    pub fn first_time(&mut self, key: &str) -> bool {
        let f = self.fingerprint(key);
        if self.seen.contains(&f) || self.leases.contains_key(&f) {
            return false;
        }
        self.remember(f);
        true
    }

    /// Claims `key`: for good without a lease (as [`Dedupe::first_time`]), else until
    /// `now + lease` unless confirmed. A lapsed claim can be claimed again.
    pub fn claim(&mut self, key: &str, lease: Option<Duration>, now: Instant) -> Claimed {
        let f = self.fingerprint(key);
        if self.seen.contains(&f) {
            return Claimed::Seen;
        }
        if self.leases.get(&f).is_some_and(|until| *until > now) {
            return Claimed::Held;
        }
        match lease {
            None => {
                self.leases.remove(&f);
                self.remember(f);
            }
            Some(lease) => {
                if self.leases.len() >= self.capacity {
                    self.leases.retain(|_, until| *until > now);
                }
                if self.leases.len() >= self.capacity {
                    // Bounded: the claim that lapses first goes (its event may then be
                    // processed twice, never lost).
                    if let Some(k) = self.leases.iter().min_by_key(|(_, u)| **u).map(|(k, _)| *k) {
                        self.leases.remove(&k);
                    }
                }
                self.leases.insert(f, now + lease);
            }
        }
        Claimed::First
    }

    /// The claimed `key` was acted on: seen for good.
    pub fn confirm(&mut self, key: &str) {
        let f = self.fingerprint(key);
        self.leases.remove(&f);
        if !self.seen.contains(&f) {
            self.remember(f);
        }
    }

    /// The claimed `key` could not be acted on: forgotten, so its next delivery is processed.
    pub fn release(&mut self, key: &str) {
        let f = self.fingerprint(key);
        self.leases.remove(&f);
    }

    fn remember(&mut self, f: u128) {
        if self.order.len() == self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(f);
        self.order.push_back(f);
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}
