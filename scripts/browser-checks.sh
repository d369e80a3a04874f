#!/usr/bin/env bash
# Checks that need a real browser, kept out of `cargo test` (no browser or
# network there):
#   1. every policy's Mermaid parses and renders with the real `mermaid` npm
#      package in headless Chromium, top to bottom, no label wider than its
#      box; a screenshot of each goes to $OUT;
#   2. every one-page practitioner summary of `escalate report` prints to
#      exactly one A4 page.
# Usage: scripts/browser-checks.sh [OUTDIR]   (needs chromium, node/npm;
# installs them with apt-get when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/browser-checks}
MERMAID_VERSION=11.17.2
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

need() { command -v "$1" >/dev/null 2>&1; }
# Install only what is missing: a machine's own Node.js (not Debian's) and
# Debian's npm cannot be installed together.
missing=()
need chromium || missing+=(chromium)
need npm || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "browser-checks: needs ${missing[*]}" >&2; exit 1
  fi
fi
if [ ! -f "$OUT/node_modules/mermaid/dist/mermaid.min.js" ]; then
  (cd "$OUT" && npm install --silent --no-audit --no-fund "mermaid@$MERMAID_VERSION" >/dev/null)
fi

cargo build --quiet
ESCALATE=${CARGO_TARGET_DIR:-target}/debug/escalate
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
chrome() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$PROFILE" "$@" 2>/dev/null
}

fail=0
for policy in policies/*.esc; do
  name=$(basename "$policy" .esc)
  mmd=$("$ESCALATE" render "$policy" --format mermaid | base64 -w0)
  page="$OUT/$name-mermaid.html"
  cat > "$page" <<HTML
<!doctype html><html><head><meta charset="utf-8">
<script src="node_modules/mermaid/dist/mermaid.min.js"></script></head>
<body style="margin:0;background:#fff"><div id="chart"></div><pre id="result">pending</pre>
<script>
const text = new TextDecoder().decode(Uint8Array.from(atob("$mmd"), c => c.charCodeAt(0)));
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
(async () => {
  const problems = [];
  try {
    await mermaid.parse(text);
    const { svg } = await mermaid.render("escalate", text);
    document.getElementById("chart").innerHTML = svg;
    const box = el => el.getBoundingClientRect();
    let checked = 0;
    // No label wider or taller than its node's shape.
    for (const node of document.querySelectorAll("g.node")) {
      const shape = node.querySelector("rect, polygon, path, circle");
      const label = node.querySelector(".label, foreignObject");
      if (!shape || !label) continue;
      const s = box(shape), l = box(label);
      checked++;
      if (l.left < s.left - 1 || l.right > s.right + 1 || l.top < s.top - 1 || l.bottom > s.bottom + 1)
        problems.push("label crosses its box: " + node.id);
    }
    // Top to bottom: the start first, the key last.
    const start = document.querySelector("g.node[id*='-n0-']");
    const key = document.querySelector("g.node[id*='-key-']");
    if (!start || checked < 5) problems.push("only " + checked + " nodes found");
    if (key && box(key).top < box(start).bottom) problems.push("the key is not below the ladder");
    for (const g of document.querySelectorAll("g.cluster")) {
      if (start && box(g).top < box(start).top) problems.push("a subgraph above the start: " + g.id);
    }
    document.getElementById("result").textContent = problems.length ? problems.join("; ") : "ok";
  } catch (e) {
    document.getElementById("result").textContent = "error: " + e;
  }
})();
</script></body></html>
HTML
  result=$(chrome --virtual-time-budget=20000 --dump-dom "file://$page" | sed -n 's/.*<pre id="result">\([^<]*\)<\/pre>.*/\1/p')
  if [ "$result" = ok ]; then
    echo "mermaid $name: ok"
  else
    echo "mermaid $name: ${result:-no result}"; fail=1
  fi
  chrome --virtual-time-budget=20000 --hide-scrollbars --window-size=1100,4200 \
    --screenshot="$OUT/$name-mermaid.png" "file://$page" >/dev/null || true
done

site="$OUT/site"
"$ESCALATE" report policies -o "$site" >/dev/null
for summary in "$site"/*-summary.html; do
  name=$(basename "$summary" -summary.html)
  chrome --no-pdf-header-footer --print-to-pdf="$OUT/$name-summary.pdf" "file://$summary" >/dev/null
  pages=$(grep -a -o '/Type */Pages*' "$OUT/$name-summary.pdf" | grep -c 'Page$' || true)
  if [ "$pages" = 1 ]; then
    echo "summary $name: 1 page"
  else
    echo "summary $name: $pages pages"; fail=1
  fi
done
exit $fail
