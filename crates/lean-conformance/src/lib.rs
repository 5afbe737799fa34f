//! # lean-conformance
//!
//! The adapter contract of lean-rs as one suite. An adapter's test file names its client as
//! [`Blocking`] or [`Async`] (with an [`Executor`] for its runtime) and invokes
//! [`conformance_suite!`], which writes one `#[test]` per scenario. Every scenario talks to `lean-sandbox` over real HTTP on
//! loopback; none sleeps to pass, every wait is bounded.
//!
//! Two groups: [`scenarios`] (Lean's behaviour: PENDING, webhooks, faults, paging, secrets)
//! and [`contract`] (what the driver promises: spawnable calls, cancellation, one token fetch
//! for a stampede without spinning, targeted waking, the same failure classification).

// Test-only error plumbing: the size of the error path does not matter here.
#![allow(clippy::result_large_err, missing_docs)]

pub mod adapters;
pub mod contract;
pub mod executors;
pub mod mixing;
pub mod payments;
pub mod redis_server;
pub mod said;
pub mod scenarios;
pub mod tls;
pub mod webhook_endpoint;
pub mod wire;

pub use adapters::{Async, Blocking, Executor};

use lean_client::transport::TransportOptions;
use lean_proto::call::{CallConfig, CallData, CallError};
use lean_proto::retry::TransportError;
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use std::time::Duration;

/// An adapter's error, reduced to what the scenarios look at.
#[derive(Debug)]
pub struct SuiteError {
    /// The call's error, when a call failed.
    pub call: Option<CallError>,
    /// Display text.
    pub text: String,
}

impl SuiteError {
    pub fn call_error(&self) -> Option<&CallError> {
        self.call.as_ref()
    }
    pub fn results_id(&self) -> Option<&ResultsId> {
        self.call.as_ref().and_then(|c| c.results_id.as_ref())
    }
}

impl From<lean_client::Error> for SuiteError {
    fn from(e: lean_client::Error) -> Self {
        SuiteError {
            call: e.call_error().cloned(),
            text: e.to_string(),
        }
    }
}

impl std::fmt::Display for SuiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

pub type R<T> = Result<T, SuiteError>;

