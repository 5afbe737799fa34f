//! The emulator checked against what Lean does, not against our decoders: raw HTTP and raw
//! JSON, compared with Lean's recorded bodies (`tests/lean-recordings`, copies of the
//! workspace's `crates/lean-proto/tests/fixtures/lean-postman`), Lean's docs and what
//! Lean's own Node SDK sends (paths with trailing slashes, `lean-app-token`, JSON bodies).

mod common;

use common::*;
use lean_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use std::time::Duration;

/// Lean's error body: the keys of a recorded error, a code, a message.
fn is_lean_error(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.json);
    assert_eq!(r.json["status"], code, "{}", r.json);
    assert!(r.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(
        r.json.get("timestamp").is_some() && r.json.get("metadata").is_some(),
        "{}",
        r.json
    );
    assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
}

#[test]
fn customers_and_banks_as_lean_s_own_sdk_calls_them() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    // The Node SDK posts to /customers/v1/ with lean-app-token, as Lean's getting-started docs.
    let made = h.create_customer("fidelity-1");
    assert_eq!(made.status, 200);
    assert_eq!(
        keys(&made.json),
        keys(&recorded(
            "customers__create-customer__create-customer__200.json"
        ))
    );
    let again = h.send(
        "POST",
        "/customers/v1/",
        &[APP],
        Some(json!({"app_user_id": "fidelity-1"})),
    );
    is_lean_error(&again, 409, "CUSTOMER_ALREADY_EXISTS");
    assert_eq!(
        keys(&again.json),
        keys(&recorded(
            "customers__create-customer__create-customer-customer-already-exists__409.json"
        ))
    );
    // The same customer through every read path, with a bearer token this time.
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    let id = made.json["customer_id"].as_str().unwrap();
    let by_id = h.send("GET", &format!("/customers/v1/{id}"), &[auth], None);
    assert_eq!(by_id.json, made.json);
    let by_app = h.send("GET", "/customers/v1/app-user-id/fidelity-1", &[auth], None);
    assert_eq!(by_app.json, made.json);
    let list = h.send(
        "GET",
        "/customers/v1?page_number=0&page_size=100",
        &[auth],
        None,
    );
    assert_eq!(
        keys(&list.json),
        keys(&recorded(
            "customers__list-customers__list-customers__200.json"
        ))
    );
    assert!(
        list.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["customer_id"] == id)
    );
    // Banks: GET /banks/v1/ answers a bare array the SDK's type describes.
    let banks = h.send("GET", "/banks/v1/?account_types=PERSONAL", &[APP], None);
    assert_eq!(banks.status, 200);
    for b in banks.json.as_array().unwrap() {
        for k in [
            "identifier",
            "name",
            "country_code",
            "supported_account_types",
            "transfer_limits",
            "availability",
        ] {
            assert!(b.get(k).is_some(), "bank without {k}: {b}");
        }
    }
    is_lean_error(
        &h.send("GET", "/banks/v1?account_types=SOMETIMES", &[APP], None),
        400,
        "INVALID_PARAMETERS",
    );
}

