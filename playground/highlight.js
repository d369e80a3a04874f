// Highlighting from the TextMate grammar of editors/vscode (one grammar for
// every editor): its top-level rules, in order, tried at each position. The
// output is text nodes in spans, never markup built from the user's text.
"use strict";
window.escalateHighlighter = (function () {
  const grammar = window.ESCALATE_GRAMMAR;
  const rules = grammar.patterns.map((p) => {
    const rule = grammar.repository[p.include.slice(1)];
    let source = rule.match;
    if (rule.begin) {
      const inner = (rule.patterns || []).map((q) => q.match).concat(["[\\s\\S]"]).join("|");
      source = `(?:${rule.begin})(?:${inner})*?(?:${rule.end}|$(?![\\s\\S]))`;
    }
    return { name: rule.name, captures: rule.captures || {}, re: new RegExp(source, "ymud") };
  });
  const css = (scope) => "tok-" + scope.split(".").slice(0, scope.startsWith("constant.other") ? 3 : 1).join("-");

  function span(parent, text, scope) {
    if (!text) return;
    if (!scope) return parent.appendChild(document.createTextNode(text));
    const s = document.createElement("span");
    s.className = css(scope);
    s.textContent = text;
    parent.appendChild(s);
  }

  return function highlight(text, into) {
    const out = document.createDocumentFragment();
    let plain = "";
    let i = 0;
    outer: while (i < text.length) {
      const c = text.charCodeAt(i);
      // No rule starts with a space or a line break: skip them at once.
      if (c === 32 || c === 10 || c === 9 || c === 13) {
        plain += text[i];
        i += 1;
        continue;
      }
      for (const rule of rules) {
        rule.re.lastIndex = i;
        const m = rule.re.exec(text);
        if (!m || m[0].length === 0) continue;
        span(out, plain, null);
        plain = "";
        let at = i;
        const groups = Object.keys(rule.captures).map(Number).sort((a, b) => a - b);
        for (const g of groups) {
          if (!m.indices[g]) continue;
          const [s, e] = m.indices[g];
          span(out, text.slice(at, s), rule.name);
          span(out, text.slice(s, e), rule.captures[g].name);
          at = e;
        }
        span(out, text.slice(at, i + m[0].length), rule.name);
        i += m[0].length;
        continue outer;
      }
      plain += text[i];
      i += 1;
    }
    span(out, plain + "\n", null);
    into.replaceChildren(out);
  };
})();
