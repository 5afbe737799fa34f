//! What a call says happened: every decision of the state machine as a value, drained with
//! [`super::Call::poll_event`] in the order it was taken.
//!
//! This module owns the vocabulary (what a user would ask about: "why did this call take four
//! minutes?") and nothing else; the state machine decides when each is said. Events carry no
//! secret: no header, no body, no token; a URL path holds ids, which are not secrets.

use super::{Purpose, TransmitId};
use crate::ids::ResultsId;
use crate::response::{DecodeError, Outcome};
use crate::retry::TransportError;
use std::time::{Duration, Instant};

/// One step of a call. Non-exhaustive: the state machine may learn to say more.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A request goes out (the token fetch included).
    RequestSent {
        /// Hand-back id of the request.
        id: TransmitId,
        /// What it is for.
        purpose: Purpose,
        /// 1 for the first request of this purpose in the call, then 2, 3, …
        attempt: u32,
        /// Why it goes out now.
        reason: SendReason,
        /// HTTP method.
        method: http::Method,
        /// The host the request goes to.
        server_address: Option<String>,
        /// The URL's path (ids, never credentials); no query.
        url_path: String,
        /// The `lean-correlation-id` it carries (none for a token fetch).
        correlation_id: Option<String>,
    },
    /// An answer arrived and was classified.
    AnswerReceived {
        /// The request answered.
        id: TransmitId,
        /// What it was for.
        purpose: Purpose,
        /// HTTP status.
        status: u16,
        /// What the answer says.
        class: AnswerClass,
        /// Lean's code: the error's `status` or the `granular_status_code` of a FAILED answer.
        lean_code: Option<String>,
        /// The answer's `lean-correlation-id`.
        correlation_id: Option<String>,
    },
    /// No usable answer: the network failed, or the answer was another request's.
    TransportFailed {
        /// The request.
        id: TransmitId,
        /// What it was for.
        purpose: Purpose,
        /// What failed.
        error: TransportError,
    },
    /// Another call of the client is fetching the token; this one waits for it.
    TokenWait {
        /// Ask again at this instant at the latest.
        until: Instant,
    },
    /// Lean answered 401 to a token this call used: the token is retired, the request replayed.
    TokenRejected,
    /// Lean answered PENDING: the data will come through `results_id`.
    Pending {
        /// Persist it to survive a restart.
        results_id: ResultsId,
    },
    /// The 50-second trap: a synchronous request got no answer after it left; the call asks
    /// again with `async=true`, so that the work Lean started is not lost twice.
    SwitchedToAsync,
    /// A retry is scheduled.
    RetryScheduled {
        /// Why.
        cause: RetryCause,
        /// Retries so far, this one included.
        retry: u32,
        /// The wait.
        delay: Duration,
        /// When it ends.
        at: Instant,
    },
    /// Lean answered `DUPLICATED_REQUEST` (still working on the same request): the call waits.
    DuplicateWait {
        /// Refusals so far.
        refused: u32,
        /// When it asks again (or polls the results it holds).
        until: Instant,
    },
    /// The results are ready: a verified `results.ready` reached the registry.
    ResultsReady {
        /// The id.
        results_id: ResultsId,
    },
    /// No `results.ready` yet: the results are polled at `at`.
    PollScheduled {
        /// The id.
        results_id: ResultsId,
        /// When.
        at: Instant,
    },
    /// The call ended (after this, nothing more is said).
    Finished {
        /// How.
        outcome: Finish,
        /// Requests sent, tokens included.
        requests: u32,
    },
}

/// Why a request goes out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendReason {
    /// The first attempt of its purpose.
    First,
    /// After a retry's back-off.
    Retry,
    /// After Lean refused the token (401), with a newer one.
    AuthReplay,
    /// The 50-second trap: again with `async=true`.
    AsyncSwitch,
    /// After a `DUPLICATED_REQUEST` wait.
    AfterDuplicate,
    /// `results.ready` said the results are there.
    ResultsReady,
    /// Polling the results without `results.ready` (late, lost, or after the grace period).
    Poll,
    /// Picking up a `results_id` from earlier (perhaps another process).
    Resume,
    /// The token, for the request this call is about to send.
    Token,
}

/// What an answer says, by Lean's envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnswerClass {
    /// Data (or a token).
    Data,
    /// `status: PENDING`.
    Pending,
    /// `status: FAILED`.
    Failed,
    /// v1 `RECONNECT_REQUIRED`.
    ReconnectRequired,
    /// An HTTP error.
    Error,
    /// A body that could not be understood.
    Undecodable,
}

