//! Typed answers of Lean's KSA business verifications, from its recorded sandbox answers (the
//! KSA collection: BASIC, FULL, CONTRACT and ADDRESS records, managers): a company's commercial
//! register record and the people in it. Each sits under the envelope's `verifications`.
//!
//! Every field is optional (each type was recorded once); a field every recording sends as
//! `null` is kept as [`Json`]. Amounts are exact; dates typed, Hijri ones as Lean's text.

use crate::model::data::Json;
use crate::model::insights_ksa::LocalizedName;
use crate::time::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `POST /verifications/v1/corporates/managers` → `verifications`: the managers of a company
/// matching the identity you sent, with their powers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ManagersVerification(pub Vec<CorporatePerson>);

impl std::ops::Deref for ManagersVerification {
    type Target = Vec<CorporatePerson>;
    fn deref(&self) -> &Vec<CorporatePerson> {
        &self.0
    }
}

/// A person of a company's register: a manager, a liquidator.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorporatePerson {
    /// Their name.
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// What kind of person (`Saudi`, `Resident`, …).
    #[serde(rename = "type", default)]
    pub kind: Option<LocalizedName>,
    /// Whether they hold a licence.
    #[serde(default)]
    pub is_licensed: Option<bool>,
    /// Their identity document.
    #[serde(default)]
    pub identity: Option<RegistryIdentity>,
    /// Their nationality.
    #[serde(default)]
    pub nationality: Option<Nationality>,
    /// Their positions.
    #[serde(default)]
    pub positions: Vec<LocalizedName>,
    /// Their powers (managers verification only).
    #[serde(default)]
    pub permissions: Vec<ManagerPermission>,
}

/// An identity document in the commercial register.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RegistryIdentity {
    /// Its number.
    #[serde(default)]
    pub id: Option<String>,
    /// Its kind (`National id`, `Commercial Registration`, …).
    #[serde(rename = "type", default)]
    pub kind: Option<LocalizedName>,
}

/// A nationality, as the register writes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Nationality {
    /// `Saudi`, …
    #[serde(rename = "type", default)]
    pub kind: Option<LocalizedName>,
}

/// A power of a manager.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManagerPermission {
    /// The register's id of the power.
    #[serde(default)]
    pub id: Option<i64>,
    /// Its name (`Full Management`).
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// Whether they may issue a power of attorney.
    #[serde(default)]
    pub can_issue_poa: Option<bool>,
    /// Whether they may delegate it.
    #[serde(default)]
    pub can_delegate: Option<bool>,
    /// Conditions on it.
    #[serde(default)]
    pub special_condition_text: Option<LocalizedName>,
    /// How it is exercised (id).
    #[serde(default)]
    pub exercise_method_id: Option<i64>,
    /// How it is exercised (`Individually`).
    #[serde(default)]
    pub exercise_method_description: Option<LocalizedName>,
}

