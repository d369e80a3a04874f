#!/usr/bin/env bash
# Benchmarks for docs/performance.md: whole-process times of `escalate check`
# on the seed protocols and on synthetic protocols of 10,000 and 100,000
# stages. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin escalate --example synth
bin=target/release/escalate
synth=target/release/examples/synth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 10000 100000; do
  "$synth" --stages "$n" > "$tmp/synth-$n.esc"
  echo "synth-$n.esc: $(wc -c < "$tmp/synth-$n.esc") bytes"
done
# `check` exits 1 on the seed protocols (they have real findings): -i keeps going.
hyperfine -N -i --warmup 5 --runs "${RUNS:-200}" \
  "$bin check policies/wolverhampton.esc" \
  "$bin check policies/hull.esc" \
  "$bin check --format json policies/wolverhampton.esc" \
  "$bin check policies/"
hyperfine -N --warmup 1 --runs "${BIG_RUNS:-10}" \
  "$bin check $tmp/synth-10000.esc" \
  "$bin check $tmp/synth-100000.esc"
