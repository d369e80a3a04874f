//! `escalate test`: scenarios, the promises a protocol makes, run against it.
//!
//! A scenario (docs/testing.md) says on which day a disagreement starts and
//! what happens at each stage (a route's condition: `resolved`,
//! `unresolved`, `no response`, `immediate risk`, `if "..."`), and what must
//! follow. Running it walks the escalation graph from the pathway's start,
//! taking at each stage the route for what happens there (the stage's own
//! route first, then the inherited one, as `Protocol::routes_of` orders
//! them), and dates each step with the same rules as `escalate timeline`
//! (all of them called from [`clock`], the one place that knows them). The
//! walk ends at an exit or outcome, at a final authority with no route for
//! what happens, at a stage the scenario says nothing about, at a dead end,
//! or on coming back to a stage with the same thing happening (a cycle).
//!
//! Names are resolved first: a scenario that names a stage, exit, outcome,
//! exception or condition the protocol lacks is an input error
//! (`invalid-scenario`) with "did you mean".

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::diagnostic::{Code, Finding, suggest};
use crate::graph::{EscalationGraph, Node};
use crate::model::{Condition, Pathway, Protocol, StageIx, Target};
use crate::span::Span;
use crate::syntax::{self, ExpectKind, Scenario, When};

/// Every call into the timing and calendar rules, in one place: scenarios
/// are dated exactly as `escalate timeline` dates the worst case, by the
/// rules that count it (`Protocol::stage_end`, `Timescale::end`), on both
/// clocks: working days from day 0, and the calendar.
mod clock {
    use chrono::NaiveDate;

    use super::When_;
    use crate::calendar::Calendar;
    use crate::graph::{Edge, Timing};
    use crate::model::{From, Protocol, Reach, StageIx, StageSpan};
    use crate::timeline::Timeline;
    use crate::timescale::{Clock, Count, Point, WorkingDays};

    /// When stage `ix`, begun at `start`, is due on `clock`: the disagreement
    /// began at `began`; `point` gives when the walk began or ended a stage.
    fn due_on<C: Clock>(
        p: &Protocol,
        clock: &C,
        ix: StageIx,
        start: C::Time,
        began: C::Time,
        point: &dyn Fn(StageIx, Point) -> Option<C::Time>,
    ) -> Option<C::Time> {
        let known = |at| Reach { at, unbounded: false };
        let anchor = |from: From| match from {
            From::Disagreement => Some(known(began)),
            From::Stage { stage, point: which } => point(stage, which).map(known),
            From::Step { .. } => None,
        };
        let entry = |span: &StageSpan| point(*span.stages.first()?, Point::Start).map(known);
        let end = p.stage_end(ix, clock, known(start), &anchor, &entry);
        (!end.unbounded).then_some(end.at)
    }

    /// Per stage the walk passed (by index): when it last began and ended it.
    pub type Seen = std::collections::HashMap<usize, (When_, When_)>;

    /// The protocol's calendar, as `timeline` chooses it without `--calendar`.
    pub fn calendar(p: &Protocol) -> Option<Calendar> {
        Timeline::calendar_for(p, None)
    }

    /// When the target of `edge` begins, reached from `at`.
    pub fn after_route(p: &Protocol, c: &Calendar, edge: &Edge, at: When_) -> When_ {
        let Some(timescale) = edge.route(p).and_then(|r| r.timescale.as_ref()) else { return at };
        When_ {
            days: at.days.and_then(|d| timescale.end(&Count, WorkingDays(d))).map(|d| d.0),
            date: at.date.and_then(|d| timescale.end(c, d)),
        }
    }

    /// When the first stage of `pathway` begins, the disagreement raised at
    /// `at`: after the steps before it (`Protocol::before_end`).
    pub fn before_first(p: &Protocol, c: &Calendar, pathway: crate::model::Pathway, at: When_) -> When_ {
        fn end<T>(r: Reach<T>) -> Option<T> {
            (!r.unbounded).then_some(r.at)
        }
        let days = |d| end(p.before_end(pathway, &Count, Reach { at: WorkingDays(d), unbounded: false }));
        let date = |d| end(p.before_end(pathway, c, Reach { at: d, unbounded: false }));
        When_ { days: at.days.and_then(days).map(|d| d.0), date: at.date.and_then(date) }
    }

