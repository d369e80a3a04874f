//! `escalate fmt`: one layout for every protocol file.
//!
//! The formatter changes only whitespace. It lexes the file into tokens
//! (words, texts, `{ } , : ->`, comments), keeping each text and comment
//! byte for byte, works out from the grammar which element every token
//! belongs to, and writes the tokens out again with canonical spaces, line
//! breaks and indentation. `docs/formatting.md` gives the rules for
//! authors; in short:
//!
//! - Top-level items start in column 0. Every element of a stage, exception
//!   or protocol header starts its own line, indented two spaces per level
//!   (a stage inside an exception has its lines at four). A `quote` (or a
//!   `note` of an exit or outcome, or a party's `agency` and `level` when
//!   the author put them on a line of their own) goes two spaces deeper
//!   than the element it belongs to.
//! - Line breaks the author put *inside* an element are kept, because
//!   wrapping long quotes is how the policies stay readable. Such a
//!   continuation line goes four spaces deeper than the element's first
//!   line, or two if the author indented it by exactly two (three of the
//!   seed policies wrap their quotes that way, two use four). Top-level
//!   items and stage and exception lines always take four, so a wrapped
//!   title never lines up with the clauses under it. The lines of one
//!   multi-line text all take the same indentation (that of the line it
//!   starts on, if that is itself a continuation line).
//! - One space between tokens, none before `,` and `:`, `{` at the end of
//!   its header line, `}` on a line of its own.
//! - A comment on its own line is indented like the line after it, or, if
//!   it follows an element directly and the author indented it deeper, as
//!   deep as a line of that element may go (so a remark at the end of an
//!   item stays with it). A comment at the end of a line stays there, one
//!   space after the code.
//! - Blank lines: at most one in a row; none at the start or end of the
//!   file or of a block, or before a continuation line; and always one
//!   around a top-level item that takes more than one line (before the
//!   comments that introduce it). A run of one-line items, such as a list
//!   of parties, may stay together.
//! - No trailing spaces, LF line endings, a final newline, no byte-order
//!   mark, and tabs become spaces (except inside comments, and escaped ones
//!   inside texts, which are kept as written).
//!
//! Inside a text, whitespace is only layout (runs of spaces and line breaks
//! count as one space), so re-indenting a wrapped text never changes it;
//! an escaped character (`\"`, `\\`, a backslash before a space or line
//! break) is never touched.
//!
//! [`format`] refuses a file with syntax errors, and checks its own work
//! before returning: the result must hold the same tokens and comments, and
//! each top-level item the layout changed must read as the same item
//! (`syntax::Item::forget_spans` aside), so a file with one change is read
//! twice over one item, not twice over.

use crate::diagnostic::{Code, Finding};

pub mod diff;

/// Lay out `source` canonically. Returns the syntax errors (as `check`
/// reports them) if the file does not parse; the file's meaning, words and
/// comments are never changed.
pub fn format(source: &str) -> Result<String, Vec<Finding>> {
    // Only syntax errors stop the formatter: a file with an unknown name or
    // a duplicate clause is laid out all the same.
    let (file, errors) = crate::syntax::parse(source);
    if errors.iter().any(|f| f.code == Code::SyntaxError) {
        return Err(errors);
    }
    let formatted = layout(source);
    // Already laid out (what `fmt --check` meets most in a repository): nothing to verify.
    if formatted == source {
        return Ok(formatted);
    }
    if let Err(why) = same_reading(source, file, &formatted) {
        return Err(vec![
            Finding::new(
                Code::SyntaxError,
                "escalate cannot lay out this file without changing it, so it leaves the file as it is",
            )
            .help(format!("this is a bug in the formatter ({why}); please report it with the file")),
        ]);
    }
    Ok(formatted)
}

/// Indentation width of a tab when measuring how the author indented a
/// line (only used to compare indents, never written).
const TAB_WIDTH: usize = 4;

/// What a token of the formatter's lexer is. The language server's
/// semantic tokens are these tokens too (`src/lsp/semantic.rs`), so an
/// editor highlights exactly the words the formatter sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Text,
    Comma,
    Colon,
    Arrow,
    Open,
    Close,
    Comment,
}

#[derive(Debug, Clone)]
struct Tok<'a> {
    kind: Kind,
    /// The token as written (a text with its quote marks and escapes).
    text: &'a str,
    /// Line breaks between the previous token and this one.
    breaks: usize,
    /// Indentation of the source line the token stands on.
    line_indent: usize,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{FEFF}')
}

/// Characters that end a word (besides whitespace and `->`).
fn ends_word(c: char) -> bool {
    matches!(c, '#' | '"' | '{' | '}' | ',' | ':' | '→') || is_space(c) || c == '\n' || c == '\r'
}

/// Split `source` into tokens. The text has parsed, so every text is closed.
fn lex(source: &str) -> Vec<Tok<'_>> {
    Lexer::new(source).collect()
}

/// Every token of `source` (which need not parse: a text left open runs to
/// the end), with its kind and byte span, in order.
pub fn tokens(source: &str) -> impl Iterator<Item = (Kind, crate::span::Span)> + '_ {
    let mut lexer = Lexer::new(source);
    std::iter::from_fn(move || {
        let tok = lexer.next()?;
        let end = source.len() - lexer.rest.len();
        Some((tok.kind, crate::span::Span::new(end - tok.text.len(), end)))
    })
}

/// The tokens of a text, one at a time (the self-check compares two files'
/// tokens without holding either's).
struct Lexer<'a> {
    rest: &'a str,
    indent: usize,
    at_line_start: bool,
}

impl<'a> Lexer<'a> {
    fn new(source: &'a str) -> Self {
        Lexer { rest: source, indent: 0, at_line_start: true }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Tok<'a>;

    fn next(&mut self) -> Option<Tok<'a>> {
        let mut breaks = 0;
        loop {
            let rest = self.rest;
            let c = rest.chars().next()?;
            if c == '\n' || c == '\r' {
                self.rest = rest.strip_prefix("\r\n").unwrap_or(&rest[1..]);
                breaks += 1;
                self.indent = 0;
                self.at_line_start = true;
                continue;
            }
            if is_space(c) {
                if self.at_line_start {
                    self.indent = advance(self.indent, c);
                }
                self.rest = &rest[c.len_utf8()..];
                continue;
            }
            let len = match c {
                // As the grammar says: to the line feed (a CR before it is
                // dropped with the spaces at the end of the comment).
                '#' => rest.find('\n').unwrap_or(rest.len()),
                '"' => text_len(rest),
                '{' | '}' | ',' | ':' => 1,
                '→' => c.len_utf8(),
                '-' if rest.starts_with("->") => 2,
                _ => {
                    let mut end = rest.len();
                    for (i, ch) in rest.char_indices().skip(1) {
                        if ends_word(ch) || rest[i..].starts_with("->") {
                            end = i;
                            break;
                        }
                    }
                    end
                }
            };
            let text = &rest[..len];
            let kind = match c {
                '#' => Kind::Comment,
                '"' => Kind::Text,
                '{' => Kind::Open,
                '}' => Kind::Close,
                ',' => Kind::Comma,
                ':' => Kind::Colon,
                _ if text == "->" || text == "→" => Kind::Arrow,
                _ => Kind::Word,
            };
            let tok = Tok { kind, text, breaks, line_indent: self.indent };
            if kind == Kind::Text
                && let Some(last) = text.rfind(['\n', '\r'])
            {
                // Later tokens stand on the text's last line.
                self.indent = text[last + 1..].chars().take_while(|&c| is_space(c)).fold(0, advance);
            }
            self.at_line_start = false;
            self.rest = &rest[len..];
            return Some(tok);
        }
    }
}

