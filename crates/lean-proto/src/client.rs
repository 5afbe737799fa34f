//! Types every client hands to its users, defined once here so that the driver (`lean-client`),
//! its adapters and any tool built on the core speak the same language. No behaviour lives here.

use crate::call::{CallData, CallError};
use crate::config::ConfigError;
use crate::ids::{IdError, ResultsId};

/// What a client call can fail with: the call's typed error (misuse, Lean, network), or invalid
/// input before any call (an id, the configuration, TLS material).
///
/// Every variant is a `std::error::Error` with its cause in `source()`; the accessors read
/// what a caller branches on without matching: Lean's code, the HTTP status, the
/// `lean-correlation-id`, the `results_id` to resume with.
///
/// ```
/// use lean_proto::client::Error;
/// use lean_proto::EntityId;
/// let e: Error = EntityId::parse("../oauth2").unwrap_err().into();
/// assert!(e.is_misuse());
/// assert!(matches!(e, Error::InvalidId(_)));
/// assert!(std::error::Error::source(&e).is_some());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The call failed; see [`CallError`] (it keeps the `results_id` when Lean gave one).
    Call(Box<CallError>),
    /// An id that is not a UUID (it would have gone into a URL path).
    InvalidId(IdError),
    /// The configuration cannot work (base URL, credentials, an option the transport cannot
    /// honour).
    Config(ConfigError),
    /// A client certificate, key or CA certificate that cannot be used.
    Tls(TlsError),
    /// The client was shut down (`shutdown`) before the call ended: nothing went wrong with
    /// Lean. When Lean had answered PENDING, the handle resumes the call's results (in a new
    /// client, or after a restart).
    Shutdown(Option<crate::pending::PendingHandle>),
}

/// TLS material that cannot be used (PEM that does not parse, a key that does not match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    /// Which material: `client certificate`, `client key`, `root certificates`, ...
    pub what: &'static str,
    /// What the TLS library said (never the key itself).
    pub detail: String,
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.detail)
    }
}

impl std::error::Error for TlsError {}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Call(e) => write!(f, "{e}"),
            Error::InvalidId(e) => write!(f, "{e}"),
            Error::Config(e) => write!(f, "{e}"),
            Error::Tls(e) => write!(f, "TLS material: {e}"),
            Error::Shutdown(None) => f.write_str("the client was shut down before the call ended"),
            Error::Shutdown(Some(h)) => write!(
                f,
                "the client was shut down before the call ended; resume results_id {}",
                h.results_id
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Call(e) => Some(e.as_ref()),
            Error::InvalidId(e) => Some(e),
            Error::Config(e) => Some(e),
            Error::Tls(e) => Some(e),
            Error::Shutdown(_) => None,
        }
    }
}

impl Error {
    /// The call's error, when it was a call that failed.
    pub fn call_error(&self) -> Option<&CallError> {
        match self {
            Error::Call(e) => Some(e),
            _ => None,
        }
    }

    /// True when the caller misused the API (bad input, configuration or TLS material, a
    /// request that cannot be built); false when Lean or the network misbehaved, or the client
    /// was shut down.
    pub fn is_misuse(&self) -> bool {
        match self {
            Error::Call(e) => e.is_misuse(),
            Error::Shutdown(_) => false,
            _ => true,
        }
    }

    /// The `results_id` to resume with, when Lean gave one before the call failed.
    pub fn results_id(&self) -> Option<&ResultsId> {
        match self {
            Error::Shutdown(handle) => handle.as_ref().map(|h| &h.results_id),
            _ => self.call_error().and_then(|e| e.results_id.as_ref()),
        }
    }

    /// Lean's HTTP error, when Lean answered one (directly, or from the token server).
    pub fn api_error(&self) -> Option<&crate::response::ApiError> {
        self.call_error().and_then(CallError::api_error)
    }

    /// Lean's code of an HTTP error (`UNKNOWN_ENTITY`, `CONSENT_EXPIRED`, ...).
    pub fn lean_code(&self) -> Option<&crate::enums::ErrorCode> {
        self.api_error().and_then(|e| e.code.as_ref())
    }

    /// The HTTP status of Lean's error answer.
    pub fn http_status(&self) -> Option<u16> {
        self.api_error().map(|e| e.http_status)
    }

    /// The granular code of a FAILED answer (`BANK_MAINTENANCE`, `DUPLICATED_REQUEST`, ...).
    pub fn granular_status_code(&self) -> Option<&crate::enums::GranularStatusCode> {
        match &self.call_error()?.kind {
            crate::call::CallErrorKind::DataFailed(f) => f.granular_status_code.as_ref(),
            _ => None,
        }
    }

    /// The `lean-correlation-id` of Lean's last answer, for Lean's support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.call_error()?.correlation_id.as_deref()
    }
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Self {
        Error::Call(Box::new(e))
    }
}

/// A request that could not be built is a misuse, reported like a call that refused to start.
impl From<crate::request::RequestError> for Error {
    fn from(e: crate::request::RequestError) -> Self {
        Error::Call(Box::new(CallError {
            kind: crate::call::CallErrorKind::Misuse(e),
            results_id: None,
            correlation_id: None,
            last_error: None,
        }))
    }
}

impl From<IdError> for Error {
    fn from(e: IdError) -> Self {
        Error::InvalidId(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<TlsError> for Error {
    fn from(e: TlsError) -> Self {
        Error::Tls(e)
    }
}

/// The result of a client's `submit`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Submitted<P> {
    /// Lean answered PENDING: persist this handle and `resume` it later (`.items()` for every
    /// page of a collection).
    Pending(crate::pending::PendingHandle),
    /// The endpoint answered with data straight away.
    Data(CallData<P>),
}
