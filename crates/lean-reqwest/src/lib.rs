//! # lean-reqwest
//!
//! The async client of lean-rs for tokio: the [`lean_client`] driver over reqwest with rustls
//! (ring). This crate is a transport and nothing else: it sends one request with a timeout,
//! reads at most the body limit, and says how a failure happened. Every decision (auth,
//! retries, PENDING, polling, paging, waking) is the driver's or the core's.
//!
//! Every future is `Send + 'static`: spawn calls with `tokio::spawn`. mTLS (Lean's v1
//! production) through [`ClientBuilder::client_identity`](lean_client::ClientBuilder::client_identity).
//!
//! **Your own `reqwest::Client` in the same binary.** This crate turns on reqwest's
//! `rustls-no-provider` (rustls with ring, no C toolchain), and Cargo unifies features: a plain
//! `reqwest::Client::new()` elsewhere in the program then needs a process-wide rustls provider.
//! Building a lean-reqwest client installs ring as that default (when none is installed); to
//! build a plain reqwest client before any lean client, call [`install_crypto_provider`] first
//! (or give your own reqwest dependency its `rustls` feature).
//!
//! ```no_run
//! use lean_reqwest::{Client, lean_proto::*};
//! use std::future::IntoFuture;
//!
//! # async fn run() -> Result<(), lean_reqwest::Error> {
//! let secret = Secret::new(std::env::var("LEAN_CLIENT_SECRET").unwrap_or_default());
//! let credentials = Credentials::ClientCredentials { client_id: "my-app-id".into(), client_secret: secret };
//! let client = Client::new(Config::new(Region::Uae, Environment::Sandbox, credentials))?;
//! let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
//! // A request value is sent by awaiting it (or spawned with `.into_future()`).
//! let accounts = tokio::spawn(client.accounts(&entity).into_future()).await.expect("task")?;
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
//! use lean_reqwest::Client;
//! use lean_sandbox::{Sandbox, SandboxConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! tokio::runtime::Runtime::new()?.block_on(async {
//!     let lean = Sandbox::start(SandboxConfig { time_scale: 0.01, ..Default::default() })?;
//!     let client = Client::new(lean.client_config())?;
//!     let entity = lean.entities()[0].clone();
//!     assert_eq!(client.accounts(&entity).await?.len(), 9);
//!     Ok(())
//! })
//! # }
//! ```

#![forbid(unsafe_code)]

pub use lean_client::{
    CallConfig, CallError, CallErrorKind, CallOptions, Error, Submitted, Waiting, lean_proto,
    observe,
};
use lean_proto::ConfigError;
use lean_proto::client::TlsError;

use lean_client::runtime::Deadlines;
use lean_client::transport::{
    AsyncTransport, BodyBuffer, Bytes, Clock, Connect, Failure, FromHttpClient, Runtime, Timer,
    TransportOptions, bodiless, failure, io_failure, io_kind_in,
};
use lean_client::urls::Urls;
use lean_proto::retry::TransportError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::time::{Duration, Instant};

/// The async Lean client over reqwest: `Send + Sync`, cheap to clone.
pub type Client = lean_client::Client<Reqwest>;
/// Its builder (`Client::builder(config)`; `.http_client(..)` for your own `reqwest::Client`).
pub type ClientBuilder = lean_client::ClientBuilder<Reqwest>;
/// Items of a list, as a `Stream` that fetches pages as it is read (`O` is the page type).
pub type Items<O> = lean_client::Items<O, Reqwest>;

/// The reqwest transport: one connection pool per client.
pub struct Reqwest {
    http: Http,
    max_body: u64,
    /// One timer for every exchange in flight: a tokio timer per request costs a lock of the
    /// timer wheel to arm and another to disarm (measured in `per_call`).
    deadlines: Deadlines<Tokio>,
    /// Parsed origins: a request's URL is its origin's with the path and query set.
    urls: Urls,
    /// A client of the user's may follow redirects: an answer from elsewhere is refused.
    foreign: bool,
}

enum Http {
    Plain(reqwest::Client),
    #[cfg(feature = "middleware")]
    Stack(reqwest_middleware::ClientWithMiddleware),
}

/// Your own client (a proxy, your pool). Build it with `.redirect(Policy::none())`: reqwest
/// follows redirects by default, and an answer that came from a redirect is refused as a failed
/// exchange (reqwest drops the bearer token on a redirect to another host). TLS, proxies and the
/// connect timeout are your client's; bodies are read up to the builder's limit.
impl FromHttpClient<reqwest::Client> for Reqwest {
    fn from_http_client(http: reqwest::Client, options: &TransportOptions) -> Result<Self, Error> {
        install_crypto_provider();
        Ok(Reqwest::foreign(Http::Plain(http), options))
    }
}

/// Your middleware stack (feature `middleware`); the same rules as a plain `reqwest::Client`.
#[cfg(feature = "middleware")]
impl FromHttpClient<reqwest_middleware::ClientWithMiddleware> for Reqwest {
    fn from_http_client(
        http: reqwest_middleware::ClientWithMiddleware,
        options: &TransportOptions,
    ) -> Result<Self, Error> {
        install_crypto_provider();
        Ok(Reqwest::foreign(Http::Stack(http), options))
    }
}

impl Reqwest {
    fn foreign(http: Http, options: &TransportOptions) -> Self {
        let max_body = options.max_body;
        Reqwest {
            http,
            max_body,
            deadlines: Deadlines::new(Tokio),
            urls: Urls::new(),
            foreign: true,
        }
    }
}

