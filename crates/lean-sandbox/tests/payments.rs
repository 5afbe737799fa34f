//! The payment flow over real HTTP: an intent created through Lean's API, the customer's
//! authorisation played through the control API, and the signed webhooks Lean sends, in
//! order (`payment_intent.created`, `payment.created`, `payment.updated`), checked with an
//! independent HMAC and against the shape of Lean's recorded samples; the intent's `payments`
//! following; the control API's refusals.

mod common;

use common::*;
use lean_sandbox::{Authorization, FaultKind, FaultRule, PayError, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::time::Duration;

fn next_event(hooks: &std::sync::mpsc::Receiver<Delivered>) -> Value {
    let (headers, body) = hooks
        .recv_timeout(Duration::from_secs(10))
        .expect("a webhook");
    let sig = headers
        .iter()
        .find(|(k, _)| k == "lean-signature")
        .map(|(_, v)| v.clone())
        .expect("signed");
    assert_eq!(sig, independent_signature("sandbox-webhook-secret", &body));
    serde_json::from_slice(&body).unwrap()
}

/// The payload keys of Lean's recorded sample of `kind` (without `metadata`: the emulator's
/// intents carry none).
fn recorded_payload_keys(kind: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lean-proto/tests/fixtures/lean-postman/UAE-webhooks")
        .join(format!("{kind}.json"));
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    keys(&v["payload"])
        .into_iter()
        .filter(|k| k != "metadata")
        .collect()
}

#[test]
fn a_customer_pays_an_intent_and_lean_s_webhooks_follow_in_order() {
    let (url, hooks) = receiver(vec![]);
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(url),
        ..fast()
    })
    .unwrap();
    let h = Http::new(&sandbox);
    let token = format!("Bearer {}", h.token("api"));
    let auth = [("authorization", token.as_str())];
    let customer = sandbox.customers()[0].to_string();
    let made = h.send(
        "POST",
        "/payments/v1/intents",
        &auth,
        Some(json!({"amount": 250.75, "currency": "AED", "customer_id": customer})),
    );
    assert_eq!(made.status, 200, "{}", made.json);
    let intent = made.json["payment_intent_id"].as_str().unwrap().to_owned();
    assert_eq!(
        made.json["description"],
        intent.replace('-', ""),
        "Lean fills a blank description with the intent id"
    );
    let created = next_event(&hooks);
    assert_eq!(created["type"], "payment_intent.created");

    let paid = h.send(
        "POST",
        &format!("/_sandbox/payments/{intent}/authorize"),
        &[],
        Some(json!({})),
    );
    assert_eq!(paid.status, 201, "{}", paid.json);
    assert_eq!(paid.json["status"], "PENDING_WITH_BANK");
    let payment = paid.json["id"].as_str().unwrap().to_owned();

    let first = next_event(&hooks);
    assert_eq!(first["type"], "payment.created");
    assert_eq!(first["payload"]["status"], "PENDING_WITH_BANK");
    let second = next_event(&hooks);
    assert_eq!(second["type"], "payment.updated");
    for (event, kind) in [(&first, "payment.created"), (&second, "payment.updated")] {
        let ours = keys(&event["payload"]);
        for k in recorded_payload_keys(kind) {
            assert!(ours.contains(&k), "{kind}: Lean sends {k}: {ours:?}");
        }
        assert_eq!(event["payload"]["id"], payment.as_str());
        assert_eq!(event["payload"]["intent_id"], intent.as_str());
        assert_eq!(event["payload"]["amount"], json!(250.75));
    }
    assert_eq!(second["payload"]["status"], "ACCEPTED_BY_BANK");

    let read = h.send(
        "GET",
        &format!("/payments/v1/intents/{intent}"),
        &auth,
        None,
    );
    assert_eq!(read.json["payments"][0]["id"], payment.as_str());
    assert_eq!(read.json["payments"][0]["status"], "ACCEPTED_BY_BANK");
    assert!(read.json["payments"][0]["sender_details"]["iban"].is_string());

    // Paid once; no such intent; an outcome the bank cannot give.
    let again = h.send(
        "POST",
        &format!("/_sandbox/payments/{intent}/authorize"),
        &[],
        None,
    );
    assert_eq!(again.status, 409);
    let unknown = h.send(
        "POST",
        "/_sandbox/payments/2b0f9a59-c2f0-4d3b-b06b-20dd76084b94/authorize",
        &[],
        None,
    );
    assert_eq!(unknown.status, 404);
    let bad = h.send(
        "POST",
        &format!("/_sandbox/payments/{intent}/authorize"),
        &[],
        Some(json!({"outcome": "MAYBE"})),
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn a_rejected_payment_fails_with_lean_s_reason_and_its_final_webhook_can_be_lost() {
    let (url, hooks) = receiver(vec![]);
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(url),
        ..fast()
    })
    .unwrap();
    let h = Http::new(&sandbox);
    let token = format!("Bearer {}", h.token("api"));
    let auth = [("authorization", token.as_str())];
    let customer = sandbox.customers()[1].to_string();
    let made = h.send(
        "POST",
        "/payments/v1/intents",
        &auth,
        Some(json!({"amount": 10, "currency": "AED", "customer_id": customer, "description": "rent"})),
    );
    let intent = made.json["payment_intent_id"].as_str().unwrap().to_owned();
    assert_eq!(next_event(&hooks)["type"], "payment_intent.created");
    sandbox.add_fault(FaultRule::next("payment", FaultKind::WebhookLost, 1));
    let p = sandbox
        .pay(
            &intent,
            &Authorization::rejected().after(Duration::from_millis(50)),
        )
        .unwrap();
    assert_eq!(next_event(&hooks)["type"], "payment.created");
    // The final event is lost: the intent tells, once the bank answered.
    let mut settled = Value::Null;
    for _ in 0..100 {
        let read = h.send(
            "GET",
            &format!("/payments/v1/intents/{intent}"),
            &auth,
            None,
        );
        settled = read.json["payments"][0].clone();
        if settled["status"] != "PENDING_WITH_BANK" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(settled["id"], json!(p.id));
    assert_eq!(settled["status"], "FAILED");
    assert_eq!(settled["granular_status_code"], "PAYMENT_REJECTED_BY_BANK");
    assert!(
        hooks.recv_timeout(Duration::from_millis(300)).is_err(),
        "payment.updated was lost"
    );
    assert!(sandbox.log().iter().any(|l| l.kind == "webhook"
        && l.what.contains("payment.updated")
        && l.note.as_deref() == Some("lost (injected)")));
    // A customer whose payment source was withdrawn cannot pay.
    let sources = h.send(
        "GET",
        &format!("/customers/v1/{customer}/payment-sources"),
        &auth,
        None,
    );
    let source = sources.json[0]["id"].as_str().unwrap().to_owned();
    h.send(
        "DELETE",
        &format!("/customers/v1/{customer}/payment-sources/{source}"),
        &auth,
        None,
    );
    let another = h.send(
        "POST",
        "/payments/v1/intents",
        &auth,
        Some(json!({"amount": 1, "currency": "AED", "customer_id": customer})),
    );
    let another = another.json["payment_intent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sandbox
            .pay(&another, &Authorization::accepted())
            .unwrap_err(),
        PayError::NoPaymentSource
    );
}

