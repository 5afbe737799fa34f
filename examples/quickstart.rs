//! Quickstart: the whole Lean flow against the embedded emulator, no credentials needed.
//!
//! token → accounts → paged transactions → a call the bank is too slow for, which Lean turns
//! into PENDING → signed `results.ready` webhook → results → a new connection done the way Lean
//! recommends (`entity.created`, wait for the refresh to be FINISHED, then read). Each step
//! prints its timing.
//!
//! ```sh
//! cargo run -p lean-examples --example quickstart
//! ```

use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use lean_ureq::lean_proto::webhook::{self, WebhookSecret};
use lean_ureq::lean_proto::*;
use lean_ureq::{CallConfig, Client};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let step = |what: String| println!("[{:>7.3} s] {what}", started.elapsed().as_secs_f64());

    // 1. A Lean emulator on 127.0.0.1. Lean time runs 50x faster: its 50 s fallback takes 1 s.
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(300)),
        time_scale: 0.02,
        ..SandboxConfig::default()
    })?;
    step(format!("lean-sandbox running at {}", sandbox.base_url()));

    // 2. A client, exactly as for Lean's sandbox, with the emulator's hosts and credentials.
    let config = sandbox.client_config();
    let client = Client::builder(config)
        .webhook_secret(WebhookSecret::new("sandbox-webhook-secret"))
        .call_config({
            let mut calls = CallConfig::default();
            calls.webhook_grace = Duration::from_secs(30);
            calls
        })
        .build()?;

    // 3. Our webhook endpoint: verifies lean-signature, wakes the waiting call, answers 200.
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?);
    let hook_url = format!(
        "http://{}/webhooks/lean",
        server.server_addr().to_ip().ok_or("no IP")?
    );
    let receiver = {
        let (server, client) = (server.clone(), client.clone());
        std::thread::spawn(move || {
            for mut req in server.incoming_requests() {
                let sig = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("lean-signature"))
                    .map(|h| h.value.to_string());
                let mut body = Vec::new();
                // No more than the intake accepts: a longer body is refused, not buffered.
                let limit = webhook::DEFAULT_MAX_BODY as u64 + 1;
                let _ = req.as_reader().take(limit).read_to_end(&mut body);
                let ack = client.handle_webhook(sig.as_deref(), &body).send();
                if let Some(event) = ack.event() {
                    println!(
                        "           webhook {} ({}) -> {}",
                        event.kind_name,
                        event.event_id.as_deref().unwrap_or("-"),
                        ack.status()
                    );
                }
                let _ = req.respond(tiny_http::Response::empty(ack.status()));
            }
        })
    };
    sandbox.set_webhook_url(Some(hook_url.clone()));
    step(format!("webhook endpoint at {hook_url}"));

    // 4. Data.
    let entity = sandbox.entities()[0].clone();
    let accounts = client.accounts(&entity).send()?;
    step(format!(
        "token fetched; {} accounts of entity {entity}",
        accounts.len()
    ));
    for a in accounts.iter().take(3) {
        println!(
            "           {} {:<8} {}",
            a.account_id,
            a.account_sub_type
                .as_ref()
                .map(|s| s.as_str())
                .unwrap_or("?"),
            a.iban().unwrap_or("-")
        );
    }
    let account = accounts[0].account_id.clone();
    let mut net = Decimal::ZERO;
    let mut n: usize = 0;
    for tx in client
        .transactions(&entity, &account)
        .page_size(100)
        .items()
    {
        let tx = tx?;
        match tx.credit_debit_indicator {
            Some(CreditDebitIndicator::Debit) => net -= tx.amount.amount,
            _ => net += tx.amount.amount,
        }
        n += 1;
    }
    step(format!(
        "{n} transactions over {} pages; net {} AED (exact decimal)",
        n.div_ceil(100),
        net
    ));

    // 5. A bank slower than Lean's 50 s: the call answers PENDING; the webhook brings the data.
    sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::SlowBank { seconds: 75 },
        1,
    ));
    step(
        "asking for accounts at a bank that takes 75 s (Lean falls back to PENDING at 50 s)..."
            .into(),
    );
    let data = client.accounts(&entity).send()?;
    step(format!(
        "PENDING handled: {} accounts fetched from results_id {} after the webhook, {} requests in all",
        data.len(),
        data.results_id.map(|r| r.to_string()).unwrap_or_default(),
        data.requests
    ));

    // 6. Lean's recommended flow for a new connection: the user connects a bank (LinkSDK's
    //    connect(), played by the emulator), Lean refreshes the data and says so by webhook;
    //    wait for FINISHED, then read synchronously from Lean's store.
    let customer = sandbox.customers()[0].clone();
    let fresh = sandbox
        .connect(&customer, None)
        .ok_or("the seeded customer is known")?;
    step(format!("user connected a bank: entity {fresh}"));
    let refresh = client.wait_for_refresh(&fresh).send()?;
    let accounts = client.accounts(&fresh).send()?;
    step(format!(
        "refresh {} {}; {} accounts read synchronously",
        refresh.refresh_id,
        refresh.status.map(|s| s.to_string()).unwrap_or_default(),
        accounts.len()
    ));
    server.unblock();
    let _ = receiver.join();
    step("done".into());
    Ok(())
}
