//! Requests as data: one type per Lean endpoint, each turned into an `http::Request<Vec<u8>>`.
//!
//! This module owns paths, methods, query parameters, bodies and headers. Path ids are typed
//! ([`EntityId`], [`AccountId`], …) so they were validated when they were made; page sizes,
//! dates and header values are checked here. A mistake is a [`RequestError`], never a request.
//! It must not decide when to send, retry or wait: that is the call engine's job.

use crate::config::{ApiGeneration, BaseUrl, Config, Credentials};
use crate::ids::{AccountId, CustomerId, EntityId, RefreshId, ResultsId};
use crate::model::customer::{CustomerList, EntityList, EntityPage, TokenResponse};
use crate::model::data::*;
use crate::model::insights::{Cashflows, Expenses, Income, RawInsights};
use crate::model::refresh::{Refresh, RefreshList, RefreshTriggered};
use crate::model::v1::{V1Accounts, V1Balance, V1Identity, V1Transactions};
use crate::payloads::AnyData;
use crate::response::Payload;
use crate::secret::Secret;
use crate::time::Date;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use http::{Method, Request};
use std::fmt;
use std::marker::PhantomData;

/// The header of the legacy v1 API's application token.
pub const APP_TOKEN_HEADER: &str = "lean-app-token";
const USER_AGENT_VALUE: &str = concat!("lean-rs/", env!("CARGO_PKG_VERSION"));

/// A request that cannot be built: the caller misused the API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// `size` outside Lean's 1..=100.
    PageSize(u32),
    /// `start_date` after `end_date`.
    DateRange {
        /// Start.
        start: Date,
        /// End.
        end: Date,
    },
    /// A v1 endpoint with v2 credentials, or the other way round.
    WrongGeneration {
        /// The endpoint.
        endpoint: &'static str,
        /// What it needs.
        needs: ApiGeneration,
    },
    /// A header value with characters HTTP does not allow (the value is not shown: it may be
    /// a secret).
    InvalidHeader(&'static str),
    /// The URL could not be assembled.
    InvalidUrl(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::PageSize(n) => write!(f, "page size must be 1..=100, got {n}"),
            RequestError::DateRange { start, end } => {
                write!(f, "start_date {start} is after end_date {end}")
            }
            RequestError::WrongGeneration { endpoint, needs } => write!(
                f,
                "{endpoint} is a {} endpoint; configure {} credentials",
                match needs {
                    ApiGeneration::V1 => "v1",
                    ApiGeneration::V2 => "v2",
                },
                match needs {
                    ApiGeneration::V1 => "an app token (v1)",
                    ApiGeneration::V2 => "client credentials (v2)",
                }
            ),
            RequestError::InvalidHeader(name) => {
                write!(f, "header {name} has characters HTTP does not allow")
            }
            RequestError::InvalidUrl(m) => write!(f, "invalid URL: {m}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// How the request authenticates. Exactly one is ever sent: Lean rejects both at once.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// v2: `Authorization: Bearer <access token>`.
    Bearer(&'a Secret),
    /// v1: `lean-app-token: <app token>`.
    AppToken(&'a Secret),
}

impl fmt::Debug for Auth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer([redacted])"),
            Auth::AppToken(_) => f.write_str("AppToken([redacted])"),
        }
    }
}

impl Auth<'_> {
    fn generation(&self) -> ApiGeneration {
        match self {
            Auth::Bearer(_) => ApiGeneration::V2,
            Auth::AppToken(_) => ApiGeneration::V1,
        }
    }
}

/// Where and as whom a request goes.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// API base URL.
    pub api_base: &'a BaseUrl,
    /// Authentication.
    pub auth: Auth<'a>,
    /// Optional `lean-correlation-id` to send (Lean echoes it; useful in your logs and theirs).
    pub correlation_id: Option<&'a str>,
}

