//! Writing files safely, for commands that rewrite the user's files
//! (`escalate fmt`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replace the contents of the existing file `path` with `contents`, so that
/// a reader (or a crash, or a full disk) sees either the old file or the new
/// one, never half of each.
///
/// The new text is written to a temporary file in the same directory (a
/// rename is only atomic within one file system), flushed to disk, given the
/// original's permissions, and renamed over the original; then the directory
/// is flushed so that the rename itself survives a crash. A symbolic link is
/// followed, so the link stays a link and the file it names is replaced. A
/// read-only file is refused rather than quietly replaced.
///
/// Two things a rename cannot keep: the file's owner (if someone else owns
/// it, the new file is ours) and hard links (other names keep the old text).
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let permissions = fs::metadata(&target)?.permissions();
    if permissions.readonly() {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, "the file is read-only"));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let (tmp, mut file) = create_temporary(dir, &target)?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.set_permissions(permissions))
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, &target)
        });
    if let Err(error) = written {
        // Best effort: the original is untouched either way.
        let _ = fs::remove_file(&tmp);
        return Err(error);
    }
    sync_dir(dir);
    Ok(())
}

/// A new, empty file next to `target`, named so that no `*.esc` search picks
/// it up (`.NAME.PID.N.tmp`).
fn create_temporary(dir: &Path, target: &Path) -> io::Result<(PathBuf, File)> {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut attempt = 0u32;
    loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            // A leftover from a crashed run, or another escalate in the same
            // process: try the next name.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => attempt += 1,
            Err(error) => return Err(error),
        }
    }
}

/// Flush a directory's entries (the rename) to disk where the system allows
/// it; elsewhere (Windows cannot open a directory) this does nothing.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("escalate-fsutil-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch directory");
        dir
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("readable")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_contents_and_leaves_no_temporary_file() {
        let dir = scratch("replace");
        let file = dir.join("a.esc");
        fs::write(&file, "old\n").expect("write");
        write_atomic(&file, b"new\n").expect("replaced");
        assert_eq!(fs::read_to_string(&file).expect("read"), "new\n");
        assert_eq!(leftovers(&dir), ["a.esc"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions_and_follows_symbolic_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("perms");
        let file = dir.join("a.esc");
        fs::write(&file, "old\n").expect("write");
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.join("link.esc");
        std::os::unix::fs::symlink(&file, &link).expect("symlink");
        write_atomic(&link, b"new\n").expect("replaced");
        assert_eq!(fs::read_to_string(&file).expect("read"), "new\n");
        assert!(fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
        assert_eq!(fs::metadata(&file).expect("meta").permissions().mode() & 0o777, 0o640);
        assert_eq!(leftovers(&dir), ["a.esc", "link.esc"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_read_only_file_and_a_missing_one() {
        let dir = scratch("readonly");
        let file = dir.join("a.esc");
        fs::write(&file, "old\n").expect("write");
        let mut permissions = fs::metadata(&file).expect("meta").permissions();
        permissions.set_readonly(true);
        fs::set_permissions(&file, permissions).expect("chmod");
        assert!(write_atomic(&file, b"new\n").is_err());
        assert_eq!(fs::read_to_string(&file).expect("read"), "old\n");
        assert!(write_atomic(&dir.join("missing.esc"), b"new\n").is_err());
        assert_eq!(leftovers(&dir), ["a.esc"]);
        let mut permissions = fs::metadata(&file).expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        let _ = fs::set_permissions(&file, permissions);
        let _ = fs::remove_dir_all(&dir);
    }
}
