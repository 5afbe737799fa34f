//! `lean`: call Lean's Data API (or the embedded emulator when no credentials are set), fetch
//! results by id, verify and receive webhooks, decode bodies from logs, run the emulator.

mod decode;
mod webhook;

use clap::{Args, Parser, Subcommand};
use lean_proto::*;
use lean_sandbox::{Sandbox, SandboxConfig};
use lean_ureq::{CallConfig, Client, Waiting};
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "lean",
    version,
    about = "Lean Technologies Data API from the command line"
)]
struct Cli {
    #[command(flatten)]
    conn: Conn,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Where and as whom. With none of these set, an embedded lean-sandbox is used.
#[derive(Args)]
struct Conn {
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
    /// sandbox or production.
    #[arg(long, env = "LEAN_ENV", global = true, default_value = "sandbox")]
    env: String,
    /// API base URL (overrides region and env).
    #[arg(long, env = "LEAN_BASE_URL", global = true)]
    base_url: Option<String>,
    /// Auth base URL; the token endpoint is `{auth}/oauth2/token`.
    #[arg(long, env = "LEAN_AUTH_URL", global = true)]
    auth_url: Option<String>,
}

#[derive(Args, Clone)]
struct Target {
    /// entity_id (default with the embedded emulator: the first seeded one).
    #[arg(long)]
    entity: Option<String>,
    /// account_id (default with the embedded emulator: the entity's first account).
    #[arg(long)]
    account: Option<String>,
    /// Ask `async=true`: Lean answers PENDING and the command polls the results.
    #[arg(long = "async")]
    asynchronous: bool,
    /// Every page, not just the first.
    #[arg(long)]
    all_pages: bool,
    /// Page size (1..=100).
    #[arg(long)]
    size: Option<u32>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Accounts of an entity.
    Accounts(Target),
    /// Balances of an account.
    Balances(Target),
    /// Transactions of an account.
    Transactions {
        #[command(flatten)]
        t: Target,
        /// start_date (YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// end_date (YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// Per-transaction insights.
        #[arg(long)]
        insights: bool,
    },
    /// Beneficiaries of an account.
    Beneficiaries(Target),
    /// Parties of an account.
    Identities(Target),
    /// Identity of the entity holder.
    Identity(Target),
    /// Direct debits of an account.
    DirectDebits(Target),
    /// Scheduled payments of an account.
    ScheduledPayments(Target),
    /// Standing orders of an account.
    StandingOrders(Target),
    /// Income insights.
    Income(Target),
    /// Expenses insights.
    Expenses(Target),
    /// Cashflow insights.
    Cashflows(Target),
    /// Cash balances insights (KSA).
    CashBalances(Target),
    /// Credit obligations insights (KSA).
    CreditObligations(Target),
    /// Non-credit obligations insights (KSA).
    NonCreditObligations(Target),
    /// Employment insights (KSA).
    Employment(Target),
    /// Fetch the results of a PENDING request.
    Results {
        results_id: String,
        /// Wait (polling) until they are ready.
        #[arg(long)]
        wait: bool,
    },
    /// Trigger a data refresh.
    Refresh {
        #[arg(long)]
        entity: Option<String>,
        /// Poll until it finishes.
        #[arg(long)]
        wait: bool,
    },
    /// Webhook tools.
    Webhook {
        #[command(subcommand)]
        cmd: WebhookCmd,
    },
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
    Sandbox(lean_sandbox::cli::SandboxArgs),
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
    /// Receive webhooks on 127.0.0.1:PORT, verify and print them.
    Listen {
        #[arg(long)]
        port: u16,
        #[arg(long, env = "LEAN_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// Stop after this many webhooks.
        #[arg(long)]
        max: Option<usize>,
    },
}

/// A failure to report: message and exit code.
struct Fail(String, u8);

impl From<lean_ureq::Error> for Fail {
    fn from(e: lean_ureq::Error) -> Self {
        // 2: the input was wrong (bad configuration, a request that cannot be built);
        // 1: Lean or the network said no.
        let usage = match &e {
            lean_ureq::Error::Config(_) => true,
            lean_ureq::Error::Call(c) => c.is_misuse(),
            _ => false,
        };
        Fail(format!("error: {e}"), if usage { 2 } else { 1 })
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
                        println!(
                            "{}",
                            serde_json::json!({"class": d.class, "summary": d.summary})
                        );
                    } else {
                        println!("{}: {}", d.class, d.summary);
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
            cmd: WebhookCmd::Listen { port, secret, max },
        } => return webhook::listen(port, &secret, max),
        Cmd::Sandbox(args) => {
            return lean_sandbox::cli::run_forever(&args)
                .map_err(|e| Fail(format!("lean-sandbox: {e}"), 1));
        }
        _ => {}
    }
    let session = Session::open(&cli.conn)?;
    let json = cli.json;
    match cli.cmd {
        Cmd::Accounts(t) => session.paged(GetAccounts::new(session.entity(&t)?), &t, json),
        Cmd::Balances(t) => session.paged(
            GetBalances::new(session.entity(&t)?, session.account(&t)?),
            &t,
            json,
        ),
        Cmd::Transactions {
            t,
            from,
            to,
            insights,
        } => {
            let mut e = GetTransactions::new(session.entity(&t)?, session.account(&t)?);
            e.start_date = from.as_deref().map(date).transpose()?;
            e.end_date = to.as_deref().map(date).transpose()?;
            e.insights = insights;
            session.paged(e, &t, json)
        }
        Cmd::Beneficiaries(t) => session.paged(
            GetBeneficiaries::new(session.entity(&t)?, session.account(&t)?),
            &t,
            json,
        ),
        Cmd::Identities(t) => session.paged(
            GetAccountIdentities::new(session.entity(&t)?, session.account(&t)?),
            &t,
            json,
        ),
        Cmd::Identity(t) => session.paged(GetIdentity::new(session.entity(&t)?), &t, json),
        Cmd::DirectDebits(t) => session.paged(
            GetDirectDebits::new(session.entity(&t)?, session.account(&t)?),
            &t,
            json,
        ),
        Cmd::ScheduledPayments(t) => session.paged(
            GetScheduledPayments::new(session.entity(&t)?, session.account(&t)?),
            &t,
            json,
        ),
        Cmd::StandingOrders(t) => session.paged(
            GetStandingOrders::new(session.entity(&t)?, session.account(&t)?),
            &t,
            json,
        ),
        Cmd::Income(t) => session.single(GetIncome {
            asynchronous: t.asynchronous,
            ..GetIncome::new(session.entity(&t)?)
        }),
        Cmd::Expenses(t) => session.single(GetExpenses {
            asynchronous: t.asynchronous,
            ..GetExpenses::new(session.entity(&t)?)
        }),
        Cmd::Cashflows(t) => session.single(GetCashflows {
            asynchronous: t.asynchronous,
            ..GetCashflows::new(session.entity(&t)?)
        }),
        Cmd::CashBalances(t) => session.single(GetCashBalances {
            asynchronous: t.asynchronous,
            ..GetCashBalances::new(session.entity(&t)?)
        }),
        Cmd::CreditObligations(t) => session.single(GetCreditObligations {
            asynchronous: t.asynchronous,
            ..GetCreditObligations::new(session.entity(&t)?)
        }),
        Cmd::NonCreditObligations(t) => session.single(GetNonCreditObligations {
            asynchronous: t.asynchronous,
            ..GetNonCreditObligations::new(session.entity(&t)?)
        }),
        Cmd::Employment(t) => session.single(GetEmployment {
            asynchronous: t.asynchronous,
            ..GetEmployment::new(session.entity(&t)?)
        }),
        Cmd::Results { results_id, wait } => {
            let id = ResultsId::parse(&results_id)?;
            let client = if wait {
                session.client.clone()
            } else {
                session.with(CallConfig {
                    deadline: Duration::from_secs(30),
                    ..session.calls()
                })?
            };
            let data = session.watch(|| client.results(id))?;
            print_json_or(json, &AnyDataJson(&data.payload), || {
                format!(
                    "{} item(s); type {:?}",
                    data.payload.item_count().unwrap_or(0),
                    data.info.kind
                )
            });
            Ok(())
        }
        Cmd::Refresh { entity, wait } => {
            let t = Target {
                entity,
                account: None,
                asynchronous: false,
                all_pages: false,
                size: None,
            };
            let e = session.entity(&t)?;
            let r = session.client.refresh(&e)?;
            println!("refresh_id {}", r.refresh_id);
            if wait {
                for _ in 0..600 {
                    let s = session.client.refresh_status(&e, &r.refresh_id)?;
                    if s.status != Some(RefreshStatus::Pending) {
                        println!(
                            "status {}",
                            s.status.map(|s| s.to_string()).unwrap_or_default()
                        );
                        return Ok(());
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
                return Err(Fail("refresh still pending after 10 minutes".into(), 1));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn date(s: &str) -> Result<Date, Fail> {
    s.parse()
        .map_err(|_| Fail(format!("error: {s:?} is not a date (YYYY-MM-DD)"), 2))
}

struct AnyDataJson<'a>(&'a AnyData);

impl Serialize for AnyDataJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            AnyData::Accounts(p) => p.items.serialize(s),
            AnyData::Balances(p) => p.items.serialize(s),
            AnyData::Transactions(p) => p.items.serialize(s),
            AnyData::Identities(p) => p.items.serialize(s),
            AnyData::Beneficiaries(p) => p.items.serialize(s),
            AnyData::DirectDebits(p) => p.items.serialize(s),
            AnyData::ScheduledPayments(p) => p.items.serialize(s),
            AnyData::StandingOrders(p) => p.items.serialize(s),
            AnyData::Income(i) => i.serialize(s),
            AnyData::Expenses(e) => e.serialize(s),
            AnyData::Cashflows(c) => c.serialize(s),
            AnyData::V1(j) => j.serialize(s),
            AnyData::Other { raw, .. } => raw.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

fn print_json_or<T: Serialize>(json: bool, value: &T, table: impl FnOnce() -> String) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: {e}"),
        }
    } else {
        println!("{}", table());
    }
}

/// A client, and the embedded emulator when no credentials were given.
struct Session {
    client: Client,
    sandbox: Option<Sandbox>,
    config: Config,
}

impl Session {
    fn open(c: &Conn) -> Result<Session, Fail> {
        let bad = |e: ConfigError| Fail(format!("error: {e}"), 2);
        let credentials = match (&c.client_id, &c.client_secret, &c.app_token) {
            (Some(id), Some(secret), _) => Some(Credentials::ClientCredentials {
                client_id: id.clone(),
                client_secret: Secret::new(secret.clone()),
            }),
            (_, _, Some(token)) => Some(Credentials::AppToken(Secret::new(token.clone()))),
            (Some(_), None, None) | (None, Some(_), None) => {
                return Err(Fail(
                    "error: set both LEAN_CLIENT_ID and LEAN_CLIENT_SECRET".into(),
                    2,
                ));
            }
            (None, None, None) => None,
        };
        let (config, sandbox) = match credentials {
            Some(credentials) => {
                let region: Region = c.region.parse().map_err(bad)?;
                let environment = match (&c.base_url, c.env.to_ascii_lowercase().as_str()) {
                    (Some(api), _) => {
                        let api_base = BaseUrl::parse(api).map_err(bad)?;
                        let auth_base =
                            BaseUrl::parse(c.auth_url.as_deref().unwrap_or(api)).map_err(bad)?;
                        Environment::Custom {
                            api_base,
                            auth_base,
                        }
                    }
                    (None, "sandbox") => Environment::Sandbox,
                    (None, "production") => Environment::Production,
                    (None, other) => {
                        return Err(Fail(
                            format!("error: LEAN_ENV {other:?} is not sandbox or production"),
                            2,
                        ));
                    }
                };
                (Config::new(region, environment, credentials), None)
            }
            None => {
                let sandbox = Sandbox::start(SandboxConfig {
                    time_scale: 0.02,
                    ..SandboxConfig::default()
                })
                .map_err(|e| Fail(format!("error: cannot start the embedded emulator: {e}"), 1))?;
                eprintln!(
                    "lean: no credentials set (LEAN_CLIENT_ID/LEAN_CLIENT_SECRET or LEAN_APP_TOKEN): using an embedded lean-sandbox at {}",
                    sandbox.base_url()
                );
                (sandbox.client_config(), Some(sandbox))
            }
        };
        let client = Self::client_for(&config, Self::default_calls())?;
        Ok(Session {
            client,
            sandbox,
            config,
        })
    }

    /// The command has no webhook endpoint: PENDING is polled from the start.
    fn default_calls() -> CallConfig {
        CallConfig {
            webhook_grace: Duration::ZERO,
            ..CallConfig::default()
        }
    }

    fn calls(&self) -> CallConfig {
        Self::default_calls()
    }

    fn client_for(config: &Config, calls: CallConfig) -> Result<Client, Fail> {
        Client::builder(config.clone())
            .call_config(calls)
            .build()
            .map_err(Fail::from)
    }

    fn with(&self, calls: CallConfig) -> Result<Client, Fail> {
        Self::client_for(&self.config, calls)
    }

    fn entity(&self, t: &Target) -> Result<EntityId, Fail> {
        match (&t.entity, &self.sandbox) {
            (Some(e), _) => Ok(EntityId::parse(e)?),
            (None, Some(s)) => s
                .entities()
                .first()
                .cloned()
                .ok_or_else(|| Fail("error: the emulator has no entity".into(), 1)),
            (None, None) => Err(Fail("error: --entity is required".into(), 2)),
        }
    }

    fn account(&self, t: &Target) -> Result<AccountId, Fail> {
        match (&t.account, &self.sandbox) {
            (Some(a), _) => Ok(AccountId::parse(a)?),
            (None, Some(s)) => {
                // An --entity the emulator does not know has no accounts: say so, do not guess.
                let entity = self.entity(t)?;
                s.accounts(&entity).first().cloned().ok_or_else(|| {
                    Fail(
                        format!(
                            "error: --account is required (the emulator has no entity {entity})"
                        ),
                        2,
                    )
                })
            }
            (None, None) => Err(Fail("error: --account is required".into(), 2)),
        }
    }

    /// Runs `f` while a spinner on stderr (only on a terminal) shows what the call waits for.
    fn watch<T>(&self, f: impl FnOnce() -> T) -> T {
        if !std::io::stderr().is_terminal() {
            return f();
        }
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinner = {
            let (client, done) = (self.client.clone(), done.clone());
            std::thread::spawn(move || {
                let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
                let mut i = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Some(p) = client.progress() {
                        let what = match &p.waiting {
                            Waiting::Results(_) => "PENDING: polling for the results",
                            Waiting::Backoff => "backing off before a retry",
                            Waiting::Token => "waiting for a token",
                            _ => "waiting for Lean",
                        };
                        let id = p
                            .results_id
                            .map(|r| format!(" results_id {r}"))
                            .unwrap_or_default();
                        eprint!(
                            "\r{} {what} ({:.0} s){id}\x1b[K",
                            frames[i % frames.len()],
                            p.started.elapsed().as_secs_f64()
                        );
                        let _ = std::io::stderr().flush();
                    }
                    i += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                eprint!("\r\x1b[K");
            })
        };
        let out = f();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = spinner.join();
        out
    }

    fn paged<T, E>(&self, mut endpoint: E, t: &Target, json: bool) -> Result<(), Fail>
    where
        T: Collection + Table + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        endpoint.set_asynchronous(t.asynchronous);
        if let Some(size) = t.size {
            endpoint.set_page_size(size);
        }
        let e = endpoint;
        let items: Vec<T> = if t.all_pages {
            self.watch(|| self.client.items(e).collect::<Result<Vec<_>, _>>())?
        } else {
            let page = self.watch(|| self.client.page(e))?;
            if let (Some(info), false) = (page.payload.page, json) {
                eprintln!(
                    "page {} of {} ({} in all; --all-pages for every page)",
                    u64::from(info.number) + 1,
                    info.total_pages.max(1),
                    info.total_elements
                );
            }
            page.payload.items
        };
        print_json_or(json, &items, || table(&items));
        Ok(())
    }

    /// Insights are nested documents: printed as JSON either way.
    fn single<E>(&self, endpoint: E) -> Result<(), Fail>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Serialize + 'static,
    {
        let data = self.watch(|| self.client.call(endpoint))?;
        print_json_or(true, &data.payload, String::new);
        Ok(())
    }
}

/// One line per item for the table output.
trait Table {
    fn header() -> &'static str;
    fn row(&self) -> String;
}

fn table<T: Table>(items: &[T]) -> String {
    let mut out = String::from(T::header());
    for i in items {
        out.push('\n');
        out.push_str(&i.row());
    }
    out
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "-".into())
}

