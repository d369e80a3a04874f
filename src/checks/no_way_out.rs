//! `no-way-out`: a cycle of routes from which no outcome, final authority or
//! exit can be reached.

use super::Context;
use crate::diagnostic::{Code, Finding};
use crate::graph::Node;

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let mut findings = Vec::new();
    for cycle in &cx.timing.cycles {
        if cycle.iter().any(|n| cx.can_end[n.index()]) {
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
