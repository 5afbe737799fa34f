//! Payments, first part: payment intents, payment destinations (your application's and your
//! customers') and payment sources, with the paths and bodies of Lean's Node SDK (its seven
//! payment methods) and UAE collection. Either credential, as the Node SDK (app token) and the
//! collection (bearer) each call them.
//!
//! Creating an intent or a destination is never re-sent once Lean may have seen it
//! ([`Endpoint::is_idempotent`] is false): Lean does not key these requests, so a second send
//! could create a second one.

use super::*;
use crate::model::payments::{
    PaymentDestination, PaymentDestinationList, PaymentIntent, PaymentIntentList, PaymentSource,
    PaymentSourceList,
};
use crate::money::Currency;
use rust_decimal::Decimal;
use serde::Serialize;

fn text(name: &'static str, value: &str) -> Result<String, RequestError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 256 || v.chars().any(char::is_control) {
        return Err(RequestError::InvalidParameter {
            name,
            reason: "1 to 256 characters, no control characters",
        });
    }
    Ok(v.to_owned())
}

/// A Lean id in a path (a UUID): checked, so a path is never built from arbitrary text.
pub(super) fn path_id(name: &'static str, id: &str) -> Result<String, RequestError> {
    let ok = id.len() == 36
        && id.chars().enumerate().all(|(i, c)| {
            matches!(i, 8 | 13 | 18 | 23) == (c == '-') && (c == '-' || c.is_ascii_hexdigit())
        });
    if !ok {
        return Err(RequestError::InvalidParameter {
            name,
            reason: "a UUID, as Lean gives it",
        });
    }
    Ok(id.to_ascii_lowercase())
}

/// `POST /payments/v1/intents` with `{amount, currency, payment_destination_id?, customer_id,
/// description?}`: what a customer is to pay, and to whom. The amount is sent with exactly its
/// digits.
///
/// ```
/// use lean_proto::{CreatePaymentIntent, CustomerId, Currency};
/// let customer = CustomerId::parse("fe158075-97f9-4e30-a8b9-641597b689d6")?;
/// let intent = CreatePaymentIntent::new("5.00".parse()?, Currency::aed(), customer)?
///     .description("demo payment")?;
/// assert!(CreatePaymentIntent::new("0".parse()?, Currency::aed(),
///     CustomerId::parse("fe158075-97f9-4e30-a8b9-641597b689d6")?).is_err());
/// # let _ = intent;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatePaymentIntent {
    amount: Decimal,
    currency: Currency,
    customer_id: CustomerId,
    payment_destination_id: Option<String>,
    description: Option<String>,
}

#[derive(Serialize)]
struct IntentBody<'a> {
    #[serde(with = "crate::money::decimal")]
    amount: Decimal,
    currency: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_destination_id: Option<&'a str>,
    customer_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

impl CreatePaymentIntent {
    /// `amount` (more than zero, at most two decimals) in `currency` (three letters), paid by
    /// `customer_id`; to your application's default destination unless
    /// [`CreatePaymentIntent::destination`] says another.
    pub fn new(
        amount: Decimal,
        currency: Currency,
        customer_id: CustomerId,
    ) -> Result<Self, RequestError> {
        if amount <= Decimal::ZERO || amount.normalize().scale() > 2 {
            return Err(RequestError::InvalidParameter {
                name: "amount",
                reason: "more than zero, at most two decimals",
            });
        }
        let code = currency.as_str();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RequestError::InvalidParameter {
                name: "currency",
                reason: "an ISO 4217 code (AED, SAR, …)",
            });
        }
        Ok(CreatePaymentIntent {
            amount,
            currency,
            customer_id,
            payment_destination_id: None,
            description: None,
        })
    }

    /// Pays into this payment destination.
    pub fn destination(mut self, payment_destination_id: &str) -> Result<Self, RequestError> {
        self.payment_destination_id =
            Some(path_id("payment_destination_id", payment_destination_id)?);
        Ok(self)
    }

    /// What the payment is for (the customer sees it).
    pub fn description(mut self, description: &str) -> Result<Self, RequestError> {
        self.description = Some(text("description", description)?);
        Ok(self)
    }
}

