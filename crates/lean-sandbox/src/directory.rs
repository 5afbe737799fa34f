//! Customers, entities and banks: `POST/GET /customers/v1/…`, entity lookups and deletion,
//! `GET /banks/v1/`, and the LinkSDK `connect()` an end user would do in a browser (made
//! here by the control API), which creates an entity and starts Lean's first data refresh.
//! These routes take a bearer token or `lean-app-token`, like Lean's.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::auth::{Caller, authenticate};
use crate::render::page_info;
use crate::respond::*;
use crate::state::{Ent, Inner};
use crate::world::BANKS;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lean_proto::model::customer::Customer;
use lean_proto::*;
use std::sync::Arc;

type Shared = State<Arc<Inner>>;

fn ok_json<T: serde::Serialize>(value: &T) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_vec(value).unwrap_or_default(),
    )
}

pub(crate) fn customer_id(raw: &str) -> Result<CustomerId, Response> {
    CustomerId::parse(raw).map_err(|_| bad_param("customer_id", raw))
}

pub(crate) fn unknown_customer() -> Response {
    plain_error(
        StatusCode::NOT_FOUND,
        "UNKNOWN_CUSTOMER",
        "The customer_id provided did not match any customer.",
    )
}

/// The customer's live entity `entity_id`, or Lean's 400/404.
fn customer_entity(inner: &Inner, customer: &str, entity: &str) -> Result<Ent, Response> {
    let customer = customer_id(customer)?;
    inner.customer(&customer).ok_or_else(unknown_customer)?;
    let id = EntityId::parse(entity).map_err(|_| bad_param("entity_id", entity))?;
    inner
        .entity(&id)
        .filter(|e| e.customer_id == customer)
        .ok_or_else(unknown_entity)
}

