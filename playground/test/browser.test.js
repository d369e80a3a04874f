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
    page.on("dialog", async (d) => {
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
    await page.screenshot({ path: path.join(shots, "playground-error.png") });

    // Clicking the finding selects its place in the text.
    await page.click("#findings li");
    const selected = await page.evaluate(() => {
      const s = document.getElementById("source");
      return s.value.slice(s.selectionStart, s.selectionEnd);
    });
    assert.strictEqual(selected, "3", "the click selects the unknown name");

    // Fix it: the finding goes and the diagram comes.
    before = await updates();
    await page.keyboard.type("2");
    seen = await settled(before);
    assert.deepStrictEqual(seen.findings, [], seen.findings.join("\n"));
    assert.ok(seen.diagram.startsWith("data:image/svg+xml"));
    assert.ok(seen.diagramWidth > 100);
    assert.match(seen.timeline, /Typed in the browser|stage 1|Stage 1/i);

    // Hostile text stays text: no markup from it runs or appears.
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
    assert.strictEqual(scripts, 4, "no script added");
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

    // A seed policy, and the time from a keystroke to the redrawn diagram.
    const figures = {};
    for (const name of ["starter", "hull", "essex", "wolverhampton"]) {
      before = await updates();
      await page.select("#policy", name);
      await page.$eval("#load", (button) => button.click());
      await settled(before);
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
      const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const bytes = (await page.evaluate(() => document.getElementById("source").value.length));
      figures[name] = { chars: bytes, analyse_ms: median(analyse), keystroke_to_diagram_ms: median(keystroke) };
      if (name === "wolverhampton") {
        await page.evaluate(() => {
          const s = document.getElementById("source");
          s.scrollTop = 0;
          s.dispatchEvent(new Event("scroll"));
        });
        await page.screenshot({ path: path.join(shots, "playground.png") });
      }
    }
    console.log("figures (median of 15 keystrokes; keystroke-to-diagram includes the 30 ms debounce):");
    console.log(JSON.stringify(figures, null, 2));
    for (const [name, f] of Object.entries(figures)) {
      assert.ok(f.keystroke_to_diagram_ms < 1000, `${name}: ${f.keystroke_to_diagram_ms} ms`);
    }

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
