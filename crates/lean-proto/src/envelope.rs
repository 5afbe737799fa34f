//! The happy path of [`crate::classify`] for payloads read from one key of the envelope
//! (`data`: the collections; `payload`: v1; `insights`; `verifications`): the envelope and its
//! payload in one pass over the body, the payload decoded where it lies instead of captured raw
//! and parsed a second time.
//!
//! It only ever answers "here is an OK answer and its payload", or nothing: anything else (a
//! PENDING, a FAILED, a `data` that does not decode, a body that is not JSON) goes to the
//! two-pass path in `response.rs`, which stays the one place that classifies answers and names
//! the field a failure is at. So this module may be fast, never different.

use crate::enums::EnvelopeStatus;
use crate::model::data::Json;
use crate::response::{Payload, Shape};
use crate::time::Timestamp;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::marker::PhantomData;

/// An OK answer read in one pass.
pub(crate) struct OnePass<P> {
    pub(crate) payload: P,
    pub(crate) results_id: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) meta: Option<Json>,
    pub(crate) timestamp: Option<Timestamp>,
    pub(crate) refreshed_at: Option<Timestamp>,
    pub(crate) kind: Option<String>,
}

/// The body as an OK answer with its payload under its key, or `None` (let the two-pass path
/// say what it is).
pub(crate) fn ok_in_one_pass<P: Payload>(body: &[u8]) -> Option<OnePass<P>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let read = EnvelopeSeed::<P>(body.len(), PhantomData)
        .deserialize(&mut de)
        .ok()?;
    de.end().ok()?;
    read
}

/// The envelope of a body of this length (for the payload to make room ahead).
struct EnvelopeSeed<P>(usize, PhantomData<fn() -> P>);

impl<'de, P: Payload> DeserializeSeed<'de> for EnvelopeSeed<P> {
    type Value = Option<OnePass<P>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

/// The payload's key, decoded as the payload (`null`: none), in a body of this length.
struct DataSeed<P>(usize, PhantomData<fn() -> P>);

impl<'de, P: Payload> DeserializeSeed<'de> for DataSeed<P> {
    type Value = Option<P>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, P: Payload> Visitor<'de> for DataSeed<P> {
    type Value = Option<P>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the payload")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        P::deserialize_data(d, self.0).map(Some)
    }
}

/// A duplicate key: an answer to leave to the two-pass path, which refuses it.
fn duplicate<E: serde::de::Error>(key: &'static str) -> E {
    E::duplicate_field(key)
}

impl<'de, P: Payload> Visitor<'de> for EnvelopeSeed<P> {
    type Value = Option<OnePass<P>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lean's answer envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut status: Option<Option<EnvelopeStatus>> = None;
        let mut data: Option<Option<P>> = None;
        let mut results_id = None;
        let mut message = None;
        let mut meta = None;
        let mut timestamp = None;
        let mut refreshed_at = None;
        let mut kind = None;
        // Read as the two-pass envelope reads them, so that a body it refuses (a repeated
        // key, a `status_detail` of another shape) is not taken here.
        let mut status_detail: Option<Option<crate::response::StatusDetail>> = None;
        // The payload keys: the one this payload is read from, and the others, only checked.
        let mut seen = [false; PAYLOAD_KEYS.len()];
        let wanted = PAYLOAD_KEYS
            .iter()
            .position(|(_, shape)| *shape == P::SHAPE);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            macro_rules! once {
                ($slot:ident, $name:literal, $ty:ty) => {{
                    if $slot.is_some() {
                        return Err(duplicate($name));
                    }
                    $slot = Some(map.next_value::<Option<$ty>>()?);
                }};
            }
            match key {
                Key::Status => once!(status, "status", EnvelopeStatus),
                Key::ResultsId => once!(results_id, "results_id", String),
                Key::Message => once!(message, "message", String),
                Key::Meta => once!(meta, "meta", Json),
                Key::Timestamp => once!(timestamp, "timestamp", Timestamp),
                Key::RefreshedAt => once!(refreshed_at, "refreshed_at", Timestamp),
                Key::Type => once!(kind, "type", String),
                Key::StatusDetail => {
                    once!(
                        status_detail,
                        "status_detail",
                        crate::response::StatusDetail
                    )
                }
                Key::Payload(i) => {
                    if std::mem::replace(&mut seen[i], true) {
                        return Err(duplicate(PAYLOAD_KEYS[i].0));
                    }
                    if wanted == Some(i) {
                        data = Some(map.next_value_seed(DataSeed::<P>(self.0, PhantomData))?);
                    } else {
                        map.next_value::<Option<&'de serde_json::value::RawValue>>()?;
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(match (status.flatten(), data.flatten()) {
            (Some(EnvelopeStatus::Ok), Some(payload)) => Some(OnePass {
                payload,
                results_id: results_id.flatten(),
                message: message.flatten(),
                meta: meta.flatten(),
                timestamp: timestamp.flatten(),
                refreshed_at: refreshed_at.flatten(),
                kind: kind.flatten(),
            }),
            _ => None,
        })
    }
}

/// The keys a payload is read from, and the shape of payload read from each.
const PAYLOAD_KEYS: [(&str, Shape); 4] = [
    ("data", Shape::V2Data),
    ("insights", Shape::Insights),
    ("payload", Shape::V1),
    ("verifications", Shape::Verifications),
];

enum Key {
    Status,
    ResultsId,
    Message,
    Meta,
    Timestamp,
    RefreshedAt,
    Type,
    StatusDetail,
    /// One of [`PAYLOAD_KEYS`].
    Payload(usize),
    Other,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        crate::de::with_str(d, "a key of the envelope", |k| {
            Ok::<_, std::convert::Infallible>(match k {
                "status" => Key::Status,
                "results_id" => Key::ResultsId,
                "message" => Key::Message,
                "meta" => Key::Meta,
                "timestamp" => Key::Timestamp,
                "refreshed_at" => Key::RefreshedAt,
                "type" => Key::Type,
                "status_detail" => Key::StatusDetail,
                _ => match PAYLOAD_KEYS.iter().position(|(key, _)| *key == k) {
                    Some(i) => Key::Payload(i),
                    None => Key::Other,
                },
            })
        })
    }
}

#[cfg(test)]
mod tests {
    //! The one-pass read never answers differently from the two-pass one: for any envelope
    //! (keys in any order, any status, `data` valid, null, odd or repeated), whatever it
    //! answers is what `response::enveloped` answers.
    use super::*;
    use crate::model::data::{Page, Transaction};
    use crate::response::{Outcome, enveloped};
    use proptest::prelude::*;

