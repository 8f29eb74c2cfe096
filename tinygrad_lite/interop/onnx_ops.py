"""How each recorded op is written in ONNX: one small function per op, in a table.

Each function receives a ``Nodes`` writer, the recorded op, its output Tensor, and the ONNX
names of its inputs and its output, and adds the ONNX node(s) that compute the same output. Ops missing from
``OPS`` cannot be exported; ``export_onnx`` names them before it writes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Function
from tinygrad_lite.tensor import Tensor


class Nodes:
    """Collects the nodes and extra constants of the ONNX graph being built."""

    def __init__(self, helper: Any, numpy_helper: Any, dynamic_batch: bool, opset: int) -> None:
        self.helper, self.numpy_helper = helper, numpy_helper
        self.dynamic_batch, self.opset = dynamic_batch, opset
        self.nodes: list[Any] = []
        self.constants: list[Any] = []  # initializers made here (shapes, axes, clip bounds)
        self.taken: set[str] = set()  # every tensor name in the graph

    def fresh(self, hint: str) -> str:
        """A new tensor name starting with ``hint``."""
        name, k = hint, 1
        while name in self.taken:
            k += 1
            name = f"{hint}_{k}"
        self.taken.add(name)
        return name

    def add(self, op_type: str, inputs: list[str], output: str, **attributes: Any) -> None:
        name = self.fresh(f"{op_type}:{output}")  # node names: unique too, and readable
        self.nodes.append(self.helper.make_node(op_type, inputs, [output], name, **attributes))

    def constant(self, array: Any, hint: str, dtype: Any = None) -> str:
        name = self.fresh(hint)
        self.constants.append(self.numpy_helper.from_array(np.asarray(array, dtype), name))
        return name

    def same_dtype(self, names: list[str], tensors: tuple[Tensor, ...], out: Tensor) -> list[str]:
        """The inputs, each cast to the output's dtype where it differs (NumPy promotes
        float32 with float64 to float64; ONNX wants both operands of one type)."""
        cast = []
        for name, t in zip(names, tensors, strict=True):
            if t.dtype == out.dtype or out.dtype.kind != "f":
                cast.append(name)
                continue
            new = self.fresh(f"{name}:{out.dtype}")
            self.add("Cast", [name], new, to=self.helper.np_dtype_to_tensor_dtype(out.dtype))
            cast.append(new)
        return cast


Emit = Callable[[Nodes, Function, Tensor, list[str], str], None]
"""Adds the nodes for one op: (writer, the op, its output Tensor, input names, output name)."""


def _same(op_type: str) -> Emit:
    """An op that ONNX has under ``op_type``, with the same inputs and NumPy broadcasting."""

    def emit(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
        g.add(op_type, g.same_dtype(inputs, fn.inputs, result), out)

    return emit


def _matmul(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """x @ y. A 1-D operand is made 2-D first (Unsqueeze) and the added axis dropped from the
    product (Squeeze): the same numbers, written in the form every runtime computes right
    (onnxruntime 1.32's full graph optimizations get Transpose, Reshape, Transpose, then a
    MatMul with a 1-D right operand wrong)."""
    x, y = g.same_dtype(inputs, fn.inputs, result)
    left, right = fn.inputs
    if left.ndim >= 2 and right.ndim >= 2:
        g.add("MatMul", [x, y], out)
        return
    added = []  # the axes of the product that the 1-D operands added
    if left.ndim == 1:  # (k,) -> (1, k)
        x, added = _unsqueezed(g, x, 0), [*added, -2]
    if right.ndim == 1:  # (k,) -> (k, 1)
        y, added = _unsqueezed(g, y, 1), [*added, -1]
    product = g.fresh(f"{out}:matmul")
    g.add("MatMul", [x, y], product)
    g.add("Squeeze", [product, g.constant(np.array(added, np.int64), f"{out}:axes")], out)


def _cast(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """``x.to(dtype)`` between floats, and an integer mask or label tensor met by a float one."""
    g.add("Cast", inputs, out, to=g.helper.np_dtype_to_tensor_dtype(result.data.dtype))


def _unsqueezed(g: Nodes, name: str, axis: int) -> str:
    new = g.fresh(f"{name}:2d")
    g.add("Unsqueeze", [name, g.constant(np.array([axis], np.int64), f"{new}:axis")], new)
    return new


def _linear(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """x @ W + b is ONNX's Gemm (F.linear records Linear only for a 2-D batch x)."""
    g.add("Gemm", g.same_dtype(inputs, fn.inputs, result), out)


