//! Typed answers of Lean's verification products, from its recorded sandbox answers (the UAE
//! collection's Account Verification API, the KSA collection's entity, beneficiary-name and
//! freelancer verifications). Each sits under the envelope's `verifications`. The KSA business
//! verifications (a company's register record, its managers) are in `corporates.rs`.
//!
//! Every field is optional: each product was recorded with a few answers, and a field Lean
//! leaves out next time must not fail the call. A field every recording sends as `null` is
//! kept as [`Json`] (its type is unknown). Amounts are exact; dates typed.

use crate::model::data::Json;
pub use crate::model::insights_ksa::LocalizedName;
use crate::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};

crate::enums::lean_enum!(
    /// The state of a verified bank account (`account_status`).
    VerifiedAccountStatus {
        Active = "ACTIVE", Blocked = "BLOCKED", Closed = "CLOSED", InLiquidation = "IN_LIQUIDATION",
        Dormant = "DORMANT",
    }
);

crate::enums::lean_enum!(
    /// How Lean verified (`verification_method`).
    VerificationMethod {
        ConfirmationOfPayeeService = "CONFIRMATION_OF_PAYEE_SERVICE", OpenBanking = "OPEN_BANKING",
    }
);

/// `POST /verifications/v1/accounts` → `verifications`: who holds the account, whether that is
/// who you said, and its state. A bank that could not answer is a `FAILED` envelope instead
/// (`BANK_ISSUE`, `UNSUPPORTED_BY_BANK`, `DISABLED_BY_LEAN`, `GIVEN_INPUT_CANNOT_BE_VERIFIED`,
/// `LEAN_ERROR`): the call's error, with Lean's `granular_status_code`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountVerification {
    /// Whether the identifications you sent are the account holder's.
    #[serde(default)]
    pub account_ownership_verified: Option<bool>,
    /// A partial name match and its score (Lean's docs: "matching: partial" with a score);
    /// every recording sends `null`, so it is kept as JSON.
    #[serde(default)]
    pub matching: Option<Json>,
    /// The bank that holds the account, when Lean knows it.
    #[serde(default)]
    pub bank_details: Option<VerifiedBank>,
    /// `ACTIVE`, `BLOCKED`, `CLOSED`, `IN_LIQUIDATION`, …
    #[serde(default)]
    pub account_status: Option<VerifiedAccountStatus>,
    /// The holder's name as the bank has it (masked by some banks: `Cl**** Ac****`).
    #[serde(default)]
    pub account_holder_name: Option<String>,
    /// The account's currency, when the scheme says.
    #[serde(default)]
    pub account_currency: Option<String>,
    /// How Lean asked.
    #[serde(default)]
    pub verification_method: Option<VerificationMethod>,
}

/// The bank of a verified account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifiedBank {
    /// Its name in English and Arabic.
    #[serde(default)]
    pub bank_name: Option<LocalizedName>,
    /// Its identifiers (`BIC`, …).
    #[serde(default)]
    pub bank_identifiers: Vec<TypedValue>,
}

/// A `{type, value}` pair, as Lean writes identifiers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypedValue {
    /// What the value is (`BIC`, `IBAN`, `NATIONAL_ID`, …).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The value.
    #[serde(default)]
    pub value: Option<String>,
}

/// `POST /verifications/v2/entity` → `verifications`: whether a connected entity belongs to
/// the person or company you named, IBAN by IBAN.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EntityOwnershipVerification {
    /// Whether the entity is theirs.
    #[serde(default)]
    pub entity_ownership_verified: Option<bool>,
    /// How Lean verified (`OPEN_BANKING`).
    #[serde(default)]
    pub verification_method: Option<VerificationMethod>,
    /// Each IBAN of the entity and whether it is theirs.
    #[serde(default)]
    pub ibans: Vec<IbanOwnership>,
}

/// One IBAN of a verified entity.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IbanOwnership {
    /// The IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// Whether it is theirs.
    #[serde(default)]
    pub iban_ownership_verified: Option<bool>,
}

/// `POST /verifications/v2/beneficiary-name` → `verifications`: the name on an IBAN.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BeneficiaryName {
    /// The account holder's name.
    #[serde(default)]
    pub beneficiary_name: Option<String>,
    /// The account's state.
    #[serde(default)]
    pub account_status: Option<VerifiedAccountStatus>,
}

crate::enums::lean_enum!(
    /// Whether the certificate is the person's (`certificate_ownership_verified`).
    CertificateOwnership { Verified = "VERIFIED", NotVerified = "NOT_VERIFIED" }
);

crate::enums::lean_enum!(
    /// A freelance certificate's state.
    CertificateStatus {
        Active = "ACTIVE", Pending = "PENDING", Canceled = "CANCELED", Expired = "EXPIRED",
        Rejected = "REJECTED", Revoked = "REVOKED",
    }
);

crate::enums::lean_enum!(
    /// `gender`.
    Gender { Male = "MALE", Female = "FEMALE" }
);

/// `POST /verifications/v1/freelancers` → `verifications`: a freelancer and their
/// certificates (KSA's freelance register).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelancerVerification {
    /// Whether the certificate belongs to the national id you sent.
    #[serde(default)]
    pub certificate_ownership_verified: Option<CertificateOwnership>,
    /// The freelancer's national id.
    #[serde(default)]
    pub national_id: Option<String>,
    /// When it expires (Lean's sandbox sends Hijri years here, `1450-07-01`, as a date).
    #[serde(default)]
    pub national_id_expiry_date: Option<Date>,
    /// Their name (absent on a `BASIC` verification).
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// `MALE` or `FEMALE` (absent on a `BASIC` verification).
    #[serde(default)]
    pub gender: Option<Gender>,
    /// Their certificates (Lean names the list in the singular).
    #[serde(default)]
    pub certificate: Vec<FreelanceCertificate>,
}

/// One freelance certificate.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreelanceCertificate {
    /// Its number (`FL-013988291`).
    #[serde(default)]
    pub number: Option<String>,
    /// Its state.
    #[serde(default)]
    pub status: Option<CertificateStatus>,
    /// Issued on.
    #[serde(default)]
    pub issue_date: Option<Date>,
    /// Expires on.
    #[serde(default)]
    pub expiry_date: Option<Date>,
    /// When it was revoked.
    #[serde(default)]
    pub revoked_at: Option<Timestamp>,
    /// When it was canceled.
    #[serde(default)]
    pub canceled_at: Option<Timestamp>,
    /// The field of work.
    #[serde(default)]
    pub speciality: Option<Speciality>,
}

/// A freelancer's field of work.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Speciality {
    /// Its code (`SD001`).
    #[serde(default)]
    pub code: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: Option<LocalizedName>,
    /// Its category.
    #[serde(default)]
    pub category: Option<SpecialityCategory>,
}

/// The category of a speciality.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpecialityCategory {
    /// Its code (`IT001`).
    #[serde(default)]
    pub code: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: Option<LocalizedName>,
}
