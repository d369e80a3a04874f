//! Hostile and broken input (issue 6): whatever the bytes, `escalate` gives a
//! result or a diagnostic with a code and exit code 2, never a panic, a hang
//! or a blow-up, and every output escapes the user's text.
//!
//! - `corpus`: every `tests/hostile/*.esc` (empty, comments only, tabs,
//!   duplicate and self-referencing names, non-Latin scripts, hostile labels,
//!   and the inputs the fuzzer found crashes with), snapshotted;
//! - inputs made here, byte by byte (so that no editor or git setting can
//!   change them) or too large to commit: garbage, invalid UTF-8, a
//!   byte-order mark, CRLF, control characters, a 1 MB line, 20,000 stages,
//!   deep nesting, a cycle of 10,000 stages;
//! - files that cannot be read: a FIFO, a dangling link, a directory named
//!   `x.esc`, link loops, endless input;
//! - every output format, parsed by a real parser, for hostile labels.
//!
//! `props` holds the property tests. `scripts/hostile-big.sh` runs the
//! full-size inputs (100,000 stages, 64 MiB) against a release build.
//!
//! Each run has a deadline as a safety net (a hang fails the test instead of
//! stalling it); it is never an assertion about speed.

mod props;
mod round2;
mod round3;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::{relative, transcript};
use escalate::diagnostic::Code;

/// Generous: a debug build on a busy machine. Only a hang comes near it.
const SAFETY_NET: Duration = Duration::from_secs(300);

/// Run `escalate` from the crate root, with colours off, feeding `stdin`;
/// fail (and kill it) if it has not finished by the safety net.
fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, stdin)
}

/// [`run`], from the folder `dir`.
fn run_in(dir: &Path, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the escalate binary runs");
    let input = child.stdin.take();
    // On its own thread: a large input must not wait for output to be read.
    let writer = std::thread::spawn(move || {
        if let (Some(mut pipe), Some(bytes)) = (input, stdin) {
            // A closed pipe is escalate's answer (it stops reading past the limit).
            let _ = pipe.write_all(&bytes);
        }
    });
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match finished.recv_timeout(SAFETY_NET) {
        Ok(output) => {
            let _ = writer.join();
            output.expect("escalate finishes")
        }
        Err(_) => {
            // Only the child this test started, by its id.
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("`escalate {}` did not finish: a hang", args.join(" "));
        }
    }
}

/// `check` on stdin, in human and JSON form, with the invariants every
/// result must keep; returns the human run and the JSON document.
fn check_stdin(bytes: &[u8]) -> (Output, serde_json::Value) {
    let human = run(&["check", "-"], Some(bytes.to_vec()));
    let machine = run(&["check", "--format", "json", "-"], Some(bytes.to_vec()));
    let doc = checked(&human, &machine);
    (human, doc)
}

/// The same, for a path (a file or a directory).
fn check_path(path: &str) -> (Output, serde_json::Value) {
    let human = run(&["check", path], None);
    let machine = run(&["check", "--format", "json", path], None);
    let doc = checked(&human, &machine);
    (human, doc)
}

