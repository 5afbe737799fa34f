//! Account-on-file: payment consents (created awaiting the customer, authorised through the
//! control API as LinkSDK's `authoriseConsent()` played, read back, listed, their history) and
//! the payments a backend initiates under an authorised one, in the shapes of Lean's UAE
//! recordings. Such a payment is keyed (`Idempotency-Key`, required): the same key with the
//! same body is answered with the first payment, never a second; with another body it is
//! refused. Limits are enforced (per payment, cumulative, per period) and counted in
//! `payment_consumption`. A fault drawn on route `aof-payment` strikes *after* the payment is
//! made: the answer is lost, the payment is not, which is what a key is for. Must not decide
//! anything about intents or data calls.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::auth::{Caller, authenticate};
use crate::directory::{customer_id, unknown_customer};
use crate::payments::{ok, source_of, unknown};
use crate::render::now_stamp;
use crate::respond::*;
use crate::state::Inner;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lean_proto::{Payment, PaymentParty, PaymentStatus, Timestamp};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<Inner>>;

/// A consent as the emulator keeps it.
#[derive(Debug, Clone)]
pub struct Consent {
    id: String,
    customer_id: String,
    destination_account_id: String,
    status: &'static str,
    reference: String,
    currency: String,
    purpose: String,
    limits: Value,
    start: String,
    expiration: String,
    bank_identifier: Option<String>,
    consented_account: Option<(String, String)>,
    /// (type, description, timestamp), oldest first.
    history: Vec<(&'static str, &'static str, String)>,
    payments: u64,
    paid: Decimal,
}

/// A payment made under a consent, by the key it was asked with.
#[derive(Debug, Clone)]
pub struct AofPayment {
    key: String,
    /// The body it was asked with, to tell a retry from another payment under the same key.
    body: Value,
    pub(crate) payment: Payment,
}

const PURPOSES: [(&str, &str); 9] = [
    ("FIS", "Financial services"),
    ("TCS", "Telecommunication services"),
    ("MWP", "Mobile wallet card payments"),
    ("OAT", "Own account transfer"),
    ("IFS", "Information services"),
    ("RNT", "Rent payments"),
    ("LNC", "Loan charges"),
    ("PIN", "Personal investments"),
    ("GDS", "Goods bought or sold"),
];

fn text(b: &Value, k: &'static str, max: usize) -> Result<String, Response> {
    match b.get(k).and_then(Value::as_str) {
        Some(v) if !v.trim().is_empty() && v.chars().count() <= max => Ok(v.to_owned()),
        Some(v) => Err(bad_param(k, v)),
        None => Err(missing(k)),
    }
}

/// A payment's `amount` with its own digits (`120.00` stays `120.00`), read from the body's
/// text: more than zero, at most two decimals.
fn payment_amount(body: &[u8], b: &Value) -> Result<Decimal, Response> {
    #[derive(serde::Deserialize)]
    struct Amount {
        #[serde(with = "lean_proto::money::decimal")]
        amount: Decimal,
    }
    match b.get("amount") {
        Some(v) if v.is_number() => serde_json::from_slice::<Amount>(body)
            .ok()
            .map(|a| a.amount)
            .filter(|d| *d > Decimal::ZERO && d.normalize().scale() <= 2)
            .ok_or_else(|| bad_param("amount", &v.to_string())),
        Some(v) => Err(bad_param("amount", &v.to_string())),
        None => Err(missing("amount")),
    }
}

/// An amount field (a JSON number: more than zero, at most two decimals).
fn amount(b: &Value, path: &[&str]) -> Result<Option<Decimal>, Response> {
    let mut v = b;
    for k in path {
        match v.get(k) {
            Some(x) => v = x,
            None => return Ok(None),
        }
    }
    if v.is_null() {
        return Ok(None);
    }
    let text = v.to_string();
    let d: Decimal = text
        .parse()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| bad_param(path[path.len() - 1], &text))?;
    if d <= Decimal::ZERO || d.normalize().scale() > 2 {
        return Err(bad_param(path[path.len() - 1], &text));
    }
    Ok(Some(d))
}

