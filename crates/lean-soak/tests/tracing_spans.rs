//! What `tracing` shows of a PENDING call, through each adapter: with a capturing subscriber,
//! the call's span carries its `results_id` and outcome, each HTTP attempt is a child span with
//! OpenTelemetry's field names and its status code, the webhook match is an event in the call,
//! and no field or message anywhere holds a secret.

use lean_conformance::executors::{AsyncStd, Tokio};
use lean_conformance::webhook_endpoint::WebhookEndpoint;
use lean_conformance::{Adapter, Async, Blocking};
use lean_proto::call::CallConfig;
use lean_proto::*;
use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Debug, Clone)]
struct SpanRec {
    name: &'static str,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventRec {
    target: String,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Captured {
    spans: BTreeMap<u64, SpanRec>,
    events: Vec<EventRec>,
}

/// A subscriber that keeps every span's fields (as recorded over its life) and every event.
struct Capture {
    next: AtomicU64,
    seen: Mutex<Captured>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Capture {
    fn seen(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.seen().spans.insert(
            id,
            SpanRec {
                name: attrs.metadata().name(),
                parent: attrs.parent().map(Id::into_u64),
                fields,
            },
        );
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(s) = self.seen().spans.get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut s.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.seen().events.push(EventRec {
            target: event.metadata().target().to_owned(),
            parent: event.parent().map(Id::into_u64),
            fields,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

static CAPTURE: OnceLock<Arc<Capture>> = OnceLock::new();

fn capture() -> &'static Arc<Capture> {
    CAPTURE.get_or_init(|| {
        Arc::new(Capture {
            next: AtomicU64::new(0),
            seen: Mutex::new(Captured::default()),
        })
    })
}

/// Every text the subscriber saw, for the secret check.
fn all_text(c: &Captured) -> Vec<String> {
    let spans = c.spans.values().flat_map(|s| s.fields.values().cloned());
    let events = c.events.iter().flat_map(|e| e.fields.values().cloned());
    spans.chain(events).collect()
}

/// A PENDING call with its webhook delivered; what `tracing` saw of it.
fn pending_call<C: Adapter>(sandbox: &Sandbox, name: &str) {
    *capture().seen() = Captured::default();
    let calls = CallConfig::default()
        .with_deadline(Duration::from_secs(30))
        .with_webhook_grace(Duration::from_secs(20));
    let client = C::connect(
        sandbox.client_config(),
        calls,
        Some(sandbox.webhook_secret()),
    );
    let c = client.clone();
    let hooks =
        WebhookEndpoint::start(move |signature, body| c.handle_webhook(signature, body).status());
    sandbox.set_webhook_url(Some(hooks.url().to_owned()));
    let entity = sandbox.entities()[0].clone();
    let mut pending = GetAccounts::new(entity.clone());
    pending.options.asynchronous = true;
    let data = client
        .call(pending)
        .expect("a PENDING call, then its results");
    let results_id = data.results_id.expect("the data came through results");
    sandbox.set_webhook_url(None);

    let seen = capture().seen();
    let calls: Vec<(&u64, &SpanRec)> = seen
        .spans
        .iter()
        .filter(|(_, s)| s.name == "lean.call")
        .collect();
    assert_eq!(calls.len(), 1, "{name}: one call span: {calls:#?}");
    let (call_id, call) = calls[0];
    let f = &call.fields;
    assert_eq!(
        f.get("lean.endpoint").map(String::as_str),
        Some("accounts"),
        "{name}: {f:?}"
    );
    assert_eq!(f.get("lean.entity_id"), Some(&entity.to_string()), "{name}");
    assert_eq!(
        f.get("lean.results_id"),
        Some(&results_id.to_string()),
        "{name}"
    );
    assert_eq!(
        f.get("lean.outcome").map(String::as_str),
        Some("data"),
        "{name}"
    );
    assert_eq!(
        f.get("lean.requests").map(String::as_str),
        Some("3"),
        "{name}: {f:?}"
    );

    let attempts: Vec<&SpanRec> = seen
        .spans
        .values()
        .filter(|s| s.name == "lean.http" && s.parent == Some(*call_id))
        .collect();
    let described: Vec<String> = attempts
        .iter()
        .map(|s| {
            let g = |k: &str| s.fields.get(k).cloned().unwrap_or_default();
            format!(
                "{} {} {} -> {} {}",
                g("lean.purpose"),
                g("http.request.method"),
                g("url.path"),
                g("http.response.status_code"),
                g("lean.class")
            )
        })
        .collect();
    let token_url: http::Uri = sandbox.client_config().token_url().parse().unwrap();
    let token_path = token_url.path().to_owned();
    assert_eq!(
        described,
        [
            format!("token POST {token_path} -> 200 data"),
            "data_async GET /data/v2/accounts -> 200 pending".to_owned(),
            format!("results GET /data/v2/results/{results_id} -> 200 data"),
        ],
        "{name}"
    );
    for a in &attempts {
        assert_eq!(
            a.fields.get("otel.kind").map(String::as_str),
            Some("client")
        );
        assert!(
            a.fields
                .get("server.address")
                .is_some_and(|h| !h.is_empty()),
            "{a:?}"
        );
        assert_eq!(
            a.fields
                .get("http.request.resend_count")
                .map(String::as_str),
            Some("0")
        );
    }
    let matched = seen.events.iter().any(|e| {
        e.parent == Some(*call_id)
            && e.fields.get("message").map(String::as_str) == Some("results.ready matched")
            && e.fields.get("lean.results_id") == Some(&results_id.to_string())
    });
    assert!(matched, "{name}: the webhook match is an event of the call");
    let webhook = seen.events.iter().any(|e| {
        e.target == "lean_client::webhook"
            && e.fields.get("lean.ack").map(String::as_str) == Some("accepted")
            && e.fields.get("lean.results_id") == Some(&results_id.to_string())
    });
    assert!(
        webhook,
        "{name}: the intake says what it did with the webhook"
    );

    let defaults = SandboxConfig::default();
    for text in all_text(&seen) {
        for secret in [
            defaults.client_secret.as_str(),
            defaults.app_token.as_str(),
            // Every access token, as Lean's, is a JWT: `eyJ` is its `{"` in base64url.
            "eyJ",
            "Bearer",
            "sandbox-webhook-secret",
        ] {
            assert!(
                !text.contains(secret),
                "{name}: a field holds a secret: {text}"
            );
        }
    }
}

#[test]
fn a_pending_call_is_traced_through_every_adapter_without_a_secret() {
    tracing::subscriber::set_global_default(capture().clone()).expect("the only subscriber");
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(100)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    })
    .unwrap();
    pending_call::<Blocking<lean_ureq::Ureq>>(&sandbox, "lean-ureq");
    pending_call::<Async<lean_reqwest::Reqwest, Tokio>>(&sandbox, "lean-reqwest");
    pending_call::<Async<lean_surf::Surf, AsyncStd>>(&sandbox, "lean-surf");
}
