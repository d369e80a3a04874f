//! `late-record`: a record whose timescale ends after its stage's own
//! bound ("minutes circulated within 15 working days" of a meeting held in a
//! stage of 5), so the next stage starts without it; and a record made on a
//! route to a stage (`unresolved -> stage 2 and record "..." within 5
//! working days`) that is due after the route reaches that stage.

use super::{Context, shorten, source_says};
use crate::diagnostic::{Code, Finding};
use crate::model::{Reach, Route, Target};
use crate::timescale::{Count, WorkingDays};

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let zero = Reach { at: WorkingDays(0), unbounded: false };
    for stage in &cx.protocol.stages {
        for route in &stage.routes {
            findings.extend(on_route(cx, route, &stage.display_id(), Some(&stage.id)));
        }
        if stage.records.is_empty() {
            continue;
        }
        // Counted from the stage's start; points elsewhere are unknown here.
        let end = stage.end(&Count, zero, &|_| None);
        if end.unbounded {
            continue;
        }
        for record in &stage.records {
            let Some(due) = stage.record_end(record, &Count, zero, &|_| None) else { continue };
            if due.unbounded || due.at <= end.at {
                continue;
            }
            let written = record.timescale.as_ref().map(|t| t.written.as_str()).unwrap_or_default();
            findings.push(
                Finding::new(
                    Code::LateRecord,
                    format!(
                        "record \"{}\" in `{}` is due after the stage ends",
                        shorten(&record.text, 50),
                        stage.display_id()
                    ),
                )
                .at(record.span, format!("due by day {} of the stage", due.at.0))
                .help(format!(
                    "the stage ends by day {} but `{written}` runs to day {}, so the next stage starts \
                     without this record: give it a time within the stage's, or lengthen the stage{}",
                    end.at.0,
                    due.at.0,
                    source_says(&record.quotes)
                ))
                .stage(stage.id.clone()),
            );
        }
    }
    for rule in &cx.protocol.rule_routes {
        findings.extend(on_route(cx, rule, "each stage it covers", None));
    }
    findings
}

/// The records made on `route` that are due after it reaches the stage it
/// leads to: counted from when the route is taken, against the route's own
/// time (none: the next stage starts at once). A route to an outcome or an
/// exit starts no stage, so its records are never late.
fn on_route(cx: &Context, route: &Route, place: &str, stage: Option<&String>) -> Vec<Finding> {
    let Target::Stage(next) = route.target else { return Vec::new() };
    let arrives = match &route.timescale {
        None => WorkingDays(0),
        Some(t) => match t.end(&Count, WorkingDays(0)) {
            Some(d) => d,
            None => return Vec::new(),
        },
    };
    let next = cx.protocol.stage(next).display_id();
    let mut findings = Vec::new();
    for record in &route.records {
        let Some(due) = record.timescale.as_ref().and_then(|t| t.end(&Count, WorkingDays(0))) else {
            continue;
        };
        if due <= arrives {
            continue;
        }
        let written = record.timescale.as_ref().map(|t| t.written.as_str()).unwrap_or_default();
        let mut finding = Finding::new(
            Code::LateRecord,
            format!(
                "record \"{}\" on the route to `{next}` is due after that stage starts",
                shorten(&record.text, 50)
            ),
        )
        .at(record.span, format!("due by day {} after the route is taken", due.0))
        .help(format!(
            "the route from {place} reaches `{next}` by day {} but `{written}` runs to day {}, so `{next}` \
             starts without this record: give it a time within the route's, or give the route that time{}",
            arrives.0,
            due.0,
            source_says(&record.quotes)
        ));
        if let Some(id) = stage {
            finding = finding.stage(id.clone());
        }
        findings.push(finding);
    }
    findings
}
