//! Three instances of one service behind a load balancer, sharing one Redis: each
//! `results.ready` lands on a random instance, and the call waiting for it, wherever it runs,
//! returns at once.
//!
//! ```sh
//! cargo run -p lean-examples --example multi_instance                 # starts its own redis-server
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run -p lean-examples --example multi_instance
//! ```
//!
//! Each instance is a `lean_ureq::Client` built with the shared registry and dedupe store of
//! `lean-redis`; nothing else differs from a single instance. See `docs/deployment.md`.

use lean_redis::{RedisConfig, RedisDedupe, RedisResults};
use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use lean_ureq::lean_proto::webhook;
use lean_ureq::{CallConfig, Client};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A local redis-server on a free port, for when no REDIS_URL is given; stopped on drop.
struct LocalRedis(std::process::Child);

impl Drop for LocalRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis_url() -> Result<(String, Option<LocalRedis>), Box<dyn std::error::Error>> {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return Ok((url, None));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            format!(
                "no REDIS_URL and cannot start redis-server ({e}): apt-get install redis-server"
            )
        })?;
    let url = format!("redis://127.0.0.1:{port}/");
    let local = LocalRedis(child);
    let until = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > until {
            return Err("redis-server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((url, Some(local)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, _local) = redis_url()?;
    println!("Redis at {}", url.rsplit('@').next().unwrap_or_default());
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_secs(5)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    })?;

    // Three instances: the same code as one, plus the shared stores.
    let mut instances = Vec::new();
    let mut registries = Vec::new();
    for _ in 0..3 {
        let registry = Arc::new(RedisResults::start(RedisConfig::new(url.clone()))?);
        let client = Client::builder(sandbox.client_config())
            .webhook_secret(sandbox.webhook_secret())
            .results_registry(registry.clone())
            .dedupe_store(Arc::new(RedisDedupe::new(RedisConfig::new(url.clone()))?))
            // Wait for the webhook a full minute before polling: the point is not to poll.
            .call_config({
                let mut calls = CallConfig::default();
                calls.webhook_grace = Duration::from_secs(60);
                calls
            })
            .build()?;
        instances.push(client);
        registries.push(registry);
    }
    std::thread::sleep(Duration::from_millis(200)); // subscriptions up

    // The load balancer: each webhook to a random instance.
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?);
    let hook = format!(
        "http://{}/webhooks/lean",
        server.server_addr().to_ip().ok_or("no IP")?
    );
    let balancer = {
        let (server, instances) = (server.clone(), instances.clone());
        std::thread::spawn(move || {
            for (n, mut request) in server.incoming_requests().enumerate() {
                let signature = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("lean-signature"))
                    .map(|h| h.value.to_string());
                let mut body = Vec::new();
                // No more than the intake accepts: a longer body is refused, not buffered.
                let limit = webhook::DEFAULT_MAX_BODY as u64 + 1;
                let _ = request.as_reader().take(limit).read_to_end(&mut body);
                let ack = instances[(n * 7 + 1) % 3]
                    .handle_webhook(signature.as_deref(), &body)
                    .send();
                let _ = request.respond(tiny_http::Response::empty(ack.status()));
            }
        })
    };
    sandbox.set_webhook_url(Some(hook));

    // Thirty PENDING calls spread over the instances.
    let entity = sandbox.entities()[0].clone();
    let t0 = Instant::now();
    let calls: Vec<_> = (0..30)
        .map(|i| {
            let client = instances[i % 3].clone();
            let entity = entity.clone();
            std::thread::spawn(move || client.accounts(&entity).asynchronous(true).send())
        })
        .collect();
    let mut ok = 0;
    for c in calls {
        let data = c.join().map_err(|_| "a call panicked")??;
        ok += usize::from(data.len() == 9);
    }
    println!(
        "{ok}/30 calls returned their data in {:.2?} (no call polled: webhook grace is 60 s)",
        t0.elapsed()
    );
    for (i, r) in registries.iter().enumerate() {
        println!("instance {i}: {:?}", r.stats());
    }
    server.unblock();
    let _ = balancer.join();
    if ok != 30 {
        return Err("some calls did not return their data".into());
    }
    Ok(())
}
