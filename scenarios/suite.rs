//! The scenario suite, written once for every adapter: each adapter's test file defines
//! a `Client` newtype, implements [`Adapter`] for it, and includes this file as a module.
//! Everything runs against lean-sandbox over real HTTP on loopback, with a real webhook endpoint
//! (tiny_http) feeding the client's webhook intake.

// Test-only error plumbing: the size of the error path does not matter here.
#![allow(clippy::result_large_err)]

use super::Client;
use lean_proto::call::{CallConfig, CallData, CallError, CallErrorKind};
use lean_proto::retry::RetryPolicy;
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

impl std::fmt::Display for SuiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

pub type R<T> = Result<T, SuiteError>;

/// What the scenarios need from an adapter; the endpoint helpers are written once, here.
pub trait Adapter: Clone + Send + Sync + std::fmt::Debug + 'static {
    fn connect(config: Config, calls: CallConfig, secret: Option<WebhookSecret>) -> Self;
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static;
    fn all<T, E>(&self, endpoint: E) -> R<Vec<T>>
    where
        T: Collection + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static;
    /// `Some(results_id)` when Lean answered PENDING.
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static;
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>>;
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack;

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
        self.call(TriggerRefresh {
            entity_id: e.clone(),
        })
        .map(|d| d.payload)
    }
    fn refresh_status(&self, e: &EntityId, r: &RefreshId) -> R<Refresh> {
        self.call(GetRefresh {
            entity_id: e.clone(),
            refresh_id: r.clone(),
        })
        .map(|d| d.payload)
    }
    fn refreshes(&self, e: &EntityId) -> R<RefreshList> {
        self.call(ListRefreshes {
            entity_id: e.clone(),
            page: None,
            size: Some(100),
        })
        .map(|d| d.payload)
    }
    fn customers(&self) -> R<CustomerList> {
        self.call(ListCustomers {
            page_number: None,
            page_size: Some(100),
        })
        .map(|d| d.payload)
    }
    fn entities(&self, c: &CustomerId) -> R<Vec<Entity>> {
        self.call(GetCustomerEntities {
            customer_id: c.clone(),
        })
        .map(|d| d.payload.0)
    }
    fn page<T, E>(&self, endpoint: E) -> R<CallData<Page<T>>>
    where
        T: Collection + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        self.call(endpoint)
    }
    fn results(&self, id: ResultsId) -> R<CallData<AnyData>> {
        self.resume(id)
    }
}

/// A sandbox with a webhook endpoint wired to a client.
struct World {
    sandbox: Sandbox,
    client: Client,
    _hooks: Option<Hooks>,
}

struct Hooks {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Hooks {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves webhooks on loopback into `client.handle_webhook`, answering its status.
fn webhook_endpoint(client: Client) -> (String, Hooks) {
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
    let url = format!(
        "http://{}/webhooks/lean",
        server.server_addr().to_ip().expect("ip")
    );
    let s = server.clone();
    let thread = std::thread::spawn(move || {
        for mut request in s.incoming_requests() {
            let signature = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("lean-signature"))
                .map(|h| h.value.as_str().to_owned());
            let mut body = Vec::new();
            let _ = std::io::Read::read_to_end(request.as_reader(), &mut body);
            let ack = client.handle_webhook(signature.as_deref(), &body);
            let _ = request.respond(tiny_http::Response::empty(ack.status));
        }
    });
    (
        url,
        Hooks {
            server,
            thread: Some(thread),
        },
    )
}

fn quick_calls() -> CallConfig {
    CallConfig {
        sync_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(20),
        webhook_grace: Duration::from_secs(2),
        poll: RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        },
        retry: RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        },
        ..CallConfig::default()
    }
}

fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(100)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    }
}

fn client_for(sandbox: &Sandbox, calls: CallConfig) -> Client {
    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let config = Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: base.clone(),
            auth_base: base,
        },
        Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: Secret::new("sandbox-secret"),
        },
    );
    Client::connect(
        config,
        calls,
        Some(WebhookSecret::new("sandbox-webhook-secret")),
    )
}

fn world(config: SandboxConfig, calls: CallConfig, with_hooks: bool) -> World {
    let sandbox = Sandbox::start(config).unwrap();
    let client = client_for(&sandbox, calls);
    let hooks = with_hooks.then(|| {
        let (url, hooks) = webhook_endpoint(client.clone());
        sandbox.set_webhook_url(Some(url));
        hooks
    });
    World {
        sandbox,
        client,
        _hooks: hooks,
    }
}

fn ids(w: &World) -> (EntityId, AccountId) {
    let e = w.sandbox.entities()[0].clone();
    let a = w.sandbox.accounts(&e)[0].clone();
    (e, a)
}

/// Polls `cond` for up to 5 s (bounded), for facts that settle just after a call returns.
fn eventually(cond: impl Fn() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    cond()
}

