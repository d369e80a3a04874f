//! Working-day calendars for the three UK bank-holiday divisions and the
//! three Crown Dependencies (the Isle of Man, Jersey, Guernsey).
//!
//! Each shipped calendar is a table of bank holidays in GOV.UK's
//! `bank-holidays.json` division layout, embedded at compile time from
//! `data/calendars/*.json` (where each comes from: `docs/calendar.md`). Outside the table's years the holidays are computed
//! from the standing rules (Easter-based and fixed-date days, with substitute
//! days), so date arithmetic still works; [`Calendar::is_published`] tells the
//! caller when that happened so it can warn.
//!
//! Counting rule (see `docs/calendar.md`): the start date is day 0 and the
//! result of [`Calendar::add_working_days`] is the Nth working day after it.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;

/// The note GOV.UK puts on a substitute day; such a day's title gets the
/// suffix ` (substitute day)`, as on the GOV.UK bank holidays page.
const SUBSTITUTE_NOTE: &str = "Substitute day";
const SUBSTITUTE_SUFFIX: &str = " (substitute day)";

const SOURCES: [(&str, &str); 6] = [
    ("england-and-wales", include_str!("../data/calendars/england-and-wales.json")),
    ("scotland", include_str!("../data/calendars/scotland.json")),
    ("northern-ireland", include_str!("../data/calendars/northern-ireland.json")),
    ("isle-of-man", include_str!("../data/calendars/isle-of-man.json")),
    ("jersey", include_str!("../data/calendars/jersey.json")),
    ("guernsey", include_str!("../data/calendars/guernsey.json")),
];

/// A working-day calendar: Monday to Friday, less the division's bank
/// holidays and the board's own closed days (`closed` in the protocol).
#[derive(Clone)]
pub struct Calendar {
    division: Division,
    table: &'static Table,
    /// The closed weekdays, sorted, each once (shared: calendars are cloned
    /// into every view of a protocol).
    closed: std::sync::Arc<[NaiveDate]>,
    /// The names of the named ones among them, sorted by day.
    closed_names: std::sync::Arc<[(NaiveDate, std::sync::Arc<str>)]>,
    /// Runs of days closed every year (`closed every 24 December to 1 January`).
    every: std::sync::Arc<[Every]>,
}

/// A run of days closed every year: (month, day) of the first and the last.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Every {
    from: (u32, u32),
    to: (u32, u32),
    name: Option<std::sync::Arc<str>>,
}

impl Every {
    /// Whether `date` is one of its days (a run from December into January
    /// takes the end of one year and the start of the next).
    fn holds(&self, date: NaiveDate) -> bool {
        let day = (date.month(), date.day());
        if self.from <= self.to {
            self.from <= day && day <= self.to
        } else {
            day >= self.from || day <= self.to
        }
    }
}

/// A board's closure, as a protocol's `closed` line gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closure {
    /// From `first` to `last`, both included.
    Days { first: NaiveDate, last: NaiveDate, name: Option<String> },
    /// The same days every year, (month, day) of the first and the last.
    Every { from: (u32, u32), to: (u32, u32), name: Option<String> },
}

/// The title of a day the board's offices are closed.
pub const CLOSED_TITLE: &str = "Closed (the protocol's `closed` days)";

