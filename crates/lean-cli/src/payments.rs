//! The payment commands: payment intents, `pay` (an intent and its payment waited for until
//! the bank settled it), payment destinations and a customer's payment sources. Creations are
//! never sent twice (Lean does not key them); answers print as documents (pretty JSON, one
//! NDJSON line with `--json`) or, for lists, as records.

use crate::session::Session;
use crate::{Fail, print_json_or};
use clap::{Args, Subcommand};
use lean_proto::*;

fn usage(e: RequestError) -> Fail {
    Fail(format!("error: {e}"), crate::exit::USAGE)
}

/// The payment commands, flattened into `lean`'s own.
#[derive(Subcommand, Clone)]
pub(crate) enum PaymentCmd {
    /// Create a payment intent: what a customer is to pay, and to whom (never sent twice).
    CreatePaymentIntent(IntentArgs),
    /// Create a payment intent and wait until the bank settled its payment (exit 0 accepted,
    /// 1 rejected, 3 not yet at the deadline). On an emulator, --outcome plays the customer.
    Pay(PayArgs),
    /// Create an account-on-file consent (never sent twice); the customer authorises it in
    /// LinkSDK.
    CreateAofConsent(ConsentArgs),
    /// Pay under an authorised consent, with an Idempotency-Key (printed on stderr; pass it
    /// again with --idempotency-key to send the same payment safely).
    AofPay(AofPayArgs),
    /// A payment consent: status, limits, what it has paid.
    Consent {
        /// consent_id.
        id: String,
    },
    /// What happened to a consent.
    ConsentHistory {
        /// consent_id.
        id: String,
    },
    /// A customer's payment consents.
    Consents {
        /// customer_id.
        #[arg(long)]
        customer: String,
    },
    /// A payout payment.
    Payout {
        /// payment_id.
        id: String,
    },
    /// A payout's intent, with its payment.
    PayoutIntent {
        /// payment_intent_id.
        id: String,
    },
    /// The events of each payment of a payout intent.
    PayoutHistory {
        /// payment_intent_id.
        id: String,
    },
    /// Your payouts (the first 50).
    Payouts,
    /// Your refunds (the first 50).
    Refunds,
    /// A payment intent and its payments.
    PaymentIntent {
        /// payment_intent_id.
        id: String,
    },
    /// Your application's payment intents.
    PaymentIntents,
    /// Create a payment destination, your application's or (--customer) a customer's.
    CreatePaymentDestination(DestinationArgs),
    /// Payment destinations: your application's, or a customer's with --customer.
    PaymentDestinations {
        /// customer_id.
        #[arg(long)]
        customer: Option<String>,
    },
    /// A customer's payment sources.
    PaymentSources {
        /// customer_id.
        #[arg(long)]
        customer: String,
    },
    /// One payment source of a customer.
    PaymentSource(SourceArgs),
    /// Withdraw a customer's payment source.
    DeletePaymentSource(SourceArgs),
}

/// Runs one payment command.
pub(crate) fn run(session: &Session, cmd: PaymentCmd, json: bool) -> Result<(), Fail> {
    match cmd {
        PaymentCmd::CreatePaymentIntent(a) => create_intent(session, &a),
        PaymentCmd::Pay(a) => pay(session, &a),
        PaymentCmd::CreateAofConsent(a) => create_consent(session, &a),
        PaymentCmd::AofPay(a) => aof_pay(session, &a),
        PaymentCmd::Consent { id } => consent(session, &id),
        PaymentCmd::ConsentHistory { id } => consent_history(session, &id),
        PaymentCmd::Consents { customer } => consents(session, &customer),
        PaymentCmd::Payout { id } => payout_read(session, "payout", Some(&id)),
        PaymentCmd::PayoutIntent { id } => payout_read(session, "payout-intent", Some(&id)),
        PaymentCmd::PayoutHistory { id } => payout_read(session, "payout-history", Some(&id)),
        PaymentCmd::Payouts => payout_read(session, "payouts", None),
        PaymentCmd::Refunds => payout_read(session, "refunds", None),
        PaymentCmd::PaymentIntent { id } => intent(session, &id),
        PaymentCmd::PaymentIntents => intents(session, json),
        PaymentCmd::CreatePaymentDestination(a) => create_destination(session, &a),
        PaymentCmd::PaymentDestinations { customer } => {
            destinations(session, customer.as_deref(), json)
        }
        PaymentCmd::PaymentSources { customer } => sources(session, &customer, json),
        PaymentCmd::PaymentSource(a) => source(session, &a),
        PaymentCmd::DeletePaymentSource(a) => delete_source(session, &a),
    }
}

