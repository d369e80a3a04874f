//! Any bytes, as a file given to `escalate`: parse -> check -> every output.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| escalate_fuzz::pipeline(data));
