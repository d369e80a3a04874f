//! One analysis of a protocol, built once and read by every view.
//!
//! The graph, the worst-case timing and the main pathway's worst case (its
//! figure, where it ends, the route there, and what leaves it without a
//! bound) are computed here and nowhere else: `check`, `compare`,
//! `timeline`, `render`, `report`, the language server and the playground
//! all read this one result, so they cannot disagree.
//!
//! **The worst case** of the main pathway is the longest route from its
//! start to any place a disagreement can stop: an outcome, an exit, a final
//! authority, or a stage where it stops unresolved. It is *unbounded* when
//! some route there has a part with no bound (or can go round a cycle);
//! its figure is then "at least N", N being the most working days any route
//! is known to take, adding up every bounded part on it. The route shown is
//! the one that takes those N days.

use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::cmp::Reverse;
use std::collections::VecDeque;

use crate::graph::{EscalationGraph, Node, Timing};
use crate::model::{Pathway, Protocol, StageIx};
use crate::timescale::Worst;

/// Everything computed from a resolved protocol before the checks run.
///
/// A protocol has one pathway or several of equal standing
/// ([`Protocol::pathways`]). `timing`, `main` and `worst` are the first
/// one's (the main ladder, when it has stages); `more` holds each further
/// pathway's, computed the same way from its own start.
#[derive(Debug)]
pub struct Analysis {
    pub graph: EscalationGraph,
    /// Which pathway `timing`, `main` and `worst` describe.
    pub first: Pathway,
    pub timing: Timing,
    /// Per node: on the main pathway (reached from its start by routes that
    /// count for time).
    pub main: Vec<bool>,
    /// Per node: some outcome, exit or final authority can be reached from it.
    pub can_end: Vec<bool>,
    /// The main pathway's worst case.
    pub worst: WorstCase,
    /// The further pathways of equal standing, in the order written.
    pub more: Vec<PathwayCase>,
    /// Every timescale whose anchor the text leaves unclear (`of the start
    /// or end of step 1`), with both readings' figures.
    pub readings: Vec<Reading>,
}

/// One further pathway's timing, reach and worst case.
#[derive(Debug)]
pub struct PathwayCase {
    pub pathway: Pathway,
    pub timing: Timing,
    pub reach: Vec<bool>,
    pub worst: WorstCase,
}

/// One pathway's analysis, as every view reads it: the first pathway's or
/// a further one's.
#[derive(Debug, Clone, Copy)]
pub struct Case<'a> {
    pub pathway: Pathway,
    pub timing: &'a Timing,
    /// Per node: on this pathway.
    pub reach: &'a [bool],
    pub worst: &'a WorstCase,
}

impl Case<'_> {
    /// How the end of this pathway's worst case is called: `stage 4`,
    /// `outcome agreed`, `exit mash`.
    pub fn end_name(&self, g: &EscalationGraph, p: &Protocol) -> String {
        node_name(g, p, self.worst.end)
    }
}

/// A timescale counted `of the start or end of` a step or stage: the text
/// does not say which. The protocol's figures count from the end (the later
/// deadline); here are both readings', each computed by this module as the
/// whole protocol's would be, on a copy that says the one or the other.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The stage the timescale is in.
    pub stage: StageIx,
    /// The timescale, as written (its span points at it).
    pub timescale: crate::timescale::Timescale,
    /// Counted from the end of the anchor (as every figure is).
    pub end: ReadingFigures,
    /// Counted from its start.
    pub start: ReadingFigures,
}

/// What one reading of an unclear anchor makes of the stage and the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingFigures {
    /// The stage's own time, from its start.
    pub stage: Worst,
    /// The main pathway's worst case.
    pub worst: Worst,
}

/// The main pathway's worst case: see the module documentation.
#[derive(Debug, Clone)]
pub struct WorstCase {
    /// Working days known (the longest bounded total) and whether some
    /// route has no bound.
    pub worst: Worst,
    /// Where the route that takes `worst.days` ends.
    pub end: NodeIndex,
    /// That route from the main start: each node with the edge it is
    /// reached by (`None` for the start).
    pub route: Vec<(NodeIndex, Option<EdgeIndex>)>,
    /// What leaves the worst case without a bound, in the protocol's order.
    pub open: Vec<Opening>,
}

