//! Lean's answers that every route shares: JSON responses with a `lean-correlation-id`, Lean's
//! error body, the faults that replace an answer, and the parsing of ids, dates and paging
//! with Lean's 400s. No route logic lives here.

// Handlers bail out early with the error response itself (`Result<_, Response>`); the size of
// an `http::Response` on the error path costs nothing that matters in an emulator.
#![allow(clippy::result_large_err)]

use crate::faults::FaultKind;
use crate::render::{ErrorBody, now_stamp};
use crate::state::{Ent, Inner};
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use lean_proto::{AccountId, EntityId};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Query parameters.
pub type Q = HashMap<String, String>;

pub const BAD_PARAMS: &str =
    "The request is badly formatted or a parameter of the wrong type has been provided";

pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("lean-correlation-id", correlation())
        .body(Body::from(body))
        .unwrap_or_default()
}

fn correlation() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "sbx{:013}",
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Lean's error body with a `results_id`: data-route errors carry one (every request gets
/// one); `results_id` names it when the request had one already.
pub fn error(status: StatusCode, code: &str, message: &str, results_id: Option<&str>) -> Response {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let fresh = format!(
        "516adc40-0000-4000-8000-{:012x}",
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let body = ErrorBody {
        results_id: Some(results_id.unwrap_or(&fresh)),
        timestamp: now_stamp(),
        status: code,
        message,
        metadata: None,
    };
    json_response(status, serde_json::to_vec(&body).unwrap_or_default())
}

/// Lean's error body without a `results_id` (customers, entities, banks).
pub fn plain_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody {
        results_id: None,
        timestamp: now_stamp(),
        status: code,
        message,
        metadata: None,
    };
    json_response(status, serde_json::to_vec(&body).unwrap_or_default())
}

pub fn bad_param(field: &str, value: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETERS",
        &format!("{BAD_PARAMS}, field: {field}, value: {value}."),
        None,
    )
}

pub fn missing(field: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "MISSING_PARAMETERS",
        &format!("Required parameter is missing, field: {field}"),
        None,
    )
}

pub fn invalid_url() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "INVALID_URL",
        "The URL requested is not valid.",
        None,
    )
}

pub fn invalid_method() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "INVALID_HTTP_METHOD",
        "The HTTP method is not supported by this URL.",
        None,
    )
}

pub fn unknown_entity() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "UNKNOWN_ENTITY",
        "The entity_id provided did not match an account in our records.",
        None,
    )
}

/// A body that fails after the headers: hyper aborts the connection mid-response.
fn reset_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("injected reset"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

/// The faults that replace Lean's answer (or hold it back), in one place for every route.
/// `None`: answer normally (other faults shape the answer later).
pub async fn fault_response(fault: Option<&FaultKind>) -> Option<Response> {
    match fault? {
        FaultKind::ServerError { status } => Some(error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL_SERVER_ERROR",
            "Something has gone wrong. If you continue to see this error, please get in touch with Lean.",
            None,
        )),
        FaultKind::RateLimited { retry_after } => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                "Too many requests, please try again later.",
                None,
            );
            if let Ok(v) = retry_after.to_string().parse() {
                r.headers_mut().insert("retry-after", v);
            }
            Some(r)
        }
        // Lean's recording (the refresh route) has no `results_id` on this one.
        FaultKind::ConsentExpired => Some(plain_error(
            StatusCode::FORBIDDEN,
            "CONSENT_EXPIRED",
            "Consent was suspended, revoked, or expired. New consent is required to access the data.",
        )),
        FaultKind::Reset => Some(reset_response()),
        FaultKind::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            None
        }
        _ => None,
    }
}

/// A 200 with `body`, cut or garbled when the fault says so.
pub fn finish_body(fault: Option<FaultKind>, body: Vec<u8>) -> Response {
    match fault {
        Some(FaultKind::Truncated) => {
            let half = body.len() / 2;
            json_response(StatusCode::OK, body[..half].to_vec())
        }
        Some(FaultKind::Malformed) => {
            json_response(StatusCode::OK, b"<html>upstream error</html>".to_vec())
        }
        _ => json_response(StatusCode::OK, body),
    }
}

