//! An in-memory Lean: sans-IO, in virtual time, with scripted or seeded faults. It serves the
//! same `http::Request`s the core builds and answers with the `http::Response`s Lean sends
//! (tokens, data, PENDING, results, FAILED, Lean's error bodies), and signs `results.ready`
//! webhooks on Lean's schedule (on time, late, duplicated, lost, or ahead of the PENDING answer).
//!
//! This file is the one in-memory Lean of the project: the simulation serves the real driver
//! with it, and `lean-proto`'s call tests include the same file (`#[path]`) to drive the core
//! directly. It knows nothing of either: requests in, answers and webhooks out.

use lean_proto::ResultsId;
use lean_proto::webhook::WebhookSecret;
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
    /// 429 with `Retry-After` as an HTTP date `secs` (under 12 hours) after the answer's `Date`,
    /// by Lean's clock: a wait that only the two headers together say.
    RateLimitedUntil(u64),
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
    /// The connection is refused: the request never reaches Lean.
    Refused,
}

/// What became of one request.
#[derive(Debug)]
pub enum Served {
    /// Lean answers after this long.
    Answer(Duration, http::Response<Vec<u8>>),
    /// The request reached Lean, then the connection broke after this long (a long one is a
    /// request that never gets its answer).
    Cut(Duration),
    /// The connection was refused: Lean never saw the request.
    Refused,
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
    /// Its id.
    pub results_id: ResultsId,
    /// When the bank is done.
    pub ready_at: Instant,
    /// The FAILED code it ends with, if any.
    pub failed_with: Option<&'static str>,
    /// The `lean-correlation-id` of the request that started it: whose data it is.
    pub correlation_id: Option<String>,
}

/// A log line of what happened, for transcripts.
pub type Transcript = Vec<String>;

/// The in-memory Lean; see the module docs. Public fields are the script and the record.
#[allow(missing_docs)]
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
    /// `POST /customers/v1` requests that reached Lean, per `app_user_id`.
    pub customers_created: BTreeMap<String, u32>,
    /// Faults of each successive `POST /customers/v1`, in order.
    pub customer_faults: VecDeque<Fault>,
    seq: u64,
    refused: bool,
    pub transcript: Transcript,
}

impl FakeLean {
    /// A Lean whose clock reads `now`; banks take 2 s.
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
            customers_created: BTreeMap::new(),
            customer_faults: VecDeque::new(),
            seq: 0,
            refused: false,
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

    /// When the next webhook leaves.
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

    /// Serves one request at `self.now`.
    pub fn serve(&mut self, req: &http::Request<Vec<u8>>) -> Served {
        match self.serve_inner(req) {
            _ if self.refused => {
                self.refused = false;
                Served::Refused
            }
            (took, Some(answer)) => Served::Answer(took, answer),
            (took, None) => Served::Cut(took),
        }
    }

    fn serve_inner(
        &mut self,
        req: &http::Request<Vec<u8>>,
    ) -> (Duration, Option<http::Response<Vec<u8>>>) {
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
        if path == "/customers/v1" {
            return self.create_customer(req);
        }
        let fault = self.faults.pop_front().unwrap_or(Fault::None);
        if fault == Fault::Refused {
            self.refused = true;
            self.transcript.push("refused".into());
            return (Duration::ZERO, None);
        }
        self.requests += 1;
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
            Fault::RateLimitedUntil(secs) => {
                let at = 12 * 3600 + secs.min(12 * 3600 - 1);
                let r = http::Response::builder()
                    .status(429)
                    .header("date", "Sun, 06 Dec 2026 12:00:00 GMT")
                    .header(
                        "retry-after",
                        format!(
                            "Sun, 06 Dec 2026 {:02}:{:02}:{:02} GMT",
                            at / 3600,
                            at / 60 % 60,
                            at % 60
                        ),
                    )
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
            Fault::None | Fault::FailedWith(_) | Fault::Refused => {}
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
            correlation_id: req
                .headers()
                .get("lean-correlation-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
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

    /// `POST /customers/v1`: never idempotent; each request that arrives is counted.
    fn create_customer(
        &mut self,
        req: &http::Request<Vec<u8>>,
    ) -> (Duration, Option<http::Response<Vec<u8>>>) {
        let fault = self.customer_faults.pop_front().unwrap_or(Fault::None);
        if fault == Fault::Refused {
            self.refused = true;
            return (Duration::ZERO, None);
        }
        let body = String::from_utf8_lossy(req.body()).into_owned();
        let app_user_id = body
            .split("\"app_user_id\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_owned();
        *self
            .customers_created
            .entry(app_user_id.clone())
            .or_default() += 1;
        let quick = Duration::from_millis(30);
        match fault {
            Fault::Reset => return (quick, None),
            Fault::Blackhole => return (Duration::from_secs(24 * 3600), None),
            Fault::ServerError(s) => {
                return (
                    quick,
                    Some(json(
                        s,
                        r#"{"status":"INTERNAL_SERVER_ERROR","message":"Something has gone wrong.","metadata":null}"#,
                    )),
                );
            }
            _ => {}
        }
        self.seq += 1;
        let customer_id = format!("00000000-0000-4000-a000-{:012x}", self.seq);
        (
            quick,
            Some(json(
                200,
                &format!(r#"{{"customer_id":"{customer_id}","app_user_id":"{app_user_id}"}}"#),
            )),
        )
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

/// A UUID-shaped id from a number.
pub fn uuid_like(n: u64) -> String {
    format!("00000000-0000-4000-9000-{n:012x}")
}

/// A JSON answer as Lean sends it.
pub fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("lean-correlation-id", "fake-corr")
        .body(body.as_bytes().to_vec())
        .unwrap()
}