impl Table for Account {
    fn header() -> &'static str {
        "account_id                            sub_type       currency  iban"
    }
    fn row(&self) -> String {
        format!(
            "{}  {:<13}  {:<8}  {}",
            self.account_id,
            opt(&self.account_sub_type),
            opt(&self.currency),
            self.iban().unwrap_or("-")
        )
    }
}

impl Table for Balance {
    fn header() -> &'static str {
        "type                      indicator  amount"
    }
    fn row(&self) -> String {
        format!(
            "{:<24}  {:<9}  {} {}",
            opt(&self.kind),
            opt(&self.credit_debit_indicator),
            self.amount.amount,
            self.amount.currency
        )
    }
}

impl Table for Transaction {
    fn header() -> &'static str {
        "booked                          indicator  amount            description"
    }
    fn row(&self) -> String {
        format!(
            "{:<30}  {:<9}  {:>12} {}  {}",
            opt(&self.booking_date_time),
            opt(&self.credit_debit_indicator),
            self.amount.amount,
            self.amount.currency,
            self.transaction_information.as_deref().unwrap_or("-")
        )
    }
}

impl Table for Identity {
    fn header() -> &'static str {
        "name                           email                          mobile"
    }
    fn row(&self) -> String {
        format!(
            "{:<30} {:<30} {}",
            opt(&self.full_legal_name),
            opt(&self.email_address),
            opt(&self.mobile_number)
        )
    }
}

