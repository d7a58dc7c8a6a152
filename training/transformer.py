"""Transformer (Vaswani et al., 2017), small, translating numbers written in words between Chinese and English.

    /usr/bin/python3 training/transformer.py                 # full run (about half an hour on one core)
    /usr/bin/python3 training/transformer.py --smoke --out /tmp/transformer   # a few steps, for CI
    /usr/bin/python3 training/transformer.py --export-only   # export the checkpoint of an earlier run

What is kept from the paper: the encoder–decoder with post-norm residual blocks (multi-head self-attention,
add & norm, position-wise feed-forward), a decoder with masked self-attention and cross-attention,
sinusoidal positional encoding, embeddings scaled by √d and shared with the output projection, label
smoothing 0.1, Adam (β₂ = 0.98) with the warm-up learning-rate schedule. What is scaled: d_model 96
instead of 512, 4 heads instead of 8, 2 + 2 layers instead of 6 + 6, feed-forward 256 instead of 2048,
no dropout (batches are drawn afresh from a billion integers, so there is little to over-fit), and a 52-token
vocabulary shared by both languages instead of 37,000 byte-pair codes.

Data: integers 0 … 999,999,999, rendered in words by common/numwords.py, both directions; a direction
token in front of the source chooses the target language. Held-out integers (for the card's exact-match
accuracy) and validation integers (watched during training) are never trained on.
"""
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import numwords as nw  # noqa: E402
from common.export import write_json  # noqa: E402
from common.loop import set_seed  # noqa: E402
from common.ship import Graph, Input, Output, arguments, ship  # noqa: E402

# ---- config: every default here produced the shipped model ------------------------------------------
VARIANTS = ["transformer"]   # the shipped model this script makes (scripts/models.sh reads this)
SEED = 1234
D_MODEL = 96
HEADS = 4
LAYERS = 2              # encoder layers, and as many decoder layers
D_FF = 256
MAX_LEN = 24            # longest sequence in tokens (direction/BOS/EOS included); the longest number needs 19
STEPS = 20000           # validation exact match stayed within 99.2–100% from step 10,000 on
BATCH = 64              # pairs per step, half of them in each direction
WARMUP = 400            # steps of linear warm-up, then the rate falls as 1/√step (the paper's schedule)
LABEL_SMOOTHING = 0.1
ZERO_RICH = 0.4         # share of training integers whose digits are mostly zeros (一万零五, 三亿零七百)
HELD_OUT = 2000         # integers for the card's accuracy, never trained on
VALIDATION = 500        # integers watched during training, never trained on
EVAL_EVERY = 2000
N_SHIPPED = 100         # held-out integers shipped with PyTorch's translations, for the widget and the checks
HERE = os.path.dirname(os.path.abspath(__file__))
CHECKPOINTS = os.path.join(HERE, "checkpoints")


# region model
class MultiHeadAttention(nn.Module):
    """softmax(Q Kᵀ / √d_k) V in `heads` subspaces at once. Returns the output and the attention weights
    (B, heads, T_query, T_key), which the widget draws."""

    def __init__(self, d_model, heads):
        super().__init__()
        self.heads, self.d_k = heads, d_model // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d_model, d_model) for _ in range(4))

    def forward(self, query, memory, mask):
        B, Tq, D = query.shape
        split = lambda x: x.view(B, -1, self.heads, self.d_k).transpose(1, 2)  # noqa: E731  (B, h, T, d_k)
        q, k, v = split(self.q(query)), split(self.k(memory)), split(self.v(memory))
        # Dividing by √d_k keeps the scores' variance near 1 whatever d_k is, so softmax does not saturate.
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)          # (B, h, Tq, Tk)
        weights = scores.masked_fill(~mask, float("-inf")).softmax(-1)
        out = (weights @ v).transpose(1, 2).reshape(B, Tq, D)
        return self.o(out), weights


class FeedForward(nn.Module):
    """The same two-layer MLP applied to every position on its own."""

    def __init__(self, d_model, d_ff):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))

    def forward(self, x):
        return self.net(x)


class EncoderLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff):
        super().__init__()
        self.attn, self.ff = MultiHeadAttention(d_model, heads), FeedForward(d_model, d_ff)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

    def forward(self, x, src_mask):
        a, weights = self.attn(x, x, src_mask)
        x = self.norm1(x + a)                     # add & norm after each sub-layer (post-norm, as in the paper)
        return self.norm2(x + self.ff(x)), weights


class DecoderLayer(nn.Module):
    def __init__(self, d_model, heads, d_ff):
        super().__init__()
        self.self_attn, self.cross_attn = MultiHeadAttention(d_model, heads), MultiHeadAttention(d_model, heads)
        self.ff = FeedForward(d_model, d_ff)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d_model) for _ in range(3))

    def forward(self, y, memory, tgt_mask, src_mask):
        a, self_weights = self.self_attn(y, y, tgt_mask)          # each position sees only earlier ones
        y = self.norm1(y + a)
        a, cross_weights = self.cross_attn(y, memory, src_mask)   # queries from the target, keys from the source
        y = self.norm2(y + a)
        return self.norm3(y + self.ff(y)), self_weights, cross_weights


def positional_encoding(max_len, d_model):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    return pe


class Transformer(nn.Module):
    def __init__(self, vocab, d_model=D_MODEL, heads=HEADS, layers=LAYERS, d_ff=D_FF, max_len=MAX_LEN):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(vocab, d_model)   # shared by source, target and the output projection
        # Std d^-0.5, so the embeddings times √d have unit scale and the tied output starts with unit logits.
        nn.init.normal_(self.embed.weight, std=d_model ** -0.5)
        self.encoder = nn.ModuleList(EncoderLayer(d_model, heads, d_ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(d_model, heads, d_ff) for _ in range(layers))
        # Tables, not computed in forward, so the exported graphs only slice them.
        self.register_buffer("pe", positional_encoding(max_len, d_model))
        self.register_buffer("causal", torch.ones(max_len, max_len).tril().bool())

    def embed_tokens(self, ids):                    # (B, T) -> (B, T, d)
        return self.embed(ids) * math.sqrt(self.d_model) + self.pe[: ids.shape[1]]

    def encode(self, src):
        src_mask = (src != nw.PAD)[:, None, None, :]                   # (B, 1, 1, S): padding is never a key
        x, attention = self.embed_tokens(src), []
        for layer in self.encoder:
            x, weights = layer(x, src_mask)
            attention.append(weights)
        return x, attention

    def decode(self, tgt, memory, src):
        T = tgt.shape[1]
        src_mask = (src != nw.PAD)[:, None, None, :]
        tgt_mask = self.causal[:T, :T][None, None] & (tgt != nw.PAD)[:, None, None, :]   # (B, 1, T, T)
        y, self_attention, cross_attention = self.embed_tokens(tgt), [], []
        for layer in self.decoder:
            y, s, c = layer(y, memory, tgt_mask, src_mask)
            self_attention.append(s)
            cross_attention.append(c)
        return y @ self.embed.weight.T, self_attention, cross_attention    # logits (B, T, vocab)

    def forward(self, src, tgt):
        memory, _ = self.encode(src)
        return self.decode(tgt, memory, src)[0]
# endregion model


class ExportedEncoder(nn.Module):
    """Source ids (1, S) -> memory (1, S, d) and every encoder layer's self-attention (1, heads, S, S)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, src):
        memory, attention = self.net.encode(src)
        return (memory, *attention)


class ExportedDecoder(nn.Module):
    """Memory (1, S, d), source ids (1, S) and B prefixes (B, T) -> next-token logits (B, vocab) after each
    prefix, and every decoder layer's masked self-attention (B, heads, T, T) and cross-attention
    (B, heads, T, S). The memory is shared by all B prefixes: the beams of a beam search."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, memory, src, tgt):
        B = tgt.shape[0]
        logits, self_attention, cross_attention = self.net.decode(tgt, memory.expand(B, -1, -1), src.expand(B, -1))
        return (logits[:, -1], *self_attention, *cross_attention)


# ---- data ------------------------------------------------------------------------------------------------
def draw_integer(rng):
    """Digit count uniform over 1-9, so one-digit numbers are as common as nine-digit ones; ZERO_RICH of the
    draws keep each digit below the leading one only with probability 1/3 (the rest become zeros)."""
    digits = rng.randint(1, 9)
    n = rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits)
    if rng.random() < ZERO_RICH and digits > 1:
        s = str(n)
        n = int(s[0] + "".join(c if rng.random() < 1 / 3 else "0" for c in s[1:]))
    return n


