//! The verification products: account (by IBAN or local account number, many countries),
//! entity ownership, beneficiary name, KSA business (corporates and their managers) and
//! freelancer verification. Bodies as Lean's collections send them (UAE and KSA, 2026-05).
//!
//! Lean bills each verification, so none is ever re-sent once Lean may have seen it
//! ([`Endpoint::is_idempotent`] is false for all).

use super::*;
use crate::model::corporates::{CorporateVerification, ManagersVerification};
use crate::model::verifications::{
    AccountVerification, BeneficiaryName, EntityOwnershipVerification, FreelancerVerification,
};

crate::enums::lean_enum!(
    /// What an identification is (`identifications[].type`).
    IdentificationType {
        FullName = "FULL_NAME", NationalId = "NATIONAL_ID", RegistrationId = "REGISTRATION_ID",
        UnifiedNumber = "UNIFIED_NUMBER", FreelancerNumber = "FREELANCER_NUMBER",
    }
);

crate::enums::lean_enum!(
    /// Whose account is verified (`type` of an account verification).
    VerificationAccountType { Personal = "PERSONAL", Business = "BUSINESS", Freelancer = "FREELANCER" }
);

crate::enums::lean_enum!(
    /// How a bank is identified (`bank_identifier.type`).
    BankIdentifierType { Bic = "BIC", ClearingId = "CLEARING_ID" }
);

crate::enums::lean_enum!(
    /// How much of a company's register record to return (`type`).
    CorporateVerificationType { Basic = "BASIC", Full = "FULL", Contract = "CONTRACT", Address = "ADDRESS" }
);

crate::enums::lean_enum!(
    /// How much of a freelancer's record to return (`type`).
    FreelancerVerificationType { Basic = "BASIC", Full = "FULL" }
);

crate::enums::lean_enum!(
    /// The language of the register's answer (`language`).
    RegisterLanguage { En = "en", Ar = "ar" }
);

/// Refuses what Lean would: empty text, control characters, more than 256 characters.
fn checked(name: &'static str, value: impl Into<String>) -> Result<String, RequestError> {
    let value = value.into();
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 256 || trimmed.chars().any(char::is_control)
    {
        return Err(RequestError::InvalidParameter {
            name,
            reason: "1 to 256 characters, no control characters",
        });
    }
    Ok(trimmed.to_owned())
}

/// An IBAN as Lean takes it: spaces removed, upper case, 15 to 34 letters and digits, a
/// country and two check digits first. The checksum is not checked: Lean's own sandbox IBANs
/// do not pass it, and Lean answers a wrong one itself.
fn checked_iban(iban: &str) -> Result<String, RequestError> {
    let iban: String = iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let b = iban.as_bytes();
    let ok = (15..=34).contains(&b.len())
        && b.iter().all(u8::is_ascii_alphanumeric)
        && b[..2].iter().all(u8::is_ascii_alphabetic)
        && b[2..4].iter().all(u8::is_ascii_digit);
    if !ok {
        return Err(RequestError::InvalidParameter {
            name: "iban",
            reason: "an IBAN: country letters, check digits, then 11 to 30 letters and digits",
        });
    }
    Ok(iban)
}

/// One `{type, value}` of `identifications`: who you say the holder is.
///
/// ```
/// use lean_proto::{Identification, IdentificationType};
/// let id = Identification::national_id("1234567890")?;
/// assert_eq!(id.kind(), &IdentificationType::NationalId);
/// assert!(Identification::full_name("  ").is_err());
/// # Ok::<(), lean_proto::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    kind: IdentificationType,
    value: String,
}

impl Identification {
    /// Any kind, including one this SDK does not know (`IdentificationType::from("…")`).
    pub fn new(kind: IdentificationType, value: impl Into<String>) -> Result<Self, RequestError> {
        Ok(Identification {
            kind,
            value: checked("identifications.value", value)?,
        })
    }
    /// `FULL_NAME`: the holder's name.
    pub fn full_name(value: impl Into<String>) -> Result<Self, RequestError> {
        Self::new(IdentificationType::FullName, value)
    }
    /// `NATIONAL_ID`: Emirates ID, Saudi national id or iqama.
    pub fn national_id(value: impl Into<String>) -> Result<Self, RequestError> {
        Self::new(IdentificationType::NationalId, value)
    }
    /// `REGISTRATION_ID`: a company's registration (trade licence, VAT or CR number).
    pub fn registration_id(value: impl Into<String>) -> Result<Self, RequestError> {
        Self::new(IdentificationType::RegistrationId, value)
    }
    /// `UNIFIED_NUMBER`: a Saudi company's unified national number (`700…`).
    pub fn unified_number(value: impl Into<String>) -> Result<Self, RequestError> {
        Self::new(IdentificationType::UnifiedNumber, value)
    }
    /// `FREELANCER_NUMBER`: a Saudi freelance certificate (`FL-…`).
    pub fn freelancer_number(value: impl Into<String>) -> Result<Self, RequestError> {
        Self::new(IdentificationType::FreelancerNumber, value)
    }
    /// What it is.
    pub fn kind(&self) -> &IdentificationType {
        &self.kind
    }
    /// The value sent.
    pub fn value(&self) -> &str {
        &self.value
    }
    fn json(&self) -> serde_json::Value {
        serde_json::json!({"type": self.kind.as_str(), "value": self.value})
    }
}

