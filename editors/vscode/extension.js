// Starts `escalate lsp` for .esc files. Everything the editor shows (findings,
// hover, rename, outline, formatting, quick fixes) comes from the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("escalate").get("path") || "escalate";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "escalate",
    "escalate",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "escalate" }, { scheme: "untitled", language: "escalate" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
