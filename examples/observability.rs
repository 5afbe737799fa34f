//! Seeing every call of a service: an axum service on lean-reqwest that exports `tracing`
//! spans (printed here with `tracing-subscriber`'s fmt layer; an OpenTelemetry layer exports
//! the same spans) and Prometheus metrics on `/metrics`, and takes Lean's webhooks on
//! `/webhooks/lean`.
//!
//! Runs against the embedded emulator: one call goes PENDING, the emulator's signed
//! `results.ready` reaches the service, the call returns, and the metrics are printed.
//!
//! ```sh
//! cargo run -p lean-examples --example observability
//! ```

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use lean_reqwest::Client;
use lean_reqwest::observe::Metrics;
use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
struct App {
    lean: Client,
    metrics: Metrics,
}

/// Lean's webhooks: verified, deduplicated, the waiting call woken, answered at once.
async fn webhook(State(app): State<App>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers.get("lean-signature").and_then(|v| v.to_str().ok());
    let ack = app.lean.handle_webhook(signature, &body).await;
    ack.status_code()
}

/// Prometheus scrapes this.
async fn metrics(State(app): State<App>) -> String {
    app.metrics.render()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Spans are printed when they close, with their fields: `lean.call` (endpoint, entity,
    // results_id, outcome) and `lean.http` (method, path, status code, resend count).
    tracing_subscriber::fmt()
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_target(false)
        .init();

    // Lean, emulated: a bank that answers in 100 s of Lean time (2 s here) after `async=true`.
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(100)),
        time_scale: 0.02,
        ..SandboxConfig::default()
    })?;
    let metrics = Metrics::default();
    let lean = Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .observer(Arc::new(metrics.clone())) // tracing is on by default (feature `tracing`)
        .build()?;
    let app = App {
        lean: lean.clone(),
        metrics: metrics.clone(),
    };
    let router = Router::new()
        .route("/webhooks/lean", post(webhook))
        .route("/metrics", get(self::metrics))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    sandbox.set_webhook_url(Some(format!("http://{addr}/webhooks/lean")));

    // What a handler of the service would do: read the accounts, asynchronously.
    let entity = sandbox.entities()[0].clone();
    let accounts = lean.accounts(&entity).asynchronous(true).await?;
    println!(
        "{} accounts, through results_id {:?}",
        accounts.len(),
        accounts.results_id
    );
    println!("--- GET http://{addr}/metrics ---\n{}", metrics.render());
    Ok(())
}
