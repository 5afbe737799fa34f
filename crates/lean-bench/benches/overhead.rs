//! What lean-rs itself adds to a call, with the network taken away: the blocking client over a
//! transport that answers at once with an answer recorded from lean-sandbox (its headers and
//! body; the `lean-correlation-id` echoed as Lean does), against the hand-written typed parse of
//! the same answer, made by the same code (`lean_bench::hand_written`). The difference is the SDK's own work per
//! call: the request built, the token from the cache, the call's state machine, its events,
//! the correlation id and the answer's checks, and the typed exact decode over the f64 one.
//!
//! No sockets and no other process, so the figure moves far less than the loopback benches':
//! it is the one to hold a change to the driver or the core against. Rounds alternate (which
//! side goes first swaps every round); medians with min–max.
//!
//! `cargo bench -p lean-bench --bench overhead` (`-- --quick` for a short run).

use lean_bench::Recorded;
use lean_client::transport::{Bytes, FnTransport};
use lean_proto::retry::TransportError;
use lean_proto::{Config, EntityId, GetAccounts};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region as AllocRegion, StatsAlloc};
use std::alloc::System;
use std::time::{Duration, Instant};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The token answer and the `accounts` answer of the emulator's first entity, recorded over
/// HTTP; that entity, and a client configuration for the emulator (its URLs are only text here:
/// nothing connects to them).
fn record() -> (Recorded, Recorded, EntityId, Config) {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        bank_latency: lean_sandbox::Latency::fixed(Duration::ZERO),
        ..Default::default()
    })
    .expect("emulator");
    let entity = sandbox.entities()[0].clone();
    let token = lean_bench::token_answer(&sandbox);
    let accounts = lean_bench::accounts_answer(&sandbox, &entity);
    (token, accounts, entity, sandbox.client_config())
}

/// `rec` as the transport hands it over: a fresh body, the request's correlation id echoed.
fn answer(rec: &Recorded, request: &http::Request<Vec<u8>>) -> http::Response<Bytes> {
    // A copy of the body each time, as a read from the network would make.
    let mut resp = http::Response::new(Bytes::from(rec.body.clone()));
    *resp.status_mut() = rec.status;
    *resp.headers_mut() = rec.headers.clone();
    if let Some(c) = request.headers().get("lean-correlation-id") {
        resp.headers_mut().insert("lean-correlation-id", c.clone());
    }
    resp
}

/// µs per call of `f` over `n` calls.
fn per_call(n: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn allocs(mut f: impl FnMut()) -> u64 {
    let region = AllocRegion::new(HEAP);
    f();
    let s = region.change();
    (s.allocations + s.reallocations) as u64
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, n) = if quick { (5, 2_000) } else { (31, 5_000) };
    let (token, accounts, entity, config) = record();
    let transport = {
        let accounts = accounts.clone();
        FnTransport::new(
            move |request: http::Request<Vec<u8>>,
                  _timeout|
                  -> Result<http::Response<Bytes>, TransportError> {
                Ok(if request.uri().path().ends_with("/oauth2/token") {
                    answer(&token, &request)
                } else {
                    answer(&accounts, &request)
                })
            },
        )
    };
    let client = lean_client::Client::builder(config).build_with(transport);
    let mut lean = || {
        let got = client
            .call(GetAccounts::new(entity.clone()))
            .send()
            .expect("lean");
        std::hint::black_box(got);
    };
    // The hand-written side is handed the same answer by the same code, and parses its body.
    let plain = http::Request::new(Vec::new());
    let mut raw = || {
        let resp = answer(&accounts, std::hint::black_box(&plain));
        std::hint::black_box(lean_bench::hand_written::accounts(resp.body()));
    };
    // Both sides check they read the same 9 accounts before anything is timed.
    let items = lean_bench::hand_written::accounts(&accounts.body);
    let lean_items = client
        .call(GetAccounts::new(entity.clone()))
        .send()
        .map(|a| a.payload.items.len())
        .unwrap_or(0);
    if items == 0 || lean_items != items {
        eprintln!("overhead: lean-rs read {lean_items} accounts, the hand-written parse {items}");
        std::process::exit(1);
    }
    for _ in 0..500 {
        lean();
        raw();
    }
    let (mut l, mut r, mut diffs, mut ratios) = (vec![], vec![], vec![], vec![]);
    for i in 0..rounds {
        let (a, b) = if i % 2 == 0 {
            let a = per_call(n, &mut lean);
            (a, per_call(n, &mut raw))
        } else {
            let b = per_call(n, &mut raw);
            (per_call(n, &mut lean), b)
        };
        l.push(a);
        r.push(b);
        diffs.push(a - b);
        ratios.push(a / b);
    }
    let (l, r, diffs, ratios) = (sorted(l), sorted(r), sorted(diffs), sorted(ratios));
    let mid = rounds / 2;
    println!(
        "\nwhat lean-rs adds to a call without the network: `accounts` ({items} accounts, {:.1} KB) ({rounds} rounds of {n} calls, medians)\n",
        accounts.body.len() as f64 / 1024.0
    );
    println!(
        "| lean-rs µs/call (client, no network) | hand-written parse alone µs/call | lean-rs's own work µs/call: median [min–max] | ratio | allocations lean / hand-written |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| {:.2} | {:.2} | {:.2} [{:.2}–{:.2}] | {:.2}× | {} / {} |",
        l[mid],
        r[mid],
        diffs[mid],
        diffs[0],
        diffs[rounds - 1],
        ratios[mid],
        allocs(&mut lean),
        allocs(&mut raw),
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("\nload average at the end: {}", load.trim());
}
