//! The verification commands: `verify-account`, `verify-entity`, `beneficiary-name`,
//! `verify-corporate`, `verify-managers`, `verify-freelancer`. Each builds its request from
//! flags (bad input is refused before anything is sent, exit 2) and prints Lean's answer as
//! JSON. A bank that could not answer exits 1 with Lean's `granular_status_code`. None is ever
//! sent twice: Lean bills each verification.

use crate::session::Session;
use crate::{Fail, Target};
use clap::Args;
use lean_proto::*;

fn usage(e: RequestError) -> Fail {
    Fail(format!("error: {e}"), crate::exit::USAGE)
}

/// Who you say the holder is, as `identifications`.
#[derive(Args, Clone)]
pub(crate) struct Who {
    /// FULL_NAME: the holder's name.
    #[arg(long)]
    name: Option<String>,
    /// NATIONAL_ID: Emirates ID, Saudi national id or iqama.
    #[arg(long)]
    national_id: Option<String>,
    /// REGISTRATION_ID: a company's registration (trade licence, CR, VAT number).
    #[arg(long)]
    registration_id: Option<String>,
}

impl Who {
    fn identifications(&self) -> Result<Vec<Identification>, Fail> {
        let mut out = Vec::new();
        if let Some(v) = &self.name {
            out.push(Identification::full_name(v.as_str()).map_err(usage)?);
        }
        if let Some(v) = &self.national_id {
            out.push(Identification::national_id(v.as_str()).map_err(usage)?);
        }
        if let Some(v) = &self.registration_id {
            out.push(Identification::registration_id(v.as_str()).map_err(usage)?);
        }
        if out.is_empty() {
            return Err(Fail(
                "error: say who holds it: --name, --national-id or --registration-id".into(),
                crate::exit::USAGE,
            ));
        }
        Ok(out)
    }
}

/// `lean verify-account`.
#[derive(Args, Clone)]
pub(crate) struct AccountArgs {
    /// The IBAN (its country is the one asked).
    #[arg(long, conflicts_with_all = ["account_number", "country"])]
    iban: Option<String>,
    /// A local account number, with --country (and usually --bic or --clearing-id).
    #[arg(long, requires = "country")]
    account_number: Option<String>,
    /// ISO 3166 alpha-2 country of --account-number.
    #[arg(long)]
    country: Option<String>,
    /// PERSONAL, BUSINESS or FREELANCER.
    #[arg(long, default_value = "PERSONAL")]
    account_type: String,
    #[command(flatten)]
    who: Who,
    /// The bank's BIC.
    #[arg(long, conflicts_with = "clearing_id")]
    bic: Option<String>,
    /// The bank's national clearing code (India's IFSC, …).
    #[arg(long)]
    clearing_id: Option<String>,
}

impl AccountArgs {
    fn request(&self) -> Result<VerifyAccount, Fail> {
        let kind = VerificationAccountType::from(self.account_type.to_ascii_uppercase().as_str());
        let ids = self.who.identifications()?;
        let mut req = match (&self.iban, &self.account_number, &self.country) {
            (Some(iban), _, _) => VerifyAccount::iban(iban, kind, ids),
            (None, Some(number), Some(country)) => {
                VerifyAccount::account_number(country, number, kind, ids)
            }
            _ => {
                return Err(Fail(
                    "error: --iban, or --account-number with --country".into(),
                    crate::exit::USAGE,
                ));
            }
        }
        .map_err(usage)?;
        if let Some(bic) = &self.bic {
            req = req.bic(bic).map_err(usage)?;
        }
        if let Some(code) = &self.clearing_id {
            req = req.clearing_id(code).map_err(usage)?;
        }
        Ok(req)
    }
}

/// `lean verify-entity`.
#[derive(Args, Clone)]
pub(crate) struct EntityArgs {
    #[command(flatten)]
    e: crate::data::EntityFlag,
    #[command(flatten)]
    who: Who,
}

