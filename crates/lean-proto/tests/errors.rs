//! Every public error is a `std::error::Error` whose `source()` leads to the cause, and the
//! client error answers what a caller branches on without matching.

use lean_proto::call::{CallError, CallErrorKind};
use lean_proto::client::{Error, TlsError};
use lean_proto::*;
use std::error::Error as _;

fn api(status: u16, body: &str) -> ApiError {
    let resp = http::Response::builder()
        .status(status)
        .header("lean-correlation-id", "corr-7")
        .body(body.as_bytes().to_vec())
        .unwrap();
    match classify::<Page<Account>>(&resp).unwrap() {
        Outcome::ApiError(e) => e,
        other => panic!("{other:?}"),
    }
}

fn chain(e: &dyn std::error::Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push(c.to_string());
        cur = c.source();
    }
    out
}

#[test]
fn a_lean_error_reads_its_code_status_and_correlation_id() {
    let e = api(
        404,
        r#"{"status":"UNKNOWN_ENTITY","message":"no such entity","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","metadata":null}"#,
    );
    let err: Error = CallError {
        kind: CallErrorKind::Api(e),
        results_id: None,
        correlation_id: Some("corr-7".into()),
        last_error: None,
    }
    .into();
    assert_eq!(err.lean_code(), Some(&ErrorCode::UnknownEntity));
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(err.correlation_id(), Some("corr-7"));
    assert!(!err.is_misuse(), "Lean said no: not the caller's mistake");
    let c = chain(&err);
    assert_eq!(
        c.len(),
        3,
        "client error -> call error -> Lean's error: {c:?}"
    );
    assert!(c[2].contains("UNKNOWN_ENTITY") && c[2].contains("corr-7"));
    // The token server's refusal reads the same way, through the token error.
    let token: Error = CallError {
        kind: CallErrorKind::Auth(auth::TokenError::Rejected(Box::new(api(
            401,
            r#"{"status":"UNAUTHORIZED","message":"bad client"}"#,
        )))),
        results_id: None,
        correlation_id: None,
        last_error: None,
    }
    .into();
    assert_eq!(token.http_status(), Some(401));
    assert_eq!(chain(&token).len(), 4);
}

#[test]
fn a_failed_answer_reads_its_granular_code_and_results_id() {
    let failed = {
        let mut e = Failed::default();
        e.status = EnvelopeStatus::Failed;
        e.granular_status_code = Some(GranularStatusCode::BankMaintenance);
        e.status_additional_info = Some("down".into());
        e.results_id = None;
        e.message = None;
        e.correlation_id = None;
        e
    };
    let rid = ResultsId::parse("2ab8c57a-011b-418f-9419-968155e600dd").unwrap();
    let err: Error = CallError {
        kind: CallErrorKind::DataFailed(failed),
        results_id: Some(rid.clone()),
        correlation_id: None,
        last_error: None,
    }
    .into();
    assert_eq!(
        err.granular_status_code(),
        Some(&GranularStatusCode::BankMaintenance)
    );
    assert_eq!(err.results_id(), Some(&rid));
    assert!(
        err.source()
            .unwrap()
            .source()
            .unwrap()
            .to_string()
            .contains("BANK_MAINTENANCE")
    );
}

#[test]
fn misuse_is_typed_by_what_was_wrong() {
    let id: Error = EntityId::parse("../token").unwrap_err().into();
    assert!(matches!(id, Error::InvalidId(ref e) if e.field == "entity_id"));
    let config: Error = BaseUrl::parse("ftp://lean").unwrap_err().into();
    assert!(matches!(config, Error::Config(_)));
    let tls: Error = TlsError {
        what: "client key",
        detail: "not PEM".into(),
    }
    .into();
    let request: Error = RequestError::PageSize(0).into();
    for e in [&id, &config, &tls, &request] {
        assert!(e.is_misuse(), "{e}");
        assert!(e.source().is_some(), "{e}");
    }
    let transport: Error = CallError {
        kind: CallErrorKind::Transport(retry::TransportError::TooLarge { limit: 10 }),
        results_id: None,
        correlation_id: None,
        last_error: None,
    }
    .into();
    assert!(!transport.is_misuse());
    let cause = transport.source().unwrap().source().unwrap();
    assert_eq!(
        cause.downcast_ref::<retry::TransportError>(),
        Some(&retry::TransportError::TooLarge { limit: 10 }),
        "the body-too-large case is typed all the way down"
    );
}

#[test]
fn a_decode_error_names_the_field_through_its_source() {
    let resp = http::Response::builder()
        .status(200)
        .body(br#"{"status":"OK","data":{"accounts":[{"account_id":"nope"}]}}"#.to_vec())
        .unwrap();
    let e = classify::<Page<Account>>(&resp).unwrap_err();
    let field = e.source().unwrap().downcast_ref::<FieldError>().unwrap();
    assert_eq!(field.path, "data.accounts[0].account_id");
}

#[test]
fn an_error_says_each_thing_once() {
    // A 404 never retried: the last error is the error itself, with the same correlation id.
    let e = api(
        404,
        r#"{"status":"UNKNOWN_ENTITY","message":"no such entity","metadata":null}"#,
    );
    let err = CallError {
        last_error: Some(e.to_string()),
        kind: CallErrorKind::Api(e),
        results_id: None,
        correlation_id: Some("corr-7".into()),
    };
    let text = err.to_string();
    assert_eq!(text.matches("404").count(), 1, "{text}");
    assert_eq!(text.matches("corr-7").count(), 1, "{text}");
    assert!(!text.contains("last error"), "{text}");
    // A deadline after transient failures: both are said, and the correlation id once.
    let err = CallError {
        kind: CallErrorKind::DeadlineExceeded,
        results_id: Some(ResultsId::parse("2ab8c57a-011b-418f-9419-968155e600dd").unwrap()),
        correlation_id: Some("corr-8".into()),
        last_error: Some("Lean answered HTTP 503".into()),
    };
    assert_eq!(
        err.to_string(),
        "deadline exceeded; last error: Lean answered HTTP 503; results_id \
         2ab8c57a-011b-418f-9419-968155e600dd (resume with it) (lean-correlation-id corr-8)"
    );
}
