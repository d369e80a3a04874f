//! Findings: every problem escalate reports, from a bad byte to a dead end.
//!
//! One type serves every phase so that the renderers (human, JSON) treat a
//! syntax error and a check's finding alike. Each has a stable [`Code`].

use serde::Serialize;
use std::fmt;

use crate::span::Span;

macro_rules! codes {
    ($( $variant:ident = $text:literal, $severity:ident, $input:literal, $summary:literal; )*) => {
        /// A finding's stable code. Never rename one: policy repositories
        /// refer to them in `allow` lines and CI configuration.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The kebab-case code, e.g. `dead-end`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            /// The severity a finding has unless configured otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// True for problems with the input itself (the file cannot be
            /// read, parsed or resolved): exit code 2, and no checks run.
            pub fn is_input_error(self) -> bool {
                match self { $( Code::$variant => $input, )* }
            }

            /// One line saying what the code means.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    ReadError = "read-error", Error, true, "a file could not be read";
    NotUtf8 = "not-utf8", Error, true, "a file is not UTF-8 text";
    FileTooLarge = "file-too-large", Error, true, "a file is larger than escalate accepts";
    EmptyFile = "empty-file", Error, true, "a file holds no protocol at all";
    SyntaxError = "syntax-error", Error, true, "the text does not follow the language's grammar";
    MissingProtocol = "missing-protocol", Error, true, "a file has no `protocol` header";
    DuplicateProtocol = "duplicate-protocol", Error, true, "a file has more than one `protocol` header";
    DuplicateClause = "duplicate-clause", Error, true, "something that may be said once is said twice";
    DuplicateName = "duplicate-name", Error, true, "two things share one name";
    UnknownName = "unknown-name", Error, true, "a route or stage names something that is not declared";
    UnknownCheck = "unknown-check", Error, true, "an `allow` line names a check that does not exist";
    UnknownCalendar = "unknown-calendar", Error, true, "the protocol names a calendar escalate does not ship";
    NoStages = "no-stages", Error, true, "a protocol has no stages";
    BadAnchor = "bad-anchor", Error, true, "a timescale counts from a point it cannot count from";
    InvalidScenario = "invalid-scenario", Error, true, "a scenario names something that does not exist, or cannot be run";
    ScenarioFailed = "scenario-failed", Error, true, "a scenario of `escalate test` does not go as it expects";
    DeadEnd = "dead-end", Error, false, "an unresolved disagreement has nowhere to go";
    NoWayOut = "no-way-out", Error, false, "a cycle of routes from which no outcome can be reached";
    Unreachable = "unreachable", Warning, false, "a stage, exit or outcome that no route reaches";
    UnboundedTimescale = "unbounded-timescale", Warning, false, "a stage, step or route with no bounded timescale";
    MissingImmediateRiskExit = "missing-immediate-risk-exit", Error, false, "no immediate route out for a child at immediate risk";
    LimitExceeded = "limit-exceeded", Error, false, "the worst case takes longer than the protocol's own limit";
    NotEscalating = "not-escalating", Warning, false, "the next stage is not more senior than the one before";
    MissingRecord = "missing-record", Warning, false, "a stage with no recording requirement";
    UnusedAllow = "unused-allow", Warning, false, "an `allow` line that silences nothing";
    MixedUnits = "mixed-units", Warning, false, "a protocol counts time in working days and also in calendar days or hours";
    UnitMismatch = "unit-mismatch", Warning, false, "a stated equivalence of two times that does not hold on every start day";
    LateRecord = "late-record", Warning, false, "a record due after its stage has ended";
    ImpliedRoute = "implied-route", Warning, false, "a route the protocol's text never states";
    DiscretionaryOnly = "discretionary-only", Warning, false, "a stage whose only way on is discretionary";
    ConflictedExit = "conflicted-exit", Warning, false, "the only route for a child at immediate risk goes to a side of the disagreement";
    AmbiguousAnchor = "ambiguous-anchor", Warning, false, "a timescale whose text does not say whether it counts from the start or the end of a step or stage";
}

impl Code {
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// Codes a protocol may silence with `allow`: the checks, not input errors.
    pub fn checks() -> impl Iterator<Item = Code> {
        Code::ALL.iter().copied().filter(|c| !c.is_input_error())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One finding about one file: a `thiserror` error whose `miette::Diagnostic`
/// gives the code, severity, labelled span and help. The file's text is
/// attached when it is shown (`render::human`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// One line, lowercase, no trailing period; user input in backticks.
    pub message: String,
    /// Where, if anywhere in particular.
    pub span: Option<Span>,
    /// What the span points at, in a few words.
    pub label: String,
    /// A second place worth showing, such as where a duplicate was first used.
    pub also: Option<(Span, String)>,
    /// How to fix it.
    pub help: String,
    /// The stage the finding is about, if any.
    pub stage: Option<String>,
    /// The written reason, when an `allow` line silenced this finding.
    pub allowed: Option<String>,
    /// The message to give when several findings like this one, with the
    /// same fix, are reported as one (`{n}` is their number); see
    /// [`group`].
    pub group: Option<String>,
    /// Every place a grouped finding applies to (empty for a finding about
    /// one place, which `span`, `label`, `message` and `stage` describe).
    pub places: Vec<Place>,
}

/// One place of a grouped finding: what the finding said about it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub span: Option<Span>,
    pub label: String,
    pub message: String,
    pub stage: Option<String>,
}

impl Finding {
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span: None,
            label: String::new(),
            also: None,
            help: String::new(),
            stage: None,
            allowed: None,
            group: None,
            places: Vec::new(),
        }
    }

    /// Marks a finding that is grouped with others like it (same code, same
    /// fix) under `message`, in which `{n}` is their number.
    pub fn grouped(mut self, message: impl Into<String>) -> Finding {
        self.group = Some(message.into());
        self
    }

    /// One finding per place: a grouped finding as the findings it groups
    /// (for JSON, SARIF and annotations, which give one result per location).
    pub fn per_location(&self) -> Vec<Finding> {
        if self.places.is_empty() {
            return vec![self.clone()];
        }
        // The finding without its places, cloned once: `..self.clone()` per
        // place copied every place for each, P² for a finding of P places
        // (6,000 grouped places: 21 s for `check --format json`, issues 26, 27).
        let common = self.without_places();
        self.places
            .iter()
            .map(|place| Finding {
                span: place.span,
                label: place.label.clone(),
                message: place.message.clone(),
                stage: place.stage.clone(),
                ..common.clone()
            })
            .collect()
    }

    /// A copy of everything but the places.
    fn without_places(&self) -> Finding {
        Finding {
            code: self.code,
            severity: self.severity,
            message: String::new(),
            span: self.span,
            label: String::new(),
            also: self.also.clone(),
            help: self.help.clone(),
            stage: None,
            allowed: self.allowed.clone(),
            group: self.group.clone(),
            places: Vec::new(),
        }
    }

    pub fn at(mut self, span: Span, label: impl Into<String>) -> Finding {
        self.span = Some(span);
        self.label = label.into();
        self
    }

    pub fn also(mut self, span: Span, label: impl Into<String>) -> Finding {
        self.also = Some((span, label.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = help.into();
        self
    }

    pub fn stage(mut self, stage: impl Into<String>) -> Finding {
        self.stage = Some(stage.into());
        self
    }

    /// Counts towards the exit code: not silenced by an `allow`.
    pub fn is_active(&self) -> bool {
        self.allowed.is_none()
    }
}

impl miette::Diagnostic for Finding {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.help.is_empty()).then(|| Box::new(&self.help) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if !self.places.is_empty() {
            // A report drawing thousands of labels takes quadratic time: the
            // first few are marked (the message says so), all are in JSON.
            let places = self.places.iter().take(MAX_MARKED_PLACES).filter_map(|place| {
                let label = (!place.label.is_empty()).then(|| place.label.clone());
                Some(miette::LabeledSpan::new_with_span(label, place.span?))
            });
            return Some(Box::new(places));
        }
        let span = self.span?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        let main = miette::LabeledSpan::new_with_span(label, span);
        let also = self
            .also
            .iter()
            .map(|(span, label)| miette::LabeledSpan::new_with_span(Some(label.clone()), *span));
        Some(Box::new(also.chain(std::iter::once(main))))
    }
}