/// A place on the main pathway where its time stops being bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// A stage whose own time has no bound.
    Stage(StageIx),
    /// A route whose timescale has no bound.
    Route(EdgeIndex),
    /// A cycle of routes (one of its nodes), which a disagreement can go
    /// round again and again.
    Cycle(NodeIndex),
}

impl Analysis {
    pub fn of(protocol: &Protocol) -> Analysis {
        let mut analysis = Analysis::without_readings(protocol);
        analysis.readings = readings(protocol, &analysis);
        analysis
    }

    /// Everything but the readings of unclear anchors.
    fn without_readings(protocol: &Protocol) -> Analysis {
        let graph = EscalationGraph::build(protocol);
        let pathways = protocol.pathways();
        let first = pathways.first().copied().unwrap_or(Pathway::Main);
        let timing = Timing::compute_for(protocol, &graph, first);
        let main = graph.reach_of(first);
        let can_end = can_end(protocol, &graph);
        let worst = worst_case(protocol, &graph, &timing, &main, &can_end, first);
        let more = pathways
            .iter()
            .skip(1)
            .map(|&pathway| {
                let timing = Timing::compute_for(protocol, &graph, pathway);
                let reach = graph.reach_of(pathway);
                let worst = worst_case(protocol, &graph, &timing, &reach, &can_end, pathway);
                PathwayCase { pathway, timing, reach, worst }
            })
            .collect();
        Analysis { graph, first, timing, main, can_end, worst, more, readings: Vec::new() }
    }

    /// Every pathway's analysis, the first first.
    pub fn cases(&self) -> Vec<Case<'_>> {
        let first = Case { pathway: self.first, timing: &self.timing, reach: &self.main, worst: &self.worst };
        std::iter::once(first)
            .chain(self.more.iter().map(|c| Case {
                pathway: c.pathway,
                timing: &c.timing,
                reach: &c.reach,
                worst: &c.worst,
            }))
            .collect()
    }

    /// One pathway's analysis, if it is one of [`Protocol::pathways`].
    pub fn case(&self, pathway: Pathway) -> Option<Case<'_>> {
        self.cases().into_iter().find(|c| c.pathway == pathway)
    }

    /// The timing a stage's figures are read from: its own pathway's when
    /// that is one of the pathways of equal standing, else the first's.
    fn timing_of(&self, ix: StageIx) -> &Timing {
        let node = self.graph.stage_node(ix).index();
        if self.main[node] {
            return &self.timing;
        }
        self.more.iter().find(|c| c.reach[node]).map_or(&self.timing, |c| &c.timing)
    }

    /// A stage's latest finish, counted from its pathway's start.
    pub fn stage_finish(&self, ix: StageIx) -> Worst {
        self.timing_of(ix).finish[self.graph.stage_node(ix).index()]
    }

    /// The working days a stage itself takes on the worst case, from its
    /// latest start; `None` when that has no bound.
    pub fn stage_took(&self, ix: StageIx) -> Option<u64> {
        self.timing_of(ix).took[self.graph.stage_node(ix).index()].map(|d| d.0)
    }

    /// A stage's latest start.
    pub fn stage_start(&self, ix: StageIx) -> Worst {
        self.timing_of(ix).start[self.graph.stage_node(ix).index()]
    }

    /// How the end of the worst case is called: `stage 4`, `outcome agreed`, `exit mash`.
    pub fn end_name(&self, p: &Protocol) -> String {
        node_name(&self.graph, p, self.worst.end)
    }

    /// Whether a stage's own time has no bound, on its pathway's timing.
    pub fn stage_open(&self, ix: StageIx) -> bool {
        self.timing_of(ix).open[self.graph.stage_node(ix).index()]
    }
}

