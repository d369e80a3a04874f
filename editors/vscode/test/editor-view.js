// Draws docs/images/editor.png: what the extension shows for a protocol with
// a mistake. The colours come from VS Code's own tokeniser (vscode-textmate)
// running the extension's grammar; the squiggle, the problem list and the
// hover are the real answers of `escalate lsp` ($ESCALATE, default
// target/debug/escalate). VS Code itself is not run (it cannot be installed
// on the build machine), so the page around them is drawn here, in
// headless Chromium with puppeteer-core from playground/.
// Run: node editors/vscode/test/editor-view.js (after npm ci in both folders).
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const root = path.join(__dirname, "..", "..", "..");
const puppeteer = require(path.join(root, "playground", "node_modules", "puppeteer-core"));
const grammarPath = path.join(__dirname, "..", "syntaxes", "escalate.tmLanguage.json");
const TEXT = `protocol "Example partnership: resolving professional disagreements"
  limit 10 working days

party practitioner "Practitioner who disagrees" level 1
party manager "Line manager or named safeguarding lead" level 2

exit mash "Referral to the MASH" within same working day
outcome agreed "Agreed outcome confirmed in writing"

at any stage: immediate risk -> mash
at any stage: record "Decisions recorded on the child's file"

# The first stage listed is where a disagreement starts.
stage 1 "Discussion between the practitioners" {
  parties practitioner
  step "Raise it with the other practitioner" within 24 hours
  resolved -> agreed
  unresolved -> stage 3
}

stage 2 "Line managers meet" {
  parties manager
  within 3 working days
  resolved -> agreed
  final decision
}
`;

// Light+ colours, by scope prefix.
const COLOURS = [
  ["comment", "#008000"],
  ["string", "#a31515"],
  ["keyword.operator", "#000000"],
  ["keyword", "#0000ff"],
  ["entity.name", "#267f99"],
  ["constant.other.timescale", "#098658"],
  ["constant.numeric", "#098658"],
  ["constant", "#0070c1"],
  ["support", "#267f99"],
  ["variable", "#001080"],
];

async function tokenise() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  const grammar = await registry.loadGrammar("source.escalate");
  let state = textmate.INITIAL;
  return TEXT.split("\n").map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, scope: t.scopes[t.scopes.length - 1] }));
  });
}

function lsp(requests) {
  const bin = process.env.ESCALATE || path.join(root, "target", "debug", "escalate");
  const child = spawn(bin, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
  let buffer = Buffer.alloc(0);
  const waiting = [];
  const messages = [];
  child.stdout.on("data", (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/.exec(buffer.slice(0, end).toString())[1]);
      if (buffer.length < end + 4 + length) return;
      messages.push(JSON.parse(buffer.slice(end + 4, end + 4 + length).toString()));
      buffer = buffer.slice(end + 4 + length);
      while (waiting.length) waiting.shift()();
    }
  });
  const send = (m) => {
    const body = JSON.stringify(m);
    child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  const next = async (pred) => {
    for (;;) {
      const i = messages.findIndex(pred);
      if (i >= 0) return messages.splice(i, 1)[0];
      await new Promise((r) => waiting.push(r));
    }
  };
  return (async () => {
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { capabilities: {} } });
    await next((m) => m.id === 1);
    send({ jsonrpc: "2.0", method: "initialized", params: {} });
    const uri = "file:///example/protocol.esc";
    send({ jsonrpc: "2.0", method: "textDocument/didOpen", params: { textDocument: { uri, languageId: "escalate", version: 1, text: TEXT } } });
    const diagnostics = (await next((m) => m.method === "textDocument/publishDiagnostics")).params.diagnostics;
    const answers = [];
    let id = 2;
    for (const [method, params] of requests) {
      send({ jsonrpc: "2.0", id, method, params: { textDocument: { uri }, ...params } });
      answers.push((await next((m) => m.id === id)).result);
      id++;
    }
    send({ jsonrpc: "2.0", id, method: "shutdown", params: null });
    await next((m) => m.id === id);
    send({ jsonrpc: "2.0", method: "exit", params: null });
    return { diagnostics, answers };
  })();
}

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const colour = (scope) => (COLOURS.find(([p]) => scope.startsWith(p)) || [null, "#000"])[1];

