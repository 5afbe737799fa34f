//! Payments, first part: payment destinations (your application's and your customers'),
//! payment intents and a customer's payment sources, stateful, in the shapes of Lean's UAE
//! recordings (checked field path by field path in `tests/recorded_shapes.rs`). Creating an
//! intent sends `payment_intent.created`. The payment flow itself (a customer authorising,
//! payments and their webhooks) is `payment_flow.rs`; this module must not decide anything
//! about data calls.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::auth::{Caller, authenticate};
use crate::directory::{customer_id, unknown_customer};
use crate::render::now_stamp;
use crate::respond::*;
use crate::state::Inner;
use crate::webhooks;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lean_proto::{Currency, PaymentDestination, PaymentIntent, PaymentSource, Timestamp};
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::Arc;

type Shared = State<Arc<Inner>>;

pub(crate) fn ok<T: serde::Serialize>(value: &T) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

fn field(b: &Value, k: &'static str) -> Result<String, Response> {
    match b.get(k).and_then(Value::as_str) {
        Some(v) if !v.trim().is_empty() => Ok(v.to_owned()),
        Some(v) => Err(bad_param(k, v)),
        None => Err(missing(k)),
    }
}

pub(crate) fn unknown(what: &str) -> Response {
    plain_error(
        StatusCode::NOT_FOUND,
        "INVALID_PARAMETERS",
        &format!("{BAD_PARAMS}, field: {what}"),
    )
}

/// `POST /payments/v1/destinations` with the Node SDK's body (`customer_id` for a customer's).
pub async fn create_destination(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let b = json_body(&body)?;
        let owner = match b.get("customer_id").and_then(Value::as_str) {
            Some(c) => {
                let c = customer_id(c)?;
                inner.customer(&c).ok_or_else(unknown_customer)?;
                Some(c.to_string())
            }
            None => None,
        };
        let mut d = PaymentDestination::default();
        d.id = Some(inner.new_id());
        d.status = Some("ACTIVE".into());
        d.default = Some(false);
        d.display_name = Some(field(&b, "display_name")?);
        d.name = Some(field(&b, "name")?);
        d.bank_identifier = b
            .get("bank_identifier")
            .and_then(Value::as_str)
            .map(str::to_owned);
        d.address = Some(field(&b, "address")?);
        d.city = Some(field(&b, "city")?);
        d.country = Some(field(&b, "country")?);
        d.account_number = Some(field(&b, "account_number")?);
        d.iban = Some(field(&b, "iban")?);
        d.swift_code = Some(field(&b, "swift_code")?);
        d.branch_address = Some(format!(
            "{}, {}",
            d.address.clone().unwrap_or_default(),
            d.city.clone().unwrap_or_default()
        ));
        inner.lock().destinations.push((owner, d.clone()));
        // The creation answer (Lean's recording) names the bank by address, not identifier.
        let mut answer = d;
        answer.bank_identifier = None;
        Ok::<_, Response>(ok(&answer))
    };
    go().unwrap_or_else(|r| r)
}

/// The destination a Lean sandbox application starts with (Lean's recorded "Fake Corp. - AED"):
/// an intent without `payment_destination_id` pays into it.
pub(crate) fn sandbox_destination() -> PaymentDestination {
    let mut d = PaymentDestination::default();
    d.id = Some("6910fddc-417c-f7fd-6e4b-4d7de3d0bc06".into());
    d.status = Some("ACTIVE".into());
    d.default = Some(true);
    d.name = Some("Fake Corp.".into());
    d.display_name = Some("Fake Corp. - AED".into());
    d.iban = Some("AE27LSWP9X25E4883A13998".into());
    d.address = Some("1234 Sky Bldg.".into());
    d.city = Some("Abu Dhabi".into());
    d.country = Some("ARE".into());
    d.swift_code = Some("EBILEADXXX".into());
    d.account_number = Some("000120203".into());
    d.branch_address = Some("1234 Sky Bldg., Abu Dhabi".into());
    d
}

/// A destination as Lean lists it: confirmed, with its currency.
fn listed(d: &PaymentDestination) -> PaymentDestination {
    let mut v = d.clone();
    v.status = Some("CONFIRMED".into());
    v.currency = Some(Currency::aed());
    v.branch_address = None;
    v.bank_identifier = None;
    v
}

/// `GET /payments/v1/destinations`: your application's.
pub async fn list_destinations(State(inner): Shared, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::Either) {
        return r;
    }
    let list: Vec<PaymentDestination> = inner
        .lock()
        .destinations
        .iter()
        .filter(|(owner, _)| owner.is_none())
        .map(|(_, d)| listed(d))
        .collect();
    ok(&list)
}

