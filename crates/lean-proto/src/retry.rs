//! Retry and backoff as pure decisions.
//!
//! This module owns *whether* and *how long*: capped exponential backoff with seeded jitter,
//! `Retry-After` in its seconds and HTTP-date forms, and which failures are worth another try.
//! It never sleeps and never reads a clock; the call state machine ([`crate::call`]) asks it.

use crate::enums::ErrorCode;
use crate::response::{ApiError, RetryAfter};
use crate::rng::Rng;
use std::time::Duration;

/// How often and how patiently to retry a failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts at most).
    pub max_retries: u32,
    /// First backoff.
    pub base_delay: Duration,
    /// Largest backoff (before jitter), and largest `Retry-After` honoured.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): `base * 2^retry`, capped, then "equal
    /// jitter" (a uniform draw in the upper half) so that many clients that failed together do
    /// not come back together, while no wait collapses to zero.
    pub fn backoff(&self, retry: u32, rng: &mut Rng) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_delay);
        let ms = exp.as_millis().min(u128::from(u64::MAX)) as u64;
        let half = ms / 2;
        Duration::from_millis(half + rng.below_or_eq(ms - half))
    }

    /// The wait before retrying after `error`: the server's `Retry-After` when it gave one
    /// (capped at `max_delay`), else the jittered backoff. `date` is the response's `Date`
    /// header, the reference for an HTTP-date `Retry-After` (the core has no clock).
    pub fn delay_after(
        &self,
        retry: u32,
        error: &ApiError,
        date: Option<&str>,
        rng: &mut Rng,
    ) -> Duration {
        let server = match error.retry_after {
            Some(RetryAfter::Seconds(s)) => Some(Duration::from_secs(s)),
            Some(RetryAfter::At(at)) => date
                .and_then(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).ok())
                .map(|now| {
                    (at.chrono() - now.with_timezone(&chrono::Utc))
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                }),
            None => None,
        };
        match server {
            Some(d) => d.min(self.max_delay),
            None => self.backoff(retry, rng),
        }
    }
}

/// Whether an HTTP error is worth retrying: 429 and 5xx are; `UNKNOWN_RESULTS_ID` is "not
/// ready yet" and handled by the call itself; every other 4xx says the request is wrong and
/// sending it again cannot help.
pub fn is_retryable_api_error(e: &ApiError) -> bool {
    if e.code == Some(ErrorCode::ConsentExpired) {
        return false;
    }
    e.http_status == 429 || (500..600).contains(&e.http_status)
}

/// What is known of a request that went out (or tried to), for the rule of re-sending.
///
/// Ordered by what it proves: once a request may have reached Lean, nothing learnt later
/// makes it "not sent" again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Delivery {
    /// The transport proves it never left (refused, no route, connect timeout).
    NotSent,
    /// It may have reached Lean: timed out, reset or cut after it was written.
    MayHaveReached,
    /// Lean answered it, whatever the answer: an error, a 2xx we could not read, PENDING.
    Answered,
}

/// The one rule of re-sending, for every request of every endpoint: a request that is safe
/// to repeat ([`crate::request::Endpoint::is_idempotent`]) may go out again; any other (create
/// customer, name verification, anything that moves money) only when the transport proves
/// the earlier attempt never left. A 2xx we could not decode, a 401, a 429, a 5xx: Lean
/// answered, so a non-idempotent request is not sent again, and the caller gets the answer.
pub fn may_resend(idempotent: bool, delivered: Delivery) -> bool {
    idempotent || delivered == Delivery::NotSent
}

/// A failure below HTTP: the request may or may not have reached Lean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportError {
    /// Could not connect (DNS, refused, TLS handshake): Lean never saw the request.
    Connect,
    /// The timeout passed. `request_sent` says whether the request left (then Lean may be
    /// working on it).
    TimedOut {
        /// Whether the request was written before the timeout.
        request_sent: bool,
    },
    /// The connection was reset or closed mid-exchange.
    Reset {
        /// Whether the request was written first.
        request_sent: bool,
    },
    /// The response (headers or body) was larger than the client accepts. Lean did answer;
    /// asking again would get the same answer, so this is never retried.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The answer carried another request's `lean-correlation-id` (one of the ids this SDK
    /// generates, not this request's): it belongs to someone else, and is never handed to
    /// the call. The request itself was sent.
    ForeignAnswer,
}

