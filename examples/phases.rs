//! Times each phase of `check` on one file, in-process:
//!
//! ```text
//! cargo run --release --example phases -- FILE              # one run
//! cargo run --release --example phases -- FILE --repeat 200 # medians of 200 runs
//! ```
//!
//! With `--repeat`, it also times `escalate::check_source` as a whole: what
//! the language server and the playground do on every change of the text.

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: phases FILE [--repeat N]");
        std::process::exit(2)
    };
    let repeat = match args.iter().position(|a| a == "--repeat") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse::<usize>().ok()).unwrap_or_else(|| {
            eprintln!("usage: phases FILE [--repeat N]");
            std::process::exit(2)
        }),
        None => 1,
    }
    .max(1);
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    });
    let mut times: [Vec<Duration>; 5] = Default::default();
    let mut peaks: [String; 2] = Default::default();
    let mut last = String::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let (file, errors) = escalate::syntax::parse(&source);
        times[0].push(t.elapsed());
        peaks[0] = peak();
        let t = Instant::now();
        let protocol = escalate::model::build(file);
        times[1].push(t.elapsed());
        peaks[1] = peak();
        let Ok(protocol) = protocol else {
            eprintln!("{path} does not resolve ({} syntax errors)", errors.len());
            std::process::exit(2)
        };
        let t = Instant::now();
        let analysis = escalate::analysis::Analysis::of(&protocol);
        times[2].push(t.elapsed());
        let t = Instant::now();
        let findings = escalate::checks::run(&protocol, &analysis);
        times[3].push(t.elapsed());
        last =
            format!("{} stages, {} bytes, {} findings", protocol.stages.len(), source.len(), findings.len());
        if repeat > 1 {
            let t = Instant::now();
            let report = escalate::check_source(path, source.clone());
            times[4].push(t.elapsed());
            std::hint::black_box(report);
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let [parse, resolve, analysis, checks, whole] = &mut times;
    print!(
        "{last}: parse {:.2?}, resolve {:.2?}, analysis {:.2?}, checks {:.2?}",
        median(parse),
        median(resolve),
        median(analysis),
        median(checks)
    );
    if repeat > 1 {
        print!("; check_source {:.2?} (medians of {repeat})", median(whole));
    }
    println!();
    println!("peak memory: after parse {}, after resolve {}, at the end {}", peaks[0], peaks[1], peak());
}

/// The process's peak resident memory so far (Linux), for the phase that pushed it up.
fn peak() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map(|v| v.trim().to_string());
    kb.unwrap_or_else(|| "?".to_string())
}
