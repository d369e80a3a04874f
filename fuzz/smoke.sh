#!/usr/bin/env bash
# A short fuzz run of every target, for CI: `fuzz/smoke.sh [SECONDS]` (60 a
# target by default). Each starts from the committed seeds and kept corpus,
# in a scratch folder (the repository is not changed), and fails on the
# first crash, timeout or memory blow-up, printing the input that caused it.
# Needs cargo-fuzz; .ci/run calls it only where it is installed. The stable
# compiler takes the nightly flags cargo-fuzz passes with RUSTC_BOOTSTRAP=1
# (as fuzz/run.sh does), so the build is the one developers run.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
export RUSTC_BOOTSTRAP=1
cargo fuzz build -a -s none
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in pipeline tokens compare config long_lines lsp_framing diff scenarios; do
    case "$target" in
        pipeline) seeds=(seeds) max_len=32768 ;;
        # Token soup on one line past column 65,535 (issue 26); tokens' seeds.
        long_lines | diff) seeds=(seeds-tokens) max_len=4096 ;;
        lsp_framing | scenarios) seeds=() max_len=4096 ;;
        *) seeds=("seeds-$target") max_len=4096 ;;
    esac
    if [ -d "corpus-kept/$target" ]; then
        seeds+=("corpus-kept/$target")
    fi
    mkdir -p "$scratch/$target"
    echo "fuzz smoke run: $target, $seconds s"
    if ! "target/x86_64-unknown-linux-gnu/release/$target" "$scratch/$target" "${seeds[@]}" \
        -dict=escalate.dict -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
        -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$scratch/" \
        2> "$scratch/$target.log"; then
        tail -n 60 "$scratch/$target.log"
        for crash in "$scratch"/crash-* "$scratch"/timeout-* "$scratch"/oom-* "$scratch"/leak-*; do
            [ -e "$crash" ] && { echo "input ($crash), base64:"; base64 "$crash"; }
        done
        echo "fuzz smoke run: $target failed"
        exit 1
    fi
    grep -E 'DONE|^stat::number_of_executed_units' "$scratch/$target.log" | tail -n 2
done
