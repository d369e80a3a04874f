//! Severity configuration for a repository of protocols: `.escalate.toml`.
//!
//! ```toml
//! [severity]
//! dead-end = "warning"
//! missing-record = "off"
//! ```
//!
//! Top-level `include` and `exclude` lists of globs (relative to the file's
//! folder) say which files a folder search takes: `exclude = ["drafts"]`.
//!
//! The file that applies to a protocol is the first `.escalate.toml` found
//! in the protocol's folder or the folders above it (as `rustfmt.toml` is
//! found). A repository sets its severities once, and every protocol in it
//! is checked alike; a protocol silences one finding with a reason by
//! `allow` instead.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Report;
use crate::diagnostic::{Code, Severity, suggest};

/// The configuration file's name.
pub const FILE_NAME: &str = ".escalate.toml";

/// The severity a repository gives a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Not reported at all.
    Off,
    Warning,
    Error,
}

impl Level {
    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Warning => Level::Warning,
            Severity::Error => Level::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that tables can align it with `{:7}`.
        f.pad(self.as_str())
    }
}

/// One `.escalate.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Where it was read from (empty for the built-in defaults).
    pub path: PathBuf,
    /// The checks it sets; the others keep their default severity.
    pub severity: BTreeMap<Code, Level>,
    /// Globs naming the protocols in a folder search, relative to this
    /// file's folder; empty means `*.esc`.
    pub include: Vec<String>,
    /// Globs naming files and folders a folder search leaves out, relative
    /// to this file's folder.
    pub exclude: Vec<String>,
}

/// The file as written; unknown tables or keys are mistakes worth reporting.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

impl Config {
    /// Parse a configuration file's text; `path` is for messages. A message
    /// shows the file's text as a report shows source text: its control
    /// characters as symbols (a name can hold a terminal escape sequence).
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        Config::parse_raw(text, path).map_err(|message| crate::render::human::visible_line(&message))
    }

    fn parse_raw(text: &str, path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let raw: Raw = toml::from_str(text).map_err(|e| format!("{shown}: {}", e.message()))?;
        let mut severity = BTreeMap::new();
        for (name, level) in raw.severity {
            let Some(code) = Code::parse(&name) else {
                let names = Code::checks().map(Code::as_str);
                let hint = match suggest(&name, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "`escalate rules` lists them".to_string(),
                };
                return Err(format!("{shown}: there is no check called `{name}`: {hint}"));
            };
            if code.is_input_error() {
                return Err(format!(
                    "{shown}: `{code}` is an input error, not a check: it always stops the file from \
                     being checked, and its severity cannot be changed"
                ));
            }
            let level = match level.as_str() {
                "error" => Level::Error,
                "warning" => Level::Warning,
                "off" => Level::Off,
                other => {
                    return Err(format!(
                        "{shown}: `{code} = \"{other}\"`: a severity is \"error\", \"warning\" or \"off\""
                    ));
                }
            };
            severity.insert(code, level);
        }
        Ok(Config { path: path.to_path_buf(), severity, include: raw.include, exclude: raw.exclude })
    }

    /// The first `.escalate.toml` in `dir` or a folder above it.
    pub fn find(dir: &Path) -> Result<Option<Config>, String> {
        let start = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        for folder in start.ancestors() {
            let candidate = folder.join(FILE_NAME);
            if candidate.is_file() {
                let shown = |why: String| {
                    crate::render::human::visible_line(&format!(
                        "{}: cannot read it: {why}",
                        candidate.display()
                    ))
                };
                // Its size checked before it is read, as every input's is.
                let bytes = match crate::read_bounded(&candidate) {
                    Ok(crate::Bounded::Bytes(bytes)) => bytes,
                    Ok(crate::Bounded::TooLarge(_)) => {
                        return Err(shown(format!("it is more than {} bytes", crate::MAX_FILE_BYTES)));
                    }
                    Err(e) => return Err(shown(e.to_string())),
                };
                let text = String::from_utf8(bytes).map_err(|_| shown("it is not UTF-8 text".into()))?;
                return Config::parse(&text, &candidate).map(Some);
            }
        }
        Ok(None)
    }

    /// The severity a check has here: configured, or its default.
    pub fn level(&self, code: Code) -> Level {
        self.severity.get(&code).copied().unwrap_or(Level::of(code.default_severity()))
    }

    /// Give every finding its configured severity, and drop the ones turned
    /// off. Input errors are never touched.
    pub fn apply(&self, report: &mut Report) {
        if self.severity.is_empty() {
            return;
        }
        report.findings.retain_mut(|f| match self.severity.get(&f.code) {
            Some(Level::Off) => false,
            Some(&level) => {
                f.severity = if level == Level::Error { Severity::Error } else { Severity::Warning };
                true
            }
            None => true,
        });
    }
}

