//! The legacy v1 data endpoints (`lean-app-token`, JSON bodies, the `payload` envelope).

use super::*;

/// Declares a v1 `POST /data/v1/<path>` endpoint with a JSON body.
macro_rules! v1_endpoint {
    ($(#[$doc:meta])* $name:ident, $out:ty, $path:literal, $cli:literal, { $($(#[$fdoc:meta])* $field:ident : $fty:ty),* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
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

            fn entity_id(&self) -> Option<&EntityId> {
                Some(&self.entity_id)
            }

            fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
                let mut body = serde_json::Map::new();
                body.insert("entity_id".into(), self.entity_id.as_str().into());
                $(v1_field(&mut body, stringify!($field), &self.$field);)*
                if self.asynchronous {
                    body.insert("async".into(), true.into());
                }
                self.check()?;
                build(Self::NAME, Some(Self::GENERATION), target, Method::POST, $path, Query::default(),
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
