//! A layered layout specialised for escalation ladders.
//!
//! Generic layouts (Graphviz's `dot`, `layout-rs`) know nothing of the
//! shape a board's flowchart has, and a pure-Rust one drew it badly (see
//! `docs/performance.md`). This one places what it is given in a fixed
//! grid, so it is small, fast and deterministic:
//!
//! ```text
//!  left lanes | spine          | gutter  | side column | right lanes
//!     │       | [Stage 1]  - - - label - ->[Exit]      |
//!     │       |    ↓           |         |             |
//!     ├──────<|<Resolved?>─────────────────────────────────┐ Yes
//!     │       |    ↓ No        |         |             |   │
//! ```
//!
//! - Sections (one per pathway) are stacked top to bottom; each is a column
//!   of slots; a slot is one node on the spine and the nodes beside it.
//! - An edge from a spine node to the next slot's spine node goes straight
//!   down; an edge to a node beside its source crosses the gutter (with an
//!   elbow when the side nodes are stacked taller than their source).
//! - Every other edge runs in a vertical lane, left of the spine or right of
//!   the side column as the caller prefers. Edges to the same node share a
//!   lane (they merge, like the "Yes" lines of a printed ladder); lanes are
//!   given out shortest span first, so nested spans nest instead of crossing.
//! - Bars (a route every stage inherits, drawn once) stand right of the
//!   lanes, as tall as the stages they apply to; bars that overlap go side
//!   by side, and a frame that a bar reaches into from above stops short of it.
//! - Edge labels sit where nothing else can: beside a downward edge, above
//!   a lane edge between its node and the innermost lane, above a side edge
//!   after the last elbow.
//!
//! Units are SVG pixels; y grows downwards. The output is a pure function of
//! the input: the same graph always gives the same coordinates. Each step
//! takes time in proportion to the size of the graph (times a logarithm,
//! and the number of lanes, where lanes are shared out).

use std::collections::BTreeMap;

/// A point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// A width and height.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Size {
    pub w: f64,
    pub h: f64,
}

/// An axis-aligned rectangle; `x`, `y` is the top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    /// True if the two share any area (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }
}

/// A node's outline, which decides where edges meet it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Rect,
    /// A rectangle with corners of this radius.
    Rounded(f64),
    /// A rhombus touching the middle of each side of its box.
    Diamond,
}

impl Shape {
    /// The x where a horizontal line at `y` meets the outline, on the left or
    /// right; `y` is clamped into the box.
    pub fn boundary_x(&self, r: &Rect, y: f64, left: bool) -> f64 {
        let y = y.clamp(r.y, r.bottom());
        let inset = match *self {
            Shape::Rect => 0.0,
            Shape::Diamond => r.w / 2.0 * ((y - r.cy()).abs() / (r.h / 2.0)).min(1.0),
            Shape::Rounded(radius) => {
                let radius = radius.min(r.w / 2.0).min(r.h / 2.0);
                let dy = (r.y + radius - y).max(y - (r.bottom() - radius)).max(0.0);
                radius - (radius * radius - dy * dy).max(0.0).sqrt()
            }
        };
        if left { r.x + inset } else { r.right() - inset }
    }
}

/// Which side of the drawing a lane edge runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    pub size: Size,
    pub shape: Shape,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeSpec {
    pub from: usize,
    pub to: usize,
    /// The label's size, if it has one.
    pub label: Option<Size>,
    /// Where the edge runs if it needs a lane. `Right` is honoured only
    /// where no side node is in the way (neither end has nodes beside it).
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotSpec {
    pub main: usize,
    pub side: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SectionSpec {
    /// A framed section's header block; `None` draws no frame.
    pub header: Option<Size>,
    pub slots: Vec<SlotSpec>,
}

/// A node drawn once beside a run of spine nodes, from `first` to `last`
/// (an `at any stage` exit): as tall as the run, right of everything else.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSpec {
    pub node: usize,
    pub first: usize,
    pub last: usize,
}

/// What to lay out.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub nodes: Vec<NodeSpec>,
    pub edges: Vec<EdgeSpec>,
    pub sections: Vec<SectionSpec>,
    /// Bars, right of the lanes; edges to or from them are not routed.
    pub bars: Vec<BarSpec>,
    /// Space kept free above the first section (for a title).
    pub top: f64,
    /// The drawing is at least this wide.
    pub min_width: f64,
}

/// Where an edge runs: a polyline from the source's outline to the
/// target's, and the top left corner of its label.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeRoute {
    pub points: Vec<Point>,
    pub label: Option<Point>,
}

/// A framed section: its rectangle and the top left of its header.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub rect: Rect,
    pub header: Point,
}

/// The result: every node's box, every edge's route, every frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    /// The bottom of the lowest section plus the margin.
    pub height: f64,
    pub nodes: Vec<Rect>,
    pub edges: Vec<EdgeRoute>,
    pub frames: Vec<Option<Frame>>,
}

