//! Payments against the embedded emulator: a payment intent, the customer paying it (the
//! emulator plays LinkSDK's `pay()` and the bank), the wait until the bank settled it; then an
//! account-on-file consent and a payment under it, sent twice with its one Idempotency-Key and
//! made once.
//!
//! ```sh
//! cargo run -p lean-examples --example payments
//! ```

use lean_sandbox::{Authorization, Latency, Sandbox, SandboxConfig};
use lean_ureq::lean_proto::*;
use lean_ureq::{CallConfig, Client};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(20)),
        time_scale: 0.05,
        ..SandboxConfig::default()
    })?;
    // No webhook endpoint in this example: the wait polls the intent right away, then with
    // backoff. With one, hand each delivery to `client.handle_webhook` and the wait ends on
    // `payment.updated` instead.
    let client = Client::builder(sandbox.client_config())
        .call_config({
            let mut calls = CallConfig::default();
            calls.webhook_grace = Duration::ZERO;
            calls
        })
        .build()?;
    let customer = sandbox.customers()[0].clone();

    // A single payment: the intent (its amount exactly as written), the customer pays it, the
    // bank settles it.
    let intent = client
        .create_payment_intent(CreatePaymentIntent::new(
            "250.75".parse()?,
            Currency::aed(),
            customer.clone(),
        )?)
        .send()?;
    let intent_id = intent.payment_intent_id.clone().unwrap_or_default();
    println!("payment intent {intent_id} for {:?} AED", intent.amount);
    sandbox.pay(&intent_id, &Authorization::accepted())?;
    let paid = client.wait_for_payment(&intent_id).send()?;
    println!(
        "payment {} settled: {:?}",
        paid.id.as_deref().unwrap_or("-"),
        paid.status
    );

    // Account on file: a consent the customer authorises once, then payments your backend
    // initiates under it. The key is made with the request; keep it with your order.
    let consent = client
        .create_aof_consent(CreateAofConsent::new(
            customer,
            "6910fddc-417c-f7fd-6e4b-4d7de3d0bc06", // the sandbox application's destination
            Currency::aed(),
            "SUBSCRIPTION-42",
            "FIS",
            ConsentLimits::new("Month", "500".parse()?)?,
        )?)
        .send()?;
    let consent_id = consent.id.clone().unwrap_or_default();
    sandbox.authorise_consent(&consent_id)?;
    let payment = InitiateAofPayment::new(&consent_id, "99.00".parse()?, "FIS", "INVOICE-7")?;
    println!("idempotency key {}", payment.key());
    let first = client.initiate_aof_payment(payment.clone()).send()?;
    // The same payment again (a lost answer, a restart): Lean answers with the first.
    let again = client.initiate_aof_payment(payment).send()?;
    assert_eq!(first.id, again.id);
    let used = client.consent(&consent_id).send()?;
    println!(
        "consent {consent_id}: {:?} payment(s) made",
        used.payment_consumption
            .as_ref()
            .and_then(|c| c.cumulative_number_of_payments)
    );
    Ok(())
}
