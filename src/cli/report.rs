//! `escalate report`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::*;
use escalate::diagnostic::Severity;

/// `escalate report PATH... -o SITE`: check every protocol, then write the
/// site. Nothing is written if any file has input errors; their diagnostics
/// go to stderr, as `check` shows them.
pub(crate) fn report(paths: &[PathBuf], output: &Path) -> ExitCode {
    let reports = match load_all(paths) {
        Ok(reports) => reports,
        Err(code) => return code,
    };
    let broken = show_broken(&reports);
    if !broken.is_empty() {
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
        eprintln!("error: `{}` is a file: `-o` names the folder to write the site into", shown(output));
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
                shown(output),
                shown(&output.join("index.html"))
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            error(&format!("cannot write the site into `{}`: {e}", output.display()));
            ExitCode::from(2)
        }
    }
}
