//! The one integration test binary: drives the real `escalate` binary and
//! checks its stdout, stderr and exit code, as a user would see them.

mod cases;
mod ci;
mod cli;
mod compare;
mod conventions;
mod diff;
mod docs;
mod draft;
mod explain;
mod fmt;
mod hostile;
mod init;
mod lsp;
mod policies;
mod render;
mod report;
mod test;
mod timeline;
mod truth;
mod views;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Run `escalate` with `args` from the crate root, with colours off.
pub fn escalate(args: &[&str]) -> Output {
    escalate_with_stdin(args, None)
}

pub fn escalate_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // Either would colour the output whatever NO_COLOR says.
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the escalate binary runs");
    if let Some(bytes) = stdin {
        child.stdin.take().expect("stdin is piped").write_all(bytes).expect("stdin accepts input");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("escalate finishes")
}

/// Exit code, stdout and stderr as one text, for snapshots.
pub fn transcript(output: &Output) -> String {
    let mut text = format!("exit code: {}\n", output.status.code().unwrap_or(-1));
    text.push_str("--- stdout\n");
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    if !output.stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    text
}

/// A path relative to the crate root, with `/` separators, as shown in output.
pub fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}
