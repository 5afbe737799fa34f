//! The adapter contract (`lean-conformance`) run with lean-reqwest on tokio.

mod adapter;

lean_conformance::conformance_suite!(adapter::Client, async);
