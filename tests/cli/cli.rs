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
