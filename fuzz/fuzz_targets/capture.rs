//! Any bytes as a captured webhook request (what `lean webhook verify` reads): the split into
//! signature and body must not panic, and the body must be a suffix of the input, untouched.
#![no_main]

use lean_proto::webhook::{WebhookSecret, split_capture};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((signature, body)) = split_capture(data) {
        assert!(data.ends_with(body));
        let _ = WebhookSecret::new("s").verify(body, signature.as_deref());
    }
});