/// An exact amount as a JSON number, as Lean writes them.
fn number(d: Decimal) -> Value {
    d.to_string()
        .parse::<serde_json::Number>()
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn render(c: &Consent) -> Value {
    let description = PURPOSES
        .iter()
        .find(|(code, _)| *code == c.purpose)
        .map(|(_, d)| *d);
    let mut limits = c.limits.clone();
    limits["type"] = json!("VariableOnDemand");
    json!({
        "consent_id": c.id,
        "bank_identifier": c.bank_identifier,
        "application_id": "2fd5fd4c-c674-4659-9f5e-b71f870ed822",
        "start_date_time": c.start,
        "expiration_date_time": c.expiration,
        "customer_id": c.customer_id,
        "status": c.status,
        "destination_account_id": c.destination_account_id,
        "reference": c.reference,
        "consented_account": c.consented_account.as_ref().map(|(iban, holder)| json!({"iban": iban, "holder_name": holder})),
        "currency": c.currency,
        "payment_purpose": {"code": c.purpose, "description": description},
        "control_parameters": limits,
        "payment_consumption": {
            "cumulative_number_of_payments": c.payments,
            "cumulative_value_of_payments": number(c.paid),
            "cumulative_number_of_payments_in_current_period": c.payments,
            "cumulative_value_of_payments_in_current_period": number(c.paid),
        },
        "immediate_payment": null,
    })
}

/// `POST /consents/account-on-file`: the consent, `AWAITING_AUTHORISATION`.
pub async fn create(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let b = json_body(&body)?;
        let c = customer_id(&text(&b, "customer_id", 36)?)?;
        inner.customer(&c).ok_or_else(unknown_customer)?;
        let destination = text(&b, "destination_account_id", 36)?;
        let known = inner
            .lock()
            .destinations
            .iter()
            .any(|(owner, d)| owner.is_none() && d.id.as_deref() == Some(destination.as_str()));
        if !known {
            return Err(unknown("destination_account_id"));
        }
        let currency = text(&b, "currency", 3)?;
        let reference = text(&b, "reference", 64)?;
        let purpose = text(&b, "purpose", 3)?;
        if !PURPOSES.iter().any(|(code, _)| *code == purpose) {
            return Err(bad_param("purpose", &purpose));
        }
        let cp = b
            .get("control_parameters")
            .filter(|v| v.is_object())
            .ok_or_else(|| missing("control_parameters"))?;
        let period = text(cp, "period_type", 5)?;
        amount(&b, &["control_parameters", "max_individual_amount"])?
            .ok_or_else(|| missing("max_individual_amount"))?;
        let limit = |k: &str| cp.get(k).cloned().unwrap_or(Value::Null);
        let limits = json!({
            "period_type": period,
            "max_individual_amount": limit("max_individual_amount"),
            "max_cumulative_amount": limit("max_cumulative_amount"),
            "max_cumulative_number_of_payments": limit("max_cumulative_number_of_payments"),
            "max_cumulative_amount_per_period": limit("max_cumulative_amount_per_period"),
            "max_cumulative_number_of_payments_per_period": limit("max_cumulative_number_of_payments_per_period"),
        });
        let now = now_stamp();
        let start = b
            .get("start_date_time")
            .and_then(Value::as_str)
            .unwrap_or(&now)
            .to_owned();
        let expiration = b
            .get("expiration_date_time")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                // A year less a day, as in Lean's recording.
                chrono::DateTime::parse_from_rfc3339(&start)
                    .map(|t| {
                        (t.with_timezone(&chrono::Utc) + chrono::Duration::days(364))
                            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
                    })
                    .unwrap_or_else(|_| start.clone())
            });
        let consent = Consent {
            id: inner.new_id(),
            customer_id: c.to_string(),
            destination_account_id: destination,
            status: "AWAITING_AUTHORISATION",
            reference,
            currency,
            purpose,
            limits,
            start,
            expiration,
            bank_identifier: None,
            consented_account: None,
            history: vec![("CONSENT_CREATED", "A new consent was created.", now)],
            payments: 0,
            paid: Decimal::ZERO,
        };
        inner.lock().consents.push(consent.clone());
        // The creation answer names the consent `id` and its `purpose` flat (Lean's recording).
        let mut answer = render(&consent);
        // `render` of a struct is always an object; anything else is answered as rendered.
        if let Some(obj) = answer.as_object_mut() {
            obj.insert("id".into(), json!(consent.id));
            obj.remove("consent_id");
            obj.remove("bank_identifier");
            obj.remove("consented_account");
            obj.remove("payment_consumption");
            obj.insert("purpose".into(), json!(consent.purpose));
            obj.remove("payment_purpose");
            if let Some(cp) = obj
                .get_mut("control_parameters")
                .and_then(Value::as_object_mut)
            {
                cp.remove("type");
            }
        }
        Ok::<_, Response>(ok(&answer))
    };
    go().unwrap_or_else(|r| r)
}

fn find(inner: &Inner, id: &str) -> Result<Consent, Response> {
    inner
        .lock()
        .consents
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| unknown("consent_id"))
}

/// `GET /consents/{consent_id}`.
pub async fn get(State(inner): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        Ok::<_, Response>(ok(&render(&find(&inner, &id)?)))
    };
    go().unwrap_or_else(|r| r)
}

