"""Everything a trained model leaves behind for the site, the same way for every model: its ONNX graphs,
golden.json (format 2, common/golden.py) and card.json, checked against the card's JSON Schema
(src/lib/card/card.schema.json, written from the site's zod schema) before it is written.

A script describes each graph it ships with Graph, Input and Output:

    ship(out, card, [Graph("model", Exported(net),
                           inputs=[Input("image", x[:1], "image", preprocess=pre)],
                           outputs=[Output("probs", "probabilities", {"en": "class probabilities", "zh": "类别概率"})],
                           cases=[("test-0", (x[:1],))])])

An encoder and a decoder are two Graphs, each with its own example inputs and golden cases; a size that
varies is named in `dims` ({axis: "seq"}) and appears under that name in the card's shapes."""
import argparse
import json
import os
import time

import jsonschema
import torch

from . import golden
from .export import TORCH_DTYPES, count_macs, count_params, environment, export_onnx, onnx_signature, sha256, write_json

CARD_SCHEMA = os.path.join(os.path.dirname(__file__), "..", "..", "src", "lib", "card", "card.schema.json")


def arguments(doc, default_out):
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="train a few steps on a small subset to test the pipeline")
    ap.add_argument("--out", default=default_out, help="output folder for the ONNX graphs and the card")
    ap.add_argument("--from-shipped", action="store_true",
                    help="train nothing: read the weights back from the shipped model.onnx in --out and rewrite "
                         "golden.json, samples.json and card.json from them, leaving the ONNX file as it is")
    return ap


class Input:
    """A graph input: its name, an example tensor (traced with; its dtype is the input's), its kind (image,
    tokens, timestep, class_id, state), the sizes that vary ({axis: "seq"}), and the kind's own card
    fields (preprocess for an image, vocab for tokens, an optional label)."""

    def __init__(self, name, example, kind, dims=None, **fields):
        self.name, self.example, self.kind, self.dims, self.fields = name, example, kind, dims or {}, fields


class Output:
    """A graph output: its name, role (probabilities, logits, feature_map, weights, mask, attention,
    hidden_state, block_ratios, state, noise, ssm), bilingual label, the sizes that vary, a name per axis,
    and the role's own card fields: which attention it is (attention={"kind", "label", "layer"}), which
    part of a state-space layer (ssm={"quantity", "layer"})."""

    def __init__(self, name, role, label, dims=None, axes=None, **fields):
        self.name, self.role, self.label, self.dims, self.axes, self.fields = name, role, label, dims or {}, axes, fields


class Graph:
    """One ONNX file: `module` takes the inputs in order and returns one tensor per output, in order.
    `cases` are the golden cases: (sample id or description, input tensors in the order of `inputs`).
    `cpu_ops` names the operators onnxruntime-web's WebGPU provider leaves to the CPU, and why."""

    def __init__(self, name, module, inputs, outputs, cases, file=None, cpu_ops=None):
        self.name, self.module, self.inputs, self.outputs, self.cases = name, module, inputs, outputs, cases
        self.file = file or f"{name}.onnx"
        self.cpu_ops = cpu_ops  # {"ops": [...], "why": {"en", "zh"}}: what WebGPU leaves to the CPU, and why


def _shape(shape, dims):
    return [dims.get(axis, int(size)) for axis, size in enumerate(shape)]


def _graph_card(out_dir, g):
    """The graph's card entry, after checking that its ONNX file has the inputs and outputs described."""
    path = os.path.join(out_dir, g.file)
    inputs, outputs = onnx_signature(path)
    declared = [(i.name, TORCH_DTYPES[i.example.dtype]) for i in g.inputs]
    if inputs != declared or outputs != [o.name for o in g.outputs]:
        raise SystemExit(f"{path}: inputs {inputs} and outputs {outputs} are not the graph's "
                         f"{declared} and {[o.name for o in g.outputs]}")
    examples = golden.run(g.module, {i.name: i.example for i in g.inputs}, [o.name for o in g.outputs])
    spec_in = [{"name": i.name, "kind": i.kind, "dtype": TORCH_DTYPES[i.example.dtype],
                "shape": _shape(i.example.shape, i.dims), **i.fields} for i in g.inputs]
    spec_out = []
    for o in g.outputs:
        t = examples[o.name]
        entry = {"name": o.name, "shape": _shape(t.shape, o.dims), "role": o.role, "label": o.label}
        if t.dtype != torch.float32:
            entry["dtype"] = TORCH_DTYPES[t.dtype]
        if o.axes:
            entry["axes"] = o.axes
        entry.update(o.fields)
        spec_out.append(entry)
    return {"name": g.name, "file": g.file, "sha256": sha256(path), "bytes": os.path.getsize(path),
            "inputs": spec_in, "outputs": spec_out, **({"cpu_ops": g.cpu_ops} if g.cpu_ops else {})}


