//! Writes a valid synthetic protocol with N stages to stdout, for benchmarks:
//!
//! ```text
//! cargo run --release --example synth -- --stages 100000 > /tmp/big.esc
//! ```
//!
//! The main ladder has N stages with one party each, of rising seniority;
//! every 10th stage also has a `no response` branch that skips a level; one
//! exception pathway of three stages per 1,000 main stages rejoins the
//! ladder. The last stage is a final decision, so the protocol is clean.
//!
//! `--rules N` adds N `at any stage: if "..." -> ...` rules (to the exit,
//! the outcome, or a stage), the shape that used to cost rules x stages:
//!
//! ```text
//! cargo run --release --example synth -- --stages 10000 --rules 10000 > /tmp/rules.esc
//! ```

use std::fmt::Write as _;
use std::io::Write as _;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let stages = match args.iter().position(|a| a == "--stages").and_then(|i| args.get(i + 1)) {
        Some(n) => n.parse::<usize>().unwrap_or_else(|_| usage()),
        None => usage(),
    };
    let stages = stages.max(1);
    let rules = match args.iter().position(|a| a == "--rules").and_then(|i| args.get(i + 1)) {
        Some(n) => n.parse::<usize>().unwrap_or_else(|_| usage()),
        None => 0,
    };
    let mut out = String::with_capacity(stages * 300);
    let _ = writeln!(out, "protocol \"Synthetic protocol with {stages} stages\"");
    let _ = writeln!(out, "  source \"examples/synth.rs\"\n  calendar england-and-wales\n");
    for i in 1..=stages {
        let _ = writeln!(out, "party p{i} \"Party {i}\" level {i}");
    }
    let _ = writeln!(out, "\nexit mash \"Referral to MASH\" within same working day");
    let _ = writeln!(out, "outcome agreed \"Agreed outcome confirmed in writing\"");
    let _ = writeln!(out, "at any stage: immediate risk -> mash");
    let _ = writeln!(out, "at any stage: record \"Discussions recorded on the child's file\"\n");
    for r in 0..rules {
        let target = match r % 3 {
            0 => "mash".to_string(),
            1 => "agreed".to_string(),
            _ => format!("stage {}", stages - r % stages),
        };
        let _ = writeln!(out, "at any stage: if \"Condition {r} holds\" -> {target}");
    }
    for i in 1..=stages {
        let _ = writeln!(out, "stage {i} \"Stage {i}\" {{\n  parties p{i}");
        let _ = writeln!(out, "  step \"Discuss and try to resolve\" within 2 working days");
        let _ = writeln!(out, "    quote \"Synthetic stage {i}\"");
        let _ = writeln!(out, "  resolved -> agreed");
        if i == stages {
            let _ = writeln!(out, "  final decision");
        } else {
            let _ = writeln!(out, "  unresolved -> stage {}", i + 1);
        }
        if i % 10 == 0 && i + 2 <= stages {
            let _ = writeln!(out, "  no response -> stage {}", i + 2);
        }
        let _ = writeln!(out, "}}\n");
    }
    for e in 0..stages / 1000 {
        let rejoin = (e * 1000 + 500).min(stages);
        let _ = writeln!(out, "exception e{e} \"Exception pathway {e}\" {{");
        for k in 1..=3 {
            let _ = writeln!(out, "  stage e{e}-{k} \"Exception {e} step {k}\" {{");
            let _ = writeln!(out, "    parties p{}\n    within 1 working day\n    resolved -> agreed", k);
            if k < 3 {
                let _ = writeln!(out, "    unresolved -> stage e{e}-{}\n  }}", k + 1);
            } else {
                let _ = writeln!(out, "    unresolved -> stage {rejoin}\n  }}");
            }
        }
        let _ = writeln!(out, "}}\n");
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

fn usage() -> ! {
    eprintln!("usage: synth --stages N [--rules N]");
    std::process::exit(2)
}
