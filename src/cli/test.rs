//! `escalate test`: run the scenarios beside each protocol (`NAME.scenarios`
//! beside `NAME.esc`; docs/testing.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::*;
use crate::TestFormat;
use escalate::render;
use escalate::render::scenario::Errored;
use escalate::scenario::FileResult;

/// The scenarios file of a protocol file.
fn sibling(protocol: &Path) -> PathBuf {
    protocol.with_extension("scenarios")
}

/// `escalate test [PATH]...`: 0 every scenario holds, 1 one fails, 2 input errors.
pub(crate) fn test(paths: Vec<PathBuf>, format: TestFormat) -> ExitCode {
    // Exit code 2, and with `--format junit` or `json` still a whole
    // document: what could not be run, and why.
    let stop = |errors: Vec<Errored>| {
        match format {
            TestFormat::Junit => print(&render::scenario::junit_errors(&errors)),
            TestFormat::Json => print(&render::scenario::json_errors(&errors)),
            TestFormat::Human => {}
        }
        ExitCode::from(2)
    };
    let misuse = |message: String| {
        error(&message);
        let message = escalate::render::human::visible_line(&message);
        stop(vec![Errored {
            file: "escalate test".to_string(),
            line: None,
            code: "usage".to_string(),
            details: message.clone(),
            message,
        }])
    };
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    // (protocol file, scenarios file) pairs.
    let mut pairs: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut problems = Vec::new();
    for path in &paths {
        if path.is_dir() {
            // Folders are searched as `check` searches them.
            let mut files: Vec<PathBuf> = match super::find(std::slice::from_ref(path), &[]) {
                Ok(sources) => sources
                    .into_iter()
                    .filter_map(|source| match source {
                        super::Source::File(file) => Some(file),
                        super::Source::Unreadable(report) => {
                            problems.push(*report);
                            None
                        }
                        super::Source::Stdin => None,
                    })
                    .collect(),
                Err(message) => return misuse(message),
            };
            files.sort();
            pairs.extend(files.into_iter().map(|f| (f.clone(), sibling(&f))).filter(|(_, s)| s.is_file()));
        } else if path.extension().is_some_and(|e| e == "scenarios") {
            pairs.push((path.with_extension("esc"), path.clone()));
        } else {
            let scenarios = sibling(path);
            if path.is_file() && !scenarios.is_file() {
                return misuse(format!(
                    "`{}` has no scenarios: write them in `{}` (see docs/testing.md)",
                    path.display(),
                    scenarios.display()
                ));
            }
            pairs.push((path.clone(), scenarios));
        }
    }
    let handler = stderr_handler();
    for problem in &problems {
        eprint!("{}", render::human::render(problem, &handler));
    }
    if pairs.is_empty() && problems.is_empty() {
        return misuse(format!(
            "no scenarios found in {}: a protocol's scenarios go in `NAME.scenarios` beside `NAME.esc` (see docs/testing.md)",
            show_paths(&paths)
        ));
    }

    let mut results = Vec::new();
    let mut broken: Vec<Errored> = problems.iter().map(Errored::of).collect();
    for (protocol, scenarios) in pairs {
        match run_pair(&protocol, &scenarios) {
            Ok(result) => results.push(result),
            Err(report) => {
                broken.push(Errored::of(&report));
                eprint!("{}", render::human::render(&report, &handler));
            }
        }
    }
    if !broken.is_empty() {
        eprintln!("error: fix the problems above: no scenario was run");
        return stop(broken);
    }

    let output = match format {
        TestFormat::Human => {
            let mut out = String::new();
            let color = std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none();
            let shown = escalate::render::human::handler(color);
            for r in &results {
                out.push_str(&render::scenario::list(r));
                let failures: Vec<_> = r.outcomes.iter().flat_map(escalate::scenario::findings).collect();
                if !failures.is_empty() {
                    let report = Report {
                        path: r.scenarios.clone(),
                        source: r.source.clone(),
                        protocol: None,
                        analysis: None,
                        findings: failures,
                    };
                    out.push('\n');
                    out.push_str(&render::human::render(&report, &shown));
                }
            }
            out.push_str(&render::scenario::summary(&results));
            out
        }
        TestFormat::Json => render::scenario::json(&results),
        TestFormat::Junit => render::scenario::junit(&results),
    };
    print(&output);
    let (_, failed) = render::scenario::totals(&results);
    if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Load a protocol and its scenarios and run them; a report of the input
/// errors (of whichever file has them) otherwise.
fn run_pair(protocol: &Path, scenarios: &Path) -> Result<FileResult, Box<Report>> {
    let mut reports = Vec::new();
    read_file(protocol, &mut reports);
    let report = reports
        .pop()
        .ok_or_else(|| read_error(&protocol.display().to_string(), &std::io::Error::other("not read")))?;
    let Some(model) = report.protocol.as_ref().filter(|_| !report.has_input_error()) else {
        return Err(Box::new(report));
    };
    let name = scenarios.display().to_string();
    // Its size checked before it is read, as a protocol file's is.
    let bytes = match escalate::read_bounded(scenarios) {
        Ok(escalate::Bounded::Bytes(bytes)) => bytes,
        Ok(escalate::Bounded::TooLarge(size)) => return Err(Box::new(escalate::too_large(&name, size))),
        Err(e) => return Err(Box::new(read_error(&name, &e))),
    };
    // Not UTF-8: refused as a protocol file would be.
    if std::str::from_utf8(&bytes).is_err() {
        return Err(Box::new(escalate::check_bytes(&name, bytes)));
    }
    let source = String::from_utf8_lossy(&bytes).into_owned();
    let failed = |findings| {
        Box::new(Report {
            path: name.clone(),
            source: source.clone(),
            protocol: None,
            analysis: None,
            findings,
        })
    };
    let parsed = escalate::syntax::parse_scenarios(&source).map_err(failed)?;
    let outcomes = escalate::scenario::run(model, &source, &parsed).map_err(failed)?;
    Ok(FileResult { protocol: report.path.clone(), scenarios: name, source, outcomes })
}
