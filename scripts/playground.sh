#!/usr/bin/env bash
# Build the browser playground into playground/dist/: escalate compiled to
# WebAssembly (the same library the CLI runs), the page, and the shipped
# policies. The result works opened from disk or from any static host, offline.
#
#   scripts/playground.sh            # build
#   scripts/playground.sh --serve    # build, then serve on http://localhost:8000
#
# Needs: rustup (adds the wasm32-unknown-unknown target). Uses wasm-opt
# (Debian package `binaryen`) if it is on the PATH, to shrink the module.
set -euo pipefail
cd "$(dirname "$0")/.."
out=playground/dist
target_dir=${CARGO_TARGET_DIR:-target}

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown

# Size over speed for the page; one unit and LTO let dead code go; no unwinding.
# `z` rather than `s`: 385 KB gzipped, not 450 KB (with `escalate draft` in the
# module), for about 1 ms more per check of the largest seed (node, 2-core
# machine: docs/performance.md).
CARGO_PROFILE_RELEASE_OPT_LEVEL=z \
CARGO_PROFILE_RELEASE_LTO=true \
CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_PROFILE_RELEASE_PANIC=abort \
CARGO_PROFILE_RELEASE_STRIP=true \
  cargo rustc --quiet --release --lib --target wasm32-unknown-unknown \
    --no-default-features --features wasm --crate-type cdylib

mkdir -p "$out"
wasm="$target_dir/wasm32-unknown-unknown/release/escalate.wasm"
if command -v wasm-opt >/dev/null; then
  wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals "$wasm" -o "$out/escalate.wasm"
else
  echo "note: wasm-opt not found (apt-get install binaryen); the module is left unoptimised" >&2
  cp "$wasm" "$out/escalate.wasm"
fi

cp playground/index.html playground/style.css playground/app.js playground/highlight.js playground/draft.js "$out/"
# file:// pages cannot fetch(), so the module, the grammar and the policies
# travel as scripts.
python3 - "$out" <<'PY'
import base64, glob, json, os, sys
out = sys.argv[1]
with open(os.path.join(out, "escalate.wasm"), "rb") as f:
    wasm = base64.b64encode(f.read()).decode()
with open(os.path.join(out, "wasm.js"), "w") as f:
    f.write("// escalate compiled to WebAssembly (scripts/playground.sh).\n")
    f.write("window.ESCALATE_WASM = \"%s\";\n" % wasm)
with open("editors/vscode/syntaxes/escalate.tmLanguage.json") as f:
    grammar = json.load(f)
policies = {"starter": open("src/starter.esc").read()}
for path in sorted(glob.glob("policies/*.esc")):
    policies[os.path.basename(path)[:-4]] = open(path).read()
with open(os.path.join(out, "data.js"), "w") as f:
    f.write("// The TextMate grammar (editors/vscode) and the shipped policies.\n")
    f.write("window.ESCALATE_GRAMMAR = %s;\n" % json.dumps(grammar))
    f.write("window.ESCALATE_POLICIES = %s;\n" % json.dumps(policies))
PY
echo "playground: $out/index.html ($(wc -c < "$out/escalate.wasm") bytes of WebAssembly)"

if [[ "${1:-}" == "--serve" ]]; then
  cd "$out" && python3 -m http.server 8000
fi
