"""Reads a shipped model's weights back from its ONNX file into the PyTorch module that exported it, so
the golden tensors, samples and card can be rewritten without training again (--from-shipped).

Tensors the export kept are named as in the module's state_dict. The export folded every batch norm into
the convolution before it: those weights are anonymous (onnx::Conv_N) and come in the graph's order, which
is the order the convolutions ran in. Each such convolution gets the folded weight, and its batch norm
becomes an exact identity plus the folded bias. A linear layer applied to a sequence exports as a MatMul
with its weight transposed and anonymous (onnx::MatMul_N), again in the order the layers ran; a named weight
that is also used transposed (tied embeddings) leaves an anonymous copy that is only checked to be equal. A weight the
graph returns as an output (a folded constant behind an Identity) is no weight to load."""
import json
import os

import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper


def _execution_order(module, example):
    """The Conv2d and the Linear modules, each in the order they run on `example`, and the BatchNorm2d
    applied directly to each convolution's output."""
    convs, linears, outputs, bn_of = [], [], {}, {}

    def on_conv(m, inp, out):
        convs.append(m)
        outputs[id(out)] = m

    def on_linear(m, inp, out):
        linears.append(m)

    def on_bn(m, inp, out):
        if id(inp[0]) in outputs:
            bn_of[outputs[id(inp[0])]] = m

    hooks = [m.register_forward_hook(on_conv) for m in module.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(on_bn) for m in module.modules() if isinstance(m, nn.BatchNorm2d)]
    hooks += [m.register_forward_hook(on_linear) for m in module.modules() if isinstance(m, nn.Linear)]
    module.eval()
    module(*example)
    for h in hooks:
        h.remove()
    return convs, linears, bn_of


@torch.no_grad()
def restore(out_dir, module, example, file="model.onnx"):
    """Loads out_dir/file's weights into `module` (which exported it, run here on the `example` inputs
    tuple); fails unless every tensor of the module and every weight of the file is accounted for.
    Returns the shipped card.json."""
    path = os.path.join(out_dir, file)
    graph = onnx.load(path).graph
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    state = module.state_dict()
    names = {id(t): k for k, t in [*module.named_parameters(), *module.named_buffers()]}
    loaded = set()

    def put(key, value):
        if state[key].shape != value.shape:
            raise SystemExit(f"{path}: {key} is {tuple(value.shape)} in the file, {tuple(state[key].shape)} in the module")
        state[key].copy_(value)
        loaded.add(key)

    for name, value in weights.items():
        if name in state:
            put(name, value)
    folded = [n.input[1:] for n in graph.node if n.op_type == "Conv" and n.input[1] not in state]
    transposed = [n.input[1] for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights and n.input[1] not in state]
    returned = {n.input[0] for n in graph.node if n.op_type == "Identity" and n.input[0] in weights}
    # A weight used twice, once as itself and once transposed (BERT's token embeddings as its output layer):
    # the transposed copy is anonymous but equal to a named weight, and is no layer of its own.
    tied = {w for w in transposed if any(weights[k].dim() == 2 and weights[k].shape == weights[w].t().shape
                                         and torch.equal(weights[k], weights[w].t()) for k in loaded)}
    transposed = [w for w in transposed if w not in tied]
    convs, linears, bn_of = _execution_order(module, example)
    linears = [m for m in linears if names[id(m.weight)] not in loaded]
    if len(linears) != len(transposed):
        raise SystemExit(f"{path}: {len(transposed)} MatMul weights without a name, {len(linears)} linear layers left in the module")
    for linear, w in zip(linears, transposed):
        put(names[id(linear.weight)], weights[w].t())
    convs = [c for c in convs if names[id(c.weight)] not in loaded]
    if len(convs) != len(folded):
        raise SystemExit(f"{path}: {len(folded)} convolutions with folded weights, {len(convs)} left in the module")
    for conv, (w, b) in zip(convs, folded):
        put(names[id(conv.weight)], weights[w])
        bn = bn_of.get(conv)
        if bn is not None:
            # (x - 0) / sqrt(1 + 0) * 1 + bias: exactly x + bias.
            put(names[id(bn.weight)], torch.ones_like(bn.weight))
            put(names[id(bn.bias)], weights[b])
            put(names[id(bn.running_mean)], torch.zeros_like(bn.running_mean))
            put(names[id(bn.running_var)], torch.ones_like(bn.running_var))
            bn.eps = 0.0
        else:
            put(names[id(conv.bias)], weights[b])
    missing = [k for k in state if k not in loaded and not k.endswith("num_batches_tracked")]
    used = set(weights) & set(state) | {x for pair in folded for x in pair} | set(transposed) | tied | returned
    if missing or set(weights) - used:
        raise SystemExit(f"{path}: module tensors not in the file {missing}, file weights not used {sorted(set(weights) - used)}")
    with open(os.path.join(out_dir, "card.json"), encoding="utf-8") as f:
        return json.load(f)


def check_unchanged(shipped, card, paths):
    """Fails unless the rewritten card records what the shipped card did at every path (a tuple of keys):
    the numbers measured from the weights must come out the same from the weights read back."""
    for path in paths:
        old, new = shipped, card
        for key in path:
            old, new = old[key], new[key]
        if old != new:
            raise SystemExit(f"{card['slug']}: {'.'.join(path)} was {old}, is now {new}")
    print(f"{card['slug']}: unchanged from the shipped card: {', '.join('.'.join(p) for p in paths)}")
