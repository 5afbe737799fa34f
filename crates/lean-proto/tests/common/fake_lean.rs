//! A loop that runs one [`Call`] of the core against the in-memory Lean (`super::lean`) in
//! virtual time, the way a driver does, with the webhook intake feeding the registry: for the
//! core's own tests. The real driver is simulated in `lean-sim`.

pub use super::lean::*;
use lean_proto::call::{Call, CallConfig, CallData, CallError, Context, Purpose};
use lean_proto::results::{InMemoryResults, Readiness, ResultsRegistry};
use lean_proto::retry::TransportError;
use lean_proto::webhook::EventKind;
use lean_proto::*;
use std::time::{Duration, Instant};

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
            api_base: base(),
            auth_base: base(),
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
            let (took, answer, refused) = match lean.serve(&tx.request) {
                Served::Answer(took, r) => (took, Some(r), false),
                Served::Cut(took) => (took, None, false),
                Served::Refused => (Duration::ZERO, None, true),
            };
            let timed_out = took > tx.timeout;
            let arrive = lean.now + took.min(tx.timeout);
            // Webhooks that land while the request is out go to the intake (registry).
            deliver_until(arrive, call, lean, shared, &mut transcript, false);
            lean.now = arrive;
            let before = call.results_id().cloned();
            match (timed_out, answer) {
                _ if refused => call.handle_transport_error(
                    tx.id,
                    TransportError::Connect,
                    lean.now,
                    &shared.ctx(),
                ),
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

/// The fake's address: nothing listens there (the tests drive calls by hand).
pub fn base() -> BaseUrl {
    BaseUrl::parse("http://127.0.0.1:1").unwrap()
}

/// A call of `endpoint` against the fake, with the default configuration.
pub fn call_for<E>(endpoint: E, now: Instant) -> Call<E::Output>
where
    E: Endpoint + Clone + Send + 'static,
{
    Call::new(endpoint, base(), CallConfig::default(), now)
}

pub fn new_call(now: Instant, config: CallConfig) -> Call<Page<Account>> {
    Call::new(GetAccounts::new(entity()), base(), config, now)
}

/// A token endpoint's answer carrying `token`.
pub fn token_body(token: &str) -> http::Response<Vec<u8>> {
    json(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600}}"#),
    )
}

/// Drives `call` at one instant, answering its token requests `T1`, `T2`… and its data
/// requests with `data(n)` for the n-th; its outcome, or a panic after 20 requests.
// The call's own outcome type, as `Call::poll_outcome` returns it.
#[allow(clippy::result_large_err)]
pub fn step_through(
    call: &mut Call<Page<Account>>,
    shared: &Shared,
    mut data: impl FnMut(u32) -> http::Response<Vec<u8>>,
) -> Result<lean_proto::call::CallData<Page<Account>>, lean_proto::call::CallError> {
    let t0 = super::epoch();
    let (mut tokens, mut datas) = (0, 0);
    for _ in 0..20 {
        if let Some(outcome) = call.poll_outcome() {
            return outcome;
        }
        let tx = call.poll_transmit(t0, &shared.ctx()).expect("a request");
        let response = if tx.purpose == lean_proto::call::Purpose::Token {
            tokens += 1;
            token_body(&format!("T{tokens}"))
        } else {
            datas += 1;
            data(datas)
        };
        call.handle_response(tx.id, response, t0, &shared.ctx());
    }
    panic!("no outcome after 20 requests");
}
