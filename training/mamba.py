"""Mamba (Gu & Dao, 2023), small: selective copying beside a time-invariant twin, and a character model of
Tang and Song poems.

    /usr/bin/python3 training/mamba.py --model mamba-copy       # selective copying, selective SSM (~15 min on an idle core)
    /usr/bin/python3 training/mamba.py --model mamba-copy-lti   # the same task and size, Δ, B, C fixed per channel
    /usr/bin/python3 training/mamba.py --model mamba-poem       # character model of the poems (~10 min on an idle core; stops early)
    /usr/bin/python3 training/mamba.py --model mamba-poem --smoke --out /tmp/mamba-poem   # a few steps, for CI
    /usr/bin/python3 training/mamba.py --model mamba-poem --export-only   # export the checkpoint of an earlier run

What is kept from the paper: the Mamba block (input projection into a path and a gate, causal depthwise
convolution, SiLU, the selective SSM with input-dependent Δ, B and C and a diagonal A discretised by zero-order
hold, the gate, output projection), pre-norm residual blocks with RMSNorm, A initialised to -(1 … N) and Δ's
bias so that Δ starts between 0.001 and 0.1, tied input and output embeddings. What is scaled: d_model 64–96
instead of 768–2560, 2–3 blocks instead of 24–64, and the scan is a plain loop over time in PyTorch (the paper
fuses it into one GPU kernel, keeping the state in fast on-chip memory).

The twin `mamba-copy-lti` is the same network with the selection taken out: Δ, B and C are learned per channel
but do not depend on the input, so each layer is a linear time-invariant system (an S4-style layer) — the
paper's point is that such a layer cannot choose what to keep.

Data: selective-copying sequences drawn afresh for every batch (held-out and validation sequences come from
their own seeds); the poems of Debian's fortunes-zh (`tang300`, `song100`) with the passages the BERT chapter
holds out held out here too, and a slice of the training passages kept aside to choose the checkpoint.
"""
import os
import sys

if "MALLOC_TOP_PAD_" not in os.environ:
    # The scan allocates and frees a state-sized buffer at every time step. With glibc's defaults those
    # buffers go back to the kernel and fault back in, which made training 5-20x slower here.
    os.environ.update(MALLOC_TOP_PAD_="536870912", MALLOC_TRIM_THRESHOLD_="68719476736",
                      MALLOC_MMAP_THRESHOLD_="4294967296")
    os.execv(sys.executable, [sys.executable, *sys.argv])

import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import text  # noqa: E402
from common.export import write_json  # noqa: E402
from common.loop import format_row, set_seed  # noqa: E402
from common.ship import Graph, Input, Output, arguments, ship  # noqa: E402

# ---- config: every default here produced the shipped models ----------------------------------------
VARIANTS = ["mamba-copy", "mamba-copy-lti", "mamba-poem"]
SEED = 2023
D_STATE = 16            # N: state size per channel
EXPAND = 2              # channels E = EXPAND * d_model
D_CONV = 4              # causal depthwise convolution's width

# Selective copying: MEMORISE tokens from an alphabet of SYMBOLS at random places among BODY positions of noise,
# then as many recall markers; the model must output the tokens, in order, at the markers.
COPY = {"d_model": 64, "layers": 2}
BODY = 48
MEMORISE = 8
SYMBOLS = 8
COPY_STEPS = 4000
COPY_BATCH = 64
COPY_LR = 2e-3
COPY_EVAL_EVERY = 500
COPY_VALIDATION = 500   # sequences watched during training (their own seed)
COPY_HELD_OUT = 2000    # sequences for the card's accuracy (their own seed)

