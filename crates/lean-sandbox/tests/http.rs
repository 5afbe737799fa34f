//! The emulator over real HTTP on loopback: auth, routes, errors, paging, the PENDING flow,
//! signed webhooks (checked with an independent HMAC), retries of webhook delivery, faults.

mod common;

use common::{independent_signature, receiver};
use lean_proto::*;
use lean_sandbox::{FaultKind, FaultRule, Latency, Sandbox, SandboxConfig};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build(),
    )
}

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

fn send(agent: &ureq::Agent, req: http::Request<Vec<u8>>) -> Reply {
    let resp = agent.run(req).expect("HTTP exchange");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().read_to_vec().expect("body");
    Reply {
        status,
        headers,
        body,
    }
}

fn response(r: &Reply) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(r.status);
    for (k, v) in &r.headers {
        b = b.header(k, v);
    }
    b.body(r.body.clone()).unwrap()
}

fn fast() -> SandboxConfig {
    SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(10)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    }
}

struct Client {
    agent: ureq::Agent,
    base: BaseUrl,
    token: Secret,
}

impl Client {
    fn new(sandbox: &Sandbox) -> Client {
        let agent = agent();
        let cfg = Config::new(
            Region::Uae,
            Environment::Custom {
                api_base: BaseUrl::parse(&sandbox.base_url()).unwrap(),
                auth_base: BaseUrl::parse(&sandbox.base_url()).unwrap(),
            },
            Credentials::ClientCredentials {
                client_id: "sandbox-client".into(),
                client_secret: Secret::new("sandbox-secret"),
            },
        );
        let r = send(&agent, token_request(&cfg).unwrap());
        let Outcome::Data(t) = classify::<TokenResponse>(&response(&r)).unwrap() else {
            panic!("no token: {}", String::from_utf8_lossy(&r.body))
        };
        Client {
            agent,
            base: cfg.api_base(),
            token: t.payload.access_token,
        }
    }

    fn call<E: Endpoint>(&self, e: &E) -> (Reply, Outcome<E::Output>) {
        let target = Target {
            api_base: &self.base,
            auth: Auth::Bearer(&self.token),
            correlation_id: None,
        };
        let r = send(&self.agent, e.build(&target).unwrap());
        let o = classify::<E::Output>(&response(&r))
            .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&r.body)));
        (r, o)
    }
}

fn get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut b = http::Request::builder().uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    send(agent, b.body(Vec::new()).unwrap())
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> Reply {
    send(
        agent,
        http::Request::builder()
            .method("POST")
            .uri(url)
            .body(body.as_bytes().to_vec())
            .unwrap(),
    )
}

