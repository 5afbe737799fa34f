//! Data refreshes: `POST/GET /data/v2/refreshes`, `GET /data/v2/refreshes/{refresh_id}`, and
//! the refresh Lean runs by itself after a connection. Each refresh is PENDING (announced by
//! `entity.data.refresh.updated` with status PENDING), then FINISHED after the bank's time
//! (announced again, with `data_status` per account). A second trigger while one is pending is
//! Lean's 429 `DUPLICATED_REQUEST`.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::auth::{Caller, authenticate};
use crate::faults::FaultKind;
use crate::render::{now_stamp, page_info};
use crate::respond::*;
use crate::state::{Ent, Inner};
use crate::webhooks;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lean_proto::model::refresh::{AccountDataStatus, RefreshDataStatus, TransactionAvailability};
use lean_proto::*;
use std::sync::Arc;

type Shared = State<Arc<Inner>>;

/// An event Lean sends just before a refresh starts (`entity.created`, `entity.updated`).
pub struct Before {
    pub kind: &'static str,
    pub message: &'static str,
    pub payload: serde_json::Value,
}

/// Starts a refresh of `entity`: recorded as PENDING, announced, finished later. `None` when
/// one is already pending for the entity. `before` is sent first, so the webhooks arrive in
/// Lean's order: `before`, PENDING, FINISHED.
pub fn start(
    inner: &Arc<Inner>,
    entity: &Ent,
    app_user_id: Option<String>,
    before: Option<Before>,
) -> Option<RefreshId> {
    let refresh_id = RefreshId::parse(&inner.new_id()).ok()?;
    let refresh = {
        let mut v = Refresh::default();
        v.refresh_id = refresh_id.clone();
        v.entity_id = Some(entity.id.clone());
        v.customer_id = Some(entity.customer_id.clone());
        v.app_user_id = app_user_id;
        v.status = Some(RefreshStatus::Pending);
        v.data_status = None;
        v.created_at = Timestamp::parse(&now_stamp()).ok();
        v.updated_at = None;
        v
    };
    {
        let mut m = inner.lock();
        let busy = m.refreshes.iter().any(|r| {
            r.entity_id.as_ref() == Some(&entity.id) && r.status == Some(RefreshStatus::Pending)
        });
        if busy {
            // The refresh already under way covers it; the event itself is still Lean's.
            if let Some(b) = before {
                let inner = inner.clone();
                tokio::spawn(async move {
                    webhooks::send_event_in_order(inner, b.kind, b.message, b.payload, None).await
                });
            }
            return None;
        }
        m.refreshes.push(refresh.clone());
    }
    let fault = inner.draw_fault("refresh", true);
    let inner = inner.clone();
    let entity = entity.clone();
    let id = refresh_id.clone();
    tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        if let Some(b) = before {
            webhooks::send_event_in_order(inner.clone(), b.kind, b.message, b.payload, None).await;
        }
        announce(&inner, &refresh, None).await;
        let done_at = started + inner.config.real(inner.config.bank_latency.max);
        tokio::time::sleep_until(done_at).await;
        if let Some(done) = finish(&inner, &entity, &id) {
            announce(&inner, &done, fault).await;
        }
    });
    Some(refresh_id)
}

/// `entity.data.refresh.updated` for the refresh's current state.
async fn announce(inner: &Arc<Inner>, refresh: &Refresh, fault: Option<FaultKind>) {
    let payload = serde_json::to_value(refresh).unwrap_or_default();
    webhooks::send_event_in_order(
        inner.clone(),
        "entity.data.refresh.updated",
        "An entity data refresh state has been updated.",
        payload,
        fault,
    )
    .await;
}

/// Marks the refresh FINISHED with a `data_status` for every account.
fn finish(inner: &Inner, entity: &Ent, id: &RefreshId) -> Option<Refresh> {
    let status = {
        let mut v = RefreshDataStatus::default();
        v.accounts = Some(DataStatus::Ok);
        v.identity = Some(DataStatus::Ok);
        v.account_data = entity
            .accounts
            .iter()
            .map(|a| {
                let mut v = AccountDataStatus::default();
                v.account_id = a.id.clone();
                v.balance = Some(DataStatus::Ok);
                v.identity = Some(DataStatus::Ok);
                v.transactions = Some(DataStatus::Ok);
                v.scheduled_payments = Some(DataStatus::Ok);
                v.direct_debits = Some(DataStatus::Ok);
                v.standing_orders = Some(DataStatus::Ok);
                v.beneficiaries = Some(DataStatus::Ok);
                v.transaction_availability = Some({
                    let mut v = TransactionAvailability::default();
                    v.start = Some(crate::world::today() - chrono::Duration::days(364));
                    v.end = Some(crate::world::today());
                    v.complete_months = Some(11);
                    v
                });
                v
            })
            .collect();
        v
    };
    let mut m = inner.lock();
    let r = m.refreshes.iter_mut().find(|r| &r.refresh_id == id)?;
    r.status = Some(RefreshStatus::Finished);
    r.data_status = Some(status);
    r.updated_at = Timestamp::parse(&now_stamp()).ok();
    Some(r.clone())
}