impl Calendar {
    /// The shipped calendar names, in `SOURCES`' order.
    pub const NAMES: &'static [&'static str] =
        &["england-and-wales", "scotland", "northern-ireland", "isle-of-man", "jersey", "guernsey"];

    /// Look up a shipped calendar by name; None if unknown.
    pub fn named(name: &str) -> Option<Calendar> {
        let index = Self::NAMES.iter().position(|n| *n == name)?;
        let division = Division::ALL[index];
        Some(Calendar {
            division,
            table: table(index),
            closed: std::sync::Arc::from([]),
            closed_names: std::sync::Arc::from([]),
            every: std::sync::Arc::from([]),
        })
    }

    /// The same calendar with these closures too: their weekdays are no
    /// working days, and a named one's days carry its name as their title.
    pub fn with_closures(self, closures: &[Closure]) -> Calendar {
        let runs: Vec<(NaiveDate, NaiveDate)> = closures
            .iter()
            .filter_map(|c| match c {
                Closure::Days { first, last, .. } => Some((*first, *last)),
                Closure::Every { .. } => None,
            })
            .collect();
        let mut out = self.with_closed(&runs);
        let mut names: Vec<(NaiveDate, std::sync::Arc<str>)> = out.closed_names.to_vec();
        let mut every: Vec<Every> = out.every.to_vec();
        for c in closures {
            match c {
                Closure::Days { first, last, name: Some(name) } => {
                    let name: std::sync::Arc<str> = std::sync::Arc::from(name.as_str());
                    names.extend(
                        first
                            .iter_days()
                            .take_while(|d| d <= last)
                            .filter(|d| is_weekday(*d))
                            .map(|d| (d, name.clone())),
                    );
                }
                Closure::Days { .. } => {}
                Closure::Every { from, to, name } => every.push(Every {
                    from: *from,
                    to: *to,
                    name: name.as_deref().map(std::sync::Arc::from),
                }),
            }
        }
        // The first name given to a day is its name.
        names.sort_by_key(|(d, _)| *d);
        names.dedup_by_key(|(d, _)| *d);
        out.closed_names = names.into();
        out.every = every.into();
        out
    }

    /// The board's name for a day it is closed (`CLOSED_TITLE` when it gave
    /// none), or `None` for a day it is open (bank holidays aside).
    pub fn closure(&self, date: NaiveDate) -> Option<&str> {
        if !is_weekday(date) {
            return None;
        }
        if self.closed.binary_search(&date).is_ok() {
            return Some(match self.closed_names.binary_search_by_key(&date, |(d, _)| *d) {
                Ok(i) => &self.closed_names[i].1,
                Err(_) => CLOSED_TITLE,
            });
        }
        self.every.iter().find(|e| e.holds(date)).map(|e| e.name.as_deref().unwrap_or(CLOSED_TITLE))
    }

    /// The same calendar, with the weekdays of these runs of days (first
    /// and last included) closed too.
    pub fn with_closed(mut self, runs: &[(NaiveDate, NaiveDate)]) -> Calendar {
        let mut days: Vec<NaiveDate> = self.closed.to_vec();
        for &(first, last) in runs {
            days.extend(first.iter_days().take_while(|d| *d <= last).filter(|d| is_weekday(*d)));
        }
        days.sort();
        days.dedup();
        self.closed = days.into();
        self
    }

    pub fn name(&self) -> &str {
        self.division.name()
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        is_weekday(date) && self.holiday(date).is_none()
    }

    /// Title of the public holiday on `date`, if it is one.
    ///
    /// Substitute days carry the suffix ` (substitute day)`, e.g.
    /// "Boxing Day (substitute day)" on Monday 28 December 2026.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        let bank_holiday = if self.table.covers(date.year()) {
            self.table.dates.binary_search(&date).ok().map(|index| self.table.titles[index].as_str())
        } else {
            rule_holidays(self.division, date.year())
                .into_iter()
                .find(|(d, _)| *d == date)
                .map(|(_, title)| title)
        };
        bank_holiday.or_else(|| self.closure(date))
    }

    /// Counting rule: `start` is day 0; the result is the Nth working day after `start`
    /// ("within N working days" ends at the close of that day). N = 0 returns `start` itself
    /// (same working day). If `start` is not a working day, day 0 is still `start`, and day 1 is the next working day.
    ///
    /// Saturates at `NaiveDate::MAX` if the answer is not representable.
    pub fn add_working_days(&self, start: NaiveDate, n: u64) -> NaiveDate {
        if n == 0 {
            return start;
        }
        let mut remaining = n;
        // More weekdays needed than exist before the end of time.
        if let Some(next) = start.succ_opt() {
            if remaining > weekdays_in(next, NaiveDate::MAX) {
                return NaiveDate::MAX;
            }
        } else {
            return NaiveDate::MAX;
        }

        // Skip whole years while the answer lies beyond them, then step through days.
        let mut after = start; // the answer is strictly after this date
        let mut year = start.year();
        loop {
            let year_end = last_day_of_year(year);
            let holidays = self.holiday_dates(year);
            let available = working_days_in(after, year_end, &holidays);
            if available >= remaining {
                let mut day = after;
                while let Some(next) = day.succ_opt() {
                    day = next;
                    if is_weekday(day) && !holidays.contains(&day) {
                        remaining -= 1;
                        if remaining == 0 {
                            return day;
                        }
                    }
                }
                return NaiveDate::MAX;
            }
            remaining -= available;
            if year_end >= NaiveDate::MAX {
                return NaiveDate::MAX;
            }
            after = year_end;
            year += 1;
        }
    }

    /// The first working day on or after `date` (the deadline of something
    /// due "the same working day").
    pub fn on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        while !self.is_working_day(day) {
            match day.succ_opt() {
                Some(next) => day = next,
                None => return day,
            }
        }
        day
    }

    /// Number of working days d with start < d <= end (0 if end <= start). Inverse of add_working_days.
    pub fn working_days_between(&self, start: NaiveDate, end: NaiveDate) -> u32 {
        if end <= start {
            return 0;
        }
        let mut total: u64 = 0;
        let mut after = start;
        for year in start.year()..=end.year() {
            let segment_end = last_day_of_year(year).min(end);
            total += working_days_in(after, segment_end, &self.holiday_dates(year));
            after = segment_end;
        }
        u32::try_from(total).unwrap_or(u32::MAX)
    }

    /// True when `date`'s year is inside the shipped table; outside it holidays are computed from the rules.
    pub fn is_published(&self, date: NaiveDate) -> bool {
        self.table.covers(date.year())
    }

    /// Years covered by the table, e.g. (2010, 2035).
    pub fn published_years(&self) -> (i32, i32) {
        (self.table.first_year, self.table.last_year)
    }

    /// The holiday dates of `year`, sorted, each once: from the table when
    /// published, else from the rules; with the closed days of that year.
    fn holiday_dates(&self, year: i32) -> Cow<'static, [NaiveDate]> {
        let table: &'static Table = self.table;
        let holidays = if table.covers(year) {
            let lo = table.dates.partition_point(|d| d.year() < year);
            let hi = table.dates.partition_point(|d| d.year() <= year);
            Cow::Borrowed(&table.dates[lo..hi])
        } else {
            Cow::Owned(rule_holidays(self.division, year).into_iter().map(|(d, _)| d).collect())
        };
        let lo = self.closed.partition_point(|d| d.year() < year);
        let hi = self.closed.partition_point(|d| d.year() <= year);
        if lo == hi && self.every.is_empty() {
            return holidays;
        }
        let mut all = holidays.into_owned();
        all.extend_from_slice(&self.closed[lo..hi]);
        if !self.every.is_empty()
            && let (Some(first), Some(last)) =
                (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        {
            all.extend(
                first
                    .iter_days()
                    .take_while(|d| *d <= last)
                    .filter(|d| is_weekday(*d) && self.every.iter().any(|e| e.holds(*d))),
            );
        }
        all.sort();
        all.dedup();
        Cow::Owned(all)
    }
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("name", &self.name())
            .field("published_years", &self.published_years())
            .field("holidays", &self.table.dates.len())
            .finish()
    }
}

