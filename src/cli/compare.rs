//! `escalate compare`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::CompareFormat;
use escalate::Report;
use escalate::render;

/// `escalate compare FILE...`.
pub(crate) fn compare(paths: &[PathBuf], format: CompareFormat) -> ExitCode {
    use escalate::compare::Summary;
    let mut reports = Vec::new();
    for path in paths {
        collect(path, &mut reports);
    }
    if reports.is_empty() {
        eprintln!("error: no `.esc` files found in {}", show_paths(paths));
        return ExitCode::from(2);
    }
    if let Err(error) = escalate::config::Configs::default().apply(&mut reports) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    let broken: Vec<&Report> = reports.iter().filter(|r| r.has_input_error()).collect();
    if !broken.is_empty() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let handler = render::human::handler(color);
        for report in broken {
            eprint!("{}", render::human::render(report, &handler));
        }
        eprintln!("error: only protocols that load can be compared: fix the problems above");
        return ExitCode::from(2);
    }
    let summaries: Vec<Summary> = reports.iter().filter_map(Summary::of).collect();
    let output = match format {
        CompareFormat::Table => {
            let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
            render::compare::table(&summaries, width)
        }
        CompareFormat::Markdown => render::compare::markdown(&summaries),
        CompareFormat::Csv => render::compare::csv(&summaries),
        CompareFormat::Json => render::compare::json(&summaries),
    };
    print(&output);
    ExitCode::SUCCESS
}
