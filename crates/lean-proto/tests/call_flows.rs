//! Every flow of the call engine, pinned as a transcript against the fake Lean.

mod common;

use common::epoch;
use common::fake_lean::*;
use lean_proto::call::{self, Call, CallConfig, CallErrorKind};
use lean_proto::*;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

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
    let t0 = epoch();
    let mut lean = FakeLean::new(t0);
    lean.faults = [Fault::RateLimited(7)].into();
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
    // 20 ms token + 30 ms 429 + 7 s + 2 s bank.
    assert_eq!(
        r.finished_at - epoch(),
        Duration::from_millis(50) + secs(7) + secs(2)
    );
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
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
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
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
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
    let mut call = Call::new(
        bad,
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        CallConfig::default(),
        lean.now,
    );
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

fn read_all_pages(
    lean: &mut FakeLean,
    pager: &mut lean_proto::pager::Pager<Page<Account>>,
) -> (Vec<String>, Vec<String>) {
    let mut shared = Shared::new();
    let mut names = Vec::new();
    let mut owners = Vec::new();
    let mut guard = 0;
    while let Some(mut call) = pager.next_call(
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        CallConfig::default(),
        lean.now,
    ) {
        guard += 1;
        assert!(guard < 50);
        let run = drive(&mut call, lean, &mut shared);
        let data = run.outcome.unwrap();
        for item in &data.payload.items {
            names.push(item.nickname.clone().unwrap());
            owners.push(item.description.clone().unwrap());
        }
        pager.handle_page(&data);
    }
    (names, owners)
}

#[test]
fn paging_through_every_page_of_data() {
    let mut lean = FakeLean::new(epoch());
    lean.total_items = 7;
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.size = Some(3);
    let mut pager = lean_proto::pager::Pager::new(endpoint);
    let (names, _) = read_all_pages(&mut lean, &mut pager);
    assert_eq!(
        names,
        (0..7).map(|n| format!("item-{n}")).collect::<Vec<_>>()
    );
    assert_eq!(lean.jobs.len(), 3, "one request per page");
    assert_eq!(pager.next_page(), None);
}

#[test]
fn paging_through_results_after_pending_never_asks_the_bank_again() {
    let mut lean = FakeLean::new(epoch());
    lean.total_items = 5;
    lean.bank_latency = [secs(70)].into();
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.size = Some(2);
    let mut pager = lean_proto::pager::Pager::new(endpoint);
    let (names, owners) = read_all_pages(&mut lean, &mut pager);
    assert_eq!(
        names,
        (0..5).map(|n| format!("item-{n}")).collect::<Vec<_>>()
    );
    assert_eq!(
        lean.jobs.len(),
        1,
        "pages 1 and 2 came from the same results"
    );
    let id = lean.jobs[0].results_id.to_string();
    assert!(owners.iter().all(|o| *o == id));
    assert_eq!(pager.results_id().map(|r| r.to_string()), Some(id));
}

#[test]
fn submit_stops_at_pending_and_hands_out_the_results_id() {
    let mut lean = FakeLean::new(epoch());
    let shared = Shared::new();
    let mut call = Call::submit(
        GetAccounts::new(entity()),
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        CallConfig::default(),
        lean.now,
    );
    let mut guard = 0;
    let id = loop {
        guard += 1;
        assert!(guard < 20);
        if let Some(id) = call.hand_over(&shared.ctx()) {
            break id;
        }
        let tx = call
            .poll_transmit(lean.now, &shared.ctx())
            .expect("a request");
        let Served::Answer(_, resp) = lean.serve(&tx.request) else {
            panic!("no fault was scripted")
        };
        call.handle_response(tx.id, resp, lean.now, &shared.ctx());
    };
    assert!(call.is_done());
    assert!(call.poll_outcome().is_none());
    assert_eq!(lean.pending_given.len(), 1);
    assert_eq!(lean.pending_given[0], id.results_id);
    // The handle restores the request: its generation, endpoint, page and page size.
    assert_eq!(id.generation, Some(ApiGeneration::V2));
    assert_eq!(id.endpoint.as_deref(), Some("accounts"));
    assert_eq!(shared.results.waiting(), 0, "nobody waits after a submit");
}

#[test]
fn the_endpoints_own_async_flag_is_kept() {
    let mut lean = FakeLean::new(epoch());
    let mut shared = Shared::new();
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.asynchronous = true;
    let mut call = Call::new(
        endpoint,
        BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        CallConfig::default(),
        lean.now,
    );
    let r = drive(&mut call, &mut lean, &mut shared);
    assert_eq!(r.transcript[1], "send data async");
}

