//! The emulator's state: the seeded world, the customers and entities made or deleted since,
//! issued tokens, results of PENDING requests, refreshes, fault rules, the request log and
//! the webhooks sent. Routes read and change it through [`Inner`]; nothing here speaks HTTP.

use crate::config::SandboxConfig;
use crate::faults::{FaultKind, FaultRule};
use crate::webhooks::Delivery;
use crate::world::{EntityRec, World};
use chrono::NaiveDate;
use lean_proto::model::customer::Customer;
use lean_proto::rng::Rng;
use lean_proto::{CustomerId, EntityId};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// An entity as a job holds it: a deleted entity's running jobs still finish.
pub type Ent = Arc<EntityRec>;

/// What a data request asks for; results are computed from it when fetched. Accounts are
/// indices into the entity's accounts.
#[derive(Debug, Clone)]
pub enum Spec {
    Accounts(Ent),
    Balances(Ent, usize),
    Transactions {
        e: Ent,
        a: usize,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    },
    Beneficiaries(Ent, usize),
    AccountIdentities(Ent, usize),
    DirectDebits(Ent, usize),
    ScheduledPayments(Ent, usize),
    StandingOrders(Ent, usize),
    Identity(Ent),
    Income(Ent),
    Expenses(Ent),
    Cashflows(Ent),
    CashBalances(Ent),
    CreditObligations(Ent),
    NonCreditObligations(Ent),
    Employment(Ent),
    FreelancerCashflow(Ent),
    NameVerification {
        e: Ent,
        name: String,
    },
    V1Identity(Ent),
    V1Accounts(Ent),
    V1Balance(Ent, usize),
    V1Transactions(Ent, usize),
}

impl Spec {
    /// v1 answers use the v1 envelope (`payload`), PENDING included.
    pub fn is_v1(&self) -> bool {
        matches!(
            self,
            Spec::V1Identity(_)
                | Spec::V1Accounts(_)
                | Spec::V1Balance(..)
                | Spec::V1Transactions(..)
        )
    }
}

