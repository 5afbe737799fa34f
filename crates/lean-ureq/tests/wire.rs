//! What lean-ureq puts on the wire for the core's `http` request, read back by a server on
//! loopback: a GET with nothing to send goes out with no body at all (no `content-length`),
//! while a POST keeps its length, even an empty one.

use lean_client::transport::{BlockingTransport, Connect, TransportOptions};
use lean_conformance::wire::echo_once;
use std::time::Duration;

/// The request as the server read it, sent through lean-ureq.
fn sent(method: &str, body: &[u8]) -> String {
    let ureq = lean_ureq::Ureq::connect(&TransportOptions::default()).expect("transport");
    let (base, server) = echo_once();
    let request = http::Request::builder()
        .method(method)
        .uri(format!("{base}/data/v2/accounts?entity_id=e"))
        .header("authorization", "Bearer t")
        .body(body.to_vec())
        .expect("request");
    let answer = ureq
        .send(request, Duration::from_secs(10))
        .expect("answered");
    server.join().expect("server");
    String::from_utf8_lossy(answer.body()).to_ascii_lowercase()
}

#[test]
fn a_get_goes_out_without_a_body_and_a_post_with_its_length() {
    let get = sent("GET", b"");
    assert!(
        get.starts_with("get /data/v2/accounts?entity_id=e http/1.1\r\n"),
        "{get}"
    );
    assert!(!get.contains("content-length"), "{get}");
    assert!(!get.contains("transfer-encoding"), "{get}");
    assert!(get.contains("authorization: bearer t"), "{get}");

    let empty_post = sent("POST", b"");
    assert!(empty_post.contains("content-length: 0\r\n"), "{empty_post}");

    let post = sent("POST", b"{\"a\":1}");
    assert!(post.contains("content-length: 7\r\n"), "{post}");
    assert!(post.ends_with("\r\n\r\n{\"a\":1}"), "{post}");
}