fn identifications_json(ids: &[Identification]) -> serde_json::Value {
    serde_json::Value::Array(ids.iter().map(Identification::json).collect())
}

fn at_least_one(ids: &[Identification]) -> Result<(), RequestError> {
    if ids.is_empty() {
        return Err(RequestError::InvalidParameter {
            name: "identifications",
            reason: "at least one identification",
        });
    }
    Ok(())
}

/// How the verified account is named: an IBAN, or a local account number.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AccountDetails {
    Iban(String),
    AccountId(String),
}

/// `POST /verifications/v1/accounts`: whether an account (by IBAN, or by local account number
/// and bank) belongs to whom you say, and its state. Lean answers for the UAE, Saudi Arabia
/// and the 25 other countries of its recordings.
///
/// ```
/// use lean_proto::{Identification, VerificationAccountType, VerifyAccount};
/// let by_iban = VerifyAccount::iban(
///     "SA45 7661 5857 4768 9119 7381",
///     VerificationAccountType::Personal,
///     vec![Identification::national_id("1234567890")?],
/// )?;
/// assert_eq!(by_iban.country_code(), "SA");
/// let by_number = VerifyAccount::account_number(
///     "in", "123456789007", VerificationAccountType::Personal,
///     vec![Identification::full_name("DUMMY BENEFICIARY NAME")?],
/// )?
/// .clearing_id("ALLA0211480")?;
/// assert_eq!(by_number.country_code(), "IN");
/// assert!(VerifyAccount::iban("SA45", VerificationAccountType::Personal, vec![]).is_err());
/// # Ok::<(), lean_proto::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyAccount {
    country_code: String,
    account_type: VerificationAccountType,
    account: AccountDetails,
    identifications: Vec<Identification>,
    bank_identifier: Option<(BankIdentifierType, String)>,
}

impl VerifyAccount {
    /// By IBAN; the country is the IBAN's.
    pub fn iban(
        iban: &str,
        account_type: VerificationAccountType,
        identifications: Vec<Identification>,
    ) -> Result<Self, RequestError> {
        let iban = checked_iban(iban)?;
        at_least_one(&identifications)?;
        Ok(VerifyAccount {
            country_code: iban[..2].to_owned(),
            account_type,
            account: AccountDetails::Iban(iban),
            identifications,
            bank_identifier: None,
        })
    }

    /// By local account number in `country_code` (ISO 3166 alpha-2); most countries also need
    /// the bank ([`VerifyAccount::bic`], [`VerifyAccount::clearing_id`]).
    pub fn account_number(
        country_code: &str,
        account_number: &str,
        account_type: VerificationAccountType,
        identifications: Vec<Identification>,
    ) -> Result<Self, RequestError> {
        let country = country_code.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(RequestError::InvalidParameter {
                name: "country_code",
                reason: "two letters (ISO 3166 alpha-2)",
            });
        }
        at_least_one(&identifications)?;
        Ok(VerifyAccount {
            country_code: country,
            account_type,
            account: AccountDetails::AccountId(checked("account_details.value", account_number)?),
            identifications,
            bank_identifier: None,
        })
    }

    /// The bank, by BIC.
    pub fn bic(self, bic: &str) -> Result<Self, RequestError> {
        self.bank(BankIdentifierType::Bic, bic)
    }

    /// The bank, by national clearing code (India's IFSC, …).
    pub fn clearing_id(self, code: &str) -> Result<Self, RequestError> {
        self.bank(BankIdentifierType::ClearingId, code)
    }

    /// The bank, by any kind of identifier.
    pub fn bank(mut self, kind: BankIdentifierType, value: &str) -> Result<Self, RequestError> {
        self.bank_identifier = Some((kind, checked("bank_identifier.value", value)?));
        Ok(self)
    }

    /// The country asked about.
    pub fn country_code(&self) -> &str {
        &self.country_code
    }
}

impl Endpoint for VerifyAccount {
    type Output = AccountVerification;
    const NAME: &'static str = "verify-account";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let (kind, value) = match &self.account {
            AccountDetails::Iban(v) => ("IBAN", v),
            AccountDetails::AccountId(v) => ("ACCOUNT_ID", v),
        };
        let mut body = serde_json::json!({
            "country_code": self.country_code,
            "type": self.account_type.as_str(),
            "account_details": {"type": kind, "value": value},
            "identifications": identifications_json(&self.identifications),
        });
        if let Some((kind, value)) = &self.bank_identifier {
            body["bank_identifier"] = serde_json::json!({"type": kind.as_str(), "value": value});
        }
        post(Self::NAME, target, "/verifications/v1/accounts", body)
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}

