//! The client: one plain struct for every flavour, and its verbs.
//!
//! This module owns what a user calls: [`Client`] and one method per Lean endpoint, each
//! returning a request value (see [`crate::request`]) that takes its options and is then sent:
//! `.send()` with a blocking transport, `.await` with an async one. Nothing here depends on the
//! flavour; how a request is driven lives in [`crate::blocking`] and [`crate::nonblocking`].

use crate::request::{ListRequest, PaymentWaitRequest, RefreshWaitRequest, Request};
use crate::shared::{ClientBuilder, Shared};
use crate::transport::Connect;
use lean_proto::client::Error;
use lean_proto::pending::PendingHandle;
use lean_proto::request::*;
use lean_proto::{
    AccountId, Config, CustomerId, EntityId, Payload, Payment, Refresh, RefreshId, ResultsId,
};
use std::sync::Arc;

/// A Lean client over transport `T`: `Send + Sync`, cheap to clone (clones share the token
/// cache, the results registry, the waiting lists and the transport).
///
/// Every endpoint method returns a request value: set its options, then `.send()` it (a
/// blocking transport such as `lean-ureq`) or `.await` it (an async one such as
/// `lean-reqwest`). Lists ([`ListRequest`]) give every page; their `.items()` reads them
/// lazily.
pub struct Client<T> {
    pub(crate) shared: Arc<Shared>,
    pub(crate) transport: Arc<T>,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Client {
            shared: self.shared.clone(),
            transport: self.transport.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl<T: Connect> Client<T> {
    /// A client with the default call policy and a transport made from default options.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A builder: your own HTTP client, TLS options, webhook secret, shared stores, call
    /// policy, observers.
    pub fn builder(config: Config) -> ClientBuilder<T> {
        ClientBuilder::new(config)
    }
}

/// The general verbs: any endpoint, a submission, a resumption, a refresh wait.
impl<T> Client<T> {
    pub(crate) fn from_parts(shared: Arc<Shared>, transport: T) -> Self {
        Client {
            shared,
            transport: Arc::new(transport),
        }
    }

    /// Any endpoint: its typed data, waiting out PENDING. `.submit()` on the request returns
    /// Lean's `results_id` instead of waiting.
    pub fn call<E: Endpoint>(&self, endpoint: E) -> Request<T, E> {
        Request::new(self, Ok(endpoint))
    }

    /// Every page of a paged endpoint (data collections, customers, refreshes).
    pub fn list<E: Endpoint>(&self, endpoint: E) -> ListRequest<T, E> {
        ListRequest::new(self.call(endpoint))
    }

    /// The results of a request that answered PENDING (perhaps before a restart), waiting for
    /// `results.ready` or polling until the deadline. `P` is what the original request returns
    /// ([`lean_proto::AnyData`], typed by the body, when unknown). For a collection
    /// (`P = Page<_>`) use `.items()` (every page) or `.one_page()`: awaited as it is, it is
    /// refused before anything is sent, since it would read one page of many.
    pub fn resume<P: Payload>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> Request<T, GetResults<P>> {
        Request::resume(self, handle.into())
    }

    /// Waits until an entity's data refresh has finished: Lean's recommended flow for a new
    /// connection (after `entity.created`, wait for `entity.data.refresh.updated` FINISHED,
    /// then read from Lean's store) and after [`Client::refresh`]. Without
    /// [`RefreshWaitRequest::refresh_id`] it waits for the entity's newest refresh (the newest
    /// seen by webhook, else the newest Lean lists); after [`Client::refresh`] pass the id it
    /// returned. Webhooks given to [`Client::handle_webhook`] end the wait at once; when one is
    /// lost, polling the refresh status after the grace period ends it anyway.
    pub fn wait_for_refresh(&self, entity_id: &EntityId) -> RefreshWaitRequest<T> {
        RefreshWaitRequest::new(self, entity_id.clone())
    }

    /// Waits until a payment intent's payment has settled at the bank: the [`Payment`] Lean
    /// announced, `ACCEPTED_BY_BANK` or `FAILED` (a rejection is an answer, not an error). It
    /// follows the intent's newest payment, or the one named with
    /// [`PaymentWaitRequest::payment_id`]. `payment.created`/`payment.updated` given to
    /// [`Client::handle_webhook`] (or [`Client::payment_updated`]) for this intent end it at
    /// once, and wake no other wait; when they are lost, polling the intent after the grace
    /// period ends it anyway, within the deadline.
    pub fn wait_for_payment(&self, payment_intent_id: &str) -> PaymentWaitRequest<T> {
        PaymentWaitRequest::new(self, payment_intent_id)
    }
}

/// One method per endpoint. Lists give every page; the others one answer.
impl<T> Client<T> {
    /// All accounts of an entity.
    pub fn accounts(&self, entity: &EntityId) -> ListRequest<T, GetAccounts> {
        self.list(GetAccounts::new(entity.clone()))
    }

    /// Balances of an account.
    pub fn balances(&self, entity: &EntityId, account: &AccountId) -> ListRequest<T, GetBalances> {
        self.list(GetBalances::new(entity.clone(), account.clone()))
    }

    /// Transactions of an account (`.items()` reads them page by page as they are used).
    pub fn transactions(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> ListRequest<T, GetTransactions> {
        self.list(GetTransactions::new(entity.clone(), account.clone()))
    }

    /// Beneficiaries of an account.
    pub fn beneficiaries(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> ListRequest<T, GetBeneficiaries> {
        self.list(GetBeneficiaries::new(entity.clone(), account.clone()))
    }

    /// Parties of an account.
    pub fn account_identities(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> ListRequest<T, GetAccountIdentities> {
        self.list(GetAccountIdentities::new(entity.clone(), account.clone()))
    }

    /// Direct debits of an account.
    pub fn direct_debits(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> ListRequest<T, GetDirectDebits> {
        self.list(GetDirectDebits::new(entity.clone(), account.clone()))
    }

    /// Scheduled payments of an account.
    pub fn scheduled_payments(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> ListRequest<T, GetScheduledPayments> {
        self.list(GetScheduledPayments::new(entity.clone(), account.clone()))
    }

    /// Standing orders of an account.
    pub fn standing_orders(
        &self,
        entity: &EntityId,
        account: &AccountId,
    ) -> ListRequest<T, GetStandingOrders> {
        self.list(GetStandingOrders::new(entity.clone(), account.clone()))
    }

    /// The entity holder's identity.
    pub fn identity(&self, entity: &EntityId) -> ListRequest<T, GetIdentity> {
        self.list(GetIdentity::new(entity.clone()))
    }

    /// Income insights.
    pub fn income(&self, entity: &EntityId) -> Request<T, GetIncome> {
        self.call(GetIncome::new(entity.clone()))
    }

    /// Expenses insights.
    pub fn expenses(&self, entity: &EntityId) -> Request<T, GetExpenses> {
        self.call(GetExpenses::new(entity.clone()))
    }

    /// Cashflow insights.
    pub fn cashflows(&self, entity: &EntityId) -> Request<T, GetCashflows> {
        self.call(GetCashflows::new(entity.clone()))
    }

    /// Cash balances insights (KSA), as exact JSON.
    pub fn cash_balances(&self, entity: &EntityId) -> Request<T, GetCashBalances> {
        self.call(GetCashBalances::new(entity.clone()))
    }

    /// Credit obligations insights (KSA), as exact JSON.
    pub fn credit_obligations(&self, entity: &EntityId) -> Request<T, GetCreditObligations> {
        self.call(GetCreditObligations::new(entity.clone()))
    }

    /// Non-credit obligations insights (KSA), as exact JSON.
    pub fn non_credit_obligations(&self, entity: &EntityId) -> Request<T, GetNonCreditObligations> {
        self.call(GetNonCreditObligations::new(entity.clone()))
    }

    /// Employment insights (KSA), as exact JSON.
    pub fn employment(&self, entity: &EntityId) -> Request<T, GetEmployment> {
        self.call(GetEmployment::new(entity.clone()))
    }

    /// Freelancer cashflow insights (KSA), as exact JSON.
    pub fn freelancer_cashflow(&self, entity: &EntityId) -> Request<T, GetFreelancerCashflow> {
        self.call(GetFreelancerCashflow::new(entity.clone()))
    }

    /// Starts a data refresh of an entity; wait for it with [`Client::wait_for_refresh`].
    pub fn refresh(&self, entity: &EntityId) -> Request<T, TriggerRefresh> {
        self.call(TriggerRefresh::new(entity.clone()))
    }

    /// One refresh.
    pub fn refresh_status(&self, entity: &EntityId, refresh: &RefreshId) -> Request<T, GetRefresh> {
        self.call(GetRefresh::new(entity.clone(), refresh.clone()))
    }

    /// Every refresh of an entity (100 a page, the most Lean gives).
    pub fn refreshes(&self, entity: &EntityId) -> ListRequest<T, ListRefreshes> {
        self.list(ListRefreshes::new(entity.clone())).page_size(100)
    }

    /// Every customer of your application (100 a page, the most Lean gives).
    pub fn customers(&self) -> ListRequest<T, ListCustomers> {
        self.list(ListCustomers::new()).page_size(100)
    }

    /// The entities (bank connections) of a customer.
    pub fn entities(&self, customer: &CustomerId) -> Request<T, GetCustomerEntities> {
        self.call(GetCustomerEntities::new(customer.clone()))
    }

    /// Creates the customer of your user `app_user_id` (409 `CUSTOMER_ALREADY_EXISTS` when
    /// one exists: read it with [`Client::customer_by_app_user_id`]). Never re-sent after Lean
    /// answered. An invalid `app_user_id` is refused before anything is sent.
    pub fn create_customer(&self, app_user_id: &str) -> Request<T, CreateCustomer> {
        Request::new(self, CreateCustomer::new(app_user_id))
    }

    /// A customer.
    pub fn customer(&self, customer: &CustomerId) -> Request<T, GetCustomer> {
        self.call(GetCustomer::new(customer.clone()))
    }

    /// The customer of your user `app_user_id`.
    pub fn customer_by_app_user_id(&self, app_user_id: &str) -> Request<T, GetCustomerByAppUserId> {
        Request::new(self, GetCustomerByAppUserId::new(app_user_id))
    }

    /// One entity of a customer.
    pub fn entity(&self, customer: &CustomerId, entity: &EntityId) -> Request<T, GetEntity> {
        self.call(GetEntity::new(customer.clone(), entity.clone()))
    }

    /// Deletes an entity (revokes the connection).
    pub fn delete_entity(
        &self,
        customer: &CustomerId,
        entity: &EntityId,
    ) -> Request<T, DeleteEntity> {
        self.call(DeleteEntity::new(customer.clone(), entity.clone()))
    }

    /// The banks your application can connect.
    pub fn banks(&self) -> Request<T, ListBanks> {
        self.call(ListBanks::default())
    }

    /// Name verification: `full_name` against the account holder's (UAE, retail). Never
    /// re-sent after Lean answered.
    pub fn verify_name(&self, entity: &EntityId, full_name: &str) -> Request<T, VerifyName> {
        Request::new(self, VerifyName::new(entity.clone(), full_name))
    }

    /// Account verification: whether an account (by IBAN or local number) is whose you say,
    /// and its state, in the UAE, Saudi Arabia and 25 other countries. Never re-sent after
    /// Lean may have seen it. A bank that cannot answer is a [`Error`] carrying Lean's
    /// `granular_status_code` (`BANK_ISSUE`, `UNSUPPORTED_BY_BANK`, …).
    pub fn verify_account(&self, request: VerifyAccount) -> Request<T, VerifyAccount> {
        self.call(request)
    }

    /// Entity ownership verification (KSA): whether a connected entity, IBAN by IBAN, is
    /// whose you say. Never re-sent after Lean may have seen it.
    pub fn verify_entity(&self, request: VerifyEntity) -> Request<T, VerifyEntity> {
        self.call(request)
    }

    /// The holder's name and the state of an account, by IBAN (KSA). Never re-sent after Lean
    /// may have seen it. An invalid IBAN is refused before anything is sent.
    pub fn beneficiary_name(&self, iban: &str) -> Request<T, GetBeneficiaryName> {
        Request::new(self, GetBeneficiaryName::new(iban))
    }

    /// Business verification (KSA): a company's commercial register record, by unified
    /// number. Never re-sent after Lean may have seen it.
    pub fn verify_corporate(&self, request: VerifyCorporate) -> Request<T, VerifyCorporate> {
        self.call(request)
    }

    /// Managers verification (KSA): whether a person manages a company, and their powers.
    /// Never re-sent after Lean may have seen it.
    pub fn verify_managers(&self, request: VerifyManagers) -> Request<T, VerifyManagers> {
        self.call(request)
    }

    /// Freelancer verification (KSA): a freelancer's certificates. Never re-sent after Lean
    /// may have seen it.
    pub fn verify_freelancer(&self, request: VerifyFreelancer) -> Request<T, VerifyFreelancer> {
        self.call(request)
    }

    /// A payment intent: what a customer is to pay, and to whom. Never re-sent after Lean may
    /// have seen it (Lean does not key intents).
    pub fn create_payment_intent(
        &self,
        request: CreatePaymentIntent,
    ) -> Request<T, CreatePaymentIntent> {
        self.call(request)
    }

    /// A payment intent and its payments. An id that is not a UUID is refused before anything
    /// is sent.
    pub fn payment_intent(&self, payment_intent_id: &str) -> Request<T, GetPaymentIntent> {
        Request::new(self, GetPaymentIntent::new(payment_intent_id))
    }

    /// Your application's payment intents.
    pub fn payment_intents(&self) -> Request<T, ListPaymentIntents> {
        self.call(ListPaymentIntents::new())
    }

    /// A payment destination, your application's or a customer's. Never re-sent after Lean
    /// may have seen it.
    pub fn create_payment_destination(
        &self,
        request: CreatePaymentDestination,
    ) -> Request<T, CreatePaymentDestination> {
        self.call(request)
    }

    /// Your application's payment destinations.
    pub fn payment_destinations(&self) -> Request<T, ListPaymentDestinations> {
        self.call(ListPaymentDestinations::new())
    }

    /// A customer's payment destinations.
    pub fn customer_payment_destinations(
        &self,
        customer: &CustomerId,
    ) -> Request<T, ListPaymentDestinations> {
        self.call(ListPaymentDestinations::of_customer(customer.clone()))
    }

    /// A customer's payment sources.
    pub fn payment_sources(&self, customer: &CustomerId) -> Request<T, ListPaymentSources> {
        self.call(ListPaymentSources::new(customer.clone()))
    }

    /// One payment source of a customer.
    pub fn payment_source(
        &self,
        customer: &CustomerId,
        payment_source_id: &str,
    ) -> Request<T, GetPaymentSource> {
        Request::new(
            self,
            GetPaymentSource::new(customer.clone(), payment_source_id),
        )
    }

    /// An account-on-file consent, awaiting the customer's authorisation in LinkSDK. Never
    /// re-sent after Lean may have seen it.
    pub fn create_aof_consent(&self, request: CreateAofConsent) -> Request<T, CreateAofConsent> {
        self.call(request)
    }

    /// A payment under an authorised consent. It carries its `Idempotency-Key`
    /// ([`InitiateAofPayment::key`]; keep it with your order): a retry, ours or yours with the
    /// same request value, is answered with Lean's first payment, never a second one.
    pub fn initiate_aof_payment(
        &self,
        request: InitiateAofPayment,
    ) -> Request<T, InitiateAofPayment> {
        self.call(request)
    }

    /// A payment consent: status, limits, the account it pays from.
    pub fn consent(&self, consent_id: &str) -> Request<T, GetConsent> {
        Request::new(self, GetConsent::new(consent_id))
    }

    /// What happened to a consent, oldest first.
    pub fn consent_history(&self, consent_id: &str) -> Request<T, GetConsentHistory> {
        Request::new(self, GetConsentHistory::new(consent_id))
    }

    /// A customer's payment consents.
    pub fn consents(&self, customer: &CustomerId) -> Request<T, ListConsents> {
        self.call(ListConsents::of_customer(customer.clone()))
    }

    /// A payout payment.
    pub fn payout(&self, payment_id: &str) -> Request<T, GetPayout> {
        Request::new(self, GetPayout::new(payment_id))
    }

    /// A payout's intent, with its payment.
    pub fn payout_intent(&self, payment_intent_id: &str) -> Request<T, GetPayoutIntent> {
        Request::new(self, GetPayoutIntent::new(payment_intent_id))
    }

    /// Each payment of a payout intent with the events Lean sent for it.
    pub fn payout_history(&self, payment_intent_id: &str) -> Request<T, GetPayoutHistory> {
        Request::new(self, GetPayoutHistory::new(payment_intent_id))
    }

    /// The payouts, a page (`.page_size(..)` for another size).
    pub fn payouts(&self) -> Request<T, ListPayouts> {
        self.call(ListPayouts::new())
    }

    /// The refunds, a page.
    pub fn refunds(&self) -> Request<T, ListRefunds> {
        self.call(ListRefunds::new())
    }

    /// Withdraws a customer's payment source.
    pub fn delete_payment_source(
        &self,
        customer: &CustomerId,
        payment_source_id: &str,
    ) -> Request<T, DeletePaymentSource> {
        Request::new(
            self,
            DeletePaymentSource::new(customer.clone(), payment_source_id),
        )
    }
}

/// News from outside, configuration and counters.
impl<T> Client<T> {
    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The transport (for adapter-specific inspection).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// A `results.ready` for `results_id` received elsewhere (another instance, a queue):
    /// wakes the call here that waits for it.
    pub fn results_ready(&self, results_id: &ResultsId) {
        self.shared.results_ready(results_id)
    }

    /// An `entity.data.refresh.updated` received elsewhere (another instance, a queue): wakes
    /// the refresh waits here for its entity.
    pub fn refresh_updated(&self, refresh: &Refresh) {
        self.shared.refresh_updated(refresh)
    }

    /// A payment's news received elsewhere (another instance, a queue; see
    /// [`lean_proto::payment_wait::payment_of`] for a webhook payload): wakes the payment
    /// waits here for its intent.
    pub fn payment_updated(&self, payment: &Payment) {
        self.shared.payment_updated(payment)
    }

    /// Calls now parked waiting for a `results.ready` or a token.
    pub fn parked_calls(&self) -> usize {
        self.shared.waiters.parked()
    }

    /// Wake-ups delivered to parked calls since the client was built (one per woken call: a
    /// `results.ready` wakes only the calls waiting for its `results_id`).
    pub fn wakeups(&self) -> u64 {
        self.shared.waiters.wakeups()
    }
}
