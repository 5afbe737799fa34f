//! The routing table: Lean's routes and the control API, and what wraps every request (the
//! request log, the `lean-correlation-id` echo, a `lean-trace-id`, Lean's JSON errors for
//! unknown routes and methods). Route logic lives in `data`, `refresh`, `directory`, `auth` and `control`.

use crate::respond::{invalid_method, invalid_url};
use crate::state::Inner;
use crate::{auth, control, data, directory, payments, refresh, verify};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use std::sync::Arc;

pub use crate::state::LogEntry;

/// Logs the request (control API excluded) and echoes the caller's `lean-correlation-id`,
/// as Lean does; without one, the answer keeps the id the emulator made.
async fn around(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let correlation: Option<HeaderValue> = req.headers().get("lean-correlation-id").cloned();
    let text = |v: Option<&HeaderValue>| v.and_then(|v| v.to_str().ok()).map(str::to_owned);
    let fetched = uri
        .path()
        .strip_prefix("/data/v2/results/")
        .or_else(|| uri.path().strip_prefix("/data/v1/results/"))
        .map(str::to_owned);
    let entity_id = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("entity_id="))
            .map(str::to_owned)
    });
    let own = uri.path() == "/_sandbox" || uri.path().starts_with("/_sandbox/");
    let mut entry = (!own).then(|| LogOnDrop {
        inner: inner.clone(),
        what: format!("{method} {}", uri.path()),
        status: None,
        user_agent: text(req.headers().get("user-agent")),
        correlation_id: text(correlation.as_ref()),
        results_id: fetched,
        entity_id,
        pending: false,
    });
    let control = own;
    let mut resp = next.run(req).await;
    if let Some(c) = correlation {
        resp.headers_mut().insert("lean-correlation-id", c);
    }
    if !control {
        // Lean answers every API request with a `lean-trace-id` (32 hex digits, a W3C trace
        // id's shape) next to the correlation id, as its recordings show.
        // Random, apart from the seeded ids (taking them from the seeded generator would shift
        // every id after).
        use std::hash::BuildHasher;
        let half = || std::collections::hash_map::RandomState::new().hash_one(uri.path());
        let trace = format!("{:016x}{:016x}", half(), half());
        if let Ok(v) = HeaderValue::from_str(&trace) {
            resp.headers_mut().insert("lean-trace-id", v);
        }
    }
    if let Some(e) = entry.as_mut() {
        e.status = Some(resp.status().as_u16());
        if let Some(tag) = resp.extensions().get::<crate::state::LogTag>() {
            e.results_id = e.results_id.take().or_else(|| tag.results_id.clone());
            e.pending = tag.pending;
        }
    }
    resp
}

/// The log line of a request, written when its handling ends. A request dropped before its
/// answer (the client hung up, say after its own timeout) is logged too: status 499, as nginx
/// logs "client closed request".
struct LogOnDrop {
    inner: Arc<Inner>,
    what: String,
    status: Option<u16>,
    user_agent: Option<String>,
    correlation_id: Option<String>,
    results_id: Option<String>,
    entity_id: Option<String>,
    pending: bool,
}

impl Drop for LogOnDrop {
    fn drop(&mut self) {
        let note = match (self.status, self.pending) {
            (None, _) => Some("the client closed the connection before the answer".to_owned()),
            (Some(_), true) => Some("answered PENDING".to_owned()),
            (Some(_), false) => None,
        };
        self.inner.log_entry(LogEntry {
            at_ms: 0,
            kind: "request",
            what: std::mem::take(&mut self.what),
            status: self.status.unwrap_or(499),
            note,
            user_agent: self.user_agent.take(),
            correlation_id: self.correlation_id.take(),
            results_id: self.results_id.take(),
            entity_id: self.entity_id.take(),
            event_id: None,
        });
    }
}

