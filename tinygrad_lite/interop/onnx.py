"""Write a model's forward pass as an ONNX file: ``export_onnx``.

The forward pass is recorded once on example inputs, as ``StaticGraph`` records it, and each
recorded op becomes the ONNX node(s) that compute the same values (the table is in
``onnx_ops.py``). Parameters and constants are stored in the file as initializers. Every
tensor keeps the name the graph drawing gives it (``fc1.weight``, ``t3``), so the model shows
the same names in Netron as ``tl.draw_graph`` does. The file is built with the ``onnx``
package (the ``[onnx]`` extra) and checked with ``onnx.checker`` before it is written::

    from tinygrad_lite.interop import export_onnx

    export_onnx(net, X[:8], "net.onnx")      # input "x", output "y", any batch size

    import onnxruntime                         # then, anywhere ONNX runs:
    session = onnxruntime.InferenceSession("net.onnx")
    scores = session.run(None, {"x": X})[0]
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_lite.autograd import enable_grad
from tinygrad_lite.interop.onnx_ops import NOT_EXPORTABLE, OPS, Nodes
from tinygrad_lite.nn.module import Module
from tinygrad_lite.static import _placeholder
from tinygrad_lite.tensor import Tensor
from tinygrad_lite.trace import Labels, topological_order

__all__ = ["export_onnx"]

DEFAULT_OPSET = 18
"""The ONNX opset written by default; 18 is the first where every reduction takes its axes
as an input, and onnxruntime has run it since version 1.14."""


def _import_onnx() -> Any:
    try:
        import onnx  # noqa: PLC0415 (optional dependency, imported when needed)
    except ImportError:
        raise ImportError(
            "tinygrad_lite.interop.export_onnx needs the onnx package, which is not installed: "
            'pip install "tinygrad-lite[onnx]"'
        ) from None
    return onnx


def export_onnx(
    model_or_fn: Callable[..., Any],
    example_inputs: Any,
    path: str | os.PathLike[str],
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
    opset: int | None = None,
) -> Any:
    """Record ``model_or_fn(*example_inputs)`` and write it to ``path`` as an ONNX model.

    ``model_or_fn`` is a Module or a function of Tensors that returns a Tensor or a tuple of
    Tensors. ``example_inputs`` is one array (or Tensor), or a tuple with one per argument:
    the file takes inputs of these dtypes and shapes, except that with ``dynamic_batch`` (the
    default) the first axis of each input as long as the first input's is a free "batch"
    axis. Inputs are named ``input_names`` (default: an example Tensor's own name, else ``x``,
    or ``x1``, ``x2``, ...), outputs ``output_names`` (default ``y``, or ``y1``, ...); every
    other tensor keeps the name the graph drawing shows. ``opset`` defaults to 18.

    A Module is recorded in evaluation mode (``.eval()``: Dropout off, BatchNorm1d with its
    running statistics), as PyTorch exports, and left in the modes it had. Returns the
    ``onnx.ModelProto`` that was written. An op that ONNX cannot express here is a
    ValueError naming it, raised before anything is written.

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tinygrad_lite import nn
    >>> from tinygrad_lite.interop import export_onnx
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> proto = export_onnx(nn.TwoLayerNet(2, 100, 3), np.zeros((8, 2), np.float32), path)
    >>> [i.name for i in proto.graph.input], [o.name for o in proto.graph.output]
    (['x'], ['y'])
    >>> os.path.getsize(path) > 1000  # the weights are in the file
    True
    """
    onnx = _import_onnx()
    if not callable(model_or_fn):
        raise TypeError(
            f"export_onnx: model_or_fn must be a Module or a function of Tensors, got "
            f"{type(model_or_fn).__name__}"
        )
    opset = DEFAULT_OPSET if opset is None else opset
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset, int) or not DEFAULT_OPSET <= opset <= newest:
        raise ValueError(
            f"export_onnx: opset must be an int from {DEFAULT_OPSET} to {newest} (the newest "
            f"this onnx package knows), got {opset!r}"
        )
    target = Path(path)
    if not target.absolute().parent.is_dir():
        raise FileNotFoundError(
            f"export_onnx: the folder '{target.absolute().parent}' does not exist; create it first"
        )
    examples = _as_tuple(example_inputs)
    placeholders = [_placeholder(value) for value in examples]
    in_names = _names(input_names, len(placeholders), "x", "input_names", examples)
    for t, name in zip(placeholders, in_names, strict=True):
        t.name = name
    with enable_grad(), _evaluation_mode(model_or_fn):
        result = model_or_fn(*placeholders)
    outputs = _as_outputs(result)
    out_names = _names(output_names, len(outputs), "y", "output_names", outputs)

    order = _forward_order(outputs, placeholders)
    unsupported = {}  # op name -> where it was first recorded ("in TwoLayerNet > fc1: Linear")
    for t in order:
        if t.grad_fn is not None and t.grad_fn.name not in OPS:
            where = f" (in {' > '.join(t.grad_fn.scope)})" if t.grad_fn.scope else ""
            why = f": {NOT_EXPORTABLE[t.grad_fn.name]}" if t.grad_fn.name in NOT_EXPORTABLE else ""
            unsupported.setdefault(t.grad_fn.name, t.grad_fn.name + where + why)
    if unsupported:
        raise ValueError(
            f"export_onnx: no ONNX mapping for {'; '.join(unsupported.values())}. The ops "
            f"that can be exported are {', '.join(OPS)}; export the part of the model before "
            "it, or write it with those ops (a loss, for one, belongs to training, not to "
            "the exported forward pass)"
        )
    names = _tensor_names(order, placeholders, in_names, outputs, out_names)
    title = getattr(model_or_fn, "__name__", type(model_or_fn).__name__)  # "MLP", "score"
    model = _build(onnx, title, order, names, placeholders, outputs, dynamic_batch, opset)
    _write_atomically(model.SerializeToString(), target)
    return model


@contextlib.contextmanager
def _evaluation_mode(model_or_fn: Any) -> Iterator[None]:
    """A Module is recorded in evaluation mode, as it will be used (Dropout passes its input
    on, BatchNorm1d uses its running statistics); each module's mode is restored after."""
    modes = []
    if isinstance(model_or_fn, Module):
        modes = [(m, m.training) for _, m in model_or_fn.named_modules()]
        model_or_fn.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _as_tuple(example_inputs: Any) -> tuple[Any, ...]:
    if isinstance(example_inputs, tuple | list):
        if not example_inputs:
            raise ValueError("export_onnx: no example inputs; pass one array per argument")
        return tuple(example_inputs)
    return (example_inputs,)


