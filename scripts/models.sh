#!/usr/bin/env bash
# `npm run models -- <slug> [--smoke] [--out DIR]`: trains and exports one model with its script in
# training/, then checks the exported ONNX against its golden tensors with onnxruntime-node.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
slug=${1:?usage: npm run models -- <slug> [--smoke] [--out DIR]}
shift
# training/<slug>.py, or for a variant such as resnet-plain the family's script with --model <slug>.
script="training/${slug//-/_}.py"
variant=()
if [ ! -f "$script" ]; then
  script="training/${slug%%-*}.py"
  variant=(--model "$slug")
fi
[ -f "$script" ] || { echo "no training script for $slug in training/" >&2; exit 2; }
out="public/models/$slug"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[$i]}" = --out ] && out=${args[$((i + 1))]}; done
python=${PYTHON:-/usr/bin/python3}
"$python" -c 'import torch, onnx' 2>/dev/null || {
  echo "Training needs Debian's PyTorch: apt-get install -y python3-torch python3-onnx libopenblas0-pthread dataset-fashion-mnist" >&2
  exit 1
}
"$python" -u "$script" "${variant[@]}" --out "$out" "$@"
bash scripts/with-node.sh bash scripts/setup.sh
MODEL_DIR="$out" bash scripts/with-node.sh npx vitest run tests/unit/model-golden.test.ts
