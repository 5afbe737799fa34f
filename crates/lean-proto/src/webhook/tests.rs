use super::*;

#[test]
fn signature_round_trip_and_rejections() {
    let s = WebhookSecret::new("secret");
    let body = b"{\"type\":\"x\"}";
    let sig = s.sign(body);
    assert_eq!(sig.len(), 7 + 128);
    assert_eq!(s.verify(body, Some(&sig)), Ok(()));
    assert_eq!(s.verify(body, None), Err(WebhookError::MissingSignature));
    assert_eq!(
        s.verify(body, Some("sha256=00")),
        Err(WebhookError::MalformedSignature)
    );
    assert_eq!(
        s.verify(body, Some("sha512=zz")),
        Err(WebhookError::MalformedSignature)
    );
    let mut wrong = sig.clone();
    wrong.replace_range(10..11, if &sig[10..11] == "0" { "1" } else { "0" });
    assert_eq!(
        s.verify(body, Some(&wrong)),
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        WebhookSecret::new("other").verify(body, Some(&sig)),
        Err(WebhookError::BadSignature)
    );
    assert!(matches!(
        s.verify_limited(body, Some(&sig), 4),
        Err(WebhookError::TooLarge { .. })
    ));
    assert!(!format!("{s:?}").contains("secret\""));
}

#[test]
fn results_ready_parses() {
    let body = br#"{"type":"results.ready","payload":{"id":"6DD9C7D2-1c8c-4862-bb1f-fcf52f5033d4"},
            "message":"Your results are ready.","timestamp":"2021-01-08T18:05:19.244672Z",
            "event_id":"28f729fe-9c36-426f-959b-65e69303d901"}"#;
    let e = WebhookEvent::parse(body).unwrap();
    match e.kind {
        EventKind::ResultsReady { results_id } => {
            assert_eq!(results_id.as_str(), "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4")
        }
        other => panic!("{other:?}"),
    }
    let bad = br#"{"type":"results.ready","payload":{"id":"../x"}}"#;
    match WebhookEvent::parse(bad) {
        Err(WebhookError::Decode(f)) => assert_eq!(f.path, "payload.id"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn dedupe_is_bounded() {
    let mut d = Dedupe::new(2);
    assert!(d.first_time("a"));
    assert!(!d.first_time("a"));
    assert!(d.first_time("b"));
    assert!(d.first_time("c"));
    assert_eq!(d.len(), 2);
    assert!(d.first_time("a"), "oldest key forgotten");
}
