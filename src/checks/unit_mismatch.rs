//! `unit-mismatch`: a timescale that states one time in two ways, as in
//! `48 hours (two working days)`, where the two do not end on the same day
//! for every start day of the week (48 hours from a Friday end on a Sunday;
//! two working days end on the Tuesday). escalate counts the longer.

use chrono::{Datelike, NaiveDate};

use super::Context;
use crate::calendar::Calendar;
use crate::diagnostic::{Code, Finding};
use crate::timescale::{Clock, Join, Timescale};

/// A week with no bank holiday in any shipped calendar: Monday 2 March 2026 on.
const WEEK: [(i32, u32, u32); 7] =
    [(2026, 3, 2), (2026, 3, 3), (2026, 3, 4), (2026, 3, 5), (2026, 3, 6), (2026, 3, 7), (2026, 3, 8)];

pub fn check(cx: &Context) -> Vec<Finding> {
    let mut both =
        cx.protocol.timescales().filter(|t| t.join == Join::Equivalent && t.terms.len() > 1).peekable();
    // The calendar only once a timescale needs it: most protocols have none.
    if both.peek().is_none() {
        return Vec::new();
    }
    let Some(calendar) = Calendar::named(cx.protocol.calendar.as_deref().unwrap_or("england-and-wales"))
    else {
        return Vec::new();
    };
    both.filter_map(|t| mismatch(&calendar, t)).collect()
}

fn mismatch(calendar: &Calendar, t: &Timescale) -> Option<Finding> {
    for (y, m, d) in WEEK {
        let start = NaiveDate::from_ymd_opt(y, m, d)?;
        let ends: Vec<Option<NaiveDate>> = t.terms.iter().map(|term| calendar.after(start, term)).collect();
        if ends.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        let day = start.weekday();
        let shown: Vec<String> = t
            .terms
            .iter()
            .zip(&ends)
            .map(|(term, end)| match end {
                Some(end) => format!("`{term}` end on a {}", end.format("%A")),
                None => format!("`{term}` has no end"),
            })
            .collect();
        return Some(
            Finding::new(
                Code::UnitMismatch,
                format!("`{}` are not the same time on every start day", t.written),
            )
            .at(t.span, "two times that differ")
            .help(format!(
                "started on a {day_name}, {}; escalate counts the longer: say which one the protocol \
                     means, or keep both if the board accepts the difference",
                shown.join(" but "),
                day_name = weekday_name(day)
            )),
        );
    }
    None
}

fn weekday_name(day: chrono::Weekday) -> &'static str {
    match day {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    }
}