/// Report findings marked [`Finding::grouped`] that share a code, a group
/// message and a help line as one finding with a label at each place, in
/// the place of the first. Silenced findings stay apart (each has its own
/// reason). One pass with a map: linear in the number of findings.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut first: std::collections::HashMap<(Code, String, String), usize> =
        std::collections::HashMap::new();
    for f in findings {
        let Some(message) = f.group.clone().filter(|_| f.is_active()) else {
            out.push(f);
            continue;
        };
        let key = (f.code, message, f.help.clone());
        match first.get(&key) {
            Some(&i) => out[i].places.push(place(&f)),
            None => {
                first.insert(key, out.len());
                out.push(f);
            }
        }
    }
    for f in &mut out {
        if f.places.is_empty() {
            continue;
        }
        f.places.insert(0, place(f));
        if let Some(message) = &f.group {
            f.message = message.replace("{n}", &f.places.len().to_string());
            if f.places.len() > MAX_MARKED_PLACES {
                f.message.push_str(&format!(" (the first {MAX_MARKED_PLACES} are marked)"));
            }
        }
        // A grouped finding is about several stages, not the first alone.
        f.stage = None;
    }
    out
}

/// Places of a grouped finding marked in the human report.
pub const MAX_MARKED_PLACES: usize = 20;

fn place(f: &Finding) -> Place {
    Place { span: f.span, label: f.label.clone(), message: f.message.clone(), stage: f.stage.clone() }
}

