//! Insights: income, expenses, cashflows and the KSA insights.

use super::*;

/// `POST /insights/v2/income` with `{entity_id, start_date, income_type}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    fn entity_id(&self) -> Option<&EntityId> {
        Some(&self.entity_id)
    }

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
            q.push("async", "true");
        }
        build(
            Self::NAME,
            Some(Self::GENERATION),
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
        #[non_exhaustive]
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

            fn entity_id(&self) -> Option<&EntityId> {
                Some(&self.entity_id)
            }

            fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
                let mut q = Query::default();
                q.push("entity_id", &self.entity_id);
                if let Some(d) = self.start_date {
                    q.push("start_date", &d);
                }
                if self.asynchronous {
                    q.push("async", "true");
                }
                build(Self::NAME, Some(Self::GENERATION), target, Method::GET, $path, q, Body::Empty)
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
    /// `GET /insights/v2/assets/balances` (KSA), typed from Lean's recording.
    GetCashBalances, crate::model::insights_ksa::CashBalances, "/insights/v2/assets/balances", "cash-balances"
);
insights_endpoint!(
    /// `GET /insights/v2/liabilities/credit-obligations` (KSA), typed from Lean's recording.
    GetCreditObligations, crate::model::insights_ksa::CreditObligations, "/insights/v2/liabilities/credit-obligations", "credit-obligations"
);
insights_endpoint!(
    /// `GET /insights/v2/liabilities/non-credit-obligations` (KSA), typed from Lean's recording.
    GetNonCreditObligations, crate::model::insights_ksa::NonCreditObligations, "/insights/v2/liabilities/non-credit-obligations", "non-credit-obligations"
);
insights_endpoint!(
    /// `GET /insights/v2/income/employment` (KSA), typed from Lean's recording.
    GetEmployment, crate::model::insights_ksa::Employment, "/insights/v2/income/employment", "employment"
);

insights_endpoint!(
    /// `GET /insights/v2/assets/freelancers/cashflows` (KSA; answers `type:
    /// freelancer-cashflow`), the path of Lean's recording (KSA-insights collection).
    GetFreelancerCashflow, crate::model::insights_ksa::FreelancerCashflow, "/insights/v2/assets/freelancers/cashflows", "freelancer-cashflow"
);

/// `POST /insights/v1/name-verification` with `{entity_id, full_name, async}`: the name you
/// were given against the account holder's name at the bank (UAE, retail accounts). It can
/// answer PENDING like a data call; the call then waits for `results.ready`.
///
/// ```
/// use lean_proto::{EntityId, VerifyName};
/// let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e")?;
/// assert!(VerifyName::new(entity.clone(), "Michael Garry Scott").is_ok());
/// assert!(VerifyName::new(entity, "R2D2").is_err(), "one word, with digits");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyName {
    entity_id: EntityId,
    full_name: String,
    /// `async=true`.
    pub asynchronous: bool,
}

impl VerifyName {
    /// Checks `full_name` as Lean does: at least two words; letters, `'`, `,`, `.`, `-` and
    /// spaces only.
    pub fn new(entity_id: EntityId, full_name: impl Into<String>) -> Result<Self, RequestError> {
        let full_name = full_name.into();
        let allowed = |c: char| c.is_alphabetic() || " ',.-".contains(c);
        if full_name.split_whitespace().count() < 2
            || full_name.chars().count() > 256
            || !full_name.chars().all(allowed)
        {
            return Err(RequestError::InvalidParameter {
                name: "full_name",
                reason: "two words or more of letters, ' , . - and spaces",
            });
        }
        Ok(VerifyName {
            entity_id,
            full_name,
            asynchronous: false,
        })
    }
}

impl Endpoint for VerifyName {
    type Output = crate::model::insights::NameVerification;
    const NAME: &'static str = "verify-name";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let body = json_body(serde_json::json!({
            "entity_id": self.entity_id.as_str(),
            "full_name": self.full_name,
            "async": self.asynchronous,
        }));
        // Lean's guide calls it with lean-app-token, its reference with a bearer token.
        build(
            Self::NAME,
            None,
            target,
            Method::POST,
            "/insights/v1/name-verification",
            Query::default(),
            body,
        )
    }

    fn is_asynchronous(&self) -> bool {
        self.asynchronous
    }

    /// Lean bills each name verification: a repeat after an answer would be a second one.
    fn is_idempotent(&self) -> bool {
        false
    }

    fn set_asynchronous(&mut self, on: bool) -> bool {
        self.asynchronous = on;
        true
    }
}
