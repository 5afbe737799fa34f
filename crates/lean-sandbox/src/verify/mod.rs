//! The verification products: account verification (any country), entity ownership,
//! beneficiary name, KSA business (corporates, managers) and freelancer verification.
//!
//! Answers are Lean's: the envelope and wording of its recordings, the register records of
//! its KSA recordings served as recorded (`recorded/*.json`, the `verifications` object of
//! each recorded answer, with the identifiers you sent put in). Which outcome a request gets
//! follows Lean's sandbox test inputs: the IBANs and names of Lean's collections (listed in
//! [`ACCOUNT_TRIGGERS`]); a few names of ours reach the outcomes Lean recorded without
//! recording the input (the crate's README lists them all). Each call answers at once, never PENDING: Lean's
//! recordings of these products are all synchronous. This module must not decide anything
//! about data calls or results.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::auth::{Caller, authenticate};
use crate::render::now_stamp;
use crate::respond::*;
use crate::state::Inner;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

type Shared = State<Arc<Inner>>;

/// An outcome Lean recorded for an account verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// `OK` with this `account_status`.
    Status(&'static str),
    /// `FAILED` with this `granular_status_code`.
    Failed(&'static str),
    /// 404 `DATA_NOT_FOUND`.
    NotFound,
}

/// Lean's sandbox inputs and what Lean answered them (UAE and KSA collections, 2026-05), then
/// our names for the outcomes whose input Lean did not record.
const ACCOUNT_TRIGGERS: [(&str, Outcome); 15] = [
    ("AE380030012459313810001", Outcome::Failed("LEAN_ERROR")),
    ("AE160030011522789920001", Outcome::Failed("BANK_ISSUE")),
    (
        "AE420500000000028645064",
        Outcome::Failed("UNSUPPORTED_BY_BANK"),
    ),
    (
        "AE100500000000028538649",
        Outcome::Failed("DISABLED_BY_LEAN"),
    ),
    (
        "SA4576615857476891197381",
        Outcome::Status("IN_LIQUIDATION"),
    ),
    ("SA7665000000124A60749002", Outcome::Failed("LEAN_ERROR")),
    ("SA82550000000M1795800177", Outcome::Failed("BANK_ISSUE")),
    (
        "SA0405000068201235335000",
        Outcome::Failed("UNSUPPORTED_BY_BANK"),
    ),
    // FULL_NAME values of Lean's UAE collection.
    ("ERROR TEST", Outcome::Failed("LEAN_ERROR")),
    ("BANK ERROR TEST", Outcome::Failed("BANK_ISSUE")),
    ("UNSUPPORTED TEST", Outcome::Failed("UNSUPPORTED_BY_BANK")),
    ("DISABLED TEST", Outcome::Failed("DISABLED_BY_LEAN")),
    // Ours: Lean recorded these outcomes, not their inputs.
    ("BLOCKED TEST", Outcome::Status("BLOCKED")),
    ("CLOSED TEST", Outcome::Status("CLOSED")),
    (
        "UNVERIFIABLE TEST",
        Outcome::Failed("GIVEN_INPUT_CANNOT_BE_VERIFIED"),
    ),
];

/// `NOT FOUND TEST` (ours): Lean's recorded 404 for an account it does not know.
const NOT_FOUND_NAME: &str = "NOT FOUND TEST";

/// Lean's words for each failure (`message`, `status_additional_info`), as recorded.
fn failure_words(code: &str) -> (&'static str, &'static str) {
    match code {
        "BANK_ISSUE" => (
            "Bank temporarily unavailable",
            "Bank is experiencing technical issues",
        ),
        "UNSUPPORTED_BY_BANK" => (
            "Bank verification not supported",
            "This bank does not support verification",
        ),
        "DISABLED_BY_LEAN" => (
            "Verification temporarily disabled",
            "Verification disabled for this bank",
        ),
        "GIVEN_INPUT_CANNOT_BE_VERIFIED" => (
            "Account cannot be verified in this case. Please do not retry.",
            "Account cannot be verified in this case. Please do not retry.",
        ),
        _ => ("System error occurred", "Internal system error occurred"),
    }
}

const IDENTIFICATION_TYPES: [&str; 5] = [
    "FULL_NAME",
    "NATIONAL_ID",
    "REGISTRATION_ID",
    "UNIFIED_NUMBER",
    "FREELANCER_NUMBER",
];

/// Lean's 400 for a verification body, worded as recorded (`field: identifications->[0]->type`).
fn bad_field(field: &str) -> Response {
    plain_error(
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETERS",
        &format!("{BAD_PARAMS}, field: {field}"),
    )
}

fn not_found() -> Response {
    plain_error(
        StatusCode::NOT_FOUND,
        "DATA_NOT_FOUND",
        "The data requested could not be found",
    )
}

/// `identifications` as `(type, value)` pairs: a non-empty array of known types.
fn identifications(b: &Value) -> Result<Vec<(String, String)>, Response> {
    let list = match b.get("identifications") {
        None | Some(Value::Null) => return Err(missing("identifications")),
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(_) => return Err(bad_field("identifications")),
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, id) in list.iter().enumerate() {
        let kind = id.get("type").and_then(Value::as_str);
        let kind = match kind {
            Some(k) if IDENTIFICATION_TYPES.contains(&k) => k,
            _ => return Err(bad_field(&format!("identifications->[{i}]->type"))),
        };
        let value = match id.get("value").and_then(Value::as_str) {
            Some(v) if !v.trim().is_empty() => v,
            _ => return Err(bad_field(&format!("identifications->[{i}]->value"))),
        };
        out.push((kind.to_owned(), value.to_owned()));
    }
    Ok(out)
}

fn find<'a>(ids: &'a [(String, String)], kind: &str) -> Option<&'a str> {
    ids.iter().find(|(k, _)| k == kind).map(|(_, v)| v.as_str())
}

