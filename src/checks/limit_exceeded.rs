//! `limit-exceeded`: the protocol's overall limit, or a stage's stated
//! cumulative duration, is shorter than the worst case computed over the
//! graph (one pass in topological order, see `graph::Timing`).

use super::{Context, is_end, source_says};
use crate::diagnostic::{Code, Finding};
use crate::graph::Node;
use crate::timescale::{WorkingDays, Worst};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let t = cx.timing;
    let mut findings = Vec::new();

    if let Some(limit) = &p.limit
        && let Some(bound) = limit.timescale.bound()
    {
        // The latest end of the main pathway: its outcomes, exits reached by
        // ordinary routes, and final authorities.
        let worst = g
            .graph
            .node_indices()
            .filter(|n| cx.main[n.index()] && is_end(p, g.graph[*n]))
            .max_by_key(|n| (t.finish[n.index()].days, std::cmp::Reverse(n.index())));
        if let Some(end) = worst
            && t.finish[end.index()].days > bound
        {
            let route = route_text(cx, end);
            findings.push(
                Finding::new(
                    Code::LimitExceeded,
                    format!(
                        "the worst case takes {}, longer than the protocol's limit of {bound}",
                        at_least(t.finish[end.index()])
                    ),
                )
                .at(limit.timescale.span, format!("limit of {bound}"))
                .help(format!(
                    "the longest route is {route}; shorten its stages or state the limit the stages add up to{}",
                    source_says(&limit.quotes)
                )),
            );
        }
    }

    for (ix, stage) in p.stages_with_ix() {
        let Some(cumulative) = &stage.cumulative else { continue };
        let Some(stated) = cumulative.timescale.bound() else { continue };
        let node = g.stage_node(ix);
        let computed = t.finish[node.index()];
        if computed.days > stated {
            findings.push(
                Finding::new(
                    Code::LimitExceeded,
                    format!(
                        "`{}` is stated to end by {stated} in all, but its stages take {}",
                        stage.display_id(),
                        at_least(computed)
                    ),
                )
                .at(cumulative.timescale.span, format!("stated: {stated}"))
                .help(format!(
                    "the longest route here is {}; correct the stated total or the stages' timescales{}",
                    route_text(cx, node),
                    source_says(&cumulative.quotes)
                ))
                .stage(stage.id.clone()),
            );
        }
    }
    findings
}

fn at_least(w: Worst) -> String {
    if w.unbounded { format!("at least {}", w.days) } else { w.days.to_string() }
}

/// `stage 1 (5) -> stage 2 (7)`: the worst route with running totals.
fn route_text(cx: &Context, end: petgraph::graph::NodeIndex) -> String {
    let p = cx.protocol;
    let steps: Vec<String> = cx
        .timing
        .worst_route(cx.graph, end)
        .into_iter()
        .filter_map(|n| {
            let WorkingDays(days) = cx.timing.finish[n.index()].days;
            match cx.graph.graph[n] {
                Node::Stage(ix) => Some(format!("`{}` (by day {days})", p.stage(ix).display_id())),
                Node::Outcome(ix) => Some(format!("`{}` (day {days})", p.outcomes[ix.0].name)),
                Node::Exit(ix) => Some(format!("`{}` (day {days})", p.exits[ix.0].name)),
                Node::Start(_) | Node::Decision(_) => None,
            }
        })
        .collect();
    steps.join(" → ")
}
