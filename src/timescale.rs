//! Timescales as the protocols state them, and the bound each one gives.
//!
//! A timescale keeps the words it was written in ([`Timescale::written`]),
//! which every view shows, and what escalate makes of them: one or more
//! [`Term`]s, how they combine ([`Join`]), an optional point it counts from
//! ([`Anchor`]), a condition that may make it shorter (`or earlier if ...`)
//! and whether the protocol only advises it.
//!
//! Time is counted on a [`Clock`]. The worst case counts on [`Count`]: an
//! upper bound in whole working days, the same for every start day (a
//! calendar day or 24 hours is at most one working day, 7 days at most 5).
//! Timelines count on a real calendar (`timeline::Dates`), term by term.
//! Both go through the same functions ([`Timescale::end`], and
//! `model::Stage::end`), so a date and a worst case never disagree on what a
//! timescale means.

use serde::Serialize;
use std::fmt;
use std::ops::Add;

use crate::rare::{Empty, Rare};
use crate::span::Span;

/// A whole number of working days. Counted in `u64`: counts in a file are at
/// most `u32::MAX` each and a file holds at most 64 MB of them, so sums never
/// come near overflowing (and saturate if they ever did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash, Serialize)]
#[serde(transparent)]
pub struct WorkingDays(pub u64);

impl Add for WorkingDays {
    type Output = WorkingDays;
    fn add(self, other: WorkingDays) -> WorkingDays {
        WorkingDays(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for WorkingDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => write!(f, "1 working day"),
            n => write!(f, "{n} working days"),
        }
    }
}

/// What a count of time counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unit {
    /// `5 working days`, `a working week` (5).
    WorkingDays,
    /// `5 days`, `10 calendar days`, `a week` (7): every day counts,
    /// weekends and bank holidays too.
    CalendarDays,
    /// `48 hours`: time on the clock.
    Hours,
}

impl Unit {
    /// How readers count it, in words.
    pub fn words(self) -> &'static str {
        match self {
            Unit::WorkingDays => "working days",
            Unit::CalendarDays => "calendar days",
            Unit::Hours => "hours",
        }
    }
}

/// One way of stating a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Term {
    /// `2 working days`, `five days`, `a week`, `48 hours`, `no more than 15
    /// working days`, `a further 2 working days`. Weeks are stored as days.
    Count { amount: u64, unit: Unit, further: bool },
    /// `same working day`.
    SameWorkingDay,
    /// `immediately`, `at once`.
    Immediately,
    /// `without delay`, `as soon as possible`, or the protocol's own words.
    Vague { words: String },
}

/// The most working days `days` consecutive calendar days can hold: five in
/// every seven, and up to five of the rest.
pub fn working_days_in(days: u64) -> WorkingDays {
    WorkingDays((days / 7).saturating_mul(5).saturating_add((days % 7).min(5)))
}

impl Term {
    /// The most working days this term can take, on any start day.
    pub fn bound(&self) -> Option<WorkingDays> {
        match self {
            Term::Count { amount, unit: Unit::WorkingDays, .. } => Some(WorkingDays(*amount)),
            Term::Count { amount, unit: Unit::CalendarDays, .. } => Some(working_days_in(*amount)),
            Term::Count { amount, unit: Unit::Hours, .. } => Some(working_days_in(amount.div_ceil(24))),
            Term::SameWorkingDay | Term::Immediately => Some(WorkingDays(0)),
            Term::Vague { .. } => None,
        }
    }

    /// True for a time short enough for a child at immediate risk: at once,
    /// the same working day, or within 24 hours.
    pub fn is_immediate(&self) -> bool {
        match self {
            Term::Immediately | Term::SameWorkingDay => true,
            Term::Count { amount, unit: Unit::Hours, .. } => *amount <= 24,
            Term::Count { .. } | Term::Vague { .. } => false,
        }
    }

    /// The unit a reader counts this term in, if it is a count.
    pub fn unit(&self) -> Option<Unit> {
        match self {
            Term::Count { unit, .. } => Some(*unit),
            _ => None,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Count { amount, unit, further } => {
                if *further {
                    write!(f, "a further ")?;
                }
                match (unit, amount) {
                    (Unit::WorkingDays, 1) => write!(f, "1 working day"),
                    (Unit::CalendarDays, 1) => write!(f, "1 calendar day"),
                    (Unit::Hours, 1) => write!(f, "1 hour"),
                    (unit, n) => write!(f, "{n} {}", unit.words()),
                }
            }
            Term::SameWorkingDay => write!(f, "same working day"),
            Term::Immediately => write!(f, "immediately"),
            Term::Vague { words } => write!(f, "{words}"),
        }
    }
}

