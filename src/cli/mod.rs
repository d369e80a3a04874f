//! The commands of the `escalate` binary, one module each (`main.rs` only parses
//! the arguments), and what they share: finding and reading protocol files, and
//! printing.

mod check;
mod compare;
mod diagram;
mod fmt;
mod info;
mod report;
mod timeline;

pub(crate) use check::check;
pub(crate) use compare::compare;
pub(crate) use diagram::{Header, render_command};
pub(crate) use fmt::fmt;
pub(crate) use info::{explain, init, rules};
pub(crate) use report::report;
pub(crate) use timeline::timeline;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use escalate::Report;
use escalate::diagnostic::{Code, Finding};

/// Every protocol under `paths`, read and checked, with the repository's
/// `.escalate.toml` severities applied. On failure (nothing found, or a bad
/// configuration) the message is printed and the exit code returned.
pub(crate) fn load_all(paths: &[PathBuf]) -> Result<Vec<Report>, ExitCode> {
    let mut reports = Vec::new();
    for path in paths {
        collect(path, &mut reports);
    }
    if reports.is_empty() {
        eprintln!("error: no `.esc` files found in {}", show_paths(paths));
        return Err(ExitCode::from(2));
    }
    if let Err(error) = escalate::config::Configs::default().apply(&mut reports) {
        eprintln!("error: {error}");
        return Err(ExitCode::from(2));
    }
    Ok(reports)
}

/// The reports of files that could not be read, parsed or resolved, already
/// shown on stderr as `check` shows them (commands that need the protocol
/// refuse to go on with them).
pub(crate) fn show_broken(reports: &[Report]) -> Vec<&Report> {
    let broken: Vec<&Report> =
        reports.iter().filter(|r| r.protocol.is_none() || r.has_input_error()).collect();
    if !broken.is_empty() {
        let handler = stderr_handler();
        for report in &broken {
            eprint!("{}", escalate::render::human::render(report, &handler));
        }
    }
    broken
}

/// How to draw reports on stderr: colours only for a terminal without `NO_COLOR`.
pub(crate) fn stderr_handler() -> miette::GraphicalReportHandler {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    escalate::render::human::handler(color)
}

/// Read `path` (a file, a directory, or `-`) into reports.
pub(crate) fn collect(path: &Path, reports: &mut Vec<Report>) {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        match std::io::stdin().lock().take(escalate::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes) {
            Ok(_) => reports.push(escalate::check_bytes("<stdin>", bytes)),
            Err(e) => reports.push(read_error("<stdin>", &e)),
        }
        return;
    }
    if path.is_dir() {
        let mut files = Vec::new();
        let mut visited = Vec::new();
        walk(path, &mut files, &mut visited, reports);
        files.sort();
        for file in files {
            read_file(&file, reports);
        }
    } else {
        read_file(path, reports);
    }
}

/// Find `*.esc` files under `dir`, following symbolic links but never into
/// a directory already visited (so link loops end).
pub(crate) fn walk(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    visited: &mut Vec<PathBuf>,
    reports: &mut Vec<Report>,
) {
    let Ok(real) = dir.canonicalize() else { return };
    if visited.contains(&real) {
        return;
    }
    visited.push(real);
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return reports.push(read_error(&dir.display().to_string(), &e)),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files, visited, reports);
        } else if path.extension().is_some_and(|e| e == "esc") {
            // A FIFO, socket or device named `*.esc` is no protocol, and
            // opening a FIFO waits for a writer for ever: report it unread.
            // (A link to nothing is read, and reported by the failed open.)
            match std::fs::metadata(&path) {
                Ok(meta) if !meta.is_file() => {
                    let error = std::io::Error::other("not a regular file (a FIFO, socket or device)");
                    reports.push(read_error(&path.display().to_string(), &error));
                }
                _ => files.push(path),
            }
        }
    }
}

pub(crate) fn read_file(path: &Path, reports: &mut Vec<Report>) {
    let name = path.display().to_string();
    let read = std::fs::File::open(path).and_then(|file| {
        let mut bytes = Vec::new();
        file.take(escalate::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    match read {
        Ok(bytes) => reports.push(escalate::check_bytes(&name, bytes)),
        Err(e) => reports.push(read_error(&name, &e)),
    }
}

pub(crate) fn read_error(name: &str, error: &std::io::Error) -> Report {
    let finding = Finding::new(Code::ReadError, format!("cannot read `{name}`: {error}"))
        .help("check that the path exists and that you may read it");
    Report { path: name.to_string(), source: String::new(), protocol: None, findings: vec![finding] }
}

pub(crate) fn show_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
}

/// Print to stdout; a closed pipe (`escalate check | head`) is not an error.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
        // Nothing useful to do: the reader has gone.
    }
}
