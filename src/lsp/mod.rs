//! `escalate lsp`: the language server (feature `lsp`), over stdio.
//!
//! `lsp-server` (rust-analyzer's transport: a synchronous loop over crossbeam
//! channels) with `lsp-types`, rather than `tower-lsp`, which would bring an
//! async runtime for a server that answers one file at a time in
//! microseconds. Every answer comes from the library: diagnostics are
//! `check`'s findings (with `.escalate.toml` applied), formatting is `fmt`,
//! hover on a code is `explain`'s text.

pub mod framing;
mod index;
mod semantic;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::ExitCode;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as _, SemanticTokensFullRequest,
    SemanticTokensRangeRequest,
};
use lsp_types::*;
use serde_json::Value;

use crate::diagnostic::{Code, Finding, Severity};
use crate::timescale::Timescale;
use index::{Index, Kind, Space};

/// The grammar, read for its keywords: completion offers exactly what the
/// parser accepts, and a new keyword needs no change here.
const GRAMMAR: &str = include_str!("../../grammar/escalate.pest");

/// Serve on stdin and stdout until the client says `exit`.
pub fn run() -> ExitCode {
    let (connection, io_threads) = stdio();
    let result = serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (result, joined) {
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
        (Err(e), _) => {
            eprintln!("error: escalate lsp: {e}");
            ExitCode::from(2)
        }
        (_, Err(e)) => {
            eprintln!("error: escalate lsp: {e}");
            ExitCode::from(2)
        }
    }
}

/// The reading and writing threads of [`stdio`].
struct IoThreads {
    reader: std::thread::JoinHandle<std::io::Result<()>>,
    writer: std::thread::JoinHandle<std::io::Result<()>>,
}

impl IoThreads {
    fn join(self) -> std::io::Result<()> {
        let joined = |h: std::thread::JoinHandle<std::io::Result<()>>| {
            h.join().unwrap_or_else(|_| Err(std::io::Error::other("a thread stopped")))
        };
        let reader = joined(self.reader);
        joined(self.writer).and(reader)
    }
}

/// `lsp-server`'s connection over stdin and stdout, read by [`framing`]: a
/// message that cannot be read (a malformed or oversized header, a body
/// that is not a JSON-RPC message) is reported to the client as an error in
/// its log (`window/logMessage`) and on stderr, and the server goes on.
fn stdio() -> (Connection, IoThreads) {
    use crossbeam_channel::bounded;
    let (writer_sender, writer_receiver) = bounded::<Message>(0);
    let writer = std::thread::spawn(move || {
        let mut stdout = std::io::stdout().lock();
        writer_receiver.into_iter().try_for_each(|message| message.write(&mut stdout))
    });
    let (reader_sender, reader_receiver) = bounded::<Message>(0);
    let complaints = writer_sender.clone();
    let reader = std::thread::spawn(move || {
        let mut input = framing::Reader::new(std::io::stdin().lock());
        while let Some(frame) = input.next_frame()? {
            let why = match frame {
                framing::Frame::Message(text) => match serde_json::from_str::<Message>(&text) {
                    Ok(message) => {
                        let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                        if reader_sender.send(message).is_err() || exit {
                            break;
                        }
                        continue;
                    }
                    Err(e) => format!("a message that is not JSON-RPC: {e}"),
                },
                framing::Frame::Error(why) => why,
            };
            let why = format!("escalate lsp: cannot read {why}");
            eprintln!("error: {}", crate::render::human::visible_line(&why));
            let log = Notification::new(
                "window/logMessage".into(),
                LogMessageParams { typ: MessageType::ERROR, message: why },
            );
            if complaints.send(Message::Notification(log)).is_err() {
                break;
            }
        }
        Ok(())
    });
    (Connection { sender: writer_sender, receiver: reader_receiver }, IoThreads { reader, writer })
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![">".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: semantic::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        ..ServerCapabilities::default()
    }
}

