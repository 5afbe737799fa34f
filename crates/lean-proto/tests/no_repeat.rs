//! Property test of the rule of re-sending ([`lean_proto::retry::may_resend`]): for every
//! endpoint and any sequence of answers (every kind of HTTP answer Lean gives, bodies we cannot
//! read, PENDING, FAILED, `DUPLICATED_REQUEST`, 401, 429, 5xx, answers that carry another
//! request's correlation id, and every transport failure), a request that is not idempotent is
//! never sent again once Lean answered it or may have seen it; it is sent again only after a
//! failure that proves it never left. Virtual time; 6,000 cases.

mod common;

use common::epoch;
use lean_proto::auth::TokenCache;
use lean_proto::call::{Call, CallConfig, Context, Purpose};
use lean_proto::retry::{RetryPolicy, TransportError};
use lean_proto::*;
use proptest::prelude::*;
use std::time::Duration;

/// One answer the fake gives to a data or results request.
#[derive(Debug, Clone)]
enum Answer {
    Http(u16, &'static str),
    /// A 200 whose `lean-correlation-id` is another request's (one of ours, not this one's).
    Foreign,
    Transport(TransportError),
}

const PENDING: &str = r#"{"status":"PENDING","results_id":"b7080737-1fe4-44a4-b4fd-4e08b10471fc","message":"wait","data":null}"#;

fn answer() -> impl Strategy<Value = Answer> {
    prop::sample::select(vec![
        Answer::Http(200, "not json"),
        Answer::Http(200, "{\"status\":\"OK\"}"),
        Answer::Http(200, PENDING),
        Answer::Http(
            200,
            r#"{"status":"FAILED","status_detail":{"granular_status_code":"BANK_ISSUE"},"data":null}"#,
        ),
        Answer::Http(
            200,
            r#"{"status":"FAILED","status_detail":{"granular_status_code":"DUPLICATED_REQUEST"},"data":null}"#,
        ),
        Answer::Http(409, r#"{"status":"DUPLICATED_REQUEST","message":"busy"}"#),
        Answer::Http(
            409,
            r#"{"status":"CUSTOMER_ALREADY_EXISTS","message":"exists"}"#,
        ),
        Answer::Http(401, r#"{"status":"UNAUTHORIZED","message":"no"}"#),
        Answer::Http(429, r#"{"status":"RATE_LIMIT_EXCEEDED","message":"slow"}"#),
        Answer::Http(
            500,
            r#"{"status":"INTERNAL_SERVER_ERROR","message":"oops"}"#,
        ),
        Answer::Http(503, "<html>unavailable</html>"),
        Answer::Http(404, r#"{"status":"UNKNOWN_RESULTS_ID","message":"later"}"#),
        Answer::Foreign,
        Answer::Transport(TransportError::Connect),
        Answer::Transport(TransportError::TimedOut {
            request_sent: false,
        }),
        Answer::Transport(TransportError::TimedOut { request_sent: true }),
        Answer::Transport(TransportError::Reset {
            request_sent: false,
        }),
        Answer::Transport(TransportError::Reset { request_sent: true }),
        Answer::Transport(TransportError::TooLarge { limit: 10 }),
    ])
}

fn config(generation: ApiGeneration) -> Config {
    let base = common::fake_lean::base();
    let env = Environment::Custom {
        api_base: base.clone(),
        auth_base: base,
    };
    let credentials = match generation {
        ApiGeneration::V2 => Credentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
        },
        ApiGeneration::V1 => Credentials::AppToken(Secret::new("app")),
    };
    Config::new(Region::Uae, env, credentials)
}

fn response(status: u16, body: &str, correlation: Option<&str>) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(c) = correlation {
        b = b.header("lean-correlation-id", c);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

/// What a run saw of the data request.
#[derive(Debug, Default)]
struct Seen {
    /// Data requests sent in all.
    sent: u32,
    /// Data requests sent after an earlier one was answered or may have reached Lean.
    sent_after_delivery: u32,
    /// The `Idempotency-Key`s the data requests carried.
    keys: std::collections::BTreeSet<String>,
}

fn run<E>(endpoint: E, answers: &[Answer], seed: u64) -> Seen
where
    E: Endpoint + Clone + Send + 'static,
{
    let start = epoch();
    let config = config(E::GENERATION);
    let tokens = TokenCache::new(&config);
    let results = lean_proto::results::InMemoryResults::default();
    let ctx = Context {
        tokens: &tokens,
        results: &results,
    };
    let policy = CallConfig::default()
        .with_seed(seed)
        .with_deadline(Duration::from_secs(600))
        .with_duplicate_backoff(Duration::from_secs(5))
        .with_retry(RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        });
    let mut call = Call::new(endpoint, config.api_base().clone(), policy, start);
    let mut now = start;
    let mut next = answers.iter().cycle();
    let mut seen = Seen::default();
    let mut delivered = false;
    for _ in 0..500 {
        if call.poll_outcome().is_some() || call.is_done() {
            break;
        }
        let Some(tx) = call.poll_transmit(now, &ctx) else {
            match call.poll_timeout() {
                Some(at) => now = at.max(now),
                None => break,
            }
            call.handle_timeout(now, &ctx);
            continue;
        };
        now += Duration::from_millis(10);
        if tx.purpose == Purpose::Token {
            let body =
                r#"{"access_token":"tok","token_type":"Bearer","scope":"api","expires_in":3600}"#;
            call.handle_response(tx.id, response(200, body, None), now, &ctx);
            continue;
        }
        let is_data = matches!(tx.purpose, Purpose::Data { .. });
        if is_data {
            if let Some(k) = tx.request.headers().get("idempotency-key") {
                seen.keys.insert(k.to_str().unwrap().to_owned());
            }
            seen.sent += 1;
            if delivered {
                seen.sent_after_delivery += 1;
            }
        }
        let sent = tx
            .request
            .headers()
            .get("lean-correlation-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Lean echoes what it was sent.
        let echo = sent.as_deref();
        let answer = next.next().cloned().unwrap_or(Answer::Http(500, ""));
        match answer {
            Answer::Http(status, body) => {
                delivered |= is_data;
                call.handle_response(tx.id, response(status, body, echo), now, &ctx);
            }
            Answer::Foreign => {
                // Sent, and what came back was someone else's: it may have reached Lean.
                delivered |= is_data;
                let other = "0b8f3c1e-5d2a-8c4b-9e7f-1a2b3c4d5e6f";
                assert_ne!(Some(other), echo);
                call.handle_response(tx.id, response(200, PENDING, Some(other)), now, &ctx);
            }
            Answer::Transport(e) => {
                delivered |= is_data && e.may_have_reached_lean();
                call.handle_transport_error(tx.id, e, now, &ctx);
            }
        }
    }
    seen
}

/// Every endpoint, by number: (its name, whether it is idempotent, a run of it).
fn run_endpoint(n: usize, answers: &[Answer], seed: u64) -> (&'static str, bool, Seen) {
    let e = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap();
    let a = AccountId::parse("5a2b8f3e-6c1d-4e7f-8a9b-0c1d2e3f4a5b").unwrap();
    let c = CustomerId::parse("7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f").unwrap();
    let r = RefreshId::parse("2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e").unwrap();
    let rid = ResultsId::parse("b7080737-1fe4-44a4-b4fd-4e08b10471fc").unwrap();
    macro_rules! each {
        ($($endpoint:expr),* $(,)?) => {{
            let mut i = 0;
            $(
                if i == n {
                    let endpoint = $endpoint;
                    let idempotent = Endpoint::is_idempotent(&endpoint);
                    return (std::any::type_name_of_val(&endpoint), idempotent, run(endpoint, answers, seed));
                }
                i += 1;
            )*
            let _ = i;
            unreachable!("endpoint {n} of {}", ENDPOINTS)
        }};
    }
    each!(
        CreateCustomer::new("user-42").unwrap(),
        VerifyName::new(e.clone(), "Michael Garry Scott").unwrap(),
        GetAccounts::new(e.clone()),
        GetBalances::new(e.clone(), a.clone()),
        GetTransactions::new(e.clone(), a.clone()),
        GetBeneficiaries::new(e.clone(), a.clone()),
        GetAccountIdentities::new(e.clone(), a.clone()),
        GetDirectDebits::new(e.clone(), a.clone()),
        GetScheduledPayments::new(e.clone(), a.clone()),
        GetStandingOrders::new(e.clone(), a.clone()),
        GetIdentity::new(e.clone()),
        TriggerRefresh::new(e.clone()),
        ListRefreshes::new(e.clone()),
        GetRefresh::new(e.clone(), r.clone()),
        GetResults::<AnyData>::new(rid.clone()),
        ListCustomers::new(),
        GetCustomerEntities::new(c.clone()),
        ListEntities::new(),
        GetCustomer::new(c.clone()),
        GetCustomerByAppUserId::new("user-42").unwrap(),
        GetEntity::new(c.clone(), e.clone()),
        DeleteEntity::new(c.clone(), e.clone()),
        ListBanks::new(BankAccountTypes::Any),
        GetIncome::new(e.clone()),
        GetExpenses::new(e.clone()),
        GetCashflows::new(e.clone()),
        GetCashBalances::new(e.clone()),
        GetCreditObligations::new(e.clone()),
        GetNonCreditObligations::new(e.clone()),
        GetEmployment::new(e.clone()),
        GetFreelancerCashflow::new(e.clone()),
        V1GetIdentity::new(e.clone()),
        V1GetAccounts::new(e.clone()),
        V1GetBalance::new(e.clone(), a.clone()),
        V1GetTransactions::new(e.clone(), a.clone()),
        VerifyAccount::iban(
            "AE070331234567890123456",
            VerificationAccountType::Personal,
            vec![Identification::full_name("ADAM AHMED").unwrap()],
        )
        .unwrap(),
        VerifyEntity::new(
            e.clone(),
            vec![Identification::national_id("1106972886").unwrap()]
        )
        .unwrap(),
        GetBeneficiaryName::new("SA2810000011100000461309").unwrap(),
        VerifyCorporate::new(CorporateVerificationType::Full, "7001272184").unwrap(),
        VerifyManagers::new("7001272184", "1132381599").unwrap(),
        VerifyFreelancer::new(
            FreelancerVerificationType::Full,
            vec![Identification::national_id("1106972886").unwrap()],
        )
        .unwrap(),
        CreatePaymentIntent::new("5.00".parse().unwrap(), Currency::aed(), c.clone()).unwrap(),
        GetPaymentIntent::new(INTENT).unwrap(),
        ListPaymentIntents::new(),
        CreatePaymentDestination::new(destination()).unwrap(),
        ListPaymentDestinations::of_customer(c.clone()),
        ListPaymentSources::new(c.clone()),
        GetPaymentSource::new(c.clone(), INTENT).unwrap(),
        DeletePaymentSource::new(c.clone(), INTENT).unwrap(),
        CreateAofConsent::new(
            c.clone(),
            INTENT,
            Currency::aed(),
            "IP-007",
            "FIS",
            ConsentLimits::new("Month", "5000".parse().unwrap()).unwrap(),
        )
        .unwrap(),
        InitiateAofPayment::new(INTENT, "130.52".parse().unwrap(), "FIS", "ACME-1").unwrap(),
        GetConsent::new(INTENT).unwrap(),
        GetConsentHistory::new(INTENT).unwrap(),
        ListConsents::of_customer(c.clone()),
        GetPayout::new(INTENT).unwrap(),
        GetPayoutIntent::new(INTENT).unwrap(),
        GetPayoutHistory::new(INTENT).unwrap(),
        ListPayouts::new(),
        ListRefunds::new(),
    )
}

const ENDPOINTS: usize = 59;
const INTENT: &str = "3862c184-3b47-4d0e-9b1b-c753bc901a04";

fn destination() -> DestinationDetails {
    let mut d = DestinationDetails::default();
    d.display_name = "Al Fulani".into();
    d.name = "Fulani Al Fulani".into();
    d.bank_identifier = "ENBD_UAE".into();
    d.address = "1234 Sky Bldg.".into();
    d.city = "Dubai".into();
    d.country = "ARE".into();
    d.account_number = "1015000000601".into();
    d.iban = "AE760260001015000000601".into();
    d.swift_code = "EBILAEAD".into();
    d
}

#[test]
fn every_endpoint_is_listed_and_the_non_idempotent_ones_are_known() {
    let answers = [Answer::Http(500, "")];
    let mut non_idempotent = Vec::new();
    for n in 0..ENDPOINTS {
        let (name, idempotent, seen) = run_endpoint(n, &answers, 1);
        assert!(seen.sent >= 1, "{name} was sent");
        if !idempotent {
            non_idempotent.push(name.rsplit("::").next().unwrap().to_owned());
            // A 500 is an answer: never a second request.
            assert_eq!(seen.sent, 1, "{name}");
        } else {
            assert!(seen.sent > 1, "{name}: a 500 is retried when it is safe");
        }
    }
    // Creations and billed checks. The keyed account-on-file payment is not among them: every
    // send carries its one Idempotency-Key (`keyed_payments_are_resent_with_their_one_key`).
    assert_eq!(
        non_idempotent,
        [
            "CreateCustomer",
            "VerifyName",
            "VerifyAccount",
            "VerifyEntity",
            "GetBeneficiaryName",
            "VerifyCorporate",
            "VerifyManagers",
            "VerifyFreelancer",
            "CreatePaymentIntent",
            "CreatePaymentDestination",
            "CreateAofConsent",
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6_000, ..ProptestConfig::default() })]

    #[test]
    fn nothing_that_is_not_idempotent_is_sent_again_after_lean_may_have_seen_it(
        n in 0..ENDPOINTS,
        answers in prop::collection::vec(answer(), 1..8),
        seed in any::<u64>(),
    ) {
        let (name, idempotent, seen) = run_endpoint(n, &answers, seed);
        prop_assert!(seen.sent >= 1, "{} was never sent", name);
        if !idempotent {
            prop_assert_eq!(seen.sent_after_delivery, 0, "{} sent again after {:?}", name, answers);
        }
    }
}

#[test]
fn keyed_payments_are_resent_with_their_one_key() {
    let payment = |key: Option<&str>| {
        let p =
            InitiateAofPayment::new(INTENT, "130.52".parse().unwrap(), "FIS", "ACME-1").unwrap();
        match key {
            Some(k) => p.idempotency_key(IdempotencyKey::new(k).unwrap()),
            None => p,
        }
    };
    // Lean answered 500, then the connection was cut after the request went out: both times
    // Lean may have made the payment, so the retries carry the same key and Lean answers them
    // with its first payment.
    let answers = [
        Answer::Http(500, ""),
        Answer::Transport(TransportError::Reset { request_sent: true }),
        Answer::Http(
            200,
            r#"{"id":"341c3308-408d-48d9-ae44-c98eb1aa9a6f","status":"ACCEPTED_BY_BANK"}"#,
        ),
    ];
    let mine = payment(Some("order-4321"));
    let seen = run(mine, &answers, 3);
    assert_eq!(seen.sent, 3);
    assert_eq!(
        seen.keys.iter().collect::<Vec<_>>(),
        ["order-4321"],
        "one key on every send"
    );
    // Without one, a key is made when the payment is, and kept by every send of it.
    let generated = payment(None);
    let key = generated.key().as_str().to_owned();
    let seen = run(generated, &answers, 4);
    assert_eq!(seen.keys.iter().collect::<Vec<_>>(), [&key]);
    // Two payments, two keys.
    assert_ne!(payment(None).key(), payment(None).key());
    assert!(IdempotencyKey::new("").is_err());
    assert!(IdempotencyKey::new("has space").is_err());
    assert!(IdempotencyKey::new(&"k".repeat(256)).is_err());
}

#[test]
fn a_request_proven_never_sent_is_sent_again_even_when_not_idempotent() {
    let answers = [
        Answer::Transport(TransportError::Connect),
        Answer::Transport(TransportError::TimedOut {
            request_sent: false,
        }),
        Answer::Http(
            200,
            r#"{"customer_id":"7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f","app_user_id":"user-42"}"#,
        ),
    ];
    let (_, idempotent, seen) = run_endpoint(0, &answers, 7);
    assert!(!idempotent);
    assert_eq!(
        seen.sent, 3,
        "two failures that prove nothing left, then the answer"
    );
    assert_eq!(seen.sent_after_delivery, 0);
}

#[test]
fn a_401_to_a_request_that_is_not_repeated_still_retires_its_token() {
    let start = epoch();
    let config = config(ApiGeneration::V2);
    let tokens = TokenCache::new(&config);
    let results = lean_proto::results::InMemoryResults::default();
    let ctx = Context {
        tokens: &tokens,
        results: &results,
    };
    let endpoint = CreateCustomer::new("user-42").unwrap();
    let mut call = Call::new(
        endpoint,
        config.api_base().clone(),
        CallConfig::default(),
        start,
    );
    let tx = call.poll_transmit(start, &ctx).expect("the token fetch");
    assert_eq!(tx.purpose, Purpose::Token);
    let body = r#"{"access_token":"tok","token_type":"Bearer","scope":"api","expires_in":3600}"#;
    call.handle_response(tx.id, response(200, body, None), start, &ctx);
    let tx = call.poll_transmit(start, &ctx).expect("the POST");
    let unauthorized = response(401, r#"{"status":"UNAUTHORIZED","message":"no"}"#, None);
    call.handle_response(tx.id, unauthorized, start, &ctx);
    let e = call
        .poll_outcome()
        .expect("ended")
        .expect_err("the 401 is the answer");
    assert_eq!(e.api_error().map(|a| a.http_status), Some(401));
    assert!(
        matches!(
            tokens.access(start),
            Ok(lean_proto::auth::TokenAccess::Fetch(..))
        ),
        "the refused token is not handed to the next call"
    );
}
