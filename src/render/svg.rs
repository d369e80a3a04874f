//! The pathway diagram as a standalone SVG, laid out by [`crate::layout`]:
//! no Graphviz needed, the same bytes for the same input.
//!
//! Text is real `<text>` (one element a line), wrapped to fit its box by the
//! advance widths of the font it names, Liberation Sans, which the
//! repository ships ([`super::font`]); the tests measure the same way to
//! check that no line runs outside its box, and the PNG and PDF paths draw
//! with that very font. The drawing is 800 px wide, the width of a landscape
//! A4 page at full size (`pdf.rs` prints it so, over pages: [`Fragment::keep`]
//! says where a page may break); long labels wrap onto more lines.

use std::fmt::Write as _;

use super::diagram::{self, Diagram, EdgeKind, Kind, Node, Style, clean, mark};
use super::font::{self, Weight};
use crate::layout::{
    self, BarSpec, Channel, EdgeSpec, Layout, MARGIN, NodeSpec, Rect, SectionSpec, Shape, Size, SlotSpec,
    Spec,
};

/// The fonts asked for: the shipped Liberation Sans, metric-compatible with
/// Arial where it is not installed.
pub const FONT_FAMILY: &str = "'Liberation Sans', Arial, Helvetica, sans-serif";
/// How far a line's glyphs reach above and below its baseline, in ems.
pub const ASCENT: f64 = 0.8;
pub const DESCENT: f64 = 0.25;
/// Line spacing, in ems.
const LINE: f64 = 1.3;
/// The drawing's width; wider only if the layout needs it.
pub const WIDTH: f64 = 800.0;

const TITLE_SIZE: f64 = 18.0;
const SMALL_SIZE: f64 = 11.0;
const LABEL_SIZE: f64 = 10.0;
const MARK_SIZE: f64 = 10.0;
/// A finding's badge: a square with a letter.
const BADGE: f64 = 12.0;
const MARK_LINE: f64 = 15.0;
/// Labels on arrows wrap at this width.
const LABEL_WIDTH: f64 = 130.0;
const PAD_X: f64 = 10.0;
const PAD_Y: f64 = 8.0;
const DIAMOND: Size = Size { w: 140.0, h: 60.0 };

const INK: &str = "#1f2937";
const RED: &str = "#b91c1c";
const GREY: &str = "#4b5563";

/// The width of `text` set at `size` px in `weight`, by the font's metrics.
pub fn text_width(text: &str, size: f64, weight: Weight) -> f64 {
    font::width(text, size, weight)
}

/// `text` wrapped to lines at most `max` px wide.
fn wrap(text: &str, max: f64, size: f64, weight: Weight) -> Vec<String> {
    font::wrap(text, max, |s| font::width(s, size, weight))
}

fn weight(style: Style) -> Weight {
    match style {
        Style::Title => Weight::Bold,
        Style::Heading | Style::Timing => Weight::Italic,
        Style::Body => Weight::Regular,
    }
}

fn font_size(style: Style) -> f64 {
    match style {
        Style::Heading => 10.0,
        Style::Title => 12.0,
        Style::Body | Style::Timing => SMALL_SIZE,
    }
}

/// Each kind's box: width, corner radius, and outline.
struct Look {
    width: f64,
    radius: f64,
    fill: &'static str,
    stroke: &'static str,
    dash: Option<&'static str>,
    stroke_width: f64,
}

fn look(kind: Kind) -> Look {
    let plain =
        |width, radius, fill, stroke| Look { width, radius, fill, stroke, dash: None, stroke_width: 1.3 };
    match kind {
        Kind::Start => plain(260.0, 14.0, "#f3f4f6", GREY),
        Kind::Stage => plain(320.0, 3.0, "#ffffff", INK),
        Kind::Final(_) => plain(320.0, 8.0, "#fef3c7", "#92400e"),
        Kind::Decision => plain(DIAMOND.w, 0.0, "#ffffff", INK),
        Kind::Exit => Look { dash: Some("6 4"), stroke_width: 1.5, ..plain(220.0, 3.0, "#fdecec", RED) },
        Kind::Outcome => plain(280.0, 16.0, "#dcfce7", "#166534"),
        Kind::Goto => plain(280.0, 10.0, "#ffffff", GREY),
        Kind::DeadEnd => Look { dash: Some("2 3"), stroke_width: 2.0, ..plain(220.0, 3.0, "#ffffff", RED) },
        Kind::Note => plain(300.0, 3.0, "#f9fafb", "#9ca3af"),
        Kind::Bar => Look { dash: Some("6 4"), stroke_width: 1.5, ..plain(190.0, 3.0, "#fdecec", RED) },
    }
}

