//! # lean-surf
//!
//! The async client of lean-rs for async-std: the [`lean_client`] driver over surf
//! (`h1-client`). This crate is a transport and nothing else: it converts between `http` 1.x
//! (the core's) and http-types 2.x (surf's), sends with a timeout, reads at most the body limit,
//! and says how a failure happened. Every decision is the driver's or the core's.
//!
//! **Upstream status, plainly:** async-std is discontinued (RUSTSEC-2025-0052) and surf is
//! unmaintained (RUSTSEC-2025-0036, RUSTSEC-2026-0169). This adapter exists because async-std
//! codebases still call Lean; `lean-reqwest` (tokio) is the maintained async path. mTLS is not
//! offered here (surf's only modern path is native-tls): the builder refuses a client identity.
//!
//! ```no_run
//! use lean_surf::{Client, lean_proto::*};
//! use std::future::IntoFuture;
//!
//! # async fn run() -> Result<(), lean_surf::Error> {
//! let secret = Secret::new(std::env::var("LEAN_CLIENT_SECRET").unwrap_or_default());
//! let credentials = Credentials::ClientCredentials { client_id: "my-app-id".into(), client_secret: secret };
//! let client = Client::new(Config::new(Region::Uae, Environment::Sandbox, credentials))?;
//! let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
//! // A request value is sent by awaiting it (or spawned with `.into_future()`).
//! let accounts = async_std::task::spawn(client.accounts(&entity).into_future()).await?;
//! let mut txs = client.transactions(&entity, &accounts[0].account_id).items();
//! while let Some(tx) = txs.next().await {
//!     println!("{}", tx?.amount.amount);
//! }
//! # Ok(()) }
//! ```
//!
//! Against the emulator, as your integration tests would (this one runs as a doc test):
//!
//! ```
//! use lean_surf::Client;
//! use lean_sandbox::{Sandbox, SandboxConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! async_std::task::block_on(async {
//!     let lean = Sandbox::start(SandboxConfig { time_scale: 0.01, ..Default::default() })?;
//!     let client = Client::new(lean.client_config())?;
//!     let entity = lean.entities()[0].clone();
//!     assert_eq!(client.accounts(&entity).await?.len(), 9);
//!     Ok(())
//! })
//! # }
//! ```

//! **Logging:** lean-rs logs no secret, but async-h1 logs request headers, the bearer token
//! included, under `async_h1` at TRACE. Keep `async_h1` and `http_client` at DEBUG or below
//! in production (`RUST_LOG=info,async_h1=debug,http_client=debug`). See
//! `docs/reliability.md`.

#![forbid(unsafe_code)]

pub use lean_client::{
    CallConfig, CallError, CallErrorKind, CallOptions, Error, Submitted, Waiting, lean_proto,
    observe,
};

use async_std::io::ReadExt;
use lean_client::runtime::{Deadlines, Runtime, Timer};
use lean_client::transport::{
    AsyncTransport, Bytes, Clock, Connect, Failure, IDLE_CONNECTIONS, TransportOptions, bodiless,
    body_capacity, failure, io_failure,
};
use lean_client::urls::Urls;
use lean_proto::retry::TransportError;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The async Lean client over surf: `Send + Sync`, cheap to clone.
pub type Client = lean_client::Client<Surf>;
/// Its builder (`Client::builder(config)`). It takes no `surf::Client` of yours: each
/// connection here is a surf client of its own (see [`Surf`]), which a shared one cannot be.
pub type ClientBuilder = lean_client::ClientBuilder<Surf>;
/// Items of a list, as a `Stream` that fetches pages as it is read (`O` is the page type).
pub type Items<O> = lean_client::Items<O, Surf>;

/// The surf transport, with keep-alive, where a connection whose exchange did not end cleanly
/// is never used again, by construction.
///
/// async-h1's pool takes a connection back when its request future is dropped, even halfway
/// through an exchange, and hands it to the next request, which then reads the old answer; a
/// shared pool cannot be told which connection went bad. So each connection here is a surf
/// client of its own, limited to one connection, owned by one exchange at a time: taken from
/// the idle list (or made), and put back only after its answer was read to the end within the
/// limit. An exchange that times out, fails, is over the limit or is dropped halfway takes its
/// client, and the connection in it, down with it.
pub struct Surf {
    idle: Mutex<Vec<surf::Client>>,
    max_body: u64,
    /// One timer for every exchange's timeout (async-io wakes its reactor per new timer).
    deadlines: Deadlines<AsyncStd>,
    /// Parsed origins: a request's URL is its origin's with the path and query set.
    urls: Urls,
}

