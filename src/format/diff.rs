//! A unified diff of two texts, line by line, for `escalate fmt --diff`.
//!
//! Myers' O(ND) algorithm finds a shortest edit script between the lines
//! that differ (after the common head and tail are set aside). A formatter's
//! changes are few and local, so D is small; past [`MAX_EDITS`] the middle
//! is shown as removed and added whole, which is still a correct diff and
//! keeps time and memory bounded on a large file that changes everywhere.

/// Lines of context around each change, as `diff -u` gives.
const CONTEXT: usize = 3;

/// The most edits searched for before falling back to a whole-block change.
const MAX_EDITS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// `old` and `new` as a unified diff with the given file labels, or an empty
/// string if they are equal. A missing final newline is marked as `diff`
/// marks it.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let script = edit_script(&a, &b);

    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    // Positions in `script` of the changes, grouped into hunks that are
    // closer than twice the context.
    let changes: Vec<usize> = (0..script.len()).filter(|&i| script[i] != Op::Same).collect();
    let mut k = 0;
    while k < changes.len() {
        let first = changes[k];
        let mut last = first;
        while k + 1 < changes.len() && changes[k + 1] - last <= 2 * CONTEXT + 1 {
            k += 1;
            last = changes[k];
        }
        k += 1;
        let start = first.saturating_sub(CONTEXT);
        let end = (last + CONTEXT + 1).min(script.len());
        hunk(&mut out, &script, start, end, &a, &b);
    }
    out
}

/// Write the hunk for `script[start..end]`.
fn hunk(out: &mut String, script: &[Op], start: usize, end: usize, a: &[&str], b: &[&str]) {
    // Line numbers at `start`: count the lines of each side before it.
    let old_before = script[..start].iter().filter(|&&op| op != Op::Insert).count();
    let new_before = script[..start].iter().filter(|&&op| op != Op::Delete).count();
    let old_count = script[start..end].iter().filter(|&&op| op != Op::Insert).count();
    let new_count = script[start..end].iter().filter(|&&op| op != Op::Delete).count();
    out.push_str(&format!("@@ -{} +{} @@\n", range(old_before, old_count), range(new_before, new_count)));
    let (mut i, mut j) = (old_before, new_before);
    for &op in &script[start..end] {
        let (mark, line) = match op {
            Op::Same => {
                i += 1;
                j += 1;
                (' ', a[i - 1])
            }
            Op::Delete => {
                i += 1;
                ('-', a[i - 1])
            }
            Op::Insert => {
                j += 1;
                ('+', b[j - 1])
            }
        };
        out.push(mark);
        match line.strip_suffix('\n') {
            Some(text) => {
                push_line(out, text);
                out.push('\n');
            }
            None => {
                push_line(out, line);
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
}

/// A line's text, with a carriage return inside it (a file with old Mac line
/// endings, or one in a comment) shown as `␍`: printed raw, it would send the
/// terminal back to the start of the line and let the rest overwrite what the
/// diff says. The CR of a CRLF ending is kept, so the diff still applies.
fn push_line(out: &mut String, text: &str) {
    let (body, ending) = match text.strip_suffix('\r') {
        Some(body) => (body, "\r"),
        None => (text, ""),
    };
    out.push_str(&body.replace('\r', "\u{240d}"));
    out.push_str(ending);
}

/// `start,count` as a hunk header gives it: 1-based, the count left out when
/// it is 1, and an empty range numbered by the line before it.
fn range(before: usize, count: usize) -> String {
    match count {
        0 => format!("{before},0"),
        1 => format!("{}", before + 1),
        _ => format!("{},{count}", before + 1),
    }
}

/// A shortest (or, past [`MAX_EDITS`], a simple) edit script from `a` to `b`.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (mid_a, mid_b) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut script = vec![Op::Same; head];
    match myers(mid_a, mid_b) {
        Some(middle) => script.extend(middle),
        None => {
            script.extend(std::iter::repeat_n(Op::Delete, mid_a.len()));
            script.extend(std::iter::repeat_n(Op::Insert, mid_b.len()));
        }
    }
    script.extend(std::iter::repeat_n(Op::Same, tail));
    script
}

/// Myers' greedy algorithm, keeping each round's furthest reaches to trace
/// the path back. `None` if more than [`MAX_EDITS`] edits are needed.
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (a.len() + b.len()).min(MAX_EDITS) as isize;
    let offset = max + 1;
    // v[k + offset]: the furthest x reached on diagonal k = x - y.
    let mut v = vec![0isize; 2 * offset as usize + 1];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=max {
        trace.push(v[(offset - d) as usize..=(offset + d) as usize].to_vec());
        let mut k = -d;
        while k <= d {
            let down = k == -d || (k != d && v[(offset + k - 1) as usize] < v[(offset + k + 1) as usize]);
            let mut x = if down { v[(offset + k + 1) as usize] } else { v[(offset + k - 1) as usize] + 1 };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[(offset + k) as usize] = x;
            if x >= n && y >= m {
                return Some(backtrack(&trace, a.len(), b.len(), d));
            }
            k += 2;
        }
    }
    None
}

/// Follow the rounds of [`myers`] back from the end to the start.
fn backtrack(trace: &[Vec<isize>], n: usize, m: usize, d_end: isize) -> Vec<Op> {
    let mut ops = Vec::new();
    let (mut x, mut y) = (n as isize, m as isize);
    for d in (1..=d_end).rev() {
        // trace[d] holds v as it was before round d: diagonals -d..=d of the
        // rounds before, stored from index 0.
        let v = &trace[d as usize];
        let at = |k: isize| v[(k + d) as usize];
        let k = x - y;
        let down = k == -d || (k != d && at(k - 1) < at(k + 1));
        let prev_k = if down { k + 1 } else { k - 1 };
        let prev_x = at(prev_k);
        let prev_y = prev_x - prev_k;
        while x > prev_x && y > prev_y {
            ops.push(Op::Same);
            x -= 1;
            y -= 1;
        }
        ops.push(if down { Op::Insert } else { Op::Delete });
        x = prev_x;
        y = prev_y;
    }
    while x > 0 && y > 0 {
        ops.push(Op::Same);
        x -= 1;
        y -= 1;
    }
    ops.reverse();
    ops
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
    fn the_edit_script_is_shortest() {
        let a = ["a\n", "b\n", "c\n", "a\n", "b\n", "b\n", "a\n"];
        let b = ["c\n", "b\n", "a\n", "b\n", "a\n", "c\n"];
        let script = edit_script(&a, &b);
        // Myers' own example: 5 edits.
        assert_eq!(script.iter().filter(|&&op| op != Op::Same).count(), 5);
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
