//! v2 data endpoints, refreshes and results.

use super::*;

/// `GET /data/v2/accounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
        q.push("entity_id", &self.entity_id);
        self.options.push(&mut q)?;
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
#[non_exhaustive]
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
        q.push("entity_id", &self.entity_id);
        self.options.push(&mut q)?;
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
        #[non_exhaustive]
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
                q.push("entity_id", &self.entity_id);
                self.options.push(&mut q)?;
                let path = format!("/data/v2/accounts/{}/{}", self.account_id, $segment);
                build(Self::NAME, Some(Self::GENERATION), target, Method::GET, &path, q, Body::Empty)
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
#[non_exhaustive]
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
        q.push("entity_id", &self.entity_id);
        if let Some(d) = self.start_date {
            q.push("start_date", &d);
        }
        if let Some(d) = self.end_date {
            q.push("end_date", &d);
        }
        if self.insights {
            q.push("insights", "true");
        }
        self.options.push(&mut q)?;
        let path = format!("/data/v2/accounts/{}/transactions", self.account_id);
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
#[non_exhaustive]
pub struct TriggerRefresh {
    /// The entity to refresh.
    pub entity_id: EntityId,
}

impl TriggerRefresh {
    /// A refresh of `entity_id`.
    pub fn new(entity_id: EntityId) -> Self {
        TriggerRefresh { entity_id }
    }
}

impl Endpoint for TriggerRefresh {
    type Output = RefreshTriggered;
    const NAME: &'static str = "refresh";
    const GENERATION: ApiGeneration = ApiGeneration::V2;
    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = json_body(serde_json::json!({ "entity_id": self.entity_id.as_str() }));
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
#[non_exhaustive]
pub struct ListRefreshes {
    /// The entity.
    pub entity_id: EntityId,
    /// Zero-based page.
    pub page: Option<u32>,
    /// Page size, 1..=100.
    pub size: Option<u32>,
}

impl ListRefreshes {
    /// The first page of `entity_id`'s refreshes.
    pub fn new(entity_id: EntityId) -> Self {
        ListRefreshes {
            entity_id,
            page: None,
            size: None,
        }
    }

    /// With this page size (1..=100).
    pub fn with_size(mut self, size: u32) -> Self {
        self.size = Some(size);
        self
    }
}

impl Endpoint for ListRefreshes {
    type Output = RefreshList;
    const NAME: &'static str = "refreshes";
    const GENERATION: ApiGeneration = ApiGeneration::V2;
    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        q.push("entity_id", &self.entity_id);
        DataOptions {
            page: self.page,
            size: self.size,
            ..DataOptions::default()
        }
        .push(&mut q)?;
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
#[non_exhaustive]
pub struct GetRefresh {
    /// The entity.
    pub entity_id: EntityId,
    /// The refresh.
    pub refresh_id: RefreshId,
}

impl GetRefresh {
    /// Refresh `refresh_id` of `entity_id`.
    pub fn new(entity_id: EntityId, refresh_id: RefreshId) -> Self {
        GetRefresh {
            entity_id,
            refresh_id,
        }
    }
}

impl Endpoint for GetRefresh {
    type Output = Refresh;
    const NAME: &'static str = "refresh-status";
    const GENERATION: ApiGeneration = ApiGeneration::V2;
    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        q.push("entity_id", &self.entity_id);
        let path = format!("/data/v2/refreshes/{}", self.refresh_id);
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
            Some(self.generation),
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