impl PartialEq for Calendar {
    fn eq(&self, other: &Self) -> bool {
        self.division == other.division
            && self.closed == other.closed
            && self.closed_names == other.closed_names
            && self.every == other.every
    }
}

impl Eq for Calendar {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Division {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
    IsleOfMan,
    Jersey,
    Guernsey,
}

impl Division {
    /// Same order as `Calendar::NAMES` and `SOURCES`.
    const ALL: [Division; 6] = [
        Division::EnglandAndWales,
        Division::Scotland,
        Division::NorthernIreland,
        Division::IsleOfMan,
        Division::Jersey,
        Division::Guernsey,
    ];

    fn name(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england-and-wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern-ireland",
            Division::IsleOfMan => "isle-of-man",
            Division::Jersey => "jersey",
            Division::Guernsey => "guernsey",
        }
    }
}

/// A parsed division table: parallel sorted `dates` and display `titles`.
struct Table {
    dates: Vec<NaiveDate>,
    titles: Vec<String>,
    first_year: i32,
    last_year: i32,
}

impl Table {
    fn covers(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }
}

/// GOV.UK division object: `{"division": "...", "events": [...]}`. Its
/// words are borrowed from the embedded text where they need no unescaping.
#[derive(Deserialize)]
struct DivisionFile<'a> {
    #[serde(borrow)]
    division: Cow<'a, str>,
    #[serde(borrow)]
    events: Vec<EventRecord<'a>>,
}

/// GOV.UK event: `{"title", "date": "YYYY-MM-DD", "notes", "bunting"}`; `bunting` is ignored.
#[derive(Deserialize)]
struct EventRecord<'a> {
    title: String,
    #[serde(borrow)]
    date: Cow<'a, str>,
    #[serde(default, borrow)]
    notes: Cow<'a, str>,
}

/// One division's table, parsed the first time it is asked for (a run that
/// needs no calendar, or one, parses no more than that).
fn table(index: usize) -> &'static Table {
    static TABLES: [OnceLock<Table>; 6] = [const { OnceLock::new() }; 6];
    let (name, json) = SOURCES[index];
    TABLES[index].get_or_init(|| parse_table(name, json))
}

/// Parses one embedded division file. The data ships with the crate, so a
/// malformed file is a build defect and panics with a message.
fn parse_table(name: &str, json: &str) -> Table {
    let file: DivisionFile = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("embedded calendar {name}.json is not valid: {e}"));
    assert_eq!(file.division, name, "embedded calendar {name}.json names the wrong division");
    let mut events: Vec<(NaiveDate, String)> = file
        .events
        .into_iter()
        .map(|event| {
            let date = iso_date(&event.date)
                .unwrap_or_else(|| panic!("embedded calendar {name}.json: bad date {:?}", event.date));
            let title = if event.notes.eq_ignore_ascii_case(SUBSTITUTE_NOTE) {
                format!("{}{SUBSTITUTE_SUFFIX}", event.title)
            } else {
                event.title
            };
            (date, title)
        })
        .collect();
    events.sort_by_key(|(date, _)| *date);
    // A date listed twice must count once.
    events.dedup_by_key(|(date, _)| *date);
    let first_year = events.first().map(|(d, _)| d.year()).expect("embedded calendar has no events");
    let last_year = events.last().map_or(first_year, |(d, _)| d.year());
    let (dates, titles) = events.into_iter().unzip();
    Table { dates, titles, first_year, last_year }
}

/// `YYYY-MM-DD`, as GOV.UK writes dates. By hand, because chrono's
/// `parse_from_str` reads its format string anew for each of a table's
/// hundreds of dates, which was a third of the cost of reading a table.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(digits(0..4)?).ok()?, digits(5..7)?, digits(8..10)?)
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// 31 December of `year`, or `NaiveDate::MAX` in the last representable year.
fn last_day_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Number of Mondays to Fridays in `[first, last]` (0 if `last < first`), in O(1).
fn weekdays_in(first: NaiveDate, last: NaiveDate) -> u64 {
    if last < first {
        return 0;
    }
    // Day index 0 is Monday 1 January of year 1 (day 1 from the common era).
    fn weekdays_before(index: i64) -> i64 {
        5 * index.div_euclid(7) + index.rem_euclid(7).min(5)
    }
    let first = i64::from(first.num_days_from_ce()) - 1;
    let last = i64::from(last.num_days_from_ce()) - 1;
    u64::try_from(weekdays_before(last + 1) - weekdays_before(first)).unwrap_or(0)
}

/// Working days d with `after < d <= last`, where `holidays` holds (at least)
/// every holiday in that range, each once.
fn working_days_in(after: NaiveDate, last: NaiveDate, holidays: &[NaiveDate]) -> u64 {
    let Some(first) = after.succ_opt() else {
        return 0;
    };
    let weekdays = weekdays_in(first, last);
    let holidays_on_weekdays =
        holidays.iter().filter(|d| **d > after && **d <= last && is_weekday(**d)).count() as u64;
    weekdays.saturating_sub(holidays_on_weekdays)
}

