//! Random protocols over the whole language, written as `.esc` text and read
//! back through the real parser.
//!
//! Every construct that changes what a protocol's time means is drawn:
//! stages with a `within` (anchored or not), steps timed, untimed,
//! discretionary, conditional with `otherwise` and counted from a point;
//! routes plain, `implied`, `discretionary`, conditional, with `and record`,
//! back to an earlier stage (a cycle); exits, outcomes, final authorities;
//! an exception entered by an inherited route; scoped `at any stage` routes,
//! records and steps; every unit (working days, calendar days, weeks, working
//! weeks, hours, number words, `same working day`, `immediately`, vague words
//! and quoted words), `whichever is shorter`, `and within`, equivalences in
//! brackets, `advisory`, `or earlier if`; anchors the text leaves unclear
//! (`of the start or end of step 1`); `stages A to B within`, a `limit`,
//! `timescales advisory`, every shipped calendar and a board's `closed` days;
//! the ladder written as a `pathway` block, and a second pathway of equal
//! standing beside it; steps and sends `before the first stage`; closures
//! named and every year (`closed "..." every 24 December to 1 January`).

use std::fmt::Write;

/// SplitMix64: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len())]
    }
}

const NUMBER_WORDS: [&str; 12] =
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "fifteen"];

/// One term: a count in some unit, or words.
fn term(r: &mut Rng) -> String {
    let n = r.below(12);
    match r.below(16) {
        0..=4 => format!("{n} working days"),
        5 => format!("{} working days", NUMBER_WORDS[r.below(NUMBER_WORDS.len())]),
        6 => format!("{n} days"),
        7 => format!("{} calendar days", n + 1),
        8 => {
            r.pick(&["a week", "2 weeks", "a working week", "2 working weeks", "a calendar week"]).to_string()
        }
        9 => format!("{} hours", r.pick(&["4", "24", "48", "72", "30"])),
        10 => r
            .pick(&[
                "same working day",
                "the same day",
                "immediately",
                "at once",
                "straight away",
                "right away",
                "the next working day",
                "by the end of the next working day",
            ])
            .to_string(),
        11 => format!("no more than {n} working days"),
        12 => format!("a further {} working days", n + 1),
        13 => r.pick(&["without delay", "as soon as possible", "promptly"]).to_string(),
        14 => "\"a timescale agreed between the managers\"".to_string(),
        _ => format!("{} working days", n + 3),
    }
}

/// A timescale: a term, sometimes joined to another, sometimes advisory.
pub fn timescale(r: &mut Rng) -> String {
    let mut t = term(r);
    match r.below(20) {
        0 => t = format!("{t} or {}, whichever is shorter", term(r)),
        1 => t = format!("{t} and within {}", term(r)),
        3 => t = format!("immediately and within {}", term(r)),
        2 => {
            // An equivalence says the same time twice; keep it close to one.
            let n = 1 + r.below(5);
            t = format!("{} hours ({n} working days)", n * 24);
        }
        _ => {}
    }
    if r.chance(4) {
        t.push_str(" or earlier if \"the child is at risk\"");
    }
    if r.chance(4) {
        t.push_str(" advisory");
    }
    // Quoted words need `within` before them.
    if t.starts_with('"') { format!("within {t}") } else { t }
}

/// A timescale after `within`.
fn bare(r: &mut Rng) -> String {
    let t = timescale(r);
    t.strip_prefix("within ").map(str::to_string).unwrap_or(t)
}

/// A bounded count, for timescales counted from a point.
fn count(r: &mut Rng) -> String {
    let n = 1 + r.below(10);
    match r.below(4) {
        0 => format!("{n} days"),
        1 => format!("{} working days", NUMBER_WORDS[r.below(NUMBER_WORDS.len())]),
        _ => format!("{n} working days"),
    }
}

