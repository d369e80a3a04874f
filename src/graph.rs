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
use petgraph::graph::{DiGraph, EdgeIndex, EdgeReference, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef};
use std::collections::VecDeque;

use crate::model::{Condition, ExitIx, From, OutcomeIx, Pathway, Protocol, Reach, Route, StageIx, Target};
use crate::timescale::{Count, Point, WorkingDays, Worst};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// Where a pathway begins: "disagreement between professionals".
    Start(Pathway),
    Stage(StageIx),
    /// "Resolved?" at the end of a stage: its routes leave from here.
    Decision(StageIx),
    Exit(ExitIx),
    Outcome(OutcomeIx),
    /// `at any stage` routes shared by a run of stages (see
    /// [`EscalationGraph::build`]): takes no time, ends nothing.
    AnyStage,
}

/// The route an edge is, in the model: edges refer to their routes rather
/// than copy their conditions and timescales (a graph has an edge per route
/// and several per stage, and a timescale is 128 bytes and two allocations).
/// Its indices are 32 bits (12 bytes, not 24): a file is at most
/// [`crate::MAX_FILE_BYTES`], far fewer stages, routes or rules than that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteRef {
    /// A stage's own route, by its stage's index in [`Protocol::stages`] and
    /// its own in [`Stage::routes`](crate::model::Stage::routes).
    Own { stage: u32, index: u32 },
    /// An `at any stage` route, by its index in [`Protocol::rule_routes`].
    Rule(u32),
}

impl RouteRef {
    fn own(stage: StageIx, index: usize) -> RouteRef {
        RouteRef::Own { stage: narrow(stage.0), index: narrow(index) }
    }

    fn rule(r: usize) -> RouteRef {
        RouteRef::Rule(narrow(r))
    }
}

/// An index of a file's elements in 32 bits (see [`RouteRef`]).
fn narrow(index: usize) -> u32 {
    u32::try_from(index).expect("a file of at most 64 MiB has fewer than 2^32 elements")
}

#[derive(Debug, Clone)]
pub struct Edge {
    /// `None` for the edge from a pathway's start to its first stage, from a
    /// stage to its decision, and for the links to [`Node::AnyStage`] hubs.
    pub route: Option<RouteRef>,
    /// A route for a child at immediate risk, or a link to such routes.
    pub immediate_risk: bool,
    /// The route's worst-case time, from its timescale (counted once, here).
    duration: Worst,
    /// A `discretionary` route: the text only allows it (drawn dashed).
    pub discretionary: bool,
    /// An `implied` route: the text never states it. (Where an edge is
    /// written is its route's span: an edge holds no span of its own, as
    /// nothing read it; 16 of its 64 bytes.)
    pub implied: bool,
}

impl Edge {
    /// An edge that is not a route: from a pathway's start to its first
    /// stage, or from a stage to its decision.
    fn step() -> Edge {
        Edge {
            route: None,
            immediate_risk: false,
            duration: Worst::ZERO,
            discretionary: false,
            implied: false,
        }
    }

    /// From a stage (or its decision) or a [`Node::AnyStage`] to the shared
    /// `at any stage` routes above it. One for immediate risk leaves the
    /// stage itself and, like the routes it leads to, takes no time.
    fn link(immediate_risk: bool) -> Edge {
        Edge { immediate_risk, ..Edge::step() }
    }

