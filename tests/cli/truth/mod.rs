//! One truth, proven: every view of a protocol's time agrees with the
//! reference semantics (`reference.rs`) on random protocols (`generate.rs`).
//!
//! `cargo test` runs a fixed-seed share ([`SHARE`] protocols). A long run:
//! `TRUTH_RUNS=100000 cargo test --release --test cli truth -- --nocapture`
//! (`TRUTH_SEED` moves the start). Every protocol it ever found wrong is kept
//! as a case file under `tests/cases/` (`truth-*.esc`).

mod generate;
mod items;
mod reference;

use chrono::NaiveDate;
use escalate::compare::Summary;
use escalate::model::{Protocol, Target};
use escalate::render;
use escalate::timeline::Timeline;
use escalate::{Report, check_source};
use reference::{Dates, Days_, Time};

/// Protocols `cargo test` checks.
const SHARE: u64 = 2_000;

/// What one view said that the reference does not, for one protocol.
type Disagreement = String;

fn parse_date(text: &serde_json::Value) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.as_str()?, "%Y-%m-%d").ok()
}

/// A start date drawn from the seed: any day of 2026 and 2027, weekends and
/// bank holidays included.
fn start_date(seed: u64) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    base + chrono::Days::new(seed.wrapping_mul(7919) % 730)
}

fn place_name(p: &Protocol, t: Target) -> String {
    p.target_name(t)
}

/// Everything every view says about one protocol's time, held to the reference.
fn disagreements(seed: u64, text: &str) -> Vec<Disagreement> {
    let mut wrong = Vec::new();
    let report: Report = check_source("generated.esc", text.to_string());
    let Some((p, analysis)) = report.analysed() else {
        return vec![format!("did not load: {:?}", report.findings.first().map(|f| &f.message))];
    };
    // Each stage's own time, as `check`, the timeline's and the diagram's labels count it.
    for (ix, stage) in p.stages_with_ix() {
        let own = stage.duration();
        let t = reference::stage_time(p, ix);
        if (own.days.0, own.unbounded) != (t.at, t.open) {
            wrong.push(format!(
                "{}: own time escalate {} {}, reference {} {}",
                stage.display_id(),
                own.days.0,
                own.unbounded,
                t.at,
                t.open
            ));
        }
    }

    // Every timescale's own bound: what the language server's hover, the
    // `counted as` / `at most` words and every check say of it.
    for t in p.timescales() {
        if t.bound().map(|d| d.0) != reference::bound(t) {
            wrong.push(format!(
                "`{}`: bound {:?}, reference {:?}",
                t.written,
                t.bound(),
                reference::bound(t)
            ));
        }
    }

    // Every pathway of equal standing, each on its own, from its own start.
    let cases = analysis.cases();
    let several = cases.len() > 1;
    if p.pathways().len() != cases.len() {
        wrong.push(format!("{} pathways, {} analysed", p.pathways().len(), cases.len()));
    }
    for (k, case) in cases.iter().enumerate() {
        let mut said_wrong = pathway_disagrees(seed, p, &report, analysis, *case, k, several);
        if several {
            let name = p.pathway_name(case.pathway);
            said_wrong.iter_mut().for_each(|w| *w = format!("pathway `{name}`: {w}"));
        }
        wrong.extend(said_wrong);
    }
    wrong.extend(readings_disagree(text, &report, analysis));
    wrong.extend(counts_disagree(&report));
    wrong.extend(laws_broken(seed, text, analysis.worst.worst));
    wrong
}

