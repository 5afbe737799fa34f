//! Calls per second with 1, 4, 16 and 64 callers at once: lean-rs against the HTTP library it
//! is built on, used by hand (the same request and a typed serde parse of the answer into the
//! same fields with f64 amounts, `lean_bench::hand_written`), for each adapter (ureq with a
//! thread per caller, reqwest with a tokio task per caller, surf with an async-std task per
//! caller) and both API generations: v2 (a bearer token, from lean-rs's cache) and v1 (the
//! application token on every request). The request is `accounts` (9 accounts, ~7 KB).
//!
//! The emulator runs in a process of its own, pinned to another CPU where the machine has two,
//! so the client side has one CPU to itself and the figure is what a client gets out of it.
//! Each figure is a window in which every caller loops, the calls completed in it counted;
//! windows of lean-rs and of the hand-written client alternate (which goes first swaps every
//! round), and each ratio is taken within its round: medians, with min–max. Beside the CPU each
//! side kept busy, the times its threads were switched in per call (the kernel's count): on
//! one CPU that is the price of a runtime that hands its reactor between threads (async-std),
//! and why two clients a few µs apart per call can be far apart in calls/s. For async-std a
//! second table sorts the windows into its two regimes (reactor handed off or not) and gives
//! the calls/s, CPU and switches a call within each, and the calls/s over all windows.
//!
//! `cargo bench -p lean-bench --bench concurrency` (`-- --quick` for a short run;
//! `--adapter ureq|reqwest|surf`, `--api v1|v2`, `--callers N` to narrow it, `--rounds N` for
//! more rounds than 11; `--side lean` or `--side hand-written` runs one side alone, for a
//! profiler; `--hand-written-extra N`, a calibration: the hand-written client folds N bytes
//! more a call, a few µs of CPU with next to no code, to see what that costs at each
//! concurrency).

use lean_bench::floor::{self, Hand};
use lean_conformance::Executor;
use lean_conformance::executors::{AsyncStd, Tokio};
use lean_proto::{EntityId, GetAccounts, V1GetAccounts};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Which generation of Lean's API the calls use.
#[derive(Clone, Copy, PartialEq)]
enum Api {
    V1,
    V2,
}

impl Api {
    fn name(self) -> &'static str {
        match self {
            Api::V1 => "v1",
            Api::V2 => "v2",
        }
    }
}

/// The hand-written `accounts` request of `api`, and an error unless its answer held accounts.
#[derive(Clone)]
struct Raw {
    accounts: floor::Accounts,
    /// `--hand-written-extra N`: bytes of each answer folded into a number after the parse.
    extra: usize,
}

impl Raw {
    fn new(remote: &lean_bench::remote::Remote, entity: &EntityId, api: Api) -> Raw {
        Raw {
            accounts: floor::Accounts::new(remote, entity, api == Api::V1),
            extra: extra_bytes(),
        }
    }

