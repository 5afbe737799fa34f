//! A deterministic single-threaded executor with a virtual clock: the runtime the real driver
//! runs on in simulations.
//!
//! This module owns virtual time and the order tasks run in. Time moves only when every task
//! is waiting: it jumps to the earliest timer (or outside event), never sleeps. Ready tasks run
//! in the order they were woken, timers with the same instant in the order they were armed:
//! the same inputs give the same run, which is what lets a failing seed replay.

use lean_client::runtime::{Runtime, Timer};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Inner {
    now: Mutex<Instant>,
    /// Armed timers: (when, arming order) → whom to wake.
    timers: Mutex<BTreeMap<(Instant, u64), Waker>>,
    armed: AtomicU64,
    /// Tasks woken, in order.
    queue: Arc<Mutex<VecDeque<usize>>>,
    /// Each task's future while it is not running; `None` once finished (or while polled).
    tasks: Mutex<Vec<Option<Task>>>,
    finished: Mutex<Vec<bool>>,
    wakers: Mutex<Vec<Arc<TaskWaker>>>,
    polls: AtomicU64,
}

/// The simulation: spawn tasks, then [`Sim::run`] them in virtual time. Cheap to clone.
#[derive(Clone)]
pub struct Sim(Arc<Inner>);

/// How a [`Sim::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Every task finished.
    Finished,
    /// Tasks wait, and nothing (no timer, no outside event) will ever wake them.
    Stalled,
    /// The time limit came first.
    TimeLimit,
    /// The poll limit came first (a task that wakes itself forever).
    PollLimit,
}

struct TaskWaker {
    id: usize,
    queue: Arc<Mutex<VecDeque<usize>>>,
    queued: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            lock(&self.queue).push_back(self.id);
        }
    }
}

/// A spawned task's output, once it finished.
pub struct Handle<T>(Arc<Mutex<Option<T>>>);

impl<T> Handle<T> {
    /// The output, if the task finished (taken once).
    pub fn take(&self) -> Option<T> {
        lock(&self.0).take()
    }
}

impl Sim {
    /// A simulation whose clock starts at `epoch`.
    pub fn new(epoch: Instant) -> Sim {
        Sim(Arc::new(Inner {
            now: Mutex::new(epoch),
            timers: Mutex::new(BTreeMap::new()),
            armed: AtomicU64::new(0),
            queue: Arc::new(Mutex::new(VecDeque::new())),
            tasks: Mutex::new(Vec::new()),
            finished: Mutex::new(Vec::new()),
            wakers: Mutex::new(Vec::new()),
            polls: AtomicU64::new(0),
        }))
    }

    /// The runtime handle the driver runs on.
    pub fn runtime(&self) -> SimRuntime {
        SimRuntime(self.0.clone())
    }

    /// Now, in virtual time.
    pub fn now(&self) -> Instant {
        *lock(&self.0.now)
    }

    /// Polls made so far (a measure of work, for reports).
    pub fn polls(&self) -> u64 {
        self.0.polls.load(Ordering::Relaxed)
    }

