//! `escalate report`: the site for the shipped policies (every policy
//! listed, every page with its sections, every link resolving), hostile
//! labels escaped, the same bytes twice, and nothing written for bad input.
//!
//! The pages are written as well-formed XHTML-compatible HTML, so they are
//! parsed here with roxmltree: any text that escaped its escaping would break
//! the parse or show up as an element.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{escalate, transcript};

/// A fresh folder for one test's site.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn build(input: &str, name: &str) -> PathBuf {
    let site = scratch(name);
    let output = escalate(&["report", input, "-o", &site.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    site
}

fn read(site: &Path, name: &str) -> String {
    std::fs::read_to_string(site.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn files(site: &Path) -> BTreeSet<String> {
    std::fs::read_dir(site)
        .expect("the site exists")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// The page's text, as a reader sees it (no markup, spaces collapsed).
fn text(doc: &roxmltree::Document) -> String {
    let body = doc.descendants().find(|n| n.has_tag_name("body")).expect("a body");
    let words: Vec<&str> =
        body.descendants().filter_map(|n| n.text()).filter(|t| !t.trim().is_empty()).collect();
    words.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parse a page and check what every page must be: English (UK), no
/// script, no event handlers, headings that never skip a level, table
/// headers with a scope, images with a text alternative.
fn check_page<'a>(html: &'a str, name: &str) -> roxmltree::Document<'a> {
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">"), "{name}: doctype and language");
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .unwrap_or_else(|e| panic!("{name} is not well formed: {e}"));
    let mut last = 0;
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name().to_ascii_lowercase();
        assert!(
            !["script", "iframe", "object", "embed", "foreignobject"].contains(&tag.as_str()),
            "{name}: <{tag}>"
        );
        for attr in node.attributes() {
            assert!(!attr.name().to_ascii_lowercase().starts_with("on"), "{name}: handler {}", attr.name());
            assert!(!attr.value().trim_start().to_ascii_lowercase().starts_with("javascript:"), "{name}");
        }
        if let Some(level) = tag.strip_prefix('h').and_then(|l| l.parse::<usize>().ok()) {
            assert!(level <= last + 1, "{name}: <h{level}> after <h{last}>");
            last = level;
        }
        if tag == "th" {
            assert!(matches!(node.attribute("scope"), Some("col" | "row")), "{name}: <th> without scope");
        }
        if tag == "img" {
            assert!(node.attribute("alt").is_some_and(|a| !a.trim().is_empty()), "{name}: <img> without alt");
        }
    }
    assert!(doc.descendants().filter(|n| n.has_tag_name("h1")).count() == 1, "{name}: one <h1>");
    doc
}

/// Every `href` and `src` in the site names a file of the site, and every
/// `#fragment` an element of the page it points into.
fn check_links(site: &Path) {
    let names = files(site);
    for page in names.iter().filter(|n| n.ends_with(".html")) {
        let html = read(site, page);
        let doc = check_page(&html, page);
        for node in doc.descendants().filter(|n| n.is_element()) {
            for link in [node.attribute("href"), node.attribute("src")].into_iter().flatten() {
                assert!(!link.contains("://") && !link.starts_with('/'), "{page}: {link} leaves the site");
                let (file, fragment) = link.split_once('#').unwrap_or((link, ""));
                let file = if file.is_empty() { page.as_str() } else { file };
                assert!(names.contains(file), "{page}: {link} names no file of the site");
                if !fragment.is_empty() {
                    let target = read(site, file);
                    assert!(
                        target.contains(&format!("id=\"{fragment}\"")),
                        "{page}: {link} names no element"
                    );
                }
            }
        }
    }
}

const POLICIES: [&str; 5] = ["blackburn-with-darwen", "essex", "haringey", "hull", "wolverhampton"];

