//! Token soup on one line past column 65,535 (issue 26): the other targets'
//! inputs are capped at 32 KB, so no finding of theirs reaches the column
//! where miette's padding (Rust's `format!` widths) panicked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    escalate_fuzz::pipeline(escalate_fuzz::long_line_source(data).as_bytes())
});
