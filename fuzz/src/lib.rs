//! The oracle shared by the fuzz targets: run the whole pipeline on one input
//! and check what must hold for any input (issue 6). A panic anywhere, in
//! escalate or in an assertion here, is a crash that libFuzzer saves.
//!
//! What is checked, for every input:
//! - `check_bytes` returns; a report has no protocol exactly when it has an
//!   input error, and a file without a protocol always says why;
//! - every finding has a code and a message, and its spans lie inside the
//!   text, on character boundaries (else the report points at nothing);
//! - the human report holds no control character but line breaks (no
//!   terminal escape sequence from the file reaches a terminal);
//! - the JSON report parses, with one diagnostic per finding;
//! - for a protocol: every timeline (text, JSON, ICS) on every calendar, and
//!   every diagram (DOT, SVG, Mermaid, with and without findings) is made,
//!   and each parses or passes the structural checks below;
//! - SARIF parses; GitHub annotations stay one line each; the HTML report
//!   site's pages and pictures are well-formed, with nothing that runs;
//! - `fmt`: a file without syntax errors is formatted; formatting again
//!   changes nothing; the result says the same (equal model, or the same
//!   input errors); `fmt --diff` holds no carriage return but a CRLF's;
//! - no text in the model holds a line break, a tab or any whitespace but a
//!   plain space, nor a control character: every line break in an output is
//!   one the format put there (issue 12). Text outputs hold no carriage
//!   return, and none starts a line with `::` (a GitHub workflow command);
//! - Mermaid holds no `%%` anywhere (a comment, or a directive Mermaid
//!   applies), and its front matter is well-quoted YAML.
//!
//! `compare` and `config` are the oracles of the targets of the same names:
//! the `compare` outputs of several files, and `.escalate.toml` parsed and
//! applied to the findings of a seed policy.

use chrono::{Datelike, NaiveDate};
use escalate::Report;
use escalate::calendar::Calendar;
use escalate::diagnostic::{Code, Finding};
use escalate::render;
use escalate::timeline::Timeline;

/// Run everything on one input.
pub fn pipeline(bytes: &[u8]) {
    let report = escalate::check_bytes("fuzz.esc", bytes.to_vec());
    check_report(&report);
    check_human(&report);
    check_json(&report);
    if let Ok(text) = std::str::from_utf8(bytes) {
        check_format(text, &report);
    }
    if let Some((protocol, analysis)) = report.analysed() {
        check_model_text(protocol);
        for &name in Calendar::NAMES {
            let Some(calendar) = Calendar::named(name) else {
                panic!("calendar {name} is listed but missing")
            };
            for from in dates(bytes) {
                check_timeline(&Timeline::compute(protocol, analysis, calendar.clone(), from));
            }
        }
        for file in escalate::report::Site::build(std::slice::from_ref(&report)).files {
            if file.name.ends_with(".html") || file.name.ends_with(".svg") {
                check_markup(&file.contents, &file.name);
            }
        }
        for findings in [Some(report.findings.as_slice()), None] {
            let diagram = render::diagram::Diagram::build(protocol, analysis, findings);
            check_dot(&render::dot::render(&diagram));
            check_svg(&render::svg::render(&diagram));
            let dot = render::dot::render(&diagram);
            lines_are_ours(&dot, "DOT");
            let mermaid = render::mermaid::render(&diagram);
            lines_are_ours(&mermaid, "Mermaid");
            check_mermaid(&mermaid);
        }
    }
}

/// Every string of the model (titles, notes, quotes, names): no control
/// character and no whitespace but a plain space, so that no output can
/// be given a line (or a carriage return, or a tab) by the file's text.
fn check_model_text(protocol: &escalate::model::Protocol) {
    fn walk(value: &serde_json::Value) {
        match value {
            serde_json::Value::String(text) => assert!(
                !text.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' ')),
                "a text of the model holds a control character or a line break: {text:?}"
            ),
            serde_json::Value::Array(items) => items.iter().for_each(walk),
            serde_json::Value::Object(map) => map.values().for_each(walk),
            _ => {}
        }
    }
    walk(&serde_json::to_value(protocol).expect("the model serialises"));
}