/// What the scenarios need from an adapter. Blocking adapters call straight through; async
/// adapters run the future on their runtime. The endpoint helpers are written once, here.
pub trait Adapter: Clone + Send + Sync + std::fmt::Debug + 'static {
    /// `true` for futures-based adapters (cancellation by dropping applies to them).
    const ASYNC: bool;

    fn connect_with(
        config: Config,
        calls: CallConfig,
        secret: Option<WebhookSecret>,
        registry: std::sync::Arc<dyn lean_proto::results::ResultsRegistry>,
    ) -> Self;
    /// A client (no webhook secret) whose calls `observer` watches.
    fn connect_observed(
        config: Config,
        calls: CallConfig,
        observer: std::sync::Arc<dyn lean_client::observe::Observer>,
    ) -> Self;
    fn connect(config: Config, calls: CallConfig, secret: Option<WebhookSecret>) -> Self {
        let registry = std::sync::Arc::new(lean_proto::results::InMemoryResults::default());
        Self::connect_with(config, calls, secret, registry)
    }
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static;
    fn all<T, E>(&self, endpoint: E) -> R<Vec<T>>
    where
        T: Collection + Send + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static;
    /// `Some(results_id)` when Lean answered PENDING.
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static;
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>>;
    /// The client's `wait_for_refresh`.
    fn wait_for_refresh(&self, entity: EntityId, refresh: Option<RefreshId>) -> R<Refresh>;
    /// The client's `wait_for_payment`, for the intent's newest payment or the one named.
    fn wait_for_payment(&self, intent: &str, payment: Option<&str>) -> R<Payment> {
        self.wait_for_payment_with(intent, payment, lean_client::CallOptions::new())
    }
    /// The same within `deadline`.
    fn wait_for_payment_within(&self, intent: &str, deadline: Duration) -> R<Payment> {
        self.wait_for_payment_with(
            intent,
            None,
            lean_client::CallOptions::new().deadline(deadline),
        )
    }
    /// `wait_for_payment` with options.
    fn wait_for_payment_with(
        &self,
        intent: &str,
        payment: Option<&str>,
        options: lean_client::CallOptions,
    ) -> R<Payment>;
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack;
    fn results_ready(&self, results_id: &ResultsId);
    fn parked_calls(&self) -> usize;
    fn wakeups(&self) -> u64;

    /// Runs every endpoint as its own concurrent unit (a spawned task on the runtime's own
    /// `spawn`, or a thread when blocking) and returns their results in order.
    fn call_concurrently<E>(&self, endpoints: Vec<E>) -> Vec<R<CallData<E::Output>>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static;

    /// Resumes every `results_id` as its own concurrent unit; results in order.
    fn resume_concurrently(&self, ids: Vec<ResultsId>) -> Vec<R<CallData<AnyData>>>;

    /// Runs every call as its own concurrent unit with its own options, results in order. An
    /// async adapter drops a call's future (inside its task) once its `Some(after)` passed,
    /// unless it ended first; a dropped call's result is `None`. Blocking adapters cannot drop
    /// a call halfway and run every one to its end.
    fn call_concurrently_with<E>(
        &self,
        calls: Vec<(E, lean_client::CallOptions, Option<Duration>)>,
    ) -> Vec<Option<R<CallData<E::Output>>>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static;

    /// Async only: starts the call and drops its future after `after` (or when it finished
    /// first, reported as `true`). Blocking adapters return `None`.
    fn call_and_drop_after<E>(&self, endpoint: E, after: Duration) -> Option<bool>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static;

    /// Whether the transport presents client certificates and custom roots
    /// ([`lean_client::transport::Connect::MUTUAL_TLS`]).
    const MUTUAL_TLS: bool;

    /// A client with TLS material: an mTLS identity (certificate chain, key; PEM) and roots.
    fn connect_tls(
        config: Config,
        calls: CallConfig,
        identity: Option<(&[u8], &[u8])>,
        roots: Option<&[u8]>,
    ) -> Result<Self, lean_client::Error>;

    /// Whether the transport reports a connect timeout as "not connected"
    /// ([`lean_client::transport::Connect::BOUNDS_CONNECT`]).
    const BOUNDS_CONNECT: bool;

    /// One exchange on a fresh transport of this adapter built from `options`.
    fn raw_send(
        options: &TransportOptions,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<lean_client::transport::Bytes>, TransportError>;

    fn accounts(&self, e: &EntityId) -> R<Vec<Account>> {
        self.all(GetAccounts::new(e.clone()))
    }
    fn balances(&self, e: &EntityId, a: &AccountId) -> R<Vec<Balance>> {
        self.all(GetBalances::new(e.clone(), a.clone()))
    }
    fn transactions(&self, e: &EntityId, a: &AccountId) -> R<Vec<Transaction>> {
        self.all(GetTransactions::new(e.clone(), a.clone()))
    }
    fn beneficiaries(&self, e: &EntityId, a: &AccountId) -> R<Vec<Beneficiary>> {
        self.all(GetBeneficiaries::new(e.clone(), a.clone()))
    }
    fn account_identities(&self, e: &EntityId, a: &AccountId) -> R<Vec<Identity>> {
        self.all(GetAccountIdentities::new(e.clone(), a.clone()))
    }
    fn direct_debits(&self, e: &EntityId, a: &AccountId) -> R<Vec<DirectDebit>> {
        self.all(GetDirectDebits::new(e.clone(), a.clone()))
    }
    fn scheduled_payments(&self, e: &EntityId, a: &AccountId) -> R<Vec<ScheduledPayment>> {
        self.all(GetScheduledPayments::new(e.clone(), a.clone()))
    }
    fn standing_orders(&self, e: &EntityId, a: &AccountId) -> R<Vec<StandingOrder>> {
        self.all(GetStandingOrders::new(e.clone(), a.clone()))
    }
    fn identity(&self, e: &EntityId) -> R<Vec<Identity>> {
        self.all(GetIdentity::new(e.clone()))
    }
    fn income(&self, e: &EntityId) -> R<Income> {
        self.call(GetIncome::new(e.clone())).map(|d| d.payload)
    }
    fn expenses(&self, e: &EntityId) -> R<Expenses> {
        self.call(GetExpenses::new(e.clone())).map(|d| d.payload)
    }
    fn cashflows(&self, e: &EntityId) -> R<Cashflows> {
        self.call(GetCashflows::new(e.clone())).map(|d| d.payload)
    }
    fn refresh(&self, e: &EntityId) -> R<RefreshTriggered> {
        self.call(TriggerRefresh::new(e.clone())).map(|d| d.payload)
    }
    fn refresh_status(&self, e: &EntityId, r: &RefreshId) -> R<Refresh> {
        self.call(GetRefresh::new(e.clone(), r.clone()))
            .map(|d| d.payload)
    }
    fn refreshes(&self, e: &EntityId) -> R<RefreshList> {
        self.call({
            let mut req = ListRefreshes::new(e.clone());
            req.page = None;
            req.size = Some(100);
            req
        })
        .map(|d| d.payload)
    }
    fn customers(&self) -> R<CustomerList> {
        self.call({
            let mut req = ListCustomers::default();
            req.page_number = None;
            req.page_size = Some(100);
            req
        })
        .map(|d| d.payload)
    }
    fn entities(&self, c: &CustomerId) -> R<Vec<Entity>> {
        self.call(GetCustomerEntities::new(c.clone()))
            .map(|d| d.payload.0)
    }
    fn page<T, E>(&self, endpoint: E) -> R<CallData<Page<T>>>
    where
        T: Collection + Send + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        self.call(endpoint)
    }
    fn results(&self, id: ResultsId) -> R<CallData<AnyData>> {
        self.resume(id)
    }
}

