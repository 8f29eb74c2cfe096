"""Every differentiable op: its forward and its local derivative, side by side.

Each class computes ``out = f(inputs)`` in ``forward`` (on NumPy arrays) and, in ``backward``,
turns the upstream gradient ``grad = dL/dout`` into ``dL/dinput = grad * dout/dinput`` for each
input. The first docstring line of each op is its local derivative.

``backward`` is written with operators and methods that NumPy arrays and Tensors share, so
the same line runs on arrays (the normal, fast path) and on Tensors (``create_graph=True``,
where the backward pass is itself recorded and can be differentiated again). The few places
that need a function rather than an operator go through the small helpers just below.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Function

# ---------------------------------------------------------------- array-or-Tensor helpers


def value(v: Any) -> np.ndarray:
    """The NumPy array behind an array or a Tensor (masks and signs are constants)."""
    return v if isinstance(v, np.ndarray | np.generic) else v.data


def _is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray | np.generic)


def _exp(v: Any) -> Any:
    return np.exp(v) if _is_array(v) else v.exp()


def _log(v: Any) -> Any:
    return np.log(v) if _is_array(v) else v.log()


def _broadcast_to(v: Any, shape: tuple[int, ...]) -> Any:
    if not _is_array(v):
        return v.broadcast_to(shape)
    if v.size == 1 and math.prod(shape) <= 65536:
        # One value spread over a small array: filling it is faster than building NumPy's
        # broadcast view (same values); large arrays get the view, which copies nothing.
        full = np.empty(shape, v.dtype)  # np.full(shape, v), without its Python-level overhead
        full[...] = v
        return full
    return np.broadcast_to(v, shape)


def keepdims_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


# ---------------------------------------------------------------- arithmetic


class Add(Function):
    """d(x+y)/dx = 1, d(x+y)/dy = 1"""

    __slots__ = ()
    elementwise = True

    def forward(self, x, y):
        return x + y

    def backward(self, grad, x, y, out):
        return grad, grad


class Sub(Function):
    """d(x-y)/dx = 1, d(x-y)/dy = -1"""

    __slots__ = ()
    elementwise = True

    def forward(self, x, y):
        return x - y

    def backward(self, grad, x, y, out):
        return grad, (-grad if self.needs_grad(1) else None)


class Mul(Function):
    """d(x*y)/dx = y, d(x*y)/dy = x"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x, y):
        return x * y

    def backward(self, grad, x, y, out):
        gx = grad * y if self.needs_grad(0) else None  # x * 2.0: the constant needs no gradient
        gy = grad * x if self.needs_grad(1) else None
        return gx, gy


class Div(Function):
    """d(x/y)/dx = 1/y, d(x/y)/dy = -x/y**2"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x, y):
        return x / y

    def backward(self, grad, x, y, out):
        gx = grad / y
        gy = -gx * out if self.needs_grad(1) else None  # -grad * x / y**2 == -(grad / y) * out
        return gx, gy


class Neg(Function):
    """d(-x)/dx = -1"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return -x

    def backward(self, grad, x, out):
        return -grad


class Pow(Function):
    """d(x**y)/dx = y * x**(y-1) (0 where y = 0), d(x**y)/dy = x**y * log(x)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x, y):
        return x**y

    def backward(self, grad, x, y, out):
        gx = None
        if self.needs_grad(0):
            exponent = y - 1
            if _holds_zero(value(y)):
                # x**0 is 1 for every x, so its slope is 0; y * x**(y-1) would give 0 * inf
                # = NaN at x = 0. There, x**(y-1) becomes x**0: 0 * 1 = 0.
                exponent = exponent + ((value(x) == 0) & (value(y) == 0))
            gx = grad * y * x**exponent
        # At x = 0, out * log(x) is 0 * -inf; its limit is 0, which log(1) = 0 gives.
        gy = grad * out * _log(x + (value(x) == 0)) if self.needs_grad(1) else None
        return gx, gy


def _holds_zero(a: np.ndarray) -> bool:
    """Whether ``a`` holds a 0; a one-element array (``x**2``) is read directly, 15x quicker."""
    return not a if a.size == 1 else not a.all()


class MatMul(Function):
    """d(x@y)/dx = grad @ y.T, d(x@y)/dy = x.T @ grad (a 1-D x is a row, a 1-D y a column)"""

    __slots__ = ()
    returns_new_arrays = True

    def forward(self, x, y):
        return x @ y

    def backward(self, grad, x, y, out):
        row, column = x.ndim == 1, y.ndim == 1
        if row or column:  # as NumPy does: x (k,) is the row (1, k), y (k,) the column (k, 1)
            grad = grad.reshape(_with_matrix_axes(grad.shape, row, column))
            x = x.reshape(1, -1) if row else x
            y = y.reshape(-1, 1) if column else y
        gx = _matmul_t(grad, y.swapaxes(-1, -2)) if self.needs_grad(0) else None
        gy = _matmul_t(x.swapaxes(-1, -2), grad) if self.needs_grad(1) else None
        if row and gx is not None:  # back to the row's own shape (the engine sums the batch)
            gx = gx.reshape((*gx.shape[:-2], gx.shape[-1]))
        if column and gy is not None:
            gy = gy.reshape(gy.shape[:-1])
        return gx, gy


def _with_matrix_axes(shape: tuple[int, ...], row: bool, column: bool) -> tuple[int, ...]:
    """The shape of ``x @ y``'s gradient with the length-1 axes a 1-D operand dropped put back."""
    if column:
        shape = (*shape, 1)
    if row:
        shape = (*shape[:-1], 1, shape[-1])
    return shape


