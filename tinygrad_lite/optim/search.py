"""Gradient-free baselines: guess weights at random and keep the best guess.

They show what gradient descent buys: both need only the loss, never ``.grad``.
``step(closure)`` proposes new weights, calls ``closure()`` (which returns the loss at
the parameters as they are) and keeps the proposal only if its loss beats the best so
far; otherwise the best weights are put back. After every step the parameters hold
the best weights found, and ``best_loss`` their loss (the first step also evaluates
the starting weights, so they count as a guess too).

Proposals come from ``tinygrad_lite.random.generator()``, so ``tl.manual_seed`` makes a
search repeatable. ``lr`` is the size of the proposals (``scale`` / ``step_size`` name the
same number), so a learning-rate scheduler can shrink it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_lite.optim.optimizer import Optimizer, loss_value, require_closure
from tinygrad_lite.random import generator

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor


class _Search(Optimizer):
    scalar_names = ("lr", "best_loss")

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        super().__init__(params, lr)
        self.best_loss = math.inf

    def propose(self, w: np.ndarray) -> np.ndarray:
        """A new candidate for the weights ``w`` (currently the best found)."""
        raise NotImplementedError(f"{type(self).__name__} must implement propose(w)")

    def step(self, closure: Callable[[], Any] | None = None) -> float:
        """Try one random proposal; return its loss (``best_loss`` holds the best so far)."""
        require_closure(
            type(self).__name__, closure, "returns the loss, e.g. lambda: loss_fn(model(X), y)"
        )
        if self.best_loss == math.inf:
            self.best_loss = loss_value(closure())
        best = [p.data.copy() for p in self.params]
        for p in self.params:
            p.data[...] = self.propose(p.data)
        loss = loss_value(closure())
        if loss < self.best_loss:
            self.best_loss = loss
        else:
            for p, w in zip(self.params, best, strict=True):
                p.data[...] = w
        return loss


class RandomSearch(_Search):
    """Random search: each step tries brand-new weights ``W = scale * randn(shape)``.

    >>> import tinygrad_lite as tl
    >>> _ = tl.manual_seed(0)
    >>> w = tl.Tensor([3.0], requires_grad=True)
    >>> opt = tl.optim.RandomSearch([w])
    >>> for _ in range(20):
    ...     _ = opt.step(lambda: (w * w).sum())
    >>> bool(opt.best_loss < 9.0)   # w now holds the best guess
    True
    """

    def __init__(self, params: Iterable[Tensor], scale: float = 1.0) -> None:
        super().__init__(params, lr=scale)

    @property
    def scale(self) -> float:
        return self.lr

    def propose(self, w: np.ndarray) -> np.ndarray:
        return self.lr * generator().standard_normal(w.shape).astype(w.dtype, copy=False)


class RandomLocalSearch(_Search):
    """Random local search: each step tries a small random move from the best weights,
    ``W_try = W + step_size * randn(shape)``.

    >>> import tinygrad_lite as tl
    >>> _ = tl.manual_seed(0)
    >>> w = tl.Tensor([3.0], requires_grad=True)
    >>> opt = tl.optim.RandomLocalSearch([w], step_size=0.5)
    >>> for _ in range(20):
    ...     _ = opt.step(lambda: (w * w).sum())
    >>> bool(opt.best_loss < 9.0)
    True
    """

    def __init__(self, params: Iterable[Tensor], step_size: float = 1e-3) -> None:
        super().__init__(params, lr=step_size)

    @property
    def step_size(self) -> float:
        return self.lr

    def propose(self, w: np.ndarray) -> np.ndarray:
        return w + self.lr * generator().standard_normal(w.shape).astype(w.dtype, copy=False)