/// Options shared by the v2 data endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataOptions {
    /// Zero-based page (`page`); omitted means Lean's default 0.
    pub page: Option<u32>,
    /// Page size (`size`, 1..=100); omitted means Lean's default 50.
    pub size: Option<u32>,
    /// `async=true`: answer PENDING at once and deliver through `results.ready`.
    pub asynchronous: bool,
    /// `meta`: data stored with the request and echoed back.
    pub meta: Option<String>,
    /// `verbose=true`: include `regional_data`.
    pub verbose: bool,
}

impl DataOptions {
    fn push(&self, q: &mut Query) -> Result<(), RequestError> {
        if let Some(page) = self.page {
            q.push("page", page.to_string());
        }
        if let Some(size) = self.size {
            if !(1..=100).contains(&size) {
                return Err(RequestError::PageSize(size));
            }
            q.push("size", size.to_string());
        }
        if self.asynchronous {
            q.push("async", "true".into());
        }
        if let Some(meta) = &self.meta {
            q.push("meta", meta.clone());
        }
        if self.verbose {
            q.push("verbose", "true".into());
        }
        Ok(())
    }
}

/// `application/x-www-form-urlencoded` percent-encoding of one value (also used for queries).
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Default)]
struct Query(Vec<(&'static str, String)>);

impl Query {
    fn push(&mut self, k: &'static str, v: String) {
        self.0.push((k, v));
    }
    fn encode(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

enum Body {
    Empty,
    Json(Vec<u8>),
}

fn build(
    endpoint: &'static str,
    needs: ApiGeneration,
    target: &Target<'_>,
    method: Method,
    path: &str,
    query: Query,
    body: Body,
) -> Result<Request<Vec<u8>>, RequestError> {
    if target.auth.generation() != needs {
        return Err(RequestError::WrongGeneration { endpoint, needs });
    }
    let mut url = format!("{}{}", target.api_base.as_str(), path);
    if !query.0.is_empty() {
        url.push('?');
        url.push_str(&query.encode());
    }
    let mut b = Request::builder()
        .method(method)
        .uri(&url)
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, USER_AGENT_VALUE);
    let (name, value) = match target.auth {
        Auth::Bearer(t) => (AUTHORIZATION.as_str(), format!("Bearer {}", t.expose())),
        Auth::AppToken(t) => (APP_TOKEN_HEADER, t.expose().to_owned()),
    };
    let mut value = HeaderValue::from_str(&value).map_err(|_| RequestError::InvalidHeader(name))?;
    // Marked sensitive: `http`'s Debug prints `Sensitive`, and HPACK never indexes it.
    value.set_sensitive(true);
    b = b.header(name, value);
    if let Some(id) = target.correlation_id {
        let v = HeaderValue::from_str(id)
            .map_err(|_| RequestError::InvalidHeader(crate::response::CORRELATION_ID_HEADER))?;
        b = b.header(crate::response::CORRELATION_ID_HEADER, v);
    }
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Json(bytes) => {
            b = b.header(CONTENT_TYPE, "application/json");
            bytes
        }
    };
    b.body(bytes)
        .map_err(|e| RequestError::InvalidUrl(format!("{url}: {e}")))
}

fn check_dates(start: Option<Date>, end: Option<Date>) -> Result<(), RequestError> {
    match (start, end) {
        (Some(start), Some(end)) if start > end => Err(RequestError::DateRange { start, end }),
        _ => Ok(()),
    }
}

fn json_body(value: serde_json::Value) -> Body {
    Body::Json(value.to_string().into_bytes())
}

/// One Lean endpoint: how to build its request and what its success payload is.
pub trait Endpoint {
    /// The success payload.
    type Output: Payload;
    /// A short name (`accounts`, `transactions`, …), as the CLI and logs use it.
    const NAME: &'static str;
    /// The API generation the endpoint belongs to.
    const GENERATION: ApiGeneration;

    /// Builds the HTTP request.
    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError>;

    /// Whether sending the request twice is harmless. GETs are; Lean guards the refresh POST
    /// with `DUPLICATED_REQUEST`; the v1 and income POSTs only read data.
    fn is_idempotent(&self) -> bool {
        true
    }

    /// Whether the request asks `async=true`.
    fn is_asynchronous(&self) -> bool {
        false
    }

    /// Turns `async=true` on or off; false when the endpoint has no such flag.
    fn set_asynchronous(&mut self, _on: bool) -> bool {
        false
    }

    /// Moves to another page; false when the endpoint is not paged.
    fn set_page(&mut self, _page: u32) -> bool {
        false
    }

    /// The page size asked for, for endpoints that page.
    fn page_size(&self) -> Option<u32> {
        None
    }

    /// Sets the page size (checked when the request is built); false when not paged.
    fn set_page_size(&mut self, _size: u32) -> bool {
        false
    }

    /// The page asked for, for endpoints that page.
    fn page(&self) -> Option<u32> {
        None
    }

    /// The API generation of this request (results requests follow the original's).
    fn generation(&self) -> ApiGeneration {
        Self::GENERATION
    }
}

macro_rules! v2_options_impl {
    () => {
        fn is_asynchronous(&self) -> bool {
            self.options.asynchronous
        }
        fn set_asynchronous(&mut self, on: bool) -> bool {
            self.options.asynchronous = on;
            true
        }
        fn set_page(&mut self, page: u32) -> bool {
            self.options.page = Some(page);
            true
        }
        fn page_size(&self) -> Option<u32> {
            self.options.size
        }
        fn set_page_size(&mut self, size: u32) -> bool {
            self.options.size = Some(size);
            true
        }
        fn page(&self) -> Option<u32> {
            self.options.page
        }
    };
}

/// `GET /data/v2/accounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAccounts {
    /// The entity.
    pub entity_id: EntityId,
    /// Paging and flags.
    pub options: DataOptions,
}

impl GetAccounts {
    /// All accounts of an entity, first page.
    pub fn new(entity_id: EntityId) -> Self {
        GetAccounts {
            entity_id,
            options: DataOptions::default(),
        }
    }
}

impl Endpoint for GetAccounts {
    type Output = Page<Account>;
    const NAME: &'static str = "accounts";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        q.push("entity_id", self.entity_id.to_string());
        self.options.push(&mut q)?;
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            "/data/v2/accounts",
            q,
            Body::Empty,
        )
    }

    v2_options_impl!();
}

