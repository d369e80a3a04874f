//! `limit-exceeded`: the protocol's overall limit, or a stage's stated
//! cumulative duration, is shorter than the worst case computed over the
//! graph (one pass in topological order, see `graph::Timing`).

use petgraph::visit::EdgeRef;

use super::{Context, source_says};
use crate::diagnostic::{Code, Finding, Severity};
use crate::graph::Node;
use crate::timescale::{WorkingDays, Worst};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let mut findings = Vec::new();

    // The limit holds on every pathway of equal standing.
    for &case in cx.cases.iter().filter(|_| p.limit.is_some()) {
        let Some(limit) = &p.limit else { continue };
        let Some(bound) = limit.timescale.bound() else { continue };
        // The one worst case every view shows (`analysis::WorstCase`).
        let worst = case.worst.worst;
        let stated = limit.timescale.stated().unwrap_or_else(|| bound.to_string());
        let whose = if cx.cases.len() > 1 {
            format!("the worst case of pathway `{}`", p.pathway_name(case.pathway))
        } else {
            "the worst case".to_string()
        };
        if worst.days > bound {
            let route = route_text(cx, case, case.worst.end);
            let advisory = p.is_advisory(&limit.timescale);
            let (kind, why) = if advisory {
                ("advisory limit", "; the protocol only advises this limit, so this is a warning")
            } else {
                ("limit", "")
            };
            let mut finding = Finding::new(
                Code::LimitExceeded,
                format!("{whose} takes {}, longer than the protocol's {kind} of {stated}", at_least(worst)),
            )
            .at(limit.timescale.span, format!("{kind} of {stated}"))
            .help(format!(
                "the longest route is {route}; shorten its stages or state the limit the stages add up to{why}{}",
                source_says(&limit.quotes)
            ));
            if advisory {
                finding.severity = Severity::Warning;
            }
            findings.push(finding);
        }
    }

    for (ix, stage) in p.stages_with_ix() {
        let Some(cumulative) = &stage.cumulative else { continue };
        let Some(bound) = cumulative.timescale.bound() else { continue };
        let stated = cumulative.timescale.stated().unwrap_or_else(|| bound.to_string());
        let node = g.stage_node(ix);
        let computed = cx.analysis.stage_finish(ix);
        // The stage's own pathway's timing, where it is one of equal standing.
        let case = cx.cases.iter().find(|c| c.reach[node.index()]).copied().unwrap_or(cx.cases[0]);
        if computed.days > bound {
            let mut finding = Finding::new(
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
                route_text(cx, case, node),
                source_says(&cumulative.quotes)
            ))
            .stage(stage.id.clone());
            if p.is_advisory(&cumulative.timescale) {
                finding.severity = Severity::Warning;
            }
            findings.push(finding);
        }
    }

    // A stage whose own steps overrun its `within`: escalate counts the
    // `within`, a reader following the steps is late. Reported here, as the
    // bound over several stages is, because it is the same contradiction: a
    // stated bound that its parts add up past.
    for (_, stage) in p.stages_with_ix() {
        let Some(within) = &stage.within else { continue };
        let (Some(bound), None) = (within.timescale.bound(), within.from) else { continue };
        if !stage.steps.iter().any(|s| s.counts_for_time()) {
            continue;
        }
        let start = crate::model::Reach { at: WorkingDays(0), unbounded: false };
        let (steps, _) = stage.steps_end(&crate::timescale::Count, start, &|_| None);
        if steps.unbounded || steps.at <= bound {
            continue;
        }
        let stated = within.timescale.stated().unwrap_or_else(|| bound.to_string());
        let mut finding = Finding::new(
            Code::LimitExceeded,
            format!(
                "the steps of `{}` take {}, longer than its `within` of {stated}",
                stage.display_id(),
                steps.at
            ),
        )
        .at(within.timescale.span, format!("{stated} for the stage"))
        .help(format!(
            "escalate counts the stage's `within` ({stated}), but a reader who follows each step's own timescale will overrun it: shorten the steps or correct the stage's timescale{}",
            source_says(&within.quotes)
        ))
        .stage(stage.id.clone());
        if p.is_advisory(&within.timescale) {
            finding.severity = Severity::Warning;
        }
        findings.push(finding);
    }

    // A step whose deadline, counted from a point in the stage, comes before
    // the bounded steps ahead of it end: escalate holds the deadline. The
    // steps are timed by the analysis's own rule (`Stage::steps_end`), from
    // day 0 with points outside the stage unknown.
    for (_, stage) in p.stages_with_ix() {
        let zero = crate::model::Reach { at: WorkingDays(0), unbounded: false };
        let (_, times) = stage.steps_end(&crate::timescale::Count, zero, &|_| None);
        for (k, step) in stage.steps.iter().enumerate().skip(1) {
            let (Some(t), Some(_)) = (step.timescale.as_ref(), step.from) else { continue };
            let (before, deadline) = (times[k - 1].1, times[k].1);
            if !step.counts_for_time() || before.unbounded || deadline.unbounded || before.at <= deadline.at {
                continue;
            }
            let mut finding = Finding::new(
                Code::LimitExceeded,
                format!(
                    "the steps before step {} of `{}` take {}, past its deadline of day {}",
                    k + 1,
                    stage.display_id(),
                    before.at,
                    deadline.at.0
                ),
            )
            .at(t.span, format!("ends by day {}", deadline.at.0))
            .help(
                "escalate holds the deadline, so the steps before it must end by then too, but their own timescales take longer: shorten them or correct the deadline",
            )
            .stage(stage.id.clone());
            if p.is_advisory(t) {
                finding.severity = Severity::Warning;
            }
            findings.push(finding);
        }
    }

    // A bound over several stages that their own timescales overrun.
    for span in &p.spans {
        let Some(bound) = span.timescale.bound() else { continue };
        let parts = parts_total(cx, &span.stages);
        if parts.days > bound {
            let names: Vec<String> =
                span.stages.iter().map(|ix| format!("`{}`", p.stage(*ix).display_id())).collect();
            let mut finding = Finding::new(
                Code::LimitExceeded,
                format!(
                    "the stages under this bound take {} by their own timescales, longer than its {bound}",
                    at_least(parts)
                ),
            )
            .at(span.span, format!("{bound} in all"))
            .help(format!(
                "{} add up to {}; escalate counts the bound ({bound}), but a reader who follows each stage's own timescale will overrun it: shorten the stages or correct the bound{}",
                names.join(", "),
                at_least(parts),
                source_says(&span.quotes)
            ));
            if p.is_advisory(&span.timescale) {
                finding.severity = Severity::Warning;
            }
            findings.push(finding);
        }
    }
    findings
}

