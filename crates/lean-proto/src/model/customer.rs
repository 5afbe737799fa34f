//! Customers, entities and the OAuth2 token response.

use super::data::PageInfo;
use crate::ids::{CustomerId, EntityId};
use crate::secret::Secret;
use crate::time::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A customer: Lean's record of one of your users.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// Lean's id.
    pub customer_id: CustomerId,
    /// Your id for the user.
    #[serde(default)]
    pub app_user_id: Option<String>,
}

/// `GET /customers/v1` → `{data: [...], page}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CustomerList {
    /// Customers on this page.
    #[serde(default)]
    pub data: Vec<Customer>,
    /// Position in the list.
    #[serde(default)]
    pub page: Option<PageInfo>,
}

/// Which data an entity (or a consent) may read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Permissions {
    /// Entity identity.
    #[serde(default)]
    pub identity: bool,
    /// Accounts.
    #[serde(default)]
    pub accounts: bool,
    /// Balances.
    #[serde(default)]
    pub balance: bool,
    /// Transactions.
    #[serde(default)]
    pub transactions: bool,
    /// Account identities.
    #[serde(default)]
    pub identities: bool,
    /// Scheduled payments.
    #[serde(default)]
    pub scheduled_payments: bool,
    /// Standing orders.
    #[serde(default)]
    pub standing_orders: bool,
    /// Direct debits.
    #[serde(default)]
    pub direct_debits: bool,
    /// Beneficiaries.
    #[serde(default)]
    pub beneficiaries: bool,
}

/// An account named in a consent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConsentAccount {
    /// `IBAN`, `ACCOUNT_NUMBER`, …
    #[serde(default)]
    pub scheme_name: Option<String>,
    /// Identifier.
    #[serde(default)]
    pub identification: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Secondary identifier.
    #[serde(default)]
    pub secondary_identification: Option<String>,
}

/// A consent the customer gave the bank.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Consent {
    /// Lean's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The bank's id.
    #[serde(default)]
    pub bank_consent_id: Option<String>,
    /// Bank.
    #[serde(default)]
    pub bank_identifier: Option<String>,
    /// Type.
    #[serde(default)]
    pub consent_type: Option<String>,
    /// `ACTIVE`, …
    #[serde(default)]
    pub consent_status: Option<String>,
    /// Status in the open-banking standard's words.
    #[serde(default)]
    pub standard_consent_status: Option<String>,
    /// What it allows.
    #[serde(default)]
    pub permissions: Option<Permissions>,
    /// Created.
    #[serde(default)]
    pub creation_date_time: Option<Timestamp>,
    /// Last status change.
    #[serde(default)]
    pub status_update_date_time: Option<Timestamp>,
    /// Expiry.
    #[serde(default)]
    pub expiration_date_time: Option<Timestamp>,
    /// Start of the transaction window.
    #[serde(default)]
    pub transaction_from_date_time: Option<Timestamp>,
    /// End of the transaction window.
    #[serde(default)]
    pub transaction_to_date_time: Option<Timestamp>,
    /// Accounts covered.
    #[serde(default)]
    pub accounts: Vec<ConsentAccount>,
}

/// An entity: one customer's connection to one bank.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entity {
    /// The `entity_id`.
    pub id: EntityId,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The bank, e.g. `LEAN_OF_RETAIL_UAE`.
    #[serde(default)]
    pub bank_identifier: Option<String>,
    /// What it may read.
    #[serde(default)]
    pub permissions: Option<Permissions>,
    /// `RETAIL`, `CORPORATE`.
    #[serde(default)]
    pub bank_type: Option<String>,
    /// `ACTIVE`, … (in the paged listing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Created.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// Updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Consents.
    #[serde(default)]
    pub consents: Vec<Consent>,
}

/// `GET /customers/v1/{customer_id}/entities` → a bare array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntityList(pub Vec<Entity>);

impl std::ops::Deref for EntityList {
    type Target = [Entity];
    fn deref(&self) -> &[Entity] {
        &self.0
    }
}

impl IntoIterator for EntityList {
    type Item = Entity;
    type IntoIter = std::vec::IntoIter<Entity>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// `GET /customers/v1/entities` → `{data: [...], page}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntityPage {
    /// Entities on this page.
    #[serde(default)]
    pub data: Vec<Entity>,
    /// Position.
    #[serde(default)]
    pub page: Option<PageInfo>,
}

/// The OAuth2 token response. `Debug` never shows the token.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    /// The bearer token (a JWT, treated as opaque).
    #[serde(deserialize_with = "secret")]
    pub access_token: Secret,
    /// Granted scope, e.g. `api`.
    #[serde(default)]
    pub scope: Option<String>,
    /// `Bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Lifetime in seconds from issue (Lean: 3599).
    pub expires_in: u64,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("scope", &self.scope)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Whether a bank's data and payments work (`availability` of a bank, and the payload of