/// `GET /data/v2/identity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetIdentity {
    /// The entity.
    pub entity_id: EntityId,
    /// Paging and flags.
    pub options: DataOptions,
}

impl GetIdentity {
    /// The entity holder's identity.
    pub fn new(entity_id: EntityId) -> Self {
        GetIdentity {
            entity_id,
            options: DataOptions::default(),
        }
    }
}

impl Endpoint for GetIdentity {
    type Output = Page<Identity>;
    const NAME: &'static str = "identity";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        q.push("entity_id", self.entity_id.to_string());
        self.options.push(&mut q)?;
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            "/data/v2/identity",
            q,
            Body::Empty,
        )
    }

    v2_options_impl!();
}

/// Declares a `GET /data/v2/accounts/{account_id}/<segment>` endpoint.
macro_rules! account_endpoint {
    ($(#[$doc:meta])* $name:ident, $item:ty, $segment:literal, $cli:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// The entity.
            pub entity_id: EntityId,
            /// The account.
            pub account_id: AccountId,
            /// Paging and flags.
            pub options: DataOptions,
        }

        impl $name {
            /// First page for one account.
            pub fn new(entity_id: EntityId, account_id: AccountId) -> Self {
                $name { entity_id, account_id, options: DataOptions::default() }
            }
        }

        impl Endpoint for $name {
            type Output = Page<$item>;
            const NAME: &'static str = $cli;
            const GENERATION: ApiGeneration = ApiGeneration::V2;

            fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
                let mut q = Query::default();
                q.push("entity_id", self.entity_id.to_string());
                self.options.push(&mut q)?;
                let path = format!("/data/v2/accounts/{}/{}", self.account_id, $segment);
                build(Self::NAME, Self::GENERATION, target, Method::GET, &path, q, Body::Empty)
            }

            v2_options_impl!();
        }
    };
}

