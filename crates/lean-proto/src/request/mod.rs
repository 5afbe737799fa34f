//! Requests as data: one type per Lean endpoint, each turned into an `http::Request<Vec<u8>>`.
//!
//! This module owns paths, methods, query parameters, bodies and headers. Path ids are typed
//! ([`EntityId`], [`AccountId`], …) so they were validated when they were made; page sizes,
//! dates and header values are checked here. A mistake is a [`RequestError`], never a request.
//! It must not decide when to send, retry or wait: that is the call engine's job.
//!
//! One file per family: `data` (v2 data, refreshes, results), `v1` (legacy, app token),
//! `insights`, `customers` (customers, entities, banks, tokens), `verifications`, `payments`;
//! all re-exported here. This
//! file holds what they share: the target, authentication, query encoding, the checks, and
//! [`Endpoint`].

pub(crate) use crate::config::{ApiGeneration, BaseUrl, Config, Credentials};
pub(crate) use crate::ids::{AccountId, CustomerId, EntityId, RefreshId, ResultsId};
pub(crate) use crate::model::customer::{
    BankList, Customer, CustomerList, Deleted, Entity, EntityList, EntityPage, TokenResponse,
};
pub(crate) use crate::model::data::*;
pub(crate) use crate::model::insights::{Cashflows, Expenses, Income};
pub(crate) use crate::model::refresh::{Refresh, RefreshList, RefreshTriggered};
pub(crate) use crate::model::v1::{V1Accounts, V1Balance, V1Identity, V1Transactions};
pub(crate) use crate::payloads::AnyData;
pub(crate) use crate::response::Payload;
pub(crate) use crate::secret::Secret;
pub(crate) use crate::time::Date;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, Request};
use std::fmt;
pub(crate) use std::marker::PhantomData;

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
    /// The JSON body could not be written (which endpoint's, and why).
    InvalidBody(String),
    /// A parameter Lean would refuse (say, a name with digits for name verification).
    InvalidParameter {
        /// Lean's name of the parameter.
        name: &'static str,
        /// What it must be.
        reason: &'static str,
    },
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
            RequestError::InvalidBody(m) => write!(f, "invalid JSON body: {m}"),
            RequestError::InvalidParameter { name, reason } => {
                write!(f, "invalid {name}: {reason}")
            }
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
    /// The API generation this credential belongs to.
    pub fn generation(&self) -> ApiGeneration {
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
#[non_exhaustive]
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
    /// `force_refresh=true`: ask the bank now instead of reading Lean's store (KSA; Lean's
    /// docs list the flag without saying more). Slower, and more likely to go PENDING.
    pub force_refresh: bool,
}

impl DataOptions {
    pub(crate) fn push(&self, q: &mut Query) -> Result<(), RequestError> {
        if let Some(page) = self.page {
            q.push("page", &page);
        }
        if let Some(size) = self.size {
            if !(1..=100).contains(&size) {
                return Err(RequestError::PageSize(size));
            }
            q.push("size", &size);
        }
        if self.asynchronous {
            q.push("async", "true");
        }
        if let Some(meta) = &self.meta {
            q.push("meta", meta);
        }
        if self.verbose {
            q.push("verbose", "true");
        }
        if self.force_refresh {
            q.push("force_refresh", "true");
        }
        Ok(())
    }
}

/// `application/x-www-form-urlencoded` percent-encoding of one value (also used for queries).
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_into(&mut out, value);
    out
}

/// RFC 3986's unreserved bytes, which form-encoding leaves as they are.
const UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] =
            matches!(b as u8, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    t
};

/// Appends `value` form-encoded to `out`: runs of unreserved bytes in one copy each (an id is
/// one run, found by a table scan), the others as `%XX`.
fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    out.reserve(bytes.len());
    let mut start = 0;
    while let Some(n) = bytes
        .get(start..)
        .and_then(|rest| rest.iter().position(|&b| !UNRESERVED[usize::from(b)]))
    {
        let i = start + n;
        // A run of ASCII bytes starts and ends on character boundaries, so `get` never fails.
        out.push_str(value.get(start..i).unwrap_or_default());
        let b = bytes[i];
        out.push('%');
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xF)] as char);
        start = i + 1;
    }
    out.push_str(value.get(start..).unwrap_or_default());
}

