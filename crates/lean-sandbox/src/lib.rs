//! # lean-sandbox
//!
//! A faithful local emulator of Lean Technologies' Data API, for tests, examples, benchmarks and
//! your own integration tests: OAuth2 client credentials, every v2/v1 data route and the
//! insights routes, paging, Lean's error bodies, the PENDING fallback after `pending_after`,
//! signed `results.ready` webhooks with Lean's retry schedule, and seeded fault injection, all
//! on `127.0.0.1`.
//!
//! ```
//! use lean_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default())?;
//! println!("Lean emulator at {}", sandbox.base_url());
//! let entity = sandbox.entities()[0].clone();
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The control API under `/_sandbox/` sets faults (`POST /_sandbox/faults`, `/_sandbox/faults/next`),
//! points webhooks somewhere (`POST /_sandbox/webhook-url`), triggers or replays webhooks
//! (`POST /_sandbox/webhooks`), and shows the seeded ids (`GET /_sandbox/state`) and the log of
//! requests and webhook deliveries (`GET /_sandbox/log`).

#![forbid(unsafe_code)]

mod auth;
pub mod cli;
pub mod config;
mod consents;
mod control;
mod data;
mod directory;
pub mod faults;
mod payment_flow;
mod payments;
mod refresh;
mod render;
mod respond;
mod server;
mod state;
mod verify;
mod webhooks;
pub mod world;

pub use config::{Latency, SandboxConfig, parse_duration, parse_latency};
pub use consents::ConsentError;
pub use faults::{FaultKind, FaultRule};
pub use payment_flow::{Authorization, PayError};
pub use server::LogEntry;

use lean_proto::{AccountId, CustomerId, EntityId};
use std::net::SocketAddr;
use std::sync::Arc;

