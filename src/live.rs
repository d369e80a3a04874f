//! What the live front ends show, from one text: the language server
//! (`escalate lsp`) and the browser playground (`src/wasm.rs`) call these, so
//! they see exactly what `check`, `render` and `timeline` see. Every call into
//! the pipeline made on their behalf is here, in one place.

use chrono::NaiveDate;
use serde::Serialize;

use crate::Report;
use crate::diagnostic::{Finding, Severity};
use crate::render;
use crate::span::{LineIndex, Span};
use crate::timeline::Timeline;

/// Check one text as `check` does (without any `.escalate.toml`; the
/// language server applies one itself).
pub fn check(path: &str, source: &str) -> Report {
    crate::check_source(path, source.to_string())
}

/// The pathway diagram `render` draws, findings marked; `None` while the
/// text has input errors (then `render` draws nothing either).
pub fn svg(report: &Report) -> Option<String> {
    let (protocol, analysis) = report.analysed()?;
    let diagram = render::diagram::Diagram::build(protocol, analysis, Some(&report.findings));
    Some(render::svg::render(&diagram))
}

/// The worst-case route dated from `from`, as `timeline` prints it; `None`
/// while the text has input errors or names no calendar escalate ships.
pub fn timeline(report: &Report, from: NaiveDate, calendar: Option<&str>) -> Option<String> {
    let (protocol, analysis) = report.analysed()?;
    let calendar = Timeline::calendar_for(protocol, calendar)?;
    Some(render::timeline::text(&Timeline::compute(protocol, analysis, calendar, from)))
}

/// `fmt` on one text: the formatted text, or why it cannot be formatted.
pub fn format(source: &str) -> Result<String, Vec<Finding>> {
    crate::format::format(source)
}

/// A finding placed on lines and columns (1-based, columns in characters),
/// for front ends that show it beside the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placed {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub label: String,
    pub help: String,
    /// The reason written on the `allow` line that silenced it, if any.
    pub allowed: Option<String>,
    pub start: Option<(usize, usize)>,
    pub end: Option<(usize, usize)>,
    /// Byte offsets of the span in the text.
    pub span: Option<(usize, usize)>,
}

/// Every finding of a report, placed on its lines.
pub fn placed(report: &Report) -> Vec<Placed> {
    let index = LineIndex::new(&report.source);
    report
        .findings
        .iter()
        .map(|f| {
            let at = |s: Span| (index.line_col(s.start), index.line_col(s.end));
            Placed {
                code: f.code.as_str(),
                severity: match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                message: f.message.clone(),
                label: f.label.clone(),
                help: f.help.clone(),
                allowed: f.allowed.clone(),
                start: f.span.map(|s| at(s).0),
                end: f.span.map(|s| at(s).1),
                span: f.span.map(|s| (s.start, s.end)),
            }
        })
        .collect()
}

/// A request from the playground, as JSON: `{"op": "analyse", "source": ...,
/// "from": "2026-12-01", "calendar": null}`, `{"op": "check", "source": ...}`
/// (the findings alone, answered within a frame of a keystroke; the diagram
/// follows from `analyse`) or `{"op": "format", "source": ...}`.
#[derive(serde::Deserialize)]
struct Request {
    op: String,
    source: String,
    from: Option<String>,
    calendar: Option<String>,
}

/// `escalate draft` on a document's plain text: `{"esc": ..., "undecided":
/// N, "found": ...}` (offsets into `text`), the library's one drafting call
/// (`draft::draft_text`), as the command line makes it.
pub fn draft(text: &str) -> String {
    let draft = crate::draft::draft_text("pasted text", text);
    serde_json::to_string(&draft)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
}

