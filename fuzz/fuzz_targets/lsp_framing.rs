//! Any bytes as what an editor sends `escalate lsp` (issue 26).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| escalate_fuzz::lsp_framing(data));
