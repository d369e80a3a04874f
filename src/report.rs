//! `escalate report`: a static HTML site of checked protocols, built in
//! memory ([`Site::build`]) and then written file by file, each atomically
//! ([`Site::write`]).
//!
//! The site is flat: `index.html`, and for each protocol `NAME.html` (the
//! full report), `NAME-summary.html` (the one-page practitioner summary) and
//! `NAME.svg` (its pathway diagram, from `render`). The pages themselves are
//! in [`crate::render::html`].

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::Report;
use crate::render::diagram::Diagram;
use crate::render::html::{self, Entry};
use crate::render::svg;

/// One file of the site: its name (no folders) and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    pub name: String,
    pub contents: String,
}

/// Every file of the site, the index first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub files: Vec<SiteFile>,
}

impl Site {
    /// The site of `reports`, in the order given. Reports that did not load
    /// are left out: the command refuses to build a site with any (so that a
    /// broken file is never shown as if it had been checked).
    pub fn build(reports: &[Report]) -> Site {
        let loaded: Vec<(&Report, &crate::model::Protocol, &crate::analysis::Analysis)> =
            reports.iter().filter_map(|r| r.analysed().map(|(p, a)| (r, p, a))).collect();
        let names = names(loaded.iter().map(|(r, _, _)| r.path.as_str()));
        let entries: Vec<Entry> = loaded
            .into_iter()
            .zip(names)
            .map(|((report, protocol, analysis), name)| Entry { report, protocol, analysis, name })
            .collect();
        let mut files = vec![SiteFile { name: "index.html".to_string(), contents: html::index(&entries) }];
        for entry in &entries {
            let diagram = Diagram::build(entry.protocol, entry.analysis, Some(&entry.report.findings));
            files.push(SiteFile { name: entry.page(), contents: html::protocol_page(entry) });
            files.push(SiteFile { name: entry.summary(), contents: html::summary_page(entry) });
            files.push(SiteFile { name: entry.diagram(), contents: svg::render(&diagram) });
        }
        Site { files }
    }

    /// Write every file into `dir` (created if missing). Each file is
    /// written to a temporary name beside it and renamed into place, so a
    /// reader of the site never sees half a page; a link in `dir` is
    /// replaced, never followed. The index goes last, once every page it
    /// links to is there: a run that fails or is stopped half-way leaves the
    /// last index, never one that links to pages that were not written.
    /// Other files in `dir` are left alone.
    pub fn write(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        fs::create_dir_all(dir)?;
        let mut written = Vec::with_capacity(self.files.len());
        let (index, pages): (Vec<&SiteFile>, Vec<&SiteFile>) =
            self.files.iter().partition(|f| f.name == "index.html");
        for file in pages.into_iter().chain(index) {
            let path = dir.join(&file.name);
            crate::fsutil::write_output(&path, file.contents.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }
}

/// A file name stem for each protocol path: its file name, made safe for a
/// URL (lowercase letters, digits and `-`), and made unique with `-2`,
/// `-3`... Each name's three files (`NAME.html`, `NAME-summary.html`,
/// `NAME.svg`) are checked against every file already named, and against
/// `index.html`.
fn names<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken: BTreeSet<String> = BTreeSet::from(["index.html".to_string()]);
    let mut out = Vec::new();
    for path in paths {
        let stem = Path::new(path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let base = slug(&stem);
        let mut name = base.clone();
        let mut n = 1;
        while files_of(&name).iter().any(|f| taken.contains(f)) {
            n += 1;
            name = format!("{base}-{n}");
        }
        taken.extend(files_of(&name));
        out.push(name);
    }
    out
}

fn files_of(name: &str) -> [String; 3] {
    [format!("{name}.html"), format!("{name}-summary.html"), format!("{name}.svg")]
}

/// `Blackburn with Darwen.esc` -> `blackburn-with-darwen`; never empty.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() { "protocol".to_string() } else { out.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_unique() {
        let paths = ["a/Essex.esc", "b/essex.esc", "index.esc", "x.esc", "x-summary.esc", "!!.esc"];
        assert_eq!(names(paths.into_iter()), ["essex", "essex-2", "index-2", "x", "x-summary-2", "protocol"]);
        assert_eq!(slug("Blackburn with Darwen"), "blackburn-with-darwen");
        assert_eq!(slug("Ünïcode"), "n-code");
    }

    #[test]
    fn the_index_is_written_last() {
        let dir = std::env::temp_dir().join(format!("escalate-report-index-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        // A page that cannot be written: a folder, not empty, holds its name.
        fs::create_dir_all(dir.join("b.html").join("x")).expect("folder");
        let files = ["index.html", "a.html", "b.html"]
            .map(|name| SiteFile { name: name.into(), contents: "page".into() });
        assert!(Site { files: files.to_vec() }.write(&dir).is_err());
        assert!(!dir.join("index.html").exists(), "an index linking to a page that is not there");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_are_replaced_whole_and_leave_nothing_behind() {
        let dir = std::env::temp_dir().join(format!("escalate-report-write-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let site = Site { files: vec![SiteFile { name: "a.html".into(), contents: "one".into() }] };
        site.write(&dir).expect("written");
        let site = Site { files: vec![SiteFile { name: "a.html".into(), contents: "two".into() }] };
        site.write(&dir).expect("rewritten");
        assert_eq!(fs::read_to_string(dir.join("a.html")).expect("read"), "two");
        let names: Vec<String> = fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into())
            .collect();
        assert_eq!(names, ["a.html"]);
        let _ = fs::remove_dir_all(&dir);
    }
}
