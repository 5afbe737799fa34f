//! The protocol scenarios of the adapter contract, run once with the real driver in virtual
//! time (they used to run on loopback against the emulator, once per adapter, with real
//! sleeps). What is about bytes and sockets (classification, cancellation, spawning,
//! keep-alive, TLS) stays in the conformance suite, per adapter, on loopback.
//!
//! Durations asserted here are virtual: exact, and free.

use lean_client::CallOptions;
use lean_proto::call::{CallConfig, CallErrorKind};
use lean_proto::retry::RetryPolicy;
use lean_proto::*;
use lean_sim::harness::Harness;
use lean_sim::lean::{Fault, Hook};
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn entity() -> EntityId {
    EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap()
}

fn asynchronous() -> GetAccounts {
    let mut e = GetAccounts::new(entity());
    e.options.asynchronous = true;
    e
}

/// Patient polling: after PENDING, only a webhook (or the deadline) ends a wait.
fn patient() -> CallConfig {
    CallConfig::default()
        .with_webhook_grace(secs(600))
        .with_poll(RetryPolicy {
            max_retries: u32::MAX,
            base_delay: secs(600),
            max_delay: secs(600),
        })
}

#[test]
fn sync_call_falls_back_to_pending_and_the_webhook_brings_the_data() {
    // The bank takes 80 s; Lean falls back to PENDING at 50 s; the webhook comes at 80 s.
    let w = Harness::new(|l| l.bank_latency = [secs(80)].into());
    let client = w.client(CallConfig::default().with_webhook_grace(secs(60)), true);
    let (data, took) = w.run(client.call(GetAccounts::new(entity())));
    let data = data.unwrap();
    assert_eq!(data.results_id.as_ref(), Some(&w.lean().pending_given[0]));
    assert_eq!(
        w.requests("GET results"),
        1,
        "one fetch, woken by the webhook"
    );
    assert_eq!(w.acks(), [200]);
    assert!(took >= secs(80) && took < secs(81), "{took:?}");
}

#[test]
fn async_true_is_answered_through_the_webhook() {
    let w = Harness::new(|l| l.bank_latency = [secs(5)].into());
    let client = w.client(CallConfig::default(), true);
    let (data, took) = w.run(client.call(asynchronous()));
    assert!(data.unwrap().results_id.is_some());
    assert_eq!(w.requests("GET data async"), 1);
    assert_eq!(w.requests("GET results"), 1);
    assert!(took < secs(6), "the webhook, not the 10 s grace: {took:?}");
}

#[test]
fn early_webhook_is_not_lost() {
    // The webhook lands before the PENDING answer: the registry holds it for the call.
    let w = Harness::new(|l| {
        l.bank_latency = [Duration::from_millis(10)].into();
        l.hooks = [Hook::Early].into();
    });
    let client = w.client(CallConfig::default(), true);
    let (data, took) = w.run(client.call(asynchronous()));
    assert!(data.unwrap().results_id.is_some());
    assert_eq!(w.requests("GET results"), 1, "fetched at once");
    assert!(took < secs(1), "no wait for the grace period: {took:?}");
}

#[test]
fn duplicated_webhook_is_harmless() {
    let w = Harness::new(|l| l.hooks = [Hook::Duplicated, Hook::Duplicated].into());
    let client = w.client(CallConfig::default(), true);
    let c = client.clone();
    let (both, _) = w.run(async move {
        let a = c.call(asynchronous()).await;
        let b = c.call(asynchronous()).await;
        (a.is_ok(), b.is_ok())
    });
    assert_eq!(both, (true, true));
    // The second copy of the second webhook may still be on its way when the calls end.
    w.run_until(w.elapsed() + secs(5));
    assert_eq!(w.acks(), [200, 200, 200, 200], "duplicates acknowledged");
    assert_eq!(w.requests("GET results"), 2, "one fetch per call");
}

#[test]
fn lost_webhook_falls_back_to_polling() {
    let w = Harness::new(|l| {
        l.bank_latency = [secs(60)].into();
        l.hooks = [Hook::Lost].into();
    });
    let client = w.client(CallConfig::default(), true);
    let (data, took) = w.run(client.call(asynchronous()));
    assert!(data.unwrap().results_id.is_some());
    assert!(
        w.requests("GET results") >= 2,
        "polled: 404 first, then data"
    );
    assert!(w.acks().is_empty());
    // Polls back off to at most 30 s: the data comes within one period of being ready.
    assert!(took >= secs(60) && took <= secs(91), "{took:?}");
}

