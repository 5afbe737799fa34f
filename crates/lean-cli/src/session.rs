//! The connection a command runs with: a client from the flags and environment, or the
//! embedded emulator when `--sandbox` asks for it; and how results are fetched and printed.

use crate::table::{Table, table};
use crate::{Conn, Fail, Target, print_json_or};
use lean_proto::*;
use lean_ureq::{CallConfig, Client, Waiting};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// The embedded emulator (the `emulator` feature, on by default).
#[cfg(feature = "emulator")]
pub(crate) type Emulator = lean_sandbox::Sandbox;

/// Built without the emulator: there is never one.
#[cfg(not(feature = "emulator"))]
pub(crate) enum Emulator {}

#[cfg(not(feature = "emulator"))]
impl Emulator {
    pub(crate) fn entities(&self) -> Vec<EntityId> {
        match *self {}
    }
    pub(crate) fn accounts(&self, _: &EntityId) -> Vec<AccountId> {
        match *self {}
    }
}

/// The embedded emulator's customer authorises a payment intent; the bank accepts it or
/// (`rejected`) not.
#[cfg(feature = "emulator")]
pub(crate) fn authorize(
    e: &Emulator,
    payment_intent_id: &str,
    rejected: bool,
) -> Result<(), String> {
    let how = if rejected {
        lean_sandbox::Authorization::rejected()
    } else {
        lean_sandbox::Authorization::accepted()
    };
    e.pay(payment_intent_id, &how)
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "emulator"))]
pub(crate) fn authorize(e: &Emulator, _: &str, _: bool) -> Result<(), String> {
    match *e {}
}

#[cfg(feature = "emulator")]
fn start_emulator() -> Result<(Config, Option<Emulator>), Fail> {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        time_scale: 0.02,
        ..lean_sandbox::SandboxConfig::default()
    })
    .map_err(|e| {
        Fail(
            format!("error: cannot start the embedded emulator: {e}"),
            crate::exit::LEAN,
        )
    })?;
    eprintln!(
        "lean: --sandbox: an embedded lean-sandbox at {} (not Lean: its data is generated)",
        sandbox.base_url()
    );
    Ok((sandbox.client_config(), Some(sandbox)))
}

#[cfg(not(feature = "emulator"))]
fn start_emulator() -> Result<(Config, Option<Emulator>), Fail> {
    Err(Fail(
        "error: --sandbox: this `lean` was built without the embedded emulator (cargo feature `emulator`)".into(),
        crate::exit::USAGE,
    ))
}

/// A client, and the embedded emulator when no credentials were given.
pub(crate) struct Session {
    pub(crate) client: Client,
    /// What the running call waits for (the spinner reads it).
    progress: lean_ureq::observe::ProgressBoard,
    pub(crate) sandbox: Option<Emulator>,
    pub(crate) config: Config,
    /// `--json`: NDJSON output.
    pub(crate) json: bool,
}

impl Session {
    pub(crate) fn open(c: &Conn, json: bool) -> Result<Session, Fail> {
        // The flags (each with its environment variable) read like `Config::from_env`: one
        // rule for both. The emulator only when asked for: a missing or mistyped credential
        // must not look like success.
        let any = c.client_id.is_some() || c.client_secret.is_some() || c.app_token.is_some();
        let local = c.sandbox || c.env.eq_ignore_ascii_case("local");
        let (config, sandbox) = if local && any {
            return Err(Fail(
                "error: --sandbox (or LEAN_ENV=local) uses the embedded emulator: unset LEAN_CLIENT_ID, LEAN_CLIENT_SECRET and LEAN_APP_TOKEN, or drop --sandbox to call Lean".into(),
                crate::exit::USAGE,
            ));
        } else if local {
            start_emulator()?
        } else if !any {
            return Err(Fail(
                "error: no credentials: set LEAN_CLIENT_ID and LEAN_CLIENT_SECRET (or LEAN_APP_TOKEN for the v1 routes), or pass --sandbox for the embedded emulator".into(),
                crate::exit::AUTH,
            ));
        } else {
            let config = Config::from_env_vars(|k| match k {
                "LEAN_CLIENT_ID" => c.client_id.clone(),
                "LEAN_CLIENT_SECRET" => c.client_secret.clone(),
                "LEAN_APP_TOKEN" => c.app_token.clone(),
                "LEAN_REGION" => Some(c.region.clone()),
                "LEAN_ENV" => Some(c.env.clone()),
                "LEAN_BASE_URL" => c.base_url.clone(),
                "LEAN_AUTH_URL" => c.auth_url.clone(),
                _ => None,
            })
            .map_err(|e| Fail(format!("error: {e}"), crate::exit::USAGE))?;
            (config, None)
        };
        // The command has no webhook endpoint: PENDING is polled from the start.
        let mut calls = {
            let mut calls = CallConfig::default();
            calls.webhook_grace = Duration::ZERO;
            calls
        };
        if let Some(d) = &c.deadline {
            calls.deadline = crate::duration(d)?;
        }
        calls.correlation_id = c.correlation_id.clone();
        let progress = lean_ureq::observe::ProgressBoard::default();
        let read = |path: &std::path::Path| {
            std::fs::read(path).map_err(|e| {
                Fail(
                    format!("error: cannot read {}: {e}", path.display()),
                    crate::exit::USAGE,
                )
            })
        };
        let mut builder = Client::builder(config.clone())
            .call_config(calls)
            .observer(std::sync::Arc::new(progress.clone()));
        if let (Some(cert), Some(key)) = (&c.cert, &c.key) {
            builder = builder.client_identity(&read(cert)?, &read(key)?);
        }
        if let Some(ca) = &c.ca {
            builder = builder.root_certificates(&read(ca)?);
        }
        let client = builder.build().map_err(Fail::from)?;
        Ok(Session {
            client,
            progress,
            sandbox,
            config,
            json,
        })
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
            let (board, done) = (self.progress.clone(), done.clone());
            std::thread::spawn(move || {
                let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                let mut i = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Some(p) = board.latest() {
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
        if t.all_pages && json {
            // NDJSON: each item is printed as its page arrives, so memory stays flat however
            // many pages there are, and a consumer can start at once.
            return self.watch(|| {
                let out = std::io::stdout();
                let mut out = out.lock();
                for item in self.client.list(e).items() {
                    let item = item?;
                    let line = crate::out::json_value(&item);
                    if let Err(e) = writeln!(out, "{line}") {
                        crate::out::gone(&e); // a closed pipe ends quietly
                    }
                }
                let _ = out.flush();
                Ok(())
            });
        }
        let items: Vec<T> = if t.all_pages {
            self.watch(|| self.client.list(e).send())?.payload
        } else {
            let page = self.watch(|| self.client.call(e).send())?;
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

    /// Insights and verifications are nested documents: pretty JSON for people, one NDJSON
    /// line with `--json`.
    pub(crate) fn single<E>(&self, endpoint: E) -> Result<(), Fail>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Serialize + 'static,
    {
        if crate::out::csv_asked() {
            return Err(Fail(
                "error: --csv prints lists of records; this answer is a document: use --json"
                    .into(),
                crate::exit::USAGE,
            ));
        }
        let data = self.watch(|| self.client.call(endpoint).send())?;
        if self.json {
            crate::out::ndjson(&data.payload);
        } else {
            crate::out::pretty(&data.payload);
        }
        Ok(())
    }
}
