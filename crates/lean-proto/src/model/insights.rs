//! Typed payloads of the v2 insights endpoints (`insights` instead of `data` in the envelope).
//!
//! Income, expenses and cashflows are typed from Lean's recorded sandbox responses; the KSA-only
//! insights (employment, cash balances, freelancer cashflow, credit and non-credit
//! obligations) from Lean's KSA recordings, in [`super::insights_ksa`]. [`RawInsights`] keeps
//! the exact JSON of an insight this SDK has no type for (`client.call` with your own
//! endpoint, `lean decode`).

use super::data::Json;
use crate::ids::AccountId;
use crate::money::{Amount, Currency};
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An amount attributed to a calendar month (`{month, year, amount}`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MonthAmount {
    /// 1..=12
    pub month: u8,
    /// Year.
    pub year: i32,
    /// The amount, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
}

/// Totals of one calendar month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MonthlyTotal {
    /// 1..=12
    pub month: u8,
    /// Year.
    pub year: i32,
    /// Sum of the month.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// Number of transactions.
    #[serde(default)]
    pub count: Option<u64>,
    /// Whether the month is over (the current month is partial).
    #[serde(default)]
    pub is_month_complete: Option<bool>,
    /// Per-category breakdown (expenses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<Breakdown>,
}

/// A breakdown of a total along one dimension (`by: "category"`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Breakdown {
    /// The dimension, e.g. `category`.
    #[serde(default)]
    pub by: Option<String>,
    /// One entry per value of the dimension.
    #[serde(default)]
    pub breakdowns: Vec<CategoryBreakdown>,
}

/// Spending in one category.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryBreakdown {
    /// `GROCERIES`, `TRAVEL`, … (kept as text: Lean's category list is open).
    #[serde(default)]
    pub category: Option<String>,
    /// Sum.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// Number of transactions.
    #[serde(default)]
    pub count: Option<u64>,
    /// Share of all expenses (0..1).
    #[serde(default, with = "crate::money::decimal_opt")]
    pub fraction_of_total_expenses: Option<Decimal>,
    /// Mean gap between transactions, in days.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub average_days_between_transactions: Option<Decimal>,
    /// First transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_date_time: Option<Timestamp>,
    /// Last transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_date_time: Option<Timestamp>,
    /// Mean per month.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub average_monthly_amount: Option<Decimal>,
    /// Mean count per month.
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub average_monthly_count: Option<Decimal>,
    /// Highest month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_monthly_amount: Option<MonthAmount>,
    /// Lowest month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_monthly_amount: Option<MonthAmount>,
}

/// Totals over the whole window (income and expenses).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InsightTotal {
    /// Sum.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// Number of transactions.
    #[serde(default)]
    pub count: Option<u64>,
    /// First transaction.
    #[serde(default)]
    pub first_date_time: Option<Timestamp>,
    /// Last transaction.
    #[serde(default)]
    pub last_date_time: Option<Timestamp>,
    /// Mean per month.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_monthly_amount: Option<Decimal>,
    /// Mean count per month.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_monthly_count: Option<Decimal>,
    /// Mean received per month with income (income only).
    #[serde(
        default,
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub average_monthly_received_value: Option<Decimal>,
    /// Highest month.
    #[serde(default)]
    pub maximum_monthly_amount: Option<MonthAmount>,
    /// Lowest month.
    #[serde(default)]
    pub minimum_monthly_amount: Option<MonthAmount>,
    /// Per-category breakdown (expenses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<Breakdown>,
}

/// Where a non-salary income came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncomeSource {
    /// `CASH_DEPOSIT`, `HOUSING_BENEFIT`, `SOCIAL_SECURITY`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The payer's name, when known.
    #[serde(default)]
    pub name: Option<String>,
}

/// A transaction counted as income.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncomeTransaction {
    /// The account.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Lean's transaction id.
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// The bank's description.
    #[serde(default)]
    pub transaction_information: Option<String>,
    /// When it was booked.
    #[serde(default)]
    pub booking_date_time: Option<Timestamp>,
    /// The amount, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
    /// Where it came from.
    #[serde(default)]
    pub income_source: Option<IncomeSource>,
}

/// Income statistics over a period (`P3M`, `P6M`, …).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncomePeriod {
    /// ISO 8601 duration, e.g. `P3M`.
    #[serde(default)]
    pub period: Option<String>,
    /// Variation of income over the period.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub income_variation: Option<Decimal>,
    /// Mean income.
    #[serde(default)]
    pub average_income: Option<Amount>,
}

/// How stable an income is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncomeFactors {
    /// Per period.
    #[serde(default)]
    pub periods: Vec<IncomePeriod>,
    /// Spread between the lowest and highest month.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub delta_min_max: Option<Decimal>,
    /// Mean month-over-month change (a ratio).
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_monthly_income_change: Option<Decimal>,
}

