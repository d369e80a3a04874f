//! `escalate diff`: what a revision of a protocol changes, in its meaning
//! rather than its text.
//!
//! Two resolved models are compared element by element: the header, parties
//! (by name), exits and outcomes (by name), the `at any stage` rules, stages
//! (matched by id, then by title, so a renumbered stage is "renamed", not
//! removed and added), their routes (by condition and target), and
//! exceptions. Each timescale is shown before and after as written. Then the
//! worst case and limit (as `compare` computes them) and the findings fixed
//! and introduced. Spans, layout, comments, notes and quotes are not
//! compared: moving them changes nothing a disagreement goes through.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use crate::Report;
use crate::compare::Summary;
use crate::diagnostic::{Finding, Severity};
use crate::model::{Condition, FinalKind, Pathway, Protocol, Route, Stage, Step};

/// One difference between the two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed: `protocol`, `party chair`, `stage 3`, `at any stage`.
    pub subject: String,
    /// Which part of it: `within`, `route unresolved -> stage 4`, ...; empty
    /// when the whole subject was added or removed.
    pub what: String,
    pub kind: Kind,
    /// As written in the old version.
    pub before: Option<String>,
    /// As written in the new version.
    pub after: Option<String>,
    /// News a board should see first: a route for a child at immediate risk
    /// added or removed.
    pub notable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

/// A finding as the diff names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRef {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
}

/// The worst case as `compare` shows it, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub worst_case: Option<String>,
    pub limit: Option<String>,
}

/// Everything that differs between two versions.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// How the old and new versions were named on the command line.
    pub old: String,
    pub new: String,
    pub changes: Vec<Change>,
    pub before: Figures,
    pub after: Figures,
    pub fixed: Vec<FindingRef>,
    pub introduced: Vec<FindingRef>,
}

impl Diff {
    /// True when the two versions mean the same.
    pub fn is_same(&self) -> bool {
        self.changes.is_empty()
            && self.before == self.after
            && self.fixed.is_empty()
            && self.introduced.is_empty()
    }

    /// Compare two checked files; `None` if either did not load.
    pub fn of(old: &Report, new: &Report) -> Option<Diff> {
        let (a, b) = (old.protocol.as_ref()?, new.protocol.as_ref()?);
        if old.has_input_error() || new.has_input_error() {
            return None;
        }
        let mut d = Differ { changes: Vec::new() };
        d.protocol(a, b);
        let figures = |r: &Report| {
            let s = Summary::of(r);
            Figures {
                worst_case: s.as_ref().and_then(|s| s.worst_case.as_ref()).map(|w| {
                    let days = crate::timescale::WorkingDays(w.days);
                    if w.unbounded && w.days == 0 {
                        format!("no bound, to {}", w.end)
                    } else if w.unbounded {
                        format!("at least {days}, with no bound, to {}", w.end)
                    } else {
                        format!("{days} to {}", w.end)
                    }
                }),
                limit: s.and_then(|s| s.limit),
            }
        };
        let (fixed, introduced) = findings(&old.findings, &new.findings);
        Some(Diff {
            old: old.path.clone(),
            new: new.path.clone(),
            changes: d.changes,
            before: figures(old),
            after: figures(new),
            fixed,
            introduced,
        })
    }
}

/// Findings in `old` and not in `new` (fixed), and the other way (introduced),
/// matched by code and message, counting repeats.
fn findings(old: &[Finding], new: &[Finding]) -> (Vec<FindingRef>, Vec<FindingRef>) {
    let key = |f: &Finding| (f.code, f.message.clone());
    let count = |list: &[Finding]| {
        let mut counts: HashMap<_, usize> = HashMap::new();
        for f in list.iter().filter(|f| f.is_active()) {
            *counts.entry(key(f)).or_default() += 1;
        }
        counts
    };
    let only = |from: &[Finding], other: HashMap<_, usize>| {
        let mut other = other;
        let mut out = Vec::new();
        for f in from.iter().filter(|f| f.is_active()) {
            match other.get_mut(&key(f)) {
                Some(n) if *n > 0 => *n -= 1,
                _ => out.push(FindingRef {
                    code: f.code.as_str(),
                    severity: match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    message: f.message.clone(),
                }),
            }
        }
        out
    };
    (only(old, count(new)), only(new, count(old)))
}

struct Differ {
    changes: Vec<Change>,
}

/// How a route reads: `unresolved -> stage 4`.
fn route_key(p: &Protocol, r: &Route, rename: &dyn Fn(String) -> String) -> String {
    format!("{} -> {}", condition(&r.condition), rename(p.target_name(r.target)))
}

