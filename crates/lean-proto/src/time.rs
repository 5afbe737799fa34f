//! Typed timestamps and dates.
//!
//! Lean writes instants in RFC 3339 with up to nanosecond precision
//! (`2026-05-13T19:42:30.487549603Z`) and calendar dates as `YYYY-MM-DD`. Some fields carry
//! either (`maturity_date` is sometimes `2031-01-20T00:00:00Z`): [`DateOrDateTime`] keeps which.
//! A timestamp without an offset is read as UTC, since every offset Lean was seen to send is `Z`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A calendar date (`YYYY-MM-DD`).
pub type Date = NaiveDate;

/// An instant in UTC, with nanoseconds, as Lean writes them.
///
/// The representation is private (chrono today): read it through the methods, or, with the
/// `chrono` feature, convert to and from `chrono::DateTime<Utc>`. A chrono upgrade is then not
/// a breaking change of this crate.
///
/// ```
/// use lean_proto::Timestamp;
/// let t = Timestamp::parse("2026-05-13T19:42:30.487549603Z")?;
/// assert_eq!(t.unix_timestamp(), 1_778_701_350);
/// assert_eq!(t.subsec_nanos(), 487_549_603);
/// assert_eq!(t.date().to_string(), "2026-05-13");
/// assert_eq!(t.to_string(), "2026-05-13T19:42:30.487549603Z");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Midnight UTC of `date`.
    pub fn from_date(date: Date) -> Self {
        Timestamp(date.and_time(chrono::NaiveTime::MIN).and_utc())
    }

    /// From seconds and nanoseconds since the Unix epoch; `None` out of range.
    pub fn from_unix(seconds: i64, nanos: u32) -> Option<Self> {
        DateTime::from_timestamp(seconds, nanos).map(Timestamp)
    }

    /// Seconds since the Unix epoch.
    pub fn unix_timestamp(&self) -> i64 {
        self.0.timestamp()
    }

    /// The nanoseconds within the second.
    pub fn subsec_nanos(&self) -> u32 {
        self.0.timestamp_subsec_nanos()
    }

    /// The calendar date (UTC).
    pub fn date(&self) -> Date {
        self.0.date_naive()
    }

    /// As a `SystemTime` (saturating at the ends of its range).
    pub fn to_system_time(&self) -> std::time::SystemTime {
        std::time::SystemTime::from(self.0)
    }

    /// The chrono value (the `chrono` feature).
    #[cfg(feature = "chrono")]
    pub fn to_chrono(&self) -> DateTime<Utc> {
        self.0
    }

    /// From a chrono value (the `chrono` feature).
    #[cfg(feature = "chrono")]
    pub fn from_chrono(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }

    pub(crate) fn chrono(&self) -> DateTime<Utc> {
        self.0
    }

    pub(crate) fn of_chrono(t: DateTime<Utc>) -> Self {
        Timestamp(t)
    }

    /// Parses RFC 3339 (`…Z`, `…+04:00`) or an offset-less `YYYY-MM-DDTHH:MM:SS[.f]` as UTC.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(t) = parse_utc_fast(s) {
            return Ok(t);
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Timestamp(t.with_timezone(&Utc)));
        }
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .map(|n| Timestamp(n.and_utc()))
            .map_err(|_| format!("not an RFC 3339 timestamp: {:?}", truncate(s)))
    }
}

/// The form Lean nearly always sends, `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, read field by field;
/// anything else (offsets, other widths) goes to chrono's full parser. Two timestamps per
/// transaction made chrono's general parser a visible share of decoding.
fn parse_utc_fast(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|(i, c)| b[*i] != *c) {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            let digits = num(20..20 + frac.len())?;
            digits * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let time =
        chrono::NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    Some(Timestamp(date.and_time(time).and_utc()))
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Timestamp::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::with_str(d, "an RFC 3339 timestamp", Timestamp::parse)
    }
}

/// A field that Lean fills with a date or with a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrDateTime {
    /// `YYYY-MM-DD`
    Date(Date),
    /// RFC 3339
    DateTime(Timestamp),
}

impl DateOrDateTime {
    /// The calendar date, whichever form was sent.
    pub fn date(&self) -> Date {
        match self {
            DateOrDateTime::Date(d) => *d,
            DateOrDateTime::DateTime(t) => t.date(),
        }
    }
}