#[test]
fn auth_like_lean() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let a = agent();
    let base = sandbox.base_url();
    let bad = Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: BaseUrl::parse(&base).unwrap(),
            auth_base: BaseUrl::parse(&base).unwrap(),
        },
        Credentials::ClientCredentials {
            client_id: "sandbox-client".into(),
            client_secret: Secret::new("wrong"),
        },
    );
    let r = send(&a, token_request(&bad).unwrap());
    assert_eq!(r.status, 401);
    let client = Client::new(&sandbox);
    let entity = sandbox.entities()[0].clone();
    let url = format!("{base}/data/v2/accounts?entity_id={entity}");
    assert_eq!(get(&a, &url, &[]).status, 401, "Bearer required");
    let both = get(
        &a,
        &url,
        &[
            (
                "authorization",
                &format!("Bearer {}", client.token.expose()),
            ),
            ("lean-app-token", "sandbox-app-token"),
        ],
    );
    assert_eq!(both.status, 400);
    let Outcome::ApiError(e) = classify::<AnyData>(&response(&both)).unwrap() else {
        panic!()
    };
    assert_eq!(e.code, Some(ErrorCode::InvalidParameters));
    assert!(e.message.unwrap().contains("lean-app-token"));
    // v1 routes take the app token.
    let v1 = send(
        &a,
        http::Request::builder()
            .method("POST")
            .uri(format!("{base}/data/v1/accounts"))
            .header("lean-app-token", "sandbox-app-token")
            .body(format!(r#"{{"entity_id":"{entity}"}}"#).into_bytes())
            .unwrap(),
    );
    let Outcome::Data(d) = classify::<model::v1::V1Accounts>(&response(&v1)).unwrap() else {
        panic!("{}", String::from_utf8_lossy(&v1.body))
    };
    assert_eq!(d.payload.accounts.len(), 9);
}

#[test]
fn every_data_route_decodes_with_the_core() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let c = Client::new(&sandbox);
    let e = sandbox.entities()[0].clone();
    let a = sandbox.accounts(&e)[0].clone();
    let Outcome::Data(accounts) = c.call(&GetAccounts::new(e.clone())).1 else {
        panic!()
    };
    assert_eq!(accounts.payload.items.len(), 9);
    let kinds: Vec<_> = accounts
        .payload
        .items
        .iter()
        .map(|x| x.account_sub_type.clone().unwrap())
        .collect();
    assert!(
        kinds
            .iter()
            .all(|k| !matches!(k, AccountSubType::Unknown(_))),
        "{kinds:?}"
    );
    assert!(
        matches!(c.call(&GetBalances::new(e.clone(), a.clone())).1, Outcome::Data(d) if d.payload.items.len() == 13)
    );
    assert!(
        matches!(c.call(&GetTransactions::new(e.clone(), a.clone())).1, Outcome::Data(d) if d.payload.page.unwrap().total_elements == 293)
    );
    assert!(matches!(
        c.call(&GetBeneficiaries::new(e.clone(), a.clone())).1,
        Outcome::Data(_)
    ));
    assert!(
        matches!(c.call(&GetAccountIdentities::new(e.clone(), a.clone())).1, Outcome::Data(d) if d.payload.account_id == Some(a.clone()))
    );
    assert!(matches!(
        c.call(&GetDirectDebits::new(e.clone(), a.clone())).1,
        Outcome::Data(_)
    ));
    assert!(matches!(
        c.call(&GetScheduledPayments::new(e.clone(), a.clone())).1,
        Outcome::Data(_)
    ));
    assert!(matches!(
        c.call(&GetStandingOrders::new(e.clone(), a.clone())).1,
        Outcome::Data(_)
    ));
    assert!(
        matches!(c.call(&GetIdentity::new(e.clone())).1, Outcome::Data(d) if d.payload.items.len() == 1)
    );
    let Outcome::Data(income) = c.call(&GetIncome::new(e.clone())).1 else {
        panic!()
    };
    let salary = income.payload.salary.unwrap();
    assert_eq!(
        salary.transactions.len(),
        293usize.div_ceil(25),
        "computed from the transactions"
    );
    assert!(matches!(
        c.call(&GetExpenses::new(e.clone())).1,
        Outcome::Data(_)
    ));
    assert!(matches!(
        c.call(&GetCashflows::new(e.clone())).1,
        Outcome::Data(_)
    ));
    assert!(matches!(
        c.call(&GetCashBalances::new(e.clone())).1,
        Outcome::Data(_)
    ));
    assert!(matches!(
        c.call(&GetCreditObligations::new(e.clone())).1,
        Outcome::Data(_)
    ));
    assert!(matches!(
        c.call(&GetNonCreditObligations::new(e.clone())).1,
        Outcome::Data(_)
    ));
    let Outcome::Data(employment) = c.call(&GetEmployment::new(e.clone())).1 else {
        panic!()
    };
    assert!(!employment.payload.employment_details.is_empty());
    let Outcome::Data(customers) = c.call(&ListCustomers::default()).1 else {
        panic!()
    };
    assert_eq!(customers.payload.data.len(), 2);
    let Outcome::Data(entities) = c
        .call(&GetCustomerEntities::new(
            customers.payload.data[0].customer_id.clone(),
        ))
        .1
    else {
        panic!()
    };
    assert_eq!(entities.payload.0[0].id, e);
}

