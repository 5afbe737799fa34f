//! The emulator's settings: credentials, timing (Lean time and how fast it runs here), data
//! volume and faults.

use crate::faults::FaultRule;
use std::time::Duration;

/// A range of simulated bank latencies, drawn uniformly per data request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// Shortest.
    pub min: Duration,
    /// Longest.
    pub max: Duration,
}

impl Latency {
    /// One fixed latency.
    pub fn fixed(d: Duration) -> Self {
        Latency { min: d, max: d }
    }
}

/// Everything the emulator can be told at start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Seed of the generated data and of the fault draws.
    pub seed: u64,
    /// OAuth2 client id accepted by `/oauth2/token`.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: String,
    /// v1 app token accepted as `lean-app-token`.
    pub app_token: String,
    /// Where to POST webhooks (none: webhooks are only logged).
    pub webhook_url: Option<String>,
    /// Secret that signs webhooks (`lean-signature: sha512=<hex>`).
    pub webhook_secret: String,
    /// Lean time after which a synchronous request answers PENDING (Lean: 50 s).
    pub pending_after: Duration,
    /// Simulated bank latency, in Lean time.
    pub bank_latency: Latency,
    /// Real seconds per Lean second (0.01 runs a 50 s fallback in 0.5 s).
    pub time_scale: f64,
    /// Lifetime of access tokens (real time, not scaled).
    pub token_lifetime: Duration,
    /// Transactions of the first account of each entity (others get fewer).
    pub transactions: usize,
    /// Customers seeded, one entity each (default 2; at least 1), for larger worlds.
    pub entities: usize,
    /// Faults active from the start.
    pub faults: Vec<FaultRule>,
    /// How long a client may take to send a request's headers, and then its body (real time).
    pub read_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            seed: 1,
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-secret".into(),
            app_token: "sandbox-app-token".into(),
            webhook_url: None,
            webhook_secret: "sandbox-webhook-secret".into(),
            pending_after: Duration::from_secs(50),
            bank_latency: Latency {
                min: Duration::from_millis(200),
                max: Duration::from_secs(2),
            },
            time_scale: 1.0,
            token_lifetime: Duration::from_secs(3600),
            transactions: 293,
            entities: 2,
            faults: Vec::new(),
            read_timeout: Duration::from_secs(10),
        }
    }
}

/// The time scale's one rule: a finite number above 0 (the flag parser and `Sandbox::start`
/// both ask it).
pub fn check_time_scale(scale: f64) -> Result<f64, String> {
    if scale.is_finite() && scale > 0.0 {
        Ok(scale)
    } else {
        Err(format!(
            "time scale {scale} must be a finite number above 0"
        ))
    }
}

impl SandboxConfig {
    /// Lean time to real time.
    pub fn real(&self, lean: Duration) -> Duration {
        let scale = if self.time_scale.is_finite() {
            self.time_scale.max(0.0)
        } else {
            1.0
        };
        Duration::try_from_secs_f64(lean.as_secs_f64() * scale)
            .unwrap_or(LONGEST)
            .min(LONGEST)
    }

    /// Checks what `start` cannot run with, and bounds every duration to [`LONGEST`] so no
    /// instant arithmetic can overflow, whatever a flag or a test asked for.
    pub(crate) fn validated(mut self) -> std::io::Result<Self> {
        check_time_scale(self.time_scale)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        self.pending_after = self.pending_after.min(LONGEST);
        self.token_lifetime = self.token_lifetime.min(LONGEST);
        self.bank_latency = Latency {
            min: self.bank_latency.min.min(LONGEST),
            max: self.bank_latency.max.min(LONGEST),
        };
        Ok(self)
    }
}

/// The longest duration the emulator works with (about ten years): a flag or a config asking
/// for more gets this, instead of an overflow.
pub const LONGEST: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Parses `50s`, `200ms`, `1.5s`, `2m`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| s.split_at(i))
        .ok_or_else(|| format!("{s:?}: missing unit (ms, s, m, h)"))?;
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: not a number"))?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("{s:?}: must be a non-negative number"));
    }
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

/// Parses a latency: `2s` or a range `200ms..2s`.
pub fn parse_latency(s: &str) -> Result<Latency, String> {
    match s.split_once("..") {
        Some((a, b)) => {
            let (min, max) = (parse_duration(a)?, parse_duration(b)?);
            if min > max {
                return Err(format!("{s:?}: the range is reversed"));
            }
            Ok(Latency { min, max })
        }
        None => parse_duration(s).map(Latency::fixed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ranges() {
        assert_eq!(parse_duration("50s").unwrap(), Duration::from_secs(50));
        assert_eq!(parse_duration("200ms").unwrap(), Duration::from_millis(200));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1y").is_err());
        let l = parse_latency("200ms..2s").unwrap();
        assert_eq!(
            (l.min, l.max),
            (Duration::from_millis(200), Duration::from_secs(2))
        );
        assert!(parse_latency("2s..1s").is_err());
    }
}
