//! The observers that ship with the driver, on a real client over loopback HTTP: `Metrics`
//! counts what the calls did (PENDING and how it ended, retries by cause, token fetches,
//! webhooks by what the intake answered, what the builder found misconfigured), and
//! `ProgressBoard` shows each running call and forgets it when it ends.

use lean_client::observe::{Metrics, ProgressBoard};
use lean_conformance::webhook_endpoint::WebhookEndpoint;
use lean_proto::call::{CallConfig, Waiting};
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn metrics_count_what_calls_did_and_the_board_forgets_ended_calls() {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(100)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    })
    .unwrap();
    let (metrics, board) = (Metrics::default(), ProgressBoard::default());
    let calls = CallConfig::default()
        .with_deadline(Duration::from_secs(30))
        .with_webhook_grace(Duration::from_secs(20));
    let client = lean_ureq::Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .call_config(calls)
        .observer(Arc::new(metrics.clone()))
        .observer(Arc::new(board.clone()))
        .build()
        .unwrap();
    let c = client.clone();
    let hooks =
        WebhookEndpoint::start(move |sig, body| c.handle_webhook(sig, body).send().status());
    sandbox.set_webhook_url(Some(hooks.url().to_owned()));
    let entity = sandbox.entities()[0].clone();

    // A PENDING call woken by its webhook.
    let mut pending = GetAccounts::new(entity.clone());
    pending.options.asynchronous = true;
    client.call(pending).send().expect("data after PENDING");
    // A call that meets a 503 first.
    sandbox.add_fault(FaultRule::next(
        "identity",
        FaultKind::ServerError { status: 503 },
        1,
    ));
    client.identity(&entity).send().expect("data after a retry");
    // A forged webhook.
    assert_eq!(
        client
            .handle_webhook(Some("sha512=00"), br#"{"type":"results.ready"}"#)
            .send()
            .status(),
        401
    );

    let v = |name: &str, labels: &[(&str, &str)]| metrics.value(name, labels);
    assert_eq!(
        v(
            "lean_calls_total",
            &[("endpoint", "accounts"), ("outcome", "data")]
        ),
        1.0
    );
    assert_eq!(
        v(
            "lean_calls_total",
            &[("endpoint", "identity"), ("outcome", "data")]
        ),
        1.0
    );
    assert_eq!(v("lean_pending_total", &[]), 1.0);
    assert_eq!(v("lean_pending_resolved_total", &[("by", "webhook")]), 1.0);
    assert!(v("lean_pending_wait_seconds_total", &[]) > 0.0);
    assert_eq!(v("lean_retries_total", &[("cause", "server_error")]), 1.0);
    assert_eq!(v("lean_token_fetches_total", &[("result", "ok")]), 1.0);
    assert_eq!(
        v(
            "lean_requests_total",
            &[("purpose", "data"), ("status", "503")]
        ),
        1.0
    );
    assert_eq!(v("lean_webhooks_total", &[("ack", "accepted")]), 1.0);
    assert_eq!(
        v("lean_webhooks_total", &[("ack", "malformed_signature")]),
        1.0
    );
    assert_eq!(
        v("lean_misconfigured", &[("what", "no_webhook_secret")]),
        0.0
    );
    let text = metrics.render();
    assert!(text.contains("# TYPE lean_calls_total counter"), "{text}");
    assert!(
        text.contains("lean_calls_total{endpoint=\"accounts\",outcome=\"data\"} 1"),
        "{text}"
    );
    assert!(board.running().is_empty(), "ended calls leave the board");
    sandbox.set_webhook_url(None);

    // A client that can never be woken says so when it is built.
    let blind = Metrics::default();
    let _client = lean_ureq::Client::builder(sandbox.client_config())
        .observer(Arc::new(blind.clone()))
        .build()
        .unwrap();
    assert_eq!(
        blind.value("lean_misconfigured", &[("what", "no_webhook_secret")]),
        1.0
    );
}