/// The key paths of a JSON document (array items merged), for shape comparison.
fn keys(v: &serde_json::Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{prefix}.{k}");
                out.insert(p.clone());
                keys(x, &p, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, &format!("{prefix}[]"), out)),
        _ => {}
    }
}

#[test]
fn bodies_have_the_shapes_lean_sends() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let c = Client::new(&sandbox);
    let e = sandbox.entities()[0].clone();
    let a = sandbox.accounts(&e)[0].clone();
    let fixture = |name: &str| {
        let path = format!(
            "{}/tests/lean-recordings/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        serde_json::from_str::<serde_json::Value>(v["body"].as_str().unwrap()).unwrap()
    };
    let cases: Vec<(&str, Reply)> = vec![
        (
            "data__raw-data-v2-accounts-get-accounts-get-accounts__ok__200.json",
            c.call(&GetAccounts::new(e.clone())).0,
        ),
        (
            "data__raw-data-v2-accounts-account-id-balances-get-balances__ok__200.json",
            c.call(&GetBalances::new(e.clone(), a.clone())).0,
        ),
        (
            "data__raw-data-v2-identity-get-identity__ok__200.json",
            c.call(&GetIdentity::new(e.clone())).0,
        ),
        (
            "data__raw-data-v2-accounts-account-id-standing-orders-get-standing-orders__ok__200.json",
            c.call(&GetStandingOrders::new(e.clone(), a.clone())).0,
        ),
        (
            "data__raw-data-v2-accounts-get-accounts-get-accounts__entity-not-found__404.json",
            c.call(&GetAccounts::new(
                EntityId::parse("8a78e977-7f3a-8772-ba26-c4c0424bb3e3").unwrap(),
            ))
            .0,
        ),
    ];
    for (name, reply) in cases {
        let mut want = std::collections::BTreeSet::new();
        keys(&fixture(name), "", &mut want);
        let mut got = std::collections::BTreeSet::new();
        keys(&serde_json::from_slice(&reply.body).unwrap(), "", &mut got);
        // Lean's recordings have nulls where we have objects and vice versa; every field Lean
        // sent must be there (the emulator may add, never omit).
        let missing: Vec<_> = want
            .iter()
            .filter(|k| !got.contains(*k))
            .filter(|k| !k.contains("regional_data."))
            .collect();
        assert!(missing.is_empty(), "{name}: missing {missing:?}");
    }
}

#[test]
fn lean_errors_with_lean_codes() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let c = Client::new(&sandbox);
    let a = agent();
    let base = sandbox.base_url();
    let auth = format!("Bearer {}", c.token.expose());
    let h = [("authorization", auth.as_str())];
    let code = |r: Reply| match classify::<AnyData>(&response(&r)).unwrap() {
        Outcome::ApiError(e) => (e.http_status, e.code.unwrap().as_str().to_owned()),
        o => panic!("{}", o.class()),
    };
    let e = sandbox.entities()[0].clone();
    assert_eq!(
        code(get(&a, &format!("{base}/data/v2/accounts"), &h)),
        (400, "MISSING_PARAMETERS".into())
    );
    assert_eq!(
        code(get(
            &a,
            &format!("{base}/data/v2/accounts?entity_id=nope"),
            &h
        )),
        (400, "INVALID_PARAMETERS".into())
    );
    assert_eq!(
        code(get(
            &a,
            &format!("{base}/data/v2/accounts?entity_id=8a78e977-7f3a-8772-ba26-c4c0424bb3e3"),
            &h
        )),
        (404, "UNKNOWN_ENTITY".into())
    );
    assert_eq!(
        code(get(
            &a,
            &format!(
                "{base}/data/v2/accounts/8a78e977-7f3a-8772-ba26-c4c0424bb3e3/balances?entity_id={e}"
            ),
            &h
        )),
        (404, "UNKNOWN_ACCOUNT".into())
    );
    assert_eq!(
        code(get(
            &a,
            &format!("{base}/data/v2/accounts?entity_id={e}&size=101"),
            &h
        )),
        (400, "INVALID_PARAMETERS".into())
    );
    assert_eq!(
        code(get(&a, &format!("{base}/data/v2/nothing-here"), &h)),
        (404, "INVALID_URL".into())
    );
    assert_eq!(
        code(get(
            &a,
            &format!("{base}/data/v2/results/8a78e977-7f3a-8772-ba26-c4c0424bb3e3"),
            &h
        )),
        (404, "UNKNOWN_RESULTS_ID".into())
    );
}

