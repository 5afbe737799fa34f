//! # lean-ureq
//!
//! The blocking client of lean-rs: it drives the sans-IO [`lean_proto`] core over ureq 3. Every
//! decision (auth, retries, PENDING, polling, paging) is the core's; this crate moves bytes,
//! waits, and wakes calls when a webhook arrives.
//!
//! ```no_run
//! use lean_ureq::{Client, lean_proto::*};
//!
//! fn main() -> Result<(), lean_ureq::Error> {
//!     let secret = Secret::new(std::env::var("LEAN_CLIENT_SECRET").unwrap_or_default());
//!     let credentials = Credentials::ClientCredentials { client_id: "my-app-id".into(), client_secret: secret };
//!     let client = Client::new(Config::new(Region::Uae, Environment::Sandbox, credentials))?;
//!     let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
//!     for account in client.accounts(&entity)? {
//!         for tx in client.transactions(&entity, &account.account_id) {
//!             let tx = tx?; // pages come lazily; a PENDING answer is waited out for you
//!             println!("{} {} {:?}", tx.amount.amount, tx.amount.currency, tx.booking_date_time);
//!         }
//!     }
//!     Ok(())
//! }
//! ```
//!
//! A call that goes PENDING waits for `results.ready` (feed webhooks to
//! [`Client::handle_webhook`]) and polls as a fallback, up to the deadline of
//! [`CallConfig`]. [`Client::submit`] returns the `results_id` at once instead, and
//! [`Client::resume`] picks it up later, in this process or another.

#![forbid(unsafe_code)]

pub use lean_proto;

use lean_proto::auth::TokenCache;
pub use lean_proto::call::Waiting;
use lean_proto::call::{Call, CallData, Context};
pub use lean_proto::call::{CallConfig, CallError, CallErrorKind};
use lean_proto::pager::{Cursor, Next};
use lean_proto::results::InMemoryResults;
use lean_proto::retry::TransportError;
use lean_proto::webhook::{Ack, Dedupe, WebhookSecret};
use lean_proto::*;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use lean_proto::client::{Error, Submitted};

struct Shared {
    tokens: TokenCache,
    results: InMemoryResults,
    dedupe: Dedupe,
}

/// What the client's most recent call is doing, for progress displays (polled, not pushed).
#[derive(Debug, Clone)]
pub struct Progress {
    /// What it waits for.
    pub waiting: Waiting,
    /// Its `results_id`, once Lean gave one.
    pub results_id: Option<ResultsId>,
    /// Requests sent so far.
    pub requests: u32,
    /// When the call started.
    pub started: Instant,
}

struct Inner {
    progress: Mutex<Option<Progress>>,
    agent: ureq::Agent,
    config: Config,
    call: CallConfig,
    entropy: std::collections::hash_map::RandomState,
    calls: std::sync::atomic::AtomicU64,
    max_body: u64,
    webhook_secret: Option<WebhookSecret>,
    shared: Mutex<Shared>,
    wake: Condvar,
}

const _: () = {
    const fn send_sync<T: Send + Sync + Clone>() {}
    send_sync::<Client>(); // shared across threads: one token cache, one registry
};

/// A Lean client: `Send + Sync`, cheap to clone (clones share the token cache, the results
/// registry and the connection pool).
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

/// Builds a [`Client`] with TLS options and call policy.
pub struct ClientBuilder {
    config: Config,
    call: CallConfig,
    webhook_secret: Option<WebhookSecret>,
    max_body: u64,
    client_cert: Option<(Vec<u8>, Vec<u8>)>,
    roots: Option<Vec<u8>>,
}

impl ClientBuilder {
    /// How patient calls are (timeouts, deadline, retries).
    pub fn call_config(mut self, call: CallConfig) -> Self {
        self.call = call;
        self
    }

    /// The webhook secret, to verify webhooks given to [`Client::handle_webhook`].
    pub fn webhook_secret(mut self, secret: WebhookSecret) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// Largest response body accepted (default 32 MiB).
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// mTLS: the app certificate chain (PEM) and its private key (PEM). Lean's v1 production
    /// requires it.
    pub fn client_identity(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        self.client_cert = Some((cert_chain_pem.to_vec(), key_pem.to_vec()));
        self
    }

