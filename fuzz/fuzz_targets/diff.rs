//! Two token-soup files through `escalate diff`, in every format (issue 26).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| escalate_fuzz::diff(data));
