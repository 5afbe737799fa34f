//! The typed events Lean sends, and [`WebhookEvent::parse`]: unknown types are kept, not
//! refused (Lean adds types without notice).

use super::{WebhookError, push_hex};
use crate::ids::{CustomerId, EntityId, ResultsId};
use crate::model::data::Json;
use crate::model::refresh::Refresh;
use crate::response::{FieldError, parse_at};
use crate::time::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// `entity.created` / `entity.updated` payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct EntityEvent {
    /// The `entity_id`.
    pub id: EntityId,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// Your user id.
    #[serde(default)]
    pub app_user_id: Option<String>,
    /// Granted permissions (`accounts`, `transactions`, …).
    #[serde(default)]
    pub permissions: Vec<crate::enums::Permission>,
    /// The bank (identifier, name, colours, …), as sent.
    #[serde(default)]
    pub bank_details: Option<Json>,
}

/// `entity.reconnected` payload (v1).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct EntityReconnected {
    /// The `entity_id`.
    pub id: EntityId,
    /// The reconnect that finished.
    #[serde(default)]
    pub reconnect_id: Option<String>,
}

/// `bank.availability.updated` payload: a bank's data or payments went down or came back.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct BankAvailabilityEvent {
    /// The bank (`bank_identifier`).
    pub identifier: String,
    /// What works now.
    #[serde(default)]
    pub availability: Option<crate::model::customer::Availability>,
}

/// `iban_account_verification.bank.availability.updated` payload, as Lean documents it
/// (docs.leantech.me, "Managing Account Verification availability"): the bank by country and
/// `bank_code` (digits 5 and 6 of an IBAN), and what is on, globally and per account type.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct IbanAvailabilityEvent {
    /// `SA`, `AE`, ...
    #[serde(default)]
    pub country_code: Option<String>,
    /// The bank's code within its country's IBANs.
    #[serde(default)]
    pub bank_code: Option<String>,
    /// What is on now.
    #[serde(default)]
    pub availability: Option<IbanAvailability>,
}

/// IBAN account verification availability of one bank.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct IbanAvailability {
    /// The bank as a whole: disabled, every verification for its IBANs is refused.
    #[serde(default)]
    pub global: Option<crate::enums::Enablement>,
    /// Per account type.
    #[serde(default)]
    pub account_type: Option<IbanAccountTypes>,
}

/// Availability per account type.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct IbanAccountTypes {
    /// Personal accounts.
    #[serde(default)]
    pub personal: Option<MatchEnablement>,
    /// Freelancer accounts.
    #[serde(default)]
    pub freelancer: Option<MatchEnablement>,
    /// Business accounts.
    #[serde(default)]
    pub business: Option<MatchEnablement>,
}

/// Whether matching and non-matching outcomes are given for an account type.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct MatchEnablement {
    /// `match`.
    #[serde(default, rename = "match")]
    pub matched: Option<crate::enums::Enablement>,
    /// `no_match`.
    #[serde(default)]
    pub no_match: Option<crate::enums::Enablement>,
}

/// `payment_intent.created`, `payment.created`, `payment.updated` payload (amounts exact).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct PaymentEvent {
    /// The payment's id (absent on `payment_intent.created`).
    #[serde(default)]
    pub id: Option<String>,
    /// The payment intent.
    #[serde(default)]
    pub intent_id: Option<String>,
    /// `ACCEPTED_BY_BANK`, `INTENT_CREATED`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The amount, exact.
    #[serde(default, with = "crate::money::decimal_opt")]
    pub amount: Option<rust_decimal::Decimal>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// Where the money goes.
    #[serde(default)]
    pub payment_destination_id: Option<String>,
    /// The bank's reference.
    #[serde(default)]
    pub bank_transaction_reference: Option<String>,
    /// Your reason text.
    #[serde(default)]
    pub reason: Option<String>,
    /// Your metadata, as sent.
    #[serde(default)]
    pub metadata: Option<Json>,
}

/// `payment_source.created` / `payment_source.updated` payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct PaymentSourceEvent {
    /// The payment source.
    pub id: String,
    /// `ACTIVE`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The bank.
    #[serde(default)]
    pub bank_identifier: Option<String>,
    /// The bank's name.
    #[serde(default)]
    pub bank_name: Option<String>,
}