/// `lean create-payment-intent`.
#[derive(Args, Clone)]
pub(crate) struct IntentArgs {
    /// How much (at most two decimals), exactly as written.
    #[arg(long)]
    amount: String,
    /// ISO 4217 currency.
    #[arg(long, default_value = "AED")]
    currency: String,
    /// The customer paying.
    #[arg(long)]
    customer: String,
    /// The payment destination (default: your application's).
    #[arg(long)]
    destination: Option<String>,
    /// What it is for.
    #[arg(long)]
    description: Option<String>,
}

/// `lean pay`.
#[derive(Args, Clone)]
pub(crate) struct PayArgs {
    #[command(flatten)]
    intent: IntentArgs,
    /// On an emulator only: play the customer authorising the payment in LinkSDK, and the
    /// bank's answer (accepted, rejected). Against Lean, the customer authorises it in your
    /// app and `lean pay` waits.
    #[arg(long, value_parser = ["accepted", "rejected"])]
    outcome: Option<String>,
}

/// `lean create-aof-consent`.
#[derive(Args, Clone)]
pub(crate) struct ConsentArgs {
    /// The customer.
    #[arg(long)]
    customer: String,
    /// Your payment destination the payments go to.
    #[arg(long)]
    destination: String,
    /// ISO 4217 currency.
    #[arg(long, default_value = "AED")]
    currency: String,
    /// Your reference (at most 64 characters).
    #[arg(long)]
    reference: String,
    /// Lean's payment purpose code (FIS, TCS, MWP, OAT, IFS, RNT, LNC, PIN, GDS).
    #[arg(long, default_value = "FIS")]
    purpose: String,
    /// Day, Week, Month or Year: what the per-period limits count.
    #[arg(long, default_value = "Month")]
    period: String,
    /// The most one payment may be, exactly as written.
    #[arg(long)]
    max_amount: String,
}

/// `lean aof-pay`.
#[derive(Args, Clone)]
pub(crate) struct AofPayArgs {
    /// The authorised consent.
    #[arg(long)]
    consent: String,
    /// How much (at most two decimals), exactly as written.
    #[arg(long)]
    amount: String,
    /// Lean's payment purpose code.
    #[arg(long, default_value = "FIS")]
    purpose: String,
    /// Your reference (at most 64 characters).
    #[arg(long)]
    reference: String,
    /// The payment's Idempotency-Key: give the same one to send the same payment again
    /// safely (default: a new one, printed on stderr).
    #[arg(long)]
    idempotency_key: Option<String>,
}

/// `lean create-payment-destination`.
#[derive(Args, Clone)]
pub(crate) struct DestinationArgs {
    /// A customer's destination instead of your application's.
    #[arg(long)]
    customer: Option<String>,
    /// What your users see.
    #[arg(long)]
    display_name: String,
    /// The account holder.
    #[arg(long)]
    name: String,
    /// Lean's bank identifier (ENBD_UAE, …).
    #[arg(long)]
    bank_identifier: String,
    /// The holder's address.
    #[arg(long)]
    address: String,
    /// The holder's city.
    #[arg(long)]
    city: String,
    /// ISO 3166 alpha-3 (ARE).
    #[arg(long)]
    country: String,
    /// The account number.
    #[arg(long)]
    account_number: String,
    /// The IBAN.
    #[arg(long)]
    iban: String,
    /// The bank's BIC.
    #[arg(long)]
    swift_code: String,
}

