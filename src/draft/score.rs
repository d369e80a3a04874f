//! How good a draft is: the draft of a document measured against its hand
//! encoding, element kind by element kind (`scripts/draft-score.sh`,
//! `docs/draft.md`).
//!
//! Stages are matched as `escalate diff` matches them (by id, then by
//! title), and then by their quotes: a drafted stage that quotes the words a
//! hand-encoded stage quotes encodes the same part of the document.
//! Timescales are compared by meaning: the same bound in working days (or
//! both without one).

use std::collections::HashMap;
use std::path::Path;

use crate::model::{Condition, FinalKind, Pathway, Protocol, Stage};
use crate::timescale::Timescale;

/// One seed's scores.
#[derive(Debug, Clone)]
pub struct Score {
    pub name: String,
    /// Main-ladder stages of the hand encoding found, of how many.
    pub stages: (usize, usize),
    /// Drafted stages that match no stage of the hand encoding.
    pub invented: usize,
    /// Hand timescales matched in meaning, of how many.
    pub timescales: (usize, usize),
    pub immediate: &'static str,
    pub final_authority: &'static str,
    pub limit: &'static str,
    /// Named roles of the hand encoding found, of how many.
    pub parties: (usize, usize),
    /// Pairs of found roles whose seniority order agrees, of how many.
    pub order: (usize, usize),
    /// `# draft:` comments in the draft.
    pub undecided: usize,
}

