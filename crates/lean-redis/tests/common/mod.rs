//! Test support: the real `redis-server` of lean-conformance, and bounded polling.

#![allow(dead_code)]

pub use lean_conformance::redis_server::RedisServer;
use std::time::{Duration, Instant};

/// Polls `cond` until it holds, up to `limit`.
pub fn eventually(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}
