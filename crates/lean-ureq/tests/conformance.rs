//! The adapter contract (`lean-conformance`) run with lean-ureq.

lean_conformance::conformance_suite!(lean_conformance::Blocking<lean_ureq::Ureq>);
