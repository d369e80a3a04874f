//! Semantic tokens (`textDocument/semanticTokens/full` and `/range`): what
//! lets every LSP editor (Neovim, Helix, Zed, Emacs) highlight a protocol,
//! not only VS Code with its TextMate grammar.
//!
//! The tokens are the formatter's (`format::tokens`), so there is one lexer;
//! a word is a name where the syntax tree says so ([`Index`]), typed by what
//! it names, a number if it is digits, and a keyword otherwise. The legend
//! is in `docs/editors.md`.

use std::collections::HashMap;

use lsp_types::{Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend};

use super::index::{Index, Kind, Space};
use crate::format::Kind as Tok;
use crate::span::Span;

/// The token types, in legend order (a token's type is its index here).
const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
    SemanticTokenType::NUMBER,
    SemanticTokenType::OPERATOR,
    // Names, by what they name.
    SemanticTokenType::NAMESPACE,   // a stage
    SemanticTokenType::VARIABLE,    // a party
    SemanticTokenType::EVENT,       // an exit
    SemanticTokenType::ENUM_MEMBER, // an outcome
    SemanticTokenType::CLASS,       // an exception
    SemanticTokenType::MACRO,       // a check's code in `allow`
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Type {
    Keyword,
    String,
    Comment,
    Number,
    Operator,
    Stage,
    Party,
    Exit,
    Outcome,
    Exception,
    Code,
}

/// The one modifier: where a name is declared.
const DECLARATION: u32 = 1;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

fn of_kind(kind: Kind) -> Type {
    match kind {
        Kind::Party => Type::Party,
        Kind::Stage => Type::Stage,
        Kind::Exit => Type::Exit,
        Kind::Outcome => Type::Outcome,
        Kind::Exception | Kind::Pathway => Type::Exception,
    }
}

/// Every token of the text with its type and modifiers, in order. Commas,
/// colons and braces carry no colour and are left out.
pub fn classify(text: &str) -> Vec<(Span, Type, u32)> {
    let index = Index::build(text);
    // Each name looked up once, by where it starts: linear in the file.
    let targets: HashMap<&str, Kind> = index
        .symbols
        .iter()
        .rev()
        .filter(|s| s.kind.space() == Space::Target)
        .map(|s| (s.name.text.as_str(), s.kind))
        .collect();
    let mut names: HashMap<usize, (Type, u32)> = HashMap::new();
    for u in &index.uses {
        let kind = match u.space {
            Space::Party => Some(Kind::Party),
            Space::Exception => Some(Kind::Exception),
            Space::Target => targets.get(u.name.text.as_str()).copied(),
        };
        if let Some(kind) = kind {
            names.insert(u.name.span.start, (of_kind(kind), 0));
        }
    }
    for s in &index.symbols {
        names.insert(s.name.span.start, (of_kind(s.kind), DECLARATION));
    }
    for c in &index.codes {
        names.insert(c.span.start, (Type::Code, 0));
    }
    crate::format::tokens(text)
        .filter_map(|(kind, span)| {
            let (ty, modifiers) = match kind {
                Tok::Comment => (Type::Comment, 0),
                Tok::Text => (Type::String, 0),
                Tok::Arrow => (Type::Operator, 0),
                Tok::Comma | Tok::Colon | Tok::Open | Tok::Close => return None,
                Tok::Word => match names.get(&span.start) {
                    Some(&named) => named,
                    None if text[span.start..span.end].bytes().all(|b| b.is_ascii_digit()) => {
                        (Type::Number, 0)
                    }
                    None => (Type::Keyword, 0),
                },
            };
            Some((span, ty, modifiers))
        })
        .collect()
}