/// `GET /customers/v1/{customer_id}/destinations`: a customer's.
pub async fn customer_destinations(
    State(inner): Shared,
    headers: HeaderMap,
    Path(customer): Path<String>,
) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let c = customer_id(&customer)?;
        inner.customer(&c).ok_or_else(unknown_customer)?;
        let list: Vec<PaymentDestination> = inner
            .lock()
            .destinations
            .iter()
            .filter(|(owner, _)| owner.as_deref() == Some(c.as_str()))
            .map(|(_, d)| listed(d))
            .collect();
        Ok::<_, Response>(ok(&list))
    };
    go().unwrap_or_else(|r| r)
}

/// The destination an intent names, as an intent shows it.
fn intent_destination(d: &PaymentDestination, owner: Option<&str>) -> PaymentDestination {
    let mut v = d.clone();
    v.status = Some("CONFIRMED".into());
    v.owner_type = Some(
        if owner.is_some() {
            "CUSTOMER"
        } else {
            "APPLICATION"
        }
        .into(),
    );
    v.currency_iso_code = Some(Currency::aed());
    v.confirmation_of_payee_status = Some("MATCH".into());
    v.bank_type = Some("RETAIL".into());
    v.bank_identifier = v
        .bank_identifier
        .or_else(|| Some("LEAN_SANDBOX_UAE".into()));
    v
}

/// `POST /payments/v1/intents` with `{amount, currency, payment_destination_id?, customer_id,
/// description?}`. Answers the intent; sends `payment_intent.created`.
pub async fn create_intent(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::Either) {
        return r;
    }
    // A fault (a 5xx, a cut connection) after the body arrived: the client must not send the
    // intent again, since Lean may have made it.
    let fault = inner.draw_fault("create-payment-intent", false);
    if let Some(r) = fault_response(fault.as_ref()).await {
        return r;
    }
    let go = || {
        let b = json_body(&body)?;
        // The amount's own digits (`5.00` stays `5.00`), read from the body's text.
        #[derive(serde::Deserialize)]
        struct Amount {
            #[serde(with = "lean_proto::money::decimal")]
            amount: Decimal,
        }
        let amount = match b.get("amount") {
            Some(v) if v.is_number() => serde_json::from_slice::<Amount>(&body)
                .ok()
                .map(|a| a.amount)
                .filter(|d| *d > Decimal::ZERO)
                .ok_or_else(|| bad_param("amount", &v.to_string()))?,
            Some(v) => return Err(bad_param("amount", &v.to_string())),
            None => return Err(missing("amount")),
        };
        let currency = field(&b, "currency")?;
        let c = customer_id(&field(&b, "customer_id")?)?;
        inner.customer(&c).ok_or_else(unknown_customer)?;
        let wanted = b.get("payment_destination_id").and_then(Value::as_str);
        let (owner, destination) = {
            let m = inner.lock();
            let found = m.destinations.iter().find(|(owner, d)| match wanted {
                Some(id) => d.id.as_deref() == Some(id),
                None => owner.is_none() && d.default == Some(true),
            });
            found
                .cloned()
                .ok_or_else(|| unknown("payment_destination_id"))?
        };
        let now = Timestamp::parse(&now_stamp()).ok();
        let mut intent = PaymentIntent::default();
        intent.payment_intent_id = Some(inner.new_id());
        intent.customer_id = Some(c.to_string());
        intent.amount = Some(amount);
        intent.currency = Some(Currency::new(&currency));
        // Lean's docs: "populated by the payment_intent_id if left blank"; its recordings
        // show that id without dashes.
        intent.description = Some(
            b.get("description")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    intent
                        .payment_intent_id
                        .as_deref()
                        .unwrap_or_default()
                        .replace('-', "")
                }),
        );
        intent.payment_destination = Some(intent_destination(&destination, owner.as_deref()));
        intent.created_at = now;
        intent.updated_at = now;
        inner.lock().intents.push(intent.clone());
        webhooks::send_event(
            inner.clone(),
            "payment_intent.created",
            "Payment intent created",
            serde_json::json!({
                "amount": serde_json::to_value(&intent).ok().and_then(|v| v.get("amount").cloned()),
                "currency": currency,
                "status": "INTENT_CREATED",
                "intent_id": intent.payment_intent_id,
                "reason": intent.description,
            }),
        );
        Ok::<_, Response>(ok(&intent))
    };
    go().unwrap_or_else(|r| r)
}

/// `GET /payments/v1/intents/{payment_intent_id}`.
pub async fn get_intent(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::Either) {
        return r;
    }
    let found = inner
        .lock()
        .intents
        .iter()
        .find(|i| i.payment_intent_id.as_deref() == Some(id.as_str()))
        .cloned();
    match found {
        Some(i) => ok(&i),
        None => unknown("payment_intent_id"),
    }
}

