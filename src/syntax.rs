//! Phase 1, text -> syntax tree.
//!
//! pest parses the text with `grammar/escalate.pest`; this module turns the
//! pairs into a plain syntax tree ([`File`]) in which names are still just
//! names. Parse errors become [`Finding`]s in plain words. `Pair` and `Rule`
//! never leave this module.
//!
//! Items are parsed one at a time: when one is broken, the parser reports it
//! and carries on from the next line that starts (at column 0) with a
//! top-level keyword, so one file shows all its syntax errors at once.

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};

use crate::diagnostic::{Code, Finding};
use crate::rare::{Empty, Rare};
use crate::span::Span;
use crate::timescale::{Anchor, Counted, Join, Point, Term, Timescale, Unit, VAGUE_PHRASES, number_word};

mod scenarios;
pub use scenarios::{Event, Expect, ExpectKind, Scenario, When, parse_scenarios};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/escalate.pest"]
struct Grammar;

/// A word the user wrote, with where.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// A parsed file: its items in source order.
#[derive(Debug, Default, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    /// Where each item begins (its first keyword), one for each of `items`.
    pub starts: Vec<usize>,
    /// Where the first item begins (after comments and blank lines).
    pub first_item: usize,
}

/// A top-level item. The large ones are boxed, so that a file's list of
/// items holds 16 bytes an item, not the largest item's 384.
#[derive(Debug, PartialEq)]
pub enum Item {
    Protocol(Box<Header>),
    Party(Box<Party>),
    Exit(Box<Exit>),
    Outcome(Box<Outcome>),
    AtAnyStage(Box<AtAnyStage>),
    Stage(Box<Stage>),
    Exception(Box<Exception>),
    Allow(Box<Allow>),
    StageSpan(Box<StageSpan>),
    Instruction(Box<Instruction>),
    Service(Box<Service>),
    Before(Box<Before>),
}

/// `before the first stage: step ...` (or `send ...`): what happens before
/// the first stage of a pathway begins.
#[derive(Debug, PartialEq)]
pub struct Before {
    /// `RuleBody::Step` or `RuleBody::Send`.
    pub body: RuleBody,
    /// Notes written after it, which explain it.
    pub notes: Vec<Note>,
    pub span: Span,
}

/// `instruction "Call 999 if a child is in immediate danger"`: printed on
/// every page of the document, tied to no stage.
#[derive(Debug, PartialEq)]
pub struct Instruction {
    pub text: Word,
    /// `counts as ROUTE`: the writer reads it as every stage's route.
    pub routes: Vec<Route>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
    pub span: Span,
}

/// `service "Children's social care" includes "MASH" and "Emergency Duty
/// Team"`: agencies that are parts of one service.
#[derive(Debug, PartialEq)]
pub struct Service {
    pub name: Word,
    /// The agencies it includes, as written.
    pub parts: Vec<Word>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
    pub span: Span,
}

/// `for agency "Schools"`, `for iro`, `for "a child looked after"`: whom a
/// step, record or route applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum ForWhom {
    Agency(Word),
    Party(Word),
    /// A group of children, in the protocol's words.
    Children(Word),
}

/// `stages 1 to 3 within 15 working days`.
#[derive(Debug, PartialEq)]
pub struct StageSpan {
    /// The stages named: the first and last of a range, or each of a list.
    pub stages: Vec<Word>,
    /// `1 to 3` (a range) rather than `1, 2 and 3` (a list).
    pub range: bool,
    pub timescale: Timescale,
    pub quotes: Vec<Word>,
    /// Notes written after it, which explain it.
    pub notes: Vec<Note>,
    pub span: Span,
}

#[derive(Debug, Default, PartialEq)]
pub struct Header {
    pub title: Word,
    pub span: Span,
    pub sources: Vec<Word>,
    pub versions: Vec<Word>,
    pub dateds: Vec<Word>,
    /// `begins after "..."`, with its quotes.
    pub begins_after: Vec<(Word, Vec<Word>)>,
    pub calendars: Vec<Word>,
    /// `closed` lines: the days the board's offices are closed.
    pub closed: Vec<Closed>,
    pub limits: Vec<Limit>,
    /// `timescales advisory` lines, with their quotes.
    pub advisory: Vec<(Span, Vec<Word>)>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub allows: Vec<Allow>,
}

/// `closed 2026-12-24 to 2027-01-01, ...`: its runs of days (first and last,
/// both included), with its quotes.
#[derive(Debug, PartialEq)]
pub struct Closed {
    /// `closed "Christmas to New Year" ...`: what the days are called.
    pub name: Option<Word>,
    pub days: Vec<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// `every 24 December to 1 January`: the same days each year, as
    /// (month, day) of the first and of the last.
    pub every: Vec<((u32, u32), (u32, u32))>,
    pub quotes: Vec<Word>,
    pub span: Span,
}

/// `note "..."` and the quotes that follow it (they are the note's, not the
/// element's: a help line never quotes them as the element's source).
#[derive(Debug, Default, PartialEq)]
pub struct Note {
    pub text: Word,
    pub quotes: Vec<Word>,
}

#[derive(Debug, PartialEq)]
pub struct Limit {
    pub timescale: Timescale,
    pub quotes: Vec<Word>,
    pub span: Span,
}

#[derive(Debug, PartialEq)]
pub struct Party {
    pub name: Word,
    pub title: Word,
    pub agencies: Vec<Word>,
    pub levels: Vec<(u32, Span)>,
    /// Its notes, quotes and sources, which many parties leave out.
    pub more: Rare<Cited>,
    pub span: Span,
}

/// Notes, quotes and sources, out of line ([`Rare`]).
#[derive(Debug, Default, PartialEq)]
pub struct Cited {
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
}

impl Empty for Cited {
    fn empty() -> &'static Cited {
        static EMPTY: Cited = Cited { notes: Vec::new(), quotes: Vec::new(), sources: Vec::new() };
        &EMPTY
    }
}

crate::rare::rare_part!(Party, Cited);

#[derive(Debug, PartialEq)]
pub struct Exit {
    pub name: Word,
    pub title: Word,
    /// `to "MASH" or "Emergency Duty Team"`.
    pub to: Vec<Recipient>,
    pub timescale: Option<Timescale>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
    pub span: Span,
}

/// Whom an exit hands the case to.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipient {
    /// An agency, as written in quotes.
    Agency(Word),
    /// A party, by name.
    Party(Word),
}

#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub name: Word,
    pub title: Word,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
    pub span: Span,
}

/// `at any stage [SCOPE]: ...`
#[derive(Debug, PartialEq)]
pub struct AtAnyStage {
    pub scope: Option<Scope>,
    pub body: RuleBody,
    /// Notes written after the rule, which explain it.
    pub notes: Vec<Note>,
}

/// What an `at any stage` rule says.
#[derive(Debug, PartialEq)]
pub enum RuleBody {
    Route(Route),
    Record(Step),
    Step(Step),
    /// `send "..." to ...`: a copy or report, no route.
    Send(Step),
    Note(Note),
}

/// Which stages an `at any stage` rule covers, as written.
#[derive(Debug, PartialEq)]
pub enum Scope {
    /// `from stage 2 onwards`.
    From(Word),
    /// `of the main ladder and cp-conference`: `None` is the main ladder.
    Of(Vec<Option<Word>>),
}

#[derive(Debug, PartialEq)]
pub struct Allow {
    pub code: Word,
    pub reason: Word,
    pub span: Span,
}

#[derive(Debug, Default, PartialEq)]
pub struct Stage {
    pub id: Word,
    pub title: Word,
    pub span: Span,
    /// Each entry of `parties`: its alternatives, each with its condition.
    pub parties: Vec<Vec<(Word, Option<Word>)>>,
    pub steps: Vec<Step>,
    pub routes: Vec<Route>,
    /// What many stages leave unsaid (read as fields: `stage.records`).
    pub more: Rare<StageMore>,
}

/// A stage's lines that many stages leave out, out of line ([`Rare`]).
#[derive(Debug, Default, PartialEq)]
pub struct StageMore {
    pub records: Vec<Step>,
    /// `send "..." to ...` lines.
    pub sends: Vec<Step>,
    pub within: Vec<Limit>,
    pub cumulative: Vec<Limit>,
    pub finals: Vec<Final>,
    /// `no outcome described` lines (span, quotes).
    pub no_outcome: Vec<(Span, Vec<Word>)>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
    pub allows: Vec<Allow>,
}

impl Empty for StageMore {
    fn empty() -> &'static StageMore {
        static EMPTY: StageMore = StageMore {
            records: Vec::new(),
            sends: Vec::new(),
            within: Vec::new(),
            cumulative: Vec::new(),
            finals: Vec::new(),
            no_outcome: Vec::new(),
            notes: Vec::new(),
            quotes: Vec::new(),
            sources: Vec::new(),
            allows: Vec::new(),
        };
        &EMPTY
    }
}

crate::rare::rare_part!(Stage, StageMore);

/// A step or a record: text, an optional timescale, quotes.
#[derive(Debug, Default, PartialEq)]
pub struct Step {
    pub text: Word,
    pub timescale: Option<Timescale>,
    pub quotes: Vec<Word>,
    /// What most steps leave unsaid (read as fields: `step.condition`).
    pub more: Rare<StepMore>,
    pub span: Span,
}

/// A step's clauses that most steps leave out, out of line ([`Rare`]).
#[derive(Debug, Default, PartialEq)]
pub struct StepMore {
    pub sources: Vec<Word>,
    /// `discretionary step ...`.
    pub discretionary: bool,
    /// `if "..."`.
    pub condition: Option<Word>,
    /// `otherwise "..."`: the step taken when the condition does not hold.
    pub otherwise: Option<Box<Step>>,
    /// A record's `by agency "..."`.
    pub agency: Option<Word>,
    /// `for ...`: whom it applies to.
    pub for_whom: Option<ForWhom>,
    /// `through ...`: whom a step goes through.
    pub through: Vec<Recipient>,
    /// `as NAME`: the step's name, for `of the NAME`.
    pub name: Option<Word>,
    /// A `send`'s `to ...`: whom the copy or report goes to.
    pub to: Vec<Recipient>,
}

impl Empty for StepMore {
    fn empty() -> &'static StepMore {
        static EMPTY: StepMore = StepMore {
            sources: Vec::new(),
            discretionary: false,
            condition: None,
            otherwise: None,
            agency: None,
            for_whom: None,
            through: Vec::new(),
            name: None,
            to: Vec::new(),
        };
        &EMPTY
    }
}

crate::rare::rare_part!(Step, StepMore);

#[derive(Debug, PartialEq)]
pub struct Final {
    pub kind: FinalKind,
    pub quotes: Vec<Word>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FinalKind {
    Decision,
    Mediation,
}

#[derive(Debug, PartialEq)]
pub struct Route {
    pub condition: Condition,
    pub condition_span: Span,
    pub target: Target,
    /// Boxed, as most routes have none (moved as it is into the model).
    pub timescale: Option<Box<Timescale>>,
    pub quotes: Vec<Word>,
    /// What most routes leave unsaid (read as fields: `route.records`).
    pub more: Rare<RouteMore>,
    pub span: Span,
}

/// A route's clauses that most routes leave out, out of line ([`Rare`]).
#[derive(Debug, Default, PartialEq)]
pub struct RouteMore {
    pub sources: Vec<Word>,
    /// `implied`: the text never states this route.
    pub implied: bool,
    /// `discretionary`: the text only allows it.
    pub discretionary: bool,
    /// `and record "..."`: records made only when this route is taken.
    pub records: Vec<Step>,
    /// `and send "..." to ...`: copies sent only when this route is taken.
    pub sends: Vec<Step>,
    /// `for ...`: whom the route applies to.
    pub for_whom: Option<ForWhom>,
    /// `through ...`: whom the route goes through.
    pub through: Vec<Recipient>,
}

impl Empty for RouteMore {
    fn empty() -> &'static RouteMore {
        static EMPTY: RouteMore = RouteMore {
            sources: Vec::new(),
            implied: false,
            discretionary: false,
            records: Vec::new(),
            sends: Vec::new(),
            for_whom: None,
            through: Vec::new(),
        };
        &EMPTY
    }
}

crate::rare::rare_part!(Route, RouteMore);

/// When a route is taken.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "kebab-case")]
pub enum Condition {
    Resolved,
    Unresolved,
    ImmediateRisk,
    NoResponse,
    If(String),
}

/// `stage 2` (explicitly a stage) or a bare name.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub explicit_stage: bool,
    pub name: Word,
}

