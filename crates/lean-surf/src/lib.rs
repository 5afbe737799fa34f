//! # lean-surf
//!
//! The async client of lean-rs for async-std, over surf (`h1-client`). Like `lean-ureq`, it only
//! moves bytes, waits and wakes: every decision is the sans-IO [`lean_proto`] core's.
//!
//! **Upstream status, plainly:** async-std is discontinued (RUSTSEC-2025-0052) and surf is
//! unmaintained (RUSTSEC-2025-0036, RUSTSEC-2026-0169). This adapter exists because async-std
//! codebases still call Lean; the core is runtime-agnostic, so an adapter for another runtime is
//! about the same 350 lines. mTLS is not offered here (surf's only modern path is native-tls); use
//! `lean-ureq` for Lean's v1 production, which requires it.
//!
//! ```no_run
//! use lean_surf::{Client, lean_proto::*};
//!
//! # async fn run() -> Result<(), lean_surf::Error> {
//! let secret = Secret::new(std::env::var("LEAN_CLIENT_SECRET").unwrap_or_default());
//! let credentials = Credentials::ClientCredentials { client_id: "my-app-id".into(), client_secret: secret };
//! let client = Client::new(Config::new(Region::Uae, Environment::Sandbox, credentials));
//! let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
//! let accounts = client.accounts(&entity).await?;
//! let mut txs = client.items(GetTransactions::new(entity, accounts[0].account_id.clone()));
//! while let Some(tx) = txs.next().await {
//!     println!("{}", tx?.amount.amount);
//! }
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub use lean_proto;
pub use lean_proto::call::{CallConfig, CallError, CallErrorKind, Waiting};

use async_std::io::ReadExt;
use async_std::sync::{Condvar, Mutex, MutexGuard};
use lean_proto::auth::TokenCache;
use lean_proto::call::{Call, CallData, Context};
use lean_proto::pager::{Cursor, Next};
use lean_proto::results::InMemoryResults;
use lean_proto::retry::TransportError;
use lean_proto::webhook::{Ack, Dedupe, WebhookSecret};
use lean_proto::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use lean_proto::client::{Error, Submitted};

struct Shared {
    tokens: TokenCache,
    results: InMemoryResults,
    dedupe: Dedupe,
}

struct Inner {
    http: surf::Client,
    config: Config,
    call: CallConfig,
    entropy: std::collections::hash_map::RandomState,
    calls: std::sync::atomic::AtomicU64,
    max_body: u64,
    webhook_secret: Option<WebhookSecret>,
    shared: Mutex<Shared>,
    wake: Condvar,
}

/// An async Lean client; clones share the token cache, the results registry and connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The one place this adapter reads the clock: the core takes time as an argument.
fn now() -> Instant {
    Instant::now()
}

impl Client {
    /// A client with the default call policy.
    pub fn new(config: Config) -> Client {
        Client::with(config, CallConfig::default(), None)
    }

