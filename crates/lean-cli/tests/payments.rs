//! The payment commands: on the embedded emulator (intents, `pay`, sources, destinations) and
//! on a running one (account-on-file: a consent, then payments keyed by their Idempotency-Key).

mod common;

use common::*;

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn payment_commands_on_the_embedded_emulator() {
    let by_app: serde_json::Value = serde_json::from_str(&ok(&lean(
        &["customers", "--app-user-id", "sandbox_user_1"],
        None,
    )))
    .unwrap();
    let customer = by_app["customer_id"].as_str().unwrap().to_owned();
    // The amount keeps its digits, as a JSON string; the sandbox application's own
    // destination is paid into when none is named.
    let intent = ndjson(&ok(&lean(
        &[
            "--json",
            "create-payment-intent",
            "--amount",
            "12.30",
            "--customer",
            &customer,
            "--description",
            "cli test",
        ],
        None,
    )));
    assert_eq!(intent.len(), 1);
    assert_eq!(intent[0]["amount"], "12.30");
    assert_eq!(intent[0]["customer_id"], customer.as_str());
    assert_eq!(
        intent[0]["payment_destination"]["id"],
        "6910fddc-417c-f7fd-6e4b-4d7de3d0bc06"
    );
    let sources = ndjson(&ok(&lean(
        &["--json", "payment-sources", "--customer", &customer],
        None,
    )));
    assert_eq!(sources[0]["customer_id"], customer.as_str());
    let table = ok(&lean(&["payment-destinations"], None));
    assert!(table.contains("AE27LSWP9X25E4883A13998"), "{table}");
    // Bad input is a usage error before anything is sent.
    for amount in ["12.301", "-1", "ten"] {
        let out = lean(
            &[
                "create-payment-intent",
                "--amount",
                amount,
                "--customer",
                &customer,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "--amount {amount}");
    }
    // `lean pay`: the emulator's customer authorises, the bank settles, exit 0; a rejection
    // is printed and exits 1 with Lean's reason.
    let paid = ndjson(&ok(&lean(
        &[
            "--json",
            "pay",
            "--amount",
            "42.50",
            "--customer",
            &customer,
        ],
        None,
    )));
    assert_eq!(paid[0]["status"], "ACCEPTED_BY_BANK");
    assert_eq!(paid[0]["amount"], "42.50");
    let out = lean(
        &[
            "pay",
            "--amount",
            "1.00",
            "--customer",
            &customer,
            "--outcome",
            "rejected",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"FAILED\""));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PAYMENT_REJECTED_BY_BANK"));
    // An unknown intent: Lean's 404, exit 1.
    let out = lean(
        &["payment-intent", "3862c184-3b47-4d0e-9b1b-c753bc901a04"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn account_on_file_payments_carry_their_key_and_are_made_once() {
    let sandbox = lean_sandbox::Sandbox::start(lean_sandbox::SandboxConfig {
        time_scale: 0.01,
        ..Default::default()
    })
    .unwrap();
    let base = sandbox.base_url();
    let env = [
        ("LEAN_CLIENT_ID", "sandbox-client"),
        ("LEAN_CLIENT_SECRET", "sandbox-secret"),
        ("LEAN_BASE_URL", base.as_str()),
        ("LEAN_AUTH_URL", base.as_str()),
    ];
    let customer = sandbox.customers()[0].to_string();
    let consent = ndjson(&ok(&lean_with(
        &[
            "--json",
            "create-aof-consent",
            "--customer",
            &customer,
            "--destination",
            "6910fddc-417c-f7fd-6e4b-4d7de3d0bc06",
            "--reference",
            "IP-007",
            "--max-amount",
            "500.00",
        ],
        None,
        &env,
    )));
    assert_eq!(consent[0]["status"], "AWAITING_AUTHORISATION");
    // An amount is printed as a string, with the digits the answer has.
    let max: lean_proto::Decimal = consent[0]["control_parameters"]["max_individual_amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(max, lean_proto::Decimal::new(500, 0));
    let id = consent[0]["id"].as_str().unwrap().to_owned();
    sandbox.authorise_consent(&id).unwrap();
    let pay = |key: Option<&str>, amount: &str| {
        let mut args = vec![
            "--json",
            "aof-pay",
            "--consent",
            &id,
            "--amount",
            amount,
            "--reference",
            "ACME-1",
        ];
        if let Some(k) = key {
            args.extend(["--idempotency-key", k]);
        }
        lean_with(&args, None, &env)
    };
    // A new key is made and said before anything is sent.
    let first = pay(None, "120.00");
    let said = String::from_utf8_lossy(&first.stderr).into_owned();
    let key = said
        .lines()
        .find_map(|l| l.strip_prefix("lean: idempotency-key "))
        .expect("the key on stderr")
        .to_owned();
    let paid = ndjson(&ok(&first));
    assert_eq!(paid[0]["amount"], "120.00");
    // The same payment sent again with its key: the same payment, not a second one.
    let again = ndjson(&ok(&pay(Some(&key), "120.00")));
    assert_eq!(again[0]["id"], paid[0]["id"]);
    // Over the consent's limit: Lean's refusal, exit 1.
    let over = pay(None, "500.01");
    assert_eq!(over.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&over.stderr).contains("CONSENT_LIMIT_EXCEEDED"));
    let read = ndjson(&ok(&lean_with(&["--json", "consent", &id], None, &env)));
    assert_eq!(
        read[0]["payment_consumption"]["cumulative_number_of_payments"],
        1
    );
    let history = ndjson(&ok(&lean_with(
        &["--json", "consent-history", &id],
        None,
        &env,
    )));
    assert_eq!(history[0]["data"][1]["type"], "CONSENT_AUTHORISED");
    let listed = ndjson(&ok(&lean_with(
        &["--json", "consents", "--customer", &customer],
        None,
        &env,
    )));
    assert_eq!(listed[0]["data"][0]["consent_id"], id.as_str());
    // Bad input is refused before anything is sent.
    assert_eq!(pay(Some("has space"), "1.00").status.code(), Some(2));
    assert_eq!(pay(None, "1.001").status.code(), Some(2));
}
