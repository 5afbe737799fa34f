//! Webhook delivery like Lean's: signed with `lean-signature: sha512=<hex>`, counted as
//! delivered only on a 200 within 10 s, retried after 1, 2, 5, 10, 60 and 180 minutes (all
//! scaled by `--time-scale`), every attempt logged.

use crate::faults::FaultKind;
use crate::state::Inner;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lean_proto::webhook::WebhookSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const RETRY_MINUTES: [u64; 6] = [1, 2, 5, 10, 60, 180];

/// The HTTP client that delivers webhooks.
pub struct Delivery {
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<bytes::Bytes>>,
}

impl Delivery {
    pub(crate) fn new() -> Self {
        Delivery {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

fn event_body(
    inner: &Inner,
    kind: &str,
    message: &str,
    payload: serde_json::Value,
) -> (String, Vec<u8>) {
    let event_id = inner.new_id();
    let body = serde_json::json!({
        "type": kind,
        "message": message,
        "payload": payload,
        "timestamp": crate::render::now_stamp(),
        "event_id": event_id,
    });
    (event_id, body.to_string().into_bytes())
}

/// `results.ready` for `results_id` at `ready_at`, shaped by the webhook fault drawn for it.
pub(crate) fn schedule_results_ready(
    inner: Arc<Inner>,
    results_id: String,
    ready_at: Instant,
    fault: Option<FaultKind>,
) {
    tokio::spawn(async move {
        tokio::time::sleep_until(ready_at).await;
        match fault {
            Some(FaultKind::WebhookLost) => inner.log(
                "webhook",
                format!("results.ready {results_id}"),
                0,
                Some("lost (injected)".into()),
            ),
            Some(FaultKind::WebhookDuplicated) => {
                let (id, body) = results_ready_body(&inner, &results_id);
                inner.remember_event(id, body.clone());
                deliver(
                    inner.clone(),
                    format!("results.ready {results_id}"),
                    body.clone(),
                )
                .await;
                deliver(
                    inner,
                    format!("results.ready {results_id} (duplicate)"),
                    body,
                )
                .await;
            }
            _ => send_results_ready(inner, results_id),
        }
    });
}

fn results_ready_body(inner: &Inner, results_id: &str) -> (String, Vec<u8>) {
    event_body(
        inner,
        "results.ready",
        "Your results are ready.",
        serde_json::json!({ "id": results_id }),
    )
}

/// Sends `results.ready` for `results_id` now (control API, and the normal path).
pub(crate) fn send_results_ready(inner: Arc<Inner>, results_id: String) {
    let (id, body) = results_ready_body(&inner, &results_id);
    inner.remember_event(id, body.clone());
    tokio::spawn(deliver(inner, format!("results.ready {results_id}"), body));
}

/// Sends a stored body again (replay).
pub(crate) fn send_now(inner: Arc<Inner>, what: String, body: Vec<u8>) {
    tokio::spawn(deliver(inner, what, body));
}

/// `type` and the id the event is about, for the log.
fn describe(kind: &str, payload: &serde_json::Value) -> String {
    format!(
        "{kind} {}",
        payload
            .get("refresh_id")
            .or_else(|| payload.get("id"))
            .or_else(|| payload.get("identifier"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
    )
}

/// Sends an event of `kind` now, signed and retried like every webhook.
pub(crate) fn send_event(inner: Arc<Inner>, kind: &str, message: &str, payload: serde_json::Value) {
    send_event_with(inner, kind, message, payload, None);
}

/// Sends an event, shaped by a webhook fault (lost, duplicated) drawn for it.
pub(crate) fn send_event_with(
    inner: Arc<Inner>,
    kind: &str,
    message: &str,
    payload: serde_json::Value,
    fault: Option<FaultKind>,
) {
    let (kind, message) = (kind.to_owned(), message.to_owned());
    tokio::spawn(async move {
        send_event_in_order(inner, &kind, &message, payload, fault).await;
    });
}

/// Delivers with Lean's retry schedule until a 200 arrives within the time limit.
async fn deliver(inner: Arc<Inner>, what: String, body: Vec<u8>) {
    deliver_from(inner, what, body, 0, Instant::now()).await
}

/// Attempts `from..` of the schedule that started at `first`.
async fn deliver_from(inner: Arc<Inner>, what: String, body: Vec<u8>, from: usize, first: Instant) {
    for attempt in from..=RETRY_MINUTES.len() {
        if attempt > 0 {
            let at = first
                + inner
                    .config
                    .real(Duration::from_secs(60 * RETRY_MINUTES[attempt - 1]));
            tokio::time::sleep_until(at).await;
        }
        if attempt_once(&inner, &what, &body, attempt).await != Attempt::Retry {
            return;
        }
    }
}

/// Sends an event and returns once its *first* delivery attempt has ended; any retries go on
/// in the background. Events Lean emits one after the other (`entity.created`, then the
/// refresh's PENDING, then its FINISHED) are sent this way, so that a healthy receiver sees
/// them in Lean's order rather than in the order two racing deliveries happen to land.
pub(crate) async fn send_event_in_order(
    inner: Arc<Inner>,
    kind: &str,
    message: &str,
    payload: serde_json::Value,
    fault: Option<FaultKind>,
) {
    let what = describe(kind, &payload);
    let (id, body) = event_body(&inner, kind, message, payload);
    inner.remember_event(id, body.clone());
    if fault == Some(FaultKind::WebhookLost) {
        inner.log("webhook", what, 0, Some("lost (injected)".into()));
        return;
    }
    let first = Instant::now();
    if attempt_once(&inner, &what, &body, 0).await == Attempt::Retry {
        tokio::spawn(deliver_from(
            inner.clone(),
            what.clone(),
            body.clone(),
            1,
            first,
        ));
    }
    if fault == Some(FaultKind::WebhookDuplicated) {
        tokio::spawn(deliver(inner, format!("{what} (duplicate)"), body));
    }
}

#[derive(PartialEq, Eq)]
enum Attempt {
    Delivered,
    Retry,
    GiveUp,
}

/// One delivery attempt (the `attempt`-th of the schedule): signed POST, a 200 within the
/// (scaled) 10 s counts; logged either way.
async fn attempt_once(inner: &Arc<Inner>, what: &str, body: &[u8], attempt: usize) -> Attempt {
    let secret = WebhookSecret::new(inner.config.webhook_secret.clone());
    let signature = secret.sign(body);
    let url = inner
        .webhook_url
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let Some(url) = url else {
        inner.log(
            "webhook",
            what.to_owned(),
            0,
            Some("no --webhook-url: not sent".into()),
        );
        return Attempt::GiveUp;
    };
    let request = http::Request::builder()
        .method("POST")
        .uri(&url)
        .header("content-type", "application/json")
        .header(lean_proto::webhook::SIGNATURE_HEADER, &signature)
        .body(Full::new(bytes::Bytes::from(body.to_vec())));
    let Ok(request) = request else {
        inner.log(
            "webhook",
            what.to_owned(),
            0,
            Some(format!("bad webhook URL {url:?}")),
        );
        return Attempt::GiveUp;
    };
    let limit = inner
        .config
        .real(Duration::from_secs(10))
        .max(Duration::from_millis(100));
    let outcome = tokio::time::timeout(limit, async {
        let resp = inner.delivery.client.request(request).await?;
        let status = resp.status().as_u16();
        let _ = resp.into_body().collect().await;
        Ok::<u16, hyper_util::client::legacy::Error>(status)
    })
    .await;
    let note = format!("attempt {}", attempt + 1);
    let what = what.to_owned();
    match outcome {
        Ok(Ok(200)) => {
            inner.log_webhook(what, 200, Some(note), body);
            return Attempt::Delivered;
        }
        Ok(Ok(status)) => inner.log_webhook(
            what,
            status,
            Some(format!("{note}: not 200, will retry")),
            body,
        ),
        Ok(Err(e)) => inner.log_webhook(what, 0, Some(format!("{note}: {e}")), body),
        Err(_) => inner.log_webhook(
            what,
            0,
            Some(format!("{note}: no answer within 10 s")),
            body,
        ),
    }
    Attempt::Retry
}