    fn hand(&self) -> Hand<'_> {
        self.accounts.hand()
    }

    fn parsed(&self, bytes: &[u8]) -> Result<(), String> {
        if self.extra > 0 {
            // A chain of multiplies: CPU time a byte and next to no code, so what it adds to a
            // call is time alone, not instruction-cache misses.
            let fold = bytes.iter().cycle().take(self.extra);
            std::hint::black_box(
                fold.fold(0u64, |a, &b| a.wrapping_mul(31).wrapping_add(b.into())),
            );
        }
        if self.accounts.parsed(bytes) > 0 {
            Ok(())
        } else {
            Err(format!(
                "hand-written: no accounts in {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ))
        }
    }
}

/// `--hand-written-extra N` (0 without it): a calibration, not a comparison. The hand-written
/// client then does a few µs more CPU work a call (N bytes folded, about 1 ns each on the
/// machine measured, 2026-12-07), to see what that much costs it in calls/s at each concurrency; on
/// async-std, what the hand-off makes of a few µs (`docs/benchmarks.md`).
fn extra_bytes() -> usize {
    lean_bench::count_flag("concurrency", "--hand-written-extra").unwrap_or(0)
}

/// The first failed call's error, printed at the end (a failure is a finding, not noise).
static FAILURES: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Callers looping until told to stop, and the calls they completed.
#[derive(Default)]
struct Load {
    calls: AtomicU64,
    failed: AtomicU64,
    stop: AtomicBool,
}

impl Load {
    fn done(&self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                self.calls.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                FAILURES
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
            }
        }
    }

    /// Once every caller is past its first call (connections made, tokens cached), the calls
    /// per second over `window` and how busy each side's CPU was; then the callers are told
    /// to stop.
    fn measure(&self, callers: usize, s: &Setup) -> Sample {
        let warm = Instant::now() + Duration::from_secs(30);
        while self.calls.load(Ordering::Relaxed) < 2 * callers as u64 && Instant::now() < warm {
            std::thread::sleep(Duration::from_millis(1));
        }
        let before = (
            Instant::now(),
            self.calls.load(Ordering::Relaxed),
            lean_bench::sched_of("self"),
            s.remote.sched(),
        );
        std::thread::sleep(s.window);
        let secs = before.0.elapsed().as_secs_f64();
        let (client, emulator) = (lean_bench::sched_of("self"), s.remote.sched());
        let calls = self.calls.load(Ordering::Relaxed) - before.1;
        let per_call = |after: u64, before: u64| after.saturating_sub(before) as f64 / calls as f64;
        let sample = Sample {
            rate: calls as f64 / secs,
            client: (client.cpu.saturating_sub(before.2.cpu)).as_secs_f64() / secs,
            emulator: (emulator.cpu.saturating_sub(before.3.cpu)).as_secs_f64() / secs,
            client_switches: per_call(client.switches, before.2.switches),
            emulator_switches: per_call(emulator.switches, before.3.switches),
            failed: 0,
        };
        self.stop.store(true, Ordering::Relaxed);
        sample
    }
}

/// One window: calls/s, the CPUs each side kept busy (1.0 = one CPU all the time), and the
/// times each side's threads were switched in, per call.
#[derive(Clone, Copy)]
struct Sample {
    rate: f64,
    client: f64,
    emulator: f64,
    client_switches: f64,
    emulator_switches: f64,
    failed: u64,
}

/// `callers` threads each looping `call`, measured over a window.
fn threads(callers: usize, setup: &Setup, call: impl Fn() -> Result<(), String> + Sync) -> Sample {
    let load = Load::default();
    let sample = std::thread::scope(|s| {
        for _ in 0..callers {
            s.spawn(|| {
                while !load.stop.load(Ordering::Relaxed) {
                    load.done(call());
                }
            });
        }
        load.measure(callers, setup)
    });
    Sample {
        failed: load.failed.load(Ordering::Relaxed),
        ..sample
    }
}

/// `callers` tasks of executor `E` each looping `call`, measured over a window.
fn tasks<E: Executor, F, Fut>(callers: usize, setup: &Setup, call: F) -> Sample
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let load = Arc::new(Load::default());
    let handles: Vec<_> = (0..callers)
        .map(|_| {
            let (load, call) = (load.clone(), call.clone());
            E::spawn(async move {
                while !load.stop.load(Ordering::Relaxed) {
                    load.done(call().await);
                }
            })
        })
        .collect();
    let sample = load.measure(callers, setup);
    E::block_on(async {
        for h in handles {
            h.await;
        }
    });
    Sample {
        failed: load.failed.load(Ordering::Relaxed),
        ..sample
    }
}

/// One row: calls/s of both sides over the rounds, and the per-round ratios.
struct Row {
    adapter: &'static str,
    api: Api,
    callers: usize,
    lean: Vec<Sample>,
    raw: Vec<Sample>,
    ratios: Vec<f64>,
    failed: u64,
    /// The runtime hands its reactor between threads (async-std): windows fall into one of two
    /// regimes, which [`regimes`] tells apart.
    hands_off: bool,
}

