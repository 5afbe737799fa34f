//! Where each model sits in a response body: the [`Payload`] impls, and [`AnyData`] for a body
//! whose type is only known from its `type` field (results fetched by id, `lean decode`).

use crate::ids::AccountId;
use crate::model::corporates::{CorporateVerification, ManagersVerification};
use crate::model::customer::{CustomerList, Entity, EntityList, EntityPage, TokenResponse};
use crate::model::data::*;
use crate::model::insights::*;
use crate::model::insights_ksa::{
    CashBalances, CreditObligations, Employment, FreelancerCashflow, NonCreditObligations,
};
use crate::model::payments::{
    AccountOnFileConsent, ConsentHistory, Payment, PaymentConsent, PaymentConsentList,
    PaymentDestinationList, PaymentIntent, PaymentIntentList, PaymentSource, PaymentSourceList,
};
use crate::model::payouts::{
    PaymentHistory, PayoutCreated, PayoutDestinationsCreated, PayoutList, RefundList, RefundPage,
};
use crate::model::refresh::{Refresh, RefreshList, RefreshTriggered};
use crate::model::v1::*;
use crate::model::verifications::{
    AccountVerification, BeneficiaryName, EntityOwnershipVerification, FreelancerVerification,
};
use crate::response::{
    FieldError, Payload, PayloadSource, Shape, parse_at, parse_seed_at, payload_at,
};
use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::marker::PhantomData;

impl<T: Collection> Payload for Page<T> {
    const PAGED: bool = true;
    const SHAPE: Shape = Shape::V2Data;

    fn decode(src: &PayloadSource<'_>) -> Result<Self, FieldError> {
        let data = src.data.ok_or_else(|| FieldError::missing("data"))?;
        // One pass over `data`: the items are read where they lie, never copied first.
        let data = data.get().as_bytes();
        parse_seed_at(data, "data", DataSeed::<T>::new(data.len()))
    }

    const IN_PASS: bool = true;

    fn deserialize_data<'de, D: Deserializer<'de>>(d: D, len: usize) -> Result<Self, D::Error> {
        DataSeed::<T>::new(len).deserialize(d)
    }
}

/// Reads `data` of a v2 collection: `{type, <T::KEY>: [...], page, account_id?}`. An empty
/// collection may come as a missing or null key; neither loses data. Other keys are skipped.
struct DataSeed<T> {
    /// Room made for the items before the first is read.
    room: usize,
    _items: PhantomData<fn() -> T>,
}

impl<T: Collection> DataSeed<T> {
    /// For `data` in JSON of `len` bytes: room for as many items as compact JSON of Lean's
    /// would hold, so that the items are read into one allocation. Grown one item at a time
    /// (serde's own `Vec`), 9 accounts moved through three allocations, copying 12 accounts,
    /// and a page of 100 transactions through six, copying 124. Never more than 1 MiB ahead of
    /// the items themselves; room left far from full (indented JSON, as in Lean's recorded
    /// answers, takes 2–3 times the bytes) is given back once the items are read.
    fn new(len: usize) -> Self {
        let most = (1 << 20) / std::mem::size_of::<T>().max(1);
        DataSeed {
            room: (len / T::ITEM_JSON_BYTES.max(1)).min(most),
            _items: PhantomData,
        }
    }
}

impl<T> Clone for DataSeed<T> {
    fn clone(&self) -> Self {
        DataSeed {
            room: self.room,
            _items: PhantomData,
        }
    }
}

/// The items' array (`null`: none), read into the room made for them.
struct ItemsSeed<T> {
    room: usize,
    _items: PhantomData<fn() -> T>,
}

impl<'de, T: Collection> DeserializeSeed<'de> for ItemsSeed<T> {
    type Value = Option<Vec<T>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: Collection> Visitor<'de> for ItemsSeed<T> {
    type Value = Option<Vec<T>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an array of {}", T::KEY)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(self.room);
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        if items.capacity() > items.len() + items.len() / 2 + 1 {
            // glibc gives back the end of a block where it lies, without a copy.
            items.shrink_to_fit();
        }
        Ok(Some(items))
    }
}

/// Which key of `data` this is, decided without allocating.
enum DataKey {
    Items,
    Page,
    AccountId,
    Other,
}

