//! What one call costs through lean-rs against what a user would write by hand with the HTTP
//! client it is built on: the same GET (the same headers and a correlation id of its own:
//! `lean_bench::floor`) and a typed serde parse of the same bytes into the same
//! fields with f64 amounts (`lean_bench::hand_written`): per adapter (ureq, reqwest on
//! tokio, surf on async-std), on `accounts` (9 items, ~7 KB) and on a 100-transaction page
//! (~118 KB), against lean-sandbox on loopback with no bank latency, in a process of its own
//! (pinned to another CPU where there are two), so that CPU and allocations counted here are the
//! clients' alone. The lean side does
//! everything a real call does (token from the cache, the call state machine, typed and exact
//! decoding). The two sides take turns call by call, so that machine noise hits both alike.
//!
//! A row runs inside one entry into its runtime, as a program's calls do (ureq's calls are
//! blocking and need none).
//!
//! `cargo bench -p lean-bench --bench per_call` (`-- --quick` for a short run; `--only accounts`
//! or `--only transactions`, `--adapter ureq|reqwest|surf` to narrow it; `--side lean` or
//! `--side hand-written` runs one side alone, for a profiler; `--ladder` adds, for `accounts`,
//! lean-rs's call against the hand-written client with lean-rs's parts put in one at a time:
//! its transport, its decode, its request, the core's whole call; see [`Rung`]).

use lean_bench::floor::{self, Hand};
use lean_bench::remote::Remote;
use lean_conformance::Executor;
use lean_conformance::executors::{AsyncStd, Tokio};
use lean_proto::{EntityId, GetAccounts, GetTransactions};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

#[global_allocator]
static HEAP: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One kind of request, as lean-rs makes it and as a raw client would.
#[derive(Clone, Copy)]
enum Route {
    Accounts,
    Transactions100,
}

