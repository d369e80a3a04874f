//! `unbounded-timescale`: a stage, step or route with no bounded timescale
//! (missing, or only vague words such as "without delay"), and each pathway
//! whose worst case from start to outcome therefore has no bound.

use super::{Context, shorten, source_says, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::graph::Node;
use crate::model::Pathway;
use crate::model::Stage;
use crate::span::Span;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

const HELP_BOUND: &str = "give a number of working days or hours (e.g. `within 2 working days`); \
     if the protocol only says vague words, keep them and add a bound the board agrees, \
     or `allow unbounded-timescale \"<reason>\"`";

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut findings = Vec::new();
    for stage in &p.stages {
        // A stage under a bounded `stages ... within` is bounded by it.
        let spanned = stage.spans.iter().any(|&i| p.spans[i].timescale.bound().is_some());
        let capped = spanned || stage.within.as_ref().is_some_and(|w| w.timescale.bound().is_some());
        if let Some(within) = &stage.within
            && let Some(words) = within.timescale.vague_words()
        {
            findings.push(vague(
                stage,
                within.span,
                format!("{} is only bounded by {words}", stage_name(stage)),
            ));
        }
        // Discretionary steps run alongside and set no time.
        if stage.within.is_none() && !stage.steps.iter().any(|s| s.counts_for_time()) && !spanned {
            findings.push(
                Finding::new(Code::UnboundedTimescale, format!("{} has no timescale", stage_name(stage)))
                    .at(
                        stage.head,
                        if stage.steps.is_empty() {
                            "no `within` and no steps"
                        } else {
                            "no `within`, and only discretionary steps, which add no time"
                        },
                    )
                    .help(format!("{HELP_BOUND}{}", source_says(&stage.quotes)))
                    .stage(stage.id.clone()),
            );
        }
        for step in stage.steps.iter().filter(|s| s.counts_for_time()) {
            // A conditional step's other branch may be taken too.
            let branches = std::iter::once((step, ""))
                .chain(step.otherwise.as_deref().map(|o| (o, "the `otherwise` of ")));
            for (branch, which) in branches {
                let step_words = format!("{which}step \"{}\" in `{}`", short(&step.text), stage.display_id());
                match &branch.timescale {
                    Some(t) => {
                        if let Some(words) = t.vague_words() {
                            findings.push(vague(
                                stage,
                                t.span,
                                format!("{step_words} is only bounded by {words}"),
                            ));
                        }
                    }
                    None if !capped => findings.push(
                        Finding::new(Code::UnboundedTimescale, format!("{step_words} has no timescale"))
                            .at(branch.span, "no timescale")
                            .help(format!("{HELP_BOUND}{}", source_says(&branch.quotes)))
                            .stage(stage.id.clone()),
                    ),
                    None => {}
                }
            }
        }
        for record in &stage.records {
            if let Some(words) = record.timescale.as_ref().and_then(|t| t.vague_words()) {
                findings.push(vague(
                    stage,
                    record.span,
                    format!(
                        "record \"{}\" in `{}` is only bounded by {words}",
                        short(&record.text),
                        stage.display_id()
                    ),
                ));
            }
        }
        for send in &stage.sends {
            if let Some((t, words)) = send.timescale.as_ref().and_then(|t| Some((t, t.vague_words()?))) {
                findings.push(vague(
                    stage,
                    t.span,
                    format!(
                        "send \"{}\" in `{}` is only bounded by {words}",
                        short(&send.text),
                        stage.display_id()
                    ),
                ));
            }
        }
        for route in &stage.routes {
            // A record made or a copy sent on the route (`and record`,
            // `and send`) is a promise too.
            let on_route =
                route.records.iter().map(|r| ("record", r)).chain(route.sends.iter().map(|s| ("send", s)));
            for (word, record) in on_route {
                if let Some(words) = record.timescale.as_ref().and_then(|t| t.vague_words()) {
                    findings.push(vague(
                        stage,
                        record.span,
                        format!(
                            "{word} \"{}\" on the route to `{}` from `{}` is only bounded by {words}",
                            short(&record.text),
                            p.target_name(route.target),
                            stage.display_id()
                        ),
                    ));
                }
            }
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
    for exit in &p.exits {
        if let Some(t) = &exit.timescale
            && let Some(words) = t.vague_words()
        {
            findings.push(
                Finding::new(
                    Code::UnboundedTimescale,
                    format!("exit `{}` is only bounded by {words}", exit.name),
                )
                .at(t.span, "vague timescale")
                .help(HELP_BOUND),
            );
        }
    }
    let rule_records = p.rule_records.iter().map(|r| ("record", &r.item, None)).chain(
        p.rule_routes.iter().flat_map(|route| {
            let on =
                route.records.iter().map(|r| ("record", r)).chain(route.sends.iter().map(|s| ("send", s)));
            on.map(move |(word, r)| (word, r, Some(route.target)))
        }),
    );
    for (word, record, route) in rule_records {
        if let Some(words) = record.timescale.as_ref().and_then(|t| t.vague_words()) {
            let on = route.map(|t| format!(" on the route to `{}`", p.target_name(t))).unwrap_or_default();
            findings.push(
                Finding::new(
                    Code::UnboundedTimescale,
                    format!("{word} \"{}\"{on} at any stage is only bounded by {words}", short(&record.text)),
                )
                .at(record.span, "vague timescale")
                .help(HELP_BOUND),
            );
        }
    }
    for send in &p.rule_sends {
        if let Some(words) = send.timescale.as_ref().and_then(|t| t.vague_words()) {
            findings.push(
                Finding::new(
                    Code::UnboundedTimescale,
                    format!("send \"{}\" at any stage is only bounded by {words}", short(&send.text)),
                )
                .at(send.span, "vague timescale")
                .help(HELP_BOUND),
            );
        }
    }
    // Before the first stage: a step that counts for time, on each branch, and a send's words.
    for b in &p.before {
        let what = if b.send { "send" } else { "step" };
        let counts = !b.send && b.step.counts_for_time();
        let branches = std::iter::once((&b.step, ""))
            .chain(b.step.otherwise.as_deref().map(|o| (o, "the `otherwise` of ")));
        for (branch, which) in branches {
            let words = format!("{which}{what} \"{}\" before the first stage", short(&b.step.text));
            let finding = match &branch.timescale {
                Some(t) => t.vague_words().map(|vague| {
                    Finding::new(Code::UnboundedTimescale, format!("{words} is only bounded by {vague}"))
                        .at(t.span, "vague timescale")
                        .help(HELP_BOUND)
                }),
                None if counts => Some(
                    Finding::new(Code::UnboundedTimescale, format!("{words} has no timescale"))
                        .at(branch.span, "no timescale")
                        .help(format!("{HELP_BOUND}{}", source_says(&branch.quotes))),
                ),
                None => None,
            };
            findings.extend(finding);
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

/// One finding per pathway whose worst case has no bound: the main pathway
/// (everything it reaches), and each exception (its own stages). Cycles count
/// only when they have a way out; `no-way-out` reports the others.
fn unbounded_pathways(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let mut findings = Vec::new();
    let mut report = |name: String,
                      span: Span,
                      timing: &crate::graph::Timing,
                      nodes: &mut dyn Iterator<Item = NodeIndex>| {
        let mut culprits = Vec::new();
        let mut cyclic = None;
        for n in nodes {
            if let Node::Stage(ix) = g.graph[n]
                && timing.open[n.index()]
            {
                culprits.push(format!("`{}`", p.stage(ix).display_id()));
            }
            for e in g.graph.edges(n) {
                if e.weight().counts_for_time() && e.weight().duration().unbounded && !e.weight().inherited()
                {
                    culprits.push(match g.graph[n] {
                        Node::Start(_) => "the steps before the first stage".to_string(),
                        _ => format!(
                            "the route from {} to {}",
                            node_name(p, g, n),
                            node_name(p, g, e.target())
                        ),
                    });
                }
            }
            if timing.in_cycle[n.index()] && cx.can_end[n.index()] && cyclic.is_none() {
                cyclic = Some(node_name(p, g, n));
            }
        }
        if culprits.is_empty() && cyclic.is_none() {
            return;
        }
        let (message, help) = if culprits.is_empty() {
            (
                format!("no one can say how long {name} takes at worst: its routes can go round in a cycle"),
                format!(
                    "a disagreement can go round the cycle through {} again and again; if the protocol means \
                     a loop, say how many times, or route onwards instead",
                    cyclic.unwrap_or_default()
                ),
            )
        } else {
            let count = culprits.len();
            culprits.truncate(4);
            if count > 4 {
                culprits.push(format!("{} more", count - 4));
            }
            (
                format!("no one can say how long {name} takes at worst: no bound on {}", culprits.join(", ")),
                "bound each timescale listed; until then no one can be given a date by which the \
                 disagreement is settled"
                    .to_string(),
            )
        };
        findings.push(
            Finding::new(Code::UnboundedTimescale, message).at(span, "worst case has no bound").help(help),
        );
    };
    // Stages in the protocol's order, each followed by its decision (where its
    // routes leave): the findings list them as a reader meets them.
    let in_order = |ix: usize| [g.stages[ix], g.decisions[ix]];
    // Each pathway's worst case is the analysis's: reported exactly when
    // it has no bound, as every view shows it.
    for case in &cx.cases {
        if !case.worst.worst.unbounded {
            continue;
        }
        // The pathway's start first: the steps before its first stage.
        let start = g.start_of(case.pathway);
        let mut on =
            start.into_iter().chain((0..p.stages.len()).flat_map(in_order).filter(|n| case.reach[n.index()]));
        let (name, span) = match case.pathway {
            Pathway::Main => ("the main pathway".to_string(), p.span),
            Pathway::Exception(i) => (format!("pathway `{}`", p.exceptions[i].name), p.exceptions[i].span),
        };
        report(name, span, case.timing, &mut on);
    }
    for exception in p.exceptions.iter().filter(|e| !e.parallel) {
        let mut own = exception.stages.iter().flat_map(|&ix| [g.stage_node(ix), g.decisions[ix.0]]);
        report(format!("exception `{}`", exception.name), exception.span, cx.timing, &mut own);
    }
    findings
}

/// `stage 2`, `mash`: a node as named in messages.
fn node_name(p: &crate::model::Protocol, g: &crate::graph::EscalationGraph, n: NodeIndex) -> String {
    match g.target(n) {
        Some(target) => format!("`{}`", p.target_name(target)),
        None => "the start".to_string(),
    }
}

/// A step's text, shortened for a one-line message.
fn short(text: &str) -> String {
    shorten(text, 50)
}