/// Space around the drawing.
pub const MARGIN: f64 = 20.0;
/// Between two lanes.
const LANE_GAP: f64 = 12.0;
/// At least this much between the innermost left lane and the spine.
const LANE_PAD: f64 = 18.0;
/// Between the side column (or spine) and the first right lane.
const RIGHT_PAD: f64 = 20.0;
/// Between two slots of a column.
const SLOT_GAP: f64 = 26.0;
/// Between two nodes stacked beside one spine node.
const SIDE_GAP: f64 = 12.0;
/// From the spine's right edge to the first elbow of a side edge.
const ELBOW_START: f64 = 24.0;
/// Between two elbows.
const ELBOW_GAP: f64 = 8.0;
/// The gutter between spine and side column is at least this wide.
const GUTTER_MIN: f64 = 48.0;
/// Between a label and the line it names.
const LABEL_GAP: f64 = 3.0;
/// Inside a frame, around its content.
const FRAME_PAD: f64 = 12.0;
/// Between two sections.
const SECTION_GAP: f64 = 24.0;

/// How an edge is drawn, once classified.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    /// Straight down to the next slot.
    Down,
    /// Across the gutter to a node beside the source.
    Side,
    /// In a lane on this channel.
    Lane(Channel),
}

/// Edges that share a lane: all lane edges on one channel into one node.
struct Group {
    channel: Channel,
    target: usize,
    edges: Vec<usize>,
    /// First and last global slot the group spans.
    lo: usize,
    hi: usize,
    lane: usize,
}

/// Geometry of one slot relative to its centre line (the spine node's middle).
#[derive(Default, Clone)]
struct SlotGeo {
    above: f64,
    below: f64,
    /// Centre of each side node, relative to the slot's centre.
    side_dy: Vec<f64>,
    /// Per side edge: (edge, port dy, target dy, elbow position if any).
    side_edges: Vec<(usize, f64, f64, Option<usize>)>,
    /// Where side-edge labels start, right of the spine.
    label_dx: f64,
}

