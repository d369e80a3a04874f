//! Hostile input, third round (issue 26): long lines, device files and links,
//! folder walks, names in output, git options, the language server's framing
//! and sizes checked before reading. Each test fails on the code before the
//! fix it names.

use std::path::Path;
use std::process::Command;

use super::{check_stdin, codes, run, run_in, scratch, terminal_safe};
use crate::transcript;

/// No report is an internal error (a panic).
fn no_panic(output: &std::process::Output, what: &str) {
    let text = transcript(output);
    assert!(!text.contains("internal error"), "{what}: a panic:\n{}", &text[..text.len().min(4000)]);
}

// ------------------------------------------------- 1. lines past column 65,535

/// A valid protocol on one line of about `len` bytes, whose last stage has a
/// timescale in words (`unbounded-timescale`) past column 65,535.
fn one_line_protocol(len: usize) -> String {
    let mut line = String::from(
        "protocol \"One line\" outcome agreed \"Agreed\" exit mash \"MASH\" within same working day \
         at any stage: immediate risk -> mash at any stage: record \"R\" ",
    );
    let mut i = 1;
    while line.len() < len {
        line.push_str(&format!(
            "stage {i} \"Stage {i}\" {{ within 1 working day resolved -> agreed unresolved -> stage {} }} ",
            i + 1
        ));
        i += 1;
    }
    line.push_str(&format!(
        "stage {i} \"Last\" {{ within \"a reasonable time\" resolved -> agreed final decision }}"
    ));
    line
}

#[test]
fn a_finding_past_column_65535_is_shown_as_an_excerpt() {
    let line = one_line_protocol(70_000);
    let (human, doc) = check_stdin(line.as_bytes());
    assert_eq!(codes(&doc), ["unbounded-timescale", "unbounded-timescale"], "{doc}");
    no_panic(&human, "check");
    let out = String::from_utf8_lossy(&human.stdout);
    assert!(out.contains("only the part around column"), "{}", &out[..out.len().min(4000)]);
    // The excerpt holds the place and the text around it, cut with `…`.
    assert!(out.contains("│ …"), "{out}");
    assert!(out.contains("\"Last\" { within \"a reasonable time\" resolved"), "{out}");
    assert!(out.len() < 5_000, "an excerpt, not the line: {} bytes", out.len());
    // The header's column is the file's.
    let column = line.find("within \"a reasonable").expect("there") + 1;
    assert!(out.contains(&format!("<stdin>:1:{column}")), "{out}");
}

#[test]
fn an_excerpt_of_a_crlf_line_holds_no_carriage_return() {
    // Found by the `long_lines` fuzz target: the excerpt ran to the line's
    // end, CR included, and the CR reached the terminal.
    let line = format!("{}\r\n# end\r\n", one_line_protocol(70_000));
    let (human, _) = check_stdin(line.as_bytes());
    no_panic(&human, "check");
    assert!(String::from_utf8_lossy(&human.stdout).contains("only the part around column"));
    terminal_safe(&human.stdout);
}

#[test]
fn a_syntax_error_past_column_65535_is_shown_as_an_excerpt() {
    let mut line = one_line_protocol(70_000);
    line.push_str(" stage }} oops");
    let (human, doc) = check_stdin(line.as_bytes());
    assert_eq!(codes(&doc), ["syntax-error"], "{doc}");
    no_panic(&human, "check");
    assert!(String::from_utf8_lossy(&human.stdout).contains("only the part around column"));
}

