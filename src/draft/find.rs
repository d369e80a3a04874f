//! The rules that find a protocol's elements in a document's text. Every
//! element keeps the byte range of the words it comes from (its quote).
//!
//! The rules read the shapes protocols are written in, not any one
//! document's sentences: stage markers in headings ("Stage 2", "Level 3",
//! "Step II"), numbered lists whose items read as rungs of a ladder, tables
//! whose rows are stages (kept as rows, or flattened to a cell per line),
//! timescales in the language's own forms (checked by escalate's parser), a
//! lexicon of safeguarding roles ranked by seniority, and the sentences that
//! route a child at immediate risk, name a final authority, keep records or
//! set an overall limit.

use regex_lite::Regex;
use serde::Serialize;
use std::ops::Range;
use std::sync::LazyLock;

use super::text::{Units, units};

/// A byte range of the document's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct At {
    pub start: usize,
    pub end: usize,
}

impl From<Range<usize>> for At {
    fn from(r: Range<usize>) -> At {
        At { start: r.start, end: r.end }
    }
}

impl At {
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// A timescale: as the language writes it, and where it was found.
#[derive(Debug, Clone, Serialize)]
pub struct Time {
    /// In the language's syntax (checked by its parser).
    pub written: String,
    /// The timescale's own words.
    pub words: At,
    /// The sentence it is in.
    pub quote: At,
    /// False when the words could not be written in the language's forms and
    /// are kept in quotes (no bound): the writer must check.
    pub exact: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub text: String,
    pub time: Option<Time>,
    pub quote: At,
}

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub text: String,
    /// When it must be made, if the sentence says.
    pub time: Option<Time>,
    pub quote: At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Final {
    Decision,
    Mediation,
}

/// The sentence that sends a disagreement on into a stage.
#[derive(Debug, Clone, Serialize)]
pub struct Into {
    pub quote: At,
    pub time: Option<Time>,
    /// Where its condition ("if unresolved at <role> level,") ends.
    #[serde(skip)]
    pub condition_end: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub id: String,
    pub title: String,
    /// The heading, table row or sentence the stage was found at.
    pub heading: At,
    /// The text that describes it.
    #[serde(skip)]
    pub body: Vec<Range<usize>>,
    /// Its parties (indices into [`Found::parties`]).
    pub parties: Vec<usize>,
    pub within: Option<Time>,
    /// A table's cumulative duration up to the end of this stage.
    pub cumulative: Option<Time>,
    pub steps: Vec<Step>,
    pub records: Vec<Record>,
    pub final_authority: Option<(Final, At)>,
    /// How the text sends a disagreement into it.
    pub into: Option<Into>,
    /// Where the text says a resolved disagreement ends.
    pub resolved: Option<At>,
    /// Beyond the numbered ladder: a chair's mediation or decision.
    pub beyond: bool,
    /// What the writer must decide here.
    pub todo: Vec<String>,
    /// A side path off the ladder: the stage it is printed in (an index into
    /// [`Found::stages`]) and the words that send a disagreement here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<(usize, At)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    pub title: String,
    pub level: u32,
    pub quote: At,
    /// The text's other wordings of the same role (the first of each), such
    /// as "senior personnel" beside "more senior staff".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<At>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exit {
    pub name: String,
    pub title: String,
    /// The destination's words.
    pub to: At,
    pub time: Option<Time>,
    /// The sentence that names the destination.
    pub quote: At,
}

/// What the text says of a child at immediate risk.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Immediate {
    /// A route, and where it goes.
    Route {
        quote: At,
        exit: Exit,
    },
    /// Mentioned, with nowhere to go.
    Mentioned {
        quote: At,
    },
    Silent,
}

/// `stages 1 and 2 within ...`.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    pub stages: Vec<String>,
    pub time: Time,
}

/// Everything found in one document.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    /// `None` when the text reads as an escalation protocol; otherwise why not.
    pub not_a_protocol: Option<String>,
    pub title: Option<At>,
    pub stages: Vec<Stage>,
    pub parties: Vec<Party>,
    pub immediate: Immediate,
    pub limit: Option<Time>,
    pub spans: Vec<Span>,
    /// Records the text asks for at every stage.
    pub records: Vec<Record>,
    /// Bare "days" written as working days, as the document's other
    /// timescales are (the writer must confirm).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub days_as_working_days: Vec<At>,
    /// The sentence that calls the document's timescales suggestions ("a
    /// suggested timeframe"): every timescale is advisory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<At>,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("a draft rule's pattern does not compile: {e}"))
}

macro_rules! rule {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| re($pattern));
    };
}

const NUM: &str = r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|thirty";
const UNIT: &str =
    r"working\s+days?|working\s+weeks?|calendar\s+days?|calendar\s+weeks?|days?|weeks?|hours?|school\s+days?";

fn amount() -> String {
    format!(
        r"(?:(?:no|not)\s+more\s+than\s+|a\s+maximum\s+of\s+|at\s+most\s+|up\s+to\s+)?(?:(?:a\s+further|a|an)\s+(?:(?:{NUM})\s+)?|(?:a\s+further\s+|further\s+)?(?:{NUM})\s+)(?:{UNIT})\b"
    )
}

const VAGUE: &str = r"without\s+delay|(?:with)?in\s+a\s+timely\s+manner|as\s+soon\s+as\s+possible|as\s+quickly\s+as\s+possible|at\s+the\s+earliest\s+opportunity|promptly|immediately|at\s+once|straight\s+away|right\s+away|the\s+same\s+working\s+day|the\s+same\s+day|same\s+working\s+day|(?:by\s+)?(?:the\s+end\s+of\s+)?the\s+next\s+working\s+day";
/// A deadline set by an event: "before a concern has escalated to this level",
/// "before the case is closed". The language has no bound for it: it is kept
/// in the text's words.
const BEFORE: &str = r"before\s+(?:a|an|the|any|this|that)\s+[a-z]+(?:\s+[a-z]+)?\s+(?:has|have|is|are)\s+(?:been\s+)?[a-z]+ed(?:\s+(?:to|at)\s+(?:this|that|the\s+next|a\s+higher)\s+(?:level|stage|step|tier))?\b";

