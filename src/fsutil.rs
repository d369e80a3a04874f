//! Writing files safely: for commands that rewrite the user's files
//! (`escalate fmt`) and those that write new ones (`render -o`, `report`).
//!
//! Every file is written to a temporary file beside it and renamed into
//! place. The temporary files being written are listed, so that an
//! interrupted run can remove them ([`remove_temporaries`]); a run killed
//! outright leaves its `.NAME.PID.N.tmp` behind, which the next write of the
//! same file removes once that process is gone ([`sweep`]).

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The temporary files this process is writing, until each is renamed.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove every temporary file this process has not finished writing: for
/// an interrupt (Ctrl-C), just before the process exits. The files being
/// replaced are untouched.
pub fn remove_temporaries() {
    let pending = match PENDING.lock() {
        Ok(mut pending) => std::mem::take(&mut *pending),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for tmp in pending {
        let _ = fs::remove_file(tmp);
    }
}

fn pending(tmp: &Path, add: bool) {
    let mut list = PENDING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if add {
        list.push(tmp.to_path_buf());
    } else {
        list.retain(|p| p != tmp);
    }
}

/// Replace the contents of the existing file `path` with `contents`, so that
/// a reader (or a crash, or a full disk) sees either the old file or the new
/// one, never half of each: for `fmt`, which rewrites the user's own files.
///
/// The new text is written to a temporary file in the same directory (a
/// rename is only atomic within one file system), flushed to disk, given the
/// original's permissions, and renamed over the original; then the directory
/// is flushed so that the rename itself survives a crash. A symbolic link
/// named by the user is followed, so the link stays a link and the file it
/// names is replaced (folder searches never reach a link: they do not follow
/// them). A read-only file is refused rather than quietly replaced, and so is
/// anything that is not a regular file (a FIFO, a device, a socket): it has
/// no text of its own to rewrite, and a rename would replace it by a file.
///
/// Two things a rename cannot keep: the file's owner (if someone else owns
/// it, the new file is ours) and hard links (other names keep the old text).
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let meta = fs::metadata(&target)?;
    if !meta.is_file() {
        return Err(io::Error::other(format!("it is {}, not a regular file", kind(&meta))));
    }
    let permissions = meta.permissions();
    if permissions.readonly() {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, "the file is read-only"));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    replace(dir, &target, contents, Some(permissions))
}

/// Write `contents` to `path`, the output a command was told to write
/// (`render -o`, `timeline -o`, the pages of `report`). The one policy for
/// every output path:
///
/// - a regular file, or nothing yet: written atomically, as [`write_atomic`]
///   does (a file that is replaced keeps its permissions; a new one gets the
///   usual ones, those the umask allows);
/// - a symbolic link to a file, a folder or nothing: never followed. The link
///   itself is replaced by the new file, so an output path can never be used
///   to overwrite (or create) a file elsewhere that a link names;
/// - a character device (`/dev/null`, a terminal) or a FIFO, named directly
///   or through links (`/dev/stdout` and `/dev/fd/1` are links): written in
///   place, never replaced. A stream has no old contents to keep whole, and
///   `-o /dev/stdout` or `-o /dev/null` in a script mean "write there"; a
///   rename would replace the device node with a file (as root) or fail.
/// - a block device (a disk), a socket or a folder: refused, with the reason.
///   Nothing escalate draws belongs on a disk, and a socket cannot be opened.
pub fn write_output(path: &Path, contents: &[u8]) -> io::Result<()> {
    let permissions = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => Some(meta.permissions()),
        Ok(meta) if meta.file_type().is_symlink() => match fs::metadata(path) {
            Ok(target) if is_stream(&target) => return write_in_place(path, contents),
            // A link to a file, a folder or nothing: the link is replaced.
            _ => None,
        },
        Ok(meta) if is_stream(&meta) => return write_in_place(path, contents),
        Ok(meta) => {
            return Err(io::Error::other(format!(
                "it is {}: escalate writes only files, character devices and FIFOs",
                kind(&meta)
            )));
        }
        Err(_) => None,
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    replace(dir, path, contents, permissions)
}

/// Create the folder `relative` inside `root` (and the folders on the way),
/// never through a link: each folder on the way that exists must be a real
/// folder, so that writing into `root/relative` can never leave `root`.
/// `root` itself is where the user pointed, and may be a link.
pub fn create_dir_within(root: &Path, relative: &Path) -> io::Result<()> {
    fs::create_dir_all(root)?;
    let mut dir = root.to_path_buf();
    for part in relative.components() {
        match part {
            std::path::Component::Normal(name) => dir.push(name),
            std::path::Component::CurDir => continue,
            _ => return Err(io::Error::other("the path leaves the output folder")),
        }
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(io::Error::other(format!(
                    "`{}` is a link: escalate does not write through links inside the output folder",
                    dir.display()
                )));
            }
            Ok(meta) => return Err(io::Error::other(format!("`{}` is {}", dir.display(), kind(&meta)))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => fs::create_dir(&dir)?,
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// A character device or a FIFO: a stream, written in place.
fn is_stream(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_char_device() || t.is_fifo()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// What a file that is not a regular file is, for a message: `a FIFO`.
pub fn kind(meta: &fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a link"
    } else if t.is_file() {
        "a file"
    } else {
        "not a regular file"
    }
}

/// Write to a stream as it is: opened for writing (never created, never
/// truncated: a device has no length), then written whole.
fn write_in_place(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    // What was opened is what was looked at (not a file swapped in since).
    if !is_stream(&file.metadata()?) {
        return Err(io::Error::other("it changed while being written: it is left as it is"));
    }
    file.write_all(contents)?;
    file.flush()
}

/// The temporary file, then the rename. `permissions` are the file's from
/// the start: the temporary file is created with them (never more open), so
/// the new text is never readable by more people than the old one was.
fn replace(dir: &Path, target: &Path, contents: &[u8], permissions: Option<Permissions>) -> io::Result<()> {
    sweep(dir);
    let (tmp, mut file) = create_temporary(dir, target, permissions.as_ref())?;
    pending(&tmp, true);
    let written = permissions
        .map_or(Ok(()), |p| file.set_permissions(p))
        .and_then(|()| file.write_all(contents))
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, target)
        });
    if let Err(error) = written {
        // Best effort: the original is untouched either way.
        let _ = fs::remove_file(&tmp);
        pending(&tmp, false);
        return Err(error);
    }
    pending(&tmp, false);
    sync_dir(dir);
    Ok(())
}

