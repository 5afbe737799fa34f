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

use crate::auth::{Credential, FetchTicket, TokenAccess, TokenError};
use crate::config::{ApiGeneration, BaseUrl};
use crate::correlation;
use crate::enums::{ErrorCode, GranularStatusCode};
use crate::ids::{EntityId, ResultsId};
use crate::pending::PendingHandle;
use crate::request::{Auth, Endpoint, GetResults, Target};
use crate::response::{ApiError, Outcome, Payload, classify};
use crate::retry::{Delivery, TransportError, is_retryable_api_error, may_resend};
use crate::rng::Rng;
use crate::secret::Secret;
use std::fmt;
use std::time::{Duration, Instant};

mod config;
mod error;
mod event;
mod io;
mod spec;

pub use config::CallConfig;
pub use error::{CallData, CallError, CallErrorKind};
pub use event::{AnswerClass, Event, Finish, RetryCause, SendReason};
pub use io::{Context, Purpose, Released, Transmit, TransmitId, Waiting};
use spec::Spec;

/// `now + wait` that cannot overflow: a wait too long to represent becomes "far away" (about
/// thirty years), which every caller treats the same as "never".
fn later(now: Instant, wait: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
    now.checked_add(wait.min(FAR))
        .or_else(|| now.checked_add(Duration::from_secs(24 * 3600)))
        .unwrap_or(now)
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
    /// What the request is for.
    purpose: Purpose,
}

/// The results a call holds an id for. What the call did with them lives here, with the id,
/// so that it cannot outlive it: forgetting the id forgets it all.
struct Held<P> {
    id: ResultsId,
    /// Filed in the registry (taken out when the call lets go of the id).
    registered: bool,
    /// A readiness (`results.ready`, here or from elsewhere) was acted on: a later fetch is a
    /// poll, on the polling schedule.
    ready_seen: bool,
    /// "Not yet" answers so far (the polling back-off).
    polls: u32,
    /// The results request, built at the first fetch.
    request: Option<GetResults<P>>,
}

impl<P> Held<P> {
    fn new(id: ResultsId) -> Self {
        Held {
            id,
            registered: false,
            ready_seen: false,
            polls: 0,
            request: None,
        }
    }
}

/// One logical data request, from first byte to outcome. See the module docs.
pub struct Call<P: Payload> {
    spec: Box<dyn Spec<P>>,
    config: CallConfig,
    api_base: BaseUrl,
    state: State,
    deadline: Instant,
    rng: Rng,
    /// The results Lean gave an id for, and what the call did with them.
    held: Option<Held<P>>,
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
    requests: u32,
    /// Tokens Lean answered 401 to during this call (each is replayed once with a newer one).
    auth_rejected: Vec<Secret>,
    /// The request was checked for misuse before a token fetch (`check_request`).
    validated: bool,
    next_tx: u64,
    in_flight: Option<InFlight>,
    /// Why the next request goes out (said in its `RequestSent`).
    reason: SendReason,
    /// Requests sent per purpose: data, results, token (the `attempt` of `RequestSent`).
    attempts: [u32; 3],
    events: event::Events,
    last_error: Option<String>,
    correlation_id: Option<String>,
    outcome: Option<Result<CallData<P>, CallError>>,
    /// The API generation of the credential the data request last went with (results are read
    /// on that generation's path).
    sent_generation: Option<ApiGeneration>,
}

