//! # lean-ureq
//!
//! The blocking client of lean-rs: the [`lean_client`] driver over ureq 3. This crate is a
//! transport and nothing else: it sends one request with a timeout, reads at most the body
//! limit, and says how a failure happened. Every decision (auth, retries, PENDING, polling,
//! paging, waking) is the driver's or the core's.
//!
//! ```no_run
//! use lean_ureq::{Client, lean_proto::*};
//!
//! fn main() -> Result<(), lean_ureq::Error> {
//!     let secret = Secret::new(std::env::var("LEAN_CLIENT_SECRET").unwrap_or_default());
//!     let credentials = Credentials::ClientCredentials { client_id: "my-app-id".into(), client_secret: secret };
//!     let client = Client::new(Config::new(Region::Uae, Environment::Sandbox, credentials))?;
//!     let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
//!     for account in client.accounts(&entity).send()? {
//!         for tx in client.transactions(&entity, &account.account_id).items() {
//!             let tx = tx?; // pages come lazily; a PENDING answer is waited out for you
//!             println!("{} {} {:?}", tx.amount.amount, tx.amount.currency, tx.booking_date_time);
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! Against the emulator, as your integration tests would (this one runs as a doc test):
//!
//! ```
//! use lean_ureq::Client;
//! use lean_sandbox::{Sandbox, SandboxConfig};
//!
//! let lean = Sandbox::start(SandboxConfig { time_scale: 0.01, ..Default::default() })?;
//! let client = Client::new(lean.client_config())?;
//! let entity = lean.entities()[0].clone();
//! assert_eq!(client.accounts(&entity).send()?.len(), 9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A call that goes PENDING waits for `results.ready` (feed webhooks to
//! [`Client::handle_webhook`]) and polls as a fallback, up to the deadline of
//! [`CallConfig`]. `.submit()` on a request returns the `results_id` at once instead, and
//! [`Client::resume`] picks it up later, in this process or another.

//! **Logging:** lean-rs logs no secret, but ureq does at TRACE: `ureq_proto` prints the
//! token answer, the access token in it (`lean-soak/tests/no_secret_in_logs.rs` sees it), and
//! the `ureq` targets have been seen printing request headers. Keep `ureq` and `ureq_proto` at
//! DEBUG or below in production (`RUST_LOG=info,ureq=debug,ureq_proto=debug`). See
//! `docs/reliability.md`.

#![forbid(unsafe_code)]

pub use lean_client::{
    CallConfig, CallError, CallErrorKind, CallOptions, Error, Submitted, Waiting, lean_proto,
    observe,
};
use lean_proto::client::TlsError;

use lean_client::resolved::Addresses;
use lean_client::transport::{
    BlockingTransport, Bytes, Clock, Connect, Failure, FromHttpClient, IDLE_CONNECTIONS,
    TransportOptions, bodiless, failure, io_failure,
};
use lean_proto::retry::TransportError;
use std::time::Duration;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// The blocking Lean client over ureq: `Send + Sync`, cheap to clone.
pub type Client = lean_client::Client<Ureq>;
/// Its builder (`Client::builder(config)`; `.http_client(agent)` for your own `ureq::Agent`).
pub type ClientBuilder = lean_client::ClientBuilder<Ureq>;
/// Items of a list, fetched page by page as the iterator is read (`O` is the page type).
pub type Items<O> = lean_client::Items<O, Ureq>;

/// The ureq transport: one agent (one connection pool) per client.
pub struct Ureq {
    agent: ureq::Agent,
    max_body: u64,
}

/// Your own agent (a proxy, your pool, your TLS). Whatever its configuration, every request
/// is sent with redirects off and error statuses handed back (set per request), and bodies
/// are read up to the builder's limit. Build it with [`CachingResolver`]: with ureq's default
/// resolver every request starts a thread to resolve its host (lean-rs sets a timeout on every
/// exchange, and ureq resolves on a thread under a timeout). And give its pool room for as many
/// idle connections as you have callers (`max_idle_connections_per_host`; ureq keeps 3 by
/// default, and closes the rest as calls end: lean-ureq's own agent keeps
/// [`IDLE_CONNECTIONS`]).
impl FromHttpClient<ureq::Agent> for Ureq {
    fn from_http_client(agent: ureq::Agent, options: &TransportOptions) -> Result<Self, Error> {
        let max_body = options.max_body;
        Ok(Ureq { agent, max_body })
    }
}

impl Connect for Ureq {
    fn connect(options: &TransportOptions) -> Result<Self, Error> {
        let bad = |what: &'static str, e: ureq::Error| {
            Error::Tls(TlsError {
                what,
                detail: e.to_string(),
            })
        };
        let certificates = |pem: &[u8]| -> Result<Vec<Certificate<'static>>, ureq::Error> {
            ureq::tls::parse_pem(pem)
                .filter_map(|i| match i {
                    Ok(PemItem::Certificate(c)) => Some(Ok(c.to_owned())),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect()
        };
        let mut tls = TlsConfig::builder();
        if let Some((chain, key)) = &options.client_identity {
            let certs = certificates(chain).map_err(|e| bad("client certificate", e))?;
            let key = PrivateKey::from_pem(key).map_err(|e| bad("client key", e))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
        }
        if let Some(pem) = &options.root_certificates {
            let certs = certificates(pem).map_err(|e| bad("root certificates", e))?;
            if certs.is_empty() {
                return Err(Error::Tls(TlsError {
                    what: "root certificates",
                    detail: "no certificate in the PEM".into(),
                }));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let config = ureq::config::Config::builder()
            .https_only(false) // BaseUrl already allows plain HTTP for loopback only
            .timeout_connect(Some(options.connect_timeout))
            .max_idle_connections(IDLE_CONNECTIONS)
            .max_idle_connections_per_host(IDLE_CONNECTIONS)
            .tls_config(tls.build())
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            CachingResolver::default(),
        );
        Self::from_http_client(agent, options)
    }

    fn clock(&self) -> Clock {
        Clock::system()
    }
}

impl BlockingTransport for Ureq {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        // ureq sends an empty `Vec` as a body (`content-length: 0` on a GET); `()` is none.
        let response = if bodiless(request.method(), request.body()) {
            self.run(request.map(|_| ()), timeout)
        } else {
            self.run(request, timeout)
        };
        let (parts, body) = response.map_err(classify)?.into_parts();
        let bytes = body
            .into_with_config()
            .limit(self.max_body)
            .read_to_vec()
            .map_err(classify)?;
        Ok(http::Response::from_parts(parts, bytes.into()))
    }
}

