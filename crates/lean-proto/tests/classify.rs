//! Classification of envelopes that the recordings do not cover, and the no-panic property.

use lean_proto::*;
use proptest::prelude::*;

fn resp(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("lean-correlation-id", "corr-9")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

const RID: &str = "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4";

#[test]
fn pending_carries_results_id() {
    let body = format!(
        r#"{{"status":"PENDING","results_id":"{RID}","message":"Please wait for a webhook or try again later.","meta":null,"timestamp":"2026-05-13T19:42:30.487549603Z","status_detail":null,"data":null}}"#
    );
    match classify::<Page<Transaction>>(&resp(200, &body)).unwrap() {
        Outcome::Pending(p) => {
            assert_eq!(p.results_id.as_str(), RID);
            assert_eq!(p.correlation_id.as_deref(), Some("corr-9"));
        }
        o => panic!("{}", o.class()),
    }
    // Without a usable results_id a PENDING could never be fetched: a decode error that says so.
    let err =
        classify::<Page<Account>>(&resp(200, r#"{"status":"PENDING","data":null}"#)).unwrap_err();
    assert_eq!(err.field.path, "results_id");
    assert_eq!(err.correlation_id.as_deref(), Some("corr-9"));
    let err = classify::<Page<Account>>(&resp(200, r#"{"status":"PENDING","results_id":"nope"}"#))
        .unwrap_err();
    assert_eq!(err.field.path, "results_id");
}

#[test]
fn transaction_pending_is_data_not_envelope_pending() {
    let body = format!(
        r#"{{"status":"OK","results_id":"{RID}","data":{{"type":"transactions","transactions":[{{"status":"PENDING","amount":{{"currency":"AED","amount":0.1}}}}],"page":{{"number":0,"size":50,"total_elements":1,"total_pages":1}}}}}}"#
    );
    let Outcome::Data(d) = classify::<Page<Transaction>>(&resp(200, &body)).unwrap() else {
        panic!()
    };
    assert_eq!(d.payload.items[0].status, Some(TransactionStatus::Pending));
    assert_eq!(d.payload.items[0].amount.amount.to_string(), "0.1");
}

#[test]
fn failed_with_granular_code() {
    for (code, retryable) in [
        ("BANK_MAINTENANCE", true),
        ("DISABLED_BY_CLIENT", false),
        ("UNSEEN_BANK_ERROR", true),
        ("NEW_CODE", false),
    ] {
        let body = format!(
            r#"{{"status":"FAILED","results_id":"{RID}","message":"x","status_detail":{{"granular_status_code":"{code}","status_additional_info":"more"}},"data":null}}"#
        );
        match classify::<Page<Account>>(&resp(200, &body)).unwrap() {
            Outcome::Failed(f) => {
                assert_eq!(f.granular_status_code.as_ref().unwrap().as_str(), code);
                assert_eq!(f.is_retryable(), retryable, "{code}");
                assert_eq!(f.status_additional_info.as_deref(), Some("more"));
                assert_eq!(f.results_id.unwrap().as_str(), RID);
            }
            o => panic!("{}", o.class()),
        }
    }
}

#[test]
fn reconnect_required_v1() {
    let body = format!(
        r#"{{"status":"RECONNECT_REQUIRED","payload":{{"reconnect_id":"20af0000-0000-0000-0000-000000000000","type":"reconnect"}},"results_id":"{RID}","message":"User input is required","timestamp":"2020-12-30T16:40:49.779695Z"}}"#
    );
    match classify::<model::v1::V1Accounts>(&resp(200, &body)).unwrap() {
        Outcome::ReconnectRequired(r) => {
            assert_eq!(
                r.reconnect_id.as_deref(),
                Some("20af0000-0000-0000-0000-000000000000")
            );
            assert_eq!(r.results_id.unwrap().as_str(), RID);
        }
        o => panic!("{}", o.class()),
    }
}

#[test]
fn unknown_envelope_status_keeps_everything() {
    let body = format!(r#"{{"status":"THROTTLED","results_id":"{RID}","message":"slow down"}}"#);
    match classify::<Page<Account>>(&resp(200, &body)).unwrap() {
        Outcome::Failed(f) => {
            assert_eq!(f.status, EnvelopeStatus::Unknown("THROTTLED".into()));
            assert!(!f.is_retryable());
            assert_eq!(f.results_id.unwrap().as_str(), RID);
            assert_eq!(f.message.as_deref(), Some("slow down"));
        }
        o => panic!("{}", o.class()),
    }
}

#[test]
fn v1_payload_decodes_exact_amounts() {
    let body = r#"{"status":"OK","results_id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4","message":"ok","timestamp":"2021-01-08T18:05:19.244672Z",
        "payload":{"transactions":[{"id":"t1","description":"x","amount":-12345678901234567.89,"currency_code":"AED","index":0,"pending":false,"timestamp":"2021-01-08T18:05:19Z",
        "insights":{"description_cleansed":"X","category":"FOOD","category_confidence":0.93,"type":"PURCHASE","type_confidence":1}}]}}"#;
    let Outcome::Data(d) = classify::<model::v1::V1Transactions>(&resp(200, body)).unwrap() else {
        panic!()
    };
    assert_eq!(
        d.payload.transactions[0].amount.to_string(),
        "-12345678901234567.89"
    );
}

#[test]
fn error_responses_never_fail_to_classify() {
    // Not JSON: the HTTP status and the start of the body survive.
    match classify::<Page<Account>>(&resp(502, "<html>Bad gateway</html>")).unwrap() {
        Outcome::ApiError(e) => {
            assert_eq!(e.http_status, 502);
            assert_eq!(e.code, None);
            assert_eq!(e.message.as_deref(), Some("<html>Bad gateway</html>"));
        }
        o => panic!("{}", o.class()),
    }
    // OAuth2 style.
    match classify::<TokenResponse>(&resp(
        401,
        r#"{"error":"invalid_client","error_description":"bad secret"}"#,
    ))
    .unwrap()
    {
        Outcome::ApiError(e) => {
            assert_eq!(e.code.unwrap().as_str(), "invalid_client");
            assert_eq!(e.message.as_deref(), Some("bad secret"));
        }
        o => panic!("{}", o.class()),
    }
}

#[test]
fn retry_after_in_both_forms() {
    let r = http::Response::builder()
        .status(429)
        .header("retry-after", "7")
        .body(br#"{"status":"RATE_LIMIT_EXCEEDED","message":"slow"}"#.to_vec())
        .unwrap();
    let Outcome::ApiError(e) = classify::<Page<Account>>(&r).unwrap() else {
        panic!()
    };
    assert_eq!(e.retry_after, Some(RetryAfter::Seconds(7)));
    assert_eq!(e.code, Some(ErrorCode::RateLimitExceeded));
    assert_eq!(
        RetryAfter::parse("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some(RetryAfter::At(
            Timestamp::parse("2015-10-21T07:28:00Z").unwrap()
        ))
    );
    assert_eq!(RetryAfter::parse("soon"), None);
}

#[test]
fn decode_errors_name_the_field() {
    let body = format!(
        r#"{{"status":"OK","results_id":"{RID}","data":{{"type":"transactions","transactions":[{{"amount":{{"currency":"AED","amount":1}}}},{{"amount":{{"currency":"AED","amount":"lots"}}}}]}}}}"#
    );
    let err = classify::<Page<Transaction>>(&resp(200, &body)).unwrap_err();
    assert_eq!(err.field.path, "data.transactions[1].amount.amount");
    assert!(
        err.to_string()
            .contains("data.transactions[1].amount.amount"),
        "{err}"
    );
    assert!(err.to_string().contains("corr-9"));
}

fn decode_all(status: u16, body: &[u8]) {
    let r = http::Response::builder()
        .status(status)
        .body(body.to_vec())
        .unwrap();
    let _ = classify::<Page<Account>>(&r);
    let _ = classify::<Page<Transaction>>(&r);
    let _ = classify::<Page<Balance>>(&r);
    let _ = classify::<AnyData>(&r);
    let _ = classify::<Income>(&r);
    let _ = classify::<Cashflows>(&r);
    let _ = classify::<Refresh>(&r);
    let _ = classify::<TokenResponse>(&r);
    let _ = classify::<model::v1::V1Transactions>(&r);
    let _ = webhook::WebhookEvent::parse(body);
}

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(load_seeds)
}

fn load_seeds() -> Vec<Vec<u8>> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lean-postman/UAE");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap();
        out.push(v["body"].as_str().unwrap().as_bytes().to_vec());
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_all(status, &body);
    }

    #[test]
    fn mutated_real_bodies_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        status in prop::sample::select(vec![200u16, 201, 400, 404, 429, 500]),
    ) {
        let all = seeds();
        let mut body = all[pick.index(all.len())].clone();
        for (at, byte, op) in edits {
            if body.is_empty() { break; }
            let i = at.index(body.len());
            match op {
                0 => body[i] = byte,
                1 => { body.remove(i); }
                _ => body.truncate(i),
            }
        }
        decode_all(status, &body);
    }

    #[test]
    fn json_shaped_garbage_never_panics(v in json_value()) {
        let body = serde_json::to_vec(&serde_json::json!({"status": "OK", "results_id": RID, "data": v, "insights": v, "payload": v})).unwrap();
        decode_all(200, &body);
        decode_all(200, &serde_json::to_vec(&v).unwrap());
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from(RID)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(
                prop::sample::select(vec![
                    "type",
                    "accounts",
                    "transactions",
                    "page",
                    "amount",
                    "currency",
                    "account_id",
                    "number",
                    "total_pages",
                    "status",
                    "payload",
                    "id",
                    "insights",
                    "data",
                    "salary",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
