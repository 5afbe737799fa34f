//! Model-based property test of the call engine: random interleavings of bank latencies,
//! faults, webhooks (on time, late, early, duplicated, lost), timeouts and token expiry,
//! against the fake Lean in virtual time, the core alone: 2,000 cases. The same faults through
//! the real driver are `lean-sim`'s simulation (2,000 seeds here, millions in lean-soak).

mod common;

use common::epoch;
use common::fake_lean::*;
use lean_proto::call::{CallConfig, CallErrorKind};
use lean_proto::retry::RetryPolicy;
use proptest::prelude::*;
use std::time::Duration;

fn latency() -> impl Strategy<Value = Duration> {
    prop::sample::select(vec![1u64, 30, 49, 51, 70, 200, 900, 3600]).prop_map(Duration::from_secs)
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => Just(Fault::None),
        1 => prop::sample::select(vec![500u16, 502, 503]).prop_map(Fault::ServerError),
        1 => (0u64..90).prop_map(Fault::RateLimited),
        1 => Just(Fault::Reset),
        1 => Just(Fault::Blackhole),
        1 => Just(Fault::Truncated),
        1 => prop::sample::select(vec!["BANK_ISSUE", "LEAN_ERROR", "DISABLED_BY_LEAN", "DUPLICATED_REQUEST", "NEW_THING"]).prop_map(Fault::FailedWith),
        1 => Just(Fault::Unauthorized),
    ]
}

fn hook() -> impl Strategy<Value = Hook> {
    prop_oneof![
        3 => Just(Hook::OnTime),
        1 => (1u64..400).prop_map(|s| Hook::Late(Duration::from_secs(s))),
        1 => Just(Hook::Duplicated),
        2 => Just(Hook::Lost),
        1 => Just(Hook::Early),
    ]
}

#[derive(Debug, Clone)]
struct Scenario {
    latencies: Vec<Duration>,
    faults: Vec<Fault>,
    hooks: Vec<Hook>,
    sync_timeout: u64,
    asynchronous: bool,
    deadline: u64,
    token_lifetime: u64,
    seed: u64,
    max_retries: u32,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(latency(), 1..4),
        prop::collection::vec(fault(), 0..8),
        prop::collection::vec(hook(), 0..4),
        prop::sample::select(vec![5u64, 20, 65]),
        any::<bool>(),
        prop::sample::select(vec![30u64, 120, 900]),
        prop::sample::select(vec![40u64, 3599]),
        any::<u64>(),
        0u32..6,
    )
        .prop_map(
            |(
                latencies,
                faults,
                hooks,
                sync_timeout,
                asynchronous,
                deadline,
                token_lifetime,
                seed,
                max_retries,
            )| Scenario {
                latencies,
                faults,
                hooks,
                sync_timeout,
                asynchronous,
                deadline,
                token_lifetime,
                seed,
                max_retries,
            },
        )
}

fn check(s: Scenario) -> Result<(), TestCaseError> {
    let start = epoch();
    let mut lean = FakeLean::new(start);
    lean.bank_latency = s.latencies.clone().into();
    lean.faults = s.faults.clone().into();
    lean.hooks = s.hooks.clone().into();
    lean.token_lifetime = s.token_lifetime;
    let config = {
        let mut calls = CallConfig::default();
        calls.sync_timeout = Duration::from_secs(s.sync_timeout);
        calls.deadline = Duration::from_secs(s.deadline);
        calls.asynchronous = s.asynchronous;
        calls.seed = s.seed;
        calls.retry = RetryPolicy {
            max_retries: s.max_retries,
            ..RetryPolicy::default()
        };
        calls
    };
    let max_requests = config.max_requests;
    let mut shared = Shared::new();
    let mut call = new_call(start, config);
    let run = drive(&mut call, &mut lean, &mut shared);

    // Every call ends exactly once, by itself.
    prop_assert_eq!(run.outcomes_seen, 1);
    prop_assert!(call.poll_outcome().is_none());
    prop_assert!(call.is_done());
    prop_assert!(run.steps < 2_000, "livelock: {} steps", run.steps);
    // Requests stay bounded, and every one was seen by Lean.
    prop_assert!(call.requests_sent() <= max_requests);
    prop_assert_eq!(call.requests_sent(), lean.requests + lean.token_requests);
    // Deadlines hold.
    prop_assert!(
        run.finished_at - start <= Duration::from_secs(s.deadline),
        "{:?}",
        run.finished_at - start
    );
    // The registry holds nothing for a finished call.
    prop_assert_eq!(shared.results.waiting(), 0);

    match &run.outcome {
        Ok(data) => {
            // The data is its own request's: it names a job this call started, and when it came
            // through results, exactly that results_id's job, which did not fail.
            let marker = data.payload.items[0].description.clone().unwrap();
            let job = lean
                .jobs
                .iter()
                .find(|j| j.results_id.to_string() == marker);
            prop_assert!(job.is_some(), "data of an unknown job {marker}");
            prop_assert!(job.unwrap().failed_with.is_none());
            if let Some(id) = &data.results_id {
                prop_assert_eq!(id.to_string(), marker);
                prop_assert!(run.seen_results_ids.contains(id));
            }
        }
        Err(e) => {
            prop_assert!(!e.is_misuse());
            // A results_id is never dropped: if the last one the call learned belongs to a job
            // that did not fail, the error carries it.
            if let Some(last) = run.seen_results_ids.last() {
                let failed = lean
                    .jobs
                    .iter()
                    .any(|j| &j.results_id == last && j.failed_with.is_some());
                if !failed {
                    prop_assert_eq!(e.results_id.as_ref(), Some(last), "{}", e);
                }
            }
            if let CallErrorKind::DataFailed(f) = &e.kind {
                // Retryable codes end as failures only when retries ran out.
                if f.is_retryable() {
                    prop_assert!(s.max_retries < 8);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, max_shrink_iters: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn every_interleaving_keeps_the_invariants(s in scenario()) {
        check(s)?;
    }
}
