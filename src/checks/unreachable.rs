//! `unreachable`: a stage, exit or outcome that no route reaches from the
//! start of any pathway.

use super::{Context, stage_name};
use crate::diagnostic::{Code, Finding};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let reached = g.reachable_from_starts();
    let mut findings = Vec::new();
    for (ix, stage) in p.stages_with_ix() {
        if !reached[g.stage_node(ix).index()] {
            findings.push(
                Finding::new(Code::Unreachable, format!("{} is never reached", stage_name(stage)))
                    .at(stage.head, "no route leads here")
                    .help(format!(
                        "add a route to it from the stage before (e.g. `unresolved -> {}`), or remove it",
                        stage.display_id()
                    ))
                    .stage(stage.id.clone()),
            );
        }
    }
    for (exit, node) in p.exits.iter().zip(&g.exits) {
        if !reached[node.index()] {
            findings.push(
                Finding::new(Code::Unreachable, format!("exit `{}` is never used", exit.name))
                    .at(exit.span, "no route leads here")
                    .help(format!(
                        "route to it, e.g. `at any stage: immediate risk -> {}`, or remove it",
                        exit.name
                    )),
            );
        }
    }
    for (outcome, node) in p.outcomes.iter().zip(&g.outcomes) {
        if !reached[node.index()] {
            findings.push(
                Finding::new(Code::Unreachable, format!("outcome `{}` is never reached", outcome.name))
                    .at(outcome.span, "no route leads here")
                    .help(format!("route to it, e.g. `resolved -> {}`, or remove it", outcome.name)),
            );
        }
    }
    findings
}