/// Width after one more indentation character.
fn advance(width: usize, c: char) -> usize {
    match c {
        '\t' => (width / TAB_WIDTH + 1) * TAB_WIDTH,
        '\u{FEFF}' => width,
        _ => width + 1,
    }
}

/// Length of the text starting at `rest` (which starts with `"`), quotes
/// included.
fn text_len(rest: &str) -> usize {
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return i + 1,
            _ => {}
        }
    }
    rest.len()
}

// ------------------------------------------------------------ structure

/// How a token is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Starts a line at `indent`. `sub` is how deep a line that still
    /// belongs to this element may go (for comments); `top` marks a
    /// top-level item; `wide` a line whose own clauses or block follow two
    /// spaces in, so its continuation lines always go four in.
    Line {
        indent: usize,
        sub: usize,
        top: bool,
        wide: bool,
    },
    /// Starts a line at `indent` if the author started a line with it;
    /// otherwise stays on the line before (`agency`, `level`, an exit's
    /// timescale).
    Sub {
        indent: usize,
        sub: usize,
    },
    /// Follows on the line, or starts a continuation line if the author
    /// broke the line before it.
    Inline,
    /// `,` and `:` (no space before) and `{` (one space): always on the line
    /// of the token before.
    Attach {
        space: bool,
    },
    /// `}` on its own line at `indent`.
    Close {
        indent: usize,
    },
    Comment,
}

/// Words that can begin an element. None of them can appear inside a
/// timescale, so a timescale runs until one of them (or `}`).
const ELEMENT_WORDS: &[&str] = &[
    "protocol",
    "party",
    "exit",
    "outcome",
    "stage",
    "exception",
    "pathway",
    "instruction",
    "allow",
    "source",
    "calendar",
    "closed",
    "limit",
    "note",
    "quote",
    "agency",
    "level",
    "parties",
    "step",
    "stages",
    "timescales",
    "record",
    "within",
    "cumulative",
    "final",
    "start",
    "resolved",
    "unresolved",
    "still",
    "immediate",
    "child",
    "no",
    "if",
    "version",
    "dated",
    "begins",
    "to",
    "discretionary",
    "implied",
    "otherwise",
    "and",
    "by",
    "service",
    "send",
    "before",
];

/// Words that begin a route's condition (or the marks before it).
const CONDITION_WORDS: &[&str] =
    &["resolved", "unresolved", "still", "immediate", "child", "no", "if", "implied", "discretionary"];

/// Assigns a [`Role`] to every token by walking the grammar's structure
/// (`grammar/escalate.pest`) over the code tokens. Names are read by
/// position, so a party called `quote` is still a name.
struct Shape<'t, 'a> {
    toks: &'t [Tok<'a>],
    /// Indices of the tokens that are not comments.
    code: Vec<usize>,
    pos: usize,
    roles: Vec<Role>,
}

