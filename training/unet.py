"""UNet (Ronneberger, Fischer & Brox, 2015), scaled down, segmenting synthetic Fashion-MNIST scenes.

    /usr/bin/python3 training/unet.py --model unet          # -> public/models/unet/
    /usr/bin/python3 training/unet.py --model unet-noskip   # the same net without skip connections
    /usr/bin/python3 training/unet.py --model unet --smoke --out /tmp/unet   # a few steps, for CI
    /usr/bin/python3 training/unet.py --model unet --from-shipped   # rewrite card and goldens from the shipped weights

What is kept from the paper: the U of four down steps (2x2 max-pool, then two 3x3 conv-ReLU) and four up
steps (upsample x2, concatenate the encoder map of the same size, two 3x3 conv-ReLU), and a 1x1 output
conv. What is changed: batch norm after every conv and "same" padding (so no cropping), bilinear
upsampling instead of up-convolution, channel widths 16-128 instead of 64-1024, and 96x96 grey scenes
of 11 classes (background + 10 garments) instead of 572x572 microscope tiles of cells and border.
Scenes are made by common/scenes.py: training scenes from the training split's garments less a validation
slice, validation scenes from that slice only, held-out scenes only from the test split's. The script logs
and chooses its checkpoint on the validation scenes and scores the held-out scenes once, at the end.
"""
import copy
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.data import FASHION_LABELS, FASHION_SOURCE, fashion_mnist  # noqa: E402
from common.export import write_json  # noqa: E402
from common.golden import b64  # noqa: E402
from common.loop import format_row, one_cycle, set_seed  # noqa: E402
from common.receptive import Field  # noqa: E402
from common.restore import check_unchanged, restore  # noqa: E402
from common.scenes import RECIPE, make_scenes  # noqa: E402
from common.ship import Graph, Input, Output, arguments, ship  # noqa: E402

# ---- config: every default here produced the shipped models --------------------------------------------
SEED = 1234
TRAIN_SCENES = 24000
VAL_GARMENTS = 6000      # training-split garments kept out of the training scenes for validation
VAL_SCENES = 500         # scenes from those garments: logged every epoch, they choose the checkpoint
HELD_OUT = 1000          # scenes from test-split garments, scored once after training, for the metrics
EPOCHS = 5
BATCH = 32
LR = 3e-3                # peak of the one-cycle schedule
WEIGHT_DECAY = 1e-4
WIDTHS = (16, 32, 64, 128, 128)
N_ITEMS = 4              # test garments of each class shipped for the widget's scene builder
N_SCENES = 8             # held-out scenes shipped with their label maps (the first 3 carry golden tensors)
HERE = os.path.dirname(os.path.abspath(__file__))
CHECKPOINTS = os.path.join(HERE, "checkpoints")
CLASSES = 11
VARIANTS = ["unet", "unet-noskip"]   # the shipped models this script makes (scripts/models.sh reads this)


# region model
class DoubleConv(nn.Module):
    """The unit of every level of the U: (3x3 conv -> batch norm -> ReLU) twice."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))

    def forward(self, x):
        return self.body(x)


class Up(nn.Module):
    """Doubles the resolution, then (with skips) concatenates the encoder map of the same size, so the
    decoder sees both what the deep layers recognised and where the fine edges were."""

    def __init__(self, c_low, c_skip, c_out, skip):
        super().__init__()
        self.skip = skip
        self.conv = DoubleConv(c_low + (c_skip if skip else 0), c_out)

    def forward(self, x, encoder_map):
        up = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        cat = torch.cat([encoder_map, up], dim=1) if self.skip else up
        return self.conv(cat), (up, cat)


class UNet(nn.Module):
    def __init__(self, widths=WIDTHS, classes=CLASSES, skip=True):
        super().__init__()
        w = widths
        self.inc = DoubleConv(1, w[0])
        self.downs = nn.ModuleList(DoubleConv(w[i], w[i + 1]) for i in range(4))
        # Each up step ends one level higher with that level's width, except the last, which keeps w[0]
        # (the original halves the width on the way up in the same way).
        low, out = (w[4], w[2], w[1], w[0]), (w[2], w[1], w[0], w[0])
        self.ups = nn.ModuleList(Up(low[i], w[3 - i], out[i], skip) for i in range(4))
        self.outc = nn.Conv2d(w[0], classes, 1)

    def forward(self, x):
        # x: (B, 1, 96, 96). Encoder levels: 16x96², 32x48², 64x24², 128x12², bottleneck 128x6².
        enc = [self.inc(x)]
        for down in self.downs:
            enc.append(down(F.max_pool2d(enc[-1], 2)))
        x, taps = enc[-1], []
        for up, encoder_map in zip(self.ups, reversed(enc[:-1])):
            x, (upsampled, cat) = up(x, encoder_map)
            taps.append((upsampled, cat, x))
        return self.outc(x), enc, taps
# endregion model


class Exported(nn.Module):
    """Class probabilities, the class map, and every level of the U: the four encoder levels, the
    bottleneck, and per decoder level the upsampled map, the concatenation (with skips) and the output."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        logits, enc, taps = self.net(x)
        probs = F.softmax(logits, dim=1)
        # int64, as ArgMax makes it: a cast would run on the CPU in onnxruntime-web's WebGPU provider.
        classes = probs.argmax(dim=1)
        dec = [t for up, cat, out in taps for t in ((up, cat, out) if self.net.ups[0].skip else (up, out))]
        return (probs, classes, *enc, *dec)


