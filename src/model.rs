//! Phase 2, syntax tree -> model.
//!
//! Resolves every name (parties, stages, exits, outcomes, check codes),
//! reports unknown and duplicate ones with "did you mean" suggestions, and
//! builds a [`Protocol`]: plain data that the graph and the checks read. Spans
//! are kept (for diagnostics) but not serialised, so two models that say the
//! same thing compare equal as JSON.

use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::diagnostic::{Code, Finding, suggest};
use crate::rare::{Empty, Rare};
use crate::span::Span;
use crate::syntax::{self, Word};
use crate::timescale::{Anchor, Clock, Point, Timescale, Unit, WorkingDays, Worst};

pub use crate::syntax::{Condition, FinalKind};

/// The calendars escalate knows by name.
pub const CALENDARS: &[&str] = crate::calendar::Calendar::NAMES;

/// Index of a stage in [`Protocol::stages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct StageIx(pub usize);

/// Index of a party in [`Protocol::parties`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PartyIx(pub usize);

/// Index of an exit in [`Protocol::exits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ExitIx(pub usize);

/// Index of an outcome in [`Protocol::outcomes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OutcomeIx(pub usize);

/// A source sentence quoted on an element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Quote {
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

/// One run of closed days, `from` to `to` (both included), as YYYY-MM-DD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closed {
    /// `closed "Christmas to New Year" ...`: what the days are called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(serialize_with = "iso_date")]
    pub from: chrono::NaiveDate,
    #[serde(serialize_with = "iso_date")]
    pub to: chrono::NaiveDate,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
}

fn iso_date<S: serde::Serializer>(date: &chrono::NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&date.format("%Y-%m-%d"))
}

/// `closed "..." every 24 December to 1 January`: the same days every year,
/// each as (month, day), the last included (it may be in the next year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosedEvery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub from: (u32, u32),
    pub to: (u32, u32),
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
}

impl Protocol {
    /// The runs of closed days, `(first, last)`, for [`crate::calendar::Calendar::with_closed`].
    pub fn closed_days(&self) -> Vec<(chrono::NaiveDate, chrono::NaiveDate)> {
        self.closed.iter().map(|c| (c.from, c.to)).collect()
    }

    /// Every closure, dated or yearly, with its name, for
    /// [`crate::calendar::Calendar::with_closures`].
    pub fn closures(&self) -> Vec<crate::calendar::Closure> {
        let dated = self.closed.iter().map(|c| crate::calendar::Closure::Days {
            first: c.from,
            last: c.to,
            name: c.name.clone(),
        });
        let every = self.closed_every.iter().map(|c| crate::calendar::Closure::Every {
            from: c.from,
            to: c.to,
            name: c.name.clone(),
        });
        dated.chain(every).collect()
    }
}

/// `note "..."`, with the quotes written after it (the note's own, never
/// quoted as the source of the element the note sits on).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
}

impl std::ops::Deref for Note {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

/// Which stages an `at any stage` rule covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "kebab-case")]
pub enum Scope {
    /// Every stage, including those of exceptions (`at any stage:`).
    Every,
    /// The stages of these pathways (`at any stage of the main ladder:`).
    Pathways(Vec<Pathway>),
    /// This stage and the ones listed after it on its pathway
    /// (`at any stage from stage 2 onwards:`).
    From(StageIx),
}

/// An `at any stage` rule: what it says, and where it applies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scoped<T> {
    #[serde(flatten)]
    pub item: T,
    pub scope: Scope,
}

impl<T> std::ops::Deref for Scoped<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.item
    }
}

/// `begins after "..."`: where the disagreement comes from when the document
/// begins where another procedure ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub text: String,
    pub quotes: Vec<Quote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Protocol {
    pub title: String,
    pub source: Option<String>,
    /// Further documents the file encodes (a flowchart, another edition).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub further_sources: Vec<String>,
    /// `version "..."`: the edition encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `dated "..."`: its date, in the document's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dated: Option<String>,
    /// `begins after "..."`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub begins_after: Option<Entry>,
    pub calendar: Option<String>,
    /// `closed 2026-12-24 to 2027-01-01`: days the board's offices are
    /// closed, beyond the calendar's bank holidays (timelines skip them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed: Vec<Closed>,
    /// `closed every 24 December to 1 January`: closed the same days each year.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_every: Vec<ClosedEvery>,
    pub limit: Option<Timed>,
    /// `timescales advisory`: every timescale is a suggestion (its quotes).
    pub advisory: Option<Vec<Quote>>,
    /// `stages 1 to 3 within 15 working days`: bounds over several stages.
    pub spans: Vec<StageSpan>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    pub parties: Vec<Party>,
    pub exits: Vec<Exit>,
    pub outcomes: Vec<Outcome>,
    /// `at any stage` routes, inherited by the stages of their scope.
    pub rule_routes: Vec<Scoped<Route>>,
    /// `at any stage` recording requirements, inherited by the stages of their scope.
    pub rule_records: Vec<Scoped<Step>>,
    /// `at any stage` steps, such as "at any stage, expert advice may be
    /// sought": they run alongside the stages, not one after another.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rule_steps: Vec<Scoped<Step>>,
    /// `at any stage: send ...`: a copy or report sent at every stage of
    /// their scope; they never move the disagreement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rule_sends: Vec<Scoped<Step>>,
    /// `at any stage` notes.
    pub rule_notes: Vec<Scoped<Note>>,
    /// `before the first stage: ...`: steps and sends before a pathway's
    /// first stage, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<Before>,
    /// `instruction "..."`: what the document prints on every page, tied to
    /// no stage ("Call 999 if a child is in immediate danger").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instructions: Vec<Instruction>,
    /// Every stage: the main ladder first, in order, then each exception's.
    pub stages: Vec<Stage>,
    pub exceptions: Vec<Exception>,
    /// Protocol-wide `allow` lines.
    pub allows: Vec<Allow>,
    /// `service "..." includes "..."`: agencies that are parts of one service.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(skip)]
    pub span: Span,
}

/// `before the first stage: step ...` (or `send ...`): what happens on a
/// pathway after the disagreement is raised and before its first stage
/// begins (see [`Protocol::before_end`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Before {
    pub pathway: Pathway,
    pub step: Step,
    /// A `send`: a copy or report, which runs alongside and adds no time.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub send: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip)]
    pub span: Span,
}

/// `service "Children's social care" includes "MASH" and "Emergency Duty
/// Team"`: one service under several names. The service's own name and
/// each part's are the same side of a disagreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub name: String,
    pub parts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// Whom a step, record or route applies to (`for ...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum ForWhom {
    /// `for agency "Schools"`: stages where a party of that agency takes part.
    Agency(String),
    /// `for iro`: stages where that party takes part.
    Party(PartyIx),
    /// `for "a child looked after"`: one group of children, in the protocol's words.
    Children(String),
}

/// A timescale with the quotes that state it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timed {
    pub timescale: Timescale,
    /// What it counts from, when its words say (`of step 1`), resolved.
    pub from: Option<From>,
    pub quotes: Vec<Quote>,
    #[serde(skip)]
    pub span: Span,
}

/// The point a timescale counts from, resolved: see [`Anchor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "of", rename_all = "kebab-case")]
pub enum From {
    /// The start of the disagreement's pathway.
    Disagreement,
    Stage {
        stage: StageIx,
        point: Point,
    },
    /// A step of the same stage, by index (0 for the first).
    Step {
        step: usize,
        point: Point,
    },
}

/// `stages 1 to 3 within 15 working days`: one bound over several stages,
/// from the start of the first to the end of the last.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageSpan {
    /// The stages it covers, in the protocol's order.
    pub stages: Vec<StageIx>,
    pub timescale: Timescale,
    pub quotes: Vec<Quote>,
    /// Notes that explain it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Party {
    pub name: String,
    pub title: String,
    pub agency: Option<String>,
    pub level: Option<u32>,
    /// Its notes, quotes and sources (read as fields: `party.quotes`).
    #[serde(flatten)]
    pub more: Rare<PartyMore>,
    #[serde(skip)]
    pub span: Span,
}

/// A party's notes, quotes and sources, out of line ([`Rare`]): a protocol
/// may declare thousands of parties, most without them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PartyMore {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

impl Empty for PartyMore {
    fn empty() -> &'static PartyMore {
        static EMPTY: PartyMore = PartyMore { notes: Vec::new(), quotes: Vec::new(), sources: Vec::new() };
        &EMPTY
    }
}

crate::rare::rare_part!(Party, PartyMore);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exit {
    pub name: String,
    pub title: String,
    /// Whom the exit hands the case to: any one of them (`to "MASH" or "EDT"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Recipient>,
    pub timescale: Option<Timescale>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub name: String,
    pub title: String,
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// Which pathway a stage belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pathway {
    Main,
    Exception(usize),
}

/// Whom an exit hands the case to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Recipient {
    Agency(String),
    Party(PartyIx),
}

/// One entry of a stage's `parties`: one of its options takes part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PartyChoice {
    pub options: Vec<PartyOption>,
}

/// A party that may fill a place in a stage, and when (`if "..."`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyOption {
    pub party: PartyIx,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// `no outcome described`, with its quotes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoOutcome {
    pub quotes: Vec<Quote>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub id: String,
    pub title: String,
    pub pathway: Pathway,
    /// Who takes part: each entry is one party, or one of several.
    pub parties: Vec<PartyChoice>,
    pub steps: Vec<Step>,
    pub records: Vec<Step>,
    /// `send "..." to ...`: copies and reports; no routes, and no time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sends: Vec<Step>,
    /// The stage's own routes (inherited ones are in [`Protocol::rule_routes`]).
    pub routes: Vec<Route>,
    /// Boxed, as most stages have none: inline, the two took half a stage's size.
    pub within: Option<Box<Timed>>,
    pub cumulative: Option<Box<Timed>>,
    pub final_authority: Option<FinalKind>,
    /// What many stages leave unsaid (read as fields: `stage.notes`).
    #[serde(flatten)]
    pub more: Rare<StageMore>,
    /// Its own index in [`Protocol::stages`]: a timescale counted `of stage
    /// 2` in stage 2 counts from its own start, known however it is reached.
    #[serde(skip)]
    pub ix: StageIx,
    #[serde(skip)]
    pub span: Span,
    /// The span of `stage 1 "Title"`, for pointing at the stage.
    #[serde(skip)]
    pub head: Span,
}

