//! `escalate init`: a starter protocol that passes `check`, and never
//! overwrites a file.

use crate::explain::{escalate_in, scratch};
use crate::json;

#[test]
fn init_writes_a_protocol_that_passes_check() {
    let dir = scratch("init-default");
    let output = escalate_in(&dir, &["init"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("wrote protocol.esc"));
    let written = std::fs::read_to_string(dir.join("protocol.esc")).expect("protocol.esc written");
    assert_eq!(written, escalate::init::STARTER);

    let output = escalate_in(&dir, &["check", "--format", "json", "protocol.esc"]);
    assert_eq!(output.status.code(), Some(0));
    let doc = json(&output);
    assert_eq!(doc["files"][0]["diagnostics"], serde_json::json!([]), "{doc}");
    let output = escalate_in(&dir, &["check", "--deny", "warnings", "protocol.esc"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "checked 1 file: 0 errors, 0 warnings\n");
}

#[test]
fn init_never_overwrites() {
    let dir = scratch("init-refuses");
    std::fs::write(dir.join("protocol.esc"), "# my work\n").expect("existing file");
    for args in [&["init"][..], &["init", "protocol.esc"], &["init", "."]] {
        let output = escalate_in(&dir, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("already exists"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("protocol.esc")).expect("still there"), "# my work\n");

    // Another name, or a folder, is fine.
    assert_eq!(escalate_in(&dir, &["init", "board.esc"]).status.code(), Some(0));
    std::fs::create_dir(dir.join("sub")).expect("folder");
    assert_eq!(escalate_in(&dir, &["init", "sub"]).status.code(), Some(0));
    assert!(dir.join("sub/protocol.esc").is_file());
    // A folder that does not exist is an error (without `--parents`), not a panic.
    let output = escalate_in(&dir, &["init", "no/such/folder/p.esc"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));
}
