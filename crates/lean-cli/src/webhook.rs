//! `lean webhook verify` and `lean webhook listen`: signatures checked over the raw bytes,
//! bodies bounded, every request on its own thread.

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

pub(crate) fn listen(port: u16, secret: &str, max: Option<usize>) -> Result<(), Fail> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| Fail(format!("cannot listen on 127.0.0.1:{port}: {e}"), 1))?;
    eprintln!("listening for Lean webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    let intake = Arc::new(Intake {
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
    let status = ack.status();
    outln!("{line}");
    let _ = req.respond(tiny_http::Response::empty(status));
}
