"""ONNX export, golden tensors and the model card.

The card (card.json) is the model's contract with the site: shapes, output meanings, labels, preprocessing
and the numbers this script measured. The golden tensors let onnxruntime-node and the browser prove they
compute what PyTorch computed."""
import hashlib
import json
import os
import platform

import onnx
import torch
import torch.nn as nn

OPSET = 17  # the highest opset torch 1.13 can write; LayerNormalization is one op from 17 on


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def count_params(model):
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_macs(model, example):
    """Multiply-accumulates of one forward pass, counted for Conv2d and Linear layers (the rest is negligible)."""
    macs = []

    def conv_hook(m, inp, out):
        macs.append(out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])

    def linear_hook(m, inp, out):
        macs.append(out.numel() * m.in_features)

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    model.eval()
    model(example)
    for h in hooks:
        h.remove()
    return int(sum(macs))


def export_onnx(module, example, path, input_name, output_names):
    """Traces `module` (which returns one tensor per name) to ONNX with static shapes."""
    module.eval()
    torch.onnx.export(module, (example,), path, opset_version=OPSET, input_names=[input_name],
                      output_names=output_names, do_constant_folding=True)
    model = onnx.load(path)
    for out, name in zip(model.graph.output, output_names):
        if out.name != name:
            # An output that does not depend on the input (a weight) is folded into a constant and loses
            # its name; an Identity node gives it back.
            model.graph.node.append(onnx.helper.make_node("Identity", [out.name], [name]))
            out.name = name
    onnx.checker.check_model(model)
    onnx.save(model, path)


def summarise(t, points=64):
    """A compact fingerprint of a tensor: statistics and the values at `points` evenly spaced flat indices
    (all values when the tensor is small)."""
    flat = t.detach().float().flatten()
    n = flat.numel()
    idx = list(range(n)) if n <= points * 4 else [round(i * (n - 1) / (points - 1)) for i in range(points)]
    return {
        "shape": list(t.shape),
        "mean": flat.mean().item(),
        "absmax": flat.abs().max().item(),
        "idx": idx,
        "val": [flat[i].item() for i in idx],
    }


@torch.no_grad()
def golden_tensors(module, inputs, output_names):
    """PyTorch's outputs for a few inputs: [{sample, outputs: {name: summary}}]."""
    module.eval()
    golden = []
    for sample, x in inputs:
        outs = module(x)
        golden.append({"sample": sample, "outputs": {n: summarise(o) for n, o in zip(output_names, outs)}})
    return golden


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def environment():
    return {"torch": torch.__version__, "onnx": onnx.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads()}


def finish_card(out_dir, card):
    """Adds what is derived from the exported file itself, then writes card.json."""
    model_path = os.path.join(out_dir, "model.onnx")
    card["sha256"] = sha256(model_path)
    card["bytes"] = os.path.getsize(model_path)
    write_json(os.path.join(out_dir, "card.json"), card)
    return card
