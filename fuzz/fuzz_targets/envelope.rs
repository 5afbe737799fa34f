//! Any status and body through the one classification function, for every payload shape.
#![no_main]

use lean_proto::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((s, rest)) => (100 + u16::from(*s) * 2, rest),
        None => (200, data),
    };
    let Ok(resp) = http::Response::builder().status(status).body(body.to_vec()) else {
        return;
    };
    let _ = classify::<Page<Account>>(&resp);
    let _ = classify::<Page<Transaction>>(&resp);
    let _ = classify::<Page<Balance>>(&resp);
    let _ = classify::<AnyData>(&resp);
    let _ = classify::<Income>(&resp);
    let _ = classify::<Expenses>(&resp);
    let _ = classify::<Cashflows>(&resp);
    let _ = classify::<Refresh>(&resp);
    let _ = classify::<TokenResponse>(&resp);
});
