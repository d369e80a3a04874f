//! `escalate test` output: a list for people (failures as miette reports,
//! drawn by the command), one JSON document, or JUnit XML for CI systems.

use std::fmt::Write as _;

use crate::scenario::{Ending, FileResult, Outcome, Visit, When_};
use crate::span::LineIndex;

/// Totals: (scenarios, failed).
pub fn totals(files: &[FileResult]) -> (usize, usize) {
    let total = files.iter().map(|f| f.outcomes.len()).sum();
    let failed = files.iter().map(FileResult::failed).sum();
    (total, failed)
}

/// One line per scenario: `  ok    name` or `  FAIL  name`.
pub fn list(file: &FileResult) -> String {
    let shown = crate::render::human::visible_line;
    let mut out = format!("{} ({}):\n", shown(&file.scenarios), shown(&file.protocol));
    for o in &file.outcomes {
        let _ = writeln!(out, "  {}  {}", if o.passed() { "ok  " } else { "FAIL" }, o.name);
    }
    out
}

/// The last line: `ran 14 scenarios for 5 protocols: 13 passed, 1 failed`.
pub fn summary(files: &[FileResult]) -> String {
    let (total, failed) = totals(files);
    let scenarios = if total == 1 { "1 scenario".to_string() } else { format!("{total} scenarios") };
    let protocols =
        if files.len() == 1 { "1 protocol".to_string() } else { format!("{} protocols", files.len()) };
    format!("ran {scenarios} for {protocols}: {} passed, {failed} failed\n", total - failed)
}

fn when(w: When_) -> serde_json::Value {
    serde_json::json!({ "working_day": w.days, "date": w.date.map(|d| d.to_string()) })
}

fn visit(v: &Visit) -> serde_json::Value {
    let kind = match v.target {
        crate::model::Target::Stage(_) => "stage",
        crate::model::Target::Exit(_) => "exit",
        crate::model::Target::Outcome(_) => "outcome",
    };
    serde_json::json!({
        "kind": kind,
        "name": &*v.name,
        "title": &*v.title,
        "event": v.event.as_deref(),
        "starts": when(v.starts),
        "due": v.due.map(when),
    })
}

/// One scenario's result. `lines` indexes the scenarios file once: a
/// `FileResult::line` per scenario indexed the whole file each time, S
/// scenarios × the file's size (issue 26).
fn outcome(lines: &LineIndex, o: &Outcome) -> serde_json::Value {
    let ending = match &o.ending {
        Ending::Reached => "reached",
        Ending::FinalAuthority => "final-authority",
        Ending::NotSaid => "not-said",
        Ending::NoRoute(_) => "no-route",
        Ending::Cycle => "cycle",
    };
    serde_json::json!({
        "name": o.name,
        "line": lines.line_col(o.head.start).0,
        "passed": o.passed(),
        "expectations_passed": o.passed,
        "failures": o.failures.iter().map(|f| serde_json::json!({
            "line": lines.line_col(f.span.start).0,
            "expected": f.expected,
            "actual": f.actual,
        })).collect::<Vec<_>>(),
        "route": o.route.iter().map(visit).collect::<Vec<_>>(),
        "ending": ending,
        "end": when(o.end),
    })
}

/// One JSON document. Each result is made into a JSON value only while it is
/// written: a whole document of values first held every visit of every
/// route at once (S scenarios walking N stages: many times the output).
pub fn json(files: &[FileResult]) -> String {
    use serde::ser::{SerializeMap, SerializeSeq};

    /// The results of one file, each made as it is written.
    struct Results<'a>(&'a FileResult);
    impl serde::Serialize for Results<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let lines = LineIndex::new(&self.0.source);
            let mut seq = s.serialize_seq(Some(self.0.outcomes.len()))?;
            for o in &self.0.outcomes {
                seq.serialize_element(&outcome(&lines, o))?;
            }
            seq.end()
        }
    }
    struct File<'a>(&'a FileResult);
    impl serde::Serialize for File<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(3))?;
            map.serialize_entry("protocol", &self.0.protocol)?;
            map.serialize_entry("scenarios", &self.0.scenarios)?;
            map.serialize_entry("results", &Results(self.0))?;
            map.end()
        }
    }
    struct Doc<'a>(&'a [FileResult]);
    impl serde::Serialize for Doc<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (total, failed) = totals(self.0);
            let mut map = s.serialize_map(Some(2))?;
            map.serialize_entry("files", &self.0.iter().map(File).collect::<Vec<_>>())?;
            map.serialize_entry(
                "summary",
                &serde_json::json!({ "scenarios": total, "passed": total - failed, "failed": failed }),
            )?;
            map.end()
        }
    }
    let mut text = serde_json::to_string_pretty(&Doc(files)).unwrap_or_default();
    text.push('\n');
    text
}

