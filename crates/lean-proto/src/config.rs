//! Configuration as data: region, environment, API generation, credentials and base URLs.
//!
//! This module knows Lean's hosts (`docs/lean-api.md` §1 of the research) and turns a choice of
//! region and environment into base URLs. It checks a custom base URL once, here, so that no
//! request can carry a token over plain HTTP to anything but the loopback interface.

use crate::secret::Secret;
use std::fmt;
use std::sync::Arc;

/// Lean's two regions, each with its own hosts and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// United Arab Emirates (`*.leantech.me`).
    Uae,
    /// Kingdom of Saudi Arabia (`*.sa.leantech.me`).
    Ksa,
}

impl std::str::FromStr for Region {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        match s.to_ascii_lowercase().as_str() {
            "uae" | "ae" => Ok(Region::Uae),
            "ksa" | "sa" => Ok(Region::Ksa),
            _ => Err(ConfigError::new(format!(
                "unknown region {s:?} (expected UAE or KSA)"
            ))),
        }
    }
}

/// Which Lean deployment to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// Lean's sandbox for the region.
    Sandbox,
    /// Lean's production for the region.
    Production,
    /// Any other place: an emulator, a proxy, a host Lean adds later.
    Custom {
        /// Base of the data API (`https://…` or `http://127.0.0.1:…`).
        api_base: BaseUrl,
        /// Base of the OAuth2 token server; the token endpoint is `{auth_base}/oauth2/token`.
        auth_base: BaseUrl,
    },
}

/// The two generations of Lean's Data API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiGeneration {
    /// `/data/v2/…` and `/insights/v2/…` with an OAuth2 Bearer token (client credentials).
    V2,
    /// Legacy `/data/v1/…` with the `lean-app-token` header (mTLS in production).
    V1,
}

/// Who we are to Lean. `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// v2: OAuth2 client credentials from the dashboard's Integration tab.
    ClientCredentials {
        /// The application id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
    /// v1: the application token sent as `lean-app-token`.
    AppToken(Secret),
}

impl Credentials {
    /// The API generation these credentials speak.
    pub fn generation(&self) -> ApiGeneration {
        match self {
            Credentials::ClientCredentials { .. } => ApiGeneration::V2,
            Credentials::AppToken(_) => ApiGeneration::V1,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            Credentials::AppToken(_) => f.write_str("AppToken([redacted])"),
        }
    }
}

/// A configuration mistake (the caller's, not Lean's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// A configuration mistake described by `message` (for transports and tools built on the
    /// core).
    pub fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A checked base URL: `https://host[:port][/prefix]`, or `http://` to a loopback host only.
/// No query, no fragment, no credentials, no trailing slash.
///
/// Cheap to clone (every call holds one): the text and its parsed scheme and host are shared,
/// and requests are addressed from the parsed parts without parsing the URL again.
#[derive(Clone)]
pub struct BaseUrl {
    text: Arc<str>,
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    /// Where the path starts in `text` (its length when there is no path prefix).
    path_at: usize,
}

impl PartialEq for BaseUrl {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for BaseUrl {}

impl std::hash::Hash for BaseUrl {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state)
    }
}