# The poem model.
POEM = {"d_model": 96, "layers": 3, "dropout": 0.3}   # without dropout validation rose from step 100 on; 2 blocks of 64 with dropout 0.2 were at 8.63 bits at step 300
TEXT_SEED = 2019        # the text split of the BERT chapter: the same passages are held out
TEXT_HELD_OUT = 0.1
POEM_SOURCES = ("tang", "song")
VALIDATION_SHARE = 0.08  # of the training passages, kept aside to choose the checkpoint
WINDOW = 96             # characters per training window
POEM_STEPS = 1500
POEM_BATCH = 24
POEM_LR = 2e-3
POEM_EVAL_EVERY = 50      # the checkpoint with the lowest validation bits per character is kept
PATIENCE = 6              # evaluations without a new lowest validation figure before training stops (it over-fits by step ~250)
WEIGHT_DECAY = 0.1
EXPORT_LEN = 96         # the whole-sequence graph's length: the scan is unrolled, so its length is fixed
HERE = os.path.dirname(os.path.abspath(__file__))
CHECKPOINTS = os.path.join(HERE, "checkpoints")
MODELS = os.path.join(HERE, "..", "public", "models")
LOGS = os.path.join(HERE, "logs")


# region model
class RMSNorm(nn.Module):
    """x / rms(x), times a learned gain per feature: LayerNorm without the mean."""

    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Mixer(nn.Module):
    """The Mamba block's mixer. `selective` makes Δ, B and C functions of the input (S6); without it they
    are learned per channel and the same at every step (a time-invariant SSM, as in S4)."""

    def __init__(self, d_model, d_state=D_STATE, expand=EXPAND, d_conv=D_CONV, selective=True):
        super().__init__()
        e = self.channels = expand * d_model
        self.d_state, self.selective = d_state, selective
        self.dt_rank = math.ceil(d_model / 16)
        self.in_proj = nn.Linear(d_model, 2 * e, bias=False)          # the SSM's path and the gate
        self.conv = nn.Conv1d(e, e, d_conv, groups=e, padding=d_conv - 1)
        if selective:
            self.x_proj = nn.Linear(e, self.dt_rank + 2 * d_state, bias=False)   # u -> (Δ's low rank, B, C)
            self.dt_proj = nn.Linear(self.dt_rank, e)
            dt_bias = self.dt_proj.bias
        else:
            self.B = nn.Parameter(torch.randn(e, d_state) / math.sqrt(d_state))
            self.C = nn.Parameter(torch.randn(e, d_state) / math.sqrt(d_state))
            dt_bias = self.dt_bias = nn.Parameter(torch.empty(e))
        # Δ = softplus(bias + …) starts log-uniform in [0.001, 0.1]: the bias is softplus's inverse of that.
        dt = torch.exp(torch.rand(e) * (math.log(0.1) - math.log(0.001)) + math.log(0.001))
        with torch.no_grad():
            dt_bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1).float()).repeat(e, 1))   # A = -(1 … N)
        self.D = nn.Parameter(torch.ones(e))                           # the skip from u straight to y
        self.out_proj = nn.Linear(e, d_model, bias=False)

    def select(self, u):
        """Δ (batch, L, E) and B, C (batch, L, N): from u when selective, else the same at every step."""
        if self.selective:
            dt, B, C = self.x_proj(u).split([self.dt_rank, self.d_state, self.d_state], -1)
            return F.softplus(self.dt_proj(dt)), B, C
        shape = (*u.shape[:2], -1, -1)
        return F.softplus(self.dt_bias).expand(u.shape), self.B.expand(shape), self.C.expand(shape)

    def discretise(self, u, delta, B):
        """Ā = exp(Δ A) (zero-order hold) and B̄ u = Δ B u (the simpler Euler rule for B, as in the paper's
        code), for every channel and state: (…, E, N) each."""
        A = -torch.exp(self.A_log)                                     # (E, N), negative: the state decays
        B = B.unsqueeze(-2) if self.selective else B                   # selective B is shared by all channels
        return torch.exp(delta.unsqueeze(-1) * A), (delta * u).unsqueeze(-1) * B

    def readout(self, h, C, u):
        """y = C h + D u for every channel."""
        C = C.unsqueeze(-2) if self.selective else C
        return (h * C).sum(-1) + self.D * u

    def forward(self, x):
        """x (batch, L, d) -> (batch, L, d), and what the widget draws: Δ, B, C and the state at every step."""
        L = x.shape[1]
        u, z = self.in_proj(x).split(self.channels, -1)   # split by size: chunk() exports as shape arithmetic
        u = F.silu(self.conv(u.transpose(1, 2))[..., :L].transpose(1, 2))   # causal: drop the look-ahead
        delta, B, C = self.select(u)
        dA, dBu = self.discretise(u, delta, B)                         # (batch, L, E, N)
        h = u.new_zeros(dA[:, 0].shape)
        hs = []
        # The scan: h_t = Ā_t h_(t-1) + B̄_t u_t, one step at a time. Unbinding along time once keeps autograd
        # from scattering a full-size gradient into the whole sequence at every step.
        for dA_t, dBu_t in zip(dA.unbind(1), dBu.unbind(1)):
            h = dA_t * h + dBu_t
            hs.append(h)
        hs = torch.stack(hs, 1)
        y = self.readout(hs, C, u) * F.silu(z)
        return self.out_proj(y), {"delta": delta, "B": B, "C": C, "h": hs}

    def step(self, x, conv_state, h):
        """One token: x (batch, d), the last d_conv - 1 inputs of the convolution (batch, E, d_conv - 1) and
        the state h (batch, E, N) -> output, both states updated, and Δ. O(1) work and memory per token."""
        u, z = self.in_proj(x).split(self.channels, -1)   # split by size: chunk() exports as shape arithmetic
        window = torch.cat([conv_state, u.unsqueeze(-1)], -1)          # (batch, E, d_conv)
        u = F.silu((window * self.conv.weight.squeeze(1)).sum(-1) + self.conv.bias)
        delta, B, C = (t.squeeze(1) for t in self.select(u.unsqueeze(1)))
        dA, dBu = self.discretise(u, delta, B)
        h = dA * h + dBu
        return self.out_proj(self.readout(h, C, u) * F.silu(z)), window[..., 1:], h, delta


