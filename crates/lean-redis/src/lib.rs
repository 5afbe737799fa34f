//! # lean-redis
//!
//! Several instances of a service that calls Lean, behaving as one: Lean POSTs `results.ready`
//! to whichever instance its load balancer picks, while the call that waits for it usually runs
//! on another. This crate shares over Redis:
//!
//! - **readiness and early webhooks**: a key `{prefix}:ready:{results_id}` with a TTL, so a call
//!   that starts waiting later, or on a process that restarted, still sees it;
//! - **wake-ups**: `PUBLISH {prefix}:ready <results_id>`, so the instance holding the waiting
//!   call fetches at once instead of at its next poll;
//! - **webhook dedupe**: `SET {prefix}:seen:{event key} NX GET` (Redis 7), so a webhook
//!   delivered to two instances is processed once; under at-least-once delivery the key is a
//!   claim with a lease until the application confirms it. `SET NX GET` needs Redis 7.0 or
//!   newer.
//!
//! Redis work never runs on a caller's thread for readiness: [`RedisResults`] answers from a
//! local view at once and talks to Redis on two threads of its own (commands, subscription).
//! When Redis is unreachable, calls go on: they poll Lean as they would alone, nothing is lost,
//! and both threads reconnect by themselves (then every call still waiting asks Redis again).
//! [`RedisDedupe`] asks Redis on a thread of its own too: an async intake awaits its answer
//! without blocking a runtime worker, a blocking one waits on its own thread (one short round
//! trip). When Redis is down the intake answers 503, so Lean delivers the webhook again later
//! instead of it being processed twice or dropped (and the waiting calls poll meanwhile).
//!
//! ```no_run
//! use std::sync::Arc;
//! use lean_redis::{RedisConfig, RedisDedupe, RedisResults};
//! # fn run(config: lean_proto::Config) -> Result<(), Box<dyn std::error::Error>> {
//! let redis = RedisConfig::new("redis://127.0.0.1:6379/");
//! let results = Arc::new(RedisResults::start(redis.clone())?);
//! let dedupe = Arc::new(RedisDedupe::new(redis)?);
//! // Any lean-rs client: lean_ureq, lean_reqwest or lean_surf.
//! // let client = lean_reqwest::Client::builder(config)
//! //     .results_registry(results)
//! //     .dedupe_store(dedupe)
//! //     .build()?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod dedupe;

pub use dedupe::RedisDedupe;

use lean_proto::ResultsId;
use lean_proto::results::{InMemoryResults, Notify, Readiness, ResultsRegistry};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Where Redis is and how long facts live there.
#[derive(Clone)]
pub struct RedisConfig {
    url: String,
    /// Key and channel prefix (default `lean`): one per Lean application sharing a Redis.
    pub prefix: String,
    /// How long a readiness (or an early webhook) is kept (default 1 hour: Lean retries
    /// webhooks for about three hours, and a results_id is fetched within minutes).
    pub ready_ttl: Duration,
    /// How long a seen webhook is remembered (default 24 hours: longer than Lean's retries).
    pub dedupe_ttl: Duration,
    /// Connect and I/O timeout of every Redis command (default 1 s).
    pub timeout: Duration,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A Redis URL may carry a password: only its host part is shown.
        let host = self.url.rsplit('@').next().unwrap_or_default();
        f.debug_struct("RedisConfig")
            .field("host", &host)
            .field("prefix", &self.prefix)
            .field("ready_ttl", &self.ready_ttl)
            .field("dedupe_ttl", &self.dedupe_ttl)
            .finish()
    }
}

impl RedisConfig {
    /// Redis at `url` (`redis://[:password@]host:port/db`) with the defaults.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: "lean".into(),
            ready_ttl: Duration::from_secs(3600),
            dedupe_ttl: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(1),
        }
    }

    fn ready_key(&self, id: &ResultsId) -> String {
        format!("{}:ready:{id}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}:ready", self.prefix)
    }

    fn client(&self) -> Result<redis::Client, Error> {
        redis::Client::open(self.url.as_str()).map_err(|e| Error(e.to_string()))
    }
}

/// A Redis URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "redis: {}", self.0)
    }
}

impl std::error::Error for Error {}

/// What the shared registry did, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readiness published to the other instances.
    pub published: u64,
    /// Readiness learnt from another instance (pub/sub or a key found on asking), for a call
    /// waiting here or one about to.
    pub learnt: u64,
    /// Redis commands or connections that failed (each is retried or covered by polling).
    pub failures: u64,
    /// Times the subscription was (re)established.
    pub subscriptions: u64,
    /// Clients attached now (those dropped are forgotten).
    pub clients: usize,
}

enum Op {
    Publish(ResultsId),
    Check(ResultsId),
}

