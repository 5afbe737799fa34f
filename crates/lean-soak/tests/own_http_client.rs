//! A program's own HTTP clients: a plain `reqwest::Client`, a reqwest-middleware stack and a
//! `ureq::Agent` with middleware, each seen by the emulator; and lists that give every page.

use lean_reqwest::lean_proto::Config;
use lean_sandbox::{Sandbox, SandboxConfig};
use reqwest_middleware::{ClientBuilder as Stack, Next};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The user agents the emulator saw on data requests.
fn agents(sandbox: &Sandbox) -> Vec<Option<String>> {
    sandbox
        .log()
        .into_iter()
        .filter(|e| e.kind == "request" && e.what.contains("/data/"))
        .map(|e| e.user_agent)
        .collect()
}

/// A middleware of the application's: tags every request it sends.
fn tag<'a>(
    mut request: reqwest::Request,
    extensions: &'a mut http::Extensions,
    next: Next<'a>,
) -> futures_core::future::BoxFuture<'a, reqwest_middleware::Result<reqwest::Response>> {
    let tag = http::HeaderValue::from_static("billing-service/1.0 (middleware)");
    request.headers_mut().insert("user-agent", tag);
    next.run(request, extensions)
}

#[test]
fn a_middleware_stack_of_the_application_sends_every_request() {
    // The application builds its reqwest client before any lean client: it installs the
    // process's rustls provider first (see lean-reqwest's crate docs).
    lean_reqwest::install_crypto_provider();
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    let stack = Stack::new(reqwest::Client::new()).with(tag).build();
    let client = lean_reqwest::Client::builder(sandbox.client_config())
        .http_client(stack)
        .build()
        .unwrap();
    let entity = sandbox.entities()[0].clone();
    let accounts = runtime()
        .block_on(async { client.accounts(&entity).await })
        .unwrap();
    assert_eq!(accounts.len(), 9);
    let seen = agents(&sandbox);
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|a| a.as_deref() == Some("billing-service/1.0 (middleware)")),
        "{seen:?}"
    );
}

#[test]
fn a_plain_client_of_the_application_is_used_with_its_settings() {
    lean_reqwest::install_crypto_provider();
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    let entity = sandbox.entities()[0].clone();
    // The application's client allows HTTPS only: the emulator's plain-HTTP URL is refused by
    // it, so no request reaches the emulator. Its own settings apply, not the adapter's.
    let https_only = reqwest::Client::builder().https_only(true).build().unwrap();
    let client = lean_reqwest::Client::builder(sandbox.client_config())
        .http_client(https_only)
        .build()
        .unwrap();
    let err = runtime()
        .block_on(async { client.identity(&entity).await })
        .unwrap_err();
    assert!(err.http_status().is_none(), "no answer from Lean: {err}");
    assert!(
        sandbox.log().iter().all(|e| e.kind != "request"),
        "nothing sent"
    );
    // The same with reqwest's defaults works.
    let client = lean_reqwest::Client::builder(sandbox.client_config())
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    let identity = runtime()
        .block_on(async { client.identity(&entity).await })
        .unwrap();
    assert!(!identity.is_empty());
}

#[test]
fn tls_settings_beside_an_own_client_are_refused_not_ignored() {
    let config = Config::sandbox(lean_reqwest::lean_proto::Region::Uae, "app", "secret");
    let err = lean_reqwest::Client::builder(config)
        .http_client(reqwest::Client::new())
        .root_certificates(b"-----BEGIN CERTIFICATE-----")
        .build()
        .unwrap_err();
    assert!(err.is_misuse());
    assert!(err.to_string().contains("root_certificates"), "{err}");
}

#[test]
fn customers_gives_every_customer_page_by_page() {
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    let client = lean_reqwest::Client::new(sandbox.client_config()).unwrap();
    let seeded = sandbox.customers().len();
    runtime().block_on(async {
        for n in seeded..250 {
            client
                .create_customer(&format!("app-user-{n}"))
                .await
                .unwrap();
        }
        let all = client.customers().await.unwrap();
        assert_eq!(all.len(), 250, "every page, not the first 100");
        let mut ids: Vec<_> = all.iter().map(|c| c.customer_id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 250, "each customer once");
        assert_eq!(all.requests, 3, "three pages of 100 (the token was cached)");
        // One page on purpose.
        let first = client.customers().first_page().await.unwrap();
        assert_eq!(first.data.len(), 100);
        assert_eq!(first.page.map(|p| p.total_elements), Some(250));
    });
}

