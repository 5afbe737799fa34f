//! The payment products' answers against Lean's recordings: each decodes into its typed model
//! with Lean's values, amounts exact and states known.

mod common;

use common::recordings::{Recorded, recorded};
use lean_proto::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn data<P: Payload>(r: &Recorded) -> P {
    match classify::<P>(&r.response).unwrap_or_else(|e| panic!("{}: {e}", r.name)) {
        Outcome::Data(d) => d.payload,
        other => panic!("{}: {}", r.name, other.class()),
    }
}

fn dec(s: &str) -> Option<Decimal> {
    Some(Decimal::from_str(s).unwrap())
}

#[test]
fn a_payment_intent_keeps_its_amount_and_destination() {
    let intent: PaymentIntent = data(&recorded(
        "payments__single-instant-payment-create-payment-intent__create-payment-intent__200.json",
    ));
    assert_eq!(intent.amount, dec("5.00"));
    assert_eq!(
        intent.amount.unwrap().to_string(),
        "5.00",
        "the scale Lean sent"
    );
    let d = intent.payment_destination.unwrap();
    assert_eq!(d.iban.as_deref(), Some("AE910240001523279032202"));
    assert_eq!(d.confirmation_of_payee_status.as_deref(), Some("MATCH"));
    let list: PaymentIntentList = data(&recorded(
        "payments__single-instant-payment-list-payment-intents__list-payment-intents__200.json",
    ));
    let p = &list.data[0].payments[0];
    assert_eq!(p.amount, dec("61.4"));
    assert_eq!(p.status, Some(PaymentStatus::AcceptedByBank));
    assert!(p.submission_timestamp.is_some() && p.initiation_timestamp.is_some());
}

#[test]
fn payouts_and_their_history() {
    let created: PayoutCreated = data(&recorded(
        "payouts__create-payout-payment__create-payout-payment__200.json",
    ));
    let d = created.payouts_payment_details[0]
        .destination_details
        .as_ref()
        .unwrap();
    assert_eq!(d.amount, dec("16"));
    assert_eq!(d.payment_status, Some(PaymentStatus::Created));
    let payout: Payment = data(&recorded("payouts__get-payouts__get-payouts__200.json"));
    assert_eq!(
        payout.post_initiation_status,
        Some(PostInitiationStatus::Processed)
    );
    let history: PaymentHistory = data(&recorded(
        "payouts__get-payment-history__get-payment-history__200.json",
    ));
    assert_eq!(
        history.content[0].events[0].event.as_deref(),
        Some("payment.created")
    );
    let list: PayoutList = data(&recorded("payouts__list-payouts__list-payouts__200.json"));
    assert_eq!(list.content[0].status, Some(PaymentStatus::Failed));
    assert_eq!(list.content[0].amount, dec("15"));
}

#[test]
fn consents_keep_their_limits_exactly() {
    let c: AccountOnFileConsent = data(&recorded(
        "payments__account-on-file-create-aof-consent__create-aof-consent__200.json",
    ));
    let limits = c.control_parameters.unwrap();
    assert_eq!(limits.max_individual_amount, dec("5000"));
    assert_eq!(limits.max_cumulative_amount, None);
    assert_eq!(limits.max_cumulative_number_of_payments, Some(365));
    let c: PaymentConsent = data(&recorded(
        "payments__consents-get-consent-details-by-id__get-consent-details-by-id__200.json",
    ));
    assert_eq!(
        c.payment_purpose.unwrap().description.as_deref(),
        Some("Financial services")
    );
    let used = c.payment_consumption.unwrap();
    assert_eq!(used.cumulative_value_of_payments, dec("0.0"));
    let list: PaymentConsentList = data(&recorded(
        "payments__consents-list-customers-consents__list-customers-consents__None.json",
    ));
    assert_eq!(
        list.data[0]
            .payment_consumption
            .as_ref()
            .unwrap()
            .cumulative_value_of_payments,
        dec("10000.05")
    );
}

#[test]
fn refunds_and_sources() {
    let created: RefundList = data(&recorded(
        "refunds__create-refunds__create-refunds__201.json",
    ));
    assert_eq!(created.0[0].status, Some(RefundStatus::Created));
    assert_eq!(created.0[0].amount, dec("35"));
    let page: RefundPage = data(&recorded("refunds__list-refunds__list-refunds__200.json"));
    assert_eq!(page.content[0].deposit_amount, dec("35"));
    let processed: RefundList = data(&recorded(
        "refunds__process-refunds__process-refunds__200.json",
    ));
    assert_eq!(processed.0[0].status, Some(RefundStatus::Approved));
    let sources: PaymentSourceList = data(&recorded(
        "payment-source__get-all-payment-sources-for-customer__new-request__None.json",
    ));
    assert_eq!(sources.0[0].accounts[0].balance, dec("35681.15"));
    assert_eq!(sources.0[0].beneficiaries.len(), 1);
}