class Mamba(nn.Module):
    """Token embedding, pre-norm residual blocks x + Mixer(RMSNorm(x)), a final RMSNorm and the tied
    output projection. Dropout on the embedding and on every block's output is for the poems: a few tens
    of thousands of characters are quickly learned by heart."""

    def __init__(self, vocab, d_model, layers, selective=True, dropout=0.0):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.embed = nn.Embedding(vocab, d_model)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.norms = nn.ModuleList(RMSNorm(d_model) for _ in range(layers))
        self.mixers = nn.ModuleList(Mixer(d_model, selective=selective) for _ in range(layers))
        self.norm = RMSNorm(d_model)

    def forward(self, ids):
        """ids (batch, L) -> logits (batch, L, vocab) and each layer's Δ, B, C and states."""
        x, taps = self.drop(self.embed(ids)), []
        for norm, mixer in zip(self.norms, self.mixers):
            out, t = mixer(norm(x))
            x = x + self.drop(out)
            taps.append(t)
        return self.norm(x) @ self.embed.weight.T, taps

    def step(self, ids, conv_states, states):
        """ids (batch,), per-layer states stacked on the first axis -> logits (batch, vocab), the new
        states, and Δ (layers, batch, E)."""
        x, convs, hs, deltas = self.embed(ids), [], [], []
        for i, (norm, mixer) in enumerate(zip(self.norms, self.mixers)):
            out, c, h, delta = mixer.step(norm(x), conv_states[i], states[i])
            x = x + out
            convs.append(c)
            hs.append(h)
            deltas.append(delta)
        return self.norm(x) @ self.embed.weight.T, torch.stack(convs), torch.stack(hs), torch.stack(deltas)
# endregion model


class WithTaps(nn.Module):
    """The whole-sequence graph: the logits, then the named quantities (Δ, B, C, h) of every layer in turn."""

    def __init__(self, net, keys):
        super().__init__()
        self.net, self.keys = net, keys

    def forward(self, ids):
        logits, taps = self.net(ids)
        return (logits, *[t[k] for t in taps for k in self.keys])


def sizes(net):
    m = net.mixers[0]
    return {"d_model": net.embed.embedding_dim, "layers": len(net.mixers), "channels": m.channels,
            "d_state": m.d_state, "d_conv": m.conv.kernel_size[0], "dt_rank": m.dt_rank,
            # what generation carries from one character to the next: every layer's state and convolution inputs
            "state_floats": len(net.mixers) * m.channels * (m.d_state + m.conv.kernel_size[0] - 1)}


