//! `escalate check`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use crate::{Deny, Format};
use escalate::Report;
use escalate::diagnostic::Severity;
use escalate::render;

pub(crate) fn check(paths: Vec<PathBuf>, format: Format, deny: Option<Deny>) -> ExitCode {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    // `load_all` applies the repository's `.escalate.toml` first: `--deny
    // warnings` then sees the severities it sets.
    let mut reports = match load_all(&paths) {
        Ok(reports) => reports,
        Err(code) => return code,
    };
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
