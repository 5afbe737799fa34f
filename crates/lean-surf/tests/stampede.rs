//! The contract scenarios that measure the whole process, alone in their own test binary.

lean_conformance::conformance_solo!(
    lean_conformance::Async<lean_surf::Surf, lean_conformance::executors::AsyncStd>
);
