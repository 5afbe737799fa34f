//! Every flow of the call engine, pinned as a transcript against the fake Lean.

mod common;

use common::fake_lean::*;
use common::{epoch, secs};
use lean_proto::call::{self, Call, CallConfig, CallErrorKind};
use lean_proto::*;
use std::time::Duration;

fn run(lean: &mut FakeLean, config: CallConfig) -> Run {
    let mut shared = Shared::new();
    let mut call = new_call(lean.now, config);
    drive(&mut call, lean, &mut shared)
}

fn data_id(run: &Run) -> String {
    let d = run.outcome.as_ref().expect("data");
    d.payload.items[0].description.clone().unwrap()
}

#[test]
fn sync_ok() {
    let mut lean = FakeLean::new(epoch());
    let r = run(&mut lean, CallConfig::default());
    assert_eq!(r.transcript, ["send token", "send data", "done: data"]);
    assert_eq!(data_id(&r), lean.jobs[0].results_id.to_string());
    assert_eq!(
        r.outcome.as_ref().unwrap().results_id,
        None,
        "synchronous data: no results to page through"
    );
}

#[test]
fn sync_then_pending_then_webhook_then_results() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(70)].into();
    let r = run(&mut lean, CallConfig::default());
    // PENDING at 50 s; 10 s of grace for the webhook; then polls (404: not yet) with backoff;
    // the webhook at 70 s ends the wait at once.
    let t = &r.transcript;
    assert_eq!(
        t[..4],
        ["send token", "send data", "wait results", "poll results"]
    );
    assert_eq!(t[t.len() - 3..], ["webhook", "fetch results", "done: data"]);
    let d = r.outcome.as_ref().unwrap();
    assert_eq!(d.results_id.as_ref(), Some(&lean.pending_given[0]));
    assert_eq!(data_id(&r), lean.pending_given[0].to_string());
    assert_eq!(
        r.finished_at - lean.jobs[0].ready_at,
        Duration::from_millis(30)
    );
}

/// An event as one line: its kind and what tells it apart.
fn said(e: &call::Event) -> String {
    use call::Event::*;
    match e {
        RequestSent {
            purpose,
            attempt,
            reason,
            ..
        } => format!("sent {} #{attempt} ({})", purpose.as_str(), reason.as_str()),
        AnswerReceived {
            purpose,
            status,
            class,
            lean_code,
            ..
        } => format!(
            "answer {} {status} {}{}",
            purpose.as_str(),
            class.as_str(),
            lean_code
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default()
        ),
        Pending { .. } => "pending".into(),
        PollScheduled { .. } => "poll scheduled".into(),
        ResultsReady { .. } => "results ready".into(),
        Finished { outcome, requests } => format!("finished {} after {requests}", outcome.as_str()),
        other => format!("{other:?}"),
    }
}

#[test]
fn every_step_of_a_pending_call_is_said_in_order() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(70)].into();
    let r = run(&mut lean, CallConfig::default());
    let said: Vec<String> = r.events.iter().map(said).collect();
    let polls = said
        .iter()
        .filter(|s| s.starts_with("sent results_poll"))
        .count();
    assert!(polls >= 1, "{said:#?}");
    let mut expected: Vec<String> = [
        "sent token #1 (token)",
        "answer token 200 data",
        "sent data #1 (first)",
        "answer data 200 pending",
        "pending",
        "poll scheduled",
    ]
    .map(String::from)
    .to_vec();
    for n in 1..=polls {
        expected.push(format!("sent results_poll #{n} (poll)"));
        expected.push("answer results_poll 404 error UNKNOWN_RESULTS_ID".into());
        expected.push("poll scheduled".into());
    }
    expected.extend(
        [
            "results ready",
            &format!("sent results #{} (results_ready)", polls + 1),
            "answer results 200 data",
            &format!("finished data after {}", polls + 3),
        ]
        .map(String::from),
    );
    assert_eq!(said, expected);
    // The PENDING answer and the results carry the same id; ids are never secrets.
    let pending = r.events.iter().find_map(|e| match e {
        call::Event::Pending { results_id } => Some(results_id.clone()),
        _ => None,
    });
    assert_eq!(pending.as_ref(), Some(&lean.pending_given[0]));
}

