//! `escalate lsp`: the real binary driven with JSON-RPC over its stdin and
//! stdout, as an editor drives it.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
    /// What the server said it can do.
    capabilities: Value,
}

impl Client {
    fn start() -> Client {
        Client::start_with(json!({}))
    }

    /// Start the server for a client with these capabilities.
    fn start_with(capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_escalate"))
            .arg("lsp")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("escalate lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("every message has a Content-Length")];
                reader.read_exact(&mut body).expect("the whole message");
                if send.send(serde_json::from_slice(&body).expect("a JSON message")).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            messages,
            next_id: 1,
            notifications: Vec::new(),
            capabilities: Value::Null,
        };
        let init = client.request(
            "initialize",
            json!({ "capabilities": capabilities, "processId": null, "rootUri": null }),
        );
        let caps = &init["capabilities"];
        for capability in [
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "renameProvider",
            "documentSymbolProvider",
            "completionProvider",
            "documentFormattingProvider",
            "codeActionProvider",
            "semanticTokensProvider",
        ] {
            assert!(!caps[capability].is_null(), "{capability} missing from {init}");
        }
        client.capabilities = caps.clone();
        client.notify("initialized", json!({}));
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("the server reads");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        self.messages.recv_timeout(Duration::from_secs(30)).expect("the server answers within 30 s")
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// The response's `result` (panics on an error response).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let reply = self.request_raw(method, params);
        assert!(reply.get("error").is_none(), "{method} failed: {reply}");
        reply["result"].clone()
    }

    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.receive();
            if message["id"] == id {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        if let Some(i) = self
            .notifications
            .iter()
            .position(|n| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
        {
            return self.notifications.remove(i)["params"].clone();
        }
        loop {
            let message = self.receive();
            if message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri {
                return message["params"].clone();
            }
            self.notifications.push(message);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "escalate", "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) -> Value {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
        self.diagnostics(uri)
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        let mut params =
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
        if method == "textDocument/references" {
            params["context"] = json!({ "includeDeclaration": true });
        }
        self.request(method, params)
    }

    fn stop(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("the server exits");
        assert!(status.success(), "exit status {status}");
    }
}

const URI: &str = "file:///tmp/escalate-lsp-test/protocol.esc";

const PROTOCOL: &str = "\
protocol \"Example\"
  limit 10 working days

party practitioner \"Practitioner\" level 1

party manager \"Line manager\" level 2
  quote \"The line manager will meet them.\"

exit mash \"Referral to MASH\" within same working day
outcome agreed \"Agreed in writing\"

at any stage: immediate risk -> mash
at any stage: record \"Decisions recorded\"

stage 1 \"Practitioners talk\" {
  parties practitioner
  step \"Discuss it\" within 24 hours
  resolved -> agreed
  unresolved -> stage 2
}

stage 2 \"Managers meet\" {
  parties manager
  within 5 working days
  resolved -> agreed
  final decision
}
";

fn line_of(text: &str, needle: &str) -> u32 {
    text.lines().position(|l| l.contains(needle)).expect("the line is there") as u32
}

fn col_of(text: &str, needle: &str, word: &str) -> u32 {
    let line = text.lines().find(|l| l.contains(needle)).expect("the line is there");
    line.find(word).expect("the word is on the line") as u32
}

