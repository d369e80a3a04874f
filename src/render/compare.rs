//! `escalate compare` output: the protocols side by side (a terminal table
//! or Markdown, one column per protocol), or one record per protocol (CSV,
//! JSON) for spreadsheets and scripts.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::compare::Summary;

/// Each column's heading: the file's name, or, when two files share a name
/// (two versions of one protocol, `old/hull.esc` and `new/hull.esc`), the
/// path as given, so the columns can be told apart.
fn headings(summaries: &[Summary]) -> Vec<String> {
    let shared = |name: &str| summaries.iter().filter(|s| s.name == name).count() > 1;
    // A file name can hold a line break or an escape: shown as every
    // user string is on a terminal (`human::visible_line`).
    let mut headings: Vec<String> = summaries
        .iter()
        .map(|s| {
            crate::render::human::visible_line(if shared(&s.name) {
                s.file.strip_suffix(".esc").unwrap_or(&s.file)
            } else {
                &s.name
            })
        })
        .collect();
    // The same file twice: number the columns.
    for i in 0..headings.len() {
        let same: Vec<usize> = (0..headings.len()).filter(|&j| headings[j] == headings[i]).collect();
        if same.len() > 1 {
            for (n, j) in same.into_iter().enumerate() {
                headings[j] = format!("{} ({})", headings[j], n + 1);
            }
        }
    }
    headings
}

/// The rows of the side-by-side table: a label and each protocol's cell.
fn rows(summaries: &[Summary]) -> Vec<(String, Vec<String>)> {
    let row = |f: &dyn Fn(&Summary) -> String| summaries.iter().map(f).collect::<Vec<_>>();
    let mut rows: Vec<(&str, Vec<String>)> = vec![
        ("protocol", row(&|s| s.title.clone())),
        ("stages", row(&stages)),
        ("parties by level", row(&levels)),
        ("overall limit", row(&|s| s.limit.clone().unwrap_or_else(|| "none stated".to_string()))),
        ("worst case to an end", row(&worst_case)),
        ("immediate risk covered", row(&coverage)),
        ("final authority", row(&authority)),
        ("errors", row(&|s| counted(s.findings.errors, &s.findings.error_codes))),
        ("warnings", row(&|s| counted(s.findings.warnings, &s.findings.warning_codes))),
    ];
    if summaries.iter().any(|s| s.edition.is_some()) {
        rows.insert(1, ("edition", row(&|s| s.edition.clone().unwrap_or_else(|| "not stated".to_string()))));
    }
    if summaries.iter().any(|s| s.findings.silenced > 0) {
        rows.push(("silenced by allow", row(&|s| s.findings.silenced.to_string())));
    }
    let mut rows: Vec<(String, Vec<String>)> = rows.into_iter().map(|(l, c)| (l.to_string(), c)).collect();
    // A protocol with several pathways of equal standing: one row each,
    // under the first's (which `worst case to an end` shows).
    let most = summaries.iter().map(|s| s.pathways.len()).max().unwrap_or(0);
    if most > 1
        && let Some(at) = rows.iter().position(|(l, _)| l == "worst case to an end")
    {
        let extra = (0..most).map(|k| {
            let cells = row(&|s| match s.pathways.get(k) {
                Some(p) => format!("{}: {}", p.name, worst_text(Some(&p.worst_case))),
                None if k == 0 => worst_case(s),
                None => String::new(),
            });
            (format!("worst case, pathway {}", k + 1), cells)
        });
        rows.splice(at..=at, extra);
    }
    rows
}

fn stages(s: &Summary) -> String {
    let mut main = plural(s.stages.main, "stage");
    if s.stages.parallel_pathways > 0 {
        let parallel = format!(
            "{} in {}",
            plural(s.stages.parallel, "stage"),
            plural(s.stages.parallel_pathways, "pathway")
        );
        main = if s.stages.main == 0 { parallel } else { format!("{main}, {parallel}") };
    }
    match s.stages.exceptions {
        0 => main,
        n => format!(
            "{main}, and {} in {}",
            n,
            if s.stages.pathways == 1 {
                "1 exception".to_string()
            } else {
                plural(s.stages.pathways, "exception")
            }
        ),
    }
}

fn levels(s: &Summary) -> String {
    let mut parts: Vec<String> =
        s.levels.iter().map(|l| format!("L{}: {}", l.level, l.parties.len())).collect();
    if !s.unlevelled.is_empty() {
        parts.push(format!("no level: {}", s.unlevelled.len()));
    }
    if parts.is_empty() { "no parties".to_string() } else { parts.join(", ") }
}

