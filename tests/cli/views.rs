//! One worst case in every view: on every policy and every case file that
//! loads, `check`, `compare` and `timeline` (text and JSON) give the same
//! worst case (working days, bounded or not) ending at the same place; for
//! each pathway of equal standing of a file that has several.

use crate::{escalate, json};

fn files() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["policies", "tests/cases"] {
        let mut found: Vec<String> = std::fs::read_dir(root.join(dir))
            .expect("folder")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "esc"))
            .map(|p| crate::relative(&p))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

#[test]
fn every_view_shows_the_same_worst_case() {
    let mut checked = 0;
    for file in files() {
        let check = escalate(&["check", "--format", "json", &file]);
        if check.status.code() == Some(2) {
            continue; // an input error: no view is drawn
        }
        checked += 1;
        let check = json(&check);
        let compare = json(&escalate(&["compare", "--format", "json", &file]));
        // Each pathway of equal standing, or the one: its name (`None` for a
        // file of one pathway) and its worst case as compare gives it.
        let several = compare["protocols"][0]["pathways"].as_array().cloned().unwrap_or_default();
        let pathways: Vec<(Option<String>, String, serde_json::Value)> = if several.is_empty() {
            vec![(None, String::new(), compare["protocols"][0]["worst_case"].clone())]
        } else {
            assert_eq!(several[0]["worst_case"], compare["protocols"][0]["worst_case"], "{file}");
            several
                .iter()
                .map(|p| {
                    let name = p["name"].as_str().expect("name").to_string();
                    (Some(name), p["title"].as_str().expect("title").to_string(), p["worst_case"].clone())
                })
                .collect()
        };
        for (pathway, title, worst) in pathways {
            let mut args = vec!["timeline", "--from", "2026-12-21", file.as_str()];
            if let Some(name) = &pathway {
                args.extend(["--pathway", name.as_str()]);
            }
            let text = String::from_utf8(escalate(&args).stdout).expect("UTF-8");
            args.extend(["--format", "json"]);
            let timeline = json(&escalate(&args));

            // compare and timeline: the same figure and the same end.
            assert_eq!(timeline["worst_case"]["days"], worst["days"], "{file}");
            assert_eq!(timeline["worst_case"]["unbounded"], worst["unbounded"], "{file}");
            let end = format!(
                "{} {}",
                timeline["end"]["kind"].as_str().unwrap_or_default(),
                timeline["end"]["name"].as_str().unwrap_or_default()
            );
            assert_eq!(serde_json::json!(end), worst["end"], "{file}");
            let unbounded = worst["unbounded"] == true;
            let days = worst["days"].as_u64().expect("days");
            // A bounded worst case has a date; an unbounded one has none.
            assert_eq!(timeline["overall_due"].is_null(), unbounded, "{file}");
            let said = if unbounded {
                format!("no bound, at least {days} working day")
            } else {
                format!("{days} working day")
            };
            let (along, how_long, whose) = match &pathway {
                None => (
                    "the main pathway".to_string(),
                    "how long the main pathway takes".to_string(),
                    "the worst case takes".to_string(),
                ),
                Some(name) => (
                    format!("the pathway `{name}` (\"{title}\")"),
                    if name == "main" {
                        "how long the main pathway takes".to_string()
                    } else {
                        format!("how long pathway `{name}` takes")
                    },
                    format!("the worst case of pathway `{name}` takes"),
                ),
            };
            assert!(text.contains(&format!("Worst case along {along}: {said}")), "{file}\n{text}");

            // check: the pathway is reported unbounded exactly when it is.
            let diagnostics = check["files"][0]["diagnostics"].as_array().expect("diagnostics");
            let says = |code: &str, words: &str| {
                diagnostics
                    .iter()
                    .any(|d| d["code"] == code && d["message"].as_str().unwrap_or_default().contains(words))
            };
            let reported = says("unbounded-timescale", &how_long) || says("no-way-out", "");
            assert_eq!(
                reported, unbounded,
                "{file}: check and compare disagree on whether the worst case is bounded"
            );
            if !unbounded {
                assert!(!says("unbounded-timescale", &how_long), "{file}");
            }

            // check: `limit-exceeded` against the limit exactly when the worst case passes it.
            if let Some(limit) = timeline["limit_working_days"].as_u64() {
                let exceeded = says("limit-exceeded", &whose);
                assert_eq!(exceeded, days > limit, "{file}: worst case {days}, limit {limit}");
                if exceeded {
                    let figure = if unbounded {
                        format!("at least {days} working")
                    } else {
                        format!("takes {days} working")
                    };
                    assert!(says("limit-exceeded", &figure), "{file}: the finding gives another figure");
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} files checked");
}
