//! Findings one line each (`check --format concise`), as compilers and
//! linters print them for editors' problem matchers (ruff's `--output-format
//! concise`, ShellCheck's `-f gcc`):
//!
//! `path:line:col: severity[code] message`
//!
//! A grouped finding gives a line for each of its places; a finding about
//! the whole file is placed at `1:1`. Findings silenced by `allow` are left
//! out (`--format json` or `sarif` keep them). Paths and messages are shown
//! with every control character as a visible symbol
//! ([`super::human::visible_line`]), so a line is always one line.

use std::fmt::Write as _;

use crate::Report;
use crate::diagnostic::Severity;
use crate::span::LineIndex;

/// One line per active finding and place, in the order `check` reports them.
pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        let lines = LineIndex::new(&report.source);
        let path = super::human::visible_line(&report.path);
        for f in report.findings.iter().filter(|f| f.is_active()).flat_map(|f| f.per_location()) {
            let (line, col) = f.span.map_or((1, 1), |span| lines.line_col(span.start));
            let severity = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let message = super::human::visible_line(&f.message);
            let _ = writeln!(out, "{path}:{line}:{col}: {severity}[{}] {message}", f.code);
        }
    }
    out
}
