//! Typed records of the v2 Data API: accounts, balances, transactions, identities,
//! beneficiaries, direct debits, scheduled payments and standing orders.
//!
//! Field names are Lean's. Fields Lean was seen to leave out or send as `null` are `Option`;
//! unknown fields are ignored; bank- or region-specific blobs (`regional_data`,
//! `supplementary_data`, …) stay as raw JSON ([`Json`]) with their exact text.

use crate::enums::*;
use crate::ids::{AccountId, EntityId};
use crate::money::{Amount, Currency};
use crate::time::{DateOrDateTime, Timestamp};
use serde::{Deserialize, Serialize};

/// Free-form JSON kept exactly as Lean sent it (numbers keep their digits).
pub type Json = Box<serde_json::value::RawValue>;

/// A record type that comes as a page of a v2 data collection (`data.<key>[]`).
pub trait Collection: serde::de::DeserializeOwned + Serialize {
    /// The key of the array inside `data` (`accounts`, `direct_debits`, …).
    const KEY: &'static str;
    /// The envelope's `type` (`accounts`, `direct-debits`, …).
    const TYPE: &'static str;
    /// Bytes of JSON an item takes, a little under what it takes in Lean's recorded answers
    /// and in the emulator's, compact (about 85 % of the shorter of the two): a page's length over
    /// this is the room made for its items before the first is read. A collection that does
    /// not say gets 1 KiB an item.
    const ITEM_JSON_BYTES: usize = 1024;
}

macro_rules! collection {
    ($t:ty, $key:literal, $type:literal, $bytes:literal) => {
        impl Collection for $t {
            const KEY: &'static str = $key;
            const TYPE: &'static str = $type;
            const ITEM_JSON_BYTES: usize = $bytes;
        }
    };
}

/// An identifier of an account, party or agent (`{scheme_name, identification, name}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountIdentifier {
    /// `IBAN`, `BBAN`, `ACCOUNT_NUMBER`, …
    pub scheme_name: Option<SchemeName>,
    /// The identifier itself.
    pub identification: Option<String>,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A secondary identifier, where the bank has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_identification: Option<String>,
}

/// A bank account (`data.accounts[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The entity this account belongs to.
    #[serde(default)]
    pub entity_id: Option<EntityId>,
    /// Lean's id of the account.
    pub account_id: AccountId,
    /// Full holder name.
    #[serde(default)]
    pub account_holder_name: Option<String>,
    /// Short holder name.
    #[serde(default)]
    pub account_holder_short_name: Option<String>,
    /// `ENABLED`, `DISABLED`, …
    #[serde(default)]
    pub status: Option<AccountStatus>,
    /// When `status` last changed.
    #[serde(default)]
    pub status_update_date_time: Option<Timestamp>,
    /// ISO 4217 code.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// `PERSONAL` or `BUSINESS`.
    #[serde(default)]
    pub account_type: Option<AccountType>,
    /// `CURRENT`, `SAVINGS`, `CREDIT`, …
    #[serde(default)]
    pub account_sub_type: Option<AccountSubType>,
    /// The holder's nickname for the account.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The bank's description.
    #[serde(default)]
    pub description: Option<String>,
    /// When the account was opened.
    #[serde(default)]
    pub opening_date: Option<DateOrDateTime>,
    /// When the account matures (deposits, loans); a date or a timestamp.
    #[serde(default)]
    pub maturity_date: Option<DateOrDateTime>,
    /// IBAN, BBAN and other identifiers.
    #[serde(default)]
    pub account: Vec<AccountIdentifier>,
    /// The servicing institution.
    #[serde(default)]
    pub servicer: Option<AccountIdentifier>,
    /// Bank- or region-specific fields (with `verbose=true`).
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(Account, "accounts", "accounts", 630);

impl Account {
    /// The IBAN among the identifiers, if any.
    pub fn iban(&self) -> Option<&str> {
        self.account
            .iter()
            .find(|a| a.scheme_name == Some(SchemeName::Iban))
            .and_then(|a| a.identification.as_deref())
    }
}

/// A credit line attached to a balance.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditLine {
    /// Whether the credit line is included in the balance amount.
    #[serde(default)]
    pub included: Option<bool>,
    /// The line's amount.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// `AVAILABLE`, `CREDIT`, `EMERGENCY`, …
    #[serde(default, rename = "type")]
    pub kind: Option<CreditLineType>,
}

