"""One SGD training step written four ways, and the check that they agree.

The MLP (``mlp.py``) and the small net (``small_net.py``) each subclass these: the floor
(``NumpyStep``) with forward and backward derived by hand, the engine with raw Tensor ops
(``EngineStep``), the engine through ``nn`` and ``optim`` (``NNStep``) and PyTorch eager
(``TorchStep``). The workload writes the math (its ``loss_and_grads`` or ``loss_of``); what
is the same everywhere (the SGD update, reading the gradients out, the comparison) lives
here, as does ``StaticStep``: the engine version's graph recorded once as a
``tl.StaticGraph`` and replayed every step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from common import assert_close, have_nn


class NumpyStep(ABC):
    """The floor of a training step: the subclass writes forward and backward by hand.

    ``names`` are the problem's parameter keys in order, ``lr`` the SGD learning rate.
    """

    names: Sequence[str]
    lr: float

    def __init__(self, problem: dict) -> None:
        self.params = [problem[k].copy() for k in self.names]
        self.x, self.y = problem["x"], problem["y"]

    @abstractmethod
    def loss_and_grads(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """The loss and its gradient for each parameter, in ``names`` order."""

    def step(self) -> None:
        """SGD, in place: ``p -= lr * dL/dp``."""
        _, grads = self.loss_and_grads()
        for p, g in zip(self.params, grads, strict=True):
            p -= self.lr * g  # noqa: PLW2901 (in place: the array itself changes)

    def arrays(self) -> list[np.ndarray]:
        return self.params


class EngineStep(ABC):
    """The engine: the subclass builds ``loss_of(x, y)`` from the Tensors in ``self.params``;
    backward gives the gradients and the update is written out on ``.data``."""

    params: list
    lr: float
    x: object  # the batch and its labels or targets, as the subclass's loss_of takes them
    y: object

    @abstractmethod
    def loss_of(self, x, y):
        """The loss Tensor for a batch, recorded as a graph."""

    def loss(self):
        return self.loss_of(self.x, self.y)

    def loss_and_grads(self) -> tuple[np.ndarray, list[np.ndarray]]:
        loss = self.loss()
        loss.backward()
        grads = [p.grad.data for p in self.params]
        for p in self.params:
            p.grad = None
        return loss.data, grads

    def step(self) -> None:
        self.loss().backward()
        for p in self.params:
            p.data -= self.lr * p.grad.data
            p.grad = None

    def arrays(self) -> list[np.ndarray]:
        return [p.data for p in self.params]


class StaticStep:
    """An engine version's step recorded once as a ``tl.StaticGraph`` (with the batch and its
    labels as the graph's inputs) and replayed: the same ops and parameters, the same update.
    """

    def __init__(self, engine: EngineStep) -> None:
        import tinygrad_lite as tl  # noqa: PLC0415

        self.params, self.lr = engine.params, engine.lr
        self.x, self.y = _array(engine.x), _array(engine.y)
        self.graph = tl.StaticGraph(engine.loss_of, self.x, self.y)

    def arrays(self) -> list[np.ndarray]:
        return [p.data for p in self.params]

    def loss_and_grads(self) -> tuple[np.ndarray, list[np.ndarray]]:
        loss = self.graph.run(self.x, self.y)
        grads = [p.grad.data for p in self.params]
        for p in self.params:
            p.grad = None
        return loss.data, grads

    def step(self) -> None:
        self.graph.run(self.x, self.y)
        for p in self.params:
            p.data -= self.lr * p.grad.data
            p.grad = None


def _array(value) -> np.ndarray:
    return value.data if hasattr(value, "grad_fn") else np.asarray(value)


class NNStep(EngineStep):
    """The engine through the library's front door: ``self.optimizer`` (``optim.SGD`` over
    ``self.params``, the model's parameters) makes the update."""

    optimizer: object

    def step(self) -> None:
        self.optimizer.zero_grad()
        self.loss().backward()
        self.optimizer.step()


class TorchStep(ABC):
    """PyTorch eager with the same weights: the subclass writes ``loss()`` with torch ops."""

    names: Sequence[str]
    lr: float

    def __init__(self, problem: dict, torch) -> None:
        self.torch = torch
        self.params = [torch.tensor(problem[k], requires_grad=True) for k in self.names]
        self.x, self.y = torch.tensor(problem["x"]), torch.tensor(problem["y"])

    @abstractmethod
    def loss(self):
        """The loss, a 0-d torch tensor."""

    def loss_and_grads(self) -> tuple[np.ndarray, list[np.ndarray]]:
        loss = self.loss()
        loss.backward()
        grads = [p.grad.numpy().copy() for p in self.params]
        for p in self.params:
            p.grad = None
        return loss.detach().numpy(), grads

    def step(self) -> None:
        self.loss().backward()
        with self.torch.no_grad():
            for p in self.params:
                p -= self.lr * p.grad  # noqa: PLW2901 (in place)
                p.grad = None

    def arrays(self) -> list[np.ndarray]:
        return [p.detach().numpy() for p in self.params]


def step_versions(
    problem: dict,
    torch,
    numpy: type[NumpyStep],
    engine: type[EngineStep],
    nn: type[NNStep],
    pytorch: type[TorchStep],
) -> dict:
    """Every available version of one training step, the floor first: "numpy", "engine",
    "static" (the engine version replayed by a StaticGraph), "nn" (once ``nn`` and ``optim``
    exist) and "torch" (when PyTorch is installed)."""
    versions = {"numpy": numpy(problem), "engine": engine(problem)}
    versions["static"] = StaticStep(engine(problem))
    if have_nn():
        versions["nn"] = nn(problem)
    if torch is not None:
        versions["torch"] = pytorch(problem, torch)
    return versions


def check_steps(label: str, versions: dict, names: Sequence[str]) -> None:
    """Every version of a training step gives the floor's ("numpy") loss and gradients, and
    the same weights after two SGD steps."""
    floor = versions["numpy"]
    loss, grads = floor.loss_and_grads()
    for name, version in versions.items():
        other_loss, other_grads = version.loss_and_grads()
        assert_close(f"{label}: {name} loss", np.float32(other_loss), np.float32(loss), name)
        for k, g, ref in zip(names, other_grads, grads, strict=True):
            assert_close(f"{label}: {name} d{k}", g, ref, name)
    for version in versions.values():
        version.step()
        version.step()
    for name, version in versions.items():
        for k, p, ref in zip(names, version.arrays(), floor.arrays(), strict=True):
            assert_close(f"{label}: {name} {k} after 2 SGD steps", p, ref, name)
