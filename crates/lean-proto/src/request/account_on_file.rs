//! Account-on-file payments and payment consents (UAE): a long-lived consent the customer
//! authorises once in LinkSDK, then payments your backend initiates under it, and the consent's
//! details, history and list. Paths and bodies as Lean's UAE collection and docs give them
//! ("Create a new AoF consent", "Initiating a Payment"); the collection records the consents
//! under `/consents/…` and the list under `/consents/v1`, which are the paths used.
//!
//! A payment under a consent moves money, and Lean keys it: every [`InitiateAofPayment`]
//! carries an `Idempotency-Key` (yours, or one generated when the request is made), the same on
//! every send of that request value, so a retry after a lost answer gets Lean's first payment
//! back instead of a second one ([`Endpoint::is_idempotent`] is true *because* of the key).
//! Creating a consent is not keyed: it is never re-sent once Lean may have seen it.

use super::*;
use crate::model::payments::{
    AccountOnFileConsent, ConsentHistory, Payment, PaymentConsent, PaymentConsentList,
};
use crate::money::Currency;
use rust_decimal::Decimal;
use serde::Serialize;
use std::hash::{BuildHasher, Hasher};

/// The `Idempotency-Key` of a payment: the same on every send of one payment, a new one for
/// each payment. 1 to 255 visible ASCII characters; generated ones are random UUIDs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Your own key (an order id, say), checked.
    pub fn new(key: &str) -> Result<Self, RequestError> {
        let ok = !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(RequestError::InvalidParameter {
                name: "idempotency_key",
                reason: "1 to 255 visible ASCII characters",
            });
        }
        Ok(IdempotencyKey(key.to_owned()))
    }

    /// A fresh random key (a UUID v4 layout). Random from the process's OS-seeded hasher keys
    /// and a counter: unique without a clock, and without a dependency for randomness.
    pub fn generate() -> Self {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let half = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(n);
            h.write_u64(salt);
            h.finish()
        };
        let (hi, lo) = (half(1), half(2));
        let hi = (hi & !0xf000) | 0x4000; // version 4
        let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
        IdempotencyKey(format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        ))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn reference(name: &'static str, value: &str) -> Result<String, RequestError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 64 || v.chars().any(char::is_control) {
        return Err(RequestError::InvalidParameter {
            name,
            reason: "1 to 64 characters, no control characters",
        });
    }
    Ok(v.to_owned())
}

fn purpose(code: &str) -> Result<String, RequestError> {
    const CODES: [&str; 9] = [
        "FIS", "TCS", "MWP", "OAT", "IFS", "RNT", "LNC", "PIN", "GDS",
    ];
    let code = code.trim().to_ascii_uppercase();
    if CODES.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err(RequestError::InvalidParameter {
            name: "purpose",
            reason: "a payment purpose code Lean lists (FIS, TCS, MWP, OAT, IFS, RNT, LNC, PIN, GDS)",
        })
    }
}

fn positive_amount(name: &'static str, amount: Decimal) -> Result<Decimal, RequestError> {
    if amount <= Decimal::ZERO || amount.normalize().scale() > 2 {
        return Err(RequestError::InvalidParameter {
            name,
            reason: "more than zero, at most two decimals",
        });
    }
    Ok(amount)
}

fn post(
    name: &'static str,
    target: &Target<'_>,
    path: &str,
    body: &impl Serialize,
) -> Result<Request<Vec<u8>>, RequestError> {
    let bytes = json_bytes(name, body)?;
    build(
        name,
        None,
        target,
        Method::POST,
        path,
        Query::default(),
        Body::Json(bytes),
    )
}

/// A consent's limits (`control_parameters`): Lean's variable on-demand consent, per period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConsentLimits {
    /// `Day`, `Week`, `Month`, `Year` (Lean's recording: `Month`).
    pub period_type: String,
    /// The most one payment may be.
    #[serde(with = "crate::money::decimal")]
    pub max_individual_amount: Decimal,
    /// The most all payments may add up to over the consent's life.
    #[serde(
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_cumulative_amount: Option<Decimal>,
    /// The most payments over the consent's life.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cumulative_number_of_payments: Option<u64>,
    /// The most per period.
    #[serde(
        with = "crate::money::decimal_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_cumulative_amount_per_period: Option<Decimal>,
    /// The most payments per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cumulative_number_of_payments_per_period: Option<u64>,
}

