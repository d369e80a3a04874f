//! `not-escalating`: an `unresolved` or `no response` route to a stage
//! whose parties are not more senior than the stage before. A party the
//! route goes `through` is brought in by it, so counts with the next stage's.

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
            // A route `through` a party brings that party in: "through the
            // headteacher representatives on the board" escalates to them.
            let through = p.through_level(&route.through);
            let Some(to) = p.seniority(next).max(through) else { continue };
            if to > from {
                continue;
            }
            let via = match p.whom_words(None, &route.through) {
                Some(words) => format!(", and the route goes {words} (level {})", through.unwrap_or(to)),
                None => String::new(),
            };
            findings.push(
                Finding::new(
                    Code::NotEscalating,
                    format!("`{}` is not more senior than `{}`", next.display_id(), stage.display_id()),
                )
                .at(route.span, format!("level {from} to level {to}"))
                .help(format!(
                    "escalating should bring in someone more senior: the most senior party in `{}` is level {}, \
                     in `{}` level {from}{via}; involve a more senior party, or if the protocol means this, \
                     `allow not-escalating \"<reason>\"` in the stage",
                    next.display_id(),
                    p.seniority(next).map_or_else(|| "not given".to_string(), |l| l.to_string()),
                    stage.display_id()
                ))
                .stage(stage.id.clone()),
            );
        }
    }
    findings
}
