//! lean-surf's conversions, tested apart from the network.

use super::*;

/// Every header reaches surf's request, names as http-types spells them, a repeated name
/// with all its values in order; a value that is not text refuses the request.
#[test]
fn to_surf_keeps_every_header_and_value() {
    let request = http::Request::get("https://api.example/data/v2/accounts?entity_id=e")
        .header("authorization", "Bearer t")
        .header("accept", "application/json")
        .header("lean-correlation-id", "c-1")
        .header("x-repeated", "one")
        .header("x-repeated", "two")
        .body(Vec::new())
        .expect("request");
    let out = to_surf(request, &Urls::new()).expect("converted");
    let get = |name: &str| {
        out.header(name)
            .map(|v| v.iter().map(|v| v.as_str().to_owned()).collect::<Vec<_>>())
    };
    assert_eq!(get("authorization"), Some(vec!["Bearer t".to_owned()]));
    assert_eq!(get("accept"), Some(vec!["application/json".to_owned()]));
    assert_eq!(get("lean-correlation-id"), Some(vec!["c-1".to_owned()]));
    assert_eq!(
        get("x-repeated"),
        Some(vec!["one".to_owned(), "two".to_owned()])
    );
    assert_eq!(
        out.url().as_str(),
        "https://api.example/data/v2/accounts?entity_id=e"
    );

    // Every method keeps its name, Lean's four and any other.
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let request = http::Request::builder()
            .method(method)
            .uri("https://api.example/x")
            .body(b"{}".to_vec())
            .expect("request");
        let out = to_surf(request, &Urls::new()).expect("converted");
        assert_eq!(out.method().to_string(), method);
    }

    let not_text = http::Request::get("https://api.example/x")
        .header(
            "x-bytes",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value"),
        )
        .body(Vec::new())
        .expect("request");
    assert!(to_surf(not_text, &Urls::new()).is_none());
}
