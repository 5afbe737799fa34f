//! No `CallConfig` and no sequence of answers panics the call engine or the token cache:
//! durations from zero to `Duration::MAX`, budgets from 0 to `u32::MAX`, correlation ids
//! that are not header values, token bodies with absurd `expires_in`, garbage bodies, every
//! transport error, webhooks for anyone, and time jumping by anything. Each case ends by
//! itself (bounded steps); the property is "no panic, and an outcome or a wait".

mod common;

use common::epoch;
use lean_proto::auth::TokenCache;
use lean_proto::call::{Call, CallConfig, Context};
use lean_proto::results::InMemoryResults;
use lean_proto::retry::{RetryPolicy, TransportError};
use lean_proto::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn duration() -> impl Strategy<Value = Duration> {
    prop::sample::select(vec![
        Duration::ZERO,
        Duration::from_millis(1),
        Duration::from_secs(1),
        Duration::from_secs(65),
        Duration::from_secs(u64::MAX / 2),
        Duration::MAX,
    ])
}

fn count() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![0u32, 1, 4, 64, u32::MAX])
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (count(), duration(), duration()).prop_map(|(max_retries, base_delay, max_delay)| RetryPolicy {
        max_retries,
        base_delay,
        max_delay,
    })
}

fn config() -> impl Strategy<Value = CallConfig> {
    (
        (duration(), duration(), duration(), duration()),
        (policy(), policy(), count(), any::<u64>(), any::<bool>()),
        (
            prop::option::of(prop::sample::select(vec![
                "ok-id",
                "bad\nheader",
                "ünïcode",
                "",
            ])),
            duration(),
        ),
    )
        .prop_map(
            |(
                (sync_timeout, request_timeout, deadline, webhook_grace),
                (poll, retry, max_requests, seed, asynchronous),
                (corr, duplicate_backoff),
            )| {
                {
                    let mut calls = CallConfig::default();
                    calls.sync_timeout = sync_timeout;
                    calls.request_timeout = request_timeout;
                    calls.deadline = deadline;
                    calls.webhook_grace = webhook_grace;
                    calls.poll = poll;
                    calls.retry = retry;
                    calls.max_requests = max_requests;
                    calls.seed = seed;
                    calls.correlation_id = corr.map(str::to_owned);
                    calls.asynchronous = asynchronous;
                    calls.duplicate_backoff = duplicate_backoff;
                    calls
                }
            },
        )
}

#[derive(Debug, Clone)]
enum Step {
    Answer(u16, &'static str),
    Transport(TransportError),
    Advance(Duration),
    Ready(u8),
}

const BODIES: &[&str] = &[
    r#"{"access_token":"t","token_type":"Bearer","expires_in":0}"#,
    r#"{"access_token":"t","token_type":"Bearer","expires_in":18446744073709551615}"#,
    r#"{"access_token":"t","token_type":"Bearer","expires_in":-1}"#,
    r#"{"access_token":"t","token_type":"Bearer","expires_in":"soon"}"#,
    r#"{"status":"PENDING","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":null}"#,
    r#"{"status":"PENDING","results_id":"../../etc","data":null}"#,
    r#"{"status":"OK","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":{"accounts":[],"page":{"number":4294967295,"size":0,"total_elements":18446744073709551615,"total_pages":4294967295}}}"#,
    r#"{"status":"FAILED","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","status_detail":{"granular_status_code":"NEW_THING"}}"#,
    r#"{"status":"FAILED","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","status_detail":{"granular_status_code":"DUPLICATED_REQUEST"}}"#,
    r#"{"status":"DUPLICATED_REQUEST","message":"Data refresh is already pending."}"#,
    r#"{"status":"RECONNECT_REQUIRED","reconnect_id":"x"}"#,
    r#"{"status":"UNKNOWN_RESULTS_ID","message":"not yet"}"#,
    r#"{"status":"OK","data":{"accounts":[{"account_id":1e999}]}}"#,
    "",
    "\u{0}\u{ff}not json",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (prop::sample::select(vec![200u16, 201, 202, 204, 301, 400, 401, 403, 404, 429, 500, 503, 599, 999]),
              prop::sample::select(BODIES.to_vec()))
            .prop_map(|(s, b)| Step::Answer(s, b)),
        2 => prop::sample::select(vec![
            TransportError::Connect,
            TransportError::TimedOut { request_sent: true },
            TransportError::TimedOut { request_sent: false },
            TransportError::Reset { request_sent: true },
            TransportError::Reset { request_sent: false },
            TransportError::TooLarge { limit: 0 },
        ]).prop_map(Step::Transport),
        1 => duration().prop_map(Step::Advance),
        1 => (0u8..3).prop_map(Step::Ready),
    ]
}

fn response(status: u16, body: &str) -> Option<http::Response<Vec<u8>>> {
    let mut b = http::Response::builder().status(status);
    if status == 429 {
        b = b.header("retry-after", "18446744073709551615");
    }
    b.body(body.as_bytes().to_vec()).ok()
}

fn later(now: Instant, by: Duration) -> Instant {
    now.checked_add(by.min(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn no_config_and_no_answers_panic_the_core(config in config(), steps in prop::collection::vec(step(), 0..40), submit in any::<bool>()) {
        let t0 = epoch();
        let lean = common::fake_lean::config();
        let tokens = TokenCache::new(&lean);
        let results = InMemoryResults::default();
        let ctx = Context { tokens: &tokens, results: &results };
        let endpoint = GetAccounts::new(common::fake_lean::entity());
        let mut call = if submit {
            Call::submit(endpoint, lean.api_base(), config, t0)
        } else {
            Call::new(endpoint, lean.api_base(), config, t0)
        };
        let ids = ["2ab8c57a-011b-418f-9419-968155e600dd", "00000000-0000-4000-8000-000000000001", "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"];
        let mut now = t0;
        let mut steps = steps.into_iter();
        for _ in 0..200 {
            let handed = submit && call.hand_over(&ctx).is_some();
            if call.poll_outcome().is_some() || handed || call.is_done() {
                break;
            }
            match call.poll_transmit(now, &ctx) {
                Some(tx) => match steps.next() {
                    Some(Step::Answer(status, body)) => match response(status, body) {
                        Some(r) => call.handle_response(tx.id, r, now, &ctx),
                        None => call.handle_transport_error(tx.id, TransportError::Connect, now, &ctx),
                    },
                    Some(Step::Transport(e)) => call.handle_transport_error(tx.id, e, now, &ctx),
                    Some(Step::Advance(d)) => {
                        now = later(now, d);
                        call.handle_transport_error(tx.id, TransportError::TimedOut { request_sent: true }, now, &ctx);
                    }
                    Some(Step::Ready(i)) => {
                        let id = ResultsId::parse(ids[usize::from(i)]).unwrap();
                        ctx.results.mark_ready(&id, now);
                        call.handle_timeout(now, &ctx);
                    }
                    None => call.handle_transport_error(tx.id, TransportError::Connect, now, &ctx),
                },
                None => {
                    // Waiting: jump to the deadline the call asked for (or a bit on).
                    now = match call.poll_timeout() {
                        Some(at) if at > now => at,
                        _ => later(now, Duration::from_secs(1)),
                    };
                    call.handle_timeout(now, &ctx);
                }
            }
        }
        // Whatever happened, abandoning is always possible and leaves nothing behind.
        let _ = call.abandon(&ctx);
        prop_assert_eq!(results.waiting(), 0);
    }
}
