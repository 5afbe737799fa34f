//! A webhook endpoint for Lean, in a small HTTP server (tiny_http): verify `lean-signature`
//! over the raw body, deduplicate, wake the waiting call, answer 200 at once, and handle the
//! event after answering.
//!
//! Runs against the embedded emulator and stops after a few events:
//!
//! ```sh
//! cargo run -p lean-examples --example webhook_receiver
//! ```
//!
//! In production, point Lean's dashboard at `https://your-host/webhooks/lean`, set the webhook
//! secret with `ClientBuilder::webhook_secret`, and keep the handler fast: Lean counts only a
//! 200 within 10 s and retries otherwise.

use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use lean_ureq::Client;
use lean_ureq::lean_proto::webhook::{EventKind, WebhookSecret};
use lean_ureq::lean_proto::*;
use std::time::Duration;

/// Serves Lean's webhooks until `events` were handled (or 30 s passed).
fn serve(server: tiny_http::Server, client: Client, events: usize) {
    let mut handled = 0;
    while handled < events {
        let Ok(Some(mut request)) = server.recv_timeout(Duration::from_secs(30)) else {
            break;
        };
        let signature = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("lean-signature"))
            .map(|h| h.value.to_string());
        // The raw bytes, exactly as received: re-serialised JSON would never verify.
        let mut body = Vec::new();
        if request.as_reader().read_to_end(&mut body).is_err() {
            let _ = request.respond(tiny_http::Response::empty(400));
            continue;
        }
        let ack = client.handle_webhook(signature.as_deref(), &body);
        // Answer first; Lean is waiting.
        let _ = request.respond(tiny_http::Response::empty(ack.status));
        match (ack.event, ack.error) {
            (Some(event), _) => {
                handled += 1;
                match event.kind {
                    EventKind::ResultsReady { results_id } => {
                        println!("results.ready {results_id}: the waiting call fetches it now")
                    }
                    EventKind::DataRefreshUpdated(r) => {
                        println!("refresh {} is {:?}", r.refresh_id, r.status)
                    }
                    other => println!("{}: {other:?}", event.kind_name),
                }
            }
            (None, Some(e)) => println!("refused ({}): {e}", ack.status),
            (None, None) => println!("duplicate, acknowledged"),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(5)),
        time_scale: 0.05,
        ..SandboxConfig::default()
    })?;
    let client = Client::builder(sandbox.client_config())
        .webhook_secret(WebhookSecret::new("sandbox-webhook-secret"))
        .build()?;

    let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}/webhooks/lean",
        server.server_addr().to_ip().ok_or("no IP")?
    );
    println!("listening for Lean webhooks on {url}");
    sandbox.set_webhook_url(Some(url));
    let receiver = {
        let client = client.clone();
        std::thread::spawn(move || serve(server, client, 2))
    };

    let entity = sandbox.entities()[0].clone();
    let mut asynchronous = GetBalances::new(entity.clone(), sandbox.accounts(&entity)[0].clone());
    asynchronous.options.asynchronous = true;
    let data = client.call(asynchronous)?;
    println!(
        "balances: {} (via results_id {:?})",
        data.payload.items.len(),
        data.results_id
    );
    let refresh = client.refresh(&entity)?;
    println!(
        "refresh {} triggered; its webhook follows",
        refresh.refresh_id
    );
    let _ = receiver.join();
    Ok(())
}
