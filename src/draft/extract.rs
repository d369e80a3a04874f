//! A document's text, by its format. Plain text and Markdown are read as
//! they are, so a quote is a slice of the file itself; HTML, Word (`.docx`)
//! and PDF are read through their crates (feature `draft-docs`), and quotes
//! are slices of the text extracted from them.

/// The formats `escalate draft` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Docx,
    Pdf,
}

impl Format {
    /// The format a file name's extension says (plain text otherwise).
    pub fn of_name(name: &str) -> Format {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" | "xhtml" => Format::Html,
            "docx" => Format::Docx,
            "pdf" => Format::Pdf,
            _ => Format::Text,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Format::Text => "plain text",
            Format::Markdown => "Markdown",
            Format::Html => "HTML",
            Format::Docx => "Word (.docx)",
            Format::Pdf => "PDF",
        }
    }
}

/// Why a document's text could not be had.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{0}` is not UTF-8 text")]
    NotUtf8(String),
    #[error(
        "this escalate was built without reading {0} documents: save the document as plain text \
         (.txt), or install a release build or `cargo install --locked --path . --features full`"
    )]
    MissingFeature(&'static str),
    #[error(
        "the PDF has no text layer (a scanned image?): there is no text to draft from; \
         run it through OCR, or save the document as plain text (.txt)"
    )]
    NoTextLayer,
    #[error("cannot read the {0} document: {1}")]
    Unreadable(&'static str, String),
}

/// The document's text: plain text and Markdown as they are (a byte-order
/// mark removed); HTML, Word and PDF as their crates read them.
pub fn extract(name: &str, bytes: &[u8]) -> Result<String, Error> {
    match Format::of_name(name) {
        Format::Text | Format::Markdown => {
            let text = std::str::from_utf8(bytes).map_err(|_| Error::NotUtf8(name.to_string()))?;
            Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_string())
        }
        #[cfg(feature = "draft-docs")]
        Format::Html => docs::html(bytes),
        #[cfg(feature = "draft-docs")]
        Format::Docx => docs::docx(bytes),
        #[cfg(feature = "draft-docs")]
        Format::Pdf => docs::pdf(bytes),
        #[cfg(not(feature = "draft-docs"))]
        other => Err(Error::MissingFeature(other.words())),
    }
}

/// Lines without trailing spaces, no space after a line break (tabs, which
/// separate table cells, are kept), at most one blank line in a row.
#[cfg(feature = "draft-docs")]
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank = 0;
    for line in raw.lines() {
        let line = line.trim_end_matches(' ').trim_start_matches(' ');
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out.push('\n');
    out
}

#[cfg(feature = "draft-docs")]
mod docs {
    use super::{Error, tidy};

    /// HTML (as a procedures website exports it) read by `tl`: block
    /// elements end lines, headings and paragraphs stand apart, list items
    /// are bullets, table rows are lines of tab-separated cells; scripts,
    /// styles and navigation are left out; entities are decoded.
    pub fn html(bytes: &[u8]) -> Result<String, Error> {
        let source = String::from_utf8_lossy(bytes);
        let dom = tl::parse(&source, tl::ParserOptions::default())
            .map_err(|e| Error::Unreadable("HTML", e.to_string()))?;
        let parser = dom.parser();
        let mut out = String::new();
        for handle in dom.children() {
            walk(handle, parser, &mut out, 0);
        }
        Ok(tidy(&out))
    }

