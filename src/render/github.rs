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
                // Escaped for the workflow command after every control
                // character is shown as a symbol (`human::visible_line`).
                properties.push(format!("file={}", property(&super::human::visible_line(&path))));
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
    let files = if reports.len() == 1 { "1 file".to_string() } else { format!("{} files", reports.len()) };
    let _ = writeln!(out, "checked {files}: {}", crate::Totals::of(reports).words());
    out
}

/// GitHub shows at most this many annotations of each kind (errors,
/// warnings, notices) for one step of a workflow; the rest are dropped.
pub const SHOWN_PER_STEP: usize = 10;

/// A plain line for the log when GitHub will not show every annotation:
/// how many it drops, and where the whole list is.
pub fn limit_note(reports: &[Report], in_step_summary: bool) -> Option<String> {
    // Annotations are one per place, so places are what GitHub drops.
    let findings = || reports.iter().flat_map(|r| &r.findings);
    let t = crate::Totals::of(reports);
    let notices = findings().filter(|f| !f.is_active()).map(|f| f.places.len().max(1)).sum();
    let over: Vec<String> = [
        (t.error_places, "error annotations"),
        (t.warning_places, "warning annotations"),
        (notices, "notices"),
    ]
    .into_iter()
    .filter(|&(n, _)| n > SHOWN_PER_STEP)
    .map(|(n, kind)| format!("{n} {kind}"))
    .collect();
    if over.is_empty() {
        return None;
    }
    let whole = if in_step_summary {
        "every finding is listed in this step's summary"
    } else {
        "run `escalate check` to see every finding, or set GITHUB_STEP_SUMMARY to list them in the step's summary"
    };
    Some(format!(
        "note: GitHub shows only the first {SHOWN_PER_STEP} errors, {SHOWN_PER_STEP} warnings and \
         {SHOWN_PER_STEP} notices of a step as annotations, and there are {}: {whole}\n",
        over.join(", ")
    ))
}

/// Every finding as a Markdown table, for `$GITHUB_STEP_SUMMARY` (GitHub
/// shows it on the run's page), under a heading with the totals.
pub fn step_summary(reports: &[Report]) -> String {
    let files = if reports.len() == 1 { "1 file".to_string() } else { format!("{} files", reports.len()) };
    let mut out = format!(
        "### escalate check\n\nchecked {files}: {}\n\n",
        markdown(&crate::Totals::of(reports).words())
    );
    if reports.iter().all(|r| r.findings.is_empty()) {
        return out;
    }
    out.push_str("| where | severity | code | finding |\n|---|---|---|---|\n");
    for report in reports {
        let lines = LineIndex::new(&report.source);
        let path = super::sarif::relative_path(&report.path).unwrap_or_else(|| report.path.clone());
        let path = super::human::visible_line(&path);
        for f in &report.findings {
            let place = match f.span {
                Some(span) => format!("{path}:{}", lines.line_col(span.start).0),
                None => path.clone(),
            };
            let severity = match (&f.allowed, f.severity) {
                (Some(_), _) => "silenced",
                (None, Severity::Error) => "error",
                (None, Severity::Warning) => "warning",
            };
            let mut finding = f.message.clone();
            match &f.allowed {
                Some(reason) => {
                    let _ = write!(finding, " (allowed: \"{reason}\")");
                }
                None if !f.help.is_empty() => {
                    let _ = write!(finding, "; help: {}", f.help);
                }
                None => {}
            }
            let _ = writeln!(
                out,
                "| {} | {severity} | `{}` | {} |",
                markdown(&place),
                f.code,
                markdown(&finding)
            );
        }
    }
    out.push_str("\n`escalate explain CODE` explains each code.\n");
    out
}

/// Text for a Markdown table cell: no line breaks, `|` escaped, and outside
/// `code` spans HTML (which GitHub's Markdown would read) written as
/// entities (inside them, entities would show as written).
///
/// Code spans are found as CommonMark finds them: a run of n backticks opens
/// one only if a run of exactly n backticks follows to close it; a run with
/// no partner is plain text, and what follows it is escaped. (Counting each
/// backtick as a switch let three backticks in a title leave a raw `<img>`
/// in the summary, issue 26.)
fn markdown(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    // Where the code span opened at `i` (a run of `n`) closes, if it does.
    let closing = |from: usize, n: usize| {
        let mut j = from;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = run_at(j);
                if m == n {
                    return Some(j);
                }
                j += m;
            } else {
                j += 1;
            }
        }
        None
    };
    let mut out = String::with_capacity(text.len());
    let cell = |out: &mut String, c: char, in_code: bool| match c {
        '|' => out.push_str("\\|"),
        '<' if !in_code => out.push_str("&lt;"),
        '>' if !in_code => out.push_str("&gt;"),
        '&' if !in_code => out.push_str("&amp;"),
        '\n' | '\r' => out.push(' '),
        c if c.is_control() => {}
        c => out.push(c),
    };
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            cell(&mut out, chars[i], false);
            i += 1;
            continue;
        }
        let n = run_at(i);
        out.extend(std::iter::repeat_n('`', n));
        if let Some(end) = closing(i + n, n) {
            for &c in &chars[i + n..end] {
                cell(&mut out, c, true);
            }
            out.extend(std::iter::repeat_n('`', n));
            i = end + n;
        } else {
            i += n;
        }
    }
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
    fn html_after_an_unclosed_run_of_backticks_is_escaped() {
        assert_eq!(markdown("```<img src=x>`"), "```&lt;img src=x&gt;`");
        assert_eq!(markdown("`a<b` and ``c`d<e``"), "`a<b` and ``c`d<e``");
        assert_eq!(markdown("`x` <b>"), "`x` &lt;b&gt;");
        assert_eq!(markdown("a|b\nc"), "a\\|b c");
    }

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

    #[test]
    fn step_summary_cells_cannot_break_the_table() {
        assert_eq!(markdown("a|b <i>&\nc"), "a\\|b &lt;i&gt;&amp; c");
        assert_eq!(markdown("add `x -> <y>` | <z>"), "add `x -> <y>` \\| &lt;z&gt;");
    }
}