/// Lay out a graph. Nodes that no slot holds are given slots of their own at
/// the end, so that every node and edge is placed.
pub fn layout(spec: &Spec) -> Layout {
    let mut sections = spec.sections.clone();
    let mut held = vec![false; spec.nodes.len()];
    for bar in &spec.bars {
        if let Some(h) = held.get_mut(bar.node) {
            *h = true;
        }
    }
    for slot in sections.iter().flat_map(|s| &s.slots) {
        for &n in std::iter::once(&slot.main).chain(&slot.side) {
            if let Some(h) = held.get_mut(n) {
                *h = true;
            }
        }
    }
    let orphans: Vec<SlotSpec> =
        (0..spec.nodes.len()).filter(|&n| !held[n]).map(|main| SlotSpec { main, side: Vec::new() }).collect();
    if !orphans.is_empty() {
        sections.push(SectionSpec { header: None, slots: orphans });
    }
    let size = |n: usize| spec.nodes[n].size;

    // Where each node is: its global slot and, for a side node, its index.
    let slots: Vec<(usize, &SlotSpec)> = sections
        .iter()
        .enumerate()
        .flat_map(|(s, sec)| sec.slots.iter().map(move |slot| (s, slot)))
        .collect();
    let mut slot_of = vec![0; spec.nodes.len()];
    let mut side_of: Vec<Option<usize>> = vec![None; spec.nodes.len()];
    for (g, (_, slot)) in slots.iter().enumerate() {
        slot_of[slot.main] = g;
        for (j, &n) in slot.side.iter().enumerate() {
            slot_of[n] = g;
            side_of[n] = Some(j);
        }
    }
    let has_side = |g: usize| !slots[g].1.side.is_empty();

    // Classify the edges.
    let routes: Vec<Route> = spec
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (slot_of[e.from], slot_of[e.to]);
            let mains = side_of[e.from].is_none() && side_of[e.to].is_none();
            if a == b && side_of[e.from].is_none() && side_of[e.to].is_some() {
                Route::Side
            } else if mains && b == a + 1 && slots[a].0 == slots[b].0 {
                Route::Down
            } else if !mains || e.channel == Channel::Right && !has_side(a) && !has_side(b) {
                // A side node's free side faces right; a main node's right
                // is free only where no side node stands beside it.
                Route::Lane(Channel::Right)
            } else {
                Route::Lane(Channel::Left)
            }
        })
        .collect();

    let mut groups = lane_groups(spec, &routes, &slot_of);
    assign_lanes(&mut groups);
    let lanes = |c: Channel| groups.iter().filter(|g| g.channel == c).map(|g| g.lane + 1).max().unwrap_or(0);
    let (left_lanes, right_lanes) = (lanes(Channel::Left), lanes(Channel::Right));

    // Per slot: the side edges from its spine node, the tallest label on a
    // downward edge into it, and the tallest label of a lane edge leaving its
    // spine node, which is set above its port and so must clear the node
    // above (a route's `and record` makes it several lines tall). Indexed
    // once: protocols may be large.
    let mut side_edges: Vec<Vec<usize>> = vec![Vec::new(); slots.len()];
    let mut down_label = vec![0.0f64; slots.len()];
    let mut lane_label = vec![0.0f64; slots.len()];
    for (e, edge) in spec.edges.iter().enumerate() {
        match routes[e] {
            Route::Side => side_edges[slot_of[edge.from]].push(e),
            Route::Down => {
                let h = edge.label.map_or(0.0, |l| l.h);
                down_label[slot_of[edge.to]] = down_label[slot_of[edge.to]].max(h);
            }
            Route::Lane(_) if side_of[edge.from].is_none() => {
                let h = edge.label.map_or(0.0, |l| l.h + LABEL_GAP + 2.0);
                lane_label[slot_of[edge.from]] = lane_label[slot_of[edge.from]].max(h);
            }
            Route::Lane(_) => {}
        }
    }

    // Slot geometry, relative to each slot's centre.
    let geo: Vec<SlotGeo> =
        slots.iter().zip(&side_edges).map(|((_, slot), edges)| slot_geo(spec, slot, edges)).collect();

    // Horizontal positions.
    let spine_w = slots.iter().map(|(_, s)| size(s.main).w).fold(0.0, f64::max);
    let side_w = slots.iter().flat_map(|(_, s)| &s.side).map(|&n| size(n).w).fold(0.0, f64::max);
    let mut left_pad = LANE_PAD;
    for (e, edge) in spec.edges.iter().enumerate() {
        if let (Route::Lane(Channel::Left), Some(label)) = (routes[e], edge.label) {
            let indent = (spine_w - size(edge.from).w) / 2.0;
            left_pad = left_pad.max(label.w + 10.0 - indent);
        }
    }
    let mut gutter = 0.0;
    if side_w > 0.0 {
        gutter = GUTTER_MIN;
        for (g, edges) in side_edges.iter().enumerate() {
            let widest = edges.iter().filter_map(|&e| spec.edges[e].label.map(|l| l.w)).fold(0.0, f64::max);
            gutter = f64::max(gutter, geo[g].label_dx + widest + 10.0);
        }
    }
    // Widths of the bands left to right; a drawing narrower than asked for
    // is centred.
    let left_band = if left_lanes > 0 { (left_lanes - 1) as f64 * LANE_GAP + left_pad } else { 0.0 };
    let side_band = if side_w > 0.0 { gutter + side_w } else { 0.0 };
    let right_band = if right_lanes > 0 { RIGHT_PAD + (right_lanes - 1) as f64 * LANE_GAP } else { 0.0 };
    // Bars: bars over the same run share it, one above the other; runs
    // that overlap otherwise get columns side by side.
    let bar_span = |b: &BarSpec| {
        let (a, z) = (slot_of[b.first], slot_of[b.last]);
        (a.min(z), a.max(z))
    };
    let mut runs: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, bar) in spec.bars.iter().enumerate() {
        runs.entry(bar_span(bar)).or_default().push(i);
    }
    let mut bar_col = vec![0usize; spec.bars.len()];
    let mut col_ends: Vec<usize> = Vec::new();
    for (&(lo, hi), members) in &runs {
        let col = match col_ends.iter().position(|&end| end < lo) {
            Some(c) => c,
            None => {
                col_ends.push(0);
                col_ends.len() - 1
            }
        };
        col_ends[col] = hi;
        for &i in members {
            bar_col[i] = col;
        }
    }
    let mut col_w = vec![0.0f64; col_ends.len()];
    for (bar, &c) in spec.bars.iter().zip(&bar_col) {
        col_w[c] = col_w[c].max(size(bar.node).w);
    }
    // Bars start clear of the labels of right-lane edges, which are set
    // right of their source node (offsets from the spine's left edge).
    let default_start = spine_w
        + side_band
        + if right_lanes > 0 { RIGHT_PAD + (right_lanes - 1) as f64 * LANE_GAP } else { 0.0 }
        + RIGHT_PAD;
    let mut bar_start = default_start;
    for (e, edge) in spec.edges.iter().enumerate() {
        let (Route::Lane(Channel::Right), Some(label)) = (routes[e], edge.label) else { continue };
        let right = match side_of[edge.from] {
            Some(_) => spine_w + gutter + size(edge.from).w,
            None => (spine_w + size(edge.from).w) / 2.0,
        };
        bar_start = bar_start.max(right + 4.0 + label.w + 8.0);
    }
    let bar_extra = if spec.bars.is_empty() { 0.0 } else { bar_start - default_start };
    let bar_band: f64 = col_w.iter().map(|w| w + RIGHT_PAD).sum::<f64>() + bar_extra;
    let natural = MARGIN + left_band + spine_w + side_band + right_band + bar_band + MARGIN;
    let width = natural.max(spec.min_width);
    let spine_x = MARGIN + (width - natural) / 2.0 + left_band;
    let cx = spine_x + spine_w / 2.0;
    let spine_right = spine_x + spine_w;
    let side_x = spine_right + gutter;
    let right0 = spine_right + side_band + RIGHT_PAD;
    let lane_x = |c: Channel, lane: usize| match c {
        Channel::Left => spine_x - left_pad - lane as f64 * LANE_GAP,
        Channel::Right => right0 + lane as f64 * LANE_GAP,
    };

    // Vertical positions, slot by slot.
    let mut nodes = vec![Rect::default(); spec.nodes.len()];
    let mut centre = vec![0.0; slots.len()];
    let mut frames = Vec::with_capacity(sections.len());
    let mut y = spec.top;
    let mut g = 0;
    for section in &sections {
        let frame_top = y;
        let mut header_at = None;
        if let Some(header) = section.header {
            y += FRAME_PAD;
            header_at = Some(Point { x: MARGIN, y });
            y += header.h + 8.0;
        }
        for (i, slot) in section.slots.iter().enumerate() {
            if i > 0 {
                y += f64::max(SLOT_GAP, down_label[g] + 12.0).max(lane_label[g]);
            }
            let c = y + geo[g].above;
            centre[g] = c;
            let m = size(slot.main);
            nodes[slot.main] = Rect { x: cx - m.w / 2.0, y: c - m.h / 2.0, w: m.w, h: m.h };
            for (j, &n) in slot.side.iter().enumerate() {
                let s = size(n);
                nodes[n] = Rect { x: side_x, y: c + geo[g].side_dy[j] - s.h / 2.0, w: s.w, h: s.h };
            }
            y = c + geo[g].below;
            g += 1;
        }
        frames.push(header_at.map(|header| {
            y += FRAME_PAD;
            let x = MARGIN / 2.0;
            Frame { rect: Rect { x, y: frame_top, w: width - 2.0 * x, h: y - frame_top }, header }
        }));
        y += SECTION_GAP;
    }
    let mut height = y - SECTION_GAP + MARGIN;

    // Bars beside their runs, as tall as the run or their own text.
    let bars_x =
        right0 + if right_lanes > 0 { (right_lanes - 1) as f64 * LANE_GAP } else { -RIGHT_PAD } + bar_extra;
    for members in runs.values() {
        let first = &spec.bars[members[0]];
        let c = bar_col[members[0]];
        let x = bars_x + RIGHT_PAD + col_w[..c].iter().map(|w| w + RIGHT_PAD).sum::<f64>();
        let (a, z) = (nodes[first.first], nodes[first.last]);
        let (top, bottom) = (a.y.min(z.y), a.bottom().max(z.bottom()));
        // Each bar as tall as its text, and the rest of the run shared out.
        let gaps = (members.len() - 1) as f64 * SIDE_GAP;
        let text: f64 = members.iter().map(|&i| size(spec.bars[i].node).h).sum();
        let extra = ((bottom - top) - gaps - text).max(0.0) / members.len() as f64;
        let mut y = top;
        for &i in members {
            let s = size(spec.bars[i].node);
            nodes[spec.bars[i].node] = Rect { x, y, w: s.w, h: s.h + extra };
            y += s.h + extra + SIDE_GAP;
        }
        height = height.max(y - SIDE_GAP + MARGIN);
    }
    // A frame stops short of a bar that comes down into it from above.
    let mut first_slot = 0;
    for (frame, section) in frames.iter_mut().zip(&sections) {
        let lo = first_slot;
        first_slot += section.slots.len();
        let Some(frame) = frame else { continue };
        for bar in &spec.bars {
            let (a, z) = bar_span(bar);
            if a < lo && z >= lo {
                frame.rect.w = frame.rect.w.min(nodes[bar.node].x - 8.0 - frame.rect.x);
            }
        }
    }

    // Routes.
    let mut edges: Vec<EdgeRoute> = vec![EdgeRoute { points: Vec::new(), label: None }; spec.edges.len()];
    for (e, edge) in spec.edges.iter().enumerate() {
        if routes[e] == Route::Down {
            let (a, b) = (nodes[edge.from], nodes[edge.to]);
            let (y0, y1) = (a.bottom(), b.y);
            edges[e].points = vec![Point { x: cx, y: y0 }, Point { x: cx, y: y1 }];
            edges[e].label = edge.label.map(|l| Point { x: cx + 6.0, y: (y0 + y1) / 2.0 - l.h / 2.0 });
        }
    }
    for (g, (_, slot)) in slots.iter().enumerate() {
        let main = nodes[slot.main];
        let shape = spec.nodes[slot.main].shape;
        let label_x = spine_right + geo[g].label_dx;
        for &(e, port_dy, target_dy, elbow) in &geo[g].side_edges {
            let edge = &spec.edges[e];
            let (py, ty) = (centre[g] + port_dy, centre[g] + target_dy);
            let start = Point { x: shape.boundary_x(&main, py, false), y: py };
            let target = nodes[edge.to];
            let end = Point { x: spec.nodes[edge.to].shape.boundary_x(&target, ty, true), y: ty };
            edges[e].points = match elbow {
                Some(k) => {
                    let x = spine_right + ELBOW_START + k as f64 * ELBOW_GAP;
                    vec![start, Point { x, y: py }, Point { x, y: ty }, end]
                }
                None => vec![start, end],
            };
            edges[e].label = edge.label.map(|l| Point { x: label_x, y: ty - LABEL_GAP - l.h });
        }
    }
    route_lanes(spec, &groups, &nodes, &slot_of, &side_of, lane_x, &mut edges);

    Layout { width, height, nodes, edges, frames }
}