fn worst_case(s: &Summary) -> String {
    worst_text(s.worst_case.as_ref())
}

fn worst_text(w: Option<&crate::compare::WorstCase>) -> String {
    match w {
        None => "never ends".to_string(),
        Some(w) if w.unbounded => {
            format!("at least {}, no bound ({})", plural(w.days as usize, "working day"), w.end)
        }
        Some(w) => format!("{} ({})", plural(w.days as usize, "working day"), w.end),
    }
}

fn coverage(s: &Summary) -> String {
    let c = &s.immediate_risk;
    let mut text = format!("{} of {} stages", c.covered, c.total);
    if c.slow > 0 {
        text.push_str(&format!(" ({} more not at once)", c.slow));
    }
    text
}

fn authority(s: &Summary) -> String {
    if s.final_authorities.is_empty() {
        return "none".to_string();
    }
    let parts: Vec<String> = s
        .final_authorities
        .iter()
        .map(|a| format!("{} by {} ({})", a.kind, a.who.join(", "), a.stage))
        .collect();
    format!("yes: {}", parts.join("; "))
}

fn counted(total: usize, codes: &BTreeMap<String, usize>) -> String {
    if total == 0 {
        return "0".to_string();
    }
    let parts: Vec<String> =
        codes.iter().map(|(c, &n)| if n == 1 { c.clone() } else { format!("{c} ×{n}") }).collect();
    format!("{total}: {}", parts.join(", "))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// A table for a terminal `width` columns wide: one column per protocol,
/// cells wrapped to fit (by `comfy-table`). Words are never broken (codes
/// such as `missing-immediate-risk-exit` must stay whole to be read and
/// copied): when the protocols do not fit side by side, each gets a block
/// of its own, one under the other.
pub fn table(summaries: &[Summary], width: usize) -> String {
    // Keep `L3: 4` and `dead-end ×2` on one line each: a no-break space
    // (one column wide, as a space) joins them for the wrapping below.
    let keep = |label: &str, text: &str| {
        let text = text.replace(" ×", "\u{a0}×");
        if label == "parties by level" { text.replace(": ", ":\u{a0}") } else { text }
    };
    let rows: Vec<(String, Vec<String>)> = rows(summaries)
        .into_iter()
        .map(|(label, cells)| {
            let cells = cells.iter().map(|c| keep(&label, c)).collect();
            (label, cells)
        })
        .collect();
    let headings = headings(summaries);
    let label = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    // The narrowest each protocol's column can be: its longest word.
    let longest_word = |k: usize| {
        rows.iter()
            .filter_map(|(_, cells)| cells.get(k))
            .chain(headings.get(k))
            .flat_map(|c| c.split(' '))
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0)
    };
    // Each column has a space either side, and a `│` between columns.
    let narrowest = label + 2 + (0..summaries.len()).map(|k| longest_word(k) + 3).sum::<usize>();
    if narrowest <= width || summaries.len() <= 1 {
        let header: Vec<String> = std::iter::once(String::new()).chain(headings.iter().cloned()).collect();
        let body = rows
            .iter()
            .map(|(l, cells)| std::iter::once(l.to_string()).chain(cells.iter().cloned()).collect());
        return draw(header, body, width);
    }
    let mut out = String::new();
    for (k, heading) in headings.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let header = vec![String::new(), heading.clone()];
        let body =
            rows.iter().map(|(l, cells)| vec![l.to_string(), cells.get(k).cloned().unwrap_or_default()]);
        out.push_str(&draw(header, body, width));
    }
    out
}

