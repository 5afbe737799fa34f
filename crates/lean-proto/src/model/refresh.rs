//! Refresh objects: `POST/GET /data/v2/refreshes` and `entity.data.refresh.updated` payloads.
//!
//! These are flat bodies, not the data envelope: the `status` here is the refresh's own
//! (`FINISHED`, `PENDING`), which is why they never go through envelope classification.

use super::data::PageInfo;
use crate::enums::{DataStatus, RefreshStatus};
use crate::ids::{AccountId, CustomerId, EntityId, RefreshId};
use crate::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};

/// `POST /data/v2/refreshes` → 200.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefreshTriggered {
    /// The new refresh.
    pub refresh_id: RefreshId,
    /// `OK`.
    #[serde(default)]
    pub status: Option<String>,
    /// Human text.
    #[serde(default)]
    pub message: Option<String>,
    /// When Lean answered.
    #[serde(default)]
    pub timestamp: Option<Timestamp>,
}

/// The window of transactions a refresh obtained for an account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionAvailability {
    /// First day covered.
    #[serde(default)]
    pub start: Option<Date>,
    /// Last day covered.
    #[serde(default)]
    pub end: Option<Date>,
    /// Whole months covered (webhook only).
    #[serde(default)]
    pub complete_months: Option<u32>,
}

/// Per-account outcome of a refresh.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountDataStatus {
    /// The account.
    pub account_id: AccountId,
    /// Balances.
    #[serde(default)]
    pub balance: Option<DataStatus>,
    /// Account identities.
    #[serde(default)]
    pub identity: Option<DataStatus>,
    /// Transactions.
    #[serde(default)]
    pub transactions: Option<DataStatus>,
    /// Scheduled payments.
    #[serde(default)]
    pub scheduled_payments: Option<DataStatus>,
    /// Direct debits.
    #[serde(default)]
    pub direct_debits: Option<DataStatus>,
    /// Standing orders.
    #[serde(default)]
    pub standing_orders: Option<DataStatus>,
    /// Beneficiaries.
    #[serde(default)]
    pub beneficiaries: Option<DataStatus>,
    /// Transaction window. The REST body spells it `transactionAvailability`, the webhook
    /// `transaction_availability`; both are read.
    #[serde(default, alias = "transactionAvailability")]
    pub transaction_availability: Option<TransactionAvailability>,
}

/// What a refresh obtained, per data type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefreshDataStatus {
    /// Accounts list.
    #[serde(default)]
    pub accounts: Option<DataStatus>,
    /// Entity identity.
    #[serde(default)]
    pub identity: Option<DataStatus>,
    /// Per account.
    #[serde(default)]
    pub account_data: Vec<AccountDataStatus>,
}

/// A refresh (`GET /data/v2/refreshes/{refresh_id}`, items of the list, webhook payloads).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Refresh {
    /// The refresh.
    pub refresh_id: RefreshId,
    /// The entity refreshed.
    #[serde(default)]
    pub entity_id: Option<EntityId>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// Your user id for the customer (webhook only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_user_id: Option<String>,
    /// `PENDING`, `FINISHED`, …
    #[serde(default)]
    pub status: Option<RefreshStatus>,
    /// Per data type (single refresh and webhook).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_status: Option<RefreshDataStatus>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Last updated.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
}

/// `GET /data/v2/refreshes` → `{content: [...], page: {...}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefreshList {
    /// The refreshes on this page.
    #[serde(default)]
    pub content: Vec<Refresh>,
    /// Position in the list.
    #[serde(default)]
    pub page: Option<PageInfo>,
}
