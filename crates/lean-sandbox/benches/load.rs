//! Load benchmark of the emulator: the `lean-sandbox` binary in a process of its own, pinned
//! to one CPU where the machine has two, and a separate load generator in this process, pinned
//! to the other (plain TCP, HTTP/1.1 keep-alive, one connection per thread), on the fast routes
//! only (token validation + accounts with zero bank latency). Prints requests per second over
//! several windows (median, min–max) and how busy each side's CPU was, so that a figure limited
//! by the generator is told apart from one limited by the emulator.
//!
//! `cargo bench -p lean-sandbox --bench load` (`-- --quick` for shorter windows).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The emulator's process; killed when dropped.
struct Emulator {
    child: Child,
    addr: std::net::SocketAddr,
    entity: String,
    pinned: bool,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pin(pid: u32, cpu: usize) -> bool {
    Command::new("taskset")
        .args(["-a", "-p", "-c", &cpu.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn start() -> Result<Emulator, String> {
    let exe = env!("CARGO_BIN_EXE_lean-sandbox");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pinned = cpus >= 2 && pin(std::process::id(), 0);
    let mut cmd = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "1", exe]);
        c
    } else {
        Command::new(exe)
    };
    let mut child = cmd
        // No bank time: the figure is the emulator's own cost.
        .args([
            "--port",
            "0",
            "--bank-latency",
            "0s",
            "--time-scale",
            "0.000001",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting {exe}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let (mut addr, mut entity) = (None, None);
    // The banner: "lean-sandbox listening on http://127.0.0.1:PORT", then the seeded ids.
    while let Some(Ok(line)) = lines.next() {
        if let Some(url) = line.strip_prefix("lean-sandbox listening on http://") {
            addr = url.trim().parse().ok();
        }
        if let Some(id) = line.trim().strip_prefix("entity_id ") {
            entity = Some(id.trim().to_owned());
            break;
        }
    }
    let emulator = Emulator {
        addr: addr.ok_or("no address in the banner")?,
        entity: entity.ok_or("no entity in the banner")?,
        pinned,
        child,
    };
    // The rest of the banner is not read: a full pipe would not block it (it is printed once).
    Ok(emulator)
}

/// CPU time all threads of process `pid` have run (`/proc/PID/task/*/schedstat`).
fn cpu_time(pid: &str) -> Duration {
    let mut ns = 0u64;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            let stat = std::fs::read_to_string(t.path().join("schedstat")).unwrap_or_default();
            ns += stat
                .split_whitespace()
                .next()
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(ns)
}

fn token(addr: std::net::SocketAddr) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    let body = "client_id=sandbox-client&client_secret=sandbox-secret&grant_type=client_credentials&scope=api";
    write!(
        s,
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let at = text
        .find("\"access_token\":\"")
        .ok_or_else(|| std::io::Error::other(format!("no token in {text:?}")))?
        + 16;
    Ok(text[at..].split('"').next().unwrap_or_default().to_owned())
}

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
    let emulator = match start() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(1);
        }
    };
    let addr = emulator.addr;
    let tok = match token(addr) {
        Ok(t) => t,
        Err(e) => {
            drop(emulator);
            eprintln!("load: token: {e}");
            std::process::exit(1);
        }
    };
    let threads = 4;
    let (ok, other, stop) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let path = format!("/data/v2/accounts?entity_id={}&size=2", emulator.entity);
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
    let emulator_pid = emulator.child.id().to_string();
    let pinned = emulator.pinned;
    let mut rates = Vec::new();
    let (mut busy_gen, mut busy_emu) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t0 = Instant::now();
        let n0 = ok.load(Ordering::Relaxed);
        let (g0, e0) = (cpu_time("self"), cpu_time(&emulator_pid));
        std::thread::sleep(window);
        let secs = t0.elapsed().as_secs_f64();
        rates.push((ok.load(Ordering::Relaxed) - n0) as f64 / secs);
        busy_gen.push((cpu_time("self") - g0).as_secs_f64() / secs);
        busy_emu.push((cpu_time(&emulator_pid) - e0).as_secs_f64() / secs);
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
        "lean-sandbox load: {rate:.0} requests/s, median of {rounds} windows of {} ms [{lo:.0}–{hi:.0}], {threads} keep-alive connections (target >= 5000: ratio {:.2})",
        window.as_millis(),
        rate / 5000.0
    );
    println!(
        "CPUs busy: emulator {:.2}, generator {:.2}; {}; load average at the end: {}",
        median(&mut busy_emu),
        median(&mut busy_gen),
        if pinned {
            "the emulator (lean-sandbox binary) on CPU 1, the generator on CPU 0"
        } else {
            "not pinned (one CPU, or no taskset)"
        },
        load.trim()
    );
    drop(emulator); // stopped before any exit below
    if not_ok > 0 || failed > 0 {
        eprintln!(
            "load: {not_ok} answers were not 200 and {failed} connections failed: the figure does not hold"
        );
        std::process::exit(1);
    }
}
