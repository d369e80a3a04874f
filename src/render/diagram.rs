//! The pathway diagram, before it is drawn: what every box says and which
//! arrows join them, shared by the DOT, Mermaid and SVG renderers so that the
//! three can never disagree.
//!
//! The diagram follows the shape boards publish: a start ("Disagreement
//! between professionals"), a spine of stage boxes, a "Resolved?" decision
//! below each stage, exits beside the stage they leave from, and outcomes at
//! the bottom. Each pathway (the main ladder, then each exception) is one
//! [`Section`]: a column of [`Slot`]s from top to bottom, where a slot is one
//! node on the spine and the exits drawn beside it.
//!
//! Drawing conventions keep the picture readable, as on a printed flowchart:
//! - a route every stage inherits from `at any stage` into an exit ("at any
//!   stage, if a child is at immediate risk: refer to MASH") is drawn once, as
//!   a [`Bar`] beside the stages it applies to; a stage's own exits are drawn
//!   beside that stage;
//! - a chain of stages that the `unresolved` routes from the start never
//!   reach (an exceptional referral, a route for front-line staff) is its own
//!   framed side path, headed by where it is entered from;
//! - a route into another pathway ends at a "Continues at" connector instead
//!   of crossing the page.

use std::collections::{BTreeMap, HashMap};

use crate::analysis::Analysis;
use crate::diagnostic::{Code, Finding};
use crate::model::{Condition, FinalKind, Pathway, Protocol, Route, Stage, StageIx, Target};
use crate::timescale::{Timescale, WorkingDays, Worst};

/// Text of the start node of the main pathway.
pub const START_TEXT: &str = "Disagreement between professionals";

/// Conditions longer than this are written out in a key below the diagram
/// and the arrow says `if (A)`: a sentence of policy does not fit on an arrow.
const INLINE_CONDITION_CHARS: usize = 24;

/// What a node stands for; each renderer gives each kind its own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Where a pathway begins.
    Start,
    /// A stage of the ladder.
    Stage,
    /// A stage that is a final authority: the disagreement may end here.
    Final(FinalKind),
    /// "Resolved?" after a stage.
    Decision,
    /// A way out of the disagreement process (MASH, police, another procedure).
    Exit,
    /// How a disagreement ends.
    Outcome,
    /// A route into another pathway: "Continues at Stage 1".
    Goto,
    /// Where a still-unresolved disagreement has nowhere to go (a finding).
    DeadEnd,
    /// An exception that states something but has no pathway of its own.
    Note,
    /// An exit every stage of a pathway inherits (`at any stage`), drawn once
    /// beside them all.
    Bar,
}

/// How a line of text in a node is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A small line naming the kind of box ("Exit", "Final decision").
    Heading,
    /// The box's name, in bold.
    Title,
    /// Parties and other detail.
    Body,
    /// Timescales.
    Timing,
}

/// One paragraph of a node's text, not yet wrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub style: Style,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    pub texts: Vec<Text>,
    /// Findings about this node, one per code, in code order.
    pub marks: Vec<Code>,
    /// The node's own time is bounded (its box gives a number of days), so
    /// an unbounded-timescale badge is about a step or route inside it.
    pub bounded: bool,
}

impl Node {
    /// The badge for one of this node's findings, in words that agree with
    /// what the box says.
    pub fn badge(&self, code: Code) -> Option<Mark> {
        let mut m = mark(code)?;
        if code == Code::UnboundedTimescale && self.bounded {
            m.words = "a step or route here has no bound";
        }
        Some(m)
    }
}

/// How an arrow is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// From a start, a stage into its decision, or any other ordinary route.
    Flow,
    /// "Resolved?" answered yes.
    Yes,
    /// "Resolved?" answered no.
    No,
    /// Into an exit: leaves the disagreement process (dashed).
    Exit,
    /// To a dead-end marker: the protocol gives no route (dotted).
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    pub label: Option<String>,
    /// A `discretionary` or `implied` route: the text only allows it, or
    /// never states it (drawn dashed; the label says which, in words).
    pub dashed: bool,
    /// An `implied` route: the text never states it (the label ends
    /// "(implied)", and the SVG's description lists it).
    pub implied: bool,
}

/// A node on the spine and the nodes drawn beside it (exits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub main: usize,
    pub side: Vec<usize>,
}

/// A column of slots: the main ladder, a side path or an exception (framed,
/// with a header), or the outcomes that end the main pathway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `None` for the main ladder and its outcomes; the frame's header for
    /// a side path or an exception.
    pub header: Option<String>,
    pub slots: Vec<Slot>,
}

/// An `at any stage` exit drawn once beside the stages it applies to, from
/// the node `first` to the node `last` (both on the spine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub node: usize,
    pub first: usize,
    pub last: usize,
    /// Every stage node it applies to, top to bottom.
    pub stages: Vec<usize>,
}

/// A long condition, written out once below the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footnote {
    pub key: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    pub title: String,
    /// Set by `render --subtitle`: shown instead of the source line.
    pub subtitle: Option<String>,
    pub source: Option<String>,
    /// The protocol's overall limit, as written.
    pub limit: Option<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The main ladder first, its side paths, its outcomes, then each
    /// exception in the file's order.
    pub sections: Vec<Section>,
    /// `at any stage` exits, one per pathway and route.
    pub bars: Vec<Bar>,
    pub footnotes: Vec<Footnote>,
    /// Every finding code marked anywhere, for the legend, in code order.
    pub legend: Vec<Code>,
    /// Findings about the protocol as a whole (no stage), as text.
    pub general: Vec<(Code, String)>,
}

