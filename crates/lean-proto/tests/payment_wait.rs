//! The payment wait: the intent's payment webhook first, polling the intent when the webhook
//! is lost, one outcome, the deadline held, whatever order events, polls and time come in.

mod common;

use common::epoch;
use lean_proto::call::{CallError, CallErrorKind};
use lean_proto::payment_wait::{PaymentWait, payment_of, supersedes};
use lean_proto::wait::WaitConfig;
use lean_proto::*;
use proptest::prelude::*;
use std::time::Duration;

const INTENT: &str = "3862c184-3b47-4d0e-9b1b-c753bc901a04";
const OTHER_INTENT: &str = "2b0f9a59-c2f0-4d3b-b06b-20dd76084b94";

fn payment_id(n: u8) -> String {
    format!("88c4d3e8-b80c-cd46-ac56-f084879744{n:02x}")
}

/// A `payment.updated` payload as Lean's recording has it.
fn event(n: u8, intent: &str, status: &str) -> lean_proto::webhook::PaymentEvent {
    serde_json::from_str(&format!(
        r#"{{"id":"{}","amount":12.34,"status":"{status}","currency":"AED","intent_id":"{intent}",
            "customer_id":"a2b3e118-18e8-4d00-9538-270f691d385b","bank_transaction_reference":"payment-x"}}"#,
        payment_id(n)
    ))
    .unwrap()
}

/// The intent as `GET /payments/v1/intents/{id}` answers, with its payments (oldest first).
fn intent(payments: &[(u8, &str)]) -> PaymentIntent {
    let list: Vec<String> = payments
        .iter()
        .map(|(n, st)| {
            format!(
                r#"{{"id":"{}","payment_intent_id":"{INTENT}","status":"{st}","amount":5.00,"initiation_timestamp":"2026-05-13T10:00:{n:02}Z"}}"#,
                payment_id(*n)
            )
        })
        .collect();
    serde_json::from_str(&format!(
        r#"{{"payment_intent_id":"{INTENT}","amount":5.00,"currency":"AED","payments":[{}]}}"#,
        list.join(",")
    ))
    .unwrap()
}

fn wait(config: WaitConfig) -> PaymentWait {
    PaymentWait::new(INTENT, config, epoch()).unwrap()
}

#[test]
fn the_payment_webhook_ends_the_wait_without_a_poll() {
    let t0 = epoch();
    let mut w = wait(WaitConfig::default());
    w.handle_event(&event(1, INTENT, "PENDING_WITH_BANK"), t0);
    assert!(w.poll_outcome().is_none(), "not settled yet");
    assert!(
        w.poll_request(t0 + Duration::from_secs(1)).is_none(),
        "grace"
    );
    // Another intent's payment, even accepted, is not ours.
    w.handle_event(&event(2, OTHER_INTENT, "ACCEPTED_BY_BANK"), t0);
    assert!(w.poll_outcome().is_none());
    w.handle_event(&event(1, INTENT, "ACCEPTED_BY_BANK"), t0);
    let p = w.poll_outcome().unwrap().unwrap();
    assert_eq!(p.status, Some(PaymentStatus::AcceptedByBank));
    assert_eq!(p.id.as_deref(), Some(payment_id(1).as_str()));
    assert_eq!(p.amount, Some("12.34".parse().unwrap()), "exact");
    assert!(w.poll_outcome().is_none(), "once");
}

#[test]
fn a_lost_webhook_is_made_up_for_by_polling_the_intent() {
    let t0 = epoch();
    let mut w = wait(WaitConfig::default());
    let at = w.poll_timeout().unwrap();
    assert_eq!(at - t0, Duration::from_secs(10));
    let poll = w.poll_request(at).expect("the intent is read");
    assert_eq!(poll.payment_intent_id(), INTENT);
    assert!(w.poll_request(at).is_none(), "one poll out at a time");
    // Nobody has paid yet.
    w.handle_intent(Ok(intent(&[])), at);
    let next = w.poll_timeout().unwrap();
    assert!(next > at, "back off");
    w.poll_request(next).unwrap();
    // An old failed attempt and a newer one still with the bank: the newest is followed.
    w.handle_intent(Ok(intent(&[(1, "FAILED"), (2, "PENDING_WITH_BANK")])), next);
    assert!(
        w.poll_outcome().is_none(),
        "the newest payment is not settled"
    );
    let then = w.poll_timeout().unwrap();
    w.poll_request(then).unwrap();
    w.handle_intent(Ok(intent(&[(1, "FAILED"), (2, "ACCEPTED_BY_BANK")])), then);
    let p = w.poll_outcome().unwrap().unwrap();
    assert_eq!(p.id.as_deref(), Some(payment_id(2).as_str()));
}

#[test]
fn a_failed_payment_is_an_answer_and_a_refusal_an_error() {
    let t0 = epoch();
    let mut w = wait(WaitConfig::default());
    w.handle_event(&event(3, INTENT, "FAILED"), t0);
    let p = w.poll_outcome().unwrap().unwrap();
    assert_eq!(p.status, Some(PaymentStatus::Failed));

    let mut w = wait(WaitConfig::default());
    let at = w.poll_timeout().unwrap();
    w.poll_request(at).unwrap();
    let unknown = CallError {
        kind: CallErrorKind::Api({
            let mut e = ApiError::default();
            e.http_status = 404;
            e
        }),
        results_id: None,
        correlation_id: None,
        last_error: None,
    };
    w.handle_intent(Err(unknown), at);
    assert!(
        w.poll_outcome().unwrap().is_err(),
        "asking again cannot help"
    );
}