async function main() {
  const lines = await tokenise();
  const hoverLine = TEXT.split("\n").findIndex((l) => l.includes("within 24 hours"));
  const hoverCol = TEXT.split("\n")[hoverLine].indexOf("24");
  const { diagnostics, answers } = await lsp([["textDocument/hover", { position: { line: hoverLine, character: hoverCol } }]]);
  const hover = answers[0].contents.value;
  const squiggles = diagnostics.map((d) => d.range);
  const body = lines
    .map((tokens, n) => {
      const code = tokens
        .map((t) => {
          const bad = squiggles.some((r) => r.start.line === n && t.start >= r.start.character && t.start < r.end.character);
          return `<span style="color:${colour(t.scope)}"${bad ? ' class="bad"' : ""}>${esc(t.text)}</span>`;
        })
        .join("");
      const pop = n === hoverLine
        ? `<div class="hover" style="left:${hoverCol + 4}ch">${esc(hover).replace(/\*\*(.*?)\*\*/g, "<b>$1</b>").replace(/`(.*?)`/g, "<code>$1</code>").replace(/\n\n/g, "<br>")}</div>`
        : "";
      return `<div class="line"><span class="n">${n + 1}</span>${code}${pop}</div>`;
    })
    .join("");
  const problems = diagnostics
    .map((d) => `<div class="p"><span class="x">✖</span> ${esc(d.message.split("\n")[0])} <span class="src">escalate(${esc(d.code)}) [Ln ${d.range.start.line + 1}, Col ${d.range.start.character + 1}]</span><div class="help">${esc(d.message.split("\n").slice(1).join(" "))}</div></div>`)
    .join("");
  const html = `<!doctype html><meta charset="utf-8"><style>
    body{margin:0;font:13px/19px "DejaVu Sans Mono",monospace;background:#fff}
    .tab{background:#f3f3f3;border-bottom:1px solid #e5e5e5;font:13px system-ui,sans-serif;padding:7px 14px}
    .tab b{background:#fff;padding:7px 14px;border-top:2px solid #005fb8}
    .ed{padding:6px 0;position:relative}.line{white-space:pre;position:relative;height:19px}
    .n{display:inline-block;width:4ch;text-align:right;color:#6e7681;margin-right:2ch}
    .bad{text-decoration:underline wavy #e51400;text-underline-offset:3px}
    .hover{position:absolute;top:19px;z-index:2;background:#f8f8f8;border:1px solid #c8c8c8;box-shadow:0 2px 8px rgba(0,0,0,.16);padding:6px 10px;white-space:normal;width:56ch;font:13px/1.45 system-ui,sans-serif}
    .hover code{font:12px "DejaVu Sans Mono",monospace;background:#eee;padding:0 2px}
    .panel{border-top:1px solid #e5e5e5;font:13px/1.5 system-ui,sans-serif;padding:4px 14px 10px}
    .panel h3{font-size:11px;letter-spacing:.05em;margin:4px 0;color:#424242}.x{color:#e51400}.src{color:#717171}
    .help{color:#555;margin-left:1.6em}
  </style><div class="tab"><b>protocol.esc</b></div><div class="ed">${body}</div>
  <div class="panel"><h3>PROBLEMS</h3>${problems}</div>`;
  const file = path.join(os.tmpdir(), `escalate-editor-view-${process.pid}.html`);
  fs.writeFileSync(file, html);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "escalate-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 720 });
  await page.goto("file://" + file);
  await page.screenshot({ path: path.join(root, "docs", "images", "editor.png"), fullPage: true });
  await browser.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  fs.rmSync(file);
  console.log(`editor view: ${diagnostics.length} diagnostics, hover ${JSON.stringify(hover.slice(0, 60))}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