fn one_of(b: &Value, field: &str, allowed: &[&str]) -> Result<String, Response> {
    match b.get(field).and_then(Value::as_str) {
        Some(v) if allowed.contains(&v) => Ok(v.to_owned()),
        Some(_) => Err(bad_field(field)),
        None => Err(missing(field)),
    }
}

fn ok_body(inner: &Inner, verifications: Value, message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "status": "OK",
        "results_id": inner.new_id(),
        "message": message,
        "meta": null,
        "timestamp": now_stamp(),
        "status_detail": null,
        "verifications": verifications,
    }))
    .unwrap_or_default()
}

fn failed_body(inner: &Inner, code: &str) -> Vec<u8> {
    let (message, info) = failure_words(code);
    serde_json::to_vec(&json!({
        "status": "FAILED",
        "message": message,
        "timestamp": now_stamp(),
        "meta": null,
        "verifications": null,
        "results_id": inner.new_id(),
        "status_detail": {"granular_status_code": code, "status_additional_info": info},
    }))
    .unwrap_or_default()
}

/// The common steps: the caller, a fault if one is due, then the answer.
async fn answer(
    inner: &Arc<Inner>,
    headers: &HeaderMap,
    route: &str,
    body: &Bytes,
    make: impl FnOnce(&Inner, &Value) -> Result<Vec<u8>, Response>,
) -> Response {
    if let Err(r) = authenticate(inner, headers, Caller::V2) {
        return r;
    }
    let fault = inner.draw_fault(route, false);
    if let Some(r) = fault_response(fault.as_ref()).await {
        return r;
    }
    let b = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match make(inner, &b) {
        Ok(bytes) => finish_body(fault, bytes),
        Err(r) => r,
    }
}

/// A name for an account that a request does not name, the same for the same account.
fn holder_for(account: &str) -> &'static str {
    const NAMES: [&str; 4] = ["ADAM AHMED", "SARA KHALID", "OMAR HASSAN", "LAYLA NASSER"];
    let sum: usize = account.bytes().map(usize::from).sum();
    NAMES[sum % NAMES.len()]
}