/// Answer one playground request with one JSON document. Bad requests are
/// answered with `{"error": "..."}`, never a panic.
pub fn request(json: &str) -> String {
    let request: Request = match serde_json::from_str(json) {
        Ok(r) => r,
        Err(e) => return serde_json::json!({ "error": format!("bad request: {e}") }).to_string(),
    };
    if request.source.len() > crate::MAX_FILE_BYTES {
        return serde_json::json!({ "error": "the text is larger than escalate accepts" }).to_string();
    }
    match request.op.as_str() {
        "analyse" => {
            let report = check("playground.esc", &request.source);
            let from = request.from.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let dated = from.and_then(|from| timeline(&report, from, request.calendar.as_deref()));
            serde_json::json!({
                "findings": placed(&report),
                "errors": report.count(Severity::Error),
                "warnings": report.count(Severity::Warning),
                "svg": svg(&report),
                "timeline": dated,
            })
            .to_string()
        }
        "check" => {
            let report = check("playground.esc", &request.source);
            serde_json::json!({
                "findings": placed(&report),
                "errors": report.count(Severity::Error),
                "warnings": report.count(Severity::Warning),
            })
            .to_string()
        }
        "format" => match format(&request.source) {
            Ok(text) => serde_json::json!({ "text": text }).to_string(),
            Err(findings) => {
                let report = Report {
                    path: "playground.esc".into(),
                    source: request.source,
                    protocol: None,
                    analysis: None,
                    findings,
                };
                serde_json::json!({ "findings": placed(&report) }).to_string()
            }
        },
        // "Draft from text": `source` is a protocol document's plain text.
        "draft" => draft(&request.source),
        other => serde_json::json!({ "error": format!("unknown op `{other}`") }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_answer_with_findings_diagram_and_timeline() {
        let json = serde_json::json!({"op": "analyse", "source": crate::init::STARTER, "from": "2026-12-01"});
        let answer: serde_json::Value = serde_json::from_str(&request(&json.to_string())).unwrap();
        assert_eq!(answer["errors"], 0);
        assert!(answer["svg"].as_str().unwrap().starts_with("<svg"), "{answer}");
        assert!(answer["timeline"].as_str().unwrap().contains("2026"), "{answer}");

        // `check` answers the same findings as `analyse`, without the drawing.
        for source in [crate::init::STARTER, BROKEN] {
            let json = |op: &str| serde_json::json!({"op": op, "source": source}).to_string();
            let checked: serde_json::Value = serde_json::from_str(&request(&json("check"))).unwrap();
            let analysed: serde_json::Value = serde_json::from_str(&request(&json("analyse"))).unwrap();
            for key in ["findings", "errors", "warnings"] {
                assert_eq!(checked[key], analysed[key], "{key}");
            }
            assert!(checked.get("svg").is_none() && checked.get("timeline").is_none(), "{checked}");
        }
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&request(
                &serde_json::json!({"op": "check", "source": BROKEN}).to_string()
            ))
            .unwrap()["errors"],
            1
        );

        let json = serde_json::json!({"op": "format", "source": "protocol   \"P\"\n"});
        let answer: serde_json::Value = serde_json::from_str(&request(&json.to_string())).unwrap();
        assert_eq!(answer["text"], "protocol \"P\"\n");

        let text = "Escalation of professional disagreements about children\n\nStage 1: Practitioners\n\nThe practitioners discuss it within 2 working days.\n\nStage 2: Managers\n\nIf unresolved, refer it to the line managers.\n";
        let json = serde_json::json!({"op": "draft", "source": text});
        let answer: serde_json::Value = serde_json::from_str(&request(&json.to_string())).unwrap();
        let esc = answer["esc"].as_str().unwrap();
        assert!(esc.contains("stage 2 \"Managers\"") && crate::syntax::parse(esc).1.is_empty(), "{answer}");
        assert_eq!(answer["found"]["stages"].as_array().map(Vec::len), Some(2));

        let answer: serde_json::Value = serde_json::from_str(&request("{not json")).unwrap();
        assert!(answer["error"].as_str().unwrap().starts_with("bad request"), "{answer}");
    }

    const BROKEN: &str = "protocol \"P\"\nstage 1 \"Talk\" {\n  unresolved -> stage 9\n}\n";

    #[test]
    fn a_text_with_input_errors_has_findings_but_no_diagram_or_timeline() {
        let report = check("p.esc", BROKEN);
        let placed = placed(&report);
        assert!(placed.iter().any(|p| p.code == "unknown-name" && p.start == Some((3, 23))), "{placed:?}");
        assert_eq!(svg(&report), None);
        assert_eq!(timeline(&report, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), None), None);
    }

    #[test]
    fn the_starter_draws_the_same_svg_as_render() {
        let source = crate::init::STARTER;
        let report = check("starter.esc", source);
        let (protocol, analysis) = report.analysed().unwrap();
        let expected =
            render::svg::render(&render::diagram::Diagram::build(protocol, analysis, Some(&report.findings)));
        assert_eq!(svg(&report).as_deref(), Some(expected.as_str()));
        let dated = timeline(&report, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), None).unwrap();
        assert!(dated.contains("2026"), "{dated}");
    }
}
