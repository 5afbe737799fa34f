//! The payment scenarios, through every adapter: intents and destinations never sent twice,
//! and a payment waited for until the bank settled it, by webhook or, when the webhook is
//! lost, by polling the intent.

use crate::Adapter;
use crate::scenarios::{quick_calls, requests_to, sandbox_config, world};
use lean_proto::*;
use lean_sandbox::{Authorization, FaultKind, FaultRule};
use std::time::Duration;

/// Payments, first part, through every adapter: a destination, an intent to it, read back;
/// a customer's destinations and payment sources; and an intent whose answer is lost is not
/// sent again (Lean does not key intents: a second send could charge twice).
pub fn payment_intents_and_destinations_never_sent_twice<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let c = &w.client;
    let customer = w.sandbox.customers()[0].clone();
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
    let destination = c
        .call(CreatePaymentDestination::new(d).unwrap())
        .unwrap()
        .payload;
    let destination_id = destination.id.clone().unwrap();
    let intent =
        CreatePaymentIntent::new("12.50".parse().unwrap(), Currency::aed(), customer.clone())
            .unwrap()
            .destination(&destination_id)
            .unwrap();
    let made = c.call(intent.clone()).unwrap().payload;
    assert_eq!(made.amount.unwrap().to_string(), "12.50", "exact");
    let id = made.payment_intent_id.clone().unwrap();
    let read = c.call(GetPaymentIntent::new(&id).unwrap()).unwrap().payload;
    assert_eq!(
        read.payment_destination.unwrap().id.as_deref(),
        Some(destination_id.as_str())
    );
    assert_eq!(
        c.call(ListPaymentIntents::new())
            .unwrap()
            .payload
            .data
            .len(),
        1
    );
    // The sandbox application's own destination, and the one created above.
    assert_eq!(
        c.call(ListPaymentDestinations::new())
            .unwrap()
            .payload
            .0
            .len(),
        2
    );
    let sources = c
        .call(ListPaymentSources::new(customer.clone()))
        .unwrap()
        .payload;
    let source = sources.0[0].id.clone().unwrap();
    c.call(GetPaymentSource::new(customer.clone(), &source).unwrap())
        .unwrap();
    c.call(DeletePaymentSource::new(customer.clone(), &source).unwrap())
        .unwrap();
    assert!(
        c.call(ListPaymentSources::new(customer))
            .unwrap()
            .payload
            .0
            .is_empty()
    );

    let sent = || requests_to(&w, "/payments/v1/intents");
    let before = sent();
    w.sandbox.add_fault(FaultRule::next(
        "create-payment-intent",
        FaultKind::Reset,
        1,
    ));
    assert!(c.call(intent.clone()).is_err());
    assert_eq!(
        sent(),
        before + 1,
        "a cut answer: the intent is not sent again"
    );
    w.sandbox.add_fault(FaultRule::next(
        "create-payment-intent",
        FaultKind::ServerError { status: 503 },
        1,
    ));
    assert!(c.call(intent).is_err());
    assert_eq!(
        sent(),
        before + 2,
        "a 503 after the body arrived: not sent again"
    );
}