#[test]
fn diagnostics_follow_the_text_as_it_is_typed() {
    let mut client = Client::start();
    let broken = PROTOCOL.replace("unresolved -> stage 2", "unresolved -> stage 3");
    let published = client.open(URI, &broken);
    assert_eq!(published["version"], 1);
    let diagnostics = published["diagnostics"].as_array().expect("a list");
    assert_eq!(diagnostics.len(), 1, "{published}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "unknown-name");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "escalate");
    let line = line_of(&broken, "unresolved -> stage 3");
    assert_eq!(d["range"]["start"], json!({ "line": line, "character": 22 }), "{d}");
    let message = d["message"].as_str().expect("text");
    assert!(message.contains("`3`") && message.contains("\nhelp: "), "{message}");

    // Fixed: the diagnostics clear.
    let published = client.change(URI, 2, PROTOCOL);
    assert_eq!(published["version"], 2);
    assert_eq!(published["diagnostics"], json!([]), "{published}");

    // A check finding, with the same help as `check`.
    let dead = PROTOCOL.replace("  final decision\n", "");
    let published = client.change(URI, 3, &dead);
    let codes: Vec<&str> =
        published["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["dead-end"], "{published}");
    client.stop();
}

#[test]
fn diagnostics_respect_escalate_toml() {
    let dir = std::env::temp_dir().join(format!("escalate-lsp-toml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    std::fs::write(dir.join(".escalate.toml"), "[severity]\ndead-end = \"warning\"\n").expect("config");
    let uri = format!("file://{}/p.esc", dir.display());
    let mut client = Client::start();
    let published = client.open(&uri, &PROTOCOL.replace("  final decision\n", ""));
    let d = &published["diagnostics"][0];
    assert_eq!((d["code"].as_str(), d["severity"].as_i64()), (Some("dead-end"), Some(2)), "{published}");
    client.stop();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hover_says_what_a_timescale_counts_as_and_what_a_name_is() {
    let mut client = Client::start();
    client.open(URI, PROTOCOL);
    let line = line_of(PROTOCOL, "within 24 hours");
    let hover = client.at("textDocument/hover", URI, line, col_of(PROTOCOL, "within 24 hours", "24") + 1);
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("`24 hours`") && text.contains("escalate counts at most 1 working day"), "{text}");

    let line = line_of(PROTOCOL, "parties manager");
    let hover =
        client.at("textDocument/hover", URI, line, col_of(PROTOCOL, "parties manager", "manager") + 2);
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.starts_with("**party manager**: Line manager"), "{text}");
    assert!(text.contains("> The line manager will meet them."), "{text}");
    assert!(text.contains("Used in: stage 2"), "{text}");

    let with_allow = format!("{PROTOCOL}\nallow missing-record \"every stage records through the rule\"\n");
    client.change(URI, 2, &with_allow);
    let line = line_of(&with_allow, "allow missing-record");
    let hover = client.at("textDocument/hover", URI, line, 8);
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.starts_with("**missing-record**: a stage with no recording requirement"), "{text}");
    assert!(text.contains("**Why it matters for a child.**"), "{text}");

    // Nothing under the cursor: no hover.
    assert_eq!(client.at("textDocument/hover", URI, 2, 0), Value::Null);
    client.stop();
}

#[test]
fn definition_references_and_rename_cover_every_use() {
    let mut client = Client::start();
    client.open(URI, PROTOCOL);
    // `stage 2` in a route goes to `stage 2 "Managers meet"`.
    let line = line_of(PROTOCOL, "unresolved -> stage 2");
    let col = col_of(PROTOCOL, "unresolved -> stage 2", "2");
    let definition = client.at("textDocument/definition", URI, line, col);
    let stage_line = line_of(PROTOCOL, "stage 2 \"Managers meet\"");
    assert_eq!(definition["range"]["start"], json!({ "line": stage_line, "character": 6 }), "{definition}");
    // Issue 24: on the word `stage` of `stage 2` too, in a route and where it is declared.
    let col = col_of(PROTOCOL, "unresolved -> stage 2", "stage");
    for character in [col, col + 2, col + 5] {
        let definition = client.at("textDocument/definition", URI, line, character);
        assert_eq!(
            definition["range"]["start"],
            json!({ "line": stage_line, "character": 6 }),
            "{definition}"
        );
        let hover = client.at("textDocument/hover", URI, line, character);
        let text = hover["contents"]["value"].as_str().expect("markdown");
        assert!(text.starts_with("**stage 2**: Managers meet"), "{text}");
    }
    let hover = client.at("textDocument/hover", URI, stage_line, 2);
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.starts_with("**stage 2**: Managers meet") && text.contains("Used in: stage 1"), "{text}");
    // Not on the word before it.
    assert_eq!(client.at("textDocument/definition", URI, line, col - 2), Value::Null);

    let line = line_of(PROTOCOL, "exit mash");
    let references = client.at("textDocument/references", URI, line, 6);
    let lines: Vec<u64> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [u64::from(line), u64::from(line_of(PROTOCOL, "immediate risk -> mash"))]);

    let line = line_of(PROTOCOL, "outcome agreed");
    let prepared = client.at("textDocument/prepareRename", URI, line, 9);
    assert_eq!(prepared["start"], json!({ "line": line, "character": 8 }), "{prepared}");
    let edit = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": 9 }, "newName": "settled" }),
    );
    let edits = edit["changes"][URI].as_array().expect("edits for the file");
    assert_eq!(edits.len(), 3, "the declaration and two routes: {edit}");
    assert!(edits.iter().all(|e| e["newText"] == "settled"));
    // Applied, the file still checks clean.
    let renamed = apply(PROTOCOL, edits);
    assert!(renamed.contains("resolved -> settled") && !renamed.contains("agreed\""), "{renamed}");
    assert_eq!(client.change(URI, 2, &renamed)["diagnostics"], json!([]));

    // A name that cannot parse is refused, with the reason.
    let refused = client.request_raw(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": 9 }, "newName": "two words" }),
    );
    assert!(refused["error"]["message"].as_str().unwrap().contains("is not a name"), "{refused}");
    client.stop();
}

