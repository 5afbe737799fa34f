//! Classification of any HTTP response from Lean into one of five outcomes.
//!
//! This module owns the one function, [`classify`], that reads a status line, headers and raw
//! body and says what happened: data (typed, with page info), PENDING (with its `results_id`),
//! FAILED (with the granular code), RECONNECT_REQUIRED (v1), or an API error (HTTP status,
//! Lean's code, message, `lean-correlation-id`). Everything the state machine decides starts
//! from this answer. It must not decide anything itself (no retries, no waiting) and must never
//! panic: every input either classifies or is a [`DecodeError`] naming the offending field.

use crate::enums::{EnvelopeStatus, ErrorCode, GranularStatusCode};
use crate::ids::ResultsId;
use crate::model::data::Json;
use crate::time::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// The response header Lean uses to correlate a request in its logs.
pub const CORRELATION_ID_HEADER: &str = "lean-correlation-id";

/// [`CORRELATION_ID_HEADER`] as a header name, made at compile time: a lookup by it does not
/// parse the name's text first, as a lookup by a `&str` does on every call.
pub(crate) const CORRELATION_ID: http::HeaderName =
    http::HeaderName::from_static(CORRELATION_ID_HEADER);

/// How a payload sits in a response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The v2 data envelope: `status`, `results_id`, … and the collection under `data`.
    V2Data,
    /// The insights envelope: the payload under `insights`.
    Insights,
    /// The v1 envelope: the payload under `payload`.
    V1,
    /// The verification envelope: the answer under `verifications`.
    Verifications,
    /// A plain body with no envelope (tokens, customers, entities, refreshes): a 2xx is data.
    Bare,
}

/// The parts of a body a payload may be read from.
#[derive(Debug, Clone, Copy)]
pub struct PayloadSource<'a> {
    /// The envelope's `type`, if any.
    pub kind: Option<&'a str>,
    /// `data` (v2).
    pub data: Option<&'a RawValue>,
    /// `insights`.
    pub insights: Option<&'a RawValue>,
    /// `payload` (v1).
    pub payload: Option<&'a RawValue>,
    /// `verifications` (the verification products).
    pub verifications: Option<&'a RawValue>,
    /// The whole body.
    pub body: &'a [u8],
}

/// A decoding failure at a place in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path to the offending field, e.g. `data.transactions[3].amount.amount`; empty for the root.
    pub path: String,
    /// What was wrong there.
    pub message: String,
}

impl FieldError {
    pub(crate) fn missing(path: &str) -> Self {
        FieldError {
            path: path.to_owned(),
            message: "missing field".into(),
        }
    }
}

/// Parses `text` (found at `prefix` in the body) into `T`, reporting the path of a failure.
///
/// The happy path parses once, without tracking where it is: path tracking costs a `String` per
/// key walked and halves the speed. Only a failure parses again, with tracking, to name the
/// field (the text is the same, so the second parse fails at the same place).
pub fn parse_at<T: serde::de::DeserializeOwned>(
    text: &[u8],
    prefix: &str,
) -> Result<T, FieldError> {
    parse_seed_at(text, prefix, std::marker::PhantomData::<T>)
}

/// [`parse_at`] for a value that borrows from `text`.
pub(crate) fn parse_borrowed_at<'a, T: serde::Deserialize<'a>>(
    text: &'a [u8],
    prefix: &str,
) -> Result<T, FieldError> {
    parse_seed_at(text, prefix, std::marker::PhantomData::<T>)
}

/// [`parse_at`] for a value read through a seed (a decoder that carries what to look for): the
/// one place that parses fast and, on failure only, again with path tracking.
pub(crate) fn parse_seed_at<'a, S>(
    text: &'a [u8],
    prefix: &str,
    seed: S,
) -> Result<S::Value, FieldError>
where
    S: serde::de::DeserializeSeed<'a> + Clone,
{
    let fast = {
        let mut de = serde_json::Deserializer::from_slice(text);
        match seed
            .clone()
            .deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
        {
            Ok(v) => return Ok(v),
            Err(e) => e,
        }
    };
    let mut de = serde_json::Deserializer::from_slice(text);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut de, &mut track);
    let message = match seed.deserialize(tracked) {
        Err(e) => e.to_string(),
        Ok(_) => fast.to_string(),
    };
    let inner = track.path().to_string();
    let path = match (prefix.is_empty(), inner == ".") {
        (true, true) => String::new(),
        (true, false) => inner,
        (false, true) => prefix.to_owned(),
        (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
        (false, false) => format!("{prefix}.{inner}"),
    };
    Err(FieldError { path, message })
}