/// A client with at most one connection (keep-alive on).
fn connection() -> surf::Client {
    // Timeouts are the core's, per request; surf's own default of 60 s is switched off.
    surf::Config::new()
        .set_timeout(None)
        .set_http_keep_alive(true)
        // surf leaves Nagle's algorithm on: a request whose head and body go out in two writes
        // (every POST) then waits for the server's delayed ACK, 40 ms on Linux.
        .set_tcp_no_delay(true)
        .set_max_connections_per_host(1)
        .try_into()
        .unwrap_or_default()
}

/// One exchange's connection: goes back to the idle list only through [`Checkout::clean`];
/// dropped otherwise, and the connection with it.
struct Checkout<'a> {
    surf: &'a Surf,
    client: surf::Client,
}

impl Checkout<'_> {
    /// The answer was read to the end: the connection is ready for the next exchange.
    fn clean(self) {
        let mut idle = self.surf.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(self.client);
        }
    }
}

/// async-std's clock and timer (async-io's, which async-std runs on).
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStd;

impl Runtime for AsyncStd {
    type Timer = AsyncIoTimer;
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn timer(&self, at: Instant) -> AsyncIoTimer {
        AsyncIoTimer(async_io::Timer::at(at))
    }
}

/// async-io's timer, moved with `set_at`.
#[derive(Debug)]
pub struct AsyncIoTimer(async_io::Timer);

impl std::future::Future for AsyncIoTimer {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|_| ())
    }
}

impl Timer for AsyncIoTimer {
    fn reset(&mut self, at: Instant) {
        self.0.set_at(at)
    }
}

impl Connect for Surf {
    // http-client bounds only the whole exchange: a connect that hangs ends as a timeout.
    const BOUNDS_CONNECT: bool = false;
    // surf's TLS is native-tls behind async-h1, with no way to hand it a client certificate.
    const MUTUAL_TLS: bool = false;

    fn connect(options: &TransportOptions) -> Result<Self, Error> {
        if options.client_identity.is_some() || options.root_certificates.is_some() {
            return Err(Error::Config(lean_proto::ConfigError::new(
                "lean-surf cannot present a client certificate or custom roots: use lean-reqwest or lean-ureq",
            )));
        }
        Ok(Surf {
            idle: Mutex::new(Vec::new()),
            max_body: options.max_body,
            deadlines: Deadlines::new(AsyncStd),
            urls: Urls::new(),
        })
    }

    fn clock(&self) -> Clock {
        Clock::of(AsyncStd)
    }
}

impl AsyncTransport for Surf {
    type Runtime = AsyncStd;

    fn runtime(&self) -> &AsyncStd {
        &AsyncStd
    }

    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = to_surf(request, &self.urls).ok_or(failure(Failure::NotConnected))?;
        let client = self
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_else(connection);
        // The exchange borrows the checkout's client (a clone of a surf client copies its
        // middleware list and configuration) until it ends or is dropped, in this block.
        let checkout = Checkout { surf: self, client };
        let answer = {
            let http = &checkout.client;
            let exchange = std::pin::pin!(async {
                let mut resp = http.send(request).await.map_err(classify)?;
                let status = http::StatusCode::from_u16(u16::from(resp.status()))
                    .map_err(|_| failure(Failure::SentThenFailed))?;
                let mut headers = http::HeaderMap::with_capacity(resp.iter().count());
                for (name, values) in resp.iter() {
                    // A name or value `http` rejects is dropped; the exchange goes on.
                    let Ok(name) = http::HeaderName::from_bytes(name.as_str().as_bytes()) else {
                        continue;
                    };
                    for v in values.iter() {
                        if let Ok(v) = http::HeaderValue::from_str(v.as_str()) {
                            headers.append(name.clone(), v);
                        }
                    }
                }
                let announced = resp.len().map(|n| n as u64);
                let mut bytes = Vec::with_capacity(body_capacity(announced, self.max_body));
                resp.take_body()
                    .into_reader()
                    // One byte past the limit tells "over" from "exactly at it"; no limit at all
                    // (`u64::MAX`) must not wrap to reading nothing.
                    .take(self.max_body.saturating_add(1))
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|e| failure(io_failure(e.kind())))?;
                if bytes.len() as u64 > self.max_body {
                    return Err(failure(Failure::BodyTooLarge {
                        limit: self.max_body,
                    }));
                }
                let mut out = http::Response::new(Bytes::from(bytes));
                *out.status_mut() = status;
                *out.headers_mut() = headers;
                Ok(out)
            });
            self.deadlines
                .within(Instant::now() + timeout, exchange)
                .await
                .unwrap_or(Err(failure(Failure::TimedOutAfterSend)))
        };
        if answer.is_ok() {
            checkout.clean();
        }
        answer
    }
}