/// Issue 26: a keyword looks like a name but would leave a file that does not
/// parse; a title is Markdown in a hover, so it is escaped there.
#[test]
fn rename_refuses_a_keyword_and_hover_escapes_the_file_s_text() {
    let mut client = Client::start();
    client.open(URI, PROTOCOL);
    let line = line_of(PROTOCOL, "outcome agreed");
    let refused = client.request_raw(
        "textDocument/rename",
        json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": 9 }, "newName": "stage" }),
    );
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("would no longer read"), "{refused}");
    let hostile = PROTOCOL
        .replace("\"Line manager\"", "\"<img src=x onerror=alert(1)> [x](javascript:alert(1)) **b**\"");
    client.change(URI, 2, &hostile);
    let line = line_of(&hostile, "parties manager");
    let hover =
        client.at("textDocument/hover", URI, line, col_of(&hostile, "parties manager", "manager") + 2);
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("\\<img src=x onerror=alert(1)\\>"), "{text}");
    assert!(text.contains("\\[x\\](javascript:alert(1))") && text.contains("\\*\\*b\\*\\*"), "{text}");
    client.stop();
}

/// Apply LSP text edits (which do not overlap) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + p["character"].as_u64().unwrap() as usize
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().unwrap()))
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

#[test]
fn outline_completion_and_formatting() {
    let mut client = Client::start();
    client.open(URI, PROTOCOL);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": URI } }));
    let names: Vec<&str> = symbols.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["party practitioner", "party manager", "exit mash", "outcome agreed", "stage 1", "stage 2"]
    );

    // After `->`: the stages, exits and outcomes.
    let typing = PROTOCOL.replace("  resolved -> agreed\n  unresolved", "  resolved -> \n  unresolved");
    client.change(URI, 2, &typing);
    let line = line_of(&typing, "  resolved -> ");
    let items = client.at("textDocument/completion", URI, line, 14);
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["mash", "agreed", "stage 1", "stage 2"]);
    // At the start of a line: keywords, as the grammar has them.
    let items = client.at("textDocument/completion", URI, 2, 0);
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    for keyword in [
        "protocol",
        "party",
        "exception",
        "pathway",
        "at any stage:",
        "quote",
        "cumulative",
        "no outcome described",
        "stages",
        "calendar days",
        "timescales advisory",
        "of the end of stage",
        "through",
        "for",
        "service",
        "includes",
        "before the first stage:",
        "send",
        "every",
    ] {
        assert!(labels.contains(&keyword), "{keyword} not in {labels:?}");
    }

    // Formatting is `fmt`: one edit, whose result is what `fmt` writes.
    let messy = PROTOCOL
        .replace("party manager \"Line manager\" level 2", "party   manager  \"Line manager\"   level 2");
    client.change(URI, 3, &messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": URI }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let formatted = apply(&messy, edits.as_array().unwrap());
    let fmt = crate::escalate_with_stdin(&["fmt", "-"], Some(messy.as_bytes()));
    assert_eq!(formatted, String::from_utf8_lossy(&fmt.stdout));
    assert_eq!(formatted, PROTOCOL);
    // After `through` or `for`, on a route or a step, and a `send`'s `to`
    // and `and`: the parties.
    for (version, typed) in (4..).zip([
        "  unresolved -> stage 2 through ",
        "  step \"Write\" for ",
        "  resolved -> agreed through manager or ",
        "  send \"A copy\" to ",
        "  send \"A copy\" to \"the Board\" and ",
        "  send \"A copy\" to \"the Board\" through ",
        "  resolved -> agreed and send \"A copy\" to ",
        "  resolved -> agreed and send \"A copy\" to \"the Board\" through manager or ",
    ]) {
        let typing =
            PROTOCOL.replace("  resolved -> agreed\n  unresolved", &format!("{typed}\n  unresolved"));
        client.change(URI, version, &typing);
        let line = line_of(&typing, typed);
        let items = client.at("textDocument/completion", URI, line, typed.len() as u32);
        let labels: Vec<&str> =
            items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["practitioner", "manager"], "after {typed:?}");
    }
    // After a route's `and`: a record made, or a copy sent, when it is taken.
    for (version, typed) in (20..).zip(["  resolved -> agreed and ", "    and "]) {
        let typing = PROTOCOL.replace(
            "  resolved -> agreed\n  unresolved",
            &format!("  resolved -> agreed\n{typed}\n  unresolved"),
        );
        client.change(URI, version, &typing);
        let line = line_of(&typing, typed);
        let items = client.at("textDocument/completion", URI, line, typed.len() as u32);
        let labels: Vec<&str> =
            items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["record", "send", "discretionary send"], "after {typed:?}");
    }
    client.stop();
}