    /// When stage `ix` is due, begun at `at`; `seen` holds, per stage, when
    /// this walk began and ended it (for the points timescales count from),
    /// each known only where every route to the stage passes it, as in
    /// `timeline`.
    pub fn stage_due(
        p: &Protocol,
        c: &Calendar,
        t: &Timing,
        g: &crate::graph::EscalationGraph,
        ix: StageIx,
        at: When_,
        (began, seen): (Option<NaiveDate>, &Seen),
    ) -> When_ {
        let node = g.stage_node(ix);
        let point = |stage: StageIx, which: Point| -> Option<When_> {
            if !t.passes(node, g.stage_node(stage)) {
                return None;
            }
            let (s, e) = seen.get(&stage.0).copied()?;
            Some(if which == Point::Start { s } else { e })
        };
        let days = at.days.and_then(|d| {
            let point = |stage, which| point(stage, which)?.days.map(WorkingDays);
            due_on(p, &Count, ix, WorkingDays(d), WorkingDays(0), &point).map(|d| d.0)
        });
        let date = at.date.zip(began).and_then(|(d, began)| {
            let point = |stage, which| point(stage, which)?.date;
            due_on(p, c, ix, d, began, &point)
        });
        When_ { days, date }
    }
}

/// A point on the walk: working days since the start, and the date (when
/// the scenario `starts` on one). `None` once a timescale has no bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct When_ {
    pub days: Option<u64>,
    pub date: Option<NaiveDate>,
}

/// One stage, exit or outcome the walk goes through.
#[derive(Debug, Clone)]
pub struct Visit {
    pub target: Target,
    /// `stage 2`, `mash`. Shared: made once per target, not once per visit
    /// (S scenarios over N stages would otherwise copy S × N names).
    pub name: Arc<str>,
    pub title: Arc<str>,
    /// What happens there, as the scenario says (`unresolved`); `None` for
    /// exits, outcomes, and stages it says nothing about.
    pub event: Option<Arc<str>>,
    pub starts: When_,
    /// Stages only: when it is due.
    pub due: Option<When_>,
}

/// How the walk ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// At an outcome or exit.
    Reached,
    /// At a final authority that has no route for what happens: the decision ends it.
    FinalAuthority,
    /// At a stage the scenario says nothing about.
    NotSaid,
    /// At a stage with no route for what happens, and no final authority.
    NoRoute(String),
    /// Back at a stage with the same thing happening.
    Cycle,
}

/// A promise that did not hold.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The `expect` line, in the scenario's words.
    pub expected: String,
    /// What happened instead.
    pub actual: String,
    pub span: Span,
}

/// The result of one scenario.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: String,
    /// `scenario "..."`.
    pub head: Span,
    /// Shared between scenarios that walk the same way (same start, pathway
    /// and events): the walk is made once.
    pub route: Arc<[Visit]>,
    pub ending: Ending,
    /// When the disagreement ends: its arrival at an exit or outcome, or the
    /// last stage's due date.
    pub end: When_,
    pub failures: Vec<Failure>,
    /// Expectations that held.
    pub passed: usize,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The route in words: `stage 1 (unresolved, 2026-12-21 to 2026-12-23) -> stage 2 ...`.
    pub fn route_text(&self) -> String {
        let mut parts: Vec<String> = self
            .route
            .iter()
            .map(|v| {
                let mut inside = Vec::new();
                if let Some(e) = &v.event {
                    inside.push(e.to_string());
                }
                match v.due {
                    Some(due) => inside.push(format!("{} to {}", short(v.starts), short(due))),
                    None => inside.push(short(v.starts)),
                }
                format!("{} ({})", v.name, inside.join(", "))
            })
            .collect();
        match &self.ending {
            Ending::FinalAuthority => parts.push("final authority".to_string()),
            Ending::NotSaid => parts.push("the scenario says no more".to_string()),
            Ending::NoRoute(c) => parts.push(format!("no `{c}` route: stuck")),
            Ending::Cycle => parts.push("round again: a cycle".to_string()),
            Ending::Reached => {}
        }
        parts.join(" -> ")
    }
}

/// A point in words: `2027-01-04 (day 10)` or `day 10` or `no bound`.
pub fn show(w: When_) -> String {
    match (w.date, w.days) {
        // As `timeline` refuses to date past the calendar's end, never a clamped date.
        (Some(date), Some(days)) if date.year() > 9999 => format!("past the year 9999 (working day {days})"),
        (Some(date), _) if date.year() > 9999 => "past the year 9999".to_string(),
        (Some(date), Some(days)) => format!("{date} (working day {days})"),
        (None, Some(days)) => format!("working day {days}"),
        _ => "no bound".to_string(),
    }
}

