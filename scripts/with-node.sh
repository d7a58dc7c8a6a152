#!/usr/bin/env bash
# Runs a command with Node >= 22 on PATH. Astro 7 needs 22.12 or later; where the machine's Node is
# older, Node 24 from the npm registry's `node` package is installed into .tools/ (inside the project,
# so the reader's own Node is left alone) and put first on PATH.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  local_bin="$root/.tools/node_modules/node/bin"
  if [ ! -x "$local_bin/node" ]; then
    echo "net-atlas: Node $(node --version 2>/dev/null || echo '(none)') is older than 22; installing Node 24 into .tools/ (the system Node is not touched)…" >&2
    npm install --prefix "$root/.tools" --no-save --no-package-lock --no-audit --no-fund node@24 >&2
  fi
  export PATH="$local_bin:$PATH"
  [ "$(node_major)" -ge 22 ] || { echo "net-atlas: could not get Node >= 22" >&2; exit 1; }
fi
exec "$@"
