"""Golden tensors, format 2 (golden.json): for a few cases, the inputs exactly and what PyTorch computed
from them, so onnxruntime-node and the browser can prove they compute the same without any input pipeline.

An output of at most WHOLE elements is stored whole as float16; a larger one at every border element (first
and last row and column of the last two axes) of every channel, plus POINTS evenly spaced elements, so an
error confined to one edge or one channel is still seen. Mean and absolute maximum are stored for every
output. The file holds no tolerance: each check states its own (the float16 rounding of a stored value is
2^-11 relative)."""
import base64

import numpy as np
import torch

FORMAT = 2
WHOLE = 16384
POINTS = 1024
INPUT_DTYPES = {"float32": "<f4", "int64": "<i8", "int32": "<i4", "bool": "u1"}  # bool travels as uint8
TOLERANCE = {"atol": 1e-4, "rtol": 2e-3}  # the TypeScript checks' constants, used by compare()


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()


def encode_input(t):
    dtype = {torch.float32: "float32", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool"}[t.dtype]
    return {"dtype": dtype, "shape": list(t.shape), "data": b64(t.detach().cpu().numpy().astype(INPUT_DTYPES[dtype]))}


def decode_input(entry):
    data = np.frombuffer(base64.b64decode(entry["data"]), INPUT_DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return torch.from_numpy(data.astype(bool) if entry["dtype"] == "bool" else data.copy())


def sample_indices(shape):
    """Flat indices of every border element of every channel, and POINTS evenly spaced ones, sorted."""
    n = int(np.prod(shape))
    h, w = (shape[-2], shape[-1]) if len(shape) >= 2 else (1, shape[-1])
    border = np.zeros((h, w), bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    per_channel = np.flatnonzero(border)
    channels = np.arange(n // (h * w)) * (h * w)
    idx = (channels[:, None] + per_channel[None, :]).ravel()
    spaced = np.round(np.arange(POINTS) * (n - 1) / (POINTS - 1)).astype(np.int64)
    return np.union1d(idx, spaced).astype(np.int32)


def encode_output(t):
    """An output as format 2 stores it: shape, mean and absmax of the float32 values, and the values as
    float16, whole or at sample_indices (integer outputs, such as a class map, are exact in float16)."""
    flat = t.detach().cpu().float().numpy().ravel()
    entry = {"shape": list(t.shape), "mean": float(flat.astype(np.float64).mean()),
             "absmax": float(np.abs(flat).max())}
    if flat.size <= WHOLE:
        entry["data"] = b64(flat.astype("<f2"))
    else:
        idx = sample_indices(list(t.shape))
        entry["idx"] = b64(idx.astype("<i4"))
        entry["val"] = b64(flat[idx].astype("<f2"))
    return entry


def stored_values(entry):
    """(flat indices, values) an output entry stores, in format 2 or in the 64-point format 1 before it."""
    if "data" in entry:
        val = np.frombuffer(base64.b64decode(entry["data"]), "<f2").astype(np.float64)
        return np.arange(val.size), val
    if isinstance(entry["idx"], list):  # format 1: JSON lists of float32 values
        return np.array(entry["idx"]), np.array(entry["val"], np.float64)
    idx = np.frombuffer(base64.b64decode(entry["idx"]), "<i4")
    return idx, np.frombuffer(base64.b64decode(entry["val"]), "<f2").astype(np.float64)


@torch.no_grad()
def run(module, inputs, output_names):
    """{output name: tensor} of `module` run on `inputs` {name: tensor}, in eval mode."""
    module.eval()
    outs = module(*inputs.values())
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    return dict(zip(output_names, outs))


def case(sample, graph, inputs, outputs):
    """One case of golden.json: `outputs` {name: tensor} computed by graph `graph` from `inputs` {name: tensor}."""
    return {"sample": sample, "graph": graph,
            "inputs": {name: encode_input(t) for name, t in inputs.items()},
            "outputs": {name: encode_output(o) for name, o in outputs.items()}}


def compare(old_cases, outputs, tolerance=TOLERANCE):
    """Compares what `old_cases` stored (values, mean, absmax) with `outputs` {(graph, sample): {name: tensor}}
    computed now in float32 (a case of the 64-point format 1 has no graph: it is "model"). Returns (max |diff|, worst |diff| / (atol + rtol |old|), where that was)."""
    max_diff, worst, where = 0.0, 0.0, None
    for old in old_cases:
        for name, entry in old["outputs"].items():
            now = outputs[old.get("graph", "model"), old["sample"]][name].detach().float().numpy().ravel().astype(np.float64)
            idx, expected = stored_values(entry)
            got = np.concatenate([now[idx], [now.mean(), np.abs(now).max()]])
            expected = np.concatenate([expected, [entry["mean"], entry["absmax"]]])
            diff = np.abs(got - expected)
            ratio = float((diff / (tolerance["atol"] + tolerance["rtol"] * np.abs(expected))).max())
            max_diff = max(max_diff, float(diff.max()))
            if ratio > worst:
                worst, where = ratio, f"{old['sample']} {name}"
    return max_diff, worst, where
