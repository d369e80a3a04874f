//! `escalate fmt`.

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
        Err(message) => {
            error(&message);
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
            // Rewritten in place, only a regular file: a FIFO or a device
            // named here is refused before it is read (a FIFO would wait for
            // a writer), and never replaced.
            if !stdin && !check && !diff {
                match std::fs::metadata(&file) {
                    Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                        error(&format!(
                            "cannot format `{name}` in place: it is {}, not a regular file; \
                             use `escalate fmt - < FILE` to format what it holds",
                            escalate::fsutil::kind(&meta)
                        ));
                        failed += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            let read = if stdin {
                escalate::read_bounded_from(std::io::stdin().lock(), None)
            } else {
                escalate::read_bounded(&file)
            };
            let source = match read {
                Ok(escalate::Bounded::TooLarge(size)) => Err(escalate::too_large(&name, size)),
                // Not UTF-8: `check_bytes` says where, in words.
                Ok(escalate::Bounded::Bytes(bytes)) => {
                    String::from_utf8(bytes).map_err(|e| escalate::check_bytes(&name, e.into_bytes()))
                }
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
                let shown = escalate::render::human::visible_line(&name);
                let label = shown.trim_start_matches("./").trim_start_matches('/');
                output.push_str(&escalate::format::diff::unified(
                    &source,
                    &formatted,
                    &format!("a/{label}"),
                    &format!("b/{label}"),
                ));
            } else if check {
                output.push_str(&format!("{}\n", escalate::render::human::visible_line(&name)));
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