/// A point in few words, for routes: the date if known, else the working day.
fn short(w: When_) -> String {
    match (w.date, w.days) {
        (Some(date), _) if date.year() > 9999 => "past the year 9999".to_string(),
        (Some(date), _) => date.to_string(),
        (None, Some(days)) => format!("day {days}"),
        _ => "no bound".to_string(),
    }
}

/// A scenario with its names resolved, ready to run.
struct Ready<'s> {
    scenario: &'s Scenario,
    starts: Option<NaiveDate>,
    pathway: Pathway,
    events: Events,
    expects: Vec<ReadyExpect>,
}

/// What happens at each stage: the `at any stage:` line, and the stages the
/// scenario names. Kept sparse: a scenario costs what it says, not the
/// protocol's number of stages.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Events {
    default: Option<Condition>,
    /// By stage index, in order (so equal scenarios give equal keys).
    at: Vec<(usize, Condition)>,
}

impl Events {
    fn at(&self, ix: StageIx) -> Option<&Condition> {
        match self.at.binary_search_by_key(&ix.0, |(i, _)| *i) {
            Ok(k) => Some(&self.at[k].1),
            Err(_) => self.default.as_ref(),
        }
    }
}

struct ReadyExpect {
    kind: ExpectKind,
    target: Target,
    whens: Vec<ReadyWhen>,
    /// The line as written, one space between words.
    words: String,
    span: Span,
}

enum ReadyWhen {
    Within { days: u64, of: Option<Target> },
    On(NaiveDate),
    By(NaiveDate),
}

/// Run every scenario of a scenarios file against its protocol: the
/// outcomes, or the input errors (unknown names, impossible dates).
pub fn run(p: &Protocol, source: &str, scenarios: &[Scenario]) -> Result<Vec<Outcome>, Vec<Finding>> {
    let names = Names::of(p);
    let mut errors = Vec::new();
    let ready: Vec<Ready> =
        scenarios.iter().filter_map(|s| resolve(p, &names, source, s, &mut errors)).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let g = EscalationGraph::build(p);
    let Some(calendar) = clock::calendar(p) else {
        return Err(vec![Finding::new(
            Code::InvalidScenario,
            "the protocol's calendar is not one escalate ships",
        )]);
    };
    // Made once for all scenarios: the timing (which points every route
    // passes) and the names a route shows. Per scenario, only what it walks.
    let walker = Walker {
        p,
        g: &g,
        calendar: &calendar,
        // A pathway of equal standing is timed from its own start, as its
        // timeline is; an exception as part of the main ladder's timing.
        // Each timing once: the main ladder is usually a pathway too.
        timings: p
            .pathways()
            .into_iter()
            .chain(std::iter::once(Pathway::Main))
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .map(|pw| (pw, crate::graph::Timing::compute_for(p, &g, pw)))
            .collect(),
        names: p
            .stages_with_ix()
            .map(|(ix, _)| Target::Stage(ix))
            .chain((0..p.exits.len()).map(|i| Target::Exit(crate::model::ExitIx(i))))
            .chain((0..p.outcomes.len()).map(|i| Target::Outcome(crate::model::OutcomeIx(i))))
            .map(|t| (t, (Arc::from(p.target_name(t)), Arc::from(title(p, t)))))
            .collect(),
    };
    // Scenarios that start on the same day, follow the same pathway and say
    // the same things happen walk the same way: walked once.
    let mut walks: HashMap<(Option<NaiveDate>, Pathway, &Events), Arc<Walk>> = HashMap::new();
    Ok(ready
        .iter()
        .map(|r| {
            let walk = walks
                .entry((r.starts, r.pathway, &r.events))
                .or_insert_with(|| Arc::new(walker.walk(r)))
                .clone();
            judge(p, r, &walk)
        })
        .collect())
}

/// The protocol's names, for resolving and suggesting.
struct Names {
    targets: Vec<(String, Target)>,
    /// Each name's targets, in `targets`' order: a scenario's names are
    /// found in a map, not by reading every stage (S scenarios x N stages).
    by_name: HashMap<String, Vec<Target>>,
    conditions: Vec<String>,
}

