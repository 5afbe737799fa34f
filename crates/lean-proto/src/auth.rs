//! The access-token lifecycle, sans-IO, shared by every call of a client.
//!
//! This module owns when to fetch a v2 OAuth2 token, caching it, renewing it ahead of
//! `expires_in`, forgetting it after a 401, and making sure that only one fetch per credential
//! runs at a time (others wait, or keep using the old token while it is still valid). For v1
//! it hands out the app token. It does not send anything: it *asks* for a fetch by returning
//! the request, and is told the answer.

use crate::config::{ApiGeneration, Config, Credentials};
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
pub enum TokenAccess {
    /// Authenticate with this.
    Ready(Credential),
    /// Fetch a token: send this request and report with [`TokenCache::handle_fetch_response`]
    /// or [`TokenCache::handle_fetch_failed`].
    Fetch(FetchTicket, http::Request<Vec<u8>>),
    /// Another caller is fetching; come back when that fetch ends (see
    /// [`TokenCache::is_fetching`]) or at this instant at the latest, when the fetch is presumed
    /// abandoned.
    Wait(Instant),
}

impl std::fmt::Debug for TokenAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenAccess::Ready(c) => f.debug_tuple("Ready").field(&c.auth()).finish(),
            TokenAccess::Fetch(ticket, req) => {
                write!(f, "Fetch({ticket:?}, {} {})", req.method(), req.uri())
            }
            TokenAccess::Wait(until) => f.debug_tuple("Wait").field(until).finish(),
        }
    }
}

/// A credential to put on one request: an owned, cheap clone of the cached secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// v2: an OAuth2 access token.
    Bearer(Secret),
    /// v1: the app token.
    AppToken(Secret),
}

impl Credential {
    /// The request-building view of it.
    pub fn auth(&self) -> Auth<'_> {
        match self {
            Credential::Bearer(t) => Auth::Bearer(t),
            Credential::AppToken(t) => Auth::AppToken(t),
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.auth().fmt(f)
    }
}

/// Why a token could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TokenError::Rejected(e) | TokenError::Unavailable(e) => Some(e.as_ref()),
            TokenError::Misuse(e) => Some(e),
            TokenError::Malformed(_) => None,
        }
    }
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

/// The token cache. One per credential, shared by every call of a client: its methods take
/// `&self` and hold an internal lock only for the few instructions of each decision, so a call
/// never waits on another call's network I/O here.
#[derive(Debug)]
pub struct TokenCache {
    mode: Mode,
    state: std::sync::Mutex<Cached>,
    /// Renew this long before expiry.
    renew_margin: Duration,
    /// A fetch not answered within this long is presumed abandoned; another may start.
    fetch_timeout: Duration,
}

/// What the cache says at one instant, before anything is committed.
enum Decision {
    Ready(Secret),
    Fetch,
    Wait(Instant),
}

#[derive(Debug)]
struct Cached {
    state: State,
    fetching: Option<(FetchTicket, Instant)>,
    next_ticket: u64,
}

#[derive(Debug)]
enum Mode {
    OAuth(Box<Config>),
    AppToken(Secret),
}

/// Longest lifetime believed from `expires_in`: a larger number (up to `u64::MAX` seconds)
/// must not overflow `Instant` arithmetic.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);
/// Shortest lifetime assumed: `expires_in: 0` (or 1) would otherwise make every request fetch
/// a token first, and a call spend its whole request budget on tokens. If Lean really refuses
/// the token sooner, its 401 makes the cache forget it (see [`TokenCache::reject`]).
const MIN_LIFETIME: Duration = Duration::from_secs(5);

impl TokenCache {
    /// A cache for the configuration's credentials.
    pub fn new(config: &Config) -> Self {
        let mode = match &config.credentials {
            Credentials::ClientCredentials { .. } => Mode::OAuth(Box::new(config.clone())),
            Credentials::AppToken(t) => Mode::AppToken(t.clone()),
        };
        TokenCache {
            mode,
            state: std::sync::Mutex::new(Cached {
                state: State::Empty,
                fetching: None,
                next_ticket: 1,
            }),
            renew_margin: Duration::from_secs(120),
            fetch_timeout: Duration::from_secs(30),
        }
    }

    /// Renew this long before expiry (default 120 s, at most half the token's lifetime).
    pub fn with_renew_margin(mut self, margin: Duration) -> Self {
        self.renew_margin = margin;
        self
    }

    /// A fetch not answered within this long is presumed abandoned and another caller may
    /// start one (default 30 s).
    pub fn with_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        // Every critical section leaves the state consistent: a panic elsewhere cannot poison it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How to authenticate a request at `now`. `Fetch` commits: this caller now owns the
    /// fetch, and must report how it ended.
    pub fn access(&self, now: Instant) -> Result<TokenAccess, TokenError> {
        let config = match &self.mode {
            Mode::AppToken(t) => return Ok(TokenAccess::Ready(Credential::AppToken(t.clone()))),
            Mode::OAuth(config) => config,
        };
        let mut c = self.lock();
        match self.decide(&mut c, now) {
            Decision::Ready(token) => Ok(TokenAccess::Ready(Credential::Bearer(token))),
            Decision::Wait(until) => Ok(TokenAccess::Wait(until)),
            Decision::Fetch => {
                let request = token_request(config).map_err(TokenError::Misuse)?;
                let ticket = FetchTicket(c.next_ticket);
                c.next_ticket += 1;
                c.fetching = Some((ticket, now));
                Ok(TokenAccess::Fetch(ticket, request))
            }
        }
    }

