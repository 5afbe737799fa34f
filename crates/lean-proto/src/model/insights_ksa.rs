//! Typed payloads of the KSA-only insights, from Lean's recorded sandbox answers (the
//! KSA-insights collection). Every field is optional: Lean's samples are one answer each, and
//! a field it leaves out next time must not fail the call. Amounts are exact.

use crate::model::data::Json;
use crate::money::Amount;
use crate::time::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `GET /insights/v2/income/employment` → `insights`: the employers the account's salary
/// comes from, matched against the reference register.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Employment {
    /// One entry per employer seen paying a salary.
    #[serde(default)]
    pub employment_details: Vec<EmploymentDetail>,
}

/// One employer of the account holder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmploymentDetail {
    /// The employer's name as the bank writes it on the salary.
    #[serde(default)]
    pub bank_employer_name: Option<String>,
    /// The employer found in the reference register, when one matched.
    #[serde(default)]
    pub matched_reference_employer: Option<ReferenceEmployer>,
    /// Whether salaries came regularly, in steady amounts.
    #[serde(default)]
    pub salary_consistent: Option<bool>,
    /// How much the salary's day of arrival varies.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub salary_date_variance: Option<Decimal>,
    /// How much the salary's amount varies.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub salary_amount_variance: Option<Decimal>,
    /// The first salary seen.
    #[serde(default)]
    pub first_salary_date: Option<Timestamp>,
}

/// An employer of the reference register.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReferenceEmployer {
    /// Its name, in English and Arabic.
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// Its commercial registration number (`null` when the register has none).
    #[serde(default)]
    pub cr_number: Option<u64>,
}

/// A name in English and Arabic.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocalizedName {
    /// English.
    #[serde(default)]
    pub en: Option<String>,
    /// Arabic.
    #[serde(default)]
    pub ar: Option<String>,
}

/// `GET /insights/v2/assets/balances` → `insights`: the balance of the current and savings
/// accounts over time, month by month, and what drives it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CashBalances {
    /// Over the whole period.
    #[serde(default)]
    pub total: Option<CashBalanceTotal>,
    /// Month by month, oldest first.
    #[serde(default)]
    pub monthly_totals: Vec<CashBalanceMonth>,
    /// Trends and inflow/outflow behaviour.
    #[serde(default)]
    pub balance_factors: Option<BalanceFactors>,
}

/// Cash balances over the whole period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CashBalanceTotal {
    /// Average balance.
    #[serde(default)]
    pub average_balance: Option<Amount>,
    /// Balance at the start.
    #[serde(default)]
    pub initial_balance: Option<Amount>,
    /// Balance now.
    #[serde(default)]
    pub current_balance: Option<Amount>,
    /// Available balance now.
    #[serde(default)]
    pub available_balance: Option<Amount>,
    /// How often money comes in (`DAILY`, `WEEKLY`, `MONTHLY`, …).
    #[serde(default)]
    pub frequency_of_contributions: Option<String>,
}

/// Cash balances of one month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CashBalanceMonth {
    /// 1 to 12.
    #[serde(default)]
    pub month: Option<u32>,
    /// The year.
    #[serde(default)]
    pub year: Option<i32>,
    /// False for the current month.
    #[serde(default)]
    pub is_month_complete: Option<bool>,
    /// Growth of the balance over the month, as a fraction.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub monthly_growth_rate: Option<Decimal>,
    /// What came in.
    #[serde(default)]
    pub contribution_amount: Option<Amount>,
    /// Average balance.
    #[serde(default)]
    pub average_balance: Option<Amount>,
    /// Balance at the start of the month.
    #[serde(default)]
    pub initial_balance: Option<Amount>,
}

/// What drives the balance.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BalanceFactors {
    /// Average balance over the last 3, 6, 9 and 12 months (`P3M`, …).
    #[serde(default)]
    pub periods: Vec<BalancePeriod>,
    /// Average change of the balance from one month to the next.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub balance_trend_average_month_on_month: Option<Decimal>,
    /// Balance now.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub current_balance: Option<Decimal>,
    /// Lean's trend figure.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub balance_trend: Option<Decimal>,
    /// Money coming in.
    #[serde(default)]
    pub inflow_factors: Option<FlowFactors>,
    /// Money going out.
    #[serde(default)]
    pub outflow_factors: Option<FlowFactors>,
    /// Estimated net cashflow per day.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub daily_net_cashflow_estimate: Option<Decimal>,
}