fn median(v: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = v.into_iter().collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `rounds` rounds of both sides at `callers`, the order swapped every round.
fn compare(
    adapter: &'static str,
    api: Api,
    callers: usize,
    rounds: usize,
    mut lean: impl FnMut(usize) -> Sample,
    mut raw: impl FnMut(usize) -> Sample,
) -> Row {
    let mut row = Row {
        adapter,
        api,
        callers,
        lean: Vec::new(),
        raw: Vec::new(),
        ratios: Vec::new(),
        failed: 0,
        hands_off: false,
    };
    // `--side lean` or `--side hand-written`: only that side runs (to profile it alone).
    let side = lean_bench::flag("--side");
    let idle = Sample {
        rate: f64::NAN,
        client: 0.0,
        emulator: 0.0,
        client_switches: f64::NAN,
        emulator_switches: f64::NAN,
        failed: 0,
    };
    let mut lean = |n| match side.as_deref() {
        Some("hand-written") => idle,
        _ => lean(n),
    };
    let mut raw = |n| match side.as_deref() {
        Some("lean") => idle,
        _ => raw(n),
    };
    for round in 0..rounds {
        let (l, r) = if round % 2 == 0 {
            let l = lean(callers);
            (l, raw(callers))
        } else {
            let r = raw(callers);
            (lean(callers), r)
        };
        row.failed += l.failed + r.failed;
        row.ratios.push(l.rate / r.rate);
        row.lean.push(l);
        row.raw.push(r);
    }
    row
}

struct Setup {
    remote: lean_bench::remote::Remote,
    entity: EntityId,
    window: Duration,
    rounds: usize,
}

fn ureq_rows(s: &Setup, api: Api, callers: &[usize]) -> Vec<Row> {
    let config = match api {
        Api::V2 => s.remote.config_v2(),
        Api::V1 => s.remote.config_v1(),
    };
    let client = lean_ureq::Client::new(config).expect("client");
    let raw = Raw::new(&s.remote, &s.entity, api);
    // As a user would set it up for many threads: one agent, its pool as large as the callers.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_idle_connections_per_host(64)
        .build()
        .into();
    let entity = &s.entity;
    let lean_call = || match api {
        Api::V2 => lean_outcome(client.call(GetAccounts::new(entity.clone())).send()),
        Api::V1 => lean_outcome(client.call(V1GetAccounts::new(entity.clone())).send()),
    };
    let raw_call = || {
        let body =
            floor::ureq(&agent, raw.hand()).map_err(|e| format!("hand-written ureq: {e}"))?;
        raw.parsed(&body)
    };
    callers
        .iter()
        .map(|&n| {
            compare(
                "ureq (threads)",
                api,
                n,
                s.rounds,
                |n| threads(n, s, lean_call),
                |n| threads(n, s, raw_call),
            )
        })
        .collect()
}

/// The rows of an async adapter on executor `E`: lean-rs's `client` against `raw_call`, the
/// same request by hand.
fn async_rows<E, T, R, RF>(
    name: &'static str,
    s: &Setup,
    api: Api,
    callers: &[usize],
    client: lean_client::Client<T>,
    raw_call: R,
) -> Vec<Row>
where
    E: Executor,
    T: lean_client::transport::AsyncTransport,
    R: Fn() -> RF + Clone + Send + Sync + 'static,
    RF: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let entity = s.entity.clone();
    let lean_call = move || {
        let (client, entity) = (client.clone(), entity.clone());
        async move {
            match api {
                Api::V2 => lean_outcome(client.call(GetAccounts::new(entity)).await),
                Api::V1 => lean_outcome(client.call(V1GetAccounts::new(entity)).await),
            }
        }
    };
    callers
        .iter()
        .map(|&n| {
            compare(
                name,
                api,
                n,
                s.rounds,
                |n| tasks::<E, _, _>(n, s, lean_call.clone()),
                |n| tasks::<E, _, _>(n, s, raw_call.clone()),
            )
        })
        .collect()
}

fn reqwest_rows(s: &Setup, api: Api, callers: &[usize]) -> Vec<Row> {
    let config = match api {
        Api::V2 => s.remote.config_v2(),
        Api::V1 => s.remote.config_v1(),
    };
    let client = lean_reqwest::Client::new(config).expect("client");
    let raw = Arc::new(Raw::new(&s.remote, &s.entity, api));
    let http = lean_bench::raw_reqwest().expect("reqwest");
    let raw_call = move || {
        let (http, raw) = (http.clone(), raw.clone());
        async move {
            match floor::reqwest(&http, raw.hand()).await {
                Ok(b) => raw.parsed(&b),
                Err(e) => Err(format!("hand-written reqwest: {e}")),
            }
        }
    };
    async_rows::<Tokio, _, _, _>("reqwest (tokio)", s, api, callers, client, raw_call)
}