/// `POST /data/v2/refreshes` with `{"entity_id": …}`.
pub async fn trigger(State(inner): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let b = json_body(&body)?;
        let e = body_entity(&inner, &b)?;
        if let Some(r) = fault_response(inner.draw_fault("refresh", false).as_ref()).await {
            return Err(r);
        }
        let app_user_id = inner.customer(&e.customer_id).and_then(|c| c.app_user_id);
        let refresh_id = start(&inner, &e, app_user_id, None).ok_or_else(|| {
            plain_error(
                StatusCode::TOO_MANY_REQUESTS,
                "DUPLICATED_REQUEST",
                "Data refresh is already pending.",
            )
        })?;
        let body = serde_json::json!({"refresh_id": refresh_id.to_string(), "status": "OK", "message": "Data refresh triggered successfully", "timestamp": now_stamp()});
        Ok::<_, Response>(json_response(StatusCode::OK, body.to_string().into_bytes()))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /data/v2/refreshes?entity_id&page&size`.
pub async fn list(State(inner): Shared, headers: HeaderMap, Query(q): Query<Q>) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity(&inner, q.get("entity_id"))?;
        if let Some(r) = fault_response(inner.draw_fault("refreshes", false).as_ref()).await {
            return Err(r);
        }
        let (page, size) = paging(&q)?;
        let all: Vec<_> = inner
            .lock()
            .refreshes
            .iter()
            .filter(|r| r.entity_id.as_ref() == Some(&e.id))
            .map(|r| {
                // The REST list names neither the user nor each data type (Lean's recording);
                // the webhook does.
                let mut v = r.clone();
                v.data_status = None;
                v.app_user_id = None;
                v
            })
            .collect();
        let list = {
            let mut v = RefreshList::default();
            v.content = page_of(&all, page, size).to_vec();
            v.page = Some(page_info(page, size, all.len()));
            v
        };
        Ok::<_, Response>(json_response(
            StatusCode::OK,
            serde_json::to_vec(&list).unwrap_or_default(),
        ))
    };
    go.await.unwrap_or_else(|r| r)
}

/// `GET /data/v2/refreshes/{refresh_id}?entity_id`.
pub async fn get(
    State(inner): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> Response {
    let go = async {
        authenticate(&inner, &headers, Caller::V2)?;
        let e = entity(&inner, q.get("entity_id"))?;
        if let Some(r) = fault_response(inner.draw_fault("refresh-status", false).as_ref()).await {
            return Err(r);
        }
        let found = inner
            .lock()
            .refreshes
            .iter()
            .find(|r| r.refresh_id.as_str() == id && r.entity_id.as_ref() == Some(&e.id))
            .cloned()
            .map(|mut r| {
                // Lean's REST body does not name the user; its webhook does.
                r.app_user_id = None;
                r
            });
        let r = found.ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "UNKNOWN_REFRESH",
                "The refresh_id provided did not match any refresh of the entity.",
                None,
            )
        })?;
        // The REST body spells the window `transactionAvailability` (the webhook does not).
        let mut v = serde_json::to_value(&r).unwrap_or_default();
        if let Some(list) = v
            .pointer_mut("/data_status/account_data")
            .and_then(|x| x.as_array_mut())
        {
            for a in list.iter_mut().filter_map(|a| a.as_object_mut()) {
                if let Some(mut t) = a.remove("transaction_availability") {
                    if let Some(t) = t.as_object_mut() {
                        t.remove("complete_months");
                    }
                    a.insert("transactionAvailability".into(), t);
                }
            }
        }
        Ok::<_, Response>(json_response(StatusCode::OK, v.to_string().into_bytes()))
    };
    go.await.unwrap_or_else(|r| r)
}