impl ConsentLimits {
    /// At most `max_individual_amount` a payment, counted per `period_type`.
    pub fn new(period_type: &str, max_individual_amount: Decimal) -> Result<Self, RequestError> {
        let period = match period_type.trim().to_ascii_lowercase().as_str() {
            "day" => "Day",
            "week" => "Week",
            "month" => "Month",
            "year" => "Year",
            _ => {
                return Err(RequestError::InvalidParameter {
                    name: "period_type",
                    reason: "Day, Week, Month or Year",
                });
            }
        };
        Ok(ConsentLimits {
            period_type: period.to_owned(),
            max_individual_amount: positive_amount("max_individual_amount", max_individual_amount)?,
            max_cumulative_amount: None,
            max_cumulative_number_of_payments: None,
            max_cumulative_amount_per_period: None,
            max_cumulative_number_of_payments_per_period: None,
        })
    }
}

/// `POST /consents/account-on-file`: a consent for payments from the customer's account to your
/// destination, awaiting the customer's authorisation in LinkSDK. Never re-sent once Lean may
/// have seen it.
///
/// ```
/// use lean_proto::{ConsentLimits, CreateAofConsent, CustomerId, Currency};
/// let customer = CustomerId::parse("fe158075-97f9-4e30-a8b9-641597b689d6")?;
/// let limits = ConsentLimits::new("Month", "5000".parse()?)?;
/// let consent = CreateAofConsent::new(customer, "76043104-1882-465d-9997-07c532d5a2be",
///     Currency::aed(), "IP-007", "FIS", limits)?;
/// # let _ = consent;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateAofConsent {
    customer_id: CustomerId,
    destination_account_id: String,
    currency: String,
    reference: String,
    purpose: String,
    control_parameters: ConsentLimits,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_date_time: Option<crate::time::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_date_time: Option<crate::time::Timestamp>,
}

impl CreateAofConsent {
    /// A consent of `customer_id` to pay `destination_account_id` (your payment destination)
    /// in `currency`, under `reference` (≤ 64 characters) and `purpose` (a Lean purpose code),
    /// within `limits`.
    pub fn new(
        customer_id: CustomerId,
        destination_account_id: &str,
        currency: Currency,
        reference_text: &str,
        purpose_code: &str,
        limits: ConsentLimits,
    ) -> Result<Self, RequestError> {
        let code = currency.as_str();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RequestError::InvalidParameter {
                name: "currency",
                reason: "an ISO 4217 code (AED, SAR, …)",
            });
        }
        Ok(CreateAofConsent {
            customer_id,
            destination_account_id: payments::path_id(
                "destination_account_id",
                destination_account_id,
            )?,
            currency: code.to_owned(),
            reference: reference("reference", reference_text)?,
            purpose: purpose(purpose_code)?,
            control_parameters: limits,
            start_date_time: None,
            expiration_date_time: None,
        })
    }

    /// Valid from (default: when Lean creates it) until (default: Lean's).
    pub fn valid(
        mut self,
        from: Option<crate::time::Timestamp>,
        until: Option<crate::time::Timestamp>,
    ) -> Result<Self, RequestError> {
        if let (Some(f), Some(u)) = (from, until)
            && f >= u
        {
            return Err(RequestError::InvalidParameter {
                name: "expiration_date_time",
                reason: "after start_date_time",
            });
        }
        self.start_date_time = from;
        self.expiration_date_time = until;
        Ok(self)
    }
}

impl Endpoint for CreateAofConsent {
    type Output = AccountOnFileConsent;
    const NAME: &'static str = "create-aof-consent";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        post(Self::NAME, target, "/consents/account-on-file", self)
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `POST /payments/account-on-file` with `Idempotency-Key`: a payment under an authorised
/// consent, within its limits. Re-sent only with the same key (every send of this value carries
/// it), so Lean answers a retry with its first payment.
///
/// ```
/// use lean_proto::{IdempotencyKey, InitiateAofPayment};
/// let pay = InitiateAofPayment::new("86fe0be5-f7b4-45dd-9efd-4117481bf59d", "130.52".parse()?,
///     "FIS", "ACME-2025-001")?
///     .idempotency_key(IdempotencyKey::new("order-4321")?);
/// assert_eq!(pay.key().as_str(), "order-4321");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InitiateAofPayment {
    consent_id: String,
    amount: Decimal,
    purpose: String,
    reference: String,
    creditor_reference: Option<String>,
    key: IdempotencyKey,
}

#[derive(Serialize)]
struct AofPaymentBody<'a> {
    consent_id: &'a str,
    #[serde(with = "crate::money::decimal")]
    amount: Decimal,
    purpose: &'a str,
    reference: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    creditor_reference: Option<&'a str>,
}