fn surf_rows(s: &Setup, api: Api, callers: &[usize]) -> Vec<Row> {
    let config = match api {
        Api::V2 => s.remote.config_v2(),
        Api::V1 => s.remote.config_v1(),
    };
    let client = lean_surf::Client::new(config).expect("client");
    let raw = Arc::new(Raw::new(&s.remote, &s.entity, api));
    // Its pool as large as the callers.
    let http = lean_bench::raw_surf(64).expect("surf");
    let raw_call = move || {
        let (http, raw) = (http.clone(), raw.clone());
        async move {
            match floor::surf(&http, raw.hand()).await {
                Ok(b) => raw.parsed(&b),
                Err(e) => Err(format!("hand-written surf: {e}")),
            }
        }
    };
    let mut rows =
        async_rows::<AsyncStd, _, _, _>("surf (async-std)", s, api, callers, client, raw_call);
    for r in &mut rows {
        r.hands_off = true;
    }
    rows
}

/// A window whose client threads were switched in once per two calls or more ran with the
/// reactor on async-io's own thread (the hand-off, see the module docs and
/// `docs/benchmarks.md`); those seen so far are under 0.3 or over 0.9, a few in between where a
/// window changed regime midway.
const HAND_OFF: f64 = 0.5;

/// For a runtime that hands its reactor off, which regime each side's windows fell into, and
/// the calls/s, client CPU a call and switches a call within each: a round whose two windows
/// fell into different regimes has a ratio of ~0.6 or ~1.4 whatever the clients do, so the
/// per-round median says more about how often each side lands in the slow regime than about
/// what a call costs it. The mean over all windows is the rate a program would get over the
/// whole run.
fn regimes(rows: &[Row]) {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.hands_off).collect();
    if rows.is_empty() {
        return;
    }
    println!(
        "\nasync-std's two regimes (a window is in the hand-off when its client threads switched ≥ {HAND_OFF} times a call); medians within each, lean / hand-written\n"
    );
    println!(
        "| adapter | API | callers | windows in the hand-off | in it: calls/s | client CPU µs/call | client switches/call | outside it: calls/s | client CPU µs/call | mean calls/s over all windows | ratio of the means |"
    );
    println!("|---|---|---:|---:|---|---|---|---|---|---|---:|");
    for r in rows {
        let of = |v: &[Sample], slow: bool, what: fn(&Sample) -> f64, digits: usize| {
            let v: Vec<f64> = v
                .iter()
                .filter(|s| (s.client_switches >= HAND_OFF) == slow)
                .map(what)
                .collect();
            if v.is_empty() {
                "-".to_owned()
            } else {
                format!("{:.*}", digits, median(v))
            }
        };
        let both = |slow: bool, what: fn(&Sample) -> f64, digits: usize| {
            format!(
                "{} / {}",
                of(&r.lean, slow, what, digits),
                of(&r.raw, slow, what, digits)
            )
        };
        let in_hand_off = |v: &[Sample]| v.iter().filter(|s| s.client_switches >= HAND_OFF).count();
        let mean = |v: &[Sample]| v.iter().map(|s| s.rate).sum::<f64>() / v.len() as f64;
        println!(
            "| {} | {} | {} | {} / {} of {} | {} | {} | {} | {} | {} | {:.0} / {:.0} | {:.2}× |",
            r.adapter,
            r.api.name(),
            r.callers,
            in_hand_off(&r.lean),
            in_hand_off(&r.raw),
            r.lean.len(),
            both(true, |s| s.rate, 0),
            both(true, |s| s.client * 1e6 / s.rate, 1),
            both(true, |s| s.client_switches, 2),
            both(false, |s| s.rate, 0),
            both(false, |s| s.client * 1e6 / s.rate, 1),
            mean(&r.lean),
            mean(&r.raw),
            mean(&r.lean) / mean(&r.raw),
        );
    }
}

