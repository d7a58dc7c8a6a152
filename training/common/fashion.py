"""Fashion-MNIST prepared the same way for every classifier: normalised with the training set's own
statistics, a validation split held out of the training set, and the test images shipped to the widget;
and the two steps every classifier script shares, training (or reading back) and shipping."""
import os
from dataclasses import dataclass

import torch

from .data import FASHION_LABELS, FASHION_SOURCE, fashion_mnist
from .export import write_json
from .golden import b64
from .loop import evaluate, normalise, train_classifier
from .restore import check_unchanged, restore
from .ship import Graph, Input, ship

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


@dataclass
class Fitted:
    training: dict         # the card's training entry
    created: str | None    # the shipped card's date when restored; None for a new model
    shipped: dict | None   # the shipped card when restored
    test_acc: float        # on all test images


def fit_or_restore(args, out, net, exported, data, script, epochs, batch, lr, weight_decay, seed, config=None, evals=("val",), shift=2):
    """Trains `net` on the fit split with train_classifier (logging the error on `evals` after every epoch),
    or with --from-shipped reads the shipped weights back into `exported` instead. The training entry
    starts with the script's own settings (`config`)."""
    x_test, y_test = data["test"]
    shipped, created = None, None
    if args.from_shipped:
        shipped = restore(out, exported, (x_test[:1],))
        training, created = shipped["training"], shipped["created"]
    else:
        history, seconds = train_classifier(net, data["fit"], {name: data[name] for name in evals},
                                            epochs=1 if args.smoke else epochs, batch_size=batch, lr=lr,
                                            weight_decay=weight_decay, max_steps=20 if args.smoke else None, shift=shift)
        training = {"script": script, **(config or {}), "epochs": len(history), "batch_size": batch, "lr": lr,
                    "weight_decay": weight_decay, "optimizer": "AdamW, one-cycle schedule",
                    "augmentation": f"random horizontal flip, random shift up to {shift} px" if shift else "random horizontal flip",
                    "seconds": round(seconds, 1), "seed": seed, "smoke": args.smoke, "history": history}
    test_acc, _ = evaluate(net, x_test, y_test)
    print(f"test accuracy {test_acc:.4f} on {len(y_test)} images")
    return Fitted(training, created, shipped, test_acc)


def ship_classifier(args, out, head, exported, data, outputs, n_samples, note, fitted):
    """Ships a Fashion-MNIST classifier: samples.json, golden cases, and the card, whose own fields are
    `head` (slug, title, widget, architecture, script) and what fit_or_restore returned. With --from-shipped,
    stops unless the accuracy and the samples' predictions come out as the shipped card has them."""
    x_test, y_test = data["test"]
    os.makedirs(out, exist_ok=True)
    samples, cases = classifier_samples(out, exported, data, n_samples)
    preprocess = preprocess_card(data["mean"], data["std"], note)
    card = ship(out, {
        **head,
        "labels": FASHION_LABELS,
        "metrics": {"test_accuracy": round(fitted.test_acc, 4), "test_size": len(y_test)},
        "samples": samples,
        "data": DATA_CARD,
        "training": fitted.training,
        **({"created": fitted.created} if fitted.created else {}),
    }, [Graph("model", exported, [Input("image", x_test[:1], "image", preprocess=preprocess)], outputs, cases)],
        export=not args.from_shipped)
    if fitted.shipped:
        check_unchanged(fitted.shipped, card, [("metrics", "test_accuracy"), ("samples", "predictions"), ("samples", "confidences")])
    print(f"wrote {out}")
