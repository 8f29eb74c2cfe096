"""Workload 5, the deep graph: a chain of N scalar ops, N up to 1,000,000.

The chain repeats ``x * 1.0001``, ``x + 0.0001``, ``relu(x)`` on a 0-d float32 value, then
runs backward. Two things are measured:

- backward time, in this process, interleaved with the floor: a hand-written tape (the
  forward keeps each ReLU's mask, the backward multiplies the gradient back through it);
- memory per op: in a fresh process per version, (peak RSS after forward + backward - RSS
  before the forward) / N. That covers every graph node, value and saved array, whatever
  allocates them (NumPy, Python objects, PyTorch's C++ side).

Run alone: ``python benchmarks/deep_chain.py [--quick]``.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np
from common import (
    Row,
    assert_close,
    can_measure_memory,
    collector_off,
    in_fresh_process,
    load_torch,
    peak_rss_bytes,
    pin_blas_threads,
    reset_peak_rss,
    rss_bytes,
    run_alone,
    tensor_chain,
)

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)


def numpy_forward(n: int):
    x, masks = np.float32(1.0), []
    for i in range(n):
        if i % 3 == 0:
            x = x * np.float32(1.0001)
        elif i % 3 == 1:
            x = x + np.float32(0.0001)
        else:
            mask = x > 0
            masks.append(mask)
            x = x * mask  # relu
    return x, masks


def numpy_backward(n: int, tape) -> np.float32:
    _, masks = tape
    g = np.float32(1.0)
    for i in reversed(range(n)):
        if i % 3 == 0:
            g = g * np.float32(1.0001)  # d(x * c)/dx = c
        elif i % 3 == 2:
            g = g * masks.pop()  # d relu(x)/dx = 1[x > 0]; d(x + c)/dx = 1 needs no work
    return g


def engine_forward(n: int):
    from tinygrad_lite import Tensor  # noqa: PLC0415

    start = Tensor(np.float32(1.0), requires_grad=True)
    return tensor_chain(start, n, 1.0001, 0.0001), start


def engine_backward(_n: int, tape) -> np.ndarray:
    out, start = tape
    out.backward()
    return start.grad.data


def torch_forward(n: int, torch):
    start = torch.tensor(1.0, requires_grad=True)
    return tensor_chain(start, n, 1.0001, 0.0001), start


def torch_backward(_n: int, tape) -> np.ndarray:
    out, start = tape
    out.backward()
    return start.grad.numpy()


def versions(torch=None) -> dict:
    """name -> (forward(n) -> tape, backward(n, tape) -> d out / d x0)."""
    found = {"numpy": (numpy_forward, numpy_backward), "engine": (engine_forward, engine_backward)}
    if torch is not None:
        found["torch"] = (lambda n: torch_forward(n, torch), torch_backward)
    return found


def check(n: int, torch=None) -> None:
    """Same output value and gradient from every version."""
    found = versions(torch)
    forward, backward = found.pop("numpy")
    tape = forward(n)
    value, grad = tape[0], backward(n, tape)
    for name, (fwd, bwd) in found.items():
        tape = fwd(n)
        assert_close(f"deep chain {n}: {name} value", np.float32(tape[0].item()), value, name)
        assert_close(f"deep chain {n}: {name} gradient", np.float32(bwd(n, tape)), grad, name)


def time_backward(n: int, reps: int, torch=None) -> dict[str, tuple[float, float]]:
    """Median (forward, backward) seconds per version, interleaved, collector off."""
    found = versions(torch)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in found}
    with collector_off():
        for _ in range(reps):
            for name, (forward, backward) in found.items():
                start = time.perf_counter()
                tape = forward(n)
                middle = time.perf_counter()
                backward(n, tape)
                times[name].append((middle - start, time.perf_counter() - middle))
                del tape
    return {
        name: (statistics.median(f for f, _ in t), statistics.median(b for _, b in t))
        for name, t in times.items()
    }


def child(name: str, n: int) -> dict[str, float]:
    """In a fresh process: build one chain, backprop it, measure the bytes per op."""
    pin_blas_threads()
    torch = load_torch() if name == "torch" else None
    forward, backward = versions(torch)[name]
    forward(10), backward(10, forward(10))  # imports and first-call allocations out of the way
    gc.collect()
    gc.disable()
    reset_peak_rss()
    before = rss_bytes()
    tape = forward(n)
    backward(n, tape)
    peak = peak_rss_bytes()
    return {"bytes_per_op": (peak - before) / n}


def bytes_per_op(name: str, n: int) -> float:
    return in_fresh_process(__file__, name=name, n=n)["bytes_per_op"]


def run(quick: bool = False, torch=None) -> list[Row]:
    rows = []
    for n in QUICK_SIZES if quick else SIZES:
        check(min(n, 30_000), torch)
        reps = 3 if n >= 1_000_000 or quick else 5
        t = time_backward(n, reps, torch)
        back = {k: b for k, (_, b) in t.items()}
        fwd = ", ".join(f"{k} {f:.3g}" for k, (f, _) in t.items())
        note = f"forward s: {fwd}"
        rows.append(
            Row.from_versions("deep chain", f"N={n:,}: backward", "s", back, 5.0, note=note)
        )
        if n == max(QUICK_SIZES if quick else SIZES) and can_measure_memory():
            mem = {name: bytes_per_op(name, n) for name in versions(torch)}
            case = f"N={n:,}: memory"
            rows.append(Row.from_versions("deep chain", case, "bytes/op", mem, None, limit=400))
    return rows


def check_quick() -> None:
    """The correctness check alone, on a 3,000-op chain (the test suite runs this)."""
    check(3_000)


if __name__ == "__main__":
    run_alone(__doc__, run, child)
