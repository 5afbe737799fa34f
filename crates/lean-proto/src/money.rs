//! Exact money: amounts are `rust_decimal::Decimal`, parsed from the JSON number's own text.
//!
//! Lean sends amounts as JSON numbers (`439.85`, `1129`, `0.1`). Going through `f64` would turn
//! `0.1` into `0.1000000000000000055…` and lose cents above 2^53. We read the number as a
//! [`serde_json::value::RawValue`] (the additive `raw_value` feature) and parse its text with
//! `Decimal`, so the value is exactly what Lean wrote. We deliberately do not turn on
//! serde_json's `arbitrary_precision`, which would change number handling for every crate in
//! the user's build. A quoted number (`"439.85"`) is accepted too; anything else is an error
//! that names the field.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;
use std::str::FromStr;

/// An ISO 4217 currency code as Lean sends it (`AED`, `SAR`, ...). Kept as text so that a code
/// this SDK has never seen still decodes. Codes of up to 15 bytes (every real one) are held
/// inline: a page of transactions carries three per item, and none costs an allocation.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(crate::text::SmallText<15>);

impl Currency {
    /// A code as sent (any text: Lean's set is open).
    pub fn new(code: &str) -> Self {
        Currency(crate::text::SmallText::new(code))
    }
    /// UAE dirham.
    pub fn aed() -> Self {
        Currency::new("AED")
    }
    /// Saudi riyal.
    pub fn sar() -> Self {
        Currency::new("SAR")
    }
    /// The code as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({:?})", self.as_str())
    }
}

/// The empty code: a placeholder for records built field by field.
impl Default for Currency {
    fn default() -> Self {
        Currency::new("")
    }
}

impl From<&str> for Currency {
    fn from(code: &str) -> Self {
        Currency::new(code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::with_str(d, "a currency code", |s| {
            Ok::<_, std::convert::Infallible>(Currency::new(s))
        })
    }
}

/// `{ "currency": "AED", "amount": 439.85 }`: a sum of money.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: Currency,
    /// The exact amount; signless in Lean's data model (see `credit_debit_indicator`).
    #[serde(with = "decimal")]
    pub amount: Decimal,
}

impl Amount {
    /// `amount` in `currency`.
    pub fn new(currency: Currency, amount: Decimal) -> Self {
        Amount { currency, amount }
    }
}

/// Parses a decimal from a JSON number's text (`12`, `-0.5`, `1.5e3`) or a quoted number.
pub fn parse_decimal_text(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str(t)
    };
    parsed.map_err(|e| format!("not an exact decimal amount: {t:?} ({e})"))
}

thread_local! {
    static AS_STRINGS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every amount of the models serialized as a JSON string of its exact digits
/// (`"30000.00"`) instead of a JSON number, on this thread only. For output read by tools that
/// turn JSON numbers into floats (jq sums `30000.00` and `72932.69` to
/// `102932.68999999999`); the `lean` command prints this way. Outside `f`, amounts are JSON
/// numbers, as Lean sends them.
///
/// ```
/// use lean_proto::Amount;
/// let a: Amount = serde_json::from_str(r#"{"currency":"AED","amount":30000.00}"#).unwrap();
/// assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"currency":"AED","amount":30000.00}"#);
/// let text = lean_proto::money::with_decimals_as_strings(|| serde_json::to_string(&a).unwrap());
/// assert_eq!(text, r#"{"currency":"AED","amount":"30000.00"}"#);
/// ```
pub fn with_decimals_as_strings<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            AS_STRINGS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(AS_STRINGS.with(|c| c.replace(true)));
    f()
}

/// Writes a decimal with exactly its own digits: a bare JSON number (a `Decimal`'s `Display`
/// is always a valid one: no exponent, no NaN, no leading `+`), or a string inside
/// [`with_decimals_as_strings`].
fn write_decimal<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    if AS_STRINGS.with(std::cell::Cell::get) {
        return s.collect_str(d);
    }
    RawValue::from_string(d.to_string())
        .map_err(S::Error::custom)?
        .serialize(s)
}

/// `#[serde(with = "decimal")]` for a `Decimal` field written as a JSON number.
pub mod decimal {
    use super::*;

    /// Reads the number's own text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        // Borrowed from the body (responses are always parsed from a slice): the number's own
        // text, with no copy. serde_json hands numbers to visitors only as f64, which would lose
        // digits; its raw value is how the text is reached.
        let raw = <&'de RawValue>::deserialize(d)?;
        parse_decimal_text(raw.get()).map_err(D::Error::custom)
    }

    /// Writes the exact digits as a JSON number.
    pub fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        write_decimal(v, s)
    }
}

/// `#[serde(with = "decimal_opt", default)]` for an optional `Decimal` (absent or `null` is `None`).
pub mod decimal_opt {
    use super::*;

    /// Reads the number's own text; `null` is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        let raw = Option::<&'de RawValue>::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(r) if r.get().trim() == "null" => Ok(None),
            Some(r) => parse_decimal_text(r.get())
                .map(Some)
                .map_err(D::Error::custom),
        }
    }

    /// Writes the exact digits, or `null`.
    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => write_decimal(d, s),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_exactly() {
        for text in [
            "1129",
            "439.85",
            "0.1",
            "99999999999.99",
            "12345678901234567.89",
            "0.00",
            "-17.5",
        ] {
            let json = format!(r#"{{"currency":"AED","amount":{text}}}"#);
            let a: Amount = serde_json::from_str(&json).unwrap();
            assert_eq!(a.amount.to_string(), text, "decoded {text}");
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                json,
                "re-encoded {text}"
            );
        }
    }

    #[test]
    fn quoted_and_scientific_amounts() {
        let a: Amount = serde_json::from_str(r#"{"currency":"SAR","amount":"10.50"}"#).unwrap();
        assert_eq!(a.amount, Decimal::from_str("10.50").unwrap());
        let a: Amount = serde_json::from_str(r#"{"currency":"SAR","amount":1.5e3}"#).unwrap();
        assert_eq!(a.amount, Decimal::from(1500));
    }

    #[test]
    fn non_numbers_are_typed_errors() {
        for bad in [r#"true"#, r#""abc""#, r#"[1]"#, r#"1e999"#, r#"null"#] {
            let json = format!(r#"{{"currency":"AED","amount":{bad}}}"#);
            assert!(serde_json::from_str::<Amount>(&json).is_err(), "{bad}");
        }
    }
}
