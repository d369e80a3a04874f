//! A [`Timeline`] as a text table for people or as JSON (`timeline --format
//! text|json`); `--format ics` is in [`super::ics`].

use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write as _;

use crate::timeline::{Cause, Timeline};

/// A date as people read it: `Wed 30 Dec 2026`.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// A date as machines read it: `2026-12-30`.
pub fn iso_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// One sentence per reason a date is unknown.
pub fn cause_text(cause: &Cause) -> String {
    match cause {
        Cause::VagueRoute { from, to, timescale } => {
            format!("the route from `{from}` to `{to}` is only bounded by \"{timescale}\"")
        }
        Cause::UnboundedStage { stage, detail } => format!("`{stage}` has no deadline: {detail}"),
        Cause::Cycle { stage } => {
            format!("`{stage}` is part of a cycle of routes, so it can be repeated without end")
        }
        Cause::UnboundedBefore { step, timescale: Some(t) } => {
            format!("the step \"{step}\" before the first stage is only bounded by \"{t}\"")
        }
        Cause::UnboundedBefore { step, timescale: None } => {
            format!("the step \"{step}\" before the first stage has no timescale")
        }
    }
}

/// The timeline as a table with notes, for a terminal.
pub fn text(t: &Timeline) -> String {
    let mut out = String::new();
    let calendar = t.calendar.name();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Timeline: {}", t.protocol);
    let _ = writeln!(out, "Started {} (day 0), on the {calendar} calendar.", long_date(t.from));
    let along = match &t.pathway {
        None => "the main pathway".to_string(),
        Some((name, title)) => format!("the pathway `{name}` (\"{title}\")"),
    };
    let _ = writeln!(
        out,
        "Worst case along {along}: {}, ending at {} `{}` (\"{}\").",
        if t.worst.unbounded {
            format!("no bound, at least {}", t.worst.days)
        } else {
            t.worst.days.to_string()
        },
        t.end.kind,
        t.end.name,
        t.end.title
    );
    out.push('\n');

    let mark = |marked: bool| if marked { " *" } else { "" };
    let rows: Vec<[String; 5]> = t
        .stages
        .iter()
        .map(|s| {
            [
                format!("{}{}", s.id, mark(!s.causes.is_empty())),
                s.starts.map_or_else(|| "not known".to_string(), long_date),
                match s.due {
                    None => "no deadline".to_string(),
                    Some(due) if !s.due_is_working_day => format!("{} (not a working day)", long_date(due)),
                    Some(due) => long_date(due),
                },
                s.timescale.clone(),
                s.title.clone(),
            ]
        })
        .collect();
    let header = ["Stage", "Starts", "Due", "Timescale", "Title"].map(String::from);
    // A column is as wide as its widest cell, up to `MAX_COLUMN`: a longer
    // cell (a timescale of 70,000 characters) overflows its own row only,
    // rather than pad every row to its width. Padded by hand: `format!`'s
    // widths stop at 65,535 and panic past it.
    const MAX_COLUMN: usize = 200;
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count().min(MAX_COLUMN));
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (&width, cell) in widths.iter().zip(row) {
            line.push_str(cell);
            let pad = width.saturating_sub(cell.chars().count());
            line.extend(std::iter::repeat_n(' ', pad + 2));
        }
        line.push_str(&row[4]);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');

    let causes: Vec<String> = t.causes().map(cause_text).collect();
    // Only parts off the route leave the worst case unbounded: no row is marked.
    let off_route = t.stages.iter().all(|s| s.causes.is_empty()) && t.end.causes.is_empty();
    if !causes.is_empty() {
        if off_route {
            let _ = writeln!(out, "The worst case has no bound because of parts not on this route:");
        } else {
            let _ = writeln!(out, "* No deadline can be known from this point on:");
        }
        for cause in &causes {
            let _ = writeln!(out, "  - {cause}.");
        }
    }
    for (i, s) in t.stages.iter().enumerate() {
        match s.route_working_days {
            // The first stage is entered from the pathway's start: the steps before it.
            Some(days @ 1..) if i == 0 => {
                let _ = writeln!(
                    out,
                    "The steps before the first stage take {} before `stage {}` starts.",
                    plural_days(days),
                    s.id
                );
            }
            Some(days @ 1..) => {
                let _ = writeln!(
                    out,
                    "The route into `stage {}` allows {} before the stage starts.",
                    s.id,
                    plural_days(days)
                );
            }
            _ => {}
        }
    }
    if let Some(days @ 1..) = t.end.route_working_days {
        let _ = writeln!(out, "The route to {} `{}` allows {}.", t.end.kind, t.end.name, plural_days(days));
    }
    if !t.calendar.is_working_day(t.from) {
        let why = t.calendar.holiday(t.from).map_or_else(String::new, |h| format!(" ({h})"));
        let _ =
            writeln!(out, "{} is not a working day{why}: day 1 is the next working day.", long_date(t.from));
    }
    if t.hour_based {
        let _ = writeln!(
            out,
            "Hours run on the clock, weekends and bank holidays included, and are shown as whole days \
             (24 hours from Friday is Saturday); the real deadline is that time of day."
        );
    }
    for (first, last, name) in &t.closed {
        let days = if first == last {
            long_date(*first)
        } else {
            format!("{} to {}", long_date(*first), long_date(*last))
        };
        let name = if name == crate::calendar::CLOSED_TITLE {
            "the protocol's `closed` days".to_string()
        } else {
            format!("\"{name}\"")
        };
        let _ = writeln!(out, "Closed {days} ({name}): no working days, skipped.");
    }
    if t.stages.iter().any(|s| !s.due_is_working_day) {
        let _ = writeln!(
            out,
            "A timescale in calendar days or hours can end on a day no one works: such a deadline is \
             marked \"not a working day\"."
        );
    }

    match t.overall_due {
        Some(due) => {
            let days = t.calendar.working_days_between(t.from, due);
            let _ = writeln!(
                out,
                "Overall deadline: {} ({} after the start).",
                long_date(due),
                plural_days(u64::from(days))
            );
        }
        None => {
            let why = if off_route && !causes.is_empty() {
                "The route above is the longest known; parts not on this route have no bound."
            } else {
                "Part of the worst-case route has no bound."
            };
            let _ = writeln!(out, "Overall deadline: none. {why}");
            if let Some((days @ 1.., date)) = t.at_least {
                let _ = writeln!(
                    out,
                    "The worst case takes at least {} (counting only the timescales that have a bound), \
                     so it ends on {} or later.",
                    plural_days(days),
                    long_date(date)
                );
            }
        }
    }
    match &t.limit {
        None => {
            let _ = writeln!(out, "Declared limit: none.");
        }
        Some(limit) => match limit.due {
            None => {
                let _ = writeln!(
                    out,
                    "Declared limit: {}. It gives no number of working days, so it has no date.",
                    limit.text
                );
            }
            Some(limit_due) => {
                let _ = writeln!(out, "Declared limit: {}, which is {}.", limit.text, long_date(limit_due));
                let verdict = match t.overall_due {
                    None if t.exceeds_limit() == Some(true) => format!(
                        "The worst case is LATER than the declared limit: even counting only the \
                         timescales that have a bound, it runs to {}, after {}.",
                        t.at_least.map(|(_, date)| long_date(date)).unwrap_or_default(),
                        long_date(limit_due)
                    ),
                    None => "The worst case has no deadline, so nothing shows that it ends by the \
                             declared limit."
                        .to_string(),
                    Some(due) if due > limit_due => format!(
                        "The worst case is LATER than the declared limit: {} is {} after {}.",
                        long_date(due),
                        plural_days(u64::from(t.calendar.working_days_between(limit_due, due))),
                        long_date(limit_due)
                    ),
                    Some(_) => "The worst case ends on or before the declared limit.".to_string(),
                };
                let _ = writeln!(out, "{verdict}");
            }
        },
    }
    out
}

