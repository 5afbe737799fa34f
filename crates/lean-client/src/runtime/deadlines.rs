//! Request timeouts for async transports without a timer per request: written once here, over
//! any [`Runtime`], for adapters whose runtime charges for arming a timer (lean-surf,
//! lean-reqwest).
//!
//! Arming a runtime timer is not free: async-io (async-std, surf) hands every new timer to its
//! reactor thread and wakes it, which cost about as much as a loopback exchange; tokio locks its
//! timer wheel to arm a timer and again to disarm it, about 5 % of a small call's CPU (both
//! measured in `cargo bench -p lean-bench --bench per_call`). Lean's timeouts are seconds
//! long and almost never fire, so one timer per client serves every exchange in flight: it is
//! armed for the earliest deadline, kept while later deadlines come and go, polled always with
//! the same waker (so the runtime never re-registers it), and re-armed only when it fires.
//!
//! This module owns that timer and nothing else; a transport wraps its exchange in
//! [`Deadlines::within`] instead of its runtime's `timeout`. Its behaviour is tested in virtual
//! time (`lean-sim/tests/deadlines.rs`).

use super::Runtime;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

#[derive(Default)]
struct State {
    /// The one timer, and when it fires.
    timer: Option<(Instant, Sleep)>,
    /// Exchanges in flight: (deadline, id) → whom to wake.
    waiting: BTreeMap<(Instant, u64), Waker>,
}

/// Shared by the client's exchanges and the timer's waker.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Set when the timer fires, until an exchange re-arms it: until then every exchange
    /// polled looks at the state.
    fired: AtomicBool,
}

/// The timer's waker: stable (the runtime sees the same waker at every poll), it wakes every
/// exchange in flight when the timer fires; those past their deadline end, and the first to be
/// polled re-arms the timer for the earliest deadline left.
struct Fired(Arc<Shared>);

impl Wake for Fired {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fired.store(true, Ordering::Release);
        let wakers: Vec<Waker> = lock(&self.0.state).waiting.values().cloned().collect();
        for w in wakers {
            w.wake();
        }
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // Every critical section leaves the state consistent, so a poisoned lock is still sound.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shared deadline timer of one transport (one per client; cheap to share).
pub struct Deadlines<R: Runtime> {
    shared: Arc<Shared>,
    fired: Waker,
    ids: AtomicU64,
    runtime: R,
}

impl<R: Runtime> Deadlines<R> {
    /// A timer on `runtime`, armed for nothing yet.
    pub fn new(runtime: R) -> Self {
        let shared = Arc::new(Shared::default());
        Deadlines {
            fired: Waker::from(Arc::new(Fired(shared.clone()))),
            shared,
            ids: AtomicU64::new(0),
            runtime,
        }
    }
}

/// The exchange took longer than its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

impl<R: Runtime> Deadlines<R> {
    /// When the one timer is armed for, if it is.
    pub fn armed_at(&self) -> Option<Instant> {
        lock(&self.shared.state).timer.as_ref().map(|(at, _)| *at)
    }

    /// Exchanges in flight under a deadline now.
    pub fn in_flight(&self) -> usize {
        lock(&self.shared.state).waiting.len()
    }

    /// Runs `exchange` until it ends or `deadline` passes, whichever comes first.
    ///
    /// The exchange is pinned where the caller keeps it (`std::pin::pin!`), not moved in: an
    /// `async fn` holds a future it is given twice, once as its argument and once pinned, and
    /// a transport's exchange is most of its size. The driver boxes that future for every
    /// request: taking the exchange by value made lean-reqwest's 2.2 KB and lean-surf's 3.5 KB;
    /// pinned, they are 1.6 and 2.2 KB.
    pub async fn within<F: Future>(
        &self,
        deadline: Instant,
        mut exchange: Pin<&mut F>,
    ) -> Result<F::Output, Elapsed> {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let mut entry = Entry {
            deadlines: self,
            key: (deadline, id),
            filed: None,
        };
        std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = exchange.as_mut().poll(cx) {
                return Poll::Ready(Ok(out));
            }
            entry.poll_deadline(cx)
        })
        .await
    }
}

/// One exchange's place in the timer's list; leaves it when the exchange ends or is dropped.
struct Entry<'a, R: Runtime> {
    deadlines: &'a Deadlines<R>,
    key: (Instant, u64),
    /// The waker it is filed with, once filed.
    filed: Option<Waker>,
}

impl<R: Runtime> Entry<'_, R> {
    fn poll_deadline<T>(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Elapsed>> {
        let now = self.deadlines.runtime.now();
        if now >= self.key.0 {
            return Poll::Ready(Err(Elapsed));
        }
        let d = self.deadlines;
        // Filed with this waker and the timer armed: nothing to do, and no lock taken (an
        // exchange is polled several times; only its first poll and a fired timer need one).
        if self.filed.as_ref().is_some_and(|w| w.will_wake(cx.waker()))
            && !d.shared.fired.load(Ordering::Acquire)
        {
            return Poll::Pending;
        }
        let mut state = lock(&d.shared.state);
        state.waiting.insert(self.key, cx.waker().clone());
        self.filed = Some(cx.waker().clone());
        let fired = d.shared.fired.swap(false, Ordering::AcqRel);
        // Armed in time and not fired: it will wake this exchange too. The usual case (Lean's
        // timeouts are all alike, so a later exchange's deadline is later): one lock, no timer.
        if !fired
            && state
                .timer
                .as_ref()
                .is_some_and(|(at, _)| *at <= self.key.0)
        {
            return Poll::Pending;
        }
        let earliest = state.waiting.keys().next().map_or(self.key.0, |k| k.0);
        // Fired (or not armed, or armed too late for the earliest deadline): arm it. A timer
        // armed earlier than needed is kept: it fires, wakes everyone, and is re-armed then.
        let mut timer = state.timer.take();
        if fired || timer.as_ref().is_none_or(|(at, _)| *at > earliest) {
            timer = Some((earliest, Box::pin(d.runtime.timer(earliest))));
        }
        // Polled outside the lock (a runtime may wake from inside `poll`), with the timer's own
        // waker, so that the runtime registers it once and never again.
        drop(state);
        let Some((at, mut sleep)) = timer else {
            return Poll::Pending;
        };
        if sleep
            .as_mut()
            .poll(&mut Context::from_waker(&d.fired))
            .is_ready()
        {
            // Already due: wake everyone; the due end, the first of the rest re-arms.
            d.fired.wake_by_ref();
            return Poll::Pending;
        }
        let mut state = lock(&d.shared.state);
        match &state.timer {
            // Another exchange armed one at least as early meanwhile: keep that one.
            Some((other, _)) if *other <= at => {}
            _ => state.timer = Some((at, sleep)),
        }
        Poll::Pending
    }
}

impl<R: Runtime> Drop for Entry<'_, R> {
    fn drop(&mut self) {
        if self.filed.is_some() {
            lock(&self.deadlines.shared.state).waiting.remove(&self.key);
        }
    }
}