/// Writes one `#[test]` per scenario of the contract for the adapter type `$client`.
#[macro_export]
macro_rules! conformance_suite {
    ($client:ty, async) => {
        $crate::conformance_suite!($client);
        $crate::conformance_suite!(@tests $client;
            contract::cancellation_around_the_token_releases_it,
            contract::cancellation_at_every_other_await_point_releases_everything,
        );
    };
    ($client:ty) => {
        $crate::conformance_suite!(@tests $client;
            scenarios::every_endpoint_happy_path,
            scenarios::v1_with_app_token,
            scenarios::rate_limit_with_retry_after_then_success,
            scenarios::server_errors_then_success,
            scenarios::server_errors_that_do_not_stop_become_a_typed_error,
            scenarios::connection_reset_is_survived,
            scenarios::response_slower_than_the_client_timeout_is_asked_again_async,
            scenarios::new_connection_refresh_finished_then_sync_reads,
            scenarios::token_is_shared_across_threads_with_one_fetch,
            scenarios::webhook_with_a_wrong_signature_is_rejected,
            scenarios::paging_through_three_thousand_transactions,
            scenarios::verifications_are_answered_and_never_sent_twice,
            payments::payment_intents_and_destinations_never_sent_twice,
            payments::a_payment_is_waited_for_until_the_bank_settles_it,
            payments::an_account_on_file_payment_is_made_once_whatever_the_network_does,
            scenarios::misuse_never_reaches_the_network,
            scenarios::secrets_stay_out_of_debug_and_errors,
            mixing::every_answer_belongs_to_its_request_under_drops_and_timeouts,
            contract::many_concurrent_calls_spawned_on_the_runtime,
            contract::concurrent_callers_reuse_their_connections,
            contract::cold_token_stampede_fetches_once_without_spinning,
            contract::transport_failures_are_classified_alike,
            tls::client_certificate_opens_the_door,
            tls::without_a_client_certificate_the_handshake_fails,
            tls::a_server_outside_the_trusted_roots_is_refused,
            tls::bad_pem_is_a_tls_error,
        );
    };
    (@tests $client:ty; $($group:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::$group::$name::<$client>();
            }
        )*
    };
}
