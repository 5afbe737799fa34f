//! Waking: how long from a `results.ready` webhook to the waiting call's return, with 0,
//! 1,000 and 10,000 other calls parked on the same client, against the floor (one plain GET of
//! ready results through the same client); what one webhook costs the intake as the parked
//! count grows; and the memory of a parked call.
//!
//! `cargo bench -p lean-bench --bench waking` (add `-- --quick` for fewer samples).

use lean_bench::{ms, patient_calls, quantile, rss_bytes, signed, wait_until};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use std::alloc::System;

/// Counts live heap bytes, so a parked call's memory is measured, not guessed.
#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;
use lean_client::transport::{AsyncTransport, BlockingTransport};
use lean_conformance::Executor;
use lean_conformance::executors::{AsyncStd, Tokio};
use lean_proto::call::CallConfig;
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

/// What the benchmark needs from a client flavour.
trait Driver: Clone + Send + Sync + 'static {
    fn build(config: Config, calls: CallConfig) -> Self;
    /// Resumes `id` in the background (a task or a thread); reports the instant it returned.
    fn spawn_resume(&self, id: ResultsId, done: Sender<(Instant, bool)>);
    fn resume_now(&self, id: ResultsId) -> bool;
    fn submit(&self, endpoint: GetAccounts) -> ResultsId;
    fn handle_webhook(&self, signature: &str, body: &[u8]) -> Ack;
    fn parked(&self) -> usize;
}

struct Blocking<T>(lean_client::Client<T>);

impl<T> Clone for Blocking<T> {
    fn clone(&self) -> Self {
        Blocking(self.0.clone())
    }
}

impl<T: BlockingTransport> Driver for Blocking<T> {
    fn build(config: Config, calls: CallConfig) -> Self {
        let b = lean_client::Client::builder(config).call_config(calls);
        Blocking(
            b.webhook_secret(WebhookSecret::new(SECRET))
                .build()
                .expect("client"),
        )
    }
    fn spawn_resume(&self, id: ResultsId, done: Sender<(Instant, bool)>) {
        let c = self.0.clone();
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let ok = c.resume::<Page<Account>>(id).one_page().send().is_ok();
                let _ = done.send((Instant::now(), ok));
            })
            .expect("thread");
    }
    fn resume_now(&self, id: ResultsId) -> bool {
        self.0.resume::<Page<Account>>(id).one_page().send().is_ok()
    }
    fn submit(&self, endpoint: GetAccounts) -> ResultsId {
        match self.0.call(endpoint).submit().send().expect("submit") {
            lean_client::Submitted::Pending(handle) => handle.results_id,
            _ => panic!("async=true answers PENDING"),
        }
    }
    fn handle_webhook(&self, signature: &str, body: &[u8]) -> Ack {
        self.0.handle_webhook(Some(signature), body).send()
    }
    fn parked(&self) -> usize {
        self.0.parked_calls()
    }
}

struct Async<T, X>(lean_client::Client<T>, std::marker::PhantomData<fn() -> X>);

impl<T, X> Clone for Async<T, X> {
    fn clone(&self) -> Self {
        Async(self.0.clone(), std::marker::PhantomData)
    }
}

impl<T: AsyncTransport, X: Executor> Driver for Async<T, X> {
    fn build(config: Config, calls: CallConfig) -> Self {
        let b = lean_client::Client::builder(config).call_config(calls);
        let c = b
            .webhook_secret(WebhookSecret::new(SECRET))
            .build()
            .expect("client");
        Async(c, std::marker::PhantomData)
    }
    fn spawn_resume(&self, id: ResultsId, done: Sender<(Instant, bool)>) {
        let call = self.0.resume::<Page<Account>>(id).one_page().into_future();
        // Detached: the join handle is dropped, the task runs on.
        drop(X::spawn(async move {
            let ok = call.await.is_ok();
            let _ = done.send((Instant::now(), ok));
        }));
    }
    fn resume_now(&self, id: ResultsId) -> bool {
        X::block_on(self.0.resume::<Page<Account>>(id).one_page().into_future()).is_ok()
    }
    fn submit(&self, endpoint: GetAccounts) -> ResultsId {
        match X::block_on(self.0.call(endpoint).submit().into_future()).expect("submit") {
            lean_client::Submitted::Pending(handle) => handle.results_id,
            _ => panic!("async=true answers PENDING"),
        }
    }
    fn handle_webhook(&self, signature: &str, body: &[u8]) -> Ack {
        self.0.handle_webhook(Some(signature), body).send()
    }
    fn parked(&self) -> usize {
        self.0.parked_calls()
    }
}