/// The name of a temporary file for `target` (`.NAME.PID.N.tmp`), so that no
/// `*.esc` search picks it up.
fn temporary_name(target: &Path, pid: u32, attempt: u32) -> String {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!(".{name}.{pid}.{attempt}.tmp")
}

/// The kinds of file escalate writes: only their temporary files are swept.
const OURS: &[&str] = &["esc", "svg", "dot", "mmd", "html", "ics", "json", "txt"];

/// The folders already swept by this process (each is swept once, so that
/// writing many files into one folder stays linear).
static SWEPT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remove the temporary files that killed runs left in `dir`: names of the
/// form `.NAME.PID.N.tmp` for a file escalate writes, whose process is gone.
/// Only where that can be known (Linux's `/proc`); a file of a process
/// still running is never touched.
fn sweep(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    {
        let mut swept = SWEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if swept.iter().any(|d| d == dir) {
            return;
        }
        swept.push(dir.to_path_buf());
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = leftover_pid(&file)
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The process id in a temporary file's name, `.NAME.PID.N.tmp`, if the name
/// is one and NAME is a kind of file escalate writes.
fn leftover_pid(file: &str) -> Option<u32> {
    let rest = file.strip_prefix('.')?.strip_suffix(".tmp")?;
    let mut parts = rest.rsplitn(3, '.');
    let (attempt, pid, name) = (parts.next()?, parts.next()?, parts.next()?);
    attempt.parse::<u32>().ok()?;
    let extension = Path::new(name).extension()?.to_str()?;
    OURS.contains(&extension).then_some(())?;
    pid.parse().ok()
}

/// A new, empty file next to `target`, created with `permissions` where the
/// system allows it.
fn create_temporary(
    dir: &Path,
    target: &Path,
    permissions: Option<&Permissions>,
) -> io::Result<(PathBuf, File)> {
    let mut attempt = 0u32;
    loop {
        let tmp = dir.join(temporary_name(target, std::process::id(), attempt));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if let Some(permissions) = permissions {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(permissions.mode() & 0o777);
        }
        #[cfg(not(unix))]
        let _ = permissions;
        match options.open(&tmp) {
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

    #[cfg(unix)]
    #[test]
    fn the_temporary_file_is_never_more_open_than_the_original() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        let target = dir.join("a.esc");
        let private = Permissions::from_mode(0o600);
        let (tmp, _file) = create_temporary(&dir, &target, Some(&private)).expect("created");
        // Before anything is written to it: not readable by others.
        assert_eq!(fs::metadata(&tmp).expect("meta").permissions().mode() & 0o077, 0);
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn an_output_replaces_a_link_and_never_writes_through_it() {
        let dir = scratch("output-link");
        let secret = dir.join("secret.txt");
        fs::write(&secret, "keep\n").expect("write");
        let link = dir.join("out.svg");
        std::os::unix::fs::symlink(&secret, &link).expect("symlink");
        write_output(&link, b"<svg/>").expect("written");
        assert_eq!(fs::read_to_string(&secret).expect("read"), "keep\n");
        assert!(fs::symlink_metadata(&link).expect("meta").is_file());
        assert_eq!(fs::read_to_string(&link).expect("read"), "<svg/>");
        write_output(&dir.join("new.svg"), b"<svg/>").expect("a new file");
        assert!(write_output(&dir, b"x").is_err(), "a folder is not replaced");
        assert_eq!(leftovers(&dir), ["new.svg", "out.svg", "secret.txt"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn leftovers_of_killed_runs_are_recognised() {
        assert_eq!(leftover_pid(".a.esc.123.0.tmp"), Some(123));
        assert_eq!(leftover_pid(".my.policy.esc.77.12.tmp"), Some(77));
        assert_eq!(leftover_pid(".notes.123.0.tmp"), None, "not a file escalate writes");
        assert_eq!(leftover_pid("a.esc.123.0.tmp"), None);
        assert_eq!(leftover_pid(".a.esc.x.0.tmp"), None);
    }

    #[test]
    fn an_interrupt_removes_the_temporary_files_being_written() {
        let dir = scratch("interrupt");
        let tmp = dir.join(".a.esc.1.0.tmp");
        fs::write(&tmp, "half").expect("write");
        pending(&tmp, true);
        remove_temporaries();
        assert!(!tmp.exists());
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
