//! The connection a command runs with: a client from the flags and environment, or the
//! embedded emulator when no credentials are set; and how results are fetched and printed.

use crate::table::{Table, table};
use crate::{Conn, Fail, Target, print_json_or};
use lean_proto::*;
use lean_sandbox::{Sandbox, SandboxConfig};
use lean_ureq::{CallConfig, Client, Waiting};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// A client, and the embedded emulator when no credentials were given.
pub(crate) struct Session {
    pub(crate) client: Client,
    pub(crate) sandbox: Option<Sandbox>,
    pub(crate) config: Config,
}

impl Session {
    pub(crate) fn open(c: &Conn) -> Result<Session, Fail> {
        let bad = |e: ConfigError| Fail(format!("error: {e}"), 2);
        let credentials = match (&c.client_id, &c.client_secret, &c.app_token) {
            (Some(id), Some(secret), _) => Some(Credentials::ClientCredentials {
                client_id: id.clone(),
                client_secret: Secret::new(secret.clone()),
            }),
            (_, _, Some(token)) => Some(Credentials::AppToken(Secret::new(token.clone()))),
            (Some(_), None, None) | (None, Some(_), None) => {
                return Err(Fail(
                    "error: set both LEAN_CLIENT_ID and LEAN_CLIENT_SECRET".into(),
                    2,
                ));
            }
            (None, None, None) => None,
        };
        let (config, sandbox) = match credentials {
            Some(credentials) => {
                let region: Region = c.region.parse().map_err(bad)?;
                let environment = match (&c.base_url, c.env.to_ascii_lowercase().as_str()) {
                    (Some(api), _) => {
                        let api_base = BaseUrl::parse(api).map_err(bad)?;
                        let auth_base =
                            BaseUrl::parse(c.auth_url.as_deref().unwrap_or(api)).map_err(bad)?;
                        Environment::Custom {
                            api_base,
                            auth_base,
                        }
                    }
                    (None, "sandbox") => Environment::Sandbox,
                    (None, "production") => Environment::Production,
                    (None, other) => {
                        return Err(Fail(
                            format!("error: LEAN_ENV {other:?} is not sandbox or production"),
                            2,
                        ));
                    }
                };
                (Config::new(region, environment, credentials), None)
            }
            None => {
                let sandbox = Sandbox::start(SandboxConfig {
                    time_scale: 0.02,
                    ..SandboxConfig::default()
                })
                .map_err(|e| Fail(format!("error: cannot start the embedded emulator: {e}"), 1))?;
                eprintln!(
                    "lean: no credentials set (LEAN_CLIENT_ID/LEAN_CLIENT_SECRET or LEAN_APP_TOKEN): using an embedded lean-sandbox at {}",
                    sandbox.base_url()
                );
                (sandbox.client_config(), Some(sandbox))
            }
        };
        let client = Self::client_for(&config, Self::default_calls())?;
        Ok(Session {
            client,
            sandbox,
            config,
        })
    }

    /// The command has no webhook endpoint: PENDING is polled from the start.
    fn default_calls() -> CallConfig {
        CallConfig {
            webhook_grace: Duration::ZERO,
            ..CallConfig::default()
        }
    }

    pub(crate) fn calls(&self) -> CallConfig {
        Self::default_calls()
    }

    fn client_for(config: &Config, calls: CallConfig) -> Result<Client, Fail> {
        Client::builder(config.clone())
            .call_config(calls)
            .build()
            .map_err(Fail::from)
    }

    pub(crate) fn with(&self, calls: CallConfig) -> Result<Client, Fail> {
        Self::client_for(&self.config, calls)
    }

    pub(crate) fn entity(&self, t: &Target) -> Result<EntityId, Fail> {
        match (&t.entity, &self.sandbox) {
            (Some(e), _) => Ok(EntityId::parse(e)?),
            (None, Some(s)) => s
                .entities()
                .first()
                .cloned()
                .ok_or_else(|| Fail("error: the emulator has no entity".into(), 1)),
            (None, None) => Err(Fail("error: --entity is required".into(), 2)),
        }
    }

    pub(crate) fn account(&self, t: &Target) -> Result<AccountId, Fail> {
        match (&t.account, &self.sandbox) {
            (Some(a), _) => Ok(AccountId::parse(a)?),
            (None, Some(s)) => {
                // An --entity the emulator does not know has no accounts: say so, do not guess.
                let entity = self.entity(t)?;
                s.accounts(&entity).first().cloned().ok_or_else(|| {
                    Fail(
                        format!(
                            "error: --account is required (the emulator has no entity {entity})"
                        ),
                        2,
                    )
                })
            }
            (None, None) => Err(Fail("error: --account is required".into(), 2)),
        }
    }

    /// Runs `f` while a spinner on stderr (only on a terminal) shows what the call waits for.
    pub(crate) fn watch<T>(&self, f: impl FnOnce() -> T) -> T {
        if !std::io::stderr().is_terminal() {
            return f();
        }
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinner = {
            let (client, done) = (self.client.clone(), done.clone());
            std::thread::spawn(move || {
                let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                let mut i = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Some(p) = client.progress() {
                        let what = match &p.waiting {
                            Waiting::Results(_) => "PENDING: polling for the results",
                            Waiting::Backoff => "backing off before a retry",
                            Waiting::Token => "waiting for a token",
                            _ => "waiting for Lean",
                        };
                        let id = p
                            .results_id
                            .map(|r| format!(" results_id {r}"))
                            .unwrap_or_default();
                        eprint!(
                            "\r{} {what} ({:.0} s){id}\x1b[K",
                            frames[i % frames.len()],
                            p.started.elapsed().as_secs_f64()
                        );
                        let _ = std::io::stderr().flush();
                    }
                    i += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                eprint!("\r\x1b[K");
            })
        };
        let out = f();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = spinner.join();
        out
    }

    pub(crate) fn paged<T, E>(&self, mut endpoint: E, t: &Target, json: bool) -> Result<(), Fail>
    where
        T: Collection + Table + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        endpoint.set_asynchronous(t.asynchronous);
        if let Some(size) = t.size {
            endpoint.set_page_size(size);
        }
        let e = endpoint;
        let items: Vec<T> = if t.all_pages {
            self.watch(|| self.client.items(e).collect::<Result<Vec<_>, _>>())?
        } else {
            let page = self.watch(|| self.client.page(e))?;
            if let (Some(info), false) = (page.payload.page, json) {
                eprintln!(
                    "page {} of {} ({} in all; --all-pages for every page)",
                    u64::from(info.number) + 1,
                    info.total_pages.max(1),
                    info.total_elements
                );
            }
            page.payload.items
        };
        print_json_or(json, &items, || table(&items));
        Ok(())
    }

    /// Insights are nested documents: printed as JSON either way.
    pub(crate) fn single<E>(&self, endpoint: E) -> Result<(), Fail>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Serialize + 'static,
    {
        let data = self.watch(|| self.client.call(endpoint))?;
        print_json_or(true, &data.payload, String::new);
        Ok(())
    }
}
