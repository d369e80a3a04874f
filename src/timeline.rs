//! Timelines (`escalate timeline`): the main pathway's worst-case route, put
//! on a working-day calendar stage by stage.
//!
//! The route is the one [`Timing`] finds to the main pathway's latest end, so
//! the dates agree with the `limit-exceeded` and `unbounded-timescale` checks.
//! Each stage starts when the one before it is due (plus whatever time the
//! route between them allows) and is due [`Stage::duration`] working days
//! later, counted by [`Calendar::add_working_days`]. A stage whose worst case
//! has no bound has no due date, and neither has anything after it: a date
//! computed past an unknown one would be a guess presented as a deadline.

use chrono::{Datelike, NaiveDate};
use petgraph::graph::NodeIndex;

use crate::analysis::{Analysis, Opening};
use crate::calendar::Calendar;
use crate::graph::{Edge, EscalationGraph, Node};
use crate::model::{From, Protocol, Reach, Stage};
use crate::timescale::{Point, Term, Timescale, Unit};

/// The calendar used when neither `--calendar` nor the protocol names one.
pub const DEFAULT_CALENDAR: &str = "england-and-wales";

/// The worst-case route of one protocol, dated.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The protocol's title.
    pub protocol: String,
    pub calendar: Calendar,
    /// The day the disagreement starts: day 0 of the first stage.
    pub from: NaiveDate,
    /// The stages of the route, in order.
    pub stages: Vec<StageDates>,
    /// Where the route ends.
    pub end: End,
    /// The latest date the route can end; `None` when some part of it has no bound.
    pub overall_due: Option<NaiveDate>,
    /// When `overall_due` is `None`: the working days the main pathway is
    /// known to take at least (its longest bounded part, as `limit-exceeded`
    /// counts it), and that date. The worst case ends on it or later.
    pub at_least: Option<(u64, NaiveDate)>,
    /// The protocol's declared overall limit, dated from `from`.
    pub limit: Option<Limit>,
    /// Some timescale on the route is counted in hours or "same working day",
    /// which the calendar turns into whole working days (see `docs/calendar.md`).
    pub hour_based: bool,
    /// Why the worst case has no bound, from parts not on this route.
    pub elsewhere: Vec<Cause>,
    /// The worst case itself, as every view shows it ([`Analysis::worst`]).
    pub worst: crate::timescale::Worst,
    /// The pathway dated, by its name and title, when the protocol has
    /// several of equal standing (or the one dated is not the main ladder).
    pub pathway: Option<(String, String)>,
    /// The board's closed days the dates count past (`closed` in the
    /// protocol), from `from` to the last date known: runs of them (first,
    /// last, what the board calls them), a run broken by a working day.
    pub closed: Vec<(NaiveDate, NaiveDate, String)>,
}

/// The runs of the calendar's closed days (the board's, not bank holidays)
/// from `from` to `to`: consecutive closed days of one name are one run;
/// weekends and bank holidays between them do not break it.
fn closed_runs(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate, String)> {
    let mut runs: Vec<(NaiveDate, NaiveDate, String)> = Vec::new();
    // A working day since the last closed one: the next starts a new run.
    let mut broken = true;
    for day in from.iter_days().take_while(|d| *d <= to) {
        match calendar.closure(day) {
            Some(name) => {
                match runs.last_mut() {
                    Some(run) if !broken && run.2 == name => run.1 = day,
                    _ => runs.push((day, day, name.to_string())),
                }
                broken = false;
            }
            None if calendar.is_working_day(day) => broken = true,
            None => {}
        }
    }
    runs
}

/// One stage on the route.
#[derive(Debug, Clone)]
pub struct StageDates {
    pub id: String,
    pub title: String,
    /// The stage's timescale in the protocol's words ([`Stage::timescale_text`]).
    pub timescale: String,
    /// Working days the route into this stage allows before the stage starts
    /// (0 when it states none); `None` when it gives only vague words.
    pub route_working_days: Option<u64>,
    /// The date the stage starts; `None` when an earlier part of the route has no bound.
    pub starts: Option<NaiveDate>,
    /// The latest date the stage must end; `None` when it cannot be known.
    pub due: Option<NaiveDate>,
    /// False when `due` falls on a weekend or bank holiday (a timescale in
    /// calendar days or hours can end on one).
    pub due_is_working_day: bool,
    /// The most working days the stage itself takes; `None` when it has no bound.
    pub working_days: Option<u64>,
    /// Why this stage (rather than an earlier one) makes the dates unknown.
    pub causes: Vec<Cause>,
}