#[test]
fn one_long_line_does_not_wipe_out_a_folder() {
    let dir = scratch("long-line-folder");
    std::fs::write(dir.join("a.esc"), one_line_protocol(70_000)).expect("write");
    let mut broken = one_line_protocol(70_000);
    broken.push_str(" stage }} oops");
    std::fs::write(dir.join("b.esc"), broken).expect("write");
    std::fs::write(dir.join("c.esc"), std::fs::read("tests/cases/clean.esc").expect("clean")).expect("write");
    let check = run_in(&dir, &["check", "."], None);
    no_panic(&check, "check .");
    let text = transcript(&check);
    assert!(text.contains("./a.esc:1:") && text.contains("./b.esc:1:"), "{}", &text[..text.len().min(4000)]);
    assert!(text.contains("checked 3 files"), "{}", &text[..text.len().min(4000)]);
    let fmt = run_in(&dir, &["fmt", "--diff", "."], None);
    no_panic(&fmt, "fmt --diff .");
    assert_eq!(fmt.status.code(), Some(2), "b.esc does not parse");
    assert!(String::from_utf8_lossy(&fmt.stdout).contains("a.esc"), "a.esc's diff is still shown");
}

#[test]
fn a_timeline_with_a_huge_table_cell() {
    let dir = scratch("long-cell");
    let file = dir.join("a.esc");
    let words = "w".repeat(70_000);
    let text = std::fs::read_to_string("tests/cases/unbounded-timescale-quoted-words.esc")
        .expect("case")
        .replace("a reasonable time", &words);
    std::fs::write(&file, text).expect("write");
    let output = run(&["timeline", &file.to_string_lossy(), "--from", "2026-12-21"], None);
    no_panic(&output, "timeline");
    assert_eq!(output.status.code(), Some(0), "{}", &transcript(&output)[..2000]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains(&words));
    // The cell overflows its own row; the others are not padded to its width.
    let longest_other = out.lines().filter(|l| !l.contains(&words)).map(str::len).max().unwrap_or(0);
    assert!(longest_other < 600, "a row padded to the long cell: {longest_other} bytes");
}

// ------------------------------------------- 2. `-o`: devices, FIFOs and links

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// A FIFO at `path`, and a thread that reads what is written to it once.
fn fifo_with_reader(path: &Path) -> Option<std::thread::JoinHandle<Vec<u8>>> {
    Command::new("mkfifo").arg(path).status().ok().filter(|s| s.success())?;
    let path = path.to_path_buf();
    // Blocks until a writer opens it; a run that never does leaves the
    // thread waiting, which ends with the test binary.
    Some(std::thread::spawn(move || std::fs::read(path).unwrap_or_default()))
}

