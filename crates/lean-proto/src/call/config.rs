//! How patient a call is: [`CallConfig`], the policy a driver hands to every call.

use crate::retry::RetryPolicy;
use std::time::Duration;

/// How patient a call is. The defaults suit a backend calling Lean.
///
/// Non-exhaustive (a policy may grow): start from `CallConfig::default()` and set fields, or
/// use the `with_*` methods.
///
/// ```
/// use lean_proto::call::CallConfig;
/// use std::time::Duration;
/// let quick = CallConfig::default()
///     .with_deadline(Duration::from_secs(60))
///     .with_webhook_grace(Duration::from_secs(2));
/// let mut patient = CallConfig::default();
/// patient.deadline = Duration::from_secs(3600);
/// # let _ = (quick, patient);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallConfig {
    /// Per-request timeout of a synchronous data request. Lean answers PENDING after 50 s of
    /// bank time, so anything shorter would cut the connection just before Lean hands over the
    /// `results_id`, and the work Lean started would be lost. Default 65 s.
    pub sync_timeout: Duration,
    /// Per-request timeout of everything else (async requests, results, tokens). Default 30 s.
    pub request_timeout: Duration,
    /// The whole call, from start to outcome. Default 15 min (Lean retries webhooks at 1, 2, 5
    /// and 10 minutes; polling covers the gaps).
    pub deadline: Duration,
    /// After PENDING, how long to wait for `results.ready` before polling the results.
    /// Default 10 s.
    pub webhook_grace: Duration,
    /// Backoff of results polling after the grace period (`UNKNOWN_RESULTS_ID` means "not yet").
    pub poll: RetryPolicy,
    /// Retries of 429, 5xx, transport errors and retryable FAILED answers.
    pub retry: RetryPolicy,
    /// Most requests one call may send, tokens included. Default 64.
    pub max_requests: u32,
    /// Seed of the jitter. The core adds no randomness of its own: the same seed gives the same
    /// waits (tests rely on it). Adapters mix per-call entropy into it, so that clients that
    /// failed together do not retry together.
    pub seed: u64,
    /// `lean-correlation-id` to send with every request of the call.
    pub correlation_id: Option<String>,
    /// Ask `async=true` from the start (Lean then always answers PENDING).
    pub asynchronous: bool,
    /// How long to wait after Lean answers `DUPLICATED_REQUEST` (it is still working on the
    /// same request, typically the one a timed-out synchronous request left running) before
    /// asking again. Lean says to wait about a minute; default 60 s, plus up to 10 % jitter.
    /// These waits do not use up `retry`: only the deadline and `max_requests` bound them.
    pub duplicate_backoff: Duration,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            sync_timeout: Duration::from_secs(65),
            request_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(15 * 60),
            webhook_grace: Duration::from_secs(10),
            poll: RetryPolicy {
                max_retries: u32::MAX,
                base_delay: Duration::from_secs(2),
                max_delay: Duration::from_secs(30),
            },
            retry: RetryPolicy::default(),
            max_requests: 64,
            seed: 0x1ea4_5eed,
            correlation_id: None,
            asynchronous: false,
            duplicate_backoff: Duration::from_secs(60),
        }
    }
}

impl CallConfig {
    /// With this deadline for the whole call.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }
    /// With this timeout for a synchronous data request (keep it above Lean's 50 s).
    pub fn with_sync_timeout(mut self, timeout: Duration) -> Self {
        self.sync_timeout = timeout;
        self
    }
    /// With this timeout for every other request.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
    /// With this wait for `results.ready` before polling.
    pub fn with_webhook_grace(mut self, grace: Duration) -> Self {
        self.webhook_grace = grace;
        self
    }
    /// With this results-polling backoff.
    pub fn with_poll(mut self, poll: RetryPolicy) -> Self {
        self.poll = poll;
        self
    }
    /// With this retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
    /// With this request budget.
    pub fn with_max_requests(mut self, max: u32) -> Self {
        self.max_requests = max;
        self
    }
    /// With this jitter seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// With this `lean-correlation-id` on every request (printable ASCII, spaces and tabs;
    /// other text makes the request `RequestError::InvalidHeader`).
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }
    /// Asking `async=true` from the start, or not.
    pub fn with_asynchronous(mut self, on: bool) -> Self {
        self.asynchronous = on;
        self
    }
    /// With this wait after `DUPLICATED_REQUEST`.
    pub fn with_duplicate_backoff(mut self, wait: Duration) -> Self {
        self.duplicate_backoff = wait;
        self
    }
}