def split_integers(seed):
    """Held-out and validation integers, disjoint, from 100 upwards with the digit count uniform over 3-9
    (the hundred integers below 100 are all needed in training: they hold every basic word)."""
    rng, seen, sets = random.Random(seed), set(), []
    for size in (HELD_OUT, VALIDATION):
        chosen = []
        while len(chosen) < size:
            n = draw_integer(rng)
            if n >= 100 and n not in seen:
                seen.add(n)
                chosen.append(n)
        sets.append(chosen)
    return sets[0], sets[1], seen


def pair(n, direction):
    """(source ids, target ids) for integer n; direction 'zh-en' or 'en-zh'."""
    src_lang, tgt_lang = direction.split("-")
    render = {"zh": nw.zh, "en": nw.en}
    src = [nw.TO_EN if tgt_lang == "en" else nw.TO_ZH] + nw.encode(render[src_lang](n), src_lang) + [nw.EOS]
    tgt = [nw.BOS] + nw.encode(render[tgt_lang](n), tgt_lang) + [nw.EOS]
    return src, tgt


def pad(seqs):
    out = torch.full((len(seqs), max(map(len, seqs))), nw.PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s)
    return out


def batch(rng, excluded, size):
    pairs = []
    while len(pairs) < size:
        n = draw_integer(rng)
        if n not in excluded:
            pairs.append(pair(n, "zh-en" if len(pairs) % 2 == 0 else "en-zh"))
    src, tgt = zip(*pairs)
    return pad(src), pad(tgt)


# ---- decoding and accuracy -------------------------------------------------------------------------------
@torch.no_grad()
def greedy(net, src, max_len=MAX_LEN):
    """Greedy decoding of a batch: at each step append the most probable next token."""
    memory, _ = net.encode(src)
    out = torch.full((len(src), 1), nw.BOS, dtype=torch.long)
    done = torch.zeros(len(src), dtype=torch.bool)
    for _ in range(max_len - 1):
        logits = net.decode(out, memory, src)[0][:, -1]
        nxt = logits.argmax(-1).masked_fill(done, nw.PAD)
        out = torch.cat([out, nxt[:, None]], 1)
        done |= nxt == nw.EOS
        if done.all():
            break
    return out


def exact_match(net, integers, direction, chunk=250):
    """Share of integers whose greedy translation equals the rendered target exactly, and the misses."""
    net.eval()
    hits, misses = 0, []
    for i in range(0, len(integers), chunk):
        part = integers[i:i + chunk]
        src, tgt = zip(*(pair(n, direction) for n in part))
        pred = greedy(net, pad(src))
        for n, p, t in zip(part, pred.tolist(), tgt):
            p = p[: p.index(nw.EOS) + 1] if nw.EOS in p else p
            if p == t:
                hits += 1
            else:
                misses.append(n)
    return hits / len(integers), misses


