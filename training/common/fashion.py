"""Fashion-MNIST prepared the same way for every classifier: normalised with the training set's own
statistics, a validation split held out of the training set, and the test images shipped to the widget."""
import os

import torch

from .data import FASHION_SOURCE, fashion_mnist
from .export import write_json
from .golden import b64
from .loop import normalise

VAL_SIZE = 5000  # taken from the training split to watch over-fitting; the test set is never trained on
GOLDEN = 3       # shipped samples that also carry golden tensors
DATA_CARD = {**FASHION_SOURCE, "validation": f"{VAL_SIZE} images held out of the training split"}


def prepare(smoke=False, n_samples=32):
    """Call right after set_seed: the validation split is the first draw of the random generator."""
    train_u8, train_y = fashion_mnist("train")
    test_u8, test_y = fashion_mnist("t10k")
    # Rounded before use so the browser, which reads them from the card, does exactly the same arithmetic.
    mean = round((train_u8.float() / 255).mean().item(), 6)
    std = round((train_u8.float() / 255).std().item(), 6)
    perm = torch.randperm(len(train_u8))
    val_idx, fit_idx = perm[:VAL_SIZE], perm[VAL_SIZE:]
    if smoke:
        fit_idx, val_idx = fit_idx[:1024], val_idx[:256]
        test_u8, test_y = test_u8[:n_samples * 8], test_y[:n_samples * 8]
    return {
        "mean": mean, "std": std,
        "fit": (normalise(train_u8[fit_idx], mean, std), train_y[fit_idx]),
        "val": (normalise(train_u8[val_idx], mean, std), train_y[val_idx]),
        "test": (normalise(test_u8, mean, std), test_y),
        "test_u8": test_u8,
    }


def pick_samples(test_y, n):
    """The first n // 10 + 1 test images of each class, in test-set order, cut to n."""
    picks = []
    for c in range(10):
        picks += (test_y == c).nonzero().flatten()[: n // 10 + 1].tolist()
    return sorted(picks)[:n]


def write_samples(out_dir, test_u8, test_y, picks):
    samples = [{"id": f"test-{i}", "test_index": i, "label": int(test_y[i]),
                "pixels": b64(test_u8[i].numpy())} for i in picks]
    write_json(os.path.join(out_dir, "samples.json"),
               {"width": 28, "height": 28, "encoding": "base64 uint8, row-major", "samples": samples})
    return samples


def preprocess_card(mean, std, note):
    return {"width": 28, "height": 28, "channels": 1, "colour": "grey", "pixel_range": [0, 1],
            "mean": [mean], "std": [std], "background": "dark", "note": note}


@torch.no_grad()
def classifier_samples(out_dir, exported, data, n):
    """Writes samples.json (the first test images of each class); returns the card's samples entry with
    PyTorch's predictions for them, and the golden cases (the first GOLDEN samples). `exported` returns
    the class probabilities first."""
    x_test, test_y = data["test"]
    picks = pick_samples(test_y, n)
    samples = write_samples(out_dir, data["test_u8"], test_y, picks)
    exported.eval()
    probs = exported(x_test[picks])[0]
    entry = {"file": "samples.json", "predictions": probs.argmax(1).tolist(),
             "confidences": [round(p, 4) for p in probs.max(1).values.tolist()]}
    return entry, [(s["id"], (x_test[[i]],)) for s, i in zip(samples[:GOLDEN], picks)]
