//! Every code's documentation, for `escalate explain`, SARIF rules and
//! `escalate rules`.
//!
//! The text is `docs/rules.md` itself, embedded at build time and read here,
//! so the documentation has one source and `explain` can never say something
//! the docs do not. The worked examples are the test cases
//! `tests/cases/<code>.esc` and `<code>-fixed.esc`: the case tests prove that
//! the first fails with its code and the second passes.

use std::fmt::Write as _;

use crate::diagnostic::{Code, Severity, suggest};

/// `docs/rules.md`, as built into this binary.
pub const RULES_MD: &str = include_str!("../docs/rules.md");

/// Where `docs/rules.md` is published, from Cargo.toml's `repository`: the
/// base of the documentation links in SARIF. Empty while the crate names no
/// repository, and then no links are written (a SARIF link must be absolute).
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

macro_rules! examples {
    (fixed: [$($fixed:literal),* $(,)?], failing: [$($code:literal => $file:literal),* $(,)?] $(,)?) => {
        /// `(code, failing example, fixed example)`: the test cases, as files.
        const EXAMPLES: &[(&str, &str, Option<&str>)] = &[
            $( (
                $fixed,
                include_str!(concat!("../tests/cases/", $fixed, ".esc")),
                Some(include_str!(concat!("../tests/cases/", $fixed, "-fixed.esc"))),
            ), )*
            $( ($code, include_str!(concat!("../tests/cases/", $file)), None), )*
        ];
    };
}

examples! {
    fixed: [
        "dead-end",
        "no-way-out",
        "unreachable",
        "unbounded-timescale",
        "missing-immediate-risk-exit",
        "limit-exceeded",
        "not-escalating",
        "missing-record",
        "unused-allow",
        "mixed-units",
        "unit-mismatch",
        "late-record",
        "implied-route",
        "discretionary-only",
        "conflicted-exit",
        "ambiguous-anchor",
    ],
    failing: [
        "empty-file" => "empty-file.esc",
        "syntax-error" => "syntax-error-missing-quote.esc",
        "missing-protocol" => "missing-protocol.esc",
        "duplicate-protocol" => "duplicate-protocol.esc",
        "duplicate-clause" => "duplicate-clause.esc",
        "duplicate-name" => "duplicate-name.esc",
        "unknown-name" => "unknown-name-misspelt-exit.esc",
        "unknown-check" => "unknown-check.esc",
        "unknown-calendar" => "unknown-calendar.esc",
        "no-stages" => "no-stages.esc",
        "bad-anchor" => "bad-anchor.esc",
    ],
}

/// One code's documentation, as `docs/rules.md` gives it. Paragraphs keep
/// their Markdown (backticks), joined onto one line each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleDoc {
    /// What the finding means (for an input error: the table's row).
    pub what: String,
    /// Why it matters for a child.
    pub why: String,
    pub fix: String,
    pub seen_in: String,
}

impl RuleDoc {
    /// The documentation of `code`; empty parts where the docs have none.
    pub fn of(code: Code) -> RuleDoc {
        if code.is_input_error() { input_error_doc(code) } else { check_doc(code) }
    }

    /// The whole entry as Markdown, for SARIF's `help.markdown`.
    pub fn markdown(&self, code: Code) -> String {
        let mut out = format!("{}\n", self.what);
        for (title, text) in self.sections() {
            let _ = write!(out, "\n**{title}.** {text}\n");
        }
        if let Some(example) = Example::of(code) {
            let _ = write!(out, "\n**Example** (reported as `{code}`):\n\n```\n{}```\n", example.failing);
            if let Some(fixed) = example.fixed {
                let _ = write!(out, "\n**Fixed:**\n\n```\n{fixed}```\n");
            }
        }
        out
    }

    /// The whole entry as plain text, for SARIF's `help.text`.
    pub fn text(&self) -> String {
        let mut out = plain(&self.what);
        for (title, text) in self.sections() {
            let _ = write!(out, "\n\n{title}: {}", plain(text));
        }
        out
    }

    fn sections(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [("Why it matters for a child", &self.why), ("How to fix", &self.fix), ("Seen in", &self.seen_in)]
            .into_iter()
            .filter(|(_, text)| !text.is_empty())
            .map(|(title, text)| (title, text.as_str()))
    }
}

/// A failing example and, for checks, the same protocol fixed.
pub struct Example {
    /// The case file without its `# expect:` line.
    pub failing: &'static str,
    pub fixed: Option<&'static str>,
}

impl Example {
    pub fn of(code: Code) -> Option<Example> {
        let (_, failing, fixed) = EXAMPLES.iter().find(|(c, _, _)| *c == code.as_str())?;
        Some(Example { failing: without_expectation(failing), fixed: fixed.map(without_expectation) })
    }
}

