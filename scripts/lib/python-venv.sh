# Sourced by the scripts that run Python tools in a virtual environment
# (schema-checks.sh, wheel-check.sh): a fresh Debian machine has python3
# without its venv module, so install it first when it is missing.
# Usage: need_python_venv NAME (NAME says who is installing it).
need_python_venv() {
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "$1: installing python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
}
