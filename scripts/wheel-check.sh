#!/usr/bin/env bash
# The Python wheel that carries the binary (pyproject.toml, maturin
# `bindings = "bin"`): build it for this platform, install it into a fresh
# virtual environment, and run `escalate check policies/` from there, as a
# user of `pipx install escalate-protocols` would. The shipped policies have
# real defects, so the check must exit 1 with its findings.
#
# Builds with the dev profile (the one `cargo test` just built, so little is
# compiled again); .github/workflows/release.yml builds the release wheels.
# Called by .ci/run. Needs python3 with venv (installs python3-venv if not).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/python-venv.sh
need_python_venv wheel-check

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/tools"
"$work/tools/bin/python" -m pip install --quiet 'maturin>=1.5,<2.0'
"$work/tools/bin/maturin" build --quiet --profile dev --locked --out "$work/wheels" >/dev/null

python3 -m venv "$work/user"
"$work/user/bin/python" -m pip install --quiet --no-index --find-links "$work/wheels" escalate-protocols
escalate="$work/user/bin/escalate"
test -x "$escalate"
"$escalate" --version

set +e
"$escalate" check --color never policies/ > "$work/findings.txt" 2>&1
code=$?
set -e
if [[ $code -ne 1 ]]; then
  echo "wheel-check: \`escalate check policies/\` from the wheel exited $code, not 1" >&2
  cat "$work/findings.txt" >&2
  exit 1
fi
for code in dead-end missing-immediate-risk-exit; do
  grep -q "$code" "$work/findings.txt" || { echo "wheel-check: no $code finding" >&2; exit 1; }
done
echo "wheel-check: $(ls "$work/wheels") installs; escalate check policies/ exits 1: $(tail -n 1 "$work/findings.txt")"
