//! The `lean` command end to end: decode every recorded Lean body, verify webhooks with the
//! documented exit codes, list the embedded emulator's accounts with no credentials.

mod common;

use common::*;
use std::io::Write;
use std::process::{Command, Output, Stdio};

#[test]
fn decode_every_recorded_body() {
    let (mut n, mut unanswered) = (0, 0);
    let dirs = ["UAE", "KSA-insights", "KSA-verifications"]
        .map(|d| std::fs::read_dir(fixtures().join(d)).unwrap());
    for entry in dirs.into_iter().flatten() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        // Lean's collection recorded a few requests without their answer.
        let Some(status) = v["status"]
            .as_u64()
            .or((!v["body"].as_str().unwrap().is_empty()).then_some(200))
        else {
            unanswered += 1;
            continue;
        };
        let kind = payment_kind(&name).unwrap_or_else(|| {
            kind_of(
                v["request"]["method"].as_str().unwrap(),
                v["request"]["url"].as_str().unwrap(),
            )
        });
        let status = status.to_string();
        let out = lean(
            &["decode", kind, "--status", &status, "-"],
            Some(v["body"].as_str().unwrap().as_bytes()),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        // A verification the bank could not answer: 200 with `status: FAILED`.
        let body: serde_json::Value =
            serde_json::from_str(v["body"].as_str().unwrap()).unwrap_or_default();
        let bare = PAYMENT_FILES.iter().any(|p| name.starts_with(p));
        let expected = match (status.starts_with('2'), !bare && body["status"] == "FAILED") {
            (true, true) => "failed:",
            (true, false) => "data:",
            (false, _) => "api_error:",
        };
        assert!(stdout.starts_with(expected), "{}: {stdout}", path.display());
        n += 1;
    }
    assert_eq!((n, unanswered), (162, 2));
    for entry in std::fs::read_dir(fixtures().join("UAE-webhooks")).unwrap() {
        let path = entry.unwrap().path();
        let out = lean(&["decode", "webhook", path.to_str().unwrap()], None);
        assert!(out.status.success(), "{}", path.display());
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("webhook:"));
    }
}