/// What must hold for any input: no crash, a JSON document that parses,
/// every diagnostic with a known code, an exit code that follows from them,
/// and no control character that a terminal would act on.
fn checked(human: &Output, machine: &Output) -> serde_json::Value {
    for output in [human, machine] {
        assert!(output.status.code().is_some(), "killed by a signal:\n{}", transcript(output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
        terminal_safe(&output.stdout);
        terminal_safe(&output.stderr);
    }
    let doc: serde_json::Value = serde_json::from_slice(&machine.stdout)
        .unwrap_or_else(|e| panic!("JSON report does not parse: {e}\n{}", transcript(machine)));
    let mut expected = 0;
    for file in doc["files"].as_array().expect("files") {
        let diagnostics = file["diagnostics"].as_array().expect("diagnostics");
        for d in diagnostics {
            let text = d["code"].as_str().expect("every diagnostic has a code");
            let code = Code::parse(text).unwrap_or_else(|| panic!("unknown code {text}"));
            assert!(
                d["line"].as_u64().is_some_and(|l| l >= 1) && d["column"].as_u64().is_some_and(|c| c >= 1)
            );
            if d["allowed"].is_null() {
                let level = if code.is_input_error() { 2 } else { u8::from(d["severity"] == "error") };
                expected = expected.max(level);
            }
        }
        if file["protocol"].is_null() {
            let input = diagnostics
                .iter()
                .any(|d| Code::parse(d["code"].as_str().unwrap_or("")).is_some_and(Code::is_input_error));
            assert!(input, "no protocol, and no input error to say why: {file}");
        }
    }
    assert_eq!(machine.status.code(), Some(i32::from(expected)), "exit code (JSON)");
    assert_eq!(human.status.code(), Some(i32::from(expected)), "exit code (human)");
    doc
}

/// No control character but line breaks: printed raw, ESC and friends would
/// drive the reader's terminal.
fn terminal_safe(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!("control character {c:?} in the output:\n{text}");
    }
}

/// The codes of the first file's diagnostics, in order.
fn codes(doc: &serde_json::Value) -> Vec<String> {
    doc["files"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Bytes that look random but are the same on every run.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 56) as u8
        })
        .collect()
}

/// A clean protocol of `stages` stages, shaped like `examples/synth.rs`'s.
pub fn synth(stages: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(stages * 250);
    let _ =
        writeln!(out, "protocol \"Synthetic protocol with {stages} stages\"\n  calendar england-and-wales");
    for i in 1..=stages {
        let _ = writeln!(out, "party p{i} \"Party {i}\" level {i}");
    }
    out.push_str("exit mash \"Referral to MASH\" within same working day\n");
    out.push_str("outcome agreed \"Agreed outcome confirmed in writing\"\n");
    out.push_str("at any stage: immediate risk -> mash\n");
    out.push_str("at any stage: record \"Discussions recorded on the child's file\"\n");
    for i in 1..=stages {
        let _ = writeln!(out, "stage {i} \"Stage {i}\" {{\n  parties p{i}");
        out.push_str("  step \"Discuss and try to resolve\" within 2 working days\n  resolved -> agreed\n");
        if i == stages {
            out.push_str("  final decision\n");
        } else {
            let _ = writeln!(out, "  unresolved -> stage {}", i + 1);
        }
        out.push_str("}\n");
    }
    out
}

// ------------------------------------------------------------- the corpus

#[test]
fn corpus() {
    insta::glob!("../hostile", "*.esc", |path| {
        let (human, _) = check_path(&relative(path));
        insta::assert_snapshot!(transcript(&human));
    });
}

/// The corpus's clean files stay clean through every command.
#[test]
fn clean_corpus_files_pass_every_command() {
    for name in ["tabs", "scripts", "escaping"] {
        let file = format!("tests/hostile/{name}.esc");
        let (_, doc) = check_path(&file);
        assert_eq!(doc["summary"]["errors"], 0, "{file}: {doc}");
        for format in ["text", "json", "ics"] {
            let output = run(&["timeline", &file, "--from", "2026-12-21", "--format", format], None);
            assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        }
        for format in ["svg", "dot", "mermaid"] {
            let output = run(&["render", &file, "--format", format], None);
            assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        }
        formats_to_the_same_meaning(&file);
    }
}

