//! Webhook dedupe shared by every instance, on a thread of its own.
//!
//! This module owns the dedupe keys (`{prefix}:seen:{event key}`: `done` for good, `claimed`
//! for an at-least-once lease) and the one connection that reads and writes them. Every
//! question goes to that thread as a message; a blocking caller waits for the answer on its own
//! thread, an async one awaits it (runtime-agnostic) without holding a worker.

use crate::{Error, RedisConfig, connect, lock};
use lean_proto::webhook::{Claimed, DedupeFuture, DedupeStore, DedupeUnavailable};
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Webhook dedupe shared by every instance: the first instance to see an event key claims it
/// with `SET NX` (atomic), so a webhook delivered to two instances is processed once. Redis is
/// asked on a thread of this store's own (see the module docs).
pub struct RedisDedupe {
    ops: Mutex<Sender<Job>>,
}

/// One question for the Redis thread.
enum Op {
    Claim {
        key: String,
        lease: Option<Duration>,
    },
    Confirm {
        key: String,
    },
    Release {
        key: String,
    },
}

/// A question and where its answer goes.
struct Job {
    op: Op,
    now: Instant,
    reply: Arc<Reply>,
}

/// What the Redis thread answers (confirm and release answer with any `Ok`).
type Outcome = Result<Claimed, DedupeUnavailable>;

/// The answer to one [`Job`], handed over once: a blocking caller parks on the condvar, an
/// async one registers its waker.
#[derive(Default)]
struct Reply {
    state: Mutex<(Option<Outcome>, Option<Waker>)>,
    ready: std::sync::Condvar,
    answered: std::sync::atomic::AtomicBool,
}

/// A job dropped unanswered (its thread gone mid-way) still answers: the store cannot tell.
impl Drop for Job {
    fn drop(&mut self) {
        if !self
            .reply
            .answered
            .load(std::sync::atomic::Ordering::Acquire)
        {
            self.reply.set(Err(DedupeUnavailable));
        }
    }
}

impl Reply {
    fn set(&self, answer: Outcome) {
        self.answered
            .store(true, std::sync::atomic::Ordering::Release);
        let mut state = lock(&self.state);
        state.0 = Some(answer);
        if let Some(w) = state.1.take() {
            w.wake();
        }
        self.ready.notify_all();
    }

