//! Memory of `check`: the most heap it holds at once grows with its input,
//! not faster (issue 27).
//!
//! A test binary of its own, because it counts every allocation with its own
//! global allocator (`tests/cli/` runs the real program, whose allocator is
//! mimalloc). It has one test, so no other test allocates while it counts.
//! What is counted is the heap (what the program asks for), not the resident
//! memory the operating system reports, so the figures do not depend on the
//! machine, the allocator or the load.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes held and the most held at once.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(held, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let held =
                    HELD.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(held, Ordering::Relaxed);
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A clean protocol of `stages` stages, shaped like `examples/synth.rs`'s
/// main ladder (a party each, a step with a quote, two routes, a `no
/// response` branch every 10 stages).
fn synth(stages: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(stages * 250);
    let _ =
        writeln!(out, "protocol \"Synthetic protocol with {stages} stages\"\n  calendar england-and-wales\n");
    for i in 1..=stages {
        let _ = writeln!(out, "party p{i} \"Party {i}\" level {i}");
    }
    out.push_str("\nexit mash \"Referral to MASH\" within same working day\n");
    out.push_str("outcome agreed \"Agreed outcome confirmed in writing\"\n");
    out.push_str("at any stage: immediate risk -> mash\n");
    out.push_str("at any stage: record \"Discussions recorded on the child's file\"\n\n");
    for i in 1..=stages {
        let _ = writeln!(out, "stage {i} \"Stage {i}\" {{\n  parties p{i}");
        out.push_str("  step \"Discuss and try to resolve\" within 2 working days\n");
        let _ = writeln!(out, "    quote \"Synthetic stage {i}\"\n  resolved -> agreed");
        if i == stages {
            out.push_str("  final decision\n");
        } else {
            let _ = writeln!(out, "  unresolved -> stage {}", i + 1);
        }
        if i % 10 == 0 && i + 2 <= stages {
            let _ = writeln!(out, "  no response -> stage {}", i + 2);
        }
        out.push_str("}\n\n");
    }
    out
}

/// The most heap `check` holds at once on `source` (beyond what was held
/// before it began), in bytes per byte of input.
fn peak_per_byte(source: &str) -> f64 {
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let report = escalate::check_source("synth.esc", source.to_string());
    assert!(report.protocol.is_some() && report.findings.is_empty(), "synth is clean");
    drop(report);
    (PEAK.load(Ordering::Relaxed) - before) as f64 / source.len() as f64
}

/// At 1,000, 3,000 and 9,000 stages (230 KB to 2 MB, parsed in one piece and
/// in several), the peak per input byte stays the same within a quarter, and
/// under a ceiling just above today's figure (11.3 bytes a byte, after issue
/// 27; it was 14.2), so that a phase holding twice what it needs fails here.
/// The goal is 8.
#[test]
fn check_holds_a_heap_in_proportion_to_its_input() {
    let sizes = [1_000, 3_000, 9_000];
    let peaks: Vec<f64> = sizes.iter().map(|&n| peak_per_byte(&synth(n))).collect();
    let shown =
        sizes.iter().zip(&peaks).map(|(n, p)| format!("{n} stages: {p:.2} B/byte")).collect::<Vec<_>>();
    let (least, most) = peaks.iter().fold((f64::MAX, 0f64), |(l, m), &p| (l.min(p), m.max(p)));
    assert!(most <= least * 1.25, "the peak grows faster than the input: {}", shown.join(", "));
    assert!(most <= 12.5, "more heap than before: {}", shown.join(", "));
}