/// A stage's fields that many stages leave empty, out of line ([`Rare`]):
/// 160 of a stage's 408 bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StageMore {
    /// `no outcome described`: the text describes no outcome for this stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_outcome: Option<NoOutcome>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    pub allows: Vec<Allow>,
    /// The `stages ... within` bounds over this stage (indices into
    /// [`Protocol::spans`]); derived, so not serialised.
    #[serde(skip)]
    pub spans: Vec<usize>,
}

impl Empty for StageMore {
    fn empty() -> &'static StageMore {
        static EMPTY: StageMore = StageMore {
            no_outcome: None,
            notes: Vec::new(),
            quotes: Vec::new(),
            sources: Vec::new(),
            allows: Vec::new(),
            spans: Vec::new(),
        };
        &EMPTY
    }
}

crate::rare::rare_part!(Stage, StageMore);

/// A step or a recording requirement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub text: String,
    pub timescale: Option<Timescale>,
    /// What the timescale counts from, when its words say, resolved.
    pub from: Option<From>,
    pub quotes: Vec<Quote>,
    /// What most steps leave unsaid (read as fields: `step.condition`).
    #[serde(flatten)]
    pub more: Rare<StepMore>,
    #[serde(skip)]
    pub span: Span,
}

/// A step's fields that most steps leave empty, out of line ([`Rare`]):
/// 160 of a step's 376 bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepMore {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// `discretionary`: the text only allows this step ("may consult").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub discretionary: bool,
    /// `if "..."`: the step happens only when this holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// `otherwise "..."`: what happens instead when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otherwise: Option<Box<Step>>,
    /// A record's `by agency "..."`: only that kind of agency keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// `for ...`: only for that agency, party or group of children.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_whom: Option<ForWhom>,
    /// `through ...`: the parties or agencies the step goes through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<Recipient>,
    /// A `send`'s `to ...`: whom the copy or report goes to (all of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Recipient>,
}

impl Empty for StepMore {
    fn empty() -> &'static StepMore {
        static EMPTY: StepMore = StepMore {
            sources: Vec::new(),
            discretionary: false,
            condition: None,
            otherwise: None,
            agency: None,
            for_whom: None,
            through: Vec::new(),
            to: Vec::new(),
        };
        &EMPTY
    }
}

crate::rare::rare_part!(Step, StepMore);

impl Step {
    /// The step's worst case: for a step with an `otherwise`, the longer of
    /// the two branches (either may be taken). `None` if a branch that may
    /// be taken has no bound.
    pub fn bound(&self) -> Option<WorkingDays> {
        let end = self.end(&crate::timescale::Count, WorkingDays(0));
        (!end.unbounded).then_some(end.at)
    }

    /// When the step ends, begun at `start` on `clock`: for a step with an
    /// `otherwise`, the later of the two branches. A branch with no bound
    /// leaves the step unbounded; `at` is then the latest end of the
    /// branches that have one (`start` if none has).
    pub fn end<C: Clock>(&self, clock: &C, start: C::Time) -> Reach<C::Time> {
        let own = self.timescale.as_ref().and_then(|t| t.end(clock, start));
        let branches = std::iter::once(own).chain(self.otherwise.iter().map(|o| o.own_end(clock, start)));
        let mut end = Reach { at: start, unbounded: false };
        for branch in branches {
            match branch {
                Some(at) => end.at = end.at.max(at),
                None => end.unbounded = true,
            }
        }
        end
    }

    /// When this branch alone ends (an `otherwise` has no branches of its own).
    fn own_end<C: Clock>(&self, clock: &C, start: C::Time) -> Option<C::Time> {
        self.timescale.as_ref()?.end(clock, start)
    }

    /// Whether the step is one of the stage's steps in sequence: a
    /// discretionary step may be taken or not, alongside them, so it never
    /// adds to the stage's time.
    pub fn counts_for_time(&self) -> bool {
        !self.discretionary
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "kebab-case")]
pub enum Target {
    Stage(StageIx),
    Exit(ExitIx),
    Outcome(OutcomeIx),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub condition: Condition,
    pub target: Target,
    /// Boxed, as most routes have none.
    pub timescale: Option<Box<Timescale>>,
    pub quotes: Vec<Quote>,
    /// What most routes leave unsaid (read as fields: `route.records`).
    #[serde(flatten)]
    pub more: Rare<RouteMore>,
    #[serde(skip)]
    pub span: Span,
}

/// A route's fields that most routes leave empty, out of line ([`Rare`]):
/// 128 of a route's 224 bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouteMore {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// `implied`: the text never states this route; the encoder reads it in.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implied: bool,
    /// `discretionary`: the text only allows it ("consideration should be
    /// given to..."); it never counts as the way on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub discretionary: bool,
    /// `and record "..."`: records made only when this route is taken.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<Step>,
    /// `and send "..." to ...`: copies sent only when this route is taken;
    /// like any `send`, they never move the disagreement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sends: Vec<Step>,
    /// `for ...`: the route is only for that agency, party or group of children.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_whom: Option<ForWhom>,
    /// `through ...`: the parties or agencies the route goes through.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<Recipient>,
}

impl Empty for RouteMore {
    fn empty() -> &'static RouteMore {
        static EMPTY: RouteMore = RouteMore {
            sources: Vec::new(),
            implied: false,
            discretionary: false,
            records: Vec::new(),
            sends: Vec::new(),
            for_whom: None,
            through: Vec::new(),
        };
        &EMPTY
    }
}

crate::rare::rare_part!(Route, RouteMore);

impl Route {
    /// The route's own timescale and those of the records made and copies
    /// sent on it.
    pub fn timescales(&self) -> impl Iterator<Item = &Timescale> {
        self.timescale
            .as_deref()
            .into_iter()
            .chain(self.records.iter().chain(&self.sends).filter_map(|r| r.timescale.as_ref()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exception {
    /// `pathway NAME "..." { ... }`: one of several pathways of equal
    /// standing, with its own worst case (see [`Protocol::pathways`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub parallel: bool,
    pub name: String,
    pub title: String,
    /// Where the pathway begins; `None` for an exception that only states
    /// something (such as "flat management structures") and has no pathway.
    pub start: Option<Target>,
    pub stages: Vec<StageIx>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// `instruction "..."`, and the routes the writer reads it as (`counts as`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    pub text: String,
    /// Indices in [`Protocol::rule_routes`] of the routes it `counts as`:
    /// every stage's route, as an `at any stage:` route would be. Empty: the
    /// instruction is no route of any stage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub counts_as: Vec<usize>,
    pub notes: Vec<Note>,
    pub quotes: Vec<Quote>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip)]
    pub span: Span,
}

/// `allow CODE "reason"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    pub code: Code,
    pub reason: String,
    #[serde(skip)]
    pub span: Span,
}

impl Protocol {
    pub fn stage(&self, ix: StageIx) -> &Stage {
        &self.stages[ix.0]
    }

    /// The pathways of equal standing, each with its own worst case,
    /// timeline and comparison row: the main ladder (when it has stages),
    /// then each `pathway` block that begins somewhere, in the order written.
    /// A protocol without `pathway` blocks has one: its main ladder.
    pub fn pathways(&self) -> Vec<Pathway> {
        let main = self.stages.first().is_some_and(|s| s.pathway == Pathway::Main);
        let parallel = self
            .exceptions
            .iter()
            .enumerate()
            .filter(|(_, e)| e.parallel && e.start.is_some())
            .map(|(i, _)| Pathway::Exception(i));
        main.then_some(Pathway::Main).into_iter().chain(parallel).collect()
    }

    /// How a pathway is named on the command line (`timeline --pathway
    /// NAME`): `main` for the main ladder, else its declared name.
    pub fn pathway_name(&self, pathway: Pathway) -> &str {
        match pathway {
            Pathway::Main => "main",
            Pathway::Exception(i) => self.exceptions.get(i).map_or("", |e| e.name.as_str()),
        }
    }

    /// A pathway's title: the protocol's for the main ladder, else the
    /// pathway's or exception's own.
    pub fn pathway_title(&self, pathway: Pathway) -> &str {
        match pathway {
            Pathway::Main => &self.title,
            Pathway::Exception(i) => self.exceptions.get(i).map_or("", |e| e.title.as_str()),
        }
    }

    /// The stages of the main ladder, in order.
    pub fn main_stages(&self) -> impl Iterator<Item = (StageIx, &Stage)> {
        self.stages_with_ix().filter(|(_, s)| s.pathway == Pathway::Main)
    }

    pub fn stages_with_ix(&self) -> impl Iterator<Item = (StageIx, &Stage)> {
        self.stages.iter().enumerate().map(|(i, s)| (StageIx(i), s))
    }

    /// A stage's own routes followed by the ones it inherits, each with its
    /// rule's index in [`Protocol::rule_routes`]. An inherited route never
    /// leads a stage to itself (`at any stage: unresolved -> stage 3` means
    /// nothing for stage 3). This walks every rule: for all stages at once,
    /// the checks ask the graph's shared hubs instead
    /// ([`EscalationGraph::first_inherited`](crate::graph::EscalationGraph::first_inherited)).
    pub fn routes_of(&self, ix: StageIx) -> impl Iterator<Item = (&Route, Option<usize>)> {
        let own = self.stage(ix).routes.iter().map(|r| (r, None));
        let inherited = self
            .rule_routes
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.target != Target::Stage(ix) && self.covers(&r.scope, ix))
            .map(|(i, r)| (&r.item, Some(i)));
        own.chain(inherited)
    }

