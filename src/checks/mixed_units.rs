//! `mixed-units`: a protocol that counts time in working days and also in
//! calendar days or hours. Readers count `5 days` and `5 working days`
//! differently, and `48 hours` from a Friday ends on a Sunday.

use super::{Context, shorten};
use crate::diagnostic::{Code, Finding};
use crate::timescale::{Join, Timescale, Unit};

pub fn check(cx: &Context) -> Vec<Finding> {
    let p = cx.protocol;
    let mut working: Option<&Timescale> = None;
    let mut other: Option<(Unit, &Timescale)> = None;
    for t in p.timescales() {
        // `48 hours (two working days)` says how it counts: `unit-mismatch`
        // judges whether the two agree.
        let equivalent = t.join == Join::Equivalent;
        // `within 24 hours` (or less) says "at once", as documents give the
        // route for a child at immediate risk; `missing-immediate-risk-exit`
        // judges those. Longer times on the clock are read differently.
        if t.is_immediate() {
            continue;
        }
        for unit in t.units() {
            match unit {
                Unit::WorkingDays => working = working.or(Some(t)),
                _ if equivalent => {}
                unit => other = other.or(Some((unit, t))),
            }
        }
    }
    let (Some(working), Some((unit, other))) = (working, other) else { return Vec::new() };
    vec![
        Finding::new(
            Code::MixedUnits,
            format!("this protocol counts time in working days and also in {}", unit.words()),
        )
        .at(other.span, format!("counts {}", unit.words()))
        .also(working.span, "counts working days")
        .help(format!(
            "readers count `{}` and `{}` differently (weekends, bank holidays, the hour of day): write \
             `working days` throughout, or `calendar days` where the document means every day counts; \
             where the document gives both, write them as `48 hours (two working days)`",
            shorten(&other.written, 40),
            shorten(&working.written, 40)
        )),
    ]
}
