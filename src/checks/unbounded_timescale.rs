//! `unbounded-timescale`: a stage, step or route with no bounded timescale
//! (missing, or only vague words such as "without delay"), and each pathway
//! whose worst case from start to outcome therefore has no bound.

use super::{Context, source_says, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::graph::Node;
use crate::model::{Pathway, Stage};
use crate::span::Span;

const HELP_BOUND: &str = "give a number of working days or hours (e.g. `within 2 working days`); \
     if the protocol only says vague words, keep them and add a bound the board agrees, \
     or `allow unbounded-timescale \"<reason>\"`";

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut findings = Vec::new();
    for stage in &p.stages {
        let capped = stage.within.as_ref().is_some_and(|w| w.timescale.bound().is_some());
        if let Some(within) = &stage.within
            && let Some(words) = within.timescale.vague_words()
        {
            findings.push(vague(
                stage,
                within.span,
                format!("{} is only bounded by {words}", stage_name(stage)),
            ));
        }
        if stage.within.is_none() && stage.steps.is_empty() && stage.final_authority.is_none() {
            findings.push(
                Finding::new(Code::UnboundedTimescale, format!("{} has no timescale", stage_name(stage)))
                    .at(stage.head, "no `within` and no steps")
                    .help(format!("{HELP_BOUND}{}", source_says(&stage.quotes)))
                    .stage(stage.id.clone()),
            );
        }
        for step in &stage.steps {
            match &step.timescale {
                Some(t) => {
                    if let Some(words) = t.vague_words() {
                        findings.push(vague(
                            stage,
                            t.span,
                            format!(
                                "step \"{}\" in `{}` is only bounded by {words}",
                                step.text,
                                stage.display_id()
                            ),
                        ));
                    }
                }
                None if !capped => findings.push(
                    Finding::new(
                        Code::UnboundedTimescale,
                        format!("step \"{}\" in `{}` has no timescale", step.text, stage.display_id()),
                    )
                    .at(step.span, "no timescale")
                    .help(format!("{HELP_BOUND}{}", source_says(&step.quotes)))
                    .stage(stage.id.clone()),
                ),
                None => {}
            }
        }
        for record in &stage.records {
            if let Some(words) = record.timescale.as_ref().and_then(|t| t.vague_words()) {
                findings.push(vague(
                    stage,
                    record.span,
                    format!(
                        "record \"{}\" in `{}` is only bounded by {words}",
                        record.text,
                        stage.display_id()
                    ),
                ));
            }
        }
        for route in &stage.routes {
            if let Some(words) = route.timescale.as_ref().and_then(|t| t.vague_words()) {
                findings.push(vague(
                    stage,
                    route.span,
                    format!(
                        "the route to `{}` from `{}` is only bounded by {words}",
                        p.target_name(route.target),
                        stage.display_id()
                    ),
                ));
            }
        }
    }
    for route in &p.rule_routes {
        if let Some(words) = route.timescale.as_ref().and_then(|t| t.vague_words()) {
            findings.push(
                Finding::new(
                    Code::UnboundedTimescale,
                    format!(
                        "the route to `{}` at any stage is only bounded by {words}",
                        p.target_name(route.target)
                    ),
                )
                .at(route.span, "vague timescale")
                .help(HELP_BOUND),
            );
        }
    }
    findings.extend(unbounded_pathways(cx));
    findings
}

fn vague(stage: &Stage, span: Span, message: String) -> Finding {
    Finding::new(Code::UnboundedTimescale, message)
        .at(span, "vague timescale")
        .help(HELP_BOUND)
        .stage(stage.id.clone())
}

/// One finding per pathway whose worst case to an end has no bound.
fn unbounded_pathways(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let mut findings = Vec::new();
    for &(pathway, start) in &g.starts {
        let reached = g.search(&[start], petgraph::Direction::Outgoing, |e| e.counts_for_time());
        // The stages on this pathway whose own time has no bound.
        let culprits: Vec<&Stage> = g
            .graph
            .node_indices()
            .filter(|n| reached[n.index()])
            .filter_map(|n| match g.graph[n] {
                Node::Stage(ix) => Some(p.stage(ix)),
                _ => None,
            })
            .filter(|s| s.duration().unbounded && s.final_authority.is_none())
            .collect();
        let cyclic = g.graph.node_indices().any(|n| reached[n.index()] && cx.timing.in_cycle[n.index()]);
        if culprits.is_empty() && !cyclic {
            continue;
        }
        let (name, span) = match pathway {
            Pathway::Main => ("the main pathway".to_string(), p.span),
            Pathway::Exception(i) => {
                let e = &p.exceptions[i];
                (format!("exception `{}`", e.name), e.span)
            }
        };
        let mut listed: Vec<String> =
            culprits.iter().take(5).map(|s| format!("`{}`", s.display_id())).collect();
        if culprits.len() > 5 {
            listed.push(format!("{} more", culprits.len() - 5));
        }
        let why = match (listed.is_empty(), cyclic) {
            (false, _) => format!("no bound on {}", listed.join(", ")),
            (true, _) => "its routes go round in a cycle".to_string(),
        };
        findings.push(
            Finding::new(Code::UnboundedTimescale, format!("no one can say how long {name} takes at worst: {why}"))
                .at(span, "worst case has no bound")
                .help("bound the timescale of each stage listed; until then no deadline can be given to the people involved"),
        );
    }
    findings
}
