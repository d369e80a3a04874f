//! The commands of the `escalate` binary, one module each (`main.rs` only parses
//! the arguments), and what they share: finding and reading protocol files, and
//! printing.

mod check;
mod compare;
mod diagram;
mod diff;
mod draft;
mod fmt;
mod info;
pub(crate) mod panic;
mod report;
mod test;
mod timeline;

pub(crate) use check::{CheckOptions, check};
pub(crate) use compare::compare;
pub(crate) use diagram::{Header, render_command};
pub(crate) use diff::diff;
pub(crate) use draft::draft;
pub(crate) use fmt::fmt;
pub(crate) use info::{explain, init, rules};
pub(crate) use report::report;
pub(crate) use test::test;
pub(crate) use timeline::timeline;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use escalate::Report;
use escalate::diagnostic::{Code, Finding};

/// Every protocol under `paths`, read and checked, with the repository's
/// `.escalate.toml` severities applied. On failure (nothing found, or a bad
/// configuration) the message is printed and the exit code returned.
pub(crate) fn load_all(paths: &[PathBuf]) -> Result<Vec<Report>, ExitCode> {
    load_all_except(paths, &[])
}

/// As [`load_all`], leaving out what the `--exclude` globs name in folders
/// searched.
pub(crate) fn load_all_except(paths: &[PathBuf], exclude: &[String]) -> Result<Vec<Report>, ExitCode> {
    let sources = match find(paths, exclude) {
        Ok(sources) => sources,
        Err(message) => {
            error(&message);
            return Err(ExitCode::from(2));
        }
    };
    if sources.is_empty() {
        eprintln!("error: no `.esc` files found in {}", show_paths(paths));
        return Err(ExitCode::from(2));
    }
    let mut reports = read_all(sources);
    if let Err(message) = escalate::config::Configs::default().apply(&mut reports) {
        error(&message.to_string());
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

/// How to draw reports on stderr, coloured as [`colored`] says.
pub(crate) fn stderr_handler() -> miette::GraphicalReportHandler {
    escalate::render::human::handler(colored(supports_color::Stream::Stderr))
}

/// `--color`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour a terminal (not with `NO_COLOR`), and any output with
    /// `FORCE_COLOR` or `CLICOLOR_FORCE`.
    Auto,
    /// Always colour, even a file or a pipe.
    Always,
    /// Never colour.
    Never,
}

static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

/// Record `--color` for the whole run (set once, by `main`).
pub(crate) fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether to colour `stream`: `--color always|never` decide; `auto` reads
/// the environment as the `supports-color` crate does (`FORCE_COLOR` and
/// `CLICOLOR_FORCE` turn colours on even in a CI log, `NO_COLOR` and
/// `TERM=dumb` turn them off, otherwise a terminal is coloured).
pub(crate) fn colored(stream: supports_color::Stream) -> bool {
    match COLOR.get().copied().unwrap_or(ColorChoice::Auto) {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => supports_color::on(stream).is_some(),
    }
}

/// The values `explain` and `--deny` take, for shell completion: every code
/// (and `warnings` for `--deny`). Any text is accepted here, so that the
/// command itself can answer a misspelt code with "did you mean".
#[derive(Clone)]
pub(crate) struct CodeNames {
    pub(crate) warnings: bool,
}

impl clap::builder::TypedValueParser for CodeNames {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        use clap::builder::PossibleValue;
        let warnings = self.warnings.then(|| PossibleValue::new("warnings").help("every warning"));
        let codes: Vec<&'static Code> = if self.warnings {
            Code::ALL.iter().filter(|c| !c.is_input_error()).collect()
        } else {
            Code::ALL.iter().collect()
        };
        Some(Box::new(
            warnings
                .into_iter()
                .chain(codes.into_iter().map(|c| PossibleValue::new(c.as_str()).help(c.summary()))),
        ))
    }
}

