//! The call: one logical data request driven to exactly one outcome, through Lean's PENDING
//! fallback, retries, token renewal and results polling.
//!
//! This module owns every transition of that journey; `docs/state-machine.md` draws them. It is
//! sans-IO: inputs are `handle_*(.., now)`, outputs are drained with [`Call::poll_transmit`]
//! and [`Call::poll_outcome`], and [`Call::poll_timeout`] is the one deadline to wake up at.
//! It never sleeps, never reads a clock, never holds a callback.
//!
//! A driver (the adapters are ~30 lines of this) runs:
//!
//! ```text
//! loop {
//!     if let Some(outcome) = call.poll_outcome() { return outcome }
//!     if let Some(tx) = call.poll_transmit(now, &ctx) {
//!         match send(tx.request, tx.timeout) {
//!             Ok(resp) => call.handle_response(tx.id, resp, now, &ctx),
//!             Err(e)   => call.handle_transport_error(tx.id, e, now, &ctx),
//!         }
//!         continue;
//!     }
//!     wait until call.poll_timeout() or a results.ready wake-up;
//!     call.handle_timeout(now, &ctx);
//! }
//! ```
//!
//! Where a PENDING answer is handled: `Call::on_pending`, in this file.

use crate::auth::{Credential, FetchTicket, TokenAccess, TokenCache, TokenError};
use crate::config::{ApiGeneration, BaseUrl};
use crate::correlation;
use crate::enums::{ErrorCode, GranularStatusCode};
use crate::ids::ResultsId;
use crate::request::{Auth, Endpoint, GetResults, RequestError, Target};
use crate::response::{
    ApiError, DecodeError, EnvelopeInfo, Failed, Outcome, Payload, ReconnectRequired, classify,
};
use crate::results::ResultsRegistry;
use crate::retry::{Delivery, RetryPolicy, TransportError, is_retryable_api_error, may_resend};
use crate::rng::Rng;
use crate::secret::Secret;
use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

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
    /// With this `lean-correlation-id` on every request.
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

/// Identifies a request the call emitted; hand it back with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransmitId(u64);

/// What a request is for (for logs, progress displays and transcripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The OAuth2 token fetch.
    Token,
    /// The data request itself; `asynchronous` when sent with `async=true`.
    Data {
        /// `async=true`.
        asynchronous: bool,
    },
    /// `GET …/results/{results_id}`; `poll` when no `results.ready` was seen.
    Results {
        /// Sent without having seen `results.ready`.
        poll: bool,
    },
}

/// "Send this request, with this timeout."
///
/// `Debug` shows the method, URI and body length, never headers or body: a token request's
/// body carries the client secret, and data requests carry the bearer token.
pub struct Transmit {
    /// Hand back with the answer.
    pub id: TransmitId,
    /// The request.
    pub request: http::Request<Vec<u8>>,
    /// Give up on the answer after this long (then report [`TransportError::TimedOut`]).
    pub timeout: Duration,
    /// What it is for.
    pub purpose: Purpose,
}

impl fmt::Debug for Transmit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transmit")
            .field("id", &self.id)
            .field("method", self.request.method())
            .field("uri", self.request.uri())
            .field("body_len", &self.request.body().len())
            .field("timeout", &self.timeout)
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// What the call waits for between requests (for progress displays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// A request is out.
    Response,
    /// Backing off before a retry.
    Backoff,
    /// PENDING: waiting for `results.ready` (or the next poll) for this id.
    Results(ResultsId),
    /// Another call is fetching the token.
    Token,
    /// Nothing: the call has something to send, or is done.
    Nothing,
}

/// Shared state a call works with: the token cache and the results registry. Both synchronise
/// themselves, each for one short decision at a time, so a driver lends them to many calls at
/// once and never holds a lock of its own across a step.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Tokens of the credential.
    pub tokens: &'a TokenCache,
    /// Pending results of all calls.
    pub results: &'a dyn ResultsRegistry,
}

/// What [`Call::abandon`] released, so the driver can tell whoever waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
pub struct Released {
    /// The call was fetching the token: calls waiting for a token must look again now.
    pub token_fetch: bool,
}

/// `now + wait` that cannot overflow: a wait too long to represent becomes "far away" (about
/// thirty years), which every caller treats the same as "never".
fn later(now: Instant, wait: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
    now.checked_add(wait.min(FAR))
        .or_else(|| now.checked_add(Duration::from_secs(24 * 3600)))
        .unwrap_or(now)
}

/// A successful outcome.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallData<P> {
    /// The typed payload.
    pub payload: P,
    /// Envelope fields.
    pub info: EnvelopeInfo,
    /// `lean-correlation-id` of the answer.
    pub correlation_id: Option<String>,
    /// Set when the data came through `…/results/{results_id}` (after PENDING): further
    /// pages must be read from there, not by asking the bank again.
    pub results_id: Option<ResultsId>,
    /// Requests the call sent (tokens included).
    pub requests: u32,
}

