//! The HTTP side: routes, auth, the asynchronous flow, faults, and the `/_sandbox/` control API.

// Handlers bail out early with the error response itself (`Result<_, Response>`); the size of
// an `http::Response` on the error path costs nothing that matters in an emulator.
#![allow(clippy::result_large_err)]

use crate::config::SandboxConfig;
use crate::faults::{FaultKind, FaultRule};
use crate::render::*;
use crate::webhooks::{self, Delivery};
use crate::world::{AccountRec, EntityRec, World};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use lean_proto::model::data::Collection;
use lean_proto::rng::Rng;
use lean_proto::*;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What a data request asks for; results are computed from it when fetched.
#[derive(Debug, Clone)]
pub enum Spec {
    Accounts(usize),
    Balances(usize, usize),
    Transactions {
        e: usize,
        a: usize,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    },
    Beneficiaries(usize, usize),
    AccountIdentities(usize, usize),
    DirectDebits(usize, usize),
    ScheduledPayments(usize, usize),
    StandingOrders(usize, usize),
    Identity(usize),
    Income(usize),
    Expenses(usize),
    Cashflows(usize),
    RawInsights(usize, &'static str),
    V1Identity(usize),
    V1Accounts(usize),
    V1Balance(usize, usize),
    V1Transactions(usize, usize),
}

#[derive(Debug, Clone)]
struct Job {
    spec: Spec,
    ready_at: Instant,
    failed: Option<String>,
    reconnect: bool,
}

/// One line of the request log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Milliseconds since start.
    pub at_ms: u64,
    /// `request` or `webhook`.
    pub kind: &'static str,
    /// Method and path, or webhook type and id.
    pub what: String,
    /// HTTP status answered (request) or received (webhook; 0 when it failed to deliver).
    pub status: u16,
    /// Fault applied, or delivery error.
    pub note: Option<String>,
}

struct Mutable {
    rng: Rng,
    tokens: HashMap<String, Instant>,
    results: HashMap<String, Job>,
    results_order: VecDeque<String>,
    refreshes: Vec<lean_proto::Refresh>,
    faults: Vec<FaultRule>,
    log: VecDeque<LogEntry>,
    events: VecDeque<(String, Vec<u8>)>,
    seq: u64,
}

/// State shared by every request.
pub struct Inner {
    pub(crate) config: SandboxConfig,
    pub(crate) world: World,
    m: Mutex<Mutable>,
    pub(crate) started: Instant,
    pub(crate) webhook_url: Mutex<Option<String>>,
    pub(crate) delivery: Delivery,
}

const LOG_LIMIT: usize = 10_000;
/// Results kept for fetching; the oldest are forgotten first (Lean's retention is not
/// documented; this bounds memory under load).
const RESULTS_LIMIT: usize = 100_000;

impl Mutable {
    fn remember_job(&mut self, id: String, job: Job) {
        if self.results_order.len() == RESULTS_LIMIT
            && let Some(old) = self.results_order.pop_front()
        {
            self.results.remove(&old);
        }
        self.results_order.push_back(id.clone());
        self.results.insert(id, job);
    }
}

impl Inner {
    pub(crate) fn new(config: SandboxConfig) -> Arc<Self> {
        let world = World::generate(config.seed, config.transactions);
        Arc::new(Inner {
            m: Mutex::new(Mutable {
                rng: Rng::new(config.seed ^ 0x5eed),
                tokens: HashMap::new(),
                results: HashMap::new(),
                results_order: VecDeque::new(),
                refreshes: Vec::new(),
                faults: config.faults.clone(),
                log: VecDeque::new(),
                events: VecDeque::new(),
                seq: 0,
            }),
            webhook_url: Mutex::new(config.webhook_url.clone()),
            delivery: Delivery::new(),
            started: Instant::now(),
            world,
            config,
        })
    }

    pub(crate) fn add_fault(&self, rule: FaultRule) {
        self.lock().faults.insert(0, rule);
    }

