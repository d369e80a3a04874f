//! Hostile input, second round (issue 12): injections the first oracle could
//! not see. Each test fails on the code before the fix it names.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{check_path, check_stdin, run, run_in, scratch, terminal_safe};
use crate::transcript;

/// No carriage return, and no line that GitHub Actions would read as a
/// workflow command (`::error ...` at the start of a line).
fn lines_are_ours(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains('\r'), "{what}: a carriage return:\n{text}");
    if let Some(line) = text.lines().find(|l| l.starts_with("::")) {
        panic!("{what}: a forged workflow command {line:?}:\n{text}");
    }
}

fn stdout(args: &[&str]) -> String {
    let output = run(args, None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    String::from_utf8(output.stdout).expect("UTF-8")
}

// ---------------------------------------- 1. a backslash before a line break

#[test]
fn a_backslash_before_a_line_break_is_only_whitespace() {
    let file = "tests/hostile/backslash-line-break.esc";
    let source = std::fs::read_to_string(file).expect("corpus file");
    let (_, doc) = check_path(file);
    assert_eq!(doc["summary"]["errors"], 0, "{doc}");
    let forged = "S ::error file=a.esc,line=1::FORGED";
    let protocol = escalate::load(&source).expect("loads");
    assert_eq!(protocol.title, "P ::error file=a.esc,line=1::FORGED");
    assert_eq!(protocol.stages[0].title, forged);
    // The same with a carriage return, a CRLF and a tab after the backslash.
    for (ending, what) in [("\r", "CR"), ("\r\n", "CRLF"), ("\t", "tab")] {
        let variant = source.replace("\\\n", &format!("\\{ending}"));
        let protocol = escalate::load(&variant).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(protocol.stages[0].title, forged, "{what}");
        let (human, _) = check_stdin(variant.as_bytes());
        lines_are_ours(&human.stdout, what);
    }
    for args in [
        vec!["timeline", file, "--from", "2026-12-21"],
        vec!["render", file, "--format", "mermaid"],
        vec!["render", file, "--format", "dot"],
        vec!["compare", file],
        vec!["compare", "--format", "markdown", file],
    ] {
        lines_are_ours(stdout(&args).as_bytes(), &args.join(" "));
    }
}

#[test]
fn fmt_diff_shows_a_lone_carriage_return() {
    let dir = scratch("lone-cr");
    let file = dir.join("a.esc");
    std::fs::write(&file, "protocol \"P\"   # a\r::error::forged\nexit mash \"M\"\n").expect("write");
    let output = run(&["fmt", "--diff", &file.to_string_lossy()], None);
    lines_are_ours(&output.stdout, "fmt --diff");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("# a\u{240d}::error::forged"),
        "{}",
        transcript(&output)
    );
}

// ------------------------------------------------ 2. Mermaid directives

#[test]
fn mermaid_never_holds_two_percent_signs() {
    let file = "tests/hostile/mermaid-directives.esc";
    let mermaid = stdout(&["render", file, "--format", "mermaid"]);
    assert!(!mermaid.contains("%%"), "{mermaid}");
    let line = |prefix: &str| {
        mermaid.lines().map(str::trim_start).find(|l| l.starts_with(prefix)).expect(prefix).to_string()
    };
    assert!(line("accTitle:").contains("#37;#37;#123;init: #123;#quot;themeCSS#quot;"), "{mermaid}");
    assert!(line("accDescr:").contains("#37;#37;#123;init"), "{mermaid}");
    // The front matter's title: YAML in double quotes, `%` as `\x25` and `"`
    // as `\x22` (issue 26); read
    // back, it is the title as written.
    let title = line("title: ");
    let inner = title.strip_prefix("title: \"").and_then(|t| t.strip_suffix('"')).expect("double quotes");
    let read = inner.replace("\\x25", "%").replace("\\x22", "\"");
    assert_eq!(
        read,
        r#"%%{init: {"themeCSS": "*{display:none} @import url(https://example.invalid/x.css);"}}%%"#
    );
}

// ---------------------------- 3. config, arguments and file names as symbols

#[test]
fn strings_from_config_arguments_and_file_names_are_shown_as_symbols() {
    let dir = scratch("config-escape");
    let toml = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/config-escape-sequence.toml");
    std::fs::copy(&toml, dir.join(".escalate.toml")).expect("copy");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/clean.esc"), dir.join("p.esc"))
        .expect("copy");
    for args in [vec!["check", "p.esc"], vec!["rules"], vec!["compare", "p.esc"]] {
        let output = run_in(&dir, &args, None);
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        terminal_safe(&output.stderr);
        lines_are_ours(&output.stderr, &args.join(" "));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("dead-end␛]52;c;"),
            "{}",
            transcript(&output)
        );
    }
    // Arguments: an unknown code, a file that is not there, a bad value.
    let escape = "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\n::error::forged";
    let missing = format!("{escape}.esc");
    for args in [vec!["explain", escape], vec!["check", &missing], vec!["check", "--format", escape]] {
        let output = run_in(&dir, &args, None);
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        terminal_safe(&output.stdout);
        terminal_safe(&output.stderr);
        lines_are_ours(&output.stderr, &args[0..1].join(" "));
    }
    // A file name with an escape and a line break, holding an error.
    std::fs::remove_file(dir.join(".escalate.toml")).expect("remove");
    std::fs::write(dir.join(&missing), "stage\n").expect("write");
    let output = run_in(&dir, &["check", "."], None);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    terminal_safe(&output.stdout);
    terminal_safe(&output.stderr);
    lines_are_ours(&output.stdout, "check with a hostile file name");
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------- 6. smaller ones

