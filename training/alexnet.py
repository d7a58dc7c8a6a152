"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), scaled down to train on a CPU, on Fashion-MNIST.

    /usr/bin/python3 training/alexnet.py                 # full run, writes public/models/alexnet/
    /usr/bin/python3 training/alexnet.py --smoke --out /tmp/alexnet   # a few steps, for CI

What is kept from the paper: five conv layers (11x11 stride 4, then 5x5, then three 3x3), ReLU, local
response normalisation after conv1 and conv2, three overlapping 3x3 stride-2 max-pools, three fully
connected layers with dropout. What is scaled: one grey input channel at 128x128 instead of RGB 224x224,
channel widths divided by four, 512-unit instead of 4096-unit hidden layers, 10 classes instead of 1000.
"""
import argparse
import base64
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.data import FASHION_LABELS, FASHION_SOURCE, fashion_mnist  # noqa: E402
from common.export import (count_macs, count_params, environment, export_onnx, finish_card,  # noqa: E402
                           golden_tensors, write_json)
from common.loop import evaluate, normalise, set_seed, train_classifier  # noqa: E402

# ---- config: every default here produced the shipped model ------------------------------------------
SEED = 1234
EPOCHS = 14           # about 1.2 minutes an epoch on 2 CPU cores
BATCH = 128
LR = 2e-3             # peak of the one-cycle schedule
WEIGHT_DECAY = 5e-4   # the paper used 5e-4 too (with SGD)
VAL_SIZE = 5000       # taken from the training split to watch over-fitting; the test set is never seen
N_SAMPLES = 32        # test images shipped for the widget
GOLDEN = 3            # of those, how many carry golden tensors
OUT = os.path.join(os.path.dirname(__file__), "..", "public", "models", "alexnet")


# region model
class LocalResponseNorm(nn.Module):
    """Section 3.3 of the paper: divide each activation by the energy of its n neighbouring channels,
        b[c] = a[c] / (k + alpha/n * sum_{|c'-c| <= n//2} a[c']^2) ** beta.
    The channel sum is a 1x1 convolution with a fixed band matrix, which exports to plain ONNX ops
    that every onnxruntime backend runs (torch's own LRN exports to a 3-D pooling that some do not)."""

    def __init__(self, channels, size=5, alpha=1e-4, beta=0.75, k=2.0):
        super().__init__()
        c = torch.arange(channels)
        band = ((c[:, None] - c[None, :]).abs() <= size // 2).float() / size
        self.register_buffer("band", band[:, :, None, None])  # (C, C, 1, 1), not a parameter
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, x):
        energy = F.conv2d(x * x, self.band)           # mean of a^2 over the channel window
        return x / (self.k + self.alpha * energy) ** self.beta


class AlexNet(nn.Module):
    def __init__(self, num_classes=10, widths=(24, 64, 96, 96, 64), hidden=512, size=128, dropout=0.5):
        super().__init__()
        c1, c2, c3, c4, c5 = widths
        self.size = size
        self.conv1 = nn.Conv2d(1, c1, kernel_size=11, stride=4, padding=2)    # (B, 24, 31, 31)
        self.norm1 = LocalResponseNorm(c1)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5, padding=2)              # (B, 64, 15, 15)
        self.norm2 = LocalResponseNorm(c2)
        self.conv3 = nn.Conv2d(c2, c3, kernel_size=3, padding=1)              # (B, 96, 7, 7)
        self.conv4 = nn.Conv2d(c3, c4, kernel_size=3, padding=1)              # (B, 96, 7, 7)
        self.conv5 = nn.Conv2d(c4, c5, kernel_size=3, padding=1)              # (B, 64, 7, 7)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2)                     # overlapping: 3 > 2
        self.classifier = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(c5 * 3 * 3, hidden), nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        # x: (B, 1, 28, 28) normalised grey image; enlarged so the 11x11 stride-4 filters have room
        x = F.interpolate(x, size=(self.size, self.size), mode="bilinear", align_corners=False)
        a1 = F.relu(self.conv1(x))                    # (B, 24, 31, 31)
        a2 = F.relu(self.conv2(self.pool(self.norm1(a1))))   # (B, 64, 15, 15)
        a3 = F.relu(self.conv3(self.pool(self.norm2(a2))))   # (B, 96, 7, 7)
        a4 = F.relu(self.conv4(a3))                   # (B, 96, 7, 7)
        a5 = F.relu(self.conv5(a4))                   # (B, 64, 7, 7)
        logits = self.classifier(self.pool(a5).flatten(1))   # (B, 64*3*3) -> (B, 10)
        return logits, [a1, a2, a3, a4, a5]
# endregion model


