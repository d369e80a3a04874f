//! Text measured with the font the diagrams are set in.
//!
//! The SVG names Liberation Sans (metric-compatible with Arial), and the
//! repository ships it (`fonts/`, SIL Open Font Licence) so that the width
//! escalate wraps a line to is the width a renderer draws: the PNG and PDF
//! paths load these very files. Measuring needs only the advance widths, so
//! those are kept in a compact table (`widths.rs`, generated from the fonts
//! by the test `width_table_is_the_fonts`, which fails when the two differ):
//! the WebAssembly playground then carries a few kilobytes of widths instead
//! of three 410 KB font files, and every build measures the same.
//!
//! Characters the font has no glyph for are measured per script, on the safe
//! side: East Asian wide characters (CJK ideographs, kana, Hangul, full-width
//! forms) one em, as every CJK font sets them; combining marks nothing; any
//! other missing character (Arabic, Devanagari, ...) 0.65 em, wider than the
//! average glyph of the fonts that carry those scripts.

use std::sync::OnceLock;

#[path = "widths.rs"]
mod widths;

/// The shipped faces, as bytes, for the PNG and PDF paths (nothing else
/// refers to them, so the WebAssembly build leaves them out).
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

/// The advance widths of one face, in font units: each run of consecutive
/// characters the face has a glyph for, as `(first character, count, index
/// of its first width in widths)`, in character order.
pub(crate) struct Table {
    pub(crate) runs: &'static [(u32, u16, u16)],
    pub(crate) widths: &'static [u16],
}

impl Table {
    /// The advance of `c` in font units, if the face has a glyph for it.
    fn units(&self, c: char) -> Option<u16> {
        let c = u32::from(c);
        let i = self.runs.partition_point(|&(first, _, _)| first <= c).checked_sub(1)?;
        let (first, count, at) = self.runs[i];
        let k = c - first;
        (k < u32::from(count)).then(|| self.widths[usize::from(at) + k as usize])
    }
}

/// Advance widths of one face, in ems: a table for ASCII (most text) and
/// the face's table for the rest.
struct Metrics {
    table: &'static Table,
    ascii: [f32; 128],
}

impl Metrics {
    fn load(table: &'static Table) -> Metrics {
        let mut m = Metrics { table, ascii: [0.0; 128] };
        for b in 0u8..128 {
            m.ascii[usize::from(b)] = m.glyph(char::from(b)).unwrap_or(FALLBACK);
        }
        m
    }

