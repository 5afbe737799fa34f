//! The refresh wait: webhook first, polling when the webhook is lost, one outcome, the
//! deadline held, whatever order events, polls and time come in.

mod common;

use common::epoch;
use lean_proto::call::{CallError, CallErrorKind};
use lean_proto::refresh_wait::{RefreshPoll, RefreshWait, RefreshWaitConfig};
use lean_proto::*;
use proptest::prelude::*;
use std::time::Duration;

const ENTITY: &str = "14eb95ba-2b9d-41cb-82fe-7b1b3079021e";
const OTHER: &str = "8a78e977-7f3a-4772-ba26-c4c0424bb3e3";

fn refresh(id: u8, entity: &str, status: &str) -> Refresh {
    serde_json::from_str(&format!(
        r#"{{"refresh_id":"721d6010-828f-4b30-9039-4c72ad6906{id:02x}","entity_id":"{entity}","status":"{status}","created_at":"2026-05-13T10:00:{id:02}Z"}}"#
    ))
    .unwrap()
}

fn entity() -> EntityId {
    EntityId::parse(ENTITY).unwrap()
}

#[test]
fn the_webhook_ends_the_wait_without_a_poll() {
    let t0 = epoch();
    let mut w = RefreshWait::new(entity(), None, RefreshWaitConfig::default(), t0);
    w.handle_event(&refresh(1, ENTITY, "PENDING"), t0);
    assert!(w.poll_outcome().is_none());
    assert!(
        w.poll_request(t0 + Duration::from_secs(1)).is_none(),
        "grace"
    );
    // Another entity's refresh, even finished, is not ours.
    w.handle_event(&refresh(2, OTHER, "FINISHED"), t0);
    assert!(w.poll_outcome().is_none());
    w.handle_event(&refresh(1, ENTITY, "FINISHED"), t0 + Duration::from_secs(2));
    let done = w.poll_outcome().unwrap().unwrap();
    assert_eq!(done.status, Some(RefreshStatus::Finished));
    assert!(w.poll_outcome().is_none(), "once");
}

#[test]
fn a_lost_webhook_is_made_up_for_by_polling_the_refresh() {
    let t0 = epoch();
    let r = refresh(3, ENTITY, "PENDING");
    let mut w = RefreshWait::new(
        entity(),
        Some(r.refresh_id.clone()),
        RefreshWaitConfig::default(),
        t0,
    );
    let at = w.poll_timeout().unwrap();
    assert_eq!(
        at - t0,
        Duration::from_secs(10),
        "the webhook is trusted for the grace period"
    );
    let Some(RefreshPoll::Get(get)) = w.poll_request(at) else {
        panic!("polls the refresh itself when its id is known")
    };
    assert_eq!(get.refresh_id, r.refresh_id);
    assert!(w.poll_request(at).is_none(), "one poll out at a time");
    w.handle_refresh(Ok(r.clone()), at);
    let next = w.poll_timeout().unwrap();
    assert!(next > at, "still pending: back off");
    assert!(w.poll_request(next).is_some());
    w.handle_refresh(Ok(refresh(3, ENTITY, "FINISHED")), next);
    assert!(w.poll_outcome().unwrap().is_ok());
}

#[test]
fn a_failed_refresh_and_a_refusal_end_the_wait_with_an_error() {
    let t0 = epoch();
    let mut w = RefreshWait::new(entity(), None, RefreshWaitConfig::default(), t0);
    w.handle_event(&refresh(4, ENTITY, "FAILED"), t0);
    let e = w.poll_outcome().unwrap().unwrap_err();
    assert!(matches!(e.kind, CallErrorKind::RefreshFailed { .. }), "{e}");

    let mut w = RefreshWait::new(entity(), None, RefreshWaitConfig::default(), t0);
    let at = w.poll_timeout().unwrap();
    assert!(matches!(w.poll_request(at), Some(RefreshPoll::List(_))));
    let unknown = CallError {
        kind: CallErrorKind::Api({
            let mut e = ApiError::default();
            e.http_status = 404;
            e.code = Some(ErrorCode::UnknownEntity);
            e.message = None;
            e.results_id = None;
            e.timestamp = None;
            e.correlation_id = None;
            e.retry_after = None;
            e
        }),
        results_id: None,
        correlation_id: None,
        last_error: None,
    };
    w.handle_list(Err(unknown), at);
    assert!(
        w.poll_outcome().unwrap().is_err(),
        "asking again cannot help"
    );
}

