//! The `escalate` command line: the arguments (clap) and which command runs.
//! Each command lives in `src/cli/`; the work is done by the library.

mod cli;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::print;

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
pub(crate) enum Command {
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
    /// Run the language server, over standard input and output: findings
    /// as you type, hover, go to definition, rename, outline, completion,
    /// formatting and quick fixes in any editor that speaks LSP (see
    /// docs/editors.md). Editors start it; there is no need to run it by hand.
    #[cfg(feature = "lsp")]
    Lsp,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
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
pub(crate) enum CompareFormat {
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
pub(crate) enum Deny {
    /// Every warning counts as an error.
    Warnings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { paths, format, deny } => cli::check(paths, format, deny),
        Command::Fmt { paths, check, diff } => cli::fmt(paths, check, diff),
        Command::Explain { code } => cli::explain(&code),
        Command::Rules { path } => cli::rules(path.as_deref()),
        Command::Compare { paths, format } => cli::compare(&paths, format),
        Command::Init { path } => cli::init(path.as_deref()),
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
            cli::timeline(&file, from, calendar.as_deref(), format)
        }
        Command::Render { path, format, output, no_findings, engine } => {
            cli::render_command(&path, format, output.as_deref(), no_findings, engine)
        }
        Command::Report { paths, output } => cli::report(&paths, &output),
        #[cfg(feature = "lsp")]
        Command::Lsp => escalate::lsp::run(),
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TimelineFormat {
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiagramFormat {
    /// A standalone SVG picture.
    Svg,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
}

impl DiagramFormat {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            DiagramFormat::Svg => "svg",
            DiagramFormat::Dot => "dot",
            DiagramFormat::Mermaid => "mmd",
        }
    }

    pub(crate) fn from_extension(path: &Path) -> Option<DiagramFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(DiagramFormat::Svg),
            "dot" | "gv" => Some(DiagramFormat::Dot),
            "mmd" | "mermaid" => Some(DiagramFormat::Mermaid),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Engine {
    /// escalate's own layout: no other program needed.
    Builtin,
    /// Graphviz's `dot -Tsvg`.
    Graphviz,
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