account_endpoint!(
    /// `GET /data/v2/accounts/{account_id}/balances`.
    GetBalances, Balance, "balances", "balances"
);
account_endpoint!(
    /// `GET /data/v2/accounts/{account_id}/beneficiaries`.
    GetBeneficiaries, Beneficiary, "beneficiaries", "beneficiaries"
);
account_endpoint!(
    /// `GET /data/v2/accounts/{account_id}/identities`.
    GetAccountIdentities, Identity, "identities", "identities"
);
account_endpoint!(
    /// `GET /data/v2/accounts/{account_id}/direct-debits`.
    GetDirectDebits, DirectDebit, "direct-debits", "direct-debits"
);
account_endpoint!(
    /// `GET /data/v2/accounts/{account_id}/scheduled-payments`.
    GetScheduledPayments, ScheduledPayment, "scheduled-payments", "scheduled-payments"
);
account_endpoint!(
    /// `GET /data/v2/accounts/{account_id}/standing-orders`.
    GetStandingOrders, StandingOrder, "standing-orders", "standing-orders"
);

/// `GET /data/v2/accounts/{account_id}/transactions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTransactions {
    /// The entity.
    pub entity_id: EntityId,
    /// The account.
    pub account_id: AccountId,
    /// `start_date` (UTC day, inclusive).
    pub start_date: Option<Date>,
    /// `end_date` (UTC day).
    pub end_date: Option<Date>,
    /// `insights=true`: per-transaction category and cleansed description.
    pub insights: bool,
    /// Paging and flags.
    pub options: DataOptions,
}

impl GetTransactions {
    /// First page of an account's transactions, whole history.
    pub fn new(entity_id: EntityId, account_id: AccountId) -> Self {
        GetTransactions {
            entity_id,
            account_id,
            start_date: None,
            end_date: None,
            insights: false,
            options: DataOptions::default(),
        }
    }
}

impl Endpoint for GetTransactions {
    type Output = Page<Transaction>;
    const NAME: &'static str = "transactions";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        check_dates(self.start_date, self.end_date)?;
        let mut q = Query::default();
        q.push("entity_id", self.entity_id.to_string());
        if let Some(d) = self.start_date {
            q.push("start_date", d.to_string());
        }
        if let Some(d) = self.end_date {
            q.push("end_date", d.to_string());
        }
        if self.insights {
            q.push("insights", "true".into());
        }
        self.options.push(&mut q)?;
        let path = format!("/data/v2/accounts/{}/transactions", self.account_id);
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            &path,
            q,
            Body::Empty,
        )
    }

    v2_options_impl!();
}

/// `POST /data/v2/refreshes` with `{"entity_id": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerRefresh {
    /// The entity to refresh.
    pub entity_id: EntityId,
}

impl Endpoint for TriggerRefresh {
    type Output = RefreshTriggered;
    const NAME: &'static str = "refresh";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = json_body(serde_json::json!({ "entity_id": self.entity_id.as_str() }));
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::POST,
            "/data/v2/refreshes",
            Query::default(),
            body,
        )
    }
}

/// `GET /data/v2/refreshes?entity_id=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRefreshes {
    /// The entity.
    pub entity_id: EntityId,
    /// Zero-based page.
    pub page: Option<u32>,
    /// Page size, 1..=100.
    pub size: Option<u32>,
}

impl Endpoint for ListRefreshes {
    type Output = RefreshList;
    const NAME: &'static str = "refreshes";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        q.push("entity_id", self.entity_id.to_string());
        DataOptions {
            page: self.page,
            size: self.size,
            ..DataOptions::default()
        }
        .push(&mut q)?;
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            "/data/v2/refreshes",
            q,
            Body::Empty,
        )
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page = Some(page);
        true
    }

    fn page_size(&self) -> Option<u32> {
        self.size
    }

    fn set_page_size(&mut self, size: u32) -> bool {
        self.size = Some(size);
        true
    }

    fn page(&self) -> Option<u32> {
        self.page
    }
}