    fn wait(&self) -> Outcome {
        let mut state = lock(&self.state);
        loop {
            if let Some(answer) = state.0.take() {
                return answer;
            }
            state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Awaits a [`Reply`].
struct Answer(Arc<Reply>);

impl Future for Answer {
    type Output = Outcome;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.0.state);
        match state.0.take() {
            Some(answer) => Poll::Ready(answer),
            None => {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl RedisDedupe {
    /// Dedupe over Redis at `config`: starts its thread, which connects on first use (and
    /// again after a failure, not sooner than a second later).
    pub fn new(config: RedisConfig) -> Result<Self, Error> {
        let client = config.client()?;
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("lean-redis-dedupe".into())
            .spawn(move || serve(config, client, rx))
            .map_err(|e| Error(format!("cannot start the dedupe thread: {e}")))?;
        Ok(RedisDedupe {
            ops: Mutex::new(tx),
        })
    }

    fn ask(&self, op: Op, now: Instant) -> Arc<Reply> {
        let reply = Arc::new(Reply::default());
        let job = Job {
            op,
            now,
            reply: reply.clone(),
        };
        // A thread that is gone drops the job unsent, which answers it (see `Drop for Job`).
        let _ = lock(&self.ops).send(job);
        reply
    }
}

impl DedupeStore for RedisDedupe {
    fn claim(
        &self,
        key: &str,
        lease: Option<Duration>,
        now: Instant,
    ) -> Result<Claimed, DedupeUnavailable> {
        let key = key.to_owned();
        self.ask(Op::Claim { key, lease }, now).wait()
    }

    fn confirm(&self, key: &str, now: Instant) -> Result<(), DedupeUnavailable> {
        let key = key.to_owned();
        self.ask(Op::Confirm { key }, now).wait().map(drop)
    }

    fn release(&self, key: &str) -> Result<(), DedupeUnavailable> {
        let key = key.to_owned();
        self.ask(Op::Release { key }, Instant::now())
            .wait()
            .map(drop)
    }

    fn claim_async<'a>(
        &'a self,
        key: &'a str,
        lease: Option<Duration>,
        now: Instant,
    ) -> DedupeFuture<'a, Claimed> {
        let key = key.to_owned();
        Box::pin(Answer(self.ask(Op::Claim { key, lease }, now)))
    }

    fn confirm_async<'a>(&'a self, key: &'a str, now: Instant) -> DedupeFuture<'a, ()> {
        let answer = Answer(self.ask(
            Op::Confirm {
                key: key.to_owned(),
            },
            now,
        ));
        Box::pin(async move { answer.await.map(drop) })
    }

    fn release_async<'a>(&'a self, key: &'a str) -> DedupeFuture<'a, ()> {
        let answer = Answer(self.ask(
            Op::Release {
                key: key.to_owned(),
            },
            Instant::now(),
        ));
        Box::pin(async move { answer.await.map(drop) })
    }
}

/// The Redis thread: one connection, one question at a time, until the store is dropped.
fn serve(config: RedisConfig, client: redis::Client, jobs: Receiver<Job>) {
    let mut con: Option<redis::Connection> = None;
    // While Redis is away, the instant before which it is not tried again: an outage costs
    // each webhook nothing, not a connect timeout.
    let mut retry_at: Option<Instant> = None;
    for job in jobs {
        if retry_at.is_some_and(|at| job.now < at) {
            job.reply.set(Err(DedupeUnavailable));
            continue;
        }
        let answer = (|| {
            if con.is_none() {
                con = Some(connect(&client, config.timeout)?);
            }
            match con.as_mut() {
                Some(c) => run(&config, c, &job.op),
                None => Ok(Claimed::First), // unreachable: connected just above
            }
        })();
        match answer {
            Ok(answer) => {
                retry_at = None;
                job.reply.set(Ok(answer));
            }
            Err(_) => {
                con = None;
                retry_at = Some(job.now + Duration::from_secs(1));
                job.reply.set(Err(DedupeUnavailable));
            }
        }
    }
}

/// Releases a claim only while it is still a claim (never a key confirmed since).
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == 'claimed' then \
                       return redis.call('DEL', KEYS[1]) else return 0 end";

fn run(config: &RedisConfig, c: &mut redis::Connection, op: &Op) -> redis::RedisResult<Claimed> {
    let key = |k: &str| format!("{}:seen:{k}", config.prefix);
    let ttl = config.dedupe_ttl.as_secs().max(1);
    match op {
        Op::Claim { key: k, lease } => {
            // `SET NX GET` (Redis 7): sets only when absent, and says what was there.
            let mut set = redis::cmd("SET");
            set.arg(key(k));
            match lease {
                None => set.arg("done").arg("NX").arg("GET").arg("EX").arg(ttl),
                Some(lease) => {
                    let ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
                    set.arg("claimed").arg("NX").arg("GET").arg("PX").arg(ms)
                }
            };
            let before: Option<String> = set.query(c)?;
            Ok(match before.as_deref() {
                None => Claimed::First,
                Some("claimed") => Claimed::Held,
                Some(_) => Claimed::Seen,
            })
        }
        Op::Confirm { key: k } => {
            let _: () = redis::cmd("SET")
                .arg(key(k))
                .arg("done")
                .arg("EX")
                .arg(ttl)
                .query(c)?;
            Ok(Claimed::Seen)
        }
        Op::Release { key: k } => {
            let _: i64 = redis::cmd("EVAL")
                .arg(RELEASE)
                .arg(1)
                .arg(key(k))
                .query(c)?;
            Ok(Claimed::First)
        }
    }
}