#[test]
fn entities_are_stateful_connect_then_read_then_delete() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    let customer = sandbox.customers()[1].clone();
    let entity = sandbox
        .connect(&customer, Some("LEAN_MOCKBANK_UAE"))
        .unwrap();
    let one = h.send(
        "GET",
        &format!("/customers/v1/{customer}/entities/{entity}"),
        &[auth],
        None,
    );
    assert_eq!(one.status, 200, "{}", one.json);
    let want = recorded("entities__get-entity-by-id__get-entity-by-id__200.json");
    for k in keys(&want) {
        assert!(one.json.get(&k).is_some(), "entity without {k}");
    }
    assert_eq!(one.json["bank_identifier"], "LEAN_MOCKBANK_UAE");
    let list = h.send(
        "GET",
        &format!("/customers/v1/{customer}/entities"),
        &[auth],
        None,
    );
    assert_eq!(list.json.as_array().unwrap().len(), 2, "seeded + connected");
    let accounts = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={entity}"),
        &[auth],
        None,
    );
    assert_eq!(accounts.json["status"], "OK");
    // Another customer's entity is not this customer's.
    let other = sandbox.customers()[0].clone();
    is_lean_error(
        &h.send(
            "GET",
            &format!("/customers/v1/{other}/entities/{entity}"),
            &[auth],
            None,
        ),
        404,
        "UNKNOWN_ENTITY",
    );
    let gone = h.send(
        "DELETE",
        &format!("/customers/v1/{customer}/entities/{entity}"),
        &[auth],
        Some(json!({"reason": "USER_REQUESTED"})),
    );
    assert_eq!(gone.status, 204);
    is_lean_error(
        &h.send(
            "GET",
            &format!("/data/v2/accounts?entity_id={entity}"),
            &[auth],
            None,
        ),
        404,
        "UNKNOWN_ENTITY",
    );
    assert!(!sandbox.entities().contains(&entity));
    // Date-ranged listing: the seeded entities are 100 days old, the future is refused.
    let recent = h.send(
        "GET",
        "/customers/v1/entities?start_date=2026-05-01&end_date=2026-05-13",
        &[auth],
        None,
    );
    assert_eq!(
        recent.json["data"].as_array().unwrap().len(),
        0,
        "{}",
        recent.json
    );
    is_lean_error(
        &h.send(
            "GET",
            "/customers/v1/entities?end_date=2099-01-01",
            &[auth],
            None,
        ),
        400,
        "INVALID_PARAMETERS",
    );
}

#[test]
fn errors_are_lean_json_everywhere_and_the_correlation_id_is_echoed() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    is_lean_error(
        &h.send("GET", "/data/v9/nothing", &[auth], None),
        404,
        "INVALID_URL",
    );
    is_lean_error(
        &h.send("DELETE", "/data/v2/accounts", &[auth], None),
        405,
        "INVALID_HTTP_METHOD",
    );
    is_lean_error(
        &h.send("PUT", "/customers/v1/", &[APP], None),
        405,
        "INVALID_HTTP_METHOD",
    );
    let e = sandbox.entities()[0].to_string();
    let echoed = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}"),
        &[auth, ("lean-correlation-id", "my-trace-42")],
        None,
    );
    assert_eq!(
        echoed.headers.get("lean-correlation-id").unwrap(),
        "my-trace-42"
    );
    let own = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}"),
        &[auth],
        None,
    );
    assert!(
        own.headers.get("lean-correlation-id").is_some(),
        "one is made when none is sent"
    );
    // A `lean-trace-id` on every answer, 32 hex digits as in Lean's recordings, a new one each.
    let traces: Vec<String> = [&echoed, &own]
        .iter()
        .map(|r| {
            let v = r.headers.get("lean-trace-id").expect("lean-trace-id");
            v.to_str().unwrap().to_owned()
        })
        .collect();
    for t in &traces {
        assert!(
            t.len() == 32 && t.chars().all(|c| c.is_ascii_hexdigit()),
            "{t}"
        );
    }
    assert_ne!(traces[0], traces[1]);
    // Documented parameters are checked like Lean checks them.
    for q in [
        "async=maybe",
        "verbose=2",
        "force_refresh=yes",
        "size=0",
        "page=-1",
    ] {
        is_lean_error(
            &h.send(
                "GET",
                &format!("/data/v2/accounts?entity_id={e}&{q}"),
                &[auth],
                None,
            ),
            400,
            "INVALID_PARAMETERS",
        );
    }
    assert_eq!(
        h.send(
            "GET",
            &format!("/data/v2/accounts?entity_id={e}&verbose=true&force_refresh=true&meta=x"),
            &[auth],
            None
        )
        .status,
        200
    );
    // A customer-scoped token is for LinkSDK, not for data.
    let customer = sandbox.customers()[0].to_string();
    let linksdk = format!("Bearer {}", h.token(&format!("customer.{customer}")));
    is_lean_error(
        &h.send(
            "GET",
            &format!("/data/v2/accounts?entity_id={e}"),
            &[("authorization", &linksdk)],
            None,
        ),
        403,
        "INSUFFICIENT_ACCESS_LEVEL",
    );
    // Both credentials at once: Lean's own message.
    let both = h.send("GET", "/customers/v1", &[auth, APP], None);
    is_lean_error(&both, 400, "INVALID_PARAMETERS");
    assert!(
        both.json["message"]
            .as_str()
            .unwrap()
            .contains("Do not supply a 'lean-app-token'")
    );
}