    /// The credential at `now` if [`access`](Self::access) would hand it out as `Ready`, and
    /// `None` where it would fetch or wait, without starting a fetch: a caller that must check
    /// something before it lets a token be fetched asks this first (a call's request, which
    /// misuse must not cost even a token fetch).
    pub fn ready(&self, now: Instant) -> Option<Credential> {
        if let Mode::AppToken(t) = &self.mode {
            return Some(Credential::AppToken(t.clone()));
        }
        match self.decide(&mut self.lock(), now) {
            Decision::Ready(token) => Some(Credential::Bearer(token)),
            Decision::Fetch | Decision::Wait(_) => None,
        }
    }

    /// The API generation of the credentials it hands out: v2 for OAuth2 tokens, v1 for the
    /// app token.
    pub fn generation(&self) -> ApiGeneration {
        match self.mode {
            Mode::OAuth(_) => ApiGeneration::V2,
            Mode::AppToken(_) => ApiGeneration::V1,
        }
    }

    /// The one rule of [`access`](Self::access) and [`ready`](Self::ready): use the token,
    /// fetch one (none is being fetched and renewal is due), or wait for the fetch under way.
    fn decide(&self, c: &mut Cached, now: Instant) -> Decision {
        c.expire_abandoned(now, self.fetch_timeout);
        let (usable, due) = match &c.state {
            State::Valid {
                renew_at,
                expires_at,
                ..
            } => (now < *expires_at, now >= *renew_at),
            State::Empty => (false, true),
        };
        if due && c.fetching.is_none() {
            return Decision::Fetch;
        }
        match (&c.state, usable) {
            // Renewal under way elsewhere, or not yet due: the current token still works.
            (State::Valid { token, .. }, true) => Decision::Ready(token.clone()),
            _ => {
                let since = c.fetching.map(|(_, s)| s).unwrap_or(now);
                Decision::Wait(since.checked_add(self.fetch_timeout).unwrap_or(now))
            }
        }
    }

    /// Whether a fetch started by some caller is still out at `now` (not answered, not
    /// presumed abandoned). A caller told to [`TokenAccess::Wait`] asks again once this is false.
    pub fn is_fetching(&self, now: Instant) -> bool {
        let mut c = self.lock();
        c.expire_abandoned(now, self.fetch_timeout);
        c.fetching.is_some()
    }

    /// The token endpoint answered.
    pub fn handle_fetch_response(
        &self,
        ticket: FetchTicket,
        response: &http::Response<impl AsRef<[u8]>>,
        now: Instant,
    ) -> Result<(), TokenError> {
        // Decode outside the lock: it is the slow part.
        let decoded = classify::<TokenResponse>(response);
        let mut c = self.lock();
        if c.fetching.map(|(t, _)| t) == Some(ticket) {
            c.fetching = None;
        }
        match decoded {
            Ok(Outcome::Data(d)) => {
                let lifetime =
                    Duration::from_secs(d.payload.expires_in).clamp(MIN_LIFETIME, MAX_LIFETIME);
                // Renew ahead of expiry, but never sooner than half the lifetime, so a short
                // lifetime does not turn into a fetch per request.
                let margin = self.renew_margin.min(lifetime / 2);
                let expires_at = now.checked_add(lifetime).unwrap_or(now);
                c.state = State::Valid {
                    token: d.payload.access_token,
                    renew_at: expires_at.checked_sub(margin).unwrap_or(now),
                    expires_at,
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
    pub fn handle_fetch_failed(&self, ticket: FetchTicket) {
        let mut c = self.lock();
        if c.fetching.map(|(t, _)| t) == Some(ticket) {
            c.fetching = None;
        }
    }

    /// Lean answered 401 to a request made with `token`: forget it, so the next access fetches
    /// a new one. A 401 for a token already replaced changes nothing (no fetch storm).
    pub fn reject(&self, token: &Secret) {
        let mut c = self.lock();
        if let State::Valid { token: current, .. } = &c.state
            && current == token
        {
            c.state = State::Empty;
        }
    }

    /// The instant the current token expires, if there is one.
    pub fn expires_at(&self) -> Option<Instant> {
        match &self.lock().state {
            State::Valid { expires_at, .. } => Some(*expires_at),
            State::Empty => None,
        }
    }
}

impl Cached {
    fn expire_abandoned(&mut self, now: Instant, fetch_timeout: Duration) {
        if let Some((_, since)) = self.fetching
            && since
                .checked_add(fetch_timeout)
                .is_none_or(|end| now >= end)
        {
            self.fetching = None; // abandoned by whoever started it
        }
    }
}
