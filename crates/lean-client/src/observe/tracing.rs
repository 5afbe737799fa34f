//! `tracing` spans and events for every call (the `tracing` feature, on by default in the
//! adapters): a span `lean.call` per call and a span `lean.http` per HTTP attempt inside it,
//! with OpenTelemetry's HTTP-client field names where they exist.

use super::{CallInfo, CallWatch, ClientEvent, Observer};
use lean_proto::call::{Event, Finish};
use std::time::Instant;
use tracing::field::Empty;
use tracing::{Level, Span};

/// The [`Observer`] that turns events into `tracing` spans and events. The builder installs it
/// when the `tracing` feature is on; without a subscriber it costs a check per event.
///
/// - `lean.call` (INFO): `lean.endpoint`, `lean.entity_id`, `lean.results_id`,
///   `lean.correlation_id` (the caller's, if chosen), `lean.requests`, `lean.outcome`,
///   `error.type`.
/// - `lean.http` (INFO, child of `lean.call`, `otel.kind = "client"`): `http.request.method`,
///   `server.address`, `url.path`, `http.request.resend_count`, `lean.purpose`,
///   `lean.send_reason`, `lean.correlation_id`, `http.response.status_code`, `lean.class`,
///   `lean.code`, `error.type`.
/// - events in `lean.call`: PENDING, poll scheduled, results ready (the webhook matched),
///   retry scheduled (cause, delay), `DUPLICATED_REQUEST` wait, async switch, token wait,
///   token rejected, and the end (WARN when it ends in an error).
/// - events outside calls (target `lean_client::webhook`): each webhook and what the intake
///   answered; at build time, what is misconfigured (WARN); (target `lean_client`) each
///   refresh or payment wait's end: `lean.wait`, `lean.subject`, `lean.outcome`,
///   `lean.status`, `lean.settled_by` (webhook or poll), `lean.polls`, `lean.elapsed_ms`.
///
/// No field ever holds a secret: ids, statuses and Lean's codes only.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingObserver;

impl Observer for TracingObserver {
    fn start(&self, call: &CallInfo) -> Option<Box<dyn CallWatch>> {
        let span = tracing::info_span!(
            target: "lean_client",
            "lean.call",
            lean.endpoint = call.endpoint,
            lean.entity_id = Empty,
            lean.results_id = Empty,
            lean.correlation_id = Empty,
            lean.requests = Empty,
            lean.outcome = Empty,
            error.type = Empty,
        );
        if span.is_disabled() {
            return None; // no subscriber wants it: nothing to record, nothing to watch
        }
        if let Some(e) = &call.entity_id {
            span.record("lean.entity_id", e.as_str());
        }
        if let Some(r) = &call.results_id {
            span.record("lean.results_id", r.as_str());
        }
        if let Some(c) = &call.correlation_id {
            span.record("lean.correlation_id", c.as_str());
        }
        Some(Box::new(Spans {
            call: span,
            attempt: None,
        }))
    }

    fn on_client_event(&self, event: &ClientEvent) {
        match event {
            ClientEvent::Webhook {
                ack,
                status,
                event_type,
                results_id,
            } => tracing::event!(
                target: "lean_client::webhook",
                Level::INFO,
                lean.ack = *ack,
                http.response.status_code = *status,
                lean.event_type = event_type.as_deref().unwrap_or(""),
                lean.results_id = results_id.as_ref().map(|r| r.as_str()).unwrap_or(""),
                "webhook {ack}"
            ),
            ClientEvent::WaitEnded {
                wait,
                subject,
                outcome,
                status,
                by,
                polls,
                elapsed,
            } => tracing::event!(
                target: "lean_client",
                Level::INFO,
                lean.wait = *wait,
                lean.subject = subject.as_str(),
                lean.outcome = *outcome,
                lean.status = status.as_deref().unwrap_or(""),
                lean.settled_by = by.unwrap_or(""),
                lean.polls = *polls,
                lean.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                "{wait} wait for {subject} ended: {outcome} after {elapsed:?} ({polls} polls)"
            ),
            ClientEvent::ResultsReadyFromElsewhere { results_id } => tracing::event!(
                target: "lean_client::webhook",
                Level::INFO,
                lean.results_id = results_id.as_str(),
                "results.ready from elsewhere"
            ),
            ClientEvent::CallAbandoned { handle } => tracing::event!(
                target: "lean_client",
                Level::WARN,
                lean.results_id = handle.results_id.as_str(),
                lean.endpoint = handle.endpoint.as_deref().unwrap_or(""),
                "a call ended without its data; resume results_id {}",
                handle.results_id
            ),
            ClientEvent::Misconfigured { what, detail } => tracing::event!(
                target: "lean_client",
                Level::WARN,
                lean.misconfigured = *what,
                "{detail}"
            ),
        }
    }
}