pub(crate) fn condition(c: &Condition) -> String {
    match c {
        Condition::Resolved => "resolved".to_string(),
        Condition::Unresolved => "unresolved".to_string(),
        Condition::ImmediateRisk => "immediate risk".to_string(),
        Condition::NoResponse => "no response".to_string(),
        Condition::If(text) => format!("if \"{text}\""),
    }
}

fn timescale_text(t: Option<&crate::timescale::Timescale>) -> String {
    t.map_or_else(|| "no timescale".to_string(), ToString::to_string)
}

impl Differ {
    fn push(&mut self, subject: &str, what: &str, kind: Kind, before: Option<String>, after: Option<String>) {
        self.changes.push(Change {
            subject: subject.to_string(),
            what: what.to_string(),
            kind,
            before,
            after,
            notable: false,
        });
    }

    /// A value that may be there or not, before and after.
    fn value(&mut self, subject: &str, what: &str, before: Option<String>, after: Option<String>) {
        match (before, after) {
            (Some(a), Some(b)) if a != b => self.push(subject, what, Kind::Changed, Some(a), Some(b)),
            (Some(a), None) => self.push(subject, what, Kind::Removed, Some(a), None),
            (None, Some(b)) => self.push(subject, what, Kind::Added, None, Some(b)),
            _ => {}
        }
    }

    /// Two keyed lists: what was removed, added, and changed (by `inner`).
    fn keyed<T>(
        &mut self,
        subject: &dyn Fn(&str) -> String,
        old: Vec<(String, T)>,
        new: Vec<(String, T)>,
        show: &dyn Fn(&T) -> String,
        inner: &mut dyn FnMut(&mut Differ, &str, &T, &T),
    ) {
        let new_by: HashMap<&str, &T> = new.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let old_by: HashMap<&str, &T> = old.iter().map(|(k, v)| (k.as_str(), v)).collect();
        for (k, v) in &old {
            match new_by.get(k.as_str()) {
                Some(w) => inner(self, &subject(k), v, w),
                None => self.push(&subject(k), "", Kind::Removed, Some(show(v)), None),
            }
        }
        for (k, v) in &new {
            if !old_by.contains_key(k.as_str()) {
                self.push(&subject(k), "", Kind::Added, None, Some(show(v)));
            }
        }
    }

    fn protocol<'p>(&mut self, a: &'p Protocol, b: &'p Protocol) {
        let subject = "protocol";
        self.value(subject, "title", Some(quoted(&a.title)), Some(quoted(&b.title)));
        self.value(subject, "source", a.source.as_deref().map(quoted), b.source.as_deref().map(quoted));
        self.value(subject, "calendar", a.calendar.clone(), b.calendar.clone());
        let limit = |p: &Protocol| p.limit.as_ref().map(|l| l.timescale.to_string());
        self.value(subject, "limit", limit(a), limit(b));
        self.allows(subject, &a.allows, &b.allows);

        // Parties.
        let parties = |p: &'p Protocol| named(&p.parties, |x| x.name.clone());
        let show_party = |x: &&crate::model::Party| {
            let mut s = format!("\"{}\"", x.title);
            if let Some(agency) = &x.agency {
                s.push_str(&format!(" agency \"{agency}\""));
            }
            if let Some(level) = x.level {
                s.push_str(&format!(" level {level}"));
            }
            s
        };
        self.keyed(&|k| format!("party {k}"), parties(a), parties(b), &show_party, &mut |d, s, x, y| {
            d.value(s, "title", Some(quoted(&x.title)), Some(quoted(&y.title)));
            d.value(s, "agency", x.agency.as_deref().map(quoted), y.agency.as_deref().map(quoted));
            d.value(s, "level", x.level.map(|l| l.to_string()), y.level.map(|l| l.to_string()));
        });

        // Exits and outcomes.
        let exits = |p: &'p Protocol| named(&p.exits, |x| x.name.clone());
        let show_exit = |x: &&crate::model::Exit| match &x.timescale {
            Some(t) => format!("\"{}\" within {t}", x.title),
            None => format!("\"{}\"", x.title),
        };
        self.keyed(&|k| format!("exit {k}"), exits(a), exits(b), &show_exit, &mut |d, s, x, y| {
            d.value(s, "title", Some(quoted(&x.title)), Some(quoted(&y.title)));
            let t = |e: &crate::model::Exit| e.timescale.as_ref().map(ToString::to_string);
            d.value(s, "timescale", t(x), t(y));
        });
        let outcomes = |p: &'p Protocol| named(&p.outcomes, |x| x.name.clone());
        let show_outcome = |x: &&crate::model::Outcome| format!("\"{}\"", x.title);
        self.keyed(
            &|k| format!("outcome {k}"),
            outcomes(a),
            outcomes(b),
            &show_outcome,
            &mut |d, s, x, y| d.value(s, "title", Some(quoted(&x.title)), Some(quoted(&y.title))),
        );

