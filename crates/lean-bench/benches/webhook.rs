//! The webhook intake (`lean_proto::webhook::intake`: verify `lean-signature`, parse the typed
//! event, deduplicate its `event_id`, mark `results.ready` in the results registry) against its
//! floor: HMAC-SHA512 over the body with the key schedule precomputed, a constant-time compare,
//! and a plain borrowed serde parse of the fields an intake needs (`type`, `payload.id`,
//! `event_id`). Every body is a different event (unique `event_id`s), so dedupe does real work.
//!
//! `cargo bench -p lean-bench --bench webhook` (`-- --quick` for a short run).

use hmac::{KeyInit, Mac};
use lean_proto::ResultsId;
use lean_proto::results::{InMemoryResults, ResultsRegistry};
use lean_proto::webhook::{Dedupe, WebhookSecret, intake};
use serde::Deserialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type HmacSha512 = hmac::Hmac<sha2::Sha512>;

#[derive(Deserialize)]
struct Floor<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    payload: FloorPayload<'a>,
    #[serde(borrow)]
    event_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct FloorPayload<'a> {
    #[serde(borrow)]
    id: &'a str,
}

/// The plain serde model of the same body: every field, owned strings.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Plain {
    #[serde(rename = "type")]
    kind: String,
    payload: PlainPayload,
    message: Option<String>,
    timestamp: Option<String>,
    event_id: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainPayload {
    id: String,
}

fn hex(s: &str) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    out
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, n) = if quick { (3, 20_000) } else { (7, 100_000) };
    let secret_text = "sandbox-webhook-secret";
    let secret = WebhookSecret::new(secret_text);
    let events: Vec<(String, Vec<u8>)> = (0..n as u64)
        .map(|i| {
            let id = ResultsId::parse(&format!("6dd9c7d2-1c8c-4862-bb1f-{i:012x}")).unwrap();
            lean_bench::signed(&secret, &id, i)
        })
        .collect();
    let keyed = <HmacSha512 as KeyInit>::new_from_slice(secret_text.as_bytes()).unwrap();
    let floor = |sig: &str, body: &[u8]| -> bool {
        let mut mac = keyed.clone();
        mac.update(body);
        let ok = mac.verify_slice(&hex(&sig[7..])).is_ok();
        let f: Floor<'_> = serde_json::from_slice(body).expect("floor parse");
        ok && !f.kind.is_empty() && !f.payload.id.is_empty() && f.event_id.is_some()
    };
    let plain = |sig: &str, body: &[u8]| -> bool {
        let mut mac = keyed.clone();
        mac.update(body);
        let ok = mac.verify_slice(&hex(&sig[7..])).is_ok();
        let p: Plain = serde_json::from_slice(body).expect("plain parse");
        ok && !p.kind.is_empty() && !p.payload.id.is_empty()
    };
    let dedupe = Mutex::new(Dedupe::new(10_000));
    let registry = InMemoryResults::new(10_000, Duration::from_secs(15 * 60));
    let t0 = Instant::now();
    let ids: Vec<ResultsId> = (0..n as u64)
        .map(|i| ResultsId::parse(&format!("6dd9c7d2-1c8c-4862-bb1f-{i:012x}")).unwrap())
        .collect();
    // The case the SDK is built for: a call waits for each results_id (set up untimed).
    let park_all = || {
        for id in &ids {
            registry.unregister(id);
            registry.register(id, t0);
        }
    };
    let lean = |sig: &str, body: &[u8]| -> bool {
        intake(Some(&secret), &dedupe, &registry, Some(sig), body, t0).status() == 200
    };
    let run = |f: &dyn Fn(&str, &[u8]) -> bool| -> f64 {
        let start = Instant::now();
        for (sig, body) in &events {
            assert!(f(sig, body));
        }
        n as f64 / start.elapsed().as_secs_f64()
    };
    // Warm, then alternate rounds: lean with a call waiting for every id, lean with no call
    // waiting (every webhook early: the registry holds it), the floor.
    run(&floor);
    run(&lean);
    let (mut a, mut e, mut b, mut p) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        park_all();
        a.push(run(&lean));
        for id in &ids {
            registry.unregister(id);
        }
        e.push(run(&lean));
        b.push(run(&floor));
        p.push(run(&plain));
    }
    for v in [&mut a, &mut e, &mut b, &mut p] {
        v.sort_by(|x, y| x.total_cmp(y));
    }
    let (lean_rate, early_rate, floor_rate, plain_rate) =
        (a[rounds / 2], e[rounds / 2], b[rounds / 2], p[rounds / 2]);
    println!(
        "\nwebhook intake on one core ({rounds} rounds of {n} distinct signed results.ready, medians)\n"
    );
    println!("| | webhooks/s | µs/webhook | vs HMAC + plain serde | vs HMAC + borrowed 3 fields |");
    println!("|---|---|---|---|---|");
    let row = |name: &str, rate: f64| {
        println!(
            "| {name} | {rate:.0} | {:.2} | {:.2}× | {:.2}× |",
            1e6 / rate,
            rate / plain_rate,
            rate / floor_rate
        )
    };
    row(
        "floor: HMAC-SHA512 (keyed once) + plain serde parse of every field",
        plain_rate,
    );
    row(
        "floor: HMAC-SHA512 (keyed once) + borrowed parse of `type`, `payload.id`, `event_id`",
        floor_rate,
    );
    row(
        "lean `intake`: verify, typed parse, dedupe, mark the waiting call ready",
        lean_rate,
    );
    row(
        "lean `intake`, no call waiting (the registry holds the early webhook)",
        early_rate,
    );
    let _ = Duration::ZERO;
}
