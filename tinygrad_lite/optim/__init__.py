"""Optimizers: they read each parameter's ``.grad`` and update ``.data`` in place.

The training step is the same for all of them::

    opt = optim.Adam(model.parameters(), lr=1e-3)
    for X, y in loader:
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()

Gradient-free searches take a closure that returns the loss: ``opt.step(closure)``, and so
do the second-order ``Newton`` and the quasi-Newton ``LBFGS``, which evaluate it as needed.
"""

from tinygrad_lite.optim import lr_scheduler
from tinygrad_lite.optim.adaptive import AdaGrad, Adam, AdamW, RMSProp
from tinygrad_lite.optim.optimizer import Optimizer
from tinygrad_lite.optim.search import RandomLocalSearch, RandomSearch
from tinygrad_lite.optim.second_order import LBFGS, Newton
from tinygrad_lite.optim.sgd import SGD, Momentum, Nesterov

__all__ = [
    "LBFGS",
    "SGD",
    "AdaGrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Nesterov",
    "Newton",
    "Optimizer",
    "RMSProp",
    "RandomLocalSearch",
    "RandomSearch",
    "lr_scheduler",
]
