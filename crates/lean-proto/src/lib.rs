//! # lean-proto
//!
//! The sans-IO core of lean-rs, the Rust SDK for the Data API of
//! [Lean Technologies](https://leantech.me) (open banking in the UAE and Saudi Arabia).
//!
//! It builds every request as an `http::Request<Vec<u8>>`, takes every answer as an
//! `http::Response` whose body is any bytes (`Vec<u8>`, the `Bytes` an HTTP library read), and
//! never opens a socket, spawns a thread or reads a clock: time
//! comes in as an argument. The driver (`lean-client`) runs it; adapters (`lean-ureq`,
//! `lean-reqwest`, `lean-surf`) move the bytes.
//!
//! ```
//! use lean_proto::{classify, Auth, BaseUrl, EntityId, Endpoint, GetAccounts, Outcome, Secret, Target};
//!
//! let token = Secret::new("access-token-from-oauth2");
//! let base = BaseUrl::parse("https://sandbox.leantech.me")?;
//! let target = Target { api_base: &base, auth: Auth::Bearer(&token), correlation_id: None };
//! let mut call = GetAccounts::new(EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?);
//! call.options.size = Some(100);
//! let request = call.build(&target)?;
//! assert_eq!(request.uri().path(), "/data/v2/accounts");
//!
//! // … send it with any HTTP client, then:
//! let body = br#"{"status":"PENDING","results_id":"2ab8c57a-011b-418f-9419-968155e600dd","data":null}"#;
//! let response = http::Response::builder().status(200).body(body.to_vec())?;
//! match classify::<<GetAccounts as Endpoint>::Output>(&response)? {
//!     Outcome::Data(data) => println!("{} accounts", data.payload.items.len()),
//!     Outcome::Pending(p) => println!("PENDING: fetch {} after results.ready", p.results_id),
//!     Outcome::Failed(f) => println!("bank failed: {:?}", f.granular_status_code),
//!     Outcome::ReconnectRequired(r) => println!("reconnect {:?}", r.reconnect_id),
//!     Outcome::ApiError(e) => println!("{e}"),
//!     // Outcome is non-exhaustive: a class Lean may add later.
//!     other => println!("{}", other.class()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Module map: [`config`] (where and as whom), [`request`] (requests as data), [`response`]
//! (the one classification function), [`model`] (typed records), [`webhook`] (signatures and
//! events), [`money`] and [`time`] (exact amounts, typed instants), [`ids`] (validated ids).

#![forbid(unsafe_code)]

pub mod auth;
pub mod call;
pub mod client;
pub mod config;
pub mod correlation;
mod de;
pub mod enums;
mod envelope;
pub mod ids;
pub mod model;
pub mod money;
pub mod pager;
mod payloads;
pub mod payment_wait;
pub mod pending;
pub mod refresh_wait;
pub mod request;
pub mod response;
pub mod results;
pub mod retry;
pub mod rng;
pub mod secret;
mod text;
pub mod time;
pub mod wait;
pub mod webhook;

