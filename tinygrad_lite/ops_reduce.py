"""Reductions and scans: sum, mean, max and min, then variance, log-sum-exp, product and
cumulative sum, each with its forward and local derivative side by side (the rules of
``ops.py`` hold here too: ``backward`` runs on arrays and on Tensors alike)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Function
from tinygrad_lite.ops import _broadcast_to, _exp, _is_array, keepdims_shape, value


class Reduction(Function):
    """The base of the ops that reduce over ``axis`` (a tuple, or None for all axes)."""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def _with_kept_dims(self, grad, shape):
        """``grad`` with the reduced axes back as length-1 axes, ready to broadcast to ``shape``.

        A full reduction's 0-d gradient, or one made with keepdims, broadcasts as it is.
        """
        if self.axis is None or self.keepdims:
            return grad
        return grad.reshape(keepdims_shape(shape, self.axis))


class Sum(Reduction):
    """d sum(x)/dx_i = 1: the upstream gradient is copied back to every summed element"""

    __slots__ = ()

    def forward(self, x):
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad, x, out):
        return _broadcast_to(self._with_kept_dims(grad, x.shape), x.shape)


class Mean(Reduction):
    """d mean(x)/dx_i = 1/n, with n the number of averaged elements"""

    __slots__ = ()

    def forward(self, x):
        # np.mean(x, axis): the same sum and division, without np.mean's overhead
        total = x.sum(axis=self.axis, keepdims=self.keepdims)
        return total / (x.size // max(total.size, 1))

    def backward(self, grad, x, out):
        n = x.size // max(out.size, 1) if x.size else 1
        return _broadcast_to(self._with_kept_dims(grad, x.shape) / n, x.shape)


class Max(Reduction):
    """d max(x)/dx_i = 1/k where x_i is one of the k maxima, else 0 (ties share evenly)"""

    __slots__ = ()
    returns_new_arrays = True

    def forward(self, x):
        return x.max(axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad, x, out):
        return _extreme_backward(grad, x, out, self.axis)


class Min(Max):
    """d min(x)/dx_i = 1/k where x_i is one of the k minima, else 0 (ties share evenly)"""

    __slots__ = ()

    def forward(self, x):
        return x.min(axis=self.axis, keepdims=self.keepdims)


def _extreme_backward(grad, x, out, axis):
    """Shared by Max and Min: route the gradient to the winning elements, split among ties."""
    kept = keepdims_shape(x.shape, axis)
    winners = value(x) == value(out).reshape(kept)
    share = winners / winners.sum(axis=axis, keepdims=True)
    return grad.reshape(kept) * share.astype(value(x).dtype, copy=False)


def reduced_count(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> int:
    """How many elements each result of a reduction over ``axis`` combines."""
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


class Var(Reduction):
    """d var(x)/dx_i = 2 (x_i - mean(x)) / (n - correction)"""

    __slots__ = ("correction",)
    returns_new_arrays = True

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool, correction: float) -> None:
        super().__init__(axis, keepdims)
        self.correction = correction

    def forward(self, x):
        deviation = x - x.mean(axis=self.axis, keepdims=True)
        squares = (deviation * deviation).sum(axis=self.axis, keepdims=self.keepdims)
        return squares / (reduced_count(x.shape, self.axis) - self.correction)

    def backward(self, grad, x, out):
        deviation = x - x.mean(axis=self.axis, keepdims=True)
        scale = 2 / (reduced_count(x.shape, self.axis) - self.correction)
        return self._with_kept_dims(grad, x.shape) * deviation * scale


class LogSumExp(Reduction):
    """d logsumexp(x)/dx_i = exp(x_i - out) = softmax(x)_i"""

    __slots__ = ()
    returns_new_arrays = True

    def forward(self, x):
        peak = x.max(axis=self.axis, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)  # all -inf: log(0) = -inf, not inf - inf
        out = np.log(np.exp(x - peak).sum(axis=self.axis, keepdims=True)) + peak  # no overflow
        return out if self.keepdims else np.squeeze(out, axis=self.axis)

    def backward(self, grad, x, out):
        softmax = _exp(x - self._with_kept_dims(out, x.shape))
        return self._with_kept_dims(grad, x.shape) * softmax


class Prod(Reduction):
    """d prod(x)/dx_i = the product of the other elements (no division, so zeros are fine)"""

    __slots__ = ()
    returns_new_arrays = True

    def forward(self, x):
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad, x, out):
        return self._with_kept_dims(grad, x.shape) * _product_of_others(x, self.axis)


def _product_of_others(x: Any, axis: tuple[int, ...] | None) -> Any:
    """For each element of ``x``, the product of the other elements it was multiplied with.

    ``out / x_i`` would be that product, but fails where x_i = 0. Instead the reduced axes
    are moved to the end and flattened into one axis of n elements, and the product of the
    others is (x_0 ... x_{i-1}) * (x_{i+1} ... x_{n-1}): running products from each end.
    """
    reduced = tuple(range(x.ndim)) if axis is None else axis
    order = tuple(a for a in range(x.ndim) if a not in reduced) + reduced
    moved_shape = tuple(x.shape[a] for a in order)
    n = reduced_count(x.shape, axis)
    rows = x.transpose(order).reshape(*moved_shape[: x.ndim - len(reduced)], n)
    if _is_array(rows):
        before = np.cumprod(rows, axis=-1)  # x_0 ... x_i
        after = np.cumprod(rows[..., ::-1], axis=-1)[..., ::-1]  # x_i ... x_{n-1}
        ones = np.ones_like(rows[..., :1])
        others = np.concatenate([ones, before[..., :-1]], -1) * np.concatenate(
            [after[..., 1:], ones], -1
        )
    else:
        # Recorded (create_graph): the same products from recorded ops, so they can be
        # differentiated again. Row i of an n x n grid is x with x_i replaced by 1.
        eye = np.eye(n, dtype=rows.dtype)
        grid = rows.reshape(*rows.shape[:-1], 1, n) * (1 - eye) + eye
        others = grid.prod(axis=-1)
    return others.reshape(moved_shape).transpose(tuple(np.argsort(order)))


class CumSum(Function):
    """d cumsum(x)_j/dx_i = 1 for j >= i, else 0: dL/dx_i = sum of grad_j for j >= i"""

    __slots__ = ("axis",)
    returns_new_arrays = True

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return np.cumsum(x, axis=self.axis)

    def backward(self, grad, x, out):
        # The sums of grad from each position to the end: a cumsum of grad read backwards.
        backwards = (slice(None),) * self.axis + (slice(None, None, -1),)
        return grad[backwards].cumsum(axis=self.axis)[backwards]