    /// The edition encoded, as shown in reports: "version 2.1, May 2019".
    pub fn edition(&self) -> Option<String> {
        match (&self.version, &self.dated) {
            (Some(v), Some(d)) => Some(format!("version {v}, {d}")),
            (Some(v), None) => Some(format!("version {v}")),
            (None, Some(d)) => Some(d.clone()),
            (None, None) => None,
        }
    }

    /// Whether a rule's scope covers a stage.
    pub fn covers(&self, scope: &Scope, ix: StageIx) -> bool {
        match scope {
            Scope::Every => true,
            Scope::Pathways(pathways) => pathways.contains(&self.stage(ix).pathway),
            // Stages are stored pathway by pathway, in the order written.
            Scope::From(first) => self.stage(*first).pathway == self.stage(ix).pathway && ix >= *first,
        }
    }

    /// The stages of a pathway, as a range of stage indices (they are stored
    /// pathway by pathway).
    pub fn pathway_range(&self, pathway: Pathway) -> std::ops::Range<usize> {
        match pathway {
            Pathway::Main => 0..self.stages.partition_point(|s| s.pathway == Pathway::Main),
            Pathway::Exception(i) => match self.exceptions.get(i).map(|e| e.stages.as_slice()) {
                Some([first, .., last]) => first.0..last.0 + 1,
                Some([only]) => only.0..only.0 + 1,
                _ => 0..0,
            },
        }
    }

    /// The stages that inherit an `at any stage` route, as sorted, disjoint
    /// ranges of stage indices: its scope, less its own target (as
    /// [`Protocol::routes_of`] says). As long as the scope is as written,
    /// however many stages it covers, so the graph can share the route
    /// between them instead of copying it onto each.
    pub fn inherited_by(&self, rule: &Scoped<Route>) -> Vec<std::ops::Range<usize>> {
        let mut ranges: Vec<std::ops::Range<usize>> = match &rule.scope {
            Scope::Every => std::iter::once(0..self.stages.len()).collect(),
            Scope::Pathways(pathways) => pathways.iter().map(|&p| self.pathway_range(p)).collect(),
            Scope::From(first) => {
                std::iter::once(first.0..self.pathway_range(self.stage(*first).pathway).end).collect()
            }
        };
        ranges.sort_by_key(|r| r.start);
        ranges.dedup_by(|b, a| {
            b.start <= a.end && {
                a.end = a.end.max(b.end);
                true
            }
        });
        if let Target::Stage(own) = rule.target
            && let Some(at) = ranges.iter().position(|r| r.contains(&own.0))
        {
            let r = ranges.remove(at);
            ranges.splice(at..at, [r.start..own.0, own.0 + 1..r.end].into_iter().filter(|r| !r.is_empty()));
        }
        ranges.retain(|r| !r.is_empty());
        ranges
    }

    /// The records that apply to a stage: its own and the `at any stage`
    /// ones whose scope covers it, leaving out those kept only by an agency
    /// that takes no part in the stage. Records made only on one route
    /// (`and record`) are not among them.
    ///
    /// A record `for` an agency or a party counts where that agency or party
    /// takes part; one `for` a group of children never stands for the
    /// stage's record for every child.
    pub fn records_of(&self, ix: StageIx) -> impl Iterator<Item = &Step> {
        let stage = self.stage(ix);
        let rules = self.rule_records.iter().filter(move |r| self.covers(&r.scope, ix)).map(|r| &r.item);
        stage.records.iter().chain(rules).filter(move |r| {
            let by = match &r.agency {
                None => true,
                Some(agency) => self.stage_agencies(stage).any(|a| self.same_service(a, agency)),
            };
            by && self.applies_throughout(r.for_whom.as_ref(), stage)
        })
    }

    /// Whether something `for` whom applies to everyone in a stage: always
    /// without a `for`; for an agency or a party, where it takes part; for a
    /// group of children, never (the others are left without it).
    pub fn applies_throughout(&self, for_whom: Option<&ForWhom>, stage: &Stage) -> bool {
        match for_whom {
            None => true,
            Some(ForWhom::Party(ix)) => stage.all_parties().any(|p| p == *ix),
            Some(ForWhom::Agency(agency)) => self.stage_agencies(stage).any(|a| self.same_service(a, agency)),
            Some(ForWhom::Children(_)) => false,
        }
    }

    /// Whether two agencies, as written, are one side: the same words
    /// (ignoring case and spacing), or parts of one `service` (the service's
    /// own name included).
    pub fn same_service(&self, a: &str, b: &str) -> bool {
        let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
        let (a, b) = (words(a), words(b));
        if a == b {
            return true;
        }
        self.services.iter().any(|service| {
            let members: Vec<Vec<String>> =
                std::iter::once(&service.name).chain(&service.parts).map(|m| words(m)).collect();
            members.contains(&a) && members.contains(&b)
        })
    }

    /// `for Schools · through Headteacher representatives`: whom a step or
    /// route is for and goes through, in readers' words; `None` if neither.
    pub fn whom_words(&self, for_whom: Option<&ForWhom>, through: &[Recipient]) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(f) = for_whom {
            parts.push(match f {
                ForWhom::Agency(a) => format!("for {a}"),
                ForWhom::Party(ix) => format!("for {}", self.parties[ix.0].title),
                ForWhom::Children(c) => format!("for {c}"),
            });
        }
        if !through.is_empty() {
            let names: Vec<String> = through.iter().map(|r| self.recipient_title(r)).collect();
            parts.push(format!("through {}", names.join(" or ")));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// An agency as written, or a party's title.
    pub fn recipient_title(&self, r: &Recipient) -> String {
        match r {
            Recipient::Agency(a) => a.clone(),
            Recipient::Party(ix) => self.parties[ix.0].title.clone(),
        }
    }

    /// A `send` (or a step before the first stage) in words, for the views:
    /// `A copy of the referral, sent to The Chair of the LSCB (if ...; within
    /// ...)`.
    pub fn send_words(&self, s: &Step) -> String {
        let mut out = s.text.clone();
        if !s.to.is_empty() {
            let names: Vec<String> = s.to.iter().map(|r| self.recipient_title(r)).collect();
            out = format!("{out}, sent to {}", names.join(" and "));
        }
        let mut more = Vec::new();
        if let Some(c) = &s.condition {
            more.push(format!("if {c}"));
        }
        if let Some(w) = self.whom_words(s.for_whom.as_ref(), &s.through) {
            more.push(w);
        }
        if let Some(t) = &s.timescale {
            more.push(t.to_string());
        }
        if s.discretionary {
            more.push("discretionary".to_string());
        }
        if !more.is_empty() {
            out = format!("{out} ({})", more.join("; "));
        }
        out
    }

    /// The most senior level among the parties a route goes through.
    pub fn through_level(&self, through: &[Recipient]) -> Option<u32> {
        through
            .iter()
            .filter_map(|r| match r {
                Recipient::Party(ix) => self.parties[ix.0].level,
                Recipient::Agency(_) => None,
            })
            .max()
    }

    /// The agencies of every party that may take part in a stage.
    pub fn stage_agencies<'a>(&'a self, stage: &'a Stage) -> impl Iterator<Item = &'a str> {
        stage.all_parties().filter_map(|ix| self.parties[ix.0].agency.as_deref())
    }

    /// A place in a stage as shown to readers: "Line manager or CP advisor".
    pub fn choice_title(&self, choice: &PartyChoice) -> String {
        let titles: Vec<String> = choice
            .options
            .iter()
            .map(|o| {
                let title = &self.parties[o.party.0].title;
                match &o.condition {
                    Some(c) => format!("{title} (if {c})"),
                    None => title.clone(),
                }
            })
            .collect();
        titles.join(" or ")
    }

    /// How a target is called in messages: `stage 2`, `mash`.
    pub fn target_name(&self, target: Target) -> String {
        match target {
            Target::Stage(ix) => self.stage(ix).display_id(),
            Target::Exit(ix) => self.exits[ix.0].name.clone(),
            Target::Outcome(ix) => self.outcomes[ix.0].name.clone(),
        }
    }

    /// The most senior party's level in a stage, if any party has one. Where
    /// a place may be filled by one of several parties, the least senior of
    /// them counts: the check must hold whichever takes part.
    pub fn seniority(&self, stage: &Stage) -> Option<u32> {
        stage
            .parties
            .iter()
            .filter_map(|choice| choice.options.iter().filter_map(|o| self.parties[o.party.0].level).min())
            .max()
    }
}

impl Stage {
    /// `stage 2`, or `stage cp-request`.
    pub fn display_id(&self) -> String {
        format!("stage {}", self.id)
    }

    /// The time the stage itself takes, from its start (see [`Stage::end`]).
    pub fn duration(&self) -> Worst {
        let start = Reach { at: crate::timescale::WorkingDays(0), unbounded: false };
        // Counted from its own start, a stage's anchors elsewhere are unknown.
        let end = self.end(&crate::timescale::Count, start, &|_| None);
        Worst { days: end.at, unbounded: end.unbounded }
    }

    /// When the stage ends if it starts at `start`, on `clock`; `anchor`
    /// gives the time of a point elsewhere (another stage, the start of the
    /// disagreement) that a timescale counts from, if known.
    ///
    /// A bounded `within` bounds the stage whatever its steps say (the
    /// earlier of the two, when the steps are bounded too; `limit-exceeded`
    /// reports steps that overrun it). Otherwise the steps run one after
    /// another, each from the end of the one before or from the point it
    /// names; a step with no bound leaves the stage unbounded, but the
    /// bounded steps still count towards "at least", and a later step whose
    /// deadline counts from a known point bounds it again. A stage with
    /// neither a `within` nor a step that counts for time has no bound.
    pub fn end<C: Clock>(
        &self,
        clock: &C,
        start: Reach<C::Time>,
        anchor: &dyn Fn(From) -> Option<Reach<C::Time>>,
    ) -> Reach<C::Time> {
        let counted = self.steps.iter().any(Step::counts_for_time);
        // The steps from a known start: whether they are bounded is their
        // own affair, whatever came before the stage.
        let known = Reach { at: start.at, unbounded: false };
        let steps = counted.then(|| self.steps_end(clock, known, anchor).0);
        let stated = self.within_end(clock, start, anchor);
        match (stated, steps) {
            (Some(a), Some(b)) if !b.unbounded => Reach { at: a.at.min(b.at), unbounded: a.unbounded },
            (Some(a), _) => a,
            (None, Some(b)) => Reach { at: b.at, unbounded: b.unbounded || start.unbounded },
            (None, None) => Reach { at: start.at, unbounded: true },
        }
    }

