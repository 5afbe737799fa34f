//! Time as the driver sees it: a [`Runtime`] value with a clock and a resettable timer, and the
//! [`Clock`] both client flavours read.
//!
//! This module owns where "now" comes from. The driver never reads the system clock itself:
//! an async client reads its transport's runtime (so a simulated runtime runs the real driver
//! in virtual time), a blocking client its transport's clock ([`Clock::system`] unless the
//! transport says otherwise). The system clock is read here and in the real runtimes of the
//! adapters, nowhere else in the driver. [`Deadlines`] serves many request timeouts from one
//! timer, for runtimes where arming a timer costs a reactor wake-up.

mod deadlines;

pub use deadlines::{Deadlines, Elapsed};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// An async runtime as the driver needs it: what time it is, and a timer.
///
/// A value, not a type-level marker, so that a simulated runtime can carry its virtual clock.
/// Cloning must be cheap (a handle).
pub trait Runtime: Clone + Send + Sync + 'static {
    /// The timer this runtime makes.
    type Timer: Timer;

    /// Now, by this runtime's clock.
    fn now(&self) -> Instant;

    /// A timer that completes at `at` (at once when it is past).
    fn timer(&self, at: Instant) -> Self::Timer;
}

/// A timer that can be moved (quinn's `AsyncTimer::reset`): a call waiting many times re-arms
/// one timer instead of making a new one per wait.
pub trait Timer: Future<Output = ()> + Send + Unpin + 'static {
    /// Completes at `at` instead (again, after having completed).
    fn reset(&mut self, at: Instant);
}

/// Where the driver reads "now": cheap to clone, shared by every call of a client.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Instant + Send + Sync>);

impl Clock {
    /// The system's monotonic clock: what real runtimes use.
    pub fn system() -> Clock {
        Clock(Arc::new(Instant::now))
    }

    /// The clock of `runtime`.
    pub fn of<R: Runtime>(runtime: R) -> Clock {
        Clock(Arc::new(move || runtime.now()))
    }

    /// Now.
    pub fn now(&self) -> Instant {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}