impl Names {
    fn of(p: &Protocol) -> Names {
        let mut targets: Vec<(String, Target)> =
            p.stages_with_ix().map(|(ix, s)| (s.id.clone(), Target::Stage(ix))).collect();
        targets.extend(
            p.exits.iter().enumerate().map(|(i, e)| (e.name.clone(), Target::Exit(crate::model::ExitIx(i)))),
        );
        targets.extend(
            p.outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| (o.name.clone(), Target::Outcome(crate::model::OutcomeIx(i)))),
        );
        let mut conditions: Vec<String> = p
            .stages
            .iter()
            .flat_map(|s| &s.routes)
            .chain(p.rule_routes.iter().map(|r| &r.item))
            .filter_map(|r| match &r.condition {
                Condition::If(text) => Some(text.clone()),
                _ => None,
            })
            .collect();
        conditions.sort();
        conditions.dedup();
        let mut by_name: HashMap<String, Vec<Target>> = HashMap::new();
        for (name, target) in &targets {
            by_name.entry(name.clone()).or_default().push(*target);
        }
        Names { targets, by_name, conditions }
    }

    fn target(&self, t: &syntax::Target, errors: &mut Vec<Finding>) -> Option<Target> {
        let found = self.by_name.get(&t.name.text).and_then(|targets| {
            targets.iter().find(|target| !t.explicit_stage || matches!(target, Target::Stage(_)))
        });
        if let Some(target) = found {
            return Some(*target);
        }
        let what = if t.explicit_stage { "stage" } else { "stage, exit or outcome" };
        let candidates = self
            .targets
            .iter()
            .filter(|(_, x)| !t.explicit_stage || matches!(x, Target::Stage(_)))
            .map(|(n, _)| n.as_str());
        let mut finding =
            Finding::new(Code::InvalidScenario, format!("the protocol has no {what} `{}`", t.name.text))
                .at(t.name.span, format!("unknown {what}"));
        finding = match suggest(&t.name.text, candidates) {
            Some(s) if t.explicit_stage => finding.help(format!("did you mean `stage {s}`?")),
            Some(s) => finding.help(format!("did you mean `{s}`?")),
            None => {
                let list: Vec<String> = self
                    .targets
                    .iter()
                    .filter(|(_, x)| !t.explicit_stage || matches!(x, Target::Stage(_)))
                    .take(8)
                    .map(|(n, x)| {
                        if matches!(x, Target::Stage(_)) { format!("`stage {n}`") } else { format!("`{n}`") }
                    })
                    .collect();
                finding.help(format!("a scenario uses the protocol's own names: {}", list.join(", ")))
            }
        };
        errors.push(finding);
        None
    }
}

fn invalid(message: impl Into<String>, span: Span, label: &str, help: impl Into<String>) -> Finding {
    Finding::new(Code::InvalidScenario, message).at(span, label).help(help)
}

fn date(word: &syntax::Word, errors: &mut Vec<Finding>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(&word.text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(invalid(
                format!("there is no such day as `{}`", word.text),
                word.span,
                "not a day",
                "write the date as YYYY-MM-DD and check the month and the day",
            ));
            None
        }
    }
}