    /// A client with a call policy and, for [`Client::handle_webhook`], the webhook secret.
    pub fn with(config: Config, call: CallConfig, webhook_secret: Option<WebhookSecret>) -> Client {
        // Timeouts are the core's (per request); surf's own default of 60 s is switched off.
        // Keep-alive is off on purpose: async-h1's pool hands a connection whose request was
        // abandoned at a timeout to the next request, which then reads the late answer of the
        // old one (the scenario suite caught a synchronous answer delivered to the async=true
        // request that replaced it). A fresh connection per request cannot mix answers up.
        let http: surf::Client = surf::Config::new()
            .set_timeout(None)
            .set_http_keep_alive(false)
            .try_into()
            .unwrap_or_default();
        Client {
            inner: Arc::new(Inner {
                http,
                shared: Mutex::new(Shared {
                    tokens: TokenCache::new(&config),
                    results: InMemoryResults::default(),
                    dedupe: Dedupe::new(10_000),
                }),
                config,
                call,
                max_body: 32 << 20,
                webhook_secret,
                wake: Condvar::new(),
                entropy: std::collections::hash_map::RandomState::new(),
                calls: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The call policy for one new call, with its own jitter seed. The core is deterministic
    /// (same seed, same waits); the entropy is the adapter's to add, or every client that failed
    /// together would back off in lockstep.
    fn call_config(&self) -> CallConfig {
        use std::hash::{BuildHasher, Hasher};
        let mut h = self.inner.entropy.build_hasher();
        h.write_u64(
            self.inner
                .calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        CallConfig {
            seed: self.inner.call.seed ^ h.finish(),
            ..self.inner.call.clone()
        }
    }

    async fn lock(&self) -> MutexGuard<'_, Shared> {
        self.inner.shared.lock().await
    }

    /// One exchange, converted between `http` 1.x (the core's) and http-types 2.x (surf's).
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let (parts, body) = request.into_parts();
        let method: surf::http::Method = parts
            .method
            .as_str()
            .parse()
            .map_err(|_| TransportError::Connect)?;
        let url = surf::Url::parse(&parts.uri.to_string()).map_err(|_| TransportError::Connect)?;
        let mut builder = surf::RequestBuilder::new(method, url);
        for (name, value) in &parts.headers {
            if let Ok(v) = value.to_str() {
                builder = builder.header(name.as_str(), v);
            }
        }
        let request = builder.body(body).build();
        let exchange = async {
            let mut resp = self.inner.http.send(request).await.map_err(transport)?;
            let mut out = http::Response::builder().status(u16::from(resp.status()));
            for (name, values) in resp.iter() {
                for v in values.iter() {
                    out = out.header(name.as_str(), v.as_str());
                }
            }
            let mut bytes = Vec::new();
            let limit = self.inner.max_body;
            resp.take_body()
                .into_reader()
                .take(limit + 1)
                .read_to_end(&mut bytes)
                .await
                .map_err(|_| TransportError::Reset { request_sent: true })?;
            if bytes.len() as u64 > limit {
                return Err(TransportError::Reset { request_sent: true });
            }
            out.body(bytes)
                .map_err(|_| TransportError::Reset { request_sent: true })
        };
        async_std::future::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(TransportError::TimedOut { request_sent: true }))
    }

    /// Drives a call to its end; the same loop as lean-ureq's, with async waits.
    async fn drive<P: Payload>(&self, mut call: Call<P>) -> Result<Submitted<P>, Error> {
        loop {
            if let Some(outcome) = call.poll_outcome() {
                return outcome.map(Submitted::Data).map_err(Error::from);
            }
            let mut guard = self.lock().await;
            if let Some(id) = call.poll_submitted() {
                return Ok(Submitted::Pending(id));
            }
            let shared = &mut *guard;
            let mut ctx = Context {
                tokens: &mut shared.tokens,
                results: &mut shared.results,
            };
            if let Some(tx) = call.poll_transmit(now(), &mut ctx) {
                drop(guard);
                let answer = self.send(tx.request, tx.timeout).await;
                let mut guard = self.lock().await;
                let shared = &mut *guard;
                let mut ctx = Context {
                    tokens: &mut shared.tokens,
                    results: &mut shared.results,
                };
                match answer {
                    Ok(resp) => call.handle_response(tx.id, resp, now(), &mut ctx),
                    Err(e) => call.handle_transport_error(tx.id, e, now(), &mut ctx),
                }
                self.inner.wake.notify_all();
                continue;
            }
            // Check and wait under one lock: a webhook marked ready in between is not missed.
            call.handle_timeout(now(), &mut ctx);
            let idle = matches!(
                call.waiting(),
                Waiting::Results(_) | Waiting::Backoff | Waiting::Token
            );
            if let (true, Some(at)) = (idle, call.poll_timeout()) {
                let (mut guard, _) = self
                    .inner
                    .wake
                    .wait_timeout(guard, at.saturating_duration_since(now()))
                    .await;
                let shared = &mut *guard;
                let mut ctx = Context {
                    tokens: &mut shared.tokens,
                    results: &mut shared.results,
                };
                call.handle_timeout(now(), &mut ctx);
            }
        }
    }

    async fn finish<P: Payload>(&self, call: Call<P>) -> Result<CallData<P>, Error> {
        match self.drive(call).await? {
            Submitted::Data(d) => Ok(d),
            Submitted::Pending(id) => {
                Err(Error::Config(format!("unexpected submit stop for {id}")))
            }
        }
    }

    /// Sends any endpoint and returns its typed data, waiting out PENDING.
    pub async fn call<E>(&self, endpoint: E) -> Result<CallData<E::Output>, Error>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        self.finish(Call::new(
            endpoint,
            self.inner.config.api_base(),
            self.call_config(),
            now(),
        ))
        .await
    }

    /// Sends `endpoint` with `async=true` and returns Lean's `results_id` without waiting.
    pub async fn submit<E>(&self, endpoint: E) -> Result<Submitted<E::Output>, Error>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        self.drive(Call::submit(
            endpoint,
            self.inner.config.api_base(),
            self.call_config(),
            now(),
        ))
        .await
    }

