//! The reference semantics of time and routes: `docs/language.md`, "What the
//! figures mean", written for clarity rather than speed.
//!
//! It reads the resolved model (the parser and the resolver are shared with
//! escalate) and nothing else of escalate's: no `Timescale::end`, no
//! `Stage::end`, no graph, no `Timing`, no calendar arithmetic. It
//! enumerates every run of each pathway from its own first stage (every route out of every stage,
//! `at any stage` rules included; every branch of every conditional step is
//! taken in turn), evaluates each run's stages one step after another, and
//! takes the worst. Small protocols only: the number of runs grows
//! exponentially, which is the point (escalate's one pass must agree with it).

use chrono::{Days, NaiveDate};
use escalate::calendar::Calendar;
use escalate::model::{Condition, From, Pathway, Protocol, StageIx, Step, Target};
use escalate::timescale::{Join, Point, Term, Timescale, Unit};
use std::ops::Not;

/// A time reached on a run: `at`, or later with no bound when `open` (then
/// `at` is what the bounded parts are known to take).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time<X> {
    pub at: X,
    pub open: bool,
}

/// How one term advances a time: in working days (the worst case, over
/// every start day) or on a real calendar (dates).
pub trait Clock {
    type X: Copy + Ord + std::fmt::Debug;
    fn zero(&self) -> Self::X;
    fn after(&self, x: Self::X, term: &Term) -> Option<Self::X>;
    /// The days from `a` to `b` (`b` no earlier).
    fn between(&self, a: Self::X, b: Self::X) -> u64;
}

/// Working days from day 0, the most a term can take from any start day.
pub struct Days_;

/// The most working days `n` consecutive calendar days after some start day
/// can hold: counted, one day at a time, from each day of the week.
fn most_working_days(n: u64) -> u64 {
    (0..7u64).map(|start| (1..=n).filter(|d| (start + d) % 7 < 5).count() as u64).max().unwrap_or(0)
}

impl Clock for Days_ {
    type X = u64;
    fn zero(&self) -> u64 {
        0
    }
    fn between(&self, a: u64, b: u64) -> u64 {
        b.saturating_sub(a)
    }
    fn after(&self, x: u64, term: &Term) -> Option<u64> {
        let days = match term {
            Term::Count { amount, unit: Unit::WorkingDays, .. } => *amount,
            Term::Count { amount, unit: Unit::CalendarDays, .. } => most_working_days(*amount),
            Term::Count { amount, unit: Unit::Hours, .. } => most_working_days(amount.div_ceil(24)),
            Term::SameWorkingDay | Term::Immediately => 0,
            Term::Vague { .. } => return None,
        };
        Some(x + days)
    }
}

/// Dates on a calendar: working days are the calendar's, calendar days and
/// hours (whole days, rounded up) are days.
pub struct Dates<'c> {
    pub calendar: &'c Calendar,
    pub from: NaiveDate,
}

impl Dates<'_> {
    fn working(&self, d: NaiveDate) -> bool {
        self.calendar.is_working_day(d)
    }
    fn next_day(d: NaiveDate) -> NaiveDate {
        d.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
    }
}

impl Clock for Dates<'_> {
    type X = NaiveDate;
    fn zero(&self) -> NaiveDate {
        self.from
    }
    fn between(&self, a: NaiveDate, b: NaiveDate) -> u64 {
        u64::try_from((b - a).num_days()).unwrap_or(0)
    }
    fn after(&self, x: NaiveDate, term: &Term) -> Option<NaiveDate> {
        let plus = |n: u64| x.checked_add_days(Days::new(n)).unwrap_or(NaiveDate::MAX);
        Some(match term {
            Term::Count { amount, unit: Unit::WorkingDays, .. } if *amount > 0 => {
                let mut d = x;
                let mut left = *amount;
                while left > 0 {
                    d = Self::next_day(d);
                    if self.working(d) {
                        left -= 1;
                    }
                }
                d
            }
            Term::Count { unit: Unit::WorkingDays, .. } | Term::SameWorkingDay | Term::Immediately => {
                let mut d = x;
                while !self.working(d) {
                    d = Self::next_day(d);
                }
                d
            }
            Term::Count { amount, unit: Unit::CalendarDays, .. } => plus(*amount),
            Term::Count { amount, unit: Unit::Hours, .. } => plus(amount.div_ceil(24)),
            Term::Vague { .. } => return None,
        })
    }
}

