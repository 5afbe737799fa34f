//! Load benchmark of the emulator: lean-sandbox in a process of its own
//! (`lean-bench-emulator`), pinned to one CPU where the machine has two, and a separate load
//! generator in this process, pinned to the other (plain TCP, HTTP/1.1 keep-alive, one
//! connection per thread), on the fast routes only (token validation + accounts with zero bank
//! latency). Prints requests per second over several windows (median, min–max) and how busy
//! each side's CPU was, so that a figure limited by the generator is told apart from one
//! limited by the emulator.
//!
//! `cargo bench -p lean-bench --bench emulator` (`-- --quick` for shorter windows).

use lean_bench::remote::Remote;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Reads one response; its status (0 when it could not be read).
fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<u16> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(0);
        }
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(status)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // No bank time: the figure is the emulator's own cost.
    let emulator = match Remote::start(
        env!("CARGO_BIN_EXE_lean-bench-emulator"),
        &["--bank-latency", "0s", "--time-scale", "0.000001"],
    ) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("emulator: {e}");
            std::process::exit(1);
        }
    };
    let addr: std::net::SocketAddr = match emulator.base_url.trim_start_matches("http://").parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("emulator: its address {}: {e}", emulator.base_url);
            std::process::exit(1);
        }
    };
    let tok = emulator.token();
    let threads = 4;
    let (ok, other, stop) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let path = format!(
        "/data/v2/accounts?entity_id={}&size=2",
        emulator.entities[0].0
    );
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (tok, path) = (tok.clone(), path.clone());
            let (ok, other, stop) = (ok.clone(), other.clone(), stop.clone());
            std::thread::spawn(move || -> std::io::Result<()> {
                let s = TcpStream::connect(addr)?;
                s.set_nodelay(true)?;
                let mut w = s.try_clone()?;
                let mut r = BufReader::new(s);
                let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nAccept: application/json\r\n\r\n");
                while !stop.load(Ordering::Relaxed) {
                    w.write_all(req.as_bytes())?;
                    let counter = if read_response(&mut r)? == 200 {
                        &ok
                    } else {
                        &other
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    // Warm: every connection answered at least once.
    let warm = Instant::now() + Duration::from_secs(30);
    while ok.load(Ordering::Relaxed) < 4 * threads as u64 && Instant::now() < warm {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (rounds, window) = if quick {
        (3, Duration::from_millis(500))
    } else {
        (7, Duration::from_secs(2))
    };
    let mut rates = Vec::new();
    let (mut busy_gen, mut busy_emu) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t0 = Instant::now();
        let n0 = ok.load(Ordering::Relaxed);
        emulator.rescan();
        let (g0, e0) = (lean_bench::cpu_time(), emulator.cpu_time());
        std::thread::sleep(window);
        let secs = t0.elapsed().as_secs_f64();
        rates.push((ok.load(Ordering::Relaxed) - n0) as f64 / secs);
        busy_gen.push(lean_bench::cpu_time().saturating_sub(g0).as_secs_f64() / secs);
        busy_emu.push(emulator.cpu_time().saturating_sub(e0).as_secs_f64() / secs);
    }
    stop.store(true, Ordering::Relaxed);
    let failed = handles
        .into_iter()
        .map(|h| h.join())
        .filter(|r| !matches!(r, Ok(Ok(()))))
        .count();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (lo, hi) = {
        let mut r = rates.clone();
        r.sort_by(|a, b| a.total_cmp(b));
        (r[0], r[r.len() - 1])
    };
    let rate = median(&mut rates);
    let not_ok = other.load(Ordering::Relaxed);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "emulator load: {rate:.0} requests/s, median of {rounds} windows of {} ms [{lo:.0}–{hi:.0}], {threads} keep-alive connections (target >= 5000: ratio {:.2})",
        window.as_millis(),
        rate / 5000.0
    );
    println!(
        "CPUs busy: emulator {:.2}, generator {:.2}; {}; load average at the end: {}",
        median(&mut busy_emu),
        median(&mut busy_gen),
        emulator.placement,
        load.trim()
    );
    drop(emulator); // stopped before any exit below
    if not_ok > 0 || failed > 0 {
        eprintln!(
            "emulator: {not_ok} answers were not 200 and {failed} connections failed: the figure does not hold"
        );
        std::process::exit(1);
    }
}
