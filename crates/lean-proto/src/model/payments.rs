//! Typed answers of Lean's payment products, from its recorded answers (the UAE collection,
//! 2021–2026): payment intents and payments, payment destinations and sources, account-on-file
//! and payment consents. Each is a bare body (no envelope). Payouts and refunds are in
//! `payouts.rs`.
//!
//! Pure data: how payments are sent (idempotency keys, never twice) is not decided here. Every
//! field is optional (a field Lean leaves out must not fail the call); amounts are exact;
//! timestamps typed; states are enums that keep values Lean adds (`Unknown`).

use crate::model::data::{Json, PageInfo};
use crate::money::Currency;
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

crate::enums::lean_enum!(
    /// A payment's state at the bank (`status`).
    PaymentStatus {
        AwaitingAuthorization = "AWAITING_AUTHORIZATION", PendingWithBank = "PENDING_WITH_BANK",
        AcceptedByBank = "ACCEPTED_BY_BANK", Failed = "FAILED", Created = "CREATED",
    }
);

impl PaymentStatus {
    /// Whether the bank has settled it either way (accepted or failed): what a payment wait
    /// ends at. `post_initiation_status` may still change after acceptance.
    pub fn is_final(&self) -> bool {
        matches!(self, PaymentStatus::AcceptedByBank | PaymentStatus::Failed)
    }
}

crate::enums::lean_enum!(
    /// What happened after the bank accepted it (`post_initiation_status`).
    PostInitiationStatus { Processed = "PROCESSED", Pending = "PENDING", Failed = "FAILED" }
);

/// An account as a payment names it (`sender_details`, `recipient_details`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentParty {
    /// Account number (masked by some banks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// Holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One payment (`GET /customers/{customer_id}/payments`, `GET /payouts/v1/{payment_id}`, a
/// payment intent's `payments`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Payment {
    /// Lean's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its intent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    /// The payment source it was paid from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_source_id: Option<String>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_details: Option<PaymentParty>,
    /// Who was paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_details: Option<PaymentParty>,
    /// How much, exact.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// In what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Sent to Lean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_timestamp: Option<Timestamp>,
    /// Sent to the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiation_timestamp: Option<Timestamp>,
    /// Its state at the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PaymentStatus>,
    /// After acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_initiation_status: Option<PostInitiationStatus>,
    /// The bank's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_transaction_reference: Option<String>,
    /// Why it failed, Lean's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granular_status_code: Option<String>,
    /// Why it failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_additional_details: Option<String>,
}

/// A payment destination (your account, or a payout recipient).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentDestination {
    /// Lean's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_identifier: Option<String>,
    /// The holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// What users see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// Account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// BIC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swift_code: Option<String>,
    /// `CONFIRMED`, `ACTIVE`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Country (ISO 3166 alpha-3, `ARE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Post code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Whether it is the default destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    /// `APPLICATION`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_type: Option<String>,
    /// The branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_address: Option<String>,
    /// Its currency (the list's name for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Its currency (the intent's name for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_iso_code: Option<Currency>,
    /// Confirmation of payee: `MATCH`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_of_payee_status: Option<String>,
    /// `RETAIL`, `CORPORATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// India's IFSC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ifsc: Option<String>,
    /// The UK's sort code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_code: Option<String>,
    /// The US routing number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_number: Option<String>,
    /// Canada's transit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_code: Option<String>,
}

/// `GET /payments/v1/destinations`: a bare array.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaymentDestinationList(pub Vec<PaymentDestination>);

/// A payment intent: what is to be paid, to whom, and the payments made for it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentIntent {
    /// Lean's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    /// The customer paying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// How much, exact.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// In what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Your reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// Payments made for it.
    #[serde(default)]
    pub payments: Vec<Payment>,
    /// The payment made for it (payouts name one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// Where the money goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_destination: Option<PaymentDestination>,
    /// Created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// `GET /payments/v1/intents`: a page of intents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentIntentList {
    /// The intents.
    #[serde(default)]
    pub data: Vec<PaymentIntent>,
    /// Paging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageInfo>,
}