#[test]
fn results_exist_only_for_pending_answers_and_v1_pending_is_v1_shaped() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    let e = sandbox.entities()[0].to_string();
    // A synchronous OK answer has a results_id, but Lean's results route does not know it.
    let ok = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}"),
        &[auth],
        None,
    );
    let rid = ok.json["results_id"].as_str().unwrap();
    is_lean_error(
        &h.send("GET", &format!("/data/v2/results/{rid}"), &[auth], None),
        404,
        "UNKNOWN_RESULTS_ID",
    );
    // v1 with async in the body, as the Node SDK sends JSON: PENDING in the v1 envelope.
    let pending = h.send(
        "POST",
        "/data/v1/accounts/",
        &[APP],
        Some(json!({"entity_id": e, "async": true})),
    );
    assert_eq!(pending.json["status"], "PENDING");
    assert_eq!(
        keys(&pending.json),
        ["message", "payload", "results_id", "status", "timestamp"],
        "{}",
        pending.json
    );
    // v1 with ?async=true in the query, as Lean's oldest docs.
    let q = h.send(
        "POST",
        "/data/v1/identity?async=true",
        &[APP],
        Some(json!({"entity_id": e})),
    );
    assert_eq!(q.json["status"], "PENDING");
    let id = pending.json["results_id"].as_str().unwrap();
    let mut fetched = Value::Null;
    for _ in 0..200 {
        let r = h.send("GET", &format!("/data/v1/results/{id}"), &[APP], None);
        if r.status == 200 {
            fetched = r.json;
            break;
        }
        is_lean_error(&r, 404, "UNKNOWN_RESULTS_ID");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(fetched["payload"]["accounts"].is_array(), "{fetched}");
}

#[test]
fn the_async_re_ask_of_a_running_sync_request_is_a_duplicate() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let e = sandbox.entities()[0].to_string();
    // An 80 s bank (0.8 s here): the sync request is cut by the client at 0.1 s, as a client
    // with a short timeout does, while Lean keeps working on it.
    let started = std::time::Instant::now();
    sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::SlowBank { seconds: 80 },
        1,
    ));
    let impatient = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .timeout_global(Some(Duration::from_millis(100)))
            .build(),
    );
    let cut = impatient.run(
        http::Request::builder()
            .uri(format!("{}/data/v2/accounts?entity_id={e}", h.base))
            .header("authorization", &bearer)
            .body(Vec::new())
            .unwrap(),
    );
    assert!(cut.is_err(), "the client gave up first");
    let auth = ("authorization", bearer.as_str());
    let dup = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}&async=true"),
        &[auth],
        None,
    );
    assert_eq!(dup.status, 200);
    assert_eq!(dup.json["status"], "FAILED");
    assert_eq!(
        dup.json["status_detail"]["granular_status_code"],
        "DUPLICATED_REQUEST"
    );
    // Another entity's request is not a duplicate of it.
    let other = sandbox.entities()[1].to_string();
    let fine = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={other}&async=true"),
        &[auth],
        None,
    );
    assert_eq!(fine.json["status"], "PENDING");
    // Once the bank is done, asking again works.
    std::thread::sleep(Duration::from_millis(900).saturating_sub(started.elapsed()));
    let later = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}&async=true"),
        &[auth],
        None,
    );
    assert_eq!(later.json["status"], "PENDING");
    assert!(
        sandbox.log().iter().any(|l| l.status == 499),
        "the cut request is logged as 499"
    );
}

