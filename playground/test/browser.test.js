// The playground in a real browser: headless Chromium (Debian's `chromium`,
// or $CHROMIUM) opens the built page from disk and a user types into it.
// Run from playground/: npm ci && npm test (after scripts/playground.sh).
// Writes docs/images/playground*.png and prints the timing figures.
"use strict";
const assert = require("assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const root = path.join(__dirname, "..", "..");
const page_url = "file://" + path.join(root, "playground", "dist", "index.html");
const shots = path.join(root, "docs", "images");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// axe-core's WCAG 2.1 A and AA rules, and its best practices, on the page as
// it is: the violations, each with the places it found.
async function axeViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      // No fetching of the style sheets (the page's policy forbids it).
      preload: false,
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];

const BROKEN = `protocol "Typed in the browser"

party worker "Practitioner" level 1
party manager "Manager" level 2
exit mash "Referral to MASH" within same working day
outcome agreed "Agreed"

at any stage: immediate risk -> mash
at any stage: record "Written down"

stage 1 "Talk" {
  parties worker
  within 2 working days
  resolved -> agreed
  unresolved -> stage 3
}

stage 2 "Managers" {
  parties manager
  within 3 working days
  resolved -> agreed
  final decision
}
`;

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "escalate-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const failures = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    var errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const dialogs = [];
    // The text to give the "Draft from text" prompt, once; any other dialog
    // is a script that ran from the text.
    let draftText = null;
    page.on("dialog", async (d) => {
      if (draftText !== null && d.type() === "prompt") {
        const text = draftText;
        draftText = null;
        await d.accept(text);
        return;
      }
      dialogs.push(d.message());
      await d.dismiss();
    });

    const updates = () => page.evaluate(() => window.escalatePlayground.updates);
    const settled = async (before) => {
      await page.waitForFunction((n) => window.escalatePlayground.updates > n, { timeout: 10000 }, before);
      return page.evaluate(() => ({
        status: document.getElementById("status").textContent,
        findings: [...document.querySelectorAll("#findings li")].map((li) => li.textContent),
        diagram: document.getElementById("diagram").getAttribute("src") || "",
        diagramWidth: document.getElementById("diagram").naturalWidth,
        timeline: document.getElementById("timeline").textContent,
        text: document.getElementById("source").value,
      }));
    };

    await page.goto(page_url);
    await page.waitForFunction(() => window.escalatePlayground && window.escalatePlayground.updates > 0, {
      timeout: 20000,
    });

    // The starter: no findings, a diagram, a timeline.
    let seen = await page.evaluate(() => ({
      status: document.getElementById("status").textContent,
      diagram: document.getElementById("diagram").getAttribute("src") || "",
      width: document.getElementById("diagram").naturalWidth,
      timeline: document.getElementById("timeline").textContent,
    }));
    assert.match(seen.status, /^no findings/, seen.status);
    assert.ok(seen.diagram.startsWith("data:image/svg+xml"), "the diagram is an image");
    assert.ok(seen.width > 100, `the diagram is drawn (${seen.width}px wide)`);
    assert.match(seen.timeline, /20\d\d/);
    let violations = await axeViolations(page);
    console.log(`axe-core, the starter: ${violations.length} violations`, violations);
    assert.deepStrictEqual(violations, [], "axe-core finds nothing on the starter");

    // Tab indents in the editor; Escape then Tab leaves it, text unchanged.
    await page.click("#source");
    await page.evaluate(() => {
      const s = document.getElementById("source");
      s.setSelectionRange(0, 0);
    });
    let text = await page.$eval("#source", (s) => s.value);
    await page.keyboard.press("Tab");
    assert.strictEqual(await page.$eval("#source", (s) => s.value), "  " + text, "Tab indents");
    assert.strictEqual(await page.evaluate(() => document.activeElement.id), "source", "Tab alone stays");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Backspace");
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    const left = await page.evaluate(() => ({ id: document.activeElement.id, cls: document.activeElement.className }));
    assert.notStrictEqual(left.id, "source", "Escape then Tab leaves the editor");
    assert.strictEqual(await page.$eval("#source", (s) => s.value), text, "and types nothing");
    const help = await page.$eval("#editor-help", (p) => p.textContent);
    assert.match(help, /Esc.*Tab/, "the way out is written on the page");

    // Type a protocol with an error.
    await page.click("#source");
    await page.keyboard.down("Control");
    await page.keyboard.press("a");
    await page.keyboard.up("Control");
    await page.keyboard.press("Backspace");
    let before = await updates();
    await page.type("#source", BROKEN.replace(/\n/g, "\r"), { delay: 0 });
    await new Promise((r) => setTimeout(r, 200));
    seen = await settled(before - 1);
    assert.strictEqual(seen.text, BROKEN, "the text typed is the text checked");
    assert.ok(seen.findings.some((f) => f.startsWith("unknown-name") && f.includes("`3`")), seen.findings.join("\n"));
    assert.strictEqual(seen.diagram, "", "no diagram while the text has input errors");
    assert.match(seen.status, /1 error/);
    // Drawn or not as the reader sees it: the element's boxes on the page.
    const pathway = await page.evaluate(() => {
      const drawn = (id) => document.getElementById(id).getClientRects().length > 0;
      return {
        imageShown: drawn("diagram"),
        note: drawn("diagram-note") ? document.getElementById("diagram-note").textContent : "",
      };
    });
    assert.ok(!pathway.imageShown, "no empty image (a broken-image icon) while there is no diagram");
    assert.match(pathway.note, /below/, "the findings are below the Pathway area");
    assert.doesNotMatch(pathway.note, /above/);
    violations = await axeViolations(page);
    console.log(`axe-core, a text with an input error: ${violations.length} violations`, violations);
    assert.deepStrictEqual(violations, [], "axe-core finds nothing with an input error shown");
    await page.screenshot({ path: path.join(shots, "playground-error.png") });

    // Clicking the finding selects its place in the text.
    await page.click("#findings li");
    const selected = await page.evaluate(() => {
      const s = document.getElementById("source");
      return s.value.slice(s.selectionStart, s.selectionEnd);
    });
    assert.strictEqual(selected, "3", "the click selects the unknown name");

    // By keyboard: a finding is a button reached by Tab, pressed by Enter.
    const buttons = await page.$$eval("#findings li", (lis) => lis.map((li) => li.querySelectorAll("button").length));
    assert.ok(buttons.length > 0 && buttons.every((n) => n === 1), `each finding is one button: ${buttons}`);
    await page.evaluate(() => document.getElementById("source").setSelectionRange(0, 0));
    await page.focus("#findings li button");
    await page.keyboard.press("Enter");
    const byKey = await page.evaluate(() => {
      const s = document.getElementById("source");
      return { focus: document.activeElement.id, selected: s.value.slice(s.selectionStart, s.selectionEnd) };
    });
    assert.deepStrictEqual(byKey, { focus: "source", selected: "3" }, "Enter on a finding selects its place");

    // Fix it: the finding goes and the diagram comes.
    before = await updates();
    await page.keyboard.type("2");
    seen = await settled(before);
    assert.deepStrictEqual(seen.findings, [], seen.findings.join("\n"));
    assert.ok(seen.diagram.startsWith("data:image/svg+xml"));
    assert.ok(seen.diagramWidth > 100);
    assert.deepStrictEqual(
      await page.evaluate(() => ["diagram", "diagram-note"].map((id) => document.getElementById(id).getClientRects().length > 0)),
      [true, false],
      "the diagram is drawn and the note is gone",
    );
    assert.match(seen.timeline, /Typed in the browser|stage 1|Stage 1/i);

    // Hostile text stays text: no markup from it runs or appears.
    const scriptsBefore = await page.evaluate(() => document.querySelectorAll("script").length);
    before = await updates();
    const hostile = BROKEN.replace("Typed in the browser", '<img src=x onerror=alert(1)><script>alert(2)</script>')
      .replace("stage 3", "stage 2")
      .replace('"Talk"', '"</text><script>alert(3)</script>"');
    await page.evaluate((t) => {
      const s = document.getElementById("source");
      s.value = t;
      s.dispatchEvent(new Event("input"));
    }, hostile);
    seen = await settled(before);
    const imgs = await page.evaluate(() => document.querySelectorAll("img").length);
    const scripts = await page.evaluate(() => document.querySelectorAll("script").length);
    assert.strictEqual(imgs, 1, "only the diagram is an image");
    assert.strictEqual(scripts, scriptsBefore, "no script added");
    assert.ok(seen.diagramWidth > 100, "the hostile titles are drawn as text");
    const svg = await page.evaluate(() => window.escalatePlayground.answer.svg);
    assert.ok(!svg.includes("<script"), "the SVG escapes user text");

    // Format lays the text out as `escalate fmt`.
    before = await updates();
    await page.evaluate(() => {
      const s = document.getElementById("source");
      s.value = 'protocol    "P"\nparty   a "A"   level 1\n';
    });
    await page.click("#format");
    seen = await settled(before);
    assert.strictEqual(seen.text, 'protocol "P"\nparty a "A" level 1\n', "formatted as escalate fmt does");

    // Every seed policy: the time from a keystroke to its findings (checked
    // in the key's own event, before the next frame), typed as fast as
    // puppeteer types; then the time to the redrawn diagram.
    const figures = {};
    const seeds = await page.$$eval("#policy option", (os) => os.map((o) => o.value));
    for (const name of seeds) {
      before = await updates();
      await page.select("#policy", name);
      await page.$eval("#load", (button) => button.click());
      await settled(before);
      const findings = [];
      await page.evaluate(() => {
        const s = document.getElementById("source");
        s.focus();
        s.setSelectionRange(s.value.length, s.value.length);
      });
      await page.keyboard.type("\r#");
      for (let i = 0; i < 40; i++) {
        const checks = await page.evaluate(() => window.escalatePlayground.checks);
        await page.keyboard.type("y");
        await page.waitForFunction((n) => window.escalatePlayground.checks > n, { timeout: 10000 }, checks);
        findings.push(await page.evaluate(() => window.escalatePlayground.lastKeystrokeToFindingsMs));
      }
      // A burst of keys: the diagram drawn after it is the diagram of the
      // text with the last key in it.
      before = await updates();
      await page.keyboard.type("zzzzz");
      await new Promise((r) => setTimeout(r, 400));
      await settled(before);
      const last = await page.evaluate(() => ({
        drawn: window.escalatePlayground.drawnText,
        text: document.getElementById("source").value,
      }));
      assert.ok(last.text.endsWith("zzzzz") && last.drawn === last.text, `${name}: the diagram has the last keystroke`);
      const analyse = [];
      const keystroke = [];
      for (let i = 0; i < 15; i++) {
        // Type at the end of the file (a comment), one key at a time.
        await page.evaluate(() => {
          const s = document.getElementById("source");
          s.focus();
          s.setSelectionRange(s.value.length, s.value.length);
        });
        before = await updates();
        await page.keyboard.type(i === 0 ? "#" : "x");
        await settled(before);
        const t = await page.evaluate(() => ({
          a: window.escalatePlayground.lastAnalyseMs,
          k: window.escalatePlayground.lastKeystrokeToDiagramMs,
        }));
        analyse.push(t.a);
        keystroke.push(t.k);
      }
      const bytes = (await page.evaluate(() => document.getElementById("source").value.length));
      figures[name] = {
        chars: bytes,
        keystroke_to_findings_ms: { median: +median(findings).toFixed(2), p95: +p95(findings).toFixed(2) },
        analyse_ms: +median(analyse).toFixed(2),
        keystroke_to_diagram_ms: { median: +median(keystroke).toFixed(1), p95: +p95(keystroke).toFixed(1) },
      };
      if (name === "wolverhampton") {
        await page.evaluate(() => {
          const s = document.getElementById("source");
          s.scrollTop = 0;
          s.dispatchEvent(new Event("scroll"));
        });
        await page.screenshot({ path: path.join(shots, "playground.png") });
      }
    }
    console.log(
      "figures (keystroke to findings: 40 keystrokes; analyse and keystroke to diagram: 15, " +
        "the diagram after the 150 ms pause it waits for):",
    );
    console.log(JSON.stringify(figures, null, 2));
    for (const [name, f] of Object.entries(figures)) {
      // One frame at 60 Hz.
      assert.ok(f.keystroke_to_findings_ms.median < 16, `${name}: findings ${f.keystroke_to_findings_ms.median} ms`);
      assert.ok(f.keystroke_to_diagram_ms.median < 1000, `${name}: diagram ${f.keystroke_to_diagram_ms.median} ms`);
    }

    // "Draft from text" (issue 25): a document's plain text becomes a draft
    // in the editor, which is then checked like any text.
    draftText = fs.readFileSync(path.join(root, "tests", "draft", "roman.txt"), "utf8");
    const beforeDraft = await updates();
    await page.click("#draft-from-text");
    const drafted = await settled(beforeDraft);
    assert.strictEqual(draftText, null, "the prompt was answered");
    assert.ok(/^protocol /m.test(drafted.text), `a draft in the editor: ${drafted.text.slice(0, 200)}`);
    assert.ok(drafted.text.includes('stage 1 "Practitioners"'), drafted.text);
    assert.ok(
      drafted.text.includes(
        'quote "The practitioners involved should try to resolve the disagreement by discussion within 5 working days."',
      ),
      drafted.text,
    );

    // Nothing left the page.
    const outside = requests.filter((u) => !/^(file|data|blob):/.test(u));
    assert.deepStrictEqual(outside, [], "no network requests");
    assert.deepStrictEqual(dialogs, [], "no script from the text ran");
    assert.deepStrictEqual(errors, [], "no errors in the page");
  } catch (e) {
    failures.push(e);
    console.error("page errors:", JSON.stringify(errors));
  } finally {
    await browser.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(failures[0]);
    process.exit(1);
  }
  console.log("playground: browser test passed");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
