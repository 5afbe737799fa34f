//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub mod fake_lean;
/// The project's one in-memory Lean, shared with the simulation (`lean-sim`).
#[path = "../../../lean-sim/src/lean.rs"]
pub mod lean;
pub mod recordings;

/// The origin of virtual time in tests, the same instant for the whole test process. Real
/// time is never read again after it: every later instant is `epoch() + duration`.
#[allow(clippy::disallowed_methods)]
pub fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// `s` seconds.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
