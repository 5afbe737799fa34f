//! Any text as the emulator's duration and latency flags, and any time scale: parsing answers
//! an error or a value, and turning Lean time into real time never panics (it used to on
//! `--time-scale inf` or latencies near 1e19 s).
#![no_main]

use lean_sandbox::{SandboxConfig, parse_duration, parse_latency};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Some((scale, text)) = data.split_first_chunk::<8>() else { return };
    let text = String::from_utf8_lossy(text);
    let config = SandboxConfig {
        time_scale: f64::from_le_bytes(*scale),
        ..SandboxConfig::default()
    };
    if let Ok(d) = parse_duration(&text) {
        let _ = config.real(d);
    }
    if let Ok(l) = parse_latency(&text) {
        let _ = config.real(l.min);
        let _ = config.real(l.max);
    }
    let _ = config.real(Duration::MAX);
});
