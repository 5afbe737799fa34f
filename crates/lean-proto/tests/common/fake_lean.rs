//! A deterministic, sans-IO fake of Lean with virtual time and scripted or seeded faults, and a
//! driver that runs a [`Call`] against it exactly as an adapter would.

use lean_proto::call::{Call, CallConfig, CallData, CallError, Context, Purpose, Transmit};
use lean_proto::results::{InMemoryResults, Readiness, ResultsRegistry};
use lean_proto::retry::TransportError;
use lean_proto::webhook::{EventKind, WebhookSecret};
use lean_proto::*;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// What Lean does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer normally.
    None,
    /// HTTP 500 / 502 / 503.
    ServerError(u16),
    /// 429 with `Retry-After: secs`.
    RateLimited(u64),
    /// Connection reset after the request left.
    Reset,
    /// Never answers (the client times out).
    Blackhole,
    /// A 200 with a truncated body.
    Truncated,
    /// `status: FAILED` with this granular code.
    FailedWith(&'static str),
    /// 401 as if the token were revoked.
    Unauthorized,
}

/// What happens to the `results.ready` of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// Delivered when the results are ready.
    OnTime,
    /// Delivered this long after ready.
    Late(Duration),
    /// Delivered twice.
    Duplicated,
    /// Never delivered.
    Lost,
    /// Delivered 1 ms after the request arrives, before the PENDING answer leaves.
    Early,
}

/// One job Lean runs for a data request.
#[derive(Debug, Clone)]
pub struct Job {
    pub results_id: ResultsId,
    pub ready_at: Instant,
    pub failed_with: Option<&'static str>,
}

/// A log line of what happened, for transcripts.
pub type Transcript = Vec<String>;

pub struct FakeLean {
    pub now: Instant,
    /// Bank latency of each successive data request (cycled; last one repeats).
    pub bank_latency: VecDeque<Duration>,
    /// Faults of each successive request to the data API (not tokens), in order.
    pub faults: VecDeque<Fault>,
    /// Fate of each successive job's webhook.
    pub hooks: VecDeque<Hook>,
    pub pending_after: Duration,
    pub token_lifetime: u64,
    /// Items in the accounts collection (pages are cut from it).
    pub total_items: u32,
    pub secret: WebhookSecret,
    pub jobs: Vec<Job>,
    /// Every results_id Lean handed out in a PENDING answer.
    pub pending_given: Vec<ResultsId>,
    pub tokens: HashMap<String, Instant>,
    pub requests: u32,
    pub token_requests: u32,
    /// Webhooks to deliver: (at, signed body).
    pub outbox: BTreeMap<(Instant, u64), Vec<u8>>,
    /// Like Lean: a data request that arrives while an earlier one is still running at the
    /// bank is refused with FAILED `DUPLICATED_REQUEST`.
    pub refuse_duplicates: bool,
    seq: u64,
    pub transcript: Transcript,
}

impl FakeLean {
    pub fn new(now: Instant) -> Self {
        FakeLean {
            now,
            bank_latency: VecDeque::from([Duration::from_secs(2)]),
            faults: VecDeque::new(),
            hooks: VecDeque::new(),
            pending_after: Duration::from_secs(50),
            token_lifetime: 3599,
            total_items: 1,
            secret: WebhookSecret::new("whsec_test"),
            jobs: Vec::new(),
            pending_given: Vec::new(),
            tokens: HashMap::new(),
            requests: 0,
            token_requests: 0,
            outbox: BTreeMap::new(),
            refuse_duplicates: false,
            seq: 0,
            transcript: Vec::new(),
        }
    }

    fn next_id(&mut self) -> ResultsId {
        self.seq += 1;
        ResultsId::parse(&format!("00000000-0000-4000-8000-{:012x}", self.seq)).unwrap()
    }

    fn latency(&mut self) -> Duration {
        if self.bank_latency.len() > 1 {
            self.bank_latency.pop_front().unwrap()
        } else {
            *self.bank_latency.front().unwrap_or(&Duration::from_secs(1))
        }
    }

    fn schedule_hook(&mut self, results_id: &ResultsId, ready_at: Instant, arrived: Instant) {
        let body = format!(
            r#"{{"type":"results.ready","payload":{{"id":"{results_id}"}},"message":"Your results are ready.","timestamp":"2026-01-01T00:00:00Z","event_id":"{}"}}"#,
            uuid_like(self.seq + 1000)
        );
        let hook = self.hooks.pop_front().unwrap_or(Hook::OnTime);
        let times: Vec<Instant> = match hook {
            Hook::OnTime => vec![ready_at],
            Hook::Late(d) => vec![ready_at + d],
            Hook::Duplicated => vec![ready_at, ready_at + Duration::from_secs(1)],
            Hook::Lost => vec![],
            Hook::Early => vec![ready_at.max(arrived)],
        };
        for t in times {
            self.seq += 1;
            self.outbox.insert((t, self.seq), body.clone().into_bytes());
        }
    }

