//! # lean-client
//!
//! The driver of lean-rs, written once: everything that makes a *client* correct around the
//! sans-IO [`lean_proto`] core, generic over how bytes move.
//!
//! - [`Client`] (one struct for every flavour) and its verbs; each returns a value of
//!   [`request`] that takes its options and is then sent: `.send()` on a blocking transport
//!   ([`blocking`]), `.await` on an async one ([`nonblocking`]). The surface is written once.
//! - `shared` (private): the state all calls of a client share (token cache, results registry,
//!   webhook dedupe, waiting lists, jitter entropy) and the [`ClientBuilder`].
//! - `drive` (private): one call's step order and its clean-up when abandoned.
//! - `wake` (private): targeted waking; a `results.ready` wakes the one call waiting for it.
//! - [`transport`]: what an adapter implements (one `send`, and for async a runtime).
//! - [`runtime`]: where "now" comes from: the runtime's clock and resettable timer.
//! - [`observe`]: every call's events, with its identity, for observers: progress, metrics
//!   and (feature `tracing`) spans.
//!
//! An adapter is a transport and nothing else: `lean-ureq` (blocking, ureq 3), `lean-surf`
//! (async-std + surf), `lean-reqwest` (tokio + reqwest). See `docs/adapters.md` for writing
//! your own.
//!
//! ```
//! use lean_client::transport::{BlockingTransport, Bytes, Clock, Connect, TransportOptions};
//! use lean_client::lean_proto::{client::Error, retry::TransportError};
//! use std::time::Duration;
//!
//! /// A transport that answers every request with 503 (say, for a test double).
//! struct Down;
//! impl Connect for Down {
//!     fn connect(_: &TransportOptions) -> Result<Self, Error> { Ok(Down) }
//!     fn clock(&self) -> Clock { Clock::system() }
//! }
//! impl BlockingTransport for Down {
//!     fn send(&self, _: http::Request<Vec<u8>>, _: Duration)
//!         -> Result<http::Response<Bytes>, TransportError> {
//!         Ok(http::Response::builder().status(503).body(Bytes::new()).unwrap())
//!     }
//! }
//! type Client = lean_client::Client<Down>;
//! ```

#![forbid(unsafe_code)]

pub use lean_proto;

pub mod blocking;
mod client;
mod drive;
pub mod nonblocking;
pub mod observe;
pub mod request;
pub mod resolved;
pub mod runtime;
mod shared;
pub mod shutdown;
pub mod transport;
pub mod urls;
mod wake;
pub mod webhook;

/// `docs/adapters.md`, compiled and run as a doc test so its example adapter stays true.
#[cfg(doctest)]
#[doc = include_str!("../docs/adapters.md")]
pub struct AdapterGuide;

pub use client::Client;
pub use lean_proto::call::{CallConfig, CallData, CallError, CallErrorKind, Waiting};
pub use lean_proto::client::{Error, Submitted};
pub use request::{
    CallOptions, Items, ListRequest, PaymentWaitRequest, RefreshWaitRequest, Request,
};
pub use shared::ClientBuilder;
pub use shutdown::ShutdownRequest;
pub use webhook::{SettleRequest, WebhookRequest};

/// What most programs using lean-rs need, in one `use`. Each adapter re-exports it with its
/// own `Client` (`use lean_reqwest::prelude::*;`).
///
/// ```
/// use lean_client::prelude::*;
/// let config = Config::sandbox(Region::Uae, "app-id", "s3cr3t");
/// let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
/// let options = CallOptions::new().correlation_id("order-42");
/// # let _ = (config, entity, options);
/// # Ok::<(), Error>(())
/// ```
pub mod prelude {
    pub use crate::{
        CallConfig, CallData, CallError, CallErrorKind, CallOptions, Error, Submitted,
    };
    pub use lean_proto::webhook::{Ack, Delivery, EventKind, WebhookEvent, WebhookSecret};
    pub use lean_proto::{
        Account, AccountId, Amount, AnyData, Balance, Config, Credentials, Currency, Customer,
        CustomerId, Decimal, Entity, EntityId, Environment, Identity, Page, Payment, PaymentIntent,
        PaymentStatus, Refresh, RefreshId, RefreshStatus, Region, ResultsId, Secret, Timestamp,
        Transaction,
    };
}
