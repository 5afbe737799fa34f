//! Random walks of the call state machine: any order of responses (real-looking or garbage),
//! transport errors, webhooks and timeouts. The call must never panic, must yield at most one
//! outcome, and must stop asking for work once done.
#![no_main]

use lean_proto::auth::TokenCache;
use lean_proto::call::{Call, CallConfig, Context};
use lean_proto::results::InMemoryResults;
use lean_proto::retry::TransportError;
use lean_proto::*;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

const RID: &str = "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4";

fn body(kind: u8, rest: &[u8]) -> (u16, Vec<u8>) {
    match kind % 9 {
        0 => (200, br#"{"access_token":"t","token_type":"Bearer","expires_in":60}"#.to_vec()),
        1 => (200, format!(r#"{{"status":"PENDING","results_id":"{RID}","data":null}}"#).into_bytes()),
        2 => (200, format!(r#"{{"status":"OK","results_id":"{RID}","data":{{"type":"accounts","accounts":[],"page":{{"number":0,"size":50,"total_elements":0,"total_pages":0}}}}}}"#).into_bytes()),
        3 => (404, format!(r#"{{"status":"UNKNOWN_RESULTS_ID","results_id":"{RID}"}}"#).into_bytes()),
        4 => (200, br#"{"status":"FAILED","status_detail":{"granular_status_code":"BANK_ISSUE"}}"#.to_vec()),
        5 => (429, b"{}".to_vec()),
        6 => (401, b"{}".to_vec()),
        7 => (503, rest.to_vec()),
        _ => (200, rest.to_vec()),
    }
}

fuzz_target!(|data: &[u8]| {
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    let mut now = start;
    let config = Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: BaseUrl::parse("http://127.0.0.1:1").unwrap(),
            auth_base: BaseUrl::parse("http://127.0.0.1:1").unwrap(),
        },
        Credentials::ClientCredentials { client_id: "id".into(), client_secret: Secret::new("s") },
    );
    let tokens = TokenCache::new(&config);
    let results = InMemoryResults::default();
    let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap();
    let mut call = Call::new(GetAccounts::new(entity), config.api_base(), CallConfig::default(), start);
    let mut outcomes = 0;
    let mut last_tx = None;
    for chunk in data.chunks(3) {
        let (op, arg, extra) = (chunk[0], *chunk.get(1).unwrap_or(&0), chunk.get(2..).unwrap_or(&[]));
        let ctx = Context { tokens: &tokens, results: &results };
        if let Some(tx) = call.poll_transmit(now, &ctx) {
            last_tx = Some(tx.id);
        }
        match op % 6 {
            0 | 1 => {
                if let Some(id) = last_tx {
                    let (status, b) = body(arg, extra);
                    let resp = http::Response::builder().status(status).body(b).unwrap();
                    call.handle_response(id, resp, now, &ctx);
                }
            }
            2 => {
                if let Some(id) = last_tx {
                    let e = match arg % 3 {
                        0 => TransportError::Connect,
                        1 => TransportError::TimedOut { request_sent: arg & 4 != 0 },
                        _ => TransportError::Reset { request_sent: arg & 4 != 0 },
                    };
                    call.handle_transport_error(id, e, now, &ctx);
                }
            }
            3 => {
                let rid = ResultsId::parse(RID).unwrap();
                ctx.results.mark_ready(&rid, now);
                call.handle_timeout(now, &ctx);
            }
            _ => {
                now += Duration::from_millis(u64::from(arg) * 997);
                if let Some(t) = call.poll_timeout() {
                    assert!(t <= start + CallConfig::default().deadline);
                }
                call.handle_timeout(now, &ctx);
            }
        }
        if call.poll_outcome().is_some() {
            outcomes += 1;
        }
        assert!(outcomes <= 1);
        if call.is_done() {
            assert!(call.poll_timeout().is_none());
            let ctx = Context { tokens: &tokens, results: &results };
            assert!(call.poll_transmit(now, &ctx).is_none());
        }
    }
});