    /// The route this edge is.
    pub fn route<'p>(&self, p: &'p Protocol) -> Option<&'p Route> {
        match self.route? {
            RouteRef::Own { stage, index } => p.stages.get(stage as usize)?.routes.get(index as usize),
            RouteRef::Rule(r) => p.rule_routes.get(r as usize).map(|r| &r.item),
        }
    }

    /// The `at any stage` rule this route is, by its index in
    /// [`Protocol::rule_routes`]: it leaves a [`Node::AnyStage`].
    pub fn rule(&self) -> Option<usize> {
        match self.route? {
            RouteRef::Rule(r) => Some(r as usize),
            RouteRef::Own { .. } => None,
        }
    }

    /// Inherited from an `at any stage` rule.
    pub fn inherited(&self) -> bool {
        self.rule().is_some()
    }

    /// Routes for a child at immediate risk leave the disagreement process:
    /// they do not count towards how long the disagreement takes.
    pub fn counts_for_time(&self) -> bool {
        !self.immediate_risk
    }

    /// Whether the edge is a way on for a disagreement that is still
    /// unresolved: a discretionary route may or may not be taken, so it never
    /// is (issue 11; the worst case still counts it, as it may be taken).
    pub fn is_way_on(&self) -> bool {
        self.counts_for_time() && !self.discretionary
    }

    pub fn duration(&self) -> Worst {
        self.duration
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
    /// The graph of a protocol, linear in its size.
    ///
    /// A stage's own routes are edges from it (immediate risk) or from its
    /// decision (the rest). `at any stage` routes are not copied onto every
    /// stage: a rule covering a run of stages would make rules x stages
    /// edges (10,000 of each in a 1.9 MB file is 10^8). Each rule is
    /// attached instead to the few [`Node::AnyStage`] hubs of a segment tree
    /// over the stage indices whose segments make up the stages it covers
    /// ([`Protocol::inherited_by`]); a stage links to the nearest hub above
    /// its leaf, and each hub to the nearest hub above it. The routes a stage
    /// can follow through the hubs are exactly those it inherits, and a rule
    /// covering every stage is one edge, whatever the number of stages.
    pub fn build(protocol: &Protocol) -> EscalationGraph {
        let n = protocol.stages.len();
        // Two trees: routes for immediate risk leave the stage, the others its
        // decision. Each rule's segments, found first, so the graph is sized
        // to what it holds.
        let size = n.next_power_of_two();
        let trees = [true, false].map(|immediate| (immediate, Self::attached(protocol, immediate, size)));
        // Sized up front, exactly (a vector grown by doubling is up to half
        // room, and the edge list is the graph's largest): a node per stage,
        // decision, exit, outcome, start and hub; an edge from each stage to
        // its decision, per own route, per start, and per tree in use, one
        // per rule's segment, one from each hub up, one from each stage.
        let own_routes: usize = protocol.stages.iter().map(|s| s.routes.len()).sum();
        let hubs = |attached: &[(usize, usize)]| {
            attached.iter().zip(attached.iter().skip(1)).filter(|(a, b)| a.0 != b.0).count()
                + usize::from(!attached.is_empty())
        };
        let hub_nodes: usize = trees.iter().map(|(_, a)| hubs(a)).sum();
        let tree_edges: usize =
            trees.iter().filter(|(_, a)| !a.is_empty()).map(|(_, a)| a.len() + hubs(a) + n).sum();
        let starts_at_most = protocol.exceptions.len() + 1;
        let mut graph = DiGraph::with_capacity(
            2 * n + protocol.exits.len() + protocol.outcomes.len() + starts_at_most + hub_nodes,
            n + own_routes + starts_at_most + tree_edges,
        );
        let stages: Vec<NodeIndex> = (0..n).map(|i| graph.add_node(Node::Stage(StageIx(i)))).collect();
        let decisions: Vec<NodeIndex> = (0..n).map(|i| graph.add_node(Node::Decision(StageIx(i)))).collect();
        let exits: Vec<NodeIndex> =
            (0..protocol.exits.len()).map(|i| graph.add_node(Node::Exit(ExitIx(i)))).collect();
        let outcomes: Vec<NodeIndex> =
            (0..protocol.outcomes.len()).map(|i| graph.add_node(Node::Outcome(OutcomeIx(i)))).collect();
        let node_of = |target: Target| match target {
            Target::Stage(ix) => stages[ix.0],
            Target::Exit(ix) => exits[ix.0],
            Target::Outcome(ix) => outcomes[ix.0],
        };
        let route_edge = |route: &Route, at: RouteRef| Edge {
            route: Some(at),
            immediate_risk: route.condition == Condition::ImmediateRisk,
            duration: route.timescale.as_ref().map_or(Worst::ZERO, |t| Worst::of(t.bound())),
            discretionary: route.discretionary,
            implied: route.implied,
        };

        // From a pathway's start to its first stage: the steps before it
        // (`before the first stage:`), counted once, here.
        let before = |pathway: Pathway| {
            let end = protocol.before_end(pathway, &Count, Reach { at: WorkingDays(0), unbounded: false });
            Edge { duration: Worst { days: end.at, unbounded: end.unbounded }, ..Edge::step() }
        };
        let mut starts = Vec::new();
        if let Some((first, _)) = protocol.main_stages().next() {
            let start = graph.add_node(Node::Start(Pathway::Main));
            let edge = before(Pathway::Main);
            graph.add_edge(start, stages[first.0], edge);
            starts.push((Pathway::Main, start));
        }
        for (i, exception) in protocol.exceptions.iter().enumerate() {
            if let Some(target) = exception.start {
                let start = graph.add_node(Node::Start(Pathway::Exception(i)));
                let edge = before(Pathway::Exception(i));
                graph.add_edge(start, node_of(target), edge);
                starts.push((Pathway::Exception(i), start));
            }
        }
        for ix in (0..n).map(StageIx) {
            let stage = protocol.stage(ix);
            graph.add_edge(stages[ix.0], decisions[ix.0], Edge::step());
            for (index, route) in stage.routes.iter().enumerate() {
                let from = match route.condition {
                    Condition::ImmediateRisk => stages[ix.0],
                    _ => decisions[ix.0],
                };
                graph.add_edge(from, node_of(route.target), route_edge(route, RouteRef::own(ix, index)));
            }
        }

        for (immediate, attached) in trees {
            if attached.is_empty() {
                continue;
            }
            let mut hub: Vec<Option<NodeIndex>> = vec![None; 2 * size];
            for &(segment, r) in &attached {
                let at = *hub[segment].get_or_insert_with(|| graph.add_node(Node::AnyStage));
                let route = &protocol.rule_routes[r].item;
                graph.add_edge(at, node_of(route.target), route_edge(route, RouteRef::rule(r)));
            }
            let above = |mut segment: usize| {
                while segment > 1 {
                    segment >>= 1;
                    if let Some(h) = hub[segment] {
                        return Some(h);
                    }
                }
                None
            };
            for (segment, h) in hub.iter().enumerate().skip(1) {
                if let (Some(h), Some(up)) = (*h, above(segment)) {
                    graph.add_edge(h, up, Edge::link(immediate));
                }
            }
            for i in 0..n {
                let from = if immediate { stages[i] } else { decisions[i] };
                if let Some(h) = hub[size + i].or_else(|| above(size + i)) {
                    graph.add_edge(from, h, Edge::link(immediate));
                }
            }
        }
        EscalationGraph { graph, stages, decisions, exits, outcomes, starts }
    }

    /// The segments of the tree over `size` leaves that each `at any stage`
    /// route for immediate risk (or, with `immediate` false, each other one)
    /// is attached to, as (segment, rule), by segment, then in the order the
    /// rules are written.
    fn attached(protocol: &Protocol, immediate: bool, size: usize) -> Vec<(usize, usize)> {
        let mut attached: Vec<(usize, usize)> = Vec::new();
        for (r, rule) in protocol.rule_routes.iter().enumerate() {
            if (rule.condition == Condition::ImmediateRisk) != immediate {
                continue;
            }
            for range in protocol.inherited_by(rule) {
                // The segments that make up the range, bottom up.
                let (mut lo, mut hi) = (range.start + size, range.end + size);
                while lo < hi {
                    if lo & 1 == 1 {
                        attached.push((lo, r));
                        lo += 1;
                    }
                    if hi & 1 == 1 {
                        hi -= 1;
                        attached.push((hi, r));
                    }
                    lo >>= 1;
                    hi >>= 1;
                }
            }
        }
        attached.sort_unstable();
        attached
    }

    /// The `at any stage` routes a stage inherits, leaving `from` (the stage
    /// for immediate risk, its decision for the rest), in no set order:
    /// through the hubs above it.
    pub fn inherited_from(&self, from: NodeIndex) -> impl Iterator<Item = EdgeReference<'_, Edge>> {
        let mut hubs: Vec<NodeIndex> =
            self.graph.neighbors(from).filter(|&h| self.graph[h] == Node::AnyStage).collect();
        let mut edges = Vec::new();
        while let Some(h) = hubs.pop() {
            for e in self.graph.edges(h) {
                if self.graph[e.target()] == Node::AnyStage {
                    hubs.push(e.target());
                } else {
                    edges.push(e);
                }
            }
        }
        edges.into_iter()
    }

    /// Per stage, the first `at any stage` route it inherits (by its index
    /// in [`Protocol::rule_routes`], so in the order written) that `keep`
    /// accepts: one pass over the hubs, however many stages share them,
    /// where asking [`Self::inherited_from`] of each stage would walk every
    /// rule once per stage.
    pub fn first_inherited(&self, keep: impl Fn(usize) -> bool) -> Vec<Option<usize>> {
        // Hubs are reached from below, so an answer is known once the hubs
        // above are; they are few levels (the tree's height), so recursion is shallow.
        fn at_hub(
            g: &EscalationGraph,
            h: NodeIndex,
            keep: &dyn Fn(usize) -> bool,
            memo: &mut [Option<Option<usize>>],
        ) -> Option<usize> {
            if let Some(known) = memo[h.index()] {
                return known;
            }
            let mut found: Option<usize> = None;
            for e in g.graph.edges(h) {
                let candidate = if g.graph[e.target()] == Node::AnyStage {
                    at_hub(g, e.target(), keep, memo)
                } else {
                    e.weight().rule().filter(|&r| keep(r))
                };
                found = earlier(found, candidate);
            }
            memo[h.index()] = Some(found);
            found
        }
        fn earlier(a: Option<usize>, b: Option<usize>) -> Option<usize> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        let mut memo = vec![None; self.graph.node_count()];
        (0..self.stages.len())
            .map(|i| {
                let mut found = None;
                for from in [self.stages[i], self.decisions[i]] {
                    for h in self.graph.neighbors(from) {
                        if self.graph[h] == Node::AnyStage {
                            found = earlier(found, at_hub(self, h, &keep, &mut memo));
                        }
                    }
                }
                found
            })
            .collect()
    }

    /// Per stage, the first of its routes that `keep` accepts, in the order
    /// [`Protocol::routes_of`] gives (its own, then the inherited ones as
    /// written), for all stages at once through [`Self::first_inherited`].
    pub fn first_route<'p>(&self, p: &'p Protocol, keep: impl Fn(&Route) -> bool) -> Vec<Option<&'p Route>> {
        let inherited = self.first_inherited(|r| keep(&p.rule_routes[r]));
        p.stages
            .iter()
            .zip(inherited)
            .map(|(stage, rule)| {
                stage.routes.iter().find(|r| keep(r)).or(rule.map(|r| &p.rule_routes[r].item))
            })
            .collect()
    }

    /// The stage, exit or outcome a node stands for (`None` for a start; a
    /// decision stands for its stage).
    pub fn target(&self, node: NodeIndex) -> Option<Target> {
        match self.graph[node] {
            Node::Start(_) | Node::AnyStage => None,
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
        self.reach_of(Pathway::Main)
    }

    /// Nodes on a pathway: reachable from its start by routes that count
    /// for time.
    pub fn reach_of(&self, pathway: Pathway) -> Vec<bool> {
        let starts: Vec<NodeIndex> = self.starts.iter().filter(|s| s.0 == pathway).map(|s| s.1).collect();
        self.search(&starts, Direction::Outgoing, Edge::counts_for_time)
    }

    /// Where a pathway begins, if it begins anywhere.
    pub fn start_of(&self, pathway: Pathway) -> Option<NodeIndex> {
        self.starts.iter().find(|s| s.0 == pathway).map(|s| s.1)
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
    /// Per node: the working days a stage itself takes from its latest
    /// start, when that part is bounded (the timeline's and the diagram's
    /// figure for the stage).
    pub took: Vec<Option<WorkingDays>>,
    /// Per node: how many nodes the `via` chain passes to reach it (to tell
    /// the furthest of equally long routes).
    pub depth: Vec<u32>,
    /// The strongly connected components with more than one node or a loop.
    pub cycles: Vec<Vec<NodeIndex>>,
    /// Which points every route from the main pathway's start passes.
    dominators: Option<Passed>,
    /// Per node: on the main pathway.
    main: Vec<bool>,
}

/// For each stage some timescale counts from (an anchor, the first stage
/// of a `stages ... within` bound), the nodes the main pathway's start
/// reaches without passing it: a point dominates a node exactly when the node
/// is not among them. One search per such point, computed once; a protocol
/// names few (a general dominator tree, by the simple iterative algorithm,
/// took time quadratic in a long ladder).
#[derive(Debug, Default)]
struct Passed {
    avoiding: std::collections::HashMap<NodeIndex, Vec<bool>>,
}

impl Passed {
    fn of(p: &Protocol, g: &EscalationGraph, root: NodeIndex) -> Passed {
        let mut points: Vec<NodeIndex> = Vec::new();
        for stage in &p.stages {
            let froms =
                stage.within.iter().filter_map(|w| w.from).chain(stage.steps.iter().filter_map(|s| s.from));
            for from in froms {
                if let From::Stage { stage, .. } = from {
                    points.push(g.stage_node(stage));
                }
            }
        }
        points.extend(p.spans.iter().filter_map(|s| s.stages.first()).map(|&ix| g.stage_node(ix)));
        points.sort_unstable();
        points.dedup();
        let mut avoiding = std::collections::HashMap::new();
        for point in points {
            let mut seen = vec![false; g.graph.node_count()];
            if root != point {
                seen[root.index()] = true;
                let mut queue = VecDeque::from([root]);
                while let Some(n) = queue.pop_front() {
                    for e in g.graph.edges(n) {
                        let next = e.target();
                        if e.weight().counts_for_time() && next != point && !seen[next.index()] {
                            seen[next.index()] = true;
                            queue.push_back(next);
                        }
                    }
                }
            }
            avoiding.insert(point, seen);
        }
        Passed { avoiding }
    }

    /// Whether every way from the root to `node` passes `point` (`point` ≠ `node`).
    fn dominates(&self, point: NodeIndex, node: NodeIndex) -> bool {
        point != node && self.avoiding.get(&point).is_some_and(|reached| !reached[node.index()])
    }
}

/// See [`Timing::passes`]. Outside the main pathway (an exception's own
/// stages) a point is taken as passed, as escalate always counted them.
fn passes(d: Option<&Passed>, main: &[bool], node: NodeIndex, point: NodeIndex) -> bool {
    match d {
        Some(d) if main[node.index()] => d.dominates(point, node),
        _ => true,
    }
}

impl Timing {
    /// One pass over the strongly connected components in topological order.
    /// A stage ends when [`Stage::end`](crate::model::Stage::end) says,
    /// counted on [`Count`] from its latest start, and no later than any
    /// `stages ... within` bound over it allows.
    pub fn compute(protocol: &Protocol, g: &EscalationGraph) -> Timing {
        Timing::compute_for(protocol, g, Pathway::Main)
    }

    /// [`Timing::compute`] for one pathway of equal standing
    /// ([`Protocol::pathways`]): time on it comes only from it, and points
    /// elsewhere are known where every route from its start passes them.
    pub fn compute_for(protocol: &Protocol, g: &EscalationGraph, pathway: Pathway) -> Timing {
        let n = g.graph.node_count();
        let counted = EdgeFiltered::from_fn(&g.graph, |e| e.weight().counts_for_time());
        // Kosaraju returns components in reverse topological order. Kept
        // flat, in topological order: every node, and where each component
        // begins (most components are one node, and a vector each was 200,000
        // allocations on synth 100k, 9 MB held through the pass; issue 27).
        let (order, bounds) = {
            let components = kosaraju_scc(&counted);
            let mut order = Vec::with_capacity(n);
            let mut bounds = Vec::with_capacity(components.len() + 1);
            for component in components.iter().rev() {
                bounds.push(order.len());
                order.extend_from_slice(component);
            }
            bounds.push(order.len());
            (order, bounds)
        };
        let components = bounds.windows(2).map(|b| &order[b[0]..b[1]]);

        // Time on the main pathway comes only from the main pathway: an
        // exception that rejoins the ladder must not lengthen it.
        let main = g.reach_of(pathway);
        let mut start = vec![Worst::ZERO; n];
        let mut finish = vec![Worst::ZERO; n];
        let mut via = vec![None; n];
        let mut in_cycle = vec![false; n];
        let mut open = vec![false; n];
        let mut took = vec![None; n];
        // Per node, the runs still bounded and the runs without a bound, apart.
        let mut start_split = vec![Split::NONE; n];
        let mut finish_split = vec![Split::NONE; n];
        let mut depth = vec![0u32; n];
        let mut cycles = Vec::new();
        let mut component_of = vec![usize::MAX; n];
        for (c, component) in components.clone().enumerate() {
            for node in component {
                component_of[node.index()] = c;
            }
        }
        let reach = |w: Worst| Reach { at: w.days, unbounded: w.unbounded };
        // A point elsewhere (a stage a timescale counts from, the first stage
        // of a `stages ... within` bound) is known for a stage only when every
        // route to it passes that point: a run that went round it would be
        // counted from a point it never reached.
        let dominators = g.start_of(pathway).map(|s| Passed::of(protocol, g, s));
        let passes = |node: NodeIndex, point: NodeIndex| passes(dominators.as_ref(), &main, node, point);
        for (c, component) in components.enumerate() {
            let looped = component.len() > 1
                || g.graph.edges_connecting(component[0], component[0]).any(|e| e.weight().counts_for_time());
            if looped {
                for &node in component {
                    in_cycle[node.index()] = true;
                }
            }
            for &node in component {
                let mut split = Split::NONE;
                let mut best: Option<Worst> = None;
                for e in g.graph.edges_directed(node, Direction::Incoming) {
                    // Edges inside this component are not finished yet; a cycle is unbounded anyway.
                    if !e.weight().counts_for_time()
                        || component_of[e.source().index()] == c
                        || main[node.index()] && !main[e.source().index()]
                    {
                        continue;
                    }
                    let through = finish_split[e.source().index()].then(e.weight().duration());
                    let time = through.merged();
                    if best.is_none_or(|b| more_days(time, b)) {
                        via[node.index()] = Some(e.id());
                        // A hub is no step of a route: what it leads to is one step on.
                        let step = u32::from(g.graph[node] != Node::AnyStage);
                        depth[node.index()] = depth[e.source().index()].saturating_add(step);
                        best = Some(time);
                    }
                    split = split.max(through);
                }
                if split == Split::NONE {
                    // A pathway's start, or a node nothing counted leads to.
                    split = Split::ZERO;
                }
                let arrival = split.merged();
                start[node.index()] = arrival;
                let mut end = split;
                if let Node::Stage(ix) = g.graph[node] {
                    // A point is known once its component is done (or it is this stage's start).
                    let known = |other: NodeIndex| component_of[other.index()] < c && passes(node, other);
                    // Runs still bounded here were bounded at every point
                    // before (a bound, once lost, is never found again on a
                    // run): they count from those points' bounded times.
                    let point = |at: NodeIndex, which: Point, bounded: bool| -> Option<Reach<WorkingDays>> {
                        let times = if which == Point::Start { &start_split } else { &finish_split };
                        let t = times[at.index()];
                        if bounded {
                            t.bounded.map(|d| Reach { at: d, unbounded: false })
                        } else {
                            Some(reach(t.merged()))
                        }
                    };
                    let eval = |from: Reach<WorkingDays>| {
                        let bounded = !from.unbounded;
                        let anchor = |f: From| -> Option<Reach<WorkingDays>> {
                            match f {
                                From::Disagreement => Some(Reach { at: WorkingDays(0), unbounded: false }),
                                From::Stage { stage: other, point: which } => {
                                    let at = g.stage_node(other);
                                    if at == node && which == Point::Start {
                                        return Some(from);
                                    }
                                    if !known(at) {
                                        return None;
                                    }
                                    point(at, which, bounded)
                                }
                                From::Step { .. } => None,
                            }
                        };
                        let entry = |span: &crate::model::StageSpan| {
                            let first = g.stage_node(*span.stages.first()?);
                            if !known(first) {
                                return None;
                            }
                            point(first, Point::Start, bounded)
                        };
                        protocol.stage_end(ix, &Count, from, &anchor, &entry)
                    };
                    end = Split::NONE;
                    if let Some(b) = split.bounded {
                        end = end.max(Split::of(eval(Reach { at: b, unbounded: false })));
                    }
                    if let Some(o) = split.open {
                        end = end.max(Split::of(eval(Reach { at: o, unbounded: true })));
                    }
                    // The stage's own part: from its latest start, as if that were known.
                    let part = eval(Reach { at: arrival.days, unbounded: false });
                    open[node.index()] = part.unbounded;
                    took[node.index()] =
                        (!part.unbounded).then(|| WorkingDays(part.at.0 - arrival.days.0.min(part.at.0)));
                }
                if looped {
                    end = Split { bounded: None, open: Some(end.merged().days) };
                }
                start_split[node.index()] = split;
                finish_split[node.index()] = end;
                finish[node.index()] = end.merged();
            }
            if looped {
                cycles.push(component.to_vec());
            }
        }
        Timing { start, finish, via, in_cycle, open, took, depth, cycles, dominators, main }
    }

    /// Whether every route from the main pathway's start to `node` passes
    /// `point`: only then is a time counted from `point` (an anchor, the
    /// first stage of a `stages ... within` bound) known at `node`.
    pub fn passes(&self, node: NodeIndex, point: NodeIndex) -> bool {
        passes(self.dominators.as_ref(), &self.main, node, point)
    }

    /// The worst-case route to `node`, from its pathway's start: the nodes in
    /// order, leaving out the [`Node::AnyStage`] hubs it passes.
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
        route.retain(|&n| g.graph[n] != Node::AnyStage);
        route
    }
}

