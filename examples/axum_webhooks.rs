//! Lean's webhooks in an axum service, at least once: the application acts on each event
//! before answering, and an event whose processing failed is delivered again and processed.
//!
//! The intake is awaited (a dedupe store doing IO, such as lean-redis's, never blocks a runtime
//! worker), reads the webhook with `webhook::from_http`, and hands each accepted event over with
//! a claim: confirmed after the application acted on it, released when it could not, so Lean's
//! redelivery goes through. Here the application fails the first time it sees an
//! `entity.created`; the emulator delivers it again on Lean's retry schedule, and it succeeds.
//!
//! ```sh
//! cargo run -p lean-examples --example axum_webhooks
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use lean_reqwest::Client;
use lean_reqwest::lean_proto::webhook::{self, Delivery};
use lean_sandbox::{Sandbox, SandboxConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[derive(Clone)]
struct App {
    lean: Client,
    /// Deliveries of `entity.created` seen, and those acted on.
    seen: Arc<AtomicU32>,
    done: Arc<tokio::sync::Notify>,
}

/// Acts on an event; fails the first `entity.created` (a database that was down, say).
async fn act(app: &App, event: &webhook::WebhookEvent) -> Result<(), String> {
    if event.kind_name == "entity.created" && app.seen.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err("the database is down".into());
    }
    println!(
        "acted on {} {}",
        event.kind_name,
        event.event_id.as_deref().unwrap_or("-")
    );
    if event.kind_name == "entity.created" {
        app.done.notify_one();
    }
    Ok(())
}

async fn webhook(State(app): State<App>, request: Request) -> StatusCode {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, webhook::DEFAULT_MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE;
    };
    let request = Request::from_parts(parts, body);
    let (signature, body): (Option<&str>, &[u8]) = webhook::from_http::<Bytes>(&request);
    let ack = app.lean.handle_webhook(signature, body).await;
    let (Some(event), Some(claim)) = (ack.event(), ack.claim().cloned()) else {
        return ack.status_code(); // a duplicate, a refusal (or at most once: nothing to settle)
    };
    match act(&app, event).await {
        Ok(()) => {
            // Acted on: its redeliveries are duplicates now. If the store cannot be told, the
            // claim lapses and the event may come once more: at least once, never lost.
            let _ = app.lean.confirm_webhook(claim).await;
            StatusCode::OK
        }
        Err(why) => {
            println!(
                "failed on {}: {why}; released, Lean delivers it again",
                event.kind_name
            );
            let _ = app.lean.release_webhook(claim).await;
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Lean's minutes pass in about half a second each here.
    let sandbox = Sandbox::start(SandboxConfig {
        time_scale: 0.01,
        ..SandboxConfig::default()
    })?;
    let lean = Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .webhook_delivery(Delivery::AtLeastOnce {
            lease: Duration::from_secs(30),
        })
        .build()?;
    let app = App {
        lean,
        seen: Arc::new(AtomicU32::new(0)),
        done: Arc::new(tokio::sync::Notify::new()),
    };
    let router = Router::new()
        .route("/webhooks/lean", post(webhook))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    sandbox.set_webhook_url(Some(format!("http://{addr}/webhooks/lean")));

    // A user connects a bank: Lean sends `entity.created`.
    let customer = sandbox.customers()[0].clone();
    let entity = sandbox
        .connect(&customer, None)
        .ok_or("a seeded customer")?;
    println!("user connected a bank: entity {entity}");
    tokio::time::timeout(Duration::from_secs(30), app.done.notified())
        .await
        .map_err(|_| "entity.created was not delivered again")?;
    println!(
        "entity.created: {} deliveries, acted on once",
        app.seen.load(Ordering::SeqCst)
    );
    Ok(())
}
