#!/usr/bin/env bash
# Run one fuzz target for a while: ./fuzz/run.sh pipeline|tokens|compare|config|long_lines|lsp_framing|diff|scenarios [SECONDS]
# It stops at the first crash, saved in fuzz/artifacts/TARGET/; replay one
# with `fuzz/target/x86_64-unknown-linux-gnu/release/TARGET FILE`. For a long
# unattended run that keeps going past crashes, add libFuzzer's
# `-fork=1 -ignore_crashes=1` after the other flags.
#
# cargo-fuzz needs a nightly compiler; RUSTC_BOOTSTRAP=1 lets the stable one
# build with the nightly flags it passes. The corpus grows in fuzz/corpus/ (not committed);
# it starts from the target's seeds and its kept corpus (fuzz/corpus-kept/,
# committed: the inputs of past campaigns that found new coverage, merged
# with `-merge=1`). Crashes land in fuzz/artifacts/. See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-pipeline}
seconds=${2:-1800}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -a -s none "$target"
mkdir -p "corpus/$target" "artifacts/$target"
# -a: debug assertions, so arithmetic overflow is a crash too; -s none: no
# sanitizer (safe Rust needs none, and it halves the speed). Each input may
# take at most 10 s and 2 GB: more is a hang or a memory blow-up, reported.
# The `pipeline` seeds are protocol files, whose inputs must be long enough
# to hold a whole policy; a `tokens` or `compare` input is one token a byte.
case "$target" in
    pipeline) seeds=(seeds) max_len=32768 ;;
    long_lines | diff) seeds=(seeds-tokens) max_len=4096 ;;
    lsp_framing | scenarios) seeds=() max_len=4096 ;;
    *) seeds=("seeds-$target") max_len=4096 ;;
esac
if [ -d "corpus-kept/$target" ]; then
    seeds+=("corpus-kept/$target")
fi
exec "target/x86_64-unknown-linux-gnu/release/$target" "corpus/$target" "${seeds[@]}" \
    -dict=escalate.dict -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="artifacts/$target/"
