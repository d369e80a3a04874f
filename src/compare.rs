//! `escalate compare`: the facts a board compares its protocol on, one
//! [`Summary`] per protocol, computed from the model, the graph and the
//! findings (the renderers are in `render::compare`).

use serde::Serialize;
use std::collections::BTreeMap;

use crate::Report;
use crate::diagnostic::Severity;
use crate::model::{Condition, FinalKind, Protocol, Route, Target};

/// One protocol, as the comparison shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// As given on the command line.
    pub file: String,
    /// The file's name without `.esc`: the column heading.
    pub name: String,
    pub title: String,
    /// The edition encoded (`version`, `dated`), if the file says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    pub stages: Stages,
    /// Parties by their `level` (seniority), lowest first.
    pub levels: Vec<Level>,
    /// Parties with no `level`.
    pub unlevelled: Vec<String>,
    /// The protocol's declared overall limit, as written.
    pub limit: Option<String>,
    pub worst_case: Option<WorstCase>,
    /// Each pathway's worst case, when the protocol has several of equal
    /// standing (`pathway NAME "..." { ... }`); the first is `worst_case`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pathways: Vec<PathwayWorst>,
    pub immediate_risk: Coverage,
    pub final_authorities: Vec<Authority>,
    pub findings: Findings,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stages {
    /// On the main ladder.
    pub main: usize,
    /// In exception pathways.
    pub exceptions: usize,
    /// How many exception pathways.
    pub pathways: usize,
    /// In pathways of equal standing (`pathway NAME "..." { ... }`).
    #[serde(skip_serializing_if = "is_zero")]
    pub parallel: usize,
    /// How many pathways of equal standing.
    #[serde(skip_serializing_if = "is_zero")]
    pub parallel_pathways: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct Level {
    pub level: u32,
    /// The parties' names.
    pub parties: Vec<String>,
}

/// The latest a disagreement on the main ladder can end: at an outcome, an
/// exit reached by ordinary routes, or a final authority.
#[derive(Debug, Clone, Serialize)]
pub struct WorstCase {
    /// Working days, counting only the bounded part of the way.
    pub days: u64,
    /// Some part of the way has no bound: the worst case is at least `days`.
    pub unbounded: bool,
    /// Where that worst case ends: `stage 4`, `outcome agreed`, `exit mash`.
    pub end: String,
}

/// One pathway of several, and its worst case.
#[derive(Debug, Clone, Serialize)]
pub struct PathwayWorst {
    /// `main` for the main ladder, else the pathway's name.
    pub name: String,
    pub title: String,
    pub worst_case: WorstCase,
}

/// Stages from which a child at immediate risk leaves the process at once.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// With an immediate-risk route that acts at once.
    pub covered: usize,
    /// With an immediate-risk route, but not one that acts at once.
    pub slow: usize,
    /// Every stage, exceptions included.
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Authority {
    /// `decision` or `mediation`.
    pub kind: &'static str,
    pub stage: String,
    /// The most senior parties' titles.
    pub who: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub errors: usize,
    pub warnings: usize,
    /// Silenced by `allow` lines (not counted above).
    pub silenced: usize,
    /// Codes of the errors, with how many of each.
    pub error_codes: BTreeMap<String, usize>,
    pub warning_codes: BTreeMap<String, usize>,
}

impl Summary {
    /// The summary of a checked file; `None` if it did not load (input errors).
    pub fn of(report: &Report) -> Option<Summary> {
        let (p, analysis) = report.analysed()?;
        let name = std::path::Path::new(&report.path)
            .file_stem()
            .map_or_else(|| report.path.clone(), |s| s.to_string_lossy().into_owned());
        Some(Summary {
            file: report.path.clone(),
            name,
            title: p.title.split_whitespace().collect::<Vec<_>>().join(" "),
            edition: p.edition(),
            stages: Stages {
                main: p.main_stages().count(),
                exceptions: p.exceptions.iter().filter(|e| !e.parallel).map(|e| e.stages.len()).sum(),
                pathways: p.exceptions.iter().filter(|e| !e.parallel && e.start.is_some()).count(),
                parallel: p.exceptions.iter().filter(|e| e.parallel).map(|e| e.stages.len()).sum(),
                parallel_pathways: p.exceptions.iter().filter(|e| e.parallel).count(),
            },
            levels: levels(p),
            unlevelled: p.parties.iter().filter(|x| x.level.is_none()).map(|x| x.name.clone()).collect(),
            limit: p.limit.as_ref().map(|l| l.timescale.described()),
            worst_case: Some(WorstCase {
                days: analysis.worst.worst.days.0,
                unbounded: analysis.worst.worst.unbounded,
                end: analysis.end_name(p),
            }),
            pathways: {
                let cases = analysis.cases();
                if cases.len() < 2 {
                    Vec::new()
                } else {
                    cases
                        .iter()
                        .map(|c| PathwayWorst {
                            name: p.pathway_name(c.pathway).to_string(),
                            title: p
                                .pathway_title(c.pathway)
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" "),
                            worst_case: WorstCase {
                                days: c.worst.worst.days.0,
                                unbounded: c.worst.worst.unbounded,
                                end: c.end_name(&analysis.graph, p),
                            },
                        })
                        .collect()
                }
            },
            immediate_risk: coverage(p, &analysis.graph),
            final_authorities: authorities(p),
            findings: findings(report),
        })
    }
}

fn levels(p: &Protocol) -> Vec<Level> {
    let mut by_level: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for party in &p.parties {
        if let Some(level) = party.level {
            by_level.entry(level).or_default().push(party.name.clone());
        }
    }
    by_level.into_iter().map(|(level, parties)| Level { level, parties }).collect()
}

/// As `missing-immediate-risk-exit` judges a stage.
fn coverage(p: &Protocol, g: &crate::graph::EscalationGraph) -> Coverage {
    let risk = |r: &Route| r.condition == Condition::ImmediateRisk;
    let at_once = |r: &Route| {
        risk(r)
            && (r.timescale.as_ref().is_some_and(|t| t.is_immediate())
                || matches!(r.target, Target::Exit(e) if p.exits[e.0].timescale.as_ref().is_some_and(|t| t.is_immediate())))
    };
    let any_risk = g.first_route(p, risk);
    let at_once = g.first_route(p, at_once);
    let mut covered = 0;
    let mut slow = 0;
    for (risk, at_once) in any_risk.iter().zip(&at_once) {
        if at_once.is_some() {
            covered += 1;
        } else if risk.is_some() {
            slow += 1;
        }
    }
    Coverage { covered, slow, total: p.stages.len() }
}

fn authorities(p: &Protocol) -> Vec<Authority> {
    p.stages
        .iter()
        .filter_map(|stage| {
            let kind = match stage.final_authority? {
                FinalKind::Decision => "decision",
                FinalKind::Mediation => "mediation",
            };
            let top = p.seniority(stage);
            let who = stage
                .all_parties()
                .map(|ix| &p.parties[ix.0])
                .filter(|party| top.is_none() || party.level == top)
                .map(|party| party.title.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            Some(Authority { kind, stage: stage.display_id(), who })
        })
        .collect()
}

fn findings(report: &Report) -> Findings {
    let mut error_codes = BTreeMap::new();
    let mut warning_codes = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.is_active()) {
        let codes = if f.severity == Severity::Error { &mut error_codes } else { &mut warning_codes };
        *codes.entry(f.code.as_str().to_string()).or_insert(0) += 1;
    }
    Findings {
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        silenced: report.findings.iter().filter(|f| !f.is_active()).count(),
        error_codes,
        warning_codes,
    }
}
