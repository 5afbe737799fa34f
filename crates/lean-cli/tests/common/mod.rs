//! What the `lean` command's tests share: running the binary with a clean environment, and
//! Lean's recordings with the KIND (the command's name) each one is.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `lean args` on the embedded emulator (`LEAN_ENV=local`: asked for, as a user would) with
/// nothing else of the environment's Lean settings.
pub fn lean(args: &[&str], stdin: Option<&[u8]>) -> Output {
    lean_with(args, stdin, &[("LEAN_ENV", "local")])
}

/// `lean args` with only `env` of the Lean settings.
pub fn lean_with(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lean"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "LEAN_CLIENT_ID",
        "LEAN_CLIENT_SECRET",
        "LEAN_APP_TOKEN",
        "LEAN_BASE_URL",
        "LEAN_AUTH_URL",
        "LEAN_REGION",
        "LEAN_ENV",
        "LEAN_WEBHOOK_SECRET",
        "LEAN_ENTITY_ID",
        "LEAN_ACCOUNT_ID",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run lean");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lean-proto/tests/fixtures/lean-postman")
}

/// Recordings of the payment products, by file-name prefix: Lean records some of them with an
/// empty or a placeholder URL, so their KIND comes from the file name ([`payment_kind`]).
pub const PAYMENT_FILES: [&str; 5] = [
    "payments__",
    "payouts__",
    "refunds__",
    "payment-source__",
    "payment-destination__",
];

/// The KIND a recorded request is, from its method and path.
pub fn kind_of(method: &str, url: &str) -> &'static str {
    let path = url
        .trim_start_matches("{{baseUrl}}")
        .trim_start_matches("https://sandbox.sa.leantech.me")
        .split('?')
        .next()
        .unwrap()
        .trim_end_matches('/');
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (method, segs.as_slice()) {
        ("POST", ["oauth2", "token"]) => "token",
        ("POST", ["customers", "v1"]) => "customer",
        ("GET", ["customers", "v1"]) => "customers",
        ("GET", ["customers", "v1", "entities"]) => "entities-by-date",
        ("GET", ["customers", "v1", "app-user-id", _]) => "customer",
        ("GET", ["customers", "v1", _, "entities"]) => "entities",
        ("GET", ["customers", "v1", _, "entities", _]) => "entity",
        ("GET", ["customers", "v1", _]) => "customer",
        ("GET", ["data", "v2", "accounts"]) => "accounts",
        ("GET", ["data", "v2", "identity"]) => "identity",
        ("GET", ["data", "v2", "accounts", _, "balances"]) => "balances",
        ("GET", ["data", "v2", "accounts", _, "transactions"]) => "transactions",
        ("GET", ["data", "v2", "accounts", _, "beneficiaries"]) => "beneficiaries",
        ("GET", ["data", "v2", "accounts", _, "identities"]) => "identities",
        ("GET", ["data", "v2", "accounts", _, "direct-debits"]) => "direct-debits",
        ("GET", ["data", "v2", "accounts", _, "scheduled-payments"]) => "scheduled-payments",
        ("GET", ["data", "v2", "accounts", _, "standing-orders"]) => "standing-orders",
        ("POST", ["data", "v2", "refreshes"]) => "refresh",
        ("GET", ["data", "v2", "refreshes"]) => "refreshes",
        ("GET", ["data", "v2", "refreshes", _]) => "refresh-status",
        ("GET", ["data", "v2", "results", _]) => "results",
        ("POST", ["insights", "v2", "income"]) => "income",
        ("GET", ["insights", "v2", "expenses"]) => "expenses",
        ("GET", ["insights", "v2", "assets", "cashflows"]) => "cashflows",
        ("GET", ["insights", "v2", "assets", "balances"]) => "cash-balances",
        ("GET", ["insights", "v2", "assets", "freelancers", "cashflows"]) => "freelancer-cashflow",
        ("GET", ["insights", "v2", "liabilities", "credit-obligations"]) => "credit-obligations",
        ("GET", ["insights", "v2", "liabilities", "non-credit-obligations"]) => {
            "non-credit-obligations"
        }
        ("GET", ["insights", "v2", "income", "employment"]) => "employment",
        ("POST", ["insights", "v1", "name-verification"]) => "verify-name",
        ("POST", ["verifications", "v1", "accounts"]) => "verify-account",
        ("POST", ["verifications", "v2", "entity"]) => "verify-entity",
        ("POST", ["verifications", "v2", "beneficiary-name"]) => "beneficiary-name",
        ("POST", ["verifications", "v1", "corporates"]) => "verify-corporate",
        ("POST", ["verifications", "v1", "corporates", "managers"]) => "verify-managers",
        ("POST", ["verifications", "v1", "freelancers"]) => "verify-freelancer",
        ("GET", ["banks", "v1"]) => "banks",
        // The payment products at the paths `lean` sends (Lean's recordings of them are
        // matched by file name: `payment_kind`).
        ("POST" | "GET", ["payments", "v1", "intents", ..]) => match (method, segs.len()) {
            ("GET", 3) => "payment-intents",
            _ => "payment-intent",
        },
        ("POST", ["payments", "v1", "destinations"])
        | ("POST", ["customers", "v1", _, "destinations"]) => "payment-destination",
        ("GET", ["payments", "v1", "destinations"])
        | ("GET", ["customers", "v1", _, "destinations"]) => "payment-destinations",
        ("GET", ["customers", "v1", _, "payment-sources"]) => "payment-sources",
        ("GET", ["customers", "v1", _, "payment-sources", _]) => "payment-source",
        ("DELETE", ["customers", "v1", _, "payment-sources", _]) => "delete-payment-source",
        ("GET", ["payouts", "v1", "intents", _]) => "payment-intent",
        ("GET", ["payouts", "v1", "payments"]) => "payouts",
        ("GET", ["payouts", "v1", "payments", _, "history"]) => "payout-history",
        ("GET", ["payouts", "v1", _]) => "payout",
        ("GET", ["payouts", "refunds"]) => "refunds-page",
        ("POST", ["consents", "account-on-file"]) => "aof-consent",
        ("GET", ["consents", "v1"]) => "consents",
        ("GET", ["consents", _]) => "consent",
        ("GET", ["consents", _, "history"]) => "consent-history",
        (m, s) => panic!("no KIND for {m} {s:?}"),
    }
}