/// `POST /customers/v1` with `{"app_user_id": …}`; 409 `CUSTOMER_ALREADY_EXISTS` on a reuse.
pub async fn create_customer(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let b = json_body(&body)?;
        let app_user_id = body_str(&b, "app_user_id").ok_or_else(|| missing("app_user_id"))?;
        if app_user_id.trim().is_empty() || app_user_id.len() > 255 {
            return Err(bad_param("app_user_id", &app_user_id));
        }
        let id = CustomerId::parse(&inner.new_id()).map_err(|_| invalid_url())?;
        let customer = {
            let mut v = Customer::default();
            v.customer_id = id;
            v.app_user_id = Some(app_user_id.clone());
            v
        };
        {
            let mut m = inner.lock();
            let exists = m
                .directory
                .customers
                .iter()
                .any(|c| c.app_user_id.as_deref() == Some(&app_user_id));
            if exists {
                return Err(plain_error(
                    StatusCode::CONFLICT,
                    "CUSTOMER_ALREADY_EXISTS",
                    "A customer already exists for the app_user_id you have provided.",
                ));
            }
            m.directory.customers.push(customer.clone());
        }
        Ok(ok_json(&customer))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /customers/v1?page_number&page_size`.
pub async fn list_customers(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let (page, size) = paging_as(&q, "page_number", "page_size")?;
        let all = inner.customers();
        Ok(ok_json(&{
            let mut v = CustomerList::default();
            v.data = page_of(&all, page, size).to_vec();
            v.page = Some(page_info(page, size, all.len()));
            v
        }))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /customers/v1/{customer_id}`.
pub async fn get_customer(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let c = inner
            .customer(&customer_id(&id)?)
            .ok_or_else(unknown_customer)?;
        Ok(ok_json(&c))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /customers/v1/app-user-id/{app_user_id}`.
pub async fn customer_by_app_user_id(
    State(inner): Shared,
    headers: HeaderMap,
    Path(app_user_id): Path<String>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let c = inner
            .customers()
            .into_iter()
            .find(|c| c.app_user_id.as_deref() == Some(&app_user_id))
            .ok_or_else(unknown_customer)?;
        Ok(ok_json(&c))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /customers/v1/{customer_id}/entities`: a bare array.
pub async fn customer_entities(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let customer = customer_id(&id)?;
        inner.customer(&customer).ok_or_else(unknown_customer)?;
        let list: Vec<Entity> = inner
            .entities()
            .iter()
            .filter(|e| e.customer_id == customer)
            .map(|e| inner.world.entity_object(e))
            .collect();
        Ok(ok_json(&list))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /customers/v1/{customer_id}/entities/{entity_id}`.
pub async fn get_entity(
    State(inner): Shared,
    headers: HeaderMap,
    Path((customer, entity)): Path<(String, String)>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let e = customer_entity(&inner, &customer, &entity)?;
        Ok(ok_json(&inner.world.entity_object(&e)))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `DELETE /customers/v1/{customer_id}/entities/{entity_id}` (optional JSON body with a
/// `reason`): the entity and its consent are gone; data calls answer `UNKNOWN_ENTITY` after.
pub async fn delete_entity(
    State(inner): Shared,
    headers: HeaderMap,
    Path((customer, entity)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        if !body.is_empty() {
            json_body(&body)?;
        }
        let e = customer_entity(&inner, &customer, &entity)?;
        inner.lock().directory.entities.retain(|x| x.id != e.id);
        Ok(StatusCode::NO_CONTENT.into_response())
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /customers/v1/entities?page_number&page_size&start_date&end_date`: entities created
/// in the range (the seeded ones are 100 days old; connected ones are new today).
pub async fn list_entities(
    State(inner): Shared,
    headers: HeaderMap,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        let (page, size) = paging_as(&q, "page_number", "page_size")?;
        let (start, end) = (date(&q, "start_date")?, date(&q, "end_date")?);
        let today = crate::world::today();
        if start.is_some_and(|d| d > today) || end.is_some_and(|d| d > today) {
            return Err(bad_param("end_date", "dates must not be in the future"));
        }
        if let (Some(s), Some(t)) = (start, end)
            && s > t
        {
            return Err(bad_param("end_date", &t.to_string()));
        }
        let all: Vec<Entity> = inner
            .entities()
            .iter()
            .map(|e| {
                // The paged listing also says each entity's state (Lean's recording); the
                // per-customer routes do not.
                let mut v = inner.world.entity_object(e);
                v.status = Some("ACTIVE".into());
                v.updated_at = v.created_at;
                v
            })
            .filter(|e| {
                let created = e.created_at.as_ref().map(|t| t.date());
                created.is_none_or(|c| start.is_none_or(|s| c >= s) && end.is_none_or(|t| c <= t))
            })
            .collect();
        Ok(ok_json(&{
            let mut v = EntityPage::default();
            v.data = page_of(&all, page, size).to_vec();
            v.page = Some(page_info(page, size, all.len()));
            v
        }))
    };
    go.await.unwrap_or_else(|r| r)
}

/// The bank object of `GET /banks/v1/` and of webhooks' `bank_details`.
pub fn bank_json(inner: &Inner, identifier: &str) -> serde_json::Value {
    let (id, name, country, data) = BANKS
        .iter()
        .find(|b| b.0 == identifier)
        .copied()
        .unwrap_or((BANKS[0].0, BANKS[0].1, BANKS[0].2, BANKS[0].3));
    let data = data && !inner.lock().banks_down.iter().any(|b| b == id);
    let currency = if country == "SAU" { "SAR" } else { "AED" };
    // Every field of Lean's recorded bank (UAE collection, `GET /banks/v1/`), in its order and
    // JSON types; the Arabic names are null there too.
    serde_json::json!({
        "identifier": id,
        "name": name,
        "arabic_name": null,
        "commercial_name": name,
        "commercial_name_arabic": null,
        "logo": "https://cdn.leantech.me/img/banks/white-lean.png",
        "logo_alt": "https://cdn.leantech.me/img/banks/white-lean.svg",
        "main_color": "#1beb75",
        "background_color": "#ffffff",
        "theme": "light",
        "country_code": country,
        "active": true,
        "mock": true,
        "traits": ["auth-redirect", "web-auth-redirect", "decoupled-auth-redirect", "open-finance"],
        "supported_account_types": ["CREDIT", "SAVINGS", "CURRENT"],
        "supported_account_sub_types": ["CURRENT", "SAVINGS", "CREDIT"],
        "bank_type": "RETAIL",
        "swift_code": if country == "SAU" { "MOCKSA01" } else { "MOCKAE01" },
        "transfer_limits": [{"currency": currency, "min": 5, "max": 50000}],
        // Lean's KSA mock bank sends money abroad; its UAE ones do not (UAE collection).
        "international_transfer_limits": if country == "SAU" {
            serde_json::json!([{"currency": "USD", "min": 50, "max": 27000},
                {"currency": "AED", "min": 10, "max": 100000}])
        } else {
            serde_json::json!([])
        },
        "international_destinations": if country == "SAU" {
            serde_json::json!([
                {"country_iso_code": "USA", "country_name": "United States of America", "supported_currencies": []},
                {"country_iso_code": "ARE", "country_name": "United Arab Emirates", "supported_currencies": []}])
        } else {
            serde_json::json!([])
        },
        "account_type": "PERSONAL",
        "connection_type": "OPEN_BANKING",
        "availability": {
            "active": {"payments": true, "data": data},
            "enabled": {"payments": true, "data": true},
        },
    })
}

/// `GET /banks/v1/?account_types=PERSONAL|BUSINESS`: a bare array.
pub async fn banks(State(inner): Shared, headers: HeaderMap, Query(q): Query<Q>) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::Either)?;
        match q.get("account_types").map(String::as_str) {
            None | Some("PERSONAL") | Some("BUSINESS") | Some("PERSONAL,BUSINESS") => {}
            Some(v) => return Err(bad_param("account_types", v)),
        }
        let list: Vec<serde_json::Value> = BANKS.iter().map(|b| bank_json(&inner, b.0)).collect();
        Ok(ok_json(&list))
    };
    go.await.unwrap_or_else(|r| r)
}

