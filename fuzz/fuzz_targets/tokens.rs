//! Token soup: each byte picks one of the language's tokens, so that inputs
//! get past the parser and exercise the model, the checks and the renderers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    escalate_fuzz::pipeline(escalate_fuzz::tokens_to_source(data).as_bytes())
});