fn shape(kind: Kind) -> Shape {
    match kind {
        Kind::Decision => Shape::Diamond,
        Kind::Stage | Kind::Exit | Kind::DeadEnd | Kind::Note | Kind::Bar => Shape::Rect,
        other => Shape::Rounded(look(other).radius),
    }
}

/// A node's text, wrapped to its box.
struct Lines {
    lines: Vec<(Style, String)>,
    size: Size,
}

fn node_lines(node: &Node) -> Lines {
    let look = look(node.kind);
    if node.kind == Kind::Decision {
        let lines = node.texts.iter().map(|t| (t.style, clean(&t.text))).collect();
        return Lines { lines, size: DIAMOND };
    }
    let pad_x = PAD_X.max(look.radius);
    let inner = look.width - 2.0 * pad_x;
    let mut lines = Vec::new();
    for t in &node.texts {
        let wrapped = wrap(&t.text, inner, font_size(t.style), weight(t.style));
        lines.extend(wrapped.into_iter().map(|l| (t.style, l)));
    }
    let marks = node.marks.iter().filter(|&&c| node.badge(c).is_some()).count() as f64;
    let text_h: f64 = lines.iter().map(|(s, _)| font_size(*s) * LINE).sum();
    let marks_h = if marks > 0.0 { 4.0 + marks * MARK_LINE } else { 0.0 };
    Lines { lines, size: Size { w: look.width, h: (text_h + marks_h + 2.0 * PAD_Y).round() } }
}

/// An arrow's label, wrapped.
fn label_lines(label: &str) -> (Vec<String>, Size) {
    let lines = wrap(label, LABEL_WIDTH, LABEL_SIZE, Weight::Regular);
    let w = lines.iter().map(|l| text_width(l, LABEL_SIZE, Weight::Regular)).fold(0.0, f64::max);
    let h = lines.len() as f64 * LABEL_SIZE * LINE;
    (lines, Size { w, h })
}

/// A drawn diagram without its `<svg>` element, to place in a page.
pub struct Fragment {
    pub width: f64,
    pub height: f64,
    /// The drawing, in one `<g>` that names the font.
    pub body: String,
    /// What a page break must not cut, top to bottom of each: every box
    /// (but a bar beside the ladder, which may run on over pages) and
    /// every line of text.
    pub keep: Vec<(f64, f64)>,
    /// The top of every stage's box: a page breaks best just above one.
    pub stage_tops: Vec<f64>,
}

/// Which part of the drawing to draw, for a printed page: a band from one
/// height to another. A box or a line of text is drawn on the page that
/// holds its middle; lines (routes, frames, bars) on every page they cross,
/// for the page to clip.
#[derive(Debug, Clone, Copy)]
struct Band {
    window: Option<(f64, f64)>,
}

impl Band {
    /// Whether a box or line from `top` to `bottom` is drawn here.
    fn holds(self, top: f64, bottom: f64) -> bool {
        let middle = (top + bottom) / 2.0;
        self.window.is_none_or(|(a, b)| middle >= a && middle < b)
    }

    /// Whether anything from `top` to `bottom` shows here.
    fn meets(self, top: f64, bottom: f64) -> bool {
        self.window.is_none_or(|(a, b)| bottom >= a && top <= b)
    }
}

/// Render a diagram as SVG.
pub fn render(d: &Diagram) -> String {
    let f = fragment(d);
    let mut out = String::with_capacity(f.body.len() + 1024);
    let (w, h) = (num(f.width), num(f.height));
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-labelledby=\"escalate-title escalate-desc\" font-family=\"{}\">",
        esc(FONT_FAMILY)
    );
    let _ = writeln!(out, "<title id=\"escalate-title\">{}</title>", esc(&clean(&d.title)));
    let _ = writeln!(out, "<desc id=\"escalate-desc\">{}</desc>", esc(&description(d)));
    out.push_str(&f.body);
    out.push_str("</svg>\n");
    out
}