rule!(
    TIME,
    &format!(
        r"(?i)\b(?:(?:{VAGUE})\s+and\s+(?:within\s+)?{a}|{a}(?:\s*\((?:{a})\))?|(?:{VAGUE})\b|{BEFORE})",
        a = amount()
    )
);
rule!(
    WHICHEVER,
    r"(?i)^\s*(?:\*\*)?\s*or\s+([^,()]{3,100}?)\s*(?:\*\*)?\s*(?:,\s*|\(\s*)whichever\s+is\s+(shorter|shortest|less|least|sooner|soonest|earlier|earliest)\s*\)?"
);
rule!(
    STAGE_MARK,
    r"(?i)\b(stage|step|level|tier)\s*(?:no\.?\s*)?(\d{1,2}[a-z]?|one|two|three|four|five|six|seven|eight|i{1,3}|iv|v|vi{0,3}|ix|x)\b"
);
rule!(
    ESCALATE_COND,
    r"(?i)\b(?:unresolved|cannot\s+agree|can\s+not\s+agree|do\s+not\s+agree|does\s+not\s+agree|not\s+(?:be\s+)?resolved|cannot\s+be\s+(?:resolved|reached|agreed)|can\s+not\s+be\s+(?:resolved|reached)|unable\s+to\s+(?:resolve|agree|reach)|not\s+(?:be\s+)?agreed|no\s+(?:agreement|resolution)|(?:agreement|resolution)\s+(?:is\s+)?(?:still\s+)?not\s+(?:reached|agreed)|still\s+(?:not|un)|remains?\s+(?:unresolved|concerned)|persists?|disagrees?\s+with)"
);
rule!(
    ESCALATE_ACT,
    r"(?i)\b(?:meet|meets|decide|decides|refer\w*|escalat\w*|raise|raised|contact|write|writes|passed|taken\s+up|progress\w*|discuss\w*|notify|inform\w*|convene\w*|request\w*|involve\w*|seek)\b"
);
rule!(
    RESOLVED,
    r"(?i)\b(?:where|if|when|once)\s+(?:a\s+|an\s+|the\s+)?(?:resolution|agreement|issue|disagreement|matter)\s+(?:is\s+|has\s+been\s+)(?:reached|agreed|resolved)"
);
rule!(
    FINAL_DECISION,
    r"(?i)\b(?:decision(?:\s+of\s+the\s+[\w’ ]{1,40}?)?\s+(?:is|will\s+be|shall\s+be)\s+final|final\s+(?:and\s+binding\s+)?decision|binding\s+decision|final\s+arbiter|final\s+say)\b"
);
rule!(MEDIATION, r"(?i)\bmediat\w*");
rule!(
    OWN_MANAGER,
    r"(?i)\bdisagree\w*\s+(?:(?:between|among)\s+[^.;:]{1,80}?\s+and|with)\s+(?:their|his\s+or\s+her|one'?s|one’s|your|the\s+worker'?s|the\s+worker’s)\s+(?:own\s+|immediate\s+|direct\s+|line\s+)+managers?\b"
);
rule!(ADVICE, r"(?i)\b(?:advi[cs]e|consult\w*|support)\b");
rule!(
    AUTHORITY,
    r"(?i)\b(?:independent\s+chair|chair(?:person)?|independent\s+(?:panel|reviewer|scrutineer)|panel|child\s+protection\s+committee|executive\s+group|strategic\s+partnership|partnership\s+board|safeguarding\s+(?:children\s+)?(?:board|partnership))\b"
);
rule!(
    IMMEDIATE,
    r"(?i)\b(?:immediate(?:ly\s+at)?\s+risk|immediate\s+danger|risk\s+of\s+immediate|at\s+risk\s+of\s+immediate|imminent\s+(?:risk|danger)|immediate\s+(?:protection|safety)\s+(?:concern|need)s?)\b"
);
rule!(
    DESTINATION,
    r"(?i)\b(?:multi[\s-]*agency\s+safeguarding\s+hub(?:\s*\(MASH\))?|MASH|999|front\s+door|emergency\s+duty\s+(?:team|service)(?:\s*\(EDT\))?|EDT|police|children'?s\s+social\s+care|children’s\s+social\s+care|social\s+work\s+services|duty\s+social\s+work(?:er|\s+team))\b"
);
rule!(
    RECORD,
    r"(?i)\b(?:records?|recorded|minuted|minutes|in\s+writing|written\s+(?:account|confirmation|record))\b"
);
rule!(
    RECORD_KEPT,
    r"(?i)\b(?:kept|keep|made|retained|placed|recorded|minuted|noted|maintain\w*|stored?|confirmed)\b"
);
rule!(
    EVERY_STAGE,
    r"(?i)\b(?:at\s+(?:all|any|each|every)\s+stages?|throughout|at\s+all\s+times|all\s+stages|each\s+stage|every\s+stage)\b"
);
rule!(EACH_STAGE, r"(?i)\beach\s+(?:stage|step|level)\b");
rule!(FOR_STAGES, r"(?i)\bfor\s+(?:stages|steps|levels)\s+(\d+)\s+(?:and|to|-|–)\s+(\d+)\b");
rule!(
    LIMIT_WORDS,
    r"(?i)\b(?:maximum|in\s+total|overall|altogether|whole\s+process|entire\s+process|all\s+stages)\b"
);
rule!(ABOUT_RESOLVING, r"(?i)\b(?:resolv\w*|resolution|disagreement|dispute|escalat\w*)\b");
rule!(
    LIST_ITEM,
    r"^(?:#+\s*)?(?:\*\*)?\s*(?:(\d{1,2})\.(\d{1,2})\.?|(\d{1,2})[.)]|\(([a-h])\)|([a-h])\)|([ivx]{1,4})[.)]|\(([ivx]{1,4})\)|([IVX]{1,4})\.)(?:\s+|$)"
);
rule!(APPENDIX, r"(?i)\b(?:appendix|annex|monitoring|proforma|template|form)\b");
rule!(
    IMMEDIATE_TIME,
    r"(?i)^(?:immediately|at\s+once|straight\s+away|right\s+away|(?:the\s+)?same\s+(?:working\s+)?day)$"
);
rule!(MAXIMUM_WORDS, r"(?i)^(?:(?:no|not)\s+more\s+than|a\s+maximum\s+of|at\s+most|up\s+to)\s+");
rule!(CUMULATIVE, r"(?i)^cumulative");
rule!(
    SUGGESTED,
    r"(?i)\b(?:suggested|indicative|recommended)\s+(?:time\s*frames?|timescales?|time\s+limits?)|\btimescales?\s+(?:are|is)\s+(?:a\s+|for\s+)?guid(?:e|ance)\b"
);
// Words that make a timescale a hope rather than a rule: "should normally
// be completed within 15 working days".
rule!(
    HEDGE,
    r"(?i)\b(?:normally|usually|ideally|generally|where\s+possible|wherever\s+possible|if\s+possible|aims?\s+to|should\s+aim)\b"
);
rule!(
    ROUTE_VERB,
    r"(?i)\b(?:(?:is|are|be|must\s+be|should\s+be)\s+)?(?:refer\w*|escalat\w*|raise[sd]?|passed|notify|inform\w*|contact\w*|writes?)\b"
);
rule!(TABLE_HEAD, r"(?i)^(?:\*\*)?(?:stage|step|level|tier)(?:\s*(?:no\.?|number|#))?(?:\*\*)?$");
rule!(BARE_NUMBER, r"^(?:stage\s+|step\s+|level\s+)?(\d{1,2}|[IVX]{1,4})[.:]?$");

/// A Roman numeral's value (I to XX), for numbering schemes.
pub fn roman(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    let all = [
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi",
        "xvii", "xviii", "xix", "xx",
    ];
    all.iter().position(|r| *r == w).map(|i| i as u32 + 1)
}

fn number(word: &str) -> Option<u32> {
    let w = word.trim().to_ascii_lowercase();
    if let Ok(n) = w.trim_end_matches(|c: char| c.is_ascii_alphabetic()).parse::<u32>()
        && !w.is_empty()
        && w.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(n);
    }
    let words = ["one", "two", "three", "four", "five", "six", "seven", "eight"];
    words.iter().position(|x| *x == w).map(|i| i as u32 + 1).or_else(|| roman(&w))
}

/// A safeguarding role: how the text names it, the party it is, and its rank.
struct Role {
    pattern: Regex,
    name: &'static str,
    level: u32,
}