    /// Fetches the results of a request that answered PENDING, waiting until the deadline.
    pub async fn resume<P: Payload + 'static>(
        &self,
        results_id: ResultsId,
    ) -> Result<CallData<P>, Error> {
        let generation = self.inner.config.generation();
        self.finish(Call::resume(
            results_id,
            generation,
            self.inner.config.api_base(),
            self.call_config(),
            now(),
        ))
        .await
    }

    /// Results typed by their body.
    pub async fn results(&self, results_id: ResultsId) -> Result<CallData<AnyData>, Error> {
        self.resume(results_id).await
    }

    /// Every item of a collection; pages are fetched as [`Items::next`] runs out.
    pub fn items<T, E>(&self, endpoint: E) -> Items<T>
    where
        T: Collection + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        Items {
            client: self.clone(),
            cursor: Cursor::new(endpoint),
        }
    }

    /// All accounts of an entity.
    pub async fn accounts(&self, entity: &EntityId) -> Result<Vec<Account>, Error> {
        self.items(GetAccounts::new(entity.clone())).collect().await
    }

    /// The webhook intake: verify, deduplicate, wake the waiting call. Answer with `status`.
    pub async fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        let mut guard = self.lock().await;
        let shared = &mut *guard;
        let ack = webhook::intake(
            self.inner.webhook_secret.as_ref(),
            &mut shared.dedupe,
            &mut shared.results,
            signature,
            body,
            now(),
        );
        drop(guard);
        self.inner.wake.notify_all();
        ack
    }
}

/// Items of a paged collection, fetched page by page. After an error it ends.
pub struct Items<T: Collection> {
    client: Client,
    cursor: Cursor<T>,
}

impl<T: Collection + 'static> Items<T> {
    /// The next item, fetching the next page when needed.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        loop {
            let inner = &self.client.inner;
            match self
                .cursor
                .next(inner.config.api_base(), self.client.call_config(), now())
            {
                Next::Item(item) => return Some(Ok(item)),
                Next::Done => return None,
                Next::Fetch(call) => match self.client.finish(*call).await {
                    Ok(page) => self.cursor.handle_page(page),
                    Err(e) => {
                        self.cursor.fail();
                        return Some(Err(e));
                    }
                },
            }
        }
    }

    /// Every remaining item, or the first error.
    pub async fn collect(mut self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

/// Classifies a surf failure for the core.
fn transport(e: surf::Error) -> TransportError {
    let io = e.downcast_ref::<std::io::Error>().map(|e| e.kind());
    match io {
        Some(std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NotFound) => {
            TransportError::Connect
        }
        Some(std::io::ErrorKind::TimedOut) => TransportError::TimedOut { request_sent: true },
        _ => TransportError::Reset { request_sent: true },
    }
}