fn serve(connection: &Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let caps = serde_json::to_value(capabilities())?;
    let (id, initialize) = connection.initialize_start()?;
    connection.initialize_finish(
        id,
        serde_json::json!({
            "capabilities": caps,
            "serverInfo": { "name": "escalate", "version": env!("CARGO_PKG_VERSION") },
        }),
    )?;
    let mut server = Server { docs: HashMap::new(), snippets: Snippets::of(&initialize) };
    // Messages already read, not yet handled: looked at to skip checking a
    // version that a newer change of the same document has replaced.
    let mut queued: VecDeque<Message> = VecDeque::new();
    // lsp-server hands messages over one at a time (a rendezvous channel), so
    // at most one would ever be waiting: a thread moves them into a queue
    // without bound, where every message already sent can be seen.
    let (sender, arrived) = std::sync::mpsc::channel();
    let receiver = connection.receiver.clone();
    std::thread::spawn(move || {
        for message in receiver {
            if sender.send(message).is_err() {
                break;
            }
        }
    });
    loop {
        let message = match queued.pop_front() {
            Some(message) => message,
            None => match arrived.recv() {
                Ok(message) => message,
                Err(_) => break,
            },
        };
        match message {
            Message::Request(request) => {
                if request.method == "shutdown" {
                    // As `Connection::handle_shutdown`, from the queue.
                    connection.sender.send(Response::new_ok(request.id, ()).into())?;
                    let next = match queued.pop_front() {
                        Some(message) => Some(message),
                        None => arrived.recv_timeout(std::time::Duration::from_secs(30)).ok(),
                    };
                    return match next {
                        Some(Message::Notification(n)) if n.method == "exit" => Ok(()),
                        other => {
                            Err(format!("expected the exit notification after shutdown, got {other:?}")
                                .into())
                        }
                    };
                }
                // A bug in one answer must not take the editor's findings
                // away: it becomes an error reply, and the server goes on.
                let id = request.id.clone();
                let response =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.request(request)))
                        .unwrap_or_else(|_| {
                            Response::new_err(
                                id,
                                lsp_server::ErrorCode::InternalError as i32,
                                "escalate lsp failed on this request (a bug: please report it)".into(),
                            )
                        });
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                read_ahead(&arrived, &mut queued);
                let outs = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    server.notification(notification, &queued)
                }))
                .unwrap_or_default();
                for out in outs {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// Move every message that has already arrived into `queued`, without
/// waiting; none after a shutdown request (the `exit` after it ends the loop).
fn read_ahead(arrived: &std::sync::mpsc::Receiver<Message>, queued: &mut VecDeque<Message>) {
    let shutdown = |m: &Message| matches!(m, Message::Request(r) if r.method == "shutdown");
    if queued.back().is_some_and(shutdown) {
        return;
    }
    while let Ok(message) = arrived.try_recv() {
        let stop = shutdown(&message);
        queued.push_back(message);
        if stop {
            return;
        }
    }
}

/// Whether a queued notification opens, changes or closes the document:
/// then checking the version before it would only publish findings that the
/// next check replaces (twenty changes sent at once were twenty checks).
fn superseded(uri: &Uri, queued: &VecDeque<Message>) -> bool {
    queued.iter().any(|m| match m {
        Message::Notification(n) => {
            matches!(
                n.method.as_str(),
                DidOpenTextDocument::METHOD | DidChangeTextDocument::METHOD | DidCloseTextDocument::METHOD
            ) && n.params.pointer("/textDocument/uri").and_then(Value::as_str) == Some(uri.as_str())
        }
        _ => false,
    })
}

struct Document {
    text: String,
    version: i32,
}

struct Server {
    docs: HashMap<Uri, Document>,
    /// Whether quick fixes may be snippets.
    snippets: Snippets,
}

fn params<P: serde::de::DeserializeOwned>(value: Value) -> Result<P, Response> {
    serde_json::from_value(value).map_err(|e| {
        Response::new_err(RequestId::from(0), lsp_server::ErrorCode::InvalidParams as i32, e.to_string())
    })
}

impl Server {
    /// Handle a notification; `queued` are the messages read after it.
    fn notification(&mut self, n: Notification, queued: &VecDeque<Message>) -> Vec<Notification> {
        let uri = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return vec![];
                };
                let doc = Document { text: p.text_document.text, version: p.text_document.version };
                self.docs.insert(p.text_document.uri.clone(), doc);
                p.text_document.uri
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return vec![];
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else { return vec![] };
                let doc = Document { text: change.text, version: p.text_document.version };
                self.docs.insert(p.text_document.uri.clone(), doc);
                p.text_document.uri
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return vec![];
                };
                self.docs.remove(&p.text_document.uri);
                let clear =
                    PublishDiagnosticsParams { uri: p.text_document.uri, diagnostics: vec![], version: None };
                return vec![Notification::new(PublishDiagnostics::METHOD.into(), clear)];
            }
            _ => return vec![],
        };
        // The text is kept (requests before the next change read it), but
        // only the newest version is checked.
        if superseded(&uri, queued) {
            return vec![];
        }
        let Some(doc) = self.docs.get(&uri) else { return vec![] };
        let diagnostics = diagnostics(&uri, &doc.text);
        let publish = PublishDiagnosticsParams { uri, diagnostics, version: Some(doc.version) };
        vec![Notification::new(PublishDiagnostics::METHOD.into(), publish)]
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        let answer = self.answer(r);
        match answer {
            Ok(value) => Response { id, result: Some(value), error: None },
            Err(mut response) => {
                response.id = id;
                response
            }
        }
    }

    fn text(&self, uri: &Uri) -> Result<&str, Response> {
        self.docs.get(uri).map(|d| d.text.as_str()).ok_or_else(|| {
            Response::new_err(
                RequestId::from(0),
                lsp_server::ErrorCode::InvalidParams as i32,
                format!("`{}` is not open", uri.as_str()),
            )
        })
    }

    fn answer(&mut self, r: Request) -> Result<Value, Response> {
        let to_value = |v: Option<Value>| v.unwrap_or(Value::Null);
        Ok(to_value(match r.method.as_str() {
            HoverRequest::METHOD => {
                let p: HoverParams = params(r.params)?;
                let pos = p.text_document_position_params;
                let text = self.text(&pos.text_document.uri)?;
                hover(text, pos.position).map(|h| json(&h))
            }
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = params(r.params)?;
                let pos = p.text_document_position_params;
                let text = self.text(&pos.text_document.uri)?;
                let index = Index::build(text);
                let lines = Lines::new(text);
                let offset = lines.offset(pos.position);
                index.name_at(offset).and_then(|(space, word)| index.definition(space, &word.text)).map(|s| {
                    json(&GotoDefinitionResponse::Scalar(Location {
                        uri: pos.text_document.uri.clone(),
                        range: lines.range(s.name.span),
                    }))
                })
            }
            References::METHOD => {
                let p: ReferenceParams = params(r.params)?;
                let pos = p.text_document_position;
                let text = self.text(&pos.text_document.uri)?;
                let index = Index::build(text);
                let lines = Lines::new(text);
                index.name_at(lines.offset(pos.position)).map(|(space, word)| {
                    let uri = &pos.text_document.uri;
                    let spans = index.occurrences(space, &word.text);
                    json(
                        &spans
                            .iter()
                            .map(|&s| Location { uri: uri.clone(), range: lines.range(s) })
                            .collect::<Vec<_>>(),
                    )
                })
            }
            PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = params(r.params)?;
                let text = self.text(&p.text_document.uri)?;
                let index = Index::build(text);
                let lines = Lines::new(text);
                index
                    .name_at(lines.offset(p.position))
                    .map(|(_, word)| json(&PrepareRenameResponse::Range(lines.range(word.span))))
            }
            Rename::METHOD => {
                let p: RenameParams = params(r.params)?;
                let pos = p.text_document_position;
                let text = self.text(&pos.text_document.uri)?;
                Some(json(&rename(text, &pos.text_document.uri, pos.position, &p.new_name)?))
            }
            DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = params(r.params)?;
                let text = self.text(&p.text_document.uri)?;
                Some(json(&DocumentSymbolResponse::Nested(outline(text))))
            }
            Completion::METHOD => {
                let p: CompletionParams = params(r.params)?;
                let pos = p.text_document_position;
                let text = self.text(&pos.text_document.uri)?;
                Some(json(&CompletionResponse::Array(completion(text, pos.position))))
            }
            Formatting::METHOD => {
                let p: DocumentFormattingParams = params(r.params)?;
                let text = self.text(&p.text_document.uri)?;
                // A file that does not parse is left as it is: its problems
                // are already shown as diagnostics.
                crate::live::format(text).ok().map(|formatted| {
                    let lines = Lines::new(text);
                    let whole = lines.range(crate::span::Span::new(0, text.len()));
                    let edits =
                        if formatted == text { vec![] } else { vec![TextEdit::new(whole, formatted)] };
                    json(&edits)
                })
            }
            SemanticTokensFullRequest::METHOD => {
                let p: SemanticTokensParams = params(r.params)?;
                let text = self.text(&p.text_document.uri)?;
                let data = semantic::encode(text, None);
                Some(json(&SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data })))
            }
            SemanticTokensRangeRequest::METHOD => {
                let p: SemanticTokensRangeParams = params(r.params)?;
                let text = self.text(&p.text_document.uri)?;
                let data = semantic::encode(text, Some(p.range));
                Some(json(&SemanticTokensRangeResult::Tokens(SemanticTokens { result_id: None, data })))
            }
            CodeActionRequest::METHOD => {
                let p: CodeActionParams = params(r.params)?;
                let uri = &p.text_document.uri;
                let text = self.text(uri)?;
                let version = self.docs.get(uri).map(|d| d.version);
                Some(json(&code_actions(text, uri, p.range, self.snippets, version)))
            }
            _ => {
                return Err(Response::new_err(
                    RequestId::from(0),
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("escalate lsp does not answer `{}`", r.method),
                ));
            }
        }))
    }
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Byte offsets to LSP positions (lines, UTF-16 columns) and back.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self.text.get(start..offset).map_or(0, |s| s.encode_utf16().count());
        Position::new(line as u32, column as u32)
    }

    fn range(&self, span: crate::span::Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    fn offset(&self, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else { return self.text.len() };
        let end = self.starts.get(position.line as usize + 1).map_or(self.text.len(), |&e| e);
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= position.character as usize || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

/// The file's path from a `file:` URI, for finding its `.escalate.toml`.
fn path_of(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str().strip_prefix("file://")?;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// `check`'s findings as diagnostics, with the repository's `.escalate.toml`.
fn diagnostics(uri: &Uri, text: &str) -> Vec<Diagnostic> {
    let path = path_of(uri);
    let name = path.as_ref().map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string());
    let mut report = crate::live::check(&name, text);
    let mut extra = Vec::new();
    if let Some(dir) = path.as_ref().and_then(|p| p.parent()) {
        match crate::config::Config::find(dir) {
            Ok(Some(config)) => config.apply(&mut report),
            Ok(None) => {}
            Err(e) => extra.push(Diagnostic {
                range: Range::default(),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("escalate".into()),
                message: e,
                ..Diagnostic::default()
            }),
        }
    }
    let lines = Lines::new(text);
    report
        .findings
        .iter()
        .filter(|f| f.is_active())
        // One diagnostic per place, as JSON and SARIF give a grouped finding.
        .flat_map(Finding::per_location)
        .map(|f| diagnostic(&f, uri, &lines))
        .chain(extra)
        .collect()
}

fn diagnostic(f: &Finding, uri: &Uri, lines: &Lines) -> Diagnostic {
    let mut message = f.message.clone();
    if !f.label.is_empty() {
        message = format!("{message}: {}", f.label);
    }
    if !f.help.is_empty() {
        message.push_str(&format!("\nhelp: {}", f.help));
    }
    let related = f.also.as_ref().map(|(span, label)| {
        vec![DiagnosticRelatedInformation {
            location: Location { uri: uri.clone(), range: lines.range(*span) },
            message: label.clone(),
        }]
    });
    Diagnostic {
        range: f.span.map(|s| lines.range(s)).unwrap_or_default(),
        severity: Some(match f.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(f.code.as_str().into())),
        code_description: crate::explain::help_uri(f.code)
            .and_then(|u| u.parse().ok())
            .map(|href| CodeDescription { href }),
        source: Some("escalate".into()),
        message,
        related_information: related,
        ..Diagnostic::default()
    }
}

fn markdown(value: String) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value }),
        range: None,
    }
}

