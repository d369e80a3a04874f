//! `escalate fmt`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use super::*;
use escalate::Report;
use escalate::render;

/// `escalate fmt`: format files in place (atomically), or with `--check` /
/// `--diff` only say what would change. Standard input goes to standard
/// output.
pub(crate) fn fmt(paths: Vec<PathBuf>, check: bool, diff: bool, exclude: &[String]) -> ExitCode {
    let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths };
    let handler = stderr_handler();
    // Problems go to stderr as `check` shows them; the file is not touched.
    let show = |report: &Report| eprint!("{}", render::human::render(report, &handler));
    // Files found, files formatted (or found already formatted), files
    // changed (or that would change), and files or folders that failed.
    let (mut seen, mut done, mut changed, mut failed) = (0, 0, 0, 0);
    let mut output = String::new();
    let sources = match find(&paths, exclude) {
        Ok(sources) => sources,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for source in sources {
        let (stdin, file) = match source {
            Source::Stdin => (true, PathBuf::from("-")),
            Source::File(file) => (false, file),
            Source::Unreadable(report) => {
                seen += 1;
                failed += 1;
                show(&report);
                continue;
            }
        };
        {
            seen += 1;
            let name = if stdin { "<stdin>".to_string() } else { file.display().to_string() };
            let limit = escalate::MAX_FILE_BYTES as u64 + 1;
            let mut bytes = Vec::new();
            let read = if stdin {
                std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
            } else {
                std::fs::File::open(&file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
            };
            let source = match read {
                // Reading stopped one byte past the limit: say the file's own size.
                Ok(_) if bytes.len() > escalate::MAX_FILE_BYTES => {
                    let size = std::fs::metadata(&file).ok().filter(|m| m.is_file() && !stdin);
                    Err(escalate::too_large(&name, size.map(|m| m.len())))
                }
                // Not UTF-8: `check_bytes` says where, in words.
                Ok(_) => String::from_utf8(bytes).map_err(|e| escalate::check_bytes(&name, e.into_bytes())),
                Err(e) => Err(read_error(&name, &e)),
            };
            let source = match source {
                Ok(source) => source,
                Err(report) => {
                    show(&report);
                    failed += 1;
                    continue;
                }
            };
            let formatted = match escalate::format::format(&source) {
                Ok(formatted) => formatted,
                Err(findings) => {
                    show(&Report { path: name, source, protocol: None, analysis: None, findings });
                    failed += 1;
                    continue;
                }
            };
            if stdin && !check && !diff {
                output.push_str(&formatted);
                done += 1;
                continue;
            }
            if formatted == source {
                done += 1;
                continue;
            }
            if diff {
                // `a/` and `b/`, as git writes them, so that `git apply` takes the diff.
                let shown = escalate::render::human::visible(&name);
                let label = shown.trim_start_matches("./").trim_start_matches('/');
                output.push_str(&escalate::format::diff::unified(
                    &source,
                    &formatted,
                    &format!("a/{label}"),
                    &format!("b/{label}"),
                ));
            } else if check {
                output.push_str(&format!("{}\n", escalate::render::human::visible(&name)));
            } else if let Err(e) = escalate::fsutil::write_atomic(&file, formatted.as_bytes()) {
                error(&format!("cannot write `{name}`: {e}; it is left as it was"));
                failed += 1;
                continue;
            }
            changed += 1;
            done += 1;
        }
    }
    print(&output);
    if seen == 0 {
        eprintln!("error: no `.esc` files found in {}", show_paths(&paths));
        return ExitCode::from(2);
    }
    let files = |n: usize| if n == 1 { "1 file".to_string() } else { format!("{n} files") };
    if !check && !diff && paths.iter().all(|p| p.as_os_str() != "-") {
        eprintln!("formatted {}: {changed} changed", files(done));
    } else if (check || diff) && failed == 0 {
        if changed == 0 {
            eprintln!("checked {}: all formatted", files(done));
        } else {
            eprintln!(
                "checked {}: {} would be reformatted (run `escalate fmt` to do it)",
                files(done),
                files(changed)
            );
        }
    }
    if failed > 0 {
        let (verb, left) = if failed == 1 { ("was", "it was") } else { ("were", "they were") };
        eprintln!("error: {} could not be formatted, and so {verb} left as {left}", files(failed));
        ExitCode::from(2)
    } else if (check || diff) && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
