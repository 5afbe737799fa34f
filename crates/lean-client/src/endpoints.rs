//! The one-method-per-endpoint surface, listed once. Each client flavour renders the list with
//! its own macro (`blocking` returns values, `asynchronous` returns futures); the list says
//! only which endpoint a method builds and what it returns.
//!
//! Kinds: `all` collects every item of a paged collection, `items` returns the lazy iterator
//! or stream, `one` returns the payload of a single call (after `=>`, how to take it).

macro_rules! for_each_endpoint {
    ($m:ident) => {
        $m! { /// All accounts of an entity.
            all accounts(entity: &EntityId) -> Account = GetAccounts::new(entity.clone()) }
        $m! { /// Balances of an account.
            all balances(entity: &EntityId, account: &AccountId) -> Balance
                = GetBalances::new(entity.clone(), account.clone()) }
        $m! { /// Transactions of an account, page by page as the items are read.
            items transactions(entity: &EntityId, account: &AccountId) -> Transaction
                = GetTransactions::new(entity.clone(), account.clone()) }
        $m! { /// Beneficiaries of an account.
            all beneficiaries(entity: &EntityId, account: &AccountId) -> Beneficiary
                = GetBeneficiaries::new(entity.clone(), account.clone()) }
        $m! { /// Parties of an account.
            all account_identities(entity: &EntityId, account: &AccountId) -> Identity
                = GetAccountIdentities::new(entity.clone(), account.clone()) }
        $m! { /// Direct debits of an account.
            all direct_debits(entity: &EntityId, account: &AccountId) -> DirectDebit
                = GetDirectDebits::new(entity.clone(), account.clone()) }
        $m! { /// Scheduled payments of an account.
            all scheduled_payments(entity: &EntityId, account: &AccountId) -> ScheduledPayment
                = GetScheduledPayments::new(entity.clone(), account.clone()) }
        $m! { /// Standing orders of an account.
            all standing_orders(entity: &EntityId, account: &AccountId) -> StandingOrder
                = GetStandingOrders::new(entity.clone(), account.clone()) }
        $m! { /// The entity holder's identity.
            all identity(entity: &EntityId) -> Identity = GetIdentity::new(entity.clone()) }
        $m! { /// Income insights.
            one income(entity: &EntityId) -> Income = GetIncome::new(entity.clone()) => |d| d.payload }
        $m! { /// Expenses insights.
            one expenses(entity: &EntityId) -> Expenses = GetExpenses::new(entity.clone()) => |d| d.payload }
        $m! { /// Cashflow insights.
            one cashflows(entity: &EntityId) -> Cashflows = GetCashflows::new(entity.clone()) => |d| d.payload }
        $m! { /// Cash balances insights (KSA), as exact JSON.
            one cash_balances(entity: &EntityId) -> RawInsights = GetCashBalances::new(entity.clone()) => |d| d.payload }
        $m! { /// Credit obligations insights (KSA), as exact JSON.
            one credit_obligations(entity: &EntityId) -> RawInsights = GetCreditObligations::new(entity.clone()) => |d| d.payload }
        $m! { /// Non-credit obligations insights (KSA), as exact JSON.
            one non_credit_obligations(entity: &EntityId) -> RawInsights = GetNonCreditObligations::new(entity.clone()) => |d| d.payload }
        $m! { /// Employment insights (KSA), as exact JSON.
            one employment(entity: &EntityId) -> RawInsights = GetEmployment::new(entity.clone()) => |d| d.payload }
        $m! { /// Starts a data refresh of an entity.
            one refresh(entity: &EntityId) -> RefreshTriggered
                = TriggerRefresh { entity_id: entity.clone() } => |d| d.payload }
        $m! { /// One refresh.
            one refresh_status(entity: &EntityId, refresh: &RefreshId) -> Refresh
                = GetRefresh { entity_id: entity.clone(), refresh_id: refresh.clone() } => |d| d.payload }
        $m! { /// Refreshes of an entity (first page of 100).
            one refreshes(entity: &EntityId) -> RefreshList
                = ListRefreshes { entity_id: entity.clone(), page: None, size: Some(100) } => |d| d.payload }
        $m! { /// Customers (first page of 100).
            one customers() -> CustomerList
                = ListCustomers { page_number: None, page_size: Some(100) } => |d| d.payload }
        $m! { /// Entities of a customer.
            one entities(customer: &CustomerId) -> Vec<Entity>
                = GetCustomerEntities { customer_id: customer.clone() } => |d| d.payload.0 }
    };
}

pub(crate) use for_each_endpoint;