/// A running emulator. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    inner: Arc<state::Inner>,
    /// TCP connections accepted so far (a client that reuses its connections opens few).
    connections: Arc<std::sync::atomic::AtomicU64>,
    runtime: tokio::runtime::Handle,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sandbox {
    /// Starts the emulator on `127.0.0.1:{config.port}` (0: any free port) on its own thread,
    /// with its own runtime. It works from anywhere: plain `main`, a `#[test]`, and inside an
    /// async runtime (`#[tokio::test]`, `#[async_std::test]`), since it never blocks on a
    /// runtime of the caller's. Integration tests of an app that uses lean-rs start one per
    /// test:
    ///
    /// ```no_run
    /// #[tokio::test]
    /// async fn my_app_reads_accounts() {
    ///     let lean = lean_sandbox::Sandbox::start(Default::default()).unwrap();
    ///     let config = lean.client_config(); // point the app's lean-rs client here
    ///     // ... run the app's code against it ...
    /// #   let _ = config;
    /// }
    /// ```
    pub fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let config = config.validated()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("lean-sandbox")
            .build()?;
        // Bound here with std (no runtime needed), handed to tokio on the emulator's thread.
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", config.port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        // A half-sent request must not hold a connection (and a task) for ever.
        let read_timeout = config.read_timeout;
        let inner = state::Inner::new(config);
        let app = server::router(inner.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = runtime.handle().clone();
        let connections = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let accepted = connections.clone();
        let thread = std::thread::Builder::new()
            .name("lean-sandbox".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(listener) => serve(listener, app, read_timeout, accepted, rx).await,
                        Err(e) => eprintln!("lean-sandbox: cannot listen: {e}"),
                    }
                });
                runtime.shutdown_background();
            })?;
        Ok(Sandbox {
            addr,
            inner,
            connections,
            runtime: handle,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// TCP connections the emulator has accepted since it started: what a test of connection
    /// reuse counts.
    pub fn connections_accepted(&self) -> u64 {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `http://127.0.0.1:PORT`: the API base and the auth base (`/oauth2/token`) at once.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The client configuration for this emulator: its base URL for the API and the token
    /// endpoint, and its OAuth2 client credentials. Give it to any lean-rs client.
    ///
    /// ```no_run
    /// let sandbox = lean_sandbox::Sandbox::start(Default::default())?;
    /// let config = sandbox.client_config();
    /// assert!(config.api_base().as_str().starts_with("http://127.0.0.1:"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn client_config(&self) -> lean_proto::Config {
        let base = lean_proto::BaseUrl::parse(&self.base_url())
            .expect("a loopback http URL is always a valid base"); // built from our own SocketAddr
        lean_proto::Config::new(
            lean_proto::Region::Uae,
            lean_proto::Environment::Custom {
                api_base: base.clone(),
                auth_base: base,
            },
            lean_proto::Credentials::ClientCredentials {
                client_id: self.inner.config.client_id.clone(),
                client_secret: lean_proto::Secret::new(self.inner.config.client_secret.clone()),
            },
        )
    }

    /// The secret this emulator signs its webhooks with, for the client's webhook intake.
    pub fn webhook_secret(&self) -> lean_proto::webhook::WebhookSecret {
        lean_proto::webhook::WebhookSecret::new(self.inner.config.webhook_secret.clone())
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// Customers (the two seeded first, then those created through the API).
    pub fn customers(&self) -> Vec<CustomerId> {
        self.inner
            .customers()
            .into_iter()
            .map(|c| c.customer_id)
            .collect()
    }

    /// Live entities (the two seeded first, one per seeded customer, then those connected).
    pub fn entities(&self) -> Vec<EntityId> {
        self.inner.entities().iter().map(|e| e.id.clone()).collect()
    }

    /// Accounts of an entity (the first of a seeded entity has the configured number of
    /// transactions).
    pub fn accounts(&self, entity: &EntityId) -> Vec<AccountId> {
        self.inner
            .entity(entity)
            .map(|e| e.accounts.iter().map(|a| a.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Plays the end user connecting `bank_identifier` (default: the emulator's first bank)
    /// through LinkSDK for `customer`: a new entity, then the webhooks Lean sends,
    /// `entity.created` and `entity.data.refresh.updated` (PENDING, then FINISHED once the
    /// bank's time has passed). `None` for an unknown customer or bank.
    ///
    /// ```no_run
    /// let sandbox = lean_sandbox::Sandbox::start(Default::default())?;
    /// let customer = sandbox.customers()[0].clone();
    /// let entity = sandbox.connect(&customer, None).expect("a known customer");
    /// assert!(sandbox.entities().contains(&entity));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn connect(
        &self,
        customer: &CustomerId,
        bank_identifier: Option<&str>,
    ) -> Option<EntityId> {
        let bank = bank_identifier.unwrap_or(world::BANKS[0].0);
        if !world::BANKS.iter().any(|b| b.0 == bank) {
            return None;
        }
        let _guard = self.runtime.enter();
        directory::connect(&self.inner, customer, bank).map(|e| e.id.clone())
    }

    /// The customer of a payment intent authorises its payment (LinkSDK's `pay()` played):
    /// answers the payment (`PENDING_WITH_BANK`); `payment.created`, then after the bank's
    /// (scaled) latency `payment.updated` with the outcome asked for, follow as webhooks. The
    /// control API's `POST /_sandbox/payments/{payment_intent_id}/authorize` does the same.
    pub fn pay(
        &self,
        payment_intent_id: &str,
        authorization: &Authorization,
    ) -> Result<lean_proto::Payment, PayError> {
        let _guard = self.runtime.enter();
        payment_flow::pay(
            &self.inner,
            &payment_intent_id.to_ascii_lowercase(),
            authorization,
        )
    }

    /// The customer authorises an account-on-file consent at their bank (LinkSDK's
    /// `authoriseConsent()` played): `AUTHORISED`, paying from their connected account. The
    /// control API's `POST /_sandbox/consents/{consent_id}/authorize` does the same.
    pub fn authorise_consent(&self, consent_id: &str) -> Result<(), ConsentError> {
        consents::authorise(&self.inner, &consent_id.to_ascii_lowercase()).map(drop)
    }

    /// Points webhooks at `url` from now on.
    pub fn set_webhook_url(&self, url: Option<String>) {
        *self
            .inner
            .webhook_url
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = url;
    }

    /// Adds a fault rule in front of the others (a one-shot rule when `count` is 1).
    pub fn add_fault(&self, rule: FaultRule) {
        self.inner.add_fault(rule);
    }

    /// Invalidates every access token issued so far (the next request gets 401).
    pub fn revoke_tokens(&self) {
        self.inner.revoke_tokens();
    }

    /// When the results of a request that answered PENDING are ready to fetch (already past
    /// when they are); `None` for a `results_id` this emulator did not hand out. For tests and
    /// benchmarks that must act once the bank has answered, without guessing how long it takes.
    pub fn results_ready_at(
        &self,
        results_id: &lean_proto::ResultsId,
    ) -> Option<std::time::Instant> {
        self.inner
            .lock()
            .results
            .get(results_id.as_str())
            .map(|job| job.ready_at.into_std())
    }

    /// The log of requests received and webhooks delivered.
    pub fn log(&self) -> Vec<LogEntry> {
        self.inner.log_entries()
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shut();
    }
}

/// Largest request body accepted (Lean's requests are small JSON or form bodies).
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Accepts connections until `stop` (counting them in `accepted`), serving each with HTTP/1.1
/// keep-alive, a header read timeout, and the body limits of [`read_body`].
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    read_timeout: std::time::Duration,
    accepted: Arc<std::sync::atomic::AtomicU64>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let app = app.layer(axum::middleware::from_fn(move |request, next| {
        read_body(request, next, read_timeout)
    }));
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue, // e.g. too many open files: try the next one
            },
            _ = &mut stop => return,
        };
        accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let service = hyper_util::service::TowerToHyperService::new(
            tower::ServiceBuilder::new()
                .map_request(strip_trailing_slash)
                .service(app.clone()),
        );
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(read_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// `/customers/v1/` is `/customers/v1`: Lean accepts both spellings (its docs and its Node
/// SDK use the trailing slash), so routes are matched without it.
fn strip_trailing_slash<B>(mut request: http::Request<B>) -> http::Request<B> {
    let uri = request.uri();
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let path = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        };
        if let Ok(new) = rebuilt.parse() {
            *request.uri_mut() = new;
        }
    }
    request
}

/// Reads the whole request body first, within `read_timeout` and [`MAX_REQUEST_BODY`], and
/// answers Lean-style errors otherwise; handlers then never wait on a slow client.
async fn read_body(
    request: axum::extract::Request,
    next: axum::middleware::Next,
    read_timeout: std::time::Duration,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, body) = request.into_parts();
    let refuse = |status: axum::http::StatusCode, message: &str| {
        let body = serde_json::json!({"status": status.canonical_reason().unwrap_or("ERROR").to_uppercase().replace(' ', "_"), "message": message});
        (status, axum::Json(body)).into_response()
    };
    match tokio::time::timeout(read_timeout, axum::body::to_bytes(body, MAX_REQUEST_BODY)).await {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))
            .await
        }
        Ok(Err(_)) => refuse(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        ),
        Err(_) => refuse(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            "The request body did not arrive in time.",
        ),
    }
}
