#!/usr/bin/env bash
# The full-size hostile inputs of issue 6, against a release build: 100,000
# stages through every command, and files at the 64 MiB limit and past it.
# `cargo test` runs smaller versions (tests/cli/hostile.rs); this shows that
# the sizes named in the issue hold too, with the time and memory each takes.
#
#   scripts/hostile-big.sh            # prints one line per run
#
# Each run has a time limit as a safety net only: a run that hits it is a
# hang, reported as FAIL. The figures in docs/reliability.md come from here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin escalate --example synth
bin=target/release/escalate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# run NAME EXPECTED-EXIT-CODES ARGS...: time and peak memory of one run.
run() {
    local name=$1 expected=$2
    shift 2
    local measure=()
    [ -x /usr/bin/time ] && measure=(/usr/bin/time -f "%M" -o "$work/rss")
    echo '?' > "$work/rss"
    local start code
    start=$(date +%s%N)
    set +e
    "${measure[@]}" timeout 600 "$@" > "$work/out" 2> "$work/err"
    code=$?
    set -e
    local ms=$((($(date +%s%N) - start) / 1000000))
    local verdict=ok
    if [[ " $expected " != *" $code "* ]]; then
        verdict=FAIL
        failed=1
    fi
    printf '%-4s %-42s exit %-3s %5d.%02d s %9s KB peak %11s bytes out\n' "$verdict" "$name" "$code" \
        $((ms / 1000)) $((ms % 1000 / 10)) "$(tail -1 "$work/rss")" "$(wc -c < "$work/out")"
}

target/release/examples/synth --stages 100000 > "$work/100k.esc"
run "check 100,000 stages" 0 $bin check "$work/100k.esc"
run "check --format json 100,000 stages" 0 $bin check --format json "$work/100k.esc"
run "check --format sarif 100,000 stages" 0 $bin check --format sarif "$work/100k.esc"
run "timeline 100,000 stages" 0 $bin timeline "$work/100k.esc" --from 2026-01-05
run "render svg 100,000 stages" 0 $bin render "$work/100k.esc" --format svg
run "render dot 100,000 stages" 0 $bin render "$work/100k.esc" --format dot
run "render mermaid 100,000 stages" 0 $bin render "$work/100k.esc" --format mermaid
run "fmt --check 100,000 stages" "0 1" $bin fmt --check "$work/100k.esc"
# Every stage without a record: 100,000 warnings, each quoting its line.
grep -v 'record' "$work/100k.esc" > "$work/100k-warnings.esc"
run "check 100,000 warnings" 0 $bin check "$work/100k-warnings.esc"

# A cycle of 100,000 stages.
{
    printf 'protocol "Cycle"\nexit mash "M" within same working day\noutcome agreed "A"\n'
    printf 'at any stage: immediate risk -> mash\nat any stage: record "R"\n'
    for ((i = 0; i < 100000; i++)); do
        printf 'stage %d "S" {\n  within 1 working day\n  unresolved -> stage %d\n}\n' $i $(((i + 1) % 100000))
    done
} > "$work/cycle.esc"
run "check a cycle of 100,000 stages" 1 $bin check "$work/cycle.esc"

# 10,000 `at any stage` rules over 10,000 stages (issue 12: used to take 59 s and 11.7 GB).
target/release/examples/synth --stages 10000 --rules 10000 > "$work/rules.esc"
run "check 10,000 rules x 10,000 stages" "0 1" $bin check "$work/rules.esc"

# At the size limit, 64 MiB: a syntax error on every line, one word, zeros.
limit=$((64 * 1024 * 1024))
{ yes stage || true; } | head -c $limit > "$work/errors.esc"
run "check 64 MiB, an error on every line" 2 $bin check "$work/errors.esc"
# The slowest known input: every error's item may run on into the next line
# (`child` + `at immediate risk`), so each of the 100 errors reads to the end.
{ yes $'child\nat immediate risk' || true; } | head -c $limit > "$work/run-on.esc"
run "check 64 MiB, phrases that run on" 2 $bin check "$work/run-on.esc"
head -c $limit /dev/zero | tr '\0' 'x' > "$work/word.esc"
run "check 64 MiB, one word" 2 $bin check --format json "$work/word.esc"
head -c $limit /dev/zero > "$work/zeros.esc"
run "check 64 MiB of NUL bytes" 2 $bin check --format json "$work/zeros.esc"
head -c $limit /dev/urandom > "$work/random.esc"
run "check 64 MiB of random bytes" 2 $bin check "$work/random.esc"
# Past the limit: refused, and never read past it.
head -c $((limit + 1)) /dev/zero > "$work/over.esc"
run "check 64 MiB + 1 byte" 2 $bin check "$work/over.esc"
run "check an endless file (/dev/zero)" 2 $bin check /dev/zero
run "check endless standard input" 2 sh -c "yes | $bin check -"

exit $failed
