//! Test cases as data: every `tests/cases/*.esc` file starts with a line
//!
//! ```text
//! # expect: pass
//! # expect: fail dead-end unreachable
//! ```
//!
//! `pass` means no findings at all and exit code 0. `fail CODES` means the
//! findings' codes are exactly CODES (as a set), with the exit code that
//! follows from them: 2 for input errors, 1 for errors, 0 for warnings only
//! (or as a second line `# exit: N` says, where a severity is not the default).
//! The human report is snapshotted; the JSON report must agree with it.

use std::collections::BTreeSet;

use crate::{escalate, json, relative, transcript};
use escalate::diagnostic::{Code, Severity};

#[test]
fn cases() {
    insta::glob!("../cases", "*.esc", |path| {
        let text = std::fs::read_to_string(path).expect("case file is UTF-8");
        let first = text.lines().next().unwrap_or("");
        let expect = first
            .strip_prefix("# expect:")
            .unwrap_or_else(|| {
                panic!("{}: first line must be `# expect: pass` or `# expect: fail CODE...`", path.display())
            })
            .trim();
        let wanted: BTreeSet<&str> = match expect.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["pass"] => BTreeSet::new(),
            ["fail", codes @ ..] if !codes.is_empty() => codes.iter().copied().collect(),
            _ => panic!("{}: cannot read expectation `{expect}`", path.display()),
        };
        let codes: Vec<Code> = wanted
            .iter()
            .map(|c| Code::parse(c).unwrap_or_else(|| panic!("{}: unknown code `{c}`", path.display())))
            .collect();

        let file = relative(path);
        let human = escalate(&["check", &file]);
        let machine = escalate(&["check", "--format", "json", &file]);
        let doc = json(&machine);
        let found: BTreeSet<String> = doc["files"][0]["diagnostics"]
            .as_array()
            .expect("diagnostics array")
            .iter()
            .filter(|d| d["allowed"].is_null())
            .map(|d| d["code"].as_str().expect("code").to_string())
            .collect();
        let found: BTreeSet<&str> = found.iter().map(String::as_str).collect();
        assert_eq!(found, wanted, "{file}: codes found differ from `# expect:`");

        // A second line `# exit: N` states the exit code where a finding's
        // severity is not its code's default (a limit the protocol only advises).
        let stated_exit =
            text.lines().nth(1).and_then(|l| l.strip_prefix("# exit:")).map(|n| n.trim().parse::<i32>());
        let expected_exit = if let Some(exit) = stated_exit {
            exit.unwrap_or_else(|_| panic!("{}: cannot read `# exit:`", path.display()))
        } else if codes.iter().any(|c| c.is_input_error()) {
            2
        } else if codes.iter().any(|c| c.default_severity() == Severity::Error) {
            1
        } else {
            0
        };
        assert_eq!(human.status.code(), Some(expected_exit), "{file}: exit code");
        assert_eq!(machine.status.code(), Some(expected_exit), "{file}: exit code (json)");
        insta::assert_snapshot!(transcript(&human));
    });
}
