#!/usr/bin/env bash
# `npm run models -- <slug> [--smoke] [--out DIR] [--from-shipped]`: trains and exports one model with its
# script in training/ (or with --from-shipped rewrites its goldens and card from the shipped weights), then
# checks the ONNX file against its golden tensors with onnxruntime-node.
# `npm run models -- --list` prints every model, one slug a line: each script names the models it makes in
# its VARIANTS line (training/common/variants.py reads them), and CI smoke-trains every one.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-/usr/bin/python3}
models=$("$python" training/common/variants.py)
if [ "${1:-}" = --list ]; then
  cut -d' ' -f1 <<<"$models"
  exit 0
fi
slug=${1:?usage: npm run models -- <slug> [--smoke] [--out DIR] [--from-shipped], or --list}
shift
line=$(awk -v slug="$slug" '$1 == slug' <<<"$models")
[ -n "$line" ] || { echo "no model $slug; the models are: $(cut -d' ' -f1 <<<"$models" | tr '\n' ' ')" >&2; exit 2; }
read -r _ script variant <<<"$line"
out="public/models/$slug"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = --out ] && out=${args[$((i + 1))]}; done
"$python" -c 'import torch, onnx, jsonschema' 2>/dev/null || {
  echo "Training needs Debian's PyTorch: apt-get install -y python3-torch python3-onnx python3-jsonschema libopenblas0-pthread dataset-fashion-mnist fortunes-zh fortunes" >&2
  exit 1
}
# $variant is empty or "--model <slug>": left unquoted so it splits into its words.
# shellcheck disable=SC2086
"$python" -u "$script" $variant --out "$out" "$@"
bash scripts/with-node.sh bash scripts/setup.sh
MODEL_DIR="$out" bash scripts/with-node.sh npx vitest run tests/unit/model-golden.test.ts