/// Average balance over a period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BalancePeriod {
    /// ISO 8601 duration: `P3M`, `P6M`, `P9M`, `P12M`.
    #[serde(default)]
    pub period: Option<String>,
    /// Average balance over it.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_balance: Option<Decimal>,
}

/// How money flows in or out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlowFactors {
    /// Median transaction.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub median_transaction_amount: Option<Decimal>,
    /// Largest transaction.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub max_transaction_amount: Option<Decimal>,
    /// Smallest transaction.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub min_transaction_amount: Option<Decimal>,
    /// Transactions on weekdays.
    #[serde(default)]
    pub weekday_transaction_count: Option<u64>,
    /// Transactions on weekends.
    #[serde(default)]
    pub weekend_transaction_count: Option<u64>,
    /// Average days between transactions.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_time: Option<Decimal>,
    /// Percent of transactions above Lean's threshold.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub percent_greater_than_x: Option<Decimal>,
    /// Average of the recurring transactions.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub recurring_average: Option<Decimal>,
    /// Median days between transactions.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub median_days: Option<Decimal>,
    /// Inflows: percent of them that are salary.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub percent_salary_transaction: Option<Decimal>,
    /// Outflows: months of unusually high spending.
    #[serde(default)]
    pub spike_transactions: Vec<SpendingSpike>,
}

/// A month of unusually high spending.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpendingSpike {
    /// 1 to 12.
    #[serde(default)]
    pub month: Option<u32>,
    /// The year.
    #[serde(default)]
    pub year: Option<i32>,
    /// What was spent.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
}

/// `GET /insights/v2/assets/freelancers/cashflows` → `insights`: a freelancer's account, its
/// balance, and what came in and went out, in total, over the last 3 to 12 months and month by
/// month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerCashflow {
    /// Whose account it is.
    #[serde(default)]
    pub account_information: Option<FreelancerAccount>,
    /// Over the whole period.
    #[serde(default)]
    pub total: Option<FreelancerTotal>,
    /// Month by month.
    #[serde(default)]
    pub monthly_totals: Vec<FreelancerMonth>,
}

/// The freelancer's account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerAccount {
    /// The holder's full name.
    #[serde(default)]
    pub account_holder_full_name: Option<String>,
    /// The holder's short name.
    #[serde(default)]
    pub account_holder_short_name: Option<String>,
    /// When the account was opened.
    #[serde(default)]
    pub account_opening_date: Option<Timestamp>,
}

/// A freelancer's cashflow over the whole period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerTotal {
    /// Balance now.
    #[serde(default)]
    pub current_balance_amount: Option<Amount>,
    /// Average monthly balance.
    #[serde(default)]
    pub average_monthly_balance_amount: Option<Amount>,
    /// Money in.
    #[serde(default)]
    pub inflows: Option<FreelancerFlows>,
    /// Money out.
    #[serde(default)]
    pub outflows: Option<FreelancerFlows>,
}

/// Money in or out, in total and over the last 3 to 12 months.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerFlows {
    /// In all.
    #[serde(default)]
    pub total_amount: Option<Amount>,
    /// Transactions.
    #[serde(default)]
    pub transactions_count: Option<u64>,
    /// `P12M`, `P9M`, `P6M`, `P3M`.
    #[serde(default)]
    pub periods: Vec<FreelancerPeriod>,
}

/// Money in or out over a period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerPeriod {
    /// ISO 8601 duration.
    #[serde(default)]
    pub period: Option<String>,
    /// In all.
    #[serde(default)]
    pub total_amount: Option<Amount>,
    /// Per month.
    #[serde(default)]
    pub average_amount: Option<Amount>,
}