    pub fn next_webhook_at(&self) -> Option<Instant> {
        self.outbox.keys().next().map(|(t, _)| *t)
    }

    /// Webhooks due by `now`, removed from the outbox.
    pub fn due_webhooks(&mut self, now: Instant) -> Vec<(Vec<u8>, String)> {
        let mut out = Vec::new();
        while let Some((&(t, s), _)) = self.outbox.iter().next() {
            if t > now {
                break;
            }
            let body = self.outbox.remove(&(t, s)).unwrap();
            let sig = self.secret.sign(&body);
            out.push((body, sig));
        }
        out
    }

    /// Serves one request at `self.now`: (how long it takes, what comes back). `None` means
    /// the connection was reset after the request left.
    pub fn serve(&mut self, tx: &Transmit) -> (Duration, Option<http::Response<Vec<u8>>>) {
        let req = &tx.request;
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        if path == "/oauth2/token" {
            self.token_requests += 1;
            self.transcript.push("token".into());
            let tok = format!("tok-{}", self.token_requests);
            self.tokens.insert(
                tok.clone(),
                self.now + Duration::from_secs(self.token_lifetime),
            );
            let body = format!(
                r#"{{"access_token":"{tok}","token_type":"Bearer","scope":"api","expires_in":{}}}"#,
                self.token_lifetime
            );
            return (Duration::from_millis(20), Some(json(200, &body)));
        }
        self.requests += 1;
        let fault = self.faults.pop_front().unwrap_or(Fault::None);
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let token_ok = auth
            .strip_prefix("Bearer ")
            .and_then(|t| self.tokens.get(t))
            .is_some_and(|exp| self.now < *exp);
        let is_results = path.starts_with("/data/v2/results/");
        let asynchronous = query.contains("async=true");
        self.transcript.push(format!(
            "{}{}",
            if is_results {
                "GET results"
            } else if asynchronous {
                "GET data async"
            } else {
                "GET data"
            },
            match &fault {
                Fault::None => String::new(),
                f => format!(" -> {f:?}"),
            }
        ));
        let quick = Duration::from_millis(30);
        match fault {
            Fault::ServerError(s) => {
                return (
                    quick,
                    Some(json(
                        s,
                        r#"{"status":"INTERNAL_SERVER_ERROR","message":"Something has gone wrong.","metadata":null}"#,
                    )),
                );
            }
            Fault::RateLimited(secs) => {
                let r = http::Response::builder()
                    .status(429)
                    .header("retry-after", secs.to_string())
                    .body(br#"{"status":"RATE_LIMIT_EXCEEDED","message":"slow down"}"#.to_vec())
                    .unwrap();
                return (quick, Some(r));
            }
            Fault::Reset => return (quick, None),
            Fault::Blackhole => return (Duration::from_secs(24 * 3600), None),
            Fault::Truncated => {
                return (
                    quick,
                    Some(json(
                        200,
                        r#"{"status":"OK","results_id":"00000000-0000-4000-8000-"#,
                    )),
                );
            }
            Fault::Unauthorized => {
                return (
                    quick,
                    Some(json(
                        401,
                        r#"{"status":"UNAUTHORIZED","message":"token revoked"}"#,
                    )),
                );
            }
            Fault::None | Fault::FailedWith(_) => {}
        }
        if !token_ok {
            return (
                quick,
                Some(json(
                    401,
                    r#"{"status":"UNAUTHORIZED","message":"invalid token"}"#,
                )),
            );
        }
        if is_results {
            let id = ResultsId::parse(path.trim_start_matches("/data/v2/results/")).unwrap();
            let job = self.jobs.iter().find(|j| j.results_id == id).cloned();
            return match job {
                Some(j) if self.now >= j.ready_at => (quick, Some(self.job_answer(&j, &query))),
                _ => (
                    quick,
                    Some(json(
                        404,
                        &format!(
                            r#"{{"results_id":"{id}","status":"UNKNOWN_RESULTS_ID","message":"The results_id provided has not been recognized by Lean or has not been processed yet","metadata":null}}"#
                        ),
                    )),
                ),
            };
        }
        if self.refuse_duplicates && self.jobs.iter().any(|j| j.ready_at > self.now) {
            self.transcript.push("DUPLICATED_REQUEST".into());
            let id = self.next_id();
            return (
                quick,
                Some(json(
                    200,
                    &format!(
                        r#"{{"status":"FAILED","results_id":"{id}","message":"duplicate","status_detail":{{"granular_status_code":"DUPLICATED_REQUEST","status_additional_info":"The same request is already in progress"}},"data":null}}"#
                    ),
                )),
            );
        }
        // A data request: Lean starts a job at the bank.
        let latency = self.latency();
        let results_id = self.next_id();
        let failed_with = match fault {
            Fault::FailedWith(code) => Some(code),
            _ => None,
        };
        let job = Job {
            results_id: results_id.clone(),
            ready_at: self.now + latency,
            failed_with,
        };
        self.jobs.push(job.clone());
        if asynchronous || latency > self.pending_after {
            let early = self.hooks.front() == Some(&Hook::Early);
            self.schedule_hook(&results_id, job.ready_at, self.now);
            self.pending_given.push(results_id.clone());
            let mut wait = if asynchronous {
                quick
            } else {
                self.pending_after
            };
            if early {
                // The bank finished and the webhook left while the PENDING answer was still on
                // its way: the client sees the webhook first.
                wait = wait.max(latency + Duration::from_millis(1));
            }
            let body = format!(
                r#"{{"status":"PENDING","results_id":"{results_id}","message":"Please wait for a webhook or try again later.","meta":null,"timestamp":"2026-01-01T00:00:00Z","status_detail":null,"data":null}}"#
            );
            return (wait, Some(json(200, &body)));
        }
        (latency, Some(self.job_answer(&job, &query)))
    }

    fn job_answer(&self, job: &Job, query: &str) -> http::Response<Vec<u8>> {
        let id = &job.results_id;
        if let Some(code) = job.failed_with {
            return json(
                200,
                &format!(
                    r#"{{"status":"FAILED","results_id":"{id}","message":"failed","status_detail":{{"granular_status_code":"{code}","status_additional_info":"bank said no"}},"data":null}}"#
                ),
            );
        }
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.parse::<u32>().ok())
        };
        let page = param("page").unwrap_or(0);
        let size = param("size").unwrap_or(50);
        let total = self.total_items;
        let pages = total.div_ceil(size);
        let items: Vec<String> = (page * size..((page + 1) * size).min(total))
            .map(|n| {
                // Each item carries its job's id (whose data is it?) and its position.
                format!(r#"{{"account_id":"fe672591-bc88-4cec-96e7-9101bde496ce","description":"{id}","nickname":"item-{n}","currency":"AED"}}"#)
            })
            .collect();
        json(
            200,
            &format!(
                r#"{{"status":"OK","results_id":"{id}","message":"Data successfully retrieved","meta":null,"timestamp":"2026-01-01T00:00:00Z","status_detail":null,"type":"accounts","data":{{"type":"accounts","accounts":[{}],"page":{{"number":{page},"size":{size},"total_elements":{total},"total_pages":{pages},"sort":null}}}}}}"#,
                items.join(",")
            ),
        )
    }
}

