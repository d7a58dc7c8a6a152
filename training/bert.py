"""BERT (Devlin et al., 2019), small: pre-trained by filling in masked tokens of Chinese and English text,
then fine-tuned to tell which source a line comes from (Tang poem, Song poem, Chinese sayings and prose, English).

    /usr/bin/python3 training/bert.py --model bert              # pre-train the masked LM (0.36 s a step on an idle core, 30 min; 58 min measured beside other work)
    /usr/bin/python3 training/bert.py --model bert-classifier   # fine-tune it, and train the same classifier from scratch
    /usr/bin/python3 training/bert.py --model bert --smoke --out /tmp/bert   # a few steps, for CI
    /usr/bin/python3 training/bert.py --model bert --export-only             # export the checkpoint of an earlier run

What is kept from the paper: an encoder-only Transformer with post-norm blocks and GELU; token, position
and segment embeddings summed and normalised; inputs [CLS] A [SEP] B [SEP]; masked-language modelling on 15%
of the tokens, of which 80% become [MASK], 10% a random token and 10% stay; the MLM head (dense, GELU, norm,
then the token embeddings transposed); fine-tuning a classifier on [CLS] (through the pooler, dense + tanh)
with every weight trainable. What is changed: d_model 128 instead of 768, 4 heads and 4 layers instead of
12 and 12, feed-forward 512, sequences of 64 tokens instead of 512, and no next-sentence prediction (segment
B is simply the lines that follow segment A in the same passage, as RoBERTa later found works as well).

Data: training/common/text.py (Debian's fortunes-zh and fortunes); 10% of each source's passages are held
out, never trained on, and measure everything in the cards. The WordPiece vocabulary (common/wordpiece.py)
is trained on the training passages only.
"""
import json
import math
import os
import random
import shutil
import sys
import time
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import text  # noqa: E402
from common import wordpiece as wp  # noqa: E402
from common.export import write_json  # noqa: E402
from common.loop import set_seed  # noqa: E402
from common.restore import restore  # noqa: E402
from common.ship import Graph, Input, Output, arguments, ship  # noqa: E402

# ---- config: every default here produced the shipped models ------------------------------------------
VARIANTS = ["bert", "bert-classifier"]
SEED = 2019
HELD_OUT = 0.1          # share of each source's passages held out
CHAR_MIN_COUNT = 2      # a Chinese character seen fewer times in training becomes [UNK]
ENGLISH_PIECES = 4000   # English word pieces in the vocabulary (letters and digits included)
D_MODEL = 128
HEADS = 4
LAYERS = 4
D_FF = 512
MAX_LEN = 64            # tokens per sequence, [CLS] and [SEP]s included
DROPOUT = 0.1
MASK_SHARE = 0.15       # share of tokens the MLM predicts; of them 80% [MASK], 10% random, 10% unchanged
STEPS = 5000            # MLM steps
BATCH = 64              # sequences per MLM step, half Chinese, half English
LR = 1e-3               # peak, after WARMUP steps of linear warm-up, then linear decay to zero
WARMUP = 300
EVAL_EVERY = 500
CLS_STEPS = 1500        # classifier steps, fine-tuned and from scratch alike
CLS_BATCH = 32          # lines per classifier step, the same number from each source
CLS_LR = {"fine-tuned": 1e-4, "scratch": 5e-4}   # fine-tuning keeps the rate low so pre-training is not erased
MIN_LINE_TOKENS = 4     # shorter lines are not classifier examples
N_SHIPPED = 40          # held-out sequences (MLM) and lines (classifier) shipped with PyTorch's outputs
HERE = os.path.dirname(os.path.abspath(__file__))
CHECKPOINTS = os.path.join(HERE, "checkpoints")
MODELS = os.path.join(HERE, "..", "public", "models")


# region model
class SelfAttention(nn.Module):
    """Multi-head self-attention in which every token sees every other (no causal mask: BERT reads both ways).
    Returns the output and the weights (B, heads, T, T) for the widget."""

    def __init__(self, d_model, heads):
        super().__init__()
        self.heads, self.d_k = heads, d_model // heads
        self.qkv, self.o = nn.Linear(d_model, 3 * d_model), nn.Linear(d_model, d_model)

    def forward(self, x, pad_mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.heads, self.d_k).permute(2, 0, 3, 1, 4).unbind(0)   # 3 × (B, h, T, d_k)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)
        weights = scores.masked_fill(pad_mask[:, None, None, :], float("-inf")).softmax(-1)   # padding is never a key
        return self.o((weights @ v).transpose(1, 2).reshape(B, T, D)), weights


