//! Issue 22's items, each as a user saw it: the views that contradicted each
//! other on these case files now say the same thing.

use crate::escalate;

fn stdout(args: &[&str]) -> String {
    String::from_utf8(escalate(args).stdout).expect("UTF-8")
}

/// Item 1: a stage with only a discretionary step has no bound in every view.
#[test]
fn a_stage_with_only_a_discretionary_step_has_no_bound_anywhere() {
    let file = "tests/cases/truth-discretionary-only-stage.esc";
    let timeline = stdout(&["timeline", "--from", "2026-12-21", file]);
    assert!(
        timeline.contains("Worst case along the main pathway: no bound, at least 5 working days"),
        "{timeline}"
    );
    assert!(!timeline.contains("on or before the declared limit"), "{timeline}");
    let json = crate::json(&escalate(&["timeline", "--format", "json", "--from", "2026-12-21", file]));
    assert_eq!(json["stages"][1]["working_days"], serde_json::Value::Null, "{json}");
    assert_eq!(json["stages"][1]["due"], serde_json::Value::Null, "{json}");
    let dot = stdout(&["render", "--format", "dot", file]);
    // Stage 1 ends by day 5; stage 2 has no day it ends by.
    assert!(dot.contains("by day 5"), "{dot}");
    assert!(dot.contains("ends: no bound (at least day"), "{dot}");
}

/// Item 2: one phrase, one count: `limit 5 days` is calendar days
/// everywhere, and `28 days` is dated the same by `timeline` and `test`.
#[test]
fn calendar_days_are_named_as_written_and_dated_alike_by_timeline_and_test() {
    let file = "tests/cases/truth-calendar-days-limit.esc";
    let check = String::from_utf8(escalate(&["check", file]).stdout).expect("UTF-8");
    assert!(check.contains("limit of 5 days (at most 5 working days)"), "{check}");
    assert!(!check.contains("limit of 5 working days"), "{check}");
    let timeline = stdout(&["timeline", "--from", "2026-12-21", file]);
    assert!(timeline.contains("28 days, at most 20 working days"), "{timeline}");
    assert!(timeline.contains("Mon 18 Jan 2027"), "{timeline}");
    assert!(!timeline.contains("counted as 5 working days"), "{timeline}");

    let dir = std::env::temp_dir().join(format!("escalate-truth-items-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    std::fs::copy(file, dir.join("p.esc")).expect("copy");
    let scenario = |due: &str| {
        format!(
            "scenario \"28 days\" {{\n  starts 2026-12-21\n  at stage 1: resolved\n  expect stage 1 due on {due}\n}}\n"
        )
    };
    std::fs::write(dir.join("p.scenarios"), scenario("2027-01-18")).expect("write");
    let path = dir.join("p.esc");
    let ok = escalate(&["test", path.to_str().expect("UTF-8")]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    // A day earlier fails.
    std::fs::write(dir.join("p.scenarios"), scenario("2027-01-17")).expect("write");
    let late = escalate(&["test", path.to_str().expect("UTF-8")]);
    assert_eq!(late.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 3: the `otherwise` branch is in the timeline, the diagram and the report.
#[test]
fn the_otherwise_branch_is_shown_and_counted() {
    let file = "tests/cases/truth-otherwise-branch.esc";
    let timeline = stdout(&["timeline", "--from", "2026-12-21", file]);
    assert!(
        timeline.contains(
            "steps: 2 working days + (1 working day or otherwise a further 5 working days) = 7 working days"
        ),
        "{timeline}"
    );
    let dot = stdout(&["render", "--format", "dot", file]);
    assert!(dot.contains("otherwise a further 5 working days"), "{dot}");
    let dir = std::env::temp_dir().join(format!("escalate-truth-report-{}", std::process::id()));
    let out = escalate(&["report", file, "-o", dir.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut pages = String::new();
    for entry in std::fs::read_dir(&dir).expect("report folder").flatten() {
        if entry.path().extension().is_some_and(|e| e == "html") {
            pages.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    assert!(pages.contains("If resolved: The outcome is confirmed by letter"), "the condition is shown");
    assert!(pages.contains("otherwise: The service manager convenes a meeting"), "the other branch is shown");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Item 4: a deadline counted from the stage's start bounds the stage.
#[test]
fn a_deadline_counted_from_the_stage_bounds_it_after_an_untimed_step() {
    let file = "tests/cases/truth-anchored-after-untimed.esc";
    let json = crate::json(&escalate(&["compare", "--format", "json", file]));
    assert_eq!(json["protocols"][0]["worst_case"]["days"], 5);
    assert_eq!(json["protocols"][0]["worst_case"]["unbounded"], false);
}

/// Item 7: a timeline whose only unbounded part is off its route says so,
/// and no `*` points at nothing; a discretionary step is never a reason.
#[test]
fn the_timeline_says_where_the_missing_bound_is() {
    let timeline = stdout(&["timeline", "--from", "2026-12-21", "policies/wolverhampton.esc"]);
    let marked = timeline.lines().any(|l| l.split_whitespace().next().is_some_and(|w| w.ends_with('*')))
        || timeline.lines().any(|l| l.split_whitespace().nth(1) == Some("*"));
    if !marked {
        assert!(!timeline.contains("* No deadline"), "a `*` that marks no row: {timeline}");
    }
    assert!(timeline.contains("not on this route"), "{timeline}");
}
