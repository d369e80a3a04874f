//! `escalate report`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::*;
use escalate::Report;
use escalate::diagnostic::Severity;
use escalate::render;

/// `escalate report PATH... -o SITE`: check every protocol, then write the
/// site. Nothing is written if any file has input errors; their diagnostics
/// go to stderr, as `check` shows them.
pub(crate) fn report(paths: &[PathBuf], output: &Path) -> ExitCode {
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