impl<'t, 'a> Shape<'t, 'a> {
    fn new(toks: &'t [Tok<'a>]) -> Self {
        let roles = toks
            .iter()
            .map(|t| match t.kind {
                Kind::Comment => Role::Comment,
                Kind::Comma | Kind::Colon => Role::Attach { space: false },
                Kind::Open => Role::Attach { space: true },
                _ => Role::Inline,
            })
            .collect();
        let code = toks.iter().enumerate().filter(|(_, t)| t.kind != Kind::Comment).map(|(i, _)| i).collect();
        Shape { toks, code, pos: 0, roles }
    }

    fn tok(&self, ahead: usize) -> Option<&Tok<'a>> {
        self.code.get(self.pos + ahead).map(|&i| &self.toks[i])
    }

    fn word(&self, ahead: usize) -> Option<&'a str> {
        self.tok(ahead).filter(|t| t.kind == Kind::Word).map(|t| t.text)
    }

    fn kind(&self, ahead: usize) -> Option<Kind> {
        self.tok(ahead).map(|t| t.kind)
    }

    fn done(&self) -> bool {
        self.pos >= self.code.len()
    }

    /// Give the current token `role` and move on.
    fn set(&mut self, role: Role) {
        if let Some(&i) = self.code.get(self.pos) {
            self.roles[i] = role;
            self.pos += 1;
        }
    }

    /// Move past `n` tokens, leaving their default roles.
    fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.code.len());
    }

    fn line(&mut self, indent: usize, sub: usize) {
        self.set(Role::Line { indent, sub, top: false, wide: false });
    }

    /// `at any stage` (also `at every stages`, ...) starts here.
    fn at_any_stage(&self) -> bool {
        self.word(0) == Some("at") && matches!(self.word(1), Some("any" | "every" | "all"))
    }

    /// The next token ends a timescale (or there is none).
    fn at_stop(&self) -> bool {
        match self.tok(0) {
            None => true,
            Some(t) => match t.kind {
                Kind::Close | Kind::Open => true,
                Kind::Word => ELEMENT_WORDS.contains(&t.text) || self.at_any_stage(),
                _ => false,
            },
        }
    }

    /// The rest of a timescale, up to the next element. Some element words
    /// belong to a timescale where they stand: `no more than`, `and within`,
    /// `of step 1`, `of the end of stage 2`, and `or earlier if` with its
    /// condition (to the end of the line, or a text).
    fn timescale(&mut self) {
        loop {
            match (self.word(0), self.word(1), self.word(2)) {
                (Some("no"), Some("more"), _) => self.skip(1),
                // `and within B`, `and B`: both hold (not a route's `and record`).
                // Nor a route's `and send` (`and discretionary send`).
                (Some("and"), next, _) if !matches!(next, Some("record" | "send" | "discretionary")) => {
                    self.skip(1)
                }
                // `up to 3 working days`.
                (Some("up"), Some("to"), _) => self.skip(2),
                (Some("within"), _, _) if self.pos > 0 && self.word_before() == Some("and") => self.skip(1),
                (Some("of"), _, _) => {
                    self.skip(1);
                    if self.word(0) == Some("the")
                        && matches!(self.word(1), Some("start" | "end"))
                        && self.word(2) == Some("of")
                    {
                        self.skip(3);
                    }
                    // `of the start or end of step 1`: the text leaves it unclear.
                    if self.word(0) == Some("the")
                        && self.word(1) == Some("start")
                        && self.word(2) == Some("or")
                        && self.word(3) == Some("end")
                    {
                        self.skip(5);
                    }
                    if matches!(self.word(0), Some("stage" | "step")) {
                        self.skip(2);
                    } else if self.word(0) == Some("the") {
                        // `of the meeting`, `of the disagreement`: a name, whatever it is.
                        self.skip(2);
                    }
                }
                (Some("or"), Some("earlier"), Some("if")) => {
                    self.skip(3);
                    // The condition: a text, or the words to the end of the
                    // line its first word is on.
                    let quoted = self.kind(0) == Some(Kind::Text);
                    self.skip(1);
                    while !quoted && self.tok(0).is_some_and(|t| t.breaks == 0) {
                        self.skip(1);
                    }
                }
                _ if self.at_stop() => break,
                _ => self.skip(1),
            }
        }
    }

    /// The word just before the current token, if it is one.
    fn word_before(&self) -> Option<&'a str> {
        let i = *self.code.get(self.pos.checked_sub(1)?)?;
        let t = &self.toks[i];
        (t.kind == Kind::Word).then_some(t.text)
    }

    /// An optional timing after a step, record, route or exit: `within` and
    /// a timescale, or a timescale alone. The first token gets `first`.
    fn timing(&mut self, first: Role) {
        let maximum = self.word(0) == Some("no") && self.word(1) == Some("more");
        if self.word(0) == Some("within") || maximum || !self.at_stop() {
            self.set(first);
            self.timescale();
        }
    }

    /// `quote "..."` (and, with `notes`, `note "..."`) lines at `indent`;
    /// `source "..."` lines too, which every element but a timescale may have.
    fn quotes(&mut self, indent: usize, notes: bool) {
        loop {
            match self.word(0) {
                Some("quote" | "source") => {
                    self.line(indent, indent);
                    self.skip(1);
                }
                Some("note") if notes => self.note(indent),
                _ => break,
            }
        }
    }

    /// `note "..."` at `indent`, and its own quotes two spaces deeper (the
    /// quotes written right after a note are the note's).
    fn note(&mut self, indent: usize) {
        self.line(indent, indent + 2);
        self.skip(1);
        while self.word(0) == Some("quote") {
            self.line(indent + 2, indent + 2);
            self.skip(1);
        }
    }

    /// The rest of a step or record after its keyword (which has its role):
    /// text, `if "..."`, `by agency "..."`, timing, quotes at `indent + 2`, and
    /// an `otherwise` branch on a line of its own at `indent + 2`.
    fn step_rest(&mut self, indent: usize) {
        self.skip(1); // the text
        if self.word(0) == Some("as") && !matches!(self.word(1), Some("soon" | "quickly")) {
            self.skip(2); // `as NAME`, not `as soon as possible`
        }
        // `if "..."`, unless it is the condition of a route on the next line.
        if self.word(0) == Some("if") && self.kind(2) != Some(Kind::Arrow) {
            self.skip(2);
        }
        if self.word(0) == Some("by") {
            self.skip(3); // `by agency "..."`
        }
        self.whom();
        // A `send`'s `to A and "B"` (not a route's next `and record` or
        // `and send`), then `through A or B`.
        if self.word(0) == Some("to") {
            self.skip(2);
            while self.word(0) == Some("and")
                && !matches!(self.word(1), Some("record" | "send" | "discretionary"))
                || self.kind(0) == Some(Kind::Comma)
            {
                self.skip(2);
            }
            self.whom();
        }
        self.timing(Role::Inline);
        self.quotes(indent + 2, false);
        if self.word(0) == Some("otherwise") {
            self.line(indent + 2, indent + 4);
            self.skip(1);
            self.timing(Role::Inline);
            self.quotes(indent + 4, false);
        }
    }

    /// The rest of `before the first stage: step ...` (or `send`), its
    /// keyword's role set: the step's clauses, then its notes, at `indent` + 2.
    fn before(&mut self, indent: usize) {
        self.skip(3); // `the first stage`
        if self.kind(0) == Some(Kind::Colon) {
            self.skip(1);
        }
        if self.word(0) == Some("discretionary") {
            self.skip(1);
        }
        self.skip(1); // `step` or `send`
        self.step_rest(indent);
        while self.word(0) == Some("note") {
            self.note(indent + 2);
        }
    }

    /// `from stage 2 onwards` or `of the main ladder and cp-conference`, after
    /// `at any stage`.
    fn scope(&mut self) {
        match self.word(0) {
            Some("from") => {
                self.skip(3);
                if self.word(0) == Some("onwards") {
                    self.skip(1);
                }
            }
            Some("of") => {
                self.skip(1);
                loop {
                    if self.word(0) == Some("the") {
                        self.skip(if self.word(1) == Some("main") { 3 } else { 2 });
                    } else {
                        self.skip(1);
                    }
                    if self.kind(0) == Some(Kind::Comma) || self.word(0) == Some("and") {
                        self.skip(1);
                    } else {
                        break;
                    }
                }
            }
            _ => {}
        }
    }

    fn file(&mut self) {
        while !self.done() {
            let before = self.pos;
            self.item(0);
            if self.pos == before {
                self.skip(1); // not an item start: keep it on its line
            }
        }
    }

    /// A top-level item at `indent` (0).
    fn item(&mut self, indent: usize) {
        let clause = indent + 2;
        let top = Role::Line { indent, sub: clause, top: true, wide: true };
        match self.word(0) {
            Some("protocol") => {
                self.set(top);
                self.skip(1);
                self.header(clause);
            }
            Some("party") => {
                self.set(top);
                self.skip(2);
                loop {
                    match self.word(0) {
                        Some("agency" | "level") => {
                            self.set(Role::Sub { indent: clause, sub: clause });
                            self.skip(1);
                        }
                        Some("quote" | "source") => {
                            self.line(clause, clause);
                            self.skip(1);
                        }
                        Some("note") => self.note(clause),
                        _ => break,
                    }
                }
            }
            Some("exit") => {
                self.set(top);
                self.skip(2);
                if self.word(0) == Some("to") {
                    self.set(Role::Sub { indent: clause, sub: clause });
                    self.skip(1);
                    while self.word(0) == Some("or") {
                        self.skip(2);
                    }
                }
                self.timing(Role::Sub { indent: clause, sub: clause });
                self.quotes(clause, true);
            }
            Some("outcome") => {
                self.set(top);
                self.skip(2);
                self.quotes(clause, true);
            }
            Some("instruction") => {
                self.set(top);
                self.skip(1); // the text
                loop {
                    match self.word(0) {
                        // `counts as ROUTE`: a line of its own, its quotes under it.
                        Some("counts") if self.word(1) == Some("as") => {
                            self.line(clause, clause + 2);
                            self.skip(1); // `as`
                            self.route(clause + 2);
                        }
                        Some("quote" | "source") => {
                            self.line(clause, clause);
                            self.skip(1);
                        }
                        Some("note") => self.note(clause),
                        _ => break,
                    }
                }
            }
            Some("at") if self.at_any_stage() => {
                self.set(top);
                self.skip(2);
                self.scope();
                if self.kind(0) == Some(Kind::Colon) {
                    self.skip(1);
                }
                match self.word(0) {
                    Some("note") => {
                        self.skip(2);
                        self.quotes(clause, false);
                    }
                    Some("record" | "step" | "send") => {
                        self.skip(1);
                        self.step_rest(clause - 2);
                    }
                    Some("discretionary") if matches!(self.word(1), Some("step" | "send")) => {
                        self.skip(2);
                        self.step_rest(clause - 2);
                    }
                    _ => self.route(clause),
                }
                // Notes after the rule, which explain it.
                while self.word(0) == Some("note") {
                    self.note(clause);
                }
            }
            Some("stage") => self.stage(indent, true),
            Some("before") => {
                self.set(top);
                self.before(clause - 2);
            }
            // A pathway of equal standing is laid out as an exception is.
            Some("exception" | "pathway") => {
                self.set(top);
                self.skip(3); // name, title, `{`
                loop {
                    match (self.kind(0), self.word(0)) {
                        (Some(Kind::Close), _) => {
                            self.set(Role::Close { indent });
                            break;
                        }
                        (_, Some("start")) => {
                            self.line(clause, clause + 2);
                            self.skip(1); // `->`
                            self.target();
                            self.quotes(clause + 2, false);
                        }
                        (_, Some("stage")) => self.stage(clause, false),
                        (_, Some("before")) => {
                            self.line(clause, clause + 2);
                            self.before(clause);
                        }
                        (_, Some("note")) => self.note(clause),
                        (_, Some("quote" | "source")) => {
                            self.line(clause, clause);
                            self.skip(1);
                        }
                        (_, Some("allow")) => {
                            self.line(clause, clause);
                            self.skip(2);
                        }
                        _ => break,
                    }
                }
            }
            Some("allow") => {
                self.set(top);
                self.skip(2);
            }
            Some("service") => {
                // `service "..." includes "A", "B" and "C"`, then its notes and quotes.
                self.set(top);
                self.skip(3); // the name, `includes`, the first part
                while self.word(0) == Some("and") || self.kind(0) == Some(Kind::Comma) {
                    self.skip(2);
                }
                self.quotes(clause, true);
            }
            Some("stages") => {
                // `stages 1 to 3`, `stages 1, 2 and 3`, then the timescale.
                self.set(top);
                self.skip(1);
                while matches!(self.word(0), Some("to" | "and")) || self.kind(0) == Some(Kind::Comma) {
                    self.skip(2);
                }
                self.timing(Role::Inline);
                self.quotes(clause, false);
                while self.word(0) == Some("note") {
                    self.note(clause);
                }
            }
            _ => {}
        }
    }

    /// The clauses of a `protocol` header, at `indent`.
    fn header(&mut self, indent: usize) {
        loop {
            match self.word(0) {
                Some("source" | "calendar" | "quote" | "version" | "dated") => {
                    self.line(indent, indent);
                    self.skip(1);
                }
                Some("note") => self.note(indent),
                Some("begins") => {
                    self.line(indent, indent + 2);
                    self.skip(2); // `after`, the text
                    self.quotes(indent + 2, false);
                }
                Some("limit") => {
                    self.line(indent, indent + 2);
                    self.timing(Role::Inline);
                    self.quotes(indent + 2, false);
                }
                Some("closed") => {
                    // `closed ["Name"] 2026-12-24 to 2027-01-01, every 24 December to 1 January`.
                    self.line(indent, indent + 2);
                    if self.kind(0) == Some(Kind::Text) {
                        self.skip(1);
                    }
                    loop {
                        if self.word(0) == Some("every") {
                            self.skip(3); // `every 24 December`
                            if self.word(0) == Some("to") {
                                self.skip(3);
                            }
                        } else {
                            self.skip(1);
                            if self.word(0) == Some("to") {
                                self.skip(2);
                            }
                        }
                        if self.kind(0) == Some(Kind::Comma) {
                            self.skip(1);
                        } else {
                            break;
                        }
                    }
                    self.quotes(indent + 2, false);
                }
                Some("timescales") => {
                    self.line(indent, indent + 2);
                    self.skip(1); // `advisory`
                    self.quotes(indent + 2, false);
                }
                Some("allow") => {
                    self.line(indent, indent);
                    self.skip(2);
                }
                _ => break,
            }
        }
    }

    /// `stage ID "Title" { ... }` with its header line at `indent`.
    fn stage(&mut self, indent: usize, top: bool) {
        let inner = indent + 2;
        self.set(Role::Line { indent, sub: inner, top, wide: true });
        self.skip(3); // id, title, `{`
        loop {
            let Some(word) = self.word(0) else {
                if self.kind(0) == Some(Kind::Close) {
                    self.set(Role::Close { indent });
                }
                break;
            };
            match word {
                "step" | "record" | "send" => {
                    self.line(inner, inner + 2);
                    self.step_rest(inner);
                }
                "discretionary" if matches!(self.word(1), Some("step" | "send")) => {
                    self.line(inner, inner + 2);
                    self.skip(1);
                    self.step_rest(inner);
                }
                "no" if self.word(1) == Some("outcome") => {
                    self.line(inner, inner + 2);
                    self.skip(2); // `outcome described`
                    self.quotes(inner + 2, false);
                }
                "parties" => {
                    self.line(inner, inner);
                    self.skip(1);
                    loop {
                        // `if "..."` after a name, unless it is a route's condition.
                        if self.word(0) == Some("if")
                            && self.kind(1) == Some(Kind::Text)
                            && self.kind(2) != Some(Kind::Arrow)
                        {
                            self.skip(2);
                        }
                        match (self.kind(0), self.word(0)) {
                            (Some(Kind::Comma), _) | (_, Some("or" | "otherwise")) => self.skip(2),
                            _ => break,
                        }
                    }
                    // Its quotes, under it.
                    while self.word(0) == Some("quote") {
                        self.line(inner + 2, inner + 2);
                        self.skip(1);
                    }
                }
                "within" | "cumulative" => {
                    self.line(inner, inner + 2);
                    self.timescale();
                    self.quotes(inner + 2, false);
                }
                "final" => {
                    self.line(inner, inner + 2);
                    self.skip(1);
                    self.quotes(inner + 2, false);
                }
                "note" => self.note(inner),
                "quote" | "source" => {
                    self.line(inner, inner);
                    self.skip(1);
                }
                "allow" => {
                    self.line(inner, inner);
                    self.skip(2);
                }
                w if CONDITION_WORDS.contains(&w) => {
                    self.line(inner, inner + 2);
                    self.route(inner + 2);
                }
                _ => break,
            }
        }
    }

    /// The rest of a route (its first token may already have its role):
    /// condition, arrow, target, timing, and quotes at `quote_indent`.
    fn route(&mut self, quote_indent: usize) {
        // The condition: at most six words (`implied discretionary child at
        // immediate risk`) or `if "..."`, up to the arrow.
        let mut n = 0;
        while n < 6 && !self.done() && self.kind(0) != Some(Kind::Arrow) {
            self.skip(1);
            n += 1;
        }
        if self.kind(0) == Some(Kind::Arrow) {
            self.skip(1);
        }
        self.target();
        self.whom();
        self.timing(Role::Inline);
        self.quotes(quote_indent, false);
        // `and record "..."`, `and send "..." to ...`: each a line of its
        // own, under the route.
        while self.word(0) == Some("and") {
            match (self.word(1), self.word(2)) {
                (Some("record" | "send"), _) => {
                    self.line(quote_indent, quote_indent + 2);
                    self.skip(1);
                }
                (Some("discretionary"), Some("send")) => {
                    self.line(quote_indent, quote_indent + 2);
                    self.skip(2);
                }
                _ => break,
            }
            self.step_rest(quote_indent);
        }
    }

    /// `for agency "..."`, `for NAME`, `for "..."`, then `through A or B`:
    /// on the line of the step, record or route they belong to.
    fn whom(&mut self) {
        if self.word(0) == Some("for") {
            self.skip(if self.word(1) == Some("agency") { 3 } else { 2 });
        }
        if self.word(0) == Some("through") {
            self.skip(2);
            while self.word(0) == Some("or") {
                self.skip(2);
            }
        }
    }

    /// `stage ID` or a name.
    fn target(&mut self) {
        if self.word(0) == Some("stage") {
            self.skip(2);
        } else {
            self.skip(1);
        }
    }
}

