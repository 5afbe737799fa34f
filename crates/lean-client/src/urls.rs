//! The core's `http::Uri` as a `url::Url`, for transports built on `url` (reqwest, surf),
//! without parsing the whole URL again on every request.
//!
//! A client talks to two or three origins (Lean's API and auth hosts), so the parsed origin is
//! kept and each request only sets its path and query on a copy: the scheme, host (with its IDNA
//! processing) and port are parsed once. This module owns that cache and nothing else; the
//! result is the same `Url` a full parse gives (tested).

use std::sync::Mutex;
use url::Url;

/// Origins kept; a client uses two or three, this only bounds misuse.
const MAX_ORIGINS: usize = 8;

/// Parsed origins of one transport.
#[derive(Debug, Default)]
pub struct Urls {
    origins: Mutex<Vec<(String, Url)>>,
}

impl Urls {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// `uri` as a `Url`: `None` when it is not an absolute URL that `url` accepts.
    pub fn url(&self, uri: &http::Uri) -> Option<Url> {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return None;
        };
        let mut url = self.origin(scheme, authority.as_str())?;
        url.set_path(uri.path());
        url.set_query(uri.query());
        Some(url)
    }

    /// A copy of the parsed origin `scheme://authority/`, parsed now if it is new.
    fn origin(&self, scheme: &str, authority: &str) -> Option<Url> {
        let mut origins = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        let same = |(key, _): &&(String, Url)| {
            key.strip_prefix(scheme)
                .and_then(|k| k.strip_prefix("://"))
                .is_some_and(|k| k == authority)
        };
        if let Some((_, url)) = origins.iter().find(same) {
            return Some(url.clone());
        }
        let key = format!("{scheme}://{authority}");
        let url = Url::parse(&key).ok()?;
        if origins.len() >= MAX_ORIGINS {
            origins.clear();
        }
        origins.push((key, url.clone()));
        Some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_url_as_a_full_parse() {
        let urls = Urls::new();
        let mut checked = 0;
        for text in [
            "http://127.0.0.1:8990/data/v2/accounts?entity_id=14eb95ba-2b9d-41cb-82fe-7b1b3079021e&size=100",
            "https://sandbox.sa.leantech.me/data/v2/accounts/a/transactions?page=2&meta=a%20b%2Fc",
            "https://auth.leantech.me/oauth2/token",
            "https://API.LeanTech.me:443/customers/v1/?x=%7E~",
            "https://sandbox.leantech.me/data/v1/identity",
            "http://[::1]:9000/results/abc?",
            "https://bücher.example/a/b/../c?q=ü",
        ] {
            let uri: http::Uri = match text.parse() {
                Ok(u) => u,
                Err(_) => continue, // not an http::Uri: the core never makes one
            };
            // Twice: once parsing the origin, once from the cache.
            for _ in 0..2 {
                let expected = Url::parse(&uri.to_string()).expect("parses");
                assert_eq!(urls.url(&uri), Some(expected), "{text}");
            }
            checked += 1;
        }
        assert_eq!(
            checked, 6,
            "the non-ASCII host is not an http::Uri; all others are"
        );
        assert_eq!(urls.url(&"/relative/only".parse().expect("uri")), None);
    }
}