/// A freelancer's month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerMonth {
    /// 1 to 12.
    #[serde(default)]
    pub month: Option<u32>,
    /// The year.
    #[serde(default)]
    pub year: Option<i32>,
    /// False for the current month.
    #[serde(default)]
    pub is_month_complete: Option<bool>,
    /// The balance.
    #[serde(default)]
    pub balance: Option<FreelancerMonthBalance>,
    /// Money in.
    #[serde(default)]
    pub inflows: Option<FreelancerMonthFlows>,
    /// Money out.
    #[serde(default)]
    pub outflows: Option<FreelancerMonthFlows>,
}

/// A month's balance.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerMonthBalance {
    /// At the start of the month.
    #[serde(default)]
    pub initial_balance_amount: Option<Amount>,
    /// Average over the month.
    #[serde(default)]
    pub monthly_average_amount: Option<Amount>,
}

/// A month's money in or out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerMonthFlows {
    /// In all.
    #[serde(default)]
    pub total_amount: Option<Amount>,
    /// The month's average amount (per transaction).
    #[serde(default)]
    pub monthly_average_amount: Option<Amount>,
    /// Transactions.
    #[serde(default)]
    pub transactions_count: Option<u64>,
}

/// `GET /insights/v2/liabilities/credit-obligations` → `insights` (`type:
/// credits-obligations`): loans and credit cards, in total and month by month.
///
/// Lean's only sample is of an account holder with no credit product, so some fields were
/// recorded only as `null`; their type is not known, and they are kept as the exact JSON
/// ([`Json`]) rather than guessed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditObligations {
    /// What is owed on credit cards now (`amount` is `null` without a card).
    #[serde(default)]
    pub current_credit_cards_balance: Option<OptionalAmount>,
    /// Credit cards held.
    #[serde(default)]
    pub number_of_credit_cards: Option<u64>,
    /// Over the whole period.
    #[serde(default)]
    pub total: Option<CreditObligationsTotal>,
    /// Month by month.
    #[serde(default)]
    pub monthly_totals: Vec<CreditObligationsMonth>,
}

/// An amount that may be absent (`{"amount": null}`), exact when present.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OptionalAmount {
    /// ISO 4217 currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<crate::money::Currency>,
    /// The amount.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<Decimal>,
}

/// An amount and how many transactions made it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CountedAmount {
    /// In all.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Transactions.
    #[serde(default)]
    pub count: Option<u64>,
}

/// Credit obligations over the whole period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditObligationsTotal {
    /// Loan repayments made.
    #[serde(default)]
    pub loan_repayments: Option<CountedAmount>,
    /// Loans received.
    #[serde(default)]
    pub loan_received: Option<CountedAmount>,
    /// Credit card repayments made.
    #[serde(default)]
    pub credit_cards_repayments: Option<CountedAmount>,
    /// Credit card spending.
    #[serde(default)]
    pub credit_cards_spending: Option<CountedAmount>,
    /// Smallest loan repayment (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub minimum_loan_repayment: Option<Json>,
    /// Largest loan repayment (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub maximum_loan_repayment: Option<Json>,
    /// Average loan repayment (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub average_loan_repayment: Option<Json>,
    /// Last loan repayment (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub last_loan_repayment_date_time: Option<Json>,
    /// Smallest loan received (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub minimum_loan_received: Option<Json>,
    /// Largest loan received (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub maximum_loan_received: Option<Json>,
    /// Average loan received (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub average_loan_received: Option<Json>,
    /// Last loan received (recorded only as `null`: exact JSON).
    #[serde(default)]
    pub last_loan_received_date_time: Option<Json>,
    /// Credit card balances.
    #[serde(default)]
    pub credit_cards_balance: Option<CardBalances>,
}

/// Credit card balances (recorded only as `null`s: exact JSON each).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardBalances {
    /// Average balance.
    #[serde(default)]
    pub average_balance: Option<Json>,
    /// Balance at the start.
    #[serde(default)]
    pub initial_balance: Option<Json>,
    /// Balance now.
    #[serde(default)]
    pub current_balance: Option<Json>,
    /// Available balance now.
    #[serde(default)]
    pub available_balance: Option<Json>,
    /// How often money comes in.
    #[serde(default)]
    pub frequency_of_contributions: Option<Json>,
}

