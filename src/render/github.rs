//! Findings as GitHub Actions workflow commands (`check --format github`):
//! each becomes an annotation on the line of the protocol it is about, in
//! the pull request and the run's summary.
//!
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=CODE::message`,
//! escaped as GitHub's toolkit does: in the message `%`, `\r` and `\n`; in
//! the properties also `:` and `,`. A finding silenced by `allow` becomes a
//! notice, so its reason stays visible.

use std::fmt::Write as _;

use crate::Report;
use crate::diagnostic::Severity;
use crate::span::LineIndex;

/// One workflow command per finding, then the totals as a plain line.
pub fn render(reports: &[Report]) -> String {
    let mut out = String::new();
    for report in reports {
        let lines = LineIndex::new(&report.source);
        // One annotation per location: a grouped finding gives one for each place.
        for f in report.findings.iter().flat_map(|f| f.per_location()) {
            let command = match (&f.allowed, f.severity) {
                (Some(_), _) => "notice",
                (None, Severity::Error) => "error",
                (None, Severity::Warning) => "warning",
            };
            let mut properties = Vec::new();
            if report.path != "<stdin>" {
                let path = super::sarif::relative_path(&report.path).unwrap_or_else(|| report.path.clone());
                properties.push(format!("file={}", property(&path)));
            }
            if let Some(span) = f.span {
                let (line, col) = lines.line_col(span.start);
                let (end_line, end_col) = lines.line_col(span.end);
                properties.push(format!("line={line},col={col},endLine={end_line},endColumn={end_col}"));
            }
            let title = match &f.allowed {
                Some(_) => format!("{} (silenced by allow)", f.code),
                None => f.code.to_string(),
            };
            properties.push(format!("title={}", property(&title)));
            let mut message = f.message.clone();
            if let Some(reason) = &f.allowed {
                let _ = write!(message, " (allowed: \"{reason}\")");
            } else if !f.help.is_empty() {
                let _ = write!(message, "\nhelp: {}", f.help);
            }
            let _ = write!(message, "\nfor more, run `escalate explain {}`", f.code);
            let _ = writeln!(out, "::{command} {}::{}", properties.join(","), data(&message));
        }
    }
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    let warnings: usize = reports.iter().map(|r| r.count(Severity::Warning)).sum();
    let silenced = reports.iter().flat_map(|r| &r.findings).filter(|f| !f.is_active()).count();
    let files = if reports.len() == 1 { "1 file".to_string() } else { format!("{} files", reports.len()) };
    let _ = writeln!(out, "checked {files}: {}", super::human::totals(errors, warnings, silenced));
    out
}

/// A command's message: `%`, `\r`, `\n` escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: as a message, and `:` and `,` too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(data("100% sure\r\nnext"), "100%25 sure%0D%0Anext");
        assert_eq!(property("a:b,c%d\n"), "a%3Ab%2Cc%25d%0A");
    }

    #[test]
    fn one_annotation_per_finding() {
        let report = crate::check_source(
            "dir, with: comma.esc",
            "protocol \"t\"\nstage 1 \"s\" {\n  within 2 working days\n}\n".to_string(),
        );
        let out = render(&[report]);
        assert!(out.contains("::error file=dir%2C with%3A comma.esc,line=2,col=1,"), "{out}");
        assert!(out.contains(",title=dead-end::"), "{out}");
        assert!(out.lines().all(|l| l.starts_with("::") || l.starts_with("checked 1 file")), "{out}");
    }
}
