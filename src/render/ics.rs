//! A [`Timeline`] as an iCalendar file (RFC 5545, `timeline --format ics`):
//! one all-day event on each stage's due date, one on the overall deadline
//! and one on the declared limit's date, for Outlook, Google Calendar and the
//! like to import.
//!
//! `DTSTAMP` is the time of the run, as RFC 5545 asks (when the file was
//! made); each `UID` is made from `--from`, a hash of the protocol's title and
//! the event's place in the timeline, so importing a new file for the same
//! start updates the events instead of duplicating them.

use chrono::NaiveDate;

use super::timeline::{cause_text, long_date};
use crate::timeline::Timeline;

/// RFC 5545 §3.1: lines longer than 75 octets are folded.
const MAX_LINE_OCTETS: usize = 75;

/// The whole iCalendar file, CRLF line endings.
pub fn render(t: &Timeline) -> String {
    render_at(t, chrono::Utc::now())
}

/// As [`render`], made at the time `stamp`.
pub fn render_at(t: &Timeline, stamp: chrono::DateTime<chrono::Utc>) -> String {
    let stamp = stamp.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = Lines::default();
    let protocol_key = format!("{:016x}", fnv1a(t.name().as_bytes()));
    let from = t.from.format("%Y%m%d").to_string();
    let stamp = stamp.as_str();
    let uid = |what: &str| format!("{from}-{protocol_key}-{what}@escalate.timeline");
    let calendar = t.calendar.name();

    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//escalate//timeline//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", text(&format!("Escalation timeline: {}", t.name()))));

    for (position, stage) in t.stages.iter().enumerate() {
        let Some(due) = stage.due else { continue };
        let started = stage.starts.map_or_else(|| "an unknown date".to_string(), long_date);
        let days = stage.working_days.map_or_else(String::new, |d| format!("{d} working days, "));
        let description = format!(
            "The latest date stage {} (\"{}\") must end, in the worst case: {days}from {started}.\n\
             Protocol: {}.\nStarted {} on the {calendar} calendar.\nComputed by escalate timeline.",
            stage.id,
            stage.title,
            t.name(),
            long_date(t.from),
        );
        event(
            &mut out,
            &uid(&format!("{}-stage-{}", position + 1, uid_safe(&stage.id))),
            stamp,
            due,
            &format!("Stage {} due: {}", stage.id, stage.title),
            &description,
        );
    }

    match t.overall_due {
        Some(due) => {
            let limit = match (&t.limit, t.exceeds_limit()) {
                (Some(limit), Some(true)) => format!(
                    "\nThis is later than the declared limit ({}), which is {}.",
                    limit.text,
                    limit.due.map(long_date).unwrap_or_default()
                ),
                (Some(limit), _) => format!("\nDeclared limit: {}.", limit.text),
                (None, _) => String::new(),
            };
            let description = format!(
                "The latest date the disagreement can end, in the worst case, at {} {} (\"{}\").{limit}\n\
                 Protocol: {}.\nStarted {} on the {calendar} calendar.\nComputed by escalate timeline.",
                t.end.kind,
                t.end.name,
                t.end.title,
                t.name(),
                long_date(t.from),
            );
            event(
                &mut out,
                &uid("overall"),
                stamp,
                due,
                &format!("Overall deadline: {}", t.name()),
                &description,
            );
        }
        None => {
            // A calendar needs at least one event, and the reader needs to
            // know why the last date is missing: say so on the start date.
            let causes: Vec<String> = t.causes().map(cause_text).collect();
            let description = format!(
                "No overall deadline can be computed: {}.\nProtocol: {}.\nStarted {} on the {calendar} \
                 calendar.\nComputed by escalate timeline.",
                causes.join("; "),
                t.name(),
                long_date(t.from),
            );
            event(
                &mut out,
                &uid("no-overall-deadline"),
                stamp,
                t.from,
                &format!("No overall deadline: {}", t.name()),
                &description,
            );
        }
    }
    if let Some(limit) = &t.limit
        && let Some(due) = limit.due
    {
        let description = format!(
            "The protocol's declared limit ({}) ends on this day, counted from {}.\nProtocol: {}.\n\
             On the {calendar} calendar.\nComputed by escalate timeline.",
            limit.text,
            long_date(t.from),
            t.name(),
        );
        event(&mut out, &uid("limit"), stamp, due, &format!("Declared limit: {}", t.name()), &description);
    }
    out.line("END:VCALENDAR");
    out.0
}

/// One all-day event on `date`: DTEND is the next day, as RFC 5545 §3.6.1
/// asks for a one-day event, and TRANSP keeps it from blocking the day.
fn event(out: &mut Lines, uid: &str, stamp: &str, date: NaiveDate, summary: &str, description: &str) {
    let next = date.succ_opt().unwrap_or(date);
    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{uid}"));
    out.line(&format!("DTSTAMP:{stamp}"));
    out.line(&format!("DTSTART;VALUE=DATE:{}", date.format("%Y%m%d")));
    out.line(&format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
    out.line(&format!("SUMMARY:{}", text(summary)));
    out.line(&format!("DESCRIPTION:{}", text(description)));
    out.line("TRANSP:TRANSPARENT");
    out.line("END:VEVENT");
}

/// Content lines, each folded and ended with CRLF.
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// RFC 5545 §3.1: a line longer than 75 octets continues on the next
    /// line after CRLF and one space. The break never falls inside a UTF-8
    /// character, and the space counts towards the next line's 75 octets.
    fn line(&mut self, line: &str) {
        let mut used = 0;
        for c in line.chars() {
            if used + c.len_utf8() > MAX_LINE_OCTETS {
                self.0.push_str("\r\n ");
                used = 1;
            }
            self.0.push(c);
            used += c.len_utf8();
        }
        self.0.push_str("\r\n");
    }
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped,
/// line breaks written `\n`, and other control characters (which TEXT may
/// not hold) dropped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break.
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A stage id as UID text: ASCII letters, digits, `-` and `_` kept, anything
/// else as `.xx` hex bytes (ids may hold any letter; `.` never occurs in one).
fn uid_safe(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!(".{byte:02x}"));
            }
        }
    }
    out
}

/// 64-bit FNV-1a: a small hash that never changes between Rust versions or
/// runs, unlike `std`'s `DefaultHasher`, so UIDs stay the same.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_the_specials() {
        assert_eq!(text("a,b;c\\d\ne\r\nf\u{7}g"), "a\\,b\\;c\\\\d\\ne\\nfg");
    }

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        let mut lines = Lines::default();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        lines.line(&long);
        for line in lines.0.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= MAX_LINE_OCTETS, "{} octets: {line}", line.len());
        }
        let unfolded = lines.0.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }

    #[test]
    fn uids_are_ascii_and_distinct() {
        assert_eq!(uid_safe("cp-request_2"), "cp-request_2");
        assert_eq!(uid_safe("é"), ".c3.a9");
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