        // Stages: by id, then by title among the ones left.
        let matched = match_stages(a, b);
        // Old route targets are named as the new version names them (one
        // map, so a diff stays linear in the number of routes).
        let renamed: HashMap<String, String> = matched
            .iter()
            .filter(|&(&i, &j)| a.stages[i].id != b.stages[j].id)
            .map(|(&i, &j)| (a.stages[i].display_id(), b.stages[j].display_id()))
            .collect();
        let rename = |name: String| -> String { renamed.get(&name).cloned().unwrap_or(name) };
        let same = |name: String| name;

        // `at any stage` rules.
        let items =
            |rules: &[crate::model::Scoped<Route>]| rules.iter().map(|r| r.item.clone()).collect::<Vec<_>>();
        let steps =
            |rules: &[crate::model::Scoped<Step>]| rules.iter().map(|r| r.item.clone()).collect::<Vec<_>>();
        self.routes("at any stage", a, &items(&a.rule_routes), b, &items(&b.rule_routes), &rename, &same);
        self.steps("at any stage", "record", &steps(&a.rule_records), &steps(&b.rule_records));
        self.steps("at any stage", "send", &steps(&a.rule_sends), &steps(&b.rule_sends));
        // Before the first stage, on each pathway (a block's by its name).
        let before = |p: &Protocol, send: bool| -> Vec<(String, Step)> {
            p.before
                .iter()
                .filter(|x| x.send == send)
                .map(|x| (p.pathway_name(x.pathway).to_string(), x.step.clone()))
                .collect()
        };
        for send in [false, true] {
            let (old, new) = (before(a, send), before(b, send));
            let mut pathways: Vec<&String> = old.iter().chain(&new).map(|(n, _)| n).collect();
            pathways.sort();
            pathways.dedup();
            for pathway in pathways {
                let of = |list: &[(String, Step)]| -> Vec<Step> {
                    list.iter().filter(|(n, _)| n == pathway).map(|(_, s)| s.clone()).collect()
                };
                let subject = format!("before the first stage of {pathway}");
                self.steps(&subject, if send { "send" } else { "step" }, &of(&old), &of(&new));
            }
        }

        let mut taken = vec![false; b.stages.len()];
        for &j in matched.values() {
            taken[j] = true;
        }
        for (i, s) in a.stages.iter().enumerate() {
            match matched.get(&i) {
                Some(&j) => self.stage(a, s, b, &b.stages[j], &rename, &same),
                None => self.push(&s.display_id(), "", Kind::Removed, Some(format!("\"{}\"", s.title)), None),
            }
        }
        for (j, s) in b.stages.iter().enumerate() {
            if !taken[j] {
                let where_ = pathway_name(b, s.pathway);
                self.push(
                    &s.display_id(),
                    "",
                    Kind::Added,
                    None,
                    Some(format!(
                        "\"{}\"{}",
                        s.title,
                        where_.map(|w| format!(" in {w}")).unwrap_or_default()
                    )),
                );
                // A new stage's immediate-risk route is news too.
                for r in s.routes.iter().filter(|r| r.condition == Condition::ImmediateRisk) {
                    self.changes.push(Change {
                        subject: s.display_id(),
                        what: format!("route {}", route_key(b, r, &same)),
                        kind: Kind::Added,
                        before: None,
                        after: r.timescale.as_ref().map(ToString::to_string),
                        notable: true,
                    });
                }
            }
        }