/// A query string, encoded as it is built (no list of owned pairs to join afterwards).
#[derive(Default)]
pub(crate) struct Query(String);

impl Query {
    /// Appends `k=v`, `v` form-encoded from its `Display` text.
    pub(crate) fn push(&mut self, k: &'static str, v: &(impl fmt::Display + ?Sized)) {
        use fmt::Write;
        if self.0.capacity() == 0 {
            // Room for an id and a few options: one allocation instead of three growths.
            self.0.reserve(96);
        }
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(k);
        self.0.push('=');
        // Writing to a String cannot fail.
        let _ = write!(FormEncoder(&mut self.0), "{v}");
    }
}

/// Form-encodes what is written through it into the string it holds.
struct FormEncoder<'a>(&'a mut String);

impl fmt::Write for FormEncoder<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        encode_into(self.0, s);
        Ok(())
    }
}

pub(crate) enum Body {
    Empty,
    Json(Vec<u8>),
}

pub(crate) fn build(
    endpoint: &'static str,
    needs: Option<ApiGeneration>,
    target: &Target<'_>,
    method: Method,
    path: &str,
    query: Query,
    body: Body,
) -> Result<Request<Vec<u8>>, RequestError> {
    // `None`: the route takes either credential (customers, entities, banks).
    if let Some(needs) = needs
        && target.auth.generation() != needs
    {
        return Err(RequestError::WrongGeneration { endpoint, needs });
    }
    let uri = uri(target.api_base, path, &query.0)?;
    let (bytes, json) = match body {
        Body::Empty => (Vec::new(), false),
        Body::Json(bytes) => (bytes, true),
    };
    // Names and fixed values made at compile time, and the map's insertion code once, out of
    // line, rather than inlined once per header: less code run per call (the `footprint`
    // bench counts it).
    const JSON: HeaderValue = HeaderValue::from_static("application/json");
    const AGENT: HeaderValue = HeaderValue::from_static(USER_AGENT_VALUE);
    #[inline(never)]
    fn put(h: &mut http::HeaderMap, name: HeaderName, value: HeaderValue) {
        h.insert(name, value);
    }
    let mut request = Request::new(bytes);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let h = request.headers_mut();
    h.reserve(6);
    put(h, ACCEPT, JSON);
    put(h, USER_AGENT, AGENT);
    // Made once per secret and shared (`Secret::header_value`), marked sensitive.
    let (name, value) = match target.auth {
        Auth::Bearer(t) => (AUTHORIZATION, t.header_value(true)),
        Auth::AppToken(t) => (
            HeaderName::from_static(APP_TOKEN_HEADER),
            t.header_value(false),
        ),
    };
    let value = value.ok_or_else(|| RequestError::InvalidHeader(name_of(&name)))?;
    put(h, name, value);
    if let Some(id) = target.correlation_id {
        let v = Some(id)
            .filter(|id| is_header_text(id))
            .and_then(|id| HeaderValue::from_str(id).ok())
            .ok_or(RequestError::InvalidHeader(
                crate::response::CORRELATION_ID_HEADER,
            ))?;
        put(h, crate::response::CORRELATION_ID, v);
    }
    if json {
        put(h, CONTENT_TYPE, JSON);
    }
    Ok(request)
}

