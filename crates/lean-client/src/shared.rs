//! The state every call of one client shares, and the builder that makes it.
//!
//! This module owns the token cache, the results registry, the webhook dedupe store, the
//! waiting lists, the latest refresh seen per entity and the per-call jitter entropy, and the
//! ways news arrives from outside: `handle_webhook`, `results_ready` and `refresh_updated`.
//! No lock here is held across a step of a call: the registry and the token cache synchronise
//! themselves.

use crate::observe::{ClientEvent, Observer, Observers, ack_label};
use crate::runtime::Clock;
use crate::transport::{Connect, TransportOptions};
use crate::wake::Waiters;
use lean_proto::auth::TokenCache;
use lean_proto::call::{CallConfig, Context};
use lean_proto::client::Error;
use lean_proto::refresh_wait::{RefreshWaitConfig, supersedes};
use lean_proto::results::{InMemoryResults, ResultsRegistry};
use lean_proto::webhook::{self, Ack, Dedupe, DedupeStore, EventKind, WebhookSecret};
use lean_proto::{Config, EntityId, Refresh, ResultsId};
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Settings of one call that differ from the client's [`CallConfig`], without a second client
/// (which would fetch a second token and keep a second registry).
///
/// ```
/// use lean_client::CallOptions;
/// use std::time::Duration;
/// let quick = CallOptions::new()
///     .deadline(Duration::from_secs(30))
///     .correlation_id("order-1234")
///     .page_size(100);
/// # let _ = quick;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The whole call's deadline.
    pub deadline: Option<Duration>,
    /// Ask `async=true` (or not) whatever the client's default.
    pub asynchronous: Option<bool>,
    /// Page size for paged endpoints (1..=100, checked when the request is built).
    pub page_size: Option<u32>,
    /// `lean-correlation-id` to send with every request of the call.
    pub correlation_id: Option<String>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call gives up after `deadline` (the `results_id` is kept in the error).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Ask Lean with `async=true` (`false`: synchronously).
    pub fn asynchronous(mut self, on: bool) -> Self {
        self.asynchronous = Some(on);
        self
    }

    /// Items per page.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Tag every request of the call with this `lean-correlation-id`.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// Applies the options to a call's policy and its endpoint.
    pub(crate) fn apply<E: lean_proto::Endpoint>(&self, config: &mut CallConfig, endpoint: &mut E) {
        self.apply_config(config);
        if let Some(on) = self.asynchronous {
            config.asynchronous = on;
            endpoint.set_asynchronous(on);
        }
        if let Some(size) = self.page_size {
            endpoint.set_page_size(size);
        }
    }

    /// Applies what concerns the call itself (deadline, correlation id): all a results fetch
    /// takes (its page size is the original request's).
    pub(crate) fn apply_config(&self, config: &mut CallConfig) {
        if let Some(d) = self.deadline {
            config.deadline = d;
        }
        if let Some(id) = &self.correlation_id {
            config.correlation_id = Some(id.clone());
        }
    }
}

/// `resume` of a collection would read one page of many, silently: refused, before anything is
/// sent, as the caller's mistake. The error keeps the handle's `results_id`: nothing is lost.
pub(crate) fn not_a_page<P: lean_proto::Payload>(
    handle: &lean_proto::pending::PendingHandle,
) -> Result<(), Error> {
    if P::PAGED {
        return Err(Error::Call(Box::new(lean_proto::call::CallError {
            kind: lean_proto::call::CallErrorKind::Misuse(
                lean_proto::RequestError::InvalidParameter {
                    name: "P",
                    reason: "a collection's results may hold many pages: resume_items reads \
                             them all, resume_page one on purpose",
                },
            ),
            results_id: Some(handle.results_id.clone()),
            correlation_id: None,
            last_error: None,
        })));
    }
    Ok(())
}