/// A balance of an account (`data.balances[]`); an account has several, one per `type`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Balance {
    /// The entity.
    #[serde(default)]
    pub entity_id: Option<EntityId>,
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Whether `amount` is in the holder's favour (`CREDIT`) or owed (`DEBIT`).
    #[serde(default)]
    pub credit_debit_indicator: Option<CreditDebitIndicator>,
    /// `CLOSING_AVAILABLE`, `INTERIM_BOOKED`, …
    #[serde(default, rename = "type")]
    pub kind: Option<BalanceType>,
    /// The signless amount.
    pub amount: Amount,
    /// When the balance was taken.
    #[serde(default)]
    pub date_time: Option<Timestamp>,
    /// Credit lines.
    #[serde(default)]
    pub credit_line: Vec<CreditLine>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(Balance, "balances", "balances", 310);

/// The running balance after a transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionBalance {
    /// Balance type.
    #[serde(default, rename = "type")]
    pub kind: Option<BalanceType>,
    /// Credit or debit.
    #[serde(default)]
    pub credit_debit_indicator: Option<CreditDebitIndicator>,
    /// The amount.
    #[serde(default)]
    pub amount: Option<Amount>,
}

/// A fee charged with a transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChargeAmount {
    /// The fee.
    #[serde(with = "crate::money::decimal")]
    pub amount: rust_decimal::Decimal,
    /// ISO 4217 code.
    pub currency: Currency,
    /// Whether the fee is included in the transaction amount.
    #[serde(default)]
    pub charge_included: Option<bool>,
}

/// A bank transaction code (`{code, sub_code}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankTransactionCode {
    /// Code.
    #[serde(default)]
    pub code: Option<String>,
    /// Sub-code.
    #[serde(default)]
    pub sub_code: Option<String>,
}

/// A bank-proprietary transaction code (`{code, issuer}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProprietaryBankTransactionCode {
    /// Code.
    #[serde(default)]
    pub code: Option<String>,
    /// Who issued the code.
    #[serde(default)]
    pub issuer: Option<String>,
}

/// The card used for a transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardInstrument {
    /// How it was authorised.
    #[serde(default)]
    pub authorization_type: Option<AuthorizationType>,
    /// `VISA`, `AMERICAN_EXPRESS`, …
    #[serde(default)]
    pub card_scheme_name: Option<CardSchemeName>,
    /// Masked card number or token.
    #[serde(default)]
    pub identification: Option<String>,
    /// Name on the card.
    #[serde(default)]
    pub name: Option<String>,
}

/// The merchant of a card transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MerchantDetails {
    /// Merchant category code.
    #[serde(default)]
    pub merchant_category_code: Option<String>,
    /// Merchant name.
    #[serde(default)]
    pub merchant_name: Option<String>,
}

/// A currency conversion applied to a transaction.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CurrencyExchange {
    /// Currency converted from.
    #[serde(default)]
    pub source_currency: Option<Currency>,
    /// Currency converted to.
    #[serde(default)]
    pub target_currency: Option<Currency>,
    /// Currency in which the rate is quoted.
    #[serde(default)]
    pub unit_currency: Option<Currency>,
    /// The rate, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub exchange_rate: Option<rust_decimal::Decimal>,
    /// The FX contract reference.
    #[serde(default)]
    pub contract_identification: Option<String>,
    /// When the rate was quoted.
    #[serde(default)]
    pub quotation_date: Option<Timestamp>,
    /// The amount instructed before conversion.
    #[serde(default)]
    pub instructed_amount: Option<Amount>,
}

/// A postal address (of an agent or a party).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostalAddress {
    /// Free address line.
    #[serde(default)]
    pub address_line: Option<String>,
    /// `BUSINESS`, …
    #[serde(default)]
    pub address_type: Option<String>,
    /// Building number.
    #[serde(default)]
    pub building_number: Option<String>,
    /// Country (a name or an ISO code; banks differ).
    #[serde(default)]
    pub country: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Post code.
    #[serde(default)]
    pub post_code: Option<String>,
    /// Street.
    #[serde(default)]
    pub street_name: Option<String>,
    /// Sub-department.
    #[serde(default)]
    pub sub_department: Option<String>,
    /// Town.
    #[serde(default)]
    pub town_name: Option<String>,
    /// Region or emirate.
    #[serde(default)]
    pub country_sub_division: Option<String>,
}