    fn glyph(&self, c: char) -> Option<f32> {
        Some(f32::from(self.table.units(c)?) / f32::from(widths::UNITS_PER_EM))
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

fn metrics(weight: Weight) -> &'static Metrics {
    static REG: OnceLock<Metrics> = OnceLock::new();
    static BLD: OnceLock<Metrics> = OnceLock::new();
    static ITA: OnceLock<Metrics> = OnceLock::new();
    match weight {
        Weight::Regular => REG.get_or_init(|| Metrics::load(&widths::REGULAR)),
        Weight::Bold => BLD.get_or_init(|| Metrics::load(&widths::BOLD)),
        Weight::Italic => ITA.get_or_init(|| Metrics::load(&widths::ITALIC)),
    }
}

/// The width of `text` set at `size` px in `weight`.
pub fn width(text: &str, size: f64, weight: Weight) -> f64 {
    let m = metrics(weight);
    let ems: f32 = text.chars().map(|c| m.advance(c)).sum();
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

    /// The width table of a face, read from the font file with ttf-parser:
    /// every character the face has a glyph (and an advance) for.
    fn table_of(bytes: &[u8]) -> (u16, Vec<(u32, u16, u16)>, Vec<u16>) {
        let face = ttf_parser::Face::parse(bytes, 0).expect("the shipped font parses");
        let (mut runs, mut widths): (Vec<(u32, u16, u16)>, Vec<u16>) = (Vec::new(), Vec::new());
        let mut last = None;
        // Every character some Unicode subtable of the cmap lists, and the
        // whole Basic Multilingual Plane (a format 4 subtable's closing
        // segment maps U+FFFF without listing it), looked up as measuring
        // looks them up (`glyph_index` picks the subtable).
        let mut listed: std::collections::BTreeSet<u32> = (0..=0xFFFF).collect();
        for table in face.tables().cmap.iter().flat_map(|cmap| cmap.subtables) {
            if table.is_unicode() {
                table.codepoints(|c| {
                    listed.insert(c);
                });
            }
        }
        for c in listed.into_iter().filter_map(char::from_u32) {
            let Some(w) = face.glyph_index(c).and_then(|id| face.glyph_hor_advance(id)) else { continue };
            let c = u32::from(c);
            match runs.last_mut() {
                Some((_, count, _)) if last == Some(c - 1) => *count += 1,
                _ => runs.push((c, 1, u16::try_from(widths.len()).unwrap())),
            }
            widths.push(w);
            last = Some(c);
        }
        (face.units_per_em(), runs, widths)
    }

    /// `widths.rs` as generated from the three shipped fonts.
    fn generated() -> String {
        use std::fmt::Write;
        let mut out = String::from(
            "// Advance widths of the shipped fonts (fonts/), in font units: generated by\n\
             // `ESCALATE_UPDATE_WIDTHS=1 cargo test --lib width_table_is_the_fonts`.\n\
             // Do not edit; the test fails when this file and the fonts differ.\n\n\
             use super::Table;\n\n",
        );
        let faces = [("REGULAR", REGULAR), ("BOLD", BOLD), ("ITALIC", ITALIC)];
        let tables: Vec<_> = faces.iter().map(|(name, bytes)| (name, table_of(bytes))).collect();
        let units = tables[0].1.0;
        assert!(tables.iter().all(|(_, t)| t.0 == units), "the faces share one em");
        writeln!(out, "pub(super) const UNITS_PER_EM: u16 = {units};").unwrap();
        for (name, (_, runs, widths)) in tables {
            writeln!(out, "\n#[rustfmt::skip]\npub(super) static {name}: Table = Table {{\n    runs: &[")
                .unwrap();
            for chunk in runs.chunks(6) {
                let items: Vec<String> =
                    chunk.iter().map(|(c, n, at)| format!("(0x{c:X}, {n}, {at})")).collect();
                writeln!(out, "        {},", items.join(", ")).unwrap();
            }
            out.push_str("    ],\n    widths: &[\n");
            for chunk in widths.chunks(16) {
                let items: Vec<String> = chunk.iter().map(u16::to_string).collect();
                writeln!(out, "        {},", items.join(", ")).unwrap();
            }
            out.push_str("    ],\n};\n");
        }
        out
    }

    #[test]
    fn width_table_is_the_fonts() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/render/widths.rs");
        let want = generated();
        if std::env::var_os("ESCALATE_UPDATE_WIDTHS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "src/render/widths.rs differs from the fonts: regenerate it with ESCALATE_UPDATE_WIDTHS=1"
        );
    }

    /// The table measures every character of every shipped policy (and of
    /// the test cases) exactly as the font file does.
    #[test]
    fn table_measures_as_the_font_for_every_policy_character() {
        let mut text = String::new();
        for dir in ["policies", "tests/cases", "docs/examples"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "esc") {
                    text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
        let chars: std::collections::BTreeSet<char> = text.chars().collect();
        assert!(chars.len() > 80, "{} characters", chars.len());
        for (weight, bytes) in [(Weight::Regular, REGULAR), (Weight::Bold, BOLD), (Weight::Italic, ITALIC)] {
            let face = ttf_parser::Face::parse(bytes, 0).unwrap();
            let units = f32::from(face.units_per_em());
            for &c in &chars {
                let from_font = face
                    .glyph_index(c)
                    .and_then(|id| face.glyph_hor_advance(id))
                    .map(|w| f32::from(w) / units);
                assert_eq!(metrics(weight).glyph(c), from_font, "{c:?} in {weight:?}");
                if let Some(w) = from_font {
                    let s = c.to_string();
                    assert_eq!(width(&s, 10.0, weight), f64::from(w) * 10.0, "{c:?} in {weight:?}");
                }
            }
        }
    }

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