fn requests_to(w: &World, path_part: &str) -> usize {
    w.sandbox
        .log()
        .iter()
        .filter(|l| l.kind == "request" && l.what.contains(path_part))
        .count()
}

#[test]
fn every_endpoint_happy_path() {
    let w = world(sandbox_config(), quick_calls(), false);
    let (e, a) = ids(&w);
    let c = &w.client;
    assert_eq!(c.accounts(&e).unwrap().len(), 9);
    assert_eq!(c.balances(&e, &a).unwrap().len(), 13);
    assert_eq!(c.transactions(&e, &a).unwrap().len(), 293);
    assert_eq!(c.beneficiaries(&e, &a).unwrap().len(), 2);
    assert_eq!(c.account_identities(&e, &a).unwrap().len(), 1);
    assert_eq!(c.direct_debits(&e, &a).unwrap().len(), 2);
    assert_eq!(c.scheduled_payments(&e, &a).unwrap().len(), 2);
    assert_eq!(c.standing_orders(&e, &a).unwrap().len(), 2);
    assert_eq!(c.identity(&e).unwrap().len(), 1);
    assert!(c.income(&e).unwrap().salary.is_some());
    assert!(c.expenses(&e).unwrap().total.is_some());
    assert!(c.cashflows(&e).unwrap().total.is_some());
    for raw in [
        c.call(GetCashBalances::new(e.clone())),
        c.call(GetCreditObligations::new(e.clone())),
        c.call(GetNonCreditObligations::new(e.clone())),
        c.call(GetEmployment::new(e.clone())),
    ] {
        raw.unwrap();
    }
    let customers = c.customers().unwrap();
    assert_eq!(c.entities(&customers.data[0].customer_id).unwrap()[0].id, e);
    let r = c.refresh(&e).unwrap();
    assert_eq!(
        c.refresh_status(&e, &r.refresh_id).unwrap().refresh_id,
        r.refresh_id
    );
    assert_eq!(c.refreshes(&e).unwrap().content.len(), 1);
    // Page at a time.
    let mut first = GetTransactions::new(e.clone(), a.clone());
    first.options.size = Some(10);
    let page = c.page(first).unwrap();
    assert_eq!(page.payload.items.len(), 10);
    assert_eq!(page.payload.next_page(), Some(1));
}

#[test]
fn v1_with_app_token() {
    let sandbox = Sandbox::start(sandbox_config()).unwrap();
    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let config = Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: base.clone(),
            auth_base: base,
        },
        Credentials::AppToken(Secret::new("sandbox-app-token")),
    );
    let c = Client::connect(config, quick_calls(), None);
    let e = sandbox.entities()[0].clone();
    let a = sandbox.accounts(&e)[0].clone();
    assert_eq!(
        c.call(V1GetAccounts::new(e.clone()))
            .unwrap()
            .payload
            .accounts
            .len(),
        9
    );
    let tx = c
        .call(V1GetTransactions::new(e.clone(), a.clone()))
        .unwrap();
    assert!(!tx.payload.transactions.is_empty());
    assert!(c.call(V1GetBalance::new(e, a)).is_ok());
}

