//! `lean webhook verify`, `lean webhook listen` and `lean trigger`: signatures checked over the
//! raw bytes, bodies bounded, every request on its own thread; captures saved as `webhook
//! verify` reads them; deliveries relayed to your app unchanged.

use crate::out::outln;
use crate::{Fail, read_input};
use lean_proto::webhook::{Ack, WebhookEvent, WebhookSecret};
use std::io::Read;

pub(crate) fn verify(secret: &str, signature: Option<String>, file: &str) -> Result<(), Fail> {
    let input = read_input(file)?;
    let (signature, body) = match signature {
        Some(s) => (Some(s), input),
        None => {
            // A capture: headers, a blank line, the raw body, split on bytes (the body must
            // stay byte for byte what was signed).
            let Some((sig, body)) = lean_proto::webhook::split_capture(&input) else {
                return Err(Fail("no --signature and no headers in the input (a capture is headers, a blank line, the body)".into(), 2));
            };
            (sig, body.to_vec())
        }
    };
    match WebhookSecret::new(secret).verify(&body, signature.as_deref()) {
        Ok(()) => {
            let summary = WebhookEvent::parse(&body)
                .map(|e| {
                    format!(
                        "{} event_id {}",
                        e.kind_name,
                        e.event_id.as_deref().unwrap_or_default()
                    )
                })
                .unwrap_or_else(|e| format!("(signed, but {e})"));
            outln!("valid: {summary}");
            Ok(())
        }
        Err(e) => Err(Fail(format!("invalid: {e}"), 1)),
    }
}

/// Webhooks are a few KB; the verifier refuses anything over its limit anyway.
const MAX_WEBHOOK_BODY: u64 = lean_proto::webhook::DEFAULT_MAX_BODY as u64;
/// Requests handled at once; beyond, 503 (Lean retries). A stalled upload holds one slot only.
const MAX_IN_FLIGHT: usize = 32;

/// What `listen` does with each delivery besides checking it.
pub(crate) struct ListenOptions {
    /// Writes each capture (request line, headers, a blank line, the raw body) here.
    pub(crate) save: Option<std::path::PathBuf>,
    /// Relays each delivery unchanged here, and answers Lean with what the app answered.
    pub(crate) forward_to: Option<String>,
    /// One NDJSON record per delivery.
    pub(crate) json: bool,
}

pub(crate) fn listen(
    port: u16,
    secret: &str,
    max: Option<usize>,
    options: ListenOptions,
) -> Result<(), Fail> {
    if let Some(dir) = &options.save {
        std::fs::create_dir_all(dir)
            .map_err(|e| Fail(format!("cannot create {}: {e}", dir.display()), 2))?;
    }
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| Fail(format!("cannot listen on 127.0.0.1:{port}: {e}"), 1))?;
    eprintln!("listening for Lean webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    let intake = Arc::new(Intake {
        options,
        seq: AtomicUsize::new(0),
        secret: WebhookSecret::new(secret),
        dedupe: Mutex::new(lean_proto::webhook::Dedupe::new(10_000)),
        // Nothing waits for results here: readiness is only printed.
        registry: lean_proto::results::InMemoryResults::default(),
    });
    let in_flight = Arc::new(AtomicUsize::new(0));
    // One thread per request: a slow or stalled client never delays a valid webhook.
    for (seen, request) in server.incoming_requests().enumerate() {
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            let _ = request.respond(tiny_http::Response::empty(503));
        } else {
            let (intake, in_flight) = (intake.clone(), in_flight.clone());
            std::thread::spawn(move || {
                handle_webhook(request, &intake);
                in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        }
        if max.is_some_and(|m| seen + 1 >= m) {
            break;
        }
    }
    // Let the last requests finish printing, but never wait long on a stalled client.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while in_flight.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Ok(())
}

/// What the listener's intake needs: the same as a client's (the one
/// [`lean_proto::webhook::intake`] decides every answer).
struct Intake {
    options: ListenOptions,
    /// Numbers the captures.
    seq: std::sync::atomic::AtomicUsize,
    secret: WebhookSecret,
    dedupe: std::sync::Mutex<lean_proto::webhook::Dedupe>,
    registry: lean_proto::results::InMemoryResults,
}

