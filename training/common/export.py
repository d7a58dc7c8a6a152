"""ONNX export, hashes and the multiply-accumulate count of a model."""
import hashlib
import json
import platform
from collections import Counter

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch.overrides import TorchFunctionMode

OPSET = 17  # the highest opset torch 1.13 can write; LayerNormalization is one op from 17 on

# ONNX element types of the tensors a card may name (onnx.TensorProto values), and back.
ONNX_DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64",
               onnx.TensorProto.INT32: "int32", onnx.TensorProto.BOOL: "bool"}
TORCH_DTYPES = {torch.float32: "float32", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool"}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def count_params(*modules):
    """Parameters of the modules together, each counted once (an encoder and a decoder share embeddings)."""
    unique = {id(p): p for m in modules for p in m.parameters()}
    return sum(p.numel() for p in unique.values())


def _macs(name, args, kwargs, out):
    """Multiply-accumulates of one call of a counted function, or None for a function that is not counted."""
    if name in ("conv1d", "conv2d", "conv3d"):
        weight = args[1] if len(args) > 1 else kwargs["weight"]
        return out.numel() * weight[0].numel()          # every output element sums C_in/groups × kernel products
    if name == "linear":
        weight = args[1] if len(args) > 1 else kwargs["weight"]
        return out.numel() * weight.shape[-1]
    if name in ("matmul", "__matmul__", "mm", "bmm"):
        return out.numel() * args[0].shape[-1]
    if name in ("addmm", "baddbmm"):
        return out.numel() * args[1].shape[-1]
    if name == "__rmatmul__":                            # b.__rmatmul__(a) is a @ b
        return out.numel() * args[1].shape[-1]
    if name == "einsum":
        # Two operands: one multiply-accumulate per combination of all the indices.
        equation = args[0]
        operands = args[1] if len(args) == 2 and isinstance(args[1], (list, tuple)) else args[1:]
        sizes = {}
        for term, t in zip(equation.replace(" ", "").split("->")[0].split(","), operands):
            sizes.update(zip(term, t.shape))
        total = 1
        for s in sizes.values():
            total *= s
        return total
    return None


# What count_macs counts and leaves out, said in the card's flops_note; {calls} lists the calls it saw.
MACS_NOTE = {
    "en": "Multiply-accumulates of {what}, counted for "
          "convolutions (module or functional, so a fixed 1x1 channel sum counts too), linear layers and matrix "
          "products (matmul, @, bmm, einsum): here {calls}; flops = 2 x macs. Not counted: element-wise operations "
          "(activations, bias and residual additions, scaling), softmax, normalisation (batch, layer and local "
          "response norm, apart from any convolution inside them), pooling, resizing, padding, slicing, "
          "concatenation, argmax and embedding lookups.",
    "zh": "{what}所需的乘加次数，计入卷积（模块或函数调用，因此固定的 1×1 "
          "通道求和也算在内）、全连接层和矩阵乘法（matmul、@、bmm、einsum）：本模型为 {calls}；flops = 2 × macs。"
          "不计入：逐元素运算（激活函数、偏置与残差相加、缩放）、softmax、归一化（批归一化、层归一化和局部响应归一化中"
          "卷积以外的部分）、池化、缩放尺寸、填充、切片、拼接、argmax 和嵌入查表。",
}


class MacCounter(TorchFunctionMode):
    """Counts multiply-accumulates of every torch function call made inside `with MacCounter() as c:`,
    whether it comes from a module (nn.Conv2d calls F.conv2d) or from a functional call in forward."""

    def __init__(self):
        super().__init__()
        self.macs = 0
        self.calls = Counter()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = getattr(func, "__name__", "")
        macs = _macs(name, args, kwargs, out)
        if macs is not None:
            self.macs += int(macs)
            self.calls[name.strip("_").replace("rmatmul", "matmul")] += 1
        return out


EVERY_GRAPH = {"en": "one run of every graph at the input shapes in this card",
               "zh": "按本卡片中的输入形状把每个计算图运行一次"}


@torch.no_grad()
def count_macs(runs, what=EVERY_GRAPH):
    """Multiply-accumulates of `runs`, a list of (module, inputs tuple), each run once in eval mode; `what`
    says in both languages what those runs are. Returns (macs, {"en", "zh"}: what was counted and what not)."""
    with MacCounter() as counter:
        for module, inputs in runs:
            module.eval()
            module(*inputs)
    calls = sorted(counter.calls.items())
    return counter.macs, {
        "en": MACS_NOTE["en"].format(what=what["en"], calls=", ".join(f"{n} {name} calls" for name, n in calls)),
        "zh": MACS_NOTE["zh"].format(what=what["zh"], calls="、".join(f"{n} 次 {name} 调用" for name, n in calls)),
    }


# onnxruntime-web's WebGPU kernels bind every input and output as a storage buffer, and a shader may have
# only so many (10 in Chromium): a Split into 56 outputs (torch's unbind of an unrolled loop) failed with
# "Too many storage buffers in shader". Wider Splits and Concats are rewritten into narrower ops.
MAX_WIDTH = 4


def narrow_wide_nodes(model, width=MAX_WIDTH):
    """Rewrites every Split with more than `width` outputs into one Slice per output, and every Concat of
    more than `width` inputs into a tree of Concats of at most `width`. The graph computes the same."""
    graph = model.graph
    shapes = {v.name: v for v in [*onnx.shape_inference.infer_shapes(model).graph.value_info, *graph.input]}
    constants = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    constants |= {n.output[0]: onnx.numpy_helper.to_array(n.attribute[0].t) for n in graph.node if n.op_type == "Constant"}
    counter = iter(range(10 ** 9))

    def const(values):
        name = f"narrow_const_{next(counter)}"
        graph.initializer.append(onnx.numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name

    nodes = []
    for node in graph.node:
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        if node.op_type == "Split" and len(node.output) > width:
            if len(node.input) > 1 and node.input[1]:
                sizes = [int(v) for v in constants[node.input[1]]]
            else:
                dims = shapes[node.input[0]].type.tensor_type.shape.dim
                sizes = [dims[axis].dim_value // len(node.output)] * len(node.output)
            start = 0
            for out, size in zip(node.output, sizes):
                nodes.append(onnx.helper.make_node("Slice", [node.input[0], const([start]), const([start + size]), const([axis])], [out]))
                start += size
        elif node.op_type == "Concat" and len(node.input) > width:
            inputs = list(node.input)
            while len(inputs) > width:
                groups = [inputs[i:i + width] for i in range(0, len(inputs), width)]
                inputs = []
                for group in groups:
                    if len(group) == 1:
                        inputs.append(group[0])
                        continue
                    out = f"narrow_concat_{next(counter)}"
                    nodes.append(onnx.helper.make_node("Concat", group, [out], axis=axis))
                    inputs.append(out)
            nodes.append(onnx.helper.make_node("Concat", inputs, list(node.output), axis=axis))
        else:
            nodes.append(node)
    # The Splits' size constants are left over: an initializer nobody reads makes onnxruntime warn.
    used = {i for n in nodes for i in n.input} | {o.name for o in graph.output}
    nodes = [n for n in nodes if n.op_type != "Constant" or n.output[0] in used]
    kept = [t for t in graph.initializer if t.name in used]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept)


def export_onnx(module, example, path, input_names, output_names, dynamic_axes=None):
    """Traces `module` (inputs `example`, a tuple; one output tensor per name) to ONNX. `dynamic_axes`
    maps an input or output name to {axis: symbolic name} for sizes that vary (a sequence length)."""
    module.eval()
    torch.onnx.export(module, tuple(example), path, opset_version=OPSET, input_names=list(input_names),
                      output_names=list(output_names), dynamic_axes=dynamic_axes or None, do_constant_folding=True)
    model = onnx.load(path)
    for out, name in zip(model.graph.output, output_names):
        if out.name != name:
            # An output that does not depend on the input (a weight) is folded into a constant and loses
            # its name; an Identity node gives it back.
            model.graph.node.append(onnx.helper.make_node("Identity", [out.name], [name]))
            out.name = name
    narrow_wide_nodes(model)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def onnx_signature(path):
    """([(name, dtype)] of the graph's inputs, [name] of its outputs), to check a card against its file."""
    graph = onnx.load(path).graph
    inputs = [(i.name, ONNX_DTYPES.get(i.type.tensor_type.elem_type, str(i.type.tensor_type.elem_type)))
              for i in graph.input]
    return inputs, [o.name for o in graph.output]


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def environment():
    return {"torch": torch.__version__, "onnx": onnx.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads()}