#[derive(Debug, PartialEq)]
pub struct Exception {
    /// `pathway NAME "..." { ... }`: one of several pathways of equal
    /// standing, written like an exception but no exception to anything.
    pub parallel: bool,
    pub name: Word,
    pub title: Word,
    pub span: Span,
    pub starts: Vec<(Target, Vec<Word>)>,
    /// `before the first stage: ...` lines inside the block.
    pub befores: Vec<Before>,
    pub stages: Vec<Stage>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Word>,
    pub sources: Vec<Word>,
    pub allows: Vec<Allow>,
}

impl Item {
    /// Set every span to zero, so that two items compare by what they say
    /// alone: the same item laid out differently is then equal (`fmt`
    /// checks each item it changed this way, against the one it read).
    pub fn forget_spans(&mut self) {
        fn word(w: &mut Word) {
            w.span = Span::default();
        }
        fn words(ws: &mut [Word]) {
            ws.iter_mut().for_each(word);
        }
        fn timescale(t: &mut Timescale) {
            t.span = Span::default();
        }
        fn note(n: &mut Note) {
            word(&mut n.text);
            words(&mut n.quotes);
        }
        fn limit(l: &mut Limit) {
            timescale(&mut l.timescale);
            words(&mut l.quotes);
            l.span = Span::default();
        }
        fn allow(a: &mut Allow) {
            word(&mut a.code);
            word(&mut a.reason);
            a.span = Span::default();
        }
        fn step(s: &mut Step) {
            word(&mut s.text);
            s.timescale.iter_mut().for_each(timescale);
            words(&mut s.quotes);
            words(&mut s.sources);
            s.condition.iter_mut().for_each(word);
            s.otherwise.iter_mut().for_each(|o| step(o));
            s.agency.iter_mut().for_each(word);
            s.for_whom.iter_mut().for_each(for_whom);
            s.through.iter_mut().for_each(recipient);
            s.name.iter_mut().for_each(word);
            s.to.iter_mut().for_each(recipient);
            s.span = Span::default();
        }
        fn for_whom(f: &mut ForWhom) {
            match f {
                ForWhom::Agency(w) | ForWhom::Party(w) | ForWhom::Children(w) => word(w),
            }
        }
        fn recipient(r: &mut Recipient) {
            match r {
                Recipient::Agency(w) | Recipient::Party(w) => word(w),
            }
        }
        fn route(r: &mut Route) {
            r.condition_span = Span::default();
            word(&mut r.target.name);
            r.timescale.iter_mut().for_each(|t| timescale(t));
            words(&mut r.quotes);
            words(&mut r.sources);
            r.records.iter_mut().for_each(step);
            r.sends.iter_mut().for_each(step);
            r.for_whom.iter_mut().for_each(for_whom);
            r.through.iter_mut().for_each(recipient);
            r.span = Span::default();
        }
        fn stage(s: &mut Stage) {
            word(&mut s.id);
            word(&mut s.title);
            s.span = Span::default();
            for (name, condition) in s.parties.iter_mut().flatten() {
                word(name);
                condition.iter_mut().for_each(word);
            }
            s.steps.iter_mut().for_each(step);
            s.records.iter_mut().for_each(step);
            s.sends.iter_mut().for_each(step);
            s.routes.iter_mut().for_each(route);
            let more = &mut *s.more;
            more.within.iter_mut().chain(&mut more.cumulative).for_each(limit);
            for f in &mut s.finals {
                words(&mut f.quotes);
                f.span = Span::default();
            }
            for (span, quotes) in &mut s.no_outcome {
                *span = Span::default();
                words(quotes);
            }
            s.notes.iter_mut().for_each(note);
            words(&mut s.quotes);
            words(&mut s.sources);
            s.allows.iter_mut().for_each(allow);
        }
        fn body(b: &mut RuleBody) {
            match b {
                RuleBody::Route(r) => route(r),
                RuleBody::Record(s) | RuleBody::Step(s) | RuleBody::Send(s) => step(s),
                RuleBody::Note(n) => note(n),
            }
        }
        fn before(b: &mut Before) {
            body(&mut b.body);
            b.notes.iter_mut().for_each(note);
            b.span = Span::default();
        }
        match self {
            Item::Protocol(h) => {
                word(&mut h.title);
                h.span = Span::default();
                words(&mut h.sources);
                words(&mut h.versions);
                words(&mut h.dateds);
                for (text, quotes) in &mut h.begins_after {
                    word(text);
                    words(quotes);
                }
                words(&mut h.calendars);
                for c in &mut h.closed {
                    c.span = Span::default();
                    c.name.iter_mut().for_each(word);
                    words(&mut c.quotes);
                }
                h.limits.iter_mut().for_each(limit);
                for (span, quotes) in &mut h.advisory {
                    *span = Span::default();
                    words(quotes);
                }
                h.notes.iter_mut().for_each(note);
                words(&mut h.quotes);
                h.allows.iter_mut().for_each(allow);
            }
            Item::Party(p) => {
                word(&mut p.name);
                word(&mut p.title);
                words(&mut p.agencies);
                p.levels.iter_mut().for_each(|(_, span)| *span = Span::default());
                p.notes.iter_mut().for_each(note);
                words(&mut p.quotes);
                words(&mut p.sources);
                p.span = Span::default();
            }
            Item::Exit(e) => {
                word(&mut e.name);
                word(&mut e.title);
                for r in &mut e.to {
                    match r {
                        Recipient::Agency(w) | Recipient::Party(w) => word(w),
                    }
                }
                e.timescale.iter_mut().for_each(timescale);
                e.notes.iter_mut().for_each(note);
                words(&mut e.quotes);
                words(&mut e.sources);
                e.span = Span::default();
            }
            Item::Outcome(o) => {
                word(&mut o.name);
                word(&mut o.title);
                o.notes.iter_mut().for_each(note);
                words(&mut o.quotes);
                words(&mut o.sources);
                o.span = Span::default();
            }
            Item::AtAnyStage(r) => {
                match &mut r.scope {
                    Some(Scope::From(w)) => word(w),
                    Some(Scope::Of(pathways)) => pathways.iter_mut().flatten().for_each(word),
                    None => {}
                }
                body(&mut r.body);
                r.notes.iter_mut().for_each(note);
            }
            Item::Before(b) => before(b),
            Item::Stage(s) => stage(s),
            Item::Exception(e) => {
                word(&mut e.name);
                word(&mut e.title);
                e.span = Span::default();
                for (target, quotes) in &mut e.starts {
                    word(&mut target.name);
                    words(quotes);
                }
                e.befores.iter_mut().for_each(before);
                e.stages.iter_mut().for_each(stage);
                e.notes.iter_mut().for_each(note);
                words(&mut e.quotes);
                words(&mut e.sources);
                e.allows.iter_mut().for_each(allow);
            }
            Item::Allow(a) => allow(a),
            Item::Instruction(i) => {
                word(&mut i.text);
                i.routes.iter_mut().for_each(route);
                i.notes.iter_mut().for_each(note);
                words(&mut i.quotes);
                words(&mut i.sources);
                i.span = Span::default();
            }
            Item::StageSpan(s) => {
                words(&mut s.stages);
                timescale(&mut s.timescale);
                words(&mut s.quotes);
                s.notes.iter_mut().for_each(note);
                s.span = Span::default();
            }
            Item::Service(s) => {
                word(&mut s.name);
                words(&mut s.parts);
                s.notes.iter_mut().for_each(note);
                words(&mut s.quotes);
                words(&mut s.sources);
                s.span = Span::default();
            }
        }
    }
}

/// Parse a whole file. Returns what could be parsed and every syntax error.
///
/// Large files are cut at top-level items into pieces parsed in parallel. A
/// piece is only kept if the one before it stopped exactly where it begins (a
/// cut inside a multi-line text would not), so the result is always what a
/// parse from the start would give.
pub fn parse(source: &str) -> (File, Vec<Finding>) {
    let first = skip_trivia(source, 0);
    let ranges = pieces(source, first);

    // No more than 8 threads: each holds a piece's parser state.
    let threads = crate::parallel::threads_for(ranges.len()).min(8);
    let pieces = crate::parallel::each(&ranges, threads, |&(start, end)| parse_range(source, start, end));

    let mut file = File { items: Vec::new(), starts: Vec::new(), first_item: first };
    let mut errors = Vec::new();
    let mut pos = first;
    for piece in pieces {
        if piece.start != pos || errors.len() >= MAX_SYNTAX_ERRORS {
            break; // the piece before ran past this cut
        }
        file.items.extend(piece.items);
        file.starts.extend(piece.starts);
        errors.extend(piece.errors);
        pos = piece.stopped_at;
    }
    if pos < source.len() && errors.len() < MAX_SYNTAX_ERRORS {
        let rest = parse_range(source, pos, source.len());
        file.items.extend(rest.items);
        file.starts.extend(rest.starts);
        errors.extend(rest.errors);
        pos = rest.stopped_at;
    }
    // Past the limit, say where reporting stopped: at the first error left
    // out, or where reading stopped.
    if errors.len() > MAX_SYNTAX_ERRORS || (errors.len() == MAX_SYNTAX_ERRORS && pos < source.len()) {
        let end = errors.get(MAX_SYNTAX_ERRORS).and_then(|e| e.span).map_or(pos, |s| s.start);
        errors.truncate(MAX_SYNTAX_ERRORS);
        errors.push(
            Finding::new(
                Code::SyntaxError,
                format!("too many syntax errors: stopped after the first {MAX_SYNTAX_ERRORS}"),
            )
            .at(Span::new(end, end), "not read past here")
            .help("fix the errors above and check again; is this an escalation protocol file?"),
        );
    }
    if let Some(finding) = control_character(source) {
        let at = finding.span.map_or(0, |s| s.start);
        errors.insert(errors.partition_point(|e| e.span.is_some_and(|s| s.start <= at)), finding);
    }
    (file, errors)
}

/// The grammar rules a text's parse tree holds, each with the byte range of
/// one of its pairs: `(rule name, start, end)`, in order; of a protocol, or
/// with `scenarios` of a scenarios file. For the test that
/// every construct of the grammar has an example in `docs/language.md`
/// (`tests/cli/docs.rs`); rule names are strings, so no `Rule` leaves this
/// module. The text must parse whole; the error is pest's, in words.
#[doc(hidden)]
pub fn constructs(source: &str, scenarios: bool) -> Result<Vec<(String, usize, usize)>, String> {
    let entry = if scenarios { Rule::scenarios_file } else { Rule::items };
    let pairs = Grammar::parse(entry, source).map_err(|e| e.to_string())?;
    Ok(pairs
        .flatten()
        .map(|pair| (format!("{:?}", pair.as_rule()), pair.as_span().start(), pair.as_span().end()))
        .collect())
}

/// Control characters other than tab and line breaks are refused anywhere in
/// a file: no protocol needs them, and printed in a report, a timeline or a
/// formatted file they could drive the reader's terminal (an escape sequence
/// can retitle a window, rewrite what is shown, or worse). One finding names
/// the first and counts the rest, so a binary file costs one finding.
fn control_character(source: &str) -> Option<Finding> {
    // Bytes first (a file is read once more for this, so it must be quick):
    // C0 controls and DEL are single bytes, and the C1 controls (U+0080 to
    // U+009F) begin with 0xC2, as do a few common characters (`£`, `§`), for
    // which the characters are looked at.
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f || b == 0xc2;
    // Whole blocks at a time, without stopping at each byte, so the compiler
    // can test many bytes in one instruction (10 instructions a byte before).
    let block = |bytes: &[u8]| bytes.iter().fold(false, |any, &b| any | suspect(b));
    if !source.as_bytes().chunks(64).any(block) {
        return None;
    }
    let refused = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let (at, c) = source.char_indices().find(|&(_, c)| refused(c))?;
    let more = source[at + c.len_utf8()..].chars().filter(|&c| refused(c)).count();
    let name = match c {
        '\0' => " (null)",
        '\u{7}' => " (bell)",
        '\u{8}' => " (backspace)",
        '\u{b}' => " (vertical tab)",
        '\u{c}' => " (form feed)",
        '\u{1b}' => " (escape)",
        '\u{7f}' => " (delete)",
        _ => "",
    };
    let message = match more {
        0 => format!("control character U+{:04X}{name} in the file", u32::from(c)),
        n => format!("control character U+{:04X}{name} in the file, and {n} more", u32::from(c)),
    };
    Some(
        Finding::new(Code::SyntaxError, message)
            .at(Span::new(at, at + c.len_utf8()), "control character")
            .help(
                "delete it: a protocol may hold tabs and line breaks but no other control characters \
                 (printed, they could take over a terminal); is this a text file?",
            ),
    )
}

/// About how much text each parallel piece holds.
const CHUNK_BYTES: usize = 256 * 1024;

