//! Helpers the benchmarks share: statistics and process measurements. The benchmarks
//! themselves are in `benches/` (`cargo bench -p lean-bench`); each prints its figures and the
//! ratios against its baseline, measured side by side in one run.

pub mod floor;
pub mod hand_written;
pub mod remote;

use lean_proto::ResultsId;
use lean_proto::call::CallConfig;
use lean_proto::retry::RetryPolicy;
use lean_proto::webhook::WebhookSecret;
use std::time::{Duration, Instant};

/// The `q` quantile (0..=1) of `samples` (sorted in place).
pub fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let i = ((samples.len() - 1) as f64 * q).round() as usize;
    samples[i.min(samples.len() - 1)]
}

/// Resident memory of this process, in bytes (Linux `/proc/self/statm`).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// CPU time all threads of this process have run so far (Linux `/proc/self/task/*/schedstat`,
/// nanoseconds); threads that have ended are not counted, so take differences over spans in
/// which the process's threads live on.
pub fn cpu_time() -> Duration {
    cpu_time_of("self")
}

/// CPU time all threads of this process have run so far, ended ones included, from the
/// kernel's process clock: one system call, cheap enough to read around every call
/// (`/proc`, as [`cpu_time`] reads it, costs tens of µs).
pub fn process_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// [`cpu_time`] of the process `pid` (`"self"` or a number).
pub fn cpu_time_of(pid: &str) -> Duration {
    sched_of(pid).cpu
}

/// What the scheduler counted for a process's live threads (`/proc/PID/task/*/schedstat`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sched {
    /// CPU time run.
    pub cpu: Duration,
    /// Times a thread was put on a CPU: each is a switch to it, so on one CPU shared by a
    /// process's threads this counts their hand-overs (async-std's reactor, when its own thread
    /// drives it, wakes that thread and then the executor's for an answer).
    pub switches: u64,
}

/// [`Sched`] of the process `pid` (`"self"` or a number); ended threads are not counted.
pub fn sched_of(pid: &str) -> Sched {
    let mut out = Sched::default();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            let stat = std::fs::read(t.path().join("schedstat")).unwrap_or_default();
            let one = Sched::of_thread(&stat);
            out.cpu += one.cpu;
            out.switches += one.switches;
        }
    }
    out
}

impl Sched {
    /// One thread's, from the text of its `schedstat` file: the nanoseconds it ran, the
    /// nanoseconds it waited for a CPU, the times it was switched in (zeros for what is not
    /// there).
    pub fn of_thread(schedstat: &[u8]) -> Sched {
        let mut fields = schedstat
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty())
            .map(|f| {
                std::str::from_utf8(f)
                    .ok()
                    .and_then(|f| f.parse::<u64>().ok())
                    .unwrap_or(0)
            });
        let cpu = Duration::from_nanos(fields.next().unwrap_or(0));
        Sched {
            cpu,
            switches: fields.nth(1).unwrap_or(0),
        }
    }
}

/// The value after `name` on the command line (`--adapter surf` → `surf`), if given.
pub fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A count after `name` on the command line (`--rounds 31` → 31), if given; anything but a
/// number above 0 ends the bench with a message naming `bench` and the flag.
pub fn count_flag(bench: &str, name: &str) -> Option<usize> {
    let given = flag(name)?;
    match given.parse() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            eprintln!("{bench}: {name} takes a number above 0, not {given:?}");
            std::process::exit(2);
        }
    }
}

/// Milliseconds with two decimals, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// A signed `results.ready` for `id` with a unique `event_id` (a UUID, as Lean's are):
/// (signature header, body).
pub fn signed(secret: &WebhookSecret, id: &ResultsId, event: u64) -> (String, Vec<u8>) {
    let body = format!(
        r#"{{"type":"results.ready","payload":{{"id":"{id}"}},"message":"ready","timestamp":"2026-11-30T00:00:00Z","event_id":"28f729fe-9c36-426f-959b-{event:012x}"}}"#
    );
    (secret.sign(body.as_bytes()), body.into_bytes())
}

