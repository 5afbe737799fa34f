//! Typed answers of Lean's payouts and refunds, from its recorded answers (the UAE
//! collection, 2026): payouts created, their destinations, history and list; refunds. Each is a
//! bare body (no envelope). Pure data, as `payments.rs`: amounts exact, states open enums.

use crate::model::data::PageInfo;
use crate::model::payments::{PaymentParty, PaymentStatus, PostInitiationStatus};
use crate::money::Currency;
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `POST /payouts/v1/payment`: the payouts created.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutCreated {
    /// The payment source paid from.
    #[serde(default)]
    pub end_user_id: Option<String>,
    /// One per destination.
    #[serde(default)]
    pub payouts_payment_details: Vec<PayoutPaymentDetail>,
}

/// One payout to one destination.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutPaymentDetail {
    /// Its intent.
    #[serde(default)]
    pub payment_intent_id: Option<String>,
    /// Lean's task.
    #[serde(default)]
    pub initiate_payment_task_id: Option<String>,
    /// Paid from (number).
    #[serde(default)]
    pub account_number: Option<String>,
    /// Paid from (IBAN).
    #[serde(default)]
    pub iban: Option<String>,
    /// Where, how much.
    #[serde(default)]
    pub destination_details: Option<PayoutDestinationDetails>,
    /// The bank paid from.
    #[serde(default)]
    pub bank_identifier: Option<String>,
}

/// Where a payout goes, and how much.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutDestinationDetails {
    /// The destination.
    #[serde(default)]
    pub destination_id: Option<String>,
    /// How much, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// In what.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Its state.
    #[serde(default)]
    pub payment_status: Option<PaymentStatus>,
    /// Why it failed.
    #[serde(default)]
    pub error_message: Option<String>,
    /// Who is paid.
    #[serde(default)]
    pub recipient_details: Option<PaymentParty>,
}

/// `POST /payouts/v1/payment/destinations`: one per destination added.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutDestinationCreated {
    /// Lean's task adding it as a beneficiary.
    #[serde(default)]
    pub add_beneficiary_task_id: Option<String>,
    /// The destination.
    #[serde(default)]
    pub destination_id: Option<String>,
    /// Its bank.
    #[serde(default)]
    pub bank_identifier: Option<String>,
    /// IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// What users see.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `CONFIRMED`, …
    #[serde(default)]
    pub status: Option<String>,
}

/// The bare array `POST /payouts/v1/payment/destinations` answers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PayoutDestinationsCreated(pub Vec<PayoutDestinationCreated>);

/// `GET /payouts/v1/payments/{payment_intent_id}/history`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentHistory {
    /// Per payment.
    #[serde(default)]
    pub content: Vec<PaymentEvents>,
    /// Paging.
    #[serde(default)]
    pub page: Option<PageInfo>,
}

/// The events of one payment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentEvents {
    /// The payment.
    #[serde(default)]
    pub payment_id: Option<String>,
    /// Its events, oldest first.
    #[serde(default)]
    pub events: Vec<PaymentEvent>,
}

/// One event of a payment (as its webhook said it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentEvent {
    /// The webhook type (`payment.created`).
    #[serde(default)]
    pub event: Option<String>,
    /// The payment's state then.
    #[serde(default)]
    pub status: Option<PaymentStatus>,
    /// After acceptance.
    #[serde(default)]
    pub post_initiation_status: Option<PostInitiationStatus>,
    /// When.
    #[serde(default)]
    pub published_at: Option<Timestamp>,
}

/// `GET /payouts/v1/payments`: a page of payouts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutList {
    /// The payouts.
    #[serde(default)]
    pub content: Vec<PayoutSummary>,
    /// Paging.
    #[serde(default)]
    pub page: Option<PageInfo>,
}

/// One payout in the list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayoutSummary {
    /// Its intent.
    #[serde(default)]
    pub payment_intent_id: Option<String>,
    /// Who is paid.
    #[serde(default)]
    pub recipient_name: Option<String>,
    /// Their bank.
    #[serde(default)]
    pub recipient_bank_name: Option<String>,
    /// Their IBAN.
    #[serde(default)]
    pub recipient_iban: Option<String>,
    /// When their cool-off ends.
    #[serde(default)]
    pub recipient_cool_off_expiry: Option<Timestamp>,
    /// Their address.
    #[serde(default)]
    pub recipient_address: Option<String>,
    /// Their city.
    #[serde(default)]
    pub recipient_city: Option<String>,
    /// Their country.
    #[serde(default)]
    pub recipient_country: Option<String>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// How much, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// In what.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Updated.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// Whether it needed no one's approval.
    #[serde(default)]
    pub auto_authorized: Option<bool>,
    /// Whether it waits for someone's approval.
    #[serde(default)]
    pub pending_manual_authorization: Option<bool>,
    /// Its state.
    #[serde(default)]
    pub status: Option<PaymentStatus>,
    /// After acceptance.
    #[serde(default)]
    pub post_initiation_status: Option<PostInitiationStatus>,
    /// The bank's reference.
    #[serde(default)]
    pub bank_transaction_reference: Option<String>,
}

crate::enums::lean_enum!(
    /// A refund's state.
    RefundStatus {
        Created = "CREATED", Approved = "APPROVED", Rejected = "REJECTED", Failed = "FAILED",
        Completed = "COMPLETED",
    }
);

/// A refund (`POST /payouts/refunds` and `PUT` answer arrays of them; the list pages them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Refund {
    /// Lean's id.
    #[serde(default)]
    pub refund_id: Option<String>,
    /// The payment refunded.
    #[serde(default)]
    pub payment_id: Option<String>,
    /// Its state.
    #[serde(default)]
    pub status: Option<RefundStatus>,
    /// How much, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// In what.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// What was deposited, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub deposit_amount: Option<Decimal>,
    /// In what.
    #[serde(default)]
    pub deposit_currency: Option<Currency>,
    /// Why (`DUPLICATED_PAYMENT`, …).
    #[serde(default)]
    pub reason_code: Option<String>,
    /// In words.
    #[serde(default)]
    pub description: Option<String>,
    /// Your reference.
    #[serde(default)]
    pub external_reference: Option<String>,
    /// Who is refunded.
    #[serde(default)]
    pub beneficiary: Option<RefundBeneficiary>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// By.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Approved or rejected by.
    #[serde(default)]
    pub actioned_by: Option<String>,
    /// Its intent.
    #[serde(default)]
    pub refund_intent_id: Option<String>,
}

/// Who a refund pays.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundBeneficiary {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Account.
    #[serde(default)]
    pub account_id: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
}

/// The bare array `POST /payouts/refunds` and `PUT /payouts/refunds` answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RefundList(pub Vec<Refund>);

/// `GET /payouts/refunds`: a page of refunds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundPage {
    /// The refunds.
    #[serde(default)]
    pub content: Vec<Refund>,
    /// Paging.
    #[serde(default)]
    pub page: Option<PageInfo>,
}
