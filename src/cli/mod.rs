//! The commands of the `escalate` binary, one module each (`main.rs` only parses
//! the arguments), and what they share: finding and reading protocol files, and
//! printing.

mod check;
mod compare;
mod diagram;
mod fmt;
mod info;
pub(crate) mod panic;
mod report;
mod timeline;

pub(crate) use check::check;
pub(crate) use compare::compare;
pub(crate) use diagram::render_command;
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
    if let Err(message) = escalate::config::Configs::default().apply(&mut reports) {
        error(&message);
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
            // Reading stopped one byte past the limit: the size is unknown.
            Ok(_) if bytes.len() > escalate::MAX_FILE_BYTES => {
                reports.push(escalate::too_large("<stdin>", None))
            }
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
        (&file).take(escalate::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
        // Reading stopped one byte past the limit: say the file's own size.
        let size = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        Ok((bytes, size))
    });
    match read {
        Ok((bytes, size)) if bytes.len() > escalate::MAX_FILE_BYTES => {
            reports.push(escalate::too_large(&name, size));
        }
        Ok((bytes, _)) => reports.push(escalate::check_bytes(&name, bytes)),
        Err(e) => reports.push(read_error(&name, &e)),
    }
}

pub(crate) fn read_error(name: &str, error: &std::io::Error) -> Report {
    let shown = escalate::render::human::visible_line(name);
    let finding = Finding::new(Code::ReadError, format!("cannot read `{shown}`: {error}"))
        .help("check that the path exists and that you may read it");
    Report { path: name.to_string(), source: String::new(), protocol: None, findings: vec![finding] }
}

pub(crate) fn show_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("`{}`", shown(p))).collect::<Vec<_>>().join(", ")
}

/// A path for a message, with its control characters shown as symbols (a
/// file name can hold a terminal escape).
pub(crate) fn shown(path: &Path) -> String {
    escalate::render::human::visible_line(&path.display().to_string())
}

/// Parse the command line; on a usage error (or `--help`), print clap's
/// message and exit with its code (2 for a usage error). The message quotes the arguments, which can hold a
/// terminal escape or a line break: it is made from the arguments with
/// their control characters shown as symbols, as source text is shown.
pub(crate) fn parse_arguments<P: clap::Parser>() -> P {
    let error = match P::try_parse() {
        Ok(parsed) => return parsed,
        Err(error) => error,
    };
    if !error.use_stderr() {
        // `--help` and `--version`: clap's own text, styled, quoting nothing.
        let _ = error.print();
        std::process::exit(error.exit_code());
    }
    let shown = std::env::args_os().map(|a| escalate::render::human::visible_line(&a.to_string_lossy()));
    // The same mistake, quoted safely; should the safe form parse (it never
    // should), the first message, with its controls shown.
    let error = P::try_parse_from(shown).err().filter(|e| e.kind() == error.kind()).unwrap_or(error);
    eprint!("{}", escalate::render::human::visible(&error.render().to_string()));
    std::process::exit(error.exit_code())
}

/// An error message on stderr, with the user's strings in it (names from
/// `.escalate.toml`, file names, arguments) shown as source text is.
pub(crate) fn error(message: &str) {
    eprintln!("error: {}", escalate::render::human::visible_line(message));
}

/// Print to stdout; a closed pipe (`escalate check | head`) is not an error.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
        // Nothing useful to do: the reader has gone.
    }
}