/// What escalate counts a timescale as, in words: the words as written,
/// then the count the worst case uses (the same `Timescale` methods every
/// view reads).
fn counts_as(t: &Timescale) -> String {
    let mut out = vec![format!("`{}`", t.written)];
    out.push(match t.bound() {
        Some(days) => format!(
            "escalate counts at most {days}{}",
            t.anchor.as_ref().map(|a| format!(" from {a}")).unwrap_or_default()
        ),
        None => "no time limit: escalate counts it as unbounded (`unbounded-timescale`)".to_string(),
    });
    let units: Vec<&str> = t.units().map(|u| u.words()).collect();
    if !units.is_empty() {
        out.push(format!("counted in {}", units.join(" and ")));
    }
    if let Some(condition) = &t.earlier_if {
        out.push(format!("or earlier if {condition}"));
    }
    if t.advisory {
        out.push("advisory: the protocol suggests this time".to_string());
    }
    out.join("\n\n")
}

fn hover(text: &str, position: Position) -> Option<Hover> {
    let index = Index::build(text);
    let lines = Lines::new(text);
    let offset = lines.offset(position);
    let within = |s: crate::span::Span| s.start <= offset && offset <= s.end;
    if let Some((space, word)) = index.name_at(offset) {
        let symbol = index.definition(space, &word.text)?;
        // Titles, quotes and names are the file's text: escaped for
        // Markdown, so that `<img>`, `[link](...)` or `**` in a title is
        // shown as written, never drawn (issue 26).
        let md = crate::render::diff::md;
        let mut out = format!("**{} {}**: {}", symbol.kind.word(), md(&symbol.name.text), md(&symbol.title));
        for quote in &symbol.quotes {
            out.push_str(&format!("\n\n> {}", md(&quote.split_whitespace().collect::<Vec<_>>().join(" "))));
        }
        let places = index.places(space, &word.text);
        if !places.is_empty() {
            let places: Vec<String> = places.iter().map(|p| md(p)).collect();
            out.push_str(&format!("\n\nUsed in: {}", places.join(", ")));
        } else if !matches!(symbol.kind, Kind::Exception | Kind::Pathway) {
            out.push_str("\n\nNot used by any stage or route.");
        }
        return Some(markdown(out));
    }
    if let Some(code) = index.codes.iter().find(|w| within(w.span)) {
        let Some(parsed) = Code::parse(&code.text) else {
            return Some(markdown(format!("`{}` is not a check: `escalate rules` lists them", code.text)));
        };
        let doc = crate::explain::RuleDoc::of(parsed);
        let mut out = format!("**{}**: {}", parsed.as_str(), parsed.summary());
        for (title, part) in
            [("What it means", &doc.what), ("Why it matters for a child", &doc.why), ("How to fix", &doc.fix)]
        {
            if !part.is_empty() {
                out.push_str(&format!("\n\n**{title}.** {part}"));
            }
        }
        return Some(markdown(out));
    }
    let timescale = index.timescales.iter().filter(|t| within(t.span)).min_by_key(|t| t.span.len())?;
    Some(markdown(format!("**timescale**\n\n{}", counts_as(timescale))))
}