/// A financial institution (creditor or debtor agent).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Agent {
    /// `BICFI`, …
    #[serde(default)]
    pub scheme_name: Option<SchemeName>,
    /// The agent's identifier (a BIC, or a bank name in some banks' data).
    #[serde(default)]
    pub identification: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<PostalAddress>,
}

/// A transaction (`data.transactions[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// The entity.
    #[serde(default)]
    pub entity_id: Option<EntityId>,
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Lean's id of the transaction.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// The bank's description.
    #[serde(default)]
    pub transaction_information: Option<String>,
    /// The bank's reference.
    #[serde(default)]
    pub transaction_reference: Option<String>,
    /// Money in (`CREDIT`) or out (`DEBIT`).
    #[serde(default)]
    pub credit_debit_indicator: Option<CreditDebitIndicator>,
    /// The signless amount.
    pub amount: Amount,
    /// `MUTABLE` or `IMMUTABLE`.
    #[serde(default)]
    pub transaction_mutability: Option<TransactionMutability>,
    /// When it was booked.
    #[serde(default)]
    pub booking_date_time: Option<Timestamp>,
    /// When it took value.
    #[serde(default)]
    pub value_date_time: Option<Timestamp>,
    /// Category and cleansed description (with `insights=true`); shape not documented by Lean.
    #[serde(default)]
    pub insights: Option<Json>,
    /// Running balance after the transaction.
    #[serde(default)]
    pub balance: Option<TransactionBalance>,
    /// Booking status: `BOOKED` or `PENDING`. Not the envelope's PENDING.
    #[serde(default)]
    pub status: Option<TransactionStatus>,
    /// Statement references.
    #[serde(default)]
    pub statement_reference: Vec<String>,
    /// An ordinal among the page's transactions; not a cursor.
    #[serde(default)]
    pub index: Option<i64>,
    /// Fee.
    #[serde(default)]
    pub charge_amount: Option<ChargeAmount>,
    /// Bank transaction code.
    #[serde(default)]
    pub bank_transaction_code: Option<BankTransactionCode>,
    /// Proprietary code.
    #[serde(default)]
    pub proprietary_bank_transaction_code: Option<ProprietaryBankTransactionCode>,
    /// Card used.
    #[serde(default)]
    pub card_instrument: Option<CardInstrument>,
    /// Merchant.
    #[serde(default)]
    pub merchant_details: Option<MerchantDetails>,
    /// Currency exchange.
    #[serde(default)]
    pub currency_exchange: Option<Box<CurrencyExchange>>,
    /// Creditor account.
    #[serde(default)]
    pub creditor_account: Option<Box<AccountIdentifier>>,
    /// Creditor's bank.
    #[serde(default)]
    pub creditor_agent: Option<Box<Agent>>,
    /// Debtor account.
    #[serde(default)]
    pub debtor_account: Option<Box<AccountIdentifier>>,
    /// Debtor's bank.
    #[serde(default)]
    pub debtor_agent: Option<Box<Agent>>,
    /// The bank's time zone, e.g. `UTC+00:00`.
    #[serde(default)]
    pub local_time_zone: Option<String>,
    /// `POS`, `ATM`, …
    #[serde(default)]
    pub transaction_type: Option<TransactionType>,
    /// `PURCHASE`, `REFUND`, …
    #[serde(default)]
    pub sub_transaction_type: Option<SubTransactionType>,
    /// Payment modes (shape not documented).
    #[serde(default)]
    pub payment_modes: Option<Json>,
    /// Flags (shape not documented).
    #[serde(default)]
    pub flags: Option<Json>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(Transaction, "transactions", "transactions", 1160);

