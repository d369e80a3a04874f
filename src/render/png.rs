//! The pathway diagram as PNG: the SVG drawn by `resvg` (tiny-skia) with the
//! shipped font loaded into its font database, so that no system font,
//! Graphviz or browser is needed and every machine draws the same pixels.
//!
//! Characters outside the shipped font (CJK, Arabic, ...) have no glyph to
//! draw here; the SVG, which a browser draws with the reader's fonts, shows
//! them.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::font;

/// The shipped faces, loaded once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for face in [font::REGULAR, font::BOLD, font::ITALIC] {
            db.load_font_data(face.to_vec());
        }
        db.set_sans_serif_family(font::FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Parse SVG made by escalate into a tree ready to draw.
pub(crate) fn tree(svg: &str) -> Result<usvg::Tree, String> {
    let options =
        usvg::Options { fontdb: fonts(), font_family: font::FAMILY.to_string(), ..usvg::Options::default() };
    usvg::Tree::from_str(svg, &options).map_err(|e| format!("cannot draw the diagram: {e}"))
}

/// Largest picture side, in pixels: beyond it `--scale` is refused rather
/// than allocating gigabytes.
pub const MAX_SIDE: f64 = 20_000.0;

/// Draw SVG as a PNG, `scale` pixels per SVG unit.
pub fn render(svg: &str, scale: f64) -> Result<Vec<u8>, String> {
    let tree = tree(svg)?;
    let size = tree.size();
    let (w, h) = (f64::from(size.width()) * scale, f64::from(size.height()) * scale);
    if !(w >= 1.0 && h >= 1.0 && w <= MAX_SIDE && h <= MAX_SIDE) {
        return Err(format!(
            "`--scale {scale}` makes a picture of {w:.0} x {h:.0} pixels; each side must be 1 to {MAX_SIDE:.0}"
        ));
    }
    let mut pixmap = tiny_skia::Pixmap::new(w.ceil() as u32, h.ceil() as u32)
        .ok_or_else(|| "cannot allocate the picture".to_string())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let s = scale as f32;
    resvg::render(&tree, tiny_skia::Transform::from_scale(s, s), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("cannot encode the PNG: {e}"))
}