/// A type that a successful response carries.
pub trait Payload: Sized {
    /// Where it sits in the body.
    const SHAPE: Shape;
    /// One page of a collection (its results may have more pages than the one fetched).
    const PAGED: bool = false;
    /// Reads it from the body's parts.
    fn decode(src: &PayloadSource<'_>) -> Result<Self, FieldError>;
    /// Whether it can be read from its key during the envelope's own pass
    /// ([`Payload::deserialize_data`]): the collections (the hot path), v1, insights and
    /// verification payloads.
    const IN_PASS: bool = false;
    /// Reads it from its key where it lies, for [`Payload::IN_PASS`] payloads; the others are
    /// never asked. `len` is the length of the JSON it is read from (the whole body), for
    /// making room ahead (a page's items).
    fn deserialize_data<'de, D: serde::Deserializer<'de>>(
        d: D,
        len: usize,
    ) -> Result<Self, D::Error> {
        let _ = (d, len);
        Err(serde::de::Error::custom(
            "read after the envelope, not in its pass",
        ))
    }
}

/// Implements [`Payload`] for a type that is the whole body (`Bare`) or the content of
/// `insights` / `payload`.
macro_rules! payload_at {
    (bare: $($t:ty),+) => {$(
        impl $crate::response::Payload for $t {
            const SHAPE: $crate::response::Shape = $crate::response::Shape::Bare;
            fn decode(src: &$crate::response::PayloadSource<'_>) -> Result<Self, $crate::response::FieldError> {
                $crate::response::parse_at(src.body, "")
            }
        }
    )+};
    (insights: $($t:ty),+) => {$(
        impl $crate::response::Payload for $t {
            const SHAPE: $crate::response::Shape = $crate::response::Shape::Insights;
            fn decode(src: &$crate::response::PayloadSource<'_>) -> Result<Self, $crate::response::FieldError> {
                let raw = src.insights.ok_or_else(|| $crate::response::FieldError::missing("insights"))?;
                $crate::response::parse_at(raw.get().as_bytes(), "insights")
            }
            const IN_PASS: bool = true;
            fn deserialize_data<'de, D: serde::Deserializer<'de>>(d: D, _: usize) -> Result<Self, D::Error> {
                <Self as serde::Deserialize>::deserialize(d)
            }
        }
    )+};
    (verifications: $($t:ty),+) => {$(
        impl $crate::response::Payload for $t {
            const SHAPE: $crate::response::Shape = $crate::response::Shape::Verifications;
            fn decode(src: &$crate::response::PayloadSource<'_>) -> Result<Self, $crate::response::FieldError> {
                let raw = src.verifications.ok_or_else(|| $crate::response::FieldError::missing("verifications"))?;
                $crate::response::parse_at(raw.get().as_bytes(), "verifications")
            }
            const IN_PASS: bool = true;
            fn deserialize_data<'de, D: serde::Deserializer<'de>>(d: D, _: usize) -> Result<Self, D::Error> {
                <Self as serde::Deserialize>::deserialize(d)
            }
        }
    )+};
    (v1: $($t:ty),+) => {$(
        impl $crate::response::Payload for $t {
            const SHAPE: $crate::response::Shape = $crate::response::Shape::V1;
            fn decode(src: &$crate::response::PayloadSource<'_>) -> Result<Self, $crate::response::FieldError> {
                let raw = src.payload.ok_or_else(|| $crate::response::FieldError::missing("payload"))?;
                $crate::response::parse_at(raw.get().as_bytes(), "payload")
            }
            const IN_PASS: bool = true;
            fn deserialize_data<'de, D: serde::Deserializer<'de>>(d: D, _: usize) -> Result<Self, D::Error> {
                <Self as serde::Deserialize>::deserialize(d)
            }
        }
    )+};
}
pub(crate) use payload_at;

/// Why a response could not be understood (Lean or the network misbehaved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// HTTP status of the response.
    pub http_status: u16,
    /// `lean-correlation-id`, when Lean sent one.
    pub correlation_id: Option<String>,
    /// Where and what.
    pub field: FieldError,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode Lean's HTTP {} response",
            self.http_status
        )?;
        if !self.field.path.is_empty() {
            write!(f, " at `{}`", self.field.path)?;
        }
        write!(f, ": {}", self.field.message)?;
        if let Some(id) = &self.correlation_id {
            write!(f, " (lean-correlation-id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.field)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for FieldError {}

impl std::error::Error for ApiError {}

/// What the envelope said besides the payload.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EnvelopeInfo {
    /// `results_id` (on an OK answer it is not usable with the results endpoint).
    pub results_id: Option<ResultsId>,
    /// Human text.
    pub message: Option<String>,
    /// When Lean answered.
    pub timestamp: Option<Timestamp>,
    /// When Lean last pulled this data from the bank.
    pub refreshed_at: Option<Timestamp>,
    /// The `type` of data (`accounts`, `income`, …).
    pub kind: Option<String>,
    /// The `meta` you sent, echoed.
    pub meta: Option<Json>,
}

/// A successful answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Data<P> {
    /// The typed payload (a [`crate::Page`] for collections).
    pub payload: P,
    /// Envelope fields (empty for bare bodies).
    pub info: EnvelopeInfo,
    /// `lean-correlation-id`.
    pub correlation_id: Option<String>,
}