impl BaseUrl {
    /// Checks and normalises a base URL.
    ///
    /// ```
    /// use lean_proto::BaseUrl;
    /// assert!(BaseUrl::parse("https://sandbox.leantech.me").is_ok());
    /// assert!(BaseUrl::parse("http://127.0.0.1:8080/").is_ok());
    /// assert!(BaseUrl::parse("http://sandbox.leantech.me").is_err()); // tokens over plain HTTP
    /// ```
    pub fn parse(s: &str) -> Result<Self, ConfigError> {
        let trimmed = s.trim().trim_end_matches('/');
        let uri: http::Uri = trimmed
            .parse()
            .map_err(|e| ConfigError::new(format!("base URL {trimmed:?} is not a URL: {e}")))?;
        let scheme = uri.scheme_str().unwrap_or("");
        let authority = uri
            .authority()
            .ok_or_else(|| ConfigError::new(format!("base URL {trimmed:?} has no host")))?;
        if authority.as_str().contains('@') {
            return Err(ConfigError::new("base URL must not carry user info"));
        }
        if uri.query().is_some() || trimmed.contains('#') {
            return Err(ConfigError::new(
                "base URL must not have a query or fragment",
            ));
        }
        let host = authority.host();
        let loopback = host == "localhost"
            || host == "[::1]"
            || host
                .parse::<core::net::Ipv4Addr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false);
        match scheme {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(ConfigError::new(format!(
                    "base URL {trimmed:?} uses plain HTTP; only loopback hosts may (tokens would travel in clear)"
                )));
            }
            _ => {
                return Err(ConfigError::new(format!(
                    "base URL {trimmed:?} must start with https://"
                )));
            }
        }
        let scheme = uri
            .scheme()
            .cloned()
            .ok_or_else(|| ConfigError::new(format!("base URL {trimmed:?} has no scheme")))?;
        let authority = authority.clone();
        // `scheme://authority` then the path prefix, if any ("/" alone was trimmed).
        let path_at = scheme.as_str().len() + 3 + authority.as_str().len();
        if trimmed
            .get(path_at..)
            .is_none_or(|p| !(p.is_empty() || p.starts_with('/')))
        {
            return Err(ConfigError::new(format!(
                "base URL {trimmed:?} is not scheme://host[:port][/prefix]"
            )));
        }
        Ok(BaseUrl {
            text: Arc::from(trimmed),
            scheme,
            authority,
            path_at,
        })
    }

    /// The URL text without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the host is loopback (plain HTTP allowed).
    pub fn is_loopback(&self) -> bool {
        self.text.starts_with("http://")
    }

    /// The scheme, parsed once.
    pub(crate) fn scheme(&self) -> &http::uri::Scheme {
        &self.scheme
    }

    /// The host and port, parsed once.
    pub(crate) fn authority(&self) -> &http::uri::Authority {
        &self.authority
    }

    /// The path prefix: empty, or `/prefix` without a trailing slash.
    pub(crate) fn path(&self) -> &str {
        self.text.get(self.path_at..).unwrap_or("")
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({})", self.text)
    }
}

/// Everything the core needs to address Lean: where, as whom.
///
/// ```
/// use lean_proto::{Config, Credentials, Environment, Region, Secret};
/// let cfg = Config::new(
///     Region::Uae,
///     Environment::Sandbox,
///     Credentials::ClientCredentials { client_id: "app-id".into(), client_secret: Secret::new("shh") },
/// );
/// assert_eq!(cfg.api_base().as_str(), "https://sandbox.leantech.me");
/// assert_eq!(cfg.token_url(), "https://auth.sandbox.leantech.me/oauth2/token");
/// assert!(!format!("{cfg:?}").contains("shh"));
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// UAE or KSA.
    pub region: Region,
    /// Sandbox, production or custom hosts.
    pub environment: Environment,
    /// Client credentials (v2) or app token (v1).
    pub credentials: Credentials,
    /// The webhook secret from Lean's dashboard, when known here (`LEAN_WEBHOOK_SECRET` for
    /// [`Config::from_env`]); a client's builder takes it unless given another.
    pub webhook_secret: Option<crate::webhook::WebhookSecret>,
}

/// One of Lean's own hosts, over HTTPS.
fn fixed(host: &'static str) -> BaseUrl {
    let text: Arc<str> = Arc::from(format!("https://{host}"));
    BaseUrl {
        path_at: text.len(),
        text,
        scheme: http::uri::Scheme::HTTPS,
        // A literal of this file, each one read back by the tests.
        authority: http::uri::Authority::from_static(host),
    }
}

impl Config {
    /// A configuration from its three parts.
    pub fn new(region: Region, environment: Environment, credentials: Credentials) -> Self {
        Config {
            region,
            environment,
            credentials,
            webhook_secret: None,
        }
    }

    /// Lean's sandbox for `region`, with OAuth2 client credentials (v2).
    ///
    /// ```
    /// use lean_proto::{Config, Region};
    /// let cfg = Config::sandbox(Region::Ksa, "app-id", "s3cr3t");
    /// assert_eq!(cfg.api_base().as_str(), "https://sandbox.sa.leantech.me");
    /// ```
    pub fn sandbox(
        region: Region,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Config::new(
            region,
            Environment::Sandbox,
            Credentials::ClientCredentials {
                client_id: client_id.into(),
                client_secret: Secret::new(client_secret.into()),
            },
        )
    }

    /// Lean's production for `region`, with OAuth2 client credentials (v2).
    pub fn production(
        region: Region,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Config::new(
            region,
            Environment::Production,
            Credentials::ClientCredentials {
                client_id: client_id.into(),
                client_secret: Secret::new(client_secret.into()),
            },
        )
    }

