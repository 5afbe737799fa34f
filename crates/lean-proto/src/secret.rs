//! Secrets: the client secret, access tokens, the app token and the webhook secret.
//!
//! This module owns the one rule about secrets: their text never reaches `Debug`, `Display`,
//! logs or errors. There is no `Display` impl, `Debug` prints `[redacted]`, and reading the
//! value takes an explicit [`Secret::expose`] call that is easy to find in review.

use http::HeaderValue;
use std::fmt;
use std::sync::{Arc, OnceLock};

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
#[derive(Clone)]
pub struct Secret(Arc<Inner>);

struct Inner {
    text: Box<str>,
    /// The header value it is sent as, made at its first request and shared by every request
    /// after: an access token is ~1.1 KB, which would otherwise be copied and checked byte by
    /// byte on every call. `None` when the text cannot be a header value.
    bearer: OnceLock<Option<HeaderValue>>,
    plain: OnceLock<Option<HeaderValue>>,
}

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::new(Inner {
            text: value.into().into_boxed_str(),
            bearer: OnceLock::new(),
            plain: OnceLock::new(),
        }))
    }

    /// The secret text, for the one place that must send it (a header, a form body, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0.text
    }

    /// True when the secret is the empty string (a configuration mistake worth rejecting early).
    pub fn is_empty(&self) -> bool {
        self.0.text.is_empty()
    }

    /// The header value this secret is sent as: `Bearer <text>` for an access token, the text
    /// itself for the app token; marked sensitive (`http`'s `Debug` prints `Sensitive`, HPACK
    /// never indexes it). Made once; a clone is a reference count. `None` when the text holds
    /// a byte a header value cannot, or one past ASCII (`request::is_header_text`).
    pub(crate) fn header_value(&self, bearer: bool) -> Option<HeaderValue> {
        let (cell, prefix) = match bearer {
            true => (&self.0.bearer, "Bearer "),
            false => (&self.0.plain, ""),
        };
        cell.get_or_init(|| {
            if !crate::request::is_header_text(&self.0.text) {
                return None;
            }
            let mut text = String::with_capacity(prefix.len() + self.0.text.len());
            text.push_str(prefix);
            text.push_str(&self.0.text);
            let mut value = HeaderValue::try_from(text).ok()?;
            value.set_sensitive(true);
            Some(value)
        })
        .clone()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_value_is_made_once_and_shared() {
        let token = Secret::new("eyJ.abc.def");
        let first = token.header_value(true).unwrap();
        assert_eq!(first, "Bearer eyJ.abc.def");
        assert!(first.is_sensitive());
        assert_eq!(format!("{first:?}"), "Sensitive");
        // A clone of the secret (as every call takes) finds the value already made.
        assert!(token.clone().0.bearer.get().is_some());
        assert_eq!(token.clone().header_value(true).unwrap(), first);
        assert_eq!(token.header_value(false).unwrap(), "eyJ.abc.def");
    }

    #[test]
    fn text_a_header_cannot_hold_gives_none() {
        let bad = Secret::new("line\nbreak");
        assert!(bad.header_value(true).is_none());
        assert!(bad.header_value(false).is_none());
    }
}
