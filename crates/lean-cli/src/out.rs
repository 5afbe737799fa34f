//! Standard output, and the `--json` contract. A reader that went away (`lean accounts |
//! head -1`) ends the command quietly with exit 0, as Unix tools do; any other write failure
//! is said once, exit 1. JSON is NDJSON: one record per line (a list's items; a single object
//! on one line), amounts as strings of their exact digits.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// `--csv` (set once, before any output).
static CSV: AtomicBool = AtomicBool::new(false);

/// Records are printed as CSV from now on.
pub(crate) fn set_csv(on: bool) {
    CSV.store(on, Ordering::Relaxed);
}

/// Whether `--csv` was asked.
pub(crate) fn csv_asked() -> bool {
    CSV.load(Ordering::Relaxed)
}

/// Writes one line to standard output.
pub(crate) fn line(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(text).and_then(|()| out.write_all(b"\n")) {
        gone(&e);
    }
}

/// Ends the command after a failed write to standard output.
pub(crate) fn gone(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(i32::from(crate::exit::LEAN));
}

/// `println!` that ends quietly when the reader is gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// A value as JSON with amounts as strings (`"30000.00"`): what a tool like jq cannot round.
pub(crate) fn json_value<T: serde::Serialize>(value: &T) -> serde_json::Value {
    lean_proto::money::with_decimals_as_strings(|| serde_json::to_value(value))
        .unwrap_or_else(|e| serde_json::json!({"error": e.to_string()}))
}

/// NDJSON: a list, one item per line; anything else, one line.
pub(crate) fn ndjson<T: serde::Serialize>(value: &T) {
    match json_value(value) {
        serde_json::Value::Array(items) => {
            for item in items {
                line(format_args!("{item}"));
            }
        }
        other => line(format_args!("{other}")),
    }
}

/// Pretty JSON for people (nested documents: insights, verifications), amounts as strings.
pub(crate) fn pretty<T: serde::Serialize>(value: &T) {
    let v = json_value(value);
    let text = serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string());
    line(format_args!("{text}"));
}

/// Results of any type, as records: a collection's items, a document, a v1 payload.
pub(crate) struct AnyDataJson<'a>(pub(crate) &'a lean_proto::AnyData);

impl serde::Serialize for AnyDataJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use lean_proto::AnyData;
        match self.0 {
            AnyData::Accounts(p) => p.items.serialize(s),
            AnyData::Balances(p) => p.items.serialize(s),
            AnyData::Transactions(p) => p.items.serialize(s),
            AnyData::Identities(p) => p.items.serialize(s),
            AnyData::Beneficiaries(p) => p.items.serialize(s),
            AnyData::DirectDebits(p) => p.items.serialize(s),
            AnyData::ScheduledPayments(p) => p.items.serialize(s),
            AnyData::StandingOrders(p) => p.items.serialize(s),
            AnyData::Income(i) => i.serialize(s),
            AnyData::Expenses(e) => e.serialize(s),
            AnyData::Cashflows(c) => c.serialize(s),
            AnyData::Employment(x) => x.serialize(s),
            AnyData::CashBalances(x) => x.serialize(s),
            AnyData::FreelancerCashflow(x) => x.serialize(s),
            AnyData::CreditObligations(x) => x.serialize(s),
            AnyData::NonCreditObligations(x) => x.serialize(s),
            AnyData::V1(j) => j.serialize(s),
            AnyData::Other { raw, .. } => raw.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

/// CSV of a list of records: one column per field, nested fields named with dots
/// (`amount.amount`), lists as their JSON, amounts as their exact digits; a header first.
pub(crate) fn csv<T: serde::Serialize>(value: &T) {
    let items = match json_value(value) {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    let rows: Vec<Vec<(String, String)>> = items
        .iter()
        .map(|item| {
            let mut cells = Vec::new();
            flatten(item, "", &mut cells);
            cells
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for (k, _) in row {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    line(format_args!(
        "{}",
        columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(",")
    ));
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                row.iter()
                    .find(|(k, _)| k == c)
                    .map_or(String::new(), |(_, v)| quote(v))
            })
            .collect();
        line(format_args!("{}", cells.join(",")));
    }
}

fn flatten(v: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                let key = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                flatten(v, &key, out);
            }
        }
        serde_json::Value::Null => out.push((at.to_owned(), String::new())),
        serde_json::Value::String(s) => out.push((at.to_owned(), s.clone())),
        other => out.push((at.to_owned(), other.to_string())),
    }
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}