fn rename(text: &str, uri: &Uri, position: Position, new_name: &str) -> Result<WorkspaceEdit, Response> {
    let refuse = |message: String| {
        Response::new_err(RequestId::from(0), lsp_server::ErrorCode::InvalidParams as i32, message)
    };
    let index = Index::build(text);
    let lines = Lines::new(text);
    let Some((space, word)) = index.name_at(lines.offset(position)) else {
        return Err(refuse("put the cursor on the name of a party, stage, exit or outcome".into()));
    };
    // The new name must parse where the old one stood.
    let first_ok = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || (space == Space::Target && c.is_ascii_digit()));
    let rest_ok = new_name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !first_ok || !rest_ok {
        return Err(refuse(format!(
            "`{new_name}` is not a name: use letters, digits, `-` and `_`, starting with a letter"
        )));
    }
    if index.definition(space, new_name).is_some() {
        return Err(refuse(format!("`{new_name}` is already declared")));
    }
    let spans = index.occurrences(space, &word.text);
    // The file renamed must parse as well as it did: a keyword (`stage`,
    // `within`) looks like a name but would leave a file that does not.
    let mut renamed = text.to_string();
    let mut sorted = spans.clone();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.start));
    for s in &sorted {
        if renamed.is_char_boundary(s.start) && renamed.is_char_boundary(s.end) && s.end <= renamed.len() {
            renamed.replace_range(s.start..s.end, new_name);
        }
    }
    let input_errors = |t: &str| crate::analyse(t).1.iter().filter(|f| f.code.is_input_error()).count();
    if input_errors(&renamed) > input_errors(text) {
        return Err(refuse(format!(
            "`{new_name}` cannot be a name here: the file would no longer read (is it a keyword?)"
        )));
    }
    let edits: Vec<TextEdit> =
        spans.into_iter().map(|s| TextEdit::new(lines.range(s), new_name.to_string())).collect();
    Ok(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..WorkspaceEdit::default() })
}

fn outline(text: &str) -> Vec<DocumentSymbol> {
    let index = Index::build(text);
    let lines = Lines::new(text);
    let symbol = |i: usize| -> DocumentSymbol {
        let s = &index.symbols[i];
        #[allow(deprecated)] // `deprecated` is a required field of the struct
        DocumentSymbol {
            name: format!("{} {}", s.kind.word(), s.name.text),
            detail: Some(s.title.split_whitespace().collect::<Vec<_>>().join(" ")),
            kind: match s.kind {
                Kind::Party => SymbolKind::CONSTANT,
                Kind::Stage => SymbolKind::MODULE,
                Kind::Exit => SymbolKind::EVENT,
                Kind::Outcome => SymbolKind::ENUM_MEMBER,
                Kind::Exception | Kind::Pathway => SymbolKind::NAMESPACE,
            },
            tags: None,
            deprecated: None,
            range: lines.range(s.span),
            selection_range: lines.range(s.name.span),
            children: None,
        }
    };
    (0..index.symbols.len())
        .filter(|&i| index.symbols[i].top)
        .map(|i| {
            let mut top = symbol(i);
            let children: Vec<DocumentSymbol> =
                index.symbols[i].children.iter().map(|&c| symbol(c)).collect();
            if !children.is_empty() {
                top.children = Some(children);
            }
            top
        })
        .collect()
}

/// The keywords, read from the grammar's `kw_*` rules (each part's first
/// spelling: `no outcome described`, `starts`; `at any stage` written out),
/// the route conditions and the phrases of timescales.
fn keywords() -> Vec<String> {
    let mut out: Vec<String> = GRAMMAR
        .lines()
        .filter(|l| l.starts_with("kw_"))
        .filter_map(|l| {
            if l.starts_with("kw_at_any_stage") {
                return Some("at any stage:".to_string());
            }
            let body = &l[l.find('{')? + 1..l.rfind('}')?];
            // Each part between `~`, by its first literal (`sp` and
            // `end_of_word` have none).
            let words: Vec<&str> =
                body.split('~').filter_map(|part| part.split('"').nth(1)).filter(|w| !w.is_empty()).collect();
            (!words.is_empty()).then(|| words.join(" "))
        })
        .collect();
    out.extend(
        [
            "resolved",
            "unresolved",
            "immediate risk",
            "no response",
            "working days",
            "working weeks",
            "calendar days",
            "hours",
            "same working day",
            "next working day",
            "immediately",
            "straight away",
            "no more than",
            "whichever is shorter",
            "and within",
            "of step",
            "of the end of stage",
            "of the start or end of step",
            "of the disagreement",
            "timescales advisory",
            "before the first stage:",
        ]
        .map(String::from),
    );
    out
}