        // Exceptions.
        let exceptions = |p: &'p Protocol| named(&p.exceptions, |x| x.name.clone());
        let show_exception = |x: &&crate::model::Exception| format!("\"{}\"", x.title);
        self.keyed(
            &|k| format!("exception {k}"),
            exceptions(a),
            exceptions(b),
            &show_exception,
            &mut |d, s, x, y| {
                d.value(s, "title", Some(quoted(&x.title)), Some(quoted(&y.title)));
                let start_a = x.start.map(|t| rename(a.target_name(t)));
                let start_b = y.start.map(|t| b.target_name(t));
                d.value(s, "start", start_a, start_b);
            },
        );
    }

    fn allows(&mut self, subject: &str, a: &[crate::model::Allow], b: &[crate::model::Allow]) {
        let list = |l: &[crate::model::Allow]| {
            l.iter().map(|x| (x.code.as_str().to_string(), format!("\"{}\"", x.reason))).collect::<Vec<_>>()
        };
        let (old, new) = (list(a), list(b));
        for (code, reason) in &old {
            if !new.iter().any(|(c, _)| c == code) {
                self.push(subject, &format!("allow {code}"), Kind::Removed, Some(reason.clone()), None);
            }
        }
        for (code, reason) in &new {
            if !old.iter().any(|(c, _)| c == code) {
                self.push(subject, &format!("allow {code}"), Kind::Added, None, Some(reason.clone()));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn routes(
        &mut self,
        subject: &str,
        a: &Protocol,
        old: &[Route],
        b: &Protocol,
        new: &[Route],
        rename: &dyn Fn(String) -> String,
        same: &dyn Fn(String) -> String,
    ) {
        let old = named(old, |x| route_key(a, x, rename));
        let new = named(new, |x| route_key(b, x, same));
        let new_by: BTreeMap<&str, &Route> = new.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let old_by: BTreeMap<&str, &Route> = old.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        for (k, r) in &old {
            let what = format!("route {k}");
            match new_by.get(k.as_str()) {
                Some(s) => {
                    let (x, y) =
                        (timescale_text(r.timescale.as_deref()), timescale_text(s.timescale.as_deref()));
                    if x != y {
                        self.push(subject, &what, Kind::Changed, Some(x), Some(y));
                    }
                    // Records made and copies sent when the route is taken.
                    self.steps(subject, &format!("{what} and record"), &r.records, &s.records);
                    self.steps(subject, &format!("{what} and send"), &r.sends, &s.sends);
                }
                None => {
                    self.push(
                        subject,
                        &what,
                        Kind::Removed,
                        r.timescale.as_ref().map(ToString::to_string),
                        None,
                    );
                    if r.condition == Condition::ImmediateRisk
                        && let Some(last) = self.changes.last_mut()
                    {
                        last.notable = true;
                    }
                }
            }
        }
        for (k, r) in &new {
            if !old_by.contains_key(k.as_str()) {
                self.changes.push(Change {
                    subject: subject.to_string(),
                    what: format!("route {k}"),
                    kind: Kind::Added,
                    before: None,
                    after: r.timescale.as_ref().map(ToString::to_string),
                    notable: r.condition == Condition::ImmediateRisk,
                });
            }
        }
    }

    /// Steps or records, matched by their text; the timescale shown for each.
    fn steps(&mut self, subject: &str, word: &str, a: &[Step], b: &[Step]) {
        let (old, new) = (named(a, |s| s.text.clone()), named(b, |s| s.text.clone()));
        for (text, s) in &old {
            let what = format!("{word} \"{text}\"");
            match new.iter().find(|(t, _)| t == text) {
                Some((_, n)) => {
                    let (x, y) = (timescale_text(s.timescale.as_ref()), timescale_text(n.timescale.as_ref()));
                    if x != y {
                        self.push(subject, &what, Kind::Changed, Some(x), Some(y));
                    }
                }
                None => self.push(
                    subject,
                    &what,
                    Kind::Removed,
                    s.timescale.as_ref().map(ToString::to_string),
                    None,
                ),
            }
        }
        for (text, s) in &new {
            if !old.iter().any(|(t, _)| t == text) {
                let what = format!("{word} \"{text}\"");
                self.push(subject, &what, Kind::Added, None, s.timescale.as_ref().map(ToString::to_string));
            }
        }
        let order = |l: &[(String, &Step)], other: &[(String, &Step)]| {
            l.iter()
                .filter(|(t, _)| other.iter().any(|(u, _)| u == t))
                .map(|(t, _)| t.clone())
                .collect::<Vec<_>>()
        };
        let (x, y) = (order(&old, &new), order(&new, &old));
        if word == "step" && x != y {
            self.push(subject, "order of steps", Kind::Changed, Some(x.join("; ")), Some(y.join("; ")));
        }
    }

    fn stage(
        &mut self,
        a: &Protocol,
        x: &Stage,
        b: &Protocol,
        y: &Stage,
        rename: &dyn Fn(String) -> String,
        same: &dyn Fn(String) -> String,
    ) {
        let subject = y.display_id();
        if x.id != y.id {
            self.push(&subject, "id", Kind::Changed, Some(x.display_id()), Some(y.display_id()));
        }
        self.value(&subject, "title", Some(quoted(&x.title)), Some(quoted(&y.title)));
        let pathway =
            |p: &Protocol, s: &Stage| pathway_name(p, s.pathway).unwrap_or_else(|| "the main ladder".into());
        self.value(&subject, "pathway", Some(pathway(a, x)), Some(pathway(b, y)));
        let parties = |p: &Protocol, s: &Stage| {
            s.all_parties().map(|ix| p.parties[ix.0].name.clone()).collect::<Vec<_>>().join(", ")
        };
        let (pa, pb) = (parties(a, x), parties(b, y));
        self.value(
            &subject,
            "parties",
            Some(pa).filter(|s| !s.is_empty()),
            Some(pb).filter(|s| !s.is_empty()),
        );
        let timed = |t: &Option<Box<crate::model::Timed>>| t.as_ref().map(|t| t.timescale.to_string());
        self.value(&subject, "within", timed(&x.within), timed(&y.within));
        self.value(&subject, "cumulative", timed(&x.cumulative), timed(&y.cumulative));
        let final_ = |s: &Stage| {
            s.final_authority.map(|k| match k {
                FinalKind::Decision => "final decision".to_string(),
                FinalKind::Mediation => "final mediation".to_string(),
            })
        };
        self.value(&subject, "final authority", final_(x), final_(y));
        self.steps(&subject, "step", &x.steps, &y.steps);
        self.steps(&subject, "record", &x.records, &y.records);
        self.steps(&subject, "send", &x.sends, &y.sends);
        self.routes(&subject, a, &x.routes, b, &y.routes, rename, same);
        self.allows(&subject, &x.allows, &y.allows);
    }
}

fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

/// Each item with its key.
fn named<T>(items: &[T], key: impl Fn(&T) -> String) -> Vec<(String, &T)> {
    items.iter().map(|x| (key(x), x)).collect()
}

/// `exception cp-conference`, or `None` for the main ladder.
fn pathway_name(p: &Protocol, pathway: Pathway) -> Option<String> {
    match pathway {
        Pathway::Main => None,
        Pathway::Exception(i) => p.exceptions.get(i).map(|e| format!("exception {}", e.name)),
    }
}

/// Old stage index -> new stage index: by id first, then by title among
/// stages left unmatched (a renumbered stage keeps its title).
pub(crate) fn match_stages(a: &Protocol, b: &Protocol) -> HashMap<usize, usize> {
    let by_id: HashMap<&str, usize> = b.stages.iter().enumerate().map(|(j, s)| (s.id.as_str(), j)).collect();
    let mut matched = HashMap::new();
    let mut taken = vec![false; b.stages.len()];
    for (i, s) in a.stages.iter().enumerate() {
        if let Some(&j) = by_id.get(s.id.as_str()) {
            matched.insert(i, j);
            taken[j] = true;
        }
    }
    let mut by_title: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, s) in b.stages.iter().enumerate().rev() {
        if !taken[j] {
            by_title.entry(s.title.as_str()).or_default().push(j);
        }
    }
    for (i, s) in a.stages.iter().enumerate() {
        if matched.contains_key(&i) {
            continue;
        }
        if let Some(j) = by_title.get_mut(s.title.as_str()).and_then(Vec::pop) {
            matched.insert(i, j);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> Diff {
        let a = crate::check_source("old.esc", old.to_string());
        let b = crate::check_source("new.esc", new.to_string());
        Diff::of(&a, &b).expect("both load")
    }

    const P: &str = "protocol \"p\"\nexit mash \"MASH\" within same working day\noutcome agreed \"Agreed\"\n\
        stage 1 \"One\" { within 2 working days record \"r\" resolved -> agreed unresolved -> stage 2 immediate risk -> mash }\n\
        stage 2 \"Two\" { within 3 working days record \"r\" final decision resolved -> agreed immediate risk -> mash }\n";

    #[test]
    fn a_file_against_itself_is_the_same() {
        assert!(diff(P, P).is_same());
    }

    #[test]
    fn a_renumbered_stage_is_matched_by_title() {
        let new = P.replace("stage 2", "stage 3");
        let d = diff(P, &new);
        let whats: Vec<&str> = d.changes.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["id"], "{:?}", d.changes);
        assert_eq!(d.changes[0].after.as_deref(), Some("stage 3"));
    }
}