class Linear(Function):
    """d(x@W+b)/dx = grad @ W.T, d(x@W+b)/dW = x.T @ grad, d(x@W+b)/db = sum of the rows of grad

    The affine layer, x (N, in) @ W (in, out) + b (out,), recorded as one op: the same numbers
    as a MatMul followed by an Add, in one graph node. Each of the N rows used b once, so b's
    gradient is the sum of grad's rows (what the engine's broadcast rule would do after Add).
    """

    __slots__ = ()
    returns_new_arrays = True

    def forward(self, x, weight, bias):
        return np.dot(x, weight) + bias  # x @ weight + bias (np.dot: see _matmul_t)

    def backward(self, grad, x, weight, bias, out):
        gx = _matmul_t(grad, weight.swapaxes(-1, -2)) if self.needs_grad(0) else None
        gw = _matmul_t(x.swapaxes(-1, -2), grad) if self.needs_grad(1) else None
        gb = grad.sum(axis=0) if self.needs_grad(2) else None
        return gx, gw, gb


def _matmul_t(a, b):
    """``a @ b`` for the backward of MatMul and Linear, by the fastest route that gives the
    same numbers.

    Two 2-D arrays go to ``np.dot``, which hands them to BLAS directly: about 0.3 us less per
    call than ``@`` on small matrices, and several times faster when the shared axis has
    length 1 (``x.T @ grad`` for a batch of one sample, an outer product), where ``@`` runs
    a slow general loop. Otherwise (more axes, or Tensors when the backward is recorded) a
    shared axis of length 1 is still an outer product, ``a * b`` by broadcasting.
    """
    if type(a) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return np.dot(a, b)
    return a * b if a.shape[-1] == 1 else a @ b


# ---------------------------------------------------------------- elementwise functions


class Exp(Function):
    """d exp(x)/dx = exp(x) = out"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad, x, out):
        return grad * out


class Log(Function):
    """d log(x)/dx = 1/x"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.log(x)

    def backward(self, grad, x, out):
        return grad / x


class Sqrt(Function):
    """d sqrt(x)/dx = 1 / (2 sqrt(x)) = 1 / (2 out)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, grad, x, out):
        return grad / (out * 2)


class Abs(Function):
    """d|x|/dx = sign(x)  (0 at x = 0)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.abs(x)

    def backward(self, grad, x, out):
        return grad * np.sign(value(x))


# 0 in each float dtype, as a 0-d array. NumPy compares an array with it in half the time it
# takes with a Python 0, which it converts first: x > 0 on 16 floats takes 0.44 us, 0.21 with
# this zero (the values are the same). Other dtypes get the Python 0, and so do NumPy scalars
# (single numbers), which compare with a Python 0 in 0.02 us and with this zero in 0.3.
_ZERO = {np.dtype(t): np.zeros((), t) for t in (np.float16, np.float32, np.float64)}


