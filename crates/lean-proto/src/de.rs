//! Deserialisation helpers that read strings without allocating (but for a string with escapes,
//! copied once): serde's `Cow<str>` always copies into a `String`, which made every enum,
//! timestamp and id of a response allocate. One visitor serves every string-typed field, so
//! that the parser's string path is compiled once, not once per type.

use serde::Deserializer;
use serde::de::{Error, Visitor};
use std::fmt;

/// A JSON string as the parser hands it over: borrowed from the input (no escapes, the usual
/// case), or copied out of the parser's scratch buffer (escapes, rare).
enum Str<'de> {
    Borrowed(&'de str),
    Copied(String),
}

/// The one visitor for every string-typed field. Being one type, the parser's string path is
/// compiled once for all of them instead of once per field type: a page's items then run through
/// less distinct code (counted by the `footprint` bench).
struct StrVisitor(&'static str);

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_borrowed_str<X: Error>(self, s: &'de str) -> Result<Str<'de>, X> {
        Ok(Str::Borrowed(s))
    }
    fn visit_str<X: Error>(self, s: &str) -> Result<Str<'de>, X> {
        Ok(Str::Copied(s.to_owned()))
    }
}

/// Reads a JSON string and hands it to `f` as `&str` (borrowed from the input when it has no
/// escapes, else copied once).
pub(crate) fn with_str<'de, D, T, E, F>(d: D, expecting: &'static str, f: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
    F: FnOnce(&str) -> Result<T, E>,
{
    let s = read_str(d, expecting)?;
    let s = match &s {
        Str::Borrowed(s) => s,
        Str::Copied(s) => s.as_str(),
    };
    f(s).map_err(refused::<D::Error, E>)
}

/// The parser's part, generic over the parser only: one copy, not one per field type.
#[inline(never)]
fn read_str<'de, D: Deserializer<'de>>(
    d: D,
    expecting: &'static str,
) -> Result<Str<'de>, D::Error> {
    d.deserialize_str(StrVisitor(expecting))
}

/// A string the field's parser refused: out of the way of the path every field takes.
#[cold]
#[inline(never)]
fn refused<X: Error, E: fmt::Display>(e: E) -> X {
    X::custom(e)
}

#[cfg(test)]
mod tests {
    use crate::{AccountStatus, AccountSubType, EntityId, Timestamp};

    /// A string with escapes is copied out of the parser's scratch buffer, the usual one is
    /// borrowed from the input: both reach the field's parser with the same text.
    #[test]
    fn escaped_and_plain_strings_decode_alike() {
        let id = "14eb95ba-2b9d-41cb-82fe-7b1b3079021e";
        let escaped_id = id.replace('-', "\\u002d");
        let plain: EntityId = serde_json::from_str(&format!("\"{id}\"")).expect("plain id");
        let escaped: EntityId =
            serde_json::from_str(&format!("\"{escaped_id}\"")).expect("escaped id");
        assert_eq!(plain, escaped);

        let status: AccountStatus = serde_json::from_str(r#""EN\u0041BLED""#).expect("enum");
        assert_eq!(status, AccountStatus::Enabled);
        let unknown: AccountSubType = serde_json::from_str(r#""NEW\/KIND""#).expect("enum");
        assert_eq!(unknown.as_str(), "NEW/KIND");

        let at: Timestamp =
            serde_json::from_str(r#""2026-12-06T10:00:00\u005a""#).expect("timestamp");
        assert_eq!(
            at,
            Timestamp::parse("2026-12-06T10:00:00Z").expect("parses")
        );
    }

    /// What the field's parser refuses, and what is not a string at all, are errors that say so.
    #[test]
    fn refusals_name_what_was_expected() {
        let bad = serde_json::from_str::<EntityId>(r#""not-a-uuid""#).expect_err("refused");
        assert!(bad.to_string().contains("not-a-uuid"), "{bad}");
        let number = serde_json::from_str::<Timestamp>("12").expect_err("a number");
        assert!(
            number.to_string().contains("an RFC 3339 timestamp"),
            "{number}"
        );
    }
}