/// The configuration for each file checked, found once per folder.
#[derive(Default)]
pub struct Configs {
    by_folder: HashMap<PathBuf, Option<Config>>,
}

impl Configs {
    /// The configuration that applies to a file as named on the command line
    /// (`<stdin>` and other names with no folder use the current folder).
    pub fn for_file(&mut self, file: &str) -> Result<Option<&Config>, String> {
        let folder = match Path::new(file).parent() {
            Some(p) if !p.as_os_str().is_empty() && file != "<stdin>" => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !self.by_folder.contains_key(&folder) {
            let found = Config::find(&folder)?;
            self.by_folder.insert(folder.clone(), found);
        }
        Ok(self.by_folder.get(&folder).and_then(Option::as_ref))
    }

    /// The configuration that applies in the folder `dir`.
    pub fn for_dir(&mut self, dir: &Path) -> Result<Option<&Config>, String> {
        let folder = dir.to_path_buf();
        if !self.by_folder.contains_key(&folder) {
            let found = Config::find(&folder)?;
            self.by_folder.insert(folder.clone(), found);
        }
        Ok(self.by_folder.get(&folder).and_then(Option::as_ref))
    }

    /// Apply each report's configuration to it.
    pub fn apply(&mut self, reports: &mut [Report]) -> Result<(), String> {
        for report in reports {
            if let Some(config) = self.for_file(&report.path)? {
                config.apply(report);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new(".escalate.toml"))
    }

    #[test]
    fn control_characters_in_messages_are_shown_as_symbols() {
        let error = parse("[severity]\n\"dead\\u001b]52;c;eA==\\u0007\" = \"off\"\n").expect_err("unknown");
        assert!(!error.chars().any(char::is_control), "{error:?}");
        assert!(error.contains('\u{241b}'), "{error:?}");
    }

    #[test]
    fn severities_are_read() {
        let config = parse("[severity]\ndead-end = \"warning\"\nmissing-record = \"off\"\n").expect("valid");
        assert_eq!(config.level(Code::DeadEnd), Level::Warning);
        assert_eq!(config.level(Code::MissingRecord), Level::Off);
        assert_eq!(config.level(Code::Unreachable), Level::Warning);
        assert_eq!(config.level(Code::NoWayOut), Level::Error);
        assert_eq!(parse("").expect("empty is valid").severity.len(), 0);
    }

    #[test]
    fn mistakes_are_explained() {
        let err = parse("[severity]\ndead-ends = \"warning\"\n").unwrap_err();
        assert!(err.contains("did you mean `dead-end`?"), "{err}");
        let err = parse("[severity]\ndead-end = \"warn\"\n").unwrap_err();
        assert!(err.contains("\"error\", \"warning\" or \"off\""), "{err}");
        let err = parse("[severity]\nsyntax-error = \"off\"\n").unwrap_err();
        assert!(err.contains("input error"), "{err}");
        let err = parse("[severities]\ndead-end = \"off\"\n").unwrap_err();
        assert!(err.contains("severities"), "{err}");
        let err = parse("[severity\n").unwrap_err();
        assert!(err.starts_with(".escalate.toml: "), "{err}");
    }

    #[test]
    fn apply_changes_levels_and_drops_what_is_off() {
        let mut report = crate::check_source(
            "t.esc",
            "protocol \"t\"\nstage 1 \"s\" {\n  within 2 working days\n}\n".to_string(),
        );
        assert!(report.findings.iter().any(|f| f.code == Code::MissingRecord));
        let config =
            parse("[severity]\ndead-end = \"warning\"\nmissing-record = \"off\"\n").expect("valid config");
        config.apply(&mut report);
        assert!(report.findings.iter().all(|f| f.code != Code::MissingRecord));
        let dead_end = report.findings.iter().find(|f| f.code == Code::DeadEnd).expect("a dead end");
        assert_eq!(dead_end.severity, Severity::Warning);
    }
}
