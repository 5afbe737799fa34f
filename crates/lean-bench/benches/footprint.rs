//! What a call costs the processor, counted instead of timed: instructions per call, the code
//! a call runs through (its hot code: every 64-byte line of machine code with an instruction run
//! at least once every other call), and the cache misses and mispredicted branches of
//! callgrind's model of a processor, lean-rs against the hand-written client, `accounts` over
//! ureq, reqwest and surf (the driver, the core and the decode are the same code for every
//! adapter; the transports' conversions differ). ureq keeps a call on its thread; reqwest runs
//! on a tokio runtime of one thread here, and surf in async-std's `block_on`, so that their
//! tasks are polled where the counter sees them.
//!
//! Why: over loopback a small lean-rs call costs a few per cent more CPU than the hand-written
//! one, and timed runs move by ±3 % between runs, so a change worth 1 % cannot be told from
//! noise by timing. `valgrind --tool=callgrind` counts everything the process runs inside
//! `measured` (not the set-up, not the emulator, which runs in its own process): the same build
//! gives the same counts under any load. The model's caches and predictors are simple (32 KB
//! caches, a table of two-bit counters): its misses say where a call's code and data come from
//! and rank changes; they do not price them.
//!
//! `cargo bench -p lean-bench --bench footprint` (`-- --quick`: fewer calls; `--adapter ureq`,
//! `reqwest` or `surf`; `--api v1` for v1's `accounts`, a POST with the application token).
//! Needs valgrind (`apt-get install valgrind`); exits 1 with a reason without it.

use lean_bench::floor;
use lean_bench::remote::Remote;
use lean_conformance::Executor;
use lean_conformance::executors::AsyncStd;
use lean_proto::{GetAccounts, V1GetAccounts};
use std::collections::HashMap;
use std::future::IntoFuture;
use std::process::Command;

/// The function whose runs are counted (the name valgrind's `--toggle-collect` matches).
#[inline(never)]
fn measured(calls: usize, mut call: impl FnMut()) {
    for _ in 0..calls {
        call();
    }
}

/// Warms `call` (the connection open, the token cached, lazy statics set), then runs it
/// `calls` times inside `measured`; each call says how many accounts it read (there must be
/// [`ACCOUNTS`]), or why none.
fn run(calls: usize, mut call: impl FnMut() -> Result<usize, String>) -> Result<(), String> {
    let mut failed = None;
    let mut checked = || match call() {
        Ok(n) if n as u64 == ACCOUNTS => {}
        Ok(n) => failed = Some(format!("{n} accounts, not the {ACCOUNTS} expected")),
        Err(e) => failed = Some(e),
    };
    for _ in 0..20 {
        checked();
    }
    measured(calls, &mut checked);
    failed.map_or(Ok(()), Err)
}

/// Run under valgrind: one side's calls against an emulator of its own.
fn side(adapter: &str, side: &str, calls: usize, v1: bool) -> Result<(), String> {
    let remote = Remote::start(
        env!("CARGO_BIN_EXE_lean-bench-emulator"),
        &["--bank-latency", "0s"],
    )?;
    let entity = remote.entities[0].0.clone();
    let request = floor::Accounts::new(&remote, &entity, v1);
    let config = if v1 {
        remote.config_v1()
    } else {
        remote.config_v2()
    };
    let hand = |bytes: &[u8]| Ok(request.parsed(bytes));
    let hand_request = request.hand();
    match (adapter, side) {
        ("ureq", "lean") => {
            let client = lean_ureq::Client::new(config).map_err(|e| e.to_string())?;
            run(calls, || {
                if v1 {
                    lean_v1(client.call(V1GetAccounts::new(entity.clone())).send())
                } else {
                    lean(client.call(GetAccounts::new(entity.clone())).send())
                }
            })
        }
        ("ureq", "hand-written") => {
            let agent = ureq::Agent::new_with_defaults();
            run(calls, || {
                let got = floor::ureq(&agent, hand_request);
                got.map_err(|e| format!("hand-written: {e}"))
                    .and_then(|b| hand(&b))
            })
        }
        // On a runtime of one thread: its tasks (the connection's too) are polled inside
        // `measured`, where the counter sees them.
        ("reqwest", side @ ("lean" | "hand-written")) => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            if side == "lean" {
                let client = lean_reqwest::Client::new(config).map_err(|e| e.to_string())?;
                return run(calls, || {
                    if v1 {
                        let call = client.call(V1GetAccounts::new(entity.clone()));
                        lean_v1(runtime.block_on(call.into_future()))
                    } else {
                        let call = client.call(GetAccounts::new(entity.clone()));
                        lean(runtime.block_on(call.into_future()))
                    }
                });
            }
            let http = lean_bench::raw_reqwest()?;
            run(calls, || {
                let got = runtime.block_on(floor::reqwest(&http, hand_request));
                got.map_err(|e| format!("hand-written: {e}"))
                    .and_then(|b| hand(&b))
            })
        }
        // async-std's `block_on` polls the call on this thread (surf spawns no task of its
        // own), and as a rule turns the reactor here while it waits: async-io's own thread ran
        // 0.4 % of the instructions of a run of the lean side (`--separate-threads=yes`).
        ("surf", "lean") => {
            let client = lean_surf::Client::new(config).map_err(|e| e.to_string())?;
            run(calls, || {
                if v1 {
                    let call = client.call(V1GetAccounts::new(entity.clone()));
                    lean_v1(AsyncStd::block_on(call.into_future()))
                } else {
                    let call = client.call(GetAccounts::new(entity.clone()));
                    lean(AsyncStd::block_on(call.into_future()))
                }
            })
        }
        ("surf", "hand-written") => {
            // One call at a time: one connection.
            let http = lean_bench::raw_surf(1)?;
            run(calls, || {
                let got = AsyncStd::block_on(floor::surf(&http, hand_request));
                got.map_err(|e| format!("hand-written: {e}"))
                    .and_then(|b| hand(&b))
            })
        }
        other => Err(format!(
            "no side {other:?} (ureq, reqwest or surf; lean or hand-written)"
        )),
    }
}