/// A payment source: a customer's bank connection for payments.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentSource {
    /// Lean's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Your application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// `AWAITING_BENEFICIARY_COOL_OFF`, `ACTIVE`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the bank's cool-off for a new beneficiary ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary_cool_off_expiry: Option<Timestamp>,
    /// The bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_identifier: Option<String>,
    /// The destinations added as beneficiaries.
    #[serde(default)]
    pub beneficiaries: Vec<PaymentSourceBeneficiary>,
    /// The accounts it can pay from.
    #[serde(default)]
    pub accounts: Vec<PaymentSourceAccount>,
}

/// A destination added as a beneficiary at the customer's bank.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentSourceBeneficiary {
    /// Lean's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_destination_id: Option<String>,
    /// Its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the cool-off ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary_cool_off_expiry: Option<Timestamp>,
}

/// An account a payment source can pay from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentSourceAccount {
    /// Lean's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// Its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// Balance, exact (not always sent).
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub balance: Option<Decimal>,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// When the balance was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_last_updated: Option<Timestamp>,
}

/// `GET /customers/v1/{customer_id}/payment-sources`: a bare array.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaymentSourceList(pub Vec<PaymentSource>);

/// The limits of an account-on-file consent (variable recurring payments).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ControlParameters {
    /// `VariableOnDemand`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `Day`, `Week`, `Month`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_type: Option<String>,
    /// Most one payment may move, exact.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_individual_amount: Option<Decimal>,
    /// Most all payments may move, exact.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_cumulative_amount: Option<Decimal>,
    /// Most payments in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cumulative_number_of_payments: Option<u64>,
    /// Most per period, exact.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_cumulative_amount_per_period: Option<Decimal>,
    /// Most payments per period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cumulative_number_of_payments_per_period: Option<u64>,
}

/// `POST /consents/account-on-file`: the consent created, awaiting the customer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountOnFileConsent {
    /// The consent's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Your application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Valid from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<Timestamp>,
    /// Valid until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_time: Option<Timestamp>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// `AWAITING_AUTHORISATION`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Where payments go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_account_id: Option<String>,
    /// Your reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The purpose code (`FIS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Its limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_parameters: Option<ControlParameters>,
    /// A first payment made with the consent (`null` in Lean's recordings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_payment: Option<Json>,
}

/// A payment consent as read back (`GET /consents/{consent_id}`, the consents list).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentConsent {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
    /// The bank, once chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_identifier: Option<String>,
    /// Your application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Valid from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<Timestamp>,
    /// Valid until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_time: Option<Timestamp>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// `AWAITING_AUTHORISATION`, `AUTHORISED`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Where payments go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_account_id: Option<String>,
    /// Your reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The account the customer consented from, once authorised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consented_account: Option<ConsentedAccount>,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// The purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_purpose: Option<PaymentPurpose>,
    /// Its limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_parameters: Option<ControlParameters>,
    /// What has been used of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_consumption: Option<PaymentConsumption>,
    /// A first payment made with the consent (`null` in Lean's recordings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immediate_payment: Option<Json>,
}

/// The account a consent pays from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsentedAccount {
    /// IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// Holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_name: Option<String>,
}

/// A payment purpose.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentPurpose {
    /// `FIS`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a consent has been used for, exact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentConsumption {
    /// Payments so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cumulative_number_of_payments: Option<u64>,
    /// Their value.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cumulative_value_of_payments: Option<Decimal>,
    /// Payments this period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cumulative_number_of_payments_in_current_period: Option<u64>,
    /// Their value.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cumulative_value_of_payments_in_current_period: Option<Decimal>,
}

/// `GET /consents/v1`: a page of consents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentConsentList {
    /// The consents.
    #[serde(default)]
    pub data: Vec<PaymentConsent>,
    /// Paging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageInfo>,
}

/// `GET /consents/{consent_id}/history`: what happened to a consent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsentHistory {
    /// Events, oldest first.
    #[serde(default)]
    pub data: Vec<ConsentEvent>,
    /// Paging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageInfo>,
}

/// One event of a consent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsentEvent {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `CONSENT_CREATED`, …
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// By whom (`LEAN`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
