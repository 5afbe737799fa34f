//! The adapter contract (`lean-conformance`) run with lean-ureq.

mod adapter;

lean_conformance::conformance_suite!(adapter::Client);
