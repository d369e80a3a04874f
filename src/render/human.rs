//! Findings as miette's graphical report, with the file's name and context.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

use crate::Report;
use crate::diagnostic::Finding;

/// A finding together with the file it points into.
struct Shown<'a> {
    finding: &'a Finding,
    source: &'a NamedSource<String>,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.finding, f)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.finding, f)
    }
}

impl std::error::Error for Shown<'_> {}

/// Everything from the finding, plus the file's text to quote from.
impl Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.finding.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding.url()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.finding.labels()
    }
}

/// How to draw reports: colours only for a terminal without `NO_COLOR`.
pub fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    // Never split a word at a hyphen: codes such as `unbounded-timescale` in
    // help lines must stay whole to be copied.
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// Every active finding of one file, then a line of totals for it.
pub fn render(report: &Report, handler: &GraphicalReportHandler) -> String {
    let source = NamedSource::new(&report.path, report.source.clone()).with_language("escalate");
    let mut out = String::new();
    for finding in report.findings.iter().filter(|f| f.is_active()) {
        let shown = Shown { finding, source: &source };
        if handler.render_report(&mut out, &shown).is_err() {
            out.push_str(&format!("{}: {}\n", finding.code, finding.message));
        }
        out.push('\n');
    }
    // Silenced findings stay visible, one line each, with their reasons.
    for finding in report.findings.iter().filter(|f| !f.is_active()) {
        out.push_str(&format!(
            "{}: silenced {}: {} (allowed: \"{}\")\n",
            report.path,
            finding.code,
            finding.message,
            finding.allowed.as_deref().unwrap_or_default()
        ));
    }
    out
}

/// `3 errors, 1 warning (2 silenced by allow)`.
pub fn totals(errors: usize, warnings: usize, silenced: usize) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    let mut text = format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"));
    if silenced > 0 {
        text.push_str(&format!(" ({silenced} silenced by `allow`)"));
    }
    text
}