/// Sleeps only when there is time to wait: tokio's timer has millisecond granularity, and a
/// zero-latency bank must not cost a millisecond per request.
pub async fn sleep_until(at: Instant) {
    if at > Instant::now() {
        tokio::time::sleep_until(at).await;
    }
}

/// The live entity named by `raw`, or Lean's 400/404.
pub fn entity(inner: &Inner, raw: Option<&String>) -> Result<Ent, Response> {
    let raw = raw.ok_or_else(|| missing("entity_id"))?;
    let id = EntityId::parse(raw).map_err(|_| bad_param("entity_id", raw))?;
    inner.entity(&id).ok_or_else(unknown_entity)
}

/// A JSON request body, or Lean's 400.
pub fn json_body(body: &[u8]) -> Result<serde_json::Value, Response> {
    serde_json::from_slice(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            BAD_PARAMS,
            None,
        )
    })
}

/// A string field of a JSON body.
pub fn body_str(body: &serde_json::Value, k: &str) -> Option<String> {
    body.get(k).and_then(|v| v.as_str()).map(str::to_owned)
}

/// The entity named by a JSON body's `entity_id`.
pub fn body_entity(inner: &Inner, body: &serde_json::Value) -> Result<Ent, Response> {
    entity(inner, body_str(body, "entity_id").as_ref())
}

/// The index of account `raw` in the entity, or Lean's 400/404.
pub fn account(e: &Ent, raw: &str) -> Result<usize, Response> {
    let id = AccountId::parse(raw).map_err(|_| bad_param("account_id", raw))?;
    e.accounts.iter().position(|a| a.id == id).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "UNKNOWN_ACCOUNT",
            "The account_id provided does not match an account with the entity_id provided.",
            None,
        )
    })
}

fn number(q: &Q, k: &str, default: u32) -> Result<u32, Response> {
    match q.get(k) {
        None => Ok(default),
        Some(v) => v.parse::<u32>().map_err(|_| bad_param(k, v)),
    }
}

/// `page`/`size` (or the customers routes' `page_number`/`page_size`), size 1..=100.
pub fn paging_as(q: &Q, page_key: &str, size_key: &str) -> Result<(u32, u32), Response> {
    let page = number(q, page_key, 0)?;
    let size = number(q, size_key, 50)?;
    if !(1..=100).contains(&size) {
        return Err(bad_param(size_key, &size.to_string()));
    }
    Ok((page, size))
}

/// `page`/`size` of the data routes.
pub fn paging(q: &Q) -> Result<(u32, u32), Response> {
    paging_as(q, "page", "size")
}

/// A `YYYY-MM-DD` parameter.
pub fn date(q: &Q, k: &str) -> Result<Option<NaiveDate>, Response> {
    q.get(k)
        .map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad_param(k, v)))
        .transpose()
}

/// A boolean parameter: absent is false; anything but `true`/`false` is Lean's 400.
pub fn flag(q: &Q, k: &str) -> Result<bool, Response> {
    match q.get(k).map(String::as_str) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(bad_param(k, v)),
    }
}

/// One page of `all`.
pub fn page_of<T>(all: &[T], page: u32, size: u32) -> &[T] {
    let start = (page as usize).saturating_mul(size as usize).min(all.len());
    let end = start.saturating_add(size as usize).min(all.len());
    &all[start..end]
}

/// The same refusal without its `results_id`: Lean's insights routes refuse a request before
/// it becomes a job, and their recorded errors (UAE and KSA) carry none.
pub async fn without_results_id(r: Response) -> Response {
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("results_id");
    }
    let bytes = serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec());
    let mut out = Response::from_parts(parts, axum::body::Body::from(bytes));
    out.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    out
}
