//! Seeing every call: the core's [`Event`]s, with the call's identity, handed to read-only
//! [`Observer`]s (smithy's interceptors, minus the power to change anything).
//!
//! This module owns the observer contract and the observers that ship with the driver:
//! [`ProgressBoard`] (what each running call waits for, for progress displays), [`Metrics`]
//! (counters and totals, rendered in Prometheus' text format) and, with the `tracing` feature,
//! `TracingObserver` (a span per call and per HTTP attempt, OpenTelemetry's field names). It must
//! not decide anything: an observer sees what the core decided, after it decided it. Nothing
//! here ever holds a secret: events carry ids, statuses and Lean codes, never headers or bodies.
//!
//! ```
//! use lean_client::observe::{CallInfo, CallWatch, Observer};
//! use lean_client::lean_proto::call::Event;
//! use std::time::Instant;
//!
//! /// Prints every retry, with its cause.
//! struct Retries;
//! struct Watch;
//! impl Observer for Retries {
//!     fn start(&self, _call: &CallInfo) -> Option<Box<dyn CallWatch>> {
//!         Some(Box::new(Watch))
//!     }
//! }
//! impl CallWatch for Watch {
//!     fn on_event(&mut self, call: &CallInfo, event: &Event, _at: Instant) {
//!         if let Event::RetryScheduled { cause, delay, .. } = event {
//!             eprintln!("{} retries in {delay:?} ({})", call.endpoint, cause.as_str());
//!         }
//!     }
//! }
//! // ClientBuilder::observer(std::sync::Arc::new(Retries))
//! ```

mod metrics;
mod progress;
#[cfg(feature = "tracing")]
mod tracing;

pub use metrics::Metrics;
pub use progress::{Progress, ProgressBoard};
#[cfg(feature = "tracing")]
pub use tracing::TracingObserver;

use lean_proto::call::Event;
use lean_proto::webhook::{Ack, WebhookError};
use lean_proto::{EntityId, ResultsId};
use std::sync::Arc;
use std::time::Instant;

/// Who a call is: what every event of it is told with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallInfo {
    /// The call's number in its client (unique per client).
    pub number: u64,
    /// The endpoint's short name (`accounts`, `transactions`, `results`, …).
    pub endpoint: &'static str,
    /// The entity, for endpoints about one.
    pub entity_id: Option<EntityId>,
    /// The `results_id`, once Lean gave one (or from the start, for a resume).
    pub results_id: Option<ResultsId>,
    /// The `lean-correlation-id` the caller chose, if any (else each request has its own).
    pub correlation_id: Option<String>,
    /// When the call started, by the client's clock.
    pub started: Instant,
}

/// Watches the calls of a client. Read-only: it is told what happened, and cannot change it.
///
/// Called on the thread or task that drives the call, between its steps: keep it quick
/// (count, record, hand off), never block.
pub trait Observer: Send + Sync + 'static {
    /// A call starts: what it returns watches that call alone, and is dropped when the call
    /// ends (or is abandoned). `None`, the default, watches nothing.
    fn start(&self, _call: &CallInfo) -> Option<Box<dyn CallWatch>> {
        None
    }

    /// News that is not about one call: webhooks, readiness from elsewhere, and what the
    /// builder found wrong in the configuration.
    fn on_client_event(&self, _event: &ClientEvent) {}
}

/// Watches one call.
pub trait CallWatch: Send {
    /// An event of the call, in order, at `at` by the client's clock.
    fn on_event(&mut self, call: &CallInfo, event: &Event, at: Instant);
}

