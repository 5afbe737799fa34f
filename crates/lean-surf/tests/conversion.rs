//! What lean-surf puts on the wire for the core's `http` request, read back by a server on
//! loopback: the method (Lean's four, matched to http-types', and any other), every header
//! and value (a repeated name's values in order), the body; and a header value that is not
//! text refuses the request before anything is sent.

use lean_client::transport::{AsyncTransport, Connect, TransportOptions};
use lean_conformance::wire::echo_once;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn the_request_reaches_the_wire_as_the_core_built_it() {
    let surf = lean_surf::Surf::connect(&TransportOptions::default()).expect("transport");
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
        let (base, server) = echo_once();
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{base}/data/v2/accounts?entity_id=e"))
            .header("authorization", "Bearer t")
            .header("accept", "application/json")
            .header("lean-correlation-id", "c-1")
            .header("x-repeated", "one")
            .header("x-repeated", "two")
            .body(b"{\"a\":1}".to_vec())
            .expect("request");
        let answer = async_std::task::block_on(surf.send(request, Duration::from_secs(10)))
            .expect("answered");
        server.join().expect("server");
        let seen = String::from_utf8_lossy(answer.body()).to_string();
        let lower = seen.to_ascii_lowercase();
        assert!(
            seen.starts_with(&format!(
                "{method} /data/v2/accounts?entity_id=e HTTP/1.1\r\n"
            )),
            "{seen}"
        );
        for line in [
            "authorization: bearer t",
            "accept: application/json",
            "lean-correlation-id: c-1",
        ] {
            assert!(lower.contains(line), "{line} in {seen}");
        }
        // Each value on a line of its own, in order, the name's case as sent.
        assert!(
            lower.contains("\r\nx-repeated: one\r\nx-repeated: two\r\n"),
            "values in order: {seen}"
        );
        if method != "GET" && method != "DELETE" {
            assert!(seen.ends_with("{\"a\":1}"), "the body: {seen}");
        }
    }
}

#[test]
fn a_header_value_that_is_not_text_is_refused_before_sending() {
    let surf = lean_surf::Surf::connect(&TransportOptions::default()).expect("transport");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let request = http::Request::get(format!("http://{addr}/x"))
        .header(
            "x-bytes",
            http::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value"),
        )
        .body(Vec::new())
        .expect("request");
    let e =
        async_std::task::block_on(surf.send(request, Duration::from_secs(5))).expect_err("refused");
    assert!(!e.may_have_reached_lean(), "{e:?}");
    // Not even a connection was made.
    listener.set_nonblocking(true).expect("nonblocking");
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "{accepted:?}"
    );
}
