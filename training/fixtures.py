"""Tiny ONNX models for the runtime's unit tests (tests/unit/runtime*.test.ts), with the answers PyTorch gives.

    /usr/bin/python3 training/fixtures.py            # writes tests/fixtures/onnx/

Three graphs of one fixture "model", shaped like the text chapters' graphs so that the runtime is tested
on what they will feed it:
- tokens:  int64 token ids [1, seq] -> embedding -> next-token logits [1, seq, V]
- decoder: encoder memory [1, src, D] (float32) + token ids [1, seq] (int64) -> logits and the
           cross-attention weights [1, seq, src]
- step:    one step of a recurrent greedy decoder: state [1, H] + token [1, 1] -> next state, logits and
           the argmax token (int64), which the next step is fed

Weights are seeded, so a rerun writes the same files. expected.json holds the inputs the tests feed and
PyTorch's outputs for them, including a 20-step greedy decode of the step graph.
"""
import hashlib
import json
import os

import onnx
import torch
import torch.nn as nn

OPSET = 17
VOCAB = 16
D = 8
STEPS = 20
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "onnx")


class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.head = nn.Linear(D, VOCAB)

    def forward(self, ids):
        return self.head(torch.tanh(self.embed(ids)))


class Decoder(nn.Module):
    """Single-head cross-attention of token queries over an encoder memory."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.q, self.k, self.v = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
        self.head = nn.Linear(D, VOCAB)

    def forward(self, memory, ids):
        x = self.embed(ids)
        scores = self.q(x) @ self.k(memory).transpose(1, 2) / D ** 0.5
        attention = torch.softmax(scores, dim=-1)
        return self.head(x + attention @ self.v(memory)), attention


class Step(nn.Module):
    """h' = tanh(W h + E[token]); logits = U h'; the next token is argmax(logits)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.recur = nn.Linear(D, D)
        self.head = nn.Linear(D, VOCAB)

    def forward(self, state, token):
        h = torch.tanh(self.recur(state) + self.embed(token[:, 0]))
        logits = self.head(h)
        return h, logits, logits.argmax(dim=-1, keepdim=True)


def export(module, example, name, inputs, outputs, dynamic_axes=None):
    path = os.path.join(OUT, f"{name}.onnx")
    module.eval()
    torch.onnx.export(module, example, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic_axes, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    return path


def digest(path):
    with open(path, "rb") as f:
        data = f.read()
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def tensor(t):
    """A tensor as JSON: dtype, shape and every value (float32 values as the nearest double)."""
    dtype = {torch.float32: "float32", torch.int64: "int64"}[t.dtype]
    return {"dtype": dtype, "shape": list(t.shape), "data": t.flatten().tolist()}


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
        f.write("\n")


@torch.no_grad()
def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    tokens, decoder, step = Tokens(), Decoder(), Step()
    # A larger recurrent gain keeps the greedy decode wandering over the vocabulary instead of settling on
    # one token at once, so the 20 steps test something.
    step.recur.weight.mul_(3.0)

    ids = torch.tensor([[3, 1, 4, 1, 5]])
    memory = torch.randn(1, 6, D)
    dec_ids = torch.tensor([[2, 7, 1]])
    state0 = torch.randn(1, D)
    start = torch.tensor([[1]])

    export(tokens, (ids,), "tokens", ["ids"], ["logits"], {"ids": {1: "seq"}, "logits": {1: "seq"}})
    export(decoder, (memory, dec_ids), "decoder", ["memory", "ids"], ["logits", "attention"],
           {"memory": {1: "src"}, "ids": {1: "seq"}, "logits": {1: "seq"}, "attention": {1: "seq", 2: "src"}})
    export(step, (state0, start), "step", ["state", "token"], ["next_state", "logits", "next_token"])

    state, token, trajectory = state0, start, []
    for _ in range(STEPS):
        state, logits, token = step(state, token)
        trajectory.append({"logits": logits.flatten().tolist(), "token": int(token)})

    logits, attention = decoder(memory, dec_ids)
    expected = {
        "tokens": {"inputs": {"ids": tensor(ids)}, "outputs": {"logits": tensor(tokens(ids))}},
        "decoder": {"inputs": {"memory": tensor(memory), "ids": tensor(dec_ids)},
                    "outputs": {"logits": tensor(logits), "attention": tensor(attention)}},
        "step": {"inputs": {"state": tensor(state0), "token": tensor(start)}, "trajectory": trajectory},
    }
    write_json(os.path.join(OUT, "expected.json"), expected)
    vocab = [f"t{i}" for i in range(VOCAB)]
    write_json(os.path.join(OUT, "vocab.json"), vocab)

    label = {"en": "fixture", "zh": "测试用例"}
    token_input = lambda name, shape: {"name": name, "kind": "tokens", "dtype": "int64", "shape": shape,
                                       "vocab": "vocab.json"}
    graphs = [
        {"name": "tokens", "file": "tokens.onnx", "inputs": [token_input("ids", [1, "seq"])],
         "outputs": [{"name": "logits", "shape": [1, "seq", VOCAB], "role": "logits", "label": label}]},
        {"name": "decoder", "file": "decoder.onnx",
         "inputs": [{"name": "memory", "kind": "state", "dtype": "float32", "shape": [1, "src", D]},
                    token_input("ids", [1, "seq"])],
         "outputs": [{"name": "logits", "shape": [1, "seq", VOCAB], "role": "logits", "label": label},
                     {"name": "attention", "shape": [1, "seq", "src"], "role": "attention", "label": label,
                      "axes": ["batch", "query", "key"], "attention": {"kind": "cross", "label": label, "layer": 1}}]},
        {"name": "step", "file": "step.onnx",
         "inputs": [{"name": "state", "kind": "state", "dtype": "float32", "shape": [1, D]},
                    token_input("token", [1, 1])],
         "outputs": [{"name": "next_state", "shape": [1, D], "role": "state", "label": label},
                     {"name": "logits", "shape": [1, VOCAB], "role": "logits", "label": label},
                     {"name": "next_token", "shape": [1, 1], "dtype": "int64", "role": "state", "label": label}]},
    ]
    for g in graphs:
        g.update(digest(os.path.join(OUT, g["file"])))
    card = {
        "slug": "runtime-fixture", "title": label, "widget": "fixture",
        "architecture": "Embedding, cross-attention and a recurrent step, a few hundred weights each",
        "script": "training/fixtures.py", "graphs": graphs,
        "params": sum(p.numel() for m in (tokens, decoder, step) for p in m.parameters()),
        "macs": 0, "flops": 0, "flops_note": {"en": "not counted", "zh": "未计算"},
        "metrics": {},
        "files": {f: digest(os.path.join(OUT, f)) for f in ("expected.json", "vocab.json")},
        "samples": {"file": "expected.json", "golden": "expected.json"},
        "data": {"name": "none", "license": "none"},
        "training": {"script": "training/fixtures.py", "seconds": 0, "seed": 0, "torch": torch.__version__},
        "created": "2026-12-01",
    }
    write_json(os.path.join(OUT, "card.json"), card)
    print("greedy tokens:", [s["token"] for s in trajectory])


if __name__ == "__main__":
    main()
