//! The sans-IO core alone: build Lean requests and classify Lean's answers, no HTTP client.
//!
//! Runs offline with no credentials: the answers are responses recorded from Lean's sandbox
//! (`crates/lean-proto/tests/fixtures/lean-postman`), plus the PENDING answer Lean gives when a bank is slow.
//!
//! ```sh
//! cargo run -p lean-examples --example sans_io
//! ```

use lean_proto::*;
use std::path::Path;
use std::time::Instant;

/// A response recorded from Lean's sandbox: the file wraps Lean's raw body with its status.
fn recorded(name: &str) -> Result<http::Response<Vec<u8>>, Box<dyn std::error::Error>> {
    #[derive(serde::Deserialize)]
    struct Recording {
        status: u16,
        body: String,
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/lean-proto/tests/fixtures/lean-postman/UAE")
        .join(name);
    let r: Recording = serde_json::from_slice(&std::fs::read(path)?)?;
    Ok(http::Response::builder()
        .status(r.status)
        .header("lean-correlation-id", "sans-io")
        .body(r.body.into_bytes())?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let step = |what: &str| println!("[{:>6.1} ms] {what}", started.elapsed().as_secs_f64() * 1e3);

    let config = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials {
            client_id: "your-application-id".into(),
            client_secret: Secret::new("your-client-secret"),
        },
    );
    let token_req = token_request(&config)?;
    step(&format!(
        "token request: {} {}",
        token_req.method(),
        token_req.uri()
    ));
    let Outcome::Data(token) = classify::<TokenResponse>(&recorded(
        "authentication__generate-api-access-token__success__200.json",
    )?)?
    else {
        return Err("token endpoint did not answer with a token".into());
    };
    step(&format!(
        "token: {:?}, expires in {} s",
        token.payload.access_token, token.payload.expires_in
    ));

    let base = config.api_base();
    let target = Target {
        api_base: &base,
        auth: Auth::Bearer(&token.payload.access_token),
        correlation_id: None,
    };
    let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
    let req = GetAccounts::new(entity.clone()).build(&target)?;
    step(&format!("accounts request: {} {}", req.method(), req.uri()));
    let accounts = classify::<Page<Account>>(&recorded(
        "data__raw-data-v2-accounts-get-accounts-get-accounts__ok__200.json",
    )?)?;
    let Outcome::Data(accounts) = accounts else {
        return Err("no accounts".into());
    };
    for a in &accounts.payload.items {
        step(&format!(
            "  account {} {:?} {}",
            a.account_id,
            a.account_sub_type.as_ref().map(|s| s.as_str()),
            a.iban().unwrap_or("-")
        ));
    }

    let account = accounts.payload.items[0].account_id.clone();
    let mut tx = GetTransactions::new(entity, account);
    tx.options.size = Some(50);
    let req = tx.build(&target)?;
    step(&format!("transactions request: {}", req.uri()));
    let page = classify::<Page<Transaction>>(&recorded(
        "data__raw-data-v2-accounts-account-id-transactions-get-transactions__ok__200.json",
    )?)?;
    if let Outcome::Data(page) = page {
        let info = page.payload.page.ok_or("no page info")?;
        step(&format!(
            "  page {}/{}: {} of {} transactions; next page {:?}",
            info.number + 1,
            info.total_pages,
            page.payload.items.len(),
            info.total_elements,
            page.payload.next_page()
        ));
        let t = &page.payload.items[0];
        step(&format!(
            "  first: {} {} (exact: {:?})",
            t.amount.amount, t.amount.currency, t.amount.amount
        ));
    }

    // A bank slower than 50 s: Lean answers PENDING. The results_id is the key to the data.
    let pending = http::Response::builder().status(200).body(
        br#"{"status":"PENDING","results_id":"6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4","message":"Please wait for a webhook or try again later.","meta":null,"timestamp":"2026-05-13T19:42:30.487549603Z","status_detail":null,"data":null}"#.to_vec(),
    )?;
    if let Outcome::Pending(p) = classify::<Page<Transaction>>(&pending)? {
        step(&format!(
            "PENDING: results_id {} (wait for results.ready, then GET results)",
            p.results_id
        ));
        let req = GetResults::<Page<Transaction>>::new(p.results_id).build(&target)?;
        step(&format!("results request: {}", req.uri()));
    }
    let not_ready = classify::<AnyData>(&recorded(
        "data__raw-data-v2-results-legacy-results-id-get-results__result-not-found__404.json",
    )?)?;
    if let Outcome::ApiError(e) = not_ready {
        step(&format!("before the webhook: {e}"));
    }
    let ready = classify::<AnyData>(&recorded(
        "data__raw-data-v2-results-legacy-results-id-get-results__get-results__200.json",
    )?)?;
    if let Outcome::Data(d) = ready {
        step(&format!(
            "after the webhook: {} item(s) of type {:?}",
            d.payload.item_count().unwrap_or(0),
            d.info.kind
        ));
    }
    Ok(())
}