fn node_name(g: &EscalationGraph, p: &Protocol, node: NodeIndex) -> String {
    match g.graph[node] {
        Node::Stage(ix) | Node::Decision(ix) => p.stage(ix).display_id(),
        Node::Exit(ix) => format!("exit {}", p.exits[ix.0].name),
        Node::Outcome(ix) => format!("outcome {}", p.outcomes[ix.0].name),
        Node::Start(_) | Node::AnyStage => String::new(),
    }
}

/// Both readings of every unclear anchor (`of the start or end of step 1`):
/// the end's are the protocol's own figures; the start's are those of a copy
/// in which that one anchor counts from the start.
fn readings(p: &Protocol, analysis: &Analysis) -> Vec<Reading> {
    use crate::model::From;
    use crate::timescale::Point;
    let mut out = Vec::new();
    for (ix, stage) in p.stages_with_ix() {
        // Each element of the stage that has a timescale and a point: the
        // `within` (`None`), or a step or record (its index among both).
        let within = stage.within.iter().map(|w| (None, &w.timescale, w.from));
        let steps = stage
            .steps
            .iter()
            .chain(&stage.records)
            .enumerate()
            .filter_map(|(i, s)| Some((Some(i), s.timescale.as_ref()?, s.from)));
        for (which, timescale, from) in within.chain(steps) {
            if !timescale.unclear || from.is_none() {
                continue;
            }
            let mut copy = p.clone();
            let at_start = |f: Option<From>| match f {
                Some(From::Stage { stage, .. }) => Some(From::Stage { stage, point: Point::Start }),
                Some(From::Step { step, .. }) => Some(From::Step { step, point: Point::Start }),
                other => other,
            };
            let s = &mut copy.stages[ix.0];
            match which {
                None => {
                    if let Some(w) = &mut s.within {
                        w.from = at_start(w.from);
                    }
                }
                Some(i) if i < s.steps.len() => s.steps[i].from = at_start(s.steps[i].from),
                Some(i) => {
                    let r = i - s.steps.len();
                    s.records[r].from = at_start(s.records[r].from);
                }
            }
            let other = Analysis::without_readings(&copy);
            out.push(Reading {
                stage: ix,
                timescale: timescale.clone(),
                end: ReadingFigures { stage: stage.duration(), worst: analysis.worst.worst },
                start: ReadingFigures { stage: copy.stage(ix).duration(), worst: other.worst.worst },
            });
        }
    }
    out
}

/// Outcomes, exits and final authorities end a disagreement.
pub fn is_end(p: &Protocol, node: Node) -> bool {
    match node {
        Node::Outcome(_) | Node::Exit(_) => true,
        Node::Stage(ix) => p.stage(ix).final_authority.is_some(),
        Node::Start(_) | Node::Decision(_) | Node::AnyStage => false,
    }
}

/// Per node: whether an end of the disagreement (an outcome, an exit or a
/// final authority) can be reached from it by routes that count for time.
fn can_end(p: &Protocol, g: &EscalationGraph) -> Vec<bool> {
    let ends: Vec<_> = g.graph.node_indices().filter(|&n| is_end(p, g.graph[n])).collect();
    g.search(&ends, petgraph::Direction::Incoming, |e| e.counts_for_time())
}

/// Whether a disagreement can stop at `node`: an end, or a stage from which
/// no route that counts for time leads on (it stops there unresolved).
fn stops(p: &Protocol, g: &EscalationGraph, node: NodeIndex) -> bool {
    match g.graph[node] {
        Node::Stage(ix) => {
            is_end(p, g.graph[node])
                || !g.graph.edges(g.decisions[ix.0]).any(|e| e.weight().counts_for_time())
        }
        Node::Exit(_) | Node::Outcome(_) => true,
        Node::Start(_) | Node::Decision(_) | Node::AnyStage => false,
    }
}