/// `GET /payments/v1/intents`: `{data, page}`.
pub async fn list_intents(State(inner): Shared, headers: HeaderMap) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::Either) {
        return r;
    }
    let mut data = inner.lock().intents.clone();
    // Listed, an intent comes without its times, and its destination without the details a
    // read of the one intent gives (Lean's recordings of both).
    for i in &mut data {
        i.created_at = None;
        i.updated_at = None;
        if let Some(d) = &mut i.payment_destination {
            d.bank_type = None;
            d.branch_address = None;
            d.confirmation_of_payee_status = None;
            d.currency_iso_code = None;
        }
    }
    let page = crate::render::page_info(0, 100, data.len());
    ok(&serde_json::json!({ "data": data, "page": page }))
}

/// The payment source a customer's first entity gives (its bank, its accounts), unless
/// withdrawn.
pub(crate) fn source_of(inner: &Inner, customer: &lean_proto::CustomerId) -> Option<PaymentSource> {
    let e = inner
        .entities()
        .into_iter()
        .find(|e| &e.customer_id == customer)?;
    let id = format!("5000{}", &e.id.as_str()[4..]);
    if inner.lock().sources_deleted.contains(&id) {
        return None;
    }
    let mut s = PaymentSource::default();
    s.id = Some(id);
    s.customer_id = Some(customer.to_string());
    s.app_id = Some(inner.config.client_id.clone());
    s.status = Some("ACTIVE".into());
    s.bank_identifier = Some(e.bank_identifier.clone());
    s.beneficiary_cool_off_expiry = Timestamp::parse(&now_stamp()).ok();
    s.beneficiaries = inner
        .lock()
        .destinations
        .iter()
        .filter(|(owner, _)| owner.is_none())
        .map(|(_, d)| {
            let mut b = lean_proto::PaymentSourceBeneficiary::default();
            b.id = d.id.clone().map(|i| format!("b{}", &i[1..]));
            b.payment_destination_id = d.id.clone();
            b.status = Some("ACTIVE".into());
            b.beneficiary_cool_off_expiry = s.beneficiary_cool_off_expiry;
            b
        })
        .collect();
    s.accounts = e
        .accounts
        .iter()
        .map(|a| {
            let mut acc = lean_proto::PaymentSourceAccount::default();
            acc.id = Some(format!("a{}", &a.id.as_str()[1..]));
            acc.account_id = Some(a.id.to_string());
            acc.account_name = Some(format!("{} ACCOUNT", a.sub_type.as_str()));
            acc.account_number = Some(a.iban[8..].to_owned());
            acc.iban = Some(a.iban.clone());
            acc.currency = Some(Currency::aed());
            acc.balance = inner.world.balances(&e, a).first().map(|b| b.amount.amount);
            acc.balance_last_updated = s.beneficiary_cool_off_expiry;
            acc
        })
        .collect();
    Some(s)
}

/// `GET /customers/v1/{customer_id}/payment-sources`.
pub async fn list_sources(
    State(inner): Shared,
    headers: HeaderMap,
    Path(customer): Path<String>,
) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let c = customer_id(&customer)?;
        inner.customer(&c).ok_or_else(unknown_customer)?;
        let list: Vec<PaymentSource> = source_of(&inner, &c).into_iter().collect();
        Ok::<_, Response>(ok(&list))
    };
    go().unwrap_or_else(|r| r)
}

/// `GET` and `DELETE /customers/v1/{customer_id}/payment-sources/{payment_source_id}`.
pub async fn source(
    State(inner): Shared,
    method: axum::http::Method,
    headers: HeaderMap,
    Path((customer, id)): Path<(String, String)>,
) -> Response {
    let go = || {
        authenticate(&inner, &headers, Caller::Either)?;
        let c = customer_id(&customer)?;
        inner.customer(&c).ok_or_else(unknown_customer)?;
        let s = source_of(&inner, &c)
            .filter(|s| s.id.as_deref() == Some(id.as_str()))
            .ok_or_else(|| unknown("payment_source_id"))?;
        if method == axum::http::Method::DELETE {
            inner.lock().sources_deleted.push(id.clone());
            return Ok(json_response(StatusCode::OK, b"{}".to_vec()));
        }
        // One source read alone names its accounts without balances (Lean's recording).
        let mut s = s;
        for a in &mut s.accounts {
            a.balance = None;
            a.balance_last_updated = None;
        }
        Ok::<_, Response>(ok(&s))
    };
    go().unwrap_or_else(|r| r)
}