impl<P: Payload> fmt::Debug for Call<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("state", &self.state)
            .field("results_id", &self.results_id())
            .field("requests", &self.requests)
            .field("asynchronous", &self.asynchronous)
            .finish_non_exhaustive()
    }
}

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
            deadline: later(now, config.deadline),
            rng: Rng::new(config.seed),
            ids: Rng::new(config.seed ^ 0xC0AA_E1A7_10D5_0000),
            data_delivery: Delivery::NotSent,
            api_base,
            state: State::Send(Phase::Data),
            held: None,
            asynchronous,
            switched_to_async: false,
            retries: 0,
            duplicates: 0,
            requests: 0,
            auth_rejected: Vec::new(),
            validated: false,
            next_tx: 1,
            in_flight: None,
            reason: SendReason::First,
            attempts: [0; 3],
            events: event::Events::default(),
            last_error: None,
            correlation_id: None,
            outcome: None,
            sent_generation: None,
            config,
        }
    }

    /// A call for `endpoint` that asks `async=true`, for a caller who will not wait: once it
    /// holds Lean's `results_id`, [`Call::hand_over`] ends it with a [`PendingHandle`] to
    /// persist, and [`Call::resume`] (perhaps in another process) fetches the data later. An
    /// endpoint without an async flag answers with data, which comes out of
    /// [`Call::poll_outcome`] as usual.
    pub fn submit<E>(endpoint: E, api_base: BaseUrl, config: CallConfig, now: Instant) -> Self
    where
        E: Endpoint<Output = P> + Clone + Send + 'static,
    {
        let config = CallConfig {
            asynchronous: true,
            ..config
        };
        Call::new(endpoint, api_base, config, now)
    }

    /// Picks up the results of a request that answered PENDING earlier (perhaps in another
    /// process): polls them now, then waits for `results.ready` with polling, until the
    /// deadline. The handle restores the original request's API generation (`generation` when
    /// it has none), page, page size and correlation id. For a collection this reads the
    /// handle's page; [`crate::pager::Cursor::resume`] reads every page.
    pub fn resume(
        handle: &PendingHandle,
        generation: ApiGeneration,
        api_base: BaseUrl,
        mut config: CallConfig,
        now: Instant,
    ) -> Self {
        let results: GetResults<P> = handle.request(generation);
        let results_id = handle.results_id.clone();
        if config.correlation_id.is_none() {
            config.correlation_id.clone_from(&handle.correlation_id);
        }
        let mut call = Call::new(results.clone(), api_base, config, now);
        call.held = Some(Held {
            request: Some(results),
            ..Held::new(results_id)
        });
        call.state = State::Send(Phase::Results);
        call.reason = SendReason::Resume;
        call
    }
}

impl<P: Payload> Call<P> {
    /// The `results_id` Lean gave this call, if any: persist it to survive a restart.
    pub fn results_id(&self) -> Option<&ResultsId> {
        self.held.as_ref().map(|h| &h.id)
    }

    /// The call's policy.
    pub fn config(&self) -> &CallConfig {
        &self.config
    }