/// How the terms of one timescale combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Join {
    /// One term, or `A or B, whichever is shorter`: the shorter bounded one.
    #[default]
    Shorter,
    /// `as soon as possible and within 15 working days`: both must hold, so
    /// the shorter bounded one.
    Both,
    /// `48 hours (two working days)`: the same time said twice; counted as
    /// the longer, and `unit-mismatch` says when they differ.
    Equivalent,
}

/// Which end of a stage or step a timescale counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Point {
    Start,
    End,
}

/// What a timescale counts from, when not from where its element begins:
/// `within 5 working days of step 1`, `of the disagreement`, `of the end of
/// stage 2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "of", rename_all = "kebab-case")]
pub enum Anchor {
    /// The start of the disagreement (of its pathway).
    Disagreement,
    /// A stage, by id: `of stage 2` is its start.
    Stage { id: String, point: Point },
    /// A step of the same stage, 1 for the first: `of step 1` is its end.
    Step { number: u64, point: Point },
    /// A step of the same stage by the name it is given (`as meeting`):
    /// `of the meeting` is its end.
    Named { name: String, point: Point },
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let point = |p: &Point| match p {
            Point::Start => "the start of ",
            Point::End => "the end of ",
        };
        match self {
            Anchor::Disagreement => write!(f, "the disagreement"),
            Anchor::Stage { id, point: p } => write!(f, "{}stage {id}", point(p)),
            Anchor::Step { number, point: p } => write!(f, "{}step {number}", point(p)),
            Anchor::Named { name, point: p } => write!(f, "{}the {name}", point(p)),
        }
    }
}

/// A timescale, as written and as counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timescale {
    pub terms: Vec<Term>,
    pub join: Join,
    /// What it counts from and `or earlier if`, which most timescales leave
    /// out (read as fields: `timescale.anchor`).
    #[serde(flatten)]
    pub more: Rare<Counted>,
    /// `advisory`, or the protocol's `timescales advisory`: a suggested
    /// time, not a promise. `limit-exceeded` against it is a warning.
    pub advisory: bool,
    /// The words as written (runs of whitespace as one space): what every
    /// view shows.
    pub written: String,
    #[serde(skip)]
    pub span: Span,
}

/// A timescale's clauses that most timescales leave out, out of line
/// ([`Rare`]): 56 of a timescale's 128 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// `or earlier if the child is at risk`: kept, and shown; it does not
    /// change the bound.
    pub earlier_if: Option<String>,
    pub anchor: Option<Anchor>,
    /// `of the start or end of ...`: the text does not say which end of the
    /// anchor its clock starts at. Counted from the end; the start's reading
    /// is [`crate::analysis::Reading`]'s.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unclear: bool,
}

impl Empty for Counted {
    fn empty() -> &'static Counted {
        static EMPTY: Counted = Counted { earlier_if: None, anchor: None, unclear: false };
        &EMPTY
    }
}

crate::rare::rare_part!(Timescale, Counted);

/// A time a clock can count to.
pub trait Clock {
    type Time: Copy + Ord;
    /// When `term`, begun at `start`, ends; `None` if it has no bound.
    fn after(&self, start: Self::Time, term: &Term) -> Option<Self::Time>;
}

/// The clock of worst cases: working days from day 0, the most each term can
/// take on any start day.
pub struct Count;

impl Clock for Count {
    type Time = WorkingDays;
    fn after(&self, start: WorkingDays, term: &Term) -> Option<WorkingDays> {
        Some(start + term.bound()?)
    }
}

impl Timescale {
    /// A plain timescale of one term, as if written in its own words.
    pub fn of(term: Term) -> Timescale {
        let written = term.to_string();
        Timescale {
            terms: vec![term],
            join: Join::Shorter,
            more: Rare::default(),
            advisory: false,
            written,
            span: Span::default(),
        }
    }

    /// When the timescale, begun at `start`, ends on `clock`; `None` if it
    /// has no bound. Alternatives and "both must hold" take the earliest
    /// bounded end; an equivalence takes the latest.
    pub fn end<C: Clock>(&self, clock: &C, start: C::Time) -> Option<C::Time> {
        let ends = self.terms.iter().filter_map(|t| clock.after(start, t));
        match self.join {
            Join::Shorter => ends.min(),
            // `immediately and within 2 working days`: "immediately" says how
            // soon to act and the other term the most it may take, so the
            // worst case is the other term's (none if it is vague), never 0.
            Join::Both if self.terms.iter().any(|t| !matches!(t, Term::Immediately)) => self
                .terms
                .iter()
                .filter(|t| !matches!(t, Term::Immediately))
                .filter_map(|t| clock.after(start, t))
                .min(),
            Join::Both => ends.min(),
            Join::Equivalent => ends.max(),
        }
    }

    /// The most working days it can take.
    pub fn bound(&self) -> Option<WorkingDays> {
        self.end(&Count, WorkingDays(0))
    }