fn post(
    name: &'static str,
    target: &Target<'_>,
    path: &str,
    body: serde_json::Value,
) -> Result<Request<Vec<u8>>, RequestError> {
    build(
        name,
        Some(ApiGeneration::V2),
        target,
        Method::POST,
        path,
        Query::default(),
        json_body(body),
    )
}

/// `POST /verifications/v2/entity`: whether a connected entity, and each of its IBANs,
/// belongs to whom you say (KSA).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyEntity {
    entity_id: EntityId,
    identifications: Vec<Identification>,
}

impl VerifyEntity {
    /// At least one identification (Lean's sample: a `NATIONAL_ID`).
    pub fn new(
        entity_id: EntityId,
        identifications: Vec<Identification>,
    ) -> Result<Self, RequestError> {
        at_least_one(&identifications)?;
        Ok(VerifyEntity {
            entity_id,
            identifications,
        })
    }
}

impl Endpoint for VerifyEntity {
    type Output = EntityOwnershipVerification;
    const NAME: &'static str = "verify-entity";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = serde_json::json!({
            "entity_id": self.entity_id.as_str(),
            "identifications": identifications_json(&self.identifications),
        });
        post(Self::NAME, target, "/verifications/v2/entity", body)
    }

    fn is_idempotent(&self) -> bool {
        false
    }

    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }
}

/// `POST /verifications/v2/beneficiary-name`: the holder's name and the state of an account,
/// by IBAN (KSA).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetBeneficiaryName {
    iban: String,
}

impl GetBeneficiaryName {
    /// The IBAN to look up.
    pub fn new(iban: &str) -> Result<Self, RequestError> {
        Ok(GetBeneficiaryName {
            iban: checked_iban(iban)?,
        })
    }
}

impl Endpoint for GetBeneficiaryName {
    type Output = BeneficiaryName;
    const NAME: &'static str = "beneficiary-name";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = serde_json::json!({ "iban": self.iban });
        post(
            Self::NAME,
            target,
            "/verifications/v2/beneficiary-name",
            body,
        )
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `POST /verifications/v1/corporates`: a Saudi company's commercial register record, by
/// unified number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyCorporate {
    kind: CorporateVerificationType,
    unified_number: Identification,
    /// The language of the answer (Lean's samples: `en`).
    pub language: RegisterLanguage,
}

impl VerifyCorporate {
    /// `kind` says how much of the record (`BASIC`, `FULL`, `CONTRACT`, `ADDRESS`).
    pub fn new(
        kind: CorporateVerificationType,
        unified_number: &str,
    ) -> Result<Self, RequestError> {
        Ok(VerifyCorporate {
            kind,
            unified_number: Identification::unified_number(unified_number)?,
            language: RegisterLanguage::En,
        })
    }
}

impl Endpoint for VerifyCorporate {
    type Output = CorporateVerification;
    const NAME: &'static str = "verify-corporate";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = serde_json::json!({
            "type": self.kind.as_str(),
            "language": self.language.as_str(),
            "identifications": [self.unified_number.json()],
        });
        post(Self::NAME, target, "/verifications/v1/corporates", body)
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `POST /verifications/v1/corporates/managers`: whether a person manages a Saudi company, and
/// their powers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyManagers {
    unified_number: Identification,
    manager: Identification,
    /// The language of the answer (Lean's sample: `en`).
    pub language: RegisterLanguage,
}

impl VerifyManagers {
    /// The company by unified number, the manager by national id.
    pub fn new(unified_number: &str, manager_national_id: &str) -> Result<Self, RequestError> {
        Ok(VerifyManagers {
            unified_number: Identification::unified_number(unified_number)?,
            manager: Identification::national_id(manager_national_id)?,
            language: RegisterLanguage::En,
        })
    }
}

impl Endpoint for VerifyManagers {
    type Output = ManagersVerification;
    const NAME: &'static str = "verify-managers";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = serde_json::json!({
            "identifications": [self.unified_number.json(), self.manager.json()],
            "language": self.language.as_str(),
        });
        post(
            Self::NAME,
            target,
            "/verifications/v1/corporates/managers",
            body,
        )
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `POST /verifications/v1/freelancers`: a Saudi freelancer's certificates, by national id
/// and/or certificate number.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyFreelancer {
    kind: FreelancerVerificationType,
    identifications: Vec<Identification>,
}

impl VerifyFreelancer {
    /// `identifications`: a `NATIONAL_ID`, a `FREELANCER_NUMBER`, or both.
    pub fn new(
        kind: FreelancerVerificationType,
        identifications: Vec<Identification>,
    ) -> Result<Self, RequestError> {
        at_least_one(&identifications)?;
        Ok(VerifyFreelancer {
            kind,
            identifications,
        })
    }
}

impl Endpoint for VerifyFreelancer {
    type Output = FreelancerVerification;
    const NAME: &'static str = "verify-freelancer";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = serde_json::json!({
            "type": self.kind.as_str(),
            "identifications": identifications_json(&self.identifications),
        });
        post(Self::NAME, target, "/verifications/v1/freelancers", body)
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}