#[test]
fn the_policies_make_a_site() {
    let site = build("policies", "policies");
    let mut expected: BTreeSet<String> = BTreeSet::from(["index.html".to_string()]);
    for name in POLICIES {
        expected.extend([format!("{name}.html"), format!("{name}-summary.html"), format!("{name}.svg")]);
    }
    assert_eq!(files(&site), expected, "one page, one summary and one diagram per policy, and nothing else");

    // The index lists every policy, with its title, status and both pages.
    let index = read(&site, "index.html");
    let doc = check_page(&index, "index.html");
    let rows = doc.descendants().filter(|n| n.has_tag_name("tr")).count();
    assert_eq!(rows, 1 + POLICIES.len(), "a header row and one row per policy");
    let words = text(&doc);
    for name in POLICIES {
        assert!(index.contains(&format!("href=\"{name}.html\"")), "index links to {name}");
        assert!(index.contains(&format!("href=\"{name}-summary.html\"")), "index links to {name}'s summary");
        let source = std::fs::read_to_string(format!("policies/{name}.esc")).expect("policy");
        let protocol = escalate::load(&source).expect("the policy loads");
        let title = protocol.title.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(&title), "index shows the title of {name}");
    }
    assert!(words.contains("no errors 9 warnings"), "Wolverhampton's status: {words}");
    assert!(words.contains("No stage has a route out at once for a child at immediate risk"), "{words}");

    // Each protocol page has its sections, in order.
    for name in POLICIES {
        let page = read(&site, &format!("{name}.html"));
        let doc = check_page(&page, name);
        let h2: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("h2"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect();
        assert_eq!(
            h2,
            [
                "On this page",
                "Stages",
                "Pathway diagram",
                "Stage by stage, with the source",
                "At any stage",
                "Exits and outcomes",
                "Parties",
                "Findings",
                "About the protocol"
            ],
            "{name}"
        );
        let img = doc.descendants().find(|n| n.has_tag_name("img")).expect("the diagram");
        assert_eq!(img.attribute("src"), Some(format!("{name}.svg").as_str()));
        let words = text(&doc);
        assert!(words.contains("Why it matters for a child:"), "{name}: findings are explained");
        assert!(words.contains("Where Line "), "{name}: findings give their line");
        assert!(
            words.contains("by day ") || words.contains("no limit"),
            "{name}: the stage table gives days"
        );
        // Every quote in the policy is on its page, word for word.
        let source = std::fs::read_to_string(format!("policies/{name}.esc")).expect("policy");
        let protocol = escalate::load(&source).expect("the policy loads");
        let quotes: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("blockquote"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect();
        for stage in &protocol.stages {
            for q in stage.quotes.iter().chain(stage.steps.iter().flat_map(|s| &s.quotes)) {
                let q = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(quotes.contains(&q), "{name}: quote missing: {q}");
            }
        }
        roxmltree::Document::parse(&read(&site, &format!("{name}.svg")))
            .expect("the diagram is well-formed SVG");
    }

    // Each summary starts with what to do for a child at immediate risk, or
    // warns that the protocol does not say.
    for name in POLICIES {
        let summary = read(&site, &format!("{name}-summary.html"));
        let doc = check_page(&summary, name);
        assert!(summary.contains("@media print") && summary.contains("size: A4"), "{name}: print CSS");
        let h: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("h1") || n.has_tag_name("h2"))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect();
        assert_eq!(h[0], "What do I do if I disagree?", "{name}");
        let expected = if name == "wolverhampton" {
            "If a child is at immediate risk: act now"
        } else {
            "Warning: this protocol gives no immediate route for a child at immediate risk"
        };
        assert_eq!(h[1], expected, "{name}: the first thing a practitioner reads");
        assert_eq!(h[2], "Step by step", "{name}");
        let steps = doc
            .descendants()
            .filter(|n| n.has_tag_name("ol") && n.attribute("class") == Some("steps"))
            .count();
        assert!(steps >= 1, "{name}: numbered steps");
    }
    check_links(&site);
    let _ = std::fs::remove_dir_all(&site);
}

#[test]
fn index_and_summary_snapshots() {
    let site = build("policies", "snapshots");
    // The CSS is the same on every page and not worth reviewing each time.
    let without_css = |html: String| match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) => format!("{}<style>…</style>{}", &html[..a], &html[b + "</style>".len()..]),
        _ => html,
    };
    insta::assert_snapshot!("index", without_css(read(&site, "index.html")));
    // Copies sent at any step keep their scope (Hull's proforma: from stage 3
    // on); a record made on several steps' routes is said once, with where.
    let hull = read(&site, "hull-summary.html");
    assert!(hull.contains("<p>From step 3 on, <strong>copy</strong>: The Hull Safeguarding"), "{hull}");
    let wolverhampton = read(&site, "wolverhampton-summary.html");
    assert_eq!(
        wolverhampton.matches("to the complainant agency confirming the outcome (if resolved").count(),
        1
    );
    assert!(
        wolverhampton.contains("<p>At steps 3 and 4, <strong>record</strong>: The receiving agency writes")
    );
    insta::assert_snapshot!("wolverhampton_summary", without_css(read(&site, "wolverhampton-summary.html")));
    insta::assert_snapshot!("essex_summary", without_css(read(&site, "essex-summary.html")));
    let _ = std::fs::remove_dir_all(&site);
}

