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