#[test]
fn code_actions_fix_the_common_findings() {
    let mut client = Client::start();
    let without_exit = PROTOCOL.replace("at any stage: immediate risk -> mash\n", "");
    let no_way_on = without_exit.replace("  final decision\n", "");
    let published = client.open(URI, &no_way_on);
    let codes: Vec<&str> =
        published["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        // The two stages without an immediate-risk route are one finding, one diagnostic per place.
        ["unreachable", "missing-immediate-risk-exit", "missing-immediate-risk-exit", "dead-end"],
        "{published}"
    );
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 999, "character": 0 } });
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": URI }, "range": whole, "context": { "diagnostics": [] } }),
    );
    let titles: Vec<&str> =
        actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"add `at any stage: immediate risk -> mash`"), "{titles:?}");
    // Offered once, though two stages lack the route.
    assert_eq!(titles.iter().filter(|t| t.contains("immediate risk -> mash")).count(), 1, "{titles:?}");
    assert!(titles.contains(&"allow `dead-end` in stage 2, with a reason"), "{titles:?}");
    // Stage 2 is the last: the way on is a choice, never a stage that does not exist.
    assert!(titles.contains(&"add `final decision` to stage 2 (or choose another)"), "{titles:?}");
    assert!(!titles.iter().any(|t| t.contains("stage N")), "{titles:?}");

    // Each fix, applied, removes its finding.
    for (title, gone) in [
        ("add `at any stage: immediate risk -> mash`", "missing-immediate-risk-exit"),
        ("allow `dead-end` in stage 2, with a reason", "dead-end"),
        ("add `final decision` to stage 2 (or choose another)", "dead-end"),
    ] {
        let action = actions.as_array().unwrap().iter().find(|a| a["title"] == title).expect("the action");
        let fixed = apply(&no_way_on, action["edit"]["changes"][URI].as_array().unwrap());
        let check = crate::escalate_with_stdin(&["check", "--format", "json", "-"], Some(fixed.as_bytes()));
        let report = crate::json(&check);
        let active: Vec<&str> = report["files"][0]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["allowed"].is_null())
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(!active.contains(&gone), "{title}: {fixed}\n{report}");
        assert!(!active.is_empty(), "the other findings stay: {report}");
    }
    client.stop();
}

