//! One simulated world per seed: a schedule drawn from the seed (instances sharing a registry,
//! calls and when they start or are dropped, what Lean does: bank latency, faults, webhooks
//! early, late, duplicated or lost, token expiry and revocation), run with the real driver in
//! virtual time, then checked against the invariants.
//!
//! This module owns the schedule, the run and the invariants; nothing here decides anything the
//! driver or the core decides. A violation names its seed, and the same seed replays it.

use crate::executor::{Handle, RunEnd, Sim};
use crate::lean::{FakeLean, Fault, Hook};
use crate::net::SimNet;
use crate::registry::SharedResults;
use lean_client::CallOptions;
use lean_client::Client;
use lean_client::observe::{CallInfo, CallWatch, Observer};
use lean_client::runtime::Runtime;
use lean_proto::call::{AnswerClass, CallConfig, Event, Finish, Purpose};
use lean_proto::rng::Rng;
use lean_proto::webhook::{Dedupe, WebhookSecret};
use lean_proto::*;
use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What one call of the schedule asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// `GET /data/v2/accounts`, asynchronously or not, one page of this size.
    Accounts {
        /// `async=true`.
        asynchronous: bool,
        /// Page size.
        size: u32,
    },
    /// `POST /customers/v1`: never sent again once Lean may have seen it.
    CreateCustomer,
}

/// One call of the schedule.
#[derive(Debug, Clone)]
pub struct CallPlan {
    /// What it asks.
    pub ask: Ask,
    /// The instance that makes it.
    pub instance: usize,
    /// When it starts, after the world starts.
    pub start: Duration,
    /// Its deadline.
    pub deadline: Duration,
    /// Dropped this long after it starts, if it has not ended.
    pub drop_after: Option<Duration>,
}

/// Everything a seed decides.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The seed.
    pub seed: u64,
    /// Client instances, sharing one results registry and one dedupe store.
    pub instances: usize,
    /// The calls.
    pub calls: Vec<CallPlan>,
    /// Bank latency of each successive data request.
    pub bank_latency: Vec<Duration>,
    /// Fault of each successive data-API request.
    pub faults: Vec<Fault>,
    /// Fate of each successive job's `results.ready`.
    pub hooks: Vec<Hook>,
    /// Fault of each successive `POST /customers/v1`.
    pub customer_faults: Vec<Fault>,
    /// Token lifetime, in seconds.
    pub token_lifetime: u64,
    /// Lean refuses a data request while another runs at the bank (`DUPLICATED_REQUEST`).
    pub refuse_duplicates: bool,
    /// Items in the accounts collection.
    pub total_items: u32,
}

fn pick<T: Clone>(rng: &mut Rng, from: &[T]) -> T {
    from[rng.below_or_eq(from.len() as u64 - 1) as usize].clone()
}

fn secs(rng: &mut Rng, lo: u64, hi: u64) -> Duration {
    Duration::from_millis(lo * 1000 + rng.below_or_eq((hi - lo) * 1000))
}

fn fault(rng: &mut Rng) -> Fault {
    if rng.below_or_eq(99) < 65 {
        return Fault::None;
    }
    pick(
        rng,
        &[
            Fault::ServerError(500),
            Fault::ServerError(503),
            Fault::RateLimited(2),
            Fault::Reset,
            Fault::Blackhole,
            Fault::Truncated,
            Fault::FailedWith("BANK_ERROR"),
            Fault::FailedWith("LEAN_ERROR"),
            Fault::FailedWith("WRONG_CREDENTIALS"),
            Fault::Unauthorized,
            Fault::Refused,
        ],
    )
}

