//! A unified diff of two texts, line by line, for `escalate fmt --diff`,
//! made by the `similar` crate (Myers' algorithm, as `diff -u` and git use).
//! A formatter's changes are few and local; a deadline keeps a large file
//! that changes everywhere from taking long (past it the diff is still
//! correct, only less small).

use std::time::Duration;

/// Lines of context around each change, as `diff -u` gives.
const CONTEXT: usize = 3;

/// `old` and `new` as a unified diff with the given file labels, or an empty
/// string if they are equal. A missing final newline is marked as `diff`
/// marks it.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if old == new {
        return String::new();
    }
    let (old, new) = (shown_carriage_returns(old), shown_carriage_returns(new));
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(Duration::from_secs(2))
        .diff_lines(&old, &new);
    diff.unified_diff().context_radius(CONTEXT).header(old_label, new_label).to_string()
}

/// A carriage return that does not end a line is shown as `␍`: printed raw,
/// it would move a terminal's cursor back over what the line said. The CR
/// of a CRLF ending is kept, so the diff still applies to the file.
fn shown_carriage_returns(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix("\r\n") {
            Some(body) => (body, "\r\n"),
            None => match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            },
        };
        out.push_str(&body.replace('\r', "\u{240d}"));
        out.push_str(end);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apply a unified diff to `old` (a tiny `patch`), to check it.
    fn apply(old: &str, diff: &str) -> String {
        let a: Vec<&str> = old.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut at = 0; // lines of `a` used
        let mut lines = diff.lines().skip(2).peekable();
        while let Some(header) = lines.next() {
            let old_start: usize = header[4..].split([',', ' ']).next().unwrap().parse().unwrap();
            let old_count: usize = if header[4..].split(' ').next().unwrap().contains(',') {
                header[4..].split(' ').next().unwrap().split(',').nth(1).unwrap().parse().unwrap()
            } else {
                1
            };
            let begin = if old_count == 0 { old_start } else { old_start - 1 };
            out.extend(a[at..begin].iter().copied());
            at = begin;
            while let Some(line) = lines.peek() {
                if line.starts_with("@@") {
                    break;
                }
                let line = lines.next().unwrap();
                let no_newline = lines.peek() == Some(&"\\ No newline at end of file");
                let text = &line[1..];
                match &line[..1] {
                    " " => {
                        out.push_str(a[at]);
                        at += 1;
                    }
                    "-" => at += 1,
                    "+" => {
                        out.push_str(text);
                        if !no_newline {
                            out.push('\n');
                        }
                    }
                    _ => {}
                }
                if no_newline {
                    lines.next();
                }
            }
        }
        out.extend(a[at..].iter().copied());
        out
    }

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn a_change_is_shown_with_three_lines_of_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let diff = unified(old, new, "a.esc", "a.esc");
        assert_eq!(diff, "--- a.esc\n+++ a.esc\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    }

    #[test]
    fn far_apart_changes_make_two_hunks_and_near_ones_one() {
        let lines = |changed: &[usize]| -> String {
            (1..=30)
                .map(|i| if changed.contains(&i) { format!("x{i}\n") } else { format!("{i}\n") })
                .collect()
        };
        let old = lines(&[]);
        // Six unchanged lines between two changes: the contexts meet.
        assert_eq!(unified(&old, &lines(&[3, 10]), "a", "b").matches("@@ -").count(), 1);
        assert_eq!(unified(&old, &lines(&[3, 11]), "a", "b").matches("@@ -").count(), 2);
        assert_eq!(unified(&old, &lines(&[3, 25]), "a", "b").matches("@@ -").count(), 2);
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        let diff = unified("a\nb", "a\nb\n", "f", "f");
        assert_eq!(diff, "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
    }

    #[test]
    fn additions_to_an_empty_text_and_removals_of_everything() {
        assert_eq!(unified("", "a\n", "f", "f"), "--- f\n+++ f\n@@ -0,0 +1 @@\n+a\n");
        assert_eq!(unified("a\nb\n", "", "f", "f"), "--- f\n+++ f\n@@ -1,2 +0,0 @@\n-a\n-b\n");
    }

    #[test]
    fn diffs_apply_back_to_the_new_text() {
        let cases = [
            ("a\nb\nc\n", "a\nc\n"),
            ("a\nb\nc\n", "x\na\nb\ny\nc\nz\n"),
            (
                "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n",
                "one\n2\nthree\nfour\n5\nsix\nseven\neight\nnine\n10\n",
            ),
            ("a\n\nb\n\n\nc", "a\n\nb\n\nc\n"),
            ("x\ny\n", "y\nx\n"),
        ];
        for (old, new) in cases {
            let diff = unified(old, new, "f", "f");
            assert_eq!(apply(old, &diff), new, "{diff}");
        }
    }

    #[test]
    fn a_lone_carriage_return_is_shown_and_a_crlf_ending_kept() {
        let diff = unified("a\r::error::x\nb\r\n", "a ::error::x\nb\r\n", "f", "f");
        assert_eq!(diff, "--- f\n+++ f\n@@ -1,2 +1,2 @@\n-a\u{240d}::error::x\n+a ::error::x\n b\r\n");
    }

    #[test]
    fn a_huge_change_falls_back_to_one_block() {
        let old: String = (0..3000).map(|i| format!("{i}\n")).collect();
        let new: String = (0..3000).map(|i| format!("x{i}\n")).collect();
        let diff = unified(&old, &new, "f", "f");
        assert!(diff.starts_with("--- f\n+++ f\n@@ -1,3000 +1,3000 @@\n-0\n"));
        assert_eq!(apply(&old, &diff), new);
    }
}
