//! `missing-immediate-risk-exit`: a stage from which a child at immediate
//! risk has no route to an immediate exit (its own or inherited), and any
//! immediate-risk route whose exit is not immediate.

use super::{Context, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::model::{Condition, Protocol, Route, Target};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut findings = Vec::new();
    // A route `for` one agency, party or group of children leaves the others without one.
    let risk = cx.graph.first_route(p, |r| r.condition == Condition::ImmediateRisk && r.for_whom.is_none());
    let to_exit = cx.graph.first_route(p, |r| matches!(r.target, Target::Exit(_)));
    // An instruction printed on every page ("Call 999 ...") is tied to no
    // stage: it is no stage's route unless the writer says it `counts as` one.
    let instruction = p.instructions.iter().find(|i| {
        !i.counts_as
            .iter()
            .any(|&r| p.rule_routes.get(r).is_some_and(|r| r.condition == Condition::ImmediateRisk))
    });
    let help = match instruction {
        None => "a child at immediate risk cannot wait for the disagreement to be settled: add \
                 `immediate risk -> <exit>` here, or `at any stage: immediate risk -> <exit>` once for all stages"
            .to_string(),
        Some(i) => format!(
            "a child at immediate risk cannot wait for the disagreement to be settled: add \
             `immediate risk -> <exit>` here, or `at any stage: immediate risk -> <exit>` once for all stages; \
             the instruction `{}` is tied to no stage, so it is not counted: if the document means it as \
             every stage's route, write `counts as immediate risk -> <exit>` under it",
            i.text.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
    };
    for (ix, stage) in p.stages_with_ix() {
        if risk[ix.0].is_none() {
            // A stage may show an exit that is taken for another reason (an
            // `if "..."` route): say so, so the finding does not seem to deny
            // the exit drawn beside the stage.
            let (message, label) = match to_exit[ix.0] {
                Some(route) => (
                    format!(
                        "{} has no route for a child at immediate risk: its exit `{}` is for another condition",
                        stage_name(stage),
                        p.target_name(route.target)
                    ),
                    format!("`{}` is not for a child at immediate risk", p.target_name(route.target)),
                ),
                None => (
                    format!("{} has no route for a child at immediate risk", stage_name(stage)),
                    "no `immediate risk ->` route".to_string(),
                ),
            };
            findings.push(
                Finding::new(Code::MissingImmediateRiskExit, message)
                    .at(stage.head, label)
                    .help(help.clone())
                    .stage(stage.id.clone())
                    .grouped("{n} stages have no route for a child at immediate risk"),
            );
        }
        for route in &stage.routes {
            if let Some(f) = not_immediate(p, route) {
                findings.push(f.stage(stage.id.clone()));
            }
        }
    }
    findings.extend(p.rule_routes.iter().filter_map(|r| not_immediate(p, r)));
    findings
}

/// An immediate-risk route whose exit (or the route itself) is not immediate.
fn not_immediate(p: &Protocol, route: &Route) -> Option<Finding> {
    if route.condition != Condition::ImmediateRisk {
        return None;
    }
    let route_is_immediate = route.timescale.as_ref().is_some_and(|t| t.is_immediate());
    let (target_is_immediate, what) = match route.target {
        Target::Exit(ix) => {
            let exit = &p.exits[ix.0];
            match &exit.timescale {
                Some(t) if t.is_immediate() => (true, String::new()),
                Some(t) => (false, format!("exit `{}` takes `{t}`", exit.name)),
                None => (false, format!("exit `{}` has no timescale", exit.name)),
            }
        }
        target => (false, format!("`{}` is not an exit", p.target_name(target))),
    };
    if route_is_immediate || target_is_immediate {
        return None;
    }
    Some(
        Finding::new(
            Code::MissingImmediateRiskExit,
            format!("the route for a child at immediate risk is not immediate: {what}"),
        )
        .at(route.span, "not immediate")
        .help(
            "the way out for a child at immediate risk must act at once: give the exit a timescale of \
             `immediately`, `same working day` or at most `24 hours`",
        ),
    )
}
