//! Scenarios files (`NAME.scenarios`): parsed with the protocol's grammar
//! (`scenarios_file` and the rules after it in `grammar/escalate.pest`), so
//! stage names, conditions and timescales read exactly as in the protocol.

use pest::Parser as _;
use pest::error::InputLocation;
use pest::iterators::Pair;

use super::{Builder, Condition, Grammar, Rule, Target, Word, control_character, syntax_error};
use crate::diagnostic::Finding;
use crate::span::Span;
use crate::timescale::Timescale;

/// `scenario "..." { ... }`, as written.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub name: Word,
    /// The whole block.
    pub span: Span,
    /// `scenario "..."`, for pointing at the scenario.
    pub head: Span,
    /// `starts 2026-12-21`: the date as written.
    pub starts: Vec<Word>,
    /// `in exception NAME`.
    pub pathways: Vec<Word>,
    pub events: Vec<Event>,
    pub expects: Vec<Expect>,
    pub notes: Vec<Word>,
}

/// `at stage 2: resolved`; `stage` is `None` for `at any stage:`.
#[derive(Debug, Clone)]
pub struct Event {
    pub stage: Option<Target>,
    pub condition: Condition,
    pub span: Span,
}

/// `expect ...`.
#[derive(Debug, Clone)]
pub struct Expect {
    pub kind: ExpectKind,
    pub target: Target,
    pub whens: Vec<When>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectKind {
    /// `ends at X`.
    Ends,
    /// `reaches X`.
    Reaches,
    /// `stage X due ...`.
    Due,
    /// `stage X starts ...`.
    Starts,
}

#[derive(Debug, Clone)]
pub enum When {
    /// `within TIMESCALE [of TARGET]`.
    Within { timescale: Timescale, of: Option<Target>, span: Span },
    /// `on DATE`.
    On(Word),
    /// `by DATE`.
    By(Word),
}

/// Parse a scenarios file: its scenarios, or its syntax errors.
pub fn parse_scenarios(source: &str) -> Result<Vec<Scenario>, Vec<Finding>> {
    if let Some(finding) = control_character(source) {
        return Err(vec![finding]);
    }
    let pairs = match Grammar::parse(Rule::scenarios_file, source) {
        Ok(pairs) => pairs,
        Err(error) => {
            let at = match error.location {
                InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
            };
            return Err(vec![syntax_error(source, at, &error.variant)]);
        }
    };
    let mut errors = Vec::new();
    let mut builder = Builder { offset: 0, errors: &mut errors };
    let scenarios =
        pairs.filter(|p| p.as_rule() == Rule::scenario).filter_map(|p| builder.scenario(p)).collect();
    if errors.is_empty() { Ok(scenarios) } else { Err(errors) }
}

impl Builder<'_> {
    fn scenario(&mut self, pair: Pair<Rule>) -> Option<Scenario> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(|p| p.as_rule() != Rule::kw_scenario);
        let title = inner.next()?;
        let name = self.text(&title);
        let mut s =
            Scenario { head: Span::new(span.start, name.span.end), name, span, ..Scenario::default() };
        for p in inner {
            let at = self.span(&p);
            match p.as_rule() {
                Rule::scenario_starts => {
                    s.starts.push(self.word(&p.into_inner().find(|q| q.as_rule() == Rule::date)?))
                }
                Rule::scenario_pathway => {
                    s.pathways.push(self.word(&p.into_inner().find(|q| q.as_rule() == Rule::name)?))
                }
                Rule::note => s.notes.push(self.first_text(p)?),
                Rule::scenario_event => {
                    let mut stage = None;
                    let mut condition = None;
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::target => stage = self.target(q),
                            Rule::resolved => condition = Some(Condition::Resolved),
                            Rule::unresolved => condition = Some(Condition::Unresolved),
                            Rule::immediate_risk => condition = Some(Condition::ImmediateRisk),
                            Rule::no_response => condition = Some(Condition::NoResponse),
                            Rule::if_condition => condition = Some(Condition::If(self.first_text(q)?.text)),
                            _ => {}
                        }
                    }
                    s.events.push(Event { stage, condition: condition?, span: at });
                }
                Rule::scenario_expect => {
                    let body = p.into_inner().find(|q| q.as_rule() != Rule::kw_expect)?;
                    let rule = body.as_rule();
                    let mut kind = match rule {
                        Rule::expect_end => ExpectKind::Ends,
                        Rule::expect_reach => ExpectKind::Reaches,
                        _ => ExpectKind::Due,
                    };
                    let mut target = None;
                    let mut whens = Vec::new();
                    for q in body.into_inner() {
                        match q.as_rule() {
                            Rule::target => target = self.target(q),
                            Rule::kw_starts => kind = ExpectKind::Starts,
                            Rule::expect_on => whens.push(When::On(
                                self.word(&q.into_inner().find(|r| r.as_rule() == Rule::date)?),
                            )),
                            Rule::expect_by => whens.push(When::By(
                                self.word(&q.into_inner().find(|r| r.as_rule() == Rule::date)?),
                            )),
                            Rule::expect_within => {
                                let wspan = self.span(&q);
                                let mut timescale = None;
                                let mut of = None;
                                for r in q.into_inner() {
                                    match r.as_rule() {
                                        Rule::timescale => timescale = self.timescale(r),
                                        Rule::target => of = self.target(r),
                                        _ => {}
                                    }
                                }
                                let mut timescale = timescale?;
                                // `within same working day of stage 3`: the
                                // timescale's own `of stage 3` names the stage.
                                if of.is_none()
                                    && let Some(crate::timescale::Anchor::Stage { id, .. }) =
                                        timescale.anchor.take()
                                {
                                    of = Some(Target {
                                        explicit_stage: true,
                                        name: Word { text: id, span: timescale.span },
                                    });
                                }
                                whens.push(When::Within { timescale, of, span: wspan });
                            }
                            _ => {}
                        }
                    }
                    s.expects.push(Expect { kind, target: target?, whens, span: at });
                }
                _ => {}
            }
        }
        Some(s)
    }
}
