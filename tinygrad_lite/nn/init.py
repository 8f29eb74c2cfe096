"""Weight initializers, applied in place to a parameter's array.

For a weight of shape `(n_in, n_out)` (the layer computes `x @ W`), each scheme picks the
variance of the entries so that signals keep their scale from layer to layer:

    LeCun          Var(W) = 1 / n_in               (tanh / sigmoid nets)
    Xavier/Glorot  Var(W) = 2 / (n_in + n_out)     (balances forward and backward)
    He             Var(W) = 2 / n_in               (ReLU nets: ReLU zeroes half the units)

(PyTorch's names `kaiming_normal_` and `kaiming_uniform_` are aliases of the He ones.)
`orthogonal_` draws a random orthogonal matrix instead: it keeps every vector's length.

The normal form draws `N(0, Var)`; the uniform form draws `U(-a, a)` with `a = sqrt(3 Var)`,
which has the same variance (a uniform on [-a, a] has variance a^2 / 3). Every draw uses the
library generator (`tinygrad_lite.manual_seed` makes it reproducible) and keeps the
parameter's dtype.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor.zeros(100, 50)
    >>> _ = tl.nn.init.he_normal_(w)
    >>> w.dtype
    dtype('float32')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_lite.random import generator
from tinygrad_lite.tensor import Tensor


def _check_tensor(t: Any, initializer: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(
            f"nn.init.{initializer}: expected a Tensor, got {type(t).__name__}; pass a "
            "parameter such as layer.weight (initializers fill it in place)"
        )


def _fans(t: Tensor, initializer: str) -> tuple[int, int]:
    _check_tensor(t, initializer)
    if t.ndim != 2:
        raise ValueError(
            f"nn.init.{initializer}: needs a 2-D (n_in, n_out) weight, got shape {t.shape}"
        )
    return t.shape[0], t.shape[1]


def _fill_normal(t: Tensor, std: float, mean: float = 0.0) -> Tensor:
    t.data[...] = generator().normal(mean, std, size=t.shape)
    return t


def _fill_uniform(t: Tensor, variance: float) -> Tensor:
    a = math.sqrt(3.0 * variance)
    t.data[...] = generator().uniform(-a, a, size=t.shape)
    return t


def lecun_normal_(t: Tensor) -> Tensor:
    """LeCun normal: `W ~ N(0, 1/n_in)`, variance 1 / n_in.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> _ = tl.manual_seed(0)
    >>> w = init.lecun_normal_(tl.Tensor.zeros(400, 300))
    >>> w.shape, w.dtype
    ((400, 300), dtype('float32'))
    """
    n_in, _ = _fans(t, "lecun_normal_")
    return _fill_normal(t, math.sqrt(1.0 / n_in))


def lecun_uniform_(t: Tensor) -> Tensor:
    """LeCun uniform: `W ~ U(-a, a)`, `a = sqrt(3/n_in)`, variance 1 / n_in.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> w = init.lecun_uniform_(tl.Tensor.zeros(400, 300))
    >>> w.shape, w.dtype
    ((400, 300), dtype('float32'))
    """
    n_in, _ = _fans(t, "lecun_uniform_")
    return _fill_uniform(t, 1.0 / n_in)


def xavier_normal_(t: Tensor) -> Tensor:
    """Xavier (Glorot) normal: `W ~ N(0, 2/(n_in+n_out))`, variance 2 / (n_in + n_out).

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> _ = tl.manual_seed(0)
    >>> w = init.xavier_normal_(tl.Tensor.zeros(400, 300))
    >>> w.shape, w.dtype
    ((400, 300), dtype('float32'))
    """
    n_in, n_out = _fans(t, "xavier_normal_")
    return _fill_normal(t, math.sqrt(2.0 / (n_in + n_out)))


def xavier_uniform_(t: Tensor) -> Tensor:
    """Xavier (Glorot) uniform: `W ~ U(-a, a)`, `a = sqrt(6/(n_in+n_out))`,
    variance 2 / (n_in + n_out).

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> w = init.xavier_uniform_(tl.Tensor.zeros(400, 300))
    >>> w.shape, w.dtype
    ((400, 300), dtype('float32'))
    """
    n_in, n_out = _fans(t, "xavier_uniform_")
    return _fill_uniform(t, 2.0 / (n_in + n_out))


glorot_normal_ = xavier_normal_
glorot_uniform_ = xavier_uniform_


def he_normal_(t: Tensor) -> Tensor:
    """He (Kaiming) normal: `W ~ N(0, 2/n_in)`, variance 2 / n_in.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> _ = tl.manual_seed(0)
    >>> w = init.he_normal_(tl.Tensor.zeros(400, 300))
    >>> w.shape, w.dtype
    ((400, 300), dtype('float32'))
    """
    n_in, _ = _fans(t, "he_normal_")
    return _fill_normal(t, math.sqrt(2.0 / n_in))


def he_uniform_(t: Tensor) -> Tensor:
    """He (Kaiming) uniform: `W ~ U(-a, a)`, `a = sqrt(6/n_in)`, variance 2 / n_in.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> w = init.he_uniform_(tl.Tensor.zeros(400, 300))
    >>> w.shape, w.dtype
    ((400, 300), dtype('float32'))
    """
    n_in, _ = _fans(t, "he_uniform_")
    return _fill_uniform(t, 2.0 / n_in)


# PyTorch calls He initialization "Kaiming" (after Kaiming He). These aliases are the
# PyTorch defaults only: they take no `a`, `mode` or `nonlinearity`, and n_in is shape[0]
# of our (in, out) weight, which is PyTorch's fan_in of its (out, in) weight.
kaiming_normal_ = he_normal_
kaiming_uniform_ = he_uniform_


def orthogonal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times `gain`: the rows, or the columns if there are fewer
    of them, are orthonormal. Multiplying by such a matrix keeps the length of every vector
    in the orthonormal directions, so signals neither grow nor shrink through the layer.

    Drawn as PyTorch does: the Q factor of the QR decomposition of a standard normal matrix,
    with each column's sign set by R's diagonal so that Q is spread uniformly. A tensor with
    more than 2 axes is treated as a `(shape[0], rest)` matrix.

    >>> import numpy as np, tinygrad_lite as tl
    >>> w = tl.nn.init.orthogonal_(tl.Tensor.zeros(4, 3))
    >>> bool(np.allclose(w.data.T @ w.data, np.eye(3), atol=1e-6))
    True
    """
    _check_tensor(t, "orthogonal_")
    if t.ndim < 2:
        raise ValueError(
            f"nn.init.orthogonal_: needs a tensor with at least 2 axes, got shape {t.shape}; "
            "for a bias use zeros_ or normal_"
        )
    if isinstance(gain, bool) or not isinstance(gain, int | float):
        raise TypeError(f"nn.init.orthogonal_: gain must be a number, got {gain!r}")
    if t.size == 0:  # nothing to fill
        return t
    rows, cols = t.shape[0], t.size // t.shape[0]
    a = generator().standard_normal((max(rows, cols), min(rows, cols)))  # tall: QR gives Q
    q, r = np.linalg.qr(a)  # q: (max, min) with orthonormal columns
    q *= np.sign(np.diag(r))  # R's diagonal signs: without this Q is not uniformly spread
    if rows < cols:
        q = q.T
    t.data[...] = (gain * q).reshape(t.shape)
    return t


def zeros_(t: Tensor) -> Tensor:
    """All zeros (variance 0). For a weight matrix this makes every hidden unit compute the
    same thing and receive the same gradient: the symmetry problem.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> init.zeros_(tl.Tensor.ones(2)).tolist()
    [0.0, 0.0]
    """
    _check_tensor(t, "zeros_")
    t.data[...] = 0
    return t


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """`W ~ N(mean, std^2)`, variance std^2, any shape.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.nn import init
    >>> w = init.normal_(tl.Tensor.zeros(1000), std=0.01)
    >>> bool(abs(w.numpy().std() - 0.01) < 0.002)
    True
    """
    _check_tensor(t, "normal_")
    if std < 0:
        raise ValueError(f"nn.init.normal_: std must be >= 0, got {std}")
    return _fill_normal(t, std, mean)


INITIALIZERS = {
    "lecun": lecun_normal_,
    "xavier": xavier_normal_,
    "he": he_normal_,
    "zeros": zeros_,
}
"""The short names `nn.Linear(init=...)` accepts; each uses the normal form."""