    pub(crate) fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    pub(crate) fn log_entries(&self) -> Vec<LogEntry> {
        self.lock().log.iter().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mutable> {
        self.m.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn log(&self, kind: &'static str, what: String, status: u16, note: Option<String>) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        let mut m = self.lock();
        if m.log.len() == LOG_LIMIT {
            m.log.pop_front();
        }
        m.log.push_back(LogEntry {
            at_ms,
            kind,
            what,
            status,
            note,
        });
    }

    pub(crate) fn remember_event(&self, event_id: String, body: Vec<u8>) {
        let mut m = self.lock();
        if m.events.len() == 1000 {
            m.events.pop_front();
        }
        m.events.push_back((event_id, body));
    }

    fn new_id(&self) -> String {
        let mut m = self.lock();
        m.seq += 1;
        let a = m.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            m.seq & 0xfff,
            m.rng.next_u64() & 0xffff_ffff_ffff
        )
    }

    /// Draws the fault for a request on `route` (webhook faults excluded unless asked).
    fn draw_fault(&self, route: &str, webhook: bool) -> Option<FaultKind> {
        let mut m = self.lock();
        let Mutable { rng, faults, .. } = &mut *m;
        let mut hit = None;
        for (i, rule) in faults.iter_mut().enumerate() {
            if rule.is_webhook_fault() != webhook || !rule.matches(route) {
                continue;
            }
            let draw = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            if draw < rule.probability {
                if let Some(c) = rule.count.as_mut() {
                    *c = c.saturating_sub(1);
                }
                hit = Some((i, rule.kind.clone()));
                break;
            }
        }
        let (i, kind) = hit?;
        if faults[i].count == Some(0) {
            faults.remove(i);
        }
        Some(kind)
    }

    fn latency(&self) -> Duration {
        let l = self.config.bank_latency;
        let span = l.max.saturating_sub(l.min).as_millis() as u64;
        let extra = self.lock().rng.below_or_eq(span);
        l.min + Duration::from_millis(extra)
    }
}

type Shared = State<Arc<Inner>>;

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("lean-correlation-id", correlation())
        .body(Body::from(body))
        .unwrap_or_default()
}

fn correlation() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "sbx{:013}",
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

fn error(status: StatusCode, code: &str, message: &str, results_id: Option<&str>) -> Response {
    // Lean's data-route errors carry the request's results_id; every request gets one.
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let fresh = format!(
        "516adc40-0000-4000-8000-{:012x}",
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let body = ErrorBody {
        results_id: Some(results_id.unwrap_or(&fresh)),
        timestamp: now_stamp(),
        status: code,
        message,
        metadata: None,
    };
    json_response(status, serde_json::to_vec(&body).unwrap_or_default())
}

fn reset_response() -> Response {
    // A body that fails after the headers: hyper aborts the connection mid-response.
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("injected reset"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}

const BAD_PARAMS: &str =
    "The request is badly formatted or a parameter of the wrong type has been provided";

/// Which credential a request carries.
enum Caller {
    V2,
    V1,
}

fn authenticate(inner: &Inner, headers: &HeaderMap, want: Caller) -> Result<(), Response> {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    let app = headers.get("lean-app-token").and_then(|v| v.to_str().ok());
    if bearer.is_some() && app.is_some() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "Do not supply a 'lean-app-token' header when providing an 'Authorization' header",
            None,
        ));
    }
    match want {
        Caller::V2 => {
            let token = bearer.and_then(|b| b.strip_prefix("Bearer ")).unwrap_or("");
            let ok = inner
                .lock()
                .tokens
                .get(token)
                .is_some_and(|exp| Instant::now() < *exp);
            if ok {
                Ok(())
            } else {
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    "Missing, invalid or expired access token",
                    None,
                ))
            }
        }
        Caller::V1 => {
            if app == Some(inner.config.app_token.as_str()) {
                Ok(())
            } else {
                Err(error(
                    StatusCode::UNAUTHORIZED,
                    "UNAUTHORIZED",
                    "Missing or invalid lean-app-token",
                    None,
                ))
            }
        }
    }
}

type Q = HashMap<String, String>;

fn entity_index(inner: &Inner, raw: Option<&String>) -> Result<usize, Response> {
    let raw = raw.ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            "MISSING_PARAMETERS",
            "Required parameter is missing, field: entity_id",
            None,
        )
    })?;
    let id = EntityId::parse(raw).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("{BAD_PARAMS}, field: entity_id, value: {raw}"),
            None,
        )
    })?;
    inner
        .world
        .entities
        .iter()
        .position(|e| e.id == id)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "UNKNOWN_ENTITY",
                "The entity_id provided did not match any entity.",
                None,
            )
        })
}

/// A JSON request body, or Lean's 400.
fn json_body(body: &[u8]) -> Result<serde_json::Value, Response> {
    serde_json::from_slice(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            BAD_PARAMS,
            None,
        )
    })
}

/// The entity named by a JSON body's `entity_id`.
fn body_entity(inner: &Inner, body: &serde_json::Value) -> Result<usize, Response> {
    let id = body
        .get("entity_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    entity_index(inner, id.as_ref())
}

fn account_index(inner: &Inner, e: usize, raw: &str) -> Result<usize, Response> {
    let id = AccountId::parse(raw).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("{BAD_PARAMS}, field: account_id, value: {raw}"),
            None,
        )
    })?;
    inner.world.entities[e]
        .accounts
        .iter()
        .position(|a| a.id == id)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "UNKNOWN_ACCOUNT",
                "The account_id provided does not match any account of the entity.",
                None,
            )
        })
}

