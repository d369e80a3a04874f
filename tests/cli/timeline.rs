//! `escalate timeline`: dates on a real working-day calendar, in text, JSON
//! and ICS, for the shipped policies and for small protocols written here.

use chrono::{Datelike, Days, NaiveDate};
use proptest::prelude::*;

use crate::{escalate, escalate_with_stdin, relative, transcript};
use escalate::calendar::Calendar;
use escalate::timeline::Timeline;

/// A plain three-stage ladder: 2, 3 and 5 working days, limit 10.
const LADDER: &str = r#"protocol "Ladder"
  limit 10 working days
outcome agreed "Agreed"
stage 1 "Practitioners" {
  within 2 working days
  resolved -> agreed
  unresolved -> stage 2
}
stage 2 "Managers" {
  within 3 working days
  resolved -> agreed
  unresolved -> stage 3
}
stage 3 "Chair" {
  within 5 working days
  final decision
  resolved -> agreed
}
"#;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// `timeline --format json` of `source` (from stdin) with extra arguments.
fn timeline_json(source: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["timeline", "-", "--format", "json"];
    all.extend_from_slice(args);
    let output = escalate_with_stdin(&all, Some(source.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

/// (starts, due) of each stage, then the overall deadline.
fn dates(doc: &serde_json::Value) -> (Vec<(String, String)>, String) {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("null").to_string();
    let stages = doc["stages"]
        .as_array()
        .expect("stages is an array")
        .iter()
        .map(|s| (text(&s["starts"]), text(&s["due"])))
        .collect();
    (stages, text(&doc["overall_due"]))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn wolverhampton_from_monday_21_december_2026() {
    // The example in issue 4: 25 and 28 December are holidays (28 is the
    // Boxing Day substitute), and so is 1 January.
    let output =
        escalate(&["timeline", "policies/wolverhampton.esc", "--from", "2026-12-21", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let doc = crate::json(&output);
    let stages = doc["stages"].as_array().expect("stages");
    assert_eq!(stages[0]["stage"], "1");
    assert_eq!(stages[0]["starts"], "2026-12-21");
    assert_eq!(stages[0]["working_days"], 5);
    assert_eq!(stages[0]["due"], "2026-12-30");
    assert_eq!(stages[1]["stage"], "2");
    assert_eq!(stages[1]["starts"], "2026-12-30");
    assert_eq!(stages[1]["working_days"], 2);
    assert_eq!(stages[1]["due"], "2027-01-04");
    assert_eq!(doc["calendar"], "england-and-wales");
    // 10 working days from 21 December 2026.
    assert_eq!(doc["limit_due"], "2027-01-07");

    let text = escalate(&["timeline", "policies/wolverhampton.esc", "--from", "2026-12-21"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("Mon 21 Dec 2026  Wed 30 Dec 2026  5"), "{stdout}");
    assert!(stdout.contains("Wed 30 Dec 2026  Mon 4 Jan 2027   2"), "{stdout}");
}

#[test]
fn christmas_and_new_year() {
    let doc = timeline_json(LADDER, &["--from", "2026-12-21"]);
    assert_eq!(
        dates(&doc),
        (
            pairs(&[
                ("2026-12-21", "2026-12-23"),
                // Thu 24; Fri 25 and Mon 28 are holidays; Tue 29, Wed 30.
                ("2026-12-23", "2026-12-30"),
                // Thu 31; Fri 1 January is a holiday; 4 to 7 January.
                ("2026-12-30", "2027-01-07"),
            ]),
            "2027-01-07".to_string()
        )
    );
    assert_eq!(doc["exceeds_limit"], false);
    // Scotland also closes on Monday 4 January 2027 (2 January is a Saturday).
    let scotland = timeline_json(LADDER, &["--from", "2026-12-21", "--calendar", "scotland"]);
    assert_eq!(scotland["overall_due"], "2027-01-08");
    assert_eq!(scotland["calendar"], "scotland");
}

#[test]
fn easter() {
    // Thursday 17 April 2025: Good Friday 18, Easter Monday 21, and the early
    // May bank holiday on Monday 5 May.
    let doc = timeline_json(LADDER, &["--from", "2025-04-17"]);
    assert_eq!(
        dates(&doc),
        (
            pairs(&[
                ("2025-04-17", "2025-04-23"),
                ("2025-04-23", "2025-04-28"),
                ("2025-04-28", "2025-05-06")
            ]),
            "2025-05-06".to_string()
        )
    );
    // Scotland works on Easter Monday.
    let scotland = timeline_json(LADDER, &["--from", "2025-04-17", "--calendar", "scotland"]);
    assert_eq!(scotland["stages"][0]["due"], "2025-04-22");
    assert_eq!(scotland["overall_due"], "2025-05-02");
}

#[test]
fn one_off_bank_holidays() {
    // Platinum Jubilee: Thursday 2 and Friday 3 June 2022.
    let jubilee = timeline_json(LADDER, &["--from", "2022-05-31"]);
    assert_eq!(jubilee["stages"][0]["due"], "2022-06-06");
    // Monday 30 May 2022 was a working day: the spring bank holiday moved.
    let moved = timeline_json(LADDER, &["--from", "2022-05-27"]);
    assert_eq!(moved["stages"][0]["due"], "2022-05-31");
    // The State Funeral, Monday 19 September 2022.
    let funeral = timeline_json(LADDER, &["--from", "2022-09-15"]);
    assert_eq!(funeral["stages"][0]["due"], "2022-09-20");
    // The coronation, Monday 8 May 2023, a week after the early May bank holiday.
    let coronation = timeline_json(LADDER, &["--from", "2023-04-28"]);
    assert_eq!(
        dates(&coronation).0,
        pairs(&[("2023-04-28", "2023-05-03"), ("2023-05-03", "2023-05-09"), ("2023-05-09", "2023-05-16")])
    );
    // Diamond Jubilee, 4 and 5 June 2012 (28 May 2012 was a working day).
    let diamond = timeline_json(LADDER, &["--from", "2012-05-25"]);
    assert_eq!(
        dates(&diamond),
        (
            pairs(&[
                ("2012-05-25", "2012-05-29"),
                ("2012-05-29", "2012-06-01"),
                ("2012-06-01", "2012-06-12")
            ]),
            "2012-06-12".to_string()
        )
    );
}

#[test]
fn hours_and_route_timescales() {
    // The route's own 24 hours (1 working day, rounded up) comes before
    // stage 2 starts; "same working day" ends on the day it starts.
    let source = r#"protocol "Routes"
outcome agreed "Agreed"
stage 1 "First" {
  within 2 working days
  unresolved -> stage 2 within 24 hours
}
stage 2 "Second" {
  within same working day
  unresolved -> stage 3
}
stage 3 "Third" {
  within 48 hours or 5 working days, whichever is shorter
  final decision
  resolved -> agreed
}
"#;
    let doc = timeline_json(source, &["--from", "2026-12-21"]);
    assert_eq!(
        dates(&doc),
        (
            pairs(&[
                ("2026-12-21", "2026-12-23"),
                ("2026-12-24", "2026-12-24"),
                // 48 hours run on the clock, earlier than 5 working days: they
                // end on Saturday 26 December, a day no one works, shown as such.
                ("2026-12-24", "2026-12-26"),
            ]),
            "2026-12-26".to_string()
        )
    );
    assert_eq!(doc["stages"][1]["route_working_days"], 1);
    // As a worst case, 48 hours count as at most 2 working days.
    assert_eq!(doc["stages"][2]["working_days"], 2);
    assert_eq!(doc["stages"][2]["due_is_working_day"], false);
    assert_eq!(doc["stages"][1]["due_is_working_day"], true);
    let text = escalate_with_stdin(&["timeline", "-", "--from", "2026-12-21"], Some(source.as_bytes()));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("The route into `stage 2` allows 1 working day"), "{stdout}");
    assert!(stdout.contains("Hours run on the clock"), "{stdout}");
    assert!(stdout.contains("Sat 26 Dec 2026 (not a working day)"), "{stdout}");
}

#[test]
fn unbounded_stages_leave_later_dates_null() {
    let source = r#"protocol "Vague"
  limit 5 working days
outcome agreed "Agreed"
stage 1 "First" {
  within 2 working days
  unresolved -> stage 2
}
stage 2 "Second" {
  within without delay
  unresolved -> stage 3
}
stage 3 "Third" {
  within 1 working day
  final decision
  resolved -> agreed
}
"#;
    let doc = timeline_json(source, &["--from", "2026-06-01"]);
    assert_eq!(doc["stages"][0]["due"], "2026-06-03");
    assert_eq!(doc["stages"][1]["starts"], "2026-06-03");
    assert_eq!(doc["stages"][1]["due"], serde_json::Value::Null);
    assert_eq!(doc["stages"][1]["working_days"], serde_json::Value::Null);
    assert_eq!(doc["stages"][2]["starts"], serde_json::Value::Null);
    assert_eq!(doc["stages"][2]["due"], serde_json::Value::Null);
    assert_eq!(doc["stages"][2]["working_days"], 1);
    assert_eq!(doc["overall_due"], serde_json::Value::Null);
    assert_eq!(doc["limit_due"], "2026-06-08");
    // The bounded part (3 working days) ends before the limit: not known to exceed it.
    assert_eq!(doc["at_least_due"], "2026-06-04");
    assert_eq!(doc["exceeds_limit"], serde_json::Value::Null);
    let text = escalate_with_stdin(&["timeline", "-", "--from", "2026-06-01"], Some(source.as_bytes()));
    let stdout = String::from_utf8_lossy(&text.stdout);
    let row = stdout.lines().find(|l| l.starts_with("2 *")).unwrap_or_default();
    assert!(row.contains("Wed 3 Jun 2026  no deadline     without delay"), "{stdout}");
    assert!(stdout.contains("Overall deadline: none"), "{stdout}");
    assert!(stdout.contains("nothing shows that it ends by the declared limit"), "{stdout}");
}

#[test]
fn a_worst_case_later_than_the_limit_is_said_plainly() {
    let source = LADDER.replace("limit 10 working days", "limit 8 working days");
    let doc = timeline_json(&source, &["--from", "2026-12-21"]);
    assert_eq!(doc["limit_due"], "2027-01-05");
    assert_eq!(doc["overall_due"], "2027-01-07");
    assert_eq!(doc["exceeds_limit"], true);
    let text = escalate_with_stdin(&["timeline", "-", "--from", "2026-12-21"], Some(source.as_bytes()));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains(
            "The worst case is LATER than the declared limit: Thu 7 Jan 2027 is 2 working days after Tue 5 Jan 2027."
        ),
        "{stdout}"
    );
}

#[test]
fn the_calendar_comes_from_the_flag_then_the_protocol_then_the_default() {
    let scottish = LADDER.replace("  limit 10", "  calendar scotland\n  limit 10");
    assert_eq!(timeline_json(&scottish, &["--from", "2026-12-21"])["calendar"], "scotland");
    let flagged = timeline_json(&scottish, &["--from", "2026-12-21", "--calendar", "northern-ireland"]);
    assert_eq!(flagged["calendar"], "northern-ireland");
    assert_eq!(timeline_json(LADDER, &["--from", "2026-12-21"])["calendar"], "england-and-wales");
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["--from", "2026-12-21", "--calendar", "wales"], "possible values: england-and-wales"),
        (&["--from", "2026-13-01"], "there is no such day as `2026-13-01`"),
        (&["--from", "2026-02-29"], "there is no such day as `2026-02-29`"),
        (&["--from", "12/21/2026"], "there is no such day as `12/21/2026`"),
        (&["--from", "2026-1-5"], "is not a date: write `today`, YYYY-MM-DD or DD/MM/YYYY"),
        (&[], "--from <DATE>"),
    ];
    for (args, message) in cases {
        let mut all = vec!["timeline", "policies/wolverhampton.esc"];
        all.extend_from_slice(args);
        let output = escalate(&all);
        assert_eq!(output.status.code(), Some(2), "{all:?}");
        assert!(output.stdout.is_empty(), "{all:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{all:?}: {stderr}");
    }
    let dir = escalate(&["timeline", "policies", "--from", "2026-12-21"]);
    assert_eq!(dir.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dir.stderr).contains("is a directory"));
}

#[test]
fn bad_protocols_give_the_diagnostics_of_check() {
    for file in [
        "tests/cases/syntax-error-missing-brace.esc",
        "tests/cases/unknown-calendar.esc",
        "tests/cases/unknown-name-misspelt-stage.esc",
        "tests/no-such.esc",
    ] {
        let timeline = escalate(&["timeline", file, "--from", "2026-12-21"]);
        assert_eq!(timeline.status.code(), Some(2), "{file}");
        assert!(timeline.stdout.is_empty(), "{file}");
        let check = escalate(&["check", file]);
        assert_eq!(check.status.code(), Some(2), "{file}");
        // The same report, on stderr so that stdout only ever holds a timeline.
        assert_eq!(
            String::from_utf8_lossy(&timeline.stderr),
            String::from_utf8_lossy(&check.stdout),
            "{file}"
        );
    }
}

#[test]
fn dates_outside_the_published_table_warn() {
    let late = escalate_with_stdin(&["timeline", "-", "--from", "2035-12-20"], Some(LADDER.as_bytes()));
    assert_eq!(late.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&late.stderr);
    assert!(stderr.contains("warning: year 2036 is outside the years of published"), "{stderr}");
    assert!(stderr.contains("(2010-2035)"), "{stderr}");
    let early = escalate_with_stdin(&["timeline", "-", "--from", "2009-12-21"], Some(LADDER.as_bytes()));
    assert!(String::from_utf8_lossy(&early.stderr).contains("year 2009 is outside"));
    let inside = escalate_with_stdin(&["timeline", "-", "--from", "2026-12-21"], Some(LADDER.as_bytes()));
    assert!(inside.stderr.is_empty(), "{}", String::from_utf8_lossy(&inside.stderr));
}

#[test]
fn policies_text_timeline() {
    insta::glob!("../../policies", "*.esc", |path| {
        let file = relative(path);
        let output = escalate(&["timeline", &file, "--from", "2026-12-21"]);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        insta::assert_snapshot!("timeline", transcript(&output));
    });
}

#[test]
fn json_has_the_documented_fields() {
    for entry in std::fs::read_dir("policies").expect("policies/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|e| e != "esc") {
            continue;
        }
        let file = relative(&path);
        let output = escalate(&["timeline", &file, "--from", "2026-03-02", "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{file}");
        let doc = crate::json(&output);
        assert!(doc["protocol"].is_string(), "{file}");
        assert_eq!(doc["from"], "2026-03-02", "{file}");
        let is_date_or_null = |v: &serde_json::Value| {
            v.is_null() || v.as_str().is_some_and(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
        };
        assert!(doc.get("overall_due").is_some_and(is_date_or_null), "{file}");
        assert!(doc.get("limit_due").is_some_and(is_date_or_null), "{file}");
        assert!(doc["calendar"].is_string(), "{file}");
        let stages = doc["stages"].as_array().expect("stages is an array");
        assert!(!stages.is_empty(), "{file}");
        for stage in stages {
            assert!(stage["stage"].is_string(), "{file}: {stage}");
            assert!(stage["title"].is_string(), "{file}: {stage}");
            for key in ["starts", "due"] {
                assert!(stage.get(key).is_some_and(is_date_or_null), "{file}: {key} in {stage}");
            }
            let days = stage.get("working_days").expect("working_days is present");
            assert!(days.is_null() || days.is_u64(), "{file}: {stage}");
        }
        assert_eq!(stages[0]["starts"], "2026-03-02", "{file}");
    }
}

/// The ICS output, checked against RFC 5545's layout by hand and parsed by
/// the `icalendar` crate's parser.
fn check_ics(ics: &str) -> icalendar::Calendar {
    assert!(ics.ends_with("\r\n"), "ends with CRLF");
    assert!(!ics.replace("\r\n", "").contains('\n'), "no bare LF");
    assert!(!ics.replace("\r\n", "").contains('\r'), "no bare CR");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    let unfolded = icalendar::parser::unfold(ics);
    let parsed = icalendar::parser::read_calendar(&unfolded).unwrap_or_else(|e| panic!("parses: {e}\n{ics}"));
    assert!(parsed.properties.iter().any(|p| p.name.as_str() == "VERSION" && p.val.as_str() == "2.0"));
    assert!(parsed.properties.iter().any(|p| p.name.as_str() == "PRODID"));
    ics.parse::<icalendar::Calendar>().unwrap_or_else(|e| panic!("typed parse: {e}"))
}

/// (summary, all-day date) of each event.
fn events(calendar: &icalendar::Calendar) -> Vec<(String, NaiveDate)> {
    use icalendar::{Component, DatePerhapsTime};
    calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|event| {
            let Some(DatePerhapsTime::Date(start)) = event.get_start() else {
                panic!("all-day DTSTART in {event:?}")
            };
            let Some(DatePerhapsTime::Date(end)) = event.get_end() else {
                panic!("all-day DTEND in {event:?}")
            };
            assert_eq!(end, start + Days::new(1), "one-day event");
            assert!(event.get_uid().is_some_and(|u| !u.is_empty()));
            assert!(event.get_timestamp().is_some(), "DTSTAMP");
            (event.get_summary().expect("SUMMARY").to_string(), start)
        })
        .collect()
}

#[test]
fn ics_parses_and_has_one_event_per_deadline() {
    let output =
        escalate(&["timeline", "policies/wolverhampton.esc", "--from", "2026-12-21", "--format", "ics"]);
    assert_eq!(output.status.code(), Some(0));
    let ics = String::from_utf8(output.stdout).expect("UTF-8");
    let events = events(&check_ics(&ics));
    // The stages of the worst-case route have due dates; the overall deadline
    // is unknown, which an event on the start date says; the declared limit
    // (10 working days) has its own event.
    assert_eq!(
        events,
        vec![
            (
                "Stage 1 due: Discussion between professionals to resolve issue - verbally and in writing"
                    .to_string(),
                date(2026, 12, 30)
            ),
            (
                "Stage 2 due: Escalation to line/team managers who attempt to resolve issues".to_string(),
                date(2027, 1, 4)
            ),
            ("Stage 3 due: Escalation to Senior Managers/Safeguarding Leads".to_string(), date(2027, 1, 7)),
            ("Stage 4 due: Escalation to agency/sector WSCB representative".to_string(), date(2027, 1, 13)),
            (
                "Stage wscb-chair due: Exceptional circumstances: the Director writes to the WSCB Chair, who \
                 makes a final and binding decision"
                    .to_string(),
                date(2027, 1, 22)
            ),
            (
                "No overall deadline: Wolverhampton Safeguarding Children Board: Dispute Resolution Policy \
                 (Process for Resolution and Escalation)"
                    .to_string(),
                date(2026, 12, 21)
            ),
            (
                "Declared limit: Wolverhampton Safeguarding Children Board: Dispute Resolution Policy \
                 (Process for Resolution and Escalation)"
                    .to_string(),
                date(2027, 1, 7)
            ),
        ]
    );

    // The same input gives the same events and UIDs (DTSTAMP is the time
    // of the run), and the UIDs are distinct.
    let again =
        escalate(&["timeline", "policies/wolverhampton.esc", "--from", "2026-12-21", "--format", "ics"]);
    let without_stamps =
        |text: &str| text.lines().filter(|l| !l.starts_with("DTSTAMP:")).collect::<Vec<_>>().join("\n");
    assert_eq!(without_stamps(&ics), without_stamps(&String::from_utf8_lossy(&again.stdout)));
    let uids: Vec<&str> = ics.lines().filter_map(|l| l.strip_prefix("UID:")).collect();
    let mut unique = uids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(uids.len(), unique.len());
}

#[test]
fn ics_escapes_text_and_dates_the_overall_deadline() {
    let source = LADDER
        .replace(
            r#"protocol "Ladder""#,
            r#"protocol "North, South; East \\ West — a very long title that must be folded across lines""#,
        )
        .replace(r#"stage 3 "Chair""#, r#"stage 3 "Chair; decides, finally \\ é""#);
    let output = escalate_with_stdin(
        &["timeline", "-", "--from", "2026-12-21", "--format", "ics"],
        Some(source.as_bytes()),
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let ics = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(ics.contains(r"North\, South\; East \\ West"), "{ics}");
    let events = events(&check_ics(&ics));
    // Three stages, the overall deadline, and the declared limit.
    assert_eq!(events.len(), 5);
    assert_eq!(events[2], (r"Stage 3 due: Chair; decides, finally \ é".to_string(), date(2027, 1, 7)));
    assert!(events[4].0.starts_with("Declared limit: North, South; East"), "{:?}", events[4]);
    assert_eq!(
        events[3],
        (
            r"Overall deadline: North, South; East \ West — a very long title that must be folded across lines"
                .to_string(),
            date(2027, 1, 7)
        )
    );
}

/// A random ladder: each stage's `within`, and the route on to the next, is
/// drawn from the kinds of timescale the language has; some stages also get
/// a route that skips ahead, so the worst case is not always the ladder.
fn any_protocol() -> impl Strategy<Value = String> {
    let timescale = prop_oneof![
        (0u32..12).prop_map(|n| format!("{n} working days")),
        (1u32..80).prop_map(|n| format!("{n} hours")),
        Just("same working day".to_string()),
        Just("immediately".to_string()),
        Just("a working week".to_string()),
        Just("without delay".to_string()),
        (1u32..9, 1u32..9).prop_map(|(a, b)| format!("{a} working days or {b} hours, whichever is shorter")),
    ];
    let stage = (timescale.clone(), prop::option::of(timescale), prop::option::of(1usize..3));
    prop::collection::vec(stage, 1..6).prop_map(|stages| {
        let count = stages.len();
        let mut text = String::from("protocol \"Random\"\noutcome agreed \"Agreed\"\n");
        for (i, (within, route, skip)) in stages.into_iter().enumerate() {
            let n = i + 1;
            text.push_str(&format!("stage {n} \"Stage {n}\" {{\n  within {within}\n  resolved -> agreed\n"));
            if n < count {
                let timed = route.map_or(String::new(), |t| format!(" within {t}"));
                text.push_str(&format!("  unresolved -> stage {}{timed}\n", n + 1));
                if let Some(skip) = skip.filter(|s| n + 1 + s <= count) {
                    text.push_str(&format!("  if \"urgent\" -> stage {}\n", n + 1 + skip));
                }
            } else {
                text.push_str("  final decision\n");
            }
            text.push_str("}\n");
        }
        text
    })
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0u64..(365 * 30)).prop_map(|offset| date(2008, 1, 1) + Days::new(offset))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Along the route: every due date is a working day, no date is earlier
    /// than the one before it, a stage is never due before it starts, and once
    /// a date is unknown every later one is too.
    #[test]
    fn due_dates_are_working_days_in_order(
        source in any_protocol(),
        from in any_date(),
        calendar in prop::sample::select(Calendar::NAMES),
    ) {
        let protocol = escalate::load(&source).map_err(|e| TestCaseError::fail(format!("{e:?}\n{source}")))?;
        let calendar = Calendar::named(calendar).expect("shipped calendar");
        let t = Timeline::compute(&protocol, &escalate::analysis::Analysis::of(&protocol), calendar.clone(), from);
        let mut last = Some(from);
        for stage in &t.stages {
            for date in [stage.starts, stage.due] {
                match (last, date) {
                    (Some(before), Some(date)) => prop_assert!(date >= before, "{date} before {before}\n{source}"),
                    (None, Some(date)) => prop_assert!(false, "{date} after an unknown date\n{source}"),
                    _ => {}
                }
                last = date;
            }
            if let Some(due) = stage.due {
                prop_assert_eq!(stage.due_is_working_day, calendar.is_working_day(due));
                // Only time on the clock can end on a day no one works.
                if !stage.timescale.contains("hour") {
                    prop_assert!(calendar.is_working_day(due), "{due} is not a working day\n{source}");
                    prop_assert!(due.weekday().num_days_from_monday() < 5);
                }
            }
        }
        match (last, t.overall_due) {
            (Some(before), Some(overall)) => prop_assert!(overall >= before),
            (None, Some(overall)) => prop_assert!(false, "{overall} after an unknown date"),
            _ => {}
        }
        if let Some(overall) = t.overall_due && !source.contains("hour") {
            prop_assert!(calendar.is_working_day(overall));
        }
        if let Some(due) = t.limit.as_ref().and_then(|l| l.due) {
            prop_assert!(calendar.is_working_day(due));
        }
    }

    /// From a working day, the overall deadline is the worst case's working
    /// days on the calendar: the dates agree with the checks' arithmetic.
    #[test]
    fn the_overall_deadline_is_the_worst_case_in_working_days(
        source in any_protocol(),
        from in any_date(),
    ) {
        let protocol = escalate::load(&source).map_err(|e| TestCaseError::fail(format!("{e:?}\n{source}")))?;
        let calendar = Calendar::named("england-and-wales").expect("shipped calendar");
        prop_assume!(calendar.is_working_day(from));
        let t = Timeline::compute(&protocol, &escalate::analysis::Analysis::of(&protocol), calendar.clone(), from);
        // Hours run on the clock, which working days only bound.
        if let Some(overall) = t.overall_due.filter(|_| !source.contains("hour")) {
            let days: u64 = t
                .stages
                .iter()
                .map(|s| s.route_working_days.unwrap_or(0) + s.working_days.unwrap_or(0))
                .sum::<u64>()
                + t.end.route_working_days.unwrap_or(0);
            prop_assert_eq!(u64::from(calendar.working_days_between(from, overall)), days, "{}", source);
        }
    }
}

/// Issue 23: the Crown Dependencies' own bank holidays move the dates: the
/// TT bank holiday (Friday 5 June 2026) on the Isle of Man, Liberation Day
/// (Friday 9 May 2025) in Jersey and Guernsey.
#[test]
fn the_isle_of_man_jersey_and_guernsey_have_their_own_days() {
    let due_of_stage_1 = |calendar: &str, from: &str| {
        let source = LADDER.replace("  limit 10", &format!("  calendar {calendar}\n  limit 10"));
        let doc = timeline_json(&source, &["--from", from]);
        assert_eq!(doc["calendar"], calendar);
        dates(&doc).0[0].1.clone()
    };
    assert_eq!(due_of_stage_1("isle-of-man", "2026-06-03"), "2026-06-08");
    assert_eq!(due_of_stage_1("england-and-wales", "2026-06-03"), "2026-06-05");
    assert_eq!(due_of_stage_1("jersey", "2025-05-07"), "2025-05-12");
    assert_eq!(due_of_stage_1("guernsey", "2025-05-07"), "2025-05-12");
    assert_eq!(due_of_stage_1("scotland", "2025-05-07"), "2025-05-09");
    // Beyond the island's table (2022-2026) the dates come from the rules, with a warning.
    let source = LADDER.replace("  limit 10", "  calendar isle-of-man\n  limit 10");
    let late = escalate_with_stdin(&["timeline", "-", "--from", "2027-06-02"], Some(source.as_bytes()));
    let stderr = String::from_utf8_lossy(&late.stderr);
    assert!(stderr.contains("(2022-2026)"), "{stderr}");
}

/// Issue 23: a board's own `closed` days are no working days in its
/// timeline: stage 2 of tests/cases/closed-days.esc starts on Wednesday 23
/// December 2026 and takes 3 working days; with the office closed from 24
/// December to 1 January and on 4 January, they are 5, 6 and 7 January.
#[test]
fn a_board_s_closed_days_are_no_working_days() {
    let source = std::fs::read_to_string("tests/cases/closed-days.esc").expect("the case file");
    let doc = timeline_json(&source, &["--from", "2026-12-21"]);
    let (stages, overall) = dates(&doc);
    assert_eq!(stages[1], ("2026-12-23".to_string(), "2027-01-07".to_string()));
    assert_eq!(overall, "2027-01-07");
    // Without them, the bank holidays alone: 24, 29 and 30 December.
    let open = source.replace("  closed 2026-12-24 to 2027-01-01, 2027-01-04\n", "");
    assert_eq!(dates(&timeline_json(&open, &["--from", "2026-12-21"])).1, "2026-12-30");
}

/// Issue 23: each pathway of equal standing has its own timeline, chosen by
/// `--pathway NAME`; the first is dated without it, and an unknown name is
/// refused (exit 2) with the nearest name and the list.
#[test]
fn each_pathway_has_its_own_timeline() {
    let file = "tests/cases/pathways.esc";
    let json = |pathway: Option<&str>| {
        let mut args = vec!["timeline", file, "--from", "2026-03-02", "--format", "json"];
        if let Some(name) = pathway {
            args.extend(["--pathway", name]);
        }
        let output = escalate(&args);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("one JSON document")
    };
    let first = json(None);
    assert_eq!(first, json(Some("differences")));
    assert_eq!(first["pathway"]["name"], "differences");
    assert_eq!(first["worst_case"]["days"], 9);
    assert_eq!(first["overall_due"], "2026-03-13");
    let concerns = json(Some("concerns"));
    assert_eq!(concerns["pathway"]["title"], "Escalation of concerns");
    assert_eq!(concerns["worst_case"]["days"], 12);
    let stages: Vec<&str> =
        concerns["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["c1", "c2"]);
    assert_eq!(concerns["overall_due"], "2026-03-18");

    let text = escalate(&["timeline", file, "--from", "2026-03-02", "--pathway", "concerns"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(
            "Worst case along the pathway `concerns` (\"Escalation of concerns\"): 12 working days"
        ),
        "{text}"
    );
    let ics =
        escalate(&["timeline", file, "--from", "2026-03-02", "--pathway", "concerns", "--format", "ics"]);
    let ics = String::from_utf8_lossy(&ics.stdout).replace("\r\n ", "");
    assert!(ics.contains("DTSTART;VALUE=DATE:20260318"), "{ics}");
    assert!(ics.contains("Several pathways: Escalation of concerns"), "{ics}");
    // The two pathways' events never share an id.
    let other = escalate(&["timeline", file, "--from", "2026-03-02", "--format", "ics"]);
    let other = String::from_utf8_lossy(&other.stdout).replace("\r\n ", "");
    let uids = |t: &str| t.lines().filter(|l| l.starts_with("UID:")).map(str::to_string).collect::<Vec<_>>();
    assert!(uids(&ics).iter().all(|u| !uids(&other).contains(u)));

    let wrong = escalate(&["timeline", file, "--from", "2026-03-02", "--pathway", "concern"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", transcript(&wrong));
    assert!(wrong.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("has no pathway `concern`"), "{stderr}");
    assert!(stderr.contains("did you mean `concerns`?"), "{stderr}");
    assert!(stderr.contains("`differences`, `concerns`"), "{stderr}");

    // A file of one pathway keeps its timeline as it was: no `pathway` field.
    let one = timeline_json(LADDER, &["--from", "2026-03-02"]);
    assert!(one.get("pathway").is_none(), "{one}");
    let main = timeline_json(LADDER, &["--from", "2026-03-02", "--pathway", "main"]);
    assert_eq!(one, main);
}