/// `lean beneficiary-name`.
#[derive(Args, Clone)]
pub(crate) struct BeneficiaryArgs {
    /// The IBAN.
    #[arg(long)]
    iban: String,
}

/// `lean verify-corporate`.
#[derive(Args, Clone)]
pub(crate) struct CorporateArgs {
    /// The company's unified national number (`700…`).
    #[arg(long)]
    unified_number: String,
    /// How much of the record: BASIC, FULL, CONTRACT or ADDRESS.
    #[arg(long = "type", default_value = "BASIC")]
    kind: String,
    /// The answer's language: en or ar.
    #[arg(long, default_value = "en")]
    language: String,
}

/// `lean verify-managers`.
#[derive(Args, Clone)]
pub(crate) struct ManagersArgs {
    /// The company's unified national number (`700…`).
    #[arg(long)]
    unified_number: String,
    /// The manager's national id.
    #[arg(long)]
    national_id: String,
    /// The answer's language: en or ar.
    #[arg(long, default_value = "en")]
    language: String,
}

/// `lean verify-freelancer`.
#[derive(Args, Clone)]
pub(crate) struct FreelancerArgs {
    /// The freelancer's national id.
    #[arg(long)]
    national_id: Option<String>,
    /// The certificate's number (`FL-…`).
    #[arg(long)]
    freelancer_number: Option<String>,
    /// How much of the record: BASIC or FULL.
    #[arg(long = "type", default_value = "FULL")]
    kind: String,
}

fn language(text: &str) -> Result<RegisterLanguage, Fail> {
    match RegisterLanguage::from(text.to_ascii_lowercase().as_str()) {
        RegisterLanguage::Unknown(_) => Err(Fail(
            "error: --language is en or ar".into(),
            crate::exit::USAGE,
        )),
        l => Ok(l),
    }
}

/// Runs `verify-account`.
pub(crate) fn account(session: &Session, a: &AccountArgs) -> Result<(), Fail> {
    session.single(a.request()?)
}

/// Runs `verify-entity`.
pub(crate) fn entity(session: &Session, a: &EntityArgs) -> Result<(), Fail> {
    let t = Target::entity_only(a.e.entity.clone());
    let req = VerifyEntity::new(session.entity(&t)?, a.who.identifications()?).map_err(usage)?;
    session.single(req)
}

/// Runs `beneficiary-name`.
pub(crate) fn beneficiary(session: &Session, a: &BeneficiaryArgs) -> Result<(), Fail> {
    session.single(GetBeneficiaryName::new(&a.iban).map_err(usage)?)
}

/// Runs `verify-corporate`.
pub(crate) fn corporate(session: &Session, a: &CorporateArgs) -> Result<(), Fail> {
    let kind = CorporateVerificationType::from(a.kind.to_ascii_uppercase().as_str());
    let mut req = VerifyCorporate::new(kind, &a.unified_number).map_err(usage)?;
    req.language = language(&a.language)?;
    session.single(req)
}

/// Runs `verify-managers`.
pub(crate) fn managers(session: &Session, a: &ManagersArgs) -> Result<(), Fail> {
    let mut req = VerifyManagers::new(&a.unified_number, &a.national_id).map_err(usage)?;
    req.language = language(&a.language)?;
    session.single(req)
}

/// Runs `verify-freelancer`.
pub(crate) fn freelancer(session: &Session, a: &FreelancerArgs) -> Result<(), Fail> {
    let mut ids = Vec::new();
    if let Some(v) = &a.national_id {
        ids.push(Identification::national_id(v.as_str()).map_err(usage)?);
    }
    if let Some(v) = &a.freelancer_number {
        ids.push(Identification::freelancer_number(v.as_str()).map_err(usage)?);
    }
    let kind = FreelancerVerificationType::from(a.kind.to_ascii_uppercase().as_str());
    session.single(VerifyFreelancer::new(kind, ids).map_err(usage)?)
}