class Block(nn.Module):
    """Attention, then a position-wise MLP with GELU; each sub-layer added to its input and normalised (post-norm)."""

    def __init__(self, d_model, heads, d_ff, dropout):
        super().__init__()
        self.attn = SelfAttention(d_model, heads)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, pad_mask):
        a, weights = self.attn(x, pad_mask)
        x = self.norm1(x + self.drop(a))
        return self.norm2(x + self.drop(self.ff(x))), weights


class Bert(nn.Module):
    def __init__(self, vocab, d_model=D_MODEL, heads=HEADS, layers=LAYERS, d_ff=D_FF, max_len=MAX_LEN, dropout=DROPOUT):
        super().__init__()
        self.token = nn.Embedding(vocab, d_model)
        self.position = nn.Embedding(max_len, d_model)     # learned, as in BERT (not the sinusoids of 2017)
        self.segment = nn.Embedding(2, d_model)            # A or B
        self.norm = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, heads, d_ff, dropout) for _ in range(layers))
        for emb in (self.token, self.position, self.segment):
            nn.init.normal_(emb.weight, std=0.02)          # BERT's initialiser range

    def forward(self, ids, segments):
        """Hidden states after the embeddings and after every block (B, layers + 1, T, d), and every block's
        attention weights."""
        x = self.token(ids) + self.position.weight[: ids.shape[1]] + self.segment(segments)
        x = self.drop(self.norm(x))
        pad_mask = ids == wp.PAD
        hidden, attention = [x], []
        for block in self.blocks:
            x, weights = block(x, pad_mask)
            hidden.append(x)
            attention.append(weights)
        return torch.stack(hidden, 1), attention


class MaskedLM(nn.Module):
    """BERT with its pre-training head: a score for every vocabulary token at the positions asked for."""

    def __init__(self, vocab):
        super().__init__()
        self.bert = Bert(vocab)
        self.transform = nn.Sequential(nn.Linear(D_MODEL, D_MODEL), nn.GELU(), nn.LayerNorm(D_MODEL))
        self.bias = nn.Parameter(torch.zeros(vocab))

    def forward(self, ids, segments, positions):
        """positions (B, M): which tokens to predict. Returns logits (B, M, vocab), hidden states, attention."""
        hidden, attention = self.bert(ids, segments)
        last = hidden[:, -1]
        picked = last.gather(1, positions[..., None].expand(-1, -1, last.shape[-1]))
        # The decoder is the token embedding transposed: a masked slot scores each token by likeness.
        return self.transform(picked) @ self.bert.token.weight.T + self.bias, hidden, attention


class Classifier(nn.Module):
    """BERT with a classification head on [CLS]: the pooler (dense + tanh), then one linear layer."""

    def __init__(self, vocab, classes):
        super().__init__()
        self.bert = Bert(vocab)
        self.pool = nn.Sequential(nn.Linear(D_MODEL, D_MODEL), nn.Tanh())
        self.head = nn.Linear(D_MODEL, classes)
        self.drop = nn.Dropout(DROPOUT)

    def forward(self, ids, segments):
        hidden, attention = self.bert(ids, segments)
        return self.head(self.drop(self.pool(hidden[:, -1, 0]))), attention
# endregion model


