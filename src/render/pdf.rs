//! The pathway diagram as PDF, for print: the drawing at full size (text
//! never under 10 pt where the drawing fits the paper's width, as every seed
//! policy does), run over as many pages as it needs, broken only between
//! boxes and lines of text (best just above a stage), with the protocol's
//! title and "Page N of M" at the top of every page and "Continued on page
//! N" / "Continued from page N" where the diagram runs on. Each page is an
//! SVG converted by `svg2pdf` with the shipped font embedded, so the text
//! stays text (selectable, searchable, sharp at any zoom); `pdf-writer`
//! binds the pages into one document.

use std::collections::HashMap;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref};

use super::diagram::Diagram;
use super::font::{self, Weight};
use super::svg::{self, esc};

/// The paper sizes offered, portrait, in PDF points. A page turns to
/// landscape when the drawing does not fit its width at full size (on A4 it
/// never does: the drawing is 800 pt wide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    A3,
}

impl Paper {
    fn portrait(self) -> (f64, f64) {
        match self {
            Paper::A4 => A4,
            Paper::A3 => (841.89, 1190.55),
        }
    }
}

/// A4 portrait, in PDF points.
pub const A4: (f64, f64) = (595.28, 841.89);
/// Margins left and right, and top and bottom, in points (7 and 8 mm: inside
/// what office printers can print).
const MARGIN_X: f64 = 20.0;
const MARGIN_Y: f64 = 22.0;
/// The page's own lines (title, page number, continued marks, footer).
const PAGE_TEXT: f64 = 10.0;
/// From the top margin to the drawing: the title line, then the "continued
/// from" line.
const HEAD: f64 = 32.0;
/// From the drawing to the bottom margin: the "continued on" line, then the
/// footer.
const FOOT: f64 = 30.0;
const GREY: &str = "#4b5563";

/// The pages of the diagram as SVG, one string each, ready for [`render`]:
/// `footer` goes at the bottom of every page.
pub fn pages(d: &Diagram, footer: &str, paper: Paper) -> Vec<String> {
    let whole = svg::fragment(d);
    let (mut pw, mut ph) = paper.portrait();
    if whole.width > pw - 2.0 * MARGIN_X {
        (pw, ph) = (ph, pw);
    }
    let aw = pw - 2.0 * MARGIN_X;
    let scale = (aw / whole.width).min(1.0);
    let room = (ph - 2.0 * MARGIN_Y - HEAD - FOOT) / scale;
    let cuts = breaks(whole.height, &whole.keep, &whole.stage_tops, room);
    let count = cuts.len() - 1;
    let x = MARGIN_X + (aw - whole.width * scale) / 2.0;
    let top = MARGIN_Y + HEAD;
    cuts.windows(2)
        .enumerate()
        .map(|(i, band)| {
            let (a, b) = (band[0], band[1]);
            let part = if count == 1 { whole.body.clone() } else { svg::fragment_band(d, a, b).body };
            let number = format!("Page {} of {count}", i + 1);
            let number_w = font::width(&number, PAGE_TEXT, Weight::Regular);
            let title = one_line(&d.title, aw - number_w - 12.0);
            let mut page = format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{pw}\" height=\"{ph}\" viewBox=\"0 0 {pw} {ph}\" \
                 font-family=\"Liberation Sans\">\n\
                 <rect width=\"{pw}\" height=\"{ph}\" fill=\"#ffffff\"/>\n\
                 <text x=\"{MARGIN_X}\" y=\"{ty}\" font-size=\"{PAGE_TEXT}\" fill=\"{GREY}\">{title}</text>\n\
                 <text x=\"{nx}\" y=\"{ty}\" font-size=\"{PAGE_TEXT}\" text-anchor=\"end\" fill=\"{GREY}\">{number}</text>\n\
                 <clipPath id=\"page-band\"><rect x=\"0\" y=\"{top}\" width=\"{pw}\" height=\"{bh:.2}\"/></clipPath>\n\
                 <g clip-path=\"url(#page-band)\"><g transform=\"translate({x:.2} {dy:.2}) scale({scale:.5})\">\n{part}</g></g>\n",
                ty = MARGIN_Y + PAGE_TEXT,
                nx = pw - MARGIN_X,
                title = esc(&title),
                bh = (b - a) * scale,
                dy = top - a * scale,
            );
            if i > 0 {
                page.push_str(&mark(&format!("Continued from page {i}"), MARGIN_Y + PAGE_TEXT + 16.0));
            }
            if i + 1 < count {
                page.push_str(&mark(&format!("Continued on page {}", i + 2), ph - MARGIN_Y - 16.0));
            }
            page.push_str(&format!(
                "<text x=\"{MARGIN_X}\" y=\"{fy}\" font-size=\"{PAGE_TEXT}\" fill=\"{GREY}\">{footer}</text>\n</svg>\n",
                fy = ph - MARGIN_Y,
                footer = esc(&one_line(footer, aw)),
            ));
            page
        })
        .collect()
}

/// A "continued" line at the left margin.
fn mark(text: &str, y: f64) -> String {
    format!(
        "<text x=\"{MARGIN_X}\" y=\"{y}\" font-size=\"{PAGE_TEXT}\" font-style=\"italic\" fill=\"{GREY}\">{}</text>\n",
        esc(text)
    )
}