def _as_outputs(result: Any) -> list[Tensor]:
    outputs = list(result) if isinstance(result, tuple | list) else [result]
    for k, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"export_onnx: the model returned a {type(t).__name__} as output {k}; it must "
                "return a Tensor or a tuple of Tensors"
            )
        if t.grad_fn is None:
            raise ValueError(
                f"export_onnx: output {k} records no op: it is an input or a constant, not "
                "computed from the inputs"
            )
    if len({id(t) for t in outputs}) != len(outputs):
        raise ValueError("export_onnx: the model returns the same Tensor twice; return it once")
    return outputs


def _names(
    given: Sequence[str] | None, count: int, letter: str, what: str, tensors: Sequence[Any]
) -> list[str]:
    if given is None:
        own = [t.name if isinstance(t, Tensor) and t.name else None for t in tensors]
        default = [letter] if count == 1 else [f"{letter}{k + 1}" for k in range(count)]
        given = [name or d for name, d in zip(own, default, strict=True)]
    given = [given] if isinstance(given, str) else list(given)
    if len(given) != count or not all(isinstance(n, str) and n for n in given):
        raise ValueError(f"export_onnx: {what} must be {count} non-empty string(s), got {given!r}")
    if len(set(given)) != count:
        raise ValueError(
            f"export_onnx: the {what.replace('_', ' ')} must all differ, got {given!r}; pass "
            f"{what}=[...]"
        )
    return given