#[test]
fn a_repeated_synchronous_request_is_a_duplicate_and_starts_no_second_job() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let bearer = format!("Bearer {}", Http::new(&sandbox).token("api"));
    let e = sandbox.entities()[0].to_string();
    // A 45 s bank (0.45 s here, under the 50 s after which Lean answers PENDING) for whichever
    // request comes first: the other comes while it is still at the bank.
    sandbox.add_fault(FaultRule::next(
        "accounts",
        FaultKind::SlowBank { seconds: 45 },
        1,
    ));
    let ask = || {
        let (h, bearer, e) = (Http::new(&sandbox), bearer.clone(), e.clone());
        std::thread::spawn(move || {
            h.send(
                "GET",
                &format!("/data/v2/accounts?entity_id={e}"),
                &[("authorization", &bearer)],
                None,
            )
        })
    };
    let (a, b) = (ask(), ask());
    let mut answers: Vec<Value> = [a, b].into_iter().map(|t| t.join().unwrap().json).collect();
    answers.sort_by_key(|v| v["status"].to_string());
    assert_eq!(answers[0]["status"], "FAILED", "{}", answers[0]);
    assert_eq!(
        answers[0]["status_detail"]["granular_status_code"],
        "DUPLICATED_REQUEST"
    );
    assert_eq!(
        answers[1]["status"], "OK",
        "the first is answered with its data"
    );
    assert!(
        answers[1]["data"]["accounts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    // One job only: the duplicate's results_id names nothing to fetch.
    let h = Http::new(&sandbox);
    let auth = [("authorization", bearer.as_str())];
    let dup_id = answers[0]["results_id"].as_str().unwrap();
    let r = h.send("GET", &format!("/data/v2/results/{dup_id}"), &auth, None);
    assert_eq!(r.json["status"], "UNKNOWN_RESULTS_ID", "{}", r.json);
    // Once it is answered, the same request is a new one.
    let again = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}"),
        &auth,
        None,
    );
    assert_eq!(again.json["status"], "OK");
}

