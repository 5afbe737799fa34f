//! The adapter contract (`lean-conformance`) run with lean-reqwest.

mod common;

lean_conformance::conformance_suite!(common::Adapter, async);
