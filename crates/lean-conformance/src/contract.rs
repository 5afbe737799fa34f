//! What the driver promises every adapter's users, beyond Lean's behaviour: calls run from
//! many tasks or threads at once, dropping a call at any await point leaves nothing behind, a
//! cold-token stampede costs one token request and no spinning, a webhook wakes exactly the call
//! it concerns, and every transport reports the same failure the same way.

use crate::Adapter;
use crate::scenarios::{client_for, config_for, quick_calls, requests_to, sandbox_config, world};
use lean_client::transport::TransportOptions;
use lean_proto::call::CallErrorKind;
use lean_proto::results::InMemoryResults;
use lean_proto::retry::{RetryPolicy, TransportError};
use lean_proto::webhook::WebhookSecret;
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Sandbox};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn token_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .log()
        .iter()
        .filter(|l| l.kind == "request" && l.what.contains("/oauth2/token"))
        .count()
}

/// CPU time of this whole process (user + system), from `/proc/self/stat` (Linux, 100 Hz).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn entity(sandbox: &Sandbox) -> EntityId {
    sandbox.entities()[0].clone()
}

pub fn many_concurrent_calls_spawned_on_the_runtime<C: Adapter>() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    let client: C = client_for(&sandbox, quick_calls());
    // Tasks are cheap, threads are not: 1,000 spawned tasks, or 64 threads.
    let n = if C::ASYNC { 1000 } else { 64 };
    let e = entity(&sandbox);
    let results = client.call_concurrently(vec![GetAccounts::new(e); n]);
    assert_eq!(results.len(), n);
    for r in &results {
        assert_eq!(r.as_ref().expect("call").payload.items.len(), 9);
    }
    assert_eq!(token_requests(&sandbox), 1, "one token for every call");
}

/// Measures the whole process's CPU: run it in a test binary of its own
/// ([`conformance_solo!`](crate::conformance_solo)), where no other test shares the process.
pub fn cold_token_stampede_fetches_once_without_spinning<C: Adapter>() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    sandbox.add_fault(FaultRule::next("token", FaultKind::Delay { ms: 2000 }, 1));
    let client: C = client_for(&sandbox, quick_calls());
    let e = entity(&sandbox);
    let (cpu0, t0) = (process_cpu(), Instant::now());
    let results = client.call_concurrently(vec![GetAccounts::new(e); 50]);
    let (cpu, wall) = (process_cpu() - cpu0, t0.elapsed());
    assert!(
        results.iter().all(|r| r.is_ok()),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(
        token_requests(&sandbox),
        1,
        "50 cold calls, one token request"
    );
    assert!(
        wall >= Duration::from_millis(1900),
        "the token server took 2 s: {wall:?}"
    );
    assert!(
        cpu.as_secs_f64() < 0.10 * wall.as_secs_f64(),
        "waiting for a token must not spin: {cpu:?} of CPU in {wall:?}"
    );
}

pub fn one_webhook_wakes_exactly_one_of_many_parked_calls<C: Adapter>() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    // Parked on "not ready yet": polls far apart, a deadline that ends the test, and patience
    // with a loopback server that sees a thousand connections at once.
    let calls = {
        let mut calls = quick_calls();
        calls.deadline = Duration::from_secs(8);
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(60),
        };
        calls.retry = RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(500),
        };
        calls
    };
    let registry = Arc::new(InMemoryResults::default());
    let secret = Some(WebhookSecret::new("sandbox-webhook-secret"));
    let client = C::connect_with(config_for(&sandbox), calls, secret, registry.clone());
    // A warm token: the calls below park on results, not on a token.
    client.call(GetAccounts::new(entity(&sandbox))).unwrap();
    let n = 1000;
    let ids: Vec<ResultsId> = (0..n)
        .map(|i| ResultsId::parse(&format!("00000000-0000-4000-8000-{i:012}")).unwrap())
        .collect();
    let parked = {
        let (client, ids) = (client.clone(), ids.clone());
        std::thread::spawn(move || client.resume_concurrently(ids))
    };
    assert!(
        eventually_for(Duration::from_secs(30), || registry.waiting() == n
            && client.parked_calls() == n),
        "{} of {n} parked",
        registry.waiting()
    );
    let before = client.wakeups();
    // News for nobody here wakes nobody.
    client.results_ready(&ResultsId::parse("11111111-0000-4000-8000-000000000000").unwrap());
    assert_eq!(client.wakeups(), before);
    // A signed results.ready for one of them wakes that one.
    let body = format!(
        r#"{{"type":"results.ready","payload":{{"id":"{}"}},"event_id":"e-1","timestamp":"2026-11-30T00:00:00Z"}}"#,
        ids[7]
    );
    let signature = WebhookSecret::new("sandbox-webhook-secret").sign(body.as_bytes());
    let ack = client.handle_webhook(Some(&signature), body.as_bytes());
    assert_eq!(ack.status(), 200, "{ack:?}");
    assert!(ack.event().is_some(), "{ack:?}");
    assert_eq!(client.wakeups(), before + 1, "exactly one call woken");
    let results = parked.join().expect("parked calls");
    for (id, r) in ids.iter().zip(&results) {
        let e = r.as_ref().expect_err("nothing was ready");
        assert!(
            matches!(
                e.call_error().map(|c| &c.kind),
                Some(CallErrorKind::DeadlineExceeded)
            ),
            "{e}"
        );
        assert_eq!(e.results_id(), Some(id), "the results_id is kept for later");
    }
    assert_eq!(client.parked_calls(), 0);
}

