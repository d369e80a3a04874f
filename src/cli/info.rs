//! `escalate explain`, `escalate rules` and `escalate init`: the commands that explain escalate
//! itself or start a protocol.

use std::path::Path;
use std::process::ExitCode;

use super::*;
use escalate::diagnostic::Code;

/// `escalate explain CODE`.
pub(crate) fn explain(name: &str) -> ExitCode {
    match escalate::explain::lookup(name) {
        Ok(code) => {
            print(&escalate::explain::explain(code, 80));
            ExitCode::SUCCESS
        }
        Err(suggestion) => {
            let hint = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => "`escalate rules` lists every code".to_string(),
            };
            error(&format!("there is no code `{name}`: {hint}"));
            ExitCode::from(2)
        }
    }
}

/// `escalate rules`: every code, its default and its severity here.
pub(crate) fn rules(dir: Option<&Path>) -> ExitCode {
    use escalate::config::{Config, Level};
    let dir = dir.unwrap_or(Path::new("."));
    let config = match Config::find(dir) {
        Ok(config) => config,
        Err(message) => {
            error(&message);
            return ExitCode::from(2);
        }
    };
    let width = Code::ALL.iter().map(|c| c.as_str().len()).max().unwrap_or(0);
    let mut text = format!("{:width$}  {:7}  {:7}  what it finds\n", "check", "default", "here");
    for code in Code::checks() {
        let here = config.as_ref().map_or(Level::of(code.default_severity()), |c| c.level(code));
        let default = Level::of(code.default_severity());
        text.push_str(&format!("{:width$}  {:7}  {:7}  {}\n", code.as_str(), default, here, code.summary()));
    }
    text.push_str("\ninput errors (the file is not checked, and check exits with code 2):\n");
    for code in Code::ALL.iter().filter(|c| c.is_input_error()) {
        text.push_str(&format!("{:width$}  {}\n", code.as_str(), code.summary()));
    }
    text.push('\n');
    match &config {
        Some(c) if c.severity.is_empty() => text.push_str(&format!(
            "{} sets no severities: every check has its default severity\n",
            shown(&c.path)
        )),
        Some(c) => text.push_str(&format!("severities here are set by {}\n", shown(&c.path))),
        None => text.push_str(&format!(
            "no {} in `{}` or above it: every check has its default severity\n",
            escalate::config::FILE_NAME,
            shown(dir)
        )),
    }
    text.push_str("`escalate explain CODE` explains any of them\n");
    print(&text);
    ExitCode::SUCCESS
}

/// `escalate init [PATH]`.
pub(crate) fn init(path: Option<&Path>, parents: bool) -> ExitCode {
    match escalate::init::write(path, parents) {
        Ok(file) => {
            let name = shown(&file);
            println!("wrote {name}: a starter protocol that passes `escalate check`");
            println!("next: replace its titles, parties and timescales with your document's, then run");
            println!("  escalate check {name}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            error(&message.to_string());
            ExitCode::from(2)
        }
    }
}