/// One call's spans: the call's, and the HTTP attempt's while one is out.
struct Spans {
    call: Span,
    attempt: Option<Span>,
}

macro_rules! in_call {
    ($span:expr, $level:expr, $($rest:tt)+) => {
        tracing::event!(target: "lean_client", parent: $span, $level, $($rest)+)
    };
}

impl CallWatch for Spans {
    fn on_event(&mut self, _call: &CallInfo, event: &Event, now: Instant) {
        let call = &self.call;
        match event {
            Event::RequestSent {
                purpose,
                attempt,
                reason,
                method,
                server_address,
                url_path,
                correlation_id,
                ..
            } => {
                let span = tracing::info_span!(
                    target: "lean_client",
                    parent: call,
                    "lean.http",
                    otel.kind = "client",
                    http.request.method = method.as_str(),
                    server.address = Empty,
                    url.path = url_path.as_str(),
                    http.request.resend_count = attempt.saturating_sub(1),
                    lean.purpose = purpose.as_str(),
                    lean.send_reason = reason.as_str(),
                    lean.correlation_id = Empty,
                    http.response.status_code = Empty,
                    lean.class = Empty,
                    lean.code = Empty,
                    error.type = Empty,
                );
                if let Some(host) = server_address {
                    span.record("server.address", host.as_str());
                }
                if let Some(c) = correlation_id {
                    span.record("lean.correlation_id", c.as_str());
                }
                self.attempt = Some(span);
            }
            Event::AnswerReceived {
                status,
                class,
                lean_code,
                ..
            } => {
                if let Some(span) = self.attempt.take() {
                    span.record("http.response.status_code", *status);
                    span.record("lean.class", class.as_str());
                    if let Some(code) = lean_code {
                        span.record("lean.code", code.as_str());
                    }
                    if *status >= 400 {
                        span.record("error.type", status.to_string().as_str());
                    }
                }
            }
            Event::TransportFailed { error, .. } => {
                if let Some(span) = self.attempt.take() {
                    span.record("error.type", error.as_str());
                }
                in_call!(call, Level::INFO, error.type = error.as_str(), "no answer: {error}");
            }
            Event::TokenWait { .. } => {
                in_call!(call, Level::DEBUG, "waiting for another call's token fetch")
            }
            Event::TokenRejected => {
                in_call!(call, Level::INFO, "401: token retired, request replayed")
            }
            Event::Pending { results_id } => {
                call.record("lean.results_id", results_id.as_str());
                in_call!(
                    call,
                    Level::INFO,
                    lean.results_id = results_id.as_str(),
                    "PENDING"
                );
            }
            Event::SwitchedToAsync => in_call!(
                call,
                Level::INFO,
                "no answer to a synchronous request that left: asking again with async=true"
            ),
            Event::RetryScheduled {
                cause,
                retry,
                delay,
                ..
            } => in_call!(
                call,
                Level::INFO,
                lean.retry_cause = cause.as_str(),
                lean.retry = *retry,
                lean.delay_ms = delay.as_millis() as u64,
                "retry scheduled"
            ),
            Event::DuplicateWait { refused, .. } => in_call!(
                call,
                Level::INFO,
                lean.refused = *refused,
                "DUPLICATED_REQUEST: Lean is still working on it; waiting"
            ),
            Event::ResultsReady { results_id } => in_call!(
                call,
                Level::INFO,
                lean.results_id = results_id.as_str(),
                "results.ready matched"
            ),
            Event::PollScheduled { results_id, at } => in_call!(
                call,
                Level::DEBUG,
                lean.results_id = results_id.as_str(),
                lean.poll_in_ms = at.saturating_duration_since(now).as_millis() as u64,
                "results not ready: poll scheduled"
            ),
            Event::Finished { outcome, requests } => {
                call.record("lean.outcome", outcome.as_str());
                call.record("lean.requests", *requests);
                match outcome {
                    Finish::Error(name) => {
                        call.record("error.type", *name);
                        in_call!(call, Level::WARN, lean.outcome = *name, "call failed");
                    }
                    _ => in_call!(
                        call,
                        Level::INFO,
                        lean.outcome = outcome.as_str(),
                        "call ended"
                    ),
                }
                self.attempt = None;
            }
            _ => {}
        }
    }
}