/// One table: a header row, a rule under it, `│` between columns, no
/// border, at most `width` columns wide where the words allow.
fn draw(header: Vec<String>, rows: impl Iterator<Item = Vec<String>>, width: usize) -> String {
    use comfy_table::{ContentArrangement, ContentLineStyle, LineStyle, Table, TableStyle};
    const STYLE: TableStyle = TableStyle::new()
        .header_lines(ContentLineStyle::none().junction('│'))
        .header_separator(LineStyle::none().fill('─').junction('┼'))
        .content_lines(ContentLineStyle::none().junction('│'));
    let mut table = Table::new();
    table
        .load_style(STYLE)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .set_header(header);
    for row in rows {
        table.add_row(row);
    }
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A Markdown table: one column per protocol.
pub fn markdown(summaries: &[Summary]) -> String {
    // A cell is inline Markdown: every character that could start markup
    // (a tag, an entity, a link, emphasis, code) or end the cell is escaped
    // with a backslash, so a title reads as written and never turns into HTML.
    let cell = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' | '\r' => out.push(' '),
                c => out.push(c),
            }
        }
        out
    };
    let mut out = String::from("|  |");
    for heading in headings(summaries) {
        let _ = write!(out, " {} |", cell(&heading));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(summaries.len()));
    out.push('\n');
    for (label, cells) in rows(summaries) {
        let _ = write!(out, "| **{label}** |");
        for c in cells {
            let _ = write!(out, " {} |", cell(&c));
        }
        out.push('\n');
    }
    out
}

/// CSV (RFC 4180): a header, then one record per protocol.
pub fn csv(summaries: &[Summary]) -> String {
    const HEADER: &[&str] = &[
        "file",
        "name",
        "title",
        "main_stages",
        "exception_stages",
        "exception_pathways",
        "parties_by_level",
        "parties_without_level",
        "limit",
        "worst_case_days",
        "worst_case_unbounded",
        "worst_case_end",
        "immediate_risk_covered",
        "immediate_risk_not_at_once",
        "stages_total",
        "final_authority",
        "errors",
        "warnings",
        "silenced",
        "error_codes",
        "warning_codes",
        "pathway_worst_cases",
    ];
    let mut out = HEADER.join(",") + "\r\n";
    for s in summaries {
        let codes = |m: &BTreeMap<String, usize>| {
            m.iter().map(|(c, n)| format!("{c}:{n}")).collect::<Vec<_>>().join(" ")
        };
        let fields = [
            s.file.clone(),
            s.name.clone(),
            s.title.clone(),
            s.stages.main.to_string(),
            s.stages.exceptions.to_string(),
            s.stages.pathways.to_string(),
            s.levels.iter().map(|l| format!("{}:{}", l.level, l.parties.len())).collect::<Vec<_>>().join(" "),
            s.unlevelled.len().to_string(),
            s.limit.clone().unwrap_or_default(),
            s.worst_case.as_ref().map(|w| w.days.to_string()).unwrap_or_default(),
            s.worst_case.as_ref().map(|w| w.unbounded.to_string()).unwrap_or_default(),
            s.worst_case.as_ref().map(|w| w.end.clone()).unwrap_or_default(),
            s.immediate_risk.covered.to_string(),
            s.immediate_risk.slow.to_string(),
            s.immediate_risk.total.to_string(),
            if s.final_authorities.is_empty() { String::new() } else { authority(s) },
            s.findings.errors.to_string(),
            s.findings.warnings.to_string(),
            s.findings.silenced.to_string(),
            codes(&s.findings.error_codes),
            codes(&s.findings.warning_codes),
            s.pathways
                .iter()
                .map(|p| {
                    let w = &p.worst_case;
                    format!(
                        "{}:{}:{}:{}",
                        p.name,
                        w.days,
                        if w.unbounded { "unbounded" } else { "bounded" },
                        w.end
                    )
                })
                .collect::<Vec<_>>()
                .join(" "),
        ];
        let record: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&record.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One field: quoted if it must be (RFC 4180). A field that a spreadsheet
/// would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a `'` before it, as OWASP advises against CSV
/// injection: a title such as `=HYPERLINK(...)` is then shown as text. No
/// field escalate makes itself starts so (counts and dates are unsigned).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    // Quoted when it holds the separator of any common locale, not only
    // the comma: opened with `;` (Excel's in much of Europe) or a tab, an
    // unquoted `x;=1+1;y` would be split into cells, one a formula.
    if text.contains([',', ';', '\t', '|', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One JSON document, version 1.
pub fn json(summaries: &[Summary]) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        protocols: &'a [Summary],
    }
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&Document { version: 1, protocols: summaries }).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-x"), "'-x");
        assert_eq!(csv_field("+x, y"), "\"'+x, y\"");
        assert_eq!(csv_field("a = b"), "a = b");
        // Opened with another locale's separator, still one cell (issue 26).
        assert_eq!(csv_field("x;=1+1;y"), "\"x;=1+1;y\"");
        assert_eq!(csv_field("x\t=1+1"), "\"x\t=1+1\"");
        assert_eq!(csv_field("x|=1+1"), "\"x|=1+1\"");
    }
}