impl Endpoint for CreatePaymentIntent {
    type Output = PaymentIntent;
    const NAME: &'static str = "create-payment-intent";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = IntentBody {
            amount: self.amount,
            currency: self.currency.as_str(),
            payment_destination_id: self.payment_destination_id.as_deref(),
            customer_id: self.customer_id.as_str(),
            description: self.description.as_deref(),
        };
        let bytes = json_bytes(Self::NAME, &body)?;
        build(
            Self::NAME,
            None,
            target,
            Method::POST,
            "/payments/v1/intents",
            Query::default(),
            Body::Json(bytes),
        )
    }

    /// Lean does not key intents: a second send could make a second intent.
    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `GET /payments/v1/intents/{payment_intent_id}`: an intent and its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPaymentIntent {
    payment_intent_id: String,
}

impl GetPaymentIntent {
    /// The intent.
    pub fn new(payment_intent_id: &str) -> Result<Self, RequestError> {
        Ok(GetPaymentIntent {
            payment_intent_id: path_id("payment_intent_id", payment_intent_id)?,
        })
    }

    /// The intent asked for.
    pub fn payment_intent_id(&self) -> &str {
        &self.payment_intent_id
    }
}

impl Endpoint for GetPaymentIntent {
    type Output = PaymentIntent;
    const NAME: &'static str = "payment-intent";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        get(
            Self::NAME,
            target,
            &format!("/payments/v1/intents/{}", self.payment_intent_id),
            Query::default(),
        )
    }
}

/// `GET /payments/v1/intents`: your application's intents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPaymentIntents {}

impl ListPaymentIntents {
    /// Every intent Lean lists.
    pub fn new() -> Self {
        ListPaymentIntents {}
    }
}

impl Endpoint for ListPaymentIntents {
    type Output = PaymentIntentList;
    const NAME: &'static str = "payment-intents";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        get(Self::NAME, target, "/payments/v1/intents", Query::default())
    }
}

/// `POST /payments/v1/destinations`: an account to be paid into, your application's or (with
/// [`CreatePaymentDestination::for_customer`]) a customer's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatePaymentDestination {
    customer_id: Option<CustomerId>,
    display_name: String,
    name: String,
    bank_identifier: String,
    address: String,
    city: String,
    country: String,
    account_number: String,
    iban: String,
    swift_code: String,
}

/// What a payment destination is: the account, its holder, its bank and address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DestinationDetails {
    /// What your users see.
    pub display_name: String,
    /// The account holder.
    pub name: String,
    /// Lean's bank identifier (`ENBD_UAE`, …).
    pub bank_identifier: String,
    /// The holder's address.
    pub address: String,
    /// The holder's city.
    pub city: String,
    /// ISO 3166 alpha-3 (`ARE`).
    pub country: String,
    /// The account number.
    pub account_number: String,
    /// The IBAN.
    pub iban: String,
    /// The bank's BIC.
    pub swift_code: String,
}

impl CreatePaymentDestination {
    /// Your application's destination.
    pub fn new(details: DestinationDetails) -> Result<Self, RequestError> {
        let d = details;
        Ok(CreatePaymentDestination {
            customer_id: None,
            display_name: text("display_name", &d.display_name)?,
            name: text("name", &d.name)?,
            bank_identifier: text("bank_identifier", &d.bank_identifier)?,
            address: text("address", &d.address)?,
            city: text("city", &d.city)?,
            country: text("country", &d.country)?,
            account_number: text("account_number", &d.account_number)?,
            iban: text("iban", &d.iban)?,
            swift_code: text("swift_code", &d.swift_code)?,
        })
    }

    /// A customer's destination instead of your application's.
    pub fn for_customer(mut self, customer_id: CustomerId) -> Self {
        self.customer_id = Some(customer_id);
        self
    }
}