static ROLES: LazyLock<Vec<Role>> = LazyLock::new(|| {
    let list: &[(&str, &str, u32)] = &[
        (
            r"independent\s+chair(?:\s+of\s+the\s+[\w’' ]{0,40}?(?:board|partnership|committee))?|chair\s+of\s+the\s+(?:[\w’']+\s+){0,5}?(?:board|partnership|lscb|lsab|scp|committee)|(?:lscb|wscb|hscb|scp|board|partnership|committee)\s+(?:\(?independent\)?\s+)?chair",
            "chair",
            5,
        ),
        (r"child\s+protection\s+committee", "child-protection-committee", 5),
        (r"independent\s+(?:scrutineers?|reviewers?)|scrutineers?", "independent-scrutineer", 5),
        (
            r"(?:board|partnership|lscb|hscb|wscb)\s+members?|members?\s+of\s+the\s+(?:[\w’']+\s+){0,4}?board",
            "board-member",
            4,
        ),
        (
            r"(?:lscb|wscb|hscb|scp|lsab|board|partnership|agency|sector)(?:'s|’s)?\s+(?:reps?|representatives?)|representatives?\s+(?:of|on|to)\s+the\s+(?:[\w’']+\s+){0,4}?(?:board|partnership|committee)",
            "board-representative",
            4,
        ),
        (r"assistant\s+directors?", "assistant-director", 4),
        (r"(?:service\s+)?directors?(?:\s+of\s+(?:children'?s|children’s)\s+services)?", "director", 4),
        (r"heads?\s+of\s+(?:service|safeguarding)", "head-of-service", 3),
        (r"head\s*teachers?", "head-teacher", 3),
        (r"(?:(?:lscb|wscb|hscb|scp|board|partnership)\s+)?business\s+managers?", "business-manager", 3),
        (r"safeguarding\s+managers?", "safeguarding-manager", 3),
        (r"service\s+(?:leaders?|managers?)", "service-manager", 3),
        (r"(?:more\s+)?senior\s+(?:managers?|officers?|staff|professionals?|personnel)", "senior-manager", 3),
        (r"detective\s+inspectors?", "detective-inspector", 3),
        (
            r"designated\s+(?:doctors?|nurses?|professionals?)(?:\s+or\s+(?:doctor|nurse))?",
            "designated-professional",
            3,
        ),
        (r"detective\s+sergeants?", "detective-sergeant", 2),
        (r"named\s+(?:professionals?|nurses?|doctors?|midwi(?:fe|ves))", "named-professional", 2),
        (r"named\s+persons?", "named-person", 2),
        (
            r"senior\s+(?:health\s+visitors?|nurses?|social\s+workers?|practitioners?|midwi(?:fe|ves)|clinicians?|caseworkers?)",
            "senior-practitioner",
            2,
        ),
        (
            r"designated\s+(?:safeguarding|child\s+protection)\s+(?:leads?|officers?|persons?)|designated\s+teachers?|designated\s+staff\s+members?",
            "designated-lead",
            2,
        ),
        (
            r"(?:safeguarding|child\s+protection)\s+(?:leads?|advis[eo]rs?|co-?ordinators?|officers?)",
            "safeguarding-lead",
            2,
        ),
        (
            r"(?:first[\s-]+line\s+|line\s*/\s*team\s+|line\s+|team\s+)managers?|supervisors?",
            "line-manager",
            2,
        ),
        (
            r"practitioners?|fieldworkers?|front[\s-]+line\s+(?:staff|workers?|practitioners?)|professionals\s+involved|the\s+individuals\s+concerned|social\s+workers?|lead\s+professionals?|professionals",
            "practitioner",
            1,
        ),
    ];
    list.iter()
        .map(|&(p, name, level)| Role { pattern: re(&format!(r"(?i)\b(?:{p})\b")), name, level })
        .collect()
});

/// Roles named in `range` of `text`: (name, level, where), first mention first.
fn roles_in(text: &str, range: Range<usize>) -> Vec<(&'static str, u32, Range<usize>)> {
    let slice = &text[range.clone()];
    let mut taken: Vec<Range<usize>> = Vec::new();
    let mut out = Vec::new();
    for role in ROLES.iter() {
        for m in role.pattern.find_iter(slice) {
            let r = m.start()..m.end();
            if taken.iter().any(|t| t.start < r.end && r.start < t.end) {
                continue;
            }
            taken.push(r.clone());
            out.push((role.name, role.level, range.start + r.start..range.start + r.end));
        }
    }
    out.sort_by_key(|(_, _, r)| r.start);
    out
}

/// Whether the language reads `written` as a timescale.
pub fn parses_as_timescale(written: &str) -> bool {
    let probe = format!("protocol \"p\"\nstage 1 \"s\" {{\n  within {written}\n}}\n");
    crate::load(&probe).is_ok_and(|p| p.stages.first().is_some_and(|s| s.within.is_some()))
}

/// The words of `range`, whitespace and Markdown bold removed.
fn words(text: &str, range: Range<usize>) -> String {
    text[range].replace("**", "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Timescales in a sentence, in the language's syntax where it has one.
fn times_in(text: &str, sentence: Range<usize>) -> Vec<Time> {
    let slice = &text[sentence.clone()];
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(m) = TIME.find_at(slice, from) {
        let mut end = m.end();
        let mut phrase = words(text, sentence.start + m.start()..sentence.start + m.end());
        if phrase.chars().all(|c| !c.is_lowercase()) {
            phrase = phrase.to_lowercase();
        }
        let mut written = phrase.clone();
        if let Some(w) = WHICHEVER.captures(&slice[end..]) {
            let alt = w.get(1).map_or("", |g| g.as_str()).replace("**", "");
            let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
            let word = match w.get(2).map_or("", |g| g.as_str()).to_lowercase().as_str() {
                "least" => "less".to_string(),
                "soonest" => "sooner".to_string(),
                other => other.to_string(),
            };
            let alt = if parses_as_timescale(&alt) { alt } else { crate::render::esc::string(&alt) };
            let candidate = format!("{written} or {alt}, whichever is {word}");
            if parses_as_timescale(&candidate) {
                written = candidate;
                end += w.get(0).map_or(0, |g| g.end());
            }
        }
        let mut exact = parses_as_timescale(&written);
        if !exact {
            // Without the words that only say it is a maximum.
            let bare = MAXIMUM_WORDS.replace(&written, "").to_string();
            if parses_as_timescale(&bare) {
                written = bare;
                exact = true;
            }
        }
        if !exact {
            written = crate::render::esc::string(&phrase);
        }
        let mut time = Time {
            written,
            words: (sentence.start + m.start()..sentence.start + end).into(),
            quote: sentence.clone().into(),
            exact,
        };
        // A count the sentence only hopes for ("should normally be completed
        // within 15 working days"): advisory.
        if exact && !is_vague(&time) && HEDGE.is_match(&slice[..m.start()]) {
            let hoped = format!("{} advisory", time.written);
            if parses_as_timescale(&hoped) {
                time.written = hoped;
            }
        }
        out.push(time);
        from = end.max(m.end());
        if from >= slice.len() {
            break;
        }
    }
    out
}

/// Whether `sentence`, whose timescales are `times`, is only a timescale:
/// a table's duration cell ("5 days"), or a flowchart's box ("(5 DAYS)").
fn only_a_timescale(text: &str, sentence: Range<usize>, times: &[Time]) -> bool {
    match times {
        [t] => words(text, sentence).len() <= t.words.end - t.words.start + 4,
        _ => false,
    }
}

fn is_vague(t: &Time) -> bool {
    t.exact
        && !t.written.starts_with(|c: char| c.is_ascii_digit())
        && !Regex::new(&format!(r"(?i)(?:{UNIT})")).is_ok_and(|r| r.is_match(&t.written))
}

fn slug(words: &str) -> String {
    let mut out = String::new();
    let stop = ["of", "the", "a", "an", "and", "for", "to"];
    for w in words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !stop.contains(&w.to_lowercase().as_str()))
        .take(4)
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_lowercase());
    }
    if out.is_empty() || !out.starts_with(|c: char| c.is_alphabetic()) {
        out.insert_str(0, "s-");
    }
    out
}

/// Capitalised first letter.
fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// Shorten a sentence to a title or a step's text: whole words, at most
/// `max` characters.
fn short(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.trim_start_matches(['-', '•', '·', '*', '#', ' ']).trim();
    if s.chars().count() <= max {
        return s.trim_end_matches(['.', ':', ';', ',']).to_string();
    }
    let mut out = String::new();
    for w in s.split(' ') {
        if out.chars().count() + w.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    format!("{}…", out.trim_end_matches([',', ';', ':', '.']))
}

/// A stage found at a place in the text, before stages of one id are merged.
struct Mention {
    id: u32,
    title: Option<String>,
    heading: Range<usize>,
    body: Range<usize>,
}

/// What a stage marker heading says: the number and what is left as title.
fn marked(text: &str, para: Range<usize>) -> Option<(u32, String)> {
    let s = &text[para];
    let m = STAGE_MARK.captures(s)?;
    let whole = m.get(0)?;
    // The marker must come early: a heading that only mentions a stage
    // further on ("Dates and Outcome of Stages 1 and 2") is not one.
    if s[..whole.start()].split_whitespace().count() > 6 {
        return None;
    }
    let id = number(m.get(2)?.as_str())?;
    let before = s[..whole.start()].trim();
    let after = s[whole.end()..].trim();
    let clean = |t: &str| {
        t.trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '-' | '–' | '—' | '.' | '*' | '#' | '|')
        })
        .to_string()
    };
    let before = clean(before);
    let before = before.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace());
    let after = clean(after);
    let title = if !after.is_empty() { after } else { clean(before) };
    Some((id, title))
}

