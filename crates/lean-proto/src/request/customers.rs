//! Customers, entities, banks and the token requests.

use super::*;

/// `GET /customers/v1?page_number&page_size`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListCustomers {
    /// Zero-based page.
    pub page_number: Option<u32>,
    /// Page size, 1..=100.
    pub page_size: Option<u32>,
}

impl ListCustomers {
    /// The first page of customers.
    pub fn new() -> Self {
        Self::default()
    }

    /// With this page size (1..=100).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
}

impl Endpoint for ListCustomers {
    type Output = CustomerList;
    const NAME: &'static str = "customers";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        if let Some(p) = self.page_number {
            q.push("page_number", &p);
        }
        if let Some(s) = self.page_size {
            if !(1..=100).contains(&s) {
                return Err(RequestError::PageSize(s));
            }
            q.push("page_size", &s);
        }
        get(Self::NAME, target, "/customers/v1", q)
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
#[non_exhaustive]
pub struct GetCustomerEntities {
    /// The customer.
    pub customer_id: CustomerId,
}

impl GetCustomerEntities {
    /// The entities of `customer_id`.
    pub fn new(customer_id: CustomerId) -> Self {
        GetCustomerEntities { customer_id }
    }
}

impl Endpoint for GetCustomerEntities {
    type Output = EntityList;
    const NAME: &'static str = "entities";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/customers/v1/{}/entities", self.customer_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /customers/v1/entities?page_number&page_size&start_date&end_date`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
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

impl ListEntities {
    /// Every entity, first page.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Endpoint for ListEntities {
    type Output = EntityPage;
    const NAME: &'static str = "entities-by-date";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        check_dates(self.start_date, self.end_date)?;
        let mut q = Query::default();
        if let Some(p) = self.page_number {
            q.push("page_number", &p);
        }
        if let Some(s) = self.page_size {
            if !(1..=100).contains(&s) {
                return Err(RequestError::PageSize(s));
            }
            q.push("page_size", &s);
        }
        if let Some(d) = self.start_date {
            q.push("start_date", &d);
        }
        if let Some(d) = self.end_date {
            q.push("end_date", &d);
        }
        get(Self::NAME, target, "/customers/v1/entities", q)
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page_number = Some(page);
        true
    }
}

/// Checks an `app_user_id` (your id for the user): 1 to 255 characters, no control
/// characters. It goes into a path (percent-encoded) and a JSON body.
fn check_app_user_id(app_user_id: &str) -> Result<(), RequestError> {
    if app_user_id.is_empty()
        || app_user_id.len() > 255
        || app_user_id.chars().any(char::is_control)
    {
        return Err(RequestError::InvalidParameter {
            name: "app_user_id",
            reason: "1 to 255 characters without control characters",
        });
    }
    Ok(())
}

/// `POST /customers/v1` with `{"app_user_id": …}`: Lean's record of one of your users. A
/// second create with the same `app_user_id` is 409 `CUSTOMER_ALREADY_EXISTS`; read it with
/// [`GetCustomerByAppUserId`] then.
///
/// ```
/// use lean_proto::{CreateCustomer, Endpoint};
/// let create = CreateCustomer::new("user-42")?;
/// assert!(!create.is_idempotent(), "a retry after a lost answer would meet a 409");
/// # Ok::<(), lean_proto::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateCustomer {
    app_user_id: String,
}

impl CreateCustomer {
    /// A customer for your user `app_user_id` (checked: 1 to 255 characters, no control
    /// characters).
    pub fn new(app_user_id: impl Into<String>) -> Result<Self, RequestError> {
        let app_user_id = app_user_id.into();
        check_app_user_id(&app_user_id)?;
        Ok(CreateCustomer { app_user_id })
    }

    /// Your user's id.
    pub fn app_user_id(&self) -> &str {
        &self.app_user_id
    }
}

impl Endpoint for CreateCustomer {
    type Output = Customer;
    const NAME: &'static str = "create-customer";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        check_app_user_id(&self.app_user_id)?;
        let body = json_body(serde_json::json!({ "app_user_id": self.app_user_id }));
        build(
            Self::NAME,
            None,
            target,
            Method::POST,
            "/customers/v1",
            Query::default(),
            body,
        )
    }

    fn is_idempotent(&self) -> bool {
        false
    }
}

/// `GET /customers/v1/{customer_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetCustomer {
    /// The customer.
    pub customer_id: CustomerId,
}

impl GetCustomer {
    /// Customer `customer_id`.
    pub fn new(customer_id: CustomerId) -> Self {
        GetCustomer { customer_id }
    }
}

impl Endpoint for GetCustomer {
    type Output = Customer;
    const NAME: &'static str = "customer";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/customers/v1/{}", self.customer_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /customers/v1/app-user-id/{app_user_id}`: the customer of your user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetCustomerByAppUserId {
    app_user_id: String,
}

