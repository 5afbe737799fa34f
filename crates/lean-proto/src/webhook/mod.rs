//! Webhooks: signature verification (here), typed events ([`WebhookEvent`], in `event.rs`),
//! dedupe ([`DedupeStore`], `dedupe.rs`), the intake that puts them together ([`intake()`],
//! `intake.rs`), and reading a webhook out of a captured or framework request ([`from_http`],
//! `capture.rs`).
//!
//! Lean signs the raw body: `lean-signature: sha512=<lowercase hex HMAC-SHA512(body, secret)>`.
//! Verification must see the bytes exactly as received (re-serialised JSON never matches),
//! compares in constant time, and refuses bodies over a size limit before hashing. Lean signs no
//! timestamp, so replays are stopped by deduplicating `event_id` ([`Dedupe`]).

mod capture;
mod dedupe;
mod event;
mod intake;
pub mod samples;
#[cfg(test)]
mod tests;

pub use capture::{from_http, split_capture};
pub use dedupe::{Claim, Claimed, Dedupe, DedupeFuture, DedupeStore, DedupeUnavailable};
pub use event::{
    BankAvailabilityEvent, BeneficiaryEvent, EntityEvent, EntityReconnected, EventId, EventKind,
    IbanAccountTypes, IbanAvailability, IbanAvailabilityEvent, MatchEnablement, PaymentEvent,
    PaymentSourceEvent, WebhookEvent,
};
pub use intake::{Ack, Delivery, Refusal, admit, intake, verify};

use crate::response::FieldError;
use crate::secret::Secret;
use hmac::{KeyInit, Mac};
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
    /// At-least-once delivery: another delivery of this event holds its claim and is being
    /// processed. Refused with 409 so that Lean delivers it again later: if that processing
    /// fails, the event is not lost.
    InProgress,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingSignature => write!(f, "missing {SIGNATURE_HEADER} header"),
            WebhookError::DedupeUnavailable => {
                f.write_str("the dedupe store is unavailable: Lean will deliver it again")
            }
            WebhookError::InProgress => f.write_str(
                "another delivery of this event is being processed: Lean will deliver it again",
            ),
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
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// Each byte's value as a hex digit (either case), or `NOT_HEX`.
const HEX_DIGIT: [u8; 256] = {
    let mut t = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};
const NOT_HEX: u8 = 0xff;

/// The 64 bytes of a 128-digit hex tag (anything else is `None`). One table lookup per digit
/// and no branch until the end: a digit-by-digit `to_digit` with an early exit was 7 % of a
/// webhook's intake (`cargo bench -p lean-bench --bench webhook`). Branching on the sender's
/// own digits would leak nothing (the tag is compared with the expected one in constant time);
/// there is simply no need to.
fn decode_hex(s: &str) -> Option<[u8; 64]> {
    let b: &[u8; 128] = s.as_bytes().try_into().ok()?;
    let mut out = [0u8; 64];
    let mut seen = 0u8;
    for (o, p) in out.iter_mut().zip(b.chunks_exact(2)) {
        let (hi, lo) = (HEX_DIGIT[usize::from(p[0])], HEX_DIGIT[usize::from(p[1])]);
        seen |= hi | lo;
        *o = hi << 4 | lo;
    }
    // Digits are 0..=15; only `NOT_HEX` sets a high bit.
    (seen < 16).then_some(out)
}
