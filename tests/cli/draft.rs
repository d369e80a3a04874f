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
    // Quotes are the words of the document's text: the file itself for
    // plain text and Markdown, the text extracted from HTML, Word or PDF.
    let bytes = std::fs::read(path).expect("source");
    let text = escalate::draft::extract::extract(path, &bytes).expect("the document's text");
    let source = normalise(&text);
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
        // Tests run side by side, and several draft the same document: a
        // file of its own for each call.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let stem: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let file =
            std::env::temp_dir().join(format!("escalate-draft-{}-{call}-{stem}.esc", std::process::id()));
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
        // HTML needs the document readers (`full`); text and Markdown do not.
        if cfg!(not(feature = "draft-docs")) && path.extension().is_some_and(|e| e == "html") {
            return;
        }
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
        ("tests/draft/split-row-table.txt", 4),
        ("tests/draft/calendar-days.txt", 3),
        ("tests/draft/steps-in-words.txt", 4),
        ("tests/draft/levels-table.md", 5),
        ("tests/draft/bracketed-stages.txt", 4),
        ("tests/draft/list-site.html", 3),
    ] {
        // HTML needs the document readers (`full`).
        if cfg!(not(feature = "draft-docs")) && file.ends_with(".html") {
            continue;
        }
        let draft = draft_and_check(file);
        let found = draft.lines().filter(|l| l.starts_with("stage ")).count();
        assert_eq!(found, stages, "{file}:\n{draft}");
    }
}

#[test]
fn bare_days_are_working_days_only_where_the_document_counts_in_them() {
    // A table whose Duration columns say "days" beside a text in working
    // days; its last row is split by a paragraph printed inside a cell.
    let split = draft_and_check("tests/draft/split-row-table.txt");
    for cumulative in ["cumulative 3 working days", "cumulative 7 working days", "cumulative 12 working days"]
    {
        assert!(split.contains(cumulative), "{cumulative}:\n{split}");
    }
    assert_eq!(split.matches("written as working days").count(), 1, "{split}");
    assert!(
        !split.lines().any(|l| !l.trim_start().starts_with('#')
            && l.contains(" days")
            && !l.contains("working days")
            && !l.trim_start().starts_with("quote")),
        "{split}"
    );
    // A text that also counts in calendar days: its bare days stay days.
    let calendar = draft_and_check("tests/draft/calendar-days.txt");
    assert!(calendar.contains("within 10 days"), "{calendar}");
    assert!(!calendar.contains("written as working days"), "{calendar}");
}

#[test]
fn timescales_the_document_only_suggests_are_advisory() {
    // "should normally be completed within 15 working days"
    let hoped = draft_and_check("tests/draft/levels-table.md");
    assert!(hoped.contains("limit 15 working days advisory"), "{hoped}");
    assert!(!hoped.contains("timescales advisory"), "{hoped}");
    // "a suggested timeframe is detailed further on in this policy"
    let suggested = draft_and_check("policies/sources/wolverhampton.txt");
    assert!(suggested.contains("\n  timescales advisory\n    quote \"Wolverhampton"), "{suggested}");
    // A text that hopes for nothing has no advisory timescale.
    let plain = draft_and_check("tests/draft/table.md");
    assert!(!plain.contains("advisory"), "{plain}");
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
fn draft_md_shows_the_score_scripts_table() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = escalate::draft::score::seeds(&root.join("policies")).expect("the seeds score");
    let doc = std::fs::read_to_string(root.join("docs/draft.md")).expect("docs/draft.md");
    assert!(
        doc.contains(&table),
        "docs/draft.md must hold the table scripts/draft-score.sh prints:\n{table}"
    );
}

/// A Word document built here, as Word writes one: a zip archive whose
/// `word/document.xml` holds paragraphs and a table.
#[cfg(feature = "draft-docs")]
fn docx(paragraphs: &[&str], table: &[[&str; 3]]) -> Vec<u8> {
    use std::io::Write;
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let para = |s: &str| format!("<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>", esc(s));
    let mut body: String = paragraphs.iter().map(|p| para(p)).collect();
    body.push_str("<w:tbl>");
    for row in table {
        body.push_str("<w:tr>");
        for cell in row {
            body.push_str(&format!("<w:tc>{}</w:tc>", para(cell)));
        }
        body.push_str("</w:tr>");
    }
    body.push_str("</w:tbl>");
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:body>{body}</w:body></w:document>"
    );
    let types = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
        <Override PartName=\"/word/document.xml\" \
        ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [("[Content_Types].xml", types), ("word/document.xml", document.as_str())] {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

