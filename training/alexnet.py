"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), scaled down to train on a CPU, on Fashion-MNIST.

    /usr/bin/python3 training/alexnet.py                 # full run, writes public/models/alexnet/
    /usr/bin/python3 training/alexnet.py --smoke --out /tmp/alexnet   # a few steps, for CI
    /usr/bin/python3 training/alexnet.py --from-shipped  # rewrite card and goldens from the shipped weights

What is kept from the paper: five conv layers (11x11 stride 4, then 5x5, then three 3x3), ReLU, local
response normalisation after conv1 and conv2, three overlapping 3x3 stride-2 max-pools, three fully
connected layers with dropout. What is scaled: one grey input channel at 128x128 instead of RGB 224x224,
channel widths divided by four, 512-unit instead of 4096-unit hidden layers, 10 classes instead of 1000.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.fashion import fit_or_restore, prepare, ship_classifier  # noqa: E402
from common.receptive import Field  # noqa: E402
from common.loop import set_seed  # noqa: E402
from common.ship import Output, arguments  # noqa: E402

# ---- config: every default here produced the shipped model ------------------------------------------
SEED = 1234
EPOCHS = 14           # the card records the time taken: training.seconds, and after each epoch in training.history
BATCH = 128
LR = 2e-3             # peak of the one-cycle schedule
WEIGHT_DECAY = 5e-4   # the paper used 5e-4 too (with SGD)
N_SAMPLES = 32        # test images shipped for the widget
OUT = os.path.join(os.path.dirname(__file__), "..", "public", "models", "alexnet")
VARIANTS = ["alexnet"]  # the shipped model this script makes (scripts/models.sh reads this)


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


def receptive_fields(net, side=28):
    """The input window of every unit of each conv layer, in pixels of the 28x28 image: forward()'s path."""
    def layer(field, m):
        k, s, p = (v[0] if isinstance(v, tuple) else v for v in (m.kernel_size, m.stride, m.padding))
        return field.conv(k, s, p)
    a1 = layer(Field.image(side).resize(net.size), net.conv1)
    a2 = layer(layer(a1, net.pool), net.conv2)
    a3 = layer(layer(a2, net.pool), net.conv3)
    a4 = layer(a3, net.conv4)
    return [a1, a2, a3, a4, layer(a4, net.conv5)]


LAYER = {"en": "conv{} after ReLU", "zh": "conv{}\uff08ReLU 之后\uff09"}


def outputs(net):
    return [Output("probs", "probabilities", {"en": "class probabilities", "zh": "类别概率"}),
            *[Output(f"conv{i}", "feature_map", {k: v.format(i) for k, v in LAYER.items()}, receptive_field=f.card())
              for i, f in enumerate(receptive_fields(net), 1)],
            Output("conv1_filters", "weights", {"en": "conv1 filters (11x11)", "zh": "conv1 卷积核\uff0811×11\uff09"})]


def main():
    args = arguments(__doc__, OUT).parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    set_seed(SEED)
    data = prepare(args.smoke, N_SAMPLES)

    net = AlexNet()
    exported = Exported(net)
    fitted = fit_or_restore(args, args.out, net, exported, data, "training/alexnet.py", EPOCHS, BATCH, LR, WEIGHT_DECAY, SEED)
    ship_classifier(args, args.out, {
        "slug": "alexnet",
        "title": {"en": "AlexNet (scaled)", "zh": "AlexNet\uff08缩小版\uff09"},
        "widget": "image-classifier",
        "architecture": "AlexNet",
        "script": "training/alexnet.py",
    }, exported, data, outputs(net), N_SAMPLES, "pixels are scaled to [0,1], then (x - mean) / std; "
       "the model enlarges 28x28 to 128x128 itself", fitted)


if __name__ == "__main__":
    main()