/// The accounts a lean-rs v2 call read, or why none.
fn lean(
    r: Result<
        lean_proto::call::CallData<lean_proto::Page<lean_proto::Account>>,
        lean_client::Error,
    >,
) -> Result<usize, String> {
    r.map(|d| d.payload.items.len())
        .map_err(|e| format!("lean-rs: {e}"))
}

/// The accounts a lean-rs v1 call read, or why none.
fn lean_v1(
    r: Result<lean_proto::call::CallData<lean_proto::model::v1::V1Accounts>, lean_client::Error>,
) -> Result<usize, String> {
    r.map(|d| d.payload.accounts.len())
        .map_err(|e| format!("lean-rs: {e}"))
}

/// Accounts in the emulator's answer to the measured call (checked by every call of `run`).
const ACCOUNTS: u64 = 9;

/// Where a function's code comes from, by its name.
fn group(function: &str) -> &'static str {
    const DECODE: [&str; 9] = [
        "lean_proto::model",
        "lean_proto::ids",
        "lean_proto::enums",
        "lean_proto::time",
        "lean_proto::money",
        "lean_proto::de::",
        "lean_proto::envelope",
        "lean_proto::payloads",
        "lean_proto::response",
    ];
    let groups: [(&[&str], &'static str); 10] = [
        (&DECODE, "lean-rs: answer decode"),
        (
            &[
                "lean_proto",
                "lean_client",
                "lean_ureq",
                "lean_reqwest",
                "lean_surf",
            ],
            "lean-rs: driver, core, request",
        ),
        (&["lean_bench::hand_written"], "hand-written model"),
        (&["serde"], "serde, serde_json"),
        (
            &[
                "ureq",
                "reqwest",
                "hyper",
                "http::",
                "<http::",
                "httparse",
                "bytes::",
                "surf",
                "http_client",
                "async_h1",
                "http_types",
                "url::",
                "idna::",
                "percent_encoding",
            ],
            "HTTP: the library, http, httparse, url",
        ),
        (
            &[
                "tokio",
                "mio",
                "futures",
                "tower",
                "async_std",
                "async_io",
                "async_executor",
                "async_global_executor",
                "async_task",
                "polling",
                "concurrent_queue",
                "event_listener",
                "async_channel",
            ],
            "runtime: tokio, async-std, futures, tower",
        ),
        (
            &[
                "malloc",
                "free",
                "_int_",
                "realloc",
                "unlink_chunk",
                "memalign",
                "alloc_perturb",
                "__rustc::",
            ],
            "allocator",
        ),
        // valgrind counts a `rep movsb`/`rep stosb` once per byte moved.
        (
            &["__memcpy", "__memmove", "__memset", "__memcmp"],
            "libc: memcpy, memset, memcmp",
        ),
        (&["rust_decimal", "chrono", "uuid"], "decimal, chrono"),
        (&["core::", "alloc::", "std::", "hashbrown"], "std"),
    ];
    groups
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| function.contains(n)))
        .map_or("other", |(_, name)| name)
}