/// Lay out and draw a diagram, for [`render`] or a page around it.
pub fn fragment(d: &Diagram) -> Fragment {
    draw(d, Band { window: None })
}

/// Draw only the part of the diagram from `top` to `bottom` (the heights of
/// [`fragment`]'s drawing), for one printed page: see [`Band`].
pub fn fragment_band(d: &Diagram, top: f64, bottom: f64) -> Fragment {
    draw(d, Band { window: Some((top, bottom)) })
}

fn draw(d: &Diagram, band: Band) -> Fragment {
    let mut keep = Vec::new();
    let node_text: Vec<Lines> = d.nodes.iter().map(node_lines).collect();
    let labels: Vec<Option<(Vec<String>, Size)>> =
        d.edges.iter().map(|e| e.label.as_deref().map(label_lines)).collect();

    // The title block.
    let mut head = Block::new(MARGIN, band);
    head.paragraph(&d.title, TITLE_SIZE, true, false, WIDTH - 2.0 * MARGIN);
    match (&d.subtitle, &d.source) {
        (Some(subtitle), _) => head.paragraph(subtitle, SMALL_SIZE, false, true, WIDTH - 2.0 * MARGIN),
        (None, Some(source)) => {
            head.paragraph(&format!("Source: {source}"), SMALL_SIZE, false, true, WIDTH - 2.0 * MARGIN)
        }
        (None, None) => {}
    }
    if let Some(limit) = &d.limit {
        head.paragraph(
            &format!("Overall time limit: {limit}"),
            SMALL_SIZE,
            false,
            true,
            WIDTH - 2.0 * MARGIN,
        );
    }

    // Nodes that a "Resolved?" decision leads into.
    let mut answered = vec![false; d.nodes.len()];
    for e in d.edges.iter().filter(|e| d.nodes[e.from].kind == Kind::Decision) {
        answered[e.to] = true;
    }
    // Each frame's header, one line until the frame turns out narrower.
    let mut headers: Vec<Option<Vec<String>>> =
        d.sections.iter().map(|s| s.header.as_ref().map(|h| vec![clean(h)])).collect();
    let mut spec = Spec {
        nodes: d
            .nodes
            .iter()
            .zip(&node_text)
            .map(|(n, t)| NodeSpec { size: t.size, shape: shape(n.kind) })
            .collect(),
        edges: d
            .edges
            .iter()
            .zip(&labels)
            .map(|(e, l)| {
                // Answers into outcomes and connectors run down the right,
                // like the "Yes" lines of a printed ladder, and so does any
                // other route that can join one of those lines; the rest run
                // down the left (the layout also keeps to the left where
                // exits stand in the way).
                let terminal = matches!(d.nodes[e.to].kind, Kind::Outcome | Kind::Goto);
                let right = terminal && (d.nodes[e.from].kind == Kind::Decision || answered[e.to]);
                EdgeSpec {
                    from: e.from,
                    to: e.to,
                    label: l.as_ref().map(|l| l.1),
                    channel: if right { Channel::Right } else { Channel::Left },
                }
            })
            .collect(),
        sections: d
            .sections
            .iter()
            .map(|s| SectionSpec {
                header: header_size(s.header.as_ref().map(|h| vec![clean(h)]).as_deref()),
                slots: s
                    .slots
                    .iter()
                    .map(|slot| SlotSpec { main: slot.main, side: slot.side.clone() })
                    .collect(),
            })
            .collect(),
        top: head.y + 10.0,
        min_width: WIDTH,
        bars: d.bars.iter().map(|b| BarSpec { node: b.node, first: b.first, last: b.last }).collect(),
    };
    let mut placed = layout::layout(&spec);
    // A frame that a bar comes down into is narrower than the drawing: its
    // header wraps to the frame (the frame's width does not depend on the
    // header's height, so one more layout settles it).
    let mut rewrapped = false;
    for ((frame, header), section) in placed.frames.iter().zip(&mut headers).zip(&mut spec.sections) {
        let (Some(frame), Some(lines)) = (frame, header.as_mut()) else { continue };
        let room = frame.rect.right() - FRAME_TEXT_PAD - frame.header.x;
        let text = lines.join(" ");
        if text_width(&text, FRAME_HEADER_SIZE, Weight::Bold) > room {
            *lines = wrap(&text, room, FRAME_HEADER_SIZE, Weight::Bold);
            section.header = header_size(Some(lines));
            rewrapped = true;
        }
    }
    if rewrapped {
        placed = layout::layout(&spec);
    }

    let mut legend = Block::new(placed.height - MARGIN + 16.0, band);
    legend_block(d, &mut legend, placed.width - 2.0 * MARGIN);
    let height = legend.y + MARGIN;

    let mut out = String::with_capacity(16 * 1024);
    let (w, h) = (num(placed.width), num(height));
    let _ = writeln!(out, "<g font-family=\"{}\">", esc(FONT_FAMILY));
    out.push_str(DEFS);
    let _ = writeln!(out, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
    out.push_str("<g class=\"title\">\n");
    out.push_str(&head.svg);
    out.push_str("</g>\n");
    frames(&mut out, &headers, &placed, band, &mut keep);
    edges(&mut out, d, &placed, &labels, band, &mut keep);
    nodes(&mut out, d, &placed, &node_text, band, &mut keep);
    out.push_str("<g class=\"legend\">\n");
    out.push_str(&legend.svg);
    out.push_str("</g>\n</g>\n");
    keep.extend(head.keep);
    keep.extend(legend.keep);
    let stage_tops = d
        .nodes
        .iter()
        .zip(&placed.nodes)
        .filter(|(n, _)| matches!(n.kind, Kind::Stage | Kind::Final(_)))
        .map(|(_, r)| r.y)
        .collect();
    Fragment { width: placed.width, height, body: out, keep, stage_tops }
}

const DEFS: &str = "<defs>\n\
<marker id=\"escalate-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f2937\"/></marker>\n\
<marker id=\"escalate-arrow-red\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#b91c1c\"/></marker>\n\
</defs>\n";

/// A frame's header: bold, at this size, kept this far inside the frame's
/// right edge.
const FRAME_HEADER_SIZE: f64 = 12.0;
const FRAME_TEXT_PAD: f64 = 10.0;

/// The size of a frame header's lines.
fn header_size(lines: Option<&[String]>) -> Option<Size> {
    lines.map(|lines| Size {
        w: lines.iter().map(|l| text_width(l, FRAME_HEADER_SIZE, Weight::Bold)).fold(0.0, f64::max),
        h: lines.len() as f64 * FRAME_HEADER_SIZE * LINE,
    })
}

fn frames(
    out: &mut String,
    headers: &[Option<Vec<String>>],
    placed: &Layout,
    band: Band,
    keep: &mut Vec<(f64, f64)>,
) {
    for (frame, header) in placed.frames.iter().zip(headers) {
        let (Some(frame), Some(header)) = (frame, header) else { continue };
        let r = frame.rect;
        let line_top = |k: usize| frame.header.y + k as f64 * FRAME_HEADER_SIZE * LINE;
        keep.extend((0..header.len()).map(|k| (line_top(k), line_top(k + 1))));
        if !band.meets(r.y, r.bottom()) {
            continue;
        }
        let _ = writeln!(
            out,
            "<g class=\"frame\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"#f9fafb\" \
             stroke=\"#9ca3af\" stroke-dasharray=\"4 3\"/>",
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h)
        );
        for (k, line) in header.iter().enumerate() {
            if !band.holds(line_top(k), line_top(k + 1)) {
                continue;
            }
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{FRAME_HEADER_SIZE}\" font-weight=\"bold\" fill=\"{GREY}\">{}</text>",
                num(frame.header.x),
                num(frame.header.y + k as f64 * FRAME_HEADER_SIZE * LINE + baseline(FRAME_HEADER_SIZE)),
                esc(line)
            );
        }
        out.push_str("</g>\n");
    }
}

