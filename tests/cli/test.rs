//! `escalate test`: the shipped policies' scenarios hold; a failing scenario
//! is reported at its line with what was expected, what happened and the
//! route; unknown names are input errors with "did you mean"; JSON and JUnit
//! XML (read back with a real XML parser) say the same.

use crate::{escalate, json, transcript};

/// Write `name` (and its text) into a fresh folder, with the ladder protocol
/// of tests/scenarios beside it as `ladder.esc`; returns the scenarios path.
fn beside_ladder(name: &str, scenarios: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy("tests/scenarios/ladder.esc", dir.join("ladder.esc")).expect("copy the ladder");
    let path = dir.join("ladder.scenarios");
    std::fs::write(&path, scenarios).expect("write scenarios");
    path
}

#[test]
fn every_shipped_policy_has_scenarios_and_they_hold() {
    let output = escalate(&["test", "policies/"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let doc = json(&escalate(&["test", "--format", "json", "policies/"]));
    let files = doc["files"].as_array().expect("files");
    let protocols: Vec<&str> = files.iter().map(|f| f["protocol"].as_str().expect("protocol")).collect();
    assert_eq!(
        protocols,
        [
            "policies/blackburn-with-darwen.esc",
            "policies/essex.esc",
            "policies/haringey.esc",
            "policies/hull.esc",
            "policies/wolverhampton.esc"
        ]
    );
    for f in files {
        assert!(f["results"].as_array().is_some_and(|r| r.len() >= 3), "{}", f["protocol"]);
    }
    assert_eq!(doc["summary"]["failed"], 0);
}

#[test]
fn wolverhampton_over_christmas_2026_gives_the_timeline_dates() {
    let doc = json(&escalate(&["test", "--format", "json", "policies/wolverhampton.esc"]));
    let results = doc["files"][0]["results"].as_array().expect("results");
    let dates =
        results.iter().find(|r| r["name"].as_str().is_some_and(|n| n.starts_with("Raised on"))).expect("one");
    let due: Vec<&str> = dates["route"]
        .as_array()
        .expect("route")
        .iter()
        .map(|v| v["due"]["date"].as_str().unwrap_or("none"))
        .collect();
    // The same dates `escalate timeline --from 2026-12-21` shows for the stages it shares.
    let timeline = json(&escalate(&[
        "timeline",
        "policies/wolverhampton.esc",
        "--from",
        "2026-12-21",
        "--format",
        "json",
    ]));
    let timeline_due: Vec<&str> = timeline["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["due"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(due[..3], timeline_due[..3]);
    assert_eq!(due, ["2026-12-30", "2027-01-04", "2027-01-07", "2027-01-13", "2027-01-22"]);
}

#[test]
fn a_failing_scenario_shows_what_was_expected_what_happened_and_the_route() {
    let output = escalate(&["test", "tests/scenarios/ladder.esc"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn junit_xml_reads_back_with_an_xml_parser() {
    let output = escalate(&["test", "--format", "junit", "tests/scenarios/"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("4"));
    assert_eq!(root.attribute("failures"), Some("2"));
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attribute("name"), Some("tests/scenarios/ladder.esc"));
    let cases: Vec<_> = suites[0].children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4);
    // A name with markup characters comes back as written.
    assert_eq!(cases[1].attribute("name"), Some("Resolved at stage 2 <ends> & \"agreed\""));
    assert!(cases[1].children().all(|n| !n.has_tag_name("failure")));
    let failure = cases[0].children().find(|n| n.has_tag_name("failure")).expect("a failure");
    assert_eq!(failure.attribute("type"), Some("scenario-failed"));
    assert_eq!(failure.attribute("message"), Some("it is on 2026-12-30 (working day 5), not 2027-01-05"));
    let body = failure.text().expect("details");
    assert!(body.contains("expected: stage 2 due on 2027-01-05"), "{body}");
    assert!(body.contains("the route taken: stage 1 (unresolved, 2026-12-21 to 2026-12-23)"), "{body}");
    assert_eq!(cases[0].attribute("line"), Some("3"));
    let passing = escalate(&["test", "--format", "junit", "policies/"]);
    let passing = String::from_utf8(passing.stdout).expect("UTF-8");
    let doc = roxmltree::Document::parse(&passing).expect("well-formed XML");
    assert_eq!(doc.root_element().attribute("failures"), Some("0"));
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testsuite")).count(), 5);
}

/// With a scenario that cannot be run (exit code 2), `--format junit` still
/// writes a whole JUnit document: the file as an errored test case, with
/// every problem in it (as `check --format sarif` reports input errors);
/// `--format json` a whole JSON document, the file in `errors`.
#[test]
fn junit_and_json_are_whole_documents_when_a_scenario_is_invalid() {
    let path = beside_ladder("junit-invalid", "scenario \"s\" {\n  expect ends at agred\n}\n");
    let output = escalate(&["test", "--format", "junit", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}): {text:?}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!((root.attribute("tests"), root.attribute("errors")), (Some("1"), Some("1")));
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attribute("file"), Some(path.to_string_lossy().as_ref()));
    assert_eq!(cases[0].attribute("line"), Some("2"));
    let error = cases[0].children().find(|n| n.has_tag_name("error")).expect("an <error>");
    assert_eq!(error.attribute("type"), Some("invalid-scenario"));
    assert_eq!(error.attribute("message"), Some("the protocol has no stage, exit or outcome `agred`"));
    assert!(error.text().is_some_and(|t| t.starts_with("line 2: invalid-scenario: ")), "{text}");
    // Misuse too: a protocol without scenarios.
    let output = escalate(&["test", "--format", "junit", "tests/cases/clean.esc"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("not XML ({e}): {text:?}"));
    let error = doc.descendants().find(|n| n.has_tag_name("error")).expect("an <error>");
    assert!(error.attribute("message").is_some_and(|m| m.contains("has no scenarios")), "{text}");
    // `--format json` too: no files, the problem in `errors`.
    let output = escalate(&["test", "--format", "json", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON document");
    assert_eq!(doc["files"], serde_json::json!([]));
    assert_eq!(doc["errors"][0]["file"], path.to_string_lossy().as_ref());
    assert_eq!(doc["errors"][0]["line"], 2);
    assert_eq!(doc["errors"][0]["code"], "invalid-scenario");
    assert_eq!(doc["summary"]["errors"], 1);
    // The human format writes nothing to stdout, as before.
    let output = escalate(&["test", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn json_reports_each_failure_with_its_line() {
    let doc = json(&escalate(&["test", "--format", "json", "tests/scenarios/ladder.scenarios"]));
    let results = doc["files"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["passed"], false);
    assert_eq!(results[0]["failures"][0]["line"], 7);
    assert_eq!(results[0]["ending"], "final-authority");
    assert_eq!(results[2]["route"][2]["kind"], "exit");
    assert_eq!(results[2]["route"][2]["starts"]["date"], "2026-12-23");
    assert_eq!(doc["summary"], serde_json::json!({"scenarios": 4, "passed": 2, "failed": 2}));
}

#[test]
fn unknown_names_are_input_errors_with_did_you_mean() {
    let path = beside_ladder(
        "unknown",
        "scenario \"s\" {\n  in exception cp\n  at stage 4: resolved\n  at stage 1: if \"the chair is away\"\n  \
         expect ends at agred\n  expect reaches mahs\n  expect reaches mash by 2027-02-30\n}\n",
    );
    let output = escalate(&["test", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "the protocol has no exception or pathway `cp`",
        "the protocol has no stage `4`",
        "no route of the protocol is taken `if \"the chair is away\"`",
        "the protocol has no stage, exit or outcome `agred`",
        "did you mean `agreed`?",
        "did you mean `mash`?",
        "promises a date but does not say when it starts",
        "invalid-scenario",
    ] {
        assert!(stderr.contains(expected), "no `{expected}` in:\n{stderr}");
    }
    assert!(output.stdout.is_empty(), "nothing is run");
}

#[test]
fn a_scenario_that_expects_nothing_or_a_vague_time_is_refused() {
    let path = beside_ladder(
        "vague",
        "scenario \"nothing\" {\n  at stage 1: resolved\n}\nscenario \"vague\" {\n  \
         expect ends at agreed within without delay\n}\n",
    );
    let output = escalate(&["test", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("scenario `nothing` expects nothing"), "{stderr}");
    assert!(stderr.contains("`within without delay` gives no number of working days"), "{stderr}");
}

#[test]
fn a_syntax_error_in_a_scenarios_file_is_shown_where_it_is() {
    let path = beside_ladder("syntax", "scenario \"s\" {\n  expect ends at agreed withn 2 working days\n}\n");
    let output = escalate(&["test", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("syntax-error"), "{stderr}");
    assert!(stderr.contains("ladder.scenarios:2:"), "{stderr}");
}

#[test]
fn a_protocol_without_scenarios_or_a_folder_without_any_is_exit_2() {
    let output = escalate(&["test", "tests/diff/base.esc"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("has no scenarios: write them in `tests/diff/base.scenarios`")
    );
    let output = escalate(&["test", "tests/diff/"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no scenarios found"));
}

#[test]
fn a_protocol_with_input_errors_runs_no_scenarios() {
    let path = beside_ladder("broken", "scenario \"s\" {\n  expect ends at agreed\n}\n");
    let protocol = path.with_extension("esc");
    std::fs::write(&protocol, "protocol \"p\"\nstage 1 \"a\" { unresolved -> stage 9 }\n").expect("write");
    let output = escalate(&["test", &protocol.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no stage `9`"));
}

/// The fenced blocks of a Markdown file: (language, text).
fn fenced(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

#[test]
fn the_examples_of_docs_testing_md_run_as_shown() {
    let doc = std::fs::read_to_string("docs/testing.md").expect("docs/testing.md");
    let blocks = fenced(&doc);
    let protocol = &blocks.iter().find(|(l, _)| l == "esc").expect("an esc block").1;
    let scenarios = &blocks.iter().find(|(l, _)| l == "scenarios").expect("a scenarios block").1;
    let dir = std::env::temp_dir().join(format!("escalate-test-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("example.esc"), protocol).expect("write");
    std::fs::write(dir.join("example.scenarios"), scenarios).expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["test", "example.esc"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("escalate runs");
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let shown: Vec<&String> = blocks.iter().filter(|(l, _)| l == "text").map(|(_, b)| b).collect();
    assert!(shown.iter().any(|b| **b == *stdout), "docs/testing.md does not show the output:\n{stdout}");
    // The failure shown is the real report of tests/scenarios/ladder.esc.
    let failing = escalate(&["test", "tests/scenarios/ladder.esc"]);
    let report = String::from_utf8_lossy(&failing.stdout);
    assert!(shown.iter().any(|b| **b == *report), "docs/testing.md shows an old report:\n{report}");
}

/// `escalate test` with no path, at the repository root, runs the shipped
/// policies' scenarios and leaves out the fixtures under `tests/` (which
/// fail on purpose): the root `.escalate.toml` excludes them, and a folder
/// search honours `exclude`. Named, an excluded folder is searched.
#[test]
fn test_at_the_root_leaves_out_what_the_configuration_excludes() {
    let output = escalate(&["test", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let doc = json(&output);
    let protocols: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["protocol"].as_str().expect("path"))
        .collect();
    assert_eq!(protocols.iter().filter(|p| p.starts_with("./policies/")).count(), 5, "{protocols:?}");
    assert!(
        protocols.iter().all(|p| !p.starts_with("./tests/") && !p.starts_with("./fuzz/")),
        "{protocols:?}"
    );
    // Asked for by name, the fixtures run (and fail, as they are meant to).
    let named = escalate(&["test", "tests/scenarios/"]);
    assert_eq!(named.status.code(), Some(1), "{}", transcript(&named));
    // The same in a user's repository: `exclude` leaves a folder out of the
    // search, not out of reach.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-exclude");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("drafts")).expect("scratch");
    std::fs::write(dir.join(".escalate.toml"), "exclude = [\"drafts\"]\n").expect("config");
    for name in ["ladder.esc", "ladder.scenarios"] {
        std::fs::copy(format!("tests/scenarios/{name}"), dir.join("drafts").join(name)).expect("copy");
    }
    std::fs::copy("policies/hull.esc", dir.join("hull.esc")).expect("copy");
    std::fs::copy("policies/hull.scenarios", dir.join("hull.scenarios")).expect("copy");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
            .args(args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("escalate runs")
    };
    let all = run(&["test"]);
    assert_eq!(all.status.code(), Some(0), "{}", transcript(&all));
    assert!(String::from_utf8_lossy(&all.stdout).contains("for 1 protocol:"), "{}", transcript(&all));
    let drafts = run(&["test", "drafts"]);
    assert_eq!(drafts.status.code(), Some(1), "{}", transcript(&drafts));
}

/// Issue 23: a scenario names the pathway of equal standing it follows
/// (`in pathway NAME`); without it, the first. A date true of one pathway
/// is false of the other.
#[test]
fn scenarios_name_their_pathway() {
    let output = escalate(&["test", "tests/cases/pathways.esc"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("3 passed, 0 failed"));

    let dir = std::env::temp_dir().join(format!("escalate-test-{}-pathways", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy("tests/cases/pathways.esc", dir.join("p.esc")).expect("copy");
    let scenarios = "scenario \"concerns\" {\n  in pathway concerns\n  starts 2026-03-02\n  at any stage: unresolved\n  expect ends at stage c2 on 2026-03-13\n}\n";
    std::fs::write(dir.join("p.scenarios"), scenarios).expect("write");
    let output = escalate(&["test", dir.join("p.esc").to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2026-03-18"), "{}", transcript(&output));
}

/// Issue 23, item 4: the steps before the first stage come before it, in
/// scenarios as in the timeline (stage 1 starts five working days after the
/// disagreement is raised); `in pathway main` names the main ladder.
#[test]
fn steps_before_the_first_stage_delay_it_and_main_names_the_ladder() {
    let output = escalate(&["test", "tests/cases/before-and-send.esc"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 passed, 0 failed"),
        "{}",
        transcript(&output)
    );

    // The date stage 1 would start on if the step before it were ignored is wrong.
    let dir = std::env::temp_dir().join(format!("escalate-test-{}-before", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy("tests/cases/before-and-send.esc", dir.join("p.esc")).expect("copy");
    let scenarios = "scenario \"ignored\" {\n  in pathway main\n  starts 2026-03-02\n  at any stage: unresolved\n  expect stage 1 starts on 2026-03-02\n}\n";
    std::fs::write(dir.join("p.scenarios"), scenarios).expect("write");
    let output = escalate(&["test", dir.join("p.esc").to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("2026-03-09"), "{}", transcript(&output));
}