/// Banks of the recordings, by the IBAN's bank code.
fn bank_of(iban: &str) -> Option<Value> {
    let code = iban.get(4..7)?;
    let (en, ar, bic) = match (iban.get(..2)?, code) {
        ("AE", "026") => (
            "Emirates NBD Bank PJSC",
            "بنك الإمارات دبي الوطني",
            "EBILAEADXXX",
        ),
        ("AE", "003") => (
            "Abu Dhabi Commercial Bank",
            "بنك أبوظبي التجاري",
            "ADCBAEAAXXX",
        ),
        ("SA", c) if c.starts_with("10") => {
            ("Saudi National Bank", "البنك الأهلي السعودي", "NCBKSAJE")
        }
        ("SA", c) if c.starts_with("76") => ("Bank Muscat", "بنك مسقط", "BMUSSARI"),
        _ => return None,
    };
    Some(json!({"bank_name": {"en": en, "ar": ar},
        "bank_identifiers": [{"type": "BIC", "value": bic}]}))
}

fn currency_of(country: &str) -> Value {
    let c = match country {
        "AR" => "ARS",
        "BR" => "BRL",
        "GB" => "GBP",
        "ID" => "IDR",
        "IN" => "INR",
        "KR" => "KRW",
        "MX" => "MXN",
        "MY" => "MYR",
        "NG" => "NGN",
        "PE" => "PEN",
        "PK" => "PKR",
        "UY" => "UYU",
        "VN" => "VND",
        _ => return Value::Null,
    };
    Value::from(c)
}

/// What Lean answers for this account and these identifications.
fn account_outcome(account: &str, ids: &[(String, String)]) -> Outcome {
    let name = find(ids, "FULL_NAME").unwrap_or_default();
    if name.eq_ignore_ascii_case(NOT_FOUND_NAME) {
        return Outcome::NotFound;
    }
    ACCOUNT_TRIGGERS
        .iter()
        .find(|(input, _)| *input == account || input.eq_ignore_ascii_case(name))
        .map_or(Outcome::Status("ACTIVE"), |(_, o)| *o)
}

/// `POST /verifications/v1/accounts`.
pub async fn accounts(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    answer(&inner, &headers, "verify-account", &body, |inner, b| {
        let country = match b.get("country_code").and_then(Value::as_str) {
            Some(c) if c.len() == 2 && c.bytes().all(|x| x.is_ascii_uppercase()) => c,
            Some(_) => return Err(bad_field("country_code")),
            None => return Err(missing("country_code")),
        };
        one_of(b, "type", &["PERSONAL", "BUSINESS", "FREELANCER"])?;
        let details = b
            .get("account_details")
            .ok_or_else(|| missing("account_details"))?;
        let kind = one_of(details, "type", &["IBAN", "ACCOUNT_ID"])
            .map_err(|_| bad_field("account_details->type"))?;
        let account = match details.get("value").and_then(Value::as_str) {
            Some(v) if !v.trim().is_empty() => v,
            _ => return Err(bad_field("account_details->value")),
        };
        if kind == "IBAN" && !account.starts_with(country) {
            return Err(bad_field("account_details->value"));
        }
        let ids = identifications(b)?;
        let status = match account_outcome(account, &ids) {
            Outcome::NotFound => return Err(not_found()),
            Outcome::Failed(code) => return Ok(failed_body(inner, code)),
            Outcome::Status(s) => s,
        };
        let bank = match (kind.as_str(), b.get("bank_identifier")) {
            ("IBAN", _) => bank_of(account).unwrap_or(Value::Null),
            (_, Some(id)) if id.is_object() => json!({"bank_name": null, "bank_identifiers": [id]}),
            _ => Value::Null,
        };
        let holder = match (status, find(&ids, "FULL_NAME")) {
            ("ACTIVE", Some(name)) => name.to_owned(),
            ("ACTIVE", None) => holder_for(account).to_owned(),
            // Banks mask the name of an account that is not active (Lean's KSA recordings).
            ("CLOSED", _) => "Cl**** Ac**** Ho****".to_owned(),
            ("IN_LIQUIDATION", _) => "Li**** Ac**** Ho****".to_owned(),
            _ => "BLOCKED USER".to_owned(),
        };
        let v = json!({
            "account_ownership_verified": status == "ACTIVE",
            "matching": null,
            "bank_details": bank,
            "account_status": status,
            "account_holder_name": holder,
            "account_currency": currency_of(country),
            "verification_method": "CONFIRMATION_OF_PAYEE_SERVICE",
        });
        Ok(ok_body(inner, v, "Data successfully retrieved"))
    })
    .await
}

