//! escalate: a language and checker for inter-agency escalation protocols
//! in child safeguarding.
//!
//! Data flows one way through the phases:
//!
//! ```text
//! text --syntax--> syntax tree --model--> Protocol --graph--> EscalationGraph + Timing
//!                                                    --checks--> findings --render--> human / JSON
//! ```
//!
//! - [`syntax`]: pest grammar (`grammar/escalate.pest`) -> syntax tree; syntax errors.
//! - [`model`]: names resolved -> [`model::Protocol`]; unknown and duplicate names.
//! - [`graph`]: the escalation graph and worst-case timing.
//! - [`checks`]: one module per check, each with a stable code.
//! - [`render`]: findings as miette reports or JSON.
//! - [`timeline`]: the main pathway's worst case dated on a [`calendar`].
//!
//! [`check_source`] runs the whole pipeline on one file's text.

pub mod calendar;
pub mod checks;
pub mod compare;
pub mod config;
pub mod diagnostic;
pub mod explain;
pub mod format;
pub mod fsutil;
pub mod graph;
pub mod init;
pub mod layout;
pub mod live;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod model;
pub mod render;
pub mod report;
pub mod span;
pub mod syntax;
pub mod timeline;
pub mod timescale;
#[cfg(feature = "wasm")]
pub mod wasm;

use diagnostic::{Code, Finding, Severity};
use model::Protocol;
use span::Span;

/// Files larger than this are refused: no protocol comes near it, and it
/// keeps memory in proportion.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// The result of checking one file.
#[derive(Debug)]
pub struct Report {
    /// As given on the command line (`-` is shown as `<stdin>`).
    pub path: String,
    /// The file's text (empty if it could not be read as text).
    pub source: String,
    /// The resolved protocol, if the file parsed and resolved.
    pub protocol: Option<Protocol>,
    /// Every finding, sorted by position.
    pub findings: Vec<Finding>,
}

impl Report {
    fn failed(path: &str, source: String, finding: Finding) -> Report {
        Report { path: path.to_string(), source, protocol: None, findings: vec![finding] }
    }

    /// Findings that count (not silenced by `allow`) at this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.is_active() && f.severity == severity).count()
    }

    /// True if the file could not be read, parsed or resolved.
    pub fn has_input_error(&self) -> bool {
        self.findings.iter().any(|f| f.code.is_input_error())
    }

    /// Turn every active warning into an error (`--deny warnings`).
    pub fn deny_warnings(&mut self) {
        for f in self.findings.iter_mut().filter(|f| f.is_active()) {
            f.severity = Severity::Error;
        }
    }
}

/// Check a file's raw bytes: refuse what is too large or not UTF-8.
pub fn check_bytes(path: &str, bytes: Vec<u8>) -> Report {
    if bytes.len() > MAX_FILE_BYTES {
        let finding = Finding::new(
            Code::FileTooLarge,
            format!("this file is {} bytes, more than the {} escalate accepts", bytes.len(), MAX_FILE_BYTES),
        )
        .help("a protocol file is a few kilobytes; check that this is the file you meant");
        return Report::failed(path, String::new(), finding);
    }
    match String::from_utf8(bytes) {
        Ok(text) => check_source(path, text),
        Err(error) => {
            let offset = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            // Show the readable part, so the report can point at the bad byte.
            let shown = String::from_utf8_lossy(&bytes[..offset]).into_owned();
            let finding = Finding::new(
                Code::NotUtf8,
                format!("this file is not UTF-8 text: byte {offset} (0x{:02x}) is not valid", bytes[offset]),
            )
            .at(Span::new(offset, offset), "invalid byte here")
            .help("save the file as UTF-8 (in most editors: Save As, encoding UTF-8)");
            Report::failed(path, shown, finding)
        }
    }
}

/// Parse, resolve and check one file's text.
pub fn check_source(path: &str, source: String) -> Report {
    let (protocol, findings) = analyse(&source);
    Report { path: path.to_string(), source, protocol, findings }
}

/// Parse and resolve, then run the checks if that succeeded.
pub fn analyse(source: &str) -> (Option<Protocol>, Vec<Finding>) {
    match load(source) {
        Ok(protocol) => {
            let findings = checks::run(&protocol);
            (Some(protocol), findings)
        }
        Err(findings) => (None, findings),
    }
}

/// Parse and resolve only: the model, or the input errors.
pub fn load(source: &str) -> Result<Protocol, Vec<Finding>> {
    let (file, errors) = syntax::parse(source);
    if !errors.is_empty() {
        return Err(errors);
    }
    if file.items.is_empty() {
        return Err(vec![
            Finding::new(Code::EmptyFile, "this file holds no protocol")
                .at(Span::new(0, 0), "nothing but blank lines and comments")
                .help("start with `protocol \"<title>\"`; docs/language.md shows a whole example"),
        ]);
    }
    model::build(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_over_the_limit_are_refused_without_being_parsed() {
        let report = check_bytes("big.esc", vec![b' '; MAX_FILE_BYTES + 1]);
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].code, Code::FileTooLarge);
        assert!(report.has_input_error());
    }

    #[test]
    fn an_empty_file_is_an_input_error() {
        let report = check_source("e.esc", "  # only a comment\n".into());
        assert_eq!(report.findings[0].code, Code::EmptyFile);
        assert!(report.protocol.is_none());
    }
}