/// LinkSDK's `connect()` for `customer` at `bank`: a new entity, `entity.created`, and
/// Lean's first data refresh (PENDING now, FINISHED when the bank is done).
pub fn connect(inner: &Arc<Inner>, customer: &CustomerId, bank: &str) -> Option<Ent> {
    let c = inner.customer(customer)?;
    let entity = {
        let mut m = inner.lock();
        m.directory.connections += 1;
        let n = m.directory.connections;
        drop(m);
        let e = Arc::new(inner.world.connect(n, customer.clone(), bank));
        inner.lock().directory.entities.push(e.clone());
        e
    };
    let mut payload = entity_payload(inner, &entity);
    payload["app_user_id"] = serde_json::json!(c.app_user_id);
    let created = crate::refresh::Before {
        kind: "entity.created",
        message: "An entity object has been created.",
        payload,
    };
    crate::refresh::start(inner, &entity, c.app_user_id.clone(), Some(created));
    Some(entity)
}

/// `entity.created` / `entity.updated` payload.
pub fn entity_payload(inner: &Inner, e: &Ent) -> serde_json::Value {
    let mut bank = bank_json(inner, &e.bank_identifier);
    if let Some(o) = bank.as_object_mut() {
        for k in [
            "availability",
            "transfer_limits",
            "international_transfer_limits",
            "international_destinations",
            "supported_account_types",
            "country_code",
        ] {
            o.remove(k);
        }
        o.insert("account_type".into(), "PERSONAL".into());
    }
    let app_user_id = inner.customer(&e.customer_id).and_then(|c| c.app_user_id);
    serde_json::json!({
        "id": e.id.to_string(),
        "customer_id": e.customer_id.to_string(),
        "app_user_id": app_user_id,
        "permissions": ["identity", "accounts", "balance", "transactions", "identities", "scheduled_payments", "standing_orders", "direct_debits", "beneficiaries"],
        "bank_details": bank,
    })
}
