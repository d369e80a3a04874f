// The TextMate grammar, tokenised by VS Code's own engine (vscode-textmate +
// vscode-oniguruma): every token of every shipped policy, the starter and the
// test cases gets a scope beyond the fallback `source.escalate`; comments and
// quoted text get theirs; every keyword of grammar/escalate.pest is a keyword.
// Run: npm test (in editors/vscode, after npm ci).
"use strict";
const fs = require("fs");
const path = require("path");
const assert = require("assert");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const root = path.join(__dirname, "..", "..", "..");
const grammarPath = path.join(__dirname, "..", "syntaxes", "escalate.tmLanguage.json");

async function load() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  return registry.loadGrammar("source.escalate");
}

// Every token of a text: { text, scopes, line }.
function tokens(grammar, text) {
  const out = [];
  let state = textmate.INITIAL;
  text.split(/\r?\n/).forEach((line, n) => {
    const result = grammar.tokenizeLine(line, state);
    for (const t of result.tokens) {
      out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: n + 1 });
    }
    state = result.ruleStack;
  });
  return out;
}

function files() {
  const list = [];
  for (const dir of ["policies", "tests/cases"]) {
    for (const name of fs.readdirSync(path.join(root, dir)).sort()) {
      if (name.endsWith(".esc")) list.push(path.join(dir, name));
    }
  }
  list.push("src/starter.esc");
  return list;
}

async function main() {
  const grammar = await load();
  let failures = 0;
  let checked = 0;
  const check = (ok, message) => {
    checked++;
    if (!ok) {
      failures++;
      if (failures <= 40) console.error("FAIL " + message);
    }
  };

  // 1. No token falls back to the bare root scope.
  for (const file of files()) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const isPolicy = file.startsWith("policies/") || file.startsWith("src/");
    for (const t of tokens(grammar, text)) {
      if (t.text.trim() === "") continue;
      const fallback = t.scopes.length === 1;
      // Test cases may hold deliberate syntax errors; policies never do.
      if (isPolicy || !/[^\x20-\x7e]/.test(t.text)) {
        check(!fallback, `${file}:${t.line}: \`${t.text}\` has only ${t.scopes.join(" ")}`);
      }
    }
  }

  // 2. Comments and quoted text, across lines.
  const sample = tokens(grammar, '# a comment "not a string"\nquote "first line\n  second -> line"\nstage 2 "T" {\n}');
  const scopeOf = (text) => sample.find((t) => t.text.includes(text)).scopes.join(" ");
  assert.match(scopeOf("a comment"), /comment\.line/);
  assert.match(scopeOf("second -> line"), /string\.quoted/);
  assert.match(scopeOf("first line"), /string\.quoted/);
  assert.match(scopeOf("stage"), /keyword\.control/);

  // 3. Every keyword rule of the grammar (`kw_x = @{ "word" ... }`) is a
  //    keyword: a new keyword in the grammar fails here until it is added.
  const pest = fs.readFileSync(path.join(root, "grammar", "escalate.pest"), "utf8");
  const keywords = [];
  for (const line of pest.split("\n")) {
    const m = /^kw_(\w+)\s*=.*?"([^"]+)"/.exec(line);
    if (m) keywords.push(m[1] === "at_any_stage" ? "at any stage" : m[2]);
  }
  assert.ok(keywords.length >= 20, `found only ${keywords.length} keyword rules`);
  for (const word of keywords) {
    const [t] = tokens(grammar, word);
    check(
      t.text === word && t.scopes.some((s) => s.startsWith("keyword.")),
      `keyword \`${word}\` is tokenised as ${t.text} ${t.scopes.join(" ")}`,
    );
  }
  // A name that starts with a keyword is a name.
  const [named] = tokens(grammar, "stage-manager");
  assert.strictEqual(named.text, "stage-manager");
  assert.match(named.scopes.join(" "), /variable\.other\.name/);

  // 4. Every spelling of a timescale that docs/language.md documents is one
  //    timescale token (issue 23): units in capitals, number words, words
  //    for a maximum, `whichever` in brackets.
  for (const [line, timescale] of [
    ["  within 1 Day", "1 Day"],
    ["  within 5 Working Days", "5 Working Days"],
    ["  step \"s\" within twenty-one calendar days", "twenty-one calendar days"],
    ["  within no more than 15 working days advisory", "no more than 15 working days"],
    ["  within not more than 2 working days", "not more than 2 working days"],
    ["  within a maximum of five working days", "a maximum of five working days"],
    ["  within at most 2 weeks", "at most 2 weeks"],
    ["  within up to 3 hours", "up to 3 hours"],
    ["  within 3 working days or 5 days (whichever is less)", "whichever is less"],
    ["  within as quickly as possible", "as quickly as possible"],
  ]) {
    const found = tokens(grammar, line).find((t) => t.text === timescale);
    check(
      found && found.scopes.some((s) => s.startsWith("constant.other.timescale")),
      `\`${timescale}\` in \`${line.trim()}\` is not one timescale token`,
    );
  }

  if (failures) {
    console.error(`${failures} of ${checked} checks failed`);
    process.exit(1);
  }
  console.log(`grammar: ${checked} checks passed (${files().length} files, ${keywords.length} keywords)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
