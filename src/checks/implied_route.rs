//! `implied-route`: a route marked `implied`: the encoder reads it into the
//! text, which never states it (many documents list their stages and never
//! say "if unresolved, go to stage 2"). It counts like any route; the
//! finding tells the board that its text leaves it unsaid.

use super::Context;
use crate::diagnostic::{Code, Finding};
use crate::model::{Condition, Route};

const HELP: &str = "a practitioner reading the protocol cannot find these routes: ask the board to state \
    each one in the text (e.g. \"If the disagreement is not resolved, refer it to stage 2\"), then drop \
    `implied`; until then, `allow implied-route \"<reason>\"` records that the board knows";

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut findings = Vec::new();
    let finding = |route: &Route, from: &str| {
        Finding::new(
            Code::ImpliedRoute,
            format!("the route `{}` from {from} is implied: the text never states it", describe(p, route)),
        )
        .at(route.span, "implied: not in the text")
        .help(HELP)
        .grouped("{n} routes are implied: the protocol's text never states them")
    };
    for stage in &p.stages {
        for route in stage.routes.iter().filter(|r| r.implied) {
            findings.push(finding(route, &format!("`{}`", stage.display_id())).stage(stage.id.clone()));
        }
    }
    for route in p.rule_routes.iter().filter(|r| r.implied) {
        findings.push(finding(route, "every stage"));
    }
    findings
}

/// `unresolved -> stage 2`.
fn describe(p: &crate::model::Protocol, route: &Route) -> String {
    let condition = match &route.condition {
        Condition::Resolved => "resolved".to_string(),
        Condition::Unresolved => "unresolved".to_string(),
        Condition::ImmediateRisk => "immediate risk".to_string(),
        Condition::NoResponse => "no response".to_string(),
        Condition::If(words) => format!("if \"{}\"", super::shorten(words, 40)),
    };
    format!("{condition} -> {}", p.target_name(route.target))
}
