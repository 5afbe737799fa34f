//! What a call costs the processor, counted instead of timed: instructions per call, and the
//! code a call runs through (its hot code: every 64-byte line of machine code with an
//! instruction run at least once every other call), lean-rs against the hand-written client,
//! `accounts` over ureq (the driver, the core and the decode are the same code for every
//! adapter; ureq keeps the whole call on one thread, which is what the counter sees).
//!
//! Why: over loopback a small lean-rs call costs 5–8 % more CPU than the hand-written one, and
//! timed runs move ±3 % between runs, so a change worth 1 % cannot be told from noise by
//! timing. `valgrind --tool=callgrind` counts every instruction the process runs inside
//! `measured` (and nothing outside it: not the set-up, not the emulator, which runs in its own
//! process): the same build gives the same counts, under any load.
//!
//! Hot code matters because the instruction cache holds 32 KB: what a call runs through
//! beyond that is fetched again from the next level at every call, a cost the instruction
//! count does not show.
//!
//! `cargo bench -p lean-bench --bench footprint` (`-- --quick`: fewer calls). Needs valgrind
//! (`apt-get install valgrind`); exits 1 with a reason without it.

use lean_bench::remote::Remote;
use lean_proto::GetAccounts;
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

/// Run under valgrind: one side's calls against an emulator of its own.
fn side(adapter: &str, side: &str, calls: usize) -> Result<(), String> {
    let remote = Remote::start(
        env!("CARGO_BIN_EXE_lean-bench-emulator"),
        &["--bank-latency", "0s"],
    )?;
    let entity = remote.entities[0].0.clone();
    if adapter == "reqwest" {
        return reqwest_side(&remote, side, calls);
    }
    match side {
        "lean" => {
            let client = lean_ureq::Client::new(remote.config_v2()).map_err(|e| e.to_string())?;
            let mut failed = None;
            let mut call = || {
                let got = client.call(GetAccounts::new(entity.clone())).send();
                match got {
                    Ok(data) if !data.payload.items.is_empty() => {}
                    Ok(_) => failed = Some("lean-rs: no accounts".to_owned()),
                    Err(e) => failed = Some(format!("lean-rs: {e}")),
                }
            };
            // Warm: the connection open, the token cached, lazy statics set.
            for _ in 0..20 {
                call();
            }
            measured(calls, &mut call);
            failed.map_or(Ok(()), Err)
        }
        "hand-written" => {
            let agent = ureq::Agent::new_with_defaults();
            let url = format!("{}/data/v2/accounts?entity_id={entity}", remote.base_url);
            let auth = format!("Bearer {}", remote.token());
            let mut failed = None;
            let mut call = || {
                let got = agent
                    .get(&url)
                    .header("authorization", &auth)
                    .call()
                    .and_then(|r| r.into_body().read_to_vec());
                match got {
                    Ok(bytes) if lean_bench::hand_written::accounts(&bytes) > 0 => {}
                    Ok(_) => failed = Some("hand-written: no accounts".to_owned()),
                    Err(e) => failed = Some(format!("hand-written: {e}")),
                }
            };
            for _ in 0..20 {
                call();
            }
            measured(calls, &mut call);
            failed.map_or(Ok(()), Err)
        }
        other => Err(format!("no side {other:?} (lean, hand-written)")),
    }
}