// ------------------------------------------------------------ output

/// One line of output.
#[derive(Debug, Default)]
struct Out {
    indent: usize,
    /// Where the line's text begins in [`Writer::text`]; it runs to where
    /// the next line's begins (one buffer, not a `String` a line).
    start: usize,
    /// A blank line goes before this one.
    blank: bool,
    /// The top-level item this line belongs to; `None` for a comment
    /// between items.
    item: Option<usize>,
    /// The line ends with `{` (before any comment).
    opens: bool,
    /// The line is `}`.
    closes: bool,
}

/// The continuation indent for an author's offset (relative to the
/// element's first line).
fn continuation(offset: isize) -> usize {
    if offset == 2 { 2 } else { 4 }
}

struct Writer {
    lines: Vec<Out>,
    /// The text of every line, one after another.
    text: String,
    /// Indent (written) and indent (as the author wrote it) of the current
    /// element's first line.
    elem_indent: usize,
    elem_source_indent: usize,
    /// How deep a line that belongs to the current element may go.
    sub: usize,
    /// The current element's continuation lines always go four in.
    wide: bool,
    /// The current line is a continuation line.
    continued: bool,
    item: Option<usize>,
    items: usize,
    /// The last token was a comment: the next one starts a line.
    after_comment: bool,
    /// A blank line since the last code token.
    blank_since_code: bool,
}

