//! Text written into an escalate file (`escalate draft`): the language's one
//! string syntax (`docs/language.md`, "Writing a file").

/// `text` as an escalate string, quote marks included: `"` and `\` escaped,
/// runs of whitespace as one space (a text never holds a line break), and
/// control characters, which a file may not hold, as spaces.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && out.len() > 1 {
            out.push(' ');
        }
        space = false;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn quote_marks_backslashes_and_breaks_are_escaped() {
        assert_eq!(string("a \"b\"\\ c\n\td\u{1b}e "), "\"a \\\"b\\\"\\\\ c d e\"");
    }

    #[test]
    fn a_written_string_reads_back_as_its_words() {
        let text = "He said \"no\" \\ then\nleft";
        let file = format!("protocol {}\nstage 1 \"s\" {{\n}}\n", string(text));
        let p = crate::load(&file).expect("parses");
        assert_eq!(p.title, "He said \"no\" \\ then left");
    }
}