#[test]
fn sync_call_falls_back_to_pending_and_the_webhook_brings_the_data() {
    // Bank takes 80 s of Lean time, Lean falls back at 50 s: the caller still gets data.
    let w = world(
        SandboxConfig {
            bank_latency: Latency::fixed(Duration::from_secs(80)),
            ..sandbox_config()
        },
        CallConfig {
            webhook_grace: Duration::from_secs(10),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    let data = w.client.call(GetAccounts::new(e)).unwrap();
    assert_eq!(data.payload.items.len(), 9);
    let rid = data.results_id.expect("came through results");
    assert_eq!(
        requests_to(&w, "/data/v2/results/"),
        1,
        "one fetch, woken by the webhook, no polling"
    );
    // The sandbox logs the delivery once our endpoint's 200 reaches it, just after the wake-up.
    assert!(eventually(|| w
        .sandbox
        .log()
        .iter()
        .any(|l| l.kind == "webhook"
            && l.what.contains(rid.as_str())
            && l.status == 200)));
}

#[test]
fn async_true_is_answered_through_the_webhook() {
    let w = world(
        sandbox_config(),
        CallConfig {
            asynchronous: true,
            webhook_grace: Duration::from_secs(10),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    let data = w.client.call(GetAccounts::new(e)).unwrap();
    assert!(data.results_id.is_some());
    assert_eq!(requests_to(&w, "/data/v2/results/"), 1);
}

#[test]
fn early_webhook_is_not_lost() {
    let w = world(
        SandboxConfig {
            faults: vec![FaultRule::rate(FaultKind::WebhookEarly, 1.0)],
            ..sandbox_config()
        },
        CallConfig {
            asynchronous: true,
            webhook_grace: Duration::from_secs(10),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    let started = Instant::now();
    let data = w.client.call(GetAccounts::new(e)).unwrap();
    assert!(data.results_id.is_some());
    assert_eq!(
        requests_to(&w, "/data/v2/results/"),
        1,
        "fetched at once: the registry held the early webhook"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no wait for the grace period"
    );
}

#[test]
fn duplicated_webhook_is_harmless() {
    let w = world(
        SandboxConfig {
            faults: vec![FaultRule::rate(FaultKind::WebhookDuplicated, 1.0)],
            ..sandbox_config()
        },
        CallConfig {
            asynchronous: true,
            webhook_grace: Duration::from_secs(10),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    w.client.call(GetAccounts::new(e.clone())).unwrap();
    w.client.call(GetAccounts::new(e)).unwrap();
    assert!(eventually(|| w
        .sandbox
        .log()
        .iter()
        .filter(|l| l.kind == "webhook")
        .count()
        == 4));
    let hooks: Vec<_> = w
        .sandbox
        .log()
        .into_iter()
        .filter(|l| l.kind == "webhook")
        .collect();
    assert_eq!(hooks.len(), 4, "two calls, each webhook twice");
    assert!(
        hooks.iter().all(|l| l.status == 200),
        "duplicates acknowledged with 200"
    );
    assert_eq!(requests_to(&w, "/data/v2/results/"), 2);
}

#[test]
fn lost_webhook_falls_back_to_polling() {
    let w = world(
        SandboxConfig {
            faults: vec![FaultRule::rate(FaultKind::WebhookLost, 1.0)],
            bank_latency: Latency::fixed(Duration::from_secs(60)),
            ..sandbox_config()
        },
        CallConfig {
            asynchronous: true,
            webhook_grace: Duration::from_millis(200),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    let data = w.client.call(GetAccounts::new(e)).unwrap();
    assert!(data.results_id.is_some());
    assert!(
        requests_to(&w, "/data/v2/results/") >= 2,
        "polled: 404 first, then data"
    );
}

#[test]
fn rate_limit_with_retry_after_then_success() {
    let w = world(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::RateLimited { retry_after: 1 },
        1,
    ));
    let started = Instant::now();
    w.client.accounts(&e).unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190),
        "waited the Retry-After (capped at max_delay 200 ms): {waited:?}"
    );
    assert_eq!(requests_to(&w, "/data/v2/accounts"), 2);
}

#[test]
fn server_errors_then_success() {
    let w = world(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::ServerError { status: 503 },
        2,
    ));
    assert_eq!(w.client.accounts(&e).unwrap().len(), 9);
    assert_eq!(requests_to(&w, "/data/v2/accounts"), 3);
}

#[test]
fn server_errors_that_do_not_stop_become_a_typed_error() {
    let w = world(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::ServerError { status: 500 },
        100,
    ));
    let err = w.client.accounts(&e).unwrap_err();
    let call = err.call_error().unwrap();
    assert!(
        matches!(&call.kind, CallErrorKind::Api(a) if a.http_status == 500),
        "{err}"
    );
    assert!(call.correlation_id.is_some(), "carries lean-correlation-id");
    assert!(!call.is_misuse());
}

#[test]
fn connection_reset_is_survived() {
    let w = world(
        sandbox_config(),
        CallConfig {
            webhook_grace: Duration::from_secs(10),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    w.sandbox
        .add_fault(FaultRule::next("accounts", FaultKind::Reset, 1));
    assert_eq!(w.client.accounts(&e).unwrap().len(), 9);
}

#[test]
fn response_slower_than_the_client_timeout_is_asked_again_async() {
    let w = world(
        sandbox_config(),
        CallConfig {
            sync_timeout: Duration::from_millis(300),
            webhook_grace: Duration::from_secs(10),
            ..quick_calls()
        },
        true,
    );
    let (e, _) = ids(&w);
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::Delay { ms: 1500 },
        1,
    ));
    let data = w.client.call(GetAccounts::new(e)).unwrap();
    assert!(
        data.results_id.is_some(),
        "the second request went async=true and came through results: {:?}",
        w.sandbox.log()
    );
}

#[test]
fn token_expiry_in_the_middle_of_a_run() {
    let w = world(
        SandboxConfig {
            transactions: 500,
            ..sandbox_config()
        },
        quick_calls(),
        false,
    );
    let (e, a) = ids(&w);
    // A page, then every token dies, then a whole run.
    let mut first = GetTransactions::new(e.clone(), a.clone());
    first.options.size = Some(100);
    assert_eq!(w.client.page(first).unwrap().payload.items.len(), 100);
    w.sandbox.revoke_tokens();
    assert_eq!(w.client.transactions(&e, &a).unwrap().len(), 500);
    let log = w.sandbox.log();
    assert_eq!(
        log.iter()
            .filter(|l| l.what == "POST /oauth2/token")
            .count(),
        2,
        "renewed once"
    );
    assert_eq!(
        log.iter().filter(|l| l.status == 401).count(),
        1,
        "one 401, replayed"
    );
}

#[test]
fn token_is_shared_across_threads_with_one_fetch() {
    let w = world(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let c = w.client.clone();
            let e = e.clone();
            std::thread::spawn(move || c.accounts(&e).unwrap().len())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 9);
    }
    assert_eq!(
        w.sandbox
            .log()
            .iter()
            .filter(|l| l.what == "POST /oauth2/token")
            .count(),
        1
    );
}

#[test]
fn webhook_with_a_wrong_signature_is_rejected() {
    let w = world(sandbox_config(), quick_calls(), false);
    let body = br#"{"type":"results.ready","payload":{"id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"},"event_id":"e1"}"#;
    let forged = WebhookSecret::new("not-the-secret").sign(body);
    assert_eq!(w.client.handle_webhook(Some(&forged), body).status, 401);
    assert_eq!(w.client.handle_webhook(None, body).status, 401);
    let good = WebhookSecret::new("sandbox-webhook-secret").sign(body);
    assert_eq!(w.client.handle_webhook(Some(&good), body).status, 200);
}

#[test]
fn paging_through_ten_thousand_transactions() {
    let w = world(
        SandboxConfig {
            transactions: 10_000,
            bank_latency: Latency::fixed(Duration::ZERO),
            ..sandbox_config()
        },
        quick_calls(),
        false,
    );
    let (e, a) = ids(&w);
    let mut t = GetTransactions::new(e, a);
    t.options.size = Some(100);
    let mut seen = std::collections::HashSet::new();
    for tx in w.client.all(t).unwrap() {
        assert!(seen.insert(tx.transaction_id.unwrap()));
    }
    assert_eq!(seen.len(), 10_000);
    assert_eq!(requests_to(&w, "/transactions"), 100);
}

#[test]
fn submit_drop_the_client_resume_with_a_new_one() {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(30)),
        ..sandbox_config()
    })
    .unwrap();
    let e = sandbox.entities()[0].clone();
    let results_id = {
        let first = client_for(&sandbox, quick_calls());
        first
            .submit(GetAccounts::new(e))
            .unwrap()
            .expect("async=true answers PENDING")
        // `first` is dropped here: a restart.
    };
    let second = client_for(
        &sandbox,
        CallConfig {
            webhook_grace: Duration::ZERO,
            ..quick_calls()
        },
    );
    let data = second.resume::<Page<Account>>(results_id.clone()).unwrap();
    assert_eq!(data.payload.items.len(), 9);
    assert_eq!(data.results_id, Some(results_id.clone()));
    let any = second.results(results_id).unwrap();
    assert!(matches!(any.payload, AnyData::Accounts(_)));
}

#[test]
fn deadline_keeps_the_results_id_for_later() {
    let w = world(
        SandboxConfig {
            bank_latency: Latency::fixed(Duration::from_secs(3600)),
            faults: vec![FaultRule::rate(FaultKind::WebhookLost, 1.0)],
            ..sandbox_config()
        },
        CallConfig {
            asynchronous: true,
            deadline: Duration::from_millis(800),
            ..quick_calls()
        },
        false,
    );
    let (e, _) = ids(&w);
    let err = w.client.call(GetAccounts::new(e)).unwrap_err();
    assert!(matches!(
        err.call_error().unwrap().kind,
        CallErrorKind::DeadlineExceeded
    ));
    assert!(err.results_id().is_some(), "{err}");
}

#[test]
fn misuse_never_reaches_the_network() {
    let w = world(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    let mut bad = GetAccounts::new(e);
    bad.options.size = Some(0);
    let err = w.client.call(bad).unwrap_err();
    assert!(err.call_error().unwrap().is_misuse());
    assert!(w.sandbox.log().is_empty(), "not even a token request");
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let w = world(sandbox_config(), quick_calls(), false);
    let dbg = format!("{:?}", w.client);
    assert!(!dbg.contains("sandbox-secret"), "{dbg}");
    let base = BaseUrl::parse(&w.sandbox.base_url()).unwrap();
    let config = Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: base.clone(),
            auth_base: base,
        },
        Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: Secret::new("the-wrong-secret-123"),
        },
    );
    let c = Client::connect(config, quick_calls(), None);
    let err = c.accounts(&w.sandbox.entities()[0]).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        matches!(err.call_error().unwrap().kind, CallErrorKind::Auth(_)),
        "{text}"
    );
    assert!(!text.contains("the-wrong-secret-123"), "{text}");
}
