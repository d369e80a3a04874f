//! `check --format sarif` and `--format github`: the outputs CI reads.
//! SARIF is validated against the SARIF 2.1.0 schema (`tests/schemas/`) by
//! `scripts/schema-checks.sh` (Python's reference validator; run by CI).

use crate::{escalate, escalate_with_stdin, json, transcript};
use escalate::diagnostic::Code;

/// Files with errors, warnings, a silenced finding and an input error.
const FILES: &[&str] = &[
    "policies/",
    "tests/cases/allow-silences-finding.esc",
    "tests/cases/syntax-error-missing-quote.esc",
    "tests/cases/unknown-name-misspelt-exit.esc",
];

fn sarif(args: &[&str]) -> (serde_json::Value, Option<i32>) {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let output = escalate(&all);
    (json(&output), output.status.code())
}

#[test]
fn sarif_rules_document_every_code() {
    let (doc, _) = sarif(&["tests/cases/clean.esc"]);
    let driver = &doc["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "escalate");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["id"], code.as_str());
        let short = rule["shortDescription"]["text"].as_str().expect("shortDescription").to_lowercase();
        assert_eq!(short.trim_end_matches('.'), code.summary().to_lowercase(), "{code}");
        let level = if code.default_severity() == escalate::diagnostic::Severity::Error {
            "error"
        } else {
            "warning"
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level, "{code}");
        let help = rule["help"]["text"].as_str().expect("help text");
        let markdown = rule["help"]["markdown"].as_str().expect("help markdown");
        assert!(!rule["fullDescription"]["text"].as_str().unwrap_or_default().is_empty(), "{code}");
        if !code.is_input_error() {
            assert!(
                help.contains("Why it matters for a child:") && help.contains("How to fix:"),
                "{code}: {help}"
            );
            assert!(markdown.contains("**Fixed:**"), "{code}: {markdown}");
        }
        match escalate::explain::help_uri(*code) {
            Some(uri) => {
                assert_eq!(rule["helpUri"], uri.as_str());
                assert!(uri.ends_with(&format!("docs/rules.md#{}", escalate::explain::anchor(*code))));
            }
            None => assert!(rule.get("helpUri").is_none()),
        }
    }
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(0), "clean.esc has no findings");
}

#[test]
fn sarif_results_agree_with_the_json_report() {
    let (doc, code) = sarif(FILES);
    let plain = escalate(&[&["check", "--format", "json"][..], FILES].concat());
    assert_eq!(code, plain.status.code(), "same exit code as the other formats");
    let plain = json(&plain);
    let expected: Vec<&serde_json::Value> = plain["files"]
        .as_array()
        .expect("files")
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().expect("diagnostics").iter().map(move |d| (f, d)))
        .map(|(_, d)| d)
        .collect();
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), expected.len());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    for (result, diagnostic) in results.iter().zip(expected) {
        assert_eq!(result["ruleId"], diagnostic["code"]);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["level"], diagnostic["severity"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["region"]["startLine"], diagnostic["line"]);
        assert_eq!(location["region"]["startColumn"], diagnostic["column"]);
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with("policies/") || uri.starts_with("tests/cases/"), "relative: {uri}");
        let suppressions = result["suppressions"].as_array().expect("suppressions");
        match diagnostic["allowed"].as_str() {
            Some(reason) => {
                assert_eq!(suppressions.len(), 1);
                assert_eq!(suppressions[0]["kind"], "inSource");
                assert_eq!(suppressions[0]["justification"], reason);
            }
            None => assert!(suppressions.is_empty()),
        }
    }
}

#[test]
fn sarif_regions_span_the_finding() {
    let (doc, _) = sarif(&["tests/cases/dead-end.esc"]);
    let result = &doc["runs"][0]["results"][0];
    // `stage 2 "Managers"` on line 15: 18 characters, so it ends before column 19.
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        region,
        &serde_json::json!({"startLine": 15, "startColumn": 1, "endLine": 15, "endColumn": 19})
    );
    let message = result["message"]["text"].as_str().expect("message");
    assert!(message.starts_with("`stage 2` (\"Managers\") has no route"), "{message}");
    assert!(message.contains("\nHelp: Add `unresolved -> <next stage>`"), "{message}");
}