struct Shared {
    config: RedisConfig,
    local: InMemoryResults,
    notify: Mutex<Vec<Notify>>,
    published: AtomicU64,
    learnt: AtomicU64,
    failures: AtomicU64,
    subscriptions: AtomicU64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Another instance says `id` is ready: mark it here, wake the call waiting for it.
    fn learn(&self, id: &ResultsId) {
        match self.local.mark_ready(id, Instant::now()) {
            // Our own publish coming back, or news we already had.
            Readiness::Duplicate => {}
            // Nobody here waits yet: held for the call about to register.
            Readiness::Held => {
                self.learnt.fetch_add(1, Ordering::Relaxed);
            }
            Readiness::Woke => {
                self.learnt.fetch_add(1, Ordering::Relaxed);
                // Clients that went away leave their entry behind: dropped here.
                lock(&self.notify).retain(|notify| match notify.upgrade() {
                    Some(wake) => {
                        wake(id);
                        true
                    }
                    None => false,
                });
            }
        }
    }

    fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// The results registry of several instances: a local view every call step reads at once,
/// kept in step with Redis by two background threads. See the crate docs.
pub struct RedisResults {
    shared: Arc<Shared>,
    ops: Mutex<Sender<Op>>,
}

/// Most publishes kept for replay while Redis is away; older ones are covered by polling.
const MAX_BACKLOG: usize = 10_000;

impl RedisResults {
    /// Starts the command and subscription threads (they connect, and reconnect, by
    /// themselves: an unreachable Redis is not an error here, only a bad URL is).
    pub fn start(config: RedisConfig) -> Result<Self, Error> {
        let client = config.client()?;
        let shared = Arc::new(Shared {
            config,
            local: InMemoryResults::default(),
            notify: Mutex::new(Vec::new()),
            published: AtomicU64::new(0),
            learnt: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            subscriptions: AtomicU64::new(0),
        });
        let (tx, rx) = channel();
        let weak = Arc::downgrade(&shared);
        let commands = client.clone();
        std::thread::Builder::new()
            .name("lean-redis-commands".into())
            .spawn(move || command_loop(weak, commands, rx))
            .map_err(|e| Error(e.to_string()))?;
        let weak = Arc::downgrade(&shared);
        let resync = tx.clone();
        std::thread::Builder::new()
            .name("lean-redis-subscriber".into())
            .spawn(move || subscribe_loop(weak, client, resync))
            .map_err(|e| Error(e.to_string()))?;
        Ok(RedisResults {
            shared,
            ops: Mutex::new(tx),
        })
    }

    /// Counters since start.
    pub fn stats(&self) -> Stats {
        let s = &self.shared;
        Stats {
            published: s.published.load(Ordering::Relaxed),
            learnt: s.learnt.load(Ordering::Relaxed),
            failures: s.failures.load(Ordering::Relaxed),
            subscriptions: s.subscriptions.load(Ordering::Relaxed),
            clients: {
                let mut all = lock(&s.notify);
                all.retain(|n| n.strong_count() > 0);
                all.len()
            },
        }
    }

    /// Calls of this instance waiting now.
    pub fn waiting(&self) -> usize {
        self.shared.local.waiting()
    }

    fn send(&self, op: Op) {
        // The command thread lives as long as `self`; a send can only fail while dropping.
        let _ = lock(&self.ops).send(op);
    }
}

impl ResultsRegistry for RedisResults {
    /// A `PING` within the configured timeout: a Redis that cannot be reached is said when a
    /// client is built (the registry still starts, and reconnects by itself).
    fn problem(&self) -> Option<String> {
        let config = &self.shared.config;
        let ping = config
            .client()
            .map_err(|e| e.to_string())
            .and_then(|client| {
                let mut con = connect(&client, config.timeout).map_err(|e| e.to_string())?;
                redis::cmd("PING")
                    .query::<String>(&mut con)
                    .map_err(|e| e.to_string())
            });
        ping.err().map(|e| {
            format!(
                "Redis cannot be reached ({e}): readiness from other instances is not heard \
                 until it can; calls fall back to polling"
            )
        })
    }

    fn register(&self, results_id: &ResultsId, now: Instant) -> bool {
        let ready = self.shared.local.register(results_id, now);
        if !ready {
            // It may have become ready while nobody here listened (before this process
            // started, or while the subscription was down): ask the key.
            self.send(Op::Check(results_id.clone()));
        }
        ready
    }

    fn is_ready(&self, results_id: &ResultsId) -> bool {
        self.shared.local.is_ready(results_id)
    }

    fn unregister(&self, results_id: &ResultsId) {
        self.shared.local.unregister(results_id)
    }

    fn mark_ready(&self, results_id: &ResultsId, now: Instant) -> Readiness {
        let readiness = self.shared.local.mark_ready(results_id, now);
        if readiness != Readiness::Duplicate {
            self.send(Op::Publish(results_id.clone()));
        }
        readiness
    }

    fn attach(&self, notify: Notify) {
        let mut all = lock(&self.shared.notify);
        all.retain(|n| n.strong_count() > 0);
        all.push(notify);
    }
}

/// Waits before reconnecting: 50 ms doubling to 2 s, so a Redis restart is noticed quickly
/// and a Redis that stays down costs one attempt every two seconds.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(50u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(2))
}