fn paging(q: &Q) -> Result<(u32, u32), Response> {
    let parse = |k: &str, default: u32| -> Result<u32, Response> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v.parse::<u32>().map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PARAMETERS",
                    &format!("{BAD_PARAMS}, field: {k}, value: {v}"),
                    None,
                )
            }),
        }
    };
    let page = parse("page", 0)?;
    let size = parse("size", 50)?;
    if !(1..=100).contains(&size) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("{BAD_PARAMS}, field: size, value: {size}"),
            None,
        ));
    }
    Ok((page, size))
}

fn date(q: &Q, k: &str) -> Result<Option<NaiveDate>, Response> {
    q.get(k)
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_PARAMETERS",
                    &format!("{BAD_PARAMS}, field: {k}, value: {v}"),
                    None,
                )
            })
        })
        .transpose()
}

fn flag(q: &Q, k: &str) -> bool {
    q.get(k).is_some_and(|v| v == "true")
}

fn collection<T: Collection>(
    items: &[T],
    page: u32,
    size: u32,
    results_id: &str,
    account_id: Option<Option<String>>,
) -> Vec<u8> {
    let start = (page as usize)
        .saturating_mul(size as usize)
        .min(items.len());
    let end = start.saturating_add(size as usize).min(items.len());
    data_body(
        &items[start..end],
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

fn v1_body<T: Serialize>(value: &T, results_id: &str) -> Vec<u8> {
    let env = V1Envelope {
        status: "OK",
        results_id,
        message: "Data successfully retrieved",
        timestamp: now_stamp(),
        payload: Some(value),
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

fn pending_body(results_id: &str) -> Vec<u8> {
    let env: DataEnvelope<'_, ()> = DataEnvelope {
        status: "PENDING",
        results_id,
        message: "Please wait for a webhook or try again later.",
        meta: None,
        timestamp: now_stamp(),
        status_detail: None,
        refreshed_at: None,
        kind: None,
        data: None,
    };
    serde_json::to_vec(&env).unwrap_or_default()
}

fn failed_body(results_id: &str, code: &str) -> Vec<u8> {
    let env: DataEnvelope<'_, ()> = DataEnvelope {
        status: "FAILED",
        results_id,
        message: "The bank could not provide the data",
        meta: None,
        timestamp: now_stamp(),
        status_detail: Some(StatusDetail {
            granular_status_code: code,
            status_additional_info: "Injected by lean-sandbox",
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
        return failed_body(results_id, code);
    }
    let w = &inner.world;
    let ent = |e: usize| -> &EntityRec { &w.entities[e] };
    let acc = |e: usize, a: usize| -> &AccountRec { &w.entities[e].accounts[a] };
    match &job.spec {
        Spec::Accounts(e) => collection(&w.accounts(ent(*e)), page, size, results_id, None),
        Spec::Balances(e, a) => collection(
            &w.balances(ent(*e), acc(*e, *a)),
            page,
            size,
            results_id,
            None,
        ),
        Spec::Transactions { e, a, start, end } => {
            let account = acc(*e, *a);
            let range = w.transaction_range(account, *start, *end);
            let total = range.len();
            let from = range.start + (page as usize).saturating_mul(size as usize).min(total);
            let to = (from + size as usize).min(range.end);
            let items: Vec<_> = (from..to)
                .map(|i| w.transaction(ent(*e), account, i))
                .collect();
            data_body(&items, page_info(page, size, total), results_id, None)
        }
        Spec::Beneficiaries(e, a) => {
            collection(&w.beneficiaries(acc(*e, *a)), page, size, results_id, None)
        }
        Spec::AccountIdentities(e, a) => collection(
            &w.account_identities(ent(*e)),
            page,
            size,
            results_id,
            Some(Some(acc(*e, *a).id.to_string())),
        ),
        Spec::DirectDebits(e, a) => {
            collection(&w.direct_debits(acc(*e, *a)), page, size, results_id, None)
        }
        Spec::ScheduledPayments(e, a) => collection(
            &w.scheduled_payments(acc(*e, *a)),
            page,
            size,
            results_id,
            None,
        ),
        Spec::StandingOrders(e, a) => collection(
            &w.standing_orders(acc(*e, *a)),
            page,
            size,
            results_id,
            None,
        ),
        Spec::Identity(e) => collection(&w.identity(ent(*e)), page, size, results_id, Some(None)),
        Spec::Income(e) => insights_body(&w.income(ent(*e)), Some("income"), results_id),
        Spec::Expenses(e) => insights_body(&w.expenses(ent(*e)), Some("expenses"), results_id),
        Spec::Cashflows(e) => insights_body(&w.cashflows(ent(*e)), None, results_id),
        Spec::RawInsights(e, kind) => insights_body(
            &serde_json::json!({"entity_id": ent(*e).id.to_string(), "periods": []}),
            Some(kind),
            results_id,
        ),
        Spec::V1Identity(e) => {
            let i = &w.identity(ent(*e))[0];
            v1_body(
                &serde_json::json!({"full_name": i.full_legal_name, "mobile_number": i.mobile_number, "gender": null, "national_identity_number": i.national_id, "birth_date": "1990-01-22", "email_address": i.email_address, "address": "1201, Sheikh Zayed Road, Dubai, UAE"}),
                results_id,
            )
        }
        Spec::V1Accounts(e) => {
            let accounts: Vec<_> = ent(*e).accounts.iter().map(|a| serde_json::json!({"account_id": a.id.to_string(), "name": format!("{} Account", a.sub_type), "currency_code": "AED", "type": a.sub_type.as_str(), "iban": a.iban, "account_number": &a.iban[4..], "credit": null})).collect();
            v1_body(&serde_json::json!({ "accounts": accounts }), results_id)
        }
        Spec::V1Balance(e, a) => {
            let b = &w.balances(ent(*e), acc(*e, *a))[0];
            let body = lean_proto::model::v1::V1Balance {
                balance: b.amount.amount,
                currency_code: Some(Currency::aed()),
                account_id: Some(acc(*e, *a).id.clone()),
                account_name: Some("Account".into()),
                account_type: Some(acc(*e, *a).sub_type.to_string()),
                kind: Some("AVAILABLE".into()),
            };
            v1_body(&body, results_id)
        }
        Spec::V1Transactions(e, a) => {
            let account = acc(*e, *a);
            let txs: Vec<_> = (0..account.transactions.min(500))
                .map(|i| {
                    let t = w.transaction(ent(*e), account, i);
                    let signed = if t.credit_debit_indicator == Some(CreditDebitIndicator::Debit) {
                        -t.amount.amount
                    } else {
                        t.amount.amount
                    };
                    lean_proto::model::v1::V1Transaction {
                        id: t.transaction_id,
                        description: t.transaction_information,
                        amount: signed,
                        currency_code: Some(Currency::aed()),
                        index: t.index,
                        pending: Some(false),
                        timestamp: t.booking_date_time,
                        insights: None,
                    }
                })
                .collect();
            v1_body(
                &lean_proto::model::v1::V1Transactions { transactions: txs },
                results_id,
            )
        }
    }
}

/// The faults that replace Lean's answer (or hold it back), in one place for every route.
/// `None`: answer normally (other faults shape the answer later).
async fn fault_response(fault: Option<&FaultKind>) -> Option<Response> {
    match fault? {
        FaultKind::ServerError { status } => Some(error(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "INTERNAL_SERVER_ERROR",
            "Something has gone wrong. If you continue to see this error, please contact Lean.",
            None,
        )),
        FaultKind::RateLimited { retry_after } => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_EXCEEDED",
                "Too many requests, please try again later.",
                None,
            );
            if let Ok(v) = retry_after.to_string().parse() {
                r.headers_mut().insert("retry-after", v);
            }
            Some(r)
        }
        FaultKind::ConsentExpired => Some(error(
            StatusCode::FORBIDDEN,
            "CONSENT_EXPIRED",
            "Consent was suspended, revoked, or expired. New consent is required to access the data.",
            None,
        )),
        FaultKind::Reset => Some(reset_response()),
        FaultKind::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            None
        }
        _ => None,
    }
}

/// The asynchronous flow, in one place: every data request draws a bank latency; `async=true`
/// answers PENDING at once; a synchronous request slower than `pending_after` answers PENDING at
/// that moment; the job finishes at its latency and `results.ready` goes out.
async fn serve_data(
    inner: Arc<Inner>,
    route: &'static str,
    spec: Spec,
    asynchronous: bool,
    page: u32,
    size: u32,
) -> Response {
    let fault = inner.draw_fault(route, false);
    let webhook_fault = inner.draw_fault(route, true);
    if let Some(response) = fault_response(fault.as_ref()).await {
        return response;
    }
    let start = Instant::now();
    let bank = match &fault {
        Some(FaultKind::SlowBank { seconds }) => Duration::from_secs(*seconds),
        _ => inner.latency(),
    };
    let latency = inner.config.real(bank);
    let results_id = inner.new_id();
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
    inner.lock().remember_job(results_id.clone(), job.clone());
    if job.reconnect {
        return json_response(StatusCode::OK, reconnect_body(&results_id, &inner.new_id()));
    }
    let body = if goes_pending {
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
        pending_body(&results_id)
    } else {
        sleep_until(job.ready_at).await;
        render(&inner, &job, &results_id, page, size)
    };
    finish_body(fault, body)
}

/// Sleeps only when there is time to wait: tokio's timer has millisecond granularity, and a
/// zero-latency bank must not cost a millisecond per request.
async fn sleep_until(at: Instant) {
    if at > Instant::now() {
        tokio::time::sleep_until(at).await;
    }
}

fn finish_body(fault: Option<FaultKind>, body: Vec<u8>) -> Response {
    match fault {
        Some(FaultKind::Truncated) => {
            let half = body.len() / 2;
            json_response(StatusCode::OK, body[..half].to_vec())
        }
        Some(FaultKind::Malformed) => {
            json_response(StatusCode::OK, b"<html>upstream error</html>".to_vec())
        }
        _ => json_response(StatusCode::OK, body),
    }
}

async fn results(inner: Arc<Inner>, id: String, page: u32, size: u32) -> Response {
    if ResultsId::parse(&id).is_err() {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("{BAD_PARAMS}, field: results_id, value: {id}"),
            None,
        );
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

// ---- handlers -------------------------------------------------------------------------------

async fn token(State(inner): Shared, body: Bytes) -> Response {
    let form: HashMap<String, String> = url_form(&body);
    // The token server fails like any route: 5xx, 429, a cut connection, a slow answer.
    if let Some(response) = fault_response(inner.draw_fault("token", false).as_ref()).await {
        return response;
    }
    let ok = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id") == Some(&inner.config.client_id)
        && form.get("client_secret") == Some(&inner.config.client_secret);
    if !ok {
        let body = serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed"});
        return json_response(StatusCode::UNAUTHORIZED, body.to_string().into_bytes());
    }
    let token = format!("sbx_{}", inner.new_id().replace('-', ""));
    let lifetime = inner.config.token_lifetime;
    inner
        .lock()
        .tokens
        .insert(token.clone(), Instant::now() + lifetime);
    let body = serde_json::json!({"access_token": token, "scope": form.get("scope").cloned().unwrap_or_else(|| "api".into()), "token_type": "Bearer", "expires_in": inner.config.token_lifetime.as_secs().saturating_sub(1)});
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let decode = |s: &[u8]| {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    match (
                        s.get(i + 1).copied().and_then(hex),
                        s.get(i + 2).copied().and_then(hex),
                    ) {
                        (Some(h), Some(l)) => {
                            out.push(h << 4 | l);
                            i += 3;
                            continue;
                        }
                        _ => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split(|b| *b == b'&')
        .filter_map(|kv| {
            let at = kv.iter().position(|b| *b == b'=')?;
            Some((decode(&kv[..at]), decode(&kv[at + 1..])))
        })
        .collect()
}

/// `GET /data/v2/accounts` and `GET /data/v2/identity`: entity-level collections.
async fn entity_data(
    State(inner): Shared,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity_index(&inner, q.get("entity_id"))?;
        let (page, size) = paging(&q)?;
        let (route, spec) = match uri.path() {
            "/data/v2/identity" => ("identity", Spec::Identity(e)),
            _ => ("accounts", Spec::Accounts(e)),
        };
        Ok::<_, Response>(
            serve_data(inner.clone(), route, spec, flag(&q, "async"), page, size).await,
        )
    };
    go.await.unwrap_or_else(|r| r)
}

async fn account_data(
    State(inner): Shared,
    headers: HeaderMap,
    Path((account, kind)): Path<(String, String)>,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity_index(&inner, q.get("entity_id"))?;
        let a = account_index(&inner, e, &account)?;
        let (page, size) = paging(&q)?;
        let (route, spec): (&'static str, Spec) = match kind.as_str() {
            "balances" => ("balances", Spec::Balances(e, a)),
            "transactions" => {
                let (start, end) = (date(&q, "start_date")?, date(&q, "end_date")?);
                ("transactions", Spec::Transactions { e, a, start, end })
            }
            "beneficiaries" => ("beneficiaries", Spec::Beneficiaries(e, a)),
            "identities" => ("identities", Spec::AccountIdentities(e, a)),
            "direct-debits" => ("direct-debits", Spec::DirectDebits(e, a)),
            "scheduled-payments" => ("scheduled-payments", Spec::ScheduledPayments(e, a)),
            "standing-orders" => ("standing-orders", Spec::StandingOrders(e, a)),
            _ => return Err(invalid_url()),
        };
        Ok::<_, Response>(
            serve_data(inner.clone(), route, spec, flag(&q, "async"), page, size).await,
        )
    };
    go.await.unwrap_or_else(|r| r)
}

async fn results_v2(
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

async fn results_v1(State(inner): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::V1) {
        return r;
    }
    results(inner.clone(), id, 0, 100).await
}

async fn income(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<Q>,
    body: Bytes,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let b = json_body(&body)?;
        let e = body_entity(&inner, &b)?;
        Ok::<_, Response>(
            serve_data(
                inner.clone(),
                "income",
                Spec::Income(e),
                flag(&q, "async"),
                0,
                50,
            )
            .await,
        )
    };
    go.await.unwrap_or_else(|r| r)
}

async fn insights(
    State(inner): Shared,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity_index(&inner, q.get("entity_id"))?;
        date(&q, "start_date")?;
        let (route, spec): (&'static str, Spec) = match uri.path() {
            "/insights/v2/expenses" => ("expenses", Spec::Expenses(e)),
            "/insights/v2/assets/cashflows" => ("cashflows", Spec::Cashflows(e)),
            "/insights/v2/assets/balances" => {
                ("cash-balances", Spec::RawInsights(e, "cash-balances"))
            }
            "/insights/v2/liabilities/credit-obligations" => (
                "credit-obligations",
                Spec::RawInsights(e, "credits-obligations"),
            ),
            "/insights/v2/liabilities/non-credit-obligations" => (
                "non-credit-obligations",
                Spec::RawInsights(e, "non-credits-obligations"),
            ),
            "/insights/v2/income/employment" => ("employment", Spec::RawInsights(e, "employment")),
            _ => return Err(invalid_url()),
        };
        Ok::<_, Response>(serve_data(inner.clone(), route, spec, flag(&q, "async"), 0, 50).await)
    };
    go.await.unwrap_or_else(|r| r)
}

