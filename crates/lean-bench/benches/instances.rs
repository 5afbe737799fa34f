//! Several instances: a webhook lands on instance B while the call waits on instance A. With
//! lean-redis, B's intake publishes the readiness and A's call returns; without it, A finds
//! out at its next poll. Both against the floor, one plain GET of ready results.
//!
//! `cargo bench -p lean-bench --bench instances` (needs `redis-server`; `-- --quick` for fewer
//! samples).

use lean_bench::{ms, patient_calls, quantile, signed, wait_until};
use lean_conformance::redis_server::RedisServer;
use lean_proto::call::CallConfig;
use lean_proto::*;
use lean_redis::{RedisConfig, RedisDedupe, RedisResults};
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use lean_ureq::Client;
use lean_ureq::observe::ProgressBoard;
use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(1)),
        time_scale: 0.001, // a 100 s bank takes 100 ms
        ..SandboxConfig::default()
    })
    .expect("sandbox")
}

/// A client, with a board of what its calls wait for.
struct Instance {
    client: Client,
    board: ProgressBoard,
    /// Its registry over Redis, if it has one.
    registry: Option<Arc<RedisResults>>,
}

fn instance(sandbox: &Sandbox, calls: CallConfig, redis: Option<&str>) -> Instance {
    let board = ProgressBoard::default();
    let mut b = Client::builder(sandbox.client_config())
        .observer(Arc::new(board.clone()))
        .webhook_secret(sandbox.webhook_secret())
        .call_config(calls);
    let mut registry = None;
    if let Some(url) = redis {
        let shared = Arc::new(RedisResults::start(RedisConfig::new(url)).expect("registry"));
        registry = Some(shared.clone());
        b = b.results_registry(shared).dedupe_store(Arc::new(
            RedisDedupe::new(RedisConfig::new(url)).expect("dedupe"),
        ));
    }
    Instance {
        client: b.build().expect("client"),
        board,
        registry,
    }
}

/// Webhook on `b` → the call on `a` returns, `samples` times.
fn cross(
    sandbox: &Sandbox,
    a: &Instance,
    b: &Instance,
    samples: usize,
    event0: u64,
) -> Vec<Duration> {
    let entity = sandbox.entities()[0].clone();
    let mut pending = GetAccounts::new(entity);
    pending.options.asynchronous = true;
    let secret = sandbox.webhook_secret();
    let mut out = Vec::new();
    for s in 0..samples {
        sandbox.add_fault(FaultRule::next(
            "accounts",
            FaultKind::SlowBank { seconds: 100 },
            1,
        ));
        let (done, finished) = channel();
        let (caller, request) = (a.client.clone(), pending.clone());
        std::thread::spawn(move || {
            let ok = caller.call(request).send().is_ok();
            let _ = done.send((Instant::now(), ok));
        });
        // The call got PENDING and now waits for its results_id.
        wait_until("the call to park", Duration::from_secs(10), || {
            a.board
                .latest()
                .is_some_and(|p| matches!(p.waiting, lean_ureq::Waiting::Results(_)))
        });
        let id = a
            .board
            .latest()
            .and_then(|p| p.results_id)
            .expect("a results_id");
        // The webhook goes out once the bank has answered, as Lean's does: at the instant the
        // emulator serves the results from (a fixed guess failed on a loaded machine).
        let ready_at = sandbox
            .results_ready_at(&id)
            .expect("a PENDING request's results");
        std::thread::sleep(ready_at.saturating_duration_since(Instant::now()));
        let (sig, body) = signed(&secret, &id, event0 + s as u64);
        let t0 = Instant::now();
        assert_eq!(
            b.client.handle_webhook(Some(&sig), &body).send().status(),
            200
        );
        let (at, ok) = finished
            .recv_timeout(Duration::from_secs(120))
            .expect("returned");
        assert!(ok);
        out.push(at - t0);
    }
    out
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples = if quick { 20 } else { 200 };
    let redis = RedisServer::start();
    let sandbox = sandbox();

    // The floor: one GET of ready results.
    // Polls every 10 ms while the results are not ready, so the set-up never waits long.
    let eager = {
        let mut calls = CallConfig::default();
        calls.poll = lean_proto::retry::RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        };
        calls.webhook_grace = Duration::ZERO;
        calls
    };
    let plain = instance(&sandbox, eager, None);
    let mut ready_request = GetAccounts::new(sandbox.entities()[0].clone());
    ready_request.options.asynchronous = true;
    let ready = match plain
        .client
        .call(ready_request)
        .submit()
        .send()
        .expect("submit")
    {
        lean_ureq::Submitted::Pending(handle) => handle.results_id,
        _ => panic!("PENDING expected"),
    };
    wait_until("ready results", Duration::from_secs(5), || {
        plain
            .client
            .resume::<Page<Account>>(ready.clone())
            .one_page()
            .send()
            .is_ok()
    });
    let mut get: Vec<Duration> = (0..samples)
        .map(|_| {
            let t0 = Instant::now();
            plain
                .client
                .resume::<Page<Account>>(ready.clone())
                .one_page()
                .send()
                .expect("GET");
            t0.elapsed()
        })
        .collect();

    // Same instance (the best case), then across instances over Redis.
    let a = instance(&sandbox, patient_calls(), Some(&redis.url()));
    let b = instance(&sandbox, patient_calls(), Some(&redis.url()));
    // Both subscribed, so that B's publish reaches A.
    wait_until("the Redis subscriptions", Duration::from_secs(60), || {
        [&a, &b].iter().all(|i| {
            i.registry
                .as_ref()
                .is_some_and(|r| r.stats().subscriptions > 0)
        })
    });
    let mut same = cross(&sandbox, &a, &a, samples, 0);
    let mut over_redis = cross(&sandbox, &a, &b, samples, 1_000_000);

    // Without a shared registry: the call on A hears nothing and polls on the default
    // schedule (first poll `webhook_grace` = 10 s after PENDING). A few samples suffice.
    let polling_calls = {
        let mut calls = CallConfig::default();
        calls.deadline = Duration::from_secs(120);
        calls
    };
    let lone_a = instance(&sandbox, polling_calls, None);
    let lone_b = instance(&sandbox, patient_calls(), None);
    let mut polled = cross(
        &sandbox,
        &lone_a,
        &lone_b,
        if quick { 1 } else { 3 },
        2_000_000,
    );

    let row = |name: &str, v: &mut Vec<Duration>, floor: Duration| {
        let (p50, p99) = (quantile(v, 0.5), quantile(v, 0.99));
        println!(
            "| {name} | {} | {} / {} | {} |",
            v.len(),
            ms(p50),
            ms(p99),
            ms(p99.saturating_sub(floor))
        );
    };
    let floor = quantile(&mut get, 0.99);
    println!(
        "\nwebhook → waiting call returns (blocking clients), against one plain GET of ready results\n"
    );
    println!("| path | samples | p50 / p99 ms | p99 above GET p99 ms |");
    println!("|---|---:|---:|---:|");
    row("plain GET of ready results (floor)", &mut get, floor);
    row("webhook on the call's own instance", &mut same, floor);
    row(
        "webhook on another instance, over Redis",
        &mut over_redis,
        floor,
    );
    row(
        "webhook on another instance, no Redis (polling)",
        &mut polled,
        floor,
    );
    println!(
        "\nover Redis vs polling, p50: {:.0}x faster",
        quantile(&mut polled, 0.5).as_secs_f64() / quantile(&mut over_redis, 0.5).as_secs_f64()
    );
}