/// A text output for people or tools reading lines: no carriage return (a
/// terminal would overwrite the line with what follows), and no line that
/// starts with `::` (GitHub Actions reads it as a workflow command).
pub fn lines_are_ours(text: &str, what: &str) {
    assert!(!text.contains('\r'), "{what} holds a carriage return:\n{text}");
    if let Some(line) = text.lines().find(|l| l.starts_with("::")) {
        panic!("{what} has a line that GitHub reads as a workflow command: {line:?}\n{text}");
    }
}

/// Two start dates: a fixed one around the holidays, and one that varies
/// with the input over the years the calendars know by rule.
fn dates(bytes: &[u8]) -> [NaiveDate; 2] {
    let fixed = NaiveDate::from_ymd_opt(2026, 12, 21).unwrap_or_default();
    let spread = bytes.iter().fold(0u32, |h, &b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 60_000;
    let base = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default();
    [fixed, base + chrono::Days::new(u64::from(spread))]
}

fn check_format(text: &str, report: &Report) {
    let syntax_ok = !report.findings.iter().any(|f| f.code == Code::SyntaxError);
    let formatted = match escalate::format::format(text) {
        Ok(formatted) => formatted,
        Err(errors) => {
            assert!(!syntax_ok, "fmt refused a file without syntax errors: {errors:?}\n{text}");
            return;
        }
    };
    assert!(syntax_ok, "fmt accepted a file with syntax errors: {:?}", report.findings);
    // `fmt --diff`: the file's own lines, but a carriage return only as part
    // of a CRLF ending.
    let diff = escalate::format::diff::unified(text, &formatted, "a.esc", "a.esc");
    for line in diff.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "control character in fmt --diff: {line:?}"
        );
    }
    match escalate::format::format(&formatted) {
        Ok(again) => assert_eq!(again, formatted, "fmt is not idempotent"),
        Err(errors) => panic!("fmt refused its own output: {errors:?}\n{formatted}"),
    }
    // The report already holds the model, or the input errors.
    let before = report.protocol.clone().ok_or_else(|| report.findings.clone());
    let after = escalate::load(&formatted);
    match (before, after) {
        (Ok(a), Ok(b)) => assert_eq!(
            serde_json::to_value(&a).ok(),
            serde_json::to_value(&b).ok(),
            "fmt changed the model:\n{text}\n---\n{formatted}"
        ),
        (Err(a), Err(b)) => {
            let codes = |f: &[Finding]| f.iter().map(|f| f.code).collect::<Vec<_>>();
            assert_eq!(codes(&a), codes(&b), "fmt changed the input errors:\n{text}\n---\n{formatted}");
        }
        (a, b) => panic!("fmt changed whether the file loads: {:?} / {:?}", a.err(), b.err()),
    }
}

fn check_report(report: &Report) {
    assert_eq!(
        report.protocol.is_some(),
        !report.has_input_error(),
        "a protocol exactly when there is no input error: {:?}",
        report.findings
    );
    if report.protocol.is_none() {
        assert!(!report.findings.is_empty(), "a file with no protocol must say why");
    }
    for f in &report.findings {
        assert!(!f.code.as_str().is_empty());
        assert!(!f.message.is_empty(), "{f:?}");
        let spans = f.span.iter().chain(f.also.iter().map(|(s, _)| s));
        for s in spans {
            assert!(s.start <= s.end && s.end <= report.source.len(), "span {s:?} outside the text: {f:?}");
            assert!(
                report.source.is_char_boundary(s.start) && report.source.is_char_boundary(s.end),
                "span {s:?} splits a character: {f:?}"
            );
        }
    }
}

fn check_human(report: &Report) {
    let text = render::human::render(report, &render::human::handler(false));
    no_controls(&text, "human report");
    lines_are_ours(&text, "human report");
}

