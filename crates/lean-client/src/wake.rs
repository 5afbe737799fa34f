//! Targeted waking: who waits for what, and the one signal per call that wakes it.
//!
//! This module owns the waiting lists: calls waiting for a `results_id`, waits for an entity's
//! data refresh, and calls waiting for a token fetch to end. A `results.ready` fires the
//! signals filed under its id and nothing else; a refresh event fires those filed under its
//! entity; a token fetch that ends fires the token list. A signal latches: a wake-up that
//! lands between a call's last look at shared state and its wait is kept, never lost. It knows
//! nothing of calls or of Lean beyond the ids it files under.

use lean_proto::{EntityId, ResultsId};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// Who to wake when a signal fires.
enum Waiter {
    Nobody,
    Thread(std::thread::Thread),
    Task(Waker),
}

/// One call's wake-up: latched, so firing before the wait is not lost.
pub(crate) struct Signal {
    fired: AtomicBool,
    waiter: Mutex<Waiter>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here leaves its data consistent, so a poisoned lock is still sound.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Signal {
    pub(crate) fn new() -> Self {
        Signal {
            fired: AtomicBool::new(false),
            waiter: Mutex::new(Waiter::Nobody),
        }
    }

    /// Fires the signal; false when it was fired already and not yet seen (nothing new).
    pub(crate) fn fire(&self) -> bool {
        let fresh = !self.fired.swap(true, Ordering::AcqRel);
        match std::mem::replace(&mut *lock(&self.waiter), Waiter::Nobody) {
            Waiter::Nobody => {}
            Waiter::Thread(t) => t.unpark(),
            Waiter::Task(w) => w.wake(),
        }
        fresh
    }

    fn take(&self) -> bool {
        self.fired.swap(false, Ordering::AcqRel)
    }

    /// Blocks the thread until fired or `until` by `clock` (forever when `None`).
    pub(crate) fn wait_blocking(&self, until: Option<Instant>, clock: &crate::runtime::Clock) {
        loop {
            if self.take() {
                return;
            }
            *lock(&self.waiter) = Waiter::Thread(std::thread::current());
            // Fired between the first look and filing the thread: it found nobody to unpark.
            if self.take() {
                return;
            }
            match until {
                Some(at) => {
                    let now = clock.now();
                    if now >= at {
                        return;
                    }
                    std::thread::park_timeout(at - now);
                }
                None => std::thread::park(),
            }
        }
    }

    /// Async: ready once fired. The caller races it against a timer.
    pub(crate) fn poll_fired(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.take() {
            return Poll::Ready(());
        }
        {
            let mut w = lock(&self.waiter);
            match &*w {
                Waiter::Task(old) if old.will_wake(cx.waker()) => {}
                _ => *w = Waiter::Task(cx.waker().clone()),
            }
        }
        if self.take() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// What a call's signal is filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subscription {
    Nothing,
    Results(ResultsId),
    Refresh(EntityId),
    /// A payment intent's payment news, by its id (lower case).
    Payment(String),
    Token,
}

/// What a signal can be filed under by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Results(ResultsId),
    Refresh(EntityId),
    Payment(String),
}

impl Subscription {
    fn key(&self) -> Option<Key> {
        match self {
            Subscription::Results(id) => Some(Key::Results(id.clone())),
            Subscription::Refresh(id) => Some(Key::Refresh(id.clone())),
            Subscription::Payment(id) => Some(Key::Payment(id.clone())),
            Subscription::Nothing | Subscription::Token => None,
        }
    }
}

/// The calls filed under one id (almost always one), by call number.
type Filed = Vec<(u64, Arc<Signal>)>;

/// The waiting lists of one client.
#[derive(Default)]
pub(crate) struct Waiters {
    results: Mutex<HashMap<Key, Filed>>,
    /// By call number: woken in the order they came (a simulation replays the same way).
    token: Mutex<BTreeMap<u64, Arc<Signal>>>,
    /// Wake-ups that reached a call not already woken: what a test or a metric reads to see
    /// that waking is targeted (the same news twice, say from the intake and a shared
    /// registry, wakes a call once).
    fired: std::sync::atomic::AtomicU64,
}

impl Waiters {
    /// Wakes the calls waiting for `results_id`, and no other.
    pub(crate) fn wake_results(&self, results_id: &ResultsId) {
        self.wake(&Key::Results(results_id.clone()));
    }

    /// Wakes the waits for `entity_id`'s refresh, and no other.
    pub(crate) fn wake_refresh(&self, entity_id: &EntityId) {
        self.wake(&Key::Refresh(entity_id.clone()));
    }

    /// Wakes the waits for `payment_intent_id`'s payment (lower case), and no other.
    pub(crate) fn wake_payment(&self, payment_intent_id: &str) {
        self.wake(&Key::Payment(payment_intent_id.to_owned()));
    }

    fn wake(&self, key: &Key) {
        if let Some(list) = lock(&self.results).get(key) {
            let fresh = list.iter().filter(|(_, s)| s.fire()).count();
            self.count(fresh);
        }
    }

    /// Wakes the calls waiting for a token fetch to end.
    pub(crate) fn wake_token(&self) {
        let list = lock(&self.token);
        let fresh = list.values().filter(|s| s.fire()).count();
        self.count(fresh);
    }

    /// Wakes every call filed anywhere (a shutdown).
    pub(crate) fn wake_all(&self) {
        let fresh = lock(&self.results)
            .values()
            .flatten()
            .filter(|(_, s)| s.fire())
            .count();
        self.count(fresh);
        self.wake_token();
    }

    fn count(&self, n: usize) {
        self.fired.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Wake-ups delivered since the client was built.
    pub(crate) fn wakeups(&self) -> u64 {
        self.fired.load(Ordering::Relaxed)
    }

    /// Calls filed under a `results_id` now (for tests and benchmarks).
    pub(crate) fn parked(&self) -> usize {
        lock(&self.results).values().map(Vec::len).sum::<usize>() + lock(&self.token).len()
    }

    fn file(&self, call: u64, signal: &Arc<Signal>, on: &Subscription) {
        if let Some(key) = on.key() {
            lock(&self.results)
                .entry(key)
                .or_default()
                .push((call, signal.clone()));
        } else if *on == Subscription::Token {
            lock(&self.token).insert(call, signal.clone());
        }
    }

    fn unfile(&self, call: u64, on: &Subscription) {
        if let Some(key) = on.key() {
            let mut map = lock(&self.results);
            if let Some(list) = map.get_mut(&key) {
                list.retain(|(c, _)| *c != call);
                if list.is_empty() {
                    map.remove(&key);
                }
            }
        } else if *on == Subscription::Token {
            lock(&self.token).remove(&call);
        }
    }
}

/// One call's place in the waiting lists; moves as the call waits for other things.
pub(crate) struct Slot {
    call: u64,
    pub(crate) signal: Arc<Signal>,
    on: Subscription,
}

impl Slot {
    pub(crate) fn new(call: u64) -> Self {
        Slot {
            call,
            signal: Arc::new(Signal::new()),
            on: Subscription::Nothing,
        }
    }

    /// Files the call under `on` (and out of what it waited for before).
    pub(crate) fn subscribe(&mut self, waiters: &Waiters, on: Subscription) {
        if self.on != on {
            waiters.unfile(self.call, &self.on);
            waiters.file(self.call, &self.signal, &on);
            self.on = on;
        }
    }
}