/// A party's address in identity data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdentityAddress {
    /// Free address line.
    #[serde(default)]
    pub address_line: Option<String>,
    /// `Business`, `Residential`, …
    #[serde(default)]
    pub address_type: Option<String>,
    /// Building type.
    #[serde(default)]
    pub building_type: Option<String>,
    /// Apartment or villa number.
    #[serde(default)]
    pub apartment_or_villa_number: Option<String>,
    /// Building name.
    #[serde(default)]
    pub building_name: Option<String>,
    /// Street.
    #[serde(default)]
    pub street: Option<String>,
    /// Area.
    #[serde(default)]
    pub area: Option<String>,
    /// Street address.
    #[serde(default)]
    pub street_address: Option<String>,
    /// Post code.
    #[serde(default)]
    pub post_code: Option<String>,
    /// Town.
    #[serde(default)]
    pub town_name: Option<String>,
    /// Region or emirate.
    #[serde(default)]
    pub region: Option<String>,
    /// PO box.
    #[serde(default)]
    pub po_box: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
}

/// A party's identity (`data.identities[]` of `/identity` and of `/accounts/{id}/identities`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Identity {
    /// The entity.
    #[serde(default)]
    pub entity_id: Option<EntityId>,
    /// Full legal name.
    #[serde(default)]
    pub full_legal_name: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// National id number.
    #[serde(default)]
    pub national_id: Option<String>,
    /// Date of birth.
    #[serde(default)]
    pub birth_date: Option<DateOrDateTime>,
    /// Gender as the bank sends it (`F`, `M`, empty).
    #[serde(default)]
    pub gender: Option<String>,
    /// Email.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Legal structure (business parties).
    #[serde(default)]
    pub legal_structure: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Mobile.
    #[serde(default)]
    pub mobile_number: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<IdentityAddress>,
    /// Role on the account (`POWER_OF_ATTORNEY`, `BENEFICIARY`, …).
    #[serde(default)]
    pub account_role: Option<String>,
    /// `JOINT`, `SOLE`, `UNSUPPORTED`, …
    #[serde(default)]
    pub party_type: Option<String>,
    /// The bank's party id.
    #[serde(default)]
    pub party_id: Option<String>,
    /// The bank's party number.
    #[serde(default)]
    pub party_number: Option<String>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(Identity, "identities", "identities", 635);

/// A saved payee of an account (`data.beneficiaries[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Beneficiary {
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Holder name.
    #[serde(default)]
    pub account_holder_name: Option<String>,
    /// Short holder name.
    #[serde(default)]
    pub account_holder_short_name: Option<String>,
    /// The bank's id of the beneficiary (not a UUID).
    #[serde(default)]
    pub beneficiary_id: Option<String>,
    /// `OTHER`, …
    #[serde(default)]
    pub beneficiary_type: Option<String>,
    /// The beneficiary's bank.
    #[serde(default)]
    pub creditor_agent: Option<Agent>,
    /// The beneficiary's account.
    #[serde(default)]
    pub creditor_account: Option<AccountIdentifier>,
    /// Reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// Bank-specific supplementary data.
    #[serde(default)]
    pub supplementary_data: Option<Json>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(Beneficiary, "beneficiaries", "beneficiaries", 600);

/// A direct debit mandate (`data.direct_debits[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectDebit {
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// The bank's id.
    #[serde(default)]
    pub direct_debit_id: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default)]
    pub status_code: Option<MandateStatus>,
    /// `MONTHLY`, `HALF_YEARLY`, …
    #[serde(default)]
    pub frequency: Option<String>,
    /// Mandate reference.
    #[serde(default)]
    pub mandate_identification: Option<String>,
    /// Creditor name.
    #[serde(default)]
    pub name: Option<String>,
    /// When the last payment was taken.
    #[serde(default)]
    pub previous_payment_date_time: Option<Timestamp>,
    /// The last payment.
    #[serde(default)]
    pub previous_payment_amount: Option<Amount>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(DirectDebit, "direct_debits", "direct-debits", 285);

/// A one-off future payment (`data.scheduled_payments[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScheduledPayment {
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// The bank's id.
    #[serde(default)]
    pub scheduled_payment_id: Option<String>,
    /// `ARRIVAL` or `EXECUTION`.
    #[serde(default)]
    pub scheduled_type: Option<ScheduledType>,
    /// When.
    #[serde(default)]
    pub scheduled_payment_date_time: Option<Timestamp>,
    /// Debtor reference.
    #[serde(default)]
    pub debtor_reference: Option<String>,
    /// Reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// How much.
    #[serde(default)]
    pub instructed_amount: Option<Amount>,
    /// Payee's bank.
    #[serde(default)]
    pub creditor_agent: Option<Agent>,
    /// Payee's account.
    #[serde(default)]
    pub creditor_account: Option<AccountIdentifier>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(
    ScheduledPayment,
    "scheduled_payments",
    "scheduled-payments",
    395
);

