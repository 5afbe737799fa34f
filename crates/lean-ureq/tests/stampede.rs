//! The contract scenarios that measure the whole process, alone in their own test binary.

mod adapter;

lean_conformance::conformance_solo!(adapter::Client);
