//! Webhook verification and parsing on arbitrary bodies and signature headers.
#![no_main]

use lean_proto::webhook::{WebhookEvent, WebhookSecret};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let secret = WebhookSecret::new("fuzz-secret");
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (header, body) = data.split_at(split);
    let header = String::from_utf8_lossy(header);
    let _ = secret.verify_and_parse(body, Some(&header));
    // A correctly signed body must verify, whatever it holds.
    let sig = secret.sign(body);
    assert!(secret.verify(body, Some(&sig)).is_ok() || body.len() > lean_proto::webhook::DEFAULT_MAX_BODY);
    let _ = WebhookEvent::parse(body);
});