/// `escalate --version`: the version, the bank-holiday tables built in, and
/// what this build can write and read beyond `check` (the `full` feature's).
pub(crate) fn long_version() -> String {
    use escalate::calendar::Calendar;
    let tables: Vec<String> = Calendar::NAMES
        .iter()
        .filter_map(|name| Calendar::named(name))
        .map(|c| {
            let (first, last) = c.published_years();
            format!("{} {first}-{last}", c.name())
        })
        .collect();
    let has = |yes: bool, what: &str| if yes { what.to_string() } else { format!("no {what}") };
    let features = [
        has(cfg!(feature = "png-pdf"), "PNG and PDF diagrams"),
        has(cfg!(feature = "draft-docs"), "drafts from Word, PDF and HTML"),
        has(cfg!(feature = "lsp"), "language server"),
    ];
    format!(
        "{}\nbank holidays (tables): {}\nbuilt with: {}",
        env!("CARGO_PKG_VERSION"),
        tables.join(", "),
        features.join(", ")
    )
}

/// Read `path` (a file, a directory, or `-`) into reports.
pub(crate) fn collect(path: &Path, reports: &mut Vec<Report>) {
    match find(std::slice::from_ref(&path.to_path_buf()), &[]) {
        Ok(sources) => reports.extend(read_all(sources)),
        Err(error) => reports.push(read_error(&path.display().to_string(), &std::io::Error::other(error))),
    }
}

/// One thing to read: standard input, a file, or something found in a
/// folder search that cannot be read (already a report).
pub(crate) enum Source {
    Stdin,
    File(PathBuf),
    Unreadable(Box<Report>),
}

/// What `paths` name, in order, each file once: a file as given (even one
/// whose name does not end in `.esc`), and for a folder the protocols found
/// in it and its sub-folders, sorted by path.
///
/// A folder search, as `git` and `ripgrep` search (the `ignore` crate),
/// leaves out what `.gitignore`, `.ignore` and `.git/info/exclude` name,
/// hidden files and folders (`.git/` among them) and `node_modules/`; then
/// what the `--exclude` globs name (relative to the current folder) and the
/// `exclude` globs of the nearest `.escalate.toml` (relative to its folder).
/// That file's `include` globs, if any, say which files are protocols
/// instead of `*.esc`. Symbolic links inside a folder are not followed, as
/// ripgrep and ruff do not follow them: a link could lead anywhere (`/`, or
/// `/proc/self/environ`, whose text `fmt --diff` would print). A link named
/// on the command line is followed: the user pointed at it.
pub(crate) fn find(paths: &[PathBuf], exclude: &[String]) -> Result<Vec<Source>, String> {
    let here = std::env::current_dir().unwrap_or_default();
    let command_line = Globs::new(exclude, &here, "--exclude")?;
    let mut configs = escalate::config::Configs::default();
    let mut seen = std::collections::HashSet::new();
    // A file named twice (or found twice: `check a.esc .`) is read once, where
    // it first appears.
    let mut once = |path: &Path| seen.insert(path.canonicalize().unwrap_or_else(|_| here.join(path)));
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if once(path) {
                sources.push(Source::Stdin);
            }
            continue;
        }
        if !path.is_dir() {
            if once(path) {
                sources.push(Source::File(path.clone()));
            }
            continue;
        }
        let config = configs.for_dir(path)?;
        let (include, config_exclude) = match config {
            Some(c) => {
                let base = c.path.parent().unwrap_or(Path::new("/"));
                let shown = c.path.display().to_string();
                (
                    Globs::new(&c.include, base, &format!("{shown}: `include`"))?,
                    Globs::new(&c.exclude, base, &format!("{shown}: `exclude`"))?,
                )
            }
            None => (Globs::default(), Globs::default()),
        };
        // A folder named on the command line is searched even where the
        // configuration's `exclude` names it (or a folder above it): it was
        // asked for by name, as a file named is always read.
        let config_exclude =
            if config_exclude.matches(&here.join(path)) { Globs::default() } else { config_exclude };
        let excluded = {
            let (command_line, config_exclude, here) =
                (command_line.clone(), config_exclude.clone(), here.clone());
            move |p: &Path| {
                let absolute = here.join(p);
                command_line.matches(&absolute) || config_exclude.matches(&absolute)
            }
        };
        let skip = excluded.clone();
        let walker = ignore::WalkBuilder::new(path)
            .follow_links(false)
            // `.gitignore` counts in a folder that is not (yet) a repository too.
            .require_git(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !(is_dir && entry.depth() > 0 && (entry.file_name() == "node_modules" || skip(entry.path())))
            })
            .build();
        let mut found = Vec::new();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    if let Some(unreadable) = walk_error(error, &excluded) {
                        found.push((unreadable, None));
                    }
                    continue;
                }
            };
            let p = entry.path();
            let is_protocol = if include.is_empty() {
                p.extension().is_some_and(|e| e == "esc")
            } else {
                include.matches(&here.join(p))
            };
            if entry.depth() == 0 || !is_protocol || excluded(p) {
                continue;
            }
            match entry.file_type() {
                Some(t) if t.is_dir() || t.is_symlink() => {}
                Some(t) if t.is_file() => found.push((p.to_path_buf(), None)),
                // A FIFO, socket or device named `*.esc` is no protocol, and
                // opening a FIFO waits for a writer for ever: report it unread.
                _ => {
                    let error = std::io::Error::other("not a regular file (a FIFO, socket or device)");
                    found.push((p.to_path_buf(), Some(read_error(&p.display().to_string(), &error))));
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        for (p, unreadable) in found {
            if once(&p) {
                sources.push(match unreadable {
                    Some(report) => Source::Unreadable(Box::new(report)),
                    None => Source::File(p),
                });
            }
        }
    }
    Ok(sources)
}

