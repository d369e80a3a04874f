#!/usr/bin/env bash
# The Neovim setup of docs/editors.md, run for real: headless Neovim (the
# one installed; Debian's, 0.7.2 on Debian 12, installed with apt-get when
# missing and run as root) loads the `lua` block under "### Neovim" from
# docs/editors.md as its only configuration, opens a policy and waits for
# `escalate lsp` to publish its findings. Fails if none arrive within 30 s,
# or if they are not as many as `escalate check` reports for that file.
# Usage: scripts/neovim-check.sh [POLICY...]   (default: every policy)
# Called by scripts/frontends.sh; see docs/editors.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvim >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "neovim-check: installing neovim"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  else
    echo "neovim-check: needs nvim (Debian: apt-get install neovim)" >&2; exit 1
  fi
fi

cargo build --quiet
export PATH="$PWD/${CARGO_TARGET_DIR:-target}/debug:$PATH"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The documented configuration, exactly as the page shows it.
awk '/^### Neovim/ { section = 1 } section && /^```lua$/ { inside = 1; next }
     inside && /^```$/ { exit } inside { print }' docs/editors.md > "$WORK/init.lua"
if [ ! -s "$WORK/init.lua" ]; then
  echo "neovim-check: no lua block under \"### Neovim\" in docs/editors.md" >&2; exit 1
fi

cat > "$WORK/wait.lua" <<'LUA'
-- Wait for the server's findings on the current buffer, then write how many
-- arrived (0: none in time) and which clients are attached.
local function count() return #vim.diagnostic.get(0) end
vim.wait(30000, function() return count() > 0 end, 50)
local clients = {}
for _, client in pairs(vim.lsp.buf_get_clients(0)) do table.insert(clients, client.name) end
vim.fn.writefile({ tostring(count()), vim.bo.filetype, table.concat(clients, ",") }, os.getenv("RESULT"))
vim.cmd("qall!")
LUA

version=$(nvim --version | head -n 1)
fail=0
policies=("$@")
[ ${#policies[@]} -gt 0 ] || policies=(policies/*.esc)
for policy in "${policies[@]}"; do
  export RESULT="$WORK/result"
  rm -f "$RESULT"
  timeout 60 nvim --headless --noplugin -i NONE -u "$WORK/init.lua" \
    -c "luafile $WORK/wait.lua" "$policy" >"$WORK/nvim.log" 2>&1 || true
  if [ ! -f "$RESULT" ]; then
    echo "neovim-check: $version: $policy: Neovim stopped before the check ran:" >&2
    cat "$WORK/nvim.log" >&2; fail=1; continue
  fi
  mapfile -t got < "$RESULT"
  want=$(escalate check --format json "$policy" | python3 -c \
    'import json, sys; s = json.load(sys.stdin)["summary"]; print(s["error_places"] + s["warning_places"])' ) || true
  if [ "${got[0]}" = 0 ]; then
    echo "neovim-check: $version: $policy: no findings arrived (filetype '${got[1]}', clients '${got[2]}')" >&2
    cat "$WORK/nvim.log" >&2; fail=1
  elif [ "${got[0]}" != "$want" ]; then
    echo "neovim-check: $version: $policy: ${got[0]} findings in Neovim, $want from escalate check" >&2; fail=1
  else
    echo "neovim-check: $version: $policy: ${got[0]} findings from escalate lsp (filetype ${got[1]}, client ${got[2]})"
  fi
done
exit $fail
