//! Every example in the README and `docs/` is tested: a fenced block marked
//! `esc` is a whole file and must load (parse and resolve); one marked
//! `esc-fragment` is part of a file and must parse, on its own after a
//! header or inside a stage.

use std::path::{Path, PathBuf};

/// `(file, line, language, text)` of every fenced block in the README and docs/.
fn blocks() -> Vec<(PathBuf, usize, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut open: Option<(usize, String, String)> = None;
        for (n, line) in text.lines().enumerate() {
            match (&mut open, line.strip_prefix("```")) {
                (None, Some(lang)) => open = Some((n + 1, lang.trim().to_string(), String::new())),
                (Some(_), Some(_)) => {
                    let (at, lang, body) = open.take().expect("a block is open");
                    out.push((file.clone(), at, lang, body));
                }
                (Some((_, _, body)), None) => {
                    body.push_str(line);
                    body.push('\n');
                }
                (None, None) => {}
            }
        }
    }
    out
}

#[test]
fn esc_examples_in_docs_load() {
    let mut count = 0;
    for (file, line, lang, body) in blocks() {
        let place = format!("{}:{line}", file.display());
        match lang.as_str() {
            "esc" => {
                if let Err(errors) = escalate::load(&body) {
                    panic!("{place}: example does not load: {errors:#?}");
                }
                count += 1;
            }
            "esc-fragment" => {
                let as_items = format!("protocol \"example\"\n{body}");
                let in_stage = format!("protocol \"example\"\nstage x \"example\" {{\n{body}\n}}\n");
                let parses = |text: &str| escalate::syntax::parse(text).1.is_empty();
                assert!(parses(&as_items) || parses(&in_stage), "{place}: fragment does not parse:\n{body}");
                count += 1;
            }
            _ => {}
        }
    }
    assert!(count >= 8, "only {count} examples found");
}

#[test]
fn the_first_example_in_the_language_guide_is_clean() {
    let (_, _, _, body) = blocks()
        .into_iter()
        .find(|(file, _, lang, _)| file.ends_with("docs/language.md") && lang == "esc")
        .expect("docs/language.md has a whole example");
    let output = crate::escalate_with_stdin(&["check", "--format", "json", "-"], Some(body.as_bytes()));
    let doc = crate::json(&output);
    assert_eq!(doc["summary"]["errors"], 0, "{doc}");
    assert_eq!(doc["summary"]["warnings"], 0, "{doc}");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_readme_example_and_its_output_are_true() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let example = std::fs::read_to_string(root.join("docs/examples/quickstart.esc")).expect("example");
    assert!(readme.contains(example.trim_end()), "README.md must show docs/examples/quickstart.esc as it is");
    let output = crate::escalate(&["check", "docs/examples/quickstart.esc"]);
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    assert!(readme.contains(stdout.trim_end()), "README.md must show the real output:\n{stdout}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_readme_gives_the_two_commands_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(readme.contains("    cargo run --release -- check policies/\n"));
    assert!(readme.contains("    cargo test\n"));
    assert!(ci.lines().any(|l| l.trim() == "cargo test"), ".ci/run must run the README's test command");
}

#[test]
fn every_code_is_documented_in_rules_md() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = std::fs::read_to_string(root.join("docs/rules.md")).expect("docs/rules.md");
    for code in escalate::diagnostic::Code::ALL {
        let documented = if code.is_input_error() {
            rules.contains(&format!("| `{code}` |"))
        } else {
            rules.contains(&format!("### `{code}`"))
        };
        assert!(documented, "docs/rules.md does not document `{code}`");
    }
}