    /// When the stage's own `within` ends, if it has a bounded one.
    pub fn within_end<C: Clock>(
        &self,
        clock: &C,
        start: Reach<C::Time>,
        anchor: &dyn Fn(From) -> Option<Reach<C::Time>>,
    ) -> Option<Reach<C::Time>> {
        let w = self.within.as_ref()?;
        let base = self.point(w.from, (start, start), anchor, &[])?;
        let end = w.timescale.end(clock, base.at)?;
        Some(Reach { at: end.max(start.at), unbounded: base.unbounded || start.unbounded })
    }

    /// The time a timescale counts from: the point it names, else
    /// `default`. `None` for a point not known (not reached on this route,
    /// or elsewhere when only the stage's own time is asked).
    fn point<T: Copy>(
        &self,
        from: Option<From>,
        (start, default): (Reach<T>, Reach<T>),
        anchor: &dyn Fn(From) -> Option<Reach<T>>,
        steps: &[StepTimes<T>],
    ) -> Option<Reach<T>> {
        match from {
            None => Some(default),
            Some(From::Stage { stage, point: Point::Start }) if stage == self.ix => Some(start),
            Some(From::Step { step, point }) => {
                steps.get(step).map(|(s, e)| if point == Point::Start { *s } else { *e })
            }
            Some(from) => anchor(from),
        }
    }

    /// When the steps end, one after another from `start`; and each step's
    /// start and end.
    pub fn steps_end<C: Clock>(
        &self,
        clock: &C,
        start: Reach<C::Time>,
        anchor: &dyn Fn(From) -> Option<Reach<C::Time>>,
    ) -> (Reach<C::Time>, Vec<StepTimes<C::Time>>) {
        let mut ends: Vec<StepTimes<C::Time>> = Vec::with_capacity(self.steps.len());
        let mut at = start;
        for step in &self.steps {
            let began = at;
            // A discretionary step may be taken or not, alongside the others:
            // it adds no time (its end, for a step that counts from it, is now).
            if !step.counts_for_time() {
                ends.push((began, at));
                continue;
            }
            let from = step.from.filter(|_| step.timescale.is_some());
            at = match self.point(from, (start, at), anchor, &ends) {
                // Nothing is known of the point it counts from.
                None => Reach { at: at.at, unbounded: true },
                Some(base) => {
                    let end = step.end(clock, base.at);
                    if from.is_some() && !end.unbounded {
                        // A deadline counted from a point holds whatever came
                        // before it in the stage: the steps before end by then
                        // too (`limit-exceeded` reports bounded ones that take
                        // longer). It cannot end before the stage starts, nor
                        // make the stage's own start known.
                        Reach { at: end.at.max(start.at), unbounded: base.unbounded || start.unbounded }
                    } else {
                        Reach { at: end.at.max(at.at), unbounded: base.unbounded || end.unbounded }
                    }
                }
            };
            ends.push((began, at));
        }
        (at, ends)
    }

    /// When a record of this stage is due, if it started at `start`: from the
    /// point its timescale names, else after the steps for `a further ...`,
    /// else from the start of the stage. `None` if it has no bounded timescale.
    pub fn record_end<C: Clock>(
        &self,
        record: &Step,
        clock: &C,
        start: Reach<C::Time>,
        anchor: &dyn Fn(From) -> Option<Reach<C::Time>>,
    ) -> Option<Reach<C::Time>> {
        let timescale = record.timescale.as_ref()?;
        let (steps_end, ends) = self.steps_end(clock, start, anchor);
        let further =
            timescale.terms.iter().any(|t| matches!(t, crate::timescale::Term::Count { further: true, .. }));
        let base = match record.from {
            Some(from) => self
                .point(Some(from), (start, start), anchor, &ends)
                .unwrap_or(Reach { at: start.at, unbounded: true }),
            None if further => steps_end,
            None => start,
        };
        let end = timescale.end(clock, base.at)?;
        Some(Reach { at: end, unbounded: base.unbounded })
    }

    /// The stage's timescale in the protocol's words, for every view: its
    /// `within` (with escalate's count where the words differ from it), or
    /// its steps' timescales joined by `+`, or `none`.
    pub fn timescale_text(&self) -> String {
        if let Some(within) = &self.within {
            return within.timescale.described();
        }
        if self.steps.iter().filter(|s| s.counts_for_time()).all(|s| s.timescale.is_none()) {
            return "none".to_string();
        }
        let parts: Vec<String> = self
            .steps
            .iter()
            .filter(|s| s.counts_for_time())
            .map(|s| {
                let own = s.timescale.as_ref().map_or_else(|| "untimed".to_string(), |t| t.written.clone());
                // A conditional step shows both branches: either may be taken.
                match &s.otherwise {
                    Some(other) => {
                        let other = other
                            .timescale
                            .as_ref()
                            .map_or_else(|| "untimed".to_string(), |t| t.written.clone());
                        format!("({own} or otherwise {other})")
                    }
                    None => own,
                }
            })
            .collect();
        let total = self.duration();
        let on_the_clock = self
            .steps
            .iter()
            .filter(|s| s.counts_for_time())
            .flat_map(|s| std::iter::once(s).chain(s.otherwise.as_deref()))
            .filter_map(|s| s.timescale.as_ref())
            .any(|t| t.units().any(|u| u != crate::timescale::Unit::WorkingDays));
        match (total.unbounded, on_the_clock) {
            (true, _) => format!("steps: {}", parts.join(" + ")),
            (false, false) => format!("steps: {} = {}", parts.join(" + "), total.days),
            (false, true) => format!("steps: {}, at most {}", parts.join(" + "), total.days),
        }
    }

    /// Every timescale written in the stage: its `within` and `cumulative`,
    /// its steps' (an `otherwise` branch's too), its records', its routes'
    /// and the records made on a route (`and record`).
    pub fn timescales(&self) -> impl Iterator<Item = &Timescale> {
        let within = self.within.iter().chain(&self.cumulative).map(|t| &t.timescale);
        let steps = self
            .steps
            .iter()
            .flat_map(|s| std::iter::once(s).chain(s.otherwise.as_deref()))
            .chain(&self.records)
            .chain(&self.sends)
            .filter_map(|s| s.timescale.as_ref());
        within.chain(steps).chain(self.routes.iter().flat_map(Route::timescales))
    }

    /// Every party named in the stage, alternatives included.
    pub fn all_parties(&self) -> impl Iterator<Item = PartyIx> + '_ {
        self.parties.iter().flat_map(|c| c.options.iter().map(|o| o.party))
    }
}

/// When a step began and ended.
pub type StepTimes<T> = (Reach<T>, Reach<T>);

/// A time a clock has reached: at `at`, or later with no bound when
/// `unbounded` (some part of the way there has no bounded timescale; `at`
/// then adds up the parts that have one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach<T> {
    pub at: T,
    pub unbounded: bool,
}

impl Protocol {
    /// When stage `ix` ends if it starts at `start`, on `clock`: as
    /// [`Stage::end`] says, and no later than each `stages ... within` bound
    /// over it allows, counted from the start of the bound's first stage
    /// (`span_entry`, when that is known; the stage's own start when it is
    /// the first). The one rule for worst cases and for dates alike.
    pub fn stage_end<C: Clock>(
        &self,
        ix: StageIx,
        clock: &C,
        start: Reach<C::Time>,
        anchor: &dyn Fn(From) -> Option<Reach<C::Time>>,
        span_entry: &dyn Fn(&StageSpan) -> Option<Reach<C::Time>>,
    ) -> Reach<C::Time> {
        let stage = self.stage(ix);
        let mut end = stage.end(clock, start, anchor);
        for &i in &stage.spans {
            let span = &self.spans[i];
            let entry = if span.stages.first() == Some(&ix) {
                start
            } else {
                match span_entry(span) {
                    Some(entry) => entry,
                    None => continue,
                }
            };
            let Some(cap) = span.timescale.end(clock, entry.at) else { continue };
            let cap = cap.max(start.at);
            if end.unbounded || end.at > cap {
                end = Reach { at: cap, unbounded: entry.unbounded || start.unbounded };
            }
        }
        end
    }

    /// When the steps before `pathway`'s first stage (`before the first
    /// stage:`) end, begun at `start` (the day the disagreement is raised)
    /// on `clock`: one after another, each from the end of the one before,
    /// as a stage's steps run. A discretionary step or a `send` runs
    /// alongside and adds nothing; a step with no bound leaves the time
    /// unbounded (the bounded ones still count). The first stage starts
    /// then: the one rule for worst cases and for dates alike.
    pub fn before_end<C: Clock>(&self, pathway: Pathway, clock: &C, start: Reach<C::Time>) -> Reach<C::Time> {
        let mut at = start;
        for b in self.before.iter().filter(|b| b.pathway == pathway && !b.send && b.step.counts_for_time()) {
            let end = b.step.end(clock, at.at);
            at = Reach { at: end.at.max(at.at), unbounded: at.unbounded || end.unbounded };
        }
        at
    }

    /// The steps and sends before `pathway`'s first stage, in order.
    pub fn before_of(&self, pathway: Pathway) -> impl Iterator<Item = &Before> {
        self.before.iter().filter(move |b| b.pathway == pathway)
    }

    /// Whether a timescale of this protocol is only advised, not promised.
    pub fn is_advisory(&self, timescale: &Timescale) -> bool {
        timescale.advisory || self.advisory.is_some()
    }

