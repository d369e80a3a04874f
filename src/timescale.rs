//! Timescales as the protocols state them, and the bound each one gives.
//!
//! Durations are counted in whole working days. Hour-based timescales round
//! up to days (`24 hours` is 1 working day, `25 hours` is 2); `same working
//! day` and `immediately` are 0 days. Vague words (`without delay`) give no
//! bound at all.

use serde::Serialize;
use std::fmt;
use std::ops::Add;

use crate::span::Span;

/// A whole number of working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct WorkingDays(pub u32);

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

/// One way of stating a time, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Term {
    /// `2 working days`, `a further 2 working days`.
    WorkingDays { days: u32, further: bool },
    /// `a further working week`: 5 working days a week.
    WorkingWeeks { weeks: u32, further: bool },
    /// `24 hours`.
    Hours { hours: u32, further: bool },
    /// `same working day`.
    SameWorkingDay,
    /// `immediately`, `at once`.
    Immediately,
    /// `without delay`, `in a timely manner`, or the protocol's own words.
    Vague { words: String },
}

impl Term {
    /// The bound this term gives, if any.
    pub fn bound(&self) -> Option<WorkingDays> {
        match self {
            Term::WorkingDays { days, .. } => Some(WorkingDays(*days)),
            Term::WorkingWeeks { weeks, .. } => Some(WorkingDays(weeks.saturating_mul(5))),
            Term::Hours { hours, .. } => Some(WorkingDays(hours.div_ceil(24))),
            Term::SameWorkingDay | Term::Immediately => Some(WorkingDays(0)),
            Term::Vague { .. } => None,
        }
    }

    /// True for a time short enough for a child at immediate risk: at once,
    /// the same working day, or within 24 hours.
    pub fn is_immediate(&self) -> bool {
        match self {
            Term::Immediately | Term::SameWorkingDay => true,
            Term::Hours { hours, .. } => *hours <= 24,
            Term::WorkingDays { .. } | Term::WorkingWeeks { .. } | Term::Vague { .. } => false,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let further = |yes: bool| if yes { "a further " } else { "" };
        match self {
            Term::WorkingWeeks { weeks: 1, further: true } => write!(f, "a further working week"),
            Term::WorkingWeeks { weeks: 1, further: false } => write!(f, "a working week"),
            Term::WorkingWeeks { weeks, further: fu } => {
                write!(f, "{}{weeks} working weeks", further(*fu))
            }
            Term::WorkingDays { days, further: fu } => {
                write!(f, "{}{}", further(*fu), WorkingDays(*days))
            }
            Term::Hours { hours: 1, further: fu } => write!(f, "{}1 hour", further(*fu)),
            Term::Hours { hours, further: fu } => write!(f, "{}{hours} hours", further(*fu)),
            Term::SameWorkingDay => write!(f, "same working day"),
            Term::Immediately => write!(f, "immediately"),
            Term::Vague { words } => write!(f, "{words}"),
        }
    }
}

/// A timescale: one term, or several of which the shortest applies
/// (`10 working days or "a timescale that protects the child", whichever is shorter`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timescale {
    pub terms: Vec<Term>,
    #[serde(skip)]
    pub span: Span,
}

impl Timescale {
    /// The shortest bounded term: "whichever is shorter" is bounded as soon
    /// as one alternative is.
    pub fn bound(&self) -> Option<WorkingDays> {
        self.terms.iter().filter_map(Term::bound).min()
    }

    pub fn is_immediate(&self) -> bool {
        self.terms.iter().any(Term::is_immediate)
    }

    /// The vague words, if the timescale has no bound.
    pub fn vague_words(&self) -> Option<String> {
        if self.bound().is_some() {
            return None;
        }
        let words: Vec<String> = self.terms.iter().map(|t| format!("`{t}`")).collect();
        Some(words.join(" or "))
    }
}

impl fmt::Display for Timescale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                write!(f, " or ")?;
            }
            match term {
                Term::Vague { words } if !is_vague_phrase(words) => write!(f, "\"{words}\"")?,
                _ => write!(f, "{term}")?,
            }
        }
        if self.terms.len() > 1 {
            write!(f, ", whichever is shorter")?;
        }
        Ok(())
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

    /// The later of two worst cases.
    pub fn max(self, other: Worst) -> Worst {
        Worst { days: self.days.max(other.days), unbounded: self.unbounded || other.unbounded }
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

    fn ts(terms: Vec<Term>) -> Timescale {
        Timescale { terms, span: Span::default() }
    }

    #[test]
    fn hours_round_up_to_working_days() {
        assert_eq!(Term::Hours { hours: 24, further: false }.bound(), Some(WorkingDays(1)));
        assert_eq!(Term::Hours { hours: 25, further: false }.bound(), Some(WorkingDays(2)));
        assert_eq!(Term::SameWorkingDay.bound(), Some(WorkingDays(0)));
    }

    #[test]
    fn whichever_is_shorter_takes_the_bounded_minimum() {
        let vague = Term::Vague { words: "a timescale that protects the child".into() };
        let ten = Term::WorkingDays { days: 10, further: false };
        let two = Term::WorkingDays { days: 2, further: false };
        assert_eq!(ts(vec![ten.clone(), vague.clone()]).bound(), Some(WorkingDays(10)));
        assert_eq!(ts(vec![ten, two]).bound(), Some(WorkingDays(2)));
        assert_eq!(ts(vec![vague]).bound(), None);
    }

    #[test]
    fn worst_case_keeps_the_lower_bound_when_unbounded() {
        let a = Worst::of(Some(WorkingDays(5))) + Worst::of(None);
        assert_eq!(a, Worst { days: WorkingDays(5), unbounded: true });
        assert_eq!(a.max(Worst::of(Some(WorkingDays(7)))).days, WorkingDays(7));
    }

    #[test]
    fn terms_print_as_written() {
        let week = Term::WorkingWeeks { weeks: 1, further: true };
        assert_eq!(week.to_string(), "a further working week");
        assert_eq!(week.bound(), Some(WorkingDays(5)));
        let ten = Term::WorkingDays { days: 10, further: false };
        assert_eq!(ten.to_string(), "10 working days");
        let t = ts(vec![Term::WorkingDays { days: 10, further: false }, Term::Vague { words: "x".into() }]);
        assert_eq!(t.to_string(), "10 working days or \"x\", whichever is shorter");
    }
}
