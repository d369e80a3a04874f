//! Several files (token soup, split at `0xff` bytes) through `compare`, in
//! every format.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| escalate_fuzz::compare(data));
