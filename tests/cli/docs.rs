//! Every example in the README and `docs/` is tested: a fenced block marked
//! `esc` is a whole file and must load (parse and resolve); one marked
//! `esc-fragment` is part of a file and must parse, on its own after a
//! header or inside a stage.

use std::path::{Path, PathBuf};

/// Every `docs/*.md` page, in name order.
fn doc_pages(root: &Path) -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs
}

/// `(file, line, language, text)` of every fenced block in the README and docs/.
fn blocks() -> Vec<(PathBuf, usize, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    files.extend(doc_pages(root));
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
    // One build profile for both (Cargo.toml's `[profile.dev]`): the run's
    // dependencies are the tests' dependencies, built once.
    assert!(readme.contains("    cargo run -- check policies/\n"));
    assert!(
        !readme.contains("cargo run --release -- check"),
        "a release build would compile everything twice"
    );
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

/// One rule of `grammar/escalate.pest`: its modifier (`_`, `@`, `$`, `!` or
/// none), the rules its body calls and the literals it matches.
struct GrammarRule {
    name: String,
    modifier: Option<char>,
    calls: Vec<String>,
    literals: Vec<String>,
}

/// The rules of the grammar, read from its text (comments left out).
fn grammar_rules() -> Vec<GrammarRule> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("grammar/escalate.pest")).expect("grammar");
    // Tokens: words, quoted literals (`"..."`, `'...'`) and single characters.
    #[derive(Debug, PartialEq)]
    enum Token {
        Word(String),
        Literal(String),
        Punct(char),
    }
    let mut tokens = Vec::new();
    for line in text.lines() {
        let mut chars = line.trim_start().chars().peekable();
        if line.trim_start().starts_with("//") {
            continue;
        }
        while let Some(c) = chars.next() {
            if c == '"' || c == '\'' {
                let mut lit = String::new();
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            // `\"`, `\\`, `\u{FEFF}`: kept as written, only to be skipped
                            lit.push(d);
                            if let Some(e) = chars.next() {
                                lit.push(e);
                            }
                        }
                        d if d == c => break,
                        d => lit.push(d),
                    }
                }
                tokens.push(Token::Literal(lit));
            } else if c.is_ascii_alphanumeric() || c == '_' {
                let mut word = c.to_string();
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_alphanumeric() || **d == '_') {
                    word.push(d);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            } else if !c.is_whitespace() {
                tokens.push(Token::Punct(c));
            }
        }
    }
    let mut rules = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (Token::Word(name), Some(Token::Punct('='))) = (&tokens[i], tokens.get(i + 1)) else {
            panic!("grammar: expected a rule at token {i}: {:?}", tokens[i]);
        };
        i += 2;
        let modifier = match tokens[i] {
            Token::Punct(m @ ('_' | '@' | '$' | '!')) => {
                i += 1;
                Some(m)
            }
            Token::Word(ref w) if w == "_" => {
                i += 1;
                Some('_')
            }
            _ => None,
        };
        assert_eq!(tokens[i], Token::Punct('{'), "grammar: rule `{name}` has no body");
        i += 1;
        let (mut calls, mut literals, mut depth) = (Vec::new(), Vec::new(), 1);
        // Inside a lookahead (`&"t"`, `!("\"" | "\\")`) until this depth of
        // brackets closes: its literals are no spellings.
        let mut lookahead: Option<usize> = None;
        let mut brackets = 0;
        while depth > 0 {
            match (&tokens[i], tokens.get(i + 1)) {
                (Token::Punct('&' | '!'), Some(Token::Literal(_))) => i += 1,
                (Token::Punct('&' | '!'), Some(Token::Punct('('))) if lookahead.is_none() => {
                    lookahead = Some(brackets);
                }
                (Token::Punct('('), _) => brackets += 1,
                (Token::Punct(')'), _) => {
                    brackets -= 1;
                    if lookahead == Some(brackets) {
                        lookahead = None;
                    }
                }
                _ => {}
            }
            match &tokens[i] {
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => depth -= 1,
                Token::Literal(_) if lookahead.is_some() => {}
                Token::Word(w) if w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') => {
                    calls.push(w.clone())
                }
                Token::Literal(l) if !l.starts_with('\\') => literals.push(l.trim().to_string()),
                _ => {}
            }
            i += 1;
        }
        rules.push(GrammarRule { name: name.clone(), modifier, calls, literals });
    }
    rules
}