impl GetCustomerByAppUserId {
    /// The customer of your user `app_user_id` (checked as for [`CreateCustomer`]; it is
    /// percent-encoded into the path, so `/` or `?` cannot change the route).
    pub fn new(app_user_id: impl Into<String>) -> Result<Self, RequestError> {
        let app_user_id = app_user_id.into();
        check_app_user_id(&app_user_id)?;
        Ok(GetCustomerByAppUserId { app_user_id })
    }
}

impl Endpoint for GetCustomerByAppUserId {
    type Output = Customer;
    const NAME: &'static str = "customer-by-app-user-id";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        check_app_user_id(&self.app_user_id)?;
        let path = format!(
            "/customers/v1/app-user-id/{}",
            form_encode(&self.app_user_id)
        );
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /customers/v1/{customer_id}/entities/{entity_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetEntity {
    /// The customer.
    pub customer_id: CustomerId,
    /// The entity.
    pub entity_id: EntityId,
}

impl GetEntity {
    /// Entity `entity_id` of `customer_id`.
    pub fn new(customer_id: CustomerId, entity_id: EntityId) -> Self {
        GetEntity {
            customer_id,
            entity_id,
        }
    }
}

impl Endpoint for GetEntity {
    type Output = Entity;
    const NAME: &'static str = "entity";
    const GENERATION: ApiGeneration = ApiGeneration::V2;
    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!(
            "/customers/v1/{}/entities/{}",
            self.customer_id, self.entity_id
        );
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `DELETE /customers/v1/{customer_id}/entities/{entity_id}`: ends the connection (the
/// consent is revoked; data calls for the entity answer `UNKNOWN_ENTITY` after).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteEntity {
    /// The customer.
    pub customer_id: CustomerId,
    /// The entity.
    pub entity_id: EntityId,
    /// Why (Lean stores it; e.g. `USER_REQUESTED`).
    pub reason: Option<String>,
}

impl DeleteEntity {
    /// Deletes entity `entity_id` of `customer_id` (no reason given).
    pub fn new(customer_id: CustomerId, entity_id: EntityId) -> Self {
        DeleteEntity {
            customer_id,
            entity_id,
            reason: None,
        }
    }
}

impl Endpoint for DeleteEntity {
    type Output = Deleted;
    const NAME: &'static str = "delete-entity";
    const GENERATION: ApiGeneration = ApiGeneration::V2;
    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!(
            "/customers/v1/{}/entities/{}",
            self.customer_id, self.entity_id
        );
        let body = match &self.reason {
            Some(reason) => json_body(serde_json::json!({ "reason": reason })),
            None => Body::Empty,
        };
        build(
            Self::NAME,
            None,
            target,
            Method::DELETE,
            &path,
            Query::default(),
            body,
        )
    }
}

/// Which banks [`ListBanks`] lists (`account_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BankAccountTypes {
    /// Lean's default.
    #[default]
    Any,
    /// `PERSONAL`.
    Personal,
    /// `BUSINESS`.
    Business,
}

/// `GET /banks/v1/?account_types=…`: the banks your application can connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListBanks {
    /// Filter by account type.
    pub account_types: BankAccountTypes,
}

impl ListBanks {
    /// The banks with accounts of `account_types`.
    pub fn new(account_types: BankAccountTypes) -> Self {
        ListBanks { account_types }
    }
}

impl Endpoint for ListBanks {
    type Output = BankList;
    const NAME: &'static str = "banks";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        match self.account_types {
            BankAccountTypes::Any => {}
            BankAccountTypes::Personal => q.push("account_types", "PERSONAL"),
            BankAccountTypes::Business => q.push("account_types", "BUSINESS"),
        }
        get(Self::NAME, target, "/banks/v1", q)
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
    token_request_with_scope(config, "api")
}

fn token_request_with_scope(
    config: &Config,
    scope: &str,
) -> Result<Request<Vec<u8>>, RequestError> {
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
        "client_id={}&client_secret={}&grant_type=client_credentials&scope={}",
        form_encode(client_id),
        form_encode(client_secret.expose()),
        form_encode(scope)
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

/// The customer-scoped token request (`scope=customer.<customer_id>`): the token your
/// backend hands to LinkSDK in your user's browser. It cannot read data (Lean refuses it on
/// the data routes); never use it for backend calls, and never cache it with the `api` token.
///
/// ```
/// use lean_proto::{customer_token_request, Config, Credentials, CustomerId, Environment, Region, Secret};
/// let cfg = Config::new(Region::Uae, Environment::Sandbox, Credentials::ClientCredentials {
///     client_id: "my-app".into(), client_secret: Secret::new("s3cr3t") });
/// let customer = CustomerId::parse("a33a50fc-b29c-4c03-9cab-379280d7e500")?;
/// let req = customer_token_request(&cfg, &customer)?;
/// assert!(String::from_utf8_lossy(req.body()).contains("scope=customer.a33a50fc-b29c-4c03-9cab-379280d7e500"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn customer_token_request(
    config: &Config,
    customer_id: &CustomerId,
) -> Result<Request<Vec<u8>>, RequestError> {
    token_request_with_scope(config, &format!("customer.{customer_id}"))
}

/// Decodes the token endpoint's answer.
pub type TokenOutcome = crate::response::Outcome<TokenResponse>;