/// News about the client, not about one call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientEvent {
    /// A webhook reached `handle_webhook`.
    Webhook {
        /// What the intake answered ([`ack_label`]): `accepted`, `duplicate`, or why it refused.
        ack: &'static str,
        /// The HTTP status answered to Lean.
        status: u16,
        /// The event's `type`, when it was accepted.
        event_type: Option<String>,
        /// For `results.ready`: its id.
        results_id: Option<ResultsId>,
    },
    /// `results_ready` was called (readiness learnt elsewhere: another instance, a queue).
    ResultsReadyFromElsewhere {
        /// The id.
        results_id: ResultsId,
    },
    /// A call that held a `results_id` ended without its data: dropped by the application
    /// (a cancelled future, a timeout around it) or ended by a shutdown. The handle resumes it
    /// (`client.resume(handle)`); Lean keeps the results for a while.
    CallAbandoned {
        /// What resumes the call's results.
        handle: lean_proto::pending::PendingHandle,
    },
    /// A wait (`wait_for_refresh`, `wait_for_payment`) ended: what ended it, and how long it
    /// took ("why did this take 4 minutes?": the webhook never came, and it was polled).
    WaitEnded {
        /// `refresh` or `payment`.
        wait: &'static str,
        /// What was waited for: the entity id, or the payment intent id.
        subject: String,
        /// `settled` (its answer came: a finished refresh, a settled payment), `shutdown`, or
        /// the error's name (`deadline_exceeded`, `refresh_failed`, `api`, …).
        outcome: &'static str,
        /// The final status (`FINISHED`, `ACCEPTED_BY_BANK`, `FAILED`, …) when settled.
        status: Option<String>,
        /// What brought the news that settled it: `webhook` or `poll`.
        by: Option<&'static str>,
        /// Status polls sent.
        polls: u32,
        /// From its start to its end, by the client's clock.
        elapsed: std::time::Duration,
    },
    /// The configuration works, but not as well as it should: said once, when the client is
    /// built.
    Misconfigured {
        /// What: `no_webhook_secret`, or `results_registry` (its store cannot be reached).
        what: &'static str,
        /// What it means, in a sentence.
        detail: String,
    },
}

/// A short name for what the webhook intake answered, for logs and metric labels.
pub fn ack_label(ack: &Ack) -> &'static str {
    match ack {
        Ack::Accepted { .. } => "accepted",
        Ack::Duplicate => "duplicate",
        Ack::Refused { error, .. } => match error {
            WebhookError::MissingSignature => "missing_signature",
            WebhookError::MalformedSignature => "malformed_signature",
            WebhookError::BadSignature => "bad_signature",
            WebhookError::TooLarge { .. } => "too_large",
            WebhookError::Decode(_) => "not_an_event",
            WebhookError::NoSecret => "no_secret",
            WebhookError::DedupeUnavailable => "dedupe_unavailable",
            WebhookError::InProgress => "in_progress",
            _ => "refused",
        },
        _ => "other",
    }
}

/// The observers of one client.
#[derive(Clone, Default)]
pub(crate) struct Observers(Vec<Arc<dyn Observer>>);

impl Observers {
    pub(crate) fn push(&mut self, observer: Arc<dyn Observer>) {
        self.0.push(observer);
    }

    pub(crate) fn extend(&mut self, other: Observers) {
        self.0.extend(other.0);
    }

    pub(crate) fn client_event(&self, event: &ClientEvent) {
        for o in &self.0 {
            o.on_client_event(event);
        }
    }

    /// The watches of a call that starts.
    pub(crate) fn start(&self, info: CallInfo) -> Watching {
        let watches = self.0.iter().filter_map(|o| o.start(&info)).collect();
        Watching { info, watches }
    }
}

/// One call's watches, with the call's identity (kept current: its `results_id`).
pub(crate) struct Watching {
    info: CallInfo,
    watches: Vec<Box<dyn CallWatch>>,
}

impl Watching {
    pub(crate) fn event(&mut self, event: &Event, at: Instant) {
        if let Event::Pending { results_id } = event {
            self.info.results_id = Some(results_id.clone());
        }
        for w in &mut self.watches {
            w.on_event(&self.info, event, at);
        }
    }

    /// Whether anyone watches (else the driver skips handing events out).
    pub(crate) fn is_empty(&self) -> bool {
        self.watches.is_empty()
    }
}
