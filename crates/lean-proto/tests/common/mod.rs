//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Instant;

/// The origin of virtual time in tests. Real time is never read again after this: every
/// later instant is `epoch() + duration`, so tests are deterministic.
#[allow(clippy::disallowed_methods)]
pub fn epoch() -> Instant {
    Instant::now()
}