#[test]
fn the_same_input_makes_the_same_bytes() {
    let a = build("policies", "same-a");
    let b = build("policies", "same-b");
    assert_eq!(files(&a), files(&b));
    for name in files(&a) {
        assert!(std::fs::read(a.join(&name)).ok() == std::fs::read(b.join(&name)).ok(), "{name} differs");
    }
    // Writing over an existing site replaces its files and leaves no temporary ones.
    let again = escalate(&["report", "policies", "-o", &a.to_string_lossy()]);
    assert_eq!(again.status.code(), Some(0), "{}", transcript(&again));
    assert_eq!(files(&a), files(&b));
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

/// Markup, quotes, CDATA ends, comment arrows and an event handler in every
/// kind of string a protocol holds.
const HOSTILE: &str = r#"protocol "Q\"uote <script>alert(1)</script> & ]]> --> 'apos' back\\slash"
  source "<script>src</script> & ]]> -->"
  limit 1 working day
    quote "limit <script>q</script> ]]> -->"
  note "note <script>n</script> & ' \" ]]> -->"
  quote "protocol <script>pq</script> -->"
party p "<script>party</script> & 'x'" agency "<img src=x onerror=alert(1)> & ]]>" level 1
  quote "party <script>quote</script>"
party q "Q<script>q</script>" level 2
exit mash "<script>exit</script> --> ]]>" within immediately
  note "exit note <script>e</script>"
  quote "exit <script>quote</script>"
exit other "<b>other</b> & -->"
outcome agreed "<script>agreed</script> & \"q\""
  note "<!-- comment --> <![CDATA[ x ]]>"
  quote "outcome <script>quote</script>"
at any stage: immediate risk -> mash
at any stage: record "<script>record</script> & ]]>"
  quote "record <script>quote</script>"
allow not-escalating "<script>reason</script> & ' \""
stage 1 "<script>stage</script> & ]]> --> 'one'" {
  quote "stage <script>quote</script>"
  parties p
  step "<script>step</script>" within 2 working days
    quote "step <script>quote</script>"
  record "<script>stage record</script>"
  note "<script>stage note</script>"
  resolved -> agreed
    quote "route <script>quote</script>"
  unresolved -> stage 2 within "<script>vague</script>"
  if "<script>cond</script> & \"x\" ]]> -->" -> other
}
stage 2 "<script>two</script>" {
  parties q
  within 3 working days
  record "<script>r2</script>"
  resolved -> agreed
}
"#;

#[test]
fn hostile_labels_are_escaped() {
    let input = scratch("hostile-input");
    std::fs::create_dir_all(&input).expect("input folder");
    std::fs::write(input.join("<script>evil'.esc"), HOSTILE).expect("written");
    let site = build(&input.to_string_lossy(), "hostile");
    assert_eq!(
        files(&site),
        BTreeSet::from(
            ["index.html", "script-evil.html", "script-evil-summary.html", "script-evil.svg"]
                .map(String::from)
        )
    );
    for page in ["index.html", "script-evil.html", "script-evil-summary.html"] {
        let html = read(&site, page);
        assert!(!html.to_ascii_lowercase().contains("<script"), "{page}: an unescaped <script");
        assert!(
            !html.contains("<img src=x") && !html.contains("<!--") && !html.contains("<![CDATA["),
            "{page}"
        );
        let doc = check_page(&html, page);
        // The words survive as text, as written.
        let words = text(&doc);
        assert!(
            words.contains(r#"Q"uote <script>alert(1)</script> & ]]> --> 'apos' back\slash"#),
            "{page}: {words}"
        );
        let title =
            doc.descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text()).unwrap_or_default();
        assert!(page == "index.html" || title.contains("<script>alert(1)</script>"), "{page}: {title}");
    }
    let page = read(&site, "script-evil.html");
    let words = text(
        &roxmltree::Document::parse_with_options(
            &page,
            roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
        )
        .expect("parses"),
    );
    for shown in [
        "<img src=x onerror=alert(1)> & ]]>",
        "<!-- comment --> <![CDATA[ x ]]>",
        "If <script>cond</script> & \"x\" ]]> -->",
        "<script>reason</script> & ' \"",
        "step <script>quote</script>",
        "<script>vague</script>",
    ] {
        assert!(words.contains(shown), "the page shows {shown}");
    }
    roxmltree::Document::parse(&read(&site, "script-evil.svg")).expect("the diagram is well-formed SVG");
    check_links(&site);
    let _ = std::fs::remove_dir_all(&site);
    let _ = std::fs::remove_dir_all(&input);
}

#[test]
fn input_errors_write_nothing() {
    let input = scratch("bad-input");
    std::fs::create_dir_all(&input).expect("input folder");
    std::fs::copy("policies/essex.esc", input.join("essex.esc")).expect("copied");
    std::fs::copy("tests/cases/syntax-error-missing-brace.esc", input.join("broken.esc")).expect("copied");
    let site = scratch("bad");
    let output = escalate(&["report", &input.to_string_lossy(), "-o", &site.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("syntax-error"), "the diagnostics `check` gives:\n{stderr}");
    assert!(stderr.contains("no site written"), "{stderr}");
    assert!(!site.exists(), "nothing is written");
    let _ = std::fs::remove_dir_all(&input);
}

#[test]
fn usage_errors() {
    let none = escalate(&["report", "policies"]);
    assert_eq!(none.status.code(), Some(2), "-o is required");
    let file = scratch("a-file");
    std::fs::write(&file, "not a folder").expect("written");
    let output = escalate(&["report", "policies", "-o", &file.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a file"));
    assert_eq!(std::fs::read_to_string(&file).expect("untouched"), "not a folder");
    let _ = std::fs::remove_file(&file);
    let empty = scratch("empty");
    std::fs::create_dir_all(&empty).expect("empty folder");
    let output =
        escalate(&["report", &empty.to_string_lossy(), "-o", &scratch("empty-site").to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no `.esc` files"));
    let _ = std::fs::remove_dir_all(&empty);
}

/// Issue 23: the report gives each pathway of equal standing its worst case
/// and section, and the page-level instruction on the full page and the
/// practitioner summary, in the document's words.
#[test]
fn pathways_and_instructions_are_in_the_report() {
    let site = build("tests/cases/pathways.esc", "pathways");
    let page = read(&site, "pathways.html");
    let words = text(&check_page(&page, "pathways.html"));
    assert!(words.contains("Worst case 9 working days"), "{words}");
    assert!(words.contains("Worst case: Escalation of concerns 12 working days"), "{words}");
    assert!(words.contains("Pathway: Escalation of concerns"), "{words}");
    assert!(!words.contains("Main pathway"), "{words}");

    let site = build("tests/cases/instruction.esc", "instruction");
    let page = read(&site, "instruction.html");
    let words = text(&check_page(&page, "instruction.html"));
    assert!(words.contains("On every page Call 999 if a child is in immediate danger"), "{words}");
    let summary = read(&site, "instruction-summary.html");
    let words = text(&check_page(&summary, "instruction-summary.html"));
    assert!(
        words.contains("On every page of the protocol Call 999 if a child is in immediate danger"),
        "{words}"
    );
}

/// The quotes written after a note are the note's: the page shows each of
/// them with its note, wherever the note stands (issue 23).
#[test]
fn quotes_after_notes_are_shown() {
    let input = scratch("note-quotes-input");
    std::fs::create_dir_all(&input).expect("input folder");
    std::fs::write(
        input.join("notes.esc"),
        r#"protocol "Notes with quotes"
  note "header note"
    quote "header note quote"
exit mash "MASH" within same working day
  note "exit note"
    quote "exit note quote"
outcome agreed "Agreed"
  note "outcome note"
    quote "outcome note quote"
at any stage: immediate risk -> mash
  note "rule note"
    quote "rule note quote"
at any stage: record "Recorded"
exception e "An exception" {
  note "exception note"
    quote "exception note quote"
  stage x "X" {
    within 1 working day
    resolved -> agreed
  }
}
stage 1 "One" {
  within 2 working days
  note "stage note"
    quote "stage note quote"
  resolved -> agreed
}
"#,
    )
    .expect("written");
    let site = build(&input.to_string_lossy(), "note-quotes");
    let html = read(&site, "notes.html");
    let words = text(&check_page(&html, "notes.html"));
    for shown in [
        "header note quote",
        "exit note quote",
        "outcome note quote",
        "rule note quote",
        "exception note quote",
        "stage note quote",
    ] {
        assert!(words.contains(shown), "the page shows {shown}: {words}");
    }
    let _ = std::fs::remove_dir_all(&site);
    let _ = std::fs::remove_dir_all(&input);
}

/// Issue 23: a copy sent on a route (`and send`) and a `send`'s `through`
/// are shown where the route and the send are: the route's row and arrow,
/// and the practitioner summary's next steps.
#[test]
fn copies_sent_on_routes_and_through_someone_are_shown() {
    let site = build("tests/cases/send-through.esc", "route-sends");
    let page = read(&site, "send-through.html");
    let summary = read(&site, "send-through-summary.html");
    let svg = read(&site, "send-through.svg");
    for (what, text, said) in [
        ("report", &page, "and send: The outcome, sent to the Board (adds no time)"),
        ("report", &page, "and send: A copy of the referral, sent to Chair of the WSCB (2 working days)"),
        (
            "report",
            &page,
            "Gaps in policies, sent to Chair of the WSCB (through The agency&#39;s representative",
        ),
        (
            "summary",
            &summary,
            "If resolved, it ends: <strong>Agreed outcome</strong>. <strong>Copy:</strong> The outcome, sent to the Board.",
        ),
        (
            "summary",
            &summary,
            "<strong>Copy:</strong> A copy of the referral, sent to Chair of the WSCB (2 working days).",
        ),
        ("diagram", &svg, "and send:"),
    ] {
        assert!(text.contains(said), "{what} does not say {said:?}");
    }
    let _ = std::fs::remove_dir_all(&site);
}