/// Why a call ended without data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallErrorKind {
    /// You misused the API (the request could not be built).
    Misuse(RequestError),
    /// Lean answered an HTTP error that retrying cannot fix, or retries ran out.
    Api(ApiError),
    /// The bank or Lean failed the request (`status: FAILED`).
    DataFailed(Failed),
    /// v1: the user must reconnect; the results follow `results.ready` after that.
    ReconnectRequired(ReconnectRequired),
    /// 403 `CONSENT_EXPIRED`: the user must reconnect to give a new consent.
    ConsentExpired(ApiError),
    /// No access token could be had.
    Auth(TokenError),
    /// The overall deadline passed.
    DeadlineExceeded,
    /// Lean answered `DUPLICATED_REQUEST` until the deadline: the same request is still
    /// running there (typically a synchronous one whose answer timed out). Ask again later.
    DuplicatedRequest {
        /// `DUPLICATED_REQUEST` answers seen.
        refused: u32,
    },
    /// The call sent as many requests as it may.
    RequestBudgetExhausted,
    /// Lean's answer could not be understood.
    Decode(DecodeError),
    /// The network failed and retries ran out (or the request was not safe to repeat).
    Transport(TransportError),
    /// A data refresh waited for ended without finishing (see [`crate::refresh_wait`]).
    RefreshFailed {
        /// The refresh.
        refresh_id: crate::ids::RefreshId,
        /// Its final status.
        status: crate::enums::RefreshStatus,
    },
}

/// A call's failure. `results_id` is set whenever Lean had given one: keep it, and
/// [`Call::resume`] later; nothing is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// What happened.
    pub kind: CallErrorKind,
    /// The `results_id` of the request, when Lean gave one.
    pub results_id: Option<ResultsId>,
    /// `lean-correlation-id` of the last answer, when there was one.
    pub correlation_id: Option<String>,
    /// The last transient failure seen before giving up (for deadline and budget errors).
    pub last_error: Option<String>,
}

impl CallError {
    /// True when the caller misused the API, false when Lean or the network misbehaved.
    pub fn is_misuse(&self) -> bool {
        matches!(self.kind, CallErrorKind::Misuse(_))
            || matches!(self.kind, CallErrorKind::Auth(TokenError::Misuse(_)))
    }

    /// Lean's HTTP error, when Lean (or its token server) answered one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match &self.kind {
            CallErrorKind::Api(e) | CallErrorKind::ConsentExpired(e) => Some(e),
            CallErrorKind::Auth(TokenError::Rejected(e) | TokenError::Unavailable(e)) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CallErrorKind::Misuse(e) => write!(f, "invalid request: {e}")?,
            CallErrorKind::Api(e) => write!(f, "{e}")?,
            CallErrorKind::DataFailed(x) => write!(f, "{x}")?,
            CallErrorKind::ReconnectRequired(r) => write!(f, "{r}")?,
            CallErrorKind::ConsentExpired(e) => write!(f, "consent expired: {e}")?,
            CallErrorKind::Auth(e) => write!(f, "{e}")?,
            CallErrorKind::DeadlineExceeded => f.write_str("deadline exceeded")?,
            CallErrorKind::DuplicatedRequest { refused } => write!(
                f,
                "deadline reached while Lean was still working on the same request \
                 (DUPLICATED_REQUEST {refused} time(s)); ask again later"
            )?,
            CallErrorKind::RequestBudgetExhausted => f.write_str("request budget exhausted")?,
            CallErrorKind::Decode(e) => write!(f, "{e}")?,
            CallErrorKind::Transport(e) => write!(f, "network error: {e}")?,
            CallErrorKind::RefreshFailed { refresh_id, status } => {
                write!(f, "data refresh {refresh_id} ended {status}")?
            }
        }
        if let Some(last) = &self.last_error {
            write!(f, "; last error: {last}")?;
        }
        if let Some(id) = &self.results_id {
            write!(f, "; results_id {id} (resume with it)")?;
        }
        if let Some(c) = &self.correlation_id {
            write!(f, " (lean-correlation-id {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            CallErrorKind::Misuse(e) => Some(e),
            CallErrorKind::Api(e) | CallErrorKind::ConsentExpired(e) => Some(e),
            CallErrorKind::DataFailed(e) => Some(e),
            CallErrorKind::ReconnectRequired(e) => Some(e),
            CallErrorKind::Auth(e) => Some(e),
            CallErrorKind::Decode(e) => Some(e),
            CallErrorKind::Transport(e) => Some(e),
            CallErrorKind::DeadlineExceeded
            | CallErrorKind::DuplicatedRequest { .. }
            | CallErrorKind::RequestBudgetExhausted
            | CallErrorKind::RefreshFailed { .. } => None,
        }
    }
}

