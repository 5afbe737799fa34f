//! The webhook intake as request values: [`WebhookRequest`] (verify, deduplicate, mark
//! readiness, wake) and [`SettleRequest`] (confirm or release an at-least-once claim).
//!
//! Both run the core's steps ([`lean_proto::webhook::verify`], the store's claim,
//! [`lean_proto::webhook::admit`]) and differ only in how the dedupe store is asked: `.send()`
//! asks it on this thread, `.await` through its async methods, so that a store doing IO (Redis)
//! never blocks a runtime's worker. Neither needs the transport: both work on any client.

use crate::client::Client;
use crate::shared::Shared;
use lean_proto::webhook::{Ack, Claim, DedupeFuture, DedupeUnavailable, Refusal};
use std::future::{Future, IntoFuture};
use std::pin::Pin;

/// A webhook to take in: `.await` it in an async handler, `.send()` it on a thread that may
/// wait. Answer Lean with [`Ack::status`]; see [`Client::handle_webhook`].
#[must_use = "the webhook is taken in when the request is sent (`.send()`) or awaited"]
pub struct WebhookRequest<'a> {
    shared: &'a Shared,
    signature: Option<&'a str>,
    body: &'a [u8],
}

impl<'a> WebhookRequest<'a> {
    pub(crate) fn new(shared: &'a Shared, signature: Option<&'a str>, body: &'a [u8]) -> Self {
        WebhookRequest {
            shared,
            signature,
            body,
        }
    }

    /// Takes the webhook in, asking the dedupe store on this thread (at once for the default
    /// in-memory store; one round trip for Redis: in an async handler, `.await` instead).
    pub fn send(self) -> Ack {
        let shared = self.shared;
        let event = match shared.verify_webhook(self.signature, self.body) {
            Ok(event) => event,
            Err(refused) => return self.refused(refused),
        };
        let (store, delivery) = shared.dedupe();
        let claimed = store.claim(event.dedupe_key(), delivery.lease(), shared.clock.now());
        shared.admit_webhook(event, claimed)
    }

    fn refused(&self, refusal: Refusal) -> Ack {
        let ack = Ack::from(refusal);
        self.shared.observe_webhook(&ack);
        ack
    }
}

impl<'a> IntoFuture for WebhookRequest<'a> {
    type Output = Ack;
    type IntoFuture = Pin<Box<dyn Future<Output = Ack> + Send + 'a>>;

    /// Takes the webhook in, awaiting the dedupe store without blocking the thread.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let shared = self.shared;
            let event = match shared.verify_webhook(self.signature, self.body) {
                Ok(event) => event,
                Err(refused) => return self.refused(refused),
            };
            let (store, delivery) = shared.dedupe();
            let now = shared.clock.now();
            let claimed = store
                .claim_async(event.dedupe_key(), delivery.lease(), now)
                .await;
            shared.admit_webhook(event, claimed)
        })
    }
}

/// What becomes of an at-least-once claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    Confirm,
    Release,
}

/// Confirms or releases an at-least-once [`Claim`]: `.send()` or `.await` it. `Err` when the
/// dedupe store cannot be reached: a confirmed event may then be processed again when its
/// lease lapses (at least once, never lost); a release that did not reach the store lets the
/// lease lapse first.
#[must_use = "the claim is settled when the request is sent (`.send()`) or awaited"]
pub struct SettleRequest<'a> {
    shared: &'a Shared,
    claim: Claim,
    settle: Settle,
}

impl<'a> SettleRequest<'a> {
    /// Settles the claim, asking the dedupe store on this thread.
    pub fn send(self) -> Result<(), DedupeUnavailable> {
        let (store, _) = self.shared.dedupe();
        match self.settle {
            Settle::Confirm => store.confirm(self.claim.key(), self.shared.clock.now()),
            Settle::Release => store.release(self.claim.key()),
        }
    }
}

impl<'a> IntoFuture for SettleRequest<'a> {
    type Output = Result<(), DedupeUnavailable>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let (store, _) = self.shared.dedupe();
            let key = self.claim.key();
            let settled: DedupeFuture<'_, ()> = match self.settle {
                Settle::Confirm => store.confirm_async(key, self.shared.clock.now()),
                Settle::Release => store.release_async(key),
            };
            settled.await
        })
    }
}

/// The intake on the client.
impl<T> Client<T> {
    /// The webhook intake: verify `lean-signature` over the raw body, deduplicate, and wake the
    /// one call waiting for a `results.ready`; `.await` it in an async handler (the dedupe
    /// store is then never waited for on the runtime's thread), `.send()` it elsewhere.
    /// [`lean_proto::webhook::from_http`] reads the signature and body out of a framework's
    /// request.
    ///
    /// Answer Lean with [`Ack::status`]. At most once (the default), answer at once and act on
    /// [`Ack::event`] after. At least once ([`crate::ClientBuilder::webhook_delivery`]): act
    /// first, then [`Client::confirm_webhook`] the [`Ack::claim`] and answer 200; on failure
    /// [`Client::release_webhook`] it and answer an error, and Lean's redelivery is processed.
    pub fn handle_webhook<'a>(
        &'a self,
        signature: Option<&'a str>,
        body: &'a [u8],
    ) -> WebhookRequest<'a> {
        WebhookRequest::new(&self.shared, signature, body)
    }

    /// The event of this claim was acted on: its redeliveries are duplicates from now on.
    pub fn confirm_webhook(&self, claim: Claim) -> SettleRequest<'_> {
        SettleRequest {
            shared: &self.shared,
            claim,
            settle: Settle::Confirm,
        }
    }

    /// The event of this claim could not be acted on: its next delivery is processed.
    pub fn release_webhook(&self, claim: Claim) -> SettleRequest<'_> {
        SettleRequest {
            shared: &self.shared,
            claim,
            settle: Settle::Release,
        }
    }
}