    /// Trust only these CA certificates (PEM), e.g. Lean's chain, instead of the web roots.
    pub fn root_certificates(mut self, pem: &[u8]) -> Self {
        self.roots = Some(pem.to_vec());
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
        let bad = |what: &str, e: ureq::Error| Error::Config(format!("{what}: {e}"));
        let mut tls = TlsConfig::builder();
        if let Some((chain, key)) = &self.client_cert {
            let certs = ureq::tls::parse_pem(chain)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad("client certificate", e))?;
            let key = PrivateKey::from_pem(key).map_err(|e| bad("client key", e))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
        }
        if let Some(pem) = &self.roots {
            let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::Config(
                    "root certificates: no certificate in the PEM".into(),
                ));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        let agent = ureq::Agent::new_with_config(
            ureq::config::Config::builder()
                .http_status_as_error(false) // 4xx/5xx bodies are Lean's answers: the core reads them
                .max_redirects(0) // never follow a redirect with a bearer token (SSRF)
                .https_only(false) // BaseUrl already allows plain HTTP for loopback only
                .tls_config(tls.build())
                .build(),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                progress: Mutex::new(None),
                agent,
                shared: Mutex::new(Shared {
                    tokens: TokenCache::new(&self.config),
                    results: InMemoryResults::default(),
                    dedupe: Dedupe::new(10_000),
                }),
                config: self.config,
                call: self.call,
                max_body: self.max_body,
                webhook_secret: self.webhook_secret,
                wake: Condvar::new(),
                entropy: std::collections::hash_map::RandomState::new(),
                calls: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }
}

/// The one place this adapter reads the clock: the core takes time as an argument.
fn now() -> Instant {
    Instant::now()
}

impl Client {
    /// A client with the default call policy.
    pub fn new(config: Config) -> Result<Client, Error> {
        Client::builder(config).build()
    }

    /// A builder for TLS options, webhook secret and call policy.
    pub fn builder(config: Config) -> ClientBuilder {
        ClientBuilder {
            config,
            call: CallConfig::default(),
            webhook_secret: None,
            max_body: 32 << 20,
            client_cert: None,
            roots: None,
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

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.inner.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends one request with its timeout; the answer as the core wants it.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let request = self
            .inner
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        let response = self.inner.agent.run(request).map_err(transport)?;
        let (parts, body) = response.into_parts();
        let bytes = body
            .into_with_config()
            .limit(self.inner.max_body)
            .read_to_vec()
            .map_err(transport)?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    /// Drives a call to its end: data, a typed error, or (for a submit) the `results_id`.
    fn drive<P: Payload>(&self, mut call: Call<P>) -> Result<Submitted<P>, Error> {
        let started = now();
        loop {
            self.report(Some(Progress {
                waiting: call.waiting(),
                results_id: call.results_id().cloned(),
                requests: call.requests_sent(),
                started,
            }));
            if let Some(outcome) = call.poll_outcome() {
                self.report(None);
                return outcome.map(Submitted::Data).map_err(Error::from);
            }
            let mut guard = self.lock();
            let shared = &mut *guard;
            let mut ctx = Context {
                tokens: &mut shared.tokens,
                results: &mut shared.results,
            };
            if let Some(id) = call.poll_submitted() {
                drop(guard);
                self.report(None);
                return Ok(Submitted::Pending(id));
            }
            if let Some(tx) = call.poll_transmit(now(), &mut ctx) {
                drop(guard);
                let answer = self.send(tx.request, tx.timeout);
                let mut guard = self.lock();
                let shared = &mut *guard;
                let mut ctx = Context {
                    tokens: &mut shared.tokens,
                    results: &mut shared.results,
                };
                match answer {
                    Ok(resp) => call.handle_response(tx.id, resp, now(), &mut ctx),
                    Err(e) => call.handle_transport_error(tx.id, e, now(), &mut ctx),
                }
                // A token may have arrived that other calls wait for.
                self.inner.wake.notify_all();
                continue;
            }
            // Check and wait under one lock, so a webhook marked ready in between is never
            // missed: the intake marks under this lock and then notifies.
            call.handle_timeout(now(), &mut ctx);
            let idle = matches!(
                call.waiting(),
                Waiting::Results(_) | Waiting::Backoff | Waiting::Token
            );
            if let (true, Some(at)) = (idle, call.poll_timeout()) {
                let wait = at.saturating_duration_since(now());
                let (mut guard, _) = self
                    .inner
                    .wake
                    .wait_timeout(guard, wait)
                    .unwrap_or_else(|p| p.into_inner());
                let shared = &mut *guard;
                let mut ctx = Context {
                    tokens: &mut shared.tokens,
                    results: &mut shared.results,
                };
                call.handle_timeout(now(), &mut ctx);
            }
        }
    }

    fn report(&self, progress: Option<Progress>) {
        *self
            .inner
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = progress;
    }

    /// What the most recent call is doing now (`None` when no call runs).
    pub fn progress(&self) -> Option<Progress> {
        self.inner
            .progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn finish<P: Payload>(&self, call: Call<P>) -> Result<CallData<P>, Error> {
        match self.drive(call)? {
            Submitted::Data(d) => Ok(d),
            // Only submit() asks to stop at PENDING.
            Submitted::Pending(id) => {
                Err(Error::Config(format!("unexpected submit stop for {id}")))
            }
        }
    }

    /// Sends any endpoint and returns its typed data, waiting out PENDING.
    pub fn call<E>(&self, endpoint: E) -> Result<CallData<E::Output>, Error>
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
    }

    /// Sends `endpoint` with `async=true` and returns Lean's `results_id` without waiting.
    pub fn submit<E>(&self, endpoint: E) -> Result<Submitted<E::Output>, Error>
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
    }

    /// Fetches the results of a request that answered PENDING (perhaps before a restart),
    /// waiting for `results.ready` or polling until the deadline. `P` is what the original
    /// request returns ([`AnyData`] when unknown).
    pub fn resume<P: Payload + 'static>(
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
    }

