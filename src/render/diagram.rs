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
//! Two drawing conventions keep the picture readable, as on a printed
//! flowchart: an exit reached from several stages is drawn once beside each
//! of them (the picture stays a ladder, not a web), and a route into another
//! pathway ends at a "Continues at" connector instead of crossing the page.

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::{Code, Finding};
use crate::graph::{EscalationGraph, Timing};
use crate::model::{Condition, FinalKind, Pathway, Protocol, Route, Stage, StageIx, Target};
use crate::timescale::{Timescale, Worst};

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
    /// A `discretionary` route: the text only allows it (drawn dashed).
    pub dashed: bool,
}

/// A node on the spine and the nodes drawn beside it (exits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub main: usize,
    pub side: Vec<usize>,
}

/// One pathway: the main ladder, or an exception (framed, with a header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `None` for the main pathway; the frame's header for an exception.
    pub header: Option<String>,
    pub slots: Vec<Slot>,
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
    pub source: Option<String>,
    /// The protocol's overall limit, as written.
    pub limit: Option<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The main pathway first, then each exception in the file's order.
    pub sections: Vec<Section>,
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
        Code::DeadEnd => ('D', "dead end", "#b91c1c"),
        Code::NoWayOut => ('C', "circle with no way out", "#b91c1c"),
        Code::MissingImmediateRiskExit => ('R', "no immediate-risk exit", "#b91c1c"),
        Code::LimitExceeded => ('L', "over the time limit", "#b91c1c"),
        Code::UnboundedTimescale => ('T', "no time limit", "#92400e"),
        Code::Unreachable => ('U', "never reached", "#92400e"),
        Code::NotEscalating => ('E', "not more senior", "#92400e"),
        Code::MissingRecord => ('W', "nothing recorded in writing", "#92400e"),
        _ => return None,
    };
    Some(Mark { letter, words, colour })
}

