//! Driving one call: the loop both flavours run, minus the waiting.
//!
//! This module owns the order of a step (take the outcome, send what the call has to send,
//! else file the call under what it waits for, look once more, and only then wait) and the
//! clean-up when a call is abandoned halfway (a dropped future, an unwinding thread), and the
//! same for the waits (a data refresh finishing, a payment settling). The blocking and async clients differ only in how they
//! send and how they wait.

use crate::observe::{CallInfo, Watching};
use crate::request::Ending;
use crate::shared::Shared;
use crate::wake::{Slot, Subscription};
use lean_proto::call::CallError;
use lean_proto::call::{Call, CallData, Purpose, Transmit, TransmitId, Waiting};
use lean_proto::client::Error;
use lean_proto::payment_wait::PaymentWait;
use lean_proto::refresh_wait::{RefreshPoll, RefreshWait};
use lean_proto::retry::TransportError;
use lean_proto::{GetPaymentIntent, Payload, Payment, PaymentIntent, Refresh, RefreshList};
use std::sync::Arc;
use std::time::Instant;

/// What the caller must do next for a call that ends with an `O`.
// Returned and taken apart at once, never stored: boxing the request would cost an allocation
// per request to save stack space for a moment.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step<O> {
    /// Send this; hand the answer to [`Driven::handle_answer`].
    Send(Transmit),
    /// Wait for the call's signal, or until this instant.
    Wait(Option<Instant>),
    /// The call is over.
    Done(Result<O, Error>),
}

/// A call being driven, with its place in the waiting lists. Dropping it before the end
/// abandons the call cleanly.
pub(crate) struct Driven<P: Payload> {
    shared: Arc<Shared>,
    call: Call<P>,
    slot: Slot,
    /// Who watches this call; told every event the core says, in order.
    watching: Watching,
}

impl<P: Payload + 'static> Driven<P> {
    pub(crate) fn new(shared: Arc<Shared>, number: u64, mut call: Call<P>) -> Self {
        let watching = shared.observers.start(CallInfo {
            number,
            endpoint: call.endpoint(),
            entity_id: call.entity_id(),
            results_id: call.results_id().cloned(),
            correlation_id: call.config().correlation_id.clone(),
            started: shared.clock.now(),
        });
        shared.started();
        // Nobody watches: the call need not build its events (see `tell`).
        call.set_events(!watching.is_empty());
        Driven {
            shared,
            call,
            slot: Slot::new(number),
            watching,
        }
    }

    pub(crate) fn signal(&self) -> &crate::wake::Signal {
        &self.slot.signal
    }

    /// Advances the call as far as it goes without IO or waiting; it ends with an `O`.
    pub(crate) fn step<O: Ending<P>>(&mut self) -> Step<O> {
        loop {
            if self.shared.stopping() && !self.call.is_done() {
                // Shut down: the call ends here (abandoned when dropped), its results_id kept.
                let handle = self.call.pending_handle();
                if let Some(h) = &handle {
                    self.shared.stopped_with(h.clone());
                }
                return self.end(Err(Error::Shutdown(handle)));
            }
            let now = self.shared.clock.now();
            self.tell(now);
            if let Some(end) = O::take(&mut self.call, &self.shared.ctx()) {
                self.tell(now);
                return self.end(end);
            }
            let shared = &*self.shared;
            if let Some(tx) = self.call.poll_transmit(now, &shared.ctx()) {
                self.tell(now);
                return Step::Send(tx);
            }
            if self.call.is_done() {
                continue; // poll_transmit decided the outcome (deadline, budget, misuse)
            }
            // File the call under what it waits for, then look at shared state once more: news
            // that lands after this look fires the signal, which latches until the wait.
            let on = match self.call.waiting() {
                Waiting::Results(id) => Subscription::Results(id),
                Waiting::Token => Subscription::Token,
                _ => Subscription::Nothing,
            };
            self.slot.subscribe(&shared.waiters, on);
            self.call.handle_timeout(now, &shared.ctx());
            if self.call.waiting() == Waiting::Nothing {
                continue; // something to send now, or done
            }
            self.tell(now);
            return Step::Wait(self.call.poll_timeout());
        }
    }

    /// The answer to the request `id` that [`Step::Send`] asked for.
    pub(crate) fn handle_answer(
        &mut self,
        id: TransmitId,
        purpose: Purpose,
        answer: Result<http::Response<crate::transport::Bytes>, TransportError>,
    ) {
        let now = self.shared.clock.now();
        let ctx = self.shared.ctx();
        match answer {
            Ok(response) => self.call.handle_response(id, response, now, &ctx),
            Err(e) => self.call.handle_transport_error(id, e, now, &ctx),
        }
        self.tell(now);
        if purpose == Purpose::Token {
            // The fetch ended (a token, or room for the next caller to fetch one).
            self.shared.waiters.wake_token();
        }
    }

    fn end<O>(&mut self, result: Result<O, Error>) -> Step<O> {
        self.slot
            .subscribe(&self.shared.waiters, Subscription::Nothing);
        Step::Done(result)
    }
}