pub use config::{ApiGeneration, BaseUrl, Config, ConfigError, Credentials, Environment, Region};
pub use enums::{
    AccountStatus, AccountSubType, AccountType, AuthorizationType, BalanceType, CardSchemeName,
    CreditDebitIndicator, CreditLineType, DataStatus, Enablement, EnvelopeStatus, ErrorCode,
    GranularStatusCode, MandateStatus, Permission, RefreshStatus, ScheduledType, SchemeName,
    SubTransactionType, TransactionMutability, TransactionStatus, TransactionType,
};
pub use ids::{AccountId, CustomerId, EntityId, IdError, RefreshId, ResultsId};
pub use model::corporates::{
    Article, CapitalInformation, CommercialRegistry, ContactInfo, ContributionCapital,
    CorporateAddress, CorporateEntityType, CorporatePerson, CorporateVerification, DualDate,
    ECommerce, EStore, FiscalYear, Headquarters, IdAndDescription, IdAndName, License, Management,
    ManagementBoard, ManagerPermission, ManagersVerification, Nationality, PartnerDecision,
    PartnerShare, Partners, Party, ProfitAllocation, ProfitLossDistribution, RegistryIdentity,
    SetAsideDetails,
};
pub use model::customer::{
    Availability, AvailabilityFlags, Bank, BankList, Consent, Customer, CustomerList, Deleted,
    Entity, EntityList, EntityPage, InternationalDestination, Permissions, TokenResponse,
    TransferLimit,
};
pub use model::data::{
    Account, AccountIdentifier, Agent, Balance, Beneficiary, Collection, CreditLine,
    CurrencyExchange, DirectDebit, Identity, Json, Page, PageInfo, ScheduledPayment, StandingOrder,
    Transaction,
};
pub use model::insights::{Cashflows, Expenses, Income, MatchType, NameVerification, RawInsights};
pub use model::insights_ksa::{
    BalanceFactors, BalancePeriod, CardBalances, CashBalanceMonth, CashBalanceTotal, CashBalances,
    CountedAmount, CreditObligations, CreditObligationsMonth, CreditObligationsTotal, Employment,
    EmploymentDetail, FlowFactors, FreelancerAccount, FreelancerCashflow, FreelancerFlows,
    FreelancerMonth, FreelancerMonthBalance, FreelancerMonthFlows, FreelancerPeriod,
    FreelancerTotal, LocalizedName, NamedMonthAmount, NonCreditMonth, NonCreditObligations,
    NonCreditTotal, Obligation, ObligationBreakdown, OptionalAmount, ReferenceEmployer,
    SpendingSpike,
};
pub use model::payments::{
    AccountOnFileConsent, ConsentEvent, ConsentHistory, ConsentedAccount, ControlParameters,
    Payment, PaymentConsent, PaymentConsentList, PaymentConsumption, PaymentDestination,
    PaymentDestinationList, PaymentIntent, PaymentIntentList, PaymentParty, PaymentPurpose,
    PaymentSource, PaymentSourceAccount, PaymentSourceBeneficiary, PaymentSourceList,
    PaymentStatus, PostInitiationStatus,
};
pub use model::payouts::{
    PaymentEvent, PaymentEvents, PaymentHistory, PayoutCreated, PayoutDestinationCreated,
    PayoutDestinationDetails, PayoutDestinationsCreated, PayoutList, PayoutPaymentDetail,
    PayoutSummary, Refund, RefundBeneficiary, RefundList, RefundPage, RefundStatus,
};
pub use model::refresh::{Refresh, RefreshList, RefreshTriggered};
pub use model::verifications::{
    AccountVerification, BeneficiaryName, CertificateOwnership, CertificateStatus,
    EntityOwnershipVerification, FreelanceCertificate, FreelancerVerification, Gender,
    IbanOwnership, Speciality, SpecialityCategory, TypedValue, VerificationMethod,
    VerifiedAccountStatus, VerifiedBank,
};
pub use money::{Amount, Currency};
pub use payloads::AnyData;
pub use request::{
    APP_TOKEN_HEADER, Auth, BankAccountTypes, CreateCustomer, DataOptions, DeleteEntity, Endpoint,
    GetAccountIdentities, GetAccounts, GetBalances, GetBeneficiaries, GetCashBalances,
    GetCashflows, GetCreditObligations, GetCustomer, GetCustomerByAppUserId, GetCustomerEntities,
    GetDirectDebits, GetEmployment, GetEntity, GetExpenses, GetFreelancerCashflow, GetIdentity,
    GetIncome, GetNonCreditObligations, GetRefresh, GetResults, GetScheduledPayments,
    GetStandingOrders, GetTransactions, ListBanks, ListCustomers, ListEntities, ListRefreshes,
    RequestError, Target, TokenOutcome, TriggerRefresh, V1GetAccounts, V1GetBalance, V1GetIdentity,
    V1GetTransactions, VerifyName, customer_token_request, form_encode, token_request,
};
pub use request::{
    BankIdentifierType, CorporateVerificationType, FreelancerVerificationType, GetBeneficiaryName,
    Identification, IdentificationType, RegisterLanguage, VerificationAccountType, VerifyAccount,
    VerifyCorporate, VerifyEntity, VerifyFreelancer, VerifyManagers,
};
pub use request::{
    ConsentLimits, CreateAofConsent, CreatePaymentDestination, CreatePaymentIntent,
    DeletePaymentSource, DestinationDetails, GetConsent, GetConsentHistory, GetPaymentIntent,
    GetPaymentSource, GetPayout, GetPayoutHistory, GetPayoutIntent, IdempotencyKey,
    InitiateAofPayment, ListConsents, ListPaymentDestinations, ListPaymentIntents,
    ListPaymentSources, ListPayouts, ListRefunds,
};
pub use response::{
    ApiError, Data, DecodeError, EnvelopeInfo, Failed, FieldError, Outcome, Payload, Pending,
    ReconnectRequired, RetryAfter, Shape, classify,
};
pub use rust_decimal::Decimal;
pub use secret::Secret;
pub use time::{Date, DateOrDateTime, Timestamp};