impl InitiateAofPayment {
    /// `amount` (more than zero, at most two decimals; the consent's currency) under
    /// `consent_id`, for `purpose`, with your `reference` (≤ 64 characters). A fresh
    /// idempotency key is generated now; [`InitiateAofPayment::idempotency_key`] sets yours.
    pub fn new(
        consent_id: &str,
        amount: Decimal,
        purpose_code: &str,
        reference_text: &str,
    ) -> Result<Self, RequestError> {
        Ok(InitiateAofPayment {
            consent_id: payments::path_id("consent_id", consent_id)?,
            amount: positive_amount("amount", amount)?,
            purpose: purpose(purpose_code)?,
            reference: reference("reference", reference_text)?,
            creditor_reference: None,
            key: IdempotencyKey::generate(),
        })
    }

    /// Your key for this payment (one per intended payment: an order id, say). Keep it with
    /// the order: sending the same payment again later with it cannot pay twice.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.key = key;
        self
    }

    /// The creditor's reference (an invoice number), ≤ 64 characters.
    pub fn creditor_reference(mut self, text: &str) -> Result<Self, RequestError> {
        self.creditor_reference = Some(reference("creditor_reference", text)?);
        Ok(self)
    }

    /// The key every send of this payment carries.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }
}

impl Endpoint for InitiateAofPayment {
    type Output = Payment;
    const NAME: &'static str = "aof-payment";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = AofPaymentBody {
            consent_id: &self.consent_id,
            amount: self.amount,
            purpose: &self.purpose,
            reference: &self.reference,
            creditor_reference: self.creditor_reference.as_deref(),
        };
        let mut req = post(Self::NAME, target, "/payments/account-on-file", &body)?;
        let value = HeaderValue::from_str(self.key.as_str())
            .map_err(|_| RequestError::InvalidHeader("idempotency-key"))?;
        req.headers_mut().insert("idempotency-key", value);
        Ok(req)
    }

    /// Keyed: a second send is answered with the first payment.
    fn is_idempotent(&self) -> bool {
        true
    }
}

/// `GET /consents/{consent_id}`: a consent, its status and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetConsent {
    consent_id: String,
}

impl GetConsent {
    /// The consent.
    pub fn new(consent_id: &str) -> Result<Self, RequestError> {
        Ok(GetConsent {
            consent_id: payments::path_id("consent_id", consent_id)?,
        })
    }
}

impl Endpoint for GetConsent {
    type Output = PaymentConsent;
    const NAME: &'static str = "consent";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/consents/{}", self.consent_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /consents/{consent_id}/history`: what happened to a consent, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetConsentHistory {
    consent_id: String,
}

impl GetConsentHistory {
    /// The consent.
    pub fn new(consent_id: &str) -> Result<Self, RequestError> {
        Ok(GetConsentHistory {
            consent_id: payments::path_id("consent_id", consent_id)?,
        })
    }
}

impl Endpoint for GetConsentHistory {
    type Output = ConsentHistory;
    const NAME: &'static str = "consent-history";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/consents/{}/history", self.consent_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /consents/v1?customer_id=…&page_number=…&page_size=…`: the consents, a customer's or all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListConsents {
    customer_id: Option<CustomerId>,
    page_number: u32,
    page_size: u32,
}

impl Default for ListConsents {
    fn default() -> Self {
        ListConsents::new()
    }
}

impl ListConsents {
    /// Every consent, the first 100.
    pub fn new() -> Self {
        ListConsents {
            customer_id: None,
            page_number: 0,
            page_size: 100,
        }
    }

    /// A customer's consents.
    pub fn of_customer(customer_id: CustomerId) -> Self {
        ListConsents {
            customer_id: Some(customer_id),
            ..ListConsents::new()
        }
    }
}

impl Endpoint for ListConsents {
    type Output = PaymentConsentList;
    const NAME: &'static str = "consents";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        if let Some(c) = &self.customer_id {
            q.push("customer_id", &c);
        }
        paging(&mut q, self.page_number, self.page_size, "page_size")?;
        get(Self::NAME, target, "/consents/v1", q)
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page_number = page;
        true
    }

    fn page(&self) -> Option<u32> {
        Some(self.page_number)
    }

    fn page_size(&self) -> Option<u32> {
        Some(self.page_size)
    }

    fn set_page_size(&mut self, size: u32) -> bool {
        self.page_size = size;
        true
    }
}