impl Endpoint for CreatePaymentDestination {
    type Output = PaymentDestination;
    const NAME: &'static str = "create-payment-destination";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut body = serde_json::Map::new();
        if let Some(c) = &self.customer_id {
            body.insert("customer_id".into(), c.as_str().into());
        }
        for (k, v) in [
            ("display_name", &self.display_name),
            ("name", &self.name),
            ("bank_identifier", &self.bank_identifier),
            ("address", &self.address),
            ("city", &self.city),
            ("country", &self.country),
            ("account_number", &self.account_number),
            ("iban", &self.iban),
            ("swift_code", &self.swift_code),
        ] {
            body.insert(k.into(), v.clone().into());
        }
        build(
            Self::NAME,
            None,
            target,
            Method::POST,
            "/payments/v1/destinations",
            Query::default(),
            json_body(serde_json::Value::Object(body)),
        )
    }

    /// Lean does not key destinations: a second send could make a second one.
    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `GET /payments/v1/destinations` (your application's) or
/// `GET /customers/v1/{customer_id}/destinations` (a customer's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPaymentDestinations {
    customer_id: Option<CustomerId>,
}

impl ListPaymentDestinations {
    /// Your application's destinations.
    pub fn new() -> Self {
        Self::default()
    }

    /// A customer's destinations.
    pub fn of_customer(customer_id: CustomerId) -> Self {
        ListPaymentDestinations {
            customer_id: Some(customer_id),
        }
    }
}

impl Endpoint for ListPaymentDestinations {
    type Output = PaymentDestinationList;
    const NAME: &'static str = "payment-destinations";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        match &self.customer_id {
            Some(c) => get(
                Self::NAME,
                target,
                &format!("/customers/v1/{c}/destinations"),
                Query::default(),
            ),
            None => get(
                Self::NAME,
                target,
                "/payments/v1/destinations",
                Query::default(),
            ),
        }
    }
}

/// `GET /customers/v1/{customer_id}/payment-sources`: a customer's payment sources.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPaymentSources {
    customer_id: CustomerId,
}

impl ListPaymentSources {
    /// The customer's sources.
    pub fn new(customer_id: CustomerId) -> Self {
        ListPaymentSources { customer_id }
    }
}

impl Endpoint for ListPaymentSources {
    type Output = PaymentSourceList;
    const NAME: &'static str = "payment-sources";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        get(
            Self::NAME,
            target,
            &format!("/customers/v1/{}/payment-sources", self.customer_id),
            Query::default(),
        )
    }
}

/// `GET` or `DELETE /customers/v1/{customer_id}/payment-sources/{payment_source_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPaymentSource {
    customer_id: CustomerId,
    payment_source_id: String,
}

impl GetPaymentSource {
    /// One source of a customer.
    pub fn new(customer_id: CustomerId, payment_source_id: &str) -> Result<Self, RequestError> {
        Ok(GetPaymentSource {
            customer_id,
            payment_source_id: path_id("payment_source_id", payment_source_id)?,
        })
    }

    fn path(&self) -> String {
        format!(
            "/customers/v1/{}/payment-sources/{}",
            self.customer_id, self.payment_source_id
        )
    }
}

impl Endpoint for GetPaymentSource {
    type Output = PaymentSource;
    const NAME: &'static str = "payment-source";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        get(Self::NAME, target, &self.path(), Query::default())
    }
}

/// `DELETE /customers/v1/{customer_id}/payment-sources/{payment_source_id}`: the customer's
/// authorisation withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletePaymentSource(GetPaymentSource);

impl DeletePaymentSource {
    /// One source of a customer.
    pub fn new(customer_id: CustomerId, payment_source_id: &str) -> Result<Self, RequestError> {
        GetPaymentSource::new(customer_id, payment_source_id).map(DeletePaymentSource)
    }
}

impl Endpoint for DeletePaymentSource {
    type Output = Deleted;
    const NAME: &'static str = "delete-payment-source";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        build(
            Self::NAME,
            None,
            target,
            Method::DELETE,
            &self.0.path(),
            Query::default(),
            Body::Empty,
        )
    }
}
