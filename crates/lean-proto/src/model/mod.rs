//! Typed models of everything Lean sends: data records, insights, refreshes, v1 payloads,
//! customers, entities, tokens, verifications and payments. Pure data; no request building, no classification.

pub mod corporates;
pub mod customer;
pub mod data;
pub mod insights;
pub mod insights_ksa;
pub mod payments;
pub mod payouts;
pub mod refresh;
pub mod v1;
pub mod verifications;