impl Schedule {
    /// The schedule of `seed`.
    pub fn of(seed: u64) -> Schedule {
        let mut rng = Rng::new(seed);
        let instances = 1 + rng.below_or_eq(2) as usize;
        let n_calls = 1 + rng.below_or_eq(5) as usize;
        let calls = (0..n_calls)
            .map(|_| CallPlan {
                ask: if rng.below_or_eq(4) == 0 {
                    Ask::CreateCustomer
                } else {
                    Ask::Accounts {
                        asynchronous: rng.below_or_eq(1) == 0,
                        size: 1 + rng.below_or_eq(2) as u32,
                    }
                },
                instance: rng.below_or_eq(instances as u64 - 1) as usize,
                start: secs(&mut rng, 0, 30),
                deadline: pick(
                    &mut rng,
                    &[
                        Duration::from_secs(30),
                        Duration::from_secs(90),
                        Duration::from_secs(300),
                        Duration::from_secs(900),
                    ],
                ),
                drop_after: (rng.below_or_eq(6) == 0).then(|| secs(&mut rng, 0, 120)),
            })
            .collect();
        let bank_latency = (0..8)
            .map(|_| match rng.below_or_eq(3) {
                0 => Duration::from_millis(100 + rng.below_or_eq(2_000)),
                1 => secs(&mut rng, 2, 45),
                _ => secs(&mut rng, 45, 200),
            })
            .collect();
        let faults = (0..24).map(|_| fault(&mut rng)).collect();
        let customer_faults = (0..6).map(|_| fault(&mut rng)).collect();
        let hooks = (0..12)
            .map(|_| match rng.below_or_eq(5) {
                0 => Hook::Late(secs(&mut rng, 1, 400)),
                1 => Hook::Duplicated,
                2 => Hook::Lost,
                3 => Hook::Early,
                _ => Hook::OnTime,
            })
            .collect();
        Schedule {
            seed,
            instances,
            calls,
            bank_latency,
            faults,
            hooks,
            customer_faults,
            token_lifetime: pick(&mut rng, &[30, 120, 3599]),
            refuse_duplicates: rng.below_or_eq(1) == 0,
            total_items: 1 + rng.below_or_eq(6) as u32,
        }
    }
}

/// How one call ended, as its caller saw it.
#[derive(Debug)]
pub enum Ended {
    /// Accounts: the `description` of each item (the job it came from) and the `results_id`.
    Accounts(Vec<String>, Option<ResultsId>),
    /// A customer.
    Customer(CustomerId),
    /// A typed error.
    Error(Box<lean_client::Error>),
    /// Dropped by its caller before it ended.
    Dropped,
}

/// What the recorder saw of one call.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// `lean-correlation-id`s of the requests it sent.
    sent: Vec<String>,
    /// The `results_id` of a PENDING answer not superseded by a newer data request.
    pending: Option<ResultsId>,
    /// When it ended (by its events), and how.
    finished: Option<(Instant, Finish)>,
    requests: u32,
}

/// An observer that records, per (instance, call number), what the call did.
#[derive(Clone)]
struct Recorder {
    instance: usize,
    epoch: Instant,
    calls: Arc<Mutex<BTreeMap<(usize, u64), Seen>>>,
    log: Arc<Mutex<Vec<String>>>,
}