/// How a finding is marked: a letter in a badge, a few words, and a colour
/// (the letter and words carry the meaning; the colour only helps).
pub struct Mark {
    pub letter: char,
    pub words: &'static str,
    pub colour: &'static str,
}

/// The mark for a finding code; `None` for codes not drawn (input errors,
/// unused `allow` lines).
pub fn mark(code: Code) -> Option<Mark> {
    let (letter, words, colour) = match code {
        Code::DeadEnd => ('D', "no route if still unresolved", "#b91c1c"),
        Code::NoWayOut => ('C', "circle with no way out", "#b91c1c"),
        Code::MissingImmediateRiskExit => ('R', "no route marked immediate risk", "#b91c1c"),
        Code::LimitExceeded => ('L', "passes the time limit", "#b91c1c"),
        Code::UnboundedTimescale => ('T', "a timescale with no bound", "#92400e"),
        Code::Unreachable => ('U', "never reached", "#92400e"),
        // On the stage whose route leads on to no one more senior.
        Code::NotEscalating => ('E', "escalates to no one more senior", "#92400e"),
        Code::MissingRecord => ('W', "nothing recorded in writing", "#92400e"),
        _ => return None,
    };
    Some(Mark { letter, words, colour })
}

impl Diagram {
    /// Build the diagram of a protocol; `findings` are marked on it unless
    /// `None` (`--no-findings`). Silenced findings are never marked.
    pub fn build(protocol: &Protocol, analysis: &Analysis, findings: Option<&[Finding]>) -> Diagram {
        // Per place: a grouped finding marks each stage it is about.
        let active: Vec<Finding> = findings
            .unwrap_or_default()
            .iter()
            .filter(|f| f.is_active() && mark(f.code).is_some())
            .flat_map(Finding::per_location)
            .collect();
        let mut stage_marks: Vec<Vec<Code>> = vec![Vec::new(); protocol.stages.len()];
        let mut general = Vec::new();
        let stage_index: HashMap<&str, usize> =
            protocol.stages.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        for finding in &active {
            let stage = finding.stage.as_deref().and_then(|id| stage_index.get(id).copied());
            match stage {
                Some(i) => stage_marks[i].push(finding.code),
                None => general.push((finding.code, plain(&finding.message))),
            }
        }
        // The overall limit is marked where the worst case passes it: on each
        // main-pathway stage that starts within the limit and ends beyond it.
        let limit = protocol.limit.as_ref().and_then(|l| l.timescale.bound());
        let over_limit = general.iter().any(|(code, _)| *code == Code::LimitExceeded);
        let finish: Vec<Worst> = protocol.stages_with_ix().map(|(ix, _)| analysis.stage_finish(ix)).collect();
        let mut passes = vec![None; protocol.stages.len()];
        if let (Some(bound), true) = (limit, over_limit) {
            let equal = protocol.pathways();
            for (ix, _) in protocol.stages_with_ix().filter(|(_, s)| equal.contains(&s.pathway)) {
                let end = finish[ix.0].days;
                let start = analysis.stage_start(ix).days;
                if end > bound && start <= bound {
                    passes[ix.0] = Some(bound);
                    stage_marks[ix.0].push(Code::LimitExceeded);
                }
            }
        }
        for marks in &mut stage_marks {
            marks.sort();
            marks.dedup();
        }

        let mut b = Builder {
            p: protocol,
            finish,
            open: protocol.stages_with_ix().map(|(ix, _)| analysis.stage_open(ix)).collect(),
            passes,
            stage_marks,
            nodes: Vec::new(),
            edges: Vec::new(),
            sections: Vec::new(),
            bars: Vec::new(),
            footnotes: Vec::new(),
        };
        let main_start = protocol.main_stages().next().map(|(ix, _)| Target::Stage(ix));
        // A document that begins where another procedure ends names it: the
        // first box says where the disagreement comes from.
        let start_text = match &protocol.begins_after {
            Some(entry) => format!("After {}", entry.text),
            None => START_TEXT.to_string(),
        };
        // Only pathways of equal standing: no main ladder to draw.
        if main_start.is_some() || !protocol.exceptions.iter().any(|e| e.parallel && e.start.is_some()) {
            b.section(Pathway::Main, None, start_text, main_start);
        }
        for (i, exception) in protocol.exceptions.iter().enumerate() {
            // The header names the kind of pathway; its start box names
            // the situation, as the main start does. A pathway of equal
            // standing gives its worst case, as the analysis found it.
            let header = Some(match analysis.case(Pathway::Exception(i)) {
                Some(case) if exception.parallel => {
                    let w = case.worst.worst;
                    let days = if w.unbounded {
                        format!("no bound, at least {}", w.days)
                    } else {
                        w.days.to_string()
                    };
                    format!("Pathway: worst case {days}")
                }
                _ if exception.parallel => "Pathway".to_string(),
                _ => "Exception".to_string(),
            });
            if exception.start.is_none() && exception.stages.is_empty() {
                let texts =
                    vec![text(Style::Title, &exception.title), text(Style::Body, "No pathway of its own")];
                let note = b.node(Kind::Note, texts, Vec::new());
                b.sections.push(Section { header, slots: vec![Slot { main: note, side: Vec::new() }] });
            } else {
                let start = b.nodes.len();
                b.section(Pathway::Exception(i), header, exception.title.clone(), exception.start);
                // The section's start box names the document it comes from.
                for source in &exception.sources {
                    b.nodes[start].texts.push(text(Style::Body, &format!("Source: {source}")));
                }
            }
        }

        let mut legend: Vec<Code> =
            b.nodes.iter().flat_map(|n| n.marks.iter().copied()).chain(general.iter().map(|g| g.0)).collect();
        legend.sort();
        legend.dedup();
        Diagram {
            title: protocol.title.clone(),
            subtitle: None,
            // Every document the file encodes, the first as the header names it.
            source: protocol.source.as_ref().map(|first| {
                std::iter::once(first)
                    .chain(&protocol.further_sources)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            }),
            limit: protocol.limit.as_ref().map(|l| {
                let advisory = if protocol.is_advisory(&l.timescale) { " (advisory)" } else { "" };
                format!("{}{advisory}", l.timescale.described())
            }),
            nodes: b.nodes,
            edges: b.edges,
            sections: b.sections,
            bars: b.bars,
            footnotes: b.footnotes,
            legend,
            general,
        }
    }

