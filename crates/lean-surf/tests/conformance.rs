//! The adapter contract (`lean-conformance`) run with lean-surf on async-std.

lean_conformance::conformance_suite!(
    lean_conformance::Async<lean_surf::Surf, lean_conformance::executors::AsyncStd>,
    async
);
