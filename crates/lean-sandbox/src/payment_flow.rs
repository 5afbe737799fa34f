//! The payment flow: a customer authorising a payment intent (LinkSDK's `pay()`, played
//! through the control API as `connect()` is), the payment Lean then makes with the bank, and
//! the signed webhooks Lean sends for it, in order: `payment.created` (`PENDING_WITH_BANK`),
//! then, once the bank has answered after its (scaled) latency, `payment.updated`
//! (`ACCEPTED_BY_BANK`, or `FAILED` when the outcome asked for is a rejection). The intent's
//! `payments` list follows each step. Webhook faults drawn on route `payment` shape the final
//! event (lost, duplicated). This module must not decide how intents are created.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::payments::{ok, source_of, unknown};
use crate::render::now_stamp;
use crate::respond::*;
use crate::state::Inner;
use crate::webhooks;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lean_proto::{CustomerId, Payment, PaymentParty, PaymentStatus, Timestamp};
use std::sync::Arc;
use std::time::Duration;

/// What the simulated customer and bank do: the control API's body, and [`crate::Sandbox::pay`]'s.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[non_exhaustive]
pub struct Authorization {
    /// `ACCEPTED_BY_BANK` (the default) or `FAILED` (the bank rejects it).
    #[serde(default)]
    pub outcome: Option<String>,
    /// How long the bank holds the payment, in emulated milliseconds (scaled by the time
    /// scale); default the configured bank latency's maximum.
    #[serde(default)]
    pub bank_ms: Option<u64>,
}

impl Authorization {
    /// The bank accepts it after its usual latency.
    pub fn accepted() -> Self {
        Authorization::default()
    }

    /// The bank rejects it after its usual latency.
    pub fn rejected() -> Self {
        Authorization {
            outcome: Some("FAILED".into()),
            bank_ms: None,
        }
    }

    /// The bank holds it this long (emulated time) first.
    pub fn after(mut self, bank: Duration) -> Self {
        self.bank_ms = Some(u64::try_from(bank.as_millis()).unwrap_or(u64::MAX));
        self
    }
}

/// Why an authorisation could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayError {
    /// No such intent.
    UnknownIntent,
    /// The intent already has a payment that is under way or accepted.
    AlreadyPaid,
    /// The customer has no payment source (no connected bank, or it was withdrawn).
    NoPaymentSource,
    /// An outcome other than `ACCEPTED_BY_BANK` or `FAILED`.
    BadOutcome(String),
}

impl std::fmt::Display for PayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PayError::UnknownIntent => f.write_str("no payment intent with that id"),
            PayError::AlreadyPaid => {
                f.write_str("the intent already has a payment under way or accepted")
            }
            PayError::NoPaymentSource => f.write_str(
                "the customer has no payment source: connect a bank first (POST /_sandbox/connect)",
            ),
            PayError::BadOutcome(o) => {
                write!(f, "outcome {o:?}: expected ACCEPTED_BY_BANK or FAILED")
            }
        }
    }
}

impl std::error::Error for PayError {}

/// The payment's webhook payload, in Lean's recorded shape.
fn payload(p: &Payment, customer: &str, destination: Option<&str>) -> serde_json::Value {
    let amount = serde_json::to_value(p)
        .ok()
        .and_then(|v| v.get("amount").cloned());
    serde_json::json!({
        "id": p.id,
        "amount": amount,
        "status": p.status.as_ref().map(PaymentStatus::as_str),
        "currency": p.currency.as_ref().map(|c| c.as_str().to_owned()),
        "intent_id": p.payment_intent_id,
        "customer_id": customer,
        "payment_destination_id": destination,
        "bank_transaction_reference": p.bank_transaction_reference,
        "reason": p.description,
    })
}

