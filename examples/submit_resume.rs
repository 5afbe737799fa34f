//! Submit, restart, resume: a worker asks Lean for data with `async=true`, persists the
//! `PendingHandle` (JSON) and exits; a new process picks the results up later and reads every
//! page of them. Nothing is lost, and no page is skipped.
//!
//! ```sh
//! cargo run -p lean-examples --example submit_resume
//! ```

use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use lean_ureq::lean_proto::pending::PendingHandle;
use lean_ureq::lean_proto::*;
use lean_ureq::{CallConfig, Client, Submitted};
use std::time::Duration;

fn client(sandbox: &Sandbox) -> Result<Client, lean_ureq::Error> {
    Client::builder(sandbox.client_config())
        // No webhook endpoint in this example: poll right away, then with backoff.
        .call_config({
            let mut calls = CallConfig::default();
            calls.webhook_grace = Duration::ZERO;
            calls
        })
        .build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(40)),
        time_scale: 0.05,
        ..SandboxConfig::default()
    })?;
    let entity = sandbox.entities()[0].clone();
    let account = sandbox.accounts(&entity)[0].clone();
    let store = std::env::temp_dir().join(format!("lean-results-{}.txt", std::process::id()));

    // Process 1: submit and persist the handle (the results_id, the API generation, the page
    // size: what it takes to read the results back as they were asked for).
    {
        let first = client(&sandbox)?;
        let request = first.transactions(&entity, &account).page_size(50);
        match request.submit().send()? {
            Submitted::Pending(handle) => {
                std::fs::write(&store, serde_json::to_string(&handle)?)?;
                println!(
                    "submitted; results_id {} saved to {}",
                    handle.results_id,
                    store.display()
                );
            }
            _ => println!("answered at once (no async flag on this endpoint)"),
        }
    } // the client is dropped: a restart

    // Process 2: read the handle back and resume: every page, from the results.
    let handle: PendingHandle = serde_json::from_str(&std::fs::read_to_string(&store)?)?;
    let second = client(&sandbox)?;
    let mut written = 0;
    for tx in second.resume::<Page<Transaction>>(handle).items() {
        let _tx = tx?; // an error ends the walk here, never silently
        written += 1;
    }
    println!("resumed: {written} transactions, every page");
    let _ = std::fs::remove_file(store);
    Ok(())
}
