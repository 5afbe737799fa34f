//! `lean-soak`: a fault campaign against lean-sandbox, for one adapter at a time.
//!
//! ```sh
//! cargo run --release -p lean-soak -- --adapter ureq --calls 10000 --faults 0.2 --bad-webhooks 0.1
//! ```
//!
//! A share of every route's answers is faulted (5xx, 429 with Retry-After, resets, slow
//! answers, truncated or malformed bodies, FAILED, lost, duplicated and early webhooks), and
//! forged webhooks (bad signature, garbage) are thrown at the client's intake. Every call must
//! end with its own correct data or a typed error; the report counts what went wrong. The
//! emulator runs in a process of its own, so the memory reported is the client's.

use clap::Parser;
use lean_conformance::executors::{AsyncStd, Tokio};
use lean_conformance::mixing::Mix;
use lean_conformance::webhook_endpoint::WebhookEndpoint;
use lean_conformance::{Adapter, Async, Blocking};
use lean_proto::call::{CallConfig, CallErrorKind};
use lean_proto::retry::RetryPolicy;
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "A fault campaign of lean-rs against lean-sandbox")]
struct Args {
    /// ureq, surf or reqwest.
    #[arg(long, default_value = "ureq")]
    adapter: String,
    /// Calls to make.
    #[arg(long, default_value_t = 10_000)]
    calls: usize,
    /// Share of answers faulted, per route (0..=1).
    #[arg(long, default_value_t = 0.2)]
    faults: f64,
    /// Forged webhooks thrown at the intake, per call (0..=1).
    #[arg(long, default_value_t = 0.1)]
    bad_webhooks: f64,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 50)]
    concurrency: usize,
    /// Calls of the mixing storm that follows (accounts, balances, transactions and
    /// scheduled payments of every entity and account, about half dropped halfway on async
    /// adapters, 2 s timeouts), each answer checked against its own request's reference.
    #[arg(long, default_value_t = 2_000)]
    mix_calls: usize,
    /// Instead of the campaign: run this many seeded schedules of the simulation (the real
    /// driver in virtual time against the in-memory Lean, `lean-sim`), on every core, and
    /// check each against the invariants.
    #[arg(long, default_value_t = 0)]
    sim_seeds: u64,
    /// The first seed of `--sim-seeds`.
    #[arg(long, default_value_t = 0)]
    sim_from: u64,
    /// Internal: run only the emulator (the campaign starts it in a process of its own, so
    /// the memory it reports is the client's alone), sending webhooks to this URL.
    #[arg(long, hide = true)]
    emulator_for: Option<String>,
}

fn emulator_config(faults: f64, webhook_url: Option<String>) -> SandboxConfig {
    SandboxConfig {
        bank_latency: Latency {
            min: Duration::from_secs(1),
            max: Duration::from_secs(90), // some beyond Lean's 50 s: PENDING by fallback
        },
        time_scale: 0.002,
        faults: rules(faults),
        webhook_url,
        ..SandboxConfig::default()
    }
}

/// The emulator process: prints its base URL and first entity, then serves until its parent
/// closes stdin.
fn emulator(faults: f64, webhook_url: String) {
    let sandbox = Sandbox::start(emulator_config(faults, Some(webhook_url))).expect("sandbox");
    // The base URL, then every entity with its accounts: `entity:account,account,…`.
    let world: Vec<String> = sandbox
        .entities()
        .iter()
        .map(|e| {
            let accounts: Vec<String> = sandbox.accounts(e).iter().map(|a| a.to_string()).collect();
            format!("{e}:{}", accounts.join(","))
        })
        .collect();
    println!("{} {}", sandbox.base_url(), world.join(" "));
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink); // EOF when the campaign ends
}

/// The emulator in a child process (this binary in its emulator mode); killed on drop.
struct Emulator {
    child: std::process::Child,
    base_url: String,
    entity: EntityId,
    world: Vec<(EntityId, Vec<AccountId>)>,
}

