//! The token lifecycle: one fetch at a time, renewal ahead of expiry, 401 handling.

mod common;

use lean_proto::auth::{Credential, TokenAccess, TokenCache, TokenError};
use lean_proto::*;
use std::time::Duration;

fn cache() -> TokenCache {
    TokenCache::new(&Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("sec"),
        },
    ))
}

fn token(tok: &str, expires_in: u64) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(
            format!(
                r#"{{"access_token":"{tok}","token_type":"Bearer","expires_in":{expires_in}}}"#
            )
            .into_bytes(),
        )
        .unwrap()
}

fn bearer(a: TokenAccess) -> String {
    match a {
        TokenAccess::Ready(Credential::Bearer(t)) => t.expose().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_fetch_at_a_time_then_shared() {
    let t0 = common::epoch();
    let c = cache();
    let TokenAccess::Fetch(ticket, req) = c.access(t0).unwrap() else {
        panic!()
    };
    assert_eq!(req.uri(), "https://auth.sandbox.leantech.me/oauth2/token");
    // A second caller waits instead of fetching again.
    assert!(matches!(c.access(t0).unwrap(), TokenAccess::Wait(_)));
    c.handle_fetch_response(ticket, &token("A", 3600), t0)
        .unwrap();
    assert_eq!(bearer(c.access(t0).unwrap()), "A");
    assert_eq!(bearer(c.access(t0 + Duration::from_secs(60)).unwrap()), "A");
}

#[test]
fn renews_ahead_of_expiry_without_blocking_others() {
    let t0 = common::epoch();
    let c = cache();
    let TokenAccess::Fetch(t, _) = c.access(t0).unwrap() else {
        panic!()
    };
    c.handle_fetch_response(t, &token("A", 3600), t0).unwrap();
    let late = t0 + Duration::from_secs(3600 - 100);
    let TokenAccess::Fetch(t2, _) = c.access(late).unwrap() else {
        panic!("renewal due")
    };
    // While renewing, others keep the still-valid token.
    assert_eq!(bearer(c.access(late).unwrap()), "A");
    c.handle_fetch_response(t2, &token("B", 3600), late)
        .unwrap();
    assert_eq!(bearer(c.access(late).unwrap()), "B");
}

/// `ready` says what `access` would hand out as `Ready`, and commits to nothing: where
/// `access` would start a fetch (no token, or a renewal due), it says `None` and the fetch is
/// still there for `access` to start.
#[test]
fn ready_is_access_without_the_fetch() {
    let t0 = common::epoch();
    let c = cache();
    assert!(c.ready(t0).is_none(), "no token yet");
    assert!(!c.is_fetching(t0), "and no fetch started by asking");
    let TokenAccess::Fetch(t, _) = c.access(t0).unwrap() else {
        panic!("the fetch is still access's to start")
    };
    assert!(
        c.ready(t0).is_none(),
        "a fetch under way, no token yet: wait"
    );
    c.handle_fetch_response(t, &token("A", 3600), t0).unwrap();
    let ready = |at| match c.ready(at) {
        Some(Credential::Bearer(t)) => Some(t.expose().to_owned()),
        Some(Credential::AppToken(_)) => panic!("a bearer token"),
        None => None,
    };
    assert_eq!(ready(t0).as_deref(), Some("A"));
    // Renewal due: `access` would fetch, so `ready` hands nothing out and starts nothing.
    let late = t0 + Duration::from_secs(3600 - 100);
    assert_eq!(ready(late), None);
    assert!(!c.is_fetching(late));
    let TokenAccess::Fetch(t2, _) = c.access(late).unwrap() else {
        panic!("renewal due")
    };
    // While another caller renews, the still-valid token is ready, as `access` says.
    assert_eq!(ready(late).as_deref(), Some("A"));
    c.handle_fetch_response(t2, &token("B", 3600), late)
        .unwrap();
    assert_eq!(ready(late).as_deref(), Some("B"));
    // Expired, and nobody fetching: nothing ready.
    assert_eq!(ready(late + Duration::from_secs(7200)), None);
}

#[test]
fn reject_forgets_only_the_current_token() {
    let t0 = common::epoch();
    let c = cache();
    let TokenAccess::Fetch(t, _) = c.access(t0).unwrap() else {
        panic!()
    };
    c.handle_fetch_response(t, &token("A", 3600), t0).unwrap();
    c.reject(&Secret::new("old"));
    assert_eq!(bearer(c.access(t0).unwrap()), "A");
    c.reject(&Secret::new("A"));
    assert!(matches!(c.access(t0).unwrap(), TokenAccess::Fetch(..)));
}

#[test]
fn abandoned_fetch_is_retried_and_errors_are_typed() {
    let t0 = common::epoch();
    let c = cache();
    let TokenAccess::Fetch(old, _) = c.access(t0).unwrap() else {
        panic!()
    };
    let later = t0 + Duration::from_secs(30);
    let TokenAccess::Fetch(t, _) = c.access(later).unwrap() else {
        panic!("abandoned")
    };
    let refused = http::Response::builder()
        .status(401)
        .body(br#"{"error":"invalid_client"}"#.to_vec())
        .unwrap();
    assert!(matches!(
        c.handle_fetch_response(t, &refused, later),
        Err(TokenError::Rejected(_))
    ));
    let down = http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap();
    c.handle_fetch_failed(old);
    let TokenAccess::Fetch(t, _) = c.access(later).unwrap() else {
        panic!()
    };
    assert!(matches!(
        c.handle_fetch_response(t, &down, later),
        Err(TokenError::Unavailable(_))
    ));
    let junk = http::Response::builder()
        .status(200)
        .body(b"{}".to_vec())
        .unwrap();
    let TokenAccess::Fetch(t, _) = c.access(later).unwrap() else {
        panic!()
    };
    assert!(matches!(
        c.handle_fetch_response(t, &junk, later),
        Err(TokenError::Malformed(_))
    ));
}

#[test]
fn v1_hands_out_the_app_token() {
    let c = TokenCache::new(&Config::new(
        Region::Ksa,
        Environment::Sandbox,
        Credentials::AppToken(Secret::new("app")),
    ));
    assert!(matches!(
        c.access(common::epoch()).unwrap(),
        TokenAccess::Ready(Credential::AppToken(_))
    ));
    assert!(matches!(
        c.ready(common::epoch()),
        Some(Credential::AppToken(_))
    ));
}

/// The secret as text, or as the decimal byte list `http`'s `Debug` prints bodies with.
fn leaks(debug: &str, secret: &str) -> bool {
    let bytes = secret
        .bytes()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    debug.contains(secret) || debug.contains(&bytes)
}

#[test]
fn debug_never_shows_the_secret_or_the_token() {
    let t0 = common::epoch();
    let config = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("S3CRET-VALUE"),
        },
    );
    let c = TokenCache::new(&config);
    let access = c.access(t0).unwrap();
    assert!(!leaks(&format!("{access:?}"), "S3CRET-VALUE"), "{access:?}");
    let TokenAccess::Fetch(ticket, req) = access else {
        panic!()
    };
    assert!(
        leaks(&format!("{req:?}"), "S3CRET-VALUE"),
        "the check itself works: http prints bodies"
    );
    c.handle_fetch_response(ticket, &token("TOKEN-VALUE-123", 3600), t0)
        .unwrap();
    assert!(!leaks(&format!("{c:?}"), "TOKEN-VALUE-123"));
    assert!(!leaks(
        &format!("{:?}", c.access(t0).unwrap()),
        "TOKEN-VALUE-123"
    ));
    // A call's token transmit, and its data transmit.
    let c = TokenCache::new(&config);
    let results = lean_proto::results::InMemoryResults::default();
    let mut call = lean_proto::call::Call::new(
        GetAccounts::new(EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap()),
        config.api_base(),
        lean_proto::call::CallConfig::default(),
        t0,
    );
    let ctx = lean_proto::call::Context {
        tokens: &c,
        results: &results,
    };
    let tx = call.poll_transmit(t0, &ctx).unwrap();
    assert!(!leaks(&format!("{tx:?}"), "S3CRET-VALUE"), "{tx:?}");
    call.handle_response(tx.id, token("TOKEN-VALUE-123", 3600), t0, &ctx);
    let tx = call.poll_transmit(t0, &ctx).unwrap();
    assert!(!leaks(&format!("{tx:?}"), "TOKEN-VALUE-123"), "{tx:?}");
}

#[test]
fn an_absurd_expires_in_is_bounded_both_ways() {
    let t0 = common::epoch();
    // Near u64::MAX seconds: no overflow, the token is usable.
    let c = cache();
    let TokenAccess::Fetch(t, _) = c.access(t0).unwrap() else {
        panic!()
    };
    c.handle_fetch_response(t, &token("BIG", u64::MAX), t0)
        .unwrap();
    assert_eq!(
        bearer(c.access(t0 + Duration::from_secs(3600)).unwrap()),
        "BIG"
    );
    // 0 seconds: used for a few seconds instead of a fetch before every request.
    let c = cache();
    let TokenAccess::Fetch(t, _) = c.access(t0).unwrap() else {
        panic!()
    };
    c.handle_fetch_response(t, &token("ZERO", 0), t0).unwrap();
    assert_eq!(
        bearer(c.access(t0 + Duration::from_secs(1)).unwrap()),
        "ZERO"
    );
}
