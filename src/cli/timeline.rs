//! `escalate timeline`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::*;
use crate::TimelineFormat;
use escalate::render;

/// `escalate timeline`: one protocol's worst case, dated. Bad input gives the
/// diagnostics `check` gives, on stderr so stdout only ever holds a timeline.
pub(crate) fn timeline(
    file: &Path,
    from: chrono::NaiveDate,
    calendar: Option<&str>,
    format: Option<TimelineFormat>,
    output: Option<&Path>,
    pathway: Option<&str>,
) -> ExitCode {
    // Without `--format`, `-o` names it by its extension.
    let by_extension =
        output.and_then(|o| o.extension()).and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = format.unwrap_or(match by_extension.as_deref() {
        Some("ics") => TimelineFormat::Ics,
        Some("json") => TimelineFormat::Json,
        _ => TimelineFormat::Text,
    });
    use chrono::Datelike;
    use escalate::timeline::Timeline;

    if file.is_dir() {
        eprintln!("error: `{}` is a directory: `timeline` takes one protocol file", shown(file));
        return ExitCode::from(2);
    }
    let mut reports = Vec::new();
    collect(file, &mut reports);
    let Some(report) = reports.into_iter().next() else {
        eprintln!("error: cannot read `{}`", shown(file));
        return ExitCode::from(2);
    };
    let Some((protocol, analysis)) = report.analysed() else {
        let mut text = render::human::render(&report, &stderr_handler());
        let totals = escalate::Totals::of([&report]).words();
        text.push_str(&format!("checked 1 file: {totals}\n"));
        eprint!("{text}");
        return ExitCode::from(2);
    };
    let Some(calendar) = Timeline::calendar_for(protocol, calendar) else {
        // The model accepts only shipped names, so this is a mismatch between
        // the model's list and the calendar's; say so rather than guess.
        eprintln!(
            "error: no calendar called `{}`; the calendars are {}",
            protocol.calendar.as_deref().unwrap_or_default(),
            escalate::calendar::Calendar::NAMES.join(", ")
        );
        return ExitCode::from(2);
    };
    let cases = analysis.cases();
    let case = match pathway {
        None => cases[0],
        Some(name) => match cases.iter().find(|c| protocol.pathway_name(c.pathway) == name) {
            Some(case) => *case,
            None => {
                let names: Vec<&str> = cases.iter().map(|c| protocol.pathway_name(c.pathway)).collect();
                let help = match escalate::diagnostic::suggest(name, names.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`? "),
                    None => String::new(),
                };
                eprintln!(
                    "error: `{}` has no pathway `{name}`\n  help: {help}its pathways are {}",
                    shown(file),
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                );
                return ExitCode::from(2);
            }
        },
    };
    let t = Timeline::compute_for(protocol, analysis, case, calendar.clone(), from);
    // Dates are written with four-digit years (ICS requires it).
    if let Some(last) = t.dates().max()
        && last.year() > 9999
    {
        eprintln!("error: the timeline runs past the year 9999; check the protocol's timescales");
        return ExitCode::from(2);
    }
    let years = t.unpublished_years();
    if !years.is_empty() {
        let (first, last) = calendar.published_years();
        let shown: Vec<String> = years.iter().map(ToString::to_string).collect();
        eprintln!(
            "warning: {} {} outside the years of published {} bank holidays ({first}-{last}): \
             holidays there are computed from the standing rules, and one-off days are not known",
            if years.len() == 1 { "year" } else { "years" },
            if years.len() == 1 { format!("{} is", shown[0]) } else { format!("{} are", shown.join(", ")) },
            calendar.name()
        );
    }
    let output_file = output;
    let text = match format {
        TimelineFormat::Text => render::timeline::text(&t),
        TimelineFormat::Json => render::timeline::json(&t),
        TimelineFormat::Ics => render::ics::render(&t),
    };
    match output_file {
        None => print(&text),
        Some(file) => {
            if let Err(e) = write_new_or_replace(file, text.as_bytes()) {
                error(&format!("cannot write `{}`: {e}", file.display()));
                return ExitCode::from(2);
            }
            eprintln!("wrote {}", shown(file));
        }
    }
    ExitCode::SUCCESS
}

/// Write `file` as every command writes its output
/// ([`escalate::fsutil::write_output`]: a file atomically, a link never
/// followed, a device or FIFO in place), into a folder that exists.
fn write_new_or_replace(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder =
        file.parent().filter(|p| !p.as_os_str().is_empty()).map_or(PathBuf::from("."), Path::to_path_buf);
    if !folder.is_dir() {
        return Err(std::io::Error::other(format!("the folder `{}` does not exist", shown(&folder))));
    }
    escalate::fsutil::write_output(file, bytes)
}
