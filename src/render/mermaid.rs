//! The pathway diagram as a Mermaid flowchart, for Markdown pages that
//! render Mermaid (GitHub, GitLab, many wikis).
//!
//! Laid out top to bottom like the SVG: each section below the one before
//! (held there by invisible `~~~` links, since Mermaid otherwise floats
//! subgraphs to the top), the key last, and each `at any stage` exit one
//! node beside the first stage it applies to.
//!
//! Node ids are escalate's own (`n0`, `n1`, ...). Every user string is a
//! quoted label in which the characters Mermaid reads as syntax or markup are
//! written as Mermaid's entity codes (`#quot;`, `#35;`, ...), so a title can
//! never end a label, start a comment or inject HTML.

use std::fmt::Write as _;

use super::diagram::{Diagram, EdgeKind, Kind, Node, Style, clean, mark, wrap};

/// Render a diagram as Mermaid.
pub fn render(d: &Diagram) -> String {
    let mut out = String::with_capacity(8 * 1024);
    // Front matter shows the title above the chart.
    // The labels are wrapped here already: Mermaid must not wrap them again
    // at its default 200 px.
    let _ = writeln!(
        out,
        "---\ntitle: {}\nconfig:\n  flowchart:\n    wrappingWidth: 400\n---",
        yaml_text(&d.title)
    );
    out.push_str("flowchart TD\n");
    let _ = writeln!(out, "  accTitle: {}", plain_line(&d.title));
    let mut about = "Escalation pathway".to_string();
    if let Some(source) = &d.source {
        about.push_str(&format!(" from {source}"));
    }
    let _ = writeln!(out, "  accDescr: {}", plain_line(&about));

    for (s, section) in d.sections.iter().enumerate() {
        let indent = if section.header.is_some() { "    " } else { "  " };
        if let Some(header) = &section.header {
            let _ = writeln!(out, "  subgraph s{s}[\"{}\"]\n    direction TB", label(&[clean(header)]));
        }
        for slot in &section.slots {
            let bars = d.bars.iter().filter(|b| b.first == slot.main).map(|b| &b.node);
            for &n in std::iter::once(&slot.main).chain(&slot.side).chain(bars) {
                let _ = writeln!(out, "{indent}{}", node(n, &d.nodes[n]));
            }
        }
        if section.header.is_some() {
            out.push_str("  end\n");
        }
    }

    for e in &d.edges {
        let arrow = match e.kind {
            EdgeKind::Exit | EdgeKind::Missing => "-.->",
            EdgeKind::Flow | EdgeKind::Yes | EdgeKind::No if e.dashed => "-.->",
            EdgeKind::Flow | EdgeKind::Yes | EdgeKind::No => "-->",
        };
        match &e.label {
            Some(text) => {
                let _ = writeln!(out, "  n{} {arrow}|\"{}\"| n{}", e.from, label(&wrap(text, 24)), e.to);
            }
            None => {
                let _ = writeln!(out, "  n{} {arrow} n{}", e.from, e.to);
            }
        }
    }

    for bar in &d.bars {
        let _ = writeln!(out, "  n{} -.->|\"at any stage\"| n{}", bar.first, bar.node);
    }
    // Each section below the one before, the key below them all.
    let mut order: Vec<String> = Vec::new();
    for pair in d.sections.windows(2) {
        if let (Some(last), Some(first)) = (pair[0].slots.last(), pair[1].slots.first()) {
            order.push(format!("  n{} ~~~ n{}", last.main, first.main));
        }
    }
    let key = key_lines(d);
    if !key.is_empty() {
        let _ = writeln!(out, "  key[\"{}\"]:::key", label(&key));
        if let Some(last) = d.sections.last().and_then(|s| s.slots.last()) {
            order.push(format!("  n{} ~~~ key", last.main));
        }
    }
    for line in order {
        out.push_str(&line);
        out.push('\n');
    }

    out.push_str("  classDef start fill:#f3f4f6,stroke:#4b5563\n");
    out.push_str("  classDef final fill:#fef3c7,stroke:#92400e,stroke-width:3px\n");
    out.push_str("  classDef exit fill:#fdecec,stroke:#b91c1c,stroke-width:2px,stroke-dasharray:6 4\n");
    out.push_str("  classDef outcome fill:#dcfce7,stroke:#166534\n");
    out.push_str("  classDef deadend fill:#ffffff,stroke:#b91c1c,stroke-width:2px,stroke-dasharray:2 3\n");
    out.push_str("  classDef finding stroke:#b91c1c,stroke-width:3px\n");
    out.push_str("  classDef key fill:#f9fafb,stroke:#9ca3af,text-align:left\n");
    // A second class on top of the kind's: `class` adds, `:::` would replace.
    let marked: Vec<String> = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.marks.is_empty() && n.kind != Kind::DeadEnd)
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !marked.is_empty() {
        let _ = writeln!(out, "  class {} finding", marked.join(","));
    }
    // Links are numbered in the order written: the edges, then the bars.
    let mut dashed = Vec::new();
    for (i, e) in d.edges.iter().enumerate() {
        if matches!(e.kind, EdgeKind::Exit | EdgeKind::Missing) {
            dashed.push(i.to_string());
        }
    }
    dashed.extend((0..d.bars.len()).map(|i| (d.edges.len() + i).to_string()));
    if !dashed.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:#b91c1c,color:#b91c1c", dashed.join(","));
    }
    out
}

