//! Runnable examples of lean-rs: see `examples/*.rs`.