/// The time to a point, kept apart for the runs still bounded there and the
/// runs that are not: a stage's `within` and its steps, a deadline counted
/// from another stage, weigh a bounded run's time against that run's own
/// points, never against another run's lack of bound (which one merged
/// figure would mix in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Split {
    /// The latest time of the runs that are bounded here.
    bounded: Option<WorkingDays>,
    /// The most the runs with no bound here are known to take.
    open: Option<WorkingDays>,
}

impl Split {
    const NONE: Split = Split { bounded: None, open: None };
    const ZERO: Split = Split { bounded: Some(WorkingDays(0)), open: None };

    fn of(r: Reach<WorkingDays>) -> Split {
        if r.unbounded {
            Split { bounded: None, open: Some(r.at) }
        } else {
            Split { bounded: Some(r.at), open: None }
        }
    }

    fn max(self, other: Split) -> Split {
        let later = |a: Option<WorkingDays>, b: Option<WorkingDays>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Split { bounded: later(self.bounded, other.bounded), open: later(self.open, other.open) }
    }

    /// Along a route that takes `d`.
    fn then(self, d: Worst) -> Split {
        let plus = |x: Option<WorkingDays>| x.map(|x| x + d.days);
        if d.unbounded {
            Split { bounded: None, open: plus(self.bounded).max(plus(self.open)) }
        } else {
            Split { bounded: plus(self.bounded), open: plus(self.open) }
        }
    }

