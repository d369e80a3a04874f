//! Property tests: for random bytes, for token soup from the language's own
//! words, and for valid protocols with random mutations, the pipeline keeps
//! its invariants. They call the library (no process per case), so hundreds
//! of cases run in seconds; one property drives the binary for the exit code.
//!
//! The invariants are those the fuzz target checks (`fuzz/src/lib.rs`):
//! - `check_bytes` returns, never panics;
//! - a report has a protocol exactly when it has no input error, and a file
//!   without one always says why;
//! - every finding has a known code and a message, and its spans lie inside
//!   the text, on character boundaries;
//! - the JSON and SARIF reports parse, with one result per finding's place
//!   (a grouped finding has several);
//! - the human report holds no control character but line breaks.

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::sample::Index;

use escalate::Report;
use escalate::calendar::Calendar;
use escalate::diagnostic::{Code, Severity};
use escalate::render;
use escalate::timeline::Timeline;

fn invariants(report: &Report) {
    assert_eq!(report.protocol.is_some(), !report.has_input_error(), "{:?}", report.findings);
    if report.protocol.is_none() {
        assert!(!report.findings.is_empty(), "a file with no protocol must say why");
    }
    for f in &report.findings {
        assert_eq!(Code::parse(f.code.as_str()), Some(f.code));
        assert!(!f.message.is_empty(), "{f:?}");
        let places = f.places.iter().filter_map(|p| p.span.as_ref());
        for s in f.span.iter().chain(f.also.iter().map(|(s, _)| s)).chain(places) {
            assert!(s.start <= s.end && s.end <= report.source.len(), "span {s:?} outside the text: {f:?}");
            assert!(
                report.source.is_char_boundary(s.start) && report.source.is_char_boundary(s.end),
                "{f:?}"
            );
        }
    }
    let reports = std::slice::from_ref(report);
    let json: serde_json::Value = serde_json::from_str(&render::json::render(reports)).expect("JSON parses");
    let diagnostics = json["files"][0]["diagnostics"].as_array().expect("diagnostics");
    let located: usize = report.findings.iter().map(|f| f.per_location().len()).sum();
    assert_eq!(diagnostics.len(), located);
    assert!(diagnostics.iter().all(|d| d["code"].as_str().is_some_and(|c| !c.is_empty())));
    let sarif: serde_json::Value =
        serde_json::from_str(&render::sarif::render(reports)).expect("SARIF parses");
    assert!(sarif["runs"].is_array(), "{sarif}");
    for line in render::github::render(reports).lines() {
        assert!(!line.contains('\r'), "{line:?}");
    }
    let human = render::human::render(report, &render::human::handler(false));
    if let Some(c) = human.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("control character {c:?} in the human report:\n{human}");
    }
}

/// For a protocol: the timeline and the diagrams are made, and parse.
fn outputs(report: &Report) {
    let Some((protocol, analysis)) = report.analysed() else { return };
    let calendar = Calendar::named("england-and-wales").expect("shipped calendar");
    let from = NaiveDate::from_ymd_opt(2026, 12, 21).expect("date");
    let t = Timeline::compute(protocol, analysis, calendar, from);
    serde_json::from_str::<serde_json::Value>(&render::timeline::json(&t)).expect("timeline JSON parses");
    let ics = render::ics::render(&t);
    icalendar::parser::read_calendar(&icalendar::parser::unfold(&ics)).expect("ICS parses");
    lines_are_ours(&render::timeline::text(&t), "timeline");
    let diagram = render::diagram::Diagram::build(protocol, analysis, Some(&report.findings));
    roxmltree::Document::parse(&render::svg::render(&diagram)).expect("SVG parses");
    assert!(render::dot::render(&diagram).starts_with("digraph"));
    let mermaid = render::mermaid::render(&diagram);
    assert!(!mermaid.contains("%%"), "a Mermaid comment or directive:\n{mermaid}");
    // No text of the model holds a line break or a tab (issue 12): every
    // line break in an output is the format's.
    let model = serde_json::to_string(protocol).expect("the model serialises");
    let model: serde_json::Value = serde_json::from_str(&model).expect("JSON");
    let mut texts = vec![&model];
    while let Some(value) = texts.pop() {
        match value {
            serde_json::Value::String(text) => {
                assert!(!text.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' ')), "{text:?}")
            }
            serde_json::Value::Array(items) => texts.extend(items),
            serde_json::Value::Object(map) => texts.extend(map.values()),
            _ => {}
        }
    }
    // compare: every Markdown row keeps its two columns (a title cannot add one).
    if let Some(summary) = escalate::compare::Summary::of(report) {
        for line in render::compare::markdown(std::slice::from_ref(&summary)).lines() {
            let cells = line.replace("\\\\", "").replace("\\|", "").matches('|').count();
            assert_eq!(cells, 3, "{line}");
        }
    }
}