#[test]
fn retries_and_the_async_switch_say_why() {
    let mut lean = FakeLean::new(epoch());
    lean.faults = [
        Fault::ServerError(503),
        Fault::RateLimited(2),
        Fault::Blackhole,
    ]
    .into();
    let r = run(&mut lean, CallConfig::default().with_sync_timeout(secs(55)));
    let said: Vec<String> = r.events.iter().map(said).collect();
    let retries: Vec<String> = r
        .events
        .iter()
        .filter_map(|e| match e {
            call::Event::RetryScheduled { cause, retry, .. } => {
                Some(format!("{} {retry}", cause.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(retries, ["server_error 1", "rate_limited 2"], "{said:#?}");
    assert!(said.contains(&"SwitchedToAsync".to_owned()), "{said:#?}");
    assert!(
        said.contains(&"sent data_async #4 (async_switch)".to_owned()),
        "{said:#?}"
    );
    assert!(
        said.last().unwrap().starts_with("finished data"),
        "{said:#?}"
    );
}

#[test]
fn async_true_from_the_start() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(5)].into();
    let config = {
        let mut calls = CallConfig::default();
        calls.asynchronous = true;
        calls
    };
    let r = run(&mut lean, config);
    assert_eq!(
        r.transcript,
        [
            "send token",
            "send data async",
            "wait results",
            "webhook",
            "fetch results",
            "done: data"
        ]
    );
}

#[test]
fn webhook_before_the_pending_answer_is_not_lost() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(51)].into();
    lean.hooks = [Hook::Early].into();
    let r = run(&mut lean, CallConfig::default());
    // The webhook lands while the PENDING answer is still on its way; the registry holds it
    // and the call fetches the moment it learns its results_id, with no wait and no poll.
    assert_eq!(
        r.transcript,
        [
            "send token",
            "send data",
            "webhook early",
            "fetch results",
            "done: data"
        ]
    );
    assert!(r.outcome.is_ok());
}

#[test]
fn duplicated_webhook_is_harmless() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(60)].into();
    lean.hooks = [Hook::Duplicated].into();
    let mut shared = Shared::new();
    let mut call = new_call(lean.now, CallConfig::default());
    let r = drive(&mut call, &mut lean, &mut shared);
    assert!(r.outcome.is_ok());
    assert_eq!(r.outcomes_seen, 1);
    assert_eq!(lean.requests, 2, "data, then one fetch");
    // The copy arrives after the call is done: the intake's dedupe recognises it.
    let (body, sig) = lean
        .due_webhooks(lean.now + secs(5))
        .pop()
        .expect("the duplicate");
    let event = lean.secret.verify_and_parse(&body, Some(&sig)).unwrap();
    assert!(!shared.dedupe.first_time(event.dedupe_key()));
    assert!(call.poll_outcome().is_none(), "exactly one outcome");
}

#[test]
fn lost_webhook_falls_back_to_polling_with_backoff() {
    let t0 = epoch();
    let mut lean = FakeLean::new(t0);
    lean.bank_latency = [secs(200)].into();
    lean.hooks = [Hook::Lost].into();
    let r = run(&mut lean, CallConfig::default());
    assert!(r.outcome.is_ok(), "{:?}", r.outcome.as_ref().err());
    let polls = r.transcript.iter().filter(|s| *s == "poll results").count();
    assert!(
        (4..=20).contains(&polls),
        "{polls} polls: {:?}",
        r.transcript
    );
    // Found within one poll interval (max 30 s) of being ready.
    assert!(r.finished_at - t0 <= secs(200 + 31));
}

