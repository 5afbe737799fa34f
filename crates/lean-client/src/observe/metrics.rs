//! Counters of what calls did, for dashboards and alerts, rendered in Prometheus' text format.

use super::{CallInfo, CallWatch, ClientEvent, Observer};
use lean_proto::call::{Event, Finish, Purpose, SendReason};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// An [`Observer`] that counts: calls by endpoint and outcome (with their total duration),
/// requests by purpose and status, PENDING answers and the time spent waiting them out, how
/// each PENDING ended (webhook or polling), retries by cause, `DUPLICATED_REQUEST` waits, the
/// 50-second trap, token fetches, webhooks by what the intake answered, and refresh and payment
/// waits by how they ended (with their time and polls). Cheap to clone.
///
/// Export it however you export metrics: [`Metrics::render`] gives Prometheus' text format
/// (serve it on `/metrics`), [`Metrics::value`] one series.
///
/// ```
/// use lean_client::observe::Metrics;
/// let metrics = Metrics::default();
/// // ClientBuilder::observer(std::sync::Arc::new(metrics.clone())); later:
/// assert_eq!(metrics.value("lean_calls_total", &[("endpoint", "accounts"), ("outcome", "data")]), 0.0);
/// print!("{}", metrics.render());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Metrics(Arc<Mutex<Series>>);

/// Series by name, then by label set.
type Series = BTreeMap<&'static str, BTreeMap<String, f64>>;

const HELP: &[(&str, &str, &str)] = &[
    (
        "lean_calls_total",
        "counter",
        "Calls ended, by endpoint and outcome.",
    ),
    (
        "lean_call_duration_seconds_total",
        "counter",
        "Time calls took, by endpoint and outcome.",
    ),
    (
        "lean_requests_total",
        "counter",
        "Answers received, by purpose and HTTP status (0: no answer).",
    ),
    ("lean_pending_total", "counter", "PENDING answers."),
    (
        "lean_pending_wait_seconds_total",
        "counter",
        "Time from PENDING to the call's end.",
    ),
    (
        "lean_pending_resolved_total",
        "counter",
        "PENDING calls that got their data, by what told them (webhook or poll).",
    ),
    (
        "lean_retries_total",
        "counter",
        "Retries scheduled, by cause.",
    ),
    (
        "lean_duplicate_waits_total",
        "counter",
        "DUPLICATED_REQUEST answers waited out.",
    ),
    (
        "lean_async_switches_total",
        "counter",
        "Synchronous requests asked again with async=true (the 50-second trap).",
    ),
    (
        "lean_token_fetches_total",
        "counter",
        "Token fetches, by result.",
    ),
    (
        "lean_webhooks_total",
        "counter",
        "Webhooks given to handle_webhook, by what the intake answered.",
    ),
    (
        "lean_calls_abandoned_total",
        "counter",
        "Calls that ended holding a results_id without their data (dropped, or shut down).",
    ),
    (
        "lean_misconfigured",
        "gauge",
        "1 for each configuration problem the builder found.",
    ),
];

fn lock(m: &Mutex<Series>) -> MutexGuard<'_, Series> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `{a="x",b="y"}`, values escaped as Prometheus wants.
fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    fn add(&self, name: &'static str, pairs: &[(&str, &str)], by: f64) {
        *lock(&self.0)
            .entry(name)
            .or_default()
            .entry(labels(pairs))
            .or_insert(0.0) += by;
    }

    /// The value of one series (0 when never counted).
    pub fn value(&self, name: &str, pairs: &[(&str, &str)]) -> f64 {
        lock(&self.0)
            .get(name)
            .and_then(|s| s.get(&labels(pairs)))
            .copied()
            .unwrap_or(0.0)
    }

    /// Every series in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        let series = lock(&self.0);
        let mut out = String::new();
        for (name, kind, help) in HELP {
            let Some(values) = series.get(name) else {
                continue;
            };
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            for (labels, value) in values {
                out.push_str(&format!("{name}{labels} {value}\n"));
            }
        }
        out
    }
}