    /// The configuration the environment describes, as the `lean` command reads it:
    /// `LEAN_CLIENT_ID` and `LEAN_CLIENT_SECRET` (v2) or `LEAN_APP_TOKEN` (v1); `LEAN_REGION`
    /// (`UAE`, the default, or `KSA`); `LEAN_ENV` (`sandbox`, the default, or `production`);
    /// `LEAN_BASE_URL` and `LEAN_AUTH_URL` for other hosts (an emulator, a proxy).
    ///
    /// ```
    /// let cfg = lean_proto::Config::from_env_vars(|k| match k {
    ///     "LEAN_CLIENT_ID" => Some("app-id".into()),
    ///     "LEAN_CLIENT_SECRET" => Some("s3cr3t".into()),
    ///     "LEAN_REGION" => Some("KSA".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(cfg.token_url(), "https://auth.sandbox.sa.leantech.me/oauth2/token");
    /// # Ok::<(), lean_proto::ConfigError>(())
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_vars(|k| std::env::var(k).ok())
    }

    /// [`Config::from_env`] with the variables read through `var` (for tests and for
    /// configuration systems that are not the process environment).
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let credentials = match (
            set("LEAN_CLIENT_ID"),
            set("LEAN_CLIENT_SECRET"),
            set("LEAN_APP_TOKEN"),
        ) {
            (Some(client_id), Some(secret), _) => Credentials::ClientCredentials {
                client_id,
                client_secret: Secret::new(secret),
            },
            (None, None, Some(token)) => Credentials::AppToken(Secret::new(token)),
            (Some(_), None, _) | (None, Some(_), _) => {
                return Err(ConfigError::new(
                    "set both LEAN_CLIENT_ID and LEAN_CLIENT_SECRET",
                ));
            }
            (None, None, None) => {
                return Err(ConfigError::new(
                    "no credentials: set LEAN_CLIENT_ID and LEAN_CLIENT_SECRET (or LEAN_APP_TOKEN)",
                ));
            }
        };
        let region: Region = set("LEAN_REGION").as_deref().unwrap_or("UAE").parse()?;
        let environment = match (set("LEAN_BASE_URL"), set("LEAN_ENV")) {
            (Some(api), _) => {
                let auth = set("LEAN_AUTH_URL").unwrap_or_else(|| api.clone());
                Environment::Custom {
                    api_base: BaseUrl::parse(&api)?,
                    auth_base: BaseUrl::parse(&auth)?,
                }
            }
            (None, None) => Environment::Sandbox,
            (None, Some(e)) => match e.to_ascii_lowercase().as_str() {
                "sandbox" => Environment::Sandbox,
                "production" => Environment::Production,
                _ => {
                    return Err(ConfigError::new(format!(
                        "LEAN_ENV {e:?} is not sandbox or production"
                    )));
                }
            },
        };
        let mut config = Config::new(region, environment, credentials);
        config.webhook_secret = set("LEAN_WEBHOOK_SECRET").map(crate::webhook::WebhookSecret::new);
        Ok(config)
    }

    /// The same configuration with this webhook secret.
    pub fn with_webhook_secret(mut self, secret: crate::webhook::WebhookSecret) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// The API generation implied by the credentials.
    pub fn generation(&self) -> ApiGeneration {
        self.credentials.generation()
    }

    /// Base URL of the data API for this region, environment and generation.
    pub fn api_base(&self) -> BaseUrl {
        use ApiGeneration::*;
        use Environment::*;
        use Region::*;
        match (&self.environment, self.region, self.generation()) {
            (Custom { api_base, .. }, _, _) => api_base.clone(),
            (Sandbox, Uae, _) => fixed("sandbox.leantech.me"),
            (Sandbox, Ksa, _) => fixed("sandbox.sa.leantech.me"),
            (Production, Uae, V2) => fixed("api2.leantech.me"),
            (Production, Ksa, V2) => fixed("api2.sa.leantech.me"),
            (Production, Uae, V1) => fixed("api.leantech.me"),
            (Production, Ksa, V1) => fixed("api.sa.leantech.me"),
        }
    }

    /// Base URL of the OAuth2 token server.
    pub fn auth_base(&self) -> BaseUrl {
        match (&self.environment, self.region) {
            (Environment::Custom { auth_base, .. }, _) => auth_base.clone(),
            (Environment::Sandbox, Region::Uae) => fixed("auth.sandbox.leantech.me"),
            (Environment::Sandbox, Region::Ksa) => fixed("auth.sandbox.sa.leantech.me"),
            (Environment::Production, Region::Uae) => fixed("auth.leantech.me"),
            (Environment::Production, Region::Ksa) => fixed("auth.sa.leantech.me"),
        }
    }

    /// `{auth_base}/oauth2/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.auth_base())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds_v2() -> Credentials {
        Credentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: Secret::new("top-secret-value"),
        }
    }

    #[test]
    fn hosts_per_region_environment_generation() {
        let c = Config::new(Region::Ksa, Environment::Production, creds_v2());
        assert_eq!(c.api_base().as_str(), "https://api2.sa.leantech.me");
        assert_eq!(c.auth_base().as_str(), "https://auth.sa.leantech.me");
        let c = Config::new(
            Region::Uae,
            Environment::Production,
            Credentials::AppToken(Secret::new("tok")),
        );
        assert_eq!(c.api_base().as_str(), "https://api.leantech.me");
        assert_eq!(c.generation(), ApiGeneration::V1);
    }

    #[test]
    fn from_env_vars_reads_what_the_cli_reads_and_refuses_half_a_pair() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let c = Config::from_env_vars(env(&[
            ("LEAN_APP_TOKEN", "tok"),
            ("LEAN_BASE_URL", "http://127.0.0.1:8990"),
        ]))
        .unwrap();
        assert_eq!(c.generation(), ApiGeneration::V1);
        assert_eq!(c.api_base().as_str(), "http://127.0.0.1:8990");
        assert!(c.webhook_secret.is_none());
        let c = Config::from_env_vars(env(&[
            ("LEAN_APP_TOKEN", "tok"),
            ("LEAN_WEBHOOK_SECRET", "whsec-env"),
        ]))
        .unwrap();
        let secret = c
            .webhook_secret
            .as_ref()
            .expect("read from LEAN_WEBHOOK_SECRET");
        let body = b"{}";
        assert!(
            crate::webhook::WebhookSecret::new("whsec-env")
                .verify(body, Some(&secret.sign(body)))
                .is_ok()
        );
        assert!(!format!("{c:?}").contains("whsec-env"), "never in Debug");
        assert!(Config::from_env_vars(env(&[("LEAN_CLIENT_ID", "x")])).is_err());
        assert!(Config::from_env_vars(env(&[])).is_err());
        assert!(
            Config::from_env_vars(env(&[("LEAN_APP_TOKEN", "t"), ("LEAN_ENV", "staging")]))
                .is_err()
        );
        assert!(
            Config::from_env_vars(env(&[
                ("LEAN_APP_TOKEN", "t"),
                ("LEAN_BASE_URL", "http://10.0.0.1")
            ]))
            .is_err(),
            "plain HTTP only to loopback"
        );
        let p = Config::production(Region::Uae, "id", "secret");
        assert_eq!(p.api_base().as_str(), "https://api2.leantech.me");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let c = Config::new(Region::Uae, Environment::Sandbox, creds_v2());
        let dbg = format!("{c:?} {:#?}", c);
        assert!(!dbg.contains("top-secret-value"), "{dbg}");
        let v1 = Credentials::AppToken(Secret::new("app-token-value"));
        assert!(!format!("{v1:?}").contains("app-token-value"));
    }

    #[test]
    fn base_url_rules() {
        assert_eq!(
            BaseUrl::parse("http://localhost:9/x/").unwrap().as_str(),
            "http://localhost:9/x"
        );
        assert!(BaseUrl::parse("http://[::1]:80").is_ok());
        assert!(BaseUrl::parse("http://127.1.2.3").is_ok());
        for bad in [
            "ftp://x",
            "sandbox.leantech.me",
            "http://10.0.0.1",
            "https://u:p@h",
            "https://h/?q=1",
            "",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    /// Lean's own hosts, built from literals, are what parsing their text gives.
    #[test]
    fn fixed_hosts_are_their_text_parsed() {
        let hosts = [
            "sandbox.leantech.me",
            "sandbox.sa.leantech.me",
            "api2.leantech.me",
            "api2.sa.leantech.me",
            "api.leantech.me",
            "api.sa.leantech.me",
            "auth.sandbox.leantech.me",
            "auth.sandbox.sa.leantech.me",
            "auth.leantech.me",
            "auth.sa.leantech.me",
        ];
        for host in hosts {
            let fixed = fixed(host);
            let parsed = BaseUrl::parse(&format!("https://{host}")).expect(host);
            assert_eq!(fixed, parsed);
            assert_eq!(fixed.scheme(), parsed.scheme());
            assert_eq!(fixed.authority(), parsed.authority());
            assert_eq!((fixed.path(), parsed.path()), ("", ""));
        }
        let prefixed = BaseUrl::parse("https://gw.example:8443/lean/").expect("prefixed");
        assert_eq!(prefixed.path(), "/lean");
        assert_eq!(prefixed.authority().as_str(), "gw.example:8443");
    }
}