fn resolve<'s>(
    p: &Protocol,
    names: &Names,
    source: &str,
    s: &'s Scenario,
    errors: &mut Vec<Finding>,
) -> Option<Ready<'s>> {
    let before = errors.len();
    let once = |list: &[syntax::Word], what: &str, errors: &mut Vec<Finding>| {
        for extra in list.iter().skip(1) {
            errors.push(invalid(
                format!("scenario `{}` gives `{what}` twice", s.name.text),
                extra.span,
                &format!("second `{what}`"),
                format!("a scenario has one `{what}`: write another scenario for the other"),
            ));
        }
    };
    once(&s.starts, "starts", errors);
    once(&s.pathways, "in exception", errors);
    let starts = s.starts.first().and_then(|w| date(w, errors));
    // Without `in`, the first pathway of equal standing: the main ladder,
    // or the first `pathway` block of a file that has no main ladder.
    let first = p.pathways().first().copied().unwrap_or(Pathway::Main);
    let pathway = match s.pathways.first() {
        None => first,
        // `in pathway main`: the main ladder, as `timeline --pathway main`
        // names it (unless a block is called `main`).
        Some(name)
            if name.text == "main"
                && !p.exceptions.iter().any(|e| e.name == "main")
                && p.main_stages().next().is_some() =>
        {
            Pathway::Main
        }
        Some(name) => match p.exceptions.iter().position(|e| e.name == name.text) {
            Some(i) if p.exceptions[i].start.is_some() => Pathway::Exception(i),
            Some(_) => {
                errors.push(invalid(
                    format!("exception `{}` has no pathway to follow", name.text),
                    name.span,
                    "no stages and no `start`",
                    "a scenario follows a pathway: choose an exception with stages or a `start`",
                ));
                first
            }
            None => {
                let mut f = invalid(
                    format!("the protocol has no exception or pathway `{}`", name.text),
                    name.span,
                    "unknown exception or pathway",
                    "",
                );
                f = match suggest(&name.text, p.exceptions.iter().map(|e| e.name.as_str())) {
                    Some(near) => f.help(format!("did you mean `{near}`?")),
                    None => f.help("leave out `in exception` to follow the main ladder"),
                };
                errors.push(f);
                first
            }
        },
    };

    // What happens at each stage: `at any stage:` first, then each stage's own.
    let mut events: HashMap<usize, Condition> = HashMap::new();
    let mut said: HashMap<usize, Span> = HashMap::new();
    let mut default: Option<(Condition, Span)> = None;
    for e in &s.events {
        let mut e = e.clone();
        // `if "the first words..."`: the one condition that begins so.
        if let Condition::If(text) = &e.condition
            && let Some(start) = text.strip_suffix("...").or_else(|| text.strip_suffix('…'))
        {
            let matches: Vec<&String> =
                names.conditions.iter().filter(|c| c.starts_with(start.trim_end())).collect();
            match matches.as_slice() {
                [one] => e.condition = Condition::If((*one).clone()),
                [] => {}
                several => {
                    let shown: Vec<String> =
                        several.iter().take(3).map(|c| format!("`if \"{c}\"`")).collect();
                    errors.push(invalid(
                        format!("`if \"{text}\"` could be any of {} conditions", several.len()),
                        e.span,
                        "more than one condition begins so",
                        format!("write more of it: {}", shown.join(", ")),
                    ));
                    continue;
                }
            }
        }
        if let Condition::If(text) = &e.condition
            && names.conditions.binary_search(text).is_err()
        {
            let mut f = invalid(
                format!("no route of the protocol is taken `if \"{text}\"`"),
                e.span,
                "unknown condition",
                "",
            );
            f = match suggest(text, names.conditions.iter().map(String::as_str)) {
                Some(near) => f.help(format!("did you mean `if \"{near}\"`?")),
                None => f.help("an `if` condition is written as in the protocol's route: copy its text"),
            };
            errors.push(f);
            continue;
        }
        match &e.stage {
            None => {
                if let Some((_, first)) = &default {
                    errors.push(
                        invalid(
                            format!("scenario `{}` says twice what happens at any stage", s.name.text),
                            e.span,
                            "second `at any stage:`",
                            "keep one; name the stages where something else happens",
                        )
                        .also(*first, "first here"),
                    );
                }
                default = Some((e.condition.clone(), e.span));
            }
            Some(t) => {
                let Some(target) = names.target(t, errors) else { continue };
                let Target::Stage(ix) = target else {
                    errors.push(invalid(
                        format!(
                            "`{}` is not a stage: only stages have something happen at them",
                            t.name.text
                        ),
                        t.name.span,
                        "an exit or outcome",
                        "name a stage, e.g. `at stage 2: resolved`",
                    ));
                    continue;
                };
                if let Some(&first) = said.get(&ix.0) {
                    errors.push(
                        invalid(
                            format!(
                                "scenario `{}` says twice what happens at `stage {}`",
                                s.name.text, t.name.text
                            ),
                            e.span,
                            "second line for this stage",
                            "keep one: a scenario is one disagreement, one thing happens at each stage",
                        )
                        .also(first, "first here"),
                    );
                }
                said.insert(ix.0, e.span);
                events.insert(ix.0, e.condition.clone());
            }
        }
    }
    let mut at: Vec<(usize, Condition)> = events.into_iter().collect();
    at.sort_unstable_by_key(|(i, _)| *i);
    let events = Events { default: default.map(|(c, _)| c), at };

    if s.expects.is_empty() {
        errors.push(invalid(
            format!("scenario `{}` expects nothing", s.name.text),
            s.head,
            "no `expect` line",
            "add what must follow, e.g. `expect ends at agreed` (a scenario that expects nothing cannot fail)",
        ));
    }
    let mut expects = Vec::new();
    for x in &s.expects {
        let Some(target) = names.target(&x.target, errors) else { continue };
        if matches!(x.kind, ExpectKind::Due | ExpectKind::Starts) && !matches!(target, Target::Stage(_)) {
            errors.push(invalid(
                format!("`{}` is not a stage: only stages are due or start", x.target.name.text),
                x.target.name.span,
                "an exit or outcome",
                format!("write `expect reaches {} by YYYY-MM-DD`", x.target.name.text),
            ));
            continue;
        }
        let mut whens = Vec::new();
        for w in &x.whens {
            match w {
                When::Within { timescale, of, span } => {
                    let Some(bound) = timescale.bound() else {
                        errors.push(invalid(
                            format!("`within {timescale}` gives no number of working days to test"),
                            *span,
                            "no bound",
                            "write a bounded timescale, such as `within 21 working days`",
                        ));
                        continue;
                    };
                    let of = match of {
                        Some(t) => match names.target(t, errors) {
                            Some(target) => Some(target),
                            None => continue,
                        },
                        None => None,
                    };
                    whens.push(ReadyWhen::Within { days: bound.0, of });
                }
                When::On(word) | When::By(word) => {
                    if starts.is_none() && s.starts.is_empty() {
                        errors.push(invalid(
                            format!(
                                "scenario `{}` promises a date but does not say when it starts",
                                s.name.text
                            ),
                            word.span,
                            "a date",
                            "add `starts YYYY-MM-DD` to the scenario: the day the disagreement is raised",
                        ));
                        continue;
                    }
                    let Some(d) = date(word, errors) else { continue };
                    whens.push(if matches!(w, When::On(_)) { ReadyWhen::On(d) } else { ReadyWhen::By(d) });
                }
            }
        }
        let words = source.get(x.span.start..x.span.end).unwrap_or("").split_whitespace().collect::<Vec<_>>();
        let words = words.get(1..).unwrap_or_default().join(" ");
        expects.push(ReadyExpect { kind: x.kind, target, whens, words, span: x.span });
    }
    (errors.len() == before).then_some(Ready { scenario: s, starts, pathway, events, expects })
}

