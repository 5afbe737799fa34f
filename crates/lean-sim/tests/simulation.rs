//! Seeded schedules of the real driver in virtual time, each checked against the invariants
//! (`lean_sim::world`). `cargo test` runs `LEAN_SIM_SEEDS` schedules (2,000 by default);
//! `lean-soak --sim-seeds` runs millions. A failing seed prints itself: replay it with
//! `LEAN_SIM_SEED=<seed> cargo test -p lean-sim --test simulation replay -- --ignored --nocapture`.

use lean_sim::world::{Schedule, run};

fn seeds() -> u64 {
    std::env::var("LEAN_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn every_seeded_schedule_keeps_the_invariants() {
    let (mut data, mut errors, mut dropped, mut requests) = (0, 0, 0, 0u64);
    for seed in 0..seeds() {
        match run(&Schedule::of(seed)) {
            Ok(r) => {
                data += r.data;
                errors += r.errors;
                dropped += r.dropped;
                requests += u64::from(r.requests);
            }
            Err(v) => panic!("{v}"),
        }
    }
    eprintln!(
        "{} schedules: {data} calls with data, {errors} typed errors, {dropped} dropped, {requests} requests",
        seeds()
    );
    // The schedules reach every ending, or they test less than they claim.
    assert!(data > 0 && errors > 0 && dropped > 0);
}

#[test]
fn a_seed_replays_exactly() {
    for seed in [1, 42, 4242] {
        let a = run(&Schedule::of(seed)).expect("holds");
        let b = run(&Schedule::of(seed)).expect("holds");
        assert_eq!(a, b, "seed {seed} ran differently the second time");
        assert!(!a.log.is_empty());
    }
}

/// Replays one seed and prints its whole log, on demand only (ignored in the test run, which
/// runs every seed above): `LEAN_SIM_SEED=<seed> … replay -- --ignored --nocapture`.
#[test]
#[ignore = "a tool: replays the seed in LEAN_SIM_SEED"]
fn replay() {
    let seed: u64 = std::env::var("LEAN_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("LEAN_SIM_SEED=<seed>: the seed to replay");
    let schedule = Schedule::of(seed);
    eprintln!("{schedule:#?}");
    match run(&schedule) {
        Ok(r) => {
            for line in &r.log {
                eprintln!("{line}");
            }
            eprintln!("seed {seed}: every invariant holds ({r:?})");
        }
        Err(v) => panic!("{v}"),
    }
}