#[test]
fn csv_cells_never_start_a_formula() {
    let csv = stdout(&["compare", "--format", "csv", "tests/hostile/csv-formula.esc"]);
    let record = csv.lines().nth(1).expect("a record");
    assert!(record.contains(r#""'=HYPERLINK(""https://example.invalid"", ""click"")""#), "{csv}");
    for field in record.split(',') {
        assert!(!field.trim_start_matches('"').starts_with(['=', '+', '-', '@']), "{field}: {csv}");
    }
}

#[cfg(unix)]
#[test]
fn render_o_replaces_a_link_instead_of_writing_through_it() {
    let dir = scratch("render-link");
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, "keep me\n").expect("write");
    let out = dir.join("out.svg");
    std::os::unix::fs::symlink(&secret, &out).expect("symlink");
    let output = run(&["render", "tests/cases/clean.esc", "-o", &out.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert_eq!(std::fs::read_to_string(&secret).expect("read"), "keep me\n");
    assert!(std::fs::symlink_metadata(&out).expect("meta").is_file(), "the link is replaced by the file");
    assert!(std::fs::read_to_string(&out).expect("read").contains("<svg"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn fmt_keeps_the_mode_and_sweeps_what_killed_runs_left() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("fmt-leftovers");
    let file = dir.join("a.esc");
    std::fs::write(&file, "protocol   \"P\"\nexit mash \"M\"\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    // A process id above the system's largest is never running.
    let max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(4_194_304);
    let leftover = dir.join(format!(".a.esc.{}.0.tmp", max + 1));
    std::fs::write(&leftover, "half a file").expect("write");
    let other = dir.join(".notes.12.0.tmp");
    std::fs::write(&other, "not ours").expect("write");
    let output = run(&["fmt", &file.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(!leftover.exists(), "the leftover of a killed run is removed");
    assert!(other.exists(), "a file escalate did not write is left alone");
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_writes_the_index_last() {
    let dir = scratch("report-index");
    let site = dir.join("site");
    // A page that cannot be written: a folder holding something has its name.
    std::fs::create_dir_all(site.join("clean.html").join("x")).expect("folder");
    let output = run(&["report", "tests/cases/clean.esc", "-o", &site.to_string_lossy()], None);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(!site.join("index.html").exists(), "an index that links to a page never written");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn file_too_large_gives_the_file_size() {
    let dir = scratch("too-large");
    let file = dir.join("big.esc");
    let size = escalate::MAX_FILE_BYTES as u64 + 5_000_000;
    std::fs::File::create(&file).and_then(|f| f.set_len(size)).expect("a sparse file");
    let (_, doc) = check_path(&file.to_string_lossy());
    let message = doc["files"][0]["diagnostics"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains(&format!("this file is {size} bytes")), "{message}");
    let (_, doc) = check_stdin(&vec![b' '; escalate::MAX_FILE_BYTES + 10]);
    let message = doc["files"][0]["diagnostics"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("more than the 67108864 bytes"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------- 7. trusted tools

#[test]
fn a_panic_is_an_internal_error_with_exit_code_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(["check", "tests/cases/clean.esc"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ESCALATE_DEBUG_PANIC", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: internal error: escalate stopped unexpectedly\n"), "{stderr}");
    assert!(stderr.contains("this is a bug in escalate, not a problem with your file"), "{stderr}");
    assert!(stderr.contains("please report it"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "no Rust backtrace note: {stderr}");
    terminal_safe(&output.stderr);
}

/// Start `escalate ARGS` reading a standard input held open (so it waits),
/// send it SIGTERM, and return how it ended.
#[cfg(unix)]
fn terminated(args: &[&str], dir: &Path) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    // Held until the end: `wait` would close it, and escalate would end on EOF.
    let stdin = child.stdin.take();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = child.wait().expect("ends");
    drop(stdin);
    status
}

#[cfg(unix)]
#[test]
fn a_terminated_run_that_writes_files_exits_as_interrupted() {
    // `render - -o FILE` writes a file: its handler removes the temporary
    // files being written, then exits with 130.
    let dir = scratch("terminated-render");
    let status = terminated(&["render", "-", "-o", "out.svg"], &dir);
    assert_eq!(status.code(), Some(130), "the handler removes temporary files, then exits with 130");
    let left: Vec<_> = std::fs::read_dir(&dir).expect("lists").collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}

#[cfg(unix)]
#[test]
fn a_terminated_run_that_writes_nothing_has_no_handler() {
    // `check -` writes no file, so it starts no handler thread (0.6 ms of the
    // 7 ms of checking one policy): SIGTERM ends it as it ends any program.
    use std::os::unix::process::ExitStatusExt;
    let dir = scratch("terminated-check");
    let status = terminated(&["check", "-"], &dir);
    assert_eq!(status.signal(), Some(15), "ended by SIGTERM itself: {status:?}");
}
