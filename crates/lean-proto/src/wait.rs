//! The patience of a wait for news Lean announces by webhook (a data refresh finishing, a
//! payment settling): how long the webhook alone is trusted, how often Lean is polled after
//! that, and when the wait gives up. [`crate::refresh_wait`] and [`crate::payment_wait`] own
//! *what* they wait for; this module owns only *when* to look, so both keep the same timing.
//! It never reads a clock.

use crate::call::{CallConfig, CallError, CallErrorKind};
use crate::retry::RetryPolicy;
use crate::rng::Rng;
use std::time::{Duration, Instant};

/// How patient a wait is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitConfig {
    /// The whole wait. Default 15 min (a first refresh pulls a year of transactions; a bank
    /// can hold a payment for minutes).
    pub deadline: Duration,
    /// How long to trust the webhook alone before polling. Default 10 s.
    pub webhook_grace: Duration,
    /// Backoff between polls after the grace period. Default 2 s doubling to 30 s.
    pub poll: RetryPolicy,
    /// Jitter seed (the driver mixes in per-wait entropy).
    pub seed: u64,
}

impl Default for WaitConfig {
    /// A call's patience ([`CallConfig::default`]): 15 min, 10 s of grace, polls from 2 s
    /// doubling to 30 s.
    fn default() -> Self {
        WaitConfig::from(&CallConfig::default())
    }
}

impl From<&CallConfig> for WaitConfig {
    /// A wait as patient as a call under `calls`: its deadline, grace, polling and seed.
    fn from(calls: &CallConfig) -> Self {
        WaitConfig {
            deadline: calls.deadline,
            webhook_grace: calls.webhook_grace,
            poll: calls.poll.clone(),
            seed: calls.seed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a webhook, or for `poll_at`.
    Waiting {
        poll_at: Instant,
    },
    /// A poll is out.
    Polling,
    Done,
}

/// The timing of one wait: the waits hold one and ask it when to poll and when to give up.
#[derive(Debug)]
pub(crate) struct Patience {
    config: WaitConfig,
    deadline: Instant,
    state: State,
    polls: u32,
    rng: Rng,
    last_error: Option<String>,
}

fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d.min(Duration::from_secs(30 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

impl Patience {
    pub(crate) fn new(config: WaitConfig, now: Instant) -> Self {
        Patience {
            deadline: later(now, config.deadline),
            state: State::Waiting {
                poll_at: later(now, config.webhook_grace),
            },
            rng: Rng::new(config.seed),
            config,
            polls: 0,
            last_error: None,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The one instant to wake up at; `None` while a poll is out or once done.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Waiting { poll_at } => Some(poll_at.min(self.deadline)),
            State::Polling | State::Done => None,
        }
    }

    /// Whether the deadline passed while nothing is out: the wait must end.
    pub(crate) fn expired(&self, now: Instant) -> bool {
        matches!(self.state, State::Waiting { .. }) && now >= self.deadline
    }

    /// Whether a poll is due now; if so, it is counted as out.
    pub(crate) fn start_poll(&mut self, now: Instant) -> bool {
        match self.state {
            State::Waiting { poll_at } if now >= poll_at && now < self.deadline => {
                self.state = State::Polling;
                true
            }
            _ => false,
        }
    }

    /// A poll came back without ending the wait: the next one after the backoff.
    pub(crate) fn after_poll(&mut self, now: Instant) {
        if self.state == State::Done {
            return;
        }
        let wait = self.config.poll.backoff(self.polls, &mut self.rng);
        self.polls = self.polls.saturating_add(1);
        self.state = State::Waiting {
            poll_at: later(now, wait),
        };
    }

    /// A poll failed: whether the failure ends the wait (`true`) or is kept for the error the
    /// deadline will carry and polled past (`false`). The poll's own call already retried what
    /// was worth retrying; a misuse or a refusal will not change by asking again.
    pub(crate) fn poll_failed(&mut self, e: &CallError, now: Instant) -> bool {
        match e.kind {
            CallErrorKind::Api(_)
            | CallErrorKind::Misuse(_)
            | CallErrorKind::ConsentExpired(_)
            | CallErrorKind::Auth(_) => true,
            _ => {
                self.last_error = Some(e.to_string());
                self.after_poll(now);
                false
            }
        }
    }

    /// The error that ends the wait with `kind`, with the last poll failure seen.
    pub(crate) fn error(&self, kind: CallErrorKind) -> CallError {
        CallError {
            kind,
            results_id: None,
            correlation_id: None,
            last_error: self.last_error.clone(),
        }
    }

    /// Marks the wait over; `false` if it already was.
    pub(crate) fn finish(&mut self) -> bool {
        let first = self.state != State::Done;
        self.state = State::Done;
        first
    }
}
