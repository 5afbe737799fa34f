//! The token a call sends, driven step by step: a fetch shared between calls, handed on when
//! its call is abandoned, a revocation racing a renewal; and a configuration of durations
//! that cannot overflow time.

mod common;

use common::fake_lean::*;
use common::{epoch, secs};
use lean_proto::call::{CallConfig, CallErrorKind};
use std::time::Duration;

#[test]
fn a_call_waiting_for_another_calls_token_fetch_stays_put_until_it_ends() {
    let t0 = epoch();
    let shared = Shared::new();
    let mut fetcher = new_call(t0, CallConfig::default());
    let mut waiter = new_call(t0, CallConfig::default());
    let fetch = fetcher
        .poll_transmit(t0, &shared.ctx())
        .expect("token request");
    assert!(waiter.poll_transmit(t0, &shared.ctx()).is_none());
    assert_eq!(waiter.waiting(), lean_proto::call::Waiting::Token);
    let until = waiter.poll_timeout().expect("a deadline to wake at");
    assert!(until > t0, "a real deadline (the fetch timeout), not 'now'");
    // Time passes while the fetch is out: the waiter neither sends nor spins back to "send".
    for ms in [0, 1, 10, 1000] {
        waiter.handle_timeout(t0 + Duration::from_millis(ms), &shared.ctx());
        assert_eq!(waiter.waiting(), lean_proto::call::Waiting::Token);
        assert!(waiter.poll_transmit(t0, &shared.ctx()).is_none());
    }
    // The fetch ends: the waiter goes on with the new token.
    fetcher.handle_response(fetch.id, token_body("T1"), t0 + secs(1), &shared.ctx());
    waiter.handle_timeout(t0 + secs(1), &shared.ctx());
    let tx = waiter
        .poll_transmit(t0 + secs(1), &shared.ctx())
        .expect("data request");
    assert_eq!(
        tx.purpose,
        lean_proto::call::Purpose::Data {
            asynchronous: false
        }
    );
}

#[test]
fn an_abandoned_call_hands_its_token_fetch_on_and_leaves_the_registry() {
    let t0 = epoch();
    let shared = Shared::new();
    let mut fetcher = new_call(t0, CallConfig::default());
    let _fetch = fetcher
        .poll_transmit(t0, &shared.ctx())
        .expect("token request");
    let released = fetcher.abandon(&shared.ctx());
    assert!(released.token_fetch);
    assert!(fetcher.is_done() && fetcher.poll_outcome().is_none());
    assert!(
        !shared.tokens.is_fetching(t0),
        "the next caller may fetch at once"
    );
    let mut next = new_call(t0, CallConfig::default());
    let tx = next
        .poll_transmit(t0, &shared.ctx())
        .expect("its own fetch");
    assert_eq!(tx.purpose, lean_proto::call::Purpose::Token);
    next.handle_response(tx.id, token_body("T2"), t0, &shared.ctx());

    // Parked on PENDING, then abandoned: the registry forgets it.
    let mut parked = new_call(t0, CallConfig::default());
    let tx = parked
        .poll_transmit(t0, &shared.ctx())
        .expect("data request");
    let pending = json(
        200,
        r#"{"status":"PENDING","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":null}"#,
    );
    parked.handle_response(tx.id, pending, t0, &shared.ctx());
    assert_eq!(shared.results.waiting(), 1);
    assert!(!parked.abandon(&shared.ctx()).token_fetch);
    assert_eq!(shared.results.waiting(), 0);
}

const ACCOUNTS_OK: &str = r#"{"status":"OK","results_id":"00000000-0000-4000-8000-000000000001","message":"ok","timestamp":"2026-01-01T00:00:00Z","type":"accounts","data":{"type":"accounts","accounts":[],"page":{"number":0,"size":50,"total_elements":0,"total_pages":1}}}"#;
const UNAUTHORIZED: &str = r#"{"status":"UNAUTHORIZED","message":"invalid token"}"#;