struct DataKeySeed(&'static str);

impl<'de> DeserializeSeed<'de> for DataKeySeed {
    type Value = DataKey;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DataKey, D::Error> {
        crate::de::with_str(d, "a key of `data`", |k| {
            Ok::<_, std::convert::Infallible>(if k == self.0 {
                DataKey::Items
            } else if k == "page" {
                DataKey::Page
            } else if k == "account_id" {
                DataKey::AccountId
            } else {
                DataKey::Other
            })
        })
    }
}

impl<'de, T: Collection> DeserializeSeed<'de> for DataSeed<T> {
    type Value = Page<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Page<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Collection> Visitor<'de> for DataSeed<T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an object with `{}`", T::KEY)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
        let mut items: Option<Vec<T>> = None;
        let mut page = None;
        let mut account_id = None;
        while let Some(key) = map.next_key_seed(DataKeySeed(T::KEY))? {
            match key {
                DataKey::Items => {
                    items = map.next_value_seed(ItemsSeed {
                        room: self.room,
                        _items: PhantomData,
                    })?
                }
                DataKey::Page => page = map.next_value::<Option<PageInfo>>()?,
                DataKey::AccountId => account_id = map.next_value::<Option<AccountId>>()?,
                DataKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Page {
            items: items.unwrap_or_default(),
            page,
            account_id,
        })
    }
}

payload_at!(insights: Income, Expenses, Cashflows, RawInsights, Employment, CashBalances, FreelancerCashflow, CreditObligations, NonCreditObligations);
payload_at!(v1: V1Identity, V1Accounts, V1Balance, V1Transactions);
payload_at!(bare: PaymentIntent, PaymentIntentList, Payment, PaymentDestinationList,
    PaymentSource, PaymentSourceList, AccountOnFileConsent, PaymentConsent, PaymentConsentList,
    ConsentHistory, PayoutCreated, PayoutDestinationsCreated, PaymentHistory, PayoutList,
    RefundList, RefundPage, crate::model::payments::PaymentDestination);
payload_at!(verifications: AccountVerification, EntityOwnershipVerification, BeneficiaryName,
    CorporateVerification, ManagersVerification, FreelancerVerification);

/// Name verification answers in two shapes: Lean's recorded answer (UAE collection, 2025-12)
/// has the result under `data` (with `type: "name-verification"`), its older docs under
/// `payload`. Either is read; `data` wins when both are present.
impl crate::response::Payload for NameVerification {
    const SHAPE: Shape = Shape::V1;

    fn decode(src: &PayloadSource<'_>) -> Result<Self, FieldError> {
        match (src.data, src.payload) {
            (Some(data), _) => parse_at(data.get().as_bytes(), "data"),
            (None, Some(payload)) => parse_at(payload.get().as_bytes(), "payload"),
            (None, None) => Err(FieldError::missing("data")),
        }
    }
}
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
    /// `employment` (KSA).
    Employment(Employment),
    /// KSA cash balances (Lean sends no `type`: recognised by `balance_factors`).
    CashBalances(CashBalances),
    /// `freelancer-cashflow` (KSA).
    FreelancerCashflow(FreelancerCashflow),
    /// `credits-obligations` (KSA).
    CreditObligations(CreditObligations),
    /// `non-credits-obligations` (KSA).
    NonCreditObligations(NonCreditObligations),
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
                Some("employment") => AnyData::Employment(Employment::decode(src)?),
                Some("non-credits-obligations") => {
                    AnyData::NonCreditObligations(NonCreditObligations::decode(src)?)
                }
                Some("credits-obligations") => {
                    AnyData::CreditObligations(CreditObligations::decode(src)?)
                }
                Some("freelancer-cashflow") => {
                    AnyData::FreelancerCashflow(FreelancerCashflow::decode(src)?)
                }
                None if insights.get().contains("\"balance_factors\"") => {
                    AnyData::CashBalances(CashBalances::decode(src)?)
                }
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

#[cfg(test)]
mod tests {
    use super::DataSeed;
    use crate::{Account, Transaction};

    #[test]
    fn room_made_ahead_of_the_items_is_bounded() {
        // A body's length is the server's to choose: never more than 1 MiB made ahead of it.
        let most = DataSeed::<Transaction>::new(usize::MAX).room;
        assert!(most > 0 && most * std::mem::size_of::<Transaction>() <= 1 << 20);
        assert_eq!(DataSeed::<Account>::new(0).room, 0);
        assert_eq!(DataSeed::<Account>::new(6_914).room, 10);
    }
}