/// When a timescale begun at `x` ends: the earliest bounded term for
/// alternatives, the latest for the same time said twice; for "both", the
/// earliest bounded term of those that are not `immediately` (which says how
/// soon to act, not how long it may take), when there are any.
fn end<C: Clock>(c: &C, t: &Timescale, x: C::X) -> Option<C::X> {
    let all: Vec<C::X> = t.terms.iter().filter_map(|term| c.after(x, term)).collect();
    match t.join {
        Join::Shorter => all.into_iter().min(),
        Join::Equivalent => all.into_iter().max(),
        Join::Both => {
            let others: Vec<&Term> = t.terms.iter().filter(|term| **term != Term::Immediately).collect();
            if others.is_empty() {
                all.into_iter().min()
            } else {
                others.into_iter().filter_map(|term| c.after(x, term)).min()
            }
        }
    }
}

/// When a step begun at `x` ends, on one of its branches: `None` when the
/// branch has no bound.
fn step_end<C: Clock>(c: &C, step: &Step, otherwise: bool, x: C::X) -> Option<C::X> {
    let branch = if otherwise { step.otherwise.as_deref()? } else { step };
    end(c, branch.timescale.as_ref()?, x)
}

/// Where each stage on a run started and ended, by stage index.
type Seen<X> = Vec<Option<(Time<X>, Time<X>)>>;

