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
