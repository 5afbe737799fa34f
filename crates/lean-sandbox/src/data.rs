//! The data routes and the asynchronous flow: v2 data, insights, name verification, v1 data,
//! and results. Every data request draws a bank latency; `async=true` answers PENDING at once;
//! a synchronous request slower than `pending_after` answers PENDING at that moment; the job
//! finishes at its latency and `results.ready` goes out. Only a PENDING answer's `results_id`
//! can be fetched from `…/results/{id}` afterwards, as with Lean. Where a PENDING answer is
//! made: [`serve_data`].

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::auth::{Caller, authenticate};
use crate::faults::FaultKind;
use crate::render::*;
use crate::respond::*;
use crate::state::{Ent, Inner, Job, Spec};
use crate::webhooks;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use lean_proto::model::data::Collection;
use lean_proto::*;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

type Shared = State<Arc<Inner>>;

fn collection<T: Collection>(
    items: &[T],
    page: u32,
    size: u32,
    results_id: &str,
    account_id: Option<Option<String>>,
) -> Vec<u8> {
    data_body(
        page_of(items, page, size),
        page_info(page, size, items.len()),
        results_id,
        account_id,
    )
}

fn data_body<T: Collection>(
    slice: &[T],
    page: lean_proto::PageInfo,
    results_id: &str,
    account_id: Option<Option<String>>,
) -> Vec<u8> {
    let env = DataEnvelope {
        status: "OK",
        results_id,
        message: "Data successfully retrieved",
        meta: None,
        timestamp: now_stamp(),
        status_detail: None,
        refreshed_at: Some(now_stamp()),
        kind: Some(T::TYPE),
        data: Some(DataObject {
            kind: T::TYPE,
            key: T::KEY,
            items: slice,
            page,
            account_id,
        }),
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

fn insights_body<T: Serialize>(value: &T, kind: Option<&str>, results_id: &str) -> Vec<u8> {
    let env = InsightsEnvelope {
        status: "OK",
        results_id,
        message: "Data successfully retrieved",
        meta: None,
        timestamp: now_stamp(),
        status_detail: None,
        kind,
        insights: Some(value),
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

fn v1_body<T: Serialize>(
    status: &str,
    message: &str,
    value: Option<&T>,
    results_id: &str,
) -> Vec<u8> {
    let env = V1Envelope {
        status,
        results_id,
        message,
        timestamp: now_stamp(),
        payload: value,
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

/// Name verification as Lean's UAE recording (2025-12) answers it: the result under `data`
/// with its `type`, `type` again at the top, `meta` and `status_detail` null. (Lean's older
/// docs show it under `payload`; clients read both.)
fn name_verification_body(mut result: serde_json::Value, results_id: &str) -> Vec<u8> {
    if let Some(fields) = result.as_object_mut() {
        fields.insert("type".into(), "name-verification".into());
    }
    let body = serde_json::json!({
        "status": "OK",
        "results_id": results_id,
        "message": "Name verification completed successfully",
        "meta": null,
        "timestamp": now_stamp(),
        "status_detail": null,
        "data": result,
        "type": "name-verification",
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

const PENDING_MESSAGE: &str = "Please wait for a webhook or try again later.";

fn pending_body(results_id: &str, v1: bool) -> Vec<u8> {
    if v1 {
        return v1_body::<()>("PENDING", PENDING_MESSAGE, None, results_id);
    }
    let env: DataEnvelope<'_, ()> = DataEnvelope {
        status: "PENDING",
        results_id,
        message: PENDING_MESSAGE,
        meta: None,
        timestamp: now_stamp(),
        status_detail: None,
        refreshed_at: None,
        kind: None,
        data: None,
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

fn failed_body(results_id: &str, code: &str, info: &str, v1: bool) -> Vec<u8> {
    if v1 {
        // The v1 envelope (`payload`), with the granular code where v2 has it.
        return serde_json::to_vec(&serde_json::json!({
            "status": "FAILED",
            "results_id": results_id,
            "message": "The bank could not provide the data",
            "timestamp": now_stamp(),
            "payload": null,
            "status_detail": {"granular_status_code": code, "status_additional_info": info},
        }))
        .unwrap_or_default();
    }
    let env: DataEnvelope<'_, ()> = DataEnvelope {
        status: "FAILED",
        results_id,
        message: "The bank could not provide the data",
        meta: None,
        timestamp: now_stamp(),
        status_detail: Some(StatusDetail {
            granular_status_code: code,
            status_additional_info: info,
        }),
        refreshed_at: None,
        kind: None,
        data: None,
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

fn reconnect_body(results_id: &str, reconnect_id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "status": "RECONNECT_REQUIRED",
        "payload": {"reconnect_id": reconnect_id, "type": "reconnect"},
        "results_id": results_id,
        "message": "User input is required to reconnect with the bank",
        "timestamp": now_stamp(),
    }))
    .unwrap_or_default()
}

/// Renders the answer of a finished job for page/size.
fn render(inner: &Inner, job: &Job, results_id: &str, page: u32, size: u32) -> Vec<u8> {
    if let Some(code) = &job.failed {
        return failed_body(
            results_id,
            code,
            "Injected by lean-sandbox",
            job.spec.is_v1(),
        );
    }
    let w = &inner.world;
    let v1_ok = "Data successfully retrieved";
    match &job.spec {
        Spec::Accounts(e) => collection(&w.accounts(e), page, size, results_id, None),
        Spec::Balances(e, a) => collection(
            &w.balances(e, &e.accounts[*a]),
            page,
            size,
            results_id,
            None,
        ),
        Spec::Transactions { e, a, start, end } => {
            let account = &e.accounts[*a];
            let range = w.transaction_range(account, *start, *end);
            let total = range.len();
            let from = range.start + (page as usize).saturating_mul(size as usize).min(total);
            let to = (from + size as usize).min(range.end);
            let items: Vec<_> = (from..to).map(|i| w.transaction(e, account, i)).collect();
            data_body(&items, page_info(page, size, total), results_id, None)
        }
        Spec::Beneficiaries(e, a) => collection(
            &w.beneficiaries(&e.accounts[*a]),
            page,
            size,
            results_id,
            None,
        ),
        Spec::AccountIdentities(e, a) => collection(
            &w.account_identities(e),
            page,
            size,
            results_id,
            Some(Some(e.accounts[*a].id.to_string())),
        ),
        Spec::DirectDebits(e, a) => collection(
            &w.direct_debits(&e.accounts[*a]),
            page,
            size,
            results_id,
            None,
        ),
        Spec::ScheduledPayments(e, a) => collection(
            &w.scheduled_payments(&e.accounts[*a]),
            page,
            size,
            results_id,
            None,
        ),
        Spec::StandingOrders(e, a) => collection(
            &w.standing_orders(&e.accounts[*a]),
            page,
            size,
            results_id,
            None,
        ),
        Spec::Identity(e) => collection(&w.identity(e), page, size, results_id, Some(None)),
        Spec::Income(e) => insights_body(&w.income(e), Some("income"), results_id),
        Spec::Expenses(e) => insights_body(&w.expenses(e), Some("expenses"), results_id),
        Spec::Cashflows(e) => insights_body(&w.cashflows(e), None, results_id),
        Spec::CashBalances(e) => insights_body(&w.cash_balances(e), None, results_id),
        Spec::CreditObligations(e) => insights_body(
            &w.credit_obligations(e),
            Some("credits-obligations"),
            results_id,
        ),
        Spec::NonCreditObligations(e) => insights_body(
            &w.non_credit_obligations(e),
            Some("non-credits-obligations"),
            results_id,
        ),
        Spec::Employment(e) => insights_body(&w.employment(e), Some("employment"), results_id),
        Spec::FreelancerCashflow(e) => insights_body(
            &w.freelancer_cashflow(e),
            Some("freelancer-cashflow"),
            results_id,
        ),
        Spec::NameVerification { e, name } => name_verification_body(
            serde_json::to_value(w.name_verification(e, name)).unwrap_or_default(),
            results_id,
        ),
        Spec::V1Identity(e) => {
            let i = &w.identity(e)[0];
            v1_body(
                "OK",
                v1_ok,
                Some(
                    &serde_json::json!({"full_name": i.full_legal_name, "mobile_number": i.mobile_number, "gender": null, "national_identity_number": i.national_id, "birth_date": "1990-01-22", "email_address": i.email_address, "address": "1201, Sheikh Zayed Road, Dubai, UAE"}),
                ),
                results_id,
            )
        }
        Spec::V1Accounts(e) => {
            let accounts: Vec<_> = e.accounts.iter().map(|a| serde_json::json!({"account_id": a.id.to_string(), "name": format!("{} Account", a.sub_type), "currency_code": "AED", "type": a.sub_type.as_str(), "iban": a.iban, "account_number": &a.iban[4..], "credit": null})).collect();
            v1_body(
                "OK",
                v1_ok,
                Some(&serde_json::json!({ "accounts": accounts })),
                results_id,
            )
        }
        Spec::V1Balance(e, a) => {
            let account = &e.accounts[*a];
            let b = &w.balances(e, account)[0];
            let body = {
                let mut v = lean_proto::model::v1::V1Balance::default();
                v.balance = b.amount.amount;
                v.currency_code = Some(Currency::aed());
                v.account_id = Some(account.id.clone());
                v.account_name = Some(format!("{} Account", account.sub_type));
                v.account_type = Some(account.sub_type.to_string());
                v.kind = Some("AVAILABLE".into());
                v
            };
            v1_body("OK", v1_ok, Some(&body), results_id)
        }
        Spec::V1Transactions(e, a) => {
            let account = &e.accounts[*a];
            let txs: Vec<_> = (0..account.transactions.min(500))
                .map(|i| {
                    let t = w.transaction(e, account, i);
                    let signed = if t.credit_debit_indicator == Some(CreditDebitIndicator::Debit) {
                        -t.amount.amount
                    } else {
                        t.amount.amount
                    };
                    {
                        let mut v = lean_proto::model::v1::V1Transaction::default();
                        v.id = t.transaction_id;
                        v.description = t.transaction_information;
                        v.amount = signed;
                        v.currency_code = Some(Currency::aed());
                        v.index = t.index;
                        v.pending = Some(false);
                        v.timestamp = t.booking_date_time;
                        v.insights = None;
                        v
                    }
                })
                .collect();
            v1_body(
                "OK",
                v1_ok,
                Some(&{
                    let mut v = lean_proto::model::v1::V1Transactions::default();
                    v.transactions = txs;
                    v
                }),
                results_id,
            )
        }
    }
}

/// What one data request asks: the route (for fault rules and the duplicate key), what to
/// compute, and the request's own parameters.
pub struct Ask {
    pub route: &'static str,
    pub spec: Spec,
    /// Identifies "the same request" for `DUPLICATED_REQUEST` (route, entity, account, the
    /// parameters that change the data; not page or async).
    pub key: String,
    pub asynchronous: bool,
    pub page: u32,
    pub size: u32,
}

/// The asynchronous flow, in one place (see the module docs).
pub async fn serve_data(inner: Arc<Inner>, ask: Ask) -> Response {
    let Ask {
        route,
        spec,
        key,
        asynchronous,
        page,
        size,
    } = ask;
    let fault = inner.draw_fault(route, false);
    let webhook_fault = inner.draw_fault(route, true);
    if let Some(response) = fault_response(fault.as_ref()).await {
        return response;
    }
    let start = Instant::now();
    let results_id = inner.new_id();
    // Lean refuses a request while the same one is still running at the bank, synchronous or
    // not: typically the re-ask of a synchronous request whose client timed out (the 50-second
    // trap). No second job is started.
    {
        let mut m = inner.lock();
        m.running_sync.retain(|_, until| *until > start);
        if m.running_sync.contains_key(&key) {
            drop(m);
            return finish_body(
                fault,
                failed_body(
                    &results_id,
                    "DUPLICATED_REQUEST",
                    "The same request is already being processed. Please wait about a minute before trying again.",
                    spec.is_v1(),
                ),
            );
        }
    }
    let bank = match &fault {
        Some(FaultKind::SlowBank { seconds }) => Duration::from_secs(*seconds),
        _ => inner.latency(),
    };
    let latency = inner.config.real(bank);
    let v1 = spec.is_v1();
    let job = Job {
        spec,
        ready_at: start + latency,
        failed: match &fault {
            Some(FaultKind::Failed {
                granular_status_code,
            }) => Some(granular_status_code.clone()),
            _ => None,
        },
        reconnect: matches!(fault, Some(FaultKind::ReconnectRequired)),
    };
    let pending_after = inner.config.real(inner.config.pending_after);
    let goes_pending = asynchronous || latency > pending_after;
    if job.reconnect {
        // The results follow the reconnection; they can be fetched with this id.
        inner.lock().remember_job(results_id.clone(), job.clone());
        return json_response(StatusCode::OK, reconnect_body(&results_id, &inner.new_id()));
    }
    let body = if goes_pending {
        {
            let mut m = inner.lock();
            m.remember_job(results_id.clone(), job.clone());
            if !asynchronous {
                m.running_sync.insert(key, job.ready_at);
            }
        }
        webhooks::schedule_results_ready(
            inner.clone(),
            results_id.clone(),
            job.ready_at,
            webhook_fault.clone(),
        );
        let mut answer_at = if asynchronous {
            start
        } else {
            start + pending_after
        };
        if webhook_fault == Some(FaultKind::WebhookEarly) {
            // The webhook leaves before this answer does.
            answer_at = answer_at.max(
                job.ready_at
                    + inner
                        .config
                        .real(Duration::from_millis(500))
                        .max(Duration::from_millis(50)),
            );
        }
        sleep_until(answer_at).await;
        pending_body(&results_id, v1)
    } else {
        inner.lock().running_sync.insert(key.clone(), job.ready_at);
        sleep_until(job.ready_at).await;
        inner.lock().running_sync.remove(&key);
        render(&inner, &job, &results_id, page, size)
    };
    let mut answer = finish_body(fault, body);
    answer.extensions_mut().insert(crate::state::LogTag {
        results_id: Some(results_id),
        pending: goes_pending,
    });
    answer
}

async fn results(inner: Arc<Inner>, id: String, page: u32, size: u32) -> Response {
    if ResultsId::parse(&id).is_err() {
        return bad_param("results_id", &id);
    }
    let fault = inner.draw_fault("results", false);
    if let Some(response) = fault_response(fault.as_ref()).await {
        return response;
    }
    let job = inner.lock().results.get(&id).cloned();
    match job {
        Some(job) if Instant::now() >= job.ready_at => {
            finish_body(fault, render(&inner, &job, &id, page, size))
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "UNKNOWN_RESULTS_ID",
            "The results_id provided has not been recognized by Lean or has not been processed yet",
            Some(&id),
        ),
    }
}

/// Parameters Lean documents for the data routes; an unknown value is Lean's 400. `meta` is
/// free text (Lean stores it with the request), `verbose` and `force_refresh` are booleans.
fn data_flags(q: &Q) -> Result<bool, Response> {
    flag(q, "verbose")?;
    flag(q, "force_refresh")?;
    flag(q, "async")
}

/// `GET /data/v2/accounts` and `GET /data/v2/identity`: entity-level collections.
pub async fn entity_data(
    State(inner): Shared,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity(&inner, q.get("entity_id"))?;
        let (page, size) = paging(&q)?;
        let asynchronous = data_flags(&q)?;
        let key = format!("{}:{}", uri.path(), e.id);
        let (route, spec) = match uri.path() {
            "/data/v2/identity" => ("identity", Spec::Identity(e)),
            _ => ("accounts", Spec::Accounts(e)),
        };
        let ask = Ask {
            route,
            spec,
            key,
            asynchronous,
            page,
            size,
        };
        Ok::<_, Response>(serve_data(inner.clone(), ask).await)
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /data/v2/accounts/{account_id}/{kind}`.
pub async fn account_data(
    State(inner): Shared,
    headers: HeaderMap,
    Path((account_id, kind)): Path<(String, String)>,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity(&inner, q.get("entity_id"))?;
        let a = account(&e, &account_id)?;
        let (page, size) = paging(&q)?;
        let asynchronous = data_flags(&q)?;
        let mut key = format!("{kind}:{}:{account_id}", e.id);
        let (route, spec): (&'static str, Spec) = match kind.as_str() {
            "balances" => ("balances", Spec::Balances(e, a)),
            "transactions" => {
                let (start, end) = (date(&q, "start_date")?, date(&q, "end_date")?);
                if let (Some(s), Some(t)) = (start, end)
                    && s > t
                {
                    return Err(bad_param("end_date", &t.to_string()));
                }
                key.push_str(&format!(":{start:?}:{end:?}"));
                ("transactions", Spec::Transactions { e, a, start, end })
            }
            "beneficiaries" => ("beneficiaries", Spec::Beneficiaries(e, a)),
            "identities" => ("identities", Spec::AccountIdentities(e, a)),
            "direct-debits" => ("direct-debits", Spec::DirectDebits(e, a)),
            "scheduled-payments" => ("scheduled-payments", Spec::ScheduledPayments(e, a)),
            "standing-orders" => ("standing-orders", Spec::StandingOrders(e, a)),
            _ => return Err(invalid_url()),
        };
        let ask = Ask {
            route,
            spec,
            key,
            asynchronous,
            page,
            size,
        };
        Ok::<_, Response>(serve_data(inner.clone(), ask).await)
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /data/v2/results/{results_id}`.
pub async fn results_v2(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let (page, size) = paging(&q)?;
        Ok::<_, Response>(results(inner.clone(), id, page, size).await)
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /data/v1/results/{results_id}`.
pub async fn results_v1(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::V1) {
        return r;
    }
    results(inner.clone(), id, 0, 100).await
}

/// `POST /insights/v2/income` (JSON body; `async` in the query, as Lean documents it).
pub async fn income(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<Q>,
    body: Bytes,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let b = json_body(&body)?;
        let e = body_entity(&inner, &b)?;
        let start = match body_str(&b, "start_date") {
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|_| bad_param("start_date", &d))?,
            ),
            None => None,
        };
        let key = format!("income:{}:{start:?}", e.id);
        let e = match start {
            Some(d) => std::sync::Arc::new(e.since(d)),
            None => e,
        };
        let ask = Ask {
            route: "income",
            key,
            spec: Spec::Income(e),
            asynchronous: flag(&q, "async")?,
            page: 0,
            size: 50,
        };
        Ok::<_, Response>(serve_data(inner.clone(), ask).await)
    };
    match go.await {
        Ok(r) => r,
        Err(refused) => without_results_id(refused).await,
    }
}

/// The GET insights routes (UAE and KSA).
pub async fn insights(
    State(inner): Shared,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity(&inner, q.get("entity_id"))?;
        // Insights over the transactions from `start_date` on, as Lean computes them.
        let start = date(&q, "start_date")?;
        let key = format!("{}:{}:{start:?}", uri.path(), e.id);
        let e = match start {
            Some(d) => std::sync::Arc::new(e.since(d)),
            None => e,
        };
        let (route, spec): (&'static str, Spec) = match uri.path() {
            "/insights/v2/expenses" => ("expenses", Spec::Expenses(e)),
            "/insights/v2/assets/cashflows" => ("cashflows", Spec::Cashflows(e)),
            "/insights/v2/assets/balances" => ("cash-balances", Spec::CashBalances(e)),
            "/insights/v2/liabilities/credit-obligations" => {
                ("credit-obligations", Spec::CreditObligations(e))
            }
            "/insights/v2/liabilities/non-credit-obligations" => {
                ("non-credit-obligations", Spec::NonCreditObligations(e))
            }
            "/insights/v2/income/employment" => ("employment", Spec::Employment(e)),
            "/insights/v2/assets/freelancers/cashflows" => {
                ("freelancer-cashflow", Spec::FreelancerCashflow(e))
            }
            _ => return Err(invalid_url()),
        };
        let ask = Ask {
            route,
            spec,
            key,
            asynchronous: flag(&q, "async")?,
            page: 0,
            size: 50,
        };
        Ok::<_, Response>(serve_data(inner.clone(), ask).await)
    };
    match go.await {
        Ok(r) => r,
        Err(refused) => without_results_id(refused).await,
    }
}

/// `async` of a v1 or name-verification request: the JSON body's (a boolean, or the string
/// Lean's own examples send), else the query's.
fn v1_async(body: &serde_json::Value, q: &Q) -> Result<bool, Response> {
    match body.get("async") {
        None | Some(serde_json::Value::Null) => flag(q, "async"),
        Some(serde_json::Value::Bool(b)) => Ok(*b),
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(bad_param("async", &v.to_string())),
    }
}

/// `POST /insights/v1/name-verification` with `{entity_id, full_name, async?}`.
pub async fn name_verification(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<Q>,
    body: Bytes,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let b = json_body(&body)?;
        let e = body_entity(&inner, &b)?;
        let name = body_str(&b, "full_name").ok_or_else(|| missing("full_name"))?;
        // Lean's constraints: two words or more, letters and ' , . - and spaces only.
        let allowed = |c: char| c.is_alphabetic() || " ',.-".contains(c);
        if name.split_whitespace().count() < 2 || !name.chars().all(allowed) {
            return Err(bad_param("full_name", &name));
        }
        let ask = Ask {
            route: "name-verification",
            key: format!("name-verification:{}:{name}", e.id),
            spec: Spec::NameVerification { e, name },
            asynchronous: v1_async(&b, &q)?,
            page: 0,
            size: 50,
        };
        Ok::<_, Response>(serve_data(inner.clone(), ask).await)
    };
    go.await.unwrap_or_else(|r| r)
}

/// `POST /data/v1/{identity,accounts,balance,transactions}` with a JSON body.
pub async fn v1_data(
    State(inner): Shared,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Query(q): Query<Q>,
    body: Bytes,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V1)?;
        let b = json_body(&body)?;
        let e: Ent = body_entity(&inner, &b)?;
        let account = || -> Result<usize, Response> {
            let raw = body_str(&b, "account_id").ok_or_else(|| missing("account_id"))?;
            account(&e, &raw)
        };
        let mut key = format!("v1-{kind}:{}", e.id);
        let (route, spec): (&'static str, Spec) = match kind.as_str() {
            "identity" => ("v1-identity", Spec::V1Identity(e.clone())),
            "accounts" => ("v1-accounts", Spec::V1Accounts(e.clone())),
            "balance" => {
                let a = account()?;
                key.push_str(&format!(":{a}"));
                ("v1-balance", Spec::V1Balance(e.clone(), a))
            }
            "transactions" => {
                let a = account()?;
                key.push_str(&format!(":{a}"));
                ("v1-transactions", Spec::V1Transactions(e.clone(), a))
            }
            _ => return Err(invalid_url()),
        };
        let ask = Ask {
            route,
            spec,
            key,
            asynchronous: v1_async(&b, &q)?,
            page: 0,
            size: 100,
        };
        Ok::<_, Response>(serve_data(inner.clone(), ask).await)
    };
    go.await.unwrap_or_else(|r| r)
}
