//! Decoding a page of transactions: the typed model with exact decimals (`classify`) against a
//! plain serde model of the same fields with f64 amounts and `String`s (the floor: what any
//! serde decoder of this JSON costs) and against `serde_json::Value` (what an untyped client
//! does). 100, 10,000 and 100,000 items per page, and the 9 accounts of the `accounts` route
//! (the small answer that most calls are), one process, side by side: short rounds (≥ 20 ms,
//! as many as fit in 3.6 s per decoder) interleaved and rotated, ratios taken within each
//! round, medians with min–max.
//!
//! `cargo bench -p lean-bench --bench decode` (`-- --quick` for a short run). Peak memory is
//! measured in a child process per decoder (`/proc/self/status` VmHWM), so that one decoder's
//! high-water mark does not hide another's.

use lean_proto::{Account, Page, Transaction, classify};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::time::{Duration, Instant};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The f64 model: what a hand-written client of this JSON would decode into.
use lean_bench::hand_written as f64_model;

/// A page of `n` transactions exactly as lean-sandbox serves it (the emulator's own data).
fn body(n: usize) -> Vec<u8> {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        transactions: n,
        bank_latency: lean_sandbox::Latency::fixed(Duration::ZERO),
        ..Default::default()
    })
    .expect("emulator");
    let entity = sandbox.entities()[0].clone();
    let account = sandbox.accounts(&entity)[0].clone();
    let agent = ureq::Agent::new_with_defaults();
    let token = lean_bench::token(&sandbox);
    let url = format!(
        "{}/data/v2/accounts/{account}/transactions?entity_id={entity}&size=100&page=0",
        sandbox.base_url()
    );
    let mut pages = Vec::new();
    for page in 0..n.div_ceil(100) {
        let url = url.replace("page=0", &format!("page={page}"));
        let resp = agent
            .get(&url)
            .header("authorization", format!("Bearer {token}"))
            .call()
            .expect("page");
        let v: serde_json::Value =
            serde_json::from_slice(&resp.into_body().read_to_vec().expect("body")).unwrap();
        pages.push(v);
    }
    // Stitch the pages into one page of n items, as Lean would send a page of that size.
    let mut all = pages[0].clone();
    let items: Vec<serde_json::Value> = pages
        .iter()
        .flat_map(|p| {
            p["data"]["transactions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    all["data"]["transactions"] = serde_json::Value::Array(items);
    all["data"]["page"]["size"] = n.into();
    serde_json::to_vec(&all).unwrap()
}

/// The `accounts` answer of the emulator's first entity, as it serves it.
fn accounts_body() -> Vec<u8> {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        bank_latency: lean_sandbox::Latency::fixed(Duration::ZERO),
        ..Default::default()
    })
    .expect("emulator");
    let entity = sandbox.entities()[0].clone();
    lean_bench::accounts_answer(&sandbox, &entity).body
}

/// What a body holds.
#[derive(Clone, Copy, PartialEq)]
enum Holds {
    Accounts,
    Transactions,
}

fn response(body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(body.to_vec())
        .unwrap()
}

#[derive(Clone, Copy, PartialEq)]
enum Decoder {
    Typed,
    F64,
    Value,
}

impl Decoder {
    fn name(self) -> &'static str {
        match self {
            Decoder::Typed => "typed, exact (classify)",
            Decoder::F64 => "f64 model (serde)",
            Decoder::Value => "serde_json::Value",
        }
    }

    /// Decodes once; returns the item count so nothing is optimised away.
    fn run(self, holds: Holds, resp: &http::Response<Vec<u8>>) -> usize {
        match (self, holds) {
            (Decoder::Typed, Holds::Transactions) => {
                match classify::<Page<Transaction>>(resp).expect("typed") {
                    lean_proto::Outcome::Data(d) => d.payload.items.len(),
                    _ => 0,
                }
            }
            (Decoder::Typed, Holds::Accounts) => {
                match classify::<Page<Account>>(resp).expect("typed") {
                    lean_proto::Outcome::Data(d) => d.payload.items.len(),
                    _ => 0,
                }
            }
            (Decoder::F64, Holds::Transactions) => f64_model::transactions(resp.body()),
            (Decoder::F64, Holds::Accounts) => f64_model::accounts(resp.body()),
            (Decoder::Value, _) => {
                let v: serde_json::Value = serde_json::from_slice(resp.body()).expect("value");
                let key = match holds {
                    Holds::Accounts => "accounts",
                    Holds::Transactions => "transactions",
                };
                v["data"][key].as_array().map_or(0, Vec::len)
            }
        }
    }
}

/// MB/s of one round of at least `min`.
fn round(d: Decoder, holds: Holds, resp: &http::Response<Vec<u8>>, min: Duration) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < min {
        std::hint::black_box(d.run(holds, std::hint::black_box(resp)));
        n += 1;
    }
    resp.body().len() as f64 * n as f64 / start.elapsed().as_secs_f64() / 1e6
}

/// The shortest round of one decoder.
const ROUND: Duration = Duration::from_millis(20);

/// How many rounds of how long for `resp`: rounds of at least [`ROUND`] and at least one
/// decode, as many as fit in `budget` (an odd number, so that the median is a round's own
/// figure; at least 9, or 3 when `quick`).
fn rounds_for(
    holds: Holds,
    resp: &http::Response<Vec<u8>>,
    budget: Duration,
    quick: bool,
) -> (usize, Duration) {
    let start = Instant::now();
    std::hint::black_box(Decoder::F64.run(holds, resp));
    let round = start.elapsed().max(ROUND);
    let fit = (budget.as_secs_f64() / round.as_secs_f64()) as usize;
    let rounds = fit.clamp(if quick { 3 } else { 9 }, 181) | 1;
    (rounds, round)
}

