//! The `.esc` draft: what [`find`](super::find) found, written in the
//! language, every element with its quote, and a `# draft: ...` comment
//! wherever the writer must decide.

use super::find::{Final, Found, Immediate, Time};
use crate::render::esc::string;

/// The draft's text and how many `# draft:` comments it holds.
pub struct Written {
    pub text: String,
    pub undecided: usize,
}

struct Out<'a> {
    text: &'a str,
    buf: String,
    undecided: usize,
}

impl Out<'_> {
    fn line(&mut self, indent: usize, s: &str) {
        for _ in 0..indent {
            self.buf.push_str("  ");
        }
        self.buf.push_str(s);
        self.buf.push('\n');
    }

    fn quote(&mut self, indent: usize, at: std::ops::Range<usize>) {
        let words = self.text.get(at).unwrap_or_default().replace("**", "");
        if !words.trim().is_empty() {
            let q = string(&words);
            self.line(indent, &format!("quote {q}"));
        }
    }

    fn todo(&mut self, indent: usize, what: &str) {
        self.undecided += 1;
        self.line(indent, &format!("# draft: {what}"));
    }

    fn time_todo(&mut self, indent: usize, t: &Time) {
        if !t.exact {
            let words = self
                .text
                .get(t.words.range())
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            self.todo(indent, &format!("\"{words}\" is not one of the language's timescales: kept in quotes, with no bound; check it"));
        }
    }
}

/// A step's, record's or exit's time as a writer would put it: `within 5
/// working days`, but `at once`, `straight away`, `without delay` and `by the
/// end of the next working day` without `within` (which the language allows
/// before words that are not a count or a quotation).
fn timing(written: &str) -> String {
    const AS_WRITTEN: [&str; 12] = [
        "immediately",
        "at once",
        "straight away",
        "right away",
        "same ",
        "the same ",
        "the next ",
        "next ",
        "without delay",
        "promptly",
        "as soon as",
        "as quickly as",
    ];
    if let Some(rest) = written.strip_prefix("the end of the next ") {
        format!("by the end of the next {rest}")
    } else if AS_WRITTEN.iter().any(|w| written.starts_with(w)) {
        written.to_string()
    } else {
        format!("within {written}")
    }
}