    /// Runs `future` as a task; its output comes out of the handle once it finished.
    pub fn spawn<F>(&self, future: F) -> Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let out = Arc::new(Mutex::new(None));
        let slot = out.clone();
        let task: Task = Box::pin(async move {
            let v = future.await;
            *lock(&slot) = Some(v);
        });
        let id = {
            let mut tasks = lock(&self.0.tasks);
            tasks.push(Some(task));
            lock(&self.0.finished).push(false);
            tasks.len() - 1
        };
        let waker = Arc::new(TaskWaker {
            id,
            queue: self.0.queue.clone(),
            queued: AtomicBool::new(false),
        });
        waker.wake_by_ref();
        lock(&self.0.wakers).push(waker);
        Handle(out)
    }

    /// Runs the tasks until all finished, or nothing can happen any more, or virtual time
    /// reaches `until` (the clock then reads `until`), or `max_polls` polls were made. `outside` is called each time the
    /// tasks are all waiting, with the time: it delivers what is due from outside (webhooks)
    /// and says when its next event is.
    pub fn run(
        &self,
        until: Instant,
        max_polls: u64,
        mut outside: impl FnMut(Instant) -> Option<Instant>,
    ) -> RunEnd {
        loop {
            loop {
                let next = lock(&self.0.queue).pop_front();
                let Some(id) = next else { break };
                if self.0.polls.fetch_add(1, Ordering::Relaxed) >= max_polls {
                    return RunEnd::PollLimit;
                }
                self.poll_task(id);
            }
            if lock(&self.0.finished).iter().all(|f| *f) {
                return RunEnd::Finished;
            }
            let now = self.now();
            let next_outside = outside(now);
            if !lock(&self.0.queue).is_empty() {
                continue; // the outside woke a task at this instant
            }
            let next_timer = lock(&self.0.timers).keys().next().map(|(at, _)| *at);
            let next = match (next_timer, next_outside) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => return RunEnd::Stalled,
                },
            };
            if next > until {
                // Time passes up to the limit, with nothing due by then.
                self.advance_to(until);
                return RunEnd::TimeLimit;
            }
            self.advance_to(next);
        }
    }

    /// Moves the clock to `at` (never back) and wakes the timers due by then, without running
    /// anything: for events from outside after every task ended.
    pub fn advance_to(&self, at: Instant) {
        let at = at.max(self.now());
        *lock(&self.0.now) = at;
        let due: Vec<Waker> = {
            let mut timers = lock(&self.0.timers);
            let later = timers.split_off(&(at, u64::MAX));
            std::mem::replace(&mut *timers, later)
                .into_values()
                .collect()
        };
        for w in due {
            w.wake();
        }
    }

    fn poll_task(&self, id: usize) {
        let Some(mut task) = lock(&self.0.tasks).get_mut(id).and_then(Option::take) else {
            return; // finished already
        };
        let waker = lock(&self.0.wakers)[id].clone();
        waker.queued.store(false, Ordering::Release);
        let w = Waker::from(waker);
        match task.as_mut().poll(&mut Context::from_waker(&w)) {
            Poll::Ready(()) => lock(&self.0.finished)[id] = true,
            Poll::Pending => lock(&self.0.tasks)[id] = Some(task),
        }
    }
}

/// The simulation's [`Runtime`]: its virtual clock and timers.
#[derive(Clone)]
pub struct SimRuntime(Arc<Inner>);

impl std::fmt::Debug for SimRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimRuntime").finish_non_exhaustive()
    }
}

impl Runtime for SimRuntime {
    type Timer = SimTimer;
    fn now(&self) -> Instant {
        *lock(&self.0.now)
    }
    fn timer(&self, at: Instant) -> SimTimer {
        SimTimer {
            sim: self.0.clone(),
            at,
            key: None,
        }
    }
}

/// A virtual-time timer.
pub struct SimTimer {
    sim: Arc<Inner>,
    at: Instant,
    key: Option<(Instant, u64)>,
}

impl SimTimer {
    fn disarm(&mut self) {
        if let Some(k) = self.key.take() {
            lock(&self.sim.timers).remove(&k);
        }
    }
}

impl Future for SimTimer {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.disarm();
        if *lock(&self.sim.now) >= self.at {
            return Poll::Ready(());
        }
        let key = (self.at, self.sim.armed.fetch_add(1, Ordering::Relaxed));
        lock(&self.sim.timers).insert(key, cx.waker().clone());
        self.key = Some(key);
        Poll::Pending
    }
}

impl Timer for SimTimer {
    fn reset(&mut self, at: Instant) {
        self.disarm();
        self.at = at;
    }
}

impl Drop for SimTimer {
    fn drop(&mut self) {
        self.disarm();
    }
}
