//! `missing-record`: a stage with no recording requirement, its own or
//! inherited from an `at any stage: record` rule.

use super::{Context, stage_name};
use crate::diagnostic::{Code, Finding};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    if !p.rule_records.is_empty() {
        return Vec::new();
    }
    p.stages
        .iter()
        .filter(|stage| stage.records.is_empty())
        .map(|stage| {
            Finding::new(
                Code::MissingRecord,
                format!("{} says nothing about what is recorded", stage_name(stage)),
            )
            .at(stage.head, "no `record` in this stage")
            .help(
                "add `record \"<what is written down, and where>\"` to the stage, or \
                     `at any stage: record \"...\"` if the protocol says it once for all stages",
            )
            .stage(stage.id.clone())
        })
        .collect()
}