/// A protocol of one to five main stages, and sometimes an exception.
pub fn protocol(seed: u64) -> String {
    let r = &mut Rng::new(seed);
    let stages = 1 + r.below(5);
    let mut s = String::new();
    let _ = writeln!(s, "protocol \"Generated {seed}\"");
    let _ = writeln!(s, "  calendar {}", r.pick(escalate::calendar::Calendar::NAMES));
    let header_end = s.len();
    if r.chance(20) {
        let _ = writeln!(s, "  closed 2026-12-24 to 2027-01-01, 2027-04-06");
    }
    if r.chance(40) {
        let _ = writeln!(s, "  limit {}", timescale(r));
    }
    if r.chance(5) {
        let _ = writeln!(s, "  timescales advisory");
    }
    let exit_time =
        r.pick(&["immediately", "same working day", "within 24 hours", "within 2 working days", ""]);
    let _ = writeln!(s, "exit mash \"Referral to the MASH\" {exit_time}");
    let _ = writeln!(s, "exit police \"Police\"");
    let _ = writeln!(s, "outcome agreed \"Agreed\"");
    let _ = writeln!(s, "outcome closed \"Closed\"");
    let exception = r.chance(20);
    if r.chance(80) {
        let scope = r.pick(&["", "", " of the main ladder", " from stage 1 onwards"]);
        let _ = writeln!(s, "at any stage{scope}: immediate risk -> mash");
    }
    if r.chance(20) {
        let scope = if stages > 1 && r.chance(50) { " from stage 2 onwards" } else { "" };
        let _ = writeln!(s, "at any stage{scope}: if \"the police must act\" -> police {}", timescale(r));
    }
    if r.chance(15) && stages > 1 {
        let _ =
            writeln!(s, "at any stage from stage 2 onwards: no response -> stage {stages} {}", timescale(r));
    }
    if exception {
        let _ = writeln!(s, "at any stage of the main ladder: if \"a conference is needed\" -> stage e1");
    }
    if r.chance(25) {
        let _ = writeln!(s, "at any stage: record \"Decisions recorded\" {}", timescale(r));
    }
    if r.chance(15) {
        let _ = writeln!(s, "at any stage: discretionary step \"Seek expert advice\"");
    }
    if stages > 1 && r.chance(25) {
        let last = 2 + r.below(stages - 1);
        let first = 1 + r.below(last - 1);
        let _ = writeln!(s, "stages {first} to {last} within {}", bare(r));
    }
    let ladder = s.len();
    for i in 1..=stages {
        stage(r, &mut s, i, stages, "");
    }
    let ladder_end = s.len();
    if exception {
        let _ = writeln!(s, "exception conference \"A conference is needed\" {{");
        let _ = writeln!(s, "  stage e1 \"Request a conference\" {{");
        if r.chance(70) {
            let _ = writeln!(s, "    within {}", bare(r));
        } else {
            let _ = writeln!(s, "    step \"Write to the chair\" {}", timescale(r));
        }
        let _ = writeln!(s, "    resolved -> agreed");
        if r.chance(50) {
            let _ = writeln!(s, "    unresolved -> stage {} {}", 1 + r.below(stages), timescale(r));
        } else {
            let _ = writeln!(s, "    final decision");
        }
        let _ = writeln!(s, "  }}");
        let _ = writeln!(s, "}}");
    }
    // Pathways of equal standing, drawn last so that the rest of a seed's
    // protocol is what it was before they were drawn: sometimes the ladder
    // is itself a `pathway` block, sometimes a second pathway follows.
    let mut ladder = ladder;
    if r.chance(10) {
        s.insert_str(ladder_end, "}\n");
        let head = "pathway first \"The first pathway\" {\n";
        s.insert_str(ladder, head);
        ladder += head.len();
    }
    if r.chance(15) {
        let more = 1 + r.below(3);
        let _ = writeln!(s, "pathway second \"The second pathway\" {{");
        for i in 1..=more {
            stage(r, &mut s, i, more, "p");
        }
        let _ = writeln!(s, "}}");
    }
    // Steps and sends before the first stage, drawn after everything else
    // for the same reason, and written just before the ladder's stages.
    if r.chance(20) {
        let mut before = String::new();
        for _ in 0..1 + r.below(2) {
            let _ = match r.below(5) {
                0 => writeln!(before, "before the first stage: discretionary step \"Talk it over\""),
                1 => writeln!(
                    before,
                    "before the first stage: send \"A copy\" to \"the Board\" {}",
                    timescale(r)
                ),
                2 => writeln!(
                    before,
                    "before the first stage: step \"Agree to differ\" if \"both agree\" {} otherwise \"Write again\" {}",
                    timescale(r),
                    timescale(r)
                ),
                _ => writeln!(before, "before the first stage: step \"A writes to B\" {}", timescale(r)),
            };
        }
        s.insert_str(ladder, &before);
    }
    // A closure every year, named or not, drawn last and written in the header.
    if r.chance(15) {
        let every = r.pick(&[
            "  closed \"Christmas to New Year\" every 24 December to 1 January\n",
            "  closed every 1 August, every 29 february\n",
            "  closed \"Summer\" every 28 July to 3 August, 2027-04-06\n",
        ]);
        s.insert_str(header_end, every);
    }
    s
}

