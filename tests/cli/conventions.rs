//! The conventions CI users and terminal users expect (issue 16): how folders
//! are searched, `--quiet`, `--statistics`, `--color`, GitHub's annotation
//! limit and step summary, SARIF fingerprints, the JSON schema, `fmt --diff`,
//! `timeline` dates and `-o`, `init`, completions, unclosed blocks, `compare`
//! in a narrow terminal, `--version`, and the workflow in `docs/ci.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::{escalate, json};
use escalate::diagnostic::Code;

const CLEAN: &str = include_str!("../cases/clean.esc");
const DEAD_END: &str = include_str!("../cases/dead-end.esc");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("escalate-conventions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folder");
    }
    std::fs::write(path, text).expect("write");
}

/// `escalate` in `dir` with the colour variables cleared, then `env` set.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("COLUMNS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the escalate binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

/// `text` in escalate's layout.
fn formatted(text: &str) -> String {
    let output = crate::escalate_with_stdin(&["fmt", "-"], Some(text.as_bytes()));
    assert_eq!(output.status.code(), Some(0));
    stdout(&output)
}

fn paths(output: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect()
}

// Finding files.

#[test]
fn folder_search_honours_ignore_files_hidden_folders_and_node_modules() {
    let dir = scratch("search");
    for file in [
        "b.esc",
        "a/one.esc",
        "ignored/x.esc",
        "by-ignore.esc",
        ".hidden/x.esc",
        ".git/x.esc",
        "node_modules/pkg/x.esc",
        "drafts/d.esc",
        "a/old-one.esc",
    ] {
        write(&dir.join(file), CLEAN);
    }
    write(&dir.join(".gitignore"), "ignored/\n");
    write(&dir.join(".ignore"), "by-ignore.esc\n");
    let found = run(&dir, &["check", "--format", "json", "."], &[]);
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    assert_eq!(paths(&found), ["./a/old-one.esc", "./a/one.esc", "./b.esc", "./drafts/d.esc"]);

    // `--exclude`: a name matches a file or folder anywhere; a path, from here.
    let found = run(
        &dir,
        &["check", "--format", "json", "--exclude", "drafts", "--exclude", "a/old-*.esc", "."],
        &[],
    );
    assert_eq!(paths(&found), ["./a/one.esc", "./b.esc"]);

    // `.escalate.toml`'s `exclude` (relative to its folder, wherever escalate runs) and `include`.
    write(&dir.join(".escalate.toml"), "exclude = [\"drafts\"]\n");
    let found = run(&dir.join("a"), &["check", "--format", "json", ".."], &[]);
    assert_eq!(paths(&found), ["../a/old-one.esc", "../a/one.esc", "../b.esc"]);
    write(&dir.join(".escalate.toml"), "include = [\"a/*.esc\"]\n");
    let found = run(&dir, &["check", "--format", "json", "."], &[]);
    assert_eq!(paths(&found), ["./a/old-one.esc", "./a/one.esc"]);
    write(&dir.join(".escalate.toml"), "exclude = [\"[\"]\n");
    let bad = run(&dir, &["check", "."], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("is not a glob"), "{}", stderr(&bad));
    std::fs::remove_file(dir.join(".escalate.toml")).expect("remove");

    // A file named on the command line is checked even where a search would leave it out.
    let named = run(&dir, &["check", "--format", "json", "ignored/x.esc", ".hidden/x.esc"], &[]);
    assert_eq!(paths(&named), ["ignored/x.esc", ".hidden/x.esc"]);
    // `fmt` searches alike.
    let fmt = run(&dir, &["fmt", "--check", "--exclude", "drafts", "."], &[]);
    assert!(stderr(&fmt).starts_with("checked 3 files:"), "{}", stderr(&fmt));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_named_twice_is_checked_once_and_the_order_is_stable() {
    let dir = scratch("twice");
    for k in 0..12 {
        write(&dir.join(format!("p/{k:02}.esc")), if k % 3 == 0 { DEAD_END } else { CLEAN });
    }
    let args = ["check", "--format", "json", "p/05.esc", "p", "./p/05.esc", "p/../p/07.esc"];
    let first = run(&dir, &args, &[]);
    let listed = paths(&first);
    assert_eq!(listed.len(), 12, "{listed:?}");
    assert_eq!(listed[0], "p/05.esc");
    assert!(
        !listed.contains(&"p/07.esc".to_string())
            || listed.iter().filter(|p| p.ends_with("07.esc")).count() == 1
    );
    let mut rest = listed[1..].to_vec();
    rest.sort();
    assert_eq!(rest, listed[1..], "folder results are sorted");
    // Checked in parallel, reported alike every time.
    for _ in 0..3 {
        assert_eq!(run(&dir, &args, &[]).stdout, first.stdout);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// Output.

#[test]
fn quiet_leaves_out_the_summary_and_statistics_count_per_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let full = run(root, &["check", "policies/"], &[]);
    let quiet = run(root, &["check", "--quiet", "policies/"], &[]);
    assert_eq!(quiet.status.code(), Some(1));
    let full_text = stdout(&full);
    let summary = full_text.lines().last().expect("a summary");
    assert!(summary.starts_with("checked 5 files: "), "{summary}");
    assert_eq!(stdout(&quiet), full_text.strip_suffix(&format!("{summary}\n")).expect("summary last"));

    let stats = run(root, &["check", "--statistics", "policies/"], &[]);
    assert_eq!(stats.status.code(), Some(1));
    let text = stdout(&stats);
    let doc = json(&escalate(&["check", "--format", "json", "policies/"]));
    // Places per code, as JSON lists them; findings per code add up to the totals.
    let mut expected = std::collections::BTreeMap::new();
    for d in
        doc["files"].as_array().expect("files").iter().flat_map(|f| f["diagnostics"].as_array().expect("d"))
    {
        if d["allowed"].is_null() {
            *expected.entry(d["code"].as_str().expect("code").to_string()).or_insert(0usize) += 1;
        }
    }
    let mut counted = std::collections::BTreeMap::new();
    let mut findings = 0;
    let mut last = usize::MAX;
    for line in text.lines().skip(1).take_while(|l| !l.starts_with("checked")) {
        let mut words = line.split_whitespace();
        let n: usize = words.next().expect("count").parse().expect("a number");
        let places: usize = words.next().expect("places").parse().expect("a number");
        assert!(n <= last, "most frequent first: {text}");
        assert!(places >= n, "{text}");
        last = n;
        findings += n;
        counted.insert(words.next().expect("code").to_string(), places);
    }
    assert_eq!(counted, expected, "{text}");
    let totals = &doc["summary"];
    let all = totals["errors"].as_u64().unwrap_or(0) + totals["warnings"].as_u64().unwrap_or(0);
    assert_eq!(findings as u64, all, "the statistics count the findings the totals count: {text}");
    assert!(text.ends_with(&format!("{summary}\n")), "{text}");
    let quiet_stats = run(root, &["check", "--statistics", "-q", "policies/"], &[]);
    assert!(!stdout(&quiet_stats).contains("checked"), "{}", stdout(&quiet_stats));
    let with_json = run(root, &["check", "--statistics", "--format", "json", "policies/"], &[]);
    assert_eq!(with_json.status.code(), Some(2));
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = "tests/cases/dead-end.esc";
    let coloured = |output: &Output| output.stdout.contains(&0x1b);
    // Output to a pipe: no colour unless asked for.
    assert!(!coloured(&run(root, &["check", file], &[])));
    assert!(coloured(&run(root, &["check", "--color", "always", file], &[])));
    assert!(coloured(&run(root, &["check", file], &[("FORCE_COLOR", "1")])));
    assert!(coloured(&run(root, &["check", file], &[("CLICOLOR_FORCE", "1")])));
    assert!(!coloured(&run(root, &["check", "--color", "never", file], &[("FORCE_COLOR", "1")])));
    assert!(!coloured(&run(root, &["check", file], &[("NO_COLOR", "1")])));
    assert!(!coloured(&run(root, &["check", file], &[("FORCE_COLOR", "0")])));
    // The flag is global, and colours reports on stderr too.
    let broken = "tests/cases/syntax-error-missing-quote.esc";
    let timeline = run(root, &["timeline", "--color", "always", broken, "--from", "2026-12-21"], &[]);
    assert!(timeline.stderr.contains(&0x1b), "{}", stderr(&timeline));
    let bad = run(root, &["check", "--color", "sometimes", file], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn deny_takes_warnings_or_a_check_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = "tests/cases/missing-record.esc";
    assert_eq!(run(root, &["check", file], &[]).status.code(), Some(0));
    assert_eq!(run(root, &["check", "--deny", "missing-record", file], &[]).status.code(), Some(1));
    assert_eq!(
        run(root, &["check", "--deny", "unreachable,missing-record", file], &[]).status.code(),
        Some(1)
    );
    assert_eq!(run(root, &["check", "--deny", "unreachable", file], &[]).status.code(), Some(0));
    let typo = run(root, &["check", "--deny", "missing-records", file], &[]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr(&typo).contains("did you mean `missing-record`?"), "{}", stderr(&typo));
    assert_eq!(run(root, &["check", "--deny", "syntax-error", file], &[]).status.code(), Some(2));
}

#[test]
fn github_says_what_it_cannot_show_and_lists_everything_in_the_step_summary() {
    let dir = scratch("github");
    // Twelve files with an error each: more than GitHub shows.
    for k in 0..12 {
        write(&dir.join(format!("p{k:02}.esc")), DEAD_END);
    }
    let summary = dir.join("summary.md");
    write(&summary, "earlier step\n");
    let output = run(
        &dir,
        &["check", "--format", "github", "."],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().expect("UTF-8"))],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert_eq!(text.lines().filter(|l| l.starts_with("::error ")).count(), 12);
    assert!(text.contains("GitHub shows only the first 10 errors"), "{text}");
    assert!(text.contains("12 error annotations: every finding is listed in this step's summary"), "{text}");
    let table = std::fs::read_to_string(&summary).expect("the summary");
    assert!(table.starts_with("earlier step\n### escalate check\n"), "appended: {table}");
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| p")).collect();
    assert_eq!(rows.len(), 12, "{table}");
    assert!(rows[0].starts_with("| p00.esc:") && rows[0].contains(" | error | `dead-end` | "), "{}", rows[0]);
    assert!(rows.iter().all(|r| r.matches(" | ").count() == 3), "no cell breaks the table");
    // Code stays code (`->` as written); text outside it cannot open an HTML tag.
    assert!(rows[0].contains("`unresolved -> <next stage>`"), "{}", rows[0]);

    // Without the variable: the note says how to see them all; nothing is written.
    let output = run(&dir, &["check", "--format", "github", "--quiet", "."], &[]);
    let text = stdout(&output);
    assert!(text.contains("run `escalate check` to see every finding"), "{text}");
    assert!(!text.contains("checked 12 files"), "--quiet drops the totals: {text}");
    // Ten or fewer: no note.
    let few = run(&dir, &["check", "--format", "github", "p00.esc", "p01.esc"], &[]);
    assert!(!stdout(&few).contains("GitHub shows"), "{}", stdout(&few));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sarif_fingerprints_survive_edits_elsewhere_and_the_run_records_its_exit_code() {
    let dir = scratch("sarif");
    let file = dir.join("p.esc");
    let sarif = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice(&run(dir, &["check", "--format", "sarif", "p.esc"], &[]).stdout)
            .expect("SARIF")
    };
    let prints = |doc: &serde_json::Value| -> Vec<(String, String, u64)> {
        doc["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().expect("rule").to_string(),
                    r["partialFingerprints"]["escalateFinding/v1"].as_str().expect("fingerprint").to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().expect("line"),
                )
            })
            .collect()
    };
    let two_dead_ends = DEAD_END.to_string()
        + "\nstage 3 \"Heads of service\" {\n  within 2 working days\n  resolved -> agreed\n}\n";
    write(&file, &two_dead_ends);
    let before = sarif(&dir);
    let run_info = &before["runs"][0];
    assert_eq!(run_info["invocations"][0]["exitCode"], 1);
    assert_eq!(run_info["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run_info["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let before = prints(&before);
    let distinct: std::collections::HashSet<&String> = before.iter().map(|(_, f, _)| f).collect();
    assert_eq!(distinct.len(), before.len(), "every finding has its own fingerprint: {before:?}");

    // Comment lines above move every finding down; the fingerprints stay.
    write(&file, &format!("# a note\n# another\n{two_dead_ends}"));
    let after = prints(&sarif(&dir));
    assert_eq!(after.len(), before.len());
    for ((rule, print, line), (rule2, print2, line2)) in before.iter().zip(&after) {
        assert_eq!((rule, print), (rule2, print2));
        assert_eq!(line + 2, *line2);
    }
    // A changed stage changes its finding's fingerprint.
    write(&file, &two_dead_ends.replace("stage 3 \"Heads of service\"", "stage 3 \"Directors\""));
    let changed = prints(&sarif(&dir));
    assert!(changed.iter().any(|c| !before.contains(c)), "{changed:?}");

    write(&file, "protocol \"p\"\nstage 1 \"x\" {\n");
    assert_eq!(sarif(&dir)["runs"][0]["invocations"][0]["exitCode"], 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sarif_rules_carry_the_whole_help() {
    let doc = json(&escalate(&["check", "--format", "sarif", "tests/cases/clean.esc"]));
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Code::ALL.len());
    let dead_end = rules.iter().find(|r| r["id"] == "dead-end").expect("dead-end");
    let explained = String::from_utf8(escalate(&["explain", "dead-end"]).stdout).expect("UTF-8");
    let text = dead_end["help"]["text"].as_str().expect("text");
    let markdown = dead_end["help"]["markdown"].as_str().expect("markdown");
    for part in ["How to fix", "Why it matters for a child"] {
        assert!(text.contains(part) && markdown.contains(part), "{part}: {text}");
    }
    // The fix is the one `explain` gives (same source), and points to it.
    let fix = text.split("How to fix: ").nth(1).expect("a fix").split("\n\n").next().expect("fix");
    let first_words: String = fix.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
    assert!(
        explained.split_whitespace().collect::<Vec<_>>().join(" ").contains(&first_words),
        "{first_words}"
    );
    assert!(text.ends_with("escalate explain dead-end"), "{text}");
    assert!(markdown.contains("```"), "an example: {markdown}");
}

#[test]
fn json_output_names_the_tool_and_its_schema_every_code() {
    // The document is validated against docs/check.schema.json by
    // scripts/schema-checks.sh (Python's reference validator; run by CI).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("docs/check.schema.json")).expect("schema"))
            .expect("the schema is JSON");
    let doc = json(&escalate(&[
        "check",
        "--format",
        "json",
        "policies/",
        "tests/cases/allow-silences-finding.esc",
        "tests/cases/syntax-error-missing-quote.esc",
        "tests/cases/no-stages.esc",
    ]));
    assert_eq!(doc["tool"]["name"], "escalate");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["version"], 1);
    // The schema lists exactly the codes escalate has.
    let listed: Vec<&str> = schema["$defs"]["diagnostic"]["properties"]["code"]["enum"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code"))
        .collect();
    assert_eq!(listed, Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    let root_docs = std::fs::read_to_string(root.join("docs/json.md")).expect("docs/json.md");
    assert!(root_docs.contains("check.schema.json"));
}

#[test]
fn messages_point_to_commands_not_to_repository_files() {
    let help = String::from_utf8(escalate(&["--help"]).stdout).expect("UTF-8");
    assert!(help.contains("escalate explain CODE"), "{help}");
    let commands = [
        "check",
        "fmt",
        "explain",
        "rules",
        "compare",
        "init",
        "completions",
        "timeline",
        "render",
        "report",
    ];
    for command in std::iter::once(None).chain(commands.map(Some)) {
        let args: Vec<&str> = command.into_iter().chain(["--help"]).collect();
        let help = String::from_utf8(escalate(&args).stdout).expect("UTF-8");
        assert!(!help.contains("docs/"), "{args:?}: {help}");
    }
    for code in Code::ALL {
        let explained = String::from_utf8(escalate(&["explain", code.as_str()]).stdout).expect("UTF-8");
        assert!(!explained.contains("docs/"), "{code}: {explained}");
        assert!(explained.contains("escalate explain CODE"), "{code}");
    }
    let keyword = escalate(&["check", "tests/cases/syntax-error-unknown-keyword.esc"]);
    assert!(!String::from_utf8_lossy(&keyword.stdout).contains("docs/"));
}

// Commands.

#[test]
fn fmt_diff_fails_like_check_and_applies_with_git() {
    let dir = scratch("diff");
    let tidy = formatted(CLEAN);
    write(&dir.join("p.esc"), &tidy.replace("\n  ", "\n      "));
    write(&dir.join("q.esc"), &tidy);
    let diff = run(&dir, &["fmt", "--diff", "."], &[]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    let patch = stdout(&diff);
    assert!(patch.starts_with("--- a/p.esc\n+++ b/p.esc\n@@ "), "{patch}");
    assert_eq!(stderr(&diff), "checked 2 files: 1 file would be reformatted (run `escalate fmt` to do it)\n");
    let check = run(&dir, &["fmt", "--check", "."], &[]);
    assert_eq!(check.status.code(), Some(1));

    // `git apply` takes it, and the result is what `fmt` writes.
    let patch_file = dir.join("fmt.patch");
    std::fs::write(&patch_file, &patch).expect("write");
    let applied = Command::new("git").args(["apply", "fmt.patch"]).current_dir(&dir).status();
    if let Ok(status) = applied {
        assert!(status.success(), "git apply refused:\n{patch}");
        assert_eq!(std::fs::read_to_string(dir.join("p.esc")).expect("read"), tidy);
        std::fs::remove_file(&patch_file).expect("remove");
        let clean = run(&dir, &["fmt", "--check", "."], &[]);
        assert_eq!(clean.status.code(), Some(0));
        assert_eq!(stdout(&clean), "");
        assert_eq!(stderr(&clean), "checked 2 files: all formatted\n");
        let clean_diff = run(&dir, &["fmt", "--diff", "p.esc"], &[]);
        assert_eq!((clean_diff.status.code(), stdout(&clean_diff)), (Some(0), String::new()));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timeline_takes_today_and_uk_dates_and_writes_a_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = "policies/wolverhampton.esc";
    let iso = run(root, &["timeline", file, "--from", "2026-12-21", "--format", "json"], &[]);
    let uk = run(root, &["timeline", file, "--from", "21/12/2026", "--format", "json"], &[]);
    assert_eq!(iso.status.code(), Some(0));
    assert_eq!(iso.stdout, uk.stdout);
    let today = chrono::Local::now().date_naive();
    let by_word = run(root, &["timeline", file, "--from", "today", "--format", "json"], &[]);
    let by_date = run(
        root,
        &["timeline", file, "--from", &today.format("%Y-%m-%d").to_string(), "--format", "json"],
        &[],
    );
    // (Unless midnight passed between the two runs.)
    if chrono::Local::now().date_naive() == today {
        assert_eq!(by_word.stdout, by_date.stdout);
    }
    for bad in ["12/21/2026", "31/02/2026", "2026/12/21", "tomorrow"] {
        let output = run(root, &["timeline", file, "--from", bad], &[]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(stderr(&output).contains(bad), "{bad}: {}", stderr(&output));
    }

    // `-o`: the format follows the extension; the file is replaced whole.
    let dir = scratch("timeline");
    let out = dir.join("deadlines.ics");
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let written =
        run(root, &["timeline", file, "--from", "2026-12-21", "-o", out.to_str().expect("UTF-8")], &[]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(written.stdout.is_empty());
    let ics = std::fs::read_to_string(&out).expect("written");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    // DTSTAMP is the time of the run.
    let stamp = ics.lines().find_map(|l| l.strip_prefix("DTSTAMP:")).expect("DTSTAMP").trim_end();
    let stamp = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").expect("a UTC time").and_utc();
    assert!(stamp >= before && stamp <= chrono::Utc::now() + chrono::Duration::seconds(5), "{stamp}");
    // The declared limit (10 working days from Monday 21 December 2026) has its own event.
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("SUMMARY:Declared limit: "), "{unfolded}");
    let limit_event =
        unfolded.split("BEGIN:VEVENT").find(|e| e.contains("SUMMARY:Declared limit")).expect("event");
    let limit_due =
        serde_json::from_slice::<serde_json::Value>(&iso.stdout).expect("JSON")["limit_due"].clone();
    let limit_due = limit_due.as_str().expect("a date").replace('-', "");
    assert!(
        limit_event.contains(&format!("DTSTART;VALUE=DATE:{limit_due}\r\n")),
        "{limit_due}: {limit_event}"
    );
    let json_out = dir.join("t.json");
    run(root, &["timeline", file, "--from", "2026-12-21", "-o", json_out.to_str().expect("UTF-8")], &[]);
    assert_eq!(std::fs::read(&json_out).expect("written"), iso.stdout);
    let missing =
        run(root, &["timeline", file, "--from", "2026-12-21", "-o", "/nonexistent-folder/t.ics"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_adds_the_extension_and_creates_folders_only_when_asked() {
    let dir = scratch("init");
    let plain = run(&dir, &["init", "haringey"], &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert!(dir.join("haringey.esc").is_file());
    assert!(!dir.join("haringey").exists());
    let nested = run(&dir, &["init", "boards/north/protocol.esc"], &[]);
    assert_eq!(nested.status.code(), Some(2));
    assert!(
        stderr(&nested).contains("`boards/north` does not exist") && stderr(&nested).contains("--parents"),
        "{}",
        stderr(&nested)
    );
    assert!(!dir.join("boards").exists());
    let parents = run(&dir, &["init", "--parents", "boards/north/protocol"], &[]);
    assert_eq!(parents.status.code(), Some(0), "{}", stderr(&parents));
    assert_eq!(run(&dir, &["check", "boards/north/protocol.esc"], &[]).status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_take_any_case_and_complete_codes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let power = run(root, &["completions", "PowerShell"], &[]);
    assert_eq!(power.status.code(), Some(0), "{}", stderr(&power));
    assert_eq!(power.stdout, run(root, &["completions", "powershell"], &[]).stdout);
    assert_eq!(run(root, &["completions", "BASH"], &[]).status.code(), Some(0));
    // bash offers every code after `explain`, and `warnings` and the checks after `--deny`.
    let bash = stdout(&run(root, &["completions", "bash"], &[]));
    let explain = bash.split("escalate__subcmd__explain)").nth(1).expect("explain's completions");
    let offered = explain.lines().find(|l| l.contains("opts=")).expect("opts");
    for code in Code::ALL {
        assert!(offered.contains(&format!(" {code}")), "{code}: {offered}");
    }
    let deny = bash.lines().skip_while(|l| !l.contains("--deny)")).nth(1).expect("--deny's completions");
    assert!(deny.contains("warnings dead-end ") && !deny.contains("syntax-error"), "{deny}");
    let fish = stdout(&run(root, &["completions", "fish"], &[]));
    let deny_line = fish.lines().find(|l| l.contains("-l deny"));
    assert!(deny_line.is_some_and(|l| l.contains("warnings") && l.contains("dead-end")), "{deny_line:?}");
    // A misspelt code still gets escalate's own answer, not a list of values.
    let typo = run(root, &["explain", "dead-ends"], &[]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr(&typo).contains("did you mean `dead-end`?"), "{}", stderr(&typo));
}

#[test]
fn an_unclosed_block_is_pointed_at() {
    let output = escalate(&["check", "tests/cases/syntax-error-missing-brace.esc"]);
    let text = stdout(&output);
    assert!(text.contains("this `{` on line 9 is never closed"), "{text}");
    assert!(text.contains("`}` missing before this"), "{text}");
    let at_end = crate::escalate_with_stdin(
        &["check", "-"],
        Some(b"protocol \"p\"\n# { not this one\nstage 1 \"a \\\" {\" {\n  within 2 working days\n"),
    );
    let text = stdout(&at_end);
    assert_eq!(at_end.status.code(), Some(2));
    assert!(text.contains("expected `}` before the end of the file"), "{text}");
    assert!(text.contains("this `{` on line 3 is never closed"), "{text}");
    assert!(text.contains("the file ends here"), "{text}");
}

#[test]
fn compare_fits_the_terminal() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let widest = |text: &str| text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    for columns in [60, 100, 200] {
        let output = run(root, &["compare", "policies/"], &[("COLUMNS", &columns.to_string())]);
        let text = stdout(&output);
        assert!(widest(&text) <= columns, "{columns}: {}\n{text}", widest(&text));
        assert!(text.contains("missing-immediate-risk-exit"), "codes stay whole");
        let headers = text.lines().filter(|l| l.contains("│ essex")).count();
        let side_by_side = text.lines().any(|l| l.contains("│ essex") && l.contains("│ haringey"));
        if columns == 200 {
            assert!(side_by_side && headers == 1, "{text}");
        } else {
            assert!(!side_by_side && headers == 1, "one block per protocol: {text}");
            assert_eq!(text.lines().filter(|l| l.starts_with(" protocol ")).count(), 5);
        }
    }
}

// Installing.

#[test]
fn version_names_the_bank_holiday_tables() {
    let output = escalate(&["--version"]);
    let text = stdout(&output);
    assert!(text.starts_with(&format!("escalate {}\n", env!("CARGO_PKG_VERSION"))), "{text}");
    for name in escalate::calendar::Calendar::NAMES {
        let calendar = escalate::calendar::Calendar::named(name).expect("shipped");
        let (first, last) = calendar.published_years();
        assert!(text.contains(&format!("{name} {first}-{last}")), "{text}");
    }
    // Which formats this build has: a default build says what it lacks.
    let pictures = if cfg!(feature = "png-pdf") { "PNG and PDF diagrams" } else { "no PNG and PDF diagrams" };
    assert!(text.lines().any(|l| l.starts_with("built with: ") && l.contains(pictures)), "{text}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    // Installed against the versions the lock file pins and CI tested.
    assert!(readme.contains("cargo install --locked --path ."));
    for doc in ["README.md", "docs/editors.md"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("doc");
        assert!(!text.contains("cargo install --path"), "{doc}: install with --locked");
    }
    assert!(root.join("CHANGELOG.md").is_file());
}

#[test]
fn the_ci_workflow_in_the_docs_is_yaml_and_uses_these_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("docs/ci.md")).expect("docs/ci.md");
    let blocks: Vec<&str> =
        docs.split("```yaml\n").skip(1).map(|b| b.split("```").next().expect("closed")).collect();
    assert!(blocks.len() >= 3, "the workflow and two pre-commit configurations");
    let workflow = yaml_rust2::YamlLoader::load_from_str(blocks[0]).expect("the workflow is YAML");
    let workflow = &workflow[0];
    let mut commands = Vec::new();
    for (_, job) in workflow["jobs"].as_hash().expect("jobs") {
        for step in job["steps"].as_vec().expect("steps") {
            if let Some(command) = step["run"].as_str() {
                commands.push(command.to_string());
            }
        }
    }
    for wanted in
        ["escalate check --format github .", "escalate fmt --diff .", "escalate check --format sarif ."]
    {
        assert!(commands.iter().any(|c| c.contains(wanted)), "the workflow runs `{wanted}`: {commands:?}");
    }
    // Each escalate command it runs passes in a policy repository whose protocol is clean.
    let dir = scratch("workflow");
    write(&dir.join("protocols/clean.esc"), &formatted(CLEAN));
    for command in commands.iter().filter(|c| c.starts_with("escalate ")) {
        let args: Vec<&str> =
            command.split(" > ").next().expect("command").split_whitespace().skip(1).collect();
        let output = run(&dir, &args, &[]);
        assert_eq!(output.status.code(), Some(0), "`{command}`: {}", stderr(&output));
    }
    let _ = std::fs::remove_dir_all(&dir);
    for block in &blocks[1..] {
        yaml_rust2::YamlLoader::load_from_str(block).expect("the pre-commit configuration is YAML");
    }
    for name in ["GITHUB_STEP_SUMMARY", "10 error", "--statistics", "--exclude", "FORCE_COLOR"] {
        assert!(docs.contains(name), "docs/ci.md documents {name}");
    }
}

/// The release workflow (`.github/workflows/release.yml`) is YAML that builds
/// binaries for Linux, macOS and Windows from a tag, and wheels through
/// maturin; pyproject.toml ships the binary (`bindings = "bin"`) of the crate.
#[test]
fn the_release_workflow_is_yaml_and_builds_every_platform() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(".github/workflows/release.yml")).expect("release.yml");
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).expect("release.yml is YAML");
    let workflow = &docs[0];
    let tags: Vec<&str> = workflow["on"]["push"]["tags"]
        .as_vec()
        .expect("on push tags")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(tags, ["v*"], "released from a version tag");
    let jobs = workflow["jobs"].as_hash().expect("jobs");
    let job = |name: &str| &workflow["jobs"][name];
    assert!(jobs.len() >= 3, "{jobs:?}");
    let targets: Vec<&str> = job("binaries")["strategy"]["matrix"]["include"]
        .as_vec()
        .expect("binary matrix")
        .iter()
        .filter_map(|row| row["target"].as_str())
        .collect();
    for platform in ["linux", "apple-darwin", "windows"] {
        assert!(targets.iter().any(|t| t.contains(platform)), "a {platform} binary: {targets:?}");
    }
    let runs = |name: &str| -> String {
        job(name)["steps"]
            .as_vec()
            .expect("steps")
            .iter()
            .map(|s| format!("{} {}", s["run"].as_str().unwrap_or(""), s["uses"].as_str().unwrap_or("")))
            .collect()
    };
    assert!(runs("binaries").contains("cargo build --locked --release"), "{}", runs("binaries"));
    assert!(runs("wheels").contains("PyO3/maturin-action"), "{}", runs("wheels"));
    assert!(runs("release").contains("gh release create"), "{}", runs("release"));
    for job in jobs.values() {
        assert!(job["runs-on"].as_str().is_some(), "every job says where it runs: {job:?}");
    }

    let pyproject: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("pyproject.toml")).expect("pyproject.toml"))
            .expect("pyproject.toml is TOML");
    assert_eq!(pyproject["build-system"]["build-backend"].as_str(), Some("maturin"));
    assert_eq!(
        pyproject["tool"]["maturin"]["bindings"].as_str(),
        Some("bin"),
        "the wheel carries the binary"
    );
    let name = pyproject["project"]["name"].as_str().expect("a name");
    for doc in ["README.md", ".github/workflows/release.yml", "scripts/wheel-check.sh"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("doc");
        assert!(text.contains(name), "{doc} names the package `{name}`");
    }
}

/// `cargo run` (the program's dependencies) and `cargo test` (with the
/// test-only ones) build every shared crate with the same features, so the
/// README's two set-up commands compile each crate once: a crate whose
/// features differ is built twice, with everything above it.
#[test]
fn the_run_and_the_tests_build_shared_crates_alike() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = |edges: &[&str]| -> Vec<String> {
        let output = Command::new(env!("CARGO"))
            .args(["tree", "--offline", "--locked", "--prefix", "none", "--format", "{p} [{f}]"])
            .args(edges)
            .current_dir(root)
            .output()
            .expect("cargo tree runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout)
            .expect("UTF-8")
            .lines()
            .map(|l| l.trim_end_matches(" (*)").to_string())
            .collect()
    };
    let program = tree(&["--edges", "no-dev"]);
    let tests: std::collections::HashSet<String> = tree(&[]).into_iter().collect();
    assert!(program.len() > 50, "{} lines", program.len());
    let differ: Vec<&String> = program.iter().filter(|l| !tests.contains(*l)).collect();
    assert!(differ.is_empty(), "features differ between `cargo run` and `cargo test`: {differ:#?}");
}