/// The national id of Lean's KSA sandbox examples, verified as any entity's owner.
const SANDBOX_NATIONAL_ID: &str = "1106972886";

/// `POST /verifications/v2/entity`.
pub async fn entity(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    answer(&inner, &headers, "verify-entity", &body, |inner, b| {
        let e = body_entity(inner, b)?;
        let ids = identifications(b)?;
        let verified = ids.iter().any(|(k, v)| match k.as_str() {
            "NATIONAL_ID" => v == SANDBOX_NATIONAL_ID,
            "FULL_NAME" => v.eq_ignore_ascii_case(&e.holder),
            _ => false,
        });
        let ibans: Vec<Value> = e
            .accounts
            .iter()
            .map(|a| json!({"iban": a.iban, "iban_ownership_verified": verified}))
            .collect();
        let v = json!({
            "entity_ownership_verified": verified,
            "verification_method": "OPEN_BANKING",
            "ibans": ibans,
        });
        Ok(ok_body(inner, v, "Data successfully retrieved"))
    })
    .await
}

/// `POST /verifications/v2/beneficiary-name`.
pub async fn beneficiary_name(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    answer(&inner, &headers, "beneficiary-name", &body, |inner, b| {
        let iban = match b.get("iban").and_then(Value::as_str) {
            Some(i)
                if (15..=34).contains(&i.len()) && i.bytes().all(|x| x.is_ascii_alphanumeric()) =>
            {
                i
            }
            Some(_) => return Err(bad_field("iban")),
            None => return Err(missing("iban")),
        };
        let status = match account_outcome(iban, &[]) {
            Outcome::NotFound => return Err(not_found()),
            Outcome::Failed(code) => return Ok(failed_body(inner, code)),
            Outcome::Status(s) => s,
        };
        // Lean's recording writes the name in title case here.
        let name: String = holder_for(iban)
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next().map_or(String::new(), |f| {
                    f.to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect()
                })
            })
            .collect::<Vec<_>>()
            .join(" ");
        let v = json!({"beneficiary_name": name, "account_status": status});
        Ok(ok_body(inner, v, "Data successfully retrieved"))
    })
    .await
}

/// A recorded `verifications` object, parsed once.
fn recorded(name: &str) -> Value {
    static ALL: OnceLock<Vec<(&'static str, Value)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let files: [(&str, &str); 13] = [
            (
                "corporate-basic",
                include_str!("recorded/corporate-basic.json"),
            ),
            (
                "corporate-full",
                include_str!("recorded/corporate-full.json"),
            ),
            (
                "corporate-contract",
                include_str!("recorded/corporate-contract.json"),
            ),
            (
                "corporate-address",
                include_str!("recorded/corporate-address.json"),
            ),
            ("managers", include_str!("recorded/managers.json")),
            (
                "freelancer-basic-verified",
                include_str!("recorded/freelancer-basic-verified.json"),
            ),
            (
                "freelancer-full-list-verified",
                include_str!("recorded/freelancer-full-list-verified.json"),
            ),
            (
                "freelancer-full-verified-active",
                include_str!("recorded/freelancer-full-verified-active.json"),
            ),
            (
                "freelancer-full-verified-canceled",
                include_str!("recorded/freelancer-full-verified-canceled.json"),
            ),
            (
                "freelancer-full-verified-expired",
                include_str!("recorded/freelancer-full-verified-expired.json"),
            ),
            (
                "freelancer-full-verified-pending",
                include_str!("recorded/freelancer-full-verified-pending.json"),
            ),
            (
                "freelancer-full-verified-rejected",
                include_str!("recorded/freelancer-full-verified-rejected.json"),
            ),
            (
                "freelancer-full-verified-revoked",
                include_str!("recorded/freelancer-full-verified-revoked.json"),
            ),
        ];
        files
            .iter()
            .map(|(n, text)| (*n, serde_json::from_str(text).unwrap_or(Value::Null)))
            .collect()
    });
    all.iter()
        .find(|(n, _)| *n == name)
        .map_or(Value::Null, |(_, v)| v.clone())
}

