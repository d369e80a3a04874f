//! Findings as one JSON document (`check --format json`), schema version 1:
//! documented in `docs/json.md`, and described by `docs/check.schema.json`
//! (the tests validate real output against it).

use serde::Serialize;

use crate::Report;
use crate::diagnostic::{Code, Severity};
use crate::span::LineIndex;

/// The schema's version: raised when a field is removed or changes meaning
/// (new fields may appear within a version).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    /// [`SCHEMA_VERSION`].
    version: u32,
    tool: Tool,
    files: Vec<File<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    protocol: Option<&'a str>,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    code: Code,
    severity: Severity,
    message: &'a str,
    stage: Option<&'a str>,
    line: usize,
    column: usize,
    help: &'a str,
    /// The written reason when an `allow` line silenced this finding.
    allowed: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    /// Findings (one problem each, with all its places), as every output counts them.
    errors: usize,
    warnings: usize,
    /// The places they are marked at: the `diagnostics` entries of that severity.
    error_places: usize,
    warning_places: usize,
    /// Findings silenced by `allow` lines (not counted above).
    allowed: usize,
}

/// The whole JSON document for a run, pretty-printed.
pub fn render(reports: &[Report]) -> String {
    // One result per location: a grouped finding gives one for each place.
    let located: Vec<Vec<_>> =
        reports.iter().map(|r| r.findings.iter().flat_map(|f| f.per_location()).collect()).collect();
    let files = reports
        .iter()
        .zip(&located)
        .map(|(r, located)| {
            let lines = LineIndex::new(&r.source);
            let diagnostics = located
                .iter()
                .map(|f| {
                    let (line, column) = f.span.map_or((1, 1), |s| lines.line_col(s.start));
                    Diagnostic {
                        code: f.code,
                        severity: f.severity,
                        message: &f.message,
                        stage: f.stage.as_deref(),
                        line,
                        column,
                        help: &f.help,
                        allowed: f.allowed.as_deref(),
                    }
                })
                .collect();
            File { path: &r.path, protocol: r.protocol.as_ref().map(|p| p.title.as_str()), diagnostics }
        })
        .collect();
    let t = crate::Totals::of(reports);
    let summary = Summary {
        files: reports.len(),
        errors: t.errors,
        warnings: t.warnings,
        error_places: t.error_places,
        warning_places: t.warning_places,
        allowed: t.silenced,
    };
    let tool = Tool { name: "escalate", version: env!("CARGO_PKG_VERSION") };
    let document = Document { version: SCHEMA_VERSION, tool, files, summary };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}