    pub fn is_immediate(&self) -> bool {
        match self.join {
            Join::Shorter | Join::Both => self.terms.iter().any(Term::is_immediate),
            Join::Equivalent => self.terms.iter().all(Term::is_immediate),
        }
    }

    /// The units a reader counts this timescale in.
    pub fn units(&self) -> impl Iterator<Item = Unit> + '_ {
        self.terms.iter().filter_map(Term::unit)
    }

    /// The vague words, if the timescale has no bound.
    pub fn vague_words(&self) -> Option<String> {
        if self.bound().is_some() {
            return None;
        }
        match self.terms.as_slice() {
            // Quoted words are shown as the words themselves.
            [Term::Vague { words }] if self.anchor.is_none() && self.earlier_if.is_none() => {
                Some(format!("`{words}`"))
            }
            _ => Some(format!("`{}`", self.written)),
        }
    }

    /// How escalate counts it, when that needs saying beside the words:
    /// `at most 1 working day` for `24 hours`, `at most 20 working days` for
    /// `28 days`, `counted as 5 working days from stage 1` for an anchored
    /// one; nothing for `2 working days` (which says so itself) or for words
    /// with no bound.
    pub fn counted_as(&self) -> Option<String> {
        let bound = self.bound()?;
        let plain = self.terms.len() == 1
            && matches!(
                self.terms[0],
                Term::Count { unit: Unit::WorkingDays, .. } | Term::SameWorkingDay | Term::Immediately
            );
        let anchored = self.anchor.as_ref().map(|a| format!(" from {a}")).unwrap_or_default();
        if plain && self.anchor.is_none() {
            return None;
        }
        // Calendar days and hours hold at most so many working days: a
        // bound, not an equivalence (the dates count the days themselves).
        let on_the_clock = self.units().any(|u| u != Unit::WorkingDays);
        let how = if on_the_clock { "at most" } else { "counted as" };
        Some(format!("{how} {bound}{anchored}"))
    }

    /// A bounded timescale as messages name it: its bound, with the words
    /// when they count calendar days or hours (`5 working days`; `5 days (at
    /// most 5 working days)`). `None` for words with no bound.
    pub fn stated(&self) -> Option<String> {
        let bound = self.bound()?;
        if self.units().all(|u| u == Unit::WorkingDays) {
            return Some(bound.to_string());
        }
        Some(format!("{} (at most {bound})", self.written))
    }

    /// The words as written, then escalate's count where it differs:
    /// `24 hours, counted as 1 working day`.
    pub fn described(&self) -> String {
        match self.counted_as() {
            Some(count) => format!("{}, {count}", self.written),
            None => self.written.clone(),
        }
    }
}

impl fmt::Display for Timescale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// The vague phrases the grammar knows by name (everything else vague is the
/// protocol's own words, written in quotes).
pub const VAGUE_PHRASES: &[&str] = &[
    "without delay",
    "in a timely manner",
    "as soon as possible",
    "as quickly as possible",
    "at the earliest opportunity",
    "promptly",
];

pub fn is_vague_phrase(words: &str) -> bool {
    VAGUE_PHRASES.contains(&words)
}

/// The number words a timescale may use, `one` to `thirty`.
pub fn number_word(word: &str) -> Option<u64> {
    const UNITS: [&str; 9] = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    const TEENS: [&str; 10] = [
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    let word = word.to_ascii_lowercase();
    let index = |list: &[&str], w: &str| list.iter().position(|u| *u == w).map(|i| i as u64);
    if let Some(i) = index(&UNITS, &word) {
        return Some(i + 1);
    }
    if let Some(i) = index(&TEENS, &word) {
        return Some(i + 10);
    }
    match word.as_str() {
        "twenty" => return Some(20),
        "thirty" => return Some(30),
        _ => {}
    }
    let rest = word.strip_prefix("twenty")?.trim_start_matches(['-', ' ']);
    index(&UNITS, rest).map(|i| 21 + i)
}

/// The worst-case time to some point: at least `days`, and with no bound at
/// all when `unbounded` (some part of the way has only vague timescales).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Worst {
    pub days: WorkingDays,
    pub unbounded: bool,
}

impl Worst {
    pub const ZERO: Worst = Worst { days: WorkingDays(0), unbounded: false };

    pub fn of(bound: Option<WorkingDays>) -> Worst {
        match bound {
            Some(days) => Worst { days, unbounded: false },
            None => Worst { days: WorkingDays(0), unbounded: true },
        }
    }

    /// The later of two worst cases: the most days either is known to take,
    /// unbounded if either is.
    pub fn max(self, other: Worst) -> Worst {
        Worst { days: self.days.max(other.days), unbounded: self.unbounded || other.unbounded }
    }

    /// `21 working days`, or `at least 21 working days` when unbounded.
    pub fn at_least(&self) -> String {
        if self.unbounded { format!("at least {}", self.days) } else { self.days.to_string() }
    }
}

