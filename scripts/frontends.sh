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

echo "frontends: playground"
scripts/playground.sh
(cd playground && npm ci --no-audit --no-fund --silent && npm test --silent)

echo "frontends: Neovim (the setup of docs/editors.md, headless)"
scripts/neovim-check.sh
