//! An agent of the application's own, built with lean-ureq's resolver, against the emulator
//! over real HTTP on a named host (`localhost`): every call is answered, and the name is looked
//! up once for all of them (ureq's own resolver, under the timeout lean-rs sets on every
//! exchange, would start a thread for each).

use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use lean_ureq::lean_proto::{BaseUrl, Environment};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// ureq's resolver, counting its lookups.
#[derive(Default)]
struct Counted(Arc<AtomicUsize>, DefaultResolver);

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Counted")
    }
}

impl Resolver for Counted {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.resolve(uri, config, timeout)
    }
}

#[test]
fn an_own_agent_with_the_caching_resolver_looks_a_name_up_once() {
    let sandbox = Sandbox::start(SandboxConfig {
        bank_latency: Latency::fixed(std::time::Duration::ZERO),
        ..Default::default()
    })
    .unwrap();
    let port = sandbox
        .base_url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap();
    // The emulator by name: the addresses `localhost` resolves to, IPv4 first, as ureq picks.
    let base = BaseUrl::parse(&format!("http://localhost:{port}")).unwrap();
    let mut config = sandbox.client_config();
    config.environment = Environment::Custom {
        api_base: base.clone(),
        auth_base: base,
    };
    let lookups = Arc::new(AtomicUsize::new(0));
    let agent = ureq::Agent::with_parts(
        ureq::config::Config::builder()
            .ip_family(ureq::config::IpFamily::Ipv4Only)
            .build(),
        DefaultConnector::default(),
        lean_ureq::CachingResolver::new(Counted(lookups.clone(), DefaultResolver::default())),
    );
    let client = lean_ureq::Client::builder(config)
        .http_client(agent)
        .build()
        .unwrap();
    let entity = sandbox.entities()[0].clone();
    for _ in 0..20 {
        assert_eq!(client.accounts(&entity).send().unwrap().len(), 9);
    }
    // A token and 20 calls over one name: one lookup.
    assert_eq!(lookups.load(Ordering::SeqCst), 1);
}
