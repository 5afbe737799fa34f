//! Types every client hands to its users, defined once here so that the driver (`lean-client`),
//! its adapters and any tool built on the core speak the same language. No behaviour lives here.

use crate::call::{CallData, CallError};
use crate::config::ConfigError;
use crate::ids::{IdError, ResultsId};

/// What a client call can fail with: the call's typed error (misuse, Lean, network), or invalid
/// input before any call (ids, configuration, certificates).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The call failed; see [`CallError`] (it keeps the `results_id` when Lean gave one).
    Call(Box<CallError>),
    /// Invalid configuration or input.
    Config(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Call(e) => write!(f, "{e}"),
            Error::Config(m) => write!(f, "configuration: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The call's error, when it was a call that failed.
    pub fn call_error(&self) -> Option<&CallError> {
        match self {
            Error::Call(e) => Some(e),
            Error::Config(_) => None,
        }
    }

    /// The `results_id` to resume with, when Lean gave one before the call failed.
    pub fn results_id(&self) -> Option<&ResultsId> {
        self.call_error().and_then(|e| e.results_id.as_ref())
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
        Error::Config(e.to_string())
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e.message)
    }
}

/// The result of a client's `submit`.
#[derive(Debug)]
pub enum Submitted<P> {
    /// Lean answered PENDING: keep this `results_id` and `resume` later.
    Pending(ResultsId),
    /// The endpoint answered with data straight away.
    Data(CallData<P>),
}