    const PAGE: &str = r#"{"type":"transactions","transactions":[{"transaction_id":"t-1","account_id":"fe672591-bc88-4cec-96e7-9101bde496ce","credit_debit_indicator":"DEBIT","amount":{"amount":"12.50","currency":"AED"},"booking_date_time":"2026-05-01T10:00:00Z"},{"transaction_id":"t-2","amount":{"amount":300.00,"currency":"AED"},"status":"NEW_STATUS"}],"page":{"number":0,"size":100,"total_elements":2,"total_pages":1}}"#;

    fn entry() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec!["OK", "PENDING", "FAILED", "RECONNECT_REQUIRED", "NEW"])
                .prop_map(|s| format!(r#""status":"{s}""#)),
            prop::sample::select(vec![PAGE, "null", "[]", r#"{"transactions":"x"}"#, "{}"])
                .prop_map(|d| format!(r#""data":{d}"#)),
            Just(r#""results_id":"2ab8c57a-011b-418f-9419-968155e600dd""#.to_owned()),
            Just(r#""results_id":"not-an-id""#.to_owned()),
            Just(r#""message":"Data retrieved successfully""#.to_owned()),
            Just(r#""timestamp":"2026-05-12T08:38:56.123Z""#.to_owned()),
            Just(r#""timestamp":"yesterday""#.to_owned()),
            Just(r#""refreshed_at":null"#.to_owned()),
            Just(r#""type":"transactions""#.to_owned()),
            Just(r#""meta":{"k":[1,2]}"#.to_owned()),
            Just(r#""status_detail":{"granular_status_code":"BANK_ISSUE"}"#.to_owned()),
            Just(r#""insights":null"#.to_owned()),
            Just(r#""status_detail":5"#.to_owned()),
            Just(r#""payload":{"x":1}"#.to_owned()),
            Just(r#""verifications":[1]"#.to_owned()),
            Just(r#""status":5"#.to_owned()),
            Just(r#""data":5"#.to_owned()),
            Just(r#""message":7"#.to_owned()),
            Just(r#""unknown_key":{"deep":[true]}"#.to_owned()),
        ]
    }

    fn as_json(p: &Page<Transaction>) -> serde_json::Value {
        serde_json::json!({
            "items": p.items.iter().map(|t| serde_json::to_value(t).unwrap()).collect::<Vec<_>>(),
            "page": p.page,
            "account_id": p.account_id.as_ref().map(|a| a.to_string()),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]
        #[test]
        fn one_pass_answers_as_the_two_pass_path_does(
            entries in prop::collection::vec(entry(), 0..9),
            valid_ok in any::<bool>(),
        ) {
            let mut entries = entries;
            if valid_ok {
                entries.push(r#""status":"OK""#.to_owned());
                entries.push(format!(r#""data":{PAGE}"#));
            }
            let body = format!("{{{}}}", entries.join(","));
            let one = ok_in_one_pass::<Page<Transaction>>(body.as_bytes());
            let two = enveloped::<Page<Transaction>>(body.as_bytes(), 200, None);
            if let Some(one) = one {
                let Ok(Outcome::Data(two)) = two else {
                    return Err(TestCaseError::fail(format!("one pass read data the two-pass path does not: {body}")));
                };
                prop_assert_eq!(as_json(&one.payload), as_json(&two.payload));
                prop_assert_eq!(one.results_id.and_then(|s| crate::ids::ResultsId::parse(&s).ok()), two.info.results_id);
                prop_assert_eq!(one.message, two.info.message);
                prop_assert_eq!(one.timestamp, two.info.timestamp);
                prop_assert_eq!(one.kind, two.info.kind);
                prop_assert_eq!(one.meta.map(|m| m.get().to_owned()), two.info.meta.map(|m| m.get().to_owned()));
            }
        }
    }

    const V1_ACCOUNTS: &str = r#"{"accounts":[{"account_id":"fe672591-bc88-4cec-96e7-9101bde496ce","name":"CURRENT","currency_code":"AED","type":"PERSONAL","iban":"AE110200237237126968761","credit":{"limit":5000.50}},{"account_id":"c34d0bff-9015-4280-a099-ec6cd7363ca5","new_field":[1]}]}"#;

    fn v1_entry() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec!["OK", "PENDING", "FAILED", "RECONNECT_REQUIRED"])
                .prop_map(|s| format!(r#""status":"{s}""#)),
            prop::sample::select(vec![V1_ACCOUNTS, "null", "[]", r#"{"accounts":"x"}"#, "{}"])
                .prop_map(|d| format!(r#""payload":{d}"#)),
            prop::sample::select(vec![PAGE, "null", "5"]).prop_map(|d| format!(r#""data":{d}"#)),
            Just(r#""results_id":"2ab8c57a-011b-418f-9419-968155e600dd""#.to_owned()),
            Just(r#""message":"ok""#.to_owned()),
            Just(r#""timestamp":"yesterday""#.to_owned()),
            Just(r#""insights":{"x":1}"#.to_owned()),
            Just(r#""unknown_key":{"deep":[true]}"#.to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]
        /// The same for a v1 payload, read from `payload` (and `data` only checked).
        #[test]
        fn one_pass_answers_v1_as_the_two_pass_path_does(
            entries in prop::collection::vec(v1_entry(), 0..8),
            valid_ok in any::<bool>(),
        ) {
            use crate::model::v1::V1Accounts;
            let mut entries = entries;
            if valid_ok {
                entries.push(r#""status":"OK""#.to_owned());
                entries.push(format!(r#""payload":{V1_ACCOUNTS}"#));
            }
            let body = format!("{{{}}}", entries.join(","));
            let one = ok_in_one_pass::<V1Accounts>(body.as_bytes());
            let two = enveloped::<V1Accounts>(body.as_bytes(), 200, None);
            if let Some(one) = one {
                let Ok(Outcome::Data(two)) = two else {
                    return Err(TestCaseError::fail(format!("one pass read data the two-pass path does not: {body}")));
                };
                prop_assert_eq!(serde_json::to_value(&one.payload).unwrap(), serde_json::to_value(&two.payload).unwrap());
                prop_assert_eq!(one.message, two.info.message);
                prop_assert_eq!(one.timestamp, two.info.timestamp);
            }
        }
    }

    #[test]
    fn a_v1_answer_is_read_in_one_pass() {
        use crate::model::v1::V1Accounts;
        let ok = format!(r#"{{"status":"OK","payload":{V1_ACCOUNTS},"data":5}}"#);
        let read = ok_in_one_pass::<V1Accounts>(ok.as_bytes()).expect("read in one pass");
        assert_eq!(read.payload.accounts.len(), 2);
        // A collection is not read from `payload`, nor a v1 payload from `data`.
        assert!(ok_in_one_pass::<Page<Transaction>>(ok.as_bytes()).is_none());
        let data_only = format!(r#"{{"status":"OK","data":{V1_ACCOUNTS}}}"#);
        assert!(ok_in_one_pass::<V1Accounts>(data_only.as_bytes()).is_none());
    }

    #[test]
    fn an_ok_page_is_read_in_one_pass_and_anything_else_is_not() {
        let ok = format!(
            r#"{{"status":"OK","data":{PAGE},"results_id":"2ab8c57a-011b-418f-9419-968155e600dd"}}"#
        );
        let read = ok_in_one_pass::<Page<Transaction>>(ok.as_bytes()).expect("read in one pass");
        assert_eq!(read.payload.items.len(), 2);
        for other in [
            r#"{"status":"PENDING","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":null}"#.to_owned(),
            format!(r#"{{"status":"FAILED","data":{PAGE}}}"#),
            format!(r#"{{"status":"OK","data":{PAGE},"data":{PAGE}}}"#),
            r#"{"status":"OK","data":{"transactions":"x"}}"#.to_owned(),
            format!(r#"{{"status":"OK","data":{PAGE}}} trailing"#),
        ] {
            assert!(ok_in_one_pass::<Page<Transaction>>(other.as_bytes()).is_none(), "{other}");
        }
    }
}
