//! Typed payloads of the KSA-only insights, from Lean's recorded sandbox answers (the
//! KSA-insights collection). Every field is optional: Lean's samples are one answer each, and
//! a field it leaves out next time must not fail the call. Amounts are exact.

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
