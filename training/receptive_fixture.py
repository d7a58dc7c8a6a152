"""Writes tests/fixtures/receptive-fields.json: the input window of some units of every tapped map of the
AlexNet and the UNet, found by autograd, so that tests/unit/receptive-field.test.ts can check the windows
the cards carry (worked out layer by layer by common/receptive.py) against an independent answer.

    /usr/bin/python3 training/receptive_fixture.py

A unit's window is the bounding box of the input pixels whose gradient is nonzero, over a batch of random
inputs to a net with random weights: a max-pool routes each input's gradient through one element of each
window, ReLUs cut some paths, and the batch makes up for both. The receptive field belongs to the
architecture, so seeded random weights answer for the trained ones.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alexnet  # noqa: E402
import unet  # noqa: E402
from common.export import write_json  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "receptive-fields.json")
BATCH = 48


def window(outputs, x, k, unit):
    """Rows and columns [first, past-the-end) of the input pixels that reach unit (i, j) of output k."""
    i, j = unit
    grad, = torch.autograd.grad(outputs[k][:, :, i, j].sum(), x, retain_graph=True)
    seen = grad.abs().sum(dim=(0, 1)) > 0                  # (H, W): reached in any input, any channel
    rows, cols = seen.any(1).nonzero().flatten(), seen.any(0).nonzero().flatten()
    return [int(rows[0]), int(rows[-1]) + 1], [int(cols[0]), int(cols[-1]) + 1]


def measure(exported, names, side):
    """For every named output: the windows of its first, middle and last units on the diagonal and of one
    unit off it (top right). One forward pass; each unit's gradient is taken from it."""
    exported.eval()
    x = torch.randn(BATCH, 1, side, side, requires_grad=True)
    outputs = exported(x)
    found = {}
    for k, name in names.items():
        n = outputs[k].shape[-1]
        units = sorted({(0, 0), (n // 2, n // 2), (n - 1, n - 1), (0, n - 1)})
        found[name] = [{"unit": list(u), **dict(zip(("rows", "cols"), window(outputs, x, k, u)))} for u in units]
    return found


def main():
    torch.manual_seed(0)
    fixture = {}
    net = alexnet.AlexNet()
    # Exported returns (probs, conv1 ... conv5, filters)
    fixture["alexnet"] = measure(alexnet.Exported(net), {i: f"conv{i}" for i in range(1, 6)}, 28)
    for slug, skip in (("unet", True), ("unet-noskip", False)):
        net = unet.UNet(skip=skip)
        names = [o.name for o in unet.outputs(net)]
        fixture[slug] = measure(unet.Exported(net), {k: n for k, n in enumerate(names) if k >= 2}, unet.RECIPE["size"])
    write_json(OUT, fixture)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