impl Writer {
    fn new_line(&mut self, indent: usize, blank: bool) {
        self.lines.push(Out { indent, blank, item: self.item, start: self.text.len(), ..Out::default() });
    }

    fn push(&mut self, space: bool, text: &str) {
        if self.lines.is_empty() {
            self.new_line(0, false);
        }
        if let Some(line) = self.lines.last() {
            if space && self.text.len() > line.start {
                self.text.push(' ');
            }
            self.text.push_str(text);
        }
    }

    /// Where a continuation line of the current element goes, given the
    /// author's indentation of it.
    fn continuation_indent(&self, source_indent: Option<usize>) -> usize {
        let offset = source_indent.map_or(4, |i| i as isize - self.elem_source_indent as isize);
        self.elem_indent + if self.wide { 4 } else { continuation(offset) }
    }

    /// Append a text token, re-indenting the lines of a multi-line text:
    /// all of them like the line the text starts on if that is itself a
    /// continuation line, else as the first of them says.
    fn push_text(&mut self, space: bool, raw: &str) {
        let mut pieces = text_lines(raw).into_iter();
        if let Some(first) = pieces.next() {
            self.push(space, &first.text);
        }
        let mut indent = self.continued.then(|| self.lines.last().map_or(0, |l| l.indent));
        for piece in pieces {
            let at = *indent.get_or_insert_with(|| self.continuation_indent(Some(piece.source_indent)));
            self.new_line(at, piece.blank);
            self.push(false, &piece.text);
        }
    }
}

/// One line of a text token.
struct TextLine {
    /// The line without its indentation or trailing spaces.
    text: String,
    /// The author's indentation.
    source_indent: usize,
    /// Blank lines (inside the text) came before it.
    blank: bool,
}

/// Split a text's raw form at its unescaped line breaks. Indentation and
/// trailing spaces are dropped and unescaped tabs become spaces, none of
/// which changes what the text says: a run of unescaped whitespace inside a
/// text is one separator, whatever its length.
fn text_lines(raw: &str) -> Vec<TextLine> {
    let mut lines = vec![TextLine { text: String::new(), source_indent: 0, blank: false }];
    let mut chars = raw.chars().peekable();
    let mut at_start = false; // skipping the indentation of a new line
    let mut width = 0;
    let mut blank = false;
    // Trailing spaces are only dropped once the line is known to end.
    let mut pending = String::new();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            pending.clear();
            if at_start {
                blank = true; // an empty line inside the text
            }
            at_start = true;
            width = 0;
            continue;
        }
        if at_start {
            if c == ' ' || c == '\t' {
                width = advance(width, c);
                continue;
            }
            at_start = false;
            lines.push(TextLine { text: String::new(), source_indent: width, blank });
            blank = false;
        }
        let Some(line) = lines.last_mut() else { break };
        match c {
            ' ' | '\t' => pending.push(' '),
            '\\' => {
                line.text.push_str(&pending);
                pending.clear();
                line.text.push(c);
                // An escaped line break is part of the text: the line after
                // it is not re-indented, since adding indentation where
                // there was none would add a space to the text.
                if let Some(next) = chars.next() {
                    line.text.push(next);
                }
            }
            _ => {
                line.text.push_str(&pending);
                pending.clear();
                line.text.push(c);
            }
        }
    }
    lines
}

/// Lay out a file that parses.
fn layout(source: &str) -> String {
    let mut toks = lex(source);
    let mut shape = Shape::new(&toks);
    shape.file();
    let mut roles = shape.roles;
    attach_before_comments(&mut toks, &mut roles);

    let mut w = Writer {
        lines: Vec::new(),
        text: String::with_capacity(source.len()),
        elem_indent: 0,
        elem_source_indent: 0,
        sub: 0,
        wide: false,
        continued: false,
        item: None,
        items: 0,
        after_comment: false,
        blank_since_code: false,
    };
    for (i, tok) in toks.iter().enumerate() {
        let broken = tok.breaks > 0 || w.lines.is_empty();
        let blank = tok.breaks > 1;
        if blank {
            w.blank_since_code = true;
        }
        let starts = |w: &mut Writer, indent: usize, sub: usize, wide: bool| {
            w.new_line(indent, blank);
            w.elem_indent = indent;
            w.elem_source_indent = tok.line_indent;
            w.sub = sub;
            w.wide = wide;
            w.continued = false;
        };
        match roles[i] {
            Role::Line { indent, sub, top, wide } => {
                if top {
                    w.item = Some(w.items);
                    w.items += 1;
                }
                starts(&mut w, indent, sub, wide);
                w.push(false, tok.text);
            }
            Role::Sub { indent, sub } if broken || w.after_comment => {
                starts(&mut w, indent, sub, false);
                w.push(false, tok.text);
            }
            Role::Close { indent } => {
                starts(&mut w, indent, indent, false);
                w.push(false, tok.text);
                if let Some(line) = w.lines.last_mut() {
                    line.closes = true;
                }
            }
            Role::Comment => {
                let text = tok.text.trim_end();
                if !broken && !w.after_comment {
                    w.push(true, text);
                } else {
                    let (next_indent, next_top) = next_line(&toks, &roles, i, &w);
                    let a = tok.line_indent;
                    let indent = if w.blank_since_code || a <= next_indent {
                        next_indent
                    } else {
                        next_indent.max(w.sub.min(a - a % 2))
                    };
                    let item = w.item;
                    if indent == 0 && next_top {
                        w.item = None;
                    }
                    w.new_line(indent, blank);
                    w.item = item;
                    w.push(false, text);
                }
                w.after_comment = true;
                continue;
            }
            Role::Sub { .. } | Role::Inline | Role::Attach { .. } => {
                let space = !matches!(roles[i], Role::Attach { space: false });
                if broken || w.after_comment {
                    let source = (tok.breaks > 0).then_some(tok.line_indent);
                    let indent = w.continuation_indent(source);
                    // A blank line inside an element only splits it.
                    w.new_line(indent, false);
                    w.continued = true;
                    if tok.kind == Kind::Text {
                        w.push_text(false, tok.text);
                    } else {
                        w.push(false, tok.text);
                    }
                } else if tok.kind == Kind::Text {
                    w.push_text(space, tok.text);
                } else {
                    w.push(space, tok.text);
                }
                if tok.kind == Kind::Open
                    && let Some(line) = w.lines.last_mut()
                {
                    line.opens = true;
                }
            }
        }
        w.after_comment = false;
        w.blank_since_code = false;
    }
    render(w.lines, &w.text)
}

/// Where the line after the comment at `i` goes: its indent (a `}` counts as
/// the inside of its block) and whether it starts a top-level item (or the
/// file ends).
fn next_line(toks: &[Tok], roles: &[Role], i: usize, w: &Writer) -> (usize, bool) {
    let Some(j) = (i + 1..toks.len()).find(|&j| roles[j] != Role::Comment) else {
        return (0, true);
    };
    match roles[j] {
        Role::Line { indent, top, .. } => (indent, top),
        Role::Sub { indent, .. } => (indent, false),
        Role::Close { indent } => (indent + 2, false),
        _ => {
            let source = (toks[j].breaks > 0).then_some(toks[j].line_indent);
            (w.continuation_indent(source), false)
        }
    }
}