fn completion(text: &str, position: Position) -> Vec<CompletionItem> {
    let lines = Lines::new(text);
    let offset = lines.offset(position);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let before = &text[line_start..offset];
    // The names come from the text without the line being typed, which
    // rarely parses yet and would hide the stage around it.
    let index = Index::build(&format!("{}{}", &text[..line_start], &text[line_end..]));
    let item = |label: String, kind: CompletionItemKind, detail: String| CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail),
        ..CompletionItem::default()
    };
    let names = |space: Space| {
        index.symbols.iter().filter(move |s| s.kind.space() == space).map(|s| {
            let label =
                if s.kind == Kind::Stage { format!("stage {}", s.name.text) } else { s.name.text.clone() };
            item(label, CompletionItemKind::REFERENCE, format!("{} \"{}\"", s.kind.word(), s.title))
        })
    };
    let trimmed = before.trim_start();
    if trimmed.starts_with("allow") {
        return Code::checks()
            .map(|c| item(c.as_str().into(), CompletionItemKind::VALUE, c.summary().into()))
            .collect();
    }
    // After `through`, `for` (and a `through`'s `or`), and a `send`'s `to`
    // (and its `and`): the parties.
    let last = before.split_whitespace().last();
    let sending = before.split_whitespace().any(|w| w == "send");
    if before.ends_with(' ')
        && (matches!(last, Some("through" | "for"))
            || last == Some("or") && before.split_whitespace().rev().nth(2) == Some("through")
            || sending && matches!(last, Some("to" | "and")))
    {
        return names(Space::Party).collect();
    }
    // After a route's `and` (on its line, or beginning the next): what a
    // route can add, a record made or a copy sent when it is taken.
    let route = before.contains("->") || before.contains('→');
    if before.ends_with(' ') && last == Some("and") && !sending && (route || trimmed.trim_end() == "and") {
        return ["record", "send", "discretionary send"]
            .map(|k| item(k.into(), CompletionItemKind::KEYWORD, "on this route".into()))
            .into_iter()
            .collect();
    }
    if route {
        return names(Space::Target).collect();
    }
    if trimmed.starts_with("parties") {
        return names(Space::Party).collect();
    }
    keywords().into_iter().map(|k| item(k, CompletionItemKind::KEYWORD, "keyword".into())).collect()
}

/// What a client can take as a quick fix's text, from its capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Snippets {
    /// Plain text edits: a choice is its first option, a placeholder its
    /// default.
    #[default]
    Plain,
    /// LSP 3.18's `SnippetTextEdit` in a `TextDocumentEdit`
    /// (`workspace.workspaceEdit.snippetEditSupport`).
    Standard,
    /// rust-analyzer's extension, followed by several clients: a text edit
    /// with `insertTextFormat: 2` (`experimental.snippetTextEdit`).
    Experimental,
}

impl Snippets {
    fn of(initialize: &Value) -> Snippets {
        let says = |pointer: &str| initialize.pointer(pointer) == Some(&Value::Bool(true));
        if says("/capabilities/workspace/workspaceEdit/snippetEditSupport") {
            Snippets::Standard
        } else if says("/capabilities/experimental/snippetTextEdit") {
            Snippets::Experimental
        } else {
            Snippets::Plain
        }
    }
}

/// A piece of a quick fix's text.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    /// One of several (the first is the default).
    Choice(Vec<String>),
    /// Words for the writer to replace.
    Placeholder(String),
}

/// A quick fix: the text that replaces `span` (empty: an insertion), and
/// the findings, one per place, that it removes.
#[derive(Debug, Clone)]
struct Fix {
    title: String,
    span: crate::span::Span,
    text: Vec<Piece>,
    targets: Vec<Finding>,
}

impl Fix {
    /// The text a client without snippets gets: each choice's first option.
    fn plain(&self) -> String {
        self.text
            .iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Placeholder(t) => t.as_str(),
                Piece::Choice(options) => options.first().map_or("", String::as_str),
            })
            .collect()
    }

    /// The LSP snippet: `${1|a,b|}` for a choice, `${1:words}` for a
    /// placeholder; `None` when there is nothing to choose.
    fn snippet(&self) -> Option<String> {
        let escape = |s: &str| s.replace('\\', "\\\\").replace('$', "\\$").replace('}', "\\}");
        let mut n = 0;
        let mut out = String::new();
        for piece in &self.text {
            match piece {
                Piece::Text(t) => out.push_str(&escape(t)),
                Piece::Choice(options) if options.len() > 1 => {
                    n += 1;
                    let options: Vec<String> =
                        options.iter().map(|o| escape(o).replace(',', "\\,").replace('|', "\\|")).collect();
                    out.push_str(&format!("${{{n}|{}|}}", options.join(",")));
                }
                Piece::Choice(options) => out.push_str(&escape(options.first().map_or("", String::as_str))),
                Piece::Placeholder(t) => {
                    n += 1;
                    out.push_str(&format!("${{{n}:{}}}", escape(t)));
                }
            }
        }
        (n > 0).then_some(out)
    }
}

/// How much text one code-action request may check again on trial: a fix
/// that adds a route or changes a time is offered only once the file with
/// it, checked again, has lost the finding and gained none (each option of a
/// choice is tried). At most 32 trials, fewer in a large file (512 KB checked), so a request
/// stays within a few checks' time (a file of 2,700 stages: 3 trials).
const TRIAL_BYTES: usize = 1 << 19;
const TRIALS: usize = 32;

/// Every active finding of a report, one per place.
fn active_places(report: &crate::Report) -> Vec<Finding> {
    report.findings.iter().filter(|f| f.is_active()).flat_map(Finding::per_location).collect()
}

/// Whether `text` with `span` replaced by `new` still reads, has lost every
/// one of `targets` and gained no finding (findings after the edit are
/// matched to those before by code and place, the place moved back over the
/// edit).
fn improves(text: &str, before: &[Finding], span: crate::span::Span, new: &str, targets: &[Finding]) -> bool {
    let mut fixed = text.to_string();
    if span.end > text.len() || !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
        return false;
    }
    fixed.replace_range(span.start..span.end, new);
    let after = active_places(&crate::live::check("", &fixed));
    if after.iter().any(|f| f.code.is_input_error()) {
        return false;
    }
    let at = |f: &Finding| f.span.map_or(0, |s| s.start);
    let back = |a: usize| {
        if a < span.start || (a == span.start && new.is_empty()) {
            Some(a)
        } else if a >= span.start + new.len() {
            Some(a - new.len() + span.len())
        } else {
            None
        }
    };
    let mut left: Vec<(Code, usize)> = before.iter().map(|f| (f.code, at(f))).collect();
    for f in &after {
        let Some(i) = back(at(f)).and_then(|a| left.iter().position(|p| *p == (f.code, a))) else {
            return false;
        };
        left.swap_remove(i);
    }
    targets.iter().all(|t| after.iter().all(|f| f.code != t.code || back(at(f)) != Some(at(t))))
}

