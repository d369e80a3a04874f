//! Where every name of one file is declared and used, read from the syntax
//! tree: what go to definition, find references, rename, hover and the
//! outline need. Built from what parsed, so it works while the file is
//! broken further down.

use crate::span::Span;
use crate::syntax::{self, Item, Route, RuleBody, Word};
use crate::timescale::Timescale;

/// The two namespaces of a protocol: parties, and the targets of routes
/// (stages, exits and outcomes share one, as the resolver has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    Party,
    Target,
    Exception,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Party,
    Stage,
    Exit,
    Outcome,
    Exception,
}

impl Kind {
    pub fn space(self) -> Space {
        match self {
            Kind::Party => Space::Party,
            Kind::Stage | Kind::Exit | Kind::Outcome => Space::Target,
            Kind::Exception => Space::Exception,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Kind::Party => "party",
            Kind::Stage => "stage",
            Kind::Exit => "exit",
            Kind::Outcome => "outcome",
            Kind::Exception => "exception",
        }
    }
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Symbol {
    pub kind: Kind,
    pub name: Word,
    pub title: String,
    pub quotes: Vec<String>,
    /// The whole item, for the outline.
    pub span: Span,
    /// The stages of an exception, by index into [`Index::symbols`].
    pub children: Vec<usize>,
    /// Top-level (in the outline) rather than inside an exception.
    pub top: bool,
}

/// A use of a name.
#[derive(Debug, Clone)]
pub struct Use {
    pub space: Space,
    pub name: Word,
    /// Where it is used, in words: `stage 2`, `at any stage`.
    pub place: String,
}

#[derive(Debug, Default)]
pub struct Index {
    pub symbols: Vec<Symbol>,
    pub uses: Vec<Use>,
    pub timescales: Vec<Timescale>,
    /// `allow` codes as written.
    pub codes: Vec<Word>,
    /// Stages, for code actions: (id, whole span).
    pub stage_spans: Vec<(String, Span)>,
    /// Where the protocol header ends, for inserting after it.
    pub header_end: Option<usize>,
}

fn texts(words: &[Word]) -> Vec<String> {
    words.iter().map(|w| w.text.clone()).collect()
}

impl Index {
    pub fn build(source: &str) -> Index {
        let (file, _) = syntax::parse(source);
        let mut ix = Index::default();
        for item in &file.items {
            match item {
                Item::Protocol(h) => {
                    ix.header_end.get_or_insert(h.span.end);
                    ix.allows(&h.allows);
                    ix.limits(&h.limits);
                }
                Item::Party(p) => ix.symbol(Kind::Party, &p.name, &p.title, &p.quotes, p.span, true),
                Item::Exit(e) => {
                    ix.symbol(Kind::Exit, &e.name, &e.title, &e.quotes, e.span, true);
                    ix.timescales.extend(e.timescale.clone());
                }
                Item::Outcome(o) => ix.symbol(Kind::Outcome, &o.name, &o.title, &o.quotes, o.span, true),
                Item::AtAnyStage(rule) => match &rule.body {
                    RuleBody::Route(r) => ix.route(r, "at any stage"),
                    RuleBody::Record(step) | RuleBody::Step(step) => ix.step(step, "at any stage"),
                    RuleBody::Note(_) => {}
                },
                Item::Stage(s) => {
                    ix.stage(s, true);
                }
                Item::Exception(e) => {
                    ix.symbol(Kind::Exception, &e.name, &e.title, &e.quotes, e.span, true);
                    let me = ix.symbols.len() - 1;
                    let place = format!("exception {}", e.name.text);
                    for (target, _) in &e.starts {
                        ix.uses.push(Use {
                            space: Space::Target,
                            name: target.name.clone(),
                            place: place.clone(),
                        });
                    }
                    for s in &e.stages {
                        let child = ix.stage(s, false);
                        ix.symbols[me].children.push(child);
                    }
                    ix.allows(&e.allows);
                }
                Item::Allow(a) => ix.codes.push(a.code.clone()),
                Item::StageSpan(span) => ix.timescales.push(span.timescale.clone()),
                Item::Service(_) => {}
            }
        }
        // In file order, for `stage_around`'s binary search.
        ix.stage_spans.sort_by_key(|(_, s)| s.start);
        ix
    }

    fn symbol(&mut self, kind: Kind, name: &Word, title: &Word, quotes: &[Word], span: Span, top: bool) {
        self.symbols.push(Symbol {
            kind,
            name: name.clone(),
            title: title.text.clone(),
            quotes: texts(quotes),
            span,
            children: Vec::new(),
            top,
        });
    }

