//! Webhooks: signature verification, typed events, dedupe, and a signer for tests.
//!
//! Lean signs the raw body: `lean-signature: sha512=<lowercase hex HMAC-SHA512(body, secret)>`.
//! Verification must see the bytes exactly as received (re-serialised JSON never matches),
//! compares in constant time, and refuses bodies over a size limit before hashing. Lean signs no
//! timestamp, so replays are stopped by deduplicating `event_id` ([`Dedupe`]).

use crate::ids::{CustomerId, EntityId, ResultsId};
use crate::model::data::Json;
use crate::model::refresh::Refresh;
use crate::response::{FieldError, parse_at};
use crate::secret::Secret;
use crate::time::Timestamp;
use hmac::{KeyInit, Mac};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{HashSet, VecDeque};
use std::fmt;

/// The header Lean puts the signature in.
pub const SIGNATURE_HEADER: &str = "lean-signature";
/// Default largest body accepted for verification (Lean's events are a few KiB).
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

type HmacSha512 = hmac::Hmac<sha2::Sha512>;

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `lean-signature` header.
    MissingSignature,
    /// The header is not `sha512=<128 hex digits>`.
    MalformedSignature,
    /// The signature does not match the body. Verify the raw bytes as received, not
    /// re-serialised JSON, and check the webhook secret.
    BadSignature,
    /// The body is larger than the limit.
    TooLarge {
        /// Body size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// The body is not a webhook event.
    Decode(FieldError),
    /// No webhook secret is configured, so nothing can be verified (and nothing is trusted).
    NoSecret,
    /// The dedupe store cannot say whether the event was seen (a shared store is down): the
    /// webhook is refused with 503 so that Lean delivers it again later, rather than risk
    /// processing it twice or dropping it.
    DedupeUnavailable,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingSignature => write!(f, "missing {SIGNATURE_HEADER} header"),
            WebhookError::DedupeUnavailable => {
                f.write_str("the dedupe store is unavailable: Lean will deliver it again")
            }
            WebhookError::MalformedSignature => {
                write!(f, "{SIGNATURE_HEADER} is not sha512=<128 hex digits>")
            }
            WebhookError::BadSignature => write!(
                f,
                "signature does not match: verify the raw body bytes as received with the webhook secret"
            ),
            WebhookError::TooLarge { size, limit } => {
                write!(
                    f,
                    "webhook body of {size} bytes exceeds the {limit}-byte limit"
                )
            }
            WebhookError::Decode(e) if e.path.is_empty() => {
                write!(f, "not a webhook event: {}", e.message)
            }
            WebhookError::Decode(e) => {
                write!(f, "not a webhook event at `{}`: {}", e.path, e.message)
            }
            WebhookError::NoSecret => {
                f.write_str("no webhook secret configured: webhooks cannot be verified")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

/// The webhook secret from Lean's dashboard. `Debug` never shows it.
#[derive(Clone)]
pub struct WebhookSecret {
    /// The HMAC keyed once: the key schedule is two of the five SHA-512 blocks a webhook
    /// costs, so it is not paid again per webhook.
    keyed: HmacSha512,
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl WebhookSecret {
    /// Wraps the secret.
    pub fn new(secret: impl Into<String>) -> Self {
        let secret = Secret::new(secret.into());
        // HMAC takes keys of any length; this cannot fail.
        let keyed = <HmacSha512 as KeyInit>::new_from_slice(secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        WebhookSecret { keyed }
    }

    fn mac(&self) -> HmacSha512 {
        self.keyed.clone()
    }

    /// The `lean-signature` header value for `body`: `sha512=<hex>`. For tests and emulators.
    ///
    /// ```
    /// use lean_proto::webhook::WebhookSecret;
    /// let secret = WebhookSecret::new("whsec");
    /// let body = br#"{"type":"results.ready","payload":{"id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"}}"#;
    /// let header = secret.sign(body);
    /// assert!(secret.verify(body, Some(&header)).is_ok());
    /// assert!(secret.verify(b"{}", Some(&header)).is_err());
    /// ```
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        let mut out = String::with_capacity(7 + tag.len() * 2);
        out.push_str("sha512=");
        push_hex(&mut out, &tag);
        out
    }

    /// Checks `lean-signature` against the raw body, in constant time, with the default size
    /// limit.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), WebhookError> {
        self.verify_limited(body, signature, DEFAULT_MAX_BODY)
    }

    /// [`WebhookSecret::verify`] with an explicit body size limit.
    pub fn verify_limited(
        &self,
        body: &[u8],
        signature: Option<&str>,
        max_body: usize,
    ) -> Result<(), WebhookError> {
        if body.len() > max_body {
            return Err(WebhookError::TooLarge {
                size: body.len(),
                limit: max_body,
            });
        }
        let sig = signature.ok_or(WebhookError::MissingSignature)?.trim();
        let hex = sig
            .strip_prefix("sha512=")
            .or_else(|| sig.strip_prefix("SHA512="))
            .ok_or(WebhookError::MalformedSignature)?;
        let tag = decode_hex(hex).ok_or(WebhookError::MalformedSignature)?;
        let mut mac = self.mac();
        mac.update(body);
        mac.verify_slice(&tag)
            .map_err(|_| WebhookError::BadSignature)
    }

    /// Verifies, then parses: the one call a webhook endpoint needs.
    pub fn verify_and_parse(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(body, signature)?;
        WebhookEvent::parse(body)
    }
}

/// Appends `bytes` as lowercase hex (a table, not `format!` per byte: signing every webhook
/// the emulator sends spent most of its time formatting).
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// The 64 bytes of a 128-digit hex tag (anything else is `None`).
fn decode_hex(s: &str) -> Option<[u8; 64]> {
    let b = s.as_bytes();
    if b.len() != 128 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 64];
    for (o, p) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = digit(p[0])? << 4 | digit(p[1])?;
    }
    Some(out)
}