/// `POST /verifications/v1/corporates` → `verifications`: a company's commercial register
/// record. Which parts are filled depends on the `type` asked: `BASIC` the registration,
/// `FULL` also owners and management, `CONTRACT` the articles, `ADDRESS` the addresses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorporateVerification {
    /// The registration's state (`Suspended`, …).
    #[serde(default)]
    pub status: Option<LocalizedName>,
    /// Its numbers.
    #[serde(default)]
    pub commercial_registry: Option<CommercialRegistry>,
    /// The company's name.
    #[serde(default)]
    pub company_name: Option<LocalizedName>,
    /// The language of the name.
    #[serde(default)]
    pub name_language: Option<IdAndDescription>,
    /// Registered capital, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub commercial_registration_capital: Option<Decimal>,
    /// Age of the company in days.
    #[serde(default)]
    pub days_since_company_established: Option<i64>,
    /// The main registration of a branch (always `null` in Lean's recordings).
    #[serde(default)]
    pub main_commercial_registry: Option<Json>,
    /// Registered on.
    #[serde(default)]
    pub issue_date: Option<DualDate>,
    /// Whether it is being wound up.
    #[serde(default)]
    pub in_liquidation_process: Option<bool>,
    /// Whether it sells online.
    #[serde(default)]
    pub has_e_commerce: Option<bool>,
    /// Where it is based.
    #[serde(default)]
    pub headquarters: Option<Headquarters>,
    /// Its licence, when licence-based.
    #[serde(default)]
    pub license: Option<License>,
    /// Its partners' nationality.
    #[serde(default)]
    pub partners: Option<Partners>,
    /// Its legal form.
    #[serde(default)]
    pub entity_type: Option<CorporateEntityType>,
    /// Confirmed on.
    #[serde(default)]
    pub confirmation_date: Option<DualDate>,
    /// Reactivated on.
    #[serde(default)]
    pub reactivation_date: Option<DualDate>,
    /// Suspended on.
    #[serde(default)]
    pub suspension_date: Option<DualDate>,
    /// Deleted on.
    #[serde(default)]
    pub deletion_date: Option<DualDate>,
    /// How to reach it.
    #[serde(default)]
    pub contact_info: Option<ContactInfo>,
    /// Its online stores.
    #[serde(default)]
    pub e_commerce: Option<ECommerce>,
    /// Its capital.
    #[serde(default)]
    pub capital_information: Option<CapitalInformation>,
    /// Its fiscal year.
    #[serde(default)]
    pub fiscal_year: Option<FiscalYear>,
    /// Its owners.
    #[serde(default)]
    pub parties: Option<Vec<Party>>,
    /// Its management.
    #[serde(default)]
    pub management: Option<Management>,
    /// Its liquidators.
    #[serde(default)]
    pub liquidators: Option<Vec<CorporatePerson>>,
    /// What it does.
    #[serde(default)]
    pub activities: Option<Vec<LocalizedName>>,
    /// The contract's copy number.
    #[serde(default)]
    pub contract_copy_number: Option<i64>,
    /// The contract's date.
    #[serde(default)]
    pub contract_date: Option<Date>,
    /// How partners are notified.
    #[serde(default)]
    pub notification_channel: Option<Vec<IdAndName>>,
    /// What partners decide, by what majority.
    #[serde(default)]
    pub partner_decision: Option<Vec<PartnerDecision>>,
    /// More on decisions.
    #[serde(default)]
    pub additional_decision_text: Option<String>,
    /// Profit set aside.
    #[serde(default)]
    pub set_aside_details: Option<SetAsideDetails>,
    /// The contract's articles.
    #[serde(default)]
    pub articles: Option<Vec<Article>>,
    /// Articles added (always empty in Lean's recordings).
    #[serde(default)]
    pub additional_articles: Option<Vec<Json>>,
    /// Its national addresses.
    #[serde(default)]
    pub addresses: Option<Vec<CorporateAddress>>,
}

/// The numbers of a commercial registration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommercialRegistry {
    /// The unified national number (`700…`).
    #[serde(default)]
    pub national_number: Option<String>,
    /// The registration number.
    #[serde(default)]
    pub registration_number: Option<String>,
    /// The record's version.
    #[serde(default)]
    pub version_number: Option<i64>,
}

/// `{id, description}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdAndDescription {
    /// The register's id.
    #[serde(default)]
    pub id: Option<i64>,
    /// What it is.
    #[serde(default)]
    pub description: Option<LocalizedName>,
}

/// `{id, name}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdAndName {
    /// The register's id.
    #[serde(default)]
    pub id: Option<i64>,
    /// Its name.
    #[serde(default)]
    pub name: Option<LocalizedName>,
}

/// A date in both calendars. The Hijri one is Lean's text (`01-07-1446`, day first).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DualDate {
    /// Gregorian.
    #[serde(default)]
    pub gregorian: Option<Date>,
    /// Hijri, `DD-MM-YYYY`.
    #[serde(default)]
    pub hijri: Option<String>,
}

/// Where a company is based.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Headquarters {
    /// The register's city id.
    #[serde(default)]
    pub city_id: Option<i64>,
    /// The city.
    #[serde(default)]
    pub city_name: Option<LocalizedName>,
}

/// A company's licence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct License {
    /// Whether it is licence-based.
    #[serde(default)]
    pub is_license_based: Option<bool>,
    /// The issuer's national number.
    #[serde(default)]
    pub issuer_national_number: Option<String>,
    /// The issuer.
    #[serde(default)]
    pub issuer_name: Option<LocalizedName>,
}

/// A company's partners, summarised.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Partners {
    /// Their nationality.
    #[serde(default)]
    pub nationality: Option<LocalizedName>,
}