    /// As one figure: the most any run is known to take, unbounded if any is.
    fn merged(self) -> Worst {
        let days = self.bounded.max(self.open).unwrap_or_default();
        Worst { days, unbounded: self.open.is_some() }
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
        assert!(out.contains(&Node::AnyStage), "the shared `at any stage` routes");
        assert_eq!(out.len(), 2);
        let inherited: Vec<Node> = g.inherited_from(one).map(|e| g.graph[e.target()]).collect();
        assert_eq!(inherited, [Node::Exit(ExitIx(0))], "immediate risk leaves the stage itself");
        assert!(g.inherited_from(decision).next().is_none());
        let from_decision: Vec<Node> = g.graph.neighbors(decision).map(|n| g.graph[n]).collect();
        assert!(from_decision.contains(&Node::Stage(StageIx(1))));
        assert!(from_decision.contains(&Node::Outcome(OutcomeIx(0))));
    }

    #[test]
    fn the_worst_case_adds_stages_and_route_times_in_one_pass() {
        let (p, g) = graph(LADDER);
        // Stage 1 (2) + route (1) + stage 2 (3).
        let t = stage_2_is_reached_by_way_of_stage_1_at_worst(&p, &g, 6);
        assert!(t.cycles.is_empty());
    }

    /// `at any stage` rules of every scope, targets inside and outside their
    /// scope, over a main ladder and two exceptions.
    fn many_rules(stages: usize, rules: usize) -> String {
        let mut text = String::from("protocol \"p\"\nexit mash \"MASH\"\noutcome agreed \"Agreed\"\n");
        for r in 0..rules {
            let scope = match r % 5 {
                0 => String::new(),
                1 => format!(" from stage {} onwards", 1 + r % stages),
                2 => " of the main ladder".to_string(),
                3 => " of e1 and e2".to_string(),
                _ => " of the main ladder and e2".to_string(),
            };
            let target = match r % 4 {
                0 => "mash".to_string(),
                1 => "agreed".to_string(),
                _ => format!("stage {}", 1 + (r * 7) % stages),
            };
            let condition = if r % 6 == 0 { "immediate risk".to_string() } else { format!("if \"c{r}\"") };
            text.push_str(&format!("at any stage{scope}: {condition} -> {target}\n"));
        }
        for i in 1..=stages {
            text.push_str(&format!(
                "stage {i} \"S\" {{ within 1 working day unresolved -> stage {} }}\n",
                i % stages + 1
            ));
        }
        for e in 1..=2 {
            text.push_str(&format!("exception e{e} \"E\" {{ start -> stage e{e}-1\n"));
            for k in 1..=stages / 4 {
                text.push_str(&format!(
                    "  stage e{e}-{k} \"X\" {{ within 1 working day resolved -> agreed }}\n"
                ));
            }
            text.push_str("}\n");
        }
        text
    }