/// The header names of every request, as `http` and http-types spell them.
static KNOWN_NAMES: [(http::HeaderName, surf::http::headers::HeaderName); 4] = [
    (http::header::ACCEPT, surf::http::headers::ACCEPT),
    (http::header::USER_AGENT, surf::http::headers::USER_AGENT),
    (
        http::header::AUTHORIZATION,
        surf::http::headers::AUTHORIZATION,
    ),
    (
        http::header::CONTENT_TYPE,
        surf::http::headers::CONTENT_TYPE,
    ),
];

/// The methods of Lean's API, as `http` and http-types spell them.
static KNOWN_METHODS: [(http::Method, surf::http::Method); 4] = [
    (http::Method::GET, surf::http::Method::Get),
    (http::Method::POST, surf::http::Method::Post),
    (http::Method::PUT, surf::http::Method::Put),
    (http::Method::DELETE, surf::http::Method::Delete),
];

/// A header name as http-types spells it: the names every request carries as its constants,
/// which are not copies.
fn surf_name(name: &http::HeaderName) -> Option<surf::http::headers::HeaderName> {
    match KNOWN_NAMES.iter().find(|(http, _)| http == name) {
        Some((_, known)) => Some(known.clone()),
        None => name.as_str().parse().ok(),
    }
}

/// `http` 1.x → http-types 2.x.
fn to_surf(request: http::Request<Vec<u8>>, urls: &Urls) -> Option<surf::Request> {
    let (parts, body) = request.into_parts();
    let bodiless = bodiless(&parts.method, &body);
    // http-types parses a method from an upper-cased copy of its text: Lean's four are matched.
    let method = match KNOWN_METHODS.iter().find(|(http, _)| *http == parts.method) {
        Some((_, known)) => *known,
        None => parts.method.as_str().parse().ok()?,
    };
    let mut out = surf::Request::new(method, urls.url(&parts.uri)?);
    // The map taken apart in its own order, with no lookup per name (`get_all` hashes each one
    // again): a name comes with its first value, `None` with each further value of it. The
    // first value is inserted with the name moved in (http-types' `append` copies the name once
    // more to look it up).
    let mut last: Option<http::HeaderName> = None;
    for (name, value) in parts.headers {
        let value = value.to_str().ok()?;
        match name {
            Some(name) => {
                out.insert_header(surf_name(&name)?, value);
                last = Some(name);
            }
            None => out.append_header(surf_name(last.as_ref()?)?, value),
        }
    }
    if !bodiless {
        out.set_body(body);
    }
    Some(out)
}

/// Maps a surf failure onto the shared rule: did the request possibly reach Lean?
///
/// http-client flattens a failed connect (refused, DNS, TLS) into the text of its pool's error
/// (deadpool 0.7: "An error occured while creating a new object: …"); that text is the only
/// sign that the request never left, so it is matched here, in one place.
fn classify(e: surf::Error) -> TransportError {
    let pool_could_not_connect = || {
        let text = e.to_string();
        text.starts_with("An error occured while creating a new object")
            || text.starts_with("A timeout occured while creating a new object")
    };
    // async-h1 refuses a response head over 8 KiB (`MAX_HEAD_LENGTH`) with this text.
    let head_too_large = || {
        e.to_string()
            .starts_with("Head byte length should be less than")
    };
    failure(match e.downcast_ref::<std::io::Error>() {
        Some(io) => io_failure(io.kind()),
        None if pool_could_not_connect() => Failure::NotConnected,
        None if head_too_large() => Failure::HeadTooLarge { limit: 8 * 1024 },
        None => Failure::SentThenFailed,
    })
}

/// What most programs need, in one `use`: the driver's prelude and this adapter's `Client`.
pub mod prelude {
    pub use crate::Client;
    pub use lean_client::prelude::*;
}