impl<P: Payload> Driven<P> {
    /// Hands what the core said to the watchers (and drains it either way; with nobody
    /// watching the call builds no events, see `new`).
    fn tell(&mut self, now: Instant) {
        while let Some(event) = self.call.poll_event() {
            if !self.watching.is_empty() {
                self.watching.event(&event, now);
            }
        }
    }
}

impl<P: Payload> Drop for Driven<P> {
    fn drop(&mut self) {
        if !self.call.is_done() {
            if let Some(handle) = self.call.pending_handle() {
                let event = crate::observe::ClientEvent::CallAbandoned { handle };
                self.shared.observers.client_event(&event);
            }
            let released = self.call.abandon(&self.shared.ctx());
            if released.token_fetch {
                self.shared.waiters.wake_token();
            }
            self.tell(self.shared.clock.now());
        }
        self.slot
            .subscribe(&self.shared.waiters, Subscription::Nothing);
        self.shared.ended();
    }
}

/// A wait of the core (a refresh, a payment) as the driver runs it: what it is filed under,
/// the news the client already holds for it, and the core's own poll/timeout/outcome.
pub(crate) trait Awaited {
    /// The status poll the wait sends as an ordinary call.
    type Poll;
    /// What the wait ends with.
    type Outcome;
    /// `refresh` or `payment`, for observers.
    const KIND: &'static str;
    /// What is waited for (an entity id, a payment intent id), for observers.
    fn subject(&self) -> String;
    /// The settled status, for observers.
    fn status_of(outcome: &Self::Outcome) -> Option<String>;
    /// What its signal is filed under: news of that wakes it, and nothing else.
    fn subscription(&self) -> Subscription;
    /// Hands in what the client learnt by webhook since the last step.
    fn catch_up(&mut self, shared: &Shared, now: Instant);
    fn poll_outcome(&mut self) -> Option<Result<Self::Outcome, CallError>>;
    fn poll_request(&mut self, now: Instant) -> Option<Self::Poll>;
    fn poll_timeout(&self) -> Option<Instant>;
}

impl Awaited for RefreshWait {
    type Poll = RefreshPoll;
    type Outcome = Refresh;
    const KIND: &'static str = "refresh";
    fn subject(&self) -> String {
        self.entity_id().to_string()
    }
    fn status_of(r: &Refresh) -> Option<String> {
        r.status.as_ref().map(|s| s.to_string())
    }
    fn subscription(&self) -> Subscription {
        Subscription::Refresh(self.entity_id().clone())
    }
    fn catch_up(&mut self, shared: &Shared, now: Instant) {
        if let Some(seen) = shared.refresh_seen(self.entity_id()) {
            self.handle_event(&seen, now);
        }
    }
    fn poll_outcome(&mut self) -> Option<Result<Refresh, CallError>> {
        RefreshWait::poll_outcome(self)
    }
    fn poll_request(&mut self, now: Instant) -> Option<RefreshPoll> {
        RefreshWait::poll_request(self, now)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        RefreshWait::poll_timeout(self)
    }
}

impl Awaited for PaymentWait {
    type Poll = GetPaymentIntent;
    type Outcome = Payment;
    const KIND: &'static str = "payment";
    fn subject(&self) -> String {
        self.payment_intent_id().to_owned()
    }
    fn status_of(p: &Payment) -> Option<String> {
        p.status.as_ref().map(|s| s.to_string())
    }
    fn subscription(&self) -> Subscription {
        Subscription::Payment(self.payment_intent_id().to_owned())
    }
    fn catch_up(&mut self, shared: &Shared, now: Instant) {
        if let Some(seen) = shared.payment_seen(self.payment_intent_id()) {
            self.handle_payment(&seen, now);
        }
    }
    fn poll_outcome(&mut self) -> Option<Result<Payment, CallError>> {
        PaymentWait::poll_outcome(self)
    }
    fn poll_request(&mut self, now: Instant) -> Option<GetPaymentIntent> {
        PaymentWait::poll_request(self, now)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        PaymentWait::poll_timeout(self)
    }
}

/// What the caller must do next for a wait.
pub(crate) enum WaitStep<P, O> {
    /// Send this status poll as an ordinary call; hand its answer to the wait's `handle_*`.
    Poll(P),
    /// Wait for the wait's signal (news of what it waits for), or until this instant.
    Wait(Option<Instant>),
    /// The wait is over.
    Done(Result<O, Error>),
}

