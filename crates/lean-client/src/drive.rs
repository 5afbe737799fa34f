//! Driving one call: the loop both flavours run, minus the waiting.
//!
//! This module owns the order of a step (take the outcome, send what the call has to send,
//! else file the call under what it waits for, look once more, and only then wait) and the
//! clean-up when a call is abandoned halfway (a dropped future, an unwinding thread). The
//! blocking and async clients differ only in how they send and how they wait.

use crate::shared::{Progress, Shared};
use crate::wake::{Slot, Subscription};
use lean_proto::Payload;
use lean_proto::call::{Call, Purpose, Transmit, TransmitId, Waiting};
use lean_proto::client::{Error, Submitted};
use lean_proto::retry::TransportError;
use std::sync::Arc;
use std::time::Instant;

/// What the caller must do next for a call.
pub(crate) enum Step<P> {
    /// Send this; hand the answer to [`Driven::handle_answer`].
    Send(Transmit),
    /// Wait for the call's signal, or until this instant.
    Wait(Option<Instant>),
    /// The call is over.
    Done(Result<Submitted<P>, Error>),
}

/// A call being driven, with its place in the waiting lists. Dropping it before the end
/// abandons the call cleanly.
pub(crate) struct Driven<P: Payload> {
    shared: Arc<Shared>,
    call: Call<P>,
    slot: Slot,
    started: Instant,
    last: Waiting,
}

impl<P: Payload + 'static> Driven<P> {
    pub(crate) fn new(shared: Arc<Shared>, number: u64, call: Call<P>) -> Self {
        Driven {
            shared,
            call,
            slot: Slot::new(number),
            started: Instant::now(),
            last: Waiting::Nothing,
        }
    }

    pub(crate) fn signal(&self) -> &crate::wake::Signal {
        &self.slot.signal
    }

    /// Advances the call as far as it goes without IO or waiting.
    pub(crate) fn step(&mut self) -> Step<P> {
        loop {
            if let Some(outcome) = self.call.poll_outcome() {
                return self.end(outcome.map(Submitted::Data).map_err(Error::from));
            }
            if let Some(id) = self.call.poll_submitted() {
                return self.end(Ok(Submitted::Pending(id)));
            }
            let now = Instant::now();
            let shared = &*self.shared;
            if let Some(tx) = self.call.poll_transmit(now, &shared.ctx()) {
                self.report();
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
            self.report();
            return Step::Wait(self.call.poll_timeout());
        }
    }

    /// The answer to the request `id` that [`Step::Send`] asked for.
    pub(crate) fn handle_answer(
        &mut self,
        id: TransmitId,
        purpose: Purpose,
        answer: Result<http::Response<Vec<u8>>, TransportError>,
    ) {
        let now = Instant::now();
        let ctx = self.shared.ctx();
        match answer {
            Ok(response) => self.call.handle_response(id, response, now, &ctx),
            Err(e) => self.call.handle_transport_error(id, e, now, &ctx),
        }
        if purpose == Purpose::Token {
            // The fetch ended (a token, or room for the next caller to fetch one).
            self.shared.waiters.wake_token();
        }
    }

    fn report(&mut self) {
        let waiting = self.call.waiting();
        if waiting != self.last {
            self.last = waiting.clone();
            self.shared.report(Some(Progress {
                waiting,
                results_id: self.call.results_id().cloned(),
                requests: self.call.requests_sent(),
                started: self.started,
            }));
        }
    }

    fn end(&mut self, result: Result<Submitted<P>, Error>) -> Step<P> {
        self.slot
            .subscribe(&self.shared.waiters, Subscription::Nothing);
        self.shared.report(None);
        Step::Done(result)
    }
}

impl<P: Payload> Drop for Driven<P> {
    fn drop(&mut self) {
        if !self.call.is_done() {
            let released = self.call.abandon(&self.shared.ctx());
            if released.token_fetch {
                self.shared.waiters.wake_token();
            }
        }
        self.slot
            .subscribe(&self.shared.waiters, Subscription::Nothing);
    }
}