/// Words longer than this get no "did you mean" (see [`suggest`]).
const MAX_SUGGEST_CHARS: usize = 100;

/// Closest candidate to `wanted` by edit distance, for "did you mean".
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Stage numbers are not typos of each other: `3` is not a misspelt `1`.
    if wanted.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // Edit distance takes time and memory in the product of the lengths: a
    // name of a megabyte must not cost terabytes. No typo is that long.
    let wanted_len = wanted.chars().count();
    if wanted_len > MAX_SUGGEST_CHARS {
        return None;
    }
    let limit = (wanted_len / 3).max(1);
    let letters = Letters::of(wanted);
    candidates
        .into_iter()
        // The distance is at least the difference in length, and at least
        // the letters one has and the other lacks: skip the far ones
        // unmeasured (a character is at most 4 bytes, so a long one is not
        // counted), and measure the few left.
        .filter(|c| c.len() <= 4 * (wanted_len + limit) && c.chars().count().abs_diff(wanted_len) <= limit)
        .filter(|c| letters.as_ref().is_none_or(|l| l.apart(c) <= limit))
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// How many of each ASCII character a word has: the letters two words do
/// not share bound their edit distance from below (every edit, a swap
/// aside, changes at most one on each side), in one pass and no allocation.
struct Letters([u16; 128]);

impl Letters {
    fn of(word: &str) -> Option<Letters> {
        let mut counts = [0u16; 128];
        for b in word.bytes() {
            *counts.get_mut(usize::from(b))? += 1;
        }
        Some(Letters(counts))
    }

    /// A lower bound on the edit distance to `other` (0 if it is not ASCII).
    fn apart(&self, other: &str) -> usize {
        let mut counts = self.0;
        let mut extra = 0usize;
        for b in other.bytes() {
            let Some(n) = counts.get_mut(usize::from(b)) else { return 0 };
            if *n > 0 {
                *n -= 1;
            } else {
                extra += 1;
            }
        }
        let missing: usize = counts.iter().map(|&n| usize::from(n)).sum();
        missing.max(extra)
    }
}

/// Edit distance counting a swap of two neighbouring letters as one edit
/// (`msah` is one slip away from `mash`): the optimal string alignment
/// distance.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fastest of three runs of `work`, in seconds.
    fn fastest(mut work: impl FnMut()) -> f64 {
        // The fastest of five: a loaded machine slows some runs, never speeds one.
        (0..5)
            .map(|_| {
                let start = std::time::Instant::now();
                work();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn per_location_grows_with_the_places_not_their_square() {
        // Issue 26: each place cloned all the places, N² for N places.
        let grouped = |n: usize| {
            let mut f = Finding::new(Code::MissingRecord, "m");
            f.places = (0..n)
                .map(|i| Place {
                    span: Some(Span::new(i, i + 1)),
                    label: "l".into(),
                    message: format!("m{i}"),
                    stage: Some(i.to_string()),
                })
                .collect();
            f
        };
        // Large enough that a run takes milliseconds, not microseconds a
        // scheduler's hiccup can double (1,000 / 9,000 failed under load).
        let (small, large) = (grouped(2_000), grouped(18_000));
        assert_eq!(large.per_location().len(), 18_000);
        assert!(large.per_location().iter().all(|f| f.places.is_empty()));
        let ratio = fastest(|| drop(large.per_location())) / fastest(|| drop(small.per_location())).max(1e-6);
        // Linear is about 9; the square 81.
        assert!(ratio < 30.0, "9x the places took {ratio:.1}x the time");
    }

    #[test]
    fn codes_round_trip_and_are_kebab_case() {
        for &code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
        }
    }

    #[test]
    fn the_letters_two_words_do_not_share_never_exceed_their_distance() {
        let words =
            ["mash", "msah", "team-manager", "stage-2", "p1000", "px1000", "", "a", "ab", "ba", "abc", "cab"];
        for a in words {
            let letters = Letters::of(a).expect("ASCII");
            for b in words {
                assert!(letters.apart(b) <= edit_distance(a, b), "{a} / {b}");
            }
        }
        assert_eq!(Letters::of("mash").map(|l| l.apart("msah")), Some(0));
        assert_eq!(Letters::of("p1000").map(|l| l.apart("px1000")), Some(1));
        assert_eq!(Letters::of("p1").map(|l| l.apart("q2")), Some(2));
        assert!(Letters::of("समीक्षक").is_none());
    }

    #[test]
    fn suggestions_find_near_misses_only() {
        let names = ["stage-2", "mash", "team-manager"];
        assert_eq!(suggest("msah", names), Some("mash"));
        assert_eq!(suggest("team-manger", names), Some("team-manager"));
        assert_eq!(suggest("police", names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("msah", "mash"), 1);
        assert_eq!(suggest("3", ["1", "2"]), None);
    }
}