/// No carriage return, and no line GitHub would read as a workflow command.
fn lines_are_ours(text: &str, what: &str) {
    assert!(!text.contains('\r'), "{what}: {text}");
    assert!(!text.lines().any(|l| l.starts_with("::")), "{what}: {text}");
}

/// The language's words, and the odd bytes hostile files hold.
const TOKENS: &[&str] = &[
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
    "immediate risk",
    "no response",
    "->",
    "→",
    "{",
    "}",
    ",",
    ":",
    "1",
    "2",
    "2a",
    "a",
    "mash",
    "agreed",
    "\"T\"",
    "\"\"",
    "\"<script>&\\\"]]>-->\\\\\"",
    "\"two\nlines\"",
    "\"open",
    "0",
    "24",
    "4294967296",
    "working days",
    "working day",
    "working weeks",
    "hours",
    "same working day",
    "immediately",
    "without delay",
    "a further",
    "england-and-wales",
    "dead-end",
    "unreachable",
    "#",
    "# comment\n",
    "\u{feff}",
    "\r",
    "\u{1b}",
    "\u{0}",
    "\u{9b}",
    "मरह",
    "समीक्षक",
    "阶段",
    "этап",
    "🧒",
    "“",
    "stage 1 \"S\" {",
    "outcome agreed \"A\"",
    "exit mash \"M\" within same working day",
    "resolved -> agreed",
    "unresolved -> stage 2",
    "final decision",
    "\"S\\\n::error::x\"",
    "\"S\\\r::x\"",
    "\\\t",
    "\"%%{init: {}}%%\"",
    "protocol \"%%\"",
];

fn token_soup() -> impl Strategy<Value = String> {
    let sep = prop_oneof![Just(" "), Just("\n"), Just(""), Just("\t"), Just("\r\n")];
    prop::collection::vec((0..TOKENS.len(), sep), 0..120)
        .prop_map(|parts| parts.into_iter().map(|(i, sep)| format!("{}{sep}", TOKENS[i])).collect())
}

const TIMESCALES: &[&str] = &[
    "2 working days",
    "a working week",
    "24 hours",
    "same working day",
    "immediately",
    "without delay",
    "\"as the chair decides\"",
    "10 working days or without delay, whichever is shorter",
];