// ---------------------------------------------------------------------------
// Rules, used outside the table's years. One-off days (jubilees, funerals,
// coronations, moved May days) are not rules and appear only in the table.
// ---------------------------------------------------------------------------

/// A fixed-date holiday: month, day, title, title when moved to a substitute day.
type Fixed = (u32, u32, &'static str, &'static str);

const NEW_YEAR: Fixed = (1, 1, "New Year\u{2019}s Day", "New Year\u{2019}s Day (substitute day)");
const SECOND_JANUARY: Fixed = (1, 2, "2nd January", "2nd January (substitute day)");
const ST_PATRICK: Fixed = (3, 17, "St Patrick\u{2019}s Day", "St Patrick\u{2019}s Day (substitute day)");
const BOYNE: Fixed = (
    7,
    12,
    "Battle of the Boyne (Orangemen\u{2019}s Day)",
    "Battle of the Boyne (Orangemen\u{2019}s Day) (substitute day)",
);
const ST_ANDREW: Fixed = (11, 30, "St Andrew\u{2019}s Day", "St Andrew\u{2019}s Day (substitute day)");
const TYNWALD: Fixed = (7, 5, "Tynwald Day", "Tynwald Day (substitute day)");
const CHRISTMAS: Fixed = (12, 25, "Christmas Day", "Christmas Day (substitute day)");
const BOXING_DAY: Fixed = (12, 26, "Boxing Day", "Boxing Day (substitute day)");

/// The holidays of `year` under the standing rules, sorted by date.
fn rule_holidays(division: Division, year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut out: Vec<(NaiveDate, &'static str)> = Vec::with_capacity(12);
    let mut push = |date: Option<NaiveDate>, title: &'static str| {
        if let Some(date) = date {
            out.push((date, title));
        }
    };

    let easter = easter_sunday(year);
    push(easter.and_then(|e| e.checked_sub_days(Days::new(2))), "Good Friday");
    if division != Division::Scotland {
        push(easter.and_then(|e| e.checked_add_days(Days::new(1))), "Easter Monday");
    }
    push(first_monday(year, 5), "Early May bank holiday");
    push(last_monday(year, 5, 31), "Spring bank holiday");
    let summer = match division {
        Division::Scotland => first_monday(year, 8),
        _ => last_monday(year, 8, 31),
    };
    push(summer, "Summer bank holiday");
    match division {
        // Set each year for the Friday of TT race week: the first Friday in
        // June in 2024 to 2026, the second in 2022 and 2023.
        Division::IsleOfMan => push(first_friday(year, 6), "TT bank holiday"),
        // 9 May, on a weekday only: it is never moved to a substitute day.
        Division::Jersey | Division::Guernsey => {
            push(NaiveDate::from_ymd_opt(year, 5, 9).filter(|d| is_weekday(*d)), "Liberation Day")
        }
        _ => {}
    }

    let fixed: &[Fixed] = match division {
        Division::EnglandAndWales | Division::Jersey | Division::Guernsey => {
            &[NEW_YEAR, CHRISTMAS, BOXING_DAY]
        }
        Division::Scotland => &[NEW_YEAR, SECOND_JANUARY, ST_ANDREW, CHRISTMAS, BOXING_DAY],
        Division::NorthernIreland => &[NEW_YEAR, ST_PATRICK, BOYNE, CHRISTMAS, BOXING_DAY],
        Division::IsleOfMan => &[NEW_YEAR, TYNWALD, CHRISTMAS, BOXING_DAY],
    };
    // Fixed days on a weekday keep their date. The others, in date order, move to
    // the next weekday that is not already a holiday: Christmas on a Saturday gives
    // Mon 27 + Tue 28; on a Sunday, Boxing Day keeps Mon 26 and Christmas takes Tue 27.
    for &(month, day, title, _) in fixed {
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day).filter(|d| is_weekday(*d)) {
            out.push((date, title));
        }
    }
    for &(month, day, _, substitute_title) in fixed {
        let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
            continue;
        };
        if is_weekday(date) {
            continue;
        }
        let mut substitute = date.succ_opt();
        while let Some(d) = substitute {
            if is_weekday(d) && out.iter().all(|(taken, _)| *taken != d) {
                break;
            }
            substitute = d.succ_opt();
        }
        if let Some(d) = substitute {
            out.push((d, substitute_title));
        }
    }
    out.sort_by_key(|(date, _)| *date);
    out.dedup_by_key(|(date, _)| *date);
    out
}

/// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n / 31).ok()?;
    let day = u32::try_from(n % 31 + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let offset = (7 - first.weekday().num_days_from_monday()) % 7;
    first.checked_add_days(Days::new(u64::from(offset)))
}

fn first_friday(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let offset = (11 - first.weekday().num_days_from_monday()) % 7;
    first.checked_add_days(Days::new(u64::from(offset)))
}

fn last_monday(year: i32, month: u32, last_day: u32) -> Option<NaiveDate> {
    let last = NaiveDate::from_ymd_opt(year, month, last_day)?;
    last.checked_sub_days(Days::new(u64::from(last.weekday().num_days_from_monday())))
}

