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
  const DEBOUNCE_MS = 30;

  let wasm = null;
  let lastSvg = null;
  let timer = 0;
  let typedAt = 0;
  const state = { updates: 0, lastAnalyseMs: 0, lastKeystrokeToDiagramMs: 0, answer: null };
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
      const code = document.createElement("code");
      code.textContent = f.code;
      li.append(code, " ");
      if (f.start) {
        const where = document.createElement("span");
        where.className = "where";
        where.textContent = `line ${f.start[0]}: `;
        li.append(where);
      }
      li.append(f.message + (f.label ? ` (${f.label})` : ""));
      const help = document.createElement("span");
      help.className = "help";
      help.textContent = f.allowed ? `allowed: ${f.allowed}` : f.help ? `help: ${f.help}` : "";
      if (help.textContent) li.append(help);
      li.addEventListener("click", () => jumpTo(f));
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

  async function redraw() {
    const t0 = performance.now();
    const text = source.value;
    const answer = safeCall({ op: "analyse", source: text, from: from.value || null, calendar: calendar.value || null });
    const t1 = performance.now();
    state.answer = answer;
    // Typing highlights at each key (the text itself is transparent).
    if (!typedAt) highlighter(text, highlight);
    showGutter(text, answer.findings || []);
    if (answer.error) {
      status.textContent = answer.error;
      status.className = "bad";
      return;
    }
    showFindings(answer.findings);
    const n = (k, word) => `${k} ${word}${k === 1 ? "" : "s"}`;
    status.className = answer.errors ? "bad" : "";
    status.textContent =
      (answer.errors || answer.warnings
        ? `${n(answer.errors, "error")}, ${n(answer.warnings, "warning")}`
        : "no findings") + ` · checked and drawn in ${(t1 - t0).toFixed(1)} ms`;
    if (answer.svg) {
      lastSvg = answer.svg;
      diagram.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(answer.svg);
      diagram.alt = "The pathway diagram of the protocol";
      try {
        await diagram.decode();
      } catch (_) {
        /* an image replaced before it decoded */
      }
    } else {
      diagram.alt = "No diagram while the protocol has input errors: fix the findings above.";
      diagram.removeAttribute("src");
    }
    timeline.textContent = answer.timeline || (from.value
      ? "No timeline while the protocol has input errors."
      : "Pick a start date to date the worst case.");
    const done = performance.now();
    state.lastAnalyseMs = t1 - t0;
    if (typedAt) state.lastKeystrokeToDiagramMs = done - typedAt;
    typedAt = 0;
  }

  const highlighter = window.escalateHighlighter;

  function syncScroll() {
    highlight.style.transform = `translate(${-source.scrollLeft}px, ${-source.scrollTop}px)`;
    gutter.scrollTop = source.scrollTop;
  }

  function schedule() {
    if (!typedAt) typedAt = performance.now();
    highlighter(source.value, highlight);
    clearTimeout(timer);
    timer = setTimeout(update, DEBOUNCE_MS);
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
  source.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !e.shiftKey) {
      e.preventDefault();
      document.execCommand("insertText", false, "  ");
    }
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