/// The stages' own timescales added up, with the longest route between
/// each and the next (linear in the stages and their routes).
fn parts_total(cx: &Context, stages: &[crate::model::StageIx]) -> Worst {
    let g = cx.graph;
    let mut in_span = vec![false; cx.protocol.stages.len()];
    for ix in stages {
        in_span[ix.0] = true;
    }
    let mut total = Worst::ZERO;
    for (i, ix) in stages.iter().enumerate() {
        total = total + cx.protocol.stage(*ix).duration();
        if i == 0 {
            continue;
        }
        let into = g
            .graph
            .edges_directed(g.stage_node(*ix), petgraph::Direction::Incoming)
            .filter(|e| match g.graph[e.source()] {
                Node::Decision(from) => in_span[from.0],
                // A shared `at any stage` route: if a stage of the span inherits it.
                Node::AnyStage => e.weight().rule().is_some_and(|r| {
                    let rule = &cx.protocol.rule_routes[r];
                    rule.condition != crate::model::Condition::ImmediateRisk
                        && stages.iter().any(|&s| s != *ix && cx.protocol.covers(&rule.scope, s))
                }),
                _ => false,
            })
            .map(|e| e.weight().duration())
            .fold(Worst::ZERO, Worst::max);
        total = total + into;
    }
    total
}

fn at_least(w: Worst) -> String {
    w.at_least()
}

/// `stage 1 (5) -> stage 2 (7)`: the worst route with running totals.
fn route_text(cx: &Context, case: crate::analysis::Case<'_>, end: petgraph::graph::NodeIndex) -> String {
    let p = cx.protocol;
    let route: Vec<petgraph::graph::NodeIndex> = if end == case.worst.end {
        case.worst.route.iter().map(|(n, _)| *n).collect()
    } else {
        case.timing.worst_route(cx.graph, end)
    };
    let steps: Vec<String> = route
        .into_iter()
        .filter_map(|n| {
            let WorkingDays(days) = case.timing.finish[n.index()].days;
            match cx.graph.graph[n] {
                Node::Stage(ix) => Some(format!("`{}` (by day {days})", p.stage(ix).display_id())),
                Node::Outcome(ix) => Some(format!("`{}` (day {days})", p.outcomes[ix.0].name)),
                Node::Exit(ix) => Some(format!("`{}` (day {days})", p.exits[ix.0].name)),
                Node::Start(_) | Node::Decision(_) | Node::AnyStage => None,
            }
        })
        .collect();
    steps.join(" → ")
}
