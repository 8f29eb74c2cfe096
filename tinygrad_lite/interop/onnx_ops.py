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

    def __init__(self, helper: Any, numpy_helper: Any, dynamic_batch: bool) -> None:
        self.helper, self.numpy_helper = helper, numpy_helper
        self.dynamic_batch = dynamic_batch
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

    def constant(self, array: np.ndarray, hint: str) -> str:
        name = self.fresh(hint)
        self.constants.append(self.numpy_helper.from_array(np.asarray(array), name))
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


def _linear(g: Nodes, fn: Function, result: Tensor, inputs: list[str], out: str) -> None:
    """x @ W + b: one Gemm for a batch of rows (the usual case), else MatMul then Add."""
    x, weight, bias = g.same_dtype(inputs, fn.inputs, result)
    if fn.inputs[0].ndim == 2:
        g.add("Gemm", [x, weight, bias], out)
    else:
        product = g.fresh(f"{out}:matmul")
        g.add("MatMul", [x, weight], product)
        g.add("Add", [product, bias], out)


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


OPS: dict[str, Emit] = {
    # the engine's op name: how ONNX computes it
    "Add": _same("Add"),
    "Sub": _same("Sub"),
    "Mul": _same("Mul"),
    "Div": _same("Div"),
    "Pow": _same("Pow"),
    "Neg": _same("Neg"),
    "MatMul": _same("MatMul"),
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
}
