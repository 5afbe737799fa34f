//! The webhook intake over a real Redis, as applications run it: an async handler never
//! blocks its runtime while Redis stalls, and at-least-once delivery gives an event whose
//! processing failed to the application again.

mod common;

use common::{RedisServer, eventually};
use lean_proto::webhook::{Ack, Delivery, WebhookSecret};
use lean_proto::{Config, Region};
use lean_redis::{RedisConfig, RedisDedupe};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const SECRET: &str = "whsec-intake";

fn client(redis: &RedisServer, delivery: Delivery, timeout: Duration) -> lean_reqwest::Client {
    let mut config = RedisConfig::new(redis.url());
    config.timeout = timeout;
    lean_reqwest::Client::builder(Config::sandbox(Region::Uae, "app", "not-used"))
        .webhook_secret(WebhookSecret::new(SECRET))
        .dedupe_store(Arc::new(RedisDedupe::new(config).unwrap()))
        .webhook_delivery(delivery)
        .build()
        .unwrap()
}

/// A signed `results.ready` with this `event_id`, and its signature.
fn webhook(event_id: &str) -> (Vec<u8>, String) {
    let body = format!(
        r#"{{"type":"results.ready","payload":{{"id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4"}},"event_id":"{event_id}"}}"#
    )
    .into_bytes();
    let signature = WebhookSecret::new(SECRET).sign(&body);
    (body, signature)
}

#[test]
fn an_async_intake_never_blocks_the_runtime_while_redis_is_stalled() {
    let redis = RedisServer::start();
    let client = client(&redis, Delivery::AtMostOnce, Duration::from_millis(500));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (body, signature) = webhook("before");
        let ack = client.handle_webhook(Some(&signature), &body).await;
        assert_eq!(ack.status(), 200, "the store is connected");

        redis.pause();
        // Another task of the same (one-thread) runtime: it runs only if the intake yields.
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        let (body, signature) = webhook("while-stalled");
        let before = ticks.load(Ordering::SeqCst);
        let ack = client.handle_webhook(Some(&signature), &body).await;
        let ran = ticks.load(Ordering::SeqCst) - before;
        ticker.abort();
        redis.resume();
        assert_eq!(
            ack.status(),
            503,
            "a stalled store cannot tell: refused, and Lean delivers it again"
        );
        assert!(
            ran > 0,
            "the runtime's other task never ran while the intake waited for Redis"
        );
    });
}

#[test]
fn at_least_once_an_app_that_fails_gets_the_event_again() {
    let redis = RedisServer::start();
    let lease = Duration::from_secs(60);
    let first = client(
        &redis,
        Delivery::AtLeastOnce { lease },
        Duration::from_secs(1),
    );
    let second = client(
        &redis,
        Delivery::AtLeastOnce { lease },
        Duration::from_secs(1),
    );
    let (body, signature) = webhook("entity-created-1");

    // Delivered to the first instance: accepted, with a claim.
    let ack = first.handle_webhook(Some(&signature), &body).send();
    assert!(matches!(ack, Ack::Accepted { .. }), "{ack:?}");
    let claim = ack.claim().cloned().expect("a claim under at-least-once");
    // Delivered again to the second while the first processes it: Lean is told to retry.
    let busy = second.handle_webhook(Some(&signature), &body).send();
    assert_eq!(busy.status(), 409, "{busy:?}");
    // The application fails: it releases the claim (and answers Lean with an error).
    first.release_webhook(claim).send().unwrap();

    // Lean's redelivery, to either instance, is processed again.
    let again = second.handle_webhook(Some(&signature), &body).send();
    assert!(matches!(again, Ack::Accepted { .. }), "{again:?}");
    second
        .confirm_webhook(again.claim().cloned().unwrap())
        .send()
        .unwrap();
    // Acted on: from now on a duplicate everywhere.
    for instance in [&first, &second] {
        let dup = instance.handle_webhook(Some(&signature), &body).send();
        assert!(dup.is_duplicate(), "{dup:?}");
    }
}

#[test]
fn at_least_once_a_claim_never_settled_lapses_after_its_lease() {
    let redis = RedisServer::start();
    let lease = Duration::from_millis(200);
    let client = client(
        &redis,
        Delivery::AtLeastOnce { lease },
        Duration::from_secs(1),
    );
    let (body, signature) = webhook("crashed-mid-way");
    let ack = client.handle_webhook(Some(&signature), &body).send();
    // The application crashes: the claim is neither confirmed nor released.
    drop(ack);
    assert!(
        eventually(Duration::from_secs(10), || {
            matches!(
                client.handle_webhook(Some(&signature), &body).send(),
                Ack::Accepted { .. }
            )
        }),
        "the lapsed claim lets Lean's redelivery through"
    );
}

#[test]
fn at_most_once_an_app_that_fails_never_sees_the_event_again() {
    // The default, for contrast: recorded as seen on arrival.
    let redis = RedisServer::start();
    let client = client(&redis, Delivery::AtMostOnce, Duration::from_secs(1));
    let (body, signature) = webhook("at-most-once");
    let ack = client.handle_webhook(Some(&signature), &body).send();
    assert!(ack.claim().is_none());
    assert!(
        client
            .handle_webhook(Some(&signature), &body)
            .send()
            .is_duplicate()
    );
}
