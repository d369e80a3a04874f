//! The command line itself: paths, stdin, formats, exit codes.

use crate::{escalate, escalate_with_stdin, json};

#[test]
fn stdin_is_read_with_a_dash() {
    let source = b"protocol \"p\"\nstage 1 \"s\" {\n  oops\n}\n";
    let output = escalate_with_stdin(&["check", "-"], Some(source));
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("<stdin>:3:3"), "{stdout}");
}

#[test]
fn invalid_utf8_reports_the_byte_offset() {
    let output = escalate_with_stdin(&["check", "--format", "json", "-"], Some(b"protocol \"p\xff\""));
    assert_eq!(output.status.code(), Some(2));
    let doc = json(&output);
    let d = &doc["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "not-utf8");
    assert!(d["message"].as_str().unwrap().contains("byte 11"), "{d}");
}

#[test]
fn a_missing_file_is_a_read_error() {
    let output = escalate(&["check", "tests/no-such-file.esc"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("read-error"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(escalate(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(escalate(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn deny_warnings_turns_warnings_into_errors() {
    // missing-record.esc has only a warning: exit 0, or 1 with --deny warnings.
    let plain = escalate(&["check", "tests/cases/missing-record.esc"]);
    assert_eq!(plain.status.code(), Some(0));
    let denied =
        escalate(&["check", "--deny", "warnings", "--format", "json", "tests/cases/missing-record.esc"]);
    assert_eq!(denied.status.code(), Some(1));
    let doc = json(&denied);
    assert_eq!(doc["summary"]["warnings"], 0);
    assert_eq!(doc["summary"]["errors"], 1);
    assert_eq!(doc["files"][0]["diagnostics"][0]["severity"], "error");
}

#[test]
fn a_directory_is_searched_for_esc_files_in_order() {
    let output = escalate(&["check", "--format", "json", "policies"]);
    let doc = json(&output);
    let paths: Vec<&str> =
        doc["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "policies/blackburn-with-darwen.esc",
            "policies/essex.esc",
            "policies/haringey.esc",
            "policies/hull.esc",
            "policies/wolverhampton.esc"
        ]
    );
    assert_eq!(doc["summary"]["files"], 5);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn json_output_is_one_document_with_the_documented_fields() {
    let output =
        escalate(&["check", "--format", "json", "tests/cases/dead-end.esc", "tests/cases/clean.esc"]);
    let doc = json(&output);
    assert_eq!(doc["version"], 1);
    let file = &doc["files"][0];
    assert_eq!(file["path"], "tests/cases/dead-end.esc");
    assert_eq!(file["protocol"], "Dead end");
    let d = &file["diagnostics"][0];
    for key in ["code", "severity", "message", "stage", "line", "column", "help"] {
        assert!(d.get(key).is_some(), "missing `{key}` in {d}");
    }
    assert_eq!(d["code"], "dead-end");
    assert_eq!(d["stage"], "2");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(15), Some(1)));
    assert_eq!(doc["files"][1]["diagnostics"].as_array().map(Vec::len), Some(0));
    assert_eq!(doc["summary"]["errors"], 1);
}

#[test]
fn output_to_a_closed_pipe_does_not_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["check", "policies"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    drop(child.stdout.take()); // the reader goes away at once
    let output = child.wait_with_output().expect("finishes");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"), "{output:?}");
}

#[test]
fn a_folder_reports_each_file_as_alone_in_the_order_of_their_names() {
    // The reports are drawn on every core (`cli::in_parallel`): joined, they
    // must read as the files checked one by one, in order.
    let folder = String::from_utf8_lossy(&escalate(&["check", "policies/"]).stdout).into_owned();
    let mut files: Vec<String> = std::fs::read_dir("policies")
        .expect("policies")
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".esc"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5);
    let alone: String = files
        .iter()
        .map(|f| {
            let out = String::from_utf8_lossy(&escalate(&["check", f]).stdout).into_owned();
            // Without its own line of totals ("checked 1 file: ...").
            out.trim_end().rsplit_once('\n').map_or(String::new(), |(body, _)| format!("{body}\n"))
        })
        .collect();
    assert!(folder.starts_with(&alone), "the folder's report is not the files' reports in order");
}