/// One kind of income (salary or non-salary).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncomeStream {
    /// Currency of the amounts.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Totals.
    #[serde(default)]
    pub total: Option<InsightTotal>,
    /// Per month.
    #[serde(default)]
    pub monthly_totals: Vec<MonthlyTotal>,
    /// The transactions counted.
    #[serde(default)]
    pub transactions: Vec<IncomeTransaction>,
    /// Stability factors.
    #[serde(default)]
    pub income_factors: Option<IncomeFactors>,
}

/// `POST /insights/v2/income`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Income {
    /// Salary income.
    #[serde(default)]
    pub salary: Option<IncomeStream>,
    /// Other income.
    #[serde(default)]
    pub non_salary: Option<IncomeStream>,
}

/// `GET /insights/v2/expenses`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Expenses {
    /// Currency of the amounts.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// Totals with the category breakdown.
    #[serde(default)]
    pub total: Option<InsightTotal>,
    /// Per month.
    #[serde(default)]
    pub monthly_totals: Vec<MonthlyTotal>,
}

/// Money flowing in or out in one category.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CategoryFlow {
    /// `inflow`, `outflow`, …
    #[serde(default)]
    pub category: Option<String>,
    /// Sum.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Number of transactions.
    #[serde(default)]
    pub count: Option<u64>,
}

/// Net of inflows and outflows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NetFlow {
    /// Inflows minus outflows.
    #[serde(default)]
    pub overall_amount: Option<Amount>,
    /// Lean's net cashflow figure (shape not documented; `null` in samples).
    #[serde(default)]
    pub net_cashflow: Option<Json>,
}

/// Flows over a window or a month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Flows {
    /// Calendar month (monthly totals only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    /// Year (monthly totals only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Whether the month is over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_month_complete: Option<bool>,
    /// Money in.
    #[serde(default)]
    pub inwards: Vec<CategoryFlow>,
    /// Money out.
    #[serde(default)]
    pub outwards: Vec<CategoryFlow>,
    /// Net.
    #[serde(default)]
    pub net: Option<NetFlow>,
}

/// Credit/debit behaviour over a period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditDebitPeriod {
    /// ISO 8601 duration, e.g. `P3M`.
    #[serde(default)]
    pub period: Option<String>,
    /// Mean credit.
    #[serde(default)]
    pub grand_average_credit_amount: Option<Amount>,
    /// Mean number of credits.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub grand_average_credit_count: Option<Decimal>,
    /// Mean debit.
    #[serde(default)]
    pub grand_average_debit_amount: Option<Amount>,
    /// Mean number of debits.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub grand_average_debit_count: Option<Decimal>,
    /// Ratio of mean credit to mean debit amounts.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub grand_average_credit_debit_amount_ratio: Option<Decimal>,
    /// Ratio of mean credit to mean debit counts.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub grand_average_credit_debit_count_ratio: Option<Decimal>,
    /// All credits.
    #[serde(default)]
    pub total_volume_of_credit: Option<Amount>,
    /// All debits.
    #[serde(default)]
    pub total_volume_of_debit: Option<Amount>,
    /// Ratio of credit to debit volume.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub total_volume_of_credit_debit_ratio: Option<Decimal>,
}

/// Largest payments over a period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BigPaymentsPeriod {
    /// ISO 8601 duration.
    #[serde(default)]
    pub period: Option<String>,
    /// Mean of each month's largest credit.
    #[serde(default)]
    pub average_max_monthly_credit_amount: Option<Amount>,
    /// Mean of each month's largest debit.
    #[serde(default)]
    pub average_max_monthly_debit_amount: Option<Amount>,
    /// Their ratio.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_max_monthly_credit_debit_amount_ratio: Option<Decimal>,
}

/// A list of per-period statistics.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Periods<T> {
    /// Per period.
    #[serde(default = "Vec::new")]
    pub periods: Vec<T>,
}

/// `GET /insights/v2/assets/cashflows`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cashflows {
    /// Over the whole window.
    #[serde(default)]
    pub total: Option<Flows>,
    /// Per month.
    #[serde(default)]
    pub monthly_totals: Vec<Flows>,
    /// Credit/debit behaviour.
    #[serde(default)]
    pub credit_debit_behaviour: Option<Periods<CreditDebitPeriod>>,
    /// Big payments.
    #[serde(default)]
    pub big_payments: Option<Periods<BigPaymentsPeriod>>,
}

/// An insights payload this SDK has no type for: the exact JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawInsights(pub Json);

crate::enums::lean_enum!(
    /// How closely a name matches the account holder's (`match_type`).
    MatchType {
        PerfectMatch = "PERFECT_MATCH", PartialMatch = "PARTIAL_MATCH", NoMatch = "NO_MATCH",
    }
);

/// `POST /insights/v1/name-verification` → `payload` (the v1 envelope).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NameVerification {
    /// The name you sent.
    #[serde(default)]
    pub full_name_provided: Option<String>,
    /// The account holder's name as the bank has it.
    #[serde(default)]
    pub full_name_retrieved: Option<String>,
    /// Lean's grade.
    #[serde(default)]
    pub match_type: Option<MatchType>,
    /// Confidence between 0 and 1, exact as sent.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub confidence: Option<Decimal>,
}
