//! Payloads of the legacy v1 Data API (`payload` in the envelope, no paging).

use crate::ids::AccountId;
use crate::money::Currency;
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `POST /data/v1/identity`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Identity {
    /// Full name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Mobile number.
    #[serde(default)]
    pub mobile_number: Option<String>,
    /// Gender.
    #[serde(default)]
    pub gender: Option<String>,
    /// National id.
    #[serde(default)]
    pub national_identity_number: Option<String>,
    /// Birth date as the bank sends it.
    #[serde(default)]
    pub birth_date: Option<String>,
    /// Email.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Address as one string.
    #[serde(default)]
    pub address: Option<String>,
}

/// Credit card details of a v1 account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Credit {
    /// Last four digits.
    #[serde(default)]
    pub card_number_last_four: Option<String>,
    /// Credit limit.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub limit: Option<Decimal>,
    /// Next due date.
    #[serde(default)]
    pub next_payment_due_date: Option<String>,
    /// Next due amount.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub next_payment_due_amount: Option<Decimal>,
}

/// A v1 account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Account {
    /// The account.
    pub account_id: AccountId,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Currency.
    #[serde(default)]
    pub currency_code: Option<Currency>,
    /// `CURRENT`, `SAVINGS`, `CREDIT` (free text at some banks).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Account number.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Bank identifier (corporate).
    #[serde(default)]
    pub bank_identifier: Option<String>,
    /// Credit card details.
    #[serde(default)]
    pub credit: Option<V1Credit>,
}

/// `POST /data/v1/accounts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Accounts {
    /// The accounts.
    #[serde(default)]
    pub accounts: Vec<V1Account>,
}

/// `POST /data/v1/balance`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Balance {
    /// The balance, exact.
    #[serde(with = "crate::money::decimal")]
    pub balance: Decimal,
    /// Currency.
    #[serde(default)]
    pub currency_code: Option<Currency>,
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Account name.
    #[serde(default)]
    pub account_name: Option<String>,
    /// Account type.
    #[serde(default)]
    pub account_type: Option<String>,
    /// Balance type.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// Enrichment of a v1 transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1TransactionInsights {
    /// Cleaned description.
    #[serde(default)]
    pub description_cleansed: Option<String>,
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Confidence in the category (0..1).
    #[serde(default, with = "crate::money::decimal_opt")]
    pub category_confidence: Option<Decimal>,
    /// Type.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Confidence in the type (0..1).
    #[serde(default, with = "crate::money::decimal_opt")]
    pub type_confidence: Option<Decimal>,
}

/// A v1 transaction. `amount` is signed (negative for money out).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Transaction {
    /// The bank's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Signed amount, exact.
    #[serde(with = "crate::money::decimal")]
    pub amount: Decimal,
    /// Currency.
    #[serde(default)]
    pub currency_code: Option<Currency>,
    /// Ordinal.
    #[serde(default)]
    pub index: Option<i64>,
    /// Whether the transaction is still pending at the bank (booking status).
    #[serde(default)]
    pub pending: Option<bool>,
    /// When.
    #[serde(default)]
    pub timestamp: Option<Timestamp>,
    /// Enrichment (with `insights: true`).
    #[serde(default)]
    pub insights: Option<V1TransactionInsights>,
}

/// `POST /data/v1/transactions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V1Transactions {
    /// The transactions.
    #[serde(default)]
    pub transactions: Vec<V1Transaction>,
}