    fn walk(handle: &tl::NodeHandle, parser: &tl::Parser, out: &mut String, depth: usize) {
        // Deep enough for any page; a hostile one stops here.
        if depth > 200 {
            return;
        }
        let Some(node) = handle.get(parser) else { return };
        match node {
            tl::Node::Tag(tag) => {
                let name = tag.name().as_utf8_str().to_ascii_lowercase();
                if matches!(
                    name.as_str(),
                    "script" | "style" | "head" | "nav" | "noscript" | "template" | "svg"
                ) {
                    return;
                }
                let (before, after) = match name.as_str() {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" | "table" | "ul" | "ol" | "blockquote" => {
                        ("\n\n", "\n\n")
                    }
                    "div" | "section" | "article" | "header" | "footer" | "main" | "dt" | "dd" | "tr" => {
                        ("\n", "\n")
                    }
                    "li" => ("\n- ", "\n"),
                    "td" | "th" => ("\t", ""),
                    "br" => ("\n", ""),
                    _ => ("", ""),
                };
                out.push_str(before);
                for child in tag.children().top().iter() {
                    walk(child, parser, out, depth + 1);
                }
                out.push_str(after);
            }
            tl::Node::Raw(text) => {
                let text = html_escape::decode_html_entities(&text.as_utf8_str()).into_owned();
                // HTML's whitespace: any run is one space.
                let mut space = false;
                for c in text.chars() {
                    if c.is_whitespace() && c != '\u{a0}' {
                        space = true;
                    } else {
                        if space && !out.ends_with([' ', '\n', '\t']) && !out.is_empty() {
                            out.push(' ');
                        }
                        space = false;
                        out.push(if c == '\u{a0}' { ' ' } else { c });
                    }
                }
                if space && !out.ends_with([' ', '\n', '\t']) {
                    out.push(' ');
                }
            }
            tl::Node::Comment(_) => {}
        }
    }

    /// A Word document: its `word/document.xml` (read from the zip archive
    /// by `zip`, as XML by `roxmltree`), paragraph by paragraph; a table's
    /// rows as lines of tab-separated cells.
    pub fn docx(bytes: &[u8]) -> Result<String, Error> {
        use std::io::Read;
        let unreadable = |e: String| Error::Unreadable("Word (.docx)", e);
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
        let mut xml = String::new();
        let entry = archive
            .by_name("word/document.xml")
            .map_err(|e| unreadable(format!("word/document.xml: {e}")))?;
        // The document part is text; a bomb is cut at escalate's file limit.
        entry
            .take(crate::MAX_FILE_BYTES as u64)
            .read_to_string(&mut xml)
            .map_err(|e| unreadable(e.to_string()))?;
        let doc = roxmltree::Document::parse(&xml).map_err(|e| unreadable(e.to_string()))?;
        let mut out = String::new();
        let body = doc.descendants().find(|n| n.tag_name().name() == "body");
        for block in body.iter().flat_map(|b| b.children()) {
            match block.tag_name().name() {
                "p" => {
                    out.push_str(&paragraph(block));
                    out.push_str("\n\n");
                }
                "tbl" => {
                    for row in block.descendants().filter(|n| n.tag_name().name() == "tr") {
                        let cells: Vec<String> = row
                            .children()
                            .filter(|n| n.tag_name().name() == "tc")
                            .map(|cell| {
                                let paras: Vec<String> = cell
                                    .children()
                                    .filter(|n| n.tag_name().name() == "p")
                                    .map(paragraph)
                                    .collect();
                                paras.join(" ")
                            })
                            .collect();
                        out.push_str(&cells.join("\t"));
                        out.push('\n');
                    }
                    out.push('\n');
                }
                _ => {}
            }
        }
        Ok(tidy(&out))
    }

    /// A paragraph's text: its runs' `w:t`, tabs and breaks.
    fn paragraph(p: roxmltree::Node) -> String {
        let mut s = String::new();
        for n in p.descendants() {
            match n.tag_name().name() {
                "t" => s.push_str(n.text().unwrap_or_default()),
                "tab" => s.push('\t'),
                "br" | "cr" => s.push('\n'),
                _ => {}
            }
        }
        s
    }

    /// A PDF's text layer, page by page: the strings its text operators
    /// show (decoded by `lopdf` with each font's encoding), a line break
    /// where the text moves to a new line; a PDF with none (a scan) is said
    /// to have none.
    pub fn pdf(bytes: &[u8]) -> Result<String, Error> {
        use lopdf::{Document, Object};
        let unreadable = |e: lopdf::Error| Error::Unreadable("PDF", e.to_string());
        let doc = Document::load_mem(bytes).map_err(unreadable)?;
        let mut text = String::new();
        for (_, page) in doc.get_pages() {
            let encodings: std::collections::BTreeMap<Vec<u8>, lopdf::Encoding> = doc
                .get_page_fonts(page)
                .map_err(unreadable)?
                .into_iter()
                .filter_map(|(name, font)| font.get_font_encoding(&doc).ok().map(|e| (name, e)))
                .collect();
            let content = doc.get_page_content(page).map_err(unreadable)?;
            let Ok(content) = lopdf::content::Content::decode(&content) else { continue };
            let mut encoding = None;
            let show = |text: &mut String, encoding: Option<&lopdf::Encoding>, object: &Object| {
                match object {
                    Object::String(bytes, _) => {
                        if let Some(e) = encoding
                            && let Ok(s) = Document::decode_text(e, bytes)
                        {
                            text.push_str(&s);
                        }
                    }
                    // A wide gap in a `TJ` array is a space between words.
                    Object::Integer(n) if *n < -200 => text.push(' '),
                    Object::Real(n) if *n < -200.0 => text.push(' '),
                    _ => {}
                }
            };
            for op in &content.operations {
                match op.operator.as_str() {
                    "Tf" => {
                        encoding =
                            op.operands.first().and_then(|o| o.as_name().ok()).and_then(|n| encodings.get(n));
                    }
                    "Tj" => op.operands.iter().for_each(|o| show(&mut text, encoding, o)),
                    "TJ" => {
                        for o in op.operands.iter().filter_map(|o| o.as_array().ok()).flatten() {
                            show(&mut text, encoding, o);
                        }
                    }
                    "'" | "\"" => {
                        text.push('\n');
                        if let Some(o) = op.operands.last() {
                            show(&mut text, encoding, o);
                        }
                    }
                    "T*" | "Td" | "TD" | "Tm" | "ET" if !text.ends_with('\n') && !text.is_empty() => {
                        text.push('\n');
                    }
                    _ => {}
                }
            }
            text.push('\n');
        }
        if text.trim().is_empty() {
            return Err(Error::NoTextLayer);
        }
        Ok(tidy(&text))
    }
}