/// A data request Lean is working on (or finished).
#[derive(Debug, Clone)]
pub struct Job {
    pub spec: Spec,
    pub ready_at: Instant,
    pub failed: Option<String>,
    pub reconnect: bool,
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
    /// The request's `user-agent` (what the client, or a middleware of the caller's, said).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The request's `lean-correlation-id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The `results_id` it answered, fetched or announced (the dashboard's timelines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results_id: Option<String>,
    /// The entity it was about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    /// A webhook's `event_id` (what the dashboard resends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// What a handler tells the request log about its answer (a response extension).
#[derive(Debug, Clone, Default)]
pub struct LogTag {
    /// The answer's `results_id`.
    pub results_id: Option<String>,
    /// Whether it answered PENDING.
    pub pending: bool,
}

/// Customers and entities as they are now (seeded, then created and deleted through the API).
pub struct Directory {
    pub customers: Vec<Customer>,
    pub entities: Vec<Ent>,
    /// Entities connected so far (feeds the ids of the next one).
    pub connections: u64,
}

/// An access token the emulator issued.
pub struct TokenRec {
    pub expires: Instant,
    /// `None`: `scope=api` (backend calls); `Some(customer)`: a customer-scoped token for
    /// LinkSDK, refused on the data routes.
    pub customer: Option<CustomerId>,
}

pub struct Mutable {
    pub rng: Rng,
    pub tokens: HashMap<String, TokenRec>,
    /// Results of requests that answered PENDING (only those: Lean's results route does not
    /// serve a synchronous answer's `results_id`).
    pub results: HashMap<String, Job>,
    results_order: VecDeque<String>,
    /// Synchronous data requests still running at the bank, by request key, until when.
    pub running_sync: HashMap<String, Instant>,
    pub refreshes: Vec<lean_proto::Refresh>,
    pub faults: Vec<FaultRule>,
    pub log: VecDeque<LogEntry>,
    pub events: VecDeque<(String, Vec<u8>)>,
    pub directory: Directory,
    /// Banks whose data availability was switched off through the control API.
    pub banks_down: Vec<String>,
    /// Payment destinations (`owner` customer id, or `None` for the application's) and
    /// intents, as created through the API.
    pub destinations: Vec<(Option<String>, lean_proto::PaymentDestination)>,
    pub intents: Vec<lean_proto::PaymentIntent>,
    /// Payment sources withdrawn (`DELETE`), by id.
    pub sources_deleted: Vec<String>,
    /// Account-on-file consents, and the payments made under them by idempotency key.
    pub consents: Vec<crate::consents::Consent>,
    pub aof_payments: Vec<crate::consents::AofPayment>,
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
    pub fn remember_job(&mut self, id: String, job: Job) {
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
        let world = World::generate(config.seed, config.transactions, config.entities);
        let directory = Directory {
            customers: world.customers.clone(),
            entities: world.entities.iter().cloned().map(Arc::new).collect(),
            connections: 0,
        };
        Arc::new(Inner {
            m: Mutex::new(Mutable {
                rng: Rng::new(config.seed ^ 0x5eed),
                tokens: HashMap::new(),
                results: HashMap::new(),
                results_order: VecDeque::new(),
                running_sync: HashMap::new(),
                refreshes: Vec::new(),
                faults: config.faults.clone(),
                log: VecDeque::new(),
                events: VecDeque::new(),
                directory,
                banks_down: Vec::new(),
                destinations: vec![(None, crate::payments::sandbox_destination())],
                intents: Vec::new(),
                sources_deleted: Vec::new(),
                consents: Vec::new(),
                aof_payments: Vec::new(),
                seq: 0,
            }),
            webhook_url: Mutex::new(config.webhook_url.clone()),
            delivery: Delivery::new(),
            started: Instant::now(),
            world,
            config,
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Mutable> {
        self.m.lock().unwrap_or_else(|p| p.into_inner())
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

    /// A live entity by id.
    pub(crate) fn entity(&self, id: &EntityId) -> Option<Ent> {
        self.lock()
            .directory
            .entities
            .iter()
            .find(|e| &e.id == id)
            .cloned()
    }

    /// Live entities.
    pub(crate) fn entities(&self) -> Vec<Ent> {
        self.lock().directory.entities.clone()
    }

    /// Live customers.
    pub(crate) fn customers(&self) -> Vec<Customer> {
        self.lock().directory.customers.clone()
    }

    /// A customer by id.
    pub(crate) fn customer(&self, id: &CustomerId) -> Option<Customer> {
        self.lock()
            .directory
            .customers
            .iter()
            .find(|c| &c.customer_id == id)
            .cloned()
    }

    pub(crate) fn log(&self, kind: &'static str, what: String, status: u16, note: Option<String>) {
        self.log_entry(LogEntry {
            at_ms: 0,
            kind,
            what,
            status,
            note,
            user_agent: None,
            correlation_id: None,
            results_id: None,
            entity_id: None,
            event_id: None,
        });
    }

    /// A webhook delivery attempt, tagged with what its body names.
    pub(crate) fn log_webhook(&self, what: String, status: u16, note: Option<String>, body: &[u8]) {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let results_ready = v["type"] == "results.ready";
        self.log_entry(LogEntry {
            at_ms: 0,
            kind: "webhook",
            what,
            status,
            note,
            user_agent: None,
            correlation_id: None,
            results_id: results_ready.then(|| text(&v["payload"]["id"])).flatten(),
            entity_id: text(&v["payload"]["entity_id"]).or_else(|| {
                (!results_ready)
                    .then(|| text(&v["payload"]["id"]))
                    .flatten()
            }),
            event_id: text(&v["event_id"]),
        });
    }

    pub(crate) fn log_entry(&self, mut entry: LogEntry) {
        entry.at_ms = self.started.elapsed().as_millis() as u64;
        let mut m = self.lock();
        if m.log.len() == LOG_LIMIT {
            m.log.pop_front();
        }
        m.log.push_back(entry);
    }

    pub(crate) fn remember_event(&self, event_id: String, body: Vec<u8>) {
        let mut m = self.lock();
        if m.events.len() == 1000 {
            m.events.pop_front();
        }
        m.events.push_back((event_id, body));
    }

    /// A fresh UUID-shaped id (seeded, so runs repeat).
    pub(crate) fn new_id(&self) -> String {
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
    pub(crate) fn draw_fault(&self, route: &str, webhook: bool) -> Option<FaultKind> {
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

    /// The bank's time for one request, drawn from the configured range.
    pub(crate) fn latency(&self) -> Duration {
        let l = self.config.bank_latency;
        let span = l.max.saturating_sub(l.min).as_millis() as u64;
        let extra = self.lock().rng.below_or_eq(span);
        l.min + Duration::from_millis(extra)
    }
}