/// Entities whose latest refresh event a client remembers.
const MAX_REFRESHES_SEEN: usize = 10_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The shared state of one client (all its clones).
pub struct Shared {
    pub(crate) config: Config,
    call: CallConfig,
    pub(crate) tokens: TokenCache,
    pub(crate) registry: Arc<dyn ResultsRegistry>,
    dedupe: Arc<dyn DedupeStore>,
    webhook_secret: Option<WebhookSecret>,
    pub(crate) waiters: Waiters,
    /// The newest `entity.data.refresh.updated` payload per entity (bounded), for refresh
    /// waits that start after the webhook or wake up to it.
    refreshes: Mutex<HashMap<EntityId, Refresh>>,
    /// Mixed into each call's jitter seed; random unless the builder fixed it.
    entropy: RandomState,
    fixed_entropy: Option<u64>,
    calls: AtomicU64,
    /// Who watches the calls.
    pub(crate) observers: Observers,
    /// How the registry wakes this client's calls (it holds it weakly).
    notify: Arc<dyn Fn(&ResultsId) + Send + Sync>,
    /// Where "now" comes from: the transport's runtime.
    pub(crate) clock: Clock,
}

impl Shared {
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
        let mut h = self.entropy.build_hasher();
        if let Some(fixed) = self.fixed_entropy {
            h = std::hash::DefaultHasher::new();
            h.write_u64(fixed);
        }
        h.write_u64(n);
        let config = {
            let mut calls = self.call.clone();
            calls.seed = self.call.seed ^ h.finish();
            calls
        };
        (n, config)
    }

    /// A refresh wait's policy: the call policy's deadline, grace and polling, its own jitter.
    pub(crate) fn new_refresh_wait(&self) -> (u64, RefreshWaitConfig) {
        let (n, call) = self.new_call();
        (n, RefreshWaitConfig::from(&call))
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
        {
            let mut map = lock(&self.refreshes);
            let stale = map
                .get(&entity)
                .is_some_and(|seen| !supersedes(seen, refresh));
            if !stale {
                if map.len() >= MAX_REFRESHES_SEEN && !map.contains_key(&entity) {
                    // Bounded: forget an arbitrary entity; its waits fall back to polling.
                    if let Some(k) = map.keys().next().cloned() {
                        map.remove(&k);
                    }
                }
                map.insert(entity.clone(), refresh.clone());
            }
        }
        self.waiters.wake_refresh(&entity);
    }

    /// The webhook intake: verify, deduplicate, mark readiness, wake the one call waiting.
    pub(crate) fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        let ack = webhook::intake(
            self.webhook_secret.as_ref(),
            &*self.dedupe,
            &*self.registry,
            signature,
            body,
            self.clock.now(),
        );
        self.observers.client_event(&ClientEvent::Webhook {
            ack: ack_label(&ack),
            status: ack.status(),
            event_type: ack.event().map(|e| e.kind_name.to_string()),
            results_id: match ack.event().map(|e| &e.kind) {
                Some(EventKind::ResultsReady { results_id }) => Some(results_id.clone()),
                _ => None,
            },
        });
        match ack.event().map(|e| &e.kind) {
            Some(EventKind::ResultsReady { results_id }) => self.waiters.wake_results(results_id),
            Some(EventKind::DataRefreshUpdated(r)) => self.refresh_updated(r),
            _ => {}
        }
        ack
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

/// Makes a client's parts; `C` is the client type it builds. Adapters re-export it with their
/// own `Client`, so `lean_ureq::Client::builder(config)` and
/// `lean_reqwest::Client::builder(config)` read the same.
pub struct ClientBuilder<C> {
    config: Config,
    call: CallConfig,
    webhook_secret: Option<WebhookSecret>,
    registry: Option<Arc<dyn ResultsRegistry>>,
    dedupe: Option<Arc<dyn DedupeStore>>,
    options: TransportOptions,
    observers: Observers,
    fixed_entropy: Option<u64>,
    client: PhantomData<fn() -> C>,
}

/// A client type the builder can make: the driver's blocking and async clients.
pub trait FromParts: Sized {
    /// The transport it sends with.
    type Transport: Connect;
    /// Assembles the client.
    fn from_parts(shared: Arc<Shared>, transport: Self::Transport) -> Self;
    /// The clock the client reads: its transport's.
    fn clock(transport: &Self::Transport) -> Clock;
}

impl<C: FromParts> ClientBuilder<C> {
    pub(crate) fn new(config: Config) -> Self {
        ClientBuilder {
            config,
            call: CallConfig::default(),
            webhook_secret: None,
            registry: None,
            dedupe: None,
            options: TransportOptions::default(),
            observers: Observers::default(),
            fixed_entropy: None,
            client: PhantomData,
        }
    }