struct Watch {
    key: (usize, u64),
    epoch: Instant,
    calls: Arc<Mutex<BTreeMap<(usize, u64), Seen>>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Observer for Recorder {
    fn start(&self, call: &CallInfo) -> Option<Box<dyn CallWatch>> {
        let key = (self.instance, call.number);
        lock(&self.calls).entry(key).or_default();
        Some(Box::new(Watch {
            key,
            epoch: self.epoch,
            calls: self.calls.clone(),
            log: self.log.clone(),
        }))
    }
}

impl CallWatch for Watch {
    fn on_event(&mut self, _call: &CallInfo, event: &Event, at: Instant) {
        let mut calls = lock(&self.calls);
        let seen = calls.entry(self.key).or_default();
        match event {
            Event::RequestSent {
                purpose,
                correlation_id,
                ..
            } => {
                seen.requests += 1;
                if let Some(c) = correlation_id {
                    seen.sent.push(c.clone());
                }
                if matches!(purpose, Purpose::Data { .. }) {
                    seen.pending = None;
                }
            }
            Event::Pending { results_id } => seen.pending = Some(results_id.clone()),
            // FAILED results are final: nothing more will come through that id.
            Event::AnswerReceived {
                purpose: Purpose::Results { .. },
                class: AnswerClass::Failed,
                ..
            } => seen.pending = None,
            Event::Finished { outcome, .. } => seen.finished = Some((at, *outcome)),
            _ => {}
        }
        drop(calls);
        let line = format!("+{:?} {:?} {}", at - self.epoch, self.key, short(event, at));
        lock(&self.log).push(line);
    }
}

/// An event in a few words, for the replay log; instants as waits from `now` (a replay has
/// another origin).
fn short(e: &Event, now: Instant) -> String {
    let after = |t: &Instant| t.saturating_duration_since(now);
    match e {
        Event::RequestSent {
            purpose,
            attempt,
            reason,
            ..
        } => format!("sent {} #{attempt} {}", purpose.as_str(), reason.as_str()),
        Event::AnswerReceived {
            status,
            class,
            lean_code,
            ..
        } => format!(
            "answer {status} {} {}",
            class.as_str(),
            lean_code.as_deref().unwrap_or("")
        ),
        Event::Finished { outcome, .. } => format!("finished {}", outcome.as_str()),
        Event::RetryScheduled {
            cause, retry, at, ..
        } => {
            format!("retry #{retry} ({}) in {:?}", cause.as_str(), after(at))
        }
        Event::PollScheduled { results_id, at } => {
            format!("poll {results_id} in {:?}", after(at))
        }
        Event::DuplicateWait { refused, until } => {
            format!("DUPLICATED_REQUEST #{refused}: wait {:?}", after(until))
        }
        Event::TokenWait { until } => format!("token wait, at most {:?}", after(until)),
        Event::TransportFailed { purpose, error, .. } => {
            format!("no answer ({}): {error:?}", purpose.as_str())
        }
        other => format!("{other:?}"),
    }
}

/// What a run did, for reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Calls that ended with data.
    pub data: usize,
    /// Calls that ended with a typed error.
    pub errors: usize,
    /// Calls dropped by their caller.
    pub dropped: usize,
    /// Requests that reached the in-memory Lean, tokens included.
    pub requests: u32,
    /// Virtual time the world ran.
    pub virtual_time: Duration,
    /// Every event, in order (the replay log).
    pub log: Vec<String>,
}

/// An invariant that did not hold.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The seed.
    pub seed: u64,
    /// Which invariant.
    pub invariant: &'static str,
    /// What happened.
    pub detail: String,
    /// The events up to then.
    pub log: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "seed {}: {}: {}", self.seed, self.invariant, self.detail)?;
        writeln!(
            f,
            "replay: LEAN_SIM_SEED={} cargo test -p lean-sim --test simulation replay -- --ignored --nocapture",
            self.seed
        )?;
        for line in self.log.iter().rev().take(40).rev() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Runs `schedule` with the real driver in virtual time and checks every invariant.