/// Everything every view says about one pathway's time, held to the
/// reference's runs of that pathway from its own first stage.
fn pathway_disagrees(
    seed: u64,
    p: &Protocol,
    report: &Report,
    analysis: &escalate::analysis::Analysis,
    case: escalate::analysis::Case<'_>,
    k: usize,
    several: bool,
) -> Vec<Disagreement> {
    let mut wrong = Vec::new();
    let Some(first) = reference::first_stage(p, case.pathway) else {
        return vec!["a pathway of equal standing that begins at no stage".to_string()];
    };
    let day_runs = reference::runs_from(&Days_, p, case.pathway, first, 200_000);
    let (truth, cyclic) = reference::worst_case(&day_runs);

    // The analysis every view reads. A run that can go round a cycle has
    // no bound, and any figure is a true "at least" for it (each time round
    // adds to it), so only the lack of a bound is compared.
    //
    // An unbounded worst case's "at least" adds up each element's longest
    // bounded time along the way (docs/language.md): where an element's
    // choices differ in having a bound (a conditional step with an untimed
    // `otherwise`), escalate keeps its longest bounded time, and a later
    // deadline is then weighed against a start with no bound, so its figure
    // may be above the longest single run's; it is never below it (it never
    // understates what is known). A bounded worst case is exact.
    let worst = case.worst.worst;
    let agrees = match (cyclic, truth.open) {
        (true, _) => worst.unbounded,
        (false, true) => worst.unbounded && worst.days.0 >= truth.at,
        (false, false) => (worst.days.0, worst.unbounded) == (truth.at, truth.open),
    };
    if !agrees {
        wrong.push(format!(
            "worst case: escalate {} {}, reference {} {}",
            worst.days.0,
            if worst.unbounded { "unbounded" } else { "bounded" },
            truth.at,
            if truth.open { "unbounded" } else { "bounded" }
        ));
    }
    // compare, as JSON.
    if let Some(summary) = Summary::of(report) {
        let doc: serde_json::Value =
            serde_json::from_str(&render::compare::json(&[summary])).unwrap_or_default();
        let w = if several {
            let row = &doc["protocols"][0]["pathways"][k];
            if row["name"].as_str() != Some(p.pathway_name(case.pathway)) {
                wrong.push(format!("compare: pathway {k} is {}", row["name"]));
            }
            &row["worst_case"]
        } else {
            &doc["protocols"][0]["worst_case"]
        };
        if w["days"].as_u64() != Some(worst.days.0) || w["unbounded"].as_bool() != Some(worst.unbounded) {
            wrong.push(format!("compare: worst case {w}, analysis {worst}"));
        }
    }

    // timeline, as JSON: the route's dates are the reference's for that run.
    let from = start_date(seed);
    if let Some(calendar) = Timeline::calendar_for(p, None) {
        let t = Timeline::compute_for(p, analysis, case, calendar.clone(), from);
        let doc: serde_json::Value = serde_json::from_str(&render::timeline::json(&t)).unwrap_or_default();
        let w = &doc["worst_case"];
        if w["days"].as_u64() != Some(worst.days.0) || w["unbounded"].as_bool() != Some(worst.unbounded) {
            wrong.push(format!("timeline: worst case {w}, analysis {worst}"));
        }
        // The places of the route, as the timeline names them.
        let mut places: Vec<Target> = Vec::new();
        for row in doc["stages"].as_array().into_iter().flatten() {
            if let Some(ix) = p.stages.iter().position(|s| Some(s.id.as_str()) == row["stage"].as_str()) {
                places.push(Target::Stage(escalate::model::StageIx(ix)));
            }
        }
        let end_kind = doc["end"]["kind"].as_str().unwrap_or_default();
        let end_name = doc["end"]["name"].as_str().unwrap_or_default();
        match end_kind {
            "exit" => places.extend(
                p.exits
                    .iter()
                    .position(|e| e.name == end_name)
                    .map(|i| Target::Exit(escalate::model::ExitIx(i))),
            ),
            "outcome" => places.extend(
                p.outcomes
                    .iter()
                    .position(|e| e.name == end_name)
                    .map(|i| Target::Outcome(escalate::model::OutcomeIx(i))),
            ),
            _ => {}
        }
        let dates = Dates { calendar: &calendar, from };
        let date_runs = reference::runs_from(&dates, p, case.pathway, first, 200_000);
        let counted = reference::along(&day_runs, &places);
        let dated = reference::along(&date_runs, &places);
        match (counted, dated) {
            // Past a cycle nothing is dated; its route is checked no further.
            _ if cyclic => {}
            (Some(counted), Some(dated)) => {
                // The route the timeline shows is a worst run.
                if !truth.open && counted.end.at != truth.at {
                    let names: Vec<String> = places.iter().map(|t| place_name(p, *t)).collect();
                    wrong.push(format!(
                        "timeline: its route {} takes {} working days, the worst case {}",
                        names.join(" -> "),
                        counted.end.at,
                        truth.at
                    ));
                }
                let rows = doc["stages"].as_array().cloned().unwrap_or_default();
                for (i, row) in rows.iter().enumerate() {
                    let (s, e) = (dated.starts[i], dated.ends[i]);
                    let known = |t: Time<NaiveDate>| (!t.open).then_some(t.at);
                    if parse_date(&row["starts"]) != known(s) || parse_date(&row["due"]) != known(e) {
                        wrong.push(format!(
                            "timeline: stage {} starts {} due {}, reference {:?} {:?}",
                            row["stage"],
                            row["starts"],
                            row["due"],
                            known(s),
                            known(e)
                        ));
                    }
                    // The stage's own time on the route: from its latest start
                    // to its latest end, where both are known.
                    let (cs, ce) = (counted.starts[i], counted.ends[i]);
                    let own = (!cs.open && !ce.open).then(|| ce.at - cs.at.min(ce.at));
                    if own.is_some() && row["working_days"].as_u64() != own {
                        wrong.push(format!(
                            "timeline: stage {} takes {} working days, reference {:?} on this route",
                            row["stage"], row["working_days"], own
                        ));
                    }
                }
                let due = (!dated.end.open && !truth.open).then_some(dated.end.at);
                if parse_date(&doc["overall_due"]) != due {
                    wrong.push(format!("timeline: overall due {}, reference {due:?}", doc["overall_due"]));
                }
            }
            _ => {
                let names: Vec<String> = places.iter().map(|t| place_name(p, *t)).collect();
                wrong.push(format!("timeline: its route {} is no run of the protocol", names.join(" -> ")));
            }
        }
        // The timeline's own text and its calendar say the same figures.
        let text = render::timeline::text(&t);
        let said = if worst.unbounded {
            format!("no bound, at least {}", worst.days)
        } else {
            worst.days.to_string()
        };
        let along = if t.pathway.is_some() {
            format!("the pathway `{}` (\"{}\")", p.pathway_name(case.pathway), p.pathway_title(case.pathway))
        } else {
            "the main pathway".to_string()
        };
        if !text.contains(&format!("Worst case along {along}: {said}")) {
            wrong.push(format!("timeline text: no `{said}`"));
        }
        let ics = render::ics::render(&t);
        for row in doc["stages"].as_array().into_iter().flatten() {
            if let Some(due) = parse_date(&row["due"]) {
                let stamp = due.format("%Y%m%d").to_string();
                if !ics.contains(&stamp) {
                    wrong.push(format!("ics: stage {} due {due} is not in the calendar file", row["stage"]));
                }
            }
        }
        if !cyclic {
            let pathway =
                (case.pathway != escalate::model::Pathway::Main).then(|| p.pathway_name(case.pathway));
            wrong.extend(scenario_disagrees(p, from, &places, &date_runs, pathway));
        }
        // The limit: exceeded exactly when the worst case is longer.
        if let Some(limit) = &p.limit
            && let Some(bound) = reference::bound(&limit.timescale)
        {
            let whose = if several {
                format!("the worst case of pathway `{}` takes", p.pathway_name(case.pathway))
            } else {
                "the worst case takes".to_string()
            };
            let said = report
                .findings
                .iter()
                .any(|f| f.code == escalate::diagnostic::Code::LimitExceeded && f.message.contains(&whose));
            if said != (worst.days.0 > bound) {
                wrong.push(format!(
                    "check: limit-exceeded {said}, worst {} against limit {bound}",
                    worst.days.0
                ));
            }
        }
    }
    // The diagram heads a pathway block's section with its worst case.
    if let escalate::model::Pathway::Exception(_) = case.pathway {
        let diagram = render::diagram::Diagram::build(p, analysis, None);
        let days = if worst.unbounded {
            format!("no bound, at least {}", worst.days)
        } else {
            worst.days.to_string()
        };
        let header = format!("Pathway: worst case {days}");
        if !diagram.sections.iter().any(|s| s.header.as_deref() == Some(header.as_str())) {
            wrong.push(format!("diagram: no section headed `{header}`"));
        }
    }
    // compare's other formats state the same worst case.
    if let Some(summary) = Summary::of(report) {
        let md = render::compare::markdown(std::slice::from_ref(&summary));
        let csv = render::compare::csv(std::slice::from_ref(&summary));
        let figure =
            if worst.unbounded { format!("at least {}", worst.days) } else { worst.days.to_string() };
        if !md.contains(&figure) {
            wrong.push(format!("compare markdown: no `{figure}`"));
        }
        if !csv.contains(&worst.days.0.to_string()) {
            wrong.push(format!("compare csv: no `{}`", worst.days.0));
        }
    }
    wrong
}

