//! `escalate draft`: a first `.esc` draft from a protocol document.

use std::path::Path;
use std::process::ExitCode;

use super::*;
use crate::DraftFormat;

pub(crate) fn draft(source: &Path, output: Option<&Path>, format: DraftFormat) -> ExitCode {
    let name = shown(source);
    if source.is_dir() {
        error(&format!("`{name}` is a directory: `draft` takes one document"));
        return ExitCode::from(2);
    }
    let bytes = if name == "-" {
        escalate::read_bounded_from(std::io::stdin().lock(), None)
    } else {
        escalate::read_bounded(source)
    };
    let bytes = match bytes {
        Ok(escalate::Bounded::Bytes(b)) => b,
        Ok(escalate::Bounded::TooLarge(_)) => {
            error(&format!("`{name}` is larger than {} MiB", escalate::MAX_FILE_BYTES >> 20));
            return ExitCode::from(2);
        }
        Err(e) => {
            error(&format!("cannot read `{name}`: {e}"));
            return ExitCode::from(2);
        }
    };
    let text = match escalate::draft::extract::extract(&name, &bytes) {
        Ok(text) => text,
        Err(e) => {
            error(&e.to_string());
            return ExitCode::from(2);
        }
    };
    let file_name = source.file_name().map_or(name.clone(), |f| f.to_string_lossy().into_owned());
    let draft = escalate::draft::draft_text(&file_name, &text);
    let out = match format {
        DraftFormat::Esc => draft.esc.clone(),
        DraftFormat::Json => {
            let mut s = serde_json::to_string_pretty(&draft).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    match output {
        None => print(&out),
        Some(file) => {
            if let Err(e) = escalate::fsutil::write_output(file, out.as_bytes()) {
                error(&format!("cannot write `{}`: {e}", shown(file)));
                return ExitCode::from(2);
            }
            eprintln!("wrote {}", shown(file));
        }
    }
    let stages = draft.found.stages.len();
    match &draft.found.not_a_protocol {
        Some(why) => eprintln!("drafted no ladder: this does not read as an escalation protocol ({why})"),
        None => eprintln!(
            "drafted {stages} stage{}, {} part{}; {} thing{} left for you to decide (`# draft:` comments)",
            if stages == 1 { "" } else { "s" },
            draft.found.parties.len(),
            if draft.found.parties.len() == 1 { "y" } else { "ies" },
            draft.undecided,
            if draft.undecided == 1 { "" } else { "s" },
        ),
    }
    ExitCode::SUCCESS
}
