//! Where each model sits in a response body: the [`Payload`] impls, and [`AnyData`] for a body
//! whose type is only known from its `type` field (results fetched by id, `lean decode`).

use crate::ids::AccountId;
use crate::model::customer::{CustomerList, Entity, EntityList, EntityPage, TokenResponse};
use crate::model::data::*;
use crate::model::insights::*;
use crate::model::refresh::{Refresh, RefreshList, RefreshTriggered};
use crate::model::v1::*;
use crate::response::{FieldError, Payload, PayloadSource, Shape, parse_at, payload_at};
use serde_json::value::RawValue;
use std::collections::BTreeMap;

impl<T: Collection> Payload for Page<T> {
    const SHAPE: Shape = Shape::V2Data;

    fn decode(src: &PayloadSource<'_>) -> Result<Self, FieldError> {
        let data = src.data.ok_or_else(|| FieldError::missing("data"))?;
        let fields: BTreeMap<String, Box<RawValue>> = parse_at(data.get().as_bytes(), "data")?;
        let items = match fields.get(T::KEY) {
            Some(raw) if raw.get() != "null" => {
                parse_at(raw.get().as_bytes(), &format!("data.{}", T::KEY))?
            }
            // An empty collection may come as a missing or null key; neither loses data.
            _ => Vec::new(),
        };
        let page = match fields.get("page") {
            Some(raw) if raw.get() != "null" => Some(parse_at(raw.get().as_bytes(), "data.page")?),
            _ => None,
        };
        let account_id = match fields.get("account_id") {
            Some(raw) if raw.get() != "null" => Some(parse_at::<AccountId>(
                raw.get().as_bytes(),
                "data.account_id",
            )?),
            _ => None,
        };
        Ok(Page {
            items,
            page,
            account_id,
        })
    }
}

payload_at!(insights: Income, Expenses, Cashflows, RawInsights);
payload_at!(v1: V1Identity, V1Accounts, V1Balance, V1Transactions,
    crate::model::insights::NameVerification);
payload_at!(bare: TokenResponse, RefreshTriggered, Refresh, RefreshList, CustomerList,
    crate::model::customer::Customer, Entity, EntityList, EntityPage,
    crate::model::customer::BankList);

/// Data whose type is read from the body: what `GET /data/v2/results/{results_id}` returns
/// when the caller does not say what it asked for.
#[derive(Debug, Clone)]
#[non_exhaustive]
// Built once per response and matched at once; boxing variants would only add indirection.
#[allow(clippy::large_enum_variant)]
pub enum AnyData {
    /// `accounts`
    Accounts(Page<Account>),
    /// `balances`
    Balances(Page<Balance>),
    /// `transactions`
    Transactions(Page<Transaction>),
    /// `identities`
    Identities(Page<Identity>),
    /// `beneficiaries`
    Beneficiaries(Page<Beneficiary>),
    /// `direct-debits`
    DirectDebits(Page<DirectDebit>),
    /// `scheduled-payments`
    ScheduledPayments(Page<ScheduledPayment>),
    /// `standing-orders`
    StandingOrders(Page<StandingOrder>),
    /// `income`
    Income(Income),
    /// `expenses`
    Expenses(Expenses),
    /// Insights without a `type` and with cashflow fields.
    Cashflows(Cashflows),
    /// v1 `payload`, kept as JSON.
    V1(Json),
    /// A `type` this SDK does not know: the exact JSON of `data` or `insights`.
    Other {
        /// The `type` Lean gave.
        kind: Option<String>,
        /// The payload.
        raw: Json,
    },
}

impl AnyData {
    /// Number of items, for collections.
    pub fn item_count(&self) -> Option<usize> {
        match self {
            AnyData::Accounts(p) => Some(p.items.len()),
            AnyData::Balances(p) => Some(p.items.len()),
            AnyData::Transactions(p) => Some(p.items.len()),
            AnyData::Identities(p) => Some(p.items.len()),
            AnyData::Beneficiaries(p) => Some(p.items.len()),
            AnyData::DirectDebits(p) => Some(p.items.len()),
            AnyData::ScheduledPayments(p) => Some(p.items.len()),
            AnyData::StandingOrders(p) => Some(p.items.len()),
            _ => None,
        }
    }

    /// Page info, for collections.
    pub fn page(&self) -> Option<PageInfo> {
        match self {
            AnyData::Accounts(p) => p.page,
            AnyData::Balances(p) => p.page,
            AnyData::Transactions(p) => p.page,
            AnyData::Identities(p) => p.page,
            AnyData::Beneficiaries(p) => p.page,
            AnyData::DirectDebits(p) => p.page,
            AnyData::ScheduledPayments(p) => p.page,
            AnyData::StandingOrders(p) => p.page,
            _ => None,
        }
    }
}

fn data_type(src: &PayloadSource<'_>) -> Result<Option<String>, FieldError> {
    #[derive(serde::Deserialize)]
    struct Typed {
        #[serde(default, rename = "type")]
        kind: Option<String>,
    }
    match (src.kind, src.data) {
        (Some(k), _) => Ok(Some(k.to_owned())),
        (None, Some(d)) => Ok(parse_at::<Typed>(d.get().as_bytes(), "data")?.kind),
        (None, None) => Ok(None),
    }
}

impl Payload for AnyData {
    const SHAPE: Shape = Shape::V2Data;

    fn decode(src: &PayloadSource<'_>) -> Result<Self, FieldError> {
        if let Some(insights) = src.insights {
            return Ok(match src.kind {
                Some("income") => AnyData::Income(Income::decode(src)?),
                Some("expenses") => AnyData::Expenses(Expenses::decode(src)?),
                None if insights.get().contains("\"credit_debit_behaviour\"")
                    || insights.get().contains("\"big_payments\"") =>
                {
                    AnyData::Cashflows(Cashflows::decode(src)?)
                }
                kind => AnyData::Other {
                    kind: kind.map(str::to_owned),
                    raw: insights.to_owned(),
                },
            });
        }
        if let Some(payload) = src.payload {
            return Ok(AnyData::V1(payload.to_owned()));
        }
        let kind = data_type(src)?;
        Ok(match kind.as_deref() {
            Some(Account::TYPE) => AnyData::Accounts(Page::decode(src)?),
            Some(Balance::TYPE) => AnyData::Balances(Page::decode(src)?),
            Some(Transaction::TYPE) => AnyData::Transactions(Page::decode(src)?),
            Some(Identity::TYPE) => AnyData::Identities(Page::decode(src)?),
            Some(Beneficiary::TYPE) => AnyData::Beneficiaries(Page::decode(src)?),
            Some(DirectDebit::TYPE) => AnyData::DirectDebits(Page::decode(src)?),
            Some(ScheduledPayment::TYPE) => AnyData::ScheduledPayments(Page::decode(src)?),
            Some(StandingOrder::TYPE) => AnyData::StandingOrders(Page::decode(src)?),
            _ => AnyData::Other {
                kind,
                raw: src
                    .data
                    .map(ToOwned::to_owned)
                    .ok_or_else(|| FieldError::missing("data"))?,
            },
        })
    }
}
