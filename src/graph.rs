//! Phase 3, model -> escalation graph.
//!
//! Nodes are the start of each pathway, stages, decisions, exits and
//! outcomes. Each stage leads to its decision ("resolved?"), from which its
//! routes leave (a stage's own and the ones it inherits from `at any stage`
//! rules); a route for a child at immediate risk leaves the stage itself, as
//! it does not wait for the decision.
//! [`Timing`] computes each node's worst-case finishing time in one pass over
//! the strongly connected components in topological order: linear in the size
//! of the protocol, never enumerating paths.

use petgraph::Direction;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef};
use std::collections::VecDeque;

use crate::model::{Condition, ExitIx, From, OutcomeIx, Pathway, Protocol, Reach, StageIx, Target};
use crate::span::Span;
use crate::timescale::{Count, Point, Timescale, WorkingDays, Worst};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// Where a pathway begins: "disagreement between professionals".
    Start(Pathway),
    Stage(StageIx),
    /// "Resolved?" at the end of a stage: its routes leave from here.
    Decision(StageIx),
    Exit(ExitIx),
    Outcome(OutcomeIx),
}

#[derive(Debug, Clone)]
pub struct Edge {
    /// `None` for the edge from a pathway's start to its first stage, and
    /// from a stage to its decision.
    pub condition: Option<Condition>,
    pub timescale: Option<Timescale>,
    /// Inherited from an `at any stage` rule.
    pub inherited: bool,
    /// A `discretionary` route: the text only allows it (drawn dashed).
    pub discretionary: bool,
    /// An `implied` route: the text never states it.
    pub implied: bool,
    pub span: Span,
}

impl Edge {
    /// An edge that is not a route: from a pathway's start to its first
    /// stage, or from a stage to its decision.
    fn step(span: Span) -> Edge {
        Edge {
            condition: None,
            timescale: None,
            inherited: false,
            discretionary: false,
            implied: false,
            span,
        }
    }

    /// Routes for a child at immediate risk leave the disagreement process:
    /// they do not count towards how long the disagreement takes.
    pub fn counts_for_time(&self) -> bool {
        self.condition != Some(Condition::ImmediateRisk)
    }

    /// Whether the edge is a way on for a disagreement that is still
    /// unresolved: a discretionary route may or may not be taken, so it never
    /// is (issue 11; the worst case still counts it, as it may be taken).
    pub fn is_way_on(&self) -> bool {
        self.counts_for_time() && !self.discretionary
    }

    pub fn duration(&self) -> Worst {
        match &self.timescale {
            Some(t) => Worst::of(t.bound()),
            None => Worst::ZERO,
        }
    }
}

#[derive(Debug)]
pub struct EscalationGraph {
    pub graph: DiGraph<Node, Edge>,
    pub stages: Vec<NodeIndex>,
    /// Each stage's decision, by stage index.
    pub decisions: Vec<NodeIndex>,
    pub exits: Vec<NodeIndex>,
    pub outcomes: Vec<NodeIndex>,
    /// Each pathway's start node: the main one first.
    pub starts: Vec<(Pathway, NodeIndex)>,
}