impl Ureq {
    /// One exchange under `timeout`, with Lean's answers, errors included, read as answers.
    fn run(
        &self,
        request: http::Request<impl ureq::AsSendBody>,
        timeout: Duration,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        // ureq re-arms the socket's timeout from the time left before every read and write (a
        // `setsockopt` each, ~7 % of a small call's CPU in `per_call`). A bound per read and
        // write a little under the exchange's is the smaller one while the exchange is young,
        // and the same every time, so the socket keeps it; the whole exchange is still bounded
        // by `timeout`.
        let per_io = timeout - (timeout / 4).min(Duration::from_secs(1));
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .timeout_per_read(Some(per_io))
            .timeout_per_write(Some(per_io))
            .http_status_as_error(false) // 4xx/5xx bodies are Lean's answers: the core reads them
            .max_redirects(0) // never follow a redirect with a bearer token
            .build();
        self.agent.run(request)
    }
}

/// The resolver lean-ureq's own agent uses; give it to an agent of yours too (see below).
///
/// ureq's `DefaultResolver` resolves on a new thread whenever a timeout covers resolution, and
/// lean-rs bounds every exchange with one: a thread per request, about 40 µs of each call (an
/// `accounts` call over loopback took 1.30× a hand-written one with such an agent, and 1.06×
/// with an agent built as below: the `per_call` bench's rows `ureq, own agent + …`). Here an IP-literal host
/// needs no lookup at all, and a name is resolved by `R` (ureq's own resolver by default) once
/// and its addresses kept for 30 seconds, well under the TTLs Lean's hosts are served with: one
/// resolver thread per host per half minute.
///
/// ```no_run
/// use lean_ureq::lean_proto::{Config, Region};
/// use ureq::unversioned::transport::DefaultConnector;
///
/// // Your configuration (a proxy, timeouts, TLS, a pool for your callers), your connector,
/// // and this resolver.
/// let config = ureq::config::Config::builder()
///     .max_idle_connections_per_host(32)
///     .build();
/// let agent = ureq::Agent::with_parts(
///     config,
///     DefaultConnector::default(),
///     lean_ureq::CachingResolver::default(),
/// );
/// let client = lean_ureq::Client::builder(Config::sandbox(Region::Uae, "app-id", "secret"))
///     .http_client(agent)
///     .build()?;
/// # Ok::<(), lean_ureq::Error>(())
/// ```
#[derive(Debug)]
pub struct CachingResolver<R = DefaultResolver> {
    resolver: R,
    addresses: Addresses,
}

/// Over ureq's own resolver.
impl Default for CachingResolver {
    fn default() -> Self {
        CachingResolver::new(DefaultResolver::default())
    }
}

impl<R: Resolver> CachingResolver<R> {
    /// Resolves names with `resolver` (ureq's own by default), each once per 30 seconds.
    pub fn new(resolver: R) -> Self {
        CachingResolver {
            resolver,
            addresses: Addresses::new(),
        }
    }
}

impl<R: Resolver> Resolver for CachingResolver<R> {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.addresses.resolve(uri, std::time::Instant::now(), || {
            self.resolver
                .resolve(uri, config, timeout)
                .map(|a| a.to_vec())
        })?;
        // The addresses came from a resolver's list (or are one literal), so they fit.
        let mut out = self.empty();
        for a in addrs {
            if out.try_push(a).is_err() {
                break;
            }
        }
        Ok(out)
    }
}

/// Maps a ureq failure onto the shared rule: did the request possibly reach Lean?
fn classify(e: ureq::Error) -> TransportError {
    use ureq::Timeout as T;
    failure(match e {
        ureq::Error::Timeout(T::Resolve | T::Connect) => Failure::NotConnected,
        ureq::Error::Timeout(T::SendRequest) => Failure::TimedOutBeforeSend,
        ureq::Error::Timeout(_) => Failure::TimedOutAfterSend,
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => Failure::NotConnected,
        ureq::Error::BodyExceedsLimit(limit) => Failure::BodyTooLarge { limit },
        ureq::Error::LargeResponseHeader(_, limit) => Failure::HeadTooLarge {
            limit: limit as u64,
        },
        // A TLS handshake that fails (untrusted server, refused client certificate) surfaces
        // as I/O on the first write: the request never left in a form the server could read.
        ureq::Error::Io(io) if io.get_ref().is_some_and(|e| e.is::<rustls::Error>()) => {
            Failure::NotConnected
        }
        ureq::Error::Io(io) => io_failure(io.kind()),
        // Protocol errors, EOF mid-answer: the request may have been processed.
        _ => Failure::SentThenFailed,
    })
}

/// What most programs need, in one `use`: the driver's prelude and this adapter's `Client`.
pub mod prelude {
    pub use crate::Client;
    pub use lean_client::prelude::*;
}