/// `fmt` keeps the meaning: the formatted file gives the same JSON report
/// (the findings, with their lines moved) and the same model.
fn formats_to_the_same_meaning(file: &str) {
    let dir = scratch(&format!("fmt-{}", file.replace('/', "-")));
    let copy = dir.join("copy.esc");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(file), &copy).expect("copy");
    let copy = copy.to_string_lossy().to_string();
    let before = run(&["check", "--format", "json", &copy], None);
    let output = run(&["fmt", &copy], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let after = run(&["check", "--format", "json", &copy], None);
    let strip = |doc: serde_json::Value| -> Vec<(String, String)> {
        doc["files"][0]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| (d["code"].to_string(), d["message"].to_string()))
            .collect()
    };
    assert_eq!(strip(crate::json(&before)), strip(crate::json(&after)), "{file}: fmt changed the findings");
    let again = run(&["fmt", "--check", &copy], None);
    assert_eq!(again.status.code(), Some(0), "fmt is idempotent: {}", transcript(&again));
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect("read");
    let formatted = std::fs::read_to_string(&copy).expect("read");
    let model = |text: &str| escalate::load(text).ok().and_then(|p| serde_json::to_value(p).ok());
    assert_eq!(model(&source), model(&formatted), "{file}: fmt changed the model");
}

// ------------------------------------------------- inputs made byte by byte

#[test]
fn binary_garbage_is_not_utf8() {
    let (human, doc) = check_stdin(&noise(4096, 6));
    assert_eq!(codes(&doc), ["not-utf8"]);
    insta::assert_snapshot!(transcript(&human));
}

#[test]
fn garbage_that_is_utf8_is_a_syntax_error_without_control_characters_shown() {
    // Valid UTF-8, of every kind of character: controls (C0 and C1), marks,
    // letters, punctuation. The report quotes it with symbols (`␛`) for
    // the controls, which are refused with one finding that counts them.
    let chars: String = noise(2000, 7)
        .chunks(2)
        .filter_map(|p| char::from_u32(u32::from(p[0]) | (u32::from(p[1] & 0x07) << 8)))
        .collect();
    let (human, doc) = check_stdin(chars.as_bytes());
    let found = codes(&doc);
    assert!(found.iter().all(|c| c == "syntax-error"), "{found:?}");
    let messages: Vec<&str> = doc["files"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(messages.iter().any(|m| m.starts_with("control character U+")), "{messages:?}");
    // No snapshot: a line of random letters from a dozen scripts, several of
    // them right to left, is no review. The checks above say what matters.
    assert!(String::from_utf8_lossy(&human.stdout).contains('␖'), "controls are shown as symbols");
}

#[test]
fn invalid_utf8_reports_the_byte_offset_and_its_line() {
    let mut bytes = b"protocol \"P\"\nexit mash \"M\"\noutcome agreed \"caf\xc3\xa9 ".to_vec();
    bytes.extend_from_slice(b"\xe9t\xe9\"\n");
    let (human, doc) = check_stdin(&bytes);
    let d = &doc["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "not-utf8");
    assert!(d["message"].as_str().unwrap_or_default().contains("byte 49 (0xe9)"), "{d}");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(3), Some(22)), "{d}");
    insta::assert_snapshot!(transcript(&human));
}