/// Misuse costs no request, with a token at hand (the request built to be sent is the check)
/// or without one (a request built with a placeholder token is, before a fetch may start):
/// no token fetch, no data request, and the token cache is left as it was.
#[test]
fn misuse_costs_no_request_with_or_without_a_token() {
    let t0 = epoch();
    let misuse = || {
        let mut bad = lean_proto::GetAccounts::new(entity());
        bad.options.size = Some(1000);
        call_for(bad, t0)
    };
    let shared = Shared::new();
    // No token yet.
    let mut call = misuse();
    assert!(call.poll_transmit(t0, &shared.ctx()).is_none());
    let e = call.poll_outcome().expect("ended").expect_err("misuse");
    assert!(e.is_misuse(), "{e}");
    assert_eq!(call.requests_sent(), 0);
    assert!(!shared.tokens.is_fetching(t0), "no fetch started for it");
    // With a token: the same error, nothing sent, the token still there for the next call.
    let mut good = new_call(t0, CallConfig::default());
    step_through(&mut good, &shared, |_| json(200, ACCOUNTS_OK)).expect("a good call");
    let mut call = misuse();
    assert!(call.poll_transmit(t0, &shared.ctx()).is_none());
    let e = call.poll_outcome().expect("ended").expect_err("misuse");
    assert!(e.is_misuse(), "{e}");
    assert_eq!(call.requests_sent(), 0);
    assert!(shared.tokens.ready(t0).is_some(), "the token is kept");
}

/// A route of the other generation (a v1 route with OAuth2 credentials) is misuse as well,
/// found before a token is fetched for it: the check is made with the kind of credential
/// the client holds, not the kind the route wants.
#[test]
fn a_route_of_the_other_generation_costs_no_token_fetch() {
    let t0 = epoch();
    let shared = Shared::new();
    let mut call = call_for(lean_proto::V1GetAccounts::new(entity()), t0);
    assert!(call.poll_transmit(t0, &shared.ctx()).is_none());
    let e = call.poll_outcome().expect("ended").expect_err("misuse");
    assert!(e.is_misuse(), "{e}");
    assert_eq!(call.requests_sent(), 0);
    assert!(!shared.tokens.is_fetching(t0), "no fetch started for it");
}

#[test]
fn a_revocation_racing_a_renewal_is_survived() {
    // T1 refused (revoked); T2 was issued just before the revocation and is refused too; T3
    // works. A single replay would have failed the call on T2.
    let shared = Shared::new();
    let mut call = new_call(epoch(), CallConfig::default());
    let r = step_through(&mut call, &shared, |n| {
        if n <= 2 {
            json(401, UNAUTHORIZED)
        } else {
            json(200, ACCOUNTS_OK)
        }
    });
    assert!(r.is_ok(), "{r:?}");
    // A credential that stays refused ends with the 401 as the answer, after a bounded
    // number of fresh tokens.
    let shared = Shared::new();
    let mut call = new_call(epoch(), CallConfig::default());
    let r = step_through(&mut call, &shared, |_| json(401, UNAUTHORIZED));
    let e = r.expect_err("refused for good");
    assert!(
        matches!(e.kind, CallErrorKind::Api(ref a) if a.http_status == 401),
        "{e:?}"
    );
    assert_eq!(
        call.requests_sent(),
        8,
        "4 tokens, 4 data requests: no loop"
    );
}

#[test]
fn no_call_config_overflows_time() {
    // Duration::MAX is a natural way to say "no deadline".
    let forever = {
        let mut calls = CallConfig::default();
        calls.deadline = Duration::MAX;
        calls.webhook_grace = Duration::MAX;
        calls.sync_timeout = Duration::MAX;
        calls.request_timeout = Duration::MAX;
        calls
    };
    let shared = Shared::new();
    let mut call = new_call(epoch(), forever);
    assert!(call.poll_timeout().is_none() || call.poll_timeout() > Some(epoch()));
    let r = step_through(&mut call, &shared, |_| json(200, ACCOUNTS_OK));
    assert!(r.is_ok(), "{r:?}");
}