/// Credit obligations of one month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditObligationsMonth {
    /// 1 to 12.
    #[serde(default)]
    pub month: Option<u32>,
    /// The year.
    #[serde(default)]
    pub year: Option<i32>,
    /// False for the current month.
    #[serde(default)]
    pub is_month_complete: Option<bool>,
    /// Loan repayments made.
    #[serde(default)]
    pub loan_repayments: Option<CountedAmount>,
    /// Loans received.
    #[serde(default)]
    pub loan_received: Option<CountedAmount>,
    /// Credit card repayments made.
    #[serde(default)]
    pub credit_cards_repayments: Option<CountedAmount>,
    /// Credit card spending.
    #[serde(default)]
    pub credit_cards_spending: Option<CountedAmount>,
    /// Credit card balances.
    #[serde(default)]
    pub credit_cards_balance: Option<CardBalances>,
}

/// `GET /insights/v2/liabilities/non-credit-obligations` → `insights` (`type:
/// non-credits-obligations`): recurring payments that are not credit (rent, services,
/// subscriptions), in total, per payee and month by month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NonCreditObligations {
    /// Over the whole period, with the breakdown per payee.
    #[serde(default)]
    pub total: Option<NonCreditTotal>,
    /// Month by month, newest first.
    #[serde(default)]
    pub monthly_totals: Vec<NonCreditMonth>,
}

/// Non-credit obligations over the whole period.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NonCreditTotal {
    /// In all.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Payments.
    #[serde(default)]
    pub count: Option<u64>,
    /// The first payment.
    #[serde(default)]
    pub first_date_time: Option<Timestamp>,
    /// The last payment.
    #[serde(default)]
    pub last_date_time: Option<Timestamp>,
    /// Per month, on average.
    #[serde(default)]
    pub average_monthly_amount: Option<Amount>,
    /// Payments per month, on average.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_monthly_count: Option<Decimal>,
    /// The month paid most.
    #[serde(default)]
    pub maximum_monthly_amount: Option<NamedMonthAmount>,
    /// The month paid least.
    #[serde(default)]
    pub minimum_monthly_amount: Option<NamedMonthAmount>,
    /// Per payee, grouped by how they were found (`RECURRING_TRANSACTIONS`, …).
    #[serde(default)]
    pub breakdown: Vec<ObligationBreakdown>,
}

/// An amount in a named month (`January`, …, as Lean writes it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NamedMonthAmount {
    /// The month's English name.
    #[serde(default)]
    pub month: Option<String>,
    /// The amount.
    #[serde(default)]
    pub amount: Option<Amount>,
}

/// Obligations found one way.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObligationBreakdown {
    /// How: `RECURRING_TRANSACTIONS`, …
    #[serde(default)]
    pub by: Option<String>,
    /// One per payee.
    #[serde(default)]
    pub breakdowns: Vec<Obligation>,
}

/// Payments to one payee.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Obligation {
    /// The payee, as the bank names the transactions.
    #[serde(default)]
    pub transaction_name: Option<String>,
    /// In all.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Payments.
    #[serde(default)]
    pub count: Option<u64>,
    /// Its share of all obligations (0 to 1).
    #[serde(default, with = "crate::money::decimal_opt")]
    pub fraction_of_total_obligations: Option<Decimal>,
    /// Per month, on average.
    #[serde(default)]
    pub average_monthly_amount: Option<Amount>,
    /// Payments per month, on average.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub average_monthly_count: Option<Decimal>,
    /// The month paid most.
    #[serde(default)]
    pub maximum_monthly_amount: Option<NamedMonthAmount>,
    /// The month paid least.
    #[serde(default)]
    pub minimum_monthly_amount: Option<NamedMonthAmount>,
}

/// Non-credit obligations of one month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NonCreditMonth {
    /// 1 to 12.
    #[serde(default)]
    pub month: Option<u32>,
    /// The year.
    #[serde(default)]
    pub year: Option<i32>,
    /// False for the current month.
    #[serde(default)]
    pub is_month_complete: Option<bool>,
    /// In all.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// Payments.
    #[serde(default)]
    pub count: Option<u64>,
}