impl Serialize for DateOrDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DateOrDateTime::Date(d) => d.serialize(s),
            DateOrDateTime::DateTime(t) => t.serialize(s),
        }
    }
}

/// `YYYY-MM-DD`, read byte by byte: every transaction has dates, and chrono's format parser
/// (and a copy of the string to hand it) was a visible share of decoding.
fn parse_date_fast(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

impl FromStr for DateOrDateTime {
    type Err = String;
    /// A date (`YYYY-MM-DD`), else an RFC 3339 timestamp.
    fn from_str(s: &str) -> Result<Self, String> {
        // The form Lean sends, fast; chrono's parser for the rest (it allows `2026-5-1`).
        if let Some(date) =
            parse_date_fast(s).or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        {
            return Ok(DateOrDateTime::Date(date));
        }
        Timestamp::parse(s)
            .map(DateOrDateTime::DateTime)
            .map_err(|_| format!("not a date or timestamp: {:?}", truncate(s)))
    }
}

impl<'de> Deserialize<'de> for DateOrDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::de::with_str(
            d,
            "a date or an RFC 3339 timestamp",
            DateOrDateTime::from_str,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_date_path_agrees_with_chrono() {
        let mut cases: Vec<String> = vec![
            "2026-02-29".into(),
            "2024-02-29".into(),
            "2026-13-01".into(),
            "2026-00-10".into(),
            "0000-01-01".into(),
            "2026-1-01".into(),
            "2026/01/01".into(),
            "20260101".into(),
            "2026-01-0a".into(),
            "".into(),
        ];
        for y in [1999, 2000, 2026] {
            for m in 0..=13 {
                for d in [0, 1, 28, 29, 30, 31, 32] {
                    cases.push(format!("{y:04}-{m:02}-{d:02}"));
                }
            }
        }
        for c in cases {
            let slow = NaiveDate::parse_from_str(&c, "%Y-%m-%d").ok();
            let fast = parse_date_fast(&c);
            assert!(fast.is_none() || fast == slow, "{c}: {fast:?} vs {slow:?}");
            let read: Result<DateOrDateTime, _> = c.parse();
            if let Some(d) = slow {
                assert_eq!(read, Ok(DateOrDateTime::Date(d)), "{c}");
            }
        }
    }

    #[test]
    fn nanosecond_timestamps_round_trip() {
        for s in [
            "2026-05-13T19:42:30.487549603Z",
            "2026-05-13T19:39:18.748Z",
            "2025-09-02T00:00:00Z",
        ] {
            let t: Timestamp = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(t.to_string(), s);
        }
        let t = Timestamp::parse("2026-05-13T23:39:18+04:00").unwrap();
        assert_eq!(t.to_string(), "2026-05-13T19:39:18Z");
        let t = Timestamp::parse("2026-05-13T19:39:15.424338").unwrap();
        assert_eq!(t.to_string(), "2026-05-13T19:39:15.424338Z");
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn date_or_datetime() {
        let d: DateOrDateTime = serde_json::from_str("\"2031-01-20\"").unwrap();
        assert!(matches!(d, DateOrDateTime::Date(_)));
        let t: DateOrDateTime = serde_json::from_str("\"2031-01-20T00:00:00Z\"").unwrap();
        assert!(matches!(t, DateOrDateTime::DateTime(_)));
        assert_eq!(d.date(), t.date());
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_chrono() {
        for s in [
            "2026-05-13T19:42:30.487549603Z",
            "2026-05-13T19:42:30Z",
            "2026-05-13T19:42:30.4Z",
            "2024-02-29T23:59:59.999999999Z",
            "1970-01-01T00:00:00.000Z",
        ] {
            let fast = parse_utc_fast(s).unwrap();
            let slow = DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
            assert_eq!(fast.0, slow, "{s}");
        }
        // Not the fast form: left to chrono (which accepts or refuses).
        for s in [
            "2026-05-13T19:42:30+04:00",
            "2026-05-13T19:42:30.1234567890Z",
            "2026-02-30T00:00:00Z",
            "2026-05-13 19:42:30Z",
            "2026-05-13T19:42:3xZ",
            "２026-05-13T19:42:30Z",
        ] {
            assert!(parse_utc_fast(s).is_none(), "{s}");
        }
        assert!(Timestamp::parse("2026-05-13T19:42:30+04:00").is_ok());
        assert!(Timestamp::parse("2026-02-30T00:00:00Z").is_err());
    }
}