/// Why a date on the route cannot be known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The route into a stage or an end gives only vague words.
    VagueRoute { from: String, to: String, timescale: String },
    /// The stage's own timescale has no bound.
    UnboundedStage { stage: String, detail: String },
    /// The stage is in a cycle of routes, so it can be repeated without end.
    Cycle { stage: String },
    /// A step before the first stage has no bounded timescale (its words, if any).
    UnboundedBefore { step: String, timescale: Option<String> },
}

/// The end of the route: an outcome, an exit, or a stage with final authority.
#[derive(Debug, Clone)]
pub struct End {
    /// `"stage"`, `"exit"` or `"outcome"`.
    pub kind: &'static str,
    pub name: String,
    pub title: String,
    /// Working days the last route allows (0 when the route ends at a stage).
    pub route_working_days: Option<u64>,
    /// Why the end cannot be dated, if the last route is the reason.
    pub causes: Vec<Cause>,
}

/// The protocol's `limit`, on the calendar.
#[derive(Debug, Clone)]
pub struct Limit {
    /// As written, e.g. `10 working days or "...", whichever is shorter`.
    pub text: String,
    /// The bound, when the limit has one.
    pub working_days: Option<u64>,
    /// `from` plus the bound.
    pub due: Option<NaiveDate>,
    /// The protocol only advises this limit.
    pub advisory: bool,
}

impl Timeline {
    /// The calendar a timeline uses: `--calendar`, else the protocol's, else
    /// [`DEFAULT_CALENDAR`], with the protocol's `closed` days. `None` for a
    /// name escalate does not ship.
    pub fn calendar_for(protocol: &Protocol, requested: Option<&str>) -> Option<Calendar> {
        Calendar::named(requested.or(protocol.calendar.as_deref()).unwrap_or(DEFAULT_CALENDAR))
            .map(|c| c.with_closures(&protocol.closures()))
    }

    /// Date the worst-case route of `protocol`'s main pathway from `from`:
    /// the route [`Analysis`] found, each stage dated on `calendar` by the
    /// same rule that counts its worst case ([`Protocol::stage_end`]).
    pub fn compute(
        protocol: &Protocol,
        analysis: &Analysis,
        calendar: Calendar,
        from: NaiveDate,
    ) -> Timeline {
        let first = analysis.cases()[0];
        Timeline::compute_for(protocol, analysis, first, calendar, from)
    }

