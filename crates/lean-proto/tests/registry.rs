//! The results registry and the webhook intake.

mod common;

use common::epoch;
use lean_proto::results::{InMemoryResults, Readiness, ResultsRegistry};
use lean_proto::webhook::{Dedupe, WebhookError, WebhookSecret, intake};
use lean_proto::*;
use std::time::Duration;

fn id(n: u64) -> ResultsId {
    ResultsId::parse(&format!("00000000-0000-4000-8000-{n:012x}")).unwrap()
}

#[test]
fn waiting_call_is_woken_and_early_webhooks_are_held() {
    let t = epoch();
    let r = InMemoryResults::default();
    assert!(!r.register(&id(1), t));
    assert_eq!(r.mark_ready(&id(1), t), Readiness::Woke);
    assert!(r.is_ready(&id(1)));
    assert_eq!(r.mark_ready(&id(1), t), Readiness::Duplicate);
    // Early: the webhook comes before anyone waits.
    assert_eq!(r.mark_ready(&id(2), t), Readiness::Held);
    assert_eq!(r.held_early(), 1);
    assert!(
        r.register(&id(2), t),
        "registration finds the early webhook"
    );
    r.unregister(&id(1));
    r.unregister(&id(2));
    assert_eq!(r.waiting(), 0);
    assert_eq!(r.held_early(), 0);
}

#[test]
fn early_webhooks_are_bounded_in_count_and_time() {
    let t = epoch();
    let r = InMemoryResults::new(3, Duration::from_secs(60));
    for n in 0..10 {
        r.mark_ready(&id(n), t);
    }
    assert_eq!(r.held_early(), 3);
    assert_eq!(r.dropped_early(), 7);
    assert!(r.register(&id(9), t), "the newest are kept");
    assert!(!r.register(&id(0), t), "the oldest were dropped");
    // Expiry by time.
    let r = InMemoryResults::new(100, Duration::from_secs(60));
    r.mark_ready(&id(1), t);
    r.mark_ready(&id(2), t + Duration::from_secs(61));
    assert_eq!(r.dropped_early(), 1);
    assert!(!r.register(&id(1), t + Duration::from_secs(61)));
}

#[test]
fn intake_answers_lean_and_wakes_the_call() {
    let t = epoch();
    let secret = WebhookSecret::new("whsec");
    let dedupe = std::sync::Mutex::new(Dedupe::new(100));
    let reg = InMemoryResults::default();
    reg.register(&id(5), t);
    let body = format!(
        r#"{{"type":"results.ready","payload":{{"id":"{}"}},"message":"ready","timestamp":"2026-01-01T00:00:00Z","event_id":"28f729fe-9c36-426f-959b-65e69303d901"}}"#,
        id(5)
    );
    let sig = secret.sign(body.as_bytes());
    let ack = intake(Some(&secret), &dedupe, &reg, Some(&sig), body.as_bytes(), t);
    assert_eq!(ack.status(), 200);
    assert_eq!(ack.readiness(), Some(Readiness::Woke));
    assert!(reg.is_ready(&id(5)));
    // Lean redelivers: acknowledged, nothing else.
    let again = intake(Some(&secret), &dedupe, &reg, Some(&sig), body.as_bytes(), t);
    assert_eq!((again.status(), again.is_duplicate()), (200, true));
    // Wrong signature, missing signature, oversized, not an event.
    let bad = intake(
        Some(&secret),
        &dedupe,
        &reg,
        Some(&WebhookSecret::new("x").sign(body.as_bytes())),
        body.as_bytes(),
        t,
    );
    assert_eq!(
        (bad.status(), bad.error().cloned()),
        (401, Some(WebhookError::BadSignature))
    );
    assert_eq!(
        intake(Some(&secret), &dedupe, &reg, None, body.as_bytes(), t).status(),
        401
    );
    let big = vec![b' '; webhook::DEFAULT_MAX_BODY + 1];
    assert_eq!(
        intake(
            Some(&secret),
            &dedupe,
            &reg,
            Some(&secret.sign(&big)),
            &big,
            t
        )
        .status(),
        413
    );
    let junk = b"[1,2]";
    assert_eq!(
        intake(
            Some(&secret),
            &dedupe,
            &reg,
            Some(&secret.sign(junk)),
            junk,
            t
        )
        .status(),
        400
    );
}

#[test]
fn other_events_are_handed_to_the_app() {
    let t = epoch();
    let secret = WebhookSecret::new("whsec");
    let dedupe = std::sync::Mutex::new(Dedupe::new(100));
    let reg = InMemoryResults::default();
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lean-postman/UAE-webhooks/entity.created.json"
    ))
    .unwrap();
    let ack = intake(
        Some(&secret),
        &dedupe,
        &reg,
        Some(&secret.sign(&body)),
        &body,
        t,
    );
    assert_eq!(ack.status(), 200);
    assert!(matches!(
        ack.into_event().unwrap().kind,
        webhook::EventKind::EntityCreated(_)
    ));
}

