//! A token-soup protocol and a scenarios file through `escalate test` (issue 26).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| escalate_fuzz::scenarios(data));