fn handle_webhook(mut req: tiny_http::Request, intake: &Intake) {
    let sig = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("lean-signature"))
        .map(|h| h.value.to_string());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|h| (h.field.to_string(), h.value.to_string()))
        .collect();
    let request_line = format!("{} {} HTTP/1.1", req.method(), req.url());
    let mut body = Vec::new();
    let too_large = req
        .body_length()
        .is_some_and(|n| n as u64 > MAX_WEBHOOK_BODY)
        || req
            .as_reader()
            .take(MAX_WEBHOOK_BODY + 1)
            .read_to_end(&mut body)
            .is_err()
        || body.len() as u64 > MAX_WEBHOOK_BODY;
    if too_large {
        outln!("refused: body over {MAX_WEBHOOK_BODY} bytes");
        let _ = req.respond(tiny_http::Response::empty(413));
        return;
    }
    let ack = lean_proto::webhook::intake(
        Some(&intake.secret),
        &intake.dedupe,
        &intake.registry,
        sig.as_deref(),
        &body,
        std::time::Instant::now(),
    );
    let line = match (&ack, ack.event()) {
        (_, Some(e)) => format!(
            "{} event_id {} {}",
            e.kind_name,
            e.event_id.as_deref().unwrap_or_default(),
            String::from_utf8_lossy(&body)
        ),
        (Ack::Duplicate, _) => "duplicate (answered 200)".to_string(),
        (_, None) => match ack.error() {
            Some(e) => format!("refused ({}): {e}", ack.status()),
            None => format!("answered {}", ack.status()),
        },
    };
    let n = intake.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    let saved = intake.options.save.as_ref().map(|dir| {
        let name = ack
            .event()
            .and_then(|e| e.event_id.as_deref().map(str::to_owned))
            .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or_else(|| "unparsed".into());
        let path = dir.join(format!("{n:06}-{name}.http"));
        let mut capture = format!("{request_line}\r\n");
        for (k, v) in &headers {
            capture.push_str(&format!("{k}: {v}\r\n"));
        }
        capture.push_str("\r\n");
        let mut bytes = capture.into_bytes();
        bytes.extend_from_slice(&body);
        match std::fs::write(&path, bytes) {
            Ok(()) => path.display().to_string(),
            Err(e) => format!("(not saved: {e})"),
        }
    });
    // Your app's answer is the one Lean gets; without an app, the intake's.
    let (status, forwarded) = match &intake.options.forward_to {
        Some(url) => match forward(url, sig.as_deref(), &body) {
            Ok(app) => (app, Some(app.to_string())),
            Err(e) => (502, Some(format!("unreachable: {e}"))),
        },
        None => (ack.status(), None),
    };
    if intake.options.json {
        let record = serde_json::json!({
            "n": n,
            "type": ack.event().map(|e| e.kind_name.clone()),
            "event_id": ack.event().and_then(|e| e.event_id.as_deref().map(str::to_owned)),
            "signature_valid": ack.event().is_some() || matches!(ack, Ack::Duplicate),
            "duplicate": matches!(ack, Ack::Duplicate),
            "refused": ack.error().map(|e| e.to_string()),
            "answered": status,
            "forwarded": forwarded,
            "saved": saved,
            "body": String::from_utf8_lossy(&body),
        });
        outln!("{record}");
    } else {
        outln!("{line}");
        if let Some(f) = &forwarded {
            outln!("  forwarded: your app answered {f}");
        }
        if let Some(p) = &saved {
            outln!("  saved: {p}");
        }
    }
    let _ = req.respond(tiny_http::Response::empty(status));
}

/// Relays a delivery to the app as Lean sent it (body and `lean-signature` unchanged); the
/// app's HTTP status.
fn forward(url: &str, signature: Option<&str>, body: &[u8]) -> Result<u16, String> {
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build(),
    );
    let mut req = agent.post(url).header("content-type", "application/json");
    if let Some(s) = signature {
        req = req.header("lean-signature", s);
    }
    req.send(body)
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