/// `bank.availability.updated`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Availability {
    /// Up right now.
    #[serde(default)]
    pub active: Option<AvailabilityFlags>,
    /// Switched on for your application.
    #[serde(default)]
    pub enabled: Option<AvailabilityFlags>,
}

/// Per product.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AvailabilityFlags {
    /// Payments.
    #[serde(default)]
    pub payments: Option<bool>,
    /// Data.
    #[serde(default)]
    pub data: Option<bool>,
}

/// A bank of `GET /banks/v1/`: every field Lean's recording shows (fields Lean adds later are
/// ignored, never refused).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Bank {
    /// `bank_identifier`, e.g. `LEAN_OF_RETAIL_UAE`.
    pub identifier: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Display name in Arabic.
    #[serde(default)]
    pub arabic_name: Option<String>,
    /// Commercial (brand) name.
    #[serde(default)]
    pub commercial_name: Option<String>,
    /// Commercial name in Arabic.
    #[serde(default)]
    pub commercial_name_arabic: Option<String>,
    /// Logo URL.
    #[serde(default)]
    pub logo: Option<String>,
    /// Alternative logo URL (another background or format).
    #[serde(default)]
    pub logo_alt: Option<String>,
    /// Brand colour.
    #[serde(default)]
    pub main_color: Option<String>,
    /// Brand background colour.
    #[serde(default)]
    pub background_color: Option<String>,
    /// `light` or `dark`.
    #[serde(default)]
    pub theme: Option<String>,
    /// ISO 3166 alpha-3 country (`ARE`, `SAU`).
    #[serde(default)]
    pub country_code: Option<String>,
    /// Whether the bank is live.
    #[serde(default)]
    pub active: Option<bool>,
    /// A sandbox mock bank.
    #[serde(default)]
    pub mock: Option<bool>,
    /// How the bank connects (`auth-redirect`, `open-finance`, `auth-credentials`, …).
    #[serde(default)]
    pub traits: Vec<String>,
    /// Account types it supports (`CURRENT`, `SAVINGS`, `CREDIT`, …).
    #[serde(default)]
    pub supported_account_types: Vec<String>,
    /// Account sub-types it supports.
    #[serde(default)]
    pub supported_account_sub_types: Vec<String>,
    /// `RETAIL`, `CORPORATE`.
    #[serde(default)]
    pub bank_type: Option<String>,
    /// SWIFT/BIC.
    #[serde(default)]
    pub swift_code: Option<String>,
    /// Payment limits per currency (exact).
    #[serde(default)]
    pub transfer_limits: Vec<TransferLimit>,
    /// International payment limits per currency (exact).
    #[serde(default)]
    pub international_transfer_limits: Vec<TransferLimit>,
    /// Countries international payments can go to.
    #[serde(default)]
    pub international_destinations: Vec<InternationalDestination>,
    /// `PERSONAL` or `BUSINESS`: the account type the list was asked for.
    #[serde(default)]
    pub account_type: Option<String>,
    /// `OPEN_BANKING`, …
    #[serde(default)]
    pub connection_type: Option<String>,
    /// Whether data and payments work now.
    #[serde(default)]
    pub availability: Option<Availability>,
}

/// A bank's payment limits in one currency (exact amounts).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransferLimit {
    /// ISO 4217 currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Smallest payment.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub min: Option<rust_decimal::Decimal>,
    /// Largest payment.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub max: Option<rust_decimal::Decimal>,
}

/// A country international payments can go to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InternationalDestination {
    /// ISO 3166 alpha-3 country.
    #[serde(default)]
    pub country_iso_code: Option<String>,
    /// Its name.
    #[serde(default)]
    pub country_name: Option<String>,
    /// Currencies payments there may be made in.
    #[serde(default)]
    pub supported_currencies: Vec<String>,
}

/// `GET /banks/v1/` → a bare array.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BankList(pub Vec<Bank>);

impl std::ops::Deref for BankList {
    type Target = [Bank];
    fn deref(&self) -> &[Bank] {
        &self.0
    }
}

impl IntoIterator for BankList {
    type Item = Bank;
    type IntoIter = std::vec::IntoIter<Bank>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The answer to a deletion (Lean answers with no body, or with one this SDK does not need).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Deleted;

impl crate::response::Payload for Deleted {
    const SHAPE: crate::response::Shape = crate::response::Shape::Bare;
    fn decode(_: &crate::response::PayloadSource<'_>) -> Result<Self, crate::response::FieldError> {
        Ok(Deleted)
    }
}