/// `entity.created` / `entity.updated` payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct EntityEvent {
    /// The `entity_id`.
    pub id: EntityId,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// Your user id.
    #[serde(default)]
    pub app_user_id: Option<String>,
    /// Granted permissions (`accounts`, `transactions`, …).
    #[serde(default)]
    pub permissions: Vec<crate::enums::Permission>,
    /// The bank (identifier, name, colours, …), as sent.
    #[serde(default)]
    pub bank_details: Option<Json>,
}

/// `entity.reconnected` payload (v1).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct EntityReconnected {
    /// The `entity_id`.
    pub id: EntityId,
    /// The reconnect that finished.
    #[serde(default)]
    pub reconnect_id: Option<String>,
}

/// `bank.availability.updated` and `iban_account_verification.bank.availability.updated`
/// payload: a bank's data or payments went down or came back.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct BankAvailabilityEvent {
    /// The bank (`bank_identifier`).
    pub identifier: String,
    /// What works now.
    #[serde(default)]
    pub availability: Option<crate::model::customer::Availability>,
}

/// `payment_intent.created`, `payment.created`, `payment.updated` payload (amounts exact).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct PaymentEvent {
    /// The payment's id (absent on `payment_intent.created`).
    #[serde(default)]
    pub id: Option<String>,
    /// The payment intent.
    #[serde(default)]
    pub intent_id: Option<String>,
    /// `ACCEPTED_BY_BANK`, `INTENT_CREATED`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The amount, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<rust_decimal::Decimal>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// Where the money goes.
    #[serde(default)]
    pub payment_destination_id: Option<String>,
    /// The bank's reference.
    #[serde(default)]
    pub bank_transaction_reference: Option<String>,
    /// Your reason text.
    #[serde(default)]
    pub reason: Option<String>,
    /// Your metadata, as sent.
    #[serde(default)]
    pub metadata: Option<Json>,
}

/// `payment_source.created` / `payment_source.updated` payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct PaymentSourceEvent {
    /// The payment source.
    pub id: String,
    /// `ACTIVE`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The bank.
    #[serde(default)]
    pub bank_identifier: Option<String>,
    /// The bank's name.
    #[serde(default)]
    pub bank_name: Option<String>,
}