/// Spins (with 1 ms sleeps) until `cond`, panicking after `limit`.
pub fn wait_until(what: &str, limit: Duration, cond: impl Fn() -> bool) {
    let until = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Calls that wait for the webhook only: no grace end, no poll, no deadline within a run.
pub fn patient_calls() -> CallConfig {
    let long = Duration::from_secs(3600);
    {
        let mut calls = CallConfig::default();
        calls.deadline = long;
        calls.webhook_grace = long;
        calls.poll = RetryPolicy {
            max_retries: u32::MAX,
            base_delay: long,
            max_delay: long,
        };
        calls.retry = RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
        };
        calls
    }
}

/// An `api` access token from the emulator, fetched with a plain HTTP client (for benchmarks
/// whose baseline is a raw client).
pub fn token(sandbox: &lean_sandbox::Sandbox) -> String {
    let c = sandbox.config();
    fetch_token(&sandbox.base_url(), &c.client_id, &c.client_secret)
}

/// An `api` access token from the token endpoint at `base`, with a plain HTTP client.
pub fn fetch_token(base: &str, client_id: &str, client_secret: &str) -> String {
    let form = format!(
        "client_id={client_id}&client_secret={client_secret}&grant_type=client_credentials&scope=api"
    );
    let resp = ureq::post(format!("{base}/oauth2/token"))
        .content_type("application/x-www-form-urlencoded")
        .send(form)
        .expect("token");
    let v: serde_json::Value =
        serde_json::from_slice(&resp.into_body().read_to_vec().expect("token body"))
            .expect("token JSON");
    v["access_token"].as_str().expect("access_token").to_owned()
}

/// One answer as lean-sandbox sent it over HTTP, to be handed out again without a network.
#[derive(Clone)]
pub struct Recorded {
    /// Its status.
    pub status: http::StatusCode,
    /// Its headers, as sent.
    pub headers: http::HeaderMap,
    /// Its body.
    pub body: Vec<u8>,
}

fn recorded(mut resp: http::Response<ureq::Body>) -> Recorded {
    Recorded {
        status: resp.status(),
        headers: resp.headers().clone(),
        body: resp.body_mut().read_to_vec().expect("body"),
    }
}

/// An agent that hands error statuses back as answers (a recording keeps them).
fn recording_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// `sandbox`'s answer to an `api` token request with its own credentials.
pub fn token_answer(sandbox: &lean_sandbox::Sandbox) -> Recorded {
    let c = sandbox.config();
    recorded(
        recording_agent()
            .post(format!("{}/oauth2/token", sandbox.base_url()))
            .send_form([
                ("client_id", c.client_id.as_str()),
                ("client_secret", c.client_secret.as_str()),
                ("grant_type", "client_credentials"),
                ("scope", "api"),
            ])
            .expect("token"),
    )
}

/// `sandbox`'s `accounts` answer for `entity` (9 accounts for each of its seeded entities).
pub fn accounts_answer(sandbox: &lean_sandbox::Sandbox, entity: &lean_proto::EntityId) -> Recorded {
    recorded(
        recording_agent()
            .get(format!(
                "{}/data/v2/accounts?entity_id={entity}",
                sandbox.base_url()
            ))
            .header("authorization", format!("Bearer {}", token(sandbox)))
            .call()
            .expect("accounts"),
    )
}

/// The hand-written side's reqwest client, as every bench builds it: rustls with ring and no
/// roots (the emulator is plain HTTP over loopback), redirects and pool as reqwest sets them.
pub fn raw_reqwest() -> Result<reqwest::Client, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|e| format!("reqwest: {e}"))
}

/// The hand-written side's surf client, as every bench builds it: configured as lean-surf
/// configures its connections (keep-alive on, Nagle off, no surf-level timeout), with a pool of
/// up to `connections` per host.
pub fn raw_surf(connections: usize) -> Result<surf::Client, String> {
    surf::Config::new()
        .set_timeout(None)
        .set_http_keep_alive(true)
        .set_tcp_no_delay(true)
        .set_max_connections_per_host(connections)
        .try_into()
        .map_err(|e| format!("surf: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_s_schedstat_is_its_cpu_then_its_wait_then_its_switches() {
        let one = Sched::of_thread(b"1234567 89 42\n");
        assert_eq!(one.cpu, Duration::from_nanos(1_234_567));
        assert_eq!(one.switches, 42);
        let none = Sched::of_thread(b"");
        assert_eq!((none.cpu, none.switches), (Duration::ZERO, 0));
    }
}
