//! Hostile input, third round (issue 26): long lines, device files and links,
//! folder walks, names in output, git options, the language server's framing
//! and sizes checked before reading. Each test fails on the code before the
//! fix it names.

use super::{check_stdin, codes, run, run_in, scratch};
use crate::transcript;

/// No report is an internal error (a panic).
fn no_panic(output: &std::process::Output, what: &str) {
    let text = transcript(output);
    assert!(!text.contains("internal error"), "{what}: a panic:\n{}", &text[..text.len().min(4000)]);
}

// ------------------------------------------------- 1. lines past column 65,535

/// A valid protocol on one line of about `len` bytes, whose last stage has a
/// timescale in words (`unbounded-timescale`) past column 65,535.
fn one_line_protocol(len: usize) -> String {
    let mut line = String::from(
        "protocol \"One line\" outcome agreed \"Agreed\" exit mash \"MASH\" within same working day \
         at any stage: immediate risk -> mash at any stage: record \"R\" ",
    );
    let mut i = 1;
    while line.len() < len {
        line.push_str(&format!(
            "stage {i} \"Stage {i}\" {{ within 1 working day resolved -> agreed unresolved -> stage {} }} ",
            i + 1
        ));
        i += 1;
    }
    line.push_str(&format!(
        "stage {i} \"Last\" {{ within \"a reasonable time\" resolved -> agreed final decision }}"
    ));
    line
}

#[test]
fn a_finding_past_column_65535_is_shown_as_an_excerpt() {
    let line = one_line_protocol(70_000);
    let (human, doc) = check_stdin(line.as_bytes());
    assert_eq!(codes(&doc), ["unbounded-timescale", "unbounded-timescale"], "{doc}");
    no_panic(&human, "check");
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(out.contains("only the part around column"), "{}", &out[..out.len().min(4000)]);
    // The excerpt holds the place and the text around it, cut with `…`.
    assert!(out.contains("│ …"), "{out}");
    assert!(out.contains("\"Last\" { within \"a reasonable time\" resolved"), "{out}");
    assert!(out.len() < 5_000, "an excerpt, not the line: {} bytes", out.len());
    // The header's column is the file's.
    let column = line.find("within \"a reasonable").expect("there") + 1;
    assert!(out.contains(&format!("<stdin>:1:{column}")), "{out}");
}

#[test]
fn a_syntax_error_past_column_65535_is_shown_as_an_excerpt() {
    let mut line = one_line_protocol(70_000);
    line.push_str(" stage }} oops");
    let (human, doc) = check_stdin(line.as_bytes());
    assert_eq!(codes(&doc), ["syntax-error"], "{doc}");
    no_panic(&human, "check");
    assert!(String::from_utf8_lossy(&human.stdout).contains("only the part around column"));
}

#[test]
fn one_long_line_does_not_wipe_out_a_folder() {
    let dir = scratch("long-line-folder");
    std::fs::write(dir.join("a.esc"), one_line_protocol(70_000)).expect("write");
    let mut broken = one_line_protocol(70_000);
    broken.push_str(" stage }} oops");
    std::fs::write(dir.join("b.esc"), broken).expect("write");
    std::fs::write(dir.join("c.esc"), std::fs::read("tests/cases/clean.esc").expect("clean")).expect("write");
    let check = run_in(&dir, &["check", "."], None);
    no_panic(&check, "check .");
    let text = transcript(&check);
    assert!(text.contains("./a.esc:1:") && text.contains("./b.esc:1:"), "{}", &text[..text.len().min(4000)]);
    assert!(text.contains("checked 3 files"), "{}", &text[..text.len().min(4000)]);
    let fmt = run_in(&dir, &["fmt", "--diff", "."], None);
    no_panic(&fmt, "fmt --diff .");
    assert_eq!(fmt.status.code(), Some(2), "b.esc does not parse");
    assert!(String::from_utf8_lossy(&fmt.stdout).contains("a.esc"), "a.esc's diff is still shown");
}

#[test]
fn a_timeline_with_a_huge_table_cell() {
    let dir = scratch("long-cell");
    let file = dir.join("a.esc");
    let words = "w".repeat(70_000);
    let text = std::fs::read_to_string("tests/cases/unbounded-timescale-quoted-words.esc")
        .expect("case")
        .replace("a reasonable time", &words);
    std::fs::write(&file, text).expect("write");
    let output = run(&["timeline", &file.to_string_lossy(), "--from", "2026-12-21"], None);
    no_panic(&output, "timeline");
    assert_eq!(output.status.code(), Some(0), "{}", &transcript(&output)[..2000]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains(&words));
    // The cell overflows its own row; the others are not padded to its width.
    let longest_other = out.lines().filter(|l| !l.contains(&words)).map(str::len).max().unwrap_or(0);
    assert!(longest_other < 600, "a row padded to the long cell: {longest_other} bytes");
}

// ------------------------------------------- 6. the language server's framing

/// The messages in what the server wrote (a loose reader: enough for a test).
fn lsp_messages(stdout: &[u8]) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(stdout);
    text.split("Content-Length: ")
        .filter_map(|part| part.split_once("\r\n\r\n").map(|(_, body)| body))
        .filter_map(|body| serde_json::from_str(body).ok())
        .collect()
}

#[test]
fn the_language_server_survives_bad_headers() {
    let body = |v: serde_json::Value| {
        let text = v.to_string();
        format!("Content-Length: {}\r\n\r\n{text}", text.len())
    };
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}, "processId": null, "rootUri": null}});
    let mut input = String::new();
    input.push_str("Content-Length: 1e15\r\n\r\n{\"lost\":1}");
    input.push_str("Content-Length: -1\r\n\r\n{}");
    input.push_str("not a header\r\n\r\n");
    input.push_str(&body(serde_json::json!({"not": "json-rpc"})));
    input.push_str(&body(init));
    // Promises 2^64-1 bytes, then the input ends: no allocation, no abort.
    input.push_str("Content-Length: 18446744073709551615\r\n\r\n{}");
    let output = run(&["lsp"], Some(input.into_bytes()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code().is_some(), "killed by a signal: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("internal error"), "{stderr}");
    let messages = lsp_messages(&output.stdout);
    assert!(
        messages.iter().any(|m| m["id"] == 1 && m["result"]["capabilities"].is_object()),
        "no answer to `initialize` after the bad headers: {messages:?}\n{stderr}"
    );
    let logged = messages.iter().filter(|m| m["method"] == "window/logMessage").count();
    assert!(logged >= 3, "each bad message is reported: {messages:?}");
}
