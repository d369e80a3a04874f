//! The shipped policies: their check output (human and JSON) is snapshotted,
//! and every quote in them must be found, word for word, in the source
//! document it encodes (`policies/sources/<name>.txt`).

use crate::{escalate, relative, transcript};

#[test]
fn policies_check_output() {
    insta::glob!("../../policies", "*.esc", |path| {
        let file = relative(path);
        let human = escalate(&["check", &file]);
        // The findings are what a faithful encoding yields; none may be an input error.
        assert_ne!(human.status.code(), Some(2), "{file} must parse and resolve:\n{}", transcript(&human));
        insta::assert_snapshot!("human", transcript(&human));
        let json = escalate(&["check", "--format", "json", &file]);
        assert_eq!(json.status.code(), human.status.code());
        let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
        insta::assert_json_snapshot!("json", doc);
    });
}

#[test]
fn every_quote_is_in_its_source_document() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("policies")).expect("policies/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|e| e != "esc") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("UTF-8 name");
        let source = std::fs::read_to_string(root.join("policies/sources").join(format!("{stem}.txt")))
            .unwrap_or_else(|e| panic!("{stem}: its source document is missing: {e}"));
        let source = normalise(&source);
        let text = std::fs::read_to_string(&path).expect("policy is UTF-8");
        let protocol = escalate::load(&text).unwrap_or_else(|e| panic!("{stem} does not load: {e:?}"));
        let quotes = all_quotes(&protocol);
        assert!(quotes.len() >= 20, "{stem}: only {} quotes", quotes.len());
        for quote in quotes {
            assert!(source.contains(&normalise(&quote)), "{stem}: quote not found in its source:\n  {quote}");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} quotes checked");
}

/// Whitespace collapsed; `**` bold markers of the extraction removed.
fn normalise(text: &str) -> String {
    text.replace("**", "").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn all_quotes(p: &escalate::model::Protocol) -> Vec<String> {
    let json = serde_json::to_value(p).expect("model serialises");
    let mut out = Vec::new();
    collect_quotes(&json, &mut out);
    out
}

/// Every string under a `quotes` key, anywhere in the model.
fn collect_quotes(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "quotes" {
                    out.extend(
                        v.as_array().into_iter().flatten().filter_map(|q| q.as_str().map(String::from)),
                    );
                } else {
                    collect_quotes(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_quotes(v, out)),
        _ => {}
    }
}