fn edges(
    out: &mut String,
    d: &Diagram,
    placed: &Layout,
    labels: &[Option<(Vec<String>, Size)>],
    band: Band,
    keep: &mut Vec<(f64, f64)>,
) {
    out.push_str("<g class=\"edges\" fill=\"none\">\n");
    for (i, (edge, route)) in d.edges.iter().zip(&placed.edges).enumerate() {
        let top = route.points.iter().map(|p| p.y).fold(f64::MAX, f64::min);
        let bottom = route.points.iter().map(|p| p.y).fold(f64::MIN, f64::max);
        if route.points.is_empty() || !band.meets(top, bottom) {
            continue;
        }
        let (stroke, dash, marker) = match edge.kind {
            EdgeKind::Exit => (RED, Some("6 4"), "escalate-arrow-red"),
            EdgeKind::Missing => (RED, Some("2 3"), "escalate-arrow-red"),
            EdgeKind::Flow | EdgeKind::Yes | EdgeKind::No if edge.dashed => {
                (INK, Some("6 4"), "escalate-arrow")
            }
            EdgeKind::Flow | EdgeKind::Yes | EdgeKind::No => (INK, None, "escalate-arrow"),
        };
        let mut path = String::new();
        for (k, p) in route.points.iter().enumerate() {
            let _ = write!(path, "{}{} {}", if k == 0 { "M" } else { " L" }, num(p.x), num(p.y));
        }
        let _ = writeln!(
            out,
            "<path class=\"edge\" id=\"e{i}\" data-from=\"n{}\" data-to=\"n{}\" d=\"{path}\" stroke=\"{stroke}\" \
             stroke-width=\"1.3\"{} marker-end=\"url(#{marker})\"/>",
            edge.from,
            edge.to,
            dash.map(|d| format!(" stroke-dasharray=\"{d}\"")).unwrap_or_default(),
        );
    }
    out.push_str("</g>\n<g class=\"edge-labels\">\n");
    for ((edge, route), label) in d.edges.iter().zip(&placed.edges).zip(labels) {
        let (Some(at), Some((lines, _))) = (route.label, label) else { continue };
        let fill = if edge.kind == EdgeKind::Exit || edge.kind == EdgeKind::Missing { RED } else { INK };
        for (k, line) in lines.iter().enumerate() {
            let line_top = at.y + k as f64 * LABEL_SIZE * LINE;
            keep.push((line_top, line_top + LABEL_SIZE * LINE));
            if !band.holds(line_top, line_top + LABEL_SIZE * LINE) {
                continue;
            }
            let y = line_top + baseline(LABEL_SIZE);
            let _ = writeln!(
                out,
                "<text class=\"edge-label\" x=\"{}\" y=\"{}\" font-size=\"{LABEL_SIZE}\" fill=\"{fill}\" \
                 stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                num(at.x),
                num(y),
                esc(line)
            );
        }
    }
    out.push_str("</g>\n");
}