/// Stage `i` of `stages`, its id and those it names written `{prefix}{i}`.
fn stage(r: &mut Rng, s: &mut String, i: usize, stages: usize, prefix: &str) {
    let _ = writeln!(s, "stage {prefix}{i} \"Stage {prefix}{i}\" {{");
    if r.chance(40) {
        let anchor = match r.below(7) {
            0 => " of the disagreement".to_string(),
            1 if i > 1 => format!(" of the end of stage {prefix}{}", 1 + r.below(i - 1)),
            // The text leaves it unclear (issue 23): both readings are held to the reference.
            2 if i > 1 => format!(" of the start or end of stage {prefix}{}", 1 + r.below(i - 1)),
            _ => String::new(),
        };
        let within = if anchor.is_empty() { bare(r) } else { count(r) };
        let _ = writeln!(s, "  within {within}{anchor}");
    }
    let steps = r.below(4);
    for k in 1..=steps {
        let text = format!("\"Step {k} of stage {i}\" as s{k}");
        match r.below(9) {
            0 => {
                let _ = writeln!(s, "  step {text}");
            }
            1 => {
                let time = if r.chance(50) { format!(" {}", timescale(r)) } else { String::new() };
                let _ = writeln!(s, "  discretionary step {text}{time}");
            }
            2 => {
                let otherwise = if r.chance(80) { format!(" {}", timescale(r)) } else { String::new() };
                let _ = writeln!(
                    s,
                    "  step {text} if \"resolved\" {}\n    otherwise \"Meet instead\"{otherwise}",
                    timescale(r)
                );
            }
            3 => {
                let anchor = match r.below(8) {
                    0 => " of the disagreement".to_string(),
                    1 if k > 1 => format!(" of step {}", 1 + r.below(k - 1)),
                    2 if k > 1 => format!(" of the start of step {}", 1 + r.below(k - 1)),
                    3 if i > 1 => format!(" of the end of stage {prefix}{}", 1 + r.below(i - 1)),
                    4 if k > 1 => format!(" of the start or end of step {}", 1 + r.below(k - 1)),
                    // A step by its name (`as s1`, issue 23): each step below is named.
                    6 if k > 1 => format!(" of the s{}", 1 + r.below(k - 1)),
                    5 if i > 1 => format!(" of the start or end of stage {prefix}{}", 1 + r.below(i - 1)),
                    _ => format!(" of stage {prefix}{i}"),
                };
                let _ = writeln!(s, "  step {text} within {}{anchor}", count(r));
            }
            _ => {
                let _ = writeln!(s, "  step {text} {}", timescale(r));
            }
        }
    }
    if r.chance(30) {
        let _ = writeln!(s, "  record \"Outcome recorded\" {}", timescale(r));
    }
    let last = i == stages;
    if last && r.chance(70) || !last && r.chance(10) {
        let _ = writeln!(s, "  final {}", r.pick(&["decision", "mediation"]));
    }
    if r.chance(85) {
        let record = if r.chance(20) {
            format!("\n    and record \"Outcome confirmed\" {}", timescale(r))
        } else {
            String::new()
        };
        let time = if r.chance(20) { format!(" {}", timescale(r)) } else { String::new() };
        let _ = writeln!(s, "  resolved -> {}{time}{record}", r.pick(&["agreed", "closed"]));
    }
    if !last && r.chance(90) {
        let how = r.pick(&["", "", "", "", "implied ", "discretionary "]);
        let time = if r.chance(30) { format!(" {}", timescale(r)) } else { String::new() };
        let _ = writeln!(s, "  {how}unresolved -> stage {prefix}{}{time}", i + 1);
    }
    if r.chance(15) {
        let time = if r.chance(50) { format!(" {}", timescale(r)) } else { String::new() };
        let target = if !last && r.chance(50) {
            format!("stage {prefix}{}", i + 1 + r.below(stages - i))
        } else {
            "closed".into()
        };
        let _ = writeln!(s, "  no response -> {target}{time}");
    }
    if r.chance(15) {
        let _ = writeln!(s, "  if \"the matter is referred\" -> police {}", timescale(r));
    }
    if i > 1 && r.chance(6) {
        // Back to an earlier stage: a cycle.
        let _ = writeln!(s, "  if \"new information\" -> stage {prefix}{}", 1 + r.below(i - 1));
    }
    if r.chance(10) {
        let _ = writeln!(s, "  immediate risk -> mash");
    }
    let _ = writeln!(s, "}}");
}