/// No control character but a line break: a terminal would act on it.
fn no_controls(text: &str, what: &str) {
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("{what} holds control character {:?}:\n{text}", c);
    }
}

fn check_json(report: &Report) {
    let reports = std::slice::from_ref(report);
    let sarif: serde_json::Value =
        serde_json::from_str(&render::sarif::render(reports)).expect("SARIF parses");
    assert!(sarif["runs"].is_array());
    // GitHub annotations: one line each, whatever the text.
    for line in render::github::render(reports).lines() {
        assert!(!line.contains('\r'), "{line:?}");
    }
    let text = render::json::render(std::slice::from_ref(report));
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the JSON report parses");
    let diagnostics = doc["files"][0]["diagnostics"].as_array().expect("a diagnostics array");
    // One result per place: a grouped finding has several.
    let located: usize = report.findings.iter().map(|f| f.per_location().len()).sum();
    assert_eq!(diagnostics.len(), located);
    for d in diagnostics {
        assert!(d["code"].as_str().is_some_and(|c| !c.is_empty()), "{d}");
    }
}

fn check_timeline(t: &Timeline) {
    // `escalate timeline` refuses timelines past 9999 (ICS needs four-digit
    // years); the renderers must still not panic on them.
    let in_range = t.dates().all(|d| d.year() <= 9999);
    let text = render::timeline::text(t);
    no_controls(&text, "timeline text");
    lines_are_ours(&text, "timeline text");
    let json = render::timeline::json(t);
    serde_json::from_str::<serde_json::Value>(&json).expect("the timeline JSON parses");
    let ics = render::ics::render(t);
    if in_range {
        check_ics(&ics);
    }
}

fn check_ics(ics: &str) {
    assert!(ics.ends_with("\r\n"), "ICS ends with CRLF");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "ICS line over 75 octets: {line:?}");
        assert!(!line.contains(['\r', '\n']), "bare line break in ICS: {line:?}");
        assert!(!line.chars().any(|c| c.is_control() && c != '\t'), "control character in ICS: {line:?}");
    }
    let unfolded = icalendar::parser::unfold(ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("the ICS parses");
    let events = calendar.components.iter().filter(|c| c.name == "VEVENT").count();
    assert!(events >= 1, "at least one event");
}

/// DOT: every quoted string closed, braces balanced outside strings, and
/// every HTML-like label (`<...>`, the diagram's bold titles) balanced, with
/// no raw line break or control character inside (user text there is
/// escaped as character references, so it holds no `<` or `>` of its own).
fn check_dot(dot: &str) {
    let mut depth = 0i64;
    let mut in_string = false;
    let mut chars = dot.chars();
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                '\n' | '\r' => panic!("raw line break inside a DOT string:\n{dot}"),
                c if c.is_control() => panic!("control character {c:?} in DOT:\n{dot}"),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                assert!(depth >= 0, "unbalanced close in DOT:\n{dot}");
            }
            '<' => {
                let mut angle = 1;
                while angle > 0 {
                    match chars.next() {
                        Some('<') => angle += 1,
                        Some('>') => angle -= 1,
                        Some('\n' | '\r') => {
                            panic!("raw line break inside an HTML-like label in DOT:\n{dot}")
                        }
                        Some(c) if c.is_control() => panic!("control character {c:?} in a DOT label:\n{dot}"),
                        Some(_) => {}
                        None => panic!("unclosed HTML-like label in DOT:\n{dot}"),
                    }
                }
            }
            _ => {}
        }
    }
    assert!(!in_string, "unclosed string in DOT");
    assert_eq!(depth, 0, "unbalanced braces in DOT");
}

/// The report site's pages (written as XHTML) and pictures: well-formed XML
/// in which nothing from the protocol runs (the site's own styles only).
fn check_markup(text: &str, name: &str) {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .unwrap_or_else(|e| panic!("{name} is not well-formed: {e}\n{text}"));
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name().to_ascii_lowercase();
        assert!(
            !["script", "iframe", "object", "embed", "foreignobject"].contains(&tag.as_str()),
            "<{tag}> in {name}"
        );
        for attr in node.attributes() {
            assert!(!attr.name().to_ascii_lowercase().starts_with("on"), "{} in {name}", attr.name());
            let value = attr.value().trim_start().to_ascii_lowercase();
            assert!(!value.starts_with("javascript:"), "{} in {name}", attr.value());
        }
    }
}

