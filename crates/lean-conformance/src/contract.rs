//! What the driver promises every adapter's users, beyond Lean's behaviour: calls run from
//! many tasks or threads at once, dropping a call at any await point leaves nothing behind, a
//! cold-token stampede costs one token request and no spinning, a webhook wakes exactly the call
//! it concerns, and every transport reports the same failure the same way.

use crate::Adapter;
use crate::scenarios::{client_for, config_for, quick_calls, sandbox_config};
use lean_client::transport::TransportOptions;
use lean_proto::results::InMemoryResults;
use lean_proto::retry::{RetryPolicy, TransportError};
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Sandbox};
use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

fn token_requests(sandbox: &Sandbox) -> usize {
    sandbox
        .log()
        .iter()
        .filter(|l| l.kind == "request" && l.what.contains("/oauth2/token"))
        .count()
}

fn entity(sandbox: &Sandbox) -> EntityId {
    sandbox.entities()[0].clone()
}

pub fn many_concurrent_calls_spawned_on_the_runtime<C: Adapter>() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    let client: C = client_for(&sandbox, quick_calls());
    // Tasks are cheap, threads are not: 500 spawned tasks, or 64 threads.
    let n = if C::ASYNC { 500 } else { 64 };
    let e = entity(&sandbox);
    let results = client.call_concurrently(vec![GetAccounts::new(e); n]);
    assert_eq!(results.len(), n);
    for r in &results {
        assert_eq!(r.as_ref().expect("call").payload.items.len(), 9);
    }
    assert_eq!(token_requests(&sandbox), 1, "one token for every call");
}

/// Callers that come back for more find their connections waiting: six rounds of 16 calls at
/// once need 16 connections and the token's, opened in the first round and kept. A pool that
/// keeps fewer idle connections than there are callers closes the rest at the end of every
/// round, and the next round opens them again (lean-ureq on ureq's default of 3 a host: 13 a
/// round, and over TLS a handshake each). The bound leaves room for an HTTP library that
/// connects while a connection is on its way back to the pool (hyper races the two).
pub fn concurrent_callers_reuse_their_connections<C: Adapter>() {
    const CALLERS: usize = 16;
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    let client: C = client_for(&sandbox, quick_calls());
    let e = entity(&sandbox);
    let mut per_round = Vec::new();
    for _ in 0..6 {
        for r in client.call_concurrently(vec![GetAccounts::new(e.clone()); CALLERS]) {
            assert_eq!(r.expect("call").payload.items.len(), 9);
        }
        per_round.push(sandbox.connections_accepted());
    }
    let opened = sandbox.connections_accepted() as usize;
    assert!(
        opened <= CALLERS + 1 + CALLERS / 2,
        "{opened} connections for 6 rounds of {CALLERS} callers (accepted after each round: {per_round:?})"
    );
}

/// Spinning is read from what the calls did, not from the CPU clock: a call that waits for
/// another's token fetch says so once per wait (`Event::TokenWait`); one that spun would say it
/// over and over.
pub fn cold_token_stampede_fetches_once_without_spinning<C: Adapter>() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    sandbox.add_fault(FaultRule::next("token", FaultKind::Delay { ms: 500 }, 1));
    let said = crate::said::Said::default();
    let client = C::connect_observed(config_for(&sandbox), quick_calls(), Arc::new(said.clone()));
    let e = entity(&sandbox);
    let results = client.call_concurrently(vec![GetAccounts::new(e); 50]);
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
    assert_eq!(said.count(crate::said::is_token_fetch), 1);
    let waits = said.count(crate::said::is_token_wait);
    assert!(
        (1..=2 * 49).contains(&waits),
        "49 calls wait for the one fetch, each once or twice, without spinning: {waits} waits"
    );
}

/// Cancellation at the token's await points (its fetch, a wait for another call's fetch).
pub fn cancellation_around_the_token_releases_it<C: Adapter>() {
    // 1. Dropped while fetching the token: the next call fetches at once, not after 30 s.
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    sandbox.add_fault(FaultRule::next("token", FaultKind::Delay { ms: 800 }, 1));
    let registry = Arc::new(InMemoryResults::default());
    let said = crate::said::Said::default();
    let client = C::connect_observed(config_for(&sandbox), quick_calls(), Arc::new(said.clone()));
    let e = entity(&sandbox);
    assert_eq!(
        client.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(200)),
        Some(false)
    );
    assert_eq!(
        client
            .call(GetAccounts::new(e.clone()))
            .unwrap()
            .payload
            .items
            .len(),
        9
    );
    // The abandoned fetch would have answered after 3 s: the next call did not wait for it,
    // it fetched its own.
    let second = said.of(said.calls()[1]);
    assert!(
        !second.iter().any(crate::said::is_token_wait),
        "the abandoned fetch was handed on: {second:#?}"
    );
    assert_eq!(
        second
            .iter()
            .filter(|e| crate::said::is_token_fetch(e))
            .count(),
        1
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
}

/// Cancellation at the other await points: a data request out, parked on PENDING, a backoff.
pub fn cancellation_at_every_other_await_point_releases_everything<C: Adapter>() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    let registry = Arc::new(InMemoryResults::default());
    let client = C::connect_with(config_for(&sandbox), quick_calls(), None, registry.clone());
    let e = entity(&sandbox);
    let a = sandbox.accounts(&e)[0].clone();
    // 3. Dropped while the data request is out: the connection is not reused for the next
    //    request (it would read the abandoned answer).
    sandbox.add_fault(FaultRule::next("accounts", FaultKind::Delay { ms: 500 }, 1));
    assert_eq!(
        client.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(300)),
        Some(false)
    );
    let balances = client
        .call(GetBalances::new(e.clone(), a.clone()))
        .expect("a fresh answer");
    assert!(!balances.payload.items.is_empty());
    std::thread::sleep(Duration::from_millis(500)); // the abandoned answer is sent now
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
        parked_client.call_and_drop_after(pending, Duration::from_millis(300)),
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
        backing_off.call_and_drop_after(GetAccounts::new(e.clone()), Duration::from_millis(300)),
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

/// A one-connection server on loopback that does `serve` with the connection it accepts: the
/// URL of `accounts` on it.
fn raw_server(serve: impl FnOnce(std::net::TcpStream) + Send + 'static) -> String {
    let (base, _) = crate::wire::serve_once(serve);
    format!("{base}/data/v2/accounts")
}

fn read_request(s: &mut std::net::TcpStream) {
    crate::wire::read_head(s);
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
        Duration::from_secs(1),
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
    assert_eq!(&r.body()[..], br#"{"status":"OK"}"#);
    // No limit at all (`max_body` at its largest, as `ClientBuilder::max_body(u64::MAX)` sets
    // it): the answer arrives whole, neither cut to nothing nor an overflow.
    let mut unlimited = TransportOptions::default();
    unlimited.max_body = u64::MAX;
    let url = raw_server(|mut s| {
        read_request(&mut s);
        let body = br#"{"status":"OK"}"#;
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(body);
    });
    let r = C::raw_send(&unlimited, get(&url), Duration::from_secs(5)).expect("an answer");
    assert_eq!(&r.body()[..], br#"{"status":"OK"}"#, "no limit");
}