    /// [`Timeline::compute`] for one pathway of equal standing
    /// ([`Analysis::cases`]): its own worst-case route, dated.
    pub fn compute_for(
        protocol: &Protocol,
        analysis: &Analysis,
        case: crate::analysis::Case<'_>,
        calendar: Calendar,
        from: NaiveDate,
    ) -> Timeline {
        let g = &analysis.graph;
        let t = case.timing;
        let worst = case.worst;
        let end_node = worst.end;

        let mut stages = Vec::new();
        let mut end = None;
        // Dates reached on this route, by node: a stage's start and end.
        let mut dates: Vec<Option<(Reach<NaiveDate>, Reach<NaiveDate>)>> = vec![None; g.graph.node_count()];
        // When the route reaches the next node.
        let mut at = Reach { at: from, unbounded: false };
        let mut hour_based = false;
        let mut on_route = vec![false; g.graph.node_count()];
        // The node before on the route: an `at any stage` route's edge leaves
        // a shared hub, not the stage it is taken from.
        let mut before: Option<NodeIndex> = None;
        for &(node, edge) in &worst.route {
            on_route[node.index()] = true;
            let into = edge.map(|e| (before, &g.graph[e]));
            before = Some(node);
            let from_start = match into {
                Some((Some(source), edge)) => match g.graph[source] {
                    Node::Start(pathway) => Some((pathway, edge)),
                    _ => None,
                },
                _ => None,
            };
            let (route_days, route_causes, arrival) = match (into, from_start) {
                // From a pathway's start: the steps before its first stage.
                (_, Some((pathway, edge))) => {
                    let reached = protocol.before_end(pathway, &calendar, at);
                    let days = (!edge.duration().unbounded).then_some(edge.duration().days.0);
                    // The first step before it with no bound, as the cause.
                    let causes = protocol
                        .before_of(pathway)
                        .filter(|b| !b.send && b.step.counts_for_time() && b.step.bound().is_none())
                        .take(usize::from(days.is_none()))
                        .map(|b| Cause::UnboundedBefore {
                            step: b.step.text.clone(),
                            timescale: b.step.timescale.as_ref().map(ToString::to_string),
                        })
                        .collect();
                    (days, causes, reached)
                }
                (Some((Some(source), edge)), None) => {
                    // Every route from the place before to this one may be
                    // taken (`unresolved` and `no response` to the same
                    // stage): the latest of them, unknown if one has no bound.
                    let mut days = Some(0);
                    let mut causes = Vec::new();
                    let mut arrival = at;
                    for parallel in parallel_routes(g, source, node, edge) {
                        let timescale = parallel.route(protocol).and_then(|r| r.timescale.as_deref());
                        hour_based |= timescale.is_some_and(is_hour_based);
                        let (d, c) = route_bound(protocol, g, source, node, parallel);
                        days = days.zip(d).map(|(a, b)| a.max(b));
                        causes.extend(c);
                        let reached = match timescale {
                            None => at,
                            Some(ts) => match ts.end(&calendar, at.at) {
                                Some(date) => Reach { at: date, unbounded: at.unbounded },
                                None => Reach { at: at.at, unbounded: true },
                            },
                        };
                        arrival = Reach {
                            at: arrival.at.max(reached.at),
                            unbounded: arrival.unbounded || reached.unbounded,
                        };
                    }
                    causes.truncate(1);
                    (days, causes, arrival)
                }
                // The start of the pathway, which nothing leads into.
                _ => (Some(0), Vec::new(), at),
            };
            let known = |r: Reach<NaiveDate>| (!r.unbounded).then_some(r.at);
            match g.graph[node] {
                Node::Start(_) | Node::AnyStage => {}
                // "Resolved?": takes no time of its own.
                Node::Decision(_) => at = arrival,
                Node::Stage(ix) => {
                    let stage = protocol.stage(ix);
                    hour_based |= stage_is_hour_based(stage);
                    let anchor = |point: From| -> Option<Reach<NaiveDate>> {
                        match point {
                            From::Disagreement => Some(Reach { at: from, unbounded: false }),
                            From::Stage { stage: other, point: Point::Start } if other == ix => Some(arrival),
                            From::Stage { stage: other, point } => {
                                if !t.passes(node, g.stage_node(other)) {
                                    return None;
                                }
                                let (s, e) = dates[g.stage_node(other).index()]?;
                                Some(if point == Point::Start { s } else { e })
                            }
                            From::Step { .. } => None,
                        }
                    };
                    let entry = |span: &crate::model::StageSpan| {
                        let first = g.stage_node(*span.stages.first()?);
                        if !t.passes(node, first) {
                            return None;
                        }
                        dates[first.index()].map(|(s, _)| s)
                    };
                    let cycle = t.in_cycle[node.index()];
                    let mut due = protocol.stage_end(ix, &calendar, arrival, &anchor, &entry);
                    due.unbounded |= cycle;
                    dates[node.index()] = Some((arrival, due));
                    let working_days = t.took[node.index()].map(|d| d.0);
                    let mut causes = route_causes;
                    if t.open[node.index()] {
                        causes.push(Cause::UnboundedStage {
                            stage: stage.display_id(),
                            detail: unbounded_detail(stage),
                        });
                    }
                    if cycle {
                        causes.push(Cause::Cycle { stage: stage.display_id() });
                    }
                    stages.push(StageDates {
                        id: stage.id.clone(),
                        title: stage.title.clone(),
                        timescale: stage.timescale_text(),
                        route_working_days: route_days,
                        starts: known(arrival),
                        due: known(due),
                        due_is_working_day: known(due).is_none_or(|d| calendar.is_working_day(d)),
                        working_days,
                        causes,
                    });
                    at = due;
                    if node == end_node {
                        end = Some(End {
                            kind: "stage",
                            name: stage.id.clone(),
                            title: stage.title.clone(),
                            route_working_days: Some(0),
                            causes: Vec::new(),
                        });
                    }
                }
                Node::Exit(ix) => {
                    let exit = &protocol.exits[ix.0];
                    end = Some(End {
                        kind: "exit",
                        name: exit.name.clone(),
                        title: exit.title.clone(),
                        route_working_days: route_days,
                        causes: route_causes,
                    });
                    at = arrival;
                }
                Node::Outcome(ix) => {
                    let outcome = &protocol.outcomes[ix.0];
                    end = Some(End {
                        kind: "outcome",
                        name: outcome.name.clone(),
                        title: outcome.title.clone(),
                        route_working_days: route_days,
                        causes: route_causes,
                    });
                    at = arrival;
                }
            }
        }
        // The route always ends at the worst case's end; the fallback only
        // keeps this total.
        let end = end.unwrap_or_else(|| End {
            kind: "stage",
            name: String::new(),
            title: String::new(),
            route_working_days: Some(0),
            causes: Vec::new(),
        });
        // What leaves the worst case unbounded away from this route.
        let elsewhere = worst
            .open
            .iter()
            .filter_map(|opening| match *opening {
                Opening::Stage(ix) if !on_route[g.stage_node(ix).index()] => {
                    let stage = protocol.stage(ix);
                    Some(Cause::UnboundedStage { stage: stage.display_id(), detail: unbounded_detail(stage) })
                }
                Opening::Route(e) => {
                    let (source, target) = g.graph.edge_endpoints(e)?;
                    if on_route[source.index()] && on_route[target.index()] {
                        return None;
                    }
                    route_bound(protocol, g, source, target, &g.graph[e]).1.into_iter().next()
                }
                Opening::Cycle(n) if !on_route[n.index()] => {
                    let stage = g.target(n).map(|target| protocol.target_name(target)).unwrap_or_default();
                    Some(Cause::Cycle { stage })
                }
                _ => None,
            })
            .collect();

        let limit = protocol.limit.as_ref().map(|limit| {
            let working_days = limit.timescale.bound().map(|d| d.0);
            Limit {
                text: limit.timescale.described(),
                working_days,
                due: limit.timescale.end(&calendar, from),
                advisory: protocol.is_advisory(&limit.timescale),
            }
        });
        let overall_due = (!worst.worst.unbounded && !at.unbounded).then_some(at.at);
        let at_least = overall_due.is_none().then(|| {
            let date = if at.unbounded { deadline(&calendar, from, worst.worst.days.0) } else { at.at };
            (worst.worst.days.0, date)
        });
        // The dates known on the route: to the end, or to the last one known.
        let last = overall_due
            .or(at_least.map(|(_, d)| d))
            .into_iter()
            .chain(stages.iter().filter_map(|s| s.due.or(s.starts)))
            .max()
            .unwrap_or(from);
        let closed = closed_runs(&calendar, from, last);
        Timeline {
            protocol: protocol.title.clone(),
            closed,
            calendar,
            from,
            stages,
            end,
            overall_due,
            at_least,
            limit,
            hour_based,
            elsewhere,
            worst: worst.worst,
            pathway: (protocol.pathways().len() > 1 || case.pathway != crate::model::Pathway::Main).then(
                || {
                    (
                        protocol.pathway_name(case.pathway).to_string(),
                        protocol.pathway_title(case.pathway).to_string(),
                    )
                },
            ),
        }
    }

