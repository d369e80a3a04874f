//! Findings as miette's graphical report, with the file's name and context.

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::fmt;

use crate::Report;
use crate::diagnostic::Finding;

/// A finding together with the file it points into.
struct Shown<'a> {
    finding: &'a Finding,
    source: &'a Source,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.finding, f)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&visible(&self.finding.message))
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

    /// The finding's help, then where to read more: every report points to
    /// `escalate explain`.
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let more = format!("for more, run `escalate explain {}`", self.finding.code);
        Some(Box::new(match self.finding.help() {
            Some(help) => format!("{}\n{more}", visible(&help.to_string())),
            None => more,
        }))
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding.url()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    /// The finding's labels, moved to where their text is in the shown source.
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.finding.labels()?.map(|l| {
            let start = self.source.shown_offset(l.offset());
            let end = self.source.shown_offset(l.offset() + l.len());
            LabeledSpan::new_with_span(l.label().map(visible), SourceSpan::new(start.into(), end - start))
        });
        Some(Box::new(labels))
    }
}

/// A file's text as reports quote it.
///
/// Control characters are shown as symbols (`␛` for escape): written as they
/// are, they would act on the reader's terminal, and the report quotes the
/// very text that holds them. Line breaks and tabs stay; a lone carriage
/// return (no line break to miette's reader or ours) is shown as `␍`.
///
/// Lines are indexed once, so quoting a line costs the same anywhere in the
/// file: miette's own reader counts lines from the start for every finding,
/// which makes a large file with many findings take quadratic time.
struct Source {
    name: String,
    text: String,
    /// Where each line of `text` starts.
    line_starts: Vec<usize>,
    /// For each replaced character: its offset in the file, and how many
    /// bytes longer the text shown is after it (all replacements so far).
    shifts: Vec<(usize, usize)>,
}

impl Source {
    fn new(name: &str, text: &str) -> Source {
        let mut shifts = Vec::new();
        let lone_cr = text.match_indices('\r').any(|(at, _)| text.as_bytes().get(at + 1) != Some(&b'\n'));
        let shown = if lone_cr || text.chars().any(needs_symbol) {
            let mut shown = String::with_capacity(text.len());
            let mut extra = 0;
            let mut chars = text.char_indices().peekable();
            while let Some((at, c)) = chars.next() {
                let lone_cr = c == '\r' && chars.peek().is_none_or(|&(_, next)| next != '\n');
                if needs_symbol(c) || lone_cr {
                    let symbol = symbol(c);
                    extra += symbol.len_utf8() - c.len_utf8();
                    shifts.push((at, extra));
                    shown.push(symbol);
                } else {
                    shown.push(c);
                }
            }
            shown
        } else {
            text.to_string()
        };
        let mut line_starts = vec![0];
        line_starts.extend(shown.match_indices('\n').map(|(i, _)| i + 1));
        Source { name: visible_line(name), text: shown, line_starts, shifts }
    }

    /// Where a byte offset of the file is in the text shown.
    fn shown_offset(&self, offset: usize) -> usize {
        match self.shifts.partition_point(|&(at, _)| at < offset) {
            0 => offset,
            n => offset + self.shifts[n - 1].1,
        }
    }
}

impl SourceCode for Source {
    /// miette's reader, given only the text from the first line it will show.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let line = self.line_starts.partition_point(|&s| s <= span.offset()).saturating_sub(1);
        let first = line.saturating_sub(context_lines_before);
        let base = self.line_starts.get(first).copied().unwrap_or(0).min(self.text.len());
        let offset = span.offset().checked_sub(base).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(offset.into(), span.len());
        let inner = self.text[base..].read_span(&local, context_lines_before, context_lines_after)?;
        // miette counts the column in bytes; the header `file:line:column`
        // (read with no context) counts characters, as the JSON report and
        // editors do.
        let column = match (context_lines_before, self.text.get(base..span.offset())) {
            (0, Some(before)) => before.chars().count(),
            _ => inner.column(),
        };
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + first,
            column,
            inner.line_count(),
        )
        .with_language("escalate");
        Ok(Box::new(contents))
    }
}

/// Control characters but tab and line break: shown as symbols.
fn needs_symbol(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The symbol shown for a control character: its Control Pictures sign
/// (`␀`..`␟`, `␡`), or `�` for the C1 controls, which have none.
fn symbol(c: char) -> char {
    match u32::from(c) {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// One line of text (a message, a label, a path) with every control
/// character but the line break shown as a symbol. Also for the file names
/// other commands print: a name in a policy repository may hold anything.
pub fn visible(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\n' { symbol(c) } else { c }).collect()
}

/// [`visible`], for text that must stay on one line (a file name, a name
/// from `.escalate.toml`): a line break is shown as `␊` too, so that no
/// name can start a line of its own (such as a forged `::error` command).
pub fn visible_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { symbol(c) } else { c }).collect()
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
    let source = Source::new(&report.path, &report.source);
    let mut out = String::new();
    for finding in report.findings.iter().filter(|f| f.is_active()) {
        let shown = Shown { finding, source: &source };
        if handler.render_report(&mut out, &shown).is_err() {
            out.push_str(&format!("{}: {}\n", finding.code, visible(&finding.message)));
        }
        out.push('\n');
    }
    // Silenced findings stay visible, one line each, with their reasons.
    for finding in report.findings.iter().filter(|f| !f.is_active()) {
        out.push_str(&format!(
            "{}: silenced {}: {} (allowed: \"{}\")\n",
            visible_line(&report.path),
            finding.code,
            visible(&finding.message),
            visible(finding.allowed.as_deref().unwrap_or_default())
        ));
    }
    out
}