/// One side's counts: per group, instructions and hot 64-byte lines; and over the whole run,
/// the misses and mispredictions of callgrind's model of the processor.
#[derive(Default)]
struct Profile {
    instructions: u64,
    lines: u64,
    /// Lines run at least once per account of the answer: the code one item's decode runs
    /// through, which is missed again for every item when it exceeds the instruction cache.
    item_lines: u64,
    groups: HashMap<&'static str, (u64, u64)>,
    /// Level-1 instruction cache misses, level-1 data cache misses (reads and writes), and
    /// mispredicted branches (conditional and indirect), as simulated.
    simulated: [u64; 3],
}

/// Reads a callgrind profile written with `--dump-instr=yes --compress-strings=no
/// --compress-pos=no --cache-sim=yes --branch-sim=yes`: cost lines are `address line` and the
/// counts of the `events:` header in its order (trailing zeros left out); a `calls=` line is
/// followed by the call's inclusive cost, which is not this function's own.
fn read_profile(text: &str, calls: u64) -> Result<Profile, String> {
    let events: Vec<&str> = text
        .lines()
        .find_map(|l| l.strip_prefix("events:"))
        .ok_or("no `events:` line")?
        .split_whitespace()
        .collect();
    let at = |name: &str| events.iter().position(|e| *e == name);
    let ir_at = at("Ir").ok_or("no Ir event")?;
    let simulated_at = [&["I1mr"][..], &["D1mr", "D1mw"], &["Bcm", "Bim"]]
        .map(|names| names.iter().filter_map(|n| at(n)).collect::<Vec<usize>>());
    let mut per_instruction: HashMap<(String, u64), (u64, String)> = HashMap::new();
    let mut profile = Profile::default();
    let (mut object, mut function) = (String::new(), String::new());
    let mut skip_next = false;
    for line in text.lines() {
        if let Some(o) = line.strip_prefix("ob=") {
            object = o.to_owned();
        } else if let Some(f) = line.strip_prefix("fn=") {
            function = f.to_owned();
        } else if line.starts_with("calls=") {
            skip_next = true;
        } else if line.starts_with("0x") {
            if std::mem::take(&mut skip_next) {
                continue;
            }
            let mut fields = line.split_whitespace();
            let address = fields
                .next()
                .and_then(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
                .ok_or_else(|| format!("unreadable cost line {line:?}"))?;
            let counts: Vec<u64> = fields.skip(1).map_while(|c| c.parse().ok()).collect();
            let count = |i: usize| counts.get(i).copied().unwrap_or(0);
            for (total, indices) in profile.simulated.iter_mut().zip(&simulated_at) {
                *total += indices.iter().map(|&i| count(i)).sum::<u64>();
            }
            let entry = per_instruction
                .entry((object.clone(), address))
                .or_insert((0, String::new()));
            entry.0 += count(ir_at);
            entry.1.clone_from(&function);
        }
    }
    if per_instruction.is_empty() {
        return Err("no instruction counted (was `measured` reached?)".to_owned());
    }
    let mut hot_lines: HashMap<(String, u64), &'static str> = HashMap::new();
    let mut item_lines = std::collections::HashSet::new();
    for ((object, address), (ir, function)) in &per_instruction {
        let g = group(function);
        profile.instructions += ir;
        profile.groups.entry(g).or_default().0 += ir;
        if 2 * ir >= calls {
            hot_lines.entry((object.clone(), address / 64)).or_insert(g);
        }
        if *ir >= ACCOUNTS * calls {
            item_lines.insert((object, address / 64));
        }
    }
    profile.lines = hot_lines.len() as u64;
    profile.item_lines = item_lines.len() as u64;
    for g in hot_lines.values() {
        profile.groups.entry(g).or_default().1 += 1;
    }
    Ok(profile)
}

/// Runs `side` under callgrind and reads its profile.
fn count(adapter: &str, side: &str, calls: usize, v1: bool) -> Result<Profile, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::env::temp_dir().join(format!(
        "lean-footprint-{}-{adapter}-{side}.callgrind",
        std::process::id()
    ));
    let run = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--dump-instr=yes",
            "--compress-strings=no",
            "--compress-pos=no",
            "--collect-atstart=no",
            "--cache-sim=yes",
            "--branch-sim=yes",
            "--toggle-collect=*footprint::measured*",
        ])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args(["--adapter", adapter, "--side", side])
        .args(["--api", if v1 { "v1" } else { "v2" }])
        .args(["--calls", &calls.to_string()])
        .output()
        .map_err(|e| format!("valgrind: {e} (apt-get install valgrind)"))?;
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !run.status.success() {
        // valgrind's own report, the side's error among it, only when something went wrong.
        return Err(format!(
            "the {adapter} {side} side under valgrind: {}\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    read_profile(
        &text.map_err(|e| format!("{}: {e}", out.display()))?,
        calls as u64,
    )
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let calls =
        lean_bench::count_flag("footprint", "--calls").unwrap_or(if quick { 200 } else { 1000 });
    let adapter = lean_bench::flag("--adapter");
    let v1 = match lean_bench::flag("--api").as_deref() {
        None | Some("v2") => false,
        Some("v1") => true,
        Some(other) => {
            eprintln!("footprint: --api takes v1 or v2, not {other:?}");
            std::process::exit(2);
        }
    };
    if let Some(s) = lean_bench::flag("--side") {
        if let Err(e) = side(adapter.as_deref().unwrap_or("ureq"), &s, calls, v1) {
            eprintln!("footprint: {e}");
            std::process::exit(1);
        }
        return;
    }
    if adapter
        .as_deref()
        .is_some_and(|a| !["ureq", "reqwest", "surf"].contains(&a))
    {
        eprintln!("footprint: --adapter takes ureq, reqwest or surf, not {adapter:?}");
        std::process::exit(2);
    }
    let per = |n: u64| n as f64 / calls as f64;
    let kb = |lines: u64| lines as f64 * 64.0 / 1024.0;
    let mut tables = Vec::new();
    for name in ["ureq", "reqwest", "surf"] {
        if adapter.as_deref().is_some_and(|a| a != name) {
            continue;
        }
        match (
            count(name, "lean", calls, v1),
            count(name, "hand-written", calls, v1),
        ) {
            (Ok(l), Ok(r)) => tables.push((name, l, r)),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("footprint: {e}");
                std::process::exit(1);
            }
        }
    }
    println!(
        "
what an `accounts` call runs through, counted by callgrind ({calls} calls a side, {})
",
        if v1 {
            "v1: a POST with the application token"
        } else {
            "v2: a GET with the bearer token"
        }
    );
    println!(
        "| adapter | instructions per call, lean / hand-written | ratio | hot code KB, lean / hand-written | ratio | per-account code KB, lean / hand-written |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, lean, raw) in &tables {
        println!(
            "| {name} | {:.0} / {:.0} | {:.2}× | {:.1} / {:.1} | {:.2}× | {:.1} / {:.1} |",
            per(lean.instructions),
            per(raw.instructions),
            lean.instructions as f64 / raw.instructions as f64,
            kb(lean.lines),
            kb(raw.lines),
            lean.lines as f64 / raw.lines as f64,
            kb(lean.item_lines),
            kb(raw.item_lines)
        );
    }
    println!(
        "\nas callgrind's model of the processor has them (32 KB caches, simple predictors), per call:\n"
    );
    println!(
        "| adapter | instruction cache misses, lean / hand-written | data cache misses | mispredicted branches |"
    );
    println!("|---|---:|---:|---:|");
    for (name, lean, raw) in &tables {
        let [li, ld, lb] = lean.simulated.map(per);
        let [ri, rd, rb] = raw.simulated.map(per);
        println!("| {name} | {li:.0} / {ri:.0} | {ld:.0} / {rd:.0} | {lb:.0} / {rb:.0} |");
    }
    println!(
        "\n| adapter | code from | instructions per call, lean / hand-written | hot code KB, lean / hand-written |"
    );
    println!("|---|---|---:|---:|");
    for (name, lean, raw) in &tables {
        let mut groups: Vec<&str> = lean
            .groups
            .keys()
            .chain(raw.groups.keys())
            .copied()
            .collect();
        groups.sort_unstable();
        groups.dedup();
        for group in groups {
            let (li, ll) = lean.groups.get(group).copied().unwrap_or_default();
            let (ri, rl) = raw.groups.get(group).copied().unwrap_or_default();
            println!(
                "| {name} | {group} | {:.0} / {:.0} | {:.1} / {:.1} |",
                per(li),
                per(ri),
                kb(ll),
                kb(rl)
            );
        }
    }
}
