//! `escalate explain`, `escalate rules`, `.escalate.toml` and shell
//! completions: escalate explaining itself.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{escalate, json, transcript};
use escalate::diagnostic::Code;

/// A fresh, empty folder for one test, under Cargo's temporary folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Run `escalate` in `dir`.
pub fn escalate_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        // The terminal's width would change `compare`'s table.
        .env_remove("COLUMNS")
        .output()
        .expect("the escalate binary runs")
}

#[test]
fn explain_dead_end() {
    insta::assert_snapshot!(transcript(&escalate(&["explain", "dead-end"])));
}

#[test]
fn every_code_can_be_explained() {
    for code in Code::ALL {
        let output = escalate(&["explain", code.as_str()]);
        assert_eq!(output.status.code(), Some(0), "{code}");
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(text.starts_with(&format!("{code}: {}\n", code.summary())), "{code}:\n{text}");
        assert!(text.contains("`escalate explain CODE`"), "{code}");
        if !code.is_input_error() {
            for part in [
                "Why it matters for a child\n",
                "How to fix\n",
                "Example: escalate reports",
                "Fixed: no findings",
            ] {
                assert!(text.contains(part), "{code}: no `{part}`:\n{text}");
            }
            assert!(text.contains(&format!("  escalate says:\n    {code}: ")), "{code}:\n{text}");
        }
    }
}

#[test]
fn an_unknown_code_gets_a_suggestion() {
    let output = escalate(&["explain", "dead-ends"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `dead-end`?"), "{stderr}");
    let output = escalate(&["explain", "frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`escalate rules` lists every code"));
}

#[test]
fn every_human_diagnostic_points_to_explain() {
    let output = escalate(&["check", "policies/", "tests/cases/syntax-error-three-errors.esc"]);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let reports = stdout.matches("\n  × ").count() + stdout.matches("\n  ⚠ ").count();
    let pointers = stdout.matches("for more, run `escalate explain ").count();
    assert!(reports > 20, "{stdout}");
    assert_eq!(reports, pointers, "{stdout}");
}

#[test]
fn rules_lists_defaults() {
    // Outside the repository: its root `.escalate.toml` (which excludes the
    // fixtures) would be the one found above a scratch folder in target/.
    let dir = std::env::temp_dir().join(format!("escalate-rules-defaults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    insta::assert_snapshot!(
        transcript(&escalate_in(&dir, &["rules"])).replace(&dir.display().to_string(), "<dir>")
    );
}

#[test]
fn escalate_toml_sets_severities() {
    let dir = scratch("severity-config");
    let nested = dir.join("protocols/children");
    std::fs::create_dir_all(&nested).expect("folders");
    let case =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/dead-end.esc"))
            .expect("case");
    std::fs::write(nested.join("p.esc"), &case).expect("write protocol");

    // No configuration: the dead end is an error.
    let output = escalate_in(&dir, &["check", "--format", "json", "protocols"]);
    assert_eq!(output.status.code(), Some(1));

    // Found in a folder above the file's: the dead end becomes a warning.
    std::fs::write(dir.join(".escalate.toml"), "[severity]\ndead-end = \"warning\"\n").expect("config");
    let output = escalate_in(&dir, &["check", "--format", "json", "protocols"]);
    assert_eq!(output.status.code(), Some(0));
    let doc = json(&output);
    assert_eq!(doc["files"][0]["diagnostics"][0]["severity"], "warning");
    assert_eq!(doc["summary"]["warnings"], 1);
    // `--deny warnings` still applies on top.
    let output = escalate_in(&dir, &["check", "--deny", "warnings", "protocols"]);
    assert_eq!(output.status.code(), Some(1));

    // Off: not reported at all. A nearer file wins over the one above.
    std::fs::write(nested.join(".escalate.toml"), "[severity]\ndead-end = \"off\"\n").expect("config");
    let output = escalate_in(&dir, &["check", "protocols"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("checked 1 file: 0 errors, 0 warnings"), "{stdout}");
    let rules = String::from_utf8(escalate_in(&nested, &["rules"]).stdout).expect("UTF-8");
    assert!(
        rules.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()[..3] == ["dead-end", "error", "off"]),
        "{rules}"
    );
    assert!(
        rules.contains(&format!(
            "severities here are set by {}",
            nested.canonicalize().expect("real path").join(".escalate.toml").display()
        )),
        "{rules}"
    );

    // A mistake in the file stops the run, with the file named.
    std::fs::write(nested.join(".escalate.toml"), "[severity]\ndead-ends = \"off\"\n").expect("config");
    let output = escalate_in(&dir, &["check", "protocols"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".escalate.toml: there is no check called `dead-ends`: did you mean `dead-end`?"),
        "{stderr}"
    );
}

#[test]
fn completions_for_three_shells() {
    for (shell, marker) in
        [("bash", "complete -F"), ("zsh", "#compdef escalate"), ("fish", "complete -c escalate")]
    {
        let output = escalate(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(script.contains(marker), "{shell}:\n{script}");
        for command in ["check", "explain", "compare", "init", "rules"] {
            assert!(script.contains(command), "{shell}: no `{command}`");
        }
    }
    assert_eq!(escalate(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn help_names_every_command_and_format() {
    let help = String::from_utf8(escalate(&["--help"]).stdout).expect("UTF-8");
    for command in ["check", "explain", "rules", "compare", "init", "completions"] {
        assert!(help.contains(&format!("\n  {command} ")), "--help does not list `{command}`:\n{help}");
    }
    let check = String::from_utf8(escalate(&["check", "--help"]).stdout).expect("UTF-8");
    for format in ["human", "json", "sarif", "github"] {
        assert!(
            check.contains(&format!("- {format}:")),
            "check --help does not describe `{format}`:\n{check}"
        );
    }
}

#[test]
fn the_escalate_toml_in_rules_md_is_valid() {
    use escalate::config::{Config, Level};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = std::fs::read_to_string(root.join("docs/rules.md")).expect("docs/rules.md");
    let block = rules.split("```toml\n").nth(1).and_then(|b| b.split("```").next()).expect("a toml example");
    let config = Config::parse(block, Path::new("docs/rules.md")).expect("the example is valid");
    assert_eq!(config.level(Code::DeadEnd), Level::Warning);
    assert_eq!(config.level(Code::MissingRecord), Level::Off);
}