    /// `GET …/results/{results_id}` once more, typed by its body.
    pub fn results(&self, results_id: ResultsId) -> Result<CallData<AnyData>, Error> {
        self.resume(results_id)
    }

    /// One page of a collection.
    pub fn page<T, E>(&self, endpoint: E) -> Result<CallData<Page<T>>, Error>
    where
        T: Collection + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        self.call(endpoint)
    }

    /// Every item of a collection, fetching pages lazily as the iterator advances.
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

    /// The webhook intake: verify `lean-signature` over the raw body, deduplicate, wake the
    /// call waiting for a `results.ready`. Answer Lean with [`Ack::status`] at once.
    pub fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        let mut guard = self.lock();
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

    // ---- one method per endpoint -----------------------------------------------------------

    /// All accounts of an entity.
    pub fn accounts(&self, entity: &EntityId) -> Result<Vec<Account>, Error> {
        self.items(GetAccounts::new(entity.clone())).collect()
    }

    /// Balances of an account.
    pub fn balances(&self, entity: &EntityId, account: &AccountId) -> Result<Vec<Balance>, Error> {
        self.items(GetBalances::new(entity.clone(), account.clone()))
            .collect()
    }

    /// Transactions of an account, page by page as the iterator advances.
    pub fn transactions(&self, entity: &EntityId, account: &AccountId) -> Items<Transaction> {
        self.items(GetTransactions::new(entity.clone(), account.clone()))
    }

    /// Beneficiaries of an account.
    pub fn beneficiaries(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> Result<Vec<Beneficiary>, Error> {
        self.items(GetBeneficiaries::new(entity.clone(), account.clone()))
            .collect()
    }

    /// Parties of an account.
    pub fn account_identities(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> Result<Vec<Identity>, Error> {
        self.items(GetAccountIdentities::new(entity.clone(), account.clone()))
            .collect()
    }

    /// Direct debits of an account.
    pub fn direct_debits(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> Result<Vec<DirectDebit>, Error> {
        self.items(GetDirectDebits::new(entity.clone(), account.clone()))
            .collect()
    }

    /// Scheduled payments of an account.
    pub fn scheduled_payments(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> Result<Vec<ScheduledPayment>, Error> {
        self.items(GetScheduledPayments::new(entity.clone(), account.clone()))
            .collect()
    }

    /// Standing orders of an account.
    pub fn standing_orders(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> Result<Vec<StandingOrder>, Error> {
        self.items(GetStandingOrders::new(entity.clone(), account.clone()))
            .collect()
    }

    /// The entity holder's identity.
    pub fn identity(&self, entity: &EntityId) -> Result<Vec<Identity>, Error> {
        self.items(GetIdentity::new(entity.clone())).collect()
    }

    /// Income insights.
    pub fn income(&self, entity: &EntityId) -> Result<Income, Error> {
        self.call(GetIncome::new(entity.clone())).map(|d| d.payload)
    }

    /// Expenses insights.
    pub fn expenses(&self, entity: &EntityId) -> Result<Expenses, Error> {
        self.call(GetExpenses::new(entity.clone()))
            .map(|d| d.payload)
    }

    /// Cashflow insights.
    pub fn cashflows(&self, entity: &EntityId) -> Result<Cashflows, Error> {
        self.call(GetCashflows::new(entity.clone()))
            .map(|d| d.payload)
    }

    /// Starts a data refresh of an entity.
    pub fn refresh(&self, entity: &EntityId) -> Result<RefreshTriggered, Error> {
        self.call(TriggerRefresh {
            entity_id: entity.clone(),
        })
        .map(|d| d.payload)
    }

    /// One refresh.
    pub fn refresh_status(&self, entity: &EntityId, refresh: &RefreshId) -> Result<Refresh, Error> {
        self.call(GetRefresh {
            entity_id: entity.clone(),
            refresh_id: refresh.clone(),
        })
        .map(|d| d.payload)
    }

    /// Refreshes of an entity (first page of 100).
    pub fn refreshes(&self, entity: &EntityId) -> Result<RefreshList, Error> {
        self.call(ListRefreshes {
            entity_id: entity.clone(),
            page: None,
            size: Some(100),
        })
        .map(|d| d.payload)
    }

    /// Customers (first page of 100).
    pub fn customers(&self) -> Result<CustomerList, Error> {
        self.call(ListCustomers {
            page_number: None,
            page_size: Some(100),
        })
        .map(|d| d.payload)
    }

    /// Entities of a customer.
    pub fn entities(&self, customer: &CustomerId) -> Result<Vec<Entity>, Error> {
        self.call(GetCustomerEntities {
            customer_id: customer.clone(),
        })
        .map(|d| d.payload.0)
    }
}

/// Items of a paged collection; the next page is fetched when the buffer runs out. After an
/// error the iterator ends.
pub struct Items<T: Collection> {
    client: Client,
    cursor: Cursor<T>,
}

impl<T: Collection + 'static> Iterator for Items<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let inner = &self.client.inner;
            match self
                .cursor
                .next(inner.config.api_base(), self.client.call_config(), now())
            {
                Next::Item(item) => return Some(Ok(item)),
                Next::Done => return None,
                Next::Fetch(call) => match self.client.finish(*call) {
                    Ok(page) => self.cursor.handle_page(page),
                    Err(e) => {
                        self.cursor.fail();
                        return Some(Err(e));
                    }
                },
            }
        }
    }
}

/// Classifies a ureq failure for the core: did the request possibly reach Lean?
fn transport(e: ureq::Error) -> TransportError {
    use ureq::Timeout;
    match e {
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => TransportError::Connect,
        ureq::Error::Timeout(Timeout::SendRequest) => TransportError::TimedOut {
            request_sent: false,
        },
        ureq::Error::Timeout(_) => TransportError::TimedOut { request_sent: true },
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::Tls(_)
        | ureq::Error::Rustls(_) => TransportError::Connect,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            TransportError::Connect
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            TransportError::TimedOut { request_sent: true }
        }
        // Reset, EOF, protocol errors, oversized bodies: the request may have been processed.
        _ => TransportError::Reset { request_sent: true },
    }
}