#[test]
fn github_annotations() {
    let output = escalate(&[
        "check",
        "--format",
        "github",
        "docs/examples/quickstart.esc",
        "tests/cases/allow-silences-finding.esc",
    ]);
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn github_annotations_escape_what_github_reads() {
    let output = escalate_with_stdin(
        &["check", "--format", "github", "-"],
        Some("protocol \"100% sure\"\nstage 1 \"a, b: c\" {\n  within 1 working day\n}\n".as_bytes()),
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    // One line per finding, then the totals: nothing a message says can break a line.
    assert!(lines.iter().rev().skip(1).all(|l| l.starts_with("::")), "{stdout}");
    assert!(stdout.contains("::error line=2,col=1,endLine=2,endColumn=18,title=dead-end::"), "{stdout}");
    assert!(stdout.contains("(\"a, b: c\")"), "the message keeps `,` and `:`: {stdout}");
    assert!(!lines.iter().any(|l| l.contains('\r')));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn pre_commit_hooks_run_real_commands_and_are_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).expect(".pre-commit-hooks.yaml");
    let docs = std::fs::read_to_string(root.join("docs/ci.md")).expect("docs/ci.md");
    let ids: Vec<&str> = hooks.lines().filter_map(|l| l.trim().strip_prefix("- id: ")).collect();
    assert_eq!(ids, ["escalate-check", "escalate-fmt"]);
    for id in ids {
        assert!(docs.contains(&format!("- id: {id}")), "docs/ci.md does not show hook `{id}`");
    }
    for entry in hooks.lines().filter_map(|l| l.trim().strip_prefix("entry: escalate ")) {
        let output = escalate(&[entry, "--help"]);
        assert_eq!(output.status.code(), Some(0), "`escalate {entry}` is not a command");
    }
    for command in ["escalate check --format sarif .", "escalate check --format github .", "upload-sarif@"] {
        assert!(docs.contains(command), "docs/ci.md's workflow does not run `{command}`");
    }
}

#[test]
fn paths_are_relative_to_the_repository_root() {
    let output = escalate(&["check", "--format", "github", "./tests/cases/dead-end.esc"]);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(stdout.starts_with("::error file=tests/cases/dead-end.esc,"), "{stdout}");
    let root = env!("CARGO_MANIFEST_DIR");
    let (doc, _) = sarif(&[&format!("{root}/tests/cases/dead-end.esc")]);
    let uri = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "tests/cases/dead-end.esc");
}

/// Five stages that lack a route for a child at immediate risk are one
/// finding for a reader (one message, five labels, one fix), and one result
/// per location for machines: five in JSON, SARIF and GitHub annotations,
/// each naming its stage.
#[test]
fn a_grouped_finding_is_one_result_per_location() {
    let file = "tests/cases/grouped-findings.esc";
    let human = escalate(&["check", file]);
    let text = String::from_utf8_lossy(&human.stderr).to_string() + &String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("5 stages have no route for a child at immediate risk"), "{text}");
    assert_eq!(text.matches("no `immediate risk ->` route").count(), 5, "{text}");
    assert!(text.contains("1 error"), "{text}");

    let doc = json(&escalate(&["check", "--format", "json", file]));
    let diagnostics = doc["files"][0]["diagnostics"].as_array().expect("diagnostics");
    let stages: Vec<&str> = diagnostics.iter().map(|d| d["stage"].as_str().expect("a stage")).collect();
    assert_eq!(stages, ["1", "2", "3", "4", "5"]);
    assert!(diagnostics.iter().all(|d| d["code"] == "missing-immediate-risk-exit"));

    let (sarif, _) = sarif(&[file]);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    let lines: std::collections::BTreeSet<u64> = results
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().expect("line"))
        .collect();
    assert_eq!(lines.len(), 5, "one result per place: {lines:?}");

    let github = escalate(&["check", "--format", "github", file]);
    assert_eq!(String::from_utf8_lossy(&github.stdout).matches("::error ").count(), 5);
}

/// `--format concise`: one `path:line:col: severity[code] message` line per
/// active finding and place, the same places as the JSON report, then the
/// totals; the same exit code as every other format.
#[test]
fn concise_is_one_line_per_place() {
    let output = escalate(&[&["check", "--format", "concise"][..], FILES].concat());
    let plain = escalate(&[&["check", "--format", "json"][..], FILES].concat());
    assert_eq!(output.status.code(), plain.status.code(), "same exit code as the other formats");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let plain = json(&plain);
    let mut expected = Vec::new();
    for file in plain["files"].as_array().expect("files") {
        let path = file["path"].as_str().expect("path");
        for d in file["diagnostics"].as_array().expect("diagnostics") {
            if !d["allowed"].is_null() {
                continue;
            }
            let line = d["line"].as_u64().unwrap_or(1);
            let column = d["column"].as_u64().unwrap_or(1);
            let (severity, code, message) = (
                d["severity"].as_str().expect("severity"),
                d["code"].as_str().expect("code"),
                d["message"].as_str().expect("message"),
            );
            expected.push(format!("{path}:{line}:{column}: {severity}[{code}] {message}"));
        }
    }
    let lines: Vec<&str> = stdout.lines().collect();
    let (findings, totals) = lines.split_at(lines.len() - 1);
    assert_eq!(findings, expected.as_slice());
    assert!(totals[0].starts_with("checked 8 files: "), "{stdout}");
    assert!(
        findings.iter().any(|l| l.starts_with("tests/cases/syntax-error-missing-quote.esc:")),
        "input errors too"
    );
    let quiet = escalate(&[&["check", "--format", "concise", "--quiet"][..], FILES].concat());
    assert_eq!(String::from_utf8(quiet.stdout).expect("UTF-8").lines().count(), findings.len());
}

/// A path with control characters in it is shown with symbols: a concise
/// line stays one line, with no escape sequence for the terminal.
#[test]
fn concise_escapes_control_characters() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("concise-control");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("bad\u{1b}[31mname\rx.esc");
    std::fs::copy(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/dead-end.esc"), &file)
        .expect("copy");
    let output = escalate(&["check", "--format", "concise", "--quiet", file.to_str().expect("UTF-8")]);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(!stdout.chars().any(|c| c.is_control() && c != '\n'), "{stdout:?}");
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(stdout.contains(":15:1: error[dead-end] `stage 2`"), "{stdout:?}");
}