/// SVG: well-formed XML with nothing that runs: no script, no event handler,
/// no foreign content, no link out of the document.
fn check_svg(svg: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG is not XML: {e}\n{svg}"));
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name().to_ascii_lowercase();
        assert!(
            !["script", "foreignobject", "iframe", "object", "embed", "use", "a"].contains(&name.as_str()),
            "<{name}> in SVG"
        );
        for attr in node.attributes() {
            let key = attr.name().to_ascii_lowercase();
            assert!(!key.starts_with("on"), "event handler {key} in SVG");
            assert!(key != "href", "link {key}={} in SVG", attr.value());
        }
    }
}

/// Mermaid: user text appears only inside `"..."` labels, which must hold no
/// quote mark, markup or Mermaid syntax, and no line may break inside one;
/// `accTitle:` and `accDescr:` lines (which run to the end of the line) hold
/// no markup either; the front matter's title is one quoted YAML scalar; and
/// no `%%` stands anywhere (Mermaid applies a `%%{init: ...}%%` directive
/// wherever it finds one, and `%%` starts a comment).
fn check_mermaid(mmd: &str) {
    assert!(!mmd.contains("%%"), "`%%` in Mermaid:\n{mmd}");
    let mut lines = mmd.lines();
    assert_eq!(lines.next(), Some("---"), "Mermaid starts with front matter");
    for line in lines.by_ref() {
        if line == "---" {
            break;
        }
        if let Some(title) = line.strip_prefix("title: ") {
            check_yaml_scalar(title);
        }
    }
    for line in lines {
        let trimmed = line.trim_start();
        if let Some(text) = trimmed.strip_prefix("accTitle:").or_else(|| trimmed.strip_prefix("accDescr:")) {
            assert!(
                !text.contains(['"', '%']) && is_markup_we_write(text),
                "unescaped accessible text: {line}"
            );
            continue;
        }
        let quotes = line.matches('"').count();
        assert!(quotes % 2 == 0, "unbalanced quote marks in Mermaid line: {line}");
        for (i, part) in line.split('"').enumerate() {
            if i % 2 == 1 {
                assert!(
                    !part.contains(['<', '>', '&']) || is_markup_we_write(part),
                    "markup in label: {line}"
                );
            }
        }
    }
    no_controls(mmd, "Mermaid");
}

/// A YAML scalar as the front matter writes it: `'...'` with every `'`
/// doubled, or `"..."` with `"`, `\\` and `%` escaped.
fn check_yaml_scalar(text: &str) {
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        assert!(inner.replace("''", "").find('\'').is_none(), "a lone `'` ends the YAML text: {text}");
    } else if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => assert!(matches!(chars.next(), Some('"' | '\\' | 'x')), "bad YAML escape: {text}"),
                '"' | '%' => panic!("unescaped {c:?} in the YAML title: {text}"),
                _ => {}
            }
        }
    } else {
        panic!("the front matter's title is not quoted: {text}");
    }
}

/// The renderer writes `<br/>` between label lines and `#...;` entities.
fn is_markup_we_write(label: &str) -> bool {
    let without = label.replace("<br/>", "");
    !without.contains(['<', '>']) && without.split('&').count() == 1
}

/// Grammar-aware input for the `tokens` target: each byte picks one of the
/// language's tokens (the byte modulo their number) and the separator after
/// it (a line break for the bytes past the first round of tokens, else a
/// space), so that most inputs are nearly-valid protocols that reach the
/// model, the checks and the renderers.
pub fn tokens_to_source(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        let b = usize::from(b);
        out.push_str(TOKENS[b % TOKENS.len()]);
        out.push(if b < TOKENS.len() { ' ' } else { '\n' });
    }
    out
}

