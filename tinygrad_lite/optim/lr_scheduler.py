"""Learning-rate schedules: change ``optimizer.lr`` once per epoch.

Call ``scheduler.step()`` at the end of every epoch, after the epoch's
``optimizer.step()`` calls. The learning rate is computed from the starting rate
``base_lr`` and the epoch count in closed form, so it never drifts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_lite.optim.optimizer import Optimizer, check_number


class LRScheduler:
    """Base class: sets ``optimizer.lr = self.lr_at(epoch)`` on every ``step()``.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.optim.lr_scheduler import LRScheduler
    >>> class Halving(LRScheduler):
    ...     def lr_at(self, epoch):
    ...         return self.base_lr / 2**epoch
    >>> opt = tl.optim.SGD([tl.Tensor([1.0], requires_grad=True)], lr=0.8)
    >>> scheduler = Halving(opt)
    >>> scheduler.step(); scheduler.step()
    >>> opt.lr
    0.2
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(getattr(optimizer, "lr", None), float):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer with an lr, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:
        """The learning rate for ``epoch`` (0 = before the first ``step()``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at(epoch)")

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for the next one."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate now in use, as a one-element list (PyTorch has one per parameter group)."""
        return [self.optimizer.lr]

    def state_dict(self) -> dict[str, Any]:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        name = f"{type(self).__name__}.load_state_dict"
        missing = {"base_lr", "last_epoch"} - set(state_dict)
        if missing:
            raise ValueError(f"{name}: missing keys {sorted(missing)}")
        base_lr = check_number(name, "base_lr", state_dict["base_lr"])
        last_epoch = state_dict["last_epoch"]
        if (
            isinstance(last_epoch, bool)
            or not isinstance(last_epoch, (int, np.integer))
            or last_epoch < 0
        ):
            raise ValueError(
                f"{name}: last_epoch must be a non-negative integer, got {last_epoch!r}"
            )
        self.base_lr, self.last_epoch = base_lr, int(last_epoch)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs::

        lr = base_lr * gamma ** (epoch // step_size)

    ``epoch`` counts the ``step()`` calls so far.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.optim.lr_scheduler import StepLR
    >>> opt = tl.optim.SGD([tl.Tensor([1.0], requires_grad=True)], lr=0.1)
    >>> scheduler = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(opt.lr)
    ...     scheduler.step()
    >>> lrs
    [0.1, 0.1, 0.05, 0.05]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(
                f"StepLR: step_size must be a positive integer (epochs), got {step_size!r}"
            )
        self.step_size = step_size
        self.gamma = check_number("StepLR", "gamma", gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: ``lr = base_lr * gamma ** epoch``.

    >>> import tinygrad_lite as tl
    >>> from tinygrad_lite.optim.lr_scheduler import ExponentialLR
    >>> opt = tl.optim.SGD([tl.Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> scheduler = ExponentialLR(opt, gamma=0.5)
    >>> scheduler.step(); scheduler.step()
    >>> opt.lr
    0.25
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = check_number("ExponentialLR", "gamma", gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch
