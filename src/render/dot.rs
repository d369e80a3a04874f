//! The pathway diagram as Graphviz DOT, for `dot -Tsvg` (`--engine graphviz`)
//! or any tool that reads DOT.
//!
//! Node ids are escalate's own (`n0`, `n1`, ...); every user string goes
//! through [`quote`], or [`html`] in a node's label, which is an HTML-like
//! label so that titles can be bold. Exits share a rank with the stage they
//! leave from, so `dot` draws them beside it, as the printed ladders do; an
//! `at any stage` exit is one node beside the first stage it applies to.
//! "Yes" and "No" sit at the diamond end of their arrows.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::diagram::{Diagram, EdgeKind, Kind, Node, Style, clean, mark, wrap};

/// Characters a line of a label holds before it wraps, by node kind.
fn line_chars(kind: Kind) -> usize {
    match kind {
        Kind::Exit | Kind::DeadEnd | Kind::Bar => 28,
        _ => 42,
    }
}

/// Render a diagram as DOT.
pub fn render(d: &Diagram) -> String {
    let mut out = String::with_capacity(8 * 1024);
    out.push_str("digraph escalation {\n");
    // The header as an HTML-like label: the title bold, each line left-aligned.
    let mut title: Vec<String> = wrap(&d.title, 60).iter().map(|l| format!("<B>{}</B>", html(l))).collect();
    let under = match (&d.subtitle, &d.source) {
        (Some(subtitle), _) => Some(subtitle.clone()),
        (None, Some(source)) => Some(format!("Source: {source}")),
        (None, None) => None,
    };
    if let Some(under) = under {
        title.extend(wrap(&under, 80).iter().map(|l| html(l)));
    }
    if let Some(limit) = &d.limit {
        title.extend(wrap(&format!("Overall time limit: {limit}"), 80).iter().map(|l| html(l)));
    }
    let title: String = title.iter().map(|l| format!("{l}<BR ALIGN=\"LEFT\"/>")).collect();
    let _ = writeln!(
        out,
        "  graph [label=<{title}>, labelloc=t, labeljust=l, fontname=\"Helvetica\", fontsize=13, rankdir=TB, \
         nodesep=0.35, ranksep=0.4, newrank=true];"
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
            let bars: Vec<usize> = d.bars.iter().filter(|b| b.first == slot.main).map(|b| b.node).collect();
            for &n in std::iter::once(&slot.main).chain(&slot.side).chain(&bars) {
                let _ = writeln!(out, "{indent}n{n} [{}];", node_attrs(&d.nodes[n]));
            }
            if !slot.side.is_empty() || !bars.is_empty() {
                let same: Vec<String> = std::iter::once(&slot.main)
                    .chain(&slot.side)
                    .chain(&bars)
                    .map(|n| format!("n{n};"))
                    .collect();
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
    // One arrow into each bar, from the first stage it applies to.
    for bar in &d.bars {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"at any stage\", style=dashed, color=\"#b91c1c\", fontcolor=\"#b91c1c\"];",
            bar.first, bar.node
        );
    }
    for e in &d.edges {
        let mut attrs = Vec::new();
        if let Some(label) = &e.label {
            // An answer's words at the diamond, not halfway down the line.
            let key = if matches!(e.kind, EdgeKind::Yes | EdgeKind::No) { "taillabel" } else { "label" };
            attrs.push(format!("{key}={}", quote(&wrap(label, 24).join("\n"))));
            if key == "taillabel" {
                attrs.push("labeldistance=2.2, labelangle=-35".to_string());
            }
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
        for line in wrap(&t.text, chars) {
            let line = html(&line);
            lines.push(match t.style {
                Style::Title => format!("<B>{line}</B>"),
                Style::Heading | Style::Timing => format!("<I>{line}</I>"),
                Style::Body => line,
            });
        }
    }
    for m in node.marks.iter().filter_map(|&c| node.badge(c)) {
        lines.push(format!("<FONT COLOR=\"{}\">[{}] {}</FONT>", m.colour, m.letter, html(m.words)));
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
        Kind::Bar => ("shape=box, style=\"dashed,filled\", fillcolor=\"#fdecec\"", "#b91c1c"),
    };
    // A finding: a thick red outline (and the badge lines in the label).
    let marked = !node.marks.is_empty() && node.kind != Kind::DeadEnd;
    let (colour, width) = if marked { ("#b91c1c", ", penwidth=2.5") } else { (colour, "") };
    format!("label=<{}>, {shape}, color=\"{colour}\"{width}", lines.join("<BR/>"))
}

/// Text for an HTML-like label: markup characters, quotes and the brackets
/// DOT reads as syntax become character references.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
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
        assert_eq!(html(r#"<b>&"[x]{y}"#), "&lt;b&gt;&amp;&quot;&#91;x&#93;&#123;y&#125;");
    }
}
