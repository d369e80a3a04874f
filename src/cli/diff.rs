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
                error(&message);
                return ExitCode::from(2);
            }
        };
        match configs.for_file(&folder_of) {
            Ok(Some(config)) => config.apply(&mut report),
            Ok(None) => {}
            Err(message) => {
                error(&message);
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
    // A revision is never an option: `--output=FILE` would make `git show`
    // write FILE. Refused here, and `--end-of-options` makes git read what
    // follows as a revision whatever it looks like.
    if rev.starts_with('-') {
        return Err(format!(
            "`{rev}` is not a git revision: a revision cannot start with `-` (write `REV:PATH`, e.g. `HEAD~1:{file}`)"
        ));
    }
    git_show(rev, file).map(|read| match read {
        escalate::Bounded::Bytes(bytes) => (escalate::check_bytes(arg, bytes), file.to_string()),
        escalate::Bounded::TooLarge(size) => (escalate::too_large(arg, size), file.to_string()),
    })
}

/// The bytes of `file` at revision `rev`, read from `git show` as it writes
/// them: the blob's size is asked first (`git cat-file -s`) and a blob over
/// the size limit is never read; should it grow past the limit anyway,
/// reading stops one byte past it and git is stopped.
fn git_show(rev: &str, file: &str) -> Result<escalate::Bounded, String> {
    use std::process::Stdio;
    let object = format!("{rev}:{file}");
    let failed = |out: &std::process::Output| {
        let why = String::from_utf8_lossy(&out.stderr);
        let why = why.lines().next().unwrap_or("").trim_start_matches("fatal: ").to_string();
        format!("cannot read `{file}` at git revision `{rev}`: {why}")
    };
    let cannot_run = |e: std::io::Error| {
        format!("cannot run `git show {object}` to read `{file}` at revision `{rev}`: {e}")
    };
    let size = Command::new("git")
        .args(["cat-file", "-s", "--end-of-options", &object])
        .output()
        .map_err(cannot_run)?;
    if !size.status.success() {
        return Err(failed(&size));
    }
    let size: Option<u64> = String::from_utf8_lossy(&size.stdout).trim().parse().ok();
    if let Some(size) = size.filter(|&s| s > escalate::MAX_FILE_BYTES as u64) {
        return Ok(escalate::Bounded::TooLarge(Some(size)));
    }
    let mut child = Command::new("git")
        .args(["show", "--no-textconv", "--end-of-options", &object])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(cannot_run)?;
    let read = child.stdout.take().map(|out| escalate::read_bounded_from(out, size));
    if matches!(read, Some(Ok(escalate::Bounded::TooLarge(_)))) {
        // Only the git this run started, by its handle.
        let _ = child.kill();
    }
    let out = child.wait_with_output().map_err(cannot_run)?;
    match read {
        Some(Ok(escalate::Bounded::TooLarge(size))) => Ok(escalate::Bounded::TooLarge(size)),
        _ if !out.status.success() => Err(failed(&out)),
        Some(Ok(bytes)) => Ok(bytes),
        Some(Err(e)) => Err(cannot_run(e)),
        None => Err(cannot_run(std::io::Error::other("no output"))),
    }
}
