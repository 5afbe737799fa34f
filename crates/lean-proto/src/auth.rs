//! The access-token lifecycle, sans-IO, shared by every call of a client.
//!
//! This module owns when to fetch a v2 OAuth2 token, caching it, renewing it ahead of
//! `expires_in`, forgetting it after a 401, and making sure that only one fetch per credential
//! runs at a time (others wait, or keep using the old token while it is still valid). For v1
//! it hands out the app token. It does not send anything: it *asks* for a fetch by returning
//! the request, and is told the answer.

use crate::config::{Config, Credentials};
use crate::model::customer::TokenResponse;
use crate::request::{Auth, RequestError, token_request};
use crate::response::{ApiError, Outcome, classify};
use crate::secret::Secret;
use std::time::{Duration, Instant};

/// Identifies one token fetch, so a late answer to an abandoned fetch is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FetchTicket(u64);

/// What a caller may do now. `Debug` never shows a token or the token request's body.
// Lives for one step of a call; boxing the request would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum TokenAccess<'a> {
    /// Authenticate with this.
    Ready(Auth<'a>),
    /// Fetch a token: send this request and report with [`TokenCache::handle_fetch_response`]
    /// or [`TokenCache::handle_fetch_failed`].
    Fetch(FetchTicket, http::Request<Vec<u8>>),
    /// Another caller is fetching; come back at this instant at the latest.
    Wait(Instant),
}

impl std::fmt::Debug for TokenAccess<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenAccess::Ready(auth) => f.debug_tuple("Ready").field(auth).finish(),
            TokenAccess::Fetch(ticket, req) => {
                write!(f, "Fetch({ticket:?}, {} {})", req.method(), req.uri())
            }
            TokenAccess::Wait(until) => f.debug_tuple("Wait").field(until).finish(),
        }
    }
}

/// Why a token could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// The token server refused (bad client id or secret: 400/401), or answered something
    /// that is not a token. Retrying cannot help.
    Rejected(Box<ApiError>),
    /// The token server failed (429/5xx); retrying later may help.
    Unavailable(Box<ApiError>),
    /// The answer was not a token response.
    Malformed(String),
    /// The configuration cannot produce a token request.
    Misuse(RequestError),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Rejected(e) => write!(f, "token request refused: {e}"),
            TokenError::Unavailable(e) => write!(f, "token server unavailable: {e}"),
            TokenError::Malformed(m) => write!(f, "token response malformed: {m}"),
            TokenError::Misuse(e) => write!(f, "cannot request a token: {e}"),
        }
    }
}

#[derive(Debug)]
enum State {
    Empty,
    Valid {
        token: Secret,
        renew_at: Instant,
        expires_at: Instant,
    },
}

/// The token cache. One per credential; share it (behind a lock) across calls.
#[derive(Debug)]
pub struct TokenCache {
    mode: Mode,
    state: State,
    fetching: Option<(FetchTicket, Instant)>,
    next_ticket: u64,
    /// Renew this long before expiry.
    pub renew_margin: Duration,
    /// A fetch not answered within this long is presumed abandoned; another may start.
    pub fetch_timeout: Duration,
}

#[derive(Debug)]
enum Mode {
    OAuth(Box<Config>),
    AppToken(Secret),
}

impl TokenCache {
    /// A cache for the configuration's credentials.
    pub fn new(config: &Config) -> Self {
        let mode = match &config.credentials {
            Credentials::ClientCredentials { .. } => Mode::OAuth(Box::new(config.clone())),
            Credentials::AppToken(t) => Mode::AppToken(t.clone()),
        };
        TokenCache {
            mode,
            state: State::Empty,
            fetching: None,
            next_ticket: 1,
            renew_margin: Duration::from_secs(120),
            fetch_timeout: Duration::from_secs(30),
        }
    }

    /// How to authenticate a request at `now`.
    pub fn access(&mut self, now: Instant) -> Result<TokenAccess<'_>, TokenError> {
        if let Mode::AppToken(t) = &self.mode {
            return Ok(TokenAccess::Ready(Auth::AppToken(t)));
        }
        if let Some((_, since)) = self.fetching
            && now >= since + self.fetch_timeout
        {
            self.fetching = None; // abandoned by whoever started it
        }
        let (usable, due) = match &self.state {
            State::Valid {
                renew_at,
                expires_at,
                ..
            } => (now < *expires_at, now >= *renew_at),
            State::Empty => (false, true),
        };
        if due && self.fetching.is_none() {
            let Mode::OAuth(config) = &self.mode else {
                unreachable!("app tokens returned above")
            };
            let request = token_request(config).map_err(TokenError::Misuse)?;
            let ticket = FetchTicket(self.next_ticket);
            self.next_ticket += 1;
            self.fetching = Some((ticket, now));
            return Ok(TokenAccess::Fetch(ticket, request));
        }
        match (&self.state, usable) {
            // Renewal under way elsewhere, or not yet due: the current token still works.
            (State::Valid { token, .. }, true) => Ok(TokenAccess::Ready(Auth::Bearer(token))),
            _ => {
                let since = self.fetching.map(|(_, s)| s).unwrap_or(now);
                Ok(TokenAccess::Wait(since + self.fetch_timeout))
            }
        }
    }

    /// The token endpoint answered.
    pub fn handle_fetch_response(
        &mut self,
        ticket: FetchTicket,
        response: &http::Response<Vec<u8>>,
        now: Instant,
    ) -> Result<(), TokenError> {
        if self.fetching.map(|(t, _)| t) == Some(ticket) {
            self.fetching = None;
        }
        match classify::<TokenResponse>(response) {
            Ok(Outcome::Data(d)) => {
                let lifetime = Duration::from_secs(d.payload.expires_in);
                // Renew ahead of expiry, but never sooner than half the lifetime, so a short
                // lifetime does not turn into a fetch per request.
                let margin = self.renew_margin.min(lifetime / 2);
                self.state = State::Valid {
                    token: d.payload.access_token,
                    renew_at: now + lifetime - margin,
                    expires_at: now + lifetime,
                };
                Ok(())
            }
            Ok(Outcome::ApiError(e)) if e.http_status == 429 || e.http_status >= 500 => {
                Err(TokenError::Unavailable(Box::new(e)))
            }
            Ok(Outcome::ApiError(e)) => Err(TokenError::Rejected(Box::new(e))),
            Ok(other) => Err(TokenError::Malformed(format!(
                "unexpected {}",
                other.class()
            ))),
            Err(e) => Err(TokenError::Malformed(e.to_string())),
        }
    }

    /// The token fetch did not complete (transport error); another caller may try.
    pub fn handle_fetch_failed(&mut self, ticket: FetchTicket) {
        if self.fetching.map(|(t, _)| t) == Some(ticket) {
            self.fetching = None;
        }
    }

    /// Lean answered 401 to a request made with `token`: forget it, so the next access fetches
    /// a new one. A 401 for a token already replaced changes nothing (no fetch storm).
    pub fn reject(&mut self, token: &Secret) {
        if let State::Valid { token: current, .. } = &self.state
            && current == token
        {
            self.state = State::Empty;
        }
    }

    /// The instant the current token expires, if there is one.
    pub fn expires_at(&self) -> Option<Instant> {
        match &self.state {
            State::Valid { expires_at, .. } => Some(*expires_at),
            State::Empty => None,
        }
    }
}