impl Add for Worst {
    type Output = Worst;
    fn add(self, other: Worst) -> Worst {
        Worst { days: self.days + other.days, unbounded: self.unbounded || other.unbounded }
    }
}

impl fmt::Display for Worst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unbounded {
            write!(f, "unbounded (at least {})", self.days)
        } else {
            write!(f, "{}", self.days)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(amount: u64, unit: Unit) -> Term {
        Term::Count { amount, unit, further: false }
    }

    fn ts(terms: Vec<Term>, join: Join) -> Timescale {
        Timescale { terms, join, ..Timescale::of(Term::Immediately) }
    }

    #[test]
    fn hours_and_calendar_days_are_bounded_by_the_working_days_they_can_hold() {
        assert_eq!(count(24, Unit::Hours).bound(), Some(WorkingDays(1)));
        assert_eq!(count(25, Unit::Hours).bound(), Some(WorkingDays(2)));
        assert_eq!(count(7, Unit::CalendarDays).bound(), Some(WorkingDays(5)));
        assert_eq!(count(10, Unit::CalendarDays).bound(), Some(WorkingDays(8)));
        assert_eq!(count(3, Unit::CalendarDays).bound(), Some(WorkingDays(3)));
        assert_eq!(Term::SameWorkingDay.bound(), Some(WorkingDays(0)));
    }

    #[test]
    fn joins_take_the_shorter_or_the_longer() {
        let vague = Term::Vague { words: "a timescale that protects the child".into() };
        let ten = count(10, Unit::WorkingDays);
        let two = count(2, Unit::WorkingDays);
        assert_eq!(ts(vec![ten.clone(), vague.clone()], Join::Shorter).bound(), Some(WorkingDays(10)));
        assert_eq!(ts(vec![ten.clone(), two.clone()], Join::Shorter).bound(), Some(WorkingDays(2)));
        assert_eq!(ts(vec![vague.clone(), ten.clone()], Join::Both).bound(), Some(WorkingDays(10)));
        assert_eq!(ts(vec![Term::Immediately, two.clone()], Join::Both).bound(), Some(WorkingDays(2)));
        assert_eq!(ts(vec![Term::Immediately, vague.clone()], Join::Both).bound(), None);
        assert_eq!(ts(vec![Term::Immediately, Term::Immediately], Join::Both).bound(), Some(WorkingDays(0)));
        assert_eq!(ts(vec![Term::SameWorkingDay, two.clone()], Join::Both).bound(), Some(WorkingDays(0)));
        assert_eq!(ts(vec![count(48, Unit::Hours), two], Join::Equivalent).bound(), Some(WorkingDays(2)));
        assert_eq!(ts(vec![vague], Join::Shorter).bound(), None);
    }

    #[test]
    fn counts_never_overflow() {
        let big = count(u64::from(u32::MAX), Unit::WorkingDays).bound().unwrap_or_default();
        assert_eq!((big + big + big).0, 3 * u64::from(u32::MAX));
        assert_eq!(working_days_in(14), WorkingDays(10));
        // The largest count a file can hold is bounded without overflow.
        assert!(count(u64::MAX, Unit::Hours).bound().is_some_and(|d| d.0 > u64::from(u32::MAX)));
    }

    #[test]
    fn worst_case_keeps_the_lower_bound_when_unbounded() {
        let a = Worst::of(Some(WorkingDays(5))) + Worst::of(None);
        assert_eq!(a, Worst { days: WorkingDays(5), unbounded: true });
        assert_eq!(a.max(Worst::of(Some(WorkingDays(7)))).days, WorkingDays(7));
    }

    #[test]
    fn number_words_from_one_to_thirty() {
        assert_eq!(number_word("five"), Some(5));
        assert_eq!(number_word("Fifteen"), Some(15));
        assert_eq!(number_word("twenty-one"), Some(21));
        assert_eq!(number_word("twenty"), Some(20));
        assert_eq!(number_word("thirty"), Some(30));
        assert_eq!(number_word("forty"), None);
    }

    #[test]
    fn a_timescale_is_shown_as_written_with_the_count_where_it_differs() {
        let t = Timescale { written: "24 hours".into(), ..Timescale::of(count(24, Unit::Hours)) };
        assert_eq!(t.described(), "24 hours, at most 1 working day");
        let weeks =
            Timescale { written: "a working week".into(), ..Timescale::of(count(5, Unit::WorkingDays)) };
        assert_eq!(weeks.described(), "a working week");
        let days = Timescale { written: "28 days".into(), ..Timescale::of(count(28, Unit::CalendarDays)) };
        assert_eq!(days.described(), "28 days, at most 20 working days");
        let plain = Timescale::of(count(2, Unit::WorkingDays));
        assert_eq!(plain.described(), "2 working days");
    }
}