pub fn uuid_like(n: u64) -> String {
    format!("00000000-0000-4000-9000-{n:012x}")
}

pub fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("lean-correlation-id", "fake-corr")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

pub struct Shared {
    pub tokens: auth::TokenCache,
    pub results: InMemoryResults,
    pub dedupe: webhook::Dedupe,
}

impl Shared {
    pub fn new() -> Self {
        Shared {
            tokens: auth::TokenCache::new(&config()),
            results: InMemoryResults::default(),
            dedupe: webhook::Dedupe::new(1024),
        }
    }
    pub fn ctx(&self) -> Context<'_> {
        Context {
            tokens: &self.tokens,
            results: &self.results,
        }
    }
}

pub fn config() -> Config {
    Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: BaseUrl::parse("http://127.0.0.1:1").unwrap(),
            auth_base: BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        },
        Credentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
        },
    )
}

pub fn entity() -> EntityId {
    EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap()
}

pub struct Run {
    pub outcome: Result<CallData<Page<Account>>, CallError>,
    pub finished_at: Instant,
    pub outcomes_seen: u32,
    pub steps: u32,
    /// What the call did, in order: transmit purposes and wake-ups.
    pub transcript: Transcript,
    /// Every results_id the call learned, in order.
    pub seen_results_ids: Vec<ResultsId>,
    /// Everything the call said, in order.
    pub events: Vec<call::Event>,
}

