//! The emulator out of process (`lean-bench-emulator`), pinned to its own core where the
//! machine has two or more: what a benchmark measures in its own process is then the client's
//! work alone (CPU, allocations), and the two do not take turns on one core's run queue.

use lean_proto::{AccountId, BaseUrl, Config, Credentials, EntityId, Environment, Region, Secret};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// How the benchmark and its emulator share the machine, for the printout.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The CPU this process runs on, when pinned.
    pub client_cpu: Option<usize>,
    /// The CPU the emulator runs on, when pinned.
    pub emulator_cpu: Option<usize>,
}

impl std::fmt::Display for Placement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.client_cpu, self.emulator_cpu) {
            (Some(c), Some(e)) => write!(
                f,
                "emulator in its own process on CPU {e}, this benchmark on CPU {c}"
            ),
            _ => write!(
                f,
                "emulator in its own process, not pinned (one CPU, or no taskset)"
            ),
        }
    }
}

/// A running `lean-bench-emulator`; stopped when dropped.
pub struct Remote {
    child: Child,
    /// Held open: the emulator serves until it closes.
    _stdin: Option<ChildStdin>,
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub base_url: String,
    client_id: String,
    client_secret: String,
    app_token: String,
    /// Its seeded entities, each with its accounts.
    pub entities: Vec<(EntityId, Vec<AccountId>)>,
    /// Where it and this process run.
    pub placement: Placement,
    /// Its threads' `schedstat` files, open (see [`Remote::cpu_time`]).
    threads: Mutex<Vec<File>>,
}

impl Remote {
    /// Starts the emulator binary `exe` (a benchmark passes
    /// `env!("CARGO_BIN_EXE_lean-bench-emulator")`) with `lean-sandbox` flags `args`, on port 0;
    /// pins it and this whole process to different CPUs when there are two or more. Call it
    /// before starting any thread of your own, so that they inherit this process's CPU.
    pub fn start(exe: &str, args: &[&str]) -> Result<Remote, String> {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pinned = cpus >= 2 && pin(std::process::id(), 0);
        let mut cmd = if pinned {
            let mut c = Command::new("taskset");
            c.args(["-c", "1", exe]);
            c
        } else {
            Command::new(exe)
        };
        let mut child = cmd
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {exe}: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the emulator's banner: {e}"))?;
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("the emulator's banner {line:?}: {e}"))?;
        let text = |k: &str| v[k].as_str().map(str::to_owned).ok_or(format!("no {k}"));
        let mut entities = Vec::new();
        for e in v["entities"].as_array().ok_or("no entities")? {
            let id = EntityId::parse(e["entity_id"].as_str().unwrap_or_default())
                .map_err(|e| e.to_string())?;
            let accounts = e["accounts"]
                .as_array()
                .ok_or("no accounts")?
                .iter()
                .map(|a| AccountId::parse(a.as_str().unwrap_or_default()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            entities.push((id, accounts));
        }
        Ok(Remote {
            base_url: text("base_url")?,
            client_id: text("client_id")?,
            client_secret: text("client_secret")?,
            app_token: text("app_token")?,
            entities,
            placement: Placement {
                client_cpu: pinned.then_some(0),
                emulator_cpu: pinned.then_some(1),
            },
            _stdin: stdin,
            threads: Mutex::new(Vec::new()),
            child,
        })
    }

    /// A v2 client configuration (OAuth2 client credentials, tokens cached).
    pub fn config_v2(&self) -> Config {
        self.config(Credentials::ClientCredentials {
            client_id: self.client_id.clone(),
            client_secret: Secret::new(self.client_secret.clone()),
        })
    }

    /// A v1 client configuration (the application token on every request).
    pub fn config_v1(&self) -> Config {
        self.config(Credentials::AppToken(Secret::new(self.app_token.clone())))
    }

    fn config(&self, credentials: Credentials) -> Config {
        let base = BaseUrl::parse(&self.base_url).expect("the emulator's own loopback URL");
        Config::new(
            Region::Uae,
            Environment::Custom {
                api_base: base.clone(),
                auth_base: base,
            },
            credentials,
        )
    }

    /// An `api` access token, fetched with a plain HTTP client (for raw baselines).
    pub fn token(&self) -> String {
        crate::fetch_token(&self.base_url, &self.client_id, &self.client_secret)
    }

    /// CPU time the emulator's live threads have run so far, cheap enough to read around
    /// every call: each thread's `schedstat` file stays open and is read again in place.
    /// Listing the threads and opening their files every time (as [`Remote::sched`] does) was
    /// ~45 µs of kernel work around each call `per_call` timed, which evicted the caches the
    /// call then ran in. A thread started since the last [`Remote::rescan`] is not counted;
    /// one that ended makes the next read list the threads again.
    pub fn cpu_time(&self) -> Duration {
        let mut threads = self.threads.lock().unwrap_or_else(|p| p.into_inner());
        if threads.is_empty() {
            *threads = self.open_threads();
        }
        let mut buf = [0u8; 128];
        let mut total = Duration::ZERO;
        for file in threads.iter() {
            match file.read_at(&mut buf, 0) {
                Ok(n) => total += crate::Sched::of_thread(&buf[..n]).cpu,
                // An ended thread: its time goes with it, as in `sched`.
                Err(_) => {
                    threads.clear();
                    break;
                }
            }
        }
        total
    }

    /// Lists the emulator's threads again for [`Remote::cpu_time`]: call it outside what is
    /// timed (it opens a file per thread).
    pub fn rescan(&self) {
        let fresh = self.open_threads();
        *self.threads.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
    }

    fn open_threads(&self) -> Vec<File> {
        let dir = format!("/proc/{}/task", self.child.id());
        std::fs::read_dir(dir)
            .map(|tasks| {
                tasks
                    .flatten()
                    .filter_map(|t| File::open(t.path().join("schedstat")).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What the scheduler counted for the emulator's threads so far.
    pub fn sched(&self) -> crate::Sched {
        crate::sched_of(&self.child.id().to_string())
    }

    /// The v1 application token (for raw baselines).
    pub fn app_token(&self) -> &str {
        &self.app_token
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self._stdin = None; // the emulator ends when its stdin closes
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Pins every thread of process `pid` to `cpu` with `taskset`; false when that cannot be done.
fn pin(pid: u32, cpu: usize) -> bool {
    Command::new("taskset")
        .args(["-a", "-p", "-c", &cpu.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