/// The quick fixes for the findings that touch `from..to`.
fn fixes(text: &str, from: usize, to: usize) -> Vec<Fix> {
    use crate::span::Span;
    let report = crate::live::check("", text);
    if report.has_input_error() {
        return vec![];
    }
    let before = active_places(&report);
    let index = Index::build(text);
    let mut out: Vec<Fix> = Vec::new();
    // A set: the same fix for several findings is offered once, and a
    // request over a whole file of N findings takes N log N (issue 26).
    let mut seen = std::collections::HashSet::new();
    let mut trials = TRIALS.min(TRIAL_BYTES / text.len().max(1));
    let next_of: HashMap<&str, Option<&str>> =
        index.next_stage.iter().map(|(id, next)| (id.as_str(), next.as_deref())).collect();
    // Looked up by key, each found once: no search per finding.
    let mut stage_spans: HashMap<&str, Span> = HashMap::new();
    for (id, span) in &index.stage_spans {
        stage_spans.entry(id.as_str()).or_insert(*span);
    }
    let stage_span = |id: &str| stage_spans.get(id).copied();
    let risk_routes: HashMap<Span, &index::RiskRoute> =
        index.risk_routes.iter().map(|r| (r.span, r)).collect();
    let everywhere = index.risk_routes.iter().any(|r| r.everywhere);
    let exits: HashMap<&str, &index::ExitAt> = index.exits.iter().map(|e| (e.name.as_str(), e)).collect();
    let allow_lines: HashMap<usize, Span> = index.allow_lines.iter().map(|a| (a.start, *a)).collect();
    // The places an `allow` line would silence: a stage's of one code, or
    // all of a code.
    let mut by_stage: HashMap<(Code, &str), Vec<Finding>> = HashMap::new();
    let mut by_code: HashMap<Code, Vec<Finding>> = HashMap::new();
    for b in &before {
        if let Some(id) = b.stage.as_deref() {
            by_stage.entry((b.code, id)).or_default().push(b.clone());
        }
        by_code.entry(b.code).or_default().push(b.clone());
    }
    // Just before a stage's closing brace, on a line of its own.
    let before_brace = |span: Span| -> Option<(usize, &'static str)> {
        let at = span.start + text.get(span.start..span.end)?.rfind('}')?;
        Some((at, if text[..at].ends_with('\n') { "" } else { "\n" }))
    };
    let exit_names: Vec<String> = index.exits.iter().map(|e| e.name.clone()).collect();
    // The options of a choice that fix the targets without harm, tried while
    // the budget lasts.
    let tried = |fix: &Fix, trials: &mut usize| -> Vec<String> {
        let Some(options) = fix.text.iter().find_map(|p| match p {
            Piece::Choice(o) => Some(o.clone()),
            _ => None,
        }) else {
            return vec![];
        };
        options
            .into_iter()
            .filter(|option| {
                if *trials == 0 {
                    return false;
                }
                *trials -= 1;
                let text_with = Fix {
                    text: fix
                        .text
                        .iter()
                        .map(|p| match p {
                            Piece::Choice(_) => Piece::Text(option.clone()),
                            other => other.clone(),
                        })
                        .collect(),
                    ..fix.clone()
                };
                improves(text, &before, fix.span, &text_with.plain(), &fix.targets)
            })
            .collect()
    };
    let choose = |mut fix: Fix, options: Vec<String>| -> Option<Fix> {
        if options.is_empty() {
            return None;
        }
        for p in &mut fix.text {
            if let Piece::Choice(o) = p {
                *o = options.clone();
            }
        }
        Some(fix)
    };
    for f in report.findings.iter().filter(|f| f.is_active() && !f.code.is_input_error()) {
        let places: Vec<Finding> = f
            .per_location()
            .into_iter()
            .filter(|p| p.span.is_some_and(|s| s.start <= to && from <= s.end) || p.span.is_none())
            .collect();
        for place in &places {
            let span = place.span.unwrap_or_default();
            let mut candidates: Vec<(String, Fix)> = Vec::new();
            let stage = place.stage.as_deref().and_then(|id| Some((id, stage_span(id)?)));
            match f.code {
                Code::MissingImmediateRiskExit => {
                    if let Some(route) = risk_routes.get(&span) {
                        // The route is there, but not immediate: make its exit
                        // immediate, or send it to another exit.
                        if let Some(exit) = exits.get(route.name.as_str()) {
                            let (at, lead) = match exit.timescale {
                                Some(t) => (t, ""),
                                None => (Span::new(exit.head_end, exit.head_end), " within "),
                            };
                            let options = ["same working day", "immediately"].map(String::from).to_vec();
                            candidates.push((
                                format!("exit-now {}", exit.name),
                                Fix {
                                    title: format!("give exit `{}` the timescale `{{choice}}`", exit.name),
                                    span: at,
                                    text: vec![Piece::Text(lead.into()), Piece::Choice(options)],
                                    targets: vec![place.clone()],
                                },
                            ));
                        }
                        let others: Vec<String> =
                            exit_names.iter().filter(|n| **n != route.name).cloned().collect();
                        candidates.push((
                            format!("retarget {}", route.span.start),
                            Fix {
                                title: "send a child at immediate risk to exit `{choice}`".into(),
                                span: route.target,
                                text: vec![Piece::Choice(others)],
                                targets: vec![place.clone()],
                            },
                        ));
                    } else if !everywhere {
                        // After the header and its clauses, as the starter has it.
                        let at = index
                            .header_end
                            .map_or(0, |end| text[end..].find('\n').map_or(text.len(), |i| end + i + 1));
                        candidates.push((
                            "everywhere".into(),
                            Fix {
                                title: "add `at any stage: immediate risk -> {choice}`".into(),
                                span: Span::new(at, at),
                                text: vec![
                                    Piece::Text("\nat any stage: immediate risk -> ".into()),
                                    Piece::Choice(exit_names.clone()),
                                    Piece::Text("\n".into()),
                                ],
                                targets: f.per_location(),
                            },
                        ));
                    } else if let Some((id, s)) = stage
                        && let Some((at, lead)) = before_brace(s)
                    {
                        candidates.push((
                            format!("risk-in {id}"),
                            Fix {
                                title: format!("add `immediate risk -> {{choice}}` to stage {id}"),
                                span: Span::new(at, at),
                                text: vec![
                                    Piece::Text(format!("{lead}  immediate risk -> ")),
                                    Piece::Choice(exit_names.clone()),
                                    Piece::Text("\n".into()),
                                ],
                                targets: vec![place.clone()],
                            },
                        ));
                    }
                }
                Code::DeadEnd => {
                    if let Some((id, s)) = stage
                        && let Some((at, lead)) = before_brace(s)
                    {
                        let mut options: Vec<String> = next_of
                            .get(id)
                            .copied()
                            .flatten()
                            .map(|next| format!("unresolved -> stage {next}"))
                            .into_iter()
                            .collect();
                        options.extend(["final decision", "final mediation"].map(String::from));
                        candidates.push((
                            format!("way-on {id}"),
                            Fix {
                                title: format!("add `{{choice}}` to stage {id}"),
                                span: Span::new(at, at),
                                text: vec![
                                    Piece::Text(format!("{lead}  ")),
                                    Piece::Choice(options),
                                    Piece::Text("\n".into()),
                                ],
                                targets: vec![place.clone()],
                            },
                        ));
                    }
                }
                _ => {}
            }
            // Fixes that add a route or change a time: each option tried.
            for (key, mut fix) in candidates {
                if !seen.insert(key) {
                    continue;
                }
                let options = tried(&fix, &mut trials);
                let Some(chosen) = choose(fix.clone(), options.clone()) else { continue };
                fix = chosen;
                fix.title = fix.title.replace("{choice}", &options[0]);
                if options.len() > 1 {
                    fix.title.push_str(" (or choose another)");
                }
                out.push(fix);
            }
            // An `allow` line that silences nothing goes; any other check's
            // finding may be allowed, with a reason, where `allow` applies
            // to it: its stage's, or the protocol's.
            if f.code == Code::UnusedAllow {
                if let Some(line) = allow_lines.get(&span.start)
                    && seen.insert(format!("remove {}", line.start))
                {
                    let start = text[..line.start].rfind('\n').map_or(0, |i| i + 1);
                    let end = text[line.end..].find('\n').map_or(text.len(), |i| line.end + i + 1);
                    let alone =
                        text[start..line.start].trim().is_empty() && text[line.end..end].trim().is_empty();
                    let cut = if alone { Span::new(start, end) } else { *line };
                    out.push(Fix {
                        title: format!(
                            "remove `{}`",
                            text[line.start..line.end]
                                .split_whitespace()
                                .take(2)
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        span: cut,
                        text: vec![],
                        targets: vec![place.clone()],
                    });
                }
                continue;
            }
            let reason = Piece::Placeholder("REASON: say why the protocol is right as it is".into());
            match stage.and_then(|(id, s)| Some((id, before_brace(s)?))) {
                Some((id, (at, lead))) => {
                    if seen.insert(format!("allow {} in {id}", f.code)) {
                        out.push(Fix {
                            title: format!("allow `{}` in stage {id}, with a reason", f.code),
                            span: Span::new(at, at),
                            text: vec![
                                Piece::Text(format!("{lead}  allow {} \"", f.code)),
                                reason,
                                Piece::Text("\"\n".into()),
                            ],
                            targets: by_stage.get(&(f.code, id)).cloned().unwrap_or_default(),
                        });
                    }
                }
                None => {
                    if seen.insert(format!("allow {}", f.code)) {
                        let lead = if text.ends_with('\n') || text.is_empty() { "" } else { "\n" };
                        out.push(Fix {
                            title: format!("allow `{}` for the whole protocol, with a reason", f.code),
                            span: Span::new(text.len(), text.len()),
                            text: vec![
                                Piece::Text(format!("{lead}\nallow {} \"", f.code)),
                                reason,
                                Piece::Text("\"\n".into()),
                            ],
                            targets: by_code.get(&f.code).cloned().unwrap_or_default(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The quick fixes as code actions, each with the diagnostics it removes,
/// as snippets where the client takes them.
fn code_actions(text: &str, uri: &Uri, range: Range, snippets: Snippets, version: Option<i32>) -> Vec<Value> {
    let lines = Lines::new(text);
    let (from, to) = (lines.offset(range.start), lines.offset(range.end));
    fixes(text, from, to)
        .into_iter()
        .map(|fix| {
            let range = lines.range(fix.span);
            let edit = match (snippets, fix.snippet()) {
                (Snippets::Plain, _) | (_, None) => json(&WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![TextEdit::new(range, fix.plain())])])),
                    ..WorkspaceEdit::default()
                }),
                (Snippets::Standard, Some(snippet)) => serde_json::json!({ "documentChanges": [{
                    "textDocument": { "uri": uri, "version": version },
                    "edits": [{ "range": range, "snippet": { "kind": "snippet", "value": snippet } }],
                }]}),
                (Snippets::Experimental, Some(snippet)) => serde_json::json!({ "documentChanges": [{
                    "textDocument": { "uri": uri, "version": version },
                    "edits": [{ "range": range, "newText": snippet, "insertTextFormat": 2 }],
                }]}),
            };
            serde_json::json!({
                "title": fix.title,
                "kind": CodeActionKind::QUICKFIX,
                "diagnostics": fix.targets.iter().map(|t| diagnostic(t, uri, &lines)).collect::<Vec<_>>(),
                "edit": edit,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A protocol of `n` stages, none with a way on and none with a record:
    /// `n` dead ends (each with its own fix, so not grouped), `n - 1`
    /// unreachable stages and one `missing-record` finding grouping `n` places.
    fn protocol(n: usize) -> String {
        let mut out =
            String::from("protocol \"P\"\nexit mash \"M\" within same working day\noutcome agreed \"A\"\n");
        out.push_str("at any stage: immediate risk -> mash\n");
        for i in 1..=n {
            out.push_str(&format!(
                "stage {i} \"S{i}\" {{\n  within 2 working days\n  resolved -> agreed\n}}\n"
            ));
        }
        out
    }

    #[test]
    fn diagnostics_and_code_actions_grow_with_the_findings_not_their_square() {
        // Issue 26: 0.11 / 0.47 / 4.7 / 36 s for 2k / 6k / 18k / 54k findings;
        // each place of a grouped finding cloned all its places
        // (`Finding::per_location`), and code actions searched every stage
        // for each finding.
        let uri: Uri = "file:///x.esc".parse().expect("a URI");
        let time = |n: usize| {
            let text = protocol(n);
            let whole = Range::new(Position::new(0, 0), Position::new(u32::MAX, 0));
            (0..2)
                .map(|_| {
                    let start = std::time::Instant::now();
                    assert!(diagnostics(&uri, &text).len() >= 3 * n - 1);
                    assert!(!code_actions(&text, &uri, whole, Snippets::Plain, None).is_empty());
                    start.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let ratio = time(2_700) / time(300).max(1e-6);
        // Linear is about 9 (a little more: sorting); the square 81.
        assert!(ratio < 30.0, "9x the findings took {ratio:.1}x the time");
    }

    /// Every active finding of a text, one per place: (code, where it starts).
    fn places(text: &str) -> Vec<(Code, usize, String)> {
        let report = crate::live::check("", text);
        report
            .findings
            .iter()
            .filter(|f| f.is_active())
            .flat_map(Finding::per_location)
            .map(|f| (f.code, f.span.map_or(0, |s| s.start), f.message))
            .collect()
    }

    /// Issue 24: every quick fix offered on every case file and policy, applied,
    /// removes the findings it names, adds none, and leaves a file that reads.
    #[test]
    fn every_code_action_on_every_case_and_policy_fixes_its_finding_and_adds_none() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<PathBuf> = ["tests/cases", "policies"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("the folder").flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "esc"))
            .collect();
        files.sort();
        let (mut tried, mut failures) = (0, Vec::new());
        for path in &files {
            let text = std::fs::read_to_string(path).expect("the file");
            let before = places(&text);
            for fix in fixes(&text, 0, text.len()) {
                tried += 1;
                // As a client without snippets applies it.
                let (start, end, new) = (fix.span.start, fix.span.end, fix.plain());
                let len = new.len();
                let mut fixed = text.clone();
                fixed.replace_range(start..end, &new);
                let after = places(&fixed);
                let name = format!("{}: `{}`", path.display(), fix.title);
                if let Some(bad) = after.iter().find(|(c, ..)| c.is_input_error()) {
                    failures.push(format!("{name}: the file no longer reads: {bad:?}"));
                    continue;
                }
                // Where a place after the edit was before it (None: in the new text).
                let back = |at: usize| match at {
                    at if at < start || (at == start && len == 0) => Some(at),
                    at if at >= start + len => Some(at - len + (end - start)),
                    _ => None,
                };
                let mut left: Vec<(Code, usize)> = before.iter().map(|(c, at, _)| (*c, *at)).collect();
                for (code, at, message) in &after {
                    match back(*at).and_then(|at| left.iter().position(|p| *p == (*code, at))) {
                        Some(i) => {
                            left.swap_remove(i);
                        }
                        None => failures.push(format!("{name}: a new finding: {code} {message}")),
                    }
                }
                assert!(!fix.targets.is_empty(), "{name}: a fix for nothing");
                for target in &fix.targets {
                    let at = target.span.map_or(0, |s| s.start);
                    if after.iter().any(|(c, a, _)| *c == target.code && back(*a) == Some(at)) {
                        failures.push(format!("{name}: its finding stays: {}", target.message));
                    }
                }
            }
        }
        assert!(tried > 100, "only {tried} actions were offered");
        assert!(failures.is_empty(), "{} of {tried} actions fail:\n{}", failures.len(), failures.join("\n"));
    }
}

/// The server loop, driven over an in-memory connection.
#[cfg(test)]
mod server_tests {
    use super::*;

    fn notify(client: &Connection, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        client.sender.send(Message::Notification(n)).expect("the server's end is open");
    }

    fn request(client: &Connection, id: i32, method: &str, params: Value) {
        let r = Request::new(RequestId::from(id), method.to_string(), params);
        client.sender.send(Message::Request(r)).expect("the server's end is open");
    }

    /// Changes sent at once are checked far fewer times than they are sent,
    /// and the newest version is the one published last, at 10, 30 and 90
    /// changes (each was checked and published before: 11, 31 and 91). The
    /// messages are all queued before the server starts.
    #[test]
    fn a_burst_of_changes_is_checked_once_at_its_newest_version() {
        let grouped = include_str!("../../tests/cases/grouped-findings.esc");
        let uri = "file:///nowhere/burst.esc";
        for n in [10, 30, 90] {
            let (server, client) = Connection::memory();
            request(&client, 1, "initialize", serde_json::json!({ "capabilities": {} }));
            notify(&client, "initialized", serde_json::json!({}));
            let document = |version: i32, text: &str| serde_json::json!({ "uri": uri, "version": version, "text": text });
            let open = document(0, grouped);
            notify(&client, DidOpenTextDocument::METHOD, serde_json::json!({ "textDocument": open }));
            // The last version differs: its findings are the ones to publish.
            let last = grouped.replace("  final decision\n", "");
            for version in 1..=n {
                let text = if version == n { last.as_str() } else { grouped };
                notify(
                    &client,
                    DidChangeTextDocument::METHOD,
                    serde_json::json!({
                        "textDocument": { "uri": uri, "version": version },
                        "contentChanges": [{ "text": text }],
                    }),
                );
            }
            request(&client, 2, "shutdown", Value::Null);
            notify(&client, "exit", Value::Null);
            serve(&server).expect("the server stops at exit");
            let published: Vec<PublishDiagnosticsParams> = client
                .receiver
                .try_iter()
                .filter_map(|m| match m {
                    Message::Notification(n) if n.method == PublishDiagnostics::METHOD => {
                        serde_json::from_value(n.params).ok()
                    }
                    _ => None,
                })
                .collect();
            // The reader thread may hand over the first messages before the
            // rest on a loaded machine, so a few early versions may still be
            // checked (seen: 2 of 10 under a load average of 8); before, every
            // version was (n + 1 publications). The last is always the newest.
            let bound = usize::try_from(n).unwrap_or(0) / 3 + 2;
            assert!(published.len() <= bound, "{n} changes gave {} publications", published.len());
            let newest = published.last().expect("the newest version is published");
            assert_eq!(newest.version, Some(n));
            let uri: Uri = uri.parse().expect("a valid uri");
            assert_eq!(newest.diagnostics, diagnostics(&uri, &last));
            assert_ne!(newest.diagnostics, diagnostics(&uri, grouped));
        }
    }
}
