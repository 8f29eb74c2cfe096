"""Optimizers that scale each weight's step by its own gradient history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_lite.optim.optimizer import Optimizer, check_eps, check_number

if TYPE_CHECKING:
    from tinygrad_lite.tensor import Tensor


class AdaGrad(Optimizer):
    """AdaGrad: each weight's step shrinks with the squared gradients it has seen::

        h += g * g
        W -= lr * g / (sqrt(h) + eps)

    ``h`` starts at zero. ``eps`` sits outside the square root, as in the seeds.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0], requires_grad=True)
    >>> opt = tl.optim.AdaGrad([w], lr=0.1)
    >>> (w * w).sum().backward()   # g = 2
    >>> opt.step()                 # h = g*g = 4;  w -= 0.1 * g / (sqrt(h) + eps)
    >>> w.data.round(4)
    array([0.9], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.eps = check_eps(type(self).__name__, eps)
        self.state_names = ("h",)

    def update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        state = self.state[i]
        h = state.get("h", np.zeros_like(w)) + g * g
        w -= self.lr * g / (np.sqrt(h) + self.eps)
        state["h"] = h


class RMSProp(Optimizer):
    """RMSProp: like AdaGrad, but ``h`` is a moving average that forgets old gradients::

        h = alpha * h + (1 - alpha) * g * g
        W -= lr * g / (sqrt(h) + eps)

    ``h`` starts at zero; ``alpha`` (in [0, 1]) sets how fast old gradients are forgotten.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0], requires_grad=True)
    >>> opt = tl.optim.RMSProp([w], lr=0.01)
    >>> (w * w).sum().backward()   # g = 2
    >>> opt.step()
    >>> bool(w.data[0] < 1.0)
    True
    """

    def __init__(
        self, params: Iterable[Tensor], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.alpha = check_number(name, "alpha", alpha, high=1.0)
        self.eps = check_eps(name, eps)
        self.state_names = ("h",)

    def update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        state = self.state[i]
        h = self.alpha * state.get("h", np.zeros_like(w)) + (1.0 - self.alpha) * g * g
        w -= self.lr * g / (np.sqrt(h) + self.eps)
        state["h"] = h


class Adam(Optimizer):
    """Adam: momentum (``m``) and RMSProp (``v``) together, with bias correction::

        t += 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t);   v_hat = v / (1 - b2**t)
        W -= lr * m_hat / (sqrt(v_hat) + eps)

    ``m`` and ``v`` start at zero; the step count ``t`` is kept per parameter (a
    parameter that had no gradient in a step does not advance its count).

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = tl.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                 # the first step moves each weight by about lr
    >>> w.data.round(4)
    array([ 0.9, -0.9], dtype=float32)
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (b1, b2), got {betas!r}")
        b1 = check_number(name, "betas[0]", betas[0], high=1.0)
        b2 = check_number(name, "betas[1]", betas[1], high=1.0)
        if b1 == 1.0 or b2 == 1.0:
            raise ValueError(
                f"{name}: betas must be below 1 (bias correction divides by 1 - b**t), got {betas!r}"
            )
        self.betas = (b1, b2)
        self.eps = check_eps(name, eps)
        self.state_names = ("m", "v", "step")

    def update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        b1, b2 = self.betas
        state = self.state[i]
        t = state.get("step", 0) + 1
        m = b1 * state.get("m", np.zeros_like(w)) + (1.0 - b1) * g
        v = b2 * state.get("v", np.zeros_like(w)) + (1.0 - b2) * g * g
        m_hat = m / (1.0 - b1**t)
        v_hat = v / (1.0 - b2**t)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        state.update(m=m, v=v, step=t)


class AdamW(Adam):
    """Adam with decoupled weight decay: the weights shrink by ``lr * weight_decay`` of
    themselves before the Adam step, instead of the decay being added to the gradient::

        W -= lr * weight_decay * W          (first, as PyTorch does)
        then the Adam update of W with the gradient g alone

    Added to the gradient (``g + weight_decay * W``), the decay would be divided by
    ``sqrt(v_hat)`` like the rest of the step, so weights with large gradients would be
    decayed less; decoupled, every weight shrinks by the same fraction per step.

    >>> import tinygrad_lite as tl
    >>> w = tl.Tensor([1.0], requires_grad=True)
    >>> w.grad = tl.Tensor([0.0])
    >>> tl.optim.AdamW([w], lr=0.1, weight_decay=0.5).step()
    >>> round(float(w.data[0]), 4)  # 1 - 0.1 * 0.5 * 1, and a zero Adam step
    0.95
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps)
        self.weight_decay = check_number(type(self).__name__, "weight_decay", weight_decay)

    def update(self, i: int, w: np.ndarray, g: np.ndarray) -> None:
        w -= self.lr * self.weight_decay * w
        super().update(i, w, g)