/// The rules `entry` reaches, and of those the ones that add a pair to the
/// parse tree (not silent, nor inside an atomic `@` rule, which hides its
/// inner rules).
fn reachable<'a>(rules: &'a [GrammarRule], entry: &str) -> (Vec<&'a GrammarRule>, Vec<String>) {
    let find = |name: &str| rules.iter().find(|r| r.name == name);
    // Every rule reached, through any rule.
    let mut seen: Vec<&GrammarRule> = Vec::new();
    let mut todo = vec![entry.to_string()];
    while let Some(name) = todo.pop() {
        // A name that is no rule is a built-in: ANY, ASCII_DIGIT, ...
        if let Some(rule) = find(&name).filter(|r| !seen.iter().any(|s| s.name == r.name)) {
            seen.push(rule);
            todo.extend(rule.calls.iter().cloned());
        }
    }
    // The rules reached without passing through an atomic `@` rule, and of
    // those the ones that are not silent.
    let (mut through, mut visible) = (Vec::<String>::new(), Vec::new());
    let mut todo = vec![entry.to_string()];
    while let Some(name) = todo.pop() {
        let Some(rule) = find(&name).filter(|r| !through.contains(&r.name)) else { continue };
        through.push(name.clone());
        if rule.modifier != Some('_') {
            visible.push(name);
        }
        if rule.modifier != Some('@') {
            todo.extend(rule.calls.iter().cloned());
        }
    }
    (seen, visible)
}

/// The documented examples of docs/language.md (`esc` and `esc-fragment`
/// blocks), each as the text that parses and the byte range of the example
/// in it.
fn language_examples() -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    for (file, line, lang, body) in blocks() {
        if !file.ends_with("docs/language.md") {
            continue;
        }
        let place = format!("docs/language.md:{line}");
        let wrapped = match lang.as_str() {
            "esc" => vec![(String::new(), String::new())],
            "esc-fragment" => vec![
                ("protocol \"example\"\n".to_string(), String::new()),
                ("protocol \"example\"\nstage x \"example\" {\n".to_string(), "\n}\n".to_string()),
            ],
            _ => continue,
        };
        let parsed = wrapped.iter().find_map(|(before, after)| {
            let text = format!("{before}{body}{after}");
            escalate::syntax::parse(&text)
                .1
                .is_empty()
                .then(|| (text, before.len()..before.len() + body.len()))
        });
        let Some((text, range)) = parsed else {
            panic!("{place}: documented example does not parse:\n{body}")
        };
        out.push((place, text, range));
    }
    out
}

/// The documentation is the language: every construct of the protocol
/// grammar (every rule that adds to the parse tree, keywords included) is
/// in at least one example of docs/language.md that parses, and every word
/// the grammar accepts (each spelling: `shorter`, `less`, `twenty`, ...) is
/// written in that page's code (an example or a `code span`).
#[test]
fn every_construct_of_the_grammar_has_a_documented_example() {
    let rules = grammar_rules();
    assert!(rules.len() > 100, "only {} grammar rules read", rules.len());
    let (reached, constructs) = reachable(&rules, "items");
    assert!(constructs.len() > 60, "only {} constructs found", constructs.len());

    let mut shown: Vec<String> = Vec::new();
    for (place, text, range) in language_examples() {
        let pairs = escalate::syntax::constructs(&text, false).unwrap_or_else(|e| panic!("{place}: {e}"));
        for (rule, start, end) in pairs {
            if start >= range.start && end <= range.end && !shown.contains(&rule) {
                shown.push(rule);
            }
        }
    }
    let missing: Vec<&String> = constructs.iter().filter(|c| !shown.contains(c)).collect();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/language.md")).expect("docs/language.md");
    // The page's code: fenced blocks and `code spans`.
    let mut code = String::new();
    for (file, _, _, body) in blocks() {
        if file.ends_with("docs/language.md") {
            code.push_str(&body);
            code.push('\n');
        }
    }
    let mut fenced = false;
    for line in page.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            code.extend(line.split('`').skip(1).step_by(2).flat_map(|span| [span, "\n"]));
        }
    }
    let words: Vec<&str> = code.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).collect();
    let normalised = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut unwritten: Vec<String> = Vec::new();
    for rule in &reached {
        for literal in &rule.literals {
            let found = if literal.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                words.contains(&literal.as_str())
            } else {
                normalised.contains(literal.as_str())
            };
            if !literal.is_empty() && !found && !unwritten.contains(literal) {
                unwritten.push(literal.clone());
            }
        }
    }
    assert!(
        missing.is_empty() && unwritten.is_empty(),
        "docs/language.md must document every construct of grammar/escalate.pest with an example.\n\
         {} of {} constructs are in no example: {missing:?}\n\
         {} spellings are written nowhere in its code: {unwritten:?}",
        missing.len(),
        constructs.len(),
        unwritten.len(),
    );
}

