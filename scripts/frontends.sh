#!/usr/bin/env bash
# Test the front ends that `cargo test` cannot: the TextMate grammar (with VS
# Code's own tokeniser) and the playground in headless Chromium. Installs
# what is missing: Node and npm, Chromium, binaryen (wasm-opt) from Debian,
# the npm packages from the lock files, the wasm32 target through rustup.
# Then the Neovim setup of docs/editors.md, headless (scripts/neovim-check.sh).
# Called by .ci/run; see docs/editors.md.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
command -v chromium >/dev/null || [[ -n "${CHROMIUM:-}" ]] || need+=(chromium)
command -v wasm-opt >/dev/null || need+=(binaryen)
if ((${#need[@]})); then
  echo "frontends: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "frontends: TextMate grammar"
(cd editors/vscode && npm ci --no-audit --no-fund --silent && npm test --silent)

echo "frontends: VS Code extension package"
# vsce packages without a prompt or a warning (repository, LICENSE, a
# .vscodeignore that leaves test/ out, the client bundled by esbuild).
(
  cd editors/vscode
  log=$(mktemp)
  npm run --silent package < /dev/null > "$log" 2>&1 || { cat "$log"; exit 1; }
  if grep -Eqi "warning|error" "$log"; then
    cat "$log"
    echo "frontends: vsce package warned" >&2
    exit 1
  fi
  if python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' escalate.vsix \
    | grep -Eq "^extension/(test|node_modules)/"; then
    echo "frontends: the .vsix carries test/ or node_modules/" >&2
    exit 1
  fi
  echo "frontends: $(grep -o 'Packaged: .*' "$log")"
  rm -f escalate.vsix "$log"
)

echo "frontends: playground"
scripts/playground.sh
# The module the page loads stays under 400 KB gzipped (issue 24; its size
# history is in docs/performance.md).
gzipped=$(gzip -c playground/dist/escalate.wasm | wc -c)
echo "frontends: the WebAssembly module is $gzipped bytes gzipped"
if (( gzipped > 400 * 1024 )); then
    echo "frontends: the WebAssembly module is over 400 KB gzipped ($gzipped bytes)" >&2
    exit 1
fi
(cd playground && npm ci --no-audit --no-fund --silent && npm test --silent)

echo "frontends: Neovim (the setup of docs/editors.md, headless)"
scripts/neovim-check.sh
