"""More shape ops: joining tensors (``cat``, ``stack``), ``flip`` and constant ``pad``, each
with its forward and local derivative side by side (the rules of ``ops.py`` hold here too).

None of them changes a value, so each backward only moves the gradient back into the places
its input's elements came from. (``unsqueeze``, ``squeeze``, ``flatten`` and ``view`` are
reshapes, ``permute`` is a transpose and ``expand`` a broadcast: they use those ops.)
"""

from __future__ import annotations

import numpy as np

from tinygrad_lite.autograd import Function
from tinygrad_lite.ops import _is_array


class Cat(Function):
    """d cat(x_1, ..., x_k)/dx_i: the gradient cut along the joined axis, one piece per input"""

    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, grad, *values):
        pieces, start = [], 0
        for x in values[:-1]:  # the last value is the output
            stop = start + x.shape[self.axis]
            pieces.append(grad[(slice(None),) * self.axis + (slice(start, stop),)])
            start = stop
        return tuple(pieces) if len(pieces) > 1 else pieces[0]  # one input: a bare gradient


class Stack(Function):
    """d stack(x_1, ..., x_k)/dx_i = the i-th slice of the gradient along the new axis"""

    __slots__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, grad, *values):
        before = (slice(None),) * self.axis
        pieces = tuple(grad[(*before, i)] for i in range(len(values) - 1))
        return pieces if len(pieces) > 1 else pieces[0]  # one input: a bare gradient


class Flip(Function):
    """d flip(x)/dx: the gradient is flipped back along the same axes"""

    __slots__ = ("axis",)

    def __init__(self, axis: tuple[int, ...]) -> None:
        self.axis = axis

    def forward(self, x):
        return np.flip(x, axis=self.axis)

    def backward(self, grad, x, out):
        return np.flip(grad, axis=self.axis) if _is_array(grad) else grad.flip(self.axis)


class Pad(Function):
    """d pad(x)/dx: the gradient without its border (the padding is a constant)"""

    __slots__ = ("value", "widths")

    def __init__(self, widths: tuple[tuple[int, int], ...], value: float) -> None:
        self.widths, self.value = widths, value

    def forward(self, x):
        return np.pad(x, self.widths, constant_values=self.value)

    def backward(self, grad, x, out):
        inside = tuple(
            slice(before, size - after)
            for (before, after), size in zip(self.widths, grad.shape, strict=True)
        )
        return grad[inside]