/// `payment_source.beneficiary.created` / `.updated` payload.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct BeneficiaryEvent {
    /// The beneficiary.
    pub id: String,
    /// `ACTIVE`, …
    #[serde(default)]
    pub status: Option<String>,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The payment source it belongs to.
    #[serde(default)]
    pub payment_source_id: Option<String>,
    /// The destination it pays.
    #[serde(default)]
    pub payment_destination_id: Option<String>,
    /// The source's bank.
    #[serde(default)]
    pub payment_source_bank_identifier: Option<String>,
}

#[derive(Deserialize)]
struct ResultsReady {
    id: ResultsId,
}

/// A webhook event. Types this SDK does not know are kept as type + raw payload.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventKind {
    /// `results.ready`: the results of `results_id` can be fetched.
    ResultsReady {
        /// The request whose results are ready.
        results_id: ResultsId,
    },
    /// `entity.created`.
    EntityCreated(EntityEvent),
    /// `entity.updated` (consent changed).
    EntityUpdated(EntityEvent),
    /// `entity.reconnected` (v1).
    EntityReconnected(EntityReconnected),
    /// `entity.data.refresh.updated`.
    DataRefreshUpdated(Refresh),
    /// `bank.availability.updated`.
    BankAvailabilityUpdated(BankAvailabilityEvent),
    /// `iban_account_verification.bank.availability.updated`.
    IbanVerificationBankAvailabilityUpdated(IbanAvailabilityEvent),
    /// `payment_intent.created`.
    PaymentIntentCreated(PaymentEvent),
    /// `payment.created`.
    PaymentCreated(PaymentEvent),
    /// `payment.updated`.
    PaymentUpdated(PaymentEvent),
    /// `payment.transaction` (Lean documents the type, not its payload: kept as sent).
    PaymentTransaction(Json),
    /// `payment_source.created`.
    PaymentSourceCreated(PaymentSourceEvent),
    /// `payment_source.updated`.
    PaymentSourceUpdated(PaymentSourceEvent),
    /// `payment_source.beneficiary.created`.
    PaymentSourceBeneficiaryCreated(BeneficiaryEvent),
    /// `payment_source.beneficiary.updated`.
    PaymentSourceBeneficiaryUpdated(BeneficiaryEvent),
    /// A type this SDK does not know yet (Lean adds them without notice), kept as sent.
    Other {
        /// The `type`.
        kind: String,
        /// The `payload`.
        payload: Option<Json>,
    },
}

/// An `event_id`, the key Lean's webhooks are deduplicated on. Lean's are UUIDs and are held
/// inline (no allocation per webhook); any other text is kept as well.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(crate::text::SmallText<40>);

impl EventId {
    /// An id as sent.
    pub fn new(id: &str) -> Self {
        EventId(crate::text::SmallText::new(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::ops::Deref for EventId {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({:?})", self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::with_str(d, "an event id", |s| {
            Ok::<_, std::convert::Infallible>(EventId::new(s))
        })
    }
}

/// Every `type` this SDK knows, so that the name of a known event costs no allocation.
const KNOWN_KINDS: &[&str] = &[
    "results.ready",
    "entity.created",
    "entity.updated",
    "entity.reconnected",
    "entity.data.refresh.updated",
    "bank.availability.updated",
    "iban_account_verification.bank.availability.updated",
    "payment_intent.created",
    "payment.created",
    "payment.updated",
    "payment.transaction",
    "payment_source.created",
    "payment_source.updated",
    "payment_source.beneficiary.created",
    "payment_source.beneficiary.updated",
];

fn known_kind(kind: &str) -> Option<&'static str> {
    KNOWN_KINDS.iter().find(|k| **k == kind).copied()
}

/// A webhook as Lean sends it: `{type, payload, message, timestamp, event_id}`.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// `event_id` (absent in Lean's oldest events); the key for deduplication.
    pub event_id: Option<EventId>,
    /// The `type` exactly as sent.
    pub kind_name: std::borrow::Cow<'static, str>,
    /// Human text.
    pub message: Option<String>,
    /// When Lean emitted it.
    pub timestamp: Option<Timestamp>,
    /// The typed event.
    pub kind: EventKind,
    /// For events without an `event_id`: the key computed while the body was at hand (see
    /// [`WebhookEvent::dedupe_key`]).
    body_key: Option<String>,
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    payload: Option<&'a RawValue>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    timestamp: Option<Timestamp>,
    #[serde(default)]
    event_id: Option<EventId>,
}