#[test]
fn results_that_come_back_failed() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(60)].into();
    lean.faults = [Fault::FailedWith("DISABLED_BY_CLIENT")].into();
    let r = run(&mut lean, CallConfig::default());
    let e = r.outcome.as_ref().unwrap_err();
    match &e.kind {
        CallErrorKind::DataFailed(f) => {
            assert_eq!(
                f.granular_status_code,
                Some(GranularStatusCode::DisabledByClient)
            );
            assert!(!f.is_retryable());
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(e.results_id.as_ref(), Some(&lean.pending_given[0]));
}

#[test]
fn retryable_failed_is_retried_with_a_new_request() {
    let mut lean = FakeLean::new(epoch());
    lean.faults = [Fault::FailedWith("BANK_ISSUE")].into();
    let r = run(&mut lean, CallConfig::default());
    assert_eq!(
        r.transcript,
        [
            "send token",
            "send data",
            "backoff",
            "send data",
            "done: data"
        ]
    );
    assert_eq!(data_id(&r), lean.jobs[1].results_id.to_string());
}

#[test]
fn the_fifty_second_trap_reissues_with_async() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(45)].into();
    // A client whose timeout is shorter than the bank: the naive retry would time out forever.
    let config = {
        let mut calls = CallConfig::default();
        calls.sync_timeout = secs(20);
        calls
    };
    let r = run(&mut lean, config);
    let t = &r.transcript;
    assert_eq!(
        t[..4],
        ["send token", "send data", "send data async", "wait results"]
    );
    assert_eq!(t[t.len() - 3..], ["webhook", "fetch results", "done: data"]);
    assert_eq!(lean.jobs.len(), 2, "one retry, not a retry loop");
}

#[test]
fn the_fifty_second_trap_then_duplicated_request_waits_a_minute() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(45), secs(5)].into();
    lean.refuse_duplicates = true;
    let config = {
        let mut calls = CallConfig::default();
        calls.sync_timeout = secs(20);
        calls
    };
    let mut shared = Shared::new();
    let mut call = new_call(lean.now, config);
    let started = lean.now;
    let r = drive(&mut call, &mut lean, &mut shared);
    let t = &r.transcript;
    // The sync request times out at 20 s while the bank still works (until 45 s); the async
    // re-ask is refused as a duplicate; the call waits Lean's minute, not its 0.25 s retry
    // backoff, and the next ask gets PENDING and the data.
    assert_eq!(
        t[..5],
        [
            "send token",
            "send data",
            "send data async",
            "backoff",
            "send data async"
        ]
    );
    assert_eq!(t[t.len() - 3..], ["webhook", "fetch results", "done: data"]);
    assert_eq!(
        lean.transcript
            .iter()
            .filter(|l| *l == "DUPLICATED_REQUEST")
            .count(),
        1
    );
    let d = r.outcome.as_ref().expect("data after the duplicate");
    assert_eq!(d.results_id.as_ref(), Some(&lean.pending_given[0]));
    let second_ask = lean.jobs[1].ready_at - secs(5);
    assert!(
        second_ask - started >= secs(80),
        "20 s timeout + at least 60 s wait"
    );
    assert!(
        second_ask - started <= secs(87),
        "60 s + at most 10 % jitter"
    );
}

#[test]
fn duplicated_request_waits_what_is_left_and_fails_only_at_the_deadline() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(45)].into();
    lean.refuse_duplicates = true;
    let config = {
        let mut calls = CallConfig::default();
        calls.sync_timeout = secs(20);
        calls.deadline = secs(60);
        calls
    };
    let r = run(&mut lean, config);
    let e = r
        .outcome
        .as_ref()
        .expect_err("still refused at the deadline");
    assert_eq!(e.kind, CallErrorKind::DuplicatedRequest { refused: 1 });
    assert!(
        e.last_error
            .as_deref()
            .unwrap_or("")
            .contains("DUPLICATED_REQUEST"),
        "{e}"
    );
    // The 60 s back-off is cut to what was left (40 s), not refused outright at 20 s.
    assert_eq!(r.finished_at - epoch(), secs(60), "ended at the deadline");
}

#[test]
fn rate_limit_honours_retry_after() {
    // In seconds, and as an HTTP date, which is read against the answer's own `Date` (Lean's
    // clock), not against this machine's.
    for (fault, wait) in [
        (Fault::RateLimited(7), secs(7)),
        (Fault::RateLimitedUntil(90), secs(90)),
    ] {
        let mut lean = FakeLean::new(epoch());
        lean.faults = [fault.clone()].into();
        let mut config = CallConfig::default();
        config.retry.max_delay = secs(600);
        let r = run(&mut lean, config);
        assert_eq!(
            r.transcript,
            [
                "send token",
                "send data",
                "backoff",
                "send data",
                "done: data"
            ],
            "{fault:?}"
        );
        // 20 ms token + 30 ms 429 + the wait + 2 s bank.
        assert_eq!(
            r.finished_at - epoch(),
            Duration::from_millis(50) + wait + secs(2),
            "{fault:?}"
        );
    }
}

