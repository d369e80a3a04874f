#!/usr/bin/env bash
# Benchmarks for docs/performance.md, every figure with its command: whole-
# process times of `escalate` (hyperfine), peak memory (/usr/bin/time), and
# in-process phase times (examples/phases.rs). Needs hyperfine
# (apt-get install hyperfine).
#
#   scripts/bench.sh                  # RUNS=200 BIG_RUNS=10 by default
#   BIN=/path/to/escalate scripts/bench.sh   # another build, for a before/after
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin escalate --example synth --example phases
bin=${BIN:-target/release/escalate}
synth=target/release/examples/synth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 10000 100000; do
  "$synth" --stages "$n" > "$tmp/synth-$n.esc"
  echo "synth-$n.esc: $(wc -c < "$tmp/synth-$n.esc") bytes"
done
"$synth" --stages 50 > "$tmp/synth-50.esc"
# The same 100k file laid out by `fmt` (synth's own differs by one blank line).
cp "$tmp/synth-100000.esc" "$tmp/laid-out-100000.esc"
"$bin" fmt "$tmp/laid-out-100000.esc" > /dev/null
# The shape of issue 12: N `at any stage` rules over N stages.
"$synth" --stages 10000 --rules 10000 > "$tmp/rules-10000.esc"
# Issue 27: one finding at 10k places (synth without its `at any stage`
# lines: two grouped findings of 10k places each), and 100k stages on one line.
grep -v "at any stage: immediate risk\|at any stage: record" "$tmp/synth-10000.esc" > "$tmp/grouped-10000.esc"
tr '\n' ' ' < "$tmp/synth-100000.esc" > "$tmp/one-line-100000.esc"
# A policy repository: 100 files, 20 copies of each seed protocol (2.0 MB).
mkdir "$tmp/folder"
for i in $(seq 1 20); do
  for f in policies/*.esc; do cp "$f" "$tmp/folder/$i-$(basename "$f")"; done
done
echo "folder: $(ls "$tmp/folder" | wc -l) files, $(cat "$tmp"/folder/* | wc -c) bytes"

# `check` exits 1 on the seed protocols (they have real findings): -i keeps going.
hyperfine -N -i --warmup 5 --runs "${RUNS:-200}" \
  "$bin --version" \
  "$bin check policies/wolverhampton.esc" \
  "$bin check policies/hull.esc" \
  "$bin check --format json policies/wolverhampton.esc" \
  "$bin check policies/"
hyperfine -N -i --warmup 2 --runs "${BIG_RUNS:-10}" \
  "$bin check $tmp/folder" \
  "$bin check $tmp/synth-10000.esc" \
  "$bin check $tmp/synth-100000.esc" \
  "$bin check $tmp/rules-10000.esc" \
  "$bin fmt --check $tmp/synth-100000.esc" \
  "$bin fmt --check $tmp/laid-out-100000.esc"
hyperfine -N -i --warmup 1 --runs "${BIG_RUNS:-10}" \
  "$bin check --format json $tmp/grouped-10000.esc" \
  "$bin check --format sarif $tmp/grouped-10000.esc" \
  "$bin check $tmp/one-line-100000.esc"
for f in synth-100000.esc one-line-100000.esc rules-10000.esc; do
  /usr/bin/time -f "check $f: peak %M KB" "$bin" check "$tmp/$f" > /dev/null || true
done
/usr/bin/time -f "fmt --check synth-100000.esc: peak %M KB" "$bin" fmt --check "$tmp/synth-100000.esc" > /dev/null || true
# In-process: what the language server does on each change of the text.
target/release/examples/phases "$tmp/synth-50.esc" --repeat 500
target/release/examples/phases policies/wolverhampton.esc --repeat 500
target/release/examples/phases "$tmp/synth-100000.esc"
# The language server: changes one at a time, then 20 at once (issue 27).
"$synth" --stages 1000 > "$tmp/synth-1000.esc"
python3 scripts/lsp-latency.py --bin "$bin" --burst "$tmp/synth-1000.esc"