impl EscalationGraph {
    pub fn build(protocol: &Protocol) -> EscalationGraph {
        let edges_per_stage = 3 + protocol.rule_routes.len();
        let mut graph = DiGraph::with_capacity(
            2 * protocol.stages.len() + protocol.exits.len() + protocol.outcomes.len() + 1,
            protocol.stages.len() * edges_per_stage,
        );
        let stages: Vec<NodeIndex> =
            (0..protocol.stages.len()).map(|i| graph.add_node(Node::Stage(StageIx(i)))).collect();
        let decisions: Vec<NodeIndex> =
            (0..protocol.stages.len()).map(|i| graph.add_node(Node::Decision(StageIx(i)))).collect();
        let exits: Vec<NodeIndex> =
            (0..protocol.exits.len()).map(|i| graph.add_node(Node::Exit(ExitIx(i)))).collect();
        let outcomes: Vec<NodeIndex> =
            (0..protocol.outcomes.len()).map(|i| graph.add_node(Node::Outcome(OutcomeIx(i)))).collect();
        let node_of = |target: Target| match target {
            Target::Stage(ix) => stages[ix.0],
            Target::Exit(ix) => exits[ix.0],
            Target::Outcome(ix) => outcomes[ix.0],
        };

        let mut starts = Vec::new();
        if let Some((first, stage)) = protocol.main_stages().next() {
            let start = graph.add_node(Node::Start(Pathway::Main));
            let edge = Edge::step(stage.head);
            graph.add_edge(start, stages[first.0], edge);
            starts.push((Pathway::Main, start));
        }
        for (i, exception) in protocol.exceptions.iter().enumerate() {
            if let Some(target) = exception.start {
                let start = graph.add_node(Node::Start(Pathway::Exception(i)));
                let edge = Edge::step(exception.span);
                graph.add_edge(start, node_of(target), edge);
                starts.push((Pathway::Exception(i), start));
            }
        }
        for ix in (0..protocol.stages.len()).map(StageIx) {
            let head = protocol.stage(ix).head;
            let then = Edge::step(head);
            graph.add_edge(stages[ix.0], decisions[ix.0], then);
            for (route, inherited) in protocol.routes_of(ix) {
                let from = match route.condition {
                    Condition::ImmediateRisk => stages[ix.0],
                    _ => decisions[ix.0],
                };
                let edge = Edge {
                    condition: Some(route.condition.clone()),
                    timescale: route.timescale.clone(),
                    inherited,
                    discretionary: route.discretionary,
                    implied: route.implied,
                    span: route.span,
                };
                graph.add_edge(from, node_of(route.target), edge);
            }
        }
        EscalationGraph { graph, stages, decisions, exits, outcomes, starts }
    }

    /// The stage, exit or outcome a node stands for (`None` for a start; a
    /// decision stands for its stage).
    pub fn target(&self, node: NodeIndex) -> Option<Target> {
        match self.graph[node] {
            Node::Start(_) => None,
            Node::Stage(ix) | Node::Decision(ix) => Some(Target::Stage(ix)),
            Node::Exit(ix) => Some(Target::Exit(ix)),
            Node::Outcome(ix) => Some(Target::Outcome(ix)),
        }
    }

    pub fn stage_node(&self, ix: StageIx) -> NodeIndex {
        self.stages[ix.0]
    }

    /// Nodes on the main pathway: reachable from its start by routes that
    /// count for time (not immediate-risk exits).
    pub fn main_reach(&self) -> Vec<bool> {
        let main: Vec<NodeIndex> = self.starts.iter().filter(|s| s.0 == Pathway::Main).map(|s| s.1).collect();
        self.search(&main, Direction::Outgoing, Edge::counts_for_time)
    }

    /// Every node reachable from some pathway's start, by any route.
    pub fn reachable_from_starts(&self) -> Vec<bool> {
        let sources: Vec<NodeIndex> = self.starts.iter().map(|s| s.1).collect();
        self.search(&sources, Direction::Outgoing, |_| true)
    }

    /// Nodes breadth-first from `sources` along edges (or against them, for
    /// `Incoming`) that pass `keep`.
    pub fn search(
        &self,
        sources: &[NodeIndex],
        direction: Direction,
        keep: impl Fn(&Edge) -> bool,
    ) -> Vec<bool> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut queue: VecDeque<NodeIndex> = sources.iter().copied().collect();
        for s in sources {
            seen[s.index()] = true;
        }
        while let Some(n) = queue.pop_front() {
            for e in self.graph.edges_directed(n, direction) {
                let next = if direction == Direction::Outgoing { e.target() } else { e.source() };
                if keep(e.weight()) && !seen[next.index()] {
                    seen[next.index()] = true;
                    queue.push_back(next);
                }
            }
        }
        seen
    }
}