#[test]
fn cursor_reads_every_item_and_stops_after_a_failed_page() {
    use lean_proto::pager::{Cursor, Next};
    let base = || BaseUrl::parse("http://127.0.0.1:1").unwrap();
    let mut lean = FakeLean::new(epoch());
    lean.total_items = 7;
    let mut shared = Shared::new();
    let mut endpoint = GetAccounts::new(entity());
    endpoint.options.size = Some(3);
    let mut cursor = Cursor::new(endpoint.clone());
    let mut names = Vec::new();
    for _ in 0..50 {
        match cursor.next(base(), CallConfig::default(), lean.now) {
            Next::Item(a) => names.push(a.nickname.unwrap()),
            Next::Fetch(mut call) => {
                cursor.handle_page(drive(&mut call, &mut lean, &mut shared).outcome.unwrap())
            }
            Next::Done => break,
        }
    }
    assert_eq!(
        names,
        (0..7).map(|n| format!("item-{n}")).collect::<Vec<_>>()
    );
    // A failed page ends the cursor instead of skipping to the next page.
    let mut cursor = Cursor::new(endpoint);
    assert!(matches!(
        cursor.next(base(), CallConfig::default(), lean.now),
        Next::Fetch(_)
    ));
    cursor.fail();
    assert!(matches!(
        cursor.next(base(), CallConfig::default(), lean.now),
        Next::Done
    ));
}

