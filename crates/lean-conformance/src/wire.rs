//! One-connection servers on loopback for adapter tests that check what crosses the wire: a
//! server that does what a test says with the first connection it accepts, the request's head
//! read off a connection, and a server that answers a request with the bytes it received
//! (for a conversion checked on the wire rather than as the converted value).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

/// A server on a fresh loopback port that hands the first connection it accepts to `serve`:
/// its base URL (`http://127.0.0.1:PORT`) and its thread.
pub fn serve_once(serve: impl FnOnce(TcpStream) + Send + 'static) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("its address");
    let server = std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            serve(s);
        }
    });
    (format!("http://{addr}"), server)
}

/// The request's head read off `s`, up to and with its blank line, a byte at a time so that
/// nothing of the body is taken: what came, if the connection closed, failed or stayed silent
/// for 5 seconds before the blank line.
pub fn read_head(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") && seen.len() < 64 * 1024 {
        match s.read(&mut byte) {
            Ok(1) => seen.push(byte[0]),
            _ => break,
        }
    }
    seen
}

/// Serves one request and answers with the request's head and body as its body.
pub fn echo_once() -> (String, JoinHandle<()>) {
    serve_once(|mut s| {
        let mut seen = read_head(&mut s);
        let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |n| n.trim().parse::<usize>().expect("a length"));
        let mut body = vec![0u8; length];
        s.read_exact(&mut body).expect("the body");
        seen.extend_from_slice(&body);
        let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", seen.len());
        s.write_all(answer.as_bytes()).expect("write");
        s.write_all(&seen).expect("write");
    })
}
