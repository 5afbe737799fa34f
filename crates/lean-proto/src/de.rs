//! Deserialisation helpers that read strings without allocating: serde's `Cow<str>` always
//! copies into a `String`, which made every enum, timestamp and id of a response allocate.

use serde::Deserializer;
use serde::de::{Error, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Reads a JSON string and hands it to `f` as `&str` (borrowed from the input when it has no
/// escapes, else from the parser's scratch buffer): no allocation either way.
pub(crate) fn with_str<'de, D, T, E, F>(d: D, expecting: &'static str, f: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
    F: FnOnce(&str) -> Result<T, E>,
{
    struct V<F, T, E>(&'static str, F, PhantomData<fn() -> (T, E)>);
    impl<'de, F, T, E> Visitor<'de> for V<F, T, E>
    where
        E: fmt::Display,
        F: FnOnce(&str) -> Result<T, E>,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<X: Error>(self, s: &str) -> Result<T, X> {
            (self.1)(s).map_err(X::custom)
        }
    }
    d.deserialize_str(V(expecting, f, PhantomData))
}
