//! The contract scenarios that measure the whole process, alone in their own test binary.

lean_conformance::conformance_solo!(
    lean_conformance::Async<lean_reqwest::Reqwest, lean_conformance::executors::Tokio>
);
