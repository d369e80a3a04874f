//! `dead-end`: a stage where a disagreement that is still unresolved has
//! nowhere to go, and the stage is not a final authority.

use super::{Context, source_says, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::model::Condition;

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    // A route `for` one agency, party or group of children is the way on
    // for them alone: the others still need one.
    let onward = cx.graph.first_route(p, |r| r.condition == Condition::Unresolved && r.for_whom.is_none());
    p.stages_with_ix()
        .filter(|(_, stage)| stage.final_authority.is_none())
        .filter(|&(ix, _)| onward[ix.0].is_none())
        .map(|(_, stage)| {
            // `no outcome described`: the encoder says the text gives none, so
            // the finding says it in those words.
            let (message, label) = match &stage.no_outcome {
                Some(_) => (
                    format!(
                        "the text describes no outcome for {}: a disagreement still unresolved there has \
                         nowhere to go",
                        stage_name(stage)
                    ),
                    "no outcome described",
                ),
                None => (
                    format!("{} has no route for a disagreement that is still unresolved", stage_name(stage)),
                    "the disagreement stops here",
                ),
            };
            let quotes = stage
                .no_outcome
                .as_ref()
                .map_or(&stage.quotes, |n| if n.quotes.is_empty() { &stage.quotes } else { &n.quotes });
            let finding = Finding::new(Code::DeadEnd, message)
                .at(stage.head, label)
                .help(format!(
                    "add `unresolved -> <next stage>`, or if this stage makes a final decision or mediates, \
                 say so with `final decision` or `final mediation`{}",
                    source_says(quotes)
                ))
                .stage(stage.id.clone());
            // A way on for some only (`for ...`): point at it, so the finding
            // does not seem to deny the route written there.
            let limited =
                stage.routes.iter().find(|r| r.condition == Condition::Unresolved && r.for_whom.is_some());
            match limited.and_then(|r| Some((r, p.whom_words(r.for_whom.as_ref(), &[])?))) {
                Some((route, words)) => finding.also(route.span, format!("the way on {words} only")),
                None => finding,
            }
        })
        .collect()
}