/// Put each `,`, `:` and `{` right after the token before it, ahead of any
/// comments in between (a comment runs to the end of its line, so nothing
/// can follow it on the line). A line break the author put before a comma
/// moves after it.
fn attach_before_comments(toks: &mut [Tok], roles: &mut [Role]) {
    for i in 0..toks.len() {
        if !matches!(roles[i], Role::Attach { .. }) {
            continue;
        }
        let mut at = i;
        while at > 0 && roles[at - 1] == Role::Comment {
            toks.swap(at - 1, at);
            roles.swap(at - 1, at);
            at -= 1;
        }
        let breaks = std::mem::take(&mut toks[at].breaks);
        // A list the author wrapped before a comma stays wrapped, after it.
        if toks[at].kind == Kind::Comma
            && breaks > 0
            && let Some(next) = toks.get_mut(at + 1)
            && next.breaks == 0
        {
            next.breaks = breaks;
        }
    }
}

/// Blank lines, then the text.
fn render(mut lines: Vec<Out>, text: &str) -> String {
    // Blank lines: never first, after `{` or before `}`.
    for k in 0..lines.len() {
        if k == 0 || lines[k - 1].opens || lines[k].closes {
            lines[k].blank = false;
        }
    }
    // Around an item that takes more than one line, always one.
    let mut spans: Vec<(usize, usize, usize)> = Vec::new(); // (first, last, count)
    for (k, line) in lines.iter().enumerate() {
        if let Some(item) = line.item {
            if spans.len() <= item {
                spans.resize(item + 1, (k, k, 0));
            }
            let span = &mut spans[item];
            span.1 = k;
            span.2 += 1;
        }
    }
    for pair in spans.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        if (before.2 > 1 || after.2 > 1)
            && let Some(line) = lines.get_mut(before.1 + 1)
        {
            line.blank = true;
        }
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (k, line) in lines.iter().enumerate() {
        let own = &text[line.start..lines.get(k + 1).map_or(text.len(), |next| next.start)];
        if line.blank {
            out.push('\n');
        }
        if !own.is_empty() {
            out.extend(std::iter::repeat_n(' ', line.indent));
        }
        out.push_str(own);
        out.push('\n');
    }
    out
}

// ------------------------------------------------------------ self-check

/// The self-check: the result holds the same words, texts (as escalate
/// reads them) and comments as the file, and each item the layout changed
/// reads as the same item, spans aside. An item whose text is unchanged
/// reads the same without being read again (items are read one by one), so
/// a file with one change costs one item's reading, not the file's.
fn same_reading(before: &str, mut file: crate::syntax::File, after: &str) -> Result<(), String> {
    // Where each item begins in the result: at the token that begins it in
    // the file (the two hold the same tokens, in order).
    let offset = |source: &str, tok: &Tok| tok.text.as_ptr() as usize - source.as_ptr() as usize;
    let mut starts_after = Vec::with_capacity(file.starts.len());
    // One pass over each file: its comments are set aside as its words are compared.
    let (mut comments_before, mut comments_after) = (Vec::new(), Vec::new());
    let mut code_after = code_of(after, &mut comments_after);
    for tok in code_of(before, &mut comments_before) {
        let Some(again) = code_after.next() else { return Err("the words or texts changed".into()) };
        if Word::of(&tok) != Word::of(&again) {
            return Err("the words or texts changed".into());
        }
        if file.starts.get(starts_after.len()) == Some(&offset(before, &tok)) {
            starts_after.push(offset(after, &again));
        }
    }
    if code_after.next().is_some() {
        return Err("the words or texts changed".into());
    }
    drop(code_after);
    if starts_after.len() != file.starts.len() {
        return Err("an item does not begin at a word".into());
    }
    if comments_before != comments_after {
        return Err("the comments changed".into());
    }

    // Each item's text runs to the next item (its comments and blank lines with it).
    let end = |starts: &[usize], len: usize, k: usize| starts.get(k + 1).copied().unwrap_or(len);
    let changed = |k: usize| {
        before[file.starts[k]..end(&file.starts, before.len(), k)]
            != after[starts_after[k]..end(&starts_after, after.len(), k)]
    };
    // Runs of changed items are read again together: one reading for a file
    // laid out anew, not one for each of its items.
    let mut k = 0;
    while k < file.items.len() {
        if !changed(k) {
            k += 1;
            continue;
        }
        let first = k;
        while k < file.items.len() && changed(k) {
            k += 1;
        }
        let text = &after[starts_after[first]..end(&starts_after, after.len(), k - 1)];
        let (mut again, errors) = crate::syntax::parse(text);
        if !errors.is_empty() {
            return Err("the result does not read".into());
        }
        let read = &mut file.items[first..k];
        read.iter_mut().chain(&mut again.items).for_each(crate::syntax::Item::forget_spans);
        if *read != *again.items {
            return Err("an item read from the result is not the same".into());
        }
    }
    Ok(())
}

/// The tokens of `source` but its comments, which go into `comments`.
fn code_of<'a: 'c, 'c>(
    source: &'a str,
    comments: &'c mut Vec<&'a str>,
) -> impl Iterator<Item = Tok<'a>> + 'c {
    Lexer::new(source).filter(move |t| {
        if t.kind == Kind::Comment {
            comments.push(t.text.trim_end());
        }
        t.kind != Kind::Comment
    })
}

/// A token as escalate reads it, for the self-check: a text compares as its
/// characters with runs of unescaped whitespace as one space (none at the
/// ends) and its escapes left in; any other token as written.
struct Word<'a>(Kind, &'a str);

impl<'a> Word<'a> {
    fn of(tok: &Tok<'a>) -> Self {
        Word(tok.kind, tok.text)
    }
}

impl PartialEq for Word<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
            && match self.0 {
                Kind::Text => text_key(self.1).eq(text_key(other.1)),
                _ => self.1 == other.1,
            }
    }
}

