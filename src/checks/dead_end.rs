//! `dead-end`: a stage where a disagreement that is still unresolved has
//! nowhere to go, and the stage is not a final authority.

use super::{Context, source_says, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::model::Condition;

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    p.stages_with_ix()
        .filter(|(_, stage)| stage.final_authority.is_none())
        .filter(|&(ix, _)| !p.routes_of(ix).any(|(r, _)| r.condition == Condition::Unresolved))
        .map(|(_, stage)| {
            Finding::new(
                Code::DeadEnd,
                format!("{} has no route for a disagreement that is still unresolved", stage_name(stage)),
            )
            .at(stage.head, "the disagreement stops here")
            .help(format!(
                "add `unresolved -> <next stage>`, or if this stage makes a final decision or mediates, \
                 say so with `final decision` or `final mediation`{}",
                source_says(&stage.quotes)
            ))
            .stage(stage.id.clone())
        })
        .collect()
}