#[test]
fn fifty_second_trap_then_duplicated_request_then_data() {
    // The bank takes 80 s; the client gives up on the synchronous answer at 30 s and asks
    // again with async=true while Lean still works on the first: Lean refuses the duplicate,
    // the call waits Lean's minute, then asks again and gets a results_id.
    let w = Harness::new(|l| {
        l.bank_latency = [secs(80), secs(2)].into();
        l.refuse_duplicates = true;
    });
    let client = w.client(CallConfig::default().with_sync_timeout(secs(30)), true);
    let (data, took) = w.run(client.call(GetAccounts::new(entity())));
    let data = data.unwrap();
    assert!(data.results_id.is_some(), "came through results");
    let asks: Vec<String> = w
        .lean()
        .transcript
        .iter()
        .filter(|t| t.starts_with("GET data") || *t == "DUPLICATED_REQUEST")
        .cloned()
        .collect();
    assert_eq!(
        asks,
        [
            "GET data",
            "GET data async",
            "DUPLICATED_REQUEST",
            "GET data async"
        ]
    );
    // 30 s to the timeout, 60 s (+ up to 10 % jitter) of DUPLICATED_REQUEST wait, 2 s of bank.
    assert!(took >= secs(92) && took <= secs(99), "{took:?}");
}

#[test]
fn deadline_keeps_the_results_id_for_later() {
    let w = Harness::new(|l| {
        l.bank_latency = [secs(3600)].into();
        l.hooks = [Hook::Lost].into();
    });
    let client = w.client(CallConfig::default().with_deadline(secs(60)), true);
    let (err, took) = w.run(client.call(asynchronous()));
    let err = err.unwrap_err();
    assert!(matches!(
        err.call_error().unwrap().kind,
        CallErrorKind::DeadlineExceeded
    ));
    assert_eq!(err.results_id(), Some(&w.lean().pending_given[0]), "{err}");
    assert_eq!(took, secs(60), "the deadline, to the instant");
}

#[test]
fn submit_drop_the_client_resume_every_page_with_a_new_one() {
    // 250 accounts, 100 a page: the results hold three pages.
    let w = Harness::new(|l| {
        l.bank_latency = [secs(30)].into();
        l.total_items = 250;
    });
    let mut request = GetAccounts::new(entity());
    request.options.size = Some(100);
    let saved = {
        let first = w.client(CallConfig::default(), false);
        let handle = match w.run(first.call(request).submit()).0.unwrap() {
            lean_client::Submitted::Pending(handle) => handle,
            _ => panic!("async=true answers PENDING"),
        };
        assert_eq!(handle.generation, Some(ApiGeneration::V2));
        assert_eq!(handle.endpoint.as_deref(), Some("accounts"));
        assert_eq!(handle.page_size, Some(100));
        serde_json::to_string(&handle).unwrap()
        // `first` is dropped here: a restart, with the handle persisted.
    };
    let handle: lean_proto::pending::PendingHandle = serde_json::from_str(&saved).unwrap();
    let second = w.client(
        CallConfig::default().with_webhook_grace(Duration::ZERO),
        false,
    );

    // One page, silently, is refused before anything is sent.
    let before = w.requests("GET results");
    let (refused, _) = w.run(second.resume::<Page<Account>>(handle.clone()));
    let refused = refused.unwrap_err();
    assert!(refused.is_misuse(), "{refused}");
    assert_eq!(
        refused.results_id(),
        Some(&handle.results_id),
        "the id is kept"
    );
    assert_eq!(w.requests("GET results"), before);

    // Every page, from the results (never the bank again), at the original page size.
    let items = second.resume::<Page<Account>>(handle.clone()).items();
    let (all, _) = w.run(items.try_collect());
    let all = all.unwrap();
    assert_eq!(all.len(), 250);
    let names: std::collections::BTreeSet<_> =
        all.iter().map(|a| a.nickname.clone().unwrap()).collect();
    assert_eq!(names.len(), 250, "every item once");
    assert_eq!(w.requests("GET data"), 1, "the bank was asked once");
    assert!(
        w.requests("GET results") >= 3,
        "three pages read from the results"
    );

    // One page on purpose, with its page info.
    let (page, _) = w.run(second.resume::<Page<Account>>(handle.clone()).one_page());
    let page = page.unwrap();
    assert_eq!(page.results_id.as_ref(), Some(&handle.results_id));
    assert_eq!(page.payload.page.map(|p| p.total_pages), Some(3));
    let (any, _) = w.run(second.resume::<AnyData>(handle.results_id));
    assert!(matches!(any.unwrap().payload, AnyData::Accounts(_)));
}