/// Items parsed from `start` until at or past `end`.
struct Piece {
    start: usize,
    items: Vec<Item>,
    starts: Vec<usize>,
    errors: Vec<Finding>,
    /// Where parsing stopped: `end`, or further if an item ran past it.
    stopped_at: usize,
}

fn parse_range(source: &str, start: usize, end: usize) -> Piece {
    let mut items = Vec::new();
    let mut starts = Vec::new();
    let mut errors = Vec::new();
    // Fast path: the whole range in one parse.
    if let Ok(pairs) = Grammar::parse(Rule::items, &source[start..end]) {
        let mut builder = Builder { offset: start, errors: &mut errors };
        for pair in pairs.filter(|p| p.as_rule() != Rule::EOI) {
            let at = start + pair.as_span().start();
            if let Some(item) = builder.item(pair) {
                items.push(item);
                starts.push(at);
            }
        }
        return Piece { start, items, starts, errors, stopped_at: end };
    }
    let mut pos = start;
    while pos < end {
        if errors.len() >= MAX_SYNTAX_ERRORS {
            return Piece { start, items, starts, errors, stopped_at: pos };
        }
        match parse_item(source, pos) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { break };
                let (item_start, item_end) = (pos + pair.as_span().start(), pos + pair.as_span().end());
                let mut builder = Builder { offset: pos, errors: &mut errors };
                if let Some(item) = builder.item(pair) {
                    items.push(item);
                    starts.push(item_start);
                }
                pos = skip_trivia(source, item_end);
            }
            Err(error) => {
                let at = pos
                    + match error.location {
                        InputLocation::Pos(p) => p,
                        InputLocation::Span((p, _)) => p,
                    };
                let mut finding = syntax_error(source, at, &error.variant);
                if finding.message.starts_with("expected `}` before")
                    && let Some(open) = unclosed_brace(source, pos, at)
                {
                    let line = source[..open].matches('\n').count() + 1;
                    finding = finding
                        .also(Span::new(open, open + 1), format!("this `{{` on line {line} is never closed"));
                }
                errors.push(finding);
                pos = recovery_point(source, pos, at);
            }
        }
    }
    Piece { start, items, starts, errors, stopped_at: pos.max(end) }
}

/// The innermost `{` between `start` and `at` that no `}` closes (outside
/// texts and comments), for "this `{` is never closed".
fn unclosed_brace(source: &str, start: usize, at: usize) -> Option<usize> {
    let text = source.get(start..at)?;
    let mut open = Vec::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => open.push(start + i),
            '}' => {
                open.pop();
            }
            '#' => {
                chars.by_ref().find(|&(_, c)| c == '\n');
            }
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    open.pop()
}

/// The item at `pos`, parsed as `next_item` (offsets relative to `pos`).
///
/// pest builds an error in time proportional to the text after the error (it
/// looks for the end of the line from the end of its input), so parsing each
/// item against the whole rest of the file makes a file with an error on every
/// line take quadratic time. So the item is first parsed against a window that
/// ends at a line starting with a top-level keyword ([`window_end`]). An error there stands if the end of
/// the window cannot have caused it ([`window_decides`]); otherwise, and for
/// every success (which might have gone further without the window's end,
/// and costs no error to find), the item is parsed again against a window 16
/// times larger, up to the whole rest of the file.
fn parse_item(source: &str, pos: usize) -> Result<Pairs<'_, Rule>, pest::error::Error<Rule>> {
    parse_item_from(source, pos, FIRST_WINDOW_BYTES)
}

fn parse_item_from(
    source: &str,
    pos: usize,
    first_window: usize,
) -> Result<Pairs<'_, Rule>, pest::error::Error<Rule>> {
    let mut size = first_window.max(1);
    loop {
        let end = match source.len().checked_sub(size).filter(|&last| pos < last) {
            Some(_) => window_end(source, pos, pos + size).unwrap_or(source.len()),
            None => source.len(),
        };
        let window = &source[pos..end];
        if end == source.len() {
            return Grammar::parse(Rule::next_item, window);
        }
        match Grammar::parse(Rule::next_item, window) {
            Err(error) if window_decides(window, &error) => return Err(error),
            // A success is checked against the whole rest: it may have stopped
            // short only because the window ended (`-> stage` before a line
            // `stage 2 ...` reads on as `stage stage`), and success is cheap.
            Ok(_) => size = usize::MAX,
            Err(_) => size = size.saturating_mul(16),
        }
    }
}

/// Bytes in the first window [`parse_item`] tries: a few ordinary items.
const FIRST_WINDOW_BYTES: usize = 1024;