/// Issue 24: semantic tokens, typed by the legend the server declares, so
/// editors without the TextMate grammar highlight a protocol.
#[test]
fn semantic_tokens_follow_the_declared_legend() {
    let mut client = Client::start();
    let legend = &client.capabilities["semanticTokensProvider"]["legend"]["tokenTypes"];
    assert_eq!((&legend[0], &legend[5]), (&json!("keyword"), &json!("namespace")), "{legend}");
    client.open(URI, PROTOCOL);
    let tokens =
        client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": URI } }));
    let data: Vec<u64> = tokens["data"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    assert_eq!(data.len() % 5, 0);
    // The first token: `protocol`, a keyword (type 0) at line 0, column 0, 8 long.
    assert_eq!(&data[..5], &[0, 0, 8, 0, 0]);
    // `stage 2` in `unresolved -> stage 2`: the keyword, then the stage (namespace, 5).
    let (line, col) =
        (line_of(PROTOCOL, "unresolved -> stage 2"), col_of(PROTOCOL, "unresolved -> stage 2", "stage 2"));
    let (mut at_line, mut at_col) = (0, 0);
    let mut found = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            at_line += t[0];
            at_col = t[1];
        } else {
            at_col += t[1];
        }
        if at_line == u64::from(line) && at_col >= u64::from(col) {
            found.push((at_col - u64::from(col), t[2], t[3]));
        }
    }
    assert_eq!(found, [(0, 5, 0), (6, 1, 5)], "{tokens}");
    let range =
        json!({ "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 99 } });
    let part = client.request(
        "textDocument/semanticTokens/range",
        json!({ "textDocument": { "uri": URI }, "range": range }),
    );
    assert_eq!(part["data"].as_array().unwrap().len(), 4 * 5, "unresolved, ->, stage, 2: {part}");
    client.stop();
}

/// Issue 24: where a fix needs a choice, a client that takes snippets gets
/// one (LSP 3.18's `SnippetTextEdit`, or rust-analyzer's `insertTextFormat`),
/// and any other client the plain text of its first option.
#[test]
fn quick_fixes_are_snippets_for_clients_that_take_them() {
    let dead_end = PROTOCOL.replace("  final decision\n", "");
    let whole = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 999, "character": 0 } });
    let way_on = "add `final decision` to stage 2 (or choose another)";
    let allow = "allow `dead-end` in stage 2, with a reason";
    let actions = |capabilities: Value| {
        let mut client = Client::start_with(capabilities);
        client.open(URI, &dead_end);
        let actions = client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": URI }, "range": whole, "context": { "diagnostics": [] } }),
        );
        client.stop();
        actions
    };
    let find = |actions: &Value, title: &str| {
        actions.as_array().unwrap().iter().find(|a| a["title"] == title).expect("the action").clone()
    };

    let standard = actions(json!({ "workspace": { "workspaceEdit": { "snippetEditSupport": true } } }));
    let change = &find(&standard, way_on)["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"], json!({ "uri": URI, "version": 1 }), "{change}");
    let edit = &change["edits"][0];
    assert_eq!(
        edit["snippet"],
        json!({ "kind": "snippet", "value": "  ${1|final decision,final mediation|}\n" })
    );
    let edit = &find(&standard, allow)["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(
        edit["snippet"]["value"],
        "  allow dead-end \"${1:REASON: say why the protocol is right as it is}\"\n",
        "{edit}"
    );

    let experimental = actions(json!({ "experimental": { "snippetTextEdit": true } }));
    let edit = &find(&experimental, way_on)["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(edit["insertTextFormat"], 2, "{edit}");
    assert_eq!(edit["newText"], "  ${1|final decision,final mediation|}\n", "{edit}");

    let plain = actions(json!({}));
    let edits = find(&plain, way_on)["edit"]["changes"][URI].as_array().unwrap().clone();
    assert_eq!(edits[0]["newText"], "  final decision\n", "{edits:?}");
    assert!(apply(&dead_end, &edits).contains("  resolved -> agreed\n  final decision\n}"));
}

#[test]
fn requests_about_unopened_files_and_unknown_methods_are_errors_not_crashes() {
    let mut client = Client::start();
    let reply = client.request_raw(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///nowhere.esc" }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(reply["error"]["message"].as_str().unwrap().contains("is not open"), "{reply}");
    let reply = client.request_raw("escalate/unknown", json!({}));
    assert_eq!(reply["error"]["code"], -32601, "{reply}");
    // Hostile text: control characters are a finding, as on the command line.
    let published = client.open(URI, "protocol \"P\u{1b}[2J\"\n");
    assert_eq!(published["diagnostics"][0]["code"], "syntax-error", "{published}");
    client.stop();
}
