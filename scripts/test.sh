#!/usr/bin/env bash
# `npm test`: everything, from a fresh clone. Installs what is missing (Node >= 22 into .tools/, npm
# dependencies, Debian's Chromium), then runs the type check, the unit tests (including the ONNX
# golden-tensor check with onnxruntime-node), builds the site, and runs the browser tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
node24() { bash scripts/with-node.sh "$@"; }

node24 bash scripts/setup.sh
CHROMIUM_PATH=$(bash scripts/chromium.sh)
export CHROMIUM_PATH
[ -n "$CHROMIUM_PATH" ] && echo "net-atlas: browser tests use $CHROMIUM_PATH" >&2

echo "== type check" >&2
node24 npm run check --silent
echo "== unit tests" >&2
node24 npx vitest run
echo "== build" >&2
node24 npm run build --silent
echo "== browser tests" >&2
node24 npx playwright test "$@"
