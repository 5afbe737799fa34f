//! The webhook tools end to end: `lean trigger` sends a signed sample of every documented type,
//! `lean webhook listen` checks each with the intake clients use, saves it, relays it to an app,
//! and `lean webhook verify` accepts the saved capture as it is.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const SECRET: &str = "whsec-test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn lean() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lean"));
    for var in [
        "LEAN_CLIENT_ID",
        "LEAN_CLIENT_SECRET",
        "LEAN_APP_TOKEN",
        "LEAN_ENV",
        "LEAN_BASE_URL",
        "LEAN_WEBHOOK_SECRET",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Starts `lean webhook listen` on a free port with `extra` flags; waits (bounded) until it
/// listens. The caller waits for it (it stops by itself after `max` deliveries).
#[allow(clippy::zombie_processes)]
fn listen(max: usize, extra: &[&str]) -> (std::process::Child, u16) {
    let port = free_port();
    let max = max.to_string();
    let port_s = port.to_string();
    let mut args = vec![
        "--json", "webhook", "listen", "--port", &port_s, "--secret", SECRET, "--max", &max,
    ];
    args.extend_from_slice(extra);
    let child = lean()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, port);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("lean webhook listen did not start");
}

#[test]
fn every_documented_type_is_triggered_accepted_saved_and_verified() {
    let kinds = lean_proto::webhook::samples::DOCUMENTED;
    let dir = std::env::temp_dir().join(format!("lean-captures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut listener, port) = listen(kinds.len(), &["--save", dir.to_str().unwrap()]);
    let url = format!("http://127.0.0.1:{port}/hooks");
    for kind in kinds {
        let out = lean()
            .args(["trigger", kind, "--url", &url, "--secret", SECRET])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("answered 200"));
    }
    let records: Vec<serde_json::Value> = BufReader::new(listener.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(listener.wait().unwrap().success());
    assert_eq!(records.len(), kinds.len());
    for (record, kind) in records.iter().zip(kinds) {
        assert_eq!(record["type"], kind, "{record}");
        assert_eq!(record["signature_valid"], true, "{record}");
        assert_eq!(record["answered"], 200, "{record}");
        // The capture, as saved, is what `webhook verify` takes.
        let saved = record["saved"].as_str().unwrap();
        let out = lean()
            .args(["webhook", "verify", "--secret", SECRET, saved])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{saved}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let wrong = lean()
            .args(["webhook", "verify", "--secret", "another", saved])
            .output()
            .unwrap();
        assert_eq!(wrong.status.code(), Some(1), "another secret is refused");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_delivery_is_forwarded_to_the_app_and_its_answer_printed() {
    // The app: answers 202 to a signed delivery, remembers what it got.
    let app = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let app_url = format!("http://{}/lean", app.server_addr().to_ip().unwrap());
    let got = std::thread::spawn(move || {
        let mut req = app.recv().unwrap();
        let sig = req
            .headers()
            .iter()
            .find(|h| h.field.equiv("lean-signature"))
            .map(|h| h.value.to_string());
        let mut body = Vec::new();
        req.as_reader().read_to_end(&mut body).unwrap();
        req.respond(tiny_http::Response::empty(202)).unwrap();
        (sig, body)
    });
    let (mut listener, port) = listen(1, &["--forward-to", &app_url]);
    let out = lean()
        .args([
            "trigger",
            "payment.updated",
            "--url",
            &format!("http://127.0.0.1:{port}/"),
            "--secret",
            SECRET,
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("answered 202"),
        "Lean gets the app's answer"
    );
    let record: serde_json::Value = serde_json::from_str(
        &BufReader::new(listener.stdout.take().unwrap())
            .lines()
            .next()
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(record["forwarded"], "202");
    assert_eq!(record["answered"], 202);
    let _ = listener.wait();
    // Unchanged: the app can check Lean's signature itself.
    let (sig, body) = got.join().unwrap();
    let secret = lean_proto::webhook::WebhookSecret::new(SECRET);
    assert!(secret.verify(&body, sig.as_deref()).is_ok());
}

#[test]
fn trigger_through_a_running_emulator_and_its_ids() {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        webhook_secret: SECRET.into(),
        ..Default::default()
    })
    .unwrap();
    let (mut listener, port) = listen(1, &[]);
    sandbox.set_webhook_url(Some(format!("http://127.0.0.1:{port}/")));
    let out = lean()
        .args([
            "trigger",
            "entity.created",
            "--base-url",
            &sandbox.base_url(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value = serde_json::from_str(
        &BufReader::new(listener.stdout.take().unwrap())
            .lines()
            .next()
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(record["type"], "entity.created");
    assert_eq!(
        record["signature_valid"], true,
        "signed with the emulator's secret"
    );
    let _ = listener.wait();
    let out = lean()
        .args(["--json", "ids", "--base-url", &sandbox.base_url()])
        .output()
        .unwrap();
    let ids = common::ndjson(&String::from_utf8_lossy(&out.stdout));
    let entity = sandbox.entities()[0].to_string();
    assert!(ids.iter().any(|r| r["entity_id"] == entity.as_str()));
    assert!(ids.iter().all(|r| r["account_id"].is_string()));
    let bad = lean()
        .args(["trigger", "no.such.type", "--url", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