fn stage_mentions(text: &str, u: &Units) -> Vec<Mention> {
    let mut out = Vec::new();
    let paras = &u.paras;
    // Headings and paragraph openings with a stage marker.
    let mut marks: Vec<(usize, u32, String)> = Vec::new();
    for (i, p) in paras.iter().enumerate() {
        let s = &text[p.range.clone()];
        if p.heading {
            if let Some((id, title)) = marked(text, p.range.clone()) {
                marks.push((i, id, title));
            }
        } else if let Some(m) = STAGE_MARK.captures(s)
            && let Some(whole) = m.get(0)
            && whole.start() <= 4
            && s[whole.end()..].trim_start().starts_with([':', '-', '–', '—', '.'])
            && let Some(id) = m.get(2).and_then(|g| number(g.as_str()))
        {
            // "Level 2 – the team managers meet ...": the title is its first words.
            let first = u.sentences.iter().find(|x| x.para == i).map_or(p.range.clone(), |x| x.range.clone());
            let rest = &text[p.range.start + whole.end()..first.end.max(p.range.start + whole.end())];
            marks.push((i, id, short(rest.trim_start_matches([':', '-', '–', '—', '.', ' ']), 70)));
        }
    }
    // A marked heading runs to the next marked heading, or the next heading
    // that is not a short title line right under it.
    for (k, &(i, id, ref title)) in marks.iter().enumerate() {
        if APPENDIX.is_match(&text[paras[i].range.clone()]) {
            continue;
        }
        let next_mark = marks.get(k + 1).map_or(paras.len(), |m| m.0);
        let mut title = title.clone();
        let mut end = i + 1;
        while end < next_mark {
            let p = &paras[end];
            if p.heading {
                let s = words(text, p.range.clone());
                let is_time = TIME.find(&s).is_some_and(|m| m.len() + 4 >= s.len());
                if end == i + 1 && title.is_empty() && !is_time && s.split_whitespace().count() >= 2 {
                    title = s.trim_end_matches(':').to_string();
                } else if !is_time && !s.starts_with('(') && !TABLE_HEAD.is_match(&s) {
                    break;
                }
            }
            end += 1;
        }
        let body_end = if end > i + 1 { paras[end - 1].range.end } else { paras[i].range.end };
        let body_start = if paras[i].heading { paras[i].range.end } else { paras[i].range.start };
        out.push(Mention {
            id,
            title: Some(title).filter(|t| !t.is_empty()),
            heading: paras[i].range.clone(),
            body: body_start..body_end.max(body_start),
        });
    }
    out.extend(table_rows(text, u));
    if out.is_empty() {
        out = numbered_items(text, u);
    }
    out
}

/// Rows of a table whose first column is the stage: kept as rows
/// (`1 | Practitioners | ...`) or flattened to one cell per line.
fn table_rows(text: &str, u: &Units) -> Vec<Mention> {
    let paras = &u.paras;
    let mut out = Vec::new();
    let Some(head) = paras.iter().position(|p| TABLE_HEAD.is_match(&words(text, p.range.clone()))) else {
        return out;
    };
    // Row starts: a cell that is only the next number.
    let mut starts = Vec::new();
    let mut expect = 1;
    for (i, p) in paras.iter().enumerate().skip(head + 1) {
        let w = words(text, p.range.clone());
        if let Some(c) = BARE_NUMBER.captures(&w)
            && c.get(1).and_then(|g| number(g.as_str())) == Some(expect)
        {
            starts.push(i);
            expect += 1;
        } else if !p.heading && expect == 1 && i > head + 12 {
            break;
        }
    }
    for (k, &i) in starts.iter().enumerate() {
        // A row runs to the next row, or for the last to the first
        // paragraph not indented like a cell.
        let end = match starts.get(k + 1) {
            Some(&n) => n,
            None => {
                let mut e = i + 1;
                while e < paras.len() && (text[paras[e].line..].starts_with(['\t', '|', ' ']) || e <= i + 2) {
                    e += 1;
                }
                e
            }
        };
        let cells: Vec<&super::text::Para> = paras[i..end].iter().collect();
        let title =
            cells.get(1).map(|p| words(text, p.range.clone())).filter(|t| t.split_whitespace().count() <= 8);
        let body_end = cells.last().map_or(paras[i].range.end, |p| p.range.end);
        out.push(Mention {
            id: k as u32 + 1,
            title,
            heading: paras[i].range.clone(),
            body: paras[i].range.end..body_end,
        });
    }
    out
}

/// A numbered list or numbered headings whose items read as the rungs of an
/// escalation ladder ("1.", "1.1", "(a)", "ii."), when no stage is marked.
fn numbered_items(text: &str, u: &Units) -> Vec<Mention> {
    // Items by scheme: (scheme, parent number, paragraph).
    let mut items: Vec<(u8, u32, usize)> = Vec::new();
    for (i, p) in u.paras.iter().enumerate() {
        let s = &text[p.range.clone()];
        let Some(c) = LIST_ITEM.captures(s) else { continue };
        let (scheme, parent) = if let (Some(a), Some(_)) = (c.get(1), c.get(2)) {
            (1, number(a.as_str()).unwrap_or(0))
        } else if c.get(3).is_some() {
            (0, 0)
        } else if c.get(4).is_some() || c.get(5).is_some() {
            (2, 0)
        } else {
            (3, 0)
        };
        items.push((scheme, parent, i));
    }
    // Runs of one scheme (and one parent for "1.1"), in order.
    let mut best: Vec<usize> = Vec::new();
    let mut k = 0;
    while k < items.len() {
        let (scheme, parent, _) = items[k];
        // A run ends where its scheme changes or its numbering starts again.
        let mut run: Vec<usize> = vec![items[k].2];
        let mut last = item_number(text, &u.paras[items[k].2]);
        for x in &items[k + 1..] {
            let n = item_number(text, &u.paras[x.2]);
            if x.0 != scheme || x.1 != parent || n <= last {
                break;
            }
            last = n;
            run.push(x.2);
        }
        k += run.len();
        let rungs = run
            .iter()
            .enumerate()
            .filter(|&(j, &i)| {
                let end = run.get(j + 1).map_or_else(|| item_end(text, u, i), |&n| u.paras[n].range.start);
                let body = u.paras[i].range.start..end.max(u.paras[i].range.start);
                let s = &text[body.clone()];
                !roles_in(text, body).is_empty() && (ESCALATE_ACT.is_match(s) || ESCALATE_COND.is_match(s))
            })
            .count();
        if run.len() >= 2 && rungs * 3 >= run.len() * 2 && rungs > best.len() {
            best = run;
        }
    }
    let mut out = Vec::new();
    for (j, &i) in best.iter().enumerate() {
        let end = best.get(j + 1).map_or_else(|| item_end(text, u, i), |&n| u.paras[n].range.start);
        let p = &u.paras[i];
        let s = &text[p.range.clone()];
        let marker = LIST_ITEM.find(s).map_or(0, |m| m.end());
        let first = u.sentences.iter().find(|x| x.para == i).map_or(p.range.clone(), |x| x.range.clone());
        let rest = &text[(p.range.start + marker).min(first.end)..first.end];
        out.push(Mention {
            id: j as u32 + 1,
            title: Some(short(rest, 70)).filter(|t| !t.is_empty()),
            heading: p.range.clone(),
            body: if p.heading {
                p.range.end..end.max(p.range.end)
            } else {
                p.range.start..end.max(p.range.start)
            },
        });
    }
    out
}