/// A customer pays an intent (LinkSDK's `pay()` played by the emulator): `payment.created`,
/// then `payment.updated` ACCEPTED_BY_BANK end a wait started before the payment, without a
/// poll. A second intent's payment is rejected by the bank and its final webhook lost: the
/// wait polls the intent and ends with the FAILED payment and Lean's reason, within the
/// deadline. A wait for an intent never paid ends at its deadline.
pub fn a_payment_is_waited_for_until_the_bank_settles_it<C: Adapter>() {
    let w = world::<C>(
        sandbox_config(),
        {
            let mut calls = quick_calls();
            calls.webhook_grace = Duration::from_millis(500);
            calls
        },
        true,
    );
    let customer = w.sandbox.customers()[0].clone();
    let intent = |amount: &str| {
        let made = w
            .client
            .call(
                CreatePaymentIntent::new(
                    amount.parse().unwrap(),
                    Currency::aed(),
                    customer.clone(),
                )
                .unwrap(),
            )
            .unwrap();
        made.payload.payment_intent_id.clone().unwrap()
    };
    let first = intent("120.50");
    let waiter = {
        let (c, id) = (w.client.clone(), first.clone());
        std::thread::spawn(move || c.wait_for_payment(&id, None))
    };
    let started = w.sandbox.pay(&first, &Authorization::accepted()).unwrap();
    assert_eq!(started.status, Some(PaymentStatus::PendingWithBank));
    let paid = waiter.join().unwrap().unwrap();
    assert_eq!(paid.status, Some(PaymentStatus::AcceptedByBank));
    assert_eq!(paid.id, started.id);
    assert_eq!(paid.amount, Some("120.50".parse().unwrap()));
    assert_eq!(
        requests_to(&w, &format!("/payments/v1/intents/{first}")),
        0,
        "the webhook ended the wait: no polling"
    );
    // Paid once: a second authorisation of the same intent is refused.
    assert!(w.sandbox.pay(&first, &Authorization::accepted()).is_err());

    let second = intent("75.00");
    w.sandbox
        .add_fault(FaultRule::next("payment", FaultKind::WebhookLost, 1));
    w.sandbox.pay(&second, &Authorization::rejected()).unwrap();
    let rejected = w.client.wait_for_payment(&second, None).unwrap();
    assert_eq!(rejected.status, Some(PaymentStatus::Failed));
    assert_eq!(
        rejected.granular_status_code.as_deref(),
        Some("PAYMENT_REJECTED_BY_BANK"),
        "read from the intent, not the lost webhook"
    );
    assert!(
        requests_to(&w, &format!("/payments/v1/intents/{second}")) >= 1,
        "the lost webhook was made up for by polling"
    );

    let never = intent("9.99");
    let e = w
        .client
        .wait_for_payment_within(&never, Duration::from_secs(1))
        .unwrap_err();
    assert!(
        matches!(
            e.call_error().map(|c| &c.kind),
            Some(lean_proto::call::CallErrorKind::DeadlineExceeded)
        ),
        "{e}"
    );
    assert!(
        w.client.wait_for_payment("not-a-uuid", None).is_err(),
        "refused before anything is sent"
    );
}

/// An account-on-file payment moves money under a consent: whatever the network does to its
/// answer (a 503 or a cut connection after Lean made the payment, the caller sending it again
/// later), each payment is made once. Every send carries its one `Idempotency-Key`, so Lean
/// answers a retry with the payment it made.
pub fn an_account_on_file_payment_is_made_once_whatever_the_network_does<C: Adapter>() {
    let w = world::<C>(sandbox_config(), quick_calls(), false);
    let customer = w.sandbox.customers()[0].clone();
    let consent = w
        .client
        .call(
            CreateAofConsent::new(
                customer,
                "6910fddc-417c-f7fd-6e4b-4d7de3d0bc06",
                Currency::aed(),
                "IP-007",
                "FIS",
                ConsentLimits::new("Month", "5000".parse().unwrap()).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
    let consent_id = consent.payload.id.clone().unwrap();
    w.sandbox.authorise_consent(&consent_id).unwrap();
    let sent = || requests_to(&w, "/payments/account-on-file");
    let mut ids = Vec::new();
    for (n, fault) in [FaultKind::ServerError { status: 503 }, FaultKind::Reset]
        .into_iter()
        .enumerate()
    {
        let payment = InitiateAofPayment::new(
            &consent_id,
            "130.52".parse().unwrap(),
            "FIS",
            &format!("ACME-{n}"),
        )
        .unwrap();
        let before = sent();
        w.sandbox
            .add_fault(FaultRule::next("aof-payment", fault.clone(), 1));
        let made = w.client.call(payment.clone()).unwrap();
        assert_eq!(sent(), before + 2, "{fault:?}: sent again, with its key");
        // The caller sends the same payment again (a restart, a double click): still one.
        let again = w.client.call(payment).unwrap();
        assert_eq!(again.payload.id, made.payload.id, "{fault:?}");
        ids.push(made.payload.id.clone().unwrap());
    }
    assert_ne!(ids[0], ids[1], "two payments, two keys");
    let read = w
        .client
        .call(GetConsent::new(&consent_id).unwrap())
        .unwrap();
    let used = read.payload.payment_consumption.unwrap();
    assert_eq!(
        used.cumulative_number_of_payments,
        Some(2),
        "made once each"
    );
}