/// `GET /data/v2/refreshes/{refresh_id}?entity_id=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRefresh {
    /// The entity.
    pub entity_id: EntityId,
    /// The refresh.
    pub refresh_id: RefreshId,
}

impl Endpoint for GetRefresh {
    type Output = Refresh;
    const NAME: &'static str = "refresh-status";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        q.push("entity_id", self.entity_id.to_string());
        let path = format!("/data/v2/refreshes/{}", self.refresh_id);
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            &path,
            q,
            Body::Empty,
        )
    }
}

/// `GET /data/v2/results/{results_id}` (v2) or `GET /data/v1/results/{results_id}` (v1): the
/// results of a request that answered PENDING. `P` is what the original request returns;
/// use [`AnyData`] when that is not known.
#[derive(Debug, PartialEq, Eq)]
pub struct GetResults<P = AnyData> {
    /// The results to fetch.
    pub results_id: ResultsId,
    /// Which API generation the original request used.
    pub generation: ApiGeneration,
    /// Zero-based page (v2).
    pub page: Option<u32>,
    /// Page size, 1..=100 (v2).
    pub size: Option<u32>,
    _payload: PhantomData<fn() -> P>,
}

impl<P> Clone for GetResults<P> {
    fn clone(&self) -> Self {
        GetResults {
            results_id: self.results_id.clone(),
            generation: self.generation,
            page: self.page,
            size: self.size,
            _payload: PhantomData,
        }
    }
}

impl<P> GetResults<P> {
    /// Results of a v2 request, first page.
    pub fn new(results_id: ResultsId) -> Self {
        Self::with_generation(results_id, ApiGeneration::V2)
    }

    /// Results of a request of the given generation.
    pub fn with_generation(results_id: ResultsId, generation: ApiGeneration) -> Self {
        GetResults {
            results_id,
            generation,
            page: None,
            size: None,
            _payload: PhantomData,
        }
    }
}

impl<P: Payload> GetResults<P> {
    fn build_request(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        let path = match self.generation {
            ApiGeneration::V2 => {
                DataOptions {
                    page: self.page,
                    size: self.size,
                    ..DataOptions::default()
                }
                .push(&mut q)?;
                format!("/data/v2/results/{}", self.results_id)
            }
            ApiGeneration::V1 => format!("/data/v1/results/{}", self.results_id),
        };
        build(
            "results",
            self.generation,
            target,
            Method::GET,
            &path,
            q,
            Body::Empty,
        )
    }
}

impl<P: Payload> Endpoint for GetResults<P> {
    type Output = P;
    const NAME: &'static str = "results";
    // Either generation; `build` checks the one the results belong to.
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        self.build_request(target)
    }

    fn set_page(&mut self, page: u32) -> bool {
        if self.generation == ApiGeneration::V2 {
            self.page = Some(page);
        }
        self.generation == ApiGeneration::V2
    }

    fn page_size(&self) -> Option<u32> {
        self.size
    }

    fn set_page_size(&mut self, size: u32) -> bool {
        self.size = Some(size);
        true
    }

    fn page(&self) -> Option<u32> {
        self.page
    }

    fn generation(&self) -> ApiGeneration {
        self.generation
    }
}

