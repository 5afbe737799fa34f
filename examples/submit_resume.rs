//! Submit, restart, resume: a worker asks Lean for data with `async=true`, persists the
//! `results_id` and exits; a new process picks the results up later. Nothing is lost.
//!
//! ```sh
//! cargo run -p lean-examples --example submit_resume
//! ```

use lean_sandbox::{Latency, Sandbox, SandboxConfig};
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

    // Process 1: submit and persist.
    {
        let first = client(&sandbox)?;
        match first.submit(GetTransactions::new(entity, account))? {
            Submitted::Pending(results_id) => {
                std::fs::write(&store, results_id.as_str())?;
                println!(
                    "submitted; results_id {results_id} saved to {}",
                    store.display()
                );
            }
            Submitted::Data(_) => println!("answered at once (no async flag on this endpoint)"),
        }
    } // the client is dropped: a restart

    // Process 2: read it back and resume.
    let results_id = ResultsId::parse(std::fs::read_to_string(&store)?.trim())?;
    let second = client(&sandbox)?;
    let page = second.resume::<Page<Transaction>>(results_id)?;
    let info = page.payload.page.ok_or("no page info")?;
    println!(
        "resumed: {} of {} transactions (page 1 of {})",
        page.payload.items.len(),
        info.total_elements,
        info.total_pages
    );
    let _ = std::fs::remove_file(store);
    Ok(())
}