def zero_states(net, batch=1):
    """The step graph's (conv_state, ssm_state) before the first token."""
    s = sizes(net)
    return (torch.zeros(s["layers"], batch, s["channels"], s["d_conv"] - 1),
            torch.zeros(s["layers"], batch, s["channels"], s["d_state"]))


def label(en, zh):
    return {"en": en, "zh": zh}


def optimiser(net, lr, steps, warmup):
    """AdamW with a linear warm-up, then cosine decay to a tenth of the peak rate, and gradients clipped to
    norm 1. Returns update(loss), which backpropagates the loss and takes one step."""
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)

    def at(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, at)

    def update(loss):
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
    return update


# ---- selective copying -------------------------------------------------------------------------------
NOISE, RECALL = 0, 1            # token ids; the SYMBOLS to remember follow
COPY_TOKENS = ["·", "?", *"ABCDEFGHIJKLMNOP"[:SYMBOLS]]


def copy_batch(gen, size):
    """(inputs (size, BODY + MEMORISE), targets (size, MEMORISE)): the symbols at random sorted places among
    noise, then the recall markers, where the model must output them in order."""
    x = torch.full((size, BODY + MEMORISE), NOISE, dtype=torch.long)
    places = torch.rand(size, BODY, generator=gen).argsort(1)[:, :MEMORISE].sort(1).values
    symbols = torch.randint(2, 2 + SYMBOLS, (size, MEMORISE), generator=gen)
    x.scatter_(1, places, symbols)
    x[:, BODY:] = RECALL
    return x, symbols


@torch.no_grad()
def recall(net, x):
    net.eval()
    return torch.cat([net(x[i:i + 250])[0][:, BODY:].argmax(-1) for i in range(0, len(x), 250)])


def copy_scores(net, data):
    x, y = data
    hit = recall(net, x) == y
    return {"copy_accuracy": hit.float().mean().item(), "copy_exact_match": hit.all(1).float().mean().item()}


def train_copy(net, steps, validation, log=print):
    gen = torch.Generator().manual_seed(SEED)
    update = optimiser(net, COPY_LR, steps, warmup=200)
    history, start, loss_sum = [], time.time(), 0.0
    every = min(COPY_EVAL_EVERY, steps)
    for step in range(1, steps + 1):
        net.train()
        x, y = copy_batch(gen, COPY_BATCH)
        loss = F.cross_entropy(net(x)[0][:, BODY:].reshape(-1, len(COPY_TOKENS)), y.reshape(-1))
        update(loss)
        loss_sum += loss.item()
        if step % every == 0:
            v = copy_scores(net, validation)
            row = {"step": step, "loss": round(loss_sum / every, 4), "val_copy_accuracy": round(v["copy_accuracy"], 4),
                   "seconds": round(time.time() - start, 1)}
            history.append(row)
            log(format_row(row))
            loss_sum = 0.0
    return history, time.time() - start


