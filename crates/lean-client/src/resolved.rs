//! The addresses of the hosts a transport talks to, kept for a while, for transports whose HTTP
//! library resolves a name on every request (ureq under a timeout starts a thread for it).
//!
//! A client talks to two or three hosts (Lean's API and auth hosts), so each name is looked up
//! once and its addresses kept for [`RESOLVED_FOR`]; an IP literal needs no lookup at all. This
//! module owns that cache and nothing else: the lookup itself is the transport's (its library's
//! resolver), handed in as a closure, and a failed lookup is never kept.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long resolved addresses are reused (well under the TTLs Lean's hosts are served with).
pub const RESOLVED_FOR: Duration = Duration::from_secs(30);

/// Hosts kept; a client uses two or three, this only bounds misuse.
const MAX_HOSTS: usize = 64;

/// Per (host, port): when it was resolved, and to what.
type Resolved = HashMap<(String, u16), (Instant, Vec<SocketAddr>)>;

/// Addresses per (host, port), with when they were resolved.
#[derive(Debug, Default)]
pub struct Addresses {
    cache: Mutex<Resolved>,
}

impl Addresses {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The addresses of `uri`'s host at `now`: an IP literal's at once, a name's from the cache
    /// while younger than [`RESOLVED_FOR`], else from `lookup` (kept when it gives any). A URI
    /// without a host or a known port goes to `lookup` every time.
    pub fn resolve<E>(
        &self,
        uri: &http::Uri,
        now: Instant,
        lookup: impl FnOnce() -> Result<Vec<SocketAddr>, E>,
    ) -> Result<Vec<SocketAddr>, E> {
        let port = uri.port_u16().or_else(|| match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let (Some(host), Some(port)) = (uri.host(), port) else {
            return lookup();
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let key = (host.to_ascii_lowercase(), port);
        let cache = || self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, addrs)) = cache().get(&key)
            && now.saturating_duration_since(*at) < RESOLVED_FOR
            && !addrs.is_empty()
        {
            return Ok(addrs.clone());
        }
        let fresh = lookup()?;
        if !fresh.is_empty() {
            let mut c = cache();
            if c.len() >= MAX_HOSTS {
                c.clear();
            }
            c.insert(key, (now, fresh.clone()));
        }
        Ok(fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn names_are_looked_up_once_per_half_minute_and_literals_never() {
        let cache = Addresses::new();
        let lookups = Cell::new(0);
        let local = || -> Result<Vec<SocketAddr>, ()> {
            lookups.set(lookups.get() + 1);
            Ok(vec!["127.0.0.1:443".parse().unwrap()])
        };
        let resolve = |uri: &str, now| cache.resolve(&uri.parse().unwrap(), now, local);
        let t0 = Instant::now();
        for _ in 0..100 {
            let got = resolve("https://api2.leantech.me/data/v2/accounts", t0);
            assert_eq!(got.map(|a| a.len()), Ok(1));
        }
        assert_eq!(lookups.get(), 1, "one lookup for 100 requests");
        resolve("https://AUTH.leantech.me/oauth2/token", t0).unwrap();
        resolve("https://auth.leantech.me/oauth2/token", t0).unwrap();
        assert_eq!(lookups.get(), 2, "another host, one lookup, in any case");
        let ip = resolve("http://127.0.0.1:8990/x", t0).unwrap();
        assert_eq!(ip, vec!["127.0.0.1:8990".parse().unwrap()]);
        let v6 = resolve("http://[::1]:9000/x", t0).unwrap();
        assert_eq!(v6, vec!["[::1]:9000".parse().unwrap()]);
        assert_eq!(lookups.get(), 2, "an IP literal needs none");
        resolve("https://api2.leantech.me/", t0 + RESOLVED_FOR).unwrap();
        assert_eq!(lookups.get(), 3, "older than RESOLVED_FOR: looked up again");
    }

    #[test]
    fn a_failed_or_empty_lookup_is_not_kept() {
        let cache = Addresses::new();
        let t0 = Instant::now();
        let uri: http::Uri = "https://api2.leantech.me/".parse().unwrap();
        assert_eq!(cache.resolve(&uri, t0, || Err("down")), Err("down"));
        assert_eq!(cache.resolve(&uri, t0, || Ok::<_, ()>(vec![])), Ok(vec![]));
        let one: SocketAddr = "10.0.0.1:443".parse().unwrap();
        assert_eq!(
            cache.resolve(&uri, t0, || Ok::<_, ()>(vec![one])),
            Ok(vec![one])
        );
        assert_eq!(
            cache.resolve(&uri, t0, || Err("not asked")),
            Ok(vec![one]),
            "the good answer is kept"
        );
    }
}