/// Whether `text` can be a header value that every transport sends alike: visible ASCII,
/// spaces and tabs. `http` also takes bytes above 127 (obs-text); ureq and reqwest would send
/// them as they are and http-types (lean-surf) cannot carry them, so a value with one is the
/// caller's mistake, refused here for every transport, not a failure of one of them.
pub(crate) fn is_header_text(text: &str) -> bool {
    text.bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// `base` + `path` + `?query`, from the base's parsed scheme and host: only the path and
/// query are parsed (checked) here, and the text is handed over without a copy.
pub(crate) fn uri(base: &BaseUrl, path: &str, query: &str) -> Result<http::Uri, RequestError> {
    let prefix = base.path();
    // Exactly the length: `Bytes` takes a full `Vec` over without allocating again.
    let len = prefix.len() + path.len() + usize::from(!query.is_empty()) + query.len();
    let mut text = String::with_capacity(len);
    text.push_str(prefix);
    text.push_str(path);
    if !query.is_empty() {
        text.push('?');
        text.push_str(query);
    }
    let invalid =
        |e: &dyn fmt::Display| RequestError::InvalidUrl(format!("{}{path}: {e}", base.as_str()));
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(base.scheme().clone());
    parts.authority = Some(base.authority().clone());
    parts.path_and_query = Some(http::uri::PathAndQuery::try_from(text).map_err(|e| invalid(&e))?);
    http::Uri::from_parts(parts).map_err(|e| invalid(&e))
}

/// A GET of an endpoint that takes either credential (payments, consents, payouts).
pub(crate) fn get(
    endpoint: &'static str,
    target: &Target<'_>,
    path: &str,
    query: Query,
) -> Result<Request<Vec<u8>>, RequestError> {
    build(
        endpoint,
        None,
        target,
        Method::GET,
        path,
        query,
        Body::Empty,
    )
}

/// Appends `page_number` and the page size (under `size_key`: Lean names it `page_size` or
/// `size` by endpoint), the size checked as every page size is (1 to 100).
pub(crate) fn paging(
    q: &mut Query,
    number: u32,
    size: u32,
    size_key: &'static str,
) -> Result<(), RequestError> {
    if !(1..=100).contains(&size) {
        return Err(RequestError::PageSize(size));
    }
    q.push("page_number", &number);
    q.push(size_key, &size);
    Ok(())
}

/// The header's name as a `'static` text, for [`RequestError::InvalidHeader`].
fn name_of(name: &HeaderName) -> &'static str {
    if *name == AUTHORIZATION {
        "authorization"
    } else {
        APP_TOKEN_HEADER
    }
}

pub(crate) fn check_dates(start: Option<Date>, end: Option<Date>) -> Result<(), RequestError> {
    match (start, end) {
        (Some(start), Some(end)) if start > end => Err(RequestError::DateRange { start, end }),
        _ => Ok(()),
    }
}

/// `value` as the JSON body of `endpoint`'s request.
pub(crate) fn json_bytes(
    endpoint: &str,
    value: &impl serde::Serialize,
) -> Result<Vec<u8>, RequestError> {
    serde_json::to_vec(value).map_err(|e| RequestError::InvalidBody(format!("{endpoint}: {e}")))
}

pub(crate) fn json_body(value: serde_json::Value) -> Body {
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
    /// with `DUPLICATED_REQUEST`; the v1 and income POSTs only read data. Creating a customer
    /// and name verification are not (a second customer is a 409, a second verification is
    /// billed): [`crate::retry::may_resend`] never sends those again once Lean may have seen
    /// them.
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

    /// The entity the request is about, when it is about one (for traces and logs).
    fn entity_id(&self) -> Option<&EntityId> {
        None
    }
}