/// Input for the `long_lines` target: a protocol whose title is 65,600
/// characters long, then the tokens [`tokens_to_source`] would pick, each
/// followed by a space, so that everything after the title (and every
/// finding there) is on line 1 past column 65,535.
pub fn long_line_source(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(65_700 + bytes.len() * 12);
    out.push_str("protocol \"");
    out.extend(std::iter::repeat_n('x', 65_600));
    out.push_str("\" ");
    for &b in bytes {
        out.push_str(TOKENS[usize::from(b) % TOKENS.len()]);
        out.push(' ');
    }
    out
}

/// The tokens: keywords, conditions, timescales, names, awkward strings and
/// numbers, and the odd bytes that hostile files hold.
pub const TOKENS: &[&str] = &[
    "protocol \"P\"",
    "protocol",
    "party",
    "exit",
    "outcome",
    "at any stage:",
    "stage",
    "exception",
    "allow",
    "source",
    "calendar",
    "limit",
    "agency",
    "level",
    "parties",
    "step",
    "record",
    "within",
    "cumulative",
    "final",
    "decision",
    "mediation",
    "if",
    "start",
    "note",
    "quote",
    "or",
    "whichever is shorter",
    "resolved",
    "unresolved",
    "still unresolved",
    "immediate risk",
    "child at immediate risk",
    "no response",
    "->",
    "→",
    "{",
    "}",
    ",",
    ":",
    "1",
    "2",
    "3",
    "2a",
    "a",
    "b",
    "mash",
    "agreed",
    "team-manager",
    "stage 1",
    "stage 2",
    "\"T\"",
    "\"\"",
    "\"<script>alert(1)</script> & ]]> --> \\\"q\\\" \\\\\"",
    "\"two\nlines\"",
    "\"# not a comment\"",
    "\"unterminated",
    "0",
    "24",
    "4294967295",
    "4294967296",
    "99999999999999999999",
    "working days",
    "working day",
    "working weeks",
    "a working week",
    "a further",
    "hours",
    "same working day",
    "immediately",
    "at once",
    "without delay",
    "as soon as possible",
    "promptly",
    "2 working days",
    "5 working days",
    "24 hours",
    "england-and-wales",
    "scotland",
    "northern-ireland",
    "isle-of-man",
    "jersey",
    "guernsey",
    "dead-end",
    "unreachable",
    "unbounded-timescale",
    "missing-record",
    "not-escalating",
    "limit-exceeded",
    "no-way-out",
    "missing-immediate-risk-exit",
    "unused-allow",
    "# comment\n",
    "\u{feff}",
    "\r\n",
    "\t",
    "\u{1b}[31m",
    "\u{0}",
    "\u{9b}",
    "مرحلة",
    "阶段",
    "этап",
    "चरण",
    "समीक्षक",
    "\"🧒 ✓\"",
    "“curly”",
    "stage 1 \"S\" {",
    "outcome agreed \"Agreed\"",
    "exit mash \"MASH\" within same working day",
    "at any stage: immediate risk -> mash",
    "resolved -> agreed",
    "unresolved -> stage 2",
    "final decision",
    "record \"R\"",
    "party p \"P\" level 1",
    "parties p",
    "exception e \"E\" {",
    "start -> stage 1",
    "limit 10 working days",
    "{{{{",
    "}}}}",
    // Issue 12: a backslash before whitespace, Mermaid's `%%`, spreadsheet
    // formulas, and a line GitHub would read as a workflow command.
    "\"S\\\n::error file=a.esc,line=1::FORGED\"",
    "\"S\\\r::error::FORGED\"",
    "\\\t",
    "\\\n",
    "\\\r",
    "\\ ",
    "%%",
    "\"%%{init: {\\\"themeCSS\\\": \\\"*{display:none}\\\"}}%%\"",
    "protocol \"%%{init: {}}%%\"",
    "source \"%%{init: {}}%%\"",
    "\"=HYPERLINK(\\\"x\\\")\"",
    "protocol \"=1+2\"",
    "protocol \"@SUM(A1)\"",
    "protocol \"-x\"",
    "protocol \"+x, y\"",
    "\"'quoted' title\"",
];