    /// Every timescale in the protocol, with the span of what it belongs to.
    pub fn timescales(&self) -> impl Iterator<Item = &Timescale> {
        let header = self.limit.iter().map(|l| &l.timescale).chain(self.spans.iter().map(|s| &s.timescale));
        let exits = self.exits.iter().filter_map(|e| e.timescale.as_ref());
        let rules = self.rule_routes.iter().flat_map(|r| r.item.timescales());
        let records = self
            .rule_records
            .iter()
            .chain(&self.rule_steps)
            .chain(&self.rule_sends)
            .map(|r| &r.item)
            .chain(self.before.iter().map(|b| &b.step))
            .flat_map(|s| std::iter::once(s).chain(s.otherwise.as_deref()))
            .filter_map(|r| r.timescale.as_ref());
        header.chain(exits).chain(rules).chain(records).chain(self.stages.iter().flat_map(Stage::timescales))
    }

    /// The units the protocol counts time in, each with its first use.
    pub fn units(&self) -> Vec<(Unit, &Timescale)> {
        let mut seen: Vec<(Unit, &Timescale)> = Vec::new();
        for t in self.timescales() {
            for unit in t.units() {
                if !seen.iter().any(|(u, _)| *u == unit) {
                    seen.push((unit, t));
                }
            }
        }
        seen
    }
}

/// A map from names to what they name. Names are short and not chosen by an
/// attacker who gains from collisions, so FNV-1a beats the default SipHash
/// here (a protocol may declare a hundred thousand names).
type Names<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// Resolve a syntax tree into a model, or report every problem found.
pub fn build(file: syntax::File) -> Result<Protocol, Vec<Finding>> {
    Resolver::default().run(file)
}

#[derive(Default)]
struct Resolver {
    errors: Vec<Finding>,
    /// "Did you mean" searches made so far (see [`Resolver::suggest`]).
    suggestions: usize,
    /// Names those searches have looked at.
    compared: usize,
    /// The list of stages shown when `stage N` names none, made once.
    stage_list: Option<String>,
    /// The parties' names, once declared (for `for` and `through`).
    party_names: std::rc::Rc<Names<PartyIx>>,
    /// The names of the steps of the stage being resolved (`as meeting`), in order.
    step_names: Vec<Option<String>>,
    /// Every step name of every stage, with its stage (`stage 1`), for the
    /// help when `of the NAME` names a step of another stage.
    named_elsewhere: Names<String>,
}

/// "Did you mean" searches each file may make: each compares the name with
/// every declared one, so thousands of unknown names in a file with
/// thousands of stages would take quadratic time. Past this, the findings
/// stay, without suggestions.
const MAX_SUGGESTIONS: usize = 100;

/// And names they may look at, all searches together: 100 searches over
/// 100,000 names would be ten million. Most are ruled out by their length
/// and letters without measuring (`diagnostic::suggest`); past this many,
/// the findings stay, without suggestions.
const MAX_COMPARED: usize = 2_000_000;

/// A declared name, before resolution.
#[derive(Clone, Copy)]
enum Declared {
    Stage(StageIx),
    Exit(ExitIx),
    Outcome(OutcomeIx),
}

