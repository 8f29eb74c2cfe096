"""Numerical gradients by central differences, and ``gradcheck`` that compares them with backward.

The central difference ``(f(x + h) - f(x - h)) / 2h`` approximates df/dx with an error of
order h**2, so in float64 with h = 1e-6 it agrees with a correct analytic gradient to about
1e-9: far tighter than any real bug. That is why every check runs in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_lite.tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic gradient (backward) disagrees with the numerical one."""


def _as_float64(x: Any) -> np.ndarray:
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    if data.dtype.kind not in "fiub":
        raise TypeError(f"gradcheck inputs must be numeric arrays or Tensors, got {data.dtype}")
    return np.array(data, dtype=np.float64)


def _scalar(f: Callable[..., Any], arrays: list[np.ndarray]) -> float:
    out = f(*[Tensor(a, dtype=np.float64) for a in arrays])
    if not isinstance(out, Tensor) or out.data.size != 1:
        shape = out.shape if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(
            f"gradcheck/numerical_grad need f to return a scalar Tensor, got {shape}; "
            "reduce it first, e.g. f = lambda x: (x * x).sum()"
        )
    return float(out.data.reshape(()))


def numerical_grad(
    f: Callable[..., Any], *inputs: Any, eps: float = 1e-6
) -> tuple[np.ndarray, ...]:
    """Central differences ``(f(x+h) - f(x-h)) / 2h`` of a scalar-valued ``f``, one array per input.

    >>> import numpy as np, tinygrad_lite as tl
    >>> (g,) = tl.numerical_grad(lambda x: (x * x).sum(), np.array([1.0, -2.0]))
    >>> np.round(g, 6).tolist()
    [2.0, -4.0]
    """
    arrays = [_as_float64(x) for x in inputs]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)  # views: writing flat[i] changes a
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            up = _scalar(f, arrays)
            flat[i] = original - eps
            down = _scalar(f, arrays)
            flat[i] = original
            gflat[i] = (up - down) / (2 * eps)
        grads.append(g)
    return tuple(grads)


def analytic_grad(f: Callable[..., Any], *inputs: Any) -> tuple[np.ndarray, ...]:
    """The gradients that ``backward()`` computes for ``f`` at ``inputs`` (in float64)."""
    tensors = [Tensor(_as_float64(x), dtype=np.float64, requires_grad=True) for x in inputs]
    out = f(*tensors)
    if not isinstance(out, Tensor) or out.data.size != 1:
        raise ValueError("gradcheck needs f to return a scalar Tensor; reduce it with .sum()")
    if out.requires_grad:
        out.backward()
    return tuple(
        np.zeros_like(t.data) if t.grad is None else np.array(t.grad.data) for t in tensors
    )


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Compare ``backward()`` with central differences in float64; True, or ``GradcheckError``.

    An element passes when ``|analytic - numerical| <= atol + rtol * |numerical|``.

    >>> import numpy as np, tinygrad_lite as tl
    >>> tl.gradcheck(lambda x: x.tanh().sum(), np.array([0.5, -1.0]))
    True
    """
    analytic = analytic_grad(f, *inputs)
    numeric = numerical_grad(f, *inputs, eps=eps)
    for i, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if a.size and excess.max() > 0:
            worst = np.unravel_index(int(np.argmax(excess)), a.shape)
            raise GradcheckError(
                f"gradient of input {i} (shape {a.shape}) is wrong at index {tuple(map(int, worst))}: "
                f"backward gives {a[worst]:.8g}, central differences give {n[worst]:.8g} "
                f"(|difference| {abs(a[worst] - n[worst]):.3g} > atol {atol} + rtol {rtol} * "
                f"|numerical|); {int((excess > 0).sum())} of {a.size} elements disagree"
            )
    return True