/// A one-page PDF built here: with `lines` as its text layer, or with no
/// text at all (only a filled rectangle, as a scan has only an image).
#[cfg(feature = "draft-docs")]
fn pdf(lines: &[&str]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id =
        doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica"});
    let resources_id = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => font_id}});
    let mut ops = Vec::new();
    if lines.is_empty() {
        ops.push(Operation::new("re", vec![50.into(), 50.into(), 400.into(), 600.into()]));
        ops.push(Operation::new("f", vec![]));
    } else {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec!["F1".into(), 10.into()]));
        ops.push(Operation::new("TL", vec![14.into()]));
        ops.push(Operation::new("Td", vec![40.into(), 800.into()]));
        for line in lines {
            ops.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new("ET", vec![]));
    }
    let content = Content { operations: ops }.encode().expect("content");
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id =
        doc.add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content_id});
    let pages = dictionary! {
        "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("PDF");
    out
}

/// Write `bytes` as `name` in a fresh folder and draft it; the draft's
/// output, and the document's text as `draft` reads it.
#[cfg(feature = "draft-docs")]
fn draft_file(name: &str, bytes: &[u8]) -> (std::process::Output, String) {
    let dir = std::env::temp_dir().join(format!("escalate-draft-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    let out = escalate(&["draft", &path.to_string_lossy()]);
    let text = escalate::draft::extract::extract(name, bytes).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (out, text)
}

/// The draft parses, and every quote of it is in `text`.
#[cfg(feature = "draft-docs")]
fn quoted_from(draft: &str, text: &str) {
    let (_, errors) = escalate::syntax::parse(draft);
    assert!(errors.is_empty(), "the draft does not parse: {errors:?}\n{draft}");
    let text = normalise(text);
    for q in quotes(draft) {
        assert!(text.contains(&normalise(&q)), "quote not in the document:\n  {q}");
    }
}

#[cfg(feature = "draft-docs")]
#[test]
fn a_word_document_is_drafted() {
    let bytes = docx(
        &[
            "Southdown Safeguarding Partnership: Resolving Professional Disagreements",
            "This protocol is for practitioners and agencies who disagree about a child\u{2019}s safety.",
            "If a child is at immediate risk, refer to the MASH immediately.",
        ],
        &[
            ["Stage", "Who", "What happens"],
            ["1", "Practitioners", "The practitioners discuss it within 2 working days."],
            ["2", "Team managers", "If it is not resolved, the team managers meet within 3 working days."],
            [
                "3",
                "Heads of Service",
                "If they cannot agree, the Heads of Service decide; their decision is final.",
            ],
        ],
    );
    let (out, text) = draft_file("protocol.docx", &bytes);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let draft = String::from_utf8_lossy(&out.stdout);
    quoted_from(&draft, &text);
    assert_eq!(draft.lines().filter(|l| l.starts_with("stage ")).count(), 3, "{draft}");
    assert!(draft.contains("within 3 working days") && draft.contains("immediate risk -> mash"), "{draft}");
    assert!(draft.contains("final decision"), "{draft}");
}

#[cfg(feature = "draft-docs")]
#[test]
fn a_pdf_with_a_text_layer_is_drafted() {
    let bytes = pdf(&[
        "Resolving professional disagreements about children: escalation protocol",
        "Practitioners and agencies who disagree follow these stages.",
        "Stage 1: Practitioners",
        "The practitioners discuss the disagreement within 5 working days.",
        "Stage 2: Line managers",
        "If unresolved, it is referred to the line managers, who meet within 2 working days.",
        "Stage 3: Director",
        "If still unresolved, the Director decides. The decision of the Director is final.",
    ]);
    let (out, text) = draft_file("protocol.pdf", &bytes);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let draft = String::from_utf8_lossy(&out.stdout);
    quoted_from(&draft, &text);
    assert_eq!(draft.lines().filter(|l| l.starts_with("stage ")).count(), 3, "{draft}");
    assert!(draft.contains("within 5 working days") && draft.contains("within 2 working days"), "{draft}");
}

#[cfg(feature = "draft-docs")]
#[test]
fn a_pdf_without_a_text_layer_is_said_to_have_none() {
    let (out, _) = draft_file("scan.pdf", &pdf(&[]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the PDF has no text layer"),
        "{}",
        transcript(&out)
    );
}

#[cfg(feature = "draft-docs")]
#[test]
fn a_broken_word_document_is_a_clear_error() {
    let (out, _) = draft_file("broken.docx", b"not a zip archive");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read the Word (.docx) document"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The default build (`check`'s) reads no Word, PDF or HTML documents: it
/// says so, and how to get an escalate that does (exit code 2).
#[cfg(not(feature = "draft-docs"))]
#[test]
fn the_default_build_says_how_to_draft_from_a_word_document() {
    let dir = std::env::temp_dir().join(format!("escalate-draft-default-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("protocol.docx");
    std::fs::write(&path, b"PK\x03\x04").expect("write");
    let out = escalate(&["draft", &path.to_string_lossy()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("without reading Word (.docx) documents"), "{stderr}");
    assert!(stderr.contains("--features full"), "{stderr}");
}