/// A wait being driven, filed under what it waits for while it waits.
pub(crate) struct WaitDriven<W> {
    shared: Arc<Shared>,
    wait: W,
    slot: Slot,
    /// Started after a shutdown began: refused at its first step.
    refused: bool,
    started: Instant,
    polls: u32,
}

impl<W: Awaited> WaitDriven<W> {
    pub(crate) fn new(shared: Arc<Shared>, number: u64, wait: W) -> Self {
        let mut slot = Slot::new(number);
        // Filed from the start: news that lands before the first look still wakes it.
        slot.subscribe(&shared.waiters, wait.subscription());
        shared.started();
        let refused = shared.closed();
        let started = shared.clock.now();
        WaitDriven {
            shared,
            wait,
            slot,
            refused,
            started,
            polls: 0,
        }
    }

    pub(crate) fn signal(&self) -> &crate::wake::Signal {
        &self.slot.signal
    }

    /// Advances the wait as far as it goes without IO or waiting.
    pub(crate) fn step(&mut self) -> WaitStep<W::Poll, W::Outcome> {
        if self.refused || self.shared.stopping() {
            return self.end(Err(Error::Shutdown(None)), None);
        }
        let now = self.shared.clock.now();
        // Decided by the last poll's answer, else perhaps by news the client holds.
        if let Some(outcome) = self.wait.poll_outcome() {
            return self.end(outcome.map_err(Error::from), Some("poll"));
        }
        self.wait.catch_up(&self.shared, now);
        if let Some(outcome) = self.wait.poll_outcome() {
            return self.end(outcome.map_err(Error::from), Some("webhook"));
        }
        if let Some(poll) = self.wait.poll_request(now) {
            self.polls = self.polls.saturating_add(1);
            return WaitStep::Poll(poll);
        }
        if let Some(outcome) = self.wait.poll_outcome() {
            return self.end(outcome.map_err(Error::from), None);
        }
        WaitStep::Wait(self.wait.poll_timeout())
    }

    /// The wait is over: no longer filed, and the observers told how it ended.
    fn end(
        &mut self,
        outcome: Result<W::Outcome, Error>,
        by: Option<&'static str>,
    ) -> WaitStep<W::Poll, W::Outcome> {
        self.slot
            .subscribe(&self.shared.waiters, Subscription::Nothing);
        let (label, status, by) = match &outcome {
            Ok(o) => ("settled", W::status_of(o), by),
            Err(Error::Shutdown(_)) => ("shutdown", None, None),
            Err(e) => (
                e.call_error().map_or("error", |c| c.kind.name()),
                None,
                None,
            ),
        };
        self.shared
            .observers
            .client_event(&crate::observe::ClientEvent::WaitEnded {
                wait: W::KIND,
                subject: self.wait.subject(),
                outcome: label,
                status,
                by,
                polls: self.polls,
                elapsed: self
                    .shared
                    .clock
                    .now()
                    .saturating_duration_since(self.started),
            });
        WaitStep::Done(outcome)
    }
}

impl WaitDriven<RefreshWait> {
    /// The answer to a [`RefreshPoll::Get`].
    pub(crate) fn handle_refresh(&mut self, answer: Result<CallData<Refresh>, Error>) {
        self.wait.handle_refresh(
            answer.map(|d| d.payload).map_err(call_error),
            self.shared.clock.now(),
        );
    }

    /// The answer to a [`RefreshPoll::List`].
    pub(crate) fn handle_list(&mut self, answer: Result<CallData<RefreshList>, Error>) {
        self.wait.handle_list(
            answer.map(|d| d.payload).map_err(call_error),
            self.shared.clock.now(),
        );
    }
}

impl WaitDriven<PaymentWait> {
    /// The answer to the intent poll.
    pub(crate) fn handle_intent(&mut self, answer: Result<CallData<PaymentIntent>, Error>) {
        self.wait.handle_intent(
            answer.map(|d| d.payload).map_err(call_error),
            self.shared.clock.now(),
        );
    }
}

/// A driver error as the core's: a configuration error cannot happen for a status poll built
/// by the core, but is kept as a misuse rather than lost.
fn call_error(e: Error) -> lean_proto::call::CallError {
    match e {
        Error::Call(c) => *c,
        other => lean_proto::call::CallError {
            kind: lean_proto::call::CallErrorKind::Misuse(lean_proto::RequestError::InvalidUrl(
                other.to_string(),
            )),
            results_id: None,
            correlation_id: None,
            last_error: None,
        },
    }
}

impl<W> Drop for WaitDriven<W> {
    fn drop(&mut self) {
        self.slot
            .subscribe(&self.shared.waiters, Subscription::Nothing);
        self.shared.ended();
    }
}