async fn v1_data(
    State(inner): Shared,
    headers: HeaderMap,
    Path(kind): Path<String>,
    body: Bytes,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V1)?;
        let b = json_body(&body)?;
        let s = |k: &str| b.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let e = body_entity(&inner, &b)?;
        let account = || -> Result<usize, Response> {
            let raw = s("account_id").ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "MISSING_PARAMETERS",
                    "Required parameter is missing, field: account_id",
                    None,
                )
            })?;
            account_index(&inner, e, &raw)
        };
        let (route, spec): (&'static str, Spec) = match kind.as_str() {
            "identity" => ("v1-identity", Spec::V1Identity(e)),
            "accounts" => ("v1-accounts", Spec::V1Accounts(e)),
            "balance" => ("v1-balance", Spec::V1Balance(e, account()?)),
            "transactions" => ("v1-transactions", Spec::V1Transactions(e, account()?)),
            _ => return Err(invalid_url()),
        };
        let asynchronous = b.get("async").and_then(|v| v.as_bool()).unwrap_or(false);
        Ok::<_, Response>(serve_data(inner.clone(), route, spec, asynchronous, 0, 100).await)
    };
    go.await.unwrap_or_else(|r| r)
}

async fn trigger_refresh(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let b = json_body(&body)?;
        let e = body_entity(&inner, &b)?;
        if let Some(r) = fault_response(inner.draw_fault("refresh", false).as_ref()).await {
            return Err(r);
        }
        let entity = &inner.world.entities[e];
        let busy = inner.lock().refreshes.iter().any(|r| {
            r.entity_id.as_ref() == Some(&entity.id) && r.status == Some(RefreshStatus::Pending)
        });
        if busy {
            return Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                "DUPLICATED_REQUEST",
                "Data refresh is already pending.",
                None,
            ));
        }
        let refresh_id = RefreshId::parse(&inner.new_id()).map_err(|_| invalid_url())?;
        let refresh = lean_proto::Refresh {
            refresh_id: refresh_id.clone(),
            entity_id: Some(entity.id.clone()),
            customer_id: Some(entity.customer_id.clone()),
            app_user_id: None,
            status: Some(RefreshStatus::Pending),
            data_status: None,
            created_at: Some(Timestamp::parse(&now_stamp()).map_err(|_| invalid_url())?),
            updated_at: None,
        };
        inner.lock().refreshes.push(refresh);
        webhooks::schedule_refresh_finished(inner.clone(), e, refresh_id.clone());
        let body = serde_json::json!({"refresh_id": refresh_id.to_string(), "status": "OK", "message": "Data refresh triggered successfully", "timestamp": now_stamp()});
        Ok::<_, Response>(json_response(StatusCode::OK, body.to_string().into_bytes()))
    };
    go.await.unwrap_or_else(|r| r)
}