/// Builds the call's data request; object-safe so one call type serves every endpoint.
trait Spec<P>: Send {
    fn build(
        &self,
        target: &Target<'_>,
        asynchronous: bool,
    ) -> Result<http::Request<Vec<u8>>, RequestError>;
    fn supports_async(&self) -> bool;
    /// The results request of a PENDING answer; `used` is the generation of the credential
    /// the data request went with (routes that take either answer results on that one's path).
    fn results(&self, results_id: ResultsId, used: ApiGeneration) -> GetResults<P>;
    fn is_idempotent(&self) -> bool;
    fn generation(&self) -> ApiGeneration;
}

impl<E> Spec<E::Output> for E
where
    E: Endpoint + Clone + Send,
{
    fn build(
        &self,
        target: &Target<'_>,
        asynchronous: bool,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        let mut e = self.clone();
        e.set_asynchronous(asynchronous);
        e.build(target)
    }
    fn supports_async(&self) -> bool {
        self.clone().set_asynchronous(true)
    }
    fn results(&self, results_id: ResultsId, used: ApiGeneration) -> GetResults<E::Output> {
        let mut r = GetResults::with_generation(results_id, used);
        if used == ApiGeneration::V2 {
            // The results of page N are read as page N, at the same size.
            r.page = self.page();
            r.size = self.page_size();
        }
        r
    }
    fn is_idempotent(&self) -> bool {
        Endpoint::is_idempotent(self)
    }
    fn generation(&self) -> ApiGeneration {
        Endpoint::generation(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Data,
    Results,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Ready to send the request of this phase.
    Send(Phase),
    /// A request is out (see `in_flight`).
    InFlight,
    /// Waiting before sending the request of this phase again.
    Backoff {
        until: Instant,
        then: Phase,
        why: Pause,
    },
    /// PENDING: waiting for `results.ready`; poll the results at `poll_at` anyway.
    AwaitResults { poll_at: Instant },
    /// Another call is fetching the token; try again at `until` at the latest.
    WaitToken { until: Instant, then: Phase },
    /// The outcome is decided.
    Done,
}

/// Why a call waits before sending again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pause {
    /// A retry's backoff.
    Retry,
    /// Lean is still working on the same request (`DUPLICATED_REQUEST`).
    Duplicate,
}

#[derive(Debug)]
struct InFlight {
    id: TransmitId,
    /// The `lean-correlation-id` it was sent with (none for a token fetch).
    correlation_id: Option<String>,
    token: Option<Secret>,
    ticket: Option<FetchTicket>,
    /// The phase whose request is out (for a token fetch: the phase it serves).
    phase: Phase,
}

/// One logical data request, from first byte to outcome. See the module docs.
pub struct Call<P: Payload> {
    spec: Box<dyn Spec<P>>,
    results_spec: Option<GetResults<P>>,
    config: CallConfig,
    api_base: BaseUrl,
    state: State,
    deadline: Instant,
    rng: Rng,
    results_id: Option<ResultsId>,
    registered: bool,
    asynchronous: bool,
    switched_to_async: bool,
    retries: u32,
    /// What became of the data request's attempts so far (the rule of re-sending reads it).
    data_delivery: Delivery,
    /// Draws the `lean-correlation-id` of each request (apart from `rng`, so ids never shift
    /// the jitter).
    ids: Rng,
    /// `DUPLICATED_REQUEST` answers seen (waited out with `duplicate_backoff`).
    duplicates: u32,
    polls: u32,
    requests: u32,
    /// Tokens Lean answered 401 to during this call (each is replayed once with a newer one).
    auth_rejected: Vec<Secret>,
    validated: bool,
    next_tx: u64,
    in_flight: Option<InFlight>,
    early: VecDeque<ResultsId>,
    saw_ready: bool,
    last_error: Option<String>,
    correlation_id: Option<String>,
    outcome: Option<Result<CallData<P>, CallError>>,
    submit_only: bool,
    submitted: Option<ResultsId>,
}

impl<P: Payload> fmt::Debug for Call<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("state", &self.state)
            .field("results_id", &self.results_id)
            .field("requests", &self.requests)
            .field("asynchronous", &self.asynchronous)
            .finish_non_exhaustive()
    }
}

const MAX_EARLY: usize = 16;
/// Different tokens a call may see refused with 401 before the 401 is its answer.
const MAX_AUTH_REPLAYS: usize = 3;