/// A Saudi unified national number as the register issues them: ten digits from 7.
fn unified_number(ids: &[(String, String)]) -> Result<String, Response> {
    let n =
        find(ids, "UNIFIED_NUMBER").ok_or_else(|| missing("identifications->UNIFIED_NUMBER"))?;
    if n.len() != 10 || !n.starts_with('7') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_found());
    }
    Ok(n.to_owned())
}

/// `POST /verifications/v1/corporates`.
pub async fn corporates(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    answer(&inner, &headers, "verify-corporate", &body, |inner, b| {
        let kind = one_of(b, "type", &["BASIC", "FULL", "CONTRACT", "ADDRESS"])?;
        one_of(b, "language", &["en", "ar"])?;
        let number = unified_number(&identifications(b)?)?;
        let mut v = recorded(&format!("corporate-{}", kind.to_ascii_lowercase()));
        if let Some(reg) = v.get_mut("commercial_registry").filter(|r| r.is_object()) {
            reg["national_number"] = number.into();
        }
        Ok(ok_body(inner, v, "Data successfully retrieved"))
    })
    .await
}

/// `POST /verifications/v1/corporates/managers`.
pub async fn managers(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    answer(&inner, &headers, "verify-managers", &body, |inner, b| {
        one_of(b, "language", &["en", "ar"])?;
        let ids = identifications(b)?;
        unified_number(&ids)?;
        let manager =
            find(&ids, "NATIONAL_ID").ok_or_else(|| missing("identifications->NATIONAL_ID"))?;
        let mut v = recorded("managers");
        if let Some(list) = v.as_array_mut() {
            for m in list.iter_mut() {
                if let Some(identity) = m.get_mut("identity").filter(|i| i.is_object()) {
                    identity["id"] = manager.into();
                }
            }
        }
        Ok(ok_body(inner, v, "OK"))
    })
    .await
}

/// Lean's sandbox certificates, by number, and the recording that shows each.
const CERTIFICATES: [(&str, &str); 6] = [
    ("FL-013988291", "freelancer-full-verified-active"),
    ("FL-595215341", "freelancer-full-verified-pending"),
    ("FL-090302137", "freelancer-full-verified-canceled"),
    ("FL-541440269", "freelancer-full-verified-expired"),
    ("FL-560899391", "freelancer-full-verified-rejected"),
    ("FL-490775363", "freelancer-full-verified-revoked"),
];

/// `POST /verifications/v1/freelancers`.
pub async fn freelancers(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    answer(&inner, &headers, "verify-freelancer", &body, |inner, b| {
        let kind = one_of(b, "type", &["BASIC", "FULL"])?;
        let ids = identifications(b)?;
        let national_id = find(&ids, "NATIONAL_ID");
        let number = find(&ids, "FREELANCER_NUMBER");
        if national_id.is_none() && number.is_none() {
            return Err(bad_field("identifications->[0]->type"));
        }
        let which = match (kind.as_str(), number) {
            ("BASIC", _) => "freelancer-basic-verified",
            (_, None) => "freelancer-full-list-verified",
            (_, Some(n)) => match CERTIFICATES.iter().find(|(c, _)| *c == n) {
                Some((_, file)) => file,
                None => return Err(not_found()),
            },
        };
        let mut v = recorded(which);
        if let Some(id) = national_id {
            v["national_id"] = id.into();
        }
        Ok(ok_body(inner, v, "Freelancer verification successful"))
    })
    .await
}