    /// The endpoint's short name ([`Endpoint::NAME`]: `accounts`, `results`, …).
    pub fn endpoint(&self) -> &'static str {
        self.spec.name()
    }

    /// The entity the call reads, for endpoints about one.
    pub fn entity_id(&self) -> Option<EntityId> {
        self.spec.entity_id()
    }

    /// What the call is waiting for.
    pub fn waiting(&self) -> Waiting {
        match &self.state {
            State::InFlight => Waiting::Response,
            State::Backoff { .. } => Waiting::Backoff,
            State::AwaitResults { .. } => self
                .results_id()
                .cloned()
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

    /// Ends the call with the handle of the results it holds, for a caller who will not wait
    /// for them (see [`Call::submit`]): its registry entry goes, and it says
    /// `Finished { Submitted }`. `None` (and nothing changes) while it holds no `results_id`,
    /// has a request out, or is done.
    #[must_use]
    pub fn hand_over(&mut self, ctx: &Context<'_>) -> Option<PendingHandle> {
        if matches!(self.state, State::Done | State::InFlight) {
            return None;
        }
        let handle = self.pending_handle()?;
        self.let_go(ctx);
        self.state = State::Done;
        self.events.push(Event::Finished {
            outcome: Finish::Submitted,
            requests: self.requests,
        });
        Some(handle)
    }

    /// What resumes this call's results elsewhere, once Lean gave a `results_id` (the call is
    /// left as it is: see [`Call::hand_over`] to end it that way).
    pub fn pending_handle(&self) -> Option<PendingHandle> {
        let results_id = self.results_id()?.clone();
        Some(PendingHandle {
            generation: Some(self.sent_generation.unwrap_or(self.spec.generation())),
            endpoint: Some(self.spec.name().to_owned()),
            page: self.spec.page(),
            page_size: self.spec.page_size(),
            correlation_id: self.config.correlation_id.clone(),
            ..PendingHandle::new(results_id)
        })
    }

    /// The next thing the call has to say about what it did, in order. Drain it after every
    /// `handle_*` and `poll_transmit`; a call keeps the last 1,024 undrained.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    /// Whether the call says what it does (on by default). A driver with nobody to tell turns
    /// it off: the call then builds no event (some cost allocations: a URL path, a host, a
    /// correlation id) and [`Call::poll_event`] has nothing. What the call decides is the same
    /// either way.
    pub fn set_events(&mut self, on: bool) {
        self.events.set(on);
    }

    /// The outcome, once: data or a typed error.
    #[must_use]
    pub fn poll_outcome(&mut self) -> Option<Result<CallData<P>, CallError>> {
        self.outcome.take()
    }

    /// The instant to call [`Call::handle_timeout`] at, if the call is waiting for time;
    /// `None` once it is done.
    #[must_use]
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
    #[must_use]
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
        let remaining = self.deadline - now;
        // Misuse must never cost a request, not even a token fetch. With a token at hand, the
        // request built below is the check: a misuse fails there, before anything is sent.
        // Without one, the request is built once with a placeholder token before a fetch may
        // start (`ready` commits to nothing; `access` may).
        let access = match ctx.tokens.ready(now) {
            Some(credential) => TokenAccess::Ready(credential),
            None => {
                if !self.validated {
                    self.validated = true;
                    if let Err(e) = self.check_request(ctx.tokens.generation()) {
                        self.fail(ctx, CallErrorKind::Misuse(e));
                        return None;
                    }
                }
                match ctx.tokens.access(now) {
                    Ok(a) => a,
                    Err(e) => {
                        self.fail(ctx, CallErrorKind::Auth(e));
                        return None;
                    }
                }
            }
        };
        let id = TransmitId(self.next_tx);
        match access {
            TokenAccess::Wait(until) => {
                self.state = State::WaitToken { until, then: phase };
                self.events.push(Event::TokenWait { until });
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
                    purpose: Purpose::Token,
                });
                self.state = State::InFlight;
                self.said_sent(id, Purpose::Token, SendReason::Token, &request, None);
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
                if phase == Phase::Data {
                    self.sent_generation = Some(target.auth.generation());
                }
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
                        let Some(held) = self.held.as_mut() else {
                            unreachable!("the results phase starts only with a results_id")
                        };
                        let used = target.auth.generation();
                        let spec = &self.spec;
                        let request = held
                            .request
                            .get_or_insert_with(|| spec.results(held.id.clone(), used));
                        (
                            Endpoint::build(request, &target),
                            Purpose::Results {
                                poll: !held.ready_seen,
                            },
                            self.config.request_timeout,
                        )
                    }
                };
                match built {
                    Ok(request) => {
                        self.next_tx += 1;
                        self.requests += 1;
                        let reason = std::mem::replace(&mut self.reason, SendReason::Retry);
                        self.said_sent(id, purpose, reason, &request, Some(&correlation));
                        self.in_flight = Some(InFlight {
                            id,
                            correlation_id: Some(correlation),
                            token,
                            ticket: None,
                            phase,
                            purpose,
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

    /// Builds the data request with a placeholder credential of the kind the client holds
    /// (`generation`): what a misuse of the API (a bad option, a bad correlation id, a route of
    /// the other generation) would refuse, found before a token is fetched for it.
    fn check_request(&self, generation: ApiGeneration) -> Result<(), crate::RequestError> {
        let placeholder = Secret::new("validation");
        let auth = match generation {
            ApiGeneration::V2 => Auth::Bearer(&placeholder),
            ApiGeneration::V1 => Auth::AppToken(&placeholder),
        };
        let target = Target {
            api_base: &self.api_base,
            auth,
            correlation_id: self.config.correlation_id.as_deref(),
        };
        self.spec.build(&target, self.asynchronous).map(drop)
    }

    /// Lean (or the token server) answered request `id`. The body is anything that reads as
    /// bytes (a `Vec<u8>`, the `Bytes` an HTTP library handed over): it is read, never kept.
    pub fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        id: TransmitId,
        response: http::Response<B>,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        let (head, body) = response.into_parts();
        // One body type below, so that the answer's handling is compiled once per payload.
        self.handle_answer(
            id,
            http::Response::from_parts(head, body.as_ref()),
            now,
            ctx,
        )
    }

    fn handle_answer(
        &mut self,
        id: TransmitId,
        response: http::Response<&[u8]>,
        now: Instant,
        ctx: &Context<'_>,
    ) {
        let Some(flight) = self.take_in_flight(id) else {
            return;
        };
        if let Some(ticket) = flight.ticket {
            let ok = response.status().is_success();
            self.events.push(Event::AnswerReceived {
                id,
                purpose: Purpose::Token,
                status: response.status().as_u16(),
                class: if ok {
                    AnswerClass::Data
                } else {
                    AnswerClass::Error
                },
                lean_code: None,
                correlation_id: None,
            });
            return self.on_token_response(ticket, flight.phase, &response, now, ctx);
        }
        let correlation = response
            .headers()
            .get(&crate::response::CORRELATION_ID)
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
        let classified = classify::<P>(&response);
        if self.events.on() {
            let answered = event::answered(
                flight.id,
                flight.purpose,
                &response,
                &classified,
                correlation.clone(),
            );
            self.events.push(answered);
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
                self.events.push(Event::TokenRejected);
                self.reason = SendReason::AuthReplay;
                self.state = State::Send(flight.phase);
                return;
            }
        }
        let outcome = match classified {
            Ok(o) => o,
            Err(e) => {
                // A 2xx whose body does not decode: a truncated or garbled transfer is
                // transient, a schema change is not; retries are bounded either way.
                self.last_error = Some(e.to_string());
                return self.retry_or_fail(
                    ctx,
                    flight.phase,
                    now,
                    None,
                    RetryCause::Undecodable,
                    CallErrorKind::Decode(e),
                );
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
                        self.results_id().cloned()
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
                    "FAILED ({})",
                    f.granular_status_code.as_ref().map_or("-", |c| c.as_str())
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
                    self.back_off(now, wait, Phase::Data, RetryCause::BankFailed);
                } else {
                    if self.held.is_none() {
                        self.held = f.results_id.clone().map(Held::new);
                    }
                    self.fail(ctx, CallErrorKind::DataFailed(f));
                }
            }
            Outcome::ReconnectRequired(r) => {
                if self.held.is_none() {
                    self.held = r.results_id.clone().map(Held::new);
                }
                self.fail(ctx, CallErrorKind::ReconnectRequired(r));
            }
            Outcome::ApiError(e) => {
                // Lean's clock, for a `Retry-After` given as a date: read only here.
                let date = response
                    .headers()
                    .get(http::header::DATE)
                    .and_then(|v| v.to_str().ok());
                self.on_api_error(e, flight.phase, date, now, ctx)
            }
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
        self.events.push(Event::TransportFailed {
            id: flight.id,
            purpose: flight.purpose,
            error,
        });
        if let Some(ticket) = flight.ticket {
            ctx.tokens.handle_fetch_failed(ticket);
        } else {
            if flight.phase == Phase::Data && error.may_have_reached_lean() {
                self.data_delivery = self.data_delivery.max(Delivery::MayHaveReached);
            }
            if let TransportError::TooLarge { .. } = error {
                // Lean answered, with more than we accept: asking again gets the same answer.
                return self.fail(ctx, CallErrorKind::Transport(error));
            }
            // The 50-second trap. A synchronous data request that timed out (or was cut) after
            // it left may be running at the bank right now; retrying it blindly would start the
            // work again and, with a short client timeout, lose it again. Asking again with
            // async=true makes Lean answer at once with a results_id, and the results arrive
            // through results.ready / polling instead of through a connection that keeps
            // timing out.
            if flight.phase == Phase::Data
                && error.may_have_reached_lean()
                && !self.asynchronous
                && !self.switched_to_async
                && self.spec.supports_async()
                && self.may_send_again(Phase::Data)
            {
                self.asynchronous = true;
                self.switched_to_async = true;
                self.events.push(Event::SwitchedToAsync);
                self.reason = SendReason::AsyncSwitch;
                self.state = State::Send(Phase::Data);
                return;
            }
        }
        // Again after a back-off if what failed may go out again (`retry_or_fail` asks the one
        // rule); otherwise the failure is the answer.
        self.retry_or_fail(
            ctx,
            flight.phase,
            now,
            None,
            RetryCause::Transport,
            CallErrorKind::Transport(error),
        );
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
                let mut newly_ready = false;
                if let Some(held) = self.held.as_mut()
                    && !held.ready_seen
                    && ctx.results.is_ready(&held.id)
                {
                    held.ready_seen = true;
                    newly_ready = true;
                    let results_id = held.id.clone();
                    self.events.push(Event::ResultsReady { results_id });
                    self.reason = SendReason::ResultsReady;
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
        self.let_go(ctx);
        if self.state != State::Done {
            self.events.push(Event::Finished {
                outcome: Finish::Abandoned,
                requests: self.requests,
            });
        }
        self.state = State::Done;
        released
    }

    /// Lean answered PENDING: the data will come through `results_id`. This is the one place
    /// that handles it.
    fn on_pending(&mut self, results_id: ResultsId, now: Instant, ctx: &Context<'_>) {
        self.events.push(Event::Pending {
            results_id: results_id.clone(),
        });
        if self.results_id() != Some(&results_id) {
            self.forget_results(ctx);
        }
        self.retries = 0;
        // The registry is the one door for `results.ready`: a webhook that beat this answer
        // is already there.
        let held = self
            .held
            .get_or_insert_with(|| Held::new(results_id.clone()));
        let ready = if held.registered {
            ctx.results.is_ready(&results_id)
        } else {
            held.registered = true;
            ctx.results.register(&results_id, now)
        };
        if ready {
            held.ready_seen = true;
            self.events.push(Event::ResultsReady { results_id });
            self.reason = SendReason::ResultsReady;
            self.state = State::Send(Phase::Results);
        } else {
            let poll_at = later(now, self.config.webhook_grace);
            self.await_results(results_id, poll_at);
        }
    }

    /// Waits for `results.ready`, and polls at `poll_at` anyway.
    fn await_results(&mut self, results_id: ResultsId, poll_at: Instant) {
        self.events.push(Event::PollScheduled {
            results_id,
            at: poll_at,
        });
        self.reason = SendReason::Poll;
        self.state = State::AwaitResults { poll_at };
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
        let waits_for_results = phase == Phase::Results || self.held.is_some();
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
        self.events.push(Event::DuplicateWait {
            refused: self.duplicates,
            until,
        });
        match self.results_id().cloned() {
            Some(id) if waits_for_results => self.await_results(id, until),
            _ => {
                self.reason = SendReason::AfterDuplicate;
                self.state = State::Backoff {
                    until,
                    then: Phase::Data,
                    why: Pause::Duplicate,
                }
            }
        }
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
            if let Some(held) = self.held.as_mut() {
                if !held.registered {
                    held.registered = true;
                    if ctx.results.register(&held.id, now) {
                        held.ready_seen = true;
                    }
                }
                let wait = self.config.poll.backoff(held.polls, &mut self.rng);
                held.polls = held.polls.saturating_add(1);
                let id = held.id.clone();
                self.await_results(id, later(now, wait));
            }
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
            let cause = if e.http_status == 429 {
                RetryCause::RateLimited
            } else {
                RetryCause::ServerError
            };
            return self.retry_or_fail(ctx, phase, now, Some(wait), cause, CallErrorKind::Api(e));
        }
        self.fail(ctx, CallErrorKind::Api(e));
    }

    fn on_token_response(
        &mut self,
        ticket: FetchTicket,
        phase: Phase,
        response: &http::Response<&[u8]>,
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
                    RetryCause::TokenUnavailable,
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
        cause: RetryCause,
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
        self.back_off(now, wait, phase, cause);
    }

    /// Retry number `self.retries` of `phase` after `wait`.
    fn back_off(&mut self, now: Instant, wait: Duration, phase: Phase, cause: RetryCause) {
        let at = later(now, wait);
        self.events.push(Event::RetryScheduled {
            cause,
            retry: self.retries,
            delay: wait,
            at,
        });
        self.reason = SendReason::Retry;
        self.state = State::Backoff {
            until: at,
            then: phase,
            why: Pause::Retry,
        };
    }

    /// Says that request `id` goes out, with its attempt number.
    fn said_sent(
        &mut self,
        id: TransmitId,
        purpose: Purpose,
        reason: SendReason,
        request: &http::Request<Vec<u8>>,
        correlation_id: Option<&str>,
    ) {
        let slot = match purpose {
            Purpose::Data { .. } => 0,
            Purpose::Results { .. } => 1,
            Purpose::Token => 2,
        };
        self.attempts[slot] = self.attempts[slot].saturating_add(1);
        if self.events.on() {
            let attempt = self.attempts[slot];
            let event = event::sent(id, purpose, attempt, reason, request, correlation_id);
            self.events.push(event);
        }
    }

    fn take_in_flight(&mut self, id: TransmitId) -> Option<InFlight> {
        match &self.in_flight {
            Some(f) if f.id == id && self.state == State::InFlight => self.in_flight.take(),
            _ => None, // stale or unknown: a late answer to something already settled
        }
    }

    /// Lets go of the results held (a new data request will get a new id).
    fn forget_results(&mut self, ctx: &Context<'_>) {
        self.let_go(ctx);
        self.held = None;
    }

    /// Takes the held id out of the registry (the id itself is kept, for the error).
    fn let_go(&mut self, ctx: &Context<'_>) {
        if let Some(held) = self.held.as_mut()
            && held.registered
        {
            ctx.results.unregister(&held.id);
            held.registered = false;
        }
    }

    fn fail(&mut self, ctx: &Context<'_>, kind: CallErrorKind) {
        let error = CallError {
            kind,
            results_id: self.results_id().cloned(),
            correlation_id: self.correlation_id.clone(),
            last_error: self.last_error.clone(),
        };
        self.finish(ctx, Err(error));
    }

    fn finish(&mut self, ctx: &Context<'_>, outcome: Result<CallData<P>, CallError>) {
        if self.state == State::Done {
            return;
        }
        self.let_go(ctx);
        self.in_flight = None;
        self.state = State::Done;
        self.events.push(Event::Finished {
            outcome: match &outcome {
                Ok(_) => Finish::Data,
                Err(e) => Finish::Error(e.kind.name()),
            },
            requests: self.requests,
        });
        self.outcome = Some(outcome);
    }
}
