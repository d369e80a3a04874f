#!/bin/sh
# escalate draft's scores on the five seeds: each policies/sources/NAME.txt is
# drafted and measured against its hand encoding policies/NAME.esc (stages
# matched as `escalate diff` matches them, then by their quotes; timescales
# compared by meaning). Prints the Markdown table that docs/draft.md holds;
# a test (tests/cli/draft.rs) checks that the two agree.
set -eu
cd "$(dirname "$0")/.."
exec cargo run --quiet --example draft_score