/// Dates on a calendar: the clock of timelines. `N working days` is the Nth
/// working day after the start (day 0); `N days` and `N hours` run on the
/// clock, weekends and bank holidays included, so they may end on a day no
/// one works; `same working day` and `immediately` end on the start day, or
/// the next working day if it is not one.
impl crate::timescale::Clock for Calendar {
    type Time = NaiveDate;
    fn after(&self, start: NaiveDate, term: &crate::timescale::Term) -> Option<NaiveDate> {
        use crate::timescale::{Term, Unit};
        let days = |n: u64| {
            u32::try_from(n)
                .ok()
                .and_then(|n| start.checked_add_days(chrono::Days::new(u64::from(n))))
                .unwrap_or(NaiveDate::MAX)
        };
        Some(match term {
            Term::Count { amount: 0, unit: Unit::WorkingDays, .. }
            | Term::SameWorkingDay
            | Term::Immediately => self.on_or_after(start),
            Term::Count { amount, unit: Unit::WorkingDays, .. } => self.add_working_days(start, *amount),
            Term::Count { amount, unit: Unit::CalendarDays, .. } => days(*amount),
            Term::Count { amount, unit: Unit::Hours, .. } => days(amount.div_ceil(24)),
            Term::Vague { .. } => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn cal(name: &str) -> Calendar {
        Calendar::named(name).expect("shipped calendar")
    }

    fn ew() -> Calendar {
        cal("england-and-wales")
    }

    /// Reference implementation: one day at a time.
    fn naive_add(c: &Calendar, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("in range");
            if c.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    fn naive_between(c: &Calendar, start: NaiveDate, end: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = start;
        while day < end {
            day = day.succ_opt().expect("in range");
            if c.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    #[test]
    fn names_resolve_and_unknown_is_none() {
        for name in Calendar::NAMES {
            let c = cal(name);
            assert_eq!(c.name(), *name);
            // The Isle of Man's table holds the years the Treasury's lists were found for.
            let years = if *name == "isle-of-man" { (2022, 2026) } else { (2010, 2035) };
            assert_eq!(c.published_years(), years, "{name}");
        }
        assert_eq!(Calendar::NAMES.len(), 6);
        assert!(Calendar::named("wales").is_none());
        assert!(Calendar::named("").is_none());
        assert!(Calendar::named("Scotland").is_none());
    }

    #[test]
    fn christmas_2026_examples() {
        let c = ew();
        let mon = date(2026, 12, 21);
        assert_eq!(c.add_working_days(mon, 0), mon);
        assert_eq!(c.add_working_days(mon, 2), date(2026, 12, 23));
        // 24 Thu; 25 Fri Christmas; 26-27 weekend; 28 Mon Boxing Day substitute; 29, 30.
        assert_eq!(c.add_working_days(mon, 5), date(2026, 12, 30));
        // 31 Thu; 1 Jan Fri New Year's Day; 2-3 weekend; 4, 5, 6, 7 Jan.
        assert_eq!(c.add_working_days(mon, 10), date(2027, 1, 7));
        // Scotland also closes Mon 4 Jan 2027 (2nd January falls on a Saturday).
        assert_eq!(cal("scotland").add_working_days(mon, 10), date(2027, 1, 8));
        assert_eq!(c.working_days_between(mon, date(2027, 1, 7)), 10);
        assert_eq!(c.holiday(date(2026, 12, 25)), Some("Christmas Day"));
        assert_eq!(c.holiday(date(2026, 12, 28)), Some("Boxing Day (substitute day)"));
        assert!(!c.is_working_day(date(2026, 12, 28)));
        assert!(c.is_working_day(date(2026, 12, 24)));
    }

    #[test]
    fn christmas_2027_on_saturday() {
        for name in Calendar::NAMES {
            let c = cal(name);
            assert!(!c.is_working_day(date(2027, 12, 27)), "{name}");
            assert!(!c.is_working_day(date(2027, 12, 28)), "{name}");
            assert!(c.is_working_day(date(2027, 12, 29)), "{name}");
        }
    }

    #[test]
    fn non_working_start_counts_from_next_working_day() {
        let c = ew();
        let sat = date(2025, 4, 19); // Easter Saturday
        assert_eq!(c.add_working_days(sat, 0), sat);
        assert_eq!(c.add_working_days(sat, 1), date(2025, 4, 22)); // Mon 21 is Easter Monday
        assert_eq!(c.working_days_between(sat, date(2025, 4, 22)), 1);
        assert_eq!(c.working_days_between(date(2025, 4, 22), sat), 0);
        assert_eq!(c.working_days_between(sat, sat), 0);
    }

    #[test]
    fn easter_2025() {
        let c = ew();
        assert_eq!(c.holiday(date(2025, 4, 18)), Some("Good Friday"));
        assert_eq!(c.holiday(date(2025, 4, 21)), Some("Easter Monday"));
        let s = cal("scotland");
        assert_eq!(s.holiday(date(2025, 4, 18)), Some("Good Friday"));
        assert_eq!(s.holiday(date(2025, 4, 21)), None);
        assert!(s.is_working_day(date(2025, 4, 21)));
    }

    #[test]
    fn one_off_days() {
        // The GOV.UK divisions; the Crown Dependencies' own are tested below.
        for name in &Calendar::NAMES[..3] {
            let c = cal(name);
            for d in [
                date(2011, 4, 29),
                date(2012, 6, 4),
                date(2012, 6, 5),
                date(2020, 5, 8),
                date(2022, 6, 2),
                date(2022, 6, 3),
                date(2022, 9, 19),
                date(2023, 5, 8),
            ] {
                assert!(c.holiday(d).is_some(), "{name} {d}");
            }
            // The days the one-offs replaced are ordinary working days.
            for d in [date(2012, 5, 28), date(2020, 5, 4), date(2022, 5, 30)] {
                assert!(c.is_working_day(d), "{name} {d}");
            }
        }
        let c = ew();
        assert_eq!(
            c.holiday(date(2022, 9, 19)),
            Some("Bank Holiday for the State Funeral of Queen Elizabeth II")
        );
        assert_eq!(c.holiday(date(2023, 5, 8)), Some("Bank holiday for the coronation of King Charles III"));
    }

    /// A board's closed days are no working days; counting past them agrees
    /// with counting day by day, across a year's end.
    #[test]
    fn closed_days_are_no_working_days() {
        let c =
            ew().with_closed(&[(date(2026, 12, 24), date(2027, 1, 1)), (date(2027, 1, 4), date(2027, 1, 4))]);
        assert_eq!(c.holiday(date(2026, 12, 24)), Some(CLOSED_TITLE));
        assert_eq!(c.holiday(date(2026, 12, 25)), Some("Christmas Day")); // a bank holiday keeps its name
        assert!(!c.is_working_day(date(2026, 12, 31)) && !c.is_working_day(date(2027, 1, 4)));
        assert!(c.is_working_day(date(2027, 1, 5)) && ew().is_working_day(date(2026, 12, 24)));
        assert_eq!(c.add_working_days(date(2026, 12, 23), 3), date(2027, 1, 7));
        assert_eq!(ew().add_working_days(date(2026, 12, 23), 3), date(2026, 12, 30));
        for n in 0..30 {
            let start = date(2026, 12, 10);
            assert_eq!(c.add_working_days(start, u64::from(n)), naive_add(&c, start, n), "{n}");
            let end = c.add_working_days(start, u64::from(n));
            assert_eq!(c.working_days_between(start, end), naive_between(&c, start, end), "{n}");
        }
        assert_eq!(
            c,
            ew().with_closed(&[(date(2027, 1, 4), date(2027, 1, 4)), (date(2026, 12, 24), date(2027, 1, 1))])
        );
        assert_ne!(c, ew());
    }

    /// Issue 23: the Isle of Man, Jersey and Guernsey, each with its own days.
    #[test]
    fn crown_dependencies() {
        let (m, j, g, e) = (cal("isle-of-man"), cal("jersey"), cal("guernsey"), ew());
        // The TT bank holiday and Tynwald Day (5 July, a Sunday in 2026: Monday 6).
        assert_eq!(m.holiday(date(2026, 6, 5)), Some("TT bank holiday"));
        assert_eq!(m.holiday(date(2022, 6, 10)), Some("TT bank holiday"));
        assert!(m.is_working_day(date(2023, 6, 2))); // TT was the second Friday in 2023
        assert_eq!(m.holiday(date(2026, 7, 6)), Some("Tynwald Day (substitute day)"));
        assert_eq!(m.holiday(date(2024, 7, 5)), Some("Tynwald Day"));
        assert!(e.is_working_day(date(2026, 6, 5)) && e.is_working_day(date(2026, 7, 6)));
        // Friday 5 June 2026 (TT) to Monday 8 June: one working day on the
        // island, one less than in England.
        assert_eq!(m.add_working_days(date(2026, 6, 4), 1), date(2026, 6, 8));
        assert_eq!(e.add_working_days(date(2026, 6, 4), 1), date(2026, 6, 5));
        // Beyond the island's table, the rules: the first Friday in June.
        assert!(!m.is_published(date(2027, 1, 1)) && m.is_published(date(2026, 12, 31)));
        assert_eq!(m.holiday(date(2027, 6, 4)), Some("TT bank holiday"));
        assert_eq!(m.holiday(date(2027, 7, 5)), Some("Tynwald Day"));
        // Liberation Day, 9 May, on weekdays only (never a substitute day).
        for c in [&j, &g] {
            assert_eq!(c.holiday(date(2025, 5, 9)), Some("Liberation Day"), "{c:?}");
            assert!(c.is_working_day(date(2026, 5, 11)), "{c:?}"); // 9 May 2026 is a Saturday
        }
        assert!(e.is_working_day(date(2025, 5, 9)));
        // Each island's one-off days.
        assert!(j.holiday(date(2021, 9, 27)).is_some() && g.is_working_day(date(2021, 9, 27)));
        assert!(j.holiday(date(2020, 5, 4)).is_some() && g.is_working_day(date(2020, 5, 4)));
        assert!(g.holiday(date(2010, 5, 10)).is_some() && j.is_working_day(date(2010, 5, 10)));
        assert!(j.holiday(date(2024, 7, 15)).is_some() && g.holiday(date(2024, 7, 16)).is_some());
        assert!(j.holiday(date(2022, 9, 19)).is_some() && m.holiday(date(2022, 9, 19)).is_some());
    }

    #[test]
    fn division_differences() {
        let (e, s, n) = (ew(), cal("scotland"), cal("northern-ireland"));
        let jan2 = date(2025, 1, 2);
        assert!(e.is_working_day(jan2));
        assert!(n.is_working_day(jan2));
        assert_eq!(s.holiday(jan2), Some("2nd January"));
        let paddy = date(2025, 3, 17);
        assert_eq!(n.holiday(paddy), Some("St Patrick\u{2019}s Day"));
        assert!(e.is_working_day(paddy) && s.is_working_day(paddy));
        assert!(n.holiday(date(2025, 7, 14)).is_some()); // 12 July 2025 is a Saturday
        assert!(e.is_working_day(date(2025, 7, 14)));
        assert!(s.holiday(date(2025, 12, 1)).is_some()); // 30 Nov 2025 is a Sunday
        assert!(s.holiday(date(2025, 8, 4)).is_some()); // first Monday in August
        assert!(s.is_working_day(date(2025, 8, 25)));
        assert!(!e.is_working_day(date(2025, 8, 25)));
    }

    #[test]
    fn scotland_new_year_substitutes() {
        let s = cal("scotland");
        // 2022: 1 Jan Saturday -> Mon 3 and Tue 4.
        assert!(!s.is_working_day(date(2022, 1, 3)));
        assert!(!s.is_working_day(date(2022, 1, 4)));
        assert!(s.is_working_day(date(2022, 1, 5)));
        // 2023: 1 Jan Sunday -> Mon 2 (2nd January) and Tue 3 (substitute).
        assert!(!s.is_working_day(date(2023, 1, 2)));
        assert!(!s.is_working_day(date(2023, 1, 3)));
        assert!(ew().is_working_day(date(2023, 1, 3)));
    }

    #[test]
    fn dates_are_read_as_gov_uk_writes_them_and_nothing_else() {
        assert_eq!(iso_date("2026-12-28"), Some(date(2026, 12, 28)));
        assert_eq!(iso_date("2024-02-29"), Some(date(2024, 2, 29)));
        for bad in ["2026-1-05", "2026-13-01", "2025-02-29", "2026/12/28", "2026-12-2x", "+026-12-28", ""] {
            assert_eq!(iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn easter_algorithm_known_dates() {
        let known = [
            (1818, 3, 22),
            (1943, 4, 25),
            (2010, 4, 4),
            (2011, 4, 24),
            (2013, 3, 31),
            (2016, 3, 27),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2030, 4, 21),
            (2035, 3, 25),
            (2036, 4, 13),
            (2038, 4, 25),
            (2040, 4, 1),
            (2285, 3, 22),
        ];
        for (y, m, d) in known {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "{y}");
        }
    }

    /// Years whose published days differ from the rules, and how.
    /// (year, rule days removed, days added); the same in the three GOV.UK divisions.
    type MonthDays = &'static [(u32, u32)];
    type OneOffs = &'static [(i32, MonthDays, MonthDays)];
    const ONE_OFFS: OneOffs = &[
        (2011, &[], &[(4, 29)]),
        (2012, &[(5, 28)], &[(6, 4), (6, 5)]),
        (2020, &[(5, 4)], &[(5, 8)]),
        (2022, &[(5, 30)], &[(6, 2), (6, 3), (9, 19)]),
        (2023, &[], &[(5, 8)]),
    ];
    /// The Isle of Man: the TT bank holiday on the second Friday in June in
    /// 2022 and 2023 (the rule says the first).
    const ISLE_OF_MAN_ONE_OFFS: OneOffs = &[
        (2022, &[(5, 30), (6, 3)], &[(6, 2), (6, 3), (6, 10), (9, 19)]),
        (2023, &[(6, 2)], &[(5, 8), (6, 9)]),
    ];
    /// Jersey kept its early May bank holiday in 2020 and added VE Day; the
    /// Corn Riots anniversary (2021) and the King's visit (2024) are its own.
    const JERSEY_ONE_OFFS: OneOffs = &[
        (2011, &[], &[(4, 29)]),
        (2012, &[(5, 28)], &[(6, 4), (6, 5)]),
        (2020, &[], &[(5, 8)]),
        (2021, &[], &[(9, 27)]),
        (2022, &[(5, 30)], &[(6, 2), (6, 3), (9, 19)]),
        (2023, &[], &[(5, 8)]),
        (2024, &[], &[(7, 15)]),
    ];
    /// Guernsey moved Liberation Day (a Sunday) to Monday 10 May in 2010.
    const GUERNSEY_ONE_OFFS: OneOffs = &[
        (2010, &[], &[(5, 10)]),
        (2011, &[], &[(4, 29)]),
        (2012, &[(5, 28)], &[(6, 4), (6, 5)]),
        (2020, &[(5, 4)], &[(5, 8)]),
        (2022, &[(5, 30)], &[(6, 2), (6, 3), (9, 19)]),
        (2023, &[], &[(5, 8)]),
        (2024, &[], &[(7, 16)]),
    ];

    fn one_offs(division: Division) -> OneOffs {
        match division {
            Division::IsleOfMan => ISLE_OF_MAN_ONE_OFFS,
            Division::Jersey => JERSEY_ONE_OFFS,
            Division::Guernsey => GUERNSEY_ONE_OFFS,
            _ => ONE_OFFS,
        }
    }

    #[test]
    fn rules_agree_with_table_except_one_offs() {
        for name in Calendar::NAMES {
            let c = cal(name);
            let (first, last) = c.published_years();
            for year in first..=last {
                let table: Vec<(NaiveDate, &str)> = c
                    .table
                    .dates
                    .iter()
                    .zip(&c.table.titles)
                    .filter(|(d, _)| d.year() == year)
                    .map(|(d, t)| (*d, t.as_str()))
                    .collect();
                assert!(table.len() >= 8, "{name} {year}: only {} days", table.len());
                let rules = rule_holidays(c.division, year);
                match one_offs(c.division).iter().find(|(y, _, _)| *y == year) {
                    None => assert_eq!(table, rules, "{name} {year}"),
                    Some((_, removed, added)) => {
                        let mut expected: BTreeSet<NaiveDate> = rules.iter().map(|(d, _)| *d).collect();
                        for &(m, d) in *removed {
                            assert!(expected.remove(&date(year, m, d)), "{name} {year}");
                        }
                        for &(m, d) in *added {
                            assert!(expected.insert(date(year, m, d)), "{name} {year}");
                        }
                        let got: BTreeSet<NaiveDate> = table.iter().map(|(d, _)| *d).collect();
                        assert_eq!(got, expected, "{name} {year}");
                    }
                }
            }
        }
    }

    #[test]
    fn table_holidays_are_weekdays() {
        for name in Calendar::NAMES {
            let c = cal(name);
            for d in &c.table.dates {
                assert!(is_weekday(*d), "{name} {d}");
            }
        }
    }

    #[test]
    fn published_and_rule_years() {
        let c = ew();
        assert!(c.is_published(date(2010, 1, 1)));
        assert!(c.is_published(date(2035, 12, 31)));
        assert!(!c.is_published(date(2009, 12, 31)));
        assert!(!c.is_published(date(2036, 1, 1)));
        // Rules outside the table: Easter 2036 is 13 April; 1 Jan 2039 is a Saturday.
        assert_eq!(c.holiday(date(2036, 4, 11)), Some("Good Friday"));
        assert_eq!(c.holiday(date(2036, 4, 14)), Some("Easter Monday"));
        assert_eq!(c.holiday(date(2039, 1, 3)), Some("New Year\u{2019}s Day (substitute day)"));
        assert_eq!(c.holiday(date(2009, 12, 25)), Some("Christmas Day"));
        // Counting across the end of the table.
        let start = date(2035, 12, 20);
        let end = c.add_working_days(start, 30);
        assert_eq!(end, naive_add(&c, start, 30));
        assert_eq!(c.working_days_between(start, end), 30);
    }

    #[test]
    fn weekday_count_matches_brute_force() {
        let base = date(2023, 12, 25);
        for a in 0..20u64 {
            for len in 0..30u64 {
                let first = base + Days::new(a);
                let last = first + Days::new(len);
                let brute =
                    first.iter_days().take_while(|d| *d <= last).filter(|d| is_weekday(*d)).count() as u64;
                assert_eq!(weekdays_in(first, last), brute, "{first}..={last}");
            }
        }
        assert_eq!(weekdays_in(date(2024, 1, 2), date(2024, 1, 1)), 0);
        assert_eq!(date(1, 1, 1).weekday(), Weekday::Mon);
    }

    #[test]
    fn large_counts_and_extremes_do_not_panic() {
        let c = ew();
        let start = date(2025, 1, 6);
        let far = c.add_working_days(start, 100_000);
        assert_eq!(c.working_days_between(start, far), 100_000);
        assert!(c.is_working_day(far));
        assert_eq!(c.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(c.add_working_days(NaiveDate::MIN, u64::from(u32::MAX)), NaiveDate::MAX);
        let near_end = NaiveDate::MAX - Days::new(10);
        assert_eq!(c.add_working_days(near_end, 100), NaiveDate::MAX);
        let _ = c.holiday(NaiveDate::MAX);
        let _ = c.holiday(NaiveDate::MIN);
        let _ = c.is_working_day(NaiveDate::MIN);
        assert_eq!(c.working_days_between(NaiveDate::MAX, NaiveDate::MIN), 0);
        let near_start = NaiveDate::MIN + Days::new(3);
        assert_eq!(
            c.working_days_between(NaiveDate::MIN, near_start),
            naive_between(&c, NaiveDate::MIN, near_start)
        );
    }

    fn any_date(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
        let span = (to - from).num_days();
        (0..=span).prop_map(move |offset| from + Days::new(offset as u64))
    }

    fn any_calendar() -> impl Strategy<Value = Calendar> {
        prop::sample::select(Calendar::NAMES).prop_map(cal)
    }

    proptest! {
        #[test]
        fn add_and_between_are_inverse(
            c in any_calendar(),
            d in any_date(date(2010, 1, 1), date(2040, 12, 31)),
            n in 0u32..400,
        ) {
            let end = c.add_working_days(d, u64::from(n));
            if n > 0 {
                prop_assert!(c.is_working_day(end));
            } else {
                prop_assert_eq!(end, d);
            }
            prop_assert_eq!(c.working_days_between(d, end), n);
            let next = c.add_working_days(d, u64::from(n) + 1);
            prop_assert!(next > end);
            prop_assert_eq!(c.working_days_between(end, next), 1);
        }

        #[test]
        fn matches_day_by_day_reference(
            c in any_calendar(),
            d in any_date(date(1990, 1, 1), date(2100, 12, 31)),
            n in 0u32..800,
        ) {
            let end = naive_add(&c, d, n);
            prop_assert_eq!(c.add_working_days(d, u64::from(n)), end);
            prop_assert_eq!(c.working_days_between(d, end), n);
            let other = d + Days::new(u64::from(n));
            prop_assert_eq!(c.working_days_between(d, other), naive_between(&c, d, other));
        }
    }
}