fn nodes(
    out: &mut String,
    d: &Diagram,
    placed: &Layout,
    text: &[Lines],
    band: Band,
    keep: &mut Vec<(f64, f64)>,
) {
    out.push_str("<g class=\"nodes\">\n");
    for (i, ((node, r), lines)) in d.nodes.iter().zip(&placed.nodes).zip(text).enumerate() {
        // A bar beside the ladder runs on over pages (its text is kept
        // whole); any other box is drawn whole on one page.
        let bar = node.kind == Kind::Bar;
        if !bar {
            keep.push((r.y, r.bottom()));
        }
        if !(if bar { band.meets(r.y, r.bottom()) } else { band.holds(r.y, r.bottom()) }) {
            if bar {
                node_text(&mut String::new(), node, r, lines, band, keep);
            }
            continue;
        }
        let look = look(node.kind);
        let marked = !node.marks.is_empty() && node.kind != Kind::DeadEnd;
        let (stroke, stroke_width) = if marked { (RED, 2.5) } else { (look.stroke, look.stroke_width) };
        let dash = look.dash.map(|d| format!(" stroke-dasharray=\"{d}\"")).unwrap_or_default();
        let paint =
            format!("fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"{dash}", look.fill);
        let _ = writeln!(out, "<g class=\"node {}\" id=\"n{i}\">", kind_class(node.kind));
        match shape(node.kind) {
            Shape::Diamond => {
                let _ = writeln!(
                    out,
                    "<polygon class=\"shape\" points=\"{},{} {},{} {},{} {},{}\" {paint}/>",
                    num(r.cx()),
                    num(r.y),
                    num(r.right()),
                    num(r.cy()),
                    num(r.cx()),
                    num(r.bottom()),
                    num(r.x),
                    num(r.cy())
                );
            }
            Shape::Rect | Shape::Rounded(_) => {
                let _ = writeln!(
                    out,
                    "<rect class=\"shape\" {} rx=\"{}\" {paint}/>",
                    rect_attrs(r),
                    num(look.radius)
                );
            }
        }
        if let Kind::Final(_) = node.kind {
            // A double border, as flowcharts draw a terminal authority.
            let inner = Rect { x: r.x + 3.0, y: r.y + 3.0, w: r.w - 6.0, h: r.h - 6.0 };
            let _ = writeln!(
                out,
                "<rect {} rx=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"0.8\"/>",
                rect_attrs(&inner),
                num(look.radius - 3.0)
            );
        }
        node_text(out, node, r, lines, if bar { band } else { Band { window: None } }, keep);
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n");
}

/// A node's lines, centred, then its finding marks.
fn node_text(out: &mut String, node: &Node, r: &Rect, lines: &Lines, band: Band, keep: &mut Vec<(f64, f64)>) {
    let text_h: f64 = lines.lines.iter().map(|(s, _)| font_size(*s) * LINE).sum();
    let marks: Vec<diagram::Mark> = node.marks.iter().filter_map(|&c| node.badge(c)).collect();
    let marks_h = if marks.is_empty() { 0.0 } else { 4.0 + marks.len() as f64 * MARK_LINE };
    // Centred, except in a bar, whose text starts at its top, beside the
    // first stage it applies to.
    let mut y = if node.kind == Kind::Bar { r.y + PAD_Y } else { r.cy() - (text_h + marks_h) / 2.0 };
    for (style, line) in &lines.lines {
        let size = font_size(*style);
        let (weight, italic, fill) = match style {
            Style::Heading => ("normal", true, GREY),
            Style::Title => ("bold", false, INK),
            Style::Body => ("normal", false, INK),
            Style::Timing => ("normal", true, INK),
        };
        let extent = (y, y + size * LINE);
        keep.push(extent);
        if !band.holds(extent.0, extent.1) {
            y += size * LINE;
            continue;
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{size}\" text-anchor=\"middle\"{}{} fill=\"{fill}\">{}</text>",
            num(r.cx()),
            num(y + baseline(size)),
            if weight == "bold" { " font-weight=\"bold\"" } else { "" },
            if italic { " font-style=\"italic\"" } else { "" },
            esc(line)
        );
        y += size * LINE;
    }
    if !marks.is_empty() {
        y += 4.0;
    }
    for m in marks {
        keep.push((y, y + MARK_LINE));
        if !band.holds(y, y + MARK_LINE) {
            y += MARK_LINE;
            continue;
        }
        let w = BADGE + 4.0 + text_width(m.words, MARK_SIZE, Weight::Regular);
        let x = r.cx() - w / 2.0;
        badge(out, &m, x, y + (MARK_LINE - BADGE) / 2.0);
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{MARK_SIZE}\" fill=\"{}\">{}</text>",
            num(x + BADGE + 4.0),
            num(y + (MARK_LINE - MARK_SIZE * LINE) / 2.0 + baseline(MARK_SIZE)),
            m.colour,
            esc(m.words)
        );
        y += MARK_LINE;
    }
}

/// A finding's badge: a dark square with a white letter, legible in grey.
fn badge(out: &mut String, m: &diagram::Mark, x: f64, y: f64) {
    let _ = writeln!(
        out,
        "<rect class=\"badge\" x=\"{}\" y=\"{}\" width=\"{BADGE}\" height=\"{BADGE}\" rx=\"2\" fill=\"{}\"/>\
         <text x=\"{}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#ffffff\">{}</text>",
        num(x),
        num(y),
        m.colour,
        num(x + BADGE / 2.0),
        num(y + BADGE / 2.0 + 3.6),
        m.letter
    );
}

/// The key below the diagram: line styles, finding marks, whole-protocol
/// findings and long conditions.
fn legend_block(d: &Diagram, b: &mut Block, width: f64) {
    b.paragraph("Key", 12.0, true, false, width);
    b.sample(RED, Some("6 4"), "route out of the disagreement process, to an exit (dashed)");
    b.sample(INK, None, "route; Yes and No answer \u{201c}Resolved?\u{201d}");
    for &code in &d.legend {
        if let Some(m) = mark(code) {
            b.marked(&m, &format!("{}: {} ({code})", m.words, code.summary()), width);
        }
    }
    if !d.general.is_empty() {
        b.gap(4.0);
        b.paragraph("Findings about the protocol as a whole", SMALL_SIZE, true, false, width);
        for (code, message) in &d.general {
            if let Some(m) = mark(*code) {
                b.marked(&m, message, width);
            }
        }
    }
    if !d.footnotes.is_empty() {
        b.gap(4.0);
        b.paragraph("Conditions", SMALL_SIZE, true, false, width);
        for f in &d.footnotes {
            b.paragraph(&format!("({}) {}", f.key, f.text), SMALL_SIZE, false, false, width);
        }
    }
}

/// Lines of text set one under another from the left margin.
struct Block {
    y: f64,
    svg: String,
    band: Band,
    keep: Vec<(f64, f64)>,
}

impl Block {
    fn new(y: f64, band: Band) -> Block {
        Block { y, svg: String::new(), band, keep: Vec::new() }
    }

    /// Keep a line from here down `h`; whether it is drawn in this band.
    fn line(&mut self, h: f64) -> bool {
        self.keep.push((self.y, self.y + h));
        self.band.holds(self.y, self.y + h)
    }

    fn gap(&mut self, h: f64) {
        self.y += h;
    }

    fn paragraph(&mut self, text: &str, size: f64, bold: bool, italic: bool, width: f64) {
        self.lines_at(MARGIN, text, size, bold, italic, width, INK);
    }

    #[allow(clippy::too_many_arguments)]
    fn lines_at(&mut self, x: f64, text: &str, size: f64, bold: bool, italic: bool, width: f64, fill: &str) {
        let face = match (bold, italic) {
            (true, _) => Weight::Bold,
            (false, true) => Weight::Italic,
            (false, false) => Weight::Regular,
        };
        for line in wrap(text, width, size, face) {
            if !self.line(size * LINE) {
                self.y += size * LINE;
                continue;
            }
            let _ = writeln!(
                self.svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"{size}\"{}{} fill=\"{fill}\">{}</text>",
                num(x),
                num(self.y + baseline(size)),
                if bold { " font-weight=\"bold\"" } else { "" },
                if italic { " font-style=\"italic\"" } else { "" },
                esc(&line)
            );
            self.y += size * LINE;
        }
    }

    /// A line sample and what it means.
    fn sample(&mut self, stroke: &str, dash: Option<&str>, meaning: &str) {
        if !self.line(SMALL_SIZE * LINE) {
            self.lines_at(MARGIN + 46.0, meaning, SMALL_SIZE, false, false, 700.0, INK);
            return;
        }
        let y = self.y + SMALL_SIZE * LINE / 2.0;
        let (marker, dash) = match dash {
            Some(d) => ("escalate-arrow-red", format!(" stroke-dasharray=\"{d}\"")),
            None => ("escalate-arrow", String::new()),
        };
        let _ = writeln!(
            self.svg,
            "<path d=\"M{} {y} L{} {y}\" stroke=\"{stroke}\" stroke-width=\"1.3\"{dash} fill=\"none\" \
             marker-end=\"url(#{marker})\"/>",
            num(MARGIN),
            num(MARGIN + 36.0),
            y = num(y)
        );
        self.lines_at(MARGIN + 46.0, meaning, SMALL_SIZE, false, false, 700.0, INK);
    }

    /// A finding's badge, then its text wrapped beside it.
    fn marked(&mut self, m: &diagram::Mark, text: &str, width: f64) {
        if self.line(SMALL_SIZE * LINE) {
            badge(&mut self.svg, m, MARGIN, self.y + (SMALL_SIZE * LINE - BADGE) / 2.0);
        }
        self.lines_at(MARGIN + BADGE + 6.0, text, SMALL_SIZE, false, false, width - BADGE - 6.0, INK);
    }
}

/// A text alternative: every box in reading order, then the findings.
fn description(d: &Diagram) -> String {
    let mut parts = Vec::new();
    if let Some(source) = &d.source {
        parts.push(format!("Escalation pathway diagram of {}.", clean(source)));
    }
    for section in &d.sections {
        let mut boxes = Vec::new();
        for slot in &section.slots {
            for &n in std::iter::once(&slot.main).chain(&slot.side) {
                let node = &d.nodes[n];
                if node.kind == Kind::Decision {
                    continue;
                }
                let words: Vec<String> = node.texts.iter().map(|t| clean(&t.text)).collect();
                let marks: Vec<&str> =
                    node.marks.iter().filter_map(|&c| node.badge(c)).map(|m| m.words).collect();
                let marks = if marks.is_empty() { String::new() } else { format!(" [{}]", marks.join(", ")) };
                boxes.push(format!("{}{marks}", words.join(", ")));
            }
        }
        let name = section.header.as_deref().map(clean).unwrap_or_else(|| "Main pathway".to_string());
        parts.push(format!("{name}: {}.", boxes.join("; then ")));
        // The `at any stage` routes drawn beside this section's stages (the
        // immediate-risk route first among them): the most important
        // routes on the picture, so never left out of its words.
        let here = |n: usize| section.slots.iter().any(|s| s.main == n || s.side.contains(&n));
        for bar in d.bars.iter().filter(|b| here(b.first)) {
            let title = |n: usize| d.nodes[n].texts.first().map(|t| clean(&t.text)).unwrap_or_default();
            let words: Vec<String> = d.nodes[bar.node].texts.iter().map(|t| clean(&t.text)).collect();
            let span = if bar.first == bar.last {
                format!("at {}", title(bar.first))
            } else {
                format!("from {} to {}", title(bar.first), title(bar.last))
            };
            let mut said = String::new();
            for w in &words {
                if !said.is_empty() {
                    said.push_str(if said.ends_with(':') { " " } else { ", " });
                }
                said.push_str(w);
            }
            parts.push(format!("{said} ({span})."));
        }
    }
    // Routes the text never states, named so a reader without the dashes
    // (a screen reader, greyscale) can tell them from stated ones.
    let first_text =
        |n: usize| d.nodes[n].texts.iter().find(|t| t.style == Style::Title).map(|t| clean(&t.text));
    let implied: Vec<String> = d
        .edges
        .iter()
        .filter(|e| e.implied)
        .filter_map(|e| {
            // From a "Resolved?" diamond: named by the stage it follows.
            let from = match d.nodes[e.from].kind {
                Kind::Decision => d.edges.iter().find(|i| i.to == e.from)?.from,
                _ => e.from,
            };
            Some(format!("from {} to {}", first_text(from)?, first_text(e.to)?))
        })
        .collect();
    if !implied.is_empty() {
        parts.push(format!("Implied routes, which the text never states: {}.", implied.join("; ")));
    }
    for (_, message) in &d.general {
        parts.push(format!("{}.", clean(message)));
    }
    for f in &d.footnotes {
        parts.push(format!("({}) {}.", f.key, clean(&f.text)));
    }
    parts.join(" ")
}

fn kind_class(kind: Kind) -> &'static str {
    match kind {
        Kind::Start => "start",
        Kind::Stage => "stage",
        Kind::Final(_) => "final",
        Kind::Decision => "decision",
        Kind::Exit => "exit",
        Kind::Outcome => "outcome",
        Kind::Goto => "goto",
        Kind::DeadEnd => "dead-end",
        Kind::Note => "note",
        Kind::Bar => "any-stage",
    }
}

/// From the top of a line's box to its baseline.
fn baseline(size: f64) -> f64 {
    (LINE - ASCENT - DESCENT) / 2.0 * size + ASCENT * size
}

fn rect_attrs(r: &Rect) -> String {
    format!("x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"", num(r.x), num(r.y), num(r.w), num(r.h))
}

/// A coordinate with at most one decimal, never `-0`.
fn num(x: f64) -> String {
    let tenths = (x * 10.0).round();
    if tenths == 0.0 {
        return "0".to_string();
    }
    if tenths % 10.0 == 0.0 { format!("{}", tenths / 10.0) } else { format!("{:.1}", tenths / 10.0) }
}

/// Text for XML: the five special characters escaped; characters XML 1.0
/// cannot carry at all are dropped.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_special_characters_are_escaped() {
        assert_eq!(esc("a & <b> \"c\" 'd'"), "a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;");
        assert_eq!(esc("bell\u{7}"), "bell");
    }

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.25), "12.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(-3.5), "-3.5");
    }
}