    /// How patient calls are (timeouts, deadline, retries).
    pub fn call_config(mut self, call: CallConfig) -> Self {
        self.call = call;
        self
    }

    /// The webhook secret, to verify webhooks given to `handle_webhook`.
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
    pub fn build(self) -> Result<C, Error> {
        let transport = C::Transport::connect(&self.options)?;
        Ok(self.build_with(transport))
    }

    /// The client, over a transport made elsewhere (a test double, a simulated network). The
    /// transport options of this builder are not used: the transport was made without them.
    pub fn build_with(self, transport: C::Transport) -> C {
        let clock = C::clock(&transport);
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
                registry: self
                    .registry
                    .unwrap_or_else(|| Arc::new(InMemoryResults::default())),
                dedupe: self
                    .dedupe
                    .unwrap_or_else(|| Arc::new(Mutex::new(Dedupe::new(10_000)))),
                config: self.config,
                call: self.call,
                webhook_secret: self.webhook_secret,
                waiters: Waiters::default(),
                refreshes: Mutex::new(HashMap::new()),
                entropy: RandomState::new(),
                fixed_entropy: self.fixed_entropy,
                calls: AtomicU64::new(0),
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
        C::from_parts(shared, transport)
    }
}

/// The struct and the flavour-independent surface of a client, written once for both flavours:
/// construction, configuration, the webhook intake, readiness from elsewhere, progress and
/// the waking counters. Each flavour adds how it calls.
macro_rules! client_parts {
    ($(#[$doc:meta])* $bound:ident, |$t:ident| $clock:expr) => {
        $(#[$doc])*
        pub struct Client<T> {
            shared: Arc<Shared>,
            transport: Arc<T>,
        }

        impl<T> Clone for Client<T> {
            fn clone(&self) -> Self {
                Client { shared: self.shared.clone(), transport: self.transport.clone() }
            }
        }

        impl<T> std::fmt::Debug for Client<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Client").field("config", &self.shared.config).finish_non_exhaustive()
            }
        }

        impl<T: $bound> FromParts for Client<T> {
            type Transport = T;
            fn from_parts(shared: Arc<Shared>, transport: T) -> Self {
                Client { shared, transport: Arc::new(transport) }
            }
            fn clock($t: &T) -> crate::runtime::Clock {
                $clock
            }
        }

        impl<T: $bound> Client<T> {
            /// A client with the default call policy.
            pub fn new(config: Config) -> Result<Self, Error> {
                Self::builder(config).build()
            }

            /// A builder for TLS options, webhook secret, shared stores and call policy.
            pub fn builder(config: Config) -> ClientBuilder<Self> {
                ClientBuilder::new(config)
            }

            /// The configuration.
            pub fn config(&self) -> &Config {
                &self.shared.config
            }

            /// The transport (for adapter-specific inspection).
            pub fn transport(&self) -> &T {
                &self.transport
            }

            /// The webhook intake: verify `lean-signature` over the raw body, deduplicate, and
            /// wake the one call waiting for a `results.ready`. Answer Lean with
            /// [`Ack::status`] at once. It never waits: call it from any handler.
            pub fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
                self.shared.handle_webhook(signature, body)
            }

            /// A `results.ready` for `results_id` received elsewhere (another instance, a
            /// queue): wakes the call here that waits for it.
            pub fn results_ready(&self, results_id: &ResultsId) {
                self.shared.results_ready(results_id)
            }

            /// An `entity.data.refresh.updated` received elsewhere (another instance, a
            /// queue): wakes the refresh waits here for its entity.
            pub fn refresh_updated(&self, refresh: &lean_proto::Refresh) {
                self.shared.refresh_updated(refresh)
            }

            /// Calls now parked waiting for a `results.ready` or a token.
            pub fn parked_calls(&self) -> usize {
                self.shared.waiters.parked()
            }

            /// Wake-ups delivered to parked calls since the client was built (one per woken
            /// call: a `results.ready` wakes only the calls waiting for its `results_id`).
            pub fn wakeups(&self) -> u64 {
                self.shared.waiters.wakeups()
            }
        }
    };
}

pub(crate) use client_parts;
