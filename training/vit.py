"""Vision Transformer (Dosovitskiy et al., 2020), small enough to train on a CPU, on Fashion-MNIST.

    /usr/bin/python3 training/vit.py                 # full run, writes public/models/vit/
    /usr/bin/python3 training/vit.py --smoke --out /tmp/vit   # a few steps, for CI
    /usr/bin/python3 training/vit.py --from-shipped  # rewrite card and goldens from the shipped weights

What is kept from the paper: the image cut into non-overlapping patches, each flattened and projected
linearly (a convolution whose stride is its kernel size), a learnable [class] token in front, learnable
1-D position embeddings added, pre-norm encoder blocks (multi-head self-attention, then an MLP with GELU,
each with a residual connection), and a linear head on the class token's final state. What is scaled:
28x28 grey images in 4x4 patches (49 patches) instead of 224x224 RGB in 16x16 patches (196), width 64
instead of 768, 6 layers instead of 12, and Fashion-MNIST's 55,000 training images instead of JFT's 300 M.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.fashion import fit_or_restore, prepare, ship_classifier  # noqa: E402
from common.loop import set_seed  # noqa: E402
from common.ship import Output, arguments  # noqa: E402

# ---- config: every default here produced the shipped model ------------------------------------------
SEED = 1234
PATCH = 4             # 28 / 4 = 7 patches a side, 49 in all
DIM = 64              # width of every token
DEPTH = 6             # encoder blocks
HEADS = 4             # 16 dimensions a head
MLP = 128             # hidden width of each block's MLP
EPOCHS = 20
BATCH = 128
LR = 2e-3             # peak of the one-cycle schedule
WEIGHT_DECAY = 5e-2   # ViTs are trained with strong weight decay (the paper: 0.1 with Adam)
SHIFT = 0             # no random shifts, only flips: with 2-px shifts this ViT learned too slowly for 20 epochs
N_SAMPLES = 32        # test images shipped for the widget
OUT = os.path.join(os.path.dirname(__file__), "..", "public", "models", "vit")
VARIANTS = ["vit"]    # the shipped model this script makes (scripts/models.sh reads this)


# region model
class Attention(nn.Module):
    """Multi-head self-attention that also returns its weights, softmax(QK^T / sqrt(d_head)), per head."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.d_head = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, self.d_head).permute(2, 0, 3, 1, 4).unbind(0)  # (B, H, N, dh)
        weights = torch.softmax(q @ k.transpose(-2, -1) / self.d_head ** 0.5, dim=-1)          # (B, H, N, N)
        out = (weights @ v).transpose(1, 2).reshape(b, n, d)                                      # heads side by side
        return self.proj(out), weights


class Block(nn.Module):
    """Pre-norm encoder block: x + MSA(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp), nn.GELU(), nn.Linear(mlp, dim))

    def forward(self, x):
        a, weights = self.attn(self.norm1(x))
        x = x + a
        return x + self.mlp(self.norm2(x)), weights


class ViT(nn.Module):
    def __init__(self, size=28, patch=4, dim=64, depth=6, heads=4, mlp=128, num_classes=10):
        super().__init__()
        n = (size // patch) ** 2
        self.patchify = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)   # = a linear map of each flat patch
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)           # position 0 is the class token's
        self.blocks = nn.ModuleList(Block(dim, heads, mlp) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        # x: (B, 1, 28, 28) -> patches (B, 64, 7, 7) -> tokens in reading order, row by row (B, 49, 64)
        patches = self.patchify(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(len(x), -1, -1), patches], dim=1) + self.pos   # (B, 50, 64)
        weights, cls = [], []
        for block in self.blocks:
            x, w = block(x)
            weights.append(w)
            cls.append(x[:, 0])
        logits = self.head(self.norm(x[:, 0]))                               # the class token alone decides
        return logits, (patches, weights, torch.stack(cls, dim=1))
# endregion model


class Exported(nn.Module):
    """What the browser runs: class probabilities, the patch embeddings, every layer's attention (all
    heads), the class token's state after each layer, and the learned position embeddings."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        logits, (patches, weights, cls) = self.net(x)
        return (F.softmax(logits, dim=1), patches, cls, self.net.pos[0] * 1.0, *weights)


def outputs(depth):
    axes = ["batch", "head", "query", "key"]
    kind = {"kind": "self", "label": {"en": "self-attention", "zh": "自注意力"}}
    return [Output("probs", "probabilities", {"en": "class probabilities", "zh": "类别概率"}),
            Output("patches", "hidden_state", {"en": "patch embeddings (before position embeddings)",
                                               "zh": "图块嵌入\uff08加位置嵌入之前\uff09"}, axes=["batch", "patch", "channel"]),
            Output("cls", "hidden_state", {"en": "class token after each layer", "zh": "每层之后的类别词元"},
                   axes=["batch", "layer", "channel"]),
            Output("pos", "weights", {"en": "learned position embeddings (class token first)",
                                      "zh": "学到的位置嵌入\uff08第一个属于类别词元\uff09"}, axes=["token", "channel"]),
            *[Output(f"attn{i}", "attention", {"en": f"layer {i + 1}: attention weights", "zh": f"第 {i + 1} 层\uff1a注意力权重"},
                     axes=axes, attention={**kind, "layer": i + 1}) for i in range(depth)]]


def main():
    args = arguments(__doc__, OUT).parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    set_seed(SEED)
    data = prepare(args.smoke, N_SAMPLES)

    net = ViT(patch=PATCH, dim=DIM, depth=DEPTH, heads=HEADS, mlp=MLP)
    exported = Exported(net)
    config = {"patch": PATCH, "dim": DIM, "depth": DEPTH, "heads": HEADS, "mlp": MLP, "tokens": 1 + (28 // PATCH) ** 2}
    fitted = fit_or_restore(args, args.out, net, exported, data, "training/vit.py", EPOCHS, BATCH, LR, WEIGHT_DECAY, SEED, config,
                            shift=SHIFT)
    ship_classifier(args, args.out, {
        "slug": "vit",
        "title": {"en": "ViT (small)", "zh": "ViT\uff08小型\uff09"},
        "widget": "vit-explorer",
        "architecture": "Vision Transformer",
        "script": "training/vit.py",
    }, exported, data, outputs(DEPTH), N_SAMPLES, "pixels are scaled to [0,1], then (x - mean) / std", fitted)


if __name__ == "__main__":
    main()