    /// The section each node is drawn in.
    pub fn section_of(&self) -> Vec<usize> {
        let mut of = vec![0; self.nodes.len()];
        for (s, section) in self.sections.iter().enumerate() {
            for slot in &section.slots {
                for &n in std::iter::once(&slot.main).chain(&slot.side) {
                    of[n] = s;
                }
            }
        }
        of
    }
}

struct Builder<'a> {
    p: &'a Protocol,
    /// Per stage: its worst-case finish from its pathway's start.
    finish: Vec<Worst>,
    /// Per stage: its own time has no bound.
    open: Vec<bool>,
    /// Per stage: the overall limit, if the worst case passes it there.
    passes: Vec<Option<WorkingDays>>,
    stage_marks: Vec<Vec<Code>>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    sections: Vec<Section>,
    bars: Vec<Bar>,
    footnotes: Vec<Footnote>,
}

/// A node that ends a section's column: an outcome or a connector.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Terminal {
    Outcome(usize),
    Goto(StageIx),
}

/// Per section, while it is built: the terminals met so far, with the last
/// slot that routes to each (to order them so that arrows nest).
#[derive(Default)]
struct Terminals {
    found: Vec<(Terminal, usize, usize)>,
}

impl Terminals {
    fn node(&mut self, b: &mut Builder, which: Terminal, from_slot: usize) -> usize {
        if let Some(entry) = self.found.iter_mut().find(|e| e.0 == which) {
            entry.2 = entry.2.max(from_slot);
            return entry.1;
        }
        let node = match which {
            Terminal::Outcome(i) => {
                let outcome = &b.p.outcomes[i];
                let mut texts = vec![text(Style::Heading, "Outcome"), text(Style::Title, &outcome.title)];
                for source in &outcome.sources {
                    texts.push(text(Style::Body, &format!("Source: {source}")));
                }
                b.node(Kind::Outcome, texts, Vec::new())
            }
            Terminal::Goto(ix) => {
                let stage = b.p.stage(ix);
                let pathway = match stage.pathway {
                    Pathway::Main => "main pathway".to_string(),
                    Pathway::Exception(i) if b.p.exceptions[i].parallel => {
                        format!("pathway: {}", b.p.exceptions[i].title)
                    }
                    Pathway::Exception(i) => format!("exception: {}", b.p.exceptions[i].title),
                };
                let texts = vec![
                    text(Style::Heading, "Continues at"),
                    text(Style::Title, &stage_title(stage)),
                    text(Style::Body, &format!("({pathway})")),
                ];
                b.node(Kind::Goto, texts, Vec::new())
            }
        };
        self.found.push((which, node, from_slot));
        node
    }
}

