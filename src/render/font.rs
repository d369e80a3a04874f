//! Text measured with the font the diagrams are set in.
//!
//! The SVG names Liberation Sans (metric-compatible with Arial), and the
//! repository ships it (`fonts/`, SIL Open Font Licence) so that the width
//! escalate wraps a line to is the width a renderer draws: the PNG and PDF
//! paths load these very files. Advance widths are read with `ttf-parser`.
//!
//! Characters the font has no glyph for are measured per script, on the safe
//! side: East Asian wide characters (CJK ideographs, kana, Hangul, full-width
//! forms) one em, as every CJK font sets them; combining marks nothing; any
//! other missing character (Arabic, Devanagari, ...) 0.65 em, wider than the
//! average glyph of the fonts that carry those scripts.

use std::sync::OnceLock;

/// The shipped faces, as bytes (the PNG and PDF paths load them too).
pub const REGULAR: &[u8] = include_bytes!("../../fonts/LiberationSans-Regular.ttf");
pub const BOLD: &[u8] = include_bytes!("../../fonts/LiberationSans-Bold.ttf");
pub const ITALIC: &[u8] = include_bytes!("../../fonts/LiberationSans-Italic.ttf");

/// The family name inside the shipped files.
pub const FAMILY: &str = "Liberation Sans";

/// Which face a run of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
    Italic,
}

/// Advance widths of one face, in ems: a table for ASCII (most text) and
/// the parsed face for the rest.
struct Metrics {
    face: ttf_parser::Face<'static>,
    ascii: [f32; 128],
    units: f32,
}

impl Metrics {
    fn load(bytes: &'static [u8]) -> Option<Metrics> {
        let face = ttf_parser::Face::parse(bytes, 0).ok()?;
        let units = f32::from(face.units_per_em());
        let mut m = Metrics { face, ascii: [0.0; 128], units };
        for b in 0u8..128 {
            m.ascii[usize::from(b)] = m.glyph(char::from(b)).unwrap_or(FALLBACK);
        }
        Some(m)
    }

    fn glyph(&self, c: char) -> Option<f32> {
        let id = self.face.glyph_index(c)?;
        Some(f32::from(self.face.glyph_hor_advance(id)?) / self.units)
    }

    fn advance(&self, c: char) -> f32 {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        match self.glyph(c) {
            Some(w) => w,
            None if wide(c) => 1.0,
            None if combining(c) => 0.0,
            None => FALLBACK,
        }
    }
}

/// A missing glyph's width, in ems, outside East Asian scripts.
const FALLBACK: f32 = 0.65;

fn metrics(weight: Weight) -> Option<&'static Metrics> {
    static REG: OnceLock<Option<Metrics>> = OnceLock::new();
    static BLD: OnceLock<Option<Metrics>> = OnceLock::new();
    static ITA: OnceLock<Option<Metrics>> = OnceLock::new();
    match weight {
        Weight::Regular => REG.get_or_init(|| Metrics::load(REGULAR)),
        Weight::Bold => BLD.get_or_init(|| Metrics::load(BOLD)),
        Weight::Italic => ITA.get_or_init(|| Metrics::load(ITALIC)),
    }
    .as_ref()
}

/// The width of `text` set at `size` px in `weight`.
pub fn width(text: &str, size: f64, weight: Weight) -> f64 {
    let ems: f32 = match metrics(weight) {
        Some(m) => text.chars().map(|c| m.advance(c)).sum(),
        // The shipped file always parses; this is only a guard.
        None => text.chars().map(|c| if wide(c) { 1.0 } else { FALLBACK }).sum(),
    };
    f64::from(ems) * size
}

/// East Asian wide and full-width characters (Unicode's East_Asian_Width W
/// and F), by block.
pub fn wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF
        | 0x20000..=0x2FFFD | 0x30000..=0x3FFFD)
}

fn combining(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED
        | 0x200B..=0x200F | 0xFE00..=0xFE0F)
}

/// Greedy word wrap to lines at most `max` px wide, measured with `measure`;
/// a word wider than a line is cut between characters. Text is
/// [`super::diagram::clean`]ed first. Always at least one line.
pub fn wrap(text: &str, max: f64, measure: impl Fn(&str) -> f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let space = measure(" ");
    let mut line_w = 0.0;
    for word in super::diagram::clean(text).split(' ').filter(|w| !w.is_empty()) {
        let mut word_w = measure(word);
        let mut word = word.to_string();
        if word_w > max {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            // Cut the word into pieces that fit, each at least one character.
            let mut piece = String::new();
            let mut piece_w = 0.0;
            for c in word.chars() {
                let w = measure(c.encode_utf8(&mut [0; 4]));
                if !piece.is_empty() && piece_w + w > max {
                    lines.push(std::mem::take(&mut piece));
                    piece_w = 0.0;
                }
                piece.push(c);
                piece_w += w;
            }
            word = piece;
            word_w = piece_w;
        }
        if !line.is_empty() && line_w + space + word_w > max {
            lines.push(std::mem::take(&mut line));
            line_w = 0.0;
        }
        if !line.is_empty() {
            line.push(' ');
            line_w += space;
        }
        line.push_str(&word);
        line_w += word_w;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_font() {
        // Liberation Sans (as Arial): W is wider than i, bold wider than regular.
        let w = width("W", 10.0, Weight::Regular);
        let i = width("i", 10.0, Weight::Regular);
        assert!((w - 9.44).abs() < 0.05, "{w}");
        assert!((i - 2.22).abs() < 0.05, "{i}");
        assert!(width("Stage", 12.0, Weight::Bold) > width("Stage", 12.0, Weight::Regular));
        // A CJK ideograph has no glyph here: one em.
        assert_eq!(width("調停", 10.0, Weight::Regular), 20.0);
    }

    #[test]
    fn wrapping_fits_the_width() {
        let measure = |s: &str| width(s, 11.0, Weight::Regular);
        for text in [
            "WWWWWWWW MMMMMMMM WWWWW MMMMM",
            "調停調停調停調停調停調停調停調停調停",
            "الوساطة بين الوكالات المعنية في حماية الطفل",
            &"x".repeat(200),
        ] {
            let lines = wrap(text, 100.0, measure);
            assert!(!lines.is_empty());
            for line in &lines {
                assert!(measure(line) <= 100.0, "{line:?} is {} px", measure(line));
            }
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, original, "no character lost");
        }
        assert_eq!(wrap("", 50.0, measure), vec![String::new()]);
    }
}