/// `GET /consents/{consent_id}/history`: `{data, page}`, oldest first.
pub async fn history(State(inner): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let c = find(&inner, &id)?;
        let data: Vec<Value> = c
            .history
            .iter()
            .enumerate()
            .map(|(i, (kind, description, at))| {
                json!({
                    "id": format!("{}{:04x}", &c.id[..32], i),
                    "type": kind,
                    "description": description,
                    "timestamp": at,
                    "updated_by": "LEAN",
                    "reason": null,
                })
            })
            .collect();
        let page = crate::render::page_info(0, 100, data.len());
        Ok::<_, Response>(ok(&json!({"data": data, "page": page})))
    };
    go().unwrap_or_else(|r| r)
}

/// `GET /consents/v1?customer_id=…&page_number=…&page_size=…`.
pub async fn list(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let number: usize = q
            .get("page_number")
            .map(|v| v.parse().map_err(|_| bad_param("page_number", v)))
            .transpose()?
            .unwrap_or(0);
        let size: usize = q
            .get("page_size")
            .map(|v| v.parse().map_err(|_| bad_param("page_size", v)))
            .transpose()?
            .unwrap_or(100)
            .clamp(1, 100);
        let all: Vec<Value> = inner
            .lock()
            .consents
            .iter()
            .filter(|c| q.get("customer_id").is_none_or(|id| *id == c.customer_id))
            .map(|c| {
                // Listed, a consent comes without `immediate_payment` (Lean's recording).
                let mut v = render(c);
                if let Some(o) = v.as_object_mut() {
                    o.remove("immediate_payment");
                }
                v
            })
            .collect();
        let total = all.len();
        let data: Vec<Value> = all
            .into_iter()
            .skip(number.saturating_mul(size))
            .take(size)
            .collect();
        let page = crate::render::page_info(
            u32::try_from(number).unwrap_or(u32::MAX),
            u32::try_from(size).unwrap_or(100),
            total,
        );
        Ok::<_, Response>(ok(&json!({"data": data, "page": page})))
    };
    go().unwrap_or_else(|r| r)
}

/// Why a consent could not be authorised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentError {
    /// No such consent.
    Unknown,
    /// Not awaiting authorisation (already authorised, or revoked).
    NotAwaiting,
    /// The customer has no connected bank to pay from.
    NoPaymentSource,
}

impl std::fmt::Display for ConsentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConsentError::Unknown => "no consent with that id",
            ConsentError::NotAwaiting => "the consent is not awaiting authorisation",
            ConsentError::NoPaymentSource => {
                "the customer has no connected bank: connect one first (POST /_sandbox/connect)"
            }
        })
    }
}

impl std::error::Error for ConsentError {}

/// The customer authorises the consent at their bank: `AUTHORISED`, with the account it pays
/// from. Answers the consent as Lean reads it back.
pub(crate) fn authorise(inner: &Inner, id: &str) -> Result<Value, ConsentError> {
    let c = find(inner, id).map_err(|_| ConsentError::Unknown)?;
    if c.status != "AWAITING_AUTHORISATION" {
        return Err(ConsentError::NotAwaiting);
    }
    let source = lean_proto::CustomerId::parse(&c.customer_id)
        .ok()
        .and_then(|cid| source_of(inner, &cid))
        .ok_or(ConsentError::NoPaymentSource)?;
    let account = source.accounts.first().cloned().unwrap_or_default();
    let mut m = inner.lock();
    let c = m
        .consents
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or(ConsentError::Unknown)?;
    {
        c.status = "AUTHORISED";
        c.bank_identifier = source.bank_identifier.clone();
        c.consented_account = Some((
            account.iban.unwrap_or_default(),
            account.account_name.unwrap_or_default(),
        ));
        c.history.push((
            "CONSENT_AUTHORISED",
            "The consent was authorised by the customer.",
            now_stamp(),
        ));
    }
    Ok(render(c))
}

/// `POST /_sandbox/consents/{consent_id}/authorize`: the customer authorises it in LinkSDK.
pub async fn authorize_control(State(inner): Shared, Path(id): Path<String>) -> Response {
    match authorise(&inner, &id.to_ascii_lowercase()) {
        Ok(consent) => ok(&consent),
        Err(ConsentError::Unknown) => unknown("consent_id"),
        Err(e) => plain_error(StatusCode::CONFLICT, "INVALID_STATE", &e.to_string()),
    }
}

fn limit_exceeded(what: &str) -> Response {
    plain_error(
        StatusCode::BAD_REQUEST,
        "CONSENT_LIMIT_EXCEEDED",
        &format!("The payment exceeds the consent's {what}."),
    )
}

