//! No crate of lean-rs ever logs a secret: with every `log` record captured at TRACE, a
//! PENDING call (token fetch, data request, results) runs through each adapter, and no record
//! from a `lean_*` target holds the client secret, the app token or a bearer token.
//!
//! Our crates log nothing today; this test fails the day one of them logs a secret. Some
//! dependencies do log secrets at TRACE (ureq and async-h1 print request headers and bodies):
//! the records of those targets are counted and printed, not failed on, and
//! `docs/reliability.md` says which targets to keep below TRACE.

use lean_conformance::executors::{AsyncStd, Tokio};
use lean_conformance::{Adapter, Async, Blocking};
use lean_proto::call::CallConfig;
use lean_proto::*;
use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use std::sync::Mutex;
use std::time::Duration;

struct Capture(Mutex<Vec<(String, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let text = format!("{}", record.args());
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((record.target().to_owned(), text));
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// A PENDING v2 call (token, data, results), then a v1 call with the app token.
fn run<C: Adapter>(sandbox: &Sandbox, config: Config) {
    let calls = CallConfig::default()
        .with_deadline(Duration::from_secs(20))
        .with_webhook_grace(Duration::from_millis(200));
    let client = C::connect(config, calls, None);
    let entity = sandbox.entities()[0].clone();
    let mut pending = GetAccounts::new(entity);
    pending.options.asynchronous = true;
    let d = client
        .call(pending)
        .expect("a PENDING call, then its results");
    assert_eq!(d.payload.items.len(), 9);
}

#[test]
fn no_lean_crate_logs_a_secret_at_any_level() {
    log::set_logger(&CAPTURE).expect("the only logger");
    log::set_max_level(log::LevelFilter::Trace);
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(100)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    })
    .unwrap();
    let v2 = sandbox.client_config();
    run::<Blocking<lean_ureq::Ureq>>(&sandbox, v2.clone());
    run::<Async<lean_reqwest::Reqwest, Tokio>>(&sandbox, v2.clone());
    run::<Async<lean_surf::Surf, AsyncStd>>(&sandbox, v2.clone());
    let defaults = SandboxConfig::default();
    let secrets = [
        defaults.client_secret.as_str(),
        defaults.app_token.as_str(),
        "Bearer ",
        "access_token",
    ];
    let records = CAPTURE.0.lock().unwrap().clone();
    assert!(
        !records.is_empty(),
        "the capture works: dependencies log at TRACE"
    );
    let mut leaking_dependencies = std::collections::BTreeMap::new();
    for (target, text) in &records {
        let leaks: Vec<&str> = secrets
            .iter()
            .copied()
            .filter(|s| text.contains(s))
            .collect();
        if target.starts_with("lean") {
            assert!(leaks.is_empty(), "{target} logged a secret: {text}");
        } else if !leaks.is_empty() {
            *leaking_dependencies
                .entry(format!("{target} ({})", leaks.join(", ")))
                .or_insert(0) += 1;
        }
    }
    eprintln!("dependency targets that print secrets at TRACE: {leaking_dependencies:?}");
}