# ---- training --------------------------------------------------------------------------------------------
def train(net, excluded, validation, steps, eval_every, ckpt, log=print):
    """Adam with the paper's schedule: lr = d^-0.5 · min(step^-0.5, step · warmup^-1.5)."""
    opt = torch.optim.Adam(net.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: D_MODEL ** -0.5 * min((s + 1) ** -0.5, (s + 1) * WARMUP ** -1.5))
    rng = random.Random(SEED)
    history, start, loss_sum = [], time.time(), 0.0
    for step in range(1, steps + 1):
        net.train()
        src, tgt = batch(rng, excluded, BATCH)
        logits = net(src, tgt[:, :-1])                   # teacher forcing: predict token t+1 from tokens ≤ t
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt[:, 1:].reshape(-1),
                               ignore_index=nw.PAD, label_smoothing=LABEL_SMOOTHING)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        loss_sum += loss.item()
        if step % eval_every == 0 or step == steps:
            row = {"step": step, "loss": round(loss_sum / (step - (history[-1]["step"] if history else 0)), 4)}
            for direction in ("zh-en", "en-zh"):
                row[f"val_{direction.replace('-', '_')}"] = round(exact_match(net, validation, direction)[0], 4)
            row["seconds"] = round(time.time() - start, 1)
            history.append(row)
            loss_sum = 0.0
            log(" ".join(f"{k} {v}" for k, v in row.items()))
            save(ckpt, net, history, time.time() - start)
    return history, time.time() - start


# ---- export ----------------------------------------------------------------------------------------------
VOCAB_FILE = {
    "tokens": nw.VOCAB,
    "special": {"pad": nw.PAD, "bos": nw.BOS, "eos": nw.EOS, "to_en": nw.TO_EN, "to_zh": nw.TO_ZH},
    "split": {"zh": {"by": "char"}, "en": {"by": "word", "separate": ["-"]}},
    "max_len": MAX_LEN,
    "aliases": {"两": "二", "〇": "零"},   # spellings readers type that the renderer never writes
}
EXAMPLES = [35007, 20304050, 100000001, 7, 15, 110, 1234, 100000, 3050000, 999999999]  # the widget's picks, first shown first


def translations(net, integers, direction):
    """PyTorch's greedy translation of each integer, as text."""
    src = pad([pair(n, direction)[0] for n in integers])
    lang = direction.split("-")[1]
    out = []
    for row in greedy(net, src).tolist():
        ids = row[1: row.index(nw.EOS)] if nw.EOS in row else row[1:]
        out.append(nw.detokenize([nw.VOCAB[i] for i in ids], lang))
    return out