    #[test]
    fn at_any_stage_routes_are_shared_not_copied_onto_every_stage() {
        let (p, g) = graph(&many_rules(300, 300));
        assert_eq!(p.rule_routes.len(), 300);
        let (stages, rules) = (p.stages.len(), p.rule_routes.len());
        // Copied onto every stage, they were about stages x rules edges.
        assert!(
            g.graph.edge_count() < 8 * (stages + rules),
            "{} edges for {stages} stages and {rules} rules",
            g.graph.edge_count()
        );
        // Through the hubs, each stage reaches exactly the routes it inherits.
        for (ix, _) in p.stages_with_ix() {
            let mut want: Vec<usize> = p.routes_of(ix).filter_map(|(_, rule)| rule).collect();
            let mut got: Vec<usize> = [g.stages[ix.0], g.decisions[ix.0]]
                .into_iter()
                .flat_map(|n| g.inherited_from(n).filter_map(|e| e.weight().rule()).collect::<Vec<_>>())
                .collect();
            got.sort_unstable();
            assert_eq!(got, want, "stage {}", p.stage(ix).display_id());
            // And the first of a kind is the first written.
            want.retain(|&r| p.rule_routes[r].condition != Condition::ImmediateRisk);
            let first = g.first_inherited(|r| p.rule_routes[r].condition != Condition::ImmediateRisk);
            assert_eq!(first[ix.0], want.first().copied());
        }
    }