pub(crate) fn finish_refresh(
    inner: &Inner,
    e: usize,
    id: &RefreshId,
) -> Option<lean_proto::Refresh> {
    let entity = &inner.world.entities[e];
    let status = lean_proto::model::refresh::RefreshDataStatus {
        accounts: Some(DataStatus::Ok),
        identity: Some(DataStatus::Ok),
        account_data: entity
            .accounts
            .iter()
            .map(|a| lean_proto::model::refresh::AccountDataStatus {
                account_id: a.id.clone(),
                balance: Some(DataStatus::Ok),
                identity: Some(DataStatus::Ok),
                transactions: Some(DataStatus::Ok),
                scheduled_payments: Some(DataStatus::Ok),
                direct_debits: Some(DataStatus::Ok),
                standing_orders: Some(DataStatus::Ok),
                beneficiaries: Some(DataStatus::Ok),
                transaction_availability: Some(
                    lean_proto::model::refresh::TransactionAvailability {
                        start: Some(crate::world::today() - chrono::Duration::days(364)),
                        end: Some(crate::world::today()),
                        complete_months: Some(11),
                    },
                ),
            })
            .collect(),
    };
    let mut m = inner.lock();
    let r = m.refreshes.iter_mut().find(|r| &r.refresh_id == id)?;
    r.status = Some(RefreshStatus::Finished);
    r.data_status = Some(status);
    r.updated_at = Timestamp::parse(&now_stamp()).ok();
    Some(r.clone())
}