/// `payment_source.beneficiary.created` / `.updated` payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct BeneficiaryEvent {
    /// The beneficiary.
    pub id: String,
    /// `ACTIVE`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The payment source it belongs to.
    #[serde(default)]
    pub payment_source_id: Option<String>,
    /// The destination it pays.
    #[serde(default)]
    pub payment_destination_id: Option<String>,
    /// The source's bank.
    #[serde(default)]
    pub payment_source_bank_identifier: Option<String>,
}

#[derive(Deserialize)]
struct ResultsReady {
    id: ResultsId,
}

/// A webhook event. Types this SDK does not know are kept as type + raw payload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventKind {
    /// `results.ready`: the results of `results_id` can be fetched.
    ResultsReady {
        /// The request whose results are ready.
        results_id: ResultsId,
    },
    /// `entity.created`.
    EntityCreated(EntityEvent),
    /// `entity.updated` (consent changed).
    EntityUpdated(EntityEvent),
    /// `entity.reconnected` (v1).
    EntityReconnected(EntityReconnected),
    /// `entity.data.refresh.updated`.
    DataRefreshUpdated(Refresh),
    /// `bank.availability.updated`.
    BankAvailabilityUpdated(BankAvailabilityEvent),
    /// `iban_account_verification.bank.availability.updated`.
    IbanVerificationBankAvailabilityUpdated(BankAvailabilityEvent),
    /// `payment_intent.created`.
    PaymentIntentCreated(PaymentEvent),
    /// `payment.created`.
    PaymentCreated(PaymentEvent),
    /// `payment.updated`.
    PaymentUpdated(PaymentEvent),
    /// `payment.transaction` (Lean documents the type, not its payload: kept as sent).
    PaymentTransaction(Json),
    /// `payment_source.created`.
    PaymentSourceCreated(PaymentSourceEvent),
    /// `payment_source.updated`.
    PaymentSourceUpdated(PaymentSourceEvent),
    /// `payment_source.beneficiary.created`.
    PaymentSourceBeneficiaryCreated(BeneficiaryEvent),
    /// `payment_source.beneficiary.updated`.
    PaymentSourceBeneficiaryUpdated(BeneficiaryEvent),
    /// A type this SDK does not know yet (Lean adds them without notice), kept as sent.
    Other {
        /// The `type`.
        kind: String,
        /// The `payload`.
        payload: Option<Json>,
    },
}

/// An `event_id`, the key Lean's webhooks are deduplicated on. Lean's are UUIDs and are held
/// inline (no allocation per webhook); any other text is kept as well.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(crate::text::SmallText<40>);

impl EventId {
    /// An id as sent.
    pub fn new(id: &str) -> Self {
        EventId(crate::text::SmallText::new(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::ops::Deref for EventId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({:?})", self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::with_str(d, "an event id", |s| {
            Ok::<_, std::convert::Infallible>(EventId::new(s))
        })
    }
}

/// Every `type` this SDK knows, so that the name of a known event costs no allocation.
const KNOWN_KINDS: &[&str] = &[
    "results.ready",
    "entity.created",
    "entity.updated",
    "entity.reconnected",
    "entity.data.refresh.updated",
    "bank.availability.updated",
    "iban_account_verification.bank.availability.updated",
    "payment_intent.created",
    "payment.created",
    "payment.updated",
    "payment.transaction",
    "payment_source.created",
    "payment_source.updated",
    "payment_source.beneficiary.created",
    "payment_source.beneficiary.updated",
];

fn known_kind(kind: &str) -> Option<&'static str> {
    KNOWN_KINDS.iter().find(|k| **k == kind).copied()
}

