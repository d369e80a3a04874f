//! The report site's pages (`escalate report`): an index of the protocols,
//! a page per protocol, and a one-page practitioner summary per protocol.
//!
//! The pages are plain HTML with their CSS inline and no JavaScript, so
//! they can be opened from a folder, published as they are, and printed.
//! They are written as well-formed XHTML-compatible HTML (every element
//! closed, no named entities but XML's five) so the tests can parse them
//! with an XML parser. Every string that comes from a protocol file passes
//! through [`esc`], the one escape function, on its way into a page.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use super::diagram::{clean, stage_title};
use crate::Report;
use crate::analysis::Analysis;
use crate::compare::Summary;
use crate::diagnostic::{Code, Finding, Severity};
use crate::explain::RuleDoc;
use crate::model::{
    Condition, FinalKind, Note, Pathway, Protocol, Quote, Route, Scope, Stage, StageIx, Target,
};
use crate::span::LineIndex;
use crate::timescale::{Timescale, Worst};

/// One protocol of the site: its checked report and the names of its files.
pub struct Entry<'a> {
    pub report: &'a Report,
    pub protocol: &'a Protocol,
    pub analysis: &'a Analysis,
    /// The file names' stem, unique within the site (`wolverhampton`).
    pub name: String,
}

impl Entry<'_> {
    /// The protocol's page.
    pub fn page(&self) -> String {
        format!("{}.html", self.name)
    }

    /// The one-page practitioner summary.
    pub fn summary(&self) -> String {
        format!("{}-summary.html", self.name)
    }

    /// The pathway diagram, beside the pages.
    pub fn diagram(&self) -> String {
        format!("{}.svg", self.name)
    }
}