/// An item's number in its scheme ("3." 3, "(c)" 3, "iv." 4).
fn item_number(text: &str, p: &super::text::Para) -> u32 {
    let s = &text[p.range.clone()];
    let Some(c) = LIST_ITEM.captures(s) else { return 0 };
    if let Some(b) = c.get(2) {
        return number(b.as_str()).unwrap_or(0);
    }
    for g in [3, 6, 7, 8] {
        if let Some(m) = c.get(g) {
            return number(m.as_str()).unwrap_or(0);
        }
    }
    for g in [4, 5] {
        if let Some(m) = c.get(g) {
            return m.as_str().bytes().next().map_or(0, |b| u32::from(b - b'a') + 1);
        }
    }
    0
}

/// Where a last list item's text ends: at the next heading or item.
fn item_end(text: &str, u: &Units, i: usize) -> usize {
    let mut e = i + 1;
    while e < u.paras.len()
        && !u.paras[e].heading
        && LIST_ITEM.find(&text[u.paras[e].range.clone()]).is_none()
    {
        e += 1;
    }
    if e > i + 1 { u.paras[e - 1].range.end } else { u.paras[i].range.end }
}

fn inside(body: &[Range<usize>], at: usize) -> bool {
    body.iter().any(|r| r.start <= at && at < r.end)
}

/// Whether the text reads as a protocol for professional disagreements about
/// children; if not, why not.
fn not_a_protocol(text: &str, stages: usize) -> Option<String> {
    let count = |p: &str| re(p).find_iter(text).count();
    let child =
        count(r"(?i)\b(?:child|children|young\s+people|young\s+person|safeguard\w*|child\s+protection)\b");
    let disagree =
        count(r"(?i)\b(?:disagree\w*|dispute\w*|escalat\w*|challenge|dissent|resolution|unresolved)\b");
    let professional =
        count(r"(?i)\b(?:professional\w*|practitioners?|agenc(?:y|ies)|managers?|partners?)\b");
    let complaint = count(r"(?i)\bcomplain\w*\b");
    if child == 0 {
        return Some("it never mentions children or safeguarding".into());
    }
    if disagree < 2 || professional < 2 {
        return Some("it does not speak of professionals or agencies disagreeing and escalating".into());
    }
    if complaint > disagree {
        return Some(format!(
            "it speaks of complaints ({complaint} times) more than of disagreements between professionals ({disagree})"
        ));
    }
    if stages == 0 {
        return Some("no stage, step or level of escalation was found".into());
    }
    None
}

fn title(text: &str, u: &Units) -> Option<At> {
    let topical =
        re(r"(?i)disagree|escalat|dispute|resolution|resolving|protocol|policy|procedure|dissent|challenge");
    let candidates: Vec<&super::text::Para> = u
        .paras
        .iter()
        .take(25)
        .filter(|p| p.heading && marked(text, p.range.clone()).is_none())
        .filter(|p| words(text, p.range.clone()).split_whitespace().count() >= 2)
        .collect();
    let best = candidates
        .iter()
        .find(|p| topical.is_match(&text[p.range.clone()]))
        .or_else(|| candidates.first())
        .copied()
        .or_else(|| u.paras.first().filter(|p| p.heading))?;
    let s = &text[best.range.clone()];
    let lead = s.len() - s.trim_start_matches(['#', '*', ' ']).len();
    let trail = s.len() - s.trim_end_matches(['*', ' ', ':']).len();
    Some((best.range.start + lead..best.range.end - trail).into())
}

