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

pub mod analysis;
pub mod calendar;
pub mod checks;
pub mod compare;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod draft;
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
pub mod parallel;
pub mod rare;
pub mod render;
pub mod report;
pub mod scenario;
pub mod span;
pub mod syntax;
pub mod timeline;
pub mod timescale;
#[cfg(feature = "wasm")]
pub mod wasm;

use analysis::Analysis;
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
    /// Its analysis (graph, timing, worst case), built once for every view.
    pub analysis: Option<Analysis>,
    /// Every finding, sorted by position.
    pub findings: Vec<Finding>,
}

impl Report {
    fn failed(path: &str, source: String, finding: Finding) -> Report {
        Report { path: path.to_string(), source, protocol: None, analysis: None, findings: vec![finding] }
    }

    /// Findings that count (not silenced by `allow`) at this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.is_active() && f.severity == severity).count()
    }

    /// The places those findings are marked at (a grouped finding has several).
    pub fn places(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.is_active() && f.severity == severity)
            .map(|f| f.places.len().max(1))
            .sum()
    }

    /// The protocol and its analysis, if the file loaded without input errors.
    pub fn analysed(&self) -> Option<(&Protocol, &Analysis)> {
        if self.has_input_error() {
            return None;
        }
        Some((self.protocol.as_ref()?, self.analysis.as_ref()?))
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

/// What [`read_bounded`] read: the bytes, or that the input is over
/// [`MAX_FILE_BYTES`] (with its size, where it is known).
#[derive(Debug)]
pub enum Bounded {
    Bytes(Vec<u8>),
    TooLarge(Option<u64>),
}

/// Read `path` whole, never more than [`MAX_FILE_BYTES`] of it: a regular
/// file larger than that is refused from its size, before a byte is read
/// (a sparse file of 3 GiB costs nothing); anything else (a FIFO, a device,
/// a file that grows while read) is read until one byte past the limit.
pub fn read_bounded(path: &std::path::Path) -> std::io::Result<Bounded> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > MAX_FILE_BYTES as u64 {
        return Ok(Bounded::TooLarge(Some(meta.len())));
    }
    let size = meta.is_file().then_some(meta.len());
    read_bounded_from(file, size)
}

/// [`read_bounded`] from any reader (standard input, a pipe from git):
/// reading stops one byte past the limit. `size` is what is known of the
/// input's size, to say in the report.
pub fn read_bounded_from(reader: impl std::io::Read, size: Option<u64>) -> std::io::Result<Bounded> {
    use std::io::Read as _;
    let mut bytes = Vec::with_capacity(size.map_or(0, |s| s.min(MAX_FILE_BYTES as u64) as usize));
    reader.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Ok(Bounded::TooLarge(size.filter(|&s| s > MAX_FILE_BYTES as u64)));
    }
    Ok(Bounded::Bytes(bytes))
}

/// The report for a file over [`MAX_FILE_BYTES`]: `size` is the file's
/// size where it is known (a regular file's length), not the bytes read,
/// since a reader stops one byte past the limit; `None` for a stream.
pub fn too_large(path: &str, size: Option<u64>) -> Report {
    let message = match size {
        Some(size) => format!("this file is {size} bytes, more than the {MAX_FILE_BYTES} escalate accepts"),
        None => format!(
            "this input is more than the {MAX_FILE_BYTES} bytes escalate accepts (reading stopped there)"
        ),
    };
    let finding = Finding::new(Code::FileTooLarge, message)
        .help("a protocol file is a few kilobytes; check that this is the file you meant");
    Report::failed(path, String::new(), finding)
}

