"""A plain training loop for image classifiers: seeded, augmented, with a per-epoch log."""
import random
import time

import numpy as np
import torch
import torch.nn.functional as F


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def normalise(images_u8, mean, std):
    """uint8 (N, H, W) -> float (N, 1, H, W), the same arithmetic as the browser's preprocessing."""
    return ((images_u8.float() / 255.0) - mean).div(std).unsqueeze(1)


def augment(x, shift=2):
    """Random horizontal flip and a random shift of up to `shift` pixels (zero padded)."""
    flip = torch.rand(x.shape[0]) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    padded = F.pad(x, (shift, shift, shift, shift), value=float(x.min()))
    h, w = x.shape[-2:]
    dy, dx = np.random.randint(0, 2 * shift + 1, size=2)
    return padded[..., dy:dy + h, dx:dx + w]


@torch.no_grad()
def evaluate(model, x, y, batch=500):
    """Accuracy and predicted classes of `model` on normalised images x with labels y."""
    model.eval()
    preds = torch.cat([model(x[i:i + batch])[0].argmax(1) for i in range(0, len(x), batch)])
    return (preds == y).float().mean().item(), preds


def one_cycle(model, lr, weight_decay, total_steps):
    """AdamW with a one-cycle schedule (warm-up over the first 15% of steps). Returns step(loss), which
    backpropagates the loss and updates the weights and the learning rate."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps, pct_start=0.15)

    def step(loss):
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return step


def format_row(row):
    """One epoch's log line: `epoch 3 loss 0.4123 ...`."""
    return " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())


def train_classifier(model, train, evals, epochs, batch_size, lr, weight_decay=0.0, max_steps=None, shift=2, log=print):
    """AdamW with a one-cycle schedule. `train` is (x, y), augmented by random flips and shifts of up to
    `shift` pixels; `evals` maps a name to an (x, y) set whose error is logged after every epoch (never used
    to choose anything). The model returns (logits, taps).
    Returns the per-epoch history (loss, training error, `<name>_error` per set) and the seconds spent."""
    x, y = train
    steps_per_epoch = (len(x) + batch_size - 1) // batch_size
    total = epochs * steps_per_epoch if max_steps is None else max_steps
    update = one_cycle(model, lr, weight_decay, total)
    history, step, start = [], 0, time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        loss_sum = correct = seen = 0
        for i in range(0, len(x), batch_size):
            if step == total:
                break
            idx = order[i:i + batch_size]
            xb, yb = augment(x[idx], shift), y[idx]
            logits, _ = model(xb)
            loss = F.cross_entropy(logits, yb)
            update(loss)
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
        row = {"epoch": epoch + 1, "loss": loss_sum / max(seen, 1), "train_error": 1 - correct / max(seen, 1)}
        row.update({f"{name}_error": 1 - evaluate(model, *data)[0] for name, data in evals.items()})
        row["seconds"] = round(time.time() - start, 1)
        history.append(row)
        log(format_row(row))
        if step == total:
            break
    return history, time.time() - start