impl Table for Beneficiary {
    fn header() -> &'static str {
        "beneficiary_id  name                           account"
    }
    fn row(&self) -> String {
        format!(
            "{:<14}  {:<30} {}",
            opt(&self.beneficiary_id),
            opt(&self.account_holder_name),
            self.creditor_account
                .as_ref()
                .and_then(|a| a.identification.clone())
                .unwrap_or_default()
        )
    }
}

impl Table for DirectDebit {
    fn header() -> &'static str {
        "direct_debit_id                       status    frequency    name"
    }
    fn row(&self) -> String {
        format!(
            "{:<36}  {:<8}  {:<11}  {}",
            opt(&self.direct_debit_id),
            opt(&self.status_code),
            opt(&self.frequency),
            opt(&self.name)
        )
    }
}

impl Table for ScheduledPayment {
    fn header() -> &'static str {
        "scheduled_payment_id                  when                            amount"
    }
    fn row(&self) -> String {
        format!(
            "{:<36}  {:<30}  {}",
            opt(&self.scheduled_payment_id),
            opt(&self.scheduled_payment_date_time),
            self.instructed_amount
                .as_ref()
                .map(|a| format!("{} {}", a.amount, a.currency))
                .unwrap_or_default()
        )
    }
}

impl Table for StandingOrder {
    fn header() -> &'static str {
        "standing_order_id                     status    next payment"
    }
    fn row(&self) -> String {
        format!(
            "{:<36}  {:<8}  {}",
            opt(&self.standing_order_id),
            opt(&self.standing_order_status_code),
            opt(&self.next_payment_date_time)
        )
    }
}