/// The `compare` target: the parts of the input split at every `0xff` byte
/// (never in UTF-8) are files, each read as tokens; those that load are
/// compared in every format.
pub fn compare(bytes: &[u8]) {
    use escalate::compare::Summary;
    let reports: Vec<Report> = bytes
        .split(|&b| b == 0xff)
        .take(6)
        .enumerate()
        .map(|(i, part)| escalate::check_bytes(&format!("p{i}.esc"), tokens_to_source(part).into_bytes()))
        .collect();
    let summaries: Vec<Summary> = reports.iter().filter_map(Summary::of).collect();
    if summaries.is_empty() {
        return;
    }
    let width = 20 + usize::from(bytes[0] % 100);
    let table = render::compare::table(&summaries, width);
    no_controls(&table, "compare table");
    lines_are_ours(&table, "compare table");

    let markdown = render::compare::markdown(&summaries);
    lines_are_ours(&markdown, "compare Markdown");
    for line in markdown.lines() {
        let mut cells = 0;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => assert!(chars.next().is_some_and(|e| e.is_ascii_punctuation()), "{line}"),
                '|' => cells += 1,
                '<' | '>' | '&' | '[' | ']' | '`' => panic!("unescaped {c:?} in Markdown: {line}"),
                _ => {}
            }
        }
        assert_eq!(cells, summaries.len() + 2, "a row keeps its columns: {line}");
    }

    let records = parse_csv(&render::compare::csv(&summaries));
    assert_eq!(records.len(), summaries.len() + 1, "a header and one record per protocol");
    for (record, summary) in records.iter().skip(1).zip(&summaries) {
        assert_eq!(record.len(), records[0].len(), "every record has every column: {record:?}");
        for field in record {
            assert!(!field.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula in CSV: {field:?}");
        }
        let title = summary
            .title
            .strip_prefix(['=', '+', '-', '@'])
            .map_or(summary.title.clone(), |_| format!("'{}", summary.title));
        assert_eq!(record[2], title, "the title reads back as written");
    }

    let json: serde_json::Value =
        serde_json::from_str(&render::compare::json(&summaries)).expect("the compare JSON parses");
    assert_eq!(json["protocols"].as_array().map(Vec::len), Some(summaries.len()));
}

/// RFC 4180: records of fields, `"` quoting, `""` for a quote mark; lines
/// end with CRLF.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "a quoted CSV field is never closed");
    assert!(field.is_empty() && record.is_empty(), "CSV ends with a line break");
    records
}

/// The `config` target: any text as `.escalate.toml`. A refusal is one line
/// with no control character (it is printed to a terminal, and quotes the
/// file); a configuration, applied to the findings of seed files, gives
/// each finding its configured severity, drops exactly those turned off,
/// and never touches an input error.
pub fn config(bytes: &[u8]) {
    use escalate::config::{Config, Level};
    use escalate::diagnostic::Severity;
    let text = String::from_utf8_lossy(bytes);
    let config = match Config::parse(&text, std::path::Path::new("fuzz/.escalate.toml")) {
        Ok(config) => config,
        Err(message) => {
            assert!(!message.is_empty(), "a refusal says why");
            assert!(!message.chars().any(char::is_control), "control character in {message:?}");
            return;
        }
    };
    for (name, source) in SEEDS {
        let before = escalate::check_bytes(name, source.as_bytes().to_vec());
        let mut after = escalate::check_bytes(name, source.as_bytes().to_vec());
        config.apply(&mut after);
        let mut kept = after.findings.iter();
        for f in &before.findings {
            let level = config.level(f.code);
            if f.code.is_input_error() || level != Level::Off {
                let Some(g) = kept.next() else { panic!("{:?} was dropped, at level {level}", f.code) };
                assert_eq!((g.code, &g.message), (f.code, &f.message), "findings keep their order");
                let mapped = if level == Level::Error { Severity::Error } else { Severity::Warning };
                // A check left at its default keeps the severity it was given.
                let default = f.code.is_input_error() || level == Level::of(f.code.default_severity());
                assert!(
                    g.severity == mapped || (default && g.severity == f.severity),
                    "{:?} at level {level}: {:?}",
                    f.code,
                    g.severity
                );
            }
        }
        assert!(kept.next().is_none(), "a finding appeared");
        assert_eq!(after.protocol.is_some(), before.protocol.is_some());
    }
}

