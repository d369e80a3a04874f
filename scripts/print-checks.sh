#!/usr/bin/env bash
# Checks that need a real PDF reader, kept out of `cargo test`'s needs (there
# the test says it was skipped when poppler-utils is missing): every policy's
# PDF is read by poppler's `pdftotext -bbox`, and every word must be at least
# 9 pt tall, every page carry the title, its number and its "continued"
# marks, and every word of the diagram be printed exactly once.
# Usage: scripts/print-checks.sh   (installs poppler-utils with apt-get when
# missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
if ! need pdftotext; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
  else
    echo "print-checks: needs pdftotext (apt-get install poppler-utils)" >&2; exit 1
  fi
fi
ESCALATE_NEEDS_PDFTOTEXT=1 cargo test --features full --test cli -- render::pictures::pdf_ --nocapture
