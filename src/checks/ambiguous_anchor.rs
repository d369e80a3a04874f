//! `ambiguous-anchor`: a timescale counted `of the start or end of` a step
//! or stage, the writer's mark that the text does not say which ("within five
//! working days of step 1"). Both readings' figures come from the analysis
//! ([`crate::analysis::Reading`]); this check only says them.

use super::{Context, shorten, stage_name};
use crate::diagnostic::{Code, Finding};
use crate::timescale::Worst;

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    cx.readings
        .iter()
        .map(|reading| {
            let stage = p.stage(reading.stage);
            let t = &reading.timescale;
            let anchor = t.anchor.as_ref().map(|a| a.to_string()).unwrap_or_default();
            // `the end of step 1` -> `step 1`: the point, without which end.
            let point = anchor.trim_start_matches("the end of ").trim_start_matches("the start of ");
            let (end, start) = (reading.end, reading.start);
            let same = end == start;
            Finding::new(
                Code::AmbiguousAnchor,
                format!(
                    "`{}` in `{}` does not say whether it counts from the start or the end of {point}",
                    shorten(&t.written, 50),
                    stage.display_id()
                ),
            )
            .at(t.span, format!("{} from the end, {} from the start", days(end.stage), days(start.stage)))
            .help(format!(
                "escalate counts from the end of {point}, the later deadline: {} takes {} and the worst case \
                 is {}; counted from its start, {} and {}{}. Ask the board which it means, then write `of \
                 the start of {point}` or `of the end of {point}`",
                stage_name(stage),
                days(end.stage),
                days(end.worst),
                days(start.stage),
                days(start.worst),
                if same { " (the same figures: the reading changes no date here)" } else { "" }
            ))
            .stage(stage.id.clone())
        })
        .collect()
}

/// `7 working days`, or `at least 7 working days` with no bound.
fn days(w: Worst) -> String {
    let unit = if w.days.0 == 1 { "working day" } else { "working days" };
    if w.unbounded { format!("at least {} {unit}", w.days.0) } else { format!("{} {unit}", w.days.0) }
}