/// A webhook as Lean sends it: `{type, payload, message, timestamp, event_id}`.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// `event_id` (absent in Lean's oldest events); the key for deduplication.
    pub event_id: Option<EventId>,
    /// The `type` exactly as sent.
    pub kind_name: std::borrow::Cow<'static, str>,
    /// Human text.
    pub message: Option<String>,
    /// When Lean emitted it.
    pub timestamp: Option<Timestamp>,
    /// The typed event.
    pub kind: EventKind,
    /// For events without an `event_id`: the key computed while the body was at hand (see
    /// [`WebhookEvent::dedupe_key`]).
    body_key: Option<String>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    payload: Option<&'a RawValue>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    timestamp: Option<Timestamp>,
    #[serde(default)]
    event_id: Option<EventId>,
}

impl WebhookEvent {
    /// Parses a webhook body (verify it first: [`WebhookSecret::verify_and_parse`]).
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        // Borrowed: `type` and `payload` are read in place; the payload is parsed once more,
        // into its own type, from the same bytes.
        let raw: RawEvent<'_> =
            crate::response::parse_borrowed_at(body, "").map_err(WebhookError::Decode)?;
        let payload_of = |path: &str| {
            raw.payload
                .filter(|p| p.get() != "null")
                .ok_or_else(|| WebhookError::Decode(FieldError::missing(path)))
        };
        let at = |p: &RawValue| p.get().as_bytes().to_vec();
        fn typed<T: serde::de::DeserializeOwned>(
            payload: &Option<&RawValue>,
        ) -> Result<T, WebhookError> {
            let p = payload
                .filter(|p| p.get() != "null")
                .ok_or_else(|| WebhookError::Decode(FieldError::missing("payload")))?;
            parse_at(p.get().as_bytes(), "payload").map_err(WebhookError::Decode)
        }
        let kind = match raw.kind.as_ref() {
            "results.ready" => {
                // Lean's payload is exactly `{"id":"<results_id>"}`: read it in place; any
                // other spelling (spaces, more keys) goes through serde.
                let fast = raw.payload.and_then(|p| {
                    let id = p.get().strip_prefix(r#"{"id":""#)?.strip_suffix(r#""}"#)?;
                    ResultsId::parse(id).ok()
                });
                let results_id = match fast {
                    Some(id) => id,
                    None => typed::<ResultsReady>(&raw.payload)?.id,
                };
                EventKind::ResultsReady { results_id }
            }
            "entity.created" => EventKind::EntityCreated(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "entity.updated" => EventKind::EntityUpdated(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "entity.reconnected" => EventKind::EntityReconnected(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "entity.data.refresh.updated" => EventKind::DataRefreshUpdated(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "bank.availability.updated" => EventKind::BankAvailabilityUpdated(typed(&raw.payload)?),
            "iban_account_verification.bank.availability.updated" => {
                EventKind::IbanVerificationBankAvailabilityUpdated(typed(&raw.payload)?)
            }
            "payment_intent.created" => EventKind::PaymentIntentCreated(typed(&raw.payload)?),
            "payment.created" => EventKind::PaymentCreated(typed(&raw.payload)?),
            "payment.updated" => EventKind::PaymentUpdated(typed(&raw.payload)?),
            "payment.transaction" => {
                EventKind::PaymentTransaction(payload_of("payload")?.to_owned())
            }
            "payment_source.created" => EventKind::PaymentSourceCreated(typed(&raw.payload)?),
            "payment_source.updated" => EventKind::PaymentSourceUpdated(typed(&raw.payload)?),
            "payment_source.beneficiary.created" => {
                EventKind::PaymentSourceBeneficiaryCreated(typed(&raw.payload)?)
            }
            "payment_source.beneficiary.updated" => {
                EventKind::PaymentSourceBeneficiaryUpdated(typed(&raw.payload)?)
            }
            other => EventKind::Other {
                kind: other.to_owned(),
                payload: raw.payload.map(RawValue::to_owned),
            },
        };
        // Old events have no event_id: key them by a digest of the exact body, so that two
        // different events never collide and a redelivery of the same bytes still does.
        let body_key = match &raw.event_id {
            Some(_) => None,
            None => {
                use sha2::Digest;
                let digest = sha2::Sha512::digest(body);
                let mut key = format!("{}:body:", raw.kind);
                push_hex(&mut key, &digest[..16]);
                Some(key)
            }
        };
        Ok(WebhookEvent {
            body_key,
            event_id: raw.event_id,
            kind_name: known_kind(&raw.kind)
                .map(std::borrow::Cow::Borrowed)
                .unwrap_or_else(|| std::borrow::Cow::Owned(raw.kind.into_owned())),
            message: raw.message,
            timestamp: raw.timestamp,
            kind,
        })
    }

    /// The key to deduplicate on: `event_id`; for old events without one, the type and a
    /// digest of the body as received (two different events never collide; a redelivery of
    /// the same bytes is still a duplicate).
    pub fn dedupe_key(&self) -> &str {
        match (&self.event_id, &self.body_key) {
            (Some(id), _) => id.as_str(),
            (None, Some(k)) => k,
            (None, None) => "",
        }
    }
}

/// Splits a captured HTTP request (headers, a blank line, the raw body) into its
/// `lean-signature` value and the body bytes exactly as sent. Works on bytes: neither the
/// headers nor the body need be UTF-8. `None` when there is no blank line.
///
/// ```
/// let capture = b"POST /hook HTTP/1.1\r\nlean-signature: sha512=ab\r\n\r\n{\"type\":\"x\"}";
/// let (signature, body) = lean_proto::webhook::split_capture(capture).unwrap();
/// assert_eq!(signature.as_deref(), Some("sha512=ab"));
/// assert_eq!(body, b"{\"type\":\"x\"}");
/// ```
pub fn split_capture(input: &[u8]) -> Option<(Option<String>, &[u8])> {
    let find = |needle: &[u8]| input.windows(needle.len()).position(|w| w == needle);
    let (end, gap) = find(b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(b"\n\n").map(|i| (i, 2)))?;
    let headers = String::from_utf8_lossy(&input[..end]);
    let signature = headers.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(SIGNATURE_HEADER))
            .map(|(_, v)| v.trim().to_owned())
    });
    Some((signature, &input[end + gap..]))
}

/// Where the webhook intake remembers which events it has seen, shared by every thread that
/// receives webhooks (and, over a shared store, by every instance).
pub trait DedupeStore: Send + Sync {
    /// Records `key` at `now`: `Ok(true)` the first time, `Ok(false)` for a duplicate, and
    /// `Err` when the store cannot tell (the intake then answers 503 and Lean retries later).
    fn first_time(&self, key: &str, now: std::time::Instant) -> Result<bool, DedupeUnavailable>;
}

/// A [`DedupeStore`] could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DedupeUnavailable;

/// The in-process store: a bounded [`Dedupe`] behind a mutex.
impl DedupeStore for std::sync::Mutex<Dedupe> {
    fn first_time(&self, key: &str, _now: std::time::Instant) -> Result<bool, DedupeUnavailable> {
        Ok(self
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first_time(key))
    }
}

/// Remembers the last `capacity` event keys, so a redelivered webhook is seen as a duplicate.
/// Memory is bounded: the oldest key is forgotten first.
///
/// Keys are kept as 128-bit fingerprints (two independently keyed SipHash-1-3 values), not as
/// strings: 16 bytes and no allocation per event. Two different keys share a fingerprint with
/// probability about n² / 2¹²⁹ (below 10⁻³⁰ for 10,000 keys), the keys are random per
/// process, and a false "duplicate" would only leave the call to its polling fallback.
#[derive(Debug, Clone)]
pub struct Dedupe {
    capacity: usize,
    seen: HashSet<u128, Fingerprinted>,
    order: VecDeque<u128>,
    hashers: (std::hash::RandomState, std::hash::RandomState),
}

/// Fingerprints are keyed hashes already: the set uses their low bits as they are instead of
/// hashing them a second time.
#[derive(Debug, Clone, Copy, Default)]
struct Fingerprinted;

impl std::hash::BuildHasher for Fingerprinted {
    type Hasher = LowBits;
    fn build_hasher(&self) -> LowBits {
        LowBits(0)
    }
}

#[derive(Debug, Default)]
struct LowBits(u64);

impl std::hash::Hasher for LowBits {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u128 fingerprints are hashed here; any other input still spreads.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

impl Dedupe {
    /// Remembers up to `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Dedupe {
            capacity,
            seen: HashSet::with_capacity_and_hasher(capacity, Fingerprinted),
            order: VecDeque::with_capacity(capacity),
            hashers: (std::hash::RandomState::new(), std::hash::RandomState::new()),
        }
    }

