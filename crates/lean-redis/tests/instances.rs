//! Three instances of a service behind a load balancer, one Redis, one Lean (lean-sandbox):
//! 1,000 PENDING calls spread over the instances, each `results.ready` delivered to a random
//! instance (10 % to two of them, 10 % before the PENDING answer). Then the same with Redis
//! killed and restarted (empty) in the middle of the run: nothing lost, nothing processed twice
//! by the same Redis; a delivery to two instances that straddles the restart may be accepted
//! by both (the empty Redis forgot the first: the durability limit `docs/deployment.md`
//! states), and is reported.

mod common;

use common::RedisServer;
use lean_conformance::Executor;
use lean_conformance::executors::Tokio;
use lean_conformance::webhook_endpoint::WebhookEndpoint;
use lean_proto::call::CallConfig;
use lean_proto::retry::RetryPolicy;
use lean_proto::*;
use lean_redis::{RedisConfig, RedisDedupe, RedisResults};
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CALLS: usize = 1000;

/// The load balancer in front of the instances: every webhook goes to one instance chosen at
/// random (seeded), one in ten to a second one as well. It answers Lean with the first
/// instance's status. It counts, per event and per Redis lifetime, how many instances
/// processed it: a Redis restarted empty forgets the events seen before (the limit
/// `docs/deployment.md` states), so a delivery accepted before and one accepted after the
/// restart are two lifetimes' answers, not a double processing.
struct Balancer {
    _endpoint: WebhookEndpoint,
    processed: Arc<Mutex<HashMap<(String, usize), usize>>>,
    refused: Arc<AtomicUsize>,
}

impl Balancer {
    /// `lifetime`: which Redis is up, counted up at each kill and restart.
    fn start(
        instances: Vec<lean_reqwest::Client>,
        lifetime: Arc<AtomicUsize>,
    ) -> (String, Balancer) {
        let processed = Arc::new(Mutex::new(HashMap::new()));
        let refused = Arc::new(AtomicUsize::new(0));
        let (p, r) = (processed.clone(), refused.clone());
        let seed = Mutex::new(0x9e37_79b9_7f4a_7c15_u64);
        let draw = move |n: u64| {
            let mut s = seed.lock().unwrap();
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            *s % n
        };
        // The endpoint serves each delivery on its own thread, as a real balancer does: a
        // webhook must not wait behind others past Lean's answer window (10 s, scaled here to
        // 100 ms), or Lean would send it again.
        let endpoint = WebhookEndpoint::start(move |signature, body| {
            let first = draw(instances.len() as u64) as usize;
            let mut targets = vec![first];
            if draw(10) == 0 {
                targets.push((first + 1) % instances.len());
            }
            let mut status = None;
            for t in targets {
                let ack = instances[t].handle_webhook(signature, body).send();
                if let Some(event) = ack.event() {
                    // Read after the intake answered: the Redis its `SET NX` succeeded on.
                    let redis = lifetime.load(Ordering::SeqCst);
                    *p.lock()
                        .unwrap()
                        .entry((event.dedupe_key().to_owned(), redis))
                        .or_insert(0) += 1;
                }
                if ack.status() != 200 {
                    r.fetch_add(1, Ordering::Relaxed);
                }
                status.get_or_insert(ack.status());
            }
            status.unwrap_or(500)
        });
        (
            endpoint.url().to_owned(),
            Balancer {
                _endpoint: endpoint,
                processed,
                refused,
            },
        )
    }
}

struct Outcome {
    ok: usize,
    errors: Vec<String>,
    processed_twice: usize,
    processed: usize,
    refused: usize,
    results_404: usize,
    learnt: u64,
}

