"""Workload 3, the small net: 2 -> 16 -> 16 -> 1 ReLU MLP on 100 points, max-margin loss.

The classic first classifier (two interleaving half-moons, labels y = +-1). One training
step on all 100 points:

    score = relu(relu(x @ W1 + b1) @ W2 + b2) @ W3 + b3          shape (100, 1)
    loss  = mean(relu(1 - y * score)) + ALPHA * sum of p**2 over every parameter p
    p    -= LR * dloss/dp

The arrays are tiny, so this measures how much the engine adds per op at a realistic size
for a learner's first network. The floor writes the backward by hand; what the versions
share (the SGD update, reading out the gradients, the check) is in ``steps.py``.

Two rows: the L2 term written out as above (``ALPHA * sum((p * p).sum() for p in params)``,
20 ops on single numbers, two thirds of the step's graph), and the same step with the
library's one-op ``F.l2_penalty(params, ALPHA)``, which computes it as the floor does.

Run alone: ``python benchmarks/small_net.py [--quick]``.
"""

from __future__ import annotations

import itertools

import numpy as np
from common import Row, median_times, run_alone
from steps import EngineStep, NNStep, NumpyStep, TorchStep, check_steps, step_versions

ALPHA = 1e-4
LR = 0.05
SIZES = (2, 16, 16, 1)


def make_problem(n: int = 100, seed: int = 0) -> dict:
    """Two noisy half-moons (labels -1 and +1) and He-initialised float32 weights."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, np.pi, n)
    top = np.arange(n) % 2 == 0
    x = np.where(
        top[:, None],
        np.stack([np.cos(angle), np.sin(angle)], axis=1),
        np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1),
    )
    x += rng.normal(0, 0.1, x.shape)
    problem = {"x": x.astype(np.float32), "y": np.where(top, 1.0, -1.0).astype(np.float32)[:, None]}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(SIZES), start=1):
        problem[f"W{i}"] = (rng.standard_normal((n_in, n_out)) * np.sqrt(2 / n_in)).astype(
            np.float32
        )
        problem[f"b{i}"] = np.zeros(n_out, dtype=np.float32)
    return problem


PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


class NumpyNet(NumpyStep):
    """The floor: forward and hand-derived backward in NumPy."""

    names, lr = PARAMS, LR

    def loss_and_grads(self) -> tuple[np.float32, list[np.ndarray]]:
        W1, b1, W2, b2, W3, b3 = self.params
        x, y, n = self.x, self.y, len(self.y)
        h1_pre = x @ W1 + b1
        h1 = np.maximum(h1_pre, 0)
        h2_pre = h1 @ W2 + b2
        h2 = np.maximum(h2_pre, 0)
        score = h2 @ W3 + b3
        margin = 1 - y * score
        loss = np.maximum(margin, 0).mean() + ALPHA * sum((p * p).sum() for p in self.params)
        # backward of the hinge: d/dscore = -y / n where the margin is violated
        d_score = (margin > 0) * (-y / n)
        dW3, db3 = h2.T @ d_score, d_score.sum(axis=0)
        d_h2 = (d_score @ W3.T) * (h2_pre > 0)
        dW2, db2 = h1.T @ d_h2, d_h2.sum(axis=0)
        d_h1 = (d_h2 @ W2.T) * (h1_pre > 0)
        dW1, db1 = x.T @ d_h1, d_h1.sum(axis=0)
        grads = [dW1, db1, dW2, db2, dW3, db3]
        # the L2 term: d(ALPHA * p**2)/dp = 2 * ALPHA * p
        return loss, [g + 2 * ALPHA * p for g, p in zip(grads, self.params, strict=True)]


class EngineNet(EngineStep):
    """The engine on raw Tensors (``F.linear``: ``x @ W + b`` as one op), the update written
    out on ``.data``. The L2 term is written out as above: 20 ops on single numbers."""

    lr = LR

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor  # noqa: PLC0415
        from tinygrad_lite.nn import functional  # noqa: PLC0415

        self.params = [Tensor(problem[k], requires_grad=True) for k in PARAMS]
        self.x, self.y = Tensor(problem["x"]), Tensor(problem["y"])
        self.F = functional  # imported once, not in every timed step

    def data_loss(self, x, y):
        W1, b1, W2, b2, W3, b3 = self.params
        linear = self.F.linear
        score = linear(linear(linear(x, W1, b1).relu(), W2, b2).relu(), W3, b3)
        return (1 - y * score).relu().mean()

    def loss_of(self, x, y):
        return self.data_loss(x, y) + ALPHA * sum((p * p).sum() for p in self.params)


class EngineNetL2Op(EngineNet):
    """The same, with the L2 term as the library's one op ``F.l2_penalty``."""

    def loss_of(self, x, y):
        return self.data_loss(x, y) + self.F.l2_penalty(self.params, ALPHA)