/// All routes. Paths are matched without a trailing slash: `lib.rs` strips one first, since
/// Lean accepts both (`POST /customers/v1/` in its docs, `/data/v1/accounts/` in its SDK).
pub fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/oauth2/token", post(auth::token))
        .route("/data/v2/accounts", get(data::entity_data))
        .route(
            "/data/v2/accounts/{account_id}/{kind}",
            get(data::account_data),
        )
        .route("/data/v2/identity", get(data::entity_data))
        .route(
            "/data/v2/refreshes",
            post(refresh::trigger).get(refresh::list),
        )
        .route("/data/v2/refreshes/{refresh_id}", get(refresh::get))
        .route("/data/v2/results/{results_id}", get(data::results_v2))
        .route("/data/v1/results/{results_id}", get(data::results_v1))
        .route("/data/v1/{kind}", post(data::v1_data))
        .route("/insights/v2/income", post(data::income))
        .route("/insights/v2/expenses", get(data::insights))
        .route("/insights/v2/assets/cashflows", get(data::insights))
        .route("/insights/v2/assets/balances", get(data::insights))
        .route(
            "/insights/v2/liabilities/credit-obligations",
            get(data::insights),
        )
        .route(
            "/insights/v2/liabilities/non-credit-obligations",
            get(data::insights),
        )
        .route("/insights/v2/income/employment", get(data::insights))
        .route(
            "/insights/v2/assets/freelancers/cashflows",
            get(data::insights),
        )
        .route(
            "/insights/v1/name-verification",
            post(data::name_verification),
        )
        .route(
            "/payments/v1/destinations",
            post(payments::create_destination).get(payments::list_destinations),
        )
        .route("/consents/account-on-file", post(crate::consents::create))
        .route("/consents/v1", get(crate::consents::list))
        .route("/consents/{consent_id}", get(crate::consents::get))
        .route(
            "/consents/{consent_id}/history",
            get(crate::consents::history),
        )
        .route("/payments/account-on-file", post(crate::consents::initiate))
        .route(
            "/payments/v1/intents",
            post(payments::create_intent).get(payments::list_intents),
        )
        .route(
            "/payments/v1/intents/{payment_intent_id}",
            get(payments::get_intent),
        )
        .route(
            "/customers/v1/{customer_id}/destinations",
            get(payments::customer_destinations),
        )
        .route(
            "/customers/v1/{customer_id}/payment-sources",
            get(payments::list_sources),
        )
        .route(
            "/customers/v1/{customer_id}/payment-sources/{payment_source_id}",
            get(payments::source).delete(payments::source),
        )
        .route("/verifications/v1/accounts", post(verify::accounts))
        .route("/verifications/v2/entity", post(verify::entity))
        .route(
            "/verifications/v2/beneficiary-name",
            post(verify::beneficiary_name),
        )
        .route("/verifications/v1/corporates", post(verify::corporates))
        .route(
            "/verifications/v1/corporates/managers",
            post(verify::managers),
        )
        .route("/verifications/v1/freelancers", post(verify::freelancers))
        .route(
            "/customers/v1",
            get(directory::list_customers).post(directory::create_customer),
        )
        .route("/customers/v1/entities", get(directory::list_entities))
        .route(
            "/customers/v1/app-user-id/{app_user_id}",
            get(directory::customer_by_app_user_id),
        )
        .route("/customers/v1/{customer_id}", get(directory::get_customer))
        .route(
            "/customers/v1/{customer_id}/entities",
            get(directory::customer_entities),
        )
        .route(
            "/customers/v1/{customer_id}/entities/{entity_id}",
            get(directory::get_entity).delete(directory::delete_entity),
        )
        .route("/banks/v1", get(directory::banks))
        .route("/_sandbox", get(control::dashboard))
        .route("/_sandbox/state", get(control::state))
        .route("/_sandbox/log", get(control::log))
        .route("/_sandbox/faults", post(control::set_faults))
        .route("/_sandbox/faults/next", post(control::add_fault))
        .route("/_sandbox/webhook-url", post(control::webhook_url))
        .route("/_sandbox/tokens/revoke", post(control::revoke_tokens))
        .route("/_sandbox/webhooks", post(control::trigger))
        .route("/_sandbox/connect", post(control::connect))
        .route(
            "/_sandbox/payments/{payment_intent_id}/authorize",
            post(crate::payment_flow::authorize),
        )
        .route(
            "/_sandbox/consents/{consent_id}/authorize",
            post(crate::consents::authorize_control),
        )
        .route(
            "/_sandbox/entities/{entity_id}/reconnect",
            post(control::reconnect),
        )
        .route(
            "/_sandbox/banks/{identifier}/availability",
            post(control::bank_availability),
        )
        .method_not_allowed_fallback(|| async { invalid_method() })
        .fallback(|| async { invalid_url() })
        .layer(axum::middleware::from_fn_with_state(inner.clone(), around))
        .with_state(inner)
}
