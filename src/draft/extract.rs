//! A document's text, by its format. Plain text and Markdown are read as
//! they are, so a quote is a slice of the file itself. HTML, Word (`.docx`)
//! and PDF are recognised and refused with a clear message: reading them is
//! not built yet (issue 25's third step).

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
        "escalate draft does not read {0} documents yet: save the document as plain text (.txt) and draft from that"
    )]
    Unsupported(&'static str),
}

/// The document's text: plain text and Markdown as they are (a byte-order
/// mark removed).
pub fn extract(name: &str, bytes: &[u8]) -> Result<String, Error> {
    match Format::of_name(name) {
        Format::Text | Format::Markdown => {
            let text = std::str::from_utf8(bytes).map_err(|_| Error::NotUtf8(name.to_string()))?;
            Ok(text.strip_prefix('\u{feff}').unwrap_or(text).to_string())
        }
        other => Err(Error::Unsupported(other.words())),
    }
}
