//! Fault injection: seeded, per route, with a probability or a count.

use serde::{Deserialize, Serialize};

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// An HTTP 5xx with Lean's error body.
    ServerError {
        /// 500, 502, 503, …
        status: u16,
    },
    /// 429 `RATE_LIMIT_EXCEEDED` with `Retry-After`.
    RateLimited {
        /// Seconds in `Retry-After`.
        retry_after: u64,
    },
    /// The connection is cut before a response is complete.
    Reset,
    /// The bank takes this long (Lean time) for this request, instead of the configured latency.
    SlowBank {
        /// Seconds of Lean time.
        seconds: u64,
    },
    /// The answer is held this long (real milliseconds) before it is sent.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
    /// A 200 whose body is cut in half.
    Truncated,
    /// A 200 whose body is not JSON.
    Malformed,
    /// `status: FAILED` with this granular code.
    Failed {
        /// e.g. `BANK_ISSUE`, `DISABLED_BY_CLIENT`.
        granular_status_code: String,
    },
    /// v1 `RECONNECT_REQUIRED`.
    ReconnectRequired,
    /// 403 `CONSENT_EXPIRED`.
    ConsentExpired,
    /// The `results.ready` of this request is never sent.
    WebhookLost,
    /// The `results.ready` of this request is sent twice.
    WebhookDuplicated,
    /// The `results.ready` of this request is sent before its PENDING answer.
    WebhookEarly,
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Route name (`token`, `accounts`, `transactions`, `results`, `income`, …) or `*`.
    #[serde(default = "any_route")]
    pub route: String,
    /// The fault.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Chance per matching request (0..=1).
    #[serde(default = "always")]
    pub probability: f64,
    /// Applies this many times, then is gone (none: forever).
    #[serde(default)]
    pub count: Option<u32>,
}

fn any_route() -> String {
    "*".into()
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// A fault on every route with a probability.
    pub fn rate(kind: FaultKind, probability: f64) -> Self {
        FaultRule {
            route: "*".into(),
            kind,
            probability,
            count: None,
        }
    }

    /// A fault on one route, `count` times.
    pub fn next(route: &str, kind: FaultKind, count: u32) -> Self {
        FaultRule {
            route: route.into(),
            kind,
            probability: 1.0,
            count: Some(count),
        }
    }

    pub(crate) fn matches(&self, route: &str) -> bool {
        self.route == "*" || self.route == route
    }

    pub(crate) fn is_webhook_fault(&self) -> bool {
        matches!(
            self.kind,
            FaultKind::WebhookLost | FaultKind::WebhookDuplicated | FaultKind::WebhookEarly
        )
    }
}