/// Why a retry was scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryCause {
    /// 429.
    RateLimited,
    /// 5xx.
    ServerError,
    /// The network failed.
    Transport,
    /// A 2xx whose body did not decode.
    Undecodable,
    /// A retryable `status: FAILED` from the bank.
    BankFailed,
    /// The token server was unavailable.
    TokenUnavailable,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Finish {
    /// With data.
    Data,
    /// A submit stopped at PENDING with its `results_id`.
    Submitted,
    /// With an error; the name is [`super::CallErrorKind::name`].
    Error(&'static str),
    /// The caller gave up (a dropped future, an unwinding thread).
    Abandoned,
}

impl AnswerClass {
    /// A short lower-case name, for logs and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            AnswerClass::Data => "data",
            AnswerClass::Pending => "pending",
            AnswerClass::Failed => "failed",
            AnswerClass::ReconnectRequired => "reconnect_required",
            AnswerClass::Error => "error",
            AnswerClass::Undecodable => "undecodable",
        }
    }
}

impl RetryCause {
    /// A short lower-case name, for logs and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            RetryCause::RateLimited => "rate_limited",
            RetryCause::ServerError => "server_error",
            RetryCause::Transport => "transport",
            RetryCause::Undecodable => "undecodable",
            RetryCause::BankFailed => "bank_failed",
            RetryCause::TokenUnavailable => "token_unavailable",
        }
    }
}

impl SendReason {
    /// A short lower-case name, for logs and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            SendReason::First => "first",
            SendReason::Retry => "retry",
            SendReason::AuthReplay => "auth_replay",
            SendReason::AsyncSwitch => "async_switch",
            SendReason::AfterDuplicate => "after_duplicate",
            SendReason::ResultsReady => "results_ready",
            SendReason::Poll => "poll",
            SendReason::Resume => "resume",
            SendReason::Token => "token",
        }
    }
}

impl Finish {
    /// A short lower-case name, for logs and metric labels: `data`, `submitted`,
    /// `abandoned`, or the error's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Finish::Data => "data",
            Finish::Submitted => "submitted",
            Finish::Error(name) => name,
            Finish::Abandoned => "abandoned",
        }
    }
}

impl Purpose {
    /// A short lower-case name, for logs and metric labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            Purpose::Token => "token",
            Purpose::Data {
                asynchronous: false,
            } => "data",
            Purpose::Data { asynchronous: true } => "data_async",
            Purpose::Results { poll: false } => "results",
            Purpose::Results { poll: true } => "results_poll",
        }
    }
}

/// `RequestSent` of `request`: its method, host and path (never its headers or body).
pub(super) fn sent(
    id: TransmitId,
    purpose: Purpose,
    attempt: u32,
    reason: SendReason,
    request: &http::Request<Vec<u8>>,
    correlation_id: Option<&str>,
) -> Event {
    Event::RequestSent {
        id,
        purpose,
        attempt,
        reason,
        method: request.method().clone(),
        server_address: request.uri().host().map(str::to_owned),
        url_path: request.uri().path().to_owned(),
        correlation_id: correlation_id.map(str::to_owned),
    }
}

/// `AnswerReceived` of an answer, by its classification.
pub(super) fn answered<P>(
    id: TransmitId,
    purpose: Purpose,
    response: &http::Response<&[u8]>,
    classified: &Result<Outcome<P>, DecodeError>,
    correlation_id: Option<String>,
) -> Event {
    let (class, lean_code) = match classified {
        Ok(Outcome::Data(_)) => (AnswerClass::Data, None),
        Ok(Outcome::Pending(_)) => (AnswerClass::Pending, None),
        Ok(Outcome::Failed(f)) => (
            AnswerClass::Failed,
            f.granular_status_code
                .as_ref()
                .map(|c| c.as_str().to_owned()),
        ),
        Ok(Outcome::ReconnectRequired(_)) => (AnswerClass::ReconnectRequired, None),
        Ok(Outcome::ApiError(e)) => (
            AnswerClass::Error,
            e.code.as_ref().map(|c| c.as_str().to_owned()),
        ),
        Err(_) => (AnswerClass::Undecodable, None),
    };
    Event::AnswerReceived {
        id,
        purpose,
        status: response.status().as_u16(),
        class,
        lean_code,
        correlation_id,
    }
}

/// The call's queue of events: bounded, so a driver that never drains it cannot grow it without
/// end (a call sends at most `max_requests` requests; this holds several times that). Off when
/// the driver said nobody reads them (`Call::set_events`): then nothing is queued, and the
/// call skips building the events that cost allocations.
#[derive(Debug)]
pub(super) struct Events {
    queue: std::collections::VecDeque<Event>,
    on: bool,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            queue: std::collections::VecDeque::new(),
            on: true,
        }
    }
}

const MAX_QUEUED: usize = 1024;

impl Events {
    pub(super) fn push(&mut self, event: Event) {
        if !self.on {
            return;
        }
        if self.queue.len() == MAX_QUEUED {
            self.queue.pop_front();
        }
        self.queue.push_back(event);
    }

    /// Whether events are kept (worth building).
    pub(super) fn on(&self) -> bool {
        self.on
    }

    /// Keeps events from now on, or drops them (and those queued).
    pub(super) fn set(&mut self, on: bool) {
        self.on = on;
        if !on {
            self.queue.clear();
        }
    }

    pub(super) fn pop(&mut self) -> Option<Event> {
        self.queue.pop_front()
    }
}