impl Observer for Metrics {
    fn start(&self, _call: &CallInfo) -> Option<Box<dyn CallWatch>> {
        Some(Box::new(Counting {
            metrics: self.clone(),
            pending_since: None,
            last_results_reason: None,
        }))
    }

    fn on_client_event(&self, event: &ClientEvent) {
        match event {
            ClientEvent::Webhook { ack, .. } => {
                self.add("lean_webhooks_total", &[("ack", ack)], 1.0)
            }
            ClientEvent::Misconfigured { what, .. } => {
                self.add("lean_misconfigured", &[("what", what)], 1.0)
            }
            ClientEvent::CallAbandoned { .. } => self.add("lean_calls_abandoned_total", &[], 1.0),
            ClientEvent::WaitEnded {
                wait,
                outcome,
                by,
                polls,
                elapsed,
                ..
            } => {
                let by = by.unwrap_or("none");
                let labels = [("wait", *wait), ("outcome", *outcome), ("by", by)];
                self.add("lean_waits_total", &labels, 1.0);
                self.add("lean_wait_seconds_total", &labels, elapsed.as_secs_f64());
                self.add(
                    "lean_wait_polls_total",
                    &[("wait", *wait)],
                    f64::from(*polls),
                );
            }
            _ => {}
        }
    }
}

/// One call's counting: when its PENDING began, and why its last results request went out.
struct Counting {
    metrics: Metrics,
    pending_since: Option<Instant>,
    last_results_reason: Option<SendReason>,
}

impl CallWatch for Counting {
    fn on_event(&mut self, call: &CallInfo, event: &Event, at: Instant) {
        let m = &self.metrics;
        match event {
            Event::RequestSent {
                purpose: Purpose::Results { .. },
                reason,
                ..
            } => self.last_results_reason = Some(*reason),
            Event::AnswerReceived {
                purpose, status, ..
            } => {
                let status = status.to_string();
                m.add(
                    "lean_requests_total",
                    &[("purpose", purpose.as_str()), ("status", &status)],
                    1.0,
                );
                if *purpose == Purpose::Token {
                    let result = if status.starts_with('2') {
                        "ok"
                    } else {
                        "error"
                    };
                    m.add("lean_token_fetches_total", &[("result", result)], 1.0);
                }
            }
            Event::TransportFailed { purpose, .. } => {
                m.add(
                    "lean_requests_total",
                    &[("purpose", purpose.as_str()), ("status", "0")],
                    1.0,
                );
                if *purpose == Purpose::Token {
                    m.add("lean_token_fetches_total", &[("result", "error")], 1.0);
                }
            }
            Event::Pending { .. } => {
                m.add("lean_pending_total", &[], 1.0);
                self.pending_since.get_or_insert(at);
            }
            Event::RetryScheduled { cause, .. } => {
                m.add("lean_retries_total", &[("cause", cause.as_str())], 1.0)
            }
            Event::DuplicateWait { .. } => m.add("lean_duplicate_waits_total", &[], 1.0),
            Event::SwitchedToAsync => m.add("lean_async_switches_total", &[], 1.0),
            Event::Finished { outcome, .. } => {
                let pairs = [("endpoint", call.endpoint), ("outcome", outcome.as_str())];
                m.add("lean_calls_total", &pairs, 1.0);
                let took = at.saturating_duration_since(call.started).as_secs_f64();
                m.add("lean_call_duration_seconds_total", &pairs, took);
                if let Some(since) = self.pending_since.take() {
                    let waited = at.saturating_duration_since(since).as_secs_f64();
                    m.add("lean_pending_wait_seconds_total", &[], waited);
                    if *outcome == Finish::Data {
                        let by = match self.last_results_reason {
                            Some(SendReason::ResultsReady) => "webhook",
                            _ => "poll",
                        };
                        m.add("lean_pending_resolved_total", &[("by", by)], 1.0);
                    }
                }
            }
            _ => {}
        }
    }
}
