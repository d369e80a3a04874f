// The playground: the text on the left, and on the right what escalate's
// library (compiled to WebAssembly, src/wasm.rs) says about it, redrawn as
// the user types. Every user string reaches the page as text (textContent)
// or inside the SVG shown as an image, never as live markup.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const source = $("source");
  const highlight = $("highlight");
  const gutter = $("gutter");
  const status = $("status");
  const findingsList = $("findings");
  const diagram = $("diagram");
  const timeline = $("timeline");
  const policy = $("policy");
  const from = $("from");
  const calendar = $("calendar");
  const diagramNote = $("diagram-note");
  // Findings are checked at every keystroke (well within a frame); the
  // diagram, which takes longer to draw and decode, follows once typing
  // pauses for this long. The pending redraw always reads the text as it
  // is then, so the last keystroke is never lost.
  const DIAGRAM_DEBOUNCE_MS = 150;

  let wasm = null;
  let lastSvg = null;
  let timer = 0;
  let typedAt = 0;
  const state = {
    updates: 0,
    checks: 0,
    lastAnalyseMs: 0,
    lastKeystrokeToDiagramMs: 0,
    lastKeystrokeToFindingsMs: 0,
    answer: null,
  };
  window.escalatePlayground = state;

  const bytes = Uint8Array.from(atob(window.ESCALATE_WASM), (c) => c.charCodeAt(0));

  async function start() {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    wasm = instance.exports;
  }

  // One JSON request in, one JSON answer out (src/live.rs: `request`).
  function call(request) {
    const input = new TextEncoder().encode(JSON.stringify(request));
    const ptr = wasm.escalate_alloc(input.length);
    new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
    const len = wasm.escalate_call(ptr, input.length);
    wasm.escalate_free(ptr, input.length);
    const out = new Uint8Array(wasm.memory.buffer, wasm.escalate_output(), len);
    return JSON.parse(new TextDecoder().decode(out));
  }
  state.call = (request) => call(request);

  function safeCall(request) {
    try {
      return call(request);
    } catch (e) {
      // A trap leaves the module's memory unknown: start a fresh one.
      start();
      return { error: "escalate stopped on this text (please report it): " + e };
    }
  }

  // UTF-16 offset of a 1-based line and column (columns count characters).
  function offsetOf(text, [line, column]) {
    let at = 0;
    for (let l = 1; l < line; l++) {
      const next = text.indexOf("\n", at);
      if (next < 0) return text.length;
      at = next + 1;
    }
    for (let c = 1; c < column && at < text.length; c++) {
      at += text.codePointAt(at) > 0xffff ? 2 : 1;
    }
    return at;
  }

  function jumpTo(f) {
    const text = source.value;
    const start = f.start ? offsetOf(text, f.start) : 0;
    const end = f.end ? offsetOf(text, f.end) : start;
    source.focus();
    source.setSelectionRange(start, Math.max(end, start));
    // Bring the line into view.
    const line = f.start ? f.start[0] : 1;
    const lineHeight = parseFloat(getComputedStyle(source).lineHeight) || 18;
    source.scrollTop = Math.max(0, (line - 5) * lineHeight);
    syncScroll();
  }

  function showFindings(findings) {
    const items = findings.map((f) => {
      const li = document.createElement("li");
      li.className = f.allowed ? "allowed" : f.severity;
      // A button: reached by Tab, pressed by Enter or Space, as by a click.
      const button = document.createElement("button");
      button.type = "button";
      const code = document.createElement("code");
      code.textContent = f.code;
      button.append(code, " ");
      if (f.start) {
        const where = document.createElement("span");
        where.className = "where";
        where.textContent = `line ${f.start[0]}: `;
        button.append(where);
      }
      button.append(f.message + (f.label ? ` (${f.label})` : ""));
      const help = document.createElement("span");
      help.className = "help";
      help.textContent = f.allowed ? `allowed: ${f.allowed}` : f.help ? `help: ${f.help}` : "";
      if (help.textContent) button.append(help);
      button.addEventListener("click", () => jumpTo(f));
      li.append(button);
      return li;
    });
    findingsList.replaceChildren(...items);
  }

  function showGutter(text, findings) {
    const marks = new Map();
    for (const f of findings) {
      if (!f.start || f.allowed) continue;
      if (marks.get(f.start[0]) !== "bad") marks.set(f.start[0], f.severity === "error" ? "bad" : "warn");
    }
    const lines = text.split("\n").length;
    const frag = document.createDocumentFragment();
    for (let n = 1; n <= lines; n++) {
      const mark = marks.get(n);
      if (mark) {
        const s = document.createElement("span");
        s.className = mark;
        s.textContent = "● " + n;
        frag.append(s, "\n");
      } else {
        frag.append(n + "\n");
      }
    }
    gutter.replaceChildren(frag);
  }

  async function update() {
    if (!wasm) return;
    try {
      await redraw();
    } finally {
      state.updates += 1;
    }
  }

  // The findings, the gutter marks and the status line of one answer.
  function showChecked(text, answer, ms, verb) {
    showGutter(text, answer.findings || []);
    if (answer.error) {
      status.textContent = answer.error;
      status.className = "bad";
      return false;
    }
    showFindings(answer.findings);
    const n = (k, word) => `${k} ${word}${k === 1 ? "" : "s"}`;
    status.className = answer.errors ? "bad" : "";
    status.textContent =
      (answer.errors || answer.warnings
        ? `${n(answer.errors, "error")}, ${n(answer.warnings, "warning")}`
        : "no findings") + ` · ${verb} in ${ms.toFixed(1)} ms`;
    return true;
  }

  // At each keystroke: the findings at once, before the browser paints
  // (`keyAt` is the key's event time).
  function checkNow(keyAt) {
    if (!wasm) return;
    const t0 = performance.now();
    const text = source.value;
    const answer = safeCall({ op: "check", source: text });
    showChecked(text, answer, performance.now() - t0, "checked");
    state.checks += 1;
    state.lastKeystrokeToFindingsMs = performance.now() - keyAt;
  }

  async function redraw() {
    const typed = typedAt;
    typedAt = 0;
    const t0 = performance.now();
    const text = source.value;
    const answer = safeCall({ op: "analyse", source: text, from: from.value || null, calendar: calendar.value || null });
    const t1 = performance.now();
    state.answer = answer;
    state.drawnText = text;
    // Typing highlights at each key (the text itself is transparent).
    if (!typed) highlighter(text, highlight);
    if (!showChecked(text, answer, t1 - t0, "checked and drawn")) return;
    if (answer.svg) {
      lastSvg = answer.svg;
      diagram.hidden = false;
      diagramNote.hidden = true;
      diagram.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(answer.svg);
      try {
        await diagram.decode();
      } catch (_) {
        /* an image replaced before it decoded */
      }
    } else {
      // No empty image (a broken-image icon): a note, pointing the right way.
      diagram.removeAttribute("src");
      diagram.hidden = true;
      diagramNote.hidden = false;
    }
    timeline.textContent = answer.timeline || (from.value
      ? "No timeline while the protocol has input errors."
      : "Pick a start date to date the worst case.");
    const done = performance.now();
    state.lastAnalyseMs = t1 - t0;
    if (typed) state.lastKeystrokeToDiagramMs = done - typed;
  }

  const highlighter = window.escalateHighlighter;

  function syncScroll() {
    highlight.style.transform = `translate(${-source.scrollLeft}px, ${-source.scrollTop}px)`;
    gutter.scrollTop = source.scrollTop;
  }

  // The keystroke's moment: its keydown event (or, for a paste or a drop,
  // the input event itself).
  let keyDownAt = 0;
  function schedule(e) {
    const now = performance.now();
    const keyAt = keyDownAt && now - keyDownAt < 1000 ? keyDownAt : (e && e.timeStamp) || now;
    keyDownAt = 0;
    if (!typedAt) typedAt = keyAt;
    checkNow(keyAt);
    highlighter(source.value, highlight);
    clearTimeout(timer);
    timer = setTimeout(update, DIAGRAM_DEBOUNCE_MS);
  }

  function download(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function fileName(ext) {
    const chosen = policy.value === "starter" ? "protocol" : policy.value;
    return `${chosen}.${ext}`;
  }

  function load(name) {
    source.value = window.ESCALATE_POLICIES[name] || "";
    source.scrollTop = 0;
    update();
  }

  for (const name of Object.keys(window.ESCALATE_POLICIES)) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name === "starter" ? "starter (escalate init)" : name;
    policy.append(option);
  }
  source.addEventListener("input", schedule);
  source.addEventListener("scroll", syncScroll);
  // Tab indents; Escape then Tab leaves the editor (as in CodeMirror and
  // Monaco), and Shift+Tab always does. The page says so (#editor-help).
  let escaped = false;
  source.addEventListener("keydown", (e) => {
    keyDownAt = e.timeStamp;
    if (e.key === "Escape") {
      escaped = true;
      return;
    }
    if (e.key === "Tab" && !e.shiftKey && !escaped) {
      e.preventDefault();
      document.execCommand("insertText", false, "  ");
    }
    if (e.key !== "Shift") escaped = false;
  });
  source.addEventListener("blur", () => {
    escaped = false;
  });
  from.addEventListener("change", update);
  calendar.addEventListener("change", update);
  $("load").addEventListener("click", () => load(policy.value));
  $("format").addEventListener("click", () => {
    const answer = safeCall({ op: "format", source: source.value });
    if (typeof answer.text === "string") {
      source.value = answer.text;
      update();
    } else {
      status.className = "bad";
      status.textContent = "Not formatted: fix the syntax errors first.";
      if (answer.findings) showFindings(answer.findings);
    }
  });
  $("download-esc").addEventListener("click", () => download(fileName("esc"), "text/plain", source.value));
  $("download-svg").addEventListener("click", () => {
    if (lastSvg) download(fileName("svg"), "image/svg+xml", lastSvg);
  });

  const today = new Date();
  from.value = new Date(today.getTime() - today.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  start().then(() => {
    state.ready = true;
    load("starter");
  }, (e) => {
    status.className = "bad";
    status.textContent = "This browser could not start escalate's WebAssembly: " + e;
  });
})();