async fn list_refreshes(State(inner): Shared, headers: HeaderMap, Query(q): Query<Q>) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity_index(&inner, q.get("entity_id"))?;
        let (page, size) = paging(&q)?;
        let id = inner.world.entities[e].id.clone();
        let all: Vec<_> = inner
            .lock()
            .refreshes
            .iter()
            .filter(|r| r.entity_id.as_ref() == Some(&id))
            .map(|r| lean_proto::Refresh {
                data_status: None,
                ..r.clone()
            })
            .collect();
        let start = (page as usize * size as usize).min(all.len());
        let end = (start + size as usize).min(all.len());
        let list = lean_proto::RefreshList {
            content: all[start..end].to_vec(),
            page: Some(page_info(page, size, all.len())),
        };
        Ok::<_, Response>(json_response(
            StatusCode::OK,
            serde_json::to_vec(&list).unwrap_or_default(),
        ))
    };
    go.await.unwrap_or_else(|r| r)
}

async fn get_refresh(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity_index(&inner, q.get("entity_id"))?;
        let entity = inner.world.entities[e].id.clone();
        let found = inner
            .lock()
            .refreshes
            .iter()
            .find(|r| r.refresh_id.as_str() == id && r.entity_id.as_ref() == Some(&entity))
            .cloned();
        let r = found.ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "UNKNOWN_REFRESH",
                "The refresh_id provided did not match any refresh of the entity.",
                None,
            )
        })?;
        Ok::<_, Response>(json_response(
            StatusCode::OK,
            serde_json::to_vec(&r).unwrap_or_default(),
        ))
    };
    go.await.unwrap_or_else(|r| r)
}