/// Files with findings of many codes, for the `config` target.
const SEEDS: &[(&str, &str)] = &[
    ("dead-end.esc", include_str!("../../tests/cases/dead-end.esc")),
    ("missing-record.esc", include_str!("../../tests/cases/missing-record.esc")),
    ("unused-allow.esc", include_str!("../../tests/cases/unused-allow.esc")),
    ("unbounded-timescale.esc", include_str!("../../tests/cases/unbounded-timescale.esc")),
    ("unknown-name-party.esc", include_str!("../../tests/cases/unknown-name-party.esc")),
    ("hull.esc", include_str!("../../policies/hull.esc")),
];

/// The language server's framing (issue 26): any bytes as what an editor
/// sends. Every frame ends, none panics, a message is never over the limit,
/// and the reader reaches the end of the input.
pub fn lsp_framing(bytes: &[u8]) {
    use escalate::lsp::framing::{Frame, MAX_MESSAGE_BYTES, Reader};
    let mut reader = Reader::new(bytes);
    let mut frames = 0usize;
    while let Ok(Some(frame)) = reader.next_frame() {
        frames += 1;
        assert!(frames <= bytes.len() + 1, "more frames than bytes");
        match frame {
            Frame::Message(text) => assert!(text.len() as u64 <= MAX_MESSAGE_BYTES),
            Frame::Error(why) => no_controls(&why, "framing error"),
        }
    }
}

/// `escalate diff` of two token-soup files (split at the first `0xff`), in
/// every format: the text and Markdown hold no control character and no
/// workflow command, the JSON parses.
pub fn diff(bytes: &[u8]) {
    let (old, new) = match bytes.iter().position(|&b| b == 0xff) {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, bytes),
    };
    let old = escalate::check_bytes("old.esc", tokens_to_source(old).into_bytes());
    let new = escalate::check_bytes("new.esc", tokens_to_source(new).into_bytes());
    if old.has_input_error() || new.has_input_error() {
        return;
    }
    let Some(d) = escalate::diff::Diff::of(&old, &new) else { return };
    let text = render::diff::text(&d);
    no_controls(&text, "diff text");
    lines_are_ours(&text, "diff text");
    let markdown = render::diff::markdown(&d);
    no_controls(&markdown, "diff Markdown");
    lines_are_ours(&markdown, "diff Markdown");
    let json: serde_json::Value = serde_json::from_str(&render::diff::json(&d)).expect("diff JSON parses");
    assert!(json.is_object());
}

/// `escalate test`: token soup as a protocol, the rest of the input (after
/// the first `0xff`) as its scenarios file, read as UTF-8 where it is. Any
/// result is an answer or findings, never a panic.
pub fn scenarios(bytes: &[u8]) {
    let (protocol, scenarios) = match bytes.iter().position(|&b| b == 0xff) {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => return,
    };
    let report = escalate::check_bytes("p.esc", tokens_to_source(protocol).into_bytes());
    let Some(model) = report.protocol.as_ref().filter(|_| !report.has_input_error()) else { return };
    let Ok(source) = std::str::from_utf8(scenarios) else { return };
    let Ok(parsed) = escalate::syntax::parse_scenarios(source) else { return };
    if let Ok(outcomes) = escalate::scenario::run(model, source, &parsed) {
        assert_eq!(outcomes.len(), parsed.len(), "one outcome per scenario");
    }
}