/// Check a file's raw bytes: refuse what is too large or not UTF-8.
pub fn check_bytes(path: &str, bytes: Vec<u8>) -> Report {
    if bytes.len() > MAX_FILE_BYTES {
        return too_large(path, Some(bytes.len() as u64));
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
    match load(&source) {
        Ok(protocol) => {
            let analysis = Analysis::of(&protocol);
            let findings = checks::run(&protocol, &analysis);
            Report {
                path: path.to_string(),
                source,
                protocol: Some(protocol),
                analysis: Some(analysis),
                findings,
            }
        }
        Err(findings) => Report { path: path.to_string(), source, protocol: None, analysis: None, findings },
    }
}

/// Parse and resolve, then run the checks if that succeeded.
pub fn analyse(source: &str) -> (Option<Protocol>, Vec<Finding>) {
    match load(source) {
        Ok(protocol) => {
            let findings = checks::run(&protocol, &Analysis::of(&protocol));
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
                .help("start with `protocol \"<title>\"`; `escalate init` writes a whole example"),
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

    /// Counts the bytes this thread allocates, so that a test can measure
    /// work in a unit that other tests running alongside do not disturb.
    struct Counting;

    thread_local! {
        static ALLOCATED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    // SAFETY: every call is passed on to the system allocator unchanged.
    unsafe impl std::alloc::GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
            let _ = ALLOCATED.try_with(|n| n.set(n.get() + layout.size()));
            // SAFETY: the caller's contract, passed on.
            unsafe { std::alloc::System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
            // SAFETY: the caller's contract, passed on.
            unsafe { std::alloc::System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATED.try_with(|n| n.set(n.get() + new_size));
            // SAFETY: the caller's contract, passed on.
            unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// Bytes allocated on this thread while `f` runs.
    fn allocated_by<T>(f: impl FnOnce() -> T) -> usize {
        let before = ALLOCATED.with(|n| n.get());
        drop(f());
        ALLOCATED.with(|n| n.get()) - before
    }

    /// A protocol of `n` stages none of which has a route for a child at
    /// immediate risk: one finding grouped at `n` places.
    fn grouped_at(n: usize) -> Report {
        let mut src = String::from("protocol \"P\"\noutcome agreed \"A\"\nat any stage: record \"R\"\n");
        for i in 1..=n {
            let next =
                if i == n { "final decision".to_string() } else { format!("unresolved -> stage {}", i + 1) };
            src.push_str(&format!(
                "stage {i} \"S{i}\" {{\n  within 1 working day\n  resolved -> agreed\n  {next}\n}}\n"
            ));
        }
        let report = check_source("grouped.esc", src);
        let grouped = report.findings.iter().find(|f| f.code == Code::MissingImmediateRiskExit);
        assert_eq!(grouped.map(|f| f.places.len()), Some(n));
        report
    }

    /// Issue 27: a finding at P places took P² in every output that lists
    /// places. At P, 3P and 9P places each output's allocations grow about
    /// threefold and ninefold (they grew ninefold and 81-fold).
    #[test]
    fn outputs_of_a_grouped_finding_grow_linearly_with_its_places() {
        let reports: Vec<Report> = [300, 900, 2700].into_iter().map(grouped_at).collect();
        type Output = fn(&[Report]) -> String;
        let outputs: [(&str, Output); 3] = [
            ("json", render::json::render),
            ("sarif", render::sarif::render),
            ("github", render::github::render),
        ];
        for (name, output) in outputs {
            let bytes: Vec<usize> =
                reports.iter().map(|r| allocated_by(|| output(std::slice::from_ref(r)))).collect();
            assert!(bytes[1] < bytes[0] * 4 && bytes[2] < bytes[0] * 12, "{name}: {bytes:?}");
        }
        let per_location: Vec<usize> = reports
            .iter()
            .map(|r| allocated_by(|| r.findings.iter().flat_map(Finding::per_location).count()))
            .collect();
        let bytes = &per_location;
        assert!(bytes[1] < bytes[0] * 4 && bytes[2] < bytes[0] * 12, "per place: {bytes:?}");
    }
}

/// The counts every output states, in one unit: a **finding** is one
/// problem, with every place it is marked at (five stages with no route for
/// a child at immediate risk are one finding at five places). Outputs that
/// list places (JSON, SARIF, GitHub annotations) say both numbers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub errors: usize,
    pub error_places: usize,
    pub warnings: usize,
    pub warning_places: usize,
    /// Findings silenced by `allow`.
    pub silenced: usize,
}

impl Totals {
    pub fn of<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Totals {
        let mut t = Totals::default();
        for r in reports {
            t.errors += r.count(Severity::Error);
            t.error_places += r.places(Severity::Error);
            t.warnings += r.count(Severity::Warning);
            t.warning_places += r.places(Severity::Warning);
            t.silenced += r.findings.iter().filter(|f| !f.is_active()).count();
        }
        t
    }

    /// `2 errors, 1 warning`; `8 errors at 22 places, 44 warnings at 52
    /// places` when findings are marked at several places.
    pub fn words(&self) -> String {
        let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
        let at = |n: usize, places: usize, word: &str| {
            if places == n { plural(n, word) } else { format!("{} at {places} places", plural(n, word)) }
        };
        let mut text = format!(
            "{}, {}",
            at(self.errors, self.error_places, "error"),
            at(self.warnings, self.warning_places, "warning")
        );
        if self.silenced > 0 {
            text.push_str(&format!(" ({} silenced by `allow`)", self.silenced));
        }
        text
    }
}