#[test]
fn token_expiry_in_the_middle_of_a_run() {
    let w = Harness::new(|_| {});
    let client = w.client(CallConfig::default(), false);
    let (first, _) = w.run(client.call(GetAccounts::new(entity())));
    first.unwrap();
    // Every token dies; the next call is refused once, renews, and is replayed.
    w.lean().tokens.clear();
    let (second, _) = w.run(client.call(GetAccounts::new(entity())));
    second.unwrap();
    assert_eq!(w.lean().token_requests, 2, "renewed once");
    assert_eq!(w.requests("GET data"), 3, "one 401, replayed once");
}

#[test]
fn token_is_shared_by_concurrent_calls_with_one_fetch() {
    let w = Harness::new(|_| {});
    let client = w.client(CallConfig::default(), false);
    let calls: Vec<_> = (0..6)
        .map(|_| {
            w.sim
                .spawn(client.call(GetAccounts::new(entity())).into_future())
        })
        .collect();
    w.run_until(secs(60));
    for c in calls {
        assert!(c.take().expect("ended").is_ok());
    }
    assert_eq!(w.lean().token_requests, 1);
}

#[test]
fn one_webhook_wakes_exactly_one_of_many_parked_calls() {
    let w = Harness::new(|_| {});
    let client = w.client(patient().with_deadline(secs(120)), false);
    let n = 1000;
    let ids: Vec<ResultsId> = (0..n)
        .map(|i| ResultsId::parse(&format!("00000000-0000-4000-8000-{i:012}")).unwrap())
        .collect();
    let parked: Vec<_> = ids
        .iter()
        .map(|id| {
            w.sim
                .spawn(client.resume::<AnyData>(id.clone()).into_future())
        })
        .collect();
    // Each asks once (404: not yet), then waits for its webhook.
    w.run_until(secs(10));
    assert_eq!(client.parked_calls(), n);
    let before = client.wakeups();
    // News for nobody here wakes nobody.
    client.results_ready(&ResultsId::parse("11111111-0000-4000-8000-000000000000").unwrap());
    assert_eq!(client.wakeups(), before);
    // A signed results.ready for one of them wakes that one.
    let body = format!(
        r#"{{"type":"results.ready","payload":{{"id":"{}"}},"event_id":"e-1","timestamp":"2026-11-30T00:00:00Z"}}"#,
        ids[7]
    );
    let signature = w.secret().sign(body.as_bytes());
    let ack = client
        .handle_webhook(Some(&signature), body.as_bytes())
        .send();
    assert_eq!(ack.status(), 200, "{ack:?}");
    assert_eq!(client.wakeups(), before + 1, "exactly one call woken");
    w.run_until(secs(600));
    for (id, call) in ids.iter().zip(&parked) {
        let e = call.take().expect("ended").expect_err("nothing was ready");
        assert!(matches!(
            e.call_error().map(|c| &c.kind),
            Some(CallErrorKind::DeadlineExceeded)
        ));
        assert_eq!(e.results_id(), Some(id), "the results_id is kept for later");
    }
    assert_eq!(client.parked_calls(), 0);
    // 1000 first looks, and one more for the call that was woken.
    assert_eq!(w.requests("GET results"), n + 1);
}

#[test]
fn results_ready_from_elsewhere_wakes_the_waiting_call() {
    // Two instances share a registry; the webhook reaches the other one.
    let w = Harness::new(|l| l.bank_latency = [secs(100)].into());
    let waiting = w.client(patient(), false);
    let _other = w.client(patient(), true);
    let (data, took) = w.run(waiting.call(asynchronous()));
    assert!(data.unwrap().results_id.is_some());
    assert_eq!(w.requests("GET results"), 1, "woken, not polled");
    assert!(took >= secs(100) && took < secs(101), "{took:?}");

    // And news handed over by hand (a queue): `results_ready`.
    let w = Harness::new(|l| {
        l.bank_latency = [secs(100)].into();
        l.hooks = [Hook::Lost].into();
    });
    let client = w.client(patient(), false);
    let call = w.sim.spawn(client.call(asynchronous()).into_future());
    w.run_until(secs(150));
    assert!(
        call.take().is_none(),
        "still waiting: no webhook, no poll yet"
    );
    let id = w.lean().pending_given[0].clone();
    client.results_ready(&id);
    w.run_until(secs(151));
    assert!(call.take().expect("ended at once").is_ok());
}