impl Resolver {
    fn run(mut self, file: syntax::File) -> Result<Protocol, Vec<Finding>> {
        let first_item = file.first_item;
        let mut headers = Vec::new();
        let mut parties = Vec::new();
        let mut exits = Vec::new();
        let mut outcomes = Vec::new();
        let mut rules = Vec::new();
        let mut main_stages = Vec::new();
        let mut exceptions = Vec::new();
        let mut allows = Vec::new();
        let mut spans = Vec::new();
        let mut instructions = Vec::new();
        let mut services = Vec::new();
        let mut befores = Vec::new();
        for item in file.items {
            match item {
                syntax::Item::Protocol(h) => headers.push(*h),
                syntax::Item::Party(p) => parties.push(p), // boxed: moved out one at a time
                syntax::Item::Exit(e) => exits.push(*e),
                syntax::Item::Outcome(o) => outcomes.push(*o),
                syntax::Item::AtAnyStage(r) => rules.push(*r),
                syntax::Item::Stage(s) => main_stages.push(s),
                syntax::Item::Exception(e) => exceptions.push(*e),
                syntax::Item::Allow(a) => allows.push(*a),
                syntax::Item::StageSpan(s) => spans.push(*s),
                syntax::Item::Instruction(i) => instructions.push(*i),
                syntax::Item::Before(b) => befores.push((*b, Pathway::Main)),
                syntax::Item::Service(s) => services.push(Service {
                    name: s.name.text,
                    parts: s.parts.into_iter().map(|w| w.text).collect(),
                    notes: notes(s.notes),
                    quotes: quotes(s.quotes),
                    sources: texts(s.sources),
                    span: s.span,
                }),
            }
        }

        let mut headers = headers.into_iter();
        let Some(header) = headers.next() else {
            self.errors.push(
                Finding::new(Code::MissingProtocol, "this file has no `protocol` header")
                    .at(Span::new(first_item, first_item), "expected `protocol \"Title\"` before this")
                    .help("start the file with `protocol \"<the protocol's title>\"`"),
            );
            return Err(self.errors);
        };
        for extra in headers {
            self.errors.push(
                Finding::new(Code::DuplicateProtocol, "a second `protocol` header")
                    .at(extra.span, "second header")
                    .help("one file describes one protocol: keep one header and move the other protocol to its own file"),
            );
        }

        // Parties.
        let mut party_names: Names<PartyIx> = Names::default();
        let mut model_parties = Vec::with_capacity(parties.len());
        for p in parties {
            let p: syntax::Party = *p;
            if let Some(&earlier) = party_names.get(&p.name.text) {
                let first: &Party = &model_parties[earlier.0];
                self.duplicate("party", &p.name, first.span);
                continue;
            }
            party_names.insert(p.name.text.clone(), PartyIx(model_parties.len()));
            let agency = self.at_most_one("agency", &p.agencies, |w| w.span).map(|w| w.text.clone());
            let level = self.at_most_one("level", &p.levels, |l| l.1).map(|l| l.0);
            let cited = p.more.into_inner();
            model_parties.push(Party {
                name: p.name.text,
                title: p.title.text,
                agency,
                level,
                more: Rare::new(PartyMore {
                    notes: notes(cited.notes),
                    quotes: quotes(cited.quotes),
                    sources: texts(cited.sources),
                }),
                span: p.span,
            });
        }

        // Shared, not copied: a copy is a string for each party.
        let party_names = std::rc::Rc::new(party_names);
        self.party_names = std::rc::Rc::clone(&party_names);
        // The one namespace of stages, exits and outcomes.
        let mut names: Names<(Declared, Span)> = Names::default();
        let mut model_exits = Vec::new();
        for e in exits {
            if self.declare(&mut names, &e.name, Declared::Exit(ExitIx(model_exits.len()))) {
                let to =
                    e.to.iter()
                        .filter_map(|r| match r {
                            syntax::Recipient::Agency(a) => Some(Recipient::Agency(a.text.clone())),
                            syntax::Recipient::Party(name) => {
                                self.party(&party_names, name).map(Recipient::Party)
                            }
                        })
                        .collect();
                model_exits.push(Exit {
                    name: e.name.text,
                    title: e.title.text,
                    to,
                    timescale: e.timescale,
                    notes: notes(e.notes),
                    quotes: quotes(e.quotes),
                    sources: texts(e.sources),
                    span: e.span,
                });
            }
        }
        let mut model_outcomes = Vec::new();
        for o in outcomes {
            if self.declare(&mut names, &o.name, Declared::Outcome(OutcomeIx(model_outcomes.len()))) {
                model_outcomes.push(Outcome {
                    name: o.name.text,
                    title: o.title.text,
                    notes: notes(o.notes),
                    quotes: quotes(o.quotes),
                    sources: texts(o.sources),
                    span: o.span,
                });
            }
        }
        // Stages: declare all before resolving any route, so routes may point forward.
        let mut all_stages: Vec<(Box<syntax::Stage>, Pathway)> =
            main_stages.into_iter().map(|s| (s, Pathway::Main)).collect();
        let mut exception_stage_ranges = Vec::new();
        let mut exception_bodies = Vec::new();
        for (i, mut e) in exceptions.into_iter().enumerate() {
            befores.extend(e.befores.drain(..).map(|b| (b, Pathway::Exception(i))));
            let first = all_stages.len();
            all_stages.extend(e.stages.drain(..).map(|s| (Box::new(s), Pathway::Exception(i))));
            exception_stage_ranges.push(first..all_stages.len());
            exception_bodies.push(e);
        }
        let mut declared_stages = Vec::with_capacity(all_stages.len());
        for (s, pathway) in all_stages {
            if self.declare(&mut names, &s.id, Declared::Stage(StageIx(declared_stages.len()))) {
                declared_stages.push((s, pathway));
            } else {
                declared_stages.push((s, pathway)); // keep indices stable; it is an error anyway
            }
        }

        let resolve =
            |this: &mut Resolver, target: &syntax::Target| -> Option<Target> { this.target(&names, target) };

        let exception_index: Names<usize> =
            exception_bodies.iter().enumerate().map(|(i, e)| (e.name.text.clone(), i)).collect();
        let mut rule_routes = Vec::new();
        let mut rule_records = Vec::new();
        let mut rule_steps = Vec::new();
        let mut rule_sends = Vec::new();
        let mut rule_notes = Vec::new();
        for rule in rules {
            let scope = match &rule.scope {
                None => Scope::Every,
                Some(scope) => match self.scope(scope, &names, &exception_index) {
                    Some(scope) => scope,
                    None => continue,
                },
            };
            match rule.body {
                syntax::RuleBody::Route(r) => {
                    if let Some(route) = self.route(r, &resolve) {
                        rule_routes.push(Scoped { item: route, scope: scope.clone() });
                    }
                }
                syntax::RuleBody::Record(r) => {
                    self.no_anchor(
                        r.timescale.as_ref(),
                        "a record at any stage counts from the start of each stage",
                    );
                    rule_records.push(Scoped { item: self.step_of(r, None), scope: scope.clone() })
                }
                syntax::RuleBody::Step(r) => {
                    self.no_anchor(
                        r.timescale.as_ref(),
                        "a step at any stage counts from the start of each stage",
                    );
                    rule_steps.push(Scoped { item: self.step_of(r, None), scope: scope.clone() })
                }
                syntax::RuleBody::Send(r) => {
                    self.no_anchor(
                        r.timescale.as_ref(),
                        "a send at any stage counts from the start of each stage",
                    );
                    rule_sends.push(Scoped { item: self.step_of(r, None), scope: scope.clone() })
                }
                syntax::RuleBody::Note(n) => rule_notes.push(Scoped { item: note(n), scope: scope.clone() }),
            }
            // Notes after the rule explain it, on every stage it covers.
            for n in rule.notes {
                rule_notes.push(Scoped { item: note(n), scope: scope.clone() });
            }
        }

        // Steps and sends before a pathway's first stage: one after another,
        // from the day the disagreement is raised.
        let mut before = Vec::with_capacity(befores.len());
        for (b, pathway) in befores {
            let (step, send) = match b.body {
                syntax::RuleBody::Send(s) => (s, true),
                syntax::RuleBody::Step(s) | syntax::RuleBody::Record(s) => (s, false),
                syntax::RuleBody::Route(_) | syntax::RuleBody::Note(_) => continue,
            };
            self.no_anchor(
                step.timescale.as_ref(),
                "a step before the first stage counts from the end of the one before it",
            );
            before.push(Before {
                pathway,
                step: self.step_of(step, None),
                send,
                notes: notes(b.notes),
                span: b.span,
            });
        }

        // An instruction that counts as a route is that route at every stage.
        let mut model_instructions = Vec::with_capacity(instructions.len());
        for i in instructions {
            let mut counts_as = Vec::new();
            for r in i.routes {
                if let Some(route) = self.route(r, &resolve) {
                    counts_as.push(rule_routes.len());
                    rule_routes.push(Scoped { item: route, scope: Scope::Every });
                }
            }
            model_instructions.push(Instruction {
                text: i.text.text,
                counts_as,
                notes: notes(i.notes),
                quotes: quotes(i.quotes),
                sources: texts(i.sources),
                span: i.span,
            });
        }

        for (s, _) in &declared_stages {
            for name in s.steps.iter().filter_map(|st| st.name.as_ref()) {
                self.named_elsewhere
                    .entry(name.text.clone())
                    .or_insert_with(|| format!("stage {}", s.id.text));
            }
        }
        // Sized once: a protocol's largest vector, grown by doubling, would be half room.
        let mut model_stages = Vec::with_capacity(declared_stages.len());
        for (s, pathway) in declared_stages {
            let mut stage = self.stage(*s, pathway, &party_names, &names, &resolve);
            stage.ix = StageIx(model_stages.len());
            model_stages.push(stage);
        }
        let mut model_spans: Vec<StageSpan> = Vec::new();
        for span in spans {
            if let Some(resolved) = self.stage_span(span, &names, &model_stages) {
                for ix in &resolved.stages {
                    model_stages[ix.0].spans.push(model_spans.len());
                }
                model_spans.push(resolved);
            }
        }

        let mut model_exceptions = Vec::new();
        for (e, range) in exception_bodies.into_iter().zip(exception_stage_ranges) {
            let start = if let Some(((target, _), rest)) = e.starts.split_first() {
                for (extra, _) in rest {
                    self.errors.push(
                        Finding::new(
                            Code::DuplicateClause,
                            format!("exception `{}` has two `start` lines", e.name.text),
                        )
                        .at(extra.name.span, "second `start`")
                        .help("an exception's pathway begins in one place: keep one `start`"),
                    );
                }
                resolve(&mut self, target)
            } else {
                range.clone().next().map(|i| Target::Stage(StageIx(i)))
            };
            if e.parallel && range.is_empty() && e.starts.is_empty() {
                self.errors.push(
                    Finding::new(Code::NoStages, format!("pathway `{}` has no stages", e.name.text))
                        .at(e.span, "an empty pathway")
                        .help(format!(
                            "give the pathway its stages (`pathway {} \"...\" {{ stage 1 \"...\" {{ ... }} }}`), or remove it",
                            e.name.text
                        )),
                );
            }
            let exception_allows = self.allows(e.allows);
            for ix in range.clone() {
                model_stages[ix].allows.extend(exception_allows.iter().cloned());
            }
            model_exceptions.push(Exception {
                parallel: e.parallel,
                name: e.name.text,
                title: e.title.text,
                start,
                stages: range.map(StageIx).collect(),
                notes: notes(e.notes),
                quotes: quotes(e.quotes.into_iter().chain(e.starts.into_iter().flat_map(|s| s.1)).collect()),
                sources: texts(e.sources),
                span: e.span,
            });
        }
        let mut exception_names: HashMap<&str, Span> = HashMap::new();
        for e in &model_exceptions {
            if let Some(&first) = exception_names.get(e.name.as_str()) {
                let word = Word { text: e.name.clone(), span: e.span };
                self.duplicate("exception", &word, first);
            } else {
                exception_names.insert(&e.name, e.span);
            }
        }

        let parallel_stages = model_exceptions.iter().any(|e| e.parallel && !e.stages.is_empty());
        if !parallel_stages && !model_stages.iter().any(|s| s.pathway == Pathway::Main) {
            self.errors.push(
                Finding::new(Code::NoStages, "this protocol has no stages")
                    .at(header.title.span, "protocol declared here")
                    .help("add the first stage, e.g. `stage 1 \"Discussion between practitioners\" { ... }`"),
            );
        }

        let mut sources = header.sources.into_iter().map(|w| w.text);
        let source = sources.next();
        let further_sources = sources.collect();
        let version = self.at_most_one("version", &header.versions, |w| w.span).map(|w| w.text.clone());
        let dated = self.at_most_one("dated", &header.dateds, |w| w.span).map(|w| w.text.clone());
        let begins_after = self
            .at_most_one("begins after", &header.begins_after, |w| w.0.span)
            .map(|(w, q)| Entry { text: w.text.clone(), quotes: quotes(q.clone()) });
        let calendar = self.at_most_one("calendar", &header.calendars, |w| w.span).cloned();
        if let Some(cal) = &calendar
            && !CALENDARS.contains(&cal.text.as_str())
        {
            let mut finding = Finding::new(Code::UnknownCalendar, format!("unknown calendar `{}`", cal.text))
                .at(cal.span, "not a calendar escalate ships");
            finding = match suggest(&cal.text, CALENDARS.iter().copied()) {
                Some(s) => finding.help(format!("did you mean `{s}`?")),
                None => finding.help(format!("the calendars are {}", backticked(CALENDARS))),
            };
            self.errors.push(finding);
        }
        let mut closed_every = Vec::new();
        let closed = header
            .closed
            .into_iter()
            .flat_map(|c| {
                let q = quotes(c.quotes);
                let name = c.name.map(|n| n.text);
                closed_every.extend(c.every.iter().map(|&(from, to)| ClosedEvery {
                    name: name.clone(),
                    from,
                    to,
                    quotes: q.clone(),
                }));
                c.days.into_iter().map(move |(from, to)| Closed {
                    name: name.clone(),
                    from,
                    to,
                    quotes: q.clone(),
                })
            })
            .collect();
        let limit = self.at_most_one("limit", &header.limits, |l| l.span).map(|_| ());
        let limit = limit.and_then(|()| header.limits.into_iter().next()).map(|l| {
            self.no_anchor(
                Some(&l.timescale),
                "the protocol's limit counts from the start of the disagreement",
            );
            timed(l, None)
        });
        let advisory = self.at_most_one("timescales advisory", &header.advisory, |a| a.0).map(|_| ());
        let advisory = advisory.and_then(|()| header.advisory.into_iter().next()).map(|(_, q)| quotes(q));
        let mut protocol_allows = self.allows(header.allows);
        protocol_allows.extend(self.allows(allows));

        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        Ok(Protocol {
            title: header.title.text,
            source,
            further_sources,
            version,
            dated,
            begins_after,
            calendar: calendar.map(|c| c.text),
            closed,
            closed_every,
            limit: limit.map(|l| *l),
            advisory,
            spans: model_spans,
            notes: notes(header.notes),
            quotes: quotes(header.quotes),
            parties: model_parties,
            exits: model_exits,
            outcomes: model_outcomes,
            rule_routes,
            rule_records,
            rule_steps,
            rule_sends,
            rule_notes,
            before,
            instructions: model_instructions,
            stages: model_stages,
            exceptions: model_exceptions,
            allows: protocol_allows,
            services,
            span: Span::new(header.span.start, header.title.span.end),
        })
    }