impl Diagram {
    /// Build the diagram of a protocol; `findings` are marked on it unless
    /// `None` (`--no-findings`). Silenced findings are never marked.
    pub fn build(protocol: &Protocol, findings: Option<&[Finding]>) -> Diagram {
        let graph = EscalationGraph::build(protocol);
        let timing = Timing::compute(protocol, &graph);
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
        for marks in &mut stage_marks {
            marks.sort();
            marks.dedup();
        }

        let mut b = Builder {
            p: protocol,
            finish: protocol
                .stages_with_ix()
                .map(|(ix, _)| timing.finish[graph.stage_node(ix).index()])
                .collect(),
            stage_marks,
            nodes: Vec::new(),
            edges: Vec::new(),
            sections: Vec::new(),
            footnotes: Vec::new(),
        };
        let main_start = protocol.main_stages().next().map(|(ix, _)| Target::Stage(ix));
        // A document that begins where another procedure ends names it: the
        // first box says where the disagreement comes from.
        let start_text = match &protocol.begins_after {
            Some(entry) => format!("After {}", entry.text),
            None => START_TEXT.to_string(),
        };
        b.section(Pathway::Main, None, start_text, main_start);
        for (i, exception) in protocol.exceptions.iter().enumerate() {
            // The header names the kind of pathway; its start box names
            // the situation, as the main start does.
            let header = Some("Exception".to_string());
            if exception.start.is_none() && exception.stages.is_empty() {
                let texts =
                    vec![text(Style::Title, &exception.title), text(Style::Body, "No pathway of its own")];
                let note = b.node(Kind::Note, texts, Vec::new());
                b.sections.push(Section { header, slots: vec![Slot { main: note, side: Vec::new() }] });
            } else {
                b.section(Pathway::Exception(i), header, exception.title.clone(), exception.start);
            }
        }

        let mut legend: Vec<Code> =
            b.nodes.iter().flat_map(|n| n.marks.iter().copied()).chain(general.iter().map(|g| g.0)).collect();
        legend.sort();
        legend.dedup();
        Diagram {
            title: protocol.title.clone(),
            source: protocol.source.clone(),
            limit: protocol.limit.as_ref().map(|l| l.timescale.to_string()),
            nodes: b.nodes,
            edges: b.edges,
            sections: b.sections,
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
    stage_marks: Vec<Vec<Code>>,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    sections: Vec<Section>,
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
                let title = &b.p.outcomes[i].title;
                b.node(
                    Kind::Outcome,
                    vec![text(Style::Heading, "Outcome"), text(Style::Title, title)],
                    Vec::new(),
                )
            }
            Terminal::Goto(ix) => {
                let stage = b.p.stage(ix);
                let pathway = match stage.pathway {
                    Pathway::Main => "main pathway".to_string(),
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
        self.nodes.push(Node { kind, texts, marks });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        self.edges.push(Edge { from, to, kind, label, dashed: false });
    }

    /// One pathway's column: start, stages (each with its exits and
    /// decision), then outcomes and connectors.
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
        let order = spine_order(p, &members, start);

        let mut slots = Vec::new();
        let mut terminals = Terminals::default();
        let start_node = self.node(Kind::Start, vec![text(Style::Title, &start_text)], Vec::new());
        slots.push(Slot { main: start_node, side: Vec::new() });
        let mut stage_node: BTreeMap<StageIx, usize> = BTreeMap::new();
        for &ix in &order {
            let node = self.stage_node(ix);
            stage_node.insert(ix, node);
            slots.push(Slot { main: node, side: Vec::new() });
        }

        // The start's route.
        if let Some(target) = start {
            let to = match target {
                Target::Stage(ix) if stage_node.contains_key(&ix) => Some(stage_node[&ix]),
                Target::Stage(ix) => Some(terminals.node(self, Terminal::Goto(ix), 0)),
                Target::Outcome(i) => Some(terminals.node(self, Terminal::Outcome(i.0), 0)),
                Target::Exit(i) => {
                    let exit = self.exit_node(i.0);
                    slots[0].side.push(exit);
                    self.edge(start_node, exit, EdgeKind::Exit, None);
                    None
                }
            };
            if let Some(to) = to {
                self.edge(start_node, to, EdgeKind::Flow, None);
            }
        }

        // Each stage's routes. Slots are rebuilt in order, with the decision
        // (and any dead-end marker) after each stage.
        let mut column = vec![slots.remove(0)];
        for (slot, &ix) in slots.into_iter().zip(&order) {
            let stage = p.stage(ix);
            let node = slot.main;
            let routes: Vec<&Route> = p.routes_of(ix).map(|(r, _)| r).collect();

            // Exits beside the stage: one box per exit, one arrow per box.
            let mut side = Vec::new();
            let mut exit_labels: Vec<(usize, Vec<String>)> = Vec::new();
            for route in &routes {
                if let Target::Exit(e) = route.target {
                    let label = self.condition_label(&route.condition, false, route.timescale.as_ref());
                    match exit_labels.iter_mut().find(|(x, _)| *x == e.0) {
                        Some((_, labels)) => labels.push(label),
                        None => exit_labels.push((e.0, vec![label])),
                    }
                }
            }
            for (e, labels) in exit_labels {
                let exit = self.exit_node(e);
                side.push(exit);
                self.edge(node, exit, EdgeKind::Exit, Some(labels.join(" / ")));
            }
            column.push(Slot { main: node, side });
            let stage_slot = column.len() - 1;

            let final_stage = stage.final_authority.is_some();
            let dead_end = self.stage_marks[ix.0].contains(&Code::DeadEnd);
            let answers: Vec<&&Route> = routes
                .iter()
                .filter(|r| matches!(r.condition, Condition::Resolved | Condition::Unresolved))
                .filter(|r| !matches!(r.target, Target::Exit(_)))
                .collect();
            let decision = (!final_stage && (!answers.is_empty() || dead_end)).then(|| {
                let d = self.node(Kind::Decision, vec![text(Style::Title, "Resolved?")], Vec::new());
                self.edge(node, d, EdgeKind::Flow, None);
                column.push(Slot { main: d, side: Vec::new() });
                d
            });
            let decision_slot = column.len() - 1;

            for route in &routes {
                if matches!(route.target, Target::Exit(_)) {
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
                    route.timescale.as_ref(),
                );
                let to = match route.target {
                    Target::Stage(t) if stage_node.contains_key(&t) => stage_node[&t],
                    Target::Stage(t) => terminals.node(self, Terminal::Goto(t), from_slot),
                    Target::Outcome(o) => terminals.node(self, Terminal::Outcome(o.0), from_slot),
                    Target::Exit(_) => continue,
                };
                self.edge(from, to, kind, Some(label));
                if route.discretionary
                    && let Some(edge) = self.edges.last_mut()
                {
                    edge.dashed = true;
                    if let Some(label) = &mut edge.label {
                        label.push_str(" (discretionary)");
                    }
                }
            }

            if let (Some(d), true) = (decision, dead_end) {
                // `no outcome described`: in the encoder's words, as `dead-end` says it.
                let why = match stage.no_outcome {
                    Some(_) => "The text describes no outcome if the disagreement is still unresolved",
                    None => "The protocol gives no route if the disagreement is still unresolved",
                };
                let texts = vec![text(Style::Heading, "Dead end"), text(Style::Body, why)];
                // The stage carries the finding's badge; this box shows where.
                let stub = self.node(Kind::DeadEnd, texts, Vec::new());
                self.edge(d, stub, EdgeKind::Missing, Some("No".to_string()));
                column.push(Slot { main: stub, side: Vec::new() });
            }
        }

        // Terminals last, ordered by the last slot that reaches each, so
        // that the arrows into them nest instead of crossing.
        let mut found = terminals.found;
        found.sort_by_key(|&(_, node, last)| (last, node));
        column.extend(found.into_iter().map(|(_, node, _)| Slot { main: node, side: Vec::new() }));
        self.sections.push(Section { header, slots: column });
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
        texts.push(text(Style::Timing, &timing_text(stage, self.finish[ix.0])));
        let marks = self.stage_marks[ix.0].clone();
        self.node(kind, texts, marks)
    }

    fn exit_node(&mut self, e: usize) -> usize {
        let exit = &self.p.exits[e];
        let timescale = match &exit.timescale {
            Some(t) if t.bound().is_some() => t.to_string(),
            Some(t) => format!("{t} (no time limit)"),
            None => "no timescale given".to_string(),
        };
        let texts = vec![
            text(Style::Heading, "Exit"),
            text(Style::Title, &exit.title),
            text(Style::Timing, &timescale),
        ];
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
            (Condition::Unresolved, false) => "unresolved".to_string(),
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

/// The order of a pathway's stages down the spine: follow the `unresolved`
/// routes from the start (so "No" usually points straight down), then take
/// each stage not yet placed in the file's order and follow its chain.
fn spine_order(p: &Protocol, members: &[StageIx], start: Option<Target>) -> Vec<StageIx> {
    let mut member = vec![false; p.stages.len()];
    for ix in members {
        member[ix.0] = true;
    }
    let mut placed = vec![false; p.stages.len()];
    let mut order = Vec::with_capacity(members.len());
    let first = match start {
        Some(Target::Stage(ix)) if member[ix.0] => Some(ix),
        _ => None,
    };
    for seed in first.into_iter().chain(members.iter().copied()) {
        let mut at = Some(seed);
        while let Some(ix) = at.filter(|ix| !placed[ix.0]) {
            placed[ix.0] = true;
            order.push(ix);
            at = p.routes_of(ix).find_map(|(r, _)| match r.target {
                Target::Stage(next) if r.condition == Condition::Unresolved && member[next.0] => Some(next),
                _ => None,
            });
        }
    }
    order
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

/// `2 working days · by day 7`; unbounded times say so.
fn timing_text(stage: &Stage, finish: Worst) -> String {
    let own = stage.duration();
    let own = if own.unbounded { "no time limit".to_string() } else { own.days.to_string() };
    let overall =
        if finish.unbounded { "no overall limit".to_string() } else { format!("by day {}", finish.days.0) };
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let d = Diagram::build(&protocol, Some(&crate::checks::run(&protocol)));
        assert_eq!(d.sections.len(), 1);
        let kinds: Vec<Kind> = d.sections[0].slots.iter().map(|s| d.nodes[s.main].kind).collect();
        use Kind::*;
        assert_eq!(kinds, vec![Start, Stage, Decision, Final(FinalKind::Decision), Outcome]);
        // One MASH box beside each stage.
        let sides: Vec<usize> = d.sections[0].slots.iter().map(|s| s.side.len()).collect();
        assert_eq!(sides, vec![0, 1, 0, 1, 0]);
        let yes = d.edges.iter().filter(|e| e.kind == EdgeKind::Yes).count();
        assert_eq!(yes, 1);
    }
}