/// The characters of a text as escalate reads it (see [`Word`]).
fn text_key(raw: &str) -> impl Iterator<Item = char> + '_ {
    let inner = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    let mut chars = inner.chars();
    // A space is owed before the next character; `started` once one is out.
    let (mut space, mut started, mut escaped) = (false, false, false);
    let mut held = None;
    std::iter::from_fn(move || {
        if let Some(c) = held.take() {
            return Some(c);
        }
        loop {
            let c = chars.next()?;
            if escaped {
                escaped = false;
                return Some(c);
            }
            if c.is_whitespace() {
                space = true;
                continue;
            }
            escaped = c == '\\';
            let owed = space && started;
            space = false;
            started = true;
            if owed {
                held = Some(c);
                return Some(' ');
            }
            return Some(c);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Format `source`, checking that formatting again changes nothing.
    fn fmt(source: &str) -> String {
        let once = format(source).unwrap_or_else(|e| panic!("does not format: {e:?}\n{source}"));
        let twice = format(&once).unwrap_or_else(|e| panic!("output does not format: {e:?}\n{once}"));
        assert_eq!(once, twice, "formatting twice changed the text");
        once
    }

    const STAGE_OPEN: &str = "protocol \"P\"\n\nstage 1 \"One\" {\n";

    #[test]
    fn one_long_line_is_laid_out_by_the_grammar() {
        let source = "protocol \"P\" source \"S\" calendar england-and-wales limit 10 working days \
            quote \"q\" note \"n\" party a \"A\" agency \"X\" level 1 quote \"qa\" exit mash \"M\" \
            within same working day note \"n\" stage 1 \"One\" { parties a , b step \"s\" within 2 \
            working days quote \"q1\" resolved -> agreed unresolved -> stage 2 within 1 working day \
            quote \"rq\" final decision }";
        let expected = "\
protocol \"P\"
  source \"S\"
  calendar england-and-wales
  limit 10 working days
    quote \"q\"
  note \"n\"

party a \"A\" agency \"X\" level 1
  quote \"qa\"

exit mash \"M\" within same working day
  note \"n\"

stage 1 \"One\" {
  parties a, b
  step \"s\" within 2 working days
    quote \"q1\"
  resolved -> agreed
  unresolved -> stage 2 within 1 working day
    quote \"rq\"
  final decision
}
";
        assert_eq!(fmt(source), expected);
    }

    /// The constructs for real protocols (issue 11), laid out from one long
    /// line, and kept as they are once canonical.
    #[test]
    fn the_constructs_of_real_protocols_are_laid_out_by_the_grammar() {
        let expected = "\
protocol \"P\"
  source \"Policy\"
  source \"Flowchart\"
  version \"2.1\"
  dated \"May 2019\"
  begins after \"a case progression meeting\"
    quote \"q\"

party a \"A\" agency \"X\" level 1
  note \"n\"
    quote \"nq\"
  source \"Flowchart\"

exit mash \"M\" to \"MASH\" or \"EDT\" within same working day
at any stage from stage 2 onwards: record \"r\" by agency \"Schools\"
at any stage of the main ladder and e: discretionary step \"Seek advice\"

at any stage: note \"n\"
  quote \"q\"

stage 1 \"One\" {
  parties a or b, c if \"open\" otherwise d
  source \"Policy\"
  discretionary step \"Consult\"
  step \"Letter\" if \"resolved\" within 1 working day
    otherwise \"Meeting\" within 5 working days
      quote \"oq\"
      source \"Policy\"
  resolved -> agreed
    and record \"Letter\" within 5 working days
  implied discretionary unresolved -> stage 2
    quote \"rq\"
  if \"c\" -> stage 2
  no outcome described
    quote \"nd\"
}
";
        assert_eq!(fmt(expected), expected);
        let one_line: String = expected.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(fmt(&one_line), expected);
    }

    #[test]
    fn names_that_are_keywords_stay_names() {
        // A party called `quote`, an outcome called `resolved`, a stage
        // called `note`: each is read by its position, not its spelling.
        let source = "protocol \"P\"\nparty quote \"Q\" level 2\noutcome resolved \"R\"\n\n\
            stage note \"N\" {\n  parties quote\n  resolved -> resolved\n  unresolved -> stage note\n}\n";
        assert_eq!(fmt(source), source);
    }

    #[test]
    fn a_comment_at_the_end_of_a_line_stays_there() {
        let source = format!("{STAGE_OPEN}  step \"x\"    # why\n  final decision\t# binding\n}}  # end\n");
        let expected = format!("{STAGE_OPEN}  step \"x\" # why\n  final decision # binding\n}} # end\n");
        assert_eq!(fmt(&source), expected);
    }

    #[test]
    fn a_comment_between_a_stage_line_and_its_quote() {
        let source = "protocol \"P\"\nstage 1 \"One\" {\n# how it was read\n      quote \"q\"\n  step \"x\"\n  # about the quote\n        quote \"sq\"\n}\n";
        let expected = "protocol \"P\"\n\nstage 1 \"One\" {\n  # how it was read\n  quote \"q\"\n  step \"x\"\n    # about the quote\n    quote \"sq\"\n}\n";
        assert_eq!(fmt(source), expected);
    }

    #[test]
    fn a_comment_indented_after_an_item_stays_with_it() {
        // As at the end of the Essex header: a remark about the item above,
        // not an introduction to the item below.
        let source =
            "protocol \"P\"\n  note \"n\"\n  # no limit: the text gives none\n\n# Parties\nparty a \"A\"\n";
        assert_eq!(fmt(source), source);
        // Without the indentation it introduces the next item.
        let source = "party a \"A\" level 1\n  quote \"q\"\n# about b\nparty b \"B\"\n";
        assert_eq!(fmt(source), "party a \"A\" level 1\n  quote \"q\"\n\n# about b\nparty b \"B\"\n");
    }

    #[test]
    fn comments_before_a_closing_brace_are_inside_the_block() {
        let source = format!("{STAGE_OPEN}  final decision\n# last\n}}\n");
        assert_eq!(fmt(&source), format!("{STAGE_OPEN}  final decision\n  # last\n}}\n"));
    }

    #[test]
    fn texts_are_kept_byte_for_byte() {
        let text = r#""a # not a comment, \"quoted\" -> x \\ → { } , :""#;
        let source = format!("{STAGE_OPEN}  step {text}\n    quote {text}\n}}\n");
        assert_eq!(fmt(&source), source);
    }

    #[test]
    fn crlf_becomes_lf() {
        let source = format!("{STAGE_OPEN}  final decision\n}}\n");
        assert_eq!(fmt(&source.replace('\n', "\r\n")), source);
        // A lone CR between words is a line break too; inside a comment it
        // is part of the comment, which runs to the line feed.
        assert_eq!(fmt("protocol \"P\"\rparty a \"A\"\r"), "protocol \"P\"\nparty a \"A\"\n");
        assert_eq!(fmt("# c\rprotocol \"P\"\r\n"), "# c\rprotocol \"P\"\n");
    }

    #[test]
    fn tabs_become_spaces_and_a_byte_order_mark_is_dropped() {
        let source =
            "\u{feff}protocol\t\"P\"\n\tsource \"S\tT\"\n\nstage 1 \"One\" {\n\tfinal\tdecision\n}\n";
        let expected = "protocol \"P\"\n  source \"S T\"\n\nstage 1 \"One\" {\n  final decision\n}\n";
        assert_eq!(fmt(source), expected);
        // Inside a comment, a tab is the author's.
        assert_eq!(fmt("# a\tb\nprotocol \"P\"\n"), "# a\tb\nprotocol \"P\"\n");
    }

    #[test]
    fn spaces_and_blank_lines_are_trimmed() {
        let source = "\n\n# c   \n\n\n\nprotocol \"P\"   \n\n\n\nstage 1 \"One\" {\n\n\n  parties   a ,b\n\n\n  final decision\n\n}\n\n\n";
        let expected = "# c\n\nprotocol \"P\"\n\nstage 1 \"One\" {\n  parties a, b\n\n  final decision\n}\n";
        assert_eq!(fmt(source), expected);
    }

    #[test]
    fn multi_line_texts_keep_their_breaks_and_are_re_indented() {
        // The author's two-space continuation is kept; anything else gets four.
        let source = "protocol \"P\"\nstage 1 \"One\" {\n    quote \"first line\n      second line\n      third line\"\n  step \"a\n  b\"\n}\n";
        let expected = "protocol \"P\"\n\nstage 1 \"One\" {\n  quote \"first line\n    second line\n    third line\"\n  step \"a\n      b\"\n}\n";
        assert_eq!(fmt(source), expected);
        // A wrapped title: four, so it does not line up with the clauses.
        let source = "party a \"A long\n    title\" level 1\n  quote \"q\"\n";
        assert_eq!(fmt(source), source);
        // Blank lines inside a text are at most one.
        assert_eq!(fmt("protocol \"a\n\n\n\n    b\"\n"), "protocol \"a\n\n    b\"\n");
    }

    #[test]
    fn escaped_spaces_and_line_breaks_in_a_text_are_not_touched() {
        // `\ ` at a line end and `\` before a line break are part of the text.
        let source = "protocol \"a\\ \n    b\\\nc\"\n";
        assert_eq!(fmt(source), source);
    }

    #[test]
    fn lines_the_author_wrapped_keep_their_breaks() {
        let source = "protocol \"P\"\n\nstage 1 \"One\" {\n  parties a, b,\n    c\n  step \"x\"\n      within 2 working days\n  if \"a long condition\"\n      -> stage 2\n}\n";
        assert_eq!(fmt(source), source);
        // A timing written under its step at the stage's own indent is the
        // step's (the grammar reads it so): it is indented to show that.
        let source = format!("{STAGE_OPEN}  step \"x\"\n  within 2 working days\n}}\n");
        assert_eq!(fmt(&source), format!("{STAGE_OPEN}  step \"x\"\n      within 2 working days\n}}\n"));
    }

    #[test]
    fn punctuation_joins_the_line_before() {
        let source =
            "protocol \"P\"\nat any stage\n: record \"r\"\nstage 1 \"One\"\n{\n  parties a\n    , b # c\n}\n";
        let expected =
            "protocol \"P\"\nat any stage: record \"r\"\n\nstage 1 \"One\" {\n  parties a,\n    b # c\n}\n";
        assert_eq!(fmt(source), expected);
        // A comment before a `{` moves after it: nothing follows a comment.
        let source = "protocol \"P\"\nstage 1 \"One\" # why\n{\n  final decision\n}\n";
        let expected = "protocol \"P\"\n\nstage 1 \"One\" { # why\n  final decision\n}\n";
        assert_eq!(fmt(source), expected);
    }

    #[test]
    fn an_exception_indents_its_stages_by_two_more() {
        let source = "protocol \"P\"\nexception e \"E\" {\nquote \"q\"\nstart -> stage x\nquote \"sq\"\nstage x \"X\" {\nstep \"s\"\nquote \"q\"\nresolved -> agreed\n}\nnote \"n\"\n}\n";
        let expected = "protocol \"P\"\n\nexception e \"E\" {\n  quote \"q\"\n  start -> stage x\n    quote \"sq\"\n  stage x \"X\" {\n    step \"s\"\n      quote \"q\"\n    resolved -> agreed\n  }\n  note \"n\"\n}\n";
        assert_eq!(fmt(source), expected);
    }

    #[test]
    fn one_line_items_may_stay_together_and_longer_ones_get_a_blank_line() {
        let source = "protocol \"P\"\nparty a \"A\" level 1\nparty b \"B\" level 2\n\
            exit m \"M\" within same working day\n  quote \"q\"\noutcome o \"O\"\n";
        let expected = "protocol \"P\"\nparty a \"A\" level 1\nparty b \"B\" level 2\n\n\
            exit m \"M\" within same working day\n  quote \"q\"\n\noutcome o \"O\"\n";
        assert_eq!(fmt(source), expected);
    }

    #[test]
    fn a_quote_after_a_limit_is_the_limit_s() {
        // The grammar gives a quote to the element just before it: the
        // layout shows which.
        let source = "protocol \"P\"\n  limit 5 working days\n  quote \"about the limit\"\n  note \"n\"\n";
        let expected =
            "protocol \"P\"\n  limit 5 working days\n    quote \"about the limit\"\n  note \"n\"\n";
        assert_eq!(fmt(source), expected);
    }

    #[test]
    fn empty_files_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n \n"), "");
        assert_eq!(fmt("# only\n\n\n# comments"), "# only\n\n# comments\n");
    }

    #[test]
    fn a_file_that_does_not_parse_is_refused_with_its_errors() {
        let errors = format("protocol \"P\"\nstage 1 \"One\" {\n  deadline 2 working days\n}\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::SyntaxError);
    }

    #[test]
    fn a_file_with_unknown_names_is_still_formatted() {
        // Resolving names is not the formatter's business.
        assert_eq!(
            fmt("stage 1 \"One\" {\nunresolved -> nowhere\n}"),
            "stage 1 \"One\" {\n  unresolved -> nowhere\n}\n"
        );
    }

    /// The self-check compares models with `==` once spans are forgotten:
    /// every span must be forgotten, or a file moved down two lines would
    /// seem to say something else. Tried on every policy and case file.
    #[test]
    fn the_self_check_reads_again_each_item_the_layout_changed() {
        let check = |before: &str, after: &str| {
            let (file, errors) = crate::syntax::parse(before);
            assert!(errors.is_empty(), "{before}");
            same_reading(before, file, after)
        };
        let stage = |n: usize| format!("stage {n} \"S\" {{\n  step \"s\" a further 2 working days\n}}\n");
        let before = format!("protocol \"P\"\n\n{}\n{}\n{}", stage(1), stage(2), stage(3));
        // `a further` broken over a line is no longer a timescale: in the
        // first, a middle or the last item, alone or two side by side, the
        // changed item is read again and the change is caught.
        let broken = |n: usize| stage(n).replace("a further", "a\nfurther");
        let cases = [
            [broken(1), stage(2), stage(3)],
            [stage(1), broken(2), stage(3)],
            [stage(1), stage(2), broken(3)],
            [stage(1), broken(2), broken(3)],
        ];
        for [a, b, c] in cases {
            let after = format!("protocol \"P\"\n\n{a}\n{b}\n{c}");
            // (It no longer parses: caught when the item is read again.)
            assert_eq!(check(&before, &after), Err("the result does not read".to_string()), "{after}");
        }
        // A condition that runs to the end of its line takes in the quote
        // brought up onto it: it reads, but not as the same item.
        let earlier = "protocol \"P\"\nstage 1 \"S\" {\n  step \"s\" within 2 working days, or earlier if at risk\n    quote \"q\"\n}\n";
        let joined = earlier.replace("at risk\n    quote", "at risk quote");
        let caught = Err("an item read from the result is not the same".to_string());
        assert_eq!(check(earlier, &joined), caught);
        // Layout alone, in one item or in all, changes nothing.
        let wide = |n: usize| stage(n).replace("  step", "      step");
        assert!(
            check(&before, &format!("protocol \"P\"\n\n{}\n{}\n{}", stage(1), wide(2), stage(3))).is_ok()
        );
        assert!(
            check(&before, &format!("protocol  \"P\"\n{}\n\n\n{}{}\n", wide(1), wide(2), wide(3))).is_ok()
        );
    }

    #[test]
    fn the_self_check_catches_a_changed_text() {
        let check = |before: &str, after: &str| {
            let (file, errors) = crate::syntax::parse(before);
            assert!(errors.is_empty(), "{before}");
            same_reading(before, file, after)
        };
        // No stages: the file does not load, before or after.
        assert!(check("protocol \"a b\"\n", "protocol \"a  b\"\n").is_ok());
        assert!(check("protocol \"a b\"\n", "protocol \"a\\ b\"\n").is_err());
        assert!(check("protocol \"  a\n   b \"\n", "protocol \"a b\"\n").is_ok());
        assert!(check("protocol \"a b\"\n", "protocol \"ab\"\n").is_err());
        // An escaped space is the text's own: one more after it is still one.
        assert!(check("protocol \"a\\  \n b\"\n", "protocol \"a\\  b\"\n").is_ok());
        assert!(check("protocol \"a\\  b\"\n", "protocol \"a\\ b\"\n").is_err());
        assert!(check("protocol \"P\" # c\n", "protocol \"P\"\n").is_err());
        assert!(check("protocol \"P\" # c\n", "protocol \"P\" # c   \n").is_ok());
        assert!(check("protocol \"P\"\n", "protocol \"P\" {\n").is_err());
        // The same tokens, but `a further` broken over a line is no longer
        // a timescale: the result must still load.
        let before = "protocol \"P\"\nstage 1 \"One\" {\n  step \"s\" a further 2 working days\n}\n";
        assert!(crate::load(before).is_ok());
        assert!(check(before, before).is_ok());
        assert!(check(before, &before.replace("a further", "a\nfurther")).is_err());
    }
}
