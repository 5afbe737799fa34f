//! Waiting for a payment to settle at the bank: the payment-side twin of
//! [`crate::refresh_wait`].
//!
//! After a payment intent is created, the customer authorises the payment in LinkSDK; Lean
//! then announces the payment with `payment.created` and each change with `payment.updated`,
//! until the bank has accepted it (`ACCEPTED_BY_BANK`) or it failed (`FAILED`). This module
//! owns that wait: a webhook for the intent's payment ends it at once; when the webhook is
//! late or lost, polling the intent (`GET /payments/v1/intents/{id}`, whose `payments` list
//! each payment) ends it anyway, within the deadline. It follows the intent's newest payment
//! (a customer may try again after a failure), or the one named with
//! [`PaymentWait::payment_id`]. A settled payment, accepted or failed, is the outcome (a
//! rejected payment is an answer about money, not an SDK error); the deadline is an error.
//!
//! Sans-IO like [`crate::refresh_wait`] and with its timing ([`crate::wait`]): inputs are
//! `handle_*(.., now)`, the poll comes out of [`PaymentWait::poll_request`] as an endpoint, the
//! outcome out of [`PaymentWait::poll_outcome`]. It never reads a clock.
//!
//! ```
//! use lean_proto::payment_wait::PaymentWait;
//! use lean_proto::wait::WaitConfig;
//! use lean_proto::{PaymentIntent, PaymentStatus};
//! use std::time::Instant;
//!
//! let t0 = Instant::now();
//! let mut wait = PaymentWait::new("3862c184-3b47-4d0e-9b1b-c753bc901a04", WaitConfig::default(), t0)?;
//! assert!(wait.poll_request(t0).is_none()); // the webhook is trusted for a while
//! let later = wait.poll_timeout().unwrap();
//! let poll = wait.poll_request(later).unwrap();
//! assert_eq!(poll.payment_intent_id(), "3862c184-3b47-4d0e-9b1b-c753bc901a04");
//! let intent: PaymentIntent = serde_json::from_str(r#"{
//!     "payment_intent_id": "3862c184-3b47-4d0e-9b1b-c753bc901a04",
//!     "payments": [{"id": "88c4d3e8-b80c-cd46-ac56-f084879744d6", "status": "ACCEPTED_BY_BANK"}]
//! }"#)?;
//! wait.handle_intent(Ok(intent), later);
//! assert_eq!(wait.poll_outcome().unwrap()?.status, Some(PaymentStatus::AcceptedByBank));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::call::{CallError, CallErrorKind};
use crate::model::payments::{Payment, PaymentIntent, PaymentStatus};
use crate::money::Currency;
use crate::request::{GetPaymentIntent, RequestError};
use crate::wait::{Patience, WaitConfig};
use crate::webhook::PaymentEvent;
use std::time::Instant;

/// One wait for a payment intent's payment to settle. See the module docs.
#[derive(Debug)]
pub struct PaymentWait {
    poll: GetPaymentIntent,
    payment_id: Option<String>,
    patience: Patience,
    outcome: Option<Result<Payment, CallError>>,
}

/// The payment a `payment.created` / `payment.updated` payload tells of.
pub fn payment_of(event: &PaymentEvent) -> Payment {
    Payment {
        id: event.id.clone(),
        payment_intent_id: event.intent_id.clone(),
        amount: event.amount,
        currency: event.currency.as_deref().map(Currency::new),
        status: event.status.as_deref().map(PaymentStatus::from),
        bank_transaction_reference: event.bank_transaction_reference.clone(),
        description: event.reason.clone(),
        ..Payment::default()
    }
}

/// Whether `incoming` takes the place of `seen` as an intent's latest payment news, for a
/// board that keeps one per intent (the driver's, fed by `payment.created`/`payment.updated`).
/// Lean's webhook retries can reorder events: news of the same payment never undoes its
/// settled status; anything else (another payment, a new status) does.
pub fn supersedes(seen: &Payment, incoming: &Payment) -> bool {
    let settled = seen.status.as_ref().is_some_and(PaymentStatus::is_final);
    !(same_id(seen.id.as_deref(), incoming.id.as_deref()) && settled)
        || incoming
            .status
            .as_ref()
            .is_some_and(PaymentStatus::is_final)
}

