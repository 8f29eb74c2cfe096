"""Workload 1, the MLP training step: 784 -> 100 -> 10, ReLU, softmax cross-entropy, SGD.

One step = forward, backward, and the SGD update ``W -= lr * dL/dW`` of all four parameters,
on one batch of 100 float32 samples. The same step is written four times:

- ``NumpyMLP``: the floor, forward and backward derived by hand (no graph at all);
- ``EngineMLP``: the engine's functions on raw Tensors, ``F.linear(x, W1, b1).relu()``,
  ``F.linear(h, W2, b2)`` (``x @ W + b`` as one op) and the fused softmax cross-entropy
  (``F.cross_entropy``, one op, as the floor fuses it by hand); the update written out on
  ``.data``;
- ``NNMLP``: ``nn.Linear`` layers, ``F.cross_entropy`` (one fused op) and ``optim.SGD``;
- ``TorchMLP``: PyTorch eager, when it is installed, with its fused ``F.linear`` and
  ``F.cross_entropy`` too.

What the four share (the SGD update, reading out the gradients, the check) is in ``steps.py``.
The scaling grid (``scaling.py``) and the memory workload (``memory.py``) reuse these classes.
Run alone: ``python benchmarks/mlp.py [--quick]``.
"""

from __future__ import annotations

import numpy as np
from common import Row, median_times, run_alone
from steps import EngineStep, NNStep, NumpyStep, TorchStep, check_steps, step_versions

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


class NumpyMLP(NumpyStep):
    """The floor: the step written out in NumPy, backward derived by hand."""

    names, lr = PARAMS, LR

    def __init__(self, problem: dict) -> None:
        super().__init__(problem)
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


class EngineMLP(EngineStep):
    """The engine's functions on raw Tensors, the update written out on ``.data``."""

    lr = LR

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor  # noqa: PLC0415
        from tinygrad_lite.nn import functional  # noqa: PLC0415

        self.params = [Tensor(problem[k], requires_grad=True) for k in PARAMS]
        self.x, self.y = Tensor(problem["x"]), problem["y"]
        self.F = functional  # imported once, not in every timed step

    def loss_of(self, x, y):
        W1, b1, W2, b2 = self.params
        F = self.F
        logits = F.linear(F.linear(x, W1, b1).relu(), W2, b2)  # x @ W + b, one op each
        return F.cross_entropy(logits, y)


class NNMLP(NNStep):
    """The engine through the library's front door: nn.Linear, F.cross_entropy, optim.SGD."""

    def __init__(self, problem: dict) -> None:
        from tinygrad_lite import Tensor, nn, optim  # noqa: PLC0415

        n_in, hidden = problem["W1"].shape
        self.model = nn.Sequential(
            nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, problem["W2"].shape[1])
        )
        self.params = self.model.parameters()
        for p, k in zip(self.params, PARAMS, strict=True):
            p.data[...] = problem[k]
        self.optimizer = optim.SGD(self.params, lr=LR)
        self.x, self.y = Tensor(problem["x"]), problem["y"]
        self.cross_entropy = nn.functional.cross_entropy  # imported once, not in every step

    def loss_of(self, x, y):
        return self.cross_entropy(self.model(x), y)


class TorchMLP(TorchStep):
    """PyTorch eager with the same weights and the same ``x @ W + b`` layout (its ``F.linear``
    takes the weight as ``(out, in)``, so it gets ``W.T``, a view)."""

    names, lr = PARAMS, LR

    def loss(self):
        W1, b1, W2, b2 = self.params
        F = self.torch.nn.functional
        logits = F.linear(F.linear(self.x, W1.T, b1).relu(), W2.T, b2)
        return F.cross_entropy(logits, self.y)


def implementations(problem: dict, torch=None) -> dict:
    """Every available version of the step, the floor first."""
    return step_versions(problem, torch, NumpyMLP, EngineMLP, NNMLP, TorchMLP)


def check(problem: dict, torch=None, label: str = "MLP step") -> None:
    """Same loss and gradients from every version, and the same weights after two steps."""
    check_steps(label, implementations(problem, torch), PARAMS)


def time_steps(problem: dict, rounds: int, torch=None) -> dict[str, float]:
    """Median seconds per training step of each version, measured interleaved."""
    impls = implementations(problem, torch)
    return median_times({name: impl.step for name, impl in impls.items()}, rounds)


def run(quick: bool = False, torch=None) -> list[Row]:
    problem = make_problem(784, 100, 10, batch=100)
    check(problem, torch)
    t = time_steps(problem, rounds=5 if quick else 41, torch=torch)
    return [Row.from_versions("MLP step", "784-100-10, batch 100", "ms/step", t, 1.15, scale=1e3)]


def check_quick() -> None:
    """The correctness check alone, at the timed size (the test suite runs this)."""
    check(make_problem(784, 100, 10, batch=100))


if __name__ == "__main__":
    run_alone(__doc__, run)
