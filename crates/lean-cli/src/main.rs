//! `lean`: call Lean's Data API (or the embedded emulator when no credentials are set), fetch
//! results by id, verify and receive webhooks, decode bodies from logs, run the emulator.

mod data;
mod decode;
mod out;
mod payments;
mod session;
mod table;
mod verify;
mod webhook;

use clap::{Args, Parser, Subcommand};
use lean_proto::*;
use out::outln;
use serde::Serialize;
use session::Session;
use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "lean",
    version,
    about = "Lean Technologies Data API from the command line",
    after_help = "Exit codes: 0 done; 1 Lean or the network failed; 2 usage (bad flags, ids, input); \
3 still PENDING (the results_id is printed: `lean results ID --wait` later); 4 no access \
(no credentials set, credentials refused, 401/403).\n\nOutput: tables for people; --json is NDJSON \
everywhere (one JSON record per line: a list's items, a single document on one line; with --all-pages \
streamed as pages arrive); --csv prints lists of records (a header, nested fields as a.b). Amounts are \
JSON strings of Lean's exact digits (\"30000.00\"). Errors go to stderr, once. A closed pipe \
(| head) ends quietly with exit 0. Without credentials lean exits 4; --sandbox (or LEAN_ENV=local) \
uses an embedded emulator instead. See docs/cli.md."
)]
struct Cli {
    #[command(flatten)]
    conn: Conn,
    /// Print NDJSON (one JSON record per line, amounts as strings) instead of a table.
    #[arg(
        long,
        global = true,
        conflicts_with = "csv",
        help_heading = "Output (any command)"
    )]
    json: bool,
    /// Print records as CSV (a header, then one row per record; nested fields as `a.b`).
    #[arg(long, global = true, help_heading = "Output (any command)")]
    csv: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Where and as whom. Credentials are required; `--sandbox` (or `LEAN_ENV=local`) uses an
/// embedded lean-sandbox instead, and says so.
#[derive(Args)]
#[command(next_help_heading = "Where and as whom (any command)")]
pub(crate) struct Conn {
    /// Use an embedded lean-sandbox (a local emulator of Lean) instead of Lean; also
    /// `LEAN_ENV=local`. Refused beside credentials.
    #[arg(long, global = true)]
    sandbox: bool,
    #[arg(long, env = "LEAN_CLIENT_ID", global = true)]
    client_id: Option<String>,
    #[arg(
        long,
        env = "LEAN_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    client_secret: Option<String>,
    #[arg(long, env = "LEAN_APP_TOKEN", global = true, hide_env_values = true)]
    app_token: Option<String>,
    /// UAE or KSA.
    #[arg(long, env = "LEAN_REGION", global = true, default_value = "UAE")]
    region: String,
    /// sandbox or production (Lean's), or local (the embedded emulator, as `--sandbox`).
    #[arg(long, env = "LEAN_ENV", global = true, default_value = "sandbox")]
    env: String,
    /// API base URL (overrides region and env).
    #[arg(long, env = "LEAN_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Auth base URL; the token endpoint is `{auth}/oauth2/token`.
    #[arg(long, env = "LEAN_AUTH_URL", global = true)]
    auth_url: Option<String>,
    /// Give up on a call after this long (`30s`, `2m`, `1h`; default 15m). A call that Lean
    /// answered PENDING exits 3 with its `results_id`.
    #[arg(long, global = true)]
    deadline: Option<String>,
    /// `lean-correlation-id` sent with every request, for Lean's support and your logs.
    #[arg(long, global = true)]
    correlation_id: Option<String>,
    /// mTLS: your application's certificate chain (PEM file), which Lean's v1 production
    /// routes require; with --key.
    #[arg(
        long,
        env = "LEAN_CERT",
        global = true,
        requires = "key",
        value_name = "PEM"
    )]
    cert: Option<std::path::PathBuf>,
    /// mTLS: the certificate's private key (PEM file); with --cert.
    #[arg(
        long,
        env = "LEAN_KEY",
        global = true,
        requires = "cert",
        value_name = "PEM"
    )]
    key: Option<std::path::PathBuf>,
    /// Trust only these CA certificates (PEM file) instead of the web's roots.
    #[arg(long, env = "LEAN_CA", global = true, value_name = "PEM")]
    ca: Option<std::path::PathBuf>,
}

