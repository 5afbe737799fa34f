//! The state every call of one client shares, and the builder that makes it.
//!
//! This module owns the token cache, the results registry, the webhook dedupe store, the
//! waiting lists, the latest refresh seen per entity and payment seen per intent, the per-call
//! jitter entropy, and the ways news arrives from outside: `handle_webhook`, `results_ready`,
//! `refresh_updated` and `payment_updated`.
//! No lock here is held across a step of a call: the registry and the token cache synchronise
//! themselves.

use crate::client::Client;
use crate::observe::{ClientEvent, Observer, Observers, ack_label};
use crate::runtime::Clock;
use crate::transport::{Connect, FromHttpClient, TransportOptions};
use crate::wake::Waiters;
use lean_proto::auth::TokenCache;
use lean_proto::call::{CallConfig, Context};
use lean_proto::client::Error;
use lean_proto::refresh_wait::supersedes;
use lean_proto::results::{InMemoryResults, ResultsRegistry};
use lean_proto::rng::Rng;
use lean_proto::webhook::{
    self, Ack, Claimed, Dedupe, DedupeStore, DedupeUnavailable, Delivery, EventKind, Refusal,
    WebhookEvent, WebhookSecret,
};
use lean_proto::{Config, EntityId, Payment, Refresh, ResultsId};
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Entities whose latest refresh event, and intents whose latest payment event, a client
/// remembers (each).
const MAX_SEEN: usize = 10_000;