#[test]
fn a_byte_order_mark_changes_nothing() {
    let clean = std::fs::read_to_string("tests/cases/clean.esc").expect("clean case");
    let (_, plain) = check_stdin(clean.as_bytes());
    let (_, marked) = check_stdin(format!("\u{feff}{clean}").as_bytes());
    assert_eq!(plain, marked);
    // A mark before an error: the position is still the right line and column.
    let (human, doc) = check_stdin("\u{feff}protocol \"P\"\nstage 1 \"S\" {\n  oops\n}\n".as_bytes());
    let d = &doc["files"][0]["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(3), Some(3)), "{d}");
    insta::assert_snapshot!(transcript(&human));
}

#[test]
fn crlf_line_endings_give_the_same_report() {
    for policy in
        ["policies/essex.esc", "tests/cases/syntax-error-three-errors.esc", "tests/cases/dead-end.esc"]
    {
        let text = std::fs::read_to_string(policy).expect("policy");
        let (_, lf) = check_stdin(text.as_bytes());
        let (_, crlf) = check_stdin(text.replace('\n', "\r\n").as_bytes());
        assert_eq!(lf, crlf, "{policy}: CRLF changed the report");
    }
    let (human, _) = check_stdin(b"protocol \"P\"\r\nstage 1 \"S\" {\r\n  oops\r\n}\r\n");
    insta::assert_snapshot!(transcript(&human));
}

#[test]
fn control_characters_are_refused_and_never_reach_the_terminal() {
    // Escape sequences that would retitle the window, clear the screen and
    // write the clipboard; a bell; a C1 CSI; a NUL; a lone carriage return.
    let source = "protocol \"P \u{1b}]0;pwned\u{7}\u{1b}[2J\"\n\
                  # comment \u{1b}]52;c;ZXZpbA==\u{7}\n\
                  outcome agreed \"A\u{9b}31m\"\n\
                  stage 1 \"S\0\" {\n  resolved -> agreed\n  final decision\r}\n";
    let (human, doc) = check_stdin(source.as_bytes());
    assert_eq!(codes(&doc), ["syntax-error"]);
    let message = doc["files"][0]["diagnostics"][0]["message"].as_str().unwrap_or_default();
    assert_eq!(message, "control character U+001B (escape) in the file, and 6 more");
    insta::assert_snapshot!(transcript(&human));
    // Every command refuses it, and says so without the raw bytes.
    for args in [
        vec!["timeline", "-", "--from", "2026-01-05"],
        vec!["render", "-"],
        vec!["check", "--format", "sarif", "-"],
        vec!["check", "--format", "github", "-"],
    ] {
        let output = run(&args, Some(source.as_bytes().to_vec()));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", transcript(&output));
        terminal_safe(&output.stdout);
        terminal_safe(&output.stderr);
    }
}

// ------------------------------------------------------------ large inputs

#[test]
fn a_one_megabyte_line() {
    // A whole protocol on one line (line breaks carry no meaning).
    let mut line = String::from(
        "protocol \"One line\" outcome agreed \"Agreed\" exit mash \"MASH\" within same working day \
         at any stage: immediate risk -> mash at any stage: record \"R\" ",
    );
    let mut i = 1;
    while line.len() < 1_000_000 {
        line.push_str(&format!(
            "stage {i} \"Stage {i} with a title long enough\" {{ within 1 working day resolved -> agreed \
             unresolved -> stage {} }} ",
            i + 1
        ));
        i += 1;
    }
    line.push_str(&format!(
        "stage {i} \"Last\" {{ within 1 working day resolved -> agreed final decision }}"
    ));
    let (_, doc) = check_stdin(line.as_bytes());
    assert_eq!(codes(&doc), Vec::<String>::new(), "{doc}");

    // A megabyte of one word, and of one text that never closes: one error each.
    for garbage in ["x".repeat(1_000_000), format!("protocol \"{}", "y".repeat(1_000_000))] {
        let (human, doc) = check_stdin(garbage.as_bytes());
        assert_eq!(codes(&doc), ["syntax-error"]);
        // The line is quoted once, not once per problem.
        assert!(human.stdout.len() < 3 * garbage.len(), "{} bytes of report", human.stdout.len());
    }
}

#[test]
fn twenty_thousand_stages() {
    // 100,000 in scripts/hostile-big.sh, against a release build.
    let (_, doc) = check_stdin(synth(20_000).as_bytes());
    assert_eq!(doc["summary"]["errors"], 0, "{}", doc["summary"]);
    assert_eq!(doc["summary"]["warnings"], 0, "{}", doc["summary"]);
}

#[test]
fn deep_nesting_is_a_syntax_error() {
    // The grammar nests a stage in an exception and nothing deeper, so there
    // is no depth to limit: ten thousand braces are one clear error, and the
    // parser never recurses into them.
    let braces = format!("protocol \"P\"\nstage 1 \"S\" {}\n", "{\n".repeat(10_000));
    let (human, doc) = check_stdin(braces.as_bytes());
    assert_eq!(codes(&doc), ["syntax-error"]);
    insta::assert_snapshot!(transcript(&human));

    // Ten thousand stages opened inside each other: each is an error, and
    // the report stops at a hundred.
    let stages: String = (0..10_000).map(|i| format!("stage {i} \"S\" {{\n")).collect();
    let (_, doc) = check_stdin(format!("protocol \"P\"\n{stages}").as_bytes());
    let found = codes(&doc);
    assert_eq!(found.len(), escalate::syntax::MAX_SYNTAX_ERRORS + 1);
    let last = &doc["files"][0]["diagnostics"][found.len() - 1];
    assert_eq!(last["message"], "too many syntax errors: stopped after the first 100");
}

#[test]
fn a_cycle_of_ten_thousand_stages() {
    let mut source = String::from(
        "protocol \"Cycle\"\nexit mash \"MASH\" within same working day\noutcome agreed \"Agreed\"\n\
         at any stage: immediate risk -> mash\nat any stage: record \"R\"\n",
    );
    for i in 0..10_000 {
        source.push_str(&format!(
            "stage {i} \"S\" {{\n  within 1 working day\n  unresolved -> stage {}\n}}\n",
            (i + 1) % 10_000
        ));
    }
    let (human, doc) = check_stdin(source.as_bytes());
    let mut found = codes(&doc);
    found.sort();
    found.dedup();
    // The cycle has no way out, so the outcome is never reached.
    assert_eq!(found, ["no-way-out", "unreachable"], "{found:?}");
    // Every stage is named once in the cycle's finding, not once per path.
    assert!(human.stdout.len() < 40 * source.len(), "{} bytes of report", human.stdout.len());
    let timeline =
        run(&["timeline", "-", "--from", "2026-01-05", "--format", "json"], Some(source.into_bytes()));
    assert_eq!(timeline.status.code(), Some(0), "{}", transcript(&timeline));
}

// ---------------------------------------------------- files that cannot be read

/// A folder of things that look like protocols but cannot be read as one.
/// We run as root, so permissions stop nothing: these stop any user.
#[test]
fn a_directory_of_unreadable_files() {
    let dir = scratch("unreadable");
    std::fs::write(dir.join("good.esc"), std::fs::read("tests/cases/clean.esc").expect("clean case"))
        .expect("write");
    // A FIFO: opening it would wait for a writer for ever.
    let fifo = Command::new("mkfifo").arg(dir.join("fifo.esc")).status().is_ok_and(|s| s.success());
    // A link to nothing (as a file that vanished after the folder was read).
    std::os::unix::fs::symlink(dir.join("gone.esc"), dir.join("dangling.esc")).expect("symlink");
    // A link to itself.
    std::os::unix::fs::symlink(dir.join("self.esc"), dir.join("self.esc")).expect("symlink");
    // A directory named like a protocol, with one inside.
    std::fs::create_dir(dir.join("folder.esc")).expect("mkdir");
    std::fs::write(dir.join("folder.esc/inner.esc"), b"protocol \"Inner\"\n").expect("write");
    // Loops of directory links: to the folder itself, and two that point at each other.
    std::os::unix::fs::symlink(&dir, dir.join("loop")).expect("symlink");
    std::fs::create_dir(dir.join("a")).expect("mkdir");
    std::os::unix::fs::symlink(dir.join("b"), dir.join("a/to-b")).expect("symlink");
    std::os::unix::fs::symlink(dir.join("a"), dir.join("b")).expect("symlink");

    // From inside the folder, so that the paths shown do not depend on where
    // the temporary folder is.
    let human = run_in(&dir, &["check", "."], None);
    let machine = run_in(&dir, &["check", "--format", "json", "."], None);
    let doc = checked(&human, &machine);
    let files: Vec<String> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| format!("{} {}", f["path"].as_str().unwrap_or_default(), f["diagnostics"][0]["code"]))
        .collect();
    assert!(files.contains(&"./good.esc null".to_string()), "{files:?}");
    // Links inside a folder are not followed (issue 26): a dangling link and
    // a link to itself are passed over, as ripgrep passes them over.
    assert!(
        !files.iter().any(|f| f.starts_with("./dangling.esc") || f.starts_with("./self.esc")),
        "{files:?}"
    );
    assert!(files.contains(&"./folder.esc/inner.esc \"no-stages\"".to_string()), "{files:?}");
    if fifo {
        assert!(files.contains(&"./fifo.esc \"read-error\"".to_string()), "{files:?}");
        insta::assert_snapshot!(transcript(&human));
    }
    // Named on the command line, a directory called `x.esc` is searched too.
    let (_, doc) = check_path(&dir.join("folder.esc").to_string_lossy());
    assert_eq!(codes(&doc), ["no-stages"]);
}