#[test]
fn output_to_a_fifo_is_written_in_place_and_never_replaced() {
    let dir = scratch("out-fifo");
    let clean = "tests/cases/clean.esc";
    let fifo = dir.join("out.svg");
    let Some(reader) = fifo_with_reader(&fifo) else { return };
    let output = run(&["render", clean, "-o", &fifo.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(is_fifo(&fifo), "the FIFO was replaced by a file");
    assert!(String::from_utf8_lossy(&reader.join().expect("read")).contains("<svg"));
    // Through a link, as `-o /dev/stdout` is: the stream is written, the link stays.
    let fifo = dir.join("pipe");
    let Some(reader) = fifo_with_reader(&fifo) else { return };
    let link = dir.join("stdout.txt");
    std::os::unix::fs::symlink(&fifo, &link).expect("symlink");
    let output = run(&["timeline", clean, "--from", "2026-12-21", "-o", &link.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert!(is_fifo(&fifo));
    assert!(String::from_utf8_lossy(&reader.join().expect("read")).contains("Stage"));
}

#[test]
fn output_to_a_character_device_is_written_in_place() {
    // A null device of our own (root may make one): never /dev/null itself.
    let dir = scratch("out-device");
    let device = dir.join("null.svg");
    let made = Command::new("mknod").arg(&device).args(["c", "1", "3"]).status().is_ok_and(|s| s.success());
    if !made {
        return;
    }
    let output = run(&["render", "tests/cases/clean.esc", "-o", &device.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::symlink_metadata(&device).expect("still there");
    assert!(meta.file_type().is_char_device(), "the device node was replaced by a file");
}

#[test]
fn timeline_output_never_writes_through_a_link() {
    let dir = scratch("timeline-link");
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, "keep\n").expect("write");
    let link = dir.join("out.txt");
    std::os::unix::fs::symlink(&secret, &link).expect("symlink");
    let dangling = dir.join("dangling.txt");
    let elsewhere = dir.join("created-elsewhere.txt");
    std::os::unix::fs::symlink(&elsewhere, &dangling).expect("symlink");
    for out in [&link, &dangling] {
        let args =
            ["timeline", "tests/cases/clean.esc", "--from", "2026-12-21", "-o", &out.to_string_lossy()];
        let output = run(&args, None);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        assert!(std::fs::symlink_metadata(out).expect("meta").is_file(), "the link itself is replaced");
    }
    assert_eq!(std::fs::read_to_string(&secret).expect("read"), "keep\n");
    assert!(!elsewhere.exists(), "a dangling link's target was created");
}

#[test]
fn fmt_never_replaces_a_fifo_named_on_the_command_line() {
    let dir = scratch("fmt-fifo");
    let fifo = dir.join("a.esc");
    if !Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        return;
    }
    let output = run(&["fmt", &fifo.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(transcript(&output).contains("a FIFO, not a regular file"), "{}", transcript(&output));
    assert!(is_fifo(&fifo));
}

#[test]
fn render_into_a_folder_never_writes_through_a_linked_sub_folder() {
    let dir = scratch("render-outdir-link");
    let input = dir.join("in");
    std::fs::create_dir_all(input.join("sub")).expect("mkdir");
    std::fs::copy("tests/cases/clean.esc", input.join("sub/a.esc")).expect("copy");
    let out = dir.join("out");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, out.join("sub")).expect("symlink");
    let output = run_in(&dir, &["render", "in", "-o", "out"], None);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(transcript(&output).contains("is a link"), "{}", transcript(&output));
    assert_eq!(std::fs::read_dir(&elsewhere).expect("read").count(), 0, "written outside OUTDIR");
}

// ------------------------------------------------- 3. folder walks stay inside

#[test]
fn folder_walks_do_not_follow_links_out_of_the_folder() {
    let dir = scratch("walk-links");
    std::fs::copy("tests/cases/clean.esc", dir.join("a.esc")).expect("copy");
    std::os::unix::fs::symlink("/proc/self/environ", dir.join("env.esc")).expect("symlink");
    std::os::unix::fs::symlink("/", dir.join("root")).expect("symlink");
    let outside = scratch("walk-links-outside");
    std::fs::write(outside.join("b.esc"), "protocol \"Outside\"\n").expect("write");
    std::os::unix::fs::symlink(&outside, dir.join("linked")).expect("symlink");
    for args in
        [vec!["check", "--format", "json", "."], vec!["fmt", "--diff", "."], vec!["fmt", "--check", "."]]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
            .args(&args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("ESCALATE_SECRET_MARKER", "s3cr3t-value")
            .output()
            .expect("runs");
        let text = transcript(&output);
        assert!(!text.contains("s3cr3t-value"), "{args:?} printed the environment:\n{text}");
        assert!(!text.contains("b.esc") && !text.contains("env.esc"), "{args:?} left the folder:\n{text}");
    }
    let output = run_in(&dir, &["check", "--format", "json", "."], None);
    let doc = crate::json(&output);
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(1), "{doc}");
    // Named on the command line, a link is followed.
    let output = run_in(&dir, &["check", "--format", "json", "linked"], None);
    assert_eq!(codes(&crate::json(&output)), ["no-stages"], "{}", transcript(&output));
}

#[test]
fn help_says_how_to_include_a_linked_file() {
    for command in ["check", "fmt", "render", "compare", "report", "test"] {
        let output = run(&[command, "--help"], None);
        let text = String::from_utf8_lossy(&output.stdout).replace('\n', " ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("not followed"), "{command} --help:\n{text}");
    }
}

// ------------------------------------- 4. names and arguments in the output

/// Nothing a name or argument holds reaches the output raw: no control
/// character but the line breaks escalate writes, and no line that GitHub
/// Actions would read as a workflow command.
fn safe_for_a_log(output: &std::process::Output, what: &str) {
    for bytes in [&output.stdout, &output.stderr] {
        terminal_safe(bytes);
        let text = String::from_utf8_lossy(bytes);
        // `check --format github` writes workflow commands of its own: the
        // forged one is the name's.
        if let Some(line) = text.lines().find(|l| l.trim_start().starts_with("::error file=a.esc,line=1::")) {
            panic!("{what}: a forged workflow command {line:?}:\n{}", transcript(output));
        }
    }
}

const FORGED: &str = "x\n::error file=a.esc,line=1::FORGED\u{1b}[31m\n";

#[test]
fn file_names_never_forge_a_workflow_command() {
    let dir = scratch("forged-names");
    let name = format!("{FORGED}.esc");
    // Not laid out as `fmt` lays it out, so that it is listed and diffed.
    let text = std::fs::read_to_string("policies/hull.esc").expect("policy").replace("\n", "\n\n\n");
    std::fs::write(dir.join(&name), &text).expect("write");
    std::fs::copy("policies/hull.scenarios", dir.join(format!("{FORGED}.scenarios"))).expect("copy");
    std::fs::copy("policies/essex.esc", dir.join("essex.esc")).expect("copy");
    for args in [
        vec!["fmt", "--diff", "."],
        vec!["fmt", "--check", "."],
        vec!["test", "."],
        vec!["compare", ".", "essex.esc"],
        vec!["compare", "--format", "markdown", "."],
        vec!["diff", &name, "essex.esc"],
        vec!["diff", "--format", "markdown", &name, "essex.esc"],
        vec!["check", "--format", "github", "."],
    ] {
        let output = run_in(&dir, &args, None);
        safe_for_a_log(&output, &format!("{args:?}"));
        assert!(transcript(&output).contains("x␊"), "{args:?}: the name is shown:\n{}", transcript(&output));
    }
}

#[test]
fn arguments_and_globs_never_forge_a_workflow_command() {
    let dir = scratch("forged-args");
    std::fs::copy("tests/cases/clean.esc", dir.join("a.esc")).expect("copy");
    let out = format!("{FORGED}/out.txt");
    let missing = format!("{FORGED}:a.esc");
    for args in [
        vec!["timeline", "a.esc", "--from", "2026-12-21", "-o", &out],
        vec!["diff", &missing, "a.esc"],
        vec!["check", "--exclude", "a[\n::error::x", "."],
    ] {
        let output = run_in(&dir, &args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", transcript(&output));
        safe_for_a_log(&output, &format!("{args:?}"));
    }
    std::fs::write(dir.join(".escalate.toml"), "exclude = [\"a[\\n::error::x\"]\n").expect("write");
    for args in [vec!["check", "."], vec!["fmt", "--diff", "."]] {
        let output = run_in(&dir, &args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", transcript(&output));
        safe_for_a_log(&output, &format!("{args:?}"));
        assert!(transcript(&output).contains("is not a glob"), "{}", transcript(&output));
    }
}

// --------------------------------------------------- 5. git option injection

#[test]
fn a_diff_revision_is_never_a_git_option() {
    let dir = scratch("git-options");
    std::fs::copy("tests/cases/clean.esc", dir.join("a.esc")).expect("copy");
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(&dir).output();
    if !git(&["init", "-q"]).is_ok_and(|o| o.status.success()) {
        return;
    }
    let _ = git(&["-c", "user.name=t", "-c", "user.email=t@t", "add", "a.esc"]);
    let _ = git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a"]);
    let written = dir.join("written");
    let injected = format!("--output={}:a.esc", written.display());
    let output = run_in(&dir, &["diff", "--", &injected, "a.esc"], None);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(!written.exists(), "git show wrote a file named by the revision");
    assert!(transcript(&output).contains("cannot start with `-`"), "{}", transcript(&output));
    // A real revision still reads.
    let output = run_in(&dir, &["diff", "HEAD:a.esc", "a.esc"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
}

// ------------------------------------------- 6. the language server's framing

/// The messages in what the server wrote (a loose reader: enough for a test).
fn lsp_messages(stdout: &[u8]) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(stdout);
    text.split("Content-Length: ")
        .filter_map(|part| part.split_once("\r\n\r\n").map(|(_, body)| body))
        .filter_map(|body| serde_json::from_str(body).ok())
        .collect()
}

#[test]
fn the_language_server_survives_bad_headers() {
    let body = |v: serde_json::Value| {
        let text = v.to_string();
        format!("Content-Length: {}\r\n\r\n{text}", text.len())
    };
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"capabilities": {}, "processId": null, "rootUri": null}});
    let mut input = String::new();
    input.push_str("Content-Length: 1e15\r\n\r\n{\"lost\":1}");
    input.push_str("Content-Length: -1\r\n\r\n{}");
    input.push_str("not a header\r\n\r\n");
    input.push_str(&body(serde_json::json!({"not": "json-rpc"})));
    input.push_str(&body(init));
    // Promises 2^64-1 bytes, then the input ends: no allocation, no abort.
    input.push_str("Content-Length: 18446744073709551615\r\n\r\n{}");
    let output = run(&["lsp"], Some(input.into_bytes()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code().is_some(), "killed by a signal: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("internal error"), "{stderr}");
    let messages = lsp_messages(&output.stdout);
    assert!(
        messages.iter().any(|m| m["id"] == 1 && m["result"]["capabilities"].is_object()),
        "no answer to `initialize` after the bad headers: {messages:?}\n{stderr}"
    );
    let logged = messages.iter().filter(|m| m["method"] == "window/logMessage").count();
    assert!(logged >= 3, "each bad message is reported: {messages:?}");
}

// ------------------------------------------ 7. the size limit, before reading

/// `escalate` with its address space capped at `megabytes`: reading a huge
/// input whole would fail (an abort), reading none of it does not.
fn run_capped(dir: &Path, megabytes: u64, args: &str) -> std::process::Output {
    let script = format!("ulimit -v {}; exec \"$0\" {args}", megabytes * 1024);
    Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_escalate")])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("sh runs")
}

#[test]
fn a_sparse_huge_scenarios_file_is_refused_before_it_is_read() {
    let dir = scratch("sparse-scenarios");
    std::fs::copy("policies/hull.esc", dir.join("hull.esc")).expect("copy");
    let big = std::fs::File::create(dir.join("hull.scenarios")).expect("create");
    if big.set_len(3 << 30).is_err() {
        return;
    }
    let output = run_capped(&dir, 1024, "test hull.esc");
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let text = transcript(&output);
    assert!(text.contains("file-too-large") && text.contains("3221225472 bytes"), "{text}");
    // A protocol file too, and `fmt`.
    let big = std::fs::File::create(dir.join("big.esc")).expect("create");
    big.set_len(3 << 30).expect("sparse");
    for args in ["check big.esc", "fmt --check big.esc"] {
        let output = run_capped(&dir, 1024, args);
        assert_eq!(output.status.code(), Some(2), "{args}: {}", transcript(&output));
        assert!(transcript(&output).contains("3221225472 bytes"), "{args}: {}", transcript(&output));
    }
}

#[test]
fn a_git_blob_over_the_limit_is_refused() {
    let dir = scratch("git-blob");
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(&dir).output();
    if !git(&["init", "-q"]).is_ok_and(|o| o.status.success()) {
        return;
    }
    std::fs::write(dir.join("big.esc"), vec![b'#'; escalate::MAX_FILE_BYTES + 10]).expect("write");
    std::fs::copy("tests/cases/clean.esc", dir.join("a.esc")).expect("copy");
    let _ = git(&["add", "big.esc"]);
    let _ = git(&["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "big"]);
    let output = run_in(&dir, &["diff", "HEAD:big.esc", "a.esc"], None);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let size = escalate::MAX_FILE_BYTES + 10;
    assert!(transcript(&output).contains(&format!("{size} bytes")), "{}", transcript(&output));
}

// ------------------------------------------------------------------- growth

#[test]
fn test_json_grows_with_the_scenarios_not_their_square() {
    // Each scenario's line was found by indexing the whole scenarios file
    // again (`FileResult::line`): S scenarios x the file's size.
    let dir = scratch("scenario-growth");
    std::fs::copy("policies/hull.esc", dir.join("hull.esc")).expect("copy");
    let time = |n: usize| {
        let scenarios: String = (0..n)
            .map(|i| format!("scenario \"S{i}\" {{\n  at stage 1: resolved\n  expect ends at resolved\n}}\n"))
            .collect();
        std::fs::write(dir.join("hull.scenarios"), scenarios).expect("write");
        (0..2)
            .map(|_| {
                let start = std::time::Instant::now();
                let output = run_in(&dir, &["test", "--format", "json", "hull.esc"], None);
                assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let ratio = time(27_000) / time(3_000).max(1e-6);
    // Linear is about 9; the square 81.
    assert!(ratio < 25.0, "9x the scenarios took {ratio:.1}x the time");
}

/// The time `escalate test` takes (in process, fastest of three) to run
/// `scenarios(n)` against a protocol of `n` stages.
fn scenario_time(n: usize, scenarios: impl Fn(usize) -> String) -> f64 {
    let p = escalate::load(&super::synth(n)).expect("the synthetic protocol loads");
    let text = scenarios(n);
    let parsed = escalate::syntax::parse_scenarios(&text).expect("the scenarios parse");
    (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            let outcomes = escalate::scenario::run(&p, &text, &parsed).expect("the scenarios are valid");
            assert_eq!(outcomes.len(), n);
            assert!(outcomes.iter().all(|o| o.passed()), "{:?}", outcomes.iter().find(|o| !o.passed()));
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Growth over three sizes, each 3x the last: linear gives about 3 per
/// step, the square 9.
fn assert_linear(shape: &str, scenarios: impl Fn(usize) -> String) {
    let sizes = [1_000, 3_000, 9_000];
    let times: Vec<f64> = sizes.iter().map(|&n| scenario_time(n, &scenarios)).collect();
    let ratio = times[2] / times[0].max(1e-6);
    eprintln!("{shape}: {sizes:?} scenarios x stages took {times:?} s ({ratio:.1}x)");
    // 9x the input: linear is about 9, the square 81.
    assert!(ratio < 30.0, "{shape}: {sizes:?} scenarios x stages took {times:?} s ({ratio:.1}x)");
}

#[test]
fn test_costs_what_each_scenario_says_not_the_protocols_stages() {
    // Every scenario made per-stage tables and its own `Timing` of the whole
    // protocol: S scenarios x N stages, although each stops at stage 1.
    assert_linear("short walks", |n| {
        (1..=n)
            .map(|i| {
                // Stage 1 resolves; the scenario also names a stage it never reaches.
                let other = if i == 1 { n } else { i };
                format!(
                    "scenario \"S{i}\" {{\n  at stage 1: resolved\n  at stage {other}: unresolved\n  \
                     expect ends at agreed within 2 working days\n}}\n"
                )
            })
            .collect()
    });
}

#[test]
fn scenarios_that_walk_the_same_way_share_one_walk() {
    // S scenarios that all escalate to the top walked N stages each.
    assert_linear("one long walk", |n| {
        (1..=n)
            .map(|i| {
                format!(
                    "scenario \"S{i}\" {{\n  starts 2026-12-21\n  at any stage: unresolved\n  \
                     expect ends at stage {n}\n  expect reaches stage {n} by 2099-01-01\n}}\n"
                )
            })
            .collect()
    });
}