struct Fixture {
    remote: Remote,
    config: lean_proto::Config,
    entity: EntityId,
    account: lean_proto::AccountId,
    base: String,
    token: String,
    /// The requests measured (`--only accounts` or `--only transactions` narrows them).
    routes: Vec<(Route, &'static str)>,
}

impl Fixture {
    fn start() -> Fixture {
        let remote = Remote::start(
            env!("CARGO_BIN_EXE_lean-bench-emulator"),
            &["--bank-latency", "0s"],
        )
        .expect("emulator");
        let (entity, accounts) = remote.entities[0].clone();
        Fixture {
            config: remote.config_v2(),
            base: remote.base_url.clone(),
            token: remote.token(),
            entity,
            account: accounts[0].clone(),
            remote,
            routes: [
                (Route::Accounts, "accounts"),
                (Route::Transactions100, "100 transactions"),
            ]
            .into_iter()
            .filter(|(_, name)| only().is_none_or(|o| name.contains(o.as_str())))
            .collect(),
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

/// `--only WORD`: the routes whose name holds it, and `--adapter WORD`: the adapters.
fn only() -> Option<String> {
    lean_bench::flag("--only")
}

/// What a hand-written client does with the bytes: a typed serde parse into the same fields,
/// amounts as f64 (`lean_bench::hand_written`); the item count, so nothing is optimised away.
fn typed_items(route: Route, bytes: &[u8]) -> usize {
    match route {
        Route::Accounts => lean_bench::hand_written::accounts(bytes),
        Route::Transactions100 => lean_bench::hand_written::transactions(bytes),
    }
}

/// One call: its wall-clock, the client's CPU and the emulator's CPU, in µs. The clock runs
/// only around the call; the CPU readings bracket it from outside (reading the emulator's
/// `/proc` entries costs this process CPU, so that reading comes first and last).
async fn timed(remote: &Remote, call: impl Future<Output = ()>) -> Sample {
    let emu = remote.cpu_time();
    let cpu = lean_bench::process_cpu_time();
    let start = Instant::now();
    call.await;
    let wall = start.elapsed();
    let cpu = lean_bench::process_cpu_time().saturating_sub(cpu);
    let emu = remote.cpu_time().saturating_sub(emu);
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    Sample {
        wall: us(wall),
        cpu: us(cpu),
        emulator_cpu: us(emu),
    }
}

async fn allocs(call: impl Future<Output = ()>) -> u64 {
    let region = Region::new(HEAP);
    call.await;
    let s = region.change();
    (s.allocations + s.reallocations) as u64
}

/// Runs a future whose work is blocking (ureq's calls): it is ready at its first poll, and
/// one that is not would wait for a wake nothing sends, so it ends the bench instead.
fn run_blocking<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match std::pin::pin!(f).poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a blocking row awaited something: it needs a runtime"),
    }
}

/// One row: both sides measured over `rounds` rounds of `n` calls, then their allocations
/// per call. A row runs inside one entry into its runtime (one `block_on`), as a program's
/// calls do: entering async-std's runtime for every call hands its reactor to async-io's own
/// thread between calls, so that every answer then comes through a thread switch.
async fn row(
    adapter: &'static str,
    route: &'static str,
    fx: &Fixture,
    (rounds, n): (usize, usize),
    mut lean: impl AsyncFnMut(),
    mut raw: impl AsyncFnMut(),
) -> Row {
    let (l, r, ratios) = measure(&fx.remote, rounds, n, &mut lean, &mut raw).await;
    Row {
        adapter,
        route,
        lean: l,
        raw: r,
        ratios,
        lean_allocs: allocs(lean()).await,
        raw_allocs: allocs(raw()).await,
    }
}

struct Row {
    adapter: &'static str,
    route: &'static str,
    lean: Sample,
    raw: Sample,
    /// Per-round lean/raw, sorted.
    ratios: Vec<f64>,
    lean_allocs: u64,
    raw_allocs: u64,
}

/// One side's µs per call: over a round, or the medians over the rounds.
#[derive(Clone, Copy, Default)]
struct Sample {
    wall: f64,
    cpu: f64,
    /// The emulator's CPU for this side's calls: a request that costs the server more shows
    /// here, not in the client's CPU.
    emulator_cpu: f64,
}

impl std::ops::AddAssign for Sample {
    fn add_assign(&mut self, o: Sample) {
        self.wall += o.wall;
        self.cpu += o.cpu;
        self.emulator_cpu += o.emulator_cpu;
    }
}

/// `rounds` rounds of `n` calls of each side, the two taking turns call by call (which goes
/// first swaps every call): the lean side, the raw side, and the per-round lean/raw ratios of
/// wall time, sorted. Taking turns call by call, not round by round, is what makes the ratio
/// hold on a shared machine: a stall of a few milliseconds (another VM, a build) lands on both
/// sides alike instead of on one side's whole round, which spread round ratios over
/// 0.72–1.43× when the sides ran a round each in turn.
async fn measure(
    remote: &Remote,
    rounds: usize,
    n: usize,
    lean: &mut impl AsyncFnMut(),
    raw: &mut impl AsyncFnMut(),
) -> (Sample, Sample, Vec<f64>) {
    // `--side lean` or `--side hand-written`: only that side runs (to profile it alone).
    let side = lean_bench::flag("--side");
    let runs = |name: &str| side.as_deref().is_none_or(|s| s == name);
    let (run_lean, run_raw) = (runs("lean"), runs("hand-written"));
    // Warm both: connections open, token cached, code paths hot.
    for _ in 0..50 {
        if run_lean {
            lean().await;
        }
        if run_raw {
            raw().await;
        }
    }
    let (mut l, mut r, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        // Outside the timed calls: a thread the emulator started since is counted from here.
        remote.rescan();
        let (mut a, mut b) = (Sample::default(), Sample::default());
        for j in 0..n {
            let lean_call = async {
                if run_lean {
                    lean().await
                }
            };
            let raw_call = async {
                if run_raw {
                    raw().await
                }
            };
            if (i + j) % 2 == 0 {
                a += timed(remote, lean_call).await;
                b += timed(remote, raw_call).await;
            } else {
                b += timed(remote, raw_call).await;
                a += timed(remote, lean_call).await;
            }
        }
        let per = |s: Sample| Sample {
            wall: s.wall / n as f64,
            cpu: s.cpu / n as f64,
            emulator_cpu: s.emulator_cpu / n as f64,
        };
        ratios.push(a.wall / b.wall);
        l.push(per(a));
        r.push(per(b));
    }
    ratios.sort_by(|a, b| a.total_cmp(b));
    (median(&l), median(&r), ratios)
}

fn median(samples: &[Sample]) -> Sample {
    let mid = |f: fn(&Sample) -> f64| {
        let mut v: Vec<f64> = samples.iter().map(f).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    Sample {
        wall: mid(|s| s.wall),
        cpu: mid(|s| s.cpu),
        emulator_cpu: mid(|s| s.emulator_cpu),
    }
}

fn ureq_rows(fx: &Fixture, rounds: usize, n: usize) -> Vec<Row> {
    use ureq::unversioned::resolver::DefaultResolver;
    use ureq::unversioned::transport::DefaultConnector;
    // lean-ureq's own agent; and, on `accounts`, an agent of the application's own
    // (`.http_client`), built with lean-ureq's resolver or left with ureq's, which starts a
    // thread per request under the timeout lean-rs sets on every exchange.
    let own = |cached: bool| {
        let config = ureq::config::Config::builder().build();
        let agent = if cached {
            let resolver = lean_ureq::CachingResolver::default();
            ureq::Agent::with_parts(config, DefaultConnector::default(), resolver)
        } else {
            let resolver = DefaultResolver::default();
            ureq::Agent::with_parts(config, DefaultConnector::default(), resolver)
        };
        let builder = lean_ureq::Client::builder(fx.config.clone()).http_client(agent);
        builder.build().expect("client")
    };
    let clients = [
        (
            "ureq",
            lean_ureq::Client::new(fx.config.clone()).expect("client"),
            true,
        ),
        ("ureq, own agent + CachingResolver", own(true), false),
        ("ureq, own agent + ureq's resolver", own(false), false),
    ];
    let agent = ureq::Agent::new_with_defaults();
    let mut rows = Vec::new();
    for (adapter, client, every_route) in &clients {
        for &(route, name) in &fx.routes {
            if !every_route && !matches!(route, Route::Accounts) {
                continue;
            }
            let url = fx.url(route);
            let auth = format!("Bearer {}", fx.token);
            let lean = async || match route {
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
            let hand = Hand {
                url: &url,
                auth: ("authorization", &auth),
                json: None,
            };
            let raw = async || {
                let bytes = floor::ureq(&agent, hand).expect("raw");
                std::hint::black_box(typed_items(route, &bytes));
            };
            rows.push(run_blocking(row(adapter, name, fx, (rounds, n), lean, raw)));
        }
    }
    if wants_ladder() {
        use lean_client::transport::{BlockingTransport, Connect};
        let transport = lean_ureq::Ureq::connect(&Default::default()).expect("transport");
        let client = &clients[0].1;
        let lean = async || {
            let accounts = client.call(GetAccounts::new(fx.entity.clone())).send();
            std::hint::black_box(accounts.expect("lean"));
        };
        let send = async |request| transport.send(request, EXCHANGE_TIMEOUT).expect("exchange");
        rows.extend(run_blocking(ladder("ureq", fx, (rounds, n), lean, send)));
    }
    rows
}

/// One lean-rs call of `route` on an async client.
async fn lean_async<T: lean_client::transport::AsyncTransport>(
    client: &lean_client::Client<T>,
    route: Route,
    fx: &Fixture,
) {
    match route {
        Route::Accounts => {
            let accounts = client.call(GetAccounts::new(fx.entity.clone())).await;
            std::hint::black_box(accounts.expect("lean"));
        }
        Route::Transactions100 => {
            std::hint::black_box(client.call(fx.transactions()).await.expect("lean"));
        }
    }
}

fn reqwest_rows(fx: &Fixture, rounds: usize, n: usize) -> Vec<Row> {
    let client = lean_reqwest::Client::new(fx.config.clone()).expect("client");
    let raw_client = lean_bench::raw_reqwest().expect("reqwest");
    let raw = async |hand: Hand<'_>| floor::reqwest(&raw_client, hand).await.expect("raw");
    async_rows::<Tokio, _, _>("reqwest (tokio)", fx, (rounds, n), &client, raw)
}

fn surf_rows(fx: &Fixture, rounds: usize, n: usize) -> Vec<Row> {
    let client = lean_surf::Client::new(fx.config.clone()).expect("client");
    // One call at a time: one connection.
    let raw_client = lean_bench::raw_surf(1).expect("surf");
    let raw = async |hand: Hand<'_>| floor::surf(&raw_client, hand).await.expect("raw");
    async_rows::<AsyncStd, _, _>("surf (async-std)", fx, (rounds, n), &client, raw)
}

/// An async adapter's rows, each inside one entry into its runtime `E`: `client` against the
/// hand-written client, which sends the floor's request with `raw`; then its ladder, if asked.
fn async_rows<E: Executor, T: lean_client::transport::AsyncTransport, B: AsRef<[u8]>>(
    adapter: &'static str,
    fx: &Fixture,
    (rounds, n): (usize, usize),
    client: &lean_client::Client<T>,
    raw: impl AsyncFn(Hand<'_>) -> B,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for &(route, name) in &fx.routes {
        let url = fx.url(route);
        let auth = format!("Bearer {}", fx.token);
        let hand = Hand {
            url: &url,
            auth: ("authorization", &auth),
            json: None,
        };
        let lean = async || lean_async(client, route, fx).await;
        let raw = async || {
            let bytes = raw(hand).await;
            std::hint::black_box(typed_items(route, bytes.as_ref()));
        };
        rows.push(E::block_on(row(adapter, name, fx, (rounds, n), lean, raw)));
    }
    if wants_ladder() {
        rows.extend(E::block_on(async_ladder(adapter, fx, (rounds, n), client)));
    }
    rows
}

/// lean-rs's parts put into the hand-written client one at a time (`--ladder`, `accounts`):
/// each rung is measured against the whole lean-rs call, the two taking turns as above, so the
/// ratio says how much of the gap is left above that rung. A rung that costs what lean-rs does
/// (1.00×) holds the whole gap; the parts above it cost nothing measurable.
#[derive(Clone, Copy)]
enum Rung {
    /// lean-rs's transport (the adapter) sends the hand-written request; the hand-written
    /// model parses the answer.
    Transport,
    /// ... and the core's decode (`lean_proto::classify`) reads the answer.
    Decode,
    /// ... and the core builds the request (`Endpoint::build`, with a correlation id).
    Build,
    /// The core's whole call (`lean_proto::call::Call`: token, request, answer) driven inline,
    /// without the driver (`lean-client`).
    Core,
}

impl Rung {
    const ALL: [Rung; 4] = [Rung::Transport, Rung::Decode, Rung::Build, Rung::Core];

    fn name(self) -> &'static str {
        match self {
            Rung::Transport => "accounts, against lean-rs's transport + hand-written parse",
            Rung::Decode => "accounts, against lean-rs's transport + its decode",
            Rung::Build => "accounts, against lean-rs's request, transport and decode",
            Rung::Core => "accounts, against the core's call driven inline (no driver)",
        }
    }
}

/// What the rungs share: the hand-written request's URL and credential (made once, as the
/// hand-written rows make them), the token as lean-rs holds it, and the core's token cache,
/// results registry and correlation ids.
struct Parts {
    url: String,
    auth: String,
    token: lean_proto::Secret,
    tokens: lean_proto::auth::TokenCache,
    results: lean_proto::results::InMemoryResults,
    ids: std::cell::RefCell<lean_proto::rng::Rng>,
}

impl Parts {
    fn new(fx: &Fixture) -> Parts {
        Parts {
            url: fx.url(Route::Accounts),
            auth: format!("Bearer {}", fx.token),
            token: lean_proto::Secret::new(fx.token.clone()),
            tokens: lean_proto::auth::TokenCache::new(&fx.config),
            results: lean_proto::results::InMemoryResults::default(),
            ids: std::cell::RefCell::new(lean_proto::rng::Rng::new(7)),
        }
    }
}

/// A transport's exchange, as the rungs use it.
type Answer = http::Response<lean_client::transport::Bytes>;

/// How long a rung's exchange may take (the transports' timeout argument).
const EXCHANGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One `accounts` call at `rung`, sent with `send`.
async fn climb(
    rung: Rung,
    fx: &Fixture,
    parts: &Parts,
    send: &impl AsyncFn(http::Request<Vec<u8>>) -> Answer,
) {
    use lean_proto::call::{Call, CallConfig, Context};
    use lean_proto::{Account, Endpoint, Page};
    let hand_written = || {
        floor::http(Hand {
            url: &parts.url,
            auth: ("authorization", &parts.auth),
            json: None,
        })
    };
    match rung {
        Rung::Transport => {
            let answer = send(hand_written()).await;
            std::hint::black_box(typed_items(Route::Accounts, answer.body()));
        }
        Rung::Decode => {
            let answer = send(hand_written()).await;
            std::hint::black_box(lean_proto::classify::<Page<Account>>(&answer).expect("decode"));
        }
        Rung::Build => {
            let correlation = lean_proto::correlation::generate(&mut parts.ids.borrow_mut());
            let api_base = fx.config.api_base();
            let target = lean_proto::Target {
                api_base: &api_base,
                auth: lean_proto::Auth::Bearer(&parts.token),
                correlation_id: Some(&correlation),
            };
            let request = GetAccounts::new(fx.entity.clone()).build(&target);
            let answer = send(request.expect("request")).await;
            std::hint::black_box(lean_proto::classify::<Page<Account>>(&answer).expect("decode"));
        }
        Rung::Core => {
            let ctx = Context {
                tokens: &parts.tokens,
                results: &parts.results,
            };
            let (endpoint, base) = (GetAccounts::new(fx.entity.clone()), fx.config.api_base());
            let mut call: Call<Page<Account>> =
                Call::new(endpoint, base, CallConfig::default(), Instant::now());
            // A token, then the data: two requests at most; more would be a failure here.
            for _ in 0..2 {
                let tx = call.poll_transmit(Instant::now(), &ctx).expect("a request");
                let answer = send(tx.request).await;
                call.handle_response(tx.id, answer, Instant::now(), &ctx);
                if let Some(outcome) = call.poll_outcome() {
                    std::hint::black_box(outcome.expect("the call"));
                    return;
                }
            }
            panic!("the core's call asked for a third request");
        }
    }
}

/// The ladder's rows for one adapter: its lean-rs call against each rung.
async fn ladder(
    adapter: &'static str,
    fx: &Fixture,
    (rounds, n): (usize, usize),
    mut lean: impl AsyncFnMut(),
    send: impl AsyncFn(http::Request<Vec<u8>>) -> Answer,
) -> Vec<Row> {
    let parts = Parts::new(fx);
    let mut rows = Vec::new();
    for rung in Rung::ALL {
        let climbed = async || climb(rung, fx, &parts, &send).await;
        rows.push(row(adapter, rung.name(), fx, (rounds, n), &mut lean, climbed).await);
    }
    rows
}

/// The ladder of an async adapter: `client`'s `accounts` call against each rung, the rungs
/// sending over a transport of the client's kind.
async fn async_ladder<T: lean_client::transport::AsyncTransport>(
    adapter: &'static str,
    fx: &Fixture,
    (rounds, n): (usize, usize),
    client: &lean_client::Client<T>,
) -> Vec<Row> {
    let transport = T::connect(&Default::default()).expect("transport");
    let lean = async || lean_async(client, Route::Accounts, fx).await;
    let send = async |request| {
        let answer = transport.send(request, EXCHANGE_TIMEOUT).await;
        answer.expect("exchange")
    };
    ladder(adapter, fx, (rounds, n), lean, send).await
}

/// `--ladder`: the rungs too.
fn wants_ladder() -> bool {
    std::env::args().any(|a| a == "--ladder")
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // Many short rounds: the median of per-round ratios is what noise moves least.
    let (rounds, n) = if quick { (5, 100) } else { (31, 200) };
    let fx = Fixture::start();
    let adapter = lean_bench::flag("--adapter");
    let wanted = |name: &str| adapter.as_deref().is_none_or(|a| name.contains(a));
    let mut rows = Vec::new();
    if wanted("ureq") {
        rows.extend(ureq_rows(&fx, rounds, n));
    }
    if wanted("reqwest") {
        rows.extend(reqwest_rows(&fx, rounds, n));
    }
    if wanted("surf") {
        rows.extend(surf_rows(&fx, rounds, n));
    }
    println!(
        "\nper call, lean-rs vs a hand-written client: the same GET + a typed serde parse, f64 amounts ({rounds} rounds of {n}, medians)\n"
    );
    println!(
        "| adapter | request | lean µs/call | hand-written µs/call | lean / hand-written, per round: median [min–max] | CPU µs/call lean / hand-written | emulator CPU µs/call lean / hand-written | allocations lean / hand-written |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        let k = r.ratios.len();
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2}× [{:.2}–{:.2}] | {:.0} / {:.0} | {:.0} / {:.0} | {} / {} |",
            r.adapter,
            r.route,
            r.lean.wall,
            r.raw.wall,
            r.ratios[k / 2],
            r.ratios[0],
            r.ratios[k - 1],
            r.lean.cpu,
            r.raw.cpu,
            r.lean.emulator_cpu,
            r.raw.emulator_cpu,
            r.lean_allocs,
            r.raw_allocs
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\n{}; load average at the end: {}",
        fx.remote.placement,
        load.trim()
    );
}