#[test]
fn server_errors_then_success() {
    let mut lean = FakeLean::new(epoch());
    lean.faults = [Fault::ServerError(500), Fault::ServerError(503)].into();
    let r = run(&mut lean, CallConfig::default());
    assert!(r.outcome.is_ok());
    assert_eq!(lean.requests, 3);
}

#[test]
fn server_errors_exhaust_retries_into_a_typed_error() {
    let mut lean = FakeLean::new(epoch());
    lean.faults = std::iter::repeat_n(Fault::ServerError(502), 10).collect();
    let r = run(&mut lean, CallConfig::default());
    let e = r.outcome.as_ref().unwrap_err();
    assert!(
        matches!(&e.kind, CallErrorKind::Api(a) if a.http_status == 502),
        "{e}"
    );
    assert_eq!(lean.requests, 5, "1 + max_retries");
    assert_eq!(e.correlation_id.as_deref(), Some("fake-corr"));
}

#[test]
fn connection_reset_then_success() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(1)].into();
    lean.faults = [Fault::Reset].into();
    let r = run(&mut lean, CallConfig::default());
    // The request may have reached Lean: asked again with async so the work is not lost.
    assert_eq!(
        r.transcript[..3],
        ["send token", "send data", "send data async"]
    );
    assert!(r.outcome.is_ok());
}

#[test]
fn truncated_body_is_retried() {
    let mut lean = FakeLean::new(epoch());
    lean.faults = [Fault::Truncated].into();
    let r = run(&mut lean, CallConfig::default());
    assert!(r.outcome.is_ok());
}

#[test]
fn token_expiry_mid_run_renews_once_and_replays() {
    let mut lean = FakeLean::new(epoch());
    lean.faults = [Fault::Unauthorized].into();
    let r = run(&mut lean, CallConfig::default());
    assert_eq!(
        r.transcript,
        [
            "send token",
            "send data",
            "send token",
            "send data",
            "done: data"
        ]
    );
    // A 401 to the renewed token too (a revocation that raced the renewal): replayed again.
    let mut lean = FakeLean::new(epoch());
    lean.faults = [Fault::Unauthorized, Fault::Unauthorized].into();
    let r = run(&mut lean, CallConfig::default());
    assert!(r.outcome.is_ok());
    // Refused with every fresh token: the fourth 401 is the answer, not a loop.
    let mut lean = FakeLean::new(epoch());
    lean.faults = std::iter::repeat_with(|| Fault::Unauthorized)
        .take(4)
        .collect();
    let r = run(&mut lean, CallConfig::default());
    assert!(
        matches!(&r.outcome.as_ref().unwrap_err().kind, CallErrorKind::Api(a) if a.http_status == 401)
    );
}

#[test]
fn deadline_keeps_the_results_id() {
    let t0 = epoch();
    let mut lean = FakeLean::new(t0);
    lean.bank_latency = [secs(3600)].into();
    lean.hooks = [Hook::Lost].into();
    let config = {
        let mut calls = CallConfig::default();
        calls.deadline = secs(120);
        calls
    };
    let r = run(&mut lean, config);
    let e = r.outcome.as_ref().unwrap_err();
    assert_eq!(e.kind, CallErrorKind::DeadlineExceeded);
    assert_eq!(e.results_id.as_ref(), Some(&lean.pending_given[0]));
    assert!(r.finished_at - t0 <= secs(120));
    assert!(e.to_string().contains(lean.pending_given[0].as_str()));
}