pub fn find(text: &str) -> Found {
    let u = units(text);
    let mentions = stage_mentions(text, &u);

    // Stages: mentions of one number merged, in order of their numbers.
    let mut ids: Vec<u32> = mentions.iter().map(|m| m.id).collect();
    ids.sort_unstable();
    ids.dedup();
    // A ladder starts at 1 and has no gaps: stray numbers are not stages.
    let mut ladder = Vec::new();
    for id in ids {
        if id as usize == ladder.len() + 1 {
            ladder.push(id);
        }
    }
    let mut stages: Vec<Stage> = ladder
        .iter()
        .map(|&id| {
            let mut of: Vec<&Mention> = mentions.iter().filter(|m| m.id == id).collect();
            // A contents list's line has no text of its own under it.
            if of.iter().any(|m| !text[m.body.clone()].trim().is_empty()) {
                of.retain(|m| !text[m.body.clone()].trim().is_empty());
            }
            let title = of.iter().find_map(|m| m.title.clone()).unwrap_or_default();
            // "Stage 1 (Informal resolution)": the words, not their brackets;
            // "Stage one - practitioners": a title's first letter a capital.
            let title = match title.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
                Some(inner) if !inner.contains(['(', ')']) => inner.trim().to_string(),
                _ => title,
            };
            let title = capital(&title);
            let mut body: Vec<Range<usize>> = of.iter().map(|m| m.body.clone()).collect();
            body.sort_by_key(|r| r.start);
            Stage {
                id: id.to_string(),
                title,
                heading: of[0].heading.clone().into(),
                body,
                parties: Vec::new(),
                within: None,
                cumulative: None,
                steps: Vec::new(),
                records: Vec::new(),
                final_authority: None,
                into: None,
                resolved: None,
                beyond: false,
                todo: Vec::new(),
                side: None,
            }
        })
        .collect();

    let not_a_protocol = not_a_protocol(text, stages.len());
    let mut found = Found {
        not_a_protocol,
        title: title(text, &u),
        stages: Vec::new(),
        parties: Vec::new(),
        immediate: Immediate::Silent,
        limit: None,
        spans: Vec::new(),
        records: Vec::new(),
        days_as_working_days: Vec::new(),
        advisory: None,
    };
    if found.not_a_protocol.is_some() {
        return found;
    }

    // Beyond the ladder: a chair's (or panel's) mediation or decision for
    // what is still unresolved.
    let mut beyond_sentences: Vec<usize> = Vec::new();
    for (k, s) in u.sentences.iter().enumerate() {
        let here = &text[s.range.clone()];
        let prev = k
            .checked_sub(1)
            .filter(|&p| u.sentences[p].para == s.para)
            .map_or("", |p| &text[u.sentences[p].range.clone()]);
        let cond = ESCALATE_COND.is_match(here)
            || ESCALATE_COND.is_match(prev)
            || re(r"(?i)unlikely\s+event|exceptional").is_match(here);
        // The rest of its paragraph says what the authority does.
        let para_rest = s.range.start..u.paras[s.para].range.end;
        let rest = &text[para_rest];
        let does = MEDIATION.is_match(rest) || FINAL_DECISION.is_match(rest);
        // In a numbered stage whose heading names the authority, or as the
        // first sentence of a numbered stage's text (the sentence that sends
        // the disagreement into it), the authority is that stage's.
        let in_authority_stage = stages.iter().any(|st| {
            inside(&st.body, s.range.start)
                && (AUTHORITY.is_match(&text[st.heading.range()])
                    || st.body.first().is_some_and(|b| {
                        b.start <= s.range.start
                            && !u.sentences[..k]
                                .iter()
                                .any(|x| b.start <= x.range.start && x.range.start < s.range.start)
                    }))
        });
        if cond
            && does
            && ESCALATE_ACT.is_match(here)
            && AUTHORITY.is_match(here)
            && !IMMEDIATE.is_match(here)
        {
            if in_authority_stage {
                if let Some(st) = stages.iter_mut().find(|st| inside(&st.body, s.range.start)) {
                    // Quoted where the text says it: "The panel's decision is final."
                    let (kind, said) = match FINAL_DECISION.find(rest) {
                        Some(m) => (Final::Decision, m.start()),
                        None => (Final::Mediation, MEDIATION.find(rest).map_or(0, |m| m.start())),
                    };
                    st.final_authority.get_or_insert((kind, sentence_at(&u, s.range.start + said).into()));
                }
            } else {
                beyond_sentences.push(k);
            }
        }
    }
    let mut beyond: Vec<Stage> = Vec::new();
    for &k in &beyond_sentences {
        let s = &u.sentences[k];
        let rest = s.range.start..u.paras[s.para].range.end;
        let authority = roles_in(text, s.range.clone())
            .into_iter()
            .rfind(|r| r.1 >= 4)
            .map(|r| words(text, r.2))
            .or_else(|| AUTHORITY.find(&text[s.range.clone()]).map(|m| m.as_str().to_string()))
            .unwrap_or_else(|| "chair".into());
        let mut id = slug(&authority);
        if MEDIATION.is_match(&text[rest.clone()]) && !FINAL_DECISION.is_match(&text[rest.clone()]) {
            id.push_str("-mediation");
        }
        if beyond.iter().any(|b| b.id == id) || stages.iter().any(|b| b.id == id) {
            continue;
        }
        // A heading right above it that is no stage marker names it.
        let para = s.para;
        let heading = para
            .checked_sub(1)
            .filter(|&p| u.paras[p].heading && marked(text, u.paras[p].range.clone()).is_none())
            // not a table's cell or row, nor a timescale
            .filter(|&p| {
                let r = u.paras[p].range.clone();
                !text[u.paras[p].line..r.end].trim_start().starts_with('|') && times_in(text, r).is_empty()
            })
            .filter(|_| u.sentences.iter().position(|x| x.para == para) == Some(k))
            .map(|p| {
                let h = words(text, u.paras[p].range.clone());
                h.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ').to_string()
            })
            .filter(|h| h.split_whitespace().count() >= 2);
        let title = heading.unwrap_or_else(|| format!("Referral to the {authority}"));
        let final_authority = if let Some(m) = FINAL_DECISION.find(&text[rest.clone()]) {
            Some((Final::Decision, sentence_at(&u, rest.start + m.start()).into()))
        } else {
            MEDIATION
                .find(&text[rest.clone()])
                .map(|m| (Final::Mediation, sentence_at(&u, rest.start + m.start()).into()))
        };
        beyond.push(Stage {
            id,
            title,
            heading: s.range.clone().into(),
            body: vec![rest.clone()],
            parties: Vec::new(),
            within: None,
            cumulative: None,
            steps: Vec::new(),
            records: Vec::new(),
            final_authority,
            into: Some(Into { quote: s.range.clone().into(), time: None, condition_end: s.range.start }),
            resolved: None,
            beyond: true,
            todo: Vec::new(),
            side: None,
        });
    }
    // Their sentences leave the stage they were printed in.
    for st in &mut stages {
        for b in &beyond {
            st.body = cut_out(&st.body, &b.body[0]);
        }
    }
    stages.extend(beyond);

    // Immediate risk.
    found.immediate = immediate(text, &u);
    let immediate_sentences: Vec<Range<usize>> = match &found.immediate {
        Immediate::Route { quote, exit } => vec![quote.range(), exit.quote.range()],
        Immediate::Mentioned { quote } => vec![quote.range()],
        Immediate::Silent => Vec::new(),
    };

    let each_stage_within: Option<Time> = u
        .sentences
        .iter()
        .filter(|s| EACH_STAGE.is_match(&text[s.range.clone()]))
        .find_map(|s| times_in(text, s.range.clone()).into_iter().find(|t| t.exact && !is_vague(t)));

    // Sentences: to stages, or to the protocol.
    let ladder_len = ladder.len();
    let mut bare: Vec<(usize, Time)> = Vec::new();
    // A table with a cumulative column: a row's last duration cell is the
    // total so far.
    let cumulative_column = u.paras.iter().any(|p| p.heading && CUMULATIVE.is_match(&text[p.range.clone()]));
    for (k, s) in u.sentences.iter().enumerate() {
        let here = &text[s.range.clone()];
        if immediate_sentences.iter().any(|r| r.start <= s.range.start && s.range.start < r.end) {
            continue;
        }
        let owner = stages.iter().position(|st| inside(&st.body, s.range.start));
        let times = times_in(text, s.range.clone());
        let only_time = only_a_timescale(text, s.range.clone(), &times);
        // A duration cell no stage's text reaches, in a table with a
        // cumulative column: its row was split by a paragraph printed inside
        // a cell ("Exceptional circumstances ..."), so it belongs to the
        // numbered stage whose text comes last before it, when all between
        // them is headings, other cells, or paragraphs that hold the text of
        // a stage beyond the ladder.
        if owner.is_none()
            && only_time
            && cumulative_column
            && !here.trim_start().starts_with('(')
            && let Some((end, ix)) = stages
                .iter()
                .enumerate()
                .filter(|(_, st)| !st.beyond)
                .filter_map(|(i, st)| {
                    st.body.iter().map(|r| r.end).filter(|&e| e <= s.range.start).max().map(|e| (e, i))
                })
                .max()
            && u.sentences[..k].iter().rev().take_while(|x| x.range.start >= end).all(|x| {
                let para = &u.paras[x.para];
                para.heading
                    || stages.iter().any(|st| {
                        st.beyond
                            && st.body.iter().any(|r| r.start < para.range.end && para.range.start < r.end)
                    })
                    || only_a_timescale(text, x.range.clone(), &times_in(text, x.range.clone()))
            })
        {
            bare.extend(times.into_iter().map(|t| (ix, t)));
            continue;
        }

        // Overall limit and spans.
        if let Some(c) = FOR_STAGES.captures(here)
            && let Some(t) = times.iter().find(|t| t.exact && !is_vague(t))
        {
            let (a, b) = (c.get(1).map_or("", |g| g.as_str()), c.get(2).map_or("", |g| g.as_str()));
            if stages.iter().any(|s| s.id == a) && stages.iter().any(|s| s.id == b) {
                found.spans.push(Span { stages: vec![a.into(), b.into()], time: t.clone() });
                continue;
            }
        }
        if found.limit.is_none() {
            // "(15 working days maximum)", "... in total".
            let lim = times.iter().find(|t| {
                t.exact && !is_vague(t) && {
                    let after = &text[t.words.end..s.range.end];
                    let after = after.get(..after.len().min(20)).unwrap_or(after);
                    LIMIT_WORDS.is_match(after)
                        || (owner.is_none() && (ABOUT_RESOLVING.is_match(here) || LIMIT_WORDS.is_match(here)))
                }
            });
            if let Some(t) = lim
                && (EACH_STAGE.is_match(here) || owner.is_none() || LIMIT_WORDS.is_match(here))
            {
                found.limit = Some(t.clone());
                if !EACH_STAGE.is_match(here) {
                    continue;
                }
            }
        }
        let Some(ix) = owner else {
            // Records for every stage.
            if RECORD.is_match(here) && RECORD_KEPT.is_match(here) && !stages.is_empty() {
                let after_last =
                    stages.iter().filter(|s| !s.beyond).map(|s| s.heading.start).max().unwrap_or(0);
                if EVERY_STAGE.is_match(here)
                    || s.range.start > after_last
                    || s.range.start < stages[0].heading.start
                {
                    found.records.push(Record {
                        text: short(here, 110),
                        time: times.iter().find(|t| t.exact).cloned(),
                        quote: s.range.clone().into(),
                    });
                }
            }
            continue;
        };
        if EACH_STAGE.is_match(here) {
            continue;
        }
        // Final decision, at a ladder stage.
        if let Some(m) = FINAL_DECISION.find(here)
            && stages[ix].final_authority.is_none()
            && !re(r"(?i)\bnot\b|\bno\b").is_match(&here[..m.start()])
        {
            stages[ix].final_authority = Some((Final::Decision, s.range.clone().into()));
        }
        if stages[ix].resolved.is_none() && RESOLVED.is_match(here) {
            stages[ix].resolved = Some(s.range.clone().into());
        }
        // The sentence that sends it on into this stage.
        let escalation = !stages[ix].beyond
            && stages[ix].into.is_none()
            && ix > 0
            && ESCALATE_COND.is_match(here)
            && ESCALATE_ACT.is_match(here)
            && stages[ix]
                .body
                .iter()
                .find(|b| b.start <= s.range.start && s.range.start < b.end)
                .is_some_and(|b| {
                    // among the first three sentences of its text
                    u.sentences[..k].iter().filter(|x| x.range.start >= b.start).count() < 3
                });
        let mut times = times;
        if escalation {
            // The condition clause ("if ... within a week,") times the
            // stage before; the main clause's vague words time the route.
            let cond_end = ESCALATE_COND.find(here).map_or(0, |m| m.end());
            let rest = &here[cond_end..];
            let clause_end =
                [rest.find([',', ';']), rest.find(" then "), ROUTE_VERB.find(rest).map(|m| m.start())]
                    .into_iter()
                    .flatten()
                    .min()
                    .map_or(cond_end, |i| cond_end + i)
                    + s.range.start;
            let mut route_time = None;
            let mut keep = Vec::new();
            for t in times {
                if t.words.start < clause_end && ix > 0 {
                    let prev = ix - 1;
                    stages[prev].steps.push(Step {
                        text: short(&words(text, s.range.start..clause_end), 100),
                        time: Some(t),
                        quote: s.range.clone().into(),
                    });
                } else if is_vague(&t) && route_time.is_none() {
                    route_time = Some(t);
                } else {
                    keep.push(t);
                }
            }
            stages[ix].into =
                Some(Into { quote: s.range.clone().into(), time: route_time, condition_end: clause_end });
            times = keep;
        }
        // A box that is only a timescale, "(5 DAYS)": the stage's own.
        let only_time = only_time && times.len() == 1;
        if only_time {
            let t = times.pop();
            if here.trim_start().starts_with('(') {
                // A flowchart's box under the stage's title.
                stages[ix].within = t;
            } else if let Some(t) = t {
                // A table's duration cell: the stage's time when its text
                // gives none.
                bare.push((ix, t));
            }
            continue;
        }
        // Records.
        if RECORD.is_match(here) && RECORD_KEPT.is_match(here) && !ESCALATE_COND.is_match(here) {
            let time = times.into_iter().find(|t| t.exact);
            stages[ix].records.push(Record { text: short(here, 110), time, quote: s.range.clone().into() });
            continue;
        }
        for t in times {
            stages[ix].steps.push(Step {
                text: short(here, 100),
                time: Some(t),
                quote: s.range.clone().into(),
            });
        }
    }
    for (ix, stage) in stages.iter_mut().enumerate() {
        let mut cells: Vec<Time> = bare.iter().filter(|(i, _)| *i == ix).map(|(_, t)| t.clone()).collect();
        if cumulative_column && cells.len() >= 2 {
            stage.cumulative = cells.pop();
        }
        let timed = stage.steps.iter().any(|s| s.time.as_ref().is_some_and(|t| !is_vague(t)));
        if stage.within.is_none()
            && !timed
            && let Some(t) = cells.into_iter().next()
        {
            stage.within = Some(t);
        }
    }
    if let Some(t) = each_stage_within {
        for st in stages.iter_mut().take(ladder_len) {
            if st.within.is_none() {
                st.within = Some(t.clone());
            }
        }
    }
    // A stage's steps in the order they are written.
    for st in &mut stages {
        st.steps.sort_by_key(|s| s.quote.start);
    }

    // A side path: a disagreement with one's own manager that the text sends
    // to someone else (a named professional, a more senior manager).
    let mut sides: Vec<Stage> = Vec::new();
    for s in &u.sentences {
        let Some(m) = OWN_MANAGER.find(&text[s.range.clone()]) else { continue };
        let Some(host) = stages.iter().position(|st| !st.beyond && inside(&st.body, s.range.start)) else {
            continue;
        };
        let after = s.range.start + m.end()..s.range.end;
        let rest = &text[after.clone()];
        if roles_in(text, after.clone()).is_empty() || !(ESCALATE_ACT.is_match(rest) || ADVICE.is_match(rest))
        {
            continue;
        }
        let id = if sides.is_empty() {
            "own-manager".to_string()
        } else {
            format!("own-manager-{}", sides.len() + 1)
        };
        sides.push(Stage {
            id,
            title: "Disagreement with one's own manager".into(),
            heading: s.range.clone().into(),
            body: vec![s.range.clone()],
            parties: Vec::new(),
            within: None,
            cumulative: None,
            steps: Vec::new(),
            records: Vec::new(),
            final_authority: None,
            into: None,
            resolved: None,
            beyond: false,
            todo: Vec::new(),
            side: Some((host, (s.range.start..s.range.start + m.end()).into())),
        });
        let st = &mut stages[host];
        st.body = cut_out(&st.body, &s.range);
    }
    stages.extend(sides);

    // Parties.
    for st in &mut stages {
        let mut seen: Vec<&str> = Vec::new();
        let mut found_here: Vec<(&'static str, u32, Range<usize>)> = Vec::new();
        let mut spans = st.body.clone();
        spans.push(st.heading.range());
        for r in spans {
            for role in roles_in(text, r) {
                if !seen.contains(&role.0) {
                    seen.push(role.0);
                    found_here.push(role);
                }
            }
        }
        // In a stage the text reaches by "if unresolved at <role> level",
        // the role in the condition belongs to the stage before.
        if let Some(into) = &st.into {
            let cond = into.quote.start..into.condition_end;
            let elsewhere: Vec<&str> = found_here
                .iter()
                .filter(|r| !inside(std::slice::from_ref(&cond), r.2.start))
                .map(|r| r.0)
                .collect();
            found_here
                .retain(|r| !inside(std::slice::from_ref(&cond), r.2.start) || elsewhere.contains(&r.0));
        }
        for (name, level, at) in found_here {
            let ix = match found.parties.iter().position(|p| p.name == name) {
                Some(ix) => ix,
                None => {
                    found.parties.push(Party {
                        name: name.to_string(),
                        title: capital(&words(text, at.clone())),
                        level,
                        quote: at.into(),
                        also: Vec::new(),
                    });
                    found.parties.len() - 1
                }
            };
            st.parties.push(ix);
        }
        // Every other wording of a role this stage names joins its party's quotes.
        let mut spans = st.body.clone();
        spans.push(st.heading.range());
        for r in spans {
            for (name, _, at) in roles_in(text, r) {
                let Some(p) = found.parties.iter_mut().find(|p| p.name == name) else { continue };
                let said = words(text, at.clone()).to_lowercase();
                let known = std::iter::once(&p.quote)
                    .chain(&p.also)
                    .any(|q| words(text, q.range()).to_lowercase() == said);
                if !known {
                    p.also.push(at.into());
                }
            }
        }
        if st.title.is_empty() {
            let top = st.parties.iter().map(|&p| found.parties[p].level).max();
            let titles: Vec<String> = st
                .parties
                .iter()
                .filter(|&&p| Some(found.parties[p].level) == top)
                .map(|&p| found.parties[p].title.clone())
                .collect();
            st.title = if titles.is_empty() { format!("Stage {}", st.id) } else { titles.join(" / ") };
        }
    }
    found.stages = stages;
    found.advisory = u
        .sentences
        .iter()
        .find(|s| SUGGESTED.is_match(&text[s.range.clone()]))
        .map(|s| s.range.clone().into());
    if days_are_working_days(text) {
        let mut read = Vec::new();
        each_time(&mut found, &mut |t| {
            if read_days_as_working_days(t) {
                read.push(t.words.clone());
            }
        });
        read.sort_by_key(|a| a.start);
        found.days_as_working_days = read;
    }
    found
}

