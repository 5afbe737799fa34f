//! The verification products against Lean's recordings: every recorded answer decodes into its
//! typed model with the values Lean sent (exact decimals, typed dates), every recorded outcome
//! (ok, blocked, closed, in liquidation, bank issue, unsupported by bank, disabled by Lean,
//! cannot be verified, Lean error, data not found, bad request) classifies as what it is, and
//! the requests are built as Lean's collections send them.

mod common;

use common::recordings::{Recorded, fixtures_root, load, recorded};
use lean_proto::*;
use rust_decimal::Decimal;
use std::str::FromStr;

fn data<P: Payload>(r: &Recorded) -> Data<P> {
    match classify::<P>(&r.response).unwrap_or_else(|e| panic!("{}: {e}", r.name)) {
        Outcome::Data(d) => d,
        other => panic!("{}: {}", r.name, other.class()),
    }
}

fn account_recordings() -> Vec<Recorded> {
    let mut out: Vec<Recorded> = std::fs::read_dir(fixtures_root().join("UAE"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("verifications__account-verification-api")
        })
        .map(|p| load(&p))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[test]
fn every_account_verification_outcome_lean_recorded_is_typed() {
    let all = account_recordings();
    assert_eq!(all.len(), 40, "recordings changed: update this test");
    let (mut ok, mut failed, mut errors) = (0, 0, 0);
    for r in &all {
        match classify::<AccountVerification>(&r.response).unwrap() {
            Outcome::Data(d) => {
                ok += 1;
                let v = d.payload;
                assert!(v.account_holder_name.is_some(), "{}", r.name);
                assert_eq!(
                    v.verification_method,
                    Some(VerificationMethod::ConfirmationOfPayeeService),
                    "{}",
                    r.name
                );
                let status = v.account_status.clone().unwrap();
                assert!(
                    !matches!(status, VerifiedAccountStatus::Unknown(_)),
                    "{}: {status:?}",
                    r.name
                );
                // Only an active account is verified as the holder's in Lean's sandbox.
                assert_eq!(
                    v.account_ownership_verified,
                    Some(status == VerifiedAccountStatus::Active),
                    "{}",
                    r.name
                );
                assert!(d.info.results_id.is_some(), "{}", r.name);
            }
            Outcome::Failed(f) => {
                failed += 1;
                let code = f.granular_status_code.clone().unwrap();
                assert!(!matches!(code, GranularStatusCode::Unknown(_)), "{code:?}");
                assert!(f.status_additional_info.is_some());
                assert!(
                    f.results_id.is_some(),
                    "a FAILED answer keeps its results_id"
                );
                let retryable = matches!(
                    code,
                    GranularStatusCode::BankIssue | GranularStatusCode::LeanError
                );
                assert_eq!(f.is_retryable(), retryable, "{}", r.name);
            }
            Outcome::ApiError(e) => {
                errors += 1;
                assert_eq!(e.http_status, 404);
                assert_eq!(e.code, Some(ErrorCode::DataNotFound));
            }
            other => panic!("{}: {}", r.name, other.class()),
        }
    }
    assert_eq!((ok, failed, errors), (30, 9, 1));
}

#[test]
fn account_verification_keeps_the_bank_and_the_masked_name() {
    let r = recorded(
        "verifications__account-verification-api-account-verification-sa-saudi-arabia__sa-saudi-arabia-closed__200.json",
    );
    let v = data::<AccountVerification>(&r).payload;
    assert_eq!(v.account_status, Some(VerifiedAccountStatus::Closed));
    assert_eq!(
        v.account_holder_name.as_deref(),
        Some("Cl**** Ac**** Ho****")
    );
    let bank = v.bank_details.unwrap();
    assert_eq!(bank.bank_name.unwrap().ar.as_deref(), Some("بنك مسقط"));
    assert_eq!(bank.bank_identifiers[0].kind.as_deref(), Some("BIC"));
    assert_eq!(bank.bank_identifiers[0].value.as_deref(), Some("BMUSSARI"));

    let r = recorded(
        "verifications__account-verification-api-account-verification-gb-united-kingdom__gb-united-kingdom-ok__200.json",
    );
    let v = data::<AccountVerification>(&r).payload;
    assert_eq!(v.account_currency.as_deref(), Some("GBP"));
    assert!(v.bank_details.is_none());
}

#[test]
fn cannot_be_verified_is_a_failure_that_is_not_retried() {
    let r = recorded(
        "verifications__account-verification-api-account-verification-ae-united-arab-emirates__ae-united-arab-emirates-given-input-cannot-be-verified__200.json",
    );
    let Outcome::Failed(f) = classify::<AccountVerification>(&r.response).unwrap() else {
        panic!()
    };
    assert_eq!(
        f.granular_status_code,
        Some(GranularStatusCode::GivenInputCannotBeVerified)
    );
    assert!(!f.is_retryable());
    assert_eq!(
        f.message.as_deref(),
        Some("Account cannot be verified in this case. Please do not retry.")
    );
}

#[test]
fn entity_ownership_lists_every_iban() {
    let r = recorded(
        "verifications__verify-entity-ownership-verify-entity-ownership__verify-entity-ownership__200.json",
    );
    let v = data::<EntityOwnershipVerification>(&r).payload;
    assert_eq!(v.entity_ownership_verified, Some(true));
    assert_eq!(v.verification_method, Some(VerificationMethod::OpenBanking));
    assert_eq!(v.ibans.len(), 7);
    assert_eq!(v.ibans[0].iban.as_deref(), Some("SA0236DZJWMCRI65147ERH2V"));
    assert!(
        v.ibans
            .iter()
            .all(|i| i.iban_ownership_verified == Some(true))
    );
}

#[test]
fn beneficiary_name_is_read() {
    let r = recorded(
        "verifications__beneficiary-name-get-beneficiary-name__get-beneficiary-name__200.json",
    );
    let v = data::<BeneficiaryName>(&r).payload;
    assert_eq!(v.beneficiary_name.as_deref(), Some("Adam Ahmed"));
    assert_eq!(v.account_status, Some(VerifiedAccountStatus::Active));
}

#[test]
fn business_verification_is_typed_exactly_for_every_recorded_type() {
    let name = |t: &str| {
        format!(
            "verifications__business-verification-corporates-business-verification__{t}-business-verification__200.json"
        )
    };
    let full = data::<CorporateVerification>(&recorded(&name("full"))).payload;
    assert_eq!(
        full.commercial_registration_capital,
        Some(Decimal::from_str("150000.03").unwrap())
    );
    assert_eq!(
        full.commercial_registry
            .as_ref()
            .unwrap()
            .national_number
            .as_deref(),
        Some("7001272184")
    );
    let issued = full.issue_date.as_ref().unwrap();
    assert_eq!(issued.gregorian.unwrap().to_string(), "2025-01-01");
    assert_eq!(issued.hijri.as_deref(), Some("01-07-1446"));
    let capital = full.capital_information.as_ref().unwrap();
    let cash = capital.contribution_capital.as_ref().unwrap();
    assert_eq!(
        cash.cash_capital,
        Some(Decimal::from_str("150000.03").unwrap())
    );
    assert_eq!(full.parties.as_ref().unwrap().len(), 4);
    let management = full.management.as_ref().unwrap();
    assert_eq!(management.managers.len(), 3);
    assert_eq!(full.liquidators.as_ref().unwrap().len(), 1);
    let stores = &full.e_commerce.as_ref().unwrap().e_store;
    assert_eq!(stores[0].store_url.as_deref(), Some("www.google.com"));

    let contract = data::<CorporateVerification>(&recorded(&name("contract"))).payload;
    assert_eq!(contract.contract_date.unwrap().to_string(), "2025-02-23");
    let decision = &contract.partner_decision.as_ref().unwrap()[0];
    assert_eq!(decision.approve_percentage, Some(Decimal::from(75)));
    let board = contract
        .management
        .as_ref()
        .unwrap()
        .management_board
        .as_ref()
        .unwrap();
    assert_eq!(board.term_years, Some(5));
    assert_eq!(contract.articles.as_ref().unwrap().len(), 1);

    let address = data::<CorporateVerification>(&recorded(&name("address"))).payload;
    let a = &address.addresses.as_ref().unwrap()[0];
    assert_eq!(a.post_code.as_deref(), Some("13516"));
    assert_eq!(a.latitude.as_deref(), Some("24.77540105"));
    assert!(address.company_name.is_none());

    let basic = data::<CorporateVerification>(&recorded(&name("basic"))).payload;
    assert_eq!(basic.activities.as_ref().unwrap().len(), 3);
    assert!(basic.management.is_none());
}

#[test]
fn managers_verification_keeps_the_powers() {
    let r = recorded(
        "verifications__business-verification-corporates-managers-managers-verification__managers-verification__200.json",
    );
    let v = data::<ManagersVerification>(&r).payload;
    assert_eq!(v.len(), 1);
    let m = &v[0];
    assert_eq!(
        m.identity.as_ref().unwrap().id.as_deref(),
        Some("1132381599")
    );
    assert_eq!(m.positions.len(), 2);
    assert_eq!(m.permissions[0].can_issue_poa, Some(true));
    assert_eq!(m.permissions[0].exercise_method_id, Some(1));
}

#[test]
fn freelancer_certificates_in_every_recorded_state() {
    let mut seen = Vec::new();
    for state in [
        "basic-verified",
        "full-list-verified",
        "full-verified-active",
        "full-verified-canceled",
        "full-verified-expired",
        "full-verified-pending",
        "full-verified-rejected",
        "full-verified-revoked",
    ] {
        let r = recorded(&format!(
            "verifications__freelancers-verification-verify-freelancer-certificate-information__{state}__200.json"
        ));
        let v = data::<FreelancerVerification>(&r).payload;
        assert_eq!(
            v.certificate_ownership_verified,
            Some(CertificateOwnership::Verified)
        );
        assert!(!v.certificate.is_empty(), "{state}");
        for c in &v.certificate {
            let s = c.status.clone().unwrap();
            assert!(!matches!(s, CertificateStatus::Unknown(_)), "{s:?}");
            seen.push(s);
        }
    }
    for s in CertificateStatus::KNOWN {
        assert!(seen.contains(s), "{s:?} never recorded");
    }
    let r = recorded(
        "verifications__freelancers-verification-verify-freelancer-certificate-information__full-verified-revoked__200.json",
    );
    let c = &data::<FreelancerVerification>(&r).payload.certificate[0];
    assert_eq!(c.revoked_at.unwrap().to_string(), "2024-05-15T00:00:00Z");
}

#[test]
fn freelancer_errors_classify_with_their_status() {
    for (state, status) in [
        ("bad-request-due-to-invalid-input-parameters__400", 400),
        ("not-allowed-to-perform-the-operation__403", 403),
        (
            "unauthorized-due-to-invalid-or-missing-authentication__401",
            401,
        ),
    ] {
        let r = recorded(&format!(
            "verifications__freelancers-verification-verify-freelancer-certificate-information__{state}.json"
        ));
        let Outcome::ApiError(e) = classify::<FreelancerVerification>(&r.response).unwrap() else {
            panic!("{state}")
        };
        assert_eq!(e.http_status, status);
        if status == 400 {
            assert_eq!(e.code, Some(ErrorCode::InvalidParameters));
        }
    }
}

fn target_body<E: Endpoint>(e: &E) -> (String, serde_json::Value) {
    let base = lean_proto::config::BaseUrl::parse("https://sandbox.leantech.me").unwrap();
    let token = lean_proto::secret::Secret::new("t".to_owned());
    let target = Target {
        api_base: &base,
        auth: Auth::Bearer(&token),
        correlation_id: None,
    };
    let req = e.build(&target).unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert!(!e.is_idempotent(), "{}: billed, never re-sent", E::NAME);
    (
        req.uri().path().to_owned(),
        serde_json::from_slice(req.body()).unwrap(),
    )
}

#[test]
fn requests_are_built_as_lean_s_collections_send_them() {
    let (path, body) = target_body(
        &VerifyAccount::iban(
            "SA45 7661 5857 4768 9119 7381",
            VerificationAccountType::Personal,
            vec![Identification::national_id("1234567890").unwrap()],
        )
        .unwrap(),
    );
    assert_eq!(path, "/verifications/v1/accounts");
    assert_eq!(
        body,
        serde_json::json!({"country_code": "SA", "type": "PERSONAL",
            "account_details": {"type": "IBAN", "value": "SA4576615857476891197381"},
            "identifications": [{"type": "NATIONAL_ID", "value": "1234567890"}]})
    );
    let (_, body) = target_body(
        &VerifyAccount::account_number(
            "id",
            "1122334455",
            VerificationAccountType::Personal,
            vec![Identification::full_name("FIRA DIYANKA").unwrap()],
        )
        .unwrap()
        .bic("CENAIDJA")
        .unwrap(),
    );
    assert_eq!(body["country_code"], "ID");
    assert_eq!(body["account_details"]["type"], "ACCOUNT_ID");
    assert_eq!(
        body["bank_identifier"],
        serde_json::json!({"type": "BIC", "value": "CENAIDJA"})
    );

    let entity = EntityId::parse("a5b20a61-157a-400e-8588-738523ba6431").unwrap();
    let (path, body) = target_body(
        &VerifyEntity::new(
            entity,
            vec![Identification::national_id("1106972886").unwrap()],
        )
        .unwrap(),
    );
    assert_eq!(path, "/verifications/v2/entity");
    assert_eq!(body["entity_id"], "a5b20a61-157a-400e-8588-738523ba6431");

    let (path, body) = target_body(&GetBeneficiaryName::new("SA2810000011100000461309").unwrap());
    assert_eq!(path, "/verifications/v2/beneficiary-name");
    assert_eq!(
        body,
        serde_json::json!({"iban": "SA2810000011100000461309"})
    );

    let (path, body) =
        target_body(&VerifyCorporate::new(CorporateVerificationType::Full, "7001272184").unwrap());
    assert_eq!(path, "/verifications/v1/corporates");
    assert_eq!(
        body,
        serde_json::json!({"type": "FULL", "language": "en",
            "identifications": [{"type": "UNIFIED_NUMBER", "value": "7001272184"}]})
    );

    let (path, body) = target_body(&VerifyManagers::new("7001272184", "1132381599").unwrap());
    assert_eq!(path, "/verifications/v1/corporates/managers");
    assert_eq!(
        body,
        serde_json::json!({"language": "en", "identifications": [
            {"type": "UNIFIED_NUMBER", "value": "7001272184"},
            {"type": "NATIONAL_ID", "value": "1132381599"}]})
    );

    let (path, body) = target_body(
        &VerifyFreelancer::new(
            FreelancerVerificationType::Full,
            vec![
                Identification::national_id("1106972886").unwrap(),
                Identification::freelancer_number("FL-013988291").unwrap(),
            ],
        )
        .unwrap(),
    );
    assert_eq!(path, "/verifications/v1/freelancers");
    assert_eq!(body["type"], "FULL");
    assert_eq!(body["identifications"][1]["type"], "FREELANCER_NUMBER");
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let personal = VerificationAccountType::Personal;
    let id = || vec![Identification::full_name("A B").unwrap()];
    for iban in [
        "",
        "SA",
        "1234567890123456",
        "SA4X76615857476891197381",
        "SA45-7661-5857-4768",
    ] {
        assert!(
            VerifyAccount::iban(iban, personal.clone(), id()).is_err(),
            "{iban:?}"
        );
    }
    assert!(VerifyAccount::iban("SA4576615857476891197381", personal.clone(), vec![]).is_err());
    assert!(VerifyAccount::account_number("USA", "1", personal.clone(), id()).is_err());
    assert!(VerifyAccount::account_number("US", " ", personal, id()).is_err());
    assert!(Identification::national_id("12\n34").is_err());
    assert!(Identification::full_name("x".repeat(257)).is_err());
    assert!(GetBeneficiaryName::new("not an iban").is_err());
    assert!(VerifyCorporate::new(CorporateVerificationType::Basic, "").is_err());
    assert!(VerifyManagers::new("7001272184", "").is_err());
    assert!(VerifyFreelancer::new(FreelancerVerificationType::Basic, vec![]).is_err());
    let entity = EntityId::parse("a5b20a61-157a-400e-8588-738523ba6431").unwrap();
    assert!(VerifyEntity::new(entity, vec![]).is_err());
}