pub fn run(schedule: &Schedule) -> Result<Report, Violation> {
    // Real time is read once, for the origin; everything after is virtual.
    let epoch = Instant::now();
    let sim = Sim::new(epoch);
    let secret = WebhookSecret::new("whsec_test");
    let lean = {
        let mut l = FakeLean::new(epoch);
        l.bank_latency = schedule.bank_latency.iter().copied().collect();
        l.faults = schedule.faults.iter().cloned().collect();
        l.hooks = schedule.hooks.iter().copied().collect();
        l.customer_faults = schedule.customer_faults.iter().cloned().collect();
        l.token_lifetime = schedule.token_lifetime;
        l.refuse_duplicates = schedule.refuse_duplicates;
        l.total_items = schedule.total_items;
        l.secret = secret.clone();
        Arc::new(Mutex::new(l))
    };
    let registry = Arc::new(SharedResults::default());
    let dedupe = Arc::new(Mutex::new(Dedupe::new(1024)));
    let recorder = Recorder {
        instance: 0,
        epoch,
        calls: Arc::default(),
        log: Arc::default(),
    };
    let clients: Vec<Client<SimNet>> = (0..schedule.instances)
        .map(|i| {
            let watch = Recorder {
                instance: i,
                ..recorder.clone()
            };
            Client::builder(crate::harness::config())
                .webhook_secret(secret.clone())
                .results_registry(registry.clone())
                .dedupe_store(dedupe.clone())
                .deterministic(schedule.seed ^ (i as u64) << 32)
                .observer(Arc::new(watch))
                .call_config(CallConfig::default())
                .build_with(SimNet::new(lean.clone(), sim.runtime()))
        })
        .collect();

    let numbers: Vec<Arc<AtomicU64>> = (0..schedule.instances).map(|_| Arc::default()).collect();
    let handles: Vec<Handle<(Ended, Instant, u64)>> = schedule
        .calls
        .iter()
        .enumerate()
        .map(|(n, plan)| {
            let (client, number) = (&clients[plan.instance], &numbers[plan.instance]);
            spawn_call(&sim, client, number.clone(), plan, n)
        })
        .collect();

    // Lean's webhooks go to one instance each (a load balancer), drawn from the seed.
    let mut route = Rng::new(schedule.seed ^ 0x05EB_00C5);
    let limit = epoch
        + schedule
            .calls
            .iter()
            .map(|c| c.start + c.deadline)
            .max()
            .unwrap_or_default()
        + Duration::from_secs(60);
    let end = sim.run(limit, 200_000, |now| {
        let due = lock(&lean).due_webhooks(now);
        for (body, signature) in due {
            let to = route.below_or_eq(clients.len() as u64 - 1) as usize;
            let _ = clients[to].handle_webhook(Some(&signature), &body).send();
        }
        lock(&lean).next_webhook_at()
    });
    let log = lock(&recorder.log).clone();
    let fail = |invariant: &'static str, detail: String| Violation {
        seed: schedule.seed,
        invariant,
        detail,
        log: log.clone(),
    };
    if end != RunEnd::Finished {
        return Err(fail(
            "every call ends by itself",
            format!("the run ended {end:?} at +{:?}", sim.now() - epoch),
        ));
    }
    let lean = lock(&lean);
    let seen = lock(&recorder.calls).clone();
    let mut report = Report {
        requests: lean.requests + lean.token_requests,
        virtual_time: sim.now() - epoch,
        log: log.clone(),
        ..Report::default()
    };
    for (n, (plan, handle)) in schedule.calls.iter().zip(&handles).enumerate() {
        let Some((ended, at, number)) = handle.take() else {
            return Err(fail("exactly one outcome", format!("call {n} has none")));
        };
        let started = epoch + plan.start;
        let record = seen.get(&(plan.instance, number));
        if !matches!(ended, Ended::Dropped)
            && record.and_then(|r| r.finished).map(|f| f.0) != Some(at)
        {
            return Err(fail(
                "the end of every call is said, when it ends",
                format!("call {n}: {:?}", record.map(|r| r.finished)),
            ));
        }
        match &ended {
            Ended::Dropped => report.dropped += 1,
            Ended::Accounts(items, _) => {
                report.data += 1;
                let Some(record) = record else {
                    return Err(fail("every call is observed", format!("call {n}")));
                };
                for job_id in items {
                    let owner = lean
                        .jobs
                        .iter()
                        .find(|j| j.results_id.as_str() == job_id)
                        .and_then(|j| j.correlation_id.clone());
                    if !owner.as_ref().is_some_and(|o| record.sent.contains(o)) {
                        return Err(fail(
                            "an answer goes only to its own request",
                            format!(
                                "call {n} got the data of job {job_id}, started by {owner:?}, not by one of its requests {:?}",
                                record.sent
                            ),
                        ));
                    }
                }
            }
            Ended::Customer(_) => report.data += 1,
            Ended::Error(e) => {
                report.errors += 1;
                if let (Some(record), lean_client::Error::Call(call)) = (record, e.as_ref())
                    && let Some(pending) = &record.pending
                    && call.results_id.as_ref() != Some(pending)
                {
                    return Err(fail(
                        "no results_id is lost",
                        format!(
                            "call {n} ended {} after PENDING {pending}, its error holds {:?}",
                            call.kind.name(),
                            call.results_id
                        ),
                    ));
                }
            }
        }
        if !matches!(ended, Ended::Dropped) && at > started + plan.deadline {
            return Err(fail(
                "no deadline is overrun",
                format!(
                    "call {n} ended {:?} after its start, deadline {:?}",
                    at - started,
                    plan.deadline
                ),
            ));
        }
        if plan.ask == Ask::CreateCustomer {
            let sent = lean.customers_created.get(&app_user_id(n));
            if sent.is_some_and(|times| *times > 1) {
                return Err(fail(
                    "a request that must not be repeated is sent once",
                    format!("create customer of call {n} reached Lean {sent:?} times"),
                ));
            }
        }
    }
    if registry.waiting() != 0 {
        return Err(fail(
            "nothing is left behind",
            format!(
                "{} results_id(s) still registered after every call ended",
                registry.waiting()
            ),
        ));
    }
    for (i, c) in clients.iter().enumerate() {
        if c.parked_calls() != 0 {
            return Err(fail(
                "nothing is left behind",
                format!("instance {i} has {} parked call(s)", c.parked_calls()),
            ));
        }
    }
    Ok(report)
}