def ship_copy(out, slug, net, held, scores, history, seconds, smoke):
    x, y = held
    shown = 40
    pred = recall(net, x[:shown])
    samples = {"sequences": [{"id": f"held-out-{i}", "ids": x[i].tolist(), "target": y[i].tolist(),
                              "recalled": pred[i].tolist()} for i in range(shown)]}
    write_json(os.path.join(out, "samples.json"), samples)
    write_json(os.path.join(out, "vocab.json"), {"tokens": COPY_TOKENS, "noise": NOISE, "recall": RECALL})
    layers = len(net.mixers)

    selective = slug == "mamba-copy"
    deltas = [Output(f"delta_{i}", "ssm", label(f"layer {i + 1}: step size Δ", f"第 {i + 1} 层：步长 Δ"),
                     axes=["batch", "position", "channel"], ssm={"quantity": "delta", "layer": i + 1}) for i in range(layers)]
    graph = Graph("model", WithTaps(net, ("delta",)),
                  inputs=[Input("ids", x[:1], "tokens", vocab="vocab.json",
                                label=label("sequence: symbols among noise, then recall markers", "序列：噪声中的符号，随后是回忆标记"))],
                  outputs=[Output("logits", "logits", label("logits at every position", "每个位置的 logits")), *deltas],
                  cases=[(f"held-out-{i}", (x[i:i + 1],)) for i in range(3)])
    what = "selective" if selective else "time-invariant (Δ, B, C fixed per channel)"
    zh_what = "选择性" if selective else "时不变（Δ、B、C 按通道固定）"
    card = {
        "slug": slug, "widget": "selective-copy", "script": "training/mamba.py",
        "title": label(f"Mamba ({'selective' if selective else 'time-invariant twin'}): selective copying",
                       f"Mamba（{'选择性' if selective else '时不变对照网络'}）：选择性复制"),
        "architecture": f"Mamba, {layers} blocks, d_model {COPY['d_model']}, {EXPAND * COPY['d_model']} channels, "
                        f"state N {D_STATE}, conv {D_CONV}; SSM {what}",
        "metrics": {k: round(v, 4) for k, v in scores.items()} | {"copy_chance": round(1 / SYMBOLS, 4)},
        "samples": {"file": "samples.json"},
        "task": {"body": BODY, "memorise": MEMORISE, "symbols": SYMBOLS, "noise": NOISE, "recall": RECALL,
                 "note": label(f"{MEMORISE} of {SYMBOLS} symbols at random places among {BODY} noise positions, then {MEMORISE} recall markers",
                               f"{BODY} 个噪声位置中随机放 {MEMORISE} 个符号（共 {SYMBOLS} 种），随后是 {MEMORISE} 个回忆标记"),
                 "selective": selective, "ssm": label(what, zh_what)},
        "data": {"name": "selective copying (synthetic)", "license": "generated by training/mamba.py",
                 "held_out": f"{len(x)} sequences from their own seed; validation {COPY_VALIDATION} from another"},
        "training": {"script": "training/mamba.py", "seconds": round(seconds, 1), "seed": SEED, "smoke": smoke,
                     "steps": history[-1]["step"] if history else 0, "batch": COPY_BATCH, "lr": COPY_LR,
                     "weight_decay": WEIGHT_DECAY, **sizes(net), "history": history},
    }
    ship(out, card, [graph], files=("samples.json", "vocab.json"),
         macs_what=label("one sequence of the task", "对任务的一个序列运行一次"))


# ---- the poems ---------------------------------------------------------------------------------------
UNK, BOS, NEWLINE = 0, 1, 2     # token ids; the characters follow, most frequent first


def poem_text(passage):
    return "\n".join(passage) + "\n"


def poem_parts(smoke):
    """(training, validation, held-out) passages of the poem sources."""
    parts = text.split(TEXT_SEED, TEXT_HELD_OUT)
    train = [p for s in POEM_SOURCES for p in parts[s][0]]
    held = [p for s in POEM_SOURCES for p in parts[s][1]]
    order = list(range(len(train)))
    random.Random(SEED).shuffle(order)
    cut = round(len(train) * VALIDATION_SHARE)
    val = [train[i] for i in order[:cut]]
    train = [train[i] for i in order[cut:]]
    if smoke:
        train, val, held = train[:30], val[:4], held[:4]
    return train, val, held


def encode(s, index):
    return [index.get(c, UNK) for c in s]


def poem_ids(passage, index):
    return [BOS, *encode(poem_text(passage), index)]


@torch.no_grad()
def bits(net, sequences):
    """Bits per character over the sequences (every character after <s>, line breaks included)."""
    net.eval()
    total, count = 0.0, 0
    for ids in sequences:
        x = torch.tensor([ids])
        logits = net(x[:, :-1])[0]
        total += F.cross_entropy(logits[0], x[0, 1:], reduction="sum").item()
        count += len(ids) - 1
    return total / count / math.log(2)


def bigram_bits(train, val, held, vocab):
    """The baseline: a bigram model interpolated with an add-one unigram, its weight chosen on validation."""
    uni, bi, prev = Counter(), Counter(), Counter()
    for ids in train:
        uni.update(ids[1:])
        for a, b in zip(ids, ids[1:]):
            bi[a, b] += 1
            prev[a] += 1
    n = sum(uni.values())

    def score(seqs, lam):
        total, count = 0.0, 0
        for ids in seqs:
            for a, b in zip(ids, ids[1:]):
                p_uni = (uni[b] + 1) / (n + vocab)
                p = lam * bi[a, b] / prev[a] + (1 - lam) * p_uni if prev[a] else p_uni
                total -= math.log2(p)
                count += 1
        return total / count
    lam = min((i / 20 for i in range(20)), key=lambda lam: score(val, lam))
    return score(held, lam), lam


