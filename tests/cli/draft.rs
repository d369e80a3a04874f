//! `escalate draft`: every document of the corpus (`tests/draft/`) and every
//! seed source (`policies/sources/`) drafts to a file that parses, whose
//! every quote is the document's own words, and that `check` reads; the
//! drafts of the corpus are snapshotted; `docs/draft.md`'s table is the
//! score script's output.

use crate::{escalate, relative, transcript};

/// Whitespace collapsed and Markdown bold removed, as quotes are compared.
fn normalise(text: &str) -> String {
    text.replace("**", "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every quote of a drafted file, read back through the parser.
fn quotes(draft: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in draft.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("quote ") {
            let file = format!("protocol {rest}\nstage 1 \"s\" {{\n}}\n");
            let p = escalate::load(&file)
                .unwrap_or_else(|e| panic!("quote line does not read back: {line}: {e:?}"));
            out.push(p.title);
        }
    }
    out
}

/// Draft `path`; check the invariants every draft keeps; return the draft.
fn draft_and_check(path: &str) -> String {
    let out = escalate(&["draft", path]);
    assert_eq!(out.status.code(), Some(0), "{path}:\n{}", transcript(&out));
    let draft = String::from_utf8(out.stdout.clone()).expect("UTF-8 draft");
    let (_, errors) = escalate::syntax::parse(&draft);
    assert!(errors.is_empty(), "{path}: the draft does not parse: {errors:?}\n{draft}");
    let source = normalise(&std::fs::read_to_string(path).expect("source"));
    let qs = quotes(&draft);
    for q in &qs {
        assert!(source.contains(&normalise(q)), "{path}: quote not in the document:\n  {q}");
    }
    // The count on stderr is the number of `# draft:` comments.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let comments = draft.lines().filter(|l| l.trim_start().starts_with("# draft:")).count();
    if !stderr.contains("drafted no ladder") {
        assert!(
            stderr.contains(&format!("; {comments} thing")),
            "{path}: stderr does not count {comments}:\n{stderr}"
        );
        assert!(!qs.is_empty(), "{path}: a ladder with no quote");
        // `check` reads it: findings (0 or 1), never an input error.
        let file = std::env::temp_dir().join(format!("escalate-draft-{}.esc", std::process::id()));
        std::fs::write(&file, &draft).expect("temp file");
        let check = escalate(&["check", &file.to_string_lossy()]);
        let _ = std::fs::remove_file(&file);
        assert!(
            matches!(check.status.code(), Some(0 | 1)),
            "{path}: check on the draft:\n{}",
            transcript(&check)
        );
    }
    draft
}

#[test]
fn corpus_drafts() {
    insta::glob!("../draft", "*.*", |path| {
        let file = relative(path);
        let draft = draft_and_check(&file);
        insta::assert_snapshot!(draft);
    });
}

#[test]
fn seed_drafts_keep_every_invariant() {
    for name in ["blackburn-with-darwen", "essex", "haringey", "hull", "wolverhampton"] {
        draft_and_check(&format!("policies/sources/{name}.txt"));
    }
}

#[test]
fn non_protocols_give_a_draft_that_says_so() {
    for file in ["tests/draft/complaints.txt", "tests/draft/recipe.txt"] {
        let out = escalate(&["draft", file]);
        let draft = String::from_utf8_lossy(&out.stdout);
        assert!(draft.contains("does not read as an escalation protocol"), "{file}:\n{draft}");
        assert!(!draft.lines().any(|l| l.starts_with("stage ")), "{file}: a ladder was invented:\n{draft}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("drafted no ladder"));
    }
}

#[test]
fn stages_of_every_numbering_scheme_are_found() {
    for (file, stages) in [
        ("tests/draft/level-markdown.md", 4),
        ("tests/draft/numbered-welsh.txt", 4),
        ("tests/draft/roman.txt", 4),
        ("tests/draft/lettered.txt", 3),
        ("tests/draft/table.md", 3),
        ("tests/draft/scottish.txt", 4),
        ("tests/draft/two-column.txt", 3),
    ] {
        let draft = draft_and_check(file);
        let found = draft.lines().filter(|l| l.starts_with("stage ")).count();
        assert_eq!(found, stages, "{file}:\n{draft}");
    }
}

#[test]
fn json_gives_offsets_into_the_text() {
    let out = escalate(&["draft", "--format", "json", "tests/draft/roman.txt"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let text = std::fs::read_to_string("tests/draft/roman.txt").expect("source");
    let stages = doc["found"]["stages"].as_array().expect("stages");
    assert_eq!(stages.len(), 4);
    let at = &stages[3]["heading"];
    let (start, end) = (at["start"].as_u64().unwrap() as usize, at["end"].as_u64().unwrap() as usize);
    assert!(text[start..end].starts_with("IV. Director"), "{}", &text[start..end]);
    assert!(doc["esc"].as_str().is_some_and(|e| e.contains("final decision")));
}

#[test]
fn formats_not_read_yet_are_refused_clearly() {
    let dir = std::env::temp_dir().join(format!("escalate-draft-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pdf = dir.join("protocol.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").expect("write");
    let out = escalate(&["draft", &pdf.to_string_lossy()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not read PDF documents yet"),
        "{}",
        transcript(&out)
    );
}

#[test]
fn draft_md_shows_the_score_scripts_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = escalate::draft::score::seeds(&root.join("policies")).expect("the seeds score");
    let doc = std::fs::read_to_string(root.join("docs/draft.md")).expect("docs/draft.md");
    assert!(
        doc.contains(&table),
        "docs/draft.md must hold the table scripts/draft-score.sh prints:\n{table}"
    );
}