/// The words that mark an anchor the text leaves unclear.
const UNCLEAR: &str = "of the start or end of";

/// Whether escalate's worst case agrees with the reference's runs: exact
/// when bounded, a true "at least" when not (see [`disagreements`]).
fn worst_agrees(said: escalate::timescale::Worst, runs: &[reference::Run<u64>]) -> bool {
    let (truth, cyclic) = reference::worst_case(runs);
    match (cyclic, truth.open) {
        (true, _) => said.unbounded,
        (false, true) => said.unbounded && said.days.0 >= truth.at,
        (false, false) => (said.days.0, said.unbounded) == (truth.at, truth.open),
    }
}

/// Anchors the text leaves unclear (`of the start or end of step 1`): each
/// reading's figures, as the analysis gives them and `ambiguous-anchor`
/// says them, are the reference's on the text that says that reading (that
/// one anchor `of the start of` or `of the end of`, every other unclear one
/// `of the end of`), read again from the words, not from escalate's choice.
fn readings_disagree(
    text: &str,
    report: &Report,
    analysis: &escalate::analysis::Analysis,
) -> Vec<Disagreement> {
    let mut wrong = Vec::new();
    let marked = text.matches(UNCLEAR).count();
    if analysis.readings.len() != marked {
        wrong.push(format!("readings: {} for {marked} unclear anchors", analysis.readings.len()));
    }
    let said =
        report.findings.iter().filter(|f| f.code == escalate::diagnostic::Code::AmbiguousAnchor).count();
    if said != marked {
        wrong.push(format!("ambiguous-anchor: {said} findings for {marked} unclear anchors"));
    }
    for reading in &analysis.readings {
        let span = reading.timescale.span;
        for (point, figures) in [("end", reading.end), ("start", reading.start)] {
            let mut written = String::with_capacity(text.len());
            let mut rest = 0;
            for (at, _) in text.match_indices(UNCLEAR) {
                written.push_str(&text[rest..at]);
                let here = span.start <= at && at < span.end;
                written.push_str(&format!("of the {} of", if here { point } else { "end" }));
                rest = at + UNCLEAR.len();
            }
            written.push_str(&text[rest..]);
            let again = check_source("reading.esc", written);
            let Some((q, _)) = again.analysed() else {
                wrong.push(format!("reading from the {point}: the text does not load"));
                continue;
            };
            // The figures' worst case is the first pathway's, as the protocol's is.
            let pathway = q.pathways().first().copied().unwrap_or(escalate::model::Pathway::Main);
            let Some(first) = reference::first_stage(q, pathway) else { continue };
            let runs = reference::runs_from(&Days_, q, pathway, first, 200_000);
            if !worst_agrees(figures.worst, &runs) {
                wrong.push(format!(
                    "reading `{}` from the {point}: worst case {}, reference {:?}",
                    reading.timescale.written,
                    figures.worst,
                    reference::worst_case(&runs).0
                ));
            }
            let own = reference::stage_time(q, reading.stage);
            if (figures.stage.days.0, figures.stage.unbounded) != (own.at, own.open) {
                wrong.push(format!(
                    "reading `{}` from the {point}: stage takes {}, reference {} {}",
                    reading.timescale.written, figures.stage, own.at, own.open
                ));
            }
        }
    }
    wrong
}

