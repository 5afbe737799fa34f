//! What one call costs through lean-rs against what a user would write by hand with the HTTP
//! client it is built on: the same GET and a typed serde parse of the same bytes into the same
//! fields with f64 amounts (`lean_bench::hand_written`): per adapter (ureq, reqwest on
//! tokio, surf on async-std), on `accounts` (9 items, ~7 KB) and on a 100-transaction page
//! (~118 KB), against lean-sandbox on loopback with no bank latency. The lean side does
//! everything a real call does (token from the cache, the call state machine, typed and exact
//! decoding). Rounds alternate between the two so that machine noise hits both alike.
//!
//! `cargo bench -p lean-bench --bench per_call` (`-- --quick` for a short run).

use lean_conformance::Executor;
use lean_conformance::executors::{AsyncStd, Tokio};
use lean_proto::{EntityId, GetAccounts, GetTransactions};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::time::{Duration, Instant};

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One kind of request, as lean-rs makes it and as a raw client would.
#[derive(Clone, Copy)]
enum Route {
    Accounts,
    Transactions100,
}

struct Fixture {
    _sandbox: lean_sandbox::Sandbox,
    config: lean_proto::Config,
    entity: EntityId,
    account: lean_proto::AccountId,
    base: String,
    token: String,
}

impl Fixture {
    fn start() -> Fixture {
        let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
            bank_latency: lean_sandbox::Latency::fixed(Duration::ZERO),
            ..Default::default()
        })
        .expect("emulator");
        let entity = sandbox.entities()[0].clone();
        let account = sandbox.accounts(&entity)[0].clone();
        Fixture {
            config: sandbox.client_config(),
            base: sandbox.base_url(),
            token: lean_bench::token(&sandbox),
            entity,
            account,
            _sandbox: sandbox,
        }
    }

    fn url(&self, r: Route) -> String {
        match r {
            Route::Accounts => format!("{}/data/v2/accounts?entity_id={}", self.base, self.entity),
            Route::Transactions100 => format!(
                "{}/data/v2/accounts/{}/transactions?entity_id={}&size=100",
                self.base, self.account, self.entity
            ),
        }
    }

    fn transactions(&self) -> GetTransactions {
        let mut t = GetTransactions::new(self.entity.clone(), self.account.clone());
        t.options.size = Some(100);
        t
    }
}

/// What a hand-written client does with the bytes: a typed serde parse into the same fields,
/// amounts as f64 (`lean_bench::hand_written`); the item count, so nothing is optimised away.
fn typed_items(route: Route, bytes: &[u8]) -> usize {
    use lean_bench::hand_written::{AccountsData, Envelope, TransactionsData};
    match route {
        Route::Accounts => serde_json::from_slice::<Envelope<AccountsData>>(bytes)
            .ok()
            .and_then(|e| e.data)
            .map_or(0, |d| d.accounts.len()),
        Route::Transactions100 => serde_json::from_slice::<Envelope<TransactionsData>>(bytes)
            .ok()
            .and_then(|e| e.data)
            .map_or(0, |d| d.transactions.len()),
    }
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
    let region = Region::new(HEAP);
    f();
    let s = region.change();
    (s.allocations + s.reallocations) as u64
}

struct Row {
    adapter: &'static str,
    route: &'static str,
    lean: f64,
    raw: f64,
    /// Per-round lean/raw, sorted.
    ratios: Vec<f64>,
    lean_allocs: u64,
    raw_allocs: u64,
}

/// `rounds` rounds of `n` calls each of both, their order swapped every round: (median lean
/// µs, median raw µs, per-round lean/raw ratios).
fn measure(
    rounds: usize,
    n: usize,
    mut lean: impl FnMut(),
    mut raw: impl FnMut(),
) -> (f64, f64, Vec<f64>) {
    // Warm both: connections open, token cached, code paths hot.
    for _ in 0..50 {
        lean();
        raw();
    }
    let (mut l, mut r, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
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
        ratios.push(a / b);
    }
    l.sort_by(|a, b| a.total_cmp(b));
    r.sort_by(|a, b| a.total_cmp(b));
    ratios.sort_by(|a, b| a.total_cmp(b));
    (l[rounds / 2], r[rounds / 2], ratios)
}

fn ureq_rows(fx: &Fixture, rounds: usize, n: usize) -> Vec<Row> {
    let client = lean_ureq::Client::new(fx.config.clone()).expect("client");
    let agent = ureq::Agent::new_with_defaults();
    let mut rows = Vec::new();
    for (route, name) in [
        (Route::Accounts, "accounts"),
        (Route::Transactions100, "100 transactions"),
    ] {
        let url = fx.url(route);
        let auth = format!("Bearer {}", fx.token);
        let mut lean = || match route {
            Route::Accounts => {
                std::hint::black_box(
                    client
                        .call(GetAccounts::new(fx.entity.clone()))
                        .send()
                        .expect("lean"),
                );
            }
            Route::Transactions100 => {
                std::hint::black_box(client.call(fx.transactions()).send().expect("lean"));
            }
        };
        let mut raw = || {
            let resp = agent
                .get(&url)
                .header("authorization", &auth)
                .call()
                .expect("raw");
            let bytes = resp.into_body().read_to_vec().expect("body");
            std::hint::black_box(typed_items(route, &bytes));
        };
        let (l, r, ratios) = measure(rounds, n, &mut lean, &mut raw);
        rows.push(Row {
            adapter: "ureq",
            route: name,
            lean: l,
            raw: r,
            ratios,
            lean_allocs: allocs(&mut lean),
            raw_allocs: allocs(&mut raw),
        });
    }
    rows
}