pub fn results_ready_from_elsewhere_wakes_the_waiting_call<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let e = entity(&w.sandbox);
    // The bank takes 100 s of Lean time (1 s here): the results are not ready at first.
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::SlowBank { seconds: 100 },
        1,
    ));
    let id = w
        .client
        .submit(GetAccounts::new(e))
        .unwrap()
        .expect("PENDING");
    let patient = {
        let mut calls = quick_calls();
        calls.webhook_grace = Duration::from_secs(60);
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(60),
        };
        calls.deadline = Duration::from_secs(30);
        calls
    };
    let other: C = client_for(&w.sandbox, patient);
    let waiting = {
        let (other, id) = (other.clone(), id.clone());
        std::thread::spawn(move || other.resume::<Page<Account>>(id))
    };
    // It asked once (404: not yet) and parked for a minute; the job then finishes.
    assert!(eventually_for(Duration::from_secs(10), || other
        .parked_calls()
        == 1));
    assert!(eventually_for(Duration::from_secs(10), || {
        w.sandbox.log().iter().any(|l| l.kind == "webhook")
    }));
    // Another instance tells this one that the results are ready.
    let t0 = Instant::now();
    other.results_ready(&id);
    let data = waiting.join().unwrap().expect("results");
    assert_eq!(data.payload.items.len(), 9);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "woken, not polled: {:?}",
        t0.elapsed()
    );
    assert_eq!(
        requests_to(&w, "/results/"),
        2,
        "one poll, then one fetch after the news"
    );
}

pub fn cancellation_at_every_await_point_releases_everything<C: Adapter>() {
    // 1. Dropped while fetching the token: the next call fetches at once, not after 30 s.
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    sandbox.add_fault(FaultRule::next("token", FaultKind::Delay { ms: 3000 }, 1));
    let registry = Arc::new(InMemoryResults::default());
    let config = config_for(&sandbox);
    let client = C::connect_with(config, quick_calls(), None, registry.clone());
    let e = entity(&sandbox);
    let a = sandbox.accounts(&e)[0].clone();
    assert_eq!(
        client.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(200)),
        Some(false)
    );
    let t0 = Instant::now();
    assert_eq!(
        client
            .call(GetAccounts::new(e.clone()))
            .unwrap()
            .payload
            .items
            .len(),
        9
    );
    // The abandoned fetch would have answered after 3 s; the next call fetched its own.
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "the abandoned fetch was handed on: {:?}",
        t0.elapsed()
    );

    // 2. Dropped while waiting for another call's token fetch: the fetcher is unaffected and
    //    nothing stays filed under "token".
    sandbox.revoke_tokens();
    let waiter = C::connect_with(config_for(&sandbox), quick_calls(), None, registry.clone());
    sandbox.add_fault(FaultRule::next("token", FaultKind::Delay { ms: 800 }, 1));
    let fetcher = {
        let (c, e) = (waiter.clone(), e.clone());
        std::thread::spawn(move || c.call(GetAccounts::new(e)).map(|d| d.payload.items.len()))
    };
    std::thread::sleep(Duration::from_millis(200)); // the fetch is out
    assert_eq!(
        waiter.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(200)),
        Some(false)
    );
    assert_eq!(fetcher.join().unwrap().expect("the fetcher's call"), 9);
    assert_eq!(waiter.parked_calls(), 0);
    // 3. Dropped while the data request is out: the connection is not reused for the next
    //    request (it would read the abandoned answer).
    sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::Delay { ms: 1500 },
        1,
    ));
    assert_eq!(
        client.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(300)),
        Some(false)
    );
    let balances = client
        .call(GetBalances::new(e.clone(), a.clone()))
        .expect("a fresh answer");
    assert!(!balances.payload.items.is_empty());
    std::thread::sleep(Duration::from_millis(1500)); // the abandoned answer is sent now
    let balances = client
        .call(GetBalances::new(e.clone(), a.clone()))
        .expect("still a fresh answer");
    assert!(!balances.payload.items.is_empty());

    // 4. Dropped while parked on PENDING: its registry entry and its wake-up go.
    let mut pending = GetAccounts::new(e.clone());
    pending.options.asynchronous = true;
    let slow = {
        let mut calls = quick_calls();
        calls.webhook_grace = Duration::from_secs(60);
        calls
    };
    let parked_client = C::connect_with(config_for(&sandbox), slow, None, registry.clone());
    assert_eq!(
        parked_client.call_and_drop_after(pending, Duration::from_millis(500)),
        Some(false)
    );
    assert_eq!(parked_client.parked_calls(), 0);
    assert_eq!(
        registry.waiting(),
        0,
        "the registry entry went with the call"
    );

    // 5. Dropped during a backoff (429 with Retry-After: 2 s): nothing stays filed.
    let patient = {
        let mut calls = quick_calls();
        calls.retry = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        };
        calls
    };
    let backing_off = C::connect_with(config_for(&sandbox), patient, None, registry.clone());
    sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::RateLimited { retry_after: 2 },
        1,
    ));
    assert_eq!(
        backing_off.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(500)),
        Some(false)
    );
    assert_eq!(backing_off.parked_calls(), 0);
    assert_eq!(
        client
            .call(GetAccounts::new(e))
            .unwrap()
            .payload
            .items
            .len(),
        9
    );
}

