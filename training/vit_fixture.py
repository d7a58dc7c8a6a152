"""Writes tests/fixtures/vit.json: what the ViT widget's maths (src/lib/vision) must compute, worked out
independently with torch from the shipped model's files, so tests/unit/vision.test.ts can check it.

    /usr/bin/python3 training/vit_fixture.py                          # from public/models/vit
    /usr/bin/python3 training/vit_fixture.py --model-dir /tmp/vit     # from a smoke build

For the first golden case: its sample's patches (torch's unfold of the pixels / 255), attention rollout
(Abnar & Zuidema, 2020) of the golden attention weights as stored (float16, decoded with common/golden.py,
all maths in float64) in full and through each layer, the mean of the heads' class-token rows, and the
cosine similarity of the patches' position embeddings (rows 1..49 of pos). No model is run. The fixture
records golden.json's sha256, so after a retraining the test fails until this script is run again.
"""
import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.golden import stored_values  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "vit.json")
DIGITS = 7  # significant digits kept: far below the test's 1e-5


def decoded(entry):
    """An output golden.json stores whole, as a float64 tensor of its shape."""
    if "data" not in entry:
        raise SystemExit(f"output of shape {entry['shape']} is stored only at sample points; the fixture needs it whole")
    _, val = stored_values(entry)
    return torch.from_numpy(val).reshape(entry["shape"])


def rollout(layers):
    """R = Â_L ... Â_1, Â = rows renormalised of 0.5 * (mean over heads) + 0.5 * I; one (heads, N, N) per layer."""
    n = layers[0].shape[-1] if layers else 0
    r = torch.eye(n, dtype=torch.float64)
    for a in layers:
        a = 0.5 * a.mean(dim=0) + 0.5 * torch.eye(n, dtype=torch.float64)
        r = (a / a.sum(dim=-1, keepdim=True)) @ r
    return r


def rounded(t):
    return [float(f"{v:.{DIGITS}g}") for v in t.detach().reshape(-1).tolist()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default=os.path.join(ROOT, "public", "models", "vit"))
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()

    def read(name):
        with open(os.path.join(args.model_dir, name), "rb") as f:
            return f.read()

    card, samples, raw = json.loads(read("card.json")), json.loads(read("samples.json")), read("golden.json")
    golden = json.loads(raw)
    t = card["training"]
    size, patch, depth, heads, tokens = samples["width"], t["patch"], t["depth"], t["heads"], t["tokens"]
    assert samples["height"] == size and size % patch == 0 and tokens == 1 + (size // patch) ** 2

    first = golden["cases"][0]
    sample = next(s for s in samples["samples"] if s["id"] == first["sample"])
    pixels = torch.from_numpy(np.frombuffer(base64.b64decode(sample["pixels"]), np.uint8).astype(np.float64) / 255)
    # (1, 1, H, W) -> (1, patch * patch, count) -> (count, patch * patch): patches in reading order, each row-major
    patches = F.unfold(pixels.reshape(1, 1, size, size), kernel_size=patch, stride=patch)[0].T

    attn = [decoded(first["outputs"][f"attn{i}"])[0] for i in range(depth)]          # (heads, N, N) each
    assert all(a.shape == (heads, tokens, tokens) for a in attn)
    full = rollout(attn)
    through = [rollout(attn[:k])[0, 1:] for k in range(1, depth + 1)]
    pos = decoded(first["outputs"]["pos"])[1:]                                          # the patches' rows
    similarity = F.cosine_similarity(pos[:, None, :], pos[None, :, :], dim=-1)

    fixture = {
        "about": "Written by training/vit_fixture.py from the shipped ViT's samples.json and golden.json (torch, float64); "
                 "src/lib/vision must compute the same within 1e-5. All arrays flat, row-major. Class rows hold the "
                 "keys 1..tokens-1 (the patches).",
        "golden_sha256": hashlib.sha256(raw).hexdigest(),
        "sample": first["sample"],
        "size": size, "patch": patch, "tokens": tokens, "heads": heads, "depth": depth,
        "patches": rounded(patches),
        "head_mean_class_rows": [rounded(a.mean(dim=0)[0, 1:]) for a in attn],
        "rollout": rounded(full),
        "rollout_class_row": rounded(full[0, 1:]),
        "rollout_class_rows_through": rounded(torch.stack(through)),
        "position_similarity": rounded(similarity),
    }
    # One line a field: small in git, still readable.
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'), ensure_ascii=False)}"
                                   for k, v in fixture.items()) + "\n}\n")
    print(f"wrote {os.path.normpath(args.out)} from {os.path.normpath(args.model_dir)} ({first['sample']})")


if __name__ == "__main__":
    main()
