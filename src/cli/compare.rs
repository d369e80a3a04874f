//! `escalate compare`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::CompareFormat;
use escalate::render;

/// `escalate compare FILE...`.
pub(crate) fn compare(paths: &[PathBuf], format: CompareFormat) -> ExitCode {
    use escalate::compare::Summary;
    let reports = match load_all(paths) {
        Ok(reports) => reports,
        Err(code) => return code,
    };
    if !show_broken(&reports).is_empty() {
        eprintln!("error: only protocols that load can be compared: fix the problems above");
        return ExitCode::from(2);
    }
    let summaries: Vec<Summary> = reports.iter().filter_map(Summary::of).collect();
    let output = match format {
        CompareFormat::Table => {
            // `COLUMNS` (set by shells, and by hand), else the terminal's
            // width, else 100 for a file or a pipe.
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .filter(|&w: &usize| w > 0)
                .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
                .unwrap_or(100);
            render::compare::table(&summaries, width)
        }
        CompareFormat::Markdown => render::compare::markdown(&summaries),
        CompareFormat::Csv => render::compare::csv(&summaries),
        CompareFormat::Json => render::compare::json(&summaries),
    };
    print(&output);
    ExitCode::SUCCESS
}