#[test]
fn metrics_tell_how_each_payment_wait_ended() {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(100)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    })
    .unwrap();
    let metrics = Metrics::default();
    let calls = CallConfig::default()
        .with_deadline(Duration::from_secs(30))
        .with_webhook_grace(Duration::from_millis(300));
    let client = lean_ureq::Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .call_config(calls)
        .observer(Arc::new(metrics.clone()))
        .build()
        .unwrap();
    let c = client.clone();
    let hooks =
        WebhookEndpoint::start(move |sig, body| c.handle_webhook(sig, body).send().status());
    sandbox.set_webhook_url(Some(hooks.url().to_owned()));
    let customer = sandbox.customers()[0].clone();
    let intent = |amount: &str| {
        let made = client
            .create_payment_intent(
                CreatePaymentIntent::new(
                    amount.parse().unwrap(),
                    Currency::aed(),
                    customer.clone(),
                )
                .unwrap(),
            )
            .send()
            .unwrap();
        made.payload.payment_intent_id.clone().unwrap()
    };
    // Settled by its webhook; then one whose final webhook is lost, settled by a poll.
    let first = intent("10.00");
    sandbox
        .pay(&first, &lean_sandbox::Authorization::accepted())
        .unwrap();
    client.wait_for_payment(&first).send().unwrap();
    let second = intent("11.00");
    sandbox.add_fault(FaultRule::next("payment", FaultKind::WebhookLost, 1));
    sandbox
        .pay(&second, &lean_sandbox::Authorization::rejected())
        .unwrap();
    let failed = client.wait_for_payment(&second).send().unwrap();
    assert_eq!(failed.status, Some(PaymentStatus::Failed));
    // One that never settles: its deadline.
    let third = intent("12.00");
    let e = client
        .wait_for_payment(&third)
        .deadline(Duration::from_millis(500))
        .send()
        .unwrap_err();
    assert!(e.to_string().contains("deadline"), "{e}");

    let v = |labels: &[(&str, &str)]| metrics.value("lean_waits_total", labels);
    let settled = |by| [("wait", "payment"), ("outcome", "settled"), ("by", by)];
    assert_eq!(v(&settled("webhook")), 1.0);
    assert_eq!(v(&settled("poll")), 1.0);
    assert_eq!(
        v(&[
            ("wait", "payment"),
            ("outcome", "deadline_exceeded"),
            ("by", "none")
        ]),
        1.0
    );
    assert!(metrics.value("lean_wait_polls_total", &[("wait", "payment")]) >= 2.0);
    assert!(
        metrics.value(
            "lean_wait_seconds_total",
            &[("wait", "payment"), ("outcome", "settled"), ("by", "poll")]
        ) > 0.0
    );
    sandbox.set_webhook_url(None);
}

#[test]
fn the_board_shows_a_call_that_waits_for_its_results() {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(50)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    })
    .unwrap();
    let board = ProgressBoard::default();
    let calls = CallConfig::default()
        .with_deadline(Duration::from_secs(30))
        .with_webhook_grace(Duration::from_secs(1));
    let client = lean_ureq::Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .call_config(calls)
        .observer(Arc::new(board.clone()))
        .build()
        .unwrap();
    let entity = sandbox.entities()[0].clone();
    let mut pending = GetAccounts::new(entity);
    pending.options.asynchronous = true;
    let caller = client.clone();
    let call = std::thread::spawn(move || caller.call(pending).send().map(|d| d.results_id));
    // Bounded: the call parks on its results_id within a few hundred polls of the board.
    let mut seen = None;
    for _ in 0..500 {
        if let Some(p) = board.latest()
            && let Waiting::Results(id) = &p.waiting
        {
            seen = Some((p.endpoint, id.clone(), p.requests));
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let (endpoint, id, requests) = seen.expect("the board shows the parked call");
    assert_eq!((endpoint, requests), ("accounts", 2));
    // No webhook here: the first poll, after the grace period, finds the results ready.
    let got = call.join().unwrap();
    assert_eq!(got.ok().flatten(), Some(id));
    assert!(board.running().is_empty());
}