fn app_user_id(n: usize) -> String {
    format!("user-{n}")
}

/// Starts call `n` of the plan at its time; it ends with what its caller saw, and when.
/// `numbers` counts the calls the instance made: a call's number in its client is the count
/// when it is made (the simulation runs one task at a time).
fn spawn_call(
    sim: &Sim,
    client: &Client<SimNet>,
    numbers: Arc<AtomicU64>,
    plan: &CallPlan,
    n: usize,
) -> Handle<(Ended, Instant, u64)> {
    let rt = sim.runtime();
    let client = client.clone();
    let plan = plan.clone();
    let start = rt.now() + plan.start;
    sim.spawn(async move {
        rt.timer(start).await;
        let number = numbers.fetch_add(1, Ordering::Relaxed);
        let options = CallOptions::new().deadline(plan.deadline);
        let call: std::pin::Pin<Box<dyn std::future::Future<Output = Ended> + Send>> =
            match plan.ask {
                Ask::Accounts { asynchronous, size } => {
                    let mut e = GetAccounts::new(
                        EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").expect("an id"),
                    );
                    e.options.asynchronous = asynchronous;
                    e.options.size = Some(size);
                    let f = client.call(e).options(options).into_future();
                    Box::pin(async move {
                        match f.await {
                            Ok(d) => Ended::Accounts(
                                d.payload
                                    .items
                                    .iter()
                                    .map(|a| a.description.clone().unwrap_or_default())
                                    .collect(),
                                d.results_id,
                            ),
                            Err(e) => Ended::Error(Box::new(e)),
                        }
                    })
                }
                Ask::CreateCustomer => {
                    let e = CreateCustomer::new(app_user_id(n)).expect("a valid id");
                    let f = client.call(e).options(options).into_future();
                    Box::pin(async move {
                        match f.await {
                            Ok(d) => Ended::Customer(d.payload.customer_id),
                            Err(e) => Ended::Error(Box::new(e)),
                        }
                    })
                }
            };
        let ended = match plan.drop_after {
            None => call.await,
            Some(after) => {
                let mut timer = rt.timer(rt.now() + after);
                let mut call = call;
                std::future::poll_fn(|cx| {
                    if let std::task::Poll::Ready(e) = call.as_mut().poll(cx) {
                        return std::task::Poll::Ready(e);
                    }
                    std::pin::Pin::new(&mut timer)
                        .poll(cx)
                        .map(|()| Ended::Dropped)
                })
                .await
            }
        };
        (ended, rt.now(), number)
    })
}