/// The KIND of a payment recording, by its file name: Lean's collection records some of them
/// with an empty or a placeholder URL.
pub fn payment_kind(name: &str) -> Option<&'static str> {
    const KINDS: [(&str, &str); 19] = [
        (
            "payment-destination__create-destination",
            "payment-destination",
        ),
        ("payment-destination__list", "payment-destinations"),
        ("payment-source__delete", "delete-payment-source"),
        ("payment-source__get-all", "payment-sources"),
        ("payment-source__get-payment-source-by-id", "payment-source"),
        (
            "payments__account-on-file-create-aof-consent",
            "aof-consent",
        ),
        ("payments__consents-get-consent-details", "consent"),
        ("payments__consents-get-consent-history", "consent-history"),
        ("payments__consents-list", "consents"),
        (
            "payments__single-instant-payment-create-payment-intent",
            "payment-intent",
        ),
        (
            "payments__single-instant-payment-get-payment-by-intent-id",
            "payment-intent",
        ),
        (
            "payments__single-instant-payment-get-payment-by-payment-id",
            "payment",
        ),
        (
            "payments__single-instant-payment-list-payment-intents",
            "payment-intents",
        ),
        ("payouts__create-payout-payment", "payout-payment"),
        ("payouts__create-payouts-destination", "payout-destinations"),
        ("payouts__get-payment-history", "payout-history"),
        ("payouts__get-payout-intent", "payment-intent"),
        ("payouts__get-payouts", "payout"),
        ("payouts__list-payouts", "payouts"),
    ];
    const REFUNDS: [(&str, &str); 3] = [
        ("refunds__create-refunds", "refunds"),
        ("refunds__process-refunds", "refunds"),
        ("refunds__list-refunds", "refunds-page"),
    ];
    KINDS
        .iter()
        .chain(REFUNDS.iter())
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, kind)| *kind)
}

/// NDJSON: one JSON value per line.
pub fn ndjson(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not NDJSON ({e}): {l}")))
        .collect()
}