impl Builder<'_> {
    fn node(&mut self, kind: Kind, texts: Vec<Text>, marks: Vec<Code>) -> usize {
        self.nodes.push(Node { kind, texts, marks, bounded: false });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        self.edges.push(Edge { from, to, kind, label, dashed: false, implied: false });
    }

    /// One pathway's columns: start, stages (each with its own exits and
    /// decision), side paths, then outcomes and connectors; and the pathway's
    /// `at any stage` exits as bars.
    fn section(
        &mut self,
        pathway: Pathway,
        header: Option<String>,
        start_text: String,
        start: Option<Target>,
    ) {
        let p = self.p;
        let members: Vec<StageIx> =
            p.stages_with_ix().filter(|(_, s)| s.pathway == pathway).map(|(i, _)| i).collect();
        let chains = spine_chains(p, &members, start);
        let order: Vec<StageIx> = chains.iter().flatten().copied().collect();

        let mut terminals = Terminals::default();
        // What happens before the first stage, on the start.
        let mut start_texts = vec![text(Style::Title, &start_text)];
        for b in p.before_of(pathway) {
            let kind = if b.send { "Before the first stage, copy" } else { "Before the first stage" };
            start_texts.push(text(Style::Body, &format!("{kind}: {}", p.send_words(&b.step))));
        }
        let start_node = self.node(Kind::Start, start_texts, Vec::new());
        let mut column = vec![Slot { main: start_node, side: Vec::new() }];
        let mut stage_node: BTreeMap<StageIx, usize> = BTreeMap::new();
        for &ix in &order {
            let node = self.stage_node(ix);
            stage_node.insert(ix, node);
        }

        // The start's route.
        if let Some(target) = start {
            let to = match target {
                Target::Stage(ix) if stage_node.contains_key(&ix) => Some(stage_node[&ix]),
                Target::Stage(ix) => Some(terminals.node(self, Terminal::Goto(ix), 0)),
                Target::Outcome(i) => Some(terminals.node(self, Terminal::Outcome(i.0), 0)),
                Target::Exit(i) => {
                    let exit = self.exit_node(i.0);
                    column[0].side.push(exit);
                    self.edge(start_node, exit, EdgeKind::Exit, None);
                    None
                }
            };
            if let Some(to) = to {
                self.edge(start_node, to, EdgeKind::Flow, None);
            }
        }

        // Inherited exits, one bar per `at any stage` route: (rule index,
        // bar node, stage nodes it applies to).
        let mut bars: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        let mut bar_of: Vec<Option<usize>> = vec![None; p.rule_routes.len()];
        // Where each chain begins in the column.
        let mut chain_first = vec![false; p.stages.len()];
        for chain in &chains {
            if let Some(first) = chain.first() {
                chain_first[first.0] = true;
            }
        }
        let mut chain_at: Vec<usize> = Vec::new();

        // Each stage's routes, with the decision (and any dead-end marker)
        // after each stage.
        for &ix in &order {
            if chain_first[ix.0] {
                chain_at.push(column.len());
            }
            let stage = p.stage(ix);
            let node = stage_node[&ix];
            let routes: Vec<(&Route, Option<usize>)> = p.routes_of(ix).collect();

            // Own exits beside the stage: one box per exit, one arrow per box.
            let mut side = Vec::new();
            let mut exit_labels: Vec<(usize, Vec<String>, bool)> = Vec::new();
            for &(route, rule) in &routes {
                // A shared route is drawn once, as a bar beside the ladder:
                // every `at any stage` exit, and every other `at any stage`
                // route but `resolved` / `unresolved` (which answer each
                // stage's "Resolved?"). Drawn per stage, N rules over N
                // stages made N² arrows (an 812 KB file, a 2.27 GB SVG; issue 26).
                if let Some(rule) = rule
                    && shared(route)
                {
                    match bar_of[rule] {
                        Some(at) => bars[at].2.push(node),
                        None => {
                            let bar = self.bar_node(route);
                            bar_of[rule] = Some(bars.len());
                            bars.push((rule, bar, vec![node]));
                        }
                    }
                    continue;
                }
                let Target::Exit(e) = route.target else { continue };
                let label = self.condition_label(&route.condition, false, route.timescale.as_deref());
                let label = format!("{label}{}", route_marks(self.p, route));
                match exit_labels.iter_mut().find(|(x, _, _)| *x == e.0) {
                    Some((_, labels, implied)) => {
                        labels.push(label);
                        *implied |= route.implied;
                    }
                    None => exit_labels.push((e.0, vec![label], route.implied)),
                }
            }
            for (e, labels, implied) in exit_labels {
                let exit = self.exit_node(e);
                side.push(exit);
                self.edge(node, exit, EdgeKind::Exit, Some(labels.join(" / ")));
                if let Some(edge) = self.edges.last_mut() {
                    edge.implied = implied;
                }
            }
            column.push(Slot { main: node, side });
            let stage_slot = column.len() - 1;

            // A "Resolved?" diamond only where the protocol answers it both
            // ways or leaves "No" to a finding: a stage with no `resolved`
            // route just carries on, as its arrow says.
            let final_stage = stage.final_authority.is_some();
            let dead_end = self.stage_marks[ix.0].contains(&Code::DeadEnd);
            let resolved = routes
                .iter()
                .any(|(r, _)| r.condition == Condition::Resolved && !matches!(r.target, Target::Exit(_)));
            let decision = (!final_stage && resolved).then(|| {
                let d = self.node(Kind::Decision, vec![text(Style::Title, "Resolved?")], Vec::new());
                self.edge(node, d, EdgeKind::Flow, None);
                column.push(Slot { main: d, side: Vec::new() });
                d
            });
            let decision_slot = column.len() - 1;

            for &(route, rule) in &routes {
                if matches!(route.target, Target::Exit(_)) || (rule.is_some() && shared(route)) {
                    continue;
                }
                let answer = matches!(route.condition, Condition::Resolved | Condition::Unresolved);
                let (from, from_slot, kind) = match (decision, &route.condition) {
                    (Some(d), Condition::Resolved) => (d, decision_slot, EdgeKind::Yes),
                    (Some(d), Condition::Unresolved) => (d, decision_slot, EdgeKind::No),
                    _ => (node, stage_slot, EdgeKind::Flow),
                };
                let label = self.condition_label(
                    &route.condition,
                    decision.is_some() && answer,
                    route.timescale.as_deref(),
                );
                let to = match route.target {
                    Target::Stage(t) if stage_node.contains_key(&t) => stage_node[&t],
                    Target::Stage(t) => terminals.node(self, Terminal::Goto(t), from_slot),
                    Target::Outcome(o) => terminals.node(self, Terminal::Outcome(o.0), from_slot),
                    Target::Exit(_) => continue,
                };
                let label = format!("{label}{}", route_marks(self.p, route));
                self.edge(from, to, kind, Some(label));
                if let Some(edge) = self.edges.last_mut() {
                    edge.dashed = route.discretionary || route.implied;
                    edge.implied = route.implied;
                }
                // Whom the route is for and goes through (issue 23), on its arrow.
                if let Some(words) = p.whom_words(route.for_whom.as_ref(), &route.through)
                    && let Some(label) = self.edges.last_mut().and_then(|e| e.label.as_mut())
                {
                    label.push_str(&format!(" · {words}"));
                }
            }

            if dead_end && !final_stage {
                // `no outcome described`: in the encoder's words, as `dead-end` says it.
                let why = match stage.no_outcome {
                    Some(_) => "The text describes no outcome if the disagreement is still unresolved",
                    None => "The protocol gives no route if the disagreement is still unresolved",
                };
                let texts = vec![text(Style::Heading, "Dead end"), text(Style::Body, why)];
                // The stage carries the finding's badge; this box shows where.
                let stub = self.node(Kind::DeadEnd, texts, Vec::new());
                let (from, label) = match decision {
                    Some(d) => (d, "No"),
                    None => (node, "if still unresolved"),
                };
                self.edge(from, stub, EdgeKind::Missing, Some(label.to_string()));
                column.push(Slot { main: stub, side: Vec::new() });
            }
        }

        // Terminals last, ordered by the last slot that reaches each, so
        // that the arrows into them nest instead of crossing.
        let mut found = terminals.found;
        found.sort_by_key(|&(_, node, last)| (last, node));
        let terminal_at = column.len();
        column.extend(found.into_iter().map(|(_, node, _)| Slot { main: node, side: Vec::new() }));

        // The main ladder's side paths each get a frame of their own, headed
        // by where they are entered from; an exception keeps its one frame.
        let first = self.sections.len();
        if pathway == Pathway::Main && chain_at.len() > 1 {
            let mut bounds = vec![0];
            bounds.extend(&chain_at[1..]);
            bounds.push(terminal_at);
            let mut slots = column.into_iter();
            for (k, w) in bounds.windows(2).enumerate() {
                let part: Vec<Slot> = slots.by_ref().take(w[1] - w[0]).collect();
                let header = (k > 0).then(|| self.entry_header(part.first().map_or(0, |s| s.main)));
                self.sections.push(Section { header, slots: part });
            }
            let tail: Vec<Slot> = slots.collect();
            if !tail.is_empty() {
                self.sections.push(Section { header: None, slots: tail });
            }
        } else {
            self.sections.push(Section { header, slots: column });
        }

        // Each bar runs from the first stage it applies to down to the last.
        // (A map from node to place: searching the spine for each stage of
        // each bar took N² per bar.)
        let on_spine: HashMap<usize, usize> = self.sections[first..]
            .iter()
            .flat_map(|s| s.slots.iter().map(|slot| slot.main))
            .enumerate()
            .map(|(at, node)| (node, at))
            .collect();
        for (_, node, stages) in bars {
            let mut stages: Vec<usize> = stages;
            stages.sort_by_key(|n| on_spine.get(n).copied());
            if let (Some(&first), Some(&last)) = (stages.first(), stages.last()) {
                self.bars.push(Bar { node, first, last, stages });
            }
        }
    }

    /// A side path's header: `Side path, entered from Stage 3 (if (A))`.
    fn entry_header(&self, first: usize) -> String {
        let mut from: Vec<String> = Vec::new();
        for e in self.edges.iter().filter(|e| e.to == first) {
            let source = self.nodes[e.from].texts.iter().find(|t| t.style == Style::Title);
            let Some(source) = source else { continue };
            let name = short_name(&source.text);
            // The header has room for a condition's words, which the arrow
            // may have left to a footnote.
            let label = e.label.as_deref().map(|label| {
                let key = label.strip_prefix("if (").and_then(|k| k.strip_suffix(')'));
                match key.and_then(|k| self.footnotes.iter().find(|f| f.key == k)) {
                    Some(f) => f.text.clone(),
                    None => label.to_string(),
                }
            });
            let entry = match label {
                Some(label) if label != "Yes" && label != "No" => format!("{name} ({label})"),
                _ => name,
            };
            if !from.contains(&entry) {
                from.push(entry);
            }
        }
        if from.is_empty() {
            "Side path, which no route enters".to_string()
        } else {
            format!("Side path, entered from {}", from.join("; "))
        }
    }

    /// An `at any stage` route drawn once: the condition, where it leads,
    /// how soon (for an exit, its timescale).
    fn bar_node(&mut self, route: &Route) -> usize {
        let node = self.bar_node_texts(route);
        // What the route says beyond where it leads: implied, discretionary,
        // its `and record`s and sources, in words.
        let marks = route_marks(self.p, route);
        if let Some(extra) = marks.strip_prefix(' ') {
            self.nodes[node].texts.push(text(Style::Body, extra));
        }
        node
    }

    fn bar_node_texts(&mut self, route: &Route) -> usize {
        let p = self.p;
        let exit = match route.target {
            Target::Exit(e) => &p.exits[e.0],
            Target::Outcome(o) => {
                let texts = vec![
                    text(Style::Heading, "At any stage"),
                    text(Style::Body, &bar_when(route)),
                    text(Style::Title, &p.outcomes[o.0].title),
                ];
                return self.node(Kind::Bar, texts, Vec::new());
            }
            Target::Stage(ix) => {
                let stage = p.stage(ix);
                let texts = vec![
                    text(Style::Heading, "At any stage"),
                    text(Style::Body, &bar_when(route)),
                    text(Style::Title, &format!("Stage {}: {}", stage.id, stage.title)),
                ];
                return self.node(Kind::Bar, texts, Vec::new());
            }
        };
        let when = bar_when(route);
        let timescale = match &exit.timescale {
            Some(t) if t.bound().is_some() => t.to_string(),
            Some(t) => format!("{t} (no time limit)"),
            None => "no timescale given".to_string(),
        };
        let mut texts = vec![
            text(Style::Heading, "At any stage"),
            text(Style::Body, &when),
            text(Style::Title, &exit.title),
            text(Style::Timing, &timescale),
        ];
        for source in &exit.sources {
            texts.push(text(Style::Body, &format!("Source: {source}")));
        }
        self.node(Kind::Bar, texts, Vec::new())
    }

    fn stage_node(&mut self, ix: StageIx) -> usize {
        let p = self.p;
        let stage = p.stage(ix);
        let mut texts = Vec::new();
        let kind = match stage.final_authority {
            Some(kind) => {
                let heading = match kind {
                    FinalKind::Decision => "Final decision",
                    FinalKind::Mediation => "Final mediation",
                };
                texts.push(text(Style::Heading, heading));
                Kind::Final(kind)
            }
            None => Kind::Stage,
        };
        texts.push(text(Style::Title, &stage_title(stage)));
        let parties: Vec<String> = stage.parties.iter().map(|choice| p.choice_title(choice)).collect();
        if !parties.is_empty() {
            texts.push(text(Style::Body, &parties.join("; ")));
        }
        texts.push(text(
            Style::Timing,
            &timing_text(self.p, stage, self.finish[ix.0], self.open[ix.0], self.passes[ix.0]),
        ));
        // A `stages A to B within` bound, on the first stage it covers.
        for span in stage.spans.iter().filter_map(|&i| p.spans.get(i)) {
            if span.stages.first() == Some(&ix) {
                texts.push(text(Style::Timing, &span_text(p, span)));
            }
        }
        // Copies and reports: no routes, so no edges; said in the box.
        for send in &stage.sends {
            texts.push(text(Style::Body, &format!("Copy: {}", p.send_words(send))));
        }
        for source in &stage.sources {
            texts.push(text(Style::Body, &format!("Source: {source}")));
        }
        let marks = self.stage_marks[ix.0].clone();
        let node = self.node(kind, texts, marks);
        self.nodes[node].bounded = !stage.duration().unbounded;
        node
    }

    fn exit_node(&mut self, e: usize) -> usize {
        let exit = &self.p.exits[e];
        let timescale = match &exit.timescale {
            Some(t) if t.bound().is_some() => t.described(),
            Some(t) => format!("{t} (no time limit)"),
            None => "no timescale given".to_string(),
        };
        let mut texts = vec![
            text(Style::Heading, "Exit"),
            text(Style::Title, &exit.title),
            text(Style::Timing, &timescale),
        ];
        for source in &exit.sources {
            texts.push(text(Style::Body, &format!("Source: {source}")));
        }
        self.node(Kind::Exit, texts, Vec::new())
    }

    /// The words on an arrow: `Yes`, `No · without delay`, `if (A)`.
    fn condition_label(
        &mut self,
        condition: &Condition,
        answer: bool,
        timescale: Option<&Timescale>,
    ) -> String {
        let words = match (condition, answer) {
            (Condition::Resolved, true) => "Yes".to_string(),
            (Condition::Unresolved, true) => "No".to_string(),
            (Condition::Resolved, false) => "resolved".to_string(),
            (Condition::Unresolved, false) => "if unresolved".to_string(),
            (Condition::ImmediateRisk, _) => "child at immediate risk".to_string(),
            (Condition::NoResponse, _) => "no response".to_string(),
            (Condition::If(words), _) if words.chars().count() <= INLINE_CONDITION_CHARS => {
                format!("if {words}")
            }
            (Condition::If(words), _) => format!("if ({})", self.footnote(words)),
        };
        match timescale {
            Some(t) => format!("{words} · {t}"),
            None => words,
        }
    }

    /// The key of a long condition's footnote; the same words share a key.
    fn footnote(&mut self, words: &str) -> String {
        let text = format!("if {words}");
        if let Some(f) = self.footnotes.iter().find(|f| f.text == text) {
            return f.key.clone();
        }
        let key = footnote_key(self.footnotes.len());
        self.footnotes.push(Footnote { key: key.clone(), text });
        key
    }
}