#[test]
fn a_named_payment_is_the_only_one_followed() {
    let t0 = epoch();
    let mut w = wait(WaitConfig::default()).payment_id(&payment_id(1).to_uppercase());
    w.handle_event(&event(2, INTENT, "ACCEPTED_BY_BANK"), t0);
    assert!(w.poll_outcome().is_none(), "another payment of the intent");
    let at = w.poll_timeout().unwrap();
    w.poll_request(at).unwrap();
    w.handle_intent(Ok(intent(&[(1, "FAILED"), (2, "ACCEPTED_BY_BANK")])), at);
    let p = w.poll_outcome().unwrap().unwrap();
    assert_eq!(p.id.as_deref(), Some(payment_id(1).as_str()));
    assert_eq!(p.status, Some(PaymentStatus::Failed));
}

#[test]
fn the_deadline_ends_the_wait_with_the_last_poll_failure() {
    let t0 = epoch();
    let config = WaitConfig {
        deadline: Duration::from_secs(30),
        ..WaitConfig::default()
    };
    let mut w = wait(config);
    let at = w.poll_timeout().unwrap();
    w.poll_request(at).unwrap();
    let reset = CallError {
        kind: CallErrorKind::Transport(retry::TransportError::Reset { request_sent: true }),
        results_id: None,
        correlation_id: None,
        last_error: None,
    };
    w.handle_intent(Err(reset), at);
    assert!(
        w.poll_outcome().is_none(),
        "a network failure is polled past"
    );
    w.handle_timeout(t0 + Duration::from_secs(30));
    let e = w.poll_outcome().unwrap().unwrap_err();
    assert!(matches!(e.kind, CallErrorKind::DeadlineExceeded), "{e}");
    assert!(e.last_error.is_some(), "says what the polls met");
}

#[test]
fn the_board_never_undoes_a_settled_payment() {
    let pending = payment_of(&event(1, INTENT, "PENDING_WITH_BANK"));
    let accepted = payment_of(&event(1, INTENT, "ACCEPTED_BY_BANK"));
    let another = payment_of(&event(2, INTENT, "AWAITING_AUTHORIZATION"));
    assert!(supersedes(&pending, &accepted));
    assert!(
        !supersedes(&accepted, &pending),
        "a late retry of older news"
    );
    assert!(
        supersedes(&accepted, &another),
        "a new attempt is newer news"
    );
    assert_eq!(accepted.payment_intent_id.as_deref(), Some(INTENT));
}

#[test]
fn an_intent_id_that_is_not_a_uuid_is_refused() {
    assert!(PaymentWait::new("../intents", WaitConfig::default(), epoch()).is_err());
}

#[derive(Debug, Clone)]
enum Step {
    Event(u8, bool, &'static str),
    Advance(u64),
    PollAnswer(Vec<(u8, &'static str)>),
    PollFails,
}

fn step() -> impl Strategy<Value = Step> {
    let status = prop::sample::select(vec![
        "AWAITING_AUTHORIZATION",
        "PENDING_WITH_BANK",
        "ACCEPTED_BY_BANK",
        "FAILED",
        "NEW_STATE",
    ]);
    prop_oneof![
        (0u8..4, any::<bool>(), status.clone()).prop_map(|(i, ours, s)| Step::Event(i, ours, s)),
        (0u64..120_000).prop_map(Step::Advance),
        prop::collection::vec((0u8..4, status), 0..3).prop_map(Step::PollAnswer),
        Just(Step::PollFails),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]
    #[test]
    fn one_settled_payment_of_the_intent_within_the_deadline(
        steps in prop::collection::vec(step(), 0..60),
        deadline_s in 1u64..1200,
    ) {
        let t0 = epoch();
        let config = WaitConfig { deadline: Duration::from_secs(deadline_s), ..WaitConfig::default() };
        let mut w = wait(config);
        let mut now = t0;
        let mut out = None;
        let mut polling = None;
        for s in steps {
            match s {
                Step::Event(i, ours, st) => w.handle_event(&event(i, if ours { INTENT } else { OTHER_INTENT }, st), now),
                Step::Advance(ms) => {
                    now += Duration::from_millis(ms);
                    w.handle_timeout(now);
                }
                Step::PollAnswer(payments) => {
                    if polling.is_none() {
                        polling = w.poll_request(now);
                    }
                    if polling.take().is_some() {
                        w.handle_intent(Ok(intent(&payments)), now);
                    }
                }
                Step::PollFails => {
                    if polling.take().or_else(|| w.poll_request(now)).is_some() {
                        let e = CallError { kind: CallErrorKind::Transport(retry::TransportError::Reset { request_sent: true }), results_id: None, correlation_id: None, last_error: None };
                        w.handle_intent(Err(e), now);
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
        if let Some(Ok(p)) = &out {
            prop_assert_eq!(p.payment_intent_id.as_deref(), Some(INTENT), "another intent's payment ended the wait");
            prop_assert!(p.status.as_ref().is_some_and(PaymentStatus::is_final));
        }
        if now >= t0 + Duration::from_secs(deadline_s) && polling.is_none() {
            prop_assert!(w.is_done(), "still waiting after the deadline");
        }
    }
}
