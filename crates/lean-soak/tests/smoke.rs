//! The soak tool itself: a short campaign per adapter ends with no wrong data, no forged
//! webhook accepted, no panic, no lost results_id (exit 0), and says so.

use std::process::Command;

#[test]
fn a_short_campaign_on_every_adapter_is_clean() {
    // The three campaigns are processes of their own: run at once.
    let runs: Vec<_> = ["ureq", "reqwest", "surf"]
        .into_iter()
        .map(|adapter| {
            let child = Command::new(env!("CARGO_BIN_EXE_lean-soak"))
                .args([
                    "--adapter",
                    adapter,
                    "--calls",
                    "40",
                    "--faults",
                    "0.2",
                    "--bad-webhooks",
                    "0.2",
                    // The storm against a faulty emulator takes seconds per call; its
                    // correctness is the conformance suite's (`mixing`, every adapter), and
                    // the soak runs it.
                    "--mix-calls",
                    "0",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("lean-soak runs");
            (adapter, child)
        })
        .collect();
    for (adapter, child) in runs {
        let out = child.wait_with_output().expect("lean-soak ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{adapter}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Typed errors may legitimately occur (retries spent on a run of faults); wrong data,
        // panics and lost ids may not.
        for line in ["wrong 0", "panics 0", "lost results_id 0"] {
            assert!(
                stdout.lines().any(|l| l == line),
                "{adapter}: no {line:?} in\n{stdout}"
            );
        }
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_lean-soak"))
        .args(["--adapter", "nope"])
        .output()
        .expect("lean-soak runs");
    assert_eq!(
        bad.status.code(),
        Some(2),
        "an unknown adapter is a usage error"
    );
}