#[test]
fn webhook_secret_never_prints() {
    let s = WebhookSecret::new("whsec_live_abcdef");
    assert!(!format!("{s:?}").contains("abcdef"));
    let err = s.verify(b"{}", Some("sha512=00")).unwrap_err();
    assert!(!err.to_string().contains("abcdef"));
}

#[test]
fn intake_without_a_secret_trusts_nothing() {
    let dedupe = std::sync::Mutex::new(Dedupe::new(10));
    let reg = InMemoryResults::default();
    let ack = intake(None, &dedupe, &reg, Some("sha512=00"), b"{}", epoch());
    assert_eq!(
        (ack.status(), ack.error().cloned()),
        (500, Some(WebhookError::NoSecret))
    );
    assert!(ack.event().is_none());
}

#[test]
fn intake_refuses_with_503_when_the_dedupe_store_cannot_tell() {
    struct Down;
    impl webhook::DedupeStore for Down {
        fn claim(
            &self,
            _: &str,
            _: Option<std::time::Duration>,
            _: std::time::Instant,
        ) -> Result<webhook::Claimed, webhook::DedupeUnavailable> {
            Err(webhook::DedupeUnavailable)
        }
        fn confirm(
            &self,
            _: &str,
            _: std::time::Instant,
        ) -> Result<(), webhook::DedupeUnavailable> {
            Err(webhook::DedupeUnavailable)
        }
        fn release(&self, _: &str) -> Result<(), webhook::DedupeUnavailable> {
            Err(webhook::DedupeUnavailable)
        }
    }
    let secret = WebhookSecret::new("s");
    let body = br#"{"type":"results.ready","payload":{"id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"},"event_id":"e1"}"#;
    let reg = InMemoryResults::default();
    let ack = intake(
        Some(&secret),
        &Down,
        &reg,
        Some(&secret.sign(body)),
        body,
        epoch(),
    );
    assert_eq!(
        (ack.status(), ack.error().cloned()),
        (503, Some(WebhookError::DedupeUnavailable)),
        "Lean delivers it again later"
    );
    assert!(
        ack.event().is_none() && ack.readiness().is_none(),
        "nothing acted on"
    );
    assert!(
        !reg.register(
            &ResultsId::parse("6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4").unwrap(),
            epoch()
        ),
        "the registry was not marked"
    );
}

#[test]
fn old_events_without_event_id_are_keyed_by_their_body() {
    // Same type, same timestamp, different entity: two events, not a duplicate.
    let a = br#"{"type":"entity.created","payload":{"id":"14eb95ba-2b9d-41cb-82fe-7b1b3079021e","customer_id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"},"timestamp":"2021-01-08T18:05:19Z"}"#;
    let b = br#"{"type":"entity.created","payload":{"id":"24eb95ba-2b9d-41cb-82fe-7b1b3079021e","customer_id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"},"timestamp":"2021-01-08T18:05:19Z"}"#;
    let (ka, kb) = (
        webhook::WebhookEvent::parse(a)
            .unwrap()
            .dedupe_key()
            .to_owned(),
        webhook::WebhookEvent::parse(b)
            .unwrap()
            .dedupe_key()
            .to_owned(),
    );
    assert_ne!(ka, kb);
    assert_eq!(
        ka,
        webhook::WebhookEvent::parse(a).unwrap().dedupe_key(),
        "a redelivery is a duplicate"
    );
}

#[test]
fn claims_hold_for_their_lease_and_settle_either_way() {
    use lean_proto::webhook::{Claimed, Dedupe};
    use std::time::Duration;
    let mut d = Dedupe::new(2);
    let t0 = epoch();
    let lease = Some(Duration::from_secs(60));
    assert_eq!(d.claim("a", lease, t0), Claimed::First);
    assert_eq!(d.claim("a", lease, t0), Claimed::Held, "being processed");
    d.release("a");
    assert_eq!(d.claim("a", lease, t0), Claimed::First, "released: again");
    d.confirm("a");
    assert_eq!(
        d.claim("a", lease, t0),
        Claimed::Seen,
        "confirmed: a duplicate"
    );
    assert_eq!(d.claim("b", lease, t0), Claimed::First);
    let later = t0 + Duration::from_secs(61);
    assert_eq!(d.claim("b", lease, later), Claimed::First, "lapsed");
    assert_eq!(d.claim("c", None, t0), Claimed::First);
    assert_eq!(d.claim("c", lease, later), Claimed::Seen, "for good");
    // Leases are bounded too: a third one pushes out the one that lapses first.
    assert_eq!(d.claim("x", lease, t0), Claimed::First);
    assert_eq!(d.claim("y", lease, t0), Claimed::First);
    assert_eq!(d.claim("z", lease, t0), Claimed::First);
    // Kept: b (lapses last) and z (the newest); x and y, lapsing first, went.
    assert_eq!(d.claim("z", lease, t0), Claimed::Held);
    assert_eq!(d.claim("b", lease, later), Claimed::Held);
    assert_eq!(
        d.claim("y", lease, t0),
        Claimed::First,
        "forgotten: processed again"
    );
}