fn worst_case(
    p: &Protocol,
    g: &EscalationGraph,
    t: &Timing,
    main: &[bool],
    can_end: &[bool],
    pathway: Pathway,
) -> WorstCase {
    let on_main = || g.graph.node_indices().filter(|n| main[n.index()]);
    // Every time-taking node the main pathway reaches: the latest of them is
    // where the longest route stops (a node that leads on is never later
    // than what it leads to), so no stopping place is missed.
    let candidates =
        || on_main().filter(|n| !matches!(g.graph[*n], Node::Start(_) | Node::Decision(_) | Node::AnyStage));
    let mut worst = Worst::ZERO;
    for n in candidates() {
        worst = worst.max(t.finish[n.index()]);
    }
    // On a tie: an unbounded one, then a place that stops (a final authority
    // before an outcome before an exit, which leaves the ladder), then the
    // furthest along, then the first declared.
    let rank = |n: NodeIndex| match g.graph[n] {
        Node::Stage(_) if stops(p, g, n) => 3,
        Node::Outcome(_) => 2,
        Node::Exit(_) => 1,
        _ => 0,
    };
    let key = |n: &NodeIndex| {
        let w = t.finish[n.index()];
        (w.days, w.unbounded, rank(*n), t.depth[n.index()], Reverse(n.index()))
    };
    let main_start = g.start_of(pathway);
    let end = candidates().max_by_key(key).or(main_start).unwrap_or(NodeIndex::new(0));
    let route = route_to(g, t, end, main_start);

    let mut open = Vec::new();
    if worst.unbounded {
        for (ix, _) in p.stages_with_ix() {
            let node = g.stage_node(ix);
            if main[node.index()] && t.open[node.index()] {
                open.push(Opening::Stage(ix));
            }
            for e in g.graph.edges(g.decisions[ix.0]).chain(g.graph.edges(node)) {
                // An inherited route is the same line for every stage: reported once, by itself.
                if main[e.source().index()]
                    && e.weight().counts_for_time()
                    && e.weight().duration().unbounded
                    && !e.weight().inherited()
                {
                    open.push(Opening::Route(e.id()));
                }
            }
        }
        if let Some(n) = on_main().find(|n| t.in_cycle[n.index()] && can_end[n.index()]) {
            open.push(Opening::Cycle(n));
        }
    }
    WorstCase { worst, end, route, open }
}

/// The worst-case route to `end` from the main pathway's start.
///
/// [`Timing::worst_route`] stops where the worst case enters a cycle (inside
/// one, no edge is "the" worst), so its first node may not be the start. The
/// way to that node is then completed by the shortest chain of routes from the
/// start: the dates before the cycle are still real, and from the cycle on
/// they are unknown anyway.
fn route_to(
    g: &EscalationGraph,
    t: &Timing,
    end: NodeIndex,
    start: Option<NodeIndex>,
) -> Vec<(NodeIndex, Option<EdgeIndex>)> {
    let worst = t.worst_route(g, end);
    let mut route: Vec<(NodeIndex, Option<EdgeIndex>)> =
        worst.iter().map(|&n| (n, t.via[n.index()])).collect();
    let Some(&(first, _)) = route.first() else { return route };
    if matches!(g.graph[first], Node::Start(_)) {
        route[0].1 = None;
        return route;
    }
    let Some(start) = start else {
        return route;
    };
    // Breadth first from the start, along the routes that count for time.
    let mut reached_by: Vec<Option<EdgeIndex>> = vec![None; g.graph.node_count()];
    let mut seen = vec![false; g.graph.node_count()];
    seen[start.index()] = true;
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        if node == first {
            break;
        }
        for e in g.graph.edges(node) {
            if e.weight().counts_for_time() && !seen[e.target().index()] {
                seen[e.target().index()] = true;
                reached_by[e.target().index()] = Some(e.id());
                queue.push_back(e.target());
            }
        }
    }
    let mut prefix = Vec::new();
    let mut at = first;
    while let Some(edge) = reached_by[at.index()] {
        prefix.push((at, Some(edge)));
        let Some((source, _)) = g.graph.edge_endpoints(edge) else { break };
        at = source;
    }
    if at != start {
        // Not reachable from the start: keep the route as Timing gave it.
        return route;
    }
    prefix.push((start, None));
    prefix.retain(|&(n, _)| g.graph[n] != Node::AnyStage);
    prefix.reverse();
    // `first` is now reached by its chain edge rather than by nothing.
    if let Some(last) = prefix.pop() {
        route[0] = last;
    }
    prefix.extend(route);
    prefix
}