def receptive_fields(net, side=RECIPE["size"]):
    """The scene window of every unit of each tapped map, by name, in scene pixels: forward()'s path."""
    double = lambda f: f.conv(3, 1, 1).conv(3, 1, 1)   # DoubleConv: two 3x3 convs, padding 1
    enc = [double(Field.image(side))]
    for _ in net.downs:
        enc.append(double(enc[-1].conv(2, 2)))          # 2x2 max-pool, then DoubleConv
    fields = {**{f"enc{i}": f for i, f in enumerate(enc[:4], 1)}, "bottleneck": enc[4]}
    x = enc[4]
    for level, up, encoder_map in zip((4, 3, 2, 1), net.ups, reversed(enc[:-1])):
        upsampled = x.resize(2 * len(x.starts))
        cat = encoder_map.union(upsampled) if up.skip else upsampled
        x = double(cat)
        fields.update({f"dec{level}_up": upsampled, f"dec{level}_cat": cat, f"dec{level}_out": x})
    return fields


def outputs(net):
    """Probabilities, class map, the four encoder levels, the bottleneck and every decoder level's maps,
    each map with its receptive field."""
    text = {"up": ("upsampled, before concatenation", "上采样后、拼接前"),
            "cat": ("after concatenation with the skip", "与跳跃连接拼接后"),
            "out": ("DoubleConv output", "DoubleConv 输出")}
    parts = ("up", "cat", "out") if net.ups[0].skip else ("up", "out")
    fields = receptive_fields(net)
    feature = lambda name, label: Output(name, "feature_map", label, receptive_field=fields[name].card())
    return [Output("probs", "probabilities", {"en": "class probabilities per pixel", "zh": "每个像素的类别概率"}),
            Output("classes", "mask", {"en": "class map", "zh": "类别图"}),
            *[feature(f"enc{i}", {"en": f"encoder level {i}", "zh": f"编码器第 {i} 层"}) for i in range(1, 5)],
            feature("bottleneck", {"en": "bottleneck", "zh": "瓶颈层"}),
            *[feature(f"dec{level}_{p}", {"en": f"decoder level {level}: {text[p][0]}",
                                          "zh": f"解码器第 {level} 层\uff1a{text[p][1]}"})
              for level in (4, 3, 2, 1) for p in parts]]


def scene_set(split, seed, n, part=None):
    """n scenes made only of the garments of `split` ('train' or 't10k'), or of its 'fit' or 'val' part:
    the uint8 (images, label maps) and the same as tensors (x in [0, 1], class ids). The three sets use
    disjoint garments and their own seeds."""
    items, labels = fashion_mnist(split)
    if part:
        # A fixed permutation of its own, so the slice does not depend on the torch generator's state.
        order = torch.from_numpy(np.random.default_rng(SEED).permutation(len(items)))
        chosen = order[:VAL_GARMENTS] if part == "val" else order[VAL_GARMENTS:]
        items, labels = items[chosen], labels[chosen]
    images, maps = make_scenes(seed, n, items.numpy(), labels.numpy())
    return (images, maps), (torch.from_numpy(images).float().div(255).unsqueeze(1), torch.from_numpy(maps).long())