fn reqwest_rows(fx: &Fixture, rounds: usize, n: usize) -> Vec<Row> {
    let client = lean_reqwest::Client::new(fx.config.clone()).expect("client");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let raw_client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .expect("reqwest");
    let mut rows = Vec::new();
    for (route, name) in [
        (Route::Accounts, "accounts"),
        (Route::Transactions100, "100 transactions"),
    ] {
        let url = fx.url(route);
        let auth = format!("Bearer {}", fx.token);
        let mut lean = || {
            Tokio::block_on(async {
                match route {
                    Route::Accounts => {
                        std::hint::black_box(
                            client
                                .call(GetAccounts::new(fx.entity.clone()))
                                .await
                                .expect("lean"),
                        );
                    }
                    Route::Transactions100 => {
                        std::hint::black_box(client.call(fx.transactions()).await.expect("lean"));
                    }
                }
            })
        };
        let mut raw = || {
            Tokio::block_on(async {
                let resp = raw_client
                    .get(&url)
                    .header("authorization", &auth)
                    .send()
                    .await
                    .expect("raw");
                let bytes = resp.bytes().await.expect("body");
                std::hint::black_box(typed_items(route, &bytes));
            })
        };
        let (l, r, ratios) = measure(rounds, n, &mut lean, &mut raw);
        rows.push(Row {
            adapter: "reqwest (tokio)",
            route: name,
            lean: l,
            raw: r,
            ratios,
            lean_allocs: allocs(&mut lean),
            raw_allocs: allocs(&mut raw),
        });
    }
    rows
}

fn surf_rows(fx: &Fixture, rounds: usize, n: usize) -> Vec<Row> {
    let client = lean_surf::Client::new(fx.config.clone()).expect("client");
    // Raw surf as lean-surf configures it: keep-alive on, no surf-level timeout.
    let raw_client: surf::Client = surf::Config::new()
        .set_timeout(None)
        .set_http_keep_alive(true)
        .try_into()
        .expect("surf");
    let mut rows = Vec::new();
    for (route, name) in [
        (Route::Accounts, "accounts"),
        (Route::Transactions100, "100 transactions"),
    ] {
        let url = fx.url(route);
        let auth = format!("Bearer {}", fx.token);
        let mut lean = || {
            AsyncStd::block_on(async {
                match route {
                    Route::Accounts => {
                        std::hint::black_box(
                            client
                                .call(GetAccounts::new(fx.entity.clone()))
                                .await
                                .expect("lean"),
                        );
                    }
                    Route::Transactions100 => {
                        std::hint::black_box(client.call(fx.transactions()).await.expect("lean"));
                    }
                }
            })
        };
        let mut raw = || {
            AsyncStd::block_on(async {
                let mut resp = raw_client
                    .get(&url)
                    .header("authorization", auth.as_str())
                    .await
                    .expect("raw");
                let bytes = resp.body_bytes().await.expect("body");
                std::hint::black_box(typed_items(route, &bytes));
            })
        };
        let (l, r, ratios) = measure(rounds, n, &mut lean, &mut raw);
        rows.push(Row {
            adapter: "surf (async-std)",
            route: name,
            lean: l,
            raw: r,
            ratios,
            lean_allocs: allocs(&mut lean),
            raw_allocs: allocs(&mut raw),
        });
    }
    rows
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, n) = if quick { (3, 200) } else { (7, 1_000) };
    let fx = Fixture::start();
    let mut rows = ureq_rows(&fx, rounds, n);
    rows.extend(reqwest_rows(&fx, rounds, n));
    rows.extend(surf_rows(&fx, rounds, n));
    println!(
        "\nper call, lean-rs vs a hand-written client: the same GET + a typed serde parse, f64 amounts ({rounds} rounds of {n}, medians)\n"
    );
    println!(
        "| adapter | request | lean µs/call | hand-written µs/call | lean / hand-written, per round: median [min–max] | allocations lean / hand-written |"
    );
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let k = r.ratios.len();
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2}× [{:.2}–{:.2}] | {} / {} |",
            r.adapter,
            r.route,
            r.lean,
            r.raw,
            r.ratios[k / 2],
            r.ratios[0],
            r.ratios[k - 1],
            r.lean_allocs,
            r.raw_allocs
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("\nload average at the end: {}", load.trim());
}