/// One node: its shape, label and class.
fn node(n: usize, node: &Node) -> String {
    let mut lines = Vec::new();
    for t in &node.texts {
        let chars = match (node.kind, t.style) {
            (Kind::Exit | Kind::DeadEnd | Kind::Bar, _) => 30,
            (_, Style::Title) => 42,
            _ => 46,
        };
        lines.extend(wrap(&t.text, chars));
    }
    for m in node.marks.iter().filter_map(|&c| node.badge(c)) {
        lines.push(format!("({}) {}", m.letter, m.words));
    }
    let text = label(&lines);
    let (open, close, class) = match node.kind {
        Kind::Start => ("([", "])", Some("start")),
        Kind::Stage => ("[", "]", None),
        Kind::Final(_) => ("[[", "]]", Some("final")),
        Kind::Decision => ("{", "}", None),
        Kind::Exit => ("[", "]", Some("exit")),
        Kind::Outcome => ("([", "])", Some("outcome")),
        Kind::Goto => (">", "]", None),
        Kind::DeadEnd => ("[", "]", Some("deadend")),
        Kind::Note => ("[", "]", None),
        Kind::Bar => ("[", "]", Some("exit")),
    };
    let class = class.map(|c| format!(":::{c}")).unwrap_or_default();
    format!("n{n}{open}\"{text}\"{close}{class}")
}

fn key_lines(d: &Diagram) -> Vec<String> {
    let mut lines = Vec::new();
    for &code in &d.legend {
        if let Some(m) = mark(code) {
            lines.extend(wrap(&format!("({}) {}: {} ({code})", m.letter, m.words, code.summary()), 56));
        }
    }
    if !d.general.is_empty() {
        lines.push("Findings about the protocol as a whole:".to_string());
    }
    for (code, message) in &d.general {
        let letter = mark(*code).map_or('?', |m| m.letter);
        lines.extend(wrap(&format!("({letter}) {message}"), 56));
    }
    if !d.footnotes.is_empty() {
        lines.push("Conditions:".to_string());
    }
    for f in &d.footnotes {
        lines.extend(wrap(&format!("({}) {}", f.key, f.text), 56));
    }
    if !lines.is_empty() {
        lines.insert(0, "Key".to_string());
    }
    lines
}

/// Lines of a quoted label, joined by `<br/>`, each escaped.
fn label(lines: &[String]) -> String {
    lines.iter().map(|l| escape(l)).collect::<Vec<_>>().join("<br/>")
}

/// A label's text with every character Mermaid could read as syntax or
/// markup written as an entity code.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\\' => out.push_str("#92;"),
            // `%%` starts a comment, and `%%{...}%%` a directive that Mermaid
            // applies wherever it stands (even inside a label): never let two
            // meet.
            '%' => out.push_str("#37;"),
            c => out.push(c),
        }
    }
    out
}

/// A line for `accTitle:` / `accDescr:`, which run to the end of the line.
/// Mermaid reads a directive (`%%{init: ...}%%`) there too, and decodes
/// entity codes in them as in labels, so they are escaped the same way.
fn plain_line(text: &str) -> String {
    escape(text)
}

/// The title as a YAML scalar for the front matter. Single quotes (only `'`
/// doubled) unless the title holds a `%` or a `"`: then double quotes, with
/// `%` as `\x25`, so that no `%%` stands anywhere in the file, and `"` as
/// `\x22`. Before it reads the front matter, Mermaid rewrites `="..."` as
/// `='...'` inside anything that looks like an HTML tag, anywhere in the
/// text (its `cleanupText`): a title holding `<a attr="x">` came out of
/// single quotes as `'<a attr='x'>'`, which YAML refuses, and nothing was
/// drawn (issue 26). With no `"` left, that rewrite finds nothing.
fn yaml_text(text: &str) -> String {
    let text = clean(text);
    if !text.contains(['%', '"']) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\x22"),
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("\\x25"),
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
    fn syntax_characters_become_entities() {
        assert_eq!(escape(r#"a "b" #1; <i>"#), "a #quot;b#quot; #35;1#59; #lt;i#gt;");
        assert_eq!(escape("[x] {y} |z| `w`"), "#91;x#93; #123;y#125; #124;z#124; #96;w#96;");
        assert!(!escape("-->").contains('>'));
    }

    #[test]
    fn no_two_percent_signs_meet() {
        let directive = r#"%%{init: {"themeCSS": "x"}}%%"#;
        assert!(!escape(directive).contains('%'));
        assert!(!plain_line(directive).contains('%'));
        assert_eq!(yaml_text("A 'b'"), "'A ''b'''");
        assert_eq!(yaml_text(r#"5% "q" \"#), r#""5\x25 \x22q\x22 \\""#);
        // Mermaid's `cleanupText` rewrites `="..."` in a tag: no `"` is left.
        assert_eq!(yaml_text(r#"<a attr="x">"#), r#""<a attr=\x22x\x22>""#);
    }
}
