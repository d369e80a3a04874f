//! The pathway diagram as PDF: an A4 portrait page with the diagram fitted
//! inside the margins, its title and the date in the margin, converted by
//! `svg2pdf` with the shipped font embedded, so the text stays text
//! (selectable, searchable, sharp at any zoom).

use super::font::{self, Weight};
use super::svg::{Fragment, esc};

/// A4 portrait, in PDF points.
pub const A4: (f64, f64) = (595.28, 841.89);
/// Page margin, in points (about 12 mm).
const MARGIN: f64 = 34.0;
/// Room for the title line above the diagram and the date line below.
const HEAD: f64 = 16.0;

/// The page: title and `footer` in the margins, the diagram scaled to fit
/// between them (never enlarged).
pub fn page_svg(diagram: &Fragment, title: &str, footer: &str) -> String {
    let (pw, ph) = A4;
    let (aw, ah) = (pw - 2.0 * MARGIN, ph - 2.0 * MARGIN - 2.0 * HEAD);
    let scale = (aw / diagram.width).min(ah / diagram.height).min(1.0);
    let w = diagram.width * scale;
    // One line each in the margins: cut with an ellipsis if need be.
    let line = |text: &str, size: f64| {
        let measure = |s: &str| font::width(s, size, Weight::Regular);
        let lines = font::wrap(text, aw - 12.0, measure);
        match lines.len() {
            0 | 1 => lines.concat(),
            _ => format!("{}…", lines[0]),
        }
    };
    let (title, footer) = (line(title, 8.0), line(footer, 7.0));
    let x = MARGIN + (aw - w) / 2.0;
    let y = MARGIN + HEAD;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{pw}\" height=\"{ph}\" viewBox=\"0 0 {pw} {ph}\" \
         font-family=\"Liberation Sans\">\n\
         <rect width=\"{pw}\" height=\"{ph}\" fill=\"#ffffff\"/>\n\
         <text x=\"{MARGIN}\" y=\"{ty}\" font-size=\"8\" fill=\"#4b5563\">{title}</text>\n\
         <g transform=\"translate({x:.2} {y:.2}) scale({scale:.5})\">\n{body}</g>\n\
         <text x=\"{MARGIN}\" y=\"{fy}\" font-size=\"7\" fill=\"#4b5563\">{footer}</text>\n</svg>\n",
        ty = MARGIN + 8.0,
        fy = ph - MARGIN + 2.0,
        title = esc(&title),
        footer = esc(&footer),
        body = diagram.body,
    )
}

/// Convert a page made by [`page_svg`] (or any escalate SVG) to PDF.
pub fn render(svg: &str) -> Result<Vec<u8>, String> {
    let tree = super::png::tree(svg)?;
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), svg2pdf::PageOptions::default())
        .map_err(|e| format!("cannot write the PDF: {e}"))
}
