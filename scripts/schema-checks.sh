#!/usr/bin/env bash
# escalate's machine outputs against their JSON Schemas, read by the reference
# validator (Python's `jsonschema`, with its format checkers), kept out of
# `cargo test` so that the README's set-up builds no JSON Schema engine:
# - `check --format json` against docs/check.schema.json (on the policies, a
#   silenced finding, a syntax error and a file without stages);
# - `check --format sarif` against the SARIF 2.1.0 schema
#   (tests/schemas/sarif-schema-2.1.0.json), files and standard input;
# - and each schema does reject what is not escalate's (a severity or level
#   `fatal`), so a check that cannot fail is caught.
# Called by .ci/run. Needs python3 with venv (installs python3-venv if not).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/python-venv.sh
need_python_venv schema-checks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet 'jsonschema[format-nongpl]>=4.18,<5'

cargo build --quiet
escalate=${CARGO_TARGET_DIR:-target}/debug/escalate
# Exit code 1 (findings) is expected; 2 (input errors) too for the broken files.
"$escalate" check --format json policies/ tests/cases/allow-silences-finding.esc \
  tests/cases/syntax-error-missing-quote.esc tests/cases/no-stages.esc > "$work/check.json" || true
"$escalate" check --format sarif policies/ tests/cases/allow-silences-finding.esc \
  tests/cases/syntax-error-missing-quote.esc tests/cases/unknown-name-misspelt-exit.esc \
  > "$work/check.sarif" || true
printf 'protocol "p"\n' | "$escalate" check --format sarif - > "$work/stdin.sarif" || true

"$work/venv/bin/python" - "$work" <<'PY'
import json, sys
from pathlib import Path
import jsonschema

work = Path(sys.argv[1])
def validator(schema_path):
    schema = json.loads(Path(schema_path).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)

def check(v, name):
    doc = json.loads((work / name).read_text())
    errors = [f"{e.message} at {'/'.join(map(str, e.absolute_path))}" for e in v.iter_errors(doc)]
    if errors:
        sys.exit(f"schema-checks: {name} is not valid:\n" + "\n".join(errors))
    print(f"schema-checks: {name} is valid")
    return doc

report = validator("docs/check.schema.json")
doc = check(report, "check.json")
doc["files"][0]["diagnostics"][0]["severity"] = "fatal"
if report.is_valid(doc):
    sys.exit("schema-checks: the check schema accepted a finding of severity `fatal`")
sarif = validator("tests/schemas/sarif-schema-2.1.0.json")
doc = check(sarif, "check.sarif")
check(sarif, "stdin.sarif")
doc["runs"][0]["results"][0]["level"] = "fatal"
if sarif.is_valid(doc):
    sys.exit("schema-checks: the SARIF validator accepted a result of level `fatal`")
print("schema-checks: a result of level `fatal` is rejected, as it must be")
PY