def _clip(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """clip(x, lo, hi): the bounds are inputs in ONNX; a missing bound is the empty name."""
    dtype = fn.inputs[0].dtype
    bounds = [
        "" if bound is None else g.constant(np.array(bound, dtype), f"{out}:{which}")
        for which, bound in (("min", fn.lo), ("max", fn.hi))  # type: ignore[attr-defined]
    ]
    g.add("Clip", [inputs[0], *bounds], out)


def _reduction(op_type: str) -> Emit:
    """sum/mean/max/min over ``fn.axis`` (None: every axis); from opset 18 on, the axes are
    an input, and no axes input reduces over all of them."""

    def emit(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
        axis = fn.axis  # type: ignore[attr-defined]
        axes = [] if axis is None else [g.constant(np.array(axis, np.int64), f"{out}:axes")]
        g.add(op_type, [inputs[0], *axes], out, keepdims=int(fn.keepdims))  # type: ignore[attr-defined]

    return emit


def _reshape(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """reshape(x, shape), with the shape as asked (a -1 stays -1: ONNX infers it the same
    way). With a dynamic batch, a first axis that keeps its length is written as 0, which
    ONNX reads as "the input's length on that axis", so that it follows the batch."""
    x = fn.inputs[0]
    shape = list(fn.shape)  # type: ignore[attr-defined]
    empty = 0 in shape  # an empty axis: tell ONNX that 0 means 0 here, not "copy"
    if g.dynamic_batch and not empty and x.ndim and result.ndim and x.shape[0] == result.shape[0]:
        shape[0] = 0
    shape_name = g.constant(np.array(shape, np.int64), f"{out}:shape")
    g.add("Reshape", [inputs[0], shape_name], out, allowzero=int(empty))


def _transpose(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    g.add("Transpose", inputs, out, perm=list(fn.axes))  # type: ignore[attr-defined]


def _broadcast_to(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """broadcast_to(x, shape) is Expand. With a dynamic batch, a first axis that x already
    has at full size is written as 1, so that it follows x's size."""
    x = fn.inputs[0]
    shape = list(fn.shape)  # type: ignore[attr-defined]
    if g.dynamic_batch and x.ndim == len(shape) and x.ndim and x.shape[0] == shape[0]:
        shape[0] = 1
    g.add("Expand", [inputs[0], g.constant(np.array(shape, np.int64), f"{out}:shape")], out)


def _softmax(op_type: str) -> Emit:
    def emit(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
        g.add(op_type, inputs, out, axis=fn.axis)  # type: ignore[attr-defined]

    return emit


def _log1p(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """log(1 + x): ONNX has no log1p; Add then Log (exact to float32 rounding for |x| > 1e-4)."""
    one = g.constant(1, f"{out}:one", result.dtype)
    shifted = g.fresh(f"{out}:1+x")
    g.add("Add", [inputs[0], one], shifted)
    g.add("Log", [shifted], out)


def _expm1(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """exp(x) - 1: ONNX has no expm1; Exp then Sub."""
    one = g.constant(1, f"{out}:one", result.dtype)
    exp = g.fresh(f"{out}:exp")
    g.add("Exp", inputs, exp)
    g.add("Sub", [exp, one], out)


def _leaky_relu(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    g.add("LeakyRelu", inputs, out, alpha=float(fn.negative_slope))  # type: ignore[attr-defined]


def _elu(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    g.add("Elu", inputs, out, alpha=float(fn.alpha))  # type: ignore[attr-defined]


def _silu(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """x * sigmoid(x): ONNX (before opset 24's Swish) writes it as two nodes."""
    sigmoid = g.fresh(f"{out}:sigmoid")
    g.add("Sigmoid", inputs, sigmoid)
    g.add("Mul", [inputs[0], sigmoid], out)


def _gelu(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): one Gelu node from opset 20 on,
    before that the formula itself."""
    if g.opset >= 20:
        g.add("Gelu", inputs, out, approximate="tanh")
        return
    x, dtype = inputs[0], result.dtype

    def step(op_type: str, operands: list[str], what: str) -> str:
        name = g.fresh(f"{out}:{what}")
        g.add(op_type, operands, name)
        return name

    def number(value: float, what: str) -> str:
        return g.constant(value, f"{out}:{what}", dtype)

    cube = step("Mul", [step("Mul", [x, x], "x^2"), x], "x^3")
    inner = step("Add", [x, step("Mul", [cube, number(0.044715, "k")], "k*x^3")], "x+k*x^3")
    t = step("Tanh", [step("Mul", [inner, number(np.sqrt(2 / np.pi), "c")], "c*(...)")], "t")
    half_x = step("Mul", [x, number(0.5, "half")], "x/2")
    g.add("Mul", [half_x, step("Add", [t, number(1, "one")], "1+t")], out)


def _var(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """sum((x - mean)^2) / (n - correction) over the axes. n, the count of reduced elements,
    is read from the input's shape when it runs if a free batch axis is among them."""
    x = fn.inputs[0]
    axis = fn.axis  # type: ignore[attr-defined]
    axes = tuple(range(x.ndim)) if axis is None else axis
    axes_name = g.constant(np.array(axes, np.int64), f"{out}:axes")
    mean = g.fresh(f"{out}:mean")
    g.add("ReduceMean", [inputs[0], axes_name], mean, keepdims=1)
    deviation = g.fresh(f"{out}:deviation")
    g.add("Sub", [inputs[0], mean], deviation)
    squares = g.fresh(f"{out}:squares")
    g.add("Mul", [deviation, deviation], squares)
    total = g.fresh(f"{out}:sum")
    g.add("ReduceSum", [squares, axes_name], total, keepdims=int(fn.keepdims))  # type: ignore[attr-defined]
    correction = fn.correction  # type: ignore[attr-defined]
    if g.dynamic_batch and 0 in axes:  # n changes with the batch size
        shape, sizes, count = g.fresh(f"{out}:shape"), g.fresh(f"{out}:sizes"), g.fresh(f"{out}:n")
        g.add("Shape", [inputs[0]], shape)
        g.add("Gather", [shape, axes_name], sizes)
        g.add("ReduceProd", [sizes], count, keepdims=0)
        n = g.fresh(f"{out}:n_float")
        g.add("Cast", [count], n, to=g.helper.np_dtype_to_tensor_dtype(result.dtype))
        divisor = g.fresh(f"{out}:n-correction")
        g.add("Sub", [n, g.constant(correction, f"{out}:correction", result.dtype)], divisor)
    else:
        size = int(np.prod([x.shape[a] for a in axes]))
        divisor = g.constant(size - correction, f"{out}:n-correction", result.dtype)
    g.add("Div", [total, divisor], out)


def _cumsum(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    axis = g.constant(np.array(fn.axis, np.int64), f"{out}:axis")  # type: ignore[attr-defined]
    g.add("CumSum", [inputs[0], axis], out)


def _cat(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    g.add("Concat", g.same_dtype(inputs, fn.inputs, result), out, axis=fn.axis)  # type: ignore[attr-defined]


def _stack(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """A new axis for each input (Unsqueeze), then Concat along it."""
    axis = fn.axis  # type: ignore[attr-defined]
    axes = g.constant(np.array([axis], np.int64), f"{out}:axis")
    pieces = []
    for name in g.same_dtype(inputs, fn.inputs, result):
        piece = g.fresh(f"{name}:unsqueezed")
        g.add("Unsqueeze", [name, axes], piece)
        pieces.append(piece)
    g.add("Concat", pieces, out, axis=axis)


def _flip(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """Reverse the axes: a Slice from the last element back past the first, step -1."""
    axis = fn.axis  # type: ignore[attr-defined]
    axes = list(range(result.ndim)) if axis is None else list(axis)
    k = len(axes)
    starts = g.constant(np.full(k, -1, np.int64), f"{out}:starts")
    ends = g.constant(np.full(k, np.iinfo(np.int64).min, np.int64), f"{out}:ends")
    axes_name = g.constant(np.array(axes, np.int64), f"{out}:axes")
    steps = g.constant(np.full(k, -1, np.int64), f"{out}:steps")
    g.add("Slice", [inputs[0], starts, ends, axes_name, steps], out)


def _pad(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """Constant padding: ONNX lists every axis's before-width, then every after-width."""
    widths = fn.widths  # type: ignore[attr-defined]
    pads = [before for before, _ in widths] + [after for _, after in widths]
    pads_name = g.constant(np.array(pads, np.int64), f"{out}:pads")
    value = g.constant(fn.value, f"{out}:value", result.dtype)  # type: ignore[attr-defined]
    g.add("Pad", [inputs[0], pads_name, value], out, mode="constant")


OPS: dict[str, Emit] = {
    # the engine's op name: how ONNX computes it
    "Add": _same("Add"),
    "Sub": _same("Sub"),
    "Mul": _same("Mul"),
    "Div": _same("Div"),
    "Pow": _same("Pow"),
    "Neg": _same("Neg"),
    "MatMul": _matmul,
    "Linear": _linear,
    "Exp": _same("Exp"),
    "Log": _same("Log"),
    "Sqrt": _same("Sqrt"),
    "Abs": _same("Abs"),
    "ReLU": _same("Relu"),
    "Identity": _same("Identity"),
    "Sigmoid": _same("Sigmoid"),
    "Tanh": _same("Tanh"),
    "Clip": _clip,
    "Sum": _reduction("ReduceSum"),
    "Mean": _reduction("ReduceMean"),
    "Max": _reduction("ReduceMax"),
    "Min": _reduction("ReduceMin"),
    "Reshape": _reshape,
    "Transpose": _transpose,
    "BroadcastTo": _broadcast_to,
    "Softmax": _softmax("Softmax"),
    "LogSoftmax": _softmax("LogSoftmax"),
    "Sin": _same("Sin"),
    "Cos": _same("Cos"),
    "Sign": _same("Sign"),
    "Log1p": _log1p,
    "Expm1": _expm1,
    "LeakyReLU": _leaky_relu,
    "ELU": _elu,
    "Softplus": _same("Softplus"),
    "SiLU": _silu,
    "GELU": _gelu,
    "Maximum": _same("Max"),
    "Minimum": _same("Min"),
    "Var": _var,
    "LogSumExp": _reduction("ReduceLogSumExp"),
    "Prod": _reduction("ReduceProd"),
    "CumSum": _cumsum,
    "Cat": _cat,
    "Stack": _stack,
    "Flip": _flip,
    "Pad": _pad,
    "Cast": _cast,
}

NOT_EXPORTABLE = {
    "Where": "its condition is an array fixed when the graph was recorded (comparisons are "
    "not recorded ops), so the file would keep the example's; write it with maximum, minimum, "
    "relu or clip",
    "GetItem": "its index is fixed when the graph was recorded; write the selection with "
    "reshape, or export the model before it",
    "ScatterAdd": "it only appears in recorded backward passes; export a forward pass",
}
"""Ops with no ONNX form here, and why (a loss op is named without a reason of its own)."""
