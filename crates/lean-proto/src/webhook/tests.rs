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

#[test]
fn hex_tags_decode_as_an_independent_decoder_has_them() {
    // The reference: u8::from_str_radix over each pair, with its own check of every digit.
    let reference = |s: &str| -> Option<Vec<u8>> {
        if s.len() != 128 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        (0..64)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
            .collect()
    };
    let mut rng = crate::rng::Rng::new(7);
    let digits = b"0123456789abcdefABCDEF";
    let mut cases: Vec<String> = (0..200)
        .map(|_| {
            (0..128)
                .map(|_| char::from(digits[(rng.next_u64() % 22) as usize]))
                .collect()
        })
        .collect();
    // Every ASCII byte at six positions of a valid tag: only hex digits pass (a lone byte above
    // 0x7F is no `&str`; "é" below covers non-ASCII text).
    let valid = cases[0].clone();
    for pos in [0, 1, 63, 64, 126, 127] {
        for byte in 0..=255u8 {
            let mut t = valid.clone().into_bytes();
            t[pos] = byte;
            if let Ok(t) = String::from_utf8(t) {
                cases.push(t);
            }
        }
    }
    cases.extend([
        String::new(),
        "0".repeat(127),
        "0".repeat(129),
        "é".repeat(64),
    ]);
    for case in &cases {
        assert_eq!(
            decode_hex(case).map(|t| t.to_vec()),
            reference(case),
            "{case:?}"
        );
    }
    assert!(cases.iter().filter(|c| reference(c).is_some()).count() > 300);
    assert!(cases.iter().filter(|c| reference(c).is_none()).count() > 600);
}