const DECODERS: [Decoder; 3] = [Decoder::Typed, Decoder::F64, Decoder::Value];

/// `rounds` rounds, the decoders interleaved and their order rotated each round, so that load
/// drifting over the run falls on all of them alike: per decoder its MB/s of each round, and per
/// round each decoder's rate over the f64 model's in that same round.
fn interleaved(
    holds: Holds,
    resp: &http::Response<Vec<u8>>,
    rounds: usize,
    min: Duration,
) -> ([Vec<f64>; 3], [Vec<f64>; 3]) {
    let mut rates: [Vec<f64>; 3] = Default::default();
    let mut ratios: [Vec<f64>; 3] = Default::default();
    for r in 0..rounds {
        let mut this = [0.0; 3];
        for k in 0..DECODERS.len() {
            let i = (r + k) % DECODERS.len();
            this[i] = round(DECODERS[i], holds, resp, min);
        }
        for i in 0..DECODERS.len() {
            rates[i].push(this[i]);
            ratios[i].push(this[i] / this[1]);
        }
    }
    (rates, ratios)
}

/// (median, min, max).
fn spread(v: &[f64]) -> (f64, f64, f64) {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

/// The load average, printed next to the figures it may have moved.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "-".into())
}

fn allocations_per_item(
    d: Decoder,
    holds: Holds,
    resp: &http::Response<Vec<u8>>,
    items: usize,
) -> f64 {
    let region = Region::new(HEAP);
    std::hint::black_box(d.run(holds, resp));
    let s = region.change();
    (s.allocations + s.reallocations) as f64 / items as f64
}

fn vm_hwm() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Child mode: load the body, note the high-water mark, decode once, print the growth.
fn child_peak(decoder: &str, path: &str) {
    let body = std::fs::read(path).expect("body file");
    // Moved, not copied: the high-water mark before decoding holds the body once.
    let resp = http::Response::builder().status(200).body(body).unwrap();
    let before = vm_hwm();
    let d = match decoder {
        "typed" => Decoder::Typed,
        "f64" => Decoder::F64,
        _ => Decoder::Value,
    };
    let out = d.run(Holds::Transactions, &resp);
    println!("{} {out}", vm_hwm().saturating_sub(before));
}

fn peak_in_child(d: Decoder, path: &std::path::Path) -> u64 {
    let arg = match d {
        Decoder::Typed => "typed",
        Decoder::F64 => "f64",
        Decoder::Value => "value",
    };
    let exe = std::env::current_exe().expect("own path");
    let out = std::process::Command::new(exe)
        .args(["--peak", arg, path.to_str().unwrap()])
        .output()
        .expect("child");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--peak") {
        return child_peak(&args[i + 1], &args[i + 2]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    // Each decoder gets about the same time per body whatever its size, in rounds short
    // enough that a burst of load on the machine lands on one round of each decoder, not on
    // one decoder's whole share: a round of 0.4 s each (as this bench once had) let a slow
    // second move one decoder's median.
    let budget = if quick {
        Duration::from_millis(450)
    } else {
        Duration::from_millis(3600)
    };
    println!(
        "rounds of ≥ {ROUND:?} per decoder (at least one decode), as many as fit in {budget:?} per decoder, interleaved and rotated; medians, [min–max] over rounds\n"
    );
    println!(
        "| items | body | decoder | rounds | MB/s | vs f64 model (per round) | vs Value | allocs/item | peak growth / body | load |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let accounts = accounts_body();
    let bodies = [(Holds::Accounts, accounts)]
        .into_iter()
        .chain([100usize, 10_000, 100_000].map(|n| (Holds::Transactions, body(n))));
    for (holds, body) in bodies {
        let resp = response(&body);
        let n = Decoder::F64.run(holds, &resp);
        let items = match holds {
            Holds::Accounts => format!("{n} accounts"),
            Holds::Transactions => n.to_string(),
        };
        let path =
            std::env::temp_dir().join(format!("lean-bench-decode-{n}-{}.json", std::process::id()));
        if std::fs::write(&path, &body).is_err() {
            eprintln!("cannot write {}: peak memory not measured", path.display());
        }
        if n == 0 || DECODERS.iter().any(|d| d.run(holds, &resp) != n) {
            eprintln!("a decoder did not read {n} items: skipped");
            continue;
        }
        let (rounds, min) = rounds_for(holds, &resp, budget, quick);
        let (rates, ratios) = interleaved(holds, &resp, rounds, min);
        let value_rate = spread(&rates[2]).0;
        for (i, d) in DECODERS.into_iter().enumerate() {
            let (rate, lo, hi) = spread(&rates[i]);
            let (ratio, rlo, rhi) = spread(&ratios[i]);
            let peak = if holds == Holds::Transactions && n >= 10_000 {
                format!("{:.2}×", peak_in_child(d, &path) as f64 / body.len() as f64)
            } else {
                "-".into()
            };
            println!(
                "| {items} | {:.1} KB | {} | {rounds} | {rate:.0} [{lo:.0}–{hi:.0}] | {ratio:.2}× [{rlo:.2}–{rhi:.2}] | {:.2}× | {:.1} | {peak} | {} |",
                body.len() as f64 / 1024.0,
                d.name(),
                rate / value_rate,
                allocations_per_item(d, holds, &resp, n),
                load(),
            );
        }
        let _ = std::fs::remove_file(&path);
    }
    // What each decoded item costs inline (the rare nested objects are boxed behind it).
    println!(
        "\nsize of one item inline: typed `Transaction` {} B, f64 model {} B",
        std::mem::size_of::<Transaction>(),
        std::mem::size_of::<f64_model::Transaction>()
    );
}