/// Keeps `value` as the news of `key` unless `supersedes` says what is kept is newer; bounded
/// by forgetting an arbitrary key (its waits fall back to polling).
fn remember<K: std::hash::Hash + Eq + Clone, V: Clone>(
    map: &Mutex<HashMap<K, V>>,
    key: &K,
    value: &V,
    supersedes: fn(&V, &V) -> bool,
) {
    let mut map = lock(map);
    if map.get(key).is_some_and(|seen| !supersedes(seen, value)) {
        return;
    }
    if map.len() >= MAX_SEEN
        && !map.contains_key(key)
        && let Some(k) = map.keys().next().cloned()
    {
        map.remove(&k);
    }
    map.insert(key.clone(), value.clone());
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shared state of one client (all its clones).
pub struct Shared {
    pub(crate) config: Config,
    /// `config.api_base()`, worked out once: every call holds a (shared) copy.
    pub(crate) api_base: lean_proto::BaseUrl,
    call: CallConfig,
    pub(crate) tokens: TokenCache,
    pub(crate) registry: Arc<dyn ResultsRegistry>,
    dedupe: Arc<dyn DedupeStore>,
    delivery: Delivery,
    webhook_secret: Option<WebhookSecret>,
    pub(crate) waiters: Waiters,
    /// The newest `entity.data.refresh.updated` payload per entity (bounded), for refresh
    /// waits that start after the webhook or wake up to it.
    refreshes: Mutex<HashMap<EntityId, Refresh>>,
    /// The newest `payment.created`/`payment.updated` news per payment intent (lower-case id,
    /// bounded), the same for payment waits.
    payments: Mutex<HashMap<String, Payment>>,
    /// Mixed into each call's jitter seed; random unless the builder fixed it.
    entropy: u64,
    calls: AtomicU64,
    /// Open, closing (no new call), or stopping (parked calls end with their handles).
    lifecycle: AtomicU8,
    /// Calls and refresh waits now running.
    live: AtomicUsize,
    /// Fired whenever one of them ends (what a shutdown waits on).
    pub(crate) ended: crate::wake::Signal,
    /// The handles of calls ended by a shutdown, for it to return.
    stopped: Mutex<Vec<lean_proto::pending::PendingHandle>>,
    /// Who watches the calls.
    pub(crate) observers: Observers,
    /// How the registry wakes this client's calls (it holds it weakly).
    notify: Arc<dyn Fn(&ResultsId) + Send + Sync>,
    /// Where "now" comes from: the transport's runtime.
    pub(crate) clock: Clock,
}

/// Where a client is in its life.
const OPEN: u8 = 0;
const CLOSING: u8 = 1;
const STOPPING: u8 = 2;

impl Shared {
    /// No new call is taken (a shutdown began).
    pub(crate) fn closed(&self) -> bool {
        self.lifecycle.load(Ordering::Acquire) >= CLOSING
    }

    /// Running calls are to end now, with their handles.
    pub(crate) fn stopping(&self) -> bool {
        self.lifecycle.load(Ordering::Acquire) == STOPPING
    }

    /// Calls and waits now running.
    pub(crate) fn live(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    pub(crate) fn started(&self) {
        self.live.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn ended(&self) {
        self.live.fetch_sub(1, Ordering::AcqRel);
        self.ended.fire();
    }

    /// A call ended by the shutdown leaves its handle for the shutdown to return.
    pub(crate) fn stopped_with(&self, handle: lean_proto::pending::PendingHandle) {
        lock(&self.stopped).push(handle);
    }

    /// Stops taking calls.
    pub(crate) fn close(&self) {
        let _ = self
            .lifecycle
            .compare_exchange(OPEN, CLOSING, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Ends every running call at its next step, waking the parked ones now.
    pub(crate) fn stop(&self) {
        self.lifecycle.store(STOPPING, Ordering::Release);
        self.waiters.wake_all();
    }

    /// The handles of the calls the shutdown ended.
    pub(crate) fn take_stopped(&self) -> Vec<lean_proto::pending::PendingHandle> {
        std::mem::take(&mut *lock(&self.stopped))
    }

    /// The context a call step borrows.
    pub(crate) fn ctx(&self) -> Context<'_> {
        Context {
            tokens: &self.tokens,
            results: &*self.registry,
        }
    }

    /// A number for a new call, and its call policy with its own jitter seed. The core is
    /// deterministic (same seed, same waits); the entropy is the driver's to add, or every
    /// client that failed together would back off in lockstep.
    pub(crate) fn new_call(&self) -> (u64, CallConfig) {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        // The n-th output of the jitter generator's stream keyed with the entropy: distinct for
        // every call, in a few instructions (a keyed hash per call was code run for no gain).
        let config = {
            let mut calls = self.call.clone();
            calls.seed = self.call.seed ^ Rng::nth(self.entropy, n);
            calls
        };
        (n, config)
    }

    /// The newest refresh seen for `entity_id` by webhook.
    pub(crate) fn refresh_seen(&self, entity_id: &EntityId) -> Option<Refresh> {
        lock(&self.refreshes).get(entity_id).cloned()
    }

    /// Records a refresh update (unless the core's [`supersedes`] says it is stale) and wakes
    /// the waits for its entity.
    pub(crate) fn refresh_updated(&self, refresh: &Refresh) {
        let Some(entity) = refresh.entity_id.clone() else {
            return;
        };
        remember(&self.refreshes, &entity, refresh, supersedes);
        self.waiters.wake_refresh(&entity);
    }

    /// The newest payment news seen for `payment_intent_id` (lower case) by webhook.
    pub(crate) fn payment_seen(&self, payment_intent_id: &str) -> Option<Payment> {
        lock(&self.payments).get(payment_intent_id).cloned()
    }

    /// Records a payment's news (unless the core's `payment_wait::supersedes` says it is
    /// stale) and wakes the waits for its intent.
    pub(crate) fn payment_updated(&self, payment: &Payment) {
        let Some(intent) = payment.payment_intent_id.as_deref() else {
            return;
        };
        let intent = intent.to_ascii_lowercase();
        remember(
            &self.payments,
            &intent,
            payment,
            lean_proto::payment_wait::supersedes,
        );
        self.waiters.wake_payment(&intent);
    }

    /// The intake's first step: signature and event (pure).
    pub(crate) fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookEvent, Refusal> {
        webhook::verify(self.webhook_secret.as_ref(), signature, body)
    }

    /// Where seen events are kept, and how (at most or at least once).
    pub(crate) fn dedupe(&self) -> (&dyn DedupeStore, Delivery) {
        (&*self.dedupe, self.delivery)
    }

    /// The intake's last step, once the store answered: the ack, readiness marked, the one call
    /// waiting woken, observers told.
    pub(crate) fn admit_webhook(
        &self,
        event: WebhookEvent,
        claimed: Result<Claimed, DedupeUnavailable>,
    ) -> Ack {
        let ack = webhook::admit(
            event,
            claimed,
            self.delivery,
            &*self.registry,
            self.clock.now(),
        );
        self.observe_webhook(&ack);
        match ack.event().map(|e| &e.kind) {
            Some(EventKind::ResultsReady { results_id }) => self.waiters.wake_results(results_id),
            Some(EventKind::DataRefreshUpdated(r)) => self.refresh_updated(r),
            Some(EventKind::PaymentCreated(p) | EventKind::PaymentUpdated(p)) => {
                self.payment_updated(&lean_proto::payment_wait::payment_of(p))
            }
            _ => {}
        }
        ack
    }

    /// Tells the observers what the intake answered.
    pub(crate) fn observe_webhook(&self, ack: &Ack) {
        self.observers.client_event(&ClientEvent::Webhook {
            ack: ack_label(ack),
            status: ack.status(),
            event_type: ack.event().map(|e| e.kind_name.to_string()),
            results_id: match ack.event().map(|e| &e.kind) {
                Some(EventKind::ResultsReady { results_id }) => Some(results_id.clone()),
                _ => None,
            },
        });
    }

    /// A `results.ready` learnt elsewhere (another instance, a queue): mark it and wake the
    /// call waiting for it here, if any.
    pub(crate) fn results_ready(&self, results_id: &ResultsId) {
        self.observers
            .client_event(&ClientEvent::ResultsReadyFromElsewhere {
                results_id: results_id.clone(),
            });
        self.registry.mark_ready(results_id, self.clock.now());
        self.waiters.wake_results(results_id);
    }
}

/// Makes a [`Client`] over transport `T` (`Client::builder(config)`): the transport (made
/// from the options here, or your own HTTP client with [`ClientBuilder::http_client`]), the
/// webhook secret, shared stores, call policy and observers.
pub struct ClientBuilder<T> {
    config: Config,
    call: CallConfig,
    webhook_secret: Option<WebhookSecret>,
    registry: Option<Arc<dyn ResultsRegistry>>,
    dedupe: Option<Arc<dyn DedupeStore>>,
    delivery: Delivery,
    options: TransportOptions,
    observers: Observers,
    fixed_entropy: Option<u64>,
    /// Makes the transport from the options: `T::connect`, unless the user gave an HTTP client.
    make: Option<Maker<T>>,
}

type Maker<T> = Box<dyn FnOnce(&TransportOptions) -> Result<T, Error> + Send>;

impl<T: Connect> ClientBuilder<T> {
    pub(crate) fn new(config: Config) -> Self {
        ClientBuilder {
            webhook_secret: config.webhook_secret.clone(),
            config,
            call: CallConfig::default(),
            registry: None,
            dedupe: None,
            delivery: Delivery::default(),
            options: TransportOptions::default(),
            observers: Observers::default(),
            fixed_entropy: None,
            make: None,
        }
    }

    /// Sends through your own HTTP client (a `reqwest::Client` for lean-reqwest, a
    /// `ureq::Agent` for lean-ureq: a proxy, a shared pool, your middleware) instead of one
    /// the adapter makes. TLS and the connect timeout are then your client's: setting
    /// [`ClientBuilder::client_identity`], [`ClientBuilder::root_certificates`] or
    /// [`ClientBuilder::connect_timeout`] as well is refused when the client is built. What
    /// the SDK needs of a foreign client (no redirects followed, error statuses handed back,
    /// the body limit) each adapter enforces per request or documents.
    pub fn http_client<C: Send + 'static>(mut self, client: C) -> Self
    where
        T: FromHttpClient<C>,
    {
        self.make = Some(Box::new(move |options| {
            T::from_http_client(client, options)
        }));
        self
    }

    /// How patient calls are (timeouts, deadline, retries).
    pub fn call_config(mut self, call: CallConfig) -> Self {
        self.call = call;
        self
    }

    /// The webhook secret, to verify webhooks given to `handle_webhook` (default: the
    /// configuration's, e.g. `LEAN_WEBHOOK_SECRET` through `Config::from_env`).
    pub fn webhook_secret(mut self, secret: WebhookSecret) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// Where readiness and early webhooks are kept (default: in memory, this process only).
    /// Give every instance the same shared store to see each other's webhooks.
    pub fn results_registry(mut self, registry: Arc<dyn ResultsRegistry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Where seen webhook ids are kept (default: the last 10,000, in memory).
    pub fn dedupe_store(mut self, dedupe: Arc<dyn DedupeStore>) -> Self {
        self.dedupe = Some(dedupe);
        self
    }

    /// How the webhook intake deduplicates (default [`Delivery::AtMostOnce`]): with
    /// [`Delivery::AtLeastOnce`], an accepted event comes with a claim that the application
    /// confirms after acting on it, or releases so that Lean's redelivery is processed.
    pub fn webhook_delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    /// Another observer of every call (progress, metrics, your own): see [`crate::observe`].
    /// With the `tracing` feature, [`crate::observe::TracingObserver`] is always the first.
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Fixes the entropy mixed into every call's jitter seed, so that the same inputs give the
    /// same waits and correlation ids: for simulations and reproducible tests only. In
    /// production leave it random, or clients that failed together retry together.
    pub fn deterministic(mut self, seed: u64) -> Self {
        self.fixed_entropy = Some(seed);
        self
    }

    /// Largest response body accepted (default 32 MiB).
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.options.max_body = bytes;
        self
    }

    /// Longest wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.options.connect_timeout = timeout;
        self.options.connect_timeout_set = true;
        self
    }

    /// mTLS: the app certificate chain (PEM) and its private key (PEM). Lean's v1 production
    /// requires it. A transport that cannot present one refuses to build.
    pub fn client_identity(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        self.options.client_identity = Some((cert_chain_pem.to_vec(), key_pem.to_vec()));
        self
    }

    /// Trust only these CA certificates (PEM), e.g. Lean's chain, instead of the web roots.
    pub fn root_certificates(mut self, pem: &[u8]) -> Self {
        self.options.root_certificates = Some(pem.to_vec());
        self
    }

    /// The client.
    pub fn build(mut self) -> Result<Client<T>, Error> {
        let transport = match self.make.take() {
            Some(make) => {
                self.options.check_foreign()?;
                make(&self.options)?
            }
            None => T::connect(&self.options)?,
        };
        Ok(self.build_with(transport))
    }

    /// The client, over a transport made elsewhere (a test double, a simulated network). The
    /// transport options of this builder are not used: the transport was made without them.
    pub fn build_with(self, transport: T) -> Client<T> {
        let clock = transport.clock();
        let mut observers = Observers::default();
        #[cfg(feature = "tracing")]
        observers.push(Arc::new(crate::observe::TracingObserver));
        observers.extend(self.observers);
        if self.webhook_secret.is_none() {
            observers.client_event(&ClientEvent::Misconfigured {
                what: "no_webhook_secret",
                detail: "no webhook secret: every webhook is refused (500), so no results.ready \
                         ever wakes a PENDING call; each waits for polling instead"
                    .into(),
            });
        }
        let shared = Arc::new_cyclic(|me: &std::sync::Weak<Shared>| {
            // Weak: the registry may outlive the client (shared by several), and must not keep
            // it; the registry holds this waker weakly too, so it goes with the client.
            let me = me.clone();
            let notify: Arc<dyn Fn(&ResultsId) + Send + Sync> = Arc::new(move |id: &ResultsId| {
                if let Some(shared) = me.upgrade() {
                    shared.waiters.wake_results(id);
                }
            });
            Shared {
                tokens: TokenCache::new(&self.config),
                api_base: self.config.api_base(),
                registry: self
                    .registry
                    .unwrap_or_else(|| Arc::new(InMemoryResults::default())),
                dedupe: self
                    .dedupe
                    .unwrap_or_else(|| Arc::new(Mutex::new(Dedupe::new(10_000)))),
                delivery: self.delivery,
                config: self.config,
                call: self.call,
                webhook_secret: self.webhook_secret,
                waiters: Waiters::default(),
                refreshes: Mutex::new(HashMap::new()),
                payments: Mutex::new(HashMap::new()),
                entropy: self
                    .fixed_entropy
                    .unwrap_or_else(|| RandomState::new().hash_one(0x1ea4_u64)),
                calls: AtomicU64::new(0),
                lifecycle: AtomicU8::new(OPEN),
                live: AtomicUsize::new(0),
                ended: crate::wake::Signal::new(),
                stopped: Mutex::new(Vec::new()),
                observers,
                notify,
                clock,
            }
        });
        shared.registry.attach(Arc::downgrade(&shared.notify));
        if let Some(problem) = shared.registry.problem() {
            shared.observers.client_event(&ClientEvent::Misconfigured {
                what: "results_registry",
                detail: problem,
            });
        }
        Client::from_parts(shared, transport)
    }
}