/// A valid protocol: a ladder of stages with random timescales, parties,
/// exits and routes, some of them forward, back or to the same stage.
fn protocol() -> impl Strategy<Value = String> {
    let stage = (0..TIMESCALES.len(), any::<bool>(), any::<bool>(), 0..4usize, any::<bool>());
    (prop::collection::vec(stage, 1..7), any::<bool>(), 0..3usize).prop_map(|(stages, limit, exception)| {
        let n = stages.len();
        let mut s = String::from("protocol \"Random\"\n");
        if limit {
            s.push_str("  limit 10 working days\n");
        }
        s.push_str("party p1 \"One\" level 1\nparty p2 \"Two\" level 2\n");
        s.push_str("exit mash \"MASH\" within same working day\noutcome agreed \"Agreed\"\n");
        s.push_str("at any stage: immediate risk -> mash\n");
        for (i, (timescale, record, last_final, jump, party)) in stages.into_iter().enumerate() {
            let id = i + 1;
            s.push_str(&format!("stage {id} \"Stage {id}\" {{\n  within {}\n", TIMESCALES[timescale]));
            s.push_str(if party { "  parties p2\n" } else { "  parties p1\n" });
            if record {
                s.push_str("  record \"Written down\"\n");
            }
            s.push_str("  resolved -> agreed\n");
            if id < n {
                s.push_str(&format!("  unresolved -> stage {}\n", id + 1));
            } else if last_final {
                s.push_str("  final decision\n");
            }
            if jump > 0 {
                s.push_str(&format!("  no response -> stage {}\n", (id + jump) % n + 1));
            }
            s.push_str("}\n");
        }
        for e in 0..exception {
            s.push_str(&format!(
                "exception e{e} \"Exception {e}\" {{\n  stage e{e}-1 \"Inner\" {{\n    unresolved -> stage 1\n  }}\n}}\n"
            ));
        }
        s
    })
}

/// A valid protocol, then a few random edits to its bytes.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edit = (0..5u8, any::<Index>(), any::<Index>(), 0..TOKENS.len(), any::<u8>());
    (protocol(), prop::collection::vec(edit, 1..4)).prop_map(|(text, edits)| {
        let mut bytes = text.into_bytes();
        for (kind, a, b, token, byte) in edits {
            let len = bytes.len().max(1);
            let (i, j) = (a.index(len).min(bytes.len()), b.index(len).min(bytes.len()));
            let (lo, hi) = (i.min(j), i.max(j));
            match kind {
                0 => drop(bytes.drain(lo..hi)),
                1 => {
                    let copy = bytes[lo..hi].to_vec();
                    bytes.splice(hi..hi, copy);
                }
                2 => drop(bytes.splice(i..i, TOKENS[token].bytes())),
                3 if i < bytes.len() => bytes[i] = byte,
                _ => bytes.truncate(i),
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        invariants(&escalate::check_bytes("random.esc", bytes));
    }

    #[test]
    fn random_text(text in "\\PC{0,300}") {
        invariants(&escalate::check_bytes("random.esc", text.into_bytes()));
    }

    #[test]
    fn token_soup_keeps_the_invariants(text in token_soup()) {
        let report = escalate::check_bytes("soup.esc", text.into_bytes());
        invariants(&report);
        outputs(&report);
    }

    #[test]
    fn mutated_protocols_keep_the_invariants(bytes in mutated()) {
        let report = escalate::check_bytes("mutated.esc", bytes);
        invariants(&report);
        outputs(&report);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_protocols_are_valid_and_every_output_parses(text in protocol()) {
        let report = escalate::check_bytes("valid.esc", text.clone().into_bytes());
        prop_assert!(report.protocol.is_some(), "the generator wrote an invalid protocol: {:?}\n{text}", report.findings);
        invariants(&report);
        outputs(&report);
    }
}

proptest! {
    // Each case starts the binary: a few are enough to tie it to the library.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn the_exit_code_follows_from_the_findings(bytes in prop_oneof![mutated(), token_soup().prop_map(String::into_bytes)]) {
        let report = escalate::check_bytes("<stdin>", bytes.clone());
        let expected = if report.has_input_error() {
            2
        } else if report.count(Severity::Error) > 0 {
            1
        } else {
            0
        };
        let output = crate::escalate_with_stdin(&["check", "-"], Some(&bytes));
        prop_assert_eq!(output.status.code(), Some(expected), "{}", crate::transcript(&output));
    }
}

/// The inputs the fuzzer and the hostile corpus hold, through the same
/// invariants as the properties (the CLI test only sees their output).
#[test]
fn the_hostile_corpus_keeps_the_invariants() {
    let dirs = ["tests/hostile", "fuzz/seeds"];
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        else {
            continue;
        };
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).expect("corpus file");
            let report = escalate::check_bytes(&entry.path().to_string_lossy(), bytes);
            invariants(&report);
            outputs(&report);
        }
    }
}