#[derive(Debug, Clone)]
enum Step {
    Event(u8, bool, &'static str),
    Advance(u64),
    PollAnswer(Option<(u8, &'static str)>),
    PollFails,
}

fn step() -> impl Strategy<Value = Step> {
    let status = prop::sample::select(vec!["PENDING", "FINISHED", "OK", "FAILED", "NEW_STATE"]);
    prop_oneof![
        (0u8..4, any::<bool>(), status.clone()).prop_map(|(i, ours, s)| Step::Event(i, ours, s)),
        (0u64..120_000).prop_map(Step::Advance),
        prop::option::of((0u8..4, status)).prop_map(Step::PollAnswer),
        Just(Step::PollFails),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]
    #[test]
    fn one_outcome_within_the_deadline_whatever_happens(
        steps in prop::collection::vec(step(), 0..60),
        deadline_s in 1u64..1200,
        with_id in any::<bool>(),
    ) {
        let t0 = epoch();
        let config = RefreshWaitConfig { deadline: Duration::from_secs(deadline_s), ..RefreshWaitConfig::default() };
        let id = with_id.then(|| refresh(0, ENTITY, "PENDING").refresh_id);
        let mut w = RefreshWait::new(entity(), id, config, t0);
        let mut now = t0;
        let mut out = None;
        let mut polling = None;
        for s in steps {
            match s {
                Step::Event(i, ours, st) => w.handle_event(&refresh(i, if ours { ENTITY } else { OTHER }, st), now),
                Step::Advance(ms) => {
                    now += Duration::from_millis(ms);
                    w.handle_timeout(now);
                }
                Step::PollAnswer(a) => {
                    if polling.is_none() {
                        polling = w.poll_request(now);
                    }
                    match (polling.take(), a) {
                        (Some(RefreshPoll::Get(_)), Some((i, st))) => w.handle_refresh(Ok(refresh(i, ENTITY, st)), now),
                        (Some(RefreshPoll::List(_)), a) => w.handle_list(Ok({ let mut v = RefreshList::default(); v.content = a.map(|(i, st)| vec![refresh(i, ENTITY, st)]).unwrap_or_default(); v.page = None; v }), now),
                        (Some(RefreshPoll::Get(_)), None) => w.handle_refresh(Err(CallError { kind: CallErrorKind::DeadlineExceeded, results_id: None, correlation_id: None, last_error: None }), now),
                        (None, _) => {}
                    }
                }
                Step::PollFails => {
                    if let Some(p) = polling.take().or_else(|| w.poll_request(now)) {
                        let e = CallError { kind: CallErrorKind::Transport(retry::TransportError::Reset { request_sent: true }), results_id: None, correlation_id: None, last_error: None };
                        match p {
                            RefreshPoll::Get(_) => w.handle_refresh(Err(e), now),
                            RefreshPoll::List(_) => w.handle_list(Err(e), now),
                        }
                    }
                }
            }
            if let Some(o) = w.poll_outcome() {
                prop_assert!(out.is_none(), "two outcomes");
                out = Some(o);
            }
            if let Some(at) = w.poll_timeout() {
                prop_assert!(at <= t0 + Duration::from_secs(deadline_s), "a wake-up past the deadline");
            }
        }
        if let Some(Ok(r)) = &out {
            prop_assert_eq!(r.entity_id.as_ref(), Some(&entity()), "another entity's refresh ended the wait");
            prop_assert!(matches!(r.status, Some(RefreshStatus::Finished) | Some(RefreshStatus::Ok)));
        }
        if now >= t0 + Duration::from_secs(deadline_s) && polling.is_none() {
            prop_assert!(w.is_done(), "still waiting after the deadline");
        }
    }
}

#[test]
fn the_board_keeps_the_newest_refresh_whatever_order_its_events_come_in() {
    use lean_proto::refresh_wait::supersedes;
    let (r1_pending, r1_finished) = (
        refresh(1, ENTITY, "PENDING"),
        refresh(1, ENTITY, "FINISHED"),
    );
    let (r2_pending, r2_failed) = (refresh(2, ENTITY, "PENDING"), refresh(2, ENTITY, "FAILED"));
    // The same refresh moves forward, never back to PENDING once settled.
    assert!(supersedes(&r1_pending, &r1_finished));
    assert!(!supersedes(&r1_finished, &r1_pending));
    assert!(!supersedes(&r2_failed, &r2_pending));
    assert!(
        supersedes(&r1_finished, &r1_finished),
        "a duplicate is harmless"
    );
    // A newer refresh replaces an older one in any status; a late event of an older one never does.
    assert!(supersedes(&r1_finished, &r2_pending));
    assert!(!supersedes(&r2_pending, &r1_finished));
    assert!(!supersedes(&r2_failed, &r1_pending));
    // Without creation times, the newest to arrive wins.
    let bare = |id: u8| -> Refresh {
        serde_json::from_str(&format!(
            r#"{{"refresh_id":"721d6010-828f-4b30-9039-4c72ad6906{id:02x}","status":"PENDING"}}"#
        ))
        .unwrap()
    };
    assert!(supersedes(&r2_failed, &bare(3)));
}