/// `lean trigger TYPE`: a signed sample event of a documented type, sent straight to `url`
/// (signed with `secret`), or through a running emulator at `emulator` (its control API signs
/// it and sends it to its webhook URL).
pub(crate) fn trigger(
    kind: &str,
    url: Option<&str>,
    secret: Option<&str>,
    emulator: Option<&str>,
) -> Result<(), Fail> {
    use lean_proto::webhook::samples;
    if !samples::DOCUMENTED.contains(&kind) {
        return Err(Fail(
            format!(
                "error: {kind:?} is not a webhook type Lean documents; one of: {}",
                samples::DOCUMENTED.join(", ")
            ),
            crate::exit::USAGE,
        ));
    }
    match (url, emulator) {
        (Some(url), _) => {
            let secret = secret.ok_or_else(|| {
                Fail(
                    "error: --secret (or LEAN_WEBHOOK_SECRET) signs the event".into(),
                    crate::exit::USAGE,
                )
            })?;
            let event_id = uuid_like();
            let now: chrono::DateTime<chrono::Utc> = std::time::SystemTime::now().into();
            let body = samples::sample(
                kind,
                &event_id,
                &now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            )
            .unwrap_or_default();
            let signature = WebhookSecret::new(secret).sign(body.as_bytes());
            let status = forward(url, Some(&signature), body.as_bytes())
                .map_err(|e| Fail(format!("error: {url}: {e}"), crate::exit::LEAN))?;
            outln!("{kind} event_id {event_id}: your endpoint answered {status}");
            if (200..300).contains(&status) {
                Ok(())
            } else {
                Err(Fail(
                    format!("error: your endpoint answered {status}; Lean would send it again"),
                    crate::exit::LEAN,
                ))
            }
        }
        (None, Some(base)) => {
            let agent = ureq::Agent::new_with_config(
                ureq::config::Config::builder()
                    .http_status_as_error(false)
                    .build(),
            );
            let mut r = agent
                .post(format!("{}/_sandbox/webhooks", base.trim_end_matches('/')))
                .header("content-type", "application/json")
                .send(serde_json::json!({ "type": kind }).to_string())
                .map_err(|e| Fail(format!("error: {base}: {e}"), crate::exit::LEAN))?;
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            if status != 202 {
                return Err(Fail(
                    format!("error: the emulator answered {status}: {text}"),
                    crate::exit::LEAN,
                ));
            }
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            outln!(
                "{kind} event_id {}: sent by the emulator to its webhook URL",
                v["event_id"].as_str().unwrap_or("-")
            );
            Ok(())
        }
        (None, None) => Err(Fail(
            "error: --url YOUR_ENDPOINT (signed with --secret), or --base-url of a running lean sandbox".into(),
            crate::exit::USAGE,
        )),
    }
}

/// A random UUID-shaped id for an event (from the clock and the process: unique enough for a
/// test event, and not a secret).
fn uuid_like() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    let a = h.finish();
    h.write_u64(a);
    let b = h.finish();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// `lean ids`: the customers, entities and accounts of a running emulator (its control API).
pub(crate) fn ids(base: &str, json: bool) -> Result<(), Fail> {
    let agent = ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .build(),
    );
    let mut r = agent
        .get(format!("{}/_sandbox/state", base.trim_end_matches('/')))
        .call()
        .map_err(|e| Fail(format!("error: {base}: {e}"), crate::exit::LEAN))?;
    let text = r.body_mut().read_to_string().unwrap_or_default();
    let state: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        Fail(
            format!("error: {base} is not a running lean sandbox (no /_sandbox/state)"),
            crate::exit::LEAN,
        )
    })?;
    let mut rows = Vec::new();
    for c in state["customers"].as_array().into_iter().flatten() {
        for e in c["entities"].as_array().into_iter().flatten() {
            for a in e["accounts"].as_array().into_iter().flatten() {
                rows.push(serde_json::json!({
                    "customer_id": c["customer_id"], "app_user_id": c["app_user_id"],
                    "entity_id": e["entity_id"], "bank_identifier": e["bank_identifier"],
                    "account_id": a["account_id"], "account_sub_type": a["account_sub_type"],
                }));
            }
        }
    }
    crate::print_json_or(json, &rows, || {
        let mut out = String::from(
            "customer_id                           entity_id                             account_id                            sub_type",
        );
        for r in &rows {
            out.push_str(&format!(
                "\n{}  {}  {}  {}",
                r["customer_id"].as_str().unwrap_or("-"),
                r["entity_id"].as_str().unwrap_or("-"),
                r["account_id"].as_str().unwrap_or("-"),
                r["account_sub_type"].as_str().unwrap_or("-")
            ));
        }
        out
    });
    Ok(())
}