/// `POST /payments/account-on-file` with `Idempotency-Key`: a payment under an authorised
/// consent. See the module docs.
pub async fn initiate(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::Either) {
        return r;
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .map(str::to_owned)
    else {
        return missing("Idempotency-Key");
    };
    let b = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let payment = match payment_amount(&body, &b).and_then(|a| make_payment(&inner, &key, &b, a)) {
        Ok(Made::Again(p)) => return ok(&p),
        Ok(Made::New(p)) => p,
        Err(r) => return r,
    };
    // The payment is made; a fault now loses only the answer.
    let fault = inner.draw_fault("aof-payment", false);
    if let Some(r) = fault_response(fault.as_ref()).await {
        return r;
    }
    ok(&payment)
}

/// What a keyed request came to: a new payment, or the one its key already made.
enum Made {
    New(Payment),
    Again(Payment),
}

/// Checks the request, then, under one lock (so that two sends of one key, or two payments
/// racing for a consent's last allowance, cannot both pass): the key, the consent's state and
/// limits, the payment recorded and counted. The bank's answer follows on the runtime.
fn make_payment(
    inner: &Arc<Inner>,
    key: &str,
    b: &Value,
    amount: Decimal,
) -> Result<Made, Response> {
    let consent_id = text(b, "consent_id", 36)?;
    let purpose = text(b, "purpose", 3)?;
    if !PURPOSES.iter().any(|(code, _)| *code == purpose) {
        return Err(bad_param("purpose", &purpose));
    }
    let reference = text(b, "reference", 64)?;
    let id = inner.new_id();
    let now = Timestamp::parse(&now_stamp()).ok();
    let (p, c) = {
        let mut m = inner.lock();
        if let Some(seen) = m.aof_payments.iter().find(|p| p.key == key) {
            return if seen.body == *b {
                Ok(Made::Again(seen.payment.clone()))
            } else {
                Err(plain_error(
                    StatusCode::CONFLICT,
                    "INVALID_PARAMETERS",
                    "The Idempotency-Key was already used for another payment.",
                ))
            };
        }
        let c = m
            .consents
            .iter_mut()
            .find(|c| c.id == consent_id)
            .ok_or_else(|| unknown("consent_id"))?;
        if c.status != "AUTHORISED" {
            return Err(plain_error(
                StatusCode::BAD_REQUEST,
                "CONSENT_NOT_AUTHORISED",
                "The consent has not been authorised by the customer.",
            ));
        }
        within_limits(c, amount)?;
        c.payments += 1;
        c.paid += amount;
        let c = c.clone();
        let mut p = Payment::default();
        p.id = Some(id.clone());
        p.amount = Some(amount);
        p.currency = Some(lean_proto::Currency::new(&c.currency));
        p.description = Some(reference);
        p.status = Some(PaymentStatus::PendingWithBank);
        p.submission_timestamp = now;
        p.initiation_timestamp = now;
        p.bank_transaction_reference = Some(format!("payment-{id}"));
        let mut sender = PaymentParty::default();
        if let Some((iban, holder)) = &c.consented_account {
            sender.iban = Some(iban.clone());
            sender.name = Some(holder.clone());
        }
        p.sender_details = Some(sender);
        m.aof_payments.push(AofPayment {
            key: key.to_owned(),
            body: b.clone(),
            payment: p.clone(),
        });
        (p, c)
    };
    let fault = inner.draw_fault("payment", true);
    crate::payment_flow::at_the_bank(
        inner,
        &p,
        c.customer_id.clone(),
        Some(c.destination_account_id.clone()),
        PaymentStatus::AcceptedByBank,
        inner.config.bank_latency.max,
        fault,
    );
    Ok(Made::New(p))
}

/// Whether one more payment of `amount` stays within the consent's limits.
fn within_limits(c: &Consent, amount: Decimal) -> Result<(), Response> {
    let dec = |k: &str| -> Option<Decimal> {
        c.limits
            .get(k)
            .filter(|v| v.is_number())
            .and_then(|v| v.to_string().parse().ok())
    };
    let count = |k: &str| c.limits.get(k).and_then(Value::as_u64);
    if dec("max_individual_amount").is_some_and(|m| amount > m) {
        return Err(limit_exceeded("max_individual_amount"));
    }
    for k in ["max_cumulative_amount", "max_cumulative_amount_per_period"] {
        if dec(k).is_some_and(|m| c.paid + amount > m) {
            return Err(limit_exceeded(k));
        }
    }
    for k in [
        "max_cumulative_number_of_payments",
        "max_cumulative_number_of_payments_per_period",
    ] {
        if count(k).is_some_and(|m| c.payments + 1 > m) {
            return Err(limit_exceeded(k));
        }
    }
    Ok(())
}