/// `lean payment-source` and `lean delete-payment-source`.
#[derive(Args, Clone)]
pub(crate) struct SourceArgs {
    /// The customer.
    #[arg(long)]
    customer: String,
    /// The payment source.
    #[arg(long)]
    id: String,
}

/// Runs `create-payment-intent`.
pub(crate) fn create_intent(session: &Session, a: &IntentArgs) -> Result<(), Fail> {
    session.single(intent_request(a)?)
}

/// Runs `pay`: creates the intent, has the emulator's customer authorise it when asked
/// (`--outcome`, or always on `--sandbox`), and waits until the bank settled the payment.
/// Exit 0 when accepted, 1 when the bank rejected it, 3 at the deadline.
pub(crate) fn pay(session: &Session, a: &PayArgs) -> Result<(), Fail> {
    let req = intent_request(&a.intent)?;
    let made = session.watch(|| session.client.call(req).send())?;
    let Some(intent_id) = made.payload.payment_intent_id.clone() else {
        return Err(Fail(
            "error: Lean answered an intent without payment_intent_id".into(),
            crate::exit::LEAN,
        ));
    };
    eprintln!("lean: payment intent {intent_id} created");
    let rejected = a.outcome.as_deref() == Some("rejected");
    match (&session.sandbox, &a.outcome) {
        (Some(emulator), _) => {
            crate::session::authorize(emulator, &intent_id, rejected)
                .map_err(|e| Fail(format!("error: the emulator: {e}"), crate::exit::LEAN))?;
            eprintln!("lean: the emulator's customer authorised it; waiting for the bank");
        }
        (None, Some(_)) => authorize_on_emulator(session, &intent_id, rejected)?,
        (None, None) => eprintln!(
            "lean: waiting for the customer to authorise it in LinkSDK, then for the bank (lean payment-intent {intent_id} to look later)"
        ),
    }
    let waited = session.watch(|| session.client.wait_for_payment(&intent_id).send());
    let payment = match waited {
        Ok(p) => p,
        Err(e)
            if matches!(
                e.call_error().map(|c| &c.kind),
                Some(lean_ureq::CallErrorKind::DeadlineExceeded)
            ) =>
        {
            return Err(Fail(
                format!(
                    "still not settled: payment_intent_id {intent_id}
look later with: lean payment-intent {intent_id}
({e})"
                ),
                crate::exit::PENDING,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if session.json {
        crate::out::ndjson(&payment);
    } else {
        crate::out::pretty(&payment);
    }
    match payment.status {
        Some(PaymentStatus::AcceptedByBank) => Ok(()),
        _ => Err(Fail(
            format!(
                "payment {} {}: {}",
                payment.id.as_deref().unwrap_or("-"),
                payment.status.as_ref().map_or("-", |s| s.as_str()),
                payment
                    .granular_status_code
                    .as_deref()
                    .or(payment.status_additional_details.as_deref())
                    .unwrap_or("no reason given")
            ),
            crate::exit::LEAN,
        )),
    }
}

fn decimal(flag: &str, text: &str) -> Result<Decimal, Fail> {
    text.trim().parse().map_err(|_| {
        Fail(
            format!("error: {flag} {text:?} is not a decimal amount"),
            crate::exit::USAGE,
        )
    })
}

/// Runs `create-aof-consent`.
pub(crate) fn create_consent(session: &Session, a: &ConsentArgs) -> Result<(), Fail> {
    let limits =
        ConsentLimits::new(&a.period, decimal("--max-amount", &a.max_amount)?).map_err(usage)?;
    let req = CreateAofConsent::new(
        CustomerId::parse(&a.customer)?,
        &a.destination,
        Currency::new(&a.currency.to_ascii_uppercase()),
        &a.reference,
        &a.purpose,
        limits,
    )
    .map_err(usage)?;
    session.single(req)
}

/// Runs `aof-pay`: the key goes to stderr before anything is sent, so a caller that loses
/// the answer can send the same payment again with it.
pub(crate) fn aof_pay(session: &Session, a: &AofPayArgs) -> Result<(), Fail> {
    let mut req = InitiateAofPayment::new(
        &a.consent,
        decimal("--amount", &a.amount)?,
        &a.purpose,
        &a.reference,
    )
    .map_err(usage)?;
    if let Some(k) = &a.idempotency_key {
        req = req.idempotency_key(IdempotencyKey::new(k).map_err(usage)?);
    }
    eprintln!("lean: idempotency-key {}", req.key());
    session.single(req)
}

/// Runs `consent ID`.
pub(crate) fn consent(session: &Session, id: &str) -> Result<(), Fail> {
    session.single(GetConsent::new(id).map_err(usage)?)
}

/// Runs `consent-history ID`.
pub(crate) fn consent_history(session: &Session, id: &str) -> Result<(), Fail> {
    session.single(GetConsentHistory::new(id).map_err(usage)?)
}

/// Runs `consents --customer`.
pub(crate) fn consents(session: &Session, customer: &str) -> Result<(), Fail> {
    session.single(ListConsents::of_customer(CustomerId::parse(customer)?))
}

/// Runs the payout and refund reads: `payout`, `payout-intent`, `payout-history`, `payouts`,
/// `refunds` (documents).
pub(crate) fn payout_read(session: &Session, what: &str, id: Option<&str>) -> Result<(), Fail> {
    let id = || id.unwrap_or_default();
    match what {
        "payout" => session.single(GetPayout::new(id()).map_err(usage)?),
        "payout-intent" => session.single(GetPayoutIntent::new(id()).map_err(usage)?),
        "payout-history" => session.single(GetPayoutHistory::new(id()).map_err(usage)?),
        "payouts" => session.single(ListPayouts::new()),
        _ => session.single(ListRefunds::new()),
    }
}

/// `--outcome` against a running emulator (`--base-url`): its control API plays the customer.
fn authorize_on_emulator(session: &Session, intent_id: &str, rejected: bool) -> Result<(), Fail> {
    let base = session.config.api_base();
    let url = format!(
        "{}/_sandbox/payments/{intent_id}/authorize",
        base.as_str().trim_end_matches('/')
    );
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    );
    let outcome = if rejected {
        "FAILED"
    } else {
        "ACCEPTED_BY_BANK"
    };
    let mut r = agent
        .post(&url)
        .header("content-type", "application/json")
        .send(serde_json::json!({ "outcome": outcome }).to_string())
        .map_err(|e| Fail(format!("error: {url}: {e}"), crate::exit::LEAN))?;
    let status = r.status().as_u16();
    if status != 201 {
        let text = r.body_mut().read_to_string().unwrap_or_default();
        return Err(Fail(
            format!(
                "error: --outcome needs an emulator (--sandbox, or --base-url of a running lean sandbox): {url} answered {status}: {text}"
            ),
            crate::exit::USAGE,
        ));
    }
    eprintln!("lean: the emulator's customer authorised it; waiting for the bank");
    Ok(())
}

fn intent_request(a: &IntentArgs) -> Result<CreatePaymentIntent, Fail> {
    let amount: Decimal = a.amount.trim().parse().map_err(|_| {
        Fail(
            format!("error: --amount {:?} is not a decimal amount", a.amount),
            crate::exit::USAGE,
        )
    })?;
    let mut req = CreatePaymentIntent::new(
        amount,
        Currency::new(&a.currency.to_ascii_uppercase()),
        CustomerId::parse(&a.customer)?,
    )
    .map_err(usage)?;
    if let Some(d) = &a.destination {
        req = req.destination(d).map_err(usage)?;
    }
    if let Some(t) = &a.description {
        req = req.description(t).map_err(usage)?;
    }
    Ok(req)
}

/// Runs `payment-intent ID`.
pub(crate) fn intent(session: &Session, id: &str) -> Result<(), Fail> {
    session.single(GetPaymentIntent::new(id).map_err(usage)?)
}

/// Runs `payment-intents`.
pub(crate) fn intents(session: &Session, json: bool) -> Result<(), Fail> {
    let list = session
        .watch(|| session.client.call(ListPaymentIntents::new()).send())?
        .payload
        .data;
    print_json_or(json, &list, || {
        let mut out =
            String::from("payment_intent_id                     amount      currency  customer_id");
        for i in &list {
            out.push_str(&format!(
                "\n{}  {:>10}  {:<8}  {}",
                i.payment_intent_id.as_deref().unwrap_or("-"),
                i.amount.map_or("-".to_owned(), |a| a.to_string()),
                i.currency.as_ref().map_or("-", |c| c.as_str()),
                i.customer_id.as_deref().unwrap_or("-")
            ));
        }
        out
    });
    Ok(())
}

/// Runs `create-payment-destination`.
pub(crate) fn create_destination(session: &Session, a: &DestinationArgs) -> Result<(), Fail> {
    let mut d = DestinationDetails::default();
    d.display_name = a.display_name.clone();
    d.name = a.name.clone();
    d.bank_identifier = a.bank_identifier.clone();
    d.address = a.address.clone();
    d.city = a.city.clone();
    d.country = a.country.clone();
    d.account_number = a.account_number.clone();
    d.iban = a.iban.clone();
    d.swift_code = a.swift_code.clone();
    let mut req = CreatePaymentDestination::new(d).map_err(usage)?;
    if let Some(c) = &a.customer {
        req = req.for_customer(CustomerId::parse(c)?);
    }
    session.single(req)
}

/// Runs `payment-destinations [--customer]`.
pub(crate) fn destinations(
    session: &Session,
    customer: Option<&str>,
    json: bool,
) -> Result<(), Fail> {
    let req = match customer {
        Some(c) => ListPaymentDestinations::of_customer(CustomerId::parse(c)?),
        None => ListPaymentDestinations::new(),
    };
    let list = session.watch(|| session.client.call(req).send())?.payload.0;
    print_json_or(json, &list, || {
        let mut out =
            String::from("id                                    iban                      name");
        for d in &list {
            out.push_str(&format!(
                "\n{}  {:<24}  {}",
                d.id.as_deref().unwrap_or("-"),
                d.iban.as_deref().unwrap_or("-"),
                d.name.as_deref().unwrap_or("-")
            ));
        }
        out
    });
    Ok(())
}

/// Runs `payment-sources --customer`.
pub(crate) fn sources(session: &Session, customer: &str, json: bool) -> Result<(), Fail> {
    let req = ListPaymentSources::new(CustomerId::parse(customer)?);
    let list = session.watch(|| session.client.call(req).send())?.payload.0;
    print_json_or(json, &list, || {
        let mut out = String::from(
            "id                                    status                         bank",
        );
        for s in &list {
            out.push_str(&format!(
                "\n{}  {:<29}  {}",
                s.id.as_deref().unwrap_or("-"),
                s.status.as_deref().unwrap_or("-"),
                s.bank_identifier.as_deref().unwrap_or("-")
            ));
        }
        out
    });
    Ok(())
}

/// Runs `payment-source`.
pub(crate) fn source(session: &Session, a: &SourceArgs) -> Result<(), Fail> {
    session.single(GetPaymentSource::new(CustomerId::parse(&a.customer)?, &a.id).map_err(usage)?)
}

/// Runs `delete-payment-source`.
pub(crate) fn delete_source(session: &Session, a: &SourceArgs) -> Result<(), Fail> {
    let req = DeletePaymentSource::new(CustomerId::parse(&a.customer)?, &a.id).map_err(usage)?;
    session.watch(|| session.client.call(req).send())?;
    crate::out::outln!("deleted payment source {}", a.id);
    Ok(())
}
