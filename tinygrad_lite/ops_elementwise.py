"""More elementwise ops: trigonometry, the smooth activations, sign, and the two-input picks
(``maximum``, ``minimum``, ``where``), each with its forward and local derivative side by side.

The rules of ``ops.py`` hold here too: ``backward`` is written with operators and methods that
NumPy arrays and Tensors share (or goes through the small helpers below), so the same line
runs on arrays normally and on Tensors under ``create_graph=True``, where it is recorded and
can be differentiated again. Masks that say which branch an element took are constants.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite.autograd import Function
from tinygrad_lite.ops import _is_array, value

# ---------------------------------------------------------------- array-or-Tensor helpers


def _sin(v: Any) -> Any:
    return np.sin(v) if _is_array(v) else v.sin()


def _cos(v: Any) -> Any:
    return np.cos(v) if _is_array(v) else v.cos()


def _tanh(v: Any) -> Any:
    return np.tanh(v) if _is_array(v) else v.tanh()


def _sigmoid(v: Any) -> Any:
    # sigmoid(x) = (1 + tanh(x/2)) / 2, as ops.Sigmoid: no overflow for large |x|
    return (np.tanh(v * 0.5) + 1) * 0.5 if _is_array(v) else v.sigmoid()


def _mask(condition: np.ndarray, like: Any) -> np.ndarray:
    """A boolean mask as 0.0 / 1.0 in the dtype of ``like``: float32 gradients stay float32."""
    return condition.astype(value(like).dtype)


# ---------------------------------------------------------------- trigonometry


class Sin(Function):
    """d sin(x)/dx = cos(x)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad, x, out):
        return grad * _cos(x)


class Cos(Function):
    """d cos(x)/dx = -sin(x)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.cos(x)

    def backward(self, grad, x, out):
        return grad * -_sin(x)


# ---------------------------------------------------------------- logs and exponentials near 0


class Log1p(Function):
    """d log(1 + x)/dx = 1 / (1 + x)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.log1p(x)  # exact for tiny x, where log(1 + x) would round 1 + x to 1

    def backward(self, grad, x, out):
        return grad / (x + 1)


class Expm1(Function):
    """d (exp(x) - 1)/dx = exp(x) = out + 1"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.expm1(x)  # exact for tiny x, where exp(x) - 1 would lose every digit

    def backward(self, grad, x, out):
        return grad * (out + 1)


class Sign(Function):
    """d sign(x)/dx = 0  (a step: flat on each side, and 0 at x = 0 as in PyTorch)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.sign(x)

    def backward(self, grad, x, out):
        return grad * 0


# ---------------------------------------------------------------- activations


class LeakyReLU(Function):
    """d leaky_relu(x)/dx = 1 where x > 0, else negative_slope"""

    __slots__ = ("negative_slope",)
    elementwise = True
    returns_new_arrays = True

    def __init__(self, negative_slope: float) -> None:
        self.negative_slope = negative_slope

    def forward(self, x):
        return np.where(x > 0, x, x * self.negative_slope)

    def backward(self, grad, x, out):
        positive = _mask(value(x) > 0, grad)
        return grad * (positive + (1 - positive) * self.negative_slope)


class ELU(Function):
    """d elu(x)/dx = 1 where x > 0, else alpha * exp(x) = out + alpha"""

    __slots__ = ("alpha",)
    elementwise = True
    returns_new_arrays = True

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def forward(self, x):
        # expm1 of min(x, 0): the branch that is not taken must not overflow for large x
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def backward(self, grad, x, out):
        positive = _mask(value(x) > 0, grad)
        return grad * (positive + (1 - positive) * (out + self.alpha))


class Softplus(Function):
    """d log(1 + exp(x))/dx = sigmoid(x)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return np.logaddexp(x, 0)  # log(exp(x) + exp(0)) without overflow for large x

    def backward(self, grad, x, out):
        return grad * _sigmoid(x)


class SiLU(Function):
    """d (x sigmoid(x))/dx = s + x s (1 - s), with s = sigmoid(x)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        return x * ((np.tanh(x * 0.5) + 1) * 0.5)

    def backward(self, grad, x, out):
        s = _sigmoid(x)
        return grad * (s + x * s * (1 - s))


_GELU_C = math.sqrt(2 / math.pi)  # gelu's tanh form: 0.5 x (1 + tanh(C (x + 0.044715 x^3)))
_GELU_K = 0.044715


class GELU(Function):
    """d gelu(x)/dx = (1 + t) / 2 + x (1 - t^2) C (1 + 3k x^2) / 2, with t = tanh(C (x + k x^3))"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x):
        t = np.tanh(_GELU_C * (x + _GELU_K * x * x * x))
        return 0.5 * x * (1 + t)

    def backward(self, grad, x, out):
        t = _tanh(_GELU_C * (x + _GELU_K * x * x * x))
        inner_slope = _GELU_C * (1 + 3 * _GELU_K * x * x)  # d/dx of C (x + k x^3)
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner_slope)


# ---------------------------------------------------------------- picking between two inputs


class Maximum(Function):
    """d max(x, y)/dx = 1 where x > y, 1/2 where x == y, else 0; d/dy likewise (ties split)"""

    __slots__ = ()
    elementwise = True
    returns_new_arrays = True

    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, grad, x, y, out):
        return _picked_backward(self, grad, x, y, out)


class Minimum(Maximum):
    """d min(x, y)/dx = 1 where x < y, 1/2 where x == y, else 0; d/dy likewise (ties split)"""

    __slots__ = ()

    def forward(self, x, y):
        return np.minimum(x, y)


def _picked_backward(fn: Function, grad: Any, x: Any, y: Any, out: Any) -> tuple[Any, Any]:
    """Shared by Maximum and Minimum: the gradient goes to the input that was picked, and a
    tie sends half to each (as ``max`` and ``min`` split it among tied elements)."""
    x, y, out = value(x), value(y), value(out)
    share_x = np.where(x == y, 0.5, x == out).astype(value(grad).dtype)  # 1 where x was picked
    gx = grad * share_x if fn.needs_grad(0) else None
    gy = grad * (1 - share_x) if fn.needs_grad(1) else None
    return gx, gy


class Where(Function):
    """d where(c, x, y)/dx = 1 where c, else 0; d/dy = 0 where c, else 1 (c is a constant mask)"""

    __slots__ = ("condition",)
    elementwise = True
    returns_new_arrays = True

    def __init__(self, condition: np.ndarray) -> None:
        self.condition = condition

    def forward(self, x, y):
        return np.where(self.condition, x, y)

    def backward(self, grad, x, y, out):
        took_x = _mask(self.condition, grad)
        gx = grad * took_x if self.needs_grad(0) else None
        gy = grad * (1 - took_x) if self.needs_grad(1) else None
        return gx, gy