/// A middleware of the application's, for ureq: tags every request it sends.
fn ureq_tag(
    mut request: http::Request<ureq::SendBody>,
    next: ureq::middleware::MiddlewareNext,
) -> Result<http::Response<ureq::Body>, ureq::Error> {
    let tag = http::HeaderValue::from_static("batch-job/2.0 (ureq middleware)");
    request.headers_mut().insert("user-agent", tag);
    next.handle(request)
}

#[test]
fn an_own_ureq_agent_with_middleware_sends_every_request() {
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    // The application's agent: its own pool and middleware, and ureq's defaults otherwise
    // (which treat 4xx/5xx as errors and follow redirects: the adapter overrides both per
    // request, so Lean's error bodies still reach the core).
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .middleware(ureq_tag)
        .build()
        .into();
    let client = lean_ureq::Client::builder(sandbox.client_config())
        .http_client(agent)
        .build()
        .unwrap();
    let entity = sandbox.entities()[0].clone();
    let account = sandbox.accounts(&entity)[0].clone();
    let balances = client.balances(&entity, &account).send().unwrap();
    assert!(!balances.is_empty());
    // An error answer is Lean's, typed, not a transport failure.
    let unknown =
        lean_ureq::lean_proto::EntityId::parse("00000000-0000-4000-8000-000000000000").unwrap();
    let err = client.accounts(&unknown).send().unwrap_err();
    assert!(err.http_status().is_some(), "{err}");
    let seen = agents(&sandbox);
    assert!(seen.len() >= 2);
    assert!(
        seen.iter()
            .all(|a| a.as_deref() == Some("batch-job/2.0 (ureq middleware)")),
        "{seen:?}"
    );
}

/// A server that redirects every request to `/moved`, which answers 200: what a proxy or a
/// misrouted host could do. Serves `limit` connections, then stops; records the paths asked.
fn redirecting_server(limit: usize) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(limit) {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Skip the headers (GET requests carry no body).
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
            log.lock().unwrap().push(path.clone());
            let answer = if path.starts_with("/moved") {
                let body = r#"{"status":"OK","payload":{"accounts":[]}}"#;
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 302 Found\r\nlocation: /moved\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_owned()
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (base, seen)
}

#[test]
fn an_answer_an_own_client_got_by_following_a_redirect_is_refused() {
    use lean_reqwest::lean_proto::call::{CallConfig, CallErrorKind};
    use lean_reqwest::lean_proto::retry::RetryPolicy;
    use lean_reqwest::lean_proto::*;
    lean_reqwest::install_crypto_provider();
    let (base, seen) = redirecting_server(8);
    let url = BaseUrl::parse(&base).unwrap();
    let config = Config::new(
        Region::Uae,
        Environment::Custom {
            api_base: url.clone(),
            auth_base: url,
        },
        Credentials::AppToken(Secret::new("app-token")),
    );
    let no_retry = RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    };
    // reqwest's default client follows redirects.
    let client = lean_reqwest::Client::builder(config)
        .http_client(reqwest::Client::new())
        .call_config(CallConfig::default().with_retry(no_retry))
        .build()
        .unwrap();
    let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap();
    let err = runtime()
        .block_on(async { client.call(V1GetAccounts::new(entity)).await })
        .unwrap_err();
    assert!(
        seen.lock().unwrap().iter().any(|p| p.starts_with("/moved")),
        "the client followed the redirect: {:?}",
        seen.lock().unwrap()
    );
    assert!(
        matches!(
            err.call_error().map(|c| &c.kind),
            Some(CallErrorKind::Transport(_))
        ),
        "the redirected answer is refused as a failed exchange, not read: {err}"
    );
}