impl<P: Payload + 'static> Call<P> {
    /// Starts a call for `endpoint` at `now`.
    pub fn new<E>(endpoint: E, api_base: BaseUrl, config: CallConfig, now: Instant) -> Self
    where
        E: Endpoint<Output = P> + Clone + Send + 'static,
    {
        // The endpoint's own `async=true` counts as much as the call's.
        let asynchronous =
            (config.asynchronous || endpoint.is_asynchronous()) && Spec::supports_async(&endpoint);
        Call {
            spec: Box::new(endpoint),
            results_spec: None,
            deadline: later(now, config.deadline),
            rng: Rng::new(config.seed),
            ids: Rng::new(config.seed ^ 0xC0AA_E1A7_10D5_0000),
            data_delivery: Delivery::NotSent,
            api_base,
            state: State::Send(Phase::Data),
            results_id: None,
            registered: false,
            asynchronous,
            switched_to_async: false,
            retries: 0,
            duplicates: 0,
            polls: 0,
            requests: 0,
            auth_rejected: Vec::new(),
            validated: false,
            next_tx: 1,
            in_flight: None,
            early: VecDeque::new(),
            saw_ready: false,
            last_error: None,
            correlation_id: None,
            outcome: None,
            submit_only: false,
            submitted: None,
            config,
        }
    }

    /// Sends `endpoint` with `async=true` and stops at Lean's PENDING answer: the
    /// `results_id` comes out of [`Call::poll_submitted`] for the caller to persist, and
    /// [`Call::resume`] (perhaps in another process) fetches the data later. An endpoint
    /// without an async flag answers with data, which comes out of [`Call::poll_outcome`].
    pub fn submit<E>(endpoint: E, api_base: BaseUrl, config: CallConfig, now: Instant) -> Self
    where
        E: Endpoint<Output = P> + Clone + Send + 'static,
    {
        let mut call = Call::new(
            endpoint,
            api_base,
            CallConfig {
                asynchronous: true,
                ..config
            },
            now,
        );
        call.submit_only = true;
        call
    }

    /// Picks up the results of a request that answered PENDING earlier (perhaps in another
    /// process): polls them now, then waits for `results.ready` with polling, until the
    /// deadline. `generation` is the original request's; `page`/`size` the page wanted.
    pub fn resume(
        results_id: ResultsId,
        generation: ApiGeneration,
        api_base: BaseUrl,
        config: CallConfig,
        now: Instant,
    ) -> Self {
        let results: GetResults<P> = GetResults::with_generation(results_id.clone(), generation);
        let mut call = Call::new(results.clone(), api_base, config, now);
        call.results_spec = Some(results);
        call.results_id = Some(results_id);
        call.state = State::Send(Phase::Results);
        call
    }
}

impl<P: Payload> Call<P> {
    /// The `results_id` Lean gave this call, if any: persist it to survive a restart.
    pub fn results_id(&self) -> Option<&ResultsId> {
        self.results_id.as_ref()
    }

    /// What the call is waiting for.
    pub fn waiting(&self) -> Waiting {
        match &self.state {
            State::InFlight => Waiting::Response,
            State::Backoff { .. } => Waiting::Backoff,
            State::AwaitResults { .. } => self
                .results_id
                .clone()
                .map(Waiting::Results)
                .unwrap_or(Waiting::Nothing),
            State::WaitToken { .. } => Waiting::Token,
            State::Send(_) | State::Done => Waiting::Nothing,
        }
    }

    /// Whether the outcome is decided (it may not have been taken yet).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Requests sent so far.
    pub fn requests_sent(&self) -> u32 {
        self.requests
    }

    /// For a [`Call::submit`]: the `results_id` Lean answered PENDING with, once.
    pub fn poll_submitted(&mut self) -> Option<ResultsId> {
        self.submitted.take()
    }

    /// The outcome, once: data or a typed error.
    pub fn poll_outcome(&mut self) -> Option<Result<CallData<P>, CallError>> {
        self.outcome.take()
    }

