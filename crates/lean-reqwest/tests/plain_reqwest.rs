//! lean-reqwest turns on reqwest's `rustls-no-provider`; Cargo unifies features, so a program's
//! own plain `reqwest::Client::new()` would panic without a process-wide rustls provider. A
//! lean client installs one (ring) when it is built; `install_crypto_provider` does it for
//! programs that build their own client first. (One test: the provider is process-wide.)

#[test]
fn a_plain_reqwest_client_works_beside_lean_reqwest() {
    let sandbox = lean_sandbox::Sandbox::start(Default::default()).unwrap();
    let _lean = lean_reqwest::Client::new(sandbox.client_config()).unwrap();
    // The program's own client, with reqwest's defaults, builds and works (plain HTTP here).
    let plain = reqwest::Client::new();
    let url = format!("{}/oauth2/token", sandbox.base_url());
    let answer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { plain.post(url).send().await.map(|r| r.status().as_u16()) })
        .expect("an answer");
    assert_eq!(
        answer, 401,
        "the emulator answered the plain client (a token request without credentials)"
    );
    // Installing again changes nothing and does not panic.
    lean_reqwest::install_crypto_provider();
    let _another = reqwest::Client::new();
}