/// The metamorphic laws, on one `N working days` of the text chosen by the
/// seed: lengthening it never shortens the worst case nor changes whether it
/// is bounded; replacing it with vague words never makes the worst case
/// bounded or shorter.
fn laws_broken(seed: u64, text: &str, before: escalate::timescale::Worst) -> Vec<Disagreement> {
    let counts: Vec<(usize, usize)> = text
        .match_indices(" working days")
        .filter_map(|(end, _)| {
            let start = text[..end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
            (start < end).then_some((start, end))
        })
        .collect();
    if counts.is_empty() {
        return Vec::new();
    }
    let (start, end) = counts[(seed as usize) % counts.len()];
    let n: u64 = text[start..end].parse().unwrap_or(0);
    let worst_of = |changed: String| {
        let report = check_source("changed.esc", changed);
        report.analysed().map(|(_, a)| a.worst.worst)
    };
    let mut wrong = Vec::new();
    let longer = format!("{}{}{}", &text[..start], n + 3, &text[end..]);
    if let Some(after) = worst_of(longer) {
        if after.unbounded != before.unbounded || after.days < before.days {
            wrong.push(format!("law: lengthening `{n} working days` at byte {start} took the worst case from {before} to {after}"));
        }
    }
    // Vague words in its place (a text that no longer parses is skipped).
    let vague = format!("{}without delay{}", &text[..start], &text[end + " working days".len()..]);
    if let Some(after) = worst_of(vague)
        && !after.unbounded
        && (before.unbounded || after.days < before.days)
    {
        wrong.push(format!(
            "law: removing `{n} working days` at byte {start} took the worst case from {before} to {after}"
        ));
    }
    wrong
}

/// Every output counts the same findings at the same places: the human
/// totals, JSON's summary and entries, SARIF's results, GitHub's annotations.
fn counts_disagree(report: &Report) -> Vec<Disagreement> {
    let mut wrong = Vec::new();
    let reports = std::slice::from_ref(report);
    let t = escalate::Totals::of(reports);
    let doc: serde_json::Value = serde_json::from_str(&render::json::render(reports)).unwrap_or_default();
    let summary = &doc["summary"];
    let entries = |severity: &str| {
        doc["files"][0]["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == severity && d["allowed"].is_null())
            .count()
    };
    let json = (
        summary["errors"].as_u64(),
        summary["warnings"].as_u64(),
        summary["error_places"].as_u64(),
        summary["warning_places"].as_u64(),
    );
    let want = (
        Some(t.errors as u64),
        Some(t.warnings as u64),
        Some(t.error_places as u64),
        Some(t.warning_places as u64),
    );
    if json != want || entries("error") != t.error_places || entries("warning") != t.warning_places {
        wrong.push(format!("json counts {json:?}, totals {t:?}"));
    }
    let sarif: serde_json::Value = serde_json::from_str(&render::sarif::render(reports)).unwrap_or_default();
    let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    let suppressed = |r: &serde_json::Value| r["suppressions"].as_array().is_some_and(|s| !s.is_empty());
    let level = |l: &str| results.iter().filter(|r| r["level"] == l && !suppressed(r)).count();
    if level("error") != t.error_places || level("warning") != t.warning_places {
        wrong.push(format!("sarif: {} errors, {} warnings; totals {t:?}", level("error"), level("warning")));
    }
    let github = render::github::render(reports);
    let lines = |kind: &str| github.lines().filter(|l| l.starts_with(&format!("::{kind} "))).count();
    if lines("error") != t.error_places || lines("warning") != t.warning_places {
        wrong.push(format!("github: {} errors, {} warnings; totals {t:?}", lines("error"), lines("warning")));
    }
    if !github.contains(&t.words()) {
        wrong.push(format!("github: no `{}`", t.words()));
    }
    wrong
}

/// `escalate test` on a scenario built from the reference's dates for the
/// timeline's route passes, and the same with the last date a day earlier
/// fails.
fn scenario_disagrees(
    p: &Protocol,
    from: NaiveDate,
    places: &[Target],
    all: &[reference::Run<NaiveDate>],
    pathway: Option<&str>,
) -> Vec<Disagreement> {
    use escalate::model::Condition;
    // One run of those places whose every route is the one a scenario takes.
    let Some(run) =
        all.iter().find(|r| r.places == places && !r.cycle && r.conditions.iter().all(Option::is_some))
    else {
        return Vec::new();
    };
    let Some(merged) = reference::along_by(all, places, Some(&run.conditions)) else { return Vec::new() };
    let words = |c: &Condition| match c {
        Condition::Resolved => "resolved".to_string(),
        Condition::Unresolved => "unresolved".to_string(),
        Condition::NoResponse => "no response".to_string(),
        Condition::ImmediateRisk => "immediate risk".to_string(),
        Condition::If(text) => format!("if \"{}\"", text.replace('"', "\\\"")),
    };
    let mut events = String::new();
    let mut expects = Vec::new();
    for (i, place) in places.iter().enumerate() {
        let Target::Stage(ix) = place else { continue };
        let id = &p.stage(*ix).id;
        if let Some(Some(c)) = run.conditions.get(i) {
            events.push_str(&format!("  at stage {id}: {}\n", words(c)));
        }
        if !merged.ends[i].open {
            expects.push((format!("stage {id} due"), merged.ends[i].at));
        }
    }
    let Some((last_what, last_date)) = expects.last().cloned() else { return Vec::new() };
    let scenario = |expects: &[(String, NaiveDate)], how: &str| {
        let lines: Vec<String> =
            expects.iter().map(|(what, d)| format!("  expect {what} {how} {d}")).collect();
        let on = pathway.map_or_else(String::new, |name| format!("  in pathway {name}\n"));
        format!("scenario \"generated\" {{\n{on}  starts {from}\n{events}{}\n}}\n", lines.join("\n"))
    };
    let outcome = |text: &str| {
        let parsed = escalate::syntax::parse_scenarios(text).ok()?;
        let run = escalate::scenario::run(p, text, &parsed).ok()?;
        run.first().map(|o| (o.passed(), o.failures.iter().map(|f| f.actual.clone()).collect::<Vec<_>>()))
    };
    let mut wrong = Vec::new();
    let exact = scenario(&expects, "on");
    match outcome(&exact) {
        Some((true, _)) => {}
        Some((false, why)) => wrong.push(format!("test: the reference's dates fail: {why:?}\n{exact}")),
        None => wrong.push(format!("test: the scenario did not run\n{exact}")),
    }
    let Some(earlier) = last_date.pred_opt() else { return wrong };
    let early = scenario(&[(last_what, earlier)], "by");
    if outcome(&early).is_some_and(|(passed, _)| passed) {
        wrong.push(format!("test: a day earlier than the reference passes\n{early}"));
    }
    wrong
}

/// How many failures to collect before stopping (`TRUTH_FAILURES`, default 5).
fn max_failures() -> usize {
    std::env::var("TRUTH_FAILURES").ok().and_then(|n| n.parse().ok()).unwrap_or(5)
}

/// Runs `count` protocols from `first`, and fails with the first few found wrong.
fn run(first: u64, count: u64) {
    let mut failures = Vec::new();
    let started = std::time::Instant::now();
    for seed in first..first + count {
        let text = generate::protocol(seed);
        let wrong = disagreements(seed, &text);
        if !wrong.is_empty() {
            if let Ok(dir) = std::env::var("TRUTH_DUMP") {
                let _ = std::fs::write(format!("{dir}/seed-{seed}.esc"), &text);
            }
            failures.push(format!("seed {seed}:\n  {}\n--- protocol\n{text}", wrong.join("\n  ")));
            if failures.len() >= max_failures() {
                break;
            }
        }
    }
    eprintln!("truth: {count} protocols from seed {first} in {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        failures.is_empty(),
        "{} protocols disagree with the reference:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_view_agrees_with_the_reference_on_generated_protocols() {
    let count = std::env::var("TRUTH_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(SHARE);
    let first = std::env::var("TRUTH_SEED").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    run(first, count);
}

#[test]
fn every_generated_protocol_parses_and_loads() {
    let mut unclear = 0;
    for seed in 0..500 {
        let text = generate::protocol(seed);
        unclear += text.matches(UNCLEAR).count();
        if let Err(findings) = escalate::load(&text) {
            panic!(
                "seed {seed} does not load: {:?}\n{text}",
                findings.iter().map(|f| &f.message).collect::<Vec<_>>()
            );
        }
    }
    // The generator draws anchors the text leaves unclear, so the share holds both readings to the reference.
    assert!(unclear > 50, "only {unclear} unclear anchors in 500 generated protocols");
    eprintln!("{unclear} unclear anchors in 500 generated protocols");
}