/// Where a window of [`parse_item`] from `pos` may end: the start of the
/// first line at or after `near` that begins, in column 0, with a top-level
/// keyword (as the lines [`recovery_point`] resumes at do, so a window never
/// reaches much further than the next place an error could resume), and
/// where nothing before could run on into that line: not inside a text, and
/// not after `at any` (+ `stage`) or `child` (+ `at immediate risk`), the
/// only phrases whose later words are top-level keywords.
///
/// One pass over the text from `pos`, keeping track of texts and comments.
fn window_end(source: &str, pos: usize, near: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut inside = false;
    let mut i = pos;
    while i < bytes.len() {
        match (inside, bytes[i]) {
            (true, b'\\') => i += 1,
            (_, b'"') => inside = !inside,
            // A comment runs to its line break, which is looked at next.
            (false, b'#') => i += source[i..].find('\n').map_or(bytes.len() - i, |n| n.saturating_sub(1)),
            (false, b'\n') => {
                let line = i + 1;
                let word = first_word(&source[line..]);
                if line >= near && TOP_LEVEL_WORDS.contains(&word) {
                    let last = source[pos..line].trim_end().rsplit(char::is_whitespace).next();
                    let runs_on = match word {
                        "stage" => matches!(last, Some("any" | "every" | "all")),
                        "at" => {
                            let mut next = source[line..].split_whitespace().skip(1);
                            last == Some("child")
                                && next.next() == Some("immediate")
                                && next.next().is_some_and(|w| first_word(w) == "risk")
                        }
                        _ => false,
                    };
                    if !runs_on {
                        return Some(line);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether an error found parsing `window` (the text up to a line that
/// [`window_end`] chose) is the one parsing the whole rest would find.
///
/// Parsing is the same until it reads the end of the window. pest records
/// every rule it tries outside atomic rules, and reports the furthest, so an
/// error before the end means no such rule was tried at the end; and
/// `window_end` chose a line that no atomic rule (a text, a phrase) begun
/// before it can run on into.
fn window_decides(window: &str, error: &pest::error::Error<Rule>) -> bool {
    let at = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((p, _)) => p,
    };
    at < window.len()
}

/// Most syntax errors reported for one file: past this, the rest is most
/// likely not a protocol at all, and listing every line would only cost
/// memory and hide the first errors.
pub const MAX_SYNTAX_ERRORS: usize = 100;

/// The pieces a file is parsed in, from `first` to the end: cut at top-level
/// items about every [`CHUNK_BYTES`], they bound the parser's working memory,
/// and are shared out between the cores.
fn pieces(source: &str, first: usize) -> Vec<(usize, usize)> {
    let mut bounds = vec![first];
    while let Some(cut) = next_cut(source, bounds[bounds.len() - 1]) {
        bounds.push(cut);
    }
    bounds.push(source.len());
    bounds.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Where the piece after the cut at `from` begins: at a line start about
/// [`CHUNK_BYTES`] on ([`cut_point`]); failing that within another chunk (a
/// protocol written on a few long lines), after the next `}` that closes a
/// top-level item ([`inline_cut`]); failing both, at the next line start
/// that will do, however far.
fn next_cut(source: &str, from: usize) -> Option<usize> {
    let near = from.saturating_add(CHUNK_BYTES);
    if near >= source.len() {
        return None;
    }
    // The inline cut is looked for as far as it takes: a long run of items
    // without braces (the `party` lines of a one-line protocol) must not
    // stop the cutting of what follows.
    cut_point(source, from, near, near.saturating_add(CHUNK_BYTES))
        .or_else(|| inline_cut(source, from, near, usize::MAX))
        .or_else(|| cut_point(source, from, near, usize::MAX))
}

/// The start of the first line at or after `near` (and not past `limit`)
/// that begins, in column 0, with a keyword that starts an item
/// ([`starts_item`]). `from` is the cut before, so no line start is looked
/// for before it: each call reads about one piece of text.
fn cut_point(source: &str, from: usize, near: usize, limit: usize) -> Option<usize> {
    // Bytes, not `str`: `near` may fall inside a multi-byte character.
    let before = &source.as_bytes()[from..near.min(source.len())];
    let mut line = before.iter().rposition(|&b| b == b'\n').map_or(from, |n| from + n + 1);
    loop {
        if line > limit {
            return None;
        }
        if line >= near && starts_item(&source[line..]) && ends_item(&source[..line]) {
            return Some(line);
        }
        let rest = &source.as_bytes()[line..source.len().min(limit.saturating_add(1)).max(line)];
        line += rest.iter().position(|&b| b == b'\n')? + 1;
    }
}

/// A cut inside a line, for protocols written on one line: the first
/// top-level keyword at or after `near` (and not past `limit`) that follows
/// a `}` closing an item at depth 0, outside texts and comments. `from` is
/// the cut before, where no item, text or comment is open; the text from
/// there is read once, tracking texts, comments and braces as the grammar
/// does. A wrong guess (on a file with errors) costs only time: the piece
/// before would not stop exactly here, and [`parse`] reads on from it.
fn inline_cut(source: &str, from: usize, near: usize, limit: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut at = from;
    while at < bytes.len() && at <= limit {
        match bytes[at] {
            b'"' => {
                // A text: `\` escapes the next character, line breaks included.
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                at += bytes[at..].iter().position(|&b| b == b'\n').unwrap_or(bytes.len() - at);
            }
            b'{' => depth += 1,
            b'}' if depth > 1 => depth -= 1,
            b'}' => {
                depth = 0;
                let next = at + 1 + bytes[at + 1..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
                // Only the next few words: the rest of a long line is not read.
                let mut window = (next + 64).min(source.len());
                while !source.is_char_boundary(window) {
                    window -= 1;
                }
                if next >= near && next < source.len() && starts_item(&source[next..window]) {
                    return Some(next);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// Whether the text before a cut surely ends an item: its last word (before
/// blank lines and whole-line comments) is a `}` or a closing `"`. Anything
/// else might go on across the line break: `unresolved -> stage` followed by
/// a line `stage 2 ...` is a route to stage `stage` when cut there, and a
/// syntax error when not.
fn ends_item(before: &str) -> bool {
    let mut rest = before.trim_end();
    loop {
        let line_start = rest.rfind('\n').map_or(0, |n| n + 1);
        if rest[line_start..].trim_start().starts_with('#') {
            rest = rest[..line_start].trim_end();
            continue;
        }
        // A comment at the end of the line: the `#` after the last `"`.
        let line = &rest[line_start..];
        let code = match (line.rfind('#'), line.rfind('"')) {
            (Some(hash), Some(quote)) if hash > quote => line[..hash].trim_end(),
            (Some(hash), None) => line[..hash].trim_end(),
            _ => line,
        };
        return code.ends_with('}') || code.ends_with('"');
    }
}

/// Whether a line surely starts a new top-level item, so that text may be cut
/// before it: a top-level keyword, but not `allow` (which may also end the
/// `protocol` header) and `at` only as `at any stage` (`at once` may be the
/// timescale of the line above).
fn starts_item(text: &str) -> bool {
    // Only its own line: the words of the lines after it are not looked at.
    let line = &text[..text.find('\n').unwrap_or(text.len())];
    match first_word(line) {
        "allow" => false,
        "at" => {
            let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty()).skip(1);
            matches!(words.next(), Some("any" | "every" | "all"))
                && matches!(words.next().map(first_word), Some("stage" | "stages"))
        }
        word => TOP_LEVEL_WORDS.contains(&word),
    }
}

/// Skip spaces and comments from `pos`.
fn skip_trivia(source: &str, mut pos: usize) -> usize {
    let bytes = source.as_bytes();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                pos = source[pos..].find('\n').map_or(source.len(), |n| pos + n + 1);
            }
            _ if source[pos..].starts_with('\u{FEFF}') => pos += '\u{FEFF}'.len_utf8(),
            _ => break,
        }
    }
    pos
}

const TOP_LEVEL_WORDS: &[&str] = &[
    "protocol",
    "party",
    "exit",
    "outcome",
    "at",
    "stage",
    "stages",
    "exception",
    "pathway",
    "instruction",
    "allow",
];

/// Where to resume after an error at `at` in the item starting at `item_start`:
/// the next line, at or after the error, that starts with a top-level keyword
/// in column 0 (and is not where the broken item began).
fn recovery_point(source: &str, item_start: usize, at: usize) -> usize {
    let mut line_start = source[..at].rfind('\n').map_or(0, |n| n + 1);
    loop {
        if line_start > item_start && line_start >= at.min(line_start) {
            let line = &source[line_start..];
            let word: &str = line.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
            if TOP_LEVEL_WORDS.contains(&word) {
                return line_start;
            }
        }
        match source[line_start..].find('\n') {
            Some(n) => line_start += n + 1,
            None => return source.len(),
        }
    }
}

/// A pest error, in the user's words.
fn syntax_error(source: &str, at: usize, variant: &ErrorVariant<Rule>) -> Finding {
    let mut expected: Vec<&str> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = variant {
        for rule in positives {
            let words = describe_rule(*rule);
            // Help names only forms a writer can write (not the end of the
            // file, nor rules with no words of their own).
            if words != SOMETHING_ELSE && !expected.contains(&words) {
                expected.push(words);
            }
        }
    }
    let rest = &source[at.min(source.len())..];
    let word = first_word(rest);
    // Underline what the message quotes (at most 40 characters, as
    // `describe_found`): a word of a megabyte would be a megabyte of `─`.
    let shown = word.char_indices().nth(40).map_or(word.len(), |(i, _)| i);
    let span = Span::new(at, at + shown.max(next_char_len(source, at)));

    if rest.starts_with('"') {
        return Finding::new(Code::SyntaxError, "this text has no closing quote mark")
            .at(Span::new(at, at + 1), "text starts here")
            .help("add `\"` where the text ends; to put a quote mark inside text, write `\\\"`");
    }
    if rest.starts_with(['“', '”']) {
        return Finding::new(Code::SyntaxError, "curly quote marks cannot start or end text")
            .at(span, "curly quote")
            .help("replace “ and ” with straight quote marks `\"` (word processors change them: paste as plain text)");
    }
    if expected.contains(&TIMESCALE) {
        // The parser may stop at the unit (`2 wrking days`) or just after
        // the number (`3` at the end of the file): start from the number.
        let back = source[..at.min(source.len())].trim_end_matches([' ', '\t']);
        let number = back.len() - back.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let from = if number > 0 { back.len() - number } else { at };
        if let Some(finding) = unknown_timescale(from, &source[from..]) {
            return finding;
        }
    }
    if expected.contains(&"`}`") && rest.trim().is_empty() {
        return Finding::new(
            Code::SyntaxError,
            "expected `}` before the end of the file: the block above is not closed",
        )
        // At the end of the last line that says anything: miette shows no
        // label past the last line.
        .at(Span::new(source.trim_end().len(), source.trim_end().len()), "the file ends here, before a `}`")
        .help("add `}` at the end of the stage or exception above");
    }
    if expected.contains(&"`}`") && TOP_LEVEL_WORDS.contains(&word) {
        return Finding::new(
            Code::SyntaxError,
            format!("expected `}}` before `{word}`: the block above is not closed"),
        )
        .at(span, "`}` missing before this")
        .help("add `}` at the end of the stage or exception above");
    }

    // `record "Letter" by the end of the week`: `by` begins both `by agency
    // "..."` and `by the end of the next working day`.
    if expected == ["`agency`"] && source[..at.min(source.len())].trim_end().ends_with(" by") {
        let found = describe_found(source, at);
        return Finding::new(
            Code::SyntaxError,
            format!("expected `agency` or a timescale after `by`, found {found}"),
        )
        .at(span, "not expected here")
        .help(
            "write `by agency \"Schools\"` for who keeps the record, or a timescale such as \
                 `by the end of the next working day` or `within 5 working days`",
        );
    }
    let found = describe_found(source, at);
    let list = join_or(&expected);
    let keywords = expected.iter().flat_map(|e| e.split('`').skip(1).step_by(2));
    let near = (!word.is_empty()).then(|| crate::diagnostic::suggest(word, keywords)).flatten();
    let (message, mut help) = if expected.is_empty() {
        (
            format!("unexpected {found}"),
            "check the spelling; `escalate init` writes a starter protocol to compare with".to_string(),
        )
    } else if expected.len() <= 3 {
        (format!("expected {list}, found {found}"), hint(&expected))
    } else {
        (format!("unexpected {found}"), format!("expected {list}"))
    };
    if let Some(near) = near {
        help = format!("did you mean `{near}`?");
    }
    Finding::new(Code::SyntaxError, message).at(span, "not expected here").help(help)
}

/// `2 wrking days` or `same wrking day`: name the word that is not a unit.
fn unknown_timescale(at: usize, rest: &str) -> Option<Finding> {
    let line = rest.lines().next().unwrap_or("");
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        let after = &line[digits..];
        let gap = after.len() - after.trim_start().len();
        let unit_start = at + digits + gap;
        let words: Vec<&str> = after.split_whitespace().take(2).collect();
        let unit = first_word(after.trim_start());
        let units = ["working days", "working weeks", "calendar days", "days", "weeks", "hours"];
        let near = crate::diagnostic::suggest(&words.join(" "), units)
            .or_else(|| crate::diagnostic::suggest(unit, units));
        let help = match near {
            Some(n) => format!("did you mean `{} {n}`?", &line[..digits]),
            None => "count time in `working days`, `working weeks`, `calendar days` or `hours`".to_string(),
        };
        // With no unit, point at the character after the number: none at the
        // end of the file, and a whole one (a byte-order mark is 3 bytes).
        let next = after.trim_start().chars().next().map_or(0, char::len_utf8);
        let unit_span = Span::new(unit_start, unit_start + unit.len().max(next));
        let message = if unit.is_empty() {
            format!("`{}` needs a unit of time", &line[..digits])
        } else {
            format!("`{unit}` is not a unit of time")
        };
        return Some(Finding::new(Code::SyntaxError, message).at(unit_span, "unknown unit").help(help));
    }
    let phrase: Vec<&str> = line.split_whitespace().take(5).collect();
    if phrase.is_empty() || !phrase[0].starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    let known = [
        "same working day",
        "next working day",
        "the next working day",
        "by the end of the next working day",
        "immediately",
        "at once",
        "straight away",
        "right away",
    ]
    .iter()
    .chain(VAGUE_PHRASES);
    let candidates: Vec<&str> = known.copied().collect();
    // Try the phrase with as many words as the candidate has.
    let near = (1..=phrase.len())
        .rev()
        .find_map(|n| crate::diagnostic::suggest(&phrase[..n].join(" "), candidates.iter().copied()))?;
    let len = phrase[..near.split(' ').count().min(phrase.len())].join(" ").len();
    let shown = &line[..len.min(line.len())];
    Some(
        Finding::new(Code::SyntaxError, format!("`{shown}` is not a timescale escalate knows"))
            .at(Span::new(at, at + shown.len()), "unknown timescale")
            .help(format!("did you mean `{near}`?")),
    )
}

/// The name-like word at the start of `text` (empty if it starts otherwise).
fn first_word(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// A help line for the most common slips.
fn hint(expected: &[&str]) -> String {
    if expected.contains(&TIMESCALE) {
        return "write a timescale such as `2 working days`, `24 hours`, `same working day`, \
                `immediately`, or vague words such as `without delay`"
            .into();
    }
    if expected.contains(&"text in double quotes") {
        return "put the text in double quotes, like \"Discussion between practitioners\"".into();
    }
    format!("expected {}", join_or(expected))
}

const TIMESCALE: &str = "a timescale";
const SOMETHING_ELSE: &str = "something else";

fn describe_rule(rule: Rule) -> &'static str {
    match rule {
        Rule::protocol | Rule::kw_protocol => "`protocol`",
        Rule::party | Rule::kw_party => "`party`",
        Rule::exit | Rule::kw_exit => "`exit`",
        Rule::outcome | Rule::kw_outcome => "`outcome`",
        Rule::at_any_stage | Rule::kw_at_any_stage => "`at any stage:`",
        Rule::stage | Rule::kw_stage => "`stage`",
        Rule::exception | Rule::kw_exception => "`exception`",
        Rule::pathway | Rule::kw_pathway => "`pathway`",
        Rule::instruction | Rule::kw_instruction => "`instruction`",
        Rule::instruction_route | Rule::kw_counts => "`counts as`",
        Rule::kw_as => "`as`",
        Rule::allow | Rule::kw_allow => "`allow`",
        Rule::source | Rule::kw_source => "`source`",
        Rule::calendar | Rule::kw_calendar => "`calendar`",
        Rule::closed | Rule::kw_closed => "`closed`",
        Rule::closed_every | Rule::kw_every => "`every`",
        Rule::before | Rule::kw_before | Rule::first_stage => "`before the first stage:`",
        Rule::send | Rule::kw_send => "`send`",
        Rule::send_to => "`to` and whom a `send` goes to",
        Rule::day_of_year | Rule::day_number => "a day of the year, such as `24 December`",
        Rule::month => "a month's name, such as `December`",
        Rule::closed_days => "a date such as `2026-12-24`",
        Rule::limit | Rule::kw_limit => "`limit`",
        Rule::agency | Rule::kw_agency => "`agency`",
        Rule::level | Rule::kw_level => "`level`",
        Rule::parties | Rule::kw_parties => "`parties`",
        Rule::step | Rule::kw_step => "`step`",
        Rule::record | Rule::kw_record => "`record`",
        Rule::within | Rule::kw_within => "`within`",
        Rule::cumulative | Rule::kw_cumulative => "`cumulative`",
        Rule::final_authority | Rule::kw_final => "`final`",
        Rule::final_kind | Rule::kw_decision | Rule::kw_mediation => "`decision` or `mediation`",
        Rule::start | Rule::kw_start => "`start`",
        Rule::note | Rule::kw_note => "`note`",
        Rule::quote | Rule::kw_quote => "`quote`",
        Rule::kw_or => "`or`",
        Rule::version | Rule::kw_version => "`version`",
        Rule::dated | Rule::kw_dated => "`dated`",
        Rule::begins_after | Rule::kw_begins | Rule::kw_after => "`begins after`",
        Rule::exit_to | Rule::kw_to => "`to`",
        Rule::recipient => "an agency in quotes or a party's name",
        Rule::scope | Rule::scope_from | Rule::scope_of | Rule::kw_from | Rule::kw_of => {
            "`from stage ...` or `of ...`"
        }
        Rule::kw_onwards => "`onwards`",
        Rule::pathway_ref | Rule::main_ladder => "`the main ladder` or an exception's name",
        Rule::kw_and | Rule::route_record => "`and record` or `and send`",
        Rule::route_send => "`and send`",
        Rule::kw_by | Rule::record_by => "`by agency`",
        Rule::through | Rule::kw_through => "`through`",
        Rule::step_as => "`as NAME`",
        Rule::step_name => "a step's name",
        Rule::for_whom | Rule::kw_for | Rule::for_agency => "`for`",
        Rule::service | Rule::kw_service => "`service`",
        Rule::kw_includes => "`includes`",
        Rule::kw_otherwise | Rule::otherwise => "`otherwise`",
        Rule::kw_discretionary => "`discretionary`",
        Rule::kw_implied => "`implied`",
        Rule::no_outcome | Rule::kw_no_outcome => "`no outcome described`",
        Rule::party_choice | Rule::party_option => "a party's name",
        Rule::step_if => "`if \"...\"`",
        Rule::kw_if | Rule::if_condition => "`if \"...\" ->`",
        Rule::route | Rule::resolved | Rule::unresolved | Rule::immediate_risk | Rule::no_response => {
            "a route such as `unresolved -> stage 2`"
        }
        Rule::target => "a stage, exit or outcome",
        Rule::timing
        | Rule::timescale
        | Rule::count
        | Rule::qualifier
        | Rule::number_word
        | Rule::article
        | Rule::working_days
        | Rule::working_weeks
        | Rule::calendar_days
        | Rule::calendar_weeks
        | Rule::hours
        | Rule::further
        | Rule::same_working_day
        | Rule::next_working_day
        | Rule::immediately
        | Rule::vague
        | Rule::vague_words => TIMESCALE,
        Rule::anchor => "`of stage ...`",
        Rule::anchor_point => "`start` or `end`",
        Rule::anchor_unclear => "`start or end`",
        Rule::earlier_if | Rule::kw_earlier => "`or earlier if ...`",
        Rule::advisory | Rule::kw_advisory => "`advisory`",
        Rule::all_advisory | Rule::kw_timescales => "`timescales advisory`",
        Rule::stage_span | Rule::kw_stages => "`stages`",
        Rule::kw_the | Rule::kw_disagreement => "`the disagreement`",
        Rule::both => "`and within ...`",
        Rule::equivalent => "`(...)`",
        Rule::whichever => "`whichever is shorter`",
        Rule::code => "a check's code, such as `dead-end`",
        Rule::name => "a name such as `team-manager`",
        Rule::stage_id => "a stage number or name",
        Rule::number => "a number",
        Rule::string | Rule::string_text => "text in double quotes",
        Rule::open_brace => "`{`",
        Rule::close_brace => "`}`",
        Rule::scenario | Rule::kw_scenario => "`scenario`",
        Rule::scenario_starts | Rule::kw_starts => "`starts`",
        Rule::scenario_pathway | Rule::kw_in => "`in exception` or `in pathway`",
        Rule::scenario_event | Rule::kw_at => "`at stage ...:` or `at any stage:`",
        Rule::scenario_expect | Rule::kw_expect => "`expect`",
        Rule::expect_end | Rule::kw_ends => "`ends at`",
        Rule::expect_reach | Rule::kw_reaches => "`reaches`",
        Rule::expect_stage | Rule::kw_due => "`due`",
        Rule::expect_within => "`within`",
        Rule::expect_on | Rule::kw_on => "`on`",
        Rule::expect_by => "`by`",
        Rule::date => "a date such as `2026-12-21`",
        _ => SOMETHING_ELSE,
    }
}

/// What is at `at`, for "found ...".
fn describe_found(source: &str, at: usize) -> String {
    let rest = &source[at.min(source.len())..];
    let Some(first) = rest.chars().next() else { return "the end of the file".into() };
    if first == '\n' || first == '\r' {
        return "the end of the line".into();
    }
    let word: String = if first.is_alphanumeric() {
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_').take(40).collect()
    } else {
        first.to_string()
    };
    format!("`{word}`")
}

fn next_char_len(source: &str, at: usize) -> usize {
    source.get(at..).and_then(|s| s.chars().next()).map_or(0, char::len_utf8)
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Turns pairs into the syntax tree. Pairs' spans are relative to the item
/// being parsed; `offset` makes them relative to the file.
struct Builder<'e> {
    offset: usize,
    errors: &'e mut Vec<Finding>,
}

impl Builder<'_> {
    /// The pair's span, without the spaces and comments pest lets a rule
    /// swallow at its end.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let text = trim_trivia_end(pair.as_str());
        Span::new(self.offset + s.start(), self.offset + s.start() + text.len())
    }

    /// The span of an element without the quotes and notes that follow it,
    /// so that a finding points at `step "..." within ...`, not its quotes.
    fn head(&self, pair: &Pair<Rule>) -> Span {
        let whole = self.span(pair);
        let last = pair
            .clone()
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::quote | Rule::note | Rule::source))
            .last();
        Span::new(whole.start, last.map_or(whole.end, |p| self.span(&p).end))
    }

    fn word(&self, pair: &Pair<Rule>) -> Word {
        Word { text: pair.as_str().to_string(), span: self.span(pair) }
    }

    /// A `string` pair's text, unescaped, with runs of whitespace as one space.
    fn text(&self, pair: &Pair<Rule>) -> Word {
        let raw = pair.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        Word { text: unescape(inner), span: self.span(pair) }
    }

    fn number(&mut self, pair: &Pair<Rule>) -> u32 {
        pair.as_str().parse().unwrap_or_else(|_| {
            self.errors.push(
                Finding::new(Code::SyntaxError, format!("the number `{}` is too large", pair.as_str()))
                    .at(self.span(pair), "too large")
                    .help("numbers in a protocol are at most 4294967295"),
            );
            u32::MAX
        })
    }

    /// A `closed` line; a date that is no day, or a run that ends before
    /// it begins or is longer than a year, is a syntax error.
    fn closed(&mut self, pair: Pair<Rule>) -> Option<Closed> {
        let span = self.head(&pair);
        let (mut days, mut quotes, mut every, mut name) = (Vec::new(), Vec::new(), Vec::new(), None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => name = Some(self.text(&p)),
                Rule::closed_every => {
                    let mut ends = Vec::new();
                    for d in p.into_inner().filter(|q| q.as_rule() == Rule::day_of_year) {
                        ends.push(self.day_of_year(&d));
                    }
                    let first = ends.first().copied().flatten();
                    let last = ends.get(1).copied().unwrap_or(first);
                    if let (Some(first), Some(last)) = (first, last) {
                        every.push((first, last));
                    }
                }
                Rule::closed_days => {
                    let run = self.span(&p);
                    let written = collapse(trim_trivia_end(p.as_str()));
                    let mut dates =
                        p.into_inner().filter(|q| q.as_rule() == Rule::date).map(|q| self.date(&q));
                    let first = dates.next().flatten();
                    let last = dates.next().unwrap_or(first);
                    let (Some(first), Some(last)) = (first, last) else { continue };
                    let why = if last < first {
                        "ends before it begins"
                    } else if (last - first).num_days() > 366 {
                        "is longer than a year"
                    } else {
                        days.push((first, last));
                        continue;
                    };
                    self.errors.push(
                        Finding::new(Code::SyntaxError, format!("the run of closed days `{written}` {why}"))
                            .at(run, why)
                            .help("write the first day, then `to` and the last day, at most a year later"),
                    );
                    days.push((first, last));
                }
                Rule::quote => quotes.push(self.first_text(p)?),
                _ => {}
            }
        }
        Some(Closed { name, days, every, quotes, span })
    }

    /// `24 December` as (month, day); a syntax error if no year has that day.
    fn day_of_year(&mut self, pair: &Pair<Rule>) -> Option<(u32, u32)> {
        const MONTHS: [&str; 12] = [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ];
        let mut parts = pair.clone().into_inner();
        let day: u32 = parts.next()?.as_str().parse().ok()?;
        let month_name = parts.next()?.as_str().to_lowercase();
        let month = MONTHS.iter().position(|m| *m == month_name)? as u32 + 1;
        // 2024 is a leap year: 29 February is a day of some years.
        if chrono::NaiveDate::from_ymd_opt(2024, month, day).is_none() {
            self.errors.push(
                Finding::new(Code::SyntaxError, format!("there is no such day as `{}`", pair.as_str()))
                    .at(self.span(pair), "not a day of any year")
                    .help("write the day of the month and the month's name, e.g. `24 December`"),
            );
            return None;
        }
        Some((month, day))
    }

    /// A `date` pair as a day; a syntax error if there is no such day.
    fn date(&mut self, pair: &Pair<Rule>) -> Option<chrono::NaiveDate> {
        let day = chrono::NaiveDate::parse_from_str(pair.as_str(), "%Y-%m-%d").ok();
        if day.is_none() {
            self.errors.push(
                Finding::new(Code::SyntaxError, format!("there is no such day as `{}`", pair.as_str()))
                    .at(self.span(pair), "not a day")
                    .help("write the date as YYYY-MM-DD and check the month and the day"),
            );
        }
        day
    }

    fn item(&mut self, pair: Pair<Rule>) -> Option<Item> {
        let span = match pair.as_rule() {
            Rule::party | Rule::exit | Rule::outcome | Rule::stage_span | Rule::service => self.head(&pair),
            _ => self.span(&pair),
        };
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
        Some(match rule {
            Rule::protocol => {
                let mut header = Header { span, ..Header::default() };
                header.title = self.text(&inner.next()?);
                for p in inner {
                    match p.as_rule() {
                        Rule::source => header.sources.push(self.first_text(p)?),
                        Rule::version => header.versions.push(self.first_text(p)?),
                        Rule::dated => header.dateds.push(self.first_text(p)?),
                        Rule::begins_after => {
                            let mut texts = p.into_inner().filter(|q| !is_keyword(q.as_rule()));
                            let text = self.text(&texts.next()?);
                            let quotes = texts.map(|q| self.first_text(q)).collect::<Option<_>>()?;
                            header.begins_after.push((text, quotes));
                        }
                        Rule::calendar => header.calendars.push(self.word(&p.into_inner().nth(1)?)),
                        Rule::closed => header.closed.push(self.closed(p)?),
                        Rule::limit => header.limits.push(self.limit(p)?),
                        Rule::all_advisory => {
                            let span = self.span(&p);
                            let quotes = p
                                .into_inner()
                                .filter(|q| q.as_rule() == Rule::quote)
                                .map(|q| self.first_text(q))
                                .collect::<Option<_>>()?;
                            header.advisory.push((span, quotes));
                        }
                        Rule::note => header.notes.push(self.note(p)?),
                        Rule::quote => header.quotes.push(self.first_text(p)?),
                        Rule::allow => header.allows.push(self.allow(p)?),
                        _ => {}
                    }
                }
                Item::Protocol(Box::new(header))
            }
            Rule::party => {
                let name = self.word(&inner.next()?);
                let title = self.text(&inner.next()?);
                let mut party =
                    Party { name, title, agencies: vec![], levels: vec![], more: Rare::default(), span };
                for p in inner {
                    match p.as_rule() {
                        Rule::agency => party.agencies.push(self.first_text(p)?),
                        Rule::level => {
                            let n = p.into_inner().nth(1)?;
                            let value = self.number(&n);
                            party.levels.push((value, self.span(&n)));
                        }
                        Rule::quote => party.quotes.push(self.first_text(p)?),
                        Rule::note => party.notes.push(self.note(p)?),
                        Rule::source => party.sources.push(self.first_text(p)?),
                        _ => {}
                    }
                }
                if let Some(more) = party.more.get_mut() {
                    more.quotes.shrink_to_fit();
                }
                Item::Party(Box::new(party))
            }
            Rule::exit => {
                let name = self.word(&inner.next()?);
                let title = self.text(&inner.next()?);
                let mut exit = Exit {
                    name,
                    title,
                    to: vec![],
                    timescale: None,
                    notes: vec![],
                    quotes: vec![],
                    sources: vec![],
                    span,
                };
                for p in inner {
                    match p.as_rule() {
                        Rule::exit_to => {
                            for r in p.into_inner().filter(|q| q.as_rule() == Rule::recipient) {
                                let inner = r.into_inner().next()?;
                                exit.to.push(match inner.as_rule() {
                                    Rule::string => Recipient::Agency(self.text(&inner)),
                                    _ => Recipient::Party(self.word(&inner)),
                                });
                            }
                        }
                        Rule::source => exit.sources.push(self.first_text(p)?),
                        Rule::timing => exit.timescale = Some(self.timing(p)?),
                        Rule::note => exit.notes.push(self.note(p)?),
                        Rule::quote => exit.quotes.push(self.first_text(p)?),
                        _ => {}
                    }
                }
                Item::Exit(Box::new(exit))
            }
            Rule::outcome => {
                let name = self.word(&inner.next()?);
                let title = self.text(&inner.next()?);
                let mut outcome =
                    Outcome { name, title, notes: vec![], quotes: vec![], sources: vec![], span };
                for p in inner {
                    match p.as_rule() {
                        Rule::source => outcome.sources.push(self.first_text(p)?),
                        Rule::note => outcome.notes.push(self.note(p)?),
                        Rule::quote => outcome.quotes.push(self.first_text(p)?),
                        _ => {}
                    }
                }
                Item::Outcome(Box::new(outcome))
            }
            Rule::at_any_stage => {
                let mut body = inner.next()?;
                let mut scope = None;
                if body.as_rule() == Rule::scope {
                    scope = Some(self.scope(body)?);
                    body = inner.next()?;
                }
                let body = match body.as_rule() {
                    Rule::route => RuleBody::Route(self.route(body)?),
                    Rule::note => RuleBody::Note(self.note(body)?),
                    Rule::step => RuleBody::Step(self.step(body)?),
                    Rule::send => RuleBody::Send(self.step(body)?),
                    _ => RuleBody::Record(self.step(body)?),
                };
                let notes = inner.map(|p| self.note(p)).collect::<Option<_>>()?;
                Item::AtAnyStage(Box::new(AtAnyStage { scope, body, notes }))
            }
            Rule::stage => Item::Stage(Box::new(self.stage(span, inner)?)),
            Rule::exception | Rule::pathway => {
                let parallel = rule == Rule::pathway;
                let name = self.word(&inner.next()?);
                let title = self.text(&inner.next()?);
                let mut exception = Exception {
                    parallel,
                    span: Span::new(span.start, title.span.end),
                    name,
                    title,
                    starts: vec![],
                    befores: vec![],
                    stages: vec![],
                    notes: vec![],
                    quotes: vec![],
                    sources: vec![],
                    allows: vec![],
                };
                for p in inner {
                    match p.as_rule() {
                        Rule::start => {
                            let mut parts = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            let target = self.target(parts.next()?)?;
                            let quotes = parts.map(|q| self.first_text(q)).collect::<Option<_>>()?;
                            exception.starts.push((target, quotes));
                        }
                        Rule::stage => {
                            let span = self.span(&p);
                            let parts = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            exception.stages.push(self.stage(span, parts)?);
                        }
                        Rule::before => {
                            let span = self.span(&p);
                            let parts = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            exception.befores.push(self.before(span, parts)?);
                        }
                        Rule::note => exception.notes.push(self.note(p)?),
                        Rule::source => exception.sources.push(self.first_text(p)?),
                        Rule::quote => exception.quotes.push(self.first_text(p)?),
                        Rule::allow => exception.allows.push(self.allow(p)?),
                        _ => {}
                    }
                }
                Item::Exception(Box::new(exception))
            }
            Rule::allow => Item::Allow(Box::new(self.allow_parts(span, inner)?)),
            Rule::before => Item::Before(Box::new(self.before(span, inner)?)),
            Rule::instruction => {
                let text = self.text(&inner.next()?);
                let mut instruction = Instruction {
                    span: Span::new(span.start, text.span.end),
                    text,
                    routes: vec![],
                    notes: vec![],
                    quotes: vec![],
                    sources: vec![],
                };
                for p in inner {
                    match p.as_rule() {
                        Rule::instruction_route => {
                            let route = p.into_inner().find(|q| q.as_rule() == Rule::route)?;
                            instruction.routes.push(self.route(route)?);
                        }
                        Rule::note => instruction.notes.push(self.note(p)?),
                        Rule::quote => instruction.quotes.push(self.first_text(p)?),
                        Rule::source => instruction.sources.push(self.first_text(p)?),
                        _ => {}
                    }
                }
                Item::Instruction(Box::new(instruction))
            }
            Rule::service => {
                let name = self.text(&inner.next()?);
                let mut service =
                    Service { name, parts: vec![], notes: vec![], quotes: vec![], sources: vec![], span };
                for p in inner {
                    match p.as_rule() {
                        Rule::string => service.parts.push(self.text(&p)),
                        Rule::note => service.notes.push(self.note(p)?),
                        Rule::quote => service.quotes.push(self.first_text(p)?),
                        Rule::source => service.sources.push(self.first_text(p)?),
                        _ => {}
                    }
                }
                Item::Service(Box::new(service))
            }
            Rule::stage_span => {
                let mut stages = Vec::new();
                let mut range = false;
                let mut timescale = None;
                let mut quotes = Vec::new();
                let mut notes = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::stage_id => stages.push(self.word(&p)),
                        Rule::span_range => {
                            range = true;
                            if let Some(last) = p.into_inner().find(|q| q.as_rule() == Rule::stage_id) {
                                stages.push(self.word(&last));
                            }
                        }
                        Rule::timing => timescale = Some(self.timing(p)?),
                        Rule::quote => quotes.push(self.first_text(p)?),
                        Rule::note => notes.push(self.note(p)?),
                        _ => {}
                    }
                }
                Item::StageSpan(Box::new(StageSpan {
                    stages,
                    range,
                    timescale: timescale?,
                    quotes,
                    notes,
                    span,
                }))
            }
            _ => return None,
        })
    }

    /// `before the first stage: ...`, from the pairs after its keyword.
    fn before<'i>(&mut self, span: Span, inner: impl Iterator<Item = Pair<'i, Rule>>) -> Option<Before> {
        let mut body = None;
        let mut notes = Vec::new();
        for p in inner {
            match p.as_rule() {
                Rule::step => body = Some(RuleBody::Step(self.step(p)?)),
                Rule::send => body = Some(RuleBody::Send(self.step(p)?)),
                Rule::note => notes.push(self.note(p)?),
                _ => {}
            }
        }
        Some(Before { body: body?, notes, span })
    }

    fn stage<'i>(&mut self, span: Span, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Option<Stage> {
        let mut stage = Stage { span, ..Stage::default() };
        stage.id = self.word(&inner.next()?);
        stage.title = self.text(&inner.next()?);
        for p in inner {
            match p.as_rule() {
                Rule::parties => {
                    for choice in p.clone().into_inner().filter(|p| p.as_rule() == Rule::party_choice) {
                        let mut options = Vec::new();
                        for option in choice.into_inner().filter(|p| p.as_rule() == Rule::party_option) {
                            let mut parts = option.into_inner().filter(|p| !is_keyword(p.as_rule()));
                            let name = self.word(&parts.next()?);
                            let condition = parts.next().map(|c| self.text(&c));
                            options.push((name, condition));
                        }
                        options.shrink_to_fit();
                        stage.parties.push(options);
                    }
                    // The quotes under a `parties` line are the stage's.
                    for q in p.into_inner().filter(|q| q.as_rule() == Rule::quote) {
                        stage.quotes.push(self.first_text(q)?);
                    }
                }
                Rule::no_outcome => {
                    let span = self.head(&p);
                    let quotes = p.into_inner().filter(|q| q.as_rule() == Rule::quote);
                    let quotes = quotes.map(|q| self.first_text(q)).collect::<Option<_>>()?;
                    stage.no_outcome.push((span, quotes));
                }
                Rule::source => stage.sources.push(self.first_text(p)?),
                Rule::step => stage.steps.push(self.step(p)?),
                Rule::record => stage.records.push(self.step(p)?),
                Rule::send => stage.sends.push(self.step(p)?),
                Rule::route => stage.routes.push(self.route(p)?),
                Rule::within => stage.within.push(self.limit(p)?),
                Rule::cumulative => stage.cumulative.push(self.limit(p)?),
                Rule::final_authority => {
                    let span = self.span(&p);
                    let mut parts = p.into_inner().filter(|p| !is_keyword(p.as_rule()));
                    let kind_pair = parts.next()?;
                    let kind = match kind_pair.into_inner().next()?.as_rule() {
                        Rule::kw_decision => FinalKind::Decision,
                        _ => FinalKind::Mediation,
                    };
                    let quotes = parts.map(|q| self.first_text(q)).collect::<Option<_>>()?;
                    stage.finals.push(Final { kind, quotes, span });
                }
                Rule::note => stage.notes.push(self.note(p)?),
                Rule::quote => stage.quotes.push(self.first_text(p)?),
                Rule::allow => stage.allows.push(self.allow(p)?),
                _ => {}
            }
        }
        // A vector's first push reserves room for four (Rust's growth rule):
        // at a route or step of 300 bytes, most of a stage would be room.
        stage.parties.shrink_to_fit();
        stage.steps.shrink_to_fit();
        stage.routes.shrink_to_fit();
        if let Some(more) = stage.more.get_mut() {
            more.quotes.shrink_to_fit();
            more.records.shrink_to_fit();
        }
        Some(stage)
    }

    /// `note "..."` and its quotes.
    fn note(&self, pair: Pair<Rule>) -> Option<Note> {
        let mut text = None;
        let mut quotes = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => text = Some(self.text(&p)),
                Rule::quote => quotes.push(self.first_text(p)?),
                _ => {}
            }
        }
        Some(Note { text: text?, quotes })
    }

    /// `from stage 2 onwards` or `of the main ladder, cp-conference`.
    fn scope(&self, pair: Pair<Rule>) -> Option<Scope> {
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            Rule::scope_from => {
                let id = inner.into_inner().find(|p| p.as_rule() == Rule::stage_id)?;
                Scope::From(self.word(&id))
            }
            _ => Scope::Of(
                inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::pathway_ref)
                    .filter_map(|p| p.into_inner().next())
                    .map(|p| (p.as_rule() == Rule::name).then(|| self.word(&p)))
                    .collect(),
            ),
        })
    }

    /// The first string inside a pair such as `quote "..."`.
    fn first_text(&self, pair: Pair<Rule>) -> Option<Word> {
        let p = pair.into_inner().find(|p| p.as_rule() == Rule::string)?;
        Some(self.text(&p))
    }

    fn allow(&self, pair: Pair<Rule>) -> Option<Allow> {
        let span = self.span(&pair);
        self.allow_parts(span, pair.into_inner().filter(|p| !is_keyword(p.as_rule())))
    }

    fn allow_parts<'i>(&self, span: Span, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Option<Allow> {
        let code = self.word(&inner.next()?);
        let reason = self.text(&inner.next()?);
        Some(Allow { code, reason, span })
    }

    /// `within`, `cumulative` or `limit`: a timescale and quotes.
    fn limit(&mut self, pair: Pair<Rule>) -> Option<Limit> {
        let span = self.head(&pair);
        let mut timescale = None;
        let mut quotes = vec![];
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::timing => timescale = Some(self.timing(p)?),
                Rule::timescale => timescale = Some(self.timescale(p)?),
                Rule::quote => quotes.push(self.first_text(p)?),
                _ => {}
            }
        }
        Some(Limit { timescale: timescale?, quotes, span })
    }

    /// A step, a record, or a step's `otherwise` branch.
    fn step(&mut self, pair: Pair<Rule>) -> Option<Step> {
        // The head, found on the way through: up to the `otherwise`, without
        // the quotes, so a finding points at the step's own line.
        let whole = self.span(&pair);
        let mut head_end = None;
        let mut step = Step::default();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::quote | Rule::note | Rule::source | Rule::otherwise => {}
                _ if step.otherwise.is_none() => head_end = Some(self.span(&p).end),
                _ => {}
            }
            match p.as_rule() {
                Rule::kw_discretionary => step.discretionary = true,
                Rule::string => step.text = self.text(&p),
                Rule::step_if => step.condition = Some(self.first_text(p)?),
                Rule::step_as => {
                    step.name = Some(self.word(&p.into_inner().find(|q| q.as_rule() == Rule::name)?))
                }
                Rule::record_by => step.agency = Some(self.first_text(p)?),
                Rule::for_whom => step.for_whom = Some(self.for_whom(p)?),
                Rule::through => step.through = self.through(p)?,
                Rule::send_to => step.to = self.through(p)?,
                Rule::otherwise => step.otherwise = Some(Box::new(self.step(p)?)),
                Rule::timing => step.timescale = Some(self.timing(p)?),
                Rule::quote => step.quotes.push(self.first_text(p)?),
                Rule::source => step.sources.push(self.first_text(p)?),
                _ => {}
            }
        }
        step.quotes.shrink_to_fit();
        step.span = Span::new(whole.start, head_end.unwrap_or(whole.end));
        Some(step)
    }

    fn route(&mut self, pair: Pair<Rule>) -> Option<Route> {
        let whole = self.span(&pair);
        let mut inner = pair.into_inner().peekable();
        let mut implied = false;
        let mut discretionary = false;
        while let Some(mark) =
            inner.next_if(|p| matches!(p.as_rule(), Rule::kw_implied | Rule::kw_discretionary))
        {
            match mark.as_rule() {
                Rule::kw_implied => implied = true,
                _ => discretionary = true,
            }
        }
        let cond = inner.next()?;
        let condition_span = self.span(&cond);
        let condition = match cond.as_rule() {
            Rule::resolved => Condition::Resolved,
            Rule::unresolved => Condition::Unresolved,
            Rule::immediate_risk => Condition::ImmediateRisk,
            Rule::no_response => Condition::NoResponse,
            _ => Condition::If(self.first_text(cond)?.text),
        };
        let target_pair = inner.next()?;
        // The head: to the target, or its timescale (not the quotes or `and
        // record`), so a finding points at the route's own line.
        let mut head_end = self.span(&target_pair).end;
        let target = self.target(target_pair)?;
        let mut route = Route {
            condition,
            condition_span,
            target,
            timescale: None,
            quotes: vec![],
            more: Rare::new(RouteMore { implied, discretionary, ..RouteMore::default() }),
            span: whole,
        };
        for p in inner {
            match p.as_rule() {
                Rule::timing => {
                    head_end = head_end.max(self.span(&p).end);
                    route.timescale = Some(Box::new(self.timing(p)?));
                }
                Rule::quote => route.quotes.push(self.first_text(p)?),
                Rule::source => route.sources.push(self.first_text(p)?),
                Rule::route_record => {
                    let record = p.into_inner().find(|q| q.as_rule() == Rule::record)?;
                    route.records.push(self.step(record)?);
                }
                Rule::route_send => {
                    let send = p.into_inner().find(|q| q.as_rule() == Rule::send)?;
                    route.sends.push(self.step(send)?);
                }
                Rule::for_whom => {
                    head_end = head_end.max(self.span(&p).end);
                    route.for_whom = Some(self.for_whom(p)?);
                }
                Rule::through => {
                    head_end = head_end.max(self.span(&p).end);
                    route.through = self.through(p)?;
                }
                _ => {}
            }
        }
        route.quotes.shrink_to_fit();
        route.span = Span::new(whole.start, head_end);
        Some(route)
    }

    /// `through A or B`: whom a step or route goes through.
    fn through(&self, pair: Pair<Rule>) -> Option<Vec<Recipient>> {
        pair.into_inner().filter(|q| q.as_rule() == Rule::recipient).map(|r| self.recipient(r)).collect()
    }

    /// An agency in quotes or a party by name.
    fn recipient(&self, pair: Pair<Rule>) -> Option<Recipient> {
        let inner = pair.into_inner().next()?;
        Some(match inner.as_rule() {
            Rule::string => Recipient::Agency(self.text(&inner)),
            _ => Recipient::Party(self.word(&inner)),
        })
    }

    /// `for agency "..."`, `for NAME` or `for "..."`.
    fn for_whom(&self, pair: Pair<Rule>) -> Option<ForWhom> {
        let inner = pair.into_inner().find(|q| q.as_rule() != Rule::kw_for)?;
        Some(match inner.as_rule() {
            Rule::for_agency => {
                ForWhom::Agency(self.text(&inner.into_inner().find(|q| q.as_rule() == Rule::string)?))
            }
            Rule::string => ForWhom::Children(self.text(&inner)),
            _ => ForWhom::Party(self.word(&inner)),
        })
    }

    fn target(&self, pair: Pair<Rule>) -> Option<Target> {
        let mut explicit_stage = false;
        let mut name = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::kw_stage => explicit_stage = true,
                _ => name = Some(self.word(&p)),
            }
        }
        Some(Target { explicit_stage, name: name? })
    }

    fn timing(&mut self, pair: Pair<Rule>) -> Option<Timescale> {
        let p = pair.into_inner().find(|p| p.as_rule() == Rule::timescale)?;
        self.timescale(p)
    }

    fn timescale(&mut self, pair: Pair<Rule>) -> Option<Timescale> {
        let span = self.span(&pair);
        let written = written(pair.as_str());
        let mut terms = Vec::new();
        let mut join = Join::Shorter;
        let mut earlier_if = None;
        let mut anchor = None;
        let mut unclear = false;
        let mut advisory = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::both => {
                    join = Join::Both;
                    for q in p.into_inner() {
                        if let Some(term) = self.term(q) {
                            terms.push(term);
                        }
                    }
                }
                Rule::equivalent => {
                    join = Join::Equivalent;
                    for q in p.into_inner() {
                        if let Some(term) = self.term(q) {
                            terms.push(term);
                        }
                    }
                }
                Rule::anchor => {
                    unclear = p.clone().into_inner().any(|q| q.as_rule() == Rule::anchor_unclear);
                    anchor = self.anchor(p);
                }
                Rule::earlier_if => {
                    let condition =
                        p.into_inner().find(|q| matches!(q.as_rule(), Rule::string | Rule::rest_of_line));
                    earlier_if = condition.map(|q| match q.as_rule() {
                        Rule::string => self.text(&q).text,
                        _ => collapse(q.as_str()),
                    });
                }
                Rule::advisory => advisory = true,
                _ => {
                    if let Some(term) = self.term(p) {
                        terms.push(term);
                    }
                }
            }
        }
        // Most have one term: a first push reserves room for four.
        terms.shrink_to_fit();
        let more = Rare::new(Counted { earlier_if, anchor, unclear });
        Some(Timescale { terms, join, more, advisory, written, span })
    }

    /// One term of a timescale; `None` for the words between terms.
    fn term(&mut self, p: Pair<Rule>) -> Option<Term> {
        Some(match p.as_rule() {
            Rule::count => {
                let mut amount = 1;
                let mut unit = Unit::WorkingDays;
                let mut scale = 1;
                let mut further = false;
                for q in p.into_inner() {
                    match q.as_rule() {
                        Rule::further => further = true,
                        Rule::number => amount = u64::from(self.number(&q)),
                        Rule::number_word => amount = number_word(&collapse(q.as_str())).unwrap_or(1),
                        Rule::working_days => unit = Unit::WorkingDays,
                        Rule::working_weeks => (unit, scale) = (Unit::WorkingDays, 5),
                        Rule::calendar_days => unit = Unit::CalendarDays,
                        Rule::calendar_weeks => (unit, scale) = (Unit::CalendarDays, 7),
                        Rule::hours => unit = Unit::Hours,
                        _ => {}
                    }
                }
                Term::Count { amount: amount.saturating_mul(scale), unit, further }
            }
            Rule::same_working_day => Term::SameWorkingDay,
            Rule::next_working_day => Term::Count { amount: 1, unit: Unit::WorkingDays, further: false },
            Rule::immediately => Term::Immediately,
            Rule::vague => {
                let words = match p.into_inner().next() {
                    Some(q) if q.as_rule() == Rule::string => self.text(&q).text,
                    Some(q) => collapse(q.as_str()),
                    None => String::new(),
                };
                Term::Vague { words }
            }
            _ => return None, // `or`, `whichever is shorter`, `no more than`
        })
    }

    /// `of step 1`, `of the end of stage 2`, `of the disagreement`.
    fn anchor(&mut self, p: Pair<Rule>) -> Option<Anchor> {
        let mut point = None;
        let mut stage = None;
        let mut step = None;
        let mut named = None;
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::anchor_point => {
                    point = Some(if q.as_str().starts_with("start") { Point::Start } else { Point::End })
                }
                // `the start or end of`: counted from the end, the later deadline.
                Rule::anchor_unclear => point = Some(Point::End),
                Rule::stage_id => stage = Some(q.as_str().to_string()),
                Rule::number => step = Some(u64::from(self.number(&q))),
                Rule::step_name => named = Some(q.as_str().to_string()),
                _ => {}
            }
        }
        Some(match (stage, step) {
            _ if named.is_some() => {
                Anchor::Named { name: named.unwrap_or_default(), point: point.unwrap_or(Point::End) }
            }
            (Some(id), _) => Anchor::Stage { id, point: point.unwrap_or(Point::Start) },
            (None, Some(number)) => Anchor::Step { number, point: point.unwrap_or(Point::End) },
            (None, None) => Anchor::Disagreement,
        })
    }
}