/// The reqwest sides, on a runtime of one thread: its tasks (the connection's too) are polled
/// inside `measured`, where the counter sees them.
fn reqwest_side(remote: &Remote, side: &str, calls: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let entity = remote.entities[0].0.clone();
    let mut failed = None;
    match side {
        "lean" => {
            let client =
                lean_reqwest::Client::new(remote.config_v2()).map_err(|e| e.to_string())?;
            let mut call = || {
                let got =
                    runtime.block_on(client.call(GetAccounts::new(entity.clone())).into_future());
                match got {
                    Ok(data) if !data.payload.items.is_empty() => {}
                    Ok(_) => failed = Some("lean-rs: no accounts".to_owned()),
                    Err(e) => failed = Some(format!("lean-rs: {e}")),
                }
            };
            for _ in 0..20 {
                call();
            }
            measured(calls, &mut call);
        }
        "hand-written" => {
            // As `per_call` builds it: rustls with no roots (the emulator is plain HTTP).
            let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
            let tls = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            let http = reqwest::Client::builder()
                .tls_backend_preconfigured(tls)
                .build()
                .map_err(|e| e.to_string())?;
            let url = format!("{}/data/v2/accounts?entity_id={entity}", remote.base_url);
            let auth = format!("Bearer {}", remote.token());
            let mut call = || {
                let got = runtime.block_on(async {
                    let r = http.get(&url).header("authorization", &auth).send().await?;
                    r.bytes().await
                });
                match got {
                    Ok(bytes) if lean_bench::hand_written::accounts(&bytes) > 0 => {}
                    Ok(_) => failed = Some("hand-written: no accounts".to_owned()),
                    Err(e) => failed = Some(format!("hand-written: {e}")),
                }
            };
            for _ in 0..20 {
                call();
            }
            measured(calls, &mut call);
        }
        other => return Err(format!("no side {other:?} (lean, hand-written)")),
    }
    failed.map_or(Ok(()), Err)
}

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
    let groups: [(&[&str], &'static str); 9] = [
        (&DECODE, "lean-rs: answer decode"),
        (
            &["lean_proto", "lean_client", "lean_ureq", "lean_reqwest"],
            "lean-rs: driver, core, request",
        ),
        (&["lean_bench::hand_written"], "hand-written model"),
        (&["serde"], "serde, serde_json"),
        (
            &[
                "ureq", "reqwest", "hyper", "http::", "<http::", "httparse", "bytes::",
            ],
            "HTTP: the library, http, httparse",
        ),
        (
            &["tokio", "mio", "futures", "tower"],
            "runtime: tokio, futures, tower",
        ),
        (&["malloc", "free", "_int_", "realloc"], "allocator"),
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
    for ((object, address), (ir, function)) in &per_instruction {
        let g = group(function);
        profile.instructions += ir;
        profile.groups.entry(g).or_default().0 += ir;
        if 2 * ir >= calls {
            hot_lines.entry((object.clone(), address / 64)).or_insert(g);
        }
    }
    profile.lines = hot_lines.len() as u64;
    for g in hot_lines.values() {
        profile.groups.entry(g).or_default().1 += 1;
    }
    Ok(profile)
}

/// Runs `side` under callgrind and reads its profile.
fn count(adapter: &str, side: &str, calls: usize) -> Result<Profile, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::env::temp_dir().join(format!(
        "lean-footprint-{}-{adapter}-{side}.callgrind",
        std::process::id()
    ));
    let status = Command::new("valgrind")
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
        .args(["--calls", &calls.to_string()])
        .status()
        .map_err(|e| format!("valgrind: {e} (apt-get install valgrind)"))?;
    let text = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !status.success() {
        return Err(format!("the {side} side under valgrind: {status}"));
    }
    read_profile(
        &text.map_err(|e| format!("{}: {e}", out.display()))?,
        calls as u64,
    )
}

fn main() {
    let calls: usize = lean_bench::flag("--calls")
        .and_then(|c| c.parse().ok())
        .unwrap_or(if std::env::args().any(|a| a == "--quick") {
            200
        } else {
            1000
        });
    let adapter = lean_bench::flag("--adapter");
    if let Some(s) = lean_bench::flag("--side") {
        if let Err(e) = side(adapter.as_deref().unwrap_or("ureq"), &s, calls) {
            eprintln!("footprint: {e}");
            std::process::exit(1);
        }
        return;
    }
    let per = |n: u64| n as f64 / calls as f64;
    let kb = |lines: u64| lines as f64 * 64.0 / 1024.0;
    let mut tables = Vec::new();
    for name in ["ureq", "reqwest"] {
        if adapter.as_deref().is_some_and(|a| a != name) {
            continue;
        }
        match (
            count(name, "lean", calls),
            count(name, "hand-written", calls),
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
what an `accounts` call runs through, counted by callgrind ({calls} calls a side)
"
    );
    println!(
        "| adapter | instructions per call, lean / hand-written | ratio | hot code KB, lean / hand-written | ratio |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, lean, raw) in &tables {
        println!(
            "| {name} | {:.0} / {:.0} | {:.2}× | {:.1} / {:.1} | {:.2}× |",
            per(lean.instructions),
            per(raw.instructions),
            lean.instructions as f64 / raw.instructions as f64,
            kb(lean.lines),
            kb(raw.lines),
            lean.lines as f64 / raw.lines as f64
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