/// The test harness's first line (`# expect: ...`) means nothing to a reader.
fn without_expectation(text: &str) -> &str {
    match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("# expect:") => rest,
        _ => text,
    }
}

/// A link to the code's entry in the published `docs/rules.md`, if the crate
/// names its repository.
pub fn help_uri(code: Code) -> Option<String> {
    link(REPOSITORY, code)
}

fn link(repository: &str, code: Code) -> Option<String> {
    (!repository.is_empty())
        .then(|| format!("{}/blob/main/docs/rules.md#{}", repository.trim_end_matches('/'), anchor(code)))
}

/// The heading of a code's entry in docs/rules.md, as GitHub names its
/// anchor (backticks dropped). Input errors share one table.
pub fn anchor(code: Code) -> &'static str {
    if code.is_input_error() { "input-errors" } else { code.as_str() }
}

/// Where the project's documentation lives, if known.
pub fn information_uri() -> Option<&'static str> {
    (!REPOSITORY.is_empty()).then_some(REPOSITORY)
}

/// The `### \`code\`` section of docs/rules.md, split into its parts.
fn check_doc(code: Code) -> RuleDoc {
    let heading = format!("### `{code}`");
    let mut doc = RuleDoc::default();
    let Some(start) = RULES_MD.lines().position(|l| l.trim_end() == heading) else { return doc };
    let body = RULES_MD
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("## ") && !l.starts_with("### "))
        .collect::<Vec<_>>();
    for paragraph in paragraphs(&body) {
        let part = |prefixes: &[&str]| prefixes.iter().find_map(|p| paragraph.strip_prefix(p));
        if let Some(rest) = part(&["*Error.* ", "*Warning.* "]) {
            doc.what = rest.to_string();
        } else if let Some(rest) = part(&["**Why it matters for a child.** ", "**Why it matters.** "]) {
            doc.why = rest.to_string();
        } else if let Some(rest) = part(&["**How to fix.** "]) {
            doc.fix = rest.to_string();
        } else if let Some(rest) = part(&["**Seen in.** "]) {
            doc.seen_in = rest.to_string();
        } else if !doc.fix.is_empty() {
            // A further paragraph of the fix (an example, say).
            doc.fix.push_str("\n\n");
            doc.fix.push_str(&paragraph);
        }
    }
    doc
}

/// The `| \`code\` | meaning |` row of the input-error table.
fn input_error_doc(code: Code) -> RuleDoc {
    let cell = format!("| `{code}` |");
    let meaning = RULES_MD
        .lines()
        .find_map(|l| l.strip_prefix(&cell))
        .map(|rest| rest.trim().trim_end_matches('|').trim())
        .unwrap_or_default();
    let mut what = String::new();
    if !meaning.is_empty() {
        let mut chars = meaning.chars();
        if let Some(first) = chars.next() {
            what = format!("{}{}.", first.to_uppercase(), chars.as_str());
        }
    }
    what.push_str(if code == Code::ScenarioFailed {
        " A promise of the protocol, written as a scenario, does not hold: `escalate test` exits with code 1."
    } else {
        " This is an input error: the file is not checked at all, and `escalate check` exits with code 2."
    });
    RuleDoc {
        what: what.trim_start().to_string(),
        fix: "Follow the help line under the message, which names the place and, for names, suggests \
              the closest one declared; `escalate init` writes a starter protocol that shows each construct in use."
            .to_string(),
        ..RuleDoc::default()
    }
}

/// Blank-line separated paragraphs, each on one line.
fn paragraphs(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(line.trim());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Markdown emphasis removed; backticks stay (they mark what is typed).
fn plain(text: &str) -> String {
    text.replace("**", "")
}

/// A code named on the command line: the code, or the closest one as a
/// suggestion.
pub fn lookup(name: &str) -> Result<Code, Option<&'static str>> {
    // Codes are lowercase; `Dead-End` typed from a heading still means `dead-end`.
    let name = name.trim().to_lowercase();
    Code::parse(&name).ok_or_else(|| suggest(&name, Code::ALL.iter().map(|c| c.as_str())))
}