    /// [`suggest`] among declared names, while the file's budget lasts.
    fn suggest<'a>(
        &mut self,
        wanted: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        if self.suggestions >= MAX_SUGGESTIONS || self.compared >= MAX_COMPARED {
            return None;
        }
        self.suggestions += 1;
        let compared = &mut self.compared;
        suggest(wanted, candidates.into_iter().inspect(|_| *compared += 1))
    }

    /// Declare a stage, exit or outcome name; false (and an error) if taken.
    fn declare(&mut self, names: &mut Names<(Declared, Span)>, name: &Word, what: Declared) -> bool {
        if let Some(&(_, first)) = names.get(&name.text) {
            let kind = match what {
                Declared::Stage(_) => "stage",
                Declared::Exit(_) => "exit",
                Declared::Outcome(_) => "outcome",
            };
            self.duplicate(kind, name, first);
            return false;
        }
        names.insert(name.text.clone(), (what, name.span));
        true
    }

    fn duplicate(&mut self, kind: &str, name: &Word, first: Span) {
        self.errors.push(
            Finding::new(Code::DuplicateName, format!("the name `{}` is used twice", name.text))
                .at(name.span, format!("second {kind} called `{}`", name.text))
                .also(first, "first used here")
                .help(format!(
                    "stages, exits and outcomes share one set of names (and parties another): rename this {kind}"
                )),
        );
    }

    /// The single value of something that may be said once.
    fn at_most_one<'a, T>(
        &mut self,
        what: &str,
        values: &'a [T],
        span: impl Fn(&T) -> Span,
    ) -> Option<&'a T> {
        for extra in values.iter().skip(1) {
            self.errors.push(
                Finding::new(Code::DuplicateClause, format!("`{what}` is given twice"))
                    .at(span(extra), format!("second `{what}`"))
                    .help(format!(
                        "keep one `{what}`; if the source gives two, note the choice in a comment"
                    )),
            );
        }
        values.first()
    }

    fn target(&mut self, names: &Names<(Declared, Span)>, target: &syntax::Target) -> Option<Target> {
        let name = &target.name;
        match names.get(&name.text) {
            Some(&(Declared::Stage(ix), _)) => Some(Target::Stage(ix)),
            Some(&(Declared::Exit(ix), _)) if !target.explicit_stage => Some(Target::Exit(ix)),
            Some(&(Declared::Outcome(ix), _)) if !target.explicit_stage => Some(Target::Outcome(ix)),
            found => {
                let what = if target.explicit_stage { "stage" } else { "stage, exit or outcome" };
                let mut finding = Finding::new(
                    Code::UnknownName,
                    if target.explicit_stage {
                        format!("there is no stage `{}`", name.text)
                    } else {
                        format!("there is no stage, exit or outcome called `{}`", name.text)
                    },
                )
                .at(name.span, format!("unknown {what}"));
                let candidates = names
                    .iter()
                    .filter(|(_, (d, _))| !target.explicit_stage || matches!(d, Declared::Stage(_)))
                    .map(|(n, _)| n.as_str());
                finding = match (found, self.suggest(&name.text, candidates)) {
                    (Some(_), _) => {
                        finding.help(format!("`{}` is not a stage: drop the word `stage`", name.text))
                    }
                    (None, Some(s)) if target.explicit_stage => {
                        finding.help(format!("did you mean `stage {s}`?"))
                    }
                    (None, Some(s)) => finding.help(format!("did you mean `{s}`?")),
                    (None, None) if target.explicit_stage => {
                        let list = self.stage_list.get_or_insert_with(|| {
                            let mut stages: Vec<&str> = names
                                .iter()
                                .filter(|(_, (d, _))| matches!(d, Declared::Stage(_)))
                                .map(|(n, _)| n.as_str())
                                .collect();
                            stages.sort_by_key(|s| (s.parse::<u64>().unwrap_or(u64::MAX), *s));
                            let shown: Vec<String> =
                                stages.iter().take(8).map(|s| format!("`stage {s}`")).collect();
                            format!("{}{}", shown.join(", "), if stages.len() > 8 { ", ..." } else { "" })
                        });
                        finding.help(format!(
                            "the stages are {list}; add `stage {} \"<title>\" {{ ... }}` if the protocol has one",
                            name.text
                        ))
                    }
                    (None, None) => finding.help(format!(
                        "declare it first, e.g. `exit {0} \"<title>\"` or `outcome {0} \"<title>\"`",
                        name.text
                    )),
                };
                self.errors.push(finding);
                None
            }
        }
    }

    /// Refuse a timescale that counts from a point where none can be named.
    fn no_anchor(&mut self, timescale: Option<&Timescale>, why: &str) {
        let Some(t) = timescale else { return };
        let Some(anchor) = &t.anchor else { return };
        self.errors.push(
            Finding::new(Code::BadAnchor, format!("this timescale cannot count from {anchor}"))
                .at(t.span, "counts from elsewhere")
                .help(format!(
                    "{why}: drop `of {anchor}`, or give the timescale to the stage or step it belongs to"
                )),
        );
    }

    /// Resolve what a stage's or step's timescale counts from. `steps` is how
    /// many steps come before it in its stage (`None` for the stage's own
    /// `within`, which may name any of them).
    fn from(
        &mut self,
        timescale: Option<&Timescale>,
        names: &Names<(Declared, Span)>,
        steps: usize,
        own_steps: usize,
        is_step: bool,
    ) -> Option<From> {
        let t = timescale?;
        let mut anchor = t.anchor.as_ref()?;
        // `of the meeting`: the step named `as meeting`, counted as its number.
        let numbered;
        if let Anchor::Named { name, point } = anchor {
            match self.step_names.iter().position(|n| n.as_deref() == Some(name.as_str())) {
                Some(i) => {
                    numbered = Anchor::Step { number: i as u64 + 1, point: *point };
                    anchor = &numbered;
                }
                None => {
                    let named: Vec<&str> = self.step_names.iter().flatten().map(String::as_str).collect();
                    let help = if let Some(elsewhere) = self.named_elsewhere.get(name.as_str()) {
                        // A name reaches only the steps of its own stage.
                        format!(
                            "`{name}` names a step of `{elsewhere}`, and `of the {name}` counts only from a step of \
                             the same stage: count from that stage instead (`of the end of {elsewhere}`)"
                        )
                    } else if named.is_empty() {
                        format!("name the step it counts from: `step \"...\" as {name}`")
                    } else {
                        format!("the steps of this stage named with `as` are {}", backticked(&named))
                    };
                    self.errors.push(
                        Finding::new(Code::BadAnchor, format!("this stage has no step called `{name}`"))
                            .at(t.span, "no such step")
                            .help(help),
                    );
                    return None;
                }
            }
        }
        match anchor {
            Anchor::Named { .. } => None,
            Anchor::Disagreement => Some(From::Disagreement),
            Anchor::Stage { id, point } => match names.get(id) {
                Some(&(Declared::Stage(stage), _)) => Some(From::Stage { stage, point: *point }),
                _ => {
                    let candidates = names
                        .iter()
                        .filter(|(_, (d, _))| matches!(d, Declared::Stage(_)))
                        .map(|(n, _)| n.as_str());
                    let mut finding = Finding::new(Code::UnknownName, format!("there is no stage `{id}`"))
                        .at(t.span, "counts from an unknown stage");
                    finding = match self.suggest(id, candidates) {
                        Some(s) => finding.help(format!("did you mean `of stage {s}`?")),
                        None => finding.help("name a stage of this protocol, e.g. `of stage 1`"),
                    };
                    self.errors.push(finding);
                    None
                }
            },
            Anchor::Step { number, point } => {
                let index = usize::try_from(*number).ok().and_then(|n| n.checked_sub(1));
                let limit = if is_step { steps } else { own_steps };
                match index {
                    Some(i) if i < limit && (*point == Point::End || !is_step || i < steps) => {
                        Some(From::Step { step: i, point: *point })
                    }
                    _ => {
                        let (message, help) = if is_step {
                            (
                                format!(
                                    "a step can only count from a step before it, not from step {number}"
                                ),
                                format!("this is step {} of its stage: count from an earlier one", steps + 1),
                            )
                        } else {
                            (
                                format!("this stage has no step {number}"),
                                format!(
                                    "the stage has {own_steps} steps, numbered from 1 in the order written"
                                ),
                            )
                        };
                        self.errors.push(
                            Finding::new(Code::BadAnchor, message).at(t.span, "no such step").help(help),
                        );
                        None
                    }
                }
            }
        }
    }

    /// `stages 1 to 3 within ...`: the stages it names, in order.
    fn stage_span(
        &mut self,
        span: syntax::StageSpan,
        names: &Names<(Declared, Span)>,
        stages: &[Stage],
    ) -> Option<StageSpan> {
        self.no_anchor(
            Some(&span.timescale),
            "a bound over several stages counts from the start of the first",
        );
        let mut found = Vec::new();
        for id in &span.stages {
            match names.get(&id.text) {
                Some(&(Declared::Stage(ix), _)) => found.push(ix),
                _ => {
                    let target = syntax::Target { explicit_stage: true, name: id.clone() };
                    self.target(names, &target);
                }
            }
        }
        if found.len() != span.stages.len() {
            return None;
        }
        let list = if span.range {
            let (first, last) = (found[0], found[found.len() - 1]);
            let pathway = stages.get(first.0).map(|s| s.pathway);
            if first > last || stages.get(last.0).map(|s| s.pathway) != pathway {
                self.errors.push(
                    Finding::new(
                        Code::BadAnchor,
                        format!(
                            "`stages {} to {}` is not a run of stages",
                            span.stages[0].text, span.stages[1].text
                        ),
                    )
                    .at(span.span, "not a run of stages")
                    .help(
                        "name the first stage, then a later stage of the same pathway (ladder or exception)",
                    ),
                );
                return None;
            }
            (first.0..=last.0).map(StageIx).collect()
        } else {
            found.sort();
            found.dedup();
            found
        };
        Some(StageSpan {
            stages: list,
            timescale: span.timescale,
            quotes: quotes(span.quotes),
            notes: span.notes.into_iter().map(note).collect(),
            span: span.span,
        })
    }

    fn route(
        &mut self,
        r: syntax::Route,
        resolve: &dyn Fn(&mut Resolver, &syntax::Target) -> Option<Target>,
    ) -> Option<Route> {
        self.no_anchor(
            r.timescale.as_deref(),
            "a route's timescale counts from the end of the stage it leaves",
        );
        let target = resolve(self, &r.target)?;
        let more = r.more.into_inner();
        let records = more.records.into_iter().map(|r| self.step_of(r, None)).collect();
        let sends = more.sends.into_iter().map(|r| self.step_of(r, None)).collect();
        let for_whom = self.for_whom(more.for_whom);
        let through = self.recipients(&more.through);
        Some(Route {
            condition: r.condition,
            target,
            timescale: r.timescale,
            quotes: quotes(r.quotes),
            more: Rare::new(RouteMore {
                sources: texts(more.sources),
                implied: more.implied,
                discretionary: more.discretionary,
                records,
                sends,
                for_whom,
                through,
            }),
            span: r.span,
        })
    }

    fn stage(
        &mut self,
        s: syntax::Stage,
        pathway: Pathway,
        party_names: &Names<PartyIx>,
        names: &Names<(Declared, Span)>,
        resolve: &dyn Fn(&mut Resolver, &syntax::Target) -> Option<Target>,
    ) -> Stage {
        let more = s.more.into_inner();
        let mut parties = Vec::with_capacity(s.parties.len());
        for choice in &s.parties {
            // Sized to the choice: collected from a filter, a vector reserves
            // room for four (128 bytes for one party of 32).
            let mut options: Vec<PartyOption> = Vec::with_capacity(choice.len());
            options.extend(choice.iter().filter_map(|(name, condition)| {
                let party = self.party(party_names, name)?;
                Some(PartyOption { party, condition: condition.as_ref().map(|c| c.text.clone()) })
            }));
            if options.len() == choice.len() {
                parties.push(PartyChoice { options });
            }
        }
        let within = self.at_most_one("within", &more.within, |l| l.span).map(|_| ());
        let own_steps = s.steps.len();
        self.step_names = s.steps.iter().map(|st| st.name.as_ref().map(|n| n.text.clone())).collect();
        let within = within.and_then(|()| more.within.into_iter().next()).map(|l| {
            let from = self.from(Some(&l.timescale), names, 0, own_steps, false);
            timed(l, from)
        });
        let cumulative = self.at_most_one("cumulative", &more.cumulative, |l| l.span).map(|_| ());
        let cumulative = cumulative.and_then(|()| more.cumulative.into_iter().next()).map(|l| {
            self.no_anchor(
                Some(&l.timescale),
                "a cumulative total counts from the start of the disagreement",
            );
            timed(l, None)
        });
        let mut steps = Vec::with_capacity(own_steps);
        for (i, st) in s.steps.into_iter().enumerate() {
            let from = self.from(st.timescale.as_ref(), names, i, own_steps, true);
            steps.push(self.step_of(st, from));
        }
        let mut records = Vec::with_capacity(more.records.len());
        for r in more.records {
            let from = self.from(r.timescale.as_ref(), names, own_steps, own_steps, false);
            records.push(self.step_of(r, from));
        }
        let mut sends = Vec::with_capacity(more.sends.len());
        for r in more.sends {
            let from = self.from(r.timescale.as_ref(), names, own_steps, own_steps, false);
            sends.push(self.step_of(r, from));
        }
        let final_authority = self.at_most_one("final", &more.finals, |f| f.span).map(|f| f.kind);
        let mut stage_quotes = quotes(more.quotes);
        stage_quotes.extend(more.finals.into_iter().flat_map(|f| quotes(f.quotes)));
        // Into a vector of their own number: collected in place, they would keep
        // the larger syntax routes' room.
        let mut routes = Vec::with_capacity(s.routes.len());
        routes.extend(s.routes.into_iter().filter_map(|r| self.route(r, resolve)));
        let allows = self.allows(more.allows);
        Stage {
            head: Span::new(s.span.start, s.title.span.end),
            id: s.id.text,
            title: s.title.text,
            pathway,
            parties,
            steps,
            records,
            sends,
            routes,
            within,
            cumulative,
            final_authority,
            more: Rare::new(StageMore {
                no_outcome: more
                    .no_outcome
                    .into_iter()
                    .next()
                    .map(|(span, q)| NoOutcome { quotes: quotes(q), span }),
                notes: notes(more.notes),
                quotes: stage_quotes,
                sources: texts(more.sources),
                allows,
                spans: Vec::new(),
            }),
            ix: StageIx::default(),
            span: s.span,
        }
    }

    /// A party named in a stage or an exit.
    fn party(&mut self, party_names: &Names<PartyIx>, name: &Word) -> Option<PartyIx> {
        if let Some(&ix) = party_names.get(&name.text) {
            return Some(ix);
        }
        let mut finding =
            Finding::new(Code::UnknownName, format!("there is no party called `{}`", name.text))
                .at(name.span, "unknown party");
        finding = match self.suggest(&name.text, party_names.keys().map(String::as_str)) {
            Some(s) => finding.help(format!("did you mean `{s}`?")),
            None => finding.help(format!("declare it first: `party {} \"<role>\" level <n>`", name.text)),
        };
        self.errors.push(finding);
        None
    }

    /// An `at any stage` rule's scope; `None` (and an error) if it names a
    /// stage or exception that does not exist.
    fn scope(
        &mut self,
        scope: &syntax::Scope,
        names: &Names<(Declared, Span)>,
        exceptions: &Names<usize>,
    ) -> Option<Scope> {
        match scope {
            syntax::Scope::From(id) => {
                let target = syntax::Target { explicit_stage: true, name: id.clone() };
                match self.target(names, &target)? {
                    Target::Stage(ix) => Some(Scope::From(ix)),
                    _ => None,
                }
            }
            syntax::Scope::Of(refs) => {
                let mut pathways = Vec::new();
                for r in refs {
                    match r {
                        None => pathways.push(Pathway::Main),
                        Some(name) => match exceptions.get(&name.text) {
                            Some(&i) => pathways.push(Pathway::Exception(i)),
                            None => {
                                let mut finding = Finding::new(
                                    Code::UnknownName,
                                    format!("there is no exception called `{}`", name.text),
                                )
                                .at(name.span, "unknown exception");
                                let near = self.suggest(&name.text, exceptions.keys().map(String::as_str));
                                finding = match near {
                                    Some(s) => finding.help(format!("did you mean `{s}`?")),
                                    None => finding.help(
                                        "name `the main ladder` or an exception declared with                                          `exception NAME \"<title>\" { ... }`",
                                    ),
                                };
                                self.errors.push(finding);
                                return None;
                            }
                        },
                    }
                }
                Some(Scope::Pathways(pathways))
            }
        }
    }

    fn allows(&mut self, allows: Vec<syntax::Allow>) -> Vec<Allow> {
        let mut out = Vec::new();
        for a in allows {
            match Code::parse(&a.code.text).filter(|c| !c.is_input_error()) {
                Some(code) => out.push(Allow { code, reason: a.reason.text, span: a.span }),
                None => {
                    let names: Vec<&str> = Code::checks().map(Code::as_str).collect();
                    let mut finding = Finding::new(
                        Code::UnknownCheck,
                        format!("there is no check called `{}`", a.code.text),
                    )
                    .at(a.code.span, "unknown check");
                    finding = match suggest(&a.code.text, names.iter().copied()) {
                        Some(s) => finding.help(format!("did you mean `{s}`?")),
                        None => finding.help(format!("the checks are {}", backticked(&names))),
                    };
                    self.errors.push(finding);
                }
            }
        }
        out
    }
}

