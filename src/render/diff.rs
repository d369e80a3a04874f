//! `escalate diff` output: text for a terminal, Markdown to post on a pull
//! request, JSON for scripts.

use std::fmt::Write as _;

use crate::diff::{Change, Diff, FindingRef, Kind};

/// One change in words: `stage 3: within: 5 working days -> 3 working days`.
fn line(c: &Change) -> String {
    let head = if c.what.is_empty() { c.subject.clone() } else { format!("{}: {}", c.subject, c.what) };
    let mut out = match (c.kind, &c.before, &c.after) {
        (Kind::Added, _, Some(after)) if c.what.is_empty() => format!("{head} added: {after}"),
        (Kind::Removed, Some(before), _) if c.what.is_empty() => format!("{head} removed (was {before})"),
        (Kind::Added, _, Some(after)) => format!("{head}: added, {after}"),
        (Kind::Removed, Some(before), _) => format!("{head}: removed (was {before})"),
        (_, Some(before), Some(after)) => format!("{head}: {before} -> {after}"),
        (Kind::Added, ..) => format!("{head}: added"),
        (Kind::Removed, ..) => format!("{head}: removed"),
        (Kind::Changed, ..) => format!("{head} changed"),
    };
    if c.notable {
        out.push_str(match c.kind {
            Kind::Removed => "  [immediate-risk route removed]",
            _ => "  [immediate-risk route added]",
        });
    }
    out
}

fn finding(f: &FindingRef) -> String {
    format!("{} {}: {}", f.severity, f.code, f.message)
}

fn figure(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "none".to_string())
}

/// "4 changes; worst case 21 -> 19 working days; 2 findings fixed".
pub fn summary(d: &Diff) -> String {
    if d.is_same() {
        return "no change in meaning".to_string();
    }
    let mut parts = vec![plural(d.changes.len(), "change")];
    let notable = d.changes.iter().filter(|c| c.notable && c.kind == Kind::Added).count();
    if notable > 0 {
        parts.push(plural(notable, "immediate-risk route") + " added");
    }
    if d.before.worst_case != d.after.worst_case {
        parts.push(format!("worst case {} -> {}", figure(&d.before.worst_case), figure(&d.after.worst_case)));
    }
    if !d.fixed.is_empty() {
        parts.push(format!("{} fixed", plural(d.fixed.len(), "finding")));
    }
    if !d.introduced.is_empty() {
        parts.push(format!("{} introduced", plural(d.introduced.len(), "finding")));
    }
    parts.join("; ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// For a terminal.
pub fn text(d: &Diff) -> String {
    let shown = crate::render::human::visible_line;
    let mut out = format!("{} -> {}: {}\n", shown(&d.old), shown(&d.new), summary(d));
    if d.is_same() {
        return out;
    }
    for c in &d.changes {
        let _ = writeln!(out, "  {}", line(c));
    }
    if d.before.worst_case != d.after.worst_case {
        let _ = writeln!(
            out,
            "  worst case: {} -> {}",
            figure(&d.before.worst_case),
            figure(&d.after.worst_case)
        );
    }
    for f in &d.fixed {
        let _ = writeln!(out, "  fixed: {}", finding(f));
    }
    for f in &d.introduced {
        let _ = writeln!(out, "  introduced: {}", finding(f));
    }
    out
}

/// Inline Markdown: every character that could start markup is escaped, so
/// a title reads as written and never turns into HTML or a link.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::render::human::visible_line(text).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// To post on a pull request.
pub fn markdown(d: &Diff) -> String {
    let mut out = format!("### {} \\-> {}\n\n**{}**\n", md(&d.old), md(&d.new), md(&summary(d)));
    if d.is_same() {
        return out;
    }
    let notable: Vec<&Change> = d.changes.iter().filter(|c| c.notable).collect();
    if !notable.is_empty() {
        out.push_str("\n#### Immediate risk\n\n");
        for c in &notable {
            let _ = writeln!(out, "- {}", md(&line(c)));
        }
    }
    if !d.changes.is_empty() {
        out.push_str("\n#### Changes\n\n| | what | before | after |\n|---|---|---|---|\n");
        for c in &d.changes {
            let what = if c.what.is_empty() { "" } else { &c.what };
            let kind = match c.kind {
                Kind::Added => "added",
                Kind::Removed => "removed",
                Kind::Changed => "changed",
            };
            let _ = writeln!(
                out,
                "| **{}** {} | {} | {} | {} |",
                md(&c.subject),
                kind,
                md(what),
                md(c.before.as_deref().unwrap_or("")),
                md(c.after.as_deref().unwrap_or(""))
            );
        }
    }
    out.push_str("\n#### Figures\n\n| | before | after |\n|---|---|---|\n");
    let _ = writeln!(
        out,
        "| worst case | {} | {} |",
        md(&figure(&d.before.worst_case)),
        md(&figure(&d.after.worst_case))
    );
    let _ = writeln!(out, "| limit | {} | {} |", md(&figure(&d.before.limit)), md(&figure(&d.after.limit)));
    if !d.fixed.is_empty() || !d.introduced.is_empty() {
        out.push_str("\n#### Findings\n\n");
        for f in &d.fixed {
            let _ = writeln!(out, "- fixed: {}", md(&finding(f)));
        }
        for f in &d.introduced {
            let _ = writeln!(out, "- introduced: {}", md(&finding(f)));
        }
    }
    out
}

/// One JSON document.
pub fn json(d: &Diff) -> String {
    let doc = serde_json::json!({
        "old": d.old,
        "new": d.new,
        "same": d.is_same(),
        "summary": summary(d),
        "changes": d.changes,
        "before": d.before,
        "after": d.after,
        "fixed": d.fixed,
        "introduced": d.introduced,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
