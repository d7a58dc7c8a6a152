"""ResNet (He, Zhang, Ren & Sun, 2015) in the paper's CIFAR form, and its plain twin, on Fashion-MNIST.

    /usr/bin/python3 training/resnet.py --model resnet         # 20-layer residual net -> public/models/resnet/
    /usr/bin/python3 training/resnet.py --model resnet-plain   # the same 20 layers without shortcuts
    /usr/bin/python3 training/resnet.py --depth 8 --log-only   # an 8-layer run for the degradation chart only (also 44)
    /usr/bin/python3 training/resnet.py --model resnet --smoke --out /tmp/resnet   # a few steps, for CI
    /usr/bin/python3 training/resnet.py --model resnet --from-shipped   # rewrite card and goldens from the shipped weights

Depth 6n+2: a 3x3 stem conv, three stages of n basic blocks with 16, 32 and 64 channels (the second and
third halve the resolution), global average pooling and one fully connected layer. Shortcuts are the
paper's option A (identity, with stride-2 subsampling and zero channels where the shape changes), so a
residual net and its plain twin have exactly the same parameters: only the "+ x" differs.
Every run logs training and test error per epoch to training/logs/ for the chart in the chapter.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.fashion import fit_or_restore, prepare, ship_classifier  # noqa: E402
from common.loop import set_seed  # noqa: E402
from common.ship import Output, arguments  # noqa: E402

# ---- config: every default here produced the shipped models --------------------------------------------
SEED = 1234
DEPTH = 20            # 6n + 2 layers with weights
EPOCHS = 14
BATCH = 128
LR = 4e-3             # peak of the one-cycle schedule
WEIGHT_DECAY = 1e-4   # the paper's value
N_SAMPLES = 32
HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "logs")
VARIANTS = ["resnet", "resnet-plain"]   # the shipped models this script makes (scripts/models.sh reads this)


# region model
class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers. With `residual`, the block learns F(x) and outputs relu(F(x) + x);
    without, it is the plain stack relu(F(x)) the paper compares against."""

    def __init__(self, c_in, c_out, stride, residual):
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.stride, self.extra = stride, c_out - c_in

    def shortcut(self, x):
        # Option A: keep x itself; where the block halves the size, take every second pixel and append
        # zero channels. No parameters, so the plain twin is the same network minus the addition.
        if self.stride == 1 and self.extra == 0:
            return x
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.extra))

    def forward(self, x):
        f = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))   # F(x), the residual branch
        s = self.shortcut(x)
        out = F.relu(f + s) if self.residual else F.relu(f)
        return out, (s, f, out)


class ResNet(nn.Module):
    def __init__(self, depth=20, residual=True, widths=(16, 32, 64), num_classes=10):
        super().__init__()
        assert (depth - 2) % 6 == 0, "depth must be 6n + 2"
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]))
        blocks, c_in = [], widths[0]
        for stage, c_out in enumerate(widths):
            for i in range(n):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(c_in, c_out, stride, residual))
                c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x):
        # x: (B, 1, 28, 28) -> stem (B, 16, 28, 28) -> stages (16, 28²), (32, 14²), (64, 7²)
        x = F.relu(self.stem(x))
        taps = []
        for block in self.blocks:
            x, tap = block(x)
            taps.append(tap)
        logits = self.fc(x.mean(dim=(2, 3)))    # global average pooling -> (B, 64) -> (B, 10)
        return logits, taps
# endregion model


class Exported(nn.Module):
    """Probabilities; per block the shortcut x, the branch F(x) and the block output; and per block the
    ratio |F(x)| / |x| (root-mean-square), so the widget can chart every block without fetching its maps."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        logits, taps = self.net(x)
        rms = lambda t: t.pow(2).mean(dim=(1, 2, 3)).sqrt()  # noqa: E731
        ratios = torch.stack([rms(f) / (rms(s) + 1e-6) for s, f, _ in taps], dim=1)
        return (F.softmax(logits, dim=1), ratios, *[t for tap in taps for t in tap])


def outputs(n_blocks):
    parts = {"x": ("shortcut x", "捷径 x"), "fx": ("residual branch F(x)", "残差分支 F(x)"), "out": ("block output", "块输出")}
    return [Output("probs", "probabilities", {"en": "class probabilities", "zh": "类别概率"}),
            Output("ratios", "block_ratios", {"en": "|F(x)| / |x| per block (RMS)", "zh": "各块的 |F(x)| / |x|\uff08均方根\uff09"}),
            *[Output(f"block{i}_{part}", "feature_map", {"en": f"block {i + 1}: {en}", "zh": f"第 {i + 1} 块\uff1a{zh}"})
              for i in range(n_blocks) for part, (en, zh) in parts.items()]]


def main():
    ap = arguments(__doc__, None)
    ap.add_argument("--model", choices=VARIANTS, default="resnet")
    ap.add_argument("--depth", type=int, default=DEPTH)
    ap.add_argument("--log-only", action="store_true", help="train and log for the chart; export nothing")
    args = ap.parse_args()
    plain = args.model == "resnet-plain"
    run_name = f"{'plain' if plain else 'resnet'}-{args.depth}"
    out = args.out or os.path.join(HERE, "..", "public", "models", args.model)
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    set_seed(SEED)
    data = prepare(args.smoke, N_SAMPLES)

    net = ResNet(args.depth, residual=not plain)
    exported = Exported(net)
    fitted = fit_or_restore(args, out, net, exported, data, "training/resnet.py", EPOCHS, BATCH, LR, WEIGHT_DECAY, SEED,
                            {"depth": args.depth, "residual": not plain}, evals=("val", "test"))
    if not args.smoke and not args.from_shipped:
        os.makedirs(LOGS, exist_ok=True)
        with open(os.path.join(LOGS, f"{run_name}.json"), "w") as f:
            json.dump({"run": run_name, "test_accuracy": fitted.test_acc, **fitted.training}, f, indent=1)
    if args.log_only:
        return

    kind = {"en": "plain twin, no shortcuts", "zh": "无捷径的普通网络"} if plain else {"en": "residual", "zh": "残差网络"}
    ship_classifier(args, out, {
        "slug": args.model,
        "title": {"en": f"ResNet-{args.depth} ({kind['en']})", "zh": f"ResNet-{args.depth}\uff08{kind['zh']}\uff09"},
        "widget": "residual-explorer",
        "architecture": "ResNet (CIFAR form, option A shortcuts)" + (", shortcuts removed" if plain else ""),
        "script": "training/resnet.py",
    }, exported, data, outputs(len(net.blocks)), N_SAMPLES, "pixels are scaled to [0,1], then (x - mean) / std", fitted)


if __name__ == "__main__":
    main()