/// Lean took the request but the data is not there yet: fetch it with `results_id` later.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pending {
    /// The key to the results.
    pub results_id: ResultsId,
    /// Human text.
    pub message: Option<String>,
    /// When Lean answered.
    pub timestamp: Option<Timestamp>,
    /// `lean-correlation-id`.
    pub correlation_id: Option<String>,
}

/// The bank side failed (`status: FAILED`, HTTP 200).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failed {
    /// `FAILED`, or a status this SDK does not know.
    pub status: EnvelopeStatus,
    /// `status_detail.granular_status_code`.
    pub granular_status_code: Option<GranularStatusCode>,
    /// `status_detail.status_additional_info`.
    pub status_additional_info: Option<String>,
    /// The request's `results_id`.
    pub results_id: Option<ResultsId>,
    /// Human text.
    pub message: Option<String>,
    /// `lean-correlation-id`.
    pub correlation_id: Option<String>,
}

impl Default for Failed {
    fn default() -> Self {
        Failed {
            status: EnvelopeStatus::Failed,
            granular_status_code: None,
            status_additional_info: None,
            results_id: None,
            message: None,
            correlation_id: None,
        }
    }
}

impl Failed {
    /// Whether asking again later can succeed (see [`GranularStatusCode::is_retryable`]).
    /// An unknown envelope status is never retryable.
    pub fn is_retryable(&self) -> bool {
        self.status == EnvelopeStatus::Failed
            && self
                .granular_status_code
                .as_ref()
                .is_some_and(GranularStatusCode::is_retryable)
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lean reported {} ({})",
            self.status,
            self.granular_status_code
                .as_ref()
                .map(|c| c.as_str())
                .unwrap_or("no granular code")
        )?;
        if let Some(info) = &self.status_additional_info {
            write!(f, ": {info}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failed {}

impl fmt::Display for ReconnectRequired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the user must reconnect the bank (reconnect_id {})",
            self.reconnect_id.as_deref().unwrap_or("?")
        )
    }
}

impl std::error::Error for ReconnectRequired {}

/// v1: the user must reconnect the bank (`Lean.reconnect({reconnect_id})` in the front end);
/// `results.ready` follows for `results_id` once they do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectRequired {
    /// Pass to the LinkSDK.
    pub reconnect_id: Option<String>,
    /// The request's results, ready after the reconnect.
    pub results_id: Option<ResultsId>,
    /// Human text.
    pub message: Option<String>,
    /// `lean-correlation-id`.
    pub correlation_id: Option<String>,
}

/// The server's `Retry-After`, in either of its forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this many seconds.
    Seconds(u64),
    /// Wait until this instant (HTTP-date).
    At(Timestamp),
}

impl RetryAfter {
    /// Parses `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if let Ok(secs) = v.parse::<u64>() {
            return Some(RetryAfter::Seconds(secs));
        }
        chrono::DateTime::parse_from_rfc2822(v)
            .ok()
            .map(|t| RetryAfter::At(Timestamp::of_chrono(t.with_timezone(&chrono::Utc))))
    }
}

/// An HTTP error from Lean (4xx/5xx) with its body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub http_status: u16,
    /// Lean's code (`status` of the error body), e.g. `UNKNOWN_ENTITY`.
    pub code: Option<ErrorCode>,
    /// Lean's message, or the start of a non-JSON body.
    pub message: Option<String>,
    /// `results_id`, when the body has one.
    pub results_id: Option<ResultsId>,
    /// When Lean answered.
    pub timestamp: Option<Timestamp>,
    /// `lean-correlation-id`.
    pub correlation_id: Option<String>,
    /// `Retry-After`, when sent.
    pub retry_after: Option<RetryAfter>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lean answered HTTP {}", self.http_status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " (lean-correlation-id {id})")?;
        }
        Ok(())
    }
}