class NNNet(NNStep):
    """The same net from ``nn.Linear``/``nn.ReLU`` layers, stepped by ``optim.SGD``."""

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor, nn, optim  # noqa: PLC0415

        self.model = nn.Sequential(
            nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
        )
        self.params = self.model.parameters()
        for p, k in zip(self.params, PARAMS, strict=True):
            p.data[...] = problem[k]
        self.optimizer = optim.SGD(self.params, lr=LR)
        self.x, self.y = Tensor(problem["x"]), Tensor(problem["y"])
        self.l2_penalty = nn.functional.l2_penalty

    def data_loss(self, x, y):
        return (1 - y * self.model(x)).relu().mean()

    def loss_of(self, x, y):
        return self.data_loss(x, y) + ALPHA * sum((p * p).sum() for p in self.params)


class NNNetL2Op(NNNet):
    """The nn version with ``F.l2_penalty``."""

    def loss_of(self, x, y):
        return self.data_loss(x, y) + self.l2_penalty(self.params, ALPHA)


class TorchNet(TorchStep):
    """PyTorch eager, same weights and formulas (its ``F.linear`` takes ``W.T``, a view)."""

    names, lr = PARAMS, LR

    def loss(self):
        W1, b1, W2, b2, W3, b3 = self.params
        linear = self.torch.nn.functional.linear
        score = linear(linear(linear(self.x, W1.T, b1).relu(), W2.T, b2).relu(), W3.T, b3)
        data_loss = (1 - self.y * score).relu().mean()
        return data_loss + ALPHA * sum((p * p).sum() for p in self.params)


def implementations(problem: dict, torch=None, l2_op: bool = False) -> dict:
    """Every version of the step; with ``l2_op`` the engine and nn versions use
    ``F.l2_penalty`` (PyTorch has no such op, so it is left out of that row)."""
    if l2_op:
        return step_versions(problem, None, NumpyNet, EngineNetL2Op, NNNetL2Op, TorchNet)
    return step_versions(problem, torch, NumpyNet, EngineNet, NNNet, TorchNet)


def check(torch=None) -> None:
    """Same loss and gradients from every version, and the same weights after two steps."""
    check_steps("small net", implementations(make_problem(), torch), PARAMS)
    check_steps("small net, L2 as one op", implementations(make_problem(), l2_op=True), PARAMS)


def run(quick: bool = False, torch=None) -> list[Row]:
    check(torch)
    rows = []
    for l2_op, case, target in (
        (False, "2-16-16-1 ReLU, 100 points, hinge + L2 written out", 2.0),
        (True, "the same, L2 as one op (F.l2_penalty)", 2.5),
    ):
        impls = implementations(make_problem(), torch, l2_op)
        t = median_times({k: v.step for k, v in impls.items()}, rounds=5 if quick else 41)
        rows.append(Row.from_versions("small net", case, "us/step", t, target, scale=1e6))
    return rows


def check_quick() -> None:
    """The correctness check alone (the test suite runs this)."""
    check()


if __name__ == "__main__":
    run_alone(__doc__, run)