fn plural_days(days: u64) -> String {
    if days == 1 { "1 working day".to_string() } else { format!("{days} working days") }
}

/// `timeline --format json`.
#[derive(Serialize)]
struct Document<'a> {
    protocol: &'a str,
    /// The pathway dated, when the protocol has several of equal standing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pathway: Option<PathwayRow<'a>>,
    calendar: &'a str,
    from: String,
    stages: Vec<StageRow<'a>>,
    end: EndRow<'a>,
    /// The worst case, as `check` and `compare` give it.
    worst_case: WorstRow,
    overall_due: Option<String>,
    /// When `overall_due` is null: the date the worst case reaches at least.
    at_least_due: Option<String>,
    limit: Option<&'a str>,
    limit_working_days: Option<u64>,
    limit_due: Option<String>,
    /// Whether `overall_due` is later than `limit_due`; null when either is.
    exceeds_limit: Option<bool>,
    /// Why dates are null, in route order.
    no_deadline_because: Vec<String>,
    /// The board's closed days the dates count past: runs, by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    closed: Vec<ClosedRow<'a>>,
}

#[derive(Serialize)]
struct ClosedRow<'a> {
    first: String,
    last: String,
    name: &'a str,
}

#[derive(Serialize)]
struct PathwayRow<'a> {
    name: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
struct StageRow<'a> {
    stage: &'a str,
    title: &'a str,
    starts: Option<String>,
    due: Option<String>,
    /// The stage's timescale in the protocol's words.
    timescale: &'a str,
    working_days: Option<u64>,
    route_working_days: Option<u64>,
    /// False when `due` is a weekend or bank holiday.
    due_is_working_day: bool,
}

#[derive(Serialize)]
struct WorstRow {
    /// Working days known (every bounded part added up).
    days: u64,
    /// Some part of the worst case has no bound: it takes at least `days`.
    unbounded: bool,
}

#[derive(Serialize)]
struct EndRow<'a> {
    kind: &'a str,
    name: &'a str,
    title: &'a str,
}

/// The timeline as one JSON document, pretty-printed.
pub fn json(t: &Timeline) -> String {
    let document = Document {
        protocol: &t.protocol,
        pathway: t.pathway.as_ref().map(|(name, title)| PathwayRow { name, title }),
        calendar: t.calendar.name(),
        from: iso_date(t.from),
        stages: t
            .stages
            .iter()
            .map(|s| StageRow {
                stage: &s.id,
                title: &s.title,
                starts: s.starts.map(iso_date),
                due: s.due.map(iso_date),
                timescale: &s.timescale,
                working_days: s.working_days,
                route_working_days: s.route_working_days,
                due_is_working_day: s.due_is_working_day,
            })
            .collect(),
        end: EndRow { kind: t.end.kind, name: &t.end.name, title: &t.end.title },
        worst_case: WorstRow { days: t.worst.days.0, unbounded: t.worst.unbounded },
        overall_due: t.overall_due.map(iso_date),
        at_least_due: t.at_least.map(|(_, date)| iso_date(date)),
        limit: t.limit.as_ref().map(|l| l.text.as_str()),
        limit_working_days: t.limit.as_ref().and_then(|l| l.working_days),
        limit_due: t.limit.as_ref().and_then(|l| l.due).map(iso_date),
        exceeds_limit: t.exceeds_limit(),
        no_deadline_because: t.causes().map(cause_text).collect(),
        closed: t
            .closed
            .iter()
            .map(|(first, last, name)| ClosedRow { first: iso_date(*first), last: iso_date(*last), name })
            .collect(),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&document).unwrap_or_default() + "\n"
}