def train_poem(net, train, val, steps, ckpt, log=print):
    gen = torch.Generator().manual_seed(SEED)
    stream = torch.tensor([t for ids in train for t in ids])
    update = optimiser(net, POEM_LR, steps, warmup=100)
    history, start, loss_sum, best = [], time.time(), 0.0, None
    every = min(POEM_EVAL_EVERY, steps)
    for step in range(1, steps + 1):
        net.train()
        at = torch.randint(0, len(stream) - WINDOW - 1, (POEM_BATCH,), generator=gen)
        w = torch.stack([stream[i:i + WINDOW + 1] for i in at.tolist()])
        loss = F.cross_entropy(net(w[:, :-1])[0].flatten(0, 1), w[:, 1:].flatten())
        update(loss)
        loss_sum += loss.item()
        if step % every == 0:
            row = {"step": step, "train_bits_per_char": round(loss_sum / every / math.log(2), 4),
                   "val_bits_per_char": round(bits(net, val), 4), "seconds": round(time.time() - start, 1)}
            history.append(row)
            log(format_row(row))
            loss_sum = 0.0
            if best is None or row["val_bits_per_char"] < best["val_bits_per_char"]:
                best = row
                torch.save({"state": net.state_dict(), "history": history, "best": best,
                            "seconds": time.time() - start}, ckpt)
            elif len(history) - history.index(best) > PATIENCE:
                break
    seconds = time.time() - start
    saved = torch.load(ckpt)
    net.load_state_dict(saved["state"])   # the checkpoint with the lowest validation bits per character
    torch.save({**saved, "history": history, "seconds": seconds}, ckpt)   # --export-only sees the whole run
    return history, best, seconds


@torch.no_grad()
def greedy(net, prompt_ids, length):
    """The prompt through the recurrence, then the most likely character, one step at a time, up to `length`
    of them or until the model starts another poem (<s>), which ends this one."""
    net.eval()
    conv, h = zero_states(net)
    out, logits = [], None
    for t in prompt_ids:
        logits, conv, h, _ = net.step(torch.tensor([t]), conv, h)
    while len(out) < length and (not out or out[-1] != BOS):
        out.append(int(logits[0].argmax()))
        logits, conv, h, _ = net.step(torch.tensor([out[-1]]), conv, h)
    return out


PROMPTS = ["春", "月", "山", "白日依山尽，", "故人", "江"]
GENERATE = 48


