//! `escalate diff`: the identity (a file against its formatted self, and with
//! comments and quotes moved) is "same"; each kind of change has its expected
//! diff; files at a git revision, standard input and bad input.

use crate::{escalate, escalate_with_stdin, json, transcript};

fn base() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join("tests/diff/base.esc")).expect("tests/diff/base.esc")
}

/// Write `text` to a fresh temporary file and return its path.
fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

/// `diff tests/diff/base.esc NEW` where NEW is the base with `edits`: the
/// exit code and the change lines (without the heading line).
fn diff_lines(name: &str, edits: &[(&str, &str)]) -> (i32, Vec<String>) {
    let mut new = base();
    for (from, to) in edits {
        assert!(new.contains(from), "{name}: the base holds `{from}`");
        new = new.replace(from, to);
    }
    let path = temp(&format!("{name}.esc"), &new);
    let output = escalate(&["diff", "tests/diff/base.esc", &path.to_string_lossy()]);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines = stdout.lines().skip(1).map(|l| l.trim().to_string()).collect();
    (output.status.code().unwrap_or(-1), lines)
}

#[test]
fn a_file_is_the_same_as_its_formatted_self_and_with_comments_and_quotes_moved() {
    for policy in ["hull", "wolverhampton", "essex", "haringey", "blackburn-with-darwen"] {
        let file = format!("policies/{policy}.esc");
        let output = escalate(&["diff", &file, &file]);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        let text = std::fs::read_to_string(&file).expect("policy");
        let formatted = escalate::format::format(&text).expect("policies format");
        // Every line break becomes two, and every comment moves to a line of its own.
        let moved: String = formatted
            .lines()
            .map(|line| match line.find(" #") {
                Some(at) if !line[..at].contains('"') => format!("{}\n\n{}\n", &line[at + 1..], &line[..at]),
                _ => format!("{line}\n\n"),
            })
            .collect();
        assert_ne!(moved, text);
        for (what, version) in [("formatted", formatted), ("moved", moved)] {
            let path = temp(&format!("{policy}-{what}.esc"), &version);
            let output = escalate(&["diff", &file, &path.to_string_lossy()]);
            assert_eq!(output.status.code(), Some(0), "{policy} {what}: {}", transcript(&output));
            assert!(String::from_utf8_lossy(&output.stdout).contains("no change in meaning"));
        }
    }
}