/// Write `found` (from `text`) as an escalate file; `name` says where the
/// text came from.
pub fn write(found: &Found, text: &str, name: &str) -> Written {
    let mut o = Out { text, buf: String::new(), undecided: 0 };
    o.line(0, &format!("# Drafted by `escalate draft` from {name}."));
    o.line(0, "# Every element quotes the words it comes from; check each against the document,");
    o.line(0, "# and settle every `# draft:` comment, before relying on `escalate check`.");
    o.line(0, "");
    let title = found.title.as_ref().map_or_else(|| name.to_string(), |t| text[t.range()].replace("**", ""));
    o.line(0, &format!("protocol {}", string(&title)));
    o.line(1, &format!("source {}", string(name)));
    if let Some(t) = &found.title {
        o.quote(1, t.range());
    }
    if let Some(why) = &found.not_a_protocol {
        o.line(
            1,
            &format!(
                "note {}",
                string(&format!("This document does not read as an escalation protocol: {why}."))
            ),
        );
        o.todo(0, &format!("not an escalation protocol ({why}); no ladder was drafted"));
        return Written { text: o.buf, undecided: o.undecided };
    }
    o.todo(1, "which working-day calendar? (england-and-wales, scotland, northern-ireland, ...)");
    if !found.days_as_working_days.is_empty() {
        let mut said: Vec<String> = Vec::new();
        for at in &found.days_as_working_days {
            let w = format!(
                "\"{}\"",
                text.get(at.range()).unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
            );
            if !said.contains(&w) {
                said.push(w);
            }
        }
        o.todo(
            1,
            &format!(
                "{} written as working days, as the document's other timescales are: check the document means working days there",
                said.join(", ")
            ),
        );
    }
    match &found.limit {
        Some(t) => {
            o.line(1, &format!("limit {}", t.written));
            o.quote(2, t.quote.range());
            o.time_todo(2, t);
        }
        None => o.todo(1, "no overall time limit found: add `limit ...` if the document sets one"),
    }
    if let Some(at) = &found.advisory {
        o.line(1, "timescales advisory");
        o.quote(2, at.range());
    }
    o.line(0, "");

    // Parties, least senior first.
    let mut order: Vec<usize> = (0..found.parties.len()).collect();
    order.sort_by_key(|&i| found.parties[i].level);
    if !order.is_empty() {
        o.line(0, "# Levels are escalate draft's reading of seniority (1 practitioners, 2 first-line");
        o.line(0, "# managers and leads, 3 senior managers, 4 directors and board members, 5 chairs).");
    }
    for &i in &order {
        let p = &found.parties[i];
        o.line(0, &format!("party {} {} level {}", p.name, string(&p.title), p.level));
        o.quote(1, p.quote.range());
        for q in &p.also {
            o.quote(1, q.range());
        }
    }
    o.line(0, "");

    // Exits and outcomes.
    let mut exit_name = None;
    match &found.immediate {
        Immediate::Route { exit, .. } => {
            let time = exit.time.as_ref().map(|t| format!(" {}", timing(&t.written))).unwrap_or_default();
            o.line(0, &format!("exit {} {}{time}", exit.name, string(&exit.title)));
            o.quote(1, exit.quote.range());
            match &exit.time {
                Some(t) => o.time_todo(1, t),
                None => o.todo(1, "the text gives no timescale for this referral: is it immediate?"),
            }
            exit_name = Some(exit.name.clone());
        }
        Immediate::Mentioned { quote } => {
            o.todo(0, "the text mentions a child at immediate risk but says nowhere where the concern goes:");
            let words = text[quote.range()].split_whitespace().collect::<Vec<_>>().join(" ");
            o.line(0, &format!("#   \"{words}\""));
        }
        Immediate::Silent => {
            o.todo(
                0,
                "the text gives no route for a child at immediate risk; add one if another document does",
            );
        }
    }
    o.line(0, "outcome resolved \"Disagreement resolved\"");
    o.line(0, "");

    // Rules for every stage.
    if let (Immediate::Route { quote, .. }, Some(exit)) = (&found.immediate, &exit_name) {
        o.line(0, &format!("at any stage: immediate risk -> {exit}"));
        o.quote(1, quote.range());
    }
    for r in &found.records {
        let time = r.time.as_ref().map(|t| format!(" {}", timing(&t.written))).unwrap_or_default();
        o.line(0, &format!("at any stage: record {}{time}", string(&r.text)));
        o.quote(1, r.quote.range());
        if let Some(t) = &r.time {
            o.time_todo(1, t);
        }
    }
    for s in &found.spans {
        o.line(0, &format!("stages {} and {} within {}", s.stages[0], s.stages[1], s.time.written));
        o.quote(1, s.time.quote.range());
        o.time_todo(1, &s.time);
    }
    o.line(0, "");

    let stage_ref = |id: &str| format!("stage {id}");
    let ladder: Vec<usize> = (0..found.stages.len())
        .filter(|&i| !found.stages[i].beyond && found.stages[i].side.is_none())
        .collect();
    for (i, st) in found.stages.iter().enumerate() {
        o.line(0, &format!("stage {} {} {{", st.id, string(&st.title)));
        o.quote(1, st.heading.range());
        if st.beyond {
            o.todo(1, "found beyond the numbered stages: check when the text sends a disagreement here");
        }
        if st.side.is_some() {
            o.todo(1, "a side path for a disagreement with one's own manager: check who takes part and what follows");
        }
        if st.parties.is_empty() {
            o.todo(1, "no party found: who takes part at this stage?");
        } else {
            let names: Vec<&str> = st.parties.iter().map(|&p| found.parties[p].name.as_str()).collect();
            o.line(1, &format!("parties {}", names.join(", ")));
        }
        if let Some(t) = &st.within {
            o.line(1, &format!("within {}", t.written));
            o.quote(2, t.quote.range());
            o.time_todo(2, t);
        }
        if let Some(t) = &st.cumulative {
            o.line(1, &format!("cumulative {}", t.written));
            o.quote(2, t.quote.range());
            o.time_todo(2, t);
        }
        for s in &st.steps {
            let time = s.time.as_ref().map(|t| format!(" {}", timing(&t.written))).unwrap_or_default();
            o.line(1, &format!("step {}{time}", string(&s.text)));
            o.quote(2, s.quote.range());
            if let Some(t) = &s.time {
                o.time_todo(2, t);
            }
        }
        for r in &st.records {
            let time = r.time.as_ref().map(|t| format!(" {}", timing(&t.written))).unwrap_or_default();
            o.line(1, &format!("record {}{time}", string(&r.text)));
            o.quote(2, r.quote.range());
            if let Some(t) = &r.time {
                o.time_todo(2, t);
            }
        }
        if let Some((kind, at)) = &st.final_authority {
            o.line(
                1,
                match kind {
                    Final::Decision => "final decision",
                    Final::Mediation => "final mediation",
                },
            );
            o.quote(2, at.range());
        }
        match &st.resolved {
            Some(at) => {
                o.line(1, "resolved -> resolved");
                o.quote(2, at.range());
            }
            None => o.line(1, "implied resolved -> resolved"),
        }
        // Where it goes when still unresolved.
        let next = if st.side.is_some() {
            None
        } else if st.beyond {
            found.stages.get(i + 1).filter(|n| n.beyond && st.final_authority.is_none())
        } else {
            let pos = ladder.iter().position(|&l| l == i).unwrap_or(0);
            ladder.get(pos + 1).map(|&n| &found.stages[n]).or_else(|| found.stages.iter().find(|s| s.beyond))
        };
        match next {
            Some(n) => match &n.into {
                Some(into) => {
                    let time = into.time.as_ref().map(|t| format!(" {}", t.written)).unwrap_or_default();
                    o.line(1, &format!("unresolved -> {}{time}", stage_ref(&n.id)));
                    o.quote(2, into.quote.range());
                    if let Some(t) = &into.time {
                        o.time_todo(2, t);
                    }
                }
                None => o.line(1, &format!("implied unresolved -> {}", stage_ref(&n.id))),
            },
            None if st.side.is_some() => {}
            None if st.final_authority.is_none() => {
                o.todo(1, "the text gives no next step after this stage: add the final authority, or `final decision` / `final mediation` if this is it");
            }
            None => {}
        }
        for side in &found.stages {
            if let Some((host, cond)) = &side.side
                && *host == i
            {
                let said: Vec<&str> = text.get(cond.range()).unwrap_or_default().split_whitespace().collect();
                let skip = usize::from(
                    said.first()
                        .is_some_and(|w| ["where", "if", "when"].contains(&w.to_lowercase().as_str())),
                );
                let words = said[skip..].join(" ").replace("**", "");
                o.line(1, &format!("if {} -> {}", string(&words), stage_ref(&side.id)));
                o.quote(2, cond.range());
            }
        }
        o.line(0, "}");
        o.line(0, "");
    }
    if found.stages.iter().all(|s| s.final_authority.is_none()) && !found.stages.is_empty() {
        o.todo(
            0,
            "no final authority found: who decides when every stage has failed, and is the decision final?",
        );
    }
    while o.buf.ends_with("\n\n") {
        o.buf.pop();
    }
    if !o.buf.ends_with('\n') {
        o.buf.push('\n');
    }
    Written { text: o.buf, undecided: o.undecided }
}