fn built<E: Endpoint>(e: &E) -> (http::Method, String, String) {
    let base = lean_proto::config::BaseUrl::parse("https://sandbox.leantech.me").unwrap();
    let token = lean_proto::secret::Secret::new("t".to_owned());
    let target = Target {
        api_base: &base,
        auth: Auth::Bearer(&token),
        correlation_id: None,
    };
    let req = e.build(&target).unwrap();
    (
        req.method().clone(),
        req.uri().path().to_owned(),
        String::from_utf8(req.body().clone()).unwrap(),
    )
}

/// The paths and bodies of Lean's Node SDK (its seven payment methods) and UAE collection.
#[test]
fn payment_requests_are_built_as_lean_s_sdk_sends_them() {
    let customer = CustomerId::parse("fe158075-97f9-4e30-a8b9-641597b689d6").unwrap();
    let intent =
        CreatePaymentIntent::new("5.00".parse().unwrap(), Currency::aed(), customer.clone())
            .unwrap()
            .destination("a9a9d921-5512-4bec-bda4-8909299afcc2")
            .unwrap()
            .description("demo payment")
            .unwrap();
    let (m, path, body) = built(&intent);
    assert_eq!(
        (m, path.as_str()),
        (http::Method::POST, "/payments/v1/intents")
    );
    assert!(
        body.contains(r#""amount":5.00"#),
        "the digits as given: {body}"
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["currency"], "AED");
    assert_eq!(v["customer_id"], customer.as_str());
    assert_eq!(
        v["payment_destination_id"],
        "a9a9d921-5512-4bec-bda4-8909299afcc2"
    );
    assert_eq!(v["description"], "demo payment");
    assert!(
        !intent.is_idempotent(),
        "Lean does not key intents: never sent twice"
    );

    let (m, path, _) =
        built(&GetPaymentIntent::new("2b0f9a59-c2f0-4d3b-b06b-20dd76084b94").unwrap());
    assert_eq!(
        (m, path.as_str()),
        (
            http::Method::GET,
            "/payments/v1/intents/2b0f9a59-c2f0-4d3b-b06b-20dd76084b94"
        )
    );
    assert_eq!(built(&ListPaymentIntents::new()).1, "/payments/v1/intents");

    let mut d = DestinationDetails::default();
    d.display_name = "Al Fulani".into();
    d.name = "Fulani Al Fulani".into();
    d.bank_identifier = "ENBD_UAE".into();
    d.address = "1234 Sky Bldg.".into();
    d.city = "Abu Dhabi".into();
    d.country = "ARE".into();
    d.account_number = "1015000000601".into();
    d.iban = "AE760260001015000000601".into();
    d.swift_code = "EBILAEADXXX".into();
    let app = CreatePaymentDestination::new(d.clone()).unwrap();
    let (m, path, body) = built(&app);
    assert_eq!(
        (m, path.as_str()),
        (http::Method::POST, "/payments/v1/destinations")
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v.get("customer_id").is_none());
    assert_eq!(v["swift_code"], "EBILAEADXXX");
    assert!(!app.is_idempotent());
    let theirs = CreatePaymentDestination::new(d)
        .unwrap()
        .for_customer(customer.clone());
    let v: serde_json::Value = serde_json::from_str(&built(&theirs).2).unwrap();
    assert_eq!(v["customer_id"], customer.as_str());

    assert_eq!(
        built(&ListPaymentDestinations::new()).1,
        "/payments/v1/destinations"
    );
    assert_eq!(
        built(&ListPaymentDestinations::of_customer(customer.clone())).1,
        "/customers/v1/fe158075-97f9-4e30-a8b9-641597b689d6/destinations"
    );
    assert_eq!(
        built(&ListPaymentSources::new(customer.clone())).1,
        "/customers/v1/fe158075-97f9-4e30-a8b9-641597b689d6/payment-sources"
    );
    let source = "d8d7a9b3-c401-49f6-81a4-386d8398aa2c";
    assert_eq!(
        built(&GetPaymentSource::new(customer.clone(), source).unwrap()).1,
        format!("/customers/v1/{customer}/payment-sources/{source}")
    );
    let (m, _, _) = built(&DeletePaymentSource::new(customer, source).unwrap());
    assert_eq!(m, http::Method::DELETE);
}

#[test]
fn bad_payment_input_is_refused_before_anything_is_sent() {
    let c = || CustomerId::parse("fe158075-97f9-4e30-a8b9-641597b689d6").unwrap();
    for amount in ["0", "-1", "1.001"] {
        assert!(
            CreatePaymentIntent::new(amount.parse().unwrap(), Currency::aed(), c()).is_err(),
            "{amount}"
        );
    }
    assert!(CreatePaymentIntent::new(Decimal::ONE, Currency::new("dirham"), c()).is_err());
    let ok = CreatePaymentIntent::new(Decimal::ONE, Currency::aed(), c()).unwrap();
    assert!(ok.clone().destination("../../etc").is_err());
    assert!(ok.description("\u{0}").is_err());
    assert!(GetPaymentIntent::new("not-a-uuid").is_err());
    assert!(GetPaymentSource::new(c(), "../x").is_err());
    assert!(CreatePaymentDestination::new(DestinationDetails::default()).is_err());
}