def validate_card(card, schema_path=CARD_SCHEMA):
    """Fails, naming the path of every bad field, unless `card` matches the site's card schema."""
    with open(schema_path, encoding="utf-8") as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    problems = []
    for error in validator.iter_errors(card):
        errors = [error]
        if error.context:
            # A choice of shapes (an input by its kind): report the branch whose kind matched, else the closest.
            branches = {}
            for e in error.context:
                branches.setdefault(e.relative_schema_path[0], []).append(e)
            matched = [b for b in branches.values() if not any("kind" in e.path for e in b)]
            kinds = [b.get("properties", {}).get("kind", {}).get("const") for b in error.validator_value]
            if len(matched) == 1:
                errors = matched[0]
            elif isinstance(error.instance, dict) and error.instance.get("kind") not in kinds:
                problems.append(f"  {error.json_path}.kind: {error.instance.get('kind')!r} is not one of {kinds}")
                continue
            else:
                errors = [jsonschema.exceptions.best_match(error.context)]
        problems += [f"  {e.json_path}: {e.message}" for e in errors]
    # What the JSON Schema cannot say: every file the card names is listed, with its hash, in `files`.
    named = [card["samples"]["file"], card["samples"]["golden"]]
    named += [i["vocab"] for g in card["graphs"] for i in g["inputs"] if "vocab" in i]
    problems += [f"  files: {name} is named in the card but not listed" for name in named if name not in card["files"]]
    if problems:
        raise SystemExit(f"card.json for {card.get('slug')} does not match {schema_path}:\n" + "\n".join(sorted(problems)))


def ship(out_dir, card, graphs, files=("samples.json",), export=True, macs_runs=None, macs_what=None):
    """Writes each graph's ONNX file (unless export is False: then the shipped files stay byte for byte,
    and the new golden tensors must agree with the old golden.json), golden.json and card.json.

    `card` holds the script's own fields (slug, title, widget, architecture, script, labels, metrics,
    samples, data, training …); graphs, files with their hashes, params, macs, flops and flops_note are
    derived here. `files` are the other files the script wrote into out_dir. `macs_runs` is what one
    forward pass means, as [(module, inputs)], and `macs_what` says so in both languages; by default
    every graph once on its example inputs."""
    os.makedirs(out_dir, exist_ok=True)
    for g in graphs:
        if export:
            dims = {x.name: x.dims for x in [*g.inputs, *g.outputs] if x.dims}
            export_onnx(g.module, [i.example for i in g.inputs], os.path.join(out_dir, g.file),
                        [i.name for i in g.inputs], [o.name for o in g.outputs], dims)
        elif not os.path.exists(os.path.join(out_dir, g.file)):
            raise SystemExit(f"{os.path.join(out_dir, g.file)} is missing: nothing shipped to keep")

    cases, outputs = [], {}
    for g in graphs:
        for sample, tensors in g.cases:
            inputs = dict(zip([i.name for i in g.inputs], tensors))
            outputs[g.name, sample] = golden.run(g.module, inputs, [o.name for o in g.outputs])
            cases.append(golden.case(sample, g.name, inputs, outputs[g.name, sample]))
    golden_path = os.path.join(out_dir, "golden.json")
    if not export:
        with open(golden_path, encoding="utf-8") as f:
            old = json.load(f)["cases"]
        max_diff, worst, where = golden.compare(old, outputs)
        print(f"{card['slug']}: golden tensors now vs shipped golden.json: max |diff| {max_diff:.3g} "
              f"(worst {worst:.3g} of the tolerance, at {where})")
        if worst > 1:
            raise SystemExit(f"{card['slug']}: the weights read back do not reproduce the shipped golden tensors")
    write_json(golden_path, {"format": golden.FORMAT, "cases": cases})

    macs, note = (count_macs(macs_runs, macs_what) if macs_runs
                  else count_macs([(g.module, tuple(i.example for i in g.inputs)) for g in graphs]))
    head = {k: card[k] for k in ("slug", "title", "widget", "architecture", "script")}
    listed = [*files, "golden.json"]
    full = {
        **head,
        "graphs": [_graph_card(out_dir, g) for g in graphs],
        "files": {f: {"sha256": sha256(os.path.join(out_dir, f)), "bytes": os.path.getsize(os.path.join(out_dir, f))}
                  for f in listed},
        "params": count_params(*(g.module for g in graphs)),
        "macs": macs, "flops": 2 * macs, "flops_note": note,
        **{k: v for k, v in card.items() if k not in head},
    }
    full["samples"] = {"file": card["samples"]["file"], "golden": "golden.json", **card["samples"]}
    if export:
        full["training"] = {**card["training"], **environment()}
    full.setdefault("created", time.strftime("%Y-%m-%d"))
    validate_card(full)
    write_json(os.path.join(out_dir, "card.json"), full)
    return full
