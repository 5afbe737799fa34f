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
                self.check()?;
                let mut body = V1Body::new(&self.entity_id)?;
                $(self.$field.put(&mut body, stringify!($field))?;)*
                self.asynchronous.put(&mut body, "async")?;
                build(Self::NAME, Some(Self::GENERATION), target, Method::POST, $path, Query::default(),
                    Body::Json(body.finish()))
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

/// A v1 body: its JSON object written field by field into one buffer, in the order the
/// fields are declared. A v1 data call sends one with every call; a `serde_json::Map` of
/// `Value`s, serialized through `Display`, was several allocations and ~4 KB more code run a
/// call (the `footprint` bench, `--api v1`).
struct V1Body(Vec<u8>);

impl V1Body {
    fn new(entity_id: &EntityId) -> Result<V1Body, RequestError> {
        let mut body = V1Body(Vec::with_capacity(64));
        body.0.push(b'{');
        body.put("entity_id", entity_id.as_str())?;
        Ok(body)
    }

    /// `"key":value`, after a comma unless it is the first.
    fn put(&mut self, key: &str, value: impl serde::Serialize) -> Result<(), RequestError> {
        if self.0.len() > 1 {
            self.0.push(b',');
        }
        // Writing text or a bool into a `Vec` cannot fail; should serde_json ever say so, the
        // request is refused rather than sent with a broken body.
        let failed = |e: serde_json::Error| RequestError::InvalidBody(format!("v1: {e}"));
        serde_json::to_writer(&mut self.0, key).map_err(failed)?;
        self.0.push(b':');
        serde_json::to_writer(&mut self.0, &value).map_err(failed)
    }

    fn finish(mut self) -> Vec<u8> {
        self.0.push(b'}');
        self.0
    }
}

/// A v1 body field: written when present (a date, `true`), left out otherwise.
trait V1Field {
    fn put(&self, body: &mut V1Body, key: &str) -> Result<(), RequestError>;
}
impl V1Field for AccountId {
    fn put(&self, body: &mut V1Body, key: &str) -> Result<(), RequestError> {
        body.put(key, self.as_str())
    }
}
impl V1Field for Option<Date> {
    fn put(&self, body: &mut V1Body, key: &str) -> Result<(), RequestError> {
        match self {
            Some(d) => body.put(key, d.to_string()),
            None => Ok(()),
        }
    }
}
impl V1Field for bool {
    fn put(&self, body: &mut V1Body, key: &str) -> Result<(), RequestError> {
        match self {
            true => body.put(key, true),
            false => Ok(()),
        }
    }
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