async fn customers(State(inner): Shared, headers: HeaderMap, Query(q): Query<Q>) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::V2) {
        return r;
    }
    let page: u32 = q
        .get("page_number")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let size: u32 = q
        .get("page_size")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let all = &inner.world.customers;
    let start = (page as usize * size as usize).min(all.len());
    let end = (start + size as usize).min(all.len());
    let list = lean_proto::CustomerList {
        data: all[start..end].to_vec(),
        page: Some(page_info(page, size, all.len())),
    };
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&list).unwrap_or_default(),
    )
}

async fn customer_entities(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = authenticate(&inner, &headers, Caller::V2) {
        return r;
    }
    let Ok(customer) = CustomerId::parse(&id) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("{BAD_PARAMS}, field: customer_id, value: {id}"),
            None,
        );
    };
    if !inner
        .world
        .customers
        .iter()
        .any(|c| c.customer_id == customer)
    {
        return error(
            StatusCode::NOT_FOUND,
            "UNKNOWN_CUSTOMER",
            "The customer_id provided did not match any customer.",
            None,
        );
    }
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&inner.world.entity_objects(&customer)).unwrap_or_default(),
    )
}

fn invalid_url() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "INVALID_URL",
        "The URL requested is not valid.",
        None,
    )
}

async fn fallback() -> Response {
    invalid_url()
}

// ---- control API ----------------------------------------------------------------------------