/// What a response means.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
#[non_exhaustive]
pub enum Outcome<P> {
    /// Data, typed.
    Data(Data<P>),
    /// PENDING: wait for `results.ready`, then fetch `results_id`.
    Pending(Pending),
    /// FAILED at the bank or at Lean.
    Failed(Failed),
    /// v1: the user must reconnect.
    ReconnectRequired(ReconnectRequired),
    /// An HTTP error.
    ApiError(ApiError),
}

impl<P> Outcome<P> {
    /// A short name of the class, for logs and transcripts.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Data(_) => "data",
            Outcome::Pending(_) => "pending",
            Outcome::Failed(_) => "failed",
            Outcome::ReconnectRequired(_) => "reconnect_required",
            Outcome::ApiError(_) => "api_error",
        }
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    status: Option<EnvelopeStatus>,
    #[serde(default)]
    results_id: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    meta: Option<Json>,
    #[serde(default)]
    timestamp: Option<Timestamp>,
    #[serde(default)]
    status_detail: Option<StatusDetail>,
    #[serde(default)]
    refreshed_at: Option<Timestamp>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default, borrow)]
    insights: Option<&'a RawValue>,
    #[serde(default, borrow)]
    payload: Option<&'a RawValue>,
    #[serde(default, borrow)]
    verifications: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct StatusDetail {
    #[serde(default)]
    granular_status_code: Option<GranularStatusCode>,
    #[serde(default)]
    status_additional_info: Option<String>,
}

#[derive(Deserialize)]
struct ReconnectPayload {
    #[serde(default)]
    reconnect_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    results_id: Option<serde_json::Value>,
    #[serde(default)]
    timestamp: Option<serde_json::Value>,
    // OAuth2 servers answer `{error, error_description}` instead.
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    error_description: Option<serde_json::Value>,
}

fn header(headers: &http::HeaderMap, name: &http::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.trim().chars().take(200).collect();
    if text.trim().chars().count() > 200 {
        s.push('…');
    }
    s
}

fn as_text(v: &Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

/// Reads an error body leniently: an error response is never itself a decode failure, because
/// the HTTP status alone already says what happened and must not be lost.
fn api_error(answer: &Answer<'_>, correlation_id: Option<String>) -> ApiError {
    let body = answer.body;
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message, results_id, timestamp) = match parsed {
        Some(b) => {
            let code = as_text(&b.status).or_else(|| as_text(&b.error));
            let message = as_text(&b.message).or_else(|| as_text(&b.error_description));
            let results_id = as_text(&b.results_id).and_then(|s| ResultsId::parse(&s).ok());
            let timestamp = as_text(&b.timestamp).and_then(|s| Timestamp::parse(&s).ok());
            (code, message, results_id, timestamp)
        }
        None if body.is_empty() => (None, None, None, None),
        None => (None, Some(excerpt(body)), None, None),
    };
    ApiError {
        http_status: answer.status.as_u16(),
        code: code.as_deref().map(ErrorCode::from),
        message,
        results_id,
        timestamp,
        correlation_id,
        retry_after: header(answer.headers, &http::header::RETRY_AFTER)
            .and_then(|v| RetryAfter::parse(&v)),
    }
}

/// Classifies any HTTP response from Lean for an endpoint whose success payload is `P`.
///
/// ```
/// use lean_proto::{classify, Account, Outcome, Page};
/// let body = br#"{"status":"PENDING","results_id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4",
///                "message":"Please wait for a webhook or try again later.","data":null}"#;
/// let resp = http::Response::builder().status(200).body(body.to_vec()).unwrap();
/// match classify::<Page<Account>>(&resp).unwrap() {
///     Outcome::Pending(p) => assert_eq!(p.results_id.as_str(), "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"),
///     other => panic!("expected pending, got {}", other.class()),
/// }
/// ```
///
/// The body is anything that reads as bytes: a `Vec<u8>`, the `Bytes` an HTTP library handed
/// over, a slice.
pub fn classify<P: Payload>(
    resp: &http::Response<impl AsRef<[u8]>>,
) -> Result<Outcome<P>, DecodeError> {
    classify_answer(&Answer {
        status: resp.status(),
        headers: resp.headers(),
        body: resp.body().as_ref(),
    })
}

/// An answer as `classify` reads it: one shape whatever the body's type, so that the decoder
/// is compiled once per payload, not once per payload and body type.
struct Answer<'a> {
    status: http::StatusCode,
    headers: &'a http::HeaderMap,
    body: &'a [u8],
}

