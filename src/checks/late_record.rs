//! `late-record`: a record whose timescale ends after its stage's own
//! bound ("minutes circulated within 15 working days" of a meeting held in a
//! stage of 5), so the next stage starts without it.

use super::{Context, shorten, source_says};
use crate::diagnostic::{Code, Finding};
use crate::model::Reach;
use crate::timescale::{Count, WorkingDays};

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let zero = Reach { at: WorkingDays(0), unbounded: false };
    for stage in &cx.protocol.stages {
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
    findings
}
