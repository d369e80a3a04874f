//! Findings as SARIF 2.1.0 (`check --format sarif`), for GitHub code
//! scanning and other SARIF viewers.
//!
//! Hand-written structs for the part of SARIF escalate uses: a SARIF library
//! would bring a build-time schema compiler for a few dozen fields. The test
//! `tests/cli/ci.rs` validates the output against the SARIF 2.1.0 schema.
//!
//! Every code is a rule, with its documentation from `docs/rules.md`; every
//! finding is a result. A finding silenced by an `allow` line is a result
//! with a suppression whose justification is the written reason.

use serde::Serialize;
use std::path::Path;

use crate::Report;
use crate::diagnostic::{Code, Finding, Severity};
use crate::explain::{self, RuleDoc};
use crate::span::LineIndex;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<ResultItem>,
    /// Columns count characters, as escalate's own messages do.
    column_kind: &'static str,
}

/// How the run ended: `escalate check`'s exit code.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    exit_code: u8,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// GitHub code scanning reads `tags` to group and filter alerts.
#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultItem {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    /// Code scanning matches alerts across runs by these, so an edit
    /// elsewhere in the file (which moves the finding's line) keeps the alert.
    partial_fingerprints: Fingerprints,
    /// Empty for a finding that counts; one entry for one silenced by `allow`.
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "escalateFinding/v1")]
    finding: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    /// The column just after the region, as SARIF counts.
    end_column: usize,
}

#[derive(Serialize)]
struct Suppression {
    /// The reason is written in the protocol itself.
    kind: &'static str,
    justification: String,
}

/// The SARIF log for a run, pretty-printed.
pub fn render(reports: &[Report]) -> String {
    let rules: Vec<Rule> = Code::ALL.iter().map(|&code| rule(code)).collect();
    let results = reports.iter().flat_map(|report| {
        let lines = LineIndex::new(&report.source);
        let uri = artifact_uri(&report.path);
        // One result per location: a grouped finding gives one for each place.
        let mut seen = std::collections::HashMap::new();
        report
            .findings
            .iter()
            .flat_map(|f| f.per_location())
            .map(|f| {
                let key = fingerprint_key(&f, &report.source);
                let nth = seen.entry(key.clone()).and_modify(|n| *n += 1).or_insert(0usize);
                result(&f, &lines, &uri, fingerprint(&format!("{key}\u{0}{nth}")))
            })
            .collect::<Vec<_>>()
    });
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "escalate",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: explain::information_uri(),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: exit_code(reports) != 2,
                exit_code: exit_code(reports),
            }],
            results: results.collect(),
            column_kind: "unicodeCodePoints",
        }],
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn rule(code: Code) -> Rule {
    let doc = RuleDoc::of(code);
    let kind = if code.is_input_error() { "input-error" } else { "check" };
    Rule {
        id: code.as_str(),
        name: pascal_case(code.as_str()),
        short_description: Text { text: sentence(code.summary()) },
        full_description: Text { text: doc.what.replace("**", "") },
        help: Help {
            text: format!(
                "{}\n\nFor a failing and a fixed example, run: escalate explain {code}",
                doc.text()
            ),
            markdown: format!("{}\nFor more, run `escalate explain {code}`.\n", doc.markdown(code)),
        },
        help_uri: explain::help_uri(code),
        default_configuration: Configuration { level: level(code.default_severity()) },
        properties: RuleProperties { tags: vec!["safeguarding", kind] },
    }
}

/// `escalate check`'s exit code for these reports: 2 if a file could not be
/// read or parsed, 1 if there is an error-level finding, else 0.
pub fn exit_code(reports: &[Report]) -> u8 {
    if reports.iter().any(Report::has_input_error) {
        2
    } else if reports.iter().any(|r| r.count(Severity::Error) > 0) {
        1
    } else {
        0
    }
}

/// What identifies a finding whatever else the file says: its code, its
/// stage, and the text it points at (spaces squeezed), not its line.
fn fingerprint_key(f: &Finding, source: &str) -> String {
    let text = f.span.and_then(|s| source.get(s.start..s.end)).unwrap_or_default();
    let text: Vec<&str> = text.split_whitespace().collect();
    format!("{}\u{0}{}\u{0}{}", f.code, f.stage.as_deref().unwrap_or_default(), text.join(" "))
}

/// A hash that stays the same across Rust releases and machines (FNV-1a;
/// std's `DefaultHasher` promises neither), in hex.
fn fingerprint(key: &str) -> String {
    format!("{:016x}", super::ics::fnv1a(key.as_bytes()))
}

fn result(f: &Finding, lines: &LineIndex, uri: &str, fingerprint: String) -> ResultItem {
    let region = f.span.map(|span| {
        let (start_line, start_column) = lines.line_col(span.start);
        let (end_line, end_column) = lines.line_col(span.end);
        Region { start_line, start_column, end_line, end_column }
    });
    let mut message = sentence(&f.message);
    if !f.help.is_empty() {
        message.push_str(&format!("\nHelp: {}", sentence(&f.help)));
    }
    ResultItem {
        rule_id: f.code.as_str(),
        rule_index: Code::ALL.iter().position(|&c| c == f.code).unwrap_or_default(),
        level: level(f.severity),
        message: Text { text: message },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: uri.to_string() },
                region,
            },
        }],
        partial_fingerprints: Fingerprints { finding: fingerprint },
        suppressions: f
            .allowed
            .iter()
            .map(|reason| Suppression { kind: "inSource", justification: reason.clone() })
            .collect(),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `dead-end` -> `DeadEnd`: SARIF's `name` is an identifier in PascalCase.
fn pascal_case(code: &str) -> String {
    code.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// SARIF messages are sentences: a capital letter and a full stop.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

/// The file as a URI relative to where escalate ran (the repository root in
/// CI), percent-encoded outside RFC 3986's unreserved characters; a path
/// outside the current folder becomes an absolute `file://` URI.
fn artifact_uri(path: &str) -> String {
    match relative_path(path) {
        Some(relative) => encode(&relative),
        None => {
            let shown = path.replace('\\', "/");
            let absolute = if shown.starts_with('/') { shown } else { format!("/{shown}") };
            format!("file://{}", encode(&absolute))
        }
    }
}

/// A file's path relative to the current folder, with `/` separators and no
/// leading `./`, as CI services expect; `None` for an absolute path outside
/// the current folder.
pub(crate) fn relative_path(path: &str) -> Option<String> {
    let mut shown = path.replace('\\', "/");
    if Path::new(path).is_absolute() {
        let here = std::env::current_dir().ok()?;
        shown = Path::new(path).strip_prefix(&here).ok()?.to_string_lossy().replace('\\', "/");
    }
    while let Some(rest) = shown.strip_prefix("./") {
        shown = rest.to_string();
    }
    Some(shown)
}

fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sentences() {
        assert_eq!(pascal_case("missing-immediate-risk-exit"), "MissingImmediateRiskExit");
        assert_eq!(sentence("a stage with no record"), "A stage with no record.");
        assert_eq!(sentence("did you mean `x`?"), "Did you mean `x`?");
    }

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(artifact_uri("policies/haringey.esc"), "policies/haringey.esc");
        assert_eq!(artifact_uri("./policies/a b.esc"), "policies/a%20b.esc");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        let here = std::env::current_dir().expect("a current folder");
        let inside = here.join("x.esc");
        assert_eq!(artifact_uri(&inside.to_string_lossy()), "x.esc");
    }
}
