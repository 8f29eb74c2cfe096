"""Workload 6, a scalar expression: micrograd's README example, built and backpropagated.

The first program a learner runs after the micrograd lecture: two numbers, a = -4 and b = 2,
25 ops on single values (+, *, **, relu, /), then backward. Each run makes the two
leaves, builds the expression and runs backward, so it measures what one op on a single
number costs, forward and backward together. The expression is written once (``expression``)
and run by the engine (float64 0-d tensors), by micrograd 0.1.0 (its ``Value``, pure Python
on floats) and by PyTorch (float64 0-d tensors), each only when importable. The floor
computes the same values on Python floats and writes the backward out by hand.

The target is the engine's time against micrograd's, in the same process: at most 1.0x.
A second row, without a target, times the same runs with Python's default garbage collector
on (``median_times(..., gc_on=True)``): what a learner's program sees.

Run alone: ``python benchmarks/scalar_expr.py [--quick]``.
"""

from __future__ import annotations

import numpy as np
from common import GC_ON, Row, load_micrograd, median_times, median_times_gc_on, run_alone

A, B = -4.0, 2.0


def expression(a, b):
    """micrograd's README expression on two leaves; returns g."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def floor() -> tuple[float, float, float]:
    """The expression on Python floats and its backward by hand: (g, dg/da, dg/db)."""
    a, b = A, B
    c = a + b
    d = a * b + b**3
    c2 = c + (c + 1)
    c3 = c2 + ((1 + c2) + (-a))
    d2 = d + (d * 2 + max(b + a, 0.0))
    d3 = d2 + (3 * d2 + max(b - a, 0.0))
    e = c3 - d3
    f = e**2
    g = f / 2.0 + 10.0 / f
    # backward, from g down to the leaves
    df = 0.5 - 10.0 / f**2  # d(f/2 + 10/f)/df
    de = df * 2 * e
    dc3, dd3 = de, -de
    dc2, da = 2 * dc3, -dc3  # c3 = c2 + 1 + c2 - a
    dc = 2 * dc2  # c2 = c + c + 1
    dd2 = 4 * dd3  # d3 = d2 + 3 * d2 + relu(b - a)
    db = 0.0
    if b - a > 0:
        db, da = db + dd3, da - dd3
    dd = 3 * dd2  # d2 = d + 2 * d + relu(b + a)
    if b + a > 0:
        db, da = db + dd2, da + dd2
    da, db = da + dd * b, db + dd * (a + 3 * b**2)  # d = a * b + b**3
    return g, da + dc, db + dc  # c = a + b


def engine() -> tuple[float, float, float]:
    from tinygrad_lite import Tensor  # noqa: PLC0415

    a = Tensor(A, requires_grad=True, dtype=np.float64)
    b = Tensor(B, requires_grad=True, dtype=np.float64)
    g = expression(a, b)
    g.backward()
    return g.item(), a.grad.item(), b.grad.item()


def micrograd(Value) -> tuple[float, float, float]:
    a, b = Value(A), Value(B)
    g = expression(a, b)
    g.backward()
    return g.data, a.grad, b.grad


def pytorch(torch) -> tuple[float, float, float]:
    a = torch.tensor(A, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(B, dtype=torch.float64, requires_grad=True)
    g = expression(a, b)
    g.backward()
    return g.item(), a.grad.item(), b.grad.item()


def variants(torch=None, Value=None) -> dict:
    fns = {"numpy": floor, "engine": engine}
    if Value is not None:
        fns["micrograd"] = lambda: micrograd(Value)
    if torch is not None:
        fns["torch"] = lambda: pytorch(torch)
    return fns


def check(torch=None, Value=None) -> None:
    """Every version gives the floor's g, dg/da and dg/db (float64, to rounding)."""
    fns = variants(torch, Value)
    expected = fns.pop("numpy")()
    for name, fn in fns.items():
        np.testing.assert_allclose(fn(), expected, rtol=1e-12, err_msg=f"scalar expr: {name}")


def run(quick: bool = False, torch=None) -> list[Row]:
    Value = load_micrograd()
    check(torch, Value)
    fns = variants(torch, Value)
    t = median_times(fns, rounds=5 if quick else 41)
    t_gc = median_times_gc_on(fns, quick)  # informational, no target: as a learner's Python
    case = "micrograd's README expression (2 leaves, 25 ops), fwd+bwd"
    return [
        Row.from_versions("scalar expr", case, "us/run", t, 1.0, scale=1e6, versus="micrograd"),
        Row.from_versions("scalar expr", case + GC_ON, "us/run", t_gc, None, scale=1e6),
    ]


def check_quick() -> None:
    """The correctness check alone, micrograd included when installed (the test suite runs this)."""
    check(Value=load_micrograd())


if __name__ == "__main__":
    run_alone(__doc__, run)
