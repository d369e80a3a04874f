//! `missing-record`: a stage with no recording requirement: none of its
//! own, and no `at any stage: record` rule whose scope covers it. A record
//! kept `by agency "..."` counts only where a party of that agency takes
//! part; a record made only when one route is taken (`and record`) does not
//! count for the stage.

use super::{Context, stage_name};
use crate::diagnostic::{Code, Finding};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    p.stages_with_ix()
        .filter(|&(ix, _)| p.records_of(ix).next().is_none())
        .map(|(_, stage)| {
            let on_routes = stage.routes.iter().any(|r| !r.records.is_empty());
            let label =
                if on_routes { "records only when one route is taken" } else { "no `record` in this stage" };
            Finding::new(
                Code::MissingRecord,
                format!("{} says nothing about what is recorded", stage_name(stage)),
            )
            .at(stage.head, label)
            .help(
                "add `record \"<what is written down, and where>\"` to the stage, or \
                     `at any stage: record \"...\"` if the protocol says it once for all stages",
            )
            .stage(stage.id.clone())
            .grouped("{n} stages say nothing about what is recorded")
        })
        .collect()
}