    fn fingerprint(&self, key: &str) -> u128 {
        use std::hash::BuildHasher;
        (u128::from(self.hashers.0.hash_one(key)) << 64) | u128::from(self.hashers.1.hash_one(key))
    }

    /// Records `key`; true if it is new, false if it was seen (a duplicate).
    pub fn first_time(&mut self, key: &str) -> bool {
        let f = self.fingerprint(key);
        if self.seen.contains(&f) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(f);
        self.order.push_back(f);
        true
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_round_trip_and_rejections() {
        let s = WebhookSecret::new("secret");
        let body = b"{\"type\":\"x\"}";
        let sig = s.sign(body);
        assert_eq!(sig.len(), 7 + 128);
        assert_eq!(s.verify(body, Some(&sig)), Ok(()));
        assert_eq!(s.verify(body, None), Err(WebhookError::MissingSignature));
        assert_eq!(
            s.verify(body, Some("sha256=00")),
            Err(WebhookError::MalformedSignature)
        );
        assert_eq!(
            s.verify(body, Some("sha512=zz")),
            Err(WebhookError::MalformedSignature)
        );
        let mut wrong = sig.clone();
        wrong.replace_range(10..11, if &sig[10..11] == "0" { "1" } else { "0" });
        assert_eq!(
            s.verify(body, Some(&wrong)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            WebhookSecret::new("other").verify(body, Some(&sig)),
            Err(WebhookError::BadSignature)
        );
        assert!(matches!(
            s.verify_limited(body, Some(&sig), 4),
            Err(WebhookError::TooLarge { .. })
        ));
        assert!(!format!("{s:?}").contains("secret\""));
    }

    #[test]
    fn results_ready_parses() {
        let body =
            br#"{"type":"results.ready","payload":{"id":"6DD9C7D2-1c8c-4862-bb1f-fcf52f5033d4"},
            "message":"Your results are ready.","timestamp":"2021-01-08T18:05:19.244672Z",
            "event_id":"28f729fe-9c36-426f-959b-65e69303d901"}"#;
        let e = WebhookEvent::parse(body).unwrap();
        match e.kind {
            EventKind::ResultsReady { results_id } => {
                assert_eq!(results_id.as_str(), "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4")
            }
            other => panic!("{other:?}"),
        }
        let bad = br#"{"type":"results.ready","payload":{"id":"../x"}}"#;
        match WebhookEvent::parse(bad) {
            Err(WebhookError::Decode(f)) => assert_eq!(f.path, "payload.id"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dedupe_is_bounded() {
        let mut d = Dedupe::new(2);
        assert!(d.first_time("a"));
        assert!(!d.first_time("a"));
        assert!(d.first_time("b"));
        assert!(d.first_time("c"));
        assert_eq!(d.len(), 2);
        assert!(d.first_time("a"), "oldest key forgotten");
    }
}

/// What the webhook intake did, and what to answer Lean: one of three outcomes.
///
/// ```
/// use lean_proto::webhook::{intake, Ack, Dedupe, WebhookSecret};
/// use lean_proto::results::InMemoryResults;
/// let secret = WebhookSecret::new("whsec");
/// let body = br#"{"type":"results.ready","payload":{"id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"},"event_id":"e1"}"#;
/// let (dedupe, registry) = (std::sync::Mutex::new(Dedupe::new(100)), InMemoryResults::default());
/// let now = std::time::Instant::now();
/// let first = intake(Some(&secret), &dedupe, &registry, Some(&secret.sign(body)), body, now);
/// assert!(matches!(first, Ack::Accepted { .. }) && first.status() == 200);
/// let again = intake(Some(&secret), &dedupe, &registry, Some(&secret.sign(body)), body, now);
/// assert!(matches!(again, Ack::Duplicate) && again.status() == 200);
/// let forged = intake(Some(&secret), &dedupe, &registry, Some("sha512=00"), body, now);
/// assert_eq!(forged.status(), 401);
/// ```
#[derive(Debug)]
#[non_exhaustive]
// Built once per webhook and returned at once: boxing the event would cost an allocation on
// the intake's hot path to save a move.
#[allow(clippy::large_enum_variant)]
pub enum Ack {
    /// A verified event seen for the first time: answer 200 at once, then act on it.
    Accepted {
        /// The event.
        event: WebhookEvent,
        /// For `results.ready`: what the registry did with it.
        readiness: Option<crate::results::Readiness>,
    },
    /// Verified, but seen before: answer 200 (Lean stops retrying) and do nothing.
    Duplicate,
    /// Refused: answer [`Ack::status`] (401 bad or missing signature, 413 too large, 400 not
    /// an event, 500 no secret configured, 503 dedupe store unreachable; Lean retries the
    /// last two). Nothing unverified or possibly seen is ever acted on.
    Refused {
        /// HTTP status to answer.
        status: u16,
        /// Why.
        error: WebhookError,
    },
}

impl Ack {
    /// HTTP status to answer Lean with, at once.
    pub fn status(&self) -> u16 {
        match self {
            Ack::Accepted { .. } | Ack::Duplicate => 200,
            Ack::Refused { status, .. } => *status,
        }
    }

    /// The event, when it was accepted.
    pub fn event(&self) -> Option<&WebhookEvent> {
        match self {
            Ack::Accepted { event, .. } => Some(event),
            _ => None,
        }
    }

    /// The event, when it was accepted, by value.
    pub fn into_event(self) -> Option<WebhookEvent> {
        match self {
            Ack::Accepted { event, .. } => Some(event),
            _ => None,
        }
    }

    /// For an accepted `results.ready`: what the registry did with it.
    pub fn readiness(&self) -> Option<crate::results::Readiness> {
        match self {
            Ack::Accepted { readiness, .. } => *readiness,
            _ => None,
        }
    }

    /// Why it was refused.
    pub fn error(&self) -> Option<&WebhookError> {
        match self {
            Ack::Refused { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether it was a duplicate.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Ack::Duplicate)
    }
}

/// The webhook intake, framework-agnostic: verify the signature over the raw body, parse,
/// deduplicate, and mark `results.ready` in the registry (which wakes the waiting call). Answer
/// Lean with [`Ack::status`] right away; act on [`Ack::event`] after answering.
pub fn intake(
    secret: Option<&WebhookSecret>,
    dedupe: &dyn DedupeStore,
    registry: &dyn crate::results::ResultsRegistry,
    signature: Option<&str>,
    body: &[u8],
    now: std::time::Instant,
) -> Ack {
    let refused = |status, error| Ack::Refused { status, error };
    let Some(secret) = secret else {
        return refused(500, WebhookError::NoSecret);
    };
    if let Err(e) = secret.verify(body, signature) {
        let status = if matches!(e, WebhookError::TooLarge { .. }) {
            413
        } else {
            401
        };
        return refused(status, e);
    }
    let event = match WebhookEvent::parse(body) {
        Ok(e) => e,
        Err(e) => return refused(400, e),
    };
    let first = match dedupe.first_time(event.dedupe_key(), now) {
        Ok(first) => first,
        Err(DedupeUnavailable) => return refused(503, WebhookError::DedupeUnavailable),
    };
    if !first {
        return Ack::Duplicate;
    }
    let readiness = match &event.kind {
        EventKind::ResultsReady { results_id } => Some(registry.mark_ready(results_id, now)),
        _ => None,
    };
    Ack::Accepted { event, readiness }
}