const SECRET: &str = "sandbox-webhook-secret";
/// Real seconds per Lean second: a 100 s bank takes 100 ms.
const SCALE: f64 = 0.001;

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(1)),
        time_scale: SCALE,
        ..SandboxConfig::default()
    })
    .expect("sandbox")
}

fn config(sandbox: &Sandbox) -> Config {
    sandbox.client_config()
}

/// Parks `n` calls on results that never become ready, in batches (a thousand connections
/// opened at once would measure the loopback backlog, not the client).
fn park<D: Driver>(
    client: &D,
    from: usize,
    n: usize,
    sink: &Sender<(Instant, bool)>,
    batch: usize,
) {
    let already = client.parked();
    for start in (from..from + n).step_by(batch) {
        let end = (start + batch).min(from + n);
        for i in start..end {
            let id = ResultsId::parse(&format!("00000000-0000-4000-8000-{i:012}")).unwrap();
            client.spawn_resume(id, sink.clone());
        }
        wait_until("parking", Duration::from_secs(60), || {
            client.parked() >= already + end - from
        });
    }
}

struct Row {
    name: String,
    parked: usize,
    get: (Duration, Duration),
    hook: (Duration, Duration),
    intake: Duration,
    heap_per_parked: Option<i64>,
    rss_per_parked: Option<i64>,
}