/// A file name can hold anything but `/` and NUL: one that holds an escape
/// sequence, in a policy repository, must not reach the terminal either.
#[test]
fn file_names_with_escape_sequences_are_shown_safely() {
    let dir = scratch("names");
    let name = "evil \u{1b}]0;pwned\u{7}.esc";
    let mut text = std::fs::read_to_string("tests/hostile/tabs.esc").expect("tabs case");
    text.push_str("stage 3 \"Unreached\" {\n  final decision\n}\n");
    std::fs::write(dir.join(name), text).expect("write");
    let (human, doc) = check_path(&dir.to_string_lossy());
    assert!(
        doc["files"][0]["path"].as_str().is_some_and(|p| p.ends_with(name)),
        "JSON keeps the name exactly"
    );
    assert!(String::from_utf8_lossy(&human.stdout).contains("evil ␛]0;pwned␇.esc"));
    let out = dir.join("out").to_string_lossy().to_string();
    for args in [vec!["fmt", "--check", "."], vec!["render", ".", "-o", &out, "--format", "dot"]] {
        let output = run_in(&dir, &args, None);
        terminal_safe(&output.stdout);
        terminal_safe(&output.stderr);
        assert!(transcript(&output).contains("evil ␛]0;pwned␇."), "{args:?}: {}", transcript(&output));
    }
}