/// A one-connection server on loopback that does `serve` with each accepted connection.
fn raw_server(serve: impl Fn(std::net::TcpStream) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            serve(s);
        }
    });
    format!("http://{addr}/data/v2/accounts")
}

fn read_request(s: &mut std::net::TcpStream) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

pub fn transport_failures_are_classified_alike<C: Adapter>() {
    let options = TransportOptions::default();
    let t = Duration::from_millis(500);
    // Refused: nobody listens.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let r = C::raw_send(&options, get(&format!("http://{closed}/x")), t);
    assert_eq!(r.err(), Some(TransportError::Connect), "refused");
    // A listener whose accept queue is full: the kernel drops further SYNs, the connect hangs.
    let full = TcpListener::bind("127.0.0.1:0").unwrap();
    let full_addr = full.local_addr().unwrap();
    let mut queued = Vec::new();
    while let Ok(s) = std::net::TcpStream::connect_timeout(&full_addr, Duration::from_millis(200)) {
        queued.push(s);
        assert!(queued.len() < 4096, "the accept queue never filled");
    }
    let mut quick_connect = TransportOptions::default();
    quick_connect.connect_timeout = Duration::from_millis(300);
    let r = C::raw_send(
        &quick_connect,
        get(&format!("http://{full_addr}/x")),
        Duration::from_secs(2),
    );
    let expected = if C::BOUNDS_CONNECT {
        TransportError::Connect
    } else {
        TransportError::TimedOut { request_sent: true }
    };
    assert_eq!(r.err(), Some(expected), "connect timeout");
    drop((queued, full));
    // Read the request, never answer: a timeout after sending.
    let url = raw_server(|mut s| {
        read_request(&mut s);
        std::thread::sleep(Duration::from_secs(2));
    });
    let r = C::raw_send(&options, get(&url), t);
    assert_eq!(
        r.err(),
        Some(TransportError::TimedOut { request_sent: true }),
        "silent server"
    );
    // Read the request, close: sent, then failed.
    let url = raw_server(|mut s| {
        read_request(&mut s);
        drop(s);
    });
    let r = C::raw_send(&options, get(&url), t);
    assert_eq!(
        r.err(),
        Some(TransportError::Reset { request_sent: true }),
        "closed mid-exchange"
    );
    // An answer over the limit is a typed error, never retried as a reset.
    let mut small = TransportOptions::default();
    small.max_body = 1 << 20;
    let url = raw_server(|mut s| {
        read_request(&mut s);
        let body = vec![b'x'; 2 << 20];
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(&body);
    });
    let r = C::raw_send(&small, get(&url), Duration::from_secs(5));
    assert_eq!(
        r.err(),
        Some(TransportError::TooLarge { limit: 1 << 20 }),
        "oversized body"
    );
    // An oversized head (8 MiB of headers): Lean answered, with too much; never a reset that
    // would be retried. The limit is each HTTP library's own.
    let url = raw_server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
        let line = format!("x-filler: {}\r\n", "y".repeat(8 * 1024 - 16));
        for _ in 0..1024 {
            if s.write_all(line.as_bytes()).is_err() {
                return; // the client gave up reading, as it should
            }
        }
        let _ = s.write_all(b"content-length: 0\r\n\r\n");
    });
    let r = C::raw_send(&options, get(&url), Duration::from_secs(10));
    assert!(
        matches!(r, Err(TransportError::TooLarge { .. })),
        "oversized head: {r:?}"
    );
    // A plain answer without a Date header (async-h1 used to trip on it).
    let url = raw_server(|mut s| {
        read_request(&mut s);
        let body = br#"{"status":"OK"}"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(body);
    });
    let r = C::raw_send(&options, get(&url), Duration::from_secs(5)).expect("an answer");
    assert_eq!(r.status(), 200);
    assert_eq!(r.body().as_slice(), br#"{"status":"OK"}"#);
}

fn eventually_for(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}
