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
    /// A pathway of equal standing (`pathway NAME "..." { ... }`).
    Pathway,
}

impl Kind {
    pub fn space(self) -> Space {
        match self {
            Kind::Party => Space::Party,
            Kind::Stage | Kind::Exit | Kind::Outcome => Space::Target,
            Kind::Exception | Kind::Pathway => Space::Exception,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Kind::Party => "party",
            Kind::Stage => "stage",
            Kind::Exit => "exit",
            Kind::Outcome => "outcome",
            Kind::Exception => "exception",
            Kind::Pathway => "pathway",
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
    /// What go to definition and hover answer on: the name, or `stage 2`
    /// from its keyword.
    pub handle: Span,
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
    /// The name, or `stage 2` from its keyword (`-> stage 2`).
    pub handle: Span,
}

/// A route for a child at immediate risk, for the quick fixes.
#[derive(Debug, Clone)]
pub struct RiskRoute {
    pub span: Span,
    /// The target as written (`stage 2` from its keyword).
    pub target: Span,
    /// Its target's name.
    pub name: String,
    /// An unscoped `at any stage` rule (every stage has it).
    pub everywhere: bool,
}

/// An exit, for the quick fixes: where its timescale is, or where one goes.
#[derive(Debug, Clone)]
pub struct ExitAt {
    pub name: String,
    /// The timescale's words (after `within`), if it has one.
    pub timescale: Option<Span>,
    /// Where a timing would go: after the title and `to` clause.
    pub head_end: usize,
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
    /// Routes for a child at immediate risk.
    pub risk_routes: Vec<RiskRoute>,
    pub exits: Vec<ExitAt>,
    /// Each stage's id and the next stage on its ladder (the top-level
    /// stages, or an exception's), in file order.
    pub next_stage: Vec<(String, Option<String>)>,
    /// Every `allow` line.
    pub allow_lines: Vec<Span>,
}

/// Where the `stage` keyword before a target's name starts: the parser has
/// read `stage` there (the target is explicit), with only spaces between.
fn keyword_before(source: &str, name: Span, explicit: bool) -> Span {
    let before = source.get(..name.start).unwrap_or_default().trim_end();
    match before.strip_suffix("stage") {
        Some(rest) if explicit && !rest.ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') => {
            Span::new(rest.len(), name.end)
        }
        _ => name,
    }
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
                    let to_end = e.to.iter().map(|r| match r {
                        syntax::Recipient::Agency(w) | syntax::Recipient::Party(w) => w.span.end,
                    });
                    ix.exits.push(ExitAt {
                        name: e.name.text.clone(),
                        timescale: e.timescale.as_ref().map(|t| t.span),
                        head_end: to_end.fold(e.title.span.end, usize::max),
                    });
                    ix.timescales.extend(e.timescale.clone());
                }
                Item::Outcome(o) => ix.symbol(Kind::Outcome, &o.name, &o.title, &o.quotes, o.span, true),
                Item::AtAnyStage(rule) => match &rule.body {
                    RuleBody::Route(r) => {
                        ix.route(source, r, "at any stage");
                        if let Some(last) = ix.risk_routes.last_mut().filter(|x| x.span == r.span) {
                            last.everywhere = rule.scope.is_none();
                        }
                    }
                    RuleBody::Record(step) | RuleBody::Step(step) | RuleBody::Send(step) => {
                        ix.step(step, "at any stage")
                    }
                    RuleBody::Note(_) => {}
                },
                Item::Before(b) => {
                    if let RuleBody::Step(step) | RuleBody::Send(step) = &b.body {
                        ix.step(step, "before the first stage");
                    }
                }
                Item::Stage(s) => {
                    ix.stage(source, s, true);
                }
                Item::Exception(e) => {
                    let kind = if e.parallel { Kind::Pathway } else { Kind::Exception };
                    ix.symbol(kind, &e.name, &e.title, &e.quotes, e.span, true);
                    let me = ix.symbols.len() - 1;
                    let place = format!("{} {}", kind.word(), e.name.text);
                    for (target, _) in &e.starts {
                        ix.uses.push(Use {
                            space: Space::Target,
                            name: target.name.clone(),
                            place: place.clone(),
                            handle: keyword_before(source, target.name.span, target.explicit_stage),
                        });
                    }
                    for b in &e.befores {
                        if let RuleBody::Step(step) | RuleBody::Send(step) = &b.body {
                            ix.step(step, &place);
                        }
                    }
                    for (i, s) in e.stages.iter().enumerate() {
                        let child = ix.stage(source, s, false);
                        ix.symbols[me].children.push(child);
                        ix.next_stage
                            .push((s.id.text.clone(), e.stages.get(i + 1).map(|n| n.id.text.clone())));
                    }
                    ix.allows(&e.allows);
                }
                Item::Allow(a) => {
                    ix.codes.push(a.code.clone());
                    ix.allow_lines.push(a.span);
                }
                Item::StageSpan(span) => ix.timescales.push(span.timescale.clone()),
                Item::Instruction(i) => i.routes.iter().for_each(|r| ix.route(source, r, "instruction")),
                Item::Service(_) => {}
            }
        }
        let top: Vec<&str> = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Stage(s) => Some(s.id.text.as_str()),
                _ => None,
            })
            .collect();
        for (i, id) in top.iter().enumerate() {
            ix.next_stage.push((id.to_string(), top.get(i + 1).map(|n| n.to_string())));
        }
        // In file order, for `stage_around`'s binary search.
        ix.stage_spans.sort_by_key(|(_, s)| s.start);
        ix
    }

    fn symbol(&mut self, kind: Kind, name: &Word, title: &Word, quotes: &[Word], span: Span, top: bool) {
        // A stage's handle is `stage 2`, from the keyword the item starts with.
        let handle = if kind == Kind::Stage { Span::new(span.start, name.span.end) } else { name.span };
        self.symbols.push(Symbol {
            kind,
            handle,
            name: name.clone(),
            title: title.text.clone(),
            quotes: texts(quotes),
            span,
            children: Vec::new(),
            top,
        });
    }

    fn stage(&mut self, source: &str, s: &syntax::Stage, top: bool) -> usize {
        self.symbol(Kind::Stage, &s.id, &s.title, &s.quotes, s.span, top);
        self.stage_spans.push((s.id.text.clone(), s.span));
        let place = format!("stage {}", s.id.text);
        // Each alternative (`a or b`) is a use of its party.
        for party in s.parties.iter().flatten().map(|(name, _)| name) {
            let handle = party.span;
            self.uses.push(Use { space: Space::Party, name: party.clone(), place: place.clone(), handle });
        }
        for route in &s.routes {
            self.route(source, route, &place);
        }
        for step in s.steps.iter().chain(&s.records).chain(&s.sends) {
            self.step(step, &place);
        }
        self.limits(&s.within);
        self.limits(&s.cumulative);
        self.allows(&s.allows);
        self.symbols.len() - 1
    }

    fn route(&mut self, source: &str, r: &Route, place: &str) {
        let handle = keyword_before(source, r.target.name.span, r.target.explicit_stage);
        self.uses.push(Use {
            space: Space::Target,
            name: r.target.name.clone(),
            place: place.to_string(),
            handle,
        });
        if r.condition == syntax::Condition::ImmediateRisk {
            self.risk_routes.push(RiskRoute {
                span: r.span,
                target: handle,
                name: r.target.name.text.clone(),
                everywhere: false,
            });
        }
        self.timescales.extend(r.timescale.as_deref().cloned());
        self.whom(r.for_whom.as_ref(), &r.through, place);
        for record in &r.records {
            self.step(record, place);
        }
    }

    fn step(&mut self, step: &syntax::Step, place: &str) {
        self.timescales.extend(step.timescale.clone());
        self.whom(step.for_whom.as_ref(), &step.through, place);
        self.whom(None, &step.to, place);
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
            self.uses.push(Use {
                space: Space::Party,
                name: name.clone(),
                place: place.to_string(),
                handle: name.span,
            });
        }
    }

    fn limits(&mut self, limits: &[syntax::Limit]) {
        self.timescales.extend(limits.iter().map(|l| l.timescale.clone()));
    }

    fn allows(&mut self, allows: &[syntax::Allow]) {
        self.codes.extend(allows.iter().map(|a| a.code.clone()));
        self.allow_lines.extend(allows.iter().map(|a| a.span));
    }

    /// The name (declared or used) under a byte offset, with its namespace;
    /// on `stage 2`, the keyword counts as well as the number.
    pub fn name_at(&self, offset: usize) -> Option<(Space, &Word)> {
        let inside = |s: Span| s.start <= offset && offset <= s.end;
        self.symbols
            .iter()
            .find(|s| inside(s.handle))
            .map(|s| (s.kind.space(), &s.name))
            .or_else(|| self.uses.iter().find(|u| inside(u.handle)).map(|u| (u.space, &u.name)))
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
}