impl Http {
    async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, TransportError> {
        match self {
            Http::Plain(http) => http.execute(request).await.map_err(classify),
            #[cfg(feature = "middleware")]
            Http::Stack(http) => http.execute(request).await.map_err(|e| match e {
                reqwest_middleware::Error::Reqwest(e) => classify(e),
                // A middleware's own failure: whether the request left is unknown.
                reqwest_middleware::Error::Middleware(_) => failure(Failure::SentThenFailed),
            }),
        }
    }
}

/// Installs ring as the process's default rustls provider, unless one is installed already (then
/// nothing changes). Building a client does it; call it yourself before building a plain
/// `reqwest::Client` ahead of any lean client (see the crate docs). Cheap and idempotent.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Lost a race with another installer: theirs is the default, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// tokio's clock and timer. Its clock is tokio's: a test runtime with paused time
/// (`tokio::time::pause`) runs the client in virtual time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

impl Runtime for Tokio {
    type Timer = TokioTimer;
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
    fn timer(&self, at: Instant) -> TokioTimer {
        TokioTimer(Box::pin(tokio::time::sleep_until(at.into())))
    }
}

/// tokio's `Sleep`, moved with `reset`.
#[derive(Debug)]
pub struct TokioTimer(std::pin::Pin<Box<tokio::time::Sleep>>);

impl std::future::Future for TokioTimer {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl Timer for TokioTimer {
    fn reset(&mut self, at: Instant) {
        self.0.as_mut().reset(at.into())
    }
}

impl Connect for Reqwest {
    fn connect(options: &TransportOptions) -> Result<Self, Error> {
        let bad = |what: &'static str, e: &dyn std::fmt::Display| {
            Error::Tls(TlsError {
                what,
                detail: e.to_string(),
            })
        };
        let mut roots = rustls::RootCertStore::empty();
        match &options.root_certificates {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|e| bad("root certificates", &e))?;
                    roots.add(cert).map_err(|e| bad("root certificates", &e))?;
                }
                if roots.is_empty() {
                    return Err(bad("root certificates", &"no certificate in the PEM"));
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        install_crypto_provider();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("TLS", &e))?
            .with_root_certificates(roots);
        let tls = match &options.client_identity {
            Some((chain, key)) => {
                let certs = CertificateDer::pem_slice_iter(chain)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| bad("client certificate", &e))?;
                let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| bad("client key", &e))?;
                tls.with_client_auth_cert(certs, key)
                    .map_err(|e| bad("client identity", &e))?
            }
            None => tls.with_no_client_auth(),
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none()) // never follow a redirect with a bearer token
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(|e| Error::Config(ConfigError::new(format!("HTTP client: {e}"))))?;
        Ok(Reqwest {
            http: Http::Plain(http),
            max_body: options.max_body,
            deadlines: Deadlines::new(Tokio),
            urls: Urls::new(),
            foreign: false,
        })
    }

    fn clock(&self) -> Clock {
        Clock::of(Tokio)
    }
}

impl AsyncTransport for Reqwest {
    type Runtime = Tokio;

    fn runtime(&self) -> &Tokio {
        &Tokio
    }

    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (parts, body) = request.into_parts();
        let url = self
            .urls
            .url(&parts.uri)
            .ok_or(failure(Failure::NotConnected))?;
        let bodiless = bodiless(&parts.method, &body);
        let mut request = reqwest::Request::new(parts.method, url);
        *request.headers_mut() = parts.headers;
        *request.version_mut() = parts.version;
        if !bodiless {
            *request.body_mut() = Some(body.into());
        }
        let url = self.foreign.then(|| request.url().clone());
        let exchange = std::pin::pin!(async {
            let mut response = self.http.execute(request).await?;
            if url.is_some_and(|url| *response.url() != url) {
                return Err(failure(Failure::SentThenFailed)); // a redirect was followed
            }
            let mut body =
                BodyBuffer::new(response.content_length(), self.max_body).map_err(failure)?;
            while let Some(chunk) = response.chunk().await.map_err(classify)? {
                body.push(chunk).map_err(failure)?;
            }
            let mut out = http::Response::new(body.finish());
            *out.status_mut() = response.status();
            *out.headers_mut() = std::mem::take(response.headers_mut());
            Ok(out)
        });
        // One timer for the whole exchange, body included, as the core's timeout means.
        self.deadlines
            .within(Tokio.now() + timeout, exchange)
            .await
            .unwrap_or(Err(failure(Failure::TimedOutAfterSend)))
    }
}

/// Maps a reqwest failure onto the shared rule: did the request possibly reach Lean?
fn classify(e: reqwest::Error) -> TransportError {
    failure(if head_too_large(&e) {
        // hyper's default read buffer limit (`DEFAULT_MAX_BUFFER_SIZE`, 8 KiB + 400 KiB).
        Failure::HeadTooLarge {
            limit: 8192 + 4096 * 100,
        }
    } else if e.is_connect() {
        Failure::NotConnected
    } else if e.is_timeout() {
        Failure::TimedOutAfterSend
    } else {
        io_kind_in(&e).map_or(Failure::SentThenFailed, io_failure)
    })
}

/// Whether hyper refused the answer's head as too large, anywhere in the error's chain. Its
/// text is the only sign a client sees (hyper's `is_parse_too_large` is server-side only).
fn head_too_large(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut e = Some(e);
    while let Some(err) = e {
        if err.to_string() == "message head is too large" {
            return true;
        }
        e = err.source();
    }
    false
}

/// What most programs need, in one `use`: the driver's prelude and this adapter's `Client`.
pub mod prelude {
    pub use crate::Client;
    pub use lean_client::prelude::*;
}
