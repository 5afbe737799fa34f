//! The emulator in a process of its own, for benchmarks that must not count its work as the
//! client's (CPU, allocations) and that pin it to another core: `lean-sandbox`'s flags, one
//! JSON line on stdout with what a client needs, then serving until stdin closes (so it ends
//! with the benchmark that started it, however that ends).

use clap::Parser;
use std::io::Read;

#[derive(Parser)]
#[command(name = "lean-bench-emulator")]
struct Cli {
    #[command(flatten)]
    args: lean_sandbox::cli::SandboxArgs,
}

fn main() {
    let cli = Cli::parse();
    let sandbox = match lean_sandbox::Sandbox::start(cli.args.config()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("lean-bench-emulator: {e}");
            std::process::exit(1);
        }
    };
    let entities: Vec<serde_json::Value> = sandbox
        .entities()
        .iter()
        .map(|e| {
            let accounts: Vec<String> = sandbox.accounts(e).iter().map(|a| a.to_string()).collect();
            serde_json::json!({ "entity_id": e.to_string(), "accounts": accounts })
        })
        .collect();
    let c = sandbox.config();
    let ready = serde_json::json!({
        "base_url": sandbox.base_url(),
        "client_id": c.client_id,
        "client_secret": c.client_secret,
        "app_token": c.app_token,
        "webhook_secret": c.webhook_secret,
        "entities": entities,
    });
    println!("{ready}");
    // Serve until the benchmark closes our stdin (or dies).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}