impl Emulator {
    fn start(faults: f64, webhook_url: &str) -> Emulator {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().expect("own path"))
            .args([
                "--emulator-for",
                webhook_url,
                "--faults",
                &faults.to_string(),
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the emulator process");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let mut parts = line.split_whitespace();
        let base_url = parts.next().expect("the emulator's URL").to_owned();
        let world: Vec<(EntityId, Vec<AccountId>)> = parts
            .map(|p| {
                let (e, accounts) = p.split_once(':').expect("entity:accounts");
                let accounts = accounts
                    .split(',')
                    .map(|a| AccountId::parse(a).expect("an account id"))
                    .collect();
                (EntityId::parse(e).expect("an entity id"), accounts)
            })
            .collect();
        let entity = world.first().expect("an entity").0.clone();
        Emulator {
            child,
            base_url,
            entity,
            world,
        }
    }

    fn client_config(&self) -> Config {
        let base = BaseUrl::parse(&self.base_url).expect("loopback URL");
        let defaults = SandboxConfig::default();
        Config::new(
            Region::Uae,
            Environment::Custom {
                api_base: base.clone(),
                auth_base: base,
            },
            Credentials::ClientCredentials {
                client_id: defaults.client_id,
                client_secret: Secret::new(defaults.client_secret),
            },
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rules(share: f64) -> Vec<FaultRule> {
    let kinds = [
        FaultKind::ServerError { status: 503 },
        FaultKind::RateLimited { retry_after: 1 },
        FaultKind::Reset,
        FaultKind::Delay { ms: 50 },
        FaultKind::Truncated,
        FaultKind::Malformed,
        FaultKind::Failed {
            granular_status_code: "BANK_ISSUE".into(),
        },
        FaultKind::WebhookLost,
        FaultKind::WebhookDuplicated,
        FaultKind::WebhookEarly,
    ];
    let each = (share / kinds.len() as f64).clamp(0.0, 1.0);
    kinds
        .into_iter()
        .map(|kind| FaultRule {
            route: "*".into(),
            kind,
            probability: each,
            count: None,
        })
        .collect()
}

/// Linux resident memory, in MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |pages| pages * 4096.0 / (1 << 20) as f64)
}

#[derive(Default)]
struct Report {
    /// RSS once a tenth of the calls were made (pools, caches and the emulator warmed up).
    rss_warm: f64,
    correct: u64,
    wrong: u64,
    mix_right: u64,
    mix_dropped: u64,
    errors: BTreeMap<String, u64>,
    lost_results_id: u64,
    panics: u64,
}

fn run<C: Adapter>(args: &Args) -> Report {
    let calls = {
        let mut calls = CallConfig::default();
        calls.sync_timeout = Duration::from_secs(5);
        calls.request_timeout = Duration::from_secs(5);
        calls.deadline = Duration::from_secs(60);
        calls.webhook_grace = Duration::from_millis(500);
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        calls.retry = RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
        };
        // Lean's minute at the emulator's time scale (0.002), with room.
        calls.duplicate_backoff = Duration::from_millis(200);
        calls
    };
    // The client's webhook endpoint first: the emulator is told where to send webhooks.
    let mut hooks = WebhookEndpoint::bind();
    let lean = Emulator::start(args.faults, hooks.url());
    let secret = lean_proto::webhook::WebhookSecret::new(SandboxConfig::default().webhook_secret);
    let client = C::connect(lean.client_config(), calls, Some(secret));
    let forged_accepted = Arc::new(AtomicU64::new(0));
    let c = client.clone();
    hooks.serve(move |signature, body| c.handle_webhook(signature, body).status());
    let entity = lean.entity.clone();
    let forgeries = (args.calls as f64 * args.bad_webhooks).round() as u64;
    let forger = {
        let (client, accepted) = (client.clone(), forged_accepted.clone());
        let id = "2ab8c57a-011b-418f-9419-968155e600dd";
        std::thread::spawn(move || {
            let bodies = [
                format!(
                    r#"{{"type":"results.ready","payload":{{"id":"{id}"}},"event_id":"forged"}}"#
                ),
                "not json at all".to_owned(),
            ];
            for n in 0..forgeries {
                let body = &bodies[(n % 2) as usize];
                let signature = format!("sha512={}", "ab".repeat(64));
                let ack = client.handle_webhook(Some(&signature), body.as_bytes());
                if ack.status() == 200 || ack.event().is_some() {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let mut report = Report::default();
    let mut done = 0;
    while done < args.calls {
        let n = args.concurrency.min(args.calls - done);
        let batch: Vec<GetAccounts> = (0..n)
            .map(|i| {
                let mut e = GetAccounts::new(entity.clone());
                e.options.asynchronous = (done + i) % 2 == 0;
                e
            })
            .collect();
        let asynchronous: Vec<bool> = batch.iter().map(|e| e.options.asynchronous).collect();
        let client = client.clone();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            client.call_concurrently(batch)
        })) {
            Ok(results) => {
                for (r, was_async) in results.into_iter().zip(asynchronous) {
                    match r {
                        Ok(d) if d.payload.items.len() == 9 => report.correct += 1,
                        Ok(_) => report.wrong += 1,
                        Err(e) => {
                            let kind = e
                                .call_error()
                                .map_or("other".to_owned(), |c| kind_name(&c.kind));
                            // An async request is answered PENDING with its results_id unless a
                            // fault replaced the answer; a call that ran out of time after that
                            // must hand the id back.
                            if was_async && kind == "deadline" && e.results_id().is_none() {
                                report.lost_results_id += 1;
                            }
                            *report.errors.entry(kind).or_insert(0) += 1;
                        }
                    }
                }
            }
            Err(_) => report.panics += 1,
        }
        done += n;
        if report.rss_warm == 0.0 && done >= args.calls / 10 {
            report.rss_warm = rss_mib();
        }
    }
    let _ = forger.join();
    // The mixing storm: many entities, accounts and resources at once, short timeouts, calls
    // dropped halfway; every answer must be its own request's.
    let mix_client = C::connect(
        lean.client_config(),
        CallConfig::default()
            .with_sync_timeout(Duration::from_secs(2))
            .with_request_timeout(Duration::from_secs(2))
            .with_deadline(Duration::from_secs(30))
            .with_webhook_grace(Duration::from_millis(500))
            .with_duplicate_backoff(Duration::from_millis(200))
            // No webhook reaches this client: PENDING ends by polling, so poll often.
            .with_poll(lean_proto::retry::RetryPolicy {
                max_retries: u32::MAX,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_millis(500),
            }),
        None,
    );
    let mut mix = Mix::new(lean.world.clone());
    let mut mixed = 0;
    while mixed < args.mix_calls {
        let n = args.concurrency.max(4).min(args.mix_calls - mixed);
        let t = mix.run(&mix_client, n, mixed as u64, || {});
        report.mix_right += t.right;
        report.mix_dropped += t.dropped;
        report.wrong += t.wrong;
        for (k, v) in t.errors {
            *report.errors.entry(format!("mix: {k}")).or_insert(0) += v;
        }
        mixed += n;
    }
    drop(hooks);
    if forged_accepted.load(Ordering::Relaxed) > 0 {
        report.wrong += forged_accepted.load(Ordering::Relaxed);
        *report
            .errors
            .entry("FORGED WEBHOOK ACCEPTED".into())
            .or_insert(0) += forged_accepted.load(Ordering::Relaxed);
    }
    report
}

fn kind_name(k: &CallErrorKind) -> String {
    match k {
        CallErrorKind::Misuse(_) => "misuse",
        CallErrorKind::Api(_) => "api (retries spent)",
        CallErrorKind::DataFailed(_) => "FAILED (injected)",
        CallErrorKind::ReconnectRequired(_) => "reconnect",
        CallErrorKind::ConsentExpired(_) => "consent",
        CallErrorKind::Auth(_) => "auth",
        CallErrorKind::DeadlineExceeded => "deadline",
        CallErrorKind::RequestBudgetExhausted => "budget",
        CallErrorKind::Decode(_) => "decode (retries spent)",
        CallErrorKind::Transport(_) => "transport (retries spent)",
        _ => "other",
    }
    .to_owned()
}

/// `--sim-seeds`: seeds `from..from + n` split over the cores; the first violation ends it.
fn simulate(from: u64, n: u64) {
    let t0 = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |p| p.get() as u64);
    let next = Arc::new(AtomicU64::new(from));
    let failed = Arc::new(std::sync::Mutex::new(None));
    let totals: Vec<lean_sim::world::Report> = (0..threads)
        .map(|_| {
            let (next, failed) = (next.clone(), failed.clone());
            std::thread::spawn(move || {
                let mut sum = lean_sim::world::Report::default();
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= from + n || failed.lock().is_ok_and(|f| f.is_some()) {
                        return sum;
                    }
                    match lean_sim::world::run(&lean_sim::world::Schedule::of(seed)) {
                        Ok(r) => {
                            sum.data += r.data;
                            sum.errors += r.errors;
                            sum.dropped += r.dropped;
                            sum.requests += r.requests;
                            sum.virtual_time += r.virtual_time;
                        }
                        Err(v) => {
                            if let Ok(mut f) = failed.lock() {
                                f.get_or_insert(v);
                            }
                        }
                    }
                }
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("a simulation thread"))
        .collect();
    if let Some(v) = failed.lock().ok().and_then(|mut f| f.take()) {
        eprintln!("{v}");
        std::process::exit(1);
    }
    let (data, errors, dropped) = totals.iter().fold((0, 0, 0), |a, r| {
        (a.0 + r.data, a.1 + r.errors, a.2 + r.dropped)
    });
    let requests: u64 = totals.iter().map(|r| u64::from(r.requests)).sum();
    let virtual_hours: f64 = totals
        .iter()
        .map(|r| r.virtual_time.as_secs_f64() / 3600.0)
        .sum();
    println!(
        "simulation: seeds {from}..{}: every invariant holds; {data} calls with data, {errors} typed errors, {dropped} dropped; {requests} requests; {virtual_hours:.0} h of virtual time in {:.1?} on {threads} threads",
        from + n,
        t0.elapsed()
    );
}

fn main() {
    let args = Args::parse();
    if let Some(url) = args.emulator_for.clone() {
        return emulator(args.faults, url);
    }
    if args.sim_seeds > 0 {
        return simulate(args.sim_from, args.sim_seeds);
    }
    let (rss0, t0) = (rss_mib(), Instant::now());
    let report = match args.adapter.as_str() {
        "ureq" => run::<Blocking<lean_ureq::Ureq>>(&args),
        "surf" => run::<Async<lean_surf::Surf, AsyncStd>>(&args),
        "reqwest" => run::<Async<lean_reqwest::Reqwest, Tokio>>(&args),
        other => {
            eprintln!("unknown adapter {other:?}: ureq, surf or reqwest");
            std::process::exit(2);
        }
    };
    let typed: u64 = report.errors.values().sum();
    println!(
        "adapter {}: {} calls, faults {}, forged webhooks {} per call, {:.1?}",
        args.adapter,
        args.calls,
        args.faults,
        args.bad_webhooks,
        t0.elapsed()
    );
    println!("correct {}", report.correct);
    println!(
        "mixing storm: {} calls, right {}, dropped halfway {}",
        args.mix_calls, report.mix_right, report.mix_dropped
    );
    println!("wrong {}", report.wrong);
    println!("typed errors {typed}");
    for (kind, n) in &report.errors {
        println!("  {kind}: {n}");
    }
    println!("panics {}", report.panics);
    println!("lost results_id {}", report.lost_results_id);
    println!(
        "RSS start {rss0:.1} MiB, after a tenth of the calls {:.1} MiB, end {:.1} MiB",
        report.rss_warm,
        rss_mib()
    );
    let bad = report.wrong + report.panics + report.lost_results_id;
    std::process::exit(if bad == 0 { 0 } else { 1 });
}