/// Declares a v1 `POST /data/v1/<path>` endpoint with a JSON body.
macro_rules! v1_endpoint {
    ($(#[$doc:meta])* $name:ident, $out:ty, $path:literal, $cli:literal, { $($(#[$fdoc:meta])* $field:ident : $fty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// The entity.
            pub entity_id: EntityId,
            $($(#[$fdoc])* pub $field: $fty,)*
            /// `async: true` in the body.
            pub asynchronous: bool,
        }

        impl Endpoint for $name {
            type Output = $out;
            const NAME: &'static str = $cli;
            const GENERATION: ApiGeneration = ApiGeneration::V1;

            fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
                let mut body = serde_json::Map::new();
                body.insert("entity_id".into(), self.entity_id.as_str().into());
                $(v1_field(&mut body, stringify!($field), &self.$field);)*
                if self.asynchronous {
                    body.insert("async".into(), true.into());
                }
                self.check()?;
                build(Self::NAME, Self::GENERATION, target, Method::POST, $path, Query::default(),
                    json_body(serde_json::Value::Object(body)))
            }

            fn is_asynchronous(&self) -> bool {
                self.asynchronous
            }

            fn set_asynchronous(&mut self, on: bool) -> bool {
                self.asynchronous = on;
                true
            }
        }
    };
}

trait V1Field {
    fn insert(&self, body: &mut serde_json::Map<String, serde_json::Value>, key: &str);
}
impl V1Field for AccountId {
    fn insert(&self, body: &mut serde_json::Map<String, serde_json::Value>, key: &str) {
        body.insert(key.into(), self.as_str().into());
    }
}
impl V1Field for Option<Date> {
    fn insert(&self, body: &mut serde_json::Map<String, serde_json::Value>, key: &str) {
        if let Some(d) = self {
            body.insert(key.into(), d.to_string().into());
        }
    }
}
impl V1Field for bool {
    fn insert(&self, body: &mut serde_json::Map<String, serde_json::Value>, key: &str) {
        if *self {
            body.insert(key.into(), true.into());
        }
    }
}
fn v1_field<F: V1Field>(body: &mut serde_json::Map<String, serde_json::Value>, key: &str, f: &F) {
    f.insert(body, key);
}

v1_endpoint!(
    /// v1 `POST /data/v1/identity`.
    V1GetIdentity, V1Identity, "/data/v1/identity", "v1-identity", {}
);
v1_endpoint!(
    /// v1 `POST /data/v1/accounts`.
    V1GetAccounts, V1Accounts, "/data/v1/accounts", "v1-accounts", {}
);
v1_endpoint!(
    /// v1 `POST /data/v1/balance`.
    V1GetBalance, V1Balance, "/data/v1/balance", "v1-balance", {
        /// The account.
        account_id: AccountId
    }
);
v1_endpoint!(
    /// v1 `POST /data/v1/transactions`.
    V1GetTransactions, V1Transactions, "/data/v1/transactions", "v1-transactions", {
        /// The account.
        account_id: AccountId,
        /// First day.
        start_date: Option<Date>,
        /// Last day.
        end_date: Option<Date>,
        /// Ask for per-transaction insights.
        insights: bool
    }
);

impl V1GetIdentity {
    /// The entity holder's identity.
    pub fn new(entity_id: EntityId) -> Self {
        V1GetIdentity {
            entity_id,
            asynchronous: false,
        }
    }
    fn check(&self) -> Result<(), RequestError> {
        Ok(())
    }
}
impl V1GetAccounts {
    /// The entity's accounts.
    pub fn new(entity_id: EntityId) -> Self {
        V1GetAccounts {
            entity_id,
            asynchronous: false,
        }
    }
    fn check(&self) -> Result<(), RequestError> {
        Ok(())
    }
}
impl V1GetBalance {
    /// One account's balance.
    pub fn new(entity_id: EntityId, account_id: AccountId) -> Self {
        V1GetBalance {
            entity_id,
            account_id,
            asynchronous: false,
        }
    }
    fn check(&self) -> Result<(), RequestError> {
        Ok(())
    }
}
impl V1GetTransactions {
    /// One account's transactions.
    pub fn new(entity_id: EntityId, account_id: AccountId) -> Self {
        V1GetTransactions {
            entity_id,
            account_id,
            start_date: None,
            end_date: None,
            insights: false,
            asynchronous: false,
        }
    }
    fn check(&self) -> Result<(), RequestError> {
        check_dates(self.start_date, self.end_date)
    }
}

/// `POST /insights/v2/income` with `{entity_id, start_date, income_type}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetIncome {
    /// The entity (needs accounts and transactions permissions).
    pub entity_id: EntityId,
    /// First day considered.
    pub start_date: Option<Date>,
    /// `ALL`, `SALARY`, … (Lean's sample sends `ALL`).
    pub income_type: Option<String>,
    /// `async=true`.
    pub asynchronous: bool,
}