/// Lane edges grouped by channel and target, in order of first appearance.
fn lane_groups(spec: &Spec, routes: &[Route], slot_of: &[usize]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<(bool, usize), usize> = BTreeMap::new();
    for (e, edge) in spec.edges.iter().enumerate() {
        let Route::Lane(channel) = routes[e] else { continue };
        let (a, b) = (slot_of[edge.from], slot_of[edge.to]);
        let key = (channel == Channel::Right, edge.to);
        match index.get(&key).map(|&i| &mut groups[i]) {
            Some(g) => {
                g.edges.push(e);
                g.lo = g.lo.min(a);
                g.hi = g.hi.max(a);
            }
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    channel,
                    target: edge.to,
                    edges: vec![e],
                    lo: a.min(b),
                    hi: a.max(b),
                    lane: 0,
                });
            }
        }
    }
    groups
}

/// Give each group a lane: shortest spans first, each in the innermost lane
/// free over its whole span, so that a span inside another runs inside it.
fn assign_lanes(groups: &mut [Group]) {
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&i| (groups[i].hi - groups[i].lo, groups[i].lo, i));
    // Per channel, per lane: the spans taken, by first slot. Spans in one
    // lane never overlap, so only the last one starting within a span can
    // clash with it.
    let mut taken: [Vec<BTreeMap<usize, usize>>; 2] = [Vec::new(), Vec::new()];
    for i in order {
        let (lo, hi) = (groups[i].lo, groups[i].hi);
        let lanes = &mut taken[usize::from(groups[i].channel == Channel::Right)];
        let free =
            |spans: &BTreeMap<usize, usize>| spans.range(..=hi).next_back().is_none_or(|(_, &end)| end < lo);
        let lane = match lanes.iter().position(free) {
            Some(lane) => lane,
            None => {
                lanes.push(BTreeMap::new());
                lanes.len() - 1
            }
        };
        lanes[lane].insert(lo, hi);
        groups[i].lane = lane;
    }
}

