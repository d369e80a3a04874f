//! The pathway diagram as Graphviz DOT, for `dot -Tsvg` (`--engine graphviz`)
//! or any tool that reads DOT.
//!
//! Node ids are escalate's own (`n0`, `n1`, ...); every user string goes
//! through [`quote`]. Exits share a rank with the stage they leave from, so
//! `dot` draws them beside it, as the printed ladders do.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::diagram::{Diagram, EdgeKind, Kind, Node, Style, clean, mark, wrap};

/// Characters a line of a label holds before it wraps, by node kind.
fn line_chars(kind: Kind) -> usize {
    match kind {
        Kind::Exit | Kind::DeadEnd => 28,
        _ => 42,
    }
}

/// Render a diagram as DOT.
pub fn render(d: &Diagram) -> String {
    let mut out = String::with_capacity(8 * 1024);
    out.push_str("digraph escalation {\n");
    let mut title = wrap(&d.title, 60);
    if let Some(source) = &d.source {
        title.extend(wrap(&format!("Source: {source}"), 80));
    }
    if let Some(limit) = &d.limit {
        title.extend(wrap(&format!("Overall time limit: {limit}"), 80));
    }
    let _ = writeln!(
        out,
        "  graph [label={}, labelloc=t, labeljust=l, fontname=\"Helvetica\", fontsize=13, rankdir=TB, \
         nodesep=0.35, ranksep=0.4, newrank=true];",
        quote_left(&title)
    );
    out.push_str(
        "  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=filled, fillcolor=\"#ffffff\"];\n",
    );
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10, color=\"#1f2937\"];\n");

    for (s, section) in d.sections.iter().enumerate() {
        let indent = if section.header.is_some() { "    " } else { "  " };
        if let Some(header) = &section.header {
            let _ = writeln!(out, "  subgraph cluster_{s} {{");
            let _ = writeln!(
                out,
                "    label={}; style=\"dashed,rounded\"; color=\"#9ca3af\"; fontname=\"Helvetica-Bold\"; fontsize=12;",
                quote(&clean(header))
            );
        }
        for slot in &section.slots {
            for &n in std::iter::once(&slot.main).chain(&slot.side) {
                let _ = writeln!(out, "{indent}n{n} [{}];", node_attrs(&d.nodes[n]));
            }
            if !slot.side.is_empty() {
                let same: Vec<String> =
                    std::iter::once(&slot.main).chain(&slot.side).map(|n| format!("n{n};")).collect();
                let _ = writeln!(out, "{indent}{{ rank=same; {} }}", same.join(" "));
            }
        }
        if section.header.is_some() {
            out.push_str("  }\n");
        }
    }

    // The column order is the layout: consecutive nodes of a column are
    // joined by a weighted edge (an invisible one if no route joins them),
    // and every other route leaves the ranks alone, so that `dot` keeps the
    // ladder straight instead of pulling a stage up to meet a side route.
    let mut spine = BTreeSet::new();
    for section in &d.sections {
        for pair in section.slots.windows(2) {
            spine.insert((pair[0].main, pair[1].main));
        }
    }
    // Each exception below the pathway before it, not beside it.
    for pair in d.sections.windows(2) {
        if let (Some(last), Some(first)) = (pair[0].slots.last(), pair[1].slots.first()) {
            spine.insert((last.main, first.main));
        }
    }
    for e in &d.edges {
        let mut attrs = Vec::new();
        if let Some(label) = &e.label {
            attrs.push(format!("label={}", quote(&wrap(label, 24).join("\n"))));
        }
        match e.kind {
            EdgeKind::Exit => {
                attrs.push("style=dashed, color=\"#b91c1c\", fontcolor=\"#b91c1c\"".to_string())
            }
            EdgeKind::Missing => {
                attrs.push("style=dotted, color=\"#b91c1c\", fontcolor=\"#b91c1c\"".to_string())
            }
            EdgeKind::Flow | EdgeKind::Yes | EdgeKind::No if e.dashed => {
                attrs.push("style=dashed".to_string())
            }
            EdgeKind::Flow | EdgeKind::Yes | EdgeKind::No => {}
        }
        if spine.contains(&(e.from, e.to)) {
            attrs.push("weight=4".to_string());
        } else if e.kind != EdgeKind::Exit && !matches!(d.nodes[e.to].kind, Kind::Outcome | Kind::Goto) {
            // Routes into outcomes may rank them (they are last anyway);
            // a route to a stage further down or back up may not.
            attrs.push("constraint=false".to_string());
        }
        let _ = writeln!(out, "  n{} -> n{} [{}];", e.from, e.to, attrs.join(", "));
    }
    let routed: BTreeSet<(usize, usize)> = d.edges.iter().map(|e| (e.from, e.to)).collect();
    for &(a, b) in &spine {
        if !routed.contains(&(a, b)) {
            let _ = writeln!(out, "  n{a} -> n{b} [style=invis, weight=4];");
        }
    }

    let legend = legend(d);
    if !legend.is_empty() {
        let _ = writeln!(
            out,
            "  legend [shape=note, fillcolor=\"#f9fafb\", fontsize=10, label={}];",
            quote_left(&legend)
        );
        // Below everything else.
        if let Some(last) = d.sections.last().and_then(|s| s.slots.last()) {
            let _ = writeln!(out, "  n{} -> legend [style=invis];", last.main);
        }
    }
    out.push_str("}\n");
    out
}

