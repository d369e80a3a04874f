//! `escalate render`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::{DiagramFormat, Engine};
use escalate::render;

/// `escalate render`: one diagram to stdout or `-o FILE`, or one per policy
/// of a directory into `-o OUTDIR`. Nothing is written if any file has
/// input errors; their diagnostics go to stderr, as `check` shows them.
pub(crate) fn render_command(
    path: &Path,
    format: Option<DiagramFormat>,
    output: Option<&Path>,
    no_findings: bool,
    engine: Engine,
) -> ExitCode {
    let fail = |message: String| {
        error(&message);
        ExitCode::from(2)
    };
    let dir = path.is_dir();
    let format = match (format, output.filter(|_| !dir)) {
        (Some(f), Some(out)) => match DiagramFormat::from_extension(out) {
            Some(named) if named != f => {
                return fail(format!(
                    "`-o {}` names a .{} file but `--format` asks for {}",
                    shown(out),
                    named.extension(),
                    f.extension()
                ));
            }
            _ => f,
        },
        (Some(f), None) => f,
        (None, Some(out)) => match DiagramFormat::from_extension(out) {
            Some(f) => f,
            None => {
                return fail(format!(
                    "cannot tell the format from `{}`: name it .svg, .dot or .mmd, or give `--format`",
                    shown(out)
                ));
            }
        },
        (None, None) => DiagramFormat::Svg,
    };
    if engine == Engine::Graphviz && format != DiagramFormat::Svg {
        return fail("`--engine graphviz` draws SVG: use it with `--format svg`".to_string());
    }
    if dir && output.is_none() {
        return fail(format!(
            "`{}` is a directory: give `-o OUTDIR` to write one diagram per policy",
            shown(path)
        ));
    }

    let mut reports = Vec::new();
    collect(path, &mut reports);
    if reports.is_empty() {
        return fail(format!("no `.esc` files found in `{}`", shown(path)));
    }
    if !show_broken(&reports).is_empty() {
        eprintln!("error: nothing drawn: fix the input errors above first");
        return ExitCode::from(2);
    }

    for report in &reports {
        let Some((protocol, analysis)) = report.analysed() else { continue };
        let findings = (!no_findings).then_some(report.findings.as_slice());
        let diagram = render::diagram::Diagram::build(protocol, analysis, findings);
        let text = match (format, engine) {
            (DiagramFormat::Svg, Engine::Builtin) => render::svg::render(&diagram),
            (DiagramFormat::Svg, Engine::Graphviz) => match graphviz(&render::dot::render(&diagram)) {
                Ok(svg) => svg,
                Err(message) => return fail(message),
            },
            (DiagramFormat::Dot, _) => render::dot::render(&diagram),
            (DiagramFormat::Mermaid, _) => render::mermaid::render(&diagram),
        };
        let target = match output {
            None => {
                print(&text);
                continue;
            }
            Some(out) if dir => {
                let relative = Path::new(&report.path).strip_prefix(path).unwrap_or(Path::new(&report.path));
                out.join(relative).with_extension(format.extension())
            }
            Some(out) => out.to_path_buf(),
        };
        // Atomically, and never through a link: `-o` names the file written.
        let write = || escalate::fsutil::write_output(&target, text.as_bytes());
        let written = match target.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => std::fs::create_dir_all(parent).and_then(|()| write()),
            None => write(),
        };
        if let Err(e) = written {
            return fail(format!("cannot write `{}`: {e}", shown(&target)));
        }
        if dir {
            eprintln!("wrote {}", shown(&target));
        }
    }
    ExitCode::SUCCESS
}

/// Lay out DOT with Graphviz: `dot -Tsvg`, fed on a thread so that neither
/// side waits on a full pipe.
pub(crate) fn graphviz(dot: &str) -> Result<String, String> {
    use std::process::{Command, Stdio};
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("`--engine graphviz` needs Graphviz's `dot` program on the PATH: install Graphviz \
                 (e.g. `apt-get install graphviz`), or leave out `--engine` to use escalate's own layout"
                .to_string());
        }
        Err(e) => return Err(format!("cannot run Graphviz's `dot`: {e}")),
    };
    let mut stdin = child.stdin.take().ok_or("cannot write to Graphviz's `dot`")?;
    let input = dot.to_string();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().map_err(|e| format!("Graphviz's `dot` failed: {e}"))?;
    let fed = feeder.join().map_err(|_| "cannot write to Graphviz's `dot`".to_string())?;
    if !output.status.success() {
        return Err(format!("Graphviz's `dot` failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    fed.map_err(|e| format!("cannot write to Graphviz's `dot`: {e}"))?;
    String::from_utf8(output.stdout)
        .map_err(|_| "Graphviz's `dot` wrote something other than UTF-8".to_string())
}