#[test]
fn retries_then_success_and_retries_spent() {
    let w = Harness::new(|l| {
        l.faults = [
            Fault::ServerError(503),
            Fault::RateLimited(3),
            Fault::Reset,
            Fault::None,
        ]
        .into()
    });
    let client = w.client(CallConfig::default(), false);
    let (data, took) = w.run(client.call(GetAccounts::new(entity())));
    data.unwrap();
    // The 429's Retry-After (3 s) is honoured.
    assert!(took >= secs(3), "{took:?}");
    let w = Harness::new(|l| l.faults = std::iter::repeat_n(Fault::ServerError(500), 10).collect());
    let client = w.client(CallConfig::default(), false);
    let options = CallOptions::new().deadline(secs(300));
    let (err, _) = w.run(client.call(GetAccounts::new(entity())).options(options));
    let err = err.unwrap_err();
    assert!(
        matches!(err.call_error().unwrap().kind, CallErrorKind::Api(_)),
        "{err}"
    );
    assert_eq!(w.requests("GET data"), 5, "the first try and four retries");
}

#[test]
fn shutdown_returns_the_parked_calls_handles_and_they_resume_in_a_new_client() {
    // A bank slower than the grace: every call answers PENDING and parks (no webhook comes).
    let w = Harness::new(|l| l.bank_latency = [secs(300)].into());
    let abandoned = Arc::new(Abandoned::default());
    let first = w.client_observed(patient(), false, Some(abandoned.clone()));
    let calls: Vec<_> = (0..5)
        .map(|_| w.sim.spawn(first.call(asynchronous()).into_future()))
        .collect();
    w.run_until(secs(10));
    assert_eq!(first.parked_calls(), 5);

    let (handles, took) = w.run(first.shutdown(secs(30)));
    assert_eq!(
        took,
        secs(30),
        "the grace, then the parked calls end at once"
    );
    assert_eq!(handles.len(), 5, "{handles:?}");
    for call in calls {
        let e = call.take().expect("ended").expect_err("shut down");
        assert!(
            matches!(&e, lean_client::Error::Shutdown(Some(h)) if handles.contains(h)),
            "{e}"
        );
        assert!(!e.is_misuse());
    }
    assert_eq!(first.parked_calls(), 0, "nothing left filed");
    let mut told = abandoned.0.lock().unwrap().clone();
    let mut returned = handles.clone();
    told.sort_by(|a, b| a.results_id.as_str().cmp(b.results_id.as_str()));
    returned.sort_by(|a, b| a.results_id.as_str().cmp(b.results_id.as_str()));
    assert_eq!(
        told, returned,
        "each ended call told its observer what resumes it"
    );
    // A call after the shutdown is refused before anything is sent.
    let before = w.requests("GET data");
    let (refused, _) = w.run(first.call(GetAccounts::new(entity())));
    assert!(matches!(
        refused.unwrap_err(),
        lean_client::Error::Shutdown(None)
    ));
    assert_eq!(w.requests("GET data"), before);

    // A new client (the restarted service) resumes every handle: the bank is asked no more.
    let second = w.client(
        CallConfig::default().with_webhook_grace(Duration::ZERO),
        false,
    );
    for handle in handles {
        let (accounts, _) = w.run(second.resume::<Page<Account>>(handle).items().try_collect());
        assert!(!accounts.unwrap().is_empty());
    }
    assert_eq!(w.requests("GET data"), before, "read from the results only");
}

#[test]
fn shutdown_with_nothing_running_ends_at_once() {
    let w = Harness::new(|_| {});
    let client = w.client(CallConfig::default(), false);
    let (handles, took) = w.run(client.shutdown(secs(30)));
    assert!(handles.is_empty());
    assert_eq!(took, Duration::ZERO);
}

/// Records the handles of abandoned calls.
#[derive(Default)]
struct Abandoned(std::sync::Mutex<Vec<lean_proto::pending::PendingHandle>>);

impl lean_client::observe::Observer for Abandoned {
    fn on_client_event(&self, event: &lean_client::observe::ClientEvent) {
        if let lean_client::observe::ClientEvent::CallAbandoned { handle } = event {
            self.0.lock().unwrap().push(handle.clone());
        }
    }
}
