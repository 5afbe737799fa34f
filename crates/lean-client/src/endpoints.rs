//! The one-method-per-endpoint surface, listed once. Each client flavour renders the list with
//! its own macro (`blocking` returns values, `asynchronous` returns futures); the list says
//! only which endpoint a method builds and what it returns.
//!
//! Kinds: `all` collects every item of a paged collection, `items` returns the lazy iterator
//! or stream, `one` returns the payload of a single call (after `=>`, how to take it), `checked`
//! is `one` for an endpoint whose constructor checks its input (a refused input is a misuse
//! error, and nothing is sent).

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
                = TriggerRefresh::new(entity.clone()) => |d| d.payload }
        $m! { /// One refresh.
            one refresh_status(entity: &EntityId, refresh: &RefreshId) -> Refresh
                = GetRefresh::new(entity.clone(), refresh.clone()) => |d| d.payload }
        $m! { /// Refreshes of an entity (first page of 100).
            one refreshes(entity: &EntityId) -> RefreshList
                = ListRefreshes::new(entity.clone()).with_size(100) => |d| d.payload }
        $m! { /// Customers (first page of 100).
            one customers() -> CustomerList
                = ListCustomers::new().with_page_size(100) => |d| d.payload }
        $m! { /// Entities of a customer.
            one entities(customer: &CustomerId) -> Vec<Entity>
                = GetCustomerEntities::new(customer.clone()) => |d| d.payload.0 }
        $m! { /// Creates the customer of your user `app_user_id` (409 `CUSTOMER_ALREADY_EXISTS`
            /// when one exists: read it with `customer_by_app_user_id`).
            checked create_customer(app_user_id: &str) -> Customer
                = CreateCustomer::new(app_user_id) => |d| d.payload }
        $m! { /// A customer.
            one customer(customer: &CustomerId) -> Customer
                = GetCustomer::new(customer.clone()) => |d| d.payload }
        $m! { /// The customer of your user `app_user_id`.
            checked customer_by_app_user_id(app_user_id: &str) -> Customer
                = GetCustomerByAppUserId::new(app_user_id) => |d| d.payload }
        $m! { /// One entity of a customer.
            one entity(customer: &CustomerId, entity: &EntityId) -> Entity
                = GetEntity::new(customer.clone(), entity.clone()) => |d| d.payload }
        $m! { /// Deletes an entity (revokes the connection).
            one delete_entity(customer: &CustomerId, entity: &EntityId) -> ()
                = DeleteEntity::new(customer.clone(), entity.clone()) => |_d| () }
        $m! { /// The banks your application can connect.
            one banks() -> Vec<Bank> = ListBanks::default() => |d| d.payload.0 }
        $m! { /// Freelancer cashflow insights (KSA), as exact JSON.
            one freelancer_cashflow(entity: &EntityId) -> RawInsights
                = GetFreelancerCashflow::new(entity.clone()) => |d| d.payload }
        $m! { /// Name verification: `full_name` against the account holder's (UAE, retail).
            checked verify_name(entity: &EntityId, full_name: &str) -> NameVerification
                = VerifyName::new(entity.clone(), full_name) => |d| d.payload }
    };
}

pub(crate) use for_each_endpoint;
