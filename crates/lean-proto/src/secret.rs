//! Secrets: the client secret, access tokens, the app token and the webhook secret.
//!
//! This module owns the one rule about secrets: their text never reaches `Debug`, `Display`,
//! logs or errors. There is no `Display` impl, `Debug` prints `[redacted]`, and reading the
//! value takes an explicit [`Secret::expose`] call that is easy to find in review.

use std::fmt;

/// A string that must not be printed. `Debug` shows `Secret([redacted])`; there is no `Display`.
///
/// ```
/// use lean_proto::Secret;
/// let s = Secret::new("s3cr3t");
/// assert_eq!(format!("{s:?}"), "Secret([redacted])");
/// assert_eq!(s.expose(), "s3cr3t");
/// ```
// Shared text: a token is cloned into every request of every call, and that must cost a
// reference count, not a copy.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(std::sync::Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into())
    }

    /// The secret text, for the one place that must send it (a header, a form body, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string (a configuration mistake worth rejecting early).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value.into())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.into())
    }
}
