//! The control API under `/_sandbox/`: what a test needs to steer the emulator (faults, the
//! webhook URL, revoking tokens, triggering and replaying webhooks) and to play the parts
//! Lean's other actors play (an end user connecting a bank through LinkSDK, reconnecting, a
//! bank going down). Never part of Lean's API.

use crate::directory;
use crate::faults::FaultRule;
use crate::respond::{error, json_response};
use crate::state::Inner;
use crate::webhooks;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lean_proto::{CustomerId, EntityId, ResultsId};
use std::sync::Arc;

type Shared = State<Arc<Inner>>;

fn bad(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_PARAMETERS", message, None)
}

/// `GET /_sandbox/state`: credentials and the ids of customers, entities and accounts.
pub async fn state(State(inner): Shared) -> Response {
    let entities = inner.entities();
    let body = serde_json::json!({
        "client_id": inner.config.client_id,
        "client_secret": inner.config.client_secret,
        "app_token": inner.config.app_token,
        "webhook_secret": inner.config.webhook_secret,
        "customers": inner.customers().iter().map(|c| {
            let entities: Vec<_> = entities.iter().filter(|e| e.customer_id == c.customer_id).map(|e| serde_json::json!({
                "entity_id": e.id.to_string(),
                "bank_identifier": e.bank_identifier,
                "accounts": e.accounts.iter().map(|a| serde_json::json!({"account_id": a.id.to_string(), "account_sub_type": a.sub_type.as_str(), "transactions": a.transactions})).collect::<Vec<_>>(),
            })).collect();
            serde_json::json!({"customer_id": c.customer_id.to_string(), "app_user_id": c.app_user_id, "entities": entities})
        }).collect::<Vec<_>>(),
    });
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

/// `GET /_sandbox/`: the dashboard, one server-rendered page whose script reads the state
/// and the log every second (no build step, no dependency).
pub async fn dashboard() -> Response {
    let mut r = (StatusCode::OK, include_str!("dashboard.html")).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// `GET /_sandbox/log`.
pub async fn log(State(inner): Shared) -> Response {
    let log = inner.log_entries();
    json_response(StatusCode::OK, serde_json::to_vec(&log).unwrap_or_default())
}

/// `POST /_sandbox/faults`: replaces the fault rules.
pub async fn set_faults(State(inner): Shared, body: Bytes) -> Response {
    match serde_json::from_slice::<Vec<FaultRule>>(&body) {
        Ok(rules) => {
            inner.lock().faults = rules;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(&format!("fault rules: {e}")),
    }
}

/// `POST /_sandbox/faults/next`: one rule in front (once, unless it says `count`).
pub async fn add_fault(State(inner): Shared, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRule>(&body) {
        Ok(mut rule) => {
            if rule.count.is_none() {
                rule.count = Some(1); // "the next response"
            }
            inner.add_fault(rule);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(&format!("fault rule: {e}")),
    }
}

/// `POST /_sandbox/tokens/revoke`.
pub async fn revoke_tokens(State(inner): Shared) -> Response {
    inner.revoke_tokens();
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_sandbox/webhook-url` with the URL as the body (empty: none).
pub async fn webhook_url(State(inner): Shared, body: Bytes) -> Response {
    let url = String::from_utf8_lossy(&body).trim().to_owned();
    *inner.webhook_url.lock().unwrap_or_else(|p| p.into_inner()) = (!url.is_empty()).then_some(url);
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /_sandbox/webhooks` with `{"results_id"}` (send `results.ready`),
/// `{"replay_event_id"}` (send a past event again, byte for byte), or `{"type"}` (send a
/// sample event of any type Lean documents, signed, to the webhook URL; answers its
/// `event_id`).
pub async fn trigger(State(inner): Shared, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Trigger {
        results_id: Option<String>,
        replay_event_id: Option<String>,
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    let Ok(t) = serde_json::from_slice::<Trigger>(&body) else {
        return bad("expected {\"results_id\"}, {\"replay_event_id\"} or {\"type\"}");
    };
    if let Some(kind) = t.kind {
        let event_id = inner.new_id();
        let Some(body) =
            lean_proto::webhook::samples::sample(&kind, &event_id, &crate::render::now_stamp())
        else {
            return bad(&format!(
                "{kind:?} is not a webhook type Lean documents; one of: {}",
                lean_proto::webhook::samples::DOCUMENTED.join(", ")
            ));
        };
        inner.remember_event(event_id.clone(), body.clone().into_bytes());
        webhooks::send_now(inner.clone(), kind, body.into_bytes());
        return json_response(
            StatusCode::ACCEPTED,
            serde_json::json!({ "event_id": event_id })
                .to_string()
                .into_bytes(),
        );
    }
    if let Some(id) = t.replay_event_id {
        let body = inner
            .lock()
            .events
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, b)| b.clone());
        return match body {
            Some(b) => {
                webhooks::send_now(inner.clone(), "replay".into(), b);
                StatusCode::ACCEPTED.into_response()
            }
            None => error(
                StatusCode::NOT_FOUND,
                "UNKNOWN_EVENT",
                "no such event_id",
                None,
            ),
        };
    }
    match t.results_id.and_then(|r| ResultsId::parse(&r).ok()) {
        Some(id) => {
            webhooks::send_results_ready(inner.clone(), id.to_string());
            StatusCode::ACCEPTED.into_response()
        }
        None => bad("results_id must be a UUID"),
    }
}

/// `POST /_sandbox/connect` with `{"customer_id", "bank_identifier"?}`: the end user connects
/// a bank through LinkSDK. Answers `{"entity_id"}`; `entity.created` and the first refresh's
/// `entity.data.refresh.updated` (PENDING, then FINISHED) follow as webhooks.
pub async fn connect(State(inner): Shared, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Connect {
        customer_id: String,
        bank_identifier: Option<String>,
    }
    let Ok(c) = serde_json::from_slice::<Connect>(&body) else {
        return bad("expected {\"customer_id\", \"bank_identifier\"?}");
    };
    let Ok(customer) = CustomerId::parse(&c.customer_id) else {
        return bad("customer_id must be a UUID");
    };
    let bank = c
        .bank_identifier
        .unwrap_or_else(|| crate::world::BANKS[0].0.to_owned());
    if !crate::world::BANKS.iter().any(|b| b.0 == bank) {
        return bad("unknown bank_identifier (see GET /banks/v1/)");
    }
    match directory::connect(&inner, &customer, &bank) {
        Some(e) => json_response(
            StatusCode::CREATED,
            serde_json::json!({"entity_id": e.id.to_string()})
                .to_string()
                .into_bytes(),
        ),
        None => error(
            StatusCode::NOT_FOUND,
            "UNKNOWN_CUSTOMER",
            "The customer_id provided did not match any customer.",
            None,
        ),
    }
}

/// `POST /_sandbox/entities/{entity_id}/reconnect`: the user renews consent; `entity.updated`
/// and a new refresh follow.
pub async fn reconnect(State(inner): Shared, Path(id): Path<String>) -> Response {
    let Some(e) = EntityId::parse(&id).ok().and_then(|id| inner.entity(&id)) else {
        return crate::respond::unknown_entity();
    };
    let updated = crate::refresh::Before {
        kind: "entity.updated",
        message: "An entity object has been updated.",
        payload: directory::entity_payload(&inner, &e),
    };
    let app_user_id = inner.customer(&e.customer_id).and_then(|c| c.app_user_id);
    crate::refresh::start(&inner, &e, app_user_id, Some(updated));
    StatusCode::ACCEPTED.into_response()
}

/// `POST /_sandbox/banks/{identifier}/availability` with `{"data": bool}`: the bank's data
/// goes down or comes back; `bank.availability.updated` follows.
pub async fn bank_availability(
    State(inner): Shared,
    Path(identifier): Path<String>,
    body: Bytes,
) -> Response {
    #[derive(serde::Deserialize)]
    struct Availability {
        data: bool,
    }
    let Ok(a) = serde_json::from_slice::<Availability>(&body) else {
        return bad("expected {\"data\": true|false}");
    };
    if !crate::world::BANKS.iter().any(|b| b.0 == identifier) {
        return bad("unknown bank identifier");
    }
    {
        let mut m = inner.lock();
        m.banks_down.retain(|b| *b != identifier);
        if !a.data {
            m.banks_down.push(identifier.clone());
        }
    }
    let bank = directory::bank_json(&inner, &identifier);
    webhooks::send_event(
        inner.clone(),
        "bank.availability.updated",
        "A bank's availability has been updated.",
        serde_json::json!({"identifier": identifier, "availability": bank["availability"]}),
    );
    StatusCode::ACCEPTED.into_response()
}
