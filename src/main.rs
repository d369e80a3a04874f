//! The `escalate` command line: argument parsing and file handling only; the
//! work is done by the library.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use escalate::Report;
use escalate::diagnostic::{Code, Finding, Severity};
use escalate::render;

#[derive(Parser)]
#[command(
    name = "escalate",
    version,
    about = "Check inter-agency escalation protocols for child safeguarding"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check protocol files for dead ends, missing timescales, missing
    /// immediate-risk routes and more.
    ///
    /// Exit codes: 0 no errors, 1 at least one error, 2 a file could not be
    /// read or parsed (or the command was used wrongly).
    Check {
        /// Files, or directories searched recursively for `*.esc`; `-` reads
        /// standard input. Defaults to the current directory.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors.
        #[arg(long, value_name = "LEVEL")]
        deny: Option<Deny>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// miette's report, for people.
    Human,
    /// One JSON document, for machines.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Deny {
    /// Every warning counts as an error.
    Warnings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { paths, format, deny } => check(paths, format, deny),
    }
}

fn check(paths: Vec<PathBuf>, format: Format, deny: Option<Deny>) -> ExitCode {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let mut reports = Vec::new();
    for path in &paths {
        collect(path, &mut reports);
    }
    if reports.is_empty() {
        eprintln!("error: no `.esc` files found in {}", show_paths(&paths));
        return ExitCode::from(2);
    }
    if deny.is_some() {
        reports.iter_mut().for_each(Report::deny_warnings);
    }

    let output = match format {
        Format::Json => render::json::render(&reports),
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let handler = render::human::handler(color);
            let mut text = String::new();
            for report in &reports {
                text.push_str(&render::human::render(report, &handler));
            }
            let errors = reports.iter().map(|r| r.count(Severity::Error)).sum();
            let warnings = reports.iter().map(|r| r.count(Severity::Warning)).sum();
            let silenced = reports.iter().flat_map(|r| &r.findings).filter(|f| !f.is_active()).count();
            let files =
                if reports.len() == 1 { "1 file".to_string() } else { format!("{} files", reports.len()) };
            text.push_str(&format!(
                "checked {files}: {}\n",
                render::human::totals(errors, warnings, silenced)
            ));
            text
        }
    };
    print(&output);

    if reports.iter().any(Report::has_input_error) {
        ExitCode::from(2)
    } else if reports.iter().any(|r| r.count(Severity::Error) > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Read `path` (a file, a directory, or `-`) into reports.
fn collect(path: &Path, reports: &mut Vec<Report>) {
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
fn walk(dir: &Path, files: &mut Vec<PathBuf>, visited: &mut Vec<PathBuf>, reports: &mut Vec<Report>) {
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
            files.push(path);
        }
    }
}

fn read_file(path: &Path, reports: &mut Vec<Report>) {
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

fn read_error(name: &str, error: &std::io::Error) -> Report {
    let finding = Finding::new(Code::ReadError, format!("cannot read `{name}`: {error}"))
        .help("check that the path exists and that you may read it");
    Report { path: name.to_string(), source: String::new(), protocol: None, findings: vec![finding] }
}

fn show_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
}

/// Print to stdout; a closed pipe (`escalate check | head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if out.write_all(text.as_bytes()).and_then(|()| out.flush()).is_err() {
        // Nothing useful to do: the reader has gone.
    }
}