/// A timescale's words as written: comments dropped, runs of whitespace one
/// space. Texts inside it are kept as written (quote marks and escapes too).
fn written(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_text = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut space = false;
    for c in raw.chars() {
        if in_comment {
            in_comment = c != '\n';
            space |= !in_comment;
            continue;
        }
        if in_text {
            if c.is_whitespace() {
                space = true;
                escaped = false;
                continue;
            }
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
            in_text = escaped || c != '"';
            escaped = !escaped && c == '\\';
            continue;
        }
        match c {
            '#' => in_comment = true,
            c if c.is_whitespace() => space = true,
            c => {
                if space && !out.is_empty() && !matches!(c, ',' | ')') && !out.ends_with('(') {
                    out.push(' ');
                }
                space = false;
                in_text = c == '"';
                out.push(c);
            }
        }
    }
    out
}

/// `text` without trailing whitespace and trailing comment lines.
fn trim_trivia_end(text: &str) -> &str {
    if !text.ends_with(|c: char| c.is_whitespace()) {
        return text; // nothing to trim: a comment ends with a line break
    }
    let mut text = text.trim_end();
    loop {
        let line_start = text.rfind('\n').map_or(0, |n| n + 1);
        if text[line_start..].trim_start().starts_with('#') {
            text = text[..line_start].trim_end();
        } else {
            return text;
        }
    }
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_protocol
            | Rule::kw_source
            | Rule::kw_calendar
            | Rule::kw_limit
            | Rule::kw_party
            | Rule::kw_agency
            | Rule::kw_level
            | Rule::kw_exit
            | Rule::kw_outcome
            | Rule::kw_at_any_stage
            | Rule::kw_allow
            | Rule::kw_stage
            | Rule::kw_parties
            | Rule::kw_step
            | Rule::kw_record
            | Rule::kw_within
            | Rule::kw_cumulative
            | Rule::kw_final
            | Rule::kw_if
            | Rule::kw_exception
            | Rule::kw_pathway
            | Rule::kw_instruction
            | Rule::kw_counts
            | Rule::kw_as
            | Rule::kw_start
            | Rule::kw_note
            | Rule::kw_quote
            | Rule::kw_or
            | Rule::kw_stages
            | Rule::kw_timescales
            | Rule::kw_advisory
            | Rule::kw_version
            | Rule::kw_dated
            | Rule::kw_begins
            | Rule::kw_after
            | Rule::kw_to
            | Rule::kw_from
            | Rule::kw_onwards
            | Rule::kw_of
            | Rule::kw_and
            | Rule::kw_by
            | Rule::kw_otherwise
            | Rule::kw_discretionary
            | Rule::kw_implied
            | Rule::kw_no_outcome
            | Rule::kw_through
            | Rule::kw_for
            | Rule::kw_service
            | Rule::kw_includes
            | Rule::kw_before
            | Rule::first_stage
            | Rule::kw_send
            | Rule::kw_every
            | Rule::open_brace
            | Rule::close_brace
    )
}