    /// The protocol's title, and the pathway's when it names one: what a
    /// calendar calls the timeline (and what its events' ids are made from,
    /// so two pathways' events never share one).
    pub fn name(&self) -> String {
        match &self.pathway {
            None => self.protocol.clone(),
            Some((_, title)) => format!("{}: {title}", self.protocol),
        }
    }

    /// Every date the timeline shows, in order of appearance.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        let stage_dates = self.stages.iter().flat_map(|s| [s.starts, s.due]).flatten();
        std::iter::once(self.from)
            .chain(stage_dates)
            .chain(self.overall_due)
            .chain(self.at_least.map(|(_, date)| date))
            .chain(self.limit.as_ref().and_then(|l| l.due))
    }

    /// The years shown whose holidays come from the rules rather than the
    /// published table (empty when every date is inside the table).
    pub fn unpublished_years(&self) -> Vec<i32> {
        let mut years: Vec<i32> =
            self.dates().filter(|d| !self.calendar.is_published(*d)).map(|d| d.year()).collect();
        years.sort_unstable();
        years.dedup();
        years
    }

    /// Whether the worst case is later than the declared limit: `None` when
    /// the limit has no date, or the worst case has none and its known part
    /// ends by the limit.
    pub fn exceeds_limit(&self) -> Option<bool> {
        let limit = self.limit.as_ref()?.due?;
        match (self.overall_due, self.at_least) {
            (Some(due), _) => Some(due > limit),
            (None, Some((_, at_least))) if at_least > limit => Some(true),
            _ => None,
        }
    }

    /// Every reason some date on the route is unknown, in route order.
    pub fn causes(&self) -> impl Iterator<Item = &Cause> {
        self.stages.iter().flat_map(|s| &s.causes).chain(&self.end.causes).chain(&self.elsewhere)
    }
}

