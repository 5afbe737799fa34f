//! The data and insights commands: each takes only the flags its endpoint reads (an entity's
//! collection no `--account`, an insight no paging), and is built from them in one place.
//! With an app token, the four v1 data routes answer the commands of the same name.

use crate::session::Session;
use crate::{Fail, Target, date};
use clap::{Args, Subcommand};
use lean_proto::*;

/// Which entity.
#[derive(Args, Clone)]
pub(crate) struct EntityFlag {
    /// entity_id (default with the embedded emulator: the first seeded one).
    #[arg(long, env = "LEAN_ENTITY_ID")]
    pub(crate) entity: Option<String>,
}

/// Which account of which entity.
#[derive(Args, Clone)]
pub(crate) struct AccountFlags {
    #[command(flatten)]
    e: EntityFlag,
    /// account_id (default with the embedded emulator: the entity's first account).
    #[arg(long, env = "LEAN_ACCOUNT_ID")]
    account: Option<String>,
}

/// How a data request is asked (Lean's query flags).
#[derive(Args, Clone)]
pub(crate) struct Ask {
    /// Ask `async=true`: Lean answers PENDING and the command polls the results.
    #[arg(long = "async")]
    asynchronous: bool,
    /// `meta`: your data, stored with the request and echoed back.
    #[arg(long)]
    meta: Option<String>,
    /// `verbose=true`: include each record's `regional_data`.
    #[arg(long)]
    verbose: bool,
    /// `force_refresh=true` (KSA): ask the bank now instead of Lean's store.
    #[arg(long)]
    force_refresh: bool,
}

/// Paging of a collection.
#[derive(Args, Clone)]
pub(crate) struct Pages {
    /// Every page, not just the first.
    #[arg(long)]
    all_pages: bool,
    /// Page size (1..=100).
    #[arg(long)]
    size: Option<u32>,
}

/// An insight: the entity and the first day considered.
#[derive(Args, Clone)]
pub(crate) struct InsightFlags {
    #[command(flatten)]
    e: EntityFlag,
    /// start_date (YYYY-MM-DD).
    #[arg(long)]
    start_date: Option<String>,
    /// Ask `async=true`: Lean answers PENDING and the command polls the results.
    #[arg(long = "async")]
    asynchronous: bool,
}