/// The first route (by the order `routes_of` gives) leaving `from` when `condition` holds.
fn route_from(
    p: &Protocol,
    g: &EscalationGraph,
    from: NodeIndex,
    condition: &Condition,
) -> Option<(EdgeIndex, NodeIndex)> {
    // Links to the shared hubs are no routes: they have none.
    let holds = |e: &petgraph::graph::EdgeReference<'_, crate::graph::Edge>| {
        e.weight().route(p).is_some_and(|r| &r.condition == condition)
    };
    // The stage's own routes (edges in the order written), then the shared
    // `at any stage` ones in the order of their rules.
    let own = g.graph.edges(from).filter(holds).min_by_key(|e| e.id());
    own.or_else(|| g.inherited_from(from).filter(holds).min_by_key(|e| e.weight().rule()))
        .map(|e| (e.id(), e.target()))
}

fn condition_words(c: &Condition) -> String {
    crate::diff::condition(c)
}

/// What is made once per protocol for walking its scenarios.
struct Walker<'p> {
    p: &'p Protocol,
    g: &'p EscalationGraph,
    calendar: &'p crate::calendar::Calendar,
    /// The main ladder's timing, and each pathway of equal standing's own.
    timings: HashMap<Pathway, crate::graph::Timing>,
    /// Per target: its name and title, shared by every visit.
    names: HashMap<Target, (Arc<str>, Arc<str>)>,
}

/// One walk through the protocol, shared by the scenarios that take it.
struct Walk {
    route: Arc<[Visit]>,
    /// Per target: its first visit on the route (what `expect` lines ask).
    first: HashMap<Target, usize>,
    ending: Ending,
    end: When_,
}

fn title(p: &Protocol, t: Target) -> String {
    match t {
        Target::Stage(ix) => p.stage(ix).title.clone(),
        Target::Exit(ix) => p.exits[ix.0].title.clone(),
        Target::Outcome(ix) => p.outcomes[ix.0].title.clone(),
    }
}

