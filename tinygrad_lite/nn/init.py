"""Weight initializers, applied in place to a parameter's array.

For a weight of shape `(n_in, n_out)` (the layer computes `x @ W`), each scheme picks the
variance of the entries so that signals keep their scale from layer to layer:

    LeCun          Var(W) = 1 / n_in               (tanh / sigmoid nets)
    Xavier/Glorot  Var(W) = 2 / (n_in + n_out)     (balances forward and backward)
    He             Var(W) = 2 / n_in               (ReLU nets: ReLU zeroes half the units)

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