#[test]
fn ksa_insights_are_computed_from_the_accounts() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    let e = sandbox.entities()[0].to_string();
    let get = |path: &str| {
        h.send("GET", &format!("{path}?entity_id={e}"), &[auth], None)
            .json
    };
    let balances = get("/insights/v2/assets/balances");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    shape(&balances, "", &mut ours);
    shape(
        &recorded("insights__cash-balances-ksa__ok__200.json"),
        "",
        &mut theirs,
    );
    assert_eq!(ours, theirs, "cash balances in Lean's recorded shape");
    let freelancer = get("/insights/v2/assets/freelancers/cashflows");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    shape(&freelancer, "", &mut ours);
    shape(
        &recorded("insights__freelancer-cashflow__ok__200.json"),
        "",
        &mut theirs,
    );
    assert_eq!(ours, theirs, "freelancer cashflow in Lean's recorded shape");
    let months = balances["insights"]["monthly_totals"].as_array().unwrap();
    assert!(months.len() >= 12, "a year of months");
    // The last month ends at today's balance: walked back, each month starts where the one
    // before it ended.
    let current = &balances["insights"]["total"]["current_balance"]["amount"];
    assert_eq!(
        current,
        &balances["insights"]["balance_factors"]["current_balance"]
    );
    let credit = get("/insights/v2/liabilities/credit-obligations");
    same_shape_where_lean_had_values(
        &credit,
        &recorded("insights__credit-obligations__ok__200.json"),
        "credit obligations",
        &[],
    );
    let repaid = &credit["insights"]["total"]["loan_repayments"];
    assert!(
        repaid["count"].as_u64().unwrap() > 0,
        "the world's mortgage and loan are repaid: {repaid}"
    );
    let non_credit = get("/insights/v2/liabilities/non-credit-obligations");
    same_shape_where_lean_had_values(
        &non_credit,
        &recorded("insights__non-credit-obligations__ok__200.json"),
        "non-credit obligations",
        &[],
    );
    let first = &non_credit["insights"]["total"]["breakdown"][0]["breakdowns"][0];
    assert!(
        first["maximum_monthly_amount"]["month"]
            .as_str()
            .is_some_and(|m| m.chars().all(char::is_alphabetic)),
        "month names: {first}"
    );
    let employment = get("/insights/v2/income/employment");
    same_shape_where_lean_had_values(
        &employment,
        &recorded("insights__employment-ksa__ok__200.json"),
        "employment",
        &[],
    );
    let employer = &employment["insights"]["employment_details"][0];
    assert!(
        employer["bank_employer_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{employer}"
    );
    let cashflows = get("/insights/v2/assets/cashflows");
    assert_eq!(
        cashflows["insights"]["credit_debit_behaviour"]["periods"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(
        !cashflows["insights"]["monthly_totals"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let income = h
        .send(
            "POST",
            "/insights/v2/income",
            &[auth],
            Some(json!({"entity_id": e})),
        )
        .json;
    assert_eq!(
        income["insights"]["salary"]["income_factors"]["periods"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn v1_failures_keep_the_v1_envelope() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let e = sandbox.entities()[0].to_string();
    sandbox.add_fault(FaultRule::next(
        "v1-accounts",
        FaultKind::Failed {
            granular_status_code: "BANK_ISSUE".into(),
        },
        1,
    ));
    let r = h.send(
        "POST",
        "/data/v1/accounts",
        &[APP],
        Some(json!({"entity_id": e})),
    );
    assert_eq!(r.json["status"], "FAILED");
    assert!(
        r.json.get("payload").is_some() && r.json.get("data").is_none(),
        "{}",
        r.json
    );
    assert_eq!(
        r.json["status_detail"]["granular_status_code"],
        "BANK_ISSUE"
    );
}

#[test]
fn name_verification_answers_in_lean_s_recorded_shape() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let e = sandbox.entities()[0].to_string();
    let r = h.send(
        "POST",
        "/insights/v1/name-verification",
        &[APP],
        Some(json!({"entity_id": e, "full_name": "Michael Garry Scott"})),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    let lean = recorded(
        "verifications__name-verification-verify-name__name-verification-perfect-match__200.json",
    );
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    shape(&r.json, "", &mut ours);
    shape(&lean, "", &mut theirs);
    assert_eq!(
        ours, theirs,
        "field paths and JSON types as Lean records them"
    );
}

#[test]
fn banks_answer_in_lean_s_recorded_shape() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let r = h.send("GET", "/banks/v1/?account_types=PERSONAL", &[APP], None);
    assert_eq!(r.status, 200, "{}", r.json);
    let lean = recorded("banks__list-banks__list-banks__200.json");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    shape(&r.json, "", &mut ours);
    shape(&lean, "", &mut theirs);
    assert_eq!(
        ours, theirs,
        "field paths and JSON types as Lean records them"
    );
}

#[test]
fn insights_are_computed_from_start_date_on() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    let e = sandbox.entities()[0].to_string();
    // The emulator's "today" is fixed: two months before it.
    let since = (lean_sandbox::world::today() - chrono::Duration::days(62)).to_string();
    let months = |path: &str, start: Option<&str>| {
        let q = start.map_or(String::new(), |d| format!("&start_date={d}"));
        let r = h.send("GET", &format!("{path}?entity_id={e}{q}"), &[auth], None);
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["insights"]["monthly_totals"]
            .as_array()
            .unwrap()
            .len()
    };
    for path in [
        "/insights/v2/assets/balances",
        "/insights/v2/assets/freelancers/cashflows",
        "/insights/v2/liabilities/non-credit-obligations",
    ] {
        let (all, recent) = (months(path, None), months(path, Some(&since)));
        assert!(all >= 12, "{path}: {all} months in all");
        assert!(
            (1..=3).contains(&recent),
            "{path}: {recent} months since {since}"
        );
    }
    // Income takes it in its JSON body.
    let salaries = |start: Option<&str>| {
        let mut body = json!({ "entity_id": e });
        if let Some(d) = start {
            body["start_date"] = json!(d);
        }
        let r = h.send("POST", "/insights/v2/income", &[auth], Some(body));
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["insights"]["salary"]["transactions"]
            .as_array()
            .unwrap()
            .len()
    };
    assert!(salaries(Some(&since)) < salaries(None));
}

#[test]
fn a_larger_world_on_request() {
    let sandbox = Sandbox::start(SandboxConfig {
        entities: 250,
        ..fast()
    })
    .unwrap();
    assert_eq!(sandbox.customers().len(), 250);
    let entities = sandbox.entities();
    assert_eq!(entities.len(), 250);
    let mut ids: Vec<String> = entities.iter().map(|e| e.to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 250, "each entity its own id");
    // The last one is as real as the first: its accounts are served.
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let last = entities.last().unwrap();
    let r = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={last}"),
        &[("authorization", bearer.as_str())],
        None,
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert!(!r.json["data"]["accounts"].as_array().unwrap().is_empty());
}

#[test]
fn errors_are_worded_as_lean_words_them() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = ("authorization", bearer.as_str());
    let e = sandbox.entities()[0].to_string();
    let a = sandbox.accounts(&sandbox.entities()[0])[0].to_string();
    let nobody = "00000000-0000-4000-8000-000000000000";
    let message = |r: &Reply| r.json["message"].as_str().unwrap_or_default().to_owned();
    let lean = |name: &str| recorded(name)["message"].as_str().unwrap().to_owned();

    let unknown_entity = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={nobody}"),
        &[auth],
        None,
    );
    assert_eq!(
        message(&unknown_entity),
        lean("data__raw-data-v2-accounts-get-accounts-get-accounts__entity-not-found__404.json")
    );
    let unknown_account = h.send(
        "GET",
        &format!("/data/v2/accounts/{nobody}/balances?entity_id={e}"),
        &[auth],
        None,
    );
    assert_eq!(
        message(&unknown_account),
        lean(
            "data__raw-data-v2-accounts-account-id-balances-get-balances__account-or-entity-not-found__404.json"
        )
    );
    // Lean names the field and the value it refused, and ends with a full stop.
    let bad = h.send(
        "GET",
        &format!("/data/v2/accounts/{a}/balances?entity_id={e}&page=-1"),
        &[auth],
        None,
    );
    let recorded_bad =
        lean("data__raw-data-v2-accounts-account-id-balances-get-balances__bad-request__400.json");
    let prefix = recorded_bad.split(", field: ").next().unwrap();
    assert!(
        message(&bad).starts_with(&format!("{prefix}, field: page, value: -1")),
        "{}",
        message(&bad)
    );
    assert!(message(&bad).ends_with('.'), "{}", message(&bad));
    sandbox.add_fault(FaultRule::next(
        "balances",
        FaultKind::ServerError { status: 500 },
        1,
    ));
    let failed = h.send(
        "GET",
        &format!("/data/v2/accounts/{a}/balances?entity_id={e}"),
        &[auth],
        None,
    );
    assert_eq!(failed.status, 500);
    assert_eq!(
        message(&failed),
        lean(
            "data__raw-data-v2-accounts-account-id-balances-get-balances__internal-server-error__500.json"
        )
    );
}