/// A slot's geometry around its centre line: its side stack, the ports and
/// elbows of its side edges, and how far it reaches up and down.
fn slot_geo(spec: &Spec, slot: &SlotSpec, side_edges: &[usize]) -> SlotGeo {
    let main = spec.nodes[slot.main].size;
    let side_edges: Vec<usize> = {
        let mut found = side_edges.to_vec();
        let index = |e: usize| slot.side.iter().position(|&n| n == spec.edges[e].to).unwrap_or(0);
        found.sort_by_key(|&e| (index(e), e));
        found
    };
    let label_h = |n: usize| {
        side_edges
            .iter()
            .filter(|&&e| spec.edges[e].to == n)
            .filter_map(|&e| spec.edges[e].label)
            .map(|l| l.h)
            .fold(0.0, f64::max)
    };

    // Stack the side nodes, leaving room for each one's label above its line.
    let mut tops = Vec::with_capacity(slot.side.len());
    let mut y = 0.0;
    for (j, &n) in slot.side.iter().enumerate() {
        let h = spec.nodes[n].size.h;
        if j > 0 {
            let previous = spec.nodes[slot.side[j - 1]].size.h;
            y += f64::max(SIDE_GAP, label_h(n) + LABEL_GAP + 4.0 - (previous + h) / 2.0);
        }
        tops.push(y);
        y += h;
    }
    let stack = y;
    let side_dy: Vec<f64> =
        slot.side.iter().zip(&tops).map(|(&n, top)| top - stack / 2.0 + spec.nodes[n].size.h / 2.0).collect();
    let mut above = f64::max(main.h, stack) / 2.0;
    if let (Some(&first), Some(&dy)) = (slot.side.first(), side_dy.first()) {
        above = above.max(-(dy - LABEL_GAP - label_h(first)));
    }
    let below = f64::max(main.h, stack) / 2.0;

    // Ports: level with their targets when all fit on the source's side,
    // else spread evenly along it (and the edges bend in the gutter).
    let target_dy: Vec<f64> = side_edges
        .iter()
        .map(|&e| slot.side.iter().position(|&n| n == spec.edges[e].to).map_or(0.0, |j| side_dy[j]))
        .collect();
    let n = side_edges.len();
    let level = target_dy.iter().all(|dy| dy.abs() <= main.h / 2.0 - 6.0);
    let port_dy: Vec<f64> = if level {
        target_dy.clone()
    } else {
        (0..n).map(|k| -main.h / 2.0 + (k + 1) as f64 * main.h / (n + 1) as f64).collect()
    };
    // Elbows: edges going up take positions left to right from the top one,
    // edges going down right to left, so that no two cross.
    let ups: Vec<usize> = (0..n).filter(|&k| target_dy[k] < port_dy[k] - 0.5).collect();
    let downs: Vec<usize> = (0..n).filter(|&k| target_dy[k] > port_dy[k] + 0.5).collect();
    let mut elbow = vec![None; n];
    for (pos, &k) in ups.iter().enumerate() {
        elbow[k] = Some(pos);
    }
    for (pos, &k) in downs.iter().rev().enumerate() {
        elbow[k] = Some(pos);
    }
    let elbows = ups.len().max(downs.len());
    let label_dx = if elbows > 0 { ELBOW_START + elbows as f64 * ELBOW_GAP + 4.0 } else { 8.0 };
    SlotGeo {
        above,
        below,
        side_dy,
        side_edges: (0..n).map(|k| (side_edges[k], port_dy[k], target_dy[k], elbow[k])).collect(),
        label_dx,
    }
}