macro_rules! v2_options_impl {
    () => {
        fn entity_id(&self) -> Option<&EntityId> {
            Some(&self.entity_id)
        }
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

// After `v2_options_impl!`, which the families use.
mod account_on_file;
mod customers;
mod data;
mod insights;
mod payments;
mod payouts;
mod v1;
mod verifications;

pub use account_on_file::{
    ConsentLimits, CreateAofConsent, GetConsent, GetConsentHistory, IdempotencyKey,
    InitiateAofPayment, ListConsents,
};
pub use customers::{
    BankAccountTypes, CreateCustomer, DeleteEntity, GetCustomer, GetCustomerByAppUserId,
    GetCustomerEntities, GetEntity, ListBanks, ListCustomers, ListEntities, TokenOutcome,
    customer_token_request, token_request,
};
pub use data::{
    GetAccountIdentities, GetAccounts, GetBalances, GetBeneficiaries, GetDirectDebits, GetIdentity,
    GetRefresh, GetResults, GetScheduledPayments, GetStandingOrders, GetTransactions,
    ListRefreshes, TriggerRefresh,
};
pub use insights::{
    GetCashBalances, GetCashflows, GetCreditObligations, GetEmployment, GetExpenses,
    GetFreelancerCashflow, GetIncome, GetNonCreditObligations, VerifyName,
};
pub use payments::{
    CreatePaymentDestination, CreatePaymentIntent, DeletePaymentSource, DestinationDetails,
    GetPaymentIntent, GetPaymentSource, ListPaymentDestinations, ListPaymentIntents,
    ListPaymentSources,
};
pub use payouts::{GetPayout, GetPayoutHistory, GetPayoutIntent, ListPayouts, ListRefunds};
pub use v1::{V1GetAccounts, V1GetBalance, V1GetIdentity, V1GetTransactions};
pub use verifications::{
    BankIdentifierType, CorporateVerificationType, FreelancerVerificationType, GetBeneficiaryName,
    Identification, IdentificationType, RegisterLanguage, VerificationAccountType, VerifyAccount,
    VerifyCorporate, VerifyEntity, VerifyFreelancer, VerifyManagers,
};

#[cfg(test)]
mod tests {
    use super::form_encode;

    /// The byte at a time rule: unreserved bytes as they are, every other byte as `%XX`.
    fn reference(value: &str) -> String {
        value
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    #[test]
    fn runs_and_escapes_as_the_byte_rule_says() {
        for v in [
            "",
            "a",
            "%",
            "é",
            "aé",
            "éa",
            "a b&c=d/é~",
            "{\"k\": \"v\"}",
            "日本",
        ] {
            assert_eq!(form_encode(v), reference(v), "{v:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_as_the_byte_rule_says(v in "\\PC{0,40}") {
            proptest::prop_assert_eq!(form_encode(&v), reference(&v));
        }
    }

    /// The URL built from the base's parsed parts is the one a parse of the whole text gives,
    /// for every shape of base the configuration accepts.
    #[test]
    fn uri_from_parts_is_the_whole_text_parsed() {
        for base in [
            "https://sandbox.leantech.me",
            "https://API2.sa.LeanTech.me:8443",
            "https://gateway.example/lean/v2",
            "http://127.0.0.1:8990",
            "http://[::1]:9000/prefix",
            "http://localhost/",
        ] {
            let parsed = crate::config::BaseUrl::parse(base).expect(base);
            for (path, query) in [
                (
                    "/data/v2/accounts",
                    "entity_id=14eb95ba-2b9d-41cb-82fe-7b1b3079021e",
                ),
                ("/data/v2/results/a/b", ""),
                ("/customers/v1/", "page=2&size=100&meta=a%20b"),
            ] {
                let whole = match query {
                    "" => format!("{}{path}", parsed.as_str()),
                    q => format!("{}{path}?{q}", parsed.as_str()),
                };
                let expected: http::Uri = whole.parse().expect("a URL");
                let got = super::uri(&parsed, path, query).expect("built");
                assert_eq!(got, expected);
                assert_eq!(got.to_string(), whole);
            }
        }
    }

    /// A path the URL grammar refuses is a typed error naming the URL, not a panic.
    #[test]
    fn a_bad_path_is_an_invalid_url() {
        let base = crate::config::BaseUrl::parse("https://sandbox.leantech.me").expect("base");
        match super::uri(&base, "/data/v2/accounts/a b", "") {
            Err(super::RequestError::InvalidUrl(m)) => {
                assert!(
                    m.contains("https://sandbox.leantech.me/data/v2/accounts/a b"),
                    "{m}"
                )
            }
            other => panic!("expected InvalidUrl, got {other:?}"),
        }
    }
}

#[cfg(test)]
mod body_tests {
    use super::{RequestError, json_bytes};

    /// A value serde cannot write (a map keyed by something other than text).
    struct Unwritable;
    impl serde::Serialize for Unwritable {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(&[1u8, 2], &0)?;
            m.end()
        }
    }

    #[test]
    fn a_body_that_cannot_be_written_is_refused_as_a_body_naming_its_endpoint() {
        let e = json_bytes("payment-intent", &Unwritable).expect_err("refused");
        assert!(
            matches!(&e, RequestError::InvalidBody(m) if m.starts_with("payment-intent: ")),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("invalid JSON body: "), "{e}");
        assert_eq!(
            json_bytes("x", &serde_json::json!({"a": 1})).expect("written"),
            br#"{"a":1}"#
        );
    }
}
