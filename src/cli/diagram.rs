//! `escalate render`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::{DiagramFormat, Engine, PaperSize};
use escalate::render;

/// `render --title`, `--subtitle`, `--scale` and `--paper`.
pub(crate) struct Header {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub scale: f64,
    /// Read only by PDF, which a build without `png-pdf` does not write.
    #[cfg_attr(not(feature = "png-pdf"), allow(dead_code))]
    pub paper: PaperSize,
}

/// `escalate render`: one diagram to stdout (or `-o -`) or `-o FILE`, or one
/// per policy of a directory into `-o OUTDIR`. Nothing is written if any file
/// has input errors; their diagnostics go to stderr, as `check` shows them.
pub(crate) fn render_command(
    path: &Path,
    format: Option<DiagramFormat>,
    output: Option<&Path>,
    no_findings: bool,
    engine: Engine,
    header: &Header,
) -> ExitCode {
    let fail = |message: String| {
        error(&message);
        ExitCode::from(2)
    };
    // `-o -` is standard output, as no `-o` is.
    let output = output.filter(|o| o.as_os_str() != "-");
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
                    "cannot tell the format from `{}`: name it .svg, .png, .pdf, .dot or .mmd, or give `--format`",
                    shown(out)
                ));
            }
        },
        (None, None) => DiagramFormat::Svg,
    };
    if engine == Engine::Graphviz && format != DiagramFormat::Svg {
        return fail("`--engine graphviz` draws SVG: use it with `--format svg`".to_string());
    }
    if !(header.scale.is_finite() && header.scale > 0.0) {
        return fail(format!("`--scale {}` must be a number above 0, such as 2", header.scale));
    }
    for text in [&header.title, &header.subtitle].into_iter().flatten() {
        if text.chars().any(char::is_control) {
            return fail("`--title` and `--subtitle` must not hold control characters or line breaks".into());
        }
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
        let mut diagram = render::diagram::Diagram::build(protocol, analysis, findings);
        if let Some(title) = &header.title {
            diagram.title = title.clone();
        }
        diagram.subtitle = header.subtitle.clone();
        let text: Vec<u8> = match (format, engine) {
            (DiagramFormat::Svg, Engine::Builtin) => render::svg::render(&diagram).into_bytes(),
            (DiagramFormat::Svg, Engine::Graphviz) => match graphviz(&render::dot::render(&diagram)) {
                Ok(svg) => svg.into_bytes(),
                Err(message) => return fail(message),
            },
            (DiagramFormat::Dot, _) => render::dot::render(&diagram).into_bytes(),
            (DiagramFormat::Mermaid, _) => render::mermaid::render(&diagram).into_bytes(),
            (DiagramFormat::Png | DiagramFormat::Pdf, _) => {
                match picture(&diagram, format, header, &report.path) {
                    Ok(bytes) => bytes,
                    Err(message) => return fail(message),
                }
            }
        };
        let (target, within) = match output {
            None => {
                write_stdout(&text);
                continue;
            }
            Some(out) if dir => {
                let relative = Path::new(&report.path).strip_prefix(path).unwrap_or(Path::new(&report.path));
                (out.join(relative).with_extension(format.extension()), Some((out, relative)))
            }
            Some(out) => (out.to_path_buf(), None),
        };
        // As every output is written (`fsutil::write_output`): atomically,
        // never through a link. In `-o OUTDIR`, the sub-folders are made
        // inside OUTDIR and never through a link, so nothing lands outside.
        let write = || escalate::fsutil::write_output(&target, &text);
        let written = match (within, target.parent().filter(|p| !p.as_os_str().is_empty())) {
            (Some((out, relative)), _) => {
                let folder = relative.parent().unwrap_or(Path::new(""));
                escalate::fsutil::create_dir_within(out, folder).and_then(|()| write())
            }
            (None, Some(parent)) => std::fs::create_dir_all(parent).and_then(|()| write()),
            (None, None) => write(),
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

/// Bytes to standard output, as [`print`] writes text.
fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if out.write_all(bytes).and_then(|()| out.flush()).is_err() {
        // Nothing useful to do: the reader has gone.
    }
}

/// A PNG, or the PDF pages of the diagram.
#[cfg(feature = "png-pdf")]
fn picture(
    d: &render::diagram::Diagram,
    format: DiagramFormat,
    header: &Header,
    file: &str,
) -> Result<Vec<u8>, String> {
    if format == DiagramFormat::Png {
        return render::png::render(&render::svg::render(d), header.scale);
    }
    let date = chrono::Local::now().date_naive().format("%-d %B %Y");
    let file = escalate::render::diagram::clean(file);
    let footer = format!("Drawn by escalate from {file} on {date}");
    let paper = match header.paper {
        PaperSize::A4 => render::pdf::Paper::A4,
        PaperSize::A3 => render::pdf::Paper::A3,
    };
    render::pdf::render(&render::pdf::pages(d, &footer, paper))
}

#[cfg(not(feature = "png-pdf"))]
fn picture(_: &render::diagram::Diagram, _: DiagramFormat, _: &Header, _: &str) -> Result<Vec<u8>, String> {
    Err("this escalate was built without PNG and PDF: draw SVG instead, or install a release build or `cargo install --locked --path . --features full`".to_string())
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