/// `text` on one line `width` wide, cut with an ellipsis if need be.
fn one_line(text: &str, width: f64) -> String {
    let measure = |s: &str| font::width(s, PAGE_TEXT, Weight::Regular);
    let lines = font::wrap(&super::diagram::clean(text), width - measure("…"), measure);
    match lines.len() {
        0 | 1 => lines.concat(),
        _ => format!("{}…", lines[0]),
    }
}

/// Where the pages of a drawing `height` tall break, `room` on a page: the
/// heights from 0 to `height`, each cut in a gap between the `keep`
/// intervals (boxes and lines of text), best just above a stage's box (one
/// of `stage_tops`) in the lower half of the page, else as low as a gap
/// allows. Only a box taller than a page is cut through.
pub fn breaks(height: f64, keep: &[(f64, f64)], stage_tops: &[f64], room: f64) -> Vec<f64> {
    // The kept intervals merged into blocks, top to bottom.
    let mut sorted: Vec<(f64, f64)> = keep.iter().copied().filter(|(a, b)| b > a).collect();
    sorted.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut blocks: Vec<(f64, f64)> = Vec::new();
    for (a, b) in sorted {
        match blocks.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => blocks.push((a, b)),
        }
    }
    // Gaps between blocks: (where to cut, whether a stage starts below).
    let gaps: Vec<(f64, bool)> = blocks
        .windows(2)
        .map(|w| {
            let (end, start) = (w[0].1, w[1].0);
            let stage = stage_tops.iter().any(|&t| (t - start).abs() < 1.0);
            ((end + start) / 2.0, stage)
        })
        .collect();
    let mut cuts = vec![0.0];
    let mut top = 0.0;
    while height - top > room {
        let limit = top + room;
        // The gaps on this page (they are in order): found by binary search,
        // so a long drawing costs no more than its pages' gaps.
        let from = gaps.partition_point(|g| g.0 <= top + 1.0);
        let to = gaps.partition_point(|g| g.0 <= limit);
        let on_page = &gaps[from..to.max(from)];
        let before_stage =
            on_page.iter().rev().find(|(y, stage)| *stage && *y >= top + room / 2.0).map(|g| g.0);
        let cut = before_stage.or(on_page.last().map(|g| g.0)).unwrap_or(limit);
        cuts.push(cut);
        top = cut;
    }
    cuts.push(height);
    cuts
}

/// Bind pages made by [`pages`] (or any escalate SVG, one page each) into
/// one PDF.
pub fn render(pages: &[String]) -> Result<Vec<u8>, String> {
    let mut alloc = Ref::new(1);
    let catalog = alloc.bump();
    let tree_ref = alloc.bump();
    let mut pdf = Pdf::new();
    let mut kids = Vec::with_capacity(pages.len());
    let mut chunks = Vec::with_capacity(pages.len());
    for svg in pages {
        let tree = super::png::tree(svg)?;
        let (w, h) = (f64::from(tree.size().width()), f64::from(tree.size().height()));
        let (chunk, root) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .map_err(|e| format!("cannot write the PDF: {e}"))?;
        let mut map = HashMap::new();
        let chunk = chunk.renumber(|old| *map.entry(old).or_insert_with(|| alloc.bump()));
        let root = *map.get(&root).ok_or("cannot write the PDF: the page was lost")?;
        let (page_ref, content_ref) = (alloc.bump(), alloc.bump());
        let name = Name(b"P");
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, w as f32, h as f32));
        page.parent(tree_ref);
        page.contents(content_ref);
        page.resources().x_objects().pair(name, root);
        page.finish();
        let mut content = Content::new();
        content.transform([w as f32, 0.0, 0.0, h as f32, 0.0, 0.0]).x_object(name);
        pdf.stream(content_ref, &content.finish());
        kids.push(page_ref);
        chunks.push(chunk);
    }
    pdf.catalog(catalog).pages(tree_ref);
    pdf.pages(tree_ref).kids(kids.iter().copied()).count(kids.len() as i32);
    for chunk in &chunks {
        pdf.extend(chunk);
    }
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_break_between_what_is_kept_best_above_a_stage() {
        // Boxes every 100 units, 60 tall; stages at 200 and 400.
        let keep: Vec<(f64, f64)> = (0..10).map(|i| (i as f64 * 100.0, i as f64 * 100.0 + 60.0)).collect();
        let cuts = breaks(1000.0, &keep, &[200.0, 400.0], 450.0);
        assert_eq!(cuts.first(), Some(&0.0));
        assert_eq!(cuts.last(), Some(&1000.0));
        for w in cuts.windows(2) {
            assert!(w[1] - w[0] <= 450.0, "{cuts:?}");
        }
        // Never through a box.
        for c in &cuts[1..cuts.len() - 1] {
            assert!(!keep.iter().any(|(a, b)| c > a && c < b), "{c} cuts a box: {cuts:?}");
        }
        // The first page ends just above the stage at 400, the lowest stage
        // in its lower half, not in the lowest gap (at 430).
        assert_eq!(cuts[1], 380.0);
    }

    #[test]
    fn a_short_drawing_is_one_page_and_a_box_taller_than_a_page_is_cut() {
        assert_eq!(breaks(300.0, &[(10.0, 290.0)], &[], 450.0), vec![0.0, 300.0]);
        assert_eq!(breaks(1000.0, &[(0.0, 1000.0)], &[], 450.0), vec![0.0, 450.0, 900.0, 1000.0]);
    }
}
