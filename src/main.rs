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
    about = "Check inter-agency escalation protocols for child safeguarding",
    after_help = "Start a protocol with `escalate init`, then check it with `escalate check protocol.esc`.\n\
                  Every finding names a code: `escalate explain CODE` says what it means and how to fix it.\n\
                  The language: docs/language.md. Every code: docs/rules.md."
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
        /// Protocol files, or folders searched (with their sub-folders) for
        /// `*.esc`; `-` reads standard input. Defaults to the current folder.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail (exit code 1) on warnings too.
        #[arg(long, value_name = "LEVEL")]
        deny: Option<Deny>,
    },
    /// Rewrite protocol files in escalate's one layout (docs/formatting.md).
    ///
    /// Only spaces, line breaks and indentation change: every word, text and
    /// comment stays as written, and the protocol means what it meant. A
    /// file that does not parse is left untouched, with its problems shown.
    ///
    /// Exit codes: 0 done (with --check: nothing would change), 1 with
    /// --check, some file would change, 2 a file could not be read, parsed
    /// or written (or the command was used wrongly).
    Fmt {
        /// Files, or directories searched recursively for `*.esc`; `-`
        /// formats standard input to standard output. Defaults to the
        /// current directory.
        paths: Vec<PathBuf>,
        /// Write nothing: list the files that would change, and exit with 1
        /// if any would.
        #[arg(long)]
        check: bool,
        /// Write nothing: show the changes as a unified diff.
        #[arg(long)]
        diff: bool,
    },
    /// Explain a finding's code, with a failing and a fixed example.
    ///
    /// What the code means, why it matters for a child, how to fix it, and
    /// where it was seen; then a protocol that has it and the same protocol
    /// fixed. Every finding `check` reports starts with its code, such as
    /// `dead-end`; `escalate rules` lists them all.
    ///
    /// Exit codes: 0 explained, 2 there is no such code.
    Explain {
        /// The code, as `check` shows it: `dead-end`, `unbounded-timescale`, ...
        code: String,
    },
    /// List the checks, with their severities.
    ///
    /// Each check's default severity, and the severity it has here: a
    /// `.escalate.toml` in this folder or one above it may change it (see
    /// docs/rules.md).
    Rules {
        /// Where to look for `.escalate.toml` (this folder, then the folders
        /// above it). Defaults to the current folder.
        #[arg(value_name = "DIR")]
        path: Option<PathBuf>,
    },
    /// Compare protocols side by side.
    ///
    /// For each protocol: its stages, parties at each level, the worst case
    /// in working days before the disagreement ends, how many stages route a
    /// child at immediate risk out at once, who has the final say, and the
    /// findings of `check`.
    ///
    /// Exit codes: 0 compared, 2 a file could not be read or parsed (its
    /// problems are shown on standard error) or the command was used wrongly.
    Compare {
        /// Protocol files, or folders searched for `*.esc`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
        format: CompareFormat,
    },
    /// Start a new protocol from a commented starter file.
    ///
    /// The starter passes `check`: replace its titles, parties and
    /// timescales with your partnership's, checking as you go.
    ///
    /// Exit codes: 0 written, 2 the file exists already or cannot be written.
    Init {
        /// The file to write (default `protocol.esc`), or a folder to write
        /// `protocol.esc` in. An existing file is never overwritten.
        path: Option<PathBuf>,
    },
    /// Print a shell completion script.
    ///
    /// bash: `escalate completions bash > ~/.local/share/bash-completion/completions/escalate`
    ///
    /// zsh: `escalate completions zsh > ~/.zfunc/_escalate`, with `~/.zfunc` in `fpath`
    ///
    /// fish: `escalate completions fish > ~/.config/fish/completions/escalate.fish`
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Date the worst-case route on a working-day calendar.
    ///
    /// For a protocol's main pathway, starting on a given day: when each
    /// stage starts and is due, and the overall deadline against the
    /// declared limit.
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
    /// Draw a protocol's pathway diagram: stages with their timescales,
    /// "Resolved?" decisions, exits, outcomes and exceptions, with findings
    /// marked.
    ///
    /// Exit codes: 0 drawn, 2 a file could not be read or parsed (then
    /// nothing is drawn) or the command was used wrongly.
    Render {
        /// The protocol file (`-` reads standard input), or a directory: then
        /// every `*.esc` under it is drawn into `-o OUTDIR`, one file each.
        path: PathBuf,
        /// Output format; defaults to the extension of `-o`, else SVG.
        #[arg(long, value_enum)]
        format: Option<DiagramFormat>,
        /// Write to this file (a directory, for a directory of policies)
        /// instead of standard output.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// Do not mark findings (dead ends, unbounded timescales, ...).
        #[arg(long)]
        no_findings: bool,
        /// Who lays out the SVG: escalate itself, or Graphviz's `dot`
        /// (which must be on the PATH).
        #[arg(long, value_enum, default_value_t = Engine::Builtin)]
        engine: Engine,
    },
    /// Write a static HTML site: an index of the protocols, and for each a
    /// full report and a one-page practitioner summary.
    ///
    /// Each protocol's page has its pathway diagram, a stage table (who,
    /// within what, by which day), the source quoted beside every stage,
    /// step, route and exit, and the findings with why they matter for a
    /// child. The summary ("What do I do if I disagree?") prints on one A4
    /// page. No JavaScript. See docs/report.md.
    ///
    /// Exit codes: 0 written, 2 a file could not be read or parsed (then
    /// nothing is written; the problems are shown as `check` shows them), a
    /// file could not be written, or the command was used wrongly.
    Report {
        /// Protocol files, or folders searched (with their sub-folders) for
        /// `*.esc`.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The folder to write the site into; created if missing. Files of
        /// the same names are replaced, others left alone.
        #[arg(short, long, value_name = "SITE")]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// A report for people, quoting the lines concerned.
    Human,
    /// One JSON document, for machines.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions annotations on the lines of the protocol.
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareFormat {
    /// Side by side, for a terminal.
    Table,
    /// Side by side, as a Markdown table.
    Markdown,
    /// One line per protocol, for spreadsheets.
    Csv,
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
        Command::Fmt { paths, check, diff } => fmt(paths, check, diff),
        Command::Explain { code } => explain(&code),
        Command::Rules { path } => rules(path.as_deref()),
        Command::Compare { paths, format } => compare(&paths, format),
        Command::Init { path } => init(path.as_deref()),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "escalate",
                &mut out,
            );
            print(&String::from_utf8_lossy(&out));
            ExitCode::SUCCESS
        }
        Command::Timeline { file, from, calendar, format } => {
            timeline(&file, from, calendar.as_deref(), format)
        }
        Command::Render { path, format, output, no_findings, engine } => {
            render_command(&path, format, output.as_deref(), no_findings, engine)
        }
        Command::Report { paths, output } => report(&paths, &output),
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
    // The repository's `.escalate.toml` first: `--deny warnings` then sees
    // the severities it sets.
    if let Err(error) = escalate::config::Configs::default().apply(&mut reports) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    if deny.is_some() {
        reports.iter_mut().for_each(Report::deny_warnings);
    }

    let output = match format {
        Format::Json => render::json::render(&reports),
        Format::Sarif => render::sarif::render(&reports),
        Format::Github => render::github::render(&reports),
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

/// `escalate fmt`: format files in place (atomically), or with `--check` /
/// `--diff` only say what would change. Standard input goes to standard
/// output.
fn fmt(paths: Vec<PathBuf>, check: bool, diff: bool) -> ExitCode {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let handler = render::human::handler(color);
    // Problems go to stderr as `check` shows them; the file is not touched.
    let show = |report: &Report| eprint!("{}", render::human::render(report, &handler));
    // Files found, files formatted (or found already formatted), files
    // changed (or that would change), and files or folders that failed.
    let (mut seen, mut done, mut changed, mut failed) = (0, 0, 0, 0);
    let mut output = String::new();
    for path in &paths {
        let stdin = path.as_os_str() == "-";
        let mut files = Vec::new();
        if stdin || !path.is_dir() {
            files.push(path.clone());
        } else {
            let mut problems = Vec::new();
            walk(path, &mut files, &mut Vec::new(), &mut problems);
            files.sort();
            failed += problems.len();
            problems.iter().for_each(show);
        }
        for file in files {
            seen += 1;
            let name = if stdin { "<stdin>".to_string() } else { file.display().to_string() };
            let limit = escalate::MAX_FILE_BYTES as u64 + 1;
            let mut bytes = Vec::new();
            let read = if stdin {
                std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
            } else {
                std::fs::File::open(&file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
            };
            let source = match read.map(|_| String::from_utf8(bytes)) {
                Ok(Ok(text)) if text.len() <= escalate::MAX_FILE_BYTES => Ok(text),
                // Too large or not UTF-8: `check_bytes` says which, in words.
                Ok(Ok(text)) => Err(escalate::check_bytes(&name, text.into_bytes())),
                Ok(Err(e)) => Err(escalate::check_bytes(&name, e.into_bytes())),
                Err(e) => Err(read_error(&name, &e)),
            };
            let source = match source {
                Ok(source) => source,
                Err(report) => {
                    show(&report);
                    failed += 1;
                    continue;
                }
            };
            let formatted = match escalate::format::format(&source) {
                Ok(formatted) => formatted,
                Err(findings) => {
                    show(&Report { path: name, source, protocol: None, findings });
                    failed += 1;
                    continue;
                }
            };
            if stdin && !check && !diff {
                output.push_str(&formatted);
                done += 1;
                continue;
            }
            if formatted == source {
                done += 1;
                continue;
            }
            if diff {
                output.push_str(&escalate::format::diff::unified(&source, &formatted, &name, &name));
            } else if check {
                output.push_str(&format!("{name}\n"));
            } else if let Err(e) = escalate::fsutil::write_atomic(&file, formatted.as_bytes()) {
                eprintln!("error: cannot write `{name}`: {e}; it is left as it was");
                failed += 1;
                continue;
            }
            changed += 1;
            done += 1;
        }
    }
    print(&output);
    if seen == 0 {
        eprintln!("error: no `.esc` files found in {}", show_paths(&paths));
        return ExitCode::from(2);
    }
    let files = |n: usize| if n == 1 { "1 file".to_string() } else { format!("{n} files") };
    if !check && !diff && paths.iter().all(|p| p.as_os_str() != "-") {
        eprintln!("formatted {}: {changed} changed", files(done));
    }
    if failed > 0 {
        let (verb, left) = if failed == 1 { ("was", "it was") } else { ("were", "they were") };
        eprintln!("error: {} could not be formatted, and so {verb} left as {left}", files(failed));
        ExitCode::from(2)
    } else if check && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `escalate explain CODE`.
fn explain(name: &str) -> ExitCode {
    match escalate::explain::lookup(name) {
        Ok(code) => {
            print(&escalate::explain::explain(code, 80));
            ExitCode::SUCCESS
        }
        Err(suggestion) => {
            let hint = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "`escalate rules` lists every code".to_string(),
            };
            eprintln!("error: there is no code `{name}`: {hint}");
            ExitCode::from(2)
        }
    }
}

/// `escalate rules`: every code, its default and its severity here.
fn rules(dir: Option<&Path>) -> ExitCode {
    use escalate::config::{Config, Level};
    let dir = dir.unwrap_or(Path::new("."));
    let config = match Config::find(dir) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let width = Code::ALL.iter().map(|c| c.as_str().len()).max().unwrap_or(0);
    let mut text = format!("{:width$}  {:7}  {:7}  what it finds\n", "check", "default", "here");
    for code in Code::checks() {
        let here = config.as_ref().map_or(Level::of(code.default_severity()), |c| c.level(code));
        let default = Level::of(code.default_severity());
        text.push_str(&format!("{:width$}  {:7}  {:7}  {}\n", code.as_str(), default, here, code.summary()));
    }
    text.push_str("\ninput errors (the file is not checked, and check exits with code 2):\n");
    for code in Code::ALL.iter().filter(|c| c.is_input_error()) {
        text.push_str(&format!("{:width$}  {}\n", code.as_str(), code.summary()));
    }
    text.push('\n');
    match &config {
        Some(c) => text.push_str(&format!("severities here are set by {}\n", c.path.display())),
        None => text.push_str(&format!(
            "no {} in `{}` or above it: every check has its default severity\n",
            escalate::config::FILE_NAME,
            dir.display()
        )),
    }
    text.push_str("`escalate explain CODE` explains any of them\n");
    print(&text);
    ExitCode::SUCCESS
}

/// `escalate compare FILE...`.
fn compare(paths: &[PathBuf], format: CompareFormat) -> ExitCode {
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

/// `escalate init [PATH]`.
fn init(path: Option<&Path>) -> ExitCode {
    match escalate::init::write(path) {
        Ok(file) => {
            let shown = file.display();
            println!("wrote {shown}: a starter protocol that passes `escalate check`");
            println!("next: replace its titles, parties and timescales with your document's, then run");
            println!("  escalate check {shown}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiagramFormat {
    /// A standalone SVG picture.
    Svg,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
}

impl DiagramFormat {
    fn extension(self) -> &'static str {
        match self {
            DiagramFormat::Svg => "svg",
            DiagramFormat::Dot => "dot",
            DiagramFormat::Mermaid => "mmd",
        }
    }

    fn from_extension(path: &Path) -> Option<DiagramFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(DiagramFormat::Svg),
            "dot" | "gv" => Some(DiagramFormat::Dot),
            "mmd" | "mermaid" => Some(DiagramFormat::Mermaid),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    /// escalate's own layout: no other program needed.
    Builtin,
    /// Graphviz's `dot -Tsvg`.
    Graphviz,
}

/// `escalate render`: one diagram to stdout or `-o FILE`, or one per policy
/// of a directory into `-o OUTDIR`. Nothing is written if any file has
/// input errors; their diagnostics go to stderr, as `check` shows them.
fn render_command(
    path: &Path,
    format: Option<DiagramFormat>,
    output: Option<&Path>,
    no_findings: bool,
    engine: Engine,
) -> ExitCode {
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    };
    let dir = path.is_dir();
    let format = match (format, output.filter(|_| !dir)) {
        (Some(f), Some(out)) => match DiagramFormat::from_extension(out) {
            Some(named) if named != f => {
                return fail(format!(
                    "`-o {}` names a .{} file but `--format` asks for {}",
                    out.display(),
                    named.extension(),
                    f.extension()
                ));
            }
            _ => f,
        },
        (Some(f), None) => f,
        (None, Some(out)) => match DiagramFormat::from_extension(out) {
            Some(f) => f,
            None => {
                return fail(format!(
                    "cannot tell the format from `{}`: name it .svg, .dot or .mmd, or give `--format`",
                    out.display()
                ));
            }
        },
        (None, None) => DiagramFormat::Svg,
    };
    if engine == Engine::Graphviz && format != DiagramFormat::Svg {
        return fail("`--engine graphviz` draws SVG: use it with `--format svg`".to_string());
    }
    if dir && output.is_none() {
        return fail(format!(
            "`{}` is a directory: give `-o OUTDIR` to write one diagram per policy",
            path.display()
        ));
    }

    let mut reports = Vec::new();
    collect(path, &mut reports);
    if reports.is_empty() {
        return fail(format!("no `.esc` files found in `{}`", path.display()));
    }
    let bad: Vec<&Report> = reports.iter().filter(|r| r.protocol.is_none() || r.has_input_error()).collect();
    if !bad.is_empty() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let handler = render::human::handler(color);
        for report in bad {
            eprint!("{}", render::human::render(report, &handler));
        }
        eprintln!("error: nothing drawn: fix the input errors above first");
        return ExitCode::from(2);
    }

    for report in &reports {
        let Some(protocol) = &report.protocol else { continue };
        let findings = (!no_findings).then_some(report.findings.as_slice());
        let diagram = render::diagram::Diagram::build(protocol, findings);
        let text = match (format, engine) {
            (DiagramFormat::Svg, Engine::Builtin) => render::svg::render(&diagram),
            (DiagramFormat::Svg, Engine::Graphviz) => match graphviz(&render::dot::render(&diagram)) {
                Ok(svg) => svg,
                Err(message) => return fail(message),
            },
            (DiagramFormat::Dot, _) => render::dot::render(&diagram),
            (DiagramFormat::Mermaid, _) => render::mermaid::render(&diagram),
        };
        let target = match output {
            None => {
                print(&text);
                continue;
            }
            Some(out) if dir => {
                let relative = Path::new(&report.path).strip_prefix(path).unwrap_or(Path::new(&report.path));
                out.join(relative).with_extension(format.extension())
            }
            Some(out) => out.to_path_buf(),
        };
        let written = match target.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => std::fs::create_dir_all(parent).and_then(|()| std::fs::write(&target, &text)),
            None => std::fs::write(&target, &text),
        };
        if let Err(e) = written {
            return fail(format!("cannot write `{}`: {e}", target.display()));
        }
        if dir {
            eprintln!("wrote {}", target.display());
        }
    }
    ExitCode::SUCCESS
}

/// Lay out DOT with Graphviz: `dot -Tsvg`, fed on a thread so that neither
/// side waits on a full pipe.
fn graphviz(dot: &str) -> Result<String, String> {
    use std::process::{Command, Stdio};
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("`--engine graphviz` needs Graphviz's `dot` program on the PATH: install Graphviz \
                 (e.g. `apt-get install graphviz`), or leave out `--engine` to use escalate's own layout"
                .to_string());
        }
        Err(e) => return Err(format!("cannot run Graphviz's `dot`: {e}")),
    };
    let mut stdin = child.stdin.take().ok_or("cannot write to Graphviz's `dot`")?;
    let input = dot.to_string();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().map_err(|e| format!("Graphviz's `dot` failed: {e}"))?;
    let fed = feeder.join().map_err(|_| "cannot write to Graphviz's `dot`".to_string())?;
    if !output.status.success() {
        return Err(format!("Graphviz's `dot` failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    fed.map_err(|e| format!("cannot write to Graphviz's `dot`: {e}"))?;
    String::from_utf8(output.stdout)
        .map_err(|_| "Graphviz's `dot` wrote something other than UTF-8".to_string())
}

/// `escalate report PATH... -o SITE`: check every protocol, then write the
/// site. Nothing is written if any file has input errors; their diagnostics
/// go to stderr, as `check` shows them.
fn report(paths: &[PathBuf], output: &Path) -> ExitCode {
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
    let broken: Vec<&Report> =
        reports.iter().filter(|r| r.protocol.is_none() || r.has_input_error()).collect();
    if !broken.is_empty() {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let handler = render::human::handler(color);
        for report in &broken {
            eprint!("{}", render::human::render(report, &handler));
        }
        let errors: usize = broken.iter().map(|r| r.count(Severity::Error)).sum();
        eprintln!(
            "error: no site written: {} of {} {} could not be read or parsed ({}): fix the problems above first",
            broken.len(),
            reports.len(),
            if reports.len() == 1 { "file" } else { "files" },
            if errors == 1 { "1 error".to_string() } else { format!("{errors} errors") }
        );
        return ExitCode::from(2);
    }
    if output.exists() && !output.is_dir() {
        eprintln!("error: `{}` is a file: `-o` names the folder to write the site into", output.display());
        return ExitCode::from(2);
    }
    let site = escalate::report::Site::build(&reports);
    match site.write(output) {
        Ok(written) => {
            eprintln!(
                "wrote {} files for {} to `{}`: open {}",
                written.len(),
                if reports.len() == 1 {
                    "1 protocol".to_string()
                } else {
                    format!("{} protocols", reports.len())
                },
                output.display(),
                output.join("index.html").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write the site into `{}`: {e}", output.display());
            ExitCode::from(2)
        }
    }
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
