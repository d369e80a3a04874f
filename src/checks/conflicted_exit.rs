//! `conflicted-exit`: every route a stage gives a child at immediate risk
//! goes to an exit whose agencies are all sides of the disagreement at that
//! stage (a dispute *with* the MASH whose only fast route is "report to the
//! MASH"). Exits that do not say where they go (`to ...`) are not judged.
//! Agencies declared parts of one `service` ("the MASH (or the Emergency
//! Duty Team)") are one side: an exit to either is conflicted.

use super::{Context, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::model::{Condition, Protocol, Recipient, Route, Stage, Target};

const HELP: &str = "a professional who disagrees with an agency should not have to rely on that agency \
    alone to protect the child: give the exit an alternative outside the disagreement (`to \"MASH\" or \"Police\"`; \
    the parts of one `service` are one side), or add a second `immediate risk ->` route to an agency outside it";

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let g = cx.graph;
    let mut findings = Vec::new();
    let risk = |r: &Route| r.condition == Condition::ImmediateRisk;
    // The first route for immediate risk, and the first to anywhere but an
    // exit that says where it goes (never conflicted), for all stages at once.
    let first_risk = g.first_route(p, risk);
    let unjudged =
        g.first_route(p, |r| risk(r) && !matches!(r.target, Target::Exit(e) if !p.exits[e.0].to.is_empty()));
    for (ix, stage) in p.stages_with_ix() {
        let Some(first) = first_risk[ix.0] else { continue };
        if unjudged[ix.0].is_some() {
            continue;
        }
        let own = stage.routes.iter().filter(|r| risk(r));
        // The rest depend on the stage's sides, in the order written.
        let mut shared: Vec<usize> =
            g.inherited_from(g.stage_node(ix)).filter_map(|e| e.weight().rule()).collect();
        shared.sort_unstable();
        let mut routes = own.chain(shared.into_iter().map(|r| &p.rule_routes[r].item).filter(|r| risk(r)));
        let mut sides = Vec::new();
        let all_conflicted = routes.all(|r| match r.target {
            Target::Exit(e) => {
                let exit = &p.exits[e.0];
                let conflicted = !exit.to.is_empty() && exit.to.iter().all(|to| is_side(p, stage, to));
                if conflicted {
                    sides.extend(exit.to.iter().map(|to| recipient_name(p, to)));
                }
                conflicted
            }
            _ => false,
        });
        if !all_conflicted {
            continue;
        }
        sides.dedup();
        let sides = sides.join(" or ");
        findings.push(
            Finding::new(
                Code::ConflictedExit,
                format!(
                    "{} sends a child at immediate risk only to {sides}, a side of the disagreement there",
                    stage_name(stage)
                ),
            )
            .at(stage.head, "a side of the disagreement is the only way out")
            .also(first.span, "the only route for a child at immediate risk")
            .help(HELP)
            .stage(stage.id.clone())
            .grouped(format!(
                "{{n}} stages send a child at immediate risk only to {sides}, a side of the disagreement there"
            )),
        );
    }
    findings
}

/// Whether whom an exit goes to takes part in the stage: one of its
/// parties, or an agency one of its parties belongs to.
fn is_side(p: &Protocol, stage: &Stage, to: &Recipient) -> bool {
    let agency = match to {
        Recipient::Party(ix) => {
            if stage.all_parties().any(|x| x == *ix) {
                return true;
            }
            match &p.parties[ix.0].agency {
                Some(a) => a.as_str(),
                None => return false,
            }
        }
        Recipient::Agency(a) => a.as_str(),
    };
    // One service under several names (`service ... includes ...`) is one side.
    p.stage_agencies(stage).any(|a| p.same_service(a, agency))
}

fn recipient_name(p: &Protocol, to: &Recipient) -> String {
    match to {
        Recipient::Agency(a) => format!("\"{a}\""),
        Recipient::Party(ix) => format!("`{}`", p.parties[ix.0].name),
    }
}