    #[test]
    fn an_inherited_route_to_a_stage_never_loops_on_that_stage() {
        // Stage 2 is the last: `at any stage: unresolved -> stage 2` gives
        // stage 1 a way there and stage 2 nothing, so no cycle.
        let (p, g) = graph(
            "protocol \"p\"
at any stage: unresolved -> stage 2
stage 1 \"One\" { within 1 working day }
stage 2 \"Two\" { within 2 working days final decision }
",
        );
        let t = stage_2_is_reached_by_way_of_stage_1_at_worst(&p, &g, 3);
        assert!(t.cycles.is_empty(), "{:?}", t.cycles);
    }

    /// The second stage ends on day `days` at worst, reached from the start through the first.
    fn stage_2_is_reached_by_way_of_stage_1_at_worst(p: &Protocol, g: &EscalationGraph, days: u64) -> Timing {
        let t = Timing::compute(p, g);
        assert_eq!(
            t.finish[g.stages[1].index()],
            Worst { days: crate::timescale::WorkingDays(days), unbounded: false }
        );
        let route: Vec<Node> = t.worst_route(g, g.stages[1]).into_iter().map(|n| g.graph[n]).collect();
        assert_eq!(
            route,
            [
                Node::Start(Pathway::Main),
                Node::Stage(StageIx(0)),
                Node::Decision(StageIx(0)),
                Node::Stage(StageIx(1))
            ]
        );
        t
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
