"""Workload 2, per-op overhead: a chain of 1,000 cheap elementwise ops on a 16-vector.

The chain repeats ``x * 1.001``, ``x + 0.001``, ``relu(x)`` on a float32 vector of 16
elements, sums the result and runs backward. The arrays are so small that NumPy's own work
is tiny: what is measured is what each op costs around it (building the graph node, walking
it backward). The floor does the same chain by hand: the forward keeps what the backward
needs (the ReLU masks), the backward multiplies the gradient through the chain in reverse.

Run alone: ``python benchmarks/per_op.py [--quick]``.
"""

from __future__ import annotations

import numpy as np
from common import Row, assert_close, median_times, run_alone, tensor_chain

N_OPS = 1000
SIZE = 16


def start_vector() -> np.ndarray:
    return np.random.default_rng(0).uniform(0.5, 1.5, SIZE).astype(np.float32)


def numpy_chain(x0: np.ndarray, n_ops: int) -> tuple[np.float32, np.ndarray]:
    """Forward and hand-derived backward of the chain; returns sum(out) and d sum / d x0."""
    x, masks = x0, []
    for i in range(n_ops):
        if i % 3 == 0:
            x = x * 1.001
        elif i % 3 == 1:
            x = x + 0.001
        else:
            mask = x > 0
            masks.append(mask)
            x = x * mask  # relu
    loss = x.sum()
    g = np.ones_like(x)
    for i in reversed(range(n_ops)):
        if i % 3 == 0:
            g = g * 1.001  # d(x * c)/dx = c
        elif i % 3 == 2:
            g = g * masks.pop()  # d relu(x)/dx = 1[x > 0]; d(x + c)/dx = 1 needs no work
    return loss, g


def engine_chain(x0: np.ndarray, n_ops: int) -> tuple[np.ndarray, np.ndarray]:
    from tinygrad_lite import Tensor  # noqa: PLC0415

    start = Tensor(x0, requires_grad=True)
    loss = tensor_chain(start, n_ops, 1.001, 0.001).sum()
    loss.backward()
    return loss.data, start.grad.data


def torch_chain(x0: np.ndarray, n_ops: int, torch) -> tuple[np.ndarray, np.ndarray]:
    start = torch.tensor(x0, requires_grad=True)
    loss = tensor_chain(start, n_ops, 1.001, 0.001).sum()
    loss.backward()
    return loss.detach().numpy(), start.grad.numpy()


def variants(torch=None, n_ops: int = N_OPS) -> dict:
    x0 = start_vector()
    fns = {
        "numpy": lambda: numpy_chain(x0, n_ops),
        "engine": lambda: engine_chain(x0, n_ops),
    }
    if torch is not None:
        fns["torch"] = lambda: torch_chain(x0, n_ops, torch)
    return fns


def check(torch=None, n_ops: int = N_OPS) -> None:
    """The engine (and PyTorch) give the floor's sum and gradient."""
    fns = variants(torch, n_ops)
    loss, grad = fns.pop("numpy")()
    for name, fn in fns.items():
        other_loss, other_grad = fn()
        assert_close(f"per-op chain: {name} loss", np.float32(other_loss), np.float32(loss), name)
        assert_close(f"per-op chain: {name} d/dx", other_grad, grad, name)


def run(quick: bool = False, torch=None) -> list[Row]:
    check(torch)
    t = median_times(variants(torch), rounds=5 if quick else 41)
    case = f"{N_OPS} ops (*, +, relu) on a {SIZE}-vector, fwd+bwd"
    return [Row.from_versions("per-op overhead", case, "us/op", t, 2.0, scale=1e6 / N_OPS)]


def check_quick() -> None:
    """The correctness check alone (the test suite runs this)."""
    check()


if __name__ == "__main__":
    run_alone(__doc__, run)
