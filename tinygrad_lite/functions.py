"""Functions of several tensors, with PyTorch's names: ``tl.cat``, ``tl.stack``, ``tl.where``,
``tl.maximum`` and ``tl.minimum``. Each checks its arguments and records one op."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_lite import arguments, ops_elementwise, ops_shape
from tinygrad_lite.promotion import _promote
from tinygrad_lite.tensor import Tensor, apply


def cat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors end to end along an existing ``axis``; their other axes must match.

    >>> import tinygrad_lite as tl
    >>> a, b = tl.Tensor([[1.0, 2.0]]), tl.Tensor([[3.0, 4.0], [5.0, 6.0]])
    >>> tl.cat([a, b]).shape
    (3, 2)
    """
    tensors = _tensor_list(tensors, "cat")
    first = tensors[0]
    axis = arguments.one_axis(axis, first.ndim, "cat")
    for i, t in enumerate(tensors):
        others, first_others = list(t.shape), list(first.shape)
        if t.ndim == first.ndim:
            del others[axis], first_others[axis]
        if others != first_others:
            raise ValueError(
                f"cat: tensor {i} has shape {t.shape} and tensor 0 has shape {first.shape}; "
                f"every axis but axis {axis} (the one they are joined along) must match; "
                "reshape them to fit, or use tl.stack to join them along a new axis"
            )
    return apply(ops_shape.Cat(axis), *_one_dtype(tensors))


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new ``axis``.

    >>> import tinygrad_lite as tl
    >>> tl.stack([tl.Tensor([1.0, 2.0]), tl.Tensor([3.0, 4.0])], axis=1).tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    tensors = _tensor_list(tensors, "stack")
    first = tensors[0]
    axis = arguments.new_axis(axis, first.ndim, "stack")
    for i, t in enumerate(tensors):
        if t.shape != first.shape:
            raise ValueError(
                f"stack: tensor {i} has shape {t.shape} and tensor 0 has shape {first.shape}; "
                "stacked tensors must all have one shape; use tl.cat to join along an "
                "existing axis"
            )
    return apply(ops_shape.Stack(axis), *_one_dtype(tensors))


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` is True, else ``y`` (elementwise, with broadcasting).

    ``condition`` is a boolean array or Tensor and gets no gradient; ``x`` and ``y`` are
    Tensors or numbers, and each gets the gradient of the places it filled. The mask is a
    constant of the graph: a ``StaticGraph`` replays the mask it recorded (use
    ``tl.maximum``/``tl.minimum`` for a choice that follows new values).

    >>> import tinygrad_lite as tl
    >>> x = tl.Tensor([-1.0, 2.0])
    >>> tl.where(x > 0, x, 0.0).tolist()
    [0.0, 2.0]
    """
    mask = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if mask.dtype != np.bool_:
        raise TypeError(
            f"where: condition must be a boolean mask, got dtype {mask.dtype}; compare to make "
            "one, e.g. tl.where(x > 0, x, 0.0)"
        )
    x, y = _two_tensors(x, y)
    try:
        np.broadcast_shapes(mask.shape, x.shape, y.shape)
    except ValueError:
        raise ValueError(
            f"where: the shapes of condition {mask.shape}, x {x.shape} and y {y.shape} do not "
            "broadcast; shapes broadcast when, comparing axes from the right, each pair is "
            "equal or one of them is 1"
        ) from None
    return apply(ops_elementwise.Where(mask.copy()), x, y)  # a copy: backward reads it later


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of ``a`` and ``b``, elementwise (with broadcasting); on a tie the gradient
    is split evenly between the two, as ``max`` splits it among tied elements.

    >>> import tinygrad_lite as tl
    >>> tl.maximum(tl.Tensor([1.0, 5.0]), 3.0).tolist()
    [3.0, 5.0]
    """
    return apply(ops_elementwise.Maximum(), *_two_tensors(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of ``a`` and ``b``, elementwise; a tie splits the gradient evenly.

    >>> import tinygrad_lite as tl
    >>> a = tl.Tensor([1.0, 3.0], requires_grad=True)
    >>> tl.minimum(a, 3.0).sum().backward()  # a[1] ties with 3.0: half the gradient each
    >>> a.grad.tolist()
    [1.0, 0.5]
    """
    return apply(ops_elementwise.Minimum(), *_two_tensors(a, b))


def _tensor_list(tensors: Any, fn: str) -> tuple[Tensor, ...]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{fn} takes a list of tensors, got {type(tensors).__name__}; "
            f"write tl.{fn}([a, b], axis=0)"
        )
    if not tensors:
        raise ValueError(f"{fn}: got an empty list; give at least one tensor: tl.{fn}([a, b])")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{fn}: item {i} is a {type(t).__name__}, not a Tensor; wrap it: Tensor(value)"
            )
    return tuple(tensors)


def _two_tensors(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of one dtype, as ``x * y`` makes them: a number takes the
    other operand's dtype, and two tensors follow PyTorch's promotion (``float32`` with
    ``int64`` stays ``float32``)."""
    if not isinstance(a, Tensor):
        a = b._operand(a) if isinstance(b, Tensor) else Tensor(a)
    b = a._operand(b)
    if a.data.dtype is not b.data.dtype:
        a, b = _promote(a, b)
    return a, b


def _one_dtype(tensors: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """The tensors of ``cat``/``stack`` in one dtype, as PyTorch joins them: a float dtype wins
    over integers and bools, and within one kind the widest dtype wins."""
    kinds = [t.data.dtype for t in tensors]
    floats = [d for d in kinds if d.kind == "f"]
    dtype = np.result_type(*floats) if floats else np.result_type(*kinds)
    return tuple(t if t.data.dtype == dtype else t.to(dtype) for t in tensors)
