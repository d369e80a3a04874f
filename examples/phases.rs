//! Times each phase of `check` on one file: `cargo run --release --example phases -- FILE`.

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: phases FILE");
        std::process::exit(2)
    };
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    });
    let t = Instant::now();
    let (file, errors) = escalate::syntax::parse(&source);
    let parsed = t.elapsed();
    let t = Instant::now();
    let protocol = escalate::model::build(file);
    let built = t.elapsed();
    let Ok(protocol) = protocol else {
        eprintln!("{path} does not resolve ({} syntax errors)", errors.len());
        std::process::exit(2)
    };
    let t = Instant::now();
    let analysis = escalate::analysis::Analysis::of(&protocol);
    let analysed = t.elapsed();
    let t = Instant::now();
    let findings = escalate::checks::run(&protocol, &analysis);
    let checked = t.elapsed();
    println!(
        "{} stages, {} bytes: parse {parsed:.2?}, resolve {built:.2?}, analysis {analysed:.2?}, checks {checked:.2?}, {} findings",
        protocol.stages.len(),
        source.len(),
        findings.len()
    );
}
