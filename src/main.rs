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
    /// Date the worst-case route of a protocol's main pathway on a
    /// working-day calendar: when each stage starts and is due, and the
    /// overall deadline against the declared limit.
    ///
    /// Exit codes: 0 a timeline was shown, 2 the file could not be read or
    /// parsed (or the command was used wrongly).
    Timeline {
        /// The protocol file; `-` reads standard input.
        file: PathBuf,
        /// The day the disagreement starts (day 0), as YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        from: chrono::NaiveDate,
        /// Working-day calendar; defaults to the protocol's `calendar`, else
        /// england-and-wales.
        #[arg(
            long,
            value_name = "NAME",
            value_parser = clap::builder::PossibleValuesParser::new(escalate::calendar::Calendar::NAMES)
        )]
        calendar: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
        format: TimelineFormat,
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
        Command::Timeline { file, from, calendar, format } => {
            timeline(&file, from, calendar.as_deref(), format)
        }
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

    let code = if reports.iter().any(Report::has_input_error) {
        ExitCode::from(2)
    } else if reports.iter().any(|r| r.count(Severity::Error) > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing a large protocol piece by piece would
    // only delay the exit (as rustc does, leave it to the operating system).
    std::mem::forget(reports);
    code
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

#[derive(Clone, Copy, ValueEnum)]
enum TimelineFormat {
    /// A table with notes, for people.
    Text,
    /// One JSON document, for machines.
    Json,
    /// An iCalendar file (RFC 5545), to import into a calendar.
    Ics,
}

/// `--from`: exactly `YYYY-MM-DD` (chrono alone would also take `2026-1-5`).
fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    let shaped = text.len() == 10
        && text
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return Err(format!("`{text}` is not a date written YYYY-MM-DD, such as 2026-12-21"));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("there is no such day as `{text}`: check the month and the day"))
}

/// `escalate timeline`: one protocol's worst case, dated. Bad input gives the
/// diagnostics `check` gives, on stderr so stdout only ever holds a timeline.
fn timeline(
    file: &Path,
    from: chrono::NaiveDate,
    calendar: Option<&str>,
    format: TimelineFormat,
) -> ExitCode {
    use chrono::Datelike;
    use escalate::timeline::Timeline;

    if file.is_dir() {
        eprintln!("error: `{}` is a directory: `timeline` takes one protocol file", file.display());
        return ExitCode::from(2);
    }
    let mut reports = Vec::new();
    collect(file, &mut reports);
    let Some(report) = reports.into_iter().next() else {
        eprintln!("error: cannot read `{}`", file.display());
        return ExitCode::from(2);
    };
    let Some(protocol) = report.protocol.as_ref().filter(|_| !report.has_input_error()) else {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let mut text = render::human::render(&report, &render::human::handler(color));
        let totals = render::human::totals(report.count(Severity::Error), report.count(Severity::Warning), 0);
        text.push_str(&format!("checked 1 file: {totals}\n"));
        eprint!("{text}");
        return ExitCode::from(2);
    };
    let Some(calendar) = Timeline::calendar_for(protocol, calendar) else {
        // The model accepts only shipped names, so this is a mismatch between
        // the model's list and the calendar's; say so rather than guess.
        eprintln!(
            "error: no calendar called `{}`; the calendars are {}",
            protocol.calendar.as_deref().unwrap_or_default(),
            escalate::calendar::Calendar::NAMES.join(", ")
        );
        return ExitCode::from(2);
    };
    let t = Timeline::compute(protocol, calendar, from);
    // Dates are written with four-digit years (ICS requires it).
    if let Some(last) = t.dates().max()
        && last.year() > 9999
    {
        eprintln!("error: the timeline runs past the year 9999; check the protocol's timescales");
        return ExitCode::from(2);
    }
    let years = t.unpublished_years();
    if !years.is_empty() {
        let (first, last) = calendar.published_years();
        let shown: Vec<String> = years.iter().map(ToString::to_string).collect();
        eprintln!(
            "warning: {} {} outside the years of published {} bank holidays ({first}-{last}): \
             holidays there are computed from the standing rules, and one-off days are not known",
            if years.len() == 1 { "year" } else { "years" },
            if years.len() == 1 { format!("{} is", shown[0]) } else { format!("{} are", shown.join(", ")) },
            calendar.name()
        );
    }
    let output = match format {
        TimelineFormat::Text => render::timeline::text(&t),
        TimelineFormat::Json => render::timeline::json(&t),
        TimelineFormat::Ics => render::ics::render(&t),
    };
    print(&output);
    ExitCode::SUCCESS
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
