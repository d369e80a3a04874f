//! `no-way-out`: a cycle of routes from which no outcome, final authority or
//! exit can be reached.

use petgraph::Direction;

use super::Context;
use crate::diagnostic::{Code, Finding};
use crate::graph::Node;

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    // Ends of a disagreement: outcomes, exits and final authorities.
    let ends: Vec<_> = g
        .graph
        .node_indices()
        .filter(|&n| match g.graph[n] {
            Node::Outcome(_) | Node::Exit(_) => true,
            Node::Stage(ix) => p.stage(ix).final_authority.is_some(),
            Node::Start(_) => false,
        })
        .collect();
    let can_end = g.search(&ends, Direction::Incoming, |e| e.counts_for_time());
    let mut findings = Vec::new();
    for cycle in &cx.timing.cycles {
        if cycle.iter().any(|n| can_end[n.index()]) {
            continue;
        }
        let mut stages: Vec<_> = cycle
            .iter()
            .filter_map(|&n| match g.graph[n] {
                Node::Stage(ix) => Some(ix),
                _ => None,
            })
            .collect();
        stages.sort();
        let Some(&first) = stages.first() else { continue };
        let names: Vec<String> =
            stages.iter().take(6).map(|&ix| format!("`{}`", p.stage(ix).display_id())).collect();
        let more = if stages.len() > 6 { format!(" and {} more", stages.len() - 6) } else { String::new() };
        let stage = p.stage(first);
        findings.push(
            Finding::new(
                Code::NoWayOut,
                format!("{}{more} route into each other and never reach an outcome", names.join(", ")),
            )
            .at(stage.head, "this stage is in the cycle")
            .help(
                "a disagreement caught here goes round for ever: give one of these stages a route to a more \
                 senior stage, an outcome, or a final authority",
            )
            .stage(stage.id.clone()),
        );
    }
    findings
}
