//! How a call ends: its data ([`CallData`]) or a typed [`CallError`].

use crate::auth::TokenError;
use crate::ids::ResultsId;
use crate::request::RequestError;
use crate::response::{ApiError, DecodeError, EnvelopeInfo, Failed, ReconnectRequired};
use crate::retry::TransportError;
use std::fmt;

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

impl<P> CallData<P> {
    /// Data with its envelope, no correlation id, no `results_id`, no request counted (for
    /// drivers that assemble data, such as every page of a list, and for tests).
    pub fn new(payload: P, info: EnvelopeInfo) -> Self {
        CallData {
            payload,
            info,
            correlation_id: None,
            results_id: None,
            requests: 0,
        }
    }

    /// The data alone, without the answer's metadata.
    pub fn into_payload(self) -> P {
        self.payload
    }

    /// The same metadata around another payload (what a driver makes of the data).
    pub fn map<Q>(self, f: impl FnOnce(P) -> Q) -> CallData<Q> {
        CallData {
            payload: f(self.payload),
            info: self.info,
            correlation_id: self.correlation_id,
            results_id: self.results_id,
            requests: self.requests,
        }
    }
}

/// Reads through to the payload: `client.income(&e).await?.total_salary` needs no
/// `.payload`, while the metadata (`results_id`, `correlation_id`, `requests`) stays at hand.
impl<P> std::ops::Deref for CallData<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.payload
    }
}

impl<P> std::ops::DerefMut for CallData<P> {
    fn deref_mut(&mut self) -> &mut P {
        &mut self.payload
    }
}

/// The items of a list's data, in order.
impl<I> IntoIterator for CallData<Vec<I>> {
    type Item = I;
    type IntoIter = std::vec::IntoIter<I>;
    fn into_iter(self) -> Self::IntoIter {
        self.payload.into_iter()
    }
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
/// [`Call::resume`](super::Call::resume) later; nothing is lost.
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

impl CallErrorKind {
    /// A short lower-case name (`deadline_exceeded`, `api`, …): the `error.type` of traces
    /// and the label of metrics.
    pub fn name(&self) -> &'static str {
        match self {
            CallErrorKind::Misuse(_) => "misuse",
            CallErrorKind::Api(_) => "api",
            CallErrorKind::DataFailed(_) => "data_failed",
            CallErrorKind::ReconnectRequired(_) => "reconnect_required",
            CallErrorKind::ConsentExpired(_) => "consent_expired",
            CallErrorKind::Auth(_) => "auth",
            CallErrorKind::DeadlineExceeded => "deadline_exceeded",
            CallErrorKind::DuplicatedRequest { .. } => "duplicated_request",
            CallErrorKind::RequestBudgetExhausted => "request_budget_exhausted",
            CallErrorKind::Decode(_) => "decode",
            CallErrorKind::Transport(_) => "transport",
            CallErrorKind::RefreshFailed { .. } => "refresh_failed",
        }
    }
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
    /// Each thing once: the error, the last transient failure when it is another one, the
    /// `results_id`, and the correlation id unless the error already named it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = match &self.kind {
            CallErrorKind::Misuse(e) => format!("invalid request: {e}"),
            CallErrorKind::Api(e) => e.to_string(),
            CallErrorKind::DataFailed(x) => x.to_string(),
            CallErrorKind::ReconnectRequired(r) => r.to_string(),
            CallErrorKind::ConsentExpired(e) => format!("consent expired: {e}"),
            CallErrorKind::Auth(e) => e.to_string(),
            CallErrorKind::DeadlineExceeded => "deadline exceeded".to_owned(),
            CallErrorKind::DuplicatedRequest { refused } => format!(
                "deadline reached while Lean was still working on the same request \
                 (DUPLICATED_REQUEST {refused} time(s)); ask again later"
            ),
            CallErrorKind::RequestBudgetExhausted => "request budget exhausted".to_owned(),
            CallErrorKind::Decode(e) => e.to_string(),
            CallErrorKind::Transport(e) => format!("network error: {e}"),
            CallErrorKind::RefreshFailed { refresh_id, status } => {
                format!("data refresh {refresh_id} ended {status}")
            }
        };
        f.write_str(&head)?;
        let mut said = head;
        if let Some(last) = &self.last_error
            && !said.contains(last.as_str())
        {
            write!(f, "; last error: {last}")?;
            said.push_str(last);
        }
        match (&self.results_id, &self.kind) {
            // A FAILED answer's id names it; its results are final, nothing to resume.
            (Some(id), CallErrorKind::DataFailed(_)) => write!(f, "; results_id {id}")?,
            (Some(id), _) => write!(f, "; results_id {id} (resume with it)")?,
            (None, _) => {}
        }
        if let Some(c) = &self.correlation_id
            && !said.contains(c.as_str())
        {
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
