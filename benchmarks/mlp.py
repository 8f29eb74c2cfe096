"""Workload 1, the MLP training step: 784 -> 100 -> 10, ReLU, softmax cross-entropy, SGD.

One step = forward, backward, and the SGD update ``W -= lr * dL/dW`` of all four parameters,
on one batch of 100 float32 samples. The same step is written four times:

- ``NumpyMLP``: the floor, forward and backward derived by hand (no graph at all);
- ``EngineMLP``: raw Tensor ops, ``(x @ W1 + b1).relu() @ W2 + b2``, then log_softmax,
  picking the labels' entries, mean; the update written out on ``.data``;
- ``NNMLP``: ``nn.Linear`` layers, ``F.cross_entropy`` (one fused op) and ``optim.SGD``;
- ``TorchMLP``: PyTorch eager, when it is installed.

The scaling grid (``scaling.py``) and the memory workload (``memory.py``) reuse these classes.
Run alone: ``python benchmarks/mlp.py [--quick]``.
"""

from __future__ import annotations

import argparse

import numpy as np
from common import Row, assert_close, have_nn, load_torch, median_times, pin_blas_threads

LR = 0.01


def make_problem(n_in: int, hidden: int, n_out: int, batch: int, seed: int = 0) -> dict:
    """Random float32 data, integer labels and He-initialised weights (``(in, out)`` layout)."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    return {
        "x": rng.standard_normal((batch, n_in)).astype(f32),
        "y": rng.integers(0, n_out, size=batch),
        "W1": (rng.standard_normal((n_in, hidden)) * np.sqrt(2 / n_in)).astype(f32),
        "b1": np.zeros(hidden, dtype=f32),
        "W2": (rng.standard_normal((hidden, n_out)) * np.sqrt(2 / hidden)).astype(f32),
        "b2": np.zeros(n_out, dtype=f32),
    }


PARAMS = ("W1", "b1", "W2", "b2")


class NumpyMLP:
    """The floor: the step written out in NumPy, backward derived by hand."""

    def __init__(self, problem: dict) -> None:
        self.params = [problem[k].copy() for k in PARAMS]
        self.x, self.y = problem["x"], problem["y"]
        self.rows = np.arange(len(self.y))

    def loss_and_grads(self) -> tuple[float, list[np.ndarray]]:
        W1, b1, W2, b2 = self.params
        x, n = self.x, len(self.y)
        h_pre = x @ W1 + b1
        h = np.maximum(h_pre, 0)
        logits = h @ W2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[self.rows, self.y] - np.log(sum_exp[:, 0])).mean()
        # backward: dL/dlogits = (softmax - onehot) / n
        d_logits = exp / sum_exp
        d_logits[self.rows, self.y] -= 1
        d_logits /= n
        dW2 = h.T @ d_logits
        db2 = d_logits.sum(axis=0)
        d_h = d_logits @ W2.T
        d_h *= h_pre > 0
        dW1 = x.T @ d_h
        db1 = d_h.sum(axis=0)
        return loss, [dW1, db1, dW2, db2]

    def step(self) -> None:
        _, grads = self.loss_and_grads()
        for p, g in zip(self.params, grads, strict=True):
            p -= LR * g  # noqa: PLW2901 (in place: the array itself changes)

    def arrays(self) -> list[np.ndarray]:
        return self.params


class EngineMLP:
    """The engine with raw Tensor ops and the update written out on ``.data``."""

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor  # noqa: PLC0415

        self.params = [Tensor(problem[k], requires_grad=True) for k in PARAMS]
        self.x, self.y = Tensor(problem["x"]), problem["y"]
        self.rows = np.arange(len(self.y))

    def loss(self):
        W1, b1, W2, b2 = self.params
        logits = (self.x @ W1 + b1).relu() @ W2 + b2
        return -logits.log_softmax(axis=1)[self.rows, self.y].mean()

    def loss_and_grads(self) -> tuple[float, list[np.ndarray]]:
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


class NNMLP:
    """The engine through the library's front door: nn.Linear, F.cross_entropy, optim.SGD."""

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor, nn, optim  # noqa: PLC0415

        n_in, hidden = problem["W1"].shape
        self.model = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, problem["W2"].shape[1])
        )
        for p, k in zip(self.model.parameters(), PARAMS, strict=True):
            p.data[...] = problem[k]
        self.optimizer = optim.SGD(self.model.parameters(), lr=LR)
        self.x, self.y = Tensor(problem["x"]), problem["y"]

    def loss(self):
        from tinygrad_lite.nn import functional as F  # noqa: PLC0415

        return F.cross_entropy(self.model(self.x), self.y)

    def loss_and_grads(self) -> tuple[float, list[np.ndarray]]:
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss.data, [p.grad.data for p in self.model.parameters()]

    def step(self) -> None:
        self.optimizer.zero_grad()
        self.loss().backward()
        self.optimizer.step()

    def arrays(self) -> list[np.ndarray]:
        return [p.data for p in self.model.parameters()]