/// Text for an XML attribute or element: the five special characters as
/// entities, line breaks in attributes as `&#10;`, and any character XML 1.0
/// cannot hold left out.
fn xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `testsuite` per protocol, one `testcase` per scenario.
pub fn junit(files: &[FileResult]) -> String {
    let (total, failed) = totals(files);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"escalate test\" tests=\"{total}\" failures=\"{failed}\" errors=\"0\">"
    );
    for f in files {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" file=\"{}\">",
            xml(&f.protocol, true),
            f.outcomes.len(),
            f.failed(),
            xml(&f.scenarios, true),
        );
        let class = std::path::Path::new(&f.protocol)
            .file_stem()
            .map_or_else(|| f.protocol.clone(), |s| s.to_string_lossy().into_owned());
        let lines = LineIndex::new(&f.source);
        for o in &f.outcomes {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\"",
                xml(&o.name, true),
                xml(&class, true),
                xml(&f.scenarios, true),
                lines.line_col(o.head.start).0,
            );
            if o.passed() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for x in &o.failures {
                let body = format!(
                    "line {}: expected: {}\nwhat happened: {}\nthe route taken: {}",
                    lines.line_col(x.span.start).0,
                    x.expected,
                    x.actual,
                    o.route_text()
                );
                let _ = writeln!(
                    out,
                    "      <failure type=\"scenario-failed\" message=\"{}\">{}</failure>",
                    xml(&x.actual, true),
                    xml(&body, false)
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A file `escalate test` could not run (exit code 2), for JUnit (an
/// errored test case) and JSON (an entry of `errors`), so that the document
/// is whole and says why.
#[derive(serde::Serialize)]
pub struct Errored {
    /// The file with the input errors (or `escalate test` for a misuse).
    pub file: String,
    /// The first problem's line, where it has one.
    pub line: Option<usize>,
    /// The first problem's code, as the `error`'s type.
    pub code: String,
    /// The first problem's message.
    pub message: String,
    /// Every problem, one a line (`line N: code: message`).
    pub details: String,
}

impl Errored {
    /// The input errors of a report, as one errored test case.
    pub fn of(report: &crate::Report) -> Errored {
        let lines = LineIndex::new(&report.source);
        let line = |f: &crate::diagnostic::Finding| f.span.map(|s| lines.line_col(s.start).0);
        let errors: Vec<&crate::diagnostic::Finding> =
            report.findings.iter().filter(|f| f.is_active()).collect();
        let first = errors.first();
        let details = errors
            .iter()
            .map(|f| match line(f) {
                Some(n) => format!("line {n}: {}: {}", f.code, f.message),
                None => format!("{}: {}", f.code, f.message),
            })
            .collect::<Vec<_>>()
            .join("\n");
        Errored {
            file: report.path.clone(),
            line: first.and_then(|f| line(f)),
            code: first.map_or_else(|| "input-error".to_string(), |f| f.code.to_string()),
            message: first.map_or_else(|| "the file cannot be read".to_string(), |f| f.message.clone()),
            details,
        }
    }
}

/// The `--format json` document when no scenario could be run (exit code
/// 2): no `files`, each problem file in `errors`, and a summary that says so.
pub fn json_errors(errors: &[Errored]) -> String {
    let doc = serde_json::json!({
        "files": [],
        "errors": errors,
        "summary": { "scenarios": 0, "passed": 0, "failed": 0, "errors": errors.len() },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// JUnit XML when no scenario could be run (exit code 2): one `testsuite`
/// per file that could not be, with one `testcase` holding an `error` (as
/// JUnit reports a test that could not run), so CI systems still read a
/// whole document and show why.
pub fn junit_errors(errors: &[Errored]) -> String {
    let n = errors.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"escalate test\" tests=\"{n}\" failures=\"0\" errors=\"{n}\">");
    for e in errors {
        let file = xml(&e.file, true);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" file=\"{file}\">"
        );
        let line = e.line.map(|l| format!(" line=\"{l}\"")).unwrap_or_default();
        let _ = writeln!(
            out,
            "    <testcase name=\"{file}\" classname=\"escalate test\" file=\"{file}\"{line}>\n      \
             <error type=\"{}\" message=\"{}\">{}</error>\n    </testcase>\n  </testsuite>",
            xml(&e.code, true),
            xml(&e.message, true),
            xml(&e.details, false),
        );
    }
    out.push_str("</testsuites>\n");
    out
}