/// The same for the scenarios grammar (`scenarios_file`, docs/testing.md):
/// every construct only scenarios have is in a `scenarios` example there
/// that parses, and each of their spellings is written in that page's code.
#[test]
fn every_construct_of_the_scenarios_grammar_has_a_documented_example() {
    let rules = grammar_rules();
    let (_, protocol) = reachable(&rules, "items");
    let (reached, constructs) = reachable(&rules, "scenarios_file");
    let own: Vec<&String> = constructs.iter().filter(|c| !protocol.contains(c)).collect();
    assert!(own.len() > 15, "only {} scenario constructs found: {own:?}", own.len());

    let (mut shown, mut code) = (Vec::new(), String::new());
    for (file, line, lang, body) in blocks() {
        if !file.ends_with("docs/testing.md") {
            continue;
        }
        code.push_str(&body);
        if lang == "scenarios" {
            let pairs = escalate::syntax::constructs(&body, true)
                .unwrap_or_else(|e| panic!("docs/testing.md:{line}: documented scenarios do not parse: {e}"));
            shown.extend(pairs.into_iter().map(|(rule, _, _)| rule));
        }
    }
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/testing.md")).expect("page");
    for line in page.lines() {
        code.extend(line.split('`').skip(1).step_by(2).flat_map(|span| [span, "\n"]));
    }
    let missing: Vec<&&String> = own.iter().filter(|c| !shown.contains(**c)).collect();
    let words: Vec<&str> = code.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).collect();
    let mut unwritten: Vec<&str> = Vec::new();
    for rule in reached.iter().filter(|r| own.contains(&&r.name)) {
        for literal in rule.literals.iter().filter(|l| l.chars().all(|c| c.is_alphanumeric() || c == '-')) {
            if !literal.is_empty()
                && !words.contains(&literal.as_str())
                && !unwritten.contains(&literal.as_str())
            {
                unwritten.push(literal);
            }
        }
    }
    assert!(
        missing.is_empty() && unwritten.is_empty(),
        "docs/testing.md must document every construct of the scenarios grammar with an example.\n\
         {} of {} constructs are in no example: {missing:?}\n\
         {} spellings are written nowhere in its code: {unwritten:?}",
        missing.len(),
        own.len(),
        unwritten.len(),
    );
}

/// What a marker line before a fenced `text` or `json` block says of it:
/// `<!-- output: escalate ARGS -->` (the block is that command's standard
/// output, run from the repository root), `<!-- output in DIR: escalate
/// ARGS -->` (run from DIR), `<!-- not output: WHY -->` (a list of commands
/// or a sketch of a format) or `<!-- untested output: WHY -->` (figures
/// measured once, such as timings).
enum Marker {
    Output { dir: String, args: Vec<String> },
    Other,
}

