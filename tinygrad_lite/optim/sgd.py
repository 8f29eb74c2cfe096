"""Stochastic gradient descent, with momentum and Nesterov's look-ahead.

Batch, mini-batch and stochastic gradient descent are all this one ``SGD``: what
changes is how many samples each gradient is computed from, i.e. the ``batch_size``
of the ``DataLoader`` (``len(X)``, ``B`` or ``1``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_lite.optim.optimizer import Optimizer, check_number

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor


class SGD(Optimizer):
    """Gradient descent; optionally with weight decay, momentum and Nesterov momentum.

    With ``g`` the gradient of ``W`` (``weight_decay * W`` is added to ``g`` first)::

        plain:     W -= lr * g
        momentum:  v = momentum * v - lr * g;   W += v
        nesterov:  v_new = momentum * v - lr * g;   W += -momentum * v + (1 + momentum) * v_new

    The velocity ``v`` starts at zero, one per parameter. With Nesterov the parameter held
    is the look-ahead point: see ``Nesterov``.

    Examples
    --------
    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0, 2.0], requires_grad=True)
    >>> opt = tl.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()   # dL/dw = 2w
    >>> opt.step()
    >>> w.data
    array([0.8, 1.6], dtype=float32)
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.momentum = check_number(name, "momentum", momentum)
        self.weight_decay = check_number(name, "weight_decay", weight_decay)
        if not isinstance(nesterov, bool):
            raise TypeError(f"{name}: nesterov must be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0.0:
            raise ValueError(f"{name}: nesterov=True needs a momentum > 0 (e.g. momentum=0.9)")
        self.nesterov = nesterov
        self.state_names = ("v",) if self.momentum else ()

    def update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * w
        if not self.momentum:
            w -= self.lr * g
            return
        state = self.state[i]
        v = state.get("v")
        if v is None:
            v = np.zeros_like(w)
        v_new = self.momentum * v - self.lr * g
        if self.nesterov:
            w += -self.momentum * v + (1.0 + self.momentum) * v_new
        else:
            w += v_new
        state["v"] = v_new


class Momentum(SGD):
    """Momentum SGD, named as the seeds name it: ``v = momentum*v - lr*g;  W += v``.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0], requires_grad=True)
    >>> opt = tl.optim.Momentum([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()   # g = 2;  v = 0.9*0 - 0.1*2;  w += v
    >>> opt.step()
    >>> w.data
    array([0.8], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(params, lr=lr, momentum=momentum)


class Nesterov(SGD):
    """Nesterov momentum, stored as the look-ahead point.

    The course writes it with the gradient taken ahead of the weights ``W``::

        v = momentum*v - lr*grad(W + momentum*v);   W = W + v

    This class holds ``phi = W + momentum*v`` in the parameter instead, so the gradient that
    ``backward()`` computes is already the look-ahead one, ``g = grad(phi)``. Substituting
    ``W = phi - momentum*v`` gives its update::

        v_new = momentum*v - lr*g;   phi += -momentum*v + (1 + momentum)*v_new

    The same path: after every step the parameter equals the course's ``W + momentum*v``,
    and both end at the same minimum (where ``v = 0`` and ``phi = W``).

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0], requires_grad=True)
    >>> opt = tl.optim.Nesterov([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()   # v_new = -0.2;  w += -0.9*0 + 1.9*v_new
    >>> opt.step()
    >>> w.data.round(4)
    array([0.62], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(params, lr=lr, momentum=momentum, nesterov=True)
