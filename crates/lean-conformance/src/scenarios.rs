//! The scenarios of the adapter contract, written once. Everything runs against lean-sandbox
//! over real HTTP on loopback, with a real webhook endpoint (tiny_http) feeding the client's
//! webhook intake.

// Test-only error plumbing: the size of the error path does not matter here.
#![allow(clippy::result_large_err)]

use crate::Adapter;
use lean_proto::call::{CallConfig, CallErrorKind};
use lean_proto::retry::RetryPolicy;
use lean_proto::webhook::WebhookSecret;
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::time::Duration;

/// A sandbox with a webhook endpoint wired to a client.
pub(crate) struct World<C: Adapter> {
    pub(crate) sandbox: Sandbox,
    pub(crate) client: C,
    _hooks: Option<crate::webhook_endpoint::WebhookEndpoint>,
}

pub(crate) fn quick_calls() -> CallConfig {
    {
        let mut calls = CallConfig::default();
        calls.sync_timeout = Duration::from_secs(5);
        calls.request_timeout = Duration::from_secs(5);
        calls.deadline = Duration::from_secs(20);
        calls.webhook_grace = Duration::from_secs(2);
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        };
        calls.retry = RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        };
        // Lean's minute at the emulator's time scale (0.01).
        calls.duplicate_backoff = Duration::from_millis(600);
        calls
    }
}

pub(crate) fn sandbox_config() -> SandboxConfig {
    SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(100)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    }
}

pub(crate) fn config_for(sandbox: &Sandbox) -> Config {
    sandbox.client_config()
}

pub(crate) fn client_for<C: Adapter>(sandbox: &Sandbox, calls: CallConfig) -> C {
    C::connect(
        config_for(sandbox),
        calls,
        Some(WebhookSecret::new("sandbox-webhook-secret")),
    )
}

pub(crate) fn world<C: Adapter>(
    config: SandboxConfig,
    calls: CallConfig,
    with_hooks: bool,
) -> World<C> {
    let sandbox = Sandbox::start(config).unwrap();
    let client = client_for::<C>(&sandbox, calls);
    let hooks = with_hooks.then(|| {
        let c = client.clone();
        let hooks = crate::webhook_endpoint::WebhookEndpoint::start(move |signature, body| {
            c.handle_webhook(signature, body).status()
        });
        sandbox.set_webhook_url(Some(hooks.url().to_owned()));
        hooks
    });
    World {
        sandbox,
        client,
        _hooks: hooks,
    }
}

pub(crate) fn ids<C: Adapter>(w: &World<C>) -> (EntityId, AccountId) {
    let e = w.sandbox.entities()[0].clone();
    let a = w.sandbox.accounts(&e)[0].clone();
    (e, a)
}

pub(crate) fn requests_to<C: Adapter>(w: &World<C>, path_part: &str) -> usize {
    w.sandbox
        .log()
        .iter()
        .filter(|l| l.kind == "request" && l.what.contains(path_part))
        .count()
}

pub fn every_endpoint_happy_path<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
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
    let balances = c.call(GetCashBalances::new(e.clone())).unwrap().payload;
    assert!(!balances.monthly_totals.is_empty());
    let credit = c
        .call(GetCreditObligations::new(e.clone()))
        .unwrap()
        .payload;
    assert!(!credit.monthly_totals.is_empty());
    c.call(GetNonCreditObligations::new(e.clone())).unwrap();
    let employment = c.call(GetEmployment::new(e.clone())).unwrap().payload;
    assert!(
        !employment.employment_details.is_empty(),
        "the world pays a salary"
    );
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

pub fn v1_with_app_token<C: Adapter>() {
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
    let c = C::connect(config, quick_calls(), None);
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

pub fn rate_limit_with_retry_after_then_success<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::RateLimited { retry_after: 1 },
        1,
    ));
    // How long it waits is the core's (`Retry-After`, in virtual time in lean-sim's
    // `protocol.rs`); here, that the header came through this transport and was obeyed once.
    w.client.accounts(&e).unwrap();
    assert_eq!(requests_to(&w, "/data/v2/accounts"), 2);
}