    /// The instant to call [`Call::handle_timeout`] at, if the call is waiting for time;
    /// `None` once it is done.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = match &self.state {
            State::Done => return None,
            State::Backoff { until, .. } | State::WaitToken { until, .. } => Some(*until),
            State::AwaitResults { poll_at } => Some(*poll_at),
            State::Send(_) | State::InFlight => None,
        };
        Some(timer.map_or(self.deadline, |t| t.min(self.deadline)))
    }

    /// The next request to send, if the call has one now.
    pub fn poll_transmit(&mut self, now: Instant, ctx: &Context<'_>) -> Option<Transmit> {
        let phase = match self.state {
            State::Send(phase) => phase,
            _ => return None,
        };
        if now >= self.deadline {
            self.fail(ctx, CallErrorKind::DeadlineExceeded);
            return None;
        }
        if self.requests >= self.config.max_requests {
            self.fail(ctx, CallErrorKind::RequestBudgetExhausted);
            return None;
        }
        if !self.validated {
            // Misuse must never cost a request (not even a token fetch): build once with a
            // placeholder token first.
            self.validated = true;
            let placeholder = Secret::new("validation");
            let auth = match self.spec.generation() {
                ApiGeneration::V2 => Auth::Bearer(&placeholder),
                ApiGeneration::V1 => Auth::AppToken(&placeholder),
            };
            let target = Target {
                api_base: &self.api_base,
                auth,
                correlation_id: self.config.correlation_id.as_deref(),
            };
            if let Err(e) = self.spec.build(&target, self.asynchronous) {
                self.fail(ctx, CallErrorKind::Misuse(e));
                return None;
            }
        }
        let remaining = self.deadline - now;
        let access = match ctx.tokens.access(now) {
            Ok(a) => a,
            Err(e) => {
                self.fail(ctx, CallErrorKind::Auth(e));
                return None;
            }
        };
        let id = TransmitId(self.next_tx);
        match access {
            TokenAccess::Wait(until) => {
                self.state = State::WaitToken { until, then: phase };
                None
            }
            TokenAccess::Fetch(ticket, request) => {
                self.next_tx += 1;
                self.requests += 1;
                self.in_flight = Some(InFlight {
                    id,
                    correlation_id: None,
                    token: None,
                    ticket: Some(ticket),
                    phase,
                });
                self.state = State::InFlight;
                Some(Transmit {
                    id,
                    request,
                    timeout: self.config.request_timeout.min(remaining),
                    purpose: Purpose::Token,
                })
            }
            TokenAccess::Ready(credential) => {
                let token = match &credential {
                    Credential::Bearer(t) => Some(t.clone()),
                    Credential::AppToken(_) => None,
                };
                // Every request gets its own id unless the caller chose one: an answer that
                // echoes another request's id is refused (see `handle_response`).
                let correlation = match &self.config.correlation_id {
                    Some(c) => c.clone(),
                    None => correlation::generate(&mut self.ids),
                };
                let target = Target {
                    api_base: &self.api_base,
                    auth: credential.auth(),
                    correlation_id: Some(&correlation),
                };
                let (built, purpose, timeout) = match phase {
                    Phase::Data => (
                        self.spec.build(&target, self.asynchronous),
                        Purpose::Data {
                            asynchronous: self.asynchronous,
                        },
                        if self.asynchronous {
                            self.config.request_timeout
                        } else {
                            self.config.sync_timeout
                        },
                    ),
                    Phase::Results => {
                        let Some(rid) = self.results_id.clone() else {
                            unreachable!("the results phase starts only with a results_id")
                        };
                        let used = target.auth.generation();
                        let spec = self
                            .results_spec
                            .get_or_insert_with(|| self.spec.results(rid, used));
                        (
                            Endpoint::build(spec, &target),
                            Purpose::Results {
                                poll: !self.saw_ready,
                            },
                            self.config.request_timeout,
                        )
                    }
                };
                match built {
                    Ok(request) => {
                        self.next_tx += 1;
                        self.requests += 1;
                        self.in_flight = Some(InFlight {
                            id,
                            correlation_id: Some(correlation),
                            token,
                            ticket: None,
                            phase,
                        });
                        self.state = State::InFlight;
                        Some(Transmit {
                            id,
                            request,
                            timeout: timeout.min(remaining),
                            purpose,
                        })
                    }
                    Err(e) => {
                        self.fail(ctx, CallErrorKind::Misuse(e));
                        None
                    }
                }
            }
        }
    }

    /// Lean (or the token server) answered request `id`.
    pub fn handle_response(
        &mut self,
        id: TransmitId,
        response: http::Response<Vec<u8>>,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        let Some(flight) = self.take_in_flight(id) else {
            return;
        };
        if let Some(ticket) = flight.ticket {
            return self.on_token_response(ticket, flight.phase, &response, now, ctx);
        }
        let correlation = response
            .headers()
            .get(crate::response::CORRELATION_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Defense in depth against a transport that hands over another exchange's answer:
        // Lean echoes the `lean-correlation-id` it was sent. An echo that is one of *our* ids
        // (version-8 UUIDs; Lean's own are version 4) but not this request's belongs to
        // another request and never reaches the call. Any other id (Lean's own, when a route
        // does not echo) is accepted: refusing it would refuse Lean.
        if let (Some(sent), Some(echo)) = (&flight.correlation_id, &correlation)
            && echo != sent
            && correlation::is_generated(echo)
        {
            return self.on_transport_error(flight, TransportError::ForeignAnswer, now, ctx);
        }
        if flight.phase == Phase::Data {
            self.data_delivery = Delivery::Answered;
        }
        if correlation.is_some() {
            self.correlation_id = correlation;
        }
        // A 401 on a bearer token: the token expired or was revoked early. Forget it and
        // replay with a fresh one. A 401 to a token this call already saw refused is an
        // answer; a 401 to a newer one (a revocation that raced a renewal) is replayed too, up
        // to MAX_AUTH_REPLAYS tokens, so a credential that stays refused cannot loop. Only
        // what may be sent again is replayed: a non-idempotent request that Lean answered 401
        // ends with that answer, though its token is still forgotten for the calls after it.
        if response.status() == http::StatusCode::UNAUTHORIZED
            && let Some(token) = &flight.token
            && !self.auth_rejected.contains(token)
            && self.auth_rejected.len() < MAX_AUTH_REPLAYS
        {
            ctx.tokens.reject(token);
            self.auth_rejected.push(token.clone());
            if self.may_send_again(flight.phase) {
                self.state = State::Send(flight.phase);
                return;
            }
        }
        let date = response
            .headers()
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let outcome = match classify::<P>(&response) {
            Ok(o) => o,
            Err(e) => {
                // A 2xx whose body does not decode: a truncated or garbled transfer is
                // transient, a schema change is not; retries are bounded either way.
                self.last_error = Some(e.to_string());
                return self.retry_or_fail(ctx, flight.phase, now, None, CallErrorKind::Decode(e));
            }
        };
        match outcome {
            Outcome::Data(d) => {
                let via_results = flight.phase == Phase::Results;
                let data = CallData {
                    payload: d.payload,
                    info: d.info,
                    correlation_id: d.correlation_id,
                    results_id: if via_results {
                        self.results_id.clone()
                    } else {
                        None
                    },
                    requests: self.requests,
                };
                self.finish(ctx, Ok(data));
            }
            Outcome::Pending(p) => self.on_pending(p.results_id, now, ctx),
            Outcome::Failed(f) => {
                self.last_error = Some(format!(
                    "FAILED {:?}",
                    f.granular_status_code.as_ref().map(|c| c.as_str())
                ));
                if f.granular_status_code == Some(GranularStatusCode::DuplicatedRequest) {
                    return self.on_duplicated(
                        flight.phase,
                        CallErrorKind::DataFailed(f),
                        now,
                        ctx,
                    );
                }
                // A retryable FAILED asks the bank again: a new data request.
                if f.is_retryable()
                    && self.retries < self.config.retry.max_retries
                    && self.may_send_again(Phase::Data)
                {
                    // The failed results are final for their id; a new request gets a new one.
                    self.forget_results(ctx);
                    let wait = self.config.retry.backoff(self.retries, &mut self.rng);
                    self.retries += 1;
                    self.state = State::Backoff {
                        until: later(now, wait),
                        then: Phase::Data,
                        why: Pause::Retry,
                    };
                } else {
                    if self.results_id.is_none() {
                        self.results_id = f.results_id.clone();
                    }
                    self.fail(ctx, CallErrorKind::DataFailed(f));
                }
            }
            Outcome::ReconnectRequired(r) => {
                if self.results_id.is_none() {
                    self.results_id = r.results_id.clone();
                }
                self.fail(ctx, CallErrorKind::ReconnectRequired(r));
            }
            Outcome::ApiError(e) => self.on_api_error(e, flight.phase, date.as_deref(), now, ctx),
        }
    }

    /// The request `id` failed below HTTP.
    pub fn handle_transport_error(
        &mut self,
        id: TransmitId,
        error: TransportError,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        if let Some(flight) = self.take_in_flight(id) {
            self.on_transport_error(flight, error, now, ctx);
        }
    }

    /// The request of `flight` got no answer the call may use.
    fn on_transport_error(
        &mut self,
        flight: InFlight,
        error: TransportError,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        self.last_error = Some(error.to_string());
        if let Some(ticket) = flight.ticket {
            ctx.tokens.handle_fetch_failed(ticket);
            return self.retry_or_fail(
                ctx,
                flight.phase,
                now,
                None,
                CallErrorKind::Transport(error),
            );
        }
        if flight.phase == Phase::Data && error.may_have_reached_lean() {
            self.data_delivery = self.data_delivery.max(Delivery::MayHaveReached);
        }
        if let TransportError::TooLarge { .. } = error {
            // Lean answered, with more than we accept: asking again gets the same answer.
            return self.fail(ctx, CallErrorKind::Transport(error));
        }
        // The 50-second trap. A synchronous data request that timed out (or was cut) after it
        // left may be running at the bank right now; retrying it blindly would start the work
        // again and, with a short client timeout, lose it again. Asking again with async=true
        // makes Lean answer at once with a results_id, and the results arrive through
        // results.ready / polling instead of through a connection that keeps timing out.
        if flight.phase == Phase::Data
            && error.may_have_reached_lean()
            && !self.asynchronous
            && !self.switched_to_async
            && self.spec.supports_async()
            && self.may_send_again(Phase::Data)
        {
            self.asynchronous = true;
            self.switched_to_async = true;
            self.state = State::Send(Phase::Data);
            return;
        }
        if self.may_send_again(flight.phase) {
            self.retry_or_fail(
                ctx,
                flight.phase,
                now,
                None,
                CallErrorKind::Transport(error),
            );
        } else {
            self.fail(ctx, CallErrorKind::Transport(error));
        }
    }

    /// A verified `results.ready` for `results_id` arrived (directly, not via the registry).
    pub fn handle_results_ready(
        &mut self,
        results_id: &ResultsId,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        match &self.results_id {
            Some(mine) if mine == results_id => {
                self.saw_ready = true;
                if let State::AwaitResults { .. } = self.state {
                    self.state = State::Send(Phase::Results);
                }
            }
            Some(_) => {}
            // The webhook beat the PENDING answer: remember it (bounded) until we learn our id.
            None => {
                if self.early.len() == MAX_EARLY {
                    self.early.pop_front();
                }
                self.early.push_back(results_id.clone());
            }
        }
        self.handle_timeout(now, ctx);
    }

    /// Time passed: check the deadline, end a backoff, poll results, look for `results.ready`
    /// in the registry.
    pub fn handle_timeout(&mut self, now: Instant, ctx: &Context<'_>) {
        if self.state == State::Done {
            return;
        }
        if now >= self.deadline && self.state != State::InFlight {
            if let State::Backoff {
                why: Pause::Duplicate,
                ..
            } = self.state
            {
                let refused = self.duplicates;
                return self.fail(ctx, CallErrorKind::DuplicatedRequest { refused });
            }
            return self.fail(ctx, CallErrorKind::DeadlineExceeded);
        }
        match self.state.clone() {
            State::Backoff { until, then, .. } if now >= until => self.state = State::Send(then),
            // The fetch we waited for ended (a token, or room to fetch one ourselves), or it is
            // presumed abandoned: ask the cache again. While it is still out, stay: asking
            // again at once would only spin.
            State::WaitToken { until, then } if now >= until || !ctx.tokens.is_fetching(now) => {
                self.state = State::Send(then)
            }
            State::AwaitResults { poll_at } => {
                // Fetch at once on a readiness not acted on yet; after that (say Lean still
                // answered 404 right after the webhook) only on the polling schedule, so a
                // lingering "ready" can never spin.
                let newly_ready = !self.saw_ready
                    && self
                        .results_id
                        .as_ref()
                        .is_some_and(|id| ctx.results.is_ready(id));
                if newly_ready {
                    self.saw_ready = true;
                }
                if newly_ready || now >= poll_at {
                    self.state = State::Send(Phase::Results);
                }
            }
            _ => {}
        }
    }

    /// The caller gives up on the call (its future was dropped, its thread is leaving): release
    /// what it holds in shared state. Its registry entry goes, and a token fetch it had out is
    /// handed back, so the next caller starts one instead of waiting for the fetch timeout.
    /// The call is done afterwards, with no outcome.
    pub fn abandon(&mut self, ctx: &Context<'_>) -> Released {
        let mut released = Released::default();
        if let Some(flight) = self.in_flight.take()
            && let Some(ticket) = flight.ticket
        {
            ctx.tokens.handle_fetch_failed(ticket);
            released.token_fetch = true;
        }
        if self.registered {
            if let Some(id) = &self.results_id {
                ctx.results.unregister(id);
            }
            self.registered = false;
        }
        self.state = State::Done;
        released
    }

    /// Lean answered PENDING: the data will come through `results_id`. This is the one place
    /// that handles it.
    fn on_pending(&mut self, results_id: ResultsId, now: Instant, ctx: &Context<'_>) {
        if self.submit_only {
            // The caller keeps the results_id and resumes later; nobody waits here.
            self.results_id = Some(results_id.clone());
            self.submitted = Some(results_id);
            self.in_flight = None;
            self.state = State::Done;
            return;
        }
        if self.results_id.as_ref() != Some(&results_id) {
            self.forget_results(ctx);
            self.results_id = Some(results_id.clone());
            self.results_spec = None;
            self.saw_ready = false;
        }
        self.retries = 0;
        let early = self.early.iter().any(|id| *id == results_id);
        let registered_ready = if self.registered {
            ctx.results.is_ready(&results_id)
        } else {
            self.registered = true;
            ctx.results.register(&results_id, now)
        };
        if early || registered_ready {
            self.saw_ready = true;
            self.state = State::Send(Phase::Results);
        } else {
            self.state = State::AwaitResults {
                poll_at: later(now, self.config.webhook_grace),
            };
        }
    }

    /// Lean answered `DUPLICATED_REQUEST`: the same request is still running there (after the
    /// 50-second trap, the synchronous one whose answer timed out). Asking again at once would
    /// only be refused again; Lean says to wait about a minute. Wait `duplicate_backoff`
    /// (jittered up to +10 %) or what is left of the deadline, whichever is shorter, and ask
    /// again; still refused at the deadline, the call ends with
    /// [`CallErrorKind::DuplicatedRequest`]. With a `results_id` in hand the data comes from
    /// there: the results are polled on that schedule instead of asking again. The refused
    /// answer's own `results_id` is not adopted: it names a request that was turned away,
    /// and resuming with it would never bring data. `kind` is the answer, for a request that
    /// may not be sent again.
    fn on_duplicated(
        &mut self,
        phase: Phase,
        kind: CallErrorKind,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        let waits_for_results = phase == Phase::Results || self.results_id.is_some();
        if !waits_for_results && !self.may_send_again(Phase::Data) {
            // Not asked again: the refusal is the answer, as Lean gave it.
            return self.fail(ctx, kind);
        }
        let base = self.config.duplicate_backoff;
        let spread = (base / 10).as_millis() as u64;
        let wait = base.saturating_add(Duration::from_millis(self.rng.below_or_eq(spread)));
        let until = later(now, wait).min(self.deadline);
        self.duplicates = self.duplicates.saturating_add(1);
        self.last_error = Some(format!(
            "DUPLICATED_REQUEST: Lean is still working on the same request (refused {} time(s))",
            self.duplicates
        ));
        self.state = if waits_for_results {
            State::AwaitResults { poll_at: until }
        } else {
            State::Backoff {
                until,
                then: Phase::Data,
                why: Pause::Duplicate,
            }
        };
    }

    /// Whether the request of `phase` may go out again: [`may_resend`], the one rule, for the
    /// data request; results requests are GETs.
    fn may_send_again(&self, phase: Phase) -> bool {
        phase == Phase::Results || may_resend(self.spec.is_idempotent(), self.data_delivery)
    }

    fn on_api_error(
        &mut self,
        e: ApiError,
        phase: Phase,
        date: Option<&str>,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        self.last_error = Some(e.to_string());
        if phase == Phase::Results && e.code == Some(ErrorCode::UnknownResultsId) {
            // Not ready yet (or the webhook is late): keep waiting, polling with backoff.
            if let Some(id) = self.results_id.clone()
                && !self.registered
            {
                self.registered = true;
                if ctx.results.register(&id, now) {
                    self.saw_ready = true;
                }
            }
            let wait = self.config.poll.backoff(self.polls, &mut self.rng);
            self.polls = self.polls.saturating_add(1);
            self.state = State::AwaitResults {
                poll_at: later(now, wait),
            };
            return;
        }
        if phase == Phase::Data && e.code == Some(ErrorCode::DuplicatedRequest) {
            return self.on_duplicated(phase, CallErrorKind::Api(e), now, ctx);
        }
        if e.http_status == 403 && e.code == Some(ErrorCode::ConsentExpired) {
            return self.fail(ctx, CallErrorKind::ConsentExpired(e));
        }
        if is_retryable_api_error(&e) && self.may_send_again(phase) {
            let wait = self
                .config
                .retry
                .delay_after(self.retries, &e, date, &mut self.rng);
            return self.retry_or_fail(ctx, phase, now, Some(wait), CallErrorKind::Api(e));
        }
        self.fail(ctx, CallErrorKind::Api(e));
    }

    fn on_token_response(
        &mut self,
        ticket: FetchTicket,
        phase: Phase,
        response: &http::Response<Vec<u8>>,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        match ctx.tokens.handle_fetch_response(ticket, response, now) {
            Ok(()) => self.state = State::Send(phase),
            Err(TokenError::Unavailable(e)) => {
                self.last_error = Some(e.to_string());
                self.retry_or_fail(
                    ctx,
                    phase,
                    now,
                    None,
                    CallErrorKind::Auth(TokenError::Unavailable(e)),
                );
            }
            Err(e) => self.fail(ctx, CallErrorKind::Auth(e)),
        }
    }

    /// Waits and tries `phase` again, or gives up with `kind` when retries are spent.
    fn retry_or_fail(
        &mut self,
        ctx: &Context<'_>,
        phase: Phase,
        now: Instant,
        wait: Option<Duration>,
        kind: CallErrorKind,
    ) {
        if self.retries >= self.config.retry.max_retries || !self.may_send_again(phase) {
            return self.fail(ctx, kind);
        }
        let wait = wait.unwrap_or_else(|| self.config.retry.backoff(self.retries, &mut self.rng));
        self.retries += 1;
        if later(now, wait) >= self.deadline {
            // Waiting would outlive the deadline: say what we were waiting out.
            return self.fail(ctx, CallErrorKind::DeadlineExceeded);
        }
        self.state = State::Backoff {
            until: later(now, wait),
            then: phase,
            why: Pause::Retry,
        };
    }

    fn take_in_flight(&mut self, id: TransmitId) -> Option<InFlight> {
        match &self.in_flight {
            Some(f) if f.id == id && self.state == State::InFlight => self.in_flight.take(),
            _ => None, // stale or unknown: a late answer to something already settled
        }
    }

    fn forget_results(&mut self, ctx: &Context<'_>) {
        if let Some(id) = self.results_id.take()
            && self.registered
        {
            ctx.results.unregister(&id);
        }
        self.registered = false;
        self.results_spec = None;
        self.saw_ready = false;
        self.polls = 0;
    }

    fn fail(&mut self, ctx: &Context<'_>, kind: CallErrorKind) {
        let error = CallError {
            kind,
            results_id: self.results_id.clone(),
            correlation_id: self.correlation_id.clone(),
            last_error: self.last_error.clone(),
        };
        self.finish(ctx, Err(error));
    }

    fn finish(&mut self, ctx: &Context<'_>, outcome: Result<CallData<P>, CallError>) {
        if self.state == State::Done {
            return;
        }
        if self.registered {
            if let Some(id) = &self.results_id {
                ctx.results.unregister(id);
            }
            self.registered = false;
        }
        self.in_flight = None;
        self.state = State::Done;
        self.outcome = Some(outcome);
    }
}