class TorchMLP:
    """PyTorch eager with the same weights and the same ``x @ W + b`` layout."""

    def __init__(self, problem: dict, torch) -> None:
        self.torch = torch
        self.params = [torch.tensor(problem[k], requires_grad=True) for k in PARAMS]
        self.x, self.y = torch.tensor(problem["x"]), torch.tensor(problem["y"])

    def loss(self):
        W1, b1, W2, b2 = self.params
        logits = (self.x @ W1 + b1).relu() @ W2 + b2
        return self.torch.nn.functional.cross_entropy(logits, self.y)

    def loss_and_grads(self) -> tuple[float, list[np.ndarray]]:
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
    """Every available version of the step, the floor first."""
    impls = {"numpy": NumpyMLP(problem), "engine": EngineMLP(problem)}
    if have_nn():
        impls["nn"] = NNMLP(problem)
    if torch is not None:
        impls["torch"] = TorchMLP(problem, torch)
    return impls


def check(problem: dict, torch=None, label: str = "MLP step") -> None:
    """Same loss and gradients from every version, and the same weights after two steps."""
    impls = implementations(problem, torch)
    loss, grads = impls["numpy"].loss_and_grads()
    for name, impl in impls.items():
        other_loss, other_grads = impl.loss_and_grads()
        assert_close(f"{label}: {name} loss", np.float32(other_loss), np.float32(loss), name)
        for k, g, ref in zip(PARAMS, other_grads, grads, strict=True):
            assert_close(f"{label}: {name} d{k}", g, ref, name)
    for impl in impls.values():
        impl.step()
        impl.step()
    for name, impl in impls.items():
        for k, p, ref in zip(PARAMS, impl.arrays(), impls["numpy"].arrays(), strict=True):
            assert_close(f"{label}: {name} {k} after 2 SGD steps", p, ref, name)


def time_steps(problem: dict, rounds: int, torch=None) -> dict[str, float]:
    """Median seconds per training step of each version, measured interleaved."""
    impls = implementations(problem, torch)
    return median_times({name: impl.step for name, impl in impls.items()}, rounds)


def run(quick: bool = False, torch=None) -> list[Row]:
    problem = make_problem(784, 100, 10, batch=100)
    check(problem, torch)
    t = time_steps(problem, rounds=5 if quick else 41, torch=torch)
    others = {k: v * 1e3 for k, v in t.items() if k in ("nn", "torch")}
    return [
        Row("MLP step", "784-100-10, batch 100", "ms/step", t["numpy"] * 1e3,
            t["engine"] * 1e3, 1.15, others)
    ]  # fmt: skip


def check_quick() -> None:
    """The correctness check alone, at the timed size (the test suite runs this)."""
    check(make_problem(784, 100, 10, batch=100))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    print(pin_blas_threads())
    for row in run(args.quick, load_torch()):
        print(row)


if __name__ == "__main__":
    main()
