//! Identifiers that go into URL paths and query strings, validated on the way in.
//!
//! Lean's ids (`entity_id`, `account_id`, `results_id`, `refresh_id`, `customer_id`) are UUIDs in
//! the 8-4-4-4-12 hex form. We check the *syntax* only: Lean's own sandbox hands out ids whose
//! version nibble is not an RFC 4122 version (`8a78e977-7f3a-8772-…`), so a version check would
//! reject real ids. Anything else is a typed [`IdError`], never a request. Ids are kept in
//! lower case so that a `results_id` from a response and one from a webhook compare equal.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An id that is not a UUID in the 8-4-4-4-12 hex form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    /// Which id it was meant to be, in Lean's words (`entity_id`, `results_id`, ...).
    pub field: &'static str,
    /// The rejected text, shortened to 64 characters.
    pub value: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be a UUID (8-4-4-4-12 hex digits), got {:?}",
            self.field, self.value
        )
    }
}

impl std::error::Error for IdError {}

/// Where the 8-4-4-4-12 shape has its dashes.
const DASH: [bool; 36] = {
    let mut d = [false; 36];
    d[8] = true;
    d[13] = true;
    d[18] = true;
    d[23] = true;
    d
};

/// Checks the 8-4-4-4-12 hex shape and returns the lower-case form, inline (an id costs no
/// allocation). Branch-free per byte, so that the compiler vectorises it: a page of
/// transactions holds two ids per item, read on every call (the check-then-copy it replaced
/// was 2 µs of a 9-account call at 16 callers under `perf`).
fn parse_uuid(field: &'static str, s: &str) -> Result<[u8; 36], IdError> {
    let mut out = [0u8; 36];
    let ok = match <&[u8; 36]>::try_from(s.as_bytes()) {
        Ok(b) => {
            let mut ok = true;
            for i in 0..36 {
                let c = b[i];
                // Letters to lower case; digits and '-' have this bit already.
                let l = c | 0x20;
                // `c >= b'0'` keeps out the bytes that `| 0x20` would turn into digits.
                let hex = (c >= b'0') & ((l.wrapping_sub(b'0') < 10) | (l.wrapping_sub(b'a') < 6));
                ok &= if DASH[i] { c == b'-' } else { hex };
                out[i] = l;
            }
            ok
        }
        Err(_) => false,
    };
    if ok {
        Ok(out)
    } else {
        Err(IdError {
            field,
            value: s.chars().take(64).collect(),
        })
    }
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 36]);

        impl $name {
            /// Validates `s` as a UUID and keeps it in lower case.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                parse_uuid($field, s).map($name)
            }

            /// The id as Lean spells it (lower case).
            pub fn as_str(&self) -> &str {
                // Always ASCII: `parse` accepted hex digits and dashes only.
                std::str::from_utf8(&self.0).unwrap_or_default()
            }
        }

        /// The nil UUID (`00000000-0000-0000-0000-000000000000`): a placeholder for records
        /// built field by field (tests, emulators), never an id Lean gave.
        impl Default for $name {
            fn default() -> Self {
                let mut nil = [b'0'; 36];
                for i in [8, 13, 18, 23] {
                    nil[i] = b'-';
                }
                $name(nil)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::de::with_str(d, concat!("a UUID ", $field), Self::parse)
            }
        }
    };
}

uuid_id!(
    /// `entity_id`: one customer's connection to one bank, created by LinkSDK `connect()`.
    EntityId, "entity_id"
);
uuid_id!(
    /// `account_id`: one bank account under an entity.
    AccountId, "account_id"
);
uuid_id!(
    /// `results_id`: the handle of a data request; after a PENDING answer, the key to its results.
    ResultsId, "results_id"
);
uuid_id!(
    /// `refresh_id`: one data refresh of an entity.
    RefreshId, "refresh_id"
);
uuid_id!(
    /// `customer_id`: Lean's id of your end user.
    CustomerId, "customer_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lean_sandbox_ids_with_odd_version_nibble() {
        let id = EntityId::parse("8A78E977-7f3a-8772-ba26-c4c0424bb3e3").unwrap();
        assert_eq!(id.as_str(), "8a78e977-7f3a-8772-ba26-c4c0424bb3e3");
    }

    #[test]
    fn rejects_path_tricks_and_bad_shapes() {
        for bad in [
            "",
            "../../oauth2/token",
            "8a78e977-7f3a-8772-ba26-c4c0424bb3e",
            "8a78e977-7f3a-8772-ba26-c4c0424bb3e3/",
            "8a78e977_7f3a-8772-ba26-c4c0424bb3e3",
            "8a78e977-7f3a-8772-ba26-c4c0424bb3eg",
            "{8a78e977-7f3a-8772-ba26-c4c0424bb3e}",
            "8a78e9777f3a8772ba26c4c0424bb3e3",
        ] {
            let err = AccountId::parse(bad).unwrap_err();
            assert_eq!(err.field, "account_id");
        }
    }

    proptest::proptest! {
        /// The branch-free check accepts exactly the 8-4-4-4-12 hex shape, in any case, and
        /// folds it to lower case.
        #[test]
        fn accepts_exactly_the_uuid_shape(s in "[0-9a-fA-F-]{36}|[0-9a-zA-Z_{}/-]{30,40}|.{0,40}") {
            let b = s.as_bytes();
            let shaped = b.len() == 36
                && b.iter().enumerate().all(|(i, c)| match i {
                    8 | 13 | 18 | 23 => *c == b'-',
                    _ => c.is_ascii_hexdigit(),
                });
            match EntityId::parse(&s) {
                Ok(id) => {
                    proptest::prop_assert!(shaped);
                    proptest::prop_assert_eq!(id.as_str(), s.to_ascii_lowercase());
                }
                Err(e) => {
                    proptest::prop_assert!(!shaped);
                    proptest::prop_assert_eq!(e.field, "entity_id");
                }
            }
        }

        #[test]
        fn accepts_every_shaped_id(s in "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}") {
            proptest::prop_assert_eq!(AccountId::parse(&s).map(|id| id.as_str().to_owned()), Ok(s.to_ascii_lowercase()));
        }
    }

    /// Every ASCII byte at every position of a good id: accepted exactly where the shape says.
    #[test]
    fn every_byte_at_every_position() {
        let good = *b"8a78e977-7f3a-8772-ba26-c4c0424bb3e3";
        for pos in 0..36 {
            for c in 0u8..128 {
                let mut id = good;
                id[pos] = c;
                let text = std::str::from_utf8(&id).expect("ASCII");
                let dash = matches!(pos, 8 | 13 | 18 | 23);
                let fits = if dash {
                    c == b'-'
                } else {
                    c.is_ascii_hexdigit()
                };
                assert_eq!(ResultsId::parse(text).is_ok(), fits, "{text:?}");
            }
        }
    }

    #[test]
    fn error_names_the_field() {
        let err = ResultsId::parse("nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "results_id must be a UUID (8-4-4-4-12 hex digits), got \"nope\""
        );
    }
}