    fn stage(&mut self, s: &syntax::Stage, top: bool) -> usize {
        self.symbol(Kind::Stage, &s.id, &s.title, &s.quotes, s.span, top);
        self.stage_spans.push((s.id.text.clone(), s.span));
        let place = format!("stage {}", s.id.text);
        // Each alternative (`a or b`) is a use of its party.
        for party in s.parties.iter().flatten().map(|(name, _)| name) {
            self.uses.push(Use { space: Space::Party, name: party.clone(), place: place.clone() });
        }
        for route in &s.routes {
            self.route(route, &place);
        }
        for step in s.steps.iter().chain(&s.records) {
            self.step(step, &place);
        }
        self.limits(&s.within);
        self.limits(&s.cumulative);
        self.allows(&s.allows);
        self.symbols.len() - 1
    }

    fn route(&mut self, r: &Route, place: &str) {
        self.uses.push(Use { space: Space::Target, name: r.target.name.clone(), place: place.to_string() });
        self.timescales.extend(r.timescale.clone());
        self.whom(r.for_whom.as_ref(), &r.through, place);
        for record in &r.records {
            self.step(record, place);
        }
    }

    fn step(&mut self, step: &syntax::Step, place: &str) {
        self.timescales.extend(step.timescale.clone());
        self.whom(step.for_whom.as_ref(), &step.through, place);
    }

    /// The parties named after `for` and `through`: uses of their names.
    fn whom(&mut self, for_whom: Option<&syntax::ForWhom>, through: &[syntax::Recipient], place: &str) {
        let named = for_whom
            .and_then(|f| match f {
                syntax::ForWhom::Party(name) => Some(name),
                _ => None,
            })
            .into_iter()
            .chain(through.iter().filter_map(|r| match r {
                syntax::Recipient::Party(name) => Some(name),
                syntax::Recipient::Agency(_) => None,
            }));
        for name in named {
            self.uses.push(Use { space: Space::Party, name: name.clone(), place: place.to_string() });
        }
    }

    fn limits(&mut self, limits: &[syntax::Limit]) {
        self.timescales.extend(limits.iter().map(|l| l.timescale.clone()));
    }

    fn allows(&mut self, allows: &[syntax::Allow]) {
        self.codes.extend(allows.iter().map(|a| a.code.clone()));
    }

    /// The name (declared or used) under a byte offset, with its namespace.
    pub fn name_at(&self, offset: usize) -> Option<(Space, &Word)> {
        let inside = |w: &Word| w.span.start <= offset && offset <= w.span.end;
        self.symbols
            .iter()
            .find(|s| inside(&s.name))
            .map(|s| (s.kind.space(), &s.name))
            .or_else(|| self.uses.iter().find(|u| inside(&u.name)).map(|u| (u.space, &u.name)))
    }

    /// The first declaration of `name` in `space`.
    pub fn definition(&self, space: Space, name: &str) -> Option<&Symbol> {
        self.symbols.iter().find(|s| s.kind.space() == space && s.name.text == name)
    }

    /// Every declaration and use of `name` in `space`, in file order.
    pub fn occurrences(&self, space: Space, name: &str) -> Vec<Span> {
        let mut spans: Vec<Span> = self
            .symbols
            .iter()
            .filter(|s| s.kind.space() == space && s.name.text == name)
            .map(|s| s.name.span)
            .chain(self.uses.iter().filter(|u| u.space == space && u.name.text == name).map(|u| u.name.span))
            .collect();
        spans.sort_by_key(|s| s.start);
        spans.dedup();
        spans
    }

    /// Where `name` is used, in words, each place once.
    pub fn places(&self, space: Space, name: &str) -> Vec<&str> {
        let mut places: Vec<&str> = Vec::new();
        for u in self.uses.iter().filter(|u| u.space == space && u.name.text == name) {
            if !places.contains(&u.place.as_str()) {
                places.push(&u.place);
            }
        }
        places
    }

    /// The innermost stage around a byte offset.
    ///
    /// A stage never holds a stage (only exceptions hold stages), so the
    /// stage around an offset is the last one starting at or before it, if
    /// it has not ended: a binary search, so that code actions over a file's
    /// N findings take N log N, not N times the stages (issue 26).
    pub fn stage_around(&self, offset: usize) -> Option<&(String, Span)> {
        let at = self.stage_spans.partition_point(|(_, s)| s.start <= offset);
        self.stage_spans[..at].last().filter(|(_, s)| offset < s.end)
    }
}