#[test]
fn every_page_of_ten_thousand_transactions() {
    let sandbox = Sandbox::start(SandboxConfig {
        transactions: 10_000,
        ..fast()
    })
    .unwrap();
    let c = Client::new(&sandbox);
    let e = sandbox.entities()[0].clone();
    let a = sandbox.accounts(&e)[0].clone();
    let mut ids = std::collections::HashSet::new();
    let mut last_date = None;
    let mut page = 0;
    loop {
        let mut t = GetTransactions::new(e.clone(), a.clone());
        t.options.size = Some(100);
        t.options.page = Some(page);
        let Outcome::Data(d) = c.call(&t).1 else {
            panic!("page {page}")
        };
        for tx in &d.payload.items {
            assert!(
                ids.insert(tx.transaction_id.clone().unwrap()),
                "duplicate across pages"
            );
            let date = tx.booking_date_time.unwrap();
            assert!(last_date.is_none_or(|l| l <= date), "ascending");
            last_date = Some(date);
        }
        match d.payload.next_page() {
            Some(n) => page = n,
            None => break,
        }
        assert!(page < 200, "bounded");
    }
    assert_eq!(ids.len(), 10_000);
    assert_eq!(page, 99);
}

#[test]
fn async_request_then_signed_webhook_then_results() {
    let (url, hooks) = receiver(vec![]);
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(url),
        ..fast()
    })
    .unwrap();
    let c = Client::new(&sandbox);
    let e = sandbox.entities()[0].clone();
    let mut req = GetAccounts::new(e);
    req.options.asynchronous = true;
    let Outcome::Pending(p) = c.call(&req).1 else {
        panic!("async=true must answer PENDING")
    };
    // Before the bank is done: 404 UNKNOWN_RESULTS_ID.
    let results: GetResults<Page<Account>> = GetResults::new(p.results_id.clone());
    let (headers, body) = hooks
        .recv_timeout(Duration::from_secs(10))
        .expect("results.ready");
    let sig = headers
        .iter()
        .find(|(k, _)| k == "lean-signature")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(
        sig,
        independent_signature("sandbox-webhook-secret", &body),
        "HMAC-SHA512 of the raw body"
    );
    let event = webhook::WebhookEvent::parse(&body).unwrap();
    assert!(event.event_id.is_some());
    match event.kind {
        webhook::EventKind::ResultsReady { results_id } => assert_eq!(results_id, p.results_id),
        k => panic!("{k:?}"),
    }
    let Outcome::Data(d) = c.call(&results).1 else {
        panic!("results after the webhook")
    };
    assert_eq!(d.payload.items.len(), 9);
    assert_eq!(d.info.results_id.as_ref(), Some(&p.results_id));
}

