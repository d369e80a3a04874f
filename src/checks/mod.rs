//! Phase 4, graph -> findings.
//!
//! One module per check. Each returns all its findings, never stopping at the
//! first. [`run`] then applies the protocol's `allow` lines: a silenced finding
//! keeps its place (and its reason) but no longer counts.

use crate::analysis::{Analysis, WorstCase};
use crate::diagnostic::{Code, Finding};
use crate::graph::{EscalationGraph, Timing};
use crate::model::{Protocol, Stage};

pub use crate::analysis::is_end;

mod ambiguous_anchor;
mod conflicted_exit;
mod dead_end;
mod discretionary_only;
mod implied_route;
mod late_record;
mod limit_exceeded;
mod missing_immediate_risk_exit;
mod missing_record;
mod mixed_units;
mod no_way_out;
mod not_escalating;
mod unbounded_timescale;
mod unit_mismatch;
mod unreachable;

/// What every check reads.
pub struct Context<'a> {
    pub protocol: &'a Protocol,
    pub graph: &'a EscalationGraph,
    pub timing: &'a Timing,
    /// Per node: on the main pathway.
    pub main: &'a [bool],
    /// Per node: some outcome, exit or final authority can be reached from it.
    pub can_end: &'a [bool],
    /// The main pathway's worst case.
    pub worst: &'a WorstCase,
    /// Every pathway of equal standing, with its own timing and worst case
    /// (the first is `timing`, `main` and `worst` above).
    pub cases: Vec<crate::analysis::Case<'a>>,
    pub analysis: &'a Analysis,
    /// Both readings of every unclear anchor.
    pub readings: &'a [crate::analysis::Reading],
}

type Check = fn(&Context) -> Vec<Finding>;

/// The checks, in the order their findings are reported for one span.
const CHECKS: &[Check] = &[
    dead_end::check,
    no_way_out::check,
    unreachable::check,
    unbounded_timescale::check,
    missing_immediate_risk_exit::check,
    limit_exceeded::check,
    not_escalating::check,
    missing_record::check,
    mixed_units::check,
    unit_mismatch::check,
    late_record::check,
    discretionary_only::check,
    conflicted_exit::check,
    ambiguous_anchor::check,
    implied_route::check,
];

/// Stages from which the checks run on every core.
const PARALLEL_STAGES: usize = 2_000;

/// Run every check on a protocol's analysis and apply `allow` lines.
pub fn run(protocol: &Protocol, analysis: &Analysis) -> Vec<Finding> {
    let cx = Context {
        protocol,
        graph: &analysis.graph,
        timing: &analysis.timing,
        main: &analysis.main,
        can_end: &analysis.can_end,
        worst: &analysis.worst,
        cases: analysis.cases(),
        analysis,
        readings: &analysis.readings,
    };
    // On every core for a large protocol (for a small one, starting the
    // threads would cost more than they save); in the same order either way.
    let threads =
        if protocol.stages.len() >= PARALLEL_STAGES { crate::parallel::threads_for(CHECKS.len()) } else { 1 };
    let mut findings: Vec<Finding> =
        crate::parallel::each(CHECKS, threads, |check| check(&cx)).into_iter().flatten().collect();
    apply_allows(protocol, &mut findings);
    findings.sort_by_key(|f| (f.span.map_or(0, |s| s.start), f.code));
    crate::diagnostic::group(findings)
}

fn apply_allows(protocol: &Protocol, findings: &mut Vec<Finding>) {
    if protocol.allows.is_empty() && protocol.stages.iter().all(|s| s.allows.is_empty()) {
        return;
    }
    // Which allow lines were used: the protocol's, then each stage's.
    let mut used_protocol = vec![false; protocol.allows.len()];
    let mut used_stage: Vec<Vec<bool>> =
        protocol.stages.iter().map(|s| vec![false; s.allows.len()]).collect();
    let stage_index: std::collections::HashMap<&str, usize> =
        protocol.stages.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    // The first allow line for each code (the one that silences), found once:
    // searching the lines for every finding would take quadratic time in a
    // file with thousands of each.
    let mut first_protocol = std::collections::HashMap::new();
    for (j, a) in protocol.allows.iter().enumerate() {
        first_protocol.entry(a.code).or_insert(j);
    }
    let mut first_stage = std::collections::HashMap::new();
    for (i, s) in protocol.stages.iter().enumerate() {
        for (j, a) in s.allows.iter().enumerate() {
            first_stage.entry((i, a.code)).or_insert(j);
        }
    }
    for finding in findings.iter_mut() {
        if let Some(&i) = finding.stage.as_deref().and_then(|id| stage_index.get(id))
            && let Some(&j) = first_stage.get(&(i, finding.code))
        {
            used_stage[i][j] = true;
            finding.allowed = Some(protocol.stages[i].allows[j].reason.clone());
            continue;
        }
        if let Some(&j) = first_protocol.get(&finding.code) {
            used_protocol[j] = true;
            finding.allowed = Some(protocol.allows[j].reason.clone());
        }
    }
    let unused_protocol = protocol.allows.iter().zip(&used_protocol).map(|(a, used)| (a, used, None));
    let unused_stage = protocol
        .stages
        .iter()
        .zip(&used_stage)
        .flat_map(|(s, used)| s.allows.iter().zip(used).map(move |(a, u)| (a, u, Some(s))));
    for (allow, &used, stage) in unused_protocol.chain(unused_stage) {
        if used {
            continue;
        }
        let mut finding = Finding::new(
            Code::UnusedAllow,
            format!("`allow {}` silences nothing{}", allow.code, where_(stage)),
        )
        .at(allow.span, "nothing to silence")
        .help(format!("nothing here triggers `{}`: remove this line", allow.code));
        if let Some(stage) = stage {
            finding = finding.stage(stage.id.clone());
        }
        findings.push(finding);
    }
}

fn where_(stage: Option<&Stage>) -> String {
    stage.map_or(String::new(), |s| format!(" in `{}`", s.display_id()))
}

/// `` `stage 2` ("Title") `` for messages.
pub fn stage_name(stage: &Stage) -> String {
    format!("`{}` (\"{}\")", stage.display_id(), shorten(&stage.title, 50))
}

/// The first quote on an element, for help lines: `the source says: "..."`.
pub fn source_says(quotes: &[crate::model::Quote]) -> String {
    match quotes.first() {
        Some(q) => format!("; the source says: \"{}\"", shorten(&q.text, 160)),
        None => String::new(),
    }
}

pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}