thread_local! {
    /// Per stage, per stage: whether every run to the first passes the second
    /// (set by [`runs`] for the protocol it walks).
    static PASSED: std::cell::RefCell<Vec<Vec<bool>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn passed_on_every_run(stage: StageIx, point: StageIx) -> bool {
    PASSED.with(|p| p.borrow().get(stage.0).and_then(|row| row.get(point.0)).copied().unwrap_or(false))
}

/// Per stage, per stage: whether every way from the start to the first
/// passes the second, found by walking every way (stages only, no time).
fn passed(p: &Protocol, first: StageIx) -> Vec<Vec<bool>> {
    fn go(p: &Protocol, ix: StageIx, path: &mut Vec<StageIx>, table: &mut Vec<Option<Vec<bool>>>) {
        let mut before = vec![false; p.stages.len()];
        for s in path.iter() {
            before[s.0] = true;
        }
        let row = table[ix.0].get_or_insert_with(|| before.clone());
        for (r, b) in row.iter_mut().zip(&before) {
            *r &= *b;
        }
        path.push(ix);
        for (target, _) in routes_out(p, ix) {
            if let Target::Stage(next) = target
                && !path.contains(&next)
            {
                go(p, next, path, table);
            }
        }
        path.pop();
    }
    let mut table = vec![None; p.stages.len()];
    go(p, first, &mut Vec::new(), &mut table);
    table.into_iter().map(|row| row.unwrap_or_else(|| vec![true; p.stages.len()])).collect()
}

/// A point a timescale counts from, on this run; `None` if the run has not
/// been there, or some run to this stage does not pass it (so nothing is
/// known from it).
fn point<C: Clock>(
    c: &C,
    from: From,
    here: StageIx,
    start: Time<C::X>,
    seen: &Seen<C::X>,
) -> Option<Time<C::X>> {
    match from {
        From::Disagreement => seen.is_empty().not().then_some(Time { at: c.zero(), open: false }),
        From::Stage { stage, point: Point::Start } if stage == here => Some(start),
        From::Stage { stage, point } => {
            if !passed_on_every_run(here, stage) {
                return None;
            }
            let (s, e) = seen.get(stage.0).copied().flatten()?;
            Some(if point == Point::Start { s } else { e })
        }
        From::Step { .. } => None,
    }
}

/// When stage `ix` ends on a run that enters it at `start`, with
/// `branches[k]` saying which branch step k takes. An empty `seen` means
/// nothing outside the stage is known (not even when the disagreement
/// began): the stage's own time.
fn stage_end<C: Clock>(
    c: &C,
    p: &Protocol,
    ix: StageIx,
    start: Time<C::X>,
    seen: &Seen<C::X>,
    branches: &[bool],
) -> Time<C::X> {
    let stage = p.stage(ix);
    // The steps, one after another, from a known start: whether they are
    // bounded is their own affair (the stage's start is added below).
    let begun = start;
    let start = Time { at: start.at, open: false };
    let mut at = start;
    let mut any_step = false;
    let mut step_starts: Vec<Time<C::X>> = Vec::new();
    let mut step_ends: Vec<Time<C::X>> = Vec::new();
    for (k, step) in stage.steps.iter().enumerate() {
        step_starts.push(at);
        if step.discretionary {
            // Alongside the others: it adds nothing.
            step_ends.push(at);
            continue;
        }
        any_step = true;
        let base = match step.from {
            None => Some(at),
            Some(From::Step { step: j, point: Point::Start }) => step_starts.get(j).copied(),
            Some(From::Step { step: j, point: Point::End }) => step_ends.get(j).copied(),
            Some(from) => point(c, from, ix, start, seen),
        };
        let otherwise = branches.get(k).copied().unwrap_or(false);
        at = match base.and_then(|b| step_end(c, step, otherwise, b.at).map(|e| (b, e))) {
            // Counted from the end of the step before.
            Some((b, e)) if step.from.is_none() => Time { at: e, open: b.open },
            // A deadline counted from a point holds whatever came before it
            // in the stage (but cannot make the stage's own start known).
            Some((b, e)) => Time { at: e.max(start.at), open: b.open },
            None => Time { at: at.at, open: true },
        };
        step_ends.push(at);
    }
    let steps = any_step.then_some(at);
    let start = begun;
    // The stage's own `within`.
    let stated = stage.within.as_ref().and_then(|w| {
        let base = match w.from {
            None => Some(start),
            Some(from) => point(c, from, ix, start, seen),
        }?;
        let e = end(c, &w.timescale, base.at)?;
        Some(Time { at: e.max(start.at), open: base.open || start.open })
    });
    let mut result = match (stated, steps) {
        (Some(a), Some(b)) if !b.open => Time { at: a.at.min(b.at), open: a.open },
        (Some(a), _) => a,
        (None, Some(b)) => Time { at: b.at, open: b.open || start.open },
        (None, None) => Time { at: start.at, open: true },
    };
    // Bounds over several stages, counted from when this run entered the first.
    for span in p.spans.iter().filter(|_| !seen.is_empty()) {
        if !span.stages.contains(&ix) {
            continue;
        }
        let Some(&first) = span.stages.first() else { continue };
        let entry = if first == ix {
            start
        } else if !passed_on_every_run(ix, first) {
            continue;
        } else {
            match seen.get(first.0).copied().flatten() {
                Some((s, _)) => s,
                None => continue,
            }
        };
        let Some(cap) = end(c, &span.timescale, entry.at) else { continue };
        let cap = cap.max(start.at);
        if result.open || result.at > cap {
            result = Time { at: cap, open: entry.open || start.open };
        }
    }
    result
}

/// Every way the conditional steps of a stage can go.
fn branchings(p: &Protocol, ix: StageIx) -> Vec<Vec<bool>> {
    let steps = &p.stage(ix).steps;
    let mut all = vec![Vec::new()];
    for step in steps {
        let options: &[bool] = if step.otherwise.is_some() { &[false, true] } else { &[false] };
        all = all
            .into_iter()
            .flat_map(|b| options.iter().map(move |&o| [b.clone(), vec![o]].concat()))
            .collect();
    }
    all
}

/// A route out of a stage that counts for time: its target and timescale.
fn routes_out(p: &Protocol, ix: StageIx) -> Vec<(Target, Option<&Timescale>)> {
    taken(p, ix).into_iter().map(|(t, ts, _)| (t, ts)).collect()
}

/// The routes out of a stage that count for time, in the order a scenario
/// looks for them (its own, then the inherited ones as written), each with
/// its condition and whether it is the first for that condition (the one a
/// scenario saying that condition takes).
fn taken(p: &Protocol, ix: StageIx) -> Vec<(Target, Option<&Timescale>, Option<Condition>)> {
    let own = p.stage(ix).routes.iter().map(|r| (r.condition.clone(), r.target, r.timescale.as_deref()));
    let inherited = p
        .rule_routes
        .iter()
        .filter(|r| r.target != Target::Stage(ix) && p.covers(&r.scope, ix))
        .map(|r| (r.condition.clone(), r.target, r.timescale.as_deref()));
    let mut seen: Vec<Condition> = Vec::new();
    own.chain(inherited)
        .filter(|(condition, _, _)| *condition != Condition::ImmediateRisk)
        .map(|(condition, target, timescale)| {
            let first = !seen.contains(&condition);
            seen.push(condition.clone());
            (target, timescale, first.then_some(condition))
        })
        .collect()
}

/// One run's way through the protocol: the stages, exits and outcomes in order.
#[derive(Debug, Clone)]
pub struct Run<X> {
    pub places: Vec<Target>,
    /// Per place: when it starts (a stage) or is reached (an exit, an outcome).
    pub starts: Vec<Time<X>>,
    /// Per place: when it ends (a stage); the arrival for the rest.
    pub ends: Vec<Time<X>>,
    /// Per place: the days a stage itself takes, from its start as if that
    /// were known (unknown when its own part has no bound); 0 for the rest.
    pub took: Vec<Time<u64>>,
    /// Where the run stops, and when.
    pub end: Time<X>,
    /// It came back to a stage it had passed.
    pub cycle: bool,
    /// Per stage left: the condition it was left on, when the route taken is
    /// the one a scenario saying that condition takes.
    pub conditions: Vec<Option<Condition>>,
}

/// The first stage of a pathway of equal standing: the main ladder's first
/// stage, or where a `pathway` block begins (a stage).
pub fn first_stage(p: &Protocol, pathway: Pathway) -> Option<StageIx> {
    match pathway {
        Pathway::Main => p.stages_with_ix().find(|(_, s)| s.pathway == Pathway::Main).map(|(ix, _)| ix),
        Pathway::Exception(i) => match p.exceptions.get(i)?.start? {
            Target::Stage(ix) => Some(ix),
            Target::Exit(_) | Target::Outcome(_) => None,
        },
    }
}

/// Every run of the pathway that begins at stage `first`, each stopping
/// where a disagreement can stop: an outcome, an exit, a final authority, a
/// stage with no way on, or back at a stage it has passed (it can go round
/// that cycle again and again: no bound, and at least the time it took to
/// come back).
pub fn runs_from<C: Clock>(
    c: &C,
    p: &Protocol,
    pathway: Pathway,
    first: StageIx,
    limit: usize,
) -> Vec<Run<C::X>> {
    let mut out = Vec::new();
    PASSED.with(|t| *t.borrow_mut() = passed(p, first));
    let zero = Time { at: c.zero(), open: false };
    let entry = before_end(c, p, pathway, zero);
    let run = Run {
        places: Vec::new(),
        starts: Vec::new(),
        ends: Vec::new(),
        took: Vec::new(),
        end: zero,
        cycle: false,
        conditions: Vec::new(),
    };
    walk(c, p, first, entry, run, vec![None; p.stages.len()], &mut out, limit);
    out
}

/// When the first stage of `pathway` begins: after its `before the first
/// stage:` steps, one after another from the day the disagreement is raised.
/// A discretionary step or a `send` adds nothing; a step whose branches
/// include one with no bound leaves the time open (its bounded branches
/// still count).
fn before_end<C: Clock>(c: &C, p: &Protocol, pathway: Pathway, zero: Time<C::X>) -> Time<C::X> {
    let mut at = zero;
    for b in p.before.iter().filter(|b| b.pathway == pathway) {
        if b.send || b.step.discretionary {
            continue;
        }
        let mut branches = vec![step_end(c, &b.step, false, at.at)];
        if b.step.otherwise.is_some() {
            branches.push(step_end(c, &b.step, true, at.at));
        }
        let latest = branches.iter().flatten().copied().max().map_or(at.at, |e| e.max(at.at));
        at = Time { at: latest, open: at.open || branches.iter().any(Option::is_none) };
    }
    at
}

#[allow(clippy::too_many_arguments)]
fn walk<C: Clock>(
    c: &C,
    p: &Protocol,
    ix: StageIx,
    start: Time<C::X>,
    run: Run<C::X>,
    seen: Seen<C::X>,
    out: &mut Vec<Run<C::X>>,
    limit: usize,
) {
    for branches in branchings(p, ix) {
        if out.len() >= limit {
            return;
        }
        let finish = stage_end(c, p, ix, start, &seen, &branches);
        let own = stage_end(c, p, ix, Time { at: start.at, open: false }, &seen, &branches);
        let mut run = run.clone();
        run.places.push(Target::Stage(ix));
        run.starts.push(start);
        run.ends.push(finish);
        run.took.push(Time { at: c.between(start.at, own.at.max(start.at)), open: own.open });
        let mut seen = seen.clone();
        seen[ix.0] = Some((start, finish));
        let routes = taken(p, ix);
        if p.stage(ix).final_authority.is_some() || routes.is_empty() {
            out.push(Run { end: finish, ..run.clone() });
        }
        for (target, timescale, condition) in routes {
            let mut run = run.clone();
            run.conditions.push(condition);
            let arrival = match timescale {
                None => finish,
                Some(t) => match end(c, t, finish.at) {
                    Some(at) => Time { at, open: finish.open },
                    None => Time { at: finish.at, open: true },
                },
            };
            match target {
                Target::Stage(next) if seen[next.0].is_some() => {
                    let mut r = run.clone();
                    r.places.push(target);
                    r.starts.push(arrival);
                    r.ends.push(arrival);
                    r.took.push(Time { at: 0, open: false });
                    out.push(Run { end: Time { at: arrival.at, open: true }, cycle: true, ..r });
                }
                Target::Stage(next) => walk(c, p, next, arrival, run.clone(), seen.clone(), out, limit),
                Target::Exit(_) | Target::Outcome(_) => {
                    let mut r = run.clone();
                    r.places.push(target);
                    r.starts.push(arrival);
                    r.ends.push(arrival);
                    r.took.push(Time { at: 0, open: false });
                    out.push(Run { end: arrival, cycle: false, ..r });
                }
            }
        }
    }
}

/// The worst case of the main pathway: the most working days a run is known
/// to take, and whether some run has no bound.
/// The worst case of the main pathway (from its runs in working days), and
/// whether some run can go round a cycle (then its "at least" is the longest
/// way round, once).
pub fn worst_case(all: &[Run<u64>]) -> (Time<u64>, bool) {
    let worst =
        Time { at: all.iter().map(|r| r.end.at).max().unwrap_or(0), open: all.iter().any(|r| r.end.open) };
    (worst, all.iter().any(|r| r.cycle))
}

/// The time a stage takes from its own start, on its longest branch,
/// when nothing else is known (points elsewhere unknown).
pub fn stage_time(p: &Protocol, ix: StageIx) -> Time<u64> {
    let seen = Vec::new();
    let zero = Time { at: 0, open: false };
    let ends: Vec<Time<u64>> =
        branchings(p, ix).iter().map(|b| stage_end(&Days_, p, ix, zero, &seen, b)).collect();
    Time { at: ends.iter().map(|t| t.at).max().unwrap_or(0), open: ends.iter().any(|t| t.open) }
}

/// The bound of a timescale on its own, in working days.
pub fn bound(t: &Timescale) -> Option<u64> {
    end(&Days_, t, 0)
}

/// The runs that go through `places` in this order, merged: at each place
/// the latest start and end any of them has, "at least" the most any is
/// known to take and unbounded if any is.
pub fn along<X: Ord + Copy>(all: &[Run<X>], places: &[Target]) -> Option<Run<X>> {
    along_by(all, places, None)
}

/// As [`along`], only the runs that leave each stage on these conditions
/// (as a scenario says them; `None` for the last stage, left on none).
pub fn along_by<X: Ord + Copy>(
    all: &[Run<X>],
    places: &[Target],
    conditions: Option<&[Option<Condition>]>,
) -> Option<Run<X>> {
    fn merge<X: Ord + Copy>(a: &[Time<X>], b: &[Time<X>]) -> Vec<Time<X>> {
        a.iter().zip(b).map(|(x, y)| Time { at: x.at.max(y.at), open: x.open || y.open }).collect()
    }
    let by = |r: &Run<X>| conditions.is_none_or(|want| r.conditions.iter().eq(want.iter()));
    all.iter().filter(|r| r.places == places && by(r)).cloned().reduce(|a, b| Run {
        places: a.places.clone(),
        took: merge(&a.took, &b.took),
        starts: merge(&a.starts, &b.starts),
        ends: merge(&a.ends, &b.ends),
        end: Time { at: a.end.at.max(b.end.at), open: a.end.open || b.end.open },
        cycle: a.cycle || b.cycle,
        conditions: a.conditions.clone(),
    })
}