@torch.no_grad()
def segmentation_metrics(net, x, y, batch=50):
    """Mean IoU over all classes and pixel accuracy, from one confusion matrix over every pixel of (x, y)."""
    net.eval()
    conf = torch.zeros(CLASSES, CLASSES, dtype=torch.long)
    for i in range(0, len(x), batch):
        pred = net(x[i:i + batch])[0].argmax(1)
        conf += torch.bincount(y[i:i + batch].flatten() * CLASSES + pred.flatten(), minlength=CLASSES ** 2).view(CLASSES, CLASSES)
    tp = conf.diag().float()
    iou = tp / (conf.sum(0) + conf.sum(1) - conf.diag()).float().clamp(min=1)
    return {"mean_iou": iou.mean().item(), "pixel_accuracy": (tp.sum() / conf.sum()).item(), "iou": iou.tolist()}


def scene_iou(pred, truth):
    """Mean IoU of one scene over the classes in its prediction or truth, as the widget shows it."""
    pred, truth = pred.flatten().long(), torch.from_numpy(truth).flatten().long()
    ious = [((pred == c) & (truth == c)).sum().item() / ((pred == c) | (truth == c)).sum().item()
            for c in range(CLASSES) if ((pred == c) | (truth == c)).any()]
    return sum(ious) / len(ious)