#[test]
fn account_on_file_payments_are_keyed_limited_and_counted() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let token = format!("Bearer {}", h.token("api"));
    let auth = [("authorization", token.as_str())];
    let customer = sandbox.customers()[0].to_string();
    let made = h.send(
        "POST",
        "/consents/account-on-file",
        &auth,
        Some(json!({"customer_id": customer,
            "destination_account_id": "6910fddc-417c-f7fd-6e4b-4d7de3d0bc06",
            "currency": "AED", "reference": "IP-007", "purpose": "FIS",
            "control_parameters": {"period_type": "Month", "max_individual_amount": 500,
                "max_cumulative_amount": 600}})),
    );
    assert_eq!(made.status, 200, "{}", made.json);
    assert_eq!(made.json["status"], "AWAITING_AUTHORISATION");
    let consent = made.json["id"].as_str().unwrap().to_owned();
    let pay = |key: Option<&str>, amount: f64| {
        let mut headers = auth.to_vec();
        if let Some(k) = key {
            headers.push(("idempotency-key", k));
        }
        h.send(
            "POST",
            "/payments/account-on-file",
            &headers,
            Some(
                json!({"consent_id": consent, "amount": amount, "purpose": "FIS",
                "reference": "ACME-1"}),
            ),
        )
    };
    // Not yet authorised; no key.
    assert_eq!(
        pay(Some("k-1"), 100.0).json["status"],
        "CONSENT_NOT_AUTHORISED"
    );
    assert_eq!(pay(None, 100.0).status, 400);
    sandbox.authorise_consent(&consent).unwrap();
    let first = pay(Some("k-1"), 130.52);
    assert_eq!(first.status, 200, "{}", first.json);
    assert_eq!(first.json["amount"], json!(130.52));
    // The same key and body: the same payment, not a second one; another body: refused.
    let again = pay(Some("k-1"), 130.52);
    assert_eq!(again.json["id"], first.json["id"]);
    assert_eq!(pay(Some("k-1"), 99.0).status, 409);
    // Limits: one payment at most 500; all of them at most 600.
    assert_eq!(
        pay(Some("k-2"), 500.01).json["status"],
        "CONSENT_LIMIT_EXCEEDED"
    );
    assert_eq!(
        pay(Some("k-3"), 470.0).json["status"],
        "CONSENT_LIMIT_EXCEEDED"
    );
    assert_eq!(pay(Some("k-4"), 469.48).status, 200);
    let read = h.send("GET", &format!("/consents/{consent}"), &auth, None);
    assert_eq!(read.json["status"], "AUTHORISED");
    assert_eq!(
        read.json["payment_consumption"]["cumulative_number_of_payments"],
        2
    );
    assert_eq!(
        read.json["payment_consumption"]["cumulative_value_of_payments"],
        json!(600.0)
    );
    assert!(read.json["consented_account"]["iban"].is_string());
    let history = h.send("GET", &format!("/consents/{consent}/history"), &auth, None);
    let kinds: Vec<&str> = history.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["CONSENT_CREATED", "CONSENT_AUTHORISED"]);
    let listed = h.send(
        "GET",
        &format!("/consents/v1?customer_id={customer}&page_number=0&page_size=10"),
        &auth,
        None,
    );
    assert_eq!(listed.json["data"][0]["consent_id"], consent.as_str());
    assert_eq!(
        sandbox.authorise_consent(&consent).unwrap_err(),
        lean_sandbox::ConsentError::NotAwaiting
    );
}

