//! What a call hands out and borrows: requests to send ([`Transmit`]), what it waits for
//! ([`Waiting`]), the shared state it works with ([`Context`]).

use crate::auth::TokenCache;
use crate::ids::ResultsId;
use crate::results::ResultsRegistry;
use std::fmt;
use std::time::Duration;

/// Identifies a request the call emitted; hand it back with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransmitId(pub(super) u64);

/// What a request is for (for logs, progress displays and transcripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Give up on the answer after this long (then report [`TransportError::TimedOut`](crate::retry::TransportError::TimedOut)).
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
#[non_exhaustive]
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

/// What [`Call::abandon`](super::Call::abandon) released, so the driver can tell whoever waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
pub struct Released {
    /// The call was fetching the token: calls waiting for a token must look again now.
    pub token_fetch: bool,
}