async fn control_state(State(inner): Shared) -> Response {
    let body = serde_json::json!({
        "client_id": inner.config.client_id,
        "client_secret": inner.config.client_secret,
        "app_token": inner.config.app_token,
        "webhook_secret": inner.config.webhook_secret,
        "customers": inner.world.customers.iter().map(|c| {
            let entities: Vec<_> = inner.world.entities.iter().filter(|e| e.customer_id == c.customer_id).map(|e| serde_json::json!({
                "entity_id": e.id.to_string(),
                "accounts": e.accounts.iter().map(|a| serde_json::json!({"account_id": a.id.to_string(), "account_sub_type": a.sub_type.as_str(), "transactions": a.transactions})).collect::<Vec<_>>(),
            })).collect();
            serde_json::json!({"customer_id": c.customer_id.to_string(), "app_user_id": c.app_user_id, "entities": entities})
        }).collect::<Vec<_>>(),
    });
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

async fn control_log(State(inner): Shared) -> Response {
    let log = inner.log_entries();
    json_response(StatusCode::OK, serde_json::to_vec(&log).unwrap_or_default())
}

async fn control_set_faults(State(inner): Shared, body: Bytes) -> Response {
    match serde_json::from_slice::<Vec<FaultRule>>(&body) {
        Ok(rules) => {
            inner.lock().faults = rules;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("fault rules: {e}"),
            None,
        ),
    }
}

async fn control_add_fault(State(inner): Shared, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(mut rule) => {
            if rule.count.is_none() {
                rule.count = Some(1); // "the next response"
            }
            inner.add_fault(rule);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            &format!("fault rule: {e}"),
            None,
        ),
    }
}

async fn control_revoke_tokens(State(inner): Shared) -> Response {
    inner.revoke_tokens();
    StatusCode::NO_CONTENT.into_response()
}

async fn control_webhook_url(State(inner): Shared, body: Bytes) -> Response {
    let url = String::from_utf8_lossy(&body).trim().to_owned();
    *inner.webhook_url.lock().unwrap_or_else(|p| p.into_inner()) = (!url.is_empty()).then_some(url);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_trigger(State(inner): Shared, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Trigger {
        results_id: Option<String>,
        replay_event_id: Option<String>,
    }
    let Ok(t) = serde_json::from_slice::<Trigger>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "expected {\"results_id\"} or {\"replay_event_id\"}",
            None,
        );
    };
    if let Some(id) = t.replay_event_id {
        let body = inner
            .lock()
            .events
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, b)| b.clone());
        return match body {
            Some(b) => {
                webhooks::send_now(inner.clone(), "replay".into(), b);
                StatusCode::ACCEPTED.into_response()
            }
            None => error(
                StatusCode::NOT_FOUND,
                "UNKNOWN_EVENT",
                "no such event_id",
                None,
            ),
        };
    }
    match t.results_id.and_then(|r| ResultsId::parse(&r).ok()) {
        Some(id) => {
            webhooks::send_results_ready(inner.clone(), id.to_string());
            StatusCode::ACCEPTED.into_response()
        }
        None => error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "results_id must be a UUID",
            None,
        ),
    }
}

async fn log_requests(
    State(inner): Shared,
    method: Method,
    uri: Uri,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    if !uri.path().starts_with("/_sandbox/") {
        inner.log(
            "request",
            format!("{method} {}", uri.path()),
            resp.status().as_u16(),
            None,
        );
    }
    resp
}

/// All routes.
pub fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/data/v2/accounts", get(entity_data))
        .route("/data/v2/accounts/{account_id}/{kind}", get(account_data))
        .route("/data/v2/identity", get(entity_data))
        .route(
            "/data/v2/refreshes",
            post(trigger_refresh).get(list_refreshes),
        )
        .route("/data/v2/refreshes/{refresh_id}", get(get_refresh))
        .route("/data/v2/results/{results_id}", get(results_v2))
        .route("/data/v1/results/{results_id}", get(results_v1))
        .route("/data/v1/{kind}", post(v1_data))
        .route("/insights/v2/income", post(income))
        .route("/insights/v2/expenses", get(insights))
        .route("/insights/v2/assets/cashflows", get(insights))
        .route("/insights/v2/assets/balances", get(insights))
        .route("/insights/v2/liabilities/credit-obligations", get(insights))
        .route(
            "/insights/v2/liabilities/non-credit-obligations",
            get(insights),
        )
        .route("/insights/v2/income/employment", get(insights))
        .route("/customers/v1", get(customers))
        .route(
            "/customers/v1/{customer_id}/entities",
            get(customer_entities),
        )
        .route("/_sandbox/state", get(control_state))
        .route("/_sandbox/log", get(control_log))
        .route("/_sandbox/faults", post(control_set_faults))
        .route("/_sandbox/faults/next", post(control_add_fault))
        .route("/_sandbox/webhook-url", post(control_webhook_url))
        .route("/_sandbox/tokens/revoke", post(control_revoke_tokens))
        .route("/_sandbox/webhooks", post(control_trigger))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            inner.clone(),
            log_requests,
        ))
        .with_state(inner)
}