impl TransportError {
    /// A short lower-case name (`connect`, `timeout`, `reset`, `too_large`, `foreign_answer`):
    /// the `error.type` of traces and the label of metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            TransportError::Connect => "connect",
            TransportError::TimedOut { .. } => "timeout",
            TransportError::Reset { .. } => "reset",
            TransportError::TooLarge { .. } => "too_large",
            TransportError::ForeignAnswer => "foreign_answer",
        }
    }

    /// Whether Lean may have received the request.
    pub fn may_have_reached_lean(&self) -> bool {
        match self {
            TransportError::Connect => false,
            TransportError::TimedOut { request_sent } | TransportError::Reset { request_sent } => {
                *request_sent
            }
            TransportError::TooLarge { .. } | TransportError::ForeignAnswer => true,
        }
    }
}

impl std::error::Error for TransportError {}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Connect => f.write_str("could not connect"),
            TransportError::TimedOut { request_sent: true } => {
                f.write_str("timed out waiting for the response")
            }
            TransportError::TimedOut {
                request_sent: false,
            } => f.write_str("timed out before the request was sent"),
            TransportError::Reset { .. } => f.write_str("connection reset"),
            TransportError::ForeignAnswer => {
                f.write_str("the answer carried another request's lean-correlation-id")
            }
            TransportError::TooLarge { limit } => {
                write!(f, "response larger than the {limit}-byte limit")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, retry_after: Option<RetryAfter>) -> ApiError {
        ApiError {
            http_status: status,
            code: None,
            message: None,
            results_id: None,
            timestamp: None,
            correlation_id: None,
            retry_after,
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered_deterministically() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for retry in 0..10 {
            let d = p.backoff(retry, &mut a);
            assert_eq!(d, p.backoff(retry, &mut b), "same seed, same wait");
            let cap = (100u64 << retry).min(1000);
            assert!(
                d.as_millis() as u64 >= cap / 2 && d.as_millis() as u64 <= cap,
                "{retry}: {d:?}"
            );
        }
        // Huge retry numbers do not overflow.
        assert!(p.backoff(u32::MAX, &mut a) <= Duration::from_millis(1000));
    }

    #[test]
    fn retry_after_both_forms() {
        let p = RetryPolicy::default();
        let mut r = Rng::new(1);
        assert_eq!(
            p.delay_after(0, &api(429, Some(RetryAfter::Seconds(3))), None, &mut r),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay_after(0, &api(429, Some(RetryAfter::Seconds(3600))), None, &mut r),
            p.max_delay
        );
        let at = RetryAfter::parse("Wed, 21 Oct 2015 07:28:10 GMT").unwrap();
        assert_eq!(
            p.delay_after(
                0,
                &api(503, Some(at)),
                Some("Wed, 21 Oct 2015 07:28:00 GMT"),
                &mut r
            ),
            Duration::from_secs(10)
        );
        // In the past: no wait.
        assert_eq!(
            p.delay_after(
                0,
                &api(503, Some(at)),
                Some("Wed, 21 Oct 2015 08:00:00 GMT"),
                &mut r
            ),
            Duration::ZERO
        );
    }

    #[test]
    fn only_what_is_safe_to_repeat_is_sent_again() {
        for delivered in [
            Delivery::NotSent,
            Delivery::MayHaveReached,
            Delivery::Answered,
        ] {
            assert!(may_resend(true, delivered));
            assert_eq!(may_resend(false, delivered), delivered == Delivery::NotSent);
        }
        assert!(Delivery::NotSent < Delivery::MayHaveReached);
        assert!(Delivery::MayHaveReached < Delivery::Answered);
    }

    #[test]
    fn which_errors_retry() {
        assert!(is_retryable_api_error(&api(429, None)));
        assert!(is_retryable_api_error(&api(500, None)));
        assert!(is_retryable_api_error(&api(503, None)));
        assert!(!is_retryable_api_error(&api(400, None)));
        assert!(!is_retryable_api_error(&api(404, None)));
        let mut consent = api(403, None);
        consent.code = Some(ErrorCode::ConsentExpired);
        assert!(!is_retryable_api_error(&consent));
    }
}