#[test]
fn resume_after_restart() {
    let t0 = epoch();
    let mut lean = FakeLean::new(t0);
    lean.bank_latency = [secs(300)].into();
    lean.hooks = [Hook::Lost].into();
    // First process: gives up after 60 s but keeps the results_id.
    let r = run(&mut lean, {
        let mut calls = CallConfig::default();
        calls.deadline = secs(60);
        calls
    });
    let id = r.outcome.unwrap_err().results_id.unwrap();
    // Restart: a fresh client, registry and token.
    lean.now += secs(600);
    let mut shared = Shared::new();
    let mut call: Call<Page<Account>> = Call::resume(
        &pending::PendingHandle::new(id.clone()),
        ApiGeneration::V2,
        base(),
        CallConfig::default(),
        lean.now,
    );
    let r = drive(&mut call, &mut lean, &mut shared);
    assert_eq!(r.transcript, ["send token", "poll results", "done: data"]);
    assert_eq!(data_id(&r), id.to_string());
}

#[test]
fn resume_before_ready_waits_for_the_webhook() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(120)].into();
    let mut shared = Shared::new();
    let mut first = new_call(lean.now, {
        let mut calls = CallConfig::default();
        calls.deadline = secs(55);
        calls
    });
    let id = drive(&mut first, &mut lean, &mut shared)
        .outcome
        .unwrap_err()
        .results_id
        .unwrap();
    let mut shared = Shared::new();
    let mut call: Call<Page<Account>> = Call::resume(
        &pending::PendingHandle::new(id),
        ApiGeneration::V2,
        base(),
        CallConfig::default(),
        lean.now,
    );
    let r = drive(&mut call, &mut lean, &mut shared);
    let t = &r.transcript;
    assert_eq!(t[..3], ["send token", "poll results", "wait results"]);
    assert_eq!(t[t.len() - 3..], ["webhook", "fetch results", "done: data"]);
    assert!(
        t.iter().filter(|s| *s == "poll results").count() >= 2,
        "kept polling while waiting"
    );
}

#[test]
fn misuse_is_reported_as_misuse() {
    let mut lean = FakeLean::new(epoch());
    let mut shared = Shared::new();
    let mut bad = GetAccounts::new(entity());
    bad.options.size = Some(1000);
    let mut call = call_for(bad, lean.now);
    let r = drive(&mut call, &mut lean, &mut shared);
    let e = r.outcome.unwrap_err();
    assert!(e.is_misuse());
    assert_eq!(lean.requests, 0, "nothing was sent to the data API");
}

#[test]
fn registry_forgets_finished_calls() {
    let mut lean = FakeLean::new(epoch());
    lean.bank_latency = [secs(60)].into();
    let mut shared = Shared::new();
    let mut call = new_call(lean.now, CallConfig::default());
    drive(&mut call, &mut lean, &mut shared).outcome.unwrap();
    assert_eq!(shared.results.waiting(), 0);
    assert_eq!(shared.results.held_early(), 0);
}

/// A call told nobody reads its events (`set_events(false)`, as the client does when nobody
/// watches) says nothing and decides exactly the same: the same requests at the same instants,
/// the same outcome, in a plain call, a PENDING one and one with retries.
#[test]
fn events_off_change_nothing_but_the_events() {
    let flows: [fn(&mut FakeLean); 3] = [
        |_| {},
        |l| l.bank_latency = [secs(70)].into(),
        |l| l.faults = [Fault::ServerError(500), Fault::ServerError(503)].into(),
    ];
    for flow in flows {
        let runs = [true, false].map(|on| {
            let mut lean = FakeLean::new(epoch());
            flow(&mut lean);
            let mut shared = Shared::new();
            let mut call = new_call(lean.now, CallConfig::default());
            call.set_events(on);
            drive(&mut call, &mut lean, &mut shared)
        });
        let [with, without] = runs;
        assert!(!with.events.is_empty());
        assert!(without.events.is_empty(), "{:?}", without.events);
        assert_eq!(with.transcript, without.transcript);
        assert_eq!(with.finished_at, without.finished_at);
        assert_eq!(
            with.outcome.as_ref().map(|d| (&d.results_id, d.requests)),
            without
                .outcome
                .as_ref()
                .map(|d| (&d.results_id, d.requests))
        );
        assert_eq!(data_id(&with), data_id(&without));
    }
}