/// How often a standing order pays.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Frequency {
    /// `OTHER`, …
    #[serde(default)]
    pub frequency_type: Option<String>,
    /// `IntervalDay:5`, `EveryWorkingDay`, …
    #[serde(default)]
    pub interval: Option<String>,
}

/// A recurring payment (`data.standing_orders[]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StandingOrder {
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// The bank's id.
    #[serde(default)]
    pub standing_order_id: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    #[serde(default)]
    pub standing_order_status_code: Option<MandateStatus>,
    /// First payment.
    #[serde(default)]
    pub first_payment_date_time: Option<Timestamp>,
    /// Last payment made.
    #[serde(default)]
    pub last_payment_date_time: Option<Timestamp>,
    /// Next payment.
    #[serde(default)]
    pub next_payment_date_time: Option<Timestamp>,
    /// Final payment.
    #[serde(default)]
    pub final_payment_date_time: Option<Timestamp>,
    /// Frequency.
    #[serde(default)]
    pub frequency: Option<Frequency>,
    /// Number of payments.
    #[serde(default)]
    pub number_of_payments: Option<i64>,
    /// Reference.
    #[serde(default)]
    pub reference: Option<String>,
    /// `LOCAL_BANK_TRANSFER`, `CHARITY`, …
    #[serde(default)]
    pub standing_order_type: Option<String>,
    /// Purpose.
    #[serde(default)]
    pub purpose: Option<String>,
    /// First amount.
    #[serde(default)]
    pub first_payment_amount: Option<Amount>,
    /// Last amount.
    #[serde(default)]
    pub last_payment_amount: Option<Amount>,
    /// Next amount.
    #[serde(default)]
    pub next_payment_amount: Option<Amount>,
    /// Final amount.
    #[serde(default)]
    pub final_payment_amount: Option<Amount>,
    /// Payee's bank.
    #[serde(default)]
    pub creditor_agent: Option<Agent>,
    /// Payee's account.
    #[serde(default)]
    pub creditor_account: Option<AccountIdentifier>,
    /// Bank- or region-specific fields.
    #[serde(default)]
    pub regional_data: Option<Json>,
}
collection!(StandingOrder, "standing_orders", "standing-orders", 720);

/// `data.page`: where this page sits in the collection.
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PageInfo {
    /// Zero-based page number.
    pub number: u32,
    /// Page size asked for.
    pub size: u32,
    /// Items in the whole collection.
    pub total_elements: u64,
    /// Pages in the whole collection.
    pub total_pages: u32,
}

impl PageInfo {
    /// The next page number, if there is one.
    pub fn next_page(&self) -> Option<u32> {
        let next = self.number.checked_add(1)?;
        (next < self.total_pages).then_some(next)
    }
}

/// One page of a v2 collection: the items, and page info when Lean sent it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Position in the collection.
    pub page: Option<PageInfo>,
    /// `data.account_id` where Lean sends it (identity endpoints; `null` for `/identity`).
    pub account_id: Option<AccountId>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            page: None,
            account_id: None,
        }
    }
}

impl<T> Page<T> {
    /// A page of `items` (for tests and emulators; Lean's pages come from `classify`).
    pub fn new(items: Vec<T>, page: Option<PageInfo>) -> Self {
        Page {
            items,
            page,
            account_id: None,
        }
    }

    /// The next page number, if the page info says there is one.
    pub fn next_page(&self) -> Option<u32> {
        self.page.and_then(|p| p.next_page())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_arithmetic() {
        let p = PageInfo {
            number: 4,
            size: 50,
            total_elements: 293,
            total_pages: 6,
        };
        assert_eq!(p.next_page(), Some(5));
        let last = PageInfo { number: 5, ..p };
        assert_eq!(last.next_page(), None);
        let weird = PageInfo {
            number: u32::MAX,
            ..p
        };
        assert_eq!(weird.next_page(), None);
    }
}
