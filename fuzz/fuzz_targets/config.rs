//! Any text as `.escalate.toml`: parsed, and applied to seed files' findings.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| escalate_fuzz::config(data));