def ship_transformer(out, net, held_out, accuracy, history, seconds, smoke):
    """encoder.onnx and decoder.onnx with every attention map as an output, the vocabulary, the positional
    encoding table, shipped held-out pairs with PyTorch's translations, golden tensors and the card."""
    net.eval()
    shipped = held_out[:N_SHIPPED]
    predictions = {d: translations(net, shipped, d) for d in ("zh-en", "en-zh")}
    subset = {d: sum(p == {"zh-en": nw.en, "en-zh": nw.zh}[d](n) for n, p in zip(shipped, predictions[d])) / len(shipped)
              for d in predictions}
    write_json(os.path.join(out, "vocab.json"), VOCAB_FILE)
    write_json(os.path.join(out, "positional_encoding.json"), {
        "max_len": MAX_LEN, "d_model": D_MODEL, "values": [[round(v, 6) for v in row] for row in net.pe.tolist()]})
    write_json(os.path.join(out, "samples.json"), {
        "examples": [{"n": n, "zh": nw.zh(n), "en": nw.en(n)} for n in EXAMPLES],
        "held_out": [{"n": n, "zh": nw.zh(n), "en": nw.en(n), "zh_en": predictions["zh-en"][i], "en_zh": predictions["en-zh"][i]}
                     for i, n in enumerate(shipped)]})

    # Golden cases: two sources (one per direction) through the encoder; through the decoder a full prefix
    # and a batch of four (the beams of a beam search).
    sources = [torch.tensor([pair(n, d)[0]]) for n, d in ((35007, "zh-en"), (100000001, "en-zh"))]
    enc, dec = ExportedEncoder(net), ExportedDecoder(net)
    with torch.no_grad():
        memories = [enc(s)[0] for s in sources]
    target = torch.tensor([pair(35007, "zh-en")[1][:-1]])                   # BOS thirty - five thousand seven
    beams = torch.tensor([pair(n, "zh-en")[1][:4] for n in (35007, 35008, 36007, 1234)])
    layers = range(LAYERS)
    # Measured in the browser's onnxruntime profile: the sizes of the variable lengths, and the masks made from
    # token ids, are integer work onnxruntime-web places on the CPU; every float kernel runs on WebGPU.
    why = {"en": "integer bookkeeping for the variable sequence lengths (shapes, the padding mask from the token ids, "
                 "the slice of the causal mask): onnxruntime-web 1.30 keeps int64 shape arithmetic on the CPU; "
                 "every floating-point kernel runs on WebGPU",
           "zh": "为可变的序列长度所做的整数运算（形状、由词元编号得到的填充掩码、因果掩码的切片）："
                 "onnxruntime-web 1.30 把 int64 形状运算留在 CPU 上；所有浮点计算都在 WebGPU 上运行"}
    attention = lambda q, k: ["batch", "head", q, k]  # noqa: E731
    label = lambda en, zh: {"en": en, "zh": zh}  # noqa: E731
    kind = lambda k, i, en, zh: {"kind": k, "label": label(en, zh), "layer": i + 1}  # noqa: E731
    encoder = Graph("encoder", enc, cpu_ops={"ops": ["Shape", "Gather", "Unsqueeze", "Concat", "Equal"], "why": why}, cases=[("35007 zh-en", (sources[0],)), ("100000001 en-zh", (sources[1],))],
                    inputs=[Input("src", sources[0], "tokens", dims={1: "src"}, vocab="vocab.json",
                                  label=label("source tokens", "源语言词元"))],
                    outputs=[Output("memory", "state", label("encoder output (memory)", "编码器输出（记忆）"), dims={1: "src"})]
                    + [Output(f"enc_self_{i}", "attention", label(f"encoder layer {i + 1}: self-attention", f"编码器第 {i + 1} 层：自注意力"),
                              dims={2: "src", 3: "src"}, axes=attention("query", "key"),
                              attention=kind("enc_self", i, "encoder: self-attention", "编码器：自注意力")) for i in layers])
    decoder = Graph("decoder", dec, cpu_ops={"ops": ["Shape", "Gather", "Unsqueeze", "Concat", "Equal", "Slice", "Reshape",
                                                  "Where", "Expand"], "why": why}, cases=[("35007 zh-en, full prefix", (memories[0], sources[0], target)),
                                           ("35007 zh-en, four beams", (memories[0], sources[0], beams))],
                    inputs=[Input("memory", memories[0], "state", dims={1: "src"}, label=label("encoder memory", "编码器记忆")),
                            Input("src", sources[0], "tokens", dims={1: "src"}, vocab="vocab.json", label=label("source tokens", "源语言词元")),
                            Input("tgt", target, "tokens", dims={0: "beam", 1: "tgt"}, vocab="vocab.json",
                                  label=label("target prefix", "目标前缀"))],
                    outputs=[Output("logits", "logits", label("next-token logits", "下一个词元的 logits"), dims={0: "beam"})]
                    + [Output(f"dec_self_{i}", "attention", label(f"decoder layer {i + 1}: masked self-attention", f"解码器第 {i + 1} 层：带掩码的自注意力"),
                              dims={0: "beam", 2: "tgt", 3: "tgt"}, axes=attention("query", "key"),
                              attention=kind("dec_self", i, "decoder: masked self-attention", "解码器：带掩码的自注意力")) for i in layers]
                    + [Output(f"dec_cross_{i}", "attention", label(f"decoder layer {i + 1}: cross-attention", f"解码器第 {i + 1} 层：交叉注意力"),
                              dims={0: "beam", 2: "tgt", 3: "src"}, axes=attention("query", "key"),
                              attention=kind("dec_cross", i, "decoder: cross-attention", "解码器：交叉注意力")) for i in layers])
    # One forward pass: the longest source and its whole target, teacher-forced.
    longest_src, longest_tgt = pair(999999999, "zh-en")
    macs_runs = [(net, (torch.tensor([longest_src]), torch.tensor([longest_tgt[:-1]])))]
    return ship(out, {
        "slug": "transformer",
        "title": {"en": "Transformer (tiny): numbers between Chinese and English", "zh": "Transformer（小型）：中英数字互译"},
        "widget": "translator",
        "architecture": f"Transformer encoder–decoder (post-norm) as in the paper, scaled: d_model {D_MODEL}, {HEADS} heads, "
                        f"{LAYERS}+{LAYERS} layers, feed-forward {D_FF}, shared embeddings, no dropout",
        "script": "training/transformer.py",
        "metrics": {"exact_match_zh_en": round(accuracy["zh-en"], 4), "exact_match_en_zh": round(accuracy["en-zh"], 4),
                    "held_out_integers": len(held_out)},
        "samples": {"file": "samples.json", "exact_match_zh_en": subset["zh-en"], "exact_match_en_zh": subset["en-zh"],
                    "shipped_held_out": len(shipped)},
        "data": {"name": "Integers 0 … 999,999,999 in Chinese and English words", "license": "generated by training/common/numwords.py (this project)",
                 "held_out": f"{len(held_out)} integers from 100 up, digit count uniform over 3-9, never trained on",
                 "validation": f"{VALIDATION} more integers, watched during training, never trained on"},
        "training": {"script": "training/transformer.py", "steps": history[-1]["step"] if history else 0, "batch_size": BATCH,
                     "d_model": D_MODEL, "heads": HEADS, "layers": LAYERS, "d_ff": D_FF, "warmup": WARMUP,
                     "label_smoothing": LABEL_SMOOTHING, "max_len": MAX_LEN, "vocab_size": len(nw.VOCAB),
                     "zero_rich": ZERO_RICH, "optimizer": "Adam (0.9, 0.98, 1e-9), the paper's warm-up schedule",
                     "loss": "cross-entropy with label smoothing", "seconds": round(seconds, 1), "seed": SEED,
                     "smoke": smoke, "history": history},
    }, [encoder, decoder], files=("samples.json", "vocab.json", "positional_encoding.json"), macs_runs=macs_runs,
        macs_what={"en": "translating the longest number (999,999,999, 19 source tokens) into its 18-token target, "
                         "the decoder run once on the whole target as in training",
                   "zh": "翻译最长的数（999,999,999，源序列 19 个词元）到 18 个词元的目标序列、并像训练时那样让解码器对整个目标序列只运行一次"})