impl Walker<'_> {
    fn walk(&self, r: &Ready) -> Walk {
        let (p, g, calendar) = (self.p, self.g, self.calendar);
        // `timings` always holds the main ladder's (made with it in `run`).
        let timing = self.timings.get(&r.pathway).unwrap_or(&self.timings[&Pathway::Main]);
        let names = |t: Target| {
            self.names
                .get(&t)
                .cloned()
                .unwrap_or_else(|| (Arc::from(p.target_name(t)), Arc::from(title(p, t))))
        };
        // Per stage passed: when this walk began and ended it.
        let mut dated = clock::Seen::new();
        // The words for what happens, made once per condition.
        let mut words: HashMap<Condition, Arc<str>> = HashMap::new();

        let start = g.starts.iter().find(|(pw, _)| *pw == r.pathway).map(|s| s.1);
        let first = start.and_then(|s| g.graph.edges(s).map(|e| (e.id(), e.target())).next());
        let mut route = Vec::new();
        let mut at = When_ { days: Some(0), date: r.starts };
        let mut end = at;
        let mut ending = Ending::NotSaid;
        // Per stage, what has happened there already on this walk.
        let mut seen: HashMap<usize, Vec<Condition>> = HashMap::new();
        let mut next = first;
        while let Some((edge, node)) = next.take() {
            let arrival = if first.is_some_and(|(e, _)| e == edge) {
                clock::before_first(p, calendar, r.pathway, at)
            } else {
                clock::after_route(p, calendar, &g.graph[edge], at)
            };
            let Some(target) = g.target(node) else { break };
            let (name, title) = names(target);
            let mut visit = Visit { target, name, title, event: None, starts: arrival, due: None };
            let Node::Stage(ix) = g.graph[node] else {
                route.push(visit);
                end = arrival;
                ending = Ending::Reached;
                break;
            };
            let stage = p.stage(ix);
            let due = clock::stage_due(p, calendar, timing, g, ix, arrival, (r.starts, &dated));
            dated.insert(ix.0, (arrival, due));
            visit.due = Some(due);
            let event = r.events.at(ix).cloned();
            visit.event = event
                .as_ref()
                .map(|e| words.entry(e.clone()).or_insert_with(|| Arc::from(condition_words(e))).clone());
            route.push(visit);
            end = due;
            let Some(event) = event else {
                ending = Ending::NotSaid;
                break;
            };
            let here = seen.entry(ix.0).or_default();
            if here.contains(&event) {
                ending = Ending::Cycle;
                break;
            }
            here.push(event.clone());
            // A child at immediate risk leaves the stage at once; anything else is decided at its end.
            let (from, leave) = match event {
                Condition::ImmediateRisk => (g.stages[ix.0], arrival),
                _ => (g.decisions[ix.0], due),
            };
            match route_from(p, g, from, &event) {
                Some(step) => {
                    at = leave;
                    next = Some(step);
                }
                None if stage.final_authority.is_some() => ending = Ending::FinalAuthority,
                None => ending = Ending::NoRoute(condition_words(&event)),
            }
        }
        let mut first = HashMap::new();
        for (i, v) in route.iter().enumerate() {
            first.entry(v.target).or_insert(i);
        }
        Walk { route: route.into(), first, ending, end }
    }
}

/// A scenario's `expect` lines, judged on its walk.
fn judge(p: &Protocol, r: &Ready, walk: &Walk) -> Outcome {
    let name_of = |t: Target| p.target_name(t);
    let (route, ending, end) = (&walk.route, &walk.ending, walk.end);
    let mut failures = Vec::new();
    let mut passed = 0;
    for x in &r.expects {
        let fail = |actual: String| Failure { expected: x.words.clone(), actual, span: x.span };
        let visit = |t: Target| walk.first.get(&t).map(|&i| &route[i]);
        let last = route.last().map(|v| v.target);
        // The point the promise is about.
        let point = match x.kind {
            ExpectKind::Ends => match (ending, last) {
                (Ending::Reached | Ending::FinalAuthority | Ending::NotSaid, Some(t)) if t == x.target => {
                    Ok(end)
                }
                (Ending::NoRoute(c), Some(t)) => {
                    Err(format!("it is stuck at {}, which has no `{c}` route", name_of(t)))
                }
                (Ending::Cycle, Some(t)) => Err(format!("it goes round a cycle back to {}", name_of(t))),
                (_, Some(t)) => {
                    Err(format!("it ends at {} ({}), on {}", name_of(t), kind_name(t), show(end)))
                }
                (_, None) => Err("the pathway has no stages".to_string()),
            },
            ExpectKind::Reaches => visit(x.target)
                .map(|v| v.starts)
                .ok_or_else(|| format!("it never reaches {}", name_of(x.target))),
            ExpectKind::Due | ExpectKind::Starts => match visit(x.target) {
                Some(v) if x.kind == ExpectKind::Starts => Ok(v.starts),
                Some(v) => Ok(v.due.unwrap_or(v.starts)),
                None => Err(format!("it never reaches {}", name_of(x.target))),
            },
        };
        let point = match point {
            Ok(point) => point,
            Err(actual) => {
                failures.push(fail(actual));
                continue;
            }
        };
        let mut ok = true;
        for w in &x.whens {
            let problem = match w {
                ReadyWhen::Within { days, of } => {
                    let anchor = match of {
                        None => Some(When_ { days: Some(0), date: r.starts }),
                        Some(t) => visit(*t).map(|v| v.starts),
                    };
                    match (anchor, point.days) {
                        (None, _) => of.map(|t| format!("it never reaches {}", name_of(t))),
                        (_, None) => {
                            Some("the time it takes has no bound: some timescale on the way is vague".into())
                        }
                        (Some(a), Some(n)) => {
                            let elapsed = n.saturating_sub(a.days.unwrap_or(0));
                            (elapsed > *days).then(|| {
                                let from = of.map(|t| format!(" from {}", name_of(t))).unwrap_or_default();
                                format!("it takes {elapsed} working days{from}, on {}", show(point))
                            })
                        }
                    }
                }
                ReadyWhen::On(d) | ReadyWhen::By(d) => match point.date {
                    None => Some("its date cannot be known: some timescale on the way has no bound".into()),
                    Some(actual) if matches!(w, ReadyWhen::On(_)) && actual != *d => {
                        Some(format!("it is on {}, not {d}", show(point)))
                    }
                    Some(actual) if actual > *d => Some(format!("it is on {}, after {d}", show(point))),
                    Some(_) => None,
                },
            };
            if let Some(actual) = problem {
                failures.push(fail(actual));
                ok = false;
                break;
            }
        }
        if ok {
            passed += 1;
        }
    }
    Outcome {
        name: r.scenario.name.text.clone(),
        head: r.scenario.head,
        route: route.clone(),
        ending: ending.clone(),
        end,
        failures,
        passed,
    }
}