/// The routes from `source` (a stage's decision, or the stage itself) to
/// `target` that count for time: its own and the ones it inherits; `edge`
/// (the one the worst case follows) is always among them.
fn parallel_routes<'g>(
    g: &'g EscalationGraph,
    source: NodeIndex,
    target: NodeIndex,
    edge: &'g Edge,
) -> Vec<&'g Edge> {
    use petgraph::visit::EdgeRef;
    let own = g.graph.edges_connecting(source, target).map(|e| e.weight());
    let inherited = g.inherited_from(source).filter(|e| e.target() == target).map(|e| e.weight());
    let mut all: Vec<&Edge> = own.chain(inherited).filter(|e| e.counts_for_time()).collect();
    if all.is_empty() {
        all.push(edge);
    }
    all
}

/// The working days a route allows, or why it allows no bounded time.
fn route_bound(
    p: &Protocol,
    g: &EscalationGraph,
    source: NodeIndex,
    target: NodeIndex,
    edge: &Edge,
) -> (Option<u64>, Vec<Cause>) {
    let worst = edge.duration();
    if !worst.unbounded {
        return (Some(worst.days.0), Vec::new());
    }
    let name = |n: NodeIndex| match g.target(n) {
        Some(target) => p.target_name(target),
        None => "the start".to_string(),
    };
    let timescale =
        edge.route(p).and_then(|r| r.timescale.as_deref()).map(ToString::to_string).unwrap_or_default();
    (None, vec![Cause::VagueRoute { from: name(source), to: name(target), timescale }])
}

/// Why a stage's duration has no bound, in words.
fn unbounded_detail(stage: &Stage) -> String {
    if let Some(within) = &stage.within {
        return format!("its timescale is only \"{}\"", within.timescale);
    }
    if stage.steps.is_empty() {
        return "it states no timescale".to_string();
    }
    // Discretionary steps run alongside and add nothing: they are never the reason.
    let open = stage.steps.iter().filter(|s| s.counts_for_time() && s.bound().is_none()).count();
    if open == 0 {
        return "it has no step that takes time, and no `within`".to_string();
    }
    match open {
        1 => "one of its steps has no bounded timescale".to_string(),
        n => format!("{n} of its steps have no bounded timescale"),
    }
}

/// The latest date of something that takes `days` working days from `start`.
///
/// N > 0 is the Nth working day after `start` (day 0). N = 0 ("same working
/// day", "immediately") is `start` itself when that is a working day, and
/// otherwise the next working day: a deadline falls on a day someone is at work.
pub fn deadline(calendar: &Calendar, start: NaiveDate, days: u64) -> NaiveDate {
    if days > 0 { calendar.add_working_days(start, days) } else { calendar.on_or_after(start) }
}

/// When the next stage starts after a route allowing `days` working days from
/// `date` (the previous stage's due date, already a working day). A route with
/// no time of its own keeps the date, so a first stage starts on `from` even
/// when that is not a working day.
pub fn after_route(calendar: &Calendar, date: NaiveDate, days: u64) -> NaiveDate {
    if days == 0 { date } else { calendar.add_working_days(date, days) }
}