def ship_poem(out, net, tokens, held_ids, held, scores, history, best, seconds, smoke):
    index = {c: i for i, c in enumerate(tokens)}
    write_json(os.path.join(out, "vocab.json"), {"tokens": tokens, "unk": UNK, "bos": BOS, "newline": NEWLINE})
    generations = [{"prompt": p, "ids": [BOS, *encode(p, index)], "greedy": greedy(net, [BOS, *encode(p, index)], GENERATE)}
                   for p in PROMPTS]
    shown = [{"id": f"held-out-{i}", "text": poem_text(p), "ids": ids[:EXPORT_LEN],
              "bits_per_char": round(bits(net, [ids[:EXPORT_LEN]]), 4)}
             for i, (p, ids) in enumerate(zip(held[:12], held_ids[:12]))]
    write_json(os.path.join(out, "samples.json"), {"prompts": generations, "held_out": shown, "length": EXPORT_LEN})
    layers = len(net.mixers)

    class Step(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, ids, conv_state, ssm_state):
            return self.net.step(ids, conv_state, ssm_state)

    def ssm_outputs(i):
        n = i + 1
        return [Output(f"delta_{i}", "ssm", label(f"layer {n}: step size Δ", f"第 {n} 层：步长 Δ"),
                       axes=["batch", "position", "channel"], ssm={"quantity": "delta", "layer": n}),
                Output(f"B_{i}", "ssm", label(f"layer {n}: input matrix B", f"第 {n} 层：输入矩阵 B"),
                       axes=["batch", "position", "state"], ssm={"quantity": "B", "layer": n}),
                Output(f"C_{i}", "ssm", label(f"layer {n}: output matrix C", f"第 {n} 层：输出矩阵 C"),
                       axes=["batch", "position", "state"], ssm={"quantity": "C", "layer": n}),
                Output(f"h_{i}", "ssm", label(f"layer {n}: state h", f"第 {n} 层：状态 h"),
                       axes=["batch", "position", "channel", "state"], ssm={"quantity": "h", "layer": n})]

    def padded(ids):
        return torch.tensor([(ids + [NEWLINE] * EXPORT_LEN)[:EXPORT_LEN]])

    conv0, h0 = zero_states(net)
    # A step case from the middle of a poem: the states after its first characters, then its next character.
    prefix = held_ids[0][:10]
    conv, h = conv0, h0
    with torch.no_grad():
        for t in prefix[:-1]:
            _, conv, h, _ = net.step(torch.tensor([t]), conv, h)
    seq_graph = Graph("sequence", WithTaps(net, ("delta", "B", "C", "h")),
                      inputs=[Input("ids", padded(held_ids[0]), "tokens", vocab="vocab.json",
                                    label=label(f"characters (the first {EXPORT_LEN}; causal, so padding at the end changes nothing before it)",
                                                f"字符（前 {EXPORT_LEN} 个；因果模型，末尾的填充不影响之前的输出）"))],
                      outputs=[Output("logits", "logits", label("next-character logits at every position", "每个位置的下一个字符 logits")),
                               *[o for i in range(layers) for o in ssm_outputs(i)]],
                      cases=[(shown[0]["id"], (padded(held_ids[0]),))])
    step_graph = Graph("step", Step(net),
                       inputs=[Input("ids", torch.tensor([BOS]), "tokens", vocab="vocab.json", label=label("the current character", "当前字符")),
                               Input("conv_state", conv0, "state", label=label("last inputs of each layer's convolution", "各层卷积最近的输入"), **{"from": "next_conv_state"}),
                               Input("ssm_state", h0, "state", label=label("each layer's SSM state h", "各层的 SSM 状态 h"), **{"from": "next_ssm_state"})],
                       outputs=[Output("logits", "logits", label("next-character logits", "下一个字符的 logits")),
                                Output("next_conv_state", "state", label("convolution inputs after this character", "读入这个字符后的卷积输入")),
                                Output("next_ssm_state", "state", label("SSM state after this character", "读入这个字符后的 SSM 状态"),
                                       axes=["layer", "batch", "channel", "state"]),
                                Output("delta", "ssm", label("step size Δ of every layer for this character", "这个字符在各层的步长 Δ"),
                                       axes=["layer", "batch", "channel"], ssm={"quantity": "delta", "layer": 0})],
                       cases=[("start", (torch.tensor([BOS]), conv0, h0)),
                              (f"{shown[0]['id']}-step-{len(prefix) - 1}", (torch.tensor([prefix[-1]]), conv, h))])
    card = {
        "slug": "mamba-poem", "widget": "poem-generator", "script": "training/mamba.py",
        "title": label("Mamba (small): a character model of Tang and Song poems", "Mamba（小型）：唐诗宋诗的字符模型"),
        "architecture": f"Mamba, {layers} blocks, d_model {POEM['d_model']}, {EXPAND * POEM['d_model']} channels, "
                        f"state N {D_STATE}, conv {D_CONV}, selective SSM, tied embeddings; one character per token",
        "metrics": {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()},
        "samples": {"file": "samples.json"},
        "data": {"name": "Tang and Song poems (fortunes-zh: tang300, song100)", "package": "fortunes-zh",
                 "license": "GPL-3.0+",
                 "held_out": f"{round(TEXT_HELD_OUT * 100)}% of each source's passages (seed {TEXT_SEED}, the BERT chapter's split); "
                             f"{round(VALIDATION_SHARE * 100)}% of the rest chose the checkpoint"},
        "training": {"script": "training/mamba.py", "seconds": round(seconds, 1), "seed": SEED, "smoke": smoke,
                     "steps": history[-1]["step"] if history else 0, "best_step": best["step"] if best else 0,
                     "max_steps": POEM_STEPS, "eval_every": POEM_EVAL_EVERY, "patience": PATIENCE,
                     "batch": POEM_BATCH, "window": WINDOW, "lr": POEM_LR, "weight_decay": WEIGHT_DECAY,
                     "export_len": EXPORT_LEN, "dropout": POEM["dropout"], **sizes(net), "history": history},
    }
    ship(out, card, [seq_graph, step_graph], files=("samples.json", "vocab.json"),
         macs_runs=[(Step(net), (torch.tensor([BOS]), conv0, h0))],
         macs_what=label("one character through the step graph", "步进图读入一个字符"))


