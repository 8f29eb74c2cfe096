"""Workload 3, the small net: 2 -> 16 -> 16 -> 1 ReLU MLP on 100 points, max-margin loss.

The classic first classifier (two interleaving half-moons, labels y = +-1). One training
step on all 100 points:

    score = relu(relu(x @ W1 + b1) @ W2 + b2) @ W3 + b3          shape (100, 1)
    loss  = mean(relu(1 - y * score)) + ALPHA * sum of p**2 over every parameter p
    p    -= LR * dloss/dp

The arrays are tiny, so this measures how much the engine adds per op at a realistic size
for a learner's first network. The floor writes the backward by hand.

Run alone: ``python benchmarks/small_net.py [--quick]``.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from common import Row, assert_close, have_nn, load_torch, median_times, pin_blas_threads

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


class NumpyNet:
    """The floor: forward and hand-derived backward in NumPy."""

    def __init__(self, problem: dict) -> None:
        self.params = [problem[k].copy() for k in PARAMS]
        self.x, self.y = problem["x"], problem["y"]

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

    def step(self) -> None:
        _, grads = self.loss_and_grads()
        for p, g in zip(self.params, grads, strict=True):
            p -= LR * g  # noqa: PLW2901 (in place: the array itself changes)

    def arrays(self) -> list[np.ndarray]:
        return self.params


class EngineNet:
    """The engine with raw Tensor ops, the update written out on ``.data``."""

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor  # noqa: PLC0415

        self.params = [Tensor(problem[k], requires_grad=True) for k in PARAMS]
        self.x, self.y = Tensor(problem["x"]), Tensor(problem["y"])

    def loss(self):
        W1, b1, W2, b2, W3, b3 = self.params
        score = ((self.x @ W1 + b1).relu() @ W2 + b2).relu() @ W3 + b3
        data_loss = (1 - self.y * score).relu().mean()
        return data_loss + ALPHA * sum((p * p).sum() for p in self.params)

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
            p.data -= LR * p.grad.data
            p.grad = None

    def arrays(self) -> list[np.ndarray]:
        return [p.data for p in self.params]


class NNNet(EngineNet):
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

    def loss(self):
        data_loss = (1 - self.y * self.model(self.x)).relu().mean()
        return data_loss + ALPHA * sum((p * p).sum() for p in self.params)

    def step(self) -> None:
        self.optimizer.zero_grad()
        self.loss().backward()
        self.optimizer.step()


class TorchNet:
    """PyTorch eager, same weights and formulas."""

    def __init__(self, problem: dict, torch) -> None:
        self.torch = torch
        self.params = [torch.tensor(problem[k], requires_grad=True) for k in PARAMS]
        self.x, self.y = torch.tensor(problem["x"]), torch.tensor(problem["y"])

    def loss(self):
        W1, b1, W2, b2, W3, b3 = self.params
        score = ((self.x @ W1 + b1).relu() @ W2 + b2).relu() @ W3 + b3
        data_loss = (1 - self.y * score).relu().mean()
        return data_loss + ALPHA * sum((p * p).sum() for p in self.params)

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
                p -= LR * p.grad  # noqa: PLW2901 (in place)
                p.grad = None

    def arrays(self) -> list[np.ndarray]:
        return [p.detach().numpy() for p in self.params]


def implementations(problem: dict, torch=None) -> dict:
    impls = {"numpy": NumpyNet(problem), "engine": EngineNet(problem)}
    if have_nn():
        impls["nn"] = NNNet(problem)
    if torch is not None:
        impls["torch"] = TorchNet(problem, torch)
    return impls


def check(torch=None) -> None:
    """Same loss and gradients from every version, and the same weights after two steps."""
    impls = implementations(make_problem(), torch)
    loss, grads = impls["numpy"].loss_and_grads()
    for name, impl in impls.items():
        other_loss, other_grads = impl.loss_and_grads()
        assert_close(f"small net: {name} loss", np.float32(other_loss), np.float32(loss), name)
        for k, g, ref in zip(PARAMS, other_grads, grads, strict=True):
            assert_close(f"small net: {name} d{k}", g, ref, name)
    for impl in impls.values():
        impl.step()
        impl.step()
    for name, impl in impls.items():
        for k, p, ref in zip(PARAMS, impl.arrays(), impls["numpy"].arrays(), strict=True):
            assert_close(f"small net: {name} {k} after 2 SGD steps", p, ref, name)


def run(quick: bool = False, torch=None) -> list[Row]:
    check(torch)
    impls = implementations(make_problem(), torch)
    t = median_times({k: v.step for k, v in impls.items()}, rounds=5 if quick else 41)
    us = {k: v * 1e6 for k, v in t.items()}
    others = {k: v for k, v in us.items() if k in ("nn", "torch")}
    case = "2-16-16-1 ReLU, 100 points, hinge + L2"
    return [Row("small net", case, "us/step", us["numpy"], us["engine"], 2.5, others)]


def check_quick() -> None:
    """The correctness check alone (the test suite runs this)."""
    check()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    print(pin_blas_threads())
    for row in run(args.quick, load_torch()):
        print(row)


if __name__ == "__main__":
    main()