/// `A`, `B`, ... `Z`, `AA`, `AB`, ...
fn footnote_key(mut n: usize) -> String {
    let mut key = Vec::new();
    loop {
        key.push(char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    key.iter().rev().collect()
}

/// A pathway's stages in chains down the spine: the first follows the
/// `unresolved` routes from the start (so "No" usually points straight down),
/// then each stage not yet placed, in the file's order, starts a chain of its
/// own (a side path) and follows its `unresolved` routes.
fn spine_chains(p: &Protocol, members: &[StageIx], start: Option<Target>) -> Vec<Vec<StageIx>> {
    let mut member = vec![false; p.stages.len()];
    for ix in members {
        member[ix.0] = true;
    }
    let mut placed = vec![false; p.stages.len()];
    let mut chains = Vec::new();
    let first = match start {
        Some(Target::Stage(ix)) if member[ix.0] => Some(ix),
        _ => None,
    };
    for seed in first.into_iter().chain(members.iter().copied()) {
        let mut chain = Vec::new();
        let mut at = Some(seed);
        while let Some(ix) = at.filter(|ix| !placed[ix.0]) {
            placed[ix.0] = true;
            chain.push(ix);
            at = p.routes_of(ix).find_map(|(r, _)| match r.target {
                Target::Stage(next) if r.condition == Condition::Unresolved && member[next.0] => Some(next),
                _ => None,
            });
        }
        if !chain.is_empty() {
            chains.push(chain);
        }
    }
    chains
}

/// `Stage 3` from `Stage 3: Escalation to ...`; other titles as they are.
fn short_name(title: &str) -> String {
    match title.split_once(':') {
        Some((head, _)) if head.starts_with("Stage ") => head.to_string(),
        _ => title.to_string(),
    }
}

/// `Stage 2: Title`, or the title alone for a stage named by a word (the
/// word is for the file, the title for the reader).
pub fn stage_title(stage: &Stage) -> String {
    if !stage.id.is_empty() && stage.id.chars().all(|c| c.is_ascii_digit()) {
        format!("Stage {}: {}", stage.id, stage.title)
    } else {
        stage.title.clone()
    }
}

/// `within 2 working days · by day 7`: the stage's timescale in the
/// protocol's words, and its worst-case finish; unbounded times say so,
/// advisory ones too, and the stage where the worst case passes the overall
/// limit says that.
fn timing_text(
    p: &Protocol,
    stage: &Stage,
    finish: Worst,
    open: bool,
    passes: Option<WorkingDays>,
) -> String {
    let mut own = stage.timescale_text();
    if open {
        own = if own == "none" { "no time limit".to_string() } else { format!("{own} (no time limit)") };
    }
    if stage.within.as_ref().is_some_and(|w| p.is_advisory(&w.timescale)) {
        own.push_str(" (advisory)");
    }
    let overall = match (finish.unbounded, passes) {
        // Not "no overall limit": the protocol may declare one; this stage's
        // end has no bound.
        (true, _) => format!("ends: no bound (at least day {})", finish.days.0),
        (false, Some(limit)) => format!("by day {}: limit of {} passed", finish.days.0, limit.0),
        (false, None) => format!("by day {}", finish.days.0),
    };
    format!("{own} · {overall}")
}

fn text(style: Style, words: &str) -> Text {
    Text { style, text: words.to_string() }
}

/// A finding's message for a picture: `code` quotes become typographic ones.
fn plain(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut open = true;
    for c in message.chars() {
        if c == '`' {
            out.push(if open { '“' } else { '”' });
            open = !open;
        } else {
            out.push(c);
        }
    }
    out
}

/// Text safe to lay out: whitespace collapsed, control characters (which no
/// output format can carry) dropped. Escaping for each format comes after.
pub fn clean(text: &str) -> String {
    let kept: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Greedy word wrap to at most `width` characters a line; a word longer than
/// a line is cut. Always at least one line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in clean(text).split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if word.is_empty() {
            continue;
        }
        if len > 0 && len + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        len += word.len();
        line.extend(word);
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Whether an `at any stage` route is drawn once, as a bar: all but the
/// `resolved` / `unresolved` routes to stages and outcomes, which are the
/// answers of each stage's "Resolved?" and are drawn from it.
fn shared(route: &Route) -> bool {
    matches!(route.target, Target::Exit(_))
        || !matches!(route.condition, Condition::Resolved | Condition::Unresolved)
}

/// A bar's condition, with the route's own timescale: `if a child is at
/// immediate risk:`.
/// What a route says beyond its condition, target and timescale, in words
/// that read in greyscale and in text: ` (implied)` (the text never states
/// it), ` (discretionary)`, each `and record` with its timescale, and each
/// source. Empty for a plain route.
fn route_marks(p: &Protocol, route: &Route) -> String {
    let mut out = String::new();
    if route.implied {
        out.push_str(" (implied)");
    }
    if route.discretionary {
        out.push_str(" (discretionary)");
    }
    for record in &route.records {
        match &record.timescale {
            Some(t) => out.push_str(&format!("; and record “{}” · {t}", record.text)),
            None => out.push_str(&format!("; and record “{}”", record.text)),
        }
    }
    // Copies sent when the route is taken: no route of their own.
    for send in &route.sends {
        out.push_str(&format!("; and send: {}", p.send_words(send)));
    }
    for source in &route.sources {
        out.push_str(&format!(" (source: {source})"));
    }
    out
}

/// `Stages 1 to 3 within 15 working days`, or `Stages 1, 2 and 4 within
/// ...`: a bound over several stages, as the file gives it.
fn span_text(p: &Protocol, span: &crate::model::StageSpan) -> String {
    let ids: Vec<&str> = span.stages.iter().map(|&ix| p.stage(ix).id.as_str()).collect();
    let contiguous = span.stages.windows(2).all(|w| w[1].0 == w[0].0 + 1);
    let which = match ids.as_slice() {
        [only] => (*only).to_string(),
        [first, .., last] if contiguous && ids.len() > 2 => format!("{first} to {last}"),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    };
    let advisory = if p.is_advisory(&span.timescale) { " (advisory)" } else { "" };
    format!("Stages {which} within {}{advisory}", span.timescale)
}

fn bar_when(route: &Route) -> String {
    let when = match &route.condition {
        Condition::ImmediateRisk => "if a child is at immediate risk".to_string(),
        Condition::NoResponse => "if there is no response".to_string(),
        Condition::Resolved => "once resolved".to_string(),
        Condition::Unresolved => "if still unresolved".to_string(),
        Condition::If(words) => format!("if {words}"),
    };
    match &route.timescale {
        Some(t) => format!("{when}, {t}:"),
        None => format!("{when}:"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_any_stage_route_is_drawn_once_however_many_stages_share_it() {
        // Issue 26: N `at any stage: if ...` rules to outcomes and stages
        // over N stages were drawn on every stage, N² arrows.
        let drawn = |n: usize| {
            let mut source = String::from("protocol \"p\"\nexit mash \"MASH\" within same working day\n");
            source.push_str("outcome agreed \"Agreed\"\nat any stage: immediate risk -> mash\n");
            for i in 0..n {
                let target = match i % 3 {
                    0 => "mash".to_string(),
                    1 => "agreed".to_string(),
                    _ => format!("stage {}", n - i),
                };
                source.push_str(&format!("at any stage: if \"condition {i}\" -> {target}\n"));
            }
            for i in 1..=n {
                let next = if i == n {
                    "final decision".to_string()
                } else {
                    format!("unresolved -> stage {}", i + 1)
                };
                source.push_str(&format!(
                    "stage {i} \"S{i}\" {{ within 2 working days resolved -> agreed {next} }}\n"
                ));
            }
            let protocol = crate::load(&source).expect("loads");
            let analysis = Analysis::of(&protocol);
            let d = Diagram::build(&protocol, &analysis, None);
            (d.nodes.len() + d.edges.len() + d.bars.len(), d.bars.len())
        };
        let ((small, small_bars), (large, large_bars)) = (drawn(30), drawn(90));
        assert_eq!((small_bars, large_bars), (31, 91), "one bar per rule");
        // Linear: about 3x; drawn per stage, 9x.
        assert!(large < 4 * small, "3x the stages and rules drew {large} items against {small}");
    }

    #[test]
    fn wrapping_keeps_words_and_cuts_only_long_ones() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(wrap("a\nb\t\u{0}c", 10), vec!["a b c"]);
        for line in wrap("Stage 1: Discussion between professionals to resolve issue", 12) {
            assert!(line.chars().count() <= 12, "{line}");
        }
    }

    #[test]
    fn side_paths_are_framed_and_findings_sit_where_they_happen() {
        let source = r#"protocol "p"
limit 3 working days
exit mash "MASH" within immediately
outcome agreed "Agreed"
stage 1 "One" { within 2 working days  resolved -> agreed  unresolved -> stage 2
  if "front-line staff disagree" -> stage side immediate risk -> mash }
stage 2 "Two" { within 2 working days  resolved -> agreed  final decision }
stage side "Front line" { within 1 working day unresolved -> stage 2 }
"#;
        let protocol = crate::load(source).expect("loads");
        let analysis = Analysis::of(&protocol);
        let d = Diagram::build(&protocol, &analysis, Some(&crate::checks::run(&protocol, &analysis)));
        let headers: Vec<Option<&str>> = d.sections.iter().map(|s| s.header.as_deref()).collect();
        assert_eq!(
            headers,
            vec![None, Some("Side path, entered from Stage 1 (if front-line staff disagree)"), None]
        );
        // The main ladder's outcome comes after the side path.
        assert_eq!(d.nodes[d.sections[2].slots[0].main].kind, Kind::Outcome);
        // Stage 2 ends on day 5 at worst (through the side path), past the
        // limit of 3: marked there only.
        let texts = |kind: Kind| -> Vec<String> {
            d.nodes
                .iter()
                .filter(|n| n.kind == kind)
                .flat_map(|n| n.texts.iter().map(|t| t.text.clone()))
                .collect()
        };
        assert!(
            texts(Kind::Final(FinalKind::Decision))
                .contains(&"2 working days · by day 5: limit of 3 passed".to_string())
        );
        let marked: Vec<Kind> =
            d.nodes.iter().filter(|n| n.marks.contains(&Code::LimitExceeded)).map(|n| n.kind).collect();
        assert_eq!(marked, vec![Kind::Final(FinalKind::Decision)]);
        // The side stage has no `resolved` route: no diamond after it, an
        // arrow that says what it is.
        let side = d.sections[1].slots[0].main;
        assert_eq!(d.sections[1].slots.len(), 1);
        let out: Vec<&Edge> = d.edges.iter().filter(|e| e.from == side).collect();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].kind, out[0].label.as_deref()), (EdgeKind::Flow, Some("if unresolved")));
        // Stage 1's own exit stays beside it; there is no bar.
        assert!(d.bars.is_empty());
        assert_eq!(d.sections[0].slots[1].side.len(), 1);
    }

    #[test]
    fn footnote_keys_run_past_z() {
        assert_eq!(footnote_key(0), "A");
        assert_eq!(footnote_key(25), "Z");
        assert_eq!(footnote_key(26), "AA");
        assert_eq!(footnote_key(27), "AB");
    }

    #[test]
    fn a_ladder_reads_top_to_bottom() {
        let source = r#"protocol "p"
exit mash "MASH" within immediately
outcome agreed "Agreed"
at any stage: immediate risk -> mash
stage 1 "One" { resolved -> agreed  unresolved -> stage 2 }
stage 2 "Two" { resolved -> agreed  final decision }
"#;
        let protocol = crate::load(source).expect("loads");
        let analysis = Analysis::of(&protocol);
        let d = Diagram::build(&protocol, &analysis, Some(&crate::checks::run(&protocol, &analysis)));
        assert_eq!(d.sections.len(), 1);
        let kinds: Vec<Kind> = d.sections[0].slots.iter().map(|s| d.nodes[s.main].kind).collect();
        use Kind::*;
        assert_eq!(kinds, vec![Start, Stage, Decision, Final(FinalKind::Decision), Outcome]);
        // One MASH bar beside both stages, no box beside each.
        let sides: Vec<usize> = d.sections[0].slots.iter().map(|s| s.side.len()).collect();
        assert_eq!(sides, vec![0, 0, 0, 0, 0]);
        assert_eq!(d.bars.len(), 1);
        let stage = |i: usize| d.sections[0].slots[i].main;
        assert_eq!((d.bars[0].first, d.bars[0].last), (stage(1), stage(3)));
        assert_eq!(d.bars[0].stages, vec![stage(1), stage(3)]);
        assert_eq!(d.nodes[d.bars[0].node].kind, Kind::Bar);
        let yes = d.edges.iter().filter(|e| e.kind == EdgeKind::Yes).count();
        assert_eq!(yes, 1);
    }
}
