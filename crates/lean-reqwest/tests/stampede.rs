//! The contract scenarios that measure the whole process, alone in their own test binary.

mod common;

lean_conformance::conformance_solo!(common::Adapter);