#[test]
fn quotes_and_notes_moved_or_rewrapped_change_nothing() {
    let old = "protocol \"p\"\noutcome done \"Done\"\nstage 1 \"One\" {\n  quote \"a b\"\n  note \"n\"\n  \
               within 2 working days\n  final decision\n  resolved -> done\n}\n";
    let new = "protocol \"p\" outcome done \"Done\" stage 1 \"One\" { within 2 working days quote \"a\n    b\"\n  \
               note \"n\" final decision resolved -> done }\n";
    let path = temp("quotes.esc", new);
    let output = escalate_with_stdin(&["diff", "-", &path.to_string_lossy()], Some(old.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
}

/// A case: its name, the edits to the base, the expected change lines.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

/// Each kind of change, with its expected diff.
#[test]
fn every_kind_of_change_has_its_diff() {
    let cases: &[Case] = &[
        (
            "stage-timescale",
            &[("within 3 working days", "within 5 working days")],
            &[
                "stage 2: within: 3 working days -> 5 working days",
                "worst case: 10 working days to stage 3 -> 12 working days to stage 3",
                "introduced: error limit-exceeded: the worst case takes 12 working days, longer than the protocol's limit of 10 working days",
            ],
        ),
        (
            "stage-retitled",
            &[("\"Chair decides\"", "\"The chair decides\"")],
            &["stage 3: title: \"Chair decides\" -> \"The chair decides\""],
        ),
        // Matched by title: renamed, not removed and added; routes follow the new id.
        (
            "stage-renumbered",
            &[("stage 3", "stage 4")],
            &[
                "stage 4: id: stage 3 -> stage 4",
                "worst case: 10 working days to stage 3 -> 10 working days to stage 4",
            ],
        ),
        (
            "stage-added",
            &[
                ("  unresolved -> stage 3\n", "  unresolved -> stage 2a\n"),
                (
                    "stage 3 \"Chair decides\" {",
                    "stage 2a \"Senior managers\" {\n  parties chair\n  within 2 working days\n  \
                     record \"Minutes\"\n  resolved -> agreed\n  unresolved -> stage 3\n  \
                     immediate risk -> mash\n}\n\nstage 3 \"Chair decides\" {",
                ),
            ],
            &[
                "stage 2: route unresolved -> stage 3: removed",
                "stage 2: route unresolved -> stage 2a: added",
                "stage 2a added: \"Senior managers\"",
                "stage 2a: route immediate risk -> mash: added  [immediate-risk route added]",
                "worst case: 10 working days to stage 3 -> 12 working days to stage 3",
                "introduced: error limit-exceeded: the worst case takes 12 working days, longer than the protocol's limit of 10 working days",
                "introduced: warning not-escalating: `stage 3` is not more senior than `stage 2a`",
            ],
        ),
        (
            "stage-removed",
            &[
                ("unresolved -> stage 2\n", "unresolved -> stage 3\n"),
                (
                    "stage 2 \"Managers\" {\n  parties manager\n  within 3 working days\n  resolved -> agreed\n  \
                     unresolved -> stage 3\n}\n",
                    "",
                ),
            ],
            &[
                "stage 1: route unresolved -> stage 2: removed",
                "stage 1: route unresolved -> stage 3: added",
                "stage 2 removed (was \"Managers\")",
                "worst case: 10 working days to stage 3 -> 7 working days to stage 3",
            ],
        ),
        (
            "party-level",
            &[(
                "party manager \"Team manager\" level 2",
                "party manager \"Team manager\" agency \"Police\" level 3",
            )],
            &["party manager: agency: added, \"Police\"", "party manager: level: 2 -> 3"],
        ),
        (
            "party-added-and-removed",
            &[
                (
                    "party chair \"Partnership chair\" level 5",
                    "party chair \"Partnership chair\" level 5\nparty head \"Head of service\" level 4",
                ),
                ("party practitioner \"Practitioner\" level 1\n", ""),
                ("  parties practitioner\n", ""),
            ],
            &[
                "party practitioner removed (was \"Practitioner\" level 1)",
                "party head added: \"Head of service\" level 4",
                "stage 1: parties: removed (was practitioner)",
            ],
        ),
        (
            "route-added",
            &[(
                "  unresolved -> stage 3\n}",
                "  unresolved -> stage 3\n  no response -> stage 3 within 1 working day\n}",
            )],
            &[
                "stage 2: route no response -> stage 3: added, 1 working day",
                "worst case: 10 working days to stage 3 -> 11 working days to stage 3",
                "introduced: error limit-exceeded: the worst case takes 11 working days, longer than the protocol's limit of 10 working days",
            ],
        ),
        (
            "route-timescale",
            &[("unresolved -> stage 2", "unresolved -> stage 2 within 24 hours")],
            &[
                "stage 1: route unresolved -> stage 2: no timescale -> 24 hours",
                "worst case: 10 working days to stage 3 -> 11 working days to stage 3",
                "introduced: error limit-exceeded: the worst case takes 11 working days, longer than the protocol's limit of 10 working days",
            ],
        ),
        (
            "immediate-risk-route-moved",
            &[
                ("at any stage: immediate risk -> mash\n", ""),
                ("  unresolved -> stage 2\n", "  unresolved -> stage 2\n  immediate risk -> mash\n"),
            ],
            &[
                "at any stage: route immediate risk -> mash: removed  [immediate-risk route removed]",
                "stage 1: route immediate risk -> mash: added  [immediate-risk route added]",
                // One finding for both stages: one fix mends them.
                "introduced: error missing-immediate-risk-exit: 2 stages have no route for a child at immediate risk",
            ],
        ),
        (
            "exit-timescale",
            &[("within same working day", "within 24 hours")],
            &["exit mash: timescale: same working day -> 24 hours"],
        ),
        (
            "outcome-added",
            &[
                (
                    "outcome agreed \"Agreed outcome\"",
                    "outcome agreed \"Agreed outcome\"\noutcome referred \"Referred to the board\"",
                ),
                ("  final decision\n", "  final decision\n  unresolved -> referred\n"),
            ],
            &[
                "outcome referred added: \"Referred to the board\"",
                "stage 3: route unresolved -> referred: added",
            ],
        ),
        (
            "limit-and-calendar",
            &[
                ("limit 10 working days", "limit 8 working days"),
                ("calendar england-and-wales", "calendar scotland"),
            ],
            &[
                "protocol: calendar: england-and-wales -> scotland",
                "protocol: limit: 10 working days -> 8 working days",
                "introduced: error limit-exceeded: the worst case takes 10 working days, longer than the protocol's limit of 8 working days",
            ],
        ),
        (
            "final-authority",
            &[("  final decision\n", "")],
            &[
                "stage 3: final authority: removed (was final decision)",
                "worst case: 10 working days to stage 3 -> 10 working days to outcome agreed",
                "introduced: error dead-end: `stage 3` (\"Chair decides\") has no route for a disagreement that is still unresolved",
            ],
        ),
        (
            "step-and-record",
            &[(
                "  within 2 working days\n",
                "  step \"Talk it through\" within 2 working days\n  record \"Outcome in writing\"\n",
            )],
            &[
                "stage 1: within: removed (was 2 working days)",
                "stage 1: step \"Talk it through\": added, 2 working days",
                "stage 1: record \"Outcome in writing\": added",
            ],
        ),
        (
            "exception-added",
            &[(
                "}\n\nstage 3",
                "}\n\nexception cp \"A conference is requested\" {\n  start -> stage 2\n}\n\nstage 3",
            )],
            &["exception cp added: \"A conference is requested\""],
        ),
        (
            "findings-fixed",
            &[(
                "  parties chair\n  within 5 working days\n  final decision\n",
                "  parties chair\n  within 5 working days\n",
            )],
            &[
                "stage 3: final authority: removed (was final decision)",
                "worst case: 10 working days to stage 3 -> 10 working days to outcome agreed",
                "introduced: error dead-end: `stage 3` (\"Chair decides\") has no route for a disagreement that is still unresolved",
            ],
        ),
    ];
    for (name, edits, expected) in cases {
        let (code, lines) = diff_lines(name, edits);
        assert_eq!(code, 1, "{name}: a change exits 1");
        assert_eq!(lines, *expected, "{name}");
    }
}

#[test]
fn findings_fixed_are_listed_the_other_way_round() {
    let mut broken = base();
    broken = broken.replace("  final decision\n", "");
    let path = temp("broken.esc", &broken);
    let output = escalate(&["diff", &path.to_string_lossy(), "tests/diff/base.esc"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("1 finding fixed"), "{stdout}");
    assert!(stdout.contains("fixed: error dead-end: `stage 3`"), "{stdout}");
}

#[test]
fn markdown_and_json_say_the_same() {
    let new = base()
        .replace("within 3 working days", "within 5 working days")
        .replace("\"Managers\"", "\"Managers | leads\"");
    let path = temp("md.esc", &new);
    let md = escalate(&["diff", "--format", "markdown", "tests/diff/base.esc", &path.to_string_lossy()]);
    assert_eq!(md.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&md.stdout).replace(&*path.to_string_lossy(), "NEW"));
    let doc = json(&escalate(&["diff", "--format", "json", "tests/diff/base.esc", &path.to_string_lossy()]));
    assert_eq!(doc["same"], false);
    let within = &doc["changes"][1];
    assert_eq!(within["subject"], "stage 2");
    assert_eq!(within["what"], "within");
    assert_eq!(within["kind"], "changed");
    assert_eq!(within["before"], "3 working days");
    assert_eq!(within["after"], "5 working days");
    assert_eq!(doc["changes"][0]["after"], "\"Managers | leads\"");
    assert_eq!(doc["before"]["worst_case"], "10 working days to stage 3");
    assert_eq!(doc["introduced"][0]["code"], "limit-exceeded");
    let same = json(&escalate(&["diff", "--format", "json", "tests/diff/base.esc", "tests/diff/base.esc"]));
    assert_eq!(same["same"], true);
    assert_eq!(same["changes"], serde_json::json!([]));
}

#[test]
fn a_file_at_a_git_revision_is_read_with_git_show() {
    // The first commit that holds the policies; their meaning has changed since or not, but they load.
    let output = escalate(&["diff", "HEAD:policies/hull.esc", "policies/hull.esc"]);
    let code = output.status.code();
    // The work tree may differ from HEAD while someone edits; both are a diff, not an error.
    assert!(matches!(code, Some(0 | 1)), "{}", transcript(&output));
    let bad = escalate(&["diff", "no-such-revision-xyz:policies/hull.esc", "policies/hull.esc"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("cannot read `policies/hull.esc` at git revision `no-such-revision-xyz`"),
        "{stderr}"
    );
}

#[test]
fn outside_a_repository_git_revisions_are_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("escalate-diff-norepo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["diff", "HEAD:p.esc", "HEAD:p.esc"])
        .current_dir(&dir)
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .expect("escalate runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a git repository"), "{stderr}");
}

#[test]
fn bad_input_is_exit_2() {
    let missing = escalate(&["diff", "tests/diff/base.esc", "nowhere.esc"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read `nowhere.esc`: no such file"));
    let broken = escalate_with_stdin(
        &["diff", "-", "tests/diff/base.esc"],
        Some(b"protocol \"p\"\nstage 1 \"a\" { unresolved -> stage 9 }\n"),
    );
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("there is no stage `9`"));
}

#[test]
fn docs_diff_md_shows_the_current_output() {
    let output = escalate(&["diff", "tests/diff/base.esc", "tests/diff/revised.esc"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let doc = std::fs::read_to_string("docs/diff.md").expect("docs/diff.md");
    assert!(doc.contains(&format!("```text\n{text}```")), "docs/diff.md is out of date:\n{text}");
}

#[test]
fn help_lists_test_and_diff_and_ci_md_runs_them_on_pull_requests() {
    let help = String::from_utf8(escalate(&["--help"]).stdout).expect("UTF-8");
    for command in ["test", "diff"] {
        assert!(help.contains(&format!("\n  {command} ")), "--help does not list `{command}`:\n{help}");
    }
    let diff = String::from_utf8(escalate(&["diff", "--help"]).stdout).expect("UTF-8");
    for format in ["text", "markdown", "json"] {
        assert!(diff.contains(&format!("- {format}:")), "diff --help does not describe `{format}`:\n{diff}");
    }
    let ci = std::fs::read_to_string("docs/ci.md").expect("docs/ci.md");
    for command in
        ["escalate diff --format markdown \"$BASE:$file\" \"$file\"", "escalate test --format junit ."]
    {
        assert!(ci.contains(command), "docs/ci.md's pull-request workflow does not run `{command}`");
    }
}

/// Issue 23, item 4: a step before the first stage and a stage's `send`
/// are part of what a protocol says; changing them is a change.
#[test]
fn steps_before_the_first_stage_and_sends_have_their_diff() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let old = std::fs::read_to_string(root.join("tests/cases/before-and-send.esc")).expect("case");
    let new = old
        .replace(
            "step \"Agency A writes to Agency B\" within 5 working days",
            "step \"Agency A writes to Agency B\" within 3 working days",
        )
        .replace(
            "send \"A copy of the outcome\" to chair and \"the Board\"",
            "send \"The outcome\" to chair",
        );
    assert_ne!(old, new);
    let path = temp("before-and-send.esc", &new);
    let output = escalate(&["diff", "tests/cases/before-and-send.esc", &path.to_string_lossy()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in [
        "before the first stage of main: step \"Agency A writes to Agency B\": 5 working days -> 3 working days",
        "stage 2: send \"A copy of the outcome\": removed",
        "stage 2: send \"The outcome\": added",
        "worst case: 12 working days to stage 2 -> 10 working days to stage 2",
    ] {
        assert!(stdout.contains(line), "{line:?} not in\n{}", transcript(&output));
    }
}

/// `escalate diff` of the case file `case` against itself with `edits`
/// made: each of `lines` is in what it prints.
fn diff_of_case_shows(case: &str, edits: &[(&str, &str)], lines: &[&str]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let old = std::fs::read_to_string(root.join("tests/cases").join(case)).expect("case");
    let new = edits.iter().fold(old.clone(), |text, (from, to)| text.replace(from, to));
    assert_ne!(old, new, "the edits changed nothing in {case}");
    let path = temp(case, &new);
    let output = escalate(&["diff", &format!("tests/cases/{case}"), &path.to_string_lossy()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in lines {
        assert!(stdout.contains(line), "{line:?} not in\n{}", transcript(&output));
    }
}

/// Issue 23: a copy sent on a route (`and send`) is part of what the route
/// says; adding, removing or retiming one is a change.
#[test]
fn copies_sent_on_routes_have_their_diff() {
    diff_of_case_shows(
        "send-through.esc",
        &[
            ("to wscb-chair within 2 working days", "to wscb-chair within 3 working days"),
            ("    and send \"The outcome\" to \"the Board\"\n", ""),
        ],
        &[
            "stage 1: route unresolved -> stage 2 and send \"A copy of the referral\": 2 working days -> 3 working days",
            "stage 1: route resolved -> agreed and send \"The outcome\": removed",
        ],
    );
}

/// A record made on a route (`and record`) is part of what the route says,
/// like a copy sent: adding, removing or retiming one is a change.
#[test]
fn records_made_on_routes_have_their_diff() {
    diff_of_case_shows(
        "late-record-on-route.esc",
        &[
            (
                "and record \"Outcome confirmed by letter\" within 5 working days",
                "and record \"Outcome confirmed by letter\" within 2 working days",
            ),
            ("    and record \"Referral confirmed in writing\" within 5 working days\n", ""),
        ],
        &[
            "stage 1: route resolved -> agreed and record \"Outcome confirmed by letter\": 5 working days -> 2 working days",
            "stage 1: route unresolved -> stage 2 and record \"Referral confirmed in writing\": removed",
        ],
    );
}