class ReLU(Function):
    """d relu(x)/dx = 1 where x > 0, else 0  (0 at x = 0)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        if type(x) is np.ndarray or x.dtype.kind != "f":
            return np.maximum(x, _ZERO.get(x.dtype, 0))
        # A single float (a NumPy scalar): np.maximum would take 0.5 us to call, this 0.05.
        # `not x <= 0` keeps a NaN, as np.maximum does.
        return x if not x <= 0 else x.dtype.type(0)

    def backward(self, grad, x, out):
        x = value(x)
        if type(x) is np.ndarray:
            return grad * (x > _ZERO.get(x.dtype, 0))
        return grad * (x > 0)  # a NumPy scalar: comparing with Python's 0 is quickest there

    def backward_in_place(self, grad, x, out):
        grad *= x > _ZERO.get(x.dtype, 0)
        return grad


class Identity(Function):
    """d x/dx = 1"""

    __slots__ = ()
    elementwise = True

    def forward(self, x):
        return x.copy()

    def backward(self, grad, x, out):
        return grad


class Cast(Function):
    """d cast(x)/dx = 1: the gradient goes back in x's dtype"""

    __slots__ = ("dtype",)
    elementwise = True
    returns_new_arrays = True

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, grad, x, out):
        return grad.astype(x.dtype) if _is_array(grad) else grad.to(x.dtype)


class Sigmoid(Function):
    """d sigmoid(x)/dx = out * (1 - out)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        # sigmoid(x) = (1 + tanh(x/2)) / 2: the same function, with no overflow for large |x|.
        return (np.tanh(x * 0.5) + 1) * 0.5

    def backward(self, grad, x, out):
        return grad * out * (1 - out)


class Tanh(Function):
    """d tanh(x)/dx = 1 - out**2"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad, x, out):
        return grad * (1 - out * out)


class Clip(Function):
    """d clip(x, lo, hi)/dx = 1 where lo <= x <= hi, else 0"""

    __slots__ = ("hi", "lo")
    elementwise = True
    returns_new_arrays = True

    def __init__(self, lo: float | None, hi: float | None) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, grad, x, out):
        x = value(x)
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return grad * inside


# ---------------------------------------------------------------- shape


class Reshape(Function):
    """d reshape(x)/dx: the gradient is reshaped back to x's shape"""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, grad, x, out):
        return grad.reshape(x.shape)


class Transpose(Function):
    """d transpose(x, axes)/dx: the gradient is transposed back with the inverse permutation"""

    __slots__ = ("axes",)

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, grad, x, out):
        return grad.transpose(tuple(np.argsort(self.axes)))


class BroadcastTo(Function):
    """d broadcast_to(x)/dx: copies of x add up; the engine sums the gradient back to x.shape"""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, grad, x, out):
        return grad


class GetItem(Function):
    """d x[index]/dx: the gradient goes back to the picked places (repeats add up)"""

    __slots__ = ("index",)
    returns_new_arrays = True

    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, grad, x, out):
        if _is_array(grad):
            full = np.zeros(x.shape, dtype=grad.dtype)
            np.add.at(full, self.index, grad)
            return full
        return grad.scatter_add(self.index, x.shape)


class ScatterAdd(Function):
    """d scatter_add(g)/dg = g'[index]: the adjoint of GetItem (used by its recorded backward)"""

    __slots__ = ("index", "shape")

    def __init__(self, index: Any, shape: tuple[int, ...]) -> None:
        self.index, self.shape = index, shape

    def forward(self, g):
        full = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(full, self.index, g)
        return full

    def backward(self, grad, g, out):
        return grad[self.index]


# ---------------------------------------------------------------- softmax family


class Softmax(Function):
    """d softmax(x)_i/dx_j = out_i (δ_ij - out_j), so dL/dx = out * (grad - sum(grad * out))"""

    __slots__ = ("axis",)
    returns_new_arrays = True

    def __init__(self, axis: int | None) -> None:  # None: a 0-d input, its one value
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))  # shift: no overflow, same value
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, grad, x, out):
        return out * (grad - (grad * out).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """d log_softmax(x)_i/dx_j = δ_ij - softmax(x)_j, so dL/dx = grad - softmax * sum(grad)"""

    __slots__ = ("axis",)
    returns_new_arrays = True

    def __init__(self, axis: int | None) -> None:  # None: a 0-d input, its one value
        self.axis = axis

    def forward(self, x):
        shifted = x - x.max(axis=self.axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, grad, x, out):
        return grad - _exp(out) * grad.sum(axis=self.axis, keepdims=True)
