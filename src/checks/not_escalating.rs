//! `not-escalating`: an `unresolved` or `no response` route to a stage
//! whose parties are not more senior than the stage before.

use super::Context;
use crate::diagnostic::{Code, Finding};
use crate::model::{Condition, Target};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut findings = Vec::new();
    for stage in &p.stages {
        let Some(from) = p.seniority(stage) else { continue };
        for route in &stage.routes {
            if !matches!(route.condition, Condition::Unresolved | Condition::NoResponse) {
                continue;
            }
            let Target::Stage(next) = route.target else { continue };
            let next = p.stage(next);
            let Some(to) = p.seniority(next) else { continue };
            if to > from {
                continue;
            }
            findings.push(
                Finding::new(
                    Code::NotEscalating,
                    format!("`{}` is not more senior than `{}`", next.display_id(), stage.display_id()),
                )
                .at(route.span, format!("level {from} to level {to}"))
                .help(format!(
                    "escalating should bring in someone more senior: the most senior party in `{}` is level {to}, \
                     in `{}` level {from}; involve a more senior party, or if the protocol means this, \
                     `allow not-escalating \"<reason>\"` in the stage",
                    next.display_id(),
                    stage.display_id()
                ))
                .stage(stage.id.clone()),
            );
        }
    }
    findings
}
