//! Findings as miette's graphical report, with the file's name and context.

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::borrow::Cow;
use std::fmt;

use crate::Report;
use crate::diagnostic::Finding;

/// A finding together with the file it points into: its labels, placed in
/// the text shown, and a note when that text is only an excerpt.
struct Shown<'a> {
    finding: &'a Finding,
    source: &'a dyn SourceCode,
    labels: Vec<LabeledSpan>,
    note: Option<String>,
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
        let mut more = format!("for more, run `escalate explain {}`", self.finding.code);
        if let Some(note) = &self.note {
            more = format!("{note}\n{more}");
        }
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

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A line longer than this (in bytes) is never quoted whole: a finding on it
/// is shown with an [`Excerpt`] around its first place. miette pads with
/// `format!` widths, which Rust limits to 65,535, so a place past that column
/// would make it panic; and no reader wants 70,000 characters of one line.
const LONG_LINE: usize = 2_000;

/// How much of a long line an excerpt shows before and after its place, and
/// at most of the place itself (in bytes).
const EXCERPT_AROUND: usize = 120;
const EXCERPT_PLACE: usize = 400;

/// The part of one long line that a finding is shown with: `…`, the text
/// around its first place, `…`. Lines and columns are those of the file.
struct Excerpt {
    name: String,
    text: String,
    /// The line's number (from 0) in the file.
    line: usize,
    /// How many characters of the line come before the excerpt's first
    /// character (the `…` stands for them).
    column: usize,
    /// Whether the excerpt starts with `…`.
    cut_before: bool,
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // One line: with any context, the whole excerpt.
        let inner = self.text.as_str().read_span(span, context_lines_before, context_lines_after)?;
        let before = self.text.get(..span.offset()).ok_or(MietteError::OutOfBounds)?.chars().count();
        let column = self.column + before - usize::from(self.cut_before);
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            self.line,
            column,
            inner.line_count(),
        )
        .with_language("escalate");
        Ok(Box::new(contents))
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
struct Source<'t> {
    name: String,
    /// The file's own text, unless a character had to be replaced: a large
    /// file is not copied to be quoted (issue 27).
    text: Cow<'t, str>,
    /// Where each line of `text` starts.
    line_starts: Vec<usize>,
    /// For each replaced character: its offset in the file, and how many
    /// bytes longer the text shown is after it (all replacements so far).
    shifts: Vec<(usize, usize)>,
}

impl<'t> Source<'t> {
    fn new(name: &str, text: &'t str) -> Source<'t> {
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
            Cow::Owned(shown)
        } else {
            Cow::Borrowed(text)
        };
        let mut line_starts = vec![0];
        line_starts.extend(shown.match_indices('\n').map(|(i, _)| i + 1));
        Source { name: visible_line(name), text: shown, line_starts, shifts }
    }

    /// Where a byte offset of the file is in the text shown.
    fn shown_offset(&self, offset: usize) -> usize {
        let offset = match self.shifts.partition_point(|&(at, _)| at < offset) {
            0 => offset,
            n => offset + self.shifts[n - 1].1,
        };
        offset.min(self.text.len())
    }

    /// The line (from 0) holding a byte offset of the text shown, and where
    /// that line starts and ends (before its line break).
    fn line_of(&self, offset: usize) -> (usize, usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0).min(self.text.len());
        let mut end = self.line_starts.get(line + 1).map_or(self.text.len(), |&next| next.saturating_sub(1));
        // A CRLF line ends before its CR: an excerpt never holds it raw.
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        (line, start, end.max(start))
    }

    /// A finding's labels, moved to where their text is in the text shown;
    /// and, when one of them is on a line longer than [`LONG_LINE`], the
    /// excerpt to show instead, with the labels moved into it and a note
    /// saying what is left out.
    fn place(&self, finding: &Finding) -> (Vec<LabeledSpan>, Option<(Excerpt, String)>) {
        let mut labels: Vec<LabeledSpan> = finding
            .labels()
            .into_iter()
            .flatten()
            .map(|l| {
                let start = self.shown_offset(l.offset());
                let end = self.shown_offset(l.offset() + l.len()).max(start);
                LabeledSpan::new_with_span(l.label().map(visible), SourceSpan::new(start.into(), end - start))
            })
            .collect();
        let long = |offset: usize| {
            let (_, start, end) = self.line_of(offset);
            end - start > LONG_LINE
        };
        labels.sort_by_key(LabeledSpan::offset);
        let Some(anchor) = labels.iter().find(|l| long(l.offset()) || long(l.offset() + l.len())) else {
            return (labels, None);
        };
        let first = anchor.offset();
        let (line, line_start, line_end) = self.line_of(first);
        let from = floor_boundary(&self.text, first.saturating_sub(EXCERPT_AROUND).max(line_start));
        let place_end = (first + anchor.len()).min(first + EXCERPT_PLACE).min(line_end);
        let to = floor_boundary(&self.text, (place_end + EXCERPT_AROUND).min(line_end)).max(from);
        let cut_before = from > line_start;
        let cut_after = to < line_end;
        let ellipsis = if cut_before { '…'.len_utf8() } else { 0 };
        let mut text = String::with_capacity(to - from + 6);
        if cut_before {
            text.push('…');
        }
        text.push_str(&self.text[from..to]);
        if cut_after {
            text.push('…');
        }
        let mut kept = Vec::new();
        let mut left_out = 0;
        for label in labels {
            let (start, end) = (label.offset(), label.offset() + label.len());
            if start < from || start > to {
                left_out += 1;
                continue;
            }
            let end = end.min(to);
            let span = SourceSpan::new((start - from + ellipsis).into(), end - start);
            kept.push(LabeledSpan::new_with_span(label.label().map(str::to_string), span));
        }
        let characters = self.text[line_start..line_end].chars().count();
        let column = self.text[line_start..from].chars().count();
        let mut note = format!(
            "line {} is {characters} characters long: only the part around column {} is shown",
            line + 1,
            self.text[line_start..first].chars().count() + 1
        );
        if left_out > 0 {
            let places = if left_out == 1 { "place" } else { "places" };
            note.push_str(&format!(" ({left_out} more {places} in `--format json`)"));
        }
        let excerpt = Excerpt { name: self.name.clone(), text, line, column, cut_before };
        (kept, Some((excerpt, note)))
    }
}

/// The nearest character boundary of `text` at or before `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Source<'_> {
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

/// The one way a user-supplied string (a file name, an argument, a glob or
/// a name from `.escalate.toml`, git's words about them) is shown on a
/// terminal or in a CI log: every control character, the line break too,
/// is shown as its symbol (`␛`, `␊`), so that no such string can drive the
/// terminal or start a line of its own (such as a forged `::error`
/// workflow command). Every command's output and messages use it
/// (`cli::error`, `cli::shown`, the reports' file names, `fmt --diff`'s
/// headers, `test`, `compare`, `diff`).
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
    let mut out = String::new();
    // Indexed only if a finding is to be shown (a clean file of 23 MB: 9 MB
    // of line starts for nothing).
    let source =
        report.findings.iter().any(|f| f.is_active()).then(|| Source::new(&report.path, &report.source));
    for (finding, source) in report.findings.iter().filter(|f| f.is_active()).zip(source.iter().cycle()) {
        let (labels, excerpt) = source.place(finding);
        let rendered = match &excerpt {
            Some((excerpt, note)) => {
                let shown = Shown { finding, source: excerpt, labels, note: Some(note.clone()) };
                handler.render_report(&mut out, &shown)
            }
            None => handler.render_report(&mut out, &Shown { finding, source, labels, note: None }),
        };
        if rendered.is_err() {
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