/// Whether some term is counted on the clock (hours, same working day), which
/// the calendar only approximates.
fn is_hour_based(timescale: &Timescale) -> bool {
    timescale.terms.iter().any(|t| matches!(t, Term::Count { unit: Unit::Hours, .. } | Term::SameWorkingDay))
}

fn stage_is_hour_based(stage: &Stage) -> bool {
    stage.within.as_ref().is_some_and(|w| is_hour_based(&w.timescale))
        || stage.steps.iter().filter_map(|s| s.timescale.as_ref()).any(is_hour_based)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn load(text: &str) -> Protocol {
        crate::load(text).unwrap_or_else(|e| panic!("test protocol loads: {e:?}"))
    }

    fn ew() -> Calendar {
        Calendar::named(DEFAULT_CALENDAR).expect("shipped calendar")
    }

    #[test]
    fn zero_days_moves_a_deadline_off_a_weekend() {
        let c = ew();
        assert_eq!(deadline(&c, date(2026, 12, 24), 0), date(2026, 12, 24));
        // Christmas (Fri), the weekend and the Boxing Day substitute (Mon 28).
        assert_eq!(deadline(&c, date(2026, 12, 25), 0), date(2026, 12, 29));
        assert_eq!(deadline(&c, date(2026, 12, 26), 1), date(2026, 12, 29));
    }

    #[test]
    fn a_timed_route_delays_the_next_stage() {
        let p = load(
            "protocol \"p\"\noutcome done \"Done\"\n\
             stage 1 \"a\" {\n  within 2 working days\n  unresolved -> stage 2 within 24 hours\n}\n\
             stage 2 \"b\" {\n  within 1 working day\n  final decision\n  resolved -> done\n}\n",
        );
        let t = Timeline::compute(&p, &Analysis::of(&p), ew(), date(2026, 12, 21));
        assert_eq!(t.stages.len(), 2);
        assert_eq!(t.stages[0].due, Some(date(2026, 12, 23)));
        assert_eq!(t.stages[1].route_working_days, Some(1));
        assert_eq!(t.stages[1].starts, Some(date(2026, 12, 24)));
        // 24 Thu + 1 working day: 25 and 28 are holidays.
        assert_eq!(t.stages[1].due, Some(date(2026, 12, 29)));
        assert_eq!(t.overall_due, Some(date(2026, 12, 29)));
        assert!(t.hour_based);
    }

    #[test]
    fn a_vague_route_leaves_later_dates_unknown() {
        let p = load(
            "protocol \"p\"\noutcome done \"Done\"\n\
             stage 1 \"a\" {\n  within 2 working days\n  unresolved -> stage 2 without delay\n}\n\
             stage 2 \"b\" {\n  within 1 working day\n  final decision\n  resolved -> done\n}\n",
        );
        let t = Timeline::compute(&p, &Analysis::of(&p), ew(), date(2026, 12, 21));
        assert_eq!(t.stages[0].due, Some(date(2026, 12, 23)));
        assert_eq!(t.stages[1].starts, None);
        assert_eq!(t.stages[1].due, None);
        assert_eq!(t.stages[1].working_days, Some(1));
        assert_eq!(t.overall_due, None);
        assert!(matches!(t.causes().next(), Some(Cause::VagueRoute { .. })));
    }

    #[test]
    fn a_route_into_a_cycle_still_starts_at_the_start() {
        let p = load(
            "protocol \"p\"\nexit mash \"MASH\"\n\
             stage 1 \"a\" {\n  within 2 working days\n  unresolved -> stage 2\n}\n\
             stage 2 \"b\" {\n  within 1 working day\n  unresolved -> stage 1\n  \
             if \"stuck\" -> mash within 3 working days\n}\n",
        );
        let t = Timeline::compute(&p, &Analysis::of(&p), ew(), date(2026, 12, 21));
        let ids: Vec<&str> = t.stages.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(t.stages[0].starts, Some(date(2026, 12, 21)));
        assert_eq!(t.stages[0].due, None);
        assert_eq!(t.stages[0].causes, [Cause::Cycle { stage: "stage 1".to_string() }]);
        assert_eq!(t.overall_due, None);
        assert_eq!(t.end.name, "mash");
    }
}