#[test]
fn slow_bank_falls_back_to_pending_and_results_are_404_until_ready() {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(250)),
        pending_after: Duration::from_secs(50),
        time_scale: 0.004,
        ..SandboxConfig::default()
    })
    .unwrap();
    let c = Client::new(&sandbox);
    let e = sandbox.entities()[0].clone();
    let started = Instant::now();
    let Outcome::Pending(p) = c.call(&GetAccounts::new(e)).1 else {
        panic!("slow bank must fall back")
    };
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(190),
        "answered PENDING after pending_after (50 s at 1/250): {waited:?}"
    );
    let results: GetResults<Page<Account>> = GetResults::new(p.results_id.clone());
    assert!(
        matches!(c.call(&results).1, Outcome::ApiError(e) if e.code == Some(ErrorCode::UnknownResultsId))
    );
    // Ready 1 s after the request (250 s of Lean time at scale 0.004): poll, bounded.
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        match c.call(&results).1 {
            Outcome::Data(_) => break,
            Outcome::ApiError(e)
                if e.code == Some(ErrorCode::UnknownResultsId) && Instant::now() < until =>
            {
                std::thread::sleep(Duration::from_millis(40))
            }
            o => panic!("{}", o.class()),
        }
    }
    assert!(
        started.elapsed() >= Duration::from_millis(960),
        "not before the bank was done"
    );
}

#[test]
fn webhook_delivery_is_retried_until_a_200() {
    let (url, hooks) = receiver(vec![500, 503]);
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(url),
        time_scale: 0.001,
        ..fast()
    })
    .unwrap();
    let c = Client::new(&sandbox);
    let mut req = GetAccounts::new(sandbox.entities()[0].clone());
    req.options.asynchronous = true;
    let Outcome::Pending(_) = c.call(&req).1 else {
        panic!()
    };
    for _ in 0..3 {
        hooks
            .recv_timeout(Duration::from_secs(10))
            .expect("a delivery attempt");
    }
    // 1 min and 2 min later at time scale 0.001 = 60 ms and 120 ms.
    std::thread::sleep(Duration::from_millis(100));
    let log = get(
        &agent(),
        &format!("{}/_sandbox/log", sandbox.base_url()),
        &[],
    );
    let log: Vec<serde_json::Value> = serde_json::from_slice(&log.body).unwrap();
    let statuses: Vec<u64> = log
        .iter()
        .filter(|l| l["kind"] == "webhook")
        .map(|l| l["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 503, 200]);
}

#[test]
fn faults_from_the_control_api() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let c = Client::new(&sandbox);
    let a = agent();
    let base = sandbox.base_url();
    let e = sandbox.entities()[0].clone();
    let next = |rule: FaultRule| {
        let r = post(
            &a,
            &format!("{base}/_sandbox/faults/next"),
            &serde_json::to_string(&rule).unwrap(),
        );
        assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    };
    next(FaultRule::next(
        "accounts",
        FaultKind::ServerError { status: 503 },
        1,
    ));
    assert!(
        matches!(c.call(&GetAccounts::new(e.clone())).1, Outcome::ApiError(x) if x.http_status == 503)
    );
    assert!(
        matches!(c.call(&GetAccounts::new(e.clone())).1, Outcome::Data(_)),
        "one-shot"
    );
    next(FaultRule::next(
        "accounts",
        FaultKind::RateLimited { retry_after: 3 },
        1,
    ));
    assert!(
        matches!(c.call(&GetAccounts::new(e.clone())).1, Outcome::ApiError(x) if x.retry_after == Some(RetryAfter::Seconds(3)))
    );
    next(FaultRule::next(
        "accounts",
        FaultKind::Failed {
            granular_status_code: "BANK_MAINTENANCE".into(),
        },
        1,
    ));
    assert!(
        matches!(c.call(&GetAccounts::new(e.clone())).1, Outcome::Failed(f) if f.granular_status_code == Some(GranularStatusCode::BankMaintenance))
    );
    next(FaultRule::next("accounts", FaultKind::ConsentExpired, 1));
    assert!(
        matches!(c.call(&GetAccounts::new(e.clone())).1, Outcome::ApiError(x) if x.code == Some(ErrorCode::ConsentExpired))
    );
    next(FaultRule::next("accounts", FaultKind::Truncated, 1));
    let target = Target {
        api_base: &c.base,
        auth: Auth::Bearer(&c.token),
        correlation_id: None,
    };
    let r = send(
        &c.agent,
        GetAccounts::new(e.clone()).build(&target).unwrap(),
    );
    assert!(
        classify::<Page<Account>>(&response(&r)).is_err(),
        "a truncated body is a decode error"
    );
    next(FaultRule::next("accounts", FaultKind::Reset, 1));
    assert!(
        c.agent
            .run(GetAccounts::new(e.clone()).build(&target).unwrap())
            .and_then(|r| r.into_body().read_to_vec())
            .is_err(),
        "connection cut"
    );
    // The log saw all of it.
    let log: Vec<serde_json::Value> =
        serde_json::from_slice(&get(&a, &format!("{base}/_sandbox/log"), &[]).body).unwrap();
    assert!(log.iter().any(|l| l["status"] == 503));
}