/// Undo `\"` and `\\`, and make runs of whitespace one space (one pass).
///
/// A backslash before whitespace (a line break, a carriage return, a tab)
/// escapes nothing: it is the whitespace it is, so no text ever carries a
/// raw line break out of the parser (in a report or a timeline it would
/// start a line of its own, such as a forged `::error` workflow command).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    // Most texts escape nothing: their words, one space apart.
    if !raw.contains('\\') {
        for word in raw.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        return out;
    }
    unescape_chars(raw, out)
}

/// [`unescape`], one character at a time.
fn unescape_chars(raw: &str, mut out: String) -> String {
    let mut chars = raw.chars();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        let c = match c {
            '\\' => match chars.next() {
                Some(next) if next.is_whitespace() => {
                    pending_space = !out.is_empty();
                    continue;
                }
                Some(next) => next,
                None => break,
            },
            c if c.is_whitespace() => {
                pending_space = !out.is_empty();
                continue;
            }
            c => c,
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_without_spans_are_equal_wherever_the_text_stands() {
        // Every policy and case file, read where it is and three lines down:
        // a span left by `Item::forget_spans` would differ.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut tried = 0;
        for dir in ["policies", "tests/cases"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("the folder").flatten() {
                let path = entry.path();
                let Some(text) = path
                    .extension()
                    .is_some_and(|e| e == "esc")
                    .then(|| std::fs::read_to_string(&path).ok())
                    .flatten()
                else {
                    continue;
                };
                let (mut a, errors) = parse(&text);
                let (mut b, _) = parse(&format!("\n# moved\n\n{text}"));
                if !errors.is_empty() || a.items.is_empty() {
                    continue;
                }
                assert_ne!(a.items, b.items, "{}: the spans moved", path.display());
                a.items.iter_mut().chain(&mut b.items).for_each(Item::forget_spans);
                assert!(a.items == b.items, "{}: a span is left after forget_spans", path.display());
                tried += 1;
            }
        }
        assert!(tried > 40, "{tried} files tried");
    }

    #[test]
    fn each_item_says_where_it_begins() {
        let text = "# a comment\nprotocol \"P\"\n\nparty a \"A\"\n  # between\nstage 1 \"One\" {\n}\n";
        let (file, errors) = parse(text);
        assert!(errors.is_empty());
        let at = |word: &str| text.find(word).expect("in the text");
        assert_eq!(file.starts, [at("protocol"), at("party"), at("stage")]);
        // An item that does not parse is left out, and so is its start.
        let (file, _) = parse("protocol \"P\"\nstage 1 \"One\" { frob }\nparty a \"A\"\n");
        assert_eq!((file.items.len(), file.starts.len()), (2, 2));
    }

    proptest::proptest! {
        /// The quick way through texts without escapes reads them as the
        /// character loop does (whitespace of every script included).
        #[test]
        fn texts_without_escapes_read_as_character_by_character(raw in "[a-c \t\n\r\u{a0}\u{2028}\u{3000}é\"]{0,40}") {
            proptest::prop_assert_eq!(unescape(&raw), unescape_chars(&raw, String::new()));
        }
    }

    /// The stage `within` of `stage 1 "S" { within TIMESCALE }`.
    fn stage_within(timescale: &str) -> Timescale {
        let (file, errors) = parse(&format!("protocol \"P\"\nstage 1 \"S\" {{\n  within {timescale}\n}}\n"));
        assert!(errors.is_empty(), "{timescale}: {errors:?}");
        match file.items.into_iter().nth(1) {
            Some(Item::Stage(stage)) => {
                stage.more.into_inner().within.into_iter().next().expect("a within").timescale
            }
            other => panic!("{timescale}: {other:?}"),
        }
    }

    /// Issue 23: every spelling a board prints is read as it means.
    #[test]
    fn units_in_capitals_and_whichever_in_brackets_are_read() {
        let day = stage_within("1 Day");
        assert_eq!(day.terms, [Term::Count { amount: 1, unit: Unit::CalendarDays, further: false }]);
        let week = stage_within("a WORKING WEEK");
        assert_eq!(week.terms, [Term::Count { amount: 5, unit: Unit::WorkingDays, further: false }]);
        let hours = stage_within("24 Hours");
        assert_eq!(hours.terms, [Term::Count { amount: 24, unit: Unit::Hours, further: false }]);
        let less = stage_within("3 working days or 5 working days (whichever is less)");
        assert_eq!(
            (less.terms.len(), less.join, less.bound()),
            (2, Join::Shorter, Some(crate::timescale::WorkingDays(3)))
        );
        assert_eq!(less.written, "3 working days or 5 working days (whichever is less)");
    }

    #[test]
    fn notes_after_an_at_any_stage_rule_are_the_rule_s() {
        let text = "protocol \"P\"\nat any stage: immediate risk -> mash\n  note \"n\"\n    quote \"q\"\n  note \"m\"\nparty a \"A\"\n";
        let (file, errors) = parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let Some(Item::AtAnyStage(rule)) = file.items.get(1) else { panic!("{:?}", file.items) };
        let notes: Vec<(&str, usize)> =
            rule.notes.iter().map(|n| (n.text.text.as_str(), n.quotes.len())).collect();
        assert_eq!(notes, [("n", 1), ("m", 0)]);
        assert!(matches!(file.items.get(2), Some(Item::Party(_))));
        let (file, errors) = parse("stages 1 to 2 within 5 working days\n  quote \"q\"\n  note \"n\"\n");
        assert!(errors.is_empty(), "{errors:?}");
        let Some(Item::StageSpan(span)) = file.items.first() else { panic!("{:?}", file.items) };
        assert_eq!((span.quotes.len(), span.notes.len()), (1, 1));
    }

    #[test]
    fn spans_leave_out_trailing_spaces_and_comments() {
        assert_eq!(trim_trivia_end("step \"a\"  \n  # note\n  "), "step \"a\"");
        assert_eq!(trim_trivia_end("x \"# not a comment\""), "x \"# not a comment\"");
    }

    #[test]
    fn strings_unescape_and_collapse_whitespace() {
        assert_eq!(unescape(r#"a \"quoted\" \\ word"#), r#"a "quoted" \ word"#);
        assert_eq!(unescape("two\n   lines"), "two lines");
        // A backslash before whitespace is that whitespace: never a raw line break.
        assert_eq!(unescape("a\\\n::b"), "a ::b");
        assert_eq!(unescape("a\\\r::b\\\tc \\\u{2028}d"), "a ::b c d");
        assert_eq!(unescape("\\\n a"), "a");
    }

    #[test]
    fn recovery_resumes_at_the_next_top_level_line() {
        let src = "stage 1 \"a\" {\n  oops\n}\nstage 2 \"b\" {\n}\n";
        let at = src.find("oops").unwrap();
        assert_eq!(recovery_point(src, 0, at), src.find("stage 2").unwrap());
    }

    #[test]
    fn a_cut_needs_an_item_that_surely_ended() {
        assert!(ends_item("stage 1 \"a\" {\n}\n\n"));
        assert!(ends_item("stage 1 \"a\" {\n}  # done\n# a comment line\n"));
        assert!(ends_item("exit mash \"MASH\"\n"));
        assert!(!ends_item("  unresolved -> stage\n"));
        assert!(!ends_item("exit x \"a\" within 2 working days\n"));
    }

    #[test]
    fn parallel_pieces_give_the_same_result_as_one_parse() {
        // Many stages with multi-byte text, so cuts land near characters that
        // are more than one byte; and a multi-line text containing what looks
        // like a top-level line, so one cut falls inside a text.
        let mut src = String::from("protocol \"p\"\n");
        for i in 0..12000 {
            src.push_str(&format!(
                "stage {i} \"Ré-évaluation ✓ {i}\" {{\n  step \"x\" within 2 working days\n}}\n"
            ));
            if i % 7 == 0 {
                src.push_str(&format!("exit e{i} \"a text over lines\nstage 9999 \\\"not a stage\\\"\n\"\n"));
            }
        }
        assert!(src.len() > 3 * CHUNK_BYTES);
        let (file, errors) = parse(&src);
        assert!(errors.is_empty(), "{errors:?}");
        let (one, one_errors) = parse_range_whole(&src);
        assert_eq!((file.items.len(), 0), (one, one_errors));
        assert_eq!(one, 1 + 12000 + 12000_usize.div_ceil(7));
    }

    #[test]
    fn a_protocol_on_one_line_is_cut_into_pieces_as_with_line_breaks() {
        // The same stages as one line, with the traps of a cut inside a line:
        // `}` and a keyword inside texts (escaped quotes too) and comments
        // cannot end one, nor can a `}` inside an exception.
        let stage = |i: usize| {
            format!("stage {i} \"R\u{e9} }} stage 1 \\\" {{ {i}\" {{ step \"x\" within 2 working days }} ")
        };
        let one_line = |n: usize| {
            // A header of items without braces, longer than a chunk.
            let mut src = String::from("protocol \"p\" ");
            for i in 0..PARTIES {
                src.push_str(&format!("party p{i} \"Party {i}\" level {i} "));
            }
            for i in 0..n {
                src.push_str(&stage(i));
                if i % 50 == 0 {
                    src.push_str(&format!(
                        "exception e{i} \"E\" {{ {} {} }} ",
                        stage(n + 2 * i),
                        stage(n + 2 * i + 1)
                    ));
                }
            }
            src + "# a comment } stage 5 \"x\" {\n"
        };
        const PARTIES: usize = 10_000;
        let header = one_line(0).len();
        assert!(header > CHUNK_BYTES);
        // Growth at three sizes: the largest piece stays the header (no cut
        // inside it) or about one chunk, so the parser's working memory does
        // not grow with the file.
        for n in [3_000, 9_000, 27_000] {
            let src = one_line(n);
            assert!(!src.trim_end().contains('\n'));
            let ranges = pieces(&src, 0);
            let largest = ranges.iter().map(|(a, b)| b - a).max().unwrap_or(0);
            assert!(
                ranges.len() >= (src.len() - header) / CHUNK_BYTES,
                "{n} stages: {} pieces",
                ranges.len()
            );
            assert!(largest <= header.max(2 * CHUNK_BYTES) + 200, "{n} stages: a piece of {largest} bytes");
            // Every cut is where an item starts, and the pieces give what one
            // parse of the whole gives.
            for (start, _) in &ranges[1..] {
                assert!(src[*start..].starts_with("stage ") || src[*start..].starts_with("exception "));
                assert!(*start > header);
            }
            let (file, errors) = parse(&src);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!((file.items.len(), 0), parse_range_whole(&src));
            assert_eq!(file.items.len(), 1 + PARTIES + n + n.div_ceil(50));
        }
    }

    fn parse_range_whole(src: &str) -> (usize, usize) {
        let piece = parse_range(src, skip_trivia(src, 0), src.len());
        (piece.items.len(), piece.errors.len())
    }

    /// Token soup with the cases a window's end could change: text over
    /// several lines holding a top-level line, `allow` ending a header,
    /// `at any` before `stage` and `child` before `at immediate risk` on the
    /// next line, `at once` and unindented stages of an exception, all at the
    /// start of a line.
    fn soup() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        const TOKENS: &[&str] = &[
            "protocol \"P\"",
            "stage",
            "stage 1 \"S\" {",
            "}",
            "{",
            "exception e \"E\" {",
            "allow dead-end \"r\"",
            "at any",
            "at once",
            "at any stage:",
            "child",
            "at immediate risk",
            "immediate risk ->",
            "any",
            "every stage",
            "risk",
            "# \"",
            "unresolved -> stage 2",
            "resolved ->",
            "agreed",
            "within",
            "2 working days",
            "\"text",
            "over\nstage 3 \"lines\"",
            "# comment \"",
            "\\\"",
            "exit mash \"M\"",
            "outcome agreed \"A\"",
            "step \"x\"",
            "final decision",
            "quote \"q\"",
            "2",
            "working",
            "days",
        ];
        let sep = prop_oneof![Just(" "), Just("\n"), Just("\n\n  ")];
        proptest::collection::vec((0..TOKENS.len(), sep), 0..80)
            .prop_map(|parts| parts.into_iter().map(|(i, sep)| format!("{}{sep}", TOKENS[i])).collect())
    }

    proptest::proptest! {
        /// A small window gives what parsing against the whole rest of the
        /// file gives, from every line start: the same pairs, or the same error.
        #[test]
        fn windows_parse_as_the_whole_text(src in soup()) {
            let starts = std::iter::once(0).chain(src.match_indices('\n').map(|(i, _)| i + 1));
            for pos in starts.map(|p| skip_trivia(&src, p)).filter(|&p| p < src.len()) {
                let small = parse_item_from(&src, pos, 8).map_err(|e| (e.location, e.variant));
                let whole = parse_item_from(&src, pos, usize::MAX).map_err(|e| (e.location, e.variant));
                proptest::prop_assert_eq!(format!("{small:?}"), format!("{whole:?}"), "at {}", pos);
            }
        }
    }

    /// pest is built without its stack guard (see Cargo.toml): safe only
    /// while no rule can reach itself, so that the parser's depth is bounded
    /// by the grammar, never by the input.
    #[test]
    fn no_grammar_rule_is_recursive() {
        let grammar = include_str!("../grammar/escalate.pest");
        // Rule bodies, with comments and quoted literals taken out.
        let mut rules: Vec<(String, Vec<String>)> = Vec::new();
        for line in grammar.lines() {
            let line = line.split("//").next().unwrap_or("");
            let mut code = String::new();
            let mut quoted = None;
            let mut escaped = false;
            for c in line.chars() {
                match quoted {
                    Some(q) if !escaped && c == q => quoted = None,
                    Some(_) => escaped = !escaped && c == '\\',
                    None if c == '"' || c == '\'' => quoted = Some(c),
                    None => code.push(c),
                }
            }
            let words = |text: &str| -> Vec<String> {
                text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            match code.split_once('=') {
                Some((name, body)) if !name.starts_with(char::is_whitespace) && !name.trim().is_empty() => {
                    rules.push((name.trim().to_string(), words(body)))
                }
                _ => {
                    if let Some(last) = rules.last_mut() {
                        last.1.extend(words(&code));
                    }
                }
            }
        }
        assert!(rules.len() > 100, "{} rules read", rules.len());
        let index = |name: &str| rules.iter().position(|(n, _)| n == name);
        let edges: Vec<Vec<usize>> =
            rules.iter().map(|(_, body)| body.iter().filter_map(|w| index(w)).collect()).collect();
        // Depth-first, colouring: a rule met again while it is open is a cycle.
        fn visit(
            r: usize,
            edges: &[Vec<usize>],
            state: &mut [u8],
            path: &mut Vec<usize>,
        ) -> Option<Vec<usize>> {
            state[r] = 1;
            path.push(r);
            for &next in &edges[r] {
                if state[next] == 1 {
                    return Some(path.clone());
                }
                if state[next] == 0
                    && let Some(cycle) = visit(next, edges, state, path)
                {
                    return Some(cycle);
                }
            }
            path.pop();
            state[r] = 2;
            None
        }
        let mut state = vec![0u8; rules.len()];
        for r in 0..rules.len() {
            if state[r] == 0
                && let Some(cycle) = visit(r, &edges, &mut state, &mut Vec::new())
            {
                let names: Vec<&str> = cycle.iter().map(|&i| rules[i].0.as_str()).collect();
                panic!("recursive rules: {}", names.join(" -> "));
            }
        }
    }

    #[test]
    fn an_error_on_every_line_takes_linear_time() {
        // Each error used to cost the length of the rest of the file (pest
        // looks for the end of the line from the end of its input).
        let src = "stage\n".repeat(200_000);
        let (_, errors) = parse(&src);
        assert_eq!(errors.len(), MAX_SYNTAX_ERRORS + 1);
        let piece = parse_range(&src, 0, src.len());
        assert_eq!(piece.errors.len(), MAX_SYNTAX_ERRORS);
    }

    #[test]
    fn several_syntax_errors_are_all_reported() {
        let src =
            "protocol \"p\"\nstage 1 \"a\" { oops }\nstage 2 \"b\" { step \"x\" within 2 wrking days }\n";
        let (file, errors) = parse(src);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(file.items.len(), 1);
    }
}
