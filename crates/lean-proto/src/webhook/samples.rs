//! A sample event of every webhook type Lean documents, in Lean's shape: to exercise a webhook
//! endpoint (`lean trigger`, your own tests). The seven UAE types Lean recorded are its
//! recordings (UAE-webhooks); the others follow its docs (`docs/webhooks.md`). Pure data:
//! signing and sending are the caller's.

use serde_json::{Value, json};

/// Every webhook type Lean documents.
pub const DOCUMENTED: [&str; 15] = [
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

const CUSTOMER: &str = "34d41026-3385-4e14-bd79-56086c2eda34";
const ENTITY: &str = "3f372561-ff0c-483d-b624-5e39b118e5b9";

fn entity_payload() -> Value {
    json!({
        "id": ENTITY,
        "app_user_id": "lean_test_user_1",
        "customer_id": CUSTOMER,
        "permissions": ["identity", "accounts", "balance", "transactions"],
        "bank_details": {
            "logo": "https://cdn.leantech.me/img/banks/white-lean.png",
            "name": "Lean Open Finance MockBank", "bank_type": "RETAIL",
            "identifier": "LEAN_OF_RETAIL_UAE", "main_color": "#1beb75", "swift_code": null,
            "account_type": "PERSONAL", "background_color": "#ffffff",
        },
    })
}

fn payment_payload(status: &str) -> Value {
    json!({
        "id": "c5bbaa0e-27b4-4767-896e-efd4b0d3d2ec", "amount": 25, "reason": "testing",
        "status": status, "currency": "AED", "metadata": {"data": "meta_data_test"},
        "intent_id": "9979d193-21d7-4a40-b9ba-ee40ed9ae894", "customer_id": CUSTOMER,
        "payment_destination_id": "76ad0bf0-c594-4106-b83d-fc6a37966ed4",
        "bank_transaction_reference": "payment-7200c30c-8eed-4f20-841f-2d3fbe428d86",
    })
}

/// `(message, payload)` of a documented type.
fn parts(kind: &str) -> Option<(&'static str, Value)> {
    Some(match kind {
        "results.ready" => (
            "Results are ready.",
            json!({"id": "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"}),
        ),
        "entity.created" => ("An entity object has been created.", entity_payload()),
        "entity.updated" => ("An entity object has been updated.", entity_payload()),
        "entity.reconnected" => (
            "An entity has been reconnected.",
            json!({"id": ENTITY, "reconnect_id": "b7080737-1fe4-44a4-b4fd-4e08b10471fc"}),
        ),
        "entity.data.refresh.updated" => (
            "An entity data refresh state has been updated.",
            json!({
                "status": "OK", "entity_id": ENTITY,
                "refresh_id": "cf173306-6217-4c46-a93d-37f6cdc259fe",
                "app_user_id": "lean_test_user_1", "customer_id": CUSTOMER,
                "data_status": {"accounts": "OK", "identity": "OK", "account_data": [{
                    "account_id": "f2c9628a-a98c-4405-b678-6256b9cef8aa", "balance": "OK",
                    "identity": "OK", "transactions": "OK", "beneficiaries": "UNSUPPORTED",
                    "direct_debits": "UNSUPPORTED", "standing_orders": "UNSUPPORTED",
                    "scheduled_payments": "UNSUPPORTED",
                    "transaction_availability": {"start": "2025-05-13", "end": "2026-05-12",
                        "complete_months": 12},
                }]},
            }),
        ),
        "bank.availability.updated" => (
            "A bank's availability has been updated.",
            json!({
                "identifier": "LEAN_OF_RETAIL_UAE", "name": "Lean Open Finance MockBank",
                "availability": {"active": {"payments": true, "data": false},
                    "enabled": {"payments": true, "data": true}},
            }),
        ),
        "iban_account_verification.bank.availability.updated" => (
            "IBAN account verification bank availability has been updated",
            json!({
                "country_code": "SA", "bank_code": "80",
                "availability": {"global": "enabled", "account_type": {
                    "personal": {"match": "disabled", "no_match": "enabled"},
                    "freelancer": {"match": "enabled", "no_match": "enabled"},
                    "business": {"match": "enabled", "no_match": "enabled"}}},
            }),
        ),
        "payment_intent.created" => (
            "Payment intent created",
            json!({
                "amount": 10, "reason": "testing", "status": "INTENT_CREATED", "currency": "AED",
                "metadata": {"data": "meta_data_test"},
                "intent_id": "dd566666-df7e-4ba1-ac60-ee5bebebdde7",
            }),
        ),
        "payment.created" => (
            "A payment object has been created.",
            payment_payload("ACCEPTED_BY_BANK"),
        ),
        "payment.updated" => (
            "A payment object has been updated.",
            payment_payload("ACCEPTED_BY_BANK"),
        ),
        "payment.transaction" => (
            "A payment transaction has been recorded.",
            payment_payload("ACCEPTED_BY_BANK"),
        ),
        "payment_source.created" | "payment_source.updated" => (
            "A payment source was pre-authorized by your customer.",
            json!({
                "id": "3c81b339-e72e-4ef1-9cdc-a012a7057858", "status": "ACTIVE",
                "bank_name": "Lean Open Finance MockBank", "customer_id": CUSTOMER,
                "end_user_id": null, "bank_identifier": "LEAN_OF_RETAIL_UAE",
            }),
        ),
        "payment_source.beneficiary.created" | "payment_source.beneficiary.updated" => (
            "A beneficiary was added for a payment source.",
            json!({
                "id": "5d76abbb-d860-458d-b836-0f12104b8d78", "status": "ACTIVE",
                "customer_id": CUSTOMER,
                "payment_source_id": "3c81b339-e72e-4ef1-9cdc-a012a7057858",
                "payment_destination_id": "b497d078-da47-488c-ba63-cd602f788262",
                "payment_source_bank_identifier": "LEAN_OF_RETAIL_UAE",
            }),
        ),
        _ => return None,
    })
}

/// The body of a `kind` event with `event_id` and `timestamp` (RFC 3339), as Lean sends it;
/// `None` for a type Lean does not document.
///
/// ```
/// use lean_proto::webhook::{samples, EventKind, WebhookEvent};
/// let body = samples::sample("results.ready", "0971c86f-8031-4ca0-8ada-afc743216a0b",
///     "2026-05-13T10:50:10Z").unwrap();
/// let event = WebhookEvent::parse(body.as_bytes()).unwrap();
/// assert!(matches!(event.kind, EventKind::ResultsReady { .. }));
/// assert!(samples::sample("no.such.type", "x", "y").is_none());
/// ```
pub fn sample(kind: &str, event_id: &str, timestamp: &str) -> Option<String> {
    let (message, payload) = parts(kind)?;
    Some(
        json!({
            "type": kind,
            "message": message,
            "payload": payload,
            "event_id": event_id,
            "timestamp": timestamp,
        })
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{EventKind, WebhookEvent};

    #[test]
    fn every_documented_type_parses_as_itself() {
        for kind in DOCUMENTED {
            let body = sample(
                kind,
                "0971c86f-8031-4ca0-8ada-afc743216a0b",
                "2026-05-13T10:50:10Z",
            )
            .unwrap();
            let e = WebhookEvent::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(e.kind_name, kind);
            assert!(!matches!(e.kind, EventKind::Other { .. }), "{kind}: typed");
        }
    }
}
