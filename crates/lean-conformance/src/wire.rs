//! What an adapter puts on the wire, read back: a server on loopback that answers a request
//! with the bytes it received. For adapter tests that check a conversion on the wire rather
//! than the converted value.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Serves one request on a fresh loopback port and answers with the request's head and body
/// as its body.
pub fn echo_once() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.ends_with(b"\r\n\r\n") && seen.len() < 64 * 1024 {
            if s.read(&mut byte).expect("read") != 1 {
                break;
            }
            seen.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |n| n.trim().parse::<usize>().expect("length"));
        let mut body = vec![0u8; length];
        s.read_exact(&mut body).expect("body");
        seen.extend_from_slice(&body);
        let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", seen.len());
        s.write_all(answer.as_bytes()).expect("write");
        s.write_all(&seen).expect("write");
    });
    (format!("http://{addr}"), server)
}