fn run<D: Driver>(name: &str, parked: usize, samples: usize) -> Row {
    let sandbox = sandbox();
    let client = D::build(config(&sandbox), patient_calls());
    let entity = sandbox.entities()[0].clone();
    let mut pending = GetAccounts::new(entity.clone());
    pending.options.asynchronous = true;

    // The floor: one GET of ready results through the same client.
    let ready = client.submit(pending.clone());
    std::thread::sleep(Duration::from_millis(20)); // the 1 s bank, scaled
    wait_until("ready results", Duration::from_secs(5), || {
        client.resume_now(ready.clone())
    });
    for _ in 0..5 {
        assert!(client.resume_now(ready.clone())); // warm-up, as for the webhook samples
    }
    let mut get: Vec<Duration> = (0..samples.max(50))
        .map(|_| {
            let t0 = Instant::now();
            assert!(client.resume_now(ready.clone()));
            t0.elapsed()
        })
        .collect();

    let (sink, _parked_done) = channel();
    // The memory of a parked call is measured at the margin, once connections are pooled and
    // the emulator's request log has stopped growing: three probes of parked/10 calls each,
    // parked gently (100 at a time), after parking the rest; the median probe is reported.
    let probe = parked / 10;
    park(&client, 0, parked - 3 * probe, &sink, 500);
    let (heap_per_parked, rss_per_parked) = if parked > 0 {
        let mut heap = Vec::new();
        let mut rss = Vec::new();
        for round in 0..3 {
            let rss0 = rss_bytes();
            let region = stats_alloc::Region::new(HEAP);
            park(&client, parked - (3 - round) * probe, probe, &sink, 100);
            let live = region.change();
            // Signed: frees of older memory can outweigh a probe (it then reads as noise).
            heap.push((live.bytes_allocated as i64 - live.bytes_deallocated as i64) / probe as i64);
            rss.push((rss_bytes() as i64 - rss0 as i64) / probe as i64);
        }
        heap.sort_unstable();
        rss.sort_unstable();
        (Some(heap[1]), Some(rss[1]))
    } else {
        (None, None)
    };
    let parked = client.parked();

    // What one webhook costs the intake with `parked` calls waiting (nobody waits for it).
    let rounds = 2000;
    let t0 = Instant::now();
    for i in 0..rounds {
        let stranger = ResultsId::parse(&format!("11111111-0000-4000-8000-{i:012}")).unwrap();
        let (sig, body) = signed(&WebhookSecret::new(SECRET), &stranger, 1_000_000 + i);
        assert_eq!(client.handle_webhook(&sig, &body).status(), 200);
    }
    let intake = t0.elapsed() / rounds as u32;

    // Webhook → the waiting call returns.
    let mut hook = Vec::with_capacity(samples);
    let (done, finished) = channel::<(Instant, bool)>();
    let warm_up = 5; // first connections, first task wake-ups: not what is measured
    for s in 0..samples + warm_up {
        sandbox.add_fault(FaultRule::next(
            "accounts",
            FaultKind::SlowBank { seconds: 100 },
            1,
        ));
        let id = client.submit(pending.clone());
        client.spawn_resume(id.clone(), done.clone());
        wait_until("the measured call to park", Duration::from_secs(10), || {
            client.parked() == parked + 1
        });
        // The webhook goes out once the bank has answered, as Lean's does: at the instant the
        // emulator serves the results from (a fixed guess failed on a loaded machine).
        let ready_at = sandbox
            .results_ready_at(&id)
            .expect("a PENDING request's results");
        std::thread::sleep(ready_at.saturating_duration_since(Instant::now()));
        let (sig, body) = signed(&WebhookSecret::new(SECRET), &id, s as u64);
        let t0 = Instant::now();
        assert_eq!(client.handle_webhook(&sig, &body).status(), 200);
        let (at, ok) = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("the call returned");
        assert!(ok, "the woken call got its data");
        if s >= warm_up {
            hook.push(at - t0);
        }
    }
    Row {
        name: name.into(),
        parked,
        get: (quantile(&mut get, 0.5), quantile(&mut get, 0.99)),
        hook: (quantile(&mut hook, 0.5), quantile(&mut hook, 0.99)),
        intake,
        heap_per_parked,
        rss_per_parked,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples = if quick { 20 } else { 200 };
    let mut rows = Vec::new();
    for parked in [0, 1_000] {
        rows.push(run::<Blocking<lean_ureq::Ureq>>(
            "ureq (threads)",
            parked,
            samples,
        ));
    }
    for parked in [0, 1_000, 10_000] {
        rows.push(run::<Async<lean_reqwest::Reqwest, Tokio>>(
            "reqwest (tokio)",
            parked,
            samples,
        ));
    }
    for parked in [0, 1_000, 10_000] {
        rows.push(run::<Async<lean_surf::Surf, AsyncStd>>(
            "surf (async-std)",
            parked,
            samples,
        ));
    }
    println!(
        "\nwebhook → waiting call returns, against one plain GET of ready results ({samples} samples each)\n"
    );
    println!(
        "| adapter | parked | GET p50 / p99 ms | webhook→return p50 / p99 ms | p99 above GET ms | intake µs/webhook | intake vs 0 parked | heap / RSS per parked call |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let base = rows
            .iter()
            .find(|b| b.name == r.name && b.parked == 0)
            .map_or(r.intake, |b| b.intake);
        println!(
            "| {} | {} | {} / {} | {} / {} | {} | {:.1} | {:.2}x | {} |",
            r.name,
            r.parked,
            ms(r.get.0),
            ms(r.get.1),
            ms(r.hook.0),
            ms(r.hook.1),
            ms(r.hook.1.saturating_sub(r.get.1)),
            r.intake.as_secs_f64() * 1e6,
            r.intake.as_secs_f64() / base.as_secs_f64(),
            match (r.heap_per_parked, r.rss_per_parked) {
                (Some(h), Some(r)) => format!("{h} B / {r} B"),
                _ => "-".into(),
            },
        );
    }
}
