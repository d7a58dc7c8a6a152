#!/usr/bin/env bash
# `npm start`: builds the site (with its search index) and serves it at http://localhost:4321/.
# Needs no Python: the trained models are committed under public/models/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/with-node.sh bash scripts/setup.sh
echo "net-atlas: building the site…" >&2
bash scripts/with-node.sh npm run build --silent
echo "net-atlas: serving on http://localhost:${PORT:-4321}/ (Ctrl-C stops)" >&2
exec bash scripts/with-node.sh npx astro preview --host "${HOST:-localhost}" --port "${PORT:-4321}"