#[test]
fn decode_failure_names_the_field_and_exits_2() {
    let body = br#"{"status":"OK","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":{"type":"transactions","transactions":[{"amount":{"currency":"AED","amount":"lots"}}]}}"#;
    let out = lean(&["decode", "transactions", "-"], Some(body));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("data.transactions[0].amount.amount"), "{err}");
    let pending =
        br#"{"status":"PENDING","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":null}"#;
    let out = lean(&["decode", "accounts", "-"], Some(pending));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2ab8c57a-011b-418f-9419-968155e600dd"));
    assert_eq!(
        lean(&["decode", "no-such-kind", "-"], Some(b"{}"))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn webhook_verify_exit_codes() {
    let body = std::fs::read(fixtures().join("UAE-webhooks/entity.created.json")).unwrap();
    let sig = lean_proto::webhook::WebhookSecret::new("whsec").sign(&body);
    let ok = lean(
        &[
            "webhook",
            "verify",
            "--secret",
            "whsec",
            "--signature",
            &sig,
            "-",
        ],
        Some(&body),
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = lean(
        &[
            "webhook",
            "verify",
            "--secret",
            "other",
            "--signature",
            &sig,
            "-",
        ],
        Some(&body),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&bad.stderr).contains("other"),
        "the secret is not printed"
    );
    // A capture with headers.
    let mut capture = format!(
        "POST /hook HTTP/1.1\r\nlean-signature: {sig}\r\ncontent-type: application/json\r\n\r\n"
    )
    .into_bytes();
    capture.extend_from_slice(&body);
    assert_eq!(
        lean(
            &["webhook", "verify", "--secret", "whsec", "-"],
            Some(&capture)
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        lean(
            &["webhook", "verify", "--secret", "whsec", "/no/such/file"],
            None
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn without_credentials_lean_refuses_instead_of_pretending() {
    for env in [&[][..], &[("LEAN_ENV", "production")][..]] {
        let out = lean_with(&["accounts"], None, env);
        assert_eq!(out.status.code(), Some(4), "{env:?}");
        assert!(out.stdout.is_empty(), "no data printed");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("LEAN_CLIENT_ID") && err.contains("--sandbox"),
            "says what to set: {err}"
        );
        assert_eq!(err.lines().count(), 1, "said once: {err}");
    }
    // The emulator beside credentials would ignore them: refused.
    let out = lean_with(
        &["--sandbox", "accounts"],
        None,
        &[("LEAN_CLIENT_ID", "id"), ("LEAN_CLIENT_SECRET", "secret")],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn accounts_on_the_embedded_emulator_when_asked_for() {
    let out = lean_with(&["--sandbox", "accounts"], None, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1 + 9, "{stdout}");
    assert!(stdout.contains("CURRENT"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("embedded lean-sandbox"));
    // The entity from the environment.
    let out = lean_with(
        &["accounts"],
        None,
        &[
            ("LEAN_ENV", "local"),
            ("LEAN_ENTITY_ID", "8a78e977-7f3a-8772-ba26-c4c0424bb3e3"),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "that entity is unknown: it was used"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("UNKNOWN_ENTITY"));
    // Every page as NDJSON: one transaction per line, streamed as pages arrive.
    let json = lean(
        &["--json", "transactions", "--all-pages", "--size", "100"],
        None,
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 293);
    assert!(lines.iter().all(|t| t["transaction_id"].is_string()));
}

#[test]
fn errors_print_lean_codes_and_exit_non_zero() {
    let out = lean(
        &[
            "accounts",
            "--entity",
            "8a78e977-7f3a-8772-ba26-c4c0424bb3e3",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("UNKNOWN_ENTITY") && err.contains("lean-correlation-id"),
        "{err}"
    );
    let out = lean(&["accounts", "--entity", "../etc"], None);
    assert_eq!(out.status.code(), Some(2));
    // An unknown entity with no --account: a clear error, not a crash.
    let out = lean(
        &[
            "balances",
            "--entity",
            "8a78e977-7f3a-8772-ba26-c4c0424bb3e3",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--account is required"));
}

#[test]
fn webhook_listen_verifies_and_prints() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_lean"))
        .args([
            "webhook",
            "listen",
            "--port",
            &port.to_string(),
            "--secret",
            "whsec",
            "--max",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = std::fs::read(fixtures().join("UAE-webhooks/entity.created.json")).unwrap();
    let sig = lean_proto::webhook::WebhookSecret::new("whsec").sign(&body);
    let post = |sig: &str| -> String {
        // Bounded retries while the listener starts.
        for _ in 0..100 {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let head = format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nlean-signature: {sig}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                s.write_all(head.as_bytes()).unwrap();
                s.write_all(&body).unwrap();
                let mut reply = String::new();
                let _ = std::io::Read::read_to_string(&mut s, &mut reply);
                return reply;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("listener never came up");
    };
    assert!(post(&sig).starts_with("HTTP/1.1 200"));
    assert!(post("sha512=00").starts_with("HTTP/1.1 401"));
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("entity.created event_id 28f729fe-9c36-426f-959b-65e69303d901"),
        "{stdout}"
    );
    assert!(stdout.contains("refused"), "{stdout}");
}

#[test]
fn webhook_verify_takes_captures_that_are_not_utf8() {
    // A header with bytes that are not UTF-8 before the signature, and a body that is not
    // UTF-8 either: slicing by offsets found in lossily decoded text used to panic (exit 101)
    // and misplace the body.
    let body: Vec<u8> = [
        &b"{\"type\":\"x\",\"junk\":\""[..],
        &[0xff, 0xfe, 0xfd][..],
        &b"\"}"[..],
    ]
    .concat();
    let sig = lean_proto::webhook::WebhookSecret::new("whsec").sign(&body);
    let mut capture = b"POST /hook HTTP/1.1\r\nx-odd: \xff\xfe\xff\xfe\r\n".to_vec();
    capture.extend_from_slice(format!("lean-signature: {sig}\r\n\r\n").as_bytes());
    capture.extend_from_slice(&body);
    let out = lean(
        &["webhook", "verify", "--secret", "whsec", "-"],
        Some(&capture),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn webhook_listen_is_not_held_up_by_a_stalled_or_huge_upload() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lean"))
        .args([
            "webhook",
            "listen",
            "--port",
            &port.to_string(),
            "--secret",
            "whsec",
            "--max",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let connect = || {
        for _ in 0..100 {
            if let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                return s;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("listener never came up");
    };
    // 1. An upload that announces 100,000 bytes (tiny_http hands over bodies above 1 KiB
    //    unread) and stalls after a few: it occupies one handler, never the listener.
    let mut stalled = connect();
    stalled
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"type\"")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200)); // it is handed over first
    // 2. A body of 400 MiB announced: refused at once, without reading it.
    let mut huge = connect();
    huge.write_all(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 419430400\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    huge.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut reply = [0u8; 12];
    std::io::Read::read_exact(&mut huge, &mut reply).unwrap();
    assert_eq!(&reply, b"HTTP/1.1 413");
    drop(huge);
    // 3. A valid webhook is answered while the stalled upload is still open (it is dropped
    //    only after): a listener held up by it would leave this read to time out.
    let body = std::fs::read(fixtures().join("UAE-webhooks/entity.created.json")).unwrap();
    let sig = lean_proto::webhook::WebhookSecret::new("whsec").sign(&body);
    let mut valid = connect();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nlean-signature: {sig}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    valid.write_all(head.as_bytes()).unwrap();
    valid.write_all(&body).unwrap();
    valid
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut reply = [0u8; 12];
    std::io::Read::read_exact(&mut valid, &mut reply).unwrap();
    assert_eq!(&reply, b"HTTP/1.1 200");
    drop(stalled); // the stalled upload ends; the listener has seen its 3 requests
    let status = child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn a_request_that_cannot_be_built_is_a_usage_error() {
    // Caught before any request: exit 2 (usage), not 1 (Lean or the network).
    let out = lean(&["transactions", "--size", "0"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("page size"));
}

#[test]
fn a_page_number_of_u32_max_is_printed_not_overflowed() {
    // A server (any server: this is input) that answers page 4294967295 of 4294967295.
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let base = format!("http://{}", server.server_addr().to_ip().unwrap());
    let serve = std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok(Some(request)) = server.recv_timeout(std::time::Duration::from_secs(10)) else {
                return;
            };
            let body = if request.url().starts_with("/oauth2/token") {
                r#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#.to_owned()
            } else {
                r#"{"status":"OK","results_id":"00000000-0000-4000-8000-000000000001","message":"ok","timestamp":"2026-01-01T00:00:00Z","type":"accounts","data":{"type":"accounts","accounts":[],"page":{"number":4294967295,"size":50,"total_elements":0,"total_pages":4294967295}}}"#.to_owned()
            };
            let _ = request.respond(tiny_http::Response::from_string(body));
        }
    });
    let out = lean_with(
        &[
            "accounts",
            "--base-url",
            &base,
            "--client-id",
            "id",
            "--client-secret",
            "secret",
            "--entity",
            "14eb95ba-2b9d-41cb-82fe-7b1b3079021e",
        ],
        None,
        &[],
    );
    let _ = serve.join();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("page 4294967296 of 4294967295"), "{stderr}");
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn customers_entities_banks_and_refreshes_on_the_embedded_emulator() {
    let banks = ndjson(&ok(&lean(&["--json", "banks"], None)));
    assert!(banks.iter().any(|b| b["identifier"] == "LEAN_SANDBOX_UAE"));
    assert_eq!(
        lean(&["banks", "--account-types", "corporate"], None)
            .status
            .code(),
        Some(2)
    );
    let customers = ok(&lean(&["customers"], None));
    assert!(customers.contains("sandbox_user_1"), "{customers}");
    let made: serde_json::Value =
        serde_json::from_str(&ok(&lean(&["create-customer", "cli-user-7"], None))).unwrap();
    assert_eq!(made["app_user_id"], "cli-user-7");
    let by_app: serde_json::Value = serde_json::from_str(&ok(&lean(
        &["customers", "--app-user-id", "sandbox_user_2"],
        None,
    )))
    .unwrap();
    let customer = by_app["customer_id"].as_str().unwrap().to_owned();
    let entities = ndjson(&ok(&lean(
        &["--json", "entities", "--customer", &customer],
        None,
    )));
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0]["customer_id"], customer.as_str());
    let all = ndjson(&ok(&lean(&["--json", "entities"], None)));
    assert_eq!(all.len(), 2);
    let table = ok(&lean(&["entities"], None));
    assert_eq!(table.lines().count(), 1 + 2, "{table}");
    // Lean's recommended flow from the command line: trigger, then wait for FINISHED.
    let out = ok(&lean(&["refresh", "--wait"], None));
    assert!(
        out.contains("refresh_id ") && out.ends_with("status FINISHED\n"),
        "{out}"
    );
    let listed = ok(&lean(&["refreshes"], None));
    assert!(listed.starts_with("refresh_id"), "{listed}");
}

#[test]
fn insights_take_a_start_date_and_name_verification_checks_the_name() {
    let ksa: serde_json::Value = serde_json::from_str(&ok(&lean(
        &["cash-balances", "--start-date", "2025-06-01"],
        None,
    )))
    .unwrap();
    assert!(
        !ksa["monthly_totals"].as_array().unwrap().is_empty(),
        "{ksa}"
    );
    assert_eq!(
        lean(&["expenses", "--start-date", "June"], None)
            .status
            .code(),
        Some(2)
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&lean(
        &["verify-name", "--name", "Somebody Else"],
        None,
    )))
    .unwrap();
    assert_eq!(v["match_type"], "NO_MATCH");
    let out = lean(&["verify-name", "--name", "R2D2"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a name Lean would refuse is a usage error"
    );
}

#[test]
fn an_app_token_reaches_the_v1_routes() {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        time_scale: 0.01,
        ..Default::default()
    })
    .unwrap();
    let base = sandbox.base_url();
    let entity = sandbox.entities()[0].to_string();
    let token = sandbox.config().app_token.clone();
    let v1 = |cmd: &str| {
        lean_with(
            &[
                cmd,
                "--app-token",
                &token,
                "--base-url",
                &base,
                "--entity",
                &entity,
            ],
            None,
            &[],
        )
    };
    let accounts: serde_json::Value = serde_json::from_str(&ok(&v1("accounts"))).unwrap();
    assert_eq!(
        accounts["accounts"].as_array().unwrap().len(),
        9,
        "{accounts}"
    );
    let identity: serde_json::Value = serde_json::from_str(&ok(&v1("identity"))).unwrap();
    assert!(identity["full_name"].is_string());
    // A v2-only command with an app token is a usage error that says why.
    let out = v1("expenses");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("v2"));
}

#[test]
fn exit_codes_say_what_happened() {
    // 3: still PENDING after --deadline, with the results_id to come back with.
    let id = "2ab8c57a-011b-418f-9419-968155e600dd";
    let out = lean(&["results", id, "--wait", "--deadline", "500ms"], None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("results_id {id}")) && err.contains("lean results"),
        "{err}"
    );
    // 4: credentials refused.
    let sandbox = lean_sandbox::Sandbox::start(Default::default()).unwrap();
    let base = sandbox.base_url();
    let out = lean_with(
        &[
            "accounts",
            "--client-id",
            "sandbox-client",
            "--client-secret",
            "wrong",
            "--base-url",
            &base,
            "--entity",
            &sandbox.entities()[0].to_string(),
        ],
        None,
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 2: usage, from clap and from our own checks.
    assert_eq!(
        lean(&["accounts", "--no-such-flag"], None).status.code(),
        Some(2)
    );
    assert_eq!(
        lean(&["results", "x", "--deadline", "soon"], None)
            .status
            .code(),
        Some(2)
    );
    // The codes are documented where a user looks.
    let help = String::from_utf8_lossy(&lean(&["--help"], None).stdout).into_owned();
    assert!(
        help.contains("Exit codes") && help.contains("3 still PENDING"),
        "{help}"
    );
}

#[test]
fn completions_for_the_usual_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let out = lean(&["completions", shell], None);
        let script = ok(&out);
        assert!(
            script.contains("lean") && script.contains("transactions"),
            "{shell}"
        );
    }
    assert_eq!(
        lean(&["completions", "cmd.exe"], None).status.code(),
        Some(2)
    );
}

#[test]
fn decode_survives_the_largest_page_number() {
    // The page shown is number + 1: u32::MAX once panicked (exit 101) on the overflow.
    let body = format!(
        r#"{{"status":"OK","results_id":"b7080737-1fe4-44a4-b4fd-4e08b10471fc","data":{{"type":"transactions","transactions":[],"page":{{"number":{max},"size":50,"total_elements":0,"total_pages":{max}}}}}}}"#,
        max = u32::MAX
    );
    for kind in ["transactions", "results"] {
        let out = lean(
            &["decode", kind, "--status", "200", "-"],
            Some(body.as_bytes()),
        );
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("page 4294967295"));
    }
}

#[test]
fn a_time_scale_that_is_not_a_finite_positive_number_is_a_usage_error() {
    for bad in ["inf", "NaN", "0", "-1", "fast"] {
        let out = lean(&["sandbox", "--time-scale", bad], None);
        assert_eq!(out.status.code(), Some(2), "--time-scale {bad}");
    }
}