fn token_body(token: &str) -> http::Response<Vec<u8>> {
    json(
        200,
        &format!(r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":3600}}"#),
    )
}

#[test]
fn a_call_waiting_for_another_calls_token_fetch_stays_put_until_it_ends() {
    let t0 = epoch();
    let shared = Shared::new();
    let base = BaseUrl::parse("http://127.0.0.1:1").unwrap();
    let mut fetcher = Call::new(
        GetAccounts::new(entity()),
        base.clone(),
        CallConfig::default(),
        t0,
    );
    let mut waiter = Call::new(GetAccounts::new(entity()), base, CallConfig::default(), t0);
    let fetch = fetcher
        .poll_transmit(t0, &shared.ctx())
        .expect("token request");
    assert!(waiter.poll_transmit(t0, &shared.ctx()).is_none());
    assert_eq!(waiter.waiting(), lean_proto::call::Waiting::Token);
    let until = waiter.poll_timeout().expect("a deadline to wake at");
    assert!(until > t0, "a real deadline (the fetch timeout), not 'now'");
    // Time passes while the fetch is out: the waiter neither sends nor spins back to "send".
    for ms in [0, 1, 10, 1000] {
        waiter.handle_timeout(t0 + Duration::from_millis(ms), &shared.ctx());
        assert_eq!(waiter.waiting(), lean_proto::call::Waiting::Token);
        assert!(waiter.poll_transmit(t0, &shared.ctx()).is_none());
    }
    // The fetch ends: the waiter goes on with the new token.
    fetcher.handle_response(fetch.id, token_body("T1"), t0 + secs(1), &shared.ctx());
    waiter.handle_timeout(t0 + secs(1), &shared.ctx());
    let tx = waiter
        .poll_transmit(t0 + secs(1), &shared.ctx())
        .expect("data request");
    assert_eq!(
        tx.purpose,
        lean_proto::call::Purpose::Data {
            asynchronous: false
        }
    );
}

#[test]
fn an_abandoned_call_hands_its_token_fetch_on_and_leaves_the_registry() {
    let t0 = epoch();
    let shared = Shared::new();
    let base = BaseUrl::parse("http://127.0.0.1:1").unwrap();
    let mut fetcher = Call::new(
        GetAccounts::new(entity()),
        base.clone(),
        CallConfig::default(),
        t0,
    );
    let _fetch = fetcher
        .poll_transmit(t0, &shared.ctx())
        .expect("token request");
    let released = fetcher.abandon(&shared.ctx());
    assert!(released.token_fetch);
    assert!(fetcher.is_done() && fetcher.poll_outcome().is_none());
    assert!(
        !shared.tokens.is_fetching(t0),
        "the next caller may fetch at once"
    );
    let mut next = Call::new(
        GetAccounts::new(entity()),
        base.clone(),
        CallConfig::default(),
        t0,
    );
    let tx = next
        .poll_transmit(t0, &shared.ctx())
        .expect("its own fetch");
    assert_eq!(tx.purpose, lean_proto::call::Purpose::Token);
    next.handle_response(tx.id, token_body("T2"), t0, &shared.ctx());

    // Parked on PENDING, then abandoned: the registry forgets it.
    let mut parked = Call::new(GetAccounts::new(entity()), base, CallConfig::default(), t0);
    let tx = parked
        .poll_transmit(t0, &shared.ctx())
        .expect("data request");
    let pending = json(
        200,
        r#"{"status":"PENDING","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":null}"#,
    );
    parked.handle_response(tx.id, pending, t0, &shared.ctx());
    assert_eq!(shared.results.waiting(), 1);
    assert!(!parked.abandon(&shared.ctx()).token_fetch);
    assert_eq!(shared.results.waiting(), 0);
}

const ACCOUNTS_OK: &str = r#"{"status":"OK","results_id":"00000000-0000-4000-8000-000000000001","message":"ok","timestamp":"2026-01-01T00:00:00Z","type":"accounts","data":{"type":"accounts","accounts":[],"page":{"number":0,"size":50,"total_elements":0,"total_pages":1}}}"#;
const UNAUTHORIZED: &str = r#"{"status":"UNAUTHORIZED","message":"invalid token"}"#;

/// Answers every token request with a new token and every data request with `data(n)`.
#[allow(clippy::result_large_err)] // a test helper returning the call's own outcome
fn step_through(
    call: &mut Call<Page<Account>>,
    shared: &Shared,
    mut data: impl FnMut(u32) -> http::Response<Vec<u8>>,
) -> Result<lean_proto::call::CallData<Page<Account>>, lean_proto::call::CallError> {
    let t0 = epoch();
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

#[test]
fn a_revocation_racing_a_renewal_is_survived() {
    // T1 refused (revoked); T2 was issued just before the revocation and is refused too; T3
    // works. A single replay would have failed the call on T2.
    let shared = Shared::new();
    let mut call = new_call(epoch(), CallConfig::default());
    let r = step_through(&mut call, &shared, |n| {
        if n <= 2 {
            json(401, UNAUTHORIZED)
        } else {
            json(200, ACCOUNTS_OK)
        }
    });
    assert!(r.is_ok(), "{r:?}");
    // A credential that stays refused ends with the 401 as the answer, after a bounded
    // number of fresh tokens.
    let shared = Shared::new();
    let mut call = new_call(epoch(), CallConfig::default());
    let r = step_through(&mut call, &shared, |_| json(401, UNAUTHORIZED));
    let e = r.expect_err("refused for good");
    assert!(
        matches!(e.kind, CallErrorKind::Api(ref a) if a.http_status == 401),
        "{e:?}"
    );
    assert_eq!(
        call.requests_sent(),
        8,
        "4 tokens, 4 data requests: no loop"
    );
}

#[test]
fn no_call_config_overflows_time() {
    // Duration::MAX is a natural way to say "no deadline".
    let forever = {
        let mut calls = CallConfig::default();
        calls.deadline = Duration::MAX;
        calls.webhook_grace = Duration::MAX;
        calls.sync_timeout = Duration::MAX;
        calls.request_timeout = Duration::MAX;
        calls
    };
    let shared = Shared::new();
    let mut call = new_call(epoch(), forever);
    assert!(call.poll_timeout().is_none() || call.poll_timeout() > Some(epoch()));
    let r = step_through(&mut call, &shared, |_| json(200, ACCOUNTS_OK));
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn a_page_number_that_does_not_advance_ends_the_walk() {
    // A server that keeps answering "page 0 of 1000".
    let stuck = r#"{"status":"OK","results_id":"00000000-0000-4000-8000-000000000001","message":"ok","timestamp":"2026-01-01T00:00:00Z","type":"accounts","data":{"type":"accounts","accounts":[{"account_id":"fe672591-bc88-4cec-96e7-9101bde496ce","name":"A","currency_code":"AED","type":"CURRENT"}],"page":{"number":0,"size":1,"total_elements":1000,"total_pages":1000}}}"#;
    let shared = Shared::new();
    let mut cursor = lean_proto::pager::Cursor::new(GetAccounts::new(entity()));
    let base = BaseUrl::parse("http://127.0.0.1:1").unwrap();
    let mut items = 0;
    let mut fetches = 0;
    loop {
        match cursor.next(base.clone(), CallConfig::default(), epoch()) {
            lean_proto::pager::Next::Item(_) => items += 1,
            lean_proto::pager::Next::Done => break,
            lean_proto::pager::Next::Fetch(mut call) => {
                fetches += 1;
                assert!(
                    fetches <= 3,
                    "the pager loops on a page number that does not advance"
                );
                let page = step_through(&mut call, &shared, |_| json(200, stuck)).unwrap();
                cursor.handle_page(page);
            }
        }
    }
    assert_eq!(
        (fetches, items),
        (2, 2),
        "page 0, then page 1 answered as page 0: stop"
    );
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
