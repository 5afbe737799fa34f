//! A small world for protocol tests: one in-memory Lean, clients of the real driver on the
//! virtual-time runtime, and Lean's webhooks delivered to the clients that have an endpoint.
//! Tests script Lean, run calls, and read what Lean saw and how much virtual time passed.

use crate::executor::{RunEnd, Sim};
use crate::lean::FakeLean;
use crate::net::SimNet;
use crate::registry::SharedResults;
use lean_client::Client;
use lean_client::observe::Observer;
use lean_proto::call::CallConfig;
use lean_proto::webhook::WebhookSecret;
use lean_proto::*;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One Lean, any number of clients, one registry shared by them (like `lean-redis`).
pub struct Harness {
    /// The simulation.
    pub sim: Sim,
    lean: Arc<Mutex<FakeLean>>,
    epoch: Instant,
    secret: WebhookSecret,
    registry: Arc<SharedResults>,
    /// Where Lean's webhooks go (round robin), and what each intake answered.
    endpoints: Arc<Mutex<Vec<Client<SimNet>>>>,
    acks: Arc<Mutex<Vec<u16>>>,
    next_endpoint: Arc<Mutex<usize>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The configuration the harness's clients use.
pub fn config() -> Config {
    let base = BaseUrl::parse("http://127.0.0.1:1").expect("a valid URL");
    Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: base.clone(),
            auth_base: base,
        },
        Credentials::ClientCredentials {
            client_id: "sim".into(),
            client_secret: Secret::new("sim-secret"),
        },
    )
}

impl Harness {
    /// A world whose Lean `script` set up (banks take 2 s unless it says otherwise).
    pub fn new(script: impl FnOnce(&mut FakeLean)) -> Harness {
        // Real time is read once, for the origin; everything after is virtual.
        let epoch = Instant::now();
        let secret = WebhookSecret::new("whsec_test");
        let mut lean = FakeLean::new(epoch);
        lean.secret = secret.clone();
        script(&mut lean);
        Harness {
            sim: Sim::new(epoch),
            lean: Arc::new(Mutex::new(lean)),
            epoch,
            secret,
            registry: Arc::default(),
            endpoints: Arc::default(),
            acks: Arc::default(),
            next_endpoint: Arc::default(),
        }
    }

    /// A client with this policy, the webhook secret and the shared registry; with
    /// `endpoint`, Lean's webhooks reach it.
    pub fn client(&self, calls: CallConfig, endpoint: bool) -> Client<SimNet> {
        self.client_observed(calls, endpoint, None)
    }

    /// [`Harness::client`] with an observer.
    pub fn client_observed(
        &self,
        calls: CallConfig,
        endpoint: bool,
        observer: Option<Arc<dyn Observer>>,
    ) -> Client<SimNet> {
        let mut b = Client::builder(config())
            .webhook_secret(self.secret.clone())
            .results_registry(self.registry.clone())
            .deterministic(1)
            .call_config(calls);
        if let Some(o) = observer {
            b = b.observer(o);
        }
        let client = b.build_with(SimNet::new(self.lean.clone(), self.sim.runtime()));
        if endpoint {
            lock(&self.endpoints).push(client.clone());
        }
        client
    }

    /// The webhook secret Lean signs with.
    pub fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    /// What Lean saw and did.
    pub fn lean(&self) -> MutexGuard<'_, FakeLean> {
        lock(&self.lean)
    }

    /// Virtual time since the world began.
    pub fn elapsed(&self) -> Duration {
        self.sim.now() - self.epoch
    }

    /// The statuses the intakes answered Lean's webhooks with, in order.
    pub fn acks(&self) -> Vec<u16> {
        lock(&self.acks).clone()
    }

    /// Requests Lean's transcript shows for `what` (`"GET results"`, `"GET data async"`, …).
    pub fn requests(&self, what: &str) -> usize {
        self.lean()
            .transcript
            .iter()
            .filter(|t| t.starts_with(what))
            .count()
    }

    /// Runs the tasks until virtual time `at` (after the origin), delivering Lean's webhooks
    /// due by then even after every task ended; says how the tasks' run ended.
    pub fn run_until(&self, at: Duration) -> RunEnd {
        let until = self.epoch + at;
        loop {
            let end = self.sim.run(until, 1_000_000, |now| self.deliver(now));
            if end != RunEnd::Finished {
                return end;
            }
            let next = self.lean().next_webhook_at();
            match next {
                Some(next) if next <= until => {
                    self.sim.advance_to(next);
                    self.deliver(next);
                }
                _ => return end,
            }
        }
    }

    /// Hands the webhooks due by `now` to the endpoints (round robin); when the next is due.
    fn deliver(&self, now: Instant) -> Option<Instant> {
        let due = self.lean().due_webhooks(now);
        let endpoints = lock(&self.endpoints).clone();
        for (body, signature) in due {
            if endpoints.is_empty() {
                continue; // nobody listens: lost
            }
            let mut n = lock(&self.next_endpoint);
            let ack = endpoints[*n % endpoints.len()]
                .handle_webhook(Some(&signature), &body)
                .send();
            *n += 1;
            lock(&self.acks).push(ack.status());
        }
        self.lean().next_webhook_at()
    }

    /// Runs `future` (and every other task) to the end; its output, and the virtual time it
    /// took. Panics if the tasks cannot end (a call parked forever) within a virtual day.
    pub fn run<F>(&self, future: F) -> (F::Output, Duration)
    where
        F: IntoFuture<IntoFuture: Send + 'static>,
        F::Output: Send + 'static,
    {
        let started = self.sim.now();
        let handle = self.sim.spawn(future.into_future());
        let day = self.sim.now() + Duration::from_secs(24 * 3600);
        let end = self.sim.run(day, 1_000_000, |now| self.deliver(now));
        assert_eq!(end, RunEnd::Finished, "the tasks did not all end");
        let out = handle.take().expect("the task ended");
        (out, self.sim.now() - started)
    }
}