/// Worst-case times through the graph.
#[derive(Debug)]
pub struct Timing {
    /// Per node: the latest it can begin (a stage's start; an exit's or
    /// outcome's arrival), counting from the start of its pathway.
    pub start: Vec<Worst>,
    /// Per node: the latest it can finish.
    pub finish: Vec<Worst>,
    /// Per node: the edge along which the most days arrive.
    pub via: Vec<Option<EdgeIndex>>,
    /// Per node: part of a cycle of routes (so its worst case has no bound).
    pub in_cycle: Vec<bool>,
    /// Per node: a stage whose own time has no bound (after any `stages ...
    /// within` bound over it), however it is reached.
    pub open: Vec<bool>,
    /// Per node: how many nodes the `via` chain passes to reach it (to tell
    /// the furthest of equally long routes).
    pub depth: Vec<u32>,
    /// The strongly connected components with more than one node or a loop.
    pub cycles: Vec<Vec<NodeIndex>>,
}

impl Timing {
    /// One pass over the strongly connected components in topological order.
    /// A stage ends when [`Stage::end`](crate::model::Stage::end) says,
    /// counted on [`Count`] from its latest start, and no later than any
    /// `stages ... within` bound over it allows.
    pub fn compute(protocol: &Protocol, g: &EscalationGraph) -> Timing {
        let n = g.graph.node_count();
        let counted = EdgeFiltered::from_fn(&g.graph, |e| e.weight().counts_for_time());
        // Kosaraju returns components in reverse topological order.
        let mut components = kosaraju_scc(&counted);
        components.reverse();

        // Time on the main pathway comes only from the main pathway: an
        // exception that rejoins the ladder must not lengthen it.
        let main = g.main_reach();
        let mut start = vec![Worst::ZERO; n];
        let mut finish = vec![Worst::ZERO; n];
        let mut via = vec![None; n];
        let mut in_cycle = vec![false; n];
        let mut open = vec![false; n];
        let mut depth = vec![0u32; n];
        let mut cycles = Vec::new();
        let mut component_of = vec![usize::MAX; n];
        for (c, component) in components.iter().enumerate() {
            for node in component {
                component_of[node.index()] = c;
            }
        }
        let reach = |w: Worst| Reach { at: w.days, unbounded: w.unbounded };
        let worst = |r: Reach<WorkingDays>| Worst { days: r.at, unbounded: r.unbounded };
        for (c, component) in components.into_iter().enumerate() {
            let looped = component.len() > 1
                || g.graph.edges_connecting(component[0], component[0]).any(|e| e.weight().counts_for_time());
            if looped {
                for &node in &component {
                    in_cycle[node.index()] = true;
                }
            }
            for &node in &component {
                let mut arrival = Worst::ZERO;
                let mut best: Option<Worst> = None;
                for e in g.graph.edges_directed(node, Direction::Incoming) {
                    // Edges inside this component are not finished yet; a cycle is unbounded anyway.
                    if !e.weight().counts_for_time()
                        || component_of[e.source().index()] == c
                        || main[node.index()] && !main[e.source().index()]
                    {
                        continue;
                    }
                    let time = finish[e.source().index()] + e.weight().duration();
                    if best.is_none_or(|b| more_days(time, b)) {
                        via[node.index()] = Some(e.id());
                        depth[node.index()] = depth[e.source().index()].saturating_add(1);
                        best = Some(time);
                    }
                    arrival = arrival.max(time);
                }
                start[node.index()] = arrival;
                let mut end = arrival;
                if let Node::Stage(ix) = g.graph[node] {
                    // A point is known once its component is done (or it is this stage's start).
                    let known = |other: NodeIndex| component_of[other.index()] < c;
                    let anchor = |from: From| -> Option<Reach<WorkingDays>> {
                        match from {
                            From::Disagreement => Some(Reach { at: WorkingDays(0), unbounded: false }),
                            From::Stage { stage: other, point } => {
                                let at = g.stage_node(other);
                                if at == node && point == Point::Start {
                                    return Some(reach(arrival));
                                }
                                known(at).then(|| match point {
                                    Point::Start => reach(start[at.index()]),
                                    Point::End => reach(finish[at.index()]),
                                })
                            }
                            From::Step { .. } => None,
                        }
                    };
                    let entry = |span: &crate::model::StageSpan| {
                        let first = g.stage_node(*span.stages.first()?);
                        known(first).then(|| reach(start[first.index()]))
                    };
                    let own = protocol.stage_end(ix, &Count, reach(arrival), &anchor, &entry);
                    // Whether the stage's own part has no bound, however it is reached.
                    open[node.index()] = own.unbounded
                        && (!arrival.unbounded || {
                            let bounded = Reach { at: arrival.days, unbounded: false };
                            protocol.stage_end(ix, &Count, bounded, &anchor, &entry).unbounded
                        });
                    end = worst(own);
                }
                if looped {
                    end.unbounded = true;
                }
                finish[node.index()] = end;
            }
            if looped {
                cycles.push(component);
            }
        }
        Timing { start, finish, via, in_cycle, open, depth, cycles }
    }