/// `500ms`, `30s`, `2m`, `1h`.
pub(crate) fn duration(s: &str) -> Result<Duration, Fail> {
    let bad = || {
        Fail(
            format!("error: {s:?} is not a duration (500ms, 30s, 2m, 1h)"),
            exit::USAGE,
        )
    };
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err(bad()),
    };
    if d.is_zero() {
        return Err(bad());
    }
    Ok(d)
}

impl Target {
    pub(crate) fn entity_only(entity: Option<String>) -> Target {
        Target {
            entity,
            account: None,
            asynchronous: false,
            all_pages: false,
            size: None,
        }
    }
}

/// What a command is about and how it asks, from its flags (see `data.rs`).
#[derive(Clone)]
pub(crate) struct Target {
    /// `--entity`.
    pub(crate) entity: Option<String>,
    /// `--account`.
    pub(crate) account: Option<String>,
    /// `--async`.
    pub(crate) asynchronous: bool,
    /// `--all-pages`.
    pub(crate) all_pages: bool,
    /// `--size`.
    pub(crate) size: Option<u32>,
}

#[derive(Subcommand)]
enum Cmd {
    #[command(flatten)]
    Data(data::DataCmd),
    /// Name verification (UAE, retail): is --name the account holder's name?
    VerifyName {
        #[command(flatten)]
        e: data::EntityFlag,
        /// The name to check (two words or more).
        #[arg(long)]
        name: String,
        /// Ask `async=true`: Lean answers PENDING and the command polls the results.
        #[arg(long = "async")]
        asynchronous: bool,
    },
    /// Account verification (UAE, KSA and 25 other countries): is the account (--iban, or
    /// --account-number with --country) the holder's you name, and what state is it in?
    VerifyAccount(verify::AccountArgs),
    /// Entity ownership verification (KSA): is the connected entity, IBAN by IBAN, theirs?
    VerifyEntity(verify::EntityArgs),
    /// The holder's name and the state of an account, by --iban (KSA).
    BeneficiaryName(verify::BeneficiaryArgs),
    /// Business verification (KSA): a company's commercial register record.
    VerifyCorporate(verify::CorporateArgs),
    /// Managers verification (KSA): does --national-id manage the company, with what powers?
    VerifyManagers(verify::ManagersArgs),
    /// Freelancer verification (KSA): a freelancer's certificates.
    VerifyFreelancer(verify::FreelancerArgs),
    /// Customers: the list, or one with --id or --app-user-id.
    Customers {
        /// customer_id.
        #[arg(long)]
        id: Option<String>,
        /// Your id for the user.
        #[arg(long)]
        app_user_id: Option<String>,
        /// Zero-based page of the list.
        #[arg(long)]
        page: Option<u32>,
        /// Page size of the list (1..=100).
        #[arg(long)]
        size: Option<u32>,
    },
    /// Create the customer of your user APP_USER_ID.
    CreateCustomer {
        /// Your id for the user.
        app_user_id: String,
    },
    /// Entities: of --customer (one with --entity too), or, with neither, all by creation date.
    Entities {
        /// customer_id (default with the embedded emulator: none, i.e. all entities).
        #[arg(long)]
        customer: Option<String>,
        /// entity_id (with --customer).
        #[arg(long)]
        entity: Option<String>,
        /// Created on or after (YYYY-MM-DD), for the list of all entities.
        #[arg(long)]
        from: Option<String>,
        /// Created on or before (YYYY-MM-DD), for the list of all entities.
        #[arg(long)]
        to: Option<String>,
    },
    /// Delete an entity: the connection is revoked.
    DeleteEntity {
        /// customer_id.
        #[arg(long)]
        customer: String,
        /// entity_id.
        #[arg(long)]
        entity: String,
        /// Why (stored by Lean).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Banks your application can connect.
    Banks {
        /// personal or business.
        #[arg(long)]
        account_types: Option<String>,
    },
    /// Refreshes of an entity.
    Refreshes {
        /// entity_id (default with the embedded emulator: the first seeded one).
        #[arg(long, env = "LEAN_ENTITY_ID")]
        entity: Option<String>,
    },
    /// Fetch the results of a PENDING request.
    Results {
        results_id: String,
        /// Wait (polling) until they are ready.
        #[arg(long)]
        wait: bool,
    },
    /// Trigger a data refresh.
    Refresh {
        /// entity_id (default with the embedded emulator: the first seeded one).
        #[arg(long, env = "LEAN_ENTITY_ID")]
        entity: Option<String>,
        /// Wait until it finishes (Lean's refresh status, polled with backoff).
        #[arg(long)]
        wait: bool,
    },
    /// Webhook tools.
    Webhook {
        #[command(subcommand)]
        cmd: WebhookCmd,
    },
    #[command(flatten)]
    Payments(payments::PaymentCmd),
    /// Send a signed sample event of a type Lean documents: to your endpoint (--url, signed
    /// with --secret), or through a running lean sandbox (--base-url) to its webhook URL.
    Trigger {
        /// The webhook type (results.ready, entity.created, payment.updated, ...).
        kind: String,
        /// Your webhook endpoint.
        #[arg(long)]
        url: Option<String>,
        /// The webhook secret to sign with (with --url).
        #[arg(long, env = "LEAN_WEBHOOK_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// The seeded customers, entities and accounts of a running lean sandbox (--base-url).
    Ids,
    /// Decode a raw response or webhook body exactly as Lean sent it.
    Decode {
        /// What it is: accounts, transactions, results, token, webhook, ...
        kind: String,
        /// HTTP status it came with.
        #[arg(long, default_value_t = 200)]
        status: u16,
        /// File, or - for standard input.
        file: String,
    },
    /// Run the Lean emulator.
    #[cfg(feature = "emulator")]
    Sandbox(lean_sandbox::cli::SandboxArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum WebhookCmd {
    /// Verify `lean-signature` over a captured body (exit 0 valid, 1 invalid, 2 unreadable).
    Verify {
        #[arg(long, env = "LEAN_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// The `lean-signature` value; without it, FILE is a capture with headers.
        #[arg(long)]
        signature: Option<String>,
        file: String,
    },
    /// Receive webhooks on 127.0.0.1:PORT, verify and print them (with --json, one NDJSON
    /// record per delivery).
    Listen {
        #[arg(long)]
        port: u16,
        #[arg(long, env = "LEAN_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// Stop after this many webhooks.
        #[arg(long)]
        max: Option<usize>,
        /// Save each delivery (request line, headers, the raw body) in DIR, as `webhook verify`
        /// reads it.
        #[arg(long, value_name = "DIR")]
        save: Option<std::path::PathBuf>,
        /// Relay each delivery unchanged (body and lean-signature) to your app at URL, print
        /// its answer, and answer Lean with it.
        #[arg(long, value_name = "URL")]
        forward_to: Option<String>,
    },
}

/// A failure to report: message and exit code.
pub(crate) struct Fail(pub(crate) String, pub(crate) u8);

/// Exit codes (also in `lean --help`).
pub(crate) mod exit {
    /// Lean or the network failed the request.
    pub const LEAN: u8 = 1;
    /// The command line or its input was wrong.
    pub const USAGE: u8 = 2;
    /// Lean is still working on it: the `results_id` is printed, fetch it later.
    pub const PENDING: u8 = 3;
    /// No access: credentials refused, or a 401/403 from Lean.
    pub const AUTH: u8 = 4;
}

impl From<lean_ureq::Error> for Fail {
    fn from(e: lean_ureq::Error) -> Self {
        use lean_ureq::CallErrorKind as K;
        let kind = e.call_error().map(|c| &c.kind);
        let code = if e.is_misuse() {
            exit::USAGE
        } else if matches!(kind, Some(K::Auth(_))) || matches!(e.http_status(), Some(401 | 403)) {
            exit::AUTH
        } else if matches!(kind, Some(K::DeadlineExceeded)) && e.results_id().is_some() {
            exit::PENDING
        } else {
            exit::LEAN
        };
        let message = match (code, e.results_id()) {
            (exit::PENDING, Some(id)) => format!(
                "still PENDING: results_id {id}\nfetch it later with: lean results {id} --wait\n({e})"
            ),
            _ => format!("error: {e}"),
        };
        Fail(message, code)
    }
}

impl From<IdError> for Fail {
    fn from(e: IdError) -> Self {
        Fail(format!("error: {e}"), 2)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg, code)) => {
            eprintln!("{msg}");
            ExitCode::from(code)
        }
    }
}

fn read_input(file: &str) -> Result<Vec<u8>, Fail> {
    let mut buf = Vec::new();
    let r = if file == "-" {
        std::io::stdin().read_to_end(&mut buf).map(|_| ())
    } else {
        std::fs::read(file).map(|b| buf = b)
    };
    r.map(|_| buf)
        .map_err(|e| Fail(format!("cannot read {file}: {e}"), 2))
}

fn run(cli: Cli) -> Result<(), Fail> {
    match cli.cmd {
        Cmd::Decode { kind, status, file } => {
            let body = read_input(&file)?;
            return match decode::decode(&kind, status, &body) {
                Ok(d) => {
                    if cli.json {
                        // The decoded records themselves, as every other command prints them.
                        out::ndjson(&d.records);
                    } else {
                        outln!("{}: {}", d.class, d.summary);
                    }
                    Ok(())
                }
                Err(e) => Err(Fail(format!("cannot decode as {kind}: {e}"), 2)),
            };
        }
        Cmd::Webhook {
            cmd:
                WebhookCmd::Verify {
                    secret,
                    signature,
                    file,
                },
        } => return webhook::verify(&secret, signature, &file),
        Cmd::Webhook {
            cmd:
                WebhookCmd::Listen {
                    port,
                    secret,
                    max,
                    save,
                    forward_to,
                },
        } => {
            let options = webhook::ListenOptions {
                save,
                forward_to,
                json: cli.json,
            };
            return webhook::listen(port, &secret, max, options);
        }
        Cmd::Trigger { kind, url, secret } => {
            return webhook::trigger(
                &kind,
                url.as_deref(),
                secret.as_deref(),
                cli.conn.base_url.as_deref(),
            );
        }
        Cmd::Ids => {
            let base = cli.conn.base_url.as_deref().ok_or_else(|| {
                Fail(
                    "error: --base-url (or LEAN_BASE_URL) of a running lean sandbox".into(),
                    exit::USAGE,
                )
            })?;
            return webhook::ids(base, cli.json);
        }
        #[cfg(feature = "emulator")]
        Cmd::Sandbox(args) => {
            return lean_sandbox::cli::run_forever(&args)
                .map_err(|e| Fail(format!("lean-sandbox: {e}"), exit::LEAN));
        }
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "lean", &mut std::io::stdout());
            return Ok(());
        }
        _ => {}
    }
    out::set_csv(cli.csv);
    let session = Session::open(&cli.conn, cli.json)?;
    let json = cli.json;
    match cli.cmd {
        Cmd::Data(cmd) => data::run(&session, cmd, json),
        Cmd::VerifyName {
            e,
            name,
            asynchronous,
        } => {
            let t = Target::entity_only(e.entity);
            let mut v = VerifyName::new(session.entity(&t)?, name)
                .map_err(|e| Fail(format!("error: {e}"), 2))?;
            v.asynchronous = asynchronous;
            session.single(v)
        }
        Cmd::Payments(p) => payments::run(&session, p, json),
        Cmd::VerifyAccount(a) => verify::account(&session, &a),
        Cmd::VerifyEntity(a) => verify::entity(&session, &a),
        Cmd::BeneficiaryName(a) => verify::beneficiary(&session, &a),
        Cmd::VerifyCorporate(a) => verify::corporate(&session, &a),
        Cmd::VerifyManagers(a) => verify::managers(&session, &a),
        Cmd::VerifyFreelancer(a) => verify::freelancer(&session, &a),
        Cmd::Customers {
            id,
            app_user_id,
            page,
            size,
        } => match (id, app_user_id) {
            (Some(id), _) => session.single(GetCustomer::new(CustomerId::parse(&id)?)),
            (None, Some(app)) => session.single(
                GetCustomerByAppUserId::new(app).map_err(|e| Fail(format!("error: {e}"), 2))?,
            ),
            (None, None) => {
                let mut req = ListCustomers::default();
                req.page_number = page;
                req.page_size = size;
                // Every customer, unless a page was asked for.
                let customers = match page {
                    Some(_) => {
                        session
                            .watch(|| session.client.call(req).send())?
                            .payload
                            .data
                    }
                    None => session.watch(|| session.client.list(req).send())?.payload,
                };
                print_json_or(json, &customers, || {
                    let mut out = String::from("customer_id                           app_user_id");
                    for c in &customers {
                        out.push_str(&format!(
                            "\n{}  {}",
                            c.customer_id,
                            c.app_user_id.as_deref().unwrap_or("-")
                        ));
                    }
                    out
                });
                Ok(())
            }
        },
        Cmd::CreateCustomer { app_user_id } => session
            .single(CreateCustomer::new(app_user_id).map_err(|e| Fail(format!("error: {e}"), 2))?),
        Cmd::Entities {
            customer,
            entity,
            from,
            to,
        } => match (customer, entity) {
            (Some(c), Some(e)) => {
                session.single(GetEntity::new(CustomerId::parse(&c)?, EntityId::parse(&e)?))
            }
            (Some(c), None) => {
                let req = GetCustomerEntities::new(CustomerId::parse(&c)?);
                let list = session.watch(|| session.client.call(req).send())?.payload.0;
                print_json_or(json, &list, || entity_table(&list));
                Ok(())
            }
            (None, Some(_)) => Err(Fail("error: --entity needs --customer".into(), 2)),
            (None, None) => {
                let mut req = ListEntities::default();
                req.page_number = None;
                req.page_size = Some(100);
                req.start_date = from.as_deref().map(date).transpose()?;
                req.end_date = to.as_deref().map(date).transpose()?;
                let list = session
                    .watch(|| session.client.call(req).send())?
                    .payload
                    .data;
                print_json_or(json, &list, || entity_table(&list));
                Ok(())
            }
        },
        Cmd::DeleteEntity {
            customer,
            entity,
            reason,
        } => {
            let d = {
                let mut req =
                    DeleteEntity::new(CustomerId::parse(&customer)?, EntityId::parse(&entity)?);
                req.reason = reason;
                req
            };
            session.watch(|| session.client.call(d).send())?;
            outln!("deleted entity {entity}");
            Ok(())
        }
        Cmd::Banks { account_types } => {
            let account_types = match account_types.as_deref().map(str::to_ascii_lowercase) {
                None => BankAccountTypes::Any,
                Some(s) if s == "personal" => BankAccountTypes::Personal,
                Some(s) if s == "business" => BankAccountTypes::Business,
                Some(other) => {
                    return Err(Fail(
                        format!("error: --account-types {other:?} is not personal or business"),
                        2,
                    ));
                }
            };
            let banks =
                session.watch(|| session.client.call(ListBanks::new(account_types)).send())?;
            print_json_or(json, &banks.payload.0, || {
                let mut out = String::from("identifier                 country  data  name");
                for b in &banks.payload.0 {
                    let data = b
                        .availability
                        .as_ref()
                        .and_then(|a| a.active.as_ref())
                        .and_then(|a| a.data);
                    out.push_str(&format!(
                        "\n{:<25}  {:<7}  {:<4}  {}",
                        b.identifier,
                        b.country_code.as_deref().unwrap_or("-"),
                        match data {
                            Some(true) => "up",
                            Some(false) => "down",
                            None => "-",
                        },
                        b.name.as_deref().unwrap_or("-")
                    ));
                }
                out
            });
            Ok(())
        }
        Cmd::Refreshes { entity } => {
            let t = Target::entity_only(entity);
            let e = session.entity(&t)?;
            let refreshes = session.watch(|| session.client.refreshes(&e).page_size(100).send())?;
            print_json_or(json, &refreshes.payload, || {
                let mut out =
                    String::from("refresh_id                            status    created_at");
                for r in &refreshes.payload {
                    out.push_str(&format!(
                        "\n{}  {:<8}  {}",
                        r.refresh_id,
                        r.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                        r.created_at.map(|t| t.to_string()).unwrap_or_default()
                    ));
                }
                out
            });
            Ok(())
        }
        Cmd::Results { results_id, wait } => {
            let id = ResultsId::parse(&results_id)?;
            // Without --wait, one short look (30 s, unless --deadline says otherwise).
            let options = match (wait, &cli.conn.deadline) {
                (false, None) => lean_ureq::CallOptions::new().deadline(Duration::from_secs(30)),
                _ => lean_ureq::CallOptions::new(),
            };
            let data =
                session.watch(|| session.client.resume::<AnyData>(id).options(options).send())?;
            // Results are whatever was asked: their records, as JSON either way.
            if json {
                out::ndjson(&out::AnyDataJson(&data.payload));
            } else {
                eprintln!("{}", decode::results_summary(&data.payload));
                out::pretty(&out::AnyDataJson(&data.payload));
            }
            Ok(())
        }
        Cmd::Refresh { entity, wait } => {
            let e = session.entity(&Target::entity_only(entity))?;
            let r = session.client.refresh(&e).send()?;
            outln!("refresh_id {}", r.refresh_id);
            if wait {
                let done = session.watch(|| {
                    let wait = session.client.wait_for_refresh(&e);
                    wait.refresh_id(r.refresh_id.clone()).send()
                })?;
                outln!(
                    "status {}",
                    done.status.map(|s| s.to_string()).unwrap_or_default()
                );
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(crate) fn date(s: &str) -> Result<Date, Fail> {
    s.parse()
        .map_err(|_| Fail(format!("error: {s:?} is not a date (YYYY-MM-DD)"), 2))
}

/// Entities for people: one line each.
fn entity_table(list: &[lean_proto::Entity]) -> String {
    let mut out = String::from(
        "entity_id                             customer_id                           bank_identifier",
    );
    for e in list {
        let customer = e
            .customer_id
            .as_ref()
            .map_or("-".to_owned(), |c| c.to_string());
        out.push_str(&format!(
            "\n{}  {customer}  {}",
            e.id,
            e.bank_identifier.as_deref().unwrap_or("-")
        ));
    }
    out
}

/// `--json`: NDJSON ([`out::ndjson`]); `--csv`: CSV ([`out::csv`]); else the table.
pub(crate) fn print_json_or<T: Serialize>(json: bool, value: &T, table: impl FnOnce() -> String) {
    if json {
        out::ndjson(value);
    } else if out::csv_asked() {
        out::csv(value);
    } else {
        outln!("{}", table());
    }
}
