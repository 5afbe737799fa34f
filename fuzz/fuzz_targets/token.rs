//! Any token answer (status and body) into the token cache, then access at any later time:
//! `expires_in` of any size or type must neither panic nor loop.
#![no_main]

use lean_proto::auth::{TokenAccess, TokenCache};
use lean_proto::*;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    let Some((&status, rest)) = data.split_first() else { return };
    let Some((&jump, body)) = rest.split_first() else { return };
    let config = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials { client_id: "id".into(), client_secret: Secret::new("s") },
    );
    let cache = TokenCache::new(&config);
    let t0 = Instant::now();
    let Ok(TokenAccess::Fetch(ticket, _)) = cache.access(t0) else { return };
    let Ok(resp) = http::Response::builder()
        .status(100 + u16::from(status) * 2)
        .body(body.to_vec())
    else {
        return;
    };
    let _ = cache.handle_fetch_response(ticket, &resp, t0);
    for shift in [0, 1, u64::from(jump), u64::from(jump) << 20, u64::MAX >> 20] {
        if let Some(at) = t0.checked_add(Duration::from_secs(shift)) {
            let _ = cache.access(at);
            let _ = cache.is_fetching(at);
        }
    }
    let _ = cache.expires_at();
});
