//! `escalate check`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::Format;
use escalate::Report;
use escalate::diagnostic::Severity;
use escalate::render;

/// The options of `escalate check` beside its paths and format.
pub(crate) struct CheckOptions {
    /// `warnings`, or check codes whose findings count as errors.
    pub(crate) deny: Vec<String>,
    /// Globs left out of folder searches.
    pub(crate) exclude: Vec<String>,
    /// No summary line.
    pub(crate) quiet: bool,
    /// A count per code instead of each finding.
    pub(crate) statistics: bool,
}

pub(crate) fn check(paths: Vec<PathBuf>, format: Format, options: CheckOptions) -> ExitCode {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let deny = match denied(&options.deny) {
        Ok(deny) => deny,
        Err(message) => {
            error(&message);
            return ExitCode::from(2);
        }
    };
    if options.statistics && !matches!(format, Format::Human) {
        eprintln!("error: `--statistics` counts findings for people: use it without `--format`");
        return ExitCode::from(2);
    }
    // `load_all` applies the repository's `.escalate.toml` first: `--deny
    // warnings` then sees the severities it sets.
    let mut reports = match load_all_except(&paths, &options.exclude) {
        Ok(reports) => reports,
        Err(code) => return code,
    };
    for report in &mut reports {
        if deny.warnings {
            report.deny_warnings();
        }
        for f in report.findings.iter_mut().filter(|f| f.is_active() && deny.codes.contains(&f.code)) {
            f.severity = Severity::Error;
        }
    }

    let output = match format {
        Format::Json => render::json::render(&reports),
        Format::Sarif => render::sarif::render(&reports),
        Format::Github => github(&reports, options.quiet),
        Format::Concise => {
            let mut text = render::concise::render(&reports);
            if !options.quiet {
                text.push_str(&summary(&reports));
            }
            text
        }
        Format::Human => {
            let mut text = if options.statistics {
                statistics(&reports)
            } else {
                // Drawn on every core, in order: for a folder of policies the
                // report takes a third of the time (a hundred policies: 30 ms of 91).
                let color = colored(supports_color::Stream::Stdout);
                in_parallel(&reports, |chunk| {
                    let handler = render::human::handler(color);
                    chunk.iter().map(|report| render::human::render(report, &handler)).collect::<String>()
                })
                .concat()
            };
            if !options.quiet {
                text.push_str(&summary(&reports));
            }
            text
        }
    };
    print(&output);

    let code = ExitCode::from(render::sarif::exit_code(&reports));
    // The process ends here: freeing a large protocol piece by piece would
    // only delay the exit (as rustc does, leave it to the operating system).
    std::mem::forget(reports);
    code
}

/// What `--deny` asks for, checked: `warnings`, or codes of checks.
#[derive(Default)]
struct Denied {
    warnings: bool,
    codes: Vec<Code>,
}

fn denied(values: &[String]) -> Result<Denied, String> {
    let mut deny = Denied::default();
    for value in values {
        if value == "warnings" {
            deny.warnings = true;
            continue;
        }
        match Code::parse(value) {
            Some(code) if !code.is_input_error() => deny.codes.push(code),
            Some(code) => {
                return Err(format!(
                    "`--deny {code}`: `{code}` is an input error, and always stops the file from being checked"
                ));
            }
            None => {
                let names = std::iter::once("warnings").chain(Code::checks().map(Code::as_str));
                let hint = match escalate::diagnostic::suggest(value, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "it takes `warnings` or a check's code (`escalate rules` lists them)".to_string(),
                };
                return Err(format!(
                    "`--deny {}`: there is no check called `{}`: {hint}",
                    render::human::visible_line(value),
                    render::human::visible_line(value)
                ));
            }
        }
    }
    Ok(deny)
}

/// `checked 3 files: 2 errors, 1 warning`.
fn summary(reports: &[Report]) -> String {
    let files = if reports.len() == 1 { "1 file".to_string() } else { format!("{} files", reports.len()) };
    format!("checked {files}: {}\n", escalate::Totals::of(reports).words())
}

/// `--statistics`: one line per code that was found, the most frequent
/// first: how many, the code, its severity, what it finds.
fn statistics(reports: &[Report]) -> String {
    // Findings, as the totals count them, and the places they are marked at
    // (as JSON and SARIF list them).
    let mut counts: BTreeMap<(Code, Severity), (usize, usize)> = BTreeMap::new();
    for f in reports.iter().flat_map(|r| &r.findings).filter(|f| f.is_active()) {
        let entry = counts.entry((f.code, f.severity)).or_default();
        entry.0 += 1;
        entry.1 += f.places.len().max(1);
    }
    let mut rows: Vec<((Code, Severity), (usize, usize))> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let count_width =
        rows.iter().map(|(_, (n, _))| n.to_string().len()).max().unwrap_or(1).max("findings".len());
    let place_width =
        rows.iter().map(|(_, (_, p))| p.to_string().len()).max().unwrap_or(1).max("places".len());
    let code_width = rows.iter().map(|((c, _), _)| c.as_str().len()).max().unwrap_or(0).max("code".len());
    let mut text = format!(
        "{:>count_width$}  {:>place_width$}  {:code_width$}  {:7}  what it finds\n",
        "findings", "places", "code", "level"
    );
    for ((code, severity), (n, places)) in rows {
        let severity = if severity == Severity::Error { "error" } else { "warning" };
        text.push_str(&format!(
            "{n:>count_width$}  {places:>place_width$}  {:code_width$}  {severity:7}  {}\n",
            code.as_str(),
            code.summary()
        ));
    }
    text
}

/// `--format github`: the annotations, a note when GitHub will not show
/// them all, and the whole list in the step summary when there is one.
fn github(reports: &[Report], quiet: bool) -> String {
    let mut out = render::github::render(reports);
    if quiet {
        // The last line is the totals.
        let kept = out.trim_end_matches('\n').rsplit_once('\n').map_or("", |(head, _)| head);
        out = if kept.is_empty() { String::new() } else { format!("{kept}\n") };
    }
    let mut summary_written = false;
    if let Some(file) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|f| !f.is_empty()) {
        use std::io::Write as _;
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&file)
            .and_then(|mut f| f.write_all(render::github::step_summary(reports).as_bytes()));
        match written {
            Ok(()) => summary_written = true,
            Err(e) => eprintln!(
                "warning: cannot write the step summary to `{}`: {e}",
                PathBuf::from(file).display()
            ),
        }
    }
    if let Some(note) = render::github::limit_note(reports, summary_written) {
        out.push_str(&note);
    }
    out
}
