//! The `lean` command's output contract: what scripts rely on.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// `lean … | head -1`: the reader goes away after one line; lean ends quietly, exit 0.
#[test]
fn a_closed_pipe_ends_quietly() {
    // Far more than a pipe holds (64 KiB), so lean is still writing when the reader goes.
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        transactions: 5_000,
        time_scale: 0.01,
        ..Default::default()
    })
    .unwrap();
    let (base, entity) = (sandbox.base_url(), sandbox.entities()[0].to_string());
    let account = sandbox.accounts(&sandbox.entities()[0])[0].to_string();
    for json in [false, true] {
        let mut args = vec![
            "transactions",
            "--all-pages",
            "--size",
            "100",
            "--base-url",
            &base,
            "--entity",
            &entity,
            "--account",
            &account,
        ];
        if json {
            args.insert(0, "--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_lean"))
            .args(&args)
            .env("LEAN_CLIENT_ID", "sandbox-client")
            .env("LEAN_CLIENT_SECRET", "sandbox-secret")
            .env_remove("LEAN_APP_TOKEN")
            .env_remove("LEAN_ENV")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The reader is dropped here, as `head -1` exits.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "json {json}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// Every list command, in both machine formats: NDJSON (one object per line) and CSV (a header,
/// then one row per record: as many rows as NDJSON lines).
#[test]
fn every_list_command_prints_ndjson_and_csv() {
    let lists: [&[&str]; 13] = [
        &["accounts"],
        &["balances"],
        &["transactions"],
        &["beneficiaries"],
        &["identities"],
        &["direct-debits"],
        &["scheduled-payments"],
        &["standing-orders"],
        &["identity"],
        &["customers"],
        &["entities"],
        &["banks"],
        &["refreshes"],
    ];
    for args in lists {
        let json = common::lean(&[&["--json"], args].concat(), None);
        assert!(
            json.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&json.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{args:?}: {e}: {l}")))
            .collect();
        if args != ["refreshes"] {
            assert!(!lines.is_empty(), "{args:?}");
        }
        assert!(lines.iter().all(serde_json::Value::is_object), "{args:?}");
        let csv = common::lean(&[&["--csv"], args].concat(), None);
        assert!(
            csv.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&csv.stderr)
        );
        let text = String::from_utf8_lossy(&csv.stdout);
        let rows = csv_rows(&text);
        assert_eq!(
            rows.len(),
            lines.len() + 1,
            "{args:?}: a header and a row per record"
        );
        assert!(
            rows.iter().all(|r| r.len() == rows[0].len()),
            "{args:?}: every row as wide as the header"
        );
    }
}

/// Splits CSV into rows of cells (RFC 4180 quoting).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    rows
}

/// Amounts are strings of Lean's exact digits: nothing a float-based tool (jq) can round.
#[test]
fn amounts_are_exact_strings() {
    let out = common::lean(&["--json", "transactions", "--all-pages"], None);
    assert!(out.status.success());
    let mut sum = rust_decimal::Decimal::ZERO;
    let mut n = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let t: serde_json::Value = serde_json::from_str(line).unwrap();
        let amount = t["amount"]["amount"]
            .as_str()
            .expect("an amount is a string");
        let d: rust_decimal::Decimal = amount.parse().unwrap();
        assert_eq!(d.to_string(), amount, "the digits as sent");
        sum += d;
        n += 1;
    }
    assert_eq!(n, 293);
    // The salary, as Lean writes it: two decimals kept.
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""amount":"30000.00""#));
    assert!(sum.scale() <= 2, "a sum of cents stays in cents: {sum}");
}

/// `decode --json` prints what it decoded: a page's items, one per line.
#[test]
fn decode_json_prints_the_records() {
    let path = common::fixtures().join(
        "UAE/data__raw-data-v2-accounts-account-id-transactions-get-transactions__ok__200.json",
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let body = v["body"].as_str().unwrap();
    let items = serde_json::from_str::<serde_json::Value>(body).unwrap()["data"]["transactions"]
        .as_array()
        .unwrap()
        .len();
    let out = common::lean(
        &["--json", "decode", "transactions", "-"],
        Some(body.as_bytes()),
    );
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), items);
    assert!(lines[0]["transaction_id"].is_string());
    assert!(lines[0]["amount"]["amount"].is_string());
}

/// Lean's v1 production asks for mTLS: `--cert`/`--key` (and `--ca` for a private CA) present
/// the application's certificate; without it the server refuses the handshake.
#[test]
fn a_client_certificate_from_the_command_line() {
    let pki = lean_conformance::tls::pki();
    let dir = std::env::temp_dir().join(format!("lean-mtls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let (cert, key, ca) = (
        write("app.pem", &pki.client_pem),
        write("app.key", &pki.client_key_pem),
        write("ca.pem", &pki.ca_pem),
    );
    let ask = |extra: &[&str], url: &str| {
        let mut args = vec![
            "--json",
            "accounts",
            "--app-token",
            "app-token",
            "--base-url",
            url,
            "--entity",
            "14eb95ba-2b9d-41cb-82fe-7b1b3079021e",
            "--ca",
            &ca,
        ];
        args.extend_from_slice(extra);
        common::lean_with(&args, None, &[])
    };
    let (url, served) = lean_conformance::tls::tls_server(&pki);
    let out = ask(&["--cert", &cert, "--key", &key], &url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("AE270200712989310470056"));
    assert_eq!(served.join().unwrap(), 1);
    let (url, served) = lean_conformance::tls::tls_server(&pki);
    let out = ask(&[], &url);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no certificate: the handshake fails"
    );
    assert_eq!(served.join().unwrap(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What jq reads of `--json` is Lean's digits: amounts come out of jq as sent (`30000.00`),
/// where a JSON number would come out as jq's float (`30000`). jq is installed by scripts/test.
#[test]
fn amounts_survive_jq_unchanged() {
    let out = common::lean(&["--json", "transactions", "--all-pages"], None);
    assert!(out.status.success());
    let ours: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["amount"]["amount"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut jq = Command::new("jq")
        .args(["-r", ".amount.amount"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("jq (scripts/test installs Debian's package)");
    use std::io::Write;
    jq.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let through = jq.wait_with_output().unwrap();
    assert!(through.status.success());
    let theirs: Vec<String> = String::from_utf8_lossy(&through.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(theirs, ours);
    assert!(theirs.iter().any(|a| a == "30000.00"), "two decimals kept");
}