def save(path, net, history, seconds):
    """The weights and the log so far, rewritten at every evaluation so a long run can be exported early."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"state": net.state_dict(), "history": history, "seconds": seconds}, path)


def main():
    ap = arguments(__doc__, os.path.join(HERE, "..", "public", "models", "transformer"))
    ap.add_argument("--export-only", action="store_true", help="export the checkpoint of an earlier run")
    args = ap.parse_args()
    if args.from_shipped:
        ap.error("--from-shipped is for the models whose checkpoints predate golden format 2; use --export-only")
    torch.set_num_threads(1)   # small Transformers train faster on one thread than on two
    set_seed(SEED)
    held_out, validation, excluded = split_integers(SEED + 1)
    if args.smoke:
        held_out, validation = held_out[:64], validation[:32]
    net = Transformer(len(nw.VOCAB))
    ckpt = os.path.join(CHECKPOINTS, f"transformer{'-smoke' if args.smoke else ''}.pt")
    if args.export_only:
        saved = torch.load(ckpt)
        net.load_state_dict(saved["state"])
        history, seconds = saved["history"], saved["seconds"]
    else:
        history, seconds = train(net, excluded, validation, 10 if args.smoke else STEPS,
                                 5 if args.smoke else EVAL_EVERY, ckpt)
    accuracy = {}
    for direction in ("zh-en", "en-zh"):
        accuracy[direction], misses = exact_match(net, held_out, direction)
        print(f"{direction}: exact match {accuracy[direction]:.4f} on {len(held_out)} held-out integers; misses {misses[:20]}")
    os.makedirs(args.out, exist_ok=True)
    ship_transformer(args.out, net, held_out, accuracy, history, seconds, args.smoke)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
