//! Any sequence of page answers through the item cursor: it must end (no page number, however
//! absurd or repeated, makes it loop) and never panic.
#![no_main]

use lean_proto::call::{CallConfig, Context};
use lean_proto::auth::TokenCache;
use lean_proto::pager::{Cursor, Next};
use lean_proto::results::InMemoryResults;
use lean_proto::*;
use libfuzzer_sys::fuzz_target;
use std::time::Instant;

fuzz_target!(|data: &[u8]| {
    let config = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials { client_id: "id".into(), client_secret: Secret::new("s") },
    );
    let tokens = TokenCache::new(&config);
    let results = InMemoryResults::default();
    let ctx = Context { tokens: &tokens, results: &results };
    let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap();
    let account = AccountId::parse("fe672591-bc88-4cec-96e7-9101bde496ce").unwrap();
    let mut cursor = Cursor::new(GetTransactions::new(entity, account));
    let token = br#"{"access_token":"t","token_type":"Bearer","expires_in":3600}"#;
    // The input is a list of page bodies separated by 0xff.
    let mut bodies = data.split(|b| *b == 0xff);
    let now = Instant::now();
    for _ in 0..64 {
        match cursor.next(config.api_base(), CallConfig::default(), now) {
            Next::Item(_) => {}
            Next::Done => return,
            Next::Fetch(mut call) => {
                let Some(body) = bodies.next() else { return };
                let Some(mut tx) = call.poll_transmit(now, &ctx) else { return };
                if tx.purpose == lean_proto::call::Purpose::Token {
                    let Ok(resp) = http::Response::builder().status(200).body(token.to_vec()) else {
                        return;
                    };
                    call.handle_response(tx.id, resp, now, &ctx);
                    let Some(next) = call.poll_transmit(now, &ctx) else { return };
                    tx = next;
                }
                let Ok(resp) = http::Response::builder().status(200).body(body.to_vec()) else {
                    return;
                };
                call.handle_response(tx.id, resp, now, &ctx);
                match call.poll_outcome() {
                    Some(Ok(page)) => cursor.handle_page(page),
                    _ => return,
                }
            }
        }
    }
});