#[test]
fn endless_input_stops_at_the_size_limit() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let (_, doc) = check_path("/dev/zero");
    assert_eq!(codes(&doc), ["file-too-large"]);
    // The same from a pipe: escalate stops reading one byte past the limit.
    let output = run(&["check", "--format", "json", "-"], Some(vec![b'#'; escalate::MAX_FILE_BYTES + 4096]));
    assert_eq!(codes(&crate::json(&output)), ["file-too-large"]);
}

// ------------------------------------------------------------------ escaping

/// Every output of `tests/hostile/escaping.esc`, parsed by a real parser
/// where one exists here, and checked for text that escaped its escaping.
#[test]
fn every_output_escapes_hostile_text() {
    let file = "tests/hostile/escaping.esc";
    let title = "T1 \"quoted\" <script>alert('x')</script> & ]]> --> \\ back\\slash";

    // JSON and SARIF: the text survives, exactly.
    let json = crate::json(&run(&["check", "--format", "json", file], None));
    assert_eq!(json["files"][0]["protocol"], title);
    let reason = "R1 <img src=x onerror=alert(1)> & \"reason\"";
    assert_eq!(json["files"][0]["diagnostics"][0]["allowed"], reason);
    let sarif = crate::json(&run(&["check", "--format", "sarif", file], None));
    assert!(sarif.to_string().contains(&serde_json::to_string(reason).expect("JSON string")[1..20]));

    // GitHub annotations: one line each, the toolkit's escapes.
    let github = run(&["check", "--format", "github", file], None);
    for line in String::from_utf8_lossy(&github.stdout).lines().filter(|l| l.starts_with("::")) {
        let (properties, message) = line[2..].split_once("::").expect("`::kind props::message`");
        assert!(!message.contains('\r') && !properties.contains(['\r', '\n']));
        assert!(message.contains(reason), "{line}");
    }

    // Human: no control characters (checked in `check_path`).
    check_path(file);

    // Timelines: JSON parses to the same text; ICS parses, lines folded.
    let args = |format: &'static str| ["timeline", file, "--from", "2026-01-05", "--format", format];
    let timeline = crate::json(&run(&args("json"), None));
    assert_eq!(timeline["protocol"], title);
    let ics = String::from_utf8(run(&args("ics"), None).stdout).expect("ICS is UTF-8");
    let unfolded = icalendar::parser::unfold(&ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("the ICS parses");
    let summaries: Vec<String> = calendar
        .components
        .iter()
        .flat_map(|c| &c.properties)
        .filter(|p| p.name == "SUMMARY")
        .map(|p| p.val.to_string())
        .collect();
    assert!(summaries.iter().any(|s| s.contains("S1 <svg onload=alert(1)>")), "{summaries:?}");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75 && !line.contains('\n'), "{line:?}");
    }

    // SVG: well-formed XML, nothing that runs, the title as text.
    let svg = String::from_utf8(run(&["render", file, "--format", "svg"], None).stdout).expect("UTF-8");
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    nothing_runs(&doc);
    let texts: String = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.contains("<script>alert('x')</script>"), "the words are kept, as text");

    // DOT: Graphviz itself reads it, where it is installed.
    let dot = String::from_utf8(run(&["render", file, "--format", "dot"], None).stdout).expect("UTF-8");
    if let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || stdin.write_all(dot.as_bytes()));
        let output = child.wait_with_output().expect("dot runs");
        let _ = writer.join();
        assert!(
            output.status.success(),
            "Graphviz rejects the DOT: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let svg = String::from_utf8(output.stdout).expect("UTF-8");
        let doc = roxmltree::Document::parse_with_options(
            &svg,
            roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
        )
        .expect("Graphviz's SVG parses");
        nothing_runs(&doc);
    }

    // Mermaid: labels quoted, with no quote mark, markup or line break inside.
    let mermaid =
        String::from_utf8(run(&["render", file, "--format", "mermaid"], None).stdout).expect("UTF-8");
    for line in mermaid.lines().filter(|l| l.contains("[\"") || l.contains("|\"")) {
        assert_eq!(line.matches('"').count() % 2, 0, "{line}");
        for label in line.split('"').skip(1).step_by(2) {
            assert!(!label.replace("<br/>", "").contains(['<', '>', '&']), "markup in a label: {line}");
        }
    }

    // compare: a Markdown table whose cells hold no markup and keep their
    // columns; CSV whose fields read back as written.
    let markdown =
        String::from_utf8(run(&["compare", "--format", "markdown", file], None).stdout).expect("UTF-8");
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
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
        assert_eq!(cells, 3, "a row keeps its two columns: {line}");
    }
    let csv = String::from_utf8(run(&["compare", "--format", "csv", file], None).stdout).expect("UTF-8");
    let records = parse_csv(&csv);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].len(), records[1].len());
    assert_eq!(records[1][2], title);

    // HTML: the site's pages are well-formed XHTML; nothing in them runs.
    let site = scratch("site");
    let output = run(&["report", file, "-o", &site.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    for entry in std::fs::read_dir(&site).expect("site") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("page");
        let doc = roxmltree::Document::parse_with_options(
            &text,
            roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        nothing_runs(&doc);
    }
}

/// RFC 4180: records of fields, `"` quoting, `""` for a quote mark.
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
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "a quoted field is never closed");
    records
}

/// No script, event handler, foreign content or `javascript:` link.
fn nothing_runs(doc: &roxmltree::Document) {
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name().to_ascii_lowercase();
        assert!(
            !["script", "foreignobject", "iframe", "object", "embed"].contains(&name.as_str()),
            "<{name}>"
        );
        for attr in node.attributes() {
            assert!(!attr.name().to_ascii_lowercase().starts_with("on"), "{}={}", attr.name(), attr.value());
            assert!(
                !attr.value().trim_start().to_ascii_lowercase().starts_with("javascript:"),
                "{}",
                attr.value()
            );
        }
    }
}