/// A lean-rs call's outcome, its error as text.
fn lean_outcome<T>(r: Result<T, lean_client::Error>) -> Result<(), String> {
    r.map(|_| ()).map_err(|e| format!("lean-rs: {e}"))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // Started first: it pins this process before any runtime starts its threads.
    let remote = lean_bench::remote::Remote::start(
        env!("CARGO_BIN_EXE_lean-bench-emulator"),
        &["--bank-latency", "0s"],
    )
    .expect("emulator");
    let entity = remote.entities[0].0.clone();
    let setup = Setup {
        remote,
        entity,
        // Many short windows rather than a few long ones: this machine's speed drifts over
        // seconds (and async-std's at times runs at one of two speeds), so the median of many
        // close pairs moves less than that of a few.
        window: Duration::from_millis(if quick { 300 } else { 500 }),
        // `--rounds N`: more rounds narrow a median that moves by ±0.05 between runs of 11.
        rounds: lean_bench::count_flag("concurrency", "--rounds").unwrap_or(if quick {
            3
        } else {
            11
        }),
    };
    let callers = match lean_bench::count_flag("concurrency", "--callers") {
        Some(n) => vec![n],
        None => vec![1, 4, 16, 64],
    };
    let adapter = lean_bench::flag("--adapter");
    let api = lean_bench::flag("--api");
    let wanted = |name: &str| adapter.as_deref().is_none_or(|a| name.contains(a));
    let mut rows = Vec::new();
    for a in [Api::V2, Api::V1] {
        if api.as_deref().is_some_and(|x| x != a.name()) {
            continue;
        }
        if wanted("ureq") {
            rows.extend(ureq_rows(&setup, a, &callers));
        }
        if wanted("reqwest") {
            rows.extend(reqwest_rows(&setup, a, &callers));
        }
        if wanted("surf") {
            rows.extend(surf_rows(&setup, a, &callers));
        }
    }
    println!(
        "\ncalls/s, lean-rs vs a hand-written client with the same library and a typed serde parse ({} rounds of {} ms windows, medians)\n",
        setup.rounds,
        setup.window.as_millis()
    );
    println!(
        "| adapter | API | callers | lean calls/s | hand-written calls/s | lean / hand-written, per round: median [min–max] | client CPU µs/call lean / hand-written | thread switches/call, lean: client + emulator | hand-written: client + emulator | CPUs busy, lean: client + emulator | hand-written: client + emulator |"
    );
    println!("|---|---|---:|---:|---:|---|---|---|---|---|---|");
    let mut failed = 0;
    for r in &rows {
        let mut ratios = r.ratios.clone();
        ratios.sort_by(|a, b| a.total_cmp(b));
        let busy = |v: &[Sample]| {
            format!(
                "{:.2} + {:.2}",
                median(v.iter().map(|s| s.client)),
                median(v.iter().map(|s| s.emulator))
            )
        };
        // What the client spends per call, from each window's CPU and calls.
        let cpu = |v: &[Sample]| median(v.iter().map(|s| s.client * 1e6 / s.rate));
        let switches = |v: &[Sample]| {
            format!(
                "{:.2} + {:.2}",
                median(v.iter().map(|s| s.client_switches)),
                median(v.iter().map(|s| s.emulator_switches))
            )
        };
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.2}× [{:.2}–{:.2}] | {:.0} / {:.0} | {} | {} | {} | {} |",
            r.adapter,
            r.api.name(),
            r.callers,
            median(r.lean.iter().map(|s| s.rate)),
            median(r.raw.iter().map(|s| s.rate)),
            median(ratios.iter().copied()),
            ratios[0],
            ratios[ratios.len() - 1],
            cpu(&r.lean),
            cpu(&r.raw),
            switches(&r.lean),
            switches(&r.raw),
            busy(&r.lean),
            busy(&r.raw),
        );
        failed += r.failed;
    }
    regimes(&rows);
    if extra_bytes() > 0 {
        println!(
            "\ncalibration: the hand-written client folded {} bytes more a call (--hand-written-extra)",
            extra_bytes()
        );
    }
    if let Some(e) = FAILURES.lock().unwrap_or_else(|p| p.into_inner()).take() {
        println!("\nthe first call that failed: {e}");
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\n{}; calls that failed: {failed}; load average at the end: {}",
        setup.remote.placement,
        load.trim()
    );
}