/// A company's legal form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorporateEntityType {
    /// `Company`, …
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// `Limited liability company`, …
    #[serde(default)]
    pub form_name: Option<LocalizedName>,
    /// Its characters.
    #[serde(default)]
    pub characters: Vec<LocalizedName>,
}

/// How to reach a company.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactInfo {
    /// Phone.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Mobile.
    #[serde(default)]
    pub mobile_number: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Website.
    #[serde(default)]
    pub website_url: Option<String>,
}

/// A company's online stores. Lean sends the list twice, as `e_store` and `estore`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ECommerce {
    /// The stores.
    #[serde(default)]
    pub e_store: Vec<EStore>,
    /// The same stores, under Lean's other name.
    #[serde(default)]
    pub estore: Vec<EStore>,
}

/// An online store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EStore {
    /// The platform that authenticated it.
    #[serde(default)]
    pub authentication_platform_url: Option<String>,
    /// Its address.
    #[serde(default)]
    pub store_url: Option<String>,
    /// What it sells.
    #[serde(default)]
    pub store_activities: Vec<LocalizedName>,
}

/// A company's capital.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CapitalInformation {
    /// Its currency, by name (`Saudi Riyal`).
    #[serde(default)]
    pub currency: Option<LocalizedName>,
    /// Contributed capital.
    #[serde(default)]
    pub contribution_capital: Option<ContributionCapital>,
    /// Stock capital (always `null` in Lean's recordings).
    #[serde(default)]
    pub stock_capital: Option<Json>,
}

/// Contributed capital, exact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContributionCapital {
    /// Its kind, English (`In-Cash`).
    #[serde(default)]
    pub en: Option<String>,
    /// Its kind, Arabic.
    #[serde(default)]
    pub ar: Option<String>,
    /// In cash.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub cash_capital: Option<Decimal>,
    /// In kind.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub in_kind_capital: Option<Decimal>,
    /// The value of one share.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub contribution_value: Option<Decimal>,
    /// Shares paid in cash.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub total_cash_contribution: Option<Decimal>,
    /// Shares paid in kind.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub total_in_kind_contribution: Option<Decimal>,
}

/// A company's fiscal year.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FiscalYear {
    /// Whether this is its first.
    #[serde(default)]
    pub is_first: Option<bool>,
    /// `Hijri` or `Gregorian`.
    #[serde(default)]
    pub calendar_type: Option<LocalizedName>,
    /// Ends in month (0 when unset).
    #[serde(default)]
    pub end_month: Option<i64>,
    /// Ends on day (0 when unset).
    #[serde(default)]
    pub end_day: Option<i64>,
    /// Ends in year.
    #[serde(default)]
    pub end_year: Option<i64>,
}

/// An owner of a company.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Party {
    /// Its name.
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// What kind of owner (`Endowment`, `Saudi Company`, `Citizen`, …).
    #[serde(rename = "type", default)]
    pub kind: Option<LocalizedName>,
    /// Its identity document.
    #[serde(default)]
    pub identity: Option<RegistryIdentity>,
    /// Its roles (`Founder`).
    #[serde(default)]
    pub partnership: Vec<LocalizedName>,
    /// Its shares.
    #[serde(default)]
    pub partner_share: Option<PartnerShare>,
    /// Its nationality.
    #[serde(default)]
    pub nationality: Option<Nationality>,
    /// Its licence number.
    #[serde(default)]
    pub license_number: Option<String>,
    /// Its commercial registration, when a company.
    #[serde(default)]
    pub commercial_registration_number: Option<String>,
    /// Its share of profit and loss.
    #[serde(default)]
    pub partner_profit_loss_distribution: Option<ProfitLossDistribution>,
    /// Its guardian (always `null` in Lean's recordings).
    #[serde(default)]
    pub guardian: Option<Json>,
}

/// An owner's shares.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartnerShare {
    /// Paid in cash.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub cash_contribution_count: Option<Decimal>,
    /// Paid in kind.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub in_kind_contribution_count: Option<Decimal>,
    /// In all.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub total_contribution_count: Option<Decimal>,
}

/// An owner's share of profit and loss.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfitLossDistribution {
    /// Of profit.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub profit_distribution: Option<Decimal>,
    /// Of loss.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub loss_distribution: Option<Decimal>,
}

