// "Draft from text" (issue 25), kept apart from app.js: a button that asks
// for a protocol document's plain text, drafts it with escalate's library
// (src/live.rs `draft`, the same call as `escalate draft`) and puts the
// draft in the editor. The pasted text never leaves the page.
"use strict";
(function () {
  const header = document.querySelector("header");
  const source = document.getElementById("source");
  const status = document.getElementById("status");
  if (!header || !source) return;
  const button = document.createElement("button");
  button.type = "button";
  button.id = "draft-from-text";
  button.textContent = "Draft from text";
  button.title = "Paste a protocol document's text: escalate drafts it as a .esc file";
  header.append(button);
  button.addEventListener("click", () => {
    const state = window.escalatePlayground;
    if (!state || !state.ready) return;
    const text = window.prompt("Paste the protocol document's text (plain text):");
    if (!text) return;
    const answer = state.call({ op: "draft", source: text });
    if (typeof answer.esc !== "string") {
      status.className = "bad";
      status.textContent = "Not drafted: " + (answer.error || "unknown error");
      return;
    }
    source.value = answer.esc;
    source.dispatchEvent(new Event("input"));
    status.className = "";
    status.textContent = `Drafted: ${answer.undecided} thing(s) left for you to decide (# draft: comments).`;
  });
})();
