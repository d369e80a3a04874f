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
                  `escalate rules` lists every code."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour the output: `auto` colours a terminal, unless
    /// `NO_COLOR` is set, and any output when `FORCE_COLOR` or
    /// `CLICOLOR_FORCE` is (a CI log).
    #[arg(long, global = true, value_enum, default_value_t = cli::ColorChoice::Auto, value_name = "WHEN")]
    color: cli::ColorChoice,
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
        /// `*.esc` as git sees them (what `.gitignore` names, hidden folders
        /// and `node_modules` are left out); `-` reads standard input.
        /// Defaults to the current folder. Symbolic links inside a folder are
        /// not followed (as ripgrep does): name a linked file or folder on the
        /// command line to include it.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail (exit code 1) on warnings too (`--deny warnings`), or on
        /// one check's findings (`--deny dead-end`); repeat it or separate
        /// with commas for several.
        #[arg(
            long,
            value_name = "warnings|CODE",
            value_delimiter = ',',
            value_parser = cli::CodeNames { warnings: true },
            hide_possible_values = true
        )]
        deny: Vec<String>,
        /// Leave out files and folders matching this glob in folder searches
        /// (`drafts`, `*-old.esc`, `archive/**`); repeat it for several.
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
        /// Only the findings: no summary line.
        #[arg(long, short)]
        quiet: bool,
        /// A count of findings per code, the most frequent first, instead of
        /// each finding.
        #[arg(long)]
        statistics: bool,
    },
    /// Rewrite protocol files in escalate's one layout.
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
        /// current directory. Symbolic links inside a folder are not followed:
        /// name a linked file or folder on the command line to include it.
        paths: Vec<PathBuf>,
        /// Write nothing: list the files that would change, and exit with 1
        /// if any would.
        #[arg(long)]
        check: bool,
        /// Write nothing: show the changes as a unified diff (that `git
        /// apply` takes), and exit with 1 if any file would change.
        #[arg(long)]
        diff: bool,
        /// Leave out files and folders matching this glob in folder searches;
        /// repeat it for several.
        #[arg(long, value_name = "GLOB")]
        exclude: Vec<String>,
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
        #[arg(value_parser = cli::CodeNames { warnings: false }, hide_possible_values = true)]
        code: String,
    },
    /// List the checks, with their severities.
    ///
    /// Each check's default severity, and the severity it has here: a
    /// `.escalate.toml` in this folder or one above it may change it;
    /// `escalate explain CODE` explains each.
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
        /// Protocol files, or folders searched for `*.esc` (links inside them
        /// are not followed: name a linked file on the command line).
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
        /// The file to write (default `protocol.esc`; `.esc` is added to a
        /// name without it), or a folder to write `protocol.esc` in. An
        /// existing file is never overwritten.
        path: Option<PathBuf>,
        /// Create the folders on the way to the file if they are missing.
        #[arg(long)]
        parents: bool,
    },
    /// Print a shell completion script.
    ///
    /// bash: `escalate completions bash > ~/.local/share/bash-completion/completions/escalate`
    ///
    /// zsh: `escalate completions zsh > ~/.zfunc/_escalate`, with `~/.zfunc` in `fpath`
    ///
    /// fish: `escalate completions fish > ~/.config/fish/completions/escalate.fish`
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell (in any case).
        #[arg(ignore_case = true)]
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
        /// The day the disagreement starts (day 0): `today`, YYYY-MM-DD or
        /// DD/MM/YYYY.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        from: chrono::NaiveDate,
        /// Working-day calendar; defaults to the protocol's `calendar`, else
        /// england-and-wales.
        #[arg(
            long,
            value_name = "NAME",
            value_parser = clap::builder::PossibleValuesParser::new(escalate::calendar::Calendar::NAMES)
        )]
        calendar: Option<String>,
        /// Output format; defaults to the extension of `-o` (`.ics`,
        /// `.json`), else text.
        #[arg(long, value_enum)]
        format: Option<TimelineFormat>,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// The pathway to date, in a protocol with several (`pathway NAME
        /// "..." { ... }`): its name, or `main` for the main ladder. Defaults
        /// to the first.
        #[arg(long, value_name = "NAME")]
        pathway: Option<String>,
    },
    /// Draw a protocol's pathway diagram: stages with their timescales,
    /// "Resolved?" decisions, exits, outcomes and exceptions, with findings
    /// marked.
    ///
    /// Exit codes: 0 drawn, 2 a file could not be read or parsed (then
    /// nothing is drawn) or the command was used wrongly.
    Render {
        /// The protocol file (`-` reads standard input), or a directory: then
        /// every `*.esc` under it is drawn into `-o OUTDIR`, one file each
        /// (links inside it are not followed: render a linked file by name).
        path: PathBuf,
        /// Output format; defaults to the extension of `-o`, else SVG.
        #[arg(long, value_enum)]
        format: Option<DiagramFormat>,
        /// Write to this file (a directory, for a directory of policies)
        /// instead of standard output; `-o -` is standard output.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// Pixels per SVG unit for PNG. The drawing is 800 units wide and its
        /// smallest text 10 units tall, so the default 1.4 gives a picture
        /// 1,120 px wide whose smallest text is 14 px (a web page's body
        /// text is 14 to 16 px) and its running text 15.4 px.
        #[arg(long, value_name = "FACTOR", default_value_t = 1.4)]
        scale: f64,
        /// Paper for PDF: A4 or A3. The drawing prints at full size (no text
        /// under 10 pt), over as many pages as it needs, portrait where it
        /// fits across (A3), landscape where not (A4).
        #[arg(long, value_enum, default_value_t = PaperSize::A4)]
        paper: PaperSize,
        /// The heading drawn above the diagram, instead of the protocol's title.
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
        /// The line under the heading, instead of the protocol's source.
        #[arg(long, value_name = "TEXT")]
        subtitle: Option<String>,
        /// Do not mark findings (dead ends, unbounded timescales, ...).
        #[arg(long)]
        no_findings: bool,
        /// Who lays out the SVG: escalate itself, or Graphviz's `dot`
        /// (which must be on the PATH).
        #[arg(long, value_enum, default_value_t = Engine::Builtin)]
        engine: Engine,
    },
    /// Run the scenarios written beside each protocol: the promises it makes.
    ///
    /// A protocol's scenarios go in `NAME.scenarios` beside `NAME.esc`: a
    /// start date, what happens at each stage, and what must follow (which
    /// stage, exit or outcome is reached, by which date or within how many
    /// working days). They are dated as `escalate timeline` dates.
    ///
    /// Exit codes: 0 every scenario holds, 1 at least one fails, 2 a file
    /// could not be read or parsed, or a scenario names something the
    /// protocol does not have.
    Test {
        /// Protocol files (`NAME.esc`), scenarios files (`NAME.scenarios`),
        /// or folders searched for protocols with scenarios. Defaults to the
        /// current folder. Links inside a folder are not followed: name a
        /// linked file or folder on the command line to include it.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TestFormat::Human)]
        format: TestFormat,
    },
    /// Show what a new version of a protocol changes in its meaning.
    ///
    /// Stages added, removed or renamed (matched by id, then by title);
    /// parties, exits and outcomes; each timescale before and after as
    /// written; routes added or removed (an immediate-risk route is flagged);
    /// exceptions; the worst case and the limit; findings fixed and
    /// introduced. Layout, comments, notes and quotes change nothing.
    ///
    /// Exit codes: 0 the same meaning, 1 it differs, 2 a file could not be
    /// read or parsed (or the command was used wrongly).
    Diff {
        /// The old version: a file, `-` for standard input, or `REV:PATH`
        /// for a file at a git revision (`HEAD~1:policies/hull.esc`).
        old: String,
        /// The new version, read the same way.
        new: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Draft a protocol file from a protocol document (plain text, Markdown,
    /// HTML, Word .docx, or PDF with a text layer).
    ///
    /// Finds the title, the stages (numbered headings, "Stage 1", "Level 2",
    /// "1.", "(a)", Roman numerals, tables whose rows are stages), the parties
    /// and their seniority, timescales in the language's forms, the route for
    /// a child at immediate risk, the final authority, records and an overall
    /// limit. Every element quotes the document's words; a route the text does
    /// not state is written `implied`; what it cannot decide is a `# draft:`
    /// comment, counted on standard error. A document that is not an
    /// escalation protocol gives a draft that says so. Review it: see
    /// `docs/draft.md`.
    ///
    /// Exit codes: 0 drafted, 2 the document could not be read (or the
    /// command was used wrongly).
    Draft {
        /// The document: `.txt`, `.md`, `.html`, `.docx` or `.pdf`; `-` reads
        /// plain text from standard input.
        source: PathBuf,
        /// Write the draft here instead of standard output.
        #[arg(short, long, value_name = "OUT.esc")]
        output: Option<PathBuf>,
        /// `esc`: the draft; `json`: what was found, with byte offsets into
        /// the document's text.
        #[arg(long, value_enum, default_value_t = DraftFormat::Esc)]
        format: DraftFormat,
    },
    /// Write a static HTML site: an index of the protocols, and for each a
    /// full report and a one-page practitioner summary.
    ///
    /// Each protocol's page has its pathway diagram, a stage table (who,
    /// within what, by which day), the source quoted beside every stage,
    /// step, route and exit, and the findings with why they matter for a
    /// child. The summary ("What do I do if I disagree?") prints on one A4
    /// page. No JavaScript.
    ///
    /// Exit codes: 0 written, 2 a file could not be read or parsed (then
    /// nothing is written; the problems are shown as `check` shows them), a
    /// file could not be written, or the command was used wrongly.
    Report {
        /// Protocol files, or folders searched (with their sub-folders) for
        /// `*.esc`; links inside a folder are not followed (name a linked
        /// file or folder on the command line to include it).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The folder to write the site into; created if missing. Files of
        /// the same names are replaced, others left alone.
        #[arg(short, long, value_name = "SITE")]
        output: PathBuf,
    },
    /// Run the language server, over standard input and output: findings
    /// as you type, hover, go to definition, rename, outline, completion,
    /// formatting and quick fixes in any editor that speaks LSP. Editors
    /// start it; there is no need to run it by hand.
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
    /// One line per finding and place, `path:line:col: severity[code]
    /// message`, for editors' problem matchers and `grep`.
    Concise,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    /// A line per scenario, and a report for each that fails.
    Human,
    /// One JSON document, for machines.
    Json,
    /// JUnit XML, which CI systems display as test results.
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DraftFormat {
    /// The `.esc` draft.
    Esc,
    /// What was found, with byte offsets, for editors and the playground.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum DiffFormat {
    /// A list of changes, for a terminal.
    Text,
    /// Markdown, to post on a pull request.
    Markdown,
    /// One JSON document, for machines.
    Json,
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

fn main() -> ExitCode {
    #[cfg(feature = "mimalloc")]
    return_freed_memory_soon();
    cli::panic::install();
    // `--version` also says which bank-holiday tables are built in; clap's
    // messages quote the arguments, shown as source text is.
    let cli: Cli = cli::parse_arguments();
    cli::set_color(cli.color);
    if cli.command.writes_files() {
        cli::panic::clean_up_on_interrupt();
    }
    cli::panic::debug_trigger();
    match cli.command {
        Command::Check { paths, format, deny, exclude, quiet, statistics } => {
            cli::check(paths, format, cli::CheckOptions { deny, exclude, quiet, statistics })
        }
        Command::Fmt { paths, check, diff, exclude } => cli::fmt(paths, check, diff, &exclude),
        Command::Explain { code } => cli::explain(&code),
        Command::Rules { path } => cli::rules(path.as_deref()),
        Command::Compare { paths, format } => cli::compare(&paths, format),
        Command::Init { path, parents } => cli::init(path.as_deref(), parents),
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
        Command::Timeline { file, from, calendar, format, output, pathway } => {
            cli::timeline(&file, from, calendar.as_deref(), format, output.as_deref(), pathway.as_deref())
        }
        Command::Render { path, format, output, no_findings, engine, scale, paper, title, subtitle } => {
            let header = cli::Header { title, subtitle, scale, paper };
            cli::render_command(&path, format, output.as_deref(), no_findings, engine, &header)
        }
        Command::Report { paths, output } => cli::report(&paths, &output),
        Command::Diff { old, new, format } => cli::diff(&old, &new, format),
        Command::Draft { source, output, format } => cli::draft(&source, output.as_deref(), format),
        Command::Test { paths, format } => cli::test(paths, format),
        #[cfg(feature = "lsp")]
        Command::Lsp => escalate::lsp::run(),
    }
}

impl Command {
    /// Whether the command may write files (through temporary files that an
    /// interrupt must remove).
    fn writes_files(&self) -> bool {
        match self {
            Command::Fmt { check, diff, .. } => !check && !diff,
            Command::Init { .. } | Command::Report { .. } => true,
            Command::Render { output, .. } | Command::Timeline { output, .. } => output.is_some(),
            Command::Draft { output, .. } => output.is_some(),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimelineFormat {
    /// A table with notes, for people.
    Text,
    /// One JSON document, for machines.
    Json,
    /// An iCalendar file (RFC 5545), to import into a calendar.
    Ics,
}

/// `--from`: `today`, exactly `YYYY-MM-DD`, or the UK's `DD/MM/YYYY` (chrono
/// alone would also take `2026-1-5`, and `01/02/2026` is never the 2nd of January).
fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    if text.eq_ignore_ascii_case("today") {
        return Ok(chrono::Local::now().date_naive());
    }
    let shaped = |dash: usize, dash2: usize, sep: u8| {
        text.len() == 10
            && text
                .bytes()
                .enumerate()
                .all(|(i, b)| if i == dash || i == dash2 { b == sep } else { b.is_ascii_digit() })
    };
    let format = if shaped(4, 7, b'-') {
        "%Y-%m-%d"
    } else if shaped(2, 5, b'/') {
        "%d/%m/%Y"
    } else {
        return Err(format!(
            "`{text}` is not a date: write `today`, YYYY-MM-DD or DD/MM/YYYY, such as 2026-12-21 or 21/12/2026"
        ));
    };
    chrono::NaiveDate::parse_from_str(text, format)
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
    /// A PNG picture (`--scale` sets its resolution).
    Png,
    /// An A4 PDF page, the diagram fitted, its text kept as text.
    Pdf,
}

impl DiagramFormat {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            DiagramFormat::Svg => "svg",
            DiagramFormat::Dot => "dot",
            DiagramFormat::Mermaid => "mmd",
            DiagramFormat::Png => "png",
            DiagramFormat::Pdf => "pdf",
        }
    }

    pub(crate) fn from_extension(path: &Path) -> Option<DiagramFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(DiagramFormat::Svg),
            "dot" | "gv" => Some(DiagramFormat::Dot),
            "mmd" | "mermaid" => Some(DiagramFormat::Mermaid),
            "png" => Some(DiagramFormat::Png),
            "pdf" => Some(DiagramFormat::Pdf),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub(crate) enum PaperSize {
    /// A4 (210 x 297 mm).
    A4,
    /// A3 (297 x 420 mm).
    A3,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Engine {
    /// escalate's own layout: no other program needed.
    Builtin,
    /// Graphviz's `dot -Tsvg`.
    Graphviz,
}

// mimalloc or the system allocator, chosen on the figures (release, 2 cores,
// 2026-12-02, docs/performance.md): mimalloc checks synth 100k in 3.4-4.0 s
// at 465 MB against 4.3-4.4 s at 605 MB, and a folder of 100 policies in
// 97 ms against 120 ms; the system allocator starts faster (one seed policy
// 7.3 ms against 10.4 ms, `--version` 3.4 ms against 6.3 ms). The 3 ms are
// not felt in a hook or an editor (the language server starts once); the
// seconds and the folders of CI are, so mimalloc.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Give freed memory back to the system after 10 ms rather than mimalloc's
/// default 1 s (issue 27): `check` frees the syntax tree while it builds the
/// model, and a large file's check is over within the second, so with the
/// default none of it was given back and the resident peak held both (synth
/// 100k: 406-439 MiB at 1 s, 317-327 MiB at 10 ms, with no slower run).
#[cfg(feature = "mimalloc")]
fn return_freed_memory_soon() {
    unsafe extern "C" {
        /// mimalloc's `mi_option_set` (in the library the `mimalloc` crate
        /// builds; its Rust binding names only some of the options).
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_purge_delay` in `mimalloc.h`'s `mi_option_e` (the same
    /// number in its versions 2 and 3).
    const PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: sets one option of the allocator, which any thread may do at
    // any time; the option takes a number of milliseconds.
    unsafe { mi_option_set(PURGE_DELAY, 10) };
}
