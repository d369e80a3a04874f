//! `discretionary-only`: a stage whose only route for a disagreement that
//! is still unresolved is `discretionary` ("consideration should be given
//! to..."), and which is not a final authority: a disagreement that only
//! *may* go on can stall there.

use super::{Context, source_says, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::model::{Condition, Route};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut findings = Vec::new();
    let unresolved = |r: &Route| r.condition == Condition::Unresolved;
    let onward = cx.graph.first_route(p, unresolved);
    let always = cx.graph.first_route(p, |r| unresolved(r) && !r.discretionary);
    for (ix, stage) in p.stages_with_ix().filter(|(_, s)| s.final_authority.is_none()) {
        let Some(first) = onward[ix.0] else { continue }; // `dead-end`'s business
        if always[ix.0].is_some() {
            continue;
        }
        findings.push(
            Finding::new(
                Code::DiscretionaryOnly,
                format!(
                    "{} has only a discretionary way on: a disagreement still unresolved may stall here",
                    stage_name(stage)
                ),
            )
            .at(first.span, "only `discretionary`: may or may not be taken")
            .help(format!(
                "nobody has to take this route, so the disagreement can stop here unresolved: if the \
                 protocol means it to go on, ask the board to say so and drop `discretionary`, or add a \
                 route that is always taken, or say `final decision` if this stage settles it{}",
                source_says(&first.quotes)
            ))
            .stage(stage.id.clone()),
        );
    }
    findings
}
