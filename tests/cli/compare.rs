//! `escalate compare`: the protocols side by side, in four formats, and
//! `docs/comparison.md`, which must stay the command's real output.

use crate::{escalate, json, transcript};

#[test]
fn docs_comparison_md_is_the_current_output() {
    let output = escalate(&["compare", "--format", "markdown", "policies/"]);
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/comparison.md")).expect("docs/comparison.md");
    assert!(
        doc.contains(&table),
        "docs/comparison.md is out of date: replace its table with the output of\n  \
         escalate compare --format markdown policies/\n\n{table}"
    );
    assert!(doc.contains("escalate compare --format markdown policies/"));
}

#[test]
fn compare_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = crate::explain::escalate_in(root, &["compare", "policies/"]);
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn compare_json_and_csv_agree() {
    let doc = json(&escalate(&["compare", "--format", "json", "policies/"]));
    let protocols = doc["protocols"].as_array().expect("protocols");
    assert_eq!(protocols.len(), 5);
    let wolverhampton = protocols.iter().find(|p| p["name"] == "wolverhampton").expect("wolverhampton");
    // The stage table reaches 21 working days at the WSCB Chair's decision (see docs/rules.md);
    // the Independent Chair's mediation has no timescale, so the worst case is at least that.
    assert_eq!(
        wolverhampton["worst_case"],
        serde_json::json!({"days": 21, "unbounded": true, "end": "stage wscb-chair"})
    );
    assert_eq!(wolverhampton["immediate_risk"], serde_json::json!({"covered": 7, "slow": 0, "total": 7}));
    // Its limit is advisory ("a suggested timeframe"): exceeding it is a warning.
    assert_eq!(wolverhampton["findings"]["error_codes"], serde_json::json!({}));
    assert_eq!(wolverhampton["findings"]["warning_codes"]["limit-exceeded"], 1);
    let haringey = protocols.iter().find(|p| p["name"] == "haringey").expect("haringey");
    assert_eq!(haringey["final_authorities"], serde_json::json!([]));
    assert_eq!(haringey["worst_case"]["unbounded"], true);

    // The findings are those `check` reports.
    let checked = json(&escalate(&["check", "--format", "json", "policies/"]));
    let errors: u64 = protocols.iter().map(|p| p["findings"]["errors"].as_u64().expect("errors")).sum();
    assert_eq!(serde_json::json!(errors), checked["summary"]["errors"]);

    let csv =
        String::from_utf8(escalate(&["compare", "--format", "csv", "policies/"]).stdout).expect("UTF-8");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 6, "{csv}");
    assert!(lines[0].starts_with("file,name,title,main_stages,"));
    let wolverhampton =
        lines.iter().find(|l| l.starts_with("policies/wolverhampton.esc,")).expect("a record");
    assert!(wolverhampton.contains(",21,true,stage wscb-chair,7,0,7,"), "{wolverhampton}");
}

#[test]
fn compare_refuses_a_file_that_does_not_load() {
    let output = escalate(&["compare", "policies/essex.esc", "tests/cases/syntax-error-missing-quote.esc"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("syntax-error") && stderr.contains("only protocols that load can be compared"),
        "{stderr}"
    );
    assert_eq!(escalate(&["compare"]).status.code(), Some(2), "at least one file is needed");
}

#[test]
fn two_versions_of_one_protocol_have_columns_told_apart() {
    let dir = std::env::temp_dir().join(format!("escalate-compare-versions-{}", std::process::id()));
    for version in ["old", "new"] {
        std::fs::create_dir_all(dir.join(version)).expect("temp dir");
        std::fs::copy("policies/hull.esc", dir.join(version).join("hull.esc")).expect("copy");
    }
    let old = dir.join("old/hull.esc").to_string_lossy().into_owned();
    let new = dir.join("new/hull.esc").to_string_lossy().into_owned();
    let output = escalate(&["compare", "--format", "markdown", &old, &new]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    let heading = table.lines().next().expect("a heading row");
    let shown = |path: &str| path.trim_end_matches(".esc").replace('_', "\\_");
    assert!(heading.contains(&shown(&old)) && heading.contains(&shown(&new)), "{heading}");
    // The same file named twice is read once, as `check` reads it.
    let twice = escalate(&["compare", "--format", "json", "policies/hull.esc", "policies/hull.esc"]);
    assert_eq!(json(&twice)["protocols"].as_array().map(Vec::len), Some(1));
}

/// Issue 23: a protocol with several pathways of equal standing has a row
/// per pathway, each with that pathway's own worst case; a protocol of one
/// keeps its one row and no `pathways` field.
#[test]
fn compare_gives_each_pathway_its_row() {
    let doc = json(&escalate(&[
        "compare",
        "--format",
        "json",
        "tests/cases/pathways.esc",
        "tests/cases/clean.esc",
    ]));
    let several = &doc["protocols"][0];
    assert_eq!(several["worst_case"], serde_json::json!({"days": 9, "unbounded": false, "end": "stage 2"}));
    assert_eq!(
        several["pathways"],
        serde_json::json!([
            {"name": "differences", "title": "Resolving professional differences",
             "worst_case": {"days": 9, "unbounded": false, "end": "stage 2"}},
            {"name": "concerns", "title": "Escalation of concerns",
             "worst_case": {"days": 12, "unbounded": false, "end": "stage c2"}}
        ])
    );
    assert!(doc["protocols"][1].get("pathways").is_none());
    let table = String::from_utf8(
        escalate(&["compare", "--format", "markdown", "tests/cases/pathways.esc", "tests/cases/clean.esc"])
            .stdout,
    )
    .expect("UTF-8");
    assert!(table.contains("| **stages** | 4 stages in 2 pathways | 3 stages |"), "{table}");
    assert!(
        table.contains("| **worst case, pathway 1** | differences: 9 working days (stage 2) | 10 working days (stage 3) |"),
        "{table}"
    );
    assert!(
        table.contains("| **worst case, pathway 2** | concerns: 12 working days (stage c2) |  |"),
        "{table}"
    );
    let csv = String::from_utf8(escalate(&["compare", "--format", "csv", "tests/cases/pathways.esc"]).stdout)
        .expect("UTF-8");
    assert!(csv.contains("differences:9:bounded:stage 2 concerns:12:bounded:stage c2"), "{csv}");
}