impl GetIncome {
    /// Income insights over all history.
    pub fn new(entity_id: EntityId) -> Self {
        GetIncome {
            entity_id,
            start_date: None,
            income_type: None,
            asynchronous: false,
        }
    }
}

impl Endpoint for GetIncome {
    type Output = Income;
    const NAME: &'static str = "income";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut body = serde_json::Map::new();
        body.insert("entity_id".into(), self.entity_id.as_str().into());
        if let Some(d) = self.start_date {
            body.insert("start_date".into(), d.to_string().into());
        }
        if let Some(t) = &self.income_type {
            body.insert("income_type".into(), t.clone().into());
        }
        let mut q = Query::default();
        if self.asynchronous {
            q.push("async", "true".into());
        }
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::POST,
            "/insights/v2/income",
            q,
            json_body(serde_json::Value::Object(body)),
        )
    }

    fn is_asynchronous(&self) -> bool {
        self.asynchronous
    }

    fn set_asynchronous(&mut self, on: bool) -> bool {
        self.asynchronous = on;
        true
    }
}

/// Declares a `GET /insights/v2/<path>?entity_id&start_date&async` endpoint.
macro_rules! insights_endpoint {
    ($(#[$doc:meta])* $name:ident, $out:ty, $path:literal, $cli:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// The entity.
            pub entity_id: EntityId,
            /// First day considered.
            pub start_date: Option<Date>,
            /// `async=true`.
            pub asynchronous: bool,
        }

        impl $name {
            /// Insights over all history.
            pub fn new(entity_id: EntityId) -> Self {
                $name { entity_id, start_date: None, asynchronous: false }
            }
        }

        impl Endpoint for $name {
            type Output = $out;
            const NAME: &'static str = $cli;
            const GENERATION: ApiGeneration = ApiGeneration::V2;

            fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
                let mut q = Query::default();
                q.push("entity_id", self.entity_id.to_string());
                if let Some(d) = self.start_date {
                    q.push("start_date", d.to_string());
                }
                if self.asynchronous {
                    q.push("async", "true".into());
                }
                build(Self::NAME, Self::GENERATION, target, Method::GET, $path, q, Body::Empty)
            }

            fn is_asynchronous(&self) -> bool {
                self.asynchronous
            }

            fn set_asynchronous(&mut self, on: bool) -> bool {
                self.asynchronous = on;
                true
            }
        }
    };
}

insights_endpoint!(
    /// `GET /insights/v2/expenses`.
    GetExpenses, Expenses, "/insights/v2/expenses", "expenses"
);
insights_endpoint!(
    /// `GET /insights/v2/assets/cashflows`.
    GetCashflows, Cashflows, "/insights/v2/assets/cashflows", "cashflows"
);
insights_endpoint!(
    /// `GET /insights/v2/assets/balances` (KSA).
    GetCashBalances, RawInsights, "/insights/v2/assets/balances", "cash-balances"
);
insights_endpoint!(
    /// `GET /insights/v2/liabilities/credit-obligations` (KSA).
    GetCreditObligations, RawInsights, "/insights/v2/liabilities/credit-obligations", "credit-obligations"
);
insights_endpoint!(
    /// `GET /insights/v2/liabilities/non-credit-obligations` (KSA).
    GetNonCreditObligations, RawInsights, "/insights/v2/liabilities/non-credit-obligations", "non-credit-obligations"
);
insights_endpoint!(
    /// `GET /insights/v2/income/employment` (KSA).
    GetEmployment, RawInsights, "/insights/v2/income/employment", "employment"
);

/// `GET /customers/v1?page_number&page_size`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListCustomers {
    /// Zero-based page.
    pub page_number: Option<u32>,
    /// Page size, 1..=100.
    pub page_size: Option<u32>,
}