/// Drives `call` against `lean` exactly as an adapter would, in virtual time.
pub fn drive(call: &mut Call<Page<Account>>, lean: &mut FakeLean, shared: &mut Shared) -> Run {
    let mut transcript = Vec::new();
    let mut outcome = None;
    let mut outcomes_seen = 0;
    let mut steps = 0;
    let mut seen = Vec::new();
    let mut events = Vec::new();
    while steps < 2_000 {
        steps += 1;
        while let Some(e) = call.poll_event() {
            events.push(e);
        }
        if let Some(o) = call.poll_outcome() {
            outcomes_seen += 1;
            transcript.push(match &o {
                Ok(_) => "done: data".to_owned(),
                Err(e) => format!("done: {}", kind_name(&e.kind)),
            });
            outcome = Some(o);
            // Keep draining: a second outcome would break "exactly once".
            continue;
        }
        if call.is_done() {
            break;
        }
        let now = lean.now;
        if let Some(tx) = call.poll_transmit(now, &shared.ctx()) {
            transcript.push(match tx.purpose {
                Purpose::Token => "send token".to_owned(),
                Purpose::Data {
                    asynchronous: false,
                } => "send data".to_owned(),
                Purpose::Data { asynchronous: true } => "send data async".to_owned(),
                Purpose::Results { poll: true } => "poll results".to_owned(),
                Purpose::Results { poll: false } => "fetch results".to_owned(),
            });
            let (took, answer) = lean.serve(&tx);
            let timed_out = took > tx.timeout;
            let arrive = lean.now + took.min(tx.timeout);
            // Webhooks that land while the request is out go to the intake (registry).
            deliver_until(arrive, call, lean, shared, &mut transcript, false);
            lean.now = arrive;
            let before = call.results_id().cloned();
            match (timed_out, answer) {
                (true, _) => call.handle_transport_error(
                    tx.id,
                    TransportError::TimedOut { request_sent: true },
                    lean.now,
                    &shared.ctx(),
                ),
                (false, None) => call.handle_transport_error(
                    tx.id,
                    TransportError::Reset { request_sent: true },
                    lean.now,
                    &shared.ctx(),
                ),
                (false, Some(r)) => call.handle_response(tx.id, r, lean.now, &shared.ctx()),
            }
            if let Some(id) = call.results_id()
                && before.as_ref() != Some(id)
            {
                seen.push(id.clone());
            }
            continue;
        }
        let Some(wake) = call.poll_timeout() else {
            continue;
        };
        let next = match lean.next_webhook_at() {
            Some(h) if h < wake => h,
            _ => wake,
        };
        let next = next.max(lean.now);
        transcript.push(match call.waiting() {
            call::Waiting::Results(_) => "wait results".to_owned(),
            call::Waiting::Backoff => "backoff".to_owned(),
            call::Waiting::Token => "wait token".to_owned(),
            w => format!("wait {w:?}"),
        });
        deliver_until(next, call, lean, shared, &mut transcript, true);
        lean.now = next;
        call.handle_timeout(lean.now, &shared.ctx());
    }
    dedupe_transcript(&mut transcript);
    while let Some(e) = call.poll_event() {
        events.push(e);
    }
    Run {
        events,
        outcome: outcome.expect("the call ended with an outcome"),
        finished_at: lean.now,
        outcomes_seen,
        steps,
        transcript,
        seen_results_ids: seen,
    }
}

/// Consecutive identical waits are one wait in a transcript.
fn dedupe_transcript(t: &mut Transcript) {
    t.dedup_by(|a, b| a == b && (a.starts_with("wait") || a == "backoff"));
}

fn deliver_until(
    until: Instant,
    call: &mut Call<Page<Account>>,
    lean: &mut FakeLean,
    shared: &mut Shared,
    transcript: &mut Transcript,
    call_idle: bool,
) {
    for (body, sig) in lean.due_webhooks(until) {
        // The intake: verify, dedupe, mark ready, wake the waiting call.
        let event = lean
            .secret
            .verify_and_parse(&body, Some(&sig))
            .expect("valid webhook");
        if !shared.dedupe.first_time(event.dedupe_key()) {
            transcript.push("webhook duplicate".into());
            continue;
        }
        let EventKind::ResultsReady { results_id } = event.kind else {
            continue;
        };
        let at = until;
        match shared.results.mark_ready(&results_id, at) {
            Readiness::Woke => {
                transcript.push("webhook".into());
                // The registry is the call's one door: a waiting call looks there now.
                if call_idle {
                    call.handle_timeout(at, &shared.ctx());
                }
            }
            Readiness::Held => transcript.push("webhook early".into()),
            Readiness::Duplicate => transcript.push("webhook duplicate".into()),
        }
    }
}

pub fn kind_name(k: &call::CallErrorKind) -> &'static str {
    use call::CallErrorKind::*;
    match k {
        Misuse(_) => "misuse",
        Api(_) => "api error",
        DataFailed(_) => "data failed",
        ReconnectRequired(_) => "reconnect required",
        ConsentExpired(_) => "consent expired",
        Auth(_) => "auth",
        DeadlineExceeded => "deadline exceeded",
        RequestBudgetExhausted => "budget exhausted",
        Decode(_) => "decode",
        Transport(_) => "transport",
        _ => "other",
    }
}

pub fn new_call(now: Instant, config: CallConfig) -> Call<Page<Account>> {
    Call::new(
        GetAccounts::new(entity()),
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        config,
        now,
    )
}