#[test]
fn refresh_then_webhook() {
    let (url, hooks) = receiver(vec![]);
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(url),
        ..fast()
    })
    .unwrap();
    let c = Client::new(&sandbox);
    let e = sandbox.entities()[0].clone();
    let Outcome::Data(t) = c.call(&TriggerRefresh::new(e.clone())).1 else {
        panic!()
    };
    // Lean announces the refresh twice: PENDING at once, FINISHED when the bank is done.
    for want in [RefreshStatus::Pending, RefreshStatus::Finished] {
        let (_, body) = hooks
            .recv_timeout(Duration::from_secs(10))
            .expect("refresh webhook");
        let event = webhook::WebhookEvent::parse(&body).unwrap();
        assert!(
            matches!(&event.kind, webhook::EventKind::DataRefreshUpdated(r) if r.refresh_id == t.payload.refresh_id && r.status == Some(want.clone())),
            "{event:?}"
        );
    }
    let Outcome::Data(r) = c
        .call(&GetRefresh::new(e.clone(), t.payload.refresh_id.clone()))
        .1
    else {
        panic!()
    };
    assert_eq!(r.payload.status, Some(RefreshStatus::Finished));
    let Outcome::Data(list) = c
        .call(&{
            let mut req = ListRefreshes::new(e);
            req.page = None;
            req.size = None;
            req
        })
        .1
    else {
        panic!()
    };
    assert_eq!(list.payload.content.len(), 1);
}

#[test]
fn half_sent_requests_are_dropped_after_the_read_timeout() {
    let sandbox = Sandbox::start(SandboxConfig {
        read_timeout: Duration::from_millis(300),
        ..fast()
    })
    .unwrap();
    // Closed by the emulator (end of stream), not given up on by this side after its own 5 s.
    let closed_by_the_emulator = |partial: &[u8]| {
        let mut s = std::net::TcpStream::connect(sandbox.addr()).unwrap();
        s.write_all(partial).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer = Vec::new();
        let ended = s.read_to_end(&mut answer); // Ok at end of stream; Err on our timeout
        (ended.is_ok(), String::from_utf8_lossy(&answer).into_owned())
    };
    // Headers that never end.
    let (closed, _) = closed_by_the_emulator(b"GET /data/v2/accounts HTTP/1.1\r\nhost: x\r\n");
    assert!(closed, "held until the client gave up");
    // A body that never arrives.
    let (closed, answer) = closed_by_the_emulator(
        b"POST /oauth2/token HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nclient_id=",
    );
    assert!(closed, "held until the client gave up");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[test]
fn impossible_flag_values_are_refused_and_huge_ones_bounded() {
    for scale in [f64::INFINITY, f64::NAN, 0.0, -1.0] {
        let r = Sandbox::start(SandboxConfig {
            time_scale: scale,
            ..fast()
        });
        assert!(r.is_err(), "time scale {scale} must be refused");
    }
    // Lifetimes and latencies near 1e19 s: bounded, no overflow anywhere.
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(u64::MAX / 2)),
        pending_after: Duration::MAX,
        token_lifetime: Duration::MAX,
        time_scale: 1e300,
        ..fast()
    })
    .unwrap();
    let c = Client::new(&sandbox);
    let entity = sandbox.entities()[0].clone();
    let mut request = GetAccounts::new(entity);
    request.options.asynchronous = true; // answers PENDING at once, whatever the bank's latency
    let (reply, outcome) = c.call(&request);
    assert_eq!(reply.status, 200);
    assert!(matches!(outcome, Outcome::Pending(_)), "{outcome:?}");
}