# ---- data ------------------------------------------------------------------------------------------------
def pair_ids(a, b=None):
    """[CLS] a [SEP] (b [SEP]) and the segment ids, cut to MAX_LEN: b loses tokens first, then a."""
    room = MAX_LEN - (3 if b else 2)
    b = list(b or [])
    a = list(a)
    while len(a) + len(b) > room:
        if len(b) > len(a) or (b and len(a) <= room // 2):
            b.pop()
        else:
            a.pop()
    ids = [wp.CLS] + a + [wp.SEP] + (b + [wp.SEP] if b else [])
    return ids, [0] * (len(a) + 2) + [1] * (len(ids) - len(a) - 2)


def windows(passages, tok):
    """Pre-training sequences of a source: each passage's lines packed into windows of at most MAX_LEN
    tokens, a window's lines split into segment A (about the first half) and segment B (the rest)."""
    out = []
    for lines in passages:
        lines = [ids for ids in (tok.encode(line) for line in lines) if ids]
        current = []
        for ids in lines + [None]:
            size = sum(map(len, current))
            if ids is None or (current and size + len(ids) > MAX_LEN - 3):
                if current:
                    half, cut = sum(map(len, current)) / 2, 1
                    while cut < len(current) and sum(map(len, current[:cut])) < half:
                        cut += 1
                    a = [t for line in current[:cut] for t in line]
                    b = [t for line in current[cut:] for t in line]
                    out.append(pair_ids(a, b))
                current = []
            if ids is not None:
                current.append(ids)
    return out


def pad(rows):
    out = torch.full((len(rows), max(map(len, rows))), wp.PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out


def mask_tokens(ids, rng, vocab_size, share=MASK_SHARE, corrupt=True):
    """BERT's masking: `share` of the ordinary tokens (not specials, not [UNK]) are targets; of them 80%
    become [MASK], 10% a random ordinary token, 10% stay. With corrupt=False every target becomes [MASK] (how
    the held-out figures are measured). Returns the corrupted ids and the target positions per row."""
    ids = ids.clone()
    positions = []
    for row in ids:
        candidates = [i for i, t in enumerate(row.tolist()) if t >= len(wp.SPECIALS)]
        k = max(1, round(len(candidates) * share)) if candidates else 0
        chosen = sorted(rng.sample(candidates, k))
        for i in chosen:
            r = rng.random()
            if not corrupt or r < 0.8:
                row[i] = wp.MASK
            elif r < 0.9:
                row[i] = rng.randrange(len(wp.SPECIALS), vocab_size)
        positions.append(chosen)
    return ids, positions


def mlm_batch(rows, rng, vocab_size, corrupt=True):
    ids = pad([r[0] for r in rows])
    segments = pad([r[1] for r in rows]).clamp(max=1)     # padding takes segment 0
    inputs, positions = mask_tokens(ids, rng, vocab_size, corrupt=corrupt)
    width = max(1, max(map(len, positions)))
    # Rows with fewer targets repeat their first position; the loss ignores the repeats (target -100).
    pos = torch.tensor([p + [p[0] if p else 0] * (width - len(p)) for p in positions])
    targets = torch.tensor([[ids[i, j].item() for j in p] + [-100] * (width - len(p)) for i, p in enumerate(positions)])
    return inputs, segments, pos, targets


def lines_of(passages, tok, source):
    """Classifier examples of one source: (ids, segments, class) for every line of MIN_LINE_TOKENS or more."""
    label = list(text.SOURCES).index(source)
    out = []
    for lines in passages:
        for line in lines:
            ids = tok.encode(line)
            if len(ids) >= MIN_LINE_TOKENS:
                out.append((*pair_ids(ids), label, line))
    return out


# ---- training --------------------------------------------------------------------------------------------
def schedule(opt, steps, warmup):
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup))))


@torch.no_grad()
def mlm_accuracy(net, rows, vocab_size, seed, unigram=None, chunk=128):
    """Top-1 and top-5 accuracy at held-out masked positions (every target [MASK]ed, a fixed draw), and the
    same for the unigram baseline: a fixed ranking of tokens by training frequency, whatever the context."""
    net.eval()
    rng = random.Random(seed)
    hits = Counter()
    for i in range(0, len(rows), chunk):
        inputs, segments, pos, targets = mlm_batch(rows[i:i + chunk], rng, vocab_size, corrupt=False)
        logits = net(inputs, segments, pos)[0]
        top5 = logits.topk(5, -1).indices
        keep = targets != -100
        t = targets[keep]
        hits["n"] += len(t)
        hits["top1"] += (top5[..., 0][keep] == t).sum().item()
        hits["top5"] += (top5[keep] == t[:, None]).any(-1).sum().item()
        if unigram is not None:
            hits["uni1"] += (t == unigram[0]).sum().item()
            hits["uni5"] += torch.isin(t, unigram[:5]).sum().item()
    n = hits["n"]
    return {k: hits[k] / n for k in ("top1", "top5", "uni1", "uni5")} | {"positions": n}