def main():
    ap = arguments(__doc__, None)
    ap.add_argument("--model", choices=VARIANTS, default="mamba-poem")
    ap.add_argument("--export-only", action="store_true", help="export the checkpoint of an earlier run")
    args = ap.parse_args()
    if args.from_shipped:
        ap.error("--from-shipped is not supported here; use --export-only")
    out = args.out or os.path.join(MODELS, args.model)
    torch.set_num_threads(1)   # the scan is many small steps: one thread is faster than two
    set_seed(SEED)
    os.makedirs(CHECKPOINTS, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    ckpt = os.path.join(CHECKPOINTS, f"{args.model}{'-smoke' if args.smoke else ''}.pt")

    if args.model.startswith("mamba-copy"):
        net = Mamba(len(COPY_TOKENS), COPY["d_model"], COPY["layers"], selective=args.model == "mamba-copy")
        validation = copy_batch(torch.Generator().manual_seed(SEED + 1), 50 if args.smoke else COPY_VALIDATION)
        held = copy_batch(torch.Generator().manual_seed(SEED + 2), 100 if args.smoke else COPY_HELD_OUT)
        if args.export_only:
            saved = torch.load(ckpt)
            net.load_state_dict(saved["state"])
            history, seconds = saved["history"], saved["seconds"]
        else:
            history, seconds = train_copy(net, 10 if args.smoke else COPY_STEPS, validation)
            torch.save({"state": net.state_dict(), "history": history, "seconds": seconds}, ckpt)
        scores = copy_scores(net, held)
        print(f"{args.model}: copy accuracy {scores['copy_accuracy']:.4f}, exact {scores['copy_exact_match']:.4f} on {len(held[0])} held-out sequences")
        ship_copy(out, args.model, net, held, scores | {"held_out_sequences": len(held[0])}, history, seconds, args.smoke)
    else:
        train, val, held = poem_parts(args.smoke)
        counts = Counter(c for p in train for c in poem_text(p) if c != "\n")
        tokens = ["<unk>", "<s>", "\n", *[c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]]
        index = {c: i for i, c in enumerate(tokens)}
        train_ids, val_ids, held_ids = ([poem_ids(p, index) for p in ps] for ps in (train, val, held))
        net = Mamba(len(tokens), POEM["d_model"], POEM["layers"], dropout=POEM["dropout"])
        if args.export_only:
            saved = torch.load(ckpt)
            net.load_state_dict(saved["state"])
            history, best, seconds = saved["history"], saved["best"], saved["seconds"]
        else:
            history, best, seconds = train_poem(net, train_ids, val_ids, 20 if args.smoke else POEM_STEPS, ckpt)
        bpc = bits(net, held_ids)
        baseline, lam = bigram_bits(train_ids, val_ids, held_ids, len(tokens))
        held_chars = [c for p in held for c in poem_text(p)]
        scores = {"bits_per_char": bpc, "bits_per_char_bigram_baseline": baseline, "bigram_weight": lam,
                  "held_out_passages": len(held), "held_out_chars": len(held_chars),
                  "held_out_unknown_chars": sum(c not in index for c in held_chars),
                  "training_chars": sum(len(ids) - 1 for ids in train_ids), "vocab": len(tokens)}
        print(f"mamba-poem: {bpc:.4f} bits per character on {len(held_chars)} held-out characters; bigram {baseline:.4f}")
        ship_poem(out, net, tokens, held_ids, held, scores, history, best, seconds, args.smoke)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