pub fn server_errors_then_success<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    w.sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::ServerError { status: 503 },
        2,
    ));
    assert_eq!(w.client.accounts(&e).unwrap().len(), 9);
    assert_eq!(requests_to(&w, "/data/v2/accounts"), 3);
}

pub fn server_errors_that_do_not_stop_become_a_typed_error<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
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

pub fn connection_reset_is_survived<C: Adapter>() {
    let w = world::<C>(
        sandbox_config(),
        {
            let mut calls = quick_calls();
            calls.webhook_grace = Duration::from_secs(10);
            calls
        },
        true,
    );
    let (e, _) = ids(&w);
    w.sandbox
        .add_fault(FaultRule::next("accounts", FaultKind::Reset, 1));
    assert_eq!(w.client.accounts(&e).unwrap().len(), 9);
}

pub fn response_slower_than_the_client_timeout_is_asked_again_async<C: Adapter>() {
    let w = world::<C>(
        sandbox_config(),
        {
            let mut calls = quick_calls();
            calls.sync_timeout = Duration::from_millis(300);
            calls.webhook_grace = Duration::from_secs(10);
            calls
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

pub fn new_connection_refresh_finished_then_sync_reads<C: Adapter>() {
    // Lean's recommended flow: the user connects a bank (entity.created), Lean refreshes the
    // data (entity.data.refresh.updated PENDING, then FINISHED), and only then the backend
    // reads, synchronously, from Lean's store. Then a manual refresh whose FINISHED webhook
    // is lost: polling the refresh status ends the wait anyway.
    let w = world::<C>(
        sandbox_config(),
        {
            let mut calls = quick_calls();
            calls.webhook_grace = Duration::from_millis(500);
            calls
        },
        true,
    );
    let customer = w.sandbox.customers()[0].clone();
    let entity = w
        .sandbox
        .connect(&customer, None)
        .expect("a seeded customer");
    let first = w.client.wait_for_refresh(entity.clone(), None).unwrap();
    assert_eq!(first.entity_id.as_ref(), Some(&entity));
    assert_eq!(first.status, Some(RefreshStatus::Finished));
    assert_eq!(
        requests_to(&w, "/data/v2/refreshes"),
        0,
        "the webhook ended the wait: no polling"
    );
    let accounts = w.client.call(GetAccounts::new(entity.clone())).unwrap();
    assert_eq!(accounts.payload.items.len(), 9);
    assert!(accounts.results_id.is_none(), "a synchronous read");

    w.sandbox
        .add_fault(FaultRule::next("refresh", FaultKind::WebhookLost, 1));
    let triggered = w.client.call(TriggerRefresh::new(entity.clone())).unwrap();
    let refresh_id = triggered.payload.refresh_id.clone();
    let second = w
        .client
        .wait_for_refresh(entity.clone(), Some(refresh_id.clone()))
        .unwrap();
    assert_eq!(second.refresh_id, refresh_id);
    assert_eq!(second.status, Some(RefreshStatus::Finished));
    assert!(
        requests_to(&w, &format!("/data/v2/refreshes/{refresh_id}")) >= 1,
        "the lost webhook was made up for by polling: {:?}",
        w.sandbox.log()
    );
    assert!(w.sandbox.log().iter().any(|l| l.kind == "webhook"
        && l.what.contains(refresh_id.as_str())
        && l.note.as_deref() == Some("lost (injected)")));
}

pub fn token_is_shared_across_threads_with_one_fetch<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
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

pub fn webhook_with_a_wrong_signature_is_rejected<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let body = br#"{"type":"results.ready","payload":{"id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"},"event_id":"e1"}"#;
    let forged = WebhookSecret::new("not-the-secret").sign(body);
    assert_eq!(w.client.handle_webhook(Some(&forged), body).status(), 401);
    assert_eq!(w.client.handle_webhook(None, body).status(), 401);
    let good = WebhookSecret::new("sandbox-webhook-secret").sign(body);
    assert_eq!(w.client.handle_webhook(Some(&good), body).status(), 200);
}

/// 30 pages over one client's connections (the emulator's own test reads 10,000).
pub fn paging_through_three_thousand_transactions<C: Adapter>() {
    let w = world::<C>(
        SandboxConfig {
            transactions: 3_000,
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
    assert_eq!(seen.len(), 3_000);
    assert_eq!(requests_to(&w, "/transactions"), 30);
}

/// Lean bills each verification: every product answers through every adapter, and none is
/// ever sent twice once Lean may have seen it: not on a retryable FAILED (`BANK_ISSUE`), not
/// on a 500, not on a connection cut after the request went out.
pub fn verifications_are_answered_and_never_sent_twice<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    let c = &w.client;
    let account = |name: &str| {
        VerifyAccount::iban(
            "AE070331234567890123456",
            VerificationAccountType::Personal,
            vec![Identification::full_name(name).unwrap()],
        )
        .unwrap()
    };
    let ok = c.call(account("ADAM AHMED")).unwrap();
    assert_eq!(
        ok.payload.account_status,
        Some(VerifiedAccountStatus::Active)
    );
    assert_eq!(
        ok.payload.account_holder_name.as_deref(),
        Some("ADAM AHMED")
    );
    let sent = || requests_to(&w, "/verifications/v1/accounts");
    assert_eq!(sent(), 1);

    let err = c.call(account("BANK ERROR TEST")).unwrap_err();
    let call = err.call_error().unwrap();
    assert!(
        matches!(&call.kind, CallErrorKind::DataFailed(f)
            if f.granular_status_code == Some(GranularStatusCode::BankIssue)),
        "{err}"
    );
    assert!(call.correlation_id.is_some(), "carries lean-correlation-id");
    assert_eq!(sent(), 2, "a retryable FAILED is not a reason to pay again");

    w.sandbox.add_fault(FaultRule::next(
        "verify-account",
        FaultKind::ServerError { status: 500 },
        1,
    ));
    assert!(c.call(account("ADAM AHMED")).is_err());
    assert_eq!(sent(), 3, "Lean answered the POST: not sent again");

    w.sandbox
        .add_fault(FaultRule::next("verify-account", FaultKind::Reset, 1));
    assert!(c.call(account("ADAM AHMED")).is_err());
    assert_eq!(
        sent(),
        4,
        "the request may have reached Lean: not sent again"
    );

    let entity = c
        .call(
            VerifyEntity::new(e, vec![Identification::national_id("1106972886").unwrap()]).unwrap(),
        )
        .unwrap();
    assert_eq!(entity.payload.entity_ownership_verified, Some(true));
    assert!(!entity.payload.ibans.is_empty());
    let name = c
        .call(GetBeneficiaryName::new("SA2810000011100000461309").unwrap())
        .unwrap();
    assert!(name.payload.beneficiary_name.is_some());
    let corporate = c
        .call(VerifyCorporate::new(CorporateVerificationType::Full, "7001272184").unwrap())
        .unwrap();
    assert!(corporate.payload.commercial_registration_capital.is_some());
    let managers = c
        .call(VerifyManagers::new("7001272184", "1132381599").unwrap())
        .unwrap();
    assert_eq!(managers.payload.len(), 1);
    let freelancer = c
        .call(
            VerifyFreelancer::new(
                FreelancerVerificationType::Full,
                vec![Identification::freelancer_number("FL-490775363").unwrap()],
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(
        freelancer.payload.certificate[0].status,
        Some(CertificateStatus::Revoked)
    );
}

pub fn misuse_never_reaches_the_network<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let (e, _) = ids(&w);
    let mut bad = GetAccounts::new(e);
    bad.options.size = Some(0);
    let err = w.client.call(bad).unwrap_err();
    assert!(err.call_error().unwrap().is_misuse());
    assert!(w.sandbox.log().is_empty(), "not even a token request");
}

pub fn secrets_stay_out_of_debug_and_errors<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
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
    let c = C::connect(config, quick_calls(), None);
    let err = c.accounts(&w.sandbox.entities()[0]).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        matches!(err.call_error().unwrap().kind, CallErrorKind::Auth(_)),
        "{text}"
    );
    assert!(!text.contains("the-wrong-secret-123"), "{text}");
}
