//! # lean-sim
//!
//! Deterministic simulation of lean-rs: the real driver (`lean-client`'s async client, its
//! waking, its observers) runs on a virtual-time runtime ([`executor`]) against an in-memory
//! Lean ([`lean`]) over a simulated network ([`net`]), several instances sharing one results
//! registry ([`registry`]). [`world`] draws a whole schedule from a seed (calls, faults,
//! webhooks early, late, duplicated or lost, token expiry and revocation, calls dropped
//! halfway), runs it in milliseconds of real time, and checks the invariants: the right data
//! or a typed error, no `results_id` lost, no deadline overrun, nothing left parked, no
//! request sent twice that must not be. A failing seed prints itself and replays.
//! [`harness`] is a small world for the protocol scenarios (`tests/protocol.rs`): scripted
//! Lean, real clients, virtual time.
//!
//! ```
//! let schedule = lean_sim::world::Schedule::of(7);
//! let report = lean_sim::world::run(&schedule).expect("every invariant holds");
//! assert_eq!(report.data + report.errors + report.dropped, schedule.calls.len());
//! ```

#![forbid(unsafe_code)]

pub mod executor;
pub mod harness;
pub mod lean;
pub mod net;
pub mod registry;
pub mod world;