impl Resolver {
    /// A step or record, with whom it is for and goes through resolved.
    fn step_of(&mut self, s: syntax::Step, from: Option<From>) -> Step {
        let more = s.more.into_inner();
        let for_whom = self.for_whom(more.for_whom);
        let through = self.recipients(&more.through);
        let to = self.recipients(&more.to);
        Step {
            text: s.text.text,
            timescale: s.timescale,
            from,
            quotes: quotes(s.quotes),
            more: Rare::new(StepMore {
                sources: texts(more.sources),
                discretionary: more.discretionary,
                condition: more.condition.map(|c| c.text),
                otherwise: more.otherwise.map(|o| Box::new(self.step_of(*o, None))),
                agency: more.agency.map(|a| a.text),
                for_whom,
                through,
                to,
            }),
            span: s.span,
        }
    }

    /// `for ...`, with a party's name resolved (an unknown one is reported).
    fn for_whom(&mut self, f: Option<syntax::ForWhom>) -> Option<ForWhom> {
        Some(match f? {
            syntax::ForWhom::Agency(a) => ForWhom::Agency(a.text),
            syntax::ForWhom::Children(c) => ForWhom::Children(c.text),
            syntax::ForWhom::Party(name) => {
                let names = std::mem::take(&mut self.party_names);
                let party = self.party(&names, &name);
                self.party_names = names;
                ForWhom::Party(party?)
            }
        })
    }

    /// Agencies and parties (`to ...`, `through ...`), with parties'
    /// names resolved (an unknown one is reported, and left out).
    fn recipients(&mut self, list: &[syntax::Recipient]) -> Vec<Recipient> {
        let names = std::mem::take(&mut self.party_names);
        let out = list
            .iter()
            .filter_map(|r| match r {
                syntax::Recipient::Agency(a) => Some(Recipient::Agency(a.text.clone())),
                syntax::Recipient::Party(name) => self.party(&names, name).map(Recipient::Party),
            })
            .collect();
        self.party_names = names;
        out
    }
}

fn note(n: syntax::Note) -> Note {
    Note { text: n.text.text, quotes: quotes(n.quotes) }
}

fn notes(notes: Vec<syntax::Note>) -> Vec<Note> {
    notes.into_iter().map(note).collect()
}

fn timed(l: syntax::Limit, from: Option<From>) -> Box<Timed> {
    Box::new(Timed { timescale: l.timescale, from, quotes: quotes(l.quotes), span: l.span })
}

fn quotes(words: Vec<Word>) -> Vec<Quote> {
    // A Quote is a Word's size: collected in place, in the syntax's allocation.
    words.into_iter().map(|w| Quote { text: w.text, span: w.span }).collect()
}

fn texts(words: Vec<Word>) -> Vec<String> {
    words.into_iter().map(|w| w.text).collect()
}

fn backticked(items: &[&str]) -> String {
    items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn did_you_mean_looks_at_a_bounded_number_of_names() {
        // 30,000 parties and 100 stages naming a party with a typo: each
        // search passes over every name, so the budget lets 67 of them run.
        let mut text = String::from("protocol \"P\"\noutcome agreed \"A\"\n");
        for i in 0..30_000 {
            text.push_str(&format!("party p{i} \"P\"\n"));
        }
        for i in 0..100 {
            let final_one = if i == 99 { " final decision" } else { "" };
            text.push_str(&format!(
                "stage {i} \"S\" {{ parties px{} resolved -> agreed unresolved -> stage {}{final_one} }}\n",
                i * 300,
                (i + 1) % 100
            ));
        }
        let Err(errors) = crate::load(&text) else { panic!("unknown parties must not load") };
        let unknown = errors.iter().filter(|f| f.message.contains("px")).count();
        let suggested = errors.iter().filter(|f| f.help.contains("did you mean")).count();
        assert_eq!(unknown, 100);
        assert_eq!(suggested, super::MAX_COMPARED.div_ceil(30_000));
    }
}