fn run(calls: CallConfig, outage: bool) -> Outcome {
    let mut redis = RedisServer::start();
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(2)),
        time_scale: 0.01,
        faults: vec![FaultRule {
            route: "accounts".into(),
            kind: FaultKind::WebhookEarly,
            probability: 0.1,
            count: None,
        }],
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let registries: Vec<Arc<RedisResults>> = (0..3)
        .map(|_| Arc::new(RedisResults::start(RedisConfig::new(redis.url())).expect("registry")))
        .collect();
    for r in &registries {
        assert!(common::eventually(Duration::from_secs(5), || r
            .stats()
            .subscriptions
            >= 1));
    }
    let instances: Vec<lean_reqwest::Client> = registries
        .iter()
        .map(|r| {
            lean_reqwest::Client::builder(sandbox.client_config())
                .webhook_secret(sandbox.webhook_secret())
                .results_registry(r.clone())
                .dedupe_store(Arc::new(
                    RedisDedupe::new(RedisConfig::new(redis.url())).expect("dedupe"),
                ))
                .call_config(calls.clone())
                .build()
                .expect("client")
        })
        .collect();
    let lifetime = Arc::new(AtomicUsize::new(0));
    let (url, balancer) = Balancer::start(instances.clone(), lifetime.clone());
    sandbox.set_webhook_url(Some(url));
    let entity = sandbox.entities()[0].clone();
    let done = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    // Calls arrive over about a second and a half, so that webhooks keep coming during an
    // outage: Redis is killed half a second in and started again (empty) half a second later.
    let spawn_call = |i: usize| {
        let mut request = GetAccounts::new(entity.clone());
        request.options.asynchronous = true; // PENDING at once: every call needs its webhook
        let call = instances[i % 3].call(request);
        let done = done.clone();
        Tokio::spawn(async move {
            let r = call.await;
            done.fetch_add(1, Ordering::Relaxed);
            r
        })
    };
    let (down_at, up_at) = (t0 + Duration::from_millis(500), t0 + Duration::from_secs(1));
    let mut down = false;
    let mut tasks = Vec::with_capacity(CALLS);
    for i in 0..CALLS {
        tasks.push(spawn_call(i));
        let now = Instant::now();
        if outage && !down && now >= down_at && now < up_at {
            redis.kill();
            lifetime.fetch_add(1, Ordering::SeqCst);
            down = true;
        }
        if down && now >= up_at {
            redis.restart();
            lifetime.fetch_add(1, Ordering::SeqCst);
            down = false;
        }
        std::thread::sleep(Duration::from_micros(1500));
    }
    if down {
        redis.restart();
        lifetime.fetch_add(1, Ordering::SeqCst);
    }
    let results = Tokio::block_on(async move {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await);
        }
        out
    });
    let wall = t0.elapsed(); // reported, never asserted
    let mut ok = 0;
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(d) if d.payload.items.len() == 9 && d.results_id.is_some() => ok += 1,
            Ok(d) => errors.push(format!("wrong data: {} items", d.payload.items.len())),
            Err(e) => errors.push(e.to_string()),
        }
    }
    // Lean retries a refused webhook; let the retries of the outage land before counting.
    std::thread::sleep(Duration::from_millis(if outage { 1000 } else { 200 }));
    let processed = balancer.processed.lock().unwrap();
    // Per event, the Redis lifetimes that accepted it.
    let mut lifetimes: HashMap<&str, usize> = HashMap::new();
    for (event, _) in processed.keys() {
        *lifetimes.entry(event.as_str()).or_insert(0) += 1;
    }
    let twice = processed.values().filter(|n| **n > 1).count();
    let across_restart = lifetimes.values().filter(|n| **n > 1).count();
    let results_404 = sandbox
        .log()
        .iter()
        .filter(|l| l.kind == "request" && l.what.contains("/results/") && l.status == 404)
        .count();
    eprintln!(
        "{CALLS} calls, outage {outage}: {ok} ok, {} errors, {} events processed, {twice} twice by one Redis, {across_restart} again after the empty restart, {} refused (503), {results_404} polls answered 404, {} learnt from another instance, {wall:?}",
        errors.len(),
        lifetimes.len(),
        balancer.refused.load(Ordering::Relaxed),
        registries.iter().map(|r| r.stats().learnt).sum::<u64>(),
    );
    Outcome {
        ok,
        errors,
        processed_twice: twice,
        processed: lifetimes.len(),
        refused: balancer.refused.load(Ordering::Relaxed),
        results_404,
        learnt: registries.iter().map(|r| r.stats().learnt).sum(),
    }
}

fn patient_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 8,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
    }
}

#[test]
fn a_thousand_calls_on_three_instances_complete_by_webhook_alone() {
    // No poll for a minute: a call that did not hear its webhook would make the run last that.
    let minute = Duration::from_secs(60);
    let calls = {
        let mut calls = CallConfig::default();
        calls.webhook_grace = minute;
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: minute,
            max_delay: minute,
        };
        calls.retry = patient_retries();
        calls.deadline = Duration::from_secs(120);
        calls
    };
    let o = run(calls, false);
    assert_eq!(
        o.ok,
        CALLS,
        "lost or wrong: {:?}",
        &o.errors[..o.errors.len().min(5)]
    );
    assert_eq!(
        o.processed_twice, 0,
        "a webhook delivered twice was processed twice"
    );
    assert!(
        o.processed >= CALLS,
        "every results.ready processed once: {}",
        o.processed
    );
    assert_eq!(
        o.results_404, 0,
        "no call polled: each was woken with its results ready"
    );

    assert!(
        o.learnt > 0,
        "two thirds of the webhooks land on another instance"
    );
}

#[test]
fn redis_killed_and_restarted_mid_run_loses_nothing() {
    // Polling covers the outage: a call that misses its wake-up polls within seconds.
    let calls = {
        let mut calls = CallConfig::default();
        calls.webhook_grace = Duration::from_secs(1);
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(1),
        };
        calls.retry = patient_retries();
        calls.deadline = Duration::from_secs(120);
        calls
    };
    let o = run(calls, true);
    assert_eq!(
        o.ok,
        CALLS,
        "lost or wrong: {:?}",
        &o.errors[..o.errors.len().min(5)]
    );
    assert_eq!(
        o.processed_twice, 0,
        "a webhook delivered twice was processed twice by the same Redis"
    );
    assert!(
        o.refused > 0,
        "webhooks met the outage (answered 503, retried by Lean)"
    );
}
