//! The emulator inside the caller's own tokio runtime, where users' integration tests live:
//! `Sandbox::start` must not try to block on a runtime from within one.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut out))
        .await
        .expect("an answer in time")
        .unwrap();
    out
}

#[tokio::test]
async fn starts_and_serves_inside_a_current_thread_runtime() {
    let sandbox = lean_sandbox::Sandbox::start(Default::default()).unwrap();
    let answer = get(sandbox.addr(), "/_sandbox/state").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The control API's connect spawns webhooks on the emulator's own runtime.
    let customer = sandbox.customers()[0].clone();
    assert!(sandbox.connect(&customer, None).is_some());
    drop(sandbox); // stops cleanly from inside the runtime
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_inside_a_multi_thread_runtime_too() {
    let sandbox = lean_sandbox::Sandbox::start(Default::default()).unwrap();
    let answer = get(sandbox.addr(), "/banks/v1").await;
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "no credentials: {answer}"
    );
}