fn classify_answer<P: Payload>(answer: &Answer<'_>) -> Result<Outcome<P>, DecodeError> {
    let http_status = answer.status.as_u16();
    let correlation_id = header(answer.headers, &CORRELATION_ID);
    if !answer.status.is_success() {
        return Ok(Outcome::ApiError(api_error(answer, correlation_id)));
    }
    let fail = |field: FieldError| DecodeError {
        http_status,
        correlation_id: correlation_id.clone(),
        field,
    };
    let body = answer.body;
    if P::SHAPE == Shape::Bare {
        let src = PayloadSource {
            kind: None,
            data: None,
            insights: None,
            payload: None,
            verifications: None,
            body,
        };
        let payload = P::decode(&src).map_err(fail)?;
        return Ok(Outcome::Data(Data {
            payload,
            info: EnvelopeInfo::default(),
            correlation_id,
        }));
    }

    // The hot path: an OK answer whose payload is under its key, read in one pass. Anything
    // else (or a failure) is classified by `enveloped`, the one place that does, naming the
    // field.
    if P::IN_PASS
        && let Some(one) = crate::envelope::ok_in_one_pass::<P>(body)
    {
        return Ok(Outcome::Data(Data {
            payload: one.payload,
            info: EnvelopeInfo {
                results_id: one.results_id.and_then(|s| ResultsId::parse(&s).ok()),
                message: one.message,
                timestamp: one.timestamp,
                refreshed_at: one.refreshed_at,
                kind: one.kind,
                meta: one.meta,
            },
            correlation_id,
        }));
    }
    enveloped(body, http_status, correlation_id)
}

/// An enveloped answer, classified from its parts: the envelope first (`data` and the other
/// payload keys captured raw), then the payload.
pub(crate) fn enveloped<P: Payload>(
    body: &[u8],
    http_status: u16,
    correlation_id: Option<String>,
) -> Result<Outcome<P>, DecodeError> {
    let fail = |field: FieldError| DecodeError {
        http_status,
        correlation_id: correlation_id.clone(),
        field,
    };
    let env: Envelope<'_> = parse_at_borrowed(body).map_err(fail)?;
    let status = env
        .status
        .clone()
        .ok_or_else(|| fail(FieldError::missing("status")))?;
    // `results_id` matters most on PENDING: without it the results could never be fetched.
    let results_id = match env.results_id.as_deref() {
        Some(s) => match ResultsId::parse(s) {
            Ok(id) => Some(id),
            Err(e) if status == EnvelopeStatus::Pending => {
                return Err(fail(FieldError {
                    path: "results_id".into(),
                    message: e.to_string(),
                }));
            }
            Err(_) => None,
        },
        None => None,
    };
    let outcome = match status {
        EnvelopeStatus::Ok => {
            let src = PayloadSource {
                kind: env.kind.as_deref(),
                data: env.data.filter(|r| r.get() != "null"),
                insights: env.insights.filter(|r| r.get() != "null"),
                payload: env.payload.filter(|r| r.get() != "null"),
                verifications: env.verifications.filter(|r| r.get() != "null"),
                body,
            };
            let payload = P::decode(&src).map_err(fail)?;
            Outcome::Data(Data {
                payload,
                info: EnvelopeInfo {
                    results_id,
                    message: env.message,
                    timestamp: env.timestamp,
                    refreshed_at: env.refreshed_at,
                    kind: env.kind,
                    meta: env.meta,
                },
                correlation_id,
            })
        }
        EnvelopeStatus::Pending => Outcome::Pending(Pending {
            results_id: results_id.ok_or_else(|| fail(FieldError::missing("results_id")))?,
            message: env.message,
            timestamp: env.timestamp,
            correlation_id,
        }),
        EnvelopeStatus::ReconnectRequired => {
            let reconnect_id = match env.payload {
                Some(raw) if raw.get() != "null" => {
                    parse_at::<ReconnectPayload>(raw.get().as_bytes(), "payload")
                        .map_err(fail)?
                        .reconnect_id
                }
                _ => None,
            };
            Outcome::ReconnectRequired(ReconnectRequired {
                reconnect_id,
                results_id,
                message: env.message,
                correlation_id,
            })
        }
        // FAILED, and any status Lean adds later: a failure that keeps everything we were told.
        status => {
            let (granular_status_code, status_additional_info) = env
                .status_detail
                .map(|d| (d.granular_status_code, d.status_additional_info))
                .unwrap_or((None, None));
            Outcome::Failed(Failed {
                status,
                granular_status_code,
                status_additional_info,
                results_id,
                message: env.message,
                correlation_id,
            })
        }
    };
    Ok(outcome)
}

fn parse_at_borrowed<'a>(body: &'a [u8]) -> Result<Envelope<'a>, FieldError> {
    parse_borrowed_at(body, "")
}