fn marker(line: &str) -> Option<Marker> {
    let inner = line.trim().strip_prefix("<!--")?.strip_suffix("-->")?.trim();
    if inner.starts_with("not output:") || inner.starts_with("untested output:") {
        return Some(Marker::Other);
    }
    let rest = inner.strip_prefix("output")?;
    let (dir, command) = rest.split_once(':')?;
    let dir = dir.trim().strip_prefix("in ").unwrap_or(".").trim().to_string();
    let mut words = command.split_whitespace().map(str::to_string);
    assert_eq!(words.next().as_deref(), Some("escalate"), "a marker runs escalate: {line}");
    Some(Marker::Output { dir, args: words.collect() })
}

/// Every command output shown in the README and docs/ is the real output of
/// its command, run here: a fenced `text` or `json` block is preceded by a
/// marker that names its command (or says why it is no output). Run with
/// `UPDATE_DOCS=1` to rewrite the blocks with what the commands print.
#[test]
fn every_output_shown_in_the_docs_is_what_the_command_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut files = vec![root.join("README.md")];
    files.extend(doc_pages(root));
    let mut ran = 0;
    let mut wrong = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        let mut out: Vec<String> = Vec::with_capacity(lines.len());
        let mut i = 0;
        let shown = crate::relative(&file);
        while i < lines.len() {
            let line = lines[i];
            out.push(line.to_string());
            i += 1;
            let Some(lang) = line.strip_prefix("```") else { continue };
            let start = i;
            while i < lines.len() && !lines[i].starts_with("```") {
                i += 1;
            }
            let body: String = lines[start..i].iter().map(|l| format!("{l}\n")).collect();
            let is_output = matches!(lang.trim(), "text" | "json" | "console" | "");
            // The marker is the last non-blank line before the fence.
            let before =
                lines[..start - 1].iter().rev().find(|l| !l.trim().is_empty()).copied().unwrap_or("");
            match (is_output, marker(before)) {
                (true, None) => panic!(
                    "{shown}:{start}: a ```{lang} block with no marker before it: `<!-- output: escalate ... -->` \
                     if it shows what a command prints, else `<!-- not output: why -->`"
                ),
                (_, Some(Marker::Output { dir, args })) => {
                    let output = std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
                        .args(&args)
                        .current_dir(root.join(&dir))
                        .env("NO_COLOR", "1")
                        .env_remove("FORCE_COLOR")
                        .env_remove("CLICOLOR_FORCE")
                        .env_remove("GITHUB_STEP_SUMMARY")
                        .stdin(std::process::Stdio::null())
                        .output()
                        .expect("escalate runs");
                    let printed = String::from_utf8(output.stdout).expect("UTF-8");
                    assert!(
                        !printed.is_empty(),
                        "{shown}:{start}: `escalate {}` printed nothing",
                        args.join(" ")
                    );
                    ran += 1;
                    if printed != body {
                        wrong.push(format!("{shown}:{start}: `escalate {}`", args.join(" ")));
                    }
                    out.extend(printed.lines().map(str::to_string));
                }
                _ => out.extend(lines[start..i].iter().map(|l| l.to_string())),
            }
            if i < lines.len() {
                out.push(lines[i].to_string());
                i += 1;
            }
        }
        if update {
            let mut new = out.join("\n");
            if text.ends_with('\n') {
                new.push('\n');
            }
            if new != text {
                std::fs::write(&file, new).expect("rewrite the doc");
            }
        }
    }
    assert!(ran >= 6, "only {ran} outputs tested");
    assert!(
        update || wrong.is_empty(),
        "these blocks differ from what their commands print (run with UPDATE_DOCS=1 to rewrite them):\n{}",
        wrong.join("\n")
    );
}

/// `docs/testing.md`'s example protocol and scenarios are the files its
/// output marker runs (`docs/examples/example.esc` and `.scenarios`).
#[test]
fn the_testing_guide_shows_its_example_files_as_they_are() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("docs/testing.md")).expect("docs/testing.md");
    for name in ["example.esc", "example.scenarios"] {
        let file = std::fs::read_to_string(root.join("docs/examples").join(name)).expect("example file");
        assert!(guide.contains(&file), "docs/testing.md must show docs/examples/{name} as it is");
    }
}
