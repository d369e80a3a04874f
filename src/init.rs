//! `escalate init`: a commented starter protocol for a board writing its
//! first one. It passes `escalate check` with no findings (tested), so every
//! finding after an edit comes from the edit.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The starter protocol.
pub const STARTER: &str = include_str!("starter.esc");

/// The file `init` writes when given no path, or a folder.
pub const DEFAULT_NAME: &str = "protocol.esc";

/// Write the starter to `path` (a file, or a folder to write `protocol.esc`
/// in), never over an existing file. A name without `.esc` gets it (`check`
/// searches folders for `*.esc`). Missing folders on the way are created
/// only if `parents` says so. Returns the file written.
pub fn write(path: Option<&Path>, parents: bool) -> Result<PathBuf, String> {
    let mut file = match path {
        None => PathBuf::from(DEFAULT_NAME),
        Some(p) if p.is_dir() => p.join(DEFAULT_NAME),
        Some(p) => p.to_path_buf(),
    };
    if file.extension().is_none_or(|e| e != "esc") {
        let mut name = file.clone().into_os_string();
        name.push(".esc");
        file = PathBuf::from(name);
    }
    if let Some(folder) = file.parent().filter(|f| !f.as_os_str().is_empty() && !f.is_dir()) {
        if !parents {
            return Err(format!(
                "the folder `{}` does not exist: create it first, or add `--parents` to create it",
                folder.display()
            ));
        }
        std::fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create the folder `{}`: {e}", folder.display()))?;
    }
    // `create_new` refuses atomically: no window between a check and the write.
    let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(&file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "`{}` already exists: escalate init never overwrites a file; give another path",
                file.display()
            )
        } else {
            format!("cannot write `{}`: {e}", file.display())
        }
    })?;
    out.write_all(STARTER.as_bytes()).map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_starter_has_no_findings() {
        let (protocol, findings) = crate::analyse(super::STARTER);
        assert!(protocol.is_some());
        assert_eq!(findings, Vec::new());
    }
}