/// `escalate explain CODE`: the documentation as text for a terminal,
/// wrapped at `width` columns.
pub fn explain(code: Code, width: usize) -> String {
    let doc = RuleDoc::of(code);
    let mut out = String::new();
    let severity = match code.default_severity() {
        Severity::Error if code.is_input_error() => "input error (the file is not checked)",
        Severity::Error => "error by default (`escalate check` exits with code 1)",
        Severity::Warning => "warning by default (`escalate check` still exits with code 0)",
    };
    let _ = writeln!(out, "{code}: {}", code.summary());
    let _ = writeln!(
        out,
        "{}",
        "=".repeat((code.as_str().len() + 2 + code.summary().chars().count()).min(width))
    );
    let _ = writeln!(out, "Severity: {severity}.");
    out.push('\n');
    out.push_str(&fill(&plain(&doc.what), width, ""));
    for (title, text) in doc.sections() {
        let _ = write!(out, "\n{title}\n");
        for (i, paragraph) in text.split("\n\n").enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&fill(&plain(paragraph), width, "  "));
        }
    }
    if let Some(example) = Example::of(code) {
        let _ = write!(out, "\nExample: escalate reports `{code}` here\n\n");
        out.push_str(&indent(example.failing));
        let (_, findings) = crate::analyse(example.failing);
        let said: Vec<&str> =
            findings.iter().filter(|f| f.code == code).map(|f| f.message.as_str()).collect();
        if !said.is_empty() {
            out.push_str("\n  escalate says:\n");
            for message in said {
                out.push_str(&fill(&format!("{code}: {message}"), width, "    "));
            }
        }
        if let Some(fixed) = example.fixed {
            out.push_str("\nFixed: no findings\n\n");
            out.push_str(&indent(fixed));
        }
    }
    out.push('\n');
    if !code.is_input_error() {
        let _ = writeln!(out, "To silence it in one protocol, with a reason: allow {code} \"<reason>\"");
        let _ = writeln!(
            out,
            "To change its severity for a repository: `{code} = \"warning\"` (or \"error\", \"off\") under \
             [severity] in .escalate.toml"
        );
    }
    let _ = writeln!(out, "Every code: `escalate rules`; any of them explained: `escalate explain CODE`");
    out
}

/// A paragraph wrapped at `width`, every line indented by `indent`.
fn fill(text: &str, width: usize, indent: &str) -> String {
    let options = textwrap::Options::new(width.max(20))
        .initial_indent(indent)
        .subsequent_indent(indent)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text, options) + "\n"
}

/// A protocol shown as a block, four spaces in, like a code block in Markdown.
fn indent(text: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("    {l}\n") }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_what_why_fix_and_examples() {
        for code in Code::checks() {
            let doc = RuleDoc::of(code);
            assert!(!doc.what.is_empty(), "{code}: no description in docs/rules.md");
            assert!(!doc.why.is_empty(), "{code}: no \"why it matters\" in docs/rules.md");
            assert!(!doc.fix.is_empty(), "{code}: no \"how to fix\" in docs/rules.md");
            let example = Example::of(code).unwrap_or_else(|| panic!("{code}: no example"));
            assert!(example.fixed.is_some(), "{code}: no fixed example");
        }
    }

    #[test]
    fn every_input_error_has_its_meaning() {
        for &code in Code::ALL.iter().filter(|c| c.is_input_error()) {
            let doc = RuleDoc::of(code);
            assert!(doc.what.len() > "This is an input error".len() + 20, "{code}: {}", doc.what);
        }
    }

    #[test]
    fn examples_fail_with_their_code_and_fixed_ones_pass() {
        for (name, _, _) in EXAMPLES {
            let code = Code::parse(name).expect("a real code");
            let example = Example::of(code).expect("listed");
            assert!(!example.failing.starts_with("# expect"), "{code}: expectation line shown");
            let (_, findings) = crate::analyse(example.failing);
            assert!(findings.iter().any(|f| f.code == code), "{code}: example does not show it");
            if let Some(fixed) = example.fixed {
                assert_eq!(crate::analyse(fixed).1, Vec::new(), "{code}: fixed example has findings");
            }
        }
    }

    #[test]
    fn links_point_at_headings() {
        assert_eq!(link("", Code::DeadEnd), None);
        assert_eq!(
            link("https://example.org/escalate/", Code::DeadEnd).as_deref(),
            Some("https://example.org/escalate/blob/main/docs/rules.md#dead-end")
        );
        assert!(RULES_MD.contains("\n### `dead-end`\n"));
        assert_eq!(anchor(Code::SyntaxError), "input-errors");
        assert!(RULES_MD.contains("\n## Input errors\n"));
    }

    #[test]
    fn lookup_suggests_a_near_code() {
        assert_eq!(lookup("dead-end"), Ok(Code::DeadEnd));
        assert_eq!(lookup(" Dead-End "), Ok(Code::DeadEnd));
        assert_eq!(lookup("dead-ends"), Err(Some("dead-end")));
        assert_eq!(lookup("nothing-like-it"), Err(None));
    }

    #[test]
    fn markdown_and_text_hold_every_part() {
        let doc = RuleDoc::of(Code::DeadEnd);
        let md = doc.markdown(Code::DeadEnd);
        assert!(md.contains("**Why it matters for a child.**") && md.contains("```\n"), "{md}");
        let text = doc.text();
        assert!(text.contains("How to fix: Add `unresolved -> <next stage>`"), "{text}");
        assert!(!text.contains("**"), "{text}");
    }
}
