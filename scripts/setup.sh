#!/usr/bin/env bash
# Installs the project's npm dependencies when node_modules is missing or older than the lockfile.
# Sourced by serve.sh and test.sh after with-node.sh has put Node >= 22 on PATH.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# onnxruntime-node's install script would download CUDA libraries; its CPU binary ships in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "net-atlas: installing npm dependencies…" >&2
  # `npm install`, not `npm ci`: vite lists an optional dependency that the registry does not have, which
  # `npm ci` treats as a lockfile mismatch; `npm install` still installs exactly the locked versions.
  npm install --no-audit --no-fund >&2
fi
