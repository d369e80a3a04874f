//! The playground's WebAssembly entry points (feature `wasm`).
//!
//! A hand-written C ABI rather than wasm-bindgen: the page makes one kind of
//! call (JSON in, JSON out, answered by [`crate::live::request`]), so a few
//! lines of JavaScript glue replace a generated binding and the
//! `wasm-bindgen` command-line tool, whose version must match the crate's.
//!
//! The page writes the request's UTF-8 bytes into memory it got from
//! [`escalate_alloc`], calls [`escalate_call`], reads the answer at
//! [`escalate_output`] (length returned by the call), then frees its buffer.

use std::cell::RefCell;

thread_local! {
    /// The last answer, kept until the next call so the page can copy it.
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Memory for the page to write a request of `len` bytes into.
#[unsafe(no_mangle)]
pub extern "C" fn escalate_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Give back memory from [`escalate_alloc`].
///
/// # Safety
/// `ptr` and `len` must be exactly as given to and returned by one
/// [`escalate_alloc`] call, freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn escalate_free(ptr: *mut u8, len: usize) {
    // SAFETY: the caller promises `ptr` came from `escalate_alloc(len)`.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
}

/// Answer the JSON request of `len` bytes at `ptr`; returns the answer's
/// length in bytes, to be read at [`escalate_output`].
///
/// # Safety
/// `ptr` must point at `len` initialised bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn escalate_call(ptr: *const u8, len: usize) -> usize {
    // SAFETY: the caller promises `len` readable bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    let answer = match std::str::from_utf8(bytes) {
        Ok(text) => crate::live::request(text),
        Err(_) => r#"{"error":"the request is not UTF-8"}"#.to_string(),
    };
    OUTPUT.with(|out| {
        let mut out = out.borrow_mut();
        *out = answer.into_bytes();
        out.len()
    })
}

/// Where the last answer is.
#[unsafe(no_mangle)]
pub extern "C" fn escalate_output() -> *const u8 {
    OUTPUT.with(|out| out.borrow().as_ptr())
}

/// "Draft from text": draft a protocol from the document text of `len`
/// bytes at `ptr` (plain text; the WebAssembly build reads no other
/// format). Returns the answer's length, read at [`escalate_output`]: the
/// JSON of [`crate::live::draft`].
///
/// # Safety
/// `ptr` must point at `len` initialised bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn escalate_draft(ptr: *const u8, len: usize) -> usize {
    // SAFETY: the caller promises `len` readable bytes at `ptr`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    let answer = match std::str::from_utf8(bytes) {
        Ok(text) if text.len() <= crate::MAX_FILE_BYTES => crate::live::draft(text),
        Ok(_) => r#"{"error":"the text is larger than escalate accepts"}"#.to_string(),
        Err(_) => r#"{"error":"the text is not UTF-8"}"#.to_string(),
    };
    OUTPUT.with(|out| {
        let mut out = out.borrow_mut();
        *out = answer.into_bytes();
        out.len()
    })
}