/// The tokens in LSP's relative encoding (lines, UTF-16 columns), each
/// token that spans lines split into one per line (clients need not take
/// tokens over several lines); only those on the lines of `range`, if one
/// is given.
pub fn encode(text: &str, range: Option<Range>) -> Vec<SemanticToken> {
    let mut out = Vec::new();
    // Where the walk is: its byte offset, line and UTF-16 column; the text
    // is walked once, token after token.
    let (mut offset, mut line, mut column) = (0usize, 0u32, 0u32);
    let (mut last_line, mut last_column) = (0u32, 0u32);
    let walk = |to: usize, offset: &mut usize, line: &mut u32, column: &mut u32| {
        for c in text[*offset..to].chars() {
            if c == '\n' {
                *line += 1;
                *column = 0;
            } else {
                *column += c.len_utf16() as u32;
            }
        }
        *offset = to;
    };
    let wanted = |l: u32| range.is_none_or(|r| r.start.line <= l && l <= r.end.line);
    for (span, ty, modifiers) in classify(text) {
        walk(span.start, &mut offset, &mut line, &mut column);
        // One piece per line of the token (a wrapped quote), without its
        // line break or the indentation of the lines after the first.
        for (i, piece) in text[span.start..span.end].split_inclusive('\n').enumerate() {
            let indent = if i == 0 { 0 } else { piece.len() - piece.trim_start_matches([' ', '\t']).len() };
            walk(offset + indent, &mut offset, &mut line, &mut column);
            let body = piece[indent..].trim_end_matches(['\n', '\r']);
            let length: u32 = body.chars().map(|c| c.len_utf16() as u32).sum();
            if length > 0 && wanted(line) {
                let delta_line = line - last_line;
                let delta_start = if delta_line == 0 { column - last_column } else { column };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length,
                    token_type: ty as u32,
                    token_modifiers_bitset: modifiers,
                });
                (last_line, last_column) = (line, column);
            }
            let end = offset + piece.len() - indent;
            walk(end, &mut offset, &mut line, &mut column);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decode the relative encoding into (line, column, the text, type name, declared).
    fn decode(text: &str, tokens: &[SemanticToken]) -> Vec<(u32, u32, String, String, bool)> {
        let lines: Vec<&str> = text.split('\n').collect();
        let (mut line, mut column) = (0, 0);
        tokens
            .iter()
            .map(|t| {
                if t.delta_line > 0 {
                    line += t.delta_line;
                    column = t.delta_start;
                } else {
                    column += t.delta_start;
                }
                let units: Vec<u16> = lines[line as usize].encode_utf16().collect();
                let word = String::from_utf16_lossy(&units[column as usize..(column + t.length) as usize]);
                let ty = TYPES[t.token_type as usize].as_str().to_string();
                (line, column, word, ty, t.token_modifiers_bitset & DECLARATION != 0)
            })
            .collect()
    }

    const PROTOCOL: &str = "\
protocol \"Example – é\" # a comment
party manager \"Line manager\" level 2
exit mash \"Referral to MASH\" within same working day
outcome agreed \"Agreed\"
at any stage: immediate risk -> mash
stage 1 \"Talk\" {
  parties manager
  step \"Discuss it\" within 24 hours
    quote \"two
    lines\"
  resolved -> agreed
  unresolved -> stage 2
}
stage 2 \"Meet\" {
  final decision
  allow missing-record \"no records\"
}
";

    #[test]
    fn each_word_has_the_type_of_what_it_is() {
        let got = decode(PROTOCOL, &encode(PROTOCOL, None));
        let find = |line: u32, word: &str| {
            got.iter()
                .find(|t| t.0 == line && t.2 == word)
                .map(|t| (t.3.as_str(), t.4))
                .unwrap_or_else(|| panic!("no token `{word}` on line {line}: {got:?}"))
        };
        assert_eq!(find(0, "protocol"), ("keyword", false));
        assert_eq!(find(0, "\"Example – é\""), ("string", false));
        assert_eq!(find(0, "# a comment"), ("comment", false));
        assert_eq!(find(1, "manager"), ("variable", true));
        assert_eq!(find(1, "2"), ("number", false));
        assert_eq!(find(2, "mash"), ("event", true));
        assert_eq!(find(2, "same"), ("keyword", false));
        assert_eq!(find(3, "agreed"), ("enumMember", true));
        assert_eq!(find(4, "->"), ("operator", false));
        assert_eq!(find(4, "mash"), ("event", false));
        assert_eq!(find(5, "stage"), ("keyword", false));
        assert_eq!(find(5, "1"), ("namespace", true));
        assert_eq!(find(6, "manager"), ("variable", false));
        assert_eq!(find(7, "24"), ("number", false));
        // A text over two lines is one token per line.
        assert_eq!(find(8, "\"two"), ("string", false));
        assert_eq!(find(9, "lines\""), ("string", false));
        assert_eq!(find(11, "2"), ("namespace", false));
        assert_eq!(find(15, "missing-record"), ("macro", false));
        // Punctuation carries no colour; every other token of the lexer is there once.
        assert!(!got.iter().any(|t| ["{", "}", ":", ","].contains(&t.2.as_str())), "{got:?}");
        let words = crate::format::tokens(PROTOCOL)
            .filter(|(k, _)| !matches!(k, Tok::Comma | Tok::Colon | Tok::Open | Tok::Close))
            .count();
        assert_eq!(got.len(), words + 1, "the two-line text is two tokens");
        // A range gives the tokens of its lines.
        let range = Range::new(lsp_types::Position::new(5, 0), lsp_types::Position::new(6, 0));
        let lines: Vec<u32> = decode(PROTOCOL, &encode(PROTOCOL, Some(range))).iter().map(|t| t.0).collect();
        assert_eq!(lines, [5, 5, 5, 6, 6]);
    }

    #[test]
    fn every_policy_s_names_are_typed_by_what_they_name() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(root.join("policies")).expect("policies").flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "esc") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("the policy");
            let index = Index::build(&text);
            let tokens = classify(&text);
            let at: HashMap<usize, Type> = tokens.iter().map(|(s, t, _)| (s.start, *t)).collect();
            for s in &index.symbols {
                assert_eq!(
                    at.get(&s.name.span.start),
                    Some(&of_kind(s.kind)),
                    "{}: {}",
                    path.display(),
                    s.name.text
                );
            }
            for u in index.uses.iter().filter(|u| u.space == Space::Party) {
                assert_eq!(
                    at.get(&u.name.span.start),
                    Some(&Type::Party),
                    "{}: {}",
                    path.display(),
                    u.name.text
                );
            }
            // The keywords are keywords (where they are not names: Blackburn
            // has an outcome called `resolved`).
            let named: std::collections::HashSet<usize> = index
                .symbols
                .iter()
                .map(|s| s.name.span.start)
                .chain(index.uses.iter().map(|u| u.name.span.start))
                .collect();
            for (span, ty, _) in tokens.iter().filter(|(s, ..)| !named.contains(&s.start)) {
                if ["stage", "within", "resolved", "unresolved", "parties", "quote"]
                    .contains(&&text[span.start..span.end])
                {
                    assert_eq!(
                        *ty,
                        Type::Keyword,
                        "{}: `{}` at {}",
                        path.display(),
                        &text[span.start..span.end],
                        span.start
                    );
                }
            }
            let encoded = encode(&text, None);
            assert!(encoded.len() >= tokens.len(), "{}", path.display());
        }
    }

    #[test]
    fn tokens_take_time_linear_in_the_size_of_the_file() {
        let protocol = |n: usize| {
            let mut out = String::from(
                "protocol \"P\"\nexit mash \"M\" within same working day\noutcome agreed \"A\"\n",
            );
            for i in 1..=n {
                out.push_str(&format!(
                    "stage {i} \"S{i}\" {{\n  within 2 working days\n  resolved -> agreed\n  unresolved -> stage {}\n}}\n",
                    i + 1
                ));
            }
            out
        };
        let time = |n: usize| {
            let text = protocol(n);
            (0..3)
                .map(|_| {
                    let start = std::time::Instant::now();
                    assert!(encode(&text, None).len() > 10 * n);
                    start.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let ratio = time(10_000) / time(1_000).max(1e-6);
        // Linear is 10; the square 100.
        assert!(ratio < 30.0, "10x the stages took {ratio:.1}x the time");
    }
}
