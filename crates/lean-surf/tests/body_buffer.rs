//! An answer's body is read into one buffer made for its announced length: never grown to see
//! its end. async-std's `read_to_end` grows a buffer it has filled exactly (doubling it and
//! zeroing the new half) before it can see that nothing follows; for a page of transactions
//! that was a second ~120 KB to zero and keep.

use lean_client::transport::{AsyncTransport, Connect, TransportOptions};
use lean_conformance::wire::{read_head, serve_once};
use std::io::Write;
use std::time::Duration;

#[test]
fn an_announced_body_is_read_without_growing_its_buffer() {
    // (Below 32 bytes async-std reserves 32 whatever the buffer.)
    for len in [64usize, 6_912, 118_000] {
        let (base, server) = serve_once(move |mut s| {
            // The request's head (a GET has no body), then the answer.
            read_head(&mut s);
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {len}\r\n\r\n");
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(&vec![b'x'; len]).unwrap();
        });
        let surf = lean_surf::Surf::connect(&TransportOptions::default()).unwrap();
        let request = http::Request::get(format!("{base}/data"))
            .body(Vec::new())
            .unwrap();
        let answer = async_std::task::block_on(surf.send(request, Duration::from_secs(10)))
            .expect("an answer");
        server.join().unwrap();
        assert_eq!(answer.body().len(), len);
        // The buffer the body was read into, back from the shared bytes it was handed on as.
        let capacity = answer
            .into_body()
            .try_into_mut()
            .expect("nothing else holds the body")
            .capacity();
        assert!(
            capacity <= len + 1,
            "{len} bytes read into a buffer of {capacity}"
        );
    }
}