/// Whether the document counts its timescales in working days and never in
/// calendar days: then its bare "days" (a table's "5 days", a flowchart's
/// "(5 DAYS)") are most likely the same working days, written short.
fn days_are_working_days(text: &str) -> bool {
    static WORKING: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)\b(?:{NUM})\s+working\s+days?\b")));
    static CALENDAR: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bcalendar\s+days?\b"));
    WORKING.is_match(text) && !CALENDAR.is_match(text)
}

/// Bare "days" in `t` read as working days; true if any were.
fn read_days_as_working_days(t: &mut Time) -> bool {
    static DAYS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(?:(working|calendar|school)\s+)?(days?)\b"));
    if !t.exact {
        return false;
    }
    let mut out = String::new();
    let mut last = 0;
    for c in DAYS.captures_iter(&t.written) {
        let (Some(all), Some(days)) = (c.get(0), c.get(2)) else { continue };
        if c.get(1).is_some() {
            // "5 working days or 7 days": the phrase tells its units apart.
            return false;
        }
        out.push_str(&t.written[last..all.start()]);
        out.push_str("working ");
        out.push_str(days.as_str());
        last = all.end();
    }
    if last == 0 {
        return false;
    }
    out.push_str(&t.written[last..]);
    if !parses_as_timescale(&out) {
        return false;
    }
    t.written = out;
    true
}

