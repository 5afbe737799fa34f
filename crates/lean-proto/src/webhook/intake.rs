//! The intake: verify, parse, deduplicate, mark readiness; and the [`Ack`] to answer Lean with.
//!
//! Written as steps so that every flavour runs the same rules: [`verify`] (pure), then the
//! dedupe store's claim (the only IO, blocking or async, the driver's to make), then [`admit`]
//! (pure but for the registry). [`intake`] chains them for a blocking store.

use super::{
    Claim, Claimed, DedupeStore, DedupeUnavailable, EventKind, WebhookError, WebhookEvent,
    WebhookSecret,
};
use std::time::{Duration, Instant};

/// How the intake deduplicates: what happens to an event the application failed to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Delivery {
    /// The default: an event is recorded as seen when it arrives, and Lean is answered 200 at
    /// once. Simple and fast; an application that fails after that never sees the event again
    /// (Lean's redelivery is a duplicate). Right for `results.ready` and refresh events, which
    /// the SDK acts on itself and which polling backs up.
    #[default]
    AtMostOnce,
    /// The event is claimed for `lease` and handed over with a [`Claim`]: act on it, then
    /// confirm the claim and answer 200; on failure release it and answer an error, so Lean
    /// delivers it again and it is processed again. A claim neither confirmed nor released
    /// (a crash) lapses after the lease. Meanwhile another delivery of it is answered 409
    /// (Lean retries). For events an application acts on: `entity.created`, payments.
    AtLeastOnce {
        /// How long a claim holds without being confirmed: longer than the application takes
        /// to act, shorter than Lean's retry interval.
        lease: Duration,
    },
}

impl Delivery {
    /// The claim's lease, under at-least-once.
    pub fn lease(&self) -> Option<Duration> {
        match self {
            Delivery::AtMostOnce => None,
            Delivery::AtLeastOnce { lease } => Some(*lease),
        }
    }
}

/// A webhook refused before the dedupe store is asked: what to answer, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status to answer (401, 413, 400, or 500 without a secret).
    pub status: u16,
    /// Why.
    pub error: WebhookError,
}

impl From<Refusal> for Ack {
    fn from(r: Refusal) -> Ack {
        Ack::Refused {
            status: r.status,
            error: r.error,
        }
    }
}

/// The intake's first step, pure: the signature over the raw body, then the event.
pub fn verify(
    secret: Option<&WebhookSecret>,
    signature: Option<&str>,
    body: &[u8],
) -> Result<WebhookEvent, Refusal> {
    let refused = |status, error| Refusal { status, error };
    let Some(secret) = secret else {
        return Err(refused(500, WebhookError::NoSecret));
    };
    if let Err(e) = secret.verify(body, signature) {
        let status = if matches!(e, WebhookError::TooLarge { .. }) {
            413
        } else {
            401
        };
        return Err(refused(status, e));
    }
    WebhookEvent::parse(body).map_err(|e| refused(400, e))
}

/// The intake's last step, once the dedupe store answered the claim on
/// [`WebhookEvent::dedupe_key`]: the [`Ack`], and for a first `results.ready`, readiness
/// marked in the registry (which wakes the waiting call).
pub fn admit(
    event: WebhookEvent,
    claimed: Result<Claimed, DedupeUnavailable>,
    delivery: Delivery,
    registry: &dyn crate::results::ResultsRegistry,
    now: Instant,
) -> Ack {
    let refused = |status, error| Ack::Refused { status, error };
    match claimed {
        Err(DedupeUnavailable) => return refused(503, WebhookError::DedupeUnavailable),
        Ok(Claimed::Seen) => return Ack::Duplicate,
        Ok(Claimed::Held) => return refused(409, WebhookError::InProgress),
        Ok(Claimed::First) => {}
    }
    let readiness = match &event.kind {
        EventKind::ResultsReady { results_id } => Some(registry.mark_ready(results_id, now)),
        _ => None,
    };
    let claim = delivery.lease().map(|_| Claim::new(event.dedupe_key()));
    Ack::Accepted {
        event,
        readiness,
        claim,
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
        /// Under [`Delivery::AtLeastOnce`]: the claim to confirm after acting on the event,
        /// or to release.
        claim: Option<Claim>,
    },
    /// Verified, but seen before: answer 200 (Lean stops retrying) and do nothing.
    Duplicate,
    /// Refused: answer [`Ack::status`] (401 bad or missing signature, 413 too large, 400 not
    /// an event, 500 no secret configured, 503 dedupe store unreachable, 409 being processed
    /// by another delivery; Lean retries the last three). Nothing unverified or possibly seen is ever acted on.
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

    /// [`Ack::status`] as the `http` crate's type, what axum, hyper and most frameworks answer
    /// with.
    pub fn status_code(&self) -> http::StatusCode {
        http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The event, when it was accepted.
    pub fn event(&self) -> Option<&WebhookEvent> {
        match self {
            Ack::Accepted { event, .. } => Some(event),
            _ => None,
        }
    }

    /// Under at-least-once delivery, the claim to confirm or release.
    pub fn claim(&self) -> Option<&Claim> {
        match self {
            Ack::Accepted { claim, .. } => claim.as_ref(),
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

/// The webhook intake, framework-agnostic, at most once, over a blocking store: [`verify`],
/// claim, [`admit`]. Answer Lean with [`Ack::status`] right away; act on [`Ack::event`] after
/// answering.
pub fn intake(
    secret: Option<&WebhookSecret>,
    dedupe: &dyn DedupeStore,
    registry: &dyn crate::results::ResultsRegistry,
    signature: Option<&str>,
    body: &[u8],
    now: Instant,
) -> Ack {
    let event = match verify(secret, signature, body) {
        Ok(event) => event,
        Err(refused) => return refused.into(),
    };
    let claimed = dedupe.claim(event.dedupe_key(), None, now);
    admit(event, claimed, Delivery::AtMostOnce, registry, now)
}
