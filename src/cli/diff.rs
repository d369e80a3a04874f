//! `escalate diff OLD NEW`.

use std::path::Path;
use std::process::{Command, ExitCode};

use super::*;
use crate::DiffFormat;
use escalate::diff::Diff;
use escalate::render;

/// `escalate diff OLD NEW`: 0 same meaning, 1 differs, 2 input error.
pub(crate) fn diff(old: &str, new: &str, format: DiffFormat) -> ExitCode {
    let mut reports = Vec::new();
    let mut configs = escalate::config::Configs::default();
    for arg in [old, new] {
        // A file at a revision takes the `.escalate.toml` of its folder in the work tree.
        let (mut report, folder_of) = match read_version(arg) {
            Ok(read) => read,
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        };
        match configs.for_file(&folder_of) {
            Ok(Some(config)) => config.apply(&mut report),
            Ok(None) => {}
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
        reports.push(report);
    }
    if !show_broken(&reports).is_empty() {
        eprintln!("error: only protocols that load can be compared: fix the problems above");
        return ExitCode::from(2);
    }
    let Some(d) = Diff::of(&reports[0], &reports[1]) else { return ExitCode::from(2) };
    let output = match format {
        DiffFormat::Text => render::diff::text(&d),
        DiffFormat::Markdown => render::diff::markdown(&d),
        DiffFormat::Json => render::diff::json(&d),
    };
    print(&output);
    if d.is_same() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// A file, `-` (standard input), or `REV:PATH` (the file at a git revision).
/// Returns the report and the name its configuration is found by.
fn read_version(arg: &str) -> Result<(Report, String), String> {
    let path = Path::new(arg);
    if arg == "-" || path.exists() {
        let mut reports = Vec::new();
        if path.is_dir() {
            return Err(format!("`{arg}` is a folder: give one protocol file"));
        }
        collect(path, &mut reports);
        return reports.pop().map(|r| (r, arg.to_string())).ok_or_else(|| format!("cannot read `{arg}`"));
    }
    let Some((rev, file)) = arg.split_once(':').filter(|(rev, file)| !rev.is_empty() && !file.is_empty())
    else {
        return Err(format!(
            "cannot read `{arg}`: no such file (for a file at a git revision, write `REV:PATH`, e.g. `HEAD~1:{arg}`)"
        ));
    };
    let output = Command::new("git").args(["show", "--no-textconv", &format!("{rev}:{file}")]).output();
    match output {
        Err(e) => Err(format!("cannot run `git show {arg}` to read `{file}` at revision `{rev}`: {e}")),
        Ok(out) if !out.status.success() => {
            let why = String::from_utf8_lossy(&out.stderr);
            let why = why.lines().next().unwrap_or("").trim_start_matches("fatal: ");
            let why: String = why.chars().filter(|c| !c.is_control()).collect();
            Err(format!("cannot read `{file}` at git revision `{rev}`: {why}"))
        }
        Ok(out) => Ok((escalate::check_bytes(arg, out.stdout), file.to_string())),
    }
}