/// Starts a payment of `intent_id` as the customer authorised it: answers its id at once;
/// the bank's answer and the webhooks follow on the runtime.
pub(crate) fn pay(
    inner: &Arc<Inner>,
    intent_id: &str,
    a: &Authorization,
) -> Result<Payment, PayError> {
    let outcome = match a.outcome.as_deref().unwrap_or("ACCEPTED_BY_BANK") {
        "ACCEPTED_BY_BANK" => PaymentStatus::AcceptedByBank,
        "FAILED" => PaymentStatus::Failed,
        other => return Err(PayError::BadOutcome(other.to_owned())),
    };
    let intent = inner
        .lock()
        .intents
        .iter()
        .find(|i| i.payment_intent_id.as_deref() == Some(intent_id))
        .cloned()
        .ok_or(PayError::UnknownIntent)?;
    let customer = intent.customer_id.clone().unwrap_or_default();
    let source = CustomerId::parse(&customer)
        .ok()
        .and_then(|c| source_of(inner, &c))
        .ok_or(PayError::NoPaymentSource)?;
    let account = source.accounts.first();
    let destination = intent.payment_destination.clone().unwrap_or_default();
    let now = Timestamp::parse(&now_stamp()).ok();
    let id = inner.new_id();
    let party = |account_number: Option<String>, iban: Option<String>, name: Option<String>| {
        let mut p = PaymentParty::default();
        p.account_number = account_number;
        p.iban = iban;
        p.name = name;
        p
    };
    let mut payment = Payment::default();
    payment.id = Some(id.clone());
    payment.payment_intent_id = Some(intent_id.to_owned());
    payment.payment_source_id = source.id.clone();
    payment.sender_details = Some(party(
        account.and_then(|a| a.account_number.clone()),
        account.and_then(|a| a.iban.clone()),
        account.and_then(|a| a.account_name.clone()),
    ));
    payment.recipient_details = Some(party(
        destination.account_number.clone(),
        destination.iban.clone(),
        destination.name.clone(),
    ));
    payment.amount = intent.amount;
    payment.currency = intent.currency.clone();
    payment.description = intent.description.clone();
    payment.submission_timestamp = now;
    payment.initiation_timestamp = now;
    payment.status = Some(PaymentStatus::PendingWithBank);
    payment.bank_transaction_reference = Some(format!("payment-{id}"));
    {
        let mut m = inner.lock();
        let Some(i) = m
            .intents
            .iter_mut()
            .find(|i| i.payment_intent_id.as_deref() == Some(intent_id))
        else {
            return Err(PayError::UnknownIntent);
        };
        let busy = i.payments.iter().any(|p| {
            matches!(
                p.status,
                Some(PaymentStatus::PendingWithBank | PaymentStatus::AcceptedByBank)
            )
        });
        if busy {
            return Err(PayError::AlreadyPaid);
        }
        i.payments.push(payment.clone());
    }
    let fault = inner.draw_fault("payment", true);
    let bank = a
        .bank_ms
        .map(Duration::from_millis)
        .unwrap_or(inner.config.bank_latency.max);
    at_the_bank(
        inner,
        &payment,
        customer,
        destination.id.clone(),
        outcome,
        bank,
        fault,
    );
    Ok(payment)
}

/// The bank holds `payment` for `bank` (emulated time), then settles it with `outcome`:
/// `payment.created` now, the settled payment recorded (an intent's, or an account-on-file
/// one), then `payment.updated` shaped by `fault`.
pub(crate) fn at_the_bank(
    inner: &Arc<Inner>,
    payment: &Payment,
    customer: String,
    destination_id: Option<String>,
    outcome: PaymentStatus,
    bank: Duration,
    fault: Option<crate::faults::FaultKind>,
) {
    let (inner, started) = (inner.clone(), payment.clone());
    tokio::spawn(async move {
        let at = tokio::time::Instant::now() + inner.config.real(bank);
        let created = payload(&started, &customer, destination_id.as_deref());
        webhooks::send_event_in_order(
            inner.clone(),
            "payment.created",
            "A payment object has been created.",
            created,
            None,
        )
        .await;
        tokio::time::sleep_until(at).await;
        let settled = settle(&inner, &started, outcome);
        let updated = payload(&settled, &customer, destination_id.as_deref());
        webhooks::send_event_in_order(
            inner,
            "payment.updated",
            "A payment object has been updated.",
            updated,
            fault,
        )
        .await;
    });
}

/// The bank's answer, recorded on the payment (an intent's, or an account-on-file one).
fn settle(inner: &Inner, p: &Payment, outcome: PaymentStatus) -> Payment {
    let mut settled = p.clone();
    settled.status = Some(outcome.clone());
    if outcome == PaymentStatus::Failed {
        settled.granular_status_code = Some("PAYMENT_REJECTED_BY_BANK".into());
        settled.status_additional_details = Some("The bank rejected the payment.".into());
    }
    let mut m = inner.lock();
    let m = &mut *m;
    let intents = m.intents.iter_mut().flat_map(|i| i.payments.iter_mut());
    let on_file = m.aof_payments.iter_mut().map(|a| &mut a.payment);
    if let Some(slot) = intents.chain(on_file).find(|x| x.id == p.id) {
        *slot = settled.clone();
    }
    settled
}

/// `POST /_sandbox/payments/{payment_intent_id}/authorize` with `{"outcome"?, "bank_ms"?}`:
/// the customer authorises the intent's payment in LinkSDK. Answers 201 with the payment
/// (`PENDING_WITH_BANK`); its webhooks follow.
pub async fn authorize(
    State(inner): State<Arc<Inner>>,
    Path(intent_id): Path<String>,
    body: Bytes,
) -> Response {
    let a = if body.iter().all(u8::is_ascii_whitespace) {
        Authorization::default()
    } else {
        match serde_json::from_slice::<Authorization>(&body) {
            Ok(a) => a,
            Err(_) => {
                return plain_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PARAMETERS",
                    "expected {\"outcome\"?: \"ACCEPTED_BY_BANK\"|\"FAILED\", \"bank_ms\"?}",
                );
            }
        }
    };
    match pay(&inner, &intent_id.to_ascii_lowercase(), &a) {
        Ok(p) => {
            let mut r = ok(&p);
            *r.status_mut() = StatusCode::CREATED;
            r
        }
        Err(PayError::UnknownIntent) => unknown("payment_intent_id"),
        Err(e @ PayError::BadOutcome(_)) => plain_error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &e.to_string(),
        ),
        Err(e) => plain_error(StatusCode::CONFLICT, "INVALID_STATE", &e.to_string()),
    }
}
