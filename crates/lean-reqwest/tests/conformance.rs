//! The adapter contract (`lean-conformance`) run with lean-reqwest on tokio.

lean_conformance::conformance_suite!(
    lean_conformance::Async<lean_reqwest::Reqwest, lean_conformance::executors::Tokio>,
    async
);
