//! Findings as one JSON document (`check --format json`), version 1.

use serde::Serialize;

use crate::Report;
use crate::diagnostic::{Code, Severity};
use crate::span::LineIndex;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files: Vec<File<'a>>,
    summary: Summary,
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
    errors: usize,
    warnings: usize,
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
    let summary = Summary {
        files: reports.len(),
        errors: reports.iter().map(|r| r.count(Severity::Error)).sum(),
        warnings: reports.iter().map(|r| r.count(Severity::Warning)).sum(),
        allowed: reports.iter().map(|r| r.findings.iter().filter(|f| !f.is_active()).count()).sum(),
    };
    let document = Document { version: 1, files, summary };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}