#[test]
fn connections_reconnections_and_bank_outages_send_lean_s_webhooks() {
    let (url, hooks) = receiver(vec![]);
    let sandbox = Sandbox::start(SandboxConfig {
        webhook_url: Some(url),
        ..fast()
    })
    .unwrap();
    let next = |want: &str| -> webhook::WebhookEvent {
        for _ in 0..10 {
            let (headers, body) = hooks
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no {want} webhook"));
            let sig = headers
                .iter()
                .find(|(k, _)| k == "lean-signature")
                .map(|(_, v)| v.clone())
                .unwrap();
            assert_eq!(sig, independent_signature("sandbox-webhook-secret", &body));
            let event = webhook::WebhookEvent::parse(&body).unwrap();
            if event.kind_name == want {
                return event;
            }
        }
        panic!("no {want} among 10 webhooks")
    };
    let customer = sandbox.customers()[0].clone();
    let entity = sandbox.connect(&customer, None).unwrap();
    match next("entity.created").kind {
        webhook::EventKind::EntityCreated(e) => {
            assert_eq!(e.id, entity);
            assert_eq!(e.customer_id, Some(customer.clone()));
            assert_eq!(e.app_user_id.as_deref(), Some("sandbox_user_1"));
            assert!(e.permissions.len() >= 4);
        }
        other => panic!("{other:?}"),
    }
    for want in [RefreshStatus::Pending, RefreshStatus::Finished] {
        match next("entity.data.refresh.updated").kind {
            webhook::EventKind::DataRefreshUpdated(r) => {
                assert_eq!(r.entity_id.as_ref(), Some(&entity));
                assert_eq!(r.status, Some(want.clone()));
                if want == RefreshStatus::Finished {
                    let ds = r.data_status.unwrap();
                    assert_eq!(ds.account_data.len(), 9);
                }
            }
            other => panic!("{other:?}"),
        }
    }
    // Control API: a reconnection, then the bank's data going down.
    let agent = agent();
    let r = post(
        &agent,
        &format!(
            "{}/_sandbox/entities/{entity}/reconnect",
            sandbox.base_url()
        ),
        "",
    );
    assert_eq!(r.status, 202);
    assert!(
        matches!(next("entity.updated").kind, webhook::EventKind::EntityUpdated(e) if e.id == entity)
    );
    let r = post(
        &agent,
        &format!(
            "{}/_sandbox/banks/LEAN_SANDBOX_UAE/availability",
            sandbox.base_url()
        ),
        r#"{"data": false}"#,
    );
    assert_eq!(r.status, 202);
    match next("bank.availability.updated").kind {
        webhook::EventKind::BankAvailabilityUpdated(b) => {
            assert_eq!(b.identifier, "LEAN_SANDBOX_UAE");
            let a = b.availability.unwrap();
            assert_eq!(a.active.unwrap().data, Some(false));
            assert_eq!(a.enabled.unwrap().data, Some(true));
        }
        other => panic!("{other:?}"),
    }
    let banks = get(
        &agent,
        &format!("{}/banks/v1", sandbox.base_url()),
        &[("lean-app-token", "sandbox-app-token")],
    );
    let list: serde_json::Value = serde_json::from_slice(&banks.body).unwrap();
    let down = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["identifier"] == "LEAN_SANDBOX_UAE")
        .unwrap();
    assert_eq!(down["availability"]["active"]["data"], false);
}
