"""Everything a trained classifier leaves behind for the site: model.onnx with its activations as named
outputs, golden.json, samples.json and card.json."""
import argparse
import os
import time

import torch

from .data import FASHION_LABELS, FASHION_SOURCE
from .export import count_macs, count_params, environment, export_onnx, finish_card, golden_tensors, write_json
from .fashion import VAL_SIZE, pick_samples, write_samples

GOLDEN = 3  # shipped samples that also carry golden tensors


def arguments(doc, default_out):
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="train a few steps on a small subset to test the pipeline")
    ap.add_argument("--out", default=default_out, help="output folder for model.onnx and its card")
    return ap


def ship_classifier(out_dir, net, exported, output_names, describe_outputs, data, n_samples, card):
    """Exports `exported` (which returns probabilities first, then the taps named in output_names) and writes
    samples, golden tensors and the card. `card` holds the script's own fields (slug, title, metrics,
    training …); the rest is derived here from the model and the data."""
    x_test, test_y = data["test"]
    picks = pick_samples(test_y, n_samples)
    samples = write_samples(out_dir, data["test_u8"], test_y, picks)
    exported.eval()
    with torch.no_grad():
        probs = exported(x_test[picks])[0]
    example = x_test[picks[:1]]
    export_onnx(exported, example, os.path.join(out_dir, "model.onnx"), "image", output_names)
    with torch.no_grad():
        shapes = [list(o.shape) for o in exported(example)]
    golden = golden_tensors(exported, [(s["id"], x_test[[i]]) for s, i in zip(samples[:GOLDEN], picks)], output_names)
    write_json(os.path.join(out_dir, "golden.json"), {"tolerance": {"atol": 1e-4, "rtol": 1e-3}, "cases": golden})
    macs = count_macs(net, example)
    return finish_card(out_dir, {
        **card,
        "params": count_params(net),
        "macs": macs,
        "flops": 2 * macs,
        "inputs": [{"name": "image", "shape": list(example.shape), "dtype": "float32"}],
        "outputs": describe_outputs(shapes),
        "labels": FASHION_LABELS,
        "samples": {"file": "samples.json", "golden": "golden.json",
                    "predictions": probs.argmax(1).tolist(),
                    "confidences": [round(p, 4) for p in probs.max(1).values.tolist()]},
        "data": {**FASHION_SOURCE, "validation": f"{VAL_SIZE} images held out of the training split"},
        "training": {**card["training"], **environment()},
        "created": time.strftime("%Y-%m-%d"),
    })