def train(net, data, val, epochs, max_steps=None, log=print):
    """AdamW with a one-cycle schedule on per-pixel cross-entropy. The validation mIoU is logged every
    epoch and the weights of the best epoch are kept: the net ends holding them."""
    x, y = data
    total = max_steps or epochs * ((len(x) + BATCH - 1) // BATCH)
    update = one_cycle(net, LR, WEIGHT_DECAY, total)
    history, step, start, best = [], 0, time.time(), None
    for epoch in range(epochs):
        net.train()
        loss_sum = seen = 0
        for idx in torch.randperm(len(x)).split(BATCH):
            if step == total:
                break
            logits = net(x[idx])[0]
            loss = F.cross_entropy(logits, y[idx])
            update(loss)
            step += 1
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
        m = segmentation_metrics(net, *val)
        row = {"epoch": epoch + 1, "loss": loss_sum / max(seen, 1), "val_mean_iou": m["mean_iou"],
               "val_pixel_accuracy": m["pixel_accuracy"], "seconds": round(time.time() - start, 1)}
        history.append(row)
        log(format_row(row))
        if best is None or m["mean_iou"] > best[0]:
            best = (m["mean_iou"], epoch + 1, copy.deepcopy(net.state_dict()))
        if step == total:
            break
    net.load_state_dict(best[2])
    return history, best[1], time.time() - start


@torch.no_grad()
def scene_samples(out, exported, held_u8, test_items):
    """Writes samples.json (the garments the widget's scene builder offers, and the first held-out scenes
    with their label maps); returns the card's samples entry with PyTorch's class-pixel counts and IoU for
    every shipped scene, and the golden cases (the first 3 scenes)."""
    images, maps = held_u8
    items_u8, items_y = test_items
    picks = sorted(i for c in range(10) for i in (items_y == c).nonzero().flatten()[:N_ITEMS].tolist())
    write_json(os.path.join(out, "samples.json"), {
        "width": 28, "height": 28, "encoding": "base64 uint8, row-major",
        "samples": [{"id": f"test-{i}", "test_index": i, "label": int(items_y[i]), "pixels": b64(items_u8[i].numpy())} for i in picks],
        "scenes": [{"id": f"scene-{i}", "pixels": b64(images[i]), "labels": b64(maps[i])} for i in range(N_SCENES)],
        "scene_size": RECIPE["size"]})
    x = torch.from_numpy(images[:N_SCENES]).float().div(255).unsqueeze(1)     # (N_SCENES, 1, 96, 96)
    exported.eval()
    predicted = [exported(x[i:i + 1])[1][0] for i in range(N_SCENES)]
    entry = {"file": "samples.json", "predictions": [],
             # Per shipped scene, the predicted pixel count of every class: a compact check on the class map.
             "class_pixels": [torch.bincount(p.flatten(), minlength=CLASSES).tolist() for p in predicted],
             "scene_mean_iou": [round(scene_iou(p, maps[i]), 6) for i, p in enumerate(predicted)]}
    return entry, [(f"scene-{i}", (x[i:i + 1],)) for i in range(3)]


def main():
    ap = arguments(__doc__, None)
    ap.add_argument("--model", choices=VARIANTS, default="unet")
    ap.add_argument("--export-only", action="store_true", help="export the checkpoint of an earlier run")
    args = ap.parse_args()
    skip = args.model == "unet"
    out = args.out or os.path.join(HERE, "..", "public", "models", args.model)
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    set_seed(SEED)
    n_train, n_val, n_held = (256, 32, 64) if args.smoke else (TRAIN_SCENES, VAL_SCENES, HELD_OUT)
    held_u8, held = scene_set("t10k", SEED + 1, n_held)
    net = UNet(skip=skip)
    exported = Exported(net)
    ckpt = os.path.join(CHECKPOINTS, f"{args.model}{'-smoke' if args.smoke else ''}.pt")
    created = None
    if args.from_shipped:
        shipped = restore(out, exported, (held[0][:1],))
        training, created = shipped["training"], shipped["created"]
    else:
        if args.export_only:
            saved = torch.load(ckpt)
            net.load_state_dict(saved["state"])
            history, chosen, seconds = saved["history"], saved["chosen_epoch"], saved["seconds"]
        else:
            # The training and validation scenes are only made when training: an export needs just the held-out ones.
            _, data = scene_set("train", SEED, n_train, part="fit")
            _, val = scene_set("train", SEED + 2, n_val, part="val")
            history, chosen, seconds = train(net, data, val, epochs=1 if args.smoke else EPOCHS, max_steps=4 if args.smoke else None)
            os.makedirs(CHECKPOINTS, exist_ok=True)
            torch.save({"state": net.state_dict(), "history": history, "chosen_epoch": chosen, "seconds": seconds}, ckpt)
        training = {"script": "training/unet.py", "skip": skip, "widths": list(WIDTHS), "epochs": len(history),
                    "batch_size": BATCH, "lr": LR, "weight_decay": WEIGHT_DECAY, "optimizer": "AdamW, one-cycle schedule",
                    "loss": "per-pixel cross-entropy", "train_scenes": n_train, "val_scenes": n_val,
                    "val_garments": VAL_GARMENTS, "chosen_epoch": chosen, "seconds": round(seconds, 1),
                    "seed": SEED, "smoke": args.smoke, "history": history}
    m = segmentation_metrics(net, *held)
    print(f"{args.model}: mean IoU {m['mean_iou']:.4f}, pixel accuracy {m['pixel_accuracy']:.4f} on {len(held[0])} held-out scenes")

    os.makedirs(out, exist_ok=True)
    samples, cases = scene_samples(out, exported, held_u8, fashion_mnist("t10k"))
    kind = {"en": "with skip connections", "zh": "带跳跃连接"} if skip else {"en": "no skip connections", "zh": "无跳跃连接"}
    preprocess = {"width": RECIPE["size"], "height": RECIPE["size"], "channels": 1, "colour": "grey",
                  "pixel_range": [0, 1], "mean": [0.0], "std": [1.0], "background": "dark",
                  "note": "pixels are scaled to [0,1]; no further normalisation"}
    card = ship(out, {
        "slug": args.model,
        "title": {"en": f"UNet ({kind['en']})", "zh": f"UNet\uff08{kind['zh']}\uff09"},
        "widget": "segmentation-explorer",
        "architecture": "UNet, scaled; batch norm, same padding, bilinear upsampling" + ("" if skip else ", skip connections removed"),
        "script": "training/unet.py",
        "labels": {lang: [{"en": "background", "zh": "背景"}[lang], *FASHION_LABELS[lang]] for lang in ("en", "zh")},
        "metrics": {"mean_iou": round(m["mean_iou"], 4), "pixel_accuracy": round(m["pixel_accuracy"], 4),
                    "held_out_scenes": len(held[0])},
        "class_iou": [round(v, 4) for v in m["iou"]],
        "scene": RECIPE,
        "samples": samples,
        "data": {**FASHION_SOURCE, "scenes": f"{training['train_scenes']} training scenes from training-split garments "
                 f"less {training['val_garments']}; {training['val_scenes']} validation scenes, which choose the epoch, from those "
                 f"{training['val_garments']}; {len(held[0])} held-out scenes from test-split garments, scored once (common/scenes.py)"},
        "training": training,
        **({"created": created} if created else {}),
    }, [Graph("model", exported, [Input("image", held[0][:1], "image", preprocess=preprocess)], outputs(net), cases)],
        export=not args.from_shipped)
    if args.from_shipped:
        check_unchanged(shipped, card, [("metrics",), ("class_iou",), ("samples", "class_pixels"), ("samples", "scene_mean_iou")])
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