/// Text for HTML, safe both between tags and inside a quoted attribute:
/// runs of whitespace (a long string wrapped over lines in the `.esc` file)
/// become one space, control characters are dropped, and the five markup
/// characters are escaped. No other escaping is ever done.
pub fn esc(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Noncharacters that XML (and so the tests' parser) refuses.
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A message or help line: escaped, with its `code` spans (how escalate
/// marks what is typed in a file) set as `<code>`. An unpaired backtick
/// stays a backtick.
fn rich(text: &str) -> String {
    let escaped = esc(&text.replace("**", ""));
    let parts: Vec<&str> = escaped.split('`').collect();
    // With an even number of parts the last backtick has no partner.
    let paired = if parts.len() % 2 == 1 { parts.len() } else { parts.len() - 1 };
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        } else if i < paired {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push('`');
            out.push_str(part);
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// The CSS of every page. Colour is never the only signal: every status
/// has words, and boxes have borders, so the pages work in greyscale. All
/// text colours reach at least 4.5:1 against their background.
const CSS: &str = "\
:root { --ink: #1f2937; --muted: #4b5563; --line: #9ca3af; --red: #b91c1c; --amber: #78350f; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 1.5rem 1.25rem 3rem; max-width: 72rem; color: var(--ink); background: #ffffff;
  font: 16px/1.5 'Liberation Sans', Arial, Helvetica, sans-serif; }
a { color: #1d4ed8; }
a:focus { outline: 3px solid #1f2937; outline-offset: 2px; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0.4rem 0 0.6rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
p, ul, ol, dl { margin: 0.4rem 0; }
code { font-family: 'Liberation Mono', Consolas, monospace; font-size: 0.9em; background: #f3f4f6;
  padding: 0 0.2em; border-radius: 3px; }
.crumbs { font-size: 0.95rem; margin: 0 0 0.5rem; }
.kicker { text-transform: uppercase; letter-spacing: 0.06em; font-size: 0.8rem; font-weight: bold;
  color: var(--muted); margin: 0; }
.meta { color: var(--muted); }
.meta dt { font-weight: bold; color: var(--ink); float: left; clear: left; width: 9rem; }
.meta dd { margin: 0 0 0.25rem 9.5rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; color: var(--muted); padding: 0.2rem 0; caption-side: top; }
th, td { border: 1px solid var(--line); padding: 0.4rem 0.55rem; text-align: left; vertical-align: top; }
thead th { background: #e5e7eb; }
tbody th { background: #f9fafb; font-weight: bold; }
td.num { white-space: nowrap; }
table.detail { table-layout: fixed; }
table.detail thead th:nth-child(1) { width: 9rem; }
table.detail thead th:nth-child(2) { width: 38%; }
.badge { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 0.8rem; font-size: 0.85rem;
  font-weight: bold; border: 2px solid; white-space: nowrap; }
.badge.error { background: var(--red); border-color: var(--red); color: #ffffff; }
.badge.warning { background: #fef3c7; border-color: #92400e; color: var(--amber); border-style: dashed; }
.badge.ok { background: #dcfce7; border-color: #166534; color: #14532d; }
.badge.none { background: #ffffff; border-color: var(--line); color: var(--muted); }
.status { border: 2px solid var(--ink); border-radius: 6px; padding: 0.6rem 0.9rem; margin: 1rem 0; }
.status p { margin: 0.2rem 0; }
blockquote.quote { margin: 0.15rem 0 0.35rem; padding: 0.1rem 0 0.1rem 0.6rem; border-left: 3px solid var(--line);
  color: #374151; font-style: italic; }
blockquote.quote::before { content: '\\201C'; }
blockquote.quote::after { content: '\\201D'; }
.none { color: var(--muted); }
.limitless { font-weight: bold; }
figure { margin: 0.5rem 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); margin-top: 0.3rem; }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--ink); padding: 0.3rem 0.9rem 0.5rem;
  margin: 0.8rem 0; }
.finding.error { border-left-color: var(--red); }
.finding.warning { border-left-color: #92400e; border-left-style: dashed; }
.finding h3 { margin: 0.3rem 0; font-size: 1rem; }
.finding li { margin-bottom: 0.5rem; }
.finding li > p { margin-bottom: 0.1rem; }
.finding dl { display: grid; grid-template-columns: 6.5rem 1fr; gap: 0.1rem 0.5rem; margin: 0; }
.finding dt { font-weight: bold; }
.finding dd { margin: 0; }
ul.who { list-style: none; margin: 0; padding: 0; }
ul.who li + li { margin-top: 0.35rem; }
.toc { columns: 2; max-width: 40rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.risk { border: 4px solid var(--red); border-radius: 6px; padding: 0.5rem 1rem; margin: 1rem 0;
  background: #fef2f2; }
.risk.missing { border-style: double; border-width: 6px; }
.risk h2 { border: 0; margin: 0.2rem 0 0.3rem; padding: 0; }
.steps > li { margin: 0 0 0.6rem; }
.steps h3, .steps h4 { margin: 0 0 0.1rem; font-size: 1rem; }
.steps p { margin: 0.1rem 0; }
footer { margin-top: 2.5rem; padding-top: 0.5rem; border-top: 1px solid var(--line); color: var(--muted);
  font-size: 0.9rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  .crumbs, .screen-only { display: none; }
  h2, h3 { break-after: avoid; }
  tr, .finding, figure, .risk, .steps > li { break-inside: avoid; }
  thead th, tbody th, code, .badge.warning, .risk { background: #ffffff; }
}
";

/// Extra CSS for the one-page summary: large on screen, one A4 page on paper.
/// The diagram floats beside the steps, no taller than most of the page.
const SUMMARY_CSS: &str = "\
body { max-width: 56rem; }
.steps h3, .steps h4 { font-size: 1.05rem; }
figure.pathway { float: right; width: 38%; margin: 0 0 1rem 1.5rem; }
figure.pathway img { width: 100%; height: auto; border: 1px solid var(--line); }
.risk { display: flow-root; }
@page { size: A4; margin: 10mm 12mm; }
@media print {
  figure.pathway { width: 33%; margin: 0 0 4pt 8pt; }
  figure.pathway img { max-height: 200mm; object-fit: contain; object-position: top; }
  body.dense figure.pathway { width: 27%; }
  body { font-size: 9pt; line-height: 1.25; }
  body.dense { font-size: 8pt; line-height: 1.1; }
  body.dense p, body.dense ul, body.dense ol { margin: 1pt 0; }
  body.dense .steps > li { margin: 0 0 2pt; }
  h1 { font-size: 15pt; margin: 0 0 2pt; }
  h2 { font-size: 11pt; margin: 7pt 0 3pt; }
  h3 { font-size: 10pt; margin: 4pt 0 2pt; }
  .steps h3, .steps h4 { font-size: 9.5pt; }
  .steps > li { margin: 0 0 3pt; }
  .risk { padding: 3pt 8pt; margin: 5pt 0; border-width: 3pt; }
  .risk.missing { border-width: 5pt; }
  footer { margin-top: 4pt; padding-top: 2pt; font-size: 7.5pt; }
  p, ul, ol { margin: 2pt 0; }
}
";

/// A whole page; `class` is the body's class (empty for none).
fn page(title: &str, extra_css: &str, class: &str, body: &str) -> String {
    let class = if class.is_empty() { String::new() } else { format!(" class=\"{}\"", esc(class)) };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"generator\" content=\"escalate {}\"/>\n<title>{}</title>\n<style>\n{CSS}{extra_css}</style>\n\
         </head>\n<body{class}>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    )
}

fn footer(out: &mut String, entry: Option<&Entry>) {
    out.push_str("<footer>\n<p>");
    if let Some(entry) = entry {
        let _ = write!(out, "Made from <code>{}</code> ", esc(&entry.report.path));
    } else {
        out.push_str("Made ");
    }
    let _ = writeln!(
        out,
        "by escalate {}, which checks escalation protocols for resolving professional disagreements \
         about a child's safety. The source quotes are the protocol's own words; the checks and the \
         summaries are escalate's reading of them.</p>\n</footer>",
        env!("CARGO_PKG_VERSION")
    );
}

// ------------------------------------------------------------------ facts

/// What the pages compute once about one protocol.
struct Facts {
    /// Per stage: its worst-case finish, from its pathway's start.
    finish: Vec<Worst>,
    /// Per stage: the working days it takes itself on the worst case, when
    /// bounded (as the timeline and the diagram give it).
    took: Vec<Option<u64>>,
    /// Each pathway's stages in reading order: the main ladder, then each
    /// exception (with its index).
    pathways: Vec<(Pathway, Vec<StageIx>)>,
    summary: Option<Summary>,
}

impl Facts {
    fn of(entry: &Entry) -> Facts {
        let p = entry.protocol;
        let finish = p.stages_with_ix().map(|(ix, _)| entry.analysis.stage_finish(ix)).collect();
        let took = p.stages_with_ix().map(|(ix, _)| entry.analysis.stage_took(ix)).collect();
        // A file whose stages are all in `pathway` blocks has no main ladder to show.
        let main = p.main_stages().next().map(|s| s.0);
        let mut pathways: Vec<_> =
            main.map(|first| (Pathway::Main, order(p, Pathway::Main, Some(first)))).into_iter().collect();
        for (i, exception) in p.exceptions.iter().enumerate() {
            let start = match exception.start {
                Some(Target::Stage(ix)) => Some(ix),
                _ => None,
            };
            let stages = order(p, Pathway::Exception(i), start);
            if !stages.is_empty() {
                pathways.push((Pathway::Exception(i), stages));
            }
        }
        Facts { finish, took, pathways, summary: Summary::of(entry.report) }
    }

    fn by_day(&self, ix: StageIx) -> String {
        match self.finish.get(ix.0) {
            Some(w) if !w.unbounded => format!("by day {}", w.days.0),
            _ => "no limit".to_string(),
        }
    }
}

/// A pathway's stages in reading order: follow the `unresolved` routes from
/// its first stage (so the order is the ladder's), then the stages not yet
/// placed, in the file's order, each followed by its own chain.
fn order(p: &Protocol, pathway: Pathway, first: Option<StageIx>) -> Vec<StageIx> {
    let members: Vec<StageIx> =
        p.stages_with_ix().filter(|(_, s)| s.pathway == pathway).map(|(i, _)| i).collect();
    let mut placed = vec![false; p.stages.len()];
    let mut out = Vec::with_capacity(members.len());
    let first = first.filter(|ix| p.stage(*ix).pathway == pathway);
    for seed in first.into_iter().chain(members.iter().copied()) {
        let mut at = Some(seed);
        while let Some(ix) = at.filter(|ix| !placed[ix.0]) {
            placed[ix.0] = true;
            out.push(ix);
            at = p.stage(ix).routes.iter().find_map(|r| match r.target {
                Target::Stage(next)
                    if r.condition == Condition::Unresolved && p.stage(next).pathway == pathway =>
                {
                    Some(next)
                }
                _ => None,
            });
        }
    }
    out
}

/// The time a stage itself is given, as the protocol states it.
fn within(stage: &Stage) -> String {
    let own = stage.duration();
    match stage.timescale_text() {
        text if text == "none" => "none stated".to_string(),
        text if own.unbounded => format!("{text} (no time limit)"),
        text => text,
    }
}

fn timescale_or(t: Option<&Timescale>, none: &str) -> String {
    t.map_or_else(|| none.to_string(), Timescale::to_string)
}

/// The title of what a route leads to.
fn target_title(p: &Protocol, target: Target) -> String {
    match target {
        Target::Stage(ix) => stage_title(p.stage(ix)),
        Target::Exit(ix) => p.exits[ix.0].title.clone(),
        Target::Outcome(ix) => p.outcomes[ix.0].title.clone(),
    }
}

/// `Exit`, `Outcome` or `Stage`, for tables.
fn target_kind(target: Target) -> &'static str {
    match target {
        Target::Stage(_) => "stage",
        Target::Exit(_) => "exit",
        Target::Outcome(_) => "outcome",
    }
}

fn condition_words(condition: &Condition) -> String {
    match condition {
        Condition::Resolved => "If resolved".to_string(),
        Condition::Unresolved => "If still unresolved".to_string(),
        Condition::ImmediateRisk => "If a child is at immediate risk".to_string(),
        Condition::NoResponse => "If there is no response".to_string(),
        Condition::If(words) => format!("If {words}"),
    }
}

/// An immediate-risk route that acts at once, by its own timescale or its exit's.
fn acts_at_once(p: &Protocol, route: &Route) -> bool {
    route.timescale.as_deref().is_some_and(Timescale::is_immediate)
        || matches!(route.target, Target::Exit(e) if p.exits[e.0].timescale.as_ref().is_some_and(Timescale::is_immediate))
}

/// The timescale a route's traveller meets: the route's own, else its exit's.
fn route_time(p: &Protocol, route: &Route) -> Option<String> {
    match (&route.timescale, route.target) {
        (Some(t), _) => Some(t.to_string()),
        (None, Target::Exit(e)) => p.exits[e.0].timescale.as_ref().map(Timescale::to_string),
        _ => None,
    }
}

/// The active findings grouped by code: errors first, then warnings, each
/// code's findings in file order.
fn grouped(report: &Report) -> Vec<(Severity, Code, Vec<Finding>)> {
    let mut groups: BTreeMap<(std::cmp::Reverse<Severity>, Code), Vec<Finding>> = BTreeMap::new();
    // Per place: the report lists each stage a grouped finding is about.
    for f in report.findings.iter().filter(|f| f.is_active()).flat_map(Finding::per_location) {
        groups.entry((std::cmp::Reverse(f.severity), f.code)).or_default().push(f);
    }
    groups
        .into_iter()
        .map(|((severity, code), mut found)| {
            found.sort_by_key(|f| f.span.map_or(0, |s| s.start));
            (severity.0, code, found)
        })
        .collect()
}

/// The first letter upper-case, for a message shown as a sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_alphabetic() => format!("{}{}", first.to_uppercase(), chars.as_str()),
        _ => text.to_string(),
    }
}

/// Badges for the error and warning counts, in words.
fn badges(report: &Report) -> String {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let error = if errors == 0 {
        "<span class=\"badge ok\">no errors</span>".to_string()
    } else {
        format!("<span class=\"badge error\">{}</span>", plural(errors, "error"))
    };
    let warning = if warnings == 0 {
        "<span class=\"badge none\">no warnings</span>".to_string()
    } else {
        format!("<span class=\"badge warning\">{}</span>", plural(warnings, "warning"))
    };
    format!("{error} {warning}")
}

/// One sentence saying how the protocol stands: its errors in plain words
/// (the child at immediate risk first), else its warnings, else that all is
/// well.
pub fn verdict(report: &Report) -> String {
    let mut counts: BTreeMap<(Severity, Code), usize> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.is_active()).flat_map(Finding::per_location) {
        *counts.entry((f.severity, f.code)).or_default() += 1;
    }
    let total = report.protocol.as_ref().map_or(0, |p| p.stages.len());
    let phrase = |code: Code, n: usize| -> String {
        match code {
            Code::MissingImmediateRiskExit if n >= total => {
                "no stage has a route out at once for a child at immediate risk".to_string()
            }
            Code::MissingImmediateRiskExit => {
                format!("{n} of {total} stages have no route out at once for a child at immediate risk")
            }
            Code::DeadEnd => {
                format!("{} where an unresolved disagreement has nowhere to go", plural(n, "stage"))
            }
            Code::NoWayOut => format!("{} of routes with no way out", plural(n, "cycle")),
            Code::LimitExceeded => {
                "the worst case takes longer than the protocol's own time limit".to_string()
            }
            Code::UnboundedTimescale => format!("{} with no time limit", plural(n, "timescale")),
            Code::Unreachable => format!("{} that no route reaches", plural(n, "part")),
            Code::NotEscalating => format!("{} up to someone no more senior", plural(n, "step")),
            Code::MissingRecord => format!("{} with nothing recorded in writing", plural(n, "stage")),
            Code::UnusedAllow if n == 1 => "1 `allow` line that silences nothing".to_string(),
            Code::UnusedAllow => format!("{n} `allow` lines that silence nothing"),
            other => format!("{} ({n})", other.summary()),
        }
    };
    // The child at immediate risk first, then the ladder's own defects.
    let rank = |code: Code| match code {
        Code::MissingImmediateRiskExit => 0,
        Code::DeadEnd => 1,
        Code::NoWayOut => 2,
        Code::LimitExceeded => 3,
        _ => 4,
    };
    let of = |severity: Severity| {
        let mut parts: Vec<(usize, String)> = counts
            .iter()
            .filter(|((s, _), _)| *s == severity)
            .map(|(&(_, code), &n)| (rank(code), phrase(code, n)))
            .collect();
        parts.sort_by_key(|(r, _)| *r);
        parts.into_iter().map(|(_, p)| p).collect::<Vec<_>>()
    };
    let errors = of(Severity::Error);
    let warnings = of(Severity::Warning);
    let sentence = if !errors.is_empty() {
        errors.join("; ")
    } else if !warnings.is_empty() {
        format!("no errors; {}", warnings.join("; "))
    } else {
        "no problems found".to_string()
    };
    format!("{}.", self::sentence(&sentence))
}

// ------------------------------------------------------------------ index

/// The index: every protocol with its status, a verdict and its pages.
pub fn index(entries: &[Entry]) -> String {
    let mut out = String::new();
    out.push_str("<header>\n<p class=\"kicker\">Report</p>\n<h1>Escalation protocols</h1>\n");
    let _ = writeln!(
        out,
        "<p>{} for resolving professional disagreements about a child's safety, each checked for \
         dead ends, missing time limits, missing routes for a child at immediate risk, and stated totals \
         that disagree with their own stages. Each has a full report, with the source quoted beside \
         every stage, and a one-page summary for practitioners.</p>\n</header>\n<main>",
        if entries.len() == 1 { "One protocol".to_string() } else { format!("{} protocols", entries.len()) }
    );
    out.push_str(
        "<table>\n<caption>An error is a defect that can leave a child without help (for example, a \
         stage with nowhere to go); a warning is a weakness (for example, a timescale with no limit).</caption>\n\
         <thead><tr><th scope=\"col\">Protocol</th><th scope=\"col\">Status</th><th scope=\"col\">Verdict</th>\
         <th scope=\"col\">Pages</th></tr></thead>\n<tbody>\n",
    );
    for entry in entries {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\"><a href=\"{page}\">{title}</a><br/><span class=\"meta\"><code>{file}</code></span></th>\
             <td>{badges}</td><td>{verdict}</td>\
             <td><a href=\"{page}\">Full report<span class=\"visually-hidden\"> of {short}</span></a><br/>\
             <a href=\"{summary}\">One-page summary<span class=\"visually-hidden\"> of {short}</span></a></td></tr>",
            page = esc(&entry.page()),
            summary = esc(&entry.summary()),
            title = esc(&entry.protocol.title),
            short = esc(&entry.name),
            file = esc(&entry.report.path),
            badges = badges(entry.report),
            verdict = rich(&verdict(entry.report)),
        );
    }
    out.push_str("</tbody>\n</table>\n</main>\n");
    footer(&mut out, None);
    page("Escalation protocols: report", "", "", &out)
}

// ------------------------------------------------------------------ protocol page

/// Quotes, one block each; a dash when there are none.
/// Quotes, or nothing at all when there are none.
fn quotes_if_any(list: &[Quote]) -> String {
    if list.is_empty() { String::new() } else { quotes(list) }
}

fn quotes(quotes: &[Quote]) -> String {
    if quotes.is_empty() {
        return "<span class=\"none\">no quote</span>".to_string();
    }
    quotes.iter().map(|q| format!("<blockquote class=\"quote\">{}</blockquote>", esc(&q.text))).collect()
}

/// A note's source column: the quotes written after it (the note's own), or
/// that it is the encoder's.
fn note_source(note: &Note) -> String {
    if note.quotes.is_empty() {
        return "<span class=\"none\">encoder's note</span>".to_string();
    }
    quotes(&note.quotes)
}

/// Notes in a cell or a paragraph, each followed by the quotes written after it.
fn notes_inline(notes: &[Note]) -> String {
    notes
        .iter()
        .map(|n| if n.quotes.is_empty() { esc(n) } else { format!("{}{}", esc(n), quotes(&n.quotes)) })
        .collect::<Vec<_>>()
        .join("<br/>")
}

fn parties(p: &Protocol, stage: &Stage) -> String {
    if stage.parties.is_empty() {
        return "<span class=\"none\">none named</span>".to_string();
    }
    let who: Vec<String> = stage
        .all_parties()
        .map(|ix| {
            let party = &p.parties[ix.0];
            let mut about = Vec::new();
            if let Some(agency) = &party.agency {
                about.push(esc(agency));
            }
            if let Some(level) = party.level {
                about.push(format!("level {level}"));
            }
            if about.is_empty() {
                esc(&party.title)
            } else {
                format!("{} ({})", esc(&party.title), about.join(", "))
            }
        })
        .collect();
    let items: Vec<String> = who.into_iter().map(|w| format!("<li>{w}</li>")).collect();
    format!("<ul class=\"who\">{}</ul>", items.concat())
}

/// A route in words: `If still unresolved → Stage 2: Managers (2 working days)`;
/// an exit says that it leaves the process.
fn route_text(p: &Protocol, route: &Route) -> String {
    let exit = if matches!(route.target, Target::Exit(_)) { "out of the process: " } else { "" };
    let mut text = format!(
        "{} → {exit}{}",
        esc(&condition_words(&route.condition)),
        esc(&target_title(p, route.target))
    );
    if let Some(t) = &route.timescale {
        let _ = write!(text, " ({})", esc(&t.to_string()));
    }
    if let Some(words) = p.whom_words(route.for_whom.as_ref(), &route.through) {
        let _ = write!(text, " · {}", esc(&words));
    }
    for send in &route.sends {
        let _ = write!(text, " · and send: {} (adds no time)", esc(&p.send_words(send)));
    }
    text
}

fn row(out: &mut String, part: &str, says: &str, source: &str) {
    let _ = writeln!(out, "<tr><th scope=\"row\">{part}</th><td>{says}</td><td>{source}</td></tr>");
}

fn detail_head(out: &mut String, caption: &str) {
    let _ = writeln!(
        out,
        "<table class=\"detail\">\n<caption class=\"visually-hidden\">{caption}</caption>\n<thead><tr><th scope=\"col\">Part</th>\
         <th scope=\"col\">What the protocol says</th><th scope=\"col\">Source, word for word</th></tr></thead>\n<tbody>"
    );
}

fn stage_detail(out: &mut String, p: &Protocol, stage: &Stage) {
    let _ = writeln!(out, "<h4>{}</h4>", esc(&stage_title(stage)));
    detail_head(out, &format!("{}, part by part, with the source", esc(&stage_title(stage))));
    row(out, "Stage", &esc(&stage.title), &quotes(&stage.quotes));
    if let Some(w) = &stage.within {
        row(out, "Within", &esc(&w.timescale.to_string()), &quotes(&w.quotes));
    }
    if let Some(c) = &stage.cumulative {
        row(out, "Cumulative, as stated", &esc(&c.timescale.to_string()), &quotes(&c.quotes));
    }
    for step in &stage.steps {
        let mut says =
            format!("{} ({})", esc(&step.text), esc(&timescale_or(step.timescale.as_ref(), "no timescale")));
        // A conditional step says when it happens, and what happens instead.
        if let Some(condition) = &step.condition {
            says = format!("If {}: {says}", esc(condition));
        }
        if let Some(other) = &step.otherwise {
            let time = esc(&timescale_or(other.timescale.as_ref(), "no timescale"));
            says = format!("{says}; otherwise: {} ({time})", esc(&other.text));
        }
        if let Some(words) = p.whom_words(step.for_whom.as_ref(), &step.through) {
            says = format!("{says} · {}", esc(&words));
        }
        let kind = if step.discretionary { "Step (discretionary: adds no time)" } else { "Step" };
        row(out, kind, &says, &quotes(&step.quotes));
    }
    for record in &stage.records {
        let mut says = match &record.timescale {
            Some(t) => format!("{} ({})", esc(&record.text), esc(&t.to_string())),
            None => esc(&record.text),
        };
        if let Some(words) = p.whom_words(record.for_whom.as_ref(), &record.through) {
            says = format!("{says} · {}", esc(&words));
        }
        row(out, "Record", &says, &quotes(&record.quotes));
    }
    for send in &stage.sends {
        row(out, "Copy sent (adds no time)", &esc(&p.send_words(send)), &quotes(&send.quotes));
    }
    for route in &stage.routes {
        row(out, "Route", &route_text(p, route), &quotes(&route.quotes));
    }
    if let Some(kind) = stage.final_authority {
        let says = match kind {
            FinalKind::Decision => "A final decision is made here",
            FinalKind::Mediation => "Final mediation: the protocol gives no step after this",
        };
        row(out, "Final", says, "<span class=\"none\">see the stage's quotes</span>");
    }
    for note in &stage.notes {
        row(out, "Note", &esc(note), &note_source(note));
    }
    for allow in &stage.allows {
        let says = format!("<code>{}</code> silenced: {}", allow.code, esc(&allow.reason));
        row(out, "Allowed", &says, "<span class=\"none\">encoder's reason</span>");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn pathway_name(p: &Protocol, pathway: Pathway) -> String {
    match pathway {
        Pathway::Main => "Main pathway".to_string(),
        Pathway::Exception(i) => match p.exceptions.get(i) {
            Some(e) if e.parallel => format!("Pathway: {}", e.title),
            e => format!("Exception: {}", e.map_or("", |e| e.title.as_str())),
        },
    }
}

/// The outcome most stages reach when resolved: said once, not on every row.
fn usual_outcome(p: &Protocol) -> Option<usize> {
    let mut count: BTreeMap<usize, usize> = BTreeMap::new();
    for stage in &p.stages {
        for r in stage.routes.iter().filter(|r| r.condition == Condition::Resolved) {
            if let Target::Outcome(o) = r.target {
                *count.entry(o.0).or_default() += 1;
            }
        }
    }
    count.iter().max_by_key(|(o, n)| (**n, std::cmp::Reverse(**o))).map(|(o, _)| *o)
}

/// A route for the stage table: a numbered stage is `Stage 2` (its row is
/// in the table), anything else its title.
fn route_short(p: &Protocol, route: &Route) -> String {
    let to = match route.target {
        Target::Stage(ix) if p.stage(ix).id.chars().all(|c| c.is_ascii_digit()) => {
            format!("Stage {}", p.stage(ix).id)
        }
        Target::Exit(_) => format!("out of the process: {}", target_title(p, route.target)),
        other => target_title(p, other),
    };
    let mut text = format!("{} → {}", esc(&condition_words(&route.condition)), esc(&to));
    if let Some(t) = &route.timescale {
        let _ = write!(text, " ({})", esc(&t.to_string()));
    }
    text
}

fn stage_table(out: &mut String, p: &Protocol, facts: &Facts) {
    let usual = usual_outcome(p);
    if let Some(o) = usual {
        let _ = writeln!(
            out,
            "<p>When a disagreement is resolved, it ends with: <strong>{}</strong> (not repeated in the tables).</p>",
            esc(&p.outcomes[o].title)
        );
    }
    if !p.rule_routes.is_empty() {
        out.push_str("<p>At any stage:</p>\n<ul>\n");
        for route in &p.rule_routes {
            let _ = writeln!(out, "<li>{}</li>", route_short(p, route));
        }
        out.push_str("</ul>\n");
    }
    for (pathway, stages) in &facts.pathways {
        let _ = writeln!(out, "<h3>{}</h3>", esc(&pathway_name(p, *pathway)));
        let from = match pathway {
            Pathway::Main => "the day the disagreement starts (day 0)",
            Pathway::Exception(i) if p.exceptions.get(*i).is_some_and(|e| e.parallel) => {
                "the start of this pathway (day 0)"
            }
            Pathway::Exception(_) => "the start of this exception (day 0)",
        };
        let _ = writeln!(
            out,
            "<table>\n<caption>Who takes part, the time each stage is given, and the latest working day \
             it can end in the worst case, counted from {from}.</caption>\n<thead><tr><th scope=\"col\">Stage</th>\
             <th scope=\"col\">Who (agency, level)</th><th scope=\"col\">Within</th><th scope=\"col\">By which day</th>\
             <th scope=\"col\">Then</th></tr></thead>\n<tbody>"
        );
        for &ix in stages {
            let stage = p.stage(ix);
            let mut then: Vec<String> = stage
                .routes
                .iter()
                .filter(|r| {
                    let usual_end = matches!(r.target, Target::Outcome(o) if Some(o.0) == usual);
                    !(r.condition == Condition::Resolved && usual_end)
                })
                .map(|r| route_short(p, r))
                .collect();
            match stage.final_authority {
                Some(FinalKind::Decision) => then.push("Final decision".to_string()),
                Some(FinalKind::Mediation) => then.push("Final mediation".to_string()),
                None => {}
            }
            let by_day = facts.by_day(ix);
            let by_day = if by_day == "no limit" {
                format!("<span class=\"limitless\">{by_day}</span>")
            } else {
                by_day
            };
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td class=\"num\">{by_day}</td><td>{}</td></tr>",
                esc(&stage_title(stage)),
                parties(p, stage),
                esc(&within(stage)),
                if then.is_empty() {
                    "<span class=\"none\">no other routes of its own</span>".to_string()
                } else {
                    then.join("<br/>")
                },
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
}

fn findings_section(out: &mut String, entry: &Entry) {
    let report = entry.report;
    let lines = LineIndex::new(&report.source);
    let groups = grouped(report);
    let _ = writeln!(out, "<section id=\"findings\">\n<h2>Findings</h2>");
    if groups.is_empty() {
        out.push_str("<p>escalate found no problems in this protocol.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p>escalate found {} and {}, grouped here by check. Each says where it is in <code>{}</code> \
             and how to fix it; each check says why it matters for a child.</p>",
            plural(report.count(Severity::Error), "error"),
            plural(report.count(Severity::Warning), "warning"),
            esc(&report.path)
        );
    }
    for (severity, code, found) in groups {
        let (class, word) = match severity {
            Severity::Error => ("error", "Error"),
            Severity::Warning => ("warning", "Warning"),
        };
        let count = if found.len() == 1 { String::new() } else { format!(" ({} found)", found.len()) };
        let _ = writeln!(
            out,
            "<section class=\"finding {class}\">\n<h3><span class=\"badge {class}\">{word}</span> {}{count} \
             (<code>{code}</code>)</h3>",
            rich(&sentence(code.summary())),
        );
        let why = RuleDoc::of(code).why;
        if !why.is_empty() {
            let _ = writeln!(out, "<p><strong>Why it matters for a child:</strong> {}</p>", rich(&why));
        }
        out.push_str("<ol>\n");
        for finding in found {
            let mut place = match finding.span {
                Some(span) => format!("Line {}", lines.line_col(span.start).0),
                None => "The protocol as a whole".to_string(),
            };
            if let Some(stage) =
                finding.stage.as_ref().and_then(|id| entry.protocol.stages.iter().find(|s| &s.id == id))
            {
                let _ = write!(place, ", in {}", stage_title(stage));
            }
            let _ = write!(out, "<li><p><strong>{}</strong></p>\n<dl>", rich(&sentence(&finding.message)));
            let _ = write!(out, "<dt>Where</dt><dd>{}</dd>", esc(&place));
            if !finding.help.is_empty() {
                let _ = write!(out, "<dt>How to fix</dt><dd>{}</dd>", rich(&sentence(&finding.help)));
            }
            out.push_str("</dl></li>\n");
        }
        let _ = writeln!(
            out,
            "</ol>\n<p class=\"meta\">More: <code>escalate explain {code}</code>.</p>\n</section>"
        );
    }
    let silenced: Vec<&Finding> = report.findings.iter().filter(|f| !f.is_active()).collect();
    if !silenced.is_empty() {
        out.push_str("<h3>Silenced by <code>allow</code> lines</h3>\n<ul>\n");
        for f in silenced {
            let _ = writeln!(
                out,
                "<li><code>{}</code>: {} (reason given: {})</li>",
                f.code,
                rich(&f.message),
                esc(f.allowed.as_deref().unwrap_or_default())
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// The page of one protocol: status, diagram, stage table, every element
/// beside its source, findings.
pub fn protocol_page(entry: &Entry) -> String {
    let p = entry.protocol;
    let facts = Facts::of(entry);
    let mut out = String::new();
    out.push_str(
        "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"index.html\">All protocols</a></nav>\n",
    );
    let _ = writeln!(out, "<header>\n<p class=\"kicker\">Protocol report</p>\n<h1>{}</h1>", esc(&p.title));
    out.push_str("<dl class=\"meta\">\n");
    if let Some(source) = &p.source {
        let _ = writeln!(out, "<dt>Source</dt><dd>{}</dd>", esc(source));
    }
    for source in &p.further_sources {
        let _ = writeln!(out, "<dt>Also from</dt><dd>{}</dd>", esc(source));
    }
    if let Some(edition) = p.edition() {
        let _ = writeln!(out, "<dt>Edition</dt><dd>{}</dd>", esc(&edition));
    }
    if let Some(entry) = &p.begins_after {
        let _ = writeln!(out, "<dt>Begins after</dt><dd>{}</dd>", esc(&entry.text));
    }
    let _ = writeln!(out, "<dt>File</dt><dd><code>{}</code></dd>", esc(&entry.report.path));
    let limit = p.limit.as_ref().map_or_else(|| "none stated".to_string(), |l| l.timescale.to_string());
    let _ = writeln!(out, "<dt>Overall limit</dt><dd>{}</dd>", esc(&limit));
    if let Some(w) = facts.summary.as_ref().and_then(|s| s.worst_case.as_ref()) {
        let worst = if w.unbounded {
            format!("no limit: at least {} working days, and some part has no bound", w.days)
        } else {
            format!("{} working days", w.days)
        };
        let _ = writeln!(out, "<dt>Worst case</dt><dd>{}</dd>", esc(&worst));
    }
    // A protocol with several pathways of equal standing: each one's, as
    // compare gives it (the first is the worst case above).
    for pathway in facts.summary.iter().flat_map(|s| &s.pathways) {
        let w = &pathway.worst_case;
        let worst = if w.unbounded {
            format!("no limit: at least {} working days, and some part has no bound", w.days)
        } else {
            format!("{} working days", w.days)
        };
        let _ = writeln!(out, "<dt>Worst case: {}</dt><dd>{}</dd>", esc(&pathway.title), esc(&worst));
    }
    for instruction in &p.instructions {
        let _ = writeln!(out, "<dt>On every page</dt><dd>{}</dd>", esc(&instruction.text));
    }
    let _ = writeln!(out, "<dt>Calendar</dt><dd>{}</dd>", esc(p.calendar.as_deref().unwrap_or("not stated")));
    out.push_str("</dl>\n</header>\n<main>\n");
    let _ = writeln!(
        out,
        "<div class=\"status\">\n<p>{} {}</p>\n<p><a href=\"{}\">One-page summary for practitioners: what do I do if I disagree?</a></p>\n</div>",
        badges(entry.report),
        rich(&verdict(entry.report)),
        esc(&entry.summary())
    );
    out.push_str(
        "<nav aria-label=\"On this page\">\n<h2>On this page</h2>\n<ul class=\"toc\">\n\
         <li><a href=\"#stages\">Stages</a></li>\n<li><a href=\"#diagram\">Pathway diagram</a></li>\n\
         <li><a href=\"#sources\">Stage by stage, with the source</a></li>\n\
         <li><a href=\"#any-stage\">At any stage</a></li>\n<li><a href=\"#exits\">Exits and outcomes</a></li>\n\
         <li><a href=\"#parties\">Parties</a></li>\n<li><a href=\"#findings\">Findings</a></li>\n\
         <li><a href=\"#about\">About the protocol</a></li>\n</ul>\n</nav>\n",
    );

    out.push_str("<section id=\"stages\">\n<h2>Stages</h2>\n");
    stage_table(&mut out, p, &facts);
    out.push_str("</section>\n");

    let _ = writeln!(
        out,
        "<section id=\"diagram\">\n<h2>Pathway diagram</h2>\n<figure>\n<img src=\"{src}\" alt=\"Pathway diagram of \
         {title}. The stage table above gives the same stages, timescales and routes as text.\"/>\n\
         <figcaption>Each stage with its timescale and the latest day it can end; exits (dashed) beside the \
         stages they leave from, an exit open at any stage once, as a bar beside them all; findings marked with lettered badges, explained in the key. \
         <a href=\"{src}\">Open the diagram on its own</a>.</figcaption>\n</figure>\n</section>",
        src = esc(&entry.diagram()),
        title = esc(&p.title)
    );

    out.push_str("<section id=\"sources\">\n<h2>Stage by stage, with the source</h2>\n");
    for (pathway, stages) in &facts.pathways {
        let _ = writeln!(out, "<h3>{}</h3>", esc(&pathway_name(p, *pathway)));
        if let Pathway::Exception(i) = pathway
            && let Some(e) = p.exceptions.get(*i)
        {
            let _ = writeln!(out, "<p>Source:</p>{}", quotes(&e.quotes));
            for note in &e.notes {
                let _ = writeln!(out, "<p>Note: {}</p>{}", esc(note), quotes_if_any(&note.quotes));
            }
        }
        for &ix in stages {
            stage_detail(&mut out, p, p.stage(ix));
        }
    }
    for e in p.exceptions.iter().filter(|e| e.stages.is_empty()) {
        let _ = writeln!(out, "<h3>Exception: {}</h3>", esc(&e.title));
        if let Some(start) = e.start {
            let _ = writeln!(out, "<p>Goes to {} {}.</p>", target_kind(start), esc(&target_title(p, start)));
        } else {
            out.push_str("<p>No pathway of its own.</p>\n");
        }
        out.push_str(&quotes(&e.quotes));
        for note in &e.notes {
            let _ = writeln!(out, "<p>Note: {}</p>{}", esc(note), quotes_if_any(&note.quotes));
        }
    }
    out.push_str("</section>\n");

    if !p.before.is_empty() {
        out.push_str("<section id=\"before\">\n<h2>Before the first stage</h2>\n");
        detail_head(&mut out, "What happens before the first stage, with the source");
        for b in &p.before {
            let kind = match (b.send, b.pathway) {
                (true, _) => "Copy sent (adds no time)".to_string(),
                (false, crate::model::Pathway::Main) => "Step".to_string(),
                (false, pathway) => format!("Step, pathway {}", p.pathway_name(pathway)),
            };
            row(&mut out, &esc(&kind), &esc(&p.send_words(&b.step)), &quotes(&b.step.quotes));
            for note in &b.notes {
                row(&mut out, "Note", &esc(note), &note_source(note));
            }
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    out.push_str("<section id=\"any-stage\">\n<h2>At any stage</h2>\n");
    if p.rule_routes.is_empty()
        && p.rule_records.is_empty()
        && p.rule_steps.is_empty()
        && p.rule_sends.is_empty()
        && p.rule_notes.is_empty()
    {
        out.push_str("<p>The protocol states nothing that applies at every stage.</p>\n");
    } else {
        detail_head(&mut out, "What applies at every stage, with the source");
        for route in &p.rule_routes {
            row(&mut out, "Route", &route_text(p, route), &quotes(&route.quotes));
        }
        for record in &p.rule_records {
            let says = match &record.timescale {
                Some(t) => format!("{} ({})", esc(&record.text), esc(&t.to_string())),
                None => esc(&record.text),
            };
            row(&mut out, "Record", &says, &quotes(&record.quotes));
        }
        for step in &p.rule_steps {
            let mut says = esc(&step.text);
            if let Some(condition) = &step.condition {
                says = format!("{says} (if {})", esc(condition));
            }
            if let Some(t) = &step.timescale {
                says = format!("{says} ({})", esc(&t.to_string()));
            }
            let kind = if step.discretionary { "Step (discretionary)" } else { "Step, alongside" };
            row(&mut out, kind, &says, &quotes(&step.quotes));
        }
        for send in &p.rule_sends {
            row(&mut out, "Copy sent (adds no time)", &esc(&p.send_words(send)), &quotes(&send.quotes));
        }
        for note in &p.rule_notes {
            row(&mut out, "Note", &esc(note), &note_source(note));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"exits\">\n<h2>Exits and outcomes</h2>\n<h3>Exits: routes out of the disagreement process</h3>\n");
    if p.exits.is_empty() {
        out.push_str("<p>The protocol names no exits.</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Exit</th><th scope=\"col\">Within</th><th scope=\"col\">Notes</th>\
             <th scope=\"col\">Source, word for word</th></tr></thead>\n<tbody>\n",
        );
        for exit in &p.exits {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&exit.title),
                esc(&timescale_or(exit.timescale.as_ref(), "no timescale given")),
                notes_inline(&exit.notes),
                quotes(&exit.quotes)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("<h3>Outcomes: how a disagreement ends</h3>\n");
    if p.outcomes.is_empty() {
        out.push_str("<p>The protocol names no outcomes.</p>\n");
    } else {
        out.push_str(
            "<table>\n<thead><tr><th scope=\"col\">Outcome</th><th scope=\"col\">Notes</th>\
             <th scope=\"col\">Source, word for word</th></tr></thead>\n<tbody>\n",
        );
        for outcome in &p.outcomes {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                esc(&outcome.title),
                notes_inline(&outcome.notes),
                quotes(&outcome.quotes)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"parties\">\n<h2>Parties</h2>\n");
    if p.parties.is_empty() {
        out.push_str("<p>The protocol names no parties.</p>\n");
    } else {
        out.push_str(
            "<table>\n<caption>Levels are seniority as encoded: a higher level is more senior.</caption>\n\
             <thead><tr><th scope=\"col\">Party</th><th scope=\"col\">Agency</th><th scope=\"col\">Level</th>\
             <th scope=\"col\">Source, word for word</th></tr></thead>\n<tbody>\n",
        );
        for party in &p.parties {
            let _ = writeln!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&party.title),
                party
                    .agency
                    .as_deref()
                    .map_or_else(|| "<span class=\"none\">not stated</span>".to_string(), esc),
                party.level.map_or_else(|| "<span class=\"none\">none</span>".to_string(), |l| l.to_string()),
                quotes(&party.quotes)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");

    findings_section(&mut out, entry);

    out.push_str("<section id=\"about\">\n<h2>About the protocol</h2>\n");
    if let Some(limit) = &p.limit {
        let _ = writeln!(
            out,
            "<h3>Overall limit</h3>\n<p>{}</p>\n{}",
            esc(&limit.timescale.to_string()),
            quotes(&limit.quotes)
        );
    }
    if !p.notes.is_empty() {
        out.push_str("<h3>Notes</h3>\n<ul>\n");
        for note in &p.notes {
            let _ = writeln!(out, "<li>{}{}</li>", esc(note), quotes_if_any(&note.quotes));
        }
        out.push_str("</ul>\n");
    }
    if !p.quotes.is_empty() {
        let _ = writeln!(out, "<h3>The protocol in its own words</h3>\n{}", quotes(&p.quotes));
    }
    if !p.allows.is_empty() {
        out.push_str("<h3>Checks silenced for the whole protocol</h3>\n<ul>\n");
        for allow in &p.allows {
            let _ = writeln!(out, "<li><code>{}</code>, because: {}</li>", allow.code, esc(&allow.reason));
        }
        out.push_str("</ul>\n");
    }
    if p.limit.is_none() && p.notes.is_empty() && p.quotes.is_empty() && p.allows.is_empty() {
        out.push_str("<p>The protocol has no overall limit, notes or general quotes.</p>\n");
    }
    out.push_str("</section>\n</main>\n");
    footer(&mut out, Some(entry));
    page(&format!("{} | escalate report", clean(&p.title)), "", "", &out)
}

// ------------------------------------------------------------------ summary

/// The one-page practitioner summary: what to do at once for a child at
/// immediate risk (or a warning that the protocol says nothing), then the
/// stages as numbered steps.
pub fn summary_page(entry: &Entry) -> String {
    let p = entry.protocol;
    let facts = Facts::of(entry);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"index.html\">All protocols</a> · \
         <a href=\"{}\">Full report</a></nav>",
        esc(&entry.page())
    );
    let _ = writeln!(
        out,
        "<header>\n<p class=\"kicker\">Practitioner summary</p>\n<h1>What do I do if I disagree?</h1>\n\
         <p>Under <strong>{}</strong>. When you disagree with another agency's decision about a child's safety, \
         these are the steps the protocol gives. Days are working days, counted from the day the disagreement \
         starts.</p>\n</header>\n<main>",
        esc(&p.title)
    );
    // The pathway at a glance, beside the steps (sized in the CSS to keep
    // the page to one A4 sheet).
    let _ = writeln!(
        out,
        "<figure class=\"pathway\"><a href=\"{src}\"><img src=\"{src}\" alt=\"Pathway diagram of {title}; \
         the steps below give the same stages and routes as text.\"/></a></figure>",
        src = esc(&entry.diagram()),
        title = esc(&p.title)
    );
    immediate_risk(&mut out, p);
    // What the document prints on every page, in its words.
    if !p.instructions.is_empty() {
        out.push_str("<section>\n<h2>On every page of the protocol</h2>\n");
        for instruction in &p.instructions {
            let _ = writeln!(out, "<p><strong>{}</strong></p>", esc(&instruction.text));
        }
        out.push_str("</section>\n");
    }

    // Step numbers: the main ladder, then each exception's stages.
    let mut number: BTreeMap<StageIx, usize> = BTreeMap::new();
    for (_, stages) in &facts.pathways {
        for &ix in stages {
            let n = number.len() + 1;
            number.insert(ix, n);
        }
    }
    let usual = usual_outcome(p);

    out.push_str("<section>\n<h2>Step by step</h2>\n");
    if let Some(o) = usual {
        let _ = writeln!(
            out,
            "<p>Once the disagreement is resolved: <strong>{}</strong>.</p>",
            esc(&p.outcomes[o].title)
        );
    }
    if !p.rule_records.is_empty() {
        out.push_str("<p>At every step, <strong>record</strong>:</p>\n<ul>\n");
        for record in &p.rule_records {
            let _ = writeln!(out, "<li>{}</li>", esc(&record.text));
        }
        out.push_str("</ul>\n");
    }
    let others: Vec<&Route> =
        p.rule_routes.iter().map(|r| &r.item).filter(|r| r.condition != Condition::ImmediateRisk).collect();
    for route in others {
        let _ = writeln!(out, "<p>At any step: {}</p>", next_step(p, route, &number));
    }
    // Copies sent at any step (`at any stage: send`).
    for send in &p.rule_sends {
        let at = match &send.scope {
            Scope::From(ix) => match number.get(ix) {
                Some(n) => format!("From step {n} on"),
                None => format!("From {} on", esc(&stage_title(p.stage(*ix)))),
            },
            Scope::Every | Scope::Pathways(_) => "At any step".to_string(),
        };
        let _ = writeln!(out, "<p>{at}, <strong>copy</strong>: {}.</p>", esc(&p.send_words(send)));
    }
    // A record made on the same route at several steps (`resolved -> ... and
    // record`) is said once, here, not at each step.
    let mut steps_of: HashMap<String, Vec<usize>> = HashMap::new();
    for &ix in facts.pathways.iter().flat_map(|(_, stages)| stages) {
        for words in route_records(p.stage(ix)) {
            steps_of.entry(words).or_default().push(number.get(&ix).copied().unwrap_or(0));
        }
    }
    let mut listed: Vec<(String, Vec<usize>)> = steps_of.into_iter().filter(|(_, n)| n.len() > 1).collect();
    listed.sort();
    for (words, steps) in &listed {
        let at = if steps.len() == number.len() {
            "At every step".to_string()
        } else {
            let numbers: Vec<String> = steps.iter().map(usize::to_string).collect();
            format!("At steps {}", join_and(&numbers))
        };
        let _ = writeln!(out, "<p>{at}, <strong>record</strong>: {words}.</p>");
    }
    let shared: HashSet<String> = listed.into_iter().map(|(w, _)| w).collect();
    let mut first = true;
    for (pathway, stages) in &facts.pathways {
        if let Pathway::Exception(i) = pathway {
            let title = p.exceptions.get(*i).map_or("", |e| e.title.as_str());
            if first {
                out.push_str("</section>\n<section>\n<h2>Special situations</h2>\n");
                first = false;
            }
            let _ = writeln!(out, "<h3>{}</h3>", esc(title));
        }
        // What happens before the first stage of this pathway, and copies sent then.
        let before: Vec<String> = p.before_of(*pathway).map(|b| esc(&p.send_words(&b.step))).collect();
        if !before.is_empty() {
            let _ = writeln!(out, "<p><strong>Before the first step:</strong> {}.</p>", before.join("; "));
        }
        let start = stages.first().and_then(|ix| number.get(ix)).copied().unwrap_or(1);
        let _ = writeln!(out, "<ol class=\"steps\" start=\"{start}\">");
        for &ix in stages {
            summary_step(&mut out, p, &facts, ix, &number, usual, &shared);
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");

    let errors = entry.report.count(Severity::Error);
    let warnings = entry.report.count(Severity::Warning);
    let _ = writeln!(
        out,
        "<p class=\"meta\">Where a step has no time limit, the protocol gives none: agree one and record it. \
         Where the protocol gives no next step, ask your agency's designated safeguarding lead. \
         escalate found {} and {} in this protocol: see the <a href=\"{}\">full report</a>.</p>\n</main>",
        plural(errors, "error"),
        plural(warnings, "warning"),
        esc(&entry.page())
    );
    footer(&mut out, Some(entry));
    // A long protocol is set smaller on paper, to keep to one page.
    let class = if visible_chars(&out) > DENSE_CHARS { "dense" } else { "" };
    page(&format!("What do I do if I disagree? {} | escalate", clean(&p.title)), SUMMARY_CSS, class, &out)
}

/// About as much text as fits one A4 page at the summary's printed size,
/// beside the diagram; beyond it, the smaller `dense` size is used.
const DENSE_CHARS: usize = 3700;

/// The characters a reader sees in HTML made here (user text is escaped, so
/// every `<` starts a tag).
fn visible_chars(html: &str) -> usize {
    let mut in_tag = false;
    let mut n = 0;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => n += 1,
            _ => {}
        }
    }
    n
}

/// The box first on the summary: the immediate-risk route, or a warning
/// that the protocol has none (or none that acts at once).
fn immediate_risk(out: &mut String, p: &Protocol) {
    let mut at_once: Vec<(&Route, Vec<String>)> = Vec::new();
    let mut slow: Vec<&Route> = Vec::new();
    let mut covered = 0;
    for (ix, stage) in p.stages_with_ix() {
        let mut here = false;
        for (route, _) in p.routes_of(ix).filter(|(r, _)| r.condition == Condition::ImmediateRisk) {
            if acts_at_once(p, route) {
                here = true;
                match at_once.iter_mut().find(|(r, _)| std::ptr::eq(*r, route)) {
                    Some((_, stages)) => stages.push(stage_title(stage)),
                    None => at_once.push((route, vec![stage_title(stage)])),
                }
            } else if !slow.iter().any(|r| std::ptr::eq(*r, route)) {
                slow.push(route);
            }
        }
        covered += usize::from(here);
    }
    let total = p.stages.len();
    if !at_once.is_empty() {
        out.push_str("<section class=\"risk\" aria-labelledby=\"risk\">\n<h2 id=\"risk\">If a child is at immediate risk: act now</h2>\n");
        out.push_str("<p>Do not wait for this process.</p>\n<ul>\n");
        for (route, stages) in &at_once {
            let when = route_time(p, route).map(|t| format!(" ({})", esc(&t))).unwrap_or_default();
            let where_ = if stages.len() == total {
                "At any stage".to_string()
            } else {
                format!("At {}", esc(&stages.join("; ")))
            };
            let _ = writeln!(
                out,
                "<li>{where_}: <strong>{}</strong>{when}.</li>",
                esc(&target_title(p, route.target))
            );
        }
        out.push_str("</ul>\n");
        if covered < total {
            let _ = writeln!(
                out,
                "<p><strong>Warning:</strong> the protocol gives this route at {covered} of {total} stages only. \
                 At the others, follow your agency's child protection procedures at once.</p>"
            );
        }
        out.push_str("</section>\n");
        return;
    }
    out.push_str(
        "<section class=\"risk missing\" aria-labelledby=\"risk\">\n<h2 id=\"risk\">Warning: this protocol gives no \
         immediate route for a child at immediate risk</h2>\n",
    );
    if slow.is_empty() {
        out.push_str("<p>It does not say what to do if a child is at immediate risk while professionals disagree.</p>\n");
    } else {
        let routes: Vec<String> = slow
            .iter()
            .map(|r| {
                let when = route_time(p, r).unwrap_or_else(|| "no timescale".to_string());
                format!("{} ({})", esc(&target_title(p, r.target)), esc(&when))
            })
            .collect();
        let _ = writeln!(
            out,
            "<p>Its route for a child at immediate risk does not act at once: {}.</p>",
            routes.join("; ")
        );
    }
    // Routes out in the protocol's own words that may be what the reader
    // needs: an `if` route to an exit that acts at once, or whose words are
    // about harm or risk (`if "a child is likely to suffer significant
    // harm" -> ...`). Other `if` exits (a referral to a sub-committee) would
    // mislead here.
    let about_harm = |words: &str| {
        let words = words.to_lowercase();
        ["harm", "risk", "danger", "life threatening", "life-threatening"].iter().any(|w| words.contains(w))
    };
    let mut nearest: Vec<&Route> = Vec::new();
    for (ix, _) in p.stages_with_ix() {
        for (route, _) in p.routes_of(ix) {
            let fits = matches!(&route.condition, Condition::If(words) if acts_at_once(p, route) || about_harm(words))
                && matches!(route.target, Target::Exit(_));
            if fits && !nearest.iter().any(|r| r.condition == route.condition && r.target == route.target) {
                nearest.push(route);
            }
        }
    }
    if !nearest.is_empty() {
        out.push_str("<p>It does give these routes out of the process, which may apply:</p>\n<ul>\n");
        for route in nearest {
            let _ = writeln!(
                out,
                "<li>{}: <strong>{}</strong>{}.</li>",
                esc(&condition_words(&route.condition)),
                esc(&target_title(p, route.target)),
                route_time(p, route).map(|t| format!(" ({})", esc(&t))).unwrap_or_default()
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<p><strong>Do not wait for this process.</strong> If you think a child is at immediate risk of \
         significant harm, follow your own agency's child protection procedures now: contact children's social \
         care, and in an emergency the police on 999. (This advice is general; it is not in the protocol.)</p>\n</section>\n",
    );
}

/// Where a route leads, as a sentence: `If still unresolved, go to step 3.`
fn next_step(p: &Protocol, route: &Route, number: &BTreeMap<StageIx, usize>) -> String {
    let to = match route.target {
        Target::Stage(ix) => match number.get(&ix) {
            Some(n) => format!("go to <strong>step {n}</strong>"),
            None => format!("go to {}", esc(&stage_title(p.stage(ix)))),
        },
        Target::Exit(_) => {
            format!(
                "it goes to: <strong>{}</strong> (out of this process)",
                esc(&target_title(p, route.target))
            )
        }
        Target::Outcome(_) => format!("it ends: <strong>{}</strong>", esc(&target_title(p, route.target))),
    };
    let when = route.timescale.as_ref().map(|t| format!(" ({})", esc(&t.to_string()))).unwrap_or_default();
    let mut text = format!("{}, {to}{when}.", esc(&condition_words(&route.condition)));
    if !route.sends.is_empty() {
        let sends: Vec<String> = route.sends.iter().map(|s| esc(&p.send_words(s))).collect();
        let _ = write!(text, " <strong>Copy:</strong> {}.", sends.join("; "));
    }
    text
}

/// "3", "3 and 4", "1, 2 and 5".
fn join_and(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

/// The records a stage's routes make when taken (`and record`), each in
/// escaped words with when: "... (if resolved: a further 2 working days)".
fn route_records(stage: &Stage) -> impl Iterator<Item = String> + '_ {
    stage.routes.iter().filter(|r| r.condition != Condition::ImmediateRisk).flat_map(|route| {
        route.records.iter().map(move |r| {
            let by = r.timescale.as_ref().map(|t| format!(": {t}")).unwrap_or_default();
            let when = condition_words(&route.condition).to_lowercase().replacen("if ", "", 1);
            format!("{} (if {}{})", esc(&r.text), esc(&when), esc(&by))
        })
    })
}

fn summary_step(
    out: &mut String,
    p: &Protocol,
    facts: &Facts,
    ix: StageIx,
    number: &BTreeMap<StageIx, usize>,
    usual: Option<usize>,
    shared: &HashSet<String>,
) {
    let stage = p.stage(ix);
    // An exception's steps sit under the exception's own heading.
    let h = if stage.pathway == Pathway::Main { "h3" } else { "h4" };
    let _ = writeln!(out, "<li>\n<{h}>{}</{h}>", esc(&stage_title(stage)));
    let who: Vec<String> = stage.parties.iter().map(|c| esc(&p.choice_title(c))).collect();
    let who = if who.is_empty() { "not named".to_string() } else { who.join("; ") };
    let took = facts.took.get(ix.0).copied().flatten().map(crate::timescale::WorkingDays);
    let time = match (took, facts.by_day(ix).as_str()) {
        (None, _) => "no time limit given".to_string(),
        (Some(days), "no limit") => {
            format!("{days}; no date for its end, as an earlier step has no time limit")
        }
        (Some(days), day) => format!("{days}, {} at the latest", day.replace("by day", "by working day")),
    };
    let _ = writeln!(out, "<p><strong>Who:</strong> {who}. <strong>Within:</strong> {}.</p>", esc(&time));
    let mut records: Vec<String> = stage.records.iter().map(|r| esc(&r.text)).collect();
    // Records made only when a route is taken, unless said once for all steps.
    records.extend(route_records(stage).filter(|words| !shared.contains(words)));
    if !records.is_empty() {
        let _ = writeln!(out, "<p><strong>Record:</strong> {}.</p>", records.join("; "));
    }
    if !stage.sends.is_empty() {
        let sends: Vec<String> = stage.sends.iter().map(|s| esc(&p.send_words(s))).collect();
        let _ = writeln!(out, "<p><strong>Copy:</strong> {}.</p>", sends.join("; "));
    }
    let mut next: Vec<String> = Vec::new();
    for route in stage.routes.iter().filter(|r| r.condition != Condition::ImmediateRisk) {
        let usual_outcome = matches!(route.target, Target::Outcome(o) if Some(o.0) == usual);
        // The usual ending goes without saying, unless a copy is sent on it.
        if route.condition == Condition::Resolved && usual_outcome && route.sends.is_empty() {
            continue;
        }
        next.push(next_step(p, route, number));
    }
    let unresolved = p.routes_of(ix).any(|(r, _)| r.condition == Condition::Unresolved);
    match stage.final_authority {
        Some(FinalKind::Decision) => next.push("<strong>The decision here is final.</strong>".to_string()),
        Some(FinalKind::Mediation) => {
            next.push("<strong>This mediation is the last step the protocol gives.</strong>".to_string());
        }
        None if !unresolved => {
            next.push("If still unresolved, <strong>the protocol gives no next step</strong>.".to_string());
        }
        None => {}
    }
    if !next.is_empty() {
        let _ = writeln!(out, "<p><strong>Then:</strong> {}</p>", next.join(" "));
    }
    out.push_str("</li>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_collapses_whitespace() {
        assert_eq!(esc("a & <b> \"c\" 'd'"), "a &amp; &lt;b&gt; &quot;c&quot; &#39;d&#39;");
        assert_eq!(esc("two\n    lines\u{7}"), "two lines");
        assert_eq!(esc("]]> -->"), "]]&gt; --&gt;");
    }

    #[test]
    fn code_spans_pair_up_and_stay_escaped() {
        assert_eq!(rich("add `unresolved -> <x>` here"), "add <code>unresolved -&gt; &lt;x&gt;</code> here");
        assert_eq!(rich("one ` left"), "one ` left");
        assert_eq!(rich("`a` and `b` and `"), "<code>a</code> and <code>b</code> and `");
        assert_eq!(rich("**bold**"), "bold");
    }
}