fn norm(s: &str) -> String {
    s.replace("**", "").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn stage_quotes(s: &Stage) -> Vec<String> {
    let mut q: Vec<String> = s.quotes.iter().map(|q| norm(&q.text)).collect();
    for step in s.steps.iter().chain(&s.records) {
        q.extend(step.quotes.iter().map(|q| norm(&q.text)));
    }
    q.retain(|q| q.len() >= 30);
    q
}

/// Hand stage index -> drafted stage index.
fn match_all(hand: &Protocol, draft: &Protocol) -> HashMap<usize, usize> {
    let mut matched = crate::diff::match_stages(hand, draft);
    let mut taken: Vec<bool> = vec![false; draft.stages.len()];
    for &j in matched.values() {
        taken[j] = true;
    }
    for (i, h) in hand.stages.iter().enumerate() {
        if matched.contains_key(&i) {
            continue;
        }
        let hq = stage_quotes(h);
        let hit = draft.stages.iter().enumerate().find(|(j, d)| {
            !taken[*j] && stage_quotes(d).iter().any(|dq| hq.iter().any(|q| q.contains(dq) || dq.contains(q)))
        });
        if let Some((j, _)) = hit {
            matched.insert(i, j);
            taken[j] = true;
        }
    }
    matched
}

fn same_meaning(a: &Timescale, b: &Timescale) -> bool {
    a.bound() == b.bound()
}

/// Count `want` matched one to one by `have`.
fn matched_times(want: &[&Timescale], have: &[&Timescale]) -> usize {
    let mut used = vec![false; have.len()];
    let mut n = 0;
    for w in want {
        if let Some(k) = (0..have.len()).find(|&k| !used[k] && same_meaning(w, have[k])) {
            used[k] = true;
            n += 1;
        }
    }
    n
}

fn has_immediate(p: &Protocol) -> bool {
    p.rule_routes.iter().any(|r| r.item.condition == Condition::ImmediateRisk)
        || p.stages.iter().any(|s| s.routes.iter().any(|r| r.condition == Condition::ImmediateRisk))
}

/// Score the draft `draft` (whose text is `draft_text`) against `hand`.
pub fn score(name: &str, hand: &Protocol, draft: &Protocol, draft_text: &str) -> Score {
    let matched = match_all(hand, draft);
    let main: Vec<usize> =
        (0..hand.stages.len()).filter(|&i| hand.stages[i].pathway == Pathway::Main).collect();
    let found = main.iter().filter(|i| matched.contains_key(i)).count();
    let invented = draft.stages.len() - matched.len();

    // Timescales: the header's, then each stage's against its match.
    let mut total = 0;
    let mut hits = 0;
    let header = |p: &Protocol| -> Vec<Timescale> {
        p.limit
            .iter()
            .map(|l| l.timescale.clone())
            .chain(p.spans.iter().map(|s| s.timescale.clone()))
            .collect()
    };
    let (hh, dh) = (header(hand), header(draft));
    total += hh.len();
    hits += matched_times(&hh.iter().collect::<Vec<_>>(), &dh.iter().collect::<Vec<_>>());
    for (i, h) in hand.stages.iter().enumerate() {
        let want: Vec<&Timescale> = h.timescales().collect();
        total += want.len();
        if let Some(&j) = matched.get(&i) {
            let have: Vec<&Timescale> = draft.stages[j].timescales().collect();
            hits += matched_times(&want, &have);
        }
    }

    let comments: Vec<String> = draft_text
        .lines()
        .filter(|l| l.trim_start().starts_with("# draft:"))
        .map(str::to_lowercase)
        .collect();
    let marked = |words: &[&str]| comments.iter().any(|c| words.iter().any(|w| c.contains(w)));

    let immediate = match (has_immediate(hand), has_immediate(draft)) {
        (true, true) => "right",
        (false, false) if marked(&["immediate risk"]) => "right (none; marked)",
        (false, false) => "right (none)",
        (true, false) if marked(&["immediate risk"]) => "marked",
        (true, false) => "missed",
        (false, true) => "wrong (invented)",
    };

    let finals = |p: &Protocol| -> Vec<(usize, FinalKind)> {
        p.stages.iter().enumerate().filter_map(|(i, s)| s.final_authority.map(|k| (i, k))).collect()
    };
    let (hf, df) = (finals(hand), finals(draft));
    let final_authority = if hf.is_empty() && df.is_empty() {
        if marked(&["final authority"]) { "right (none; marked)" } else { "right (none)" }
    } else if hf.is_empty() {
        "wrong (invented)"
    } else if hf
        .iter()
        .all(|(i, k)| matched.get(i).is_some_and(|j| df.iter().any(|(d, dk)| d == j && dk == k)))
    {
        "right"
    } else if marked(&["final authority"]) {
        "marked"
    } else {
        "missed"
    };

    let limit = match (&hand.limit, &draft.limit) {
        (Some(a), Some(b)) if same_meaning(&a.timescale, &b.timescale) => "right",
        (Some(_), Some(_)) => "wrong",
        (None, None) if marked(&["limit"]) => "right (none; marked)",
        (None, None) => "right (none)",
        (Some(_), None) if marked(&["limit"]) => "marked",
        (Some(_), None) => "missed",
        (None, Some(_)) => "wrong (invented)",
    };

    // Parties: a hand role is found when a drafted role's words are in its
    // title or quotes.
    let words_of = |p: &crate::model::Party| {
        let mut all = vec![norm(&p.title)];
        all.extend(p.quotes.iter().map(|q| norm(&q.text)));
        all
    };
    let found_as: Vec<Option<usize>> = hand
        .parties
        .iter()
        .map(|h| {
            let hw = words_of(h);
            draft.parties.iter().position(|d| {
                let dq: Vec<String> =
                    d.quotes.iter().map(|q| norm(&q.text)).chain([norm(&d.title)]).collect();
                dq.iter().any(|q| hw.iter().any(|w| w.contains(q.as_str())))
            })
        })
        .collect();
    let parties = (found_as.iter().filter(|f| f.is_some()).count(), hand.parties.len());
    let mut order = (0, 0);
    for (a, ha) in hand.parties.iter().enumerate() {
        for (b, hb) in hand.parties.iter().enumerate().skip(a + 1) {
            let (Some(la), Some(lb)) = (ha.level, hb.level) else { continue };
            let (Some(da), Some(db)) = (found_as[a], found_as[b]) else { continue };
            let (Some(ka), Some(kb)) = (draft.parties[da].level, draft.parties[db].level) else { continue };
            if la == lb || da == db {
                continue;
            }
            order.1 += 1;
            if la.cmp(&lb) == ka.cmp(&kb) || ka == kb {
                order.0 += 1;
            }
        }
    }
    Score {
        name: name.to_string(),
        stages: (found, main.len()),
        invented,
        timescales: (hits, total),
        immediate,
        final_authority,
        limit,
        parties,
        order,
        undecided: comments.len(),
    }
}

fn pct((a, b): (usize, usize)) -> String {
    match (a * 100).checked_div(b) {
        Some(p) => format!("{a}/{b} ({p}%)"),
        None => format!("{a}/{b}"),
    }
}

/// The Markdown table of scores.
pub fn table(scores: &[Score]) -> String {
    let mut out = String::from(
        "| seed | stages found | invented | timescales same meaning | immediate risk | final authority | overall limit | roles found | seniority pairs in order | `# draft:` |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for s in scores {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.name,
            pct(s.stages),
            s.invented,
            pct(s.timescales),
            s.immediate,
            s.final_authority,
            s.limit,
            pct(s.parties),
            pct(s.order),
            s.undecided
        ));
    }
    out
}

/// Draft every `sources/NAME.txt` under `policies` and score it against
/// `NAME.esc`: the table of `docs/draft.md`.
pub fn seeds(policies: &Path) -> Result<String, String> {
    let mut names: Vec<String> = std::fs::read_dir(policies.join("sources"))
        .map_err(|e| format!("cannot read {}: {e}", policies.join("sources").display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".txt")).map(String::from))
        .collect();
    names.sort();
    let mut scores = Vec::new();
    for name in names {
        let source = std::fs::read_to_string(policies.join("sources").join(format!("{name}.txt")))
            .map_err(|e| format!("{name}: {e}"))?;
        let hand_text = std::fs::read_to_string(policies.join(format!("{name}.esc")))
            .map_err(|e| format!("{name}.esc: {e}"))?;
        let hand = crate::load(&hand_text).map_err(|_| format!("{name}.esc does not load"))?;
        let draft = super::draft_text(&format!("{name}.txt"), &source);
        let drafted =
            crate::load(&draft.esc).map_err(|e| format!("the draft of {name} does not load: {e:?}"))?;
        scores.push(score(&name, &hand, &drafted, &draft.esc));
    }
    Ok(table(&scores))
}
