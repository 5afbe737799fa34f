//! Load benchmark of the emulator: a separate load generator (plain TCP, HTTP/1.1 keep-alive,
//! one connection per thread) against an in-process `lean-sandbox`, fast routes only (token
//! validation + accounts with zero bank latency). Prints requests per second.
//!
//! `cargo bench -p lean-sandbox --bench load`

use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn token(addr: std::net::SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    let body = "client_id=sandbox-client&client_secret=sandbox-secret&grant_type=client_credentials&scope=api";
    write!(s, "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let at = text.find("\"access_token\":\"").expect("token") + 16;
    text[at..].split('"').next().unwrap().to_owned()
}

fn read_response(r: &mut BufReader<TcpStream>) -> u16 {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    status
}

fn main() {
    let config = SandboxConfig {
        bank_latency: Latency::fixed(Duration::ZERO),
        // No bank time: the figure is the emulator's own cost.
        time_scale: 1e-6,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).expect("start");
    let addr = sandbox.addr();
    let tok = token(addr);
    let entity = sandbox.entities()[0].clone();
    let threads = 4;
    let per_thread = 5_000;
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let tok = tok.clone();
            let path = format!("/data/v2/accounts?entity_id={entity}&size=2");
            std::thread::spawn(move || {
                let s = TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                let mut w = s.try_clone().unwrap();
                let mut r = BufReader::new(s);
                let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nAccept: application/json\r\n\r\n");
                let mut ok = 0;
                for _ in 0..per_thread {
                    w.write_all(req.as_bytes()).unwrap();
                    if read_response(&mut r) == 200 {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let ok: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let secs = started.elapsed().as_secs_f64();
    let total = threads * per_thread;
    println!(
        "lean-sandbox load: {total} requests ({ok} OK) over {threads} keep-alive connections in {secs:.2} s"
    );
    println!(
        "lean-sandbox load: {:.0} requests/s (target >= 5000: ratio {:.2})",
        total as f64 / secs,
        total as f64 / secs / 5000.0
    );
    assert_eq!(ok, total, "every request answered 200");
}