fn kind_name(t: Target) -> &'static str {
    match t {
        Target::Stage(_) => "a stage",
        Target::Exit(_) => "an exit",
        Target::Outcome(_) => "an outcome",
    }
}

/// The scenarios of one protocol, run.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The protocol file, as named on the command line.
    pub protocol: String,
    /// The scenarios file.
    pub scenarios: String,
    /// The scenarios file's text (for line numbers and reports).
    pub source: String,
    pub outcomes: Vec<Outcome>,
}

impl FileResult {
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.passed()).count()
    }

    /// The 1-based line a span starts on in the scenarios file.
    pub fn line(&self, span: Span) -> usize {
        crate::span::LineIndex::new(&self.source).line_col(span.start).0
    }
}

/// A failed scenario as findings at its `expect` lines, for miette.
pub fn findings(outcome: &Outcome) -> Vec<Finding> {
    outcome
        .failures
        .iter()
        .map(|f| {
            Finding::new(Code::ScenarioFailed, format!("scenario `{}` failed: {}", outcome.name, f.actual))
                .at(f.span, "expected this")
                .also(outcome.head, "in this scenario")
                .help(format!("expected: {}\nthe route taken: {}", f.expected, outcome.route_text()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "protocol \"p\"\nexit mash \"MASH\" within same working day\noutcome agreed \"Agreed\"\n\
        at any stage: immediate risk -> mash\n\
        stage 1 \"One\" { within 2 working days resolved -> agreed unresolved -> stage 2 }\n\
        stage 2 \"Two\" { within 3 working days final decision resolved -> agreed }\n";

    fn run_one(scenario: &str) -> Result<Vec<Outcome>, Vec<Finding>> {
        let p = crate::load(P).expect("loads");
        let scenarios = syntax::parse_scenarios(scenario).expect("parses");
        run(&p, scenario, &scenarios)
    }

    #[test]
    fn unresolved_everywhere_ends_at_the_final_decision_on_the_timeline_dates() {
        let out = run_one(
            "scenario \"s\" { starts 2026-12-21 at any stage: unresolved \
             expect ends at stage 2 within 5 working days expect stage 1 due on 2026-12-23 \
             expect stage 2 due on 2026-12-30 }",
        )
        .expect("runs");
        assert!(out[0].passed(), "{:?}", out[0].failures);
        assert_eq!(out[0].ending, Ending::FinalAuthority);
        assert_eq!(out[0].passed, 3);
    }

    #[test]
    fn a_broken_promise_fails_with_what_happened() {
        let out = run_one(
            "scenario \"s\" { at any stage: unresolved expect ends at stage 2 within 4 working days }",
        )
        .expect("runs");
        assert_eq!(out[0].failures.len(), 1);
        assert!(out[0].failures[0].actual.contains("it takes 5 working days"), "{:?}", out[0].failures);
    }

    #[test]
    fn immediate_risk_leaves_the_stage_the_day_it_starts() {
        let out = run_one(
            "scenario \"s\" { starts 2026-12-21 at stage 1: unresolved at stage 2: immediate risk \
             expect ends at mash within same working day of stage 2 expect reaches mash on 2026-12-23 }",
        )
        .expect("runs");
        assert!(out[0].passed(), "{:?}", out[0].failures);
    }

    #[test]
    fn unknown_names_are_input_errors_with_did_you_mean() {
        let errors =
            run_one("scenario \"s\" { at stage 3: resolved expect ends at agred }").expect_err("unknown");
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e.code == Code::InvalidScenario));
        assert!(errors[1].help.contains("did you mean `agreed`?"), "{:?}", errors[1]);
    }
}