/// A folder search's error about one entry: a protocol that cannot be read
/// (a link to nothing, a link to itself) is kept, to be reported when its
/// reading fails; a loop of folder links and trouble with an ignore file
/// are not protocols, and are passed over.
fn walk_error(error: ignore::Error, excluded: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    let mut error = error;
    let mut path = None;
    loop {
        match error {
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error = *err,
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p);
                error = *err;
            }
            ignore::Error::Io(_) => {
                let path = path?;
                let wanted = path.extension().is_some_and(|e| e == "esc") || path.is_dir();
                return (wanted && !excluded(&path)).then_some(path);
            }
            _ => return None,
        }
    }
}

/// Globs a user wrote, matched against paths below `base`: a glob with a `/`
/// against the path from `base` (`drafts/*.esc`, `**/old/*.esc`), one
/// without against each file or folder name (`node_modules`, `*-draft.esc`).
#[derive(Clone, Default)]
struct Globs {
    base: PathBuf,
    paths: Option<std::sync::Arc<globset::GlobSet>>,
    names: Option<std::sync::Arc<globset::GlobSet>>,
    empty: bool,
}

impl Globs {
    fn new(globs: &[String], base: &Path, what: &str) -> Result<Globs, String> {
        let mut paths = globset::GlobSetBuilder::new();
        let mut names = globset::GlobSetBuilder::new();
        for text in globs {
            let trimmed = text.trim_start_matches("./").trim_end_matches('/');
            let glob = globset::GlobBuilder::new(trimmed)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("{what}: `{text}` is not a glob: {}", e.kind()))?;
            if trimmed.contains('/') {
                paths.add(glob)
            } else {
                names.add(glob)
            };
        }
        let build = |b: globset::GlobSetBuilder| {
            b.build().map(std::sync::Arc::new).map_err(|e| format!("{what}: {e}"))
        };
        Ok(Globs {
            base: base.to_path_buf(),
            paths: Some(build(paths)?),
            names: Some(build(names)?),
            empty: globs.is_empty(),
        })
    }

    fn is_empty(&self) -> bool {
        self.empty || self.paths.is_none()
    }

    fn matches(&self, absolute: &Path) -> bool {
        if self.is_empty() {
            return false;
        }
        let clean: PathBuf =
            absolute.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
        let Ok(relative) = clean.strip_prefix(&self.base) else { return false };
        self.paths.as_ref().is_some_and(|g| g.is_match(relative))
            || self.names.as_ref().is_some_and(|g| relative.components().any(|c| g.is_match(c.as_os_str())))
    }
}

