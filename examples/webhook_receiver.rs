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
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Lean's webhooks are a few KB; the intake refuses anything over its limit anyway, so reading
/// more would only let a stranger fill memory.
const MAX_BODY: u64 = lean_ureq::lean_proto::webhook::DEFAULT_MAX_BODY as u64;
/// Requests handled at once; beyond, 503 (Lean retries). A stalled upload holds one slot, and
/// never the others.
const MAX_IN_FLIGHT: usize = 32;

/// Serves Lean's webhooks until `events` were handled (or 30 s passed). Each request gets its
/// own thread, so a slow or stalled client never delays a valid webhook.
fn serve(server: tiny_http::Server, client: Client, events: usize) {
    let handled = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    while handled.load(Ordering::SeqCst) < events {
        let Ok(Some(request)) = server.recv_timeout(Duration::from_secs(30)) else {
            break;
        };
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            let _ = request.respond(tiny_http::Response::empty(503));
            continue;
        }
        let (client, handled, in_flight) = (client.clone(), handled.clone(), in_flight.clone());
        std::thread::spawn(move || {
            handle(request, &client, &handled);
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

fn handle(mut request: tiny_http::Request, client: &Client, handled: &AtomicUsize) {
    let signature = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("lean-signature"))
        .map(|h| h.value.to_string());
    // The raw bytes, exactly as received (re-serialised JSON would never verify), and no more
    // of them than a webhook can be.
    if request.body_length().is_some_and(|n| n as u64 > MAX_BODY) {
        let _ = request.respond(tiny_http::Response::empty(413));
        return;
    }
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut body);
    if read.is_err() || body.len() as u64 > MAX_BODY {
        let _ = request.respond(tiny_http::Response::empty(413));
        return;
    }
    let ack = client.handle_webhook(signature.as_deref(), &body).send();
    // Answer first; Lean is waiting.
    let _ = request.respond(tiny_http::Response::empty(ack.status()));
    match (ack.event(), ack.error()) {
        (Some(event), _) => {
            handled.fetch_add(1, Ordering::SeqCst);
            match &event.kind {
                EventKind::ResultsReady { results_id } => {
                    println!("results.ready {results_id}: the waiting call fetches it now")
                }
                EventKind::DataRefreshUpdated(r) => {
                    println!("refresh {} is {:?}", r.refresh_id, r.status)
                }
                other => println!("{}: {other:?}", event.kind_name),
            }
        }
        (None, Some(e)) => println!("refused ({}): {e}", ack.status()),
        (None, None) => println!("duplicate, acknowledged"),
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
    let account = sandbox.accounts(&entity)[0].clone();
    let data = client
        .balances(&entity, &account)
        .asynchronous(true)
        .send()?;
    println!(
        "balances: {} (via results_id {:?})",
        data.len(),
        data.results_id
    );
    let refresh = client.refresh(&entity).send()?;
    println!(
        "refresh {} triggered; its webhook follows",
        refresh.refresh_id
    );
    let _ = receiver.join();
    Ok(())
}