fn node_attrs(node: &Node) -> String {
    let mut lines = Vec::new();
    for t in &node.texts {
        let chars = if t.style == Style::Title { line_chars(node.kind) } else { line_chars(node.kind) + 4 };
        lines.extend(wrap(&t.text, chars));
    }
    for m in node.marks.iter().filter_map(|&c| mark(c)) {
        lines.push(format!("[{}] {}", m.letter, m.words));
    }
    let (shape, colour) = match node.kind {
        Kind::Start => ("shape=box, style=\"rounded,filled\", fillcolor=\"#f3f4f6\"", "#4b5563"),
        Kind::Stage => ("shape=box", "#1f2937"),
        Kind::Final(_) => {
            ("shape=box, peripheries=2, style=\"rounded,filled\", fillcolor=\"#fef3c7\"", "#92400e")
        }
        Kind::Decision => ("shape=diamond", "#1f2937"),
        Kind::Exit => ("shape=box, style=\"dashed,filled\", fillcolor=\"#fdecec\"", "#b91c1c"),
        Kind::Outcome => ("shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\"", "#166534"),
        Kind::Goto => ("shape=box, style=\"rounded,filled\"", "#4b5563"),
        Kind::DeadEnd => ("shape=box, style=\"dotted,filled\", penwidth=2", "#b91c1c"),
        Kind::Note => ("shape=box, fillcolor=\"#f9fafb\"", "#9ca3af"),
    };
    // A finding: a thick red outline (and the badge lines in the label).
    let marked = !node.marks.is_empty() && node.kind != Kind::DeadEnd;
    let (colour, width) = if marked { ("#b91c1c", ", penwidth=2.5") } else { (colour, "") };
    format!("label={}, {shape}, color=\"{colour}\"{width}", quote(&lines.join("\n")))
}

/// The key: finding marks, whole-protocol findings, long conditions.
fn legend(d: &Diagram) -> Vec<String> {
    let mut lines = Vec::new();
    for &code in &d.legend {
        if let Some(m) = mark(code) {
            lines.extend(wrap(&format!("[{}] {}: {} ({code})", m.letter, m.words, code.summary()), 80));
        }
    }
    if !d.general.is_empty() {
        lines.push("Findings about the protocol as a whole:".to_string());
        for (code, message) in &d.general {
            let letter = mark(*code).map_or('?', |m| m.letter);
            lines.extend(wrap(&format!("[{letter}] {message}"), 80));
        }
    }
    if !d.footnotes.is_empty() {
        lines.push("Conditions:".to_string());
        for f in &d.footnotes {
            lines.extend(wrap(&format!("({}) {}", f.key, f.text), 80));
        }
    }
    if !lines.is_empty() {
        lines.insert(0, "Key".to_string());
    }
    lines
}

/// A DOT string: `"`, `\` escaped, each line break as `\n` (centred).
pub fn quote(text: &str) -> String {
    quote_with(text, "\\n")
}

/// A DOT string whose lines are left-aligned (`\l` ends each line).
fn quote_left(lines: &[String]) -> String {
    let mut q = quote_with(&lines.join("\n"), "\\l");
    q.insert_str(q.len() - 1, "\\l");
    q
}

fn quote_with(text: &str, newline: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str(newline),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_for_dot() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quote("one\ntwo"), r#""one\ntwo""#);
        assert_eq!(quote_left(&["a".into(), "b".into()]), r#""a\lb\l""#);
    }
}