def train_mlm(net, train_rows, val_rows, steps, eval_every, ckpt, log=print):
    """AdamW, warm-up then linear decay; each batch half Chinese, half English sequences."""
    opt = torch.optim.AdamW(net.parameters(), lr=LR, betas=(0.9, 0.98), weight_decay=0.01)
    sched = schedule(opt, steps, min(WARMUP, steps // 2 or 1))
    rng, vocab_size = random.Random(SEED), net.bias.shape[0]
    history, start, loss_sum, since = [], time.time(), 0.0, 0
    for step in range(1, steps + 1):
        net.train()
        rows = [rng.choice(train_rows[lang]) for lang in ("zh", "en") for _ in range(BATCH // 2)]
        inputs, segments, pos, targets = mlm_batch(rows, rng, vocab_size)
        logits = net(inputs, segments, pos)[0]
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        loss_sum, since = loss_sum + loss.item(), since + 1
        if step % eval_every == 0 or step == steps:
            row = {"step": step, "loss": round(loss_sum / since, 4)}
            for lang in ("zh", "en"):
                row[f"val_top1_{lang}"] = round(mlm_accuracy(net, val_rows[lang], vocab_size, SEED)["top1"], 4)
            row["seconds"] = round(time.time() - start, 1)
            history.append(row)
            loss_sum, since = 0.0, 0
            log(" ".join(f"{k} {v}" for k, v in row.items()))
            torch.save({"state": net.state_dict(), "history": history, "seconds": time.time() - start}, ckpt)
    return history, time.time() - start


@torch.no_grad()
def classify(net, examples, chunk=256):
    net.eval()
    preds = []
    for i in range(0, len(examples), chunk):
        part = examples[i:i + chunk]
        preds.append(net(pad([e[0] for e in part]), pad([e[1] for e in part]))[0].argmax(-1))
    return torch.cat(preds)


def class_scores(preds, examples):
    """Accuracy over all held-out lines and balanced accuracy (the mean of the per-class recalls)."""
    y = torch.tensor([e[2] for e in examples])
    recalls = [((preds == y) & (y == c)).sum().item() / max(1, (y == c).sum().item()) for c in range(len(text.SOURCES))]
    return (preds == y).float().mean().item(), sum(recalls) / len(recalls), recalls


def train_classifier(net, train_by_class, val, steps, lr, log=print):
    """AdamW, warm-up over the first 10% of steps then linear decay; every batch holds CLS_BATCH / 4 lines
    of each source, so the small sources (a few hundred ci) weigh as much as the large ones."""
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    sched = schedule(opt, steps, max(1, steps // 10))
    rng = random.Random(SEED + 7)
    history, start = [], time.time()
    for step in range(1, steps + 1):
        net.train()
        part = [rng.choice(rows) for rows in train_by_class for _ in range(CLS_BATCH // len(train_by_class))]
        logits = net(pad([e[0] for e in part]), pad([e[1] for e in part]))[0]
        loss = F.cross_entropy(logits, torch.tensor([e[2] for e in part]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % max(1, steps // 6) == 0 or step == steps:
            acc, balanced, _ = class_scores(classify(net, val), val)
            history.append({"step": step, "loss": round(loss.item(), 4), "val_accuracy": round(acc, 4),
                            "val_balanced_accuracy": round(balanced, 4), "seconds": round(time.time() - start, 1)})
            log(" ".join(f"{k} {v}" for k, v in history[-1].items()))
    return history, time.time() - start


# ---- export ----------------------------------------------------------------------------------------------
class ExportedMLM(nn.Module):
    """ids, segments (1, T) and positions (1, M) -> logits (1, M, vocab), hidden states (1, layers + 1, T, d)
    and every layer's attention (1, heads, T, T)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, ids, segments, positions):
        logits, hidden, attention = self.net(ids, segments, positions)
        return (logits, hidden, *attention)


class ExportedClassifier(nn.Module):
    """ids, segments (1, T) -> class probabilities (1, classes) and every layer's attention."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, ids, segments):
        logits, attention = self.net(ids, segments)
        return (logits.softmax(-1), *attention)


def label(en, zh):
    return {"en": en, "zh": zh}


def token_inputs(ids, segments):
    return [Input("ids", ids, "tokens", dims={1: "seq"}, vocab="vocab.json", label=label("token ids", "词元编号")),
            Input("segments", segments, "tokens", dims={1: "seq"}, vocab="vocab.json",
                  label=label("segment ids (0 = A, 1 = B)", "片段编号（0 = A，1 = B）"))]


def attention_outputs():
    return [Output(f"attn{i}", "attention", label(f"layer {i + 1}: self-attention", f"第 {i + 1} 层：自注意力"),
                   dims={2: "seq", 3: "seq"}, axes=["batch", "head", "query", "key"],
                   attention={"kind": "self", "label": label("self-attention", "自注意力"), "layer": i + 1})
            for i in range(LAYERS)]


# Measured in the browser's onnxruntime profile: the padding mask from the token ids and the shapes of the
# variable length are integer work onnxruntime-web leaves to the CPU.
CPU_OPS = {"ops": ["Shape", "Gather", "Unsqueeze", "Concat", "Equal", "Slice"],
           "why": label("integer bookkeeping for the variable sequence length (shapes, the padding mask from the token "
                        "ids, the slice of the position table): onnxruntime-web keeps int64 shape arithmetic on the CPU; "
                        "every floating-point kernel runs on WebGPU",
                        "为可变序列长度所做的整数运算（形状、由词元编号得到的填充掩码、位置表的切片）：onnxruntime-web "
                        "把 int64 形状运算留在 CPU 上；所有浮点计算都在 WebGPU 上运行")}
# The masked LM also gathers the positions to predict: their index tensor is reshaped and expanded over the
# channels, integer work that stays on the CPU too.
MLM_CPU_OPS = {"ops": CPU_OPS["ops"] + ["Reshape", "Where", "Expand"],
               "why": label(CPU_OPS["why"]["en"] + "; the positions to predict are gathered with int64 index work on the CPU as well",
                            CPU_OPS["why"]["zh"] + "；要预测的位置也是用 CPU 上的 int64 索引运算取出的")}
DATA = {"name": "Classical Chinese poems (tang300, song100) and Chinese sayings and prose (chinese) from Debian's "
                "fortunes-zh; English quotations from Debian's fortunes",
        "license": "fortunes-zh: GPL-3.0+ (Debian copyright file); fortunes: BSD-3-Clause (fortune-mod)",
        "sources": {k: {"files": list(v["files"]), "package": v["package"], "license": v["license"], "label": v["label"]}
                    for k, v in text.SOURCES.items()},
        "held_out": f"{round(HELD_OUT * 100)}% of each source's passages, by a fixed shuffle (seed {SEED}); never trained on",
        "held_out_share": HELD_OUT}


def seen_share(lines, parts):
    """Share of `lines` (held-out) that also occur, word for word, as a line of some training passage of any
    source: the `chinese` file quotes many Tang and Song poems, so a held-out line may have been read in training."""
    seen = {line for a, _ in parts.values() for p in a for line in p}
    return round(sum(line in seen for line in lines) / max(1, len(lines)), 4)
EXAMPLES = [  # the widget's picks: text (a line break starts segment B) and the positions in the ids masked first (0 = [CLS])
    {"lang": "zh", "text": "床前明月光，疑是地上霜。", "positions": [4]},
    {"lang": "zh", "text": "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。", "positions": [8, 16]},
    {"lang": "en", "text": "The best way to predict the future is to invent it.", "positions": [8]},
    {"lang": "zh", "text": "三人行，必有我师焉。", "positions": [8]},
    {"lang": "en", "text": "To be or not to be, that is the question.", "positions": [11]},
    {"lang": "zh", "text": "春眠不觉晓，处处闻啼鸟。", "positions": [11]},
    {"lang": "en", "text": "A computer lets you make more mistakes faster than any other invention.", "positions": [2]},
]


def copy_vocab(out, vocab_path):
    if os.path.abspath(vocab_path) != os.path.abspath(os.path.join(out, "vocab.json")):
        shutil.copyfile(vocab_path, os.path.join(out, "vocab.json"))


def vocab_file(tokens):
    return {"kind": "wordpiece", "tokens": tokens,
            "special": {"pad": wp.PAD, "unk": wp.UNK, "cls": wp.CLS, "sep": wp.SEP, "mask": wp.MASK},
            "continuation": wp.CONTINUATION, "max_word": wp.MAX_WORD, "max_len": MAX_LEN,
            "rules": "training/common/wordpiece.py"}


def ship_mlm(out, net, tok, held_rows, seen, scores, history, seconds, smoke):
    """seen: every line of the training passages, to tell the reader which examples the model was trained on."""
    net.eval()
    vocab_size = len(tok.tokens)
    rng = random.Random(SEED + 3)
    shipped = []
    for lang in ("zh", "en"):
        for ids, segments in held_rows[lang][: N_SHIPPED // 2]:
            inputs, segs, pos, targets = mlm_batch([(ids, segments)], rng, vocab_size, corrupt=False)
            with torch.no_grad():
                top = net(inputs, segs, pos)[0][0].softmax(-1).topk(5)
            shipped.append({"lang": lang, "ids": inputs[0].tolist(), "segments": segs[0].tolist(),
                            "positions": pos[0].tolist(), "targets": targets[0].tolist(),
                            "top5": top.indices.tolist(), "top5_probs": [[round(p, 5) for p in row] for row in top.values.tolist()]})
    # An example counts as seen when each of its lines, final punctuation aside, occurs within a training line.
    seen_text = "\n".join(seen).lower()
    examples = [{**e, "in_training": all(line.rstrip("。.？?！!").lower() in seen_text for line in e["text"].split("\n"))}
                for e in EXAMPLES]
    write_json(os.path.join(out, "samples.json"), {"examples": examples, "held_out": shipped})
    case = lambda s: (torch.tensor([s["ids"]]), torch.tensor([s["segments"]]), torch.tensor([s["positions"]]))  # noqa: E731
    ex = ExportedMLM(net)
    first = case(shipped[0])
    zh_en = [s for s in shipped if s["lang"] == "en"][0]
    graph = Graph("mlm", ex, cpu_ops=MLM_CPU_OPS, cases=[("held-out zh 0", first), ("held-out en 0", case(zh_en))],
                  inputs=token_inputs(first[0], first[1])
                  + [Input("positions", first[2], "tokens", dims={1: "masked"}, vocab="vocab.json",
                           label=label("positions to predict", "要预测的位置"))],
                  outputs=[Output("logits", "logits", label("scores of every token at each masked position", "每个被遮住位置上各词元的得分"), dims={1: "masked"}),
                           Output("hidden", "hidden_state", label("hidden states: embeddings, then every layer", "隐藏状态：嵌入层，然后每一层"),
                                  dims={2: "seq"}, axes=["batch", "layer", "token", "channel"])]
                  + attention_outputs())
    return ship(out, {
        "slug": "bert", "title": label("BERT (tiny): masked-language model, Chinese and English", "BERT（小型）：中英文掩码语言模型"),
        "widget": "bert-explorer",
        "architecture": f"BERT encoder (post-norm, GELU) as in the paper, scaled: d_model {D_MODEL}, {HEADS} heads, {LAYERS} layers, "
                        f"feed-forward {D_FF}, {MAX_LEN} positions, WordPiece vocabulary of {vocab_size}; MLM only, no next-sentence prediction",
        "script": "training/bert.py",
        "metrics": scores,
        "samples": {"file": "samples.json", "shipped_held_out": len(shipped)},
        "data": DATA,
        "training": {"script": "training/bert.py", "steps": history[-1]["step"] if history else 0, "batch_size": BATCH,
                     "d_model": D_MODEL, "heads": HEADS, "layers": LAYERS, "d_ff": D_FF, "max_len": MAX_LEN, "dropout": DROPOUT,
                     "vocab_size": vocab_size, "mask_share": MASK_SHARE, "lr": LR, "warmup": WARMUP,
                     "optimizer": "AdamW (0.9, 0.98), weight decay 0.01, warm-up then linear decay, gradient norm clipped at 1",
                     "loss": "cross-entropy at the masked positions",
                     "watched": "the history's held-out figures (300 sequences per language) were logged, never used to choose a step or setting",
                     "seconds": round(seconds, 1), "seed": SEED,
                     "smoke": smoke, "history": history},
    }, [graph], files=("samples.json", "vocab.json"),
        macs_what=label("one sequence of the shipped first held-out sample", "对第一个随附的留出样本运行一次"))


def ship_classifier(out, net, tok, held_lines, scores, histories, seconds, smoke):
    net.eval()
    per_class = N_SHIPPED // len(text.SOURCES)
    shipped = [e for c in range(len(text.SOURCES)) for e in [x for x in held_lines if x[2] == c][:per_class]]
    with torch.no_grad():
        probs = [net(torch.tensor([e[0]]), torch.tensor([e[1]]))[0].softmax(-1)[0].tolist() for e in shipped]
    write_json(os.path.join(out, "samples.json"), {"held_out": [
        {"text": e[3], "class": e[2], "ids": e[0], "probs": [round(p, 5) for p in ps]} for e, ps in zip(shipped, probs)]})
    ex = ExportedClassifier(net)
    case = lambda e: (torch.tensor([e[0]]), torch.tensor([e[1]]))  # noqa: E731
    graph = Graph("classifier", ex, cpu_ops=CPU_OPS, cases=[(f"held-out {i}", case(shipped[i])) for i in (0, len(shipped) - 1)],
                  inputs=token_inputs(*case(shipped[0])),
                  outputs=[Output("probs", "probabilities", label("which source the text comes from", "文本出自哪个来源"))] + attention_outputs())
    sources = list(text.SOURCES.values())
    return ship(out, {
        "slug": "bert-classifier", "title": label("BERT (tiny) fine-tuned: which source is this line from?", "微调后的 BERT（小型）：这一行出自哪里？"),
        "widget": "bert-explorer",
        "architecture": f"the BERT of public/models/bert with a classification head on [CLS] (pooler dense + tanh, then linear to "
                        f"{len(sources)} classes), every weight fine-tuned",
        "script": "training/bert.py",
        "labels": {"en": [s["label"]["en"] for s in sources], "zh": [s["label"]["zh"] for s in sources]},
        "metrics": scores,
        "samples": {"file": "samples.json", "predictions": [max(range(len(p)), key=p.__getitem__) for p in probs],
                    "confidences": [round(max(p), 5) for p in probs], "shipped_held_out": len(shipped)},
        "data": DATA,
        "training": {"script": "training/bert.py", "steps": CLS_STEPS, "batch_size": CLS_BATCH, "lr": CLS_LR,
                     "initialised_from": "public/models/bert (the pre-trained encoder; the MLM head is dropped)",
                     "optimizer": "AdamW, weight decay 0.01, warm-up over 10% of the steps then linear decay",
                     "loss": "cross-entropy, every batch balanced over the sources",
                     "watched": "the histories' held-out figures were logged, never used to choose a step or setting",
                     "seconds": round(seconds, 1),
                     "seed": SEED, "smoke": smoke, "history": histories["fine-tuned"], "history_scratch": histories["scratch"]},
    }, [graph], files=("samples.json", "vocab.json"),
        macs_what=label("one line (the first shipped held-out line)", "对第一个随附的留出行运行一次"))


def main():
    ap = arguments(__doc__, None)
    ap.add_argument("--model", choices=VARIANTS, default="bert")
    ap.add_argument("--export-only", action="store_true", help="export the checkpoint of an earlier run")
    args = ap.parse_args()
    if args.from_shipped:
        ap.error("--from-shipped is not supported here; use --export-only")
    out = args.out or os.path.join(MODELS, args.model)
    torch.set_num_threads(1)   # small Transformers train faster on one thread than on two
    set_seed(SEED)
    os.makedirs(CHECKPOINTS, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    parts = text.split(SEED, HELD_OUT)
    if args.smoke:
        parts = {k: (a[:40], b[:8]) for k, (a, b) in parts.items()}

    if args.model == "bert":
        tokens = wp.train_vocab([line for a, _ in parts.values() for p in a for line in p], CHAR_MIN_COUNT,
                                200 if args.smoke else ENGLISH_PIECES)
        write_json(os.path.join(out, "vocab.json"), vocab_file(tokens))
        tok = wp.WordPiece(tokens)
        rows = {split: {lang: [w for k, (a, b) in parts.items() if text.SOURCES[k]["lang"] == lang
                               for w in windows(a if split == "train" else b, tok)] for lang in ("zh", "en")}
                for split in ("train", "held")}
        # Validation during training: a fixed 300 of each language's held-out windows (the figures in the card use all).
        val = {lang: rows["held"][lang][:300] for lang in ("zh", "en")}
        net = MaskedLM(len(tokens))
        ckpt = os.path.join(CHECKPOINTS, f"bert{'-smoke' if args.smoke else ''}.pt")
        if args.export_only:
            saved = torch.load(ckpt)
            net.load_state_dict(saved["state"])
            history, seconds = saved["history"], saved["seconds"]
        else:
            history, seconds = train_mlm(net, rows["train"], val, 10 if args.smoke else STEPS, 5 if args.smoke else EVAL_EVERY, ckpt)
        scores = {}
        for lang in ("zh", "en"):
            counts = Counter(t for ids, _ in rows["train"][lang] for t in ids if t >= len(wp.SPECIALS))
            unigram = torch.tensor([t for t, _ in counts.most_common(5)])
            m = mlm_accuracy(net, rows["held"][lang], len(tokens), SEED + 1, unigram)
            scores |= {f"mlm_top1_{lang}": round(m["top1"], 4), f"mlm_top1_{lang}_unigram_baseline": round(m["uni1"], 4),
                       f"mlm_top5_{lang}": round(m["top5"], 4), f"mlm_top5_{lang}_unigram_baseline": round(m["uni5"], 4),
                       f"mlm_positions_{lang}": m["positions"], f"held_out_sequences_{lang}": len(rows["held"][lang]),
                       f"held_out_lines_seen_in_training_{lang}": seen_share(
                           [line for k, (_, b) in parts.items() if text.SOURCES[k]["lang"] == lang for p in b for line in p], parts)}
            print(f"{lang}: top-1 {m['top1']:.4f} (unigram {m['uni1']:.4f}), top-5 {m['top5']:.4f} (unigram {m['uni5']:.4f}) "
                  f"at {m['positions']} held-out positions")
        seen = {line for a, _ in parts.values() for p in a for line in p}
        ship_mlm(out, net, tok, rows["held"], seen, scores, history, seconds, args.smoke)
    else:
        # The pre-trained encoder is read back from the shipped masked LM beside this model's folder, so a fresh
        # clone fine-tunes from exactly the weights the site runs.
        mlm_dir = os.path.join(os.path.dirname(os.path.abspath(out)), "bert")
        with open(os.path.join(mlm_dir, "vocab.json"), encoding="utf-8") as f:
            tokens = json.load(f)["tokens"]
        tok = wp.WordPiece(tokens)
        copy_vocab(out, os.path.join(mlm_dir, "vocab.json"))
        train_by_class = [lines_of(parts[s][0], tok, s) for s in text.SOURCES]
        held = [e for s in text.SOURCES for e in lines_of(parts[s][1], tok, s)]
        steps = 10 if args.smoke else CLS_STEPS
        mlm = MaskedLM(len(tokens))
        restore(mlm_dir, ExportedMLM(mlm), tuple(torch.tensor([x]) for x in ([wp.CLS, 9, wp.SEP], [0, 0, 0], [1])), "mlm.onnx")
        pretrained = mlm.bert.state_dict()
        nets, histories, scores, seconds = {}, {}, {}, 0.0
        for init in ("fine-tuned", "scratch"):
            set_seed(SEED)
            net = Classifier(len(tokens), len(text.SOURCES))
            if init == "fine-tuned":
                net.bert.load_state_dict(pretrained)
            print(f"classifier, {init}:")
            histories[init], s = train_classifier(net, train_by_class, held, steps, CLS_LR[init])
            seconds += s
            acc, balanced, recalls = class_scores(classify(net, held), held)
            suffix = "" if init == "fine-tuned" else "_scratch"
            scores |= {f"classifier_accuracy{suffix}": round(acc, 4), f"classifier_balanced_accuracy{suffix}": round(balanced, 4)}
            scores |= {f"classifier_recall_{s}{suffix}": round(r, 4) for s, r in zip(text.SOURCES, recalls)}
            nets[init] = net
        y = Counter(e[2] for e in held)
        scores["classifier_accuracy_majority_baseline"] = round(y.most_common(1)[0][1] / len(held), 4)
        scores["classifier_balanced_accuracy_majority_baseline"] = round(1 / len(text.SOURCES), 4)
        scores["held_out_lines"] = len(held)
        scores |= {f"held_out_lines_{s}": y[i] for i, s in enumerate(text.SOURCES)}
        scores |= {f"held_out_lines_seen_in_training_{s}": seen_share([e[3] for e in held if e[2] == i], parts)
                   for i, s in enumerate(text.SOURCES)}
        print(scores)
        ship_classifier(out, nets["fine-tuned"], tok, held, scores, histories, seconds, args.smoke)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