    /// The worst-case route to `node`, from its pathway's start: the nodes in order.
    pub fn worst_route(&self, g: &EscalationGraph, node: NodeIndex) -> Vec<NodeIndex> {
        let mut route = vec![node];
        let mut seen = vec![false; self.finish.len()];
        let mut at = node;
        while let Some(edge) = self.via[at.index()] {
            let Some((source, _)) = g.graph.edge_endpoints(edge) else { break };
            if seen[source.index()] {
                break;
            }
            seen[source.index()] = true;
            route.push(source);
            at = source;
        }
        route.reverse();
        route
    }
}

/// Whether `a` is known to take more days than `b` (on a tie, an unbounded
/// one is the longer).
fn more_days(a: Worst, b: Worst) -> bool {
    (a.days, a.unbounded) > (b.days, b.unbounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(text: &str) -> (Protocol, EscalationGraph) {
        let protocol = crate::load(text).unwrap_or_else(|e| panic!("test protocol loads: {e:?}"));
        let g = EscalationGraph::build(&protocol);
        (protocol, g)
    }

    const LADDER: &str = "protocol \"p\"
exit mash \"MASH\" within same working day
outcome agreed \"Agreed\"
at any stage: immediate risk -> mash
stage 1 \"One\" { within 2 working days  resolved -> agreed  unresolved -> stage 2 within 1 working day }
stage 2 \"Two\" { within 3 working days  final decision  resolved -> agreed }
";

    #[test]
    fn routes_leave_a_stage_through_its_decision_but_immediate_risk_leaves_at_once() {
        let (_, g) = graph(LADDER);
        let (one, decision) = (g.stages[0], g.decisions[0]);
        let out: Vec<Node> = g.graph.neighbors(one).map(|n| g.graph[n]).collect();
        assert!(out.contains(&Node::Decision(StageIx(0))));
        assert!(out.contains(&Node::Exit(ExitIx(0))), "immediate risk leaves the stage itself");
        assert_eq!(out.len(), 2);
        let from_decision: Vec<Node> = g.graph.neighbors(decision).map(|n| g.graph[n]).collect();
        assert!(from_decision.contains(&Node::Stage(StageIx(1))));
        assert!(from_decision.contains(&Node::Outcome(OutcomeIx(0))));
    }

    #[test]
    fn the_worst_case_adds_stages_and_route_times_in_one_pass() {
        let (p, g) = graph(LADDER);
        let t = Timing::compute(&p, &g);
        // Stage 1 (2) + route (1) + stage 2 (3).
        assert_eq!(
            t.finish[g.stages[1].index()],
            Worst { days: crate::timescale::WorkingDays(6), unbounded: false }
        );
        let route: Vec<Node> = t.worst_route(&g, g.stages[1]).into_iter().map(|n| g.graph[n]).collect();
        assert_eq!(
            route,
            [
                Node::Start(Pathway::Main),
                Node::Stage(StageIx(0)),
                Node::Decision(StageIx(0)),
                Node::Stage(StageIx(1))
            ]
        );
        assert!(t.cycles.is_empty());
    }

    #[test]
    fn a_cycle_has_no_worst_case() {
        let (p, g) = graph(
            "protocol \"p\"
stage 1 \"One\" { within 1 working day  unresolved -> stage 2 }
stage 2 \"Two\" { within 1 working day  unresolved -> stage 1 }
",
        );
        let t = Timing::compute(&p, &g);
        assert_eq!(t.cycles.len(), 1);
        assert!(t.finish[g.stages[1].index()].unbounded);
    }
}
