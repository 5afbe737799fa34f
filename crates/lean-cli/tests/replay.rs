//! `lean` against Lean's own answers: a loopback server replays, for every recorded success
//! of an endpoint a command calls, the very body Lean sent (its token recording for the
//! token). The command must succeed on it (a recorded FAILED verification: exit 1 naming
//! Lean's code), print it, and send each request once: a POST is never sent twice.

mod common;

use common::*;
use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};

const ENTITY: &str = "14eb95ba-2b9d-41cb-82fe-7b1b3079021e";
const ACCOUNT: &str = "fe672591-bc88-4cec-96e7-9101bde496ce";
const CUSTOMER: &str = "e99f0ffd-33e1-4a4c-8313-3029cc2743c9";
const RESULTS: &str = "6dd9c7d2-1c8c-4862-bb1f-fcf52f5033d4";

/// What the server answers, by KIND, and what it was asked.
#[derive(Default)]
struct Script {
    answers: HashMap<&'static str, (u16, String)>,
    asked: Vec<(String, String)>,
}

struct Replay {
    base: String,
    script: Arc<Mutex<Script>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Replay {
    fn start() -> Replay {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let base = format!("http://{}", server.server_addr().to_ip().unwrap());
        let script = Arc::new(Mutex::new(Script::default()));
        let token =
            recorded_body("UAE/authentication__generate-api-access-token__success__200.json");
        let thread = {
            let (server, script) = (server.clone(), script.clone());
            std::thread::spawn(move || {
                for mut req in server.incoming_requests() {
                    let method = req.method().to_string();
                    let url = req.url().to_owned();
                    let path = url.split('?').next().unwrap_or_default().to_owned();
                    let mut body = String::new();
                    let _ = req.as_reader().read_to_string(&mut body);
                    let (status, answer) = if path == "/oauth2/token" {
                        (200, token.clone())
                    } else {
                        let kind = std::panic::catch_unwind(|| kind_of(&method, &path)).ok();
                        let mut s = script.lock().unwrap();
                        s.asked.push((method.clone(), path.clone()));
                        let found = kind.and_then(|k| s.answers.get(k).cloned());
                        match (kind, found) {
                            // Lean answers about the refresh asked: the recording's ids are of
                            // another run, so the asked ones are put in.
                            (Some("refresh-status"), Some((status, body))) => {
                                (status, about_the_refresh_asked(&body, &url))
                            }
                            (_, Some(found)) => found,
                            _ => (404, r#"{"status":"INVALID_URL","message":"no recording","timestamp":"2026-05-12T08:38:56Z","metadata":null}"#.into()),
                        }
                    };
                    let response = tiny_http::Response::from_string(answer)
                        .with_status_code(status)
                        .with_header(
                            "content-type: application/json"
                                .parse::<tiny_http::Header>()
                                .unwrap(),
                        )
                        .with_header(
                            "lean-correlation-id: replayed"
                                .parse::<tiny_http::Header>()
                                .unwrap(),
                        );
                    let _ = req.respond(response);
                }
            })
        };
        Replay {
            base,
            script,
            server,
            thread: Some(thread),
        }
    }

    /// Runs `lean args` against the replay, with `answers` by KIND; returns the output and
    /// the requests it sent (the token's aside).
    fn run(
        &self,
        args: &[&str],
        answers: &[(&'static str, (u16, String))],
    ) -> (std::process::Output, Vec<(String, String)>) {
        {
            let mut s = self.script.lock().unwrap();
            s.answers = answers.iter().cloned().collect();
            s.asked.clear();
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lean"));
        for var in [
            "LEAN_APP_TOKEN",
            "LEAN_REGION",
            "LEAN_ENV",
            "LEAN_WEBHOOK_SECRET",
        ] {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .args(args)
            .env("LEAN_CLIENT_ID", "9b3f8611-bd43-41dc-9b4c-3ba18be91bfa")
            .env("LEAN_CLIENT_SECRET", "replayed-secret")
            .env("LEAN_BASE_URL", &self.base)
            .env("LEAN_AUTH_URL", &self.base)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Bounded: a command that hangs fails the test instead of stalling it.
        for _ in 0..600 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if child.try_wait().unwrap().is_none() {
            let _ = child.kill();
        }
        let out = child.wait_with_output().unwrap();
        let asked = self.script.lock().unwrap().asked.clone();
        (out, asked)
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The recorded refresh status, about the refresh and entity of `url`.
fn about_the_refresh_asked(body: &str, url: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if let Some(id) = path.rsplit('/').next() {
        v["refresh_id"] = id.into();
    }
    if let Some(e) = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("entity_id="))
    {
        v["entity_id"] = e.into();
    }
    v.to_string()
}

fn recorded_body(name: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join(name)).unwrap()).unwrap();
    v["body"].as_str().unwrap().to_owned()
}

/// The command that calls a recorded request, by its KIND (and path where one KIND has two).
fn command(kind: &'static str, method: &str, path: &str) -> Option<Vec<&'static str>> {
    let account = |k: &'static str| vec![k, "--entity", ENTITY, "--account", ACCOUNT];
    Some(match kind {
        "token" => return None, // every command asks for one
        "customer" if method == "POST" => vec!["create-customer", "replayed-user"],
        "customer" if path.contains("app-user-id") => {
            vec!["customers", "--app-user-id", "replayed-user"]
        }
        "customer" => vec!["customers", "--id", CUSTOMER],
        "customers" => vec!["customers", "--page", "0", "--size", "5"],
        "entities-by-date" => vec!["entities", "--from", "2026-01-01", "--to", "2026-05-01"],
        "entities" => vec!["entities", "--customer", CUSTOMER],
        "entity" => vec!["entities", "--customer", CUSTOMER, "--entity", ENTITY],
        "accounts" => vec!["accounts", "--entity", ENTITY],
        "identity" => vec!["identity", "--entity", ENTITY],
        "balances" => account("balances"),
        "transactions" => account("transactions"),
        "beneficiaries" => account("beneficiaries"),
        "identities" => account("identities"),
        "direct-debits" => account("direct-debits"),
        "scheduled-payments" => account("scheduled-payments"),
        "standing-orders" => account("standing-orders"),
        "refresh" => vec!["refresh", "--entity", ENTITY],
        "refresh-status" => vec!["refresh", "--entity", ENTITY, "--wait"],
        "refreshes" => vec!["refreshes", "--entity", ENTITY],
        "results" => vec!["results", RESULTS],
        "income"
        | "expenses"
        | "cashflows"
        | "cash-balances"
        | "credit-obligations"
        | "non-credit-obligations"
        | "employment"
        | "freelancer-cashflow" => {
            vec![kind, "--entity", ENTITY]
        }
        "verify-name" => vec!["verify-name", "--entity", ENTITY, "--name", "Michael Scott"],
        "banks" => vec!["banks"],
        "verify-account" => vec![
            "verify-account",
            "--iban",
            "AE070331234567890123456",
            "--name",
            "ADAM AHMED",
        ],
        "verify-entity" => vec![
            "verify-entity",
            "--entity",
            ENTITY,
            "--national-id",
            "1106972886",
        ],
        "beneficiary-name" => vec!["beneficiary-name", "--iban", "SA2810000011100000461309"],
        "verify-corporate" => vec![
            "verify-corporate",
            "--unified-number",
            "7001272184",
            "--type",
            "FULL",
        ],
        "verify-managers" => vec![
            "verify-managers",
            "--unified-number",
            "7001272184",
            "--national-id",
            "1132381599",
        ],
        "verify-freelancer" => vec!["verify-freelancer", "--national-id", "1106972886"],
        other => panic!("no command for KIND {other}: add one"),
    })
}

/// The KIND, method and command of a payment recording (by its file name: some are recorded
/// with an empty URL), or `None` for the requests no command sends (payments of a customer;
/// creating payouts and refunds, whose bodies are not recorded).
fn payment_command(name: &str) -> Option<(&'static str, &'static str, Vec<&'static str>)> {
    const INTENT: &str = "3862c184-3b47-4d0e-9b1b-c753bc901a04";
    const SOURCE: &str = "d8d7a9b3-c401-49f6-81a4-386d8398aa2c";
    const CONSENT: &str = "86fe0be5-f7b4-45dd-9efd-4117481bf59d";
    const PAYOUT: &str = "4c8cfd64-8b68-46e4-9531-9c4bbaefca85";
    let by_prefix: [(&str, &str, Vec<&'static str>); 17] = [
        ("payouts__get-payouts", "GET", vec!["payout", PAYOUT]),
        (
            "payouts__get-payout-intent",
            "GET",
            vec!["payout-intent", INTENT],
        ),
        (
            "payouts__get-payment-history",
            "GET",
            vec!["payout-history", INTENT],
        ),
        ("payouts__list-payouts", "GET", vec!["payouts"]),
        ("refunds__list-refunds", "GET", vec!["refunds"]),
        (
            "payments__account-on-file-create-aof-consent",
            "POST",
            vec![
                "create-aof-consent",
                "--customer",
                CUSTOMER,
                "--destination",
                "76043104-1882-465d-9997-07c532d5a2be",
                "--reference",
                "IP-007",
                "--max-amount",
                "5000",
            ],
        ),
        (
            "payments__consents-get-consent-details",
            "GET",
            vec!["consent", CONSENT],
        ),
        (
            "payments__consents-get-consent-history",
            "GET",
            vec!["consent-history", CONSENT],
        ),
        (
            "payments__consents-list",
            "GET",
            vec!["consents", "--customer", CUSTOMER],
        ),
        (
            "payment-destination__create-destination",
            "POST",
            vec![
                "create-payment-destination",
                "--display-name",
                "Al Fulani",
                "--name",
                "Fulani Al Fulani",
                "--bank-identifier",
                "ENBD_UAE",
                "--address",
                "1234 Sky Bldg.",
                "--city",
                "Dubai",
                "--country",
                "ARE",
                "--account-number",
                "1015000000601",
                "--iban",
                "AE760260001015000000601",
                "--swift-code",
                "EBILAEAD",
            ],
        ),
        (
            "payment-destination__list",
            "GET",
            vec!["payment-destinations"],
        ),
        (
            "payment-source__delete",
            "DELETE",
            vec![
                "delete-payment-source",
                "--customer",
                CUSTOMER,
                "--id",
                SOURCE,
            ],
        ),
        (
            "payment-source__get-all",
            "GET",
            vec!["payment-sources", "--customer", CUSTOMER],
        ),
        (
            "payment-source__get-payment-source-by-id",
            "GET",
            vec!["payment-source", "--customer", CUSTOMER, "--id", SOURCE],
        ),
        (
            "payments__single-instant-payment-create-payment-intent",
            "POST",
            vec![
                "create-payment-intent",
                "--amount",
                "5.00",
                "--customer",
                CUSTOMER,
            ],
        ),
        (
            "payments__single-instant-payment-get-payment-by-intent-id",
            "GET",
            vec!["payment-intent", INTENT],
        ),
        (
            "payments__single-instant-payment-list-payment-intents",
            "GET",
            vec!["payment-intents"],
        ),
    ];
    let (_, method, args) = by_prefix
        .into_iter()
        .find(|(prefix, _, _)| name.starts_with(prefix))?;
    Some((payment_kind(name)?, method, args))
}

#[test]
fn lean_succeeds_on_every_answer_lean_recorded_and_sends_each_post_once() {
    let replay = Replay::start();
    let trigger = recorded_body(
        "UAE/data__raw-data-v2-data-refreshes-trigger-a-manual-data-refresh__trigger-a-manual-data-refresh__200.json",
    );
    let mut ran = 0;
    let mut failures = Vec::new();
    for folder in ["UAE", "KSA-insights", "KSA-verifications"] {
        let mut files: Vec<_> = std::fs::read_dir(fixtures().join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let status = v["status"].as_u64().unwrap_or(200) as u16;
            let body = v["body"].as_str().unwrap().to_owned();
            if !(200..300).contains(&status) || body.is_empty() {
                continue;
            }
            let (kind, method, args) = if PAYMENT_FILES.iter().any(|p| name.starts_with(p)) {
                match payment_command(&name) {
                    Some(found) => found,
                    None => continue,
                }
            } else {
                let method = v["request"]["method"].as_str().unwrap();
                let url = v["request"]["url"].as_str().unwrap();
                let rpath = url
                    .trim_start_matches("{{baseUrl}}")
                    .trim_start_matches("https://sandbox.sa.leantech.me");
                let kind = kind_of(method, url);
                let Some(args) = command(kind, method, rpath) else {
                    continue;
                };
                (kind, method, args)
            };
            let mut answers = vec![(kind, (status, body.clone()))];
            if kind == "refresh-status" {
                answers.push(("refresh", (200, trigger.clone())));
            }
            let (out, asked) = replay.run(&args, &answers);
            let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let failed = json["status"] == "FAILED";
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let mut problems = Vec::new();
            match (failed, out.status.code()) {
                (false, Some(0)) if !stdout.trim().is_empty() => {}
                (true, Some(1)) => {
                    let code = json["status_detail"]["granular_status_code"]
                        .as_str()
                        .unwrap_or_default();
                    if !stderr.contains(code) {
                        problems.push(format!("Lean's code {code} not said"));
                    }
                }
                (_, code) => problems.push(format!("exit {code:?}, stdout {stdout:?}")),
            }
            // Each request once; a refresh wait's status polls are GETs.
            let posts = asked.iter().filter(|(m, _)| m == "POST").count();
            let expected_posts = usize::from(method == "POST" || kind == "refresh-status");
            if posts != expected_posts {
                problems.push(format!("{posts} POSTs sent: {asked:?}"));
            }
            if kind != "refresh-status" && asked.len() != 1 {
                problems.push(format!("{} requests sent: {asked:?}", asked.len()));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{folder}/{name} (lean {}): {}\n{stderr}",
                    args.join(" "),
                    problems.join("; ")
                ));
            }
            ran += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(ran, 104, "recordings changed: update this test");
}