class Exported(nn.Module):
    """What the browser runs: class probabilities, every conv layer's activations, and conv1's filters."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        logits, taps = self.net(x)
        return (F.softmax(logits, dim=1), *taps, self.net.conv1.weight * 1.0)


OUTPUTS = ["probs", "conv1", "conv2", "conv3", "conv4", "conv5", "conv1_filters"]


def describe_outputs(shapes):
    layer = {"en": "conv{} after ReLU", "zh": "conv{}(ReLU 之后)"}
    out = [{"name": "probs", "shape": shapes[0], "kind": "probabilities",
            "label": {"en": "class probabilities", "zh": "类别概率"}}]
    for i in range(1, 6):
        out.append({"name": f"conv{i}", "shape": shapes[i], "kind": "feature_map",
                    "label": {k: v.format(i) for k, v in layer.items()}})
    out.append({"name": "conv1_filters", "shape": shapes[6], "kind": "weights",
                "label": {"en": "conv1 filters (11x11)", "zh": "conv1 卷积核(11×11)"}})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="train 20 steps on 1,024 images to test the pipeline")
    ap.add_argument("--out", default=OUT, help="output folder for model.onnx, card.json, samples.json")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    set_seed(SEED)
    os.makedirs(args.out, exist_ok=True)

    train_u8, train_y = fashion_mnist("train")
    test_u8, test_y = fashion_mnist("t10k")
    # Rounded before use so the browser, which reads them from the card, does exactly the same arithmetic.
    mean = round((train_u8.float() / 255).mean().item(), 6)
    std = round((train_u8.float() / 255).std().item(), 6)
    perm = torch.randperm(len(train_u8))
    val_idx, fit_idx = perm[:VAL_SIZE], perm[VAL_SIZE:]
    if args.smoke:
        fit_idx, val_idx = fit_idx[:1024], val_idx[:256]
        test_u8, test_y = test_u8[:N_SAMPLES * 8], test_y[:N_SAMPLES * 8]
    x_fit, x_val, x_test = (normalise(t, mean, std) for t in (train_u8[fit_idx], train_u8[val_idx], test_u8))

    net = AlexNet()
    history, seconds = train_classifier(net, (x_fit, train_y[fit_idx]), (x_val, train_y[val_idx]),
                                        epochs=1 if args.smoke else EPOCHS, batch_size=BATCH, lr=LR,
                                        weight_decay=WEIGHT_DECAY, max_steps=20 if args.smoke else None)
    test_acc, test_pred = evaluate(net, x_test, test_y)
    print(f"test accuracy {test_acc:.4f} on {len(test_y)} images")

    # Shipped samples: the first N_SAMPLES // 10 + 1 test images of each class, in test-set order.
    picks = []
    for c in range(10):
        picks += (test_y == c).nonzero().flatten()[: N_SAMPLES // 10 + 1].tolist()
    picks = sorted(picks)[:N_SAMPLES]
    export = Exported(net).eval()
    with torch.no_grad():
        probs = export(x_test[picks])[0]
    samples = [{"id": f"test-{i}", "test_index": i, "label": int(test_y[i]),
                "pixels": base64.b64encode(test_u8[i].numpy().tobytes()).decode()} for i in picks]
    write_json(os.path.join(args.out, "samples.json"),
               {"width": 28, "height": 28, "encoding": "base64 uint8, row-major", "samples": samples})

    example = x_test[picks[:1]]
    export_onnx(export, example, os.path.join(args.out, "model.onnx"), "image", OUTPUTS)
    with torch.no_grad():
        shapes = [list(o.shape) for o in export(example)]
    golden = golden_tensors(export, [(s["id"], x_test[[i]]) for s, i in zip(samples[:GOLDEN], picks)], OUTPUTS)
    write_json(os.path.join(args.out, "golden.json"), {"tolerance": {"atol": 1e-4, "rtol": 1e-3}, "cases": golden})

    macs = count_macs(net, example)
    finish_card(args.out, {
        "slug": "alexnet",
        "title": {"en": "AlexNet (scaled)", "zh": "AlexNet(缩小版)"},
        "architecture": "AlexNet",
        "script": "training/alexnet.py",
        "params": count_params(net),
        "macs": macs,
        "flops": 2 * macs,
        "preprocess": {
            "width": 28, "height": 28, "channels": 1, "colour": "grey",
            "pixel_range": [0, 1], "mean": [mean], "std": [std],
            "background": "dark",
            "note": "pixels are scaled to [0,1], then (x - mean) / std; the model enlarges 28x28 to 128x128 itself",
        },
        "inputs": [{"name": "image", "shape": list(example.shape), "dtype": "float32"}],
        "outputs": describe_outputs(shapes),
        "labels": FASHION_LABELS,
        "metrics": {"test_accuracy": round(test_acc, 4), "test_size": len(test_y)},
        "samples": {"file": "samples.json", "golden": "golden.json",
                    "predictions": probs.argmax(1).tolist(),
                    "confidences": [round(p, 4) for p in probs.max(1).values.tolist()]},
        "data": {**FASHION_SOURCE, "validation": f"{VAL_SIZE} images held out of the training split"},
        "training": {"script": "training/alexnet.py", "epochs": len(history), "batch_size": BATCH, "lr": LR,
                     "weight_decay": WEIGHT_DECAY, "optimizer": "AdamW, one-cycle schedule",
                     "augmentation": "random horizontal flip, random shift up to 2 px",
                     "seconds": round(seconds, 1), "seed": SEED, "smoke": args.smoke,
                     "history": history, **environment()},
        "created": time.strftime("%Y-%m-%d"),
    })
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