fn same_id(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

impl PaymentWait {
    /// Waits for the newest payment of `payment_intent_id` to settle.
    pub fn new(
        payment_intent_id: &str,
        config: WaitConfig,
        now: Instant,
    ) -> Result<Self, RequestError> {
        Ok(PaymentWait {
            poll: GetPaymentIntent::new(payment_intent_id)?,
            payment_id: None,
            patience: Patience::new(config, now),
            outcome: None,
        })
    }

    /// Waits for this payment of the intent only (its `id`), not the newest.
    pub fn payment_id(mut self, payment_id: &str) -> Self {
        self.payment_id = Some(payment_id.to_ascii_lowercase());
        self
    }

    /// The intent whose payment is waited for (lower case, as sent).
    pub fn payment_intent_id(&self) -> &str {
        self.poll.payment_intent_id()
    }

    /// Whether the outcome is decided.
    pub fn is_done(&self) -> bool {
        self.patience.is_done()
    }

    /// The outcome, once: the settled payment, or why the wait ended without one.
    pub fn poll_outcome(&mut self) -> Option<Result<Payment, CallError>> {
        self.outcome.take()
    }

    /// When to call [`PaymentWait::handle_timeout`]; `None` while a poll is out or once done.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.patience.poll_timeout()
    }

    /// The intent to read now, if it is time; answer with [`PaymentWait::handle_intent`].
    pub fn poll_request(&mut self, now: Instant) -> Option<GetPaymentIntent> {
        self.handle_timeout(now);
        self.patience.start_poll(now).then(|| self.poll.clone())
    }

    /// Time passed: ends the wait at the deadline.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.patience.expired(now) {
            let e = self.patience.error(CallErrorKind::DeadlineExceeded);
            self.finish(Err(e));
        }
    }

    /// A verified `payment.created` / `payment.updated` payload (or one learnt elsewhere).
    /// News of another intent, or of another payment than the one named, is ignored.
    pub fn handle_event(&mut self, event: &PaymentEvent, now: Instant) {
        self.handle_payment(&payment_of(event), now);
    }

    /// A payment learnt by webhook (see [`payment_of`]).
    pub fn handle_payment(&mut self, payment: &Payment, now: Instant) {
        if self.is_done() {
            return;
        }
        self.consider(payment);
        self.handle_timeout(now);
    }

    /// The answer to the poll.
    pub fn handle_intent(&mut self, answer: Result<PaymentIntent, CallError>, now: Instant) {
        match answer {
            Ok(intent) => {
                let ours = intent
                    .payment_intent_id
                    .as_deref()
                    .is_none_or(|id| id.eq_ignore_ascii_case(self.payment_intent_id()));
                if ours {
                    let mut payments: Vec<Payment> =
                        intent.payments.into_iter().chain(intent.payment).collect();
                    for p in &mut payments {
                        p.payment_intent_id
                            .get_or_insert_with(|| self.poll.payment_intent_id().to_owned());
                    }
                    // The newest by initiation (then submission); Lean's order otherwise.
                    let newest = payments
                        .iter()
                        .enumerate()
                        .max_by_key(|(i, p)| {
                            (p.initiation_timestamp.or(p.submission_timestamp), *i)
                        })
                        .map(|(_, p)| p);
                    match &self.payment_id {
                        Some(id) => {
                            if let Some(p) =
                                payments.iter().find(|p| same_id(p.id.as_deref(), Some(id)))
                            {
                                self.consider(p);
                            }
                        }
                        None => {
                            if let Some(p) = newest {
                                self.consider(p);
                            }
                        }
                    }
                }
                self.patience.after_poll(now);
                self.handle_timeout(now);
            }
            Err(e) => {
                if self.patience.poll_failed(&e, now) {
                    self.finish(Err(e));
                } else {
                    self.handle_timeout(now);
                }
            }
        }
    }

    /// Is this the intent's payment waited for, and has it settled?
    fn consider(&mut self, p: &Payment) {
        let other_intent = p
            .payment_intent_id
            .as_deref()
            .is_some_and(|id| !id.eq_ignore_ascii_case(self.payment_intent_id()));
        let other_payment = self
            .payment_id
            .as_deref()
            .is_some_and(|id| !same_id(p.id.as_deref(), Some(id)));
        if other_intent || other_payment {
            return;
        }
        if p.status.as_ref().is_some_and(PaymentStatus::is_final) {
            self.finish(Ok(p.clone()));
        }
    }

    fn finish(&mut self, outcome: Result<Payment, CallError>) {
        if self.patience.finish() {
            self.outcome = Some(outcome);
        }
    }
}
