//! A document's text cut into the units the finding rules read: paragraphs
//! (with whether each is a heading) and sentences, each a byte range of the
//! text, so every quote is a slice of it.

use std::ops::Range;
use std::sync::LazyLock;

static STAGE_START: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    regex_lite::Regex::new(r"(?i)^(?:\d+(?:\.\d+)*\.?\s+)?(?:stage|step|level|tier)\s")
        .unwrap_or_else(|e| panic!("{e}"))
});

/// A paragraph: a run of lines that belong together, or one cell of a line
/// laid out in columns (tabs, wide gaps or `|`).
#[derive(Debug, Clone)]
pub struct Para {
    pub range: Range<usize>,
    /// A short line with no closing full stop: a heading, a table cell or a
    /// flowchart box.
    pub heading: bool,
    /// Where the line it starts on starts (to tell the cells of one row).
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Sentence {
    pub range: Range<usize>,
    pub para: usize,
}

#[derive(Debug)]
pub struct Units {
    pub paras: Vec<Para>,
    pub sentences: Vec<Sentence>,
}

/// The cells of a line: split at tabs, `|`, and gaps of three spaces or more
/// (a table row, or two columns flattened to text). Leading and trailing
/// space and Markdown markers are trimmed from each.
fn cells(text: &str, line: Range<usize>) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = line.start;
    let mut i = line.start;
    while i < line.end {
        let b = bytes[i];
        let gap = if b == b'\t' || b == b'|' {
            1
        } else if b == b' ' {
            let mut j = i;
            while j < line.end && bytes[j] == b' ' {
                j += 1;
            }
            if j - i >= 3 { j - i } else { 0 }
        } else {
            0
        };
        if gap > 0 {
            out.push(start..i);
            i += gap;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(start..line.end);
    out.into_iter().map(|r| trim(text, r)).filter(|r| !r.is_empty()).collect()
}

/// `range` without surrounding whitespace.
pub fn trim(text: &str, range: Range<usize>) -> Range<usize> {
    let s = &text[range.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead == s.len() { range.start..range.start } else { range.start + lead..range.end - trail }
}

/// A bullet, a heading marker, or a number at the start of a line: it begins
/// a paragraph of its own.
fn starts_item(line: &str) -> bool {
    let t = line.trim_start();
    let first = t.chars().next().unwrap_or(' ');
    if matches!(first, '-' | '*' | '•' | '·' | '–' | '#' | '>' | '(' | '▪' | '●' | '◦') {
        return true;
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits < 4 {
        return true;
    }
    let lower = t.to_lowercase();
    ["stage ", "step ", "level ", "tier "].iter().any(|w| lower.starts_with(w))
}

fn ends_sentence(line: &str) -> bool {
    let t = line.trim_end().trim_end_matches("**");
    t.ends_with(['.', ':', '?', '!', ';'])
}

/// Whether a paragraph reads as a heading: one short line without a closing
/// full stop.
fn is_heading(text: &str) -> bool {
    let t = text.trim().trim_matches('*').trim();
    if t.is_empty() || t.contains('\n') || t.starts_with(['-', '•', '·', '▪', '●', '◦', '–']) {
        return false;
    }
    let words = t.split_whitespace().count();
    let stops = t.ends_with(['.', ',', ';']) && !ends_with_marker(t);
    words <= 16 && t.len() <= 120 && !stops
}

/// `Stage 1.` or `4.`: a number's full stop, not a sentence's.
fn ends_with_marker(t: &str) -> bool {
    let body = t.trim_end_matches('.');
    body.rsplit(' ').next().is_some_and(|w| {
        !w.is_empty()
            && (w.bytes().all(|b| b.is_ascii_digit() || b == b'.') || super::find::roman(w).is_some())
    })
}

pub fn units(text: &str) -> Units {
    // Lines, with their ranges.
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            lines.push(start..i);
            start = i + 1;
        }
    }
    lines.push(start..text.len());

    let mut paras: Vec<Para> = Vec::new();
    // The open paragraph that the next line may continue.
    let mut open: Option<usize> = None;
    for line in lines {
        let raw = &text[line.clone()];
        if raw.trim().is_empty() {
            open = None;
            continue;
        }
        let parts = cells(text, line.clone());
        let columns = parts.len() > 1 || raw.starts_with('\t') || raw.trim_start().starts_with('|');
        if !columns
            && let Some(p) = open
            && !starts_item(raw)
            && (!paras[p].heading || {
                // A wrapped line of prose, not a title.
                let prev = text[paras[p].range.clone()].trim_start();
                let wrapped = prev.len() > 60 && !prev.starts_with('#') && STAGE_START.find(prev).is_none();
                wrapped || raw.trim_start().starts_with(char::is_lowercase)
            })
            && {
                let prev = &text[paras[p].range.clone()];
                !ends_sentence(prev)
                    || raw
                        .trim_start()
                        .starts_with(|c: char| c.is_lowercase() || matches!(c, ',' | ';' | ')'))
            }
        {
            let end = trim(text, line.clone()).end;
            paras[p].range.end = end;
            continue;
        }
        for (k, cell) in parts.iter().enumerate() {
            let heading = is_heading(&text[cell.clone()]);
            paras.push(Para { range: cell.clone(), heading, line: line.start });
            open = if columns || k + 1 < parts.len() { None } else { Some(paras.len() - 1) };
        }
        if columns {
            open = None;
        }
    }
    // A paragraph that was continued is no longer a heading.
    for p in &mut paras {
        p.heading = is_heading(&text[p.range.clone()]);
    }

    let mut sentences = Vec::new();
    for (ix, p) in paras.iter().enumerate() {
        for r in split_sentences(text, p.range.clone()) {
            sentences.push(Sentence { range: r, para: ix });
        }
    }
    Units { paras, sentences }
}

/// Sentences of a paragraph: they end at `.`, `?` or `!` followed by
/// whitespace and a capital, a digit or an opening mark.
fn split_sentences(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let s = &text[range.clone()];
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '?' | '!') {
            continue;
        }
        // The next non-space character, and whether there was space before it.
        let mut j = k + 1;
        let mut spaced = false;
        while j < chars.len() && chars[j].1.is_whitespace() {
            spaced = true;
            j += 1;
        }
        if !spaced || j >= chars.len() {
            continue;
        }
        let next = chars[j].1;
        // "e.g." and "i.e." do not end a sentence.
        let before = &s[start..i];
        let abbrev = ["e.g", "i.e", "etc", "No", "no", "St", "Dr", "Mr", "Mrs", "Ms"].iter().any(|a| {
            before.ends_with(a) && !before[..before.len() - a.len()].ends_with(char::is_alphanumeric)
        });
        if abbrev {
            continue;
        }
        if next.is_uppercase() || next.is_ascii_digit() || matches!(next, '"' | '“' | '(' | '‘' | '\'' | '*')
        {
            out.push(range.start + start..range.start + i + c.len_utf8());
            start = chars[j].0;
        }
    }
    out.push(range.start + start..range.end);
    out.into_iter().map(|r| trim(text, r)).filter(|r| !r.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_join_and_headings_stand_alone() {
        let text =
            "Stage 1: Practitioners\n\nThe practitioners talk\nto each other. Then they write.\n- a bullet\n";
        let u = units(text);
        let paras: Vec<&str> = u.paras.iter().map(|p| &text[p.range.clone()]).collect();
        assert_eq!(
            paras,
            [
                "Stage 1: Practitioners",
                "The practitioners talk\nto each other. Then they write.",
                "- a bullet"
            ]
        );
        assert!(u.paras[0].heading && !u.paras[1].heading);
        let sentences: Vec<&str> = u.sentences.iter().map(|s| &text[s.range.clone()]).collect();
        assert_eq!(sentences[1], "The practitioners talk\nto each other.");
        assert_eq!(sentences[2], "Then they write.");
    }

    #[test]
    fn columns_are_cells() {
        let text = "\t1\tPractitioners\tRaise it within 2 working days.\nLeft column      Right column\n";
        let u = units(text);
        let paras: Vec<&str> = u.paras.iter().map(|p| &text[p.range.clone()]).collect();
        assert_eq!(
            paras,
            ["1", "Practitioners", "Raise it within 2 working days.", "Left column", "Right column"]
        );
    }
}