impl WebhookEvent {
    /// Parses a webhook body (verify it first: [`super::WebhookSecret::verify_and_parse`]).
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        // Borrowed: `type` and `payload` are read in place; the payload is parsed once more,
        // into its own type, from the same bytes.
        let raw: RawEvent<'_> =
            crate::response::parse_borrowed_at(body, "").map_err(WebhookError::Decode)?;
        let payload_of = |path: &str| {
            raw.payload
                .filter(|p| p.get() != "null")
                .ok_or_else(|| WebhookError::Decode(FieldError::missing(path)))
        };
        let at = |p: &RawValue| p.get().as_bytes().to_vec();
        fn typed<T: serde::de::DeserializeOwned>(
            payload: &Option<&RawValue>,
        ) -> Result<T, WebhookError> {
            let p = payload
                .filter(|p| p.get() != "null")
                .ok_or_else(|| WebhookError::Decode(FieldError::missing("payload")))?;
            parse_at(p.get().as_bytes(), "payload").map_err(WebhookError::Decode)
        }
        let kind = match raw.kind.as_ref() {
            "results.ready" => {
                // Lean's payload is exactly `{"id":"<results_id>"}`: read it in place; any
                // other spelling (spaces, more keys) goes through serde.
                let fast = raw.payload.and_then(|p| {
                    let id = p.get().strip_prefix(r#"{"id":""#)?.strip_suffix(r#""}"#)?;
                    ResultsId::parse(id).ok()
                });
                let results_id = match fast {
                    Some(id) => id,
                    None => typed::<ResultsReady>(&raw.payload)?.id,
                };
                EventKind::ResultsReady { results_id }
            }
            "entity.created" => EventKind::EntityCreated(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "entity.updated" => EventKind::EntityUpdated(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "entity.reconnected" => EventKind::EntityReconnected(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "entity.data.refresh.updated" => EventKind::DataRefreshUpdated(
                parse_at(&at(payload_of("payload")?), "payload").map_err(WebhookError::Decode)?,
            ),
            "bank.availability.updated" => EventKind::BankAvailabilityUpdated(typed(&raw.payload)?),
            "iban_account_verification.bank.availability.updated" => {
                EventKind::IbanVerificationBankAvailabilityUpdated(typed(&raw.payload)?)
            }
            "payment_intent.created" => EventKind::PaymentIntentCreated(typed(&raw.payload)?),
            "payment.created" => EventKind::PaymentCreated(typed(&raw.payload)?),
            "payment.updated" => EventKind::PaymentUpdated(typed(&raw.payload)?),
            "payment.transaction" => {
                EventKind::PaymentTransaction(payload_of("payload")?.to_owned())
            }
            "payment_source.created" => EventKind::PaymentSourceCreated(typed(&raw.payload)?),
            "payment_source.updated" => EventKind::PaymentSourceUpdated(typed(&raw.payload)?),
            "payment_source.beneficiary.created" => {
                EventKind::PaymentSourceBeneficiaryCreated(typed(&raw.payload)?)
            }
            "payment_source.beneficiary.updated" => {
                EventKind::PaymentSourceBeneficiaryUpdated(typed(&raw.payload)?)
            }
            other => EventKind::Other {
                kind: other.to_owned(),
                payload: raw.payload.map(RawValue::to_owned),
            },
        };
        // Old events have no event_id: key them by a digest of the exact body, so that two
        // different events never collide and a redelivery of the same bytes still does.
        let body_key = match &raw.event_id {
            Some(_) => None,
            None => {
                use sha2::Digest;
                let digest = sha2::Sha512::digest(body);
                let mut key = format!("{}:body:", raw.kind);
                push_hex(&mut key, &digest[..16]);
                Some(key)
            }
        };
        Ok(WebhookEvent {
            body_key,
            event_id: raw.event_id,
            kind_name: known_kind(&raw.kind)
                .map(std::borrow::Cow::Borrowed)
                .unwrap_or_else(|| std::borrow::Cow::Owned(raw.kind.into_owned())),
            message: raw.message,
            timestamp: raw.timestamp,
            kind,
        })
    }

    /// The key to deduplicate on: `event_id`; for old events without one, the type and a
    /// digest of the body as received (two different events never collide; a redelivery of
    /// the same bytes is still a duplicate).
    pub fn dedupe_key(&self) -> &str {
        match (&self.event_id, &self.body_key) {
            (Some(id), _) => id.as_str(),
            (None, Some(k)) => k,
            (None, None) => "",
        }
    }
}