impl Endpoint for ListCustomers {
    type Output = CustomerList;
    const NAME: &'static str = "customers";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        if let Some(p) = self.page_number {
            q.push("page_number", p.to_string());
        }
        if let Some(s) = self.page_size {
            if !(1..=100).contains(&s) {
                return Err(RequestError::PageSize(s));
            }
            q.push("page_size", s.to_string());
        }
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            "/customers/v1",
            q,
            Body::Empty,
        )
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page_number = Some(page);
        true
    }

    fn page_size(&self) -> Option<u32> {
        self.page_size
    }

    fn set_page_size(&mut self, size: u32) -> bool {
        self.page_size = Some(size);
        true
    }

    fn page(&self) -> Option<u32> {
        self.page_number
    }
}

/// `GET /customers/v1/{customer_id}/entities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCustomerEntities {
    /// The customer.
    pub customer_id: CustomerId,
}

impl Endpoint for GetCustomerEntities {
    type Output = EntityList;
    const NAME: &'static str = "entities";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/customers/v1/{}/entities", self.customer_id);
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            &path,
            Query::default(),
            Body::Empty,
        )
    }
}

/// `GET /customers/v1/entities?page_number&page_size&start_date&end_date`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListEntities {
    /// Zero-based page.
    pub page_number: Option<u32>,
    /// Page size, 1..=100.
    pub page_size: Option<u32>,
    /// Created on or after.
    pub start_date: Option<Date>,
    /// Created on or before.
    pub end_date: Option<Date>,
}

impl Endpoint for ListEntities {
    type Output = EntityPage;
    const NAME: &'static str = "entities-by-date";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        check_dates(self.start_date, self.end_date)?;
        let mut q = Query::default();
        if let Some(p) = self.page_number {
            q.push("page_number", p.to_string());
        }
        if let Some(s) = self.page_size {
            if !(1..=100).contains(&s) {
                return Err(RequestError::PageSize(s));
            }
            q.push("page_size", s.to_string());
        }
        if let Some(d) = self.start_date {
            q.push("start_date", d.to_string());
        }
        if let Some(d) = self.end_date {
            q.push("end_date", d.to_string());
        }
        build(
            Self::NAME,
            Self::GENERATION,
            target,
            Method::GET,
            "/customers/v1/entities",
            q,
            Body::Empty,
        )
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page_number = Some(page);
        true
    }
}

/// The OAuth2 client-credentials token request (`scope=api`) for a v2 configuration.
///
/// Its form body carries the client secret (Lean takes it there, not in a header): never log
/// this request's body. The adapters in this workspace do not.
///
/// ```
/// use lean_proto::{token_request, Config, Credentials, Environment, Region, Secret};
/// let cfg = Config::new(Region::Ksa, Environment::Sandbox, Credentials::ClientCredentials {
///     client_id: "my-app".into(), client_secret: Secret::new("s3cr3t") });
/// let req = token_request(&cfg).unwrap();
/// assert_eq!(req.uri(), "https://auth.sandbox.sa.leantech.me/oauth2/token");
/// assert_eq!(req.method(), "POST");
/// ```
pub fn token_request(config: &Config) -> Result<Request<Vec<u8>>, RequestError> {
    let Credentials::ClientCredentials {
        client_id,
        client_secret,
    } = &config.credentials
    else {
        return Err(RequestError::WrongGeneration {
            endpoint: "token",
            needs: ApiGeneration::V2,
        });
    };
    let body = format!(
        "client_id={}&client_secret={}&grant_type=client_credentials&scope=api",
        form_encode(client_id),
        form_encode(client_secret.expose())
    );
    Request::builder()
        .method(Method::POST)
        .uri(config.token_url())
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, USER_AGENT_VALUE)
        .body(body.into_bytes())
        .map_err(|e| RequestError::InvalidUrl(e.to_string()))
}

/// Decodes the token endpoint's answer.
pub type TokenOutcome = crate::response::Outcome<TokenResponse>;