#[test]
fn sends_of_one_key_at_the_same_time_make_one_payment() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let token = format!("Bearer {}", h.token("api"));
    let customer = sandbox.customers()[0].to_string();
    let made = h.send(
        "POST",
        "/consents/account-on-file",
        &[("authorization", token.as_str())],
        Some(json!({"customer_id": customer,
            "destination_account_id": "6910fddc-417c-f7fd-6e4b-4d7de3d0bc06",
            "currency": "AED", "reference": "IP-009", "purpose": "FIS",
            "control_parameters": {"period_type": "Month", "max_individual_amount": 500}})),
    );
    let consent = made.json["id"].as_str().unwrap().to_owned();
    sandbox.authorise_consent(&consent).unwrap();
    let ids: Vec<Value> = std::thread::scope(|s| {
        let sends: Vec<_> = (0..8)
            .map(|_| {
                let (token, consent) = (token.clone(), consent.clone());
                let h = Http::new(&sandbox);
                s.spawn(move || {
                    let r = h.send(
                        "POST",
                        "/payments/account-on-file",
                        &[
                            ("authorization", token.as_str()),
                            ("idempotency-key", "order-1"),
                        ],
                        Some(
                            json!({"consent_id": consent, "amount": 10, "purpose": "FIS",
                            "reference": "ACME-9"}),
                        ),
                    );
                    r.json["id"].clone()
                })
            })
            .collect();
        sends.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(ids[0].is_string());
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let read = h.send(
        "GET",
        &format!("/consents/{consent}"),
        &[("authorization", token.as_str())],
        None,
    );
    assert_eq!(
        read.json["payment_consumption"]["cumulative_number_of_payments"],
        1
    );
}