/// The data and insights commands.
#[derive(Subcommand)]
pub(crate) enum DataCmd {
    /// Accounts of an entity.
    Accounts {
        #[command(flatten)]
        e: EntityFlag,
        #[command(flatten)]
        ask: Ask,
        #[command(flatten)]
        pages: Pages,
    },
    /// Identity of the entity holder.
    Identity {
        #[command(flatten)]
        e: EntityFlag,
        #[command(flatten)]
        ask: Ask,
        #[command(flatten)]
        pages: Pages,
    },
    /// Balances of an account.
    Balances(AccountData),
    /// Transactions of an account.
    Transactions {
        #[command(flatten)]
        d: AccountData,
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
    Beneficiaries(AccountData),
    /// Parties of an account.
    Identities(AccountData),
    /// Direct debits of an account.
    DirectDebits(AccountData),
    /// Scheduled payments of an account.
    ScheduledPayments(AccountData),
    /// Standing orders of an account.
    StandingOrders(AccountData),
    /// Income insights.
    Income {
        #[command(flatten)]
        i: InsightFlags,
        /// `income_type`: ALL (Lean's default), SALARY, …
        #[arg(long)]
        income_type: Option<String>,
    },
    /// Expenses insights.
    Expenses(InsightFlags),
    /// Cashflow insights.
    Cashflows(InsightFlags),
    /// Cash balances insights (KSA).
    CashBalances(InsightFlags),
    /// Credit obligations insights (KSA).
    CreditObligations(InsightFlags),
    /// Non-credit obligations insights (KSA).
    NonCreditObligations(InsightFlags),
    /// Employment insights (KSA).
    Employment(InsightFlags),
    /// Freelancer cashflow insights (KSA).
    FreelancerCashflow(InsightFlags),
}

/// The flags of an account's collection.
#[derive(Args, Clone)]
pub(crate) struct AccountData {
    #[command(flatten)]
    a: AccountFlags,
    #[command(flatten)]
    ask: Ask,
    #[command(flatten)]
    pages: Pages,
}

fn target(entity: &EntityFlag, account: Option<&String>, ask: &Ask, pages: &Pages) -> Target {
    Target {
        entity: entity.entity.clone(),
        account: account.cloned(),
        asynchronous: ask.asynchronous,
        all_pages: pages.all_pages,
        size: pages.size,
    }
}

fn options(ask: &Ask) -> DataOptions {
    let mut o = DataOptions::default();
    o.asynchronous = ask.asynchronous;
    o.meta = ask.meta.clone();
    o.verbose = ask.verbose;
    o.force_refresh = ask.force_refresh;
    o
}

/// An account collection's endpoint, its options set, paged by the session.
macro_rules! account_collection {
    ($session:expr, $d:expr, $json:expr, $endpoint:ident) => {{
        let d = $d;
        let t = target(&d.a.e, d.a.account.as_ref(), &d.ask, &d.pages);
        let mut req = $endpoint::new($session.entity(&t)?, $session.account(&t)?);
        req.options = options(&d.ask);
        $session.paged(req, &t, $json)
    }};
}

/// An insight's endpoint from its flags, asked once.
macro_rules! insight {
    ($session:expr, $i:expr, $endpoint:ident) => {{
        let i = $i;
        let t = target(&i.e, None, &no_ask(i.asynchronous), &no_pages());
        let mut req = $endpoint::new($session.entity(&t)?);
        req.asynchronous = i.asynchronous;
        req.start_date = i.start_date.as_deref().map(date).transpose()?;
        $session.single(req)
    }};
}

fn no_ask(asynchronous: bool) -> Ask {
    Ask {
        asynchronous,
        meta: None,
        verbose: false,
        force_refresh: false,
    }
}

fn no_pages() -> Pages {
    Pages {
        all_pages: false,
        size: None,
    }
}

/// Runs a data or insights command.
pub(crate) fn run(session: &Session, cmd: DataCmd, json: bool) -> Result<(), Fail> {
    // With an app token, the four v1 data routes answer the commands of the same name.
    if session.config.generation() == ApiGeneration::V1 {
        return run_v1(session, cmd);
    }
    match cmd {
        DataCmd::Accounts { e, ask, pages } => {
            let t = target(&e, None, &ask, &pages);
            let mut req = GetAccounts::new(session.entity(&t)?);
            req.options = options(&ask);
            session.paged(req, &t, json)
        }
        DataCmd::Identity { e, ask, pages } => {
            let t = target(&e, None, &ask, &pages);
            let mut req = GetIdentity::new(session.entity(&t)?);
            req.options = options(&ask);
            session.paged(req, &t, json)
        }
        DataCmd::Balances(d) => account_collection!(session, d, json, GetBalances),
        DataCmd::Transactions {
            d,
            from,
            to,
            insights,
        } => {
            let t = target(&d.a.e, d.a.account.as_ref(), &d.ask, &d.pages);
            let mut req = GetTransactions::new(session.entity(&t)?, session.account(&t)?);
            req.options = options(&d.ask);
            req.start_date = from.as_deref().map(date).transpose()?;
            req.end_date = to.as_deref().map(date).transpose()?;
            req.insights = insights;
            session.paged(req, &t, json)
        }
        DataCmd::Beneficiaries(d) => account_collection!(session, d, json, GetBeneficiaries),
        DataCmd::Identities(d) => account_collection!(session, d, json, GetAccountIdentities),
        DataCmd::DirectDebits(d) => account_collection!(session, d, json, GetDirectDebits),
        DataCmd::ScheduledPayments(d) => {
            account_collection!(session, d, json, GetScheduledPayments)
        }
        DataCmd::StandingOrders(d) => account_collection!(session, d, json, GetStandingOrders),
        DataCmd::Income { i, income_type } => {
            let t = target(&i.e, None, &no_ask(i.asynchronous), &no_pages());
            let mut req = GetIncome::new(session.entity(&t)?);
            req.asynchronous = i.asynchronous;
            req.start_date = i.start_date.as_deref().map(date).transpose()?;
            req.income_type = income_type;
            session.single(req)
        }
        DataCmd::Expenses(i) => insight!(session, i, GetExpenses),
        DataCmd::Cashflows(i) => insight!(session, i, GetCashflows),
        DataCmd::CashBalances(i) => insight!(session, i, GetCashBalances),
        DataCmd::CreditObligations(i) => insight!(session, i, GetCreditObligations),
        DataCmd::NonCreditObligations(i) => insight!(session, i, GetNonCreditObligations),
        DataCmd::Employment(i) => insight!(session, i, GetEmployment),
        DataCmd::FreelancerCashflow(i) => insight!(session, i, GetFreelancerCashflow),
    }
}

/// The v1 routes (`lean-app-token`): identity, accounts, balance, transactions.
fn run_v1(session: &Session, cmd: DataCmd) -> Result<(), Fail> {
    match cmd {
        DataCmd::Accounts { e, ask, pages } => {
            let t = target(&e, None, &ask, &pages);
            let mut req = V1GetAccounts::new(session.entity(&t)?);
            req.asynchronous = ask.asynchronous;
            session.single(req)
        }
        DataCmd::Identity { e, ask, pages } => {
            let t = target(&e, None, &ask, &pages);
            let mut req = V1GetIdentity::new(session.entity(&t)?);
            req.asynchronous = ask.asynchronous;
            session.single(req)
        }
        DataCmd::Balances(d) => {
            let t = target(&d.a.e, d.a.account.as_ref(), &d.ask, &d.pages);
            let mut req = V1GetBalance::new(session.entity(&t)?, session.account(&t)?);
            req.asynchronous = d.ask.asynchronous;
            session.single(req)
        }
        DataCmd::Transactions {
            d,
            from,
            to,
            insights,
        } => {
            let t = target(&d.a.e, d.a.account.as_ref(), &d.ask, &d.pages);
            let mut req = V1GetTransactions::new(session.entity(&t)?, session.account(&t)?);
            req.start_date = from.as_deref().map(date).transpose()?;
            req.end_date = to.as_deref().map(date).transpose()?;
            req.insights = insights;
            req.asynchronous = d.ask.asynchronous;
            session.single(req)
        }
        _ => Err(Fail(
            "error: this is a v2 endpoint: an app token (v1) reaches identity, accounts, balances and transactions; set LEAN_CLIENT_ID and LEAN_CLIENT_SECRET (v2 client credentials) for the rest".into(),
            crate::exit::USAGE,
        )),
    }
}