pub(crate) fn connect(
    client: &redis::Client,
    timeout: Duration,
) -> redis::RedisResult<redis::Connection> {
    let con = client.get_connection_with_timeout(timeout)?;
    con.set_read_timeout(Some(timeout))?;
    con.set_write_timeout(Some(timeout))?;
    Ok(con)
}

fn command_loop(shared: Weak<Shared>, client: redis::Client, ops: Receiver<Op>) {
    let mut con: Option<redis::Connection> = None;
    let mut backlog: std::collections::VecDeque<ResultsId> = std::collections::VecDeque::new();
    let mut attempt = 0;
    loop {
        let op = match ops.recv_timeout(Duration::from_millis(200)) {
            Ok(op) => Some(op),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return, // the registry was dropped
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let Some(Op::Publish(id)) = &op {
            backlog.push_back(id.clone());
            if backlog.len() > MAX_BACKLOG {
                backlog.pop_front();
            }
        }
        if con.is_none() {
            match connect(&client, shared.config.timeout) {
                Ok(c) => {
                    con = Some(c);
                    attempt = 0;
                }
                Err(_) => {
                    shared.failed();
                    std::thread::sleep(backoff(attempt));
                    attempt += 1;
                    continue; // a Check is dropped here: the call polls Lean meanwhile
                }
            }
        }
        let Some(c) = con.as_mut() else { continue };
        let outcome = (|| -> redis::RedisResult<()> {
            while let Some(id) = backlog.front() {
                let ttl = shared.config.ready_ttl.as_secs().max(1);
                redis::pipe()
                    .cmd("SET")
                    .arg(shared.config.ready_key(id))
                    .arg(1)
                    .arg("EX")
                    .arg(ttl)
                    .ignore()
                    .cmd("PUBLISH")
                    .arg(shared.config.channel())
                    .arg(id.as_str())
                    .ignore()
                    .query::<()>(c)?;
                shared.published.fetch_add(1, Ordering::Relaxed);
                backlog.pop_front();
            }
            if let Some(Op::Check(id)) = &op {
                let exists: bool = redis::cmd("EXISTS")
                    .arg(shared.config.ready_key(id))
                    .query(c)?;
                if exists {
                    shared.learn(id);
                }
            }
            Ok(())
        })();
        if outcome.is_err() {
            shared.failed();
            con = None; // reconnect on the next op; the backlog is kept
        }
    }
}

fn subscribe_loop(shared: Weak<Shared>, client: redis::Client, resync: Sender<Op>) {
    let mut attempt = 0;
    loop {
        let (channel, timeout) = match shared.upgrade() {
            Some(s) => (s.config.channel(), s.config.timeout),
            None => return,
        };
        let mut con = match connect(&client, timeout) {
            Ok(c) => c,
            Err(_) => {
                if let Some(s) = shared.upgrade() {
                    s.failed();
                }
                std::thread::sleep(backoff(attempt));
                attempt += 1;
                continue;
            }
        };
        // SUBSCRIBE by hand: redis-rs's `PubSub::subscribe` returns Ok on a refusal (the error
        // reply is read as the command's answer), and the instance would listen to nothing.
        let refused = con
            .send_packed_command(&redis::cmd("SUBSCRIBE").arg(&channel).get_packed_command())
            .and_then(|()| con.recv_response())
            .and_then(|answer| answer.extract_error())
            .is_err();
        let mut pubsub = con.as_pubsub();
        if refused || pubsub.set_read_timeout(Some(timeout)).is_err() {
            // Connected, but no subscription (an ACL that denies it, a proxy without
            // pub/sub): counted, and retried with the same back-off as a failed connect.
            if let Some(s) = shared.upgrade() {
                s.failed();
            }
            std::thread::sleep(backoff(attempt));
            attempt += 1;
            continue;
        }
        let subscribed = Instant::now();
        match shared.upgrade() {
            Some(s) => {
                s.subscriptions.fetch_add(1, Ordering::Relaxed);
                // Whatever was published while nobody listened is in the keys: ask again for
                // every call still waiting here.
                for id in s.local.waiting_ids() {
                    let _ = resync.send(Op::Check(id));
                }
            }
            None => return,
        }
        loop {
            match pubsub.get_message() {
                Ok(msg) => {
                    let Some(s) = shared.upgrade() else { return };
                    let Ok(text) = msg.get_payload::<String>() else {
                        continue;
                    };
                    // Anything on the channel that is not a results_id is ignored.
                    if let Ok(id) = ResultsId::parse(&text) {
                        s.learn(&id);
                    }
                }
                Err(e) if e.is_timeout() => {
                    if shared.upgrade().is_none() {
                        return;
                    }
                }
                Err(_) => {
                    if let Some(s) = shared.upgrade() {
                        s.failed();
                    }
                    // A subscription that keeps failing at once is backed off like a failed
                    // connect; one that lived a while reconnects at once.
                    if subscribed.elapsed() < Duration::from_secs(5) {
                        std::thread::sleep(backoff(attempt));
                        attempt += 1;
                    } else {
                        attempt = 0;
                    }
                    break; // reconnect
                }
            }
        }
    }
}
