//! The dashboard's page and the log it reads: a PENDING call's timeline, grouped by its
//! `results_id`, holds the request, the webhook attempt with what the app answered, and the
//! results fetch; a webhook can be resent from it. (The page's script is exercised in a browser
//! by the next step of this work; here its data and its HTML.)

mod common;

use common::*;
use lean_sandbox::Sandbox;
use serde_json::Value;
use std::time::Duration;

#[test]
fn a_pending_call_has_its_timeline_and_a_webhook_can_be_resent() {
    let sandbox = Sandbox::start(fast()).unwrap();
    // The app: answers every webhook 200, and counts them.
    let app = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let app_url = format!("http://{}/hooks", app.server_addr().to_ip().unwrap());
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = received.clone();
    std::thread::spawn(move || {
        for req in app.incoming_requests() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = req.respond(tiny_http::Response::empty(200));
        }
    });
    sandbox.set_webhook_url(Some(app_url));
    let h = Http::new(&sandbox);

    let page = h.agent.get(format!("{}/_sandbox/", h.base)).call().unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.into_body().read_to_string().unwrap();
    for part in [
        r#"id="timelines""#,
        r#"data-action="slow""#,
        "/_sandbox/log",
        "resend",
    ] {
        assert!(html.contains(part), "the page has {part}");
    }

    let bearer = format!("Bearer {}", h.token("api"));
    let auth = [("authorization", bearer.as_str())];
    let e = sandbox.entities()[0].to_string();
    let pending = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}&async=true"),
        &auth,
        None,
    );
    let id = pending.json["results_id"].as_str().unwrap().to_owned();
    // Bounded: the results are ready within the emulator's scaled bank latency.
    let mut fetched = false;
    for _ in 0..300 {
        if h.send("GET", &format!("/data/v2/results/{id}"), &auth, None)
            .status
            == 200
        {
            fetched = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(fetched);
    let timeline = |sandbox: &Sandbox| -> Vec<Value> {
        let text = h
            .agent
            .get(format!("{}/_sandbox/log", sandbox.base_url()))
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        let log: Value = serde_json::from_str(&text).unwrap();
        log.as_array()
            .unwrap()
            .iter()
            .filter(|l| l["results_id"] == id.as_str())
            .cloned()
            .collect()
    };
    // The webhook's attempt is logged once the app answered it (bounded wait).
    let mut steps = timeline(&sandbox);
    for _ in 0..300 {
        if steps.iter().any(|s| s["kind"] == "webhook") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        steps = timeline(&sandbox);
    }
    let request = steps
        .iter()
        .find(|s| s["what"] == "GET /data/v2/accounts")
        .expect("the request");
    assert_eq!(request["status"], 200);
    assert_eq!(request["entity_id"], e.as_str());
    let webhook = steps
        .iter()
        .find(|s| s["kind"] == "webhook")
        .expect("the webhook attempt");
    assert_eq!(webhook["status"], 200, "what the app answered");
    let event_id = webhook["event_id"]
        .as_str()
        .expect("its event_id")
        .to_owned();
    assert!(
        steps.iter().any(
            |s| s["what"] == format!("GET /data/v2/results/{id}").as_str() && s["status"] == 200
        ),
        "the results fetch: {steps:?}"
    );

    // "Resend": the same event again, a second attempt in the timeline, and the app gets it.
    let before = received.load(std::sync::atomic::Ordering::SeqCst);
    let r = h.send(
        "POST",
        "/_sandbox/webhooks",
        &[],
        Some(serde_json::json!({ "replay_event_id": event_id })),
    );
    assert_eq!(r.status, 202);
    for _ in 0..300 {
        if received.load(std::sync::atomic::Ordering::SeqCst) > before {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        received.load(std::sync::atomic::Ordering::SeqCst) > before,
        "the app got it again"
    );
}

/// In a real browser: the dashboard shows a PENDING call's timeline (request, webhook attempt
/// with the app's status, results fetch) and its "resend" button reaches the app.
#[test]
fn the_dashboard_in_a_browser_shows_a_pending_timeline_and_resends() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let app = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let app_url = format!("http://{}/hooks", app.server_addr().to_ip().unwrap());
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = received.clone();
    std::thread::spawn(move || {
        for req in app.incoming_requests() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = req.respond(tiny_http::Response::empty(200));
        }
    });
    sandbox.set_webhook_url(Some(app_url));
    let browser = common::webdriver::Browser::start();
    browser.goto(&format!("{}/_sandbox/", sandbox.base_url()));

    // A PENDING call, its webhook, its results.
    let h = Http::new(&sandbox);
    let bearer = format!("Bearer {}", h.token("api"));
    let auth = [("authorization", bearer.as_str())];
    let e = sandbox.entities()[0].to_string();
    let pending = h.send(
        "GET",
        &format!("/data/v2/accounts?entity_id={e}&async=true"),
        &auth,
        None,
    );
    assert_eq!(pending.json["status"], "PENDING");
    let id = pending.json["results_id"].as_str().unwrap().to_owned();
    for _ in 0..300 {
        if h.send("GET", &format!("/data/v2/results/{id}"), &auth, None)
            .status
            == 200
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }

    // The page refreshes every second: wait (bounded) for the whole timeline.
    let script = format!(
        r#"const d = document.querySelector('details[data-results-id="{id}"]');
           if (!d) return null;
           return [...d.querySelectorAll("tr")].map((tr) => ({{
             kind: tr.dataset.kind,
             cells: [...tr.cells].map((c) => c.firstChild ? c.firstChild.textContent : "") }}));"#
    );
    let mut rows = Value::Null;
    for _ in 0..100 {
        rows = browser.run(&script);
        let text = rows.to_string();
        if text.contains("webhook") && text.contains(&format!("GET /data/v2/results/{id}")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let rows = rows
        .as_array()
        .unwrap_or_else(|| panic!("no timeline for {id}"));
    let kinds: Vec<&str> = rows.iter().filter_map(|r| r["kind"].as_str()).collect();
    let cells = |i: usize| rows[i]["cells"].as_array().unwrap().clone();
    assert_eq!(cells(0)[1], "GET /data/v2/accounts", "{rows:?}");
    assert_eq!(cells(0)[3], "answered PENDING", "{rows:?}");
    let webhook = kinds
        .iter()
        .position(|k| *k == "webhook")
        .expect("a webhook attempt");
    assert_eq!(cells(webhook)[2], "200", "the app's answer: {rows:?}");
    assert!(
        rows.iter()
            .any(|r| r["cells"][1] == format!("GET /data/v2/results/{id}").as_str()),
        "the results fetch: {rows:?}"
    );
    // The same request in its entity's group.
    let by_entity = browser.run(&format!(
        r#"const d = document.querySelector('details[data-entity-id="{e}"]');
           return d ? d.textContent : null;"#
    ));
    assert!(
        by_entity
            .as_str()
            .is_some_and(|t| t.contains("GET /data/v2/accounts")),
        "{by_entity}"
    );
    let shot = browser.screenshot();
    assert_eq!(&shot[..4], b"\x89PNG", "a screenshot of it");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-pending.png"),
        &shot,
    );

    // "resend" in that timeline: the app gets the webhook again.
    let before = received.load(std::sync::atomic::Ordering::SeqCst);
    assert!(browser.click(&format!(
        r#"details[data-results-id="{id}"] button[data-action="resend"]"#
    )));
    for _ in 0..300 {
        if received.load(std::sync::atomic::Ordering::SeqCst) > before {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        received.load(std::sync::atomic::Ordering::SeqCst) > before,
        "resent from the page"
    );
}