/// `work` on consecutive chunks of `items`, one chunk a core, the results
/// in the items' order.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = escalate::parallel::threads_for(items.len());
    let chunks: Vec<&[T]> = items.chunks(items.len().div_ceil(threads).max(1)).collect();
    escalate::parallel::each(&chunks, threads, |chunk| work(chunk))
}

/// Read and check every source, on every core, in the order given.
pub(crate) fn read_all(sources: Vec<Source>) -> Vec<Report> {
    let threads = escalate::parallel::threads_for(sources.len());
    // Each source is taken once; one whose thread panicked is gone, and said so.
    let slots: Vec<std::sync::Mutex<Option<Source>>> =
        sources.into_iter().map(|s| std::sync::Mutex::new(Some(s))).collect();
    escalate::parallel::each(&slots, threads, |slot| {
        match slot.lock().map(|mut s| s.take()).unwrap_or(None) {
            Some(Source::Stdin) => read_stdin(),
            Some(Source::File(path)) => read_one(&path),
            Some(Source::Unreadable(report)) => *report,
            None => read_error("<unknown>", &std::io::Error::other("not read")),
        }
    })
}

fn read_stdin() -> Report {
    match escalate::read_bounded_from(std::io::stdin().lock(), None) {
        Ok(escalate::Bounded::Bytes(bytes)) => escalate::check_bytes("<stdin>", bytes),
        Ok(escalate::Bounded::TooLarge(size)) => escalate::too_large("<stdin>", size),
        Err(e) => read_error("<stdin>", &e),
    }
}

fn read_one(path: &Path) -> Report {
    let mut reports = Vec::new();
    read_file(path, &mut reports);
    reports
        .pop()
        .unwrap_or_else(|| read_error(&path.display().to_string(), &std::io::Error::other("not read")))
}

/// Read and check one file, its size checked before it is read
/// ([`escalate::read_bounded`]).
pub(crate) fn read_file(path: &Path, reports: &mut Vec<Report>) {
    let name = path.display().to_string();
    reports.push(match escalate::read_bounded(path) {
        Ok(escalate::Bounded::Bytes(bytes)) => escalate::check_bytes(&name, bytes),
        Ok(escalate::Bounded::TooLarge(size)) => escalate::too_large(&name, size),
        Err(e) => read_error(&name, &e),
    });
}

pub(crate) fn read_error(name: &str, error: &std::io::Error) -> Report {
    let shown = escalate::render::human::visible_line(name);
    let finding = Finding::new(Code::ReadError, format!("cannot read `{shown}`: {error}"))
        .help("check that the path exists and that you may read it");
    Report {
        path: name.to_string(),
        source: String::new(),
        protocol: None,
        analysis: None,
        findings: vec![finding],
    }
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
    // `--version` also says which bank-holiday tables are built in. Saying
    // so parses all three tables, two thirds of what `--version` costs, so
    // it is only said when asked for (clap shows it for `--version` alone).
    let long_version: Option<&'static str> =
        std::env::args_os().any(|a| a == "--version").then(|| &*Box::leak(long_version().into_boxed_str()));
    let parse = |args: Vec<std::ffi::OsString>| {
        let mut command = P::command();
        if let Some(text) = long_version {
            command = command.long_version(text);
        }
        command.try_get_matches_from(args).and_then(|m| P::from_arg_matches(&m))
    };
    let error = match parse(std::env::args_os().collect()) {
        Ok(parsed) => return parsed,
        Err(error) => error,
    };
    if !error.use_stderr() {
        // `--help` and `--version`: clap's own text, styled, quoting nothing.
        let _ = error.print();
        std::process::exit(error.exit_code());
    }
    let shown =
        std::env::args_os().map(|a| escalate::render::human::visible_line(&a.to_string_lossy()).into());
    // The same mistake, quoted safely; should the safe form parse (it never
    // should), the first message, with its controls shown.
    let error = parse(shown.collect()).err().filter(|e| e.kind() == error.kind()).unwrap_or(error);
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
