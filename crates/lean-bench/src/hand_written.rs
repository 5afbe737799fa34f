//! What a user would write by hand to call Lean without lean-rs: `#[derive(Deserialize)]`
//! structs with the same fields as lean-rs's models, amounts as `f64`, ids, enums and
//! timestamps as `String`. The floor the benchmarks hold lean-rs to (`decode`, `per_call`):
//! any serde decoder of this JSON pays at least this.
#![allow(missing_docs)]

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
pub struct Envelope<D> {
    pub status: Option<String>,
    pub results_id: Option<String>,
    pub message: Option<String>,
    pub meta: Option<Box<RawValue>>,
    pub timestamp: Option<String>,
    pub status_detail: Option<Box<RawValue>>,
    pub refreshed_at: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub data: Option<D>,
}
#[derive(Deserialize)]
pub struct TransactionsData {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    pub page: Option<PageInfo>,
}
#[derive(Deserialize)]
pub struct PageInfo {
    pub number: u32,
    pub size: u32,
    pub total_elements: u64,
    pub total_pages: u32,
}
#[derive(Deserialize)]
pub struct Amount {
    pub currency: String,
    pub amount: f64,
}
#[derive(Deserialize)]
pub struct Balance {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub credit_debit_indicator: Option<String>,
    pub amount: Option<Amount>,
}
#[derive(Deserialize)]
pub struct Charge {
    pub amount: f64,
    pub currency: String,
    pub charge_included: Option<bool>,
}
#[derive(Deserialize)]
pub struct Code {
    pub code: Option<String>,
    pub sub_code: Option<String>,
    pub issuer: Option<String>,
}
#[derive(Deserialize)]
pub struct Card {
    pub authorization_type: Option<String>,
    pub card_scheme_name: Option<String>,
    pub identification: Option<String>,
    pub name: Option<String>,
}
#[derive(Deserialize)]
pub struct Merchant {
    pub merchant_category_code: Option<String>,
    pub merchant_name: Option<String>,
}
#[derive(Deserialize)]
pub struct Exchange {
    pub source_currency: Option<String>,
    pub target_currency: Option<String>,
    pub unit_currency: Option<String>,
    pub exchange_rate: Option<f64>,
    pub contract_identification: Option<String>,
    pub quotation_date: Option<String>,
    pub instructed_amount: Option<Amount>,
}
#[derive(Deserialize)]
pub struct Account {
    pub scheme_name: Option<String>,
    pub identification: Option<String>,
    pub name: Option<String>,
    pub secondary_identification: Option<String>,
}
#[derive(Deserialize)]
pub struct Agent {
    pub scheme_name: Option<String>,
    pub identification: Option<String>,
    pub name: Option<String>,
    pub postal_address: Option<Box<RawValue>>,
}
#[derive(Deserialize)]
pub struct Transaction {
    pub entity_id: Option<String>,
    pub account_id: Option<String>,
    pub transaction_id: Option<String>,
    pub transaction_information: Option<String>,
    pub transaction_reference: Option<String>,
    pub credit_debit_indicator: Option<String>,
    pub amount: Amount,
    pub transaction_mutability: Option<String>,
    pub booking_date_time: Option<String>,
    pub value_date_time: Option<String>,
    pub insights: Option<Box<RawValue>>,
    pub balance: Option<Balance>,
    pub status: Option<String>,
    #[serde(default)]
    pub statement_reference: Vec<String>,
    pub index: Option<i64>,
    pub charge_amount: Option<Charge>,
    pub bank_transaction_code: Option<Code>,
    pub proprietary_bank_transaction_code: Option<Code>,
    pub card_instrument: Option<Card>,
    pub merchant_details: Option<Merchant>,
    pub currency_exchange: Option<Exchange>,
    pub creditor_account: Option<Account>,
    pub creditor_agent: Option<Agent>,
    pub debtor_account: Option<Account>,
    pub debtor_agent: Option<Agent>,
    pub local_time_zone: Option<String>,
    pub transaction_type: Option<String>,
    pub sub_transaction_type: Option<String>,
    pub payment_modes: Option<Box<RawValue>>,
    pub flags: Option<Box<RawValue>>,
    pub regional_data: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
pub struct AccountsData {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub accounts: Vec<LeanAccount>,
    pub page: Option<PageInfo>,
}
#[derive(Deserialize)]
pub struct AccountIdentifier {
    pub scheme_name: Option<String>,
    pub identification: Option<String>,
    pub name: Option<String>,
    pub secondary_identification: Option<String>,
}
#[derive(Deserialize)]
pub struct LeanAccount {
    pub entity_id: Option<String>,
    pub account_id: String,
    pub account_holder_name: Option<String>,
    pub account_holder_short_name: Option<String>,
    pub status: Option<String>,
    pub status_update_date_time: Option<String>,
    pub currency: Option<String>,
    pub account_type: Option<String>,
    pub account_sub_type: Option<String>,
    pub nickname: Option<String>,
    pub description: Option<String>,
    pub opening_date: Option<String>,
    pub maturity_date: Option<String>,
    #[serde(default)]
    pub account: Vec<AccountIdentifier>,
    pub servicer: Option<AccountIdentifier>,
    pub regional_data: Option<Box<RawValue>>,
}

/// The v1 envelope: the answer's fields and its `payload`.
#[derive(Deserialize)]
pub struct V1Envelope<P> {
    pub status: Option<String>,
    pub results_id: Option<String>,
    pub message: Option<String>,
    pub timestamp: Option<String>,
    pub payload: Option<P>,
}
#[derive(Deserialize)]
pub struct V1AccountsPayload {
    #[serde(default)]
    pub accounts: Vec<V1Account>,
}
#[derive(Deserialize)]
pub struct V1Account {
    pub account_id: String,
    pub name: Option<String>,
    pub currency_code: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub iban: Option<String>,
    pub account_number: Option<String>,
    pub bank_identifier: Option<String>,
    pub credit: Option<V1Credit>,
}
#[derive(Deserialize)]
pub struct V1Credit {
    pub card_number_last_four: Option<String>,
    pub limit: Option<f64>,
    pub next_payment_due_date: Option<String>,
    pub next_payment_due_amount: Option<f64>,
}

/// The accounts in a v2 `accounts` answer, parsed by hand (0 when it does not parse).
pub fn accounts(bytes: &[u8]) -> usize {
    serde_json::from_slice::<Envelope<AccountsData>>(bytes)
        .ok()
        .and_then(|e| e.data)
        .map_or(0, |d| d.accounts.len())
}

/// The transactions in a v2 `transactions` page, parsed by hand (0 when it does not parse).
pub fn transactions(bytes: &[u8]) -> usize {
    serde_json::from_slice::<Envelope<TransactionsData>>(bytes)
        .ok()
        .and_then(|e| e.data)
        .map_or(0, |d| d.transactions.len())
}

/// The accounts in a v1 `accounts` answer, parsed by hand (0 when it does not parse).
pub fn v1_accounts(bytes: &[u8]) -> usize {
    serde_json::from_slice::<V1Envelope<V1AccountsPayload>>(bytes)
        .ok()
        .and_then(|e| e.payload)
        .map_or(0, |p| p.accounts.len())
}