def _forward_order(outputs: list[Tensor], placeholders: list[Tensor]) -> list[Tensor]:
    """Every tensor the outputs were computed from, inputs first, each once."""
    order: list[Tensor] = []
    seen: set[int] = set()
    for out in outputs:
        for t in topological_order(out):
            if id(t) not in seen:
                seen.add(id(t))
                order.append(t)
    for k, t in enumerate(placeholders):
        if id(t) not in seen:
            raise ValueError(
                f"export_onnx: input {k} ({t.name}) does not reach any output through a "
                "recorded op; drop it from the example inputs (integer inputs, such as "
                "labels, are not recorded)"
            )
    return order


def _tensor_names(
    order: list[Tensor],
    placeholders: list[Tensor],
    in_names: list[str],
    outputs: list[Tensor],
    out_names: list[str],
) -> dict[int, str]:
    """The ONNX name of every tensor: the graph drawing's label, made unique with a suffix
    (``h_2``) where two tensors share one; the inputs and outputs are named as asked."""
    fixed = dict(zip(map(id, placeholders), in_names, strict=True))
    for t, name in zip(outputs, out_names, strict=True):
        if name in fixed.values():
            raise ValueError(f"export_onnx: the output name {name!r} is also an input's name")
        fixed[id(t)] = name
    labels = Labels(order)
    names: dict[int, str] = dict(fixed)
    taken = set(fixed.values())
    for t in order:
        if id(t) in names:
            continue
        name, k = labels(t), 1
        while name in taken:
            k += 1
            name = f"{labels(t)}_{k}"
        taken.add(name)
        names[id(t)] = name
    return names


def _build(
    onnx: Any,
    title: str,
    order: list[Tensor],
    names: dict[int, str],
    placeholders: list[Tensor],
    outputs: list[Tensor],
    dynamic_batch: bool,
    opset: int,
) -> Any:
    """The checked ONNX model: graph inputs, initializers, one or more nodes per op."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    g = Nodes(helper, numpy_helper, dynamic_batch, opset)
    g.taken.update(names.values())
    inputs = set(map(id, placeholders))
    initializers = []
    for t in order:
        if t.grad_fn is not None:
            op_inputs = [names[id(x)] for x in t.grad_fn.inputs]
            OPS[t.grad_fn.name](g, t.grad_fn, t, op_inputs, names[id(t)])
        elif id(t) not in inputs:  # a parameter or a constant: stored in the file
            initializers.append(numpy_helper.from_array(np.asarray(t.data), names[id(t)]))

    batch = placeholders[0].shape[0] if placeholders[0].ndim else None

    def declared(t: Tensor, shape: list[Any] | None) -> Any:
        element = helper.np_dtype_to_tensor_dtype(t.dtype)
        return helper.make_tensor_value_info(names[id(t)], element, shape)

    graph_inputs = []
    for t in placeholders:
        shape: list[Any] = list(t.shape)
        if dynamic_batch and t.ndim and t.shape[0] == batch:
            shape[0] = "batch"
        graph_inputs.append(declared(t, shape))
    # The outputs' shapes are left to shape inference, which follows the batch axis through.
    graph_outputs = [declared(t, list(t.shape) if not dynamic_batch else None) for t in outputs]
    graph = helper.make_graph(
        g.nodes, title, graph_inputs, graph_outputs, initializers + g.constants
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="tinygrad_lite"
    )
    model = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    return model


def _write_atomically(data: bytes, target: Path) -> None:
    """Write to a temporary file in the same folder, then rename it over ``target``."""
    fd, name = tempfile.mkstemp(dir=target.absolute().parent, prefix=".tmp-", suffix=".onnx")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.chmod(0o644)  # mkstemp creates the file readable by its owner only
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
