//! The command line of the emulator, shared by the `lean-sandbox` binary and `lean sandbox`.

use crate::config::{SandboxConfig, parse_duration, parse_latency};
use crate::faults::{FaultKind, FaultRule};
use crate::{Latency, Sandbox};
use std::time::Duration;

/// Flags of `lean-sandbox` (and `lean sandbox`).
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8990)]
    pub port: u16,
    /// Seed of the data and of the fault draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// OAuth2 client id to accept.
    #[arg(long, default_value = "sandbox-client")]
    pub client_id: String,
    /// OAuth2 client secret to accept.
    #[arg(long, default_value = "sandbox-secret")]
    pub client_secret: String,
    /// v1 app token to accept.
    #[arg(long, default_value = "sandbox-app-token")]
    pub app_token: String,
    /// Where to POST webhooks.
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// Secret that signs webhooks.
    #[arg(long, default_value = "sandbox-webhook-secret")]
    pub webhook_secret: String,
    /// Bank time after which a synchronous call answers PENDING.
    #[arg(long, default_value = "50s", value_parser = parse_duration)]
    pub pending_after: Duration,
    /// Simulated bank latency: `2s` or a range `200ms..2s`.
    #[arg(long, default_value = "200ms..2s", value_parser = parse_latency)]
    pub bank_latency: Latency,
    /// Real seconds per Lean second (0.01 makes the 50 s fallback take 0.5 s).
    #[arg(long, default_value_t = 1.0, value_parser = parse_time_scale)]
    pub time_scale: f64,
    /// Access token lifetime (real time, not scaled by --time-scale).
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub token_lifetime: Duration,
    /// Transactions of the first account of each entity (up to 100,000 and more).
    #[arg(long, default_value_t = 293)]
    pub transactions: usize,
    /// Customers seeded, one entity each (a larger world for load and paging tests).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub entities: u64,
    /// Share of data requests answered with HTTP 500.
    #[arg(long, default_value_t = 0.0)]
    pub fault_5xx: f64,
    /// Share answered 429 with `Retry-After: 1`.
    #[arg(long, default_value_t = 0.0)]
    pub fault_429: f64,
    /// Share whose connection is reset.
    #[arg(long, default_value_t = 0.0)]
    pub fault_reset: f64,
    /// Share whose body is truncated.
    #[arg(long, default_value_t = 0.0)]
    pub fault_truncated: f64,
    /// Share answered `FAILED` with `BANK_ISSUE`.
    #[arg(long, default_value_t = 0.0)]
    pub fault_failed: f64,
    /// Share of `results.ready` webhooks never sent.
    #[arg(long, default_value_t = 0.0)]
    pub fault_webhook_lost: f64,
    /// Share of `results.ready` webhooks sent twice.
    #[arg(long, default_value_t = 0.0)]
    pub fault_webhook_duplicated: f64,
    /// Share of `results.ready` webhooks sent before their PENDING answer.
    #[arg(long, default_value_t = 0.0)]
    pub fault_webhook_early: f64,
}

impl SandboxArgs {
    /// The configuration these flags describe.
    pub fn config(&self) -> SandboxConfig {
        let mut faults = Vec::new();
        let mut add = |rate: f64, kind: FaultKind| {
            if rate > 0.0 {
                faults.push(FaultRule::rate(kind, rate.min(1.0)));
            }
        };
        add(self.fault_5xx, FaultKind::ServerError { status: 500 });
        add(self.fault_429, FaultKind::RateLimited { retry_after: 1 });
        add(self.fault_reset, FaultKind::Reset);
        add(self.fault_truncated, FaultKind::Truncated);
        add(
            self.fault_failed,
            FaultKind::Failed {
                granular_status_code: "BANK_ISSUE".into(),
            },
        );
        add(self.fault_webhook_lost, FaultKind::WebhookLost);
        add(self.fault_webhook_duplicated, FaultKind::WebhookDuplicated);
        add(self.fault_webhook_early, FaultKind::WebhookEarly);
        SandboxConfig {
            port: self.port,
            seed: self.seed,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            app_token: self.app_token.clone(),
            webhook_url: self.webhook_url.clone(),
            webhook_secret: self.webhook_secret.clone(),
            pending_after: self.pending_after,
            bank_latency: self.bank_latency,
            time_scale: self.time_scale,
            token_lifetime: self.token_lifetime,
            transactions: self.transactions,
            entities: usize::try_from(self.entities).unwrap_or(usize::MAX),
            faults,
            ..SandboxConfig::default()
        }
    }
}

/// What a client needs, as printed at start.
pub fn banner(sandbox: &Sandbox) -> String {
    let c = sandbox.config();
    let mut out = format!(
        "lean-sandbox listening on {base}\n\
         dashboard: {base}/_sandbox/ (every call, PENDING answer, webhook attempt and results fetch)\n\
         \n  LEAN_BASE_URL={base}\n  LEAN_AUTH_URL={base}\n  LEAN_CLIENT_ID={}\n  LEAN_CLIENT_SECRET={}\n  LEAN_APP_TOKEN={}\n  webhook secret: {}\n  webhook URL: {}\n  pending after: {} s (Lean time), time scale {}\n\nSeeded data:\n",
        c.client_id,
        c.client_secret,
        c.app_token,
        c.webhook_secret,
        c.webhook_url
            .as_deref()
            .unwrap_or("(none: set --webhook-url or POST /_sandbox/webhook-url)"),
        c.pending_after.as_secs_f64(),
        c.time_scale,
        base = sandbox.base_url(),
    );
    for (customer, entity) in sandbox.customers().iter().zip(sandbox.entities()) {
        out.push_str(&format!(
            "  customer_id {customer}\n    entity_id {entity}\n"
        ));
        for a in sandbox.accounts(&entity) {
            out.push_str(&format!("      account_id {a}\n"));
        }
    }
    out.push_str("\nControl API: GET /_sandbox/state, GET /_sandbox/log, POST /_sandbox/faults, POST /_sandbox/webhooks\n");
    out
}

/// Starts the emulator and serves until the process is stopped.
pub fn run_forever(args: &SandboxArgs) -> std::io::Result<()> {
    let sandbox = Sandbox::start(args.config())?;
    println!("{}", banner(&sandbox));
    loop {
        std::thread::park();
    }
}

/// `--time-scale`, by [`crate::config::check_time_scale`] (a bad value is a usage error,
/// exit 2).
pub fn parse_time_scale(s: &str) -> Result<f64, String> {
    let scale = s.trim().parse::<f64>().map_err(|e| e.to_string())?;
    crate::config::check_time_scale(scale)
}
