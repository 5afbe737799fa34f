//! The registry and dedupe over a real Redis: readiness crosses instances, survives a late
//! registrant and a restarted process, dedupe is atomic across instances, and an outage loses
//! nothing.

mod common;

use common::{RedisServer, eventually};
use lean_proto::ResultsId;
use lean_proto::results::{Readiness, ResultsRegistry};
use lean_proto::webhook::{Claimed, DedupeStore, DedupeUnavailable};
use lean_redis::{RedisConfig, RedisDedupe, RedisResults};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn id(n: u32) -> ResultsId {
    ResultsId::parse(&format!("aaaaaaaa-0000-4000-8000-{n:012}")).unwrap()
}

/// The wake-ups a registry asked its (pretend) client for; it owns the waker the registry
/// holds weakly, as a client does.
struct Woken {
    count: Arc<AtomicUsize>,
    _notify: Arc<dyn Fn(&ResultsId) + Send + Sync>,
}

impl Woken {
    fn load(&self, order: Ordering) -> usize {
        self.count.load(order)
    }
}

/// A registry with a counter of the wake-ups it asks its client for.
fn instance(server: &RedisServer) -> (RedisResults, Woken) {
    let r = RedisResults::start(RedisConfig::new(server.url())).unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let notify: Arc<dyn Fn(&ResultsId) + Send + Sync> = Arc::new(move |_: &ResultsId| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    r.attach(Arc::downgrade(&notify));
    let woken = Woken {
        count,
        _notify: notify,
    };
    // Subscribed before the test publishes anything.
    assert!(eventually(Duration::from_secs(5), || r
        .stats()
        .subscriptions
        >= 1));
    (r, woken)
}

#[test]
fn a_webhook_on_one_instance_wakes_the_call_on_another() {
    let server = RedisServer::start();
    let (a, a_woken) = instance(&server);
    let (b, _) = instance(&server);
    let now = Instant::now();
    assert!(!a.register(&id(1), now), "not ready yet");
    assert_eq!(
        b.mark_ready(&id(1), now),
        Readiness::Held,
        "nobody waits on B"
    );
    assert!(eventually(Duration::from_secs(5), || a_woken
        .load(Ordering::SeqCst)
        == 1));
    assert!(a.is_ready(&id(1)));
    assert_eq!(a.stats().learnt, 1);
    // A readiness nobody waits for wakes nobody.
    b.mark_ready(&id(2), now);
    assert!(eventually(Duration::from_secs(2), || b.stats().published == 2));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(a_woken.load(Ordering::SeqCst), 1);
}

#[test]
fn an_early_webhook_is_seen_by_a_call_that_registers_later_or_after_a_restart() {
    let server = RedisServer::start();
    let (b, _) = instance(&server);
    let now = Instant::now();
    b.mark_ready(&id(3), now);
    assert!(eventually(Duration::from_secs(5), || b.stats().published == 1));
    // A process that was not running when the webhook came (or restarted since).
    let (late, woken) = instance(&server);
    assert!(
        !late.register(&id(3), now),
        "the local view does not know yet"
    );
    assert!(eventually(Duration::from_secs(5), || late.is_ready(&id(3))));
    assert_eq!(
        woken.load(Ordering::SeqCst),
        1,
        "it asked the key and woke the call"
    );
}

#[test]
fn dedupe_is_atomic_across_instances() {
    let server = RedisServer::start();
    let a = Arc::new(RedisDedupe::new(RedisConfig::new(server.url())).unwrap());
    let b = Arc::new(RedisDedupe::new(RedisConfig::new(server.url())).unwrap());
    let now = Instant::now();
    // Sixteen threads race for the same key: exactly one wins.
    let winners: usize = (0..16)
        .map(|i| {
            let d = if i % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || d.claim("event-1", None, now) == Ok(Claimed::First))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap() as usize)
        .sum();
    assert_eq!(winners, 1);
    assert_eq!(a.claim("event-2", None, now), Ok(Claimed::First));
    assert_eq!(b.claim("event-2", None, now), Ok(Claimed::Seen));
}

#[test]
fn an_outage_loses_nothing_and_everything_reconnects() {
    let mut server = RedisServer::start();
    let (a, a_woken) = instance(&server);
    let (b, _) = instance(&server);
    let dedupe = RedisDedupe::new(RedisConfig::new(server.url())).unwrap();
    let now = Instant::now();
    assert_eq!(dedupe.claim("before", None, now), Ok(Claimed::First));
    server.kill();
    // Down: dedupe cannot tell, so the webhook is refused (Lean delivers it again later).
    assert_eq!(dedupe.claim("during", None, now), Err(DedupeUnavailable));
    // A readiness published while Redis is down is kept and sent once it is back.
    assert!(!a.register(&id(4), now));
    b.mark_ready(&id(4), now);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(a_woken.load(Ordering::SeqCst), 0);
    server.restart();
    assert!(
        eventually(Duration::from_secs(10), || a_woken.load(Ordering::SeqCst)
            == 1),
        "stats a {:?} b {:?}",
        a.stats(),
        b.stats()
    );
    assert!(a.is_ready(&id(4)));
    assert!(
        a.stats().subscriptions >= 2,
        "the subscriber reconnected by itself"
    );
    assert!(a.stats().failures > 0 && b.stats().failures > 0);
    // Dedupe works again after its back-off.
    assert!(eventually(Duration::from_secs(5), || {
        dedupe.claim("after", None, Instant::now()) == Ok(Claimed::First)
    }));
}

#[test]
fn a_bad_url_is_an_error_that_shows_no_password() {
    for url in [
        "redis://:hunter2-secret@127.0.0.1:notaport/",
        "rediss//:hunter2-secret@h/",
        "hunter2-secret",
    ] {
        let e = RedisResults::start(RedisConfig::new(url))
            .err()
            .expect("a bad URL is refused");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let d = RedisDedupe::new(RedisConfig::new(url))
            .err()
            .expect("a bad URL is refused");
        assert!(!d.to_string().contains("hunter2"), "{d}");
    }
    let debug = format!(
        "{:?}",
        RedisConfig::new("redis://:hunter2-secret@127.0.0.1:6379/")
    );
    assert!(!debug.contains("hunter2"), "{debug}");
}

#[test]
fn clients_that_go_away_leave_no_entry_behind() {
    let server = RedisServer::start();
    let registry = Arc::new(RedisResults::start(RedisConfig::new(server.url())).unwrap());
    let config = lean_proto::Config::new(
        lean_proto::Region::Uae,
        lean_proto::Environment::Sandbox,
        lean_proto::Credentials::AppToken(lean_proto::Secret::new("app")),
    );
    // A service that builds a client per tenant, again and again, over one registry.
    for _ in 0..50 {
        let client = lean_reqwest::Client::builder(config.clone())
            .results_registry(registry.clone())
            .build()
            .unwrap();
        drop(client);
    }
    let kept = lean_reqwest::Client::builder(config)
        .results_registry(registry.clone())
        .build()
        .unwrap();
    assert_eq!(
        registry.stats().clients,
        1,
        "only the live client is attached"
    );
    drop(kept);
    assert_eq!(registry.stats().clients, 0);
}

#[test]
fn a_subscription_refused_after_connecting_is_counted_and_backed_off() {
    let server = RedisServer::start();
    // An ACL that lets the connection in and refuses SUBSCRIBE, as some proxies do.
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection().unwrap();
    let acl = [
        "SETUSER",
        "default",
        "on",
        "nopass",
        "~*",
        "&*",
        "+@all",
        "-subscribe",
    ];
    let _: () = redis::cmd("ACL").arg(&acl[..]).query(&mut con).unwrap();
    let r = RedisResults::start(RedisConfig::new(server.url())).unwrap();
    // Refusals are counted, never taken for a subscription...
    assert!(
        eventually(Duration::from_secs(5), || r.stats().failures >= 3),
        "{:?}",
        r.stats()
    );
    assert_eq!(r.stats().subscriptions, 0, "{:?}", r.stats());
    // ...and retried with the back-off (50 ms doubling to 2 s), not in a tight loop: a few
    // more attempts in the next second, where a loop would make thousands.
    let before = r.stats().failures;
    std::thread::sleep(Duration::from_secs(1));
    let more = r.stats().failures - before;
    assert!(more <= 5, "{more} refusals in a second: {:?}", r.stats());
}

#[test]
fn a_redis_that_cannot_be_reached_is_said_when_the_client_is_built() {
    use lean_reqwest::observe::{ClientEvent, Metrics, Observer};
    /// Keeps what the builder said.
    #[derive(Default)]
    struct Said(std::sync::Mutex<Vec<String>>);
    impl Observer for Said {
        fn on_client_event(&self, event: &ClientEvent) {
            if let ClientEvent::Misconfigured { what, detail } = event {
                self.0.lock().unwrap().push(format!("{what}: {detail}"));
            }
        }
    }
    // A port nothing listens on (bound, then released), with a password in the URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = RedisResults::start(RedisConfig::new(format!(
        "redis://:hunter2@127.0.0.1:{port}/"
    )))
    .unwrap();
    let (metrics, said) = (Metrics::default(), Arc::new(Said::default()));
    let sandbox = lean_sandbox::Sandbox::start(Default::default()).unwrap();
    let _client = lean_reqwest::Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .results_registry(Arc::new(down))
        .observer(Arc::new(metrics.clone()))
        .observer(said.clone())
        .build()
        .unwrap();
    assert_eq!(
        metrics.value("lean_misconfigured", &[("what", "results_registry")]),
        1.0
    );
    let said = said.0.lock().unwrap().clone();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].contains("Redis cannot be reached"), "{said:?}");
    assert!(
        !said[0].contains("hunter2"),
        "no password in what is said: {said:?}"
    );

    // A Redis that answers: nothing to say.
    let server = RedisServer::start();
    let up = RedisResults::start(RedisConfig::new(server.url())).unwrap();
    let fine = Metrics::default();
    let _client = lean_reqwest::Client::builder(sandbox.client_config())
        .webhook_secret(sandbox.webhook_secret())
        .results_registry(Arc::new(up))
        .observer(Arc::new(fine.clone()))
        .build()
        .unwrap();
    assert_eq!(
        fine.value("lean_misconfigured", &[("what", "results_registry")]),
        0.0
    );
}
