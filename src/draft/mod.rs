//! `escalate draft`: a first `.esc` draft from a protocol document.
//!
//! - [`extract`]: the document's text (plain text and Markdown as they are;
//!   HTML, Word and PDF through their crates, feature `draft-docs`).
//! - [`text`]: that text cut into paragraphs and sentences, as byte ranges.
//! - [`find`]: the rules that find the title, stages, parties, timescales,
//!   the immediate-risk route, the final authority, records and the limit.
//! - [`write`]: the draft in the language, every element quoted, a
//!   `# draft:` comment wherever the writer must decide.
//! - [`score`]: the draft measured against a hand encoding.

pub mod extract;
pub mod find;
pub mod score;
pub mod text;
pub mod write;

use serde::Serialize;

/// A draft: the `.esc` text, what it was drafted from, and what was found.
#[derive(Debug, Serialize)]
pub struct Draft {
    /// The `.esc` file.
    pub esc: String,
    /// The number of `# draft:` comments: what the writer must decide.
    pub undecided: usize,
    /// What was found, with byte offsets into `text`.
    pub found: find::Found,
    /// The text the offsets and quotes refer to (for plain text and
    /// Markdown, the file itself).
    #[serde(skip)]
    pub text: String,
}

/// Draft a protocol from a document's text; `name` says where it came from
/// (written as the draft's `source`).
pub fn draft_text(name: &str, text: &str) -> Draft {
    let found = find::find(text);
    let written = write::write(&found, text, name);
    Draft { esc: written.text, undecided: written.undecided, found, text: text.to_string() }
}