/// Every timescale found, to read them alike.
fn each_time(found: &mut Found, f: &mut impl FnMut(&mut Time)) {
    if let Some(t) = &mut found.limit {
        f(t);
    }
    for s in &mut found.spans {
        f(&mut s.time);
    }
    for r in &mut found.records {
        r.time.as_mut().map(&mut *f);
    }
    if let Immediate::Route { exit, .. } = &mut found.immediate {
        exit.time.as_mut().map(&mut *f);
    }
    for st in &mut found.stages {
        st.within.as_mut().map(&mut *f);
        st.cumulative.as_mut().map(&mut *f);
        for s in &mut st.steps {
            s.time.as_mut().map(&mut *f);
        }
        for r in &mut st.records {
            r.time.as_mut().map(&mut *f);
        }
        if let Some(into) = &mut st.into {
            into.time.as_mut().map(&mut *f);
        }
    }
}

fn sentence_at(u: &Units, at: usize) -> Range<usize> {
    u.sentences.iter().find(|s| s.range.start <= at && at < s.range.end).map_or(at..at, |s| s.range.clone())
}

fn immediate(text: &str, u: &Units) -> Immediate {
    let mut mentioned = None;
    for (k, s) in u.sentences.iter().enumerate() {
        let here = &text[s.range.clone()];
        if !IMMEDIATE.is_match(here) {
            continue;
        }
        mentioned.get_or_insert_with(|| s.range.clone());
        // Where it goes: in this sentence or the next two of its paragraph.
        let near = u.sentences[k..].iter().take(3).filter(|x| x.para == s.para);
        for x in near {
            let there = &text[x.range.clone()];
            let Some(d) = DESTINATION.find(there) else { continue };
            let to = x.range.start + d.start()..x.range.start + d.end();
            let dest = words(text, to.clone());
            let lower = dest.to_lowercase();
            let name = if lower.contains("mash") || lower.contains("hub") {
                "mash"
            } else if lower.contains("999") || lower.contains("police") {
                "police"
            } else if lower.contains("front door") {
                "front-door"
            } else if lower.contains("emergency") || lower == "edt" {
                "edt"
            } else {
                "social-care"
            };
            // The time it gives, at once or in hours first; else its words
            // ("without delay"), which `check` then weighs.
            let times: Vec<Time> =
                times_in(text, s.range.clone()).into_iter().chain(times_in(text, x.range.clone())).collect();
            let time = times
                .iter()
                .find(|t| t.exact && (IMMEDIATE_TIME.is_match(&t.written) || t.written.contains("hour")))
                .or_else(|| times.iter().find(|t| t.exact && is_vague(t)))
                .cloned();
            return Immediate::Route {
                quote: s.range.clone().into(),
                exit: Exit {
                    name: name.to_string(),
                    title: format!("Referral to {dest}"),
                    to: to.into(),
                    time,
                    quote: x.range.clone().into(),
                },
            };
        }
    }
    match mentioned {
        Some(r) => Immediate::Mentioned { quote: r.into() },
        None => Immediate::Silent,
    }
}

/// `body` (ranges of the text) without `cut`: a range it overlaps keeps
/// what lies before and after it.
fn cut_out(body: &[std::ops::Range<usize>], cut: &std::ops::Range<usize>) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::with_capacity(body.len() + 1);
    for r in body {
        if r.start < cut.end && cut.start < r.end {
            if r.start < cut.start {
                out.push(r.start..cut.start);
            }
            if cut.end < r.end {
                out.push(cut.end..r.end);
            }
        } else {
            out.push(r.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(sentence: &str) -> Vec<String> {
        times_in(sentence, 0..sentence.len()).into_iter().map(|t| t.written).collect()
    }

    #[test]
    fn timescales_in_the_languages_forms() {
        assert_eq!(written("Refer it within 5 working days."), ["5 working days"]);
        assert_eq!(written("within no more than 15 working days"), ["no more than 15 working days"]);
        assert_eq!(written("confirm within 48 hours (two working days)"), ["48 hours (two working days)"]);
        assert_eq!(
            written(
                "within a further working week or a timescale that protects the child (whichever is less), refer without delay"
            ),
            [
                "a further working week or \"a timescale that protects the child\", whichever is less",
                "without delay"
            ]
        );
        assert_eq!(
            written("write immediately and within no more than 2 working days"),
            ["immediately and within no more than 2 working days"]
        );
        assert_eq!(written("(5 DAYS)"), ["5 days"]);
        assert_eq!(written("escalated on the same working day"), ["the same working day"]);
        assert_eq!(written("tell the lead straight away"), ["straight away"]);
        assert_eq!(
            written("reply no later than the end of the next working day"),
            ["the end of the next working day"]
        );
        assert_eq!(
            written("The lead should always be informed before a concern has escalated to this level."),
            ["\"before a concern has escalated to this level\""]
        );
        assert!(written("Agree the plan before you meet them.").is_empty());
    }

    #[test]
    fn roles_are_ranked() {
        let t = "the first line manager, then the Head of Service, then the Independent Chair";
        let r: Vec<(&str, u32)> = roles_in(t, 0..t.len()).into_iter().map(|(n, l, _)| (n, l)).collect();
        assert_eq!(r, [("line-manager", 2), ("head-of-service", 3), ("chair", 5)]);
    }

    #[test]
    fn a_disagreement_with_ones_own_manager_is_a_side_stage() {
        let t = "Stage 1\n\nPractitioners discuss the concern. If unresolved, refer it to the line manager.\n\n\
                 Stage 2\n\nLine managers meet. Where a practitioner disagrees with their own line manager, \
                 the designated safeguarding lead should be consulted and give advice.\n";
        let f = find(t);
        let side: Vec<&Stage> = f.stages.iter().filter(|s| s.side.is_some()).collect();
        assert_eq!(side.len(), 1);
        let (host, cond) = side[0].side.clone().unwrap();
        assert_eq!(f.stages[host].id, "2");
        assert_eq!(&t[cond.range()], "Where a practitioner disagrees with their own line manager");
        // Escalating to one's own manager is a rung of the ladder, not a side path.
        let t =
            "Stage 1\n\nIf unresolved, the problem should be referred to the worker's own line manager.\n";
        assert!(find(t).stages.iter().all(|s| s.side.is_none()));
    }

    #[test]
    fn roles_by_general_patterns() {
        let t = "a senior social worker asks the LSCB Business Manager, the agency's Board representative \
                 or a representative on the Safeguarding Partnership; professionals then meet the Safeguarding Manager";
        let r: Vec<(&str, u32)> = roles_in(t, 0..t.len()).into_iter().map(|(n, l, _)| (n, l)).collect();
        assert_eq!(
            r,
            [
                ("senior-practitioner", 2),
                ("business-manager", 3),
                ("board-representative", 4),
                ("board-representative", 4),
                ("practitioner", 1),
                ("safeguarding-manager", 3)
            ]
        );
    }
}