/// A company's management.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Management {
    /// `Board of Directors`, `Two or More Managers`, …
    #[serde(default)]
    pub structure_name: Option<LocalizedName>,
    /// How managers are dismissed.
    #[serde(default)]
    pub dismissal_method: Option<LocalizedName>,
    /// The managers.
    #[serde(default)]
    pub managers: Vec<CorporatePerson>,
    /// How the managers' board works.
    #[serde(default)]
    pub management_board: Option<ManagementBoard>,
    /// The directors' board (always `null` in Lean's recordings).
    #[serde(default)]
    pub directors_board: Option<Json>,
}

/// How a managers' board works.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManagementBoard {
    /// The quorum's id.
    #[serde(default)]
    pub meeting_quorum_id: Option<i64>,
    /// The quorum (`All Managers`).
    #[serde(default)]
    pub meeting_quorum_name: Option<LocalizedName>,
    /// Whether attendance may be delegated.
    #[serde(default)]
    pub can_delegate_attendance: Option<bool>,
    /// Its term in years.
    #[serde(default)]
    pub term_years: Option<i64>,
    /// `Jointly`, …
    #[serde(default)]
    pub way_of_work: Option<LocalizedName>,
    /// Where it meets.
    #[serde(default)]
    pub meeting_place: Option<LocalizedName>,
    /// More.
    #[serde(default)]
    pub additional_text: Option<LocalizedName>,
    /// Its positions (always empty in Lean's recordings).
    #[serde(default)]
    pub positions: Vec<Json>,
}

/// A decision partners take, and the majority it needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartnerDecision {
    /// Its id.
    #[serde(default)]
    pub id: Option<i64>,
    /// What is decided.
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// The majority, in percent (Lean sends it as text: `"75"`), exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub approve_percentage: Option<Decimal>,
    /// More.
    #[serde(default)]
    pub approve_additional_text: Option<LocalizedName>,
}

/// Profit set aside.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetAsideDetails {
    /// Whether profit is set aside.
    #[serde(default)]
    pub is_set_aside_enabled: Option<bool>,
    /// How much, for what.
    #[serde(default)]
    pub profit_allocation: Option<ProfitAllocation>,
}

/// A share of profit set aside.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfitAllocation {
    /// In percent, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub percentage: Option<Decimal>,
    /// For what (`Reserve fund`).
    #[serde(default)]
    pub purpose: Option<LocalizedName>,
}

/// An article of a company's contract.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Article {
    /// Its id.
    #[serde(default)]
    pub id: Option<i64>,
    /// Its text.
    #[serde(default)]
    pub text: Option<LocalizedName>,
    /// The part it belongs to (id).
    #[serde(default)]
    pub part_id: Option<i64>,
    /// The part it belongs to.
    #[serde(default)]
    pub part_name: Option<LocalizedName>,
}

/// A company's national address. Lean sends every field as text, numbers and flags too.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorporateAddress {
    /// Whose address.
    #[serde(default)]
    pub title: Option<String>,
    /// First line.
    #[serde(default)]
    pub address: Option<String>,
    /// Second line.
    #[serde(default)]
    pub address2: Option<String>,
    /// Latitude, as sent.
    #[serde(default)]
    pub latitude: Option<String>,
    /// Longitude, as sent.
    #[serde(default)]
    pub longitude: Option<String>,
    /// Building number.
    #[serde(default)]
    pub building_number: Option<String>,
    /// Street.
    #[serde(default)]
    pub street: Option<String>,
    /// District.
    #[serde(default)]
    pub district: Option<String>,
    /// District id.
    #[serde(default)]
    pub district_id: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// City id.
    #[serde(default)]
    pub city_id: Option<String>,
    /// Post code.
    #[serde(default)]
    pub post_code: Option<String>,
    /// Additional number.
    #[serde(default)]
    pub additional_number: Option<String>,
    /// Region.
    #[serde(default)]
    pub region_name: Option<String>,
    /// Region id.
    #[serde(default)]
    pub region_id: Option<String>,
    /// `"true"` or `"false"`, as text.
    #[serde(default)]
    pub is_primary_address: Option<String>,
    /// Unit.
    #[serde(default)]
    pub unit_number: Option<String>,
    /// Restrictions.
    #[serde(default)]
    pub restriction: Option<String>,
    /// The register's address id.
    #[serde(default)]
    pub pk_address_id: Option<String>,
    /// `Active`, …
    #[serde(default)]
    pub status: Option<String>,
}