/// One end of a lane edge on a node's outline.
struct End {
    node: usize,
    /// The edge, or for a group's shared target end, the group's first edge.
    edge: usize,
    group: usize,
    is_target: bool,
    /// The other end is higher up the page.
    other_above: bool,
    lane: usize,
}

/// Place each lane edge's ends on its nodes and route it through its lane.
fn route_lanes(
    spec: &Spec,
    groups: &[Group],
    nodes: &[Rect],
    slot_of: &[usize],
    side_of: &[Option<usize>],
    lane_x: impl Fn(Channel, usize) -> f64,
    edges: &mut [EdgeRoute],
) {
    // Collect every end, per node and channel side.
    let mut ends: Vec<End> = Vec::new();
    // Per group, its shared target end; per edge, its source end.
    let mut target_end = vec![0; groups.len()];
    let mut source_end = vec![0; spec.edges.len()];
    for (gi, g) in groups.iter().enumerate() {
        let t = slot_of[g.target];
        let sources_above = g.edges.iter().any(|&e| slot_of[spec.edges[e].from] < t);
        target_end[gi] = ends.len();
        ends.push(End {
            node: g.target,
            edge: g.edges[0],
            group: gi,
            is_target: true,
            other_above: sources_above,
            lane: g.lane,
        });
        for &e in &g.edges {
            let from = spec.edges[e].from;
            let other_above = t < slot_of[from];
            source_end[e] = ends.len();
            ends.push(End { node: from, edge: e, group: gi, is_target: false, other_above, lane: g.lane });
        }
    }
    // Ports on one side of a node, top to bottom: ends whose other end is
    // above first (innermost lane highest), then the rest (outermost highest).
    let mut port: Vec<Point> = vec![Point { x: 0.0, y: 0.0 }; ends.len()];
    let mut by_side: BTreeMap<(usize, bool), Vec<usize>> = BTreeMap::new();
    for (i, end) in ends.iter().enumerate() {
        let left = groups[end.group].channel == Channel::Left && side_of[end.node].is_none();
        by_side.entry((end.node, left)).or_default().push(i);
    }
    for ((node, left), mut list) in by_side {
        list.sort_by_key(|&i| {
            let end = &ends[i];
            let lane = if end.other_above { end.lane as isize } else { -(end.lane as isize) };
            (!end.other_above, lane, end.edge, end.is_target)
        });
        let r = nodes[node];
        let shape = spec.nodes[node].shape;
        let n = list.len();
        for (k, &i) in list.iter().enumerate() {
            let y = r.y + (k + 1) as f64 * r.h / (n + 1) as f64;
            port[i] = Point { x: shape.boundary_x(&r, y, left), y };
        }
    }
    for (gi, g) in groups.iter().enumerate() {
        let target = port[target_end[gi]];
        let x = lane_x(g.channel, g.lane);
        for &e in &g.edges {
            let start = port[source_end[e]];
            edges[e].points = vec![start, Point { x, y: start.y }, Point { x, y: target.y }, target];
            edges[e].label = spec.edges[e].label.map(|l| {
                let x = if start.x > x { start.x - 4.0 - l.w } else { start.x + 4.0 };
                Point { x, y: start.y - LABEL_GAP - l.h }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(w: f64, h: f64) -> NodeSpec {
        NodeSpec { size: Size { w, h }, shape: Shape::Rect }
    }

    fn edge(from: usize, to: usize) -> EdgeSpec {
        EdgeSpec { from, to, label: None, channel: Channel::Left }
    }

    fn column(mains: &[usize]) -> SectionSpec {
        SectionSpec {
            header: None,
            slots: mains.iter().map(|&main| SlotSpec { main, side: vec![] }).collect(),
        }
    }

    #[test]
    fn a_chain_goes_straight_down() {
        let spec = Spec {
            nodes: vec![node(100.0, 40.0), node(200.0, 60.0), node(100.0, 40.0)],
            edges: vec![edge(0, 1), edge(1, 2)],
            sections: vec![column(&[0, 1, 2])],
            top: 0.0,
            min_width: 0.0,
            bars: vec![],
        };
        let l = layout(&spec);
        assert_eq!(l.nodes[0].cx(), l.nodes[1].cx());
        assert!(l.nodes[0].bottom() < l.nodes[1].y && l.nodes[1].bottom() < l.nodes[2].y);
        assert_eq!(l.edges[0].points.len(), 2);
        assert_eq!(l.edges[0].points[0].y, l.nodes[0].bottom());
        assert_eq!(l.edges[0].points[1].y, l.nodes[1].y);
    }

    #[test]
    fn nested_spans_get_nested_lanes() {
        // 0 -> 4 spans 1 -> 3.
        let spec = Spec {
            nodes: (0..5).map(|_| node(100.0, 40.0)).collect(),
            edges: vec![edge(0, 4), edge(1, 3)],
            sections: vec![column(&[0, 1, 2, 3, 4])],
            top: 0.0,
            min_width: 0.0,
            bars: vec![],
        };
        let l = layout(&spec);
        let outer = l.edges[0].points[1].x;
        let inner = l.edges[1].points[1].x;
        assert!(outer < inner, "the longer span runs further out: {outer} vs {inner}");
    }

    #[test]
    fn edges_into_one_node_share_a_lane() {
        let spec = Spec {
            nodes: (0..4).map(|_| node(100.0, 40.0)).collect(),
            edges: vec![edge(0, 3), edge(1, 3)],
            sections: vec![column(&[0, 1, 2, 3])],
            top: 0.0,
            min_width: 0.0,
            bars: vec![],
        };
        let l = layout(&spec);
        assert_eq!(l.edges[0].points[1].x, l.edges[1].points[1].x);
        assert_eq!(l.edges[0].points[3], l.edges[1].points[3]);
    }

    #[test]
    fn side_nodes_sit_beside_their_slot_without_overlap() {
        let spec = Spec {
            nodes: vec![node(200.0, 40.0), node(150.0, 50.0), node(150.0, 50.0)],
            edges: vec![
                EdgeSpec { from: 0, to: 1, label: Some(Size { w: 60.0, h: 12.0 }), channel: Channel::Left },
                EdgeSpec { from: 0, to: 2, label: Some(Size { w: 60.0, h: 12.0 }), channel: Channel::Left },
            ],
            sections: vec![SectionSpec { header: None, slots: vec![SlotSpec { main: 0, side: vec![1, 2] }] }],
            top: 0.0,
            min_width: 0.0,
            bars: vec![],
        };
        let l = layout(&spec);
        assert!(!l.nodes[1].overlaps(&l.nodes[2]));
        assert!(l.nodes[1].x >= l.nodes[0].right() + 60.0);
        for (e, route) in l.edges.iter().enumerate() {
            let first = route.points[0];
            let last = route.points[route.points.len() - 1];
            assert_eq!(first.x, l.nodes[0].right(), "edge {e} leaves the right side");
            assert_eq!(last.x, l.nodes[e + 1].x, "edge {e} enters the left side");
        }
    }

    #[test]
    fn diamond_outline_meets_its_vertices() {
        let r = Rect { x: 0.0, y: 0.0, w: 100.0, h: 50.0 };
        assert_eq!(Shape::Diamond.boundary_x(&r, 25.0, true), 0.0);
        assert_eq!(Shape::Diamond.boundary_x(&r, 0.0, true), 50.0);
        assert_eq!(Shape::Rounded(10.0).boundary_x(&r, 25.0, false), 100.0);
        assert_eq!(Shape::Rounded(10.0).boundary_x(&r, 0.0, true), 10.0);
    }

    /// True if `p` lies on the outline of node `n` (a side, or the top or
    /// bottom where downward edges meet it).
    fn on_outline(l: &Layout, spec: &Spec, n: usize, p: Point) -> bool {
        let r = l.nodes[n];
        let shape = spec.nodes[n].shape;
        let eps = 1e-6;
        let within_y = p.y >= r.y - eps && p.y <= r.bottom() + eps;
        let on_side = (p.x - shape.boundary_x(&r, p.y, true)).abs() < eps
            || (p.x - shape.boundary_x(&r, p.y, false)).abs() < eps;
        let on_cap =
            ((p.y - r.y).abs() < eps || (p.y - r.bottom()).abs() < eps) && (p.x - r.cx()).abs() < eps;
        within_y && (on_side || on_cap)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Random ladders, with nodes beside the spine and routes skipping
        /// up and down either side: no two boxes overlap, every edge starts
        /// and ends on its nodes' outlines, and none runs through a box.
        #[test]
        fn random_ladders_are_drawn_cleanly(
            mains in proptest::collection::vec((20.0f64..140.0, 60.0f64..320.0, 0usize..3, 0usize..3), 2..14),
            extra in proptest::collection::vec((0usize..14, 0usize..14, proptest::bool::ANY, 0.0f64..90.0), 0..12),
            bar in proptest::option::of((0usize..14, 0usize..14)),
        ) {
            let shapes = [Shape::Rect, Shape::Rounded(12.0), Shape::Diamond];
            let mut nodes = Vec::new();
            let mut slots = Vec::new();
            let mut edges = Vec::new();
            let label = |w: f64| (w > 5.0).then_some(Size { w, h: 13.0 });
            for &(h, w, shape, sides) in &mains {
                let main = nodes.len();
                nodes.push(NodeSpec { size: Size { w, h }, shape: shapes[shape] });
                let mut side = Vec::new();
                for _ in 0..sides {
                    side.push(nodes.len());
                    edges.push(EdgeSpec { from: main, to: nodes.len(), label: label(50.0), channel: Channel::Left });
                    nodes.push(NodeSpec { size: Size { w: 150.0, h: 50.0 }, shape: Shape::Rect });
                }
                slots.push(SlotSpec { main, side });
            }
            for pair in slots.windows(2) {
                edges.push(EdgeSpec { from: pair[0].main, to: pair[1].main, label: label(30.0), channel: Channel::Left });
            }
            for &(a, b, right, w) in &extra {
                let (a, b) = (slots[a % slots.len()].main, slots[b % slots.len()].main);
                let channel = if right { Channel::Right } else { Channel::Left };
                edges.push(EdgeSpec { from: a, to: b, label: label(w), channel });
            }
            let half = slots.len() / 2;
            let sections = vec![
                SectionSpec { header: None, slots: slots[..half].to_vec() },
                SectionSpec { header: Some(Size { w: 60.0, h: 15.0 }), slots: slots[half..].to_vec() },
            ];
            // A bar beside a run of spine nodes.
            let bars = bar.map(|(a, b)| {
                let (a, b) = (slots[a % slots.len()].main, slots[b % slots.len()].main);
                let node = nodes.len();
                nodes.push(NodeSpec { size: Size { w: 180.0, h: 90.0 }, shape: Shape::Rect });
                BarSpec { node, first: a.min(b), last: a.max(b) }
            });
            let spec = Spec { nodes, edges, sections, top: 40.0, min_width: 800.0, bars: bars.into_iter().collect() };
            let l = layout(&spec);
            for (i, a) in l.nodes.iter().enumerate() {
                for (j, b) in l.nodes.iter().enumerate().skip(i + 1) {
                    proptest::prop_assert!(!a.overlaps(b), "nodes {} and {} overlap: {:?} {:?}", i, j, a, b);
                }
            }
            for (e, (edge, route)) in spec.edges.iter().zip(&l.edges).enumerate() {
                let (first, last) = (route.points[0], route.points[route.points.len() - 1]);
                proptest::prop_assert!(on_outline(&l, &spec, edge.from, first), "edge {} starts off its node", e);
                proptest::prop_assert!(on_outline(&l, &spec, edge.to, last), "edge {} ends off its node", e);
                for pair in route.points.windows(2) {
                    for step in 0..=20 {
                        let t = f64::from(step) / 20.0;
                        let p = Point { x: pair[0].x + t * (pair[1].x - pair[0].x), y: pair[0].y + t * (pair[1].y - pair[0].y) };
                        for (n, r) in l.nodes.iter().enumerate() {
                            if n == edge.from || n == edge.to {
                                continue;
                            }
                            let inside = p.x > r.x + 0.5 && p.x < r.right() - 0.5 && p.y > r.y + 0.5 && p.y < r.bottom() - 0.5;
                            proptest::prop_assert!(!inside, "edge {} runs through node {}", e, n);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn layout_is_deterministic() {
        let spec = Spec {
            nodes: (0..6).map(|i| node(80.0 + i as f64, 40.0)).collect(),
            edges: vec![edge(0, 5), edge(2, 5), edge(1, 4), edge(3, 1)],
            sections: vec![
                column(&[0, 1, 2]),
                SectionSpec { header: Some(Size { w: 50.0, h: 14.0 }), ..column(&[3, 4, 5]) },
            ],
            top: 10.0,
            min_width: 300.0,
            bars: vec![],
        };
        assert_eq!(layout(&spec), layout(&spec));
        assert!(layout(&spec).frames[1].is_some());
    }
}
